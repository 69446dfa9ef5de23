'use strict';
/**
 * Helpers for the extension-host tests. Every wait is on an editor event
 * (diagnostics changed, document changed) with a deadline for the failure
 * message, never a fixed sleep.
 */
if (process.env.NODE_TEST_CONTEXT) {
  // Loaded by `node --test test/` outside VS Code: nothing to do.
  module.exports = {};
  return;
}

const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const { goldenPath, fixturePath } = require('../workspace');

const TIMEOUT_MS = 60_000;
const EXTENSION_ID = 'dma-api-assistant.dma-api-assistant';

/** Activates the extension; resolves once its language client has started (its providers are registered). */
async function ready() {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed`);
  await ext.activate();
}

function workspaceDir() {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  if (!folder) throw new Error('no workspace folder is open');
  return folder.uri.fsPath;
}

function workspaceUri(name) {
  return vscode.Uri.file(path.join(workspaceDir(), name));
}

async function open(name) {
  const doc = await vscode.workspace.openTextDocument(workspaceUri(name));
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  return { doc, editor, uri: doc.uri };
}

/** The rule id of a diagnostic: `code` is `{ value, target }` when the server sets codeDescription. */
function codeOf(d) {
  return d.code !== null && typeof d.code === 'object' ? d.code.value : d.code;
}

function dmaDiagnostics(uri) {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'dma');
}

function describeDiagnostics(list) {
  return JSON.stringify(
    list.map((d) => ({
      code: codeOf(d),
      severity: d.severity,
      range: [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character],
      message: d.message,
    })),
  );
}

/**
 * Resolves with the document's dma diagnostics once `predicate(list)` holds:
 * checked now and on every onDidChangeDiagnostics for the uri.
 */
function waitForDiagnostics(uri, predicate, what = 'the expected diagnostics', timeoutMs = TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = () => {
      if (done) return;
      const list = dmaDiagnostics(uri);
      let ok = false;
      try {
        ok = predicate(list);
      } catch (e) {
        finish();
        reject(e);
        return;
      }
      if (ok) {
        finish();
        resolve(list);
      }
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${path.basename(uri.fsPath)}; current: ${describeDiagnostics(dmaDiagnostics(uri))}`));
    }, timeoutMs);
    function finish() {
      done = true;
      clearTimeout(timer);
      sub.dispose();
    }
    check();
  });
}

/** Resolves once `predicate(doc)` holds, checked now and on every change of the document. */
function waitForDocument(doc, predicate, what = 'the document to change', timeoutMs = TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    if (predicate(doc)) {
      resolve(doc);
      return;
    }
    const sub = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === doc && predicate(doc)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(doc);
      }
    });
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
  });
}

/** Runs `save` (e.g. a save command) and resolves once the editor reports the document saved. */
function saveAndWait(doc, save, timeoutMs = TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const sub = vscode.workspace.onDidSaveTextDocument((d) => {
      if (d === doc) {
        clearTimeout(timer);
        sub.dispose();
        resolve(doc);
      }
    });
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${path.basename(doc.uri.fsPath)} to be saved`));
    }, timeoutMs);
    Promise.resolve()
      .then(save)
      .catch((e) => {
        clearTimeout(timer);
        sub.dispose();
        reject(e);
      });
  });
}

/** [{ line (0-based), rule }] from the fixture's `/* expect: a, b *\/` comments. */
function expectations(text) {
  const out = [];
  text.split('\n').forEach((line, i) => {
    const m = /\/\*\s*expect:\s*([^*]*?)\s*\*\//.exec(line);
    if (m) for (const rule of m[1].split(',').map((s) => s.trim()).filter(Boolean)) out.push({ line: i, rule });
  });
  return out;
}

function key(line, rule) {
  return `${line + 1}:${rule}`;
}

/** The diagnostics match the expectations exactly, as a set of (line, rule). */
function matchesExpectations(list, expected) {
  const got = new Set(list.map((d) => key(d.range.start.line, codeOf(d))));
  const want = new Set(expected.map((e) => key(e.line, e.rule)));
  return got.size === want.size && [...want].every((k) => got.has(k)) && list.length === expected.length;
}

/** The range of the call `name(...)` that starts on `line`: from the name to its closing parenthesis. */
function callRange(doc, line, name) {
  const text = doc.getText();
  const lineStart = doc.offsetAt(new vscode.Position(line, 0));
  const re = new RegExp(`\\b${name}\\s*\\(`, 'g');
  re.lastIndex = lineStart;
  const m = re.exec(text);
  if (!m || doc.positionAt(m.index).line !== line) throw new Error(`no call of ${name}() on line ${line + 1}`);
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return new vscode.Range(doc.positionAt(m.index), doc.positionAt(i + 1));
  }
  throw new Error(`unbalanced call of ${name}() on line ${line + 1}`);
}

/** The range of the n-th (0-based) occurrence of `token` as a whole word on `line`. */
function tokenRange(doc, line, token, n = 0) {
  const text = doc.lineAt(line).text;
  const re = new RegExp(`(?<![\\w])${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`, 'g');
  let m;
  let i = 0;
  while ((m = re.exec(text))) {
    if (i++ === n) return new vscode.Range(line, m.index, line, m.index + token.length);
  }
  throw new Error(`no ${token} on line ${line + 1}: ${JSON.stringify(text)}`);
}

function lineOf(doc, needle) {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(needle)) return i;
  throw new Error(`no line contains ${JSON.stringify(needle)}`);
}

async function codeActions(uri, range, kind) {
  const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, range, kind);
  return actions || [];
}

/** The quick fixes the editor offers for a diagnostic (from all providers, as the light bulb would). */
async function quickFixesFor(uri, diagnostic) {
  const all = await codeActions(uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
  return all.filter((a) => a.kind && vscode.CodeActionKind.QuickFix.contains(a.kind));
}

function readFixture(name) {
  return fs.readFileSync(fixturePath(name), 'utf8');
}

function readGolden(name) {
  return fs.readFileSync(goldenPath(name), 'utf8');
}

async function setSetting(section, value) {
  await vscode.workspace.getConfiguration().update(section, value, vscode.ConfigurationTarget.Global);
}

/** Line-by-line diff summary for assertion messages. */
function firstDifference(actual, expected) {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `first difference at line ${i + 1}:\n  actual:   ${JSON.stringify(a[i])}\n  expected: ${JSON.stringify(e[i])}`;
  }
  return 'texts are equal';
}

module.exports = {
  TIMEOUT_MS,
  EXTENSION_ID,
  ready,
  workspaceDir,
  workspaceUri,
  open,
  codeOf,
  dmaDiagnostics,
  describeDiagnostics,
  waitForDiagnostics,
  waitForDocument,
  saveAndWait,
  expectations,
  matchesExpectations,
  callRange,
  tokenRange,
  lineOf,
  codeActions,
  quickFixesFor,
  readFixture,
  readGolden,
  setSetting,
  firstDifference,
};

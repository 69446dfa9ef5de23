/**
 * The language server: protocol handlers only. Documents are kept with
 * incremental sync; every change is handed to the document's FileAnalyzer
 * before the text is updated, so the touched function's tree is edited and
 * re-parsed incrementally. Diagnostics are pushed at once after a lone
 * change and after a short debounce within a burst of changes; fixes are
 * computed only when code actions are requested.
 */
import {
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  DiagnosticSeverity,
  CodeActionKind,
  CodeActionTriggerKind,
  type Diagnostic,
  type CodeAction,
  type InitializeParams,
  type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { PassThrough } from 'stream';
import { setFlagsFromString } from 'v8';
import { CParser, FileAnalyzer, fixText } from '../index';
import { tuneV8ForAnalysis } from '../v8flags';
import { diffEdit } from '../fixes/apply';
import type { AnalyzeOptions, Finding, SeveritySetting } from '../types';
import { ConfigResolver, isIgnored } from '../cli/config';
import { RULES } from '../rules/registry';
import { docUrl } from '../docs';
import { hoverAt } from './hover';
import { completionAt } from './completion';

/**
 * A change that follows the previous one within this many milliseconds is
 * part of a burst (a paste, a replayed macro, fast typing): its analysis
 * waits that long, so the burst is analysed once, at its last version. A
 * change after a quiet spell is analysed at once.
 */
const DEBOUNCE_MS = 10;
const BUSY_NOTICE_LINES = 5000;

// Compile the parser's wasm with the baseline compiler only, before it is
// loaded: the first analysis after a cold start then takes about half the
// CPU (the optimising tier-up competes with it). The server parses a few
// functions per edit, so the faster optimised code would not pay off; the
// CLI, which parses whole trees, keeps the default. No TurboFan inlining, as
// in the CLI (see v8flags.ts).
setFlagsFromString('--liftoff-only');
tuneV8ForAnalysis({ manyAnalyses: true });

interface DocState {
  doc: TextDocument;
  analyzer: FileAnalyzer;
  /** Cancels the analysis scheduled for this document, if any. */
  cancelPending?: () => void;
  /** When the last change arrived (performance.now()). */
  lastChangeAt?: number;
  findings: Finding[];
  analyzedVersion: number;
}

export function startServer(connection: Connection): void {
  const docs = new Map<string, DocState>();
  let severities: Record<string, SeveritySetting> = {};
  let configurationPull = false;
  let debounceMs = DEBOUNCE_MS;

  const log = (m: string) => connection.console.log(m);

  // The parser is loaded during initialize, so a document is registered the
  // moment it opens and no change that follows can find it missing.
  let parser: CParser | undefined;
  // .dma-check.json files, read only inside the workspace folders.
  let workspaceRoots: string[] = [];
  let configs = new ConfigResolver();
  let trusted = true;

  connection.onInitialize(async (params: InitializeParams) => {
    try {
      parser = await CParser.get();
    } catch (e) {
      log(`could not load the C parser: ${e instanceof Error ? e.message : String(e)}`);
    }
    const init = (params.initializationOptions ?? {}) as { rules?: Record<string, SeveritySetting>; debounceMs?: number; trusted?: boolean };
    // VS Code says whether the workspace is trusted; an untrusted one's .dma-check.json is not read.
    trusted = init.trusted !== false;
    if (init.rules) severities = normalizeSeverities(init.rules);
    if (typeof init.debounceMs === 'number' && init.debounceMs >= 0) debounceMs = init.debounceMs;
    configurationPull = !!params.capabilities.workspace?.configuration;
    workspaceRoots = (params.workspaceFolders ?? []).map((f) => uriPath(f.uri)).filter(Boolean);
    if (!workspaceRoots.length && params.rootUri) workspaceRoots = [uriPath(params.rootUri)];
    configs = new ConfigResolver(workspaceRoots);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, 'source.fixAll.dma'], resolveProvider: false },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['(', ',', ' '] },
      },
      serverInfo: { name: 'dma-language-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    await pullConfiguration();
    // Documents opened before the settings arrived are analysed again with them.
    for (const s of docs.values()) schedule(s, 0);
    log('dma-language-server ready');
  });

  async function pullConfiguration(): Promise<void> {
    if (!configurationPull) return;
    try {
      const cfg = (await connection.workspace.getConfiguration('dma')) as { rules?: Record<string, SeveritySetting> } | null;
      if (cfg?.rules) severities = normalizeSeverities(cfg.rules);
    } catch (e) {
      log(`could not read settings: ${String(e)}`);
    }
  }

  connection.onDidChangeConfiguration(async (change) => {
    const settings = (change.settings as { dma?: { rules?: Record<string, SeveritySetting> } } | null)?.dma;
    if (settings?.rules) severities = normalizeSeverities(settings.rules);
    else await pullConfiguration();
    configs = new ConfigResolver(workspaceRoots);
    for (const s of docs.values()) schedule(s, 0);
  });

  connection.onDidOpenTextDocument((p) => {
    const doc = TextDocument.create(p.textDocument.uri, p.textDocument.languageId, p.textDocument.version, p.textDocument.text);
    const existing = docs.get(doc.uri);
    if (existing) {
      existing.doc = doc;
      schedule(existing, 0);
      return;
    }
    if (!parser) {
      log(`${doc.uri}: not analysed, the C parser is not available`);
      return;
    }
    const state: DocState = { doc, analyzer: new FileAnalyzer(parser), findings: [], analyzedVersion: -1 };
    docs.set(doc.uri, state);
    schedule(state, 0);
  });

  connection.onDidChangeTextDocument((p) => {
    const state = docs.get(p.textDocument.uri);
    if (!state) {
      log(`ignoring a change to ${p.textDocument.uri}, which is not open`);
      return;
    }
    let doc = state.doc;
    for (const change of p.contentChanges) {
      if ('range' in change) {
        const start = doc.offsetAt(change.range.start);
        const end = doc.offsetAt(change.range.end);
        state.analyzer.noteEdit(start, Math.max(start, end), change.text);
      }
      doc = TextDocument.update(doc, [change], p.textDocument.version);
    }
    state.doc = doc;
    const now = performance.now();
    const inBurst = state.lastChangeAt !== undefined && now - state.lastChangeAt < debounceMs;
    state.lastChangeAt = now;
    schedule(state, inBurst ? debounceMs : 0);
  });

  connection.onDidCloseTextDocument((p) => {
    const state = docs.get(p.textDocument.uri);
    if (!state) return;
    state.cancelPending?.();
    state.analyzer.dispose();
    docs.delete(p.textDocument.uri);
    void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
  });

  /** Editor settings override the project's .dma-check.json, which applies only inside the workspace. */
  function optionsFor(uri: string): AnalyzeOptions {
    const file = uriPath(uri);
    const inWorkspace = uri.startsWith('file:') && workspaceRoots.some((r) => file.startsWith(r.endsWith('/') ? r : `${r}/`));
    const cfg = inWorkspace && trusted ? configs.forFile(file) : undefined;
    if (cfg && isIgnored(cfg, file)) return { path: file, severities: Object.fromEntries(RULES.map((r) => [r.id, 'off' as const])) };
    return { path: file, severities: { ...(cfg?.rules ?? {}), ...severities }, wrappers: cfg?.wrappers };
  }

  function schedule(state: DocState, delay: number): void {
    state.cancelPending?.();
    if (delay > 0) {
      const timer = setTimeout(() => publish(state), delay);
      state.cancelPending = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(() => publish(state));
      state.cancelPending = () => clearImmediate(immediate);
    }
  }

  function publish(state: DocState): void {
    if (docs.get(state.doc.uri) !== state) return;
    const doc = state.doc;
    const busy = doc.lineCount > BUSY_NOTICE_LINES;
    if (busy) void connection.sendNotification('dma/status', { uri: doc.uri, busy: true });
    try {
      const result = state.analyzer.analyze(doc.getText(), optionsFor(doc.uri));
      for (const f of result.failures) log(`${doc.uri}: analysis of ${f.functionName}() failed: ${f.error}`);
      state.findings = result.findings;
      state.analyzedVersion = doc.version;
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: result.findings.map((f) => toDiagnostic(doc.uri, f)) });
    } catch (e) {
      log(`${doc.uri}: analysis failed: ${e instanceof Error ? e.stack : String(e)}`);
    } finally {
      if (busy) void connection.sendNotification('dma/status', { uri: doc.uri, busy: false });
    }
  }

  connection.onCodeAction((p) => {
    const state = docs.get(p.textDocument.uri);
    if (!state) return [];
    const doc = state.doc;
    const text = doc.getText();
    const only = p.context.only;
    // Fix-all re-analyses the file once per round: not for the light bulb's
    // automatic requests on every cursor move, only when asked for.
    const automatic = p.context.triggerKind === CodeActionTriggerKind.Automatic;
    const wantsFixAll = only ? only.some((k) => 'source.fixAll.dma'.startsWith(k) || k === CodeActionKind.Source || k === CodeActionKind.SourceFixAll) : !automatic;
    const wantsQuickFix = !only || only.some((k) => CodeActionKind.QuickFix.startsWith(k) || k === CodeActionKind.QuickFix);
    const result = state.analyzer.analyze(text, { ...optionsFor(doc.uri), withFixes: true });
    const actions: CodeAction[] = [];
    if (wantsQuickFix) {
      for (const f of result.findings) {
        if (!overlaps(f.range, p.range)) continue;
        const diagnostic = toDiagnostic(doc.uri, f);
        const eol = text.includes('\r\n') ? '\r\n' : '\n';
        for (const fix of f.fixes ?? []) {
          if (!fix.edits.length) continue;
          const edits = eol === '\n' ? fix.edits : fix.edits.map((e) => ({ ...e, newText: e.newText.replace(/\r?\n/g, eol) }));
          actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, isPreferred: fix.isPreferred, diagnostics: [diagnostic], edit: { changes: { [doc.uri]: edits } } });
        }
        const line = f.range.start.line;
        const lineText = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
        const indent = /^[ \t]*/.exec(lineText)![0];
        actions.push({
          title: `Ignore ${f.rule} on this line`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: { changes: { [doc.uri]: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}/* dma-check: ignore ${f.rule} */\n` }] } },
        });
      }
    }
    if (wantsFixAll && parser && result.findings.some((f) => f.fixes?.some((x) => x.isPreferred))) {
      // Fix after fix on a scratch analyzer, so each one sees the text the previous wrote; one edit in the end.
      const scratch = new FileAnalyzer(parser);
      try {
        const done = fixText(scratch, text, optionsFor(doc.uri));
        const edit = diffEdit(text, done.text);
        if (edit) actions.push({ title: 'Fix all DMA API problems', kind: 'source.fixAll.dma', edit: { changes: { [doc.uri]: [edit] } } });
      } finally {
        scratch.dispose();
      }
    }
    return actions;
  });

  connection.onNotification('dma/trust', (p: { trusted: boolean }) => {
    trusted = !!p.trusted;
    configs = new ConfigResolver(workspaceRoots);
    for (const s of docs.values()) schedule(s, 0);
  });

  connection.onHover((p) => {
    const state = docs.get(p.textDocument.uri);
    if (!state) return null;
    return hoverAt(state.doc, p.position, state.findings);
  });

  connection.onCompletion((p) => {
    const state = docs.get(p.textDocument.uri);
    if (!state) return [];
    return completionAt(state.doc, p.position);
  });

  connection.onShutdown(() => {
    for (const s of docs.values()) {
      s.cancelPending?.();
      s.analyzer.dispose();
    }
    docs.clear();
  });

  connection.listen();
}

const SEVERITY: Record<string, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

function toDiagnostic(uri: string, f: Finding): Diagnostic {
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.rule,
    codeDescription: { href: docUrl(f.rule) },
    source: 'dma',
    message: f.message,
    relatedInformation: f.related.map((r) => ({ location: { uri, range: r.range }, message: r.message })),
  };
}

function normalizeSeverities(rules: Record<string, string>): Record<string, SeveritySetting> {
  const out: Record<string, SeveritySetting> = {};
  for (const [id, v] of Object.entries(rules)) {
    const s = v === 'info' ? 'information' : v;
    if (s === 'off' || s === 'hint' || s === 'information' || s === 'warning' || s === 'error') out[id] = s;
  }
  return out;
}

function overlaps(a: Finding['range'], b: Finding['range']): boolean {
  const before = (x: Finding['range']['start'], y: Finding['range']['start']) => x.line < y.line || (x.line === y.line && x.character <= y.character);
  return before(a.start, b.end) && before(b.start, a.end);
}

function uriPath(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}

/**
 * Standard input, re-chunked after every header block and before every
 * `Content-Length`. The JSON-RPC reader stops reading a chunk at a malformed
 * header and resumes only on the next one; with one header per chunk a
 * valid message right after a bad header is still read.
 */
function headerChunkedStdin(): NodeJS.ReadableStream {
  const out = new PassThrough();
  process.stdin.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let i = 1; i < chunk.length; i++) {
      const headerEnd = chunk[i] === 10 && chunk[i - 1] === 13 && i >= 3 && chunk[i - 2] === 10 && chunk[i - 3] === 13;
      const nextHeader = chunk[i] === 67 && chunk.subarray(i, i + 15).toString('latin1') === 'Content-Length:';
      const cut = headerEnd ? i + 1 : nextHeader ? i : -1;
      if (cut > start && cut < chunk.length) {
        out.write(chunk.subarray(start, cut));
        start = cut;
      }
    }
    out.write(chunk.subarray(start));
  });
  process.stdin.on('end', () => out.end());
  return out;
}

function stdioConnection(): Connection {
  return createConnection(ProposedFeatures.all, headerChunkedStdin(), process.stdout);
}

/** Entry for `dma-language-server`: the transport comes from the arguments (--stdio, --node-ipc, --socket=N). */
export function startStandalone(argv: string[]): void {
  const known = argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'));
  if (!known) {
    process.stderr.write('Usage: dma-language-server --stdio | --node-ipc | --socket=PORT\n');
    process.exitCode = 2;
    return;
  }
  startServer(argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all));
}

if (require.main === module) {
  startServer(process.argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all));
}

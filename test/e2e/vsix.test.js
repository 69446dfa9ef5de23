'use strict';
/**
 * The packaged extension as a user installs it: `npm run package` builds the
 * .vsix, `code-server --install-extension` installs it into a fresh
 * extensions dir (no symlink to this checkout, no node_modules), and in the
 * workbench in headless chromium a C driver gets its DMA diagnostic.
 *
 *   npm run package -> unzip -l: bundles, wasm, icon, nothing else ->
 *   --install-extension -> open drv.c -> the extension host activates it ->
 *   warning squiggle -> Problems row with the rule id.
 *
 * Every wait is on a locator or on a log line the extension host writes;
 * there are no fixed sleeps. Failure screenshots and logs go to
 * test-results/e2e/vsix-*.
 *
 * Runs with node's test runner when DMA_E2E=1 (.ci/e2e.sh sets it); skipped
 * otherwise, so that `node --test test/` does not start an editor.
 */
const { describe, it, after } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ENABLED = process.env.DMA_E2E === '1';

const { REPO_ROOT, makeWorkspace, listExtensions, extensionFolderName } = require('./harness');
const { workbenchSession, WAIT } = require('./workbench');

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'unchecked-mapping', 'pos-one-earlier-ret.c');
const VSIX = path.join(REPO_ROOT, 'dma-api-assistant.vsix');
const PKG = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const EXTENSION_ID = `${PKG.publisher}.${PKG.name}`;
const MESSAGE = 'is used without dma_mapping_error()';

/** What the .vsix must hold: the editor loads the bundles, the server parses with the wasm files. */
const REQUIRED = [
  'extension/package.json',
  'extension/dist/client.js',
  'extension/dist/server.js',
  'extension/dist/web-tree-sitter.wasm',
  'extension/dist/tree-sitter-c.wasm',
  'extension/images/icon.png',
  'extension/docs/rules/unchecked-mapping.md',
  'extension/snippets/dma.code-snippets.json',
  'extension/syntaxes/dma.injection.tmLanguage.json',
];
/** Everything it may hold: the allow-list of .vscodeignore, plus what vsce adds. */
const ALLOWED = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/(package\.json|readme\.md|changelog\.md|LICENSE\.txt)$/,
  /^extension\/dist\/(client|server|cli)\.js$/,
  /^extension\/dist\/(web-tree-sitter|tree-sitter-c)\.wasm$/,
  /^extension\/bin\/(dma-check|dma-language-server)$/,
  /^extension\/docs\/rules\/[a-z-]+\.md$/,
  /^extension\/docs\/rules\/README\.md$/,
  /^extension\/images\/icon\.png$/,
  /^extension\/snippets\/[a-z.-]+\.json$/,
  /^extension\/syntaxes\/[a-zA-Z.-]+\.json$/,
];

/** The entry names of a zip, from `unzip -l`. */
function zipEntries(file) {
  const r = spawnSync('unzip', ['-l', file], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`unzip -l ${file} failed: ${r.error ? r.error.message : r.stderr}`);
  const names = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*\d+\s+\d{2,4}-\d{2}-\d{2,4}\s+\d{2}:\d{2}\s+(.+)$/.exec(line);
    if (m) names.push(m[1]);
  }
  return names;
}

/**
 * Polls `get()` every 100 ms until it returns something truthy (the extension
 * host writes its log as it goes); on timeout the error ends with `state()`.
 */
async function waitUntil(get, what, state = () => '', timeoutMs = WAIT.timeout) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${state()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The remote extension host's log of this code-server run (one exthost per window). */
function extHostLog(userData) {
  const logs = path.join(userData, 'logs');
  if (!fs.existsSync(logs)) return undefined;
  for (const session of fs.readdirSync(logs).sort().reverse()) {
    const f = path.join(logs, session, 'exthost1', 'remoteexthost.log');
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

describe('vsix: the packaged extension installed into code-server', { skip: ENABLED ? false : 'set DMA_E2E=1 (see .ci/e2e.sh)' }, () => {
  const session = workbenchSession('vsix', it);
  const { step, editor } = session;
  let workspace;

  after(async () => {
    await session.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  step('npm run package builds the .vsix', async () => {
    fs.rmSync(VSIX, { force: true });
    const r = spawnSync('npm', ['run', 'package'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
    assert.strictEqual(r.status, 0, `npm run package failed (${r.error ? r.error.message : `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
    assert.ok(fs.existsSync(VSIX), `${VSIX} was written`);
  });

  step('unzip -l: it holds the bundled server, client, wasm files and icon, and nothing outside the allow-list', async () => {
    const entries = zipEntries(VSIX);
    for (const f of REQUIRED) assert.ok(entries.includes(f), `${f} is in the .vsix; it holds:\n${entries.join('\n')}`);
    const stray = entries.filter((e) => !ALLOWED.some((re) => re.test(e)));
    assert.deepStrictEqual(stray, [], 'nothing but the allow-listed files (no sources, tests, source maps or node_modules)');
  });

  step('code-server --install-extension installs it into a fresh extensions dir', async () => {
    workspace = makeWorkspace({ 'drv.c': FIXTURE }, 'dma-e2e-vsix-ws-');
    await session.start({ installExtensions: [VSIX] });
    const installed = path.join(session.server.dirs.extensions, extensionFolderName());
    assert.ok(fs.lstatSync(installed).isDirectory(), `${installed} is a directory the install unpacked (not a link to the checkout)`);
    for (const f of ['dist/server.js', 'dist/tree-sitter-c.wasm']) assert.ok(fs.existsSync(path.join(installed, f)), `${f} was installed`);
    assert.ok(!fs.existsSync(path.join(installed, 'node_modules')), 'no node_modules: the bundles carry their dependencies');
    assert.ok(listExtensions(session.server).includes(`${EXTENSION_ID}@${PKG.version}`), '--list-extensions shows it');
  });

  step('the workbench opens and drv.c opens from the explorer', async () => {
    await session.openFolder(workspace);
    await session.openFromExplorer('drv.c', 'dma_map_single');
  });

  step('the extension host activates the installed extension for the C file', async () => {
    const userData = session.server.dirs.userData;
    const log = await waitUntil(() => extHostLog(userData), 'the extension host log', () => session.server.log());
    const read = () => fs.readFileSync(log, 'utf8');
    const activated = `_doActivateExtension ${EXTENSION_ID},`;
    const text = await waitUntil(() => read().includes(activated) && read(), `"${activated}" in ${log}`, () => read().slice(-4000));
    assert.ok(!/Activating extension .*dma-api-assistant.* failed/.test(text), `activation did not fail:\n${text.slice(-4000)}`);
    assert.ok(!session.server.log().includes('Loading development extension'), 'no development extension: this is the installed copy');
  });

  step('its language server reports the unchecked mapping: a warning squiggle and a Problems row with the rule id', async () => {
    await editor().locator('.squiggly-warning').first().waitFor(WAIT);
    await session.problemsRow(MESSAGE, 'unchecked-mapping');
  });
});

'use strict';
/**
 * The editing flow as a person does it, in the real VS Code workbench
 * (code-server 1.100.3) in headless Debian chromium, with the extension
 * installed by symlink into a fresh extensions dir:
 *
 *   open drv.c -> warning squiggle -> Problems panel row -> hover message ->
 *   Ctrl+. -> preferred fix focused -> Enter -> Ctrl+S -> file on disk = golden ->
 *   type a snippet prefix on a new line -> accept -> expansion -> Ctrl+S -> on disk.
 *
 * Every step waits on a locator (or polls the file on disk after a save);
 * there are no fixed sleeps. On failure, a screenshot of each step (and of the
 * failing state) and the code-server log go to test-results/e2e/browser-*. On
 * success the screenshot with the quick-fix menu open is saved as
 * test-results/e2e/quickfix.png; with DMA_UPDATE_SCREENSHOTS=1 also as
 * docs/images/quickfix.png, the one the README shows.
 *
 * Runs with node's test runner when DMA_E2E=1 (.ci/e2e.sh sets it); skipped
 * otherwise, so that `node --test test/` does not start an editor.
 */
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const ENABLED = process.env.DMA_E2E === '1';

const { REPO_ROOT, makeWorkspace, extensionFolderName } = require('./harness');
const { workbenchSession, RESULTS_DIR, WAIT, STEP } = require('./workbench');
const { loadSnippets, expandSnippet } = require('../helpers/snippets');

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'unchecked-mapping', 'pos-one-earlier-ret.c');
const GOLDEN = FIXTURE.replace(/\.c$/, '.fixed.c');
const QUICKFIX_PNG = path.join(REPO_ROOT, 'docs', 'images', 'quickfix.png');
const QUICKFIX_RESULT = path.join(RESULTS_DIR, 'quickfix.png');

const MESSAGE = 'is used without dma_mapping_error()';
const FIX_TITLE = 'Check priv->stats_dma with dma_mapping_error()';
const INSERTED = 'if (dma_mapping_error(dev, priv->stats_dma)) {';
const SNIPPET_PREFIX = 'dma-map-single';
/** The line after which the snippet is typed: unique in the fixture. */
const SNIPPET_AFTER = 'FOO_TX_RING_ADDR';

/** The text VS Code inserts for a snippet at default tab stops, typed on a line indented with `indent` (tabs). */
function snippetExpansion(prefix, indent) {
  const snippet = Object.values(loadSnippets()).find((s) => s.prefix === prefix);
  assert.ok(snippet, `no snippet ${prefix}`);
  return expandSnippet(snippet.body)
    .split('\n')
    .map((line, i) => (i === 0 ? line : indent + line))
    .join('\n');
}

async function pollFile(file, predicate, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let text;
  for (;;) {
    text = fs.readFileSync(file, 'utf8');
    if (predicate(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} in ${file}; it holds:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('browser: fixing a DMA bug in the VS Code workbench (code-server + chromium)', { skip: ENABLED ? false : 'set DMA_E2E=1 (see .ci/e2e.sh)' }, () => {
  const session = workbenchSession('browser', it);
  const { step, editor, viewLine, token } = session;
  let workspace;
  let drv;
  let quickfixShot;

  before(async () => {
    workspace = makeWorkspace({ 'drv.c': FIXTURE }, 'dma-e2e-browser-ws-');
    drv = path.join(workspace, 'drv.c');
    await session.start({
      symlinkExtensions: { [extensionFolderName()]: REPO_ROOT },
      settings: {
        // Suggestions come when asked for (Ctrl+Space), so the flow never races a quick-suggest session.
        'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
        // The LSP messages go to the extension's output channel, kept with the logs on failure.
        'dma.trace.server': 'messages',
      },
    });
  }, STEP);

  after(async () => {
    await session.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    if (!session.failed && quickfixShot) {
      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      fs.writeFileSync(QUICKFIX_RESULT, quickfixShot);
      if (process.env.DMA_UPDATE_SCREENSHOTS === '1') fs.writeFileSync(QUICKFIX_PNG, quickfixShot);
    }
  });

  step('the workbench opens on the workspace folder', async () => {
    await session.openFolder(workspace);
  });

  step('drv.c opens from the explorer', async () => {
    await session.openFromExplorer('drv.c', 'dma_map_single');
  });

  step('the unchecked mapping gets a warning squiggle', async () => {
    await editor().locator('.squiggly-warning').first().waitFor(WAIT);
    assert.strictEqual(await editor().locator('.squiggly-error').count(), 0, 'no error squiggles');
  });

  step('the Problems panel (Ctrl+Shift+M) lists it with its rule id; clicking the entry reveals the call', async () => {
    const row = await session.problemsRow(MESSAGE, 'unchecked-mapping');
    // The panel shrinks the editor: line 28 is no longer rendered until revealed.
    await row.click(WAIT);
    await token('dma_map_single').waitFor(WAIT);
  });

  step('hovering dma_map_single shows the message', async () => {
    await token('dma_map_single').hover(WAIT);
    const hover = session.page.locator('.monaco-hover', { hasText: MESSAGE });
    await hover.first().waitFor({ state: 'visible', ...WAIT });
    await session.page.locator('.monaco-hover', { hasText: 'unchecked-mapping' }).first().waitFor(WAIT);
  });

  step('Ctrl+. opens the quick fixes with the preferred fix focused', async () => {
    await session.page.keyboard.press('Escape');
    await token('dma_map_single').click(WAIT);
    await session.page.keyboard.press('Control+.');
    await session.page.locator('.action-widget .monaco-list-row.action.focused', { hasText: FIX_TITLE }).waitFor(WAIT);
    await session.page.locator('.action-widget .monaco-list-row.action', { hasText: 'Ignore unchecked-mapping on this line' }).waitFor(WAIT);
    quickfixShot = await session.page.screenshot();
  });

  step('Enter applies it: the check appears in the editor and the squiggle goes', async () => {
    await session.page.keyboard.press('Enter');
    await viewLine(INSERTED).first().waitFor(WAIT);
    await session.page.locator('.action-widget').waitFor({ state: 'hidden', ...WAIT });
    await editor().locator('.squiggly-warning').first().waitFor({ state: 'detached', ...WAIT });
  });

  step('Ctrl+S saves exactly the golden fix to disk', async () => {
    const golden = fs.readFileSync(GOLDEN, 'utf8');
    await session.page.keyboard.press('Control+S');
    await pollFile(drv, (t) => t === golden, 'the golden text of the fix');
  });

  step(`typing ${SNIPPET_PREFIX} on a new line and accepting the suggestion expands the snippet; Ctrl+S saves it`, async () => {
    const before = fs.readFileSync(drv, 'utf8');
    // A new line after the one that writes the TX ring address: click it, End, Enter.
    await viewLine(SNIPPET_AFTER).first().click({ position: { x: 2, y: 2 }, ...WAIT });
    await session.page.keyboard.press('End');
    await session.page.keyboard.press('Enter');
    await session.page.keyboard.type(SNIPPET_PREFIX);
    await viewLine(SNIPPET_PREFIX).first().waitFor(WAIT);
    await session.page.keyboard.press('Control+Space');
    await session.page.locator('.suggest-widget .monaco-list-row.focused', { hasText: SNIPPET_PREFIX }).waitFor(WAIT);
    await session.page.keyboard.press('Enter');
    await viewLine('dma = dma_map_single(dev, buf, len, DMA_TO_DEVICE);').first().waitFor(WAIT);
    await viewLine('if (dma_mapping_error(dev, dma))').first().waitFor(WAIT);
    await session.page.locator('.suggest-widget').waitFor({ state: 'hidden', ...WAIT });
    // Leave snippet mode, then save; the whole expansion is checked on disk
    // (its last lines are below the visible part of the editor).
    await session.page.keyboard.press('Escape');
    await session.page.keyboard.press('Control+S');
    const lines = before.split('\n');
    const at = lines.findIndex((l) => l.includes(SNIPPET_AFTER));
    const indent = /^\s*/.exec(lines[at])[0];
    const expected = [...lines.slice(0, at + 1), indent + snippetExpansion(SNIPPET_PREFIX, indent), ...lines.slice(at + 1)].join('\n');
    await pollFile(drv, (t) => t === expected, 'the expanded snippet');
  });
});

'use strict';
/**
 * One workbench session for a node:test flow in the real editor: code-server
 * (harness.startCodeServer) plus a headless chromium page, locators for the
 * active editor, and steps that stop the flow at the first failure.
 *
 * On a failure, the screenshots of the steps so far, one of the failing
 * state, the code-server log and the workbench logs go to
 * test-results/e2e/<prefix>-*; the files of an earlier run with the same
 * prefix are removed when the session starts.
 *
 * This file only defines functions: `node --test test/` loads every .js file
 * under test/, and loading this one does nothing.
 */
const fs = require('fs');
const path = require('path');

const { REPO_ROOT, startCodeServer, launchChromium } = require('./harness');

const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');
const WAIT = { timeout: 60_000 };
const STEP = { timeout: 180_000 };

function slug(s) {
  return s.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 60);
}

/**
 * `prefix` names the failure files. `it` is node:test's, passed in so that
 * steps belong to the caller's describe().
 */
function workbenchSession(prefix, it) {
  const session = {
    server: undefined,
    browser: undefined,
    page: undefined,
    failed: false,
  };
  const shots = []; // [step name, png] after each step that had a page
  const pageErrors = [];

  /** Starts code-server with `serverOptions` (see harness.startCodeServer), then chromium and one 1400x900 page. */
  session.start = async (serverOptions) => {
    if (fs.existsSync(RESULTS_DIR)) {
      for (const f of fs.readdirSync(RESULTS_DIR)) if (f.startsWith(`${prefix}-`)) fs.rmSync(path.join(RESULTS_DIR, f), { recursive: true, force: true });
    }
    session.server = await startCodeServer(serverOptions);
    session.browser = await launchChromium(session.server.runDir);
    const context = await session.browser.newContext({ viewport: { width: 1400, height: 900 } });
    session.page = await context.newPage();
    session.page.on('pageerror', (e) => pageErrors.push(String(e && e.stack ? e.stack : e)));
  };

  session.stop = async () => {
    if (session.browser) await session.browser.close().catch(() => {});
    if (session.server) await session.server.stop();
  };

  /** Runs one step as a test; after an earlier failure the step is skipped. */
  session.step = (name, fn) => {
    it(name, STEP, async (t) => {
      if (session.failed) {
        t.skip('an earlier step failed');
        return;
      }
      try {
        await fn();
        if (session.page) shots.push([name, await session.page.screenshot()]);
      } catch (e) {
        session.failed = true;
        await saveFailure(name);
        throw e;
      }
    });
  };

  async function saveFailure(name) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = (i, n) => path.join(RESULTS_DIR, `${prefix}-${String(i).padStart(2, '0')}-${n}.png`);
    shots.forEach(([n, png], i) => fs.writeFileSync(file(i + 1, slug(n)), png));
    if (session.page) await session.page.screenshot({ path: file(shots.length + 1, `FAILED-${slug(name)}`) }).catch(() => {});
    if (session.server) {
      fs.writeFileSync(path.join(RESULTS_DIR, `${prefix}-code-server.log`), session.server.log());
      // The workbench's logs: extension host, the extension's output channel, the LSP trace.
      try {
        fs.cpSync(path.join(session.server.dirs.userData, 'logs'), path.join(RESULTS_DIR, `${prefix}-logs`), { recursive: true });
      } catch {
        /* no logs yet */
      }
    }
    if (pageErrors.length) fs.writeFileSync(path.join(RESULTS_DIR, `${prefix}-page-errors.log`), pageErrors.join('\n'));
  }

  // Locators in the active editor.
  session.editor = () => session.page.locator('.editor-instance .monaco-editor').first();
  session.viewLine = (text) => session.editor().locator('.view-line', { hasText: text });
  /** A whole token of the editor's text, e.g. token('dma_map_single'). */
  session.token = (text) => session.editor().locator('.view-line span', { hasText: new RegExp(`^${text}$`) }).first();

  /** The workbench on `folder`, ready when the workbench is drawn. */
  session.openFolder = async (folder) => {
    await session.page.goto(`${session.server.url}/?folder=${encodeURIComponent(folder)}`);
    await session.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  };

  /** Opens `name` from the explorer; ready when a line holding `text` is drawn in the editor. */
  session.openFromExplorer = async (name, text) => {
    await session.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).click(WAIT);
    await session.viewLine(text).first().waitFor(WAIT);
  };

  /** Opens the Problems panel (Ctrl+Shift+M); resolves with the first row holding every one of `texts`. */
  session.problemsRow = async (...texts) => {
    await session.page.keyboard.press('Control+Shift+M');
    let row = session.page.locator('.markers-panel .monaco-list-row');
    for (const t of texts) row = row.filter({ hasText: t });
    await row.first().waitFor(WAIT);
    return row.first();
  };

  return session;
}

module.exports = { workbenchSession, RESULTS_DIR, WAIT, STEP };

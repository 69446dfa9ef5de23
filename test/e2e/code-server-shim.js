#!/usr/bin/env node
'use strict';
/**
 * A stand-in for the VS Code executable that @vscode/test-electron's
 * runTests() starts (vscodeExecutablePath). Instead of Electron it runs the
 * extension tests in the real workbench of code-server, in headless chromium:
 *
 *   runTests passes   [folder] --extensionTestsPath=T --extensionDevelopmentPath=D ... (other flags ignored)
 *   this shim         starts code-server (isolated, any free port), opens
 *                     /?folder=FOLDER&payload=[[extensionDevelopmentPath, vscode-remote://HOST/D],
 *                                              [extensionTestsPath, vscode-remote://HOST/T]]
 *                     prints what the test runner logs (window.codeAutomationLog) and exits
 *                     with the code the workbench reports (window.codeAutomationExit).
 *
 * Exit 124 when the tests do not finish within DMA_E2E_TIMEOUT_MS (default 10 min).
 * On a non-zero exit the page screenshot and the code-server log are kept
 * under test-results/e2e/.
 */
const fs = require('fs');
const path = require('path');
const util = require('util');

if (process.env.NODE_TEST_CONTEXT) {
  // Loaded by `node --test test/`: this is a program, not a test file.
  require('node:test').test('code-server shim (run by test/e2e/run-extension-tests.js)', { skip: 'e2e: run .ci/e2e.sh' });
  return;
}

const { startCodeServer, launchChromium, REPO_ROOT } = require('./harness');

function parseArgs(argv) {
  const out = { devPaths: [], testsPath: undefined, folder: undefined };
  for (const a of argv) {
    let m;
    if ((m = /^--extensionDevelopmentPath=(.*)$/.exec(a))) out.devPaths.push(path.resolve(m[1]));
    else if ((m = /^--extensionTestsPath=(.*)$/.exec(a))) out.testsPath = path.resolve(m[1]);
    else if (!a.startsWith('-') && out.folder === undefined) out.folder = path.resolve(a);
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.testsPath || !args.devPaths.length) {
    console.error('code-server-shim: --extensionTestsPath and --extensionDevelopmentPath are required');
    return 2;
  }
  const timeoutMs = Number(process.env.DMA_E2E_TIMEOUT_MS) || 10 * 60_000;
  const resultsDir = path.join(REPO_ROOT, 'test-results', 'e2e');

  const server = await startCodeServer();
  let browser;
  let page;
  let code = 1;
  const cleanup = async (keep) => {
    if (browser) await browser.close().catch(() => {});
    browser = undefined;
    if (keep) {
      fs.mkdirSync(resultsDir, { recursive: true });
      fs.writeFileSync(path.join(resultsDir, 'extension-tests-code-server.log'), server.log());
      try {
        fs.cpSync(path.join(server.dirs.userData, 'logs'), path.join(resultsDir, 'extension-tests-logs'), { recursive: true });
      } catch {
        /* no logs yet */
      }
    }
    await server.stop();
  };
  const onSignal = (sig) => {
    cleanup(false).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    browser = await launchChromium(server.runDir);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();

    let resolveExit;
    const exited = new Promise((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationExit', (c) => resolveExit(Number(c)));
    await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
      const line = util.format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
      (type === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
    });
    page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));

    const authority = new URL(server.url).host;
    const remote = (p) => `vscode-remote://${authority}${p}`;
    const payload = [
      ...args.devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
      ['extensionTestsPath', remote(args.testsPath)],
    ];
    const query = new URLSearchParams();
    if (args.folder) query.set('folder', args.folder);
    query.set('payload', JSON.stringify(payload));
    await page.goto(`${server.url}/?${query.toString()}`);

    let timer;
    const timedOut = new Promise((r) => {
      timer = setTimeout(() => r(124), timeoutMs);
    });
    code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (code === 124) console.error(`code-server-shim: the tests did not finish within ${timeoutMs} ms`);
    if (code !== 0) {
      fs.mkdirSync(resultsDir, { recursive: true });
      await page.screenshot({ path: path.join(resultsDir, 'extension-tests-failure.png') }).catch(() => {});
    }
  } catch (e) {
    console.error(`code-server-shim: ${e && e.stack ? e.stack : e}`);
    code = 1;
  } finally {
    await cleanup(code !== 0);
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

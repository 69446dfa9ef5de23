#!/usr/bin/env node
'use strict';
/**
 * Runs test/e2e/suite/*.test.js inside the real VS Code workbench (code-server
 * 1.100.3 in headless chromium) through @vscode/test-electron's runTests, with
 * code-server-shim.js standing in for the VS Code executable.
 *
 *   node test/e2e/run-extension-tests.js        (after .ci/e2e-setup.sh and npm run build)
 *
 * The workspace is a temp folder of fixture copies (test/e2e/workspace.js).
 * The mocha runner writes its counts to test-results/e2e/extension-tests.json
 * (read by .ci/e2e.sh). Exit status: 0 when every test passed.
 */
const fs = require('fs');
const path = require('path');

if (process.env.NODE_TEST_CONTEXT) {
  // Loaded by `node --test test/`: the e2e suite runs from .ci/e2e.sh only.
  require('node:test').test('extension-host e2e suite (code-server)', { skip: 'e2e: run .ci/e2e.sh' });
  return;
}

const { runTests } = require('@vscode/test-electron');
const { REPO_ROOT, makeWorkspace } = require('./harness');
const { FILES, fixturePath } = require('./workspace');

async function main() {
  const shim = path.join(__dirname, 'code-server-shim.js');
  fs.chmodSync(shim, 0o755);
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'client.js')) || !fs.existsSync(path.join(REPO_ROOT, 'dist', 'server.js'))) {
    console.error('dist/ is missing: run `npm run build` first');
    return 2;
  }
  const resultsDir = path.join(REPO_ROOT, 'test-results', 'e2e');
  fs.mkdirSync(resultsDir, { recursive: true });
  const resultsFile = path.join(resultsDir, 'extension-tests.json');
  fs.rmSync(resultsFile, { force: true });

  const files = Object.fromEntries(Object.keys(FILES).map((name) => [name, fixturePath(name)]));
  const workspace = makeWorkspace(files, 'dma-e2e-ws-');
  try {
    await runTests({
      vscodeExecutablePath: shim,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
      launchArgs: [workspace],
      extensionTestsEnv: {
        DMA_E2E_WORKSPACE: workspace,
        DMA_E2E_RESULTS: resultsFile,
      },
    });
    return 0;
  } catch (e) {
    console.error(`extension tests failed: ${e && e.message ? e.message : e}`);
    return 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

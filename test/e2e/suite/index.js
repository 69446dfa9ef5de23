'use strict';
/**
 * The extensionTestsPath module: VS Code calls run() in the extension host
 * once the workbench is up. It runs every *.test.js beside it with mocha (TDD
 * interface: suite/test) and writes the counts to $DMA_E2E_RESULTS for
 * .ci/e2e.sh. A rejected promise (any failing test) makes the workbench exit
 * with code 1.
 */
const fs = require('fs');
const path = require('path');

function run() {
  // mocha 12 is an ES module: require() gives its namespace.
  const M = require('mocha');
  const Mocha = M.default || M;
  const mocha = new Mocha({ ui: 'tdd', reporter: 'spec', color: false, timeout: 120_000, slow: 5_000 });
  // startup.test.js first: it needs to be the first to open a C file.
  const files = fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort();
  files.sort((a, b) => (b === 'startup.test.js') - (a === 'startup.test.js'));
  for (const f of files) {
    mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    const failures = [];
    let passes = 0;
    let runner;
    try {
      runner = mocha.run((failed) => {
        const results = { suite: 'extension-host', passes, failures: failures.length, failed: failures };
        if (process.env.DMA_E2E_RESULTS) {
          try {
            fs.writeFileSync(process.env.DMA_E2E_RESULTS, JSON.stringify(results, null, 2));
          } catch (e) {
            console.error(`could not write ${process.env.DMA_E2E_RESULTS}: ${e}`);
          }
        }
        if (failed > 0) reject(new Error(`${failed} extension-host test(s) failed`));
        else resolve();
      });
    } catch (e) {
      reject(e);
      return;
    }
    runner.on('pass', () => passes++);
    runner.on('fail', (t, err) => failures.push({ title: t.fullTitle(), error: String(err && err.message ? err.message : err) }));
  });
}

module.exports = { run };

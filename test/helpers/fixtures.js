'use strict';
// Reads rule fixtures: C files with `/* expect: rule[, rule] */` on the line
// a finding starts, and optional `.fixed.c` goldens beside them.
const fs = require('fs');
const path = require('path');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const EXPECT = /\/\*\s*expect:\s*([a-z0-9, -]+?)\s*\*\//g;
const PATH_DIRECTIVE = /^\/\*\s*path:\s*(\S+)\s*\*\//;

function listFixtures() {
  const out = [];
  for (const rule of fs.readdirSync(FIXTURES).sort()) {
    const dir = path.join(FIXTURES, rule);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (!/\.(c|h)$/.test(name) || name.endsWith('.fixed.c') || name.endsWith('.fixed.h')) continue;
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      const goldenPath = file.replace(/\.(c|h)$/, '.fixed.$1');
      out.push({
        rule,
        name,
        file,
        text,
        virtualPath: virtualPath(text, rule, name),
        expected: expectations(text),
        golden: fs.existsSync(goldenPath) ? fs.readFileSync(goldenPath, 'utf8') : undefined,
        goldenPath,
        positive: name.startsWith('pos-'),
      });
    }
  }
  return out;
}

function virtualPath(text, rule, name) {
  const m = PATH_DIRECTIVE.exec(text);
  return m ? m[1] : `drivers/fixtures/${rule}/${name}`;
}

/** Sorted "line:rule" strings (1-based lines). */
function expectations(text) {
  const out = [];
  text.split('\n').forEach((line, i) => {
    EXPECT.lastIndex = 0;
    let m;
    while ((m = EXPECT.exec(line))) {
      for (const id of m[1].split(',').map((s) => s.trim()).filter(Boolean)) out.push(`${i + 1}:${id}`);
    }
  });
  return out.sort();
}

function actual(findings) {
  return findings.map((f) => `${f.range.start.line + 1}:${f.rule}`).sort();
}

module.exports = { listFixtures, expectations, actual, FIXTURES };

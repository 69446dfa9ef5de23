'use strict';
// Fix properties on real driver code: the Linux 6.1 sources are read at run
// time (Debian's linux-source, unpacked by .ci/run), never copied here.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const core = require('../dist/core.js');

const KERNEL = process.env.DMA_KERNEL_SRC || path.join(os.homedir(), '.cache/dma-api-assistant/linux-source-6.1');
const DIRS = ['drivers/net/ethernet', 'drivers/scsi', 'drivers/mmc/host', 'drivers/spi', 'drivers/crypto', 'drivers/dma', 'sound/pci', 'drivers/ata', 'drivers/usb/host', 'drivers/net/wireless', 'drivers/infiniband', 'drivers/atm', 'drivers/media', 'drivers/tty', 'drivers/mtd', 'drivers/misc'];
const WANTED_FUNCTIONS = 200;

function candidateFiles() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.c')) out.push(p);
    }
  };
  for (const d of DIRS) if (fs.existsSync(path.join(KERNEL, d))) walk(path.join(KERNEL, d));
  return out.filter((f) => core.DMA_TEXT_PATTERN.test(fs.readFileSync(f, 'latin1')));
}

async function errorNodes(text) {
  const parser = await core.CParser.get();
  const tree = parser.parse(text);
  try {
    return core.countErrorNodes(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** The function (by the enclosing top-level `name(` header) a line belongs to. */
function functionAt(lines, line) {
  for (let l = line; l >= 0; l--) {
    if (lines[l].startsWith('{')) {
      for (let h = l - 1; h >= Math.max(0, l - 6); h--) {
        const m = /([A-Za-z_]\w*)\s*\(/.exec(lines[h]);
        if (m && !/^\s/.test(lines[h])) return m[1];
      }
      return `line-${l}`;
    }
  }
  return 'file-scope';
}

test('preferred fixes on Linux 6.1 driver functions keep the file sound', { timeout: 600_000 }, async (t) => {
  if (!fs.existsSync(KERNEL)) {
    t.skip(`the Linux 6.1 sources are not unpacked at ${KERNEL} (set DMA_KERNEL_SRC; .ci/run unpacks Debian's linux-source-6.1)`);
    return;
  }
  const functions = new Set();
  const problems = [];
  let fixes = 0;
  for (const file of candidateFiles()) {
    if (functions.size >= WANTED_FUNCTIONS) break;
    const rel = path.relative(KERNEL, file);
    const text = fs.readFileSync(file, 'latin1');
    const before = await core.analyzeText(text, { path: rel, withFixes: true });
    const { text: fixed, applied } = core.applyFixes(text, before.findings); // one round: edits in original coordinates
    if (!applied.length) continue;
    fixes += applied.length;
    const lines = text.split('\n');
    for (const f of applied) functions.add(`${rel}:${functionAt(lines, f.range.start.line)}`);

    if ((await errorNodes(fixed)) > (await errorNodes(text))) problems.push(`${rel}: the fixes added parse errors`);
    const after = await core.analyzeText(fixed, { path: rel, withFixes: true });
    // Every applied finding is gone: per function, rule and message, the count drops by the fixes applied.
    const outLines = fixed.split('\n');
    const key = (f, text) => `${functionAt(text, f.range.start.line)}|${f.rule}|${f.message}`;
    const count = (list, text, k) => list.filter((g) => key(g, text) === k).length;
    for (const f of applied) {
      const k = key(f, lines);
      const expected = count(before.findings, lines, k) - count(applied, lines, k);
      if (count(after.findings, outLines, k) > expected) problems.push(`${rel}:${f.range.start.line + 1}: ${f.rule} still reported after its fix`);
    }
    // Lines no edit touched are all still there, in order.
    const touched = new Set();
    for (const f of applied) for (const e of f.fixes.find((x) => x.isPreferred).edits) for (let l = e.range.start.line; l <= e.range.end.line; l++) touched.add(l);
    const out = fixed.split('\n');
    let j = 0;
    for (let i = 0; i < lines.length; i++) {
      if (touched.has(i)) continue;
      while (j < out.length && out[j] !== lines[i]) j++;
      if (j === out.length) {
        problems.push(`${rel}:${i + 1}: an untouched line is missing after the fix`);
        break;
      }
      j++;
    }
  }
  t.diagnostic(`${fixes} fixes in ${functions.size} functions`);
  assert.ok(functions.size >= WANTED_FUNCTIONS, `only ${functions.size} functions with fixes found`);
  assert.deepEqual(problems, []);
});

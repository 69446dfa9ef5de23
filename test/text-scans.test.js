'use strict';
// The text facts' object-like #defines and function-like macros that test a
// mapping, found by trying their patterns only at lines that start with `#`,
// are what the whole-text multiline regular expressions find; the callees
// scanCallees() works back from each `(` are what its regular expression
// finds. On every fixture driver, the DMA-using files of Linux 6.1
// drivers/net/ethernet when the sources are unpacked, and random text.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const core = require('../dist/core.js');
const { listFixtures } = require('./helpers/fixtures');

const { KERNEL, dmaFilesUnder } = require('./helpers/kernel');

function definesByRegex(text) {
  const out = new Map();
  const re = /^[ \t]*#[ \t]*define[ \t]+([A-Z_][A-Z0-9_]*)[ \t]+([^\n\\]+)$/gm;
  let m;
  while ((m = re.exec(text))) out.set(m[1], m[2].replace(/\/\*.*?\*\//g, '').trim());
  return out;
}

function checkMacrosByRegex(text) {
  const out = new Set();
  if (!text.includes('mapping_error')) return out;
  const re = /^[ \t]*#[ \t]*define[ \t]+(\w+)\([^)]*\)(?:[^\n]*\\\n)*[^\n]*mapping_error/gm;
  let m;
  while ((m = re.exec(text))) out.add(m[1]);
  return out;
}

function calleesByRegex(text) {
  const out = new Set();
  const re = /\b([A-Za-z_]\w*)\s*\(/g;
  let m;
  while ((m = re.exec(text))) out.add(m[1]);
  return out;
}

function same(text, label) {
  const facts = core.scanTextFacts(text);
  assert.deepEqual([...facts.defines], [...definesByRegex(text)], `defines: ${label}`);
  assert.deepEqual([...facts.checkHelpers], [...checkMacrosByRegex(text)], `mapping-error macros: ${label}`);
  assert.deepEqual([...core.scanCallees(text)].sort(), [...calleesByRegex(text)].sort(), `callees: ${label}`);
}

test('on every fixture driver', () => {
  const fixtures = listFixtures();
  assert.ok(fixtures.length > 100);
  for (const fx of fixtures) same(fx.text, `${fx.rule}/${fx.name}`);
});

test('on the DMA-using files of Linux 6.1 drivers/ (when the sources are unpacked)', (t) => {
  const files = dmaFilesUnder('drivers/net/ethernet');
  if (!files) {
    t.skip(`the Linux 6.1 sources are not unpacked at ${KERNEL}`);
    return;
  }
  for (const f of files) same(f.text, f.rel);
  assert.ok(files.length > 200, `${files.length} files`);
});

test('a #define after each line terminator, indented, continued, or in a comment line', () => {
  for (const eol of ['\n', '\r\n', '\r', '\u2028', '\u2029']) {
    const text = `int x;${eol}#define FOO_LEN 64${eol}  # define BAR 0 /* off */${eol}#define CONT 1 \\${eol}\t2${eol}// #define NOT 3${eol}x = 1; #define NOPE 4${eol}`;
    same(text, JSON.stringify(eol));
    assert.ok(core.scanTextFacts(text).defines.has('FOO_LEN'), JSON.stringify(eol));
  }
});

test('a macro that tests a mapping, on one line or continued, after each line terminator', () => {
  for (const eol of ['\n', '\r\n', '\r', '\u2028']) {
    const text = `#define FOO_MAPPED(d, a) (!dma_mapping_error(d, a))${eol}\t#  define FOO_CHECK(d, a) \\\n\tdo { \\\n\t\tif (dma_mapping_error(d, a)) \\\n\t\t\tgoto err; \\\n\t} while (0)${eol}#define FOO_LEN(x) ((x) + 4)${eol}x = 1; #define NOPE(a) dma_mapping_error(0, a)${eol}`;
    same(text, JSON.stringify(eol));
    // After a \r or \u2028 the pattern's `[^\n]*` runs on into the next line: the first match takes both macros.
    if (eol === '\r' || eol === '\u2028') continue;
    const helpers = core.scanTextFacts(text).checkHelpers;
    assert.ok(helpers.has('FOO_MAPPED') && helpers.has('FOO_CHECK') && !helpers.has('FOO_LEN') && !helpers.has('NOPE'), `${JSON.stringify(eol)}: ${[...helpers]}`);
  }
  // A directive on a continued line belongs to the macro before it: the regex never starts there.
  const nested = '#define OUTER(x) \\\n#define INNER(y) dma_mapping_error(0, y)\n';
  same(nested, 'a #define inside a continued one');
  assert.deepEqual([...core.scanTextFacts(nested).checkHelpers], ['OUTER']);
});

test('on random text made of C fragments, spaces of every kind and line terminators', () => {
  const pieces = ['foo', 'f_1', '_x', '9a', 'a9', ' ', '\t', '\n', '\r', '\r\n', '\u2028', '\u00a0', '\ufeff', '\u3000', '\u200b', '\v', '\f', '(', ')', '#', '# ', 'define', '#define', ' A_B', ' 12', '\\', '\\\n', '/* c */', 'é', '"', ';', 'if', '= ', '{', '}', 'F(x)', 'mapping_error', 'dma_mapping_error(d, x)'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), (parts) => {
      const text = parts.join('');
      same(text, JSON.stringify(text));
    }),
    { numRuns: 3000 },
  );
});

'use strict';
// Who calls a function: the one-shot CLI finds the callers by searching the
// file for the function's name; the editor reads every function's callee set
// (scanCallees(), cached by text). Both must name the same callers in the same
// order: on every fixture driver, on the DMA-using files of Linux 6.1
// drivers/net/ethernet when the sources are unpacked, and on random text.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const core = require('../dist/core.js');
const { listFixtures } = require('./helpers/fixtures');

const { KERNEL, dmaFilesUnder } = require('./helpers/kernel');

function graphs(text) {
  const segments = core.findFunctionSegments(text, new core.LineIndex(text));
  const functions = new Map();
  for (let i = 0; i < segments.length; i++) functions.set(segments[i].name, i);
  const scan = (i) => core.scanCallees(text.slice(segments[i].bodyStart, segments[i].end));
  const searched = new core.CallGraph(functions, text, segments, scan);
  const scanned = new core.CallGraph(functions, text, segments, scan);
  scanned.completeAndDetach();
  return { functions, searched, scanned };
}

/** Compares the two for every defined name and a few that are not; returns how many callers were found. */
function same(text, label) {
  const { functions, searched, scanned } = graphs(text);
  let found = 0;
  for (const name of [...functions.keys(), 'kfree', 'not_defined_here']) {
    const a = searched.callersOf(name);
    assert.deepEqual(a, scanned.callersOf(name), `${label}: callers of ${name}`);
    found += a.length;
  }
  return found;
}

test('a caller found through spaces, not through a longer name, a member or itself', () => {
  const text = [
    'static int foo_map(struct foo *f)',
    '{',
    '\treturn foo_map (f) + 1;',
    '}',
    '',
    'static void foo_map_all(struct foo *f)',
    '{',
    '\tf->foo_map(f);',
    '\tfoo_map_ring(f);',
    '}',
    '',
    'static int foo_probe(struct pci_dev *pdev)',
    '{',
    '\treturn foo_map\t\n(priv);',
    '}',
    '',
    'static int foo_open(struct net_device *ndev)',
    '{',
    '\treturn xfoo_map(priv) ?: foo_map_all(priv);',
    '}',
    '',
  ].join('\n');
  const { searched } = graphs(text);
  assert.deepEqual(searched.callersOf('foo_map'), ['foo_map_all', 'foo_probe']);
  assert.deepEqual(searched.callersOf('foo_map_all'), ['foo_open']);
  same(text, 'inline');
});

test('a name defined twice calls what its last definition calls, listed where it is first defined', () => {
  const text = [
    'static int foo_setup(struct foo *f)',
    '{',
    '\treturn 0;',
    '}',
    '#ifdef CONFIG_FOO_DMA',
    'static int foo_start(struct foo *f)',
    '{',
    '\treturn foo_setup(f);',
    '}',
    '#else',
    'static int foo_start(struct foo *f)',
    '{',
    '\treturn 0;',
    '}',
    '#endif',
    'static int foo_resume(struct foo *f)',
    '{',
    '\treturn foo_setup(f);',
    '}',
    '',
  ].join('\n');
  const { searched } = graphs(text);
  assert.deepEqual(searched.callersOf('foo_setup'), ['foo_resume']);
  same(text, 'twice');
});

test('on every fixture driver', () => {
  const fixtures = listFixtures();
  assert.ok(fixtures.length > 100);
  let found = 0;
  for (const fx of fixtures) found += same(fx.text, `${fx.rule}/${fx.name}`);
  assert.ok(found > 50, `${found} callers`);
});

test('on the DMA-using files of Linux 6.1 drivers/net/ethernet (when the sources are unpacked)', (t) => {
  const files = dmaFilesUnder('drivers/net/ethernet', /\.c$/);
  if (!files) {
    t.skip(`the Linux 6.1 sources are not unpacked at ${KERNEL}`);
    return;
  }
  let found = 0;
  for (const f of files) found += same(f.text, f.rel);
  assert.ok(files.length > 200, `${files.length} files`);
  assert.ok(found > 5000, `${found} callers`);
});

test('on random text made of functions, names, spaces of every kind, comments and strings', () => {
  const names = ['foo', 'foo_a', 'afoo', 'f1', '_x', 'bar'];
  const pieces = [...names, '1foo', 'é', ' ', '\t', '\n', '\u00a0', '\u2028', '\ufeff', '(', ')', ';', '->', '.', ',', '/* foo( */', '"bar("', '{', '}', '\n}\n'];
  const fn = fc.tuple(fc.constantFrom(...names), fc.array(fc.constantFrom(...pieces), { maxLength: 25 })).map(([name, body]) => `static int ${name}(void)\n{\n${body.join('')}\n}\n`);
  fc.assert(
    fc.property(fc.array(fn, { maxLength: 6 }), (fns) => {
      const text = fns.join('\n');
      same(text, JSON.stringify(text));
    }),
    { numRuns: 2000 },
  );
});

'use strict';
// Every rule fixture: the findings equal the expectations written in the
// file, and where a golden exists, the preferred fixes produce it exactly.
// Fixed files keep their parse quality, and fixing again changes nothing.
const test = require('node:test');
const assert = require('node:assert/strict');
const core = require('../dist/core.js');
const { listFixtures, actual } = require('./helpers/fixtures');

const fixtures = listFixtures();

async function errorNodes(text) {
  const parser = await core.CParser.get();
  const tree = parser.parse(text);
  try {
    return core.countErrorNodes(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** The untouched lines of `before` appear, in order, in `after`. */
function keepsOtherLines(before, after, touched) {
  const a = before.split('\n');
  const b = after.split('\n');
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    if (touched.has(i)) continue;
    while (j < b.length && b[j] !== a[i]) j++;
    if (j === b.length) return `line ${i + 1} (${JSON.stringify(a[i])}) is missing or out of order`;
    j++;
  }
  return undefined;
}

test('every rule of the design has fixtures: at least 5 positive and 5 negative', () => {
  const counts = new Map();
  for (const fx of fixtures) {
    const c = counts.get(fx.rule) ?? { pos: 0, neg: 0 };
    if (fx.positive) c.pos++;
    else if (fx.name.startsWith('neg-')) c.neg++;
    counts.set(fx.rule, c);
  }
  for (const rule of core.RULES) {
    const c = counts.get(rule.id) ?? { pos: 0, neg: 0 };
    assert.ok(c.pos >= 5, `${rule.id}: ${c.pos} positive fixtures`);
    assert.ok(c.neg >= 5, `${rule.id}: ${c.neg} negative fixtures`);
  }
});

test('positive fixtures expect their rule and negative ones do not', () => {
  for (const fx of fixtures) {
    if (!core.isRuleId(fx.rule)) continue;
    const has = fx.expected.some((e) => e.endsWith(`:${fx.rule}`));
    if (fx.positive) assert.ok(has, `${fx.rule}/${fx.name} expects no ${fx.rule}`);
    else if (fx.name.startsWith('neg-')) assert.ok(!has, `${fx.rule}/${fx.name} expects ${fx.rule}`);
  }
});

for (const fx of fixtures) {
  test(`${fx.rule}/${fx.name}: findings match the expectations`, async () => {
    const result = await core.analyzeText(fx.text, { path: fx.virtualPath });
    assert.deepEqual(result.failures, []);
    assert.deepEqual(actual(result.findings), fx.expected);
    for (const f of result.findings) {
      assert.ok(f.message.length > 20, `message too short: ${f.message}`);
      assert.ok(core.ruleInfo(f.rule), `unknown rule ${f.rule}`);
    }
  });

  if (fx.golden === undefined) continue;
  test(`${fx.rule}/${fx.name}: preferred fixes produce the golden`, async () => {
    const rules = new Set([fx.rule]);
    const before = await core.analyzeText(fx.text, { path: fx.virtualPath, withFixes: true });
    const analyzer = await core.FileAnalyzer.create();
    const { text, applied } = core.fixText(analyzer, fx.text, { path: fx.virtualPath }, rules);
    analyzer.dispose();
    assert.ok(applied.length > 0, 'no fix applied');
    assert.equal(text, fx.golden);

    // Parse quality: no new ERROR or MISSING nodes.
    assert.ok((await errorNodes(text)) <= (await errorNodes(fx.text)), 'the fix added parse errors');

    // Idempotent: the fixed text offers nothing more to fix for this rule.
    const after = await core.analyzeText(text, { path: fx.virtualPath, withFixes: true });
    assert.equal(core.applyFixes(text, after.findings, rules).text, text, 'fixing twice changed the text');

    // The fixed findings are gone, and no other rule fires more than before.
    // One exception: a check inserted after a map on a NULL device repeats
    // that device (the null-device finding has its own fix).
    const count = (findings, rule) => findings.filter((f) => f.rule === rule).length;
    assert.ok(count(after.findings, fx.rule) <= count(before.findings, fx.rule) - applied.length, `${fx.rule} still fires after its fixes`);
    for (const rule of core.RULES) {
      if (rule.id === fx.rule) continue;
      const allowed = rule.id === 'null-device' && fx.rule.startsWith('unchecked-') ? applied.length : 0;
      assert.ok(count(after.findings, rule.id) <= count(before.findings, rule.id) + allowed, `a new ${rule.id} finding appeared`);
    }

    // Every line no edit touches is still there, in order (edits of later
    // rounds are in later coordinates: compare against a one-round merge).
    const first = core.applyFixes(fx.text, before.findings, rules);
    const touched = new Set();
    for (const f of first.applied) for (const e of f.fixes.find((x) => x.isPreferred).edits) for (let l = e.range.start.line; l <= e.range.end.line; l++) touched.add(l);
    assert.equal(keepsOtherLines(fx.text, first.text, touched), undefined);
  });
}

test('one-shot analysis (as dma-check runs it) finds what the caching analyzer finds, on every fixture', async () => {
  const parser = await core.CParser.get();
  const oneShot = new core.FileAnalyzer(parser, { oneShot: true });
  const cached = new core.FileAnalyzer(parser);
  let findings = 0;
  for (const fx of fixtures) {
    const a = oneShot.analyze(fx.text, { path: fx.virtualPath });
    const b = cached.analyze(fx.text, { path: fx.virtualPath });
    assert.deepEqual(a, b, `${fx.rule}/${fx.name}`);
    // Again, so the caching analyzer answers from its caches.
    assert.deepEqual(oneShot.analyze(fx.text, { path: fx.virtualPath }), cached.analyze(fx.text, { path: fx.virtualPath }), `${fx.rule}/${fx.name}, second time`);
    findings += a.findings.length;
  }
  oneShot.dispose();
  cached.dispose();
  assert.ok(findings > 200, `${findings} findings compared`);
});

test('redundant-zeroing offers no fix after a non-blocking allocation (32-bit ARM\'s atomic pool does not zero)', async () => {
  const fx = fixtures.find((f) => f.rule === 'redundant-zeroing' && f.name === 'pos-atomic-allocation.c');
  assert.ok(fx, 'fixture present');
  const result = await core.analyzeText(fx.text, { path: fx.virtualPath, withFixes: true });
  const f = result.findings.find((x) => x.rule === 'redundant-zeroing');
  assert.ok(f && /32-bit ARM/.test(f.message), 'reported, with the exception said');
  assert.ok(!f.fixes || f.fixes.length === 0, 'no fix offered');
  const blocking = await core.analyzeText(fx.text.replace('cmd_ring_dma, GFP_ATOMIC', 'cmd_ring_dma, GFP_KERNEL'), { path: fx.virtualPath, withFixes: true });
  assert.ok(blocking.findings.find((x) => x.rule === 'redundant-zeroing').fixes.length > 0, 'a blocking allocation keeps its fix');
});

'use strict';
// dma-check --format sarif validates against the SARIF 2.1.0 schema and
// carries rules with help links, code flows and fixes.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { spawnSync } = require('child_process');
// The schema is JSON Schema draft-04.
const Ajv = require('ajv-draft-04');

const ROOT = path.join(__dirname, '..');
const SCHEMA = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

function sarifOf(args) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dma-check'), '--format', 'sarif', ...args], { cwd: ROOT, encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return JSON.parse(r.stdout);
}

test('SARIF output of the example drivers is valid SARIF 2.1.0', () => {
  const log = sarifOf(['examples/']);
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
  const validate = ajv.compile(SCHEMA);
  const ok = validate(log);
  assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, 'dma-check');
  assert.equal(run.tool.driver.rules.length, 29);
  for (const rule of run.tool.driver.rules) assert.match(rule.helpUri, /docs\/rules\/[a-z-]+\.md$/);
  assert.ok(run.results.length > 5);
  for (const result of run.results) assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);
  assert.ok(run.results.some((r) => r.codeFlows?.[0].threadFlows[0].locations.length >= 3), 'a result with its path as a code flow');
  assert.ok(run.results.some((r) => r.fixes?.[0].artifactChanges[0].replacements.length >= 1), 'a result with a fix');
});

test('an invalid SARIF document is rejected by the same check (the check can fail)', () => {
  const log = sarifOf(['examples/meth_rx.c']);
  delete log.runs[0].tool;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
  assert.equal(ajv.compile(SCHEMA)(log), false);
});

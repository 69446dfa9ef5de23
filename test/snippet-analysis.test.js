'use strict';
// Every snippet, expanded with its defaults (and with its last choices) into
// a realistic driver, is correct code as far as our own rules can tell.
const test = require('node:test');
const assert = require('node:assert/strict');
const core = require('../dist/core.js');
const { loadSnippets, bodyText, expandSnippet, wrapInDriver } = require('./helpers/snippets');

const snippets = loadSnippets();

for (const [name, snippet] of Object.entries(snippets)) {
  for (const [variant, pick] of [
    ['first choices', (options) => options[0]],
    ['last choices', (options) => options[options.length - 1]],
  ]) {
    test(`snippet "${snippet.prefix}" (${variant}) produces no diagnostic`, async () => {
      const body = expandSnippet(bodyText(snippet.body), pick);
      const file = wrapInDriver(snippet.prefix, body);
      const result = await core.analyzeText(file, { path: `drivers/snippets/${snippet.prefix}.c` });
      assert.deepEqual(result.failures, []);
      assert.deepEqual(
        result.findings.map((f) => `${f.range.start.line + 1}: ${f.rule}: ${f.message}`),
        [],
        `${name}:\n${file}`,
      );
    });
  }
}

'use strict';
/* Diagnostics pushed by the language server, as the editor holds them. */
if (process.env.NODE_TEST_CONTEXT) {
  require('node:test').test('e2e: diagnostics (runs inside VS Code)', { skip: 'e2e: run .ci/e2e.sh' });
  return;
}

const assert = require('assert');
const vscode = require('vscode');
const h = require('./helpers');

function assertRange(actual, expected, what) {
  assert.ok(
    actual.isEqual(expected),
    `${what}: range ${JSON.stringify([actual.start.line, actual.start.character, actual.end.line, actual.end.character])}, expected ${JSON.stringify([expected.start.line, expected.start.character, expected.end.line, expected.end.character])}`,
  );
}

function assertDocLink(d, rule) {
  assert.ok(d.code !== null && typeof d.code === 'object', `code should carry the doc link: ${JSON.stringify(d.code)}`);
  assert.strictEqual(d.code.value, rule);
  assert.match(d.code.target.toString(), new RegExp(`/docs/rules/${rule}\\.md$`));
}

suite('Diagnostics', () => {
  suiteSetup(() => h.ready());

  test('a .c file (language c): unchecked-mapping on the whole dma_map_single() call, a warning with a doc link', async () => {
    const { doc, uri } = await h.open('unchecked.c');
    assert.strictEqual(doc.languageId, 'c');
    const expected = h.expectations(doc.getText());
    assert.deepStrictEqual(expected.map((e) => e.rule), ['unchecked-mapping']);
    const list = await h.waitForDiagnostics(uri, (l) => h.matchesExpectations(l, expected), 'the fixture expectations');
    const d = list[0];
    assert.strictEqual(h.codeOf(d), 'unchecked-mapping');
    assertDocLink(d, 'unchecked-mapping');
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Warning);
    // The call spans two lines: dma_map_single(dev, ..., /* expect */ \n DMA_FROM_DEVICE)
    assertRange(d.range, h.callRange(doc, expected[0].line, 'dma_map_single'), 'unchecked-mapping');
    assert.strictEqual(d.range.end.line, expected[0].line + 1);
    assert.match(d.message, /dma_mapping_error\(\)/);
    assert.ok(d.relatedInformation && d.relatedInformation.length >= 1, 'related locations (the map, the first use)');
    const use = h.lineOf(doc, 'writel(lower_32_bits(priv->stats_dma)');
    assert.ok(
      d.relatedInformation.some((r) => r.location.uri.toString() === uri.toString() && r.location.range.start.line === use),
      `a related location should point at the first use on line ${use + 1}: ${JSON.stringify(d.relatedInformation.map((r) => [r.location.range.start.line, r.message]))}`,
    );
  });

  test('a .h file (language cpp): the same finding at the same range', async () => {
    const { doc, uri } = await h.open('ring.h');
    assert.strictEqual(doc.languageId, 'cpp');
    const expected = h.expectations(doc.getText());
    const list = await h.waitForDiagnostics(uri, (l) => h.matchesExpectations(l, expected), 'the fixture expectations');
    assert.strictEqual(list.length, 1);
    assert.strictEqual(h.codeOf(list[0]), 'unchecked-mapping');
    assertDocLink(list[0], 'unchecked-mapping');
    assert.strictEqual(list[0].severity, vscode.DiagnosticSeverity.Warning);
    assertRange(list[0].range, h.callRange(doc, expected[0].line, 'dma_map_single'), 'unchecked-mapping in .h');
  });

  test('null-device: an error on each NULL device argument', async () => {
    const { doc, uri } = await h.open('nulldev.c');
    const expected = h.expectations(doc.getText());
    assert.strictEqual(expected.length, 2);
    const list = await h.waitForDiagnostics(uri, (l) => h.matchesExpectations(l, expected), 'the fixture expectations');
    for (const e of expected) {
      const d = list.find((x) => x.range.start.line === e.line);
      assert.strictEqual(h.codeOf(d), 'null-device');
      assertDocLink(d, 'null-device');
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
      assertRange(d.range, h.tokenRange(doc, e.line, 'NULL'), `null-device on line ${e.line + 1}`);
      assert.match(d.message, /NULL device/);
    }
  });

  test('gfp-zero: a warning on the 0 gfp argument', async () => {
    const { doc, uri } = await h.open('gfp.c');
    const expected = h.expectations(doc.getText());
    const list = await h.waitForDiagnostics(uri, (l) => h.matchesExpectations(l, expected), 'the fixture expectations');
    assert.strictEqual(list.length, 1);
    const d = list[0];
    assert.strictEqual(h.codeOf(d), 'gfp-zero');
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Warning);
    assertRange(d.range, h.tokenRange(doc, expected[0].line, '0'), 'gfp-zero');
  });

  test('an edit that fixes the code clears the diagnostic; undoing it brings it back', async () => {
    const { doc, uri, editor } = await h.open('gfp.c');
    await h.waitForDiagnostics(uri, (l) => l.length === 1, 'the gfp-zero warning');
    const line = h.expectations(doc.getText())[0].line;
    const zero = h.tokenRange(doc, line, '0');
    assert.ok(await editor.edit((b) => b.replace(zero, 'GFP_KERNEL')));
    await h.waitForDiagnostics(uri, (l) => l.length === 0, 'no diagnostics after typing GFP_KERNEL');
    await vscode.commands.executeCommand('undo');
    await h.waitForDiagnostics(uri, (l) => l.length === 1 && h.codeOf(l[0]) === 'gfp-zero', 'gfp-zero back after undo');
    assert.strictEqual(doc.getText(), h.readFixture('gfp.c'));
  });
});

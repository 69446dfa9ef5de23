'use strict';
/*
 * Quick fixes and fix-all through the editor's code action machinery: the
 * text after applying the preferred fixes is the fixture's .fixed.c golden,
 * byte for byte.
 */
if (process.env.NODE_TEST_CONTEXT) {
  require('node:test').test('e2e: quick fixes (runs inside VS Code)', { skip: 'e2e: run .ci/e2e.sh' });
  return;
}

const assert = require('assert');
const vscode = require('vscode');
const h = require('./helpers');

/**
 * Applies the preferred quick fix of each `rule` diagnostic, one at a time,
 * waiting after each for the server to publish the diagnostics of the edited
 * text. Returns the titles of the applied fixes.
 */
async function applyPreferredFixes(name, rule) {
  const { doc, uri } = await h.open(name);
  const expected = h.expectations(doc.getText()).filter((e) => e.rule === rule);
  assert.ok(expected.length > 0, `${name} expects ${rule}`);
  await h.waitForDiagnostics(uri, (l) => h.matchesExpectations(l, h.expectations(doc.getText())), 'the fixture expectations');
  const titles = [];
  for (let remaining = expected.length; remaining > 0; remaining--) {
    const d = h.dmaDiagnostics(uri).find((x) => h.codeOf(x) === rule);
    assert.ok(d, `a ${rule} diagnostic should remain (${remaining} to fix)`);
    const fixes = await h.quickFixesFor(uri, d);
    const preferred = fixes.filter((a) => a.isPreferred);
    assert.strictEqual(preferred.length, 1, `exactly one preferred fix; offered: ${JSON.stringify(fixes.map((a) => [a.title, !!a.isPreferred]))}`);
    const fix = preferred[0];
    assert.ok(fix.edit, `the fix carries its edit: ${fix.title}`);
    assert.ok(
      fixes.some((a) => a.title === `Ignore ${rule} on this line` && !a.isPreferred),
      `the suppression action is offered too: ${JSON.stringify(fixes.map((a) => a.title))}`,
    );
    const version = doc.version;
    assert.ok(await vscode.workspace.applyEdit(fix.edit), `applyEdit(${fix.title})`);
    assert.ok(doc.version > version, 'the document changed');
    titles.push(fix.title);
    await h.waitForDiagnostics(
      uri,
      (l) => l.filter((x) => h.codeOf(x) === rule).length === remaining - 1,
      `${remaining - 1} ${rule} diagnostic(s) after "${fix.title}"`,
    );
  }
  return { doc, titles };
}

suite('Quick fixes', () => {
  suiteSetup(() => h.ready());

  test('unchecked-mapping: the preferred fix inserts the dma_mapping_error() check and unwinds to the existing label (= golden)', async () => {
    const { doc, titles } = await applyPreferredFixes('quickfix-unchecked.c', 'unchecked-mapping');
    assert.deepStrictEqual(titles, ['Check priv->stats_dma with dma_mapping_error()']);
    const golden = h.readGolden('quickfix-unchecked.c');
    assert.strictEqual(doc.getText(), golden, h.firstDifference(doc.getText(), golden));
  });

  test('null-device: the preferred fix of each of the two findings passes dev (= golden)', async () => {
    const { doc, titles } = await applyPreferredFixes('quickfix-nulldev.c', 'null-device');
    assert.deepStrictEqual(titles, ['Pass dev as the device', 'Pass dev as the device']);
    const golden = h.readGolden('quickfix-nulldev.c');
    assert.strictEqual(doc.getText(), golden, h.firstDifference(doc.getText(), golden));
  });

  test('gfp-zero: in probe the preferred fix is GFP_KERNEL (= golden); the saved file is the golden too', async () => {
    const { doc, titles } = await applyPreferredFixes('quickfix-gfp.c', 'gfp-zero');
    assert.deepStrictEqual(titles, ['Use GFP_KERNEL']);
    const golden = h.readGolden('quickfix-gfp.c');
    assert.strictEqual(doc.getText(), golden, h.firstDifference(doc.getText(), golden));
    assert.ok(await doc.save(), 'save');
    const onDisk = (await vscode.workspace.fs.readFile(doc.uri)).toString();
    assert.strictEqual(onDisk, golden);
  });

  test('the "Ignore <rule> on this line" action suppresses the diagnostic', async () => {
    const { doc, uri } = await h.open('nulldev.c');
    const list = await h.waitForDiagnostics(uri, (l) => l.length === 2, 'two null-device errors');
    const first = list.reduce((a, b) => (a.range.start.line <= b.range.start.line ? a : b));
    const ignore = (await h.quickFixesFor(uri, first)).find((a) => a.title === 'Ignore null-device on this line');
    assert.ok(ignore, 'the suppression action');
    assert.ok(await vscode.workspace.applyEdit(ignore.edit));
    const after = await h.waitForDiagnostics(uri, (l) => l.length === 1, 'one null-device error left');
    assert.strictEqual(after[0].range.start.line, first.range.start.line + 2, 'the other finding, moved down by the inserted comment line');
    assert.strictEqual(doc.lineAt(first.range.start.line).text, '\t/* dma-check: ignore null-device */');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await h.waitForDiagnostics(uri, (l) => l.length === 2, 'two null-device errors after revert');
  });
});

suite('Fix all (source.fixAll.dma)', () => {
  suiteSetup(() => h.ready());

  test('is offered for the kinds source.fixAll.dma and source.fixAll and applies every preferred fix (= golden)', async () => {
    const { doc, uri } = await h.open('fixall.c');
    const expected = h.expectations(doc.getText());
    assert.strictEqual(expected.length, 2);
    await h.waitForDiagnostics(uri, (l) => h.matchesExpectations(l, expected), 'the fixture expectations');
    const whole = new vscode.Range(0, 0, doc.lineCount, 0);
    const kind = vscode.CodeActionKind.SourceFixAll.append('dma');
    for (const requested of [kind.value, vscode.CodeActionKind.SourceFixAll.value]) {
      const actions = await h.codeActions(uri, whole, requested);
      const fixAll = actions.filter((a) => a.kind && a.kind.value === kind.value);
      assert.strictEqual(fixAll.length, 1, `one fix-all action for ${requested}: ${JSON.stringify(actions.map((a) => [a.title, a.kind && a.kind.value]))}`);
    }
    // A quick-fix request does not return the fix-all action.
    const quick = await h.codeActions(uri, whole, vscode.CodeActionKind.QuickFix.value);
    assert.ok(!quick.some((a) => a.kind && a.kind.value === kind.value), 'fix-all is not a quick fix');

    const [fixAll] = (await h.codeActions(uri, whole, kind.value)).filter((a) => a.kind && a.kind.value === kind.value);
    assert.strictEqual(fixAll.title, 'Fix all DMA API problems');
    assert.ok(await vscode.workspace.applyEdit(fixAll.edit));
    const golden = h.readGolden('fixall.c');
    assert.strictEqual(doc.getText(), golden, h.firstDifference(doc.getText(), golden));
    await h.waitForDiagnostics(uri, (l) => l.length === 0, 'no diagnostics after fix-all');
    // Nothing left to fix: no fix-all action any more.
    const again = await h.codeActions(uri, whole, kind.value);
    assert.ok(!again.some((a) => a.kind && a.kind.value === kind.value), 'no fix-all once everything is fixed');
  });

  test('editor.codeActionsOnSave with source.fixAll.dma fixes the file when it is saved', async () => {
    await vscode.workspace
      .getConfiguration('editor', { languageId: 'c' })
      .update('codeActionsOnSave', { 'source.fixAll.dma': 'explicit' }, vscode.ConfigurationTarget.Global, true);
    try {
      const { doc, uri, editor } = await h.open('fixall-on-save.c');
      await h.waitForDiagnostics(uri, (l) => l.length === 2, 'two null-device errors');
      // Make the document dirty with a change the golden already has (the
      // first NULL typed over as dev by hand), then save explicitly.
      const line = h.expectations(doc.getText())[0].line;
      assert.ok(await editor.edit((b) => b.replace(h.tokenRange(doc, line, 'NULL'), 'dev')));
      assert.ok(doc.isDirty);
      await h.saveAndWait(doc, () => vscode.commands.executeCommand('workbench.action.files.save'));
      const golden = h.readGolden('fixall-on-save.c');
      assert.ok(!doc.isDirty);
      assert.strictEqual(doc.getText(), golden, h.firstDifference(doc.getText(), golden));
      const onDisk = (await vscode.workspace.fs.readFile(uri)).toString();
      assert.strictEqual(onDisk, golden, h.firstDifference(onDisk, golden));
    } finally {
      await vscode.workspace.getConfiguration('editor', { languageId: 'c' }).update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Global, true);
    }
  });
});

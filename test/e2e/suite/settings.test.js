'use strict';
/* Per-rule severity settings reach the running server: no reload, no restart. */
if (process.env.NODE_TEST_CONTEXT) {
  require('node:test').test('e2e: settings (runs inside VS Code)', { skip: 'e2e: run .ci/e2e.sh' });
  return;
}

const assert = require('assert');
const vscode = require('vscode');
const h = require('./helpers');

const SETTING = 'dma.rules.unchecked-mapping';
const isRule = (d) => h.codeOf(d) === 'unchecked-mapping';

suite('Settings', () => {
  suiteSetup(() => h.ready());

  teardown(async () => {
    await h.setSetting(SETTING, undefined);
  });

  test(`${SETTING}: error raises the severity, off removes the diagnostic, default restores the warning`, async () => {
    const { uri } = await h.open('severity.c');
    const [initial] = await h.waitForDiagnostics(uri, (l) => l.length === 1 && isRule(l[0]), 'the unchecked-mapping warning');
    assert.strictEqual(initial.severity, vscode.DiagnosticSeverity.Warning);

    await h.setSetting(SETTING, 'error');
    assert.strictEqual(vscode.workspace.getConfiguration('dma.rules').get('unchecked-mapping'), 'error');
    const [asError] = await h.waitForDiagnostics(
      uri,
      (l) => l.length === 1 && isRule(l[0]) && l[0].severity === vscode.DiagnosticSeverity.Error,
      'unchecked-mapping as an error',
    );
    assert.ok(asError.range.isEqual(initial.range), 'same range');
    assert.strictEqual(asError.message, initial.message);

    await h.setSetting(SETTING, 'off');
    await h.waitForDiagnostics(uri, (l) => !l.some(isRule), 'no unchecked-mapping diagnostic');

    await h.setSetting(SETTING, 'hint');
    await h.waitForDiagnostics(uri, (l) => l.length === 1 && isRule(l[0]) && l[0].severity === vscode.DiagnosticSeverity.Hint, 'unchecked-mapping as a hint');

    await h.setSetting(SETTING, undefined);
    await h.waitForDiagnostics(uri, (l) => l.length === 1 && isRule(l[0]) && l[0].severity === vscode.DiagnosticSeverity.Warning, 'the warning again');
  });

  test('turning a rule off clears it from every open document and leaves the other rules alone', async () => {
    const nd = await h.open('nulldev.c');
    await h.waitForDiagnostics(nd.uri, (l) => l.length === 2 && l.every((d) => h.codeOf(d) === 'null-device'), 'two null-device errors');
    const gfp = await h.open('gfp.c');
    await h.waitForDiagnostics(gfp.uri, (l) => l.length === 1 && h.codeOf(l[0]) === 'gfp-zero', 'the gfp-zero warning');
    await h.setSetting('dma.rules.null-device', 'off');
    try {
      await h.waitForDiagnostics(nd.uri, (l) => l.length === 0, 'no null-device diagnostics');
      // Typing in gfp.c makes the server analyse it again under the new settings.
      const line = h.lineOf(gfp.doc, 'dmam_alloc_coherent(');
      assert.ok(await gfp.editor.edit((b) => b.insert(new vscode.Position(line, 0), '\n')));
      await h.waitForDiagnostics(gfp.uri, (l) => l.length === 1 && h.codeOf(l[0]) === 'gfp-zero' && l[0].range.start.line === line + 1, 'gfp-zero, moved one line down');
      await vscode.commands.executeCommand('undo');
    } finally {
      await h.setSetting('dma.rules.null-device', undefined);
    }
    await h.waitForDiagnostics(nd.uri, (l) => l.length === 2, 'the null-device errors back');
  });
});

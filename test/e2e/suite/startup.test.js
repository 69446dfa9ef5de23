'use strict';
/*
 * Start-up: the extension activates, and an edit made right after the first
 * C document opens (while the server is still loading its parser) is not
 * lost. index.js runs this file first, before any other test opens a C file.
 */
if (process.env.NODE_TEST_CONTEXT) {
  require('node:test').test('e2e: start-up (runs inside VS Code)', { skip: 'e2e: run .ci/e2e.sh' });
  return;
}

const assert = require('assert');
const vscode = require('vscode');
const h = require('./helpers');

suite('Start-up', () => {
  test('the extension activates and its language server starts', async () => {
    assert.ok(
      !vscode.workspace.textDocuments.some((d) => d.languageId === 'c' || d.languageId === 'cpp'),
      'no C document is open yet: this file must run first',
    );
    const ext = vscode.extensions.getExtension(h.EXTENSION_ID);
    assert.ok(ext, `extension ${h.EXTENSION_ID} is installed`);
    await ext.activate();
    assert.ok(ext.isActive);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('dma.showRuleDocumentation'), 'the extension registered its command');
  });

  test('an edit made right after the first C file opens (as an extension or a command would) reaches the server', async () => {
    // The first didOpen makes the server load its parser; the edit follows at once,
    // before the editor is even shown.
    const uri = h.workspaceUri('startup.c');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = h.expectations(doc.getText())[0].line;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, h.tokenRange(doc, line, '0'), 'GFP_KERNEL');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const editor = await vscode.window.showTextDocument(doc);
    // The editor's text has no finding left; the server must agree.
    await h.waitForDiagnostics(uri, (l) => l.length === 0, 'no gfp-zero diagnostic once 0 was replaced by GFP_KERNEL');
    // And it still works on the edited text: a new finding appears where it should.
    assert.ok(await editor.edit((b) => b.replace(h.tokenRange(doc, line, 'GFP_KERNEL'), '0')));
    const list = await h.waitForDiagnostics(uri, (l) => l.length === 1, 'the gfp-zero warning back');
    assert.strictEqual(h.codeOf(list[0]), 'gfp-zero');
    assert.ok(list[0].range.isEqual(h.tokenRange(doc, line, '0')));
  });
});

'use strict';
/*
 * The snippets contributed by the extension are offered by the editor's
 * completion and expand, tab stops at their defaults, into the body from
 * snippets/dma.code-snippets.json indented like the line they are typed on.
 * Completion of direction constants and gfp flags inside DMA calls comes from
 * the server.
 */
if (process.env.NODE_TEST_CONTEXT) {
  require('node:test').test('e2e: completion and snippets (runs inside VS Code)', { skip: 'e2e: run .ci/e2e.sh' });
  return;
}

const assert = require('assert');
const vscode = require('vscode');
const h = require('./helpers');
const { loadSnippets, expandSnippet } = require('../../helpers/snippets');

function labelOf(item) {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

async function complete(uri, position) {
  const list = await vscode.commands.executeCommand('vscode.executeCompletionItemProvider', uri, position);
  return (list && list.items) || [];
}

/** The text VS Code inserts for a snippet body typed on a line indented with `indent`. */
function expectedExpansion(body, indent, editor) {
  const unit = editor.options.insertSpaces ? ' '.repeat(editor.options.tabSize) : '\t';
  return expandSnippet(body)
    .split('\n')
    .map((line, i) => {
      if (i === 0) return line;
      const lead = /^\t*/.exec(line)[0];
      return indent + unit.repeat(lead.length) + line.slice(lead.length);
    })
    .join('\n');
}

/** Opens `name`, adds a line `<indent><typed>` after the line holding `after`, and returns where it ends. */
async function typeOnNewLine(name, after, typed) {
  const { doc, editor, uri } = await h.open(name);
  const line = h.lineOf(doc, after);
  const indent = /^\s*/.exec(doc.lineAt(line).text)[0];
  const eol = doc.lineAt(line).range.end;
  assert.ok(await editor.edit((b) => b.insert(eol, `\n${indent}${typed}`)));
  const pos = new vscode.Position(line + 1, indent.length + typed.length);
  editor.selection = new vscode.Selection(pos, pos);
  return { doc, editor, uri, line: line + 1, indent, pos };
}

suite('Snippets', () => {
  suiteSetup(() => h.ready());

  const snippets = loadSnippets();
  const byPrefix = Object.fromEntries(Object.values(snippets).map((s) => [s.prefix, s]));

  for (const [prefix, file, typed] of [
    ['dma-map-single', 'snippet-map.c', 'dma-map-si'],
    ['dma-alloc-coherent', 'snippet-alloc.c', 'dma-alloc-coherent'],
  ]) {
    test(`"${typed}" offers the ${prefix} snippet, and it expands to the snippet body`, async () => {
      const snippet = byPrefix[prefix];
      assert.ok(snippet, `snippets/dma.code-snippets.json has ${prefix}`);
      const { doc, editor, uri, line, indent, pos } = await typeOnNewLine(file, 'writel(lower_32_bits(priv->tx_ring_dma)', typed);
      const before = doc.getText();

      const items = await complete(uri, pos);
      const item = items.find((i) => labelOf(i) === prefix);
      assert.ok(item, `completion offers ${prefix}; got ${JSON.stringify(items.filter((i) => /dma/i.test(labelOf(i))).map(labelOf))}`);
      assert.strictEqual(item.kind, vscode.CompletionItemKind.Snippet);
      assert.ok(item.insertText instanceof vscode.SnippetString, 'insertText is a snippet');
      assert.strictEqual(item.insertText.value.replace(/\r\n/g, '\n'), snippet.body.join('\n'));
      // editor.suggest.insertMode defaults to "insert": the typed prefix is what gets replaced.
      const range = item.range instanceof vscode.Range ? item.range : item.range.inserting;
      assert.ok(range.isEqual(new vscode.Range(line, indent.length, line, pos.character)), `the item's insert range is what was typed: ${JSON.stringify(range)}`);

      const start = doc.offsetAt(range.start);
      const end = doc.offsetAt(range.end);
      assert.ok(await editor.insertSnippet(item.insertText, range), 'insertSnippet');
      const expected = before.slice(0, start) + expectedExpansion(snippet.body, indent, editor) + before.slice(end);
      assert.strictEqual(doc.getText(), expected, h.firstDifference(doc.getText(), expected));
      await vscode.commands.executeCommand('leaveSnippet');
    });
  }
});

suite('Completion inside DMA calls (server)', () => {
  suiteSetup(() => h.ready());

  test('the direction argument of dma_map_single() offers the DMA directions, not DMA_NONE', async () => {
    const { uri, pos } = await typeOnNewLine('snippet-map.c', 'return 0;', 'dma_map_single(dev, priv->stats, 64, DMA_');
    // The server's items say what they are; word-based suggestions do not.
    const labels = (await complete(uri, pos)).filter((i) => i.detail === 'enum dma_data_direction').map(labelOf);
    assert.deepStrictEqual(labels.sort(), ['DMA_BIDIRECTIONAL', 'DMA_FROM_DEVICE', 'DMA_TO_DEVICE']);
  });

  test('the gfp argument of dma_alloc_coherent() offers GFP_KERNEL and GFP_ATOMIC', async () => {
    const { uri, pos } = await typeOnNewLine('snippet-alloc.c', 'return 0;', 'dma_alloc_coherent(dev, 64, &priv->stats_dma, GFP_');
    const labels = (await complete(uri, pos)).filter((i) => i.detail === 'gfp_t').map(labelOf);
    for (const g of ['GFP_KERNEL', 'GFP_ATOMIC']) assert.ok(labels.includes(g), `${g} offered: ${JSON.stringify(labels)}`);
  });
});

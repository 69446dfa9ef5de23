'use strict';
/* Hover on DMA API calls and on a diagnostic's range. */
if (process.env.NODE_TEST_CONTEXT) {
  require('node:test').test('e2e: hover (runs inside VS Code)', { skip: 'e2e: run .ci/e2e.sh' });
  return;
}

const assert = require('assert');
const vscode = require('vscode');
const h = require('./helpers');

function hoverText(hovers) {
  return (hovers || [])
    .flatMap((hv) => hv.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n\n');
}

async function hoverAt(uri, position) {
  return hoverText(await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, position));
}

suite('Hover', () => {
  suiteSetup(() => h.ready());

  test('on dma_map_single: its signature, the dma_mapping_error() contract and the finding under the cursor', async () => {
    const { doc, uri } = await h.open('hover.c');
    await h.waitForDiagnostics(uri, (l) => l.length === 1, 'the unchecked-mapping warning');
    const line = h.lineOf(doc, 'dma_map_single(');
    const token = h.tokenRange(doc, line, 'dma_map_single');
    const text = await hoverAt(uri, token.start.translate(0, 3));
    assert.match(text, /dma_map_single/);
    assert.match(text, /dma_mapping_error/);
    assert.match(text, /unchecked-mapping/, 'the hover names the rule of the diagnostic under the cursor');
  });

  test('on dma_alloc_coherent: its contract (NULL on failure)', async () => {
    const { doc, uri } = await h.open('hover.c');
    const line = h.lineOf(doc, 'dma_alloc_coherent(');
    const token = h.tokenRange(doc, line, 'dma_alloc_coherent');
    const text = await hoverAt(uri, token.start.translate(0, 1));
    assert.match(text, /dma_alloc_coherent/);
    assert.match(text, /NULL/);
  });

  test('on a plain identifier: no DMA hover', async () => {
    const { doc, uri } = await h.open('hover.c');
    const line = h.lineOf(doc, 'ret = foo_reset_dma_engine(priv);');
    const text = await hoverAt(uri, h.tokenRange(doc, line, 'foo_reset_dma_engine').start);
    assert.doesNotMatch(text, /dma_mapping_error|Kernel documentation/);
  });
});

'use strict';
// The language server end to end over stdio: diagnostics and their shape,
// incremental edits, code actions (quick fixes and source.fixAll.dma), hover,
// completion inside DMA calls, per-rule settings, and process lifecycle.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { fileURLToPath } = require('node:url');
const { TextDocument } = require('vscode-languageserver-textdocument');
const { LspClient, startServer, driverUri, ROOT } = require('./helpers/lsp-client');
const core = require('../dist/core.js');

const DRIVER_PATH = 'drivers/net/ethernet/sgi/meth.c';

// The meth receive ring from the seed (mapped with no device and never
// checked), and a transmit path that leaks its mapping when the ring is full.
const METH = `// SPDX-License-Identifier: GPL-2.0
/* SGI O2 MACE ethernet: receive ring setup and transmit (excerpt) */
#include <linux/dma-mapping.h>
#include <linux/netdevice.h>

#define RX_RING_ENTRIES		16
#define METH_RX_BUFF_SIZE	4096
#define METH_RX_HEAD		34

struct meth_private {
	struct platform_device *pdev;
	struct sk_buff *rx_skbs[RX_RING_ENTRIES];
	rx_packet *rx_ring[RX_RING_ENTRIES];
	dma_addr_t rx_ring_dmas[RX_RING_ENTRIES];
	unsigned long rx_write;
};

static int meth_init_rx_ring(struct meth_private *priv)
{
	int i;

	for (i = 0; i < RX_RING_ENTRIES; i++) {
		priv->rx_skbs[i] = alloc_skb(METH_RX_BUFF_SIZE, 0);
		/* 8byte status vector + 3quad padding + 2byte padding,
		 * to put data on 64bit aligned boundary */
		skb_reserve(priv->rx_skbs[i], METH_RX_HEAD);
		priv->rx_ring[i] = (rx_packet *)(priv->rx_skbs[i]->head);
		/* I'll need to re-sync it after each RX */
		priv->rx_ring_dmas[i] = dma_map_single(NULL, priv->rx_ring[i],
						       METH_RX_BUFF_SIZE, DMA_FROM_DEVICE);
		mace->eth.rx_fifo = priv->rx_ring_dmas[i];
	}
	priv->rx_write = 0;
	return 0;
}

static int meth_tx_queue_skb(struct meth_private *priv, struct device *dev,
			     struct sk_buff *skb)
{
	struct meth_tx_desc *desc;
	dma_addr_t dma;

	dma = dma_map_single(dev, skb->data, skb->len, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, dma))
		return -ENOMEM;

	desc = meth_tx_get_desc(priv);
	if (!desc) {
		dev_err(dev, "tx ring full\\n");
		return -EBUSY;
	}

	desc->addr = cpu_to_le64(dma);
	desc->len = cpu_to_le32(skb->len);
	return 0;
}
`;

const RX_MAP = 'dma_map_single(NULL, priv->rx_ring[i],';
const RX_MAP_END = 'METH_RX_BUFF_SIZE, DMA_FROM_DEVICE);';
const TX_MAP = 'dma = dma_map_single(dev, skb->data';
const TX_LEAK = 'return -EBUSY;';

let uriCounter = 0;
function freshUri(name = 'meth') {
	return driverUri(`drivers/net/ethernet/sgi/${name}-${++uriCounter}.c`);
}

/** Position of `needle` (plus `delta` characters) in `text`. */
function posOf(text, needle, delta = 0) {
	const i = text.indexOf(needle);
	assert.ok(i >= 0, `test text lacks ${JSON.stringify(needle)}`);
	return TextDocument.create('x', 'c', 0, text).positionAt(i + delta);
}

function rangeOf(text, needle) {
	return { start: posOf(text, needle), end: posOf(text, needle, needle.length) };
}

const key = (d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.code ?? d.rule}`;
const keysOf = (list) => list.map(key).sort();
const rulesOf = (list) => list.map((d) => d.code ?? d.rule);
const withRule = (list, rule) => list.filter((d) => (d.code ?? d.rule) === rule);

async function analyze(text, opts = {}) {
	return core.analyzeText(text, { path: DRIVER_PATH, ...opts });
}

function applyLspEdits(text, edits) {
	return TextDocument.applyEdits(TextDocument.create('x', 'c', 0, text), edits);
}

function fullRange(text) {
	const doc = TextDocument.create('x', 'c', 0, text);
	return { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) };
}

describe('dma-language-server over stdio', () => {
	let client;
	before(async () => {
		client = await startServer();
	});
	after(async () => {
		if (client) await client.shutdown();
	});

	test('advertises incremental sync, code actions incl. source.fixAll.dma, hover and completion', () => {
		const caps = client.initializeResult.capabilities;
		assert.equal(caps.textDocumentSync.change, 2, 'incremental sync');
		assert.equal(caps.textDocumentSync.openClose, true);
		assert.ok(caps.codeActionProvider.codeActionKinds.includes('quickfix'));
		assert.ok(caps.codeActionProvider.codeActionKinds.includes('source.fixAll.dma'));
		assert.equal(caps.hoverProvider, true);
		assert.ok(caps.completionProvider.triggerCharacters.includes(','));
		assert.equal(client.initializeResult.serverInfo.name, 'dma-language-server');
	});

	test('publishes diagnostics for the meth receive ring: rule id as code, doc link, source, related information', async () => {
		const uri = freshUri();
		client.open(uri, METH, 1);
		const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
		const diags = pub.diagnostics;

		const nullDev = withRule(diags, 'null-device');
		assert.equal(nullDev.length, 1, `one null-device: ${keysOf(diags)}`);
		assert.deepEqual(nullDev[0].range, {
			start: posOf(METH, RX_MAP, 'dma_map_single('.length),
			end: posOf(METH, RX_MAP, 'dma_map_single(NULL'.length),
		}, 'null-device covers the NULL argument');
		assert.equal(nullDev[0].severity, 1, 'null-device is an error by default');

		const unchecked = withRule(diags, 'unchecked-mapping');
		assert.equal(unchecked.length, 1, `one unchecked-mapping: ${keysOf(diags)}`);
		assert.deepEqual(unchecked[0].range.start, posOf(METH, RX_MAP), 'unchecked-mapping starts at the map call');
		assert.equal(unchecked[0].severity, 2, 'unchecked-mapping is a warning by default');
		assert.match(unchecked[0].message, /dma_mapping_error/);

		const leak = withRule(diags, 'unmap-missing-on-error');
		assert.equal(leak.length, 1, `one unmap-missing-on-error: ${keysOf(diags)}`);
		assert.deepEqual(leak[0].range, rangeOf(METH, TX_LEAK), 'the leaking return');

		for (const d of diags) {
			assert.equal(d.source, 'dma');
			assert.equal(typeof d.code, 'string');
			assert.ok(d.codeDescription.href.endsWith(`docs/rules/${d.code}.md`), d.codeDescription.href);
			assert.ok(fs.existsSync(fileURLToPath(d.codeDescription.href)), `doc page exists: ${d.codeDescription.href}`);
			assert.ok(d.message.length > 10);
		}

		// Lifecycle rules explain themselves with the path: where it was mapped, where it leaks.
		for (const d of [...unchecked, ...leak]) {
			assert.ok(Array.isArray(d.relatedInformation) && d.relatedInformation.length >= 2, `${d.code} has related information`);
			for (const r of d.relatedInformation) {
				assert.equal(r.location.uri, uri);
				assert.ok(r.message.length > 0);
			}
		}
		const mappedHere = leak[0].relatedInformation.find((r) => /mapped here/.test(r.message));
		assert.ok(mappedHere, 'unmap-missing-on-error points at the mapping');
		assert.equal(mappedHere.location.range.start.line, posOf(METH, TX_MAP).line);

		// The server reports what the core reports for the same text.
		const expected = await analyze(METH);
		assert.deepEqual(keysOf(diags), keysOf(expected.findings));
	});

	test('diagnostics follow two incremental edits, by version', async () => {
		const uri = freshUri();
		let mirror = TextDocument.create(uri, 'c', 1, METH);
		client.open(uri, METH, 1);
		await client.waitForDiagnostics(uri, (p) => p.version === 1);

		// Edit 1: the check the driver was missing, typed after the map call.
		const afterMap = posOf(mirror.getText(), RX_MAP_END, RX_MAP_END.length);
		const check = '\n\t\tif (dma_mapping_error(NULL, priv->rx_ring_dmas[i]))\n\t\t\treturn -ENOMEM;';
		const edit1 = [{ range: { start: afterMap, end: afterMap }, text: check }];
		mirror = TextDocument.update(mirror, edit1, 2);
		client.change(uri, 2, edit1);
		const v2 = await client.waitForDiagnostics(uri, (p) => p.version === 2);
		assert.deepEqual(withRule(v2.diagnostics, 'unchecked-mapping'), [], 'the check silences unchecked-mapping');
		assert.ok(withRule(v2.diagnostics, 'null-device').some((d) => d.range.start.line === posOf(mirror.getText(), RX_MAP).line), 'the NULL device is still reported');
		assert.equal(withRule(v2.diagnostics, 'unmap-missing-on-error').length, 1);
		// The leak moved down two lines with the inserted text.
		assert.deepEqual(withRule(v2.diagnostics, 'unmap-missing-on-error')[0].range, rangeOf(mirror.getText(), TX_LEAK));

		// Edit 2: a NULL device in the transmit path (replace `dev` in the map call).
		const devStart = posOf(mirror.getText(), TX_MAP, 'dma = dma_map_single('.length);
		const devEnd = { line: devStart.line, character: devStart.character + 'dev'.length };
		const edit2 = [{ range: { start: devStart, end: devEnd }, text: 'NULL' }];
		mirror = TextDocument.update(mirror, edit2, 3);
		client.change(uri, 3, edit2);
		const v3 = await client.waitForDiagnostics(uri, (p) => p.version === 3);
		const txLine = posOf(mirror.getText(), 'dma = dma_map_single(NULL').line;
		const txNull = withRule(v3.diagnostics, 'null-device').filter((d) => d.range.start.line === txLine);
		assert.equal(txNull.length, 1, `null-device in the transmit path: ${keysOf(v3.diagnostics)}`);
		assert.equal(txNull[0].range.start.character, 'dma = dma_map_single('.length + 1);

		// Versions only move forward, and the last publish is for the last edit.
		const versions = client.diagnosticsFor(uri).map((p) => p.version);
		assert.deepEqual([...versions].sort((a, b) => a - b), versions, `versions in order: ${versions}`);
		assert.equal(versions[versions.length - 1], 3);

		// Incremental analysis agrees with a fresh analysis of the same text.
		const fresh = await analyze(mirror.getText());
		assert.deepEqual(keysOf(v3.diagnostics), keysOf(fresh.findings));
	});

	test('quick fix: the preferred fix inserts a dma_mapping_error() check, and an ignore action is offered', async () => {
		const uri = freshUri();
		client.open(uri, METH, 1);
		const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
		const diag = withRule(pub.diagnostics, 'unchecked-mapping')[0];
		assert.ok(diag);

		const actions = await client.request('textDocument/codeAction', {
			textDocument: { uri },
			range: diag.range,
			context: { diagnostics: [diag], only: ['quickfix'] },
		});
		assert.ok(Array.isArray(actions));
		for (const a of actions) assert.equal(a.kind, 'quickfix');
		const forUnchecked = actions.filter((a) => a.diagnostics?.some((d) => d.code === 'unchecked-mapping'));
		const preferred = forUnchecked.filter((a) => a.isPreferred);
		assert.equal(preferred.length, 1, `one preferred fix: ${forUnchecked.map((a) => a.title)}`);
		assert.match(preferred[0].title, /dma_mapping_error/);
		const edits = preferred[0].edit.changes[uri];
		assert.ok(edits.length > 0);

		const fixed = applyLspEdits(METH, edits);
		assert.match(fixed, /DMA_FROM_DEVICE\);\n\t\tif \(dma_mapping_error\([^,]+, priv->rx_ring_dmas\[i\]\)\)\n\t\t\treturn -ENOMEM;\n\t\tmace->eth.rx_fifo/);
		const after = await analyze(fixed);
		assert.deepEqual(withRule(after.findings, 'unchecked-mapping'), []);

		const ignore = forUnchecked.find((a) => /^Ignore unchecked-mapping/.test(a.title));
		assert.ok(ignore, 'ignore action');
		assert.ok(!ignore.isPreferred, 'ignoring is never the preferred fix');
		const ignored = await analyze(applyLspEdits(METH, ignore.edit.changes[uri]));
		assert.deepEqual(withRule(ignored.findings, 'unchecked-mapping'), [], 'the ignore comment suppresses the finding');
		assert.equal(withRule(ignored.findings, 'null-device').length, 1, 'and only that rule');

		// A range with no finding gets no quick fix.
		const quiet = await client.request('textDocument/codeAction', {
			textDocument: { uri },
			range: rangeOf(METH, 'priv->rx_write = 0;'),
			context: { diagnostics: [], only: ['quickfix'] },
		});
		assert.deepEqual(quiet, []);
	});

	test('source.fixAll.dma applies every preferred fix; the result has no findings of the fixed rules', async () => {
		const uri = freshUri();
		client.open(uri, METH, 1);
		await client.waitForDiagnostics(uri, (p) => p.version === 1);

		const fixable = new Set((await analyze(METH, { withFixes: true })).findings.filter((f) => f.fixes?.some((x) => x.isPreferred && x.edits.length)).map((f) => f.rule));
		assert.ok(fixable.has('unchecked-mapping') && fixable.has('unmap-missing-on-error'), [...fixable].join());

		for (const only of [['source.fixAll.dma'], ['source.fixAll'], ['source']]) {
			const actions = await client.request('textDocument/codeAction', { textDocument: { uri }, range: fullRange(METH), context: { diagnostics: [], only } });
			const fixAll = actions.filter((a) => a.kind === 'source.fixAll.dma');
			assert.equal(fixAll.length, 1, `only=${only}: one fix-all action`);
			assert.equal(actions.filter((a) => a.kind === 'quickfix').length, 0, `only=${only}: no quick fixes`);
		}
		const [fixAll] = (await client.request('textDocument/codeAction', { textDocument: { uri }, range: fullRange(METH), context: { diagnostics: [], only: ['source.fixAll.dma'] } }));
		const fixed = applyLspEdits(METH, fixAll.edit.changes[uri]);
		assert.notEqual(fixed, METH);
		const after = await analyze(fixed);
		for (const rule of fixable) assert.deepEqual(withRule(after.findings, rule), [], `${rule} fixed`);
		assert.match(fixed, /\t\tdma_unmap_single\(dev, dma, skb->len, DMA_TO_DEVICE\);\n\t\treturn -EBUSY;/);

		// The server agrees once the editor applies the edit, and fix-all has nothing more to do.
		client.change(uri, 2, [{ text: fixed }]);
		const v2 = await client.waitForDiagnostics(uri, (p) => p.version === 2);
		for (const rule of fixable) assert.deepEqual(withRule(v2.diagnostics, rule), [], `${rule} gone in the server`);
		const again = await client.request('textDocument/codeAction', { textDocument: { uri }, range: fullRange(fixed), context: { diagnostics: [], only: ['source.fixAll.dma'] } });
		assert.deepEqual(again, [], 'a second fix-all changes nothing');
	});

	test('source.fixAll.dma on the edited document (NULL device in the transmit path) leaves none of the fixed rules', async () => {
		// After the two edits of the test above: the receive ring is checked and
		// the transmit path maps with NULL although `dev` is in scope.
		const text = METH.replace(RX_MAP_END, `${RX_MAP_END}\n\t\tif (dma_mapping_error(NULL, priv->rx_ring_dmas[i]))\n\t\t\treturn -ENOMEM;`).replace(TX_MAP, 'dma = dma_map_single(NULL, skb->data');
		const uri = freshUri();
		client.open(uri, text, 1);
		const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
		const txLine = posOf(text, 'dma = dma_map_single(NULL').line;
		const txNull = withRule(pub.diagnostics, 'null-device').find((d) => d.range.start.line === txLine);
		assert.ok(txNull, 'null-device in the transmit path');

		// The NULL in the transmit path has a preferred quick fix: `dev`.
		const quick = await client.request('textDocument/codeAction', { textDocument: { uri }, range: txNull.range, context: { diagnostics: [txNull], only: ['quickfix'] } });
		const pref = quick.find((a) => a.isPreferred && a.diagnostics.some((d) => d.code === 'null-device'));
		assert.ok(pref, 'preferred null-device fix');
		assert.equal(applyLspEdits(text, pref.edit.changes[uri]).includes('dma = dma_map_single(dev, skb->data'), true);

		const [fixAll] = await client.request('textDocument/codeAction', { textDocument: { uri }, range: fullRange(text), context: { diagnostics: [], only: ['source.fixAll.dma'] } });
		assert.ok(fixAll);
		const fixed = applyLspEdits(text, fixAll.edit.changes[uri]);
		const after = await analyze(fixed);
		const afterTx = after.findings.filter((f) => f.range.start.line > posOf(fixed, 'static int meth_tx_queue_skb').line);
		assert.deepEqual(keysOf(withRule(afterTx, 'unmap-missing-on-error')), []);
		// Fix-all replaced the NULL device with `dev`; the unmap it inserted on the
		// error path must not bring the NULL device back.
		assert.deepEqual(keysOf(withRule(afterTx, 'null-device')), [], `transmit path after fix-all:\n${fixed.slice(fixed.indexOf('static int meth_tx_queue_skb'))}`);
	});

	test('hover on dma_map_single shows its signature and that the handle must be tested with dma_mapping_error()', async () => {
		const uri = freshUri();
		client.open(uri, METH, 1);
		await client.waitForDiagnostics(uri, (p) => p.version === 1);
		const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(METH, TX_MAP, 'dma = dma_map_'.length) });
		assert.ok(hover, 'hover');
		assert.equal(hover.contents.kind, 'markdown');
		const md = hover.contents.value;
		assert.match(md, /```c\ndma_addr_t dma_map_single\(struct device \*dev, void \*cpu_addr, size_t size, enum dma_data_direction dir\)\n```/);
		assert.match(md, /dma_mapping_error\(\)/);
		assert.match(md, /dma_unmap_single\(\)/);

		const constant = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(METH, 'DMA_FROM_DEVICE', 4) });
		assert.match(constant.contents.value, /DMA_FROM_DEVICE/);

		const plain = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(METH, 'skb_reserve', 3) });
		assert.equal(plain, null, 'no hover on a function that is not the DMA API and carries no finding');
	});

	test('hover on a diagnostic range explains the rule and links its page', async () => {
		const uri = freshUri();
		client.open(uri, METH, 1);
		await client.waitForDiagnostics(uri, (p) => p.version === 1);
		const leak = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(METH, TX_LEAK, 3) });
		assert.ok(leak, 'hover on the leaking return');
		const md = leak.contents.value;
		assert.match(md, /\*\*unmap-missing-on-error\*\*/);
		assert.match(md, /docs\/rules\/unmap-missing-on-error\.md\)/);
		const page = fs.readFileSync(path.join(ROOT, 'docs', 'rules', 'unmap-missing-on-error.md'), 'utf8');
		const firstLineOfWhatItFinds = page.split('## What it finds')[1].trim().split('\n')[0];
		assert.ok(md.includes(firstLineOfWhatItFinds.slice(0, 40)), 'the "What it finds" section of the rule page');

		const nullHover = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(METH, RX_MAP, 'dma_map_single(NU'.length) });
		assert.match(nullHover.contents.value, /\*\*null-device\*\*/);
	});

	describe('completion inside DMA calls', () => {
		const BODY = `#include <linux/dma-mapping.h>

static int foo_setup_ring(struct foo_priv *priv, struct sk_buff *skb)
{
	struct device *dev = &priv->pdev->dev;
	dma_addr_t ring_dma, buf_dma;
	void *ring;
	int ret;

	/*CURSOR*/
	return 0;
}
`;
		let uri;
		let version = 1;
		let current = BODY;

		before(async () => {
			uri = freshUri('foo');
			client.open(uri, BODY, version);
			await client.waitForDiagnostics(uri, (p) => p.version === version);
		});

		/** Types `typed` in place of the cursor marker and asks for completion at its end. */
		async function completeAfter(typed) {
			const doc = TextDocument.create(uri, 'c', version, current);
			const at = current.indexOf('/*CURSOR*/');
			const range = { start: doc.positionAt(at), end: doc.positionAt(at + '/*CURSOR*/'.length) };
			version++;
			client.change(uri, version, [{ range, text: typed }]);
			const after = TextDocument.update(doc, [{ range, text: typed }], version);
			const position = after.positionAt(at + typed.length);
			const items = await client.request('textDocument/completion', { textDocument: { uri }, position });
			// Put the marker back for the next case.
			const undo = { range: { start: range.start, end: position }, text: '/*CURSOR*/' };
			version++;
			client.change(uri, version, [undo]);
			current = TextDocument.update(after, [undo], version).getText();
			const list = Array.isArray(items) ? items : items?.items ?? [];
			return list.map((i) => i.label);
		}

		test('direction argument of dma_map_single offers DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL', async () => {
			const labels = await completeAfter('buf_dma = dma_map_single(dev, skb->data, skb->len, ');
			for (const d of ['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL']) assert.ok(labels.includes(d), `${d} in ${labels}`);
			assert.ok(!labels.includes('DMA_NONE'), 'DMA_NONE is not offered');
			assert.ok(!labels.includes('GFP_KERNEL'));
		});

		test('gfp argument of dma_alloc_coherent offers GFP flags', async () => {
			const labels = await completeAfter('ring = dma_alloc_coherent(dev, PAGE_SIZE, &ring_dma, ');
			for (const g of ['GFP_KERNEL', 'GFP_ATOMIC']) assert.ok(labels.includes(g), `${g} in ${labels}`);
			assert.ok(!labels.includes('DMA_TO_DEVICE'));
		});

		test('handle argument offers the dma_addr_t locals', async () => {
			const unmap = await completeAfter('dma_unmap_single(dev, ');
			assert.ok(unmap.includes('ring_dma') && unmap.includes('buf_dma'), `dma_addr_t locals in ${unmap}`);
			const alloc = await completeAfter('ring = dma_alloc_coherent(dev, PAGE_SIZE, ');
			assert.ok(alloc.includes('&ring_dma'), `&ring_dma (an out parameter) in ${alloc}`);
		});

		test('nothing outside DMA calls or in other arguments', async () => {
			assert.deepEqual(await completeAfter('memset(ring, '), []);
			assert.deepEqual(await completeAfter('buf_dma = dma_map_single('), []);
		});
	});
});

describe('rule settings', () => {
	test('a .dma-check.json in the workspace applies (levels, wrappers, ignored paths); editor settings override it; outside the workspace or untrusted it is not read', async () => {
		const ws = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'dma-lsp-config-'));
		fs.writeFileSync(path.join(ws, '.dma-check.json'), JSON.stringify({ rules: { 'null-device': 'off', 'unchecked-mapping': 'error' }, ignore: ['staging/**'], wrappers: { foo_map_buf: 'dma_map_single' } }));
		const wrapped = 'static int foo_send(struct foo_priv *priv, struct sk_buff *skb)\n{\n\tdma_addr_t dma;\n\n\tdma = foo_map_buf(priv->dev, skb->data, skb->len);\n\tfoo_post(priv, dma);\n\treturn 0;\n}\n';
		const uriIn = (rel) => require('node:url').pathToFileURL(path.join(ws, rel)).href;
		const open = async (client, uri, text) => {
			client.open(uri, text, 1);
			return (await client.waitForDiagnostics(uri, (p) => p.version === 1)).diagnostics;
		};
		const client = await startServer({ rootUri: uriIn('.'), extra: { workspaceFolders: [{ uri: uriIn('.'), name: 'ws' }] } });
		try {
			const meth = await open(client, uriIn('drivers/meth.c'), METH);
			assert.deepEqual(withRule(meth, 'null-device'), [], 'off in the project file');
			assert.equal(withRule(meth, 'unchecked-mapping')[0].severity, 1, 'error in the project file');
			assert.deepEqual(rulesOf(await open(client, uriIn('drivers/send.c'), wrapped)), ['unchecked-mapping'], 'the wrapper named in the project file is a map');
			assert.deepEqual(await open(client, uriIn('staging/meth.c'), METH), [], 'an ignored path has no diagnostics');
			assert.equal(withRule(await open(client, driverUri('drivers/outside/meth.c'), METH), 'null-device').length, 1, 'outside the workspace the file is not read');

			const uri = uriIn('drivers/meth.c');
			const before = client.diagnosticsFor(uri).length;
			client.notify('workspace/didChangeConfiguration', { settings: { dma: { rules: { 'unchecked-mapping': 'hint' } } } });
			const changed = await client.waitForDiagnostics(uri, (p) => client.diagnosticsFor(uri).indexOf(p) >= before);
			assert.equal(withRule(changed.diagnostics, 'unchecked-mapping')[0].severity, 4, 'the editor setting wins');
			assert.deepEqual(withRule(changed.diagnostics, 'null-device'), [], 'the project file still applies to the other rules');
		} finally {
			await client.shutdown();
		}
		const untrusted = await startServer({ rootUri: uriIn('.'), initializationOptions: { trusted: false }, extra: { workspaceFolders: [{ uri: uriIn('.'), name: 'ws' }] } });
		try {
			assert.equal(withRule(await open(untrusted, uriIn('drivers/meth.c'), METH), 'null-device').length, 1, 'the file of an untrusted workspace is not read');
		} finally {
			await untrusted.shutdown();
			fs.rmSync(ws, { recursive: true, force: true });
		}
	});

	test('initializationOptions.rules: off hides a rule, a level changes its severity', async () => {
		const client = await startServer({ initializationOptions: { rules: { 'null-device': 'off', 'unchecked-mapping': 'info' } } });
		try {
			const uri = freshUri();
			client.open(uri, METH, 1);
			const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
			assert.deepEqual(withRule(pub.diagnostics, 'null-device'), []);
			const unchecked = withRule(pub.diagnostics, 'unchecked-mapping');
			assert.equal(unchecked.length, 1);
			assert.equal(unchecked[0].severity, 3, 'info = Information');
			assert.equal(withRule(pub.diagnostics, 'unmap-missing-on-error').length, 1, 'other rules unaffected');
		} finally {
			await client.shutdown();
		}
	});

	test('workspace/didChangeConfiguration changes severities without a restart', async () => {
		const client = await startServer();
		try {
			const uri = freshUri();
			client.open(uri, METH, 1);
			const first = await client.waitForDiagnostics(uri, (p) => p.version === 1);
			assert.equal(withRule(first.diagnostics, 'unchecked-mapping')[0].severity, 2);
			assert.equal(withRule(first.diagnostics, 'null-device').length, 1);
			const before = client.diagnosticsFor(uri).length;

			client.notify('workspace/didChangeConfiguration', { settings: { dma: { rules: { 'unchecked-mapping': 'error', 'null-device': 'off' } } } });
			const changed = await client.waitForDiagnostics(uri, (p) => client.diagnosticsFor(uri).indexOf(p) >= before);
			assert.equal(changed.version, 1, 'same document version, new severities');
			assert.equal(withRule(changed.diagnostics, 'unchecked-mapping')[0].severity, 1);
			assert.deepEqual(withRule(changed.diagnostics, 'null-device'), []);

			// Back to the defaults.
			const before2 = client.diagnosticsFor(uri).length;
			client.notify('workspace/didChangeConfiguration', { settings: { dma: { rules: {} } } });
			const reset = await client.waitForDiagnostics(uri, (p) => client.diagnosticsFor(uri).indexOf(p) >= before2);
			assert.equal(withRule(reset.diagnostics, 'unchecked-mapping')[0].severity, 2);
			assert.equal(withRule(reset.diagnostics, 'null-device').length, 1);
		} finally {
			await client.shutdown();
		}
	});

	test('settings pulled with workspace/configuration apply to a document opened before the answer came', async () => {
		// A client that answers workspace/configuration slowly (as a busy editor may).
		const client = new LspClient({ configuration: { dma: { rules: { 'null-device': 'off' } } }, answerDelayMs: 300 }).start();
		try {
			await client.initialize({ workspaceConfiguration: true });
			const uri = freshUri();
			client.open(uri, METH, 1);
			await client.waitFor('a workspace/configuration request', () => client.serverRequests.find((r) => r.method === 'workspace/configuration'), 10000);
			const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1 && withRule(p.diagnostics, 'null-device').length === 0, 5000);
			assert.equal(withRule(pub.diagnostics, 'unchecked-mapping').length, 1);
		} finally {
			await client.shutdown();
		}
	});
});

describe('server lifecycle', () => {
	test('exits with code 0 after shutdown and exit', async () => {
		const client = await startServer();
		const uri = freshUri();
		client.open(uri, METH, 1);
		await client.waitForDiagnostics(uri, (p) => p.version === 1);
		const result = await client.request('shutdown', null);
		assert.equal(result, null);
		client.notify('exit', null);
		const exit = await client.waitForExit(5000);
		assert.deepEqual(exit, { code: 0, signal: null });
		assert.doesNotMatch(client.stderr, /Error|Unhandled/);
	});

	test('exits when the client closes stdin (client gone)', async () => {
		const client = await startServer();
		const uri = freshUri();
		client.open(uri, METH, 1);
		await client.waitForDiagnostics(uri, (p) => p.version === 1);
		client.proc.stdin.end();
		const exit = await client.waitForExit(5000);
		assert.equal(exit.signal, null, 'exited by itself, not killed');
		assert.equal(exit.code, 1, 'exit code 1: no shutdown request came first (LSP spec)');
	});

	test('dist/server.js --stdio is the same server', async () => {
		const client = await startServer({ command: path.join(ROOT, 'dist', 'server.js') });
		try {
			const uri = freshUri();
			client.open(uri, METH, 1);
			const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
			assert.ok(withRule(pub.diagnostics, 'unchecked-mapping').length === 1);
		} finally {
			const exit = await client.shutdown();
			assert.equal(exit.code, 0);
		}
	});

	test('bin/dma-language-server without a transport prints usage and exits 2', async () => {
		const { spawnSync } = require('node:child_process');
		const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'dma-language-server')], { encoding: 'utf8', timeout: 10000 });
		assert.equal(r.status, 2);
		assert.match(r.stderr, /Usage: dma-language-server --stdio/);
	});
});

'use strict';
// The language server against hostile or unusual clients, each case on a real
// server over stdio: malformed JSON-RPC, unknown methods, edits to documents
// that are not open or that reach past the end, huge and binary documents, a
// flood of keystrokes, and a client that disappears.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { TextDocument } = require('vscode-languageserver-textdocument');
const { LspClient, startServer, driverUri } = require('./helpers/lsp-client');
const core = require('../dist/core.js');

const FIXTURES = path.join(__dirname, 'fixtures');
const METH = fs.readFileSync(path.join(FIXTURES, 'null-device', 'pos-meth-rx-ring.c'), 'utf8');
const TX = fs.readFileSync(path.join(FIXTURES, 'unmap-missing-on-error', 'pos-tx-no-desc.c'), 'utf8');
const DOC = `${METH}\n${TX}`;

let n = 0;
const uriFor = (name) => driverUri(`drivers/net/ethernet/robust/${name}-${++n}.c`);
const keys = (list) => list.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.code ?? d.rule}`).sort();

/** Runs `fn` with a fresh, initialized server and always cleans up. */
async function withServer(fn, opts) {
	const client = await startServer(opts);
	try {
		return await fn(client);
	} finally {
		client.kill();
	}
}

/** The server still answers requests and still analyses documents. */
async function assertAlive(client) {
	const uri = uriFor('alive');
	client.open(uri, DOC, 1);
	const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
	assert.ok(pub.diagnostics.some((d) => d.code === 'null-device'), 'still analyses documents');
	const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(DOC, 'dma_map_single', 4) });
	assert.match(hover.contents.value, /dma_map_single/);
	assert.equal(client.exit, undefined, 'still running');
}

function posOf(text, needle, delta = 0) {
	const i = text.indexOf(needle);
	assert.ok(i >= 0, needle);
	return TextDocument.create('x', 'c', 0, text).positionAt(i + delta);
}

async function expectedFor(text, uri) {
	const r = await core.analyzeText(text, { path: decodeURIComponent(new URL(uri).pathname) });
	return keys(r.findings);
}

describe('malformed JSON-RPC', () => {
	test('a garbage body under a valid header is dropped; the server keeps going', async () => {
		await withServer(async (client) => {
			client.writeRaw(Buffer.from('Content-Length: 24\r\n\r\n{"jsonrpc":"2.0","id":1,'));
			client.writeRaw(Buffer.from('Content-Length: 4\r\n\r\n1234'));
			client.writeRaw(Buffer.from('Content-Length: 2\r\n\r\n[]'));
			client.writeRaw(Buffer.from('Content-Length: 28\r\n\r\n{"jsonrpc":"2.0","id":99999}'));
			await assertAlive(client);
			assert.deepEqual(client.protocolErrors, [], 'the server only sends well-framed JSON');
		});
	});

	const BAD_HEADERS = ['Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n', 'Content-Length: lots\r\n\r\n', 'this is not a header\r\n\r\n'];

	test('a bad header (no Content-Length, a non-numeric length, no colon) does not kill the server', async () => {
		await withServer(async (client) => {
			for (const bad of BAD_HEADERS) {
				client.writeRaw(Buffer.from(bad));
				await new Promise((r) => setTimeout(r, 100)); // its own read from the pipe
			}
			await assertAlive(client);
		});
	});

	test('a valid message that arrives in the same read as a bad header is still processed', async () => {
		const { frame } = require('./helpers/lsp-client');
		for (const bad of BAD_HEADERS) {
			await withServer(async (client) => {
				const uri = uriFor('after-bad-header');
				const open = frame({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'c', version: 1, text: METH } } });
				client.writeRaw(Buffer.concat([Buffer.from(bad), open]));
				// Nothing else is sent: the didOpen must not wait for more input.
				const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1, 5000).catch((e) => {
					throw new Error(`after ${JSON.stringify(bad)}, the didOpen in the same chunk was not processed: ${e.message}`);
				});
				assert.deepEqual(keys(pub.diagnostics), await expectedFor(METH, uri));
			});
		}
	});

	test('a message split into small chunks is reassembled', async () => {
		await withServer(async (client) => {
			const uri = uriFor('bytewise');
			const { frame } = require('./helpers/lsp-client');
			const bytes = frame({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'c', version: 1, text: METH } } });
			for (let i = 0; i < bytes.length; i += 97) client.writeRaw(bytes.subarray(i, i + 97));
			const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
			assert.deepEqual(keys(pub.diagnostics), await expectedFor(METH, uri));
		});
	});
});

describe('unknown methods', () => {
	test('an unknown request gets a MethodNotFound error response', async () => {
		await withServer(async (client) => {
			await assert.rejects(client.request('dma/doesNotExist', { x: 1 }), (e) => e.code === -32601);
			await assert.rejects(client.request('textDocument/semanticTokens/full', { textDocument: { uri: uriFor('x') } }), (e) => e.code === -32601);
			await assertAlive(client);
		});
	});

	test('an unknown notification is ignored', async () => {
		await withServer(async (client) => {
			client.notify('dma/doesNotExist', { x: 1 });
			client.notify('$/unknownProtocolThing', {});
			await assertAlive(client);
			assert.deepEqual(client.strayResponses, [], 'no response to a notification');
		});
	});
});

describe('edits the server did not expect', () => {
	test('didChange for a document that was never opened is ignored', async () => {
		await withServer(async (client) => {
			const uri = uriFor('never-opened');
			client.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'dma_map_single(NULL, p, 4, DMA_TO_DEVICE);' }]);
			client.change(uri, 3, [{ text: DOC }]);
			await assertAlive(client);
			assert.deepEqual(client.diagnosticsFor(uri), [], 'nothing published for a document that is not open');
			for (const [method, params, empty] of [
				['textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 3 } }, null],
				['textDocument/completion', { textDocument: { uri }, position: { line: 0, character: 3 } }, []],
				['textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } }, context: { diagnostics: [] } }, []],
			]) assert.deepEqual(await client.request(method, params), empty, method);
		});
	});

	test('an edit range past the end of the document is clamped, and analysis follows', async () => {
		await withServer(async (client) => {
			const uri = uriFor('past-end');
			let mirror = TextDocument.create(uri, 'c', 1, METH);
			client.open(uri, METH, 1);
			await client.waitForDiagnostics(uri, (p) => p.version === 1);
			const steps = [
				// Append a second mapping far past the last line.
				[{ range: { start: { line: 5000, character: 0 }, end: { line: 5000, character: 10 } }, text: '\nstatic void meth_rx_refill(struct meth_private *priv, int i)\n{\n\tpriv->rx_ring_dmas[i] = dma_map_single(NULL, priv->rx_ring[i], METH_RX_BUFF_SIZE, DMA_FROM_DEVICE);\n}\n' }],
				// A character past the end of an existing line.
				[{ range: { start: { line: 3, character: 400 }, end: { line: 3, character: 900 } }, text: ' /* clamped */' }],
				// A reversed range.
				[{ range: { start: { line: 2, character: 10 }, end: { line: 1, character: 0 } }, text: '' }],
			];
			let version = 1;
			for (const change of steps) {
				version++;
				mirror = TextDocument.update(mirror, change, version);
				client.change(uri, version, change);
				const v = version;
				const pub = await client.waitForDiagnostics(uri, (p) => p.version === v);
				assert.deepEqual(keys(pub.diagnostics), await expectedFor(mirror.getText(), uri), `version ${v}`);
			}
			assert.ok(keys((await client.waitForDiagnostics(uri, (p) => p.version === version)).diagnostics).some((k) => k.endsWith('null-device') && Number(k.split(':')[0]) > 40), 'the appended mapping is analysed');
			await assertAlive(client);
		});
	});
});

describe('documents that are not ordinary C', () => {
	test('a 50 MB document: no crash, no findings, memory bounded, still responsive', async () => {
		await withServer(async (client) => {
			const fn = TX.slice(TX.indexOf('static int foo_tx_queue_skb'));
			const parts = [TX.slice(0, TX.indexOf('static int foo_tx_queue_skb'))];
			let size = 0;
			for (let i = 0; size < 50 * 1024 * 1024; i++) {
				const s = fn.replace('foo_tx_queue_skb', `foo_tx_queue_skb_${i}`);
				parts.push(s);
				size += s.length;
			}
			const text = parts.join('');
			const uri = uriFor('huge');
			client.open(uri, text, 1);
			// Either empty diagnostics or a log message about the document.
			const outcome = await client.waitFor('diagnostics or a log message for the 50 MB document', () => {
				const pub = client.diagnosticsFor(uri).find((p) => p.version === 1);
				if (pub) return { pub };
				const log = client.logMessages().find((m) => m.includes(uri) || /too large|limit|skipp/i.test(m));
				return log ? { log } : undefined;
			}, 60000);
			if (outcome.pub) assert.deepEqual(outcome.pub.diagnostics, [], 'a 50 MB document is over the size limit: no findings');

			// An incremental edit to it, then a hover: the server is responsive.
			client.change(uri, 2, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '/* edited */\n' }]);
			const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(text, 'dma_map_single', 3) }, 30000);
			assert.ok(hover === null || typeof hover.contents.value === 'string');
			const rss = client.rss();
			if (rss !== undefined) assert.ok(rss < 800 * 1024 * 1024, `server RSS ${Math.round(rss / 1048576)} MB with a 50 MB document open`);

			// Closing it frees it: diagnostics cleared and the server still works.
			client.close(uri);
			await client.waitForDiagnostics(uri, (p) => p.version === undefined && p.diagnostics.length === 0);
			await assertAlive(client);
		});
	});

	test('a binary document (NUL bytes) is not analysed and breaks nothing', async () => {
		await withServer(async (client) => {
			const uri = uriFor('binary');
			const bytes = Buffer.alloc(4096);
			for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 256;
			const text = `${METH.slice(0, 600)}\u0000\u0000\u0001\u0002${bytes.toString('latin1')}${METH.slice(600)}`;
			client.open(uri, text, 1);
			const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
			assert.deepEqual(pub.diagnostics, []);
			const at = posOf(text, 'dma_map_single', 2);
			await client.request('textDocument/hover', { textDocument: { uri }, position: at });
			await client.request('textDocument/completion', { textDocument: { uri }, position: at });
			const actions = await client.request('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: at }, context: { diagnostics: [] } });
			assert.deepEqual(actions, []);
			// Removing the binary part makes it C again.
			client.change(uri, 2, [{ text: METH }]);
			const v2 = await client.waitForDiagnostics(uri, (p) => p.version === 2);
			assert.deepEqual(keys(v2.diagnostics), await expectedFor(METH, uri));
			await assertAlive(client);
		});
	});
});

describe('keystroke flood', () => {
	test('1,000 incremental changes within a second are coalesced; the last publish is the final version, and correct', async () => {
		await withServer(async (client) => {
			const uri = uriFor('flood');
			let mirror = TextDocument.create(uri, 'c', 1, DOC);
			client.open(uri, DOC, 1);
			await client.waitForDiagnostics(uri, (p) => p.version === 1);
			const startCount = client.diagnosticsFor(uri).length;

			// Type a new function at the end of the meth receive-ring function, with
			// typos corrected by backspace, one change per keystroke.
			const typed = '\nstatic void meth_rx_refill(struct meth_private *priv, int i)\n{\n\tpriv->rx_ring_dmas[i] = dma_map_single(NULL, priv->rx_ring[i],\n\t\t\t\t\t       METH_RX_BUFF_SIZE, DMA_FROM_DEVICE);\n\tmace->eth.rx_fifo = priv->rx_ring_dmas[i];\n}\n';
			const insertAt = METH.length; // between the two functions
			const textsByVersion = new Map([[1, DOC]]);
			const changes = [];
			let cursor = insertAt;
			let k = 0;
			while (changes.length < 1000) {
				const ch = typed[k % typed.length];
				k++;
				const pos = mirror.positionAt(cursor);
				const change = [{ range: { start: pos, end: pos }, text: ch }];
				mirror = TextDocument.update(mirror, change, mirror.version + 1);
				changes.push(change);
				textsByVersion.set(mirror.version, mirror.getText());
				cursor++;
				if (k % 9 === 0 && changes.length < 999) {
					// A typo and its backspace.
					const p1 = mirror.positionAt(cursor);
					const typo = [{ range: { start: p1, end: p1 }, text: 'x' }];
					mirror = TextDocument.update(mirror, typo, mirror.version + 1);
					changes.push(typo);
					textsByVersion.set(mirror.version, mirror.getText());
					const p2 = mirror.positionAt(cursor + 1);
					const back = [{ range: { start: p1, end: p2 }, text: '' }];
					mirror = TextDocument.update(mirror, back, mirror.version + 1);
					changes.push(back);
					textsByVersion.set(mirror.version, mirror.getText());
				}
			}
			const finalVersion = 1 + changes.length;
			assert.equal(mirror.version, finalVersion);

			// Ten bursts of 100 keystrokes, 50 ms apart: about half a second in all
			// (more on a loaded machine; nothing here depends on the exact timing).
			for (let b = 0; b < 10; b++) {
				for (let i = b * 100; i < (b + 1) * 100 && i < changes.length; i++) client.change(uri, i + 2, changes[i]);
				if (b < 9) await new Promise((r) => setTimeout(r, 50));
			}

			const last = await client.waitForDiagnostics(uri, (p) => p.version === finalVersion);
			// Give a stale publish the chance to arrive after the final one, then check there was none.
			await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
			await new Promise((r) => setTimeout(r, 100));
			const pubs = client.diagnosticsFor(uri).slice(startCount);
			assert.equal(pubs[pubs.length - 1].version, finalVersion, 'nothing older is published after the final version');
			assert.ok(pubs.length <= 50, `${pubs.length} publishes for ${changes.length} changes: coalesced`);
			const versions = pubs.map((p) => p.version);
			assert.deepEqual([...versions].sort((a, b) => a - b), versions, 'versions only move forward');

			assert.deepEqual(keys(last.diagnostics), await expectedFor(mirror.getText(), uri), 'final diagnostics match a fresh analysis of the final text');
			assert.ok(last.diagnostics.filter((d) => d.code === 'null-device').length >= 2, 'the typed mapping is reported');
			// Every intermediate publish matches the text of its version too.
			for (const p of pubs) assert.deepEqual(keys(p.diagnostics), await expectedFor(textsByVersion.get(p.version), uri), `version ${p.version}`);
		});
	});
});

describe('client disconnect', () => {
	test('the server exits within a few seconds when the pipe is closed', async () => {
		const client = await startServer();
		try {
			const uri = uriFor('disconnect');
			client.open(uri, DOC, 1);
			await client.waitForDiagnostics(uri, (p) => p.version === 1);
			// Kill the pipe from our side, mid-conversation: no shutdown, no exit.
			client.writeRaw(Buffer.from('Content-Length: 500\r\n\r\n{"jsonrpc":"2.0",'));
			client.proc.stdin.destroy();
			client.proc.stdout.destroy();
			const exit = await client.waitForExit(5000);
			assert.equal(exit.signal, null, 'exited by itself');
			assert.notEqual(exit.code, null);
		} finally {
			client.kill();
		}
	});

	test('the server exits when the client process (initialize processId) dies', async () => {
		const parent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
		const client = new LspClient().start();
		try {
			await client.initialize({ processId: parent.pid });
			const uri = uriFor('orphan');
			client.open(uri, DOC, 1);
			await client.waitForDiagnostics(uri, (p) => p.version === 1);
			parent.kill('SIGKILL');
			// The watchdog polls every 3 s.
			const exit = await client.waitForExit(10000);
			assert.equal(exit.signal, null, 'exited by itself');
		} finally {
			parent.kill('SIGKILL');
			client.kill();
		}
	});
});

describe('awkward documents', () => {
	// The same inputs the CLI is tested with: each gives findings or nothing,
	// and the server answers the next request.
	const body = METH.slice(METH.indexOf('static'));
	const cases = {
		'an empty document': '',
		'a document of 100,000 lines': `${body}\n${'int filler_line;\n'.repeat(100000)}`,
		'unbalanced braces': `${body}\n}}}\nstatic int broken(void)\n{\n\tif (x) {\n\t\tdma_map_single(NULL, p, 4, DMA_TO_DEVICE);\n`,
		'text decoded from Latin-1 (bytes that are not UTF-8)': `/* Copyright \u00a9 J\u00f6rg M\u00fcller, \u00ff\u00fe */\n${body}`,
	};
	for (const [name, text] of Object.entries(cases)) {
		test(`${name}: diagnostics are published and the server stays responsive`, async () => {
			await withServer(async (client) => {
				const uri = uriFor('awkward');
				client.open(uri, text);
				const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
				assert.ok(Array.isArray(pub.diagnostics));
				const expected = (await core.analyzeText(text, { path: new URL(uri).pathname })).findings.length;
				assert.equal(pub.diagnostics.length, expected);
				const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
				assert.ok(hover === null || typeof hover === 'object');
			});
		});
	}
});

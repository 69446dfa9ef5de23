'use strict';
// Quiet stretches (server/src/analysis/lifecycle.ts): a handle crosses a run
// of plain top-level statements that do not concern it in one step, using a
// summary shared by every handle. The walk must find exactly what it finds
// without them. DMA_CHECK_STRETCHES=off turns them off, =all uses them (and
// the shared statement index) in every function, not only the large ones.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const core = require('../dist/core.js');
const { generateBigFunction } = require('../bench/run.js');

const FIXTURES = path.join(__dirname, 'fixtures');

async function findingsWith(mode, text, file) {
	const before = process.env.DMA_CHECK_STRETCHES;
	process.env.DMA_CHECK_STRETCHES = mode;
	try {
		const r = await core.analyzeText(text, { path: file, withFixes: true });
		return JSON.stringify(r.findings.map((f) => ({ ...f, fixes: f.fixes?.map((x) => x.edits) })));
	} finally {
		if (before === undefined) delete process.env.DMA_CHECK_STRETCHES;
		else process.env.DMA_CHECK_STRETCHES = before;
	}
}

test('every rule fixture: the same findings, paths and fixes with quiet stretches in every function as without', async () => {
	let files = 0;
	for (const rule of fs.readdirSync(FIXTURES)) {
		const dir = path.join(FIXTURES, rule);
		if (!fs.statSync(dir).isDirectory()) continue;
		for (const name of fs.readdirSync(dir)) {
			if (!name.endsWith('.c') || name.endsWith('.fixed.c')) continue;
			const text = fs.readFileSync(path.join(dir, name), 'utf8');
			const file = `drivers/fixtures/${rule}/${name}`;
			assert.equal(await findingsWith('all', text, file), await findingsWith('off', text, file), `${rule}/${name}`);
			files++;
		}
	}
	assert.ok(files > 300, `${files} fixtures`);
});

test('a large generated function with leaks in its ladder: the same findings with stretches as without', async () => {
	// 200 checked maps and a 20-label ladder; two ladder unmaps removed, so two
	// handles leak on every error path that reaches the ladder above them.
	let text = generateBigFunction(2000, 20);
	for (const k of [57, 133]) {
		const line = `\tdma_unmap_single(dev, priv->h[${k}], BIG_BUF_SIZE, DMA_TO_DEVICE);\n`;
		const at = text.lastIndexOf(line);
		assert.ok(at > 0, `the ladder unmaps h[${k}]`);
		text = text.slice(0, at) + text.slice(at + line.length);
	}
	const off = await findingsWith('off', text, 'drivers/x/big.c');
	const on = await findingsWith('', text, 'drivers/x/big.c');
	const all = await findingsWith('all', text, 'drivers/x/big.c');
	const leaks = JSON.parse(off).filter((f) => f.rule === 'unmap-missing-on-error');
	assert.ok(leaks.length >= 2, `leaks found: ${leaks.length}`);
	assert.equal(on, off, 'default mode (stretches in this large function)');
	assert.equal(all, off, 'stretches everywhere');
});

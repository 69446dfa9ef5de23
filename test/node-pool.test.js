'use strict';
// A one-shot FileAnalyzer (dma-check's) takes the node objects of its trees
// from a pool and hands them out again at the next analysis (NodePool in
// server/src/tree.ts). A reused object is another node: nothing of one
// analysis may leak into the next through it. These tests analyse many
// files in a row with one such analyzer and hold each result to a fresh
// analysis of the same file.

const { describe, test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const core = require('../dist/core.js');
const { KERNEL, dmaFilesUnder } = require('./helpers/kernel');

const FIXTURES = path.join(__dirname, 'fixtures');

function fixtureTexts() {
	const out = [];
	for (const rule of fs.readdirSync(FIXTURES).sort()) {
		const dir = path.join(FIXTURES, rule);
		if (!fs.statSync(dir).isDirectory()) continue;
		for (const name of fs.readdirSync(dir).sort()) if (name.endsWith('.c')) out.push({ name: `${rule}/${name}`, text: fs.readFileSync(path.join(dir, name), 'utf8') });
	}
	return out;
}

/** Findings as comparable text: rule, range, message and the related steps. */
function summary(result) {
	return result.findings.map((f) => `${f.rule} ${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character} ${f.message} | ${f.related.map((r) => `${r.range.start.line}:${r.message}`).join(' ; ')}`);
}

describe('node pool', () => {
	let parser;
	before(async () => {
		parser = await core.CParser.get();
	});

	test('one one-shot analyzer over every fixture, twice in different orders, finds what a fresh analyzer finds in each', () => {
		const files = fixtureTexts();
		assert.ok(files.length > 100, `${files.length} fixtures`);
		const expected = new Map(files.map((f) => [f.name, summary(new core.FileAnalyzer(parser).analyze(f.text, { path: f.name }))]));
		const pooled = new core.FileAnalyzer(parser, { oneShot: true });
		let withFindings = 0;
		for (const order of [files, files.slice().reverse()]) {
			for (const f of order) {
				const got = summary(pooled.analyze(f.text, { path: f.name }));
				assert.deepEqual(got, expected.get(f.name), f.name);
				if (got.length) withFindings++;
			}
		}
		assert.ok(withFindings > 100, `${withFindings} analyses with findings`);
	});

	test('kernel files in a row, each after a larger one, give the findings of a fresh analysis', (t) => {
		const dirs = ['drivers/scsi/qla2xxx', 'drivers/net/ethernet/broadcom', 'drivers/net/ethernet/amd'].map((d) => dmaFilesUnder(d, /\.c$/));
		if (dirs.some((d) => !d)) {
			t.skip(`the Linux 6.1 sources are not unpacked at ${KERNEL}`);
			return;
		}
		const texts = dirs.flat().map((f) => ({ name: f.rel, text: f.text }));
		// Large then small: the small file's nodes are objects the large one used.
		texts.sort((a, b) => b.text.length - a.text.length);
		const pooled = new core.FileAnalyzer(parser, { oneShot: true });
		let findings = 0;
		for (const f of texts) {
			const got = summary(pooled.analyze(f.text, { path: f.name }));
			assert.deepEqual(got, summary(new core.FileAnalyzer(parser, { oneShot: true }).analyze(f.text, { path: f.name })), f.name);
			findings += got.length;
		}
		assert.ok(findings > 0, 'some findings compared');
	});

	test('a rewound pool gives the same objects again, made into new nodes', () => {
		const pool = new core.NodePool();
		const text = 'static int f(void)\n{\n\treturn 0;\n}\n';
		const tree = parser.parse(text);
		try {
			const first = parser.copy(tree, text, pool);
			const objects = first.subtree();
			pool.rewind();
			const second = parser.copy(tree, text, pool);
			assert.deepEqual(second.subtree(), objects);
			assert.equal(second, first);
			const fresh = parser.copy(tree, text);
			const shape = (n) => n.subtree().map((x) => `${x.id}|${x.type}|${x.startIndex}-${x.endIndex}|${x.field}|${x.index}|${x.last}|${x.children.length}|${x.parent ? x.parent.id : 0}|${x.isNamed}|${x.isMissing}`);
			assert.deepEqual(shape(second), shape(fresh));
			assert.notEqual(fresh, first);
		} finally {
			tree.delete();
		}
	});
});

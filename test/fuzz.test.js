'use strict';
// Property tests of the analysis core on mangled driver code: the rule
// fixtures and the example drivers, cut, shuffled and stretched. Whatever the
// input, analyzeText (with fixes) resolves, every range it returns is inside
// the document, the edits of one fix never overlap, and applying the
// preferred fixes works. Reproduce a failure with FUZZ_SEED=<seed> (printed
// by fast-check) and, for the path, the `path` in the counterexample.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const fc = require('fast-check');
const core = require('../dist/core.js');

const FIXTURES = path.join(__dirname, 'fixtures');
const EXAMPLES = path.join(__dirname, '..', 'examples');

function loadSeeds() {
	const seeds = [];
	for (const rule of fs.readdirSync(FIXTURES).sort()) {
		const dir = path.join(FIXTURES, rule);
		if (!fs.statSync(dir).isDirectory()) continue;
		for (const name of fs.readdirSync(dir).sort()) {
			if (/\.[ch]$/.test(name) && !/\.fixed\.[ch]$/.test(name)) seeds.push({ name: `${rule}/${name}`, text: fs.readFileSync(path.join(dir, name), 'utf8') });
		}
	}
	if (fs.existsSync(EXAMPLES)) {
		for (const name of fs.readdirSync(EXAMPLES).sort()) {
			if (/\.[ch]$/.test(name)) seeds.push({ name: `examples/${name}`, text: fs.readFileSync(path.join(EXAMPLES, name), 'utf8') });
		}
	}
	return seeds;
}

const SEEDS = loadSeeds();
const SEED_TEXTS = SEEDS.map((s) => s.text);
const PATHS = ['drivers/net/ethernet/foo/foo_main.c', 'drivers/iommu/foo-iommu.c', 'sound/pci/foo.c', 'kernel/dma/foo.c', ''];

const fcParams = (numRuns, extra = {}) => ({
	numRuns,
	...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
	...extra,
});

// ---------------------------------------------------------------------------
// Invariants

/** Line contents as the LSP sees them (split at \n; a \r before it is not part of the line). */
function lineLengths(text) {
	return text.split('\n').map((l) => (l.endsWith('\r') ? l.length - 1 : l.length));
}

function lineStarts(text) {
	const starts = [0];
	for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
	return starts;
}

function checkPosition(lens, p, what) {
	assert.ok(p && Number.isInteger(p.line) && Number.isInteger(p.character), `${what}: not a position: ${JSON.stringify(p)}`);
	assert.ok(p.line >= 0 && p.line < lens.length, `${what}: line ${p.line} outside the document (${lens.length} lines)`);
	assert.ok(p.character >= 0 && p.character <= lens[p.line], `${what}: character ${p.character} outside line ${p.line} (length ${lens[p.line]})`);
}

function checkRange(lens, r, what) {
	checkPosition(lens, r.start, `${what} start`);
	checkPosition(lens, r.end, `${what} end`);
	assert.ok(r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character), `${what}: start after end: ${JSON.stringify(r)}`);
}

/** Every finding, related location and fix edit is inside the document; a fix's edits do not overlap. */
function checkResult(text, result) {
	assert.ok(result && Array.isArray(result.findings) && Array.isArray(result.failures));
	const lens = lineLengths(text);
	const starts = lineStarts(text);
	const offset = (p) => starts[p.line] + p.character;
	for (const f of result.findings) {
		assert.equal(typeof f.rule, 'string');
		assert.ok(['error', 'warning', 'information', 'hint'].includes(f.severity), f.severity);
		assert.equal(typeof f.message, 'string');
		checkRange(lens, f.range, `${f.rule} range`);
		for (const r of f.related) checkRange(lens, r.range, `${f.rule} related "${r.message}"`);
		for (const fix of f.fixes ?? []) {
			assert.equal(typeof fix.title, 'string');
			assert.equal(typeof fix.isPreferred, 'boolean');
			for (const e of fix.edits) {
				checkRange(lens, e.range, `${f.rule} fix "${fix.title}" edit`);
				assert.equal(typeof e.newText, 'string');
			}
			const spans = fix.edits.map((e) => ({ s: offset(e.range.start), e: offset(e.range.end) })).sort((a, b) => a.s - b.s || a.e - b.e);
			for (let i = 1; i < spans.length; i++) {
				const a = spans[i - 1];
				const b = spans[i];
				const bothInsertsAtOnePoint = a.s === a.e && b.s === b.e && a.s === b.s;
				assert.ok(a.e <= b.s || bothInsertsAtOnePoint, `${f.rule} fix "${fix.title}": edits overlap at offsets ${a.s}-${a.e} and ${b.s}-${b.e}`);
			}
			// One fix on its own applies cleanly.
			assert.equal(typeof core.applyEdits(text, fix.edits), 'string');
		}
	}
	const preferredCount = result.findings.filter((f) => f.fixes?.some((x) => x.isPreferred)).length;
	assert.ok(result.findings.every((f) => (f.fixes ?? []).filter((x) => x.isPreferred).length <= 1), 'at most one preferred fix per finding');
	return preferredCount;
}

/** analyzeText with fixes, the invariants, applyFixes, and a re-analysis of the fixed text. */
async function analyzeAndCheck(text, filePath) {
	const result = await core.analyzeText(text, { path: filePath, withFixes: true });
	checkResult(text, result);
	const { text: fixed, applied } = core.applyFixes(text, result.findings);
	assert.equal(typeof fixed, 'string');
	assert.ok(Array.isArray(applied));
	if (fixed !== text) {
		const again = await core.analyzeText(fixed, { path: filePath, withFixes: true });
		checkResult(fixed, again);
		assert.deepEqual(again.failures, [], 'internal failures after fixing');
	}
	assert.deepEqual(result.failures, [], `internal failures (a rule threw on this input): ${JSON.stringify(result.failures)}`);
	return result;
}

// ---------------------------------------------------------------------------
// Mutations of realistic driver code

const CALL_WITH_ARGS = /\b([A-Za-z_]\w*)\s*\(([^()]*,[^()]*)\)/g;
const IDENT = /\b[A-Za-z_]\w*\b/g;
const TOKENS = ['NULL', '0', '-1', 'DMA_NONE', 'DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL', 'GFP_KERNEL', 'GFP_ATOMIC', 'dev', '&pdev->dev', 'sizeof(*p)', 'dma_map_single', 'dma_unmap_single', 'dma_free_coherent', 'dma_alloc_coherent', 'dma_mapping_error', 'goto', 'return', 'err_out', 'kfree', 'spin_lock', 'for_each_sg', '__iomem', 'container_of(p, struct foo, list)'];
const FRAGMENTS = ['{', '}', '(', ')', '{{{', '}}}', '/*', '*/', '"', "'", '\\', '#if 0\n', '#endif\n', '#define X(a) {\n', '\n}\n', ';', ',', 'goto err;', 'err:\n', 'case 1:', 'default:', 'else', '->', '?', ':', '[', ']', '\r', '\r\n', '\t', '\u0000', '\uD800', '\uDFFF', '\uFEFF', '\u2028', '\u00e9'];

/** Any UTF-16 code units, lone surrogates, NUL and control characters included. */
const rawChars = fc.oneof(
	fc.string({ unit: 'binary', maxLength: 24 }),
	fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 24 }).map((a) => String.fromCharCode(...a)),
	fc.array(fc.integer({ min: 0, max: 0x7f }), { maxLength: 24 }).map((a) => String.fromCharCode(...a)),
);

/** DMA API words, C punctuation and junk in random order: reaches the parser and the rules. */
const tokenSoup = fc
	.array(fc.oneof(fc.constantFrom(...TOKENS), fc.constantFrom(...FRAGMENTS), fc.constantFrom(' ', '\n', '\t', 'static int f(void)\n{\n', '\n}\n', 'dma_addr_t h;', 'x = '), rawChars), { maxLength: 200 })
	.map((parts) => parts.join(''));

const mutation = fc.oneof(
	fc.record({ t: fc.constant('deleteLines'), at: fc.nat(), count: fc.integer({ min: 1, max: 6 }) }),
	fc.record({ t: fc.constant('swapArgs'), at: fc.nat(), i: fc.nat(), j: fc.nat() }),
	fc.record({ t: fc.constant('truncate'), at: fc.nat() }),
	fc.record({ t: fc.constant('insert'), at: fc.nat(), s: fc.constantFrom(...FRAGMENTS) }),
	fc.record({ t: fc.constant('insert'), at: fc.nat(), s: rawChars }),
	fc.record({ t: fc.constant('replaceIdent'), at: fc.nat(), s: fc.constantFrom(...TOKENS) }),
	fc.record({ t: fc.constant('duplicateLines'), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
	fc.record({ t: fc.constant('deleteChars'), at: fc.nat(), count: fc.integer({ min: 1, max: 40 }) }),
	fc.record({ t: fc.constant('crlf') }),
);

function applyMutation(text, m) {
	switch (m.t) {
		case 'deleteLines': {
			const lines = text.split('\n');
			const at = m.at % lines.length;
			lines.splice(at, m.count);
			return lines.join('\n');
		}
		case 'duplicateLines': {
			const lines = text.split('\n');
			const at = m.at % lines.length;
			lines.splice(at, 0, ...lines.slice(at, at + m.count));
			return lines.join('\n');
		}
		case 'swapArgs': {
			const calls = [...text.matchAll(CALL_WITH_ARGS)];
			if (!calls.length) return text;
			const c = calls[m.at % calls.length];
			const args = c[2].split(',');
			const i = m.i % args.length;
			const j = m.j % args.length;
			[args[i], args[j]] = [args[j], args[i]];
			const start = c.index + c[0].indexOf('(') + 1;
			return text.slice(0, start) + args.join(',') + text.slice(start + c[2].length);
		}
		case 'truncate':
			return text.slice(0, m.at % (text.length + 1));
		case 'insert': {
			const at = m.at % (text.length + 1);
			return text.slice(0, at) + m.s + text.slice(at);
		}
		case 'deleteChars': {
			const at = m.at % (text.length + 1);
			return text.slice(0, at) + text.slice(at + m.count);
		}
		case 'replaceIdent': {
			const ids = [...text.matchAll(IDENT)];
			if (!ids.length) return text;
			const id = ids[m.at % ids.length];
			return text.slice(0, id.index) + m.s + text.slice(id.index + id[0].length);
		}
		case 'crlf':
			return text.replace(/\r?\n/g, '\r\n');
		default:
			throw new Error(`unknown mutation ${m.t}`);
	}
}

const mutatedDriver = fc
	.record({
		seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
		ops: fc.array(mutation, { minLength: 1, maxLength: 4 }),
		path: fc.constantFrom(...PATHS),
	})
	.map(({ seed, ops, path: p }) => ({ seedName: SEEDS[seed].name, ops, path: p, text: ops.reduce(applyMutation, SEED_TEXTS[seed]) }));

// ---------------------------------------------------------------------------
// Structural extremes

/** The body of the first function definition of a seed: [header+open, body, close]. */
function splitFirstFunction(text) {
	const m = /\n(\w[^;{}]*\)\s*)\n\{\n/.exec(text);
	if (!m) return undefined;
	const open = m.index + m[0].length;
	const close = text.indexOf('\n}\n', open);
	if (close < 0) return undefined;
	return [text.slice(0, open), text.slice(open, close + 1), text.slice(close + 1)];
}

const NESTERS = {
	if: (i, ind) => [`${ind}if (likely(priv->state & BIT(${i % 32}))) {`, `${ind}}`],
	for: (i, ind) => [`${ind}for (j${i % 4} = 0; j${i % 4} < n; j${i % 4}++) {`, `${ind}}`],
	while: (i, ind) => [`${ind}while (budget-- > ${i % 7}) {`, `${ind}}`],
	do: (_i, ind) => [`${ind}do {`, `${ind}} while (0);`],
	block: (_i, ind) => [`${ind}{`, `${ind}}`],
	switch: (i, ind) => [`${ind}switch (op) {\n${ind}case ${i}: {`, `${ind}}\n${ind}}`],
	else: (i, ind) => [`${ind}if (!priv) {\n${ind}\treturn -ENODEV;\n${ind}} else {`, `${ind}}`],
};

/** A seed function whose body is wrapped in `depth` nested kernel-style blocks. */
function nestFunction(seedText, depth, kinds) {
	const parts = splitFirstFunction(seedText);
	if (!parts) return undefined;
	const [head, body, tail] = parts;
	const opens = [];
	const closes = [];
	for (let i = 0; i < depth; i++) {
		const ind = '\t'.repeat(i + 1);
		const [o, c] = NESTERS[kinds[i % kinds.length]](i, ind);
		opens.push(o);
		closes.unshift(c);
	}
	const inner = '\t'.repeat(depth);
	const indented = body.split('\n').map((l) => (l ? inner + l : l)).join('\n');
	return `${head}${opens.join('\n')}\n${indented}${closes.join('\n')}\n${tail}`;
}

/** A command dispatcher with `cases` cases around a streaming mapping and an unwind ladder. */
function bigSwitch(cases, leakEvery) {
	const out = [
		'static int foo_exec_cmd(struct foo_dev *fdev, struct foo_cmd *cmd, int op)',
		'{',
		'\tstruct device *dev = &fdev->pdev->dev;',
		'\tdma_addr_t dma;',
		'\tint ret = 0;',
		'',
		'\tdma = dma_map_single(dev, cmd->buf, cmd->len, DMA_TO_DEVICE);',
		'\tif (dma_mapping_error(dev, dma))',
		'\t\treturn -ENOMEM;',
		'',
		'\tswitch (op) {',
	];
	for (let i = 0; i < cases; i++) {
		out.push(`\tcase FOO_OP_${i}:`);
		if (leakEvery && i % leakEvery === leakEvery - 1) out.push(`\t\tif (!foo_ready(fdev, ${i}))`, '\t\t\treturn -EBUSY;');
		else if (i % 3 === 0) out.push(`\t\tret = foo_submit(fdev, dma, ${i});`, '\t\tif (ret)', '\t\t\tgoto err_unmap;');
		out.push('\t\tbreak;');
	}
	out.push('\tdefault:', '\t\tret = -EINVAL;', '\t\tgoto err_unmap;', '\t}', '', '\treturn 0;', '', 'err_unmap:', '\tdma_unmap_single(dev, dma, cmd->len, DMA_TO_DEVICE);', '\treturn ret;', '}', '');
	return out.join('\n');
}

/** A driver function with one line of about `bytes` characters, in one of several shapes. */
function longLine(shape, bytes) {
	const n = Math.max(1, Math.floor(bytes / 8));
	const items = (sep) => Array.from({ length: n }, (_, i) => `v${i % 997}`).join(sep);
	const map = (sizeExpr) => `\tdma = dma_map_single(NULL, buf, ${sizeExpr}, DMA_TO_DEVICE);\n\twritel(lower_32_bits(dma), regs + FOO_DMA_ADDR);\n`;
	const head = 'static int foo_load_table(struct foo_dev *fdev, void *buf, size_t len)\n{\n\tdma_addr_t dma;\n';
	switch (shape) {
		case 'string':
			return `${head}\tstatic const char banner[] = "${'x'.repeat(bytes)}";\n\n${map('len')}\treturn 0;\n}\n`;
		case 'comment':
			return `${head}\t/* ${'y'.repeat(bytes)} */\n${map('len')}\treturn 0;\n}\n`;
		case 'initializer':
			return `${head}\tstatic const u32 tbl[] = { ${items(', ')} };\n\n${map('sizeof(tbl)')}\treturn 0;\n}\n`;
		case 'call-args':
			return `${head}\tfoo_write_regs(fdev, ${items(', ')});\n${map('len')}\treturn 0;\n}\n`;
		case 'sum':
			return `${head}${map(items(' + '))}\treturn 0;\n}\n`;
		case 'statements':
			return `${head}${Array.from({ length: n / 2 }, (_, i) => `v${i} = ${i};`).join(' ')}\n${map('len')}\treturn 0;\n}\n`;
		default:
			throw new Error(shape);
	}
}

// ---------------------------------------------------------------------------

describe('analysis core under random mutation of driver code', () => {
	test('seeds load', () => {
		assert.ok(SEEDS.length > 50, `${SEEDS.length} seed files`);
	});

	test('unmodified seeds satisfy the invariants', async () => {
		for (const s of SEEDS) {
			try {
				await analyzeAndCheck(s.text, `drivers/fixtures/${s.name}`);
			} catch (e) {
				e.message = `${s.name}: ${e.message}`;
				throw e;
			}
		}
	});

	test('regression: a mutation that reaches the free of an adjusted pointer in two states gets one edit per place', async () => {
		// Found by this suite: the function header repeated and `if (!buf)eturn -ENOMEM;`
		// made the free's argument appear twice in the keep-the-original fix.
		const seed = SEEDS.find((s) => s.name === 'adjusted-coherent-pointer/pos-cmd-header-plus-equals.c');
		assert.ok(seed, 'seed fixture present');
		const lines = seed.text.split('\n');
		const text = [...lines.slice(0, 12), ...lines.slice(4, 12), ...lines.slice(12)].join('\n').replace('if (!buf)\n\t\treturn -ENOMEM;', 'if (!buf)eturn -ENOMEM;');
		assert.notEqual(text, seed.text, 'the mutation applies');
		await analyzeAndCheck(text, 'drivers/fixtures/adjusted-coherent-pointer/duplicated-adjustment.c');
	});

	test('regression: a pci_* call whose device argument is a PCI_DMA_* direction gets one edit for it', async () => {
		// Found by this suite: swapping the arguments of pci_unmap_page() put the direction first,
		// and the fix rewrote it twice (as the device and as a direction).
		const seed = SEEDS.find((s) => s.name === 'deprecated-api/pos-map-page-sync.c');
		assert.ok(seed, 'seed fixture present');
		const from = 'pci_unmap_page(np->pci_dev, np->rx_dma[i], PAGE_SIZE, PCI_DMA_FROMDEVICE)';
		assert.ok(seed.text.includes(from), 'the call to swap is in the seed');
		const text = seed.text.replace(from, 'pci_unmap_page(PCI_DMA_FROMDEVICE, np->rx_dma[i], PAGE_SIZE, np->pci_dev)');
		await analyzeAndCheck(text, 'drivers/fixtures/deprecated-api/swapped-device-and-direction.c');
	});

	test('mutated drivers: analyzeText never throws, ranges and fix edits stay inside the document, edits do not overlap, applyFixes works', async () => {
		await fc.assert(
			fc.asyncProperty(mutatedDriver, async (c) => {
				await analyzeAndCheck(c.text, c.path);
			}),
			fcParams(400),
		);
	});

	test('random text, random bytes and DMA token soup never throw', async () => {
		await fc.assert(
			fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ maxLength: 400 }), rawChars, tokenSoup), async (text) => {
				await analyzeAndCheck(text, 'drivers/misc/random.c');
			}),
			fcParams(150),
		);
	});

	test('deeply nested blocks (up to 600 levels) around a seed function', async () => {
		const nestable = SEEDS.filter((s) => splitFirstFunction(s.text));
		await fc.assert(
			fc.asyncProperty(
				fc.integer({ min: 0, max: nestable.length - 1 }),
				fc.integer({ min: 1, max: 600 }),
				fc.array(fc.constantFrom(...Object.keys(NESTERS)), { minLength: 1, maxLength: 3 }),
				async (seed, depth, kinds) => {
					const text = nestFunction(nestable[seed].text, depth, kinds);
					await analyzeAndCheck(text, 'drivers/net/foo.c');
				},
			),
			fcParams(12, { examples: [[0, 500, ['if']], [1, 500, ['block', 'for', 'switch']]] }),
		);
	});

	test('nesting does not hide findings: a NULL-device mapping 500 blocks deep is still reported', async () => {
		const meth = SEEDS.find((s) => s.name === 'null-device/pos-meth-rx-ring.c');
		assert.ok(meth);
		for (const kinds of [['if'], ['block'], ['for', 'while'], ['do'], ['else']]) {
			const text = nestFunction(meth.text, 500, kinds);
			const r = await analyzeAndCheck(text, 'drivers/net/ethernet/sgi/meth.c');
			assert.ok(r.findings.some((f) => f.rule === 'null-device'), `${kinds}: null-device found 500 levels deep: ${r.findings.map((f) => f.rule)}`);
		}
	});

	test('a switch with up to 10,000 cases', async () => {
		// Random sizes up to 2,000 cases with leaking returns; the 10,000-case
		// dispatcher runs once, as an example (its analysis is the slow part).
		await fc.assert(
			fc.asyncProperty(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 50 }), async (cases, leakEvery) => {
				const text = bigSwitch(cases, leakEvery);
				const r = await analyzeAndCheck(text, 'drivers/misc/foo_cmd.c');
				if (leakEvery && cases >= leakEvery) assert.ok(r.findings.some((f) => f.rule === 'unmap-missing-on-error'), 'the leaking case is found');
				else assert.deepEqual(r.findings.map((f) => f.rule), [], 'a dispatcher that unwinds correctly has no findings');
			}),
			fcParams(4, { examples: [[10000, 0]] }),
		);
	});

	test('very long lines (100 KB) of several shapes', async () => {
		const shapes = ['string', 'comment', 'initializer', 'call-args', 'statements'];
		await fc.assert(
			fc.asyncProperty(fc.constantFrom(...shapes), fc.integer({ min: 1000, max: 100 * 1024 }), async (shape, bytes) => {
				const r = await analyzeAndCheck(longLine(shape, bytes), 'drivers/misc/foo_table.c');
				assert.ok(r.findings.some((f) => f.rule === 'null-device'), `${shape}: the NULL-device mapping after the long line is found`);
			}),
			fcParams(5, { examples: shapes.map((s) => [s, 100 * 1024]) }),
		);
	});

	test('a 100 KB arithmetic expression as a DMA call argument', async () => {
		// A long `a + b + ...` is a left-deep tree about 12,800 levels deep.
		const r = await analyzeAndCheck(longLine('sum', 100 * 1024), 'drivers/misc/foo_table.c');
		assert.ok(r.findings.some((f) => f.rule === 'null-device'));
	});
});

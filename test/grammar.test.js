'use strict';

// Tokenises driver code with the DMA injection grammar the way VS Code does:
// vscode-textmate on the oniguruma wasm, the injection offered to source.c and
// source.cpp through getInjections (what `injectTo` does in package.json).
// VS Code's own C grammar is not available offline, so the base grammars here
// are small stand-ins with the scopes the injection selector cares about:
// comments, strings, and a function-call rule that competes with the
// injection for the same identifiers.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const INJECTION_PATH = path.join(__dirname, '..', 'syntaxes', 'dma.injection.tmLanguage.json');
const INJECTION_SCOPE = 'source.c.dma-injection';

const SCOPE = {
	fn: 'support.function.dma.c',
	deprecated: 'invalid.deprecated.dma.c',
	direction: 'constant.language.dma-direction.c',
	gfp: 'constant.language.gfp.c',
	constant: 'constant.language.dma.c',
	type: 'storage.type.dma.c',
};
const DMA_SCOPES = new Set(Object.values(SCOPE));

function baseGrammar(scopeName, suffix) {
	return {
		scopeName,
		patterns: [
			{ include: '#comments' },
			{ include: '#strings' },
			{ include: '#function-calls' },
		],
		repository: {
			comments: {
				patterns: [
					{ name: `comment.block.${suffix}`, begin: '/\\*', end: '\\*/' },
					{ name: `comment.line.double-slash.${suffix}`, match: '//.*$' },
				],
			},
			strings: {
				patterns: [
					{
						name: `string.quoted.double.${suffix}`,
						begin: '"',
						end: '"',
						patterns: [{ name: `constant.character.escape.${suffix}`, match: '\\\\.' }],
					},
					{
						name: `string.quoted.single.${suffix}`,
						begin: "'",
						end: "'",
						patterns: [{ name: `constant.character.escape.${suffix}`, match: '\\\\.' }],
					},
				],
			},
			'function-calls': {
				match: '\\b[A-Za-z_]\\w*(?=\\s*\\()',
				name: `entity.name.function.${suffix}`,
			},
		},
	};
}

const BASE_GRAMMARS = {
	'source.c': baseGrammar('source.c', 'c'),
	'source.cpp': baseGrammar('source.cpp', 'cpp'),
	'source.rust': baseGrammar('source.rust', 'rust'),
};

let onigLibPromise;
function onigLib() {
	if (!onigLibPromise) {
		const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
		onigLibPromise = oniguruma.loadWASM(wasm).then(() => ({
			createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
			createOnigString: (s) => new oniguruma.OnigString(s),
		}));
	}
	return onigLibPromise;
}

function createRegistry(injectInto) {
	return new vsctm.Registry({
		onigLib: onigLib(),
		loadGrammar: async (scopeName) => {
			if (scopeName === INJECTION_SCOPE) {
				return vsctm.parseRawGrammar(fs.readFileSync(INJECTION_PATH, 'utf8'), INJECTION_PATH);
			}
			const base = BASE_GRAMMARS[scopeName];
			return base ? vsctm.parseRawGrammar(JSON.stringify(base), `${scopeName}.json`) : null;
		},
		getInjections: (scopeName) => (injectInto.includes(scopeName) ? [INJECTION_SCOPE] : undefined),
	});
}

const grammars = new Map();
async function grammarFor(scopeName) {
	if (!grammars.has(scopeName)) {
		const registry = createRegistry(['source.c', 'source.cpp']);
		grammars.set(scopeName, await registry.loadGrammar(scopeName));
	}
	return grammars.get(scopeName);
}

/** Tokenises lines in sequence; returns, per line, its tokens with their text. */
function tokenize(grammar, lines) {
	let state = vsctm.INITIAL;
	return lines.map((line) => {
		const result = grammar.tokenizeLine(line, state);
		state = result.ruleStack;
		return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes, start: t.startIndex }));
	});
}

/** Scopes of the token that is exactly `word` (its `nth` occurrence on the line). */
function scopesOfWord(tokens, word, nth = 0) {
	const matches = tokens.filter((t) => t.text === word);
	assert.ok(matches.length > nth, `no token "${word}" in [${tokens.map((t) => JSON.stringify(t.text)).join(', ')}]`);
	return matches[nth].scopes;
}

/** Scopes at every character of the `nth` occurrence of `text` in `line`. */
function scopesOfText(line, tokens, text, nth = 0) {
	let at = -1;
	for (let i = 0; i <= nth; i++) {
		at = line.indexOf(text, at + 1);
		assert.ok(at >= 0, `"${text}" not found in ${JSON.stringify(line)}`);
	}
	const scopes = new Set();
	for (const token of tokens) {
		const end = token.start + token.text.length;
		if (token.start < at + text.length && end > at) token.scopes.forEach((s) => scopes.add(s));
	}
	return [...scopes];
}

function assertNoDmaScope(scopes, what) {
	const hit = scopes.filter((s) => DMA_SCOPES.has(s));
	assert.deepEqual(hit, [], `${what} must not get a DMA scope, got ${JSON.stringify(scopes)}`);
}

const FUNCTIONS = [
	'dma_map_single', 'dma_map_page', 'dma_map_resource', 'dma_map_sg', 'dma_map_sgtable',
	'dma_map_single_attrs', 'dma_map_page_attrs', 'dma_map_sg_attrs',
	'dma_unmap_single', 'dma_unmap_page', 'dma_unmap_resource', 'dma_unmap_sg', 'dma_unmap_sgtable',
	'dma_unmap_single_attrs', 'dma_unmap_page_attrs', 'dma_unmap_sg_attrs',
	'dma_mapping_error',
	'dma_alloc_coherent', 'dma_alloc_attrs', 'dma_alloc_wc', 'dma_alloc_noncoherent', 'dma_alloc_pages',
	'dmam_alloc_coherent', 'dmam_alloc_attrs',
	'dma_free_coherent', 'dma_free_attrs', 'dma_free_wc', 'dma_free_noncoherent', 'dma_free_pages',
	'dmam_free_coherent',
	'dma_pool_create', 'dma_pool_alloc', 'dma_pool_zalloc', 'dma_pool_free', 'dma_pool_destroy',
	'dmam_pool_create', 'dmam_pool_destroy',
	'dma_sync_single_for_cpu', 'dma_sync_single_for_device',
	'dma_sync_single_range_for_cpu', 'dma_sync_single_range_for_device',
	'dma_sync_sg_for_cpu', 'dma_sync_sg_for_device',
	'dma_sync_sgtable_for_cpu', 'dma_sync_sgtable_for_device',
	'dma_set_mask', 'dma_set_coherent_mask', 'dma_set_mask_and_coherent', 'dma_coerce_mask_and_coherent',
];

const DEPRECATED_FUNCTIONS = [
	'pci_map_single', 'pci_unmap_single', 'pci_map_page', 'pci_unmap_page', 'pci_map_sg', 'pci_unmap_sg',
	'pci_alloc_consistent', 'pci_zalloc_consistent', 'pci_free_consistent',
	'pci_set_dma_mask', 'pci_set_consistent_dma_mask', 'pci_dma_mapping_error',
	'pci_dma_sync_single_for_cpu', 'pci_dma_sync_single_for_device',
	'pci_dma_sync_sg_for_cpu', 'pci_dma_sync_sg_for_device',
	'dma_zalloc_coherent',
];

const GFP_FLAGS = [
	'GFP_KERNEL', 'GFP_ATOMIC', 'GFP_NOWAIT', 'GFP_NOIO', 'GFP_NOFS', 'GFP_DMA', 'GFP_DMA32',
	'__GFP_ZERO', '__GFP_NOWARN', '__GFP_RETRY_MAYFAIL', 'GFP_USER', 'GFP_HIGHUSER',
];

test('the grammar file declares its scope and an injection selector that skips comments and strings', () => {
	const raw = JSON.parse(fs.readFileSync(INJECTION_PATH, 'utf8'));
	assert.equal(raw.scopeName, INJECTION_SCOPE);
	assert.equal(raw.injectionSelector, 'L:source.c -comment -string, L:source.cpp -comment -string');
});

for (const scopeName of ['source.c', 'source.cpp']) {
	test(`${scopeName}: a streaming map, its check and its unmap`, async () => {
		const grammar = await grammarFor(scopeName);
		const lines = [
			'\tdma = dma_map_single(dev, buf, len, DMA_TO_DEVICE);',
			'\tif (dma_mapping_error(dev, dma))',
			'\t\treturn -ENOMEM;',
			'\tdma_unmap_single(dev, dma, len, DMA_BIDIRECTIONAL);',
		];
		const [map, check, ret, unmap] = tokenize(grammar, lines);

		assert.deepEqual(scopesOfWord(map, 'dma_map_single'), [scopeName, SCOPE.fn]);
		assert.deepEqual(scopesOfWord(map, 'DMA_TO_DEVICE'), [scopeName, SCOPE.direction]);
		assertNoDmaScope(scopesOfText(lines[0], map, 'dma', 0), 'the variable `dma`');
		assertNoDmaScope(scopesOfText(lines[0], map, 'buf'), 'the argument `buf`');
		assert.deepEqual(scopesOfWord(check, 'dma_mapping_error'), [scopeName, SCOPE.fn]);
		ret.forEach((t) => assertNoDmaScope(t.scopes, JSON.stringify(t.text)));
		assert.deepEqual(scopesOfWord(unmap, 'dma_unmap_single'), [scopeName, SCOPE.fn]);
		assert.deepEqual(scopesOfWord(unmap, 'DMA_BIDIRECTIONAL'), [scopeName, SCOPE.direction]);
	});

	test(`${scopeName}: the injection wins over the base grammar's function-call rule`, async () => {
		const grammar = await grammarFor(scopeName);
		const line = '\tdev_err(dev, "failed\\n"); dma_pool_destroy(pool);';
		const [tokens] = tokenize(grammar, [line]);
		const suffix = scopeName.slice('source.'.length);
		assert.deepEqual(scopesOfWord(tokens, 'dev_err'), [scopeName, `entity.name.function.${suffix}`]);
		assert.deepEqual(scopesOfWord(tokens, 'dma_pool_destroy'), [scopeName, SCOPE.fn]);
	});

	test(`${scopeName}: coherent allocation with GFP flags, dma_addr_t and DMA_* constants`, async () => {
		const grammar = await grammarFor(scopeName);
		const lines = [
			'\tdma_addr_t rx_ring_dma;',
			'\tpriv->rx_ring = dma_alloc_coherent(dev, RX_RING_BYTES, &priv->rx_ring_dma, GFP_KERNEL | __GFP_NOWARN);',
			'\tret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));',
			'\tif (addr == DMA_MAPPING_ERROR)',
			'\tcpu = dma_alloc_attrs(dev, size, &handle, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING | DMA_ATTR_WRITE_COMBINE);',
		];
		const [decl, alloc, mask, cmp, attrs] = tokenize(grammar, lines);

		assert.deepEqual(scopesOfWord(decl, 'dma_addr_t'), [scopeName, SCOPE.type]);
		assertNoDmaScope(scopesOfText(lines[0], decl, 'rx_ring_dma'), 'the field name `rx_ring_dma`');
		assert.deepEqual(scopesOfWord(alloc, 'dma_alloc_coherent'), [scopeName, SCOPE.fn]);
		assert.deepEqual(scopesOfWord(alloc, 'GFP_KERNEL'), [scopeName, SCOPE.gfp]);
		assert.deepEqual(scopesOfWord(alloc, '__GFP_NOWARN'), [scopeName, SCOPE.gfp]);
		assertNoDmaScope(scopesOfText(lines[1], alloc, 'RX_RING_BYTES'), 'RX_RING_BYTES');
		assert.deepEqual(scopesOfWord(mask, 'dma_set_mask_and_coherent'), [scopeName, SCOPE.fn]);
		assert.deepEqual(scopesOfWord(mask, 'DMA_BIT_MASK'), [scopeName, SCOPE.constant]);
		assert.deepEqual(scopesOfWord(cmp, 'DMA_MAPPING_ERROR'), [scopeName, SCOPE.constant]);
		assert.deepEqual(scopesOfWord(attrs, 'DMA_ATTR_NO_KERNEL_MAPPING'), [scopeName, SCOPE.constant]);
		assert.deepEqual(scopesOfWord(attrs, 'DMA_ATTR_WRITE_COMBINE'), [scopeName, SCOPE.constant]);
	});

	test(`${scopeName}: deprecated pci_* wrappers and PCI_DMA_* constants`, async () => {
		const grammar = await grammarFor(scopeName);
		const lines = [
			'\tmapping = pci_map_single(pdev, skb->data, len, PCI_DMA_TODEVICE);',
			'\tring = dma_zalloc_coherent(&pdev->dev, size, &ring_dma, GFP_KERNEL);',
			'\tpci_unmap_sg(pdev, sglist, nents, PCI_DMA_FROMDEVICE);',
		];
		const [map, zalloc, unmap] = tokenize(grammar, lines);

		assert.deepEqual(scopesOfWord(map, 'pci_map_single'), [scopeName, SCOPE.fn, SCOPE.deprecated]);
		assert.ok(scopesOfWord(map, 'PCI_DMA_TODEVICE').includes(SCOPE.deprecated));
		assert.deepEqual(scopesOfWord(zalloc, 'dma_zalloc_coherent'), [scopeName, SCOPE.fn, SCOPE.deprecated]);
		assert.deepEqual(scopesOfWord(unmap, 'pci_unmap_sg'), [scopeName, SCOPE.fn, SCOPE.deprecated]);
		assert.ok(scopesOfWord(unmap, 'PCI_DMA_FROMDEVICE').includes(SCOPE.deprecated));
	});

	test(`${scopeName}: every catalogued name gets its scope`, async () => {
		const grammar = await grammarFor(scopeName);
		const cases = [
			...FUNCTIONS.map((name) => [name, `\t${name}(dev);`, [scopeName, SCOPE.fn]]),
			...DEPRECATED_FUNCTIONS.map((name) => [name, `\t${name}(pdev);`, [scopeName, SCOPE.fn, SCOPE.deprecated]]),
			...GFP_FLAGS.map((name) => [name, `\tgfp = ${name};`, [scopeName, SCOPE.gfp]]),
			...['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL', 'DMA_NONE']
				.map((name) => [name, `\tdir = ${name};`, [scopeName, SCOPE.direction]]),
		];
		for (const [name, line, expected] of cases) {
			const [tokens] = tokenize(grammar, [line]);
			assert.deepEqual(scopesOfWord(tokens, name), expected, name);
		}
	});

	test(`${scopeName}: names inside comments are not DMA-scoped`, async () => {
		const grammar = await grammarFor(scopeName);
		const lines = [
			'\t/* dma_map_single(dev, buf, len, DMA_TO_DEVICE) with GFP_KERNEL */',
			'\t// dma_addr_t from dma_alloc_coherent, see DMA_BIT_MASK(32)',
			'\t/* unmap with the original nents: dma_unmap_sg(dev, sgl,',
			'\t * nents, DMA_FROM_DEVICE) */ dma_unmap_sg(dev, sgl, nents, DMA_FROM_DEVICE);',
		];
		const [block, line, open, close] = tokenize(grammar, lines);

		for (const word of ['dma_map_single', 'DMA_TO_DEVICE', 'GFP_KERNEL']) {
			assertNoDmaScope(scopesOfText(lines[0], block, word), `${word} in a block comment`);
		}
		for (const word of ['dma_addr_t', 'dma_alloc_coherent', 'DMA_BIT_MASK']) {
			assertNoDmaScope(scopesOfText(lines[1], line, word), `${word} in a line comment`);
		}
		assertNoDmaScope(scopesOfText(lines[2], open, 'dma_unmap_sg'), 'dma_unmap_sg in a comment');
		assertNoDmaScope(scopesOfText(lines[3], close, 'DMA_FROM_DEVICE', 0), 'DMA_FROM_DEVICE on a continued comment line');
		assert.ok(scopesOfText(lines[3], close, 'DMA_FROM_DEVICE', 0).some((s) => s.startsWith('comment.block')));

		// After the comment closes, the same line is code again.
		assert.deepEqual(scopesOfWord(close, 'dma_unmap_sg'), [scopeName, SCOPE.fn]);
		assert.deepEqual(scopesOfWord(close, 'DMA_FROM_DEVICE'), [scopeName, SCOPE.direction]);
	});

	test(`${scopeName}: names inside strings are not DMA-scoped`, async () => {
		const grammar = await grammarFor(scopeName);
		const lines = [
			'\tdev_err(dev, "dma_map_single failed (DMA_TO_DEVICE, GFP_ATOMIC)\\n");',
			'\tpr_info("dma_addr_t %pad\\n", &dma); dma_sync_single_for_cpu(dev, dma, len, DMA_FROM_DEVICE);',
			"\tc = 'x'; dma_pool_free(pool, desc, desc_dma);",
		];
		const [err, info, chr] = tokenize(grammar, lines);

		for (const word of ['dma_map_single', 'DMA_TO_DEVICE', 'GFP_ATOMIC']) {
			const scopes = scopesOfText(lines[0], err, word);
			assertNoDmaScope(scopes, `${word} in a string`);
			assert.ok(scopes.some((s) => s.startsWith('string.quoted.double')));
		}
		assertNoDmaScope(scopesOfText(lines[1], info, 'dma_addr_t'), 'dma_addr_t in a string');
		assert.deepEqual(scopesOfWord(info, 'dma_sync_single_for_cpu'), [scopeName, SCOPE.fn]);
		assert.deepEqual(scopesOfWord(info, 'DMA_FROM_DEVICE'), [scopeName, SCOPE.direction]);
		assert.deepEqual(scopesOfWord(chr, 'dma_pool_free'), [scopeName, SCOPE.fn]);
	});

	test(`${scopeName}: identifiers that merely contain a DMA name are not matched`, async () => {
		const grammar = await grammarFor(scopeName);
		const words = [
			'my_dma_map_single_x', 'dma_map_single_x', 'xdma_map_single', '__dma_map_single',
			'dma_alloc_coherent2', 'my_dma_addr_t', 'dma_addr_type',
			'DMA_TO_DEVICE_MASK', 'MY_DMA_FROM_DEVICE', 'XGFP_KERNEL', 'GFP_KERNELS', '__GFP_ZEROED',
			'DMA_BIT_MASKS', 'PCI_DMA_TODEVICES', 'old_pci_map_single',
		];
		for (const word of words) {
			const line = `\tret = ${word}(dev, ${word});`;
			const [tokens] = tokenize(grammar, [line]);
			assertNoDmaScope(scopesOfText(line, tokens, word, 0), word);
			assertNoDmaScope(scopesOfText(line, tokens, word, 1), word);
		}
	});
}

test('the injection selector keeps the grammar out of other languages', async () => {
	// Offer the injection to a non-C grammar too: only the selector stands in the way.
	const registry = createRegistry(['source.c', 'source.rust']);
	const grammar = await registry.loadGrammar('source.rust');
	const line = '\tdma_map_single(dev, buf, len, DMA_TO_DEVICE, GFP_KERNEL);';
	const [tokens] = tokenize(grammar, [line]);
	tokens.forEach((t) => assertNoDmaScope(t.scopes, JSON.stringify(t.text)));
});

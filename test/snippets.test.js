'use strict';

// Structural checks of snippets/dma.code-snippets.json: the file VS Code
// loads, the placeholder syntax, kernel layout, and that each snippet is the
// idiom it claims to be (map/unmap with the same arguments, the sg unmap with
// the original nents, ...). A separate test analyses wrapInDriver() output.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const {
	SNIPPETS_PATH, loadSnippets, bodyText, parseSnippet, walk, expandSnippet, wrapInDriver,
} = require('./helpers/snippets');

const REQUIRED_PREFIXES = [
	'dma-alloc-coherent',
	'dma-map-single',
	'dma-map-page',
	'dma-map-sg',
	'dma-map-sgtable',
	'dma-sync-single',
	'dma-pool',
	'dma-set-mask',
	'dma-managed-alloc-coherent',
	'dma-probe-remove',
];

const DIRECTIONS = ['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL'];
const GFP_CHOICES = ['GFP_KERNEL', 'GFP_ATOMIC'];
const TAB_WIDTH = 8;
const MAX_COLUMNS = 80;

const snippets = Object.entries(loadSnippets()).map(([name, snippet]) => ({ name, ...snippet }));
const byPrefix = new Map(snippets.map((s) => [s.prefix, s]));
const isTopLevel = (snippet) => /^static\s/.test(bodyText(snippet.body));

function expanded(prefix, pickChoice) {
	return expandSnippet(byPrefix.get(prefix).body, pickChoice);
}

function columns(line) {
	let col = 0;
	for (const ch of line) col = ch === '\t' ? (Math.floor(col / TAB_WIDTH) + 1) * TAB_WIDTH : col + 1;
	return col;
}

/** Drops string and character literals, so that only code is looked at. */
function codeOnly(text) {
	return text.replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, '""');
}

/** The argument lists (trimmed source text) of every call of `fn` in `text`. */
function callsOf(text, fn) {
	const calls = [];
	const re = new RegExp(`\\b${fn}\\s*\\(`, 'g');
	let m;
	while ((m = re.exec(text))) {
		const args = [];
		let depth = 0;
		let current = '';
		for (let i = m.index + m[0].length; i < text.length; i++) {
			const ch = text[i];
			if (ch === '(') depth++;
			if (ch === ')' && depth-- === 0) break;
			if (ch === ',' && depth === 0) {
				args.push(current.trim());
				current = '';
			} else {
				current += ch;
			}
		}
		args.push(current.trim());
		calls.push(args.map((a) => a.replace(/\s+/g, ' ')));
	}
	return calls;
}

function onlyCall(text, fn) {
	const calls = callsOf(text, fn);
	assert.equal(calls.length, 1, `expected one call of ${fn}, found ${calls.length}`);
	return calls[0];
}

/** The variable a call's result is assigned to: `x = fn(`. */
function assignedFrom(text, fn) {
	const m = new RegExp(`([\\w>.-]+)\\s*=\\s*${fn}\\s*\\(`).exec(text);
	assert.ok(m, `the result of ${fn} is not assigned`);
	return m[1];
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('the snippet file is valid JSON: an object of { prefix, body, description }', () => {
	const raw = JSON.parse(fs.readFileSync(SNIPPETS_PATH, 'utf8'));
	assert.equal(typeof raw, 'object');
	assert.ok(!Array.isArray(raw));
	for (const [name, snippet] of Object.entries(raw)) {
		assert.deepEqual(Object.keys(snippet).sort(), ['body', 'description', 'prefix'], name);
		assert.equal(typeof snippet.prefix, 'string', name);
		assert.match(snippet.prefix, /^dma-[a-z0-9-]+$/, name);
		assert.ok(Array.isArray(snippet.body) && snippet.body.length > 0, name);
		snippet.body.forEach((line) => assert.equal(typeof line, 'string', name));
		assert.ok(typeof snippet.description === 'string' && snippet.description.length > 20, name);
	}
});

test('every required idiom has a snippet, and prefixes are unique', () => {
	for (const prefix of REQUIRED_PREFIXES) assert.ok(byPrefix.has(prefix), `missing snippet "${prefix}"`);
	assert.equal(byPrefix.size, snippets.length, 'duplicate prefix');
});

for (const snippet of snippets) {
	const { prefix, body } = snippet;

	test(`${prefix}: indentation is tabs only, no trailing whitespace`, () => {
		body.forEach((line, i) => {
			assert.doesNotMatch(line, /^\t* /, `line ${i + 1} indents with spaces: ${JSON.stringify(line)}`);
			assert.doesNotMatch(line, /[ \t]$/, `line ${i + 1} has trailing whitespace: ${JSON.stringify(line)}`);
			assert.doesNotMatch(line, /\n|\r/, `line ${i + 1} embeds a line break; use one array element per line`);
		});
	});

	test(`${prefix}: placeholders are well-formed and numbered 1..n with one final $0`, () => {
		const nodes = parseSnippet(body);
		const definitions = new Map();
		const used = new Set();
		let finals = 0;
		walk(nodes, (node) => {
			if (node.type === 'text') return;
			if (node.index === 0) {
				finals++;
				assert.equal(node.type === 'tabstop' && node.children.length, 0, '$0 takes no default');
				return;
			}
			used.add(node.index);
			if (node.type === 'choice') {
				assert.ok(node.options.length >= 2, `choice $${node.index} needs two options`);
				assert.equal(new Set(node.options).size, node.options.length, `choice $${node.index} repeats an option`);
			}
			if (node.type === 'choice' || node.children.length > 0) {
				assert.ok(!definitions.has(node.index), `$${node.index} has two defaults; VS Code uses only the first`);
				definitions.set(node.index, node);
			}
		});
		assert.equal(finals, 1, 'exactly one $0 places the cursor at the end');
		const indices = [...used].sort((a, b) => a - b);
		assert.deepEqual(indices, indices.map((_, i) => i + 1), 'tab stops must be numbered 1..n without gaps');
		for (const index of indices) assert.ok(definitions.has(index), `$${index} has no default text or choice`);
	});

	test(`${prefix}: choices offer the directions and the GFP flags`, () => {
		walk(parseSnippet(body), (node) => {
			if (node.type !== 'choice') return;
			if (node.options.some((o) => o.startsWith('DMA_'))) {
				assert.deepEqual([...node.options].sort(), [...DIRECTIONS].sort(), 'direction choice');
			} else if (node.options.some((o) => o.includes('GFP_'))) {
				assert.deepEqual(node.options, GFP_CHOICES, 'GFP choice, GFP_KERNEL first');
			} else {
				assert.fail(`unexpected choice ${node.options.join(',')}`);
			}
		});
	});

	test(`${prefix}: the error variable is a placeholder defaulting to ret`, () => {
		const nodes = parseSnippet(body);
		for (const node of nodes.filter((n) => n.type === 'text')) {
			assert.doesNotMatch(codeOnly(node.value), /\bret\b/, `literal "ret" in ${JSON.stringify(node.value)}`);
		}
		let retPlaceholder = false;
		walk(nodes, (node) => {
			if (node.type === 'tabstop' && node.children.length === 1 && node.children[0].value === 'ret') {
				retPlaceholder = true;
			}
		});
		if (/\bret\b/.test(expandSnippet(body))) assert.ok(retPlaceholder, 'ret must come from a ${n:ret} placeholder');
	});

	test(`${prefix}: expanded, it reads as kernel code`, () => {
		const indent = isTopLevel(snippet) ? '' : '\t';
		for (const pick of [(o) => o[0], (o) => o.reduce((a, b) => (b.length > a.length ? b : a))]) {
			const lines = expandSnippet(body, pick).split('\n');
			lines.forEach((line, i) => {
				assert.doesNotMatch(line, /^\s+[A-Za-z_]\w*:\s*$/, `label not in column 0 at line ${i + 1}`);
				assert.doesNotMatch(line, /\$|\\\}/, `unexpanded snippet syntax at line ${i + 1}`);
				const width = columns(indent + line);
				assert.ok(width <= MAX_COLUMNS, `line ${i + 1} is ${width} columns: ${JSON.stringify(line)}`);
			});
			const code = codeOnly(lines.join('\n'));
			for (const [open, close] of [['(', ')'], ['{', '}'], ['[', ']']]) {
				assert.equal(code.split(open).length, code.split(close).length, `unbalanced ${open}${close}`);
			}
			for (const [, label] of code.matchAll(/\bgoto\s+(\w+)\s*;/g)) {
				assert.match(code, new RegExp(`^${label}:$`, 'm'), `goto ${label} has no label`);
			}
			assert.doesNotMatch(code, /\bDMA_NONE\b|\bPCI_DMA_|\bpci_\w+\(|\bdma_zalloc_coherent\b/);
		}
	});
}

test('expandSnippet: defaults, first choices, mirrors, empty $n and $0, escapes', () => {
	assert.equal(expandSnippet(['${1:dma} = f(${2|A,B|});', 'g($1, $2);$0']), 'dma = f(A);\ng(dma, A);');
	assert.equal(expandSnippet('$1 = ${1:x};'), 'x = x;', 'a bare mirror before the default gets the default');
	assert.equal(expandSnippet('a${3}b${4:${5:c}d}$5'), 'abcdc', 'nested defaults and mirrors of nested ones');
	assert.equal(expandSnippet('dev_err(dev, "x\\n"); \\$1 \\}'), 'dev_err(dev, "x\\n"); $1 }');
	assert.equal(expandSnippet('${1|a,b|}', (options) => options[1]), 'b');
	for (const bad of ['${1:oops', '${1|a,b}', '$x', '${name}', 'a $ b', '${0|a,b|}']) {
		assert.throws(() => parseSnippet(bad), SyntaxError, bad);
	}
});

test('dma-alloc-coherent: NULL check, and the free on the unwind path matches the allocation', () => {
	const text = expanded('dma-alloc-coherent');
	const [dev, size, handleRef, gfp] = onlyCall(text, 'dma_alloc_coherent');
	const cpu = assignedFrom(text, 'dma_alloc_coherent');
	assert.equal(gfp, 'GFP_KERNEL');
	assert.match(text, new RegExp(`if \\(!${escape(cpu)}\\)\\n\\treturn -ENOMEM;`));
	assert.deepEqual(onlyCall(text, 'dma_free_coherent'), [dev, size, cpu, handleRef.replace(/^&/, '')]);
	const label = /goto (\w+);/.exec(text)[1];
	assert.ok(text.indexOf(`${label}:\ndma_free_coherent(`) > text.indexOf('return 0;'), 'the free is on the unwind path only');
	assert.doesNotMatch(text, /\bmemset\b/);
});

for (const [prefix, map, unmap] of [['dma-map-single', 'dma_map_single', 'dma_unmap_single'], ['dma-map-page', 'dma_map_page', 'dma_unmap_page']]) {
	test(`${prefix}: checked with dma_mapping_error, unmapped with the same size and direction`, () => {
		for (const direction of DIRECTIONS) {
			const text = expanded(prefix, () => direction);
			const args = onlyCall(text, map);
			const handle = assignedFrom(text, map);
			const [dev, size, dir] = [args[0], args[args.length - 2], args[args.length - 1]];
			assert.equal(dir, direction);
			assert.deepEqual(onlyCall(text, 'dma_mapping_error'), [dev, handle]);
			assert.match(text, /if \(dma_mapping_error\([^)]*\)\)\n\treturn -ENOMEM;/);
			assert.deepEqual(onlyCall(text, unmap), [dev, handle, size, dir]);
			assert.ok(text.indexOf(unmap) > text.indexOf('dma_mapping_error'));
		}
	});
}

test('dma-map-sg: count checked for 0, for_each_sg over the count, unmap with the original nents', () => {
	const text = expanded('dma-map-sg');
	const [dev, sgl, nents, dir] = onlyCall(text, 'dma_map_sg');
	const count = assignedFrom(text, 'dma_map_sg');
	assert.notEqual(count, nents);
	assert.match(text, new RegExp(`if \\(!${count}\\)\\n\\treturn -ENOMEM;`));
	assert.doesNotMatch(text, new RegExp(`${count}\\s*<\\s*0`), 'dma_map_sg never returns a negative value');
	const [sglist, , bound] = onlyCall(text, 'for_each_sg');
	assert.equal(sglist, sgl);
	assert.equal(bound, count, 'for_each_sg walks the mapped count');
	assert.deepEqual(onlyCall(text, 'dma_unmap_sg'), [dev, sgl, nents, dir], 'unmap takes the nents passed to dma_map_sg');
});

test('dma-map-sgtable: 0 or -errno, walked with for_each_sgtable_dma_sg, released with dma_unmap_sgtable', () => {
	const text = expanded('dma-map-sgtable');
	const args = onlyCall(text, 'dma_map_sgtable');
	const ret = assignedFrom(text, 'dma_map_sgtable');
	assert.equal(args.length, 4);
	assert.match(text, new RegExp(`if \\(${ret}\\)\\n\\treturn ${ret};`));
	assert.equal(onlyCall(text, 'for_each_sgtable_dma_sg')[0], args[1]);
	assert.deepEqual(onlyCall(text, 'dma_unmap_sgtable'), args);
});

test('dma-sync-single: for_cpu then for_device on the same handle, size and direction', () => {
	for (const direction of DIRECTIONS) {
		const text = expanded('dma-sync-single', () => direction);
		const cpu = onlyCall(text, 'dma_sync_single_for_cpu');
		assert.equal(cpu[3], direction);
		assert.deepEqual(onlyCall(text, 'dma_sync_single_for_device'), cpu);
		assert.ok(text.indexOf('dma_sync_single_for_cpu') < text.indexOf('dma_sync_single_for_device'));
	}
	assert.equal(expanded('dma-sync-single').match(/DMA_\w+/)[0], 'DMA_FROM_DEVICE', 'RX is the common case');
});

test('dma-pool: create and alloc are checked; free then destroy, in reverse order', () => {
	const text = expanded('dma-pool');
	const [name, dev, size, align, boundary] = onlyCall(text, 'dma_pool_create');
	assert.match(name, /^"\w+"$/);
	assert.ok(dev && size && align && boundary);
	const pool = assignedFrom(text, 'dma_pool_create');
	assert.match(text, new RegExp(`if \\(!${pool}\\)\\n\\treturn -ENOMEM;`));
	const [allocPool, gfp, handleRef] = onlyCall(text, 'dma_pool_alloc');
	const block = assignedFrom(text, 'dma_pool_alloc');
	assert.equal(allocPool, pool);
	assert.equal(gfp, 'GFP_KERNEL');
	assert.match(text, new RegExp(`if \\(!${block}\\) \\{\\n\\tret = -ENOMEM;\\n\\tgoto (\\w+);\\n\\}`));
	assert.deepEqual(onlyCall(text, 'dma_pool_free'), [pool, block, handleRef.replace(/^&/, '')]);
	assert.deepEqual(onlyCall(text, 'dma_pool_destroy'), [pool]);
	const label = /goto (\w+);/.exec(text)[1];
	const order = ['dma_pool_free(', `${label}:`, 'dma_pool_destroy('].map((s) => text.indexOf(s));
	assert.deepEqual(order, [...order].sort((a, b) => a - b), 'free, then the label, then destroy');
});

test('dma-set-mask: 64-bit first, 32-bit fallback, dev_err and return on failure', () => {
	const text = expanded('dma-set-mask');
	const calls = callsOf(text, 'dma_set_mask_and_coherent');
	assert.deepEqual(calls.map((args) => args[1]), ['DMA_BIT_MASK(64)', 'DMA_BIT_MASK(32)']);
	const ret = assignedFrom(text, 'dma_set_mask_and_coherent');
	assert.match(text, new RegExp(`\\t\\tdev_err\\(${calls[0][0]}, "[^"]+\\\\n"\\);\\n\\t\\treturn ${ret};`));
});

test('dma-managed-alloc-coherent: NULL check and no explicit free', () => {
	const text = expanded('dma-managed-alloc-coherent');
	const cpu = assignedFrom(text, 'dmam_alloc_coherent');
	assert.equal(onlyCall(text, 'dmam_alloc_coherent').length, 4);
	assert.match(text, new RegExp(`if \\(!${escape(cpu)}\\)\\n\\treturn -ENOMEM;`));
	assert.doesNotMatch(text, /\bdmam?_free_coherent\b/);
});

test('dma-probe-remove: probe allocates the ring into priv and unwinds; remove frees it', () => {
	const text = expanded('dma-probe-remove');
	const split = text.search(/^static int \w+_remove\(/m);
	assert.ok(split > 0, 'the remove function follows the probe');
	const probe = text.slice(0, split);
	const remove = text.slice(split);
	assert.match(probe, /^static int \w+_probe\(struct platform_device \*pdev\)$/m);
	assert.match(remove, /^static int \w+_remove\(struct platform_device \*pdev\)$/m);

	const [, size, handleRef, gfp] = onlyCall(probe, 'dma_alloc_coherent');
	const cpu = assignedFrom(probe, 'dma_alloc_coherent');
	assert.match(cpu, /^priv->/);
	assert.equal(gfp, 'GFP_KERNEL', 'probe may sleep');
	assert.match(probe, new RegExp(`\\tif \\(!${escape(cpu)}\\)\\n\\t\\treturn -ENOMEM;`));
	const handle = handleRef.replace(/^&/, '');
	assert.deepEqual(onlyCall(probe, 'dma_free_coherent').slice(1), [size, cpu, handle]);
	assert.deepEqual(onlyCall(remove, 'dma_free_coherent').slice(1), [size, cpu, handle]);
	assert.ok(remove.indexOf('_hw_stop(') < remove.indexOf('dma_free_coherent'), 'stop the device before freeing its ring');
	assert.match(probe, /dma_set_mask_and_coherent\(dev, DMA_BIT_MASK\(64\)\)/);
});

// Names a kernel driver gets from headers; everything else must be declared
// by the snippet itself or by the driver file wrapInDriver() writes.
const KERNEL_NAMES = new Set([
	'if', 'else', 'for', 'return', 'goto', 'static', 'const', 'int', 'unsigned', 'void', 'sizeof', 'struct',
	'ENOMEM', 'GFP_KERNEL', 'GFP_ATOMIC', 'DMA_BIT_MASK', ...DIRECTIONS,
	'dev_err', 'devm_kzalloc', 'platform_set_drvdata', 'platform_get_drvdata',
	'sg_dma_address', 'sg_dma_len', 'for_each_sg', 'for_each_sgtable_dma_sg',
]);
const isDmaApi = (name) => /^dmam?_(?:map|unmap|mapping|alloc|free|pool|sync|set)_\w+$/.test(name);

test('wrapInDriver: every snippet expands into a complete driver that declares all it uses', () => {
	for (const snippet of snippets) {
		const body = expandSnippet(snippet.body);
		const file = wrapInDriver(snippet.prefix, body);
		const code = codeOnly(file);
		const what = snippet.prefix;

		assert.match(file, /^\/\/ SPDX-License-Identifier: GPL-2\.0\n/, what);
		assert.match(file, /#include <linux\/dma-mapping\.h>/, what);
		assert.match(file, /^struct foo_priv \{$/m, what);
		assert.match(file, /MODULE_LICENSE\("GPL"\);\n$/, what);
		file.split('\n').forEach((line, i) => {
			// Only a block comment's ` * ` continuation starts with a space.
			assert.doesNotMatch(line, /^\t* (?!\*)|[ \t]$/, `${what}: line ${i + 1} ${JSON.stringify(line)}`);
			assert.doesNotMatch(line, /^\s+[A-Za-z_]\w*:$/, `${what}: indented label at line ${i + 1}`);
		});
		for (const [open, close] of [['(', ')'], ['{', '}']]) {
			assert.equal(code.split(open).length, code.split(close).length, `${what}: unbalanced ${open}${close}`);
		}
		for (const line of body.split('\n').filter((l) => l.trim())) {
			assert.ok(file.includes(line.trim()), `${what}: the body line ${JSON.stringify(line)} is missing`);
		}
		if (isTopLevel(snippet)) {
			assert.match(file, /\.probe = \w+_probe,/, what);
			assert.match(file, /module_platform_driver\(\w+\);/, what);
		} else {
			assert.match(file, /^int foo_\w+\(struct foo_priv \*priv[^)]*\)\n\{\n\tstruct device \*dev = priv->dev;$/m, what);
			if (/\bret\b/.test(body)) assert.match(file, /^\tint ret;$/m, what);
		}

		const identifiers = new Set(
			[...codeOnly(body).matchAll(/(?<![\w.]|->|struct |#)\b[A-Za-z_]\w*\b(?!\s*:$)/gm)].map((m) => m[0]),
		);
		for (const name of identifiers) {
			if (KERNEL_NAMES.has(name) || isDmaApi(name) || /^\d/.test(name)) continue;
			const declared = new RegExp(
				`(?:^#define ${name}\\b|^[\\w ]*\\b${name}\\(|[\\w*] \\**${name}(?: = [^;]+)?[;,)]|^${name}:$)`, 'm',
			);
			assert.match(code, declared, `${what}: "${name}" is used but not declared`);
		}
	}
});

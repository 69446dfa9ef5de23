'use strict';

// Snippet bodies as VS Code reads them, and the driver file a snippet is
// checked in.
//
// parseSnippet() is strict where VS Code is lenient: VS Code silently turns a
// malformed `${` into literal text, which in a C snippet is always a mistake,
// so here it is an error. expandSnippet() gives the text VS Code inserts when
// every tab stop is left at its default. wrapInDriver() puts that text into a
// complete driver file that declares every name the snippets use.

const fs = require('node:fs');
const path = require('node:path');

const SNIPPETS_PATH = path.join(__dirname, '..', '..', 'snippets', 'dma.code-snippets.json');

function loadSnippets() {
	return JSON.parse(fs.readFileSync(SNIPPETS_PATH, 'utf8'));
}

function bodyText(body) {
	return Array.isArray(body) ? body.join('\n') : body;
}

/**
 * Parses TextMate snippet syntax into nodes:
 *   { type: 'text', value }
 *   { type: 'tabstop', index, children }   ($1, ${1}, ${1:default})
 *   { type: 'choice', index, options }     (${1|a,b|})
 * Throws on anything VS Code would not read as a tab stop: an unclosed `${`,
 * a `$` that starts nothing, variables, transforms, `${0|...|}`.
 */
function parseSnippet(input) {
	const text = bodyText(input);
	let pos = 0;

	const fail = (message) => {
		const line = text.slice(0, pos).split('\n').length;
		throw new SyntaxError(`${message} (line ${line} of the body)`);
	};

	const readInt = () => {
		const m = /^\d+/.exec(text.slice(pos));
		if (!m) return null;
		pos += m[0].length;
		return Number(m[0]);
	};

	// Parses until `}` (inside a placeholder) or the end (top level).
	const parseSequence = (inPlaceholder) => {
		const nodes = [];
		let literal = '';
		const flush = () => {
			if (literal) nodes.push({ type: 'text', value: literal });
			literal = '';
		};
		while (pos < text.length) {
			const ch = text[pos];
			if (ch === '\\') {
				const next = text[pos + 1];
				if (next === '$' || next === '}' || next === '\\') {
					literal += next;
					pos += 2;
				} else {
					literal += ch;
					pos += 1;
				}
			} else if (ch === '}' && inPlaceholder) {
				flush();
				pos += 1;
				return nodes;
			} else if (ch === '$') {
				flush();
				nodes.push(parseDollar());
			} else {
				literal += ch;
				pos += 1;
			}
		}
		if (inPlaceholder) fail('unclosed ${');
		flush();
		return nodes;
	};

	const parseDollar = () => {
		pos += 1;
		const bare = readInt();
		if (bare !== null) return { type: 'tabstop', index: bare, children: [] };
		if (text[pos] !== '{') fail(`"$" must start a tab stop ($1, \${1:...}, \${1|a,b|})`);
		pos += 1;
		const index = readInt();
		if (index === null) fail('"${" must be followed by a tab stop number (variables are not used here)');
		const sep = text[pos];
		if (sep === '}') {
			pos += 1;
			return { type: 'tabstop', index, children: [] };
		}
		if (sep === ':') {
			pos += 1;
			return { type: 'tabstop', index, children: parseSequence(true) };
		}
		if (sep === '|') {
			if (index === 0) fail('the final tab stop $0 cannot be a choice');
			pos += 1;
			return { type: 'choice', index, options: parseChoiceOptions() };
		}
		return fail(`unexpected "${sep || 'end of body'}" in \${${index}`);
	};

	const parseChoiceOptions = () => {
		const options = [];
		let option = '';
		while (pos < text.length) {
			const ch = text[pos];
			if (ch === '\\' && /[,|\\]/.test(text[pos + 1] || '')) {
				option += text[pos + 1];
				pos += 2;
			} else if (ch === ',') {
				options.push(option);
				option = '';
				pos += 1;
			} else if (ch === '|') {
				if (text[pos + 1] !== '}') fail('a choice must end with "|}"');
				options.push(option);
				pos += 2;
				if (options.some((o) => o === '')) fail('empty choice option');
				return options;
			} else if (ch === '\n') {
				fail('a choice cannot span lines');
			} else {
				option += ch;
				pos += 1;
			}
		}
		return fail('unclosed choice');
	};

	return parseSequence(false);
}

/** Visits nodes in document order, a placeholder before its children (VS Code's walk order). */
function walk(nodes, visit) {
	for (const node of nodes) {
		visit(node);
		if (node.type === 'tabstop') walk(node.children, visit);
	}
}

/**
 * Expands a snippet body (array of lines or string) with its defaults: the
 * first choice of a choice, the default text of `${n:text}`, nothing for `$n`
 * or `$0`. As in VS Code, the first occurrence of an index that has a value
 * gives that value to every other occurrence (the mirrors).
 * `pickChoice(options)` picks another option than the first.
 */
function expandSnippet(body, pickChoice = (options) => options[0]) {
	const nodes = parseSnippet(body);
	const definitions = new Map();
	walk(nodes, (node) => {
		if (node.type === 'text' || node.index === 0 || definitions.has(node.index)) return;
		if (node.type === 'choice' || node.children.length > 0) definitions.set(node.index, node);
	});

	const render = (list, active) => list.map((node) => {
		if (node.type === 'text') return node.value;
		if (node.index === 0) return render(node.children, active);
		const definition = definitions.get(node.index);
		if (!definition || active.has(node.index)) return '';
		if (definition.type === 'choice') return pickChoice(definition.options);
		return render(definition.children, new Set([...active, node.index]));
	}).join('');

	return render(nodes, new Set());
}

// What the driver file declares, so that every name a snippet uses is in scope.

const DRIVER = 'foo';

const CONSTANTS = [
	['RX_RING_BYTES', '(256 * sizeof(struct foo_rx_desc))'],
	['DESC_BYTES', '64'],
	['DESC_ALIGN', '16'],
];

const HELPERS = [
	['foo_hw_init', 'int foo_hw_init(struct foo_priv *priv);'],
	['foo_hw_stop', 'void foo_hw_stop(struct foo_priv *priv);'],
	['foo_hw_init_rx_ring', 'int foo_hw_init_rx_ring(struct foo_priv *priv);'],
	['foo_hw_xfer', 'int foo_hw_xfer(struct foo_priv *priv, dma_addr_t addr, size_t len);'],
	['foo_hw_add_desc', 'int foo_hw_add_desc(struct foo_priv *priv, dma_addr_t addr, unsigned int len);'],
	['foo_hw_run', 'int foo_hw_run(struct foo_priv *priv);'],
	['foo_rx_frame', 'void foo_rx_frame(struct foo_priv *priv, const void *data, size_t len);'],
];

// Parameters of the function that hosts an in-function snippet, in order.
const PARAMETERS = [
	['buf', 'void *buf'],
	['page', 'struct page *page'],
	['sgl', 'struct scatterlist *sgl'],
	['nents', 'int nents'],
	['sgt', 'struct sg_table *sgt'],
	['len', 'size_t len'],
];

// Its locals, after `struct device *dev = priv->dev;`, in declaration order.
const LOCALS = [
	['pool', 'struct dma_pool *pool;'],
	['sg', 'struct scatterlist *sg;'],
	['desc', 'void *desc;'],
	['desc_dma', 'dma_addr_t desc_dma;'],
	['dma', 'dma_addr_t dma;'],
	['count', 'int count;'],
	['i', 'int i;'],
	['ret', 'int ret;'],
];

/** The text with string and character literals emptied. */
function withoutLiterals(text) {
	return text.replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, '""');
}

/** True when the code in `text` uses `name` as an identifier (not as a member after `->` or `.`). */
function mentions(text, name) {
	return new RegExp(`(?<![\\w.]|->)${name}\\b`).test(withoutLiterals(text));
}

function includes(body, topLevel) {
	const headers = ['linux/device.h', 'linux/dma-mapping.h', 'linux/module.h'];
	if (/\bdma_pool_\w+\(/.test(body)) headers.push('linux/dmapool.h');
	if (/\b(?:scatterlist|sg_table|sg_dma_\w+|for_each_sg\w*)\b/.test(body)) headers.push('linux/scatterlist.h');
	if (topLevel) headers.push('linux/mod_devicetable.h', 'linux/platform_device.h');
	return headers.sort().map((h) => `#include <${h}>`);
}

function fileHeader(name, body, topLevel, exported) {
	const helpers = HELPERS.filter(([fn]) => mentions(body, fn)).map(([, proto]) => proto);
	const constants = CONSTANTS.filter(([macro]) => mentions(body, macro));
	return [
		'// SPDX-License-Identifier: GPL-2.0',
		'/*',
		` * foo: a test driver around the "${name}" snippet,`,
		' * expanded with its defaults.',
		' */',
		'',
		...includes(body, topLevel),
		'',
		...(constants.length ? [...constants.map(([macro, value]) => `#define ${macro}\t${value}`), ''] : []),
		'struct foo_rx_desc {',
		'\t__le64 addr;',
		'\t__le32 len;',
		'\t__le32 flags;',
		'};',
		'',
		'struct foo_priv {',
		'\tstruct device *dev;',
		'\tstruct foo_rx_desc *rx_ring;',
		'\tdma_addr_t rx_ring_dma;',
		'\tvoid *rx_buf;',
		'\tdma_addr_t rx_buf_dma;',
		'};',
		'',
		...(helpers.length ? ['/* Hardware access, in foo_hw.c */', ...helpers, ''] : []),
		...(exported ? ['/* Called from the rest of the driver */', `${exported};`, ''] : []),
	];
}

const LABEL = /^[A-Za-z_]\w*:$/;

/** Indents a body written relative to a function body: one tab, labels stay in column 0. */
function indentAsFunctionBody(text) {
	return text.split('\n').map((line) => {
		if (line.trim() === '') return '';
		return LABEL.test(line) ? line : `\t${line}`;
	});
}

function trimBlankEdges(lines) {
	let start = 0;
	let end = lines.length;
	while (start < end && lines[start] === '') start++;
	while (end > start && lines[end - 1] === '') end--;
	return lines.slice(start, end);
}

function functionName(name) {
	const words = name.replace(/^dma-/, '').split(/[^A-Za-z0-9]+/).filter(Boolean);
	return `${DRIVER}_${words.join('_').toLowerCase()}`;
}

function hostFunction(name, body) {
	const used = (list) => list.filter(([id]) => mentions(body, id));
	const params = ['struct foo_priv *priv', ...used(PARAMETERS).map(([, decl]) => decl)];
	return {
		name: functionName(name),
		signature: `int ${functionName(name)}(${params.join(', ')})`,
		locals: ['struct device *dev = priv->dev;', ...used(LOCALS).map(([, decl]) => decl)],
	};
}

function wrapInFunction(host, body) {
	const lines = trimBlankEdges(indentAsFunctionBody(body));
	const last = lines[lines.length - 1] || '';
	const endsWithReturn = /^\treturn\b/.test(last);

	return [
		host.signature,
		'{',
		...host.locals.map((decl) => `\t${decl}`),
		'',
		...lines,
		...(endsWithReturn ? [] : ['', '\treturn 0;']),
		'}',
		`EXPORT_SYMBOL_GPL(${host.name});`,
	];
}

function platformDriver(body) {
	const probe = /^static int (\w+)_probe\(struct platform_device \*\w+\)$/m.exec(body);
	const remove = /^static int (\w+)_remove\(struct platform_device \*\w+\)$/m.exec(body);
	if (!probe || !remove) throw new Error('a top-level snippet must define a platform probe and remove');
	const prefix = probe[1];
	return [
		'',
		`static const struct of_device_id ${prefix}_of_match[] = {`,
		'\t{ .compatible = "acme,foo" },',
		'\t{ }',
		'};',
		`MODULE_DEVICE_TABLE(of, ${prefix}_of_match);`,
		'',
		`static struct platform_driver ${prefix}_driver = {`,
		`\t.probe = ${prefix}_probe,`,
		`\t.remove = ${remove[1]}_remove,`,
		'\t.driver = {',
		`\t\t.name = "${prefix}",`,
		`\t\t.of_match_table = ${prefix}_of_match,`,
		'\t},',
		'};',
		`module_platform_driver(${prefix}_driver);`,
	];
}

/**
 * A complete driver file around an expanded snippet. A snippet that starts
 * with `static` is a set of top-level functions (probe/remove): it is placed
 * at file scope and registered as a platform driver. Any other snippet is the
 * body of `int foo_<name>(struct foo_priv *priv, ...)`, whose parameters and
 * locals are declared as the body needs them.
 */
function wrapInDriver(name, expandedBody) {
	const body = expandedBody.replace(/\r\n?/g, '\n');
	const topLevel = /^static\s/.test(body.trimStart());
	const host = topLevel ? null : hostFunction(name, body);
	const code = topLevel
		? [...trimBlankEdges(body.split('\n').map((l) => l.replace(/\s+$/, ''))), ...platformDriver(body)]
		: wrapInFunction(host, body);
	return [
		...fileHeader(name, body, topLevel, host && host.signature),
		...code,
		'',
		'MODULE_DESCRIPTION("foo DMA test driver");',
		'MODULE_LICENSE("GPL");',
		'',
	].join('\n');
}

module.exports = {
	SNIPPETS_PATH,
	loadSnippets,
	bodyText,
	parseSnippet,
	walk,
	expandSnippet,
	wrapInDriver,
};

'use strict';
// The plain copy of a parse tree (server/src/tree.ts). The parser copies trees
// by reading them from the wasm memory (treememory.ts), and can walk them by
// calling the runtime's cursor functions directly (parse.ts); these tests
// check that it does both, and that the copies are the one the public
// web-tree-sitter API gives, node for node, on every fixture driver, on
// kernel files and on broken text; and that queries on large subtrees, which
// an index answers, give what a walk gives.

const { describe, test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const core = require('../dist/core.js');

const FIXTURES = path.join(__dirname, 'fixtures');

function fixtureFiles() {
	const out = [];
	for (const rule of fs.readdirSync(FIXTURES)) {
		const dir = path.join(FIXTURES, rule);
		if (!fs.statSync(dir).isDirectory()) continue;
		for (const name of fs.readdirSync(dir)) if (name.endsWith('.c')) out.push(path.join(dir, name));
	}
	return out;
}

/** Every node of a copy, in document order, as comparable text. */
function flatten(root) {
	const out = [];
	const stack = [root];
	while (stack.length) {
		const n = stack.pop();
		out.push(`${n.type}|${n.isNamed}|${n.isMissing}|${n.startIndex}-${n.endIndex}|${n.field}|${n.index}|${n.children.length}`);
		for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
	}
	return out;
}

/** The same, read through web-tree-sitter's own node objects (every range asked of the runtime). */
function flattenApi(root) {
	const out = [];
	const stack = [[root, '', 0]];
	while (stack.length) {
		const [n, field, index] = stack.pop();
		const count = n.childCount;
		out.push(`${n.type}|${n.isNamed}|${n.isMissing}|${n.startIndex}-${n.endIndex}|${field}|${index}|${count}`);
		for (let i = count - 1; i >= 0; i--) stack.push([n.child(i), n.fieldNameForChild(i) ?? '', i]);
	}
	return out;
}

const { KERNEL } = require('./helpers/kernel');

describe('tree copy', () => {
	let parser;
	before(async () => {
		parser = await core.CParser.get();
	});

	test('the parser walks trees through the runtime directly and copies them from memory (its self-checks passed)', () => {
		assert.equal(parser.walksDirectly, true);
		assert.equal(parser.copiesFromMemory, true);
	});

	test('the copy from memory is the cursor walk\'s copy, ids, parents and subtree ends included', (t) => {
		const texts = fixtureFiles().map((f) => fs.readFileSync(f, 'utf8'));
		texts.push(
			'static int f(void)\n{\n\tif (x\n\t\treturn -EINVAL;\n\tfoo(a, ;\n}\n',
			`int g(void) { return ${'('.repeat(300)}1${')'.repeat(300)}; }\n`,
			'/* Grüße, 日本語 */ int h(void) { char *s = "ü"; return s[0]; }\n',
			'',
			'}}}{{{ #define X( \n',
			'int x',
			'#include <linux/dma-mapping.h>\n#define N 4\n#if N\nint x;\n#else\nint y;\n#endif\n',
		);
		const dir = path.join(KERNEL, 'drivers/net/ethernet/intel/e1000');
		if (fs.existsSync(dir)) {
			for (const name of fs.readdirSync(dir)) if (/\.[ch]$/.test(name)) texts.push(fs.readFileSync(path.join(dir, name), 'latin1'));
		} else t.diagnostic(`the Linux 6.1 sources are not unpacked at ${KERNEL}: fixtures and samples only`);
		const full = (root) => root.subtree().map((n) => `${n.id}|${n.last}|${n.parent ? n.parent.id : 0}|${n.type}|${n.isNamed}|${n.isMissing}|${n.startIndex}-${n.endIndex}|${n.field}|${n.index}|${n.children.length}`);
		let nodes = 0;
		for (const text of texts) {
			const tree = parser.parse(text);
			try {
				const copy = full(parser.copy(tree, text));
				assert.deepEqual(copy, full(core.copyTree(tree, text, core.publicWalk(tree))), JSON.stringify(text.slice(0, 60)));
				nodes += copy.length;
			} finally {
				tree.delete();
			}
		}
		assert.ok(nodes > 20000, `${nodes} nodes compared`);
	});

	test('on every fixture driver, the direct walk copies the same tree as the public API', () => {
		const files = fixtureFiles();
		assert.ok(files.length > 100, `${files.length} fixtures`);
		let nodes = 0;
		for (const file of files) {
			const text = fs.readFileSync(file, 'utf8');
			const tree = parser.parse(text);
			try {
				const direct = flatten(core.copyTree(tree, text, parser.walk(tree)));
				const viaApi = flatten(core.copyTree(tree, text, core.publicWalk(tree)));
				assert.deepEqual(direct, viaApi, path.relative(FIXTURES, file));
				nodes += direct.length;
			} finally {
				tree.delete();
			}
		}
		assert.ok(nodes > 10000, `${nodes} nodes compared`);
	});

	test('broken text: ERROR and MISSING nodes, deep nesting, non-ASCII, an empty file', () => {
		const texts = [
			'static int f(void)\n{\n\tif (x\n\t\treturn -EINVAL;\n\tfoo(a, ;\n}\n',
			`int g(void) { return ${'('.repeat(300)}1${')'.repeat(300)}; }\n`,
			'/* Grüße, 日本語 */ int h(void) { char *s = "ü"; return s[0]; }\n',
			'',
			'}}}{{{ #define X( \n',
		];
		for (const text of texts) {
			const tree = parser.parse(text);
			try {
				const direct = core.copyTree(tree, text, parser.walk(tree));
				assert.deepEqual(flatten(direct), flatten(core.copyTree(tree, text, core.publicWalk(tree))), JSON.stringify(text.slice(0, 40)));
				assert.equal(direct.endIndex, tree.rootNode.endIndex);
			} finally {
				tree.delete();
			}
		}
	});

	test('ranges, types and fields are the ones web-tree-sitter\'s node objects give (a node with children is not asked where it starts)', (t) => {
		const texts = fixtureFiles().map((f) => fs.readFileSync(f, 'utf8'));
		texts.push('static int f(void)\n{\n\tif (x\n\t\treturn -EINVAL;\n\tfoo(a, ;\n}\n', '#include <linux/dma-mapping.h>\n#define N 4\n\nint x;\n\n', '}}}{{{ #define X( \n', '');
		const dir = path.join(KERNEL, 'drivers/net/ethernet/intel/e1000');
		if (fs.existsSync(dir)) {
			for (const name of fs.readdirSync(dir)) if (/\.[ch]$/.test(name)) texts.push(fs.readFileSync(path.join(dir, name), 'latin1'));
		} else t.diagnostic(`the Linux 6.1 sources are not unpacked at ${KERNEL}: fixtures only`);
		let nodes = 0;
		for (const text of texts) {
			const tree = parser.parse(text);
			try {
				const copy = flatten(core.copyTree(tree, text, parser.walk(tree)));
				const api = flattenApi(tree.rootNode);
				assert.deepEqual(copy, api, JSON.stringify(text.slice(0, 60)));
				assert.deepEqual(flatten(parser.copy(tree, text)), api, JSON.stringify(text.slice(0, 60)));
				nodes += copy.length;
			} finally {
				tree.delete();
			}
		}
		assert.ok(nodes > 10000, `${nodes} nodes compared`);
	});

	test('many walks in a row leave the runtime usable (cursors are freed, the parser still parses)', () => {
		const text = fs.readFileSync(fixtureFiles()[0], 'utf8');
		for (let i = 0; i < 2000; i++) {
			const tree = parser.parse(text);
			core.copyTree(tree, text, parser.walk(tree));
			parser.copy(tree, text);
			tree.delete();
		}
		const tree = parser.parse('int main(void) { return 0; }');
		assert.equal(tree.rootNode.type, 'translation_unit');
		tree.delete();
	});

	test('subtree and descendant queries (a range of the copy\'s node list, or its index by type) give what a walk gives', () => {
		const { generateBigFunction } = require('../bench/run.js');
		// A whole file of driver code plus one long function: every subtree size, small and indexed.
		const text = fs.readFileSync(fixtureFiles()[0], 'utf8') + generateBigFunction(1500, 15) + 'static void tail(void) { if (x) y(); }\n';
		const tree = parser.parse(text);
		let root;
		try {
			root = core.copyTree(tree, text, parser.walk(tree));
		} finally {
			tree.delete();
		}
		const plain = (node, types) => {
			const out = [];
			const stack = [node];
			while (stack.length) {
				const n = stack.pop();
				if (!types || types.includes(n.type)) out.push(n);
				for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
			}
			return out;
		};
		const queries = [['call_expression'], ['identifier', 'field_identifier'], ['assignment_expression', 'update_expression', 'assignment_expression'], ['if_statement'], ['no_such_type']];
		let indexed = 0;
		let smallCount = 0;
		for (const node of plain(root)) {
			if (plain(node).length < 4096) {
				// Small subtrees are scanned in the copy's node list: every one, with a few queries.
				smallCount++;
				assert.deepEqual(node.subtree().map((n) => n.id), plain(node).map((n) => n.id), node.type);
				for (const q of [['call_expression'], ['identifier', 'field_identifier'], [node.type]]) assert.deepEqual(node.descendantsOfType(q).map((n) => n.id), plain(node, q).map((n) => n.id), `${node.type} ${q}`);
				continue;
			}
			indexed++;
			assert.deepEqual(node.subtree().map((n) => n.id), plain(node).map((n) => n.id), node.type);
			// Its own type (the node itself comes first) and the punctuation a subtree ends with.
			for (const q of [...queries, [node.type], ['}'], [';', ')']]) {
				const want = plain(node, q).map((n) => n.id);
				assert.deepEqual(node.descendantsOfType(q).map((n) => n.id), want, `${node.type} ${q}`);
				if (q.length === 1) assert.deepEqual(node.descendantsOfType(q[0]).map((n) => n.id), want, `${node.type} ${q[0]}`);
			}
		}
		assert.ok(indexed >= 3, `${indexed} large subtrees`);
		assert.ok(smallCount > 1000, `${smallCount} small subtrees`);
		// A small subtree next to the large ones is still answered by its own walk, the same way.
		const small = plain(root, ['function_definition']).at(-1);
		assert.deepEqual(small.descendantsOfType('call_expression').map((n) => n.text), ['y()']);
	});
});

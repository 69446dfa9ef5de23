'use strict';
// dma-check end to end on temporary directories: output formats and exit
// codes, I/O errors, odd files (unreadable, symlink loops, Latin-1, binary,
// oversized, empty, huge, unbalanced), --fix, --stdin-filename, --rule, --only.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const core = require('../dist/core.js');

const ROOT = path.join(__dirname, '..');
const { runProgram } = require('./helpers/process');
const CLI = path.join(ROOT, 'bin', 'dma-check');
const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (rel) => fs.readFileSync(path.join(FIXTURES, rel), 'utf8');

const METH = 'unchecked-mapping/pos-meth-rx-ring.c'; // unchecked-mapping + null-device, space-indented
const TX = 'unmap-missing-on-error/pos-tx-no-desc.c'; // unmap-missing-on-error
const CLEAN = 'unchecked-mapping/neg-check-in-loop.c'; // correct code

/** Runs dma-check (or another copy of its bundle, `cli`); resolves with {code, signal, stdout, stderr}. */
function run(args, { cwd, input, uid, cli = CLI, timeoutMs = 120000 } = {}) {
	return runProgram(process.execPath, [cli, ...args], { cwd, input, uid, timeoutMs, env: { ...process.env, NO_COLOR: '1' }, label: 'dma-check' });
}

/** A fresh temp dir with `files` ({relPath: string | Buffer}). */
function tempTree(files = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-check-test-'));
	for (const [rel, content] of Object.entries(files)) {
		const p = path.join(dir, rel);
		fs.mkdirSync(path.dirname(p), { recursive: true });
		fs.writeFileSync(p, content);
	}
	return dir;
}

const dirs = [];
function tmp(files) {
	const d = tempTree(files);
	dirs.push(d);
	return d;
}
after(() => {
	for (const d of dirs) {
		try {
			execFileSync('chmod', ['-R', 'u+rwx', d]);
		} catch {
			/* already gone */
		}
		fs.rmSync(d, { recursive: true, force: true });
	}
});

function noCrash(r) {
	assert.ok(r.code === 0 || r.code === 1, `exit 0 or 1, got ${r.code} (signal ${r.signal})\nstderr: ${r.stderr.slice(-3000)}`);
	assert.doesNotMatch(r.stderr, /internal error|RangeError|TypeError|Maximum call stack|FATAL|Aborted/);
}

const json = (r) => JSON.parse(r.stdout);

/** What the analysis core reports for `text` as file `name`, as "name:line:rule". */
async function findingsOf(name, text) {
	const r = await core.analyzeText(text, { path: name });
	return r.findings.map((f) => `${name}:${f.range.start.line + 1}:${f.rule}`);
}
const ruleLines = (findings) => findings.map((f) => `${path.basename(f.file)}:${f.line}:${f.rule}`).sort();

describe('output formats and exit codes', () => {
	let dir;
	before(() => {
		dir = tmp({ 'meth.c': fixture(METH), 'net/tx.c': fixture(TX), 'clean.c': fixture(CLEAN), 'README': 'not C' });
	});

	test('text: gcc-style location, severity, message, rule, source line, caret and the path; exit 1', async () => {
		const r = await run(['--format', 'text', '.'], { cwd: dir });
		assert.equal(r.code, 1, r.stderr);
		const lines = r.stdout.split('\n');
		const head = lines.findIndex((l) => l.startsWith('meth.c:25:41: warning: dma_map_single() result'));
		assert.ok(head >= 0, r.stdout);
		assert.match(lines[head], /\[unchecked-mapping\]$/);
		assert.match(lines[head + 1], /^\s+25 \| {17}priv->rx_ring_dmas\[i\] = dma_map_single\(NULL/);
		assert.match(lines[head + 2], /^\s+\| {41}\^~+$/, 'caret under column 41');
		assert.ok(lines.some((l) => /^\s+meth\.c:25:41: mapped here by dma_map_single\(\)$/.test(l)), 'the path is printed');
		assert.ok(lines.some((l) => /^meth\.c:25:56: error: .*NULL device.*\[null-device\]$/.test(l)));
		assert.ok(lines.some((l) => new RegExp(`^${path.join('net', 'tx.c')}:22:3: warning: .*\\[unmap-missing-on-error\\]$`).test(l)));
		assert.match(r.stderr, /dma-check: 3 findings \(2 warnings, 1 error\) in 2 of 3 files/);
	});

	test('json: {findings:[{file,line,column,endLine,endColumn,rule,severity,message}]}, 1-based; exit 1', async () => {
		const r = await run(['--format', 'json', 'meth.c', 'net/tx.c', 'clean.c'], { cwd: dir });
		assert.equal(r.code, 1, r.stderr);
		const doc = json(r);
		assert.deepEqual(Object.keys(doc), ['findings']);
		assert.deepEqual(ruleLines(doc.findings), ['meth.c:25:null-device', 'meth.c:25:unchecked-mapping', 'tx.c:22:unmap-missing-on-error']);
		const nullDev = doc.findings.find((f) => f.rule === 'null-device');
		assert.deepEqual({ ...nullDev, message: undefined, path: undefined }, { file: 'meth.c', line: 25, column: 56, endLine: 25, endColumn: 60, rule: 'null-device', severity: 'error', message: undefined, path: undefined });
		for (const f of doc.findings) {
			for (const k of ['file', 'rule', 'severity', 'message']) assert.equal(typeof f[k], 'string', k);
			for (const k of ['line', 'column', 'endLine', 'endColumn']) assert.ok(Number.isInteger(f[k]) && f[k] >= 1, k);
		}
		const leak = doc.findings.find((f) => f.rule === 'unmap-missing-on-error');
		assert.deepEqual(leak.path.map((p) => p.line), [15, 16, 20, 22]);
	});

	test('gcc: exactly one line per finding, file:line:col: severity: message [rule]; exit 1', async () => {
		const r = await run(['--format', 'gcc', '.'], { cwd: dir });
		assert.equal(r.code, 1);
		const lines = r.stdout.trimEnd().split('\n');
		assert.equal(lines.length, 3, r.stdout);
		for (const l of lines) assert.match(l, /^[^:]+:\d+:\d+: (error|warning|note): .+ \[[a-z-]+\]$/);
		assert.equal(r.stderr, '', 'gcc format writes no summary when stderr is not a terminal');
	});

	test('sarif: a SARIF 2.1.0 log with one result per finding', async () => {
		const r = await run(['--format', 'sarif', '.'], { cwd: dir });
		assert.equal(r.code, 1);
		const log = json(r);
		assert.equal(log.version, '2.1.0');
		assert.equal(log.runs[0].results.length, 3);
		assert.ok(log.runs[0].results.every((x) => x.locations[0].physicalLocation.region.startLine >= 1));
	});

	test('clean code: no output, exit 0', async () => {
		for (const format of ['text', 'json', 'gcc']) {
			const r = await run(['--format', format, 'clean.c'], { cwd: dir });
			assert.equal(r.code, 0, `${format}: ${r.stderr}`);
			if (format === 'json') assert.deepEqual(json(r), { findings: [] });
			else assert.equal(r.stdout, '');
		}
	});

	test('usage errors exit 2 with a message', async () => {
		for (const [args, msg] of [
			[[], /no PATH given/],
			[['--format', 'xml', '.'], /unknown format 'xml'/],
			[['--bogus', '.'], /unknown option '--bogus'/],
			[['--rule', 'no-such-rule=off', '.'], /unknown rule 'no-such-rule'/],
			[['--rule', 'null-device=loud', '.'], /unknown level 'loud'/],
			[['--rule', 'null-device', '.'], /--rule expects ID=LEVEL/],
			[['--only', 'null-device,nope', '.'], /unknown rule 'nope'/],
			[['--format'], /--format needs a value/],
		]) {
			const r = await run(args, { cwd: dir });
			assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
			assert.match(r.stderr, msg, args.join(' '));
			assert.equal(r.stdout, '');
		}
	});

	test('--help and --version exit 0', async () => {
		const h = await run(['--help']);
		assert.equal(h.code, 0);
		assert.match(h.stdout, /Usage: dma-check/);
		const v = await run(['--version']);
		assert.equal(v.code, 0);
		assert.match(v.stdout, /^dma-check \d+\.\d+\.\d+\n$/);
	});
});

describe('I/O errors and odd files', () => {
	test('a missing path: exit 2 and a clear message; the other paths are still checked', async () => {
		const dir = tmp({ 'meth.c': fixture(METH) });
		const r = await run(['--format', 'gcc', 'no/such/file.c', 'meth.c'], { cwd: dir });
		assert.equal(r.code, 2);
		assert.match(r.stderr, /^dma-check: no\/such\/file\.c: no such file or directory$/m);
		assert.equal(r.stdout.trimEnd().split('\n').length, 2, 'meth.c still reported');
	});

	/**
	 * chmod 000 means nothing to root, so as root the CLI runs as `nobody`
	 * (65534). A checkout under a 0700 directory (a CI clone in a mktemp
	 * directory) is out of nobody's reach, so nobody runs a copy of the
	 * bundle (dist/cli.js and the wasm files beside it) in a directory it can
	 * read. Returns {uid, cli} to run with, {} for a normal user, or null
	 * after skipping with the reason.
	 */
	function unprivileged(t, asRoot) {
		if (!asRoot) return {};
		const canLoad = (file) => {
			try {
				execFileSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { uid: 65534, gid: 65534, stdio: 'ignore' });
				return true;
			} catch {
				return false;
			}
		};
		const own = path.join(ROOT, 'dist', 'cli.js');
		if (canLoad(own)) return { uid: 65534, cli: own };
		const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-check-bundle-'));
		process.on('exit', () => fs.rmSync(copy, { recursive: true, force: true }));
		fs.chmodSync(copy, 0o755);
		for (const f of ['cli.js', 'web-tree-sitter.wasm', 'tree-sitter-c.wasm']) {
			fs.copyFileSync(path.join(ROOT, 'dist', f), path.join(copy, f));
			fs.chmodSync(path.join(copy, f), 0o644);
		}
		if (canLoad(path.join(copy, 'cli.js'))) return { uid: 65534, cli: path.join(copy, 'cli.js') };
		t.skip('running as root and user nobody (65534) can load neither this checkout nor a copy of the CLI in the temp directory, so chmod 000 cannot be tested');
		return null;
	}

	test('an unreadable file: exit 2, "permission denied", the readable files still checked', async (t) => {
		// chmod 000 means nothing to root, so as root the CLI runs as `nobody`.
		const asRoot = process.getuid && process.getuid() === 0;
		const dir = tmp({ 'a/locked.c': fixture(METH), 'a/open.c': fixture(TX) });
		fs.chmodSync(dir, 0o755);
		fs.chmodSync(path.join(dir, 'a'), 0o755);
		fs.chmodSync(path.join(dir, 'a', 'open.c'), 0o644);
		fs.chmodSync(path.join(dir, 'a', 'locked.c'), 0o000);
		const as = unprivileged(t, asRoot);
		if (as === null) return;
		const r = await run(['--format', 'gcc', 'a'], { cwd: dir, ...as });
		assert.equal(r.code, 2, r.stderr);
		assert.match(r.stderr, /a\/locked\.c: permission denied/);
		assert.match(r.stdout, /open\.c:22:3: warning: .*\[unmap-missing-on-error\]/);
	});

	test('an unreadable directory: exit 2, "permission denied"', async (t) => {
		const asRoot = process.getuid && process.getuid() === 0;
		const dir = tmp({ 'locked/x.c': fixture(METH), 'ok.c': fixture(TX) });
		fs.chmodSync(dir, 0o755);
		fs.chmodSync(path.join(dir, 'ok.c'), 0o644);
		fs.chmodSync(path.join(dir, 'locked'), 0o000);
		const as = unprivileged(t, asRoot);
		if (as === null) return;
		const r = await run(['--format', 'gcc', '.'], { cwd: dir, ...as });
		assert.equal(r.code, 2);
		assert.match(r.stderr, /locked: permission denied/);
		assert.match(r.stdout, /ok\.c:22:3:/);
	});

	test('a FIFO named like a source file is not read (no hang): given explicitly it is an error, in a directory it is ignored', async () => {
		const dir = tmp({ 'meth.c': fixture(METH) });
		execFileSync('mkfifo', [path.join(dir, 'pipe.c')]);
		const explicit = await run(['--format', 'gcc', 'pipe.c', 'meth.c'], { cwd: dir, timeoutMs: 20000 });
		assert.equal(explicit.code, 2);
		assert.match(explicit.stderr, /pipe\.c: not a regular file/);
		const scanned = await run(['--format', 'gcc', '.'], { cwd: dir, timeoutMs: 20000 });
		assert.equal(scanned.code, 1, scanned.stderr);
		assert.equal(scanned.stdout.trimEnd().split('\n').length, 2);
	});

	test('a directory with symlink loops terminates and reports each file once', async () => {
		const dir = tmp({ 'drv/meth.c': fixture(METH) });
		fs.symlinkSync('.', path.join(dir, 'drv', 'self'));
		fs.symlinkSync('..', path.join(dir, 'drv', 'parent'));
		fs.symlinkSync('b', path.join(dir, 'drv', 'a'));
		fs.symlinkSync('a', path.join(dir, 'drv', 'b'));
		fs.symlinkSync('missing-target.c', path.join(dir, 'drv', 'dangling.c'));
		const r = await run(['--format', 'json', '.'], { cwd: dir, timeoutMs: 30000 });
		noCrash(r);
		assert.equal(r.code, 1);
		assert.deepEqual(ruleLines(json(r).findings), ['meth.c:25:null-device', 'meth.c:25:unchecked-mapping']);
	});

	test('a non-UTF-8 file (Latin-1 in comments): findings reported, --fix preserves every other byte', async () => {
		const latin1 = (s) => Buffer.from(s, 'latin1');
		const header = '/* meth.c -- SGI O2 MACE ethernet. (C) 2003 J\u00f6rg M\u00fcller, \u00a9 SGI */\n';
		const mark = (s) => header + s.replace('METH_RX_BUFF_SIZE, DMA_FROM_DEVICE);', 'METH_RX_BUFF_SIZE, DMA_FROM_DEVICE); /* Puffergr\u00f6\u00dfe \u00b1 0 */');
		const input = latin1(mark(fixture(METH)));
		const expected = latin1(mark(fixture(METH.replace('.c', '.fixed.c'))));
		assert.ok(input.includes(0xf6) && input.includes(0xa9));
		const dir = tmp({ 'meth.c': input });

		const r = await run(['--format', 'json', 'meth.c'], { cwd: dir });
		assert.equal(r.code, 1);
		assert.deepEqual(ruleLines(json(r).findings), ['meth.c:26:null-device', 'meth.c:26:unchecked-mapping']);
		assert.match(r.stderr, /not valid UTF-8/);

		const fixed = await run(['--fix', '--only', 'unchecked-mapping', 'meth.c'], { cwd: dir });
		noCrash(fixed);
		const out = fs.readFileSync(path.join(dir, 'meth.c'));
		assert.ok(out.equals(expected), `bytes after --fix:\n${out.toString('latin1')}`);
	});

	test('UTF-8 with non-ASCII comments (and astral characters) on the fixed lines: --fix keeps them intact', async () => {
		const mark = (s) => `/* Ma\u00dfnahme \u{1F41B} */\n${s.replace('/* I\'ll need to re-sync it after each RX */', '/* \u00e9t\u00e9 \u{1F600} re-sync it after each RX */').replace('METH_RX_BUFF_SIZE, DMA_FROM_DEVICE);', 'METH_RX_BUFF_SIZE, DMA_FROM_DEVICE); /* \u{1F4A5} */')}`;
		const dir = tmp({ 'meth.c': mark(fixture(METH)) });
		const r = await run(['--fix', '--only', 'unchecked-mapping', 'meth.c'], { cwd: dir });
		noCrash(r);
		assert.equal(fs.readFileSync(path.join(dir, 'meth.c'), 'utf8'), mark(fixture(METH.replace('.c', '.fixed.c'))));
	});

	test('a CRLF file: the same findings, and --fix keeps CRLF line endings', async () => {
		const crlf = (t) => t.replace(/\n/g, '\r\n');
		const dir = tmp({ 'tx.c': crlf(fixture(TX)), 'meth.c': crlf(fixture(METH)) });
		const r = await run(['--format', 'json', '.'], { cwd: dir });
		assert.deepEqual(ruleLines(json(r).findings), ['meth.c:25:null-device', 'meth.c:25:unchecked-mapping', 'tx.c:22:unmap-missing-on-error']);
		const fixed = await run(['--fix', '.'], { cwd: dir });
		noCrash(fixed);
		for (const [name, rel] of [['tx.c', TX], ['meth.c', METH]]) {
			const out = fs.readFileSync(path.join(dir, name), 'utf8');
			assert.equal(out.replace(/\r\n/g, '\n'), fixture(rel.replace('.c', '.fixed.c')), `${name}: the fix itself`);
			const bare = out.split('\n').findIndex((l, i, all) => i < all.length - 1 && !l.endsWith('\r'));
			assert.equal(bare, -1, `${name}: line ${bare + 1} ends with a bare LF after --fix:\n${JSON.stringify(out.split('\n')[bare])}`);
		}
	});

	test('a binary file is skipped with a message', async () => {
		const bin = Buffer.concat([Buffer.from(fixture(METH).slice(0, 200)), Buffer.from([0, 0, 1, 2, 0xff, 0xfe, 0]), Buffer.from(fixture(METH))]);
		const dir = tmp({ 'blob.c': bin, 'clean.c': fixture(CLEAN) });
		const r = await run(['--format', 'gcc', '.'], { cwd: dir });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout, '');
		assert.match(r.stderr, /blob\.c: skipped, binary file/);
	});

	test('a file over the 8 MB limit is skipped with a message', async () => {
		const fn = fixture(TX);
		const parts = [];
		for (let i = 0, size = 0; size <= 8 * 1024 * 1024; i++) {
			const s = fn.replace(/foo_tx_queue_skb/, `foo_tx_queue_skb_${i}`).replace(/struct foo_tx_ring \{[\s\S]*?\};\n/, '');
			parts.push(s);
			size += s.length;
		}
		const text = parts.join('');
		const dir = tmp({ 'huge.c': text, 'meth.c': fixture(METH) });
		const r = await run(['--format', 'gcc', '.'], { cwd: dir, timeoutMs: 60000 });
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /huge\.c: skipped, 8\.\d MB is over the 8 MB limit/);
		assert.doesNotMatch(r.stdout, /huge\.c/);
		assert.match(r.stdout, /meth\.c:25:41/);
	});

	test('an empty file: exit 0, nothing reported', async () => {
		const dir = tmp({ 'empty.c': '', 'empty.h': '' });
		const r = await run(['--format', 'json', '.'], { cwd: dir });
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(json(r), { findings: [] });
	});

	test('a 100,000-line file: findings reported at the right lines, no crash', async () => {
		// A long driver: register accessors and helpers, with DMA functions from the fixtures spread through it.
		const filler = (i) => `static inline u32 foo_read_reg_${i}(struct foo_hw *hw)\n{\n\tu32 v = readl(hw->regs + 0x${(i * 4).toString(16)});\n\n\treturn v & FOO_MASK_${i % 32};\n}\n\n`;
		const dmaFns = [fixture(METH), fixture(TX)];
		let text = '';
		let lines = 0;
		const expected = [];
		for (let i = 0; lines < 100000; i++) {
			if (i % 2000 === 1000) {
				const src = dmaFns[(i / 2000) % 2 | 0].replace(/static int (\w+)\(/, `static int $1_${i}(`).replace(/^(struct \w+) \{[\s\S]*?^\};\n/m, '');
				for (const [ln, l] of src.split('\n').entries()) {
					const m = /\/\* expect: ([a-z, -]+) \*\//.exec(l);
					if (m) for (const id of m[1].split(',').map((s) => s.trim())) expected.push(`big.c:${lines + ln + 1}:${id}`);
				}
				text += src;
				lines += src.split('\n').length - 1;
			} else {
				const f = filler(i);
				text += f;
				lines += f.split('\n').length - 1;
			}
		}
		assert.ok(text.split('\n').length >= 100000);
		const dir = tmp({ 'big.c': text });
		const r = await run(['--format', 'json', 'big.c'], { cwd: dir, timeoutMs: 120000 });
		noCrash(r);
		assert.equal(r.code, 1);
		assert.deepEqual(ruleLines(json(r).findings), expected.sort());
	});

	test('unbalanced braces: findings or nothing, never a crash', async () => {
		const src = fixture(TX);
		const cases = {
			'extra-open.c': src.replace('if (!desc) {', 'if (!desc) { {'),
			'missing-close.c': src.replace(/\}\n$/, ''),
			'extra-close.c': src.replace('return 0;\n}', 'return 0;\n}\n}\n}'),
			'only-open.c': '{'.repeat(5000),
			'only-close.c': '}'.repeat(5000) + fixture(METH),
			'truncated.c': src.slice(0, src.indexOf('if (dma_mapping_error') + 12),
			'macro-soup.c': `#define X(a) {\n#if 0\n}\n#endif\n${src}\n#define Y }`,
		};
		const dir = tmp(cases);
		const r = await run(['--format', 'json', '.'], { cwd: dir });
		noCrash(r);
		const files = new Set(json(r).findings.map((f) => f.file));
		assert.ok(files.has('extra-close.c') || files.has('macro-soup.c'), `the function itself is intact in some of them: ${[...files]}`);
	});
});

describe('--fix', () => {
	test('writes the preferred fix; a second --fix changes nothing', async () => {
		const dir = tmp({ 'meth.c': fixture(METH), 'tx.c': fixture(TX) });
		const first = await run(['--fix', '.'], { cwd: dir });
		noCrash(first);
		assert.match(first.stderr, /applied 2 fixes/);
		assert.equal(fs.readFileSync(path.join(dir, 'meth.c'), 'utf8'), fixture(METH.replace('.c', '.fixed.c')));
		assert.equal(fs.readFileSync(path.join(dir, 'tx.c'), 'utf8'), fixture(TX.replace('.c', '.fixed.c')));
		// What remains is what the fixed text has (the NULL device: no struct device in scope, so no fix).
		const remaining = await run(['--format', 'json', '.'], { cwd: dir });
		assert.deepEqual(ruleLines(json(remaining).findings), [...(await findingsOf('meth.c', fixture(METH.replace('.c', '.fixed.c')))), ...(await findingsOf('tx.c', fixture(TX.replace('.c', '.fixed.c'))))].sort());
		assert.ok(json(remaining).findings.every((f) => f.rule === 'null-device'));

		const snapshot = { meth: fs.readFileSync(path.join(dir, 'meth.c')), tx: fs.readFileSync(path.join(dir, 'tx.c')) };
		const second = await run(['--fix', '.'], { cwd: dir });
		noCrash(second);
		assert.match(second.stderr, /applied 0 fixes/);
		assert.ok(fs.readFileSync(path.join(dir, 'meth.c')).equals(snapshot.meth));
		assert.ok(fs.readFileSync(path.join(dir, 'tx.c')).equals(snapshot.tx));
		assert.deepEqual(fs.readdirSync(dir).sort(), ['meth.c', 'tx.c'], 'no temporary files left behind');
	});

	test('--fix keeps the file mode', async () => {
		const dir = tmp({ 'tx.c': fixture(TX) });
		fs.chmodSync(path.join(dir, 'tx.c'), 0o640);
		await run(['--fix', 'tx.c'], { cwd: dir });
		assert.equal(fs.statSync(path.join(dir, 'tx.c')).mode & 0o777, 0o640);
	});

	test('--fix over every rule fixture: a second --fix changes nothing', async () => {
		const files = {};
		for (const rule of fs.readdirSync(FIXTURES)) {
			const d = path.join(FIXTURES, rule);
			if (!fs.statSync(d).isDirectory()) continue;
			for (const name of fs.readdirSync(d)) if (/\.c$/.test(name) && !name.endsWith('.fixed.c')) files[`${rule}/${name}`] = fs.readFileSync(path.join(d, name));
		}
		const dir = tmp(files);
		const first = await run(['--fix', '--format', 'json', '.'], { cwd: dir, timeoutMs: 180000 });
		noCrash(first);
		assert.ok(json(first).fixed.length > 50, 'many fixes applied');
		const snapshot = new Map(Object.keys(files).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
		const second = await run(['--fix', '--format', 'json', '.'], { cwd: dir, timeoutMs: 180000 });
		noCrash(second);
		const changed = Object.keys(files).filter((f) => !fs.readFileSync(path.join(dir, f)).equals(snapshot.get(f)));
		assert.deepEqual(changed, [], 'files changed by a second --fix');
		assert.deepEqual(json(second).fixed, []);
	});

	test('--fix --format json reports what changed and what remains', async () => {
		const dir = tmp({ 'meth.c': fixture(METH), 'tx.c': fixture(TX), 'clean.c': fixture(CLEAN) });
		const r = await run(['--fix', '--format', 'json', '.'], { cwd: dir });
		noCrash(r);
		assert.equal(r.code, 1, 'the NULL device remains, so findings remain');
		const doc = json(r);
		assert.deepEqual(
			doc.fixed.map((f) => `${f.file}:${f.line}:${f.rule}`).sort(),
			['meth.c:25:unchecked-mapping', 'tx.c:22:unmap-missing-on-error'],
		);
		for (const f of doc.fixed) assert.ok(typeof f.title === 'string' && f.title.length > 5);
		// Those of the fixed text: the NULL device (no struct device in scope, so no
		// fix), which the inserted dma_mapping_error() check repeats.
		const expected = [...(await findingsOf('meth.c', fixture(METH.replace('.c', '.fixed.c')))), ...(await findingsOf('tx.c', fixture(TX.replace('.c', '.fixed.c'))))].sort();
		assert.deepEqual(ruleLines(doc.findings), expected);
		assert.ok(expected.includes('meth.c:25:null-device'));
	});

	test('--fix on a clean tree exits 0 and touches nothing', async () => {
		const dir = tmp({ 'clean.c': fixture(CLEAN) });
		const before = fs.statSync(path.join(dir, 'clean.c')).mtimeMs;
		const r = await run(['--fix', '.'], { cwd: dir });
		assert.equal(r.code, 0);
		assert.equal(fs.statSync(path.join(dir, 'clean.c')).mtimeMs, before);
	});
});

describe('--stdin-filename, --rule, --only', () => {
	test('--stdin-filename reads stdin and reports it under that name', async () => {
		const r = await run(['--format', 'gcc', '--stdin-filename', 'drivers/net/ethernet/sgi/meth.c'], { input: fixture(METH) });
		assert.equal(r.code, 1, r.stderr);
		const lines = r.stdout.trimEnd().split('\n');
		assert.equal(lines.length, 2);
		for (const l of lines) assert.ok(l.startsWith('drivers/net/ethernet/sgi/meth.c:25:'), l);
	});

	test('--stdin-filename: the name is what path-dependent rules see', async () => {
		const src = fixture('mapping-error-misuse/pos-eq-zero-goto.c');
		const net = await run(['--format', 'json', '--stdin-filename', 'drivers/net/foo.c'], { input: src });
		assert.ok(json(net).findings.some((f) => f.rule === 'mapping-error-misuse'));
		const iommu = await run(['--format', 'json', '--stdin-filename', 'drivers/iommu/foo.c'], { input: src });
		assert.ok(!json(iommu).findings.some((f) => f.rule === 'mapping-error-misuse'), 'DMA-ops code may compare with DMA_MAPPING_ERROR/0');
	});

	test('--stdin-filename with empty input: exit 0', async () => {
		const r = await run(['--format', 'json', '--stdin-filename', 'x.c'], { input: '' });
		assert.equal(r.code, 0);
		assert.deepEqual(json(r), { findings: [] });
	});

	test('--rule id=off hides a rule; --rule id=LEVEL changes its severity', async () => {
		const dir = tmp({ 'meth.c': fixture(METH) });
		const off = await run(['--format', 'json', '--rule', 'null-device=off', 'meth.c'], { cwd: dir });
		assert.deepEqual(ruleLines(json(off).findings), ['meth.c:25:unchecked-mapping']);
		const both = await run(['--format', 'json', '--rule', 'null-device=off', '--rule=unchecked-mapping=off', 'meth.c'], { cwd: dir });
		assert.equal(both.code, 0, 'every finding turned off: clean');
		const sev = await run(['--format', 'json', '--rule', 'unchecked-mapping=info', '--rule', 'null-device=hint', 'meth.c'], { cwd: dir });
		assert.deepEqual(json(sev).findings.map((f) => `${f.rule}=${f.severity}`).sort(), ['null-device=hint', 'unchecked-mapping=information']);
		const gcc = await run(['--format', 'gcc', '--rule', 'unchecked-mapping=error', 'meth.c'], { cwd: dir });
		assert.match(gcc.stdout, /meth\.c:25:41: error: .*\[unchecked-mapping\]/);
	});

	test('--only reports only the listed rules', async () => {
		const dir = tmp({ 'meth.c': fixture(METH), 'tx.c': fixture(TX) });
		const one = await run(['--format', 'json', '--only', 'unmap-missing-on-error', '.'], { cwd: dir });
		assert.deepEqual(ruleLines(json(one).findings), ['tx.c:22:unmap-missing-on-error']);
		const two = await run(['--format', 'json', '--only', 'null-device, unmap-missing-on-error', '.'], { cwd: dir });
		assert.deepEqual(ruleLines(json(two).findings), ['meth.c:25:null-device', 'tx.c:22:unmap-missing-on-error']);
		const none = await run(['--format', 'json', '--only', 'gfp-zero', '.'], { cwd: dir });
		assert.equal(none.code, 0);
	});

	test('--only unchecked-mapping (which skips files with no map call) finds exactly what the full run finds for that rule', async () => {
		// Every rule fixture directory as one tree: maps, sg maps, allocations, pools, masks.
		const full = await run(['--format', 'json', path.join(__dirname, 'fixtures')]);
		const only = await run(['--format', 'json', '--only', 'unchecked-mapping', path.join(__dirname, 'fixtures')]);
		const want = json(full).findings.filter((f) => f.rule === 'unchecked-mapping');
		assert.ok(want.length > 15, `${want.length} unchecked-mapping findings`);
		assert.deepEqual(json(only).findings, want);
		const sg = await run(['--format', 'json', '--only', 'unchecked-map-sg,unchecked-mapping', path.join(__dirname, 'fixtures')]);
		assert.deepEqual(json(sg).findings, json(full).findings.filter((f) => f.rule === 'unchecked-map-sg' || f.rule === 'unchecked-mapping'));
		// A file with allocations only: nothing to report for unchecked-mapping (it is skipped before parsing).
		const dir = tmp({ 'alloc.c': fixture('free-missing-on-error/pos-admin-queue-three-held-return.c') });
		const r = await run(['--format', 'json', '--only', 'unchecked-mapping', 'alloc.c'], { cwd: dir });
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(json(r), { findings: [] });
	});

	test('--only with --fix fixes only those rules', async () => {
		const dir = tmp({ 'meth.c': fixture(METH), 'tx.c': fixture(TX) });
		const r = await run(['--fix', '--only', 'unmap-missing-on-error', '.'], { cwd: dir });
		noCrash(r);
		assert.equal(fs.readFileSync(path.join(dir, 'meth.c'), 'utf8'), fixture(METH), 'meth.c untouched');
		assert.equal(fs.readFileSync(path.join(dir, 'tx.c'), 'utf8'), fixture(TX.replace('.c', '.fixed.c')));
	});
});

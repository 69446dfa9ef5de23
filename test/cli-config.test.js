'use strict';
// dma-check's project settings, suppression comments and patch mode, on
// small driver trees written to a temp directory:
// - `.dma-check.json` (or package.json "dmaCheck") found by walking up from
//   each file: rule levels, ignored paths, extra wrapper functions;
//   `--rule` overrides it and `--no-config` ignores it;
// - `/* dma-check: ignore <id> */` on or above the finding's line, the
//   file-wide `ignore-file` form, and `--report-unused-suppressions`;
// - `--diff FILE|-`: only findings on lines a unified diff adds or changes.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { runProgram } = require('./helpers/process');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'dma-check');
const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (rel) => fs.readFileSync(path.join(FIXTURES, rel), 'utf8');

// Line 28: an unchecked dma_map_single() (unchecked-mapping, a warning).
const UNCHECKED = fixture('unchecked-mapping/pos-one-earlier-ret.c');
// Line 18: a memset after dma_alloc_coherent() (redundant-zeroing, a note).
const ZEROING = fixture('redundant-zeroing/pos-tx-ring-memset.c');

function run(args, { cwd, input } = {}) {
	return runProgram(process.execPath, [CLI, ...args], { cwd, input, timeoutMs: 60000, env: { ...process.env, NO_COLOR: '1' }, label: 'dma-check' });
}

/** A temp tree with `files` ({relPath: text}). */
function tree(files) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-check-config-'));
	for (const [rel, text] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
		fs.writeFileSync(path.join(dir, rel), text);
	}
	return dir;
}

/** gcc-format lines as `file:line [rule] severity`. */
function findings(stdout) {
	return stdout
		.trim()
		.split('\n')
		.filter(Boolean)
		.map((l) => {
			const m = /^(.+?):(\d+):\d+: (\w+): .*\[([a-z-]+)\]$/.exec(l);
			assert.ok(m, `a gcc-format line: ${l}`);
			return `${m[1]}:${m[2]} [${m[4]}] ${m[3]}`;
		})
		.sort();
}

describe('.dma-check.json and package.json "dmaCheck"', () => {
	const base = { 'drivers/foo/tx.c': UNCHECKED, 'drivers/foo/ring.c': ZEROING, 'drivers/staging/bar/old.c': UNCHECKED };

	test('with no settings file, every finding at its default level', async () => {
		const r = await run(['--format', 'gcc', 'drivers'], { cwd: tree(base) });
		assert.equal(r.code, 1, r.stderr);
		assert.deepEqual(findings(r.stdout), ['drivers/foo/ring.c:18 [redundant-zeroing] note', 'drivers/foo/tx.c:28 [unchecked-mapping] warning', 'drivers/staging/bar/old.c:28 [unchecked-mapping] warning']);
	});

	test('rule levels and ignored paths from a .dma-check.json found above the files', async () => {
		const dir = tree({ ...base, '.dma-check.json': JSON.stringify({ rules: { 'redundant-zeroing': 'off', 'unchecked-mapping': 'error' }, ignore: ['drivers/staging/**'] }) });
		const r = await run(['--format', 'gcc', 'drivers'], { cwd: dir });
		assert.equal(r.code, 1, r.stderr);
		assert.deepEqual(findings(r.stdout), ['drivers/foo/tx.c:28 [unchecked-mapping] error']);
	});

	test('--rule overrides the file; --no-config ignores it', async () => {
		const dir = tree({ ...base, '.dma-check.json': JSON.stringify({ rules: { 'redundant-zeroing': 'off', 'unchecked-mapping': 'error' }, ignore: ['drivers/staging/**'] }) });
		const overridden = await run(['--format', 'gcc', '--rule', 'unchecked-mapping=info', 'drivers'], { cwd: dir });
		assert.deepEqual(findings(overridden.stdout), ['drivers/foo/tx.c:28 [unchecked-mapping] note']);
		const ignored = await run(['--format', 'gcc', '--no-config', 'drivers'], { cwd: dir });
		assert.equal(findings(ignored.stdout).length, 3);
	});

	test('a nearer settings file wins over one further up', async () => {
		const dir = tree({ ...base, '.dma-check.json': JSON.stringify({ rules: { 'unchecked-mapping': 'off' } }), 'drivers/staging/.dma-check.json': JSON.stringify({ rules: { 'unchecked-mapping': 'error' } }) });
		const r = await run(['--format', 'gcc', 'drivers'], { cwd: dir });
		assert.deepEqual(findings(r.stdout), ['drivers/foo/ring.c:18 [redundant-zeroing] note', 'drivers/staging/bar/old.c:28 [unchecked-mapping] error']);
	});

	test('a "dmaCheck" section of package.json', async () => {
		const dir = tree({ ...base, 'package.json': JSON.stringify({ name: 'x', dmaCheck: { rules: { 'unchecked-mapping': 'off' } } }) });
		const r = await run(['--format', 'gcc', 'drivers'], { cwd: dir });
		assert.deepEqual(findings(r.stdout), ['drivers/foo/ring.c:18 [redundant-zeroing] note']);
	});

	test('"wrappers": a project function declared a map is checked like one', async () => {
		const wrapped = 'static int foo_send(struct foo_priv *priv, struct sk_buff *skb)\n{\n\tdma_addr_t dma;\n\n\tdma = foo_map_buf(priv->dev, skb->data, skb->len);\n\tfoo_post(priv, dma);\n\treturn 0;\n}\n';
		const without = await run(['--format', 'gcc', 'send.c'], { cwd: tree({ 'send.c': wrapped }) });
		assert.equal(without.code, 0, without.stdout);
		const dir = tree({ 'send.c': wrapped, '.dma-check.json': JSON.stringify({ wrappers: { foo_map_buf: 'dma_map_single' } }) });
		const r = await run(['--format', 'gcc', 'send.c'], { cwd: dir });
		assert.deepEqual(findings(r.stdout), ['send.c:5 [unchecked-mapping] warning']);
	});

	test('a broken settings file: a clear message, not a crash', async () => {
		const dir = tree({ 'tx.c': UNCHECKED, '.dma-check.json': '{ "rules": ' });
		const r = await run(['--format', 'gcc', 'tx.c'], { cwd: dir });
		assert.equal(r.code, 2, 'a settings error is a usage error');
		assert.match(r.stderr, /bad configuration: .*\.dma-check\.json: /);
		assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
	});
});

describe('suppression comments', () => {
	const lines = UNCHECKED.split('\n');
	const withLine = (i, text) => [...lines.slice(0, i), text, ...lines.slice(i)].join('\n');

	test('on the finding\'s line and on the line above', async () => {
		const onLine = lines.map((l, i) => (i === 27 ? `${l} /* dma-check: ignore unchecked-mapping */` : l)).join('\n');
		const above = withLine(27, '\t/* dma-check: ignore unchecked-mapping */');
		const otherRule = withLine(27, '\t/* dma-check: ignore redundant-zeroing */');
		const dir = tree({ 'on.c': onLine, 'above.c': above, 'other.c': otherRule });
		const r = await run(['--format', 'gcc', '.'], { cwd: dir });
		assert.deepEqual(findings(r.stdout), ['other.c:29 [unchecked-mapping] warning'], 'a comment for another rule suppresses nothing');
	});

	test('ignore-file, with a rule or for all rules', async () => {
		const dir = tree({ 'one.c': `/* dma-check: ignore-file redundant-zeroing */\n${ZEROING}`, 'all.c': `// dma-check: ignore-file\n${UNCHECKED}`, 'kept.c': `/* dma-check: ignore-file redundant-zeroing */\n${UNCHECKED}` });
		const r = await run(['--format', 'gcc', '.'], { cwd: dir });
		assert.deepEqual(findings(r.stdout), ['kept.c:29 [unchecked-mapping] warning']);
	});

	test('--report-unused-suppressions reports a comment that suppresses nothing', async () => {
		const dir = tree({ 'ring.c': `/* dma-check: ignore unchecked-mapping */\n${ZEROING}`, 'tx.c': withLine(27, '\t/* dma-check: ignore unchecked-mapping */') });
		const quiet = await run(['--format', 'gcc', '.'], { cwd: dir });
		assert.deepEqual(findings(quiet.stdout), ['ring.c:19 [redundant-zeroing] note']);
		const r = await run(['--format', 'gcc', '--report-unused-suppressions', '.'], { cwd: dir });
		assert.deepEqual(findings(r.stdout), ['ring.c:1 [unused-suppression] note', 'ring.c:19 [redundant-zeroing] note']);
	});
});

describe('--diff: only findings on the lines a patch adds or changes', () => {
	const ADDED = '\nstatic int foo_post_cmd(struct foo_priv *priv, void *cmd, size_t len)\n{\n\tdma_addr_t dma = dma_map_single(priv->dev, cmd, len, DMA_TO_DEVICE);\n\n\twritel(lower_32_bits(dma), priv->base + FOO_CMD_ADDR);\n\treturn 0;\n}\n';
	const git = (dir, ...args) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
	const gitMissing = (() => {
		try {
			execFileSync('git', ['--version'], { stdio: 'ignore' });
			return false;
		} catch {
			return true;
		}
	})();

	test('git diff on standard input, a diff file, and PATHs that narrow it', { skip: gitMissing && 'git is not installed' }, async () => {
		const dir = tree({ 'drivers/foo/ring.c': ZEROING, 'drivers/foo/tx.c': UNCHECKED });
		git(dir, 'init', '-q');
		git(dir, 'add', '-A');
		git(dir, 'commit', '-qm', 'base');
		fs.appendFileSync(path.join(dir, 'drivers/foo/ring.c'), ADDED);
		const diff = git(dir, 'diff');
		// The whole files have three findings; the patch adds one of them.
		const all = await run(['--format', 'gcc', 'drivers'], { cwd: dir });
		assert.equal(findings(all.stdout).length, 3);
		const piped = await run(['--format', 'gcc', '--diff', '-'], { cwd: dir, input: diff });
		assert.equal(piped.code, 1, piped.stderr);
		assert.deepEqual(findings(piped.stdout), ['drivers/foo/ring.c:29 [unchecked-mapping] warning']);
		fs.writeFileSync(path.join(dir, 'change.diff'), diff);
		const fromFile = await run(['--format', 'gcc', '--diff', 'change.diff'], { cwd: dir });
		assert.deepEqual(findings(fromFile.stdout), ['drivers/foo/ring.c:29 [unchecked-mapping] warning']);
		const narrowed = await run(['--format', 'gcc', '--diff', 'change.diff', 'drivers/foo/tx.c'], { cwd: dir });
		assert.equal(narrowed.code, 0, 'tx.c has findings, but none on lines the patch touches');
		assert.equal(narrowed.stdout, '');
	});

	test('a diff file that does not exist: exit 2 and a message', async () => {
		const r = await run(['--diff', 'no-such.diff'], { cwd: tree({ 'tx.c': UNCHECKED }) });
		assert.equal(r.code, 2);
		assert.match(r.stderr, /no-such\.diff/);
	});
});

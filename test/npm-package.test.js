'use strict';
// The npm package as a user gets it: `npm pack` makes the tarball, and npx
// runs dma-check from it with no registry (--offline, an empty npm cache).
// That works only because the package has no runtime dependencies: the
// bundles in dist/ carry them, so the tarball is all there is to install.
// What goes into the tarball and the .vsix is allow-listed twice, in
// .npmignore (gitignore syntax) and .vscodeignore (vsce's minimatch syntax;
// vsce refuses a package.json "files" beside it): both must let in the same.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const { runProgram } = require('./helpers/process');
const { LspClient } = require('./helpers/lsp-client');
const { pathToFileURL } = require('node:url');
const FIXTURES = path.join(__dirname, 'fixtures');
const BUGGY = path.join(FIXTURES, 'unchecked-mapping', 'pos-one-earlier-ret.c');
const CLEAN = path.join(FIXTURES, 'unchecked-mapping', 'neg-check-in-loop.c');
const ZEROING = path.join(FIXTURES, 'redundant-zeroing', 'pos-tx-ring-memset.c');

/** The fenced code block that follows `heading` in the README's "In other editors" section. */
function readmeBlock(readme, heading) {
	const section = readme.slice(readme.indexOf('## In other editors'));
	const at = section.indexOf(heading);
	assert.ok(at >= 0, `the README has a ${heading} configuration`);
	const m = /```[a-z]*\n([\s\S]*?)```/.exec(section.slice(at));
	assert.ok(m, `a code block follows ${heading}`);
	return m[1];
}

/** How each editor's configuration in the README starts the server, and what it sends. */
function editorConfigurations(readme) {
	const strings = (list, quote) => [...list.matchAll(new RegExp(`${quote}([^${quote}]*)${quote}`, 'g'))].map((m) => m[1]);
	const lua = readmeBlock(readme, 'Neovim');
	const cmd = /cmd = \{([^}]*)\}/.exec(lua);
	assert.ok(cmd, 'the Neovim configuration has a cmd');
	const rules = {};
	for (const m of (/init_options = \{ rules = \{([^}]*)\}/.exec(lua)?.[1] ?? '').matchAll(/\['([a-z-]+)'\] = '([a-z]+)'/g)) rules[m[1]] = m[2];
	const toml = readmeBlock(readme, 'Helix');
	const helixCommand = /^command = "([^"]+)"/m.exec(toml);
	const helixArgs = /^args = \[([^\]]*)\]/m.exec(toml);
	assert.ok(helixCommand && helixArgs, 'the Helix configuration has a command and args');
	const elisp = readmeBlock(readme, 'Emacs');
	const eglot = /\. \(("[^)]*)\)/.exec(elisp);
	assert.ok(eglot, 'the eglot configuration names a program');
	return [
		{ editor: 'Neovim', argv: strings(cmd[1], "'"), initializationOptions: { rules }, clientInfo: { name: 'Neovim', version: '0.10.4' } },
		{ editor: 'Helix', argv: [helixCommand[1], ...strings(helixArgs[1], '"')], initializationOptions: undefined, clientInfo: { name: 'helix', version: '25.01' } },
		{ editor: 'Emacs', argv: strings(eglot[1], '"'), initializationOptions: {}, clientInfo: { name: 'Eglot', version: '1.17' } },
	];
}

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const npmMissing = spawnSync(NPM, ['--version'], { encoding: 'utf8' }).status !== 0;

/** Runs a command; resolves with {code, stdout, stderr}. */
function run(cmd, args, { cwd, env, timeoutMs = 60000 }) {
	return runProgram(cmd, args, { cwd, env, timeoutMs });
}

describe('allow-lists: the npm tarball and the .vsix hold the same files', { skip: npmMissing && 'npm is not on PATH' }, () => {
	test('npm pack --dry-run and vsce ls list the same files, and no sources, tests or maps', () => {
		const packed = spawnSync(NPM, ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
		assert.equal(packed.status, 0, `npm pack --dry-run failed:\n${packed.stderr}`);
		const npmFiles = JSON.parse(packed.stdout)[0].files.map((f) => f.path).sort();
		const vsce = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
		const listed = spawnSync(vsce, ['ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' });
		assert.equal(listed.status, 0, `vsce ls failed:\n${listed.stdout}\n${listed.stderr}`);
		const vsixFiles = listed.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
		assert.deepEqual(vsixFiles, npmFiles, 'the two allow-lists disagree');
		for (const f of ['bin/dma-check', 'dist/cli.js', 'dist/server.js', 'dist/client.js', 'dist/tree-sitter-c.wasm', 'docs/rules/unchecked-mapping.md', 'images/icon.png', 'LICENSE']) {
			assert.ok(npmFiles.includes(f), `${f} is let in`);
		}
		const stray = npmFiles.filter((f) => /^(server|client|test|bench|scripts|examples|\.ci)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts') || /^docs\/(?!rules\/)/.test(f));
		assert.deepEqual(stray, [], 'nothing outside the allow-list');
	});
});

describe('npm package: npx runs dma-check from the packed tarball, offline', { skip: npmMissing && 'npm is not on PATH' }, () => {
	let dir;
	let tarball;
	let env;

	before(async () => {
		for (const f of ['cli.js', 'server.js', 'client.js', 'web-tree-sitter.wasm', 'tree-sitter-c.wasm']) {
			assert.ok(fs.existsSync(path.join(ROOT, 'dist', f)), `dist/${f} is missing: run \`npm run build\` (npm test does)`);
		}
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-npm-package-'));
		// A private, empty npm cache: nothing can come from an earlier install,
		// and the npx install of the tarball leaves nothing behind in ~/.npm.
		env = { ...process.env, NO_COLOR: '1', npm_config_cache: path.join(dir, 'npm-cache'), npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
		// dist/ is already built (npm test builds it first), so skip prepack's
		// rebuild: other test files are reading dist/ at the same time.
		const packed = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env });
		assert.equal(packed.code, 0, `npm pack failed:\n${packed.stderr}`);
		const [info] = JSON.parse(packed.stdout);
		tarball = path.join(dir, info.filename);
		const files = info.files.map((f) => f.path);
		for (const f of ['bin/dma-check', 'bin/dma-language-server', 'dist/cli.js', 'dist/server.js', 'dist/web-tree-sitter.wasm', 'dist/tree-sitter-c.wasm']) {
			assert.ok(files.includes(f), `${f} is in the tarball (files: ${files.join(', ')})`);
		}
		assert.ok(!files.some((f) => /^(server|client|test|bench)\//.test(f) || f.endsWith('.map')), `no sources, tests or source maps in the tarball: ${files.join(', ')}`);
	});

	after(() => {
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	const npx = (args) => run(NPX, ['--yes', '--offline', '--package', tarball, ...args], { cwd: dir, env });

	test('the tarball declares no runtime dependencies', () => {
		const listed = spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' });
		assert.equal(listed.status, 0, listed.stderr);
		const pkg = JSON.parse(listed.stdout);
		assert.deepEqual(pkg.dependencies ?? {}, {}, 'the bundles in dist/ carry every runtime dependency');
		assert.deepEqual(Object.keys(pkg.bin).sort(), ['dma-check', 'dma-language-server']);
	});

	test('npx dma-check on a buggy driver: the finding, exit 1', async () => {
		const r = await npx(['dma-check', '--format', 'json', BUGGY]);
		assert.equal(r.code, 1, `exit 1 for findings; stderr:\n${r.stderr}`);
		const { findings } = JSON.parse(r.stdout);
		assert.deepEqual(
			findings.map((f) => [path.basename(f.file), f.line, f.column, f.rule, f.severity]),
			[['pos-one-earlier-ret.c', 28, 20, 'unchecked-mapping', 'warning']],
		);
	});

	test('installed with npm install -g, the server starts as the README\'s Neovim, Helix and Emacs configurations start it', async () => {
		const prefix = path.join(dir, 'global');
		const installed = await run(NPM, ['install', '--global', '--offline', '--prefix', prefix, tarball], { cwd: dir, env });
		assert.equal(installed.code, 0, `npm install -g of the tarball failed:\n${installed.stderr}`);
		// The editors find the program on PATH, as they would after a global install.
		const serverEnv = { ...process.env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}` };
		const configs = editorConfigurations(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
		assert.deepEqual(configs[0].initializationOptions, { rules: { 'redundant-zeroing': 'off' } }, 'the Neovim example turns one rule off');
		for (const { editor, argv, initializationOptions, clientInfo } of configs) {
			assert.equal(argv[0], 'dma-language-server', `${editor} starts the installed program`);
			const client = new LspClient({ executable: argv[0], args: argv.slice(1), env: serverEnv, cwd: dir }).start();
			try {
				const result = await client.initialize({ initializationOptions, rootUri: pathToFileURL(dir).href, processId: process.pid, extra: { clientInfo, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'linux' }] } });
				assert.equal(result.serverInfo?.name, 'dma-language-server', `${editor}: the server answers initialize`);
				const buggy = pathToFileURL(path.join(dir, 'drivers', 'foo', 'tx.c')).href;
				const zeroing = pathToFileURL(path.join(dir, 'drivers', 'foo', 'ring.c')).href;
				client.open(buggy, fs.readFileSync(BUGGY, 'utf8'));
				client.open(zeroing, fs.readFileSync(ZEROING, 'utf8'));
				const d1 = await client.waitForDiagnostics(buggy);
				assert.deepEqual(d1.diagnostics.map((d) => [d.range.start.line, d.code]), [[27, 'unchecked-mapping']], `${editor}: the finding in tx.c`);
				const d2 = await client.waitForDiagnostics(zeroing);
				const zeroed = d2.diagnostics.filter((d) => d.code === 'redundant-zeroing').length;
				if (initializationOptions?.rules?.['redundant-zeroing'] === 'off') assert.equal(zeroed, 0, `${editor}: its init_options turn redundant-zeroing off`);
				else assert.equal(zeroed, 1, `${editor}: redundant-zeroing reported with the default settings`);
				const status = await client.shutdown();
				assert.equal(status.code, 0, `${editor}: shutdown then exit ends the server with status 0`);
			} finally {
				client.kill();
			}
		}
	});

	test('npx dma-check on correct code: no output, exit 0', async () => {
		const r = await npx(['dma-check', CLEAN]);
		assert.equal(r.code, 0, `exit 0 when clean; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
		assert.equal(r.stdout, '');
	});
});

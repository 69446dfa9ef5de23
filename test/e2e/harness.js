'use strict';
/**
 * Shared pieces of the real-editor tests: find code-server (installed by
 * .ci/e2e-setup.sh into a cache outside the repo), start it fully isolated on
 * a loopback port the kernel picks, launch headless Debian chromium with
 * playwright-core, and tear both down. Used by code-server-shim.js (the
 * @vscode/test-electron suite) and workbench.js (the Playwright flows).
 *
 * This file only defines functions: `node --test test/` loads every .js file
 * under test/, and loading this one does nothing.
 */
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CODE_SERVER_VERSION = '4.100.3';
const CHROMIUM = process.env.DMA_E2E_CHROMIUM || '/usr/bin/chromium';

function cacheDir() {
  return process.env.DMA_E2E_CACHE || path.join(os.homedir(), '.cache', 'dma-api-assistant', 'e2e');
}

/** The code-server launcher; DMA_E2E_CODE_SERVER overrides the cache location. */
function codeServerBin() {
  const bin = process.env.DMA_E2E_CODE_SERVER || path.join(cacheDir(), `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
  if (!fs.existsSync(bin)) throw new Error(`code-server not found at ${bin}: run .ci/e2e-setup.sh first`);
  return bin;
}

/** The extension's folder name in an extensions dir: <publisher>.<name>-<version>. */
function extensionFolderName(root = REPO_ROOT) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return `${pkg.publisher}.${pkg.name}-${pkg.version}`;
}

function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  // The sticky-scroll overlay covers the first line of a shrunk editor and
  // swallows the pointer (hover, clicks).
  'editor.stickyScroll.enabled': false,
  'workbench.tips.enabled': false,
  'chat.commandCenter.enabled': false,
};

/**
 * Starts code-server in its own process group with a private HOME, TMPDIR and
 * XDG dirs under a fresh run dir, no gallery, no telemetry, no update check.
 *   opts.symlinkExtensions: { folderName: absPath } linked into the extensions dir before start
 *   opts.installExtensions: [vsixPath] installed into the extensions dir with
 *     `code-server --install-extension` before start
 *   opts.settings: extra user settings
 *   opts.env: extra environment (reaches the extension host)
 * Resolves when the log names the port and /healthz there answers 200.
 * `stop()` ends the whole group and removes the run dir (unless keepRunDir).
 */
async function startCodeServer(opts = {}) {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-e2e-'));
  const dirs = {
    home: path.join(runDir, 'home'),
    tmp: path.join(runDir, 'tmp'),
    config: path.join(runDir, 'xdg-config'),
    data: path.join(runDir, 'xdg-data'),
    cache: path.join(runDir, 'xdg-cache'),
    userData: path.join(runDir, 'data'),
    extensions: path.join(runDir, 'ext'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...(opts.settings || {}) }, null, 2));
  for (const [name, target] of Object.entries(opts.symlinkExtensions || {})) {
    fs.symlinkSync(target, path.join(dirs.extensions, name), 'dir');
  }

  const env = codeServerEnv(dirs, opts.env);
  const dirArgs = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  for (const vsix of opts.installExtensions || []) installExtension(vsix, dirArgs, env);

  // Port 0: the kernel picks a free port when code-server listens, and the
  // log says which. (A port picked here and closed again could be taken by
  // another process before code-server binds it; /healthz would then ask
  // whoever holds it.)
  const args = [
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--bind-addr', '127.0.0.1:0',
    ...dirArgs,
  ];
  const logPath = path.join(runDir, 'code-server.log');
  const logFd = fs.openSync(logPath, 'a');
  const child = spawn(codeServerBin(), args, { env, detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  let url;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}); log:\n${readTail(logPath)}`);
    if (!url) {
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(fs.readFileSync(logPath, 'utf8'));
      if (m) url = m[1];
    }
    if (url && (await httpStatus(`${url}/healthz`)) === 200) break;
    if (Date.now() > deadline) {
      killGroup(child.pid);
      throw new Error(`code-server did not ${url ? 'answer /healthz' : 'say where it listens'} within 120 s; log:\n${readTail(logPath)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const port = Number(new URL(url).port);

  let stopped = false;
  async function stop({ keepRunDir = false } = {}) {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    // The ext host and watchers are in the same group; make sure none is left.
    killGroup(child.pid, 'SIGKILL');
    if (!keepRunDir) fs.rmSync(runDir, { recursive: true, force: true });
  }
  return { url, port, runDir, dirs, logPath, pid: child.pid, stop, log: () => readTail(logPath, 1 << 20) };
}

/** The isolated environment of one code-server run: private HOME, TMPDIR, XDG dirs, no gallery. */
function codeServerEnv(dirs, extra = {}) {
  const env = { ...process.env, ...extra };
  // Never let an outer test runner's context leak into the editor.
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return Object.assign(env, {
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    EXTENSIONS_GALLERY: '{}',
  });
}

/** `code-server --install-extension vsix` into the run's extensions dir; throws with its output if it fails. */
function installExtension(vsix, dirArgs, env) {
  const r = spawnSync(codeServerBin(), [...dirArgs, '--install-extension', vsix], { env, encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout || ''}${r.stderr || ''}`;
  if (r.error || r.status !== 0) {
    throw new Error(`code-server --install-extension ${vsix} failed (${r.error ? r.error.message : `exit ${r.status}`}):\n${output}`);
  }
  return output;
}

/** `code-server --list-extensions --show-versions` for a started server's dirs: ['publisher.name@version', ...]. */
function listExtensions(server) {
  const dirArgs = ['--user-data-dir', server.dirs.userData, '--extensions-dir', server.dirs.extensions];
  const r = spawnSync(codeServerBin(), [...dirArgs, '--list-extensions', '--show-versions'], { env: codeServerEnv(server.dirs), encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) throw new Error(`code-server --list-extensions failed: ${r.error ? r.error.message : r.stderr}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

function killGroup(pid, signal = 'SIGTERM') {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function readTail(file, max = 8000) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > max ? text.slice(-max) : text;
  } catch {
    return '';
  }
}

/** Headless Debian chromium through playwright-core, with its HOME and TMPDIR under runDir. */
async function launchChromium(runDir) {
  const { chromium } = require('playwright-core');
  const home = path.join(runDir, 'browser-home');
  const tmp = path.join(runDir, 'browser-tmp');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(tmp, { recursive: true });
  const env = { ...process.env, HOME: home, TMPDIR: tmp, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Copies files into a fresh temp folder: { 'name-in-workspace': absSourcePath }. */
function makeWorkspace(files, prefix = 'dma-e2e-ws-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, src] of Object.entries(files)) {
    const dest = path.join(dir, name);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(src, dest);
  }
  return dir;
}

module.exports = {
  REPO_ROOT,
  CODE_SERVER_VERSION,
  codeServerBin,
  extensionFolderName,
  startCodeServer,
  listExtensions,
  launchChromium,
  makeWorkspace,
  killGroup,
  readTail,
};

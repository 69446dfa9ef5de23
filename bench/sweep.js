#!/usr/bin/env node
/**
 * The whole-tree robustness sweep (`npm run sweep`): every .c and .h file of
 * a Linux source tree through the analysis core, looking for crashes, hangs,
 * internal errors and unbounded memory rather than for speed.
 *
 *   node bench/sweep.js [--kernel PATH] [--jobs N] [--timeout-ms MS]
 *                       [--recheck-ms MS] [--max-rss-mb MB] [--under DIR[,DIR]]
 *                       [--limit N] [--out FILE] [--quiet]
 *
 * How it runs:
 *   - files are collected the way dma-check collects them (recursive, .c/.h,
 *     symlinked directories followed once, sorted) and read the way it reads
 *     them (over 8 MB or NUL bytes in the first 8 KB: skipped and counted;
 *     UTF-8, else Latin-1). Unlike the CLI there is no DMA-text prefilter:
 *     FileAnalyzer.analyze() sees every file, so the function splitter and the
 *     text scans run over the whole tree;
 *   - N worker_threads (default 2), each with its own FileAnalyzer from
 *     dist/core.js, whose caches are dropped with dispose() after every file;
 *   - a per-file time limit (default 10 s from the moment the file is handed
 *     over): a worker over it is terminated and replaced, the file recorded.
 *     Every file that hit the limit is tried again at the end, alone, with a
 *     longer limit (default 120 s), to tell a slow file from a hang;
 *   - an exception out of analyze() is a crash: recorded with its stack, and
 *     that worker is replaced (its wasm state may be damaged). A worker that
 *     dies (uncaught error, V8 heap limit) is a crash of the file it held;
 *   - the main process's RSS (which includes the workers: they are threads)
 *     is sampled every 250 ms; the peak is reported. Over --max-rss-mb
 *     (default 3072) every worker is recycled after its current file.
 *
 * Writes bench/sweep-results.json and prints a summary. Exit status 0 when
 * there was no crash and no file over the limit, 1 otherwise, 2 on usage error.
 *
 * This file also exports the pieces bench/fix-safety.js reuses (file
 * collection, reading, the worker pool).
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const { performance } = require('perf_hooks');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const CORE = path.join(ROOT, 'dist', 'core.js');
const MAX_BYTES = 8 * 1024 * 1024;
const SOURCE = /\.[ch]$/;

// ---------------------------------------------------------------------------
// Shared helpers (also used by bench/fix-safety.js)
// ---------------------------------------------------------------------------

function defaultKernel() {
  return process.env.DMA_KERNEL_SRC || path.join(os.homedir(), '.cache', 'dma-api-assistant', 'linux-source-6.1');
}

/**
 * Lists the .c/.h files under `root` (or root/sub for each of `subdirs`; a
 * sub that is a file is taken as it is)
 * as the CLI's collectFiles does: sorted by name, .git/node_modules skipped,
 * symlinked files included, symlinked directories walked once (by realpath).
 */
function collectSources(root, subdirs, onError = () => {}) {
  const out = [];
  const seenDirs = new Set();
  const walk = (dir) => {
    let real;
    try {
      real = fs.realpathSync(dir);
    } catch (e) {
      onError(`${dir}: ${e.message}`);
      return;
    }
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      onError(`${dir}: ${e.message}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === '.git' || e.name === 'node_modules') continue;
        walk(p);
      } else if (e.isSymbolicLink()) {
        let st;
        try {
          st = fs.statSync(p);
        } catch {
          continue; // dangling link
        }
        if (st.isDirectory()) walk(p);
        else if (st.isFile() && SOURCE.test(e.name)) out.push({ abs: p, rel: path.relative(root, p), symlink: true });
      } else if (e.isFile() && SOURCE.test(e.name)) out.push({ abs: p, rel: path.relative(root, p), symlink: false });
    }
  };
  for (const s of subdirs && subdirs.length ? subdirs : ['.']) {
    const p = path.join(root, s);
    let st;
    try {
      st = fs.statSync(p);
    } catch (e) {
      onError(`${p}: ${e.message}`);
      continue;
    }
    if (st.isFile()) out.push({ abs: p, rel: path.relative(root, p), symlink: false });
    else walk(p);
  }
  return out;
}

/** The CLI's decoding: strict UTF-8, else Latin-1. */
function decode(buf) {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), encoding: 'utf8' };
  } catch {
    return { text: buf.toString('latin1'), encoding: 'latin1' };
  }
}

/**
 * Reads a source file as the CLI does. Returns { text, encoding, bytes } or
 * { skip: 'size' | 'binary', bytes } or { error }.
 */
function readSource(file, looksBinary) {
  let st;
  try {
    st = fs.statSync(file);
  } catch (e) {
    return { error: e.message };
  }
  if (!st.isFile()) return { error: 'not a regular file' };
  if (st.size > MAX_BYTES) return { skip: 'size', bytes: st.size };
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    return { error: e.message };
  }
  if (buf.subarray(0, 8192).includes(0)) return { skip: 'binary', bytes: buf.length };
  const { text, encoding } = decode(buf);
  if (looksBinary && looksBinary(text)) return { skip: 'binary', bytes: buf.length };
  return { text, encoding, bytes: buf.length, mtimeMs: st.mtimeMs };
}

function machineInfo() {
  const cpus = os.cpus();
  const info = {
    host: os.hostname(),
    cpuModel: cpus.length ? cpus[0].model.trim() : 'unknown',
    cores: os.availableParallelism ? os.availableParallelism() : cpus.length,
    ramGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
  try {
    const rev = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // Uncommitted changes to what runs: the benchmarks' own result files and the Markdown docs do not count.
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/*results.json', ':(exclude)*.md'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    info.git = { rev, dirty };
  } catch {
    info.git = null;
  }
  try {
    // The exact analysis code measured (the tree may be dirty or move on).
    info.coreBundleSha1 = require('crypto').createHash('sha1').update(fs.readFileSync(CORE)).digest('hex');
  } catch {
    info.coreBundleSha1 = null;
  }
  return info;
}

const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

/**
 * A pool of worker threads running `workerFile` with `workerData`, one job at
 * a time each, with a per-job time limit.
 *
 * Protocol: the worker posts { type: 'ready' } once set up, then answers each
 * { type: 'job', id, job } with { type: 'result', id, result, recycle? }.
 * `recycle: true` asks the pool to replace that worker after this result.
 *
 * Callbacks: onResult(job, result, wallMs), onTimeout(job, wallMs),
 * onCrash(job | undefined, error) for a worker that died. A timed-out or
 * dead worker is terminated and replaced; its job is not retried.
 */
class WorkerPool {
  constructor(opts) {
    this.opts = {
      size: 2,
      timeoutMs: 10000,
      startupTimeoutMs: 120000,
      maxRssMb: 0,
      resourceLimits: { maxOldGenerationSizeMb: 2048 },
      ...opts,
    };
    this.restarts = { timeout: 0, crash: 0, recycle: 0, memory: 0 };
    this.peakRss = process.memoryUsage().rss;
    this.memoryRecycles = 0;
  }

  sampleRss() {
    const rss = process.memoryUsage().rss;
    if (rss > this.peakRss) this.peakRss = rss;
    return rss;
  }

  run(jobs) {
    const o = this.opts;
    return new Promise((resolve) => {
      let next = 0;
      let finished = 0;
      let ended = false;
      const slots = [];
      const sampler = setInterval(() => {
        const rss = this.sampleRss();
        if (o.maxRssMb && rss > o.maxRssMb * 1048576) {
          // Over the bound: every worker is replaced after its current file.
          for (const s of slots) s.recycleAfter = true;
        }
      }, 250);
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(sampler);
        Promise.all(slots.map((s) => s.worker && s.worker.terminate().catch(() => {}))).then(() => resolve());
      };
      const checkDone = () => {
        if (finished === jobs.length) end();
      };
      const dispatch = (slot) => {
        if (next >= jobs.length) {
          slot.idle = true;
          checkDone();
          return;
        }
        const id = next++;
        slot.current = { id, job: jobs[id], started: performance.now() };
        slot.timer = setTimeout(() => {
          if (!slot.current || slot.current.id !== id) return;
          const cur = slot.current;
          slot.current = undefined;
          this.restarts.timeout++;
          finished++;
          o.onTimeout(cur.job, performance.now() - cur.started);
          replace(slot);
        }, o.timeoutMs);
        slot.worker.postMessage({ type: 'job', id, job: jobs[id] });
      };
      const replace = (slot) => {
        const old = slot.worker;
        slot.worker = undefined;
        clearTimeout(slot.timer);
        clearTimeout(slot.startupTimer);
        if (old) old.terminate().catch(() => {});
        if (next >= jobs.length) {
          slot.idle = true;
          checkDone();
          return;
        }
        start(slot);
      };
      const start = (slot) => {
        const w = new Worker(o.workerFile, { workerData: o.workerData, resourceLimits: o.resourceLimits, stdout: false, stderr: false });
        slot.worker = w;
        slot.idle = false;
        slot.recycleAfter = false;
        slot.startupTimer = setTimeout(() => {
          if (slot.worker !== w) return;
          o.onCrash(undefined, new Error(`worker did not start within ${o.startupTimeoutMs} ms`));
          this.restarts.crash++;
          replace(slot);
        }, o.startupTimeoutMs);
        w.on('message', (m) => {
          if (slot.worker !== w) return; // a terminated worker's late message
          if (m.type === 'ready') {
            clearTimeout(slot.startupTimer);
            dispatch(slot);
            return;
          }
          if (m.type !== 'result' || !slot.current || slot.current.id !== m.id) return;
          clearTimeout(slot.timer);
          const cur = slot.current;
          slot.current = undefined;
          finished++;
          this.sampleRss();
          o.onResult(cur.job, m.result, performance.now() - cur.started);
          if (m.recycle || slot.recycleAfter) {
            if (m.recycle) this.restarts.crash++;
            else this.restarts.memory++;
            replace(slot);
          } else dispatch(slot);
        });
        const died = (err) => {
          if (ended || slot.worker !== w) return;
          const cur = slot.current;
          slot.current = undefined;
          clearTimeout(slot.timer);
          if (cur) finished++;
          this.restarts.crash++;
          o.onCrash(cur && cur.job, err);
          replace(slot);
        };
        w.on('error', died);
        w.on('exit', (code) => died(new Error(`worker exited with code ${code}`)));
      };
      const n = Math.max(1, Math.min(o.size, jobs.length));
      if (!jobs.length) {
        end();
        return;
      }
      for (let i = 0; i < n; i++) {
        const slot = {};
        slots.push(slot);
        start(slot);
      }
    });
  }
}

/** Parses --name value / --name=value arguments against a spec of defaults. */
function parseArgs(argv, spec) {
  const out = { ...spec };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? (eq > 0 ? a.slice(2, eq) : a.slice(2)) : null;
    const key = name && name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!key || !(key in spec)) throw new Error(`unknown argument '${a}'`);
    if (typeof spec[key] === 'boolean') {
      out[key] = true;
      continue;
    }
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    out[key] = typeof spec[key] === 'number' ? Number(v) : v;
    if (typeof spec[key] === 'number' && !Number.isFinite(out[key])) throw new Error(`${a} expects a number`);
  }
  return out;
}

module.exports = { collectSources, decode, readSource, machineInfo, WorkerPool, parseArgs, defaultKernel, mb, MAX_BYTES, CORE, ROOT };

// ---------------------------------------------------------------------------
// Worker side
// ---------------------------------------------------------------------------

function sweepWorker() {
  const core = require(CORE);
  let analyzer;
  const ready = core.FileAnalyzer.create().then((a) => {
    analyzer = a;
    parentPort.postMessage({ type: 'ready' });
  });
  ready.catch((e) => {
    throw e;
  });
  parentPort.on('message', (m) => {
    if (m.type !== 'job') return;
    const job = m.job;
    const result = { rel: job.rel };
    let recycle = false;
    const r = readSource(job.abs, core.looksBinary);
    if (r.error) {
      result.readError = r.error;
    } else if (r.skip) {
      result.skip = r.skip;
      result.bytes = r.bytes;
    } else {
      result.bytes = r.bytes;
      result.encoding = r.encoding;
      const t0 = performance.now();
      try {
        const res = analyzer.analyze(r.text, { path: job.rel });
        const byRule = {};
        for (const f of res.findings) byRule[f.rule] = (byRule[f.rule] || 0) + 1;
        result.findings = res.findings.length;
        result.byRule = byRule;
        result.failures = res.failures;
        result.stats = res.stats;
      } catch (e) {
        result.crash = { message: e && e.message ? e.message : String(e), stack: e && e.stack ? String(e.stack) : undefined };
        recycle = true;
      }
      try {
        analyzer.dispose();
      } catch (e) {
        if (!result.crash) result.crash = { message: `dispose(): ${e && e.message}`, stack: e && e.stack ? String(e.stack) : undefined };
        recycle = true;
      }
      result.ms = performance.now() - t0;
    }
    parentPort.postMessage({ type: 'result', id: m.id, result, recycle });
  });
}

// ---------------------------------------------------------------------------
// Main side
// ---------------------------------------------------------------------------

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2), {
      kernel: defaultKernel(),
      jobs: 2,
      timeoutMs: 10000,
      recheckMs: 120000,
      maxRssMb: 3072,
      under: '',
      limit: 0,
      out: path.join(__dirname, 'sweep-results.json'),
      quiet: false,
    });
  } catch (e) {
    process.stderr.write(`sweep: ${e.message}\n`);
    return 2;
  }
  if (!fs.existsSync(CORE)) {
    process.stderr.write(`sweep: ${CORE} is missing; run npm run build (npm run sweep does)\n`);
    return 2;
  }
  const kernel = path.resolve(args.kernel);
  if (!fs.existsSync(path.join(kernel, 'Makefile'))) {
    process.stderr.write(`sweep: ${kernel} does not look like a kernel tree (set --kernel or DMA_KERNEL_SRC)\n`);
    return 2;
  }
  const log = (s) => {
    if (!args.quiet) process.stderr.write(`${s}\n`);
  };
  const machine = machineInfo();
  const startedAt = new Date();
  const t0 = performance.now();
  const walkErrors = [];
  let files = collectSources(kernel, args.under ? args.under.split(',') : [], (m) => walkErrors.push(m));
  if (args.limit > 0) files = files.slice(0, args.limit);
  log(`sweep: ${files.length} files under ${kernel}, ${args.jobs} workers, ${args.timeoutMs} ms per file`);

  const s = {
    files: files.length,
    symlinkedFiles: files.filter((f) => f.symlink).length,
    analyzed: 0,
    latin1: 0,
    bytesAnalyzed: 0,
    functions: 0,
    parsedFunctions: 0,
    skipped: { total: 0, size: [], binary: [] },
    readErrors: [],
    findings: { total: 0, filesWithFindings: 0, byRule: {} },
    perFileFindings: {},
    internalErrors: [],
    crashes: [],
    timeouts: [],
    slowest: [],
    completedOnRecheck: [],
  };
  const noteSlow = (rel, ms, bytes) => {
    const sl = s.slowest;
    if (sl.length < 10 || ms > sl[sl.length - 1].ms) {
      sl.push({ path: rel, ms: Math.round(ms * 10) / 10, bytes });
      sl.sort((a, b) => b.ms - a.ms);
      if (sl.length > 10) sl.pop();
    }
  };
  let done = 0;
  let lastLog = performance.now();
  const progress = () => {
    done++;
    const now = performance.now();
    if (now - lastLog > 30000) {
      lastLog = now;
      const el = (now - t0) / 1000;
      log(`sweep: ${done}/${files.length} files, ${el.toFixed(0)} s, ${(done / el).toFixed(0)} files/s, rss ${mb(process.memoryUsage().rss)} MB, peak ${mb(pool.peakRss)} MB, ${s.findings.total} findings, ${s.crashes.length} crashes, ${s.timeouts.length} over the limit, ${s.internalErrors.length} internal errors`);
    }
  };
  const onResult = (job, r, _ms, recheck = false) => {
    if (!recheck) progress();
    if (r.readError) {
      s.readErrors.push({ path: job.rel, error: r.readError });
      return;
    }
    if (r.skip) {
      s.skipped.total++;
      s.skipped[r.skip].push({ path: job.rel, bytes: r.bytes });
      return;
    }
    s.analyzed++;
    s.bytesAnalyzed += r.bytes;
    if (r.encoding === 'latin1') s.latin1++;
    if (recheck) s.completedOnRecheck.push(job.rel);
    noteSlow(recheck ? `${job.rel} (on recheck, alone)` : job.rel, r.ms, r.bytes);
    if (r.crash) {
      s.crashes.push({ path: job.rel, error: r.crash.message, stack: r.crash.stack });
      log(`sweep: CRASH ${job.rel}: ${r.crash.message}`);
      return;
    }
    s.functions += r.stats.functions;
    s.parsedFunctions += r.stats.parsedFunctions;
    for (const f of r.failures) {
      s.internalErrors.push({ path: job.rel, functionName: f.functionName, error: f.error });
      log(`sweep: internal error ${job.rel} ${f.functionName}(): ${f.error}`);
    }
    if (r.findings) {
      s.findings.total += r.findings;
      s.findings.filesWithFindings++;
      s.perFileFindings[job.rel] = r.byRule;
      for (const [rule, n] of Object.entries(r.byRule)) s.findings.byRule[rule] = (s.findings.byRule[rule] || 0) + n;
    }
  };
  const onTimeout = (job, ms) => {
    progress();
    s.timeouts.push({ path: job.rel, wallMs: Math.round(ms) });
    log(`sweep: OVER THE LIMIT ${job.rel} (${Math.round(ms)} ms), worker replaced`);
  };
  const onCrash = (job, err) => {
    if (job) progress();
    s.crashes.push({ path: job ? job.rel : null, error: `worker died: ${err && err.message}`, code: err && err.code, stack: err && err.stack ? String(err.stack) : undefined });
    log(`sweep: WORKER DIED${job ? ` on ${job.rel}` : ''}: ${err && err.message}`);
  };
  const pool = new WorkerPool({
    workerFile: __filename,
    workerData: { kind: 'sweep' },
    size: args.jobs,
    timeoutMs: args.timeoutMs,
    maxRssMb: args.maxRssMb,
    onResult,
    onTimeout,
    onCrash,
  });
  await pool.run(files);
  const wallMs = performance.now() - t0;

  // A file over the limit: once more, alone, with a long limit. Slow, or a hang?
  for (const t of s.timeouts) {
    const job = files.find((f) => f.rel === t.path);
    let recheck = { limitMs: args.recheckMs };
    const rp = new WorkerPool({
      workerFile: __filename,
      workerData: { kind: 'sweep' },
      size: 1,
      timeoutMs: args.recheckMs,
      onResult: (j, r, ms) => {
        Object.assign(recheck, { finished: true, wallMs: Math.round(ms), analyzeMs: r.ms && Math.round(r.ms), crash: r.crash && r.crash.message, findings: r.findings });
        // Finished when given the time: its findings, errors and time count like any file's.
        onResult(j, r, ms, true);
      },
      onTimeout: (_j, ms) => Object.assign(recheck, { finished: false, wallMs: Math.round(ms) }),
      onCrash: (_j, err) => Object.assign(recheck, { finished: false, crash: err && err.message }),
    });
    await rp.run([job]);
    if (rp.peakRss > pool.peakRss) pool.peakRss = rp.peakRss;
    t.recheck = recheck;
    log(`sweep: recheck ${t.path}: ${recheck.finished ? `finished in ${recheck.wallMs} ms` : `still not finished after ${recheck.wallMs} ms`}`);
  }

  const result = {
    generatedAt: new Date().toISOString(),
    startedAt: startedAt.toISOString(),
    command: `node bench/sweep.js ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { ...machine, loadAvgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    kernel,
    options: { jobs: args.jobs, timeoutMs: args.timeoutMs, recheckMs: args.recheckMs, maxRssMb: args.maxRssMb, maxFileBytes: MAX_BYTES, under: args.under || null, limit: args.limit || null },
    files: s.files,
    symlinkedFiles: s.symlinkedFiles,
    analyzed: s.analyzed,
    completedOnRecheck: s.completedOnRecheck,
    megabytesAnalyzed: mb(s.bytesAnalyzed),
    latin1Files: s.latin1,
    functions: s.functions,
    parsedFunctions: s.parsedFunctions,
    skipped: { total: s.skipped.total, overSizeLimit: s.skipped.size.length, binary: s.skipped.binary.length, files: [...s.skipped.size.map((x) => ({ ...x, reason: 'size' })), ...s.skipped.binary.map((x) => ({ ...x, reason: 'binary' }))] },
    readErrors: s.readErrors,
    walkErrors,
    findings: { total: s.findings.total, filesWithFindings: s.findings.filesWithFindings, byRule: Object.fromEntries(Object.entries(s.findings.byRule).sort((a, b) => b[1] - a[1])) },
    internalErrors: s.internalErrors,
    crashes: s.crashes,
    overTimeLimit: s.timeouts,
    slowest: s.slowest,
    workerRestarts: pool.restarts,
    wallSeconds: Math.round(wallMs / 100) / 10,
    peakRssMB: mb(pool.peakRss),
    perFileFindings: s.perFileFindings,
  };
  fs.writeFileSync(args.out, `${JSON.stringify(result, null, 1)}\n`);

  const lines = [];
  lines.push(`DMA API Assistant sweep of ${kernel}`);
  lines.push(`  files            ${result.files} (.c/.h; ${result.symlinkedFiles} through symlinks)`);
  lines.push(`  analyzed         ${result.analyzed}${s.completedOnRecheck.length ? ` (${s.completedOnRecheck.length} only on the recheck)` : ''} (${result.megabytesAnalyzed} MB; ${result.latin1Files} read as Latin-1; ${result.functions} functions, ${result.parsedFunctions} parsed)`);
  lines.push(`  skipped          ${result.skipped.total} (${result.skipped.overSizeLimit} over 8 MB, ${result.skipped.binary} binary)`);
  if (s.readErrors.length) lines.push(`  read errors      ${s.readErrors.length}`);
  lines.push(`  crashes          ${s.crashes.length}`);
  for (const c of s.crashes) lines.push(`    ${c.path}: ${c.error}`);
  lines.push(`  internal errors  ${s.internalErrors.length}`);
  for (const e of s.internalErrors) lines.push(`    ${e.path} ${e.functionName}(): ${e.error}`);
  lines.push(`  over ${args.timeoutMs / 1000} s        ${s.timeouts.length}`);
  for (const t of s.timeouts) lines.push(`    ${t.path}: recheck ${t.recheck.finished ? `finished in ${t.recheck.wallMs} ms` : `did not finish in ${t.recheck.wallMs} ms`}`);
  lines.push(`  worker restarts  ${Object.entries(pool.restarts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`  wall time        ${result.wallSeconds} s`);
  lines.push(`  peak RSS         ${result.peakRssMB} MB (main process, workers included)`);
  lines.push(`  findings         ${result.findings.total} in ${result.findings.filesWithFindings} files`);
  for (const [rule, n] of Object.entries(result.findings.byRule)) lines.push(`    ${rule.padEnd(26)} ${n}`);
  lines.push('  slowest files');
  for (const x of s.slowest) lines.push(`    ${(x.ms / 1000).toFixed(2).padStart(7)} s  ${x.path} (${Math.round(x.bytes / 1024)} KB)`);
  lines.push(`  written to ${path.relative(process.cwd(), args.out) || args.out}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return s.crashes.length || s.timeouts.length ? 1 : 0;
}

if (!isMainThread && workerData && workerData.kind === 'sweep') {
  sweepWorker();
} else if (isMainThread && require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`sweep: ${e && e.stack ? e.stack : e}\n`);
      process.exitCode = 2;
    },
  );
}

/**
 * dma-check: the command-line checker.
 *
 *   dma-check [options] PATH...
 *
 * Exit status: 0 no findings, 1 findings, 2 usage or I/O error.
 */
import * as os from 'os';
import { Worker, isMainThread, parentPort } from 'worker_threads';
import { FileAnalyzer, isRuleId, RULES } from '../index';
import { tuneV8ForAnalysis } from '../v8flags';
import type { SeveritySetting } from '../types';
import * as fs from 'fs';
import * as path from 'path';
import { collectFiles, decode, errText } from './files';
import { ConfigResolver, isIgnored } from './config';
import { changedLines, type ChangedLines } from './diff';
import { processFile, type FileJob, type FileOutcome } from './process';
import { formatGcc, formatJson, formatSarif, formatText, summaryLine } from './format';
import { writeHtmlReport } from './html';

tuneV8ForAnalysis();

/** From this many files a run counts as many short analyses. */
const MANY_FILES = 8;

const VERSION = '0.1.0';

const USAGE = `Usage: dma-check [options] PATH...

Checks Linux kernel C sources for misuse of the DMA API. Directories are
scanned recursively for .c and .h files.

Options:
  --format FMT          text (default), json, sarif, gcc, html (needs --output)
  --output DIR          with --format html: write the report into DIR
  --fix                 apply the preferred fix of every finding, in place
  --rule ID=LEVEL       set a rule's severity: off, hint, info, warning, error
  --only ID[,ID...]     report only these rules (with unchecked-mapping and
                        unchecked-map-sg alone, files with no such map call
                        are not even parsed)
  --stdin-filename PATH read the source from standard input, report it as PATH
  --diff FILE           report only findings on lines a unified diff adds or
                        changes (FILE '-' reads the diff from standard input);
                        the files it names are checked unless PATHs are given
  --report-unused-suppressions
                        report dma-check: ignore comments that suppress nothing
  --no-config           do not read .dma-check.json / package.json "dmaCheck"
  --jobs N              worker threads (default: the number of CPUs, at most 8)
  --list-rules          print the rules and exit
  -q, --quiet           no summary line
  -h, --help            this help
  --version             print the version

Exit status: 0 no findings, 1 findings, 2 usage or I/O error.`;

interface Options {
  format: 'text' | 'json' | 'sarif' | 'gcc' | 'html';
  output?: string;
  fix: boolean;
  severities: Record<string, SeveritySetting>;
  only?: string[];
  stdinFilename?: string;
  jobs: number;
  quiet: boolean;
  paths: string[];
  diff?: string;
  reportUnused: boolean;
  config: boolean;
}

class UsageError extends Error {}

const LEVELS: Record<string, SeveritySetting> = { off: 'off', hint: 'hint', info: 'information', information: 'information', warning: 'warning', error: 'error' };

function parseArgs(argv: string[]): Options | 'help' | 'version' | 'list' {
  const o: Options = { format: 'text', fix: false, severities: {}, jobs: Math.min(8, cores()), quiet: false, paths: [], reportUnused: false, config: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const eq = arg.indexOf('=');
      if (arg.startsWith('--') && eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const name = arg.startsWith('--') && arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    switch (name) {
      case '-h':
      case '--help':
        return 'help';
      case '--version':
        return 'version';
      case '--list-rules':
        return 'list';
      case '--format': {
        const f = value();
        if (f !== 'text' && f !== 'json' && f !== 'sarif' && f !== 'gcc' && f !== 'html') throw new UsageError(`unknown format '${f}' (text, json, sarif, gcc, html)`);
        o.format = f;
        break;
      }
      case '--output':
        o.output = value();
        break;
      case '--fix':
        o.fix = true;
        break;
      case '--rule': {
        const v = value();
        const m = /^([a-z-]+)=([a-z]+)$/.exec(v);
        if (!m) throw new UsageError(`--rule expects ID=LEVEL, got '${v}'`);
        if (!isRuleId(m[1])) throw new UsageError(`unknown rule '${m[1]}' (see --list-rules)`);
        const level = LEVELS[m[2]];
        if (!level) throw new UsageError(`unknown level '${m[2]}' (off, hint, info, warning, error)`);
        o.severities[m[1]] = level;
        break;
      }
      case '--only': {
        const ids = value().split(',').map((s) => s.trim()).filter(Boolean);
        for (const id of ids) if (!isRuleId(id)) throw new UsageError(`unknown rule '${id}' (see --list-rules)`);
        o.only = ids;
        break;
      }
      case '--stdin-filename':
        o.stdinFilename = value();
        break;
      case '--jobs': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new UsageError('--jobs expects a positive integer');
        o.jobs = n;
        break;
      }
      case '--diff':
        o.diff = value();
        break;
      case '--report-unused-suppressions':
        o.reportUnused = true;
        break;
      case '--no-config':
        o.config = false;
        break;
      case '-q':
      case '--quiet':
        o.quiet = true;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`);
        o.paths.push(arg);
    }
  }
  if (!o.paths.length && o.stdinFilename === undefined && o.diff === undefined) throw new UsageError('no PATH given');
  if (o.format === 'html' && !o.output) throw new UsageError('--format html needs --output DIR');
  if (o.output !== undefined && o.format !== 'html') throw new UsageError('--output goes with --format html');
  if (o.diff === '-' && o.stdinFilename !== undefined) throw new UsageError('--diff - and --stdin-filename both read standard input');
  return o;
}

/** Small runs stay in-process: a worker costs a wasm compile. */
function usesWorkers(files: number, threads: number): boolean {
  return threads > 1 && files >= MANY_FILES;
}

function cores(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

async function runJobs(jobs: FileJob[], threads: number, onDone: (o: FileOutcome) => void): Promise<void> {
  if (!usesWorkers(jobs.length, threads)) {
    // Each file is analysed once, unless --fix analyses it again after each round of fixes.
    const analyzer = await FileAnalyzer.create({ oneShot: !jobs.some((j) => j.fix) });
    for (const job of jobs) {
      onDone(processFile(analyzer, job, !!job.keepSource));
    }
    analyzer.dispose();
    return;
  }
  // Largest files first, so that no worker is left with a big file at the end.
  const sizes = new Map(jobs.map((j) => [j, j.text !== undefined ? j.text.length : fileSize(j.path)]));
  const queue = [...jobs].sort((a, b) => sizes.get(b)! - sizes.get(a)!);
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let running = 0;
    const n = Math.min(threads, jobs.length);
    const start = (w: Worker) => {
      if (next >= queue.length) {
        void w.terminate();
        running--;
        if (running === 0) resolve();
        return;
      }
      w.postMessage(queue[next++]);
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(__filename);
      running++;
      w.on('message', (o: FileOutcome) => {
        onDone(o);
        start(w);
      });
      w.on('error', reject);
      start(w);
    }
  });
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function workerMain(): void {
  let analyzer: Promise<FileAnalyzer> | undefined;
  parentPort!.on('message', async (job: FileJob) => {
    analyzer ??= FileAnalyzer.create({ oneShot: !job.fix });
    const a = await analyzer;
    const outcome = processFile(a, job, !!job.keepSource);
    // A fresh analyzer per file would be slower; clear its caches instead to bound memory.
    a.dispose();
    parentPort!.postMessage(outcome);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return decode(Buffer.concat(chunks)).text;
}

export async function main(argv: string[]): Promise<number> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`dma-check: ${e.message}\n${USAGE.split('\n')[0]}\nTry 'dma-check --help'.\n`);
      return 2;
    }
    throw e;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (opts === 'version') {
    process.stdout.write(`dma-check ${VERSION}\n`);
    return 0;
  }
  if (opts === 'list') {
    for (const r of RULES) process.stdout.write(`${r.id.padEnd(26)} ${r.severity.padEnd(11)} ${r.fixable ? 'fix ' : '    '} ${r.summary}\n`);
    return 0;
  }
  const started = Date.now();
  let ioError = false;
  const errors: string[] = [];
  const withFixes = opts.format === 'sarif' || opts.format === 'html';
  const keepSource = opts.format === 'text' || opts.format === 'html';
  const jobs: FileJob[] = [];
  const configs = new ConfigResolver();
  const settingsFor = (file: string) => {
    const cfg = opts.config ? configs.forFile(file) : undefined;
    return { cfg, severities: { ...(cfg?.rules ?? {}), ...opts.severities }, wrappers: cfg?.wrappers };
  };
  let changed: ChangedLines | undefined;
  if (opts.diff !== undefined) {
    let diffText: string;
    try {
      diffText = opts.diff === '-' ? await readStdin() : fs.readFileSync(opts.diff, 'utf8');
    } catch (e) {
      process.stderr.write(`dma-check: ${opts.diff}: ${errText(e)}\n`);
      return 2;
    }
    changed = changedLines(diffText);
    if (!opts.paths.length) opts.paths = [...changed.keys()].filter((f) => /\.[ch]$/.test(f) && fs.existsSync(f));
  }
  if (opts.stdinFilename !== undefined) {
    const text = await readStdin();
    const s = settingsFor(opts.stdinFilename);
    jobs.push({ path: opts.stdinFilename, displayPath: opts.stdinFilename, text, severities: s.severities, wrappers: s.wrappers, withFixes, fix: false, only: opts.only, reportUnused: opts.reportUnused, keepSource });
  }
  const named = new Set(opts.paths.map((p) => path.resolve(p)));
  const files = collectFiles(opts.paths, (m) => {
    errors.push(m);
    ioError = true;
  });
  for (const f of files) {
    const s = settingsFor(f);
    if (!named.has(path.resolve(f)) && isIgnored(s.cfg, f)) continue;
    jobs.push({ path: f, severities: s.severities, wrappers: s.wrappers, withFixes, fix: opts.fix, only: opts.only, reportUnused: opts.reportUnused, keepSource });
  }
  for (const m of configs.errors) errors.push(`bad configuration: ${m}`);
  for (const m of errors) process.stderr.write(`dma-check: ${m}\n`);
  if (configs.errors.length) ioError = true;

  // A tree of files is many short analyses (see v8flags.ts); one or a few files keep V8's default tiering.
  if (jobs.length >= MANY_FILES) tuneV8ForAnalysis({ manyAnalyses: true, allCoresBusy: usesWorkers(jobs.length, opts.jobs) && opts.jobs >= cores() });
  const outcomes: FileOutcome[] = [];
  const tty = !!process.stderr.isTTY && jobs.length > 20 && !opts.quiet;
  let done = 0;
  let found = 0;
  let lastDraw = 0;
  await runJobs(jobs, opts.jobs, (o) => {
    outcomes.push(o);
    done++;
    found += o.findings.length;
    for (const n of o.notes) process.stderr.write(`${tty ? '\r\u001b[K' : ''}dma-check: ${n}\n`);
    if (o.error) {
      process.stderr.write(`${tty ? '\r\u001b[K' : ''}dma-check: ${o.error}\n`);
      ioError = true;
    }
    const now = Date.now();
    if (tty && now - lastDraw > 100) {
      lastDraw = now;
      process.stderr.write(`\r\u001b[K[${done}/${jobs.length}] ${found} findings, ${((now - started) / 1000).toFixed(1)} s`);
    }
  });
  if (tty) process.stderr.write('\r\u001b[K');
  if (changed) {
    for (const o of outcomes) {
      const lines = changed.get(path.relative(process.cwd(), path.resolve(o.path)).split(path.sep).join('/')) ?? changed.get(o.path);
      o.findings = lines ? o.findings.filter((f) => lines.has(f.range.start.line + 1)) : [];
    }
  }
  const order = new Map(jobs.map((j, i) => [j.displayPath ?? j.path, i]));
  outcomes.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));

  let output: string;
  switch (opts.format) {
    case 'json':
      output = formatJson(outcomes, opts.fix);
      break;
    case 'sarif':
      output = formatSarif(outcomes, VERSION);
      break;
    case 'gcc':
      output = formatGcc(outcomes);
      break;
    case 'html': {
      const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
      try {
        const report = writeHtmlReport(outcomes, opts.output!, { version: VERSION, command: ['dma-check', ...argv].map(quote).join(' '), started: new Date(started) });
        output = `${report.index}\n`;
      } catch (e) {
        process.stderr.write(`dma-check: cannot write the report into ${opts.output}: ${e instanceof Error ? e.message : String(e)}\n`);
        return 2;
      }
      break;
    }
    default:
      output = formatText(outcomes, !!process.stdout.isTTY && !process.env.NO_COLOR);
  }
  await new Promise<void>((resolve) => process.stdout.write(output, () => resolve()));
  if (opts.fix && opts.format === 'text') {
    const fixed = outcomes.reduce((n, o) => n + (o.fixed?.length ?? 0), 0);
    process.stderr.write(`dma-check: applied ${fixed} fix${fixed === 1 ? '' : 'es'}\n`);
  }
  if (!opts.quiet && (opts.format === 'text' || process.stderr.isTTY)) {
    process.stderr.write(`${summaryLine(outcomes, outcomes.length, Date.now() - started)}\n`);
  }
  if (ioError) return 2;
  return outcomes.some((o) => o.findings.length) ? 1 : 0;
}

if (!isMainThread) {
  workerMain();
} else if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`dma-check: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}


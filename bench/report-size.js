#!/usr/bin/env node
/**
 * How the HTML report (server/src/cli/html.ts) scales: ~30,000 synthetic
 * findings over ~5,000 files, written with writeHtmlReport, then the index
 * opened in headless Chromium. Prints the time to write the report, its size,
 * and how long the index takes to load: page.goto -> the `data-ready`
 * attribute the page's script sets once the findings table is rendered.
 * Also times a filter and a sort in the page.
 *
 *   node bench/report-size.js [--files N] [--per-file N] [--runs N] [--out DIR] [--keep]
 *
 * A measurement, not a test: it prints figures and asserts nothing. Needs
 * /usr/bin/chromium (Debian's package) and playwright-core (a devDependency).
 * It bundles html.ts itself with esbuild, so it runs before and after the CLI
 * grows --format html.
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const FILES = Number(arg('files', 5000));
const PER_FILE = Number(arg('per-file', 6));
const RUNS = Number(arg('runs', 3));
const KEEP = process.argv.includes('--keep');

/** Deterministic PRNG (mulberry32), so runs compare. */
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadModule() {
  const out = path.join(ROOT, 'test-results', 'html-report', 'html.js');
  require('esbuild').buildSync({ entryPoints: [path.join(ROOT, 'server/src/cli/html.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'warning' });
  delete require.cache[out];
  return require(out);
}

/**
 * Real findings to imitate: dma-check over test/fixtures (a few hundred
 * findings of every rule). Each synthetic finding takes the rule, severity,
 * message and path messages of one of them, with the `code` spans replaced by
 * names of its own, as real scans of different drivers differ.
 */
function realFindings() {
  const { spawnSync } = require('child_process');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'dma-check'), '--format', 'json', '--jobs', '2', 'test/fixtures'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const findings = r.stdout ? JSON.parse(r.stdout).findings : [];
  if (!findings.length) throw new Error(`dma-check over test/fixtures gave no findings (run npm run build first): ${r.stderr}`);
  return findings;
}

function renameCode(message, rand) {
  return message.replace(/`([^`]*)`/g, (_m, code) => `\`${code.replace(/[A-Za-z_]\w*/g, (id) => (rand() < 0.5 ? id : `${id}_${Math.floor(rand() * 1000)}`))}\``);
}

/** One synthetic driver: ~110 lines of kernel-ish C with the findings placed on its lines. */
function synthFile(rand, index, rules, pool) {
  const dirs = ['drivers/net/ethernet', 'drivers/scsi', 'drivers/gpu/drm', 'drivers/usb/host', 'sound/soc', 'drivers/mmc/host', 'drivers/dma', 'drivers/spi'];
  const dir = `${dirs[index % dirs.length]}/vendor${Math.floor(index / 13) % 60}`;
  const p = `${dir}/drv_${index}.c`;
  const lines = ['// SPDX-License-Identifier: GPL-2.0', '#include <linux/dma-mapping.h>', '#include <linux/pci.h>', ''];
  for (let fn = 0; fn < 6; fn++) {
    lines.push(`static int drv${index}_setup_${fn}(struct drv_priv *priv, struct device *dev)`, '{', '\tdma_addr_t addr;', '\tint ret;', '');
    lines.push(`\taddr = dma_map_single(dev, priv->buf[${fn}], SZ_4K, DMA_TO_DEVICE);`);
    lines.push('\tif (dma_mapping_error(dev, addr))', '\t\treturn -ENOMEM;', '');
    lines.push('\tret = drv_hw_init(priv, addr);', '\tif (ret < 0 && priv->flags & (FLAG_A | FLAG_B))', '\t\tgoto err_free;', '');
    lines.push('\twritel(lower_32_bits(addr), priv->regs + REG_ADDR);', '\treturn 0;', '', 'err_free:', '\tkfree(priv->buf);', '\treturn ret;', '}', '');
  }
  const findings = [];
  const n = Math.max(1, Math.round(PER_FILE + (rand() - 0.5) * 4));
  for (let k = 0; k < n; k++) {
    const real = pool[Math.floor(rand() * pool.length)];
    const rule = rules.find((r) => r.id === real.rule) ?? rules[0];
    const line = 4 + Math.floor(rand() * (lines.length - 8));
    const len = lines[line].length;
    const start = Math.min(len, 1 + Math.floor(rand() * 8));
    const end = Math.max(start, Math.min(len, start + 5 + Math.floor(rand() * 30)));
    const steps = [];
    real.path.forEach((step, j) => {
      const l = Math.min(lines.length - 1, line + j * 2);
      steps.push({ range: { start: { line: l, character: 1 }, end: { line: l, character: Math.max(1, lines[l].length) } }, message: renameCode(step.message, rand) });
    });
    const fixes = rule.fixable
      ? [{ title: `Fix ${rule.id} in drv${index}`, isPreferred: true, edits: [{ range: { start: { line, character: len }, end: { line, character: len } }, newText: `\n\tif (WARN_ON(priv->state < 0 && x > y))\n\t\treturn -EIO; /* ${k} <fixed> & done */` }] }]
      : [];
    findings.push({
      rule: rule.id,
      severity: real.severity,
      range: { start: { line, character: start }, end: { line, character: end } },
      message: renameCode(real.message, rand),
      related: steps,
      fixes,
    });
  }
  return { path: p, findings, source: `${lines.join('\n')}\n`, notes: [], millis: 1 };
}

function dirSize(d) {
  let n = 0;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) n += e.isDirectory() ? dirSize(path.join(d, e.name)) : fs.statSync(path.join(d, e.name)).size;
  return n;
}

const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
const ms = (n) => `${Math.round(n)} ms`;
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main() {
  const { writeHtmlReport } = loadModule();
  const { RULES } = require(path.join(ROOT, 'dist', 'core.js'));
  const pool = realFindings();
  const rand = rng(42);
  let t = performance.now();
  const outcomes = [];
  for (let i = 0; i < FILES; i++) outcomes.push(synthFile(rand, i, RULES, pool));
  for (let i = 0; i < FILES / 4; i++) outcomes.push({ path: `drivers/clean/c${i}.c`, findings: [], notes: [], millis: 1 });
  const total = outcomes.reduce((n, o) => n + o.findings.length, 0);
  const genMs = performance.now() - t;

  const out = arg('out', fs.mkdtempSync(path.join(os.tmpdir(), 'dma-report-bench-')));
  t = performance.now();
  const res = writeHtmlReport(outcomes, out, { version: 'bench', command: `bench/report-size.js --files ${FILES}`, started: new Date() });
  const writeMs = performance.now() - t;
  const indexBytes = fs.statSync(res.index).size;
  console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (timings below are wall-clock; a loaded machine inflates them)`);
  console.log(`synthetic outcomes: ${total} findings in ${FILES} files (+${FILES / 4} clean), modelled on ${pool.length} real findings of test/fixtures, generated in ${ms(genMs)}`);
  console.log(`writeHtmlReport:    ${ms(writeMs)} for ${res.files} file pages; index.html ${mb(indexBytes)} + report-data.js ${mb(fs.statSync(path.join(out, "report-data.js")).size)}, whole report ${mb(dirSize(out))} in ${out}`);

  if (!fs.existsSync(CHROMIUM)) {
    console.log(`load time: skipped, ${CHROMIUM} is not installed (apt-get install chromium)`);
    return;
  }
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch {
    console.log('load time: skipped, playwright-core is not installed (npm install)');
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const url = `file://${res.index}`;
    const loads = [];
    const inPage = [];
    for (let r = 0; r < RUNS; r++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const t0 = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForSelector('html[data-ready]', { timeout: 60_000 });
      loads.push(performance.now() - t0);
      // Inside the page: from navigation start to the attribute being set.
      inPage.push(Number(await page.getAttribute('html', 'data-ready')));
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      if (r === RUNS - 1) {
        const rows = await page.locator('#ftable tbody tr').count();
        const t1 = performance.now();
        await page.selectOption('#f-rule', { index: 1 });
        await page.waitForFunction(() => document.getElementById('findings-shown').textContent !== '');
        const filterMs = performance.now() - t1;
        const t2 = performance.now();
        await page.click('#ftable th:nth-child(4)');
        await page.waitForSelector('#ftable th:nth-child(4)[aria-sort]');
        const sortMs = performance.now() - t2;
        const t3 = performance.now();
        await page.click('#filetable th:nth-child(2)');
        await page.waitForSelector('#filetable th:nth-child(2)[aria-sort]');
        const fileSortMs = performance.now() - t3;
        console.log(`first page of the findings table: ${rows} rows; filter by rule ${ms(filterMs)}, sort findings by message ${ms(sortMs)}, sort the files by findings ${ms(fileSortMs)}`);
      }
      await page.close();
    }
    console.log(`index load (page.goto -> data-ready), ${RUNS} runs: ${loads.map(ms).join(', ')}; median ${ms(median(loads))}`);
    console.log(`  in-page navigation start -> data-ready: ${inPage.map(ms).join(', ')}`);
  } finally {
    await browser.close();
    if (!KEEP && !process.argv.includes('--out')) fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

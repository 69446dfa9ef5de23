'use strict';
// The HTML report (server/src/cli/html.ts) over examples/: the files it
// writes, escaping, the line diff of the fixes, and then the pages in
// headless Debian chromium: the index's totals per rule equal
// `dma-check --format json`'s, the findings table filters and sorts, a finding
// clicks through to its file page where the numbered path steps sit in the
// margin at their lines, linked one to the next, with the preferred fix as a
// diff. Without JavaScript the index still lists every file. Saves
// screenshots of the index and of a file page as
// test-results/html-report/report-{index,file}.png (with
// DMA_UPDATE_SCREENSHOTS=1 also as the README's copies in docs/images/), and
// leaves the report in test-results/html-report/report/ to look at.
//
// The report comes from `dma-check --format html --output DIR examples/` when
// the CLI has that format; until then, from html.ts bundled here with esbuild
// and fed with dist/core.js's analyzeText (withFixes). The browser part skips,
// saying what is missing, without /usr/bin/chromium or playwright-core.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'dma-check');
const EXAMPLES = path.join(ROOT, 'examples');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BUNDLE = path.join(ROOT, 'test-results', 'html-report', 'html.js');
/** The report of examples/, kept after the run for a look (test-results/ is not in git). */
const REPORT_REL = 'test-results/html-report/report';
const SHOTS = path.join(ROOT, 'test-results', 'html-report');
const DOC_IMAGES = path.join(ROOT, 'docs', 'images');
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Saves a screenshot in test-results/html-report/; with DMA_UPDATE_SCREENSHOTS=1 also in docs/images/. */
function saveScreenshot(name, png) {
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.writeFileSync(path.join(SHOTS, name), png);
  if (process.env.DMA_UPDATE_SCREENSHOTS === '1') fs.writeFileSync(path.join(DOC_IMAGES, name), png);
}

/** html.ts as a CommonJS module (writeHtmlReport, diffLines, unifiedHunks, pageName, esc). */
function loadModule() {
  require('esbuild').buildSync({ entryPoints: [path.join(ROOT, 'server/src/cli/html.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: BUNDLE, logLevel: 'warning' });
  delete require.cache[BUNDLE];
  return require(BUNDLE);
}

function core() {
  const p = path.join(ROOT, 'dist', 'core.js');
  assert.ok(fs.existsSync(p), 'dist/core.js is missing: run `npm run build`');
  return require(p);
}

function cli(args) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
}

async function analyzeExamples() {
  const { analyzeText } = core();
  const outcomes = [];
  for (const name of fs.readdirSync(EXAMPLES).filter((n) => /\.[ch]$/.test(n)).sort()) {
    const rel = `examples/${name}`;
    const source = fs.readFileSync(path.join(EXAMPLES, name), 'utf8');
    const r = await analyzeText(source, { path: rel, withFixes: true });
    outcomes.push({ path: rel, findings: r.findings, source, notes: [], millis: 0 });
  }
  return outcomes;
}

/** Builds the report of examples/ into REPORT_REL; says which way it was made. */
async function buildReport() {
  const dir = path.join(ROOT, REPORT_REL);
  fs.rmSync(dir, { recursive: true, force: true });
  const r = cli(['--format', 'html', '--output', REPORT_REL, 'examples/']);
  if (fs.existsSync(path.join(dir, 'index.html'))) return 'cli';
  if (!/unknown (format|option)/.test(r.stderr)) throw new Error(`dma-check --format html failed (${r.status}): ${r.stderr}`);
  const { writeHtmlReport } = loadModule();
  const res = writeHtmlReport(await analyzeExamples(), dir, { version: '0.1.0', command: `dma-check --format html --output ${REPORT_REL} examples/`, started: new Date() });
  assert.equal(res.index, path.join(dir, 'index.html'));
  return 'module';
}

function listFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** Why the browser part cannot run, or undefined. */
function browserMissing() {
  if (!fs.existsSync(CHROMIUM)) return `chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (a devDependency: npm install)';
  }
  return undefined;
}

describe('html report: examples/', () => {
  let dir;
  let how;
  let json; // dma-check --format json examples/
  const perRule = new Map();

  before(async () => {
    dir = path.join(ROOT, REPORT_REL);
    how = await buildReport();
    const r = cli(['--format', 'json', 'examples/']);
    assert.equal(r.status, 1, r.stderr);
    json = JSON.parse(r.stdout);
    for (const f of json.findings) perRule.set(f.rule, (perRule.get(f.rule) ?? 0) + 1);
    assert.ok(json.findings.length > 5, 'examples/ should have findings');
  });

  test('writes the index, its data, the style sheet and one page per file with findings', () => {
    for (const f of ['index.html', 'report-data.js', 'report.css', 'all-files.html']) assert.ok(fs.existsSync(path.join(dir, f)), `${f} (report built by ${how})`);
    const withFindings = new Set(json.findings.map((f) => f.file));
    const pages = fs.readdirSync(path.join(dir, 'files')).filter((n) => n.endsWith('.html'));
    assert.equal(pages.length, withFindings.size);
  });

  test('loads nothing from the network and escapes the source', () => {
    for (const file of listFiles(dir)) {
      const text = fs.readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /<(script|link|img|iframe)[^>]*(src|href)="(https?:)?\/\//i, `${file} loads a remote resource`);
      assert.doesNotMatch(text, /@import|url\(\s*['"]?(https?:)?\/\//i, `${file} imports a remote resource`);
      if (file.endsWith('.html')) assert.doesNotMatch(text, /<linux\//, `${file} has unescaped source text`);
    }
    const page = fs.readFileSync(path.join(dir, 'files', fs.readdirSync(path.join(dir, 'files'))[0]), 'utf8');
    assert.match(page, /#include &lt;linux\/[a-z-]+\.h&gt;/);
  });

  test('the line diff reproduces both texts and writes unified hunks', () => {
    const { diffLines, unifiedHunks } = loadModule();
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let n = 0; n < 300; n++) {
      const a = Array.from({ length: Math.floor(rand() * 30) }, () => 'abcde'[Math.floor(rand() * 5)]);
      const b = a.filter(() => rand() > 0.2).flatMap((x) => (rand() > 0.8 ? [x, 'xyz'[Math.floor(rand() * 3)]] : [x]));
      const ops = diffLines(a, b);
      assert.deepEqual(ops.filter((o) => o.t !== '+').map((o) => o.text), a);
      assert.deepEqual(ops.filter((o) => o.t !== '-').map((o) => o.text), b);
      for (const h of unifiedHunks(ops)) {
        const m = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/.exec(h.header);
        assert.ok(m, h.header);
        assert.equal(Number(m[2]), h.lines.filter((o) => o.t !== '+').length);
        assert.equal(Number(m[4]), h.lines.filter((o) => o.t !== '-').length);
      }
    }
    const ops = diffLines(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], ['a', 'b', 'c', 'd', 'X', 'e', 'f', 'g', 'h']);
    assert.deepEqual(
      unifiedHunks(ops).map((h) => [h.header, ...h.lines.map((o) => o.t + o.text)]),
      [['@@ -2,6 +2,7 @@', ' b', ' c', ' d', '+X', ' e', ' f', ' g']],
    );
  });

  test('page names are flat, portable and unique', () => {
    const { pageName } = loadModule();
    const used = new Set();
    const names = ['drivers/net/a.c', 'drivers__net/a.c', 'Drivers/net/A.c', '../x/y.c', '/abs/p a<t>h.c', 'x'.repeat(300) + '.c'].map((p) => pageName(p, used));
    assert.equal(new Set(names.map((n) => n.toLowerCase())).size, names.length, names.join(' '));
    for (const n of names) {
      assert.match(n, /^[A-Za-z0-9._+~-]+\.html$/);
      assert.ok(n.length < 200, n);
      assert.ok(!n.startsWith('.'), n);
    }
  });

  describe('in chromium', { skip: browserMissing() }, () => {
    let browser;
    let home;

    before(async () => {
      const { chromium } = require('playwright-core');
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-html-browser-'));
      const env = { ...process.env, HOME: home, TMPDIR: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') };
      delete env.NODE_OPTIONS;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, env, args: LAUNCH_ARGS });
    });

    after(async () => {
      if (browser) await browser.close();
      if (home) fs.rmSync(home, { recursive: true, force: true });
    });

    /** A page that records every request and script error. */
    async function open(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
      const page = await context.newPage();
      page.requests = [];
      page.errors = [];
      page.on('request', (r) => page.requests.push(r.url()));
      page.on('pageerror', (e) => page.errors.push(e.message));
      page.on('dialog', (d) => {
        page.errors.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      return page;
    }

    function assertLocal(page) {
      assert.deepEqual(page.requests.filter((u) => !u.startsWith('file://')), [], 'requests outside the report');
      assert.deepEqual(page.errors, []);
    }

    test('index: totals per rule equal the JSON output; the table filters, sorts and clicks through to the path steps', { timeout: 180_000 }, async () => {
      const page = await open();
      await page.goto(`file://${path.join(dir, 'index.html')}`);
      await page.waitForSelector('html[data-ready]', { timeout: 60_000 });

      assert.equal(Number(await page.getAttribute('#total-findings', 'data-count')), json.findings.length);
      const shown = await page.$$eval('#rules tbody tr[data-rule]', (rows) => rows.map((r) => [r.getAttribute('data-rule'), Number(r.querySelector('td.count').textContent)]));
      assert.deepEqual(new Map(shown), perRule);
      const bars = await page.locator('#rules .bar .seg').count();
      assert.ok(bars >= perRule.size, 'one bar per rule');

      const rows = page.locator('#ftable tbody tr');
      assert.equal(await rows.count(), Math.min(100, json.findings.length));

      // Filter by rule: exactly that rule's findings.
      const [someRule, someCount] = [...perRule].sort((a, b) => b[1] - a[1])[0];
      await page.selectOption('#f-rule', { label: `${someRule} (${someCount})` });
      await page.waitForFunction((n) => document.querySelectorAll('#ftable tbody tr').length === n, someCount);
      assert.deepEqual([...new Set(await page.$$eval('#ftable tbody td:nth-child(3)', (tds) => tds.map((t) => t.textContent)))], [someRule]);
      assert.match(page.url(), new RegExp(`#findings\\?rule=${someRule}`));

      // Filter by severity: without errors.
      await page.click('#f-reset');
      const errors = json.findings.filter((f) => f.severity === 'error').length;
      await page.uncheck('#filters input[name=sev][value="0"]');
      await page.waitForFunction((n) => document.querySelectorAll('#ftable tbody tr').length === n, Math.min(100, json.findings.length - errors));
      assert.ok(!(await page.$$eval('#ftable tbody .sev', (s) => s.map((x) => x.textContent))).includes('error'));
      await page.click('#f-reset');

      // Sort by severity: errors first.
      await page.click('#ftable th:nth-child(1)');
      const order = ['error', 'warning', 'info', 'hint'];
      const sevs = await page.$$eval('#ftable tbody .sev', (s) => s.map((x) => x.textContent));
      assert.deepEqual(sevs, [...sevs].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
      assert.equal(sevs[0], 'error');
      await page.click('#f-reset');

      saveScreenshot('report-index.png', await page.screenshot({ fullPage: true }));

      // Click through to the finding with the longest path.
      const target = [...json.findings].sort((a, b) => b.path.length - a.path.length)[0];
      assert.ok(target.path.length >= 2, 'examples/ should have a finding with path steps');
      await Promise.all([page.waitForURL(/\/files\/.*\.html#f\d+$/), page.click(`#ftable a.loc:text-is("${target.file}:${target.line}:${target.column}")`)]);
      const k = /#f(\d+)$/.exec(page.url())[1];
      const card = page.locator(`#f${k}`);
      assert.equal(await card.locator('.msg').innerText(), target.message.replace(/`/g, ''));
      assert.equal(await card.locator('ol.steps li').count(), target.path.length);

      // The steps: numbered markers in the margin at their lines, each linking to the next.
      for (let j = 1; j <= target.path.length; j++) {
        const step = target.path[j - 1];
        const marker = page.locator(`tr#L${step.line} td.mg a#f${k}s${j}`);
        assert.equal(await marker.count(), 1, `step ${j} at line ${step.line}`);
        assert.equal((await marker.innerText()).trim(), String(j));
        assert.equal(await marker.getAttribute('href'), j < target.path.length ? `#f${k}s${j + 1}` : `#f${k}`);
        const note = page.locator(`tr#L${step.line} ~ tr.an .bubble.stepnote`, { hasText: step.message.replace(/`/g, '') }).first();
        assert.ok(await note.isVisible(), `step ${j}'s note "${step.message}"`);
      }
      await page.click(`#f${k}s1`);
      await page.waitForURL(new RegExp(`#f${k}s2$`));

      // The finding is highlighted, the source is shown as text, the fix is a diff of the source.
      assert.ok((await page.locator(`tr#L${target.line} mark.hl`).count()) >= 1);
      const rel = target.file;
      const source = fs.readFileSync(path.join(ROOT, rel), 'utf8').split('\n');
      const include = source.findIndex((l) => l.startsWith('#include <'));
      assert.equal(await page.locator(`tr#L${include + 1} td.c`).innerText(), source[include]);
      const adds = await card.locator('div.diff .add').allInnerTexts();
      const dels = await card.locator('div.diff .del').allInnerTexts();
      assert.ok(adds.length + dels.length > 0, 'the preferred fix is shown as a diff');
      const { analyzeText, applyEdits } = core();
      const text = source.join('\n');
      const f = (await analyzeText(text, { path: rel, withFixes: true })).findings.find((x) => x.rule === target.rule && x.range.start.line + 1 === target.line);
      const fixed = applyEdits(text, f.fixes.find((x) => x.isPreferred).edits).split('\n');
      for (const a of adds) assert.ok(fixed.includes(a.slice(1)), `added line ${a}`);
      for (const d of dels) assert.ok(source.includes(d.slice(1)), `removed line ${d}`);
      assert.equal(await card.locator('summary').innerText(), `Fix: ${f.fixes.find((x) => x.isPreferred).title}`);

      await page.goto(page.url().replace(/#.*$/, `#f${k}s1`));
      await page.locator(`#f${k}s1`).scrollIntoViewIfNeeded();
      await page.evaluate((id) => document.getElementById(id).closest('tr').scrollIntoView({ block: 'start' }), `f${k}s1`);
      await page.evaluate(() => window.scrollBy(0, -120));
      saveScreenshot('report-file.png', await page.screenshot());

      // Back to the index through the header link.
      await Promise.all([page.waitForURL(/index\.html/), page.click('header.top a.brand')]);
      await page.waitForSelector('html[data-ready]');
      assertLocal(page);
      await page.context().close();
    });

    test('index without JavaScript: the static tables list every file', { timeout: 120_000 }, async () => {
      const page = await open({ javaScriptEnabled: false });
      await page.goto(`file://${path.join(dir, 'index.html')}`);
      const files = new Set(json.findings.map((f) => f.file));
      assert.equal(await page.locator('#files-static tbody tr').count(), files.size);
      assert.equal(await page.locator('#findings').isVisible(), false);
      const shown = await page.$$eval('#rules tbody tr[data-rule]', (rows) => rows.map((r) => [r.getAttribute('data-rule'), Number(r.querySelector('td.count').textContent)]));
      assert.deepEqual(new Map(shown), perRule);
      await Promise.all([page.waitForURL(/all-files\.html$/), page.click('a[href="all-files.html"]')]);
      assert.equal(await page.locator('#files-static tbody tr').count(), files.size);
      await Promise.all([page.waitForURL(/\/files\//), page.locator('#files-static a').first().click()]);
      assert.ok((await page.locator('#findings-list article.card').count()) >= 1);
      assertLocal(page);
      await page.context().close();
    });

    test('hostile text stays text', { timeout: 120_000 }, async () => {
      const { writeHtmlReport } = loadModule();
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-html-hostile-'));
      try {
        const evil = '</script><img src=x onerror="alert(1)"><!--';
        const source = `/* ${evil} */\nstatic int f(void)\n{\n\treturn a < b && c > d; // ${evil}\n}\n`;
        const range = (l, a, b) => ({ start: { line: l, character: a }, end: { line: l, character: b } });
        const finding = {
          rule: 'null-device',
          severity: 'error',
          range: range(3, 8, 13),
          message: `\`${evil}\` and ${evil} & \`a < b\``,
          related: [{ range: range(0, 0, 5), message: `step ${evil}` }],
          fixes: [{ title: `fix ${evil}`, isPreferred: true, edits: [{ range: range(3, 8, 13), newText: `x ${evil}` }] }],
        };
        writeHtmlReport([{ path: `drivers/<b>evil</b>&"'.c`, findings: [finding], source, notes: [], millis: 0 }], out, { version: '0.1.0', command: `dma-check ${evil}`, started: new Date() });
        for (const file of ['index.html', 'all-files.html']) {
          const page = await open();
          await page.goto(`file://${path.join(out, file)}`);
          if (file === 'index.html') await page.waitForSelector('html[data-ready]');
          assert.equal(await page.locator('img').count(), 0, file);
          assert.ok((await page.locator('h1').innerText()).length > 0);
          if (file === 'index.html') {
            assert.ok((await page.locator('#ftable tbody td:nth-child(4)').innerText()).includes('<img src=x'));
            await Promise.all([page.waitForURL(/\/files\//), page.click('#ftable a.loc')]);
            assert.equal(await page.locator('img, script').count(), 0);
            assert.equal(await page.locator('h1.path').innerText(), `drivers/<b>evil</b>&"'.c`);
            assert.ok((await page.locator('tr#L4 td.c').innerText()).includes(`return a < b && c > d; // ${evil}`));
            assert.ok((await page.locator('div.diff').innerText()).includes(`+\treturn x ${evil}`));
          }
          assertLocal(page);
          await page.context().close();
        }
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    });
  });
});

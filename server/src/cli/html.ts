/**
 * dma-check --format html --output DIR: a static report.
 *
 *   DIR/index.html          totals per rule (with a bar chart), per directory
 *                           and per file; a sortable, filterable findings table
 *   DIR/report-data.js      the index's data: the findings, files and
 *                           directories as one JSON text
 *   DIR/all-files.html      every directory and file in plain tables (no script)
 *   DIR/report.css          the style sheet the other pages share
 *   DIR/files/<name>.html   one page per file with findings: the source with
 *                           line numbers, each finding highlighted, its path
 *                           steps numbered in the margin and linked to each
 *                           other, and its preferred fix as a unified diff
 *
 * Everything is readable without JavaScript. The index carries one small
 * script for sorting and filtering; it renders its tables from the JSON one
 * page of rows at a time, so tens of thousands of findings cost one
 * JSON.parse, not tens of thousands of DOM rows (bench/report-size.js: 30,000
 * findings in 5,000 files). No page loads anything from the network; a
 * Content-Security-Policy in every page says so to the browser too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { RULES } from '../rules/registry';
import { docUrl } from '../docs';
import { applyEdits } from '../fixes/apply';
import type { Finding, Severity } from '../types';
import type { FileOutcome } from './process';

export interface HtmlReportMeta {
  version: string;
  command: string;
  started: Date;
}

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];
const SEV_LABEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'info', hint: 'hint' };
const SEV_RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };
/** Rows of the findings table per page (the index script). */
const PAGE_SIZE = 100;
/** Lines of context around each hunk of a fix's diff. */
const DIFF_CONTEXT = 3;
const GENERATOR = 'dma-check html report';
/** Up to this many files, the index also carries the static tables (shown without JavaScript) inline. */
const INLINE_STATIC_MAX = 1000;

// ---------------------------------------------------------------- escaping

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

/** A message with `code` spans, escaped. */
function msgHtml(s: string): string {
  return esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/**
 * The index's data as a script: `JSON.parse('…')` of one string literal, the
 * form V8 reads fastest. It is a file of its own, not inline, because the HTML
 * parser takes about twice as long over megabytes of inline script text.
 */
function dataScript(v: unknown): string {
  const literal = JSON.stringify(JSON.stringify(v)).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return `// dma-check report data, read by index.html\nwindow.DMA_REPORT = JSON.parse(${literal});\n`;
}

// ---------------------------------------------------------------- file names

/** A flat, portable page name for a source path; unique within `used` (compared case-insensitively). */
export function pageName(p: string, used: Set<string>): string {
  let base = simplePageName(p) || 'file';
  if (base.length > 150) base = `${base.slice(0, 100)}-${createHash('sha1').update(p).digest('hex').slice(0, 10)}-${base.slice(-30)}`;
  let name = base;
  for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}~${n}`;
  used.add(name.toLowerCase());
  return `${name}.html`;
}

/** The page name before length limits and de-duplication; INDEX_JS repeats it (pageOf), so the data need not carry it. */
function simplePageName(p: string): string {
  return p
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s && s !== '.')
    .map((s) => (s === '..' ? '_' : s))
    .join('__')
    .replace(/[^A-Za-z0-9._+-]/g, '_')
    .replace(/^\.+/, '_');
}

// ---------------------------------------------------------------- line diff

interface DiffOp {
  t: ' ' | '-' | '+';
  text: string;
  /** 0-based line in the old / new text (the one the op belongs to; for ' ' both). */
  a: number;
  b: number;
}

/** Myers' O(ND) diff of two line arrays, after trimming the common prefix and suffix. */
export function diffLines(a: string[], b: string[]): DiffOp[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const ops: DiffOp[] = [];
  for (let i = 0; i < pre; i++) ops.push({ t: ' ', text: a[i], a: i, b: i });
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  for (const op of middleDiff(A, B)) ops.push({ ...op, a: op.a + pre, b: op.b + pre });
  for (let i = suf; i > 0; i--) ops.push({ t: ' ', text: a[a.length - i], a: a.length - i, b: b.length - i });
  return ops;
}

function middleDiff(a: string[], b: string[]): DiffOp[] {
  const n = a.length;
  const m = b.length;
  const replaceAll = (): DiffOp[] => [...a.map((text, i): DiffOp => ({ t: '-', text, a: i, b: 0 })), ...b.map((text, j): DiffOp => ({ t: '+', text, a: n, b: j }))];
  if (!n || !m) return replaceAll();
  const max = n + m;
  const off = max;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  // The traces are O(D * (N + M)) integers; past a few million, the diff is not worth reading anyway.
  for (let d = 0; d <= max && !found; d++) {
    if ((d + 1) * (2 * max + 2) > 8_000_000) return replaceAll();
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  const rev: DiffOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[off + k - 1] < vd[off + k + 1]) ? k + 1 : k - 1;
    const prevX = vd[off + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      rev.push({ t: ' ', text: a[x], a: x, b: y });
    }
    if (d > 0) {
      if (x === prevX) rev.push({ t: '+', text: b[prevY], a: x, b: prevY });
      else rev.push({ t: '-', text: a[prevX], a: prevX, b: y });
    }
    x = prevX;
    y = prevY;
  }
  return rev.reverse();
}

/** Unified diff hunks (no file header) of the changed lines, with `context` lines around each. */
export function unifiedHunks(ops: DiffOp[], context = DIFF_CONTEXT): { header: string; lines: DiffOp[] }[] {
  const changed: number[] = [];
  ops.forEach((o, i) => {
    if (o.t !== ' ') changed.push(i);
  });
  const hunks: { header: string; lines: DiffOp[] }[] = [];
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, changed[i] - context);
    let end = changed[i];
    while (i < changed.length && changed[i] <= end + 2 * context) end = changed[i++];
    const stop = Math.min(ops.length, end + context + 1);
    const lines = ops.slice(start, stop);
    const first = ops[start];
    const oldCount = lines.filter((o) => o.t !== '+').length;
    const newCount = lines.filter((o) => o.t !== '-').length;
    const oldStart = oldCount ? first.a + 1 : first.a;
    const newStart = newCount ? first.b + 1 : first.b;
    hunks.push({ header: `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, lines });
  }
  return hunks;
}

function splitLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

// ---------------------------------------------------------------- the model

interface FileEntry {
  path: string;
  dir: string;
  page: string;
  /** Sorted by position; a finding's number on its page is its index + 1. */
  findings: Finding[];
  outcome: FileOutcome;
  sev: number[];
  fixable: number;
}

function normPath(p: string): string {
  return p.replace(/\\/g, '/');
}

function dirOf(p: string): string {
  const n = normPath(p);
  const i = n.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : n.slice(0, i);
}

function preferredFix(f: Finding) {
  const fix = f.fixes?.find((x) => x.isPreferred);
  return fix && fix.edits.length ? fix : undefined;
}

function byPosition(a: Finding, b: Finding): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || SEV_RANK[a.severity] - SEV_RANK[b.severity] || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function sevCounts(sev: number[]): string {
  return SEVERITIES.map((s, i) => (sev[i] ? `<span class="sev ${s}">${sev[i]} ${SEV_LABEL[s]}</span>` : '')).filter(Boolean).join(' ');
}

// ---------------------------------------------------------------- entry point

/** Writes the report into outDir (created if needed); returns the index path and the number of file pages. */
export function writeHtmlReport(outcomes: FileOutcome[], outDir: string, meta: HtmlReportMeta): { index: string; files: number } {
  const filesDir = path.join(outDir, 'files');
  fs.mkdirSync(filesDir, { recursive: true });
  removeOldPages(outDir, filesDir);

  const used = new Set<string>();
  const entries: FileEntry[] = outcomes
    .filter((o) => o.findings.length)
    .map((o) => ({ o, p: normPath(o.path) }))
    .sort((x, y) => (x.p < y.p ? -1 : x.p > y.p ? 1 : 0))
    .map(({ o, p }) => {
      const findings = [...o.findings].sort(byPosition);
      const sev = [0, 0, 0, 0];
      for (const f of findings) sev[SEV_RANK[f.severity] ?? 3]++;
      return { path: p, dir: dirOf(p), page: pageName(p, used), findings, outcome: o, sev, fixable: findings.filter((f) => preferredFix(f)).length };
    });

  fs.writeFileSync(path.join(outDir, 'report.css'), CSS);
  entries.forEach((e, i) => {
    fs.writeFileSync(path.join(filesDir, e.page), renderFilePage(e, entries[i - 1], entries[i + 1], meta));
  });
  const index = path.join(outDir, 'index.html');
  const out = renderIndex(outcomes, entries, meta);
  fs.writeFileSync(path.join(outDir, 'report-data.js'), out.data);
  fs.writeFileSync(path.join(outDir, 'all-files.html'), out.list);
  fs.writeFileSync(index, out.html);
  return { index, files: entries.length };
}

/** Pages of an earlier report in the same directory (only when it is one of ours). */
function removeOldPages(outDir: string, filesDir: string): void {
  try {
    const old = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8').slice(0, 2000);
    if (!old.includes(`<meta name="generator" content="${GENERATOR}`)) return;
    for (const name of fs.readdirSync(filesDir)) if (name.endsWith('.html')) fs.rmSync(path.join(filesDir, name), { force: true });
  } catch {
    // no earlier report
  }
}

function head(title: string, css: string, version: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${GENERATOR} ${esc(version)}">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<title>${esc(title)}</title>
${css}
</head>
`;
}

// ---------------------------------------------------------------- index

/**
 * The index, its data script and the static list of all files. With
 * scripting on, the findings, files and directories tables are rendered from
 * report-data.js one page at a time. Without it, the static tables in
 * <noscript> (for up to INLINE_STATIC_MAX files; a scripting browser keeps
 * <noscript> as unparsed text) and all-files.html list every file.
 */
function renderIndex(outcomes: FileOutcome[], entries: FileEntry[], meta: HtmlReportMeta): { html: string; data: string; list: string } {
  const finishedMs = Date.now();
  const total = entries.reduce((n, e) => n + e.findings.length, 0);
  const sevTotal = [0, 0, 0, 0];
  for (const e of entries) e.sev.forEach((n, i) => (sevTotal[i] += n));
  const fixable = entries.reduce((n, e) => n + e.fixable, 0);
  const scanned = outcomes.filter((o) => !o.error && !o.skipped).length;
  const failed = outcomes.filter((o) => o.error);
  const skipped = outcomes.filter((o) => o.skipped).length;

  // Rules: registry order for known ids, then any others.
  const ruleIds: string[] = RULES.map((r) => r.id);
  const known = new Set(ruleIds);
  const perRule = new Map<string, { sev: number[]; files: Set<number>; fixable: number }>();
  entries.forEach((e, fi) => {
    for (const f of e.findings) {
      if (!known.has(f.rule)) {
        known.add(f.rule);
        ruleIds.push(f.rule);
      }
      let r = perRule.get(f.rule);
      if (!r) perRule.set(f.rule, (r = { sev: [0, 0, 0, 0], files: new Set(), fixable: 0 }));
      r.sev[SEV_RANK[f.severity] ?? 3]++;
      r.files.add(fi);
      if (preferredFix(f)) r.fixable++;
    }
  });
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const ruleRows = [...perRule.entries()]
    .map(([id, r]) => ({ id, ...r, count: r.sev.reduce((a, b) => a + b, 0) }))
    .sort((x, y) => y.count - x.count || (x.id < y.id ? -1 : 1));
  const maxRule = Math.max(1, ...ruleRows.map((r) => r.count));

  const ruleTable = ruleRows.length
    ? `<table class="grid sortable" id="rules">
<thead><tr><th>Rule</th><th>Summary</th><th data-type="num" class="num">Findings</th><th data-type="num" class="num">Files</th><th data-type="num" class="num">Fixable</th><th class="chart">Findings per rule</th></tr></thead>
<tbody>
${ruleRows
  .map((r) => {
    const info = RULES.find((x) => x.id === r.id);
    const bar = r.sev
      .map((n, i) => (n ? `<span class="seg ${SEVERITIES[i]}" style="width:${((n / maxRule) * 100).toFixed(2)}%" title="${n} ${SEV_LABEL[SEVERITIES[i]]}"></span>` : ''))
      .join('');
    return `<tr data-rule="${esc(r.id)}" data-count="${r.count}"><td class="rule"><a href="${esc(docUrl(r.id))}">${esc(r.id)}</a></td><td>${esc(info?.summary ?? '')}</td><td class="num count"><a href="#findings" data-rule="${esc(r.id)}" title="show these findings">${r.count}</a></td><td class="num">${r.files.size}</td><td class="num">${r.fixable}</td><td class="chart"><span class="bar" role="img" aria-label="${r.count} findings">${bar}</span></td></tr>`;
  })
  .join('\n')}
</tbody>
</table>`
    : '<p class="clean">No findings.</p>';

  // Directories, most findings first.
  const dirMap = new Map<string, { files: number; sev: number[] }>();
  for (const e of entries) {
    let d = dirMap.get(e.dir);
    if (!d) dirMap.set(e.dir, (d = { files: 0, sev: [0, 0, 0, 0] }));
    d.files++;
    e.sev.forEach((n, i) => (d!.sev[i] += n));
  }
  const dirRows = [...dirMap.entries()]
    .map(([dir, d]) => ({ dir, ...d, count: d.sev.reduce((a, b) => a + b, 0) }))
    .sort((x, y) => y.count - x.count || (x.dir < y.dir ? -1 : 1));
  const dirIndex = new Map(dirRows.map((d, i) => [d.dir, i]));
  const dirFilter = (dir: string) => (dir === '.' ? '' : `${dir}/`);
  const dirHead = '<tr><th>Directory</th><th class="num">Files</th><th class="num">Findings</th><th class="num">Errors</th><th class="num">Warnings</th><th class="num">Info/hints</th></tr>';
  const dirStatic = `<table class="grid" id="dirs-static">
<thead>${dirHead}</thead>
<tbody>
${dirRows.map((d) => `<tr><td>${esc(d.dir)}<td>${d.files}<td>${d.count}<td>${d.sev[0]}<td>${d.sev[1]}<td>${d.sev[2] + d.sev[3]}`).join('\n')}
</tbody>
</table>`;

  // Files, in path order.
  const fileRuleCounts = entries.map((e) => {
    const counts = new Map<string, number>();
    for (const f of e.findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
    return [...counts];
  });
  const fileRules = fileRuleCounts.map((c) => c.map(([id, n]) => (n > 1 ? `${id} \u00d7${n}` : id)).join(', '));
  const fileHead = '<tr><th>File</th><th class="num">Findings</th><th class="num">Errors</th><th class="num">Warnings</th><th class="num">Info/hints</th><th class="num">Fixable</th><th>Rules</th></tr>';
  const fileStatic = `<table class="grid" id="files-static">
<thead>${fileHead}</thead>
<tbody>
${entries
  // End tags of td and tr are optional in HTML; leaving them out keeps a 50,000-row table small.
  .map((e, i) => `<tr><td><a href="files/${e.page}">${esc(e.path)}</a><td>${e.findings.length}<td>${e.sev[0]}<td>${e.sev[1]}<td>${e.sev[2] + e.sev[3]}<td>${e.fixable}<td>${esc(fileRules[i])}`)
  .join('\n')}
</tbody>
</table>`;

  const failedList = failed.length
    ? `<section id="failed"><h2>Files not analysed (${failed.length})</h2><ul class="failed">${failed.map((o) => `<li><code>${esc(o.path)}</code>: ${esc(o.error ?? '')}</li>`).join('')}</ul></section>`
    : '';

  // Data for the script. A message is stored as a template (its text outside `code` spans,
  // shared by all the findings of one kind) and the code spans, which are what varies.
  const templates: string[][] = [];
  const templateIndex = new Map<string, number>();
  const splitMessage = (m: string): [number, string[]] => {
    const parts = m.split(/`([^`]*)`/);
    const text = parts.filter((_, i) => i % 2 === 0);
    const code = parts.filter((_, i) => i % 2 === 1);
    const key = text.join('\u0000');
    let t = templateIndex.get(key);
    if (t === undefined) {
      templateIndex.set(key, (t = templates.length));
      templates.push(text);
    }
    return [t, code];
  };
  const data = {
    pageSize: PAGE_SIZE,
    sevs: SEVERITIES.map((s) => SEV_LABEL[s]),
    rules: ruleIds,
    docs: ruleIds.map((id) => docUrl(id)),
    // [name in its directory, page (0: the usual name of the path), dir, findings, errors, warnings, info+hints, fixable, [rule, count, ...]]
    files: entries.map((e, i) => [
      e.path.slice(e.path.lastIndexOf('/') + 1),
      e.page === `${simplePageName(e.path)}.html` ? 0 : e.page.slice(0, -5),
      dirIndex.get(e.dir) ?? 0,
      e.findings.length,
      e.sev[0],
      e.sev[1],
      e.sev[2] + e.sev[3],
      e.fixable,
      fileRuleCounts[i].flatMap(([id, n]) => [ruleIndex.get(id) ?? 0, n]),
    ]),
    // [dir, files, findings, errors, warnings, info+hints, filter text]
    dirs: dirRows.map((d) => [d.dir, d.files, d.count, d.sev[0], d.sev[1], d.sev[2] + d.sev[3], dirFilter(d.dir)]),
    templates,
    // [file, line, column, rule, severity, message template, steps, fixable, number on the file page, message code spans]
    findings: entries.flatMap((e, fi) =>
      e.findings.map((f, k) => {
        const [t, code] = splitMessage(f.message);
        return [fi, f.range.start.line + 1, f.range.start.character + 1, ruleIndex.get(f.rule) ?? 0, SEV_RANK[f.severity] ?? 3, t, f.related.length, preferredFix(f) ? 1 : 0, k + 1, code];
      }),
    ),
  };

  const sevOptions = SEVERITIES.map((s, i) => (sevTotal[i] ? `<label class="sev ${s}"><input type="checkbox" name="sev" value="${i}" checked> ${SEV_LABEL[s]} (${sevTotal[i]})</label>` : '')).join(' ');
  const ruleOptions = ruleRows.map((r) => `<option value="${ruleIndex.get(r.id)}">${esc(r.id)} (${r.count})</option>`).join('');
  const took = (finishedMs - meta.started.getTime()) / 1000;
  const pager = '<p class="pager"><button type="button" data-go="first" aria-label="first page">«</button><button type="button" data-go="prev" aria-label="previous page">‹</button> <span class="pinfo"></span> <button type="button" data-go="next" aria-label="next page">›</button><button type="button" data-go="last" aria-label="last page">»</button></p>';

  const findingsSection = entries.length
    ? `<section id="findings" hidden>
<h2>Findings <span class="shown" id="findings-shown"></span></h2>
<form id="filters" class="filters" onsubmit="return false">
<label>Rule <select id="f-rule"><option value="-1">all rules</option>${ruleOptions}</select></label>
<span class="sevs">${sevOptions}</span>
<label>Path or text <input id="f-q" type="search" placeholder="drivers/net/" size="24"></label>
<button type="button" id="f-reset">Reset</button>
</form>
${pager}
<table class="grid" id="ftable">
<thead><tr><th>Severity</th><th>Location</th><th>Rule</th><th>Message</th><th class="num">Steps</th><th>Fix</th></tr></thead>
<tbody></tbody>
</table>
</section>
<section id="by-dir" hidden>
<h2>By directory <span class="shown" id="dirs-shown"></span></h2>
${pager}
<table class="grid" id="dirtable"><thead>${dirHead}</thead><tbody></tbody></table>
</section>
<section id="by-file" hidden>
<h2>By file <span class="shown" id="files-shown"></span></h2>
${pager}
<table class="grid" id="filetable"><thead>${fileHead}</thead><tbody></tbody></table>
</section>
<noscript>
<p class="note">Sorting and filtering need JavaScript. Every finding is on its file's page, linked from the <a href="all-files.html">list of all files</a>${entries.length <= INLINE_STATIC_MAX ? ' and from the table below' : ''}.</p>
${entries.length <= INLINE_STATIC_MAX ? `<section><h2>By directory</h2>\n${dirStatic}\n</section>\n<section><h2>By file</h2>\n${fileStatic}\n</section>` : ''}
</noscript>`
    : '';

  const list = `${head(`dma-check report: all files`, '<link rel="stylesheet" href="report.css">', meta.version)}<body class="list">
<header class="top"><a class="brand" href="index.html">dma-check</a> <span class="sub">/ all files</span></header>
<main>
<p><a href="index.html">‹ index</a></p>
<h1>${plural(total, 'finding')} in ${plural(entries.length, 'file')}</h1>
<section><h2>By directory</h2>
${dirStatic}
</section>
<section><h2>By file</h2>
${fileStatic}
</section>
</main>
</body>
</html>
`;

  const html = `${head(`dma-check report: ${plural(total, 'finding')}`, `<style>\n${CSS}</style>`, meta.version)}<body class="index">
<header class="top"><span class="brand">dma-check</span> <span class="sub">DMA API Assistant report</span></header>
<main>
<section id="summary">
<h1>${total ? `<span id="total-findings" data-count="${total}">${total}</span> finding${total === 1 ? '' : 's'}` : '<span id="total-findings" data-count="0">No</span> findings'} in ${plural(entries.length, 'file')}</h1>
<p class="totals">${sevCounts(sevTotal)}${fixable ? ` <span class="fixable">${fixable} with an automatic fix</span>` : ''}</p>
<table class="meta">
<tr><th>Command</th><td><code>${esc(meta.command)}</code></td></tr>
<tr><th>Started</th><td>${esc(meta.started.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}, took ${took.toFixed(1)} s</td></tr>
<tr><th>Files</th><td>${scanned} analysed${skipped ? `, ${skipped} skipped` : ''}${failed.length ? `, <a href="#failed">${failed.length} failed</a>` : ''}; ${entries.length} with findings</td></tr>
<tr><th>Version</th><td>dma-check ${esc(meta.version)}</td></tr>
</table>
</section>
<section id="by-rule">
<h2>By rule</h2>
${ruleTable}
</section>
${findingsSection}
${failedList}
</main>
<footer>Generated by dma-check ${esc(meta.version)}. Rule pages: <a href="${esc(docUrl(''))}">docs/rules</a>.</footer>
<script src="report-data.js"></script>
<script>
${INDEX_JS}
</script>
</body>
</html>
`;
  return { html, data: dataScript(data), list };
}

// ---------------------------------------------------------------- file pages

interface Mark {
  start: number;
  end: number;
  cls: string;
  rank: number;
}

function renderFilePage(e: FileEntry, prev: FileEntry | undefined, next: FileEntry | undefined, meta: HtmlReportMeta): string {
  const source = e.outcome.source;
  const lines = source === undefined ? undefined : splitLines(source);
  const n = e.findings.length;
  const multi = n > 1;

  const cards = e.findings.map((f, i) => renderCard(e, f, i + 1, source, multi)).join('\n');

  let body: string;
  if (lines) {
    // Per line: marks (highlights), margin markers and annotation rows.
    const marks = new Map<number, Mark[]>();
    const margin = new Map<number, string[]>();
    const notes = new Map<number, string[]>();
    const push = <T>(m: Map<number, T[]>, line: number, v: T) => {
      const l = Math.max(0, Math.min(line, lines.length - 1));
      const a = m.get(l);
      if (a) a.push(v);
      else m.set(l, [v]);
    };
    const addRange = (r: Finding['range'], cls: string, rank: number) => {
      for (let l = r.start.line; l <= r.end.line && l < lines.length; l++) {
        const s = l === r.start.line ? r.start.character : 0;
        const en = l === r.end.line ? r.end.character : lines[l].length;
        if (en > s) push(marks, l, { start: s, end: Math.min(en, lines[l].length), cls, rank });
      }
    };
    // A note goes under the last line of a short multi-line range, so as not to split a statement.
    const noteLine = (r: Finding['range']) => {
      const end = r.end.line > r.start.line && r.end.character === 0 ? r.end.line - 1 : r.end.line;
      return end - r.start.line <= 3 ? end : r.start.line;
    };
    e.findings.forEach((f, i) => {
      const k = i + 1;
      const sev = f.severity;
      addRange(f.range, `hl ${sev}`, SEV_RANK[sev]);
      push(margin, f.range.start.line, `<a class="fm ${sev}" id="f${k}-at" href="#f${k}" title="${esc(`#${k} ${SEV_LABEL[sev]}: ${f.message} [${f.rule}]`)}">${multi ? `#${k}` : '!'}</a>`);
      push(notes, noteLine(f.range), `<span class="bubble ${sev}"><a class="fm ${sev}" href="#f${k}">${multi ? `#${k}` : '!'}</a> <b class="sevw">${SEV_LABEL[sev]}:</b> ${msgHtml(f.message)} <a class="rid" href="${esc(docUrl(f.rule))}">[${esc(f.rule)}]</a></span>`);
      const steps = f.related;
      steps.forEach((s, j) => {
        const num = j + 1;
        const c = `c${i % 6}`;
        addRange(s.range, `st ${c}`, 10);
        const nextHref = num < steps.length ? `#f${k}s${num + 1}` : `#f${k}`;
        const prevHref = num > 1 ? `#f${k}s${num - 1}` : `#f${k}`;
        push(margin, s.range.start.line, `<a class="step ${c}" id="f${k}s${num}" href="${nextHref}" title="${esc(`${multi ? `#${k} ` : ''}step ${num} of ${steps.length}: ${s.message}${num < steps.length ? ' (click: next step)' : ''}`)}">${num}</a>`);
        push(
          notes,
          noteLine(s.range),
          `<span class="bubble stepnote"><a class="step ${c}" href="${nextHref}">${num}</a> ${msgHtml(s.message)} <span class="nav">${multi ? `<a href="#f${k}">#${k}</a> ` : ''}step ${num}/${steps.length} <a href="${prevHref}" title="previous step">‹</a> <a href="${nextHref}" title="${num < steps.length ? 'next step' : 'back to the finding'}">›</a></span></span>`,
        );
      });
    });
    const rows: string[] = [];
    for (let l = 0; l < lines.length; l++) {
      const text = lines[l];
      if (l === lines.length - 1 && text === '' && l > 0) break; // the final newline
      const m = margin.get(l);
      rows.push(`<tr id="L${l + 1}"${m ? ' class="hit"' : ''}><td class="ln"><a href="#L${l + 1}">${l + 1}</a></td><td class="mg">${m ? m.join('') : ''}</td><td class="c">${highlight(text, marks.get(l))}</td></tr>`);
      const ns = notes.get(l);
      if (ns) {
        const indent = /^[ \t]*/.exec(text)![0];
        for (const note of ns) rows.push(`<tr class="an"><td class="ln"></td><td class="mg"></td><td class="c"><span class="ind">${indent}</span>${note}</td></tr>`);
      }
    }
    body = `<section id="source"><h2>Source</h2><div class="srcwrap"><table class="src"><tbody>\n${rows.join('\n')}\n</tbody></table></div></section>`;
  } else {
    body = '<p class="note">The source text is not in this report (the report was written without it).</p>';
  }

  const fixed = e.outcome.fixed?.length
    ? `<p class="note">dma-check --fix applied: ${e.outcome.fixed.map((x) => `${esc(x.title)} (line ${x.line}, ${esc(x.rule)})`).join('; ')}. The source shown is the fixed text.</p>`
    : '';
  const nav = `<nav class="filenav">${prev ? `<a href="${prev.page}" rel="prev">‹ ${esc(prev.path)}</a>` : '<span></span>'}<a href="../index.html">index</a>${next ? `<a href="${next.page}" rel="next">${esc(next.path)} ›</a>` : '<span></span>'}</nav>`;

  return `${head(`${e.path}: ${plural(n, 'finding')} (dma-check)`, '<link rel="stylesheet" href="../report.css">', meta.version)}<body class="file">
<header class="top"><a class="brand" href="../index.html">dma-check</a> <span class="sub">/ <span class="path">${esc(e.path)}</span></span></header>
<main>
${nav}
<h1 class="path">${esc(e.path)}</h1>
<p class="totals">${plural(n, 'finding')}: ${sevCounts(e.sev)}${e.fixable ? ` <span class="fixable">${e.fixable} with an automatic fix</span>` : ''}</p>
${fixed}
<section id="findings-list">
${cards}
</section>
${body}
</main>
<footer>Generated by dma-check ${esc(meta.version)} · <a href="../index.html">back to the index</a></footer>
</body>
</html>
`;
}

function renderCard(e: FileEntry, f: Finding, k: number, source: string | undefined, multi: boolean): string {
  const line = f.range.start.line + 1;
  const col = f.range.start.character + 1;
  const sev = f.severity;
  const c = `c${(k - 1) % 6}`;
  const steps = f.related.length
    ? `<ol class="steps">${f.related
        .map((s, j) => `<li><a class="step ${c}" href="#f${k}s${j + 1}">${j + 1}</a> <a class="loc" href="#L${s.range.start.line + 1}">line ${s.range.start.line + 1}</a> ${msgHtml(s.message)}</li>`)
        .join('')}</ol>`
    : '';
  let fix = '';
  const pref = preferredFix(f);
  if (pref) {
    let diff: string;
    if (source === undefined) diff = '<p class="note">The diff needs the source text.</p>';
    else {
      try {
        const after = applyEdits(source, pref.edits);
        const hunks = unifiedHunks(diffLines(splitLines(source), splitLines(after)));
        diff = hunks.length
          ? `<div class="diff" role="figure" aria-label="unified diff"><div class="dh">--- a/${esc(e.path)}</div><div class="dh">+++ b/${esc(e.path)}</div>${hunks
              .map((h) => `<div class="hh">${h.header}</div>${h.lines.map((o) => `<div class="${o.t === '+' ? 'add' : o.t === '-' ? 'del' : 'ctx'}">${o.t}${esc(o.text)}</div>`).join('')}`)
              .join('')}</div>`
          : '<p class="note">The fix changes no line.</p>';
      } catch (err) {
        diff = `<p class="note">The fix could not be applied to this text: ${esc(err instanceof Error ? err.message : String(err))}</p>`;
      }
    }
    const others = (f.fixes ?? []).filter((x) => x !== pref && x.edits.length);
    fix = `<details class="fix" open><summary>Fix: ${esc(pref.title)}</summary>${diff}${others.length ? `<p class="other">Other fixes: ${others.map((x) => esc(x.title)).join('; ')}</p>` : ''}</details>`;
  } else if (f.fixes === undefined && RULES.find((r) => r.id === f.rule)?.fixable) {
    fix = '<p class="note">Fixes were not computed for this report.</p>';
  }
  return `<article class="card ${sev}" id="f${k}">
<div class="h"><span class="sev ${sev}">${SEV_LABEL[sev]}</span> <a class="loc" href="#f${k}-at">line ${line}, column ${col}</a> <a class="rid" href="${esc(docUrl(f.rule))}">${esc(f.rule)}</a>${multi ? ` <span class="k">#${k}</span>` : ''}</div>
<p class="msg">${msgHtml(f.message)}</p>
${steps}${fix}
</article>`;
}

/** One source line with its marks: findings highlighted by severity (the most severe wins), path steps underlined. */
function highlight(text: string, marks: Mark[] | undefined): string {
  if (!marks || !text) return esc(text);
  const cuts = new Set<number>([0, text.length]);
  for (const m of marks) {
    cuts.add(Math.max(0, Math.min(m.start, text.length)));
    cuts.add(Math.max(0, Math.min(m.end, text.length)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  let out = '';
  for (let i = 0; i + 1 < points.length; i++) {
    const s = points[i];
    const en = points[i + 1];
    const seg = esc(text.slice(s, en));
    let best: Mark | undefined;
    let step: Mark | undefined;
    for (const m of marks) {
      if (m.start > s || m.end < en) continue;
      if (m.rank >= 10) step ??= m;
      else if (!best || m.rank < best.rank) best = m;
    }
    const cls = [best?.cls, step?.cls].filter(Boolean).join(' ');
    out += cls ? `<mark class="${cls}">${seg}</mark>` : seg;
  }
  return out;
}

// ---------------------------------------------------------------- assets

const CSS = `:root{--err:#c00;--warn:#a0a;--info:#07a;--hint:#678;--fg:#222;--muted:#666;--rule:#ccc;--head:#eee;--link:#00c;--mono:"DejaVu Sans Mono","Liberation Mono","Noto Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
html{scroll-padding-top:3.5em}
body{margin:0;color:var(--fg);background:#fff;font:14px/1.45 "DejaVu Sans",Verdana,Arial,sans-serif}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.path,.rid,.rule,td.c,.ln{font-family:var(--mono)}
code{font-size:.93em;background:#f3f3f3;padding:0 .2em;border-radius:2px}
header.top{position:sticky;top:0;z-index:5;background:#333;color:#eee;padding:.35em 1em;font-size:14px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
header.top .brand{color:#fff;font-weight:bold;font-family:var(--mono)}header.top .sub{color:#bbb}
main{padding:.5em 1em 2em;max-width:1600px}
h1{font-size:1.35em;margin:.5em 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .4em;border-bottom:1px solid var(--rule);padding-bottom:.15em}
footer{color:var(--muted);font-size:12px;padding:1em;border-top:1px solid var(--rule)}
.sev{display:inline-block;font-weight:bold;font-size:12px;padding:0 .45em;border-radius:3px;color:#fff;white-space:nowrap}
.sev.error{background:var(--err)}.sev.warning{background:var(--warn)}.sev.information{background:var(--info)}.sev.hint{background:var(--hint)}
label.sev{font-weight:normal;padding:.1em .5em}
.fixable{color:#060;font-size:13px;margin-left:.5em}
table.meta th{text-align:left;color:var(--muted);font-weight:normal;padding-right:1em;vertical-align:top}table.meta{font-size:13px;border-collapse:collapse}
table.grid{border-collapse:collapse;width:100%;font-size:13px}
table.grid th{background:var(--head);text-align:left;border-bottom:1px solid #bbb;padding:.25em .5em;white-space:nowrap;position:sticky;top:1.9em;z-index:1}
table.grid td{border-bottom:1px solid #e6e6e6;padding:.2em .5em;vertical-align:top}
table.grid tbody tr:hover{background:#f5f8ff}
table.grid .num{text-align:right;font-variant-numeric:tabular-nums;width:1%;white-space:nowrap}
table.grid td.e{color:var(--err)}table.grid td.w{color:var(--warn)}
table.sortable th,#ftable th,#filetable th,#dirtable th{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25b2";font-size:.75em}th[aria-sort=descending]::after{content:" \\25bc";font-size:.75em}
td.path,a.path{overflow-wrap:break-word}td.rules,span.rules{color:var(--muted);font-family:var(--mono);font-size:12px}
#rules td.rule{white-space:nowrap}#rules th.chart{cursor:default;width:32%}#rules td.chart{width:32%;vertical-align:middle}
.bar{display:flex;height:12px;width:100%;background:#f4f4f4}
.seg{display:block;height:100%;min-width:1px}.seg.error{background:var(--err)}.seg.warning{background:var(--warn)}.seg.information{background:var(--info)}.seg.hint{background:var(--hint)}
.filters{display:flex;flex-wrap:wrap;gap:.5em 1.2em;align-items:center;font-size:13px;background:#f7f7f7;border:1px solid #ddd;padding:.4em .6em}
.pager{font-size:13px;margin:.4em 0}.pager button{min-width:2em}
#ftable td:nth-child(4){width:55%}a.loc{font-family:var(--mono);overflow-wrap:break-word}#ftable td:nth-child(2){max-width:30em}
#ftable tr.error td:first-child{border-left:3px solid var(--err)}#ftable tr.warning td:first-child{border-left:3px solid var(--warn)}#ftable tr.information td:first-child{border-left:3px solid var(--info)}#ftable tr.hint td:first-child{border-left:3px solid var(--hint)}
.shown{font-weight:normal;color:var(--muted);font-size:13px}
.note{color:var(--muted);font-style:italic}
ul.failed{font-size:13px}
#files-static td:nth-child(n+2),#dirs-static td:nth-child(n+2){text-align:right;width:1%}#files-static td:last-child{text-align:left;width:auto;color:var(--muted);font:12px var(--mono)}#files-static td:first-child,#dirs-static td:first-child{font-family:var(--mono);overflow-wrap:anywhere}
/* file pages */
nav.filenav{display:flex;justify-content:space-between;gap:1em;font-size:12px;font-family:var(--mono)}
.card{border:1px solid #ddd;border-left:4px solid var(--hint);margin:.6em 0;padding:.4em .7em;background:#fcfcfc;scroll-margin-top:3em}
.card.error{border-left-color:var(--err)}.card.warning{border-left-color:var(--warn)}.card.information{border-left-color:var(--info)}
.card:target{box-shadow:0 0 0 2px #fc0}
.card .h{font-size:13px}.card .k{color:var(--muted)}.card .rid{margin-left:.3em}
.card .msg{margin:.3em 0}
ol.steps{list-style:none;margin:.2em 0;padding:0;font-size:13px}ol.steps li{margin:.15em 0}
.fix summary{cursor:pointer;font-size:13px;color:#060;font-weight:bold}
div.diff{font-family:var(--mono);font-size:12.5px;line-height:1.4;background:#fff;border:1px solid #ddd;padding:.4em 0;overflow-x:auto;tab-size:8;-moz-tab-size:8;margin:.3em 0}
div.diff div{white-space:pre;padding:0 .6em;min-height:1.4em;min-width:max-content}
div.diff .add{background:#e6ffe6;color:#050}div.diff .del{background:#ffe8e8;color:#900}div.diff .hh{color:#707;background:#f6f0fa}div.diff .dh{color:#555;font-weight:bold}
.other{font-size:12px;color:var(--muted)}
.srcwrap{overflow-x:auto;border:1px solid #ddd}
table.src{border-collapse:collapse;font-size:13px;line-height:1.4;tab-size:8;-moz-tab-size:8;min-width:100%}
table.src td{padding:0;vertical-align:top}
table.src td.ln{text-align:right;padding:0 .6em 0 .8em;color:#999;background:#f6f6f6;border-right:1px solid #e2e2e2;user-select:none;width:1%}
table.src td.ln a{color:#999}
table.src td.mg{width:1%;min-width:2.2em;padding:0 .3em;white-space:nowrap;background:#fafafa;border-right:1px solid #eee}
table.src td.c{white-space:pre;padding-left:.8em;padding-right:1em}
table.src tr:target td.c,table.src tr:target td.ln{background:#fff6c8}
table.src tr.an td.c{white-space:pre;padding-top:1px;padding-bottom:2px}
mark{background:none;color:inherit}
mark.hl.error{background:#ffd6d6;border-bottom:2px solid var(--err)}mark.hl.warning{background:#f8dcf8;border-bottom:2px solid var(--warn)}mark.hl.information{background:#d8eef8;border-bottom:2px solid var(--info)}mark.hl.hint{background:#e6ecef;border-bottom:2px dotted var(--hint)}
mark.st{text-decoration:underline dotted 1.5px;text-underline-offset:3px}
.fm,.step{display:inline-block;min-width:1.5em;text-align:center;font:bold 11px/1.5 "DejaVu Sans",Verdana,sans-serif;border-radius:.75em;color:#fff;margin-right:2px;padding:0 .3em;scroll-margin-top:5em}
.fm.error{background:var(--err)}.fm.warning{background:var(--warn)}.fm.information{background:var(--info)}.fm.hint{background:var(--hint)}
.step{border-radius:50%;padding:0}
.step.c0{background:#1565c0}.step.c1{background:#2e7d32}.step.c2{background:#e65100}.step.c3{background:#6a1b9a}.step.c4{background:#00838f}.step.c5{background:#5d4037}
a.fm:hover,a.step:hover{text-decoration:none;filter:brightness(1.2)}
.step:target,.fm:target{box-shadow:0 0 0 3px #fc0}
.bubble{display:inline-block;white-space:normal;vertical-align:top;max-width:60em;font:12.5px/1.4 "DejaVu Sans",Verdana,sans-serif;border:1px solid #ccc;border-radius:4px;padding:.1em .5em;margin:1px 0;background:#fffbe6}
.bubble.error{background:#fff0f0;border-color:#e8a0a0}.bubble.warning{background:#fdf0fd;border-color:#d8a0d8}.bubble.information{background:#eef7fc;border-color:#9cc9e0}.bubble.hint{background:#f2f5f6}
.bubble.stepnote{background:#f0f5ff;border-color:#b8c8e8}
.bubble .nav{color:var(--muted);font-size:11px;margin-left:.5em}.bubble .nav a{font-size:13px;padding:0 .15em}
.bubble .sevw{font-weight:bold}
.ind{white-space:pre}
@media print{header.top{position:static}table.grid th{position:static}}
`;

/** The index's script: paged tables, sorting and filtering. Plain ES2017, no libraries. */
const INDEX_JS = String.raw`(function () {
  'use strict';
  var root = document.documentElement;
  var D = window.DMA_REPORT;
  function ready() { root.setAttribute('data-ready', String(Math.round(performance.now()))); }
  var SEV = ['error', 'warning', 'information', 'hint'];
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return ESC[c]; }); }
  /** A finding's message, as text (for sorting and searching) or as HTML. */
  function text(r) {
    if (r.text === undefined) {
      var t = TPL[r[5]], c = r[9], s = t[0];
      for (var i = 1; i < t.length; i++) s += '\x60' + c[i - 1] + '\x60' + t[i];
      r.text = s;
    }
    return r.text;
  }
  function msgHtml(r) {
    var t = TPL[r[5]], c = r[9], h = esc(t[0]);
    for (var i = 1; i < t.length; i++) h += '<code>' + esc(c[i - 1]) + '</code>' + esc(t[i]);
    return h;
  }
  function pageOf(p) {
    return p.split('/').filter(function (s) { return s && s !== '.'; }).map(function (s) { return s === '..' ? '_' : s; }).join('__').replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '_');
  }
  function href(f) { return 'files/' + (f[1] || pageOf(f[0])) + '.html'; }
  function ruleList(f) {
    if (f.rules === undefined) {
      var c = f[8], out = [];
      for (var i = 0; i < c.length; i += 2) out.push(rules[c[i]] + (c[i + 1] > 1 ? ' ×' + c[i + 1] : ''));
      f.rules = out.join(', ');
    }
    return f.rules;
  }
  function setSort(ths, col, dir) {
    each(ths, function (th, i) { if (i === col) th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending'); else th.removeAttribute('aria-sort'); });
  }

  // The rules table is small and static: sort its rows in place.
  each(document.querySelectorAll('table.sortable'), function (table) {
    var ths = table.tHead.rows[0].cells;
    each(ths, function (th, col) {
      if (th.classList.contains('chart')) return;
      th.title = 'sort';
      th.addEventListener('click', function () {
        var num = th.getAttribute('data-type') === 'num', cur = th.getAttribute('aria-sort');
        var dir = cur === 'descending' ? 1 : cur === 'ascending' ? -1 : (num ? -1 : 1);
        var keyed = Array.prototype.map.call(table.tBodies[0].rows, function (r, i) { var t = r.cells[col].textContent; return [num ? parseFloat(t) || 0 : t.toLowerCase(), i, r]; });
        keyed.sort(function (a, b) { return (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]) * dir; });
        var frag = document.createDocumentFragment();
        keyed.forEach(function (k) { frag.appendChild(k[2]); });
        table.tBodies[0].appendChild(frag);
        setSort(ths, col, dir);
      });
    });
  });

  var sec = document.getElementById('findings');
  if (!sec) { ready(); return; }
  if (!D) {
    sec.insertAdjacentHTML('beforebegin', '<p class="note">report-data.js, which holds the findings table, did not load; see the <a href="all-files.html">list of all files</a>.</p>');
    ready();
    return;
  }
  var F = D.findings, files = D.files, dirs = D.dirs, rules = D.rules, TPL = D.templates;

  // Row identity for "natural order" (file, then position; files by path; directories by findings).
  F.forEach(function (r, i) { r[10] = i; });
  files.forEach(function (f, i) {
    var d = dirs[f[2]][0];
    f[0] = d === '.' ? f[0] : d === '/' ? '/' + f[0] : d + '/' + f[0];
    f[9] = i;
  });
  dirs.forEach(function (d, i) { d.push(i); });

  /** A table rendered one page at a time from rows; cols: [{id, key(row), html(row), num, desc}]. */
  function Paged(id, cols, size, rowClass, changed) {
    var s = document.getElementById(id), t = s.querySelector('table'), self = this;
    this.cols = cols; this.size = size; this.rowClass = rowClass; this.changed = changed;
    this.page = 0; this.col = -1; this.dir = 1; this.base = []; this.view = [];
    this.tbody = t.tBodies[0]; this.ths = t.tHead.rows[0].cells; this.info = s.querySelector('.pinfo');
    this.buttons = s.querySelectorAll('.pager button');
    s.hidden = false;
    each(this.ths, function (th, i) {
      th.title = 'sort';
      th.addEventListener('click', function () {
        if (self.col === i) self.dir = -self.dir; else { self.col = i; self.dir = cols[i].desc ? -1 : 1; }
        self.page = 0; self.sort(); self.render(); if (changed) changed();
      });
    });
    each(s.querySelectorAll('.pager button'), function (b) {
      b.addEventListener('click', function () {
        var g = b.getAttribute('data-go'), last = Math.max(0, Math.ceil(self.view.length / self.size) - 1);
        self.page = g === 'first' ? 0 : g === 'prev' ? self.page - 1 : g === 'next' ? self.page + 1 : last;
        self.render(); if (changed) changed();
      });
    });
  }
  Paged.prototype.set = function (rows) { this.base = rows; this.sort(); };
  Paged.prototype.sort = function () {
    if (this.col < 0) { this.view = this.base; return; }
    var key = this.cols[this.col].key, dir = this.dir;
    var keyed = this.base.map(function (r) { return [key(r), r]; });
    keyed.sort(function (a, b) { return a[0] < b[0] ? -dir : a[0] > b[0] ? dir : 0; });
    this.view = keyed.map(function (k) { return k[1]; });
  };
  Paged.prototype.render = function () {
    var n = this.view.length, pages = Math.max(1, Math.ceil(n / this.size));
    this.page = Math.max(0, Math.min(this.page, pages - 1));
    var start = this.page * this.size, end = Math.min(n, start + this.size), h = [], cols = this.cols;
    for (var i = start; i < end; i++) {
      var r = this.view[i];
      h.push(this.rowClass ? '<tr class="' + this.rowClass(r) + '">' : '<tr>');
      for (var c = 0; c < cols.length; c++) h.push(cols[c].num ? '<td class="num">' : '<td>', cols[c].html(r), '</td>');
      h.push('</tr>');
    }
    this.tbody.innerHTML = h.join('') || '<tr><td colspan="' + cols.length + '" class="note">Nothing matches the filter.</td></tr>';
    this.info.textContent = n ? (start + 1) + '\u2013' + end + ' of ' + n + ' \u00b7 page ' + (this.page + 1) + ' of ' + pages : 'none';
    var page = this.page;
    each(this.buttons, function (b) { var g = b.getAttribute('data-go'); b.disabled = g === 'first' || g === 'prev' ? page === 0 : page >= pages - 1; });
    setSort(this.ths, this.col, this.dir);
  };
  function num(i) { return { key: function (r) { return r[i]; }, html: function (r) { return r[i]; }, num: true, desc: true }; }

  var FT = new Paged('findings', [
    { id: 'sev', key: function (r) { return r[4]; }, html: function (r) { return '<span class="sev ' + SEV[r[4]] + '">' + D.sevs[r[4]] + '</span>'; } },
    { id: 'file', key: function (r) { return r[10]; }, html: function (r) { var f = files[r[0]]; return '<a class="loc" href="' + esc(href(f)) + '#f' + r[8] + '">' + esc(f[0]) + ':' + r[1] + ':' + r[2] + '</a>'; } },
    { id: 'rule', key: function (r) { return rules[r[3]]; }, html: function (r) { return '<a class="rule" href="' + esc(D.docs[r[3]]) + '">' + esc(rules[r[3]]) + '</a>'; } },
    { id: 'msg', key: text, html: msgHtml },
    { id: 'steps', key: function (r) { return r[6]; }, html: function (r) { return r[6] || ''; }, num: true, desc: true },
    { id: 'fix', key: function (r) { return r[7]; }, html: function (r) { return r[7] ? 'yes' : ''; }, desc: true }
  ], D.pageSize, function (r) { return SEV[r[4]]; }, function () { save(); });
  var FL = new Paged('by-file', [
    { key: function (f) { return f[9]; }, html: function (f) { return '<a class="path" href="' + esc(href(f)) + '">' + esc(f[0]) + '</a>'; } },
    num(3), num(4), num(5), num(6), num(7),
    { key: ruleList, html: function (f) { return '<span class="rules">' + esc(ruleList(f)) + '</span>'; } }
  ], 50);
  var DT = new Paged('by-dir', [
    { key: function (d) { return d[0]; }, html: function (d) { return '<a class="path" href="#findings" data-q="' + esc(d[6]) + '" title="show the findings under this directory">' + esc(d[0]) + '</a>'; } },
    num(1), num(2), num(3), num(4), num(5)
  ], 25);

  var ruleSel = document.getElementById('f-rule'), q = document.getElementById('f-q');
  var sevBoxes = Array.prototype.slice.call(document.querySelectorAll('#filters input[name=sev]'));
  var lowerPath = files.map(function (f) { return f[0].toLowerCase(); });
  var st = { rule: -1, sev: [1, 1, 1, 1], q: '' };

  function shown(id, n, of, what) { document.getElementById(id).textContent = n === of ? '' : '(' + n + ' of ' + of + ' ' + what + ' match the filter)'; }
  function compute() {
    var needle = st.q.toLowerCase(), all = st.rule < 0 && st.sev.every(Boolean) && !needle, out, i, r;
    if (all) out = F;
    else {
      out = [];
      for (i = 0; i < F.length; i++) {
        r = F[i];
        if (st.rule >= 0 && r[3] !== st.rule) continue;
        if (!st.sev[r[4]]) continue;
        if (needle && lowerPath[r[0]].indexOf(needle) < 0 && (r.lower || (r.lower = text(r).toLowerCase())).indexOf(needle) < 0 && rules[r[3]].indexOf(needle) < 0) continue;
        out.push(r);
      }
    }
    var fileHas = new Uint8Array(files.length), dirHas = new Uint8Array(dirs.length);
    for (i = 0; i < out.length; i++) fileHas[out[i][0]] = 1;
    var fv = all ? files : files.filter(function (f) { return fileHas[f[9]] === 1; });
    for (i = 0; i < fv.length; i++) dirHas[fv[i][2]] = 1;
    var dv = all ? dirs : dirs.filter(function (d) { return dirHas[d[7]] === 1; });
    FT.set(out); FL.set(fv); DT.set(dv);
    FT.page = FL.page = DT.page = 0;
    shown('findings-shown', out.length, F.length, 'findings');
    shown('files-shown', fv.length, files.length, 'files');
    shown('dirs-shown', dv.length, dirs.length, 'directories');
  }
  function renderAll() { FT.render(); FL.render(); DT.render(); }

  // The findings table's state lives in the URL, so a file page's Back returns to the same view.
  function save() {
    var p = [];
    if (st.rule >= 0) p.push('rule=' + encodeURIComponent(rules[st.rule]));
    if (!st.sev.every(Boolean)) p.push('sev=' + SEV.filter(function (s, i) { return st.sev[i]; }).join(','));
    if (st.q) p.push('q=' + encodeURIComponent(st.q));
    if (FT.col >= 0) p.push('sort=' + (FT.dir < 0 ? '-' : '') + FT.cols[FT.col].id);
    if (FT.page) p.push('page=' + (FT.page + 1));
    try { history.replaceState(null, '', p.length ? '#findings?' + p.join('&') : location.pathname + location.search); } catch (e) { /* some browsers refuse on file: URLs */ }
  }
  function load() {
    var h = location.hash, page = 0;
    if (h.indexOf('#findings?') !== 0) return false;
    h.slice(10).split('&').forEach(function (kv) {
      var j = kv.indexOf('='), k = kv.slice(0, j), v = decodeURIComponent(kv.slice(j + 1));
      if (k === 'rule') st.rule = rules.indexOf(v);
      else if (k === 'sev') st.sev = SEV.map(function (s) { return v.split(',').indexOf(s) >= 0 ? 1 : 0; });
      else if (k === 'q') st.q = v;
      else if (k === 'sort') {
        var id = v.replace(/^-/, '');
        FT.cols.forEach(function (c, i) { if (c.id === id) { FT.col = i; FT.dir = v.charAt(0) === '-' ? -1 : 1; } });
      } else if (k === 'page') page = (parseInt(v, 10) || 1) - 1;
    });
    ruleSel.value = String(st.rule);
    sevBoxes.forEach(function (b) { b.checked = !!st.sev[+b.value]; });
    q.value = st.q;
    compute();
    FT.page = page;
    return true;
  }
  function update() { compute(); renderAll(); save(); }

  ruleSel.addEventListener('change', function () { st.rule = +ruleSel.value; update(); });
  sevBoxes.forEach(function (b) { b.addEventListener('change', function () { st.sev[+b.value] = b.checked ? 1 : 0; update(); }); });
  var timer = 0;
  q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { st.q = q.value.trim(); update(); }, 150); });
  document.getElementById('f-reset').addEventListener('click', function () {
    st = { rule: -1, sev: [1, 1, 1, 1], q: '' };
    FT.col = -1; FT.dir = 1;
    ruleSel.value = '-1'; q.value = ''; sevBoxes.forEach(function (b) { b.checked = true; });
    update();
  });
  // Rule counts and directory names set the filter.
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('a[data-rule], a[data-q]');
    if (!a) return;
    ev.preventDefault();
    if (a.hasAttribute('data-rule')) { st.rule = rules.indexOf(a.getAttribute('data-rule')); ruleSel.value = String(st.rule); }
    if (a.hasAttribute('data-q')) { st.q = a.getAttribute('data-q'); q.value = st.q; }
    update();
    sec.scrollIntoView();
  });

  var restored = load();
  if (!restored) compute();
  renderAll();
  if (restored) sec.scrollIntoView();
  void document.body.offsetHeight;
  // The value: milliseconds from navigation start to the tables being rendered (bench/report-size.js reads it).
  ready();
})();`;

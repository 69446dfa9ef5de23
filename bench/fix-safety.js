#!/usr/bin/env node
/**
 * Fix safety over real drivers (`npm run fix-safety`): for every file under
 * drivers/ whose findings carry fixes, apply every preferred fix and check
 * that the result is no worse to parse and that fixing again changes nothing.
 *
 *   node bench/fix-safety.js [--kernel PATH] [--under DIR[,DIR]] [--jobs N]
 *                            [--timeout-ms MS] [--max-rounds N (20)] [--limit N]
 *                            [--out FILE] [--keep] [--quiet]
 *
 * Per file (in a worker thread; 2 by default, per-file limit 60 s):
 *   1. read it as the CLI does; files without DMA API text are passed over
 *      (they cannot have findings); analyzeText(text, {path, withFixes: true});
 *   2. if some finding has a preferred fix: copy the file into a temporary
 *      tree (os.tmpdir()/dma-fix-safety-*), apply every preferred fix with
 *      applyFixes() and write the result to the copy (the kernel tree is only
 *      ever read; at the end every checked file is hashed again to prove it);
 *   3. parse check: the whole original and the whole fixed file are parsed
 *      with CParser.get() + parse(); countErrorNodes() of the fixed file must
 *      not exceed the original's. On a regression, each applied fix is tried
 *      alone to name the culprit(s);
 *   4. idempotence: the fixed copy is read back, re-analysed, and its preferred
 *      fixes applied again. Same text: idempotent. Otherwise every fix applied
 *      in the next round is matched to the previous round's findings (rule +
 *      range mapped through that round's edits + message without standalone
 *      numbers; for a range the edits overwrote, rule + message + range text)
 *      and classified:
 *        same fix again  - the same finding, fixed last round, is reported
 *                          again and its fix writes the same text: NOT
 *                          idempotent (failure 'non-idempotent');
 *        changes a fix   - the fix replaces or deletes text a fix of the
 *                          previous round wrote: NOT idempotent (failure
 *                          'rewrites-fix'; oscillating mismatch fixes land here);
 *        no-op           - the preferred fix leaves the text unchanged
 *                          (failure 'no-op-fix', checked for every applied fix);
 *        deferred        - the finding had its fix last round, but applyFixes
 *                          held it back (one fix per function per round, or
 *                          overlapping edits): by design;
 *        extends a fix   - a pure insertion inside text an earlier fix wrote;
 *        same site       - same rule and range as a fixed finding, another
 *                          subject (two problems de-duplicated into one);
 *        newly-fixable   - the finding existed without a fix;
 *        new             - a finding that did not exist before;
 *      the last four are "a fix enabled another fix", reported apart;
 *   5. rounds continue (each parse-checked and classified the same way) until
 *      nothing changes or --max-rounds (default 20; dma-check --fix runs 12);
 *      a round whose text equals an earlier round's is a 'cycle' (failure), a
 *      file still changing at the end 'not-converged' (failure).
 *
 * Also counted: round-1 fixed findings that are still reported after their
 * fix (persisting) and round-2 findings with no round-1 counterpart
 * (introduced by the fixes).
 *
 * Writes bench/fix-safety-results.json; prints a summary and every failing
 * file with the rule, the function and the first differing lines. Copies of
 * failing files (original, each round) are kept in the temporary tree, whose
 * path is printed; without failures it is removed (unless --keep).
 * Exit status 0 when no file failed, 1 otherwise, 2 on usage error.
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { isMainThread, parentPort, workerData } = require('worker_threads');
const { performance } = require('perf_hooks');
const { collectSources, decode, readSource, machineInfo, WorkerPool, parseArgs, defaultKernel, mb, CORE } = require('./sweep.js');

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

/** dma-check --fix's round limit (FIX_ROUNDS in server/src/analyze.ts at the time of writing). */
const CLI_FIX_ROUNDS = 12;

const sha1 = (buf) => crypto.createHash('sha1').update(buf).digest('hex');

function preferredFix(f) {
  const fix = f.fixes && f.fixes.find((x) => x.isPreferred);
  return fix && fix.edits.length ? fix : undefined;
}

/**
 * The edits one round of applyFixes() made, as offsets into its input
 * (identical edits once, as applyFixes does), each with the findings whose
 * fixes contain it.
 */
function roundEdits(core, text, applied) {
  const lines = new core.LineIndex(text);
  const out = [];
  for (const f of applied) {
    for (const e of preferredFix(f).edits) {
      const x = { start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText, owners: [f] };
      const dup = out.find((y) => y.start === x.start && y.end === x.end && y.text === x.text);
      if (dup) dup.owners.push(f);
      else out.push(x);
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * Where offset `off` of the input lands in the output. An edit that starts at
 * `off` (for a range start) or ends at it (for a range end) maps it to the
 * start or end of its new text; an offset strictly inside a replaced range
 * has no image (undefined).
 */
function mapOffset(edits, off, side = 'start') {
  let delta = 0;
  for (const e of edits) {
    if (e.start === e.end) {
      if (e.start < off || (e.start === off && side === 'start')) delta += e.text.length;
      else if (e.start > off) break;
    } else if (e.end <= off) {
      if (e.end === off && side === 'end') return e.start + delta + e.text.length;
      delta += e.text.length - (e.end - e.start);
    } else if (e.start === off && side === 'start') return off + delta;
    else if (e.start < off) return undefined;
    else break;
  }
  return off + delta;
}

/** The ranges of the output that a round's edits wrote (their new text). */
function writtenRegions(edits) {
  const out = [];
  let delta = 0;
  for (const e of edits) {
    const start = e.start + delta;
    if (e.text.length) out.push({ start, end: start + e.text.length, owners: e.owners });
    delta += e.text.length - (e.end - e.start);
  }
  return out;
}

/** The region written by the previous round that an edit (offsets in that round's output) changes, if any. */
function rewrites(regions, x) {
  return regions.find((r) => (x.start === x.end ? r.start < x.start && x.start < r.end : x.start < r.end && r.start < x.end));
}

/** Messages compared without standalone numbers (line numbers); `rxdp1` and `rxdp3` stay distinct. */
const normMessage = (m) => m.replace(/\b\d+\b/g, '#');

/**
 * Matches findings of the output (`after`, in `textB`) to findings of the input
 * (`before`, in `textA`) through `edits`: the same rule, range (mapped) and
 * message (standalone numbers ignored). A finding whose range the edits
 * replaced has no mapped range; it matches the same rule, message and source
 * text of the range, nearest first. Returns { same: Map(after -> before),
 * sameSite: Map(after -> before) }; sameSite maps every `after` finding at
 * the mapped range of a `before` finding of its rule, whatever the message.
 */
function matchFindings(core, textA, before, textB, after, edits) {
  const la = new core.LineIndex(textA);
  const lb = new core.LineIndex(textB);
  const prepared = before.map((f) => {
    const s = la.offsetAt(f.range.start);
    const e = la.offsetAt(f.range.end);
    return { f, ms: mapOffset(edits, s, 'start'), me: mapOffset(edits, e, 'end'), msg: normMessage(f.message), src: textA.slice(s, e), s };
  });
  const used = new Set();
  const same = new Map();
  const sameSite = new Map();
  const rest = [];
  for (const g of after) {
    const s = lb.offsetAt(g.range.start);
    const e = lb.offsetAt(g.range.end);
    const msg = normMessage(g.message);
    const site = prepared.find((p) => p.f.rule === g.rule && p.ms === s && p.me === e);
    if (site) sameSite.set(g, site.f);
    const hit = prepared.find((p) => !used.has(p) && p.f.rule === g.rule && p.ms === s && p.me === e && p.msg === msg);
    if (hit) {
      used.add(hit);
      same.set(g, hit.f);
    } else rest.push({ g, s, e, msg });
  }
  for (const { g, s, e, msg } of rest) {
    const src = textB.slice(s, e);
    let best;
    for (const p of prepared) {
      if (used.has(p) || (p.ms !== undefined && p.me !== undefined) || p.f.rule !== g.rule || p.msg !== msg || p.src !== src) continue;
      const d = Math.abs((p.ms === undefined ? p.s : p.ms) - s);
      if (!best || d < best.d) best = { p, d };
    }
    if (best) {
      used.add(best.p);
      same.set(g, best.p.f);
    }
  }
  return { same, sameSite };
}

/** The new texts of a finding's preferred fix, sorted: equal for "the same fix". */
const fixTexts = (f) => preferredFix(f).edits.map((e) => e.newText).sort().join('\u0000');

/** A finding's preferred fix as hunks of its input text: 1-based line, replaced text, new text. */
function fixHunks(core, text, f) {
  const lines = new core.LineIndex(text);
  return preferredFix(f).edits.map((e) => {
    const s = lines.offsetAt(e.range.start);
    return { line: e.range.start.line + 1, old: text.slice(s, lines.offsetAt(e.range.end)), new: e.newText };
  });
}

/**
 * The first hunk where a and b differ: 1-based line, and up to `max` lines
 * each side. The hunk ends where three lines agree again (within 400 lines).
 */
function firstDiff(a, b, max = 8) {
  if (a === b) return undefined;
  const A = a.split('\n');
  const B = b.split('\n');
  let p = 0;
  while (p < A.length && p < B.length && A[p] === B[p]) p++;
  let endA = A.length;
  let endB = B.length;
  const sync = (i, j) => i + 2 < A.length && j + 2 < B.length && A[i] === B[j] && A[i + 1] === B[j + 1] && A[i + 2] === B[j + 2];
  search: for (let d = 1; d <= 400; d++) {
    for (let i = 0; i <= d; i++) {
      if (sync(p + i, p + d - i)) {
        endA = p + i;
        endB = p + d - i;
        break search;
      }
    }
  }
  const before = A.slice(p, endA);
  const after = B.slice(p, endB);
  return {
    line: p + 1,
    before: before.slice(0, max),
    after: after.slice(0, max),
    moreBefore: Math.max(0, before.length - max),
    moreAfter: Math.max(0, after.length - max),
  };
}

/** Name of the function containing 0-based `line`, from a whole-file parse; a text scan as fallback. */
function functionAt(parser, text, line) {
  const tree = parser.parse(text);
  try {
    const lines = text.split('\n');
    const col = Math.max(0, (lines[line] || '').search(/\S/));
    let n = tree.rootNode.descendantForPosition({ row: line, column: col });
    while (n && n.type !== 'function_definition') n = n.parent;
    if (n) {
      let d = n.childForFieldName('declarator');
      while (d && d.type !== 'identifier') {
        if (d.type === 'function_declarator' || d.type === 'pointer_declarator' || d.type === 'parenthesized_declarator') d = d.childForFieldName('declarator') || d.namedChild(0);
        else {
          const ids = d.descendantsOfType('identifier');
          d = ids.length ? ids[0] : null;
        }
      }
      if (d) return d.text;
    }
    for (let i = Math.min(line, lines.length - 1); i >= 0; i--) {
      const m = /^(?:[A-Za-z_][\w\s*]*?[\s*])?([A-Za-z_]\w*)\s*\([^;]*$/.exec(lines[i]);
      if (m && !/^(?:if|for|while|switch|return)$/.test(m[1])) return m[1];
    }
    return null;
  } finally {
    tree.delete();
  }
}

function errorCount(core, parser, text) {
  const tree = parser.parse(text);
  try {
    return core.countErrorNodes(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** The first ERROR/MISSING nodes of `text` (row, column, type), for reports. */
function errorSites(parser, text, max = 5) {
  const tree = parser.parse(text);
  const out = [];
  try {
    const walk = (n) => {
      if (out.length >= max) return;
      if (n.isError || n.isMissing) out.push({ line: n.startPosition.row + 1, column: n.startPosition.column + 1, kind: n.isMissing ? `MISSING ${n.type}` : 'ERROR' });
      if (!n.hasError) return;
      for (let i = 0; i < n.childCount; i++) walk(n.child(i));
    };
    walk(tree.rootNode);
  } finally {
    tree.delete();
  }
  return out;
}

const brief = (core, parser, text, f) => ({ rule: f.rule, line: f.range.start.line + 1, function: functionAt(parser, text, f.range.start.line), message: f.message, fix: preferredFix(f) ? preferredFix(f).title : null });

// ---------------------------------------------------------------------------
// Worker side
// ---------------------------------------------------------------------------

async function checkFile(core, parser, job, opts) {
  const out = { rel: job.rel };
  const r = readSource(job.abs, core.looksBinary);
  if (r.error) return { ...out, readError: r.error };
  if (r.skip) return { ...out, skip: r.skip };
  if (!core.DMA_TEXT_PATTERN.test(r.text)) return { ...out, noDma: true };
  out.dma = true;
  const t0 = performance.now();
  const text0 = r.text;
  const res1 = await core.analyzeText(text0, { path: job.rel, withFixes: true });
  out.findings = res1.findings.length;
  out.failures = res1.failures;
  const fixable = res1.findings.filter(preferredFix);
  out.fixable = fixable.length;
  out.fixableByRule = {};
  for (const f of fixable) out.fixableByRule[f.rule] = (out.fixableByRule[f.rule] || 0) + 1;
  if (!fixable.length) return out;

  // The temporary copy: the original, then each round's result, written there and read back.
  out.origSha1 = sha1(Buffer.from(text0, r.encoding));
  const copy = path.join(opts.tmpRoot, job.rel);
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  const write = (file, text) => fs.writeFileSync(file, Buffer.from(text, r.encoding));
  const readBack = (file) => decode(fs.readFileSync(file)).text;
  write(`${copy}.orig`, text0);
  const artefacts = [`${copy}.orig`];

  let text = text0;
  let result = res1;
  let errorsBefore = errorCount(core, parser, text0);
  out.errorsOriginal = errorsBefore;
  out.rounds = [];
  out.problems = [];
  const history = [text0];
  let round1Applied;
  for (let round = 1; round <= opts.maxRounds; round++) {
    const { text: next, applied } = core.applyFixes(text, result.findings);
    const fixableNow = result.findings.filter(preferredFix);
    const info = { round, fixable: fixableNow.length, applied: applied.length, appliedByRule: {} };
    for (const f of applied) info.appliedByRule[f.rule] = (info.appliedByRule[f.rule] || 0) + 1;
    out.rounds.push(info);
    if (round === 1) {
      round1Applied = applied;
      info.conflictsSkipped = fixableNow.length - applied.length;
    }
    if (next === text) {
      info.changed = false;
      break;
    }
    info.changed = true;
    const file = round === 1 ? copy : `${copy}.round${round}`;
    write(file, next);
    artefacts.push(file);
    const back = readBack(file);
    if (back !== next) out.problems.push({ kind: 'encoding', round, detail: 'the fixed text did not survive writing it in the original encoding' });
    // Parse check.
    const errorsAfter = errorCount(core, parser, back);
    info.errorsBefore = errorsBefore;
    info.errorsAfter = errorsAfter;
    if (errorsAfter > errorsBefore) {
      const culprits = [];
      for (const f of applied) {
        const alone = core.applyFixes(text, [f]).text;
        const e = errorCount(core, parser, alone);
        if (e > errorsBefore) culprits.push({ ...brief(core, parser, text, f), errorsAlone: e, diff: firstDiff(text, alone) });
      }
      out.problems.push({
        kind: 'parse-regression',
        round,
        errorsBefore,
        errorsAfter,
        newErrorSites: errorSites(parser, back).filter((x) => !errorSites(parser, text, 50).some((y) => y.kind === x.kind && y.column === x.column && Math.abs(y.line - x.line) < 50)),
        culprits,
        combinedDiff: culprits.length ? undefined : firstDiff(text, back),
        rules: [...new Set((culprits.length ? culprits : applied).map((f) => f.rule))],
      });
    }
    // A preferred fix that changes nothing can never make its finding go away.
    for (const f of applied) {
      if (core.applyFixes(text, [f]).text !== text) continue;
      out.problems.push({ kind: 'no-op-fix', round, findings: [{ ...brief(core, parser, text, f), edits: fixHunks(core, text, f) }], rules: [f.rule] });
    }
    // Idempotence: what did the next round want to change, and why?
    const res2 = await core.analyzeText(back, { path: job.rel, withFixes: true });
    const edits = roundEdits(core, text, applied);
    const regions = writtenRegions(edits);
    const { same: matched, sameSite } = matchFindings(core, text, result.findings, back, res2.findings, edits);
    const { text: next2, applied: applied2 } = core.applyFixes(back, res2.findings);
    const appliedSet = new Set(applied);
    const kinds = { repeat: [], rewrite: [], noop: [], extend: [], sameSite: [], deferred: [], newlyFixable: [], new: [] };
    const backLines = new core.LineIndex(back);
    const rewritten = new Map();
    for (const g of applied2) {
      const f = matched.get(g);
      const gEdits = preferredFix(g).edits.map((e) => ({ start: backLines.offsetAt(e.range.start), end: backLines.offsetAt(e.range.end) }));
      const modifies = gEdits.map((x) => (x.start < x.end ? rewrites(regions, x) : undefined)).find(Boolean);
      const inserts = gEdits.map((x) => (x.start === x.end ? rewrites(regions, x) : undefined)).find(Boolean);
      if (modifies || inserts) rewritten.set(g, (modifies || inserts).owners[0]);
      if (core.applyFixes(back, [g]).text === back) kinds.noop.push(g);
      else if (f && appliedSet.has(f) && fixTexts(f) === fixTexts(g)) kinds.repeat.push(g);
      else if (modifies) kinds.rewrite.push(g);
      else if (inserts) kinds.extend.push(g);
      else if (f && !appliedSet.has(f)) (preferredFix(f) ? kinds.deferred : kinds.newlyFixable).push(g);
      else if (f || sameSite.has(g)) kinds.sameSite.push(g);
      else kinds.new.push(g);
    }
    if (round === 1) {
      const before = new Set(matched.values());
      out.persisting = applied.filter((f) => before.has(f)).map((f) => brief(core, parser, text, f));
      out.introduced = res2.findings.filter((g) => !matched.has(g)).map((g) => ({ ...brief(core, parser, back, g), sameSiteAs: sameSite.has(g) ? sameSite.get(g).message : undefined }));
      out.findingsAfterRound1 = res2.findings.length;
      out.next = Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, v.length]));
      const enabledKinds = { extend: 'extends-earlier-fix', sameSite: 'same-site-other-fix', deferred: 'deferred-overlap', newlyFixable: 'newly-fixable', new: 'new-finding' };
      out.enabled = Object.entries(enabledKinds).flatMap(([k, label]) =>
        kinds[k].map((g) => {
          const e = { kind: label, ...brief(core, parser, back, g), edits: fixHunks(core, back, g) };
          if (k === 'sameSite') e.sameSiteAs = sameSite.get(g).message;
          if (k === 'extend') e.extends = { rule: rewritten.get(g).rule, message: rewritten.get(g).message };
          return e;
        }),
      );
    }
    // Reported once per file and kind (a cycle repeats them every round).
    for (const [kind, list] of [['non-idempotent', kinds.repeat], ['rewrites-fix', kinds.rewrite]]) {
      if (!list.length || out.problems.some((p) => p.kind === kind)) continue;
      out.problems.push({
        kind,
        round,
        differs: firstDiff(back, next2),
        findings: list.map((g) => {
          const f = kind === 'non-idempotent' ? matched.get(g) : rewritten.get(g);
          return {
            ...brief(core, parser, back, g),
            edits: fixHunks(core, back, g),
            earlierFix: f ? { rule: f.rule, line: f.range.start.line + 1, message: f.message, fix: preferredFix(f).title, edits: fixHunks(core, text, f) } : undefined,
          };
        }),
        rules: [...new Set(list.map((g) => g.rule))],
      });
    }
    if (history.includes(back)) {
      const earlier = history.indexOf(back);
      out.problems.push({
        kind: 'cycle',
        round,
        detail: `the text after round ${round} equals the text ${earlier === 0 ? 'of the original' : `after round ${earlier}`}`,
        differs: firstDiff(text, back),
        findings: applied.map((f) => ({ ...brief(core, parser, text, f), edits: fixHunks(core, text, f) })),
        rules: [...new Set(applied.map((f) => f.rule))],
      });
      break;
    }
    history.push(back);
    text = back;
    result = res2;
    errorsBefore = errorsAfter;
  }
  const last = out.rounds[out.rounds.length - 1];
  out.converged = !last.changed;
  out.roundsUntilStable = out.converged ? out.rounds.length - 1 : null;
  if (!out.converged && !out.problems.some((p) => p.kind === 'cycle')) out.problems.push({ kind: 'not-converged', round: out.rounds.length, detail: `still changing after ${opts.maxRounds} rounds` });
  out.applied1 = round1Applied.length;
  out.ms = performance.now() - t0;
  out.tempFiles = artefacts;
  if (!out.problems.length) {
    for (const f of artefacts) fs.rmSync(f, { force: true });
    out.tempFiles = [];
  }
  return out;
}

function fixWorker() {
  const core = require(CORE);
  const opts = workerData.opts;
  let parser;
  core.CParser.get().then(
    (p) => {
      parser = p;
      parentPort.postMessage({ type: 'ready' });
    },
    (e) => {
      throw e;
    },
  );
  parentPort.on('message', (m) => {
    if (m.type !== 'job') return;
    checkFile(core, parser, m.job, opts).then(
      (result) => parentPort.postMessage({ type: 'result', id: m.id, result }),
      (e) => parentPort.postMessage({ type: 'result', id: m.id, result: { rel: m.job.rel, crash: { message: e && e.message ? e.message : String(e), stack: e && e.stack ? String(e.stack) : undefined } }, recycle: true }),
    );
  });
}

// ---------------------------------------------------------------------------
// Main side
// ---------------------------------------------------------------------------

function fmtHunks(hunks, indent) {
  const out = [];
  for (const h of hunks) {
    out.push(`${indent}@@ line ${h.line}`);
    if (h.old) for (const l of h.old.split('\n')) out.push(`${indent}- ${l}`);
    for (const l of h.new.replace(/\n$/, '').split('\n')) out.push(`${indent}+ ${l}`);
  }
  return out;
}

function fmtDiff(d, indent) {
  if (!d) return [`${indent}(no textual difference)`];
  const out = [`${indent}@@ line ${d.line}`];
  for (const l of d.before) out.push(`${indent}- ${l}`);
  if (d.moreBefore) out.push(`${indent}- ... ${d.moreBefore} more`);
  for (const l of d.after) out.push(`${indent}+ ${l}`);
  if (d.moreAfter) out.push(`${indent}+ ... ${d.moreAfter} more`);
  return out;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2), {
      kernel: defaultKernel(),
      under: 'drivers',
      jobs: 2,
      timeoutMs: 60000,
      maxRounds: 20,
      limit: 0,
      out: path.join(__dirname, 'fix-safety-results.json'),
      keep: false,
      quiet: false,
    });
  } catch (e) {
    process.stderr.write(`fix-safety: ${e.message}\n`);
    return 2;
  }
  if (!fs.existsSync(CORE)) {
    process.stderr.write(`fix-safety: ${CORE} is missing; run npm run build first\n`);
    return 2;
  }
  const kernel = path.resolve(args.kernel);
  if (!fs.existsSync(path.join(kernel, 'Makefile'))) {
    process.stderr.write(`fix-safety: ${kernel} does not look like a kernel tree (set --kernel or DMA_KERNEL_SRC)\n`);
    return 2;
  }
  const log = (s) => {
    if (!args.quiet) process.stderr.write(`${s}\n`);
  };
  const machine = machineInfo();
  const startedAt = new Date();
  const t0 = performance.now();
  let files = collectSources(kernel, args.under.split(','));
  if (args.limit > 0) files = files.slice(0, args.limit);
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-fix-safety-'));
  log(`fix-safety: ${files.length} files under ${args.under}/, ${args.jobs} workers, ${args.timeoutMs} ms per file, copies in ${tmpRoot}`);

  const results = [];
  const crashes = [];
  const timeouts = [];
  let done = 0;
  let lastLog = performance.now();
  const progress = () => {
    done++;
    if (performance.now() - lastLog > 30000) {
      lastLog = performance.now();
      const checked = results.filter((r) => r.fixable).length;
      log(`fix-safety: ${done}/${files.length} files, ${((lastLog - t0) / 1000).toFixed(0)} s, ${checked} with fixes checked, ${results.filter((r) => r.problems && r.problems.length).length} failing, rss ${mb(process.memoryUsage().rss)} MB`);
    }
  };
  const pool = new WorkerPool({
    workerFile: __filename,
    workerData: { kind: 'fix-safety', opts: { tmpRoot, maxRounds: args.maxRounds } },
    size: args.jobs,
    timeoutMs: args.timeoutMs,
    onResult: (job, r) => {
      progress();
      if (r.crash) {
        crashes.push({ path: job.rel, error: r.crash.message, stack: r.crash.stack });
        log(`fix-safety: CRASH ${job.rel}: ${r.crash.message}`);
        return;
      }
      results.push(r);
      if (r.problems && r.problems.length) log(`fix-safety: FAIL ${job.rel}: ${r.problems.map((p) => `${p.kind}${p.rules ? ` (${p.rules.join(', ')})` : ''}`).join('; ')}`);
    },
    onTimeout: (job, ms) => {
      progress();
      timeouts.push({ path: job.rel, wallMs: Math.round(ms) });
      log(`fix-safety: OVER THE LIMIT ${job.rel} (${Math.round(ms)} ms)`);
    },
    onCrash: (job, err) => {
      if (job) progress();
      crashes.push({ path: job ? job.rel : null, error: `worker died: ${err && err.message}`, stack: err && err.stack ? String(err.stack) : undefined });
      log(`fix-safety: WORKER DIED${job ? ` on ${job.rel}` : ''}: ${err && err.message}`);
    },
  });
  await pool.run(files);
  const wallMs = performance.now() - t0;

  // The kernel tree must be exactly as it was.
  const byRel = new Map(files.map((f) => [f.rel, f]));
  const checked = results.filter((r) => r.fixable);
  const changedInTree = [];
  for (const r of checked) {
    const buf = fs.readFileSync(byRel.get(r.rel).abs);
    if (sha1(buf) !== r.origSha1) changedInTree.push(r.rel);
  }

  const sum = (xs, f) => xs.reduce((n, x) => n + (f(x) || 0), 0);
  const addInto = (acc, obj) => {
    for (const [k, v] of Object.entries(obj || {})) acc[k] = (acc[k] || 0) + v;
    return acc;
  };
  const failing = checked.filter((r) => r.problems.length);
  const problemsOf = (kind) => failing.filter((r) => r.problems.some((p) => p.kind === kind));
  // Deferred fixes (one per function per round, or overlapping) were there from the start: not "enabled".
  const enabledCount = (r) => (r.next ? r.next.extend + r.next.sameSite + r.next.newlyFixable + r.next.new : 0);
  const enabledFiles = checked.filter((r) => enabledCount(r) > 0);
  const nonIdem = (r) => r.problems.some((p) => p.kind === 'non-idempotent' || p.kind === 'rewrites-fix' || p.kind === 'cycle');
  const enabledOnlyFiles = enabledFiles.filter((r) => !nonIdem(r));
  const filesWith = (k) => checked.filter((r) => r.next && r.next[k] > 0).length;
  const appliedByRule = {};
  for (const r of checked) addInto(appliedByRule, r.rounds[0].appliedByRule);
  const fixableByRule = {};
  for (const r of checked) addInto(fixableByRule, r.fixableByRule);
  const introducedByRule = {};
  for (const r of checked) for (const g of r.introduced || []) introducedByRule[g.rule] = (introducedByRule[g.rule] || 0) + 1;
  const persistingByRule = {};
  for (const r of checked) for (const g of r.persisting || []) persistingByRule[g.rule] = (persistingByRule[g.rule] || 0) + 1;
  const roundsHist = {};
  for (const r of checked) if (r.converged) roundsHist[r.roundsUntilStable] = (roundsHist[r.roundsUntilStable] || 0) + 1;
  const parseDelta = checked.map((r) => {
    const changed = r.rounds.filter((x) => x.changed);
    return changed.length ? changed[changed.length - 1].errorsAfter - r.errorsOriginal : 0;
  });

  const out = {
    generatedAt: new Date().toISOString(),
    startedAt: startedAt.toISOString(),
    command: `node bench/fix-safety.js ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { ...machine, loadAvgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    kernel,
    scope: args.under,
    options: { jobs: args.jobs, timeoutMs: args.timeoutMs, maxRounds: args.maxRounds, limit: args.limit || null },
    files: {
      scanned: files.length,
      skipped: results.filter((r) => r.skip).length,
      readErrors: results.filter((r) => r.readError).map((r) => ({ path: r.rel, error: r.readError })),
      withDmaText: results.filter((r) => r.dma).length,
      withFindings: results.filter((r) => r.findings).length,
      withFixableFindings: checked.length,
    },
    findings: {
      inFilesWithDmaText: sum(results, (r) => r.findings),
      withPreferredFix: sum(checked, (r) => r.fixable),
      withPreferredFixByRule: fixableByRule,
    },
    fixes: {
      appliedRound1: sum(checked, (r) => r.applied1),
      appliedRound1ByRule: appliedByRule,
      deferredRound1: sum(checked, (r) => r.rounds[0].conflictsSkipped),
      findingsBefore: sum(checked, (r) => r.findings),
      findingsAfterRound1: sum(checked, (r) => r.findingsAfterRound1),
    },
    parse: {
      filesWithRegression: problemsOf('parse-regression').length,
      filesFewerErrors: parseDelta.filter((d) => d < 0).length,
      filesSameErrors: parseDelta.filter((d) => d === 0).length,
      filesMoreErrors: parseDelta.filter((d) => d > 0).length,
    },
    idempotence: {
      idempotentAfterRound1: checked.filter((r) => r.rounds.length >= 2 && !r.rounds[1].changed).length,
      nonIdempotentFiles: failing.filter(nonIdem).length,
      nonIdempotentFixes: sum(failing, (r) => sum(r.problems.filter((p) => p.kind === 'non-idempotent' || p.kind === 'rewrites-fix'), (p) => p.findings.length)),
      sameFixAppliedAgainFiles: problemsOf('non-idempotent').length,
      earlierFixChangedFiles: problemsOf('rewrites-fix').length,
      cycleFiles: problemsOf('cycle').length,
      noOpFixFiles: problemsOf('no-op-fix').length,
      noOpFixes: sum(failing, (r) => r.problems.filter((p) => p.kind === 'no-op-fix').length),
      fixEnabledAnotherFixFiles: enabledFiles.length,
      fixEnabledAnotherFixOnlyFiles: enabledOnlyFiles.length,
      filesByEnabledKind: Object.fromEntries(['extend', 'sameSite', 'deferred', 'newlyFixable', 'new'].map((k) => [k, filesWith(k)])),
      round2Fixes: Object.fromEntries(['repeat', 'rewrite', 'noop', 'extend', 'sameSite', 'deferred', 'newlyFixable', 'new'].map((k) => [k, sum(checked, (r) => r.next && r.next[k])])),
      roundsUntilStable: roundsHist,
      secondRoundChangedFiles: checked.filter((r) => r.rounds.length >= 2 && r.rounds[1].changed).length,
      filesNeedingMoreThanCliRounds: checked.filter((r) => r.converged && r.roundsUntilStable > CLI_FIX_ROUNDS).map((r) => ({ path: r.rel, rounds: r.roundsUntilStable })),
      notConverged: problemsOf('not-converged').length,
      cycles: problemsOf('cycle').length,
    },
    persistingAfterFix: { count: sum(checked, (r) => (r.persisting || []).length), byRule: persistingByRule },
    introducedByFixes: { count: sum(checked, (r) => (r.introduced || []).length), byRule: introducedByRule },
    internalErrors: results.flatMap((r) => (r.failures || []).map((f) => ({ path: r.rel, functionName: f.functionName, error: f.error }))),
    crashes,
    overTimeLimit: timeouts,
    kernelTreeUntouched: changedInTree.length === 0,
    changedInTree,
    tempDir: failing.length || args.keep ? tmpRoot : null,
    wallSeconds: Math.round(wallMs / 100) / 10,
    peakRssMB: mb(pool.peakRss),
    failures: failing.map((r) => ({ path: r.rel, problems: r.problems, tempFiles: r.tempFiles })),
    enabledFixes: enabledFiles.map((r) => ({ path: r.rel, fixes: r.enabled })),
    persisting: checked.filter((r) => (r.persisting || []).length).map((r) => ({ path: r.rel, findings: r.persisting })),
    introduced: checked.filter((r) => (r.introduced || []).length).map((r) => ({ path: r.rel, findings: r.introduced })),
    perFile: checked.map((r) => ({ path: r.rel, findings: r.findings, fixable: r.fixable, applied: r.applied1, errorsOriginal: r.errorsOriginal, rounds: r.rounds.map((x) => ({ applied: x.applied, changed: x.changed, errorsAfter: x.errorsAfter })), ms: Math.round(r.ms) })),
  };
  fs.writeFileSync(args.out, `${JSON.stringify(out, null, 1)}\n`);
  if (!failing.length && !args.keep) fs.rmSync(tmpRoot, { recursive: true, force: true });

  const L = [];
  L.push(`DMA API Assistant fix safety over ${kernel}/${args.under}`);
  L.push(`  files scanned           ${out.files.scanned} (${out.files.withDmaText} mention the DMA API, ${out.files.withFindings} with findings)`);
  L.push(`  files with fixes        ${out.files.withFixableFindings} (${out.findings.withPreferredFix} findings with a preferred fix)`);
  L.push(`  fixes applied (round 1) ${out.fixes.appliedRound1} (${out.fixes.deferredRound1} deferred to a later round: one fix per function per round, or overlapping)`);
  for (const [rule, n] of Object.entries(appliedByRule).sort((a, b) => b[1] - a[1])) L.push(`    ${rule.padEnd(26)} ${n}`);
  L.push(`  findings                ${out.fixes.findingsBefore} before, ${out.fixes.findingsAfterRound1} after round 1 (${out.persistingAfterFix.count} fixed findings still reported, ${out.introducedByFixes.count} new findings)`);
  L.push(`  parse-error regressions ${out.parse.filesWithRegression} files (final text vs original: ${out.parse.filesFewerErrors} fewer, ${out.parse.filesSameErrors} same, ${out.parse.filesMoreErrors} more ERROR/MISSING nodes)`);
  L.push(`  idempotent after 1 round ${out.idempotence.idempotentAfterRound1} files (${out.idempotence.secondRoundChangedFiles} changed again in round 2)`);
  const r2 = out.idempotence.round2Fixes;
  const I = out.idempotence;
  L.push(`  NON-IDEMPOTENT          ${I.nonIdempotentFiles} files (${I.sameFixAppliedAgainFiles} the same fix applies again; ${I.earlierFixChangedFiles} a later fix changes text an earlier fix wrote; ${I.cycleFiles} of them cycle forever)`);
  L.push(`  fixes that change nothing ${I.noOpFixes} in ${I.noOpFixFiles} files`);
  L.push(`  deferred fixes          ${r2.deferred} applied in round 2 in ${I.filesByEnabledKind.deferred} files (held back in round 1: one fix per function per round, or overlapping)`);
  L.push(`  fix enabled another fix ${I.fixEnabledAnotherFixFiles} files, ${I.fixEnabledAnotherFixOnlyFiles} of them otherwise idempotent (round-2 fixes: ${r2.sameSite} same rule and place, another subject; ${r2.new} new findings; ${r2.newlyFixable} newly fixable; ${r2.extend} insert into an earlier fix)`);
  L.push(`  rounds until stable     ${Object.entries(roundsHist).map(([k, v]) => `${k}: ${v}`).join(', ')}; not converged in ${args.maxRounds} ${out.idempotence.notConverged}, cycles ${out.idempotence.cycles}; ${out.idempotence.filesNeedingMoreThanCliRounds.length} need more rounds than dma-check --fix runs (${CLI_FIX_ROUNDS})`);
  L.push(`  crashes                 ${crashes.length}`);
  for (const c of crashes) L.push(`    ${c.path}: ${c.error}`);
  L.push(`  internal errors         ${out.internalErrors.length}`);
  for (const e of out.internalErrors) L.push(`    ${e.path} ${e.functionName}(): ${e.error}`);
  L.push(`  over ${args.timeoutMs / 1000} s             ${timeouts.length}`);
  for (const t of timeouts) L.push(`    ${t.path}`);
  L.push(`  kernel tree untouched   ${out.kernelTreeUntouched ? 'yes' : `NO: ${changedInTree.join(', ')}`}`);
  L.push(`  wall time ${out.wallSeconds} s, peak RSS ${out.peakRssMB} MB`);
  if (failing.length) {
    L.push('');
    L.push(`Failing files (${failing.length}; copies in ${tmpRoot}):`);
    for (const r of failing) {
      L.push(`  ${r.rel}`);
      for (const p of r.problems) {
        if (p.kind === 'parse-regression') {
          L.push(`    parse regression in round ${p.round}: ${p.errorsBefore} -> ${p.errorsAfter} ERROR/MISSING nodes; rule(s) ${p.rules.join(', ')}`);
          for (const s of p.newErrorSites) L.push(`      new ${s.kind} at ${s.line}:${s.column}`);
          for (const c of p.culprits) {
            L.push(`    ${c.rule} in ${c.function || '?'}() line ${c.line}: "${c.fix}" alone gives ${c.errorsAlone}`);
            L.push(...fmtDiff(c.diff, '      '));
          }
          if (p.combinedDiff) L.push(...fmtDiff(p.combinedDiff, '      '));
        } else if (p.kind === 'non-idempotent' || p.kind === 'rewrites-fix') {
          L.push(`    ${p.kind === 'non-idempotent' ? 'NON-IDEMPOTENT: the same fix applies again' : 'NON-IDEMPOTENT: a later fix changes text an earlier fix wrote'} (round ${p.round + 1}); first differing lines:`);
          L.push(...fmtDiff(p.differs, '      '));
          for (const f of p.findings) {
            L.push(`      ${f.rule} in ${f.function || '?'}() line ${f.line}: ${f.message}`);
            L.push(`        fix "${f.fix}":`);
            L.push(...fmtHunks(f.edits, '          '));
            if (f.earlierFix) {
              L.push(`        changes the round-${p.round} fix of ${f.earlierFix.rule} (line ${f.earlierFix.line}): ${f.earlierFix.message}`);
              L.push(`        earlier fix "${f.earlierFix.fix}":`);
              L.push(...fmtHunks(f.earlierFix.edits, '          '));
            }
          }
        } else if (p.kind === 'no-op-fix') {
          for (const f of p.findings) {
            L.push(`    fix changes nothing (round ${p.round}): ${f.rule} in ${f.function || '?'}() line ${f.line}: ${f.message}`);
            L.push(`      fix "${f.fix}":`);
            L.push(...fmtHunks(f.edits, '        '));
          }
        } else if (p.kind === 'cycle') {
          L.push(`    CYCLE: ${p.detail}; rule(s) ${p.rules.join(', ')}; first differing lines of that round:`);
          L.push(...fmtDiff(p.differs, '      '));
          for (const f of p.findings) L.push(`      ${f.rule} in ${f.function || '?'}() line ${f.line}: ${f.message}`);
        } else L.push(`    ${p.kind} (round ${p.round}): ${p.detail}`);
      }
    }
  }
  L.push(`written to ${path.relative(process.cwd(), args.out) || args.out}`);
  process.stdout.write(`${L.join('\n')}\n`);
  return failing.length || crashes.length || timeouts.length || changedInTree.length ? 1 : 0;
}

if (!isMainThread && workerData && workerData.kind === 'fix-safety') {
  fixWorker();
} else if (isMainThread && require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`fix-safety: ${e && e.stack ? e.stack : e}\n`);
      process.exitCode = 2;
    },
  );
}

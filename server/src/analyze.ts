/**
 * The analysis core's entry point: text in, findings (and on request fixes)
 * out. No LSP, no file system.
 *
 * A file is split into top-level functions by a text scan; only the
 * functions that can matter (they mention the DMA API or a same-file
 * wrapper) are parsed. Parsed functions and their findings are cached by
 * text, so an edit re-parses and re-analyses only the function it touched.
 */
import { CParser, type Tree, type Edit } from './parse';
import { DMA_TEXT_PATTERN, lookupApi } from './catalog';
import { LineIndex, deadLineRanges, detached, findFunctionSegments, segmentParseText, hashText, type FunctionSegment } from './text';
import { CallGraph, cleanupAfterFailure, emptyFacts, scanCallees, scanTextFacts, testsResultForZero, type FileFacts, type FunctionSummary, type TextFacts } from './analysis/file';
import { emptySummary, summarizeFunction } from './analysis/summary';
import { buildFunctionContext } from './analysis/function';
import { FunctionAnalysis } from './rules/context';
import { checkArguments } from './rules/arguments';
import { checkStreaming } from './rules/streaming';
import { checkCoherent } from './rules/coherent';
import { checkMasks } from './rules/masks';
import { ruleInfo } from './rules/registry';
import { applySuppressions, findSuppressions, type Suppression } from './suppress';
import { applyFixes } from './fixes/apply';
import type { AnalysisResult, AnalyzeOptions, Finding, Position } from './types';
import type { Node } from './parse';
import { NodePool } from './tree';

/** Files larger than this are not analysed (generated tables, firmware blobs). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

interface ParsedFunction {
  text: string;
  /** The wasm tree, kept as the base of the next incremental parse (none in one-shot mode). */
  tree?: Tree;
  /** Its plain copy, which the analysis reads. */
  root: Node;
  summary: FunctionSummary;
}

interface CachedFindings {
  key: string;
  findings: Finding[];
  failure?: string;
}

/** Per-document state: parse and findings caches that survive edits. */
export class FileAnalyzer {
  private parsed = new Map<string, ParsedFunction>();
  private results = new Map<string, CachedFindings>();
  /**
   * What the text scans found in a function, by its text (detached: a key or a
   * name sliced from the document would keep the whole document alive): its
   * callees, and what it runs when a callee fails (cleanupAfterFailure()).
   */
  private textScans = new Map<string, { callees?: Set<string>; cleanups: Map<string, string[]> }>();
  /** Trees already `edit`ed for a pending change, by the segment's new start offset. */
  private editedTrees = new Map<number, { tree: Tree; expected: string }>();
  private lastSegments: FunctionSegment[] = [];
  private lastText = '';
  /** The text-level results of the last analysis, reused after a small edit inside a function body. */
  private lastTextWork?: TextWork;
  /** Edits noted since the last analysis (offsets into the text of the moment). */
  private pendingEdits: { start: number; oldEnd: number; text: string }[] = [];

  /** One-shot: the node objects of the trees, used again by the next analysis (see NodePool). */
  private readonly pool: NodePool | undefined;

  /**
   * `oneShot`: every text is analysed once (dma-check), so nothing is kept
   * for the next analysis of the same document: no findings cache (and no
   * signature of the file facts for it), no text-scan cache, and each wasm
   * tree is freed as soon as it is copied.
   */
  constructor(
    private readonly parser: CParser,
    private readonly options: { oneShot?: boolean } = {},
  ) {
    this.pool = options.oneShot ? new NodePool() : undefined;
  }

  static async create(options: { oneShot?: boolean } = {}): Promise<FileAnalyzer> {
    return new FileAnalyzer(await CParser.get(), options);
  }

  /**
   * Tells the analyzer about an edit before the text changes, so the tree of
   * the function it falls in can be edited and re-parsed incrementally.
   */
  noteEdit(startOffset: number, oldEndOffset: number, newText: string): void {
    this.pendingEdits.push({ start: startOffset, oldEnd: oldEndOffset, text: newText });
    const seg = this.lastSegments.find((s) => s.headerStart <= startOffset && oldEndOffset <= s.end);
    if (!seg) return;
    const text = this.lastText.slice(seg.headerStart, seg.end);
    const parsed = this.parsed.get(text);
    if (!parsed?.tree) return;
    const base = seg.start;
    const prefix = seg.headerStart - seg.start;
    const rel = (offset: number) => offset - base;
    const pos = (s: string, offset: number) => {
      let row = 0;
      let col = 0;
      for (let i = 0; i < offset; i++) {
        if (s.charCodeAt(i) === 10) {
          row++;
          col = 0;
        } else col++;
      }
      return { row, column: col };
    };
    const source = ' '.repeat(prefix) + text;
    const startIndex = rel(startOffset);
    const oldEndIndex = rel(oldEndOffset);
    const newEndIndex = startIndex + newText.length;
    const startPosition = pos(source, startIndex);
    const oldEndPosition = pos(source, oldEndIndex);
    const after = source.slice(0, startIndex) + newText;
    const newEndPosition = pos(after, newEndIndex);
    const previous = this.editedTrees.get(seg.start);
    if (previous) {
      // Several changes to one function before it was re-analysed: parse it afresh.
      previous.tree.delete();
      this.editedTrees.delete(seg.start);
      return;
    }
    const tree = parsed.tree.copy();
    const edit: Edit = { startIndex, oldEndIndex, newEndIndex, startPosition, oldEndPosition, newEndPosition } as Edit;
    tree.edit(edit);
    const expected = text.slice(0, startOffset - seg.headerStart) + newText + text.slice(oldEndOffset - seg.headerStart);
    this.editedTrees.set(seg.start, { tree, expected });
  }

  analyze(text: string, options: AnalyzeOptions = {}): AnalysisResult {
    const path = options.path ?? '';
    const result: AnalysisResult = { findings: [], failures: [], stats: { functions: 0, parsedFunctions: 0 } };
    if (text.length > MAX_FILE_BYTES || looksBinary(text)) {
      this.lastSegments = [];
      this.lastText = text;
      return result;
    }
    const oneShot = !!this.options.oneShot;
    // The previous one-shot analysis is over: its nodes are taken again.
    this.pool?.rewind();
    const work = this.textWorkAfterEdit(text) ?? fullTextWork(text);
    this.lastTextWork = work;
    const { lines, segments, textFacts } = work;
    result.stats.functions = segments.length;
    const facts = fileFacts(path, textFacts);

    // Phase 1: parse the functions that mention the DMA API; summarise them.
    const segTexts = segments.map((s) => text.slice(s.headerStart, s.end));
    const parsedBySeg: (ParsedFunction | undefined)[] = new Array(segments.length);
    const liveParsed = new Set<string>();
    const parse = (i: number) => {
      const seg = segments[i];
      const t = segTexts[i];
      let p = oneShot ? undefined : this.parsed.get(t);
      if (!p) {
        const edited = this.editedTrees.get(seg.start);
        // The cache, the tree copy and the findings outlive this text: they keep their own copy of the function.
        const own = oneShot ? t : detached(t);
        const source = segmentParseText(own, seg);
        const tree = this.parser.parse(source, edited && edited.expected === t ? edited.tree : undefined);
        const root = this.parser.copy(tree, source, this.pool);
        const fn = findFunctionNode(root);
        p = { text: own, tree, root, summary: fn ? summarizeFunction(fn, seg.name) : emptySummary(seg.name) };
        if (oneShot) {
          tree.delete();
          p.tree = undefined;
        } else this.parsed.set(own, p);
      }
      liveParsed.add(t);
      parsedBySeg[i] = p;
      result.stats.parsedFunctions++;
    };
    for (let i = 0; i < segments.length; i++) if (work.mentionsDma[i]) parse(i);
    for (const e of this.editedTrees.values()) e.tree.delete();
    this.editedTrees.clear();

    const scansOf = (i: number) => {
      const t = segTexts[i];
      if (oneShot) return { cleanups: new Map<string, string[]>() } as { callees?: Set<string>; cleanups: Map<string, string[]> };
      let scans = this.textScans.get(t);
      if (!scans) {
        scans = { cleanups: new Map() };
        this.textScans.set(detached(t), scans);
      }
      return scans;
    };
    const calleesOf = (i: number): Set<string> => {
      const body = segTexts[i].slice(segments[i].bodyStart - segments[i].headerStart);
      if (oneShot) return scanCallees(body);
      const scans = scansOf(i);
      scans.callees ??= scanCallees(detached(body));
      return scans.callees;
    };
    const segIndex = new Map<string, number>();
    const summarySeg = new Map<string, number>();
    for (let i = 0; i < segments.length; i++) {
      segIndex.set(segments[i].name, i);
      const p = parsedBySeg[i];
      if (p) {
        facts.summaries.set(segments[i].name, p.summary);
        summarySeg.set(segments[i].name, i);
      }
    }
    // Who calls whom, by a text scan of the bodies, read as the rules ask: a
    // caller that only unwinds (`foo_mem_free()` after a failed `foo_mem_alloc()`) counts.
    facts.calls = new CallGraph(segIndex, text, segments, calleesOf);
    // Kept with the cached findings: scan every function now (cached by text) and keep no text.
    if (!oneShot) facts.calls.completeAndDetach();
    for (const [name, s] of facts.summaries) {
      if (s.wraps && !lookupApi(name)) facts.wrappers.set(name, s.wraps);
      if (s.checksMapping) facts.checkHelpers.add(name);
    }
    for (const [name, api] of Object.entries(options.wrappers ?? {})) {
      const entry = lookupApi(api);
      if (entry) facts.wrappers.set(name, entry);
    }
    propagateReleases(facts);

    // Phase 1b: small same-file helpers the DMA functions call may record a
    // handle in a structure (`foo_init_frag(pkt, i, addr, len)`): summarise them too.
    const segByName = new Map(segments.map((sg, i) => [sg.name, i] as const));
    for (let i = 0; i < segments.length; i++) {
      if (!parsedBySeg[i]) continue;
      for (const c of facts.calls.calleesOf(segments[i].name)) {
        const j = segByName.get(c);
        if (j === undefined || parsedBySeg[j] || lineCount(segTexts[j]) > SMALL_HELPER_LINES || !STORES_A_NAME.test(segTexts[j])) continue;
        parse(j);
        const q = parsedBySeg.at(j);
        if (q) {
          facts.summaries.set(segments[j].name, q.summary);
          summarySeg.set(segments[j].name, j);
        }
      }
    }

    /** The same-file callers of each function `wanted` picks, in definition order. */
    const callersOf = (wanted: (i: number) => boolean): Map<string, string[]> => {
      const names: string[] = [];
      for (let i = 0; i < segments.length; i++) if (wanted(i)) names.push(segments[i].name);
      return names.length ? facts.calls.callersOfAll(names) : new Map<string, string[]>();
    };

    // Scatterlist mappers whose callers all test what they return against zero.
    const zeroCandidates = callersOf((i) => !!parsedBySeg[i] && segTexts[i].includes('for_each_sg') && segTexts[i].includes('dma_map_sg'));
    for (const [name, list] of zeroCandidates) {
      if (list.length && list.every((c) => segIndex.has(c) && testsResultForZero(segTexts[segIndex.get(c)!], name))) facts.zeroTestedResults.add(name);
    }

    // What each same-file caller of a DMA function runs at its error label when that function fails.
    // Only functions that put an acquisition in a field can leave it to their callers.
    const callers = callersOf((i) => {
      const summary = parsedBySeg[i]?.summary;
      return !!summary && (summary.allocates.length > 0 || summary.fieldMaps.length > 0);
    });
    for (const [name, list] of callers) {
      if (!list.length) continue;
      facts.errorCleanups.set(name, list.map((c) => {
        const j = segIndex.get(c);
        if (j === undefined) return [];
        const { cleanups } = scansOf(j);
        let calls = cleanups.get(name);
        if (!calls) {
          calls = cleanupAfterFailure(segTexts[j], name).map(detached);
          cleanups.set(detached(name), calls);
        }
        return calls;
      }));
    }

    // Phase 2: functions that only call a wrapper need parsing too.
    if (facts.wrappers.size) {
      const names = new RegExp(`\\b(?:${[...facts.wrappers.keys()].map(escapeRegExp).join('|')})\\s*\\(`);
      for (let i = 0; i < segments.length; i++) if (!parsedBySeg[i] && names.test(segTexts[i])) parse(i);
    }

    // Phase 3: analyse each parsed function, cached by its text and the file facts.
    const factsKey = oneShot ? '' : `${hashText(factsSignature(facts))}:${path}`;
    const liveResults = new Set<string>();
    for (let i = 0; i < segments.length; i++) {
      const p = parsedBySeg[i];
      if (!p) continue;
      const seg = segments[i];
      const key = factsKey;
      const cacheKey = p.text;
      let cached = options.withFixes || oneShot ? undefined : this.results.get(cacheKey);
      if (!cached || cached.key !== key) {
        cached = { key, ...this.analyzeFunction(p, seg, facts, path, !!options.withFixes) };
        if (!options.withFixes && !oneShot) this.results.set(cacheKey, cached);
      }
      liveResults.add(cacheKey);
      if (cached.failure) result.failures.push({ functionName: seg.name, error: cached.failure });
      for (const f of cached.findings) result.findings.push(shift(f, seg.startLine));
    }
    result.findings.push(...leakAtRemove(facts, segments, summarySeg));

    // Drop cache entries for functions that no longer exist.
    for (const [t, p] of this.parsed) {
      if (!liveParsed.has(t)) {
        p.tree?.delete();
        this.parsed.delete(t);
      }
    }
    for (const k of this.results.keys()) if (!liveResults.has(k)) this.results.delete(k);
    if (this.textScans.size > segments.length * 2 + 64) this.textScans.clear();
    this.lastSegments = segments;
    this.lastText = text;

    // Code the preprocessor drops: a finding in it, or whose path goes through it, is about code that is never built.
    if (work.dead.length) {
      const dead = (line: number) => work.dead.some(([a, b]) => line >= a && line <= b);
      result.findings = result.findings.filter((f) => !dead(f.range.start.line) && !f.related.some((r) => dead(r.range.start.line)));
    }
    result.findings = finalize(result.findings, lines, options, work.suppressions);
    return result;
  }

  /**
   * The line index, function split, text facts and suppressions after one
   * edit inside a function body that cannot change any of them but by a
   * shift of offsets: no newline, brace, quote, comment or preprocessor
   * character in or next to it, and the same text facts in the function
   * before and after. Undefined when the work must be done again.
   */
  private textWorkAfterEdit(text: string): TextWork | undefined {
    const edits = this.pendingEdits;
    this.pendingEdits = [];
    const last = this.lastTextWork;
    const old = this.lastText;
    if (!last || edits.length !== 1 || last.text !== old) return undefined;
    const { start, oldEnd, text: inserted } = edits[0];
    const delta = inserted.length - (oldEnd - start);
    if (start < 0 || oldEnd < start || oldEnd > old.length || text.length !== old.length + delta) return undefined;
    const removed = old.slice(start, oldEnd);
    const before = old.charAt(start - 1);
    const after = old.charAt(oldEnd);
    if (BLANKS.test(inserted) && BLANKS.test(removed)) {
      // Spaces change no structure unless they split or join a comment
      // delimiter or an escape, or move a closing brace into or out of column 0.
      if (before === '\\' || ['/*', '*/', '//'].includes(before + after) || ((start === 0 || before === '\n') && after === '}')) return undefined;
    } else {
      if (UNSAFE_IN_EDIT.test(inserted) || UNSAFE_IN_EDIT.test(removed)) return undefined;
      if (UNSAFE_NEXT_TO_EDIT.test(before) || UNSAFE_NEXT_TO_EDIT.test(after)) return undefined;
    }
    if (text.slice(start, start + inserted.length) !== inserted || text.slice(0, start) !== old.slice(0, start) || text.slice(start + inserted.length) !== old.slice(oldEnd)) return undefined;
    const index = last.segments.findIndex((sg) => sg.bodyStart < start && oldEnd < sg.end - 1);
    if (index < 0) return undefined;
    const seg = last.segments[index];
    // The line the edit is on: no suppression comment; no preprocessor
    // directive unless only spaces change (they keep a `#` first on its line).
    const lineStart = old.lastIndexOf('\n', start - 1) + 1;
    const lineEnd = old.indexOf('\n', oldEnd);
    const line = old.slice(lineStart, lineEnd === -1 ? old.length : lineEnd);
    if (line.includes('dma-check') || (line.includes('#') && !(BLANKS.test(inserted) && BLANKS.test(removed)))) return undefined;
    const oldSeg = old.slice(seg.start, seg.end);
    const newSeg = text.slice(seg.start, seg.end + delta);
    if (!sameTextFacts(scanTextFacts(oldSeg), scanTextFacts(newSeg))) return undefined;
    const shift = (sg: FunctionSegment): FunctionSegment => ({ ...sg, start: sg.start + delta, end: sg.end + delta, headerStart: sg.headerStart + delta, bodyStart: sg.bodyStart + delta });
    const segments = last.segments.map((sg, i) => (i < index ? sg : i === index ? { ...sg, end: sg.end + delta } : shift(sg)));
    const mentionsDma = last.mentionsDma.slice();
    mentionsDma[index] = DMA_TEXT_PATTERN.test(text.slice(seg.headerStart, seg.end + delta));
    const editLine = last.lines.positionAt(start).line;
    return { text, lines: last.lines.shifted(text, editLine, delta), segments, textFacts: last.textFacts, mentionsDma, suppressions: last.suppressions, dead: last.dead };
  }

  private analyzeFunction(p: ParsedFunction, seg: FunctionSegment, facts: FileFacts, path: string, withFixes: boolean): { findings: Finding[]; failure?: string } {
    try {
      const fnNode = findFunctionNode(p.root);
      if (!fnNode) return { findings: [] };
      const source = new LineIndex(' '.repeat(seg.headerStart - seg.start) + p.text);
      const ctx = buildFunctionContext(fnNode, source, 0, facts, path);
      if (!ctx) return { findings: [] };
      const a = new FunctionAnalysis(ctx, withFixes);
      checkArguments(a);
      checkStreaming(a);
      checkCoherent(a);
      checkMasks(a);
      return { findings: a.findings };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { findings: [], failure: message };
    }
  }

  dispose(): void {
    for (const p of this.parsed.values()) p.tree?.delete();
    this.parsed.clear();
    for (const e of this.editedTrees.values()) e.tree.delete();
    this.editedTrees.clear();
    this.results.clear();
    this.textScans.clear();
    this.lastTextWork = undefined;
    this.pendingEdits = [];
  }
}

/** The text-level results one analysis computes before parsing anything. */
interface TextWork {
  text: string;
  lines: LineIndex;
  segments: FunctionSegment[];
  textFacts: TextFacts;
  /** Per segment: does its text mention the DMA API? */
  mentionsDma: boolean[];
  /** Suppression comments (their `used` flags are reset on every use). */
  suppressions: Suppression[];
  /** Line ranges the preprocessor drops (`#if 0`, `#if X` with `#define X 0`). */
  dead: [number, number][];
}

const BLANKS = /^[ \t]*$/;
/** Characters an edit must not contain for the text work to be reused. */
const UNSAFE_IN_EDIT = /[\n\r{}"'\/*#\\]/;
/** Characters an edit must not touch: it could open or close a comment, a string or an escape. */
const UNSAFE_NEXT_TO_EDIT = /[\/*\\"'{}]/;

function fullTextWork(text: string): TextWork {
  const lines = new LineIndex(text);
  const segments = findFunctionSegments(text, lines);
  const textFacts = scanTextFacts(text);
  return {
    text,
    lines,
    segments,
    textFacts,
    dead: deadLineRanges(text, lines, textFacts.defines),
    mentionsDma: segments.map((s) => DMA_TEXT_PATTERN.test(text.slice(s.headerStart, s.end))),
    suppressions: findSuppressions(lines),
  };
}

/**
 * The file facts a text's facts start them with. The declarations are read
 * through getters, scanned when a rule first asks. Made here, not inside
 * analyze(): a getter made there would keep that call's whole scope (the
 * text, its function slices) alive for as long as the facts live.
 */
function fileFacts(path: string, textFacts: TextFacts): FileFacts {
  const facts: FileFacts = {
    ...emptyFacts(path),
    defines: textFacts.defines,
    irqHandlers: textFacts.irqHandlers,
    probeFunctions: textFacts.probeFunctions,
    removeFunctions: textFacts.removeFunctions,
    checkHelpers: new Set(textFacts.checkHelpers),
  };
  Object.defineProperties(facts, {
    globals: { get: () => textFacts.globals, enumerable: true },
    globalPointers: { get: () => textFacts.globalPointers, enumerable: true },
    pointerMembers: { get: () => textFacts.pointerMembers, enumerable: true },
  });
  return facts;
}

function sameTextFacts(a: TextFacts, b: TextFacts): boolean {
  const sameSet = (x: Set<string>, y: Set<string>) => x.size === y.size && [...x].every((v) => y.has(v));
  if (a.defines.size !== b.defines.size || [...a.defines].some(([k, v]) => b.defines.get(k) !== v)) return false;
  return sameSet(a.globals, b.globals) && sameSet(a.checkHelpers, b.checkHelpers) && sameSet(a.irqHandlers, b.irqHandlers) && sameSet(a.probeFunctions, b.probeFunctions) && sameSet(a.removeFunctions, b.removeFunctions);
}

function findFunctionNode(root: Node): Node | undefined {
  for (let i = 0; i < root.namedChildCount; i++) {
    const c = root.namedChild(i)!;
    if (c.type === 'function_definition') return c;
  }
  // A header macro tree-sitter could not read: the body may still be inside an ERROR node.
  const defs = root.descendantsOfType('function_definition');
  return defs[0];
}

function propagateReleases(facts: FileFacts): void {
  // A helper that calls another releasing helper releases what it releases.
  for (let round = 0; round < 4; round++) {
    let changed = false;
    for (const [name, s] of facts.summaries) {
      for (const callee of facts.calls.calleesOf(name)) {
        const other = facts.summaries.get(callee);
        if (!other || other === s) continue;
        for (const r of other.releases) {
          if (!s.releases.includes(r)) {
            s.releases.push(r);
            changed = true;
          }
        }
      }
    }
    if (!changed) break;
  }
}

/** Helpers up to this many lines are summarised when a DMA function calls them. */
const SMALL_HELPER_LINES = 40;
/** `pkt->addr[i].addr = dma_addr;`: a plain name stored into a structure. */
const STORES_A_NAME = /(?:->|\.)\w+(?:\[[^\]\n]*\])?(?:(?:->|\.)\w+)*\s*=\s*[a-z_]\w*\s*;/;

function lineCount(t: string): number {
  let n = 1;
  for (let i = t.indexOf('\n'); i !== -1 && n <= SMALL_HELPER_LINES; i = t.indexOf('\n', i + 1)) n++;
  return n;
}

function factsSignature(f: FileFacts): string {
  const parts = [
    [...f.wrappers].map(([k, v]) => `${k}=${v.name}`).sort().join(','),
    [...f.checkHelpers].sort().join(','),
    [...f.irqHandlers].sort().join(','),
    [...f.probeFunctions].sort().join(','),
    [...f.removeFunctions].sort().join(','),
    [...f.globals].sort().join(','),
    [...f.globalPointers].sort().join(','),
    [...f.pointerMembers].sort().join(','),
    [...f.defines].map(([k, v]) => `${k}=${v}`).join(','),
    [...f.errorCleanups].map(([k, v]) => `${k}:${v.map((x) => x.join('+')).join('/')}`).sort().join(','),
    [...f.zeroTestedResults].sort().join(','),
    [...f.summaries.values()]
      .map((s) => `${s.name}:${s.releases.join('+')}:${s.allocates.map((a) => `${a.field}/${a.api}`).join('+')}:${s.fieldMaps.map((m) => `${m.key}/${m.direction}`).join('+')}:${s.releasedParams.map((p) => `${p.index}/${p.role}`).join('+')}:${s.storedParams.join('+')}:${s.releaseScopeFields.join('+')}:${s.fieldStores.join('+')}:${s.releaseMentions.join('+')}`)
      .sort()
      .join(';'),
  ];
  return parts.join('|');
}

function shift(f: Finding, lines: number): Finding {
  if (lines === 0) return f;
  const p = (x: Position) => ({ line: x.line + lines, character: x.character });
  const r = (x: { start: Position; end: Position }) => ({ start: p(x.start), end: p(x.end) });
  return {
    ...f,
    functionLine: f.functionLine === undefined ? undefined : f.functionLine + lines,
    range: r(f.range),
    related: f.related.map((x) => ({ ...x, range: r(x.range) })),
    fixes: f.fixes?.map((fix) => ({ ...fix, edits: fix.edits.map((e) => ({ ...e, range: r(e.range) })) })),
  };
}

/** leak-at-remove: a probe stores an allocation that nothing reachable from remove releases. */
function leakAtRemove(facts: FileFacts, segments: FunctionSegment[], summarySeg: Map<string, number>): Finding[] {
  if (!facts.probeFunctions.size || !facts.removeFunctions.size) return [];
  // Released from remove, or anywhere else in the file (ndo_stop, a kref release, a devm action):
  // the buffer's lifetime is managed by code this file shows.
  const released = new Set<string>();
  const mentions: string[] = [];
  for (const s of facts.summaries.values()) {
    if (facts.probeFunctions.has(s.name)) continue;
    for (const r of s.releases) released.add(r);
    // Freed through a table of copies (`dev_map[] = { dev->d_i2c.cpu_addr, ... }`) or an accessor (`foo_rcvhdrtail_kvaddr(rcd)`).
    for (const f of s.releaseScopeFields) released.add(f);
    mentions.push(...s.releaseMentions);
  }
  const viaAccessor = (field: string) => mentions.some((m) => m.endsWith(`_${field}`));
  const out: Finding[] = [];
  const probeSide = facts.calls.reachableFrom(facts.probeFunctions);
  for (const fn of probeSide) {
    const s = facts.summaries.get(fn);
    // The segment the summary was made from (a name defined twice keeps its last definition, as the summaries do).
    const at = summarySeg.get(fn);
    const seg = at === undefined ? undefined : segments[at];
    if (!s || !seg) continue;
    for (const al of s.allocates) {
      if (al.managed || released.has(al.field) || viaAccessor(al.field)) continue;
      const api = lookupApi(al.api);
      if (!api || (api.role !== 'alloc' && api.role !== 'pool-create')) continue;
      const line = al.line + seg.startLine;
      out.push({
        rule: 'leak-at-remove',
        severity: ruleInfo('leak-at-remove')!.severity,
        range: { start: { line, character: al.character }, end: { line, character: al.endCharacter } },
        message: `${al.field} is allocated by ${al.api}() in ${fn}() but nothing reachable from ${[...facts.removeFunctions].join('/')}() releases it: it leaks on every unbind (or use ${api.role === 'pool-create' ? 'dmam_pool_create' : 'dmam_alloc_coherent'}())`,
        related: [],
      });
    }
  }
  return out;
}

function finalize(findings: Finding[], lines: LineIndex, options: AnalyzeOptions, suppressions = findSuppressions(lines)): Finding[] {
  const sev = options.severities ?? {};
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of suppressions) s.used = false;
  for (const f of applySuppressions(findings, lines, suppressions)) {
    const setting = sev[f.rule];
    if (setting === 'off') continue;
    const k = `${f.rule}:${f.range.start.line}:${f.range.start.character}:${f.range.end.line}:${f.range.end.character}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(setting ? { ...f, severity: setting } : f);
  }
  if (options.reportUnusedSuppressions) {
    for (const s of suppressions) {
      if (s.used) continue;
      const text = lines.lineText(s.line);
      const at = Math.max(0, text.indexOf('dma-check:'));
      out.push({
        rule: 'unused-suppression',
        severity: 'information',
        range: { start: { line: s.line, character: at }, end: { line: s.line, character: text.length } },
        message: `this dma-check suppression (${s.rules === 'all' ? 'all rules' : s.rules.join(', ')}) suppresses nothing`,
        related: [],
      });
    }
  }
  out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.rule.localeCompare(b.rule));
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** NUL bytes in the first 8 KB: not a C source file. */
export function looksBinary(text: string): boolean {
  const head = text.length > 8192 ? text.slice(0, 8192) : text;
  return head.includes('\u0000');
}

const FIX_ROUNDS = 12;

/**
 * Applies every preferred fix, one fix per function per round, re-analysing
 * between rounds so each fix sees the text the previous ones wrote. Stops
 * when nothing changes; a fix is never applied twice to the same finding
 * because the finding is gone once fixed.
 */
export function fixText(analyzer: FileAnalyzer, text: string, options: AnalyzeOptions, rules?: Set<string>): { text: string; applied: Finding[]; result: AnalysisResult } {
  const applied: Finding[] = [];
  let current = text;
  let result = analyzer.analyze(current, { ...options, withFixes: true });
  for (let round = 0; round < FIX_ROUNDS; round++) {
    const { text: next, applied: now } = applyFixes(current, result.findings, rules);
    if (!now.length || next === current) break;
    applied.push(...now);
    current = next;
    result = analyzer.analyze(current, { ...options, withFixes: true });
  }
  return { text: current, applied, result };
}

/** One-shot analysis of a text (the CLI and tests); the parser is shared per process. */
export async function analyzeText(text: string, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const analyzer = await FileAnalyzer.create();
  try {
    return analyzer.analyze(text, options);
  } finally {
    analyzer.dispose();
  }
}

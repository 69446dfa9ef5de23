/**
 * Text-level work that must stay cheap: line index, and the split of a file
 * into top-level function definitions without parsing it. Only the functions
 * that can matter are ever parsed (see analyze.ts).
 */
import type { Position } from './types';

export class LineIndex {
  /** Where each line starts (outside the JavaScript heap: a tree scan indexes 80 MB of text). */
  readonly starts: Uint32Array;

  constructor(
    readonly text: string,
    starts?: Uint32Array,
  ) {
    if (starts) {
      this.starts = starts;
      return;
    }
    // One pass, into room for a line per 32 characters, doubled when that is short.
    let room = new Uint32Array((text.length >> 5) + 16);
    let k = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
      if (k === room.length) {
        const more: Uint32Array = new Uint32Array(room.length * 2);
        more.set(room);
        room = more;
      }
      room[k++] = i + 1;
    }
    this.starts = room.subarray(0, k);
  }

  /** The index of `text`, which differs from this one's by `delta` characters within line `line` (no newline added or removed). */
  shifted(text: string, line: number, delta: number): LineIndex {
    const starts = this.starts.slice();
    for (let i = line + 1; i < starts.length; i++) starts[i] += delta;
    return new LineIndex(text, starts);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  positionAt(offset: number): Position {
    offset = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }

  offsetAt(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this.text.length;
    const start = this.starts[pos.line];
    const end = pos.line + 1 < this.starts.length ? this.starts[pos.line + 1] : this.text.length;
    return Math.min(start + Math.max(0, pos.character), end);
  }

  lineText(line: number): string {
    const start = this.starts[line] ?? this.text.length;
    let end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}

/** A top-level function definition found by the scanner. */
export interface FunctionSegment {
  /** Offset of the first character of the line where the header starts. */
  start: number;
  /** Offset just past the closing brace. */
  end: number;
  /** Offset of the first character of the header. */
  headerStart: number;
  /** Offset of the opening brace of the body. */
  bodyStart: number;
  startLine: number;
  /** The function's name as the header spells it (best effort). */
  name: string;
}

const SLASH = 47;
const STAR = 42;
const NL = 10;
const QUOTE = 34;
const APOS = 39;
const BACKSLASH = 92;
const HASH = 35;
const LBRACE = 123;
const RBRACE = 125;
const SEMI = 59;

/** ASCII codes findFunctionSegments() passes as plain code: all but line ends, spaces, `/`, `#`, quotes, braces and `;`. */
const PLAIN = new Uint8Array(128).fill(1);
for (const c of [NL, 32, 9, 13, 12, 11, SLASH, HASH, QUOTE, APOS, LBRACE, RBRACE, SEMI]) PLAIN[c] = 0;

/**
 * Finds top-level function definitions by brace matching, skipping comments,
 * strings and preprocessor lines. Kernel style puts a function's closing
 * brace in column 0; a `}` in column 0 therefore ends the current function
 * even when `#ifdef` branches left the braces unbalanced.
 */
export function findFunctionSegments(text: string, lines: LineIndex): FunctionSegment[] {
  const segments: FunctionSegment[] = [];
  const n = text.length;
  let depth = 0;
  let itemStart = 0; // start of the current top-level item's code
  let itemHasCode = false;
  let bodyStart = -1;
  let atLineStart = true; // only whitespace so far on this line
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // Most characters are code that none of the cases below looks at: pass a run of them at once.
    if (c >= 128 || PLAIN[c]) {
      atLineStart = false;
      if (depth === 0 && !itemHasCode) {
        itemStart = i;
        itemHasCode = true;
      }
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d < 128 && !PLAIN[d]) break;
        i++;
      }
      continue;
    }
    if (c === NL) {
      atLineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    if (c === SLASH && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d === STAR) {
        const close = text.indexOf('*/', i + 2);
        i = close === -1 ? n : close + 2;
        if (depth === 0 && !itemHasCode) itemStart = i;
        continue;
      }
      if (d === SLASH) {
        const eol = text.indexOf('\n', i + 2);
        i = eol === -1 ? n : eol;
        if (depth === 0 && !itemHasCode) itemStart = i;
        continue;
      }
    }
    if (c === HASH && atLineStart) {
      // Preprocessor line, with backslash continuations.
      let j = i;
      for (;;) {
        const eol = text.indexOf('\n', j);
        if (eol === -1) {
          j = n;
          break;
        }
        let k = eol - 1;
        if (k >= 0 && text.charCodeAt(k) === 13) k--;
        if (k >= 0 && text.charCodeAt(k) === BACKSLASH) {
          j = eol + 1;
          continue;
        }
        j = eol;
        break;
      }
      i = j;
      if (depth === 0) {
        itemStart = i;
        itemHasCode = false;
      }
      continue;
    }
    atLineStart = false;
    if (c === QUOTE || c === APOS) {
      let j = i + 1;
      while (j < n) {
        const e = text.charCodeAt(j);
        if (e === BACKSLASH) j += 2;
        else if (e === c || e === NL) break;
        else j++;
      }
      i = j + 1;
      itemHasCode = true;
      continue;
    }
    if (c === LBRACE) {
      if (depth === 0) {
        bodyStart = i;
        if (!itemHasCode) itemStart = i;
      }
      depth++;
      i++;
      continue;
    }
    if (c === RBRACE) {
      const column0 = i === 0 || text.charCodeAt(i - 1) === NL;
      depth--;
      if (depth > 0 && column0 && bodyStart >= 0) depth = 0;
      if (depth <= 0) {
        depth = 0;
        if (bodyStart >= 0) {
          const header = text.slice(itemStart, bodyStart);
          const name = functionNameFromHeader(header);
          if (name) {
            const startLine = lines.positionAt(itemStart).line;
            segments.push({ start: lines.starts[startLine], headerStart: itemStart, end: i + 1, bodyStart, startLine, name });
          }
        }
        bodyStart = -1;
        itemStart = i + 1;
        itemHasCode = false;
      }
      i++;
      continue;
    }
    if (c === SEMI && depth === 0) {
      itemStart = i + 1;
      itemHasCode = false;
      i++;
      continue;
    }
    if (depth === 0 && !itemHasCode) {
      itemStart = i;
      itemHasCode = true;
    }
    i++;
  }
  return segments;
}

const HEADER_NAME = /([A-Za-z_]\w*)\s*\(/g;
const NOT_FUNCTION_NAMES = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', '__attribute__', 'typeof', '__typeof__']);

/**
 * The name of the function a header declares, or '' when the header is not a
 * function definition (an initializer, a struct or enum body).
 */
export function functionNameFromHeader(header: string): string {
  const trimmed = header.trim();
  if (!trimmed || !trimmed.includes('(')) return '';
  let parens = 0;
  for (let i = 0; i < trimmed.length; i++) {
    const ch = trimmed[i];
    if (ch === '(') parens++;
    else if (ch === ')') parens--;
    else if (ch === '=' && parens === 0) return '';
  }
  if (parens !== 0) return '';
  const last = trimmed[trimmed.length - 1];
  if (last !== ')' && !/\w/.test(last)) return '';
  HEADER_NAME.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = HEADER_NAME.exec(trimmed))) {
    if (!NOT_FUNCTION_NAMES.has(m[1])) return m[1];
  }
  return '';
}

/**
 * The text a segment is parsed as, given the segment's own text (from its
 * header to its closing brace). Whatever precedes the header on its first
 * line (the tail of a previous declaration) is blanked, so columns stay exact.
 */
export function segmentParseText(segmentText: string, seg: FunctionSegment): string {
  return seg.headerStart > seg.start ? ' '.repeat(seg.headerStart - seg.start) + segmentText : segmentText;
}

/** A fast, allocation-free 32-bit FNV-1a hash of a string. */
export function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A copy of `s` that shares no storage with the string it was sliced from. A
 * function's text kept as a cache key would otherwise keep the whole document
 * it was sliced from alive: one document per edit, in the language server.
 */
export function detached(s: string): string {
  // Slicing a two-part string first copies both parts into one new string;
  // the slice then points into that copy, not into the document.
  return ` ${s}`.slice(1);
}

/**
 * Where the line holding `text[at]` starts, when only spaces and tabs come
 * before `at` on it (a preprocessor directive's `#`, say); -1 otherwise.
 * `isBreak` tells which characters end a line.
 */
export function indentedLineStart(text: string, at: number, isBreak: (c: number) => boolean = (c) => c === 10): number {
  let start = at;
  while (start > 0 && (text.charCodeAt(start - 1) === 32 || text.charCodeAt(start - 1) === 9)) start--;
  return start === 0 || isBreak(text.charCodeAt(start - 1)) ? start : -1;
}

/**
 * Lines of code the preprocessor drops: the branches of `#if 0`, `#if X`
 * with `#define X 0` in the file, the `#else` of `#if 1`, and the branches
 * of `#ifdef X`, `#ifndef X` and `#if defined(X)` that the file itself
 * decides: X was `#define`d or `#undef`ed earlier in it, outside any
 * conditional whose outcome is unknown. Returned as [first, last] line
 * ranges (0-based). Anything else (config symbols, names a header may
 * define) counts as live.
 */
export function deadLineRanges(text: string, lines: LineIndex, defines: Map<string, string>): [number, number][] {
  const out: [number, number][] = [];
  if (!text.includes('#if')) return out;
  // One frame per open conditional: is the current branch dead, live for sure, or unknown; and was a branch taken.
  const stack: { state: 'dead' | 'true' | 'unknown'; taken: boolean }[] = [];
  const deadDepth = () => stack.some((f) => f.state === 'dead');
  // Names the file has #defined (true) or #undefed (false) so far, where that is certain.
  const known = new Map<string, boolean>();
  const isDefined = (name: string) => known.get(name);
  let deadFrom = -1;
  for (let at = text.indexOf('#'); at >= 0; at = text.indexOf('#', at + 1)) {
    if (indentedLineStart(text, at) < 0) continue;
    const end = text.indexOf('\n', at);
    const directive = /^#[ \t]*(if|ifdef|ifndef|elif|else|endif|define|undef)\b(.*)$/.exec(text.slice(at, end < 0 ? text.length : end).replace(/\r$/, ''));
    if (!directive) continue;
    const line = lines.positionAt(at).line;
    const [, kind, rest] = directive;
    const top = stack[stack.length - 1];
    if (kind === 'define' || kind === 'undef') {
      const name = /^[ \t]+([A-Za-z_]\w*)/.exec(rest)?.[1];
      if (!name || deadDepth()) continue;
      // Under a conditional the file cannot decide, whether it happens is unknown.
      if (stack.some((f) => f.state === 'unknown')) known.delete(name);
      else known.set(name, kind === 'define');
      continue;
    }
    if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
      const name = kind === 'if' ? undefined : /^[ \t]+([A-Za-z_]\w*)/.exec(rest)?.[1];
      const d = name !== undefined ? isDefined(name) : undefined;
      const v = kind === 'if' ? evaluate(rest, defines, isDefined) : d === undefined ? undefined : kind === 'ifdef' ? d : !d;
      stack.push({ state: v === false ? 'dead' : v === true ? 'true' : 'unknown', taken: v === true });
    } else if (kind === 'elif' && top) {
      const v = evaluate(rest, defines, isDefined);
      if (top.taken) top.state = 'dead';
      else if (top.state === 'dead') {
        top.state = v === false ? 'dead' : v === true ? 'true' : 'unknown';
        top.taken = v === true;
      } else top.state = 'unknown';
    } else if (kind === 'else' && top) {
      top.state = top.taken ? 'dead' : top.state === 'dead' ? 'true' : 'unknown';
      top.taken = true;
    } else if (kind === 'endif' && top) {
      stack.pop();
    }
    // The directive line itself is not code; what follows it is, until the next one.
    if (deadFrom >= 0 && !deadDepth()) {
      if (line - 1 >= deadFrom) out.push([deadFrom, line - 1]);
      deadFrom = -1;
    } else if (deadFrom < 0 && deadDepth()) deadFrom = line + 1;
  }
  if (deadFrom >= 0) out.push([deadFrom, lines.lineCount - 1]);
  return out;
}

/**
 * `0`, `1`, a name the file #defines to one of them, or `defined(X)` /
 * `!defined(X)` of a name the file decides; undefined for anything else.
 */
function evaluate(expr: string, defines: Map<string, string>, isDefined: (name: string) => boolean | undefined = () => undefined): boolean | undefined {
  let e = expr.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '').trim();
  const test = /^(!\s*)?defined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|\s([A-Za-z_]\w*))$/.exec(e);
  if (test) {
    const d = isDefined(test[2] ?? test[3]);
    return d === undefined ? undefined : test[1] ? !d : d;
  }
  for (let i = 0; i < 4 && /^[A-Za-z_]\w*$/.test(e); i++) {
    const d = defines.get(e);
    if (d === undefined) return undefined;
    e = d.trim();
  }
  if (/^\(?0+\)?$/.test(e)) return false;
  if (/^\(?[1-9]\d*\)?$/.test(e)) return true;
  return undefined;
}

/**
 * Applying fixes to text: the CLI's --fix, fix-all, and the tests. A fix is
 * applied whole or not at all; a fix whose edits overlap an already accepted
 * one is skipped (the next run picks it up). Identical edits from two fixes
 * (the same new label written for two gotos) are applied once.
 */
import { LineIndex } from '../text';
import type { Finding, Fix, TextEdit } from '../types';

interface OffsetEdit {
  start: number;
  end: number;
  text: string;
}

function toOffsets(lines: LineIndex, edits: TextEdit[]): OffsetEdit[] | undefined {
  const out: OffsetEdit[] = [];
  for (const e of edits) {
    const start = lines.offsetAt(e.range.start);
    const end = lines.offsetAt(e.range.end);
    if (end < start || e.range.start.line >= lines.lineCount + 1) return undefined;
    out.push({ start, end, text: e.newText });
  }
  return out;
}

function overlaps(a: OffsetEdit, b: OffsetEdit): boolean {
  if (a.start === a.end && b.start === b.end) return false; // two insertions at one point keep their order
  return a.start < b.end && b.start < a.end;
}

function same(a: OffsetEdit, b: OffsetEdit): boolean {
  return a.start === b.start && a.end === b.end && a.text === b.text;
}

function applyOffsets(text: string, edits: OffsetEdit[]): string {
  const sorted = edits
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.start - y.e.start || x.e.end - y.e.end || x.i - y.i)
    .map((x) => x.e);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/** Applies one set of edits (one fix). Throws on overlapping edits. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = new LineIndex(text);
  const offs = toOffsets(lines, edits);
  if (!offs) throw new Error('edit outside the document');
  for (let i = 0; i < offs.length; i++) for (let j = i + 1; j < offs.length; j++) if (overlaps(offs[i], offs[j]) && !same(offs[i], offs[j])) throw new Error('overlapping edits');
  return applyOffsets(text, offs);
}

/**
 * Merges the preferred fixes of `findings` into one consistent edit list:
 * at most one fix per function (the next one is recomputed on the fixed
 * text, see fixText), none that overlaps another.
 */
export function mergePreferredFixes(text: string, findings: Finding[], rules?: Set<string>): { edits: TextEdit[]; applied: Finding[] } {
  const lines = new LineIndex(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const functionsFixed = new Set<number>();
  const accepted: OffsetEdit[] = [];
  const acceptedEdits: TextEdit[] = [];
  const applied: Finding[] = [];
  for (const f of findings) {
    if (rules && !rules.has(f.rule)) continue;
    const fix: Fix | undefined = f.fixes?.find((x) => x.isPreferred);
    if (!fix || !fix.edits.length) continue;
    if (f.functionLine !== undefined && functionsFixed.has(f.functionLine)) continue;
    const offs = toOffsets(lines, fix.edits);
    if (!offs) continue;
    const fresh: number[] = [];
    let conflict = false;
    for (let i = 0; i < offs.length && !conflict; i++) {
      const e = offs[i];
      if (accepted.some((x) => same(x, e))) continue;
      if (accepted.some((x) => overlaps(x, e))) conflict = true;
      else fresh.push(i);
    }
    if (conflict) continue;
    for (const i of fresh) {
      accepted.push(offs[i]);
      acceptedEdits.push(eol === '\n' ? fix.edits[i] : { ...fix.edits[i], newText: fix.edits[i].newText.replace(/\r?\n/g, eol) });
    }
    if (f.functionLine !== undefined) functionsFixed.add(f.functionLine);
    applied.push(f);
  }
  return { edits: acceptedEdits, applied };
}

export function applyFixes(text: string, findings: Finding[], rules?: Set<string>): { text: string; applied: Finding[] } {
  const { edits, applied } = mergePreferredFixes(text, findings, rules);
  if (!edits.length) return { text, applied };
  const lines = new LineIndex(text);
  return { text: applyOffsets(text, toOffsets(lines, edits)!), applied };
}

/** The smallest single edit that turns `before` into `after` (fix-all as one edit). */
export function diffEdit(before: string, after: string): TextEdit | undefined {
  if (before === after) return undefined;
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  const lines = new LineIndex(before);
  return { range: { start: lines.positionAt(start), end: lines.positionAt(endB) }, newText: after.slice(start, endA) };
}

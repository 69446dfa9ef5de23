/**
 * Suppression comments: `/* dma-check: ignore <id>[, <id>…] *\/` (or `//`)
 * on the finding's line or the line above; `dma-check: ignore-file <id>` (or
 * `ignore-file` alone) anywhere in the file.
 */
import type { LineIndex } from './text';
import type { Finding } from './types';

const DIRECTIVE = /dma-check:\s*(ignore-file|ignore)\b([^*\n]*)/g;

export interface Suppression {
  line: number;
  fileWide: boolean;
  rules: string[] | 'all';
  used: boolean;
}

export function findSuppressions(lines: LineIndex): Suppression[] {
  const text = lines.text;
  if (!text.includes('dma-check:')) return [];
  const out: Suppression[] = [];
  DIRECTIVE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = DIRECTIVE.exec(text))) {
    const ids = m[2].split(/[\s,]+/).filter((x) => /^[a-z][a-z-]+$/.test(x));
    out.push({ line: lines.positionAt(m.index).line, fileWide: m[1] === 'ignore-file', rules: ids.length ? ids : 'all', used: false });
  }
  return out;
}

export function applySuppressions(findings: Finding[], lines: LineIndex, suppressions = findSuppressions(lines)): Finding[] {
  if (!suppressions.length) return findings;
  return findings.filter((f) => {
    for (const s of suppressions) {
      const covers = s.rules === 'all' || s.rules.includes(f.rule);
      if (!covers) continue;
      if (s.fileWide || s.line === f.range.start.line || s.line === f.range.start.line - 1) {
        s.used = true;
        return false;
      }
    }
    return true;
  });
}

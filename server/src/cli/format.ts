/** Output formats of dma-check: text, gcc, json, sarif. */
import { RULES, ruleInfo } from '../index';
import type { Finding, Severity } from '../types';
import type { FileOutcome } from './process';
import { docUrl } from '../docs';

export function severityWord(s: Severity): string {
  return s === 'information' ? 'note' : s === 'hint' ? 'note' : s;
}

function pos(f: Finding) {
  return { line: f.range.start.line + 1, column: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1 };
}

/** `file:line:col: warning: message [rule-id]`, the form editors' and CI's problem matchers read. */
export function formatGcc(files: FileOutcome[]): string {
  const lines: string[] = [];
  for (const file of files) for (const f of file.findings) {
    const p = pos(f);
    lines.push(`${file.path}:${p.line}:${p.column}: ${severityWord(f.severity)}: ${f.message} [${f.rule}]`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** gcc-style lines with the source line and a caret under the range. */
export function formatText(files: FileOutcome[], color: boolean): string {
  const c = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const sevColor: Record<string, string> = { error: '1;31', warning: '1;35', note: '1;36' };
  const out: string[] = [];
  for (const file of files) {
    const srcLines = file.source?.split('\n');
    for (const f of file.findings) {
      const p = pos(f);
      const word = severityWord(f.severity);
      out.push(`${c('1', `${file.path}:${p.line}:${p.column}:`)} ${c(sevColor[word] ?? '1', `${word}:`)} ${f.message} ${c('2', `[${f.rule}]`)}`);
      const line = srcLines?.[f.range.start.line];
      if (line !== undefined) {
        const gutter = String(p.line).padStart(5);
        const shown = line.replace(/\t/g, '    ');
        const before = line.slice(0, f.range.start.character).replace(/\t/g, '    ');
        const endChar = f.range.end.line === f.range.start.line ? f.range.end.character : line.length;
        const width = Math.max(1, line.slice(f.range.start.character, endChar).replace(/\t/g, '    ').length);
        out.push(`${gutter} | ${shown}`);
        out.push(`${' '.repeat(gutter.length)} | ${' '.repeat(before.length)}${c('1;32', `^${'~'.repeat(width - 1)}`)}`);
      }
      for (const r of f.related.slice(0, 6)) out.push(`${' '.repeat(6)}${c('2', `${file.path}:${r.range.start.line + 1}:${r.range.start.character + 1}: ${r.message}`)}`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

export function formatJson(files: FileOutcome[], withFixed: boolean): string {
  const findings = [];
  for (const file of files) for (const f of file.findings) {
    findings.push({
      file: file.path,
      ...pos(f),
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      path: f.related.map((r) => ({ line: r.range.start.line + 1, column: r.range.start.character + 1, message: r.message })),
    });
  }
  const doc: Record<string, unknown> = { findings };
  if (withFixed) doc.fixed = files.flatMap((f) => (f.fixed ?? []).map((x) => ({ file: f.path, ...x })));
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

export function formatSarif(files: FileOutcome[], version: string): string {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  const results = [];
  for (const file of files) {
    for (const f of file.findings) {
      const p = pos(f);
      const uri = file.path.replace(/\\/g, '/');
      const region = { startLine: p.line, startColumn: p.column, endLine: p.endLine, endColumn: p.endColumn };
      const result: Record<string, unknown> = {
        ruleId: f.rule,
        ruleIndex: ruleIndex.get(f.rule) ?? 0,
        level: SARIF_LEVEL[f.severity],
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: { uri }, region } }],
      };
      if (f.related.length) {
        result.codeFlows = [
          {
            threadFlows: [
              {
                locations: f.related.map((r) => ({
                  location: {
                    physicalLocation: { artifactLocation: { uri }, region: { startLine: r.range.start.line + 1, startColumn: r.range.start.character + 1 } },
                    message: { text: r.message },
                  },
                })),
              },
            ],
          },
        ];
      }
      const fixes = (f.fixes ?? []).filter((x) => x.edits.length);
      if (fixes.length) {
        result.fixes = fixes.map((fix) => ({
          description: { text: fix.title },
          artifactChanges: [
            {
              artifactLocation: { uri },
              replacements: fix.edits.map((e) => ({
                deletedRegion: { startLine: e.range.start.line + 1, startColumn: e.range.start.character + 1, endLine: e.range.end.line + 1, endColumn: e.range.end.character + 1 },
                insertedContent: { text: e.newText },
              })),
            },
          ],
        }));
      }
      results.push(result);
    }
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dma-check',
            informationUri: docUrl(''),
            version,
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, ch: string) => ch.toUpperCase()),
              shortDescription: { text: r.summary },
              helpUri: docUrl(r.id),
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
            })),
          },
        },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

export function summaryLine(files: FileOutcome[], scanned: number, millis: number): string {
  const counts = new Map<string, number>();
  let total = 0;
  for (const f of files) for (const x of f.findings) {
    total++;
    counts.set(severityWord(x.severity), (counts.get(severityWord(x.severity)) ?? 0) + 1);
  }
  const withFindings = files.filter((f) => f.findings.length).length;
  const parts = [...counts].map(([k, v]) => `${v} ${k}${v === 1 ? '' : 's'}`).join(', ');
  return `dma-check: ${total} finding${total === 1 ? '' : 's'}${parts ? ` (${parts})` : ''} in ${withFindings} of ${scanned} file${scanned === 1 ? '' : 's'}, ${(millis / 1000).toFixed(1)} s`;
}

export { ruleInfo };

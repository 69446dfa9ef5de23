/** One file through the analysis: read, prefilter, analyse, optionally fix. Runs in workers or in-process. */
import { FileAnalyzer, fixText } from '../index';
import type { AnalyzeOptions, Finding } from '../types';
import { mayUseDma, readSource, writeAtomic } from './files';
import { requiredTextPattern } from '../catalog';

export interface FileJob {
  path: string;
  /** Text given on stdin instead of the file on disk. */
  text?: string;
  displayPath?: string;
  severities: AnalyzeOptions['severities'];
  wrappers?: Record<string, string>;
  withFixes: boolean;
  fix: boolean;
  only?: string[];
  reportUnused?: boolean;
  /** Send the text back with the outcome (the text and HTML formats print source lines). */
  keepSource?: boolean;
}

export interface FileOutcome {
  path: string;
  findings: Finding[];
  /** Messages for stderr (skips, decoding notes, internal errors per function). */
  notes: string[];
  error?: string;
  skipped?: boolean;
  /** --fix: findings whose fixes were written, and the new text's remaining findings. */
  fixed?: { rule: string; line: number; title: string }[];
  source?: string;
  millis: number;
}


export function processFile(analyzer: FileAnalyzer, job: FileJob, keepSource = false): FileOutcome {
  const started = Date.now();
  const out: FileOutcome = { path: job.displayPath ?? job.path, findings: [], notes: [], millis: 0 };
  let text: string;
  let encoding: 'utf8' | 'latin1' = 'utf8';
  if (job.text !== undefined) text = job.text;
  else {
    const r = readSource(job.path);
    if (!r.ok) {
      if (r.skip) {
        out.skipped = true;
        out.notes.push(r.message);
      } else out.error = r.message;
      out.millis = Date.now() - started;
      return out;
    }
    text = r.file.text;
    encoding = r.file.encoding;
    if (encoding === 'latin1') out.notes.push(`${out.path}: not valid UTF-8; read as Latin-1 (columns count bytes)`);
  }
  // With --only, a file must mention a call the chosen rules are about (when they all name one).
  const pattern = (job.only && requiredTextPattern(job.only)) || undefined;
  if (!mayUseDma(text, Object.keys(job.wrappers ?? {}), pattern) && !(job.reportUnused && text.includes('dma-check:'))) {
    out.millis = Date.now() - started;
    return out;
  }
  const only = job.only ? new Set(job.only) : undefined;
  const options: AnalyzeOptions = { path: out.path, severities: job.severities, wrappers: job.wrappers, withFixes: job.withFixes || job.fix, reportUnusedSuppressions: job.reportUnused };
  try {
    let result = analyzer.analyze(text, options);
    for (const f of result.failures) out.notes.push(`${out.path}: internal error in ${f.functionName}(): ${f.error} (the rest of the file was analysed)`);
    if (job.fix) {
      const done = fixText(analyzer, text, options, only);
      out.fixed = done.applied.map((f) => ({ rule: f.rule, line: f.range.start.line + 1, title: f.fixes!.find((x) => x.isPreferred)!.title }));
      if (done.text !== text && job.text === undefined) writeAtomic(job.path, done.text, encoding);
      text = done.text;
      result = done.result;
    }
    out.findings = filterOnly(result.findings, only);
    if (keepSource) out.source = text;
  } catch (e) {
    out.error = `${out.path}: internal error: ${e instanceof Error ? e.message : String(e)}`;
  }
  out.millis = Date.now() - started;
  return out;
}

function filterOnly(findings: Finding[], only?: Set<string>): Finding[] {
  return only ? findings.filter((f) => only.has(f.rule)) : findings;
}

/**
 * What a rule family gets for one function, and how it reports. Rules never
 * build positions by hand: they report nodes, and fixes are thunks run only
 * when fixes were asked for.
 */
import type { Node } from '../parse';
import type { Finding, Fix, Range, RelatedLocation, Severity } from '../types';
import type { FunctionContext } from '../analysis/function';
import { findResources, traceLifecycle, type Lifecycle, type Step } from '../analysis/lifecycle';
import { ruleInfo } from './registry';
import { commentsAbove } from '../analysis/syntax';

export interface Report {
  rule: string;
  node: Node;
  message: string;
  /** Ordered path steps (acquisition, branches, exit). */
  steps?: Step[];
  related?: { node: Node; message: string }[];
  severity?: Severity;
  fix?: () => Fix[];
}

export class FunctionAnalysis {
  readonly findings: Finding[] = [];
  private lifecycleCache?: Lifecycle[];

  constructor(
    readonly fn: FunctionContext,
    readonly wantFixes: boolean,
  ) {}

  get lifecycles(): Lifecycle[] {
    if (!this.lifecycleCache) this.lifecycleCache = findResources(this.fn).map((r) => traceLifecycle(this.fn, r));
    return this.lifecycleCache;
  }

  range(node: Node): Range {
    return nodeRange(this.fn, node);
  }

  report(r: Report): void {
    const info = ruleInfo(r.rule);
    const related: RelatedLocation[] = [];
    const seen = new Set<string>();
    const add = (node: Node, message: string) => {
      const range = this.range(node);
      const key = `${range.start.line}:${range.start.character}:${message}`;
      if (seen.has(key)) return;
      seen.add(key);
      related.push({ range, message });
    };
    for (const s of r.steps ?? []) add(s.node, s.message);
    for (const s of r.related ?? []) add(s.node, s.message);
    const finding: Finding = {
      rule: r.rule,
      severity: r.severity ?? info?.severity ?? 'warning',
      range: this.range(r.node),
      message: r.message,
      related,
      functionLine: this.fn.node.startPosition.row + this.fn.lineOffset,
    };
    if (this.wantFixes && r.fix) {
      try {
        finding.fixes = r.fix();
      } catch {
        finding.fixes = [];
      }
    }
    this.findings.push(finding);
  }
}

export function nodeRange(fn: FunctionContext, node: Node): Range {
  const s = node.startPosition;
  const e = node.endPosition;
  return {
    start: { line: s.row + fn.lineOffset, character: s.column },
    end: { line: e.row + fn.lineOffset, character: e.column },
  };
}

/** `code` as a maintainer reads it in a message: whitespace collapsed, long text cut. */
export function code(node: Node | string, max = 60): string {
  const t = (typeof node === 'string' ? node : node.text).replace(/\s+/g, ' ').trim();
  return `\`${t.length > max ? `${t.slice(0, max - 3)}...` : t}\``;
}

/**
 * A comment just above the exit (or above the statement it sits in) that
 * says the buffer is left behind on purpose: "we leak the DMA buffer here ...
 * no choice since the controller could still complete the command".
 */
const LEFT_ON_PURPOSE = /\b(?:no choice|on purpose|deliberate(?:ly)?|intentional(?:ly)?|still (?:complete|write|use|own|access)|must not (?:be )?free|can(?:no|')t (?:be )?free)/i;

export function leftOnPurpose(exit: Node): boolean {
  return commentsAbove(exit).some((c) => /\bleak/i.test(c.text) && LEFT_ON_PURPOSE.test(c.text));
}


/** Plain data shared by the analysis core, the fixes and both front ends. */

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type SeveritySetting = Severity | 'off';

/** 0-based line, UTF-16 column (as web-tree-sitter and LSP count). */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  isPreferred: boolean;
  edits: TextEdit[];
}

export interface RelatedLocation {
  range: Range;
  message: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  range: Range;
  message: string;
  /** The path that explains the finding, in order: acquisition, branches, exit. */
  related: RelatedLocation[];
  /** Present only when fixes were asked for (see AnalyzeOptions.withFixes). */
  fixes?: Fix[];
  /** First line of the function the finding is in: fixes of one function are applied one at a time. */
  functionLine?: number;
}

export interface AnalyzeOptions {
  /** File path as the user knows it; some rules depend on the directory. */
  path?: string;
  /** Compute fix edits. Off on the keystroke path: fixes are built on request. */
  withFixes?: boolean;
  /** Per-rule severity overrides; `off` disables the rule. */
  severities?: Record<string, SeveritySetting>;
  /** Extra same-file or project wrapper functions treated as DMA API calls. */
  wrappers?: Record<string, string>;
  /** Report `dma-check: ignore` comments that suppress nothing (rule `unused-suppression`). */
  reportUnusedSuppressions?: boolean;
}

export interface AnalysisResult {
  findings: Finding[];
  /** Functions whose analysis threw; the rest of the file was still analysed. */
  failures: { functionName: string; error: string }[];
  stats: { functions: number; parsedFunctions: number };
}

/** The analysis core's public surface, used by the CLI, the server and the tests. */
export { FileAnalyzer, analyzeText, fixText, looksBinary, MAX_FILE_BYTES } from './analyze';
export { applyEdits, applyFixes, diffEdit } from './fixes/apply';
export { RULES, ruleInfo, isRuleId } from './rules/registry';
export { allApis, lookupApi, DMA_TEXT_PATTERN } from './catalog';
export { CParser, countErrorNodes, publicWalk } from './parse';
export { copyTree, NodePool } from './tree';
export { LineIndex, findFunctionSegments } from './text';
export type * from './types';
export { ANALYSIS_V8_FLAGS, MANY_ANALYSES_V8_FLAGS, tuneV8ForAnalysis } from './v8flags';
export { CallGraph, scanCallees, scanTextFacts } from './analysis/file';

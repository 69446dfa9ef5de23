/**
 * What the rules know about one function: its signature, locals, error
 * variable, indentation, control flow and the DMA calls in it.
 */
import type { Node } from '../parse';
import { lookupApi, type ApiEntry } from '../catalog';
import { buildCfg, type Cfg } from './cfg';
import { callArgs, callName, exprKey, stripParens, walk } from './syntax';
import type { FileFacts } from './file';
import type { LineIndex } from '../text';

export interface VarInfo {
  name: string;
  type: string;
  isPointer: boolean;
  isArray: boolean;
  isStatic: boolean;
  isParam: boolean;
  node: Node;
  /** The initializer, for locals declared with one. */
  init?: Node;
}

export type ReturnKind = 'void' | 'pointer' | 'int' | 'other';

export interface DmaCall {
  node: Node;
  name: string;
  api: ApiEntry;
  args: Node[];
  /** Set when the callee is a same-file wrapper rather than the API itself. */
  wrapper?: boolean;
}

export interface FunctionContext {
  name: string;
  node: Node;
  body: Node;
  /** The segment's first line in the file: node rows are relative to it. */
  lineOffset: number;
  /** The parsed text (node rows index its lines). */
  source: LineIndex;
  returnKind: ReturnKind;
  /** The declared return type as written (`int`, `netdev_tx_t`, …). */
  returnType: string;
  vars: Map<string, VarInfo>;
  errorVar?: string;
  /** One indentation step as the function writes it (`\t`, 4 or 8 spaces). */
  indentUnit: string;
  cfg: Cfg;
  dmaCalls: DmaCall[];
  /** Every call by name (for context checks such as locks and sleeping calls). */
  calls: Node[];
  /** Local pointers set to `&X` once: their `p->f` is `X.f`. */
  pointerAliases: Map<string, string>;
  facts: FileFacts;
  path: string;
  /** The CFG node whose statement or condition contains a node. */
  cfgNodeOf(node: Node): number | undefined;
}

const INT_TYPES = /^(?:(?:unsigned|signed|long|short|const)\s+)*(?:int|long|ssize_t|s8|s16|s32|s64|int32_t|irqreturn_t|blk_status_t|netdev_tx_t|vm_fault_t)\b/;
const ERROR_VAR_NAMES = ['ret', 'err', 'rc', 'error', 'retval', 'status', 'rv', 'r', 'res', 'result'];

export function buildFunctionContext(fn: Node, source: LineIndex, lineOffset: number, facts: FileFacts, path: string): FunctionContext | undefined {
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  const declarator = fn.childForFieldName('declarator');
  const name = functionName(declarator) ?? '';
  const vars = new Map<string, VarInfo>();
  const returnKind = computeReturnKind(fn, declarator);
  collectParams(declarator, vars);
  collectLocals(body, vars);
  const cfg = buildCfg(body);
  const calls: Node[] = body.descendantsOfType('call_expression');
  const dmaCalls: DmaCall[] = [];
  for (const call of calls) {
    const callee = callName(call);
    if (!callee) continue;
    const api = lookupApi(callee);
    if (api) dmaCalls.push({ node: call, name: callee, api, args: callArgs(call) });
    else {
      const w = facts.wrappers.get(callee);
      if (w) dmaCalls.push({ node: call, name: callee, api: w, args: callArgs(call), wrapper: true });
    }
  }
  const ctx: FunctionContext = {
    name,
    node: fn,
    body,
    lineOffset,
    source,
    returnKind,
    returnType: fn.childForFieldName('type')?.text ?? '',
    vars,
    indentUnit: detectIndentUnit(body),
    cfg,
    dmaCalls,
    calls,
    pointerAliases: collectPointerAliases(body, vars),
    facts,
    path,
    cfgNodeOf: statementIndex(cfg),
  };
  ctx.errorVar = detectErrorVar(body, vars);
  return ctx;
}

function functionName(declarator: Node | null): string | undefined {
  let d = declarator;
  while (d) {
    if (d.type === 'function_declarator') {
      const inner = d.childForFieldName('declarator');
      if (inner?.type === 'identifier') return inner.text;
      d = inner;
      continue;
    }
    if (d.type === 'identifier') return d.text;
    d = d.childForFieldName('declarator');
  }
  return undefined;
}

function computeReturnKind(fn: Node, declarator: Node | null): ReturnKind {
  if (declarator?.type === 'pointer_declarator') return 'pointer';
  const type = fn.childForFieldName('type')?.text ?? '';
  if (type === 'void') return 'void';
  if (INT_TYPES.test(type) || type === 'bool') return 'int';
  return 'other';
}

function declaratorInfo(d: Node | null): { name: string; isPointer: boolean; isArray: boolean; init?: Node } | undefined {
  let isPointer = false;
  let isArray = false;
  let init: Node | undefined;
  let n = d;
  while (n) {
    switch (n.type) {
      case 'identifier':
        return { name: n.text, isPointer, isArray, init };
      case 'init_declarator':
        init = n.childForFieldName('value') ?? undefined;
        n = n.childForFieldName('declarator');
        break;
      case 'pointer_declarator':
        isPointer = true;
        n = n.childForFieldName('declarator');
        break;
      case 'array_declarator':
        isArray = true;
        n = n.childForFieldName('declarator');
        break;
      case 'parenthesized_declarator':
        n = n.namedChild(0);
        break;
      case 'attributed_declarator':
        n = n.namedChild(0);
        break;
      default:
        return undefined;
    }
  }
  return undefined;
}

function collectParams(declarator: Node | null, vars: Map<string, VarInfo>): void {
  let d = declarator;
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  const params = d?.childForFieldName('parameters');
  if (!params) return;
  for (const p of params.namedChildren) {
    if (!p || p.type !== 'parameter_declaration') continue;
    const info = declaratorInfo(p.childForFieldName('declarator'));
    if (!info) continue;
    vars.set(info.name, {
      name: info.name,
      type: p.childForFieldName('type')?.text ?? '',
      isPointer: info.isPointer,
      isArray: info.isArray,
      isStatic: false,
      isParam: true,
      node: p,
    });
  }
}

function collectLocals(body: Node, vars: Map<string, VarInfo>): void {
  for (const decl of body.descendantsOfType('declaration')) {
    const type = decl.childForFieldName('type')?.text ?? '';
    const isStatic = decl.namedChildren.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static');
    for (const d of decl.childrenForFieldName('declarator')) {
      const info = declaratorInfo(d);
      if (!info) continue;
      vars.set(info.name, { name: info.name, type, isPointer: info.isPointer, isArray: info.isArray, isStatic, isParam: false, node: decl, init: info.init });
    }
  }
}

function collectPointerAliases(body: Node, vars: Map<string, VarInfo>): Map<string, string> {
  const assigned = new Map<string, string[]>();
  const note = (name: string, value: Node) => {
    const v = stripParens(value);
    const list = assigned.get(name) ?? [];
    list.push(v.type === 'pointer_expression' && v.child(0)?.text === '&' ? exprKey(v.childForFieldName('argument')!) : '');
    assigned.set(name, list);
  };
  for (const [name, v] of vars) if (v.init && v.isPointer) note(name, v.init);
  for (const a of body.descendantsOfType('assignment_expression')) {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type === 'identifier' && right && vars.get(left.text)?.isPointer) note(left.text, right);
  }
  const out = new Map<string, string>();
  for (const [name, targets] of assigned) {
    if (targets.length === 1 && targets[0]) out.set(name, targets[0]);
  }
  return out;
}

function detectIndentUnit(body: Node): string {
  const text = body.text;
  const m = /\n([ \t]+)\S/.exec(text);
  if (!m) return '\t';
  const ws = m[1];
  if (ws.includes('\t')) return '\t';
  return ws.length >= 8 ? ' '.repeat(8) : ws.length >= 4 ? ' '.repeat(4) : ws.length >= 2 ? ' '.repeat(2) : '\t';
}

/** The variable the function returns on its error paths (`ret`, `err`, `rc`, …). */
/**
 * A returned variable that is not named like an error variable counts as one
 * only if it is given a negative constant or a call's result somewhere, and is
 * never counted up or down (`refilled++` makes it a count, not a status).
 */
function holdsErrors(body: Node, name: string): boolean {
  let errorLike = false;
  for (const n of walk(body)) {
    if (n.type === 'update_expression' && n.childForFieldName('argument')?.text === name) return false;
    if (n.type !== 'assignment_expression' || n.childForFieldName('left')?.text !== name) continue;
    const op = n.child(1)?.text;
    if (op && op !== '=') return false;
    const right = n.childForFieldName('right');
    const v = right && stripParens(right);
    if (v && ((v.type === 'unary_expression' && v.child(0)?.text === '-') || v.type === 'call_expression')) errorLike = true;
  }
  return errorLike;
}

function detectErrorVar(body: Node, vars: Map<string, VarInfo>): string | undefined {
  const counts = new Map<string, number>();
  for (const r of body.descendantsOfType('return_statement')) {
    const e = r.namedChild(0);
    if (!e) continue;
    const v = stripParens(e);
    if (v.type !== 'identifier') continue;
    const info = vars.get(v.text);
    if (!info || info.isPointer || info.isParam) continue;
    if (!INT_TYPES.test(info.type)) continue;
    if (!ERROR_VAR_NAMES.includes(v.text) && !holdsErrors(body, v.text)) continue;
    counts.set(v.text, (counts.get(v.text) ?? 0) + 1);
  }
  if (counts.size === 0) {
    // A function that sets `ret = -E…` but returns through one label still has one.
    for (const n of ERROR_VAR_NAMES) {
      const info = vars.get(n);
      if (info && !info.isPointer && INT_TYPES.test(info.type)) {
        for (const node of walk(body)) {
          if (node.type === 'assignment_expression' && node.childForFieldName('left')?.text === n) return n;
        }
      }
    }
    return undefined;
  }
  let best: string | undefined;
  let bestCount = -1;
  for (const [name, c] of counts) {
    const bonus = ERROR_VAR_NAMES.includes(name) ? 0.5 : 0;
    if (c + bonus > bestCount) {
      best = name;
      bestCount = c + bonus;
    }
  }
  return best;
}

/** Row of a node in the file. */
export function fileLine(ctx: FunctionContext, node: Node): number {
  return node.startPosition.row + ctx.lineOffset;
}

function statementIndex(cfg: Cfg): (n: Node) => number | undefined {
  /** By AST node id (ids run from 1 to the tree's number of nodes): 1 + the first CFG node of that statement, 0 for none. Made on first use. */
  let byAst: Int32Array | undefined;
  return (n: Node) => {
    if (!byAst) {
      byAst = new Int32Array(n.documentNodes.length + 1);
      for (const c of cfg.nodes) {
        if (!c.ast || c.kind === 'label' || byAst[c.ast.id] !== 0) continue;
        byAst[c.ast.id] = c.id + 1;
      }
    }
    for (let cur: Node | null = n; cur; cur = cur.parent) {
      const hit = byAst[cur.id];
      if (hit) return hit - 1;
    }
    return undefined;
  };
}

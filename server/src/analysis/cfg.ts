/**
 * Per-function control flow, built from the tree-sitter tree.
 *
 * Nodes are whole statements (`stmt`, `return`, `goto`), branch points
 * (`cond`: successor 0 is the true edge, 1 the false edge; `fork`: any
 * successor, for switch and `#ifdef`), and label markers. ERROR nodes are
 * treated as blocks of whatever statements parsed inside them, so a function
 * with a macro tree-sitter cannot read is still analysed around it.
 */
import type { Node } from '../parse';
import { callName, stripParens } from './syntax';

export type CfgKind = 'entry' | 'exit' | 'stmt' | 'cond' | 'fork' | 'return' | 'goto' | 'label';

export interface CfgNode {
  id: number;
  kind: CfgKind;
  /** The statement, or for `cond` the condition expression. */
  ast?: Node;
  succ: number[];
  /** Label name for `goto` and `label` nodes. */
  label?: string;
  /** For `cond`: the loop it heads, if any (loop exits are not error branches). */
  loop?: boolean;
}

export interface Cfg {
  nodes: CfgNode[];
  entry: number;
  exit: number;
  labels: Map<string, number>;
}

interface Targets {
  breakTo?: number;
  continueTo?: number;
}

const LOOP_MACRO = /(^|_)(for_each|foreach)(_|$)|^list_for_each|^hlist_for_each|^for_each_|_for_each_/;

class Builder {
  nodes: CfgNode[] = [];
  labels = new Map<string, number>();
  gotos: CfgNode[] = [];
  exit: number;

  constructor() {
    this.exit = this.add('exit').id;
  }

  add(kind: CfgKind, ast?: Node, succ: number[] = []): CfgNode {
    const n: CfgNode = { id: this.nodes.length, kind, ast, succ };
    this.nodes.push(n);
    return n;
  }

  /** Builds `stmts` in sequence, continuing to `next`; returns the entry id. */
  sequence(stmts: Node[], next: number, t: Targets): number {
    let entry = next;
    for (let i = stmts.length - 1; i >= 0; i--) {
      const s = stmts[i];
      // `for_each_sg(sgl, sg, n, i) { ... }` parses as a call statement with a
      // missing semicolon followed by the body: the next statement is a loop body.
      if (i > 0 && isLoopMacroStatement(stmts[i - 1])) {
        const head = this.add('cond', stmts[i - 1]);
        head.loop = true;
        const body = this.build(s, head.id, { breakTo: entry, continueTo: head.id });
        head.succ = [body, entry];
        entry = head.id;
        i--;
        continue;
      }
      entry = this.build(s, entry, t);
    }
    return entry;
  }

  build(s: Node, next: number, t: Targets): number {
    switch (s.type) {
      case 'compound_statement':
      case 'ERROR':
      case 'translation_unit':
        return this.sequence(statementChildren(s), next, t);
      case 'if_statement': {
        const cond = s.childForFieldName('condition');
        const cons = s.childForFieldName('consequence');
        const alt = s.childForFieldName('alternative');
        const n = this.add('cond', cond ? unwrapCondition(cond) : undefined);
        const thenEntry = cons ? this.build(cons, next, t) : next;
        let elseEntry = next;
        if (alt) {
          const inner = alt.type === 'else_clause' ? alt.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') : [alt];
          elseEntry = this.sequence(inner, next, t);
        }
        n.succ = [thenEntry, elseEntry];
        return n.id;
      }
      case 'while_statement':
        return this.conditionLoop(s, next).head;
      case 'do_statement':
        // The body runs first, then the condition decides.
        return this.conditionLoop(s, next).bodyEntry;
      case 'for_statement': {
        const init = s.childForFieldName('initializer');
        const cond = s.childForFieldName('condition');
        const update = s.childForFieldName('update');
        const body = s.childForFieldName('body');
        const head = this.add('cond', cond ?? undefined);
        head.loop = true;
        let back = head.id;
        if (update) back = this.add('stmt', update, [head.id]).id;
        const bodyEntry = body ? this.build(body, back, { breakTo: next, continueTo: back }) : back;
        // `for (;;)`: the body always runs; only a break or a jump leaves.
        head.succ = cond ? [bodyEntry, next] : [bodyEntry];
        if (init) return this.add('stmt', init, [head.id]).id;
        return head.id;
      }
      case 'switch_statement': {
        const value = s.childForFieldName('condition');
        const body = s.childForFieldName('body');
        const fork = this.add('fork', value ?? undefined);
        const cases = body ? statementChildren(body) : [];
        let fall = next;
        let hasDefault = false;
        const entries: number[] = [];
        const inner: Targets = { breakTo: next, continueTo: t.continueTo };
        for (let i = cases.length - 1; i >= 0; i--) {
          const c = cases[i];
          if (c.type === 'case_statement') {
            if (!c.childForFieldName('value')) hasDefault = true;
            const stmts = c.namedChildren.filter((x): x is Node => !!x && x.type !== 'comment' && x.id !== c.childForFieldName('value')?.id);
            fall = this.sequence(stmts, fall, inner);
            entries.unshift(fall);
          } else {
            fall = this.build(c, fall, inner);
          }
        }
        fork.succ = hasDefault ? entries : [...entries, next];
        return fork.id;
      }
      case 'case_statement': {
        const stmts = s.namedChildren.filter((x): x is Node => !!x && x.type !== 'comment' && x.id !== s.childForFieldName('value')?.id);
        return this.sequence(stmts, next, t);
      }
      case 'return_statement':
        return this.add('return', s, [this.exit]).id;
      case 'goto_statement': {
        const n = this.add('goto', s);
        n.label = s.childForFieldName('label')?.text ?? '';
        this.gotos.push(n);
        return n.id;
      }
      case 'labeled_statement': {
        const name = s.childForFieldName('label')?.text ?? '';
        const inner = statementChildren(s).filter((c) => c.type !== 'statement_identifier');
        const n = this.add('label', s);
        n.label = name;
        n.succ = [this.sequence(inner, next, t)];
        this.labels.set(name, n.id);
        return n.id;
      }
      case 'break_statement':
        return this.add('stmt', s, [t.breakTo ?? next]).id;
      case 'continue_statement':
        return this.add('stmt', s, [t.continueTo ?? next]).id;
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef':
      case 'preproc_else': {
        const alt = s.childForFieldName('alternative');
        const skip = new Set([alt?.id, s.childForFieldName('condition')?.id, s.childForFieldName('name')?.id]);
        const body = statementChildren(s).filter((c) => !skip.has(c.id));
        const fork = this.add('fork', s);
        const first = this.sequence(body, next, t);
        const second = alt ? this.build(alt, next, t) : next;
        fork.succ = [first, second];
        return fork.id;
      }
      case 'attributed_statement': {
        const inner = statementChildren(s).filter((c) => c.type !== 'attribute_declaration');
        return this.sequence(inner, next, t);
      }
      case 'comment':
      case 'preproc_include':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_call':
      case ';':
        return next;
      default:
        if (isExpressionStatementLike(s) && isNoReturnCall(s)) return this.add('stmt', s, [this.exit]).id;
        return this.add('stmt', s, [next]).id;
    }
  }

  /** A loop headed by its condition: true enters the body, false leaves; the body returns to the head. */
  private conditionLoop(s: Node, next: number): { head: number; bodyEntry: number } {
    const cond = s.childForFieldName('condition');
    const n = this.add('cond', cond ? unwrapCondition(cond) : undefined);
    n.loop = true;
    const body = s.childForFieldName('body');
    const bodyEntry = body ? this.build(body, n.id, { breakTo: next, continueTo: n.id }) : n.id;
    n.succ = [bodyEntry, next];
    return { head: n.id, bodyEntry };
  }

  finish(entry: number): Cfg {
    for (const g of this.gotos) {
      const target = this.labels.get(g.label ?? '');
      g.succ = [target ?? this.exit];
    }
    const e = this.add('entry', undefined, [entry]);
    return { nodes: this.nodes, entry: e.id, exit: this.exit, labels: this.labels };
  }
}

function statementChildren(node: Node): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < node.namedChildCount; i++) {
    const c = node.namedChild(i)!;
    if (c.type === 'comment') continue;
    out.push(c);
  }
  return out;
}

function unwrapCondition(cond: Node): Node {
  if (cond.type === 'parenthesized_expression' && cond.namedChildCount === 1) return cond.namedChild(0)!;
  return cond;
}

function isExpressionStatementLike(s: Node): boolean {
  return s.type === 'expression_statement';
}

const NO_RETURN = new Set(['BUG', 'panic', 'do_exit', 'kthread_complete_and_exit']);

function isNoReturnCall(s: Node): boolean {
  const e = s.namedChild(0);
  return !!e && e.type === 'call_expression' && NO_RETURN.has(callName(e));
}

function isLoopMacroStatement(s: Node): boolean {
  if (s.type !== 'expression_statement') return false;
  const e = s.namedChild(0);
  if (!e) return false;
  const call = stripParens(e);
  if (call.type !== 'call_expression') return false;
  const last = s.child(s.childCount - 1);
  const missingSemi = !last || last.isMissing || last.type !== ';';
  return missingSemi && LOOP_MACRO.test(callName(call));
}

export function buildCfg(body: Node): Cfg {
  const b = new Builder();
  const entry = b.build(body, b.exit, {});
  return b.finish(entry);
}

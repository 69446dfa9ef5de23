/** Small helpers over tree-sitter-c nodes. */
import type { Node } from '../parse';

export function stripParens(node: Node): Node {
  let n = node;
  for (;;) {
    if (n.type === 'parenthesized_expression' && n.namedChildCount === 1) n = n.namedChild(0)!;
    else if (n.type === 'cast_expression' && n.childForFieldName('value')) n = n.childForFieldName('value')!;
    else return n;
  }
}

/** The called function's name for `f(...)`, or '' for calls through pointers. */
export function callName(call: Node): string {
  const fn = call.childForFieldName('function');
  if (!fn) return '';
  return fn.type === 'identifier' ? fn.text : '';
}

export function callArgs(call: Node): Node[] {
  const list = call.childForFieldName('arguments');
  if (!list) return [];
  const out: Node[] = [];
  for (let i = 0; i < list.namedChildCount; i++) {
    const c = list.namedChild(i)!;
    if (c.type !== 'comment') out.push(c);
  }
  return out;
}

/**
 * The normalised text of an l-value or handle expression, used as the key of
 * a resource: whitespace and parentheses dropped, casts removed, variable
 * array subscripts collapsed to `[]` so `priv->ring[i]` and `priv->ring[j]` meet.
 */
export function exprKey(node: Node): string {
  const n = stripParens(node);
  switch (n.type) {
    case 'identifier':
    case 'field_identifier':
      return n.text;
    case 'field_expression': {
      const arg = n.childForFieldName('argument');
      const field = n.childForFieldName('field');
      const op = n.child(1)?.text === '.' ? '.' : '->';
      return `${arg ? exprKey(arg) : '?'}${op}${field?.text ?? '?'}`;
    }
    case 'subscript_expression': {
      // Constant indices stay distinct (`bufs[0]`, `bufs[1]`); variable ones meet (`ring[i]`, `ring[j]`).
      const arg = n.childForFieldName('argument');
      const index = n.childForFieldName('index');
      const literal = index && index.type === 'number_literal' ? index.text : '';
      return `${arg ? exprKey(arg) : '?'}[${literal}]`;
    }
    case 'pointer_expression': {
      const arg = n.childForFieldName('argument');
      const op = n.child(0)?.text ?? '';
      return `${op}${arg ? exprKey(arg) : '?'}`;
    }
    default:
      return n.text.replace(/\s+/g, '');
  }
}

/** `&x` → the node of `x`, else undefined. */
export function addressOf(node: Node): Node | undefined {
  const n = stripParens(node);
  if (n.type === 'pointer_expression' && n.child(0)?.text === '&') return n.childForFieldName('argument') ?? undefined;
  return undefined;
}

/** The last member or variable name of an expression: `priv->rx_ring[i]` → `rx_ring`. */
export function lastName(node: Node): string {
  const n = stripParens(node);
  if (n.type === 'identifier') return n.text;
  if (n.type === 'field_expression') return n.childForFieldName('field')?.text ?? '';
  if (n.type === 'subscript_expression' || n.type === 'pointer_expression') {
    const arg = n.childForFieldName('argument');
    return arg ? lastName(arg) : '';
  }
  // `sg_dma_address(&ctl->sg)`: an accessor names the field it reads.
  if (n.type === 'call_expression' && callName(n) === 'sg_dma_address') {
    const a = callArgs(n);
    return a.length === 1 ? lastName(a[0]) : '';
  }
  return '';
}

/** Does the key name a struct member (stored beyond the function)? */
export function isFieldKey(key: string): boolean {
  return key.includes('->') || key.includes('.') || key.startsWith('*');
}

/** All descendants (including `node`) in document order. */
export function walk(node: Node): Node[] {
  return node.subtree();
}

export function isNullLiteral(node: Node): boolean {
  const n = stripParens(node);
  return n.type === 'null' || (n.type === 'identifier' && n.text === 'NULL') || (n.type === 'number_literal' && n.text === '0');
}

export function isZeroLiteral(node: Node): boolean {
  const n = stripParens(node);
  return n.type === 'number_literal' && /^0+[uUlL]*$/.test(n.text);
}

/**
 * The comments written just above a statement or above any statement that
 * encloses it, up to the function: at most three per level, nearest first.
 */
export function commentsAbove(stmt: Node): Node[] {
  const out: Node[] = [];
  for (let s: Node | null = stmt; s && s.type !== 'function_definition'; s = s.parent) {
    let prev = s.previousNamedSibling;
    for (let seen = 0; prev && prev.type === 'comment' && seen < 3; seen++, prev = prev.previousNamedSibling) out.push(prev);
  }
  return out;
}

/** Types as wide as a `dma_addr_t`: a cast to one of them keeps a DMA address whole. */
export const WIDE_TYPE = /^(?:dma_addr_t|u64|__u64|uint64_t|unsigned\s+long\s+long|phys_addr_t)$/;

/**
 * A cast: `(u64)h`, or `(dma_addr_t)*buf` as tree-sitter reads it when the
 * type is a typedef it does not know (a parenthesised name times `buf`).
 * The type's text, the operand, and whether the operand is dereferenced
 * (the second form: `*operand` is the cast's value).
 */
export function castOf(n: Node): { type: string; operand: Node; deref: boolean } | undefined {
  const s = stripParens(n);
  if (s.type === 'cast_expression') {
    const type = s.childForFieldName('type');
    const value = s.childForFieldName('value');
    return type && value ? { type: type.text.trim(), operand: value, deref: false } : undefined;
  }
  if (s.type === 'binary_expression' && s.child(1)?.text === '*') {
    const left = s.childForFieldName('left');
    const right = s.childForFieldName('right');
    const type = left?.type === 'parenthesized_expression' ? left.text.slice(1, -1).trim() : '';
    return right && /^[A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)*$/.test(type) ? { type, operand: right, deref: true } : undefined;
  }
  return undefined;
}

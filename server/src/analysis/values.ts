/**
 * Comparing the values of size and count expressions without running the
 * code: integer constants (with the file's own #defines) and copies through
 * simple assignments. Used where a rule must be sure two sizes differ.
 */
import type { Node } from '../parse';
import type { FunctionContext } from './function';
import { stripParens, walk } from './syntax';

/** Evaluates integer literals and #defined names with + - * << >> and parentheses. */
export function constantValue(text: string, defines?: ReadonlyMap<string, string>, depth = 0): number | undefined {
  const tokens = text.replace(/\s+/g, '').match(/0[xX][0-9a-fA-F]+|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|[-+*()]|./g) ?? [];
  let i = 0;
  const atom = (): number | undefined => {
    const t = tokens[i++];
    if (t === undefined) return undefined;
    if (t === '(') {
      const v = sum();
      return tokens[i++] === ')' ? v : undefined;
    }
    if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16);
    if (/^\d/.test(t)) return parseInt(t, 10);
    if (/^[A-Za-z_]/.test(t) && defines && depth < 8) {
      const d = defines.get(t);
      return d === undefined ? undefined : constantValue(d, defines, depth + 1);
    }
    return undefined;
  };
  const product = (): number | undefined => {
    let v = atom();
    while (v !== undefined && (tokens[i] === '*' || tokens[i] === '<<' || tokens[i] === '>>')) {
      const op = tokens[i++];
      const w = atom();
      if (w === undefined) return undefined;
      v = op === '*' ? v * w : op === '<<' ? v * 2 ** w : Math.floor(v / 2 ** w);
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (v !== undefined && (tokens[i] === '+' || tokens[i] === '-')) {
      const op = tokens[i++];
      const w = product();
      if (w === undefined) return undefined;
      v = op === '+' ? v + w : v - w;
    }
    return v;
  };
  const v = sum();
  return v !== undefined && i === tokens.length ? v : undefined;
}

const norm = (t: string) => t.replace(/\s+/g, '').replace(/->/g, '.');

/** Values copied between names in the function: `len = skb->len;` makes `len` and `skb.len` one value. */
function copies(fn: FunctionContext): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      const s = out.get(x) ?? new Set<string>();
      s.add(y);
      out.set(x, s);
    }
  };
  for (const n of walk(fn.body)) {
    if (n.type === 'assignment_expression' && n.child(1)?.text === '=') {
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      if (l && r) link(norm(l.text), norm(stripParens(r).text));
    } else if (n.type === 'init_declarator') {
      const d = n.childForFieldName('declarator');
      const v = n.childForFieldName('value');
      if (d && v && d.type === 'identifier') link(d.text, norm(stripParens(v).text));
    }
  }
  return out;
}

const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Do two size expressions certainly differ? Only when neither can be the
 * other through a copy, and the difference is not just two variable names.
 */
export function sizesDiffer(fn: FunctionContext, a: Node, b: Node): boolean {
  const x = norm(stripParens(a).text);
  const y = norm(stripParens(b).text);
  if (x === y) return false;
  if (/dma_unmap_len|dma_unmap_addr/.test(x + y)) return false;
  // `sizeof(*p)` and `sizeof(struct foo)` may well be the same size.
  const sizeofShape = (t: string) => t.replace(/sizeof\((?:[^()]|\([^()]*\))*\)/g, 'sizeof()');
  if (sizeofShape(x) === sizeofShape(y)) return false;
  const defines = fn.facts.defines;
  const vx = constantValue(x, defines);
  const vy = constantValue(y, defines);
  if (vx !== undefined && vy !== undefined) return vx !== vy;
  // `alloc_len = PAGE_ALIGN(len)`: one name is a transform of the other, not a copy.
  if (transformedFrom(fn, x, y) || transformedFrom(fn, y, x)) return true;
  if (PLAIN_NAME.test(x) && PLAIN_NAME.test(y)) return false;
  const c = copies(fn);
  const reach = (from: string) => {
    const seen = new Set([from]);
    const stack = [from];
    while (stack.length) for (const n of c.get(stack.pop()!) ?? []) if (!seen.has(n)) (seen.add(n), stack.push(n));
    return seen;
  };
  if (reach(x).has(y)) return false;
  // A variable assigned from something unknown may hold the other value.
  if ((PLAIN_NAME.test(x) && !isConstantLike(y, defines)) || (PLAIN_NAME.test(y) && !isConstantLike(x, defines))) return false;
  return true;
}

/** Is every value given to `name` an expression of `other` that is not `other` itself? */
function transformedFrom(fn: FunctionContext, name: string, other: string): boolean {
  if (!PLAIN_NAME.test(name) || !PLAIN_NAME.test(other)) return false;
  const values: Node[] = [];
  const v = fn.vars.get(name);
  if (v?.init) values.push(v.init);
  for (const n of fn.body.descendantsOfType('assignment_expression')) {
    if (n.childForFieldName('left')?.text === name) values.push(n.childForFieldName('right')!);
  }
  if (!values.length) return false;
  return values.every((val) => {
    const s = stripParens(val);
    if (s.type === 'identifier') return false;
    return s.descendantsOfType('identifier').some((id) => id.text === other);
  });
}

export function isConstantLike(t: string, defines?: ReadonlyMap<string, string>): boolean {
  return constantValue(t, defines) !== undefined || /^[A-Z][A-Z0-9_]*$/.test(t) || /^sizeof\(/.test(t) || t === 'PAGE_SIZE';
}

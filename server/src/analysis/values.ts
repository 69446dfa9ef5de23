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
 * Do two size expressions certainly differ? A size finding is only worth
 * making when the difference is beyond doubt, so this answers yes only for:
 * two constants that differ (with the file's #defines and the sizes of the
 * fixed-width types); a plain variable against a constant; one size that is
 * the other plus more (`IV` and `IV + reqctx->b0_len`) or a multiple of it
 * (`sizeof(*d)` and `count * sizeof(*d)`); and a name that is only ever
 * given a transform of the other (`alloc_len = PAGE_ALIGN(len)`). Names
 * joined by an assignment in the function count as one value, and a name
 * assigned a constant there counts as that constant. Two unrelated
 * expressions (`skb_headlen(skb)` and `skb->len`, a field set by a callee)
 * may well be equal, so they are not reported.
 */
export function sizesDiffer(fn: FunctionContext, a: Node, b: Node): boolean {
  const x = norm(stripParens(a).text);
  const y = norm(stripParens(b).text);
  if (x === y) return false;
  if (/dma_unmap_len|dma_unmap_addr/.test(x + y)) return false;
  if (transformedFrom(fn, x, y) || transformedFrom(fn, y, x)) return true;
  const value = valueOf(fn);
  const pa = value(a);
  const pb = value(b);
  if (!pa || !pb) return false;
  const diff = subtract(pa, pb);
  if (!diff.size) return false;
  if (diff.size === 1 && diff.has('')) return true;
  if (pageSizeOnly(diff)) return pageSizeNonZero(diff);
  const plainVsConstant = (p: Poly, q: Poly) => isSingleAtom(p) && PLAIN_NAME.test([...p.keys()][0]) && isPageConstant(q);
  if (plainVsConstant(pa, pb) || plainVsConstant(pb, pa)) return true;
  const extends_ = (big: Poly, small: Poly) => small.size > 0 && [...small].every(([k, c]) => big.get(k) === c) && [...subtract(big, small)].every(([k, c]) => k !== '' && c > 0);
  if (extends_(pa, pb) || extends_(pb, pa)) return true;
  const multiple = (big: Poly, small: Poly) => {
    for (const atom of atomsOf(big)) if (equalPoly(big, multiply(small, new Map([[atom, 1]])))) return true;
    return false;
  };
  return multiple(pa, pb) || multiple(pb, pa);
}

/** A size as a polynomial over the atoms it is built from: monomial key (sorted atoms joined by `*`; `''` for the constant) → coefficient. */
type Poly = Map<string, number>;

const FIXED_SIZES: Record<string, number> = {
  u8: 1, s8: 1, char: 1, 'unsigned char': 1, __u8: 1,
  u16: 2, s16: 2, __le16: 2, __be16: 2, __u16: 2, short: 2,
  u32: 4, s32: 4, __le32: 4, __be32: 4, __u32: 4, int: 4, 'unsigned int': 4,
  u64: 8, s64: 8, __le64: 8, __be64: 8, __u64: 8, 'long long': 8, 'unsigned long long': 8,
};

function valueOf(fn: FunctionContext): (n: Node) => Poly | undefined {
  const defines = fn.facts.defines;
  let canon: Map<string, string | number> | undefined;
  const canonical = (t: string): string | number => {
    canon ??= copyClasses(fn);
    return canon.get(t) ?? t;
  };
  const atom = (t: string): Poly => {
    const c = canonical(t);
    return typeof c === 'number' ? constPoly(c) : new Map([[c, 1]]);
  };
  const go = (node: Node, depth: number): Poly | undefined => {
    if (depth > 40) return undefined;
    const n = stripParens(node);
    const text = norm(n.text);
    const k = constantValue(text, defines);
    if (k !== undefined) return constPoly(k);
    switch (n.type) {
      case 'cast_expression': {
        const v = n.childForFieldName('value');
        return v ? go(v, depth + 1) : undefined;
      }
      case 'unary_expression': {
        const arg = n.childForFieldName('argument');
        const op = n.child(0)?.text;
        if (!arg || (op !== '-' && op !== '+')) break;
        const v = go(arg, depth + 1);
        return v && op === '-' ? multiply(v, constPoly(-1)) : v;
      }
      case 'sizeof_expression': {
        const type = n.childForFieldName('type');
        const size = type ? FIXED_SIZES[type.text.replace(/\s+/g, ' ').trim()] : undefined;
        if (size !== undefined) return constPoly(size);
        break;
      }
      case 'binary_expression': {
        const op = n.child(1)?.text;
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (!l || !r || !op || !['+', '-', '*', '<<'].includes(op)) break;
        const pl = go(l, depth + 1);
        const pr = go(r, depth + 1);
        if (!pl || !pr) return undefined;
        if (op === '+') return add(pl, pr);
        if (op === '-') return subtract(pl, pr);
        if (op === '*') return multiply(pl, pr);
        const shift = pr.size === 1 ? pr.get('') : undefined;
        return shift !== undefined && shift >= 0 && shift < 53 ? multiply(pl, constPoly(2 ** shift)) : atom(text);
      }
    }
    return atom(text);
  };
  return (n) => go(n, 0);
}

/**
 * Names joined by plain assignments in the function, each mapped to one
 * representative of its class, or to the constant every member is given
 * when there is exactly one.
 */
function copyClasses(fn: FunctionContext): Map<string, string | number> {
  const links = copies(fn);
  const out = new Map<string, string | number>();
  for (const start of links.keys()) {
    if (out.has(start)) continue;
    const seen = new Set([start]);
    const stack = [start];
    while (stack.length) for (const n of links.get(stack.pop()!) ?? []) if (!seen.has(n)) (seen.add(n), stack.push(n));
    const constants = new Set<number>();
    let onlyNames = true;
    for (const t of seen) {
      const v = constantValue(t, fn.facts.defines);
      if (v !== undefined) constants.add(v);
      else if (!LVALUE.test(t)) onlyNames = false;
    }
    // `len = 0` on one path and `len = cpu_to_le16(sz)` on another: not a constant.
    const rep: string | number = constants.size === 1 && onlyNames ? [...constants][0] : [...seen].sort()[0];
    for (const t of seen) out.set(t, rep);
  }
  return out;
}

/** A name, a field or an element: `len`, `qp.irq_num_pages`, `ring[i].size` (after `norm`). */
const LVALUE = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\]]*\])*$/;

const constPoly = (k: number): Poly => (k === 0 ? new Map() : new Map([['', k]]));

function add(a: Poly, b: Poly, sign = 1): Poly {
  const out = new Map(a);
  for (const [k, c] of b) {
    const v = (out.get(k) ?? 0) + sign * c;
    if (v === 0) out.delete(k);
    else out.set(k, v);
  }
  return out;
}

const subtract = (a: Poly, b: Poly): Poly => add(a, b, -1);

function multiply(a: Poly, b: Poly): Poly {
  let out: Poly = new Map();
  for (const [ka, ca] of a) {
    for (const [kb, cb] of b) {
      const key = [...ka.split('*'), ...kb.split('*')].filter(Boolean).sort().join('*');
      out = add(out, new Map([[key, ca * cb]]));
    }
  }
  return out;
}

const equalPoly = (a: Poly, b: Poly) => subtract(a, b).size === 0;
const atomsOf = (p: Poly) => new Set([...p.keys()].flatMap((k) => k.split('*')).filter(Boolean));
const isSingleAtom = (p: Poly) => p.size === 1 && !p.has('') && p.values().next().value === 1 && !([...p.keys()][0].includes('*'));
/** A constant, or a constant multiple of PAGE_SIZE plus a constant. */
const isPageConstant = (p: Poly) => [...p.keys()].every((k) => k === '' || k === 'PAGE_SIZE');
const pageSizeOnly = (p: Poly) => p.has('PAGE_SIZE') && isPageConstant(p);

/** `c * PAGE_SIZE + k` is zero only if `-k / c` is a page size: a power of two of at least 4096. */
function pageSizeNonZero(p: Poly): boolean {
  const c = p.get('PAGE_SIZE') ?? 0;
  const k = p.get('') ?? 0;
  const page = -k / c;
  return !(Number.isInteger(page) && page >= 4096 && (page & (page - 1)) === 0);
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

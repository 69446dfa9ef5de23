/**
 * What other functions of the file need to know about one function: does it
 * wrap a map/alloc, test a mapping, release struct fields, store allocations.
 * Computed from the function alone, so it can be cached by its text.
 */
import type { Node } from '../parse';
import { ARGUMENT_POSITIONS, lookupApi, type ApiEntry } from '../catalog';
import type { FunctionSummary } from './file';
import { addressOf, callArgs, callName, exprKey, lastName, stripParens, walk } from './syntax';

const RELEASE_ROLES = new Set(['unmap', 'unmap-sg', 'unmap-sgtable', 'free', 'pool-free', 'pool-destroy']);
const ACQUIRE_ROLES = new Set(['map', 'map-sg', 'alloc', 'pool-create', 'pool-alloc']);

/** The summary of a function that does nothing the file facts record. */
export function emptySummary(name: string): FunctionSummary {
  return { name, wraps: undefined, checksMapping: undefined, releases: [], releaseScopeFields: [], storedParams: [], releaseMentions: [], releasedParams: [], allocates: [], fieldMaps: [], fieldStores: [] };
}

export function summarizeFunction(fn: Node, name: string): FunctionSummary {
  const summary = emptySummary(name);
  const body = fn.childForFieldName('body');
  if (!body) return summary;
  const params = parameterNames(fn);
  const order = parameterOrder(fn);
  const localsFromApi = new Map<string, Node>();
  // Locals also assigned the result of another call (`hdr = kmalloc(len, …)` as a fallback), with its name.
  const localsFromOther = new Map<string, string>();
  const releases = new Set<string>();
  const stores = new Set<string>();
  const mentions = new Set<string>();
  const nodes = body.documentNodes;
  for (let i = body.subtreeStart(), end = body.subtreeEnd(); i <= end; i++) {
    const n = nodes[i];
    if (n.type === 'call_expression') {
      const callee = callName(n);
      const api = lookupApi(callee);
      if (!api) continue;
      const args = callArgs(n);
      if (RELEASE_ROLES.has(api.role)) {
        const pos = api.role === 'unmap' ? api.handle : api.role === 'pool-destroy' ? api.pool : api.role === 'unmap-sg' || api.role === 'unmap-sgtable' ? api.buffer : api.cpu;
        const arg = pos !== undefined ? args[pos] : undefined;
        const last = arg ? lastName(arg) : '';
        if (last) releases.add(last);
        for (const a of args) for (const id of a.descendantsOfType(['identifier', 'field_identifier'])) mentions.add(id.text);
        for (const a of args) if (a.type === 'identifier') mentions.add(a.text);
        const passed = arg && stripParens(arg);
        const index = passed?.type === 'identifier' ? order.indexOf(passed.text) : -1;
        if (index >= 0 && !summary.releasedParams.some((p) => p.index === index)) summary.releasedParams.push({ index, role: api.role });
        if (api.handle !== undefined && args[api.handle]) {
          const h = lastName(args[api.handle]);
          if (h) releases.add(h);
        }
      } else if (api.role === 'mapping-error') {
        if (args.some((a) => [...walk(a)].some((x) => x.type === 'identifier' && params.has(x.text)))) summary.checksMapping = true;
      } else if (api.role === 'map-sgtable' && api.buffer !== undefined && api.direction !== undefined && args[api.buffer] && args[api.direction]) {
        const table = addressOf(args[api.buffer]) ?? args[api.buffer];
        if (stripParens(table).type === 'field_expression') summary.fieldMaps.push({ key: fieldKey(table), direction: args[api.direction].text.replace(/\s+/g, ''), line: n.startPosition.row });
      } else if (ACQUIRE_ROLES.has(api.role)) {
        const parent = stripParens(n).parent;
        if (parent?.type === 'assignment_expression') {
          const left = parent.childForFieldName('left');
          if (left && left.type === 'field_expression' && api.role === 'map' && api.direction !== undefined && args[api.direction]) {
            summary.fieldMaps.push({ key: fieldKey(left), direction: args[api.direction].text.replace(/\s+/g, ''), line: n.startPosition.row });
          }
          if (left && (left.type === 'field_expression' || left.type === 'subscript_expression')) {
            summary.allocates.push({
              field: lastName(left),
              api: callee,
              managed: !!api.managed,
              line: n.startPosition.row,
              character: n.startPosition.column,
              endCharacter: n.startPosition.row === n.endPosition.row ? n.endPosition.column : n.startPosition.column + callee.length,
            });
          } else if (left?.type === 'identifier') {
            localsFromApi.set(left.text, n);
          }
        } else if (parent?.type === 'init_declarator') {
          const d = parent.childForFieldName('declarator');
          const id = d && [...walk(d)].find((x) => x.type === 'identifier');
          if (id) localsFromApi.set(id.text, n);
        }
      }
    } else if (n.type === 'assignment_expression') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      const other = right ? otherCall(right) : undefined;
      if (left?.type === 'identifier' && other) localsFromOther.set(left.text, other);
      if (left?.type === 'field_expression' && right && storesOther(right)) stores.add(fieldKey(left));
      let value = right && stripParens(right);
      while (value?.type === 'cast_expression') value = stripParens(value.childForFieldName('value')!);
      if (left && (left.type === 'field_expression' || left.type === 'subscript_expression') && value?.type === 'identifier') {
        const index = order.indexOf(value.text);
        if (index >= 0 && !summary.storedParams.includes(index)) summary.storedParams.push(index);
      }
    } else if (n.type === 'return_statement') {
      const e = n.namedChild(0);
      if (!e) continue;
      const v = stripParens(e);
      const inner = v.type === 'call_expression' ? v : v.type === 'identifier' ? localsFromApi.get(v.text) : undefined;
      const api = inner && lookupApi(callName(inner));
      if (inner && api && ACQUIRE_ROLES.has(api.role) && !(v.type === 'identifier' && failsWithErrno(body, v.text))) {
        summary.wraps = wrapperEntry(api, callArgs(inner), order);
        const other = v.type === 'identifier' ? localsFromOther.get(v.text) : undefined;
        if (other !== undefined) summary.wraps.mixed = { release: FALLBACK_RELEASES.find(([re]) => re.test(other))?.[1] };
      }
    }
  }
  summary.releases = [...releases];
  summary.fieldStores = [...stores];
  if (releases.size) {
    // Fields whose value is copied (an initializer list, the right side of an assignment): a table the function frees from.
    const copied = [...body.descendantsOfType('initializer_list'), ...body.descendantsOfType('assignment_expression').map((a) => a.childForFieldName('right')).filter((r): r is Node => !!r)];
    summary.releaseScopeFields = [...new Set(copied.flatMap((n) => n.descendantsOfType('field_identifier').map((f) => f.text)))];
  }
  summary.releaseMentions = [...mentions];
  return summary;
}

/**
 * `if (sg_len == 0) return -EINVAL;` or `if (!p) return ERR_PTR(-ENOMEM);`:
 * the function turns a failed mapping or allocation into an errno, so its
 * callers test `< 0` or IS_ERR(), not 0 or NULL, and it is no plain wrapper.
 */
function failsWithErrno(body: Node, count: string): boolean {
  for (const st of body.descendantsOfType('if_statement')) {
    const cond = st.childForFieldName('condition');
    if (!cond || !cond.descendantsOfType('identifier').some((id) => id.text === count)) continue;
    const then = st.childForFieldName('consequence');
    for (const ret of then ? [then, ...then.descendantsOfType('return_statement')] : []) {
      if (ret.type !== 'return_statement') continue;
      const e = ret.namedChild(0);
      const v = e && stripParens(e);
      if (!v) continue;
      if ((v.type === 'unary_expression' && v.child(0)?.text === '-') || (v.type === 'number_literal' && v.text.startsWith('-'))) return true;
      if (v.type === 'call_expression' && ['ERR_PTR', 'ERR_CAST'].includes(callName(v))) return true;
    }
  }
  return false;
}

/** The name of a call that is not a DMA acquisition (`kmalloc(len, GFP_KERNEL)`), casts and parentheses aside. */
function otherCall(value: Node): string | undefined {
  let v = stripParens(value);
  while (v.type === 'cast_expression') v = stripParens(v.childForFieldName('value')!);
  if (v.type !== 'call_expression') return undefined;
  const name = callName(v);
  const api = lookupApi(name);
  return !api || !ACQUIRE_ROLES.has(api.role) ? name : undefined;
}

/** How memory from a wrapper's non-DMA fallback allocator is released. */
const FALLBACK_RELEASES: [RegExp, string][] = [
  [/^(kmalloc|kzalloc|kcalloc|kmalloc_array|kmemdup|krealloc)(_node)?$/, 'kfree'],
  [/^(vmalloc|vzalloc)$/, 'vfree'],
  [/^(kvmalloc|kvzalloc|kvcalloc|kvmalloc_array)(_node)?$/, 'kvfree'],
];

/** A value stored into a handle field that is not a fresh mapping or a reset. */
function storesOther(value: Node): boolean {
  let v = stripParens(value);
  while (v.type === 'cast_expression') v = stripParens(v.childForFieldName('value')!);
  if (v.type === 'number_literal' || v.text === 'NULL' || v.text === 'DMA_MAPPING_ERROR') return false;
  if (v.type === 'call_expression') {
    const api = lookupApi(callName(v));
    if (api && ACQUIRE_ROLES.has(api.role)) return false;
  }
  return true;
}

/** `priv->rx[i].dma` → `priv.rx[].dma`: a field handle as any function of the file spells it. */
export function fieldKey(node: Node): string {
  return exprKey(node).replace(/->/g, '.');
}

/**
 * The wrapped API as the wrapper's callers see it: an argument position
 * carries over only where the wrapper passes one of its own parameters
 * straight through (`alloc_ring(dev, nelem, elem_size, ...)` computes the
 * size, so its callers have no size argument to compare).
 */
function wrapperEntry(api: ApiEntry, innerArgs: Node[], order: string[]): ApiEntry {
  const entry: ApiEntry = { ...api };
  for (const key of ARGUMENT_POSITIONS) {
    const pos = api[key];
    if (pos === undefined) continue;
    const arg = innerArgs[pos] ? stripParens(innerArgs[pos]) : undefined;
    let index = arg && arg.type === 'identifier' ? order.indexOf(arg.text) : -1;
    if (index < 0 && arg && key === 'buffer') {
      // `skb_tail_pointer(skb)`: the buffer is still the caller's `skb`.
      const used = new Set(arg.descendantsOfType('identifier').map((id) => order.indexOf(id.text)).filter((i) => i >= 0));
      if (used.size === 1) index = [...used][0];
    }
    entry[key] = index >= 0 ? index : undefined;
  }
  return entry;
}

/** Parameter names in declaration order (`''` for an unnamed one). */
function parameterOrder(fn: Node): string[] {
  const decl = fn.childForFieldName('declarator');
  const list = decl?.descendantsOfType('parameter_list')[0];
  if (!list) return [];
  return list.namedChildren
    .filter((p) => p.type === 'parameter_declaration' || p.type === 'variadic_parameter')
    .map((p) => {
      const d = p.childForFieldName('declarator');
      const id = d && (d.type === 'identifier' ? d : d.descendantsOfType('identifier')[0]);
      return id?.text ?? '';
    });
}

function parameterNames(fn: Node): Set<string> {
  const out = new Set<string>();
  const decl = fn.childForFieldName('declarator');
  if (!decl) return out;
  for (const p of decl.descendantsOfType('parameter_declaration')) {
    for (const id of p.descendantsOfType('identifier')) out.add(id.text);
  }
  return out;
}

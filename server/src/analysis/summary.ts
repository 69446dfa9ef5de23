/**
 * What other functions of the file need to know about one function: does it
 * wrap a map/alloc, test a mapping, release struct fields, store allocations.
 * Computed from the function alone, so it can be cached by its text.
 */
import type { Node } from '../parse';
import { lookupApi, type ApiEntry } from '../catalog';
import type { FunctionSummary } from './file';
import { addressOf, callArgs, callName, exprKey, lastName, stripParens, walk } from './syntax';

const RELEASE_ROLES = new Set(['unmap', 'unmap-sg', 'unmap-sgtable', 'free', 'pool-free', 'pool-destroy']);
const ACQUIRE_ROLES = new Set(['map', 'map-sg', 'alloc', 'pool-create', 'pool-alloc']);

export function summarizeFunction(fn: Node, name: string): FunctionSummary {
  const summary: FunctionSummary = { name, releases: [], allocates: [], fieldMaps: [] };
  const body = fn.childForFieldName('body');
  if (!body) return summary;
  const params = parameterNames(fn);
  const localsFromApi = new Map<string, ApiEntry>();
  const releases = new Set<string>();
  for (const n of walk(body)) {
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
            localsFromApi.set(left.text, api);
          }
        } else if (parent?.type === 'init_declarator') {
          const d = parent.childForFieldName('declarator');
          const id = d && [...walk(d)].find((x) => x.type === 'identifier');
          if (id) localsFromApi.set(id.text, api);
        }
      }
    } else if (n.type === 'return_statement') {
      const e = n.namedChild(0);
      if (!e) continue;
      const v = stripParens(e);
      if (v.type === 'call_expression') {
        const api = lookupApi(callName(v));
        if (api && ACQUIRE_ROLES.has(api.role)) summary.wraps = api;
      } else if (v.type === 'identifier' && localsFromApi.has(v.text)) {
        summary.wraps = localsFromApi.get(v.text);
      }
    }
  }
  summary.releases = [...releases];
  return summary;
}

/** `priv->rx[i].dma` → `priv.rx[].dma`: a field handle as any function of the file spells it. */
export function fieldKey(node: Node): string {
  return exprKey(node).replace(/->/g, '.');
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

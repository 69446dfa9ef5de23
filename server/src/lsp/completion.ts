/**
 * Completion inside DMA API calls: directions in the direction argument, GFP
 * flags in the gfp argument, the function's dma_addr_t variables in the
 * handle argument. Found from the text before the cursor, without parsing.
 */
import { CompletionItemKind, type CompletionItem, type Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DIRECTIONS, GFP_FLAGS, lookupApi } from '../catalog';

const LOOKBACK = 4000;

/** The call the cursor is inside and the index of the argument it is in. */
export function enclosingCall(text: string, offset: number): { name: string; arg: number } | undefined {
  let depth = 0;
  let arg = 0;
  const stop = Math.max(0, offset - LOOKBACK);
  for (let i = offset - 1; i >= stop; i--) {
    const c = text[i];
    if (c === ')' || c === ']') depth++;
    else if (c === '[') depth--;
    else if (c === '(') {
      if (depth === 0) {
        const m = /([A-Za-z_]\w*)\s*$/.exec(text.slice(Math.max(0, i - 64), i));
        return m ? { name: m[1], arg } : undefined;
      }
      depth--;
    } else if (c === ',' && depth === 0) arg++;
    else if ((c === ';' || c === '{' || c === '}') && depth === 0) return undefined;
  }
  return undefined;
}

export function completionAt(doc: TextDocument, pos: Position): CompletionItem[] {
  const text = doc.getText();
  const offset = doc.offsetAt(pos);
  const call = enclosingCall(text, offset);
  if (!call) return [];
  const api = lookupApi(call.name);
  if (!api) return [];
  if (api.direction === call.arg) {
    return DIRECTIONS.filter((d) => d !== 'DMA_NONE').map((d, i) => ({ label: d, kind: CompletionItemKind.EnumMember, sortText: String(i), detail: 'enum dma_data_direction' }));
  }
  if (api.gfp === call.arg) {
    return GFP_FLAGS.map((g, i) => ({ label: g, kind: CompletionItemKind.Constant, sortText: String(i).padStart(2, '0'), detail: 'gfp_t' }));
  }
  if (api.handle === call.arg) {
    const outParam = api.role === 'alloc' || api.role === 'pool-alloc';
    return handlesInScope(text, offset).map((h) => ({
      label: outParam ? `&${h}` : h,
      kind: CompletionItemKind.Variable,
      detail: 'dma_addr_t',
      filterText: outParam ? `&${h}` : h,
    }));
  }
  return [];
}

/** dma_addr_t locals and parameters of the function around `offset`, and dma_addr_t fields reached through `->`. */
function handlesInScope(text: string, offset: number): string[] {
  let start = text.lastIndexOf('\n{', offset);
  if (start < 0) start = 0;
  const headerStart = Math.max(0, text.lastIndexOf('\n\n', start));
  const scope = text.slice(headerStart, offset);
  const names = new Set<string>();
  const decl = /\bdma_addr_t\s+((?:\*?\s*\w+\s*(?:=[^,;]*)?,\s*)*\*?\s*\w+)/g;
  let m: RegExpExecArray | null;
  while ((m = decl.exec(scope))) {
    for (const part of m[1].split(',')) {
      const name = /(\w+)\s*(?:=|$)/.exec(part.trim())?.[1];
      if (name) names.add(name);
    }
  }
  // Struct members named like handles that the function already uses.
  const member = /\b(\w+(?:->|\.)\w*(?:dma|_addr|handle|phys)\w*)\b/g;
  while ((m = member.exec(scope))) names.add(m[1]);
  return [...names];
}

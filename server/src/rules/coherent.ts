/**
 * Coherent, write-combined, non-coherent and pool allocations:
 * unchecked-alloc, free-missing-on-error, free-mismatch, managed-double-free,
 * adjusted-coherent-pointer, redundant-zeroing (and the allocation side of
 * size-mismatch).
 */
import type { Node } from '../parse';
import { ARGUMENT_POSITIONS, lookupApi, type ApiEntry } from '../catalog';
import type { Lifecycle, Release } from '../analysis/lifecycle';
import { keyOf, releaseName } from '../analysis/lifecycle';
import { callArgs, callName, isFieldKey, isZeroLiteral, lastName, stripParens } from '../analysis/syntax';
import { insertCheckFix, releaseOnErrorFix, releaseStatement } from '../fixes/unwind';
import { sizesDiffer } from '../analysis/values';
import { ambiguousHandle } from './streaming';
import { deleteStatement, replaceNode } from '../fixes/edits';
import { code, leftOnPurpose, type FunctionAnalysis } from './context';
import type { Fix, TextEdit } from '../types';

const ZEROING_ALLOCATORS = new Set(['dma_alloc_coherent', 'dma_alloc_attrs', 'dma_alloc_wc', 'dmam_alloc_coherent', 'dmam_alloc_attrs', 'dma_alloc_noncoherent']);

export function checkCoherent(a: FunctionAnalysis): void {
  for (const lc of a.lifecycles) {
    const r = lc.resource;
    if (r.kind !== 'alloc' && r.kind !== 'pool' && r.kind !== 'pool-alloc') continue;
    unchecked(a, lc);
    if (!r.managed) {
      for (const leak of lc.leaks) {
        if (leftOnPurpose(leak.exit)) continue;
        a.report({
          rule: 'free-missing-on-error',
          node: leak.exit,
          message: `${code(r.lhs ?? r.call.node)} from ${r.call.name}() is not released when this error path ${leak.exit.type === 'goto_statement' ? `jumps to ${code(leak.exit.childForFieldName('label') ?? leak.exit)}` : 'returns'}: the ${r.kind === 'pool' ? 'pool' : 'DMA memory'} leaks; release it with ${releaseName(r)}()`,
          steps: leak.steps,
          fix: ambiguousHandle(a, lc) ? undefined : () => releaseOnErrorFix(a.fn, a.lifecycles, lc, leak),
        });
      }
    }
    if (!ambiguousHandle(a, lc)) for (const rel of lc.releases) releases(a, lc, rel);
    adjusted(a, lc);
    zeroing(a, lc);
  }
  managedReleasedElsewhere(a);
}

function unchecked(a: FunctionAnalysis, lc: Lifecycle): void {
  const r = lc.resource;
  if (r.use === 'condition') return;
  if ((r.use === 'returned' || lc.returned) && !lc.uncheckedUse) return;
  const never = r.use === 'argument' || r.use === 'discarded' || !lc.checked;
  if (!never && !lc.uncheckedUse) return;
  if (!lc.uncheckedUse && r.use === 'stored' && !lc.checked && !isUsedLater(lc)) {
    // Stored and never looked at again in this function: checked where it is used, if anywhere.
    if (r.lhs && (stripParens(r.lhs).type !== 'identifier' || !a.fn.vars.has(stripParens(r.lhs).text))) return;
  }
  const what = r.lhs ? code(r.lhs) : 'the result';
  a.report({
    rule: 'unchecked-alloc',
    node: r.call.node,
    message: `${r.call.name}() returns NULL on failure, and ${what} is ${lc.uncheckedUse ? 'used' : 'kept'} without a NULL check; the first access oopses`,
    steps: lc.uncheckedUse?.steps ?? [{ node: r.call.node, message: 'allocated here' }],
    fix: () => insertCheckFix(a.fn, a.lifecycles, lc),
  });
}

function isUsedLater(lc: Lifecycle): boolean {
  return lc.releases.length > 0 || lc.adjustments.length > 0 || lc.heldNodes.size > 0 && !!lc.firstUseAfterCheck;
}

function releases(a: FunctionAnalysis, lc: Lifecycle, rel: Release): void {
  const r = lc.resource;
  const name = rel.call.name;
  if (rel.indirect) return;
  if (r.managed) {
    if (name === 'dma_free_coherent' || name === 'dma_free_attrs' || name === 'dma_pool_destroy') {
      a.report({
        rule: 'managed-double-free',
        node: rel.call.node,
        message: `${code(r.lhs ?? r.call.node)} comes from ${r.call.name}(), which devres frees again at driver detach: ${name}() here makes that a double free`,
        related: [{ node: r.call.node, message: `managed allocation by ${r.call.name}()` }],
        fix: () => managedFix(a, rel.call.node, name),
      });
    }
    return;
  }
  if (rel.mismatch) {
    const right = releaseName(r);
    a.report({
      rule: 'free-mismatch',
      node: rel.call.node,
      message: `${code(r.lhs ?? r.call.node)} was allocated by ${r.call.name}() and must be released with ${right}(), not ${name}()${/^k|^v|free_page/.test(name) ? ': it is not slab or vmalloc memory' : ''}`,
      related: [{ node: r.call.node, message: `allocated by ${r.call.name}() here` }],
      fix: () => {
        // Same arguments in the same places (dma_free_coherent() for dma_free_wc()): only the name changes, the call keeps its layout.
        const callee = rel.call.node.childForFieldName('function');
        const was = lookupApi(name);
        const should = lookupApi(right);
        if (callee && was && should && sameArguments(was, should) && callArgs(rel.call.node).length === arity(should)) {
          return [{ title: `Release with ${right}()`, isPreferred: true, edits: [replaceNode(a.fn, callee, right)] }];
        }
        const stmt = releaseStatement(r);
        if (!stmt) return [];
        return [{ title: `Release with ${right}()`, isPreferred: true, edits: [replaceNode(a.fn, rel.call.node, stmt.replace(/;$/, ''))] }];
      },
    });
    return;
  }
  if (rel.state === 'ok' || rel.state === 'unchecked') compareAllocSize(a, lc, rel.call.node);
}

/** Two APIs that take the same arguments in the same positions. */
function sameArguments(x: ApiEntry, y: ApiEntry): boolean {
  return ARGUMENT_POSITIONS.every((k) => x[k] === y[k]);
}

/** How many arguments an API takes: one past its last known position. */
function arity(api: ApiEntry): number {
  return Math.max(-1, ...ARGUMENT_POSITIONS.map((k) => api[k] ?? -1)) + 1;
}

function compareAllocSize(a: FunctionAnalysis, lc: Lifecycle, call: Node): void {
  const r = lc.resource;
  const api = lookupApi(callName(call));
  if (!api || api.size === undefined || r.call.api.size === undefined) return;
  const size = callArgs(call)[api.size];
  const orig = r.call.args[r.call.api.size];
  if (!size || !orig) return;
  if (!sizesDiffer(a.fn, orig, size)) return;
  a.report({
    rule: 'size-mismatch',
    node: size,
    message: `${callName(call)}() frees ${code(size)} bytes but ${code(r.lhs ?? r.call.node)} was allocated with ${code(orig)}; the allocator frees the wrong number of pages`,
    related: [{ node: r.call.node, message: `allocated with size ${orig.text} here` }],
    fix: () => [{ title: `Use ${orig.text}`, isPreferred: true, edits: [replaceNode(a.fn, size, orig.text)] }],
  });
}

/**
 * In remove or an unwind ladder, devres will free the buffer: delete the
 * release. On a success path it is an early release: use the dmam_ variant.
 */
function managedFix(a: FunctionAnalysis, call: Node, name: string): Fix[] {
  const stmt = call.parent;
  if (!stmt || stmt.type !== 'expression_statement') return [];
  const managed = name === 'dma_pool_destroy' ? 'dmam_pool_destroy' : name === 'dma_free_coherent' ? 'dmam_free_coherent' : undefined;
  const teardown = a.fn.facts.removeFunctions.has(a.fn.name) || inLadder(stmt) || /(remove|release|teardown|cleanup|exit|free|destroy|fini|uninit)/.test(a.fn.name);
  const remove: Fix = { title: `Delete ${name}(): devres releases the buffer`, isPreferred: teardown || !managed, edits: [deleteStatement(a.fn, stmt)] };
  if (!managed) return [remove];
  const early: Fix = { title: `Release early with ${managed}()`, isPreferred: !teardown, edits: [replaceNode(a.fn, call.childForFieldName('function')!, managed)] };
  return teardown ? [remove, early] : [early, remove];
}

/** Is the statement in an unwind ladder (after a label in its block, or inside a labeled statement)? */
function inLadder(stmt: Node): boolean {
  for (let p: Node | null = stmt.parent; p; p = p.parent) if (p.type === 'labeled_statement') return true;
  for (let s = stmt.previousNamedSibling; s; s = s.previousNamedSibling) if (s.type === 'labeled_statement') return true;
  return false;
}

/** A dmam_ allocation stored in a field and freed with the unmanaged API in another function. */
function managedReleasedElsewhere(a: FunctionAnalysis): void {
  const managedFields = new Map<string, string>();
  const unmanagedFields = new Set<string>();
  for (const s of a.fn.facts.summaries.values()) {
    for (const al of s.allocates) {
      if (al.managed) managedFields.set(al.field, al.api);
      else unmanagedFields.add(al.field);
    }
  }
  if (!managedFields.size) return;
  const local = new Set(a.lifecycles.map((lc) => lc.resource.call.node.id));
  for (const call of a.fn.dmaCalls) {
    if (call.name !== 'dma_free_coherent' && call.name !== 'dma_pool_destroy') continue;
    const pos = call.name === 'dma_pool_destroy' ? call.api.pool : call.api.cpu;
    const arg = pos !== undefined ? call.args[pos] : undefined;
    if (!arg || stripParens(arg).type !== 'field_expression') continue;
    const field = lastName(arg);
    const api = managedFields.get(field);
    if (!api || unmanagedFields.has(field)) continue;
    if (a.lifecycles.some((lc) => lc.releases.some((rel) => rel.call.node.id === call.node.id) && local.has(lc.resource.call.node.id))) continue;
    a.report({
      rule: 'managed-double-free',
      node: call.node,
      message: `${code(arg)} is allocated with ${api}() in this file; devres frees it again at detach, so ${call.name}() here is a double free`,
      fix: () => managedFix(a, call.node, call.name),
    });
  }
}

function adjusted(a: FunctionAnalysis, lc: Lifecycle): void {
  const r = lc.resource;
  if ((r.kind !== 'alloc' && r.kind !== 'pool-alloc') || r.managed) return;
  for (const adj of lc.adjustments) {
    const left = adj.childForFieldName('left') ?? adj.childForFieldName('declarator');
    if (!left) continue;
    // Only the name the allocation was stored in (or its handle); copies are cursors.
    const leftKey = keyOf(a.fn, left);
    if (leftKey !== r.key && leftKey !== r.handleKey) continue;
    // A cursor walking the buffer is fine once the original was saved elsewhere.
    if (savedBefore(a, keyOf(a.fn, left), adj.startIndex)) continue;
    // It matters only where the adjusted value reaches a free as it is.
    if (!freedAsAdjusted(a, lc, leftKey, adj)) continue;
    const isHandle = r.handleKey !== undefined && keyOf(a.fn, left) === r.handleKey;
    a.report({
      rule: 'adjusted-coherent-pointer',
      node: adj,
      message: isHandle
        ? `${code(left)} is the DMA address of the ${r.call.name}() buffer; overwriting it (${code(adj)}) means ${releaseName(r)}() can no longer be given the address the allocator returned`
        : `${code(left)} from ${r.call.name}() is overwritten by ${code(adj)}; ${releaseName(r)}() must be given the original pointer, which is now lost`,
      related: [{ node: r.call.node, message: `allocated by ${r.call.name}() here` }],
      fix: () => keepOriginal(a, lc, adj, left),
    });
  }
}

/**
 * Is the adjusted name later given, unchanged, to the release: by this
 * function after the adjustment, or (for a struct field) by another function
 * of the file? A free of `phys - offset` or `FOO_PHYS(buf->phys)` undoes it.
 */
function freedAsAdjusted(a: FunctionAnalysis, lc: Lifecycle, key: string, adj: Node): boolean {
  const r = lc.resource;
  const isHandle = key === r.handleKey;
  for (const rel of lc.releases) {
    const api = rel.call.api;
    const pos = isHandle ? api?.handle : api?.cpu;
    const arg = pos !== undefined ? rel.call.args[pos] : undefined;
    if (arg && rel.call.node.startIndex > adj.endIndex && keyOf(a.fn, stripParens(arg)) === key) return true;
  }
  if (isFieldKey(key)) {
    const last = key.split('.').pop() ?? '';
    for (const [name, s] of a.fn.facts.summaries) if (name !== a.fn.name && s.releases.includes(last)) return true;
  }
  // Nothing in the file releases the buffer under any of its names: the
  // adjusted value is all that is left, and the original can never be freed.
  const names = new Set([...r.keys, ...(r.handleKey ? [r.handleKey] : [])].map((k) => k.replace(/\[[^\]]*\]/g, '').split('.').pop() ?? '').filter(Boolean));
  for (const s of a.fn.facts.summaries.values()) if (s.releaseMentions.some((m) => names.has(m))) return false;
  return true;
}

/** Was the value of `key` copied into another name before `pos`? */
function savedBefore(a: FunctionAnalysis, key: string, pos: number): boolean {
  for (const n of a.fn.body.descendantsOfType(['assignment_expression', 'init_declarator'])) {
    if (n.endIndex > pos) continue;
    const left = n.type === 'assignment_expression' ? n.childForFieldName('left') : n.childForFieldName('declarator');
    const right = n.type === 'assignment_expression' ? n.childForFieldName('right') : n.childForFieldName('value');
    if (!left || !right || (n.type === 'assignment_expression' && n.child(1)?.text !== '=')) continue;
    const r = stripParens(right);
    if ((r.type === 'identifier' || r.type === 'field_expression') && keyOf(a.fn, r) === key && keyOf(a.fn, left) !== key) return true;
  }
  return false;
}

/** Keep the allocation in `<name>_raw` (declared beside the original) and align a copy. */
function keepOriginal(a: FunctionAnalysis, lc: Lifecycle, adj: Node, left: Node): Fix[] {
  if (stripParens(left).type !== 'identifier') return [];
  const name = left.text;
  const v = a.fn.vars.get(name);
  if (!v || v.isParam || v.node.type !== 'declaration') return [];
  const raw = `${name}_raw`;
  if (a.fn.vars.has(raw)) return [];
  const r = lc.resource;
  const edits: TextEdit[] = [];
  // Declare `T raw;` (or `T *raw;`) on its own line after the declaration.
  const decl = v.node;
  const indent = /^[ \t]*/.exec(a.fn.source.lineText(decl.startPosition.row))![0];
  const type = decl.childForFieldName('type')?.text ?? 'void';
  const ptr = v.isPointer ? ' *' : ' ';
  const at = { line: decl.endPosition.row + 1 + a.fn.lineOffset, character: 0 };
  edits.push({ range: { start: at, end: at }, newText: `${indent}${type}${ptr}${raw};\n` });
  // The allocation (or the handle out parameter) now targets the raw variable.
  const isHandle = r.handleKey !== undefined && keyOf(a.fn, left) === r.handleKey;
  if (isHandle && r.handleNode) edits.push(replaceNode(a.fn, r.handleNode, raw));
  else if (r.lhs) edits.push(replaceNode(a.fn, r.lhs, raw));
  else return [];
  // Tests of the allocation that come before the adjustment test the raw value.
  const right = adj.childForFieldName('right');
  if (!right) return [];
  // `x = PTR_ALIGN(x, A)` → `x = PTR_ALIGN(x_raw, A)`; `x += off` → `x = x_raw + off`.
  const op = adj.child(1)?.text ?? '=';
  if (op !== '=' && op.endsWith('=')) edits.push(replaceNode(a.fn, adj, `${name} = ${raw} ${op.slice(0, -1)} ${right.text}`));
  else for (const id of right.descendantsOfType('identifier')) if (id.text === name) edits.push(replaceNode(a.fn, id, raw));
  const between = a.fn.body.descendantsOfType('identifier').filter((id) => id.text === name && id.startIndex > r.call.node.endIndex && id.startIndex < adj.startIndex);
  for (const id of between) edits.push(replaceNode(a.fn, id, raw));
  for (const rel of lc.releases) {
    const api = rel.call.api;
    const pos = isHandle ? api?.handle : api?.cpu;
    const arg = pos !== undefined ? rel.call.args[pos] : undefined;
    if (arg && arg.text === name) edits.push(replaceNode(a.fn, arg, raw));
  }
  // A release reached in two states is listed twice: one edit per place.
  const seen = new Set<string>();
  const unique = edits.filter((e) => {
    const k = `${e.range.start.line}:${e.range.start.character}-${e.range.end.line}:${e.range.end.character}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return [{ title: `Keep the allocation in ${raw} and align a copy`, isPreferred: true, edits: unique }];
}

/**
 * The memset runs only right after this allocation: it sits in the block of
 * the allocating statement, after it, with no label in between. A memset
 * after `if (!buf) buf = dma_alloc_coherent(...)` or at a `retry:` label may
 * clear a buffer that was reused or that the device already wrote.
 */
function onlyAfterAllocation(call: Node, memsetStmt: Node): boolean {
  let alloc: Node | null = call;
  while (alloc && alloc.parent && alloc.parent.type !== 'compound_statement') alloc = alloc.parent;
  const block = alloc?.parent;
  if (!alloc || !block) return false;
  let top: Node | null = memsetStmt;
  while (top && top.parent && top.parent.id !== block.id) {
    // Inside a loop the allocation is not in: a later pass clears what the device wrote.
    if (['do_statement', 'while_statement', 'for_statement'].includes(top.parent.type)) return false;
    top = top.parent;
  }
  if (!top || top.parent?.id !== block.id || top.startIndex < alloc.endIndex) return false;
  for (let n = alloc.nextNamedSibling; n && n.id !== top.id; n = n.nextNamedSibling) if (n.type === 'labeled_statement') return false;
  // A label anywhere between them (`if (p) { try_again: memset(p, ...); ...; goto try_again; }`) joins another path.
  for (const l of top.descendantsOfType('labeled_statement')) if (l.startIndex <= memsetStmt.startIndex) return false;
  return top.type !== 'labeled_statement';
}

function zeroing(a: FunctionAnalysis, lc: Lifecycle): void {
  const r = lc.resource;
  if (r.kind !== 'alloc' && r.kind !== 'pool-alloc') return;
  const pool = r.call.name === 'dma_pool_alloc';
  if (!pool && !ZEROING_ALLOCATORS.has(r.call.name)) return;
  const stmt = lc.firstUseAfterCheck;
  if (!stmt) return;
  const call = stmt.type === 'expression_statement' ? stripParens(stmt.namedChild(0) ?? stmt) : undefined;
  if (!call || call.type !== 'call_expression' || callName(call) !== 'memset') return;
  const args = callArgs(call);
  if (args.length !== 3 || !r.keys.has(keyOf(a.fn, args[0])) || !isZeroLiteral(args[1])) return;
  if (!onlyAfterAllocation(r.call.node, stmt)) return;
  const noMapping = r.call.api.attrs !== undefined && /DMA_ATTR_NO_KERNEL_MAPPING/.test(r.call.args[r.call.api.attrs]?.text ?? '');
  if (noMapping) {
    a.report({
      rule: 'redundant-zeroing',
      node: call,
      severity: 'error',
      message: `${code(args[0])} was allocated with DMA_ATTR_NO_KERNEL_MAPPING: the returned value is a cookie, not a kernel address, and memset() on it corrupts memory`,
      related: [{ node: r.call.node, message: 'allocated without a kernel mapping here' }],
    });
    return;
  }
  // A non-blocking allocation for a non-coherent device on 32-bit ARM comes from the
  // arch's own atomic pool (`__alloc_from_pool()`), which does not zero in 6.1: said, and no fix.
  const gfp = r.call.api.gfp !== undefined ? (r.call.args[r.call.api.gfp]?.text ?? '') : '';
  const atomicPool = /\bGFP_(?:ATOMIC|NOWAIT)\b/.test(gfp);
  if (pool) {
    a.report({
      rule: 'redundant-zeroing',
      node: call,
      message: `dma_pool_alloc() followed by memset(…, 0, …): use dma_pool_zalloc(), which returns a zeroed block`,
      related: [{ node: r.call.node, message: 'allocated here' }],
      fix: () => [{ title: 'Use dma_pool_zalloc() and drop the memset()', isPreferred: true, edits: [replaceNode(a.fn, r.call.node.childForFieldName('function')!, 'dma_pool_zalloc'), deleteStatement(a.fn, stmt)] }],
    });
    return;
  }
  if (atomicPool) {
    a.report({
      rule: 'redundant-zeroing',
      node: call,
      message: `${r.call.name}() already returns zeroed memory (since Linux 5.0), except on 32-bit ARM, where a non-blocking allocation for a non-coherent device comes from an atomic pool that does not zero: this memset() is redundant unless the driver runs there`,
      related: [{ node: r.call.node, message: 'allocated here, without blocking' }],
    });
    return;
  }
  a.report({
    rule: 'redundant-zeroing',
    node: call,
    message: `${r.call.name}() already returns zeroed memory (since Linux 5.0); this memset() is redundant`,
    related: [{ node: r.call.node, message: 'allocated (zeroed) here' }],
    fix: () => [{ title: 'Delete the redundant memset()', isPreferred: true, edits: [deleteStatement(a.fn, stmt)] }],
  });
}

/**
 * Streaming mappings (dma_map_single/page/resource, dma_map_sg, sgtable):
 * unchecked-mapping, mapping-error-misuse, unchecked-map-sg, unmap-sg-count,
 * direction-mismatch, size-mismatch, unmap-missing-on-error,
 * unmap-failed-mapping, use-after-unmap, double-map, coherent-to-streaming,
 * cpu-access-while-mapped, sg-loop-count.
 */
import type { Node } from '../parse';
import { NodeCache } from '../tree';
import { lookupApi } from '../catalog';
import type { Lifecycle } from '../analysis/lifecycle';
import { assignedNames, keyOf, lastMention, testOf } from '../analysis/lifecycle';
import type { Fix, TextEdit } from '../types';
import { addressOf, callArgs, callName, castOf, isZeroLiteral, stripParens, walk, WIDE_TYPE } from '../analysis/syntax';
import { fieldKey } from '../analysis/summary';
import { insertCheckFix, releaseOnErrorFix } from '../fixes/unwind';
import { constantValue, sizesDiffer } from '../analysis/values';
import { replaceNode } from '../fixes/edits';
import { code, leftOnPurpose, type FunctionAnalysis } from './context';

/** Code that implements the DMA ops knows its own address space. */
const DMA_OPS_DIRS = /(^|\/)(drivers\/iommu|drivers\/xen|kernel\/dma)\//;
const DEVICE_WRITE = /^(?:writel|writeq|writel_relaxed|writeq_relaxed|iowrite32|iowrite64|lo_hi_writeq|hi_lo_writeq|__raw_writel|__raw_writeq)$/;

export function checkStreaming(a: FunctionAnalysis): void {
  for (const lc of a.lifecycles) {
    const r = lc.resource;
    if (r.kind !== 'map' && r.kind !== 'sg' && r.kind !== 'sgtable') continue;
    unchecked(a, lc);
    if (r.kind === 'map') misuse(a, lc);
    for (const leak of lc.leaks) {
      if (leftOnPurpose(leak.exit)) continue;
      a.report({
        rule: 'unmap-missing-on-error',
        node: leak.exit,
        message: `${code(r.lhs ?? r.call.node)} mapped by ${r.call.name}() is still mapped when this error path ${leak.exit.type === 'goto_statement' ? `jumps to ${code(leak.exit.childForFieldName('label') ?? leak.exit)}` : 'returns'}: the IOMMU/swiotlb slot leaks and dma-debug reports it at unbind`,
        steps: leak.steps,
        fix: ambiguousHandle(a, lc) ? undefined : () => releaseOnErrorFix(a.fn, a.lifecycles, lc, leak),
      });
    }
    pairing(a, lc);
  }
  crossFunctionDirection(a);
  usesAfterUnmap(a);
  doubleMap(a);
  coherentToStreaming(a);
  cpuAccess(a);
  sgLoopCount(a);
}

function unchecked(a: FunctionAnalysis, lc: Lifecycle): void {
  const r = lc.resource;
  if (r.use === 'condition') return;
  if ((r.use === 'returned' || lc.returned) && !lc.uncheckedUse) return;
  const lessThanZero = lc.misuses.find((m) => m.kind === 'less-than-zero');
  // Only tested by a far-off `if (!addr)` (a debug print, a "no buffer" sentinel, not reported as a misuse): never checked.
  const sentinelOnly = r.kind === 'map' && !lc.checkedProperly && lc.misuses.length > 0 && lc.misuses.every((m) => m.kind === 'null-test' && isSentinel(lc, m.test));
  const never = r.use === 'argument' || r.use === 'discarded' || !lc.checked || !!lessThanZero || sentinelOnly;
  if (!never && !lc.uncheckedUse) return;
  if (r.kind === 'map') {
    const what = r.lhs ? ` result ${code(r.lhs)}` : ' result';
    const narrowed = !lc.checked ? narrowedCheck(a, lc) : undefined;
    if (narrowed) {
      a.report({
        rule: 'unchecked-mapping',
        node: r.call.node,
        message: `${r.call.name}()${what} is tested only as ${code(narrowed.arg)}: the cast drops the upper bits of the address, so the test can never see DMA_MAPPING_ERROR when dma_addr_t is 64 bits`,
        steps: [{ node: r.call.node, message: 'mapped here' }, { node: narrowed.arg, message: 'tested through a narrower type here' }],
        fix: () => [{ title: `Test ${narrowed.value}`, isPreferred: true, edits: [replaceNode(a.fn, narrowed.arg, narrowed.value)] }],
      });
      return;
    }
    const missing = lc.uncheckedUse ? 'is used without' : 'is never tested with';
    a.report({
      rule: 'unchecked-mapping',
      node: r.call.node,
      // A map whose address nobody keeps (done for its cache maintenance): the mapping also leaks.
      message: r.use === 'discarded' || (!lc.checked && overwrittenAtOnce(r))
        ? `${r.call.name}()${r.use === 'discarded' ? ' result is discarded' : `${what} is overwritten by the next statement`}: the mapping is never tested with dma_mapping_error() and can never be unmapped (for cache maintenance on a buffer the device already has, dma_sync_single_for_device() is the call)`
        : `${r.call.name}()${what} ${missing} dma_mapping_error(); on failure the device gets an invalid address`,
      steps: lc.uncheckedUse?.steps ?? [{ node: r.call.node, message: 'mapped here' }],
      fix: () => insertCheckFix(a.fn, a.lifecycles, lc),
    });
    return;
  }
  if (r.kind === 'sg' && zeroCountStopsCallers(a, lc)) return;
  if (r.kind === 'sg') {
    a.report({
      rule: 'unchecked-map-sg',
      node: r.call.node,
      message: lessThanZero
        ? `${r.call.name}() returns an unsigned count and 0 on failure: ${code(lessThanZero.test)} never fires, so a failed mapping goes to the device`
        : `${r.call.name}() returns 0 when the mapping fails; ${r.lhs ? code(r.lhs) : 'the result'} is ${lc.uncheckedUse ? 'used' : 'kept'} without a check`,
      steps: lc.uncheckedUse?.steps ?? (lessThanZero ? [{ node: lessThanZero.test, message: 'this test never fires' }] : []),
      fix: () => insertCheckFix(a.fn, a.lifecycles, lc),
    });
    return;
  }
  if (r.use === 'discarded') {
    a.report({
      rule: 'unchecked-map-sg',
      node: r.call.node,
      message: `${r.call.name}() returns 0 or a negative errno, and the result is ignored: a failed mapping goes to the device`,
    });
  }
}

const SG_LOOP = /^(?:for_each_sg|scsi_for_each_sg|for_each_sgtable_sg|for_each_sgtable_dma_sg)$/;

/**
 * `count = dma_map_sg(...)` used only as the bound of a `for_each_sg()` loop
 * (or compared), the loop the only place the returned descriptor count
 * grows, and every caller testing that count against zero: a failed mapping
 * runs the loop zero times, and the caller fails the request before the
 * device sees it (`bd_count = foo_map_sg(io_req); if (bd_count == 0) return
 * -ENOMEM;`).
 */
function zeroCountStopsCallers(a: FunctionAnalysis, lc: Lifecycle): boolean {
  const r = lc.resource;
  if (r.use !== 'stored' || !r.lhs || r.lhs.type !== 'identifier' || !a.fn.facts.zeroTestedResults.has(a.fn.name)) return false;
  const count = r.lhs.text;
  const body = a.fn.body;
  const uses = body.descendantsOfType('identifier').filter((id) => id.text === count && id.id !== r.lhs!.id && id.startIndex > r.call.node.startIndex);
  // The loops the count bounds, each with the statement that is its body.
  const loopBodies: Node[] = [];
  for (const id of uses) {
    const call = id.parent?.type === 'argument_list' ? id.parent.parent : null;
    if (!call || call.type !== 'call_expression' || !SG_LOOP.test(callName(call))) continue;
    let stmt: Node | null = call;
    while (stmt && stmt.type !== 'expression_statement') stmt = stmt.parent;
    const loopBody = stmt?.nextNamedSibling;
    if (loopBody) loopBodies.push(loopBody);
  }
  if (!loopBodies.length) return false;
  const inLoop = (n: Node) => loopBodies.some((b) => n.startIndex >= b.startIndex && n.endIndex <= b.endIndex);
  // Any other use is a comparison, or inside a loop body (which a zero count never runs).
  for (const id of uses) {
    const p = id.parent;
    if (p?.type === 'argument_list' && p.parent && SG_LOOP.test(callName(p.parent))) continue;
    if (p?.type === 'binary_expression' && ['==', '!=', '<', '<=', '>', '>='].includes(p.child(1)?.text ?? '')) continue;
    if (!inLoop(id)) return false;
  }
  // Every return gives the same local, which only the loop changes after it starts at 0.
  const returns = body.descendantsOfType('return_statement');
  const returned = returns.map((ret) => stripParens(ret.namedChild(0) ?? ret));
  if (!returned.length || returned.some((x) => x.type !== 'identifier' || x.text !== returned[0].text)) return false;
  const result = returned[0].text;
  for (const n of body.descendantsOfType(['assignment_expression', 'update_expression', 'init_declarator'])) {
    const target = n.childForFieldName(n.type === 'assignment_expression' ? 'left' : n.type === 'update_expression' ? 'argument' : 'declarator');
    if (!target || stripParens(target).text !== result) continue;
    const value = n.type === 'update_expression' ? undefined : n.childForFieldName(n.type === 'assignment_expression' ? 'right' : 'value');
    const zero = n.type !== 'update_expression' && (n.type === 'init_declarator' || n.child(1)?.text === '=') && !!value && isZeroLiteral(value);
    if (!zero && !inLoop(n)) return false;
  }
  return true;
}

/**
 * `dma_mapping_error(dev, (u32)*buf)`: the mapping's only test goes through
 * a narrower type. The argument and the expression it casts (as text).
 */
function narrowedCheck(a: FunctionAnalysis, lc: Lifecycle): { arg: Node; value: string } | undefined {
  const r = lc.resource;
  for (const call of a.fn.dmaCalls) {
    if (call.api.role !== 'mapping-error') continue;
    const arg = call.args[1];
    const c = arg && castOf(arg);
    if (!c || WIDE_TYPE.test(c.type)) continue;
    const operand = stripParens(c.operand);
    if (r.keys.has(c.deref ? `*${keyOf(a.fn, operand)}` : keyOf(a.fn, operand))) return { arg, value: c.deref ? `*${c.operand.text}` : c.operand.text };
  }
  return undefined;
}

/** `desc->addr = dma_map_single(...); desc->addr = CPHYSADDR(buf);`: the next statement of the block stores something else in the same place. */
function overwrittenAtOnce(r: Lifecycle['resource']): boolean {
  if (!r.lhs) return false;
  let stmt: Node = r.call.node;
  while (stmt.parent && stmt.parent.type !== 'compound_statement') stmt = stmt.parent;
  const next = stmt.nextNamedSibling;
  const asg = next?.type === 'expression_statement' ? next.namedChild(0) : null;
  if (!asg || asg.type !== 'assignment_expression' || asg.child(1)?.text !== '=') return false;
  const target = r.lhs.text.replace(/\s+/g, '');
  const right = asg.childForFieldName('right');
  return asg.childForFieldName('left')?.text.replace(/\s+/g, '') === target && !!right && !right.text.replace(/\s+/g, '').includes(target);
}

/** A `!addr` test more than three lines after the map: a sentinel or a debug print, not meant as the map's check. */
function isSentinel(lc: Lifecycle, test: Node): boolean {
  return test.startPosition.row - lc.resource.call.node.endPosition.row > 3;
}

function misuse(a: FunctionAnalysis, lc: Lifecycle): void {
  const r = lc.resource;
  const dev = r.call.api.device !== undefined ? r.call.args[r.call.api.device]?.text : undefined;
  for (const m of lc.misuses) {
    if (m.kind === 'less-than-zero' || DMA_OPS_DIRS.test(a.fn.path)) continue;
    // The test of a fresh mapping comes right after it; a `!addr` far away is a "no buffer" sentinel.
    if (isSentinel(lc, m.test)) continue;
    let node = m.test;
    let negate = false;
    if (m.kind === 'null-test' && node.type !== 'binary_expression') {
      const p = node.parent;
      if (p && p.type === 'unary_expression' && p.child(0)?.text === '!') node = p;
      else negate = true;
    } else if (node.type === 'binary_expression') {
      negate = node.child(1)?.text === '!=';
    }
    const handle = r.lhs?.text ?? 'the handle';
    if (m.kind === 'error-constant') {
      a.report({
        rule: 'mapping-error-misuse',
        node,
        severity: 'hint',
        message: `Compare through dma_mapping_error(), not with DMA_MAPPING_ERROR: it is the documented test, and dma-debug only records a check made through it`,
        fix: dev ? () => [{ title: 'Use dma_mapping_error()', isPreferred: true, edits: [replaceNode(a.fn, node, `${negate ? '!' : ''}dma_mapping_error(${dev}, ${handle})`)] }] : undefined,
      });
      continue;
    }
    a.report({
      rule: 'mapping-error-misuse',
      node,
      message: `${code(node)} does not detect a failed ${r.call.name}(): 0 can be a valid DMA address and failure is DMA_MAPPING_ERROR; use dma_mapping_error()`,
      fix: dev ? () => [{ title: 'Use dma_mapping_error()', isPreferred: true, edits: [replaceNode(a.fn, node, `${negate ? '!' : ''}dma_mapping_error(${dev}, ${handle})`)] }] : undefined,
    });
  }
}

/**
 * The same handle is also acquired elsewhere in the function with other
 * arguments (`dma_map_single(…, len, …)` in one branch, `dma_map_page(…,
 * PAGE_SIZE, …)` in the other): which one a release pairs with is not known.
 */
export function ambiguousHandle(a: FunctionAnalysis, lc: Lifecycle): boolean {
  const key = identity(lc);
  if (!key) return false;
  let groups = ambiguityCache.get(a);
  if (!groups) {
    groups = new Map();
    for (const o of a.lifecycles) {
      const k = identity(o);
      if (!k) continue;
      const list = groups.get(k);
      if (list) list.push(o);
      else groups.set(k, [o]);
    }
    ambiguityCache.set(a, groups);
  }
  const same = groups.get(key)!;
  if (same.length < 2) return false;
  const mine = shape(lc);
  return same.some((o) => o !== lc && o.resource.kind === lc.resource.kind && shape(o) !== mine);
}

const ambiguityCache = new WeakMap<FunctionAnalysis, Map<string, Lifecycle[]>>();

/** What is mapped: the stored handle, or for a scatterlist the list itself. */
function identity(x: Lifecycle): string {
  return x.resource.key || x.resource.bufferKey || '';
}

/** The acquiring call's name and the arguments a release must repeat. */
function shape(x: Lifecycle): string {
  const c = x.resource.call;
  const arg = (i: number | undefined) => (i !== undefined && c.args[i] ? c.args[i].text.replace(/\s+/g, '') : '');
  return `${c.name}|${arg(c.api.size)}|${arg(c.api.direction)}|${arg(c.api.nents)}`;
}

/** Direction, size and count of the releases and syncs paired with a mapping. */
function pairing(a: FunctionAnalysis, lc: Lifecycle): void {
  const r = lc.resource;
  if (r.call.wrapper || ambiguousHandle(a, lc)) return;
  const mapDir = argText(r.call.args, r.call.api.direction);
  for (const rel of lc.releases) {
    if (rel.indirect || !rel.call.api) continue;
    if (rel.state === 'failed' || rel.state === 'released') {
      // The same buffer may still be mapped by another, live mapping: the release is its.
      const at = a.fn.cfgNodeOf(rel.call.node);
      const other = a.lifecycles.some((o) => o !== lc && o.resource.bufferKey && o.resource.bufferKey === r.bufferKey && at !== undefined && o.heldNodes.has(at));
      if (!other) unmapFailed(a, lc, rel.call.node, rel.state);
      continue;
    }
    compareDirection(a, lc, rel.call.node, rel.call.api.direction, false);
    compareSize(a, lc, rel.call.node, rel.call.api.size, false);
    if (r.kind === 'sg') compareCount(a, lc, rel.call.node);
  }
  // Syncs of this mapping.
  for (const call of syncCalls(a)) {
    const api = call.api;
    // Only a sync this mapping reaches: not one of a handle re-assigned in between (another iteration's, another branch's).
    const at = a.fn.cfgNodeOf(call.node);
    if (at === undefined || !lc.liveNodes.has(at)) continue;
    if (api.role === 'sync' && r.kind === 'map' && api.handle !== undefined && call.args[api.handle] && r.keys.has(keyOf(a.fn, call.args[api.handle]))) {
      if (mapDir !== 'DMA_BIDIRECTIONAL') compareDirection(a, lc, call.node, api.direction, true);
      if (api.size !== undefined) compareSize(a, lc, call.node, api.size, true);
    } else if (api.role === 'sync-sgtable' && r.kind === 'sgtable' && api.buffer !== undefined && call.args[api.buffer] && keyOf(a.fn, call.args[api.buffer]) === r.bufferKey) {
      if (mapDir !== 'DMA_BIDIRECTIONAL') compareDirection(a, lc, call.node, api.direction, true);
    } else if (api.role === 'sync-sg' && r.kind === 'sg' && api.buffer !== undefined && call.args[api.buffer] && keyOf(a.fn, call.args[api.buffer]) === r.bufferKey) {
      if (mapDir !== 'DMA_BIDIRECTIONAL') compareDirection(a, lc, call.node, api.direction, true);
      compareCount(a, lc, call.node);
    }
  }
}

const syncCache = new WeakMap<FunctionAnalysis, FunctionAnalysis['fn']['dmaCalls']>();

/** The function's sync calls, gathered once for all its mappings. */
function syncCalls(a: FunctionAnalysis): FunctionAnalysis['fn']['dmaCalls'] {
  let list = syncCache.get(a);
  if (!list) {
    list = a.fn.dmaCalls.filter((c) => c.api.role === 'sync' || c.api.role === 'sync-sg' || c.api.role === 'sync-sgtable');
    syncCache.set(a, list);
  }
  return list;
}

/**
 * An unmap or sync of a struct-field handle mapped in another function of
 * the file, spelled the same way there (`priv->rx[i].dma` in both).
 */
function crossFunctionDirection(a: FunctionAnalysis): void {
  const local = new Set<number>();
  for (const lc of a.lifecycles) for (const rel of lc.releases) local.add(rel.call.node.id);
  const byKey = new Map<string, Set<string>>();
  // A field that is also assigned from a local (`desc->data = phys;`) may
  // hold mappings this join cannot see: the tx ring's, say, beside the rx ring's.
  const storedOtherwise = new Set<string>();
  for (const s of a.fn.facts.summaries.values()) for (const k of s.fieldStores) storedOtherwise.add(k);
  const ownMaps = new Set((a.fn.facts.summaries.get(a.fn.name)?.fieldMaps ?? []).map((m) => m.key));
  // The same field path mapped in two directions anywhere in the file, whatever
  // the variable in front (`tail_list->buffer[0].address` TO_DEVICE for tx,
  // `head_list->buffer[0].address` FROM_DEVICE for rx): the field holds both.
  const pathDirs = new Map<string, Set<string>>();
  const fieldPath = (key: string) => key.replace(/^[A-Za-z_]\w*/, '');
  for (const s of a.fn.facts.summaries.values()) {
    for (const m of s.fieldMaps) {
      const set = pathDirs.get(fieldPath(m.key)) ?? new Set<string>();
      set.add(m.direction);
      pathDirs.set(fieldPath(m.key), set);
    }
  }
  for (const s of a.fn.facts.summaries.values()) {
    if (s.name === a.fn.name) continue;
    for (const m of s.fieldMaps) {
      const set = byKey.get(m.key) ?? new Set<string>();
      set.add(m.direction);
      byKey.set(m.key, set);
    }
  }
  if (!byKey.size) return;
  for (const call of a.fn.dmaCalls) {
    const api = call.api;
    const table = api.role === 'unmap-sgtable' || api.role === 'sync-sgtable';
    const pos = table ? api.buffer : api.handle;
    if ((api.role !== 'unmap' && api.role !== 'sync' && !table) || pos === undefined || api.direction === undefined || local.has(call.node.id)) continue;
    const handle = table && call.args[pos] ? (addressOf(call.args[pos]) ?? call.args[pos]) : call.args[pos];
    const dir = call.args[api.direction];
    if (!handle || !dir || stripParens(handle).type !== 'field_expression') continue;
    if (a.lifecycles.some((lc) => lc.resource.keys.has(keyOf(a.fn, handle)))) continue;
    if (!table && storedOtherwise.has(fieldKey(handle))) continue;
    // This function maps the field itself: its own pairing judges the release, not other functions' maps.
    if (ownMaps.has(fieldKey(handle))) continue;
    if (!table && (pathDirs.get(fieldPath(fieldKey(handle)))?.size ?? 0) > 1) continue;
    const dirs = byKey.get(fieldKey(handle));
    if (!dirs || dirs.size !== 1) continue;
    const mapDir = [...dirs][0];
    const relDir = dir.text.replace(/\s+/g, '');
    if (!DIRECTION_CONSTANT.test(mapDir) || !DIRECTION_CONSTANT.test(relDir) || mapDir === relDir) continue;
    if ((api.role === 'sync' || api.role === 'sync-sgtable') && mapDir === 'DMA_BIDIRECTIONAL') continue;
    a.report({
      rule: 'direction-mismatch',
      node: dir,
      message: `${call.name}() uses ${relDir} but ${code(handle)} is mapped ${mapDir} in this file; ${api.role.startsWith('sync') ? 'the cache maintenance is done for the wrong direction' : 'dma-debug reports "DMA-API: device driver frees DMA memory with different direction"'}`,
      fix: () => [{ title: `Use ${mapDir}`, isPreferred: true, edits: [replaceNode(a.fn, dir, mapDir)] }],
    });
  }
}

function argText(args: Node[], i: number | undefined): string | undefined {
  return i !== undefined && args[i] ? args[i].text.replace(/\s+/g, '') : undefined;
}

const DIRECTION_CONSTANT = /^(DMA_TO_DEVICE|DMA_FROM_DEVICE|DMA_BIDIRECTIONAL)$/;

function compareDirection(a: FunctionAnalysis, lc: Lifecycle, call: Node, pos: number | undefined, isSync: boolean): void {
  const r = lc.resource;
  const mapDir = argText(r.call.args, r.call.api.direction);
  const args = callArgs(call);
  const dir = pos !== undefined ? args[pos] : undefined;
  if (!mapDir || !dir) return;
  const relDir = dir.text.replace(/\s+/g, '');
  if (!DIRECTION_CONSTANT.test(mapDir) || !DIRECTION_CONSTANT.test(relDir) || mapDir === relDir) return;
  a.report({
    rule: 'direction-mismatch',
    node: dir,
    message: `${callName(call)}() uses ${relDir} but ${code(r.lhs ?? r.call.node)} was mapped ${mapDir}; ${isSync ? 'the cache maintenance is done for the wrong direction' : 'dma-debug reports "DMA-API: device driver frees DMA memory with different direction"'}`,
    related: [{ node: r.call.node, message: `mapped ${mapDir} here` }],
    fix: () => [{ title: `Use ${mapDir}`, isPreferred: true, edits: [replaceNode(a.fn, dir, mapDir)] }],
  });
}

function compareSize(a: FunctionAnalysis, lc: Lifecycle, call: Node, pos: number | undefined, isSync: boolean): void {
  const r = lc.resource;
  const mapSizeNode = r.call.api.size !== undefined ? r.call.args[r.call.api.size] : undefined;
  const args = callArgs(call);
  const size = pos !== undefined ? args[pos] : undefined;
  if (!mapSizeNode || !size) return;
  const mapSize = mapSizeNode.text.replace(/\s+/g, '');
  const relSize = size.text.replace(/\s+/g, '');
  if (mapSize === relSize) return;
  if (isSync) {
    const mv = constantValue(mapSize, a.fn.facts.defines);
    const sv = constantValue(relSize, a.fn.facts.defines);
    if (mv === undefined || sv === undefined || sv <= mv) return;
  } else if (!sizesDiffer(a.fn, mapSizeNode, size)) {
    return;
  }
  a.report({
    rule: 'size-mismatch',
    node: size,
    message: isSync
      ? `${callName(call)}() syncs ${code(size)} bytes but only ${code(mapSizeNode)} were mapped: the sync runs past the mapping`
      : `${callName(call)}() releases ${code(size)} bytes but ${code(r.lhs ?? r.call.node)} was ${r.kind === 'alloc' || r.kind === 'pool-alloc' ? 'allocated' : 'mapped'} with ${code(mapSizeNode)}; dma-debug reports "frees DMA memory with different size"`,
    related: [{ node: r.call.node, message: `${r.kind === 'alloc' ? 'allocated' : 'mapped'} with size ${mapSizeNode.text} here` }],
    fix: () => [{ title: `Use ${mapSizeNode.text.replace(/\s+/g, ' ')}`, isPreferred: true, edits: [replaceNode(a.fn, size, mapSizeNode.text)] }],
  });
}

function compareCount(a: FunctionAnalysis, lc: Lifecycle, call: Node): void {
  const r = lc.resource;
  const api = lookupApi(callName(call));
  const nentsArg = api?.nents !== undefined ? callArgs(call)[api.nents] : undefined;
  const original = r.call.api.nents !== undefined ? r.call.args[r.call.api.nents] : undefined;
  if (!nentsArg || !original || !r.key) return;
  if (keyOf(a.fn, nentsArg) !== r.key && !r.keys.has(keyOf(a.fn, nentsArg))) return;
  if (original.text.replace(/\s+/g, '') === nentsArg.text.replace(/\s+/g, '')) return;
  a.report({
    rule: 'unmap-sg-count',
    node: nentsArg,
    message: `${callName(call)}() must be given the nents passed to ${r.call.name}() (${code(original)}), not the mapped count ${code(nentsArg)}; with an IOMMU that merged entries, the rest stay mapped`,
    related: [{ node: r.call.node, message: `mapped ${original.text} entries here` }],
    fix: () => [{ title: `Use ${original.text}`, isPreferred: true, edits: [replaceNode(a.fn, nentsArg, original.text)] }],
  });
}

function unmapFailed(a: FunctionAnalysis, lc: Lifecycle, call: Node, state: 'failed' | 'released'): void {
  const r = lc.resource;
  if (r.kind === 'alloc' || r.kind === 'pool' || r.kind === 'pool-alloc') return;
  if (walksElements(call)) return;
  if (state === 'failed' && guardedBySuccessFlag(a, lc, call)) return;
  if (state === 'released' && guardChangedSinceRelease(a, lc, call)) return;
  if (insideRetryLoop(a, r.call.node) || insideRetryLoop(a, call)) return;
  const handle = r.kind === 'sg' && r.call.api.buffer !== undefined ? r.call.args[r.call.api.buffer] : (r.lhs ?? r.call.node);
  a.report({
    rule: 'unmap-failed-mapping',
    node: call,
    message:
      state === 'failed'
        ? `${callName(call)}() unmaps ${code(handle)} on the path where ${r.call.name}() failed: there is no mapping to release (dma-debug: "device driver tries to free DMA memory it has not allocated")`
        : `${callName(call)}() unmaps ${code(handle)} a second time on this path`,
    related: [{ node: r.call.node, message: 'mapped here' }],
    fix: state === 'failed' ? () => skipFailedUnmap(a, lc, call) : undefined,
  });
}

/**
 * A mapping inside a `retry:` / `map:` loop made of a label before it and a
 * `goto` back to that label after it: each pass maps and unmaps under state
 * this analysis does not follow (`hmac` in sun8i-ss, `zero_addr` in mlx5), so
 * "a second time" and "mapped again" are not reported there.
 */
const backJumpsCache = new NodeCache<{ label: number; goto: number }[]>();

function insideRetryLoop(a: FunctionAnalysis, acquisition: Node): boolean {
  let jumps = backJumpsCache.get(a.fn.body);
  if (!jumps) {
    // Every goto back to an earlier label: [label start, goto start].
    const labels = new Map<string, number>();
    for (const l of a.fn.body.descendantsOfType('labeled_statement')) {
      const name = l.childForFieldName('label')?.text;
      if (name) labels.set(name, l.startIndex);
    }
    jumps = [];
    if (labels.size) {
      for (const g of a.fn.body.descendantsOfType('goto_statement')) {
        const at = labels.get(g.childForFieldName('label')?.text ?? '');
        if (at !== undefined && at < g.startIndex) jumps.push({ label: at, goto: g.startIndex });
      }
    }
    backJumpsCache.set(a.fn.body, jumps);
  }
  return jumps.some((j) => j.label < acquisition.startIndex && j.goto > acquisition.endIndex);
}

/** The `if` statements around a node, innermost first, and whether the node sits in the `then` branch. */
function enclosingIfs(n: Node): { stmt: Node; cond: Node; inThen: boolean }[] {
  const out: { stmt: Node; cond: Node; inThen: boolean }[] = [];
  for (let p = n.parent; p && p.type !== 'function_definition'; p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const cond = p.childForFieldName('condition');
    if (!cond) continue;
    const then = p.childForFieldName('consequence');
    out.push({ stmt: p, cond, inThen: !!then && n.startIndex >= then.startIndex && n.endIndex <= then.endIndex });
  }
  return out;
}

/** `!!!x` → `x`, negated an odd number of times. */
function stripNegation(cond: Node): { e: Node; negated: boolean } {
  let e = stripParens(cond);
  let negated = false;
  while (e.type === 'unary_expression' && e.child(0)?.text === '!') {
    negated = !negated;
    e = stripParens(e.childForFieldName('argument')!);
  }
  return { e, negated };
}

/**
 * `dma_unmap_page(dest_dma); op = IOAT_OP_XOR_VAL; ... if (op == IOAT_OP_XOR)
 * dma_unmap_page(dest_dma);`: the second unmap is guarded by a name assigned
 * after the first one, a state variable that records what is still mapped.
 */
function guardChangedSinceRelease(a: FunctionAnalysis, lc: Lifecycle, call: Node): boolean {
  const first = Math.min(...lc.releases.filter((x) => x.state !== 'released' && x.call.node.id !== call.id).map((x) => x.call.node.endIndex));
  if (!Number.isFinite(first) || first > call.startIndex) return false;
  for (const { stmt, cond, inThen } of enclosingIfs(call)) {
    if (!inThen) continue;
    const names = new Set(cond.descendantsOfType(['identifier', 'field_expression']).map((n) => n.text.replace(/\s+/g, '')));
    for (const asg of a.fn.body.descendantsOfType('assignment_expression')) {
      const left = asg.childForFieldName('left')?.text.replace(/\s+/g, '');
      if (left && names.has(left) && asg.startIndex > first && asg.endIndex < stmt.startIndex) return true;
    }
  }
  return false;
}

/**
 * `if (new_table_pa_valid) dma_unmap_single(...)`, `if (flags & FLAG_MAPPED)`:
 * the unmap is guarded by a name the function sets only where the mapping
 * succeeded (the flag is assigned while the handle is held).
 */
function guardedBySuccessFlag(a: FunctionAnalysis, lc: Lifecycle, call: Node): boolean {
  for (const { cond, inThen } of enclosingIfs(call)) {
    if (!inThen) continue;
    const names = new Set<string>();
    for (const n of [cond, ...cond.descendantsOfType(['identifier', 'field_expression'])]) {
      const s = stripParens(n);
      if ((s.type === 'identifier' || s.type === 'field_expression') && !lc.resource.keys.has(keyOf(a.fn, s))) names.add(keyOf(a.fn, s));
    }
    if (!names.size) continue;
    for (const asg of a.fn.body.descendantsOfType('assignment_expression')) {
      const left = asg.childForFieldName('left');
      const right = asg.childForFieldName('right');
      if (!left || !right || !names.has(keyOf(a.fn, left))) continue;
      const op = asg.child(1)?.text;
      const sets = op === '|=' || (op === '=' && !isZeroLiteral(right) && right.text !== 'false' && right.text !== 'NULL');
      const at = a.fn.cfgNodeOf(asg);
      if (sets && at !== undefined && lc.heldNodes.has(at)) return true;
    }
  }
  return false;
}

/**
 * An unmap of `chunks[i].dma_addr` in a loop that moves `i` (`while (--i >= 0)`)
 * releases one element per pass: the earlier elements, each once, not one handle twice.
 */
function walksElements(call: Node): boolean {
  const indexes = new Set<string>();
  const noteIndexes = (e: Node) => {
    // `txbuf->dma_addr` with `txbuf++` in the loop walks the ring like an index does.
    const s = stripParens(e);
    if (s.type === 'field_expression' && s.child(1)?.text === '->') {
      const base = stripParens(s.childForFieldName('argument')!);
      if (base.type === 'identifier') indexes.add(base.text);
    }
    for (const sub of [e, ...e.descendantsOfType('subscript_expression')]) {
      if (sub.type !== 'subscript_expression') continue;
      const index = sub.childForFieldName('index') ?? sub.namedChildren[1];
      for (const id of index ? [index, ...index.descendantsOfType('identifier')] : []) if (id.type === 'identifier') indexes.add(id.text);
    }
  };
  const args = callArgs(call);
  for (const arg of args) noteIndexes(arg);
  for (let p = call.parent; p && p.type !== 'function_definition'; p = p.parent) {
    if (p.type !== 'while_statement' && p.type !== 'for_statement' && p.type !== 'do_statement') continue;
    // `dma_addr_t dma = node->dma_addrs[i];` in the loop: the argument is this pass's element.
    const names = new Set(args.map((a) => stripParens(a)).filter((a) => a.type === 'identifier').map((a) => a.text));
    for (const d of p.descendantsOfType('init_declarator')) {
      const v = d.childForFieldName('value');
      if (v && names.has(d.childForFieldName('declarator')?.text ?? '')) noteIndexes(v);
    }
    for (const asg of p.descendantsOfType('assignment_expression')) {
      const v = asg.childForFieldName('right');
      if (v && names.has(asg.childForFieldName('left')?.text ?? '')) noteIndexes(v);
    }
    if (!indexes.size) continue;
    if (assignedNames(p).some((n) => indexes.has(n))) return true;
  }
  return false;
}

/**
 * The failing check jumps to a label whose first statement unmaps the
 * handle that just failed: send it to the next label down the ladder.
 */
function skipFailedUnmap(a: FunctionAnalysis, lc: Lifecycle, unmap: Node): Fix[] {
  const stmt = unmap.parent;
  const labeled = stmt?.parent;
  if (!stmt || !labeled || labeled.type !== 'labeled_statement') return [];
  const label = labeled.childForFieldName('label')?.text;
  let next = labeled.nextNamedSibling;
  while (next && next.type !== 'labeled_statement') {
    if (next.type !== 'comment') return []; // more than the unmap under this label
    next = next.nextNamedSibling;
  }
  const nextLabel = next?.childForFieldName('label')?.text;
  if (!label || !nextLabel) return [];
  const edits: TextEdit[] = [];
  const retargeted = new Set<number>();
  for (const check of a.fn.body.descendantsOfType('if_statement')) {
    const cond = check.childForFieldName('condition');
    const body = check.childForFieldName('consequence');
    if (!cond || !body || !/mapping_error|!|== *0/.test(cond.text)) continue;
    const b = testOf(a.fn, lc.resource, cond.namedChild(0) ?? cond, true);
    if (!b || b.t !== 'failed') continue;
    for (const g of body.type === 'goto_statement' ? [body] : body.descendantsOfType('goto_statement')) {
      const target = g.childForFieldName('label');
      if (target?.text === label && !retargeted.has(g.id)) {
        retargeted.add(g.id);
        edits.push(replaceNode(a.fn, target, nextLabel));
      }
    }
  }
  return edits.length ? [{ title: `Jump to ${nextLabel}: the failed mapping has nothing to unmap`, isPreferred: true, edits }] : [];
}

/**
 * use-after-unmap: after dma_unmap_*() of a handle, a sync of it or a write
 * of it to the device (writel(), a descriptor through cpu_to_le*()) on a
 * path where the handle was not given a new mapping.
 */
function usesAfterUnmap(a: FunctionAnalysis): void {
  for (const unmap of a.fn.dmaCalls) {
    const api = unmap.api;
    if (api.role !== 'unmap' && api.role !== 'unmap-sg') continue;
    const pos = api.role === 'unmap' ? api.handle : api.buffer;
    const handle = pos !== undefined ? unmap.args[pos] : undefined;
    const start = a.fn.cfgNodeOf(unmap.node);
    if (!handle || start === undefined) continue;
    const key = keyOf(a.fn, handle);
    // Past the last statement that mentions the key, nothing can use it.
    const last = lastMention(a.fn, key);
    // Names set to NULL right after the unmap, on every path (`skb = NULL;`): a later `if (skb == NULL)` takes its true edge.
    // Looked up at the first condition the walk meets: an unmap in a long ladder meets none.
    let nulled: Map<string, number> | undefined;
    const seen = new Set<number>([start]);
    const queue = [...a.fn.cfg.nodes[start].succ];
    while (queue.length) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const node = a.fn.cfg.nodes[id];
      if (node.ast && node.kind !== 'label' && node.kind !== 'goto') {
        if (assignsKey(a, node.ast, key)) continue;
        const use = deviceUse(a, node.ast, key, api.role === 'unmap-sg');
        if (use === 'unmap') break; // a second unmap: unmap-failed-mapping's business
        if (use) {
          a.report({
            rule: 'use-after-unmap',
            node: use,
            message: `${callName(use)}() uses ${code(handle)} after ${unmap.name}() released it: the address may already belong to another mapping, and the device reads or writes memory it no longer owns`,
            related: [{ node: unmap.node, message: `unmapped here by ${unmap.name}()` }],
          });
          break;
        }
      }
      // Forward edges only: around a loop the name denotes the next element.
      const here = node.ast?.startIndex ?? -1;
      if (node.kind === 'cond' && !nulled) nulled = nulledAfter(unmap.node);
      const known = node.kind === 'cond' && node.ast && nulled!.size ? nullTestEdge(a, node.ast, nulled!) : -1;
      for (const [i, s] of node.succ.entries()) {
        if (known >= 0 && i !== known) continue;
        const next = a.fn.cfg.nodes[s];
        if (!next.ast || (next.ast.startIndex > here && next.ast.startIndex <= last)) queue.push(s);
      }
    }
  }
}

/** `name -> where it was set to NULL` for the statements that follow the unmap in its own block, up to the first jump. */
function nulledAfter(unmap: Node): Map<string, number> {
  const out = new Map<string, number>();
  let stmt: Node | null = unmap;
  while (stmt && stmt.parent && stmt.parent.type !== 'compound_statement') stmt = stmt.parent;
  for (let n = stmt?.nextNamedSibling ?? null; n; n = n.nextNamedSibling) {
    if (/\b(?:return|goto|break|continue)\b/.test(n.text)) break;
    for (const asg of [n, ...n.descendantsOfType('assignment_expression')]) {
      if (asg.type !== 'assignment_expression') continue;
      let right: Node | null = asg;
      while (right && right.type === 'assignment_expression') right = right.childForFieldName('right');
      if (!right || (right.text !== 'NULL' && right.text !== '0')) continue;
      for (let l: Node | null = asg; l && l.type === 'assignment_expression'; l = l.childForFieldName('right')) {
        const left = l.childForFieldName('left');
        if (left?.type === 'identifier') out.set(left.text, n.endIndex);
      }
    }
  }
  return out;
}

/** The edge a NULL test of a name known to be NULL takes: 0 (true), 1 (false), or -1 when it is no such test or the name changed since. */
function nullTestEdge(a: FunctionAnalysis, cond: Node, nulled: Map<string, number>): number {
  const { e, negated: flip } = stripNegation(cond);
  let name: string | undefined;
  let isNull = false; // the true edge means "is NULL"
  if (e.type === 'identifier') {
    name = e.text;
    isNull = false;
  } else if (e.type === 'binary_expression' && ['==', '!='].includes(e.child(1)?.text ?? '')) {
    const l = stripParens(e.childForFieldName('left')!);
    const r = stripParens(e.childForFieldName('right')!);
    const other = l.type === 'identifier' && (r.text === 'NULL' || r.text === '0') ? l : r.type === 'identifier' && (l.text === 'NULL' || l.text === '0') ? r : undefined;
    if (!other) return -1;
    name = other.text;
    isNull = e.child(1)?.text === '==';
  } else return -1;
  const at = name !== undefined ? nulled.get(name) : undefined;
  if (at === undefined) return -1;
  // Assigned again between the NULL and the test: nothing known.
  if (a.fn.body.descendantsOfType('assignment_expression').some((x) => x.childForFieldName('left')?.text === name && x.startIndex >= at && x.endIndex <= cond.startIndex)) return -1;
  const trueMeansNull = isNull !== flip;
  return trueMeansNull ? 0 : 1;
}

function assignsKey(a: FunctionAnalysis, ast: Node, key: string): boolean {
  // `sbq_desc = get_curr_buf(...)`: the object the key is reached through changes too.
  const base = /^[A-Za-z_]\w*/.exec(key)?.[0];
  for (const n of walk(ast)) {
    // `alloc_rxbuf_skb(dev, pdev, &lp->rx_skbs[i].skb_dma)`: a function given the handle's address may set it.
    if (n.type === 'call_expression' && !lookupApi(callName(n))) {
      for (const arg of callArgs(n)) {
        const inner = addressOf(arg);
        if (inner && keyOf(a.fn, inner) === key) return true;
      }
      continue;
    }
    if (n.type !== 'assignment_expression' && n.type !== 'init_declarator') continue;
    const left = n.childForFieldName(n.type === 'assignment_expression' ? 'left' : 'declarator');
    if (!left) continue;
    const k = keyOf(a.fn, left);
    if (k === key || (base && base !== key && k === base)) return true;
  }
  return false;
}

/** The call in `ast` that hands the handle to the device again, if any. */
function deviceUse(a: FunctionAnalysis, ast: Node, key: string, sg: boolean): Node | 'unmap' | undefined {
  for (const n of walk(ast)) {
    if (n.type !== 'call_expression') continue;
    const name = callName(n);
    const api = lookupApi(name);
    const args = callArgs(n);
    if (api && (api.role === 'sync' || api.role === 'sync-sg' || api.role === 'unmap' || api.role === 'unmap-sg')) {
      const pos = api.role === 'sync' || api.role === 'unmap' ? api.handle : api.buffer;
      if (pos !== undefined && args[pos] && keyOf(a.fn, args[pos]) === key && (api.role.endsWith('-sg') === sg)) return api.role.startsWith('unmap') ? 'unmap' : n;
      continue;
    }
    if (sg) continue;
    if (DEVICE_WRITE.test(name) || /^cpu_to_le(32|64)$/.test(name)) {
      if (args.some((arg) => walk(arg).some((x) => (x.type === 'identifier' || x.type === 'field_expression') && keyOf(a.fn, x) === key))) return n;
    }
  }
  return undefined;
}

/** What a mapping maps: the buffer, or for dma_map_page() the page and offset. */
function mappedObject(a: FunctionAnalysis, lc: Lifecycle): string | undefined {
  const r = lc.resource;
  if (r.bufferKey) return r.bufferKey;
  if (/^dma_map_page(_attrs)?$/.test(r.call.name) && r.call.args[1] && r.call.args[2]) return `${keyOf(a.fn, r.call.args[1])}@${r.call.args[2].text.replace(/\s+/g, '')}`;
  return undefined;
}

function doubleMap(a: FunctionAnalysis): void {
  // Mappings grouped by what they map, in the order of a.lifecycles.
  const byObject = new Map<string, Lifecycle[]>();
  const maps: [Lifecycle, Lifecycle[]][] = [];
  for (const lc of a.lifecycles) {
    if (lc.resource.kind !== 'map' && lc.resource.kind !== 'sg') continue;
    const obj = mappedObject(a, lc);
    if (!obj) continue;
    let list = byObject.get(obj);
    if (!list) byObject.set(obj, (list = []));
    list.push(lc);
    maps.push([lc, list]);
  }
  for (const [first, same] of maps) {
    for (const second of same) {
      if (first === second || second.resource.call.node.id === first.resource.call.node.id) continue;
      if (!first.heldNodes.has(second.resource.cfgNode)) continue;
      const dev1 = argText(first.resource.call.args, first.resource.call.api.device);
      const dev2 = argText(second.resource.call.args, second.resource.call.api.device);
      if (dev1 !== dev2) continue;
      if (baseReassigned(a, second.resource.call.args[second.resource.call.api.buffer ?? 1], first.resource.call.node.endIndex)) continue;
      if (namesChangeBetween(second.resource.call.args[second.resource.call.api.buffer ?? 1], first.resource.call.node, second.resource.call.node)) continue;
      if (insideRetryLoop(a, first.resource.call.node) || insideRetryLoop(a, second.resource.call.node)) continue;
      a.report({
        rule: 'double-map',
        node: second.resource.call.node,
        message: `${code(second.resource.call.args[second.resource.call.api.buffer ?? 1])} is mapped again while its earlier mapping is still live: two owners of one buffer, and the cache maintenance of one undoes the other`,
        related: [{ node: first.resource.call.node, message: 'first mapped here' }],
      });
    }
  }
}

/**
 * Does a variable of the buffer expression change between the two maps, or
 * anywhere in a loop around the second (`skb->data + bmax * i` with `i++`,
 * a fresh `skb` each pass)? Then the two maps name different memory.
 */
function namesChangeBetween(expr: Node, first: Node, second: Node): boolean {
  const names = new Set(expr.descendantsOfType('identifier').map((id) => id.text));
  if (expr.type === 'identifier') names.add(expr.text);
  if (!names.size) return false;
  let fn: Node | null = second;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  if (!fn) return false;
  const loops: Node[] = [];
  for (let p = second.parent; p && p.id !== fn.id; p = p.parent) if (p.type === 'for_statement' || p.type === 'while_statement' || p.type === 'do_statement') loops.push(p);
  const lo = Math.min(first.endIndex, second.endIndex);
  const hi = Math.max(first.startIndex, second.startIndex);
  for (const n of fn.descendantsOfType(['assignment_expression', 'update_expression'])) {
    const target = n.childForFieldName(n.type === 'assignment_expression' ? 'left' : 'argument');
    if (!target || stripParens(target).type !== 'identifier' || !names.has(stripParens(target).text)) continue;
    if (n.startIndex > lo && n.endIndex < hi) return true;
    if (loops.some((l) => n.startIndex >= l.startIndex && n.endIndex <= l.endIndex)) return true;
  }
  return false;
}

/** Is the variable an expression starts from assigned after `from` (a new buffer under the same name)? */
function baseReassigned(a: FunctionAnalysis, expr: Node, from: number): boolean {
  const base = /^[A-Za-z_]\w*/.exec(expr.text.replace(/^[&*(\s]+/, ''))?.[0];
  if (!base) return false;
  for (const n of walk(a.fn.body)) {
    if (n.startIndex < from) continue;
    if (n.type === 'assignment_expression' || n.type === 'update_expression') {
      const target = n.type === 'assignment_expression' ? n.childForFieldName('left') : n.childForFieldName('argument');
      if (target && stripParens(target).type === 'identifier' && target.text === base) return true;
    }
  }
  return false;
}

function coherentToStreaming(a: FunctionAnalysis): void {
  const allocs = a.lifecycles.filter((lc) => lc.resource.kind === 'alloc' && lc.resource.key && /^dmam?_alloc_(coherent|attrs|wc)$/.test(lc.resource.call.name));
  if (!allocs.length) return;
  for (const lc of a.lifecycles) {
    const r = lc.resource;
    if (r.kind !== 'map' || r.call.api.buffer === undefined) continue;
    const buf = r.call.args[r.call.api.buffer];
    if (!buf) continue;
    // The buffer itself, or a pointer into it (`&ring[i]`, `ring + off`).
    let base: Node | null = addressOf(buf) ?? stripParens(buf);
    while (base && (base.type === 'subscript_expression' || base.type === 'binary_expression')) base = stripParens(base.childForFieldName(base.type === 'binary_expression' ? 'left' : 'argument')!);
    if (!base) continue;
    const k = keyOf(a.fn, base);
    // Still the coherent buffer on the path that reaches the map.
    const alloc = allocs.find((x) => x.resource.keys.has(k) && x.heldNodes.has(r.cfgNode) && !oppositeBranches(a, x.resource.call.node, r.call.node));
    if (!alloc) continue;
    a.report({
      rule: 'coherent-to-streaming',
      node: buf,
      message: `${r.call.name}() maps ${code(buf)}, which is memory from ${alloc.resource.call.name}(): it already has a DMA address, and a streaming map of it is undefined (it may not be in the linear map)`,
      related: [{ node: alloc.resource.call.node, message: 'allocated coherent here' }],
    });
  }
}

/**
 * `if (!client->group) virt = dma_alloc_coherent(...); ... if (client->group)
 * dma_map_single(dev, virt, ...)`: the two sit under opposite outcomes of one
 * condition that nothing in the function assigns, so no run reaches both.
 */
function oppositeBranches(a: FunctionAnalysis, x: Node, y: Node): boolean {
  const outcomes = (n: Node) => {
    const out = new Map<string, boolean>();
    for (const { cond, inThen } of enclosingIfs(n)) {
      const { e, negated } = stripNegation(cond);
      if (e.type === 'identifier' || e.type === 'field_expression') out.set(e.text.replace(/\s+/g, ''), inThen !== negated);
    }
    return out;
  };
  const ox = outcomes(x);
  if (!ox.size) return false;
  for (const [cond, pol] of outcomes(y)) {
    if (ox.get(cond) !== !pol) continue;
    const assigned = a.fn.body.descendantsOfType('assignment_expression').some((asg) => asg.childForFieldName('left')?.text.replace(/\s+/g, '') === cond);
    if (!assigned) return true;
  }
  return false;
}

function cpuAccess(a: FunctionAnalysis): void {
  for (const lc of a.lifecycles) {
    const r = lc.resource;
    if (r.kind !== 'map' || !r.bufferKey || r.call.api.buffer === undefined) continue;
    if (argText(r.call.args, r.call.api.direction) !== 'DMA_FROM_DEVICE') continue;
    const bufferKey = r.bufferKey;
    const syncs = a.fn.dmaCalls.filter((c) => c.api.role === 'sync' && c.name.endsWith('_for_cpu') && c.api.handle !== undefined && c.args[c.api.handle] && r.keys.has(keyOf(a.fn, c.args[c.api.handle])));
    const firstSync = Math.min(...syncs.map((s) => s.node.startIndex), Infinity);
    for (const id of lc.heldNodes) {
      const node = a.fn.cfg.nodes[id];
      if (!node.ast || node.kind !== 'stmt' || node.ast.startIndex > firstSync || node.ast.startIndex < r.call.node.endIndex) continue;
      const write = cpuWrite(a, node.ast, bufferKey);
      if (!write) continue;
      a.report({
        rule: 'cpu-access-while-mapped',
        node: node.ast,
        message: `${code(write)} writes the buffer mapped DMA_FROM_DEVICE while the device owns it: the write can be lost to cache invalidation at unmap; call dma_sync_single_for_cpu() first or write before mapping`,
        related: [{ node: r.call.node, message: 'mapped DMA_FROM_DEVICE here' }],
      });
    }
  }
}

function cpuWrite(a: FunctionAnalysis, stmt: Node, bufferKey: string): Node | undefined {
  for (const n of walk(stmt)) {
    if (n.type === 'call_expression' && /^(memset|memcpy|memmove|strcpy|strscpy|sprintf|snprintf)$/.test(callName(n))) {
      // The destination is the buffer, or an offset into it (`rx + len - 4`).
      let dst: Node | null | undefined = callArgs(n)[0];
      while (dst && stripParens(dst).type === 'binary_expression') dst = stripParens(dst).childForFieldName('left');
      if (dst && keyOf(a.fn, dst) === bufferKey) return n;
    }
    if (n.type === 'assignment_expression') {
      // `buf[i] = …`, `*buf = …`, and through a mapped struct pointer `st->done = …`.
      let left = n.childForFieldName('left');
      while (left && (left.type === 'subscript_expression' || left.type === 'pointer_expression' || (left.type === 'field_expression' && left.child(1)?.text === '->'))) {
        const inner = left.childForFieldName('argument');
        if (inner && keyOf(a.fn, inner) === bufferKey) return n;
        left = inner;
      }
    }
  }
  return undefined;
}

function sgLoopCount(a: FunctionAnalysis): void {
  const maps = a.lifecycles.filter((lc) => (lc.resource.kind === 'sg' && lc.resource.key) || lc.resource.kind === 'sgtable');
  if (!maps.length) return;
  const norm = (t: string) => t.replace(/\s+/g, '');
  for (const call of a.fn.calls) {
    if (callName(call) !== 'for_each_sg') continue;
    const args = callArgs(call);
    if (args.length < 4) continue;
    const list = norm(args[0].text);
    const bound = args[2];
    let count: string | undefined;
    let mapCall: Node | undefined;
    for (const lc of maps) {
      const r = lc.resource;
      const sg = norm(r.call.args[r.call.api.buffer ?? 1]?.text ?? '');
      if (r.kind === 'sg' && sg === list && norm(r.call.args[r.call.api.nents!]?.text ?? '') === norm(bound.text)) {
        count = r.lhs!.text;
        mapCall = r.call.node;
      } else if (r.kind === 'sgtable' && list === `${sg}->sgl` && norm(bound.text) === `${sg}->orig_nents`) {
        // After dma_map_sgtable() the mapped count is sgt->nents.
        count = `${r.call.args[r.call.api.buffer ?? 1].text}->nents`;
        mapCall = r.call.node;
      }
    }
    if (!count || !mapCall) continue;
    // The loop must read DMA addresses or lengths, which only the first `count` entries have.
    if (!/\bsg_dma_(address|len)\s*\(/.test(loopBodyText(call))) continue;
    const mapped = count;
    a.report({
      rule: 'sg-loop-count',
      node: bound,
      message: `for_each_sg() walks ${code(bound)} entries, but only the ${code(mapped)} mapped by ${callName(mapCall)}() have DMA addresses; entries past them hold stale sg_dma_address()/sg_dma_len()`,
      related: [{ node: mapCall, message: `${mapped} entries mapped here` }],
      fix: () => [{ title: `Iterate over ${mapped}`, isPreferred: true, edits: [replaceNode(a.fn, bound, mapped)] }],
    });
  }
}

/** What follows a `for_each_*()` macro: the rest of its statement and the next statement. */
function loopBodyText(call: Node): string {
  let stmt: Node | null = call;
  while (stmt && stmt.type !== 'expression_statement' && stmt.parent && stmt.parent.type !== 'compound_statement') stmt = stmt.parent;
  if (!stmt) return '';
  const rest = stmt.text.slice(call.endIndex - stmt.startIndex);
  let next = stmt.nextNamedSibling;
  while (next && next.type === 'comment') next = next.nextNamedSibling;
  return rest + (next ? next.text : '');
}

/**
 * Fixes that write error handling: the check after an acquisition, and the
 * release on error paths, placed in the function's goto unwind ladder.
 *
 * The ladder is read from the function itself: for each label, which of the
 * function's DMA resources the code reached from it releases. A check jumps
 * to the label that releases exactly what is held; where none does, a new
 * label holding the missing releases is written just above the label that
 * releases the rest, in reverse acquisition order.
 */
import type { Node } from '../parse';
import type { FunctionContext } from '../analysis/function';
import type { CfgNode } from '../analysis/cfg';
import type { Leak, Lifecycle, Resource } from '../analysis/lifecycle';
import { callArgs, callName, lastName, stripParens, walk } from '../analysis/syntax';
import type { Fix, TextEdit } from '../types';
import { nodeRange } from '../rules/context';
import { indentOf, insertLinesAfter, insertLinesBefore, replaceNode, wrapStatement } from './edits';

interface LadderLabel {
  name: string;
  node: Node;
  cfg: number;
  /** Resources released on the way from this label to the function's exit. */
  releases: Set<number>;
  /** Resources released by this label's own block, before the next label. */
  own: Set<number>;
  /** The block above this label falls through into it. */
  fallsInto: boolean;
}

class Ladder {
  readonly labels: LadderLabel[] = [];
  private readonly owners = new Map<number, number>();

  constructor(
    readonly fn: FunctionContext,
    readonly lifecycles: Lifecycle[],
  ) {
    for (const lc of lifecycles) for (const rel of lc.releases) this.owners.set(rel.call.node.id, lc.resource.id);
    for (const [name, id] of fn.cfg.labels) {
      const node = fn.cfg.nodes[id].ast!;
      this.labels.push({ name, node, cfg: id, releases: this.reach(id, false), own: this.reach(id, true), fallsInto: fallsInto(node) });
    }
    this.labels.sort((a, b) => a.node.startIndex - b.node.startIndex);
  }

  /** Releases reached from a label, following fall-through and branches, stopping at returns (or at the next label). */
  private reach(start: number, ownBlockOnly: boolean): Set<number> {
    const out = new Set<number>();
    const seen = new Set<number>();
    const stack = [start];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const node = this.fn.cfg.nodes[id];
      if (ownBlockOnly && node.kind === 'label' && id !== start) continue;
      if (node.ast && node.kind !== 'label') {
        for (const n of walk(node.ast)) {
          if (n.type !== 'call_expression') continue;
          const owner = this.owners.get(n.id);
          if (owner !== undefined) out.add(owner);
        }
      }
      if (node.kind === 'return') continue;
      stack.push(...node.succ);
    }
    return out;
  }

  /**
   * Where what a label's own block releases was acquired: DMA resources from
   * their lifecycle; other calls (mutex_unlock, clk_disable_unprepare, …) at
   * the earliest earlier call on the same arguments (mutex_lock, …).
   */
  ownAcquisitions(l: LadderLabel): number[] {
    const out: number[] = [];
    for (const id of l.own) {
      const lc = this.lifecycles.find((x) => x.resource.id === id);
      if (lc) out.push(lc.resource.call.node.startIndex);
    }
    const block = l.node.namedChildren.filter((c): c is Node => !!c && c.type !== 'statement_identifier');
    for (let sib = l.node.nextNamedSibling; sib && sib.type !== 'labeled_statement'; sib = sib.nextNamedSibling) block.push(sib);
    for (const stmt of block) {
      for (const call of stmt.descendantsOfType('call_expression')) {
        if (this.owners.has(call.id)) continue;
        const args = call.childForFieldName('arguments')?.text.replace(/\s+/g, '');
        if (!args || args === '()') continue;
        let earliest: number | undefined;
        for (const c of this.fn.calls) {
          if (c.startIndex >= l.node.startIndex || c.id === call.id) continue;
          if (c.childForFieldName('arguments')?.text.replace(/\s+/g, '') === args && (earliest === undefined || c.startIndex < earliest)) earliest = c.startIndex;
        }
        if (earliest !== undefined) out.push(earliest);
      }
    }
    return out;
  }

  get(name: string): LadderLabel | undefined {
    return this.labels.find((l) => l.name === name);
  }

  /** Label names follow the ladder's own prefix (`err_`, `out_`, `fail_`, …). */
  newLabelName(verb: string, what: string): string {
    const prefixes = new Map<string, number>();
    for (const l of this.labels) {
      const m = /^([a-z]+)(_|$)/.exec(l.name);
      if (m) prefixes.set(m[1], (prefixes.get(m[1]) ?? 0) + 1);
    }
    let prefix = 'err';
    let best = 0;
    for (const [p, c] of prefixes) if (c > best && ['err', 'error', 'out', 'fail', 'free', 'unmap', 'cleanup', 'undo', 'exit', 'bail'].includes(p)) [prefix, best] = [p, c];
    if (['free', 'unmap', 'undo', 'cleanup'].includes(prefix)) prefix = 'err';
    const base = `${prefix}_${verb}_${what}`.replace(/_+/g, '_');
    let name = base;
    for (let i = 2; this.labels.some((l) => l.name === name); i++) name = `${base}${i}`;
    return name;
  }
}

function fallsInto(label: Node): boolean {
  let prev = label.previousNamedSibling;
  while (prev && prev.type === 'comment') prev = prev.previousNamedSibling;
  if (!prev) return false;
  let last: Node | null = prev;
  while (last && last.type === 'labeled_statement') last = last.namedChild(last.namedChildCount - 1);
  if (!last) return false;
  return !(last.type === 'return_statement' || last.type === 'goto_statement' || (last.type === 'expression_statement' && /^(BUG|panic)\(/.test(last.text)));
}

/** The release statement for a resource, built from its acquisition's own arguments. */
export function releaseStatement(r: Resource): string | undefined {
  const api = r.call.api;
  const args = r.call.args;
  if (r.call.wrapper || !r.lhs) return undefined;
  if (r.lhs.text.includes('[')) return undefined;
  const t = (i: number | undefined) => (i !== undefined && args[i] ? args[i].text.replace(/\s*\n\s*/g, ' ') : undefined);
  const dev = t(api.device);
  const name = r.lhs.text;
  // `&ring_dma` → `ring_dma`; a `dma_addr_t *dma` parameter passed through → `*dma`.
  const handleArg = api.handle !== undefined ? args[api.handle] : undefined;
  const handle = r.handleNode?.text ?? (handleArg && stripParens(handleArg).type === 'identifier' ? `*${handleArg.text}` : undefined);
  const size = t(api.size);
  const dir = t(api.direction);
  switch (api.name) {
    case 'dma_map_single':
    case 'dma_map_single_attrs':
      return dev && size && dir ? `dma_unmap_single(${dev}, ${name}, ${size}, ${dir});` : undefined;
    case 'dma_map_page':
    case 'dma_map_page_attrs':
      return dev && size && dir ? `dma_unmap_page(${dev}, ${name}, ${size}, ${dir});` : undefined;
    case 'dma_map_resource':
      return dev && size && dir ? `dma_unmap_resource(${dev}, ${name}, ${size}, ${dir}, 0);` : undefined;
    case 'dma_map_sg':
    case 'dma_map_sg_attrs':
      return dev && dir && args[1] && args[2] ? `dma_unmap_sg(${dev}, ${args[1].text}, ${args[2].text}, ${dir});` : undefined;
    case 'dma_map_sgtable':
      return dev && dir && args[1] ? `dma_unmap_sgtable(${dev}, ${args[1].text}, ${dir}, 0);` : undefined;
    case 'dma_alloc_coherent':
    case 'dma_zalloc_coherent':
      return dev && size && handle ? `dma_free_coherent(${dev}, ${size}, ${name}, ${handle});` : undefined;
    case 'dma_alloc_wc':
      return dev && size && handle ? `dma_free_wc(${dev}, ${size}, ${name}, ${handle});` : undefined;
    case 'dma_alloc_attrs':
      return dev && size && handle ? `dma_free_attrs(${dev}, ${size}, ${name}, ${handle}, ${t(api.attrs) ?? '0'});` : undefined;
    case 'dma_alloc_noncoherent':
      return dev && size && handle && dir ? `dma_free_noncoherent(${dev}, ${size}, ${name}, ${handle}, ${dir});` : undefined;
    case 'dma_alloc_pages':
      return dev && size && handle && dir ? `dma_free_pages(${dev}, ${size}, ${name}, ${handle}, ${dir});` : undefined;
    case 'dma_pool_alloc':
    case 'dma_pool_zalloc':
      return handle && args[0] ? `dma_pool_free(${args[0].text}, ${name}, ${handle});` : undefined;
    case 'dma_pool_create':
      return `dma_pool_destroy(${name});`;
    default:
      return undefined;
  }
}

/** Where statements can be added after a statement: blocks, case bodies, `#if` branches. */
const BLOCKS = new Set(['compound_statement', 'case_statement', 'labeled_statement', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef']);

/** The statement a check goes after: past a run of declarations, so no declaration follows code. */
function insertionPoint(stmt: Node): Node {
  let s = stmt;
  if (s.type === 'declaration') {
    while (s.nextNamedSibling && (s.nextNamedSibling.type === 'declaration' || s.nextNamedSibling.type === 'comment')) s = s.nextNamedSibling;
  }
  return s;
}

function statementOf(node: Node): Node | undefined {
  let n: Node | null = node;
  while (n && n.type !== 'expression_statement' && n.type !== 'declaration') {
    if (n.type.endsWith('_statement') && n.type !== 'expression_statement') return undefined;
    n = n.parent;
  }
  return n ?? undefined;
}

/** The error code the function uses after failed checks of this kind, or -ENOMEM. */
function errorCode(fn: FunctionContext, kind: Resource['kind']): string {
  if (kind !== 'map') return '-ENOMEM';
  for (const s of fn.body.descendantsOfType('if_statement')) {
    const cond = s.childForFieldName('condition');
    if (!cond) continue;
    const isMapCheck = /mapping_error/.test(cond.text);
    if ((kind === 'map') !== isMapCheck) continue;
    const body = s.childForFieldName('consequence');
    const m = body && /(?:=|return)\s*(-E[A-Z0-9]+)\s*;/.exec(body.text);
    if (m) return m[1];
  }
  return '-ENOMEM';
}

/** The print of the neighbouring error checks (the nearest before and after), when they all print. */
export function errorPrintDevice(fn: FunctionContext, near: Node): string | undefined {
  let before: Node | undefined;
  let after: Node | undefined;
  for (const s of fn.body.descendantsOfType('if_statement')) {
    const body = s.childForFieldName('consequence');
    if (!body || !/\b(goto|return)\b/.test(body.text) || s.startIndex === near.startIndex) continue;
    if (s.endIndex <= near.startIndex) {
      if (!before || s.startIndex > before.startIndex) before = s;
    } else if (s.startIndex >= near.endIndex) {
      if (!after || s.startIndex < after.startIndex) after = s;
    }
  }
  const neighbours = [before, after].filter((x): x is Node => !!x);
  if (!neighbours.length) return undefined;
  let device: string | undefined;
  for (const s of neighbours) {
    const print = s.childForFieldName('consequence')!.descendantsOfType('call_expression').find((c) => /^(dev_err|netdev_err|pr_err|dev_warn)$/.test(callName(c)));
    if (!print) return undefined;
    if (device === undefined) {
      const name = callName(print);
      const dev = name === 'pr_err' ? '' : (callArgs(print)[0]?.text ?? '');
      device = name === 'netdev_err' ? `netdev:${dev}` : dev;
    }
  }
  return device;
}

export function errorPrintLine(dev: string | undefined, message: string): string | undefined {
  if (dev === undefined) return undefined;
  if (dev.startsWith('netdev:')) return `netdev_err(${dev.slice(7)}, "${message}\\n");`;
  if (!dev) return `pr_err("${message}\\n");`;
  return `dev_err(${dev}, "${message}\\n");`;
}

function what(r: Resource): string {
  // An sg mapping is named after its list (`src`), not the count.
  const named = r.kind === 'sg' && r.call.api.buffer !== undefined && r.call.args[r.call.api.buffer] ? r.call.args[r.call.api.buffer] : r.lhs;
  return (named ? lastName(named) : 'buffer').replace(/^_+|_+$/g, '') || 'buffer';
}

function held(lifecycles: Lifecycle[], at: number, except: Resource | undefined): Lifecycle[] {
  // An earlier mapping kept in the variable the failing call just overwrote (`tb_phys` mapped
  // twice) can no longer be released by that name: unmapping it there would unmap the failed one.
  const overwritten = except?.key || undefined;
  return lifecycles.filter((lc) => lc.resource.id !== except?.id && !lc.resource.managed && lc.heldNodes.has(at) && lc.resource.kind !== 'sgtable' && !(overwritten && lc.resource.key === overwritten && lc.resource.call.node.startIndex < except!.call.node.startIndex));
}

export interface Exit {
  /** Lines of the body after the optional print: `ret = …;` and `goto …;`, or `return …;`. */
  lines: string[];
  extra: TextEdit[];
  ok: boolean;
}

/**
 * How a new error path leaves the function from statement `at`, releasing
 * everything held there except `self`.
 */
export function exitFrom(fn: FunctionContext, lifecycles: Lifecycle[], at: Node, self: Resource | undefined, code: string): Exit {
  const atId = fn.cfgNodeOf(at);
  const heldHere = atId === undefined ? [] : held(lifecycles, atId, self);
  const ladder = new Ladder(fn, lifecycles);
  const after = ladder.labels.filter((l) => l.node.startIndex > at.endIndex);
  // The nearest earlier goto into the ladder: it unwinds what was held before.
  let prevGoto: Node | undefined;
  for (const n of fn.cfg.nodes) {
    if (n.kind !== 'goto' || !n.ast || n.ast.startIndex >= at.startIndex) continue;
    if (!after.some((l) => l.name === n.label)) continue;
    if (!prevGoto || n.ast.startIndex > prevGoto.startIndex) prevGoto = n.ast;
  }
  const prevLabel = prevGoto ? ladder.get(prevGoto.childForFieldName('label')?.text ?? '') : undefined;
  const assign = fn.errorVar && fn.errorVar !== code ? [`${fn.errorVar} = ${code};`] : [];
  const direct = (): string => (fn.returnKind === 'pointer' ? 'return NULL;' : fn.returnKind === 'void' ? 'return;' : fn.returnType === 'netdev_tx_t' ? 'return NETDEV_TX_OK;' : `return ${code};`);
  const heldIds = new Set(heldHere.map((lc) => lc.resource.id));
  // The next error check jumps to the label that unwinds what is held here,
  // including what the catalogue does not know (regions, clocks, IRQs), as
  // long as it releases exactly the DMA resources held here.
  const next = nextErrorGoto(fn, at, after);
  if (next) {
    const label = ladder.get(next.label!)!;
    const releasesHeld = [...heldIds].every((id) => label.releases.has(id));
    const onlyHeld = [...label.releases].every((id) => heldIds.has(id));
    const acquiredBetween = lifecycles.some((lc) => lc.resource.id !== self?.id && lc.resource.call.node.startIndex > at.endIndex && lc.resource.call.node.startIndex < next.ast!.startIndex);
    if (releasesHeld && onlyHeld && !acquiredBetween) return { lines: [...assign, `goto ${label.name};`], extra: [], ok: true };
  }
  if (!heldHere.length) {
    // ndo_start_xmit drops the packet and reports it handled.
    const skb = fn.returnType === 'netdev_tx_t' ? [...fn.vars.values()].find((v) => v.isParam && v.isPointer && /struct\s+sk_buff$/.test(v.type)) : undefined;
    if (fn.returnType === 'netdev_tx_t' && !next) return { lines: [...(skb ? [`dev_kfree_skb_any(${skb.name});`] : []), 'return NETDEV_TX_OK;'], extra: [], ok: true };
    if (prevLabel && prevLabel.releases.size === 0) return { lines: [...assign, `goto ${prevLabel.name};`], extra: [], ok: true };
    if (prevLabel) {
      // The earlier label releases DMA resources not held here: find one that releases none.
      const empty = after.find((l) => l.releases.size === 0 && l.node.startIndex >= prevLabel.node.startIndex);
      if (empty) return { lines: [...assign, `goto ${empty.name};`], extra: [], ok: true };
    }
    return { lines: [direct()], extra: [], ok: true };
  }
  const acquiredBefore = new Set(lifecycles.filter((lc) => lc.resource.call.node.startIndex < at.startIndex).map((lc) => lc.resource.id));
  const exact = after.filter((l) => [...heldIds].every((id) => l.releases.has(id)) && [...l.releases].every((id) => acquiredBefore.has(id) && (heldIds.has(id) || !lifecycles[id]?.heldNodes.has(atId!))));
  const candidates = prevLabel ? exact.filter((l) => l.node.startIndex <= prevLabel.node.startIndex) : exact;
  if (candidates.length) {
    const target = candidates[candidates.length - 1];
    return { lines: [...assign, `goto ${target.name};`], extra: [], ok: true };
  }
  const base = prevLabel ?? after.find((l) => [...l.releases].every((id) => heldIds.has(id)));
  if (!base) {
    // No ladder to join: release inline, most recent first.
    const releases = heldHere
      .slice()
      .sort((a, b) => b.resource.call.node.startIndex - a.resource.call.node.startIndex)
      .map((lc) => releaseStatement(lc.resource));
    if (releases.some((x) => !x)) return { lines: [], extra: [], ok: false };
    return { lines: [...(releases as string[]), direct()], extra: [], ok: true };
  }
  const missing = heldHere.filter((lc) => !base.releases.has(lc.resource.id)).sort((a, b) => b.resource.call.node.startIndex - a.resource.call.node.startIndex);
  const stmts = missing.map((lc) => releaseStatement(lc.resource));
  if (stmts.some((x) => !x)) return { lines: [], extra: [], ok: false };
  // No place in the ladder where a new label would be reached only with these
  // resources held: release them here, most recent first, then join it.
  if (!labelCanGoAbove(ladder, base, missing)) return { lines: [...(stmts as string[]), ...assign, `goto ${base.name};`], extra: [], ok: true };
  const newest = missing[0].resource;
  const name = ladder.newLabelName(releaseVerb(newest), what(newest));
  const labelIndent = fn.indentUnit;
  const extra = [insertLinesBefore(fn, base.node, [{ text: `${name}:`, level: 0, column0: true }, ...stmts.map((s) => ({ text: s!, level: 0 }))], labelIndent)];
  return { lines: [...assign, `goto ${name};`], extra, ok: true };
}

/**
 * The goto of the first error check after `at`, when that check leaves by a
 * goto into the ladder (a check that returns directly means nothing is held).
 */
function nextErrorGoto(fn: FunctionContext, at: Node, after: LadderLabel[]): CfgNode | undefined {
  let first: Node | undefined;
  for (const s of fn.body.descendantsOfType('if_statement')) {
    if (s.startIndex <= at.endIndex) continue;
    const body = s.childForFieldName('consequence');
    if (!body || !/\b(goto|return)\b/.test(body.text)) continue;
    if (!first || s.startIndex < first.startIndex) first = s;
  }
  if (!first) return undefined;
  const body = first.childForFieldName('consequence')!;
  const gotoStmt = body.type === 'goto_statement' ? body : body.descendantsOfType('goto_statement')[0];
  if (!gotoStmt) return undefined;
  const label = gotoStmt.childForFieldName('label')?.text;
  if (!after.some((l) => l.name === label && l.node.startIndex > gotoStmt.startIndex)) return undefined;
  return fn.cfg.nodes.find((n) => n.kind === 'goto' && n.ast?.id === gotoStmt.id);
}

/** A new label above `base` is entered by fall-through from the block above: only valid when that block's resources were acquired after the new label's. */
function labelCanGoAbove(ladder: Ladder, base: LadderLabel, missing: Lifecycle[]): boolean {
  if (!base.fallsInto) return true;
  const idx = ladder.labels.indexOf(base);
  const above = idx > 0 ? ladder.labels[idx - 1] : undefined;
  if (!above) return false;
  // The block above already releases one of them: falling through would release it twice.
  if (missing.some((lc) => above.own.has(lc.resource.id))) return false;
  const oldest = Math.min(...missing.map((lc) => lc.resource.call.node.startIndex));
  for (const id of above.own) {
    const lc = ladder.lifecycles.find((l) => l.resource.id === id);
    if (lc && lc.resource.call.node.startIndex < oldest) return false;
  }
  return true;
}

interface Placement {
  /** Insert the new label above this label; undefined: at the end of the ladder, before its final statement. */
  above?: LadderLabel;
  at: Node;
}

/**
 * Where a release of `lc` goes in the ladder, counting from label `from`:
 * above the first label (from `from` down) that releases only older
 * resources, else at the bottom, before the ladder's final return. Valid only
 * when every goto that falls through to that point holds the resource.
 */
function placeRelease(ladder: Ladder, lc: Lifecycle, from: LadderLabel): Placement | undefined {
  const fn = ladder.fn;
  const start = ladder.labels.indexOf(from);
  const born = lc.resource.call.node.startIndex;
  let placement: Placement | undefined;
  for (let i = start; i < ladder.labels.length; i++) {
    const l = ladder.labels[i];
    if (i > start && !l.fallsInto) break;
    const acquired = ladder.ownAcquisitions(l);
    if (acquired.length && acquired.every((at) => at < born)) {
      placement = { above: l, at: l.node };
      break;
    }
  }
  if (!placement) {
    const last = ladderEnd(from);
    if (!last) return undefined;
    placement = { at: last };
  }
  // Every goto whose path falls through the insertion point must hold the resource.
  const firstFalling = placement.above ? ladder.labels.indexOf(placement.above) : ladder.labels.length;
  for (let i = firstFalling - 1; i >= 0; i--) {
    const l = ladder.labels[i];
    for (const n of fn.cfg.nodes) {
      if (n.kind === 'goto' && n.label === l.name && !lc.heldNodes.has(n.id)) {
        if (i >= start || !placement.above || i === firstFalling - 1) return undefined;
      }
    }
    if (!ladder.labels[i + 1] || !ladder.labels[i + 1].fallsInto) break;
  }
  if (placement.above && placement.above === ladder.labels[0] && placement.above.fallsInto) return undefined;
  return placement;
}

/** The statement that ends the ladder reached from `from`: its final `return`. */
function ladderEnd(from: LadderLabel): Node | undefined {
  let n: Node | null = from.node;
  let last: Node | undefined;
  while (n) {
    last = n;
    n = n.nextNamedSibling;
    while (n && n.type === 'comment') n = n.nextNamedSibling;
  }
  if (!last) return undefined;
  let inner: Node | null = last;
  while (inner && inner.type === 'labeled_statement') inner = inner.namedChild(inner.namedChildCount - 1);
  if (!inner || inner.type !== 'return_statement') return undefined;
  return last.type === 'labeled_statement' ? undefined : last;
}

function bodyLines(print: string | undefined, exit: Exit): { text: string; level: number }[] {
  const lines = [...(print ? [print] : []), ...exit.lines];
  return lines.map((text) => ({ text, level: 1 }));
}

function ifBlock(cond: string, body: { text: string; level: number }[]): { text: string; level: number }[] {
  if (body.length === 1) return [{ text: `if (${cond})`, level: 0 }, ...body];
  return [{ text: `if (${cond}) {`, level: 0 }, ...body, { text: '}', level: 0 }];
}

/** unchecked-mapping, unchecked-map-sg, unchecked-alloc: insert the check right after the acquisition. */
export function insertCheckFix(fn: FunctionContext, lifecycles: Lifecycle[], lc: Lifecycle): Fix[] {
  const r = lc.resource;
  if (r.use !== 'stored' || !r.lhs) return [];
  const stmt = statementOf(r.call.node);
  if (!stmt || !stmt.parent || !BLOCKS.has(stmt.parent.type)) return [];
  const handle = r.lhs.text;
  let cond: string;
  if (r.kind === 'map') {
    const dev = r.call.api.device !== undefined ? r.call.args[r.call.api.device]?.text : undefined;
    if (!dev) return [];
    cond = `dma_mapping_error(${dev}, ${handle})`;
  } else if (r.kind === 'sgtable') cond = handle;
  else cond = `!${handle}`;
  const codeText = errorCode(fn, r.kind);
  const at = insertionPoint(stmt);
  const exit = exitFrom(fn, lifecycles, stmt, r, codeText);
  if (!exit.ok) return [];
  const verb = r.kind === 'map' || r.kind === 'sg' || r.kind === 'sgtable' ? 'map' : r.kind === 'pool' ? 'create' : 'allocate';
  const print = errorPrintLine(errorPrintDevice(fn, stmt), `failed to ${verb} ${what(r).replace(/_/g, ' ')}`);
  const lines = ifBlock(cond, bodyLines(print, exit));
  const edit = insertLinesAfter(fn, at, lines);
  const title = r.kind === 'map' ? `Check ${handle} with dma_mapping_error()` : `Check ${handle} for failure`;
  return [{ title, isPreferred: true, edits: [edit, ...exit.extra] }];
}

/** unmap-missing-on-error, free-missing-on-error: release on the leaking path. */
export function releaseOnErrorFix(fn: FunctionContext, lifecycles: Lifecycle[], lc: Lifecycle, leak: Leak): Fix[] {
  const r = lc.resource;
  const release = releaseStatement(r);
  if (!release) return [];
  const scope = r.lhs && stripParens(r.lhs).type === 'identifier' ? fn.vars.get(r.lhs.text) : undefined;
  const localToBlock = !!scope && scope.node.parent?.id !== fn.body.id && !scope.isParam;
  const exit = leak.exit;
  const title = `Release ${r.lhs?.text ?? 'the buffer'} with ${release.slice(0, release.indexOf('('))}() on this error path`;
  if (exit.type === 'goto_statement') {
    if (localToBlock) return [];
    const ladder = new Ladder(fn, lifecycles);
    const target = ladder.get(exit.childForFieldName('label')?.text ?? '');
    if (!target) return [];
    // An existing label just above that releases exactly this resource and falls into the target.
    const idx = ladder.labels.indexOf(target);
    const above = idx > 0 ? ladder.labels[idx - 1] : undefined;
    const edits: TextEdit[] = [];
    let name: string;
    let retargetFrom: string | undefined;
    if (above && target.fallsInto && above.own.size === 1 && above.own.has(r.id)) {
      name = above.name;
      retargetFrom = target.name;
    } else {
      const place = placeRelease(ladder, lc, target);
      if (!place) return [];
      name = ladder.newLabelName(releaseVerb(r), what(r));
      // Below the target, reached only by falling through from it: no goto needs a
      // label there, and an unused one is a -Wunused-label warning.
      const labelled = place.above === target;
      edits.push(insertLinesBefore(fn, place.at, [...(labelled ? [{ text: `${name}:`, level: 0, column0: true }] : []), { text: release, level: 0 }], fn.indentUnit));
      if (labelled) retargetFrom = target.name;
    }
    if (retargetFrom) {
      for (const n of fn.cfg.nodes) {
        if (n.kind !== 'goto' || n.label !== retargetFrom || !lc.heldNodes.has(n.id)) continue;
        const label = n.ast!.childForFieldName('label');
        if (label) edits.push(replaceNode(fn, label, name));
      }
    }
    return [{ title, isPreferred: true, edits }];
  }
  if (exit.type !== 'return_statement') return [];
  const parent = exit.parent;
  const value = exit.namedChild(0);
  // Join the ladder when there is one: `ret = X; goto label;`.
  if (value && value.type !== 'comment' && !localToBlock && fn.cfg.labels.size && (fn.errorVar || value.text === fn.errorVar)) {
    const e = exitFrom(fn, lifecycles, exit, undefined, value.text);
    if (e.ok && e.lines.some((l) => l.startsWith('goto '))) return [{ title, isPreferred: true, edits: [...replaceStatement(fn, exit, e.lines), ...e.extra] }];
  }
  // No label releases what is held: a new one, placed by acquisition order.
  if (value && value.type !== 'comment' && !localToBlock && fn.errorVar) {
    const joined = joinLadderWithNewLabel(fn, lifecycles, lc, exit, value.text, release);
    if (joined) return [{ title, isPreferred: true, edits: joined }];
  }
  const indent = indentOf(fn, exit);
  if (parent && BLOCKS.has(parent.type)) {
    const at = { line: exit.startPosition.row + fn.lineOffset, character: 0 };
    return [{ title, isPreferred: true, edits: [{ range: { start: at, end: at }, newText: `${wrapStatement(indent, release)}\n` }] }];
  }
  if (parent && parent.type === 'if_statement' && parent.childForFieldName('consequence')?.id === exit.id && !parent.childForFieldName('alternative')) {
    return [{ title, isPreferred: true, edits: replaceStatement(fn, exit, [release, exit.text]) }];
  }
  return [];
}

/** `ret = X; goto err_free_r;` with `err_free_r` new, when the chain below it releases the rest of what is held. */
function joinLadderWithNewLabel(fn: FunctionContext, lifecycles: Lifecycle[], lc: Lifecycle, exit: Node, value: string, release: string): TextEdit[] | undefined {
  const ladder = new Ladder(fn, lifecycles);
  const first = ladder.labels.find((l) => l.node.startIndex > exit.endIndex);
  if (!first) return undefined;
  const place = placeRelease(ladder, lc, first);
  if (!place) return undefined;
  const atId = fn.cfgNodeOf(exit);
  const others = atId === undefined ? [] : held(lifecycles, atId, lc.resource);
  const below = place.above ? place.above.releases : new Set<number>();
  if (!others.every((o) => below.has(o.resource.id)) || [...below].some((id) => !others.some((o) => o.resource.id === id))) return undefined;
  const name = ladder.newLabelName(releaseVerb(lc.resource), what(lc.resource));
  const lines = [...(value === fn.errorVar ? [] : [`${fn.errorVar} = ${value};`]), `goto ${name};`];
  const replaced = replaceStatement(fn, exit, lines);
  if (!replaced.length) return undefined;
  return [...replaced, insertLinesBefore(fn, place.at, [{ text: `${name}:`, level: 0, column0: true }, { text: release, level: 0 }], fn.indentUnit)];
}

function releaseVerb(r: Resource): string {
  return r.kind === 'map' || r.kind === 'sg' || r.kind === 'sgtable' ? 'unmap' : r.kind === 'pool' ? 'destroy' : 'free';
}

/**
 * Replaces a statement by several, in its indentation; when it is the
 * unbraced body of an `if`, braces are added. A comment after the statement
 * stays at the end of the last line.
 */
function replaceStatement(fn: FunctionContext, stmt: Node, lines: string[]): TextEdit[] {
  const parent = stmt.parent;
  const indent = indentOf(fn, stmt);
  const range = nodeRange(fn, stmt);
  if (parent && parent.type === 'if_statement' && parent.childForFieldName('consequence')?.id === stmt.id && lines.length > 1) {
    const cond = parent.childForFieldName('condition')!;
    const ifIndent = indentOf(fn, parent);
    const condEnd = nodeRange(fn, cond).end;
    const sameLine = cond.endPosition.row === stmt.startPosition.row;
    if (sameLine) return [];
    const trailing = fn.source.lineText(stmt.endPosition.row).slice(stmt.endPosition.column);
    const endOfLine = { line: range.end.line, character: range.end.character + trailing.length };
    return [
      { range: { start: condEnd, end: condEnd }, newText: ' {' },
      { range: { start: range.start, end: endOfLine }, newText: lines.map((l, i) => wrapStatement(indent, l).slice(i ? 0 : indent.length) + (i === lines.length - 1 ? trailing : '')).join('\n') + `\n${ifIndent}}` },
    ];
  }
  return [{ range, newText: lines.map((l, i) => wrapStatement(indent, l).slice(i ? 0 : indent.length)).join('\n') }];
}

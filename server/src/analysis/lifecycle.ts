/**
 * Resource lifecycles: every DMA acquisition in a function followed along
 * every path (acquired → checked → released), the way a reviewer reads an
 * error-handling ladder.
 *
 * One depth-first walk per acquisition over the control-flow graph, with the
 * abstract state (the handle's state, the error variable's sign, whether a
 * failure branch was taken, the last goto) memoised per node, so each node is
 * visited a bounded number of times.
 */
import type { Node } from '../parse';
import { NodeCache } from '../tree';
import { lookupApi, type ApiEntry } from '../catalog';
import type { Cfg, CfgNode } from './cfg';
import type { DmaCall, FunctionContext } from './function';
import { addressOf, callArgs, callName, castOf, exprKey, isFieldKey, isNullLiteral, isZeroLiteral, stripParens, walk, WIDE_TYPE } from './syntax';

export type ResourceKind = 'map' | 'sg' | 'sgtable' | 'alloc' | 'pool' | 'pool-alloc';
export type HandleState = 'unchecked' | 'ok' | 'failed' | 'released' | 'maybe';

export interface Resource {
  id: number;
  call: DmaCall;
  kind: ResourceKind;
  /** Normalised key of where the result is stored ('' when not stored). */
  key: string;
  keys: Set<string>;
  /** Copies of the handle (`priv->ring = ring`) name it only after the copy: key → offset. */
  aliasAfter: Map<string, number>;
  lhs?: Node;
  /** alloc: the `&handle` out parameter. */
  handleKey?: string;
  handleNode?: Node;
  /** map/sg: the mapped buffer or scatterlist. */
  bufferKey?: string;
  /** How the result is consumed. */
  use: 'stored' | 'condition' | 'argument' | 'discarded' | 'returned';
  cfgNode: number;
  managed: boolean;
}

export interface Step {
  node: Node;
  message: string;
}

type Trail = StepTrail | RebasedTrail;

interface StepTrail {
  step: Step;
  prev?: Trail;
}

/** A trail from a stretch summary (which starts from nothing) on top of the path that reached the stretch. */
interface RebasedTrail {
  relative: Trail;
  base?: Trail;
}

export interface Release {
  call: DmaCall | { node: Node; name: string; args: Node[]; api?: ApiEntry };
  state: HandleState;
  /** The release does not belong to the resource's family (kfree of a coherent buffer…). */
  mismatch: boolean;
  /** Released through a helper: no argument comparison is possible. */
  indirect: boolean;
  steps: Step[];
}

export interface Misuse {
  cond: Node;
  test: Node;
  kind: 'null-test' | 'error-constant' | 'less-than-zero';
}

export interface Leak {
  exit: Node;
  steps: Step[];
}

export interface Lifecycle {
  resource: Resource;
  /** Tested anywhere on some path. */
  checked: boolean;
  /** Tested by a real check somewhere (not only by a misuse such as `if (!dma)`). */
  checkedProperly?: boolean;
  /** First use on a path where no check happened yet. */
  uncheckedUse?: { node: Node; steps: Step[] };
  misuses: Misuse[];
  leaks: Leak[];
  releases: Release[];
  /** `p = PTR_ALIGN(p, …)`, `p += off`: the original pointer is lost. */
  adjustments: Node[];
  /** The first statement using the buffer once the check passed (for redundant zeroing). */
  firstUseAfterCheck?: Node;
  /** Returned to the caller: the function is a wrapper. */
  returned: boolean;
  /** CFG nodes reached while the resource is held (acquired and not released). */
  heldNodes: NodeSet;
  /** CFG nodes reached while the resource may still be live (held, or handed to the device). */
  liveNodes: NodeSet;
}

/**
 * A set of CFG node ids in insertion order, which can also hold a whole
 * straight-line chain of statements as one entry (see `Chains`): the walk
 * passes a chain that does not concern a handle in one step.
 */
export class NodeSet implements Iterable<number> {
  /** Bit per node: added on its own. Bit per chain: added whole; some member added on its own. */
  private single?: Uint8Array;
  private whole?: Uint8Array;
  private touched?: Uint8Array;
  /** Entries in insertion order: a node id, -1 - chain index, or -1 - chain count - shared array index. */
  private order = new Int32Array(8);
  private shared?: Cons<readonly number[]>[];
  private sharedBits?: Set<Uint8Array>;
  private length = 0;
  private count = 0;

  constructor(
    private readonly nodeCount: number,
    private readonly chains?: Chains,
  ) {}

  add(id: number): void {
    if (this.has(id)) return;
    const c = this.chainOf(id);
    if (c >= 0) this.touched = setBit(this.touched, c, this.chains!.members.length);
    this.single = setBit(this.single, id, this.nodeCount);
    this.push(id);
    this.count++;
  }

  addChain(c: number): void {
    if (hasBit(this.whole, c)) return;
    const members = this.chains!.members[c];
    if (hasBit(this.touched, c)) {
      for (const m of members) this.add(m);
      return;
    }
    this.whole = setBit(this.whole, c, this.chains!.members.length);
    this.push(-1 - c);
    this.count += members.length;
  }

  /**
   * Adds a quiet stretch's nodes: `bits` marks them, `chunks` lists them
   * (`size` in all); both are shared with every other set and never changed,
   * and the set keeps one entry for the list. Membership is a test of these
   * bits too, so adding costs nothing per node. Iteration
   * yields the chunks, so a node already in the set may come twice (its one
   * iterating reader reports per node, and findings are deduplicated), and
   * `size` counts it twice: it is only ever compared with 0.
   */
  addShared(bits: Uint8Array, chunks: Cons<readonly number[]> | undefined, size: number): void {
    if (!chunks || this.sharedBits?.has(bits)) return;
    (this.sharedBits ??= new Set()).add(bits);
    const chainCount = this.chains ? this.chains.members.length : 0;
    this.count += size;
    (this.shared ??= []).push(chunks);
    this.push(-1 - chainCount - (this.shared.length - 1));
  }

  has(id: number): boolean {
    if (hasBit(this.single, id)) return true;
    if (this.sharedBits) for (const bits of this.sharedBits) if (hasBit(bits, id)) return true;
    const c = this.chainOf(id);
    return c >= 0 && hasBit(this.whole, c);
  }

  get size(): number {
    return this.count;
  }

  *[Symbol.iterator](): Iterator<number> {
    const chainCount = this.chains ? this.chains.members.length : 0;
    for (let i = 0; i < this.length; i++) {
      const e = this.order[i];
      if (e >= 0) yield e;
      else if (-1 - e < chainCount) yield* this.chains!.members[-1 - e];
      else for (let c: Cons<readonly number[]> | undefined = this.shared![-1 - e - chainCount]; c; c = c.next) yield* c.item;
    }
  }

  private chainOf(id: number): number {
    const c = this.chains?.chainOf[id];
    return c === undefined ? -1 : c;
  }

  private push(entry: number): void {
    if (this.length === this.order.length) {
      const grown = new Int32Array(this.order.length * 2);
      grown.set(this.order);
      this.order = grown;
    }
    this.order[this.length++] = entry;
  }
}

function hasBit(bits: Uint8Array | undefined, i: number): boolean {
  return !!bits && (bits[i >> 3] & (1 << (i & 7))) !== 0;
}

/** Sets bit `i`, allocating the bits (for `n` entries) on first use. */
function setBit(bits: Uint8Array | undefined, i: number, n: number): Uint8Array {
  const b = bits ?? new Uint8Array((n + 7) >> 3);
  b[i >> 3] |= 1 << (i & 7);
  return b;
}

/** Maximal runs of plain statements, each entered only at its first one. */
export interface Chains {
  /** Chain index of each node, -1 when it is in none. */
  chainOf: Int32Array;
  members: number[][];
  facts: ChainFacts[];
}

interface ChainFacts {
  /** Some statement of it assigns the error variable. */
  assignsErr: boolean;
}

/** Calls that drop a reference and run the release function given as their second argument when it was the last. */
const KREF_PUTS = new Set(['kref_put', 'kref_put_mutex', 'kref_put_lock']);
const RELEASE_HELPER = /(free|release|cleanup|clean_up|unmap|destroy|teardown|deinit|uninit|fini|put|dealloc|unprepare)/i;
/** Accessors that only record or read a handle (`dma_unmap_addr_set`, `…_get`). */
const NOT_A_RELEASE = /(_set|_get|_addr|_len|_state|_count)$|^dma_unmap_(addr|len)/;
const CPU_FREES = new Set(['kfree', 'kvfree', 'vfree', 'kfree_sensitive', 'free_pages', 'free_page', '__free_pages', 'devm_kfree', 'kmem_cache_free']);
/** Logging a handle's value is not a use of the memory. */
/** dma_mapping_error() and the drivers' own wrappers of it named for what they do (`enic_dma_map_check()` in a header). */
const MAP_CHECK = /mapping_error|dma_map(?:ping)?_(?:check|err|error|failed)$/;
const PRINTS = /^(?:printk|pr_\w+|dev_(?:err|warn|info|dbg|notice|vdbg|err_ratelimited|dbg_ratelimited)|netdev_\w+|netif_\w+|trace_\w+|seq_printf|dma_debug\w*)$/;
/** A driver's own logging macro (`wil_dbg_misc`, `vchiq_log_trace`, `ASC_DBG`): it prints the pointer, it does not dereference it. */
const DRIVER_PRINTS = /(?:^|_)(?:v?dbg|debug|log|trace|printk?|info|notice|warn|DBG|DEBUG|LOG|TRACE|PRINTK?|INFO|WARN)(?:_[a-z0-9]+)?$|^(?:DBG|DEBUG|LOG|TRACE|PRINTK?)(?:_|$)/;
const TRANSPARENT = new Set(['unlikely', 'likely', 'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE']);
/** Assertions: a DMA address they compare is not handed to anything (`BUG_ON(handle != virt_to_phys(buf));`). */
const ASSERTIONS = new Set(['BUG_ON', 'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE', 'BUILD_BUG_ON']);

export function kindOf(api: ApiEntry): ResourceKind | undefined {
  switch (api.role) {
    case 'map':
      return 'map';
    case 'map-sg':
      return 'sg';
    case 'map-sgtable':
      return 'sgtable';
    case 'alloc':
      return 'alloc';
    case 'pool-create':
      return 'pool';
    case 'pool-alloc':
      return 'pool-alloc';
    default:
      return undefined;
  }
}

/** A handle key as this function spells it: `p->f` through `p = &X` is `X.f`; `->` and `.` meet. */
export function keyOf(ctx: FunctionContext, node: Node): string {
  let keys = lastKeyCtx === ctx ? lastKeys : undefined;
  if (!keys) {
    keys = keyCache.get(ctx);
    if (!keys) {
      // By node id: the ids of a tree run from 1 to its number of nodes.
      keys = new Array<string | undefined>(node.documentNodes.length + 1);
      keyCache.set(ctx, keys);
    }
    lastKeyCtx = ctx;
    lastKeys = keys;
  }
  let k = keys[node.id];
  if (k === undefined) {
    k = computeKey(ctx, node);
    keys[node.id] = k;
  }
  return k;
}

/** keyOf() by node id, per function: the walks ask for the same nodes' keys once per handle. */
const keyCache = new WeakMap<FunctionContext, (string | undefined)[]>();
let lastKeyCtx: FunctionContext | undefined;
let lastKeys: (string | undefined)[] | undefined;

function computeKey(ctx: FunctionContext, node: Node): string {
  let k = exprKey(node);
  if (k.includes('->')) k = k.replace(/->/g, '.');
  if (!ctx.pointerAliases.size) return k;
  // `*p_comp` through `p_comp = &info->p_completion_word` is that field.
  const deref = /^\*([A-Za-z_]\w*)$/.exec(k);
  if (deref && ctx.pointerAliases.has(deref[1])) return ctx.pointerAliases.get(deref[1])!.replace(/->/g, '.');
  const m = /^([A-Za-z_]\w*)/.exec(k);
  if (m && ctx.pointerAliases.has(m[1]) && k.length > m[1].length) {
    k = ctx.pointerAliases.get(m[1])!.replace(/->/g, '.') + k.slice(m[1].length);
  }
  return k;
}

export function findResources(ctx: FunctionContext): Resource[] {
  const out: Resource[] = [];
  for (const call of ctx.dmaCalls) {
    const kind = kindOf(call.api);
    if (!kind) continue;
    const cfgNode = ctx.cfgNodeOf(call.node);
    if (cfgNode === undefined) continue;
    const { use, lhs } = resultUse(call.node);
    const key = lhs ? keyOf(ctx, lhs) : '';
    const r: Resource = {
      id: out.length,
      call,
      kind,
      key,
      keys: new Set(key ? [key] : []),
      aliasAfter: new Map(),
      lhs,
      use,
      cfgNode,
      managed: !!call.api.managed,
      handleKey: undefined,
      handleNode: undefined,
      bufferKey: undefined,
    };
    if (call.api.handle !== undefined && (kind === 'alloc' || kind === 'pool-alloc')) {
      const h = call.args[call.api.handle];
      const target = h && addressOf(h);
      if (target) {
        r.handleKey = keyOf(ctx, target);
        r.handleNode = target;
      }
    }
    if (call.api.buffer !== undefined && call.args[call.api.buffer]) r.bufferKey = keyOf(ctx, call.args[call.api.buffer]);
    if (kind === 'pool' || kind === 'sgtable') r.bufferKey ??= key;
    addCopyAliases(ctx, r);
    out.push(r);
  }
  return out;
}

/** How the call's value is consumed, and where it is stored. */
function resultUse(call: Node): { use: Resource['use']; lhs?: Node } {
  let n = call;
  let p = n.parent;
  while (p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression')) {
    n = p;
    p = p.parent;
  }
  if (!p) return { use: 'discarded' };
  if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === n.id) {
    const lhs = p.childForFieldName('left') ?? undefined;
    return { use: insideCondition(p) ? 'condition' : 'stored', lhs };
  }
  if (p.type === 'init_declarator' && p.childForFieldName('value')?.id === n.id) {
    let d = p.childForFieldName('declarator');
    while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
    return { use: 'stored', lhs: d ?? undefined };
  }
  if (p.type === 'return_statement') return { use: 'returned' };
  if (p.type === 'expression_statement') return { use: 'discarded' };
  if (insideCondition(n)) return { use: 'condition' };
  return { use: 'argument' };
}

function insideCondition(node: Node): boolean {
  let n: Node | null = node;
  while (n && n.parent) {
    const p: Node = n.parent;
    if ((p.type === 'if_statement' || p.type === 'while_statement' || p.type === 'do_statement') && p.childForFieldName('condition')?.id === n.id) return true;
    if (p.type === 'expression_statement' || p.type === 'compound_statement' || p.type === 'declaration') return false;
    n = p;
  }
  return false;
}

/** Flow-insensitive copies: `a = h;` and `T a = h;` make `a` another name for the handle. */
function addCopyAliases(ctx: FunctionContext, r: Resource): void {
  if (!r.key) return;
  const copies = flowFacts(ctx).copies;
  for (let round = 0; round < 2; round++) {
    for (const c of copies) {
      // `pkt = sp->crc_ctx = dma_pool_zalloc(...)`: the outer name copies the inner one, for that acquisition only.
      if (c.onlyFor !== undefined && c.onlyFor !== r.call.node.id) continue;
      if (!r.keys.has(c.from)) continue;
      if (c.to === r.key) continue;
      r.keys.add(c.to);
      r.aliasAfter.set(c.to, Math.min(c.at, r.aliasAfter.get(c.to) ?? Infinity));
    }
  }
}

// ---------------------------------------------------------------------------
// Per-function facts that every handle's walk shares

/** What a CFG node's statement (or condition) can mean to any handle, computed once per function. */
interface NodeFacts {
  /** keyOf() of every expression in it that could name a handle (operands, call arguments, assigned targets). */
  mentions: Set<string>;
  /** Targets it assigns or increments, as basesOf() spells them. */
  assigned: ReadonlySet<string>;
  /** Calls a same-file releaser or a function named like a release helper: may release any handle. */
  helperCall: boolean;
  /** Mentions a variable that holds a dma_mapping_error() result. */
  holderMention: boolean;
  /** What it assigns to the error variable. */
  err?: ErrState;
  /** Effects for a handle it does not concern (noneEffects(), made when first asked). */
  none?: NodeEffects;
}

interface CondFacts {
  errTest?: { t: ErrState; f: ErrState };
  failureEdge: number;
  /** repeatedCondition() of it ('' for loop heads). */
  repeated: string;
  /** `x == C` / `x != C` against a constant: what a decision about x implies for it. */
  equality?: Equality;
  /** The path step messages for the true and false edges, made on first use. */
  trail?: [string, string];
  /** Per successor: can a test of the same condition be reached from it (1), or not (2)? */
  liveAfter?: Uint8Array;
}

interface FlowFacts {
  nodes: (NodeFacts | undefined)[];
  conds: (CondFacts | undefined)[];
  /** Plain copies `to = from` in document order (for copy aliases); `onlyFor`: the acquisition a chained assignment copies. */
  copies: { from: string; to: string; at: number; onlyFor?: number }[];
  /** Variables assigned a dma_mapping_error() result. */
  holders: Set<string>;
  /** Per remembered condition, the nodes from which a test of it is still reachable. */
  live?: Map<string, Uint8Array>;
  /** The non-loop conditions tested more than once, by their decision key. */
  repeatedConds?: Map<string, number[]>;
  preds?: number[][];
  chains?: Chains;
  index?: MentionIndex;
  /** Per key, the start of the last CFG node that mentions it. */
  lastMention?: Map<string, number>;
  /** Walked with the shared mention index and runs (see INDEXED_FUNCTION). */
  indexed?: boolean;
  /** Walked with dead decisions dropped (see LARGE_FUNCTION). */
  large?: boolean;
  /** Nodes on a cycle of the CFG (1). */
  cyclic?: Uint8Array;
  /** What every path from the entry says of the error variable on reaching each node (errStatesAt()). */
  errIn?: ErrState[];
}

const flowCache = new WeakMap<FunctionContext, FlowFacts>();

/** The last function asked for: the walks ask many times in a row. */
let lastFlow: { ctx: FunctionContext; facts: FlowFacts } | undefined;

function flowFacts(ctx: FunctionContext): FlowFacts {
  if (lastFlow?.ctx === ctx) return lastFlow.facts;
  let f = flowCache.get(ctx);
  if (f) {
    lastFlow = { ctx, facts: f };
    return f;
  }
  const copies: FlowFacts['copies'] = [];
  const holders = new Set<string>();
  const nodes = ctx.body.documentNodes;
  for (let i = ctx.body.subtreeStart(), end = ctx.body.subtreeEnd(); i <= end; i++) {
    const n = nodes[i];
    let l: Node | null = null;
    let rr: Node | null = null;
    if (n.type === 'assignment_expression' && n.child(1)?.text === '=') {
      l = n.childForFieldName('left');
      rr = n.childForFieldName('right');
    } else if (n.type === 'init_declarator') {
      rr = n.childForFieldName('value');
      l = n.childForFieldName('declarator');
      while (l && l.type !== 'identifier') l = l.childForFieldName('declarator');
    }
    if (!l || !rr) continue;
    let right = stripParens(rr);
    let onlyFor: number | undefined;
    if (right.type === 'assignment_expression') {
      let inner = right;
      while (inner.type === 'assignment_expression' && inner.child(1)?.text === '=') inner = stripParens(inner.childForFieldName('right')!);
      onlyFor = inner.id;
      right = stripParens(right.childForFieldName('left')!);
    }
    // `rxdp->Buffer0_ptr = *temp0 = dma_map_single(...)`: a dereference names a handle too.
    const deref = right.type === 'pointer_expression' && right.child(0)?.text === '*';
    if (right.type === 'identifier' || right.type === 'field_expression' || right.type === 'subscript_expression' || (deref && onlyFor !== undefined)) copies.push({ from: keyOf(ctx, right), to: keyOf(ctx, l), at: n.endIndex, onlyFor });
    if (right.type === 'call_expression' && MAP_CHECK.test(callName(right))) holders.add(l.text);
  }
  f = { nodes: [], conds: [], copies, holders };
  flowCache.set(ctx, f);
  lastFlow = { ctx, facts: f };
  return f;
}

/**
 * Where the function last mentions `key` (the start offset of the last CFG
 * statement or condition that could read, write or release it), -1 when
 * none does, Infinity when the function is too short to be worth it. A
 * forward search for a use of the key can stop past it.
 */
export function lastMention(ctx: FunctionContext, key: string): number {
  // Short functions: searching them costs less than indexing them.
  if (ctx.cfg.nodes.length < 500) return Infinity;
  const flow = flowFacts(ctx);
  if (!flow.lastMention) {
    flow.lastMention = new Map();
    for (const n of ctx.cfg.nodes) {
      if (!n.ast) continue;
      for (const k of nodeFacts(ctx, n.id).mentions) if ((flow.lastMention.get(k) ?? -1) < n.ast.startIndex) flow.lastMention.set(k, n.ast.startIndex);
    }
  }
  return flow.lastMention.get(key) ?? -1;
}

const RELEASE_ROLES = new Set(['unmap', 'unmap-sg', 'unmap-sgtable', 'free', 'pool-free', 'pool-destroy']);

const HANDLE_TYPES = new Set(['identifier', 'field_expression', 'subscript_expression', 'pointer_expression', 'call_expression']);

/** The `assigned` set of every statement that assigns nothing (most): shared, never changed. */
const NOTHING_ASSIGNED: ReadonlySet<string> = new Set<string>();

/** What the walk reads for a statement that does not concern the handle: never changed, so the empty lists are shared. */
function noneEffects(nf: NodeFacts): NodeEffects {
  nf.none ??= { releases: NO_EFFECTS.releases, mismatched: NO_EFFECTS.mismatched, indirect: NO_EFFECTS.indirect, uses: NO_EFFECTS.uses, reassigns: false, adjusts: NO_EFFECTS.adjusts, acquires: false, err: nf.err, companionAt: NO_EFFECTS.companionAt, copies: NO_EFFECTS.copies };
  return nf.none;
}

function nodeFacts(ctx: FunctionContext, id: number): NodeFacts {
  const flow = flowFacts(ctx);
  let nf = flow.nodes[id];
  if (nf) return nf;
  const ast = ctx.cfg.nodes[id].ast;
  const mentions = new Set<string>();
  let assigned: Set<string> | undefined;
  let helperCall = false;
  let holderMention = false;
  const err = ast ? errAssignment(ctx, ast) : undefined;
  const nodes = ast ? ast.documentNodes : [];
  for (let i = ast ? ast.subtreeStart() : 0, end = ast ? ast.subtreeEnd() : -1; i <= end; i++) {
    const n = nodes[i];
    if (HANDLE_TYPES.has(n.type)) mentions.add(keyOf(ctx, n));
    if (n.type === 'identifier' && flow.holders.size && flow.holders.has(n.text)) holderMention = true;
    if (n.type === 'call_expression') {
      const name = callName(n);
      if (ctx.facts.summaries.has(name) || (RELEASE_HELPER.test(name) && !NOT_A_RELEASE.test(name) && !lookupApi(name))) helperCall = true;
      // Arguments of a release also match through another spelling of the object (canonicalKey()).
      const release = RELEASE_ROLES.has(lookupApi(name)?.role ?? '');
      // An unmap of what a call reads back from a table (`dpaa2_sg_get_addr(&sgt[i])`) may release any handle put there.
      if (release && callArgs(n).some((a) => stripParens(a).type === 'call_expression')) helperCall = true;
      for (const a of callArgs(n)) {
        mentions.add(keyOf(ctx, a));
        const deref = wideCastDerefKey(ctx, a);
        if (deref !== undefined) mentions.add(deref);
        if (release) mentions.add(canonicalKey(ctx, keyOf(ctx, a)));
        const inner = addressOf(a);
        if (inner) mentions.add(keyOf(ctx, inner));
      }
    } else if (n.type === 'update_expression') {
      const target = n.childForFieldName('argument');
      if (target) (assigned ??= new Set()).add(target.text.replace(/\s+/g, ''));
    } else if (n.type === 'assignment_expression' || n.type === 'init_declarator') {
      const left = n.type === 'assignment_expression' ? n.childForFieldName('left') : n.childForFieldName('declarator');
      if (left) {
        const k = keyOf(ctx, left);
        mentions.add(k);
        (assigned ??= new Set()).add(k);
      }
    }
  }
  nf = { mentions, assigned: assigned ?? NOTHING_ASSIGNED, helperCall, holderMention, err, none: undefined };
  flow.nodes[id] = nf;
  return nf;
}

/** Who mentions, assigns or may release what, over all statements of the function. */
interface MentionIndex {
  byKey: Map<string, number[]>;
  byAssigned: Map<string, number[]>;
  helperCalls: number[];
  holderMentions: number[];
  /** CFG nodes by the id of their statement (or condition) node. */
  byAst: Map<number, number[]>;
}

function mentionIndex(ctx: FunctionContext): MentionIndex {
  const flow = flowFacts(ctx);
  if (flow.index) return flow.index;
  const index: MentionIndex = { byKey: new Map(), byAssigned: new Map(), helperCalls: [], holderMentions: [], byAst: new Map() };
  const add = (map: Map<string | number, number[]>, k: string | number, id: number) => {
    const list = map.get(k);
    if (list) list.push(id);
    else map.set(k, [id]);
  };
  for (const n of ctx.cfg.nodes) {
    if (!n.ast) continue;
    const nf = nodeFacts(ctx, n.id);
    for (const k of nf.mentions) add(index.byKey as Map<string | number, number[]>, k, n.id);
    for (const k of nf.assigned) add(index.byAssigned as Map<string | number, number[]>, k, n.id);
    if (nf.helperCall) index.helperCalls.push(n.id);
    if (nf.holderMention) index.holderMentions.push(n.id);
    add(index.byAst as Map<string | number, number[]>, n.ast.id, n.id);
  }
  flow.index = index;
  return index;
}

/** concernedNodes() asked of one node: is `id` among them? */
function concerns(ctx: FunctionContext, r: Resource, names: HandleNames, id: number): boolean {
  const ast = ctx.cfg.nodes[id].ast;
  if (!ast) return false;
  const acq = r.call.node;
  if (acq.startIndex >= ast.startIndex && acq.endIndex <= ast.endIndex) return true;
  const nf = nodeFacts(ctx, id);
  if (nf.helperCall) return true;
  if (r.kind === 'map' && nf.holderMention) return true;
  for (const k of names.keys) if (nf.mentions.has(k)) return true;
  if (nf.assigned.size) for (const b of names.bases) if (nf.assigned.has(b)) return true;
  return false;
}

/**
 * The nodes that can change anything about `r`. Every other node the walk
 * treats as a plain statement: no test, release, use or reassignment of the
 * handle (the index covers every way computeEffects() and testOf() recognise
 * one), only its effect on the error variable.
 */
function concernedNodes(ctx: FunctionContext, r: Resource, names: HandleNames): number[] {
  const index = mentionIndex(ctx);
  const out: number[] = [...index.helperCalls];
  // The statements (labels, #if blocks) the acquisition is part of.
  for (let n: Node | null = r.call.node; n; n = n.parent) out.push(...(index.byAst.get(n.id) ?? []));
  if (r.kind === 'map') out.push(...index.holderMentions);
  for (const k of names.keys) out.push(...(index.byKey.get(k) ?? []));
  for (const b of names.bases) out.push(...(index.byAssigned.get(b) ?? []));
  return out;
}

/**
 * Where a remembered branch decision can still matter: the nodes from which a
 * condition with the same text is reachable. Elsewhere it is dropped, so paths
 * that differ only in conditions they will never test again meet in the memo.
 */
function liveDecisions(ctx: FunctionContext, key: string): Uint8Array {
  const flow = flowFacts(ctx);
  const nodes = ctx.cfg.nodes;
  if (!flow.repeatedConds) {
    flow.repeatedConds = new Map();
    for (const n of nodes) {
      if (n.kind !== 'cond' || !n.ast || n.loop) continue;
      const k = condFacts(ctx, n).repeated;
      if (!k) continue;
      const list = flow.repeatedConds.get(k) ?? [];
      list.push(n.id);
      flow.repeatedConds.set(k, list);
    }
  }
  flow.live ??= new Map();
  let live = flow.live.get(key);
  if (!live) {
    live = new Uint8Array(nodes.length);
    const targets = flow.repeatedConds.get(key) ?? [];
    // A decision only travels forward from its one test: if that test is on
    // no cycle, nothing after it reaches it again.
    flow.cyclic ??= cyclicNodes(ctx.cfg);
    if (targets.length === 1 && !flow.cyclic[targets[0]]) {
      live = new Uint8Array(0);
      flow.live.set(key, live);
      return live;
    }
    const stack = [...targets];
    while (stack.length) {
      const id = stack.pop()!;
      if (live[id]) continue;
      live[id] = 1;
      for (const p of predecessors(ctx)[id]) if (!live[p]) stack.push(p);
    }
    flow.live.set(key, live);
  }
  return live;
}

/** Each CFG node's predecessors, once per function. */
function predecessors(ctx: FunctionContext): number[][] {
  const flow = flowFacts(ctx);
  if (!flow.preds) {
    const preds: number[][] = ctx.cfg.nodes.map(() => []);
    for (const n of ctx.cfg.nodes) for (const t of n.succ) preds[t].push(n.id);
    flow.preds = preds;
  }
  return flow.preds;
}

/** Nodes that lie on a cycle (Tarjan's strongly connected components, iterative). */
function cyclicNodes(cfg: Cfg): Uint8Array {
  const n = cfg.nodes.length;
  const out = new Uint8Array(n);
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const sccStack: number[] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    sccStack.push(root);
    onStack[root] = 1;
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const succ = cfg.nodes[v].succ;
      if (i < succ.length) {
        top[1]++;
        const w = succ[i];
        if (w === v) out[v] = 1;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          sccStack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = sccStack.pop()!;
          onStack[w] = 0;
          members.push(w);
        } while (w !== v);
        if (members.length > 1) for (const m of members) out[m] = 1;
      }
    }
  }
  return out;
}

/**
 * Above this many (acquisitions × CFG nodes) a function is walked with dead
 * decisions dropped. Remembering them keeps apart paths that differ only in
 * conditions they will never test again, so a long unwind ladder is walked
 * once per goto and per handle: cubic growth. Dropping them merges those
 * paths, which is not free: a merged path can show fewer branch steps, and a
 * decision that the four-entry window would have pushed out can stay and
 * prune a path (applied to every function of the Linux 6.1 corpus, it
 * shortened the paths of 9 findings and lost 3 leaks). No function of Linux
 * 6.1's drivers/, sound/ and net/ goes above about 7,000; generated code
 * reaches millions.
 */
const LARGE_FUNCTION = 50_000;

function mergesDeadDecisions(ctx: FunctionContext): boolean {
  const flow = flowFacts(ctx);
  if (flow.large === undefined) {
    flow.large = acquisitionCount(ctx) * ctx.cfg.nodes.length > LARGE_FUNCTION;
  }
  return flow.large;
}

/** Is the decision a condition takes still worth remembering at its successor `i`? */
function liveAfter(ctx: FunctionContext, node: CfgNode, cf: CondFacts, i: number): boolean {
  cf.liveAfter ??= new Uint8Array(node.succ.length);
  if (!cf.liveAfter[i]) cf.liveAfter[i] = decisionLive(ctx, cf.repeated, node.succ[i]) ? 1 : 2;
  return cf.liveAfter[i] === 1;
}

/** Can a test of the condition `key` still be reached from node `at`? */
function decisionLive(ctx: FunctionContext, key: string, at: number): boolean {
  const live = liveDecisions(ctx, key);
  if (live.length) return live[at] === 1;
  // Its one test, on no cycle: live only at the test itself.
  return flowFacts(ctx).repeatedConds!.get(key)![0] === at;
}

function dropDeadDecisions(ctx: FunctionContext, decisions: string, at: number): string {
  const entries = decisions.split('\u0001');
  const kept = entries.filter((entry) => decisionLive(ctx, entry.slice(0, entry.lastIndexOf('=')), at));
  return kept.length === entries.length ? decisions : kept.join('\u0001');
}

/**
 * Runs of two or more plain statements (one successor each) where every
 * statement after the first has the previous one as its only predecessor;
 * a goto can end one.
 */
function chains(ctx: FunctionContext): Chains {
  const flow = flowFacts(ctx);
  if (flow.chains) return flow.chains;
  const nodes = ctx.cfg.nodes;
  const preds = predecessors(ctx);
  const plain = (id: number) => {
    const n = nodes[id];
    return n.kind === 'stmt' && n.succ.length === 1 && !!n.ast;
  };
  // `id` continues the chain of its only predecessor; a goto ends one.
  const continues = new Uint8Array(nodes.length);
  for (const n of nodes) {
    if (!plain(n.id)) continue;
    const next = n.succ[0];
    if (next !== n.id && (plain(next) || nodes[next].kind === 'goto') && preds[next].length === 1) continues[next] = 1;
  }
  const chainOf = new Int32Array(nodes.length).fill(-1);
  const members: number[][] = [];
  const facts: ChainFacts[] = [];
  for (const n of nodes) {
    if (!plain(n.id) || continues[n.id]) continue;
    const list = [n.id];
    for (let next = n.succ[0]; continues[next] && chainOf[next] === -1 && !list.includes(next); next = nodes[next].succ[0]) {
      list.push(next);
      if (nodes[next].kind === 'goto') break;
    }
    if (list.length < 2) continue;
    const c = members.length;
    const f: ChainFacts = { assignsErr: false };
    for (const id of list) {
      chainOf[id] = c;
      f.assignsErr ||= nodeFacts(ctx, id).err !== undefined;
    }
    members.push(list);
    facts.push(f);
  }
  flow.chains = { chainOf, members, facts };
  return flow.chains;
}

/** What the walk checks of a handle, gathered once per handle. */
interface HandleNames {
  keys: string[];
  bases: string[];
}

function handleNames(ctx: FunctionContext, r: Resource): HandleNames {
  const keys = [...r.keys];
  if (r.handleKey !== undefined) keys.push(r.handleKey);
  if (r.bufferKey !== undefined) keys.push(r.bufferKey);
  // Release arguments also match through another spelling of the object.
  for (const k of [...keys]) keys.push(canonicalKey(ctx, k));
  return { keys, bases: [...basesOf(r)] };
}

function condFacts(ctx: FunctionContext, node: CfgNode): CondFacts {
  const flow = flowFacts(ctx);
  let cf = flow.conds[node.id];
  if (!cf) {
    const ast = node.ast!;
    cf = {
      errTest: errTest(ctx, ast),
      failureEdge: failureEdge(ctx, ast),
      repeated: node.loop ? '' : repeatedCondition(ctx, ast),
      equality: node.loop ? undefined : equalityOf(ast),
    };
    flow.conds[node.id] = cf;
  }
  return cf;
}

// ---------------------------------------------------------------------------
// Condition evaluation

/**
 * What the path knows of the function's error variable: `neg` an error
 * (negative or non-zero), `zero` exactly 0, `nonneg` not negative (after
 * `if (ret < 0)` fails: 0 or a count), `unknown`.
 */
export type ErrState = 'neg' | 'zero' | 'nonneg' | 'unknown';

/**
 * The error variable's state on reaching each CFG node, joined over every
 * path from the function's entry (a node reached with two different states
 * gets `unknown`). Assignments set it; tests of it refine it per edge.
 */
function errStatesAt(ctx: FunctionContext): ErrState[] {
  const flow = flowFacts(ctx);
  if (flow.errIn) return flow.errIn;
  const nodes = ctx.cfg.nodes;
  const state: (ErrState | undefined)[] = new Array(nodes.length);
  const out = (id: number, value: ErrState) => {
    const old = state[id];
    if (old === value || old === 'unknown') return false;
    state[id] = old === undefined ? value : 'unknown';
    return true;
  };
  const work: number[] = [];
  if (out(ctx.cfg.entry, 'unknown')) work.push(ctx.cfg.entry);
  let steps = 0;
  while (work.length && ++steps < nodes.length * 8) {
    const id = work.pop()!;
    const n = nodes[id];
    const here = state[id]!;
    const after = n.ast && n.kind !== 'label' && n.kind !== 'goto' ? (nodeFacts(ctx, id).err ?? here) : here;
    const et = n.kind === 'cond' && n.ast ? condFacts(ctx, n).errTest : undefined;
    for (let i = 0; i < n.succ.length; i++) {
      const next = edgeErr(et, i, after);
      if (next !== undefined && out(n.succ[i], next)) work.push(n.succ[i]);
    }
  }
  // A node the bound left unreached is unknown.
  flow.errIn = state.map((x) => (work.length ? 'unknown' : (x ?? 'unknown')));
  return flow.errIn;
}

/** What an edge says of the error variable, else what was known before it. */
function known(edge: ErrState | undefined, before: ErrState): ErrState {
  return edge && edge !== 'unknown' ? edge : before;
}

/**
 * The error variable's state on edge `i` of a condition, or undefined when
 * the edge contradicts what the path knows (`if (!ret)` where ret is known to
 * be 0, or known to be an error): that edge cannot be taken.
 */
function edgeErr(errTest: CondFacts['errTest'], i: number, before: ErrState): ErrState | undefined {
  const after = known(errTest && (i === 0 ? errTest.t : errTest.f), before);
  return (before === 'zero' && after === 'neg') || (before === 'neg' && after === 'zero') ? undefined : after;
}

/** Does edge `i` of condition node `node` start a failure path (a branch that leaves)? */
function failsOn(node: CfgNode, cf: CondFacts, i: number): boolean {
  return cf.failureEdge === i && !node.loop && branchLeaves(node.ast!, i);
}

interface Branches {
  t: HandleState;
  f: HandleState;
  misuse?: Misuse;
}

/** What a condition says about the handle on its true and false edges. */
export function testOf(ctx: FunctionContext, r: Resource, cond: Node, acquired: boolean): Branches | undefined {
  const e = stripParens(cond);
  if (e.type === 'unary_expression' && e.child(0)?.text === '!') {
    const inner = testOf(ctx, r, e.childForFieldName('argument')!, acquired);
    return inner && { t: inner.f, f: inner.t, misuse: inner.misuse };
  }
  if (e.type === 'call_expression' && TRANSPARENT.has(callName(e))) {
    const a = callArgs(e)[0];
    return a ? testOf(ctx, r, a, acquired) : undefined;
  }
  if (e.type === 'binary_expression') {
    const op = e.child(1)?.text;
    const left = e.childForFieldName('left')!;
    const right = e.childForFieldName('right')!;
    if (op === '&&' || op === '||') {
      const a = testOf(ctx, r, left, acquired);
      const b = testOf(ctx, r, right, acquired);
      const one = a ?? b;
      if (!one) return undefined;
      const misuse = a?.misuse ?? b?.misuse;
      // `ok && …` true ⇒ ok; `fail || …` false ⇒ ok. The other edge is unknown.
      if (op === '&&') return { t: one.t, f: 'maybe', misuse };
      return { t: 'maybe', f: one.f, misuse };
    }
    if (['==', '!=', '<', '<=', '>', '>='].includes(op ?? '')) {
      const [subject, other, flipped] = isHandle(ctx, r, left) ? [left, right, false] : isHandle(ctx, r, right) ? [right, left, true] : [undefined, undefined, false];
      if (subject && other) return comparison(r, e, op!, other, flipped);
    }
  }
  // A check call: dma_mapping_error(dev, h), or a same-file helper that calls it.
  if (e.type === 'call_expression') {
    const name = callName(e);
    const isCheck = name === 'dma_mapping_error' || name === 'pci_dma_mapping_error' || MAP_CHECK.test(name) || ctx.facts.checkHelpers.has(name);
    if (isCheck && callArgs(e).some((a) => isHandle(ctx, r, a))) return { t: 'failed', f: 'ok' };
    // IS_ERR_OR_NULL(p) covers the NULL a failed allocation returns.
    if (name === 'IS_ERR_OR_NULL' && r.kind !== 'map' && callArgs(e).some((a) => isHandle(ctx, r, a))) return { t: 'failed', f: 'ok' };
    // `if (!dma_map_sg(...))`: the acquisition is its own subject.
    if (e.id === r.call.node.id) return truthiness(r, e);
    if (isCheck) return undefined;
  }
  if (e.type === 'assignment_expression' && e.childForFieldName('right') && stripParens(e.childForFieldName('right')!).id === r.call.node.id) {
    return truthiness(r, e);
  }
  if (isHandle(ctx, r, e)) return truthiness(r, e);
  // A variable holding the result of dma_mapping_error(dev, h).
  if (e.type === 'identifier' && r.kind === 'map') {
    const holder = checkHolder(ctx, r, e.text, e.startIndex);
    if (holder) return { t: 'failed', f: 'ok' };
  }
  // `err = dma_mapping_error(dev, h); if (err < 0)` (it returns 0 or -ENOMEM).
  if (e.type === 'binary_expression' && r.kind === 'map') {
    const l = stripParens(e.childForFieldName('left')!);
    const rr = e.childForFieldName('right');
    const op = e.child(1)?.text;
    if (l.type === 'identifier' && rr && isZeroLiteral(rr) && (op === '<' || op === '!=') && checkHolder(ctx, r, l.text, l.startIndex)) return { t: 'failed', f: 'ok' };
  }
  // Anything else that tests the handle deep inside: counted as checked, edges unknown.
  if (acquired && containsCheckOf(ctx, r, e)) return { t: 'maybe', f: 'maybe' };
  return undefined;
}

/** `(u64)h`: the value inside a cast that loses nothing of a handle. */
function wideCastValue(n: Node): Node | undefined {
  const c = castOf(n);
  return c && !c.deref && WIDE_TYPE.test(c.type) ? c.operand : undefined;
}

/** `(dma_addr_t)*rbuf` read as a multiplication: the key of `*rbuf` when the type is a wide one. */
function wideCastDerefKey(ctx: FunctionContext, n: Node): string | undefined {
  const c = castOf(n);
  if (!c || !c.deref || !WIDE_TYPE.test(c.type)) return undefined;
  const operand = stripParens(c.operand);
  return operand.type === 'identifier' || operand.type === 'field_expression' ? `*${keyOf(ctx, operand)}` : undefined;
}

function isHandle(ctx: FunctionContext, r: Resource, n: Node): boolean {
  const inner = wideCastValue(n);
  if (inner) return isHandle(ctx, r, inner);
  const deref = wideCastDerefKey(ctx, n);
  if (deref !== undefined) {
    const after = r.aliasAfter.get(deref);
    return r.keys.has(deref) && (after === undefined || n.startIndex >= after);
  }
  const s = stripParens(n);
  if (s.id === r.call.node.id) return true;
  if (s.type === 'assignment_expression') {
    const right = s.childForFieldName('right');
    if (right && stripParens(right).id === r.call.node.id) return true;
  }
  // `sg_dma_address(sg)` is an lvalue macro: it names the handle like a field does.
  if (s.type !== 'identifier' && s.type !== 'field_expression' && s.type !== 'subscript_expression' && s.type !== 'pointer_expression' && s.type !== 'call_expression') return false;
  return isKey(ctx, r, s);
}

/** Does the argument name the handle through its own key, or through a copy made before `at`? */
function heldBefore(ctx: FunctionContext, r: Resource, arg: Node, at: number): boolean {
  const inner = addressOf(arg) ?? arg;
  const k = keyOf(ctx, inner);
  if (k === r.key || k === r.bufferKey || k === r.handleKey) return true;
  if (!r.keys.has(k)) return false;
  const after = r.aliasAfter.get(k);
  return after === undefined || after <= at;
}

/** Is `n` (an expression) the handle, or a copy of it made before `n`? */
export function isKey(ctx: FunctionContext, r: Resource, n: Node): boolean {
  const k = keyOf(ctx, n);
  if (!r.keys.has(k)) return false;
  const after = r.aliasAfter.get(k);
  return after === undefined || n.startIndex >= after;
}

/** `if (h)`: true means success for pointers and counts; for a dma handle it is the 0-test misuse. */
function truthiness(r: Resource, test: Node): Branches {
  if (r.kind === 'map') return { t: 'ok', f: 'failed', misuse: { cond: test, test, kind: 'null-test' } };
  if (r.kind === 'sgtable') return { t: 'failed', f: 'ok' };
  return { t: 'ok', f: 'failed' };
}

function comparison(r: Resource, e: Node, op: string, other: Node, flipped: boolean): Branches | undefined {
  const o = stripParens(other);
  const zero = isNullLiteral(o) || isZeroLiteral(o);
  if (r.kind === 'map') {
    if (o.type === 'identifier' && o.text === 'DMA_MAPPING_ERROR') {
      const misuse: Misuse = { cond: e, test: e, kind: 'error-constant' };
      if (op === '==') return { t: 'failed', f: 'ok', misuse };
      if (op === '!=') return { t: 'ok', f: 'failed', misuse };
    }
    if (zero && (op === '==' || op === '!=')) {
      const misuse: Misuse = { cond: e, test: e, kind: 'null-test' };
      return op === '==' ? { t: 'failed', f: 'ok', misuse } : { t: 'ok', f: 'failed', misuse };
    }
    return undefined;
  }
  if (r.kind === 'sg') {
    const realOp = flipped ? mirror(op) : op;
    // `if (res != 1) return -ENXIO;`, `if (count == data->sg_len)`: equal to a count other
    // than 0 rules 0 out; the other edge may still hold 0 (or a good, different count).
    const expected = (o.type === 'number_literal' && /^[1-9]/.test(o.text)) || o.type === 'identifier' || o.type === 'field_expression';
    if (!zero && (realOp === '!=' || realOp === '==') && expected) {
      return realOp === '!=' ? { t: 'maybe', f: 'ok' } : { t: 'ok', f: 'unchecked' };
    }
    if (!zero && !(o.type === 'number_literal' && o.text === '1')) return undefined;
    if (zero && (realOp === '==' || realOp === '<=')) return { t: 'failed', f: 'ok' };
    if (zero && (realOp === '!=' || realOp === '>')) return { t: 'ok', f: 'failed' };
    if (!zero && realOp === '<') return { t: 'failed', f: 'ok' };
    if (!zero && realOp === '>=') return { t: 'ok', f: 'failed' };
    if (zero && realOp === '<') return { t: 'maybe', f: 'unchecked', misuse: { cond: e, test: e, kind: 'less-than-zero' } };
    return undefined;
  }
  if (r.kind === 'sgtable') {
    const realOp = flipped ? mirror(op) : op;
    if (zero && (realOp === '<' || realOp === '!=')) return { t: 'failed', f: 'ok' };
    if (zero && realOp === '==') return { t: 'ok', f: 'failed' };
    return undefined;
  }
  if (!zero) return undefined;
  if (op === '==') return { t: 'failed', f: 'ok' };
  if (op === '!=') return { t: 'ok', f: 'failed' };
  return undefined;
}

function mirror(op: string): string {
  return ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=' } as Record<string, string>)[op] ?? op;
}

/** `err = dma_mapping_error(dev, h);` — the variable that now holds the test. */
const holdersCache = new WeakMap<FunctionContext, Node[]>();

function checkHolder(ctx: FunctionContext, r: Resource, name: string, at: number): boolean {
  let assignments = holdersCache.get(ctx);
  if (!assignments) {
    assignments = ctx.body.descendantsOfType(['assignment_expression', 'init_declarator']);
    holdersCache.set(ctx, assignments);
  }
  // The variable's last assignment before the test must be the mapping-error test.
  let last: Node | undefined;
  for (const a of assignments) {
    if (a.startIndex >= at) break;
    const left = a.type === 'assignment_expression' ? a.childForFieldName('left') : a.childForFieldName('declarator');
    if (left?.text === name) last = a;
  }
  for (const a of last ? [last] : []) {
    const left = a.type === 'assignment_expression' ? a.childForFieldName('left') : a.childForFieldName('declarator');
    const right = a.type === 'assignment_expression' ? a.childForFieldName('right') : a.childForFieldName('value');
    if (!left || !right || left.text !== name) continue;
    const call = stripParens(right);
    if (call.type === 'call_expression' && MAP_CHECK.test(callName(call)) && callArgs(call).some((x) => isHandle(ctx, r, x))) return true;
  }
  return false;
}

function containsCheckOf(ctx: FunctionContext, r: Resource, e: Node): boolean {
  for (const n of walk(e)) {
    if (n.type !== 'call_expression') continue;
    const name = callName(n);
    if ((MAP_CHECK.test(name) || ctx.facts.checkHelpers.has(name)) && callArgs(n).some((a) => isHandle(ctx, r, a))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Error-path recognition

/** What an assignment or test says about the function's error variable. */
export function errAssignment(ctx: FunctionContext, stmt: Node): ErrState | undefined {
  if (!ctx.errorVar) return undefined;
  let result: ErrState | undefined;
  const nodes = stmt.documentNodes;
  for (let i = stmt.subtreeStart(), end = stmt.subtreeEnd(); i <= end; i++) {
    const n = nodes[i];
    let value: Node | null = null;
    if (n.type === 'assignment_expression' && n.childForFieldName('left')?.text === ctx.errorVar) value = n.childForFieldName('right');
    else if (n.type === 'init_declarator' && n.childForFieldName('declarator')?.text === ctx.errorVar) value = n.childForFieldName('value');
    if (value) result = valueSign(value);
  }
  return result;
}

export function valueSign(value: Node): ErrState {
  const v = stripParens(value);
  if (isNegativeConstant(v)) return 'neg';
  if (isZeroLiteral(v)) return 'zero';
  if (v.type === 'call_expression' && ['PTR_ERR', 'dev_err_probe', 'PTR_ERR_OR_ZERO'].includes(callName(v))) return callName(v) === 'PTR_ERR_OR_ZERO' ? 'unknown' : 'neg';
  return 'unknown';
}

const IN_FLIGHT = new Set(['EINPROGRESS', 'EIOCBQUEUED']);

export function isNegativeConstant(v: Node): boolean {
  if (v.type === 'unary_expression' && v.child(0)?.text === '-') {
    const a = v.childForFieldName('argument');
    if (!a) return false;
    const s = stripParens(a);
    // -EINPROGRESS (an async request queued) and -EIOCBQUEUED are how a submission succeeds.
    return s.type === 'number_literal' || (s.type === 'identifier' && /^E[A-Z0-9]+$/.test(s.text) && !IN_FLIGHT.has(s.text));
  }
  if (v.type === 'number_literal' && v.text.startsWith('-')) return true;
  return false;
}

/** Edges of a condition on the error variable: `if (ret)`, `if (ret < 0)`, `if (!ret)`. */
export function errTest(ctx: FunctionContext, cond: Node): { t: ErrState; f: ErrState } | undefined {
  if (!ctx.errorVar) return undefined;
  const e = stripParens(cond);
  if (e.type === 'identifier' && e.text === ctx.errorVar) return { t: 'neg', f: 'zero' };
  if (e.type === 'unary_expression' && e.child(0)?.text === '!') {
    const inner = errTest(ctx, e.childForFieldName('argument')!);
    return inner && { t: inner.f, f: inner.t };
  }
  if (e.type === 'call_expression' && TRANSPARENT.has(callName(e))) {
    const a = callArgs(e)[0];
    return a ? errTest(ctx, a) : undefined;
  }
  if (e.type === 'assignment_expression' && e.childForFieldName('left')?.text === ctx.errorVar) return { t: 'neg', f: 'zero' };
  if (e.type === 'binary_expression') {
    const op = e.child(1)?.text;
    const l = e.childForFieldName('left');
    const r = e.childForFieldName('right');
    const subject = l && (stripParens(l).text === ctx.errorVar || (stripParens(l).type === 'assignment_expression' && stripParens(l).childForFieldName('left')?.text === ctx.errorVar));
    if (subject && r && isZeroLiteral(r)) {
      if (op === '<') return { t: 'neg', f: 'nonneg' };
      if (op === '!=') return { t: 'neg', f: 'zero' };
      if (op === '==') return { t: 'zero', f: 'neg' };
      if (op === '>=') return { t: 'nonneg', f: 'neg' };
    }
    // `if (ret || !size) return 0;`: the false edge says each side is false; `a && b` the true edge, each true.
    if (op === '||' || op === '&&') {
      for (const side of [l, r]) {
        const t = side ? errTest(ctx, side) : undefined;
        if (t) return op === '||' ? { t: 'unknown', f: t.f } : { t: t.t, f: 'unknown' };
      }
    }
  }
  return undefined;
}

/** Which edge of a condition is the failure branch: 0 (true), 1 (false) or -1 (neither). */
export function failureEdge(ctx: FunctionContext, cond: Node): number {
  const e = stripParens(cond);
  if (e.type === 'unary_expression' && e.child(0)?.text === '!') {
    const a = stripParens(e.childForFieldName('argument')!);
    if (a.type === 'identifier' || a.type === 'field_expression' || a.type === 'subscript_expression') return isCount(ctx, a) ? -1 : 0;
    if (a.type === 'call_expression' && /alloc|map|create|get|find|request|ioremap/.test(callName(a))) return 0;
    const inner = failureEdge(ctx, a);
    return inner === -1 ? -1 : 1 - inner;
  }
  if (e.type === 'call_expression') {
    const name = callName(e);
    if (TRANSPARENT.has(name)) {
      const a = callArgs(e)[0];
      return a ? failureEdge(ctx, a) : -1;
    }
    if (name === 'IS_ERR' || name === 'IS_ERR_OR_NULL' || MAP_CHECK.test(name)) return 0;
    return -1;
  }
  const err = errTest(ctx, e);
  // (`ret || !size` says something only on one edge: not a failure test.)
  if (err && err.t !== 'unknown' && err.f !== 'unknown') return err.t === 'neg' ? 0 : 1;
  if (e.type === 'binary_expression') {
    const op = e.child(1)?.text;
    const r = e.childForFieldName('right');
    if (op === '||') {
      const a = failureEdge(ctx, e.childForFieldName('left')!);
      const b = failureEdge(ctx, r!);
      return a === 0 || b === 0 ? 0 : -1;
    }
    if (r && (isNullLiteral(r) || isZeroLiteral(r))) {
      if (op === '==' && isNullLiteral(r)) return 0;
      if (op === '<') return 0;
    }
  }
  if (e.type === 'assignment_expression') {
    const right = e.childForFieldName('right');
    return right ? failureEdge(ctx, right) : -1;
  }
  return -1;
}

const COUNT_NAME = /(?:^|_)(?:len|length|size|count|cnt|num|nr|idx|index|flags?|bytes|remain(?:ing)?)$|^n$|^(?:len|size|count|num|nr)_/;

/** `!data_len`: a count or length being zero is a case, not a failure. */
function isCount(ctx: FunctionContext, e: Node): boolean {
  if (e.type === 'identifier') {
    const v = ctx.vars.get(e.text);
    if (v) return !v.isPointer && !v.isArray && !/\bbool\b/.test(v.type) && COUNT_NAME.test(e.text);
  }
  const name = e.type === 'field_expression' ? e.childForFieldName('field')?.text ?? '' : e.text;
  return COUNT_NAME.test(name);
}

/** Is this return an error exit, given what the path knows? */
export function isErrorReturn(ctx: FunctionContext, ret: Node, err: ErrState, failed: boolean, viaGoto: boolean): boolean {
  const e = ret.namedChild(0);
  if (!e || e.type === 'comment') return ctx.returnKind === 'void' && failed;
  const v = stripParens(e);
  if (isNegativeConstant(v)) return true;
  if (v.type === 'call_expression') {
    const name = callName(v);
    if (['ERR_PTR', 'PTR_ERR', 'ERR_CAST', 'dev_err_probe'].includes(name)) return true;
    return failed;
  }
  if (isNullLiteral(v)) return ctx.returnKind === 'pointer' || (v.type !== 'number_literal' ? true : false);
  if (v.type === 'number_literal') return false;
  if (v.type === 'identifier' && v.text === ctx.errorVar) return err === 'neg' || (err === 'unknown' && (failed || viaGoto));
  if (v.type === 'identifier' && (v.text === 'false' || v.text === 'IRQ_NONE')) return failed;
  // Another variable (`return count;`): not known to be an error.
  return false;
}

// ---------------------------------------------------------------------------
// The walk

interface Frame {
  node: number;
  state: HandleState;
  err: ErrState;
  failed: boolean;
  viaGoto: number;
  trail?: Trail;
  /** `key=edge` entries of the pure conditions decided on this path (a few, most recent last). */
  decisions: string;
  /** Where the check that found the mapping failed ends (state 'failed'): copies made after it do not hold the failed handle. */
  failAt: number;
}

const MAX_DECISIONS = 6;

/** A condition with no side effects, by its text; '' when it may change state (assignments, ++, --). */
function decisionKey(cond: Node): string {
  for (const n of walk(cond)) if (n.type === 'assignment_expression' || n.type === 'update_expression') return '';
  return cond.text.replace(/\s+/g, '');
}

/** A comparison of a variable or field with a constant. */
interface Equality {
  subject: string;
  value: string;
  negated: boolean;
}

const CONSTANT = /^(?:[A-Z][A-Z0-9_]*|-?(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*)$/;
const SUBJECT = /^[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$/;

/** `type == FOO_A`, `FOO_A != p->type`, `state == 2`: the subject, the constant and the operator; else undefined. */
function equalityOf(cond: Node): Equality | undefined {
  return equalityOfText(stripParens(cond).text.replace(/\s+/g, ''));
}

/**
 * Predicates that compare one hidden field with constants: an endpoint or a
 * pipe has exactly one transfer type (`usb_endpoint_xfer_control(d)` and
 * `usb_endpoint_xfer_isoc(d)` cannot both hold).
 */
const TYPE_PREDICATE = /^(!?)(usb_endpoint_xfer_|usb_pipe)(control|isoc|bulk|int)\((.+)\)$/;

/** equalityOf() on a condition's text without spaces (also a decision's key). */
function equalityOfText(t: string): Equality | undefined {
  const p = TYPE_PREDICATE.exec(t);
  if (p) return { subject: `${p[2]}type(${p[4]})`, value: p[3].toUpperCase(), negated: p[1] === '!' };
  const m = /^(.+?)(==|!=)(.+)$/.exec(t);
  return m ? parseEquality(m[1], m[2], m[3]) : undefined;
}

function parseEquality(left: string, op: string, right: string): Equality | undefined {
  if (SUBJECT.test(left) && !CONSTANT.test(left) && CONSTANT.test(right)) return { subject: left, value: right, negated: op === '!=' };
  if (SUBJECT.test(right) && !CONSTANT.test(right) && CONSTANT.test(left)) return { subject: right, value: left, negated: op === '!=' };
  return undefined;
}

/** A constant's number through the file's #defines, or undefined. */
function constantNumber(ctx: FunctionContext, value: string): number | undefined {
  let v = value;
  for (let i = 0; i < 4 && /^[A-Z]/.test(v); i++) {
    const d = ctx.facts.defines.get(v);
    if (d === undefined) return undefined;
    v = d.replace(/^\((.*)\)$/, '$1').trim();
  }
  const m = /^(-?)(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.exec(v);
  return m ? (m[1] ? -1 : 1) * Number(m[2]) : undefined;
}

/** Whether two constants are equal: true, false, or undefined when that cannot be told. */
function sameConstant(ctx: FunctionContext, a: string, b: string): boolean | undefined {
  if (a === b) return true;
  const x = constantNumber(ctx, a);
  const y = constantNumber(ctx, b);
  if (x !== undefined && y !== undefined) return x === y;
  // Two names of which neither is a #define of this file: enumerators, distinct values.
  if (x === undefined && y === undefined && /^[A-Z]/.test(a) && /^[A-Z]/.test(b) && !ctx.facts.defines.has(a) && !ctx.facts.defines.has(b)) return false;
  return undefined;
}

/**
 * The edge a comparison of `x` with a constant must take, given the
 * decisions on this path about comparisons of the same `x` (`x` is known to
 * be, or not to be, some constant); undefined when they say nothing.
 */
function impliedEdge(ctx: FunctionContext, decisions: string, eq: Equality): number | undefined {
  for (const entry of decisions.split('\u0001')) {
    const at = entry.lastIndexOf('=');
    const key = entry.slice(0, at);
    const known = equalityOfText(key);
    if (!known || known.subject !== eq.subject) continue;
    // Whether the subject equals the known constant on this path.
    const is = (Number(entry.slice(at + 1)) === 0) !== known.negated;
    const same = sameConstant(ctx, known.value, eq.value);
    let holds: boolean | undefined;
    if (is && same !== undefined) holds = same;
    else if (!is && same === true) holds = false;
    if (holds !== undefined) return holds !== eq.negated ? 0 : 1;
  }
  return undefined;
}

// Decisions are `key=edge` entries joined by \u0001; a key may hold `=`, an edge is digits.

/** The edge of the first entry for `key`. */
function decided(decisions: string, key: string): number | undefined {
  if (!key) return undefined;
  const probe = `${key}=`;
  for (let at = decisions.indexOf(probe); at !== -1; at = decisions.indexOf(probe, at + 1)) {
    if (at > 0 && decisions.charCodeAt(at - 1) !== 1) continue;
    let end = decisions.indexOf('\u0001', at);
    if (end === -1) end = decisions.length;
    const edge = decisions.slice(at + probe.length, end);
    // Digits only after this `=`: it is the entry's last, so `key` is the whole key.
    if (/^\d+$/.test(edge)) return Number(edge);
  }
  return undefined;
}

/** The decisions with `key=edge` added, keeping the last MAX_DECISIONS. */
function remember(decisions: string, key: string, edge: number): string {
  const entry = `${key}=${edge}`;
  if (!decisions) return entry;
  let count = 1;
  for (let at = decisions.indexOf('\u0001'); at !== -1; at = decisions.indexOf('\u0001', at + 1)) count++;
  let drop = count + 1 - MAX_DECISIONS;
  if (drop >= count) return entry;
  let start = 0;
  for (; drop > 0; drop--) start = decisions.indexOf('\u0001', start) + 1;
  return `${start ? decisions.slice(start) : decisions}\u0001${entry}`;
}

const assignedCache = new NodeCache<string[]>();

/** Names a statement assigns (`ret = …`, `i++`, `p->x = …` assigns `p->x`). */
export function assignedNames(ast: Node): string[] {
  let names = assignedCache.get(ast);
  if (!names) {
    names = [];
    for (const n of walk(ast)) {
      const target = n.type === 'assignment_expression' ? n.childForFieldName('left') : n.type === 'update_expression' ? n.childForFieldName('argument') : null;
      if (target) names.push(target.text.replace(/\s+/g, ''));
    }
    assignedCache.set(ast, names);
  }
  return names;
}

const nameRegexes = new Map<string, RegExp>();

/** A regex that finds `name` as a whole word, compiled once per name. */
function nameRegex(name: string): RegExp {
  let re = nameRegexes.get(name);
  if (!re) {
    re = new RegExp(`(^|[^\\w])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w])`);
    nameRegexes.set(name, re);
  }
  return re;
}

/** forgetAssigned() results per statement (by its assignedNames() list) and decisions string. */
const forgetCache = new WeakMap<string[], Map<string, string>>();

function forgetAssigned(decisions: string, names: string[]): string {
  // The substring test first: most decisions do not mention the names at all.
  if (!names.some((n) => decisions.includes(n))) return decisions;
  let known = forgetCache.get(names);
  const hit = known?.get(decisions);
  if (hit !== undefined) return hit;
  const kept = decisions
    .split('\u0001')
    .filter((entry) => {
      const key = entry.slice(0, entry.lastIndexOf('='));
      // The substring test first: most decisions do not mention the name at all.
      return !names.some((n) => key.includes(n) && nameRegex(n).test(key));
    })
    .join('\u0001');
  if (!known) {
    known = new Map();
    forgetCache.set(names, known);
  }
  if (known.size < 256) known.set(decisions, kept);
  return kept;
}

const repeatedCache = new WeakMap<FunctionContext, Set<string>>();

/**
 * The decision key of a condition the function tests more than once (only
 * those can correlate), '' otherwise: remembering every branch would keep
 * paths apart that the walk can merge.
 */
function repeatedCondition(ctx: FunctionContext, cond: Node): string {
  let repeated = repeatedCache.get(ctx);
  if (!repeated) {
    const seen = new Set<string>();
    repeated = new Set<string>();
    for (const n of ctx.cfg.nodes) {
      if (n.kind !== 'cond' || !n.ast || n.loop) continue;
      const k = decisionKey(n.ast);
      if (!k) continue;
      if (seen.has(k)) repeated.add(k);
      seen.add(k);
    }
    for (const n of ctx.dmaCalls) {
      // The branch an acquisition sits in counts as one test too.
      for (let p = n.node.parent; p; p = p.parent) {
        if (p.type !== 'if_statement') continue;
        const c = p.childForFieldName('condition');
        const inner = c && c.type === 'parenthesized_expression' && c.namedChildCount === 1 ? c.namedChild(0)! : c;
        const k = inner ? decisionKey(inner) : '';
        if (k && seen.has(k)) repeated.add(k);
      }
    }
    repeatedCache.set(ctx, repeated);
  }
  const k = decisionKey(cond);
  return repeated.has(k) ? k : '';
}

/** The branches the acquisition itself sits in: `if (c) p = alloc();` decided c. */
function enclosingDecisions(call: Node): string {
  let decisions = '';
  const chain: { cond: Node; edge: number }[] = [];
  for (let n: Node | null = call; n && n.parent; n = n.parent) {
    const p: Node = n.parent;
    if (p.type === 'if_statement') {
      const cond = p.childForFieldName('condition');
      if (!cond || cond.id === n.id) continue;
      const inner = cond.type === 'parenthesized_expression' && cond.namedChildCount === 1 ? cond.namedChild(0)! : cond;
      if (p.childForFieldName('consequence')?.id === n.id) chain.push({ cond: inner, edge: 0 });
      else if (p.childForFieldName('alternative')?.id === n.id) chain.push({ cond: inner, edge: 1 });
    }
  }
  for (const { cond, edge } of chain.reverse()) {
    const key = decisionKey(cond);
    if (key) decisions = remember(decisions, key, edge);
  }
  return decisions;
}

interface NodeEffects {
  releases: Release['call'][];
  mismatched: Set<Node>;
  indirect: Set<Node>;
  uses: Node[];
  reassigns: boolean;
  adjusts: Node[];
  err?: ErrState;
  acquires: boolean;
  handedToDevice?: boolean;
  /** Releases matched only through an object the handle was passed along with: where that first happened. */
  companionAt: Map<Node, number>;
  /** Copies of the handle into another of its names (`chunks[i].dma_addr = addr;`): no use while a check follows. */
  copies: Node[];
  /**
   * A call of a same-file helper that tests the handle it is given with
   * dma_mapping_error() (`ret = foo_set_tb(trans, tfd, phys, len);`): the
   * check happens there, and the caller tests what the helper returns.
   */
  checkedBy?: Node;
  /** An assertion (`BUG_ON(count != 1)`) that stops the kernel unless the handle is good. */
  assertsOk?: boolean;
}

const MAX_VISITS = 200_000;
/** Effects of a node that is no statement (label, goto, fork): frozen, shared. */
const NO_EFFECTS: NodeEffects = Object.freeze({ releases: [], mismatched: new Set<Node>(), indirect: new Set<Node>(), uses: [], reassigns: false, adjusts: [], acquires: false, companionAt: new Map<Node, number>(), copies: [] });

/** Arrays indexed by node id that one walk at a time uses; an entry counts only with the walk's stamp. */
interface WalkScratch {
  stamp: number;
  relevance: Int32Array;
  chainRelevance: Int32Array;
  effects: (NodeEffects | undefined)[];
  effectStamp: Int32Array;
  /** Memo of (node, state, error sign, failure flag) → the goto it was first reached through. */
  seenStamp: Int32Array;
  seenVia: Int32Array;
}

const scratchCache = new WeakMap<FunctionContext, WalkScratch>();

/** Above this many (acquisitions × CFG nodes), the walks share a mention index and straight-line runs. */
const INDEXED_FUNCTION = 2_000;

function sharesIndex(ctx: FunctionContext): boolean {
  const flow = flowFacts(ctx);
  flow.indexed ??= acquisitionCount(ctx) * ctx.cfg.nodes.length > INDEXED_FUNCTION;
  return flow.indexed;
}

function acquisitionCount(ctx: FunctionContext): number {
  return ctx.dmaCalls.filter((c) => kindOf(c.api)).length;
}

const NO_CHAINS: Chains = { chainOf: new Int32Array(0), members: [], facts: [] };

// ---------------------------------------------------------------------------
// Quiet stretches: runs of plain top-level statements a handle crosses in one step

/**
 * The function body's top-level statements as the walk sees them. A
 * statement is *simple* when it has no return, label, loop, fork, decision
 * the walk would remember or top-level goto, is entered only at one node
 * and leaves only by falling into the next statement or by a goto. A handle
 * that none of a stretch of simple statements concerns crosses it the same
 * way whichever handle it is: what it finds there (the nodes, the labels it
 * can jump to, the state it leaves with) is summarised once per function,
 * stretch and error state, instead of being walked again for every handle.
 */
interface Spine {
  /** CFG node → index of its top-level statement, or -1. */
  stmtOf: Int32Array;
  /** Statement index → the node the previous statement falls into, or -1. */
  entryOf: Int32Array;
  /** Statement index → the first statement at or after it that is not simple. */
  end: Int32Array;
  /** Statement index → 1 when no edge from it or a later statement leads back before it. */
  closed: Uint8Array;
  summaries: Map<number, StretchSummary | null>;
  parts: Map<number, StatementPart | null>;
}

interface StretchExit {
  target: number;
  err: ErrState;
  failed: boolean;
  via: number;
  steps: Trail;
}

/** One statement walked from its entry in one error state. */
interface StatementPart {
  visited: number[];
  exits: StretchExit[];
  /** The states it falls into the next statement with. */
  next: { err: ErrState; failed: boolean; steps?: Trail }[];
  /** The distinct error states of `next`. */
  states: ErrState[];
  /** Some path falls through failed or with a path step: no summary can carry it. */
  blocked: boolean;
}

/** A list shared between summaries: each adds its own items in front of the next statement's. */
interface Cons<T> {
  item: T;
  next?: Cons<T>;
}

interface ExitGroup {
  /** The last goto to this label in this state: the walk's depth-first order reaches it first. */
  rep: StretchExit;
  /** The earlier ones, which merge into it. */
  others?: Cons<StretchExit>;
}

interface StretchSummary {
  /** The nodes the stretch visits from its entry (held there), one array per statement. */
  visited?: Cons<readonly number[]>;
  /** The same nodes as bits, and how many entries `visited` has, made when the summary is first used. */
  bits?: Uint8Array;
  size?: number;
  /**
   * The labels it can jump to, one group per label and state, latest goto
   * first. Built when the summary is first used: until then a summary that
   * only puts its statement's gotos in front of the next statement's summary
   * keeps them in `pending`, on top of the groups of `base`.
   */
  groups?: ExitGroup[];
  /** group key (`target|err|failed`) → index in `groups`. */
  groupIndex?: Map<string, number>;
  /** A summary whose groups were built when it was made (the end of a stretch, or a merge of several rests). */
  base?: StretchSummary;
  /** Gotos in the order of the text, earlier than every goto of `base`. */
  pending?: Cons<StretchExit>;
  /** The error states it falls out of the stretch with, into the first statement that is not simple. */
  continues: ErrState[];
}

const spineCache = new WeakMap<FunctionContext, Spine>();

/** Quiet stretches are used in large functions (and everywhere when DMA_CHECK_STRETCHES=all, to compare). */
function usesStretches(ctx: FunctionContext): boolean {
  return process.env.DMA_CHECK_STRETCHES === 'all' || (process.env.DMA_CHECK_STRETCHES !== 'off' && mergesDeadDecisions(ctx));
}

function spineOf(ctx: FunctionContext): Spine {
  let sp = spineCache.get(ctx);
  if (sp) return sp;
  const nodes = ctx.cfg.nodes;
  const stmts = ctx.body.namedChildren;
  const index = new Map<number, number>();
  stmts.forEach((st, i) => index.set(st.id, i));
  const stmtOf = new Int32Array(nodes.length).fill(-1);
  for (const n of nodes) {
    if (!n.ast) continue;
    let a: Node | null = n.ast;
    while (a && a.parent && a.parent.id !== ctx.body.id) a = a.parent;
    const i = a ? index.get(a.id) : undefined;
    if (i !== undefined) stmtOf[n.id] = i;
  }
  const count = stmts.length;
  const entryOf = new Int32Array(count).fill(-1);
  const simple = new Uint8Array(count).fill(1);
  const flow = flowFacts(ctx);
  flow.cyclic ??= cyclicNodes(ctx.cfg);
  const large = mergesDeadDecisions(ctx);
  const preds = predecessors(ctx);
  for (const n of nodes) {
    const k = stmtOf[n.id];
    if (k < 0) continue;
    const ok = (() => {
      if (n.kind !== 'stmt' && n.kind !== 'cond' && n.kind !== 'goto') return false;
      if (flow.cyclic![n.id] || n.loop) return false;
      if (n.kind === 'goto' && (!n.ast || unconditional(n.ast))) return false;
      if (n.kind === 'cond' && n.ast) {
        const cf = condFacts(ctx, n);
        for (let i = 0; i < n.succ.length; i++) if (cf.repeated && !(large && !liveAfter(ctx, n, cf, i))) return false;
      }
      return true;
    })();
    if (!ok) simple[k] = 0;
    // Entered from outside the statement: only at one node.
    const outside = preds[n.id].some((p) => stmtOf[p] !== k);
    if (outside) {
      if (entryOf[k] === -1) entryOf[k] = n.id;
      else if (entryOf[k] !== n.id) simple[k] = 0;
    }
  }
  // Leaves only into the next statement's entry, or by a goto.
  for (const n of nodes) {
    const k = stmtOf[n.id];
    if (k < 0 || !simple[k] || n.kind === 'goto') continue;
    for (const t of n.succ) if (stmtOf[t] !== k && (stmtOf[t] !== k + 1 || t !== entryOf[k + 1])) simple[k] = 0;
  }
  for (let k = 0; k < count; k++) if (entryOf[k] === -1) simple[k] = 0;
  const end = new Int32Array(count + 1).fill(count);
  for (let k = count - 1; k >= 0; k--) end[k] = simple[k] ? end[k + 1] : k;
  // Closed: control that reaches statement j never comes back before it.
  const minTarget = new Int32Array(count + 1).fill(count);
  for (const n of nodes) {
    const j = stmtOf[n.id];
    if (j < 0) continue;
    for (const t of n.succ) {
      const to = stmtOf[t] < 0 ? count : stmtOf[t];
      if (to < minTarget[j]) minTarget[j] = to;
    }
  }
  const closed = new Uint8Array(count + 1);
  let lowest = count;
  for (let j = count - 1; j >= 0; j--) {
    lowest = Math.min(lowest, minTarget[j]);
    closed[j] = lowest >= j ? 1 : 0;
  }
  sp = { stmtOf, entryOf, end, closed, summaries: new Map(), parts: new Map() };
  spineCache.set(ctx, sp);
  return sp;
}

/** Statement `k` walked from its entry in error state `err`, as traceLifecycle() walks an unconcerned handle in state `ok`. */
function statementPart(ctx: FunctionContext, sp: Spine, k: number, err: ErrState): StatementPart | null {
  const key = k * 4 + ERR_CODE[err];
  const cached = sp.parts.get(key);
  if (cached !== undefined) return cached;
  const nodes = ctx.cfg.nodes;
  const visited: number[] = [];
  const exits: StretchExit[] = [];
  const next: StatementPart['next'] = [];
  const seen = new Set<number>();
  const marked = new Set<number>();
  const stack: { id: number; err: ErrState; failed: boolean; steps?: Trail }[] = [{ id: sp.entryOf[k], err, failed: false }];
  let ok = true;
  const route = (to: number, e: ErrState, failed: boolean, steps: Trail | undefined) => {
    if (sp.stmtOf[to] === k) stack.push({ id: to, err: e, failed, steps });
    else if (k + 1 < sp.entryOf.length && to === sp.entryOf[k + 1]) next.push({ err: e, failed, steps });
    else ok = false;
  };
  while (stack.length && ok) {
    const f = stack.pop()!;
    const memo = (f.id * 4 + ERR_CODE[f.err]) * 2 + (f.failed ? 1 : 0);
    if (seen.has(memo)) continue;
    seen.add(memo);
    if (!marked.has(f.id)) {
      marked.add(f.id);
      visited.push(f.id);
    }
    const n = nodes[f.id];
    if (n.kind === 'goto') {
      exits.push({ target: n.succ[0], err: f.err, failed: f.failed, via: n.id, steps: jumpTrail(n, f.steps) });
      continue;
    }
    const e = nodeFacts(ctx, n.id).err ?? f.err;
    if (n.kind === 'cond' && n.ast) {
      const cf = condFacts(ctx, n);
      for (let i = 0; i < n.succ.length; i++) {
        const eState = edgeErr(cf.errTest, i, e);
        if (eState === undefined) continue;
        route(n.succ[i], eState, f.failed || failsOn(n, cf, i), cf.failureEdge === i ? branchTrail(ctx, f.steps, n, i === 0) : f.steps);
      }
      continue;
    }
    for (const t of n.succ) route(t, e, f.failed, f.steps);
  }
  const part = ok ? { visited, exits, next, states: [...new Set(next.map((x) => x.err))], blocked: next.some((x) => x.failed || !!x.steps) } : null;
  sp.parts.set(key, part);
  return part;
}

/**
 * The stretch from simple statement `k` to the first statement that is not
 * simple, entered in error state `err`: statement `k` followed by the
 * stretch from `k + 1`, sharing its lists. Null when some path leaves the
 * main line in a state a summary cannot carry (a failure edge that falls
 * through, a path step on the main line). Built from the end, without
 * recursion: a stretch can be thousands of statements long.
 */
function stretchSummary(ctx: FunctionContext, sp: Spine, k: number, err: ErrState): StretchSummary | null {
  const key = (j: number, e: ErrState) => j * 4 + ERR_CODE[e];
  const last = sp.end[k];
  // The statements still to summarise, as two parallel stacks (thousands deep in a long stretch).
  const todoStmt: number[] = [k];
  const todoErr: ErrState[] = [err];
  while (todoStmt.length) {
    const j = todoStmt[todoStmt.length - 1];
    const e = todoErr[todoErr.length - 1];
    const here = key(j, e);
    if (sp.summaries.has(here)) {
      todoStmt.pop();
      todoErr.pop();
      continue;
    }
    const part = statementPart(ctx, sp, j, e);
    if (!part || part.blocked) {
      sp.summaries.set(here, null);
      todoStmt.pop();
      todoErr.pop();
      continue;
    }
    const states = part.states;
    if (j + 1 < last) {
      let missing = false;
      for (const x of states) {
        if (sp.summaries.has(key(j + 1, x))) continue;
        todoStmt.push(j + 1);
        todoErr.push(x);
        missing = true;
      }
      if (missing) continue;
    }
    todoStmt.pop();
    todoErr.pop();
    // Statement j's exits in front of the rest's; one rest per state it falls through with.
    const rests = j + 1 < last ? states.map((x) => sp.summaries.get(key(j + 1, x))!) : [];
    if (rests.some((x) => x === null)) {
      sp.summaries.set(here, null);
      continue;
    }
    let sum: StretchSummary;
    if (rests.length === 1) {
      // Statement j's gotos go in front of the rest's, as a shared list: no copy of the groups.
      const rest = rests[0]!;
      let pending = rest.groups && !rest.base ? undefined : rest.pending;
      for (let i = part.exits.length - 1; i >= 0; i--) pending = { item: part.exits[i], next: pending };
      sum = { visited: { item: part.visited, next: rest.visited }, base: rest.groups && !rest.base ? rest : rest.base, pending, continues: rest.continues };
    } else {
      // No rest (the stretch ends here) or several: merge them into new lists.
      sum = { visited: { item: part.visited }, groups: [], groupIndex: new Map(), continues: [] };
      const continues = new Set<ErrState>(rests.length ? [] : states);
      for (const rest of rests) {
        for (let c = rest!.visited; c; c = c.next) sum.visited = { item: c.item, next: sum.visited };
        for (const g of groupsOf(rest!)) addExit(sum, g.rep, g.others, false);
        for (const x of rest!.continues) continues.add(x);
      }
      sum.continues = [...continues];
      // Statement j comes before the rest: its exits join the groups as earlier gotos.
      for (let i = part.exits.length - 1; i >= 0; i--) addExit(sum, part.exits[i], undefined, true);
    }
    sp.summaries.set(here, sum);
  }
  return sp.summaries.get(key(k, err)) ?? null;
}

/** A summary's exit groups: its base's, with its pending gotos added as earlier ones, last first. */
function groupsOf(sum: StretchSummary): ExitGroup[] {
  if (sum.groups) return sum.groups;
  sum.groups = sum.base ? sum.base.groups!.slice() : [];
  sum.groupIndex = sum.base ? new Map(sum.base.groupIndex) : new Map();
  const pending: StretchExit[] = [];
  for (let c = sum.pending; c; c = c.next) pending.push(c.item);
  for (let i = pending.length - 1; i >= 0; i--) addExit(sum, pending[i], undefined, true);
  return sum.groups;
}

/** Adds an exit (with earlier ones) to a summary's groups; `earlier`: it comes before the group's gotos. */
function addExit(sum: StretchSummary, x: StretchExit, others: Cons<StretchExit> | undefined, earlier: boolean): void {
  const g = `${x.target}|${x.err}|${x.failed ? 1 : 0}`;
  const groups = sum.groups!;
  const i = sum.groupIndex!.get(g);
  if (i === undefined) {
    sum.groupIndex!.set(g, groups.length);
    groups.push({ rep: x, others });
    return;
  }
  const old = groups[i];
  if (earlier) groups[i] = { rep: old.rep, others: { item: x, next: old.others } };
  else {
    let list: Cons<StretchExit> | undefined = { item: old.rep, next: old.others };
    for (let c = others; c; c = c.next) list = { item: c.item, next: list };
    groups[i] = { rep: x, others: list };
  }
}

/** `relative` (a trail that starts from nothing) put on top of `base`; the steps are joined when read. */
function rebase(relative: Trail | undefined, base: Trail | undefined): Trail | undefined {
  return relative ? { relative, base } : base;
}

function walkScratch(ctx: FunctionContext, runs: Chains): WalkScratch {
  let w = scratchCache.get(ctx);
  if (!w) {
    const n = ctx.cfg.nodes.length;
    w = {
      stamp: 0,
      relevance: new Int32Array(n),
      chainRelevance: new Int32Array(runs.members.length),
      effects: new Array(n),
      effectStamp: new Int32Array(n),
      seenStamp: new Int32Array(n * 40),
      seenVia: new Int32Array(n * 40),
    };
    scratchCache.set(ctx, w);
  }
  return w;
}
const STATE_CODE: Record<HandleState, number> = { unchecked: 0, ok: 1, failed: 2, released: 3, maybe: 4 };
const ERR_CODE: Record<ErrState, number> = { neg: 0, zero: 1, unknown: 2, nonneg: 3 };

export function traceLifecycle(ctx: FunctionContext, r: Resource): Lifecycle {
  // Many handles over many statements: index who mentions what once, and
  // pass runs of statements that do not concern a handle in one step. A
  // small function asks each statement it reaches instead (same answers).
  const indexed = sharesIndex(ctx) || process.env.DMA_CHECK_STRETCHES === 'all';
  const runs = indexed ? chains(ctx) : NO_CHAINS;
  const lc: Lifecycle = { resource: r, checked: false, misuses: [], leaks: [], releases: [], adjustments: [], returned: r.use === 'returned', heldNodes: new NodeSet(ctx.cfg.nodes.length, runs), liveNodes: new NodeSet(ctx.cfg.nodes.length, runs) };
  const names = handleNames(ctx, r);
  const large = mergesDeadDecisions(ctx);
  // Per-node scratch shared by the walks of one function, valid for this walk's stamp.
  const w = walkScratch(ctx, runs);
  const stamp = ++w.stamp;
  const yes = stamp * 2;
  const no = yes + 1;
  // Whether each node (each chain) concerns this handle at all; most do not.
  const stretches = indexed && usesStretches(ctx) ? spineOf(ctx) : undefined;
  let concernedStmts: number[] = [];
  if (indexed) {
    for (const id of concernedNodes(ctx, r, names)) {
      w.relevance[id] = yes;
      if (runs.chainOf[id] >= 0) w.chainRelevance[runs.chainOf[id]] = yes;
      if (stretches) concernedStmts.push(stretches.stmtOf[id]);
    }
    concernedStmts = concernedStmts.sort((a, b) => a - b);
  }
  // Nodes outside any top-level statement (-1) count as concerning everything after them.
  const lastConcerned = concernedStmts.length ? (concernedStmts[0] < 0 ? Infinity : concernedStmts[concernedStmts.length - 1]) : -1;
  /** Does any statement in [k, m) concern the handle? */
  const concernsStretch = (k: number, m: number): boolean => {
    let lo = 0;
    let hi = concernedStmts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (concernedStmts[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return lo < concernedStmts.length && concernedStmts[lo] < m;
  };
  const concernsHere = indexed
    ? (id: number): boolean => w.relevance[id] === yes
    : (id: number): boolean => {
        if (w.relevance[id] !== yes && w.relevance[id] !== no) w.relevance[id] = concerns(ctx, r, names, id) ? yes : no;
        return w.relevance[id] === yes;
      };
  const chainConcernsHere = (c: number): boolean => w.chainRelevance[c] === yes;
  const eff = (id: number): NodeEffects => {
    if (w.effectStamp[id] === stamp) return w.effects[id]!;
    const node = ctx.cfg.nodes[id];
    const e = !node.ast || node.kind === 'label' || node.kind === 'goto' || node.kind === 'fork' ? NO_EFFECTS : concernsHere(id) ? computeEffects(ctx, r, node) : noneEffects(nodeFacts(ctx, id));
    w.effects[id] = e;
    w.effectStamp[id] = stamp;
    return e;
  };
  // Memo: each (node, handle state, error sign, failure flag, decisions) is
  // walked once. Gotos that reach an already-walked state share its outcome:
  // `merge` records them, and their leaks are added once the walk is done.
  // Keyed by the other four as one number and the decisions string's number in `decisionIds`
  // (a string's hash is kept with it, so looking one up again costs no pass over it).
  const seen = new Map<number, number>();
  const decisionIds = new Map<string, number>();
  const keySpan = ctx.cfg.nodes.length * 40;
  // The same memo for the common case of no remembered decisions, in the scratch arrays.
  const seenStamp = w.seenStamp;
  const seenVia = w.seenVia;
  // Merges as three parallel lists (the goto merged, the goto it merged into, the node), one entry each.
  // A stretch's earlier gotos to one label merge into its last: one entry for the whole list
  // (`-1 - i` for mergeLists[i]), expanded in place only when some leak needs the merges.
  let mergeFrom: number[] = [];
  let mergeInto: number[] = [];
  let mergeNode: number[] = [];
  const mergeLists: Cons<StretchExit>[] = [];
  const merge = (from: number, into: number, at: number) => {
    mergeFrom.push(from);
    mergeInto.push(into);
    mergeNode.push(at);
  };
  const leakVia: { via: number; exit: Node; steps: Step[] }[] = [];
  const leakAt = new Set<number>();
  const misuseAt = new Set<number>();
  const releaseSeen = new Set<string>();
  const adjustSeen = new Set<number>();
  const acqStep: Step = { node: r.call.node, message: acquisitionText(r) };
  const start: Trail = { step: acqStep };
  const stack: Frame[] = [];
  const startNode = ctx.cfg.nodes[r.cfgNode];
  // Branch decisions on this path, so a condition tested twice takes the same edge both times.
  let curDecisions = enclosingDecisions(r.call.node);
  let curFailAt = Infinity;
  // Frames are reused: the one popped last goes back to `spare` when the next is popped (nothing keeps a frame).
  const spare: Frame[] = [];
  let current: Frame | undefined;
  const pushF = (node: number, state: HandleState, err: ErrState, failed: boolean, viaGoto: number, trail?: Trail, decisions = curDecisions, failAt = curFailAt) => {
    const fr = spare.pop();
    if (!fr) {
      stack.push({ node, state, err, failed, viaGoto, trail, decisions, failAt });
      return;
    }
    fr.node = node;
    fr.state = state;
    fr.err = err;
    fr.failed = failed;
    fr.viaGoto = viaGoto;
    fr.trail = trail;
    fr.decisions = decisions;
    fr.failAt = failAt;
    stack.push(fr);
  };

  // The acquisition statement itself: its own condition may already test it.
  const first = eff(r.cfgNode);
  if (startNode.kind === 'cond' && startNode.ast) {
    const b = testOf(ctx, r, startNode.ast, true);
    if (b) {
      lc.checked = true;
      if (!b.misuse) lc.checkedProperly = true;
      if (b.misuse) lc.misuses.push(b.misuse);
      pushF(startNode.succ[0], b.t, 'unknown', b.t === 'failed', -1, branchTrail(ctx, start, startNode, true), curDecisions, startNode.ast.endIndex);
      pushF(startNode.succ[1], b.f, 'unknown', b.f === 'failed', -1, branchTrail(ctx, start, startNode, false), curDecisions, startNode.ast.endIndex);
    } else {
      for (let i = 0; i < startNode.succ.length; i++) pushF(startNode.succ[i], 'unchecked', 'unknown', false, -1, start);
    }
  } else if (startNode.kind === 'return') {
    lc.returned = lc.returned || mentionsKeys(ctx, r, startNode.ast!);
  } else {
    // `int ret = 0;` and nothing since: a later `return ret` is the success exit.
    const err = first.err ?? errStatesAt(ctx)[r.cfgNode];
    for (const s of startNode.succ) pushF(s, 'unchecked', err, false, -1, start);
  }

  let uncheckedCopy: Lifecycle['uncheckedUse'];
  let visits = 0;
  while (stack.length) {
    if (current) spare.push(current);
    const f = (current = stack.pop()!);
    if (++visits > MAX_VISITS) break;
    // A decision no longer holds once a name it reads is assigned.
    curDecisions = f.decisions && ctx.cfg.nodes[f.node].ast ? forgetAssigned(f.decisions, assignedNames(ctx.cfg.nodes[f.node].ast!)) : f.decisions;
    if (curDecisions && large) curDecisions = dropDeadDecisions(ctx, curDecisions, f.node);
    f.decisions = curDecisions;
    curFailAt = f.failAt;
    let firstVia: number | undefined;
    if (f.decisions) {
      let d = decisionIds.get(f.decisions);
      if (d === undefined) decisionIds.set(f.decisions, (d = decisionIds.size + 1));
      const k = d * keySpan + ((f.node * 5 + STATE_CODE[f.state]) * 4 + ERR_CODE[f.err]) * 2 + (f.failed ? 1 : 0);
      firstVia = seen.get(k);
      if (firstVia === undefined) seen.set(k, f.viaGoto);
    } else {
      const k = ((f.node * 5 + STATE_CODE[f.state]) * 4 + ERR_CODE[f.err]) * 2 + (f.failed ? 1 : 0);
      if (seenStamp[k] === stamp) firstVia = seenVia[k];
      else {
        seenStamp[k] = stamp;
        seenVia[k] = f.viaGoto;
      }
    }
    if (firstVia !== undefined) {
      if (f.viaGoto >= 0 && firstVia >= 0 && firstVia !== f.viaGoto) merge(f.viaGoto, firstVia, f.node);
      continue;
    }
    // Released (or handed over) for good: nothing more to learn on this path.
    if (f.state === 'maybe' && f.viaGoto >= 0) continue;
    const node = ctx.cfg.nodes[f.node];
    if (node.kind === 'exit') continue;
    if (node.id === r.cfgNode) continue; // around a loop to the acquisition again
    // Released or failed, past the last statement that concerns the handle, in a part of the
    // function control never leaves backwards: nothing more can happen to it.
    if (stretches && (f.state === 'released' || f.state === 'failed')) {
      const j = stretches.stmtOf[node.id];
      if (j >= 0 && j > lastConcerned && stretches.closed[j]) continue;
    }
    // A stretch of plain top-level statements that none concerns the handle: its summary.
    if (stretches && f.state === 'ok' && !curDecisions && f.viaGoto < 0 && !f.failed) {
      const k = stretches.stmtOf[node.id];
      const m = k >= 0 ? stretches.end[k] : -1;
      const sum = k >= 0 && stretches.entryOf[k] === node.id && m - k >= 2 && !concernsStretch(k, m) ? stretchSummary(ctx, stretches, k, f.err) : null;
      if (sum) {
        if (!sum.bits) {
          sum.bits = new Uint8Array((ctx.cfg.nodes.length + 7) >> 3);
          sum.size = 0;
          for (let c = sum.visited; c; c = c.next) {
            for (const id of c.item) sum.bits[id >> 3] |= 1 << (id & 7);
            sum.size += c.item.length;
          }
        }
        lc.heldNodes.addShared(sum.bits, sum.visited, sum.size!);
        lc.liveNodes.addShared(sum.bits, sum.visited, sum.size!);
        visits += 1;
        // Groups are kept latest goto first; pushed in reverse, the latest is popped first, as the
        // depth-first walk reaches the last failure branch first.
        const groups = groupsOf(sum);
        for (let i = groups.length - 1; i >= 0; i--) {
          const g = groups[i];
          if (g.others) {
            mergeLists.push(g.others);
            merge(-mergeLists.length, g.rep.via, g.rep.target);
          }
          pushF(g.rep.target, 'ok', g.rep.err, g.rep.failed, g.rep.via, rebase(g.rep.steps, f.trail));
        }
        for (const e of sum.continues) pushF(stretches.entryOf[m], 'ok', e, false, -1, f.trail);
        continue;
      }
    }
    // A run of statements that cannot concern the handle nor the error
    // variable, entered with nothing remembered: pass it in one step.
    const c = indexed ? runs.chainOf[node.id] : -1;
    if (c >= 0 && !curDecisions && !runs.facts[c].assignsErr && runs.members[c][0] === node.id && !chainConcernsHere(c) && visits + runs.members[c].length - 1 <= MAX_VISITS) {
      const members = runs.members[c];
      visits += members.length - 1;
      if (f.state === 'ok' || f.state === 'unchecked') lc.heldNodes.addChain(c);
      if (f.state === 'ok' || f.state === 'unchecked' || f.state === 'maybe') lc.liveNodes.addChain(c);
      const last = ctx.cfg.nodes[members[members.length - 1]];
      if (last.kind !== 'goto') {
        pushF(last.succ[0], f.state, f.err, f.failed, f.viaGoto, f.trail);
        continue;
      }
      // The label the goto reaches would be taken next: when its state was
      // walked already, record the merge here instead of pushing and popping.
      const via = unconditional(last.ast!) ? f.viaGoto : last.id;
      const k = ((last.succ[0] * 5 + STATE_CODE[f.state]) * 4 + ERR_CODE[f.err]) * 2 + (f.failed ? 1 : 0);
      if (seenStamp[k] === stamp && visits + 1 <= MAX_VISITS) {
        visits++;
        const firstVia = seenVia[k];
        if (via >= 0 && firstVia >= 0 && firstVia !== via) merge(via, firstVia, last.succ[0]);
        continue;
      }
      pushF(last.succ[0], f.state, f.err, f.failed, via, jumpTrail(last, f.trail));
      continue;
    }
    const e = eff(node.id);
    let state = f.state;
    let trail = f.trail;
    if (state === 'ok' || state === 'unchecked') lc.heldNodes.add(node.id);
    if (state === 'ok' || state === 'unchecked' || state === 'maybe') lc.liveNodes.add(node.id);

    if (node.kind === 'cond' && node.ast) {
      const b = concernsHere(node.id) ? testOf(ctx, r, node.ast, true) : undefined;
      if (b && (state === 'unchecked' || state === 'maybe')) {
        lc.checked = true;
        if (!b.misuse) lc.checkedProperly = true;
        if (b.misuse && state === 'unchecked' && !misuseAt.has(node.id)) {
          misuseAt.add(node.id);
          lc.misuses.push(b.misuse);
        }
        const err = condFacts(ctx, node).errTest;
        pushF(node.succ[0], b.t, known(err?.t, f.err), f.failed || b.t === 'failed', f.viaGoto, branchTrail(ctx, trail, node, true), curDecisions, b.t === 'failed' ? node.ast.endIndex : curFailAt);
        pushF(node.succ[1], b.f, known(err?.f, f.err), f.failed || b.f === 'failed', f.viaGoto, branchTrail(ctx, trail, node, false), curDecisions, b.f === 'failed' ? node.ast.endIndex : curFailAt);
        continue;
      }
      // A handle whose fate is known: only the consistent edge of a real check is feasible.
      if (b && state === 'failed' && !b.misuse && b.t !== b.f && (b.t === 'failed' || b.f === 'failed')) {
        pushF(node.succ[b.t === 'failed' ? 0 : 1], state, f.err, f.failed, f.viaGoto, trail);
        continue;
      }
      if (b && state === 'ok' && r.kind !== 'map') {
        // A NULL test of a pointer known to be valid: only the valid edge is feasible.
        if (b.t === 'ok' && b.f === 'failed') {
          pushF(node.succ[0], state, f.err, f.failed, f.viaGoto, trail);
          continue;
        }
        if (b.f === 'ok' && b.t === 'failed') {
          pushF(node.succ[1], state, f.err, f.failed, f.viaGoto, trail);
          continue;
        }
      }
    }

    if (e.assertsOk && state === 'unchecked') {
      lc.checked = true;
      lc.checkedProperly = true;
      state = 'ok';
    }
    // Checked by a helper it is given (which may also release it): no longer unchecked.
    if (e.checkedBy && state === 'unchecked') {
      lc.checked = true;
      lc.checkedProperly = true;
      state = 'maybe';
    }

    // Releases. Unwinding an array of mappings in a loop releases the earlier
    // elements, not the one whose mapping just failed.
    // A failed mapping is released only under a name it had before it failed:
    // `desc->addr = dma;` on the success branch never held the failed handle.
    // A release through an object counts only once the handle was put into it on this path (before the jump here).
    const reachedAt = f.viaGoto >= 0 ? ctx.cfg.nodes[f.viaGoto].ast!.startIndex : node.ast?.startIndex ?? 0;
    const released = e.companionAt.size ? e.releases.filter((c) => (e.companionAt.get(c.node) ?? -1) < reachedAt) : e.releases;
    const releases = state === 'failed' ? released.filter((c) => c.args.some((a) => heldBefore(ctx, r, a, f.failAt))) : released;
    if (releases.length && !(state === 'failed' && r.key.includes('[]') && unwindsInLoop(releases[0].node, r.call.node))) {
      for (const call of releases) {
        const key = `${call.node.id}|${state}`;
        if (!releaseSeen.has(key)) {
          releaseSeen.add(key);
          lc.releases.push({ call, state, mismatch: e.mismatched.has(call.node), indirect: e.indirect.has(call.node), steps: toSteps({ step: { node: call.node, message: `released by ${call.name}()` }, prev: trail }) });
        }
      }
      // Through a helper the release is likely, not certain: no longer held, but not known to be gone.
      const direct = releases.some((c) => !e.indirect.has(c.node));
      if (state === 'ok' || state === 'unchecked' || state === 'maybe') state = direct ? 'released' : 'maybe';
      trail = { step: { node: releases[0].node, message: `released by ${releases[0].name}()` }, prev: trail };
    }

    // Uses.
    if (e.copies.length && state === 'unchecked' && !uncheckedCopy) uncheckedCopy = { node: e.copies[0], steps: toSteps({ step: { node: e.copies[0], message: 'used before any check' }, prev: trail }) };
    if (e.uses.length) {
      if (state === 'unchecked' && !lc.uncheckedUse) lc.uncheckedUse = { node: e.uses[0], steps: toSteps({ step: { node: e.uses[0], message: 'used before any check' }, prev: trail }) };
      if (state === 'ok' && !lc.firstUseAfterCheck) lc.firstUseAfterCheck = node.ast;
    }
    if (e.adjusts.length && (state === 'ok' || state === 'unchecked') && !adjustSeen.has(node.id)) {
      adjustSeen.add(node.id);
      lc.adjustments.push(...e.adjusts);
    }
    if (e.reassigns || e.acquires) continue;
    if (e.handedToDevice && state === 'ok') state = 'maybe';

    const err = e.err ?? f.err;
    switch (node.kind) {
      case 'return': {
        // `return unlikely(dma_mapping_error(dev, addr)) ? -ENOMEM : 0;`
        if (state === 'unchecked' && concernsHere(node.id) && containsCheckOf(ctx, r, node.ast!)) {
          lc.checked = true;
          lc.checkedProperly = true;
          continue;
        }
        if (concernsHere(node.id) && mentionsKeys(ctx, r, node.ast!)) {
          lc.returned = true;
          continue;
        }
        const held = state === 'ok' || (state === 'unchecked' && r.use === 'stored');
        if (held && isErrorReturn(ctx, node.ast!, err, f.failed, f.viaGoto >= 0)) {
          const at = f.viaGoto >= 0 ? f.viaGoto : node.id;
          if (!leakAt.has(at)) {
            leakAt.add(at);
            const exitNode = ctx.cfg.nodes[at].ast!;
            const steps = toSteps({ step: { node: node.ast!, message: `returns without ${releaseName(r)}()` }, prev: trail });
            lc.leaks.push({ exit: exitNode, steps });
            if (f.viaGoto >= 0) leakVia.push({ via: f.viaGoto, exit: node.ast!, steps });
          }
        }
        continue;
      }
      case 'goto':
        // `goto out;` as a statement of the function's main sequence is how the
        // success path reaches a shared exit; only a conditional jump starts an error path.
        pushF(node.succ[0], state, err, f.failed, unconditional(node.ast!) ? f.viaGoto : node.id, jumpTrail(node, trail));
        continue;
      case 'cond': {
        if (!node.ast) break;
        const cf = condFacts(ctx, node);
        const et = cf.errTest;
        const fe = cf.failureEdge;
        const key = cf.repeated;
        let earlier = key && f.decisions ? decided(f.decisions, key) : undefined;
        // `if (ah->type == MTHCA_AH_ON_HCA)` on a path that took `if (ah->type == MTHCA_AH_PCI_POOL)`.
        if (earlier === undefined && f.decisions && cf.equality) earlier = impliedEdge(ctx, f.decisions, cf.equality);
        for (let i = 0; i < node.succ.length; i++) {
          if (earlier !== undefined && earlier !== i) continue;
          const eState = edgeErr(et, i, err);
          if (eState === undefined) continue;
          const remembers = key && earlier === undefined && !(large && !liveAfter(ctx, node, cf, i));
          const decisions = remembers ? remember(f.decisions, key, i) : f.decisions;
          pushF(node.succ[i], state, eState, f.failed || failsOn(node, cf, i), f.viaGoto, fe === i ? branchTrail(ctx, trail, node, i === 0) : trail, decisions);
        }
        continue;
      }
      default:
        break;
    }
    for (const s of node.succ) pushF(s, state, err, f.failed, f.viaGoto, trail);
  }
  // Gotos merged into an already-walked state leak wherever that state leaked
  // downstream of the merge point.
  if (leakVia.length && mergeLists.length) {
    const from: number[] = [];
    const into: number[] = [];
    const at: number[] = [];
    for (let j = 0; j < mergeFrom.length; j++) {
      if (mergeFrom[j] >= 0) {
        from.push(mergeFrom[j]);
        into.push(mergeInto[j]);
        at.push(mergeNode[j]);
        continue;
      }
      for (let c: Cons<StretchExit> | undefined = mergeLists[-1 - mergeFrom[j]]; c; c = c.next) {
        from.push(c.item.via);
        into.push(mergeInto[j]);
        at.push(mergeNode[j]);
      }
    }
    mergeFrom = from;
    mergeInto = into;
    mergeNode = at;
  }
  for (let i = 0; i < leakVia.length; i++) {
    const leak = leakVia[i];
    for (let j = 0; j < mergeFrom.length; j++) {
      const from = mergeFrom[j];
      if (mergeInto[j] !== leak.via || leakAt.has(from)) continue;
      const mergeAt = ctx.cfg.nodes[mergeNode[j]].ast;
      if (mergeAt && mergeAt.startIndex > leak.exit.startIndex) continue;
      leakAt.add(from);
      const gotoNode = ctx.cfg.nodes[from].ast!;
      const tail = leak.steps.filter((s) => !mergeAt || s.node.startIndex >= mergeAt.startIndex);
      const steps = [leak.steps[0], { node: gotoNode, message: `jumps to ${ctx.cfg.nodes[from].label}` }, ...tail];
      lc.leaks.push({ exit: gotoNode, steps });
      leakVia.push({ via: from, exit: leak.exit, steps });
    }
  }
  // A handle never tested is reported as unchecked; its error paths are not leaks on top of that.
  if (!lc.checked) lc.leaks = [];
  // With no check anywhere, a copy (`mace->eth.rx_fifo = dma`) is where the unchecked value goes.
  if (!lc.checked && !lc.uncheckedUse && uncheckedCopy) lc.uncheckedUse = uncheckedCopy;
  // A ladder that releases the handle on some of its paths (`if (dir ==
  // DMA_TO_DEVICE) dma_unmap_sg(…)`, a flag set with the mapping) decides by
  // state this walk does not follow: trust it.
  if (lc.leaks.length) {
    const releaseNodes = new Set(lc.releases.map((x) => ctx.cfgNodeOf(x.call.node)).filter((x): x is number => x !== undefined));
    for (const n of ctx.cfg.nodes) {
      if (n.kind !== 'stmt' || !n.ast) continue;
      for (const call of n.ast.descendantsOfType('call_expression')) {
        const m = releaseMatch(ctx, r, callName(call), callArgs(call));
        if (m.match && m.companionAt === undefined) releaseNodes.add(n.id);
      }
    }
    const releaseStarts = [...releaseNodes].map((id) => ctx.cfg.nodes[id].ast!.startIndex);
    lc.leaks = lc.leaks.filter((l) => {
      if (l.exit.type !== 'goto_statement') {
        // A return after a conditional release of the handle: the condition decides, not this path.
        return !releaseStarts.some((at) => at > r.call.node.endIndex && at < l.exit.startIndex);
      }
      const from = ctx.cfgNodeOf(l.exit);
      return from === undefined || !reaches(ctx, from, releaseNodes);
    });
  }
  // An exit reached around a loop belongs to a later iteration: this one's
  // handle was handed over (a ring slot) before the loop came round.
  lc.leaks = lc.leaks.filter((l) => l.exit.startIndex > r.call.node.startIndex && !l.steps.some((s) => s.node.startIndex < r.call.node.startIndex));
  // A local handle copied into a structure (a ring slot, a request) is owned
  // there from the copy on: exits after the copy are not leaks of it.
  if (!isFieldKey(r.key)) {
    const escapes = [...r.aliasAfter].filter(([k]) => isFieldKey(k) || k.includes('[')).map(([, at]) => at);
    if (escapes.length) {
      const first = Math.min(...escapes);
      lc.leaks = lc.leaks.filter((l) => l.exit.startIndex < first && !l.steps.some((s) => s.node.startIndex < r.call.node.startIndex));
    }
  }
  // A handle stored in a structure that this function never releases itself
  // may be unwound by its caller: `foo_alloc_rings()` fails, the caller runs
  // `foo_free_rings()`, which frees every non-NULL ring. Allocations are
  // left to the caller when another function of the file releases the field,
  // or when this function unwinds nothing on any error path; streaming
  // mappings only when a same-file caller and releaser exist.
  // A file-scope variable (`static struct dma_pool *dma_pool;`) outlives the function like a field does.
  const global = lc.leaks.length > 0 && ctx.facts.globalPointers.has(r.key) && !ctx.vars.has(r.key);
  if ((isFieldKey(r.key) || global) && lc.leaks.length && lc.releases.every((x) => x.indirect)) {
    const alloc = r.kind === 'alloc' || r.kind === 'pool' || r.kind === 'pool-alloc';
    if (alloc ? releasedElsewhere(ctx, r) || !releasesOnErrorPaths(ctx) : callerCleansUp(ctx, r)) lc.leaks = [];
  } else if (isFieldKey(r.key) && lc.leaks.length && (r.kind === 'alloc' || r.kind === 'pool' || r.kind === 'pool-alloc') && callerCleansUp(ctx, r)) {
    // Unwound here on some paths, but a same-file caller's cleanup frees the
    // field anyway (`qla2x00_mem_free()` after a failed `qla2x00_mem_alloc()`).
    lc.leaks = [];
  }
  if ((isFieldKey(r.key) || (r.bufferKey !== undefined && isFieldKey(r.bufferKey))) && lc.leaks.length && everyCallerReleasesOnFailure(ctx, r)) {
    // Every caller jumps, when this function fails, to a label that runs a
    // release helper of the field (`error: kmb_ocs_sk_dma_cleanup(req);`).
    lc.leaks = [];
  }
  return lc;
}

/** Is `release` inside a loop that does not contain `acquisition` (a `while (--i >= 0)` unwind)? */
const leavesCache = new NodeCache<boolean[]>();

/**
 * A failure test whose branch carries on (`if (!first) first = lli;`) marks no
 * error path; one whose branch returns or jumps (`if (!p) goto err;`) does.
 */
function branchLeaves(cond: Node, edge: number): boolean {
  let v = leavesCache.get(cond);
  if (!v) {
    let st: Node | null = cond.parent;
    while (st && st.type === 'parenthesized_expression') st = st.parent;
    if (!st || st.type !== 'if_statement') v = [true, true];
    else {
      const exits = (b: Node | null) => !!b && (b.type === 'return_statement' || b.type === 'goto_statement' || b.descendantsOfType(['return_statement', 'goto_statement', 'break_statement', 'continue_statement']).length > 0 || /\b(?:BUG|panic)\s*\(/.test(b.text));
      v = [exits(st.childForFieldName('consequence')), exits(st.childForFieldName('alternative'))];
    }
    leavesCache.set(cond, v);
  }
  return v[edge] ?? true;
}

const unconditionalCache = new NodeCache<boolean>();

/** A statement reached on every pass through the function body: no branch or loop encloses it. */
function unconditional(stmt: Node): boolean {
  let v = unconditionalCache.get(stmt);
  if (v === undefined) {
    v = computeUnconditional(stmt);
    unconditionalCache.set(stmt, v);
  }
  return v;
}

function computeUnconditional(stmt: Node): boolean {
  for (let p = stmt.parent; p; p = p.parent) {
    if (p.type === 'function_definition') return true;
    if (p.type !== 'compound_statement' && p.type !== 'labeled_statement') return false;
  }
  return false;
}

function unwindsInLoop(release: Node, acquisition: Node): boolean {
  for (let p = release.parent; p; p = p.parent) {
    if (p.type === 'while_statement' || p.type === 'for_statement' || p.type === 'do_statement') {
      return !(acquisition.startIndex >= p.startIndex && acquisition.endIndex <= p.endIndex);
    }
  }
  return false;
}

function reaches(ctx: FunctionContext, from: number, targets: Set<number>): boolean {
  if (!targets.size) return false;
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (targets.has(id)) return true;
    stack.push(...ctx.cfg.nodes[id].succ);
  }
  return false;
}

const releasesCache = new WeakMap<FunctionContext, boolean>();

/** Does the function release any DMA resource (or call a release helper) after a label or in an error branch? */
function releasesOnErrorPaths(ctx: FunctionContext): boolean {
  let v = releasesCache.get(ctx);
  if (v === undefined) {
    v = false;
    for (const call of ctx.calls) {
      const name = callName(call);
      const api = lookupApi(name);
      const isRelease = api ? ['unmap', 'unmap-sg', 'unmap-sgtable', 'free', 'pool-free', 'pool-destroy'].includes(api.role) : ctx.facts.summaries.get(name)?.releases.length || (RELEASE_HELPER.test(name) && !NOT_A_RELEASE.test(name));
      if (!isRelease) continue;
      if (inErrorBlock(call)) {
        v = true;
        break;
      }
    }
    releasesCache.set(ctx, v);
  }
  return v;
}

/** After a label of the function, or inside an `if` body that leaves by return/goto. */
function inErrorBlock(n: Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'labeled_statement') return true;
    if (p.type === 'compound_statement' && p.parent?.type === 'if_statement' && /\b(return|goto)\b/.test(p.text)) return true;
    if (p.type === 'function_definition') break;
  }
  for (let s = n.parent; s && s.type !== 'function_definition'; s = s.parent) {
    for (let prev = s.previousNamedSibling; prev; prev = prev.previousNamedSibling) if (prev.type === 'labeled_statement') return true;
  }
  return false;
}

function releasedElsewhere(ctx: FunctionContext, r: Resource): boolean {
  return releasersOf(ctx, r).size > 0;
}

/** The other functions of the file that release a field of this name. */
function releasersOf(ctx: FunctionContext, r: Resource): Set<string> {
  const lastOf = (k: string) => k.replace(/^&/, '').replace(/\[\d*\]$/, '').split('.').pop() ?? '';
  // A scatterlist mapping is released by its list (`req->src`), not by its count (`rctx->src_dma_count`).
  const names = new Set([lastOf(r.key), ...((r.kind === 'sg' || r.kind === 'sgtable') && r.bufferKey && isFieldKey(r.bufferKey) ? [lastOf(r.bufferKey)] : [])]);
  const out = new Set<string>();
  for (const [name, s] of ctx.facts.summaries) if (name !== ctx.name && s.releases.some((x) => names.has(x))) out.add(name);
  return out;
}

function everyCallerReleasesOnFailure(ctx: FunctionContext, r: Resource): boolean {
  const perCaller = ctx.facts.errorCleanups.get(ctx.name);
  if (!perCaller?.length || ctx.facts.probeFunctions.has(ctx.name)) return false;
  const releasers = releasersOf(ctx, r);
  return releasers.size > 0 && perCaller.every((calls) => calls.some((c) => releasers.has(c)));
}

function callerCleansUp(ctx: FunctionContext, r: Resource): boolean {
  if (ctx.facts.probeFunctions.has(ctx.name)) return false;
  // Streaming mappings: only a caller that itself works with the DMA API (a
  // parsed one) is trusted to unwind; allocations: any caller of the file.
  const mapping = r.kind === 'map' || r.kind === 'sg' || r.kind === 'sgtable';
  const called = ctx.facts.calls.callersOf(ctx.name).some((name) => !mapping || ctx.facts.summaries.has(name));
  return called && releasedElsewhere(ctx, r);
}

function branchTrail(ctx: FunctionContext, prev: Trail | undefined, node: CfgNode, taken: boolean): Trail {
  const cf = condFacts(ctx, node);
  if (!cf.trail) {
    const text = node.ast!.text.replace(/\s+/g, ' ');
    const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    cf.trail = [`branch taken when \`${short}\` is true`, `branch taken when \`${short}\` is false`];
  }
  return { step: { node: node.ast!, message: cf.trail[taken ? 0 : 1] }, prev };
}

/** The path step of a goto node, on top of `prev`. */
function jumpTrail(node: CfgNode, prev: Trail | undefined): Trail {
  return { step: { node: node.ast!, message: `jumps to ${node.label}` }, prev };
}

function toSteps(t: Trail | undefined): Step[] {
  const out: Step[] = [];
  // The bases of the rebased trails being read, to continue with once their relative steps are out.
  const below: (Trail | undefined)[] = [];
  for (let c = t; c || below.length; ) {
    if (!c) c = below.pop();
    else if ('relative' in c) {
      below.push(c.base);
      c = c.relative;
    } else {
      out.push(c.step);
      c = c.prev;
    }
  }
  return out.reverse();
}

function acquisitionText(r: Resource): string {
  switch (r.kind) {
    case 'map':
    case 'sg':
    case 'sgtable':
      return `mapped here by ${r.call.name}()`;
    case 'pool':
      return `pool created here by ${r.call.name}()`;
    default:
      return `allocated here by ${r.call.name}()`;
  }
}

export function releaseName(r: Resource): string {
  const names = r.call.api.releasedBy;
  const name = names?.length ? (names.find((n) => !n.startsWith('pci_')) ?? names[0]) : undefined;
  // A wrapper with a kmalloc() fallback: which release is right depends on what it returned (callers add the `()`).
  const mixed = r.call.api.mixed;
  if (mixed && name) return mixed.release ? `${name}() or ${mixed.release}` : `${name}() or the release of its fallback allocator`;
  if (name) return name;
  return 'the matching release';
}

function mentionsKeys(ctx: FunctionContext, r: Resource, n: Node): boolean {
  for (const x of walk(n)) {
    if (x.id === r.call.node.id) return true;
    if ((x.type === 'identifier' || x.type === 'field_expression' || x.type === 'subscript_expression') && isKey(ctx, r, x)) return true;
  }
  return false;
}

const valueAliasCache = new WeakMap<FunctionContext, Map<string, string>>();

/** Locals that only ever hold a copy of one field or parameter (`task = ccb->task`), by name → that key. */
function valueAliases(ctx: FunctionContext): Map<string, string> {
  let out = valueAliasCache.get(ctx);
  if (out) return out;
  out = new Map();
  const assigned = new Map<string, Node[]>();
  for (const a of ctx.body.descendantsOfType('assignment_expression')) {
    const left = a.childForFieldName('left');
    if (left?.type === 'identifier') assigned.set(left.text, [...(assigned.get(left.text) ?? []), a]);
  }
  for (const [name, v] of ctx.vars) {
    if (v.isParam || ctx.pointerAliases.has(name)) continue;
    // Set once: in its declaration, or (declared bare) by one plain assignment (`bufers = buflout->bufers;`).
    const sets = assigned.get(name) ?? [];
    const only = !v.init && sets.length === 1 && sets[0].child(1)?.text === '=' ? sets[0].childForFieldName('right') : undefined;
    const value = v.init && !sets.length ? v.init : only;
    if (!value) continue;
    const init = stripParens(value);
    if (init.type === 'field_expression' || init.type === 'identifier') out.set(name, keyOf(ctx, init));
  }
  for (const [name, target] of ctx.pointerAliases) out.set(name, `&${target.replace(/->/g, '.')}`);
  valueAliasCache.set(ctx, out);
  return out;
}

/** A key with its leading local replaced by what the local is a copy or address of, and `&` dropped. */
function canonicalKey(ctx: FunctionContext, key: string): string {
  const aliases = valueAliases(ctx);
  let k = key;
  for (let i = 0; i < 3; i++) {
    const m = /^(&?)([A-Za-z_]\w*)/.exec(k);
    const target = m && aliases.get(m[2]);
    if (!m || !target) break;
    k = m[1] + target + k.slice(m[0].length);
  }
  return k.replace(/^&/, '').replace(/^&/, '');
}

/** Release roles a wrapper may pass a resource of each kind to. */
const WRAPPED_RELEASE: Record<ResourceKind, string[]> = {
  map: ['unmap'],
  sg: ['unmap-sg'],
  sgtable: ['unmap-sgtable'],
  alloc: ['free'],
  'pool-alloc': ['pool-free'],
  pool: ['pool-destroy'],
};

/** Does `call` release resource `r`? */
function releaseMatch(ctx: FunctionContext, r: Resource, name: string, args: Node[]): { match: boolean; mismatch: boolean; indirect: boolean; companionAt?: number } {
  const no = { match: false, mismatch: false, indirect: false };
  const api = lookupApi(name);
  const argIs = (i: number | undefined, keys: ReadonlySet<string> | string | undefined) => {
    if (i === undefined || !args[i] || !keys) return false;
    const k = keyOf(ctx, args[i]);
    if (typeof keys === 'string' ? k === keys : keys === r.keys ? isKey(ctx, r, args[i]) : keys.has(k)) return true;
    // Another spelling of the same object: `&ccb->task->smp_task.smp_resp` for `sg_resp`.
    const c = canonicalKey(ctx, k);
    return typeof keys === 'string' ? c === canonicalKey(ctx, keys) : [...keys].some((x) => canonicalKey(ctx, x) === c);
  };
  if (api) {
    switch (r.kind) {
      case 'map': {
        if (api.role === 'unmap' && argIs(api.handle, r.keys)) return { match: true, mismatch: false, indirect: false };
        // `dma_unmap_single(dev, dpaa2_sg_get_addr(&sgt[i]), …)`: read back from the table the handle was put in.
        const h = api.role === 'unmap' && api.handle !== undefined && args[api.handle] ? stripParens(args[api.handle]) : undefined;
        if (h?.type === 'call_expression' && !lookupApi(callName(h))) return companionRelease(ctx, r, callArgs(h)) ?? no;
        return no;
      }
      case 'sg':
        if (api.role === 'unmap-sg' && (argIs(api.buffer, r.bufferKey) || argIs(api.nents, r.keys))) return { match: true, mismatch: false, indirect: false };
        return no;
      case 'sgtable':
        if (api.role === 'unmap-sgtable' && argIs(api.buffer, r.bufferKey)) return { match: true, mismatch: false, indirect: false };
        return no;
      case 'alloc':
      case 'pool-alloc':
        if ((api.role === 'free' || api.role === 'pool-free') && (argIs(api.cpu, r.keys) || (!r.key && argIs(api.handle, r.handleKey)))) {
          const ok = r.call.api.releasedBy?.includes(name) || r.call.api.mixed || (r.call.wrapper && (api.role === 'free' ? r.kind === 'alloc' : r.kind === 'pool-alloc'));
          return { match: true, mismatch: !ok, indirect: false };
        }
        return no;
      case 'pool':
        if (api.role === 'pool-destroy' && argIs(api.pool, r.keys)) {
          const ok = r.call.api.releasedBy?.includes(name);
          return { match: true, mismatch: !ok, indirect: false };
        }
        return no;
    }
  }
  if ((r.kind === 'alloc' || r.kind === 'pool-alloc') && CPU_FREES.has(name) && args.some((a) => isKey(ctx, r, a))) {
    return { match: true, mismatch: !r.call.api.mixed, indirect: false };
  }
  // `kref_put(&req->refcount, dma_req_free)`: the same-file release function
  // runs when the last reference goes, with the object the kref sits in.
  const callback = KREF_PUTS.has(name) && args[1] ? stripParens(args[1]) : undefined;
  if (callback?.type === 'identifier' && ctx.facts.summaries.has(callback.text)) return releaseMatch(ctx, r, callback.text, args.slice(0, 1));
  // Release through a helper: a same-file function known to release this
  // field, or a function named like a release that is given the handle or
  // the object that holds it.
  if (!r.key) return no;
  const summary = ctx.facts.summaries.get(name);
  // A scatterlist mapping is known to helpers by its list (`req->src`), not its count.
  const named = (r.kind === 'sg' || r.kind === 'sgtable') && r.bufferKey ? r.bufferKey : r.key;
  const last = named.replace(/^sg_dma_address\((.*)\)$/, '$1').replace(/^&/, '').replace(/\[\d*\]$/, '').split('.').pop() ?? '';
  if (summary) {
    // A same-file release wrapper given the handle itself (`unmap_descbuffer(ring, meta->dmaaddr, ...)`).
    for (const p of summary.releasedParams) {
      if (!args[p.index] || !WRAPPED_RELEASE[r.kind].includes(p.role)) continue;
      const keys = (r.kind === 'sg' || r.kind === 'sgtable') && r.bufferKey ? r.bufferKey : r.keys;
      if (argIs(p.index, keys)) return { match: true, mismatch: false, indirect: false };
    }
    // A same-file helper that releases a field of this name, given the object (or what it was reached from).
    if (summary.releases.includes(last) && args.length > 0) return { match: true, mismatch: false, indirect: true };
    // A same-file helper that releases DMA handles it reads from an object the handle was put in.
    return summary.releases.length || summary.releaseMentions.length ? companionRelease(ctx, r, args) ?? no : no;
  }
  if (RELEASE_HELPER.test(name) && !NOT_A_RELEASE.test(name) && !lookupApi(name)) {
    if (args.some((a) => coversKey(ctx, r, a))) return { match: true, mismatch: false, indirect: true };
    return companionRelease(ctx, r, args) ?? no;
  }
  return no;
}

/**
 * `build_tfd(trans, txq, tb_phys, len)` then `tfd_unmap(trans, meta, txq, idx)`: the
 * handle went into an object that the release helper is given.
 */
function companionRelease(ctx: FunctionContext, r: Resource, args: Node[]): { match: boolean; mismatch: boolean; indirect: boolean; companionAt: number } | undefined {
  const with_ = companions(ctx, r);
  // `&sgt[i]` also names the table `sgt` the handle was put in.
  const where = (k: string) => with_.get(k) ?? (k.endsWith('[]') ? with_.get(k.slice(0, -2)) : undefined) ?? Infinity;
  const at = Math.min(...args.map((a) => where(keyOf(ctx, addressOf(a) ?? a))));
  return at < Infinity ? { match: true, mismatch: false, indirect: true, companionAt: at } : undefined;
}

const companionsCache = new WeakMap<Resource, Map<string, number>>();

/**
 * Objects the handle was passed along with to a same-file or unknown function
 * (`txq` in `build_tfd(trans, txq, tb_phys, len)`), with where that first happens.
 */
function companions(ctx: FunctionContext, r: Resource): Map<string, number> {
  let out = companionsCache.get(r);
  if (out) return out;
  out = new Map();
  for (const call of ctx.calls) {
    const name = callName(call);
    if (!name || lookupApi(name) || PRINTS.test(name) || DRIVER_PRINTS.test(name) || RELEASE_HELPER.test(name)) continue;
    if (call.startIndex < r.call.node.endIndex) continue;
    const args = callArgs(call);
    if (!args.some((a) => isKey(ctx, r, stripParens(a)))) continue;
    for (const a of args) {
      const inner = stripParens(addressOf(a) ?? a);
      if ((inner.type === 'identifier' || inner.type === 'field_expression') && !isKey(ctx, r, inner)) {
        const v = inner.type === 'identifier' ? ctx.vars.get(inner.text) : undefined;
        // Objects only: a pointer or a field, not a length or index.
        const k = keyOf(ctx, inner);
        if ((inner.type === 'field_expression' || v?.isPointer || (!v && inner.type === 'identifier')) && !out.has(k)) out.set(k, call.startIndex);
      }
    }
  }
  companionsCache.set(r, out);
  return out;
}

/** The argument is the handle, or an object the handle lives in (`priv` for `priv.rx_ring`). */
function coversKey(ctx: FunctionContext, r: Resource, arg: Node): boolean {
  const inner = addressOf(arg) ?? arg;
  const k = keyOf(ctx, inner);
  if (!k) return false;
  const keys = [...r.keys, ...(r.bufferKey ? [r.bufferKey] : []), ...(r.handleKey ? [r.handleKey] : [])];
  for (const key of keys) {
    if (key === k || key.startsWith(`${k}.`) || key.startsWith(`${k}[`)) return true;
    // `udc = platform_get_drvdata(pdev)`: the object was reached from the argument.
    const base = /^[A-Za-z_]\w*/.exec(key)?.[0];
    if (base && base !== key && derivedFrom(ctx, base).has(k)) return true;
  }
  return false;
}

/** Names a local was computed from (`priv = netdev_priv(ndev)` → ndev), transitively. */
function derivedFrom(ctx: FunctionContext, name: string): Set<string> {
  const out = new Set<string>();
  const stack = [name];
  while (stack.length) {
    const v = ctx.vars.get(stack.pop()!);
    if (!v || v.isParam || !v.init) continue;
    for (const id of v.init.descendantsOfType('identifier')) {
      if (!out.has(id.text) && ctx.vars.has(id.text)) {
        out.add(id.text);
        stack.push(id.text);
      }
    }
  }
  return out;
}

function computeEffects(ctx: FunctionContext, r: Resource, node: CfgNode): NodeEffects {
  const e: NodeEffects = { releases: [], mismatched: new Set(), indirect: new Set(), uses: [], reassigns: false, adjusts: [], acquires: false, companionAt: new Map(), copies: [] };
  const ast = node.ast;
  if (!ast || node.kind === 'label' || node.kind === 'goto' || node.kind === 'fork') return e;
  const excluded = new Set<number>();
  for (const n of walk(ast)) {
    if (n.type === 'call_expression') {
      const name = callName(n);
      if (!name) continue;
      if (n.id === r.call.node.id) continue;
      const args = callArgs(n);
      if (r.kind === 'map' && node.kind !== 'cond' && ctx.facts.summaries.get(name)?.checksMapping && args.some((a) => isHandle(ctx, r, a))) e.checkedBy ??= n;
      const m = releaseMatch(ctx, r, name, args);
      if (m.match) {
        const api = lookupApi(name);
        e.releases.push({ node: n, name, args, api });
        if (m.mismatch) e.mismatched.add(n);
        if (m.indirect) e.indirect.add(n);
        if (m.companionAt !== undefined) e.companionAt.set(n, m.companionAt);
        for (const a of args) excluded.add(a.id);
        continue;
      }
      if (MAP_CHECK.test(name) || ctx.facts.checkHelpers.has(name) || PRINTS.test(name) || (DRIVER_PRINTS.test(name) && !ctx.facts.summaries.has(name) && !lookupApi(name))) for (const a of args) excluded.add(a.id);
      if (name === 'sizeof' || (r.kind === 'map' && ASSERTIONS.has(name))) for (const a of args) excluded.add(a.id);
      // `BUG_ON(count != 1);` after dma_map_sg(): execution goes on only if the test says the mapping worked.
      if (ASSERTIONS.has(name) && node.kind !== 'cond' && args[0]) {
        const b = testOf(ctx, r, args[0], true);
        if (b && !b.misuse && b.f === 'ok') {
          e.assertsOk = true;
          excluded.add(args[0].id);
        }
      }
    } else if (n.type === 'sizeof_expression') {
      excluded.add(n.id);
    } else if (n.type === 'declaration') {
      // `dma_addr_t tb_phys;` reached again around a loop: a new variable, not a use of the old value.
      for (const d of n.childrenForFieldName('declarator')) {
        if (d.type !== 'identifier') continue;
        excluded.add(d.id);
        if (d.text === r.key) e.reassigns = true;
      }
    } else if (n.type === 'update_expression') {
      const target = n.childForFieldName('argument');
      if (target && r.key && basesOf(r).has(target.text.replace(/\s+/g, ''))) e.reassigns = true;
    } else if (n.type === 'assignment_expression' || n.type === 'init_declarator') {
      const left = n.type === 'assignment_expression' ? n.childForFieldName('left') : n.childForFieldName('declarator');
      const right = n.type === 'assignment_expression' ? n.childForFieldName('right') : n.childForFieldName('value');
      const op = n.type === 'assignment_expression' ? n.child(1)?.text : '=';
      if (!left) continue;
      const leftKey = keyOf(ctx, left);
      if (right && stripParens(right).id === r.call.node.id) {
        e.acquires = false;
        excluded.add(left.id);
        continue;
      }
      // The object or index the handle is reached through changes: a different handle from here on.
      if (leftKey && r.key && leftKey !== r.key && basesOf(r).has(leftKey)) {
        e.reassigns = true;
        continue;
      }
      if (leftKey && (r.keys.has(leftKey) || leftKey === r.handleKey)) {
        excluded.add(left.id);
        const rightMentions = right ? mentionsKey(ctx, right, leftKey) : false;
        if ((op && op !== '=') || rightMentions) {
          e.adjusts.push(n);
          if (right) excluded.add(right.id);
        } else if (leftKey === r.key || r.keys.has(leftKey)) {
          // A new value: the tracked handle is gone from this name.
          if (!right || !isHandleCopy(ctx, r, right)) e.reassigns = leftKey === r.key;
          // A copy into another name of the handle (`chunks[i].dma_addr = addr;`) is not a use.
          else {
            excluded.add(right.id);
            e.copies.push(right);
          }
        }
        continue;
      }
      // Plain copies are not uses.
      if (right && op === '=' && isHandleCopy(ctx, r, right)) excluded.add(right.id);
      // Filling in a descriptor (`desc->des2 = cpu_to_le32(des2);`) hands nothing to the
      // device yet: a check that follows still comes in time. Unchecked, it is the use.
      else if (right && op === '=' && (left.type === 'field_expression' || left.type === 'subscript_expression') && r.kind === 'map' && isDescriptorValue(ctx, r, right)) {
        excluded.add(right.id);
        e.copies.push(right);
      }
    }
  }
  // A `return h;` is handled by the walk, not as a use.
  if (node.kind !== 'return') {
    // Pre-order walk that skips excluded subtrees.
    const stack: Node[] = [ast];
    while (stack.length) {
      const n = stack.pop()!;
      if (excluded.has(n.id)) continue;
      if ((n.type === 'identifier' || n.type === 'field_expression' || n.type === 'subscript_expression') && isKey(ctx, r, n)) {
        e.uses.push(n);
        break;
      }
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    // Written into a device descriptor (`desc->addr = cpu_to_le64(dma)`) or a
    // device register: the device owns the buffer now, and its completion
    // path releases it.
    if (r.kind === 'map' || r.kind === 'sg') e.handedToDevice = handsToDevice(ctx, r, ast);
    // An allocation a same-file helper records in a structure (`be_fill_queue(q, len, size, vaddr)`) is the structure's now.
    else if (r.kind === 'alloc' || r.kind === 'pool-alloc') e.handedToDevice = storedByHelper(ctx, r, ast);
  }
  e.err = errAssignment(ctx, ast);
  return e;
}

const basesCache = new WeakMap<Resource, Set<string>>();

/** The variables a field or element handle is reached through: `rx_bi` for `rx_bi->dma`, `i` for `ring[i].dma`. */
function basesOf(r: Resource): Set<string> {
  let out = basesCache.get(r);
  if (!out) {
    out = new Set();
    const lhs = r.lhs;
    if (lhs && lhs.type !== 'identifier') {
      for (const id of lhs.descendantsOfType('identifier')) out.add(id.text);
    }
    basesCache.set(r, out);
  }
  return out;
}

function isHandleCopy(ctx: FunctionContext, r: Resource, n: Node): boolean {
  const s = stripParens(n);
  if (s.type !== 'identifier' && s.type !== 'field_expression' && s.type !== 'subscript_expression') return false;
  return isKey(ctx, r, s);
}

function mentionsKey(ctx: FunctionContext, n: Node, key: string): boolean {
  for (const x of walk(n)) {
    if ((x.type === 'identifier' || x.type === 'field_expression' || x.type === 'subscript_expression') && keyOf(ctx, x) === key && !inSizeof(x, n)) return true;
  }
  return false;
}

/** `sizeof(*ctx)` names the type, not the value. */
function inSizeof(x: Node, top: Node): boolean {
  for (let p = x.parent; p && p.id !== top.id; p = p.parent) if (p.type === 'sizeof_expression') return true;
  return false;
}

/** The handle itself, converted for a descriptor: `cpu_to_le32(h)`, `(u32)h`, `lower_32_bits(h)`. */
function isDescriptorValue(ctx: FunctionContext, r: Resource, value: Node): boolean {
  let v = stripParens(value);
  for (;;) {
    if (v.type === 'cast_expression') v = stripParens(v.childForFieldName('value')!);
    else if (v.type === 'call_expression' && TO_DEVICE_VALUE.test(callName(v)) && callArgs(v).length === 1) v = stripParens(callArgs(v)[0]);
    // `srcs[i] = um->addr[i] + src->off;`: an address inside the mapping.
    else if (v.type === 'binary_expression' && v.child(1)?.text === '+' && v.childForFieldName('left')) v = stripParens(v.childForFieldName('left')!);
    else break;
  }
  return (v.type === 'identifier' || v.type === 'field_expression' || v.type === 'subscript_expression') && isKey(ctx, r, v);
}

const TO_DEVICE_VALUE = /^(?:cpu_to_le(?:16|32|64)|cpu_to_be(?:32|64)|lower_32_bits|upper_32_bits|U64_HI|U64_LO)$/;

/** A same-file helper that records the handle in a structure (`foo_init_frag(pkt, ..., dma_addr, len)`). */
function storedByHelper(ctx: FunctionContext, r: Resource, ast: Node): boolean {
  for (const n of walk(ast)) {
    if (n.type !== 'call_expression') continue;
    const stored = ctx.facts.summaries.get(callName(n))?.storedParams;
    if (!stored?.length) continue;
    const args = callArgs(n);
    if (stored.some((i) => args[i] && isKey(ctx, r, stripParens(args[i])))) return true;
  }
  return false;
}

function handsToDevice(ctx: FunctionContext, r: Resource, ast: Node): boolean {
  if (storedByHelper(ctx, r, ast)) return true;
  for (const n of walk(ast)) {
    if (n.type !== 'call_expression') continue;
    const name = callName(n);
    // `set_page_private(page, dma)`: the page carries the address from here on.
    if (name === 'set_page_private' && callArgs(n)[1] && isKey(ctx, r, stripParens(callArgs(n)[1]))) return true;
    const write = /^(?:writel|writeq|writel_relaxed|writeq_relaxed|iowrite32|iowrite64|lo_hi_writeq|hi_lo_writeq)$/.test(name);
    if (!write && !TO_DEVICE_VALUE.test(name)) continue;
    if (!write) {
      // The converted value must land in a structure (a descriptor), not a local.
      let p: Node | null = n.parent;
      while (p && (p.type === 'call_expression' || p.type === 'argument_list' || p.type === 'parenthesized_expression' || p.type === 'binary_expression' || p.type === 'cast_expression')) p = p.parent;
      const left = p?.type === 'assignment_expression' ? p.childForFieldName('left') : null;
      if (!left || (left.type !== 'field_expression' && left.type !== 'subscript_expression')) continue;
    }
    if (walk(n).some((x) => (x.type === 'identifier' || x.type === 'field_expression') && isKey(ctx, r, x))) return true;
  }
  return false;
}

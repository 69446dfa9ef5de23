/**
 * A plain JavaScript copy of a tree-sitter tree, made in one cursor walk.
 *
 * The analysis visits nodes many times; through web-tree-sitter every visit
 * crosses into wasm and allocates a wrapper. A copy costs one walk and makes
 * every later visit a property read. It offers the subset of the
 * web-tree-sitter Node interface the analysis uses.
 */
import type { Tree } from 'web-tree-sitter';
import type { CursorWalk } from './parse';

export interface Point {
  row: number;
  column: number;
}

const NO_CHILDREN: SyntaxNode[] = [];

export class SyntaxNode {
  /** Leaves share one empty array (most nodes are leaves). */
  declare children: SyntaxNode[];
  declare parent: SyntaxNode | null;
  /** Index in the parent's children. */
  declare index: number;
  /** The field this node fills in its parent (`condition`, `body`, …), or ''. */
  declare field: string;
  /** The id of the last node of its subtree (ids are given in document order). */
  declare last: number;
  /** Its position in document order, from 1 (assigned again only when a NodePool reuses the object). */
  declare id: number;
  declare type: string;
  declare isNamed: boolean;
  declare isMissing: boolean;
  declare startIndex: number;
  declare endIndex: number;
  private declare named: SyntaxNode[] | undefined;
  private declare doc: SourceText;

  // Fields are assigned here, not declared with initialisers: a node is made
  // millions of times over a tree scan, and this is the cheapest shape to build.
  // They are assigned in this body, not through recycle(): V8 sizes the object
  // from the assignments it sees in the constructor (through a call, 3 of the
  // 13 fields went out of the object). A node starts with no children, no
  // range and no MISSING mark: the copy sets them.
  constructor(id: number, type: string, isNamed: boolean, doc: SourceText, parent: SyntaxNode | null, index: number, field: string) {
    this.children = NO_CHILDREN;
    this.parent = parent;
    this.index = index;
    this.field = field;
    this.last = id;
    this.id = id;
    this.type = type;
    this.isNamed = isNamed;
    this.isMissing = false;
    this.startIndex = 0;
    this.endIndex = 0;
    this.named = undefined;
    this.doc = doc;
  }

  /** Makes this object a new node, as the constructor does (NodePool); the same fields in the same order keep its shape. */
  recycle(id: number, type: string, isNamed: boolean, doc: SourceText, parent: SyntaxNode | null, index: number, field: string): void {
    this.children = NO_CHILDREN;
    this.parent = parent;
    this.index = index;
    this.field = field;
    this.last = id;
    this.id = id;
    this.type = type;
    this.isNamed = isNamed;
    this.isMissing = false;
    this.startIndex = 0;
    this.endIndex = 0;
    this.named = undefined;
    this.doc = doc;
  }

  get text(): string {
    return this.doc.text.slice(this.startIndex, this.endIndex);
  }

  /** Row and column (UTF-16), computed on demand from the offset. */
  get startPosition(): Point {
    return this.doc.point(this.startIndex);
  }

  get endPosition(): Point {
    return this.doc.point(this.endIndex);
  }

  get isError(): boolean {
    return this.type === 'ERROR';
  }

  get hasError(): boolean {
    if (this.isError || this.isMissing) return true;
    for (const c of this.children) if (c.hasError) return true;
    return false;
  }

  get childCount(): number {
    return this.children.length;
  }

  child(i: number): SyntaxNode | null {
    return this.children[i] ?? null;
  }

  /** Shared with `children` when every child is named (leaves, most lists): read it, never change it. */
  get namedChildren(): SyntaxNode[] {
    let named = this.named;
    if (!named) {
      const all = this.children;
      let k = 0;
      while (k < all.length && all[k].isNamed) k++;
      named = k === all.length ? all : all.filter((c) => c.isNamed);
      this.named = named;
    }
    return named;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  namedChild(i: number): SyntaxNode | null {
    return this.namedChildren[i] ?? null;
  }

  childForFieldName(name: string): SyntaxNode | null {
    for (const c of this.children) if (c.field === name) return c;
    return null;
  }

  childrenForFieldName(name: string): SyntaxNode[] {
    return this.children.filter((c) => c.field === name);
  }

  get nextNamedSibling(): SyntaxNode | null {
    const sibs = this.parent?.children;
    if (!sibs) return null;
    for (let i = this.index + 1; i < sibs.length; i++) if (sibs[i].isNamed) return sibs[i];
    return null;
  }

  get previousNamedSibling(): SyntaxNode | null {
    const sibs = this.parent?.children;
    if (!sibs) return null;
    for (let i = this.index - 1; i >= 0; i--) if (sibs[i].isNamed) return sibs[i];
    return null;
  }

  /** Descendants (this node included) of the given type(s), in document order. */
  descendantsOfType(types: string | string[]): SyntaxNode[] {
    // Ids are given in document order, so a subtree is a range of the copy's node list.
    const last = this.lastDescendantId();
    if (last - this.id >= INDEXED_SUBTREE) return this.doc.typeIndex().ofType(types, this.id, last);
    const all = this.doc.nodes;
    const base = all[0].id;
    const out: SyntaxNode[] = [];
    if (typeof types === 'string') {
      for (let i = this.id - base; i <= last - base; i++) if (all[i].type === types) out.push(all[i]);
    } else {
      for (let i = this.id - base; i <= last - base; i++) if (types.includes(all[i].type)) out.push(all[i]);
    }
    return out;
  }

  /**
   * For loops that must not allocate: the copy's node list, in which this
   * subtree is the positions subtreeStart() to subtreeEnd() (inclusive).
   */
  get documentNodes(): readonly SyntaxNode[] {
    return this.doc.nodes;
  }

  subtreeStart(): number {
    return this.id - this.doc.nodes[0].id;
  }

  subtreeEnd(): number {
    return this.last - this.doc.nodes[0].id;
  }

  /** This node and all its descendants, in document order. */
  subtree(): SyntaxNode[] {
    const all = this.doc.nodes;
    const base = all[0].id;
    return all.slice(this.id - base, this.lastDescendantId() - base + 1);
  }

  /** The id of the last node of this subtree in document order. */
  private lastDescendantId(): number {
    return this.last;
  }
}

/**
 * Above this many nodes, descendantsOfType() answers from an index of the
 * whole tree by type (built on first use) instead of scanning the subtree:
 * the analysis of a long function asks for every call, every assignment,
 * every identifier of its body many times.
 */
const INDEXED_SUBTREE = 4096;

/** Every node of a tree by type, each list in document (id) order. */
class TypeIndex {
  private readonly byType = new Map<string, SyntaxNode[]>();

  constructor(nodes: readonly SyntaxNode[]) {
    for (const n of nodes) {
      const list = this.byType.get(n.type);
      if (list) list.push(n);
      else this.byType.set(n.type, [n]);
    }
  }

  /** The nodes of the given type(s) with ids in [first, last], in document order. */
  ofType(types: string | string[], first: number, last: number): SyntaxNode[] {
    if (typeof types === 'string') return this.range(types, first, last);
    if (types.length === 1) return this.range(types[0], first, last);
    const out: SyntaxNode[] = [];
    for (const t of new Set(types)) for (const n of this.range(t, first, last)) out.push(n);
    return out.sort((a, b) => a.id - b.id);
  }

  private range(type: string, first: number, last: number): SyntaxNode[] {
    const list = this.byType.get(type);
    if (!list) return [];
    const lo = lowerBound(list, first);
    const hi = lowerBound(list, last + 1);
    return list.slice(lo, hi);
  }
}

/** The first index in `list` whose node id is at least `id`. */
function lowerBound(list: SyntaxNode[], id: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The parsed text and its line starts, shared by all nodes of a copy. */
export class SourceText {
  private readonly lineStarts: number[] = [0];
  private index?: TypeIndex;
  /** Every node of the copy in document order (its ids, from the root's, are the positions). */
  readonly nodes: SyntaxNode[] = [];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  /** The type index of the copy (one tree per text). */
  typeIndex(): TypeIndex {
    this.index ??= new TypeIndex(this.nodes);
    return this.index;
  }

  point(offset: number): Point {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: offset - starts[lo] };
  }
}

/**
 * Node objects for one-shot analyses, used again from one analysis to the
 * next. A tree scan copies millions of nodes that all live until the
 * analysis of their file ends: made afresh, each is copied once or twice by
 * the young-generation collector before it dies, which cost a tenth of the
 * scan. Taken from a pool, they stay in the old generation and are only
 * written again.
 *
 * rewind() hands every node out again: whoever took nodes since the last
 * rewind must be done with them (FileAnalyzer rewinds at the start of each
 * one-shot analysis; nothing of an analysis keeps a node past its end).
 * Caches keyed by node objects must be NodeCaches, which forget everything
 * at a rewind.
 */
export class NodePool {
  private readonly nodes: SyntaxNode[] = [];
  private used = 0;

  rewind(): void {
    this.used = 0;
    recycled++;
  }

  node(id: number, type: string, isNamed: boolean, doc: SourceText, parent: SyntaxNode | null, index: number, field: string): SyntaxNode {
    if (this.used < this.nodes.length) {
      const n = this.nodes[this.used++];
      n.recycle(id, type, isNamed, doc, parent, index, field);
      return n;
    }
    const n = new SyntaxNode(id, type, isNamed, doc, parent, index, field);
    this.nodes.push(n);
    this.used++;
    return n;
  }
}

/** How many times a NodePool has handed its nodes out again (NodeCache forgets its entries when this moves). */
let recycled = 0;

/** A WeakMap from nodes that is emptied whenever a NodePool is rewound: a reused node object is another node. */
export class NodeCache<V> {
  private map = new WeakMap<SyntaxNode, V>();
  private epoch = recycled;

  get(node: SyntaxNode): V | undefined {
    if (this.epoch !== recycled) this.forget();
    return this.map.get(node);
  }

  set(node: SyntaxNode, value: V): void {
    if (this.epoch !== recycled) this.forget();
    this.map.set(node, value);
  }

  private forget(): void {
    this.map = new WeakMap();
    this.epoch = recycled;
  }
}

/** Per language: is each type id named (1), anonymous (0) or not asked yet (-1)? */
const namedByLanguage = new WeakMap<object, Int8Array>();

/** The language's table of named type ids (see namedByLanguage), filled as copies ask. */
export function namedTypes(language: object): Int8Array {
  let named = namedByLanguage.get(language);
  if (!named) {
    named = new Int8Array(65536).fill(-1);
    namedByLanguage.set(language, named);
  }
  return named;
}

/**
 * Copies `tree` into SyntaxNodes; `source` is the text that was parsed.
 * `walk` (from CParser.walk) yields only numbers (type id, field id,
 * offsets): names come from the language's tables and rows/columns from the
 * text, which keeps the number of calls into wasm per node small. A node
 * with children is not asked where it starts: where its first child starts
 * (its leading whitespace belongs to that child). Its end is asked: it can
 * lie past its last child (the newline that ends a `#include` is a hidden
 * token). A node's children are gathered on a stack and put in an array of
 * their exact number once the last one is copied.
 */
export function copyTree(tree: Tree, source: string, walk: CursorWalk, pool?: NodePool): SyntaxNode {
  const language = tree.language;
  const types = (language as unknown as { types: string[] }).types;
  const fields = language.fields;
  const named = namedTypes(language);
  const doc = new SourceText(source);
  const nodes = doc.nodes;
  /** The children copied so far of each open node (one with children not all copied), innermost last. */
  const kids: SyntaxNode[] = [];
  /** Per open node, where its children start in `kids`. */
  const bases: number[] = [];
  const open: SyntaxNode[] = [];
  let nextId = 1;
  let root: SyntaxNode | undefined;
  try {
    for (;;) {
      // The cursor is on a node not copied yet; its parent is the innermost open node.
      const parent = open.length ? open[open.length - 1] : null;
      const typeId = walk.typeId();
      let isNamed = named[typeId];
      if (isNamed < 0) isNamed = named[typeId] = language.nodeTypeIsNamed(typeId) ? 1 : 0;
      const fieldId = walk.fieldId();
      const field = fieldId ? (fields[fieldId] ?? '') : '';
      const index = parent ? kids.length - bases[bases.length - 1] : 0;
      const id = nextId++;
      let node: SyntaxNode;
      // An error symbol's name is not in the table.
      const type = typeId === 65535 ? walk.typeName() : types[typeId];
      if (pool) node = pool.node(id, type, isNamed === 1, doc, parent, index, field);
      else node = new SyntaxNode(id, type, isNamed === 1, doc, parent, index, field);
      nodes.push(node);
      if (parent) kids.push(node);
      else root = node;
      if (walk.firstChild()) {
        open.push(node);
        bases.push(kids.length);
        continue;
      }
      // A leaf: the cursor is still on it.
      leafRange(node, walk);
      for (;;) {
        if (!open.length) return root!;
        if (walk.nextSibling()) break;
        walk.parent();
        // Leaving the innermost open node: its subtree is complete.
        const done = open.pop()!;
        const base = bases.pop()!;
        const children = kids.slice(base);
        kids.length = base;
        done.children = children;
        done.last = nextId - 1;
        done.startIndex = children[0].startIndex;
        done.endIndex = walk.endIndex();
        if (done.startIndex === done.endIndex && walk.isMissing()) {
          done.isMissing = true;
          done.type = walk.typeName();
        }
      }
    }
  } finally {
    walk.close();
  }
}

/** The range (and MISSING mark) of the node under the cursor. */
function leafRange(node: SyntaxNode, walk: CursorWalk): void {
  const start = walk.startIndex();
  const end = walk.endIndex();
  node.startIndex = start;
  node.endIndex = end;
  if (start === end && walk.isMissing()) {
    node.isMissing = true;
    node.type = walk.typeName();
  }
}

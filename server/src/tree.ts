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
  children: SyntaxNode[] = NO_CHILDREN;
  parent: SyntaxNode | null = null;
  /** Index in the parent's children. */
  index = 0;
  /** The field this node fills in its parent (`condition`, `body`, …), or ''. */
  field = '';
  /** The id of the last node of its subtree (ids are given in document order). */
  last = 0;
  private named?: SyntaxNode[];

  constructor(
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    private readonly doc: SourceText,
  ) {}

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

  get namedChildren(): SyntaxNode[] {
    if (!this.named) this.named = this.children.filter((c) => c.isNamed);
    return this.named;
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
class SourceText {
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

const namedByLanguage = new WeakMap<object, Map<number, boolean>>();

/**
 * Copies `tree` into SyntaxNodes; `source` is the text that was parsed.
 * `walk` (from CParser.walk) yields only numbers (type id, field id,
 * offsets): names come from the language's tables and rows/columns from the
 * text, which keeps the number of calls into wasm per node small.
 */
export function copyTree(tree: Tree, source: string, walk: CursorWalk): SyntaxNode {
  const language = tree.language;
  const types = (language as unknown as { types: string[] }).types;
  const fields = language.fields;
  let named = namedByLanguage.get(language);
  if (!named) {
    named = new Map();
    namedByLanguage.set(language, named);
  }
  const doc = new SourceText(source);
  let nextId = 1;
  const make = (): SyntaxNode => {
    const typeId = walk.typeId();
    let isNamed = named!.get(typeId);
    if (isNamed === undefined) {
      isNamed = language.nodeTypeIsNamed(typeId);
      named!.set(typeId, isNamed);
    }
    const start = walk.startIndex();
    const end = walk.endIndex();
    const missing = start === end && walk.isMissing();
    const type = missing || typeId === 65535 ? walk.typeName() : types[typeId];
    const node = new SyntaxNode(nextId++, type, isNamed, missing, start, end, doc);
    doc.nodes.push(node);
    return node;
  };
  const fieldName = (): string => {
    const id = walk.fieldId();
    return id ? (fields[id] ?? '') : '';
  };
  const root = make();
  let current = root;
  try {
    for (;;) {
      if (walk.firstChild()) {
        const child = make();
        child.field = fieldName();
        child.parent = current;
        child.index = 0;
        current.children = [child];
        current = child;
        continue;
      }
      for (;;) {
        // Leaving `current`: its subtree is complete.
        current.last = nextId - 1;
        if (current === root) return root;
        if (walk.nextSibling()) {
          const parent = current.parent!;
          const sib = make();
          sib.field = fieldName();
          sib.parent = parent;
          sib.index = parent.children.length;
          parent.children.push(sib);
          current = sib;
          break;
        }
        walk.parent();
        current = current.parent!;
      }
    }
  } finally {
    walk.close();
  }
}

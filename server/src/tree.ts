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
    const wanted = typeof types === 'string' ? [types] : types;
    const out: SyntaxNode[] = [];
    const stack: SyntaxNode[] = [this];
    while (stack.length) {
      const n = stack.pop()!;
      if (wanted.includes(n.type)) out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    return out;
  }
}

/** The parsed text and its line starts, shared by all nodes of a copy. */
class SourceText {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
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
    return new SyntaxNode(nextId++, type, isNamed, missing, start, end, doc);
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

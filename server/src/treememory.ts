/**
 * The copy of a tree-sitter tree into SyntaxNodes, made by reading the tree
 * where the runtime keeps it, in the wasm memory, instead of asking the
 * runtime node by node.
 *
 * A copy through the runtime's cursor (tree.ts's copyTree) asks five or six
 * things of every node, each a call into wasm; the bare walk (first child,
 * next sibling, parent, type) cost about two thirds of that copy. This copy
 * does in one JavaScript loop what the runtime's `TreeCursor` does
 * (tree_cursor.c: hidden nodes are looked through, aliases and fields come
 * from the language's tables), and makes the same nodes.
 *
 * It depends on the memory layout of the pinned web-tree-sitter (0.26, ABI
 * 15, wasm32): a subtree is 8 bytes, either inline data (a leaf token) or a
 * pointer to its heap data, whose children sit just before it.
 * languageTables() checks the language's header against the public API, and
 * the parser compares copies of samples with copies through the public API
 * before it uses this one (parse.ts); anything that differs leaves the
 * runtime's cursor in charge.
 */
import type { Language, Tree } from 'web-tree-sitter';
import { SourceText, SyntaxNode, type NodePool } from './tree';

/** Where the runtime's heap views live (its module object). */
export interface WasmHeap {
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
  HEAPU32: Uint32Array;
}

// TSLanguage (ABI 15), byte offsets on wasm32.
const LANG_ABI_VERSION = 0;
const LANG_SYMBOL_COUNT = 4;
const LANG_ALIAS_COUNT = 8;
const LANG_FIELD_COUNT = 32;
const LANG_MAX_ALIAS_SEQUENCE_LENGTH = 36;
const LANG_FIELD_MAP_SLICES = 64;
const LANG_FIELD_MAP_ENTRIES = 68;
const LANG_PUBLIC_SYMBOL_MAP = 76;
const LANG_ALIAS_SEQUENCES = 84;

// TSTree: the root subtree, then the language.
const TREE_LANGUAGE = 8;

// SubtreeHeapData, byte offsets.
const HEAP_PADDING_BYTES = 4;
const HEAP_SIZE_BYTES = 16;
const HEAP_CHILD_COUNT = 36;
const HEAP_SYMBOL = 40;
const HEAP_FLAGS = 44; // visible, named, extra, … (bit 0 up); is_missing is bit 9
const HEAP_VISIBLE_CHILD_COUNT = 48;
const HEAP_PRODUCTION_ID = 66;

// SubtreeInlineData: byte 0 holds is_inline (bit 0), visible, named, extra,
// has_changes, is_missing (bit 5); byte 1 the symbol; byte 6 the padding's
// bytes; byte 7 the size's bytes.
const SUBTREE_BYTES = 8;

const ERROR_SYMBOL = 65535;

/** The language's tables a copy reads, by address. */
export interface LanguageTables {
  language: number;
  fieldCount: number;
  maxAliasSequenceLength: number;
  fieldMapSlices: number;
  fieldMapEntries: number;
  publicSymbolMap: number;
  aliasSequences: number;
  types: readonly string[];
}

/** The language's tables, or undefined when its header does not read as the layout above expects. */
export function languageTables(heap: WasmHeap, language: Language): LanguageTables | undefined {
  const address = (language as unknown as Record<number, number>)[0];
  if (!Number.isInteger(address) || address <= 0 || address % 4 !== 0) return undefined;
  const u32 = heap.HEAPU32;
  const at = address >> 2;
  if (at + 32 > u32.length) return undefined;
  const symbols = u32[at + LANG_SYMBOL_COUNT / 4];
  const aliases = u32[at + LANG_ALIAS_COUNT / 4];
  const fieldCount = u32[at + LANG_FIELD_COUNT / 4];
  // The public API's own answers, from the same struct through the runtime.
  if (u32[at + LANG_ABI_VERSION / 4] !== language.abiVersion) return undefined;
  if (symbols + aliases !== language.nodeTypeCount || fieldCount !== language.fieldCount) return undefined;
  const tables: LanguageTables = {
    language: address,
    fieldCount,
    maxAliasSequenceLength: heap.HEAPU16[(address + LANG_MAX_ALIAS_SEQUENCE_LENGTH) >> 1],
    fieldMapSlices: u32[at + LANG_FIELD_MAP_SLICES / 4],
    fieldMapEntries: u32[at + LANG_FIELD_MAP_ENTRIES / 4],
    publicSymbolMap: u32[at + LANG_PUBLIC_SYMBOL_MAP / 4],
    aliasSequences: u32[at + LANG_ALIAS_SEQUENCES / 4],
    types: (language as unknown as { types: string[] }).types,
  };
  const inMemory = (p: number) => p > 0 && p < heap.HEAPU8.length;
  if (![tables.fieldMapSlices, tables.fieldMapEntries, tables.publicSymbolMap, tables.aliasSequences].every(inMemory)) return undefined;
  return tables;
}

/**
 * The working arrays of copyFromMemory(), kept from one copy to the next (a
 * copy never runs inside another): a tree scan makes thousands of copies.
 */
const scratch = {
  /** The children copied so far of each open visible node, innermost last. */
  kids: [] as SyntaxNode[],
  /** Per frame: its node when visible, null when hidden (emptied as frames close). */
  fNode: [] as (SyntaxNode | null)[],
  /** Visible frames: where their children start in `kids`. */
  fBase: [] as number[],
  /** The nearest visible frame (itself when visible). */
  fVisible: [] as number[],
  fCount: [] as number[],
  /** The slot of its first child. */
  fFirst: [] as number[],
  fProduction: [] as number[],
  /** The next child to look at (saved while an inner frame runs). */
  fIndex: [] as number[],
  fStructural: [] as number[],
  /** Where that child starts, with its padding. */
  fPosition: [] as number[],
  /** Where the frame's own subtree starts. */
  fStart: [] as number[],
  fSlot: [] as number[],
  /** Its structural index in its parent frame (hidden frames: for fields). */
  fOwnStructural: [] as number[],
  fExtra: [] as number[],
};

/**
 * Copies `tree` into SyntaxNodes as copyTree() does with a cursor walk, with
 * the same nodes, ids, ranges, fields and MISSING marks, but reading the
 * subtrees from memory in one pass. The runtime's cursor semantics, in the
 * terms used here: a node's children are the children of its subtree, with
 * any hidden child (not visible, not aliased) replaced by its own children;
 * a child's type is the alias its parent's production gives it (not for an
 * extra) or its own symbol, through the public symbol map; its field is the
 * first non-inherited field-map entry for it, looked up in its parent's
 * production and, through hidden parents, in theirs (an extra has none).
 */
export function copyFromMemory(heap: WasmHeap, lang: LanguageTables, tree: Tree, source: string, named: Int8Array, isNamed: (typeId: number) => boolean, fields: readonly (string | null)[], pool?: NodePool): SyntaxNode {
  const u8 = heap.HEAPU8;
  const u16 = heap.HEAPU16;
  const u32 = heap.HEAPU32;
  const rootSlot = (tree as unknown as Record<number, number>)[0];
  if (u32[(rootSlot + TREE_LANGUAGE) >> 2] !== lang.language) throw new Error('tree memory: the tree is not of this language');
  const aliasBase = lang.aliasSequences >> 1;
  const aliasStride = lang.maxAliasSequenceLength;
  const publicBase = lang.publicSymbolMap >> 1;
  const sliceBase = lang.fieldMapSlices >> 1;
  const entryBase = lang.fieldMapEntries;
  const types = lang.types;
  const doc = new SourceText(source);
  const nodes = doc.nodes;
  const kids = scratch.kids;
  kids.length = 0;

  // One frame per subtree whose children are being iterated, visible or
  // hidden. The innermost frame's iterator is kept in local variables and
  // saved to these arrays while a frame inside it runs.
  let depth = -1;
  const { fNode, fBase, fVisible, fCount, fFirst, fProduction, fIndex, fStructural, fPosition, fStart, fSlot, fOwnStructural, fExtra } = scratch;
  let count = 0;
  let first = 0;
  let production = 0;
  let index = 0;
  let structural = 0;
  let position = 0;
  let visibleFrame = 0;

  /** The field of a child at structural index `at` of the innermost frame, through hidden frames. */
  const fieldOf = (at: number): number => {
    let f = depth;
    let p = production;
    for (;;) {
      if (lang.fieldCount) {
        const slice = sliceBase + p * 2;
        const from = u16[slice];
        const end = from + u16[slice + 1];
        for (let e = from; e < end; e++) {
          const entry = entryBase + e * 4;
          if (u8[entry + 3] === 0 && u8[entry + 2] === at) return u16[entry >> 1];
        }
      }
      if (fNode[f] !== null || fExtra[f] === 1) return 0;
      at = fOwnStructural[f];
      f--;
      p = fProduction[f];
    }
  };

  /** Enters the children of `slot` (a subtree with children) as the innermost frame. */
  const open = (slot: number, start: number, node: SyntaxNode | null, ownStructural: number, extra: number) => {
    if (depth >= 0) {
      fIndex[depth] = index;
      fStructural[depth] = structural;
      fPosition[depth] = position;
    }
    depth++;
    const data = u32[slot >> 2];
    count = u32[(data + HEAP_CHILD_COUNT) >> 2];
    first = data - count * SUBTREE_BYTES;
    production = u16[(data + HEAP_PRODUCTION_ID) >> 1];
    index = 0;
    structural = 0;
    position = start;
    if (node !== null) visibleFrame = depth;
    fNode[depth] = node;
    fBase[depth] = kids.length;
    fVisible[depth] = visibleFrame;
    fCount[depth] = count;
    fFirst[depth] = first;
    fProduction[depth] = production;
    fStart[depth] = start;
    fSlot[depth] = slot;
    fOwnStructural[depth] = ownStructural;
    fExtra[depth] = extra;
  };

  /** A node copied with no children: its range and MISSING mark from its own subtree. */
  const leaf = (node: SyntaxNode, slot: number, start: number) => {
    const inline = u8[slot] & 1;
    const size = inline ? u8[slot + 7] : u32[(u32[slot >> 2] + HEAP_SIZE_BYTES) >> 2];
    node.startIndex = start >> 1;
    node.endIndex = (start + size) >> 1;
    if (size === 0 && (inline ? (u8[slot] >> 5) & 1 : (u16[(u32[slot >> 2] + HEAP_FLAGS) >> 1] >> 9) & 1)) node.isMissing = true;
  };

  const typeOf = (typeId: number): string => types[typeId] || 'ERROR';
  const namedType = (typeId: number): boolean => {
    let n = named[typeId];
    if (n < 0) n = named[typeId] = isNamed(typeId) ? 1 : 0;
    return n === 1;
  };

  // The root: visible, its own symbol, no field.
  const rootInline = u8[rootSlot] & 1;
  const rootStart = rootInline ? u8[rootSlot + 6] : u32[(u32[rootSlot >> 2] + HEAP_PADDING_BYTES) >> 2];
  const rootSymbol = rootInline ? u8[rootSlot + 1] : u16[(u32[rootSlot >> 2] + HEAP_SYMBOL) >> 1];
  const rootType = rootSymbol === ERROR_SYMBOL ? rootSymbol : u16[publicBase + rootSymbol];
  const root = pool ? pool.node(1, typeOf(rootType), namedType(rootType), doc, null, 0, '') : new SyntaxNode(1, typeOf(rootType), namedType(rootType), doc, null, 0, '');
  nodes.push(root);
  if (rootInline || u32[(u32[rootSlot >> 2] + HEAP_CHILD_COUNT) >> 2] === 0) {
    leaf(root, rootSlot, rootStart);
    return root;
  }
  open(rootSlot, rootStart, root, 0, 0);

  while (depth >= 0) {
    if (index < count) {
      // The next child (tree_cursor.c's child iterator).
      const child = first + index * SUBTREE_BYTES;
      const start = position;
      const at = structural;
      const head = u8[child];
      const inline = head & 1;
      const data = inline ? 0 : u32[child >> 2];
      const flags = inline ? head >> 1 : u8[data + HEAP_FLAGS];
      let visible = (flags & 1) !== 0;
      const extra = (flags & 4) !== 0;
      let alias = 0;
      if (!extra) {
        if (production) alias = u16[aliasBase + production * aliasStride + at];
        if (alias) visible = true;
        structural = at + 1;
      }
      position = start + (inline ? u8[child + 7] : u32[(data + HEAP_SIZE_BYTES) >> 2]);
      index++;
      if (index < count) {
        const after = child + SUBTREE_BYTES;
        position += u8[after] & 1 ? u8[after + 6] : u32[(u32[after >> 2] + HEAP_PADDING_BYTES) >> 2];
      }
      const children = inline ? 0 : u32[(data + HEAP_CHILD_COUNT) >> 2];
      if (visible) {
        const symbol = alias || (inline ? u8[child + 1] : u16[(data + HEAP_SYMBOL) >> 1]);
        const typeId = symbol === ERROR_SYMBOL ? symbol : u16[publicBase + symbol];
        const field = extra ? 0 : fieldOf(at);
        const parent = fNode[visibleFrame]!;
        const id = nodes.length + 1;
        const type = typeOf(typeId);
        const index = kids.length - fBase[visibleFrame];
        const fieldName = field ? (fields[field] ?? '') : '';
        const node = pool ? pool.node(id, type, namedType(typeId), doc, parent, index, fieldName) : new SyntaxNode(id, type, namedType(typeId), doc, parent, index, fieldName);
        nodes.push(node);
        kids.push(node);
        if (children > 0) open(child, start, node, at, extra ? 1 : 0);
        else leaf(node, child, start);
      } else if (children > 0 && u32[(data + HEAP_VISIBLE_CHILD_COUNT) >> 2] > 0) {
        open(child, start, null, at, extra ? 1 : 0);
      }
      continue;
    }
    // The innermost frame is done.
    const node = fNode[depth];
    fNode[depth] = null;
    if (node !== null) {
      const base = fBase[depth];
      if (kids.length === base) leaf(node, fSlot[depth], fStart[depth]);
      else {
        const children = kids.slice(base);
        kids.length = base;
        node.children = children;
        node.last = nodes.length;
        node.startIndex = children[0].startIndex;
        const data = u32[fSlot[depth] >> 2];
        node.endIndex = (fStart[depth] + u32[(data + HEAP_SIZE_BYTES) >> 2]) >> 1;
        if (node.startIndex === node.endIndex && (u16[(data + HEAP_FLAGS) >> 1] >> 9) & 1) node.isMissing = true;
      }
    }
    depth--;
    if (depth >= 0) {
      count = fCount[depth];
      first = fFirst[depth];
      production = fProduction[depth];
      index = fIndex[depth];
      structural = fStructural[depth];
      position = fPosition[depth];
      visibleFrame = fVisible[depth];
    }
  }
  return root;
}

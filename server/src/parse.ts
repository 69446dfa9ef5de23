/**
 * The only module that knows where the wasm files are and how the parser is
 * made. Everything else asks for a ready `CParser`.
 *
 * Locations tried, in order: beside the running bundle (dist/, where the
 * build copies both wasm files), then the packages in node_modules (tests and
 * `ts-node`-style runs of the sources).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Parser, Language, Tree, Node as TSNode, Edit, Point } from 'web-tree-sitter';
import { copyTree, namedTypes, type NodePool, type SyntaxNode } from './tree';
import { copyFromMemory, languageTables, type LanguageTables } from './treememory';

export type { Tree, TSNode, Edit, Point };
/** The node type the analysis works on: a plain copy of the tree (see tree.ts). */
export type Node = SyntaxNode;

const RUNTIME_WASM = 'web-tree-sitter.wasm';
const C_WASM = 'tree-sitter-c.wasm';

function locate(file: string, packageSpecifier: string): string {
  const besideBundle = path.join(__dirname, file);
  if (fs.existsSync(besideBundle)) return besideBundle;
  return require.resolve(packageSpecifier);
}

/**
 * The runtime's own entry points for walking a tree, called directly.
 *
 * Every TreeCursor method of web-tree-sitter copies the cursor's four words
 * into the runtime's transfer buffer before the call and back after it, and
 * reading a node's type, range and field takes one such call each. Copying a
 * tree (tree.ts) does that for every node, and the copying cost as much as
 * the parse. Here the cursor stays in the transfer buffer for the whole walk.
 * These are internals of the pinned web-tree-sitter; `selfCheck` compares a
 * walk with them to one through the public API when the parser is made, and
 * the public API is used if anything differs or is missing.
 */
interface RuntimeModule {
  HEAP32: Int32Array;
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
  HEAPU32: Uint32Array;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_current_node_is_missing_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
}

const RUNTIME_FUNCTIONS = [
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_node_is_missing_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
] as const;

/** What copyTree needs of a cursor: numbers only. `close` must be called once the walk is done. */
export interface CursorWalk {
  typeId(): number;
  /** The type's name when the language's table has none (a MISSING node, an error symbol). */
  typeName(): string;
  startIndex(): number;
  endIndex(): number;
  isMissing(): boolean;
  fieldId(): number;
  firstChild(): boolean;
  nextSibling(): boolean;
  parent(): boolean;
  close(): void;
}

/** A walk through the public TreeCursor API. */
export function publicWalk(tree: Tree): CursorWalk {
  const cursor = tree.walk();
  return {
    typeId: () => cursor.nodeTypeId,
    typeName: () => cursor.nodeType,
    startIndex: () => cursor.startIndex,
    endIndex: () => cursor.endIndex,
    isMissing: () => cursor.nodeIsMissing,
    fieldId: () => cursor.currentFieldId,
    firstChild: () => cursor.gotoFirstChild(),
    nextSibling: () => cursor.gotoNextSibling(),
    parent: () => cursor.gotoParent(),
    close: () => cursor.delete(),
  };
}

/** A walk whose cursor lives in the transfer buffer (see RuntimeModule). */
function directWalk(m: RuntimeModule, transfer: number, tree: Tree): CursorWalk {
  const cursor = tree.walk() as unknown as Record<number, number> & { nodeType: string; delete(): void };
  const t = (tree as unknown as Record<number, number>)[0];
  const at = transfer >> 2;
  /** The cursor object into the transfer buffer, and back. */
  const load = () => {
    const heap = m.HEAP32;
    for (let k = 0; k < 4; k++) heap[at + k] = cursor[k];
  };
  const store = () => {
    const heap = m.HEAP32;
    for (let k = 0; k < 4; k++) cursor[k] = heap[at + k];
  };
  // Only the cursor's own calls run during a walk, so the buffer keeps it between them.
  load();
  return {
    typeId: () => m._ts_tree_cursor_current_node_type_id_wasm(t),
    typeName: () => {
      // Through the public API, which re-marshals from the cursor object: bring it up to date first.
      store();
      const name = cursor.nodeType;
      load();
      return name;
    },
    startIndex: () => m._ts_tree_cursor_start_index_wasm(t),
    endIndex: () => m._ts_tree_cursor_end_index_wasm(t),
    isMissing: () => m._ts_tree_cursor_current_node_is_missing_wasm(t) === 1,
    fieldId: () => m._ts_tree_cursor_current_field_id_wasm(t),
    firstChild: () => m._ts_tree_cursor_goto_first_child_wasm(t) === 1,
    nextSibling: () => m._ts_tree_cursor_goto_next_sibling_wasm(t) === 1,
    parent: () => m._ts_tree_cursor_goto_parent_wasm(t) === 1,
    close: () => {
      // The walk may have grown the cursor's stack: free what it holds now.
      store();
      cursor.delete();
    },
  };
}

/** What a walk is checked on before it is used: kernel C with the shapes that make tree-sitter's trees irregular. */
const SELF_CHECK_SAMPLES = [
  'static int f(struct device *d, void *p)\n{\n\tdma_addr_t a = dma_map_single(d, p, 4, DMA_TO_DEVICE);\n\tif (dma_mapping_error(d, a))\n\t\tgoto err;\n\tfoo(a;\n\treturn 0;\nerr:\n\treturn -ENOMEM\n}\n',
  '#include <linux/dma-mapping.h>\n#define RING(x) ((x) * 2)\nstatic const struct pci_device_id ids[] = { { PCI_VDEVICE(INTEL, 0x1234), 0 }, { } };\n' +
    'static void g(struct foo *priv, int n)\n{\n\tint i;\n\t/* unwind */\n\tfor (i = 0; i < n; i++) {\n\t\tpriv->rx[i].dma = (u32)-1;\n\t\tlist_for_each_entry(pos, &priv->list, node)\n\t\t\tkfree(pos);\n\t}\n' +
    '#ifdef CONFIG_PM\n\tpriv->pm = sizeof(struct foo) + RING(n) ? : 1;\n#endif\n\tswitch (n) { case 1: break; default: do { n--; } while (n); }\n\tasm volatile("nop" ::: "memory");\n\treturn;\n}\n',
];

/** A copy's nodes, in document order, as one comparable string. */
function copySignature(root: SyntaxNode): string {
  const out: string[] = [];
  for (const n of root.subtree()) out.push(`${n.id}:${n.type}:${n.startIndex}-${n.endIndex}:${n.field}:${n.isNamed}:${n.isMissing}:${n.index}:${n.last}:${n.children.length}:${n.parent?.id ?? 0}`);
  return out.join('\n');
}

/** The node list of a walk, as comparable strings. */
function walkSignature(walk: CursorWalk): string[] {
  const out: string[] = [];
  for (;;) {
    out.push(`${walk.typeId()}:${walk.startIndex()}-${walk.endIndex()}:${walk.fieldId()}:${walk.isMissing()}`);
    if (walk.firstChild()) continue;
    while (!walk.nextSibling()) {
      if (!walk.parent()) {
        walk.close();
        return out;
      }
    }
  }
}

export class CParser {
  private constructor(
    private readonly parser: Parser,
    private readonly runtime?: { m: RuntimeModule; transfer: number },
    /** The language's tables, when walks read the tree's memory (treememory.ts). */
    private readonly tables?: LanguageTables,
  ) {}

  private static pending: Promise<CParser> | undefined;

  /** The process-wide parser; the wasm is compiled once. */
  static get(): Promise<CParser> {
    if (!CParser.pending) {
      CParser.pending = (async () => {
        const runtime = locate(RUNTIME_WASM, 'web-tree-sitter/web-tree-sitter.wasm');
        // The options object becomes the runtime's module: its exports are
        // stored on it. The transfer buffer's address is what `_ts_init`
        // returns when Parser.init calls it; note it on the way.
        const moduleOptions: Record<string, unknown> = { locateFile: () => runtime };
        let tsInit: (() => number) | undefined;
        let transfer = 0;
        Object.defineProperty(moduleOptions, '_ts_init', {
          configurable: true,
          enumerable: true,
          get: () => (tsInit ? () => (transfer = tsInit!()) : undefined),
          set: (f: () => number) => {
            tsInit = f;
          },
        });
        await Parser.init(moduleOptions);
        const grammar = fs.readFileSync(locate(C_WASM, 'tree-sitter-c/tree-sitter-c.wasm'));
        const language = await Language.load(grammar);
        const parser = new Parser();
        parser.setLanguage(language);
        const m = moduleOptions as unknown as RuntimeModule;
        const usable = transfer > 0 && m.HEAP32 instanceof Int32Array && RUNTIME_FUNCTIONS.every((f) => typeof m[f] === 'function');
        if (!usable) return new CParser(parser);
        const direct = new CParser(parser, { m, transfer });
        if (!direct.selfCheck()) return new CParser(parser);
        // Better still: read the tree's memory, if the layout is the one expected.
        const tables = m.HEAPU8 instanceof Uint8Array && m.HEAPU16 instanceof Uint16Array && m.HEAPU32 instanceof Uint32Array ? languageTables(m, language) : undefined;
        const fromMemory = tables && new CParser(parser, { m, transfer }, tables);
        return fromMemory && fromMemory.selfCheck() ? fromMemory : direct;
      })();
      CParser.pending.catch(() => {
        CParser.pending = undefined;
      });
    }
    return CParser.pending;
  }

  /** Whether walks go straight to the runtime (see RuntimeModule) rather than through the public API. */
  get walksDirectly(): boolean {
    return this.runtime !== undefined;
  }

  /** Whether copies read the tree's memory (treememory.ts) rather than walk it with the runtime's cursor. */
  get copiesFromMemory(): boolean {
    return this.tables !== undefined;
  }

  /** A walk over `tree` from its root (tree.ts's copyTree). */
  walk(tree: Tree): CursorWalk {
    return this.runtime ? directWalk(this.runtime.m, this.runtime.transfer, tree) : publicWalk(tree);
  }

  /**
   * `tree` (parsed from `source`) as SyntaxNodes: from its memory when that
   * is checked to give the same copy, else with a walk. With a pool, the
   * node objects come from it (see NodePool).
   */
  copy(tree: Tree, source: string, pool?: NodePool): SyntaxNode {
    if (!this.tables) return copyTree(tree, source, this.walk(tree), pool);
    const language = tree.language;
    return copyFromMemory(this.runtime!.m, this.tables, tree, source, namedTypes(language), (id) => language.nodeTypeIsNamed(id), language.fields, pool);
  }

  /**
   * Whether what this parser copies trees with sees what the public API
   * sees, on samples with errors, fields, aliases, hidden nodes,
   * preprocessor lines and MISSING nodes: its copies from memory, else its
   * direct walks (a parser that copies from memory is made only once those
   * passed).
   */
  private selfCheck(): boolean {
    for (const sample of SELF_CHECK_SAMPLES) {
      const tree = this.parse(sample);
      try {
        if (this.tables) {
          const viaApi = copySignature(copyTree(tree, sample, publicWalk(tree)));
          if (viaApi.split('\n').length < 20 || copySignature(this.copy(tree, sample)) !== viaApi) return false;
        } else {
          const viaApi = walkSignature(publicWalk(tree));
          if (viaApi.length < 20 || viaApi.join('\n') !== walkSignature(this.walk(tree)).join('\n')) return false;
        }
      } catch {
        return false;
      } finally {
        tree.delete();
      }
    }
    return true;
  }

  /** Parses `text`; with `oldTree` (already `edit`ed) the parse is incremental. */
  parse(text: string, oldTree?: Tree | null): Tree {
    const tree = this.parser.parse(text, oldTree ?? null);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }
}

/** Counts ERROR and MISSING nodes: the measure fixes must not make worse. */
export function countErrorNodes(root: TSNode): number {
  if (!root.hasError) return 0;
  let count = 0;
  const cursor = root.walk();
  let done = false;
  while (!done) {
    const node = cursor.currentNode;
    if (node.isError || node.isMissing) count++;
    if (node.hasError && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
    }
  }
  cursor.delete();
  return count;
}

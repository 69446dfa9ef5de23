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
import type { SyntaxNode } from './tree';

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

export class CParser {
  private constructor(private readonly parser: Parser) {}

  private static pending: Promise<CParser> | undefined;

  /** The process-wide parser; the wasm is compiled once. */
  static get(): Promise<CParser> {
    if (!CParser.pending) {
      CParser.pending = (async () => {
        const runtime = locate(RUNTIME_WASM, 'web-tree-sitter/web-tree-sitter.wasm');
        await Parser.init({ locateFile: () => runtime });
        const grammar = fs.readFileSync(locate(C_WASM, 'tree-sitter-c/tree-sitter-c.wasm'));
        const language = await Language.load(grammar);
        const parser = new Parser();
        parser.setLanguage(language);
        return new CParser(parser);
      })();
      CParser.pending.catch(() => {
        CParser.pending = undefined;
      });
    }
    return CParser.pending;
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

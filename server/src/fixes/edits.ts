/**
 * Edit builders. Every edit is expressed in file coordinates and written in
 * the function's own indentation.
 */
import type { Node } from '../parse';
import type { FunctionContext } from '../analysis/function';
import type { Position, TextEdit } from '../types';
import { nodeRange } from '../rules/context';

export function replaceNode(fn: FunctionContext, node: Node, text: string): TextEdit {
  return { range: nodeRange(fn, node), newText: text };
}

/** Leading whitespace of the line a node starts on. */
export function indentOf(fn: FunctionContext, node: Node): string {
  return /^[ \t]*/.exec(fn.source.lineText(node.startPosition.row))![0];
}

function lineEnd(fn: FunctionContext, row: number): Position {
  return { line: row + fn.lineOffset, character: fn.source.lineText(row).length };
}

/** Columns a line of this indentation and text takes, tabs to the next multiple of 8. */
function width(text: string, from = 0): number {
  let col = from;
  for (const c of text) col = c === '\t' ? (col + 8) & ~7 : col + 1;
  return col;
}

/**
 * A line the fix writes, as one or more lines of at most 80 columns where it
 * can be: a call statement (`dma_unmap_page(dev, addr, size, dir);`, also on
 * the right of an assignment) or an `if` that tests one call
 * (`if (dma_mapping_error(dev, addr)) {`) longer than that is broken after a
 * comma, and the arguments continue under the first one, with tabs and then
 * spaces, as the kernel's coding style asks. Strings are never split;
 * anything else is written as it is.
 */
export function wrapStatement(indent: string, text: string): string {
  const start = width(indent);
  if (width(text, start) <= 80) return indent + text;
  const m = /^(?:if \()?(?:[\w.>*\[\]-]+\s*=\s*)?!?[A-Za-z_]\w*\(/.exec(text);
  if (!m) return indent + text;
  const open = m[0].length;
  // The call's top-level commas and its closing parenthesis.
  const pieces: string[] = [];
  let depth = 0;
  let from = open;
  let quote = '';
  let close = -1;
  for (let i = open; i < text.length && close < 0; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0 && c === ')') close = i;
      else depth--;
    } else if (c === ',' && depth === 0) {
      pieces.push(text.slice(from, i + 1).trim());
      from = i + 1;
    }
  }
  if (close < 0) return indent + text;
  const suffix = text.slice(close);
  const isIf = text.startsWith('if (');
  if (!(isIf ? suffix === '))' || suffix === ')) {' : suffix === ');')) return indent + text;
  pieces.push(text.slice(from, close).trim());
  if (pieces.length < 2) return indent + text;
  const column = width(text.slice(0, open), start);
  const cont = '\t'.repeat(Math.floor(column / 8)) + ' '.repeat(column % 8);
  const lines: string[] = [];
  let line = indent + text.slice(0, open) + pieces[0];
  for (let i = 1; i < pieces.length; i++) {
    const next = `${line} ${pieces[i]}`;
    if (width(next) + (i === pieces.length - 1 ? suffix.length : 0) <= 80) line = next;
    else {
      lines.push(line);
      line = cont + pieces[i];
    }
  }
  lines.push(line + suffix);
  return lines.join('\n');
}

/** Inserts whole lines after the line where `stmt` ends. Lines are given without indentation; `level` adds steps. */
export function insertLinesAfter(fn: FunctionContext, stmt: Node, lines: { text: string; level: number; column0?: boolean }[], baseIndent?: string): TextEdit {
  const base = baseIndent ?? indentOf(fn, stmt);
  const at = lineEnd(fn, stmt.endPosition.row);
  const text = lines.map((l) => `\n${l.column0 ? l.text : wrapStatement(base + fn.indentUnit.repeat(l.level), l.text)}`).join('');
  return { range: { start: at, end: at }, newText: text };
}

/** Inserts whole lines before the line where `node` starts. */
export function insertLinesBefore(fn: FunctionContext, node: Node, lines: { text: string; level: number; column0?: boolean }[], baseIndent: string): TextEdit {
  const at: Position = { line: node.startPosition.row + fn.lineOffset, character: 0 };
  const text = lines.map((l) => `${l.column0 ? l.text : wrapStatement(baseIndent + fn.indentUnit.repeat(l.level), l.text)}\n`).join('');
  return { range: { start: at, end: at }, newText: text };
}

/** Deletes the statement's whole line(s) when nothing else is on them, else just the statement. */
export function deleteStatement(fn: FunctionContext, stmt: Node): TextEdit {
  const first = fn.source.lineText(stmt.startPosition.row);
  const last = fn.source.lineText(stmt.endPosition.row);
  const before = first.slice(0, stmt.startPosition.column);
  const after = last.slice(stmt.endPosition.column);
  if (/^\s*$/.test(before) && /^\s*(\/\*.*\*\/\s*)?$/.test(after)) {
    // A statement standing alone between blank lines takes one of them along.
    const prevBlank = stmt.startPosition.row > 0 && /^\s*$/.test(fn.source.lineText(stmt.startPosition.row - 1));
    const nextBlank = stmt.endPosition.row + 1 < fn.source.lineCount && /^\s*$/.test(fn.source.lineText(stmt.endPosition.row + 1));
    const extra = prevBlank && nextBlank ? 1 : 0;
    return {
      range: {
        start: { line: stmt.startPosition.row + fn.lineOffset, character: 0 },
        end: { line: stmt.endPosition.row + 1 + extra + fn.lineOffset, character: 0 },
      },
      newText: '',
    };
  }
  return { range: nodeRange(fn, stmt), newText: '' };
}

/** The `struct device *` expression to use in this function, or undefined when none is in scope. */
export function deviceInScope(fn: FunctionContext): string | undefined {
  const counts = new Map<string, number>();
  const note = (t: string) => counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const c of fn.dmaCalls) {
    if (c.api.device === undefined || c.api.deprecated) continue;
    const a = c.args[c.api.device];
    if (a && !/^(NULL|0|\(.*\)\s*NULL)$/.test(a.text.trim())) note(a.text.replace(/\s+/g, ''));
  }
  if (counts.size === 0) {
    for (const call of fn.calls) {
      const name = call.childForFieldName('function')?.text ?? '';
      if (/^dev_(err|warn|info|dbg|notice|err_probe|err_ratelimited)$/.test(name)) {
        const a = call.childForFieldName('arguments')?.namedChild(0);
        if (a && a.text !== 'NULL') note(a.text.replace(/\s+/g, ''));
      }
    }
  }
  if (counts.size) return [...counts].sort((a, b) => b[1] - a[1])[0][0];
  for (const v of fn.vars.values()) {
    if (!v.isPointer) continue;
    if (/^struct\s+device$/.test(v.type)) return v.name;
  }
  for (const v of fn.vars.values()) {
    if (!v.isPointer) continue;
    if (/^struct\s+(pci_dev|platform_device|amba_device|spi_device|i2c_client|usb_interface|pcie_device|mdio_device)$/.test(v.type)) return `&${v.name}->dev`;
  }
  return undefined;
}

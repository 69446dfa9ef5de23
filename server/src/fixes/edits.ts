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

/** Inserts whole lines after the line where `stmt` ends. Lines are given without indentation; `level` adds steps. */
export function insertLinesAfter(fn: FunctionContext, stmt: Node, lines: { text: string; level: number; column0?: boolean }[], baseIndent?: string): TextEdit {
  const base = baseIndent ?? indentOf(fn, stmt);
  const at = lineEnd(fn, stmt.endPosition.row);
  const text = lines.map((l) => `\n${l.column0 ? '' : base + fn.indentUnit.repeat(l.level)}${l.text}`).join('');
  return { range: { start: at, end: at }, newText: text };
}

/** Inserts whole lines before the line where `node` starts. */
export function insertLinesBefore(fn: FunctionContext, node: Node, lines: { text: string; level: number; column0?: boolean }[], baseIndent: string): TextEdit {
  const at: Position = { line: node.startPosition.row + fn.lineOffset, character: 0 };
  const text = lines.map((l) => `${l.column0 ? '' : baseIndent + fn.indentUnit.repeat(l.level)}${l.text}\n`).join('');
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

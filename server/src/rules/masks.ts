/**
 * unchecked-mask: dma_set_mask*() can fail (the platform cannot address
 * what the device needs), so its result must be checked. The one exception
 * is dma_set_coherent_mask() with the same or a smaller mask right after a
 * successful dma_set_mask(), which cannot fail.
 */
import type { Node } from '../parse';
import { commentsAbove, walk } from '../analysis/syntax';
import { errorPrintDevice, exitFrom } from '../fixes/unwind';
import { insertLinesAfter, replaceNode } from '../fixes/edits';
import { code, type FunctionAnalysis } from './context';
import type { Fix } from '../types';
import type { DmaCall } from '../analysis/function';

export function checkMasks(a: FunctionAnalysis): void {
  const masks = a.fn.dmaCalls.filter((c) => c.api.role === 'mask');
  for (const call of masks) {
    const usage = resultUsage(a, call.node);
    if (usage === 'checked') continue;
    // A mask held in a variable is one accepted before (restoring it, or a parent's): it cannot fail.
    const mask = call.args[call.api.mask ?? 1];
    if (!mask || !/^(DMA_BIT_MASK\s*\(\s*\d+\s*\)|0x[0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Z][A-Z0-9_]*)$/.test(mask.text.trim())) continue;
    if (call.name === 'dma_set_coherent_mask' || call.name === 'pci_set_consistent_dma_mask') {
      if (coveredByEarlierMask(a, call, masks)) continue;
    }
    if (ignoredOnPurpose(call.node)) continue;
    if (restoresAfterFailedMask(call.node)) continue;
    a.report({
      rule: 'unchecked-mask',
      node: call.node,
      message: `${call.name}() fails when the platform cannot do ${code(call.args[call.api.mask ?? 1] ?? call.node)}; ignoring the result lets the device DMA to addresses it cannot reach`,
      fix: () => checkMaskFix(a, call, usage),
    });
  }
}

/**
 * A comment just above the call (or above the `if` it sits in) saying the
 * driver works on if the call fails: "... since this driver can handle the
 * default mask values if dma_set_mask_and_coherent fails". A comment that
 * only assumes the call cannot fail is no such promise.
 */
const DELIBERATE = /\b(?:ignor(?:e|es|ed|ing)|can (?:handle|cope|live|work)|falls? back|works? (?:fine )?with the default)\b/i;

function ignoredOnPurpose(call: Node): boolean {
  let stmt: Node | null = call;
  while (stmt && stmt.parent && stmt.parent.type !== 'compound_statement') stmt = stmt.parent;
  return !!stmt && commentsAbove(stmt).some((c) => DELIBERATE.test(c.text) && /mask/i.test(c.text));
}

/**
 * `if (!dma_set_mask(dev, 35 bits) && !dma_set_coherent_mask(...)) { ... } else
 * { dma_set_mask(dev, DMA_BIT_MASK(64)); }`: in the branch where a mask was
 * refused, the driver puts back the mask it had; that one was accepted before.
 */
function restoresAfterFailedMask(call: Node): boolean {
  for (let p = call.parent; p && p.type !== 'function_definition'; p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const alt = p.childForFieldName('alternative');
    const cond = p.childForFieldName('condition');
    if (!alt || !cond || call.startIndex < alt.startIndex || call.endIndex > alt.endIndex) continue;
    // Only putting back a wider mask than the ones just tried: a narrower one is a fallback, and can fail.
    const bits = (n: Node) => Number(MASK_BITS.exec(n.text)?.[1] ?? NaN);
    const tried = cond.descendantsOfType('call_expression').filter((c) => /^dma_set_(?:coherent_)?mask(?:_and_coherent)?$|^pci_set_(?:consistent_)?dma_mask$/.test(c.childForFieldName('function')?.text ?? ''));
    const mine = bits(call);
    if (tried.length && tried.every((c) => bits(c) < mine)) return true;
  }
  return false;
}

/** 'checked' when the value reaches a condition or a return; 'discarded' for a bare call statement. */
function resultUsage(a: FunctionAnalysis, call: Node): 'checked' | 'discarded' | 'unused' {
  let n = call;
  let p = n.parent;
  while (p && (p.type === 'parenthesized_expression' || (p.type === 'cast_expression' && !/^\(\s*void\s*\)/.test(p.text)))) {
    n = p;
    p = p.parent;
  }
  if (!p) return 'discarded';
  if (p.type === 'expression_statement' || (p.type === 'cast_expression' && /^\(\s*void\s*\)/.test(p.text))) return 'discarded';
  if (p.type === 'assignment_expression' || p.type === 'init_declarator') {
    const target = p.type === 'assignment_expression' ? p.childForFieldName('left') : p.childForFieldName('declarator');
    if (!target) return 'checked';
    const name = target.text;
    if (insideCondition(p)) return 'checked';
    // Read before it is overwritten on the straight-line path (a write in a
    // branch, like the other arm of an if/else, does not end the search)?
    const stmt = enclosingBlockStatement(p);
    const after = walk(a.fn.body).filter((x) => x.type === 'identifier' && x.text === name && x.startIndex > p.endIndex);
    for (const use of after) {
      const isWrite = use.parent?.type === 'assignment_expression' && use.parent.childForFieldName('left')?.id === use.id;
      if (!isWrite) return 'checked';
      // `if (x) ret = a(); else ret = b();`: the other arm's write does not overwrite this one.
      if (otherArm(p, use)) continue;
      if (stmt && enclosingBlockStatement(use.parent!)?.parent?.id === stmt.parent?.id) return 'unused';
    }
    return 'unused';
  }
  return 'checked';
}

/** Are `a` and `b` in the two arms of one if/else? */
function otherArm(a: Node, b: Node): boolean {
  for (let p = a.parent; p; p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const then = p.childForFieldName('consequence');
    const alt = p.childForFieldName('alternative');
    const inside = (n: Node | null, x: Node) => !!n && x.startIndex >= n.startIndex && x.endIndex <= n.endIndex;
    if ((inside(then, a) && inside(alt, b)) || (inside(alt, a) && inside(then, b))) return true;
  }
  return false;
}

/** The statement directly inside a block that contains `n`. */
function enclosingBlockStatement(n: Node): Node | undefined {
  let cur: Node | null = n;
  while (cur && cur.parent && cur.parent.type !== 'compound_statement') cur = cur.parent;
  return cur ?? undefined;
}

function insideCondition(node: Node): boolean {
  for (let n: Node | null = node; n; n = n.parent) {
    if (n.type === 'expression_statement' || n.type === 'compound_statement') return false;
    if (n.type === 'parenthesized_expression' && n.parent && /^(if|while|do)_statement$/.test(n.parent.type)) return true;
  }
  return false;
}

const MASK_BITS = /DMA_BIT_MASK\s*\(\s*(\d+)\s*\)/;

/** dma_set_coherent_mask(dev, M) after a checked dma_set_mask(dev, N) with N ≥ M cannot fail. */
function coveredByEarlierMask(a: FunctionAnalysis, call: DmaCall, masks: DmaCall[]): boolean {
  const dev = call.args[0]?.text.replace(/\s+/g, '');
  const mask = call.args[1]?.text.replace(/\s+/g, '');
  for (const earlier of masks) {
    if (earlier.node.startIndex >= call.node.startIndex) continue;
    if (earlier.name !== 'dma_set_mask' && earlier.name !== 'dma_set_mask_and_coherent' && earlier.name !== 'pci_set_dma_mask') continue;
    if (resultUsage(a, earlier.node) !== 'checked') continue;
    const eDev = earlier.args[0]?.text.replace(/\s+/g, '');
    const eMask = earlier.args[1]?.text.replace(/\s+/g, '');
    const sameDevice = eDev === dev || (earlier.name === 'pci_set_dma_mask') === (call.name === 'pci_set_consistent_dma_mask');
    if (!sameDevice || !mask || !eMask) continue;
    if (eMask === mask) return true;
    const m1 = MASK_BITS.exec(eMask);
    const m2 = MASK_BITS.exec(mask);
    if (m1 && m2 && Number(m2[1]) <= Number(m1[1])) return true;
  }
  return false;
}

function checkMaskFix(a: FunctionAnalysis, call: DmaCall, usage: 'discarded' | 'unused'): Fix[] {
  // A void function has no error to hand back: a bare `return;` would leave the
  // setup half done, so the choice of what to do is left to the author.
  if (a.fn.returnKind === 'void') return [];
  const assigned = usage === 'unused' ? call.node.parent : undefined;
  const stmt = assigned ? assigned.parent : call.node.parent;
  if (!stmt || stmt.type !== 'expression_statement' || !stmt.parent || stmt.parent.type !== 'compound_statement') return [];
  const target = assigned?.type === 'assignment_expression' ? assigned.childForFieldName('left')?.text : undefined;
  if (assigned && !target) return [];
  const err = target ?? a.fn.errorVar;
  const exit = exitFrom(a.fn, a.lifecycles, stmt, undefined, err ?? '-EIO');
  if (!exit.ok) return [];
  const dev = errorPrintDevice(a.fn, stmt);
  const print = dev === undefined ? [] : [dev.startsWith('netdev:') ? `netdev_err(${dev.slice(7)}, "failed to set DMA mask\\n");` : dev ? `dev_err(${dev}, "failed to set DMA mask\\n");` : 'pr_err("failed to set DMA mask\\n");'];
  const body = [...print, ...exit.lines].map((text) => ({ text, level: 1 }));
  const title = `Check the result of ${call.name}()`;
  if (err) {
    const lines = body.length > 1 ? [{ text: `if (${err}) {`, level: 0 }, ...body, { text: '}', level: 0 }] : [{ text: `if (${err})`, level: 0 }, ...body];
    const assign = target ? [] : [replaceNode(a.fn, call.node, `${err} = ${call.node.text}`)];
    return [{ title, isPreferred: true, edits: [...assign, insertLinesAfter(a.fn, stmt, lines), ...exit.extra] }];
  }
  // No error variable: test the call itself.
  const lines = body.length > 1 ? [...body, { text: '}', level: 0 }] : body;
  const semicolon = stmt.child(stmt.childCount - 1);
  if (!semicolon || semicolon.type !== ';') return [];
  return [
    {
      title,
      isPreferred: true,
      edits: [
        replaceNode(a.fn, call.node, `if (${call.node.text})${body.length > 1 ? ' {' : ''}`),
        replaceNode(a.fn, semicolon, ''),
        insertLinesAfter(a.fn, stmt, lines),
        ...exit.extra,
      ],
    },
  ];
}

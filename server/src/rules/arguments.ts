/**
 * Rules about the arguments of a single call: null-device, gfp-zero,
 * gfp-atomic-context, invalid-direction, stack-buffer, non-dma-memory,
 * deprecated-api, free-in-atomic.
 */
import type { Node } from '../parse';
import { DEPRECATED_DIRECTIONS } from '../catalog';
import { atomicContext, maySleep, type AtomicInfo } from '../analysis/atomic';
import { addressOf, callName, isNullLiteral, stripParens, walk } from '../analysis/syntax';
import type { DmaCall } from '../analysis/function';
import { deviceInScope, replaceNode } from '../fixes/edits';
import { code, type FunctionAnalysis } from './context';
import type { Fix, TextEdit } from '../types';

const GFP_ALLOC_ROLES = new Set(['alloc', 'pool-alloc']);
const VMALLOC = /^(?:vmalloc|vzalloc|vmalloc_user|vmalloc_32|kvmalloc|kvzalloc|kvcalloc|kvmalloc_array|kmap|kmap_atomic|kmap_local_page|vmap|ioremap\w*|devm_ioremap\w*)$/;

export function checkArguments(a: FunctionAnalysis): void {
  let atomic: AtomicInfo | undefined;
  const atomicInfo = () => (atomic ??= atomicContext(a.fn));
  for (const call of a.fn.dmaCalls) {
    if (call.wrapper) continue;
    nullDevice(a, call);
    gfp(a, call, atomicInfo);
    direction(a, call);
    buffers(a, call);
    freeInAtomic(a, call, atomicInfo);
  }
  deprecated(a, atomicInfo);
}

function nullDevice(a: FunctionAnalysis, call: DmaCall): void {
  const pos = call.api.device;
  if (pos === undefined) return;
  const arg = call.args[pos];
  if (!arg || !isNullLiteral(arg) || (stripParens(arg).type === 'number_literal' && call.api.deprecated)) return;
  if (stripParens(arg).type === 'number_literal') return;
  a.report({
    rule: 'null-device',
    node: arg,
    message: `${call.name}() is given a NULL device; the DMA API dereferences it (dma ops, masks, IOMMU), so this crashes or maps for the wrong device`,
    fix: () => {
      const dev = deviceInScope(a.fn);
      return dev ? [{ title: `Pass ${dev} as the device`, isPreferred: true, edits: [replaceNode(a.fn, arg, dev)] }] : [];
    },
  });
}

function gfp(a: FunctionAnalysis, call: DmaCall, atomicInfo: () => AtomicInfo): void {
  const pos = call.api.gfp;
  if (pos === undefined || !GFP_ALLOC_ROLES.has(call.api.role)) return;
  const arg = call.args[pos];
  if (!arg) return;
  const s = stripParens(arg);
  if (s.type === 'number_literal' && /^0+[uUlL]*$/.test(s.text)) {
    a.report({
      rule: 'gfp-zero',
      node: arg,
      message: `${call.name}() is given gfp flags 0: the allocation may neither sleep nor use atomic reserves, so it fails needlessly under memory pressure`,
      fix: () => {
        const flag = maySleep(a.fn, atomicInfo(), call.node) ? 'GFP_KERNEL' : 'GFP_ATOMIC';
        return [{ title: `Use ${flag}`, isPreferred: true, edits: [replaceNode(a.fn, arg, flag)] }];
      },
    });
    return;
  }
  if (!/\bGFP_KERNEL\b/.test(arg.text)) return;
  const id = a.fn.cfgNodeOf(call.node);
  const lock = id !== undefined ? atomicInfo().atomicAt.get(id) : undefined;
  if (!lock) return;
  const where = lock === 'irq-handler' ? `in ${a.fn.name}(), an interrupt handler` : `while ${callName(lock)}() is held`;
  const gfpNode = [...walk(arg)].find((n) => n.type === 'identifier' && n.text === 'GFP_KERNEL') ?? arg;
  a.report({
    rule: 'gfp-atomic-context',
    node: gfpNode,
    message: `${call.name}() with GFP_KERNEL ${where}: GFP_KERNEL may sleep, which is a bug in atomic context ("scheduling while atomic")`,
    related: lock === 'irq-handler' ? [] : [{ node: lock, message: `${callName(lock)}() makes the context atomic` }],
    fix: () => [{ title: 'Use GFP_ATOMIC', isPreferred: true, edits: [replaceNode(a.fn, gfpNode, 'GFP_ATOMIC')] }],
  });
}

function direction(a: FunctionAnalysis, call: DmaCall): void {
  const pos = call.api.direction;
  if (pos === undefined) return;
  const arg = call.args[pos];
  if (!arg) return;
  const s = stripParens(arg);
  const text = s.text;
  if (DEPRECATED_DIRECTIONS[text]) return; // deprecated-api reports it
  let problem: string | undefined;
  if (text === 'DMA_NONE') problem = 'DMA_NONE is not a transfer direction: valid_dma_direction() fails and the mapping hits BUG_ON()';
  else if (s.type === 'number_literal' && !call.api.deprecated) problem = `the literal ${text} is not a DMA direction; use DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL`;
  else if (s.type === 'identifier' && /^(GFP_|__GFP_|DMA_ATTR_)/.test(text)) problem = `${text} is not a DMA direction`;
  else if (s.type === 'identifier' && /^(DMA_MEM_TO_DEV|DMA_DEV_TO_MEM|DMA_MEM_TO_MEM|DMA_DEV_TO_DEV|DMA_TRANS_NONE)$/.test(text)) problem = `${text} is a dmaengine transfer direction (enum dma_transfer_direction), not an enum dma_data_direction value; its numeric value means something else here`;
  else if (s.type === 'true' || s.type === 'false') problem = `${text} is not a DMA direction`;
  if (!problem) return;
  a.report({ rule: 'invalid-direction', node: arg, message: `${call.name}(): ${problem}` });
}

/** Where the mapped memory comes from: stack, static, string literal or vmalloc. */
function buffers(a: FunctionAnalysis, call: DmaCall): void {
  if (call.api.role !== 'map' || call.api.buffer === undefined) return;
  const arg = call.args[call.api.buffer];
  if (!arg) return;
  const s = stripParens(arg);
  if (s.type === 'string_literal' || s.type === 'concatenated_string') {
    a.report({ rule: 'non-dma-memory', node: arg, message: `${call.name}() maps a string literal: it lives in read-only kernel image memory, which may not be DMA-able and must never be written by the device` });
    return;
  }
  const base = baseVariable(s);
  if (!base) {
    fieldOrigin(a, call, arg);
    return;
  }
  const v = a.fn.vars.get(base.name);
  if (!v) {
    // `ctrl.s3_params` where the member is a pointer: the memory is wherever it points.
    if (s.type === 'field_expression' && a.fn.facts.pointerMembers.has(s.childForFieldName('field')?.text ?? '')) return;
    // A file-scope array or object: static storage in the kernel image.
    if (isFileScopeArrayOrObject(a, base.name)) {
      a.report({ rule: 'non-dma-memory', node: arg, message: `${call.name}() maps ${code(arg)}, a static or global object; it sits in the kernel image (or .rodata) and shares cache lines with other data, so it is not suitable for streaming DMA` });
    }
    return;
  }
  if (v.isParam) return;
  if (v.isStatic && (base.addressTaken || v.isArray)) {
    a.report({ rule: 'non-dma-memory', node: arg, message: `${call.name}() maps ${code(arg)}, a static local; static storage may share cache lines with other data and is not suitable for streaming DMA` });
    return;
  }
  if (!v.isStatic && ((base.addressTaken && !v.isPointer) || (v.isArray && !v.isPointer))) {
    a.report({
      rule: 'stack-buffer',
      node: arg,
      message: `${call.name}() maps ${code(arg)}, which is on the stack: stacks may be vmalloc'ed (VMAP_STACK) and are not DMA-able; allocate the buffer with kmalloc()`,
      related: [{ node: v.node, message: `${v.name} is a local variable` }],
    });
    return;
  }
  if (v.isPointer && !base.addressTaken) {
    const origin = pointerOrigin(a, v.name);
    if (origin) {
      a.report({
        rule: 'non-dma-memory',
        node: arg,
        message: `${call.name}() maps ${code(arg)}, memory from ${callName(origin)}(); it is not physically contiguous (or not in the linear map), so dma_map_single() cannot map it`,
        related: [{ node: origin, message: `${v.name} comes from ${callName(origin)}()` }],
      });
    }
  }
}

/** `priv->table = kvzalloc(…); dma_map_single(dev, priv->table, …)`: the field's last value came from vmalloc space. */
function fieldOrigin(a: FunctionAnalysis, call: DmaCall, arg: Node): void {
  const s = stripParens(arg);
  if (s.type !== 'field_expression') return;
  const key = s.text.replace(/\s+/g, '');
  let origin: Node | undefined;
  for (const n of a.fn.body.descendantsOfType('assignment_expression')) {
    if (n.startIndex > call.node.startIndex) break;
    if (n.childForFieldName('left')?.text.replace(/\s+/g, '') !== key) continue;
    const v = stripParens(n.childForFieldName('right')!);
    origin = v.type === 'call_expression' && VMALLOC.test(callName(v)) && !callName(v).includes('ioremap') ? v : undefined;
  }
  if (!origin) return;
  a.report({
    rule: 'non-dma-memory',
    node: arg,
    message: `${call.name}() maps ${code(arg)}, memory from ${callName(origin)}(); it is not physically contiguous (or not in the linear map), so dma_map_single() cannot map it`,
    related: [{ node: origin, message: `${code(arg)} comes from ${callName(origin)}()` }],
  });
}

function baseVariable(n: Node): { name: string; addressTaken: boolean; arrayLike: boolean } | undefined {
  let cur = stripParens(n);
  let addressTaken = false;
  let arrayLike = false;
  const amp = addressOf(cur);
  if (amp) {
    addressTaken = true;
    cur = stripParens(amp);
  }
  // `buf.field`, `arr[3]`: the storage is the base object's (but not through a pointer `->`).
  for (;;) {
    if (cur.type === 'subscript_expression') {
      arrayLike = true;
      cur = stripParens(cur.childForFieldName('argument')!);
      continue;
    }
    if (cur.type === 'field_expression' && cur.child(1)?.text === '.') {
      cur = stripParens(cur.childForFieldName('argument')!);
      continue;
    }
    break;
  }
  if (cur.type !== 'identifier') return undefined;
  return { name: cur.text, addressTaken: addressTaken || arrayLike, arrayLike };
}

function isFileScopeArrayOrObject(a: FunctionAnalysis, name: string): boolean {
  return a.fn.facts.globals.has(name);
}

function pointerOrigin(a: FunctionAnalysis, name: string): Node | undefined {
  let origin: Node | undefined;
  let assignments = 0;
  for (const n of walk(a.fn.body)) {
    let value: Node | null = null;
    if (n.type === 'assignment_expression' && n.childForFieldName('left')?.text === name) value = n.childForFieldName('right');
    else if (n.type === 'init_declarator') {
      const d = n.childForFieldName('declarator');
      const id = d && [...walk(d)].find((x) => x.type === 'identifier');
      if (id?.text === name) value = n.childForFieldName('value');
    }
    if (!value) continue;
    assignments++;
    const v = stripParens(value);
    if (v.type === 'call_expression' && VMALLOC.test(callName(v)) && !callName(v).includes('ioremap')) origin = v;
  }
  return assignments === 1 ? origin : undefined;
}

function freeInAtomic(a: FunctionAnalysis, call: DmaCall, atomicInfo: () => AtomicInfo): void {
  if (call.name !== 'dma_free_coherent' && call.name !== 'dma_free_attrs' && call.name !== 'dma_free_wc' && call.name !== 'dma_pool_destroy') return;
  const id = a.fn.cfgNodeOf(call.node);
  const lock = id !== undefined ? atomicInfo().atomicAt.get(id) : undefined;
  if (!lock) return;
  const where = lock === 'irq-handler' ? `in ${a.fn.name}(), an interrupt handler` : `while ${callName(lock)}() is held`;
  a.report({
    rule: 'free-in-atomic',
    node: call.node,
    message: `${call.name}() ${where}: freeing DMA memory may sleep (vunmap of a remapped buffer, IOMMU unmap, the pool's mutex) and warns when IRQs are off; release the buffer after the unlock`,
    related: lock === 'irq-handler' ? [] : [{ node: lock, message: `${callName(lock)}() makes the context atomic` }],
    fix: lock === 'irq-handler' ? undefined : () => moveAfterUnlock(a, call, lock),
  });
}

/** Moves a release after the unlock that ends the section, when nothing in between uses the buffer. */
function moveAfterUnlock(a: FunctionAnalysis, call: DmaCall, lock: Node): Fix[] {
  const stmt = call.node.parent;
  if (!stmt || stmt.type !== 'expression_statement') return [];
  const unlockName = unlockFor(callName(lock));
  let sib = stmt.nextNamedSibling;
  const between: Node[] = [];
  const argKeys = call.args.map((x) => x.text.replace(/\s+/g, ''));
  while (sib) {
    const e = sib.type === 'expression_statement' ? sib.namedChild(0) : null;
    if (e && e.type === 'call_expression' && callName(e) === unlockName) break;
    between.push(sib);
    sib = sib.nextNamedSibling;
  }
  if (!sib) return [];
  for (const s of between) {
    if (s.type !== 'expression_statement' && s.type !== 'comment') return [];
    for (const n of walk(s)) if (argKeys.includes(n.text.replace(/\s+/g, ''))) return [];
  }
  // The statement's whole lines move, trailing comment included.
  const first = stmt.startPosition.row;
  const last = stmt.endPosition.row;
  if (a.fn.source.lineText(first).slice(0, stmt.startPosition.column).trim()) return [];
  const lines: string[] = [];
  for (let row = first; row <= last; row++) lines.push(a.fn.source.lineText(row));
  const edits: TextEdit[] = [
    { range: { start: { line: first + a.fn.lineOffset, character: 0 }, end: { line: last + 1 + a.fn.lineOffset, character: 0 } }, newText: '' },
    { range: { start: { line: sib.endPosition.row + 1 + a.fn.lineOffset, character: 0 }, end: { line: sib.endPosition.row + 1 + a.fn.lineOffset, character: 0 } }, newText: `${lines.join('\n')}\n` },
  ];
  return [{ title: `Move ${call.name}() after ${unlockName}()`, isPreferred: true, edits }];
}

const UNLOCK_OF: Record<string, string> = {
  local_irq_save: 'local_irq_restore',
  local_irq_disable: 'local_irq_enable',
  local_bh_disable: 'local_bh_enable',
  preempt_disable: 'preempt_enable',
  rcu_read_lock: 'rcu_read_unlock',
  rcu_read_lock_bh: 'rcu_read_unlock_bh',
};

/** spin_lock_irqsave → spin_unlock_irqrestore, local_irq_save → local_irq_restore, … */
function unlockFor(lock: string): string {
  return UNLOCK_OF[lock] ?? lock.replace('_lock', '_unlock').replace(/^(raw_)?(spin|read|write)_lock/, '$1$2_unlock').replace('_irqsave', '_irqrestore').replace(/_nested$/, '');
}

function deprecated(a: FunctionAnalysis, atomicInfo: () => AtomicInfo): void {
  const inDeprecatedCall = new Set<number>();
  for (const call of a.fn.dmaCalls) {
    const dep = call.api.deprecated;
    if (!dep) continue;
    for (const arg of call.args) for (const n of walk(arg)) inDeprecatedCall.add(n.id);
    a.report({
      rule: 'deprecated-api',
      node: call.node,
      message: dep.pciDevice
        ? `${call.name}() was removed in Linux ${dep.removedIn}; this does not build on current kernels. Use ${dep.replacement}() on the PCI device's struct device`
        : `${call.name}() was removed in Linux ${dep.removedIn}: ${dep.replacement}() already returns zeroed memory`,
      fix: () => {
        const edits: TextEdit[] = [replaceNode(a.fn, call.node.childForFieldName('function')!, dep.replacement)];
        const rewritten = new Set<number>();
        if (dep.pciDevice && call.args[0] && !isNullLiteral(call.args[0])) {
          const d = stripParens(call.args[0]);
          const devText = d.type === 'identifier' || d.type === 'field_expression' ? `&${d.text}->dev` : `&(${call.args[0].text})->dev`;
          edits.push(replaceNode(a.fn, call.args[0], devText));
          rewritten.add(call.args[0].id);
        }
        // The device argument is rewritten whole: no second edit inside it.
        for (const arg of call.args.filter((x) => !rewritten.has(x.id))) {
          for (const n of walk(arg)) if (n.type === 'identifier' && DEPRECATED_DIRECTIONS[n.text]) edits.push(replaceNode(a.fn, n, DEPRECATED_DIRECTIONS[n.text]));
        }
        if (dep.addGfpAt !== undefined) {
          const flag = maySleep(a.fn, atomicInfo(), call.node) ? 'GFP_KERNEL' : 'GFP_ATOMIC';
          const list = call.node.childForFieldName('arguments')!;
          const close = list.child(list.childCount - 1)!;
          const at = { line: close.startPosition.row + a.fn.lineOffset, character: close.startPosition.column };
          edits.push({ range: { start: at, end: at }, newText: `, ${flag}` });
        }
        return [{ title: `Replace with ${dep.replacement}()`, isPreferred: true, edits }];
      },
    });
  }
  if (!a.fn.body.text.includes('PCI_DMA_')) return;
  for (const n of walk(a.fn.body)) {
    if (n.type !== 'identifier' || !DEPRECATED_DIRECTIONS[n.text] || inDeprecatedCall.has(n.id)) continue;
    const replacement = DEPRECATED_DIRECTIONS[n.text];
    a.report({
      rule: 'deprecated-api',
      node: n,
      message: `${n.text} was removed with the pci_* DMA wrappers in Linux 5.18; use ${replacement}`,
      fix: () => [{ title: `Use ${replacement}`, isPreferred: true, edits: [replaceNode(a.fn, n, replacement)] }],
    });
  }
}


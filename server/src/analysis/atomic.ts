/**
 * Atomic context: where a function cannot sleep. Inside a spinlock, rwlock,
 * RCU read-side or IRQs-off section (a must-analysis over the CFG: atomic
 * only when every path holds one), and everywhere in a primary IRQ handler
 * registered in the same file.
 */
import type { Node } from '../parse';
import type { FunctionContext } from './function';
import { callName, callArgs, walk } from './syntax';

const LOCKS = /^(?:raw_)?(?:spin_lock|read_lock|write_lock)(?:_irqsave|_irq|_bh|_nested|_irqsave_nested)?$|^(?:rcu_read_lock(?:_bh|_sched)?|local_irq_save|local_irq_disable|local_bh_disable|preempt_disable)$/;
const UNLOCKS = /^(?:raw_)?(?:spin_unlock|read_unlock|write_unlock)(?:_irqrestore|_irq|_bh)?$|^(?:rcu_read_unlock(?:_bh|_sched)?|local_irq_restore|local_irq_enable|local_bh_enable|preempt_enable)$/;
const SLEEPS = /^(?:mutex_lock(?:_interruptible|_killable)?|msleep(?:_interruptible)?|ssleep|usleep_range|wait_for_completion\w*|wait_event\w*|schedule(?:_timeout\w*)?|might_sleep|down|down_interruptible|request_firmware|kthread_\w+|flush_work|cancel_work_sync|cancel_delayed_work_sync|vmalloc|vzalloc|kvmalloc|kvzalloc)$/;
const GFP_ALLOC = /^(?:kmalloc|kzalloc|kcalloc|kmalloc_array|devm_kzalloc|devm_kmalloc|devm_kcalloc|alloc_pages|__get_free_pages|dma_alloc_\w+|dmam_alloc_\w+|dma_pool_z?alloc|netdev_alloc_skb|alloc_skb|__netdev_alloc_skb)$/;
const MAX_DEPTH = 3;

export interface AtomicInfo {
  /** CFG node id → the lock call that makes it atomic (absent: may sleep). */
  atomicAt: Map<number, Node | 'irq-handler'>;
}

export function atomicContext(ctx: FunctionContext): AtomicInfo {
  const atomicAt = new Map<number, Node | 'irq-handler'>();
  if (ctx.facts.irqHandlers.has(ctx.name)) {
    for (const n of ctx.cfg.nodes) atomicAt.set(n.id, 'irq-handler');
    return { atomicAt };
  }
  // depth on entry to each node: the minimum over paths (must-analysis), with the last lock seen.
  const depth = new Map<number, number>();
  const lockOf = new Map<number, Node | undefined>();
  const work: number[] = [ctx.cfg.entry];
  depth.set(ctx.cfg.entry, 0);
  let guard = 0;
  const effect = new Map<number, { delta: number; lock?: Node }>();
  const effectOf = (id: number) => {
    let e = effect.get(id);
    if (!e) {
      e = { delta: 0 };
      const node = ctx.cfg.nodes[id];
      if (node.ast && (node.kind === 'stmt' || node.kind === 'return')) {
        for (const x of walk(node.ast)) {
          if (x.type !== 'call_expression') continue;
          const name = callName(x);
          if (LOCKS.test(name)) {
            e.delta++;
            e.lock = x;
          } else if (UNLOCKS.test(name)) e.delta--;
        }
      }
      effect.set(id, e);
    }
    return e;
  };
  while (work.length && guard++ < 1_000_000) {
    const id = work.pop()!;
    const d = depth.get(id)!;
    const e = effectOf(id);
    const out = Math.max(0, Math.min(MAX_DEPTH, d + e.delta));
    const lock = e.lock ?? lockOf.get(id);
    for (const s of ctx.cfg.nodes[id].succ) {
      const prev = depth.get(s);
      const next = prev === undefined ? out : Math.min(prev, out);
      if (prev === undefined || next < prev) {
        depth.set(s, next);
        lockOf.set(s, lock);
        work.push(s);
      }
    }
  }
  for (const [id, d] of depth) {
    if (d > 0) {
      const lock = lockOf.get(id);
      if (lock) atomicAt.set(id, lock);
    }
  }
  return { atomicAt };
}

/** May this function sleep at this point? Used to choose GFP_KERNEL or GFP_ATOMIC. */
export function maySleep(ctx: FunctionContext, info: AtomicInfo, at: Node): boolean {
  const id = ctx.cfgNodeOf(at);
  if (id !== undefined && info.atomicAt.has(id)) return false;
  if (ctx.facts.irqHandlers.has(ctx.name)) return false;
  if (ctx.facts.probeFunctions.has(ctx.name) || /_probe$/.test(ctx.name)) return true;
  for (const call of ctx.calls) {
    const name = callName(call);
    if (SLEEPS.test(name)) return true;
    if (GFP_ALLOC.test(name) && callArgs(call).some((a) => /\bGFP_KERNEL\b/.test(a.text))) return true;
  }
  return false;
}

/**
 * The rule table: ids, default severities, one-line summaries. Each rule's
 * logic lives in the module of its family; this file only names them.
 */
import type { Severity } from '../types';

export interface RuleInfo {
  id: string;
  severity: Severity;
  summary: string;
  fixable: boolean;
}

export const RULES: readonly RuleInfo[] = [
  { id: 'unchecked-mapping', severity: 'warning', fixable: true, summary: 'Streaming mapping used without dma_mapping_error()' },
  { id: 'mapping-error-misuse', severity: 'warning', fixable: true, summary: 'Mapping tested against 0 or DMA_MAPPING_ERROR instead of dma_mapping_error()' },
  { id: 'unchecked-map-sg', severity: 'warning', fixable: true, summary: 'dma_map_sg() count unchecked, or checked with < 0' },
  { id: 'unmap-sg-count', severity: 'error', fixable: true, summary: 'dma_unmap_sg()/dma_sync_sg_*() given the mapped count instead of the original nents' },
  { id: 'direction-mismatch', severity: 'error', fixable: true, summary: 'Unmap or sync direction differs from the mapping' },
  { id: 'size-mismatch', severity: 'error', fixable: true, summary: 'Unmap/free size differs from the map/alloc size, or a sync is larger than the mapping' },
  { id: 'invalid-direction', severity: 'error', fixable: false, summary: 'DMA_NONE or a value that is not a DMA direction' },
  { id: 'stack-buffer', severity: 'error', fixable: false, summary: 'Mapping a buffer on the stack' },
  { id: 'unmap-missing-on-error', severity: 'warning', fixable: true, summary: 'An error path leaves a streaming mapping mapped' },
  { id: 'unchecked-alloc', severity: 'warning', fixable: true, summary: 'Coherent or pool allocation used without a NULL check' },
  { id: 'free-missing-on-error', severity: 'warning', fixable: true, summary: 'An error path leaks a coherent or pool allocation' },
  { id: 'free-mismatch', severity: 'error', fixable: true, summary: 'Buffer released with the wrong API' },
  { id: 'adjusted-coherent-pointer', severity: 'error', fixable: true, summary: 'Allocation pointer overwritten, so it cannot be freed' },
  { id: 'redundant-zeroing', severity: 'hint', fixable: true, summary: 'memset() of memory the allocator already zeroed' },
  { id: 'deprecated-api', severity: 'error', fixable: true, summary: 'pci_* DMA wrapper or dma_zalloc_coherent(), removed from the kernel' },
  { id: 'null-device', severity: 'error', fixable: true, summary: 'NULL passed as the DMA device' },
  { id: 'gfp-zero', severity: 'warning', fixable: true, summary: 'gfp argument 0' },
  { id: 'gfp-atomic-context', severity: 'error', fixable: true, summary: 'GFP_KERNEL in atomic context' },
  { id: 'unchecked-mask', severity: 'warning', fixable: true, summary: 'dma_set_mask*() result ignored' },
  { id: 'leak-at-remove', severity: 'warning', fixable: false, summary: 'Allocated in probe, never released in remove' },
  { id: 'managed-double-free', severity: 'error', fixable: true, summary: 'Managed (dmam_*) buffer released with the unmanaged API' },
  { id: 'unmap-failed-mapping', severity: 'error', fixable: true, summary: 'Unmapping a handle whose mapping failed, or unmapping twice' },
  { id: 'sg-loop-count', severity: 'error', fixable: true, summary: 'for_each_sg over DMA addresses bounded by nents instead of the mapped count' },
  { id: 'free-in-atomic', severity: 'error', fixable: true, summary: 'dma_free_coherent()/dma_pool_destroy() in atomic context' },
  { id: 'non-dma-memory', severity: 'error', fixable: false, summary: 'Mapping vmalloc, kmap, static or string-literal memory' },
  { id: 'use-after-unmap', severity: 'error', fixable: false, summary: 'Handle used after it was unmapped' },
  { id: 'double-map', severity: 'warning', fixable: false, summary: 'Buffer mapped twice with no unmap between' },
  { id: 'coherent-to-streaming', severity: 'error', fixable: false, summary: 'Streaming map of a coherent buffer' },
  { id: 'cpu-access-while-mapped', severity: 'warning', fixable: false, summary: 'CPU writes a DMA_FROM_DEVICE buffer while the device owns it' },
];

const byId = new Map(RULES.map((r) => [r.id, r]));

export function ruleInfo(id: string): RuleInfo | undefined {
  return byId.get(id);
}

export function isRuleId(id: string): boolean {
  return byId.has(id);
}

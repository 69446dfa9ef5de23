/**
 * The DMA API as data: what each call does, where its arguments are, how it
 * reports failure and what releases it. Checked against Linux 6.1
 * include/linux/dma-mapping.h, include/linux/dmapool.h and
 * Documentation/core-api/dma-api.rst.
 *
 * Argument positions are 0-based.
 */

export type Role =
  | 'map' // returns a dma_addr_t handle, failure tested with dma_mapping_error
  | 'map-sg' // returns the number of mapped entries, 0 on failure
  | 'map-sgtable' // returns 0 or -errno
  | 'unmap'
  | 'unmap-sg'
  | 'unmap-sgtable'
  | 'sync'
  | 'sync-sg'
  | 'sync-sgtable'
  | 'alloc' // returns a CPU pointer (NULL on failure) and a handle through a pointer
  | 'free'
  | 'pool-create'
  | 'pool-destroy'
  | 'pool-alloc'
  | 'pool-free'
  | 'mapping-error'
  | 'mask';

/** Which allocator family a buffer came from: releases must match it. */
export type Family = 'single' | 'sg' | 'sgtable' | 'coherent' | 'attrs' | 'wc' | 'noncoherent' | 'pages' | 'pool' | 'pool-object';

/** The argument positions an ApiEntry can name. */
export const ARGUMENT_POSITIONS = ['device', 'buffer', 'size', 'direction', 'handle', 'cpu', 'gfp', 'nents', 'pool', 'attrs', 'mask'] as const;

export interface ApiEntry {
  name: string;
  role: Role;
  family?: Family;
  signature: string;
  /** Argument positions. */
  device?: number;
  buffer?: number;
  size?: number;
  direction?: number;
  /** map/unmap/sync: the dma handle; alloc: the `&handle` out parameter. */
  handle?: number;
  /** free/pool-free: the CPU address being released. */
  cpu?: number;
  gfp?: number;
  nents?: number;
  pool?: number;
  attrs?: number;
  mask?: number;
  /** Managed (devres) variants are released by the driver core. */
  managed?: boolean;
  /** The calls that release what this call acquires. */
  releasedBy?: string[];
  /**
   * A same-file wrapper that may also return memory from a non-DMA allocator
   * (a kmalloc() fallback): either release can be right. `release` is that
   * allocator's release when it is a known one.
   */
  mixed?: { release?: string };
  /** What failure looks like. */
  failure?: 'mapping-error' | 'zero' | 'null' | 'errno';
  /** One sentence on the contract, shown on hover. */
  summary: string;
  /** Section of the kernel documentation. */
  docs: string;
  deprecated?: Deprecation;
}

export interface Deprecation {
  replacement: string;
  /** The first argument is a `struct pci_dev *`: becomes `&pdev->dev`. */
  pciDevice?: boolean;
  /** The replacement takes a gfp argument appended at this position. */
  addGfpAt?: number;
  removedIn: string;
}

const DMA_API_DOC = 'https://docs.kernel.org/core-api/dma-api.html';
const HOWTO_DOC = 'https://docs.kernel.org/core-api/dma-api-howto.html';

const entries: ApiEntry[] = [
  // Streaming mappings.
  {
    name: 'dma_map_single', role: 'map', family: 'single', device: 0, buffer: 1, size: 2, direction: 3,
    releasedBy: ['dma_unmap_single', 'dma_unmap_single_attrs', 'dma_unmap_page', 'dma_unmap_page_attrs'], failure: 'mapping-error',
    signature: 'dma_addr_t dma_map_single(struct device *dev, void *cpu_addr, size_t size, enum dma_data_direction dir)',
    summary: 'Maps a kernel-virtual buffer for streaming DMA. The handle must be tested with dma_mapping_error() before use and released with dma_unmap_single() with the same size and direction.',
    docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings`,
  },
  {
    name: 'dma_map_single_attrs', role: 'map', family: 'single', device: 0, buffer: 1, size: 2, direction: 3, attrs: 4,
    releasedBy: ['dma_unmap_single', 'dma_unmap_single_attrs', 'dma_unmap_page', 'dma_unmap_page_attrs'], failure: 'mapping-error',
    signature: 'dma_addr_t dma_map_single_attrs(struct device *dev, void *cpu_addr, size_t size, enum dma_data_direction dir, unsigned long attrs)',
    summary: 'dma_map_single() with DMA attributes. Test the handle with dma_mapping_error().',
    docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings`,
  },
  {
    name: 'dma_map_page', role: 'map', family: 'single', device: 0, size: 3, direction: 4,
    releasedBy: ['dma_unmap_page', 'dma_unmap_page_attrs', 'dma_unmap_single', 'dma_unmap_single_attrs'], failure: 'mapping-error',
    signature: 'dma_addr_t dma_map_page(struct device *dev, struct page *page, unsigned long offset, size_t size, enum dma_data_direction dir)',
    summary: 'Maps part of a page for streaming DMA. Test the handle with dma_mapping_error(); release with dma_unmap_page().',
    docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings`,
  },
  {
    name: 'dma_map_page_attrs', role: 'map', family: 'single', device: 0, size: 3, direction: 4, attrs: 5,
    releasedBy: ['dma_unmap_page', 'dma_unmap_page_attrs', 'dma_unmap_single', 'dma_unmap_single_attrs'], failure: 'mapping-error',
    signature: 'dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page, size_t offset, size_t size, enum dma_data_direction dir, unsigned long attrs)',
    summary: 'dma_map_page() with DMA attributes. Test the handle with dma_mapping_error().',
    docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings`,
  },
  {
    name: 'dma_map_resource', role: 'map', family: 'single', device: 0, size: 2, direction: 3, attrs: 4,
    releasedBy: ['dma_unmap_resource'], failure: 'mapping-error',
    signature: 'dma_addr_t dma_map_resource(struct device *dev, phys_addr_t phys_addr, size_t size, enum dma_data_direction dir, unsigned long attrs)',
    summary: 'Maps an MMIO resource for DMA by another device. Test the handle with dma_mapping_error(); release with dma_unmap_resource().',
    docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings`,
  },
  { name: 'dma_unmap_single', role: 'unmap', family: 'single', device: 0, handle: 1, size: 2, direction: 3, signature: 'void dma_unmap_single(struct device *dev, dma_addr_t dma_addr, size_t size, enum dma_data_direction dir)', summary: 'Releases a streaming mapping. Size and direction must match the map call.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_unmap_single_attrs', role: 'unmap', family: 'single', device: 0, handle: 1, size: 2, direction: 3, attrs: 4, signature: 'void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir, unsigned long attrs)', summary: 'dma_unmap_single() with DMA attributes.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_unmap_page', role: 'unmap', family: 'single', device: 0, handle: 1, size: 2, direction: 3, signature: 'void dma_unmap_page(struct device *dev, dma_addr_t dma_address, size_t size, enum dma_data_direction dir)', summary: 'Releases a page mapping. Size and direction must match the map call.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_unmap_page_attrs', role: 'unmap', family: 'single', device: 0, handle: 1, size: 2, direction: 3, attrs: 4, signature: 'void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir, unsigned long attrs)', summary: 'dma_unmap_page() with DMA attributes.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_unmap_resource', role: 'unmap', family: 'single', device: 0, handle: 1, size: 2, direction: 3, attrs: 4, signature: 'void dma_unmap_resource(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir, unsigned long attrs)', summary: 'Releases a resource mapping.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  {
    name: 'dma_map_sg', role: 'map-sg', family: 'sg', device: 0, buffer: 1, nents: 2, direction: 3,
    releasedBy: ['dma_unmap_sg', 'dma_unmap_sg_attrs'], failure: 'zero',
    signature: 'int dma_map_sg(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir)',
    summary: 'Maps a scatterlist. Returns the number of DMA segments, 0 on failure (never negative). dma_unmap_sg() takes the original nents, not the returned count.',
    docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings`,
  },
  {
    name: 'dma_map_sg_attrs', role: 'map-sg', family: 'sg', device: 0, buffer: 1, nents: 2, direction: 3, attrs: 4,
    releasedBy: ['dma_unmap_sg', 'dma_unmap_sg_attrs'], failure: 'zero',
    signature: 'unsigned int dma_map_sg_attrs(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir, unsigned long attrs)',
    summary: 'dma_map_sg() with DMA attributes: returns the mapped count, 0 on failure.',
    docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings`,
  },
  { name: 'dma_unmap_sg', role: 'unmap-sg', family: 'sg', device: 0, buffer: 1, nents: 2, direction: 3, signature: 'void dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir)', summary: 'Releases a scatterlist mapping. nents must be the value passed to dma_map_sg(), not the count it returned.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_unmap_sg_attrs', role: 'unmap-sg', family: 'sg', device: 0, buffer: 1, nents: 2, direction: 3, attrs: 4, signature: 'void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir, unsigned long attrs)', summary: 'dma_unmap_sg() with DMA attributes.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  {
    name: 'dma_map_sgtable', role: 'map-sgtable', family: 'sgtable', device: 0, buffer: 1, direction: 2, attrs: 3,
    releasedBy: ['dma_unmap_sgtable'], failure: 'errno',
    signature: 'int dma_map_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir, unsigned long attrs)',
    summary: 'Maps an sg_table. Returns 0 on success or a negative errno; the mapped count is stored in sgt->nents.',
    docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings`,
  },
  { name: 'dma_unmap_sgtable', role: 'unmap-sgtable', family: 'sgtable', device: 0, buffer: 1, direction: 2, attrs: 3, signature: 'void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir, unsigned long attrs)', summary: 'Releases an sg_table mapping made by dma_map_sgtable().', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_sync_single_for_cpu', role: 'sync', family: 'single', device: 0, handle: 1, size: 2, direction: 3, signature: 'void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)', summary: 'Gives the CPU ownership of a streaming buffer. The direction must match the mapping; a partial sync is allowed.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_sync_single_for_device', role: 'sync', family: 'single', device: 0, handle: 1, size: 2, direction: 3, signature: 'void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)', summary: 'Gives the device ownership of a streaming buffer back. The direction must match the mapping.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_sync_single_range_for_cpu', role: 'sync', family: 'single', device: 0, handle: 1, direction: 4, signature: 'void dma_sync_single_range_for_cpu(struct device *dev, dma_addr_t addr, unsigned long offset, size_t size, enum dma_data_direction dir)', summary: 'Syncs part of a streaming buffer for the CPU.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_sync_single_range_for_device', role: 'sync', family: 'single', device: 0, handle: 1, direction: 4, signature: 'void dma_sync_single_range_for_device(struct device *dev, dma_addr_t addr, unsigned long offset, size_t size, enum dma_data_direction dir)', summary: 'Syncs part of a streaming buffer for the device.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_sync_sg_for_cpu', role: 'sync-sg', family: 'sg', device: 0, buffer: 1, nents: 2, direction: 3, signature: 'void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sg, int nelems, enum dma_data_direction dir)', summary: 'Syncs a mapped scatterlist for the CPU. nelems is the original nents, not the mapped count.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_sync_sg_for_device', role: 'sync-sg', family: 'sg', device: 0, buffer: 1, nents: 2, direction: 3, signature: 'void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sg, int nelems, enum dma_data_direction dir)', summary: 'Syncs a mapped scatterlist for the device. nelems is the original nents.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_sync_sgtable_for_cpu', role: 'sync-sgtable', family: 'sgtable', device: 0, buffer: 1, direction: 2, signature: 'void dma_sync_sgtable_for_cpu(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir)', summary: 'Syncs a mapped sg_table for the CPU.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_sync_sgtable_for_device', role: 'sync-sgtable', family: 'sgtable', device: 0, buffer: 1, direction: 2, signature: 'void dma_sync_sgtable_for_device(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir)', summary: 'Syncs a mapped sg_table for the device.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },
  { name: 'dma_mapping_error', role: 'mapping-error', device: 0, handle: 1, signature: 'int dma_mapping_error(struct device *dev, dma_addr_t dma_addr)', summary: 'Returns non-zero when a streaming mapping failed. The only correct test of a dma_map_single/page/resource handle.', docs: `${DMA_API_DOC}#part-id-streaming-dma-mappings` },

  // Coherent and other allocations.
  {
    name: 'dma_alloc_coherent', role: 'alloc', family: 'coherent', device: 0, size: 1, handle: 2, gfp: 3,
    releasedBy: ['dma_free_coherent'], failure: 'null',
    signature: 'void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t flag)',
    summary: 'Allocates zeroed coherent memory and returns its CPU address (NULL on failure) and its DMA address through dma_handle. Release with dma_free_coherent() with the same size.',
    docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers`,
  },
  {
    name: 'dma_alloc_attrs', role: 'alloc', family: 'attrs', device: 0, size: 1, handle: 2, gfp: 3, attrs: 4,
    releasedBy: ['dma_free_attrs', 'dma_free_coherent'], failure: 'null',
    signature: 'void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t flag, unsigned long attrs)',
    summary: 'dma_alloc_coherent() with DMA attributes; release with dma_free_attrs() and the same attributes.',
    docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers`,
  },
  {
    name: 'dma_alloc_wc', role: 'alloc', family: 'wc', device: 0, size: 1, handle: 2, gfp: 3,
    releasedBy: ['dma_free_wc'], failure: 'null',
    signature: 'void *dma_alloc_wc(struct device *dev, size_t size, dma_addr_t *dma_addr, gfp_t gfp)',
    summary: 'Allocates write-combined coherent memory (NULL on failure). Release with dma_free_wc().',
    docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers`,
  },
  {
    name: 'dma_alloc_noncoherent', role: 'alloc', family: 'noncoherent', device: 0, size: 1, handle: 2, direction: 3, gfp: 4,
    releasedBy: ['dma_free_noncoherent'], failure: 'null',
    signature: 'void *dma_alloc_noncoherent(struct device *dev, size_t size, dma_addr_t *dma_handle, enum dma_data_direction dir, gfp_t gfp)',
    summary: 'Allocates non-coherent memory owned by the device (NULL on failure); needs dma_sync_single_* around CPU access. Release with dma_free_noncoherent().',
    docs: `${DMA_API_DOC}#part-ii-non-coherent-dma-allocations`,
  },
  {
    name: 'dma_alloc_pages', role: 'alloc', family: 'pages', device: 0, size: 1, handle: 2, direction: 3, gfp: 4,
    releasedBy: ['dma_free_pages'], failure: 'null',
    signature: 'struct page *dma_alloc_pages(struct device *dev, size_t size, dma_addr_t *dma_handle, enum dma_data_direction dir, gfp_t gfp)',
    summary: 'Allocates non-coherent pages (NULL on failure). Release with dma_free_pages().',
    docs: `${DMA_API_DOC}#part-ii-non-coherent-dma-allocations`,
  },
  {
    name: 'dmam_alloc_coherent', role: 'alloc', family: 'coherent', device: 0, size: 1, handle: 2, gfp: 3, managed: true,
    releasedBy: ['dmam_free_coherent'], failure: 'null',
    signature: 'void *dmam_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp)',
    summary: 'Managed dma_alloc_coherent(): freed automatically when the driver detaches. Never pass it to dma_free_coherent(); dmam_free_coherent() is the early release.',
    docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers`,
  },
  {
    name: 'dmam_alloc_attrs', role: 'alloc', family: 'attrs', device: 0, size: 1, handle: 2, gfp: 3, attrs: 4, managed: true,
    releasedBy: ['dmam_free_coherent'], failure: 'null',
    signature: 'void *dmam_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp, unsigned long attrs)',
    summary: 'Managed dma_alloc_attrs().',
    docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers`,
  },
  { name: 'dma_free_coherent', role: 'free', family: 'coherent', device: 0, size: 1, cpu: 2, handle: 3, signature: 'void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle)', summary: 'Frees memory from dma_alloc_coherent(); size must match the allocation.', docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers` },
  { name: 'dma_free_attrs', role: 'free', family: 'attrs', device: 0, size: 1, cpu: 2, handle: 3, attrs: 4, signature: 'void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle, unsigned long attrs)', summary: 'Frees memory from dma_alloc_attrs().', docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers` },
  { name: 'dma_free_wc', role: 'free', family: 'wc', device: 0, size: 1, cpu: 2, handle: 3, signature: 'void dma_free_wc(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_addr)', summary: 'Frees memory from dma_alloc_wc().', docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers` },
  { name: 'dma_free_noncoherent', role: 'free', family: 'noncoherent', device: 0, size: 1, cpu: 2, handle: 3, direction: 4, signature: 'void dma_free_noncoherent(struct device *dev, size_t size, void *vaddr, dma_addr_t dma_handle, enum dma_data_direction dir)', summary: 'Frees memory from dma_alloc_noncoherent().', docs: `${DMA_API_DOC}#part-ii-non-coherent-dma-allocations` },
  { name: 'dma_free_pages', role: 'free', family: 'pages', device: 0, size: 1, cpu: 2, handle: 3, direction: 4, signature: 'void dma_free_pages(struct device *dev, size_t size, struct page *page, dma_addr_t dma_handle, enum dma_data_direction dir)', summary: 'Frees pages from dma_alloc_pages().', docs: `${DMA_API_DOC}#part-ii-non-coherent-dma-allocations` },
  { name: 'dmam_free_coherent', role: 'free', family: 'coherent', device: 0, size: 1, cpu: 2, handle: 3, managed: true, signature: 'void dmam_free_coherent(struct device *dev, size_t size, void *vaddr, dma_addr_t dma_handle)', summary: 'Releases a dmam_alloc_coherent() buffer early.', docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers` },

  // Pools.
  {
    name: 'dma_pool_create', role: 'pool-create', family: 'pool', device: 1, size: 2,
    releasedBy: ['dma_pool_destroy'], failure: 'null',
    signature: 'struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size, size_t align, size_t boundary)',
    summary: 'Creates a pool of small coherent blocks (NULL on failure). Destroy it with dma_pool_destroy() after every block is freed.',
    docs: `${DMA_API_DOC}#part-ib-using-small-dma-coherent-buffers`,
  },
  {
    name: 'dmam_pool_create', role: 'pool-create', family: 'pool', device: 1, size: 2, managed: true,
    releasedBy: ['dmam_pool_destroy'], failure: 'null',
    signature: 'struct dma_pool *dmam_pool_create(const char *name, struct device *dev, size_t size, size_t align, size_t allocation)',
    summary: 'Managed dma_pool_create(): destroyed when the driver detaches. Never pass it to dma_pool_destroy().',
    docs: `${DMA_API_DOC}#part-ib-using-small-dma-coherent-buffers`,
  },
  { name: 'dma_pool_destroy', role: 'pool-destroy', family: 'pool', pool: 0, signature: 'void dma_pool_destroy(struct dma_pool *pool)', summary: 'Destroys a pool made by dma_pool_create().', docs: `${DMA_API_DOC}#part-ib-using-small-dma-coherent-buffers` },
  { name: 'dmam_pool_destroy', role: 'pool-destroy', family: 'pool', pool: 0, managed: true, signature: 'void dmam_pool_destroy(struct dma_pool *pool)', summary: 'Destroys a dmam_pool_create() pool early.', docs: `${DMA_API_DOC}#part-ib-using-small-dma-coherent-buffers` },
  {
    name: 'dma_pool_alloc', role: 'pool-alloc', family: 'pool-object', pool: 0, gfp: 1, handle: 2,
    releasedBy: ['dma_pool_free'], failure: 'null',
    signature: 'void *dma_pool_alloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)',
    summary: 'Allocates a block from a DMA pool (NULL on failure); the block is not zeroed (use dma_pool_zalloc()). Release with dma_pool_free().',
    docs: `${DMA_API_DOC}#part-ib-using-small-dma-coherent-buffers`,
  },
  {
    name: 'dma_pool_zalloc', role: 'pool-alloc', family: 'pool-object', pool: 0, gfp: 1, handle: 2,
    releasedBy: ['dma_pool_free'], failure: 'null',
    signature: 'void *dma_pool_zalloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)',
    summary: 'Allocates a zeroed block from a DMA pool (NULL on failure). Release with dma_pool_free().',
    docs: `${DMA_API_DOC}#part-ib-using-small-dma-coherent-buffers`,
  },
  { name: 'dma_pool_free', role: 'pool-free', family: 'pool-object', pool: 0, cpu: 1, handle: 2, signature: 'void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t addr)', summary: 'Returns a block to its pool.', docs: `${DMA_API_DOC}#part-ib-using-small-dma-coherent-buffers` },

  // Masks.
  { name: 'dma_set_mask', role: 'mask', device: 0, mask: 1, failure: 'errno', signature: 'int dma_set_mask(struct device *dev, u64 mask)', summary: 'Sets the streaming DMA mask. Returns 0 or -EIO when the platform cannot do it: the result must be checked.', docs: `${HOWTO_DOC}#dma-addressing-capabilities` },
  { name: 'dma_set_coherent_mask', role: 'mask', device: 0, mask: 1, failure: 'errno', signature: 'int dma_set_coherent_mask(struct device *dev, u64 mask)', summary: 'Sets the coherent DMA mask. Cannot fail right after a successful dma_set_mask() with the same or a larger mask.', docs: `${HOWTO_DOC}#dma-addressing-capabilities` },
  { name: 'dma_set_mask_and_coherent', role: 'mask', device: 0, mask: 1, failure: 'errno', signature: 'int dma_set_mask_and_coherent(struct device *dev, u64 mask)', summary: 'Sets both masks. Returns 0 or -EIO: the result must be checked.', docs: `${HOWTO_DOC}#dma-addressing-capabilities` },
  { name: 'dma_coerce_mask_and_coherent', role: 'mask', device: 0, mask: 1, failure: 'errno', signature: 'int dma_coerce_mask_and_coherent(struct device *dev, u64 mask)', summary: 'Forces dev->dma_mask to point at the coherent mask, then sets both. Returns 0 or -EIO.', docs: `${HOWTO_DOC}#dma-addressing-capabilities` },
];

/** The pci_* wrappers and dma_zalloc_coherent: removed before Linux 6.1. */
const deprecatedEntries: ApiEntry[] = [
  dep('pci_map_single', 'dma_map_single', 'map', { device: 0, buffer: 1, size: 2, direction: 3, releasedBy: ['pci_unmap_single', 'dma_unmap_single'], failure: 'mapping-error', family: 'single' }),
  dep('pci_unmap_single', 'dma_unmap_single', 'unmap', { device: 0, handle: 1, size: 2, direction: 3, family: 'single' }),
  dep('pci_map_page', 'dma_map_page', 'map', { device: 0, size: 3, direction: 4, releasedBy: ['pci_unmap_page', 'dma_unmap_page'], failure: 'mapping-error', family: 'single' }),
  dep('pci_unmap_page', 'dma_unmap_page', 'unmap', { device: 0, handle: 1, size: 2, direction: 3, family: 'single' }),
  dep('pci_map_sg', 'dma_map_sg', 'map-sg', { device: 0, buffer: 1, nents: 2, direction: 3, releasedBy: ['pci_unmap_sg', 'dma_unmap_sg'], failure: 'zero', family: 'sg' }),
  dep('pci_unmap_sg', 'dma_unmap_sg', 'unmap-sg', { device: 0, buffer: 1, nents: 2, direction: 3, family: 'sg' }),
  dep('pci_dma_sync_single_for_cpu', 'dma_sync_single_for_cpu', 'sync', { device: 0, handle: 1, size: 2, direction: 3, family: 'single' }),
  dep('pci_dma_sync_single_for_device', 'dma_sync_single_for_device', 'sync', { device: 0, handle: 1, size: 2, direction: 3, family: 'single' }),
  dep('pci_dma_sync_sg_for_cpu', 'dma_sync_sg_for_cpu', 'sync-sg', { device: 0, buffer: 1, nents: 2, direction: 3, family: 'sg' }),
  dep('pci_dma_sync_sg_for_device', 'dma_sync_sg_for_device', 'sync-sg', { device: 0, buffer: 1, nents: 2, direction: 3, family: 'sg' }),
  dep('pci_alloc_consistent', 'dma_alloc_coherent', 'alloc', { device: 0, size: 1, handle: 2, releasedBy: ['pci_free_consistent', 'dma_free_coherent'], failure: 'null', family: 'coherent' }, 3),
  dep('pci_zalloc_consistent', 'dma_alloc_coherent', 'alloc', { device: 0, size: 1, handle: 2, releasedBy: ['pci_free_consistent', 'dma_free_coherent'], failure: 'null', family: 'coherent' }, 3),
  dep('pci_free_consistent', 'dma_free_coherent', 'free', { device: 0, size: 1, cpu: 2, handle: 3, family: 'coherent' }),
  dep('pci_dma_mapping_error', 'dma_mapping_error', 'mapping-error', { device: 0, handle: 1 }),
  dep('pci_set_dma_mask', 'dma_set_mask', 'mask', { device: 0, mask: 1, failure: 'errno' }),
  dep('pci_set_consistent_dma_mask', 'dma_set_coherent_mask', 'mask', { device: 0, mask: 1, failure: 'errno' }),
  {
    name: 'dma_zalloc_coherent', role: 'alloc', family: 'coherent', device: 0, size: 1, handle: 2, gfp: 3,
    releasedBy: ['dma_free_coherent'], failure: 'null',
    signature: 'void *dma_zalloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t flag)',
    summary: 'Removed in Linux 5.0: dma_alloc_coherent() always returns zeroed memory.',
    docs: `${DMA_API_DOC}#part-ia-using-large-dma-coherent-buffers`,
    deprecated: { replacement: 'dma_alloc_coherent', removedIn: '5.0' },
  },
];

function dep(name: string, replacement: string, role: Role, fields: Partial<ApiEntry>, addGfpAt?: number): ApiEntry {
  return {
    name,
    role,
    ...fields,
    signature: `${name}(struct pci_dev *pdev, ...)`,
    summary: `Removed in Linux 5.18: use ${replacement}() on &pdev->dev.`,
    docs: `${HOWTO_DOC}`,
    deprecated: { replacement, pciDevice: true, addGfpAt, removedIn: '5.18' },
  };
}

/**
 * Every entry with the same fields in the same order (absent ones
 * undefined): the analysis reads `api.role`, `api.handle`, … on every call,
 * and one object shape keeps those reads monomorphic instead of one shape
 * per entry.
 */
function normalized(e: ApiEntry): ApiEntry {
  return {
    name: e.name,
    role: e.role,
    family: e.family,
    signature: e.signature,
    device: e.device,
    buffer: e.buffer,
    size: e.size,
    direction: e.direction,
    handle: e.handle,
    cpu: e.cpu,
    gfp: e.gfp,
    nents: e.nents,
    pool: e.pool,
    attrs: e.attrs,
    mask: e.mask,
    managed: e.managed,
    releasedBy: e.releasedBy,
    mixed: e.mixed,
    failure: e.failure,
    summary: e.summary,
    docs: e.docs,
    deprecated: e.deprecated,
  };
}

const byName = new Map<string, ApiEntry>();
for (const e of [...entries, ...deprecatedEntries]) byName.set(e.name, normalized(e));

export function lookupApi(name: string): ApiEntry | undefined {
  return byName.get(name);
}

export function allApis(): readonly ApiEntry[] {
  return [...byName.values()];
}

export const DIRECTIONS = ['DMA_BIDIRECTIONAL', 'DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_NONE'] as const;

export const DEPRECATED_DIRECTIONS: Record<string, string> = {
  PCI_DMA_BIDIRECTIONAL: 'DMA_BIDIRECTIONAL',
  PCI_DMA_TODEVICE: 'DMA_TO_DEVICE',
  PCI_DMA_FROMDEVICE: 'DMA_FROM_DEVICE',
  PCI_DMA_NONE: 'DMA_NONE',
};

export const GFP_FLAGS = [
  'GFP_KERNEL', 'GFP_ATOMIC', 'GFP_NOWAIT', 'GFP_NOIO', 'GFP_NOFS', 'GFP_DMA', 'GFP_DMA32', 'GFP_USER',
  '__GFP_ZERO', '__GFP_NOWARN', '__GFP_RETRY_MAYFAIL', '__GFP_NORETRY', '__GFP_COMP',
] as const;

/**
 * A quick test for "this text may use the DMA API", used to skip files and
 * functions before parsing. Matches every catalogue name and the PCI_DMA_
 * constants.
 */
export const DMA_TEXT_PATTERN = /\b(?:dmam?_(?:map|unmap|alloc|free|sync|pool|set_|coerce|mapping_error|zalloc)|pci_(?:map|unmap|alloc_consistent|zalloc_consistent|free_consistent|dma_|set_dma_mask|set_consistent_dma_mask)|PCI_DMA_)/;

/**
 * Rules whose every finding is about a call of one of these roles (or of a
 * wrapper of one): a file with no such call cannot have one of them.
 */
const RULE_ROLES: Record<string, Role[]> = {
  'unchecked-mapping': ['map'],
  'unchecked-map-sg': ['map-sg', 'map-sgtable'],
};

/**
 * A text test a file must pass to have findings of `rules`, narrower than
 * DMA_TEXT_PATTERN: the names of the calls they are about. Undefined when
 * some rule can fire on any DMA-using file. Same-file wrappers call one of
 * these names themselves; configured wrappers are the caller's to add.
 */
export function requiredTextPattern(rules: readonly string[]): RegExp | undefined {
  if (!rules.length || rules.some((r) => !RULE_ROLES[r])) return undefined;
  const roles = new Set(rules.flatMap((r) => RULE_ROLES[r]));
  const names = [...byName.values()].filter((e) => roles.has(e.role)).map((e) => e.name);
  return new RegExp(`\\b(?:${names.join('|')})\\b`);
}

/** How the documentation describes the failure value, for hover text. */
export function describeFailure(e: ApiEntry): string {
  switch (e.failure) {
    case 'mapping-error':
      return 'Failure: test the handle with `dma_mapping_error()` (never compare with 0).';
    case 'zero':
      return 'Failure: returns 0 (the return type is unsigned: `< 0` never fires).';
    case 'null':
      return 'Failure: returns `NULL`.';
    case 'errno':
      return 'Failure: returns a negative errno; 0 on success.';
    default:
      return '';
  }
}

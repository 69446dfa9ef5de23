/** Hover: the contract of a DMA API call or constant, and the rule behind a diagnostic. */
import type { Hover, Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DEPRECATED_DIRECTIONS, describeFailure, lookupApi } from '../catalog';
import { ruleInfo } from '../rules/registry';
import { docText, docUrl } from '../docs';
import type { Finding } from '../types';

const CONSTANTS: Record<string, string> = {
  DMA_TO_DEVICE: 'Data moves from memory to the device. The CPU writes the buffer before mapping (or before `dma_sync_single_for_device()`).',
  DMA_FROM_DEVICE: 'Data moves from the device to memory. The CPU must not touch the buffer until `dma_sync_single_for_cpu()` or the unmap.',
  DMA_BIDIRECTIONAL: 'Data may move either way. Syncs may use any direction; it costs more cache maintenance than a single direction.',
  DMA_NONE: 'Not a transfer direction: mapping with it fails `valid_dma_direction()` and hits `BUG_ON()`. Only a debugging sentinel.',
  GFP_KERNEL: 'May sleep and reclaim memory. Only in process context with no spinlock held (probe, open, ioctl).',
  GFP_ATOMIC: 'Never sleeps and may use the atomic reserves. For interrupt handlers, softirqs and code under a spinlock.',
  GFP_NOWAIT: 'Never sleeps and does not use the atomic reserves: fails fast.',
  DMA_MAPPING_ERROR: 'The value a failed streaming map returns. Test with `dma_mapping_error()`, not by comparison.',
  DMA_BIT_MASK: '`DMA_BIT_MASK(n)`: a mask of the n low address bits, for `dma_set_mask()` and friends.',
};

export function wordAt(doc: TextDocument, pos: Position): { word: string; start: number; end: number } | undefined {
  const text = doc.getText();
  const offset = doc.offsetAt(pos);
  let s = offset;
  let e = offset;
  while (s > 0 && /\w/.test(text[s - 1])) s--;
  while (e < text.length && /\w/.test(text[e])) e++;
  if (s === e) return undefined;
  return { word: text.slice(s, e), start: s, end: e };
}

export function hoverAt(doc: TextDocument, pos: Position, findings: Finding[]): Hover | null {
  const parts: string[] = [];
  const w = wordAt(doc, pos);
  if (w) {
    const api = lookupApi(w.word);
    if (api) {
      parts.push('```c\n' + api.signature + '\n```');
      parts.push(api.summary);
      const failure = describeFailure(api);
      if (failure) parts.push(failure);
      if (api.releasedBy?.length) parts.push(`Released by: ${api.releasedBy.filter((n) => !n.startsWith('pci_')).map((n) => `\`${n}()\``).join(', ')}`);
      if (api.managed) parts.push('Managed (devres): released automatically when the driver detaches.');
      parts.push(`[Kernel documentation](${api.docs})`);
    } else if (CONSTANTS[w.word]) {
      parts.push(`**${w.word}**: ${CONSTANTS[w.word]}`);
    } else if (DEPRECATED_DIRECTIONS[w.word]) {
      parts.push(`**${w.word}** was removed with the pci_* DMA wrappers; use \`${DEPRECATED_DIRECTIONS[w.word]}\`.`);
    }
  }
  for (const f of findings) {
    if (!contains(f.range, pos)) continue;
    const info = ruleInfo(f.rule);
    const page = docText(f.rule);
    const whatItFinds = page ? section(page, 'What it finds') : undefined;
    parts.push(`**${f.rule}**: ${info?.summary ?? ''}${whatItFinds ? `\n\n${whatItFinds}` : ''}\n\n[Rule documentation](${docUrl(f.rule)})`);
  }
  if (!parts.length) return null;
  return { contents: { kind: 'markdown', value: parts.join('\n\n') } };
}

function section(page: string, title: string): string | undefined {
  const m = new RegExp(`^##\\s+${title}\\s*\\n([\\s\\S]*?)(?=^##\\s|$(?![\\s\\S]))`, 'm').exec(page);
  const body = m?.[1].trim();
  if (!body) return undefined;
  return body.length > 900 ? `${body.slice(0, 900)}…` : body;
}

function contains(r: Finding['range'], p: Position): boolean {
  const after = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const before = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return after && before;
}

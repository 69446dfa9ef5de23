'use strict';
// Where the tests find the Linux 6.1 sources (`.ci/run` unpacks Debian's
// linux-source there), and the DMA-using files of one of its directories.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const core = require('../../dist/core.js');

const KERNEL = process.env.DMA_KERNEL_SRC || path.join(os.homedir(), '.cache/dma-api-assistant/linux-source-6.1');

/**
 * The files under `dir` (relative to the kernel tree) whose names match
 * `names` and whose text mentions the DMA API, read as Latin-1, in walk
 * order; null when the sources are not unpacked.
 */
function dmaFilesUnder(dir, names = /\.[ch]$/) {
  const root = path.join(KERNEL, dir);
  if (!fs.existsSync(root)) return null;
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (names.test(e.name)) {
        const text = fs.readFileSync(p, 'latin1');
        if (core.DMA_TEXT_PATTERN.test(text)) out.push({ rel: path.relative(KERNEL, p), text });
      }
    }
  };
  walk(root);
  return out;
}

module.exports = { KERNEL, dmaFilesUnder };

#!/usr/bin/env node
// Draws the extension icon, images/icon.png (128x128 RGBA): a chip with
// pins on every side and "DMA" on its lid, with an arrow from memory into
// it. Every shape is a signed distance test, sampled 4x4 per pixel for
// smooth edges; the PNG is written with zlib, so nothing needs installing.
//   node scripts/icon.js [out.png]
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const SIZE = 128;
const SAMPLES = 4;

const NAVY = [24, 45, 74, 255];
const PIN = [214, 176, 92, 255];
const BODY = [38, 41, 48, 255];
const LID = [58, 63, 73, 255];
const TEXT = [236, 239, 244, 255];
const ARROW = [88, 200, 140, 255];

/** Inside a rectangle [x0,x1]x[y0,y1] whose corners are rounded with radius r. */
function roundRect(x0, y0, x1, y1, r) {
  return (x, y) => {
    const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
    const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
    return dx * dx + dy * dy <= r * r;
  };
}

/** Inside the triangle a-b-c. */
function triangle(a, b, c) {
  const side = (p, q, x, y) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  return (x, y) => {
    const s1 = side(a, b, x, y);
    const s2 = side(b, c, x, y);
    const s3 = side(c, a, x, y);
    return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
  };
}

function union(...shapes) {
  return (x, y) => shapes.some((s) => s(x, y));
}

// 5x7 bitmap letters, drawn as squares of CELL pixels.
const GLYPHS = {
  D: ['11110', '10001', '10001', '10001', '10001', '10001', '11110'],
  M: ['10001', '11011', '10101', '10101', '10001', '10001', '10001'],
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
};
const CELL = 3.4;

function text(word, cx, cy) {
  const gap = CELL;
  const width = word.length * 5 * CELL + (word.length - 1) * gap;
  const x0 = cx - width / 2;
  const y0 = cy - (7 * CELL) / 2;
  const cells = [];
  [...word].forEach((ch, i) => {
    const gx = x0 + i * (5 * CELL + gap);
    GLYPHS[ch].forEach((row, ry) => {
      [...row].forEach((bit, rx) => {
        if (bit === '1') cells.push(roundRect(gx + rx * CELL, y0 + ry * CELL, gx + (rx + 1) * CELL, y0 + (ry + 1) * CELL, 0.4));
      });
    });
  });
  return union(...cells);
}

// The chip: 64x64 body in the middle of the icon, four pins on each side.
const CHIP0 = 36;
const CHIP1 = 92;
const pins = [];
for (let i = 0; i < 4; i++) {
  const a = CHIP0 + 8 + i * 12;
  const b = a + 6;
  pins.push(roundRect(a, CHIP0 - 12, b, CHIP0 + 2, 1.5)); // top
  pins.push(roundRect(a, CHIP1 - 2, b, CHIP1 + 12, 1.5)); // bottom
  pins.push(roundRect(CHIP0 - 12, a, CHIP0 + 2, b, 1.5)); // left
  pins.push(roundRect(CHIP1 - 2, a, CHIP1 + 12, b, 1.5)); // right
}

// The arrow: from the top-left corner into the chip, like a transfer into it.
const arrow = (() => {
  const shaft = (x, y) => {
    // a thick segment from (10,10) to (26,26), perpendicular half-width 3.5
    const t = ((x - 10) + (y - 10)) / 2;
    const d = Math.abs((x - 10) - (y - 10)) / Math.SQRT2;
    return t >= 0 && t <= 16 && d <= 3.5;
  };
  // the head ends at the chip's corner, clear of the pins
  const head = triangle([35, 35], [18, 32], [32, 18]);
  return union(shaft, head);
})();

// Painted in order; the last shape that covers a sample gives its colour.
const LAYERS = [
  [roundRect(0, 0, SIZE, SIZE, 22), NAVY],
  [union(...pins), PIN],
  [roundRect(CHIP0, CHIP0, CHIP1, CHIP1, 6), BODY],
  [roundRect(CHIP0 + 4, CHIP0 + 4, CHIP1 - 4, CHIP1 - 4, 4), LID],
  [text('DMA', (CHIP0 + CHIP1) / 2, (CHIP0 + CHIP1) / 2), TEXT],
  [arrow, ARROW],
];

function render() {
  const rgba = Buffer.alloc(SIZE * SIZE * 4);
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = px + (sx + 0.5) / SAMPLES;
          const y = py + (sy + 0.5) / SAMPLES;
          let colour = [0, 0, 0, 0];
          for (const [inside, c] of LAYERS) if (inside(x, y)) colour = c;
          // Premultiplied, so transparent samples do not darken the edges.
          const a = colour[3] / 255;
          sum[0] += colour[0] * a;
          sum[1] += colour[1] * a;
          sum[2] += colour[2] * a;
          sum[3] += colour[3];
        }
      }
      const n = SAMPLES * SAMPLES;
      const alpha = sum[3] / n;
      const o = (py * SIZE + px) * 4;
      for (let k = 0; k < 3; k++) rgba[o + k] = alpha ? Math.round(sum[k] / n / (alpha / 255)) : 0;
      rgba[o + 3] = Math.round(alpha);
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  // Each row starts with filter type 0 (none).
  const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let y = 0; y < SIZE; y++) rgba.copy(raw, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = process.argv[2] || path.join(__dirname, '..', 'images', 'icon.png');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, png(render()));

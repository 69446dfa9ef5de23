#!/usr/bin/env node
// Bundles the client, the server, the CLI and the analysis core with esbuild,
// and copies the two wasm files next to the bundles (see server/src/parse.ts).
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: true,
  minify,
  logLevel: 'warning',
  // web-tree-sitter is an ES module that reads import.meta.url (for
  // createRequire and its default wasm location); in a CommonJS bundle that
  // is the bundle's own file URL. parse.ts passes locateFile for the wasm.
  define: { 'import.meta.url': '__bundleFileUrl' },
  banner: { js: "const __bundleFileUrl = require('url').pathToFileURL(__filename).href;" },
};

const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js' },
  { entryPoints: ['server/src/index.ts'], outfile: 'dist/core.js' },
];

function copyWasm() {
  fs.mkdirSync(dist, { recursive: true });
  const files = [
    require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    require.resolve('tree-sitter-c/tree-sitter-c.wasm'),
  ];
  for (const f of files) fs.copyFileSync(f, path.join(dist, path.basename(f)));
}

async function main() {
  copyWasm();
  const contexts = await Promise.all(entries.map((e) => esbuild.context({ ...common, ...e, absWorkingDir: root })));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

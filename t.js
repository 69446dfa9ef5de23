const { Parser, Language } = require('web-tree-sitter');
(async () => {
  await Parser.init();
  const C = await Language.load(require.resolve('tree-sitter-c/tree-sitter-c.wasm'));
  const p = new Parser(); p.setLanguage(C);
  const s = require('fs').readFileSync(process.argv[2], 'utf8');
  console.log(p.parse(s).rootNode.toString());
})();

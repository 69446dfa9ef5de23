'use strict';
/**
 * The workspace folder the extension-host tests open: each file is a copy of
 * a rule fixture (test/fixtures/<rule>/<name>.c), so its `expect:` comments
 * and its `.fixed.c` golden say what the editor must show and do.
 * A file gets its own copy per test that edits it, so no test sees another's
 * edits. (Pure data: `node --test test/` loads this file and nothing happens.)
 */
const path = require('path');

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');

/** workspace file name -> fixture path relative to test/fixtures */
const FILES = {
  'startup.c': 'gfp-zero/pos-probe-dmam.c',
  'unchecked.c': 'unchecked-mapping/pos-one-earlier-ret.c',
  'ring.h': 'unchecked-mapping/pos-one-earlier-ret.c',
  'gfp.c': 'gfp-zero/pos-probe-dmam.c',
  'nulldev.c': 'null-device/pos-dev-param.c',
  'quickfix-unchecked.c': 'unchecked-mapping/pos-one-earlier-ret.c',
  'quickfix-nulldev.c': 'null-device/pos-dev-param.c',
  'quickfix-gfp.c': 'gfp-zero/pos-probe-dmam.c',
  'fixall.c': 'gfp-zero/pos-irq-and-open.c',
  'fixall-on-save.c': 'null-device/pos-dev-param.c',
  'severity.c': 'unchecked-mapping/pos-one-earlier-ret.c',
  'snippet-map.c': 'unchecked-mapping/pos-one-earlier-ret.c',
  'snippet-alloc.c': 'unchecked-mapping/pos-one-earlier-ret.c',
  'hover.c': 'unchecked-mapping/pos-one-earlier-ret.c',
};

function fixturePath(name) {
  return path.join(FIXTURES, FILES[name]);
}

function goldenPath(name) {
  return fixturePath(name).replace(/\.c$/, '.fixed.c');
}

module.exports = { FIXTURES, FILES, fixturePath, goldenPath };

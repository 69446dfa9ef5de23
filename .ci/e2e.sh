#!/usr/bin/env bash
# Real-editor tests: the extension in the VS Code workbench of code-server
# 1.100.3, in headless chromium.
#   1. .ci/e2e-setup.sh (Debian packages, code-server in the cache, npm devDependencies)
#   2. npm run build (dist/ is what the editor loads)
#   3. extension-host suite: test/e2e/run-extension-tests.js (@vscode/test-electron + mocha)
#   4. browser flow: test/e2e/browser.test.js (playwright-core, node's test runner)
#   5. packaged extension: test/e2e/vsix.test.js (npm run package, then the .vsix
#      installed with code-server --install-extension and checked in the workbench)
# Exits non-zero if anything failed; the last line is "N passed, N failed".
# Screenshots and logs of failures: test-results/e2e/.
set -uo pipefail
cd "$(dirname "$0")/.."

RESULTS=test-results/e2e
passed=0
failed=0
skipped=0
status=0

bash .ci/e2e-setup.sh || { echo "e2e setup failed"; echo "0 passed, 1 failed"; exit 1; }
npm run build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# --- extension-host suite ----------------------------------------------------
echo "== e2e: extension-host suite (code-server + @vscode/test-electron + mocha)"
node test/e2e/run-extension-tests.js
rc=$?
if [[ -f $RESULTS/extension-tests.json ]]; then
  read -r p f < <(node -e 'const r = require(process.argv[1]); console.log(r.passes, r.failures)' "$PWD/$RESULTS/extension-tests.json")
  passed=$((passed + p))
  failed=$((failed + f))
  if ((rc != 0 && f == 0)); then failed=$((failed + 1)); fi
else
  echo "extension-host suite: no results (exit $rc)"
  failed=$((failed + 1))
fi
((rc != 0)) && status=1

# --- node:test files: count their TAP results -------------------------------
# run_node_tests NAME FILE: runs FILE with node's test runner (spec on stdout,
# TAP in $RESULTS/NAME.tap) and adds its counts to the totals.
run_node_tests() {
  local name=$1 file=$2 rc p f c s
  DMA_E2E=1 node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$RESULTS/$name.tap" \
    "$file"
  rc=$?
  tap_count() { sed -n "s/^# $1 \([0-9][0-9]*\)\$/\1/p" "$RESULTS/$name.tap" | tail -1; }
  if [[ -f $RESULTS/$name.tap ]] && [[ -n $(tap_count pass) ]]; then
    p=$(tap_count pass)
    f=$(tap_count fail)
    c=$(tap_count cancelled)
    s=$(tap_count skipped)
    passed=$((passed + p))
    failed=$((failed + ${f:-0} + ${c:-0}))
    skipped=$((skipped + ${s:-0}))
    if ((rc != 0 && ${f:-0} + ${c:-0} == 0)); then failed=$((failed + 1)); fi
  else
    echo "$name: no results (exit $rc)"
    failed=$((failed + 1))
  fi
  ((rc != 0)) && status=1
}

# --- browser flow ------------------------------------------------------------
echo "== e2e: browser flow (code-server + chromium + playwright-core)"
run_node_tests browser test/e2e/browser.test.js

# --- packaged extension ------------------------------------------------------
# Last: npm run package rebuilds dist/ minified.
echo "== e2e: packaged extension (npm run package, code-server --install-extension, chromium)"
run_node_tests vsix test/e2e/vsix.test.js

((failed > 0)) && status=1
if ((skipped > 0)); then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status

#!/usr/bin/env bash
# Installs what the real-editor (e2e) tests need, idempotently:
#   - Debian: chromium (headless browser), ripgrep (stands in for the rg that
#     code-server would download), libkrb5-dev (to build code-server's kerberos),
#     unzip (to list what the .vsix holds);
#   - code-server 4.100.3 (VS Code 1.100.3, the last one that runs on Node 20)
#     into a cache folder outside the repo, reused when already complete;
#   - the project's devDependencies (playwright-core, @vscode/test-electron,
#     mocha) when node_modules lacks them.
# .ci/e2e.sh finds code-server through the same DMA_E2E_CACHE variable.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CODE_SERVER_VERSION=4.100.3
CACHE=${DMA_E2E_CACHE:-$HOME/.cache/dma-api-assistant/e2e}
CS_DIR=$CACHE/code-server-$CODE_SERVER_VERSION
CS_BIN=$CS_DIR/node_modules/.bin/code-server
STAMP=$CS_DIR/.installed

log() { printf '[e2e-setup] %s\n' "$*" >&2; }

# --- Debian packages ---------------------------------------------------------
need_pkgs=()
for p in chromium libkrb5-dev ripgrep unzip; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    need_pkgs+=("$p")
  fi
done
if ((${#need_pkgs[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing Debian packages: ${need_pkgs[*]} (run this script as root)"
    exit 1
  fi
  log "installing Debian packages: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y chromium libkrb5-dev ripgrep unzip
else
  log "Debian packages present: chromium libkrb5-dev ripgrep unzip"
fi

# --- code-server, in the cache -----------------------------------------------
if [[ -f $STAMP && -x $CS_BIN ]]; then
  log "code-server $CODE_SERVER_VERSION present in $CS_DIR"
else
  log "installing code-server $CODE_SERVER_VERSION into $CS_DIR"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # code-server's postinstall runs `npm install` in lib/vscode, which pulls
  # @vscode/ripgrep 1.15.11; its postinstall downloads rg from GitHub unless it
  # finds this tarball in $TMPDIR/vscode-ripgrep-cache-1.15.11/. Give it
  # Debian's rg (13.0.0), with `rg` at the top level of the tarball.
  case $(uname -m) in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64) rg_target=aarch64-unknown-linux-musl ;;
    *) log "unsupported architecture $(uname -m)"; exit 1 ;;
  esac
  RGTMP=$CACHE/rgtmp
  rg_cache=$RGTMP/vscode-ripgrep-cache-1.15.11
  mkdir -p "$rg_cache"
  tar czf "$rg_cache/ripgrep-v13.0.0-10-$rg_target.tar.gz" -C "$(dirname "$(command -v rg)")" rg
  # A private package.json so that npm installs here and not into a parent project.
  printf '{"name":"dma-e2e-code-server","private":true}\n' > "$CS_DIR/package.json"
  # As root, code-server's postinstall.sh requires npm_config_unsafe_perm=true
  # (npm 11 warns that the option is unknown; the scripts still see it).
  (
    cd "$CS_DIR"
    TMPDIR=$RGTMP npm_config_yes=true npm_config_unsafe_perm=true \
      npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
  )
  if [[ ! -x $CS_DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg ]]; then
    log "code-server installed without ripgrep: the install is incomplete"
    exit 1
  fi
  # A throw-away HOME: code-server writes a default config on any start.
  vhome=$(mktemp -d)
  HOME=$vhome XDG_CONFIG_HOME=$vhome/.config XDG_DATA_HOME=$vhome/.local "$CS_BIN" --version >&2
  rm -rf "$vhome"
  touch "$STAMP"
fi

# --- test-only npm packages (devDependencies of the project) -----------------
cd "$ROOT"
if ! node -e "for (const m of ['playwright-core', '@vscode/test-electron', 'mocha']) require.resolve(m)" 2>/dev/null; then
  log "installing the project's npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
log "ready: $CS_BIN"

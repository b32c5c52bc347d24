#!/usr/bin/env bash
# Install what the build and the tests need, with the distribution's ordinary clients:
# Debian packages with apt-get (as root, or through sudo), npm packages with `npm ci` from the
# committed lockfile. Nothing else is downloaded. Safe to run again: it only installs what is
# missing. Usage: scripts/install-deps.sh [--check]   (--check: list what is missing, install nothing)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a file (glob) that proves it is installed (cheaper and clearer than dpkg queries).
declare -A need=(
  [cmake]=/usr/bin/cmake
  [ninja-build]=/usr/bin/ninja
  [clang]=/usr/bin/clang
  [lld]=/usr/bin/wasm-ld
  [libclang-rt-14-dev]='/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a'
  [libclang-rt-14-dev-wasm32]='/usr/lib/llvm-14/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a'
  [binaryen]=/usr/bin/wasm-opt
  [wabt]=/usr/bin/wasm-objdump
  [emscripten]=/usr/bin/emcc
  [wasi-libc]=/usr/lib/wasm32-wasi/libc.a
  [libxxhash-dev]=/usr/include/xxhash.h
  [nodejs]=/usr/bin/node
  [npm]=/usr/bin/npm
  [valgrind]=/usr/bin/valgrind
  [clang-format]=/usr/bin/clang-format
  [pkg-config]=/usr/bin/pkg-config
  [nginx]=/usr/sbin/nginx
  [chromium]=/usr/bin/chromium
)
missing=()
for pkg in "${!need[@]}"; do
  compgen -G "${need[$pkg]}" >/dev/null || missing+=("$pkg")
done

if [ "${1-}" = "--check" ]; then
  [ ${#missing[@]} -eq 0 ] && echo "all Debian dependencies present" || echo "missing: ${missing[*]}"
  exit 0
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm development dependencies (reference packages for compatibility tests and benchmarks).
# `npm ci` again only when the lockfile changed since the last install. package.json's "overrides"
# pin @ruvector/rvf-node 0.2.3's optional binaries for macOS, Windows and linux-arm64 to 0.1.7,
# their only published version: 0.2.3 names a 0.2.2 that was never published, which leaves them
# out of the lockfile and makes `npm ci` refuse it. The linux-x64 binary (0.2.2) is unaffected.
# rvf-node-018 is the reference's 0.1.8 runtime (exact scan), compared in `make bench`.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

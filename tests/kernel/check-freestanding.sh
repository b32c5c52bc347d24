#!/usr/bin/env bash
# check-freestanding.sh LIB: the native kernel library must not call into libc or libm.
# Every undefined symbol of its objects must be in the allow-list below: memcpy/memset (what
# __builtin_memcpy may lower to; any C runtime, even a freestanding one, provides them) and the
# compiler runtime's helpers (CPU-feature symbols behind __builtin_cpu_supports, __popcountdi2
# where the target has no popcount instruction): libgcc / compiler-rt, not libc. The wasm microkernel's proof is stronger: its import section must be empty
# (scripts/check-tile.mjs).
set -euo pipefail
lib=${1:?usage: check-freestanding.sh librvf_kernel.a}
allowed='^(memcpy|memset|memmove|__cpu_model|__cpu_features2|__cpu_indicator_init|__popcount[sdt]i2|_GLOBAL_OFFSET_TABLE_|__stack_chk_fail|__asan_.*|__ubsan_.*|__sanitizer_.*)$'
# symbols one object needs and another object of the library defines are internal
defined=$(nm --defined-only --format=posix "$lib" 2>/dev/null | awk 'NF >= 2 && $1 !~ /:$/ {print $1}' | sort -u)
undef=$(nm -u --format=posix "$lib" | awk 'NF >= 2 && $1 !~ /:$/ {print $1}' | sort -u | comm -23 - <(echo "$defined"))
bad=$(grep -Ev "$allowed" <<<"$undef" || true)
echo "undefined symbols in $(basename "$lib"): $(tr '\n' ' ' <<<"$undef")"
if [ -n "$bad" ]; then
  echo "FAIL: the kernel depends on symbols outside the freestanding allow-list: $bad"
  exit 1
fi
echo "ok: the kernel needs no libc or libm symbol"

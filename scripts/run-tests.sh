#!/usr/bin/env bash
# Build everything and run every test: the native suite (build/), the same native suite under
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), and the WebAssembly and Node tests
# that ctest registers. Prints each ctest summary and ends with one line "N passed, N failed".
# Warnings are errors when CI is set (and always in the sanitizer build).
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
werror=OFF
[ -n "${CI-}" ] && werror=ON
passed=0 failed=0 skipped=0 status=0

run_suite() { # name build-dir ctest-args... ; configure options come from $cfg
  local name=$1 dir=$2
  shift 2
  echo "== $name: configure and build ($dir)"
  if ! cmake -S . -B "$dir" -G Ninja $cfg >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"; echo "$name: configure failed"; failed=$((failed + 1)); status=1; return
  fi
  if ! cmake --build "$dir" -j "$jobs"; then
    echo "$name: build failed"; failed=$((failed + 1)); status=1; return
  fi
  echo "== $name: ctest"
  local log="$dir/ctest-summary.log"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@") | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  # "100% tests passed, 0 tests failed out of 12" / "83% tests passed, 2 tests failed out of 12"
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "$name: ctest printed no summary"; failed=$((failed + 1)); status=1; return
  fi
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  # ctest counts a skipped test (exit 77: ../shared or a reference package absent) as passed
  local skip
  skip=$(grep -cE '\*\*\*Skipped' "$log" || true)
  passed=$((passed + total - bad - skip)); failed=$((failed + bad)); skipped=$((skipped + skip))
}

mkdir -p build build-asan
cfg="-DRVF_WERROR=$werror"
run_suite "native + wasm" build
cfg="-DRVF_WERROR=ON -DRVF_SANITIZE=address,undefined -DRVF_BUILD_BENCH=OFF"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_suite "native under ASan+UBSan" build-asan -L native

[ "$skipped" -gt 0 ] && echo "$skipped skipped (see the SKIP lines above: they need ../shared or a reference npm package)"
echo "$passed passed, $failed failed"
exit $status

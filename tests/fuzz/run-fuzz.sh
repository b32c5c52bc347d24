#!/usr/bin/env bash
# `make fuzz` (FUZZING.md): build the fuzz targets with clang -fsanitize=fuzzer,address,undefined
# into build-fuzz/ and run each for FUZZ_RUNS iterations (default 1,000,000), one target after
# another (one fuzzing process at a time, so two shared cores are never oversubscribed; libFuzzer's
# -fork=1 keeps going after a crash and saves every crashing input). Each run starts from
# the committed corpus tests/fuzz/corpus/<target>/ (read only) and keeps what it finds in
# build-fuzz/fuzz-work/<target>/corpus; crashes, leaks, timeouts and failed invariants land in
# build-fuzz/fuzz-work/<target>/artifacts/. Prints one summary table (also written to
# build-fuzz/fuzz-work/summary.md) and exits non-zero if any target failed.
# Variables: FUZZ_RUNS (iterations per target), FUZZ_TARGETS (space-separated subset),
# FUZZ_TIMEOUT (seconds per input, default 25), FUZZ_BUILD (default build-fuzz).
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=${FUZZ_RUNS:-1000000}
timeout=${FUZZ_TIMEOUT:-25}
dir=${FUZZ_BUILD:-build-fuzz}
all="seghdr manifest vecseg metaseg filter roaring journal witness indexseg layera hotseg quantseg
     sketchseg refdialect store"
targets=${FUZZ_TARGETS:-$all}

# Largest input per target: above every seed, small enough to keep executions fast.
max_len() {
    case $1 in
    manifest | store) echo 65536 ;;
    seghdr | roaring | indexseg | layera) echo 16384 ;;
    vecseg | hotseg | sketchseg | refdialect) echo 8192 ;;
    filter) echo 1024 ;;
    *) echo 4096 ;;
    esac
}

echo "== fuzz: configure and build ($dir, clang, libFuzzer + ASan + UBSan)"
if ! cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRVF_SANITIZE=address,undefined -DRVF_FUZZ=libfuzzer -DRVF_BUILD_WASM=OFF \
    -DRVF_BUILD_BENCH=OFF >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"
    exit 1
fi
cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)" --target rvf_fuzz || exit 1

work=$dir/fuzz-work
mkdir -p "$work"
summary=$work/summary.md
{
    echo "| target | iterations | exec/s | cov | ft | corpus | seconds | result |"
    echo "|---|---:|---:|---:|---:|---|---:|---|"
} >"$summary"
status=0
for t in $targets; do
    mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
    # the committed inputs, except regression inputs of known bugs, start the working corpus
    for f in tests/fuzz/corpus/$t/*; do
        [ -f "$f" ] || continue
        case $(basename "$f") in regression-*) ;; *) cp -n "$f" "$work/$t/corpus/" ;; esac
    done
    extra=()
    [ "$t" = store ] && extra=(tests/golden) # the golden valid and invalid files as seeds too
    log=$work/$t/fuzz.log
    echo "== fuzz_$t: $runs runs, -max_len=$(max_len "$t") (log: $log)"
    start=$(date +%s)
    # -fork=1: one fuzzing process at a time in a child, restarted after a crash, so a known bug
    # (its regression input is in the corpus) does not end the run: every finding is collected.
    "$dir/tests/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -runs="$runs" -max_len="$(max_len "$t")" -timeout="$timeout" -rss_limit_mb=2048 \
        -artifact_prefix="$work/$t/artifacts/" \
        "$work/$t/corpus" "tests/fuzz/corpus/$t" "${extra[@]}" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    # "#1000123: cov: 812 ft: 2301 corp: 140 exec/s 0 oom/timeout/crash: 0/0/0 time: 301s ..."
    last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n 1)
    execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last")
    found=$(sed -nE 's/.* oom\/timeout\/crash: ([0-9]+\/[0-9]+\/[0-9]+).*/\1/p' <<<"$last")
    # Coverage of the final working corpus, measured by one plain pass over it (fork mode counts
    # its own way and before its last job): "#412 INITED cov: 1305 ft: 4410 corp: 398/2711Kb"
    "$dir/tests/fuzz_$t" -runs=0 -max_len="$(max_len "$t")" "$work/$t/corpus" \
        >"$work/$t/cov.log" 2>&1
    init=$(grep -E 'INITED|DONE' "$work/$t/cov.log" | tail -n 1)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$init")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$init")
    corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$init")
    rate=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
    if [ "$rc" -eq 0 ] && [ "${found:-0/0/0}" = 0/0/0 ]; then
        result=ok
    else
        status=1
        result="FAILED: oom/timeout/crash ${found:-?}, exit $rc, inputs in $work/$t/artifacts/"
    fi
    echo "| $t | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $secs |" \
        "$result |" >>"$summary"
    echo "   $result: ${execs:-?} runs, ${rate:-?} exec/s, cov ${cov:-?}, ${secs}s"
done
echo
cat "$summary"
exit $status

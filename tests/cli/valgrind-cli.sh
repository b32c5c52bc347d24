#!/usr/bin/env bash
# valgrind-cli.sh RVF: the rvf command line under valgrind memcheck (RELIABILITY.md): every
# command over stores this script builds with the CLI itself (so the test never just skips), a
# bit-flipped copy, and the reference corpus in $RVF_SHARED/corpus when present. A memcheck run
# costs about a second of CPU, so `make test` takes a sample of the corpus (status and verify on
# every 6th file, query, inspect and dump on every 12th file up to 1 MB); RVF_VALGRIND_FULL=1
# (`make test-long`) runs every command on every file. Zero memcheck errors and zero definite or
# indirect leaks, or the test fails. Environment: RVF_TMP, RVF_SHARED, RVF_VALGRIND_FULL,
# VALGRIND (default valgrind). Exit 77 (skipped) only when valgrind is not installed.
set -u

RVF=${1:?usage: valgrind-cli.sh PATH-TO-rvf}
case $RVF in /*) ;; *) RVF=$PWD/$RVF ;; esac
VG=${VALGRIND:-valgrind}
if ! command -v "$VG" >/dev/null; then
    echo "SKIP: valgrind is not installed (scripts/install-deps.sh installs it)"
    exit 77
fi
T=${RVF_TMP:-/tmp/rvf-valgrind-test}
rm -rf "$T"
mkdir -p "$T" || exit 1
cd "$T" || exit 1

runs=0
failed=0
# vg WANT_RC CMD-ARGS...: run `rvf CMD-ARGS` under memcheck; valgrind's own verdict is exit 99
vg() {
    local want=$1
    shift
    runs=$((runs + 1))
    "$VG" -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --log-file=vg.log "$RVF" "$@" >out 2>err </dev/null
    local rc=$?
    if [ "$rc" = 99 ] || [ -s vg.log ]; then
        failed=$((failed + 1))
        echo "FAIL (memcheck): rvf $*" >&2
        head -n 60 vg.log >&2
    elif [ "$want" != any ] && [ "$rc" != "$want" ]; then
        failed=$((failed + 1))
        echo "FAIL: rvf $*: exit $rc, expected $want; $(head -c 300 err)" >&2
    fi
}

# fixtures: 300 vectors of 8 dims with metadata, and 40 more
awk 'BEGIN { srand(7); for (i = 0; i < 340; i++) {
    printf "{\"id\":%d,\"vector\":[", i
    for (d = 0; d < 8; d++) printf "%s%.6f", d ? "," : "", rand() * 2 - 1
    printf "],\"meta\":{\"year\":%d,\"tag\":\"t%d\"}}\n", 2000 + i % 25, i % 7
  } }' >all.jsonl
head -n 300 all.jsonl >a.jsonl
tail -n 40 all.jsonl >b.jsonl
Q='[0.1,-0.2,0.3,0.4,-0.5,0.6,0.7,-0.8]'

# every command, on a store that grows through every segment type the store writes
vg 0 create s.rvf --dim 8 --metric l2
vg 0 ingest s.rvf a.jsonl --field year=1 --field tag=2 --batch 100
vg 0 index s.rvf --m 8 --ef-construction 40
vg 0 ingest s.rvf b.jsonl --field year=1 --field tag=2
vg 0 index s.rvf --m 8 --ef-construction 40
vg 0 delete s.rvf --ids 3,5,7,300
vg 0 delete s.rvf --field year=1 --filter 'year < 2003'
vg 0 query s.rvf --vector "$Q" -k 5
vg 0 query s.rvf --vector "$Q" -k 5 --ef 32 --json
vg 0 query s.rvf --vector "$Q" -k 5 --field year=1 --filter 'year >= 2010'
vg 0 compact s.rvf
vg 0 status s.rvf --json
vg 0 inspect s.rvf
vg 0 verify s.rvf
vg 0 dump s.rvf --limit 20
vg 0 query s.rvf --vector "$Q" -k 5 --ef 32
vg 0 export s.rvf ref.rvf --dialect runtime
vg 0 export s.rvf copy.rvf --dialect rvf
vg 0 import ref.rvf imported.rvf
vg 0 verify imported.rvf
vg 0 create f16.rvf --dim 8 --metric cosine --dtype f16
vg 0 ingest f16.rvf a.jsonl --field year=1 --field tag=2
vg 0 query f16.rvf --vector "$Q" -k 3

# damage: one bit of the first VEC_SEG's payload; verify names it (exit 3), readers fail cleanly
cp s.rvf bad.rvf
off=$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
print(next(s['offset'] for s in d['segments'] if s['type_name'] == 'VEC_SEG') + 64 + 40)" \
    <("$RVF" inspect s.rvf --json)) || off=""
if [ -n "$off" ]; then
    python3 -c "
import sys
b = bytearray(open('bad.rvf', 'rb').read()); b[int(sys.argv[1])] ^= 4
open('bad.rvf', 'wb').write(b)" "$off"
    vg 3 verify bad.rvf
    grep -q 'VEC_SEG' out || { failed=$((failed + 1)); echo "FAIL: verify did not name the VEC_SEG" >&2; }
    vg any query bad.rvf --vector "$Q" -k 5
    vg any dump bad.rvf --limit 3
else
    failed=$((failed + 1))
    echo "FAIL: could not find a VEC_SEG in 'rvf inspect --json'" >&2
fi
# bad input
vg 1 query s.rvf --vector '[1,2]' -k 5
vg 2 query s.rvf --vector
vg 1 status does-not-exist.rvf

# the reference corpus
corpus=0
full=${RVF_VALGRIND_FULL:-0}
if [ -n "${RVF_SHARED:-}" ] && [ -d "$RVF_SHARED/corpus" ]; then
    i=-1
    while IFS= read -r f; do
        i=$((i + 1))
        [ "$full" = 1 ] || [ $((i % 6)) = 0 ] || continue
        corpus=$((corpus + 1))
        # (a corpus file may be one we cannot open, or damaged on purpose: only memcheck counts)
        vg any status "$f"
        vg any verify "$f"
        if { [ "$full" = 1 ] || [ $((i % 12)) = 0 ]; } && [ "$(stat -c %s "$f")" -le 1048576 ]; then
            vg any inspect "$f"
            dim=$("$RVF" status "$f" --json 2>/dev/null |
                python3 -c 'import json,sys; print(json.load(sys.stdin)["dimension"])' 2>/dev/null)
            if [ -n "$dim" ] && [ "$dim" -gt 0 ]; then
                vec=$(python3 -c "print([0.25] * $dim)")
                vg any query "$f" --vector "$vec" -k 3
                vg any dump "$f" --limit 2
            fi
        fi
    done < <(find "$RVF_SHARED/corpus" -name '*.rvf' | sort)
else
    echo "note: RVF_SHARED/corpus absent: generated stores only"
fi

echo "valgrind memcheck: $runs rvf runs ($corpus corpus files), $failed failed"
[ -n "${RVF_SUMMARY:-}" ] &&
    echo "valgrind memcheck of the CLI: $runs runs ($corpus corpus files), $failed failed" >>"$RVF_SUMMARY"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# verify-bitflip.sh RVF: `rvf verify` on bit-flipped copies of a store holding every segment type
# the store writes (RELIABILITY.md, bit-flip census). The store is built with the CLI (ingest with
# metadata, index, query, compact: partitions, sealed INDEX, Layer A, SKETCH; then ingest, delta
# index, delete: JOURNAL). For the first segment of each kind (type + SEALED/HOT flags), one bit in
# the middle of its payload is flipped in a copy: `rvf verify` must exit 3 and name that segment
# (its type and offset, text and --json), and every other segment must still verify. A flip in the
# current manifest must be reported as a fallback to the previous one. Environment: RVF_TMP.
set -u
RVF=${1:?usage: verify-bitflip.sh PATH-TO-rvf}
case $RVF in /*) ;; *) RVF=$PWD/$RVF ;; esac
T=${RVF_TMP:-/tmp/rvf-verify-bitflip}
rm -rf "$T"
mkdir -p "$T" && cd "$T" || exit 1
PY=$(python3 -c 'import sys; print(sys.executable)') || exit 1

awk 'BEGIN { srand(3); for (i = 0; i < 120; i++) { printf "{\"id\":%d,\"vector\":[", i
  for (d = 0; d < 8; d++) printf "%s%.5f", d ? "," : "", rand() - 0.5
  printf "],\"meta\":{\"y\":%d}}\n", i % 9 } }' >v.jsonl
{
    "$RVF" create s.rvf --dim 8 -q &&
        "$RVF" ingest s.rvf v.jsonl --field y=1 -q &&
        "$RVF" index s.rvf --m 8 -q &&
        "$RVF" query s.rvf --vector '[0,0,0,0,0,0,0,0]' -k 3 --ef 16 >/dev/null &&
        "$RVF" compact s.rvf -q &&
        "$RVF" ingest s.rvf v.jsonl --field y=1 --ids-from row --first-id 500 -q &&
        "$RVF" index s.rvf --m 8 -q &&
        "$RVF" delete s.rvf --ids 1,2,3 >/dev/null &&
        "$RVF" verify s.rvf -q >/dev/null &&
        "$RVF" inspect s.rvf --json >inspect.json
} || { echo "FAIL: building the store with the CLI"; exit 1; }

"$PY" - "$RVF" <<'EOF'
import json, subprocess, sys
rvf = sys.argv[1]
segs = json.load(open('inspect.json'))['segments']
orig = open('s.rvf', 'rb').read()
kinds, failed = {}, 0
for s in segs:
    key = (s['type_name'], s.get('flags'))
    kinds.setdefault(key, s)
if not any(k[0] == 'MANIFEST_SEG' for k in kinds):
    print('FAIL: inspect --json lists no MANIFEST_SEG'); sys.exit(1)
for (name, flags), s in sorted(kinds.items(), key=lambda kv: kv[1]['offset']):
    off, plen = s['offset'], s['payload_length']
    b = bytearray(orig)
    b[off + 64 + plen // 2] ^= 0x10
    open('bad.rvf', 'wb').write(b)
    t = subprocess.run([rvf, 'verify', 'bad.rvf'], capture_output=True, text=True)
    j = subprocess.run([rvf, 'verify', 'bad.rvf', '--json'], capture_output=True, text=True)
    out = t.stdout + t.stderr
    ok = t.returncode == 3 and j.returncode == 3
    if name == 'MANIFEST_SEG':
        d = json.loads(j.stdout)
        ok = ok and d.get('recovered_from') == off and str(off) in out
    else:
        d = json.loads(j.stdout)
        bad = [x for x in d['segments'] if not x['ok']]
        ok = ok and len(bad) == 1 and bad[0]['offset'] == off and bad[0]['type_name'] == name
        ok = ok and any(name in line and str(off) in line for line in out.splitlines())
    print(('ok  ' if ok else 'FAIL') + f' {name} flags {flags} at {off}: verify exit {t.returncode}')
    if not ok:
        failed += 1
        print(out[:1500])
print(f'{len(kinds)} segment kinds flipped, {failed} failed')
sys.exit(1 if failed else 0)
EOF

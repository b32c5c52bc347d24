#!/usr/bin/env bash
# cli-tiers.sh RVF: `rvf compact --tiers [--cold sq8|pq|binary]`: the help text, bad flags (exit 2,
# store unchanged), and tiered compactions of a generated 3000 x 16 store: each verifies, keeps
# every vector, shrinks the file (SQ8 below the untiered size, PQ and binary below SQ8), and
# answers a query for a stored vector with that vector first.
set -u
RVF=${1:?usage: cli-tiers.sh PATH-TO-rvf}
case $RVF in /*) ;; *) RVF=$PWD/$RVF ;; esac
T=${RVF_TMP:-/tmp/rvf-cli-tiers}
rm -rf "$T"
mkdir -p "$T" && cd "$T" || exit 1
checks=0
failed=0
ok() {
    checks=$((checks + 1))
    if ! "$@"; then
        failed=$((failed + 1))
        echo "FAIL: $*" >&2
    fi
}
size() { stat -c %s "$1"; }
python3 - <<'PY' || exit 1
import random
random.seed(7)
with open('v.csv', 'w') as f:
    for i in range(3000):
        c = i % 20
        f.write(','.join('%.5f' % (((c * 7919 + d * 104729) % 97) / 20.0 + random.uniform(-1, 1))
                         for d in range(16)) + '\n')
PY
"$RVF" create base.rvf --dim 16 -q || exit 1
"$RVF" ingest base.rvf v.csv -q || exit 1
"$RVF" index base.rvf -q || exit 1

"$RVF" compact --help >out 2>&1
ok grep -q -- "--tiers" out
ok grep -q -- "--cold Q" out
cp base.rvf bad.rvf
before=$(sha256sum bad.rvf)
"$RVF" compact bad.rvf --cold pq >out 2>err
ok test $? = 2
ok grep -q "needs --tiers" err
"$RVF" compact bad.rvf --tiers --cold zstd >out 2>err
ok test $? = 2
ok grep -q "not one of sq8, pq, binary" err
ok test "$before" = "$(sha256sum bad.rvf)"

cp base.rvf plain.rvf
"$RVF" compact plain.rvf -q
ok test $? = 0
for q in sq8 pq binary; do
    cp base.rvf $q.rvf
    "$RVF" compact $q.rvf --tiers --cold $q >out 2>err
    ok test $? = 0
    ok grep -q "^compacted $q.rvf: .* 3000 live vectors" out
    "$RVF" verify $q.rvf -q
    ok test $? = 0
    "$RVF" status $q.rvf --json >st.json
    ok python3 -c "import json; d=json.load(open('st.json')); assert d['live_vectors']==3000"
    echo "  $q: $(size $q.rvf) bytes (untiered $(size plain.rvf))"
done
ok test "$(size sq8.rvf)" -lt "$(size plain.rvf)"
ok test "$(size pq.rvf)" -lt "$(size sq8.rvf)"
ok test "$(size binary.rvf)" -lt "$(size pq.rvf)"
# a stored vector (row 42 of v.csv, decoded within SQ8 error) finds itself first
sed -n 43p v.csv >q.csv
"$RVF" query sq8.rvf --from q.csv -k 3 >out 2>err
ok test $? = 0
ok test "$(awk 'NR == 2 { print $2 }' out)" = 42
echo "$checks checks, $failed failed"
test "$failed" = 0

#!/usr/bin/env bash
# cli-test.sh RVF: drives the rvf command line over generated stores and the reference corpus.
# Every command's happy path, and bad inputs that must give a one-line message, the documented
# exit status and leave the store's bytes unchanged. Fixtures are generated here (python3).
# Environment: RVF_TMP (scratch directory), RVF_SHARED (../shared; the corpus is optional).
set -u

RVF=${1:?usage: cli-test.sh PATH-TO-rvf}
case $RVF in /*) ;; *) RVF=$PWD/$RVF ;; esac
T=${RVF_TMP:-/tmp/rvf-cli-test}
rm -rf "$T"
mkdir -p "$T" || exit 1
cd "$T" || exit 1

# python3 through a version-manager shim costs half a second a call: resolve it once
PY=$(python3 -c 'import sys; print(sys.executable)') || exit 1
python3() { "$PY" "$@"; }

checks=0
failed=0
pass() { checks=$((checks + 1)); }
fail() {
    checks=$((checks + 1))
    failed=$((failed + 1))
    echo "FAIL: $*" >&2
}
# check DESC CMD...: CMD must succeed
check() {
    local desc=$1
    shift
    if "$@"; then pass; else fail "$desc"; fi
}
# run CMD...: stdout in out, stderr in err, exit status in $rc
run() {
    "$@" >out 2>err </dev/null
    rc=$?
}
expect_rc() {
    if [ "$rc" = "$1" ]; then
        pass
    else
        fail "$2: exit $rc, expected $1; stderr: $(head -c 400 err)"
    fi
}
contains() { grep -q -- "$2" "$1"; }
json() { python3 -c "import json,sys; d=json.load(open('$1')); sys.exit(0 if ($2) else 1)"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# bad_input DESC WANT_RC STORE PATTERN CMD...: exit WANT_RC, one message line on stderr ("rvf: "
# ..., plus "Try 'rvf ...'" for usage errors) matching PATTERN, and STORE's bytes unchanged.
bad_input() {
    local desc=$1 want=$2 store=$3 pattern=$4
    shift 4
    local before after lines
    before=$(sha "$store")
    run "$@"
    expect_rc "$want" "$desc"
    after=$(sha "$store")
    if [ "$before" = "$after" ]; then pass; else fail "$desc: the store's bytes changed"; fi
    lines=$(wc -l <err)
    if [ "$want" = 2 ]; then
        if [ "$lines" = 2 ] && sed -n 2p err | grep -q "^Try 'rvf"; then pass; else
            fail "$desc: expected a message and a Try line, got: $(cat err)"
        fi
    elif [ "$lines" = 1 ]; then pass; else
        fail "$desc: expected one line on stderr, got $lines: $(cat err)"
    fi
    if head -n1 err | grep -q "^rvf: " && head -n1 err | grep -qi -- "$pattern"; then pass; else
        fail "$desc: message does not match '$pattern': $(head -n1 err)"
    fi
    if [ -e "$store.lock" ]; then fail "$desc: $store.lock left behind"; else pass; fi
}

# ---------------------------------------------------------------------------------------------
# Fixtures (dimension 8): CSV 200 rows, JSON Lines 100 rows with metadata, fvecs 50, npy f32 50,
# npy f16 20, and malformed variants.
python3 - <<'EOF' || exit 1
import json, struct
D = 8
state = [12345]
def rnd():
    state[0] = (state[0] * 1103515245 + 12345) % 2**31
    return round(state[0] / 2**31 * 2 - 1, 4)
def rows(n): return [[rnd() for _ in range(D)] for _ in range(n)]
def npy(path, data, descr='<f4', fmt='f', magic=b'\x93NUMPY'):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % (descr, len(data), D)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + ' ' * pad + '\n'
    with open(path, 'wb') as f:
        f.write(magic + b'\x01\x00' + struct.pack('<H', len(header)) + header.encode())
        for r in data:
            f.write(struct.pack('<%d%s' % (D, fmt), *r))
csv = rows(200)
with open('v.csv', 'w') as f:
    f.write(','.join('c%d' % i for i in range(D)) + '\n')
    for r in csv: f.write(','.join(repr(x) for x in r) + '\n')
langs = ['en', 'de', 'fr', 'es']
meta = []
with open('m.jsonl', 'w') as f:
    for i, r in enumerate(rows(100)):
        m = {'#1': 2000 + i % 25, '#2': langs[i % 4], '#3': i / 4.0}
        meta.append(m)
        f.write(json.dumps({'id': 1000 + i, 'vector': r, 'meta': m}) + '\n')
with open('expect.json', 'w') as f:
    json.dump({'csv': csv, 'meta': meta,
               'fr': sum(1 for m in meta if m['#2'] == 'fr'),
               'year_en_de': sorted(1000 + i for i, m in enumerate(meta)
                                    if m['#1'] >= 2020 and m['#2'] in ('en', 'de'))}, f)
with open('v.fvecs', 'wb') as f:
    for r in rows(50): f.write(struct.pack('<i', D) + struct.pack('<%df' % D, *r))
npy('v.npy', rows(50))
npy('h.npy', rows(20), '<f2', 'e')
# queries: csv rows 3, 17, 150 as JSON vectors, one per line
with open('queries.jsonl', 'w') as f:
    for i in (3, 17, 150): f.write(json.dumps(csv[i]) + '\n')
# bad inputs
with open('dim7.csv', 'w') as f:
    for r in rows(5): f.write(','.join(repr(x) for x in r[:7]) + '\n')
with open('bad.csv', 'w') as f:
    for r in rows(2): f.write(','.join(repr(x) for x in r) + '\n')
    f.write('0.1,0.2,abc,0.4,0.5,0.6,0.7,0.8\n')
with open('bad.jsonl', 'w') as f:
    f.write(json.dumps({'id': 1, 'vector': rows(1)[0]}) + '\n')
    f.write('{"id": 2, "vector": [0.1, 0.2,\n')
npy('bad.npy', rows(3), magic=b'\x93NUMPX')
with open('trunc.npy', 'wb') as f:
    f.write(open('v.npy', 'rb').read()[:200])
# a file whose error comes after three batches of 10
with open('late.csv', 'w') as f:
    for r in rows(30): f.write(','.join(repr(x) for x in r) + '\n')
    f.write('1,2,3\n')
EOF

# ---------------------------------------------------------------------------------------------
# help, version, usage
for c in create ingest query delete index compact status inspect verify dump export import help; do
    run "$RVF" "$c" --help
    expect_rc 0 "$c --help"
    check "$c --help shows Usage and Examples" contains out "Examples:"
    check "$c --help shows its synopsis" contains out "Usage: rvf $c"
done
run "$RVF" --help
expect_rc 0 "rvf --help"
check "rvf --help lists commands and exit status" contains out "Exit status"
run "$RVF" help query
expect_rc 0 "rvf help query"
check "rvf help query" contains out "Usage: rvf query"
run "$RVF" --version
expect_rc 0 "rvf --version"
check "version line" grep -Eq '^rvf [0-9]+\.[0-9]+\.[0-9]+' out
run "$RVF"
expect_rc 2 "rvf without a command"
# the man page renders without warnings
MAN=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../native-host" && pwd)/rvf.1
check "the man page exists" test -f "$MAN"
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww -z "$MAN" 2>groff.err
    check "groff renders rvf.1 without warnings" test ! -s groff.err
    groff -man -Tutf8 "$MAN" 2>/dev/null | sed 's/.\x08//g' >man.txt
    for s in NAME SYNOPSIS DESCRIPTION COMMANDS "FILTER SYNTAX" "INPUT FORMATS" "EXIT STATUS" \
        EXAMPLES FILES "SEE ALSO"; do
        check "rvf.1 has the section $s" grep -q "^$s" man.txt
    done
fi

# ---------------------------------------------------------------------------------------------
# create
run "$RVF" create s.rvf --dim 8
expect_rc 0 "create"
check "create made the file" test -f s.rvf
check "create left no lock" test ! -e s.rvf.lock
bad_input "create over an existing file" 1 s.rvf "already exists" "$RVF" create s.rvf --dim 8
bad_input "create without --dim" 2 s.rvf "dim" "$RVF" create new.rvf
check "create without --dim made nothing" test ! -e new.rvf
bad_input "create with a bad metric" 2 s.rvf "metric" "$RVF" create new.rvf --dim 4 --metric manhattan
bad_input "create with dimension 0" 2 s.rvf "dim" "$RVF" create new.rvf --dim 0
run "$RVF" create c.rvf --dim 8 --metric cosine --dtype f16 --profile 3 --no-witness -q
expect_rc 0 "create cosine f16"
check "create -q prints nothing" test ! -s out
run "$RVF" status c.rvf --json
check "status: cosine f16 profile 3" json out "d['metric']=='cosine' and d['dtype']=='f16' and d['profile_id']==3 and d['dimension']==8"

# ---------------------------------------------------------------------------------------------
# ingest
run "$RVF" ingest s.rvf v.csv
expect_rc 0 "ingest csv"
check "ingest summary line" grep -Eq '^ingested 200 vectors from 1 file in [0-9.]+ s \([0-9]+ vectors/s\); epoch [0-9]+$' out
check "no progress output when stderr is not a terminal" test ! -s err
run "$RVF" ingest s.rvf m.jsonl --field year=1 --field lang=2
expect_rc 0 "ingest jsonl with metadata"
run "$RVF" ingest s.rvf v.fvecs --first-id 2000 --batch 7
expect_rc 0 "ingest fvecs in batches of 7"
run "$RVF" ingest s.rvf v.npy h.npy --first-id 3000 -v
expect_rc 0 "ingest two npy files (f32, f16)"
check "ingest two files summary" grep -q '^ingested 70 vectors from 2 files' out
check "ingest -v reports per file" contains err "v.npy: 50 vectors"
run "$RVF" status s.rvf --json
check "status after ingest: 420 live" json out "d['live_vectors']==420 and d['dimension']==8 and d['dialect']=='rvf'"
run "$RVF" query s.rvf --from h.npy --row 19 -k 1 --json
check "npy rows continue ids across files (h.npy row 19 = id 3069)" json out "d['results'][0]['id']=='3069'"
if command -v script >/dev/null 2>&1; then
    script -qfec "$RVF ingest c.rvf v.csv" /dev/null >tty.out 2>&1
    check "progress bar on a terminal (\\r redraw, vectors/s)" grep -aq $'\r.*vectors' tty.out
fi
run "$RVF" ingest c.rvf m.jsonl -q
check "ingest -q prints nothing" test ! -s out

# ---------------------------------------------------------------------------------------------
# query
Q17=$(sed -n 2p queries.jsonl)
run "$RVF" query s.rvf --vector "$Q17" -k 5
expect_rc 0 "query text"
check "query table header" grep -q '^rank  *id  *distance  *metadata' out
check "query: top id is the stored vector 17 at distance 0" awk 'NR==2 && $1==1 && $2==17 && $3==0 {f=1} END {exit !f}' out
run "$RVF" query s.rvf --vector "$Q17" -k 5 --json
expect_rc 0 "query json"
check "query json: top 17, distance 0, 5 results" json out "d['results'][0]['id']=='17' and d['results'][0]['distance']==0 and len(d['results'])==5"
run "$RVF" query s.rvf --from v.csv --row 42 -k 3 --json
check "query --from csv --row 42" json out "d['results'][0]['id']=='42'"
run "$RVF" query s.rvf --from v.npy --row 5 -k 3 --json
check "query --from npy --row 5 finds id 3005" json out "d['results'][0]['id']=='3005'"
run "$RVF" query s.rvf --from m.jsonl --row 7 -k 1 --field year=1 --field lang=2
check "query text shows metadata names" grep -Eq '^ +1 +1007 +0 +year=2007 lang=es #3=1.75$' out
run "$RVF" query s.rvf --from m.jsonl --row 0 -k 200 --json --field year=1 --field lang=2 \
    --filter 'year >= 2020 and lang in ("en", "de")'
expect_rc 0 "query with a filter"
check "filter selects exactly the matching ids" python3 -c "
import json; d=json.load(open('out')); e=json.load(open('expect.json'))
ids=sorted(int(r['id']) for r in d['results'])
assert ids==e['year_en_de'], (ids, e['year_en_de'])
assert all(r['meta']['year']>=2020 and r['meta']['lang'] in ('en','de') for r in d['results'])"
check "K_TOO_LARGE is a note, not an error" contains err "note"
run "$RVF" query s.rvf --from m.jsonl --row 0 -k 3 --metric ip --ef 64 --json
expect_rc 0 "query --metric ip --ef"
"$RVF" query s.rvf --stdin -k 2 --json <queries.jsonl >out 2>err
rc=$?
expect_rc 0 "query --stdin"
check "query --stdin: one result set per line" python3 -c "
import json; L=open('out').read().splitlines(); assert len(L)==3
assert [json.loads(l)['results'][0]['id'] for l in L]==['3','17','150']"

# ---------------------------------------------------------------------------------------------
# delete
before=$(sha s.rvf)
run "$RVF" delete s.rvf --ids 0,1,5-9 --dry-run
expect_rc 0 "delete --dry-run"
check "dry run counts 7" contains out "would delete 7 vectors"
check "dry run leaves the bytes" test "$before" = "$(sha s.rvf)"
run "$RVF" delete s.rvf --ids 10,10,11,10-12 --dry-run
check "dry run counts a repeated id once" contains out "would delete 3 vectors"
run "$RVF" delete s.rvf --ids 0,1,5-9,99999
expect_rc 0 "delete by ids"
check "delete by ids: 7 deleted" grep -q '^deleted 7 vectors' out
FR=$(python3 -c "import json; print(json.load(open('expect.json'))['fr'])")
run "$RVF" delete s.rvf --field lang=2 --filter 'lang = "fr"' --dry-run --json
check "delete by filter dry run counts $FR" json out "d['deleted']==$FR and d['dry_run']"
run "$RVF" delete s.rvf --field lang=2 --filter 'lang = "fr"'
expect_rc 0 "delete by filter"
check "delete by filter: $FR deleted" grep -q "^deleted $FR vectors" out
run "$RVF" status s.rvf --json
check "status after deletes" json out "d['live_vectors']==420-7-$FR and d['deleted_vectors']==7+$FR"
run "$RVF" query s.rvf --from v.csv --row 5 -k 1 --json
check "a deleted vector is not found" json out "d['results'][0]['id']!='5'"

# ---------------------------------------------------------------------------------------------
# index: build, nothing-to-do, approximate query equals exact here, carried over by compaction
run "$RVF" query s.rvf --from v.csv --row 9 -k 5 --json
cp out exact.json
run "$RVF" index s.rvf
expect_rc 0 "index"
check "index summary" grep -Eq "^indexed s.rvf: [0-9]+ vectors in .* 1 index segment, \+[0-9]+ bytes" out
run "$RVF" index s.rvf
expect_rc 0 "index again"
check "index again: nothing written" grep -q "nothing written" out
run "$RVF" status s.rvf --json
check "status: one index segment" json out "d['index_segments']==1"
run "$RVF" query s.rvf --from v.csv --row 9 -k 5 --ef 64 --json
expect_rc 0 "query --ef with a stored index"
check "query --ef answers as exact on a small store" cmp -s out exact.json
bad_input "index --m 1" 2 s.rvf "--m" "$RVF" index s.rvf --m 1
bad_input "index --threads 0" 2 s.rvf "--threads" "$RVF" index s.rvf --threads 0
run "$RVF" index s.rvf --full --threads 2
expect_rc 0 "index --full --threads 2"
run "$RVF" query s.rvf --from v.csv --row 9 -k 5 --ef 64 --json
check "query --ef after a 2-thread rebuild answers as exact" cmp -s out exact.json
bad_input "index --metric hamming" 2 s.rvf "--metric" "$RVF" index s.rvf --metric hamming
bad_input "index: no path" 2 s.rvf "PATH is required" "$RVF" index
bad_input "index: missing file" 1 s.rvf "missing.rvf" "$RVF" index missing.rvf

# ---------------------------------------------------------------------------------------------
# compact, status, inspect, verify
run "$RVF" compact s.rvf
expect_rc 0 "compact"
check "compact summary" grep -q "^compacted s.rvf: .* bytes, $((420 - 7 - FR)) live vectors" out
run "$RVF" status s.rvf --json
check "status after compact: no dead bytes" json out "d['dead_bytes']==0 and d['live_vectors']==420-7-$FR"
check "compaction keeps the index (graph, Layer B and Layer A)" json out "d['index_segments']==3"
run "$RVF" status s.rvf
expect_rc 0 "status text"
check "status text has fields" grep -q '^live vectors  *[0-9]' out
check "status text has epoch" grep -q '^epoch ' out
run "$RVF" inspect s.rvf
expect_rc 0 "inspect text"
check "inspect lists segments" grep -q "VEC_SEG" out
check "inspect shows Level 0" grep -q "^Level 0" out
check "inspect shows Level 1" grep -q "^Level 1" out
check "inspect shows the manifest chain" grep -q "^Manifest chain" out
run "$RVF" inspect s.rvf --json
expect_rc 0 "inspect json"
check "inspect json: segments with hash status" json out "len(d['segments'])>=2 and all(s['hash']=='ok' for s in d['segments']) and d['level0']['dimension']==8 and len(d['chain'])>=1"
run "$RVF" verify s.rvf
expect_rc 0 "verify"
check "verify: all verified" grep -Eq '^[0-9]+ segments, all verified$' out
run "$RVF" verify s.rvf --json
check "verify json" json out "d['failed']==0 and d['count']>=2"
# flip one byte in the middle of the first VEC_SEG payload of a copy
cp s.rvf damaged.rvf
python3 - <<'EOF' || fail "could not damage the copy"
import struct
b = bytearray(open('damaged.rvf', 'rb').read())
off = 0
while off + 64 <= len(b):
    if b[off:off + 4] == b'SFVR':
        typ = b[off + 5]
        plen = struct.unpack_from('<Q', b, off + 16)[0]
        pad = struct.unpack_from('<I', b, off + 60)[0]
        if typ == 1:
            b[off + 64 + plen // 2] ^= 0x40
            open('damaged.rvf', 'wb').write(bytes(b))
            raise SystemExit(0)
        off += 64 + plen + pad
    else:
        off += 64
raise SystemExit('no VEC_SEG found')
EOF
run "$RVF" verify damaged.rvf
expect_rc 3 "verify a damaged VEC payload"
check "verify names the failed segment" grep -q "VEC_SEG.*FAILED" out
check "verify summary counts failures" grep -Eq '^[0-9]+ segments, [1-9][0-9]* failed$' out
run "$RVF" verify damaged.rvf --json
expect_rc 3 "verify --json on damage"
check "verify json reports the failure" json out "d['failed']>=1"

# ---------------------------------------------------------------------------------------------
# dump round trip
run "$RVF" dump s.rvf
expect_rc 0 "dump"
cp out d1.jsonl
check "dump has one line per live vector" test "$(wc -l <d1.jsonl)" = $((420 - 7 - FR))
check "dump lines are JSON with metadata" python3 -c "
import json; L=[json.loads(l) for l in open('d1.jsonl')]
assert all(set(x)-{'meta'}=={'id','vector'} for x in L)
m=[x for x in L if x['id']==1001][0]; assert m['meta']=={'#1':2001,'#2':'de','#3':0.25}, m"
run "$RVF" dump s.rvf --limit 3
check "dump --limit 3" test "$(wc -l <out)" = 3
run "$RVF" create s2.rvf --dim 8
run "$RVF" ingest s2.rvf d1.jsonl
expect_rc 0 "ingest a dump"
run "$RVF" dump s2.rvf
check "dump -> ingest -> dump is the identity" cmp -s out d1.jsonl
run "$RVF" dump s.rvf --field year=1 --field lang=2 --field score=3
cp out d2.jsonl
run "$RVF" create s3.rvf --dim 8
run "$RVF" ingest s3.rvf d2.jsonl --field year=1 --field lang=2 --field score=3
run "$RVF" dump s3.rvf
check "round trip with field names" cmp -s out d1.jsonl

# ---------------------------------------------------------------------------------------------
# export (runtime dialect) + import gives the same answers
run "$RVF" export s.rvf ex.rvf --dialect runtime
expect_rc 0 "export runtime"
check "export notes that metadata was dropped" contains err "metadata"
run "$RVF" status ex.rvf --json
check "exported file is reference dialect" json out "d['dialect']=='reference' and d['live_vectors']==420-7-$FR"
run "$RVF" import ex.rvf im.rvf
expect_rc 0 "import"
run "$RVF" status im.rvf --json
check "imported file is rvf dialect" json out "d['dialect']=='rvf' and d['live_vectors']==420-7-$FR"
run "$RVF" export s.rvf copy.rvf --dialect rvf
expect_rc 0 "export --dialect rvf"
answers() {
    "$RVF" query "$1" --stdin -k 10 --json <queries.jsonl |
        python3 -c "import json,sys; [print([(r['id'], r['distance']) for r in json.loads(l)['results']]) for l in sys.stdin]"
}
answers s.rvf >a0
answers ex.rvf >a1
answers im.rvf >a2
check "answers exist" test -s a0
check "export runtime answers = original" cmp -s a0 a1
check "import answers = original" cmp -s a0 a2
"$RVF" query s.rvf --stdin -k 10 --json <queries.jsonl >q0
"$RVF" query copy.rvf --stdin -k 10 --json <queries.jsonl >q1
check "export --dialect rvf keeps metadata and answers" cmp -s q0 q1
bad_input "export over an existing file" 1 s.rvf "already exists" "$RVF" export s.rvf im.rvf

# ---------------------------------------------------------------------------------------------
# bad inputs: one line, right exit status, store bytes unchanged
bad_input "ingest a missing file" 1 s.rvf "nope.csv" "$RVF" ingest s.rvf nope.csv
bad_input "ingest a missing file after a good one" 1 s.rvf "nope.csv" "$RVF" ingest s.rvf v.csv nope.csv
bad_input "ingest the wrong dimension" 1 s.rvf "dimension" "$RVF" ingest s.rvf dim7.csv
bad_input "ingest the wrong dimension after a good file" 1 s.rvf "dimension" "$RVF" ingest s.rvf v.csv dim7.csv
bad_input "ingest malformed CSV" 1 s.rvf "bad.csv line 3" "$RVF" ingest s.rvf bad.csv
bad_input "ingest a malformed JSON line" 1 s.rvf "bad.jsonl line 2" "$RVF" ingest s.rvf bad.jsonl
bad_input "ingest a malformed npy (magic)" 1 s.rvf "bad.npy" "$RVF" ingest s.rvf bad.npy
bad_input "ingest a truncated npy" 1 s.rvf "trunc.npy" "$RVF" ingest s.rvf trunc.npy
bad_input "ingest with an unknown flag" 2 s.rvf "--bogus" "$RVF" ingest s.rvf v.csv --bogus
bad_input "ingest with a bad --batch" 2 s.rvf "batch" "$RVF" ingest s.rvf v.csv --batch x
bad_input "ingest without files" 2 s.rvf "missing" "$RVF" ingest s.rvf
bad_input "ingest with a bad --field" 2 s.rvf "field" "$RVF" ingest s.rvf m.jsonl --field 9x=1
bad_input "unknown command" 2 s.rvf "frobnicate" "$RVF" frobnicate s.rvf
bad_input "unknown global option" 2 s.rvf "--frob" "$RVF" --frob
bad_input "query with a bad filter" 2 s.rvf "column" "$RVF" query s.rvf --vector "$Q17" --filter 'year >= )'
bad_input "delete with a bad filter" 2 s.rvf "column 7" "$RVF" delete s.rvf --filter '#1 >= and'
bad_input "delete with a bad id list" 2 s.rvf "ids" "$RVF" delete s.rvf --ids 1,x
bad_input "delete with a reversed range" 2 s.rvf "range" "$RVF" delete s.rvf --ids 9-5
bad_input "delete without ids or filter" 2 s.rvf "missing" "$RVF" delete s.rvf
bad_input "query the wrong dimension" 1 s.rvf "dimension" "$RVF" query s.rvf --vector '[1,2,3]'
bad_input "query a malformed vector" 2 s.rvf "vector" "$RVF" query s.rvf --vector '[1,2,'
bad_input "query without a vector" 2 s.rvf "missing" "$RVF" query s.rvf
bad_input "query -k 0" 2 s.rvf "-k" "$RVF" query s.rvf --vector "$Q17" -k 0
bad_input "query --from past the end" 1 s.rvf "row" "$RVF" query s.rvf --from v.npy --row 50
bad_input "status of a missing store" 1 s.rvf "nope.rvf" "$RVF" status nope.rvf
bad_input "ingest into a missing store" 1 s.rvf "nope.rvf" "$RVF" ingest nope.rvf v.csv
check "ingest into a missing store creates nothing" test ! -e nope.rvf
bad_input "export with a bad dialect" 2 s.rvf "dialect" "$RVF" export s.rvf out.rvf --dialect parquet
# reference-dialect files are read-only
cp ex.rvf ref.rvf
bad_input "ingest into a reference-dialect file" 1 ref.rvf "read-only" "$RVF" ingest ref.rvf v.csv
bad_input "delete in a reference-dialect file" 1 ref.rvf "read-only" "$RVF" delete ref.rvf --ids 1
bad_input "compact a reference-dialect file" 1 ref.rvf "read-only" "$RVF" compact ref.rvf
# an error after the first batch: committed batches stay, the message says how many
run "$RVF" create late.rvf --dim 8
run "$RVF" ingest late.rvf late.csv --batch 10
expect_rc 1 "ingest stops at a late error"
check "late error: one line" test "$(wc -l <err)" = 1
check "late error names the line and the commits" grep -q "stopped at late.csv line 31: .*the first 30 vectors of this run were committed" err
run "$RVF" status late.rvf --json
check "late error: 30 vectors committed" json out "d['live_vectors']==30"

# ---------------------------------------------------------------------------------------------
# the reference corpus: status, verify, inspect, dump and query on every file
CORPUS=${RVF_SHARED:-}/corpus
if [ -n "${RVF_SHARED:-}" ] && [ -d "$CORPUS" ]; then
    n=0
    for f in "$CORPUS"/*/*.rvf; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        name=${f##*/}
        if [[ $name == wasm_export* ]]; then
            for c in status verify inspect dump; do
                run "$RVF" "$c" "$f"
                if [ "$rc" != 0 ] && [ "$(wc -l <err)" = 1 ] && grep -q "^rvf: $c: .*manifest" err; then
                    pass
                else
                    fail "corpus $name: $c should fail with one clear line (exit $rc): $(cat err)"
                fi
            done
            continue
        fi
        for c in status verify inspect; do
            run "$RVF" "$c" "$f"
            expect_rc 0 "corpus $name: $c"
        done
        run "$RVF" inspect "$f" --json
        expect_rc 0 "corpus $name: inspect --json"
        check "corpus $name: inspect --json parses" json out "isinstance(d['segments'], list)"
        run "$RVF" dump "$f" --limit 5
        expect_rc 0 "corpus $name: dump"
        cp out corpus-dump.jsonl
        if [ -s corpus-dump.jsonl ]; then
            run "$RVF" query "$f" --from corpus-dump.jsonl --row 0 -k 3 --json
            expect_rc 0 "corpus $name: query"
            check "corpus $name: query finds the dumped vector" json out "d['results'][0]['distance']<=1e-4 or d['results'][0]['id']==str(json.loads(open('corpus-dump.jsonl').readline())['id'])"
        else
            "$RVF" status "$f" --json >st.json 2>/dev/null
            vec=$(python3 -c "import json; print([0.0]*json.load(open('st.json'))['dimension'])")
            run "$RVF" query "$f" --vector "$vec" -k 3 --json
            expect_rc 0 "corpus $name: query an empty store"
        fi
    done
    check "corpus: at least 40 files" test "$n" -ge 40
else
    echo "cli: the reference corpus is absent (RVF_SHARED=${RVF_SHARED:-}); corpus checks skipped"
fi

echo "cli: $checks checks, $failed failed"
[ "$failed" = 0 ]

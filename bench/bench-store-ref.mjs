// bench-store-ref.mjs: the store workload of bench_store.c run against the reference runtime,
// @ruvector/rvf-node 0.2.3 (lazy HNSW) and, when installed, 0.1.8 (exact scan) under the npm
// alias rvf-node-018; with --ours it also runs bench_store and prints one comparison table.
//
// Same data as bench_store.c (mulberry32, seed 42 for vectors, 4242 for queries, ids 1..n), same
// batches (each ingestBatch is one fsynced commit in the reference), L2, k = 10.
// rvf-node 0.2.3 builds its HNSW graph inside the first query once the store holds >= 1024
// vectors (about 206 s at 100k x 128, single-threaded), so its first query is the build and later
// queries are approximate: recall@10 against the exact answers is printed next to the latency.
//
// Usage: node bench/bench-store-ref.mjs [--ours build/bench/bench_store] [--quick] [--n N]
//          [--dim D] [--batch B] [--queries Q] [--k K] [--skip-hnsw-build] [--dir DIR] [--json]
//   --quick: 20k vectors, 200 queries. --skip-hnsw-build: do not query 0.2.3 (no build).
//   Without --ours the reference files are opened warm (the page-cache eviction is done by
//   bench_store --evict) and recall is measured against 0.1.8 when it is present.
// Each reference's steady-state phase stops after --ref-seconds (default 60) if not done earlier.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

const args = process.argv.slice(2);
const opt = { n: 100000, dim: 128, batch: 1000, queries: 1000, k: 10, refSeconds: 60 };
let ours = null, json = false, skipBuild = false, quick = false;
let dir = path.join(here, '..', 'build', 'bench-store-ref-tmp');
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = args[i + 1];
  const num = { '--n': 'n', '--dim': 'dim', '--batch': 'batch', '--queries': 'queries', '--k': 'k', '--ref-seconds': 'refSeconds' }[a];
  if (num && v !== undefined) { opt[num] = Number(v); i++; }
  else if (a === '--ours' && v) { ours = v; i++; }
  else if (a === '--dir' && v) { dir = v; i++; }
  else if (a === '--json') json = true;
  else if (a === '--quick') quick = true;
  else if (a === '--skip-hnsw-build') skipBuild = true;
  else { console.error(`unknown argument ${a}; see the header of ${path.basename(import.meta.url)}`); process.exit(2); }
}
if (quick) { if (!args.includes('--n')) opt.n = 20000; if (!args.includes('--queries')) opt.queries = 200; }
const { n, dim, batch, queries: nq, k } = opt;
fs.mkdirSync(dir, { recursive: true });

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
function gen(seed, count) {
  const r = mulberry32(seed), out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = ((r() >>> 8) / 16777216) * 2 - 1; // exact in f32
  return out;
}
function rchar() { // read(2) bytes of this process, page-cache hits included
  try { return Number(/rchar:\s*(\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))[1]); } catch { return NaN; }
}
const rcharSelf = (() => { const a = rchar(); return rchar() - a; })(); // one read of /proc/self/io
const pct = (s, p) => s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
const evict = (file) => !!ours && spawnSync(ours, ['--evict', file]).status === 0;

// ---- ours ----
let our = null, exactIds = null;
if (ours) {
  const idsFile = path.join(dir, 'ours-ids.bin');
  const r = spawnSync(ours, ['--json', '--n', n, '--dim', dim, '--batch', batch, '--queries', nq, '--k', k,
    '--dir', path.join(dir, 'ours'), '--ids-out', idsFile].map(String), { encoding: 'utf8' });
  if (r.status !== 0) { console.error(r.stderr || r.error); process.exit(1); }
  our = JSON.parse(r.stdout);
  const buf = fs.readFileSync(idsFile);
  exactIds = Array.from({ length: nq * k }, (_, i) => Number(buf.readBigUInt64LE(8 * i)));
  fs.unlinkSync(idsFile);
}

// ---- the references ----
const data = gen(42, n * dim), qs = gen(4242, nq * dim);
const ids = Array.from({ length: n }, (_, i) => i + 1);
const refs = [{ name: 'rvf-node 0.2.3 (HNSW)', mod: '@ruvector/rvf-node', hnsw: true },
  { name: 'rvf-node 0.1.8 (exact)', mod: 'rvf-node-018', hnsw: false }];

function recall(got, q) {
  if (!exactIds) return NaN;
  const want = new Set(exactIds.slice(q * k, q * k + k));
  return got.filter((h) => want.has(h.id)).length / k;
}

function runRef(ref) {
  let RvfDatabase;
  try { ({ RvfDatabase } = require(ref.mod)); } catch (e) { return { name: ref.name, missing: String(e.message).split('\n')[0] }; }
  const file = path.join(dir, `ref-${ref.hnsw ? '023' : '018'}.rvf`);
  for (const f of [file, `${file}.lock`]) fs.rmSync(f, { force: true });
  const res = { name: ref.name };
  let db = RvfDatabase.create(file, { dimension: dim, metric: 'l2' });
  let t = performance.now();
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const r = db.ingestBatch(data.subarray(i * dim, (i + m) * dim), ids.slice(i, i + m));
    if (r.accepted !== m) throw new Error(`${ref.name}: ingest accepted ${r.accepted} of ${m}`);
  }
  res.ingest_ms = performance.now() - t;
  res.ingest_vps = n / (res.ingest_ms / 1e3);
  db.close();
  res.file_size = fs.statSync(file).size;

  res.cold = evict(file);
  let r0 = rchar();
  t = performance.now();
  db = RvfDatabase.openReadonly(file);
  res.open_ms = performance.now() - t;
  res.read_open = rchar() - r0 - rcharSelf;
  const buildsHnsw = ref.hnsw && n >= 1024;
  if (buildsHnsw && skipBuild) {
    res.skipped = 'first query (HNSW build) skipped: --skip-hnsw-build';
    db.close();
    for (const f of [file, `${file}.lock`]) fs.rmSync(f, { force: true });
    return res;
  }
  r0 = rchar();
  t = performance.now();
  const first = db.query(qs.subarray(0, dim), k);
  res.first_ms = performance.now() - t;
  res.read_first = res.read_open + rchar() - r0 - rcharSelf;
  if (first.length !== k) throw new Error(`${ref.name}: first query gave ${first.length} hits`);
  if (buildsHnsw) res.first_note = 'builds the HNSW graph';

  const lat = [];
  let rsum = 0;
  const deadline = performance.now() + opt.refSeconds * 1e3;
  for (let q = 0; q < nq && (q < 50 || performance.now() < deadline); q++) {
    const a = performance.now();
    const hits = db.query(qs.subarray(q * dim, (q + 1) * dim), k);
    lat.push(performance.now() - a);
    rsum += recall(hits, q);
  }
  db.close();
  for (const f of [file, `${file}.lock`]) fs.rmSync(f, { force: true });
  const total = lat.reduce((x, y) => x + y, 0);
  lat.sort((x, y) => x - y);
  Object.assign(res, { queries: lat.length, mean: total / lat.length, p50: pct(lat, 0.5), p95: pct(lat, 0.95),
    p99: pct(lat, 0.99), qps: (1e3 * lat.length) / total, recall: rsum / lat.length });
  return res;
}

const results = refs.map(runRef);
fs.rmSync(dir, { recursive: true, force: true });

const report = { test_name: `store_f32_${dim}_${n}_vs_reference`, date: new Date().toISOString().slice(0, 10),
  dataset: { vector_count: n, dimensions: dim, dtype: 'f32', metric: 'l2', batch, queries: nq, k },
  hardware: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
  ours: our, reference: results };
if (json) { console.log(JSON.stringify(report)); process.exit(0); }

// ---- the table ----
const f = (x, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
const big = (x) => (x === undefined || Number.isNaN(x) ? '-' : Math.round(x).toLocaleString('en-US'));
const R = our?.results;
const cols = [];
if (R) {
  cols.push({ name: 'ours (C, exact)', ingest: R.ingest_vectors_per_s, size: our.dataset.file_size_bytes,
    open: R.boot_ms, cold: R.cold, readOpen: R.data_read_open_bytes, first: R.first_query_ms,
    q: nq, mean: R.steady_state_mean_ms, p50: R.steady_state_p50_ms, p95: R.steady_state_p95_ms,
    qps: R.steady_state_qps, recall: 1 });
}
for (const r of results) {
  if (r.missing) { cols.push({ name: r.name, missing: true }); continue; }
  cols.push({ name: r.name, ingest: r.ingest_vps, size: r.file_size, open: r.open_ms, cold: r.cold,
    readOpen: r.read_open, first: r.first_ms, q: r.queries, mean: r.mean, p50: r.p50, p95: r.p95,
    qps: r.qps, recall: r.recall, skipped: r.skipped });
}
const rows = [
  ['ingest, vectors/s', (c) => big(c.ingest)],
  ['file size, bytes', (c) => big(c.size)],
  ['read-only open, ms', (c) => `${f(c.open, 1)}${c.cold ? ' (cold)' : ' (warm)'}`],
  ['bytes read before first query', (c) => big(c.readOpen)],
  ['first query, ms', (c) => (c.skipped ? 'skipped' : f(c.first, 2))],
  ['queries timed', (c) => (c.skipped ? '-' : String(c.q))],
  ['query mean, ms', (c) => f(c.mean, 3)],
  ['query p50, ms', (c) => f(c.p50, 3)],
  ['query p95, ms', (c) => f(c.p95, 3)],
  ['QPS', (c) => big(c.qps)],
  ['recall@10 vs exact', (c) => (R ? f(c.recall, 3) : '-')],
];
const w = [32, ...cols.map((c) => Math.max(16, c.name.length))];
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
console.log(`store bench ${report.date}: ${n} x ${dim} f32 L2, batches of ${batch} (fsync each), k = ${k}, ` +
  `${report.hardware.cores} cores, ${report.hardware.cpu}, Node ${process.version}`);
console.log(line(['', ...cols.map((c) => c.name)]));
console.log(line(w.map((x) => '-'.repeat(x))));
for (const [label, fn] of rows) console.log(line([label, ...cols.map((c) => (c.missing ? 'not installed' : fn(c)))]));
if (R) {
  console.log(`root + Level 1 (our newest MANIFEST_SEG): ${big(R.root_l1_bytes)} bytes = ` +
    `${f((100 * R.root_l1_bytes) / our.dataset.file_size_bytes, 3)}% of the file; our open reads ` +
    `${f((100 * R.data_read_open_bytes) / our.dataset.file_size_bytes, 1)}% (read-only opens stop at root + Level 1; the first query reads the VEC segments).`);
  for (const c of cols.slice(1)) if (!c.missing && c.ingest)
    console.log(`ingest ratio ours / ${c.name}: ${f(R.ingest_vectors_per_s / c.ingest, 2)}x`);
  if (!R.first_query_exact) console.log('WARNING: our first query did not match brute force');
}
for (const r of results) if (r.skipped) console.log(`${r.name}: ${r.skipped}`);

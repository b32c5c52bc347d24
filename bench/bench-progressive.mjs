#!/usr/bin/env node
// bench-progressive.mjs: a progressive open over HTTP (RVF-BRIEF §10.5) of a 100k-vector file
// served by Debian's nginx on 127.0.0.1, with the runtime in WebAssembly (js/src, SIMD build):
// milliseconds, bytes and requests until the first answer, that answer's recall@10, then the
// Layer-A recall over all queries, the full load, and the same after it; against the baseline of
// downloading the whole file and opening it. A benchmark, not a test.
//
// The file: N clustered vectors (seeded; the queries come from the same clusters) written by
// bench_coldstart (ingest, HNSW M 16 / ef_construction 200, compaction: partitions + Layer A
// before the manifest), kept in out/bench-progressive and reused; or --file F (indexed and
// compacted) with --queries Q.f32.
//
//   node bench/bench-progressive.mjs [--build DIR] [--n 100000] [--dim 96] [--queries 100]
//                                    [--runs 5] [--threads 2] [--file F.rvf --query Q.f32]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

import { RvfDatabase, loadRvfWasm } from '../js/src/index.js';
import { haveNginx, NGINX, startNginx } from '../js/test/nginx.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const build = resolve(root, arg('build', 'build'));
const N = Number(arg('n', 100000));
const DIM = Number(arg('dim', 96));
const NQ = Number(arg('queries', 100));
const RUNS = Number(arg('runs', 5));
const K = 10;
const EF = 64;
const out = join(root, 'out', 'bench-progressive');
mkdirSync(out, { recursive: true });
if (!haveNginx) {
  console.error(`${NGINX} is not installed (scripts/install-deps.sh installs nginx)`);
  process.exit(1);
}

/** splitmix64 floats and Box-Muller normals: the same data on every run. */
function gen(seed) {
  let s = BigInt(seed);
  const next = () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return Number((z ^ (z >> 31n)) >> 11n) / 2 ** 53;
  };
  return { next, normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()) };
}

let file = arg('file');
let queries;
if (file) {
  const q = arg('query');
  if (!q) throw new Error('--file needs --query Q.f32 (raw little-endian f32 rows of the file\'s dimension)');
  const b = readFileSync(q);
  queries = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
} else {
  file = join(out, `p${N}-d${DIM}.rvf`);
  const qpath = join(out, `p${N}-d${DIM}.query.f32`);
  if (!existsSync(file) || !existsSync(qpath)) {
    const coldstart = join(build, 'bench', 'bench_coldstart');
    if (!existsSync(coldstart)) throw new Error(`${coldstart} is not built (make build, or --build DIR)`);
    const g = gen(2024);
    const C = Math.round(Math.sqrt(N));
    const centers = new Float32Array(C * DIM).map(() => g.next() * 4);
    const rows = (n) => {
      const v = new Float32Array(n * DIM);
      for (let i = 0; i < n; i++) {
        const c = Math.floor(g.next() * C);
        for (let d = 0; d < DIM; d++) v[i * DIM + d] = centers[c * DIM + d] + 0.5 * g.normal();
      }
      return v;
    };
    const bpath = join(out, `p${N}-d${DIM}.base.f32`);
    writeFileSync(bpath, rows(N));
    writeFileSync(qpath, rows(NQ));
    console.log(`building ${file} with bench_coldstart (ingest, HNSW, compaction) ...`);
    const t = performance.now();
    execFileSync(coldstart, ['--n', String(N), '--dim', String(DIM), '--queries', String(NQ), '--base', bpath,
      '--query', qpath, '--path', file, '--threads', arg('threads', '2')], { stdio: ['ignore', 'ignore', 'inherit'] });
    console.log(`  built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const b = readFileSync(qpath);
  queries = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}
const nq = Math.floor(queries.length / DIM);
const q = (i) => queries.subarray(i * DIM, (i + 1) * DIM);
const size = readFileSync(file).length;

const nginx = await startNginx({ root: dirname(file), prefix: join(out, 'nginx') });
const url = `${nginx.base}${basename(file)}`;
const wasm = await loadRvfWasm({ simd: true, baseUrl: join(build, 'js', 'dist') });
const fmt = (n) => n.toLocaleString('en-US');
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

try {
  // ground truth: exact top-10 from the whole file
  const truth = [];
  {
    const full = await RvfDatabase.open(readFileSync(file), { wasm, readOnly: true });
    for (let i = 0; i < nq; i++) truth.push(new Set((await full.query(q(i), K)).map((h) => h.id)));
    await full.close();
  }
  const recall = (hits, i) => hits.filter((h) => truth[i].has(h.id)).length / K;

  console.log(`RVF progressive open over HTTP: ${fmt(N)} x ${DIM} f32, ${fmt(size)} bytes, nginx on 127.0.0.1, wasm ${wasm.variant} (${wasm.kernel}), ${RUNS} runs, median`);
  const first = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    let lastFetch = 0;
    const db = await RvfDatabase.openProgressive(url, { wasm, onProgress: (p) => { if (p.phase === 'load') lastFetch = performance.now(); } });
    const tOpen = performance.now() - t0;
    const hits = await db.query(q(r % nq), K, { ef: EF });
    const tFirst = performance.now() - t0;
    const net = db.network;
    let rs = 0;
    for (let i = 0; i < nq; i++) rs += recall(await db.query(q(i), K, { ef: EF }), i);
    const afterAll = db.network;
    const st = await db.status();
    const t1 = performance.now();
    await db.load();
    const tLoad = performance.now() - t1;
    const tFetch = lastFetch - t1;
    let rf = 0;
    for (let i = 0; i < nq; i++) rf += recall(await db.query(q(i), K, { ef: EF }), i);
    first.push({ tOpen, tFirst, bytes: net.bytesFetched, requests: net.requests, phases: net.phases, recall1: recall(hits, r % nq),
      layerA: rs / nq, bytesA: afterAll.bytesFetched, partitions: st.partitionsLoaded, tLoad, tFetch, bytesFull: db.network.bytesFetched,
      reqFull: db.network.requests, recallFull: rf / nq });
    await db.close();
  }
  const m = (k) => median(first.map((f) => f[k]));
  const ph = first[0].phases;
  console.log(`  open (root + Level 1 + hotset)      ${m('tOpen').toFixed(1)} ms`);
  console.log(`  first answer (open + 1 query)       ${m('tFirst').toFixed(1)} ms, ${fmt(m('bytes'))} bytes (${(100 * m('bytes') / size).toFixed(1)}% of the file), ${m('requests')} requests`);
  console.log('    phases of the first run:');
  for (const p of ['root', 'level1', 'hotset', 'demand']) console.log(`    ${p.padEnd(7)} ${String(ph[p].requests).padStart(3)} requests ${fmt(ph[p].bytes).padStart(12)} bytes, ${ph[p].rounds} round(s)`);
  console.log(`  recall@10 of the first answer       ${m('recall1').toFixed(2)} (ef ${EF})`);
  console.log(`  Layer A only, ${nq} queries           recall@10 ${m('layerA').toFixed(3)}, ${m('partitions')} partitions, ${fmt(m('bytesA'))} bytes`);
  console.log(`  load() (everything, parallel)        ${m('tLoad').toFixed(1)} ms (fetching ${m('tFetch').toFixed(1)} ms, then rvf_load), ${fmt(m('bytesFull'))} bytes in all, ${m('reqFull')} requests`);
  console.log(`  after load, ${nq} queries             recall@10 ${m('recallFull').toFixed(3)} (ef ${EF})`);

  // baseline: the whole file, then open and query
  const base = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const db = await RvfDatabase.open(bytes, { wasm, readOnly: true });
    await db.query(q(r % nq), K, { ef: EF });
    base.push(performance.now() - t0);
    await db.close();
  }
  console.log(`  baseline: download all + open + 1 query  ${median(base).toFixed(1)} ms, ${fmt(size)} bytes (the first ef query builds nothing: the file's graph)`);
} finally {
  await nginx.stop();
}

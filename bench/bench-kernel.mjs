#!/usr/bin/env node
// bench-kernel.mjs: ns per distance of the tile microkernel in Node against the reference tile
// exports of @ruvector/rvf-wasm (same run, same data, same call sequence), plus the native kernel
// variants (bench_kernel --json). Prints figures and ratios; it is a benchmark, never a test.
// The reference caps fp16 queries at 96 dims and refuses f32 blocks: those cases are compared at
// 96 dims, and the 384-dim and f32 figures are ours alone.
// Usage: node bench/bench-kernel.mjs [ours.wasm] [--ref path] [--native path/to/bench_kernel] [--json]
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadTile, f32ToF16, TILE_DTYPE, METRIC } from '../tile-sim/tile-abi.mjs';

const args = process.argv.slice(2);
const flag = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const oursPath = args[0] && !args[0].startsWith('--') ? args[0] : 'build/kernel/rvf_tile.wasm';
const refPath = flag('--ref', 'node_modules/@ruvector/rvf-wasm/pkg/rvf_wasm_bg.wasm');
const nativePath = flag('--native', 'build/bench/bench_kernel');
const asJson = args.includes('--json');

let seed = 12345;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
};

// Each case: how to load the tile, and the call that is timed. `count` rows fill the 32 KB block.
const cases = [
  { key: 'fp16_l2_96', name: 'fp16 L2 dim 96', dim: 96, dtype: 'f16', metric: 'l2' },
  { key: 'fp16_ip_96', name: 'fp16 IP dim 96', dim: 96, dtype: 'f16', metric: 'ip' },
  { key: 'fp16_cos_96', name: 'fp16 cosine dim 96', dim: 96, dtype: 'f16', metric: 'cosine' },
  { key: 'fp16_l2_384', name: 'fp16 L2 dim 384', dim: 384, dtype: 'f16', metric: 'l2' },
  { key: 'fp16_cos_384', name: 'fp16 cosine dim 384', dim: 384, dtype: 'f16', metric: 'cosine' },
  { key: 'i8_l2_96', name: 'i8 L2 dim 96', dim: 96, dtype: 'i8', metric: 'l2', note: 'reference: buggy i8 path' },
  { key: 'i8_l2_384', name: 'i8 L2 dim 384', dim: 384, dtype: 'i8', metric: 'l2' },
  { key: 'f32_l2_128', name: 'f32 L2 dim 128', dim: 128, dtype: 'f32', metric: 'l2' },
  { key: 'hamming_384', name: 'Hamming 384 bits', dim: 24, dtype: 'f16', metric: 'hamming' },
  { key: 'pq_48', name: 'PQ m=48 k=64 dim 96', dim: 96, pq: { m: 48, k: 64 } },
];
const elem = { f16: 2, i8: 1, f32: 4 };

function setup(tile, c) {
  const e = tile.exports, mem = () => tile.memory.buffer;
  tile.reset();
  const cfg = tile.alloc(64);
  if (e.rvf_init(cfg) !== 0) e.rvf_init(0); // the reference rejects config pointers above 8 KB
  const qp = tile.alloc(c.dim * 2);
  const q16 = new Uint16Array(mem(), qp, c.dim);
  for (let d = 0; d < c.dim; d++) q16[d] = f32ToF16(rnd() * 2 - 1);
  if (e.rvf_load_query(qp, c.dim) !== 0) return null;
  if (c.pq) {
    const sub = c.dim / c.pq.m, cb = tile.alloc(c.pq.m * c.pq.k * sub * 2);
    const cbv = new Uint16Array(mem(), cb, c.pq.m * c.pq.k * sub);
    for (let i = 0; i < cbv.length; i++) cbv[i] = f32ToF16(rnd() * 2 - 1);
    if (e.rvf_load_pq_codebook(cb, c.pq.m, c.pq.k) !== 0) return null;
    const count = 1024, codes = tile.alloc(count * c.pq.m), out = tile.alloc(count * 4);
    const cv = new Uint8Array(mem(), codes, count * c.pq.m);
    for (let i = 0; i < cv.length; i++) cv[i] = Math.floor(rnd() * c.pq.k);
    return { count, call: () => e.rvf_pq_distances(codes, count, out) };
  }
  const count = Math.floor(32768 / (c.dim * elem[c.dtype]));
  const blk = tile.alloc(count * c.dim * elem[c.dtype]);
  const bytes = new Uint8Array(mem(), blk, count * c.dim * elem[c.dtype]);
  if (c.dtype === 'f16') new Uint16Array(mem(), blk, count * c.dim).forEach((_, i, a) => (a[i] = f32ToF16(rnd() * 2 - 1)));
  else if (c.dtype === 'f32') new Float32Array(mem(), blk, count * c.dim).forEach((_, i, a) => (a[i] = rnd() * 2 - 1));
  else bytes.forEach((_, i, a) => (a[i] = Math.floor(rnd() * 256)));
  if (c.dtype === 'i8') { // SQ params [min, max] per dim (the reference caps them at 128 dims)
    const sp = tile.alloc(c.dim * 8), spv = new Float32Array(mem(), sp, c.dim * 2);
    for (let d = 0; d < c.dim; d++) { spv[2 * d] = -1; spv[2 * d + 1] = 1; }
    e.rvf_load_sq_params(sp, c.dim);
  }
  if (e.rvf_load_block(blk, count, TILE_DTYPE[c.dtype]) !== 0) return null;
  const out = tile.alloc(count * 4);
  return { count, call: () => e.rvf_distances(METRIC[c.metric], out) };
}

function time(run) {
  if (run.call() !== run.count) return null; // refused
  let best = Infinity;
  for (let rep = 0; rep < 7; rep++) {
    let calls = 0;
    const t0 = process.hrtime.bigint();
    let t;
    do {
      for (let i = 0; i < 20; i++) run.call();
      calls += 20;
      t = process.hrtime.bigint();
    } while (t - t0 < 40_000_000n);
    best = Math.min(best, Number(t - t0) / (calls * run.count));
  }
  return best;
}

const tiles = {};
if (!existsSync(oursPath)) throw new Error(`${oursPath} not found: run 'make wasm' first`);
tiles.ours = await loadTile(oursPath);
if (existsSync(refPath)) tiles.reference = await loadTile(refPath);
else console.error(`reference module not found at ${refPath} (npm ci installs @ruvector/rvf-wasm): ours only`);

const results = [];
for (const c of cases) {
  const row = { ...c };
  for (const [who, tile] of Object.entries(tiles)) {
    seed = 12345; // same data for both
    const run = setup(tile, c);
    row[who] = run ? time(run) : null;
  }
  results.push(row);
}

let native = null;
if (existsSync(nativePath)) native = JSON.parse(execFileSync(nativePath, ['--json'], { encoding: 'utf8' }));

if (asJson) {
  console.log(JSON.stringify({ microkernel: { bytes: tiles.ours.size, cases: results }, reference_bytes: tiles.reference?.size ?? null, native }, null, 1));
  process.exit(0);
}
const f = (x) => (x == null ? 'refused' : x.toFixed(2));
console.log(`microkernel in Node ${process.version}: ours ${oursPath} (${tiles.ours.size} B) vs reference ${tiles.reference ? refPath + ` (${tiles.reference.size} B)` : '(absent)'}`);
console.log('ns per distance, best of 7 (lower is better)');
console.log(`${'case'.padEnd(24)}${'ours'.padStart(10)}${'reference'.padStart(11)}${'speedup'.padStart(9)}`);
for (const r of results) {
  const ratio = r.ours != null && r.reference != null ? `${(r.reference / r.ours).toFixed(1)}x` : '-';
  console.log(`${r.name.padEnd(24)}${f(r.ours).padStart(10)}${f(r.reference).padStart(11)}${ratio.padStart(9)}${r.note ? '  (' + r.note + ')' : ''}`);
}
if (native) {
  console.log(`\nnative kernel (bench_kernel), ns per distance; dispatch picks ${native.best}`);
  const variants = Object.keys(native.native);
  console.log(`${'case'.padEnd(24)}${variants.map((v) => v.padStart(10)).join('')}`);
  for (const k of Object.keys(native.native.scalar)) console.log(`${k.padEnd(24)}${variants.map((v) => native.native[v][k].toFixed(2).padStart(10)).join('')}`);
  const ref96 = results.find((r) => r.key === 'fp16_l2_96').reference;
  if (ref96) {
    const nb = native.native[native.best].fp16f16_384 / 4; // per 96 dims, scaled from 384
    console.log(`\nnative ${native.best} fp16 L2 per 96 dims (scaled from 384): ${nb.toFixed(2)} ns, ${(ref96 / nb).toFixed(1)}x the reference's wasm`);
  }
}

#!/usr/bin/env node
// demo-microkernel.mjs: what `make demo` runs. It loads the 14-export tile microkernel, generates
// a clustered set of 384-dimensional fp16 vectors, pushes it to the tile block by block the way a
// hub does (LOAD_QUERY, then LOAD_BLOCK -> distances -> top-K merge per block, then READ_TOPK),
// prints the top-K and checks it against an exact brute force computed here in JavaScript.
// Usage: node tile-sim/demo-microkernel.mjs [path/to/rvf_tile.wasm] [--dim N] [--count N] [--k K]
import { loadTile, f32ToF16, f16ToF32, TILE, TILE_DTYPE, TILE_METRIC } from './tile-abi.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: node tile-sim/demo-microkernel.mjs [rvf_tile.wasm] [--dim 384] [--count 2000] [--k 10]');
  process.exit(0);
}
const wasmPath = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--'))) ?? 'build/kernel/rvf_tile.wasm';
const dim = opt('--dim', 384), count = opt('--count', 2000), k = opt('--k', 10);

// Seeded generator (mulberry32) and clustered data: 20 centres, points scattered around them.
let seed = 0x5eed;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: dim }, () => rnd() * 2 - 1));
const data = new Uint16Array(count * dim);
for (let i = 0; i < count; i++) {
  const c = centres[i % centres.length];
  for (let d = 0; d < dim; d++) data[i * dim + d] = f32ToF16(c[d] + (rnd() - 0.5) * 0.3);
}
const query = new Uint16Array(dim);
for (let d = 0; d < dim; d++) query[d] = f32ToF16(centres[3][d] + (rnd() - 0.5) * 0.3);

const tile = await loadTile(wasmPath);
const e = tile.exports;
const t0 = performance.now();
const cfg = tile.alloc(64);
// (the reference module rejects any config pointer above 8 KB, kernel/ABI.md Fix 1; retry at 0)
if (e.rvf_init(cfg) !== 0 && e.rvf_init(0) !== 0) throw new Error('rvf_init failed');
const qp = tile.alloc(dim * 2);
new Uint16Array(tile.memory.buffer, qp, dim).set(query);
if (e.rvf_load_query(qp, dim) !== 0) throw new Error(`rvf_load_query(dim=${dim}) refused: this microkernel does not support ${dim} dims`);

const perBlock = Math.floor(TILE.BLOCK_SIZE / (dim * 2)); // the tile's 32 KB block area
const blk = tile.alloc(perBlock * dim * 2), dist = tile.alloc(perBlock * 4), ids = tile.alloc(perBlock * 8);
let blocks = 0;
for (let start = 0; start < count; start += perBlock) {
  const n = Math.min(perBlock, count - start);
  new Uint16Array(tile.memory.buffer, blk, n * dim).set(data.subarray(start * dim, (start + n) * dim));
  const idv = new BigUint64Array(tile.memory.buffer, ids, n);
  for (let i = 0; i < n; i++) idv[i] = BigInt(start + i);
  if (e.rvf_load_block(blk, n, TILE_DTYPE.F16) !== 0) throw new Error('rvf_load_block failed');
  if (e.rvf_distances(TILE_METRIC.L2, dist) !== n) throw new Error('rvf_distances failed');
  if (e.rvf_topk_merge(dist, ids, n, k) !== 0) throw new Error('rvf_topk_merge failed');
  blocks++;
}
const out = tile.alloc(TILE.MAX_K * TILE.TOPK_ENTRY_SIZE);
const got = e.rvf_topk_read(out);
const ms = performance.now() - t0;
const v = tile.view();
const top = Array.from({ length: got }, (_, i) => ({ id: Number(v.getBigUint64(out + i * TILE.TOPK_ENTRY_SIZE, true)), dist: v.getFloat32(out + i * TILE.TOPK_ENTRY_SIZE + 8, true) }));

// Exact brute force: f16 -> f32 exactly, squared L2 accumulated sequentially in f32.
const qf = Array.from(query, f16ToF32);
const all = [];
for (let i = 0; i < count; i++) {
  let acc = 0;
  for (let d = 0; d < dim; d++) {
    const diff = Math.fround(qf[d] - f16ToF32(data[i * dim + d]));
    acc = Math.fround(acc + Math.fround(diff * diff));
  }
  all.push({ id: i, dist: acc });
}
all.sort((a, b) => a.dist - b.dist || a.id - b.id);
const same = top.length === k && top.every((h, i) => h.id === all[i].id && h.dist === all[i].dist);

console.log(`microkernel ${wasmPath}: ${tile.size} bytes, ${count} vectors x ${dim} fp16 in ${blocks} blocks of <= ${perBlock}, k=${k}, ${ms.toFixed(2)} ms`);
console.log(' rank      id   squared L2');
top.forEach((h, i) => console.log(`${String(i + 1).padStart(5)} ${String(h.id).padStart(7)}   ${h.dist.toFixed(6)}`));
console.log(same ? 'top-K identical to the exact brute force (ids and distances, bit for bit)' : 'MISMATCH against the exact brute force');
process.exit(same ? 0 : 1);

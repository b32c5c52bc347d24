#!/usr/bin/env node
// bench-tile.mjs: ns per distance of the tile microkernel against the reference tile exports of
// @ruvector/rvf-wasm 0.1.9 in Node: same data, same call, same process, alternating; each figure
// is the minimum over many short samples (the machine's noise only ever adds time). A benchmark,
// never a test. Cases the reference refuses (dims > 96, f32 blocks) are ours alone; its i8 L2 is
// the buggy path (kernel/ABI.md Fix 4), shown for scale only.
// Usage: node bench/bench-tile.mjs [build/kernel/rvf_tile.wasm] [--ref path] [--samples N]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TILE, TILE_DTYPE, TILE_METRIC } from '../js/gen/rvf_constants.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const oursPath = args[0] && !args[0].startsWith('--') ? args[0] : `${root}/build/kernel/rvf_tile.wasm`;
const refPath = opt('--ref', `${root}/node_modules/@ruvector/rvf-wasm/pkg/rvf_wasm_bg.wasm`);
const SAMPLES = Number(opt('--samples', 400));

function load(path, isRef) {
  const bytes = readFileSync(path);
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
  let base;
  if (isRef) base = e.rvf_alloc(1 << 20);
  else {
    base = e.memory.buffer.byteLength;
    e.memory.grow(16);
  }
  let top = base;
  return {
    e, size: bytes.length,
    reset() { top = base; },
    put(b) { const p = (top + 15) & ~15; top = p + b.length; new Uint8Array(e.memory.buffer).set(b, p); return p; },
    alloc(n) { const p = (top + 15) & ~15; top = p + n; return p; },
  };
}

let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f16 = (v) => { // round to nearest even (finite inputs)
  f32[0] = v;
  const b = u32[0], s = (b >>> 16) & 0x8000, e = ((b >>> 23) & 0xff) - 112, m = b & 0x7fffff;
  if (e <= 0) return e < -10 ? s : s | Math.round((m | 0x800000) / 2 ** (14 - e));
  return (s | (e << 10)) + Math.round(m / 8192);
};
const halves = (n) => new Uint8Array(Uint16Array.from({ length: n }, () => f16(rnd() * 2 - 1)).buffer);
const bytes = (n) => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));

// setup(tile) -> { count, call } or null if refused
const cases = [
  ...[[96, TILE_METRIC.L2, 'L2'], [96, TILE_METRIC.IP, 'IP'], [96, TILE_METRIC.COSINE, 'cosine'], [384, TILE_METRIC.L2, 'L2'], [384, TILE_METRIC.IP, 'IP'], [384, TILE_METRIC.COSINE, 'cosine']].map(([dim, metric, name]) => ({
    name: `fp16 ${name} dim ${dim}`,
    setup(t, data) {
      const count = Math.floor(TILE.BLOCK_SIZE / (dim * 2));
      if (t.e.rvf_load_query(t.put(data.q(dim)), dim) !== 0) return null;
      if (t.e.rvf_load_block(t.put(data.block(count * dim * 2)), count, TILE_DTYPE.F16) !== 0) return null;
      const out = t.alloc(count * 4);
      return { count, call: () => t.e.rvf_distances(metric, out) };
    },
  })),
  ...[[24, 'Hamming 48 B (384 bits)'], [96, 'Hamming 192 B']].map(([dim, name]) => ({
    name,
    setup(t, data) {
      const count = Math.floor(TILE.BLOCK_SIZE / (dim * 2));
      if (t.e.rvf_load_query(t.put(data.q(dim)), dim) !== 0) return null;
      if (t.e.rvf_load_block(t.put(data.block(count * dim * 2)), count, TILE_DTYPE.F16) !== 0) return null;
      const out = t.alloc(count * 4);
      return { count, call: () => t.e.rvf_distances(TILE_METRIC.HAMMING, out) };
    },
  })),
  ...[96, 384].map((dim) => ({
    name: `i8 L2 dim ${dim} (SQ, Fix 4)`,
    setup(t, data) {
      const count = Math.floor(TILE.BLOCK_SIZE / dim);
      if (t.e.rvf_load_query(t.put(data.q(dim)), dim) !== 0) return null;
      const sq = new Float32Array(2 * dim).map((_, i) => (i & 1 ? 1 : -1));
      if (t.e.rvf_load_sq_params(t.put(new Uint8Array(sq.buffer)), Math.min(dim, 128)) !== 0) return null;
      if (t.e.rvf_load_block(t.put(data.i8(count * dim)), count, TILE_DTYPE.I8) !== 0) return null;
      const out = t.alloc(count * 4);
      return { count, call: () => t.e.rvf_distances(TILE_METRIC.L2, out) };
    },
  })),
  {
    name: 'f32 L2 dim 128 (Fix 5)',
    setup(t, data) {
      const dim = 128, count = Math.floor(TILE.BLOCK_SIZE / (dim * 4));
      if (t.e.rvf_load_query(t.put(data.q(dim)), dim) !== 0) return null;
      const rows = new Float32Array(count * dim).map(() => rnd() * 2 - 1);
      if (t.e.rvf_load_block(t.put(new Uint8Array(rows.buffer)), count, TILE_DTYPE.F32) !== 0) return null;
      const out = t.alloc(count * 4);
      return { count, call: () => t.e.rvf_distances(TILE_METRIC.L2, out) };
    },
  },
  ...[false, true].map((rebuild) => ({
    name: `PQ m=48 k=64 dim 96, ${rebuild ? 'table rebuilt per call' : 'table cached'}`,
    setup(t, data) {
      const dim = 96, m = 48, k = 64, count = 1024;
      const qp = t.put(data.q(dim));
      if (t.e.rvf_load_query(qp, dim) !== 0) return null;
      const cb = t.put(data.cb(m * k * 2 * 2));
      if (t.e.rvf_load_pq_codebook(cb, m, k) !== 0) return null;
      const codes = t.put(data.codes(count * m, k)), out = t.alloc(count * 4);
      // a query load invalidates our table: the reference rebuilds it on every call anyway
      return { count, call: rebuild ? () => (t.e.rvf_load_query(qp, dim), t.e.rvf_pq_distances(codes, count, out)) : () => t.e.rvf_pq_distances(codes, count, out) };
    },
  })),
];

function bench(run) {
  if (run.call() < 0) return null;
  for (let i = 0; i < 300; i++) run.call();
  let best = Infinity;
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 4; i++) run.call();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 4);
  }
  return best / run.count;
}

if (!existsSync(oursPath)) throw new Error(`${oursPath} not found: build the rvf_tile_wasm target`);
const haveRef = existsSync(refPath);
const ours = load(oursPath, false), ref = haveRef ? load(refPath, true) : null;
console.log(`tile microkernel in Node ${process.version}: ${oursPath} (${ours.size} B) vs ${haveRef ? `${refPath} (${ref.size} B)` : 'no reference'}`);
console.log(`ns per distance (per vector for PQ), minimum of ${SAMPLES} samples`);
console.log(`${'case'.padEnd(42)}${'ours'.padStart(9)}${'reference'.padStart(11)}${'speedup'.padStart(9)}`);
for (const c of cases) {
  const cache = {};
  const memo = (key, fn) => (cache[key] ??= fn());
  const data = {
    q: (n) => memo(`q${n}`, () => halves(n)),
    block: (n) => memo(`b${n}`, () => halves(n / 2)),
    i8: (n) => memo(`i${n}`, () => bytes(n)),
    cb: (n) => memo(`c${n}`, () => halves(n / 2)),
    codes: (n, k) => memo(`k${n}`, () => Uint8Array.from({ length: n }, () => Math.floor(rnd() * k))),
  };
  const res = {};
  for (const [who, t] of [['ours', ours], ['ref', ref]]) {
    if (!t) continue;
    t.reset();
    const run = c.setup(t, data);
    res[who] = run ? bench(run) : null;
  }
  const f = (x) => (x == null ? (haveRef ? 'refused' : '-') : x.toFixed(2));
  const sp = res.ours && res.ref ? `${(res.ref / res.ours).toFixed(1)}x` : '';
  console.log(`${c.name.padEnd(42)}${f(res.ours).padStart(9)}${f(res.ref).padStart(11)}${sp.padStart(9)}`);
}

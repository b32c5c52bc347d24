#!/usr/bin/env node
// tile-ref-compat.mjs: our tile microkernel and the reference @ruvector/rvf-wasm 0.1.9 side by
// side, on the same seeded random call sequences, for all 14 exports. Every call is one the
// reference accepts and that no Fix of kernel/ABI.md changes; return values and every output
// byte must be identical. Calls whose outcome a Fix changes are never issued (they are covered by
// test_tile_native and tile_diff): rvf_init with a pointer above 8 KB (Fix 1), extended-mode loads
// (Fixes 2, 8), negative counts (Fixes 3, 6, 9, 11, the reference traps), i8 metrics 0-2 and f32
// blocks (Fixes 4, 5), top-K ties, NaN and k = 0 (Fixes 6, 7), m * k > 4096 (Fix 10).
// Error returns are compared too (bad dtype, metric, k > 16, dim 0, oversized loads, ...).
// Usage: node tests/wasm/tile-ref-compat.mjs build/kernel/rvf_tile.wasm [--ref path] [--seqs N] [--seed S]
// Exit 0 = all identical, 1 = a mismatch, 77 = the reference module is not installed (skipped).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const oursPath = args[0] && !args[0].startsWith('--') ? args[0] : `${root}/build/kernel/rvf_tile.wasm`;
const refPath = opt('--ref', `${root}/node_modules/@ruvector/rvf-wasm/pkg/rvf_wasm_bg.wasm`);
const SEQS = Number(opt('--seqs', 400));
let seed = Number(opt('--seed', 0x5eed1e));
const SKIP = 77;

if (!existsSync(refPath)) {
  console.log(`SKIP: the reference module is not installed (${refPath}); run 'npm ci' at the repository root`);
  process.exit(SKIP);
}
if (!existsSync(oursPath)) {
  console.log(`FAIL: ${oursPath} not found (build the rvf_tile_wasm target)`);
  process.exit(1);
}

// ---- seeded generator (mulberry32) ----
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const ri = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1)); // inclusive
const pick = (a) => a[Math.floor(rnd() * a.length)];
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f16 = (v) => { // round to nearest even
  f32[0] = v;
  const b = u32[0], s = (b >>> 16) & 0x8000, e = ((b >>> 23) & 0xff) - 112, m = b & 0x7fffff;
  if (e >= 31) return s | 0x7c00;
  if (e <= 0) return e < -10 ? s : s | Math.round((m | 0x800000) / 2 ** (14 - e));
  return (s | (e << 10)) + Math.round(m / 8192);
};
function bytesOf(kind, n) { // n bytes of a given flavour
  const b = new Uint8Array(n), dv = new DataView(b.buffer);
  if (kind === 'f16') for (let i = 0; i + 1 < n; i += 2) dv.setUint16(i, f16((rnd() * 2 - 1) * pick([1, 1, 1, 8, 1e-3])), true);
  else if (kind === 'f16wild') for (let i = 0; i + 1 < n; i += 2) dv.setUint16(i, rnd() < 0.8 ? f16(rnd() * 2 - 1) : ri(0, 0xffff), true);
  else if (kind === 'f32') for (let i = 0; i + 3 < n; i += 4) dv.setFloat32(i, (rnd() * 2 - 1) * 4, true);
  else for (let i = 0; i < n; i++) b[i] = ri(0, 255);
  return b;
}

// ---- the two modules, each with a host area ----
const refModule = new WebAssembly.Module(readFileSync(refPath));
const oursModule = new WebAssembly.Module(readFileSync(oursPath));
function host(module, isRef) {
  const e = new WebAssembly.Instance(module, {}).exports;
  // ours: the host owns everything above the instantiated size; the reference: its allocator
  let base;
  if (isRef) base = e.rvf_alloc(4 << 20);
  else {
    base = e.memory.buffer.byteLength;
    e.memory.grow(64);
  }
  let top = base;
  return {
    e,
    isRef,
    reset() { top = base; },
    put(bytes) { const p = (top + 15) & ~15; top = p + Math.max(bytes.length, 1); new Uint8Array(e.memory.buffer).set(bytes, p); return p; },
    alloc(n) { const p = (top + 15) & ~15; top = p + n; new Uint8Array(e.memory.buffer).fill(0xcd, p, p + n); return p; },
    get(p, n) { return new Uint8Array(e.memory.buffer).slice(p, p + n); },
  };
}

// ---- the model of the tile state (to stay inside the reference-compatible domain) ----
const stats = {};
let failures = 0;
const note = (name) => { stats[name] = (stats[name] ?? 0) + 1; };
// Byte equality; for f32 outputs (`floats`), two NaNs are equal whatever their bits: WebAssembly
// leaves the payload and sign of an arithmetic NaN nondeterministic, so no engine-independent
// "bit for bit" exists for them. Such pairs are counted in nanOnly.
let nanOnly = 0;
function same(a, b, floats) {
  if (a.length !== b.length) return false;
  const da = new DataView(a.buffer), db = new DataView(b.buffer);
  let nan = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (!floats) return false;
    const j = i & ~3;
    if (j + 4 > a.length || !Number.isNaN(da.getFloat32(j, true)) || !Number.isNaN(db.getFloat32(j, true))) return false;
    nan = true;
  }
  if (nan) nanOnly++;
  return true;
}
const hex = (b) => Buffer.from(b.slice(0, process.env.FULLHEX ? 1e9 : 64)).toString("hex") + (b.length > 64 && !process.env.FULLHEX ? "..." : "");

function runSequence(seqNo) {
  const ref = host(refModule, true), ours = host(oursModule, false);
  const S = { dim: 0, count: 0, dtype: 0, m: 0, k: 0, dists: new Set(), heap: 0 };
  const both = (name, fn, floats = false, detail = '') => {
    ref.reset();
    ours.reset();
    const r = fn(ref), o = fn(ours);
    note(name);
    let ok = r.ret === o.ret;
    if (ok && r.out) ok = same(r.out, o.out, floats);
    if (!ok) {
      failures++;
      if (failures <= 10) {
        console.log(`MISMATCH seq ${seqNo} ${name}${detail}: ref ${r.ret} ours ${o.ret}`);
        if (r.out) console.log(`  ref  ${hex(r.out)}\n  ours ${hex(o.out)}`);
      }
    }
    return r.ret;
  };

  const calls = ri(5, 40);
  for (let c = 0; c < calls; c++) {
    const what = pick(['init', 'query', 'query', 'block', 'block', 'dist', 'dist', 'dist', 'merge',
      'read', 'sq', 'dequant', 'cb', 'pq', 'pq', 'greedy', 'header', 'crc']);
    if (what === 'init') {
      const cfg = bytesOf('u8', 64), dv = new DataView(cfg.buffer);
      const dim = rnd() < 0.5 ? ri(0, 96) : ri(0, 1500), dtype = ri(0, 1);
      dv.setUint32(4, dim, true);
      dv.setUint32(8, ri(0, 64), true);
      dv.setUint32(12, dtype, true);
      dv.setUint32(16, ri(0, 8), true);
      dv.setUint32(20, ri(0, 8), true);
      const refPtr = 1024 + 16 * ri(0, 400); // the reference accepts config_ptr + 64 <= 8192 only
      both('rvf_init', (h) => {
        const p = h.isRef ? refPtr : h.put(cfg);
        if (h.isRef) new Uint8Array(h.e.memory.buffer).set(cfg, p);
        return { ret: h.e.rvf_init(p) };
      });
      Object.assign(S, { dim, count: dv.getUint32(8, true), dtype, m: dv.getUint32(16, true), k: dv.getUint32(20, true), heap: 0 });
      S.dists.clear();
    } else if (what === 'query') {
      const dim = rnd() < 0.1 ? ri(97, 200) : ri(0, 96); // > 96: -1 in both (until extended mode? no: ours accepts)
      if (dim > 96) continue; // extended mode is Fix 2: not a reference input
      const q = bytesOf(rnd() < 0.2 ? 'f16wild' : 'f16', dim * 2);
      both('rvf_load_query', (h) => ({ ret: h.e.rvf_load_query(h.put(q), dim) }));
      S.dim = dim;
    } else if (what === 'block') {
      const dtype = rnd() < 0.1 ? pick([3, 7, -1, 2]) : ri(0, 1);
      const elem = [2, 1, 4][dtype] ?? 2;
      const maxc = S.dim ? Math.floor(32768 / (S.dim * elem)) : 300;
      const count = rnd() < 0.1 ? maxc + ri(1, 3) : ri(0, Math.min(maxc, 200));
      const n = count * S.dim * elem;
      const bytes = bytesOf(dtype === 0 ? (rnd() < 0.2 ? 'f16wild' : 'f16') : 'u8', Math.min(n, 40000));
      const ret = both('rvf_load_block', (h) => ({ ret: h.e.rvf_load_block(h.put(bytes), count, dtype) }), false, ` count ${count} dtype ${dtype}`);
      if (ret === 0) Object.assign(S, { count, dtype });
    } else if (what === 'dist') {
      const metric = rnd() < 0.05 ? pick([4, -1, 100]) : ri(0, 3);
      const elem = [2, 1, 4][S.dtype];
      if (S.dtype === 2 && metric >= 0 && metric <= 3) continue; // f32 blocks: Fix 5
      if (S.dtype === 1 && metric >= 0 && metric <= 2) continue; // i8 metrics 0-2: Fix 4
      if (S.dtype > 2) continue;
      const qbytes = metric === 3 ? S.dim * elem : S.dim * 2;
      // Both must read bytes they hold alike: rows up to the PQ table at 0xC000 (a NaN in the
      // table has engine-specific bits, which a Hamming distance over raw bytes would expose), the
      // query up to the neighbour pointer at data 0x1000 (a host address, different per module).
      if (S.count * S.dim * elem > 0xC000 || 0x40 + qbytes > 0x1000) continue;
      both('rvf_distances', (h) => {
        const out = h.alloc(S.count * 4 + 16);
        const ret = h.e.rvf_distances(metric, out);
        return { ret, out: h.get(out, S.count * 4 + 16) };
      }, true, ` metric ${metric} dim ${S.dim} count ${S.count} dtype ${S.dtype}`);
    } else if (what === 'merge') {
      const k = rnd() < 0.1 ? pick([17, 100, -1]) : ri(1, 16);
      const count = ri(0, 40);
      const d = new Float32Array(count), ids = new BigUint64Array(count);
      for (let i = 0; i < count; i++) {
        let v;
        do {
          f32[0] = (rnd() < 0.5 ? rnd() : rnd() * 1000) + 1e-6;
          v = f32[0];
        } while (S.dists.has(v)); // distinct distances: ties are Fix 6/7
        if (k >= 1 && k <= 16) S.dists.add(v);
        d[i] = v;
        ids[i] = BigInt(ri(0, 0xffffffff)) * 65536n + BigInt(ri(0, 0xffff));
      }
      both('rvf_topk_merge', (h) => ({ ret: h.e.rvf_topk_merge(h.put(new Uint8Array(d.buffer)), h.put(new Uint8Array(ids.buffer)), count, k) }), false, ` k ${k}`);
    } else if (what === 'read') {
      both('rvf_topk_read', (h) => {
        const out = h.alloc(16 * 12 + 8);
        const ret = h.e.rvf_topk_read(out);
        return { ret, out: h.get(out, 16 * 12 + 8) };
      });
    } else if (what === 'sq') {
      const dim = rnd() < 0.1 ? ri(129, 300) : ri(0, 128);
      if (dim > 128) continue; // extended SQ params: Fix 8
      const p = new Float32Array(dim * 2);
      for (let i = 0; i < dim; i++) {
        p[2 * i] = rnd() * 2 - 1;
        p[2 * i + 1] = p[2 * i] + rnd() * 3;
      }
      both('rvf_load_sq_params', (h) => ({ ret: h.e.rvf_load_sq_params(h.put(new Uint8Array(p.buffer)), dim) }));
    } else if (what === 'dequant') {
      const count = ri(0, 500);
      if (S.dim && 0x400 + Math.min(S.dim, count) * 8 > 0x1000) continue; // would read the neighbour pointer
      const src = bytesOf('u8', count);
      both('rvf_dequant_i8', (h) => {
        const dst = h.alloc(count * 2 + 8);
        const ret = h.e.rvf_dequant_i8(h.put(src), dst, count);
        return { ret, out: h.get(dst, count * 2 + 8) };
      }, false, ` count ${count} dim ${S.dim}`);
    } else if (what === 'cb') {
      const m = rnd() < 0.05 ? 0 : ri(1, Math.max(1, Math.min(S.dim || 8, 48)));
      const sub = m ? Math.floor(S.dim / m) : 0;
      const k = ri(0, sub ? Math.min(256, Math.floor(16384 / (2 * m * sub)) + (rnd() < 0.1 ? 2 : 0)) : 64);
      const n = m * k * sub * 2;
      const cb = bytesOf('f16', Math.min(n, 17000));
      const ret = both('rvf_load_pq_codebook', (h) => ({ ret: h.e.rvf_load_pq_codebook(h.put(cb), m, k) }), false, ` m ${m} k ${k}`);
      if (ret === 0) Object.assign(S, { m, k });
    } else if (what === 'pq') {
      const count = ri(0, 300);
      const sub = S.m ? Math.floor(S.dim / S.m) : 0;
      if (S.m * S.k > 4096) continue; // Fix 10
      if (S.m * S.k * sub * 2 > 16384) continue; // dim changed since the codebook: ours refuses
      if (S.dim * 2 + 0x40 > 0x1000) continue;
      const codes = new Uint8Array(count * S.m);
      for (let i = 0; i < codes.length; i++) codes[i] = rnd() < 0.9 ? ri(0, Math.max(0, S.k - 1)) : ri(0, 255);
      both('rvf_pq_distances', (h) => {
        const out = h.alloc(count * 4 + 8);
        const ret = h.e.rvf_pq_distances(h.put(codes), count, out);
        return { ret, out: h.get(out, count * 4 + 8) };
      }, true, ` m ${S.m} k ${S.k} dim ${S.dim} count ${count}`);
    } else if (what === 'greedy') {
      const n = ri(0, 12), list = new Uint8Array(4 + 12 * n), dv = new DataView(list.buffer);
      dv.setUint32(0, n, true);
      const idPool = [0n, 1n, 2n, 3n, 0xffffffffffffffffn, 123456789012345n];
      for (let i = 0; i < n; i++) {
        dv.setBigUint64(4 + 12 * i, pick(idPool), true);
        dv.setFloat32(12 + 12 * i, pick([0.5, 0.25, 1, 3.4028234663852886e38, Infinity, NaN, -1, rnd()]), true);
      }
      const cur = pick([0n, 1n, 2n, -1n, 7n]);
      both('rvf_load_neighbors', (h) => ({ ret: h.e.rvf_load_neighbors(BigInt(ri(-5, 5)), ri(0, 3), h.put(list)) }));
      note('rvf_load_neighbors');
      const rr = ref.e.rvf_greedy_step(cur, 0), oo = ours.e.rvf_greedy_step(cur, 0);
      note('rvf_greedy_step');
      if (rr !== oo) {
        failures++;
        console.log(`MISMATCH seq ${seqNo} rvf_greedy_step: ref ${rr} ours ${oo}`);
      }
    } else if (what === 'header') {
      const hdr = bytesOf('u8', 64);
      if (rnd() < 0.7) hdr.set([0x53, 0x46, 0x56, 0x52], 0);
      if (rnd() < 0.6) hdr[4] = 1;
      both('rvf_verify_header', (h) => ({ ret: h.e.rvf_verify_header(h.put(hdr)) }));
    } else if (what === 'crc') {
      const data = bytesOf('u8', ri(0, 3000));
      both('rvf_crc32c', (h) => ({ ret: h.e.rvf_crc32c(h.put(data), data.length) }));
    }
  }
}

for (let s = 0; s < SEQS; s++) runSequence(s);
const total = Object.values(stats).reduce((a, b) => a + b, 0);
console.log(`reference compatibility: ${SEQS} seeded sequences, ${total} calls on both modules`);
for (const [k, v] of Object.entries(stats).sort()) console.log(`  ${k.padEnd(22)} ${v}`);
console.log(`  (${nanOnly} f32 output buffers differed only in the bits of NaN results)`);
if (failures) {
  console.log(`FAIL: ${failures} mismatching call(s)`);
  process.exit(1);
}
console.log('ok: every result bit-identical to @ruvector/rvf-wasm 0.1.9 (documented Fixes excluded)');

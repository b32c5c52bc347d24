// fuzz-tile-exports.mjs WASM [CALLS] [SEED]: the 14 exports of the tile microkernel called with
// arbitrary (seeded) pointers, lengths and values (RELIABILITY.md; kernel/ABI.md). Pointers go
// anywhere: the host region, the module's own memory (inputs only: the host owns the bytes at or
// above the module's initial size, kernel/ABI.md "Addresses"), the last bytes of memory, exactly
// its end, past it, negative. Counts and dims take boundary, negative and huge values. Between
// random calls the host writes plausible inputs (configurations, fp16 rows, neighbour lists,
// segment headers) so that the deeper paths run too.
// For every call, from kernel/ABI.md:
//   - a trap (WebAssembly.RuntimeError) is allowed only where the ABI documents one: an access
//     outside linear memory (the byte ranges each export reads or writes, computed from its
//     arguments and the configuration); an access that is outside must trap unless the export
//     refuses with -1 first (rvf_init and rvf_greedy_step never trap: they refuse or clip);
//   - the return value is in the documented set, and exact where the ABI fixes it (argument
//     checks, rvf_crc32c, rvf_verify_header, rvf_greedy_step, rvf_topk_read order);
//   - no host byte outside the export's documented output range changes.
// After a documented trap the module is instantiated afresh. Exit 1 on any violation.
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wasmPath = process.argv[2];
if (!wasmPath) {
  console.error('usage: fuzz-tile-exports.mjs rvf_tile.wasm [CALLS] [SEED]');
  process.exit(2);
}
const CALLS = Number(process.env.RVF_TILE_FUZZ_CALLS || process.argv[3] || 50000); // env wins (test-long)
const SEED = Number(process.argv[4] || process.env.RVF_TILE_FUZZ_SEED || 0x7113);
const EXPORTS = readFileSync(join(here, '../../kernel/tile/exports.txt'), 'utf8')
  .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const module = new WebAssembly.Module(readFileSync(wasmPath));
const HOST_PAGES = 2;

// ---- seeded randomness (mulberry32) ----
let rs = SEED >>> 0;
function rnd() {
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ri = (n) => Math.floor(rnd() * n);
const pick = (a) => a[ri(a.length)];
const u32 = () => (rnd() * 4294967296) >>> 0;

// ---- the instance and the model of its state that the ABI makes observable ----
let inst, mem, base, end, u8, dv, st, template;
function fresh() {
  inst = new WebAssembly.Instance(module, {});
  mem = inst.exports.memory;
  base = mem.buffer.byteLength; // the host owns [base, end)
  mem.grow(HOST_PAGES);
  end = mem.buffer.byteLength;
  u8 = new Uint8Array(mem.buffer);
  dv = new DataView(mem.buffer);
  if (!template) {
    template = new Uint8Array(end - base);
    for (let i = 0; i < template.length; i++) template[i] = u32() & 0xff;
  }
  u8.set(template, base);
  // configuration fields (kernel/ABI.md "Memory map"), the registered neighbour list
  st = { dim: 0, count: 0, dtype: 0, pqM: 0, pqK: 0, nb: 0 };
}

// ---- argument generators ----
const BOUNDARY = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 48, 63, 64, 95, 96, 97, 127, 128,
  129, 383, 384, 385, 1024, 4096, 8192, 16384, 16385, 32768, 32769, 65536, -1, -2, -64,
  0x7fffffff, -0x80000000];
function count() {
  const r = rnd();
  if (r < 0.45) return pick(BOUNDARY);
  if (r < 0.8) return ri(600);
  if (r < 0.9) return ri(40000);
  return u32() | 0;
}
function ptr(input) {
  const r = rnd();
  if (r < 0.45) return base + ri(end - base); // anywhere in the host region
  if (r < 0.55) return base + ri(4096) * 8; // low host region, aligned
  if (r < 0.7) return end - ri(800); // the last bytes
  if (r < 0.73) return end;
  if (r < 0.78) return end + ri(1 << 20);
  if (r < 0.84) return pick([0x7fffffff, -1, -8, -64, -0x80000000, 0x40000000, end + 65536]);
  if (r < 0.92 && input) return ri(base); // the module's own memory: reading it is harmless
  return 0 + (input ? 0 : base); // address 0 for inputs; for outputs the host region's start
}
const hostPtr = (room) => base + ri(Math.max(1, end - base - room));

// Plausible inputs written into host memory now and then.
const HALVES = [0x7c00, 0x7e01, 0x0001]; // Inf, NaN, the smallest subnormal
function plant() {
  const r = rnd();
  if (r < 0.25) { // a configuration
    const p = hostPtr(64);
    for (let i = 0; i < 64; i += 4) dv.setUint32(p + i, u32(), true);
    dv.setUint32(p + 4, pick([0, 1, 2, 8, 16, 96, 97, 384, 385, ri(500), u32()]), true);
    dv.setUint32(p + 8, pick([0, 1, 4, 16, 42, 170, ri(300), u32()]), true);
    dv.setUint32(p + 12, pick([0, 1, 2, 3, u32()]), true);
    dv.setUint32(p + 16, pick([0, 1, 2, 4, 8, 16, 48, ri(100), u32()]), true);
    dv.setUint32(p + 20, pick([0, 1, 16, 64, 256, ri(300), u32()]), true);
    return p;
  }
  if (r < 0.55) { // fp16 / f32 values, including NaN, Inf and subnormals
    const n = ri(8192), p = hostPtr(2 * n);
    for (let i = 0; i < n; i++) {
      const r2 = ri(10);
      dv.setUint16(p + 2 * i, r2 < 7 ? u32() & (r2 < 4 ? 0x3fff : 0xffff) : HALVES[r2 - 7], true);
    }
    return p;
  }
  if (r < 0.8) { // a neighbour list
    const n = ri(40), p = hostPtr(4 + 12 * n);
    dv.setUint32(p, pick([n, n + ri(5), 0, 0xffffffff]), true);
    for (let i = 0; i < n; i++) {
      dv.setBigUint64(p + 4 + 12 * i, BigInt(ri(50)) | (rnd() < 0.05 ? 0xffffffff00000000n : 0n), true);
      dv.setFloat32(p + 12 + 12 * i, pick([rnd() * 10, NaN, Infinity, 3.4028234663852886e38, -1, 0, -0]), true);
    }
    return p;
  }
  const p = hostPtr(64); // a segment header
  dv.setUint32(p, pick([0x52564653, 0x52564653, 0x52564652]), true);
  u8[p + 4] = pick([1, 1, 0, 2]);
  return p;
}

// ---- oracles ----
const oob = (p, n) => n > 0 && (p >>> 0) + n > end;
const CRC_T = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  CRC_T[i] = c >>> 0;
}
function crc32c(p, n) {
  let c = 0xffffffff;
  for (let i = 0; i < n; i++) c = CRC_T[(c ^ u8[p + i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) | 0;
}
const FLT_MAX = 3.4028234663852886e38;
function greedyExpect(cur) {
  const p = st.nb;
  if (!p || p >= end || end - p < 4) return -1n;
  let n = dv.getUint32(p, true);
  n = Math.min(n, Math.floor((end - p - 4) / 12));
  let best = -1n, bd = FLT_MAX;
  for (let i = 0; i < n; i++) {
    const id = dv.getBigUint64(p + 4 + 12 * i, true), d = dv.getFloat32(p + 12 + 12 * i, true);
    if (id !== BigInt.asUintN(64, cur) && d < bd) { bd = d; best = BigInt.asIntN(64, id); }
  }
  return best;
}
const elem = (t) => [2, 1, 4][t] ?? 0;

// One call: returns {args, trapOk, mustTrapOrFail, check(ret) -> error string | '', outs: [[p, n]]}
function plan(name) {
  const E = inst.exports;
  switch (name) {
    case 'rvf_init': {
      const p = rnd() < 0.5 ? plant() : ptr(true);
      const ok = (p >>> 0) + 64 <= end;
      const cfg = ok ? [4, 8, 12, 16, 20].map((o) => dv.getUint32((p >>> 0) + o, true)) : null;
      return { call: () => E.rvf_init(p), trapOk: false, expect: ok ? 0 : -1,
        after: (r) => { if (r === 0) [st.dim, st.count, st.dtype, st.pqM, st.pqK] = cfg; } };
    }
    case 'rvf_load_query': {
      const d = rnd() < 0.6 ? pick([0, 1, 4, 8, 16, 32, 96, 97, 200, 384]) : count();
      const p = rnd() < 0.6 ? hostPtr(800) : ptr(true);
      const bad = (d >>> 0) > 384;
      return { call: () => E.rvf_load_query(p, d), trapOk: !bad && oob(p, 2 * d), mustTrap: true,
        expect: bad ? -1 : 0, after: (r) => { if (r === 0) st.dim = d >>> 0; } };
    }
    case 'rvf_load_block': {
      const c = rnd() < 0.6 ? ri(50) : count(), t = rnd() < 0.8 ? ri(3) : pick([3, -1, u32() | 0]);
      const p = rnd() < 0.6 ? hostPtr(32768) : ptr(true);
      const bad = (t >>> 0) > 2 || c < 0, n = bad ? 0 : c * st.dim * elem(t);
      const refused = bad || n > 32768;
      return { call: () => E.rvf_load_block(p, c, t), trapOk: !refused && oob(p, n), mustTrap: true,
        expect: refused ? -1 : 0, after: (r) => { if (r === 0) { st.dtype = t; st.count = c; } } };
    }
    case 'rvf_distances': {
      const m = rnd() < 0.8 ? ri(4) : pick([4, -1, u32() | 0]), p = ptr(false);
      const n = 4 * st.count;
      return { call: () => E.rvf_distances(m, p), trapOk: oob(p, n), mustTrap: false,
        check: (r) => (r === -1 || r === (st.count | 0) ? '' : `returned ${r}, count is ${st.count}`),
        outs: (r) => (r > 0 ? [[p >>> 0, 4 * r]] : []) };
    }
    case 'rvf_topk_merge': {
      const c = rnd() < 0.7 ? ri(40) : count(), k = rnd() < 0.8 ? ri(18) : pick([-1, 17, u32() | 0]);
      const pd = rnd() < 0.5 ? hostPtr(4 * 40) : ptr(true), pi = rnd() < 0.5 ? hostPtr(8 * 40) : ptr(true);
      const bad = (k >>> 0) > 16 || c < 0;
      return { call: () => E.rvf_topk_merge(pd, pi, c, k), mustTrap: true,
        trapOk: !bad && k > 0 && (oob(pd, 4 * c) || oob(pi, 8 * c)), expect: bad ? -1 : 0 };
    }
    case 'rvf_topk_read': {
      const p = ptr(false);
      // the heap's size is not modelled: a trap is allowed where 16 entries would not fit, and a
      // call that returns n must have had room for n entries (checked on `outs` below)
      return { call: () => E.rvf_topk_read(p), trapOk: oob(p, 12 * 16), mustTrap: null,
        check: (r) => {
          if (!(r >= 0 && r <= 16)) return `returned ${r}`;
          for (let i = 1; i < r; i++) {
            const a = (p >>> 0) + 12 * (i - 1), b = a + 12;
            const da = dv.getFloat32(a + 8, true), db = dv.getFloat32(b + 8, true);
            const ia = dv.getBigUint64(a, true), ib = dv.getBigUint64(b, true);
            if (da > db || (da === db && ia > ib)) return `entries ${i - 1} and ${i} out of order`;
          }
          return '';
        },
        outs: (r) => (r > 0 ? [[p >>> 0, 12 * r]] : []) };
    }
    case 'rvf_load_sq_params': {
      const d = rnd() < 0.6 ? pick([0, 1, 8, 96, 128, 129, 384]) : count();
      const p = rnd() < 0.5 ? hostPtr(3072) : ptr(true), bad = (d >>> 0) > 384;
      return { call: () => E.rvf_load_sq_params(p, d), trapOk: !bad && oob(p, 8 * d), mustTrap: true,
        expect: bad ? -1 : 0 };
    }
    case 'rvf_dequant_i8': {
      const c = rnd() < 0.6 ? ri(600) : count();
      const ps = rnd() < 0.5 ? hostPtr(600) : ptr(true), pd = rnd() < 0.5 ? hostPtr(1200) : ptr(false);
      const bad = !st.dim || c < 0;
      return { call: () => E.rvf_dequant_i8(ps, pd, c), mustTrap: false,
        trapOk: !bad && (oob(ps, c) || oob(pd, 2 * c)),
        check: (r) => (r === -1 || (r === 0 && !bad) ? '' : `returned ${r}`),
        outs: (r) => (r === 0 ? [[pd >>> 0, 2 * c]] : []) };
    }
    case 'rvf_load_pq_codebook': {
      const m = rnd() < 0.7 ? pick([0, 1, 2, 4, 8, 16, 48, 96]) : count();
      const k = rnd() < 0.7 ? pick([0, 1, 4, 16, 64, 256]) : count();
      const p = rnd() < 0.5 ? hostPtr(16384) : ptr(true);
      const sub = m === 0 ? 0 : Math.floor(st.dim / (m >>> 0)), n = (m >>> 0) * (k >>> 0) * sub * 2;
      const refused = m === 0 || n > 16384;
      return { call: () => E.rvf_load_pq_codebook(p, m, k), trapOk: !refused && oob(p, n),
        mustTrap: true, expect: refused ? -1 : 0,
        after: (r) => { if (r === 0) { st.pqM = m >>> 0; st.pqK = k >>> 0; } } };
    }
    case 'rvf_pq_distances': {
      const c = rnd() < 0.7 ? ri(100) : count();
      const pc = rnd() < 0.5 ? hostPtr(100 * 96) : ptr(true), pr = ptr(false);
      return { call: () => E.rvf_pq_distances(pc, c, pr), mustTrap: false,
        trapOk: c > 0 && (oob(pc, c * st.pqM) || oob(pr, 4 * c)),
        check: (r) => (r === -1 || r === c ? '' : `returned ${r}, count ${c}`),
        outs: (r) => (r > 0 ? [[pr >>> 0, 4 * r]] : []) };
    }
    case 'rvf_load_neighbors': {
      const p = rnd() < 0.6 ? plant() : ptr(true);
      const node = BigInt.asIntN(64, BigInt(u32()) << 32n | BigInt(u32()));
      return { call: () => E.rvf_load_neighbors(node, count(), p), trapOk: false, expect: 0,
        after: () => { st.nb = p >>> 0; } };
    }
    case 'rvf_greedy_step': {
      const cur = rnd() < 0.7 ? BigInt(ri(50)) : BigInt.asIntN(64, BigInt(u32()) << 32n | BigInt(u32()));
      const want = greedyExpect(cur);
      return { call: () => E.rvf_greedy_step(cur, count()), trapOk: false, expect: want };
    }
    case 'rvf_verify_header': {
      const p = rnd() < 0.5 ? plant() : ptr(true);
      let want = null;
      if (!oob(p, 5)) {
        const q = p >>> 0;
        want = dv.getUint32(q, true) !== 0x52564653 ? 1 : u8[q + 4] !== 1 ? 2 : 0;
      }
      return { call: () => E.rvf_verify_header(p), trapOk: oob(p, 5), mustTrap: true,
        expect: want };
    }
    case 'rvf_crc32c': {
      const n = rnd() < 0.6 ? ri(5000) : count(), p = rnd() < 0.6 ? hostPtr(5000) : ptr(true);
      const len = n < 0 ? 0 : n;
      return { call: () => E.rvf_crc32c(p, n), trapOk: oob(p, len), mustTrap: true,
        expect: oob(p, len) ? null : crc32c(p >>> 0, len) };
    }
    default:
      throw new Error(`no plan for export ${name}`);
  }
}

// ---- the run ----
fresh();
const stats = Object.fromEntries(EXPORTS.map((n) => [n, { calls: 0, traps: 0, refused: 0 }]));
let failures = 0, before = null;
function fail(msg) {
  failures++;
  if (failures <= 20) console.error(`FAIL ${msg}`);
}
const t0 = performance.now();
for (let i = 0; i < CALLS; i++) {
  if (rnd() < 0.15) plant();
  if (rnd() < 0.01) for (let j = 0; j < 64; j++) dv.setUint32(base + 4 * ri((end - base) / 4), u32(), true);
  const name = EXPORTS[ri(EXPORTS.length)];
  const s = stats[name];
  s.calls++;
  const p = plan(name);
  if (!before || before.length !== end - base) before = new Uint8Array(end - base);
  before.set(u8.subarray(base, end));
  let ret, trapped = null;
  try {
    ret = p.call();
  } catch (e) {
    trapped = e;
  }
  const where = `call ${i} ${name}`;
  if (trapped) {
    if (!(trapped instanceof WebAssembly.RuntimeError)) fail(`${where}: threw ${trapped}`);
    else if (!p.trapOk) fail(`${where}: trapped (${trapped.message}) on an in-bounds call`);
    s.traps++;
    fresh(); // a trapped instance is discarded, as a hub does
    continue;
  }
  if (typeof ret === 'bigint' ? ret === -1n : ret === -1) s.refused++;
  if (p.trapOk && p.mustTrap && ret !== -1) fail(`${where}: an access outside memory did not trap (returned ${ret})`);
  if (p.trapOk && p.mustTrap === false && ret !== -1) fail(`${where}: wrote outside memory without a trap (returned ${ret})`);
  if ('expect' in p && p.expect !== null && ret !== p.expect) fail(`${where}: returned ${ret}, expected ${p.expect}`);
  if (p.check) {
    const e = p.check(ret);
    if (e) fail(`${where}: ${e}`);
  }
  if (p.after) p.after(ret);
  // no host byte outside the documented output range changed
  const outs = p.outs ? p.outs(ret) : [];
  for (const [o, n] of outs) if (n > 0 && o + n > end) fail(`${where}: returned ${ret}: wrote past the end of memory without a trap`);
  const now = u8.subarray(base, end);
  if (Buffer.compare(before, now) !== 0) {
    for (let j = 0; j < before.length; j++) {
      if (before[j] === now[j]) continue;
      const a = base + j;
      if (!outs.some(([o, n]) => a >= o && a < o + n)) {
        fail(`${where}: host byte ${a} changed outside the output range ${JSON.stringify(outs)}`);
        break;
      }
    }
  }
}
const ms = performance.now() - t0;
const missing = EXPORTS.filter((n) => stats[n].calls < 100);
if (EXPORTS.length !== 14) fail(`kernel/tile/exports.txt lists ${EXPORTS.length} exports, not 14`);
if (missing.length) fail(`exports called fewer than 100 times: ${missing.join(', ')}`);
console.log(`tile export fuzz: ${CALLS} calls (seed ${SEED}) in ${(ms / 1000).toFixed(1)} s, ${failures} failures`);
console.log('  export                 calls   -1 returns   documented traps (out-of-memory accesses)');
for (const n of EXPORTS) {
  const s = stats[n];
  console.log(`  ${n.padEnd(22)} ${String(s.calls).padStart(6)} ${String(s.refused).padStart(12)} ${String(s.traps).padStart(10)}`);
}
if (process.env.RVF_SUMMARY) {
  appendFileSync(process.env.RVF_SUMMARY, `tile export fuzz: ${CALLS} calls (seed ${SEED}), ` +
    `${EXPORTS.map((n) => `${n} ${stats[n].calls}/${stats[n].traps}`).join(', ')} ` +
    `(calls/documented traps), ${failures} failures\n`);
}
process.exit(failures ? 1 : 0);

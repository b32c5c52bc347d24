#!/usr/bin/env node
// hub.mjs: the Node hub of the Cognitum tile simulator (RVF-BRIEF §11.5, §11.6, §12, §15.5).
// An array of tiles (tile.mjs: the 14-export microkernel under the tile's limits) shares a query
// set; the hub talks to them only through framed messages (protocol.mjs), in push mode (it
// streams fp16 or i8 blocks, the tiles score and keep a top-K) and pull mode (the tile drives an
// HNSW search, asking NEED_NEIGHBORS / NEED_BLOCK). Faults (trap, out-of-bounds, timeout,
// corrupted message) are detected, the tile restarted fresh and its work given to another tile.
//
//   node tile-sim/hub.mjs [--wasm build/kernel/rvf_tile.wasm] [--tiles 8] [--blocks 1024]
//        [--block 32] [--dim 64] [--queries 16] [--k 10] [--faults 16] [--json]
//     the acceptance run of §15.5 (exit 1 if any check fails)
//   node tile-sim/hub.mjs --boot-from STORE.rvf [--row N | --vector JSON] [--k 10]
//     boot a tile from the store's WASM_SEG alone and query the store's vectors (JSON out)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MSG, MSG_NAME, TILE_ERR, TILE_ERR_NAME, PAYLOAD_MAX, encodeFrame, decodeFrame, payloadLoadQuery, payloadLoadBlock,
  payloadLoadNeighbors, payloadsLoadParamsSQ, payloadCompute } from './protocol.mjs';
import { Tile, TileFault, compileMicrokernel, CFG_K, CFG_METRIC, BLOCK_CAP } from './tile.mjs';
import { f32ToF16, f16ToF32, TILE_DTYPE, TILE_METRIC } from './tile-abi.mjs';
import { findMicrokernel, readVectors } from './rvf-file.mjs';

const NONE = 0xffffffffffffffffn; // "no node": the pseudo-list that carries the entry point
export const FAULT_KINDS = ['trap', 'oob', 'timeout', 'corrupt-in', 'corrupt-out'];
const EXPECTED_CODE = { trap: TILE_ERR.TRAP, oob: TILE_ERR.TRAP, timeout: TILE_ERR.TIMEOUT, 'corrupt-in': TILE_ERR.INVALID_MSG, 'corrupt-out': TILE_ERR.INVALID_MSG };

// ---- data ---------------------------------------------------------------------------------------
export function rng(seed) { // mulberry32
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** n clustered f32 vectors (rows), their fp16 codes, and the fp16 values back as f32. */
export function makeDataset(n, dim, seed = 0x5eed, clusters = 32, spread = 0.8) {
  const r = rng(seed);
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, () => r() * 2 - 1));
  const f32 = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(r() * clusters)];
    for (let d = 0; d < dim; d++) f32[i * dim + d] = c[d] + (r() - 0.5) * 2 * spread;
  }
  return { n, dim, f32, ...quantizeF16(f32) };
}
/** nq queries near stored vectors (a stored vector plus noise), drawn from the first `among`. */
export function makeQueries(ds, nq, among, seed = 0xbeef) {
  const r = rng(seed), f32 = new Float32Array(nq * ds.dim);
  for (let q = 0; q < nq; q++) {
    const src = Math.floor(r() * among);
    for (let d = 0; d < ds.dim; d++) f32[q * ds.dim + d] = ds.f32[src * ds.dim + d] + (r() - 0.5) * 0.2;
  }
  return { n: nq, dim: ds.dim, f32, ...quantizeF16(f32) };
}
export function quantizeF16(f32) {
  const h = new Uint16Array(f32.length), back = new Float32Array(f32.length);
  for (let i = 0; i < f32.length; i++) { h[i] = f32ToF16(f32[i]); back[i] = f16ToF32(h[i]); }
  return { f16: h, f16f: back };
}
/** Per-dimension SQ params (§5.5: min[], max[]; the tile wants [min, max] pairs) and i8 codes. */
export function quantizeSQ(f32, dim) {
  const n = f32.length / dim, mm = new Float32Array(2 * dim), codes = new Int8Array(f32.length);
  for (let d = 0; d < dim; d++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { lo = Math.min(lo, f32[i * dim + d]); hi = Math.max(hi, f32[i * dim + d]); }
    mm[2 * d] = lo; mm[2 * d + 1] = hi;
  }
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) {
      const lo = mm[2 * d], hi = mm[2 * d + 1];
      codes[i * dim + d] = Math.max(0, Math.min(255, Math.round(((f32[i * dim + d] - lo) / (hi - lo || 1)) * 255))) - 128;
    }
  return { minmax: mm, codes };
}

// ---- brute force (the checks) -----------------------------------------------------------------
/** Squared L2 accumulated sequentially in f32, as the tile and §8.1 do. */
export function l2f(a, ao, b, bo, dim) {
  let acc = 0;
  for (let d = 0; d < dim; d++) {
    const x = Math.fround(a[ao + d] - b[bo + d]);
    acc = Math.fround(acc + Math.fround(x * x));
  }
  return acc;
}
export function bruteForce(rows, q, qo, dim, n, k) {
  const all = new Array(n);
  for (let i = 0; i < n; i++) all[i] = { id: i, dist: l2f(q, qo, rows, i * dim, dim) };
  all.sort((a, b) => a.dist - b.dist || a.id - b.id);
  return all.slice(0, k);
}
/** A bound on |L2(fp16 q, fp16 v) - L2(q, v)| from fp16 rounding (relative 2^-11 per element)
 * plus the f32 accumulation (2 dim 2^-24 of the sum). */
export function f16Tolerance(q, qo, v, vo, dim) {
  let b = 0, s = 0;
  for (let d = 0; d < dim; d++) {
    const e = (Math.abs(q[qo + d]) + Math.abs(v[vo + d])) * 2 ** -11 + 2 ** -24, x = Math.abs(q[qo + d] - v[vo + d]);
    b += 2 * x * e + e * e;
    s += x * x;
  }
  return b + 2 * dim * 2 ** -24 * s;
}

// ---- the hub ----------------------------------------------------------------------------------
export class HubFault extends Error {
  constructor(code, kind, message) { super(message); this.code = code; this.kind = kind; }
}

export class Hub {
  /** faults: [{tile, at, kind}]: when tile slot `tile` receives its `at`-th message (counted across
   * restarts) it misbehaves as `kind` (FAULT_KINDS). */
  constructor(module, { tiles = 8, faults = [], log = () => {} } = {}) {
    this.module = module;
    this.tiles = Array.from({ length: tiles }, (_, i) => new Tile(module, i));
    this.sent = new Array(tiles).fill(0);
    this.plan = faults;
    this.log = log;
    this.msgId = 0;
    this.cursor = 0;
    this.stats = { messages: 0, bytes: 0, blocks: 0, needNeighbors: 0, needBlock: 0, units: 0, reassigned: 0 };
    this.faults = []; // detected: {tile, kind, code, injected}
  }

  /** Send one message to tile t; returns the decoded answer or null. Faults throw HubFault. */
  send(t, type, payload, expect = []) {
    const tile = this.tiles[t], id = ++this.msgId;
    const frame = encodeFrame(type, id, payload);
    const n = ++this.sent[t];
    const inj = this.plan.find((f) => f.tile === t && f.at === n);
    if (inj) {
      this.injected = inj;
      if (inj.kind === 'corrupt-in') frame[inj.bit % frame.length] ^= 1 << (inj.bit & 7);
      else tile.pendingFault = { kind: inj.kind === 'corrupt-out' ? 'corrupt' : inj.kind, bit: inj.bit };
    }
    this.stats.messages++;
    this.stats.bytes += frame.length;
    let out;
    try {
      out = tile.deliver(frame);
    } catch (err) {
      if (err instanceof TileFault) throw new HubFault(err.code, err.kind, err.message);
      throw err;
    }
    if (!out) {
      if (expect.length) throw new HubFault(TILE_ERR.TIMEOUT, 'silent', `tile ${t}: no answer to ${MSG_NAME[type]}`);
      return null;
    }
    const a = decodeFrame(out);
    if (a.error) throw new HubFault(a.error, 'invalid-msg', `tile ${t}: answer to ${MSG_NAME[type]}: ${a.why}`);
    if (a.type === MSG.ERROR) {
      const code = a.payload[0] | (a.payload[1] << 8);
      throw new HubFault(code, 'tile-error', `tile ${t}: ERROR ${TILE_ERR_NAME[code] ?? code} for ${MSG_NAME[type]}`);
    }
    if (a.id !== id || !expect.includes(a.type))
      throw new HubFault(TILE_ERR.INVALID_MSG, 'invalid-msg', `tile ${t}: unexpected ${MSG_NAME[a.type]} (id ${a.id}) to ${MSG_NAME[type]} (id ${id})`);
    return a;
  }

  reset(t, dim, k, metric) {
    const cfg = new Uint8Array(64), v = new DataView(cfg.buffer);
    v.setUint32(4, dim, true);
    cfg[CFG_K] = k;
    cfg[CFG_METRIC] = metric;
    this.send(t, MSG.RESET, cfg);
  }
  /** Stream one block as LOAD_BLOCK chunks; returns the answer to the last chunk. */
  sendBlock(t, ids, rows, rowBytes, dtype, expectLast = []) {
    const per = Math.max(1, Math.floor((PAYLOAD_MAX - 4) / (8 + rowBytes)));
    let ans = null;
    for (let s = 0; s < ids.length || s === 0; s += per) {
      const e = Math.min(ids.length, s + per), last = e === ids.length;
      ans = this.send(t, MSG.LOAD_BLOCK, payloadLoadBlock(ids.slice(s, e), rows.subarray(s * rowBytes, e * rowBytes), dtype, last), last ? expectLast : []);
      if (last) break;
    }
    this.stats.blocks++;
    return ans;
  }
  readTopk(t, k, validIds) {
    const a = this.send(t, MSG.READ_TOPK, undefined, [MSG.TOPK_RESULT]);
    const v = new DataView(a.payload.buffer, a.payload.byteOffset, a.payload.byteLength);
    const n = a.payload.length >= 4 ? v.getUint32(0, true) : -1;
    if (!(n >= 0 && n <= k && a.payload.length === 4 + 12 * n)) throw new HubFault(TILE_ERR.INVALID_MSG, 'bad-result', `tile ${t}: TOPK_RESULT of ${n} entries`);
    const hits = [];
    for (let i = 0; i < n; i++) {
      const id = v.getBigUint64(4 + 12 * i, true), dist = v.getFloat32(12 + 12 * i, true);
      if (!validIds(id) || (i && (dist < hits[i - 1].dist || (dist === hits[i - 1].dist && Number(id) < hits[i - 1].id))))
        throw new HubFault(TILE_ERR.INVALID_MSG, 'bad-result', `tile ${t}: TOPK_RESULT entry ${i} (id ${id}) is not valid`);
      hits.push({ id: Number(id), dist });
    }
    return hits;
  }

  /** Run units (objects with .run(hub, t)) over the array; a faulted tile is restarted and its
   * unit given to the next tile. Returns the units' results in order. */
  runAll(units) {
    const results = new Array(units.length), queue = units.map((u, i) => ({ u, i, avoid: -1, attempts: 0 }));
    while (queue.length) {
      const job = queue.shift();
      let t = this.cursor++ % this.tiles.length;
      if (t === job.avoid) t = this.cursor++ % this.tiles.length;
      this.injected = null;
      try {
        results[job.i] = job.u.run(this, t);
        this.stats.units++;
        if (this.injected) throw new Error(`injected fault ${JSON.stringify(this.injected)} on tile ${t} went undetected`);
      } catch (err) {
        if (!(err instanceof HubFault)) throw err;
        this.faults.push({ tile: t, kind: err.kind, code: err.code, injected: this.injected, message: err.message });
        this.log(`  fault: ${err.message} -> tile ${t} restarted, unit ${job.i} reassigned`);
        this.tiles[t].restart();
        this.stats.reassigned++;
        if (++job.attempts > 2 * this.tiles.length) throw new Error(`unit ${job.i} faulted on ${job.attempts} attempts: ${err.message}`);
        queue.unshift({ ...job, avoid: t });
      }
    }
    return results;
  }
}

/** Push mode: one query against a range of blocks (RESET, LOAD_QUERY, [LOAD_PARAMS],
 * (LOAD_BLOCK+ COMPUTE)*, READ_TOPK -> TOPK_RESULT). */
export function pushUnit({ qf16, dim, k, metric = TILE_METRIC.L2, blocks, sq }) {
  return {
    run(hub, t) {
      hub.reset(t, dim, k, metric);
      hub.send(t, MSG.LOAD_QUERY, payloadLoadQuery(qf16));
      if (sq) for (const p of payloadsLoadParamsSQ(sq)) hub.send(t, MSG.LOAD_PARAMS, p);
      for (const b of blocks) {
        hub.sendBlock(t, b.ids, b.rows, b.rowBytes, b.dtype);
        hub.send(t, MSG.COMPUTE, payloadCompute(metric, k));
      }
      const lo = blocks[0].ids[0], hi = blocks[blocks.length - 1].ids.at(-1);
      return hub.readTopk(t, k, (id) => id >= BigInt(lo) && id <= BigInt(hi));
    },
  };
}

/** Pull mode: the tile drives an HNSW search over `graph` (see buildGraph); the hub answers
 * NEED_NEIGHBORS with LOAD_NEIGHBORS and NEED_BLOCK with the list's vectors. */
export function pullUnit({ qf16, dim, k, ef = 16, graph, rowsF16 }) {
  return {
    run(hub, t) {
      hub.reset(t, dim, ef, TILE_METRIC.L2); // the tile's top-K heap is the search's beam (<= 16)
      hub.send(t, MSG.LOAD_QUERY, payloadLoadQuery(qf16));
      let list = { node: NONE, ids: [graph.entry] };
      let a = hub.send(t, MSG.LOAD_NEIGHBORS, payloadLoadNeighbors(NONE, graph.levels[graph.entry], list.ids), [MSG.NEED_BLOCK, MSG.NEED_NEIGHBORS, MSG.DONE]);
      const want = [MSG.NEED_BLOCK, MSG.NEED_NEIGHBORS, MSG.DONE];
      for (let steps = 0; a.type !== MSG.DONE; steps++) {
        if (steps > 4096) throw new HubFault(TILE_ERR.TIMEOUT, 'timeout', `tile ${t}: pull search did not finish`);
        const v = new DataView(a.payload.buffer, a.payload.byteOffset, a.payload.byteLength);
        if (a.type === MSG.NEED_BLOCK) {
          hub.stats.needBlock++;
          if (a.payload.length !== 8 || v.getBigUint64(0, true) !== BigInt.asUintN(64, BigInt(list.node)))
            throw new HubFault(TILE_ERR.INVALID_MSG, 'invalid-msg', `tile ${t}: NEED_BLOCK for a list it does not hold`);
          const rows = new Uint8Array(list.ids.length * dim * 2);
          list.ids.forEach((id, i) => rows.set(new Uint8Array(rowsF16.buffer, id * dim * 2, dim * 2), i * dim * 2));
          a = hub.sendBlock(t, list.ids, rows, dim * 2, TILE_DTYPE.F16, want);
        } else {
          hub.stats.needNeighbors++;
          const node = a.payload.length === 12 ? v.getBigUint64(0, true) : -1n, layer = v.getUint32(8, true);
          if (!(node >= 0n && node < BigInt(graph.n) && layer <= graph.levels[Number(node)]))
            throw new HubFault(TILE_ERR.INVALID_MSG, 'invalid-msg', `tile ${t}: NEED_NEIGHBORS for node ${node} layer ${layer}`);
          list = { node: Number(node), ids: graph.links[layer][Number(node)] };
          a = hub.send(t, MSG.LOAD_NEIGHBORS, payloadLoadNeighbors(node, layer, list.ids), want);
        }
      }
      return hub.readTopk(t, ef, (id) => id < BigInt(graph.n)).slice(0, k);
    },
  };
}

/** A small HNSW-shaped graph built by brute force over the fp16 values: levels drawn with
 * p = 1/m, layer 0 links to the 2m nearest, layer l > 0 to the m nearest of its level, then made
 * undirected (the nearest kept, at most `cap` per node: 3m, or fewer when a list's vectors would
 * not fit the tile's 32 KB block area). Deterministic. */
export function buildGraph(rowsF, n, dim, m = 16, seed = 7, cap = Math.min(3 * m, Math.floor(BLOCK_CAP / (2 * dim)))) {
  const r = rng(seed), levels = new Array(n);
  for (let i = 0; i < n; i++) { let l = 0; while (r() < 1 / m && l < 6) l++; levels[i] = l; }
  const top = Math.max(...levels), entry = levels.indexOf(top), links = [];
  const dist = (i, j) => { // construction only: plain doubles are enough
    let s = 0;
    for (let d = 0; d < dim; d++) { const x = rowsF[i * dim + d] - rowsF[j * dim + d]; s += x * x; }
    return s;
  };
  const nearest = (i, among, cap) => among.filter((j) => j !== i).map((j) => ({ j, d: dist(i, j) }))
    .sort((a, b) => a.d - b.d || a.j - b.j).slice(0, cap).map((x) => x.j);
  for (let l = 0; l <= top; l++) {
    const nodes = [], lk = new Array(n).fill(null);
    for (let i = 0; i < n; i++) if (levels[i] >= l) nodes.push(i);
    for (const i of nodes) lk[i] = new Set(nearest(i, nodes, l ? m : 2 * m));
    for (const i of nodes) for (const j of lk[i]) lk[j].add(i);
    for (const i of nodes) lk[i] = nearest(i, [...lk[i]], cap);
    links.push(lk);
  }
  return { n, entry, levels, links, top };
}

/** The search pull mode runs, done here directly (no tile, no messages): greedy descent through
 * the upper layers, then a best-first beam of `ef` at layer 0, exact fp16 distances. The tile's
 * answers must equal it. */
export function referencePull(graph, qf, qo, rowsF, dim, ef) {
  const d = (i) => l2f(qf, qo, rowsF, i * dim, dim);
  let cur = graph.entry, cd = d(cur);
  for (let l = graph.top; l > 0; l--)
    for (let moved = true; moved;) {
      moved = false;
      let best = -1, bd = Infinity;
      for (const j of graph.links[l][cur]) { const dj = d(j); if (dj < bd) { bd = dj; best = j; } }
      if (best >= 0 && bd < cd) { cur = best; cd = bd; moved = true; }
    }
  const heap = [{ id: cur, dist: cd }], seen = new Set([cur]), expanded = new Set();
  for (;;) {
    heap.sort((a, b) => a.dist - b.dist || a.id - b.id);
    heap.length = Math.min(heap.length, ef);
    const c = heap.find((h) => !expanded.has(h.id));
    if (!c) return heap;
    expanded.add(c.id);
    for (const j of graph.links[0][c.id]) if (!seen.has(j)) { seen.add(j); heap.push({ id: j, dist: d(j) }); }
  }
}

function blocksOf(ds, blockVectors, dtype, codes) {
  const out = [], rowBytes = dtype === TILE_DTYPE.I8 ? ds.dim : ds.dim * 2;
  const bytes = dtype === TILE_DTYPE.I8 ? new Uint8Array(codes.buffer) : new Uint8Array(ds.f16.buffer);
  for (let s = 0; s < ds.n; s += blockVectors) {
    const e = Math.min(ds.n, s + blockVectors);
    out.push({ ids: Array.from({ length: e - s }, (_, i) => s + i), rows: bytes.subarray(s * rowBytes, e * rowBytes), rowBytes, dtype });
  }
  return out;
}
function mergeTopk(parts, k) {
  return parts.flat().sort((a, b) => a.dist - b.dist || a.id - b.id).slice(0, k);
}
/** n faults spread over the tiles, kinds in turn, at seeded message counts within the first
 * `span` messages of each tile. A tile's faults sit in separate windows at least two units
 * (`unitLen` messages) apart, so each is detected on its own (a corrupted answer shows only at
 * the unit's next answer; a second fault in between would hide it behind the restart). */
export function faultPlan(n, tiles, span, unitLen = 0, seed = 0xfa17) {
  const r = rng(seed), plan = [], w = Math.floor(span / Math.ceil(n / tiles));
  for (let i = 0; i < n; i++) {
    const j = Math.floor(i / tiles);
    plan.push({ tile: i % tiles, at: 3 + j * w + Math.floor(r() * Math.max(1, w - 2 * unitLen)), kind: FAULT_KINDS[i % FAULT_KINDS.length], bit: Math.floor(r() * 4096) });
  }
  return plan;
}

/** Requests a tile must refuse, each with its code; and the code limit. Returns failures. */
export async function protocolChecks(module) {
  const bad = [], t = new Tile(module, 0);
  const ask = (frame) => { const a = decodeFrame(t.deliver(frame) ?? new Uint8Array(0)); return a.type === MSG.ERROR ? a.payload[0] | (a.payload[1] << 8) : -1; };
  const expect = (what, got, code) => { if (got !== code) bad.push(`protocol: ${what}: got ${got}, want 0x${code.toString(16)}`); };
  expect('unknown msg_type', ask(encodeFrame(0x42, 1)), TILE_ERR.UNSUPPORTED_OP);
  expect('LOAD_BLOCK before LOAD_QUERY', ask(encodeFrame(MSG.LOAD_BLOCK, 2, payloadLoadBlock([1], new Uint8Array(8), 0, true))), TILE_ERR.UNSUPPORTED_OP);
  const f = encodeFrame(MSG.READ_TOPK, 3);
  new DataView(f.buffer).setUint16(2, 1, true); // msg_length that does not match the frame
  expect('msg_length mismatch', ask(f), TILE_ERR.INVALID_MSG);
  expect('LOAD_QUERY of 400 dims', ask(encodeFrame(MSG.LOAD_QUERY, 4, payloadLoadQuery(new Uint16Array(400)))), TILE_ERR.UNSUPPORTED_OP);
  expect('LOAD_PARAMS kind PQ', ask(encodeFrame(MSG.LOAD_PARAMS, 5, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0))), TILE_ERR.UNSUPPORTED_OP);
  ask(encodeFrame(MSG.LOAD_QUERY, 6, payloadLoadQuery(new Uint16Array(384))));
  let code = -1; // 768-byte rows: two per chunk; the 43rd row passes the 32 KB block area
  for (let i = 0; i < 22 && code === -1; i++) code = ask(encodeFrame(MSG.LOAD_BLOCK, 7 + i, payloadLoadBlock([2 * i, 2 * i + 1], new Uint8Array(2 * 768), 0, false)));
  expect('a block over the 32 KB block area', code, TILE_ERR.OOM);
  const big = new Uint8Array(8192);
  big.set([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  const refused = await compileMicrokernel(big).then(() => null, (e) => e.code);
  expect('a module of 8192 bytes', refused, TILE_ERR.OOM);
  return bad;
}

// ---- the acceptance run (§15.5) -----------------------------------------------------------------
export async function acceptance(module, o, log = console.log) {
  const { tiles, blocks: nblocks, block: bv, dim, queries: nq, k, faults: nfaults } = o;
  const failures = [];
  const check = (ok, what) => { if (!ok) failures.push(what); return ok; };
  const n = nblocks * bv, ds = makeDataset(n, dim), qs = makeQueries(ds, nq, Math.min(n, o.pullVectors));
  const shards = tiles, perShard = Math.ceil(nblocks / shards);
  const fpBlocks = blocksOf(ds, bv, TILE_DTYPE.F16);
  const report = { tiles, vectors: n, dim, blocks: nblocks, blockVectors: bv, queries: nq, k };

  // 1. push mode, fp16 blocks, faults injected
  const perUnitMsgs = 3 + perShard * (Math.ceil((bv * (8 + 2 * dim)) / (PAYLOAD_MAX - 4)) + 1);
  const plan = faultPlan(nfaults, tiles, perUnitMsgs * Math.floor((nq * shards) / tiles) - 10, perUnitMsgs);
  const hub = new Hub(module, { tiles, faults: plan, log: o.verbose ? log : () => {} });
  const units = [];
  for (let q = 0; q < nq; q++)
    for (let s = 0; s < shards; s++)
      units.push(pushUnit({ qf16: qs.f16.subarray(q * dim, (q + 1) * dim), dim, k, blocks: fpBlocks.slice(s * perShard, (s + 1) * perShard) }));
  let t0 = performance.now();
  const parts = hub.runAll(units);
  const pushMs = performance.now() - t0;
  const push = Array.from({ length: nq }, (_, q) => mergeTopk(parts.slice(q * shards, (q + 1) * shards), k));
  let exact = 0, within = 0, worstRel = 0;
  for (let q = 0; q < nq; q++) {
    const bf16 = bruteForce(ds.f16f, qs.f16f, q * dim, dim, n, k); // the tile's arithmetic, exactly
    const bf32 = bruteForce(ds.f32, qs.f32, q * dim, dim, n, n > 4 * k ? 4 * k : n); // the native runtime's exact scan
    exact += push[q].every((h, i) => h.id === bf16[i].id && Object.is(h.dist, bf16[i].dist));
    let ok = push[q].length === k;
    const tolK = f16Tolerance(qs.f32, q * dim, ds.f32, bf32[k - 1].id * dim, dim);
    for (const h of push[q]) {
      const d32 = l2f(qs.f32, q * dim, ds.f32, h.id * dim, dim), tol = f16Tolerance(qs.f32, q * dim, ds.f32, h.id * dim, dim);
      ok &&= Math.abs(h.dist - d32) <= tol && d32 <= bf32[k - 1].dist + tol + tolK;
      worstRel = Math.max(worstRel, Math.abs(h.dist - d32) / Math.max(d32, 1e-30));
    }
    const got = new Set(push[q].map((h) => h.id)), worst = push[q].at(-1);
    for (const b of bf32.slice(0, k)) ok &&= got.has(b.id) || b.dist >= l2f(qs.f32, q * dim, ds.f32, worst.id * dim, dim) - 2 * tolK;
    within += ok;
  }
  check(exact === nq, `push: ${exact}/${nq} queries bit-identical to the fp16 brute force`);
  check(within === nq, `push: ${within}/${nq} queries within fp16 tolerance of the f32 brute force`);
  const injected = hub.faults.filter((f) => f.injected);
  check(hub.faults.length === plan.length && injected.length === plan.length, `push: ${hub.faults.length} faults detected, ${plan.length} injected`);
  for (const f of hub.faults) check(f.injected && f.code === EXPECTED_CODE[f.injected.kind], `push: fault ${f.message} (injected ${f.injected?.kind}) has code 0x${f.code.toString(16)}`);
  const oob = hub.faults.filter((f) => f.kind === 'oob');
  check(oob.length === plan.filter((f) => f.kind === 'oob').length, 'push: an out-of-bounds access that was not injected');
  report.push = {
    blocksProcessed: hub.stats.blocks, messages: hub.stats.messages, megabytes: +(hub.stats.bytes / 1e6).toFixed(1), ms: +pushMs.toFixed(0),
    blocksPerSec: Math.round(hub.stats.blocks / (pushMs / 1000)), queriesPerSec: +(nq / (pushMs / 1000)).toFixed(1),
    exactQueries: exact, withinTolerance: within, worstRelativeError: +worstRel.toExponential(2),
    faultsInjected: plan.length, faultsRecovered: hub.faults.length, restarts: hub.tiles.reduce((s, x) => s + x.restarts, 0),
    faultKinds: Object.fromEntries(FAULT_KINDS.map((kd) => [kd, hub.faults.filter((f) => f.injected?.kind === kd).length])),
  };
  check(hub.stats.blocks >= 1000, `push: only ${hub.stats.blocks} blocks went through the protocol`);

  // 2. push mode, i8 blocks with SQ params (LOAD_PARAMS), a subset, no faults
  const sqN = Math.min(n, 64 * bv), sq = quantizeSQ(ds.f32.subarray(0, sqN * dim), dim);
  const sqDs = { ...ds, n: sqN }, sqBlocks = blocksOf(sqDs, bv, TILE_DTYPE.I8, sq.codes);
  const hub8 = new Hub(module, { tiles });
  const sqRes = hub8.runAll(Array.from({ length: nq }, (_, q) => pushUnit({ qf16: qs.f16.subarray(q * dim, (q + 1) * dim), dim, k, blocks: sqBlocks, sq: sq.minmax })));
  let sqOk = 0, sqRecall = 0;
  for (let q = 0; q < nq; q++) {
    const bf32 = bruteForce(ds.f32, qs.f32, q * dim, dim, sqN, k);
    // SQ error per element <= (max - min) / 510 (rounding to the nearest of 256 levels)
    let tolBase = 0;
    for (let d = 0; d < dim; d++) tolBase += ((sq.minmax[2 * d + 1] - sq.minmax[2 * d]) / 510 + Math.abs(qs.f32[q * dim + d]) * 2 ** -11) ** 2;
    let ok = sqRes[q].length === k;
    for (const h of sqRes[q]) {
      const d32 = l2f(qs.f32, q * dim, ds.f32, h.id * dim, dim), tol = 2 * Math.sqrt(d32 * tolBase) + tolBase + 1e-5 * d32;
      ok &&= Math.abs(h.dist - d32) <= tol && d32 <= bf32[k - 1].dist + 2 * tol;
    }
    sqOk += ok;
    sqRecall += sqRes[q].filter((h) => bf32.some((b) => b.id === h.id)).length / k;
  }
  check(sqOk === nq, `push i8: ${sqOk}/${nq} queries within SQ tolerance of the f32 brute force`);
  report.pushI8 = { vectors: sqN, blocksProcessed: hub8.stats.blocks, withinTolerance: sqOk, recallAtK: +(sqRecall / nq).toFixed(3) };

  // 3. pull mode: the tile drives the HNSW search; with faults == without; recall vs brute force
  const pn = Math.min(n, o.pullVectors), graph = buildGraph(ds.f16f, pn, dim);
  const pullUnits = () => Array.from({ length: nq }, (_, q) => pullUnit({ qf16: qs.f16.subarray(q * dim, (q + 1) * dim), dim, k, graph, rowsF16: ds.f16 }));
  const clean = new Hub(module, { tiles });
  t0 = performance.now();
  const pullClean = clean.runAll(pullUnits());
  const pullMs = performance.now() - t0;
  const pplan = faultPlan(Math.max(FAULT_KINDS.length, nfaults >> 1), tiles, 40, 0, 0x9a11);
  const faulty = new Hub(module, { tiles, faults: pplan, log: o.verbose ? log : () => {} });
  const pullFaulty = faulty.runAll(pullUnits());
  check(JSON.stringify(pullClean) === JSON.stringify(pullFaulty), 'pull: answers with faults differ from the fault-free answers');
  check(faulty.faults.length === pplan.length && faulty.faults.every((f) => f.injected && f.code === EXPECTED_CODE[f.injected.kind]),
    `pull: ${faulty.faults.length} faults detected for ${pplan.length} injected`);
  let recall = 0, distExact = true, sameAsReference = 0;
  for (let q = 0; q < nq; q++) {
    const bf = bruteForce(ds.f16f, qs.f16f, q * dim, dim, pn, k);
    const ref = referencePull(graph, qs.f16f, q * dim, ds.f16f, dim, 16).slice(0, k);
    sameAsReference += JSON.stringify(ref) === JSON.stringify(pullClean[q]);
    recall += pullClean[q].filter((h) => bf.some((b) => b.id === h.id)).length / k;
    for (const h of pullClean[q]) distExact &&= Object.is(h.dist, l2f(qs.f16f, q * dim, ds.f16f, h.id * dim, dim));
  }
  recall /= nq;
  check(distExact, 'pull: a distance differs from the exact fp16 distance of its id');
  check(sameAsReference === nq, `pull: ${sameAsReference}/${nq} answers equal to the same search run directly`);
  check(recall >= 0.8, `pull: recall@${k} ${recall.toFixed(3)} < 0.8`);
  report.pull = {
    vectors: pn, layers: graph.top + 1, recallAtK: +recall.toFixed(3), sameAsReference, ms: +pullMs.toFixed(0), queriesPerSec: +(nq / (pullMs / 1000)).toFixed(1),
    needNeighbors: clean.stats.needNeighbors, needBlock: clean.stats.needBlock, messages: clean.stats.messages,
    faultsInjected: pplan.length, faultsRecovered: faulty.faults.length,
  };
  failures.push(...(await protocolChecks(module)));
  report.failures = failures;
  return report;
}

// ---- self-bootstrap (§12) -------------------------------------------------------------------------
/** Boot a tile from the store file alone (its WASM_SEG), then answer a query over the store's
 * vectors through the hub protocol (push mode, fp16 blocks). */
export async function bootFromStore(path, { row = 0, vector = null, k = 10, tiles = 2, blockVectors = 32 } = {}) {
  const buf = new Uint8Array(readFileSync(path));
  const mk = findMicrokernel(buf); // throws when absent or when the SHAKE-256 hash does not match
  const module = await compileMicrokernel(mk.bytecode);
  const { dim, ids, rows } = readVectors(buf);
  if (!ids.length) throw new Error(`${path}: no vectors`);
  const q = vector ? Float32Array.from(vector) : rows[row];
  if (q.length !== dim) throw new Error(`query of ${q.length} dims for a ${dim}-dim store`);
  const f32 = new Float32Array(ids.length * dim);
  rows.forEach((r, i) => f32.set(r, i * dim));
  const ds = { n: ids.length, dim, ...quantizeF16(f32) }, qf16 = quantizeF16(q).f16;
  const hub = new Hub(module, { tiles });
  const blocks = blocksOf(ds, blockVectors, TILE_DTYPE.F16);
  const per = Math.ceil(blocks.length / tiles);
  const parts = hub.runAll(Array.from({ length: tiles }, (_, s) => blocks.slice(s * per, (s + 1) * per)).filter((b) => b.length)
    .map((b) => pushUnit({ qf16, dim, k: Math.min(k, 16), blocks: b })));
  const hits = mergeTopk(parts, Math.min(k, 16)).map((h) => ({ id: ids[h.id].toString(), distance: h.dist }));
  return { microkernel: { segmentId: mk.segmentId.toString(), bytes: mk.size, priority: mk.priority, hashVerified: mk.hashOk }, dim, vectors: ids.length, blocks: hub.stats.blocks, results: hits };
}

// ---- command line -------------------------------------------------------------------------------
async function main(argv) {
  const opt = (name, def) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : def; };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: node tile-sim/hub.mjs [--wasm PATH] [--tiles 8] [--blocks 1024] [--block 32] [--dim 64]
                        [--queries 16] [--k 10] [--faults 16] [--pull-vectors 2048] [--verbose] [--json]
       node tile-sim/hub.mjs --boot-from STORE.rvf [--row N | --vector JSON] [--k 10]`);
    return 0;
  }
  const boot = opt('--boot-from');
  if (boot) {
    const vec = opt('--vector');
    const r = await bootFromStore(boot, { row: Number(opt('--row', 0)), vector: vec ? JSON.parse(vec) : null, k: Number(opt('--k', 10)) });
    console.log(JSON.stringify(r));
    return 0;
  }
  const wasm = opt('--wasm', 'build/kernel/rvf_tile.wasm');
  const module = await compileMicrokernel(readFileSync(wasm));
  const o = {
    tiles: +opt('--tiles', 8), blocks: +opt('--blocks', 1024), block: +opt('--block', 32), dim: +opt('--dim', 64),
    queries: +opt('--queries', 16), k: +opt('--k', 10), faults: +opt('--faults', 16), pullVectors: +opt('--pull-vectors', 2048),
    verbose: argv.includes('--verbose'),
  };
  const r = await acceptance(module, o);
  if (argv.includes('--json')) console.log(JSON.stringify(r, null, 1));
  else {
    console.log(`tile-sim (Node hub): ${o.tiles} tiles, ${r.vectors} x ${o.dim} fp16 vectors in ${o.blocks} blocks of ${o.block}, ${o.queries} queries, k=${o.k}`);
    const p = r.push;
    console.log(`push: ${p.blocksProcessed} blocks, ${p.messages} messages (${p.megabytes} MB) in ${p.ms} ms: ${p.blocksPerSec} blocks/s, ${p.queriesPerSec} queries/s; ` +
      `${p.exactQueries}/${o.queries} bit-identical to the fp16 brute force, ${p.withinTolerance}/${o.queries} within fp16 tolerance of f32 (worst relative error ${p.worstRelativeError})`);
    console.log(`      faults injected ${p.faultsInjected}, recovered ${p.faultsRecovered} (${Object.entries(p.faultKinds).map(([kd, c]) => `${kd} ${c}`).join(', ')}), tile restarts ${p.restarts}`);
    console.log(`push i8 (SQ): ${r.pushI8.vectors} vectors, ${r.pushI8.withinTolerance}/${o.queries} within SQ tolerance, recall@${o.k} ${r.pushI8.recallAtK}`);
    const q = r.pull;
    console.log(`pull: ${q.vectors} vectors, ${q.layers} layers, recall@${o.k} ${q.recallAtK}, ${q.queriesPerSec} queries/s, NEED_NEIGHBORS ${q.needNeighbors}, NEED_BLOCK ${q.needBlock}; ` +
      `faults injected ${q.faultsInjected}, recovered ${q.faultsRecovered}, answers equal to the fault-free run`);
  }
  for (const f of r.failures) console.error(`FAIL: ${f}`);
  console.log(r.failures.length ? `${r.failures.length} check(s) failed` : 'all checks passed');
  return r.failures.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { console.error(e.stack ?? String(e)); process.exit(1); });
}

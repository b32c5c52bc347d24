// tile.mjs: one simulated Cognitum tile. It instantiates the 14-export microkernel (kernel/ABI.md)
// under the tile's limits and runs the tile's side of the hub-tile protocol (RVF-BRIEF §11.5):
// the dispatch loop that the brief budgets at 384 bytes of tile code and that the microkernel
// leaves out (its 2 KB message buffer is "unused by the exports"). The firmware here only reads
// and writes the tile's exchange window and calls exports; every call goes through the checks
// below, so the tile cannot touch the hub's memory.
//
// Limits (§11.2, §11.6):
//  * code <= 8 KB: a module of 8192 bytes or more, or one with imports, is refused.
//  * data 8 KB + SIMD scratch 64 KB: the module's own static regions (it refuses any load that
//    would not fit, kernel/ABI.md). The host adds one 64 KB exchange window above the module's
//    memory (the message I/O buffer, the block being assembled (<= 32 KB, the block area), the
//    neighbour list (<= 4 KB, the neighbour cache)). Every pointer the firmware hands an export
//    must lie inside its window region, every count an export returns is range-checked, and
//    linear memory must not grow: anything else is a fault.
//  * time: a budget of export calls per delivered message (epoch-style interruption, as the
//    brief asks of the host in §12); a tile that exceeds it has timed out.
import { MSG, TILE_ERR, HEADER_SIZE, CRC_SIZE, PAYLOAD_MAX, FRAME_MAX, LOAD_BLOCK_LAST, encodeFrame, payloadError } from './protocol.mjs';
import { TILE_EXPORTS } from './tile-abi.mjs';

export const CODE_LIMIT = 8192;
export const WINDOW_SIZE = 0x10000;
// Exchange window layout (offsets from the window base).
export const WIN = Object.freeze({
  IN: 0x0000, // 2 KB: hub -> tile frame (the tile's message I/O buffer)
  OUT: 0x0800, // 2 KB: tile -> hub frame
  CFG: 0x1000, // 64 B: RESET's configuration
  QUERY: 0x1040, // 768 B: fp16 query, <= 384 dims
  TOPK: 0x1340, // 192 B: rvf_topk_read output, 16 x 12 B
  NLIST: 0x1400, // 4 KB: neighbour list, count u32 + 340 x {id u64, dist f32}
  DIST: 0x2400, // 4 KB: 1024 f32 distances (also LOAD_PARAMS staging)
  IDS: 0x3400, // 8 KB: 1024 u64 ids of the block
  BLOCK: 0x5800, // 32 KB: the block being assembled from LOAD_BLOCK chunks (the block area)
  SEEN: 0xd800, // 8 KB bitset: pull mode, nodes already offered to the top-K (ids < 65536)
  EXPANDED: 0xf800, // 2 KB bitset: pull mode, nodes whose layer-0 list was read (ids < 16384)
});
export const BLOCK_CAP = 32768, IDS_CAP = 1024, NLIST_CAP = 340, SEEN_CAP = 65536, EXPANDED_CAP = 16384;
// Configuration bytes 0x18+ are the host's (kernel/ABI.md); the firmware reads pull-mode k and
// metric there.
export const CFG_K = 0x18, CFG_METRIC = 0x19;
export const CALL_BUDGET = 64; // export calls per delivered message

export class TileFault extends Error {
  constructor(code, kind, message) {
    super(message);
    this.code = code;
    this.kind = kind;
  }
}

/** Compile the microkernel once; refuses modules over the code limit or with imports. */
export async function compileMicrokernel(bytes) {
  if (bytes.length >= CODE_LIMIT) throw new TileFault(TILE_ERR.OOM, 'code', `microkernel of ${bytes.length} bytes: the tile's code memory is ${CODE_LIMIT}`);
  const module = await WebAssembly.compile(bytes);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length) throw new TileFault(TILE_ERR.UNSUPPORTED_OP, 'code', `microkernel imports ${imports.map((i) => i.name).join(', ')}`);
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = TILE_EXPORTS.filter((n) => !names.has(n));
  if (missing.length) throw new TileFault(TILE_ERR.UNSUPPORTED_OP, 'code', `microkernel lacks ${missing.join(', ')}`);
  return module;
}

export class Tile {
  /** fault: an injected fault {kind: 'trap'|'oob'|'timeout'|'corrupt'} applied at the next message. */
  constructor(module, index) {
    this.module = module;
    this.index = index;
    this.restarts = -1;
    this.restart();
  }

  /** A fresh instance: new linear memory, new window, firmware state cleared. */
  restart() {
    this.instance = new WebAssembly.Instance(this.module, {});
    this.e = this.instance.exports;
    this.memory = this.e.memory;
    this.base = this.memory.buffer.byteLength; // the module's own memory ends here
    this.memory.grow(WINDOW_SIZE / 65536);
    this.memSize = this.memory.buffer.byteLength;
    this.fw = { dim: 0, fill: 0, dtype: -1, blockCount: 0, list: null, cur: -1n, curDist: Infinity, layer: 0, beam: false };
    this.pendingFault = null;
    this.calls = 0;
    this.restarts++;
  }

  // ---- checked access -----------------------------------------------------------------------
  addr(off) { return this.base + off; }
  check(ptr, len, what) {
    if (!(ptr >= this.base && len >= 0 && ptr + len <= this.base + WINDOW_SIZE))
      throw new TileFault(TILE_ERR.TRAP, 'oob', `tile ${this.index}: ${what} [0x${ptr.toString(16)}, +${len}) is outside its window`);
  }
  u8() { return new Uint8Array(this.memory.buffer); }
  dv() { return new DataView(this.memory.buffer); }
  write(off, bytes) {
    this.check(this.addr(off), bytes.length, 'write');
    this.u8().set(bytes, this.addr(off));
  }
  /** Call an export: budget, every pointer range checked first, traps caught, memory unchanged. */
  call(name, args, ranges = []) {
    if (++this.calls > CALL_BUDGET) throw new TileFault(TILE_ERR.TIMEOUT, 'timeout', `tile ${this.index}: more than ${CALL_BUDGET} export calls for one message`);
    for (const [p, n] of ranges) this.check(p, n, name);
    let r;
    try {
      r = this.e[name](...args);
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError) throw new TileFault(TILE_ERR.TRAP, 'trap', `tile ${this.index}: ${name} trapped: ${err.message}`);
      throw err;
    }
    if (this.memory.buffer.byteLength !== this.memSize) throw new TileFault(TILE_ERR.OOM, 'oom', `tile ${this.index}: linear memory grew`);
    return r;
  }

  // ---- the hub's side of the link ------------------------------------------------------------
  /** Deliver one frame; returns the tile's answer frame (a copy) or null. Throws TileFault. */
  deliver(frame) {
    if (frame.length > FRAME_MAX) throw new TileFault(TILE_ERR.INVALID_MSG, 'frame', 'frame larger than the I/O buffer');
    this.calls = 0;
    this.write(WIN.IN, frame);
    const fault = this.pendingFault;
    this.pendingFault = null;
    if (fault) this.misbehave(fault.kind);
    const outLen = this.dispatch(frame.length);
    if (!outLen) {
      if (fault?.kind === 'corrupt') this.pendingFault = fault; // corrupts the next answer
      return null;
    }
    const out = this.u8().slice(this.addr(WIN.OUT), this.addr(WIN.OUT) + outLen);
    if (fault?.kind === 'corrupt') out[fault.bit % out.length] ^= 1 << (fault.bit & 7); // on the way back
    return out;
  }

  /** Injected faults: each makes the tile do something a broken tile does. */
  misbehave(kind) {
    if (kind === 'trap') // a wild access inside the tile's own code: a real WebAssembly trap
      this.call('rvf_crc32c', [-16, 64]);
    else if (kind === 'oob') // a pointer outside the tile's limits, into the hub's memory
      this.call('rvf_distances', [0, this.base - 256], [[this.base - 256, 1024]]);
    else if (kind === 'timeout') // a tile that never answers: spins until its budget runs out
      for (;;) this.call('rvf_greedy_step', [0n, 0]);
    // 'corrupt' flips a bit of the answer (deliver) or the hub flips one of the request
  }

  // ---- the firmware: the tile's dispatch loop --------------------------------------------------
  reply(type, id, payload) {
    const f = encodeFrame(type, id, payload);
    this.write(WIN.OUT, f);
    return f.length;
  }
  error(id, code) { return this.reply(MSG.ERROR, id, payloadError(code)); }

  dispatch(len) {
    const dv = this.dv(), IN = this.addr(WIN.IN);
    if (len < HEADER_SIZE + CRC_SIZE) return this.error(0, TILE_ERR.INVALID_MSG);
    const type = dv.getUint16(IN, true), plen = dv.getUint16(IN + 2, true), id = dv.getUint32(IN + 4, true);
    if (plen > PAYLOAD_MAX || HEADER_SIZE + plen + CRC_SIZE !== len) return this.error(id, TILE_ERR.INVALID_MSG);
    // the tile checks the frame with its own rvf_crc32c export, over its own I/O buffer
    const crc = this.call('rvf_crc32c', [IN, HEADER_SIZE + plen], [[IN, HEADER_SIZE + plen]]) >>> 0;
    if (crc !== dv.getUint32(IN + HEADER_SIZE + plen, true)) return this.error(id, TILE_ERR.INVALID_MSG);
    const P = IN + HEADER_SIZE, fw = this.fw;
    switch (type) {
      case MSG.RESET: {
        if (plen !== 64) return this.error(id, TILE_ERR.INVALID_MSG);
        this.write(WIN.CFG, this.u8().slice(P, P + 64));
        if (this.call('rvf_init', [this.addr(WIN.CFG)], [[this.addr(WIN.CFG), 64]]) !== 0) return this.error(id, TILE_ERR.TRAP);
        this.u8().fill(0, this.addr(WIN.SEEN), this.addr(WIN.SEEN) + SEEN_CAP / 8 + EXPANDED_CAP / 8);
        Object.assign(fw, { sqFill: 0, dim: 0, fill: 0, dtype: -1, blockCount: 0, list: null, cur: -1n, curDist: Infinity, layer: 0, beam: false });
        return 0;
      }
      case MSG.LOAD_QUERY: {
        const dim = dv.getUint16(P, true);
        if (plen !== 4 + 2 * dim) return this.error(id, TILE_ERR.INVALID_MSG);
        if (dim > 384) return this.error(id, TILE_ERR.UNSUPPORTED_OP); // the 768-byte query area
        this.write(WIN.QUERY, this.u8().slice(P + 4, P + 4 + 2 * dim));
        if (this.call('rvf_load_query', [this.addr(WIN.QUERY), dim], [[this.addr(WIN.QUERY), 2 * dim]]) !== 0) return this.error(id, TILE_ERR.UNSUPPORTED_OP);
        fw.dim = dim;
        return 0;
      }
      case MSG.LOAD_PARAMS: {
        // SQ params in chunks, in order: m = the first dimension of this chunk, dim = all of them
        const kind = this.u8()[P], first = dv.getUint16(P + 2, true), dim = dv.getUint16(P + 6, true), pairs = (plen - 8) / 8;
        if (kind !== 0) return this.error(id, TILE_ERR.UNSUPPORTED_OP); // PQ codebooks (> 2 KB) are not streamed
        if (plen < 8 || !Number.isInteger(pairs) || first !== (fw.sqFill ?? 0) || first + pairs > dim) return this.error(id, TILE_ERR.INVALID_MSG);
        if (8 * dim > 4096) return this.error(id, TILE_ERR.OOM); // the params staging area
        this.write(WIN.DIST + 8 * first, this.u8().slice(P + 8, P + plen));
        fw.sqFill = first + pairs === dim ? 0 : first + pairs;
        if (first + pairs < dim) return 0;
        if (this.call('rvf_load_sq_params', [this.addr(WIN.DIST), dim], [[this.addr(WIN.DIST), 8 * dim]]) !== 0) return this.error(id, TILE_ERR.UNSUPPORTED_OP);
        return 0;
      }
      case MSG.LOAD_BLOCK: {
        const count = dv.getUint16(P, true), dtype = this.u8()[P + 2], flags = this.u8()[P + 3];
        const elem = [2, 1, 4][dtype];
        if (!elem || !fw.dim) return this.error(id, TILE_ERR.UNSUPPORTED_OP);
        const row = fw.dim * elem;
        if (plen !== 4 + count * (8 + row) || (fw.fill && dtype !== fw.dtype)) return this.error(id, TILE_ERR.INVALID_MSG);
        if ((fw.fill + count) * row > BLOCK_CAP || fw.fill + count > IDS_CAP) return this.error(id, TILE_ERR.OOM);
        this.write(WIN.IDS + 8 * fw.fill, this.u8().subarray(P + 4, P + 4 + 8 * count));
        this.write(WIN.BLOCK + row * fw.fill, this.u8().subarray(P + 4 + 8 * count, P + plen));
        fw.fill += count;
        fw.dtype = dtype;
        if (!(flags & LOAD_BLOCK_LAST)) return 0;
        const n = fw.fill;
        fw.fill = 0;
        if (this.call('rvf_load_block', [this.addr(WIN.BLOCK), n, dtype], [[this.addr(WIN.BLOCK), n * row]]) !== 0) return this.error(id, TILE_ERR.UNSUPPORTED_OP);
        fw.blockCount = n;
        return fw.list ? this.pullScore(id) : 0;
      }
      case MSG.COMPUTE: {
        const metric = this.u8()[P], k = this.u8()[P + 1];
        if (plen !== 4) return this.error(id, TILE_ERR.INVALID_MSG);
        const n = this.distances(metric);
        if (n < 0) return this.error(id, TILE_ERR.UNSUPPORTED_OP);
        if (this.call('rvf_topk_merge', [this.addr(WIN.DIST), this.addr(WIN.IDS), n, k], [[this.addr(WIN.DIST), 4 * n], [this.addr(WIN.IDS), 8 * n]]) !== 0) return this.error(id, TILE_ERR.UNSUPPORTED_OP);
        return 0;
      }
      case MSG.READ_TOPK: {
        const n = this.readTopk();
        const p = new Uint8Array(4 + 12 * n);
        new DataView(p.buffer).setUint32(0, n, true);
        p.set(this.u8().subarray(this.addr(WIN.TOPK), this.addr(WIN.TOPK) + 12 * n), 4);
        return this.reply(MSG.TOPK_RESULT, id, p);
      }
      case MSG.LOAD_NEIGHBORS: {
        const node = dv.getBigUint64(P, true), layer = dv.getUint32(P + 8, true), count = dv.getUint32(P + 12, true);
        if (plen !== 16 + 12 * count) return this.error(id, TILE_ERR.INVALID_MSG);
        if (count > NLIST_CAP) return this.error(id, TILE_ERR.OOM);
        const L = this.addr(WIN.NLIST);
        this.write(WIN.NLIST, this.u8().slice(P + 12, P + 16 + 12 * count)); // count u32, entries
        this.call('rvf_load_neighbors', [BigInt.asIntN(64, node), layer, L], [[L, 4 + 12 * count]]);
        fw.list = { node, layer, count };
        fw.layer = layer;
        let unknown = false;
        for (let i = 0; i < count; i++) unknown ||= Number.isNaN(dv.getFloat32(L + 12 + 12 * i, true));
        if (!unknown || !count) return this.pullStep(id);
        const p = new Uint8Array(8);
        new DataView(p.buffer).setBigUint64(0, node, true);
        return this.reply(MSG.NEED_BLOCK, id, p); // the vectors of this list, in list order
      }
      default:
        return this.error(id, TILE_ERR.UNSUPPORTED_OP);
    }
  }

  distances(metric) {
    const n = this.fw.blockCount;
    const r = this.call('rvf_distances', [metric, this.addr(WIN.DIST)], [[this.addr(WIN.DIST), 4 * n]]);
    if (r !== -1 && r !== n) throw new TileFault(TILE_ERR.TRAP, 'bad-return', `tile ${this.index}: rvf_distances returned ${r} for ${n} rows`);
    return r;
  }
  readTopk() {
    const n = this.call('rvf_topk_read', [this.addr(WIN.TOPK)], [[this.addr(WIN.TOPK), 16 * 12]]);
    if (!(n >= 0 && n <= 16)) throw new TileFault(TILE_ERR.TRAP, 'bad-return', `tile ${this.index}: rvf_topk_read returned ${n}`);
    return n;
  }
  bit(region, cap, id, set) {
    if (id < 0n || id >= BigInt(cap)) throw new TileFault(TILE_ERR.OOM, 'oom', `tile ${this.index}: node ${id} beyond the ${cap}-node bitset`);
    const a = this.addr(region) + Number(id >> 3n), m = 1 << Number(id & 7n), u8 = this.u8();
    const was = (u8[a] & m) !== 0;
    if (set) u8[a] |= m;
    return was;
  }

  // ---- pull mode: the tile drives an HNSW search (tile-sim/README.md, "Pull mode") -------------
  // The block just loaded holds the vectors of the registered list, in list order: score them,
  // write the distances into the list, offer the new layer-0 nodes to the top-K, then step.
  pullScore(id) {
    const fw = this.fw, dv = this.dv(), L = this.addr(WIN.NLIST), n = fw.list.count;
    if (fw.blockCount !== n) return this.error(id, TILE_ERR.INVALID_MSG);
    const metric = this.u8()[this.addr(WIN.CFG) + CFG_METRIC], k = this.u8()[this.addr(WIN.CFG) + CFG_K];
    if (this.distances(metric) !== n) return this.error(id, TILE_ERR.UNSUPPORTED_OP);
    const D = this.addr(WIN.DIST), I = this.addr(WIN.IDS);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const lid = dv.getBigUint64(L + 4 + 12 * i, true), d = dv.getFloat32(D + 4 * i, true);
      if (dv.getBigUint64(I + 8 * i, true) !== lid) return this.error(id, TILE_ERR.INVALID_MSG);
      dv.setFloat32(L + 12 + 12 * i, d, true);
      if (fw.list.layer === 0 && !this.bit(WIN.SEEN, SEEN_CAP, lid, true)) { // compact the unseen
        dv.setFloat32(D + 4 * m, d, true);
        dv.setBigUint64(I + 8 * m, lid, true);
        m++;
      }
    }
    if (m && this.call('rvf_topk_merge', [D, I, m, k], [[D, 4 * m], [I, 8 * m]]) !== 0) return this.error(id, TILE_ERR.UNSUPPORTED_OP);
    return this.pullStep(id);
  }

  pullStep(id) {
    const fw = this.fw, dv = this.dv(), L = this.addr(WIN.NLIST);
    if (fw.list.layer === 0 && fw.list.node !== 0xffffffffffffffffn) this.bit(WIN.EXPANDED, EXPANDED_CAP, fw.list.node, true);
    if (!fw.beam) {
      const next = this.call('rvf_greedy_step', [fw.cur, fw.list.layer]);
      let nd = Infinity;
      if (next !== -1n) { // the id must come from the registered list
        let i = 0;
        while (i < fw.list.count && dv.getBigUint64(L + 4 + 12 * i, true) !== BigInt.asUintN(64, next)) i++;
        if (i === fw.list.count) throw new TileFault(TILE_ERR.TRAP, 'bad-return', `tile ${this.index}: rvf_greedy_step returned ${next}, not in the list`);
        nd = dv.getFloat32(L + 12 + 12 * i, true);
      }
      if (next !== -1n && nd < fw.curDist) {
        fw.cur = next;
        fw.curDist = nd;
        return this.need(id, fw.cur, fw.layer);
      }
      if (fw.layer > 0) {
        fw.layer--;
        if (fw.layer === 0 && !this.bit(WIN.SEEN, SEEN_CAP, fw.cur, true)) this.offer(fw.cur, fw.curDist);
        return this.need(id, fw.cur, fw.layer);
      }
      fw.beam = true; // greedy descent done: widen to the k best at layer 0
    }
    const n = this.readTopk(), T = this.addr(WIN.TOPK);
    for (let i = 0; i < n; i++) {
      const cand = dv.getBigUint64(T + 12 * i, true);
      if (!this.bit(WIN.EXPANDED, EXPANDED_CAP, cand, false)) return this.need(id, cand, 0);
    }
    fw.list = null;
    return this.reply(MSG.DONE, id);
  }
  offer(node, dist) {
    const D = this.addr(WIN.DIST), I = this.addr(WIN.IDS), dv = this.dv();
    dv.setFloat32(D, dist, true);
    dv.setBigUint64(I, BigInt.asUintN(64, node), true);
    if (this.call('rvf_topk_merge', [D, I, 1, this.u8()[this.addr(WIN.CFG) + CFG_K]], [[D, 4], [I, 8]]) !== 0) throw new TileFault(TILE_ERR.TRAP, 'bad-return', 'rvf_topk_merge');
  }
  need(id, node, layer) {
    const p = new Uint8Array(12), v = new DataView(p.buffer);
    v.setBigUint64(0, BigInt.asUintN(64, node), true);
    v.setUint32(8, layer, true);
    this.fw.layer = layer;
    return this.reply(MSG.NEED_NEIGHBORS, id, p);
  }
}

// rvf-file.mjs: the little of an RVF file the hub reads itself (RVF-BRIEF §11.5: "the hub does all
// I/O, segment parsing"): the manifest's segment directory, WASM_SEGs (§5.15, §12 discovery) and
// the vectors of VEC_SEGs (FORMAT.md). Enough for a store written by this implementation; a
// reader of every dialect is the runtime's job (runtime/, js/).
import { createHash } from 'node:crypto';
import { crc32c } from './protocol.mjs';

export const SEG = Object.freeze({ VEC: 0x01, MANIFEST: 0x05, WASM: 0x10 });
export const SEGMENT_MAGIC = 0x52564653, ROOT_MAGIC = 0x52564d30, WASM_MAGIC = 0x5256574d;
export const WASM_ROLE = Object.freeze({ MICROKERNEL: 0, INTERPRETER: 1, COMBINED: 2, EXTENSION: 3, CONTROL_PLANE: 4 });

export class RvfFileError extends Error {}

/** The current manifest's segment directory: [{segmentId, type, flags, offset, length}]. Falls
 * back to a sequential walk of segment spans when the root is unusable (§12 discovery). */
export function segmentDirectory(buf) {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dir = [];
  if (buf.length >= 4096 + 64) {
    const r = buf.length - 4096;
    if (v.getUint32(r, true) === ROOT_MAGIC && v.getUint32(r + 0xffc, true) === crc32c(buf, r, r + 0xffc)) {
      const l1 = Number(v.getBigUint64(r + 8, true)), l1len = Number(v.getBigUint64(r + 16, true));
      let deletions = false;
      for (let p = l1; p + 8 <= l1 + l1len && l1 + l1len <= r;) {
        const tag = v.getUint16(p, true), len = v.getUint32(p + 2, true);
        deletions ||= tag === 0x000e && len > 0;
        if (tag === 0x0001)
          for (let e = p + 8; e + 64 <= p + 8 + len; e += 64)
            dir.push({ segmentId: v.getBigUint64(e, true), type: buf[e + 8], flags: v.getUint16(e + 10, true),
              offset: Number(v.getBigUint64(e + 16, true)), length: Number(v.getBigUint64(e + 24, true)) });
        p += 8 + ((len + 7) & ~7);
      }
      return { dir, from: 'manifest', deletions };
    }
  }
  for (let off = 0; off + 64 <= buf.length;) { // no usable root: walk the segments
    if (v.getUint32(off, true) !== SEGMENT_MAGIC) break;
    const length = Number(v.getBigUint64(off + 16, true));
    dir.push({ segmentId: v.getBigUint64(off + 8, true), type: buf[off + 5], flags: v.getUint16(off + 6, true), offset: off, length });
    off += (64 + length + 63) & ~63;
  }
  return { dir, from: 'scan', deletions: false };
}

function payloadOf(buf, e) {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (e.offset + 64 + e.length > buf.length || v.getUint32(e.offset, true) !== SEGMENT_MAGIC || buf[e.offset + 5] !== e.type)
    throw new RvfFileError(`segment ${e.segmentId} at offset ${e.offset}: bad header or truncated`);
  return buf.subarray(e.offset + 64, e.offset + 64 + e.length);
}

/** Every WASM_SEG: header fields, bytecode, whether its SHAKE-256-256 hash verifies; sorted by
 * bootstrap_priority (stable). */
export function wasmModules(buf) {
  const mods = [];
  for (const e of segmentDirectory(buf).dir.filter((d) => d.type === SEG.WASM)) {
    const p = payloadOf(buf, e), v = new DataView(p.buffer, p.byteOffset, p.byteLength);
    if (p.length < 64 || v.getUint32(0, true) !== WASM_MAGIC) continue; // not a WasmHeader: skipped
    const size = v.getUint32(0x0c, true);
    if (v.getUint32(0x10, true) !== 0 || p[0x14] !== 0 || 64 + size > p.length) continue; // compressed: not handled
    const bytecode = p.subarray(64, 64 + size);
    const hash = createHash('shake256', { outputLength: 32 }).update(bytecode).digest();
    mods.push({
      segmentId: e.segmentId, offset: e.offset, headerVersion: v.getUint16(4, true), role: p[6], target: p[7],
      features: v.getUint16(8, true), exportCount: v.getUint16(0x0a, true), size, minPages: p[0x15], maxPages: p[0x16],
      priority: p[0x38], bytecode, hashOk: Buffer.from(hash).equals(Buffer.from(p.subarray(0x18, 0x38))),
    });
  }
  return mods.sort((a, b) => a.priority - b.priority);
}

/** The microkernel to boot a tile from (§12: role Microkernel, or Combined), hash verified. */
export function findMicrokernel(buf) {
  const mods = wasmModules(buf);
  const m = mods.find((x) => x.role === WASM_ROLE.MICROKERNEL) ?? mods.find((x) => x.role === WASM_ROLE.COMBINED);
  if (!m) throw new RvfFileError('no WASM_SEG with a microkernel in this file');
  if (!m.hashOk) throw new RvfFileError(`WASM_SEG ${m.segmentId}: bytecode_hash (SHAKE-256) does not match its ${m.size} bytes`);
  return m;
}

function varint(b, pos) {
  let x = 0n, s = 0n;
  for (;;) {
    const c = b[pos.p++];
    x |= BigInt(c & 0x7f) << s;
    if (!(c & 0x80)) return x;
    s += 7n;
  }
}

/** Live vectors of the VEC_SEGs the manifest lists (later copies of an id win), as f32 rows.
 * A store with deletions is refused (the hub does not read the deletion bitmap). */
export function readVectors(buf) {
  const { dir, deletions } = segmentDirectory(buf);
  if (deletions) throw new RvfFileError('the store has deleted vectors: the hub reads only stores without deletions');
  const byId = new Map();
  let dim = 0;
  for (const e of dir.filter((d) => d.type === SEG.VEC)) {
    const p = payloadOf(buf, e), v = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const blocks = v.getUint32(0, true);
    for (let b = 0; b < blocks; b++) {
      const at = v.getUint32(4 + 12 * b, true), count = v.getUint32(8 + 12 * b, true);
      const d = v.getUint16(12 + 12 * b, true), dtype = p[14 + 12 * b];
      if (dtype !== 0 && dtype !== 1) throw new RvfFileError(`VEC dtype ${dtype} not read by the hub`);
      dim ||= d;
      const elem = dtype === 0 ? 4 : 2, idAt = at + count * d * elem;
      const pos = { p: idAt + 7 }, enc = p[idAt], restart = v.getUint16(idAt + 1, true);
      const ids = [];
      for (let i = 0; i < count; i++) {
        if (enc === 0) { ids.push(v.getBigUint64(pos.p, true)); pos.p += 8; } else {
          const x = varint(p, pos);
          ids.push(i % restart ? ids[i - 1] + x : x);
        }
      }
      if (v.getUint32(pos.p, true) !== crc32c(p, at, pos.p)) throw new RvfFileError(`VEC block ${b} of segment ${e.segmentId}: CRC32C mismatch`);
      for (let i = 0; i < count; i++) {
        const row = new Float32Array(d);
        for (let c = 0; c < d; c++) { // columnar: column c holds dimension c of every vector
          const o = at + (c * count + i) * elem;
          row[c] = dtype === 0 ? v.getFloat32(o, true) : f16(v.getUint16(o, true));
        }
        byId.set(ids[i], row);
      }
    }
  }
  const ids = [...byId.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { dim, ids, rows: ids.map((id) => byId.get(id)) };
}

function f16(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

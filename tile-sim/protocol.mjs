// protocol.mjs: the hub-tile message protocol of RVF-BRIEF §11.5, as framed on the wire between
// the hub and a tile's 2 KB message I/O buffer (tile data 0x0800). Shared by the hub (hub.mjs)
// and the tile firmware (tile.mjs); tile-sim/README.md has the byte tables, tile-sim/hub.c the
// same framing in C.
//
// Frame (little-endian): header 8 B = msg_type u16, msg_length u16 (payload bytes), msg_id u32;
// payload; then a CRC32C u32 of header + payload (brief-defined: the brief's header has no
// checksum, and a corrupted message must be detected). A frame fills at most the 2 KB buffer,
// so msg_length <= 2048 - 8 - 4 = 2036.

import { STATUS } from '../js/gen/rvf_constants.mjs';

export const MSG = Object.freeze({
  LOAD_QUERY: 0x01, LOAD_BLOCK: 0x02, LOAD_NEIGHBORS: 0x03, LOAD_PARAMS: 0x04, COMPUTE: 0x05,
  READ_TOPK: 0x06, RESET: 0x07,
  TOPK_RESULT: 0x81, NEED_BLOCK: 0x82, NEED_NEIGHBORS: 0x83, DONE: 0x84, ERROR: 0x85,
});
export const MSG_NAME = Object.freeze(Object.fromEntries(Object.entries(MSG).map(([k, v]) => [v, k])));
export const FRAME_MAX = 2048; // the tile's message I/O buffer
export const HEADER_SIZE = 8;
export const CRC_SIZE = 4;
export const PAYLOAD_MAX = FRAME_MAX - HEADER_SIZE - CRC_SIZE; // 2036
export const LOAD_BLOCK_LAST = 0x01; // LOAD_BLOCK flags bit 0: last chunk of the block

// Tile error codes: the wire values (0x04xx) of kernel/include/rvf_status.def, which negates
// them; they reach JS through js/gen (scripts/gen-constants.mjs), never copied by hand.
export const TILE_ERR = Object.freeze({
  TRAP: -STATUS.TILE_TRAP, OOM: -STATUS.TILE_OOM, TIMEOUT: -STATUS.TILE_TIMEOUT,
  INVALID_MSG: -STATUS.TILE_INVALID_MSG, UNSUPPORTED_OP: -STATUS.TILE_UNSUPPORTED_OP,
});
export const TILE_ERR_NAME = Object.freeze(Object.fromEntries(Object.entries(TILE_ERR).map(([k, v]) => [v, `TILE_${k}`])));

// CRC32C (Castagnoli, reflected 0x82F63B78), the kernel's integrity code (FORMAT.md).
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let j = 0; j < 8; j++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();
export function crc32c(bytes, start = 0, end = bytes.length) {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Build one frame: header, payload (Uint8Array), CRC32C trailer. */
export function encodeFrame(type, id, payload = new Uint8Array(0)) {
  if (payload.length > PAYLOAD_MAX) throw new RangeError(`payload of ${payload.length} bytes > ${PAYLOAD_MAX}`);
  const f = new Uint8Array(HEADER_SIZE + payload.length + CRC_SIZE);
  const v = new DataView(f.buffer);
  v.setUint16(0, type, true);
  v.setUint16(2, payload.length, true);
  v.setUint32(4, id >>> 0, true);
  f.set(payload, HEADER_SIZE);
  v.setUint32(HEADER_SIZE + payload.length, crc32c(f, 0, HEADER_SIZE + payload.length), true);
  return f;
}

/** Parse and check a frame; returns {type, id, payload} or {error: TILE_ERR.*, why}. */
export function decodeFrame(f) {
  if (!(f instanceof Uint8Array) || f.length < HEADER_SIZE + CRC_SIZE || f.length > FRAME_MAX)
    return { error: TILE_ERR.INVALID_MSG, why: `frame of ${f?.length} bytes` };
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const type = v.getUint16(0, true), len = v.getUint16(2, true), id = v.getUint32(4, true);
  if (len > PAYLOAD_MAX || HEADER_SIZE + len + CRC_SIZE !== f.length)
    return { error: TILE_ERR.INVALID_MSG, why: `msg_length ${len} does not match a ${f.length}-byte frame` };
  if (v.getUint32(HEADER_SIZE + len, true) !== crc32c(f, 0, HEADER_SIZE + len))
    return { error: TILE_ERR.INVALID_MSG, why: 'CRC32C mismatch' };
  if (!(type in MSG_NAME)) return { error: TILE_ERR.UNSUPPORTED_OP, why: `unknown msg_type 0x${type.toString(16)}` };
  return { type, id, payload: f.subarray(HEADER_SIZE, HEADER_SIZE + len) };
}

// Payload builders (field layouts of §11.5).
export function payloadLoadQuery(f16) { // dim u16, pad u16, fp16[dim]
  const p = new Uint8Array(4 + f16.length * 2), v = new DataView(p.buffer);
  v.setUint16(0, f16.length, true);
  for (let i = 0; i < f16.length; i++) v.setUint16(4 + 2 * i, f16[i], true);
  return p;
}
export function payloadLoadBlock(ids, rows, dtype, last) { // count u16, dtype u8, flags u8, ids u64[], vectors
  const p = new Uint8Array(4 + ids.length * 8 + rows.length), v = new DataView(p.buffer);
  v.setUint16(0, ids.length, true);
  p[2] = dtype;
  p[3] = last ? LOAD_BLOCK_LAST : 0;
  for (let i = 0; i < ids.length; i++) v.setBigUint64(4 + 8 * i, BigInt(ids[i]), true);
  p.set(rows, 4 + ids.length * 8);
  return p;
}
export function payloadLoadNeighbors(node, layer, ids, dists) { // node u64, layer u32, count u32, {id u64, dist f32}[]
  const p = new Uint8Array(16 + 12 * ids.length), v = new DataView(p.buffer);
  v.setBigUint64(0, BigInt.asUintN(64, BigInt(node)), true);
  v.setUint32(8, layer, true);
  v.setUint32(12, ids.length, true);
  for (let i = 0; i < ids.length; i++) {
    v.setBigUint64(16 + 12 * i, BigInt(ids[i]), true);
    v.setFloat32(24 + 12 * i, dists ? dists[i] : NaN, true);
  }
  return p;
}
/** SQ params as LOAD_PARAMS payloads: kind u8 (0 SQ), pad u8, m u16, k u16, dim u16, then
 * [min, max] f32 pairs. For SQ, m is the first dimension the message carries (brief-defined:
 * 384 dims of pairs are 3 KB, more than a frame), k is 0, dim is the total. */
export function payloadsLoadParamsSQ(minmax) {
  const dim = minmax.length / 2, per = Math.floor((PAYLOAD_MAX - 8) / 8), out = [];
  for (let first = 0; first < dim; first += per) {
    const n = Math.min(per, dim - first), p = new Uint8Array(8 + 8 * n), v = new DataView(p.buffer);
    v.setUint16(2, first, true);
    v.setUint16(6, dim, true);
    for (let i = 0; i < 2 * n; i++) v.setFloat32(8 + 4 * i, minmax[2 * first + i], true);
    out.push(p);
  }
  return out;
}
export function payloadCompute(metric, k) { return Uint8Array.of(metric, k, 0, 0); } // metric u8, k u8, pad u16
export function payloadError(code) { return Uint8Array.of(code & 0xff, code >> 8, 0, 0); } // error_code u16, pad u16

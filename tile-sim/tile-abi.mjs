// tile-abi.mjs: load the 14-export tile microkernel and give the host scratch space in its linear
// memory. The module has no allocator and no imports (kernel/ABI.md): the host grows memory by a
// few pages and owns everything above the module's original size.
// Codes and the export list come from the C headers through js/gen/rvf_constants.mjs
// (scripts/gen-constants.mjs), never copied by hand.
import { readFileSync } from 'node:fs';
import { TILE_EXPORTS, TILE_DTYPE, TILE_METRIC, TILE } from '../js/gen/rvf_constants.mjs';

export { TILE_EXPORTS, TILE_DTYPE, TILE_METRIC, TILE };

export async function loadTile(wasmPath, { hostPages = 4 } = {}) {
  const bytes = readFileSync(wasmPath);
  const { instance, module } = await WebAssembly.instantiate(bytes, {});
  const missing = TILE_EXPORTS.filter((n) => typeof instance.exports[n] !== 'function');
  if (missing.length) throw new Error(`${wasmPath}: missing exports ${missing.join(', ')}`);
  const memory = instance.exports.memory;
  const base = memory.buffer.byteLength;
  memory.grow(hostPages);
  let top = base;
  return {
    exports: instance.exports,
    module,
    size: bytes.length,
    memory,
    /** Reserve n bytes (8-aligned) of host scratch; valid until reset(). */
    alloc(n) {
      const p = (top + 7) & ~7;
      top = p + n;
      if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
      return p;
    },
    reset() { top = base; },
    u8: () => new Uint8Array(memory.buffer),
    view: () => new DataView(memory.buffer),
  };
}

// Exact IEEE half <-> float helpers for hosts (the hub converts data before sending it to tiles).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export function f16ToF32(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
export function f32ToF16(v) { // round to nearest even
  f32[0] = v;
  const b = u32[0], sign = (b >>> 16) & 0x8000, exp = (b >>> 23) & 0xff, man = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0);
  const e = exp - 112;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = man | 0x800000, shift = 14 - e, half = 1 << (shift - 1), rest = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (man >>> 13);
  const rest = man & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++;
  return sign | r;
}

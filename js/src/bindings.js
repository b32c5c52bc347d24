// bindings.js: the 1:1 layer over one instantiated Emscripten module (STYLE.md habit 11, after
// SQLite's capi). capi holds the C functions of js/wasm/exports.txt under their C names, taking
// and returning numbers (pointers, statuses) and BigInts (uint64_t). The helpers read and write
// wasm memory and the C structs through the module's layout table (offsetof/sizeof computed by
// the compiler, js/wasm/rvf_wasm.c), so no offset is written by hand on this side.
import { STATUS, WASM_EXPORTS } from '../gen/rvf_constants.mjs';
import { RvfError } from './error.js';

const utf8 = new TextDecoder();

export class RvfWasm {
  /**
   * @param {object} module the instantiated Emscripten module
   * @param {'simd'|'fallback'} variant which build it is
   */
  constructor(module, variant) {
    this.module = module;
    this.variant = variant;
    /** @type {Record<string, Function>} */
    this.capi = {};
    for (const name of WASM_EXPORTS) {
      const f = module[`_${name}`];
      if (typeof f !== 'function') throw new RvfError(STATUS.INVALID_VERSION, `the module does not export ${name}`);
      this.capi[name] = f;
    }
    this._buffer = null;
    this._view = null;
    this.layout = this._readLayout();
    /** The kernel variant distances run on: 'wasm128' or 'scalar'. */
    this.kernel = this.cstring(this.capi.rvf_wasm_kernel_variant());
  }

  _readLayout() {
    const np = this.alloc(4);
    try {
      const table = this.capi.rvf_wasm_layout(np) >>> 0;
      const n = this.u32(np);
      const layout = new Map();
      for (let i = 0; i < n; i++) layout.set(this.cstring(this.u32(table + 8 * i)), this.u32(table + 8 * i + 4));
      return layout;
    } finally {
      this.free(np);
    }
  }

  /** A layout entry: "rvf_hit" (size), "rvf_hit.distance" (offset) or "RVF_VALUE_U64" (value). */
  off(name) {
    const v = this.layout.get(name);
    if (v === undefined) throw new RvfError(STATUS.INVALID_VERSION, `the module's layout has no ${name}`);
    return v;
  }

  /** The current bytes of wasm memory (a new view after the memory grew). */
  get heap() {
    return this.module.HEAPU8;
  }

  get view() {
    const b = this.module.HEAPU8.buffer;
    if (b !== this._buffer) {
      this._buffer = b;
      this._view = new DataView(b);
    }
    return this._view;
  }

  /** malloc(n) (at least one byte); RvfError OUT_OF_MEMORY when it returns NULL. */
  alloc(n) {
    const p = this.capi.malloc(Math.max(1, n)) >>> 0;
    if (!p) throw new RvfError(STATUS.OUT_OF_MEMORY, `malloc(${n}) failed`);
    return p;
  }

  /** malloc(n) filled with zeros. */
  allocZeroed(n) {
    const p = this.alloc(n);
    this.heap.fill(0, p, p + n);
    return p;
  }

  free(p) {
    if (p) this.capi.free(p);
  }

  u8(p) { return this.view.getUint8(p); }
  u16(p) { return this.view.getUint16(p, true); }
  u32(p) { return this.view.getUint32(p, true); }
  i32(p) { return this.view.getInt32(p, true); }
  u64(p) { return this.view.getBigUint64(p, true); }
  f32(p) { return this.view.getFloat32(p, true); }
  f64(p) { return this.view.getFloat64(p, true); }
  setU8(p, v) { this.view.setUint8(p, v); }
  setU16(p, v) { this.view.setUint16(p, v, true); }
  setU32(p, v) { this.view.setUint32(p, v, true); }
  setI32(p, v) { this.view.setInt32(p, v, true); }
  setU64(p, v) { this.view.setBigUint64(p, v, true); }
  setI64(p, v) { this.view.setBigInt64(p, v, true); }
  setF64(p, v) { this.view.setFloat64(p, v, true); }

  /** A pointer-sized field (wasm32: u32). */
  ptr(p) { return this.u32(p); }

  /** Copy bytes into wasm memory at p. */
  write(p, bytes) {
    this.heap.set(bytes, p);
  }

  /** A copy of n bytes at p. */
  read(p, n) {
    return this.heap.slice(p, p + n);
  }

  /** The NUL-terminated UTF-8 string at p ('' for NULL). */
  cstring(p) {
    p >>>= 0;
    if (!p) return '';
    const h = this.heap;
    const end = h.indexOf(0, p);
    return utf8.decode(h.subarray(p, end < 0 ? h.length : end));
  }

  /**
   * The RvfError for a status a C call returned. Store calls (fromStore) add
   * rvf_last_error_detail(); other calls (filters) do not set it, so it is not read for them.
   */
  error(status, fallbackDetail = '', fromStore = true) {
    const detail = fromStore ? this.cstring(this.capi.rvf_last_error_detail()) : '';
    return new RvfError(status, detail || fallbackDetail);
  }

  /** Throw the RvfError of a non-zero status. */
  check(status, fallbackDetail = '', fromStore = true) {
    if (status !== STATUS.OK) throw this.error(status, fallbackDetail, fromStore);
  }
}

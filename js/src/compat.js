// compat.js: a drop-in for @ruvector/rvf-wasm 0.1.9 (`import init from 'rvf/compat'`). init()
// resolves to what the reference's init() resolves to: an object holding `memory` (the
// module's WebAssembly.Memory) and every raw export of the reference under its name, with the
// same parameters and results (numbers; u64 node ids as BigInts). They are the Emscripten build
// of our runtime (js/wasm/rvf_compat.c for the store, inspection, witness and memory exports;
// kernel/tile/rvf_tile.c for the 14 tile exports), with the Fixes of RVF-BRIEF §11.3/§11.4: most
// visibly, rvf_store_export writes a real RVF file (the native rvf CLI and RvfDatabase open it)
// and rvf_store_open reads RVF files (and the reference module's own export layout).
//
// Differences a caller can see: the module has Emscripten's own heap, so pointers must come from
// rvf_alloc (the reference also tolerated fixed addresses in its first 72 KB, the tile memory);
// init() takes loadRvfWasm options ({simd, baseUrl, wasmBinary}), not bare bytes or a
// WebAssembly.Module: the SIMD and fallback builds each need their own Emscripten glue.
import { loadRvfWasm } from './loader.js';

/** The reference's 32 function exports, in its .d.ts order. */
export const COMPAT_EXPORTS = Object.freeze([
  'rvf_alloc', 'rvf_free',
  'rvf_init', 'rvf_load_query', 'rvf_load_block', 'rvf_distances', 'rvf_topk_merge', 'rvf_topk_read',
  'rvf_load_sq_params', 'rvf_dequant_i8', 'rvf_load_pq_codebook', 'rvf_pq_distances',
  'rvf_load_neighbors', 'rvf_greedy_step',
  'rvf_verify_header', 'rvf_crc32c', 'rvf_verify_checksum',
  'rvf_store_create', 'rvf_store_open', 'rvf_store_ingest', 'rvf_store_query', 'rvf_store_delete',
  'rvf_store_count', 'rvf_store_dimension', 'rvf_store_status', 'rvf_store_export', 'rvf_store_close',
  'rvf_parse_header', 'rvf_segment_count', 'rvf_segment_info',
  'rvf_witness_verify', 'rvf_witness_count',
]);
/** Exports whose C function is the tile microkernel's own (the rest are rvf_compat_*). */
const TILE = new Set(['rvf_init', 'rvf_load_query', 'rvf_load_block', 'rvf_distances', 'rvf_topk_merge',
  'rvf_topk_read', 'rvf_load_sq_params', 'rvf_dequant_i8', 'rvf_load_pq_codebook', 'rvf_pq_distances',
  'rvf_load_neighbors', 'rvf_greedy_step', 'rvf_verify_header', 'rvf_crc32c']);

/** The C function behind a reference export name. */
export const compatCName = (name) => (TILE.has(name) ? name : `rvf_compat_${name.slice(4)}`);

// Emscripten's wrapper `Module._f` forwards to the raw wasm export Module.asm[x]; hand out the
// raw function itself when the wrapper names it (same arity as the reference's), else the wrapper.
function rawExport(module, cname) {
  const wrapper = module[`_${cname}`];
  if (typeof wrapper !== 'function') throw new TypeError(`the module does not export ${cname}`);
  const m = /Module\["asm"\]\["([^"]+)"\]/.exec(String(wrapper));
  const raw = m && module.asm?.[m[1]];
  return typeof raw === 'function' ? raw : wrapper;
}

function exportsOf(wasm) {
  const module = wasm.module;
  const memory = Object.values(module.asm ?? {}).find((v) => v instanceof WebAssembly.Memory);
  if (!memory) throw new TypeError('the module exports no WebAssembly.Memory');
  const out = { memory };
  for (const name of COMPAT_EXPORTS) out[name] = rawExport(module, compatCName(name));
  return Object.freeze(out);
}

let shared = null;

/**
 * Instantiate the module and return the reference-shaped exports object.
 * @param {object} [input] loadRvfWasm options ({simd, baseUrl, wasmBinary}) or an RvfWasm
 *   already loaded. Without an argument, one shared instance (as the reference keeps).
 */
export async function init(input) {
  if (input === undefined) {
    shared ??= loadRvfWasm().then(exportsOf);
    return shared;
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    // the two builds have different Emscripten glue: which one these bytes are must be said
    throw new TypeError('init(bytes): pass {wasmBinary: bytes, simd: true|false} instead');
  }
  if (input && typeof input === 'object' && input.module && input.capi) return exportsOf(input);
  if (input && typeof input === 'object' && !(input instanceof WebAssembly.Module)) return exportsOf(await loadRvfWasm(input));
  throw new TypeError('init(input): the .wasm bytes, loadRvfWasm options or an RvfWasm');
}

export default init;

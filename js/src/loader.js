// loader.js: loads one of the two Emscripten builds of the runtime. The SIMD build is chosen
// when WebAssembly.validate accepts a probe using a v128 instruction, else the fallback; the
// .wasm bytes are read here (fs in Node, fetch elsewhere) and passed as wasmBinary, so the same
// module runs in Node >= 18, browsers and Web Workers; a module whose ABI version is not this
// file's WASM_ABI_VERSION is refused.
import { STATUS, WASM_ABI_VERSION } from '../gen/rvf_constants.mjs';
import { RvfWasm } from './bindings.js';
import { RvfError } from './error.js';

// (module (func (result v128) i32.const 0 i8x16.splat))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // code: i32.const 0, i8x16.splat
]);

/** True when this engine runs WebAssembly SIMD128 (the probe validates). */
export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/** The probe's bytes, for tests. */
export const simdProbe = () => SIMD_PROBE.slice();

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** The folder holding rvf-simd.* and rvf-fallback.*, as a URL ending in '/'. */
async function baseUrl(base) {
  // The sources find the builds in ../dist/; the bundle (js/scripts/bundle.mjs defines
  // RVF_BUNDLED) sits next to them, in whatever folder it was copied to.
  if (base === undefined) return new URL(typeof RVF_BUNDLED !== 'undefined' ? './' : '../dist/', import.meta.url);
  if (base instanceof URL) return new URL(base.href.endsWith('/') ? base.href : `${base.href}/`);
  if (typeof base !== 'string') throw new RvfError(STATUS.INVALID_ARGUMENT, 'baseUrl must be a string or a URL');
  const dir = base.endsWith('/') ? base : `${base}/`;
  if (/^[a-z][a-z0-9+.-]+:/i.test(dir)) return new URL(dir); // a URL (two letters or more: not C:)
  if (isNode) {
    const { pathToFileURL } = await import('node:url');
    const { resolve } = await import('node:path');
    return pathToFileURL(`${resolve(dir)}/`);
  }
  return new URL(dir, globalThis.location?.href);
}

async function readBytes(url) {
  try {
    if (url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      return new Uint8Array(await readFile(url));
    }
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new RvfError(STATUS.IO_ERROR, `cannot read ${url.href}: ${e.message}`);
  }
}

/**
 * Load and instantiate one build of the runtime.
 * @param {object} [options]
 * @param {boolean|'auto'} [options.simd] 'auto' (default): the SIMD build when the engine has
 *   SIMD128; true: the SIMD build (an error without SIMD128); false: the fallback build.
 * @param {string|URL} [options.baseUrl] the folder holding rvf-simd.mjs/.wasm and
 *   rvf-fallback.mjs/.wasm (default: ../dist/ next to this file); a path in Node.
 * @param {BufferSource} [options.wasmBinary] the .wasm bytes, when the caller has them.
 * @returns {Promise<RvfWasm>}
 */
export async function loadRvfWasm(options = {}) {
  const { simd = 'auto', wasmBinary } = options;
  if (simd !== 'auto' && typeof simd !== 'boolean')
    throw new RvfError(STATUS.INVALID_ARGUMENT, "simd must be true, false or 'auto'");
  const have = simdSupported();
  if (simd === true && !have)
    throw new RvfError(STATUS.INVALID_ARGUMENT, 'this engine does not support WebAssembly SIMD128');
  const variant = simd === 'auto' ? (have ? 'simd' : 'fallback') : simd ? 'simd' : 'fallback';
  const base = await baseUrl(options.baseUrl);
  const glue = new URL(`rvf-${variant}.mjs`, base);
  const wasm = new URL(`rvf-${variant}.wasm`, base);
  const [factory, bytes] = await Promise.all([
    import(glue.href).then(
      (m) => m.default,
      (e) => {
        throw new RvfError(STATUS.IO_ERROR, `cannot import ${glue.href}: ${e.message}`);
      },
    ),
    wasmBinary ?? readBytes(wasm),
  ]);
  // The runtime reads /dev/urandom for file ids, which Emscripten serves from crypto.getRandomValues;
  // Node 18 has no global crypto unless --experimental-global-webcrypto (19+ always has it).
  if (isNode && typeof globalThis.crypto?.getRandomValues !== 'function') {
    const { webcrypto } = await import('node:crypto');
    Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true, writable: true });
  }
  const module = await factory({ wasmBinary: bytes, locateFile: (name) => new URL(name, base).href });
  const abi = typeof module._rvf_wasm_abi_version === 'function' ? module._rvf_wasm_abi_version() : -1;
  if (abi !== WASM_ABI_VERSION)
    throw new RvfError(
      STATUS.INVALID_VERSION,
      `${wasm.href} has wasm ABI version ${abi}; this loader needs ${WASM_ABI_VERSION}`,
    );
  return new RvfWasm(module, variant);
}

// loader.test.mjs: the SIMD probe, both builds loading with the kernel variant they should run,
// the layout table the bindings read, and the loader's refusals (missing files, a module of
// another ABI version, a bad option).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

import { WASM_ABI_VERSION, WASM_EXPORTS } from '../gen/rvf_constants.mjs';
import { simdProbe } from '../src/loader.js';
import { RvfError, loadRvfWasm, simdSupported } from '../src/index.js';
import { VARIANTS, tmpDir, wasmDir } from './helpers.mjs';

test('the SIMD probe validates here (Node >= 16 has SIMD128) and is a real SIMD test', () => {
  assert.equal(simdSupported(), true);
  const probe = simdProbe();
  assert.equal(WebAssembly.validate(probe), true);
  // the same module returning i32 instead of v128 without the SIMD opcode: still valid
  const scalar = probe.slice();
  scalar[14] = 0x7f; // result type i32
  scalar.set([0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b], 19);
  assert.equal(WebAssembly.validate(scalar.subarray(0, 27)), true);
  // without i8x16.splat (two nops instead) the i32 left for the v128 result is a type error:
  // validate really type-checks, so the probe passes only where v128 and the opcode exist
  const broken = probe.slice();
  broken.set([0x01, 0x01], 26);
  assert.equal(WebAssembly.validate(broken), false);
});

for (const variant of VARIANTS) {
  test(`the ${variant.name} build loads, checks its ABI and runs the ${variant.simd ? 'wasm128' : 'scalar'} kernel`, async () => {
    const w = await loadRvfWasm({ simd: variant.simd, baseUrl: wasmDir });
    assert.equal(w.variant, variant.name);
    assert.equal(w.kernel, variant.simd ? 'wasm128' : 'scalar');
    assert.equal(w.capi.rvf_wasm_abi_version(), WASM_ABI_VERSION);
    for (const name of WASM_EXPORTS) assert.equal(typeof w.capi[name], 'function', name);
    // the layout the C compiler computed for wasm32
    assert.equal(w.off('rvf_hit'), 16);
    assert.equal(w.off('rvf_hit.distance'), 8);
    assert.equal(w.off('rvf_value'), 16);
    assert.equal(w.off('rvf_value.v.bytes.len'), 12);
    assert.equal(w.off('RVF_VALUE_STRING'), 4);
    assert.equal(w.off('RVF_FILTER_AND'), 0x30);
    assert.equal(w.off('rvf_status_info.live_vectors'), 0);
    assert.throws(() => w.off('rvf_nothing'), (e) => e instanceof RvfError && e.name === 'INVALID_VERSION');
    // the same bytes given by the caller
    const bytes = readFileSync(join(wasmDir, `rvf-${variant.name}.wasm`));
    const again = await loadRvfWasm({ simd: variant.simd, baseUrl: pathToFileURL(wasmDir), wasmBinary: bytes });
    assert.equal(again.kernel, w.kernel);
  });
}

test("'auto' picks the SIMD build where SIMD128 validates", async () => {
  assert.equal((await loadRvfWasm({ baseUrl: wasmDir })).variant, 'simd');
});

test('refusals: a bad option, a folder without the builds, a module of another ABI', async () => {
  await assert.rejects(loadRvfWasm({ simd: 'yes', baseUrl: wasmDir }), (e) => e.name === 'INVALID_ARGUMENT');
  const empty = tmpDir('loader');
  await assert.rejects(loadRvfWasm({ simd: false, baseUrl: empty }), (e) => e instanceof RvfError && e.name === 'IO_ERROR');
  // a stand-in glue module whose instance reports ABI version + 1
  writeFileSync(join(empty, 'rvf-fallback.mjs'),
    `export default async () => ({ _rvf_wasm_abi_version: () => ${WASM_ABI_VERSION + 1} });\n`);
  writeFileSync(join(empty, 'rvf-fallback.wasm'), new Uint8Array(8));
  await assert.rejects(loadRvfWasm({ simd: false, baseUrl: empty }), (e) => {
    assert.ok(e instanceof RvfError);
    assert.equal(e.name, 'INVALID_VERSION');
    assert.match(e.message, new RegExp(`ABI version ${WASM_ABI_VERSION + 1}; this loader needs ${WASM_ABI_VERSION}`));
    return true;
  });
});

test('without a global crypto (Node 18 by default) the loader supplies node:crypto', () => {
  const script = `
    import { RvfDatabase, loadRvfWasm } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
    if (typeof globalThis.crypto !== 'undefined') throw new Error('the flag did not remove crypto');
    const wasm = await loadRvfWasm({ simd: false, baseUrl: ${JSON.stringify(wasmDir)} });
    const db = await RvfDatabase.create({ dimension: 2, wasm });
    console.log((await db.status()).fileId);`;
  const file = join(tmpDir('crypto'), 'no-crypto.mjs'); // not -e: eval code sees node:crypto as `crypto`
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, ['--no-experimental-global-webcrypto', file], { encoding: 'utf8' });
  assert.equal(r.stderr, '', 'no "Aborted(randomDevice)" from the Emscripten runtime');
  assert.equal(r.status, 0);
  assert.match(r.stdout.trim(), /^[0-9a-f]{32}$/);
  assert.notEqual(r.stdout.trim(), '0'.repeat(32));
});

#!/usr/bin/env node
// tile-diff.mjs: the wasm half of the tile differential test. Replays a trace written by
// tile_trace (tests/tile/tile_trace.c: seeded random call sequences run on the native library)
// against rvf_tile.wasm and checks every return value and output byte. The same C source runs in
// both; this checks the wasm build (clang wasm32 + SIMD128 + wasm-opt, run by V8) against the
// native one (host compiler, gcc vector extensions), on every kind of input including the Fixes
// and the extended mode. f32 outputs compare NaN == NaN (WebAssembly leaves NaN bits
// nondeterministic); everything else byte for byte.
// Usage: node tests/wasm/tile-diff.mjs build/kernel/rvf_tile.wasm build/tests/tile.trace
import { readFileSync } from 'node:fs';

const [wasmPath, tracePath] = process.argv.slice(2);
if (!wasmPath || !tracePath) {
  console.error('usage: node tests/wasm/tile-diff.mjs rvf_tile.wasm tile.trace');
  process.exit(2);
}
const module = new WebAssembly.Module(readFileSync(wasmPath));
const lines = readFileSync(tracePath, 'utf8').split('\n');

// The generators of tile_trace.c's fill(), integer for integer.
function fill(u8, addr, len, kind, seed) {
  let s = (seed | 1) >>> 0;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  for (let i = 0; i < len;) {
    const r = next();
    if (kind === 'h' || kind === 'H') {
      let v = ((r & 1) << 15) | ((10 + ((r >>> 1) & 7)) << 10) | ((r >>> 4) & 0x3ff);
      if (kind === 'H' && r >>> 28 === 0) v = (r >>> 14) & 0xffff;
      u8[addr + i++] = v & 0xff;
      if (i < len) u8[addr + i++] = v >>> 8;
    } else if (kind === 'f' || kind === 'T') {
      let v = (((r & 1) << 31) | ((120 + ((r >>> 1) & 7)) << 23) | (r >>> 9)) >>> 0;
      if (kind === 'T') v = (r & 63) === 0 ? 0x7fc00000 : (((124 + ((r >>> 1) & 3)) << 23) | (((r >>> 3) & 3) << 21)) >>> 0;
      for (let b = 0; b < 4 && i < len; b++) u8[addr + i++] = (v >>> (8 * b)) & 0xff;
    } else if (kind === 'c') {
      u8[addr + i++] = 0xcd;
    } else {
      for (let b = 0; b < 4 && i < len; b++) u8[addr + i++] = (r >>> (8 * b)) & 0xff;
    }
  }
}

// Which arguments are addresses (they move by the host area's base), per export.
const PTR_ARGS = {
  rvf_init: [0], rvf_load_query: [0], rvf_load_block: [0], rvf_distances: [1], rvf_topk_merge: [0, 1],
  rvf_topk_read: [0], rvf_load_sq_params: [0], rvf_dequant_i8: [0, 1], rvf_load_pq_codebook: [0],
  rvf_pq_distances: [0, 2], rvf_load_neighbors: [2], rvf_greedy_step: [], rvf_verify_header: [0], rvf_crc32c: [0],
};
const I64 = { rvf_load_neighbors: [0], rvf_greedy_step: [0] };

let memSize = 0, e = null, base = 0, u8 = null;
let seqs = 0, calls = 0, outputs = 0, nanOnly = 0, failures = 0, lastCall = '';
const perExport = {};
let hostDependent = 0;
const fail = (msg) => {
  failures++;
  if (failures <= 15) console.log(`MISMATCH seq ${seqs - 1}: ${msg}`);
};

for (const line of lines) {
  if (!line) continue;
  const f = line.split(' ');
  switch (f[0]) {
    case 'M':
      memSize = Number(f[1]);
      break;
    case 'S': {
      e = new WebAssembly.Instance(module, {}).exports;
      base = e.memory.buffer.byteLength;
      e.memory.grow(memSize / 65536); // memory = base + the native host area, exactly
      u8 = new Uint8Array(e.memory.buffer);
      seqs++;
      break;
    }
    case 'W':
      fill(u8, base + Number(f[1]), Number(f[2]), f[3], Number(f[4]));
      break;
    case 'X':
      u8.set(Buffer.from(f[2], 'hex'), base + Number(f[1]));
      break;
    case 'C': {
      const name = f[1], want = f[2], raw = f.slice(3);
      const argv = raw.map((a, i) => {
        if ((I64[name] ?? []).includes(i)) return BigInt(a);
        const v = Number(a);
        return PTR_ARGS[name].includes(i) ? (base + v) | 0 : v;
      });
      const got = e[name](...argv);
      calls++;
      const pe = (perExport[name] ??= [0, 0]);
      pe[0]++;
      if (Number(want) >= 0) pe[1]++;
      lastCall = `${name}(${raw.join(', ')})`;
      if (String(got) !== want) fail(`${lastCall}: native ${want}, wasm ${got}`);
      break;
    }
    case 'O': {
      if (f[3] === 'x') { // depends on where the host's memory starts (tile_trace.c): not compared
        hostDependent++;
        break;
      }
      const addr = base + Number(f[1]), len = Number(f[2]), floats = f[3] === 'f';
      const want = Buffer.from(f[4], 'hex'), got = Buffer.from(u8.buffer, addr, len);
      outputs++;
      if (!want.equals(got)) {
        let ok = floats, nan = false;
        for (let i = 0; ok && i < len; i += 4) {
          if (want.readUInt32LE(i) === got.readUInt32LE(i)) continue;
          if (Number.isNaN(want.readFloatLE(i)) && Number.isNaN(got.readFloatLE(i))) nan = true;
          else {
            ok = false;
            fail(`${lastCall}: output byte ${i}: native ${want.subarray(i, i + 4).toString('hex')} wasm ${got.subarray(i, i + 4).toString('hex')}`);
          }
        }
        if (!floats) fail(`${lastCall}: output differs: native ${want.toString('hex').slice(0, 96)} wasm ${got.toString('hex').slice(0, 96)}`);
        if (ok && nan) nanOnly++;
      }
      break;
    }
    default:
      throw new Error(`bad trace line: ${line.slice(0, 80)}`);
  }
}

console.log(`tile differential test: ${seqs} sequences, ${calls} calls, ${outputs} output buffers compared (wasm vs native)`);
for (const [k, [n, ok]] of Object.entries(perExport).sort()) console.log(`  ${k.padEnd(22)} ${String(n).padStart(5)} calls, ${String(ok).padStart(5)} returned >= 0`);
console.log(`  (${nanOnly} f32 output buffers differed only in the bits of NaN results; ${hostDependent} Hamming outputs over a stored host address not compared)`);
if (!seqs || !calls) {
  console.log('FAIL: empty trace');
  process.exit(1);
}
if (failures) {
  console.log(`FAIL: ${failures} mismatch(es)`);
  process.exit(1);
}
console.log('ok: the wasm module and the native library agree on every call');

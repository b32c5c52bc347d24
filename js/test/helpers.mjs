// helpers.mjs: what the js/ tests share: where the builds and the native CLI are (ctest passes
// RVF_WASM_DIR, RVF_CLI and RVF_TMP; run by hand, the defaults are js/dist and build/), a
// seeded generator, and the native rvf program.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const wasmDir = process.env.RVF_WASM_DIR ?? resolve(here, '../dist');
export const cliPath = process.env.RVF_CLI ?? resolve(here, '../../build/native-host/rvf');
export const haveCli = existsSync(cliPath);

/** Both builds: [{simd: true, name: 'simd'}, {simd: false, name: 'fallback'}]. */
export const VARIANTS = [
  { simd: true, name: 'simd' },
  { simd: false, name: 'fallback' },
];

const made = [];
process.on('exit', (code) => {
  if (code === 0) for (const d of made) rmSync(d, { recursive: true, force: true }); // kept on failure
});

/** A fresh temporary folder under RVF_TMP (or the system's); removed when the run passes. */
export function tmpDir(tag) {
  const root = process.env.RVF_TMP ?? join(process.env.TMPDIR ?? '/tmp', 'rvf-js-tests');
  mkdirSync(root, { recursive: true });
  const d = mkdtempSync(join(root, `${tag}-`));
  made.push(d);
  return d;
}

/** splitmix64: a seeded generator of uint64 BigInts, floats in [0, 1) and small integers. */
export function rng(seed) {
  let s = BigInt.asUintN(64, BigInt(seed));
  const next = () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
  const float = () => Number(next() >> 11n) / 2 ** 53;
  return {
    next,
    float,
    /** An integer in [lo, hi]. */
    int: (lo, hi) => lo + Number(next() % BigInt(hi - lo + 1)),
    /** A standard normal value (Box-Muller). */
    normal: () => Math.sqrt(-2 * Math.log(1 - float())) * Math.cos(2 * Math.PI * float()),
  };
}

/** Run the native rvf program; returns {status, stdout, stderr}. */
export function rvf(args, input) {
  const r = spawnSync(cliPath, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run rvf and expect exit 0; returns stdout. */
export function rvfOk(args, input) {
  const r = rvf(args, input);
  if (r.status !== 0) throw new Error(`rvf ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

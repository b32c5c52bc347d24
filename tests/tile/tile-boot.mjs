// tile-boot.mjs: self-bootstrap (RVF-BRIEF §12) end to end. The rvf CLI embeds the tile
// microkernel in a store (rvf embed-kernel -> WASM_SEG); the Node hub then boots a tile from the
// store file alone (tile-sim/hub.mjs --boot-from: manifest directory, WasmHeader, SHAKE-256 hash,
// VEC_SEG vectors) and its answers must equal rvf query's (the native runtime, exact f32) within
// fp16 tolerance. Also: the WASM_SEG survives compaction; a damaged bytecode, a store without
// kernel, a non-wasm file and an oversized module are refused.
// Usage: node tests/tile/tile-boot.mjs RVF_CLI TILE_WASM TMPDIR
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, readFileSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootFromStore, makeDataset, f16Tolerance } from '../../tile-sim/hub.mjs';
import { wasmModules } from '../../tile-sim/rvf-file.mjs';

const [rvf, wasm, tmp] = process.argv.slice(2);
if (!rvf || !wasm || !tmp) {
  console.error('usage: node tests/tile/tile-boot.mjs RVF_CLI TILE_WASM TMPDIR');
  process.exit(2);
}
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
let failed = 0, checks = 0;
const check = (ok, what) => { checks++; if (!ok) { failed++; console.error(`FAIL: ${what}`); } };
const run = (...args) => spawnSync(rvf, args, { encoding: 'utf8' });
const must = (...args) => {
  const r = run(...args);
  if (r.status !== 0) throw new Error(`rvf ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};

const dim = 24, n = 700, k = 10;
const ds = makeDataset(n, dim, 0x600d);
const fv = Buffer.alloc(n * (4 + 4 * dim));
for (let i = 0; i < n; i++) {
  fv.writeInt32LE(dim, i * (4 + 4 * dim));
  for (let d = 0; d < dim; d++) fv.writeFloatLE(ds.f32[i * dim + d], i * (4 + 4 * dim) + 4 + 4 * d);
}
writeFileSync(join(tmp, 'v.fvecs'), fv);
const rows = [0, 17, 333, 699];

for (const dtype of ['f32', 'f16']) {
  const store = join(tmp, `s-${dtype}.rvf`);
  must('create', store, '--dim', String(dim), '--dtype', dtype, '-q');
  must('ingest', store, join(tmp, 'v.fvecs'), '--batch', '300', '-q');
  const before = await bootFromStore(store).then(() => 'booted', (e) => e.message);
  check(/no WASM_SEG/.test(before), `${dtype}: a store without a kernel is refused (${before})`);
  const out = must('embed-kernel', store, '--wasm', wasm);
  check(/as WASM_SEG \d+/.test(out), `${dtype}: embed-kernel prints the segment id: ${out.trim()}`);
  must('verify', store, '-q');
  const insp = JSON.parse(must('inspect', store, '--json'));
  check(JSON.stringify(insp).includes('WASM_SEG'), `${dtype}: rvf inspect lists the WASM_SEG`);
  const mods = wasmModules(new Uint8Array(readFileSync(store)));
  check(mods.length === 1 && mods[0].role === 0 && mods[0].target === 4 && mods[0].exportCount === 14 && mods[0].hashOk &&
    Buffer.from(mods[0].bytecode).equals(readFileSync(wasm)), `${dtype}: the WasmHeader fields and bytes`);

  for (const phase of ['embedded', 'compacted']) {
    if (phase === 'compacted') must('compact', store, '-q');
    // the native runtime's answers (exact, f32 or the f16 the store holds)
    const queries = rows.map((r) => JSON.stringify(Array.from(ds.f32.subarray(r * dim, (r + 1) * dim))));
    const native = execFileSync(rvf, ['query', store, '--stdin', '-k', String(k), '--json'], { input: queries.join('\n') + '\n', encoding: 'utf8' })
      .trim().split('\n').map((l) => JSON.parse(l).results);
    for (const [qi, r] of rows.entries()) {
      const got = await bootFromStore(store, { row: r, k });
      check(got.microkernel.hashVerified && got.vectors === n && got.results.length === k, `${dtype} ${phase}: boot row ${r}`);
      const qv = ds.f32.subarray(r * dim, (r + 1) * dim);
      let ok = true;
      const tolK = f16Tolerance(qv, 0, ds.f32, Number(native[qi][k - 1].id) * dim, dim);
      for (const [i, h] of got.results.entries()) {
        const nat = native[qi].find((x) => x.id === h.id);
        const tol = f16Tolerance(qv, 0, ds.f32, Number(h.id) * dim, dim);
        if (nat) ok &&= Math.abs(nat.distance - h.distance) <= tol + 1e-6 * nat.distance;
        else ok &&= h.distance >= native[qi][k - 1].distance - 2 * tolK; // an edge swap within tolerance
        if (i === 0) ok &&= h.id === native[qi][0].id; // the row itself
      }
      check(ok, `${dtype} ${phase}: row ${r}: tile ${JSON.stringify(got.results.slice(0, 3))} vs rvf query ${JSON.stringify(native[qi].slice(0, 3))}`);
    }
  }
  // a damaged bytecode: the SHAKE-256 check refuses it before instantiation
  const bad = join(tmp, `bad-${dtype}.rvf`);
  copyFileSync(store, bad);
  const b = readFileSync(bad), m = wasmModules(new Uint8Array(b))[0];
  b[m.offset + 64 + 64 + 100] ^= 0x10;
  writeFileSync(bad, b);
  const badBoot = await bootFromStore(bad).then(() => 'booted', (e) => e.message);
  check(/bytecode_hash/.test(badBoot), `${dtype}: a damaged kernel is refused (${badBoot})`);
  check(run('verify', bad, '-q').status !== 0, `${dtype}: rvf verify reports the damaged WASM_SEG`);
}
// the CLI refuses what is not a tile microkernel
writeFileSync(join(tmp, 'not.wasm'), 'hello, world');
writeFileSync(join(tmp, 'big.wasm'), Buffer.concat([readFileSync(wasm).subarray(0, 8), Buffer.alloc(9000)]));
must('create', join(tmp, 'e.rvf'), '--dim', '4', '-q');
check(run('embed-kernel', join(tmp, 'e.rvf'), '--wasm', join(tmp, 'not.wasm')).status === 1, 'a non-wasm file is refused');
check(run('embed-kernel', join(tmp, 'e.rvf'), '--wasm', join(tmp, 'big.wasm')).status === 1, 'a module of 8192 bytes or more is refused');
check(run('embed-kernel', join(tmp, 'e.rvf')).status === 2, 'no --wasm is a usage error');
// the command line of the hub
const hub = join(dirname(fileURLToPath(import.meta.url)), '../../tile-sim/hub.mjs');
const cli = JSON.parse(execFileSync(process.execPath, [hub, '--boot-from', join(tmp, 's-f32.rvf'), '--row', '5', '--k', '3'], { encoding: 'utf8' }));
check(cli.results.length === 3 && cli.results[0].id === '5' && cli.results[0].distance === 0, 'hub.mjs --boot-from prints the answer');
console.log(`tile-boot: ${checks} checks, ${failed} failed`);
process.exit(failed ? 1 : 0);

// pack.test.mjs: the npm package as a user gets it. The package (js/package.json, README.md,
// src/, gen/ and the builds and bundle of RVF_WASM_DIR as dist/) is staged under RVF_TMP,
// `npm pack` makes the tarball, `npm install --offline` puts it into an empty folder (the package
// has no dependencies, so no network), and a smoke script there imports 'rvf' and 'rvf/bundle',
// creates a store, writes it to a file, opens the file and queries it. Prints the tarball's size,
// its unpacked size and the gzip sizes of the builds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';
import { test } from 'node:test';

import { tmpDir, wasmDir } from './helpers.mjs';

const js = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.env.RVF_NPM ?? 'npm';
const need = ['rvf-simd.mjs', 'rvf-simd.wasm', 'rvf-fallback.mjs', 'rvf-fallback.wasm', 'rvf.mjs', 'rvf.d.mts'];
const absent = need.filter((f) => !existsSync(join(wasmDir, f)));
let haveNpm = true;
try {
  execFileSync(npm, ['--version'], { stdio: 'ignore' });
} catch {
  haveNpm = false;
}
const skip = absent.length ? `not built in ${wasmDir}: ${absent.join(', ')}` : haveNpm ? false : 'npm is not installed';

const SMOKE = `
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { RvfDatabase, RvfError, STATUS } from 'rvf';
import * as bundled from 'rvf/bundle';

const db = await RvfDatabase.create({ dimension: 8 });
const n = 500;
const vecs = new Float32Array(n * 8).map((_, i) => Math.sin(i * 0.37));
await db.insertBatch(Array.from({ length: n }, (_, i) => i + 1), vecs);
await db.buildIndex();
writeFileSync('smoke.rvf', await db.exportBytes());
db.close();
const q = Array.from(vecs.subarray(8 * 41, 8 * 42));
for (const api of [{ RvfDatabase, RvfError }, bundled]) {
  const again = await api.RvfDatabase.open('smoke.rvf');
  const hits = await again.query(q, 3, { ef: 32 });
  assert.equal(hits[0].id, 42);
  assert.equal(hits[0].distance, 0);
  assert.equal((await again.status()).liveVectors, n);
  await assert.rejects(again.query([1], 1), (e) => e instanceof api.RvfError && e.code === STATUS.DIMENSION_MISMATCH);
  again.close();
}
console.log('smoke ok: ' + db.variant);
`;

test('npm pack, install offline into an empty folder, import, open a file, query', { skip, timeout: 120000 }, () => {
  const dir = tmpDir('pack');
  const stage = join(dir, 'stage');
  mkdirSync(join(stage, 'dist'), { recursive: true });
  for (const f of ['package.json', 'README.md']) cpSync(join(js, f), join(stage, f));
  for (const d of ['src', 'gen']) cpSync(join(js, d), join(stage, d), { recursive: true });
  for (const f of need) cpSync(join(wasmDir, f), join(stage, 'dist', f));
  const env = { ...process.env, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' };
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', dir], { cwd: stage, env, encoding: 'utf8' }));
  const info = packed[0];
  const tarball = join(dir, info.filename);
  const files = info.files.map((f) => f.path);
  for (const f of ['package.json', 'src/index.js', 'src/index.d.ts', 'src/progressive.js', 'gen/rvf_constants.mjs', ...need.map((f) => `dist/${f}`)])
    assert.ok(files.includes(f), `${f} is in the tarball`);
  assert.ok(!files.some((f) => f.startsWith('test/')), 'no tests in the package');

  // an empty project of its own: without a package.json npm would install into the nearest
  // one up the tree (the repository's)
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'rvf-smoke', private: true, type: 'module' }));
  execFileSync(npm, ['install', '--prefix', app, '--no-audit', '--no-fund', '--offline', '--loglevel=error', tarball], { cwd: app, env, stdio: ['ignore', 'ignore', 'inherit'] });
  assert.ok(existsSync(join(app, 'node_modules/rvf/dist/rvf-simd.wasm')));
  writeFileSync(join(app, 'smoke.mjs'), SMOKE);
  const out = execFileSync(process.execPath, ['smoke.mjs'], { cwd: app, encoding: 'utf8' });
  assert.match(out, /smoke ok: simd/);

  const gz = (p) => gzipSync(readFileSync(p), { level: constants.Z_BEST_COMPRESSION }).length;
  const fmt = (n) => n.toLocaleString('en-US');
  console.log(`tarball ${info.filename}: ${fmt(statSync(tarball).size)} bytes (gzip), ${fmt(info.unpackedSize)} unpacked, ${info.entryCount} files`);
  for (const f of readdirSync(join(app, 'node_modules/rvf/dist')).sort()) {
    const p = join(app, 'node_modules/rvf/dist', f);
    console.log(`  dist/${f.padEnd(18)} ${fmt(statSync(p).size).padStart(9)} bytes ${fmt(gz(p)).padStart(9)} gzip`);
  }
});

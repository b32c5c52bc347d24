// bundle.test.mjs: the esbuild bundle (RVF_WASM_DIR/rvf.mjs, js/scripts/bundle.mjs): one ES
// module with no static import, exporting what src/index.js exports; with no options it loads
// the builds from its own folder and runs a store; its answers equal the unbundled module's.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

import * as src from '../src/index.js';
import { wasmDir } from './helpers.mjs';

const bundle = join(wasmDir, 'rvf.mjs');
const skip = existsSync(bundle) ? false : `${bundle} is not built (the rvf_js_bundle target needs esbuild: npm ci)`;

test('the bundle is one self-contained ES module with the types beside it', { skip }, () => {
  const text = readFileSync(bundle, 'utf8');
  assert.doesNotMatch(text, /^\s*import\s[^(]/m, 'no static import');
  assert.doesNotMatch(text, /\brequire\(/, 'no CommonJS');
  // Node built-ins only as lazy imports, reached in Node alone
  for (const m of text.matchAll(/import\("([^"]+)"\)/g)) assert.match(m[1], /^node:/);
  assert.match(readFileSync(join(wasmDir, 'rvf.d.mts'), 'utf8'), /export \* from '\.\.\/src\/index\.js'/);
});

test('the bundle exports the API, loads its builds from its folder and answers as the sources do', { skip }, async () => {
  const b = await import(pathToFileURL(bundle).href);
  assert.deepEqual(Object.keys(b).sort(), Object.keys(src).sort());
  for (const name of ['RvfDatabase', 'RvfError', 'init', 'encodeFilter', 'loadRvfWasm']) assert.equal(typeof b[name], 'function');
  assert.deepEqual(b.STATUS, src.STATUS);
  const db = await b.RvfDatabase.create({ dimension: 3, metric: 'cosine' }); // no baseUrl: its own folder
  assert.equal(db.variant, 'simd');
  await db.insertBatch([1, 2, 3], [[1, 0, 0], [0, 1, 0], [1, 1, 0]], [{ 1: 'a' }, { 1: 'b' }, { 1: 'a' }]);
  const bytes = await db.exportBytes();
  const hits = await db.query([1, 0.1, 0], 2, { filter: ['==', 1, 'a'] });
  assert.deepEqual(hits.map((h) => h.id), [1, 3]);
  await assert.rejects(db.query([1, 0], 1), (e) => e instanceof b.RvfError && e.name === 'DIMENSION_MISMATCH');
  db.close();
  // the unbundled sources open the bundle's file and agree
  const w = await src.loadRvfWasm({ baseUrl: wasmDir });
  const again = await src.RvfDatabase.open(bytes, { wasm: w });
  assert.deepEqual(await again.query([1, 0.1, 0], 2, { filter: ['==', 1, 'a'] }), hits);
  again.close();
});

test('every RvfDatabase call of the issue exists and is declared in index.d.ts', () => {
  const dts = readFileSync(new URL('../src/index.d.ts', import.meta.url), 'utf8');
  const cls = dts.slice(dts.indexOf('export declare class RvfDatabase'));
  for (const name of ['create', 'open', 'openProgressive']) {
    assert.equal(typeof src.RvfDatabase[name], 'function', name);
    assert.match(cls, new RegExp(`\\n  static ${name}\\(`), `${name} typed`);
  }
  for (const name of ['insert', 'insertBatch', 'query', 'delete', 'deleteByFilter', 'status', 'segments', 'exportBytes', 'close', 'load', 'buildIndex', 'compact', 'verify']) {
    assert.equal(typeof src.RvfDatabase.prototype[name], 'function', name);
    assert.match(cls, new RegExp(`\\n  ${name}\\(`), `${name} typed`);
  }
  assert.equal(typeof src.RvfDatabase.prototype[Symbol.dispose ?? Symbol.for('Symbol.dispose')], 'function');
  assert.match(cls, /\[Symbol\.dispose\]\(\): void;/);
  for (const t of ['RvfProgress', 'RvfProgressiveOptions', 'RvfNetwork']) assert.match(dts, new RegExp(`export interface ${t} `));
});

// native.test.mjs: the WebAssembly builds answer exactly as the native library. A seeded set is
// stored twice, by the native `rvf` CLI (create + ingest of JSON Lines) and by RvfDatabase in
// each build; the same queries (three metrics, a metadata filter, HNSW with ef) must give the
// same ids and bit-identical distances. Coordinates are small integers, so every sum of
// products is exact in f32 whatever the summation order (AVX2 natively, wasm128 or scalar here).
// Then the file images cross over: the wasm store's exportBytes() opens in the CLI (status,
// verify, query) and the CLI's file opens in RvfDatabase.open(), with the same answers.
// A second set of Gaussian floats checks the builds against the CLI within the kernel's
// reassociation bound (kernel/SIMD.md).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { RvfDatabase, loadRvfWasm } from '../src/index.js';
import { VARIANTS, cliPath, haveCli, rng, rvfOk, tmpDir, wasmDir } from './helpers.mjs';

const N = 600;
const DIM = 12;
const Q = 16;
const K = 10;
const LANGS = ['en', 'de', 'fr', 'ja'];
const FILTER_TEXT = 'year >= 2010 and lang in ("en", "de")';
const FILTER_EXPR = ['and', ['>=', 1, 2010], ['in', 2, ['en', 'de']]];
const FIELDS = ['--field', 'year=1', '--field', 'lang=2'];

/** The seeded set: ids are sparse (i * 7 + 3, one above 2^53), coordinates integers in [-4, 4]. */
function dataset(seed, gen) {
  const r = rng(seed);
  const ids = [];
  const vectors = [];
  const metas = [];
  for (let i = 0; i < N; i++) {
    ids.push(i === N - 1 ? 2n ** 60n + 5n : i * 7 + 3);
    vectors.push(Array.from({ length: DIM }, () => gen(r)));
    metas.push({ 1: 2000 + r.int(0, 24), 2: LANGS[r.int(0, 3)] });
  }
  const queries = Array.from({ length: Q }, () => Array.from({ length: DIM }, () => gen(r)));
  queries[0] = [...vectors[N - 1]]; // the id above 2^53 comes back first (a BigInt in JS)
  return { ids, vectors, metas, queries };
}
const smallInt = (r) => r.int(-4, 4);
const gaussian = (r) => Math.fround(r.normal());

/** The native store of a dataset, built with the CLI; returns its path. */
function nativeStore(dir, name, set) {
  const path = join(dir, `${name}.rvf`);
  // ids are written as digits (BigInts too); %.9g-style f32 values round-trip through JSON
  const lines = set.ids.map((id, i) => {
    const meta = JSON.stringify({ year: set.metas[i][1], lang: set.metas[i][2] });
    return `{"id":${id},"vector":${JSON.stringify(set.vectors[i])},"meta":${meta}}`;
  });
  writeFileSync(join(dir, `${name}.jsonl`), `${lines.join('\n')}\n`);
  rvfOk(['create', path, '--dim', String(DIM), '--metric', 'l2', '-q']);
  rvfOk(['ingest', path, join(dir, `${name}.jsonl`), ...FIELDS, '-q']);
  return path;
}

/** The CLI's answers: one [{id (string), distance}] per query. */
function cliQuery(path, queries, extra = []) {
  const out = rvfOk(['query', path, '--stdin', '-k', String(K), '--json', '-q', ...FIELDS, ...extra],
    `${queries.map((q) => JSON.stringify(q)).join('\n')}\n`);
  return out.trim().split('\n').map((line) => JSON.parse(line).results.map((h) => ({ id: h.id, distance: h.distance })));
}

/** The same query options in both spellings. */
const CASES = [
  { name: 'l2', cli: [], js: {} },
  { name: 'ip', cli: ['--metric', 'ip'], js: { metric: 'ip' } },
  { name: 'cosine', cli: ['--metric', 'cosine'], js: { metric: 'cosine' } },
  { name: 'filter', cli: ['--filter', FILTER_TEXT], js: { filter: FILTER_EXPR } },
  { name: 'hnsw ef 24', cli: ['--ef', '24'], js: { ef: 24 } },
];

async function jsQuery(db, queries, options) {
  const out = [];
  for (const q of queries) out.push((await db.query(q, K, options)).map((h) => ({ id: String(h.id), distance: h.distance })));
  return out;
}

/** Exact comparison: same ids, same f32 distances (the CLI prints %.9g, which round-trips f32). */
function assertSame(js, cli, what) {
  assert.equal(js.length, cli.length, `${what}: query count`);
  js.forEach((hits, qi) => {
    assert.deepEqual(hits.map((h) => h.id), cli[qi].map((h) => h.id), `${what}: ids of query ${qi}`);
    hits.forEach((h, i) => assert.equal(h.distance, Math.fround(cli[qi][i].distance), `${what}: query ${qi} rank ${i}`));
  });
}

describe('the wasm builds against the native CLI', { skip: !haveCli && `no native rvf at ${cliPath}` }, () => {
  const dir = haveCli ? tmpDir('native') : '';
  const set = dataset(0x5eed, smallInt);
  let nativePath;
  const cli = {};
  before(() => {
    nativePath = nativeStore(dir, 'exact', set);
    for (const c of CASES) cli[c.name] = cliQuery(nativePath, set.queries, c.cli);
    // the filter keeps about 30% of the set, so every query still has K hits
    assert.ok(cli.filter.every((r) => r.length === K));
    assert.equal(cli.l2[0][0].id, String(2n ** 60n + 5n));
  });

  for (const variant of VARIANTS) {
    describe(variant.name, () => {
      let wasm;
      let db;
      before(async () => {
        wasm = await loadRvfWasm({ simd: variant.simd, baseUrl: wasmDir });
        db = await RvfDatabase.create({ dimension: DIM, metric: 'l2', wasm });
        assert.equal(await db.insertBatch(set.ids, set.vectors, set.metas), N);
      });

      for (const c of CASES) {
        test(`${c.name}: same ids and distances as rvf query`, async () => {
          assertSame(await jsQuery(db, set.queries, c.js), cli[c.name], c.name);
        });
      }

      test('exportBytes() opens in the CLI: status, verify and query agree', async () => {
        const path = join(dir, `from-${variant.name}.rvf`);
        writeFileSync(path, await db.exportBytes());
        const st = JSON.parse(rvfOk(['status', path, '--json']));
        const mine = await db.status();
        assert.equal(st.live_vectors, N);
        assert.equal(st.dimension, DIM);
        assert.equal(st.metric, 'l2');
        assert.equal(st.epoch, mine.epoch);
        assert.equal(st.file_id, mine.fileId);
        assert.equal(st.segment_count, mine.segmentCount);
        assert.equal(st.file_size, mine.fileSize);
        rvfOk(['verify', path, '-q']);
        for (const c of CASES) assertSame(await jsQuery(db, set.queries, c.js), cliQuery(path, set.queries, c.cli), `exported ${c.name}`);
      });

      test("RvfDatabase.open() of the CLI's file answers as the CLI", async () => {
        const bytes = readFileSync(nativePath);
        for (const readOnly of [false, true]) {
          const other = await RvfDatabase.open(bytes, { wasm, readOnly });
          const st = await other.status();
          assert.equal(st.liveVectors, N);
          assert.equal(st.readOnly, readOnly);
          for (const c of CASES) assertSame(await jsQuery(other, set.queries, c.js), cli[c.name], `opened ${c.name}`);
          await other.close();
        }
      });

      test('after delete, buildIndex and compact the CLI still agrees', async () => {
        const copy = await RvfDatabase.open(await db.exportBytes(), { wasm });
        const gone = set.ids.filter((_, i) => i % 5 === 0);
        assert.equal(await copy.delete(gone), gone.length);
        await copy.buildIndex();
        await copy.compact();
        const st = await copy.status();
        assert.equal(st.liveVectors, N - gone.length);
        assert.equal(st.deletedVectors, 0, 'compaction drops deleted vectors');
        assert.ok(st.indexSegments > 0);
        const path = join(dir, `compacted-${variant.name}.rvf`);
        writeFileSync(path, await copy.exportBytes());
        rvfOk(['verify', path, '-q']);
        for (const c of CASES) assertSame(await jsQuery(copy, set.queries, c.js), cliQuery(path, set.queries, c.cli), `compacted ${c.name}`);
        await copy.close();
      });
    });
  }

  describe('Gaussian floats, within the reassociation bound', () => {
    const fset = dataset(0xf10a7, gaussian);
    let fcli;
    before(() => {
      fcli = cliQuery(nativeStore(dir, 'float', fset), fset.queries);
    });
    for (const variant of VARIANTS) {
      test(variant.name, async () => {
        const wasm = await loadRvfWasm({ simd: variant.simd, baseUrl: wasmDir });
        const db = await RvfDatabase.create({ dimension: DIM, wasm });
        await db.insertBatch(fset.ids, new Float32Array(fset.vectors.flat()), fset.metas);
        const js = await jsQuery(db, fset.queries, {});
        js.forEach((hits, qi) => {
          const ref = fcli[qi];
          hits.forEach((h, i) => {
            // kernel/SIMD.md: |a - b| <= n * FLT_EPSILON * sum|t_i|, and the L2 terms are >= 0
            const tol = DIM * 2 ** -23 * ref[i].distance + 2 ** -126;
            assert.ok(Math.abs(h.distance - ref[i].distance) <= tol, `query ${qi} rank ${i}: ${h.distance} vs ${ref[i].distance}`);
            const neighbours = [ref[i - 1], ref[i + 1]].filter(Boolean);
            const tied = neighbours.some((o) => Math.abs(o.distance - ref[i].distance) <= 2 * tol);
            if (!tied) assert.equal(h.id, ref[i].id, `query ${qi} rank ${i}`);
          });
        });
        await db.close();
      });
    }
  });
});

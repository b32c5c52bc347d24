// database.test.mjs: RvfDatabase in both builds: ids (numbers and BigInts), metadata and
// filters, delete, compaction, the index, status and segments, export and reopen, close and
// dispose, and every kind of bad input giving an RvfError with its precise code.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { RvfDatabase, RvfError, STATUS, encodeFilter, loadRvfWasm } from '../src/index.js';
import { VARIANTS, wasmDir } from './helpers.mjs';

/** Resolves when fn rejects (or throws) with an RvfError of this code. */
async function rejectsWith(fn, name, what) {
  await assert.rejects(fn, (e) => {
    assert.ok(e instanceof RvfError, `${what}: ${e}`);
    assert.equal(e.name, name, `${what}: ${e.message}`);
    assert.equal(e.code, STATUS[name], what);
    assert.ok(e.message.length > 0);
    return true;
  }, what);
}

const ids = (hits) => hits.map((h) => h.id);

for (const variant of VARIANTS) {
  describe(`RvfDatabase (${variant.name})`, () => {
    let wasm;
    before(async () => {
      wasm = await loadRvfWasm({ simd: variant.simd, baseUrl: wasmDir });
    });

    /** Five axis-aligned vectors in 4 dimensions with metadata: field 1 a year, 2 a language. */
    async function small(options = {}) {
      const db = await RvfDatabase.create({ dimension: 4, wasm, ...options });
      await db.insert(1, [1, 0, 0, 0], { 1: 2019, 2: 'en' });
      await db.insertBatch(
        [2, 3n, 4, 5],
        [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0]],
        [{ 1: 2020, 2: 'de' }, new Map([[1, 2021], [2, 'en']]), [[1, 2022]], undefined],
      );
      return db;
    }

    test('create, insert and an exact query', async () => {
      const db = await small();
      assert.equal(db.dimension, 4);
      assert.equal(db.variant, variant.name);
      assert.deepEqual(await db.query([1, 0, 0, 0], 3), [
        { id: 1, distance: 0 },
        { id: 5, distance: 1 },
        { id: 2, distance: 2 },
      ]);
      // ip is the negated dot product; cosine 1 - cos
      assert.deepEqual(await db.query([1, 1, 0, 0], 2, { metric: 'ip' }), [
        { id: 5, distance: -2 },
        { id: 1, distance: -1 },
      ]);
      assert.deepEqual(ids(await db.query(new Float32Array([0, 0, 1, 0]), 1, { metric: 'cosine' })), [3]);
      // k larger than the store: every vector, no error; k 0: nothing
      assert.equal((await db.query([1, 0, 0, 0], 1000)).length, 5);
      assert.deepEqual(await db.query([1, 0, 0, 0], 0), []);
      await db.close();
    });

    test('a repeated id replaces the vector and its metadata', async () => {
      const db = await small();
      await db.insert(1, [0, 0, 0, 9], { 1: 1999 });
      const st = await db.status();
      assert.equal(st.liveVectors, 5);
      assert.deepEqual((await db.query([0, 0, 0, 9], 1))[0], { id: 1, distance: 0 });
      assert.deepEqual(ids(await db.query([0, 0, 0, 0], 5, { filter: ['<', 1, 2000] })), [1]);
      await db.close();
    });

    test('ids: numbers and BigInts in, numbers up to 2^53 - 1 and BigInts above out', async () => {
      const db = await RvfDatabase.create({ dimension: 2, wasm });
      const top = (1n << 64n) - 1n;
      await db.insertBatch(new BigUint64Array([top, 2n ** 53n]), new Float32Array([0, 0, 1, 0]));
      await db.insert(Number.MAX_SAFE_INTEGER, [2, 0]);
      await db.insert(2 ** 47, [3, 0]);
      assert.deepEqual(ids(await db.query([0, 0], 4)), [top, 2n ** 53n, Number.MAX_SAFE_INTEGER, 2 ** 47]);
      // FORMAT.md: deletions hold ids below 2^48
      await rejectsWith(() => db.delete(top), 'INVALID_ARGUMENT', 'deleting an id of 2^48 or more');
      assert.equal(await db.delete([2n ** 47n, 12345]), 1, 'unknown ids are ignored');
      assert.deepEqual(ids(await db.query([0, 0], 4)), [top, 2n ** 53n, Number.MAX_SAFE_INTEGER]);
      await db.close();
    });

    test('filters: comparisons, in, prefix, contains, range, and/or/not, bytes', async () => {
      const db = await small();
      const q = (filter) => db.query([0, 0, 0, 0], 10, { filter }).then((h) => ids(h).sort((a, b) => a - b));
      assert.deepEqual(await q(['>=', 1, 2021]), [3, 4]);
      assert.deepEqual(await q(['eq', 2, 'en']), [1, 3]);
      assert.deepEqual(await q(['!=', 2, 'en']), [2, 4, 5], 'a missing field is NULL, and NULL != "en"');
      assert.deepEqual(await q(['in', 1, [2019, 2022, 1234]]), [1, 4]);
      assert.deepEqual(await q(['range', 1, 2020, 2022]), [2, 3]);
      assert.deepEqual(await q(['or', ['==', 2, 'de'], ['>', 1, 2021.5]]), [2, 4]);
      assert.deepEqual(await q(['not', ['==', 2, 'en']]), [2, 4, 5]);
      assert.deepEqual(await q(['and', ['<', 1, 2021], ['prefix', 2, 'e']]), [1]);
      assert.deepEqual(await q(['contains', 2, 'n']), [1, 3]);
      assert.deepEqual(await q(['and', ['>=', 1, 2020n], ['<=', 1, { type: 'f32', value: 2021 }]]), [2, 3]);
      const bytes = encodeFilter(wasm, ['==', 2, 'de']);
      assert.ok(bytes instanceof Uint8Array && bytes.length > 0);
      assert.deepEqual(await q(bytes), [2]);
      assert.equal(await db.deleteByFilter(['==', 2, 'en']), 2);
      assert.deepEqual(await q(['>=', 1, 0]), [2, 4]);
      await db.close();
    });

    test('metadata values of every type round-trip through filters', async () => {
      const db = await RvfDatabase.create({ dimension: 1, wasm });
      const values = [
        [1, -5], [2, 2 ** 40], [3, 0.25], [4, 'text'], [5, new Uint8Array([1, 2, 0, 255])],
        [6, true], [7, -(2n ** 63n)], [8, { type: 'u32', value: 7 }], [9, null],
      ];
      await db.insert(1, [0], Object.fromEntries(values));
      await db.insert(2, [1]);
      for (const [field, v] of values.slice(0, 8)) {
        assert.deepEqual(ids(await db.query([0], 5, { filter: ['==', field, v] })), [1], `field ${field}`);
      }
      assert.deepEqual(ids(await db.query([0], 5, { filter: ['<', 1, -4] })), [1], 'negative integers compare');
      assert.deepEqual(ids(await db.query([0], 5, { filter: ['==', 9, 0] })), [], 'NULL equals no value');
      assert.deepEqual(ids(await db.query([0], 5, { filter: ['==', 9, null] })), [1, 2], 'NULL equals NULL (missing too)');
      await db.close();
    });

    test('status, segments, buildIndex, compact and approximate queries', async () => {
      const db = await RvfDatabase.create({ dimension: 8, metric: 'cosine', wasm });
      const n = 300;
      const vecs = new Float32Array(n * 8).map((_, i) => Math.sin(i * 0.37) + (i % 8 === 0 ? 1 : 0));
      await db.insertBatch(Array.from({ length: n }, (_, i) => i), vecs);
      let st = await db.status();
      assert.equal(st.metric, 'cosine');
      assert.equal(st.dtype, 'f32');
      assert.equal(st.liveVectors, n);
      assert.equal(st.epoch, 1);
      assert.equal(st.indexSegments, 0);
      assert.match(st.fileId, /^[0-9a-f]{32}$/);
      assert.equal(st.recoveredFrom, null);
      await db.buildIndex({ m: 8, efConstruction: 64 });
      st = await db.status();
      assert.equal(st.indexSegments, 1);
      assert.equal(st.indexedVectors, n);
      const segs = await db.segments();
      assert.equal(segs.length, st.segmentCount, 'the listed segments, the manifest last');
      assert.equal(segs.at(-1).typeName, 'MANIFEST_SEG');
      assert.equal(segs.at(-1).offset, st.manifestOffset);
      assert.ok(segs.some((s) => s.typeName === 'INDEX_SEG'));
      assert.ok(segs.some((s) => s.typeName === 'VEC_SEG' && s.payloadLength >= n * 8 * 4));
      // with ef >= n the beam holds everything: the graph's answer is the exact one
      const q = Array.from(vecs.subarray(80, 88));
      assert.deepEqual(await db.query(q, 10, { ef: 400 }), await db.query(q, 10));
      assert.equal(await db.delete(Array.from({ length: 100 }, (_, i) => i)), 100);
      await db.compact();
      st = await db.status();
      assert.equal(st.liveVectors, n - 100);
      assert.equal(st.deadBytes, 0);
      assert.equal(st.fileSize, (await db.exportBytes()).length);
      await db.verify();
      await db.close();
    });

    test('exportBytes opens again: writable by default, read-only in place', async () => {
      const db = await small({ metric: 'ip', dtype: 'f16', profile: 3 });
      const bytes = await db.exportBytes();
      const before0 = await db.query([1, 2, 3, 4], 5);
      await db.close();
      const again = await RvfDatabase.open(bytes, { wasm });
      const st = await again.status();
      assert.deepEqual([st.metric, st.dtype, st.profileId, st.readOnly], ['ip', 'f16', 3, false]);
      assert.deepEqual(await again.query([1, 2, 3, 4], 5), before0);
      await again.insert(6, [0, 0, 0, 0]);
      assert.equal((await again.status()).liveVectors, 6);
      await again.close();
      const ro = await RvfDatabase.open(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), { wasm, readOnly: true });
      assert.equal((await ro.status()).readOnly, true);
      assert.deepEqual(await ro.query([1, 2, 3, 4], 5), before0);
      assert.deepEqual(await ro.exportBytes(), bytes);
      await rejectsWith(() => ro.insert(7, [1, 1, 1, 1]), 'READ_ONLY', 'insert into a read-only store');
      await rejectsWith(() => ro.delete([1]), 'READ_ONLY', 'delete from a read-only store');
      await rejectsWith(() => ro.compact(), 'READ_ONLY', 'compact a read-only store');
      await ro.close();
    });

    test('damaged bytes: a truncated tail falls back to the previous commit, a flipped bit is recovered from', async () => {
      const db = await small();
      const bytes = await db.exportBytes();
      await db.close();
      const cut = await RvfDatabase.open(bytes.subarray(0, bytes.length - 10), { wasm });
      const st = await cut.status();
      assert.equal(st.epoch, 1, 'the second commit lost its manifest');
      assert.equal(st.liveVectors, 1);
      await cut.close();
      const flipped = bytes.slice();
      flipped[bytes.length - 100] ^= 1;
      const rec = await RvfDatabase.open(flipped, { wasm });
      assert.notEqual((await rec.status()).recoveredFrom, null);
      await rec.close();
    });

    test('close() is idempotent, Symbol.dispose closes, a closed database refuses calls', async () => {
      const db = await small();
      await db.close();
      await db.close();
      assert.equal(db.closed, true);
      await rejectsWith(() => db.query([1, 0, 0, 0], 1), 'INVALID_ARGUMENT', 'query after close');
      await rejectsWith(() => db.status(), 'INVALID_ARGUMENT', 'status after close');
      const other = await small();
      other[Symbol.dispose]();
      assert.equal(other.closed, true);
    });

    test('bad input: an RvfError with the precise code', async () => {
      const db = await small();
      const cases = [
        ['INVALID_ARGUMENT', 'dimension 0', () => RvfDatabase.create({ dimension: 0, wasm })],
        ['INVALID_ARGUMENT', 'dimension 65536', () => RvfDatabase.create({ dimension: 65536, wasm })],
        ['INVALID_ARGUMENT', 'no options', () => RvfDatabase.create(undefined)],
        ['INVALID_ARGUMENT', 'unknown metric', () => RvfDatabase.create({ dimension: 2, metric: 'manhattan', wasm })],
        ['INVALID_ARGUMENT', 'unknown dtype', () => RvfDatabase.create({ dimension: 2, dtype: 'i8', wasm })],
        ['INVALID_ARGUMENT', 'bad profile', () => RvfDatabase.create({ dimension: 2, profile: 256, wasm })],
        ['INVALID_ARGUMENT', 'open a number', () => RvfDatabase.open(42, { wasm })],
        ['MANIFEST_NOT_FOUND', 'open garbage', () => RvfDatabase.open(new Uint8Array(1000).fill(7), { wasm })],
        ['MANIFEST_NOT_FOUND', 'open nothing', () => RvfDatabase.open(new Uint8Array(0), { wasm })],
        ['DIMENSION_MISMATCH', 'short vector', () => db.insert(9, [1, 2, 3])],
        ['DIMENSION_MISMATCH', 'flat batch of the wrong size', () => db.insertBatch([9, 10], new Float32Array(7))],
        ['DIMENSION_MISMATCH', 'query of the wrong dimension', () => db.query([1, 2, 3], 1)],
        ['INVALID_ARGUMENT', 'NaN in a vector', () => db.insert(9, [NaN, 0, 0, 0])],
        ['INVALID_ARGUMENT', 'infinity in a query', () => db.query([Infinity, 0, 0, 0], 1)],
        ['INVALID_ARGUMENT', 'negative id', () => db.insert(-1, [0, 0, 0, 0])],
        ['INVALID_ARGUMENT', 'fractional id', () => db.insert(1.5, [0, 0, 0, 0])],
        ['INVALID_ARGUMENT', 'unsafe id', () => db.insert(2 ** 60, [0, 0, 0, 0])],
        ['INVALID_ARGUMENT', 'id above 2^64', () => db.insert(1n << 64n, [0, 0, 0, 0])],
        ['INVALID_ARGUMENT', 'string id', () => db.insert('7', [0, 0, 0, 0])],
        ['INVALID_ARGUMENT', 'metas of the wrong length', () => db.insertBatch([9], [[0, 0, 0, 0]], [{}, {}])],
        ['INVALID_ARGUMENT', 'field id 65536', () => db.insert(9, [0, 0, 0, 0], { 65536: 1 })],
        ['INVALID_ARGUMENT', 'a metadata object', () => db.insert(9, [0, 0, 0, 0], { 1: {} })],
        ['INVALID_ARGUMENT', 'an i64 out of range', () => db.insert(9, [0, 0, 0, 0], { 1: -(2n ** 63n) - 1n })],
        ['INVALID_ARGUMENT', 'negative k', () => db.query([1, 0, 0, 0], -1)],
        ['INVALID_ARGUMENT', 'fractional ef', () => db.query([1, 0, 0, 0], 1, { ef: 1.5 })],
        ['INVALID_ARGUMENT', 'unknown query metric', () => db.query([1, 0, 0, 0], 1, { metric: 'dot' })],
        ['METRIC_UNSUPPORTED', 'hamming on floats', () => db.query([1, 0, 0, 0], 1, { metric: 'hamming' })],
        ['FILTER_PARSE_ERROR', 'unknown operator', () => db.query([1, 0, 0, 0], 1, { filter: ['~', 1, 2] })],
        ['FILTER_PARSE_ERROR', 'wrong arity', () => db.query([1, 0, 0, 0], 1, { filter: ['==', 1] })],
        ['FILTER_PARSE_ERROR', 'empty and', () => db.query([1, 0, 0, 0], 1, { filter: ['and'] })],
        ['FILTER_PARSE_ERROR', 'not an expression', () => db.query([1, 0, 0, 0], 1, { filter: { eq: 1 } })],
        ['FILTER_PARSE_ERROR', 'garbage filter bytes', () => db.query([1, 0, 0, 0], 1, { filter: new Uint8Array([1, 2, 3]) })],
        ['FILTER_PARSE_ERROR', 'deeper than the format allows',
          () => db.query([1, 0, 0, 0], 1, { filter: Array.from({ length: 20 }).reduce((e) => ['and', ['==', 1, 1], e], ['==', 1, 1]) })],
        ['INVALID_ARGUMENT', 'bad filter field id', () => db.deleteByFilter(['==', -1, 1])],
        ['INVALID_ARGUMENT', 'buildIndex m 1', () => db.buildIndex({ m: 1 })],
      ];
      for (const [name, what, fn] of cases) await rejectsWith(fn, name, what);
      // nothing above reached the store
      assert.equal((await db.status()).liveVectors, 5);
      assert.equal((await db.status()).epoch, 2);
      const f16 = await RvfDatabase.create({ dimension: 2, dtype: 'f16', wasm });
      await f16.insert(1, [1, 2]);
      await rejectsWith(() => f16.buildIndex(), 'INVALID_ARGUMENT', 'an index over f16');
      await f16.close();
      await db.close();
    });
  });
}

// golden.test.mjs: the golden files (tests/golden, what tests/runtime/test_golden.c checks
// natively) and, when RVF_SHARED holds the corpus, every reference-written and upstream example
// file (tests/runtime/test_corpus_store.c natively) go through the WebAssembly builds. Each must
// be read exactly as the native library reads it: the valid files open with the same status and
// answers as the native rvf CLI, each invalid one fails with the same status code as natively;
// for the corpus, the answers also match the reference's own, recorded in the .json sidecars.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { RvfDatabase, RvfError, loadRvfWasm } from '../src/index.js';
import { VARIANTS, cliPath, haveCli, rvf, rvfOk, wasmDir } from './helpers.mjs';

const goldenDir = fileURLToPath(new URL('../../tests/golden/', import.meta.url));
const corpusDirs = ['reference-written', 'upstream-examples'].map((d) => join(process.env.RVF_SHARED ?? '', 'corpus', d));
const haveCorpus = !!process.env.RVF_SHARED && corpusDirs.every((d) => existsSync(d));

// test_golden.c's table: the status each invalid file gives (at open, or at the first query).
const INVALID = {
  'bad-root-magic.rvf': 'MANIFEST_NOT_FOUND',
  'vec-hash-mismatch.rvf': 'INVALID_CHECKSUM',
  'vec-block-crc.rvf': 'INVALID_CHECKSUM',
  'dir-length-mismatch.rvf': 'INVALID_MANIFEST',
  'dir-offset-past-eof.rvf': 'TRUNCATED_SEGMENT',
  'dir-offset-not-segment.rvf': 'INVALID_MAGIC',
  'dimension-zero.rvf': 'INVALID_MANIFEST',
  'tlv-overflow.rvf': 'MANIFEST_NOT_FOUND',
  'truncated-manifest.rvf': 'MANIFEST_NOT_FOUND',
  'payload-too-large.rvf': 'SEGMENT_TOO_LARGE',
};
const VALID = ['worked-example.rvf', 'forward-compatible.rvf'];

/** The status name of the first failing call: read-only open, then a query. */
async function firstFailure(bytes, wasm, dim) {
  try {
    const db = await RvfDatabase.open(bytes, { wasm, readOnly: true });
    try {
      await db.query(new Float32Array(dim), 1);
    } finally {
      await db.close();
    }
  } catch (e) {
    assert.ok(e instanceof RvfError, `an RvfError, got ${e}`);
    return e.name;
  }
  return 'OK';
}

/** The CLI's answers to queries: [[{id (string), distance}]], or null when the CLI fails.
 * Memoized: both builds compare against the same native run. */
const cliMemo = new Map();
function cliAnswers(path, queries, k) {
  const key = JSON.stringify([path, queries, k]);
  if (!cliMemo.has(key)) cliMemo.set(key, cliRun(path, queries, k));
  return cliMemo.get(key);
}
function cliRun(path, queries, k) {
  const r = rvf(['query', path, '--stdin', '-k', String(k), '--json', '-q'], `${queries.map((q) => JSON.stringify(Array.from(q))).join('\n')}\n`);
  if (r.status !== 0) return null;
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l).results.map((h) => ({ id: String(h.id), distance: h.distance })));
}

async function wasmAnswers(db, queries, k) {
  const out = [];
  for (const q of queries) out.push((await db.query(q, k)).map((h) => ({ id: String(h.id), distance: h.distance })));
  return out;
}

/** Same ids (near-ties may swap) and distances within the kernels' reassociation bound. */
function assertClose(mine, want, dim, what) {
  assert.equal(mine.length, want.length, `${what}: query count`);
  mine.forEach((hits, qi) => {
    const ref = want[qi];
    assert.equal(hits.length, ref.length, `${what}: hits of query ${qi}`);
    const tol = (d) => dim * 2 ** -23 * (Math.abs(d) + 1);
    hits.forEach((h, i) => {
      assert.ok(Math.abs(h.distance - ref[i].distance) <= tol(ref[i].distance), `${what} query ${qi} rank ${i}: ${h.distance} vs ${ref[i].distance}`);
      const tied = [ref[i - 1], ref[i + 1]].some((o) => o && Math.abs(o.distance - ref[i].distance) <= 2 * tol(ref[i].distance));
      if (!tied) assert.equal(h.id, ref[i].id, `${what} query ${qi} rank ${i}`);
    });
  });
}

for (const variant of VARIANTS) {
  describe(`golden files through the ${variant.name} build`, () => {
    let wasm;
    before(async () => {
      wasm = await loadRvfWasm({ simd: variant.simd, baseUrl: wasmDir });
    });

    test('every golden file is covered', () => {
      assert.deepEqual(readdirSync(goldenDir).sort(), [...VALID, ...Object.keys(INVALID)].sort());
    });

    test('the worked example: epoch 1, two vectors, L2, verified, the same answers as native', async () => {
      const bytes = readFileSync(join(goldenDir, 'worked-example.rvf'));
      assert.equal(bytes.length, 4480);
      for (const readOnly of [true, false]) {
        const db = await RvfDatabase.open(bytes, { wasm, readOnly });
        const st = await db.status();
        assert.equal(st.epoch, 1);
        assert.equal(st.liveVectors, 2);
        assert.equal(st.metric, 'l2'); // no CAPABILITY_MANIFEST: L2
        await db.verify();
        assert.deepEqual((await db.query([3, 4], 2)).map((h) => [h.id, h.distance]), [[7, 0], [5, 8]]);
        if (haveCli) {
          const queries = [[3, 4], [0, 0], [-1, 2.5]];
          assert.deepEqual(await wasmAnswers(db, queries, 2), cliAnswers(join(goldenDir, 'worked-example.rvf'), queries, 2));
        }
        await db.close();
      }
    });

    test('forward compatibility: unknown TLV and segment skipped, kept by compaction', async () => {
      const bytes = readFileSync(join(goldenDir, 'forward-compatible.rvf'));
      const db = await RvfDatabase.open(bytes, { wasm });
      assert.equal((await db.status()).liveVectors, 2);
      const segs = await db.segments();
      assert.equal(segs.length, 3); // VEC, the unknown 0xF0, manifest
      assert.equal(segs[1].type, 0xf0);
      await db.compact();
      const img = await db.exportBytes();
      const unknown = bytes.subarray(192, 320); // the 0xF0 segment, header and payload
      let found = false;
      for (let o = 0; o + 128 <= img.length && !found; o += 64) found = img[o + 5] === 0xf0 && Buffer.compare(img.subarray(o, o + 128), unknown) === 0;
      assert.ok(found, 'the unknown segment is copied byte for byte');
      await db.close();
    });

    for (const [name, want] of Object.entries(INVALID)) {
      test(`${name} is refused with ${want}, as natively`, async () => {
        const bytes = readFileSync(join(goldenDir, name));
        assert.equal(await firstFailure(bytes, wasm, 2), want);
        if (haveCli) {
          const r = rvf(['query', join(goldenDir, name), '--vector', '[0, 0]', '-k', '1']);
          assert.equal(r.status, 1, `${cliPath} fails too`);
        }
      });
    }
  });

  describe(`the reference corpus through the ${variant.name} build`, { skip: (!haveCorpus && 'RVF_SHARED corpus absent (a fresh clone has no ../shared)') || (!haveCli && 'no native rvf') }, () => {
    let wasm;
    before(async () => {
      wasm = await loadRvfWasm({ simd: variant.simd, baseUrl: wasmDir });
    });
    let files = 0;
    let checked = 0;
    for (const dir of haveCorpus ? corpusDirs : []) {
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.rvf')).sort()) {
        test(name, async () => {
          const path = join(dir, name);
          const bytes = readFileSync(path);
          const sidecar = existsSync(`${path}.json`) ? JSON.parse(readFileSync(`${path}.json`, 'utf8')) : null;
          if (name.startsWith('wasm_export')) {
            // rvf-wasm's own export layout: refused natively and here (rvf/compat opens it)
            assert.equal(await firstFailure(bytes, wasm, 16), 'MANIFEST_NOT_FOUND');
            assert.equal(rvf(['status', path]).status, 1);
            return;
          }
          if (!cliMemo.has(path)) cliMemo.set(path, JSON.parse(rvfOk(['status', path, '--json'])));
          const native = cliMemo.get(path);
          const db = await RvfDatabase.open(bytes, { wasm, readOnly: true });
          const st = await db.status();
          assert.equal(st.liveVectors, native.live_vectors);
          assert.equal(st.totalVectors, native.total_vectors);
          assert.equal(st.dimension, native.dimension);
          assert.equal(st.metric, native.metric);
          assert.equal(st.dialect === 'reference' ? 'runtime' : st.dialect, native.dialect === 'reference' ? 'runtime' : native.dialect);
          if (st.liveVectors > 0) {
            // queries: the sidecar's (with the reference's answers), else stored vectors
            let queries = sidecar?.queries?.vectors;
            if (!queries) {
              const dumpKey = `${path} dump`;
              if (!cliMemo.has(dumpKey)) cliMemo.set(dumpKey, rvfOk(['dump', path]).trim().split('\n').slice(0, 4).map((l) => JSON.parse(l).vector));
              queries = cliMemo.get(dumpKey);
            }
            const k = sidecar?.queries?.k ?? 10;
            const mine = await wasmAnswers(db, queries, k);
            assertClose(mine, cliAnswers(path, queries, k), st.dimension, `${name} vs the CLI`);
            // the sidecar's exact answers (computed in f64 by the corpus generator); the
            // reference's own answers where its search was exact (recall 1: small stores)
            const answers = [['exact', sidecar?.exact_answers_f64]];
            if (sidecar?.recall_at_10_reopen_vs_exact === 1) answers.push(['the reference', sidecar.reference_answers_after_reopen_readonly]);
            for (const [who, recorded] of answers) {
              if (!Array.isArray(recorded) || recorded.length !== queries.length) continue;
              assertClose(mine, recorded.map((hits) => hits.map((h) => ({ id: String(h.id), distance: h.distance }))), st.dimension, `${name} vs ${who}`);
              checked++;
            }
          }
          await db.close();
          files++;
        });
      }
    }
    test('the corpus was read', { skip: !haveCorpus }, () => {
      assert.ok(files >= 40, `${files} files`);
      assert.ok(checked >= 10, `${checked} answer sets from sidecars`);
    });
  });
}

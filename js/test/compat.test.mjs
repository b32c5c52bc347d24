// compat.test.mjs: rvf/compat (js/src/compat.js + js/wasm/rvf_compat.c) is a drop-in for
// @ruvector/rvf-wasm 0.1.9. The same seeded call sequences run against the reference module and
// against ours (both builds); results must agree, except where RVF-BRIEF §11.4 documents a Fix,
// where the fixed behaviour is asserted instead (marked "Fix" below). Then the files: bytes from
// our rvf_store_export open in the native rvf CLI with the same answers, a CLI file opens through
// rvf_store_open with the CLI's answers, and the reference's own export layout still opens.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { COMPAT_EXPORTS, init } from '../src/compat.js';
import { VARIANTS, haveCli, rng, rvfOk, tmpDir, wasmDir } from './helpers.mjs';

let refInit = null;
try {
  refInit = (await import('@ruvector/rvf-wasm')).default;
} catch {
  // not installed: the comparisons are skipped, the file tests still run
}
const goldenDir = fileURLToPath(new URL('../../tests/golden/', import.meta.url));
const shared = process.env.RVF_SHARED;

/** Memory helpers over one module's exports (the reference's or ours): everything via rvf_alloc. */
function side(e) {
  const mem = () => new Uint8Array(e.memory.buffer);
  const dv = () => new DataView(e.memory.buffer);
  return {
    e,
    put(bytes) {
      const p = e.rvf_alloc(Math.max(bytes.length, 1));
      assert.ok(p > 0, 'rvf_alloc');
      mem().set(bytes, p);
      return p;
    },
    out(n) {
      const p = e.rvf_alloc(Math.max(n, 1));
      mem().fill(0xcd, p, p + n);
      return p;
    },
    get: (p, n) => mem().slice(p, p + n),
    hits(p, n) {
      const d = dv();
      return Array.from({ length: Math.max(n, 0) }, (_, i) => ({ id: d.getBigUint64(p + 12 * i, true), distance: d.getFloat32(p + 12 * i + 8, true) }));
    },
    u32s: (p, n) => Array.from({ length: n }, (_, i) => dv().getUint32(p + 4 * i, true)),
  };
}
const f32bytes = (rows) => new Uint8Array(new Float32Array(rows.flat()).buffer);
const u64bytes = (ids) => new Uint8Array(new BigUint64Array(ids.map(BigInt)).buffer);

/** rvf_store_query on one side: [{id, distance}] or the negative return value. */
function query(s, h, q, k, metric) {
  const qp = s.put(f32bytes([q]));
  const out = s.out(Math.max(k, 0) * 12 + 12);
  const n = s.e.rvf_store_query(h, qp, k, metric, out);
  return n < 0 ? n : s.hits(out, n);
}

/** Same ids and distances (within the kernels' reassociation bound); near-ties may swap. */
function assertHitsClose(ours, ref, what) {
  if (typeof ref === 'number') return assert.equal(ours, ref, what);
  assert.equal(ours.length, ref.length, `${what}: hit count`);
  const tol = (d) => 1e-5 * (1 + Math.abs(d));
  ours.forEach((h, i) => {
    assert.ok(Math.abs(h.distance - ref[i].distance) <= tol(ref[i].distance), `${what} rank ${i}: ${h.distance} vs ${ref[i].distance}`);
    const tied = [ref[i - 1], ref[i + 1]].some((o) => o && Math.abs(o.distance - ref[i].distance) <= 2 * tol(ref[i].distance));
    if (!tied) assert.equal(h.id, ref[i].id, `${what} rank ${i}`);
  });
}

/** A seeded store call sequence, issued to both sides; every result compared. */
function storeSequence(ref, ours, seed) {
  const r = rng(seed);
  const pick = (a) => a[r.int(0, a.length - 1)];
  const dim = r.int(1, 24);
  const metric = pick([0, 1, 2, 3, -1, 7]);
  const both = (what, fn, cmp = assert.equal) => {
    const a = fn(ours);
    const b = fn(ref);
    cmp(a, b, `seed ${seed} ${what}`);
    return b;
  };
  const extra = r.int(0, 2); // more open stores: handles and slot reuse must match
  const others = [];
  for (let i = 0; i < extra; i++) others.push(both('create (other)', (s) => s.e.rvf_store_create(r.int(1, 4), 0)));
  if (others.length && r.float() < 0.7) {
    const o = others.shift();
    both('close (other)', (s) => s.e.rvf_store_close(o));
  }
  const h = both('create', (s) => s.e.rvf_store_create(dim, metric));
  assert.ok(h >= 1);
  const idPool = [];
  for (let step = 0; step < 30; step++) {
    const op = pick(['ingest', 'ingest', 'query', 'query', 'query', 'delete', 'count', 'status', 'bad']);
    if (op === 'ingest') {
      const n = pick([0, -3, r.int(1, 40)]);
      const ids = Array.from({ length: Math.max(n, 0) }, () => (idPool.length && r.float() < 0.15 ? pick(idPool) : r.int(0, 1e6)));
      idPool.push(...ids);
      const rows = ids.map(() => Array.from({ length: dim }, () => r.normal()));
      both(`ingest ${n}`, (s) => s.e.rvf_store_ingest(h, s.put(f32bytes(rows)), s.put(u64bytes(ids)), n));
    } else if (op === 'query') {
      const q = Array.from({ length: dim }, () => r.normal());
      const k = pick([-1, 0, 1, 5, 10, 100]);
      const m = pick([-1, 0, 1, 2, 3, 9]);
      assertHitsClose(query(ours, h, q, k, m), query(ref, h, q, k, m), `seed ${seed} query k ${k} metric ${m}`);
    } else if (op === 'delete') {
      const ids = Array.from({ length: r.int(0, 6) }, () => (idPool.length && r.float() < 0.8 ? pick(idPool) : r.int(0, 1e6)));
      const n = r.float() < 0.1 ? 0 : ids.length;
      both(`delete ${n}`, (s) => s.e.rvf_store_delete(h, s.put(u64bytes(ids)), n));
    } else if (op === 'count') {
      both('count', (s) => s.e.rvf_store_count(h));
      both('dimension', (s) => s.e.rvf_store_dimension(h));
    } else if (op === 'status') {
      both('status', (s) => {
        const p = s.out(20);
        return [s.e.rvf_store_status(h, p), ...s.u32s(p, 5)];
      }, assert.deepEqual);
    } else {
      const bad = pick([0, -1, h + 7, 1000]);
      both('bad handle', (s) => [s.e.rvf_store_count(bad), s.e.rvf_store_dimension(bad), s.e.rvf_store_status(bad, s.out(20)),
        s.e.rvf_store_ingest(bad, s.out(4), s.out(8), 1), s.e.rvf_store_delete(bad, s.out(8), 1),
        s.e.rvf_store_query(bad, s.out(4), 1, -1, s.out(12)), s.e.rvf_store_export(bad, s.out(8), 8), s.e.rvf_store_close(bad)], assert.deepEqual);
    }
  }
  both('close', (s) => s.e.rvf_store_close(h));
  both('close again', (s) => s.e.rvf_store_close(h));
  for (const o of others) both('close (other)', (s) => s.e.rvf_store_close(o));
}

/** A valid 73-byte-entry witness chain of n entries (RVF-BRIEF §5.11). */
function witnessChain(n, r) {
  const shake = (b) => createHash('shake256', { outputLength: 32 }).update(b).digest();
  const out = new Uint8Array(73 * n);
  for (let i = 0; i < n; i++) {
    const e = out.subarray(73 * i, 73 * i + 73);
    if (i > 0) e.set(shake(out.subarray(73 * (i - 1), 73 * i)), 0);
    e.set(shake(Buffer.from(`action ${i} ${r.int(0, 1e9)}`)), 32);
    new DataView(e.buffer, e.byteOffset).setBigUint64(64, BigInt(r.int(0, 1e9)), true);
    e[72] = r.int(0, 3);
  }
  return out;
}

/** Buffers for the inspection exports: real files and seeded garbage with segment headers in it. */
function inspectionBuffers(r, files) {
  const bufs = [...files];
  for (let i = 0; i < 12; i++) {
    const b = new Uint8Array(r.int(0, 600));
    for (let j = 0; j < b.length; j++) b[j] = r.int(0, 255);
    for (let h = 0; h < r.int(0, 4) && b.length >= 64; h++) {
      const at = r.int(0, b.length - 8);
      b.set([0x53, 0x46, 0x56, 0x52, r.float() < 0.8 ? 1 : 2], at);
      if (at + 24 <= b.length) new DataView(b.buffer).setBigUint64(at + 16, BigInt(r.int(0, 200)), true);
    }
    bufs.push(b);
  }
  return bufs;
}

function inspectionCompare(ref, ours, bufs, r) {
  for (const [bi, buf] of bufs.entries()) {
    const both = (what, fn) => assert.deepEqual(fn(ours), fn(ref), `buffer ${bi} (${buf.length} B): ${what}`);
    both('segment_count', (s) => s.e.rvf_segment_count(s.put(buf), buf.length));
    const n = ref.e.rvf_segment_count(ref.put(buf), buf.length);
    for (const idx of [-1, 0, 1, n - 1, n, n + 1, r.int(0, n + 2)]) {
      both(`segment_info ${idx}`, (s) => {
        const out = s.out(28);
        return [s.e.rvf_segment_info(s.put(buf), buf.length, idx, out), ...s.get(out, 28)];
      });
    }
    for (const off of [0, 64, r.int(0, buf.length)]) {
      const sl = buf.subarray(off);
      both(`parse_header @${off}`, (s) => {
        const out = s.out(24);
        return [s.e.rvf_parse_header(s.put(sl), sl.length, out), ...s.get(out, 24)];
      });
    }
    for (const len of [0, 3, 4, buf.length, r.int(0, buf.length)]) {
      both(`verify_checksum ${len}`, (s) => s.e.rvf_verify_checksum(s.put(buf.subarray(0, len)), len));
    }
  }
}

/** Small-integer rows: every distance is exact in f32, so native and wasm agree bit for bit. */
function intSet(seed, n, dim) {
  const r = rng(seed);
  const ids = Array.from({ length: n }, (_, i) => i * 3 + 1);
  const rows = ids.map(() => Array.from({ length: dim }, () => r.int(-5, 5)));
  const queries = Array.from({ length: 8 }, () => Array.from({ length: dim }, () => r.int(-5, 5)));
  return { ids, rows, queries };
}

/** The native CLI's answers for queries (exact scan): [[{id BigInt, distance}]]. */
function cliAnswers(path, queries, k) {
  const out = rvfOk(['query', path, '--stdin', '-k', String(k), '--json', '-q'], `${queries.map((q) => JSON.stringify(q)).join('\n')}\n`);
  return out.trim().split('\n').map((l) => JSON.parse(l).results.map((h) => ({ id: BigInt(h.id), distance: Math.fround(h.distance) })));
}

describe('rvf/compat against @ruvector/rvf-wasm 0.1.9', () => {
  let ref;
  before(async () => {
    if (refInit) ref = side(await refInit());
  });

  for (const variant of VARIANTS) {
    describe(variant.name, () => {
      let ours;
      before(async () => {
        ours = side(await init({ simd: variant.simd, baseUrl: wasmDir }));
      });

      test('every raw export of the reference, with the same arity, and memory', { skip: !refInit && 'reference not installed' }, () => {
        const refNames = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(fileURLToPath(import.meta.resolve('@ruvector/rvf-wasm/wasm')))))
          .filter((x) => x.kind === 'function').map((x) => x.name);
        assert.deepEqual([...refNames].sort(), [...COMPAT_EXPORTS].sort());
        assert.ok(ours.e.memory instanceof WebAssembly.Memory);
        for (const name of refNames) {
          assert.equal(typeof ours.e[name], 'function', name);
          assert.equal(ours.e[name].length, ref.e[name].length, `${name}: parameter count`);
        }
        // u64 node ids cross as BigInts
        assert.equal(typeof ours.e.rvf_greedy_step(0n, 0), 'bigint');
      });

      test('store call sequences: same handles, counts, status and answers', { skip: !refInit && 'reference not installed' }, () => {
        for (let seed = 1; seed <= 40; seed++) storeSequence(ref, ours, seed * 7919 + (variant.simd ? 0 : 1));
      });

      test('Fix: query ties are ordered by ascending id', { skip: !refInit && 'reference not installed' }, () => {
        const ids = [9, 3, 7, 5];
        const rows = ids.map(() => [1, 2]);
        const order = (s) => {
          const h = s.e.rvf_store_create(2, 0);
          s.e.rvf_store_ingest(h, s.put(f32bytes(rows)), s.put(u64bytes(ids)), ids.length);
          const hits = query(s, h, [0, 0], 4, -1);
          s.e.rvf_store_close(h);
          return hits.map((x) => Number(x.id));
        };
        assert.deepEqual(order(ours), [3, 5, 7, 9]);
        assert.deepEqual(order(ref), ids, 'the reference keeps insertion order (what the Fix changes)');
      });

      test('segment inspection, checksum, witness chain and memory exports agree', { skip: !refInit && 'reference not installed' }, () => {
        const r = rng(0xc0de + (variant.simd ? 0 : 1));
        const golden = readdirSync(goldenDir).map((f) => new Uint8Array(readFileSync(join(goldenDir, f))));
        // exports of both modules of the same store
        const exp = (s) => {
          const h = s.e.rvf_store_create(3, 2);
          s.e.rvf_store_ingest(h, s.put(f32bytes([[1, 2, 3], [4, 5, 6]])), s.put(u64bytes([1, 2])), 2);
          const need = -s.e.rvf_store_export(h, s.out(1), 1);
          const p = s.out(need);
          assert.equal(s.e.rvf_store_export(h, p, need), need);
          s.e.rvf_store_close(h);
          return s.get(p, need);
        };
        inspectionCompare(ref, ours, inspectionBuffers(r, [...golden, exp(ours), exp(ref)]), r);
        for (const n of [0, 1, 2, 5]) {
          const chain = witnessChain(n, r);
          const same = (what, buf, len) => assert.equal(ours.e.rvf_witness_verify(ours.put(buf), len), ref.e.rvf_witness_verify(ref.put(buf), len), what);
          same(`valid chain of ${n}`, chain, chain.length);
          assert.equal(ours.e.rvf_witness_verify(ours.put(chain), chain.length), n);
          if (n >= 2) {
            const bad = chain.slice();
            bad[73 + r.int(0, 31)] ^= 1; // a broken link
            same('broken link', bad, bad.length);
            assert.equal(ours.e.rvf_witness_verify(ours.put(bad), bad.length), -3);
            const other = chain.slice();
            other[72] ^= 1; // entry 0 changed after entry 1 linked it
            same('changed entry', other, other.length);
          }
          if (n >= 1) {
            const genesis = chain.slice();
            genesis[r.int(0, 31)] = 0x5a; // entry 0 must link to 32 zero bytes
            same('genesis not zero', genesis, genesis.length);
            assert.equal(ours.e.rvf_witness_verify(ours.put(genesis), genesis.length), -3);
          }
          same('length not a multiple of 73', chain, Math.max(chain.length - 1, 1));
          same('negative length', chain, -73);
        }
        for (const len of [-146, -1, 0, 1, 72, 73, 74, 146, 730, 2 ** 31 - 1]) {
          assert.equal(ours.e.rvf_witness_count(len), ref.e.rvf_witness_count(len), `witness_count ${len}`);
        }
        for (const size of [-8, 0]) assert.equal(ours.e.rvf_alloc(size), ref.e.rvf_alloc(size), `rvf_alloc(${size})`);
        for (const size of [1, 3, 8, 13, 4096, 1 << 20]) {
          const p = ours.e.rvf_alloc(size);
          assert.ok(p > 0 && p % 8 === 0, `rvf_alloc(${size}) = ${p} is 8-aligned`);
          ours.e.rvf_free(p, size);
        }
        ours.e.rvf_free(0, 8);
        ours.e.rvf_free(ours.e.rvf_alloc(8), 0); // ignored, as the reference does
      });

      test('tile exports: a query over an fp16 block gives the same top-K bytes', { skip: !refInit && 'reference not installed' }, () => {
        const r = rng(0x711e);
        const dim = 16;
        const count = 40;
        const f16 = () => ((r.int(0, 1) << 15) | (r.int(12, 17) << 10) | r.int(0, 1023)); // finite normals
        const q = new Uint16Array(dim).map(f16);
        const block = new Uint16Array(dim * count).map(f16);
        const ids = new BigUint64Array(count).map((_, i) => BigInt(i * 11 + 2));
        const cfg = new Uint8Array(64);
        const dv = new DataView(cfg.buffer);
        dv.setUint32(4, dim, true);
        dv.setUint32(8, count, true);
        dv.setUint32(20, 10, true);
        const run = (s, isRef) => {
          let cp;
          if (isRef) { // the reference reads its config from its tile memory (below 8 KB)
            cp = 1024;
            new Uint8Array(s.e.memory.buffer).set(cfg, cp);
          } else cp = s.put(cfg);
          const out = [s.e.rvf_init(cp), s.e.rvf_load_query(s.put(new Uint8Array(q.buffer)), dim),
            s.e.rvf_load_block(s.put(new Uint8Array(block.buffer)), count, 0)];
          const dp = s.out(count * 4);
          for (const metric of [0, 1, 2]) {
            out.push(s.e.rvf_distances(metric, dp), ...s.get(dp, count * 4));
            out.push(s.e.rvf_topk_merge(dp, s.put(new Uint8Array(ids.buffer)), count, 10));
          }
          const tp = s.out(16 * 12);
          out.push(s.e.rvf_topk_read(tp), ...s.get(tp, 10 * 12));
          const hdr = new Uint8Array(64);
          hdr.set([0x53, 0x46, 0x56, 0x52, 1]);
          out.push(s.e.rvf_verify_header(s.put(hdr)), s.e.rvf_crc32c(s.put(new Uint8Array(block.buffer, 0, 200)), 200));
          return out;
        };
        assert.deepEqual(run(ours, false), run(ref, true));
      });

      describe('files', { skip: !haveCli && 'no native rvf' }, () => {
        const dir = haveCli ? tmpDir(`compat-${variant.name}`) : '';
        const DIM = 8;
        const set = intSet(0xf11e, 300, DIM);

        test('Fix: rvf_store_export writes RVF that the native CLI opens with the same answers', () => {
          const s = ours;
          const h = s.e.rvf_store_create(DIM, 2);
          assert.equal(s.e.rvf_store_ingest(h, s.put(f32bytes(set.rows)), s.put(u64bytes(set.ids)), set.ids.length), set.ids.length);
          // a duplicate id (the later copy wins in the file) and deletions
          s.e.rvf_store_ingest(h, s.put(f32bytes([set.rows[5]])), s.put(u64bytes([set.ids[0]])), 1);
          assert.equal(s.e.rvf_store_delete(h, s.put(u64bytes(set.ids.slice(10, 20))), 10), 10);
          const live = set.ids.length - 10;
          assert.equal(s.e.rvf_store_count(h), live + 1);
          const need = -s.e.rvf_store_export(h, s.out(16), 16);
          assert.ok(need > 16, 'too small a buffer: minus the size needed');
          const p = s.out(need);
          assert.equal(s.e.rvf_store_export(h, p, need), need);
          const bytes = s.get(p, need);
          const p2 = s.out(need); // exporting again gives the same bytes
          assert.equal(s.e.rvf_store_export(h, p2, need), need);
          assert.deepEqual(s.get(p2, need), bytes);
          const path = join(dir, 'exported.rvf');
          writeFileSync(path, bytes);
          rvfOk(['verify', path, '-q']);
          const st = JSON.parse(rvfOk(['status', path, '--json']));
          assert.equal(st.live_vectors, live);
          assert.equal(st.dimension, DIM);
          assert.equal(st.metric, 'cosine');
          assert.equal(st.epoch, 1);
          const segs = rvfOk(['inspect', path]);
          assert.match(segs, /Segments \(2\)\n.*\n\s+0\s+VEC_SEG\s+1\s.*\n\s+\d+\s+MANIFEST_SEG\s+2\s/);
          // our store answers as the CLI on the file, except for the replaced copy of ids[0]
          s.e.rvf_store_delete(h, s.put(u64bytes([set.ids[0]])), 1);
          const cli = cliAnswers(path, set.queries, 10).map((hits) => hits.filter((x) => x.id !== BigInt(set.ids[0])).slice(0, 9));
          set.queries.forEach((q, i) => assert.deepEqual(query(s, h, q, 9, -1), cli[i], `query ${i}`));
          s.e.rvf_store_close(h);
        });

        test("Fix: rvf_store_open reads the native CLI's file (deletions applied, stored metric)", () => {
          const path = join(dir, 'native.rvf');
          const jsonl = set.ids.map((id, i) => `{"id":${id},"vector":${JSON.stringify(set.rows[i])}}`).join('\n');
          writeFileSync(join(dir, 'native.jsonl'), `${jsonl}\n`);
          rvfOk(['create', path, '--dim', String(DIM), '--metric', 'ip', '-q']);
          rvfOk(['ingest', path, join(dir, 'native.jsonl'), '-q']);
          rvfOk(['delete', path, '--ids', `${set.ids[3]},${set.ids[4]}`, '-q']);
          const bytes = new Uint8Array(readFileSync(path));
          const s = ours;
          const h = s.e.rvf_store_open(s.put(bytes), bytes.length);
          assert.ok(h > 0, `rvf_store_open: ${h}`);
          assert.equal(s.e.rvf_store_count(h), set.ids.length - 2);
          assert.equal(s.e.rvf_store_dimension(h), DIM);
          const sp = s.out(20);
          s.e.rvf_store_status(h, sp);
          assert.deepEqual(s.u32s(sp, 5), [set.ids.length - 2, DIM, 1, set.ids.length - 2, 0]);
          const cli = cliAnswers(path, set.queries, 10);
          set.queries.forEach((q, i) => assert.deepEqual(query(s, h, q, 10, -1), cli[i], `query ${i}`));
          s.e.rvf_store_close(h);
          assert.equal(s.e.rvf_store_open(s.put(bytes), 0), -1, 'bad arguments');
          const junk = new Uint8Array(4096).fill(7);
          assert.equal(s.e.rvf_store_open(s.put(junk), junk.length), -2, 'no manifest: -2 (Fix)');
        });

        test("the reference module's own export layout still opens", { skip: !refInit && 'reference not installed' }, () => {
          const rows = set.rows.slice(0, 100);
          const ids = set.ids.slice(0, 100);
          const hr = ref.e.rvf_store_create(DIM, 0);
          ref.e.rvf_store_ingest(hr, ref.put(f32bytes(rows)), ref.put(u64bytes(ids)), ids.length);
          ref.e.rvf_store_delete(hr, ref.put(u64bytes(ids.slice(0, 5))), 5);
          const need = -ref.e.rvf_store_export(hr, ref.out(1), 1);
          const rp = ref.out(need);
          ref.e.rvf_store_export(hr, rp, need);
          const bytes = ref.get(rp, need);
          const h = ours.e.rvf_store_open(ours.put(bytes), bytes.length);
          assert.ok(h > 0);
          assert.equal(ours.e.rvf_store_count(h), 95);
          assert.equal(ours.e.rvf_store_dimension(h), DIM);
          for (const q of set.queries) assert.deepEqual(query(ours, h, q, 10, -1), query(ref, hr, q, 10, -1));
          ours.e.rvf_store_close(h);
          ref.e.rvf_store_close(hr);
        });

        test('reference-runtime files (rvf-node) open through rvf_store_open with the CLI\'s answers', { skip: !(shared && existsSync(join(shared, 'corpus/reference-written'))) && 'RVF_SHARED corpus absent' }, () => {
          for (const name of ['small_dim4_l2.rvf', 'deletes_dim16_n1500.rvf', 'cosine_dim32_n3000.rvf']) {
            const path = join(shared, 'corpus/reference-written', name);
            const side_ = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
            const bytes = new Uint8Array(readFileSync(path));
            const h = ours.e.rvf_store_open(ours.put(bytes), bytes.length);
            assert.ok(h > 0, `${name}: ${h}`);
            const st = JSON.parse(rvfOk(['status', path, '--json']));
            assert.equal(ours.e.rvf_store_count(h), st.live_vectors, name);
            assert.equal(ours.e.rvf_store_dimension(h), st.dimension, name);
            const queries = side_.queries.vectors;
            const cli = cliAnswers(path, queries, 10);
            queries.forEach((q, i) => assertHitsClose(query(ours, h, q, 10, -1), cli[i], `${name} query ${i}`));
            ours.e.rvf_store_close(h);
          }
        });

        test('the corpus file written by rvf-wasm opens with the answers recorded in its sidecar', { skip: !(shared && existsSync(join(shared, 'corpus/reference-written/wasm_export_dim16_n500.rvf'))) && 'RVF_SHARED corpus absent' }, () => {
          const path = join(shared, 'corpus/reference-written/wasm_export_dim16_n500.rvf');
          const side_ = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
          const bytes = new Uint8Array(readFileSync(path));
          const h = ours.e.rvf_store_open(ours.put(bytes), bytes.length);
          assert.ok(h > 0);
          assert.equal(ours.e.rvf_store_count(h), side_.live_ids_count);
          side_.queries.vectors.forEach((q, i) => {
            const want = side_.reference_answers_live[i].map((x) => ({ id: BigInt(x.id), distance: x.distance }));
            assertHitsClose(query(ours, h, q, side_.queries.k, -1), want, `corpus query ${i}`);
          });
          ours.e.rvf_store_close(h);
        });
      });
    });
  }
});

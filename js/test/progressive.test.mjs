// progressive.test.mjs: RvfDatabase.openProgressive against Debian's nginx (a real server with
// Range, ETag and If-Match) and a small Node server that misbehaves on purpose. Checks the
// requests and bytes of each phase (client counters and nginx's access log agree), that no byte
// is fetched twice, that answers after load() equal a full open's, that Layer-A answers are
// real distances of live vectors, and that every bad answer (200 to a Range, 416, truncated,
// changed file) is an RvfError, never a wrong result. Skips when /usr/sbin/nginx is absent.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { RvfDatabase, RvfError, SEGMENT_FLAG, SEGMENT_TYPE, STATUS, loadRvfWasm } from '../src/index.js';
import { VARIANTS, rng, tmpDir, wasmDir } from './helpers.mjs';
import { haveNginx, NGINX, startNginx } from './nginx.mjs';

const N = 3000;
const DIM = 32;
const K = 10;
const DELETED = [5, 777, 1500];

/** N clustered vectors (seeded), ids 1..N, field 1 = id % 7; HNSW, compaction, then 3 deletions. */
async function makeStore(wasm, seed) {
  const r = rng(seed);
  const centers = Array.from({ length: 24 }, () => Array.from({ length: DIM }, () => r.float() * 8));
  const vecs = new Float32Array(N * DIM);
  for (let i = 0; i < N; i++) for (let d = 0; d < DIM; d++) vecs[i * DIM + d] = centers[i % 24][d] + r.normal();
  const ids = Array.from({ length: N }, (_, i) => i + 1);
  const db = await RvfDatabase.create({ dimension: DIM, wasm });
  await db.insertBatch(ids, vecs, ids.map((id) => ({ 1: id % 7 })));
  await db.buildIndex({ m: 12, efConstruction: 80 });
  await db.compact();
  assert.equal(await db.delete(DELETED), DELETED.length);
  const bytes = await db.exportBytes();
  await db.close();
  const queries = Array.from({ length: 20 }, (_, q) => Array.from({ length: DIM }, (_, d) => centers[(q * 5) % 24][d] + r.normal()));
  return { bytes, vecs, queries };
}

const l2 = (a, vecs, id) => {
  let s = 0;
  for (let d = 0; d < DIM; d++) {
    const x = Math.fround(a[d] - vecs[(id - 1) * DIM + d]);
    s = Math.fround(s + Math.fround(x * x));
  }
  return s;
};

/** Resolves when fn rejects with an RvfError IO_ERROR whose message matches re. */
async function ioFails(fn, re, what) {
  await assert.rejects(fn, (e) => {
    assert.ok(e instanceof RvfError, `${what}: ${e}`);
    assert.equal(e.code, STATUS.IO_ERROR, `${what}: ${e.message}`);
    assert.equal(e.name, 'IO_ERROR');
    assert.match(e.message, re, what);
    return true;
  }, what);
}

/** No byte range in the log overlaps another (a cached range is never fetched again). */
function assertNoRefetch(entries, size) {
  const spans = entries.flatMap((e) => e.range.replace(/^bytes=/, '').split(',').map((r) => {
    const m = /^(\d*)-(\d*)$/.exec(r);
    assert.ok(m && e.range.startsWith('bytes='), `range ${e.range}`);
    return m[1] === '' ? [size - Number(m[2]), size] : [Number(m[1]), Number(m[2]) + 1];
  })).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `bytes ${spans[i][0]} fetched twice: ${JSON.stringify(entries)}`);
}

describe('openProgressive over nginx', { skip: haveNginx ? false : `${NGINX} is not installed: run scripts/install-deps.sh` }, () => {
  let nginx, www, wasm, store, full, segs, size;
  before(async () => {
    wasm = await loadRvfWasm({ simd: true, baseUrl: wasmDir });
    const dir = tmpDir('progressive');
    www = join(dir, 'www');
    mkdirSync(www);
    store = await makeStore(wasm, 11);
    writeFileSync(join(www, 'a.rvf'), store.bytes);
    size = store.bytes.length;
    full = await RvfDatabase.open(store.bytes, { wasm });
    segs = await full.segments();
    nginx = await startNginx({ root: www, prefix: join(dir, 'nginx') });
  });
  after(async () => {
    await full?.close();
    await nginx?.stop();
  });

  test('the file has a Layer A (compaction with an index) and an access sketch', () => {
    const hot = segs.filter((g) => g.type === SEGMENT_TYPE.INDEX && g.flags & SEGMENT_FLAG.HOT);
    assert.equal(hot.length, 1);
    assert.ok(segs.filter((g) => g.type === SEGMENT_TYPE.VEC).length >= 4, 'several partitions');
  });

  test('phases: root is one bytes=-4096, Level 1 one request, the hotset in parallel; nginx agrees', async () => {
    const from = nginx.mark();
    const events = [];
    const db = await RvfDatabase.openProgressive(`${nginx.base}a.rvf`, { wasm, onProgress: (p) => events.push(p) });
    const net = db.network;
    const log = nginx.log(from);
    // root: the last 4096 bytes, one request
    assert.deepEqual(net.phases.root, { requests: 1, bytes: 4096, rounds: 1 });
    assert.deepEqual(log[0], { method: 'GET', path: '/a.rvf', range: 'bytes=-4096', status: 206, bytes: 4096 });
    // Level 1: the manifest's header and Level 1 (the root is in hand), one request
    const man = segs[segs.length - 1];
    assert.equal(man.typeName, 'MANIFEST_SEG');
    assert.equal(net.phases.level1.requests, 1);
    assert.equal(net.phases.level1.bytes, size - 4096 - man.offset);
    // hotset: what the root's pointers name (Layer A, the hot cache: the segments right before
    // the manifest) in one request in the same round as Level 1, then the sketch by segment
    const named = segs.filter((g) => (g.type === SEGMENT_TYPE.INDEX && g.flags & SEGMENT_FLAG.HOT) || g.type === SEGMENT_TYPE.HOT);
    const lo = Math.min(...named.map((g) => g.offset));
    // (this file has a delete committed after its compaction: its journal, witness and the
    // compaction's manifest sit between Layer A and the newest manifest and come along)
    assert.ok(man.offset - lo < 64 << 10, 'the named segments are near the manifest');
    assert.deepEqual(new Set([log[1].range, log[2].range]), new Set([`bytes=${man.offset}-${size - 4096 - 1}`, `bytes=${lo}-${man.offset - 1}`]));
    const sketch = segs.filter((g) => g.type === SEGMENT_TYPE.SKETCH && (g.offset < lo || g.offset >= man.offset));
    const sketchBytes = sketch.reduce((t, g) => t + 64 + g.payloadLength, 0);
    assert.ok(net.phases.hotset.requests >= 1 && net.phases.hotset.requests <= 1 + sketch.length);
    assert.equal(net.phases.hotset.bytes, man.offset - lo + sketchBytes);
    assert.equal(log.length, net.requests);
    assert.equal(log.reduce((t, e) => t + e.bytes, 0), net.bytesFetched);
    assert.ok(log.every((e) => e.status === 206));
    // progress: root, level1, hotset responses, then ready with Layer A in hand
    assert.deepEqual([...new Set(events.map((e) => e.phase))], ['root', 'level1', 'hotset', 'ready']);
    const ready = events[events.length - 1];
    assert.equal(ready.recall, 'layer-a');
    assert.equal(ready.bytesFetched, net.bytesFetched);
    assert.equal(ready.requests, net.requests);
    assert.equal(ready.fileSize, size);
    const st = await db.status();
    assert.equal(st.totalVectors, N);
    assert.equal(st.dimension, DIM);
    assert.equal(st.readOnly, true);
    assert.notEqual(st.loadState, 'full');
    assert.deepEqual(await db.segments(), segs);
    assert.equal(db.network.requests, net.requests, 'status and segments fetch nothing more');
    await db.close();
  });

  test('approximate queries read Layer A partitions on demand, in one round, and return live vectors at their true distance', async () => {
    const from = nginx.mark();
    const db = await RvfDatabase.openProgressive(`${nginx.base}a.rvf`, { wasm });
    const boot = db.network.bytesFetched;
    const first = await db.query(store.queries[0], K, { ef: 64 });
    const net = db.network;
    assert.equal(first.length, K);
    assert.equal(net.phases.demand.rounds, 1, 'every probed partition fetched in one round');
    assert.ok(net.phases.demand.requests >= 1 && net.phases.demand.requests <= 10);
    const st = await db.status();
    assert.equal(st.loadState, 'layer-a');
    assert.ok(st.partitionsLoaded >= 1 && st.partitionsLoaded <= 10);
    // the demand bytes are whole VEC_SEGs
    const vec = segs.filter((g) => g.type === SEGMENT_TYPE.VEC);
    assert.ok(net.phases.demand.bytes >= Math.min(...vec.map((g) => 64 + g.payloadLength)));
    assert.ok(boot + net.phases.demand.bytes < size, 'less than the whole file');
    let hit = 0, total = 0;
    for (const q of store.queries) {
      const got = await db.query(q, K, { ef: 64 });
      const exact = await full.query(q, K);
      for (const h of got) {
        assert.ok(!DELETED.includes(h.id), `deleted id ${h.id} returned`);
        // the SIMD kernel sums in lanes: equal to the scalar sum within f32 rounding
        const d = l2(q, store.vecs, h.id);
        assert.ok(Math.abs(h.distance - d) <= 1e-5 * d, `distance of ${h.id}: ${h.distance}, expected ${d}`);
      }
      hit += got.filter((h) => exact.some((e) => e.id === h.id)).length;
      total += K;
    }
    assert.ok(hit / total >= 0.7, `Layer-A recall ${hit / total}`);
    assert.equal((await db.status()).loadState, 'layer-a');
    const log = nginx.log(from);
    assert.equal(log.length, db.network.requests);
    assertNoRefetch(log, size);
    await db.close();
  });

  test('load() fetches the rest in parallel once; then answers equal a full open (ef, exact, filter)', async () => {
    const from = nginx.mark();
    const events = [];
    const db = await RvfDatabase.openProgressive(`${nginx.base}a.rvf`, { wasm, onProgress: (p) => events.push(p) });
    await db.query(store.queries[1], K, { ef: 32 });
    await Promise.all([db.load(), db.load()]);
    const net = db.network;
    assert.ok(net.phases.load.requests >= 1);
    assert.equal(net.phases.load.rounds, 1, 'one prefetch: rvf_load missed nothing');
    // every listed segment is cached, each byte fetched once, nothing beyond the file
    assert.ok(net.bytesFetched <= size);
    const listed = segs.reduce((t, g) => t + 64 + g.payloadLength, 0);
    assert.ok(net.bytesFetched >= listed);
    assertNoRefetch(nginx.log(from), size);
    const st = await db.status();
    assert.equal(st.loadState, 'full');
    assert.equal(st.liveVectors, N - DELETED.length);
    assert.equal(events[events.length - 1].phase, 'full');
    assert.equal(events[events.length - 1].recall, 'full');
    const before = db.network.requests;
    for (const q of store.queries.slice(0, 8)) {
      assert.deepEqual(await db.query(q, K, { ef: 64 }), await full.query(q, K, { ef: 64 }));
      assert.deepEqual(await db.query(q, K), await full.query(q, K));
      assert.deepEqual(await db.query(q, 5, { filter: ['==', 1, 3] }), await full.query(q, 5, { filter: ['==', 1, 3] }));
    }
    assert.equal(db.network.requests, before, 'a loaded store fetches nothing');
    await db.verify();
    assert.deepEqual(await db.exportBytes(), store.bytes);
    await db.close();
  });

  test('load() after scattered demand fetches groups the gaps into multipart requests', async () => {
    const from = nginx.mark();
    const db = await RvfDatabase.openProgressive(`${nginx.base}a.rvf`, { wasm });
    for (const q of store.queries.slice(0, 6)) await db.query(q, K, { ef: 16 });
    const pre = nginx.log(from);
    // the gaps: listed segments (merged where adjacent) not fetched yet
    const fetched = pre.flatMap((e) => e.range.replace(/^bytes=/, '').split(',')).map((r) => {
      const [a, b] = r.split('-');
      return a === '' ? [size - Number(b), size] : [Number(a), Number(b) + 1];
    });
    const cached = (o) => fetched.some(([a, b]) => o >= a && o < b);
    let gaps = 0;
    for (let i = 0, prev = -1; i < segs.length; i++) {
      const g = segs[i];
      if (cached(g.offset)) continue;
      if (prev !== g.offset) gaps++;
      prev = g.offset + 64 + g.payloadLength;
    }
    assert.ok(gaps > 6, `${gaps} gaps: too few to need multipart`);
    const mark = nginx.mark();
    await db.load();
    const log = nginx.log(mark);
    assert.ok(log.some((e) => e.range.includes(',')), 'a multipart request');
    assert.ok(log.every((e) => e.status === 206));
    assert.equal(log.length, db.network.phases.load.requests);
    assert.ok(log.length <= Math.ceil(gaps / 64) + 6, `${log.length} requests for ${gaps} gaps`);
    assertNoRefetch(nginx.log(from), size);
    const listed = segs.reduce((t, g) => t + 64 + g.payloadLength, 0);
    assert.ok(db.network.bytesFetched >= listed && db.network.bytesFetched <= size);
    assert.equal((await db.status()).loadState, 'full');
    for (const q of store.queries.slice(0, 8)) {
      assert.deepEqual(await db.query(q, K, { ef: 64 }), await full.query(q, K, { ef: 64 }));
      assert.deepEqual(await db.query(q, K), await full.query(q, K));
    }
    await db.verify();
    assert.deepEqual(await db.exportBytes(), store.bytes);
    await db.close();
  });

  test('an exact or filtered query on a fresh open loads first; mutations are READ_ONLY', async () => {
    const db = await RvfDatabase.openProgressive(`${nginx.base}a.rvf`, { wasm });
    const q = store.queries[2];
    assert.deepEqual(await db.query(q, K, { filter: ['<', 1, 2] }), await full.query(q, K, { filter: ['<', 1, 2] }));
    assert.equal((await db.status()).loadState, 'full');
    assert.ok(db.network.phases.load.requests >= 1);
    assert.equal(db.network.phases.demand.requests, 0);
    for (const [name, fn] of [
      ['insert', () => db.insert(1, new Float32Array(DIM))],
      ['insertBatch', () => db.insertBatch([1], new Float32Array(DIM))],
      ['delete', () => db.delete([1])],
      ['deleteByFilter', () => db.deleteByFilter(['==', 1, 1])],
      ['compact', () => db.compact()],
    ])
      await assert.rejects(fn, (e) => e instanceof RvfError && e.name === 'READ_ONLY', name);
    db[Symbol.dispose ?? Symbol.for('Symbol.dispose')]();
    assert.equal(db.closed, true);
    await assert.rejects(db.query(q, 1, { ef: 8 }), (e) => e.name === 'INVALID_ARGUMENT');
  });

  test('background: true loads after the hotset; close() stops it', async () => {
    const phases = [];
    let done;
    const full2 = new Promise((r) => { done = r; });
    const db = await RvfDatabase.openProgressive(new URL(`${nginx.base}a.rvf`), {
      wasm, background: true,
      onProgress: (p) => { phases.push(p.phase); if (p.phase === 'full') done(); },
    });
    await full2;
    assert.equal((await db.status()).loadState, 'full');
    assert.ok(phases.indexOf('load') > phases.indexOf('ready'));
    await db.close();
    const db2 = await RvfDatabase.openProgressive(`${nginx.base}a.rvf`, { wasm, background: true });
    await db2.close(); // while the load is in flight: no unhandled rejection, no late C call
  });

  test('a server that ignores Range (200) or refuses it (416), or a missing file: RvfError', async () => {
    let from = nginx.mark();
    await ioFails(() => RvfDatabase.openProgressive(`${nginx.base}norange/a.rvf`, { wasm }), /ignored the Range header \(HTTP 200/, '200');
    assert.equal(nginx.log(from).length, 1);
    from = nginx.mark();
    await ioFails(() => RvfDatabase.openProgressive(`${nginx.base}refuse/a.rvf`, { wasm }), /HTTP 416/, '416');
    await ioFails(() => RvfDatabase.openProgressive(`${nginx.base}none.rvf`, { wasm }), /HTTP 404/, '404');
    assert.equal(nginx.log(from).length, 2);
    // not an RVF file: the server is fine, the bytes are not
    writeFileSync(join(www, 'junk.rvf'), new Uint8Array(10000).fill(7));
    await assert.rejects(RvfDatabase.openProgressive(`${nginx.base}junk.rvf`, { wasm }), (e) => e instanceof RvfError && e.name === 'MANIFEST_NOT_FOUND');
    const ac = new AbortController();
    ac.abort();
    await ioFails(() => RvfDatabase.openProgressive(`${nginx.base}a.rvf`, { wasm, signal: ac.signal }), /aborted/, 'abort');
  });

  test('the file changes on the server mid-session: If-Match gives 412, an RvfError, and no mixed bytes', async () => {
    copyFileSync(join(www, 'a.rvf'), join(www, 'b.rvf'));
    const db = await RvfDatabase.openProgressive(`${nginx.base}b.rvf`, { wasm });
    const etag = db.network.etag;
    assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
    const other = await makeStore(wasm, 12); // another store of the same shape
    writeFileSync(join(www, 'b.rvf'), other.bytes);
    const t = Date.now() / 1000 + 60;
    utimesSync(join(www, 'b.rvf'), t, t); // a new mtime even within the same second
    const from = nginx.mark();
    await ioFails(() => db.query(store.queries[0], K, { ef: 64 }), /changed on the server \(HTTP 412/, 'changed');
    assert.equal(nginx.log(from)[0].status, 412);
    // every later fetch fails the same way; calls that need no fetch still work
    await ioFails(() => db.load(), /changed on the server/, 'after');
    assert.equal((await db.status()).totalVectors, N);
    await db.close();
  });
});

/** A server of `bytes` with Range support that misbehaves as `mode` says. */
function misbehaving(bytes, mode) {
  let etag = '"v1"';
  let n = 0;
  const ranges = [];
  const srv = createServer((req, res) => {
    n++;
    ranges.push(req.headers.range ?? '');
    const multi = /^bytes=\d+-\d+(,\d+-\d+)+$/.test(req.headers.range ?? '') ? req.headers.range.slice(6).split(',').map((r) => r.split('-').map(Number)) : null;
    if (multi && mode === 'coalesce') { // one part covering every range asked for
      const [a, b] = [multi[0][0], multi[multi.length - 1][1] + 1];
      res.writeHead(206, { 'Content-Range': `bytes ${a}-${b - 1}/${bytes.length}`, 'Content-Length': b - a, ETag: etag });
      res.end(bytes.subarray(a, b));
      return;
    }
    if (multi && (mode === 'multibad' || mode === 'multicut')) { // multipart, but not the ranges asked for
      const chunks = [];
      for (const [i, [a, z]] of multi.entries()) {
        const b = mode === 'multibad' && i === 1 ? z : z + 1; // the second part one byte short
        chunks.push(Buffer.from(`\r\n--B0\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${a}-${b - 1}/${bytes.length}\r\n\r\n`), bytes.subarray(a, b));
      }
      chunks.push(Buffer.from('\r\n--B0--\r\n'));
      let body = Buffer.concat(chunks);
      if (mode === 'multicut') body = body.subarray(0, body.length - 100);
      res.writeHead(206, { 'Content-Type': 'multipart/byteranges; boundary=B0', 'Content-Length': body.length, ETag: etag });
      res.end(body);
      return;
    }
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { 'Content-Length': bytes.length, ETag: etag }).end(bytes);
      return;
    }
    let a = m[1] === '' ? bytes.length - Number(m[2]) : Number(m[1]);
    let b = m[1] === '' ? bytes.length : Math.min(bytes.length, Number(m[2]) + 1);
    if (n >= 3 && mode === 'etag') etag = '"v2"'; // ignores If-Match, but says it changed
    let body = bytes.subarray(a, b);
    if (n >= 2 && mode === 'truncate') body = body.subarray(0, body.length >> 1);
    if (n >= 2 && mode === 'shift') a += 64;
    if (n >= 2 && mode === 'size') b = bytes.length - 64;
    const total = mode === 'size' && n >= 2 ? bytes.length - 64 : bytes.length;
    res.writeHead(206, { 'Content-Range': `bytes ${a}-${b - 1}/${total}`, 'Content-Length': body.length, ETag: etag });
    res.end(body);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${srv.address().port}/x.rvf`, ranges, close: () => new Promise((r) => srv.close(r)) })));
}

describe('openProgressive against a misbehaving server', () => {
  let wasm, store;
  before(async () => {
    wasm = await loadRvfWasm({ simd: true, baseUrl: wasmDir });
    store = await makeStore(wasm, 13);
  });

  for (const [mode, re] of [
    ['truncate', /truncated answer/],
    ['shift', /answered bytes \d+-\d+ instead of/],
    ['size', /changed on the server \(\d+ bytes, was/],
    ['etag', /changed on the server \(ETag "v2", was "v1"\)/],
  ]) {
    test(`${mode}: a clear RvfError, and the error sticks`, async () => {
      const srv = await misbehaving(store.bytes, mode);
      try {
        const run = async () => {
          const db = await RvfDatabase.openProgressive(srv.url, { wasm });
          try {
            await db.query(store.queries[0], K, { ef: 32 });
            await db.load();
          } finally {
            await db.close();
          }
        };
        await ioFails(run, re, mode);
      } finally {
        await srv.close();
      }
    });
  }

  for (const mode of ['none', 'multibad', 'multicut', 'coalesce']) {
    test(`load() against a server that answers multipart requests ${mode === 'none' ? 'with 200' : `as ${mode}`}: the right bytes`, async () => {
      const srv = await misbehaving(store.bytes, mode);
      const full = await RvfDatabase.open(store.bytes, { wasm });
      try {
        const db = await RvfDatabase.openProgressive(srv.url, { wasm });
        for (const q of store.queries.slice(0, 6)) await db.query(q, K, { ef: 16 });
        const pre = srv.ranges.length;
        await db.load();
        const asked = srv.ranges.slice(pre);
        const multi = asked.filter((r) => r.includes(','));
        assert.ok(multi.length >= 1, 'load tried a multipart request');
        assert.equal(asked.length, db.network.phases.load.requests);
        const single = new Set(asked.filter((r) => !r.includes(',')).map((r) => r.slice(6)));
        const parts = multi.flatMap((r) => r.slice(6).split(','));
        // a refused multipart request turns multipart off: only those already in flight (6) were sent
        if (mode !== 'coalesce') assert.ok(multi.length <= 6, `${multi.length} multipart requests`);
        // a covering single part is used as is; anything else: every range of it asked for alone
        for (const p of parts) assert.equal(single.has(p), mode !== 'coalesce', `range ${p} (${mode})`);
        assert.equal((await db.status()).loadState, 'full');
        for (const q of store.queries.slice(0, 6)) {
          assert.deepEqual(await db.query(q, K, { ef: 64 }), await full.query(q, K, { ef: 64 }));
          assert.deepEqual(await db.query(q, K), await full.query(q, K));
        }
        assert.deepEqual(await db.exportBytes(), store.bytes);
        await db.close();
      } finally {
        await full.close();
        await srv.close();
      }
    });
  }

  test('a custom fetch sees every request; a throwing onProgress does not break the open', async () => {
    const srv = await misbehaving(store.bytes, 'none');
    const seen = [];
    try {
      const db = await RvfDatabase.openProgressive(srv.url, {
        wasm,
        fetch: (url, init) => {
          seen.push(init.headers.Range);
          return fetch(url, init);
        },
        onProgress: () => {
          throw new Error('ignored');
        },
      });
      assert.equal(seen[0], 'bytes=-4096');
      assert.equal(seen.length, db.network.requests);
      await db.load();
      assert.equal((await db.status()).loadState, 'full');
      await db.close();
    } finally {
      await srv.close();
    }
  });
});

for (const variant of VARIANTS.filter((v) => !v.simd)) {
  describe(`openProgressive (${variant.name} build)`, () => {
    test('Layer-A query, load, and the full answers', async () => {
      const wasm = await loadRvfWasm({ simd: variant.simd, baseUrl: wasmDir });
      const store = await makeStore(wasm, 14);
      const srv = await misbehaving(store.bytes, 'none');
      const full = await RvfDatabase.open(store.bytes, { wasm });
      try {
        const db = await RvfDatabase.openProgressive(srv.url, { wasm });
        assert.equal(db.variant, variant.name);
        assert.equal((await db.query(store.queries[3], K, { ef: 64 })).length, K);
        assert.equal((await db.status()).loadState, 'layer-a');
        await db.load();
        for (const q of store.queries.slice(0, 5)) assert.deepEqual(await db.query(q, K, { ef: 64 }), await full.query(q, K, { ef: 64 }));
        await db.close();
      } finally {
        await full.close();
        await srv.close();
      }
    });
  });
}

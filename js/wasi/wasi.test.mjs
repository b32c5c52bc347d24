// wasi.test.mjs: the WASI build (rvf-wasi.wasm, js/wasi/wasi.cmake) under Node's node:wasi. The
// module is the rvf program itself, compiled for wasm32-wasi; each command runs in its own Node
// process (run-wasi.mjs) with a temporary folder preopened at /data. It creates and fills a
// store, and the native rvf program must read that file exactly as the WASI build does (status,
// verify, dump, queries with three metrics, a filter and HNSW); then the other way round, a
// native file opens, answers and is modified (delete, index, compact) under WASI, and the native
// program still agrees. Coordinates are small integers, so every distance is exact in f32
// whatever the summation order (wasm128 there, AVX2 natively): answers must be equal, distances
// bit for bit. The golden files (tests/golden) give the same output, errors and exit codes; the
// reference corpus (RVF_SHARED) the same status and, within the kernels' reassociation bound,
// the same answers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { haveCli, rng, rvf, rvfOk, tmpDir } from '../test/helpers.mjs';

const wasiPath = process.env.RVF_WASI ?? new URL('../../build/js/wasi/rvf-wasi.wasm', import.meta.url).pathname;
const haveWasi = existsSync(wasiPath);
const goldenDir = fileURLToPath(new URL('../../tests/golden/', import.meta.url));
const corpusDir = join(process.env.RVF_SHARED ?? '', 'corpus', 'reference-written');
const haveCorpus = !!process.env.RVF_SHARED && existsSync(corpusDir);

const N = 500;
const DIM = 12;
const K = 10;
const FIELDS = ['--field', 'year=1', '--field', 'lang=2'];
const LANGS = ['en', 'de', 'fr', 'ja'];

const runner = fileURLToPath(new URL('run-wasi.mjs', import.meta.url));
/** Run `rvf ARGS` in the WASI build, in its own Node process (run-wasi.mjs), with `dir`
 * preopened as /data (plus extraPreopens {guest: host}); {status, stdout, stderr}. */
async function wasiRun(dir, args, input = '', extraPreopens = {}) {
  const dirs = Object.entries({ '/data': dir, ...extraPreopens }).flatMap(([guest, host]) => ['--dir', `${host}=${guest}`]);
  const r = spawnSync(process.execPath, [runner, wasiPath, ...dirs, '--', ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
async function wasiOk(dir, args, input, extraPreopens) {
  const r = await wasiRun(dir, args, input, extraPreopens);
  if (r.status !== 0) throw new Error(`rvf-wasi ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Seeded rows: sparse ids (one above 2^53), integer coordinates in [-4, 4], two metadata fields. */
function dataset(seed) {
  const r = rng(seed);
  const lines = [];
  for (let i = 0; i < N; i++) {
    const id = i === N - 1 ? 2n ** 60n + 5n : BigInt(i * 7 + 3);
    const v = Array.from({ length: DIM }, () => r.int(-4, 4));
    const meta = { year: 2000 + r.int(0, 24), lang: LANGS[r.int(0, 3)] };
    lines.push(`{"id":${id},"vector":${JSON.stringify(v)},"meta":${JSON.stringify(meta)}}`);
  }
  const queries = Array.from({ length: 12 }, () => JSON.stringify(Array.from({ length: DIM }, () => r.int(-4, 4))));
  return { jsonl: `${lines.join('\n')}\n`, queries: `${queries.join('\n')}\n` };
}

const QUERY_CASES = [
  [],
  ['--metric', 'ip'],
  ['--metric', 'cosine'],
  ['--filter', 'year >= 2010 and lang in ("en", "de")'],
  ['--ef', '32'],
];
const queryArgs = (path, extra) => ['query', path, '--stdin', '-k', String(K), '--json', '-q', ...FIELDS, ...extra];

/** Status fields that describe the file (not how this process read it). */
function fileStatus(json) {
  const s = JSON.parse(json);
  for (const k of ['path', 'bytes_read', 'read_requests']) delete s[k];
  return s;
}

/** Same answers from the WASI build (path inside /data) and the native program (host path). */
async function assertSameAnswers(dir, name, set, what) {
  for (const extra of QUERY_CASES) {
    const mine = await wasiOk(dir, queryArgs(`/data/${name}`, extra), set.queries);
    const native = rvfOk(queryArgs(join(dir, name), extra), set.queries);
    const lines = native.trim().split('\n');
    assert.equal(lines.length, 12, `${what}: one answer line per query`);
    assert.ok(lines.every((l) => JSON.parse(l).results.length === K), `${what}: K hits each`);
    assert.equal(mine, native, `${what}: query ${extra.join(' ') || 'l2'}`);
  }
  const st = await wasiOk(dir, ['status', `/data/${name}`, '--json']);
  assert.deepEqual(fileStatus(st), fileStatus(rvfOk(['status', join(dir, name), '--json'])), `${what}: status`);
  assert.equal(await wasiOk(dir, ['dump', `/data/${name}`, ...FIELDS]), rvfOk(['dump', join(dir, name), ...FIELDS]), `${what}: dump`);
  await wasiOk(dir, ['verify', `/data/${name}`, '-q']);
  rvfOk(['verify', join(dir, name), '-q']);
}

describe('rvf-wasi.wasm under node:wasi', { skip: (!haveWasi && `no ${wasiPath}`) || (!haveCli && 'no native rvf') }, () => {
  const dir = haveWasi && haveCli ? tmpDir('wasi') : '';
  const set = dataset(0x3a51);
  before(() => writeFileSync(join(dir, 'set.jsonl'), set.jsonl));

  test('a store written under WASI opens in the native program with the same answers', async () => {
    const out = await wasiOk(dir, ['create', '/data/w.rvf', '--dim', String(DIM), '--metric', 'l2']);
    assert.match(out, /created \/data\/w.rvf: dimension 12, metric l2/);
    await wasiOk(dir, ['ingest', '/data/w.rvf', '/data/set.jsonl', ...FIELDS, '-q']);
    assert.ok(!existsSync(join(dir, 'w.rvf.lock')), 'the writer lock is released');
    const st = JSON.parse(rvfOk(['status', join(dir, 'w.rvf'), '--json']));
    assert.equal(st.live_vectors, N);
    assert.equal(st.epoch, 1);
    await assertSameAnswers(dir, 'w.rvf', set, 'written by wasi');
    // the id above 2^53 survives both programs as digits
    const first = JSON.parse((await wasiOk(dir, queryArgs('/data/w.rvf', []), `${JSON.stringify(JSON.parse(set.jsonl.trim().split('\n').at(-1)).vector)}\n`)).trim());
    assert.equal(first.results[0].id, String(2n ** 60n + 5n));
    assert.equal(first.results[0].distance, 0);
  });

  test("a native store opens under WASI; WASI's delete, index and compact read back natively", async () => {
    rvfOk(['create', join(dir, 'n.rvf'), '--dim', String(DIM), '--metric', 'cosine', '-q']);
    rvfOk(['ingest', join(dir, 'n.rvf'), join(dir, 'set.jsonl'), ...FIELDS, '-q']);
    await assertSameAnswers(dir, 'n.rvf', set, 'written natively');
    await wasiOk(dir, ['delete', '/data/n.rvf', '--ids', '3,10,17,24-200', '-q']);
    const gone = 3 + Math.floor((200 - 24) / 7) + 1; // ids are 7i + 3: 3, 10, 17, then 24 .. 199
    await wasiOk(dir, ['index', '/data/n.rvf', '-q']);
    const st = JSON.parse(rvfOk(['status', join(dir, 'n.rvf'), '--json']));
    assert.equal(st.deleted_vectors, gone);
    assert.ok(st.index_segments > 0, 'the index written under WASI is in the file');
    await assertSameAnswers(dir, 'n.rvf', set, 'modified under wasi');
    await wasiOk(dir, ['compact', '/data/n.rvf', '-q']);
    const after = JSON.parse(rvfOk(['status', join(dir, 'n.rvf'), '--json']));
    assert.equal(after.live_vectors, N - gone);
    assert.equal(after.deleted_vectors, 0);
    await assertSameAnswers(dir, 'n.rvf', set, 'compacted under wasi');
  });

  test('the golden files: the same output, errors and exit codes as natively', async () => {
    for (const name of readdirSync(goldenDir).sort()) {
      const valid = ['worked-example.rvf', 'forward-compatible.rvf'].includes(name);
      for (const args of [['status', '--json'], ['query', '--vector', '[3, 4]', '-k', '2', '--json'], ...(valid ? [['verify']] : [])]) {
        const [cmd, ...rest] = args;
        const mine = await wasiRun(dir, [cmd, `/golden/${name}`, ...rest], '', { '/golden': goldenDir });
        const native = rvf([cmd, join(goldenDir, name), ...rest]);
        assert.equal(mine.status, native.status, `${name} ${cmd}: exit status`);
        // the same text, with the path as each program was given it
        const norm = (t, p) => t.split(p).join('FILE');
        assert.equal(norm(mine.stdout, `/golden/${name}`).replace(/"bytes_read":\d+,/, '').replace(/,"read_requests":\d+/, ''),
          norm(native.stdout, join(goldenDir, name)).replace(/"bytes_read":\d+,/, '').replace(/,"read_requests":\d+/, ''), `${name} ${cmd}: stdout`);
        assert.equal(norm(mine.stderr, `/golden/${name}`), norm(native.stderr, join(goldenDir, name)), `${name} ${cmd}: stderr`);
      }
    }
  });

  test("the reference corpus: status, verify and the sidecars' queries as natively", { skip: !haveCorpus && 'RVF_SHARED corpus absent' }, async () => {
    let files = 0;
    for (const name of readdirSync(corpusDir).filter((f) => f.endsWith('.rvf')).sort()) {
      const sidecar = JSON.parse(readFileSync(join(corpusDir, `${name}.json`), 'utf8'));
      const mount = { '/corpus': corpusDir };
      const st = await wasiRun(dir, ['status', `/corpus/${name}`, '--json'], '', mount);
      const nst = rvf(['status', join(corpusDir, name), '--json']);
      assert.equal(st.status, nst.status, `${name}: status exit`);
      if (nst.status !== 0) continue; // rvf-wasm's own layout: refused by both
      assert.deepEqual(fileStatus(st.stdout), fileStatus(nst.stdout), `${name}: status`);
      const queries = sidecar.queries?.vectors ?? [];
      if (!queries.length || JSON.parse(nst.stdout).live_vectors === 0) continue;
      const input = `${queries.map((q) => JSON.stringify(q)).join('\n')}\n`;
      const q = ['--stdin', '-k', '10', '--json', '-q'];
      const mine = (await wasiOk(dir, ['query', `/corpus/${name}`, ...q], input, mount)).trim().split('\n').map((l) => JSON.parse(l).results);
      const native = rvfOk(['query', join(corpusDir, name), ...q], input).trim().split('\n').map((l) => JSON.parse(l).results);
      const dim = JSON.parse(nst.stdout).dimension;
      assert.equal(mine.length, native.length);
      mine.forEach((hits, qi) => hits.forEach((h, i) => {
        const ref = native[qi][i];
        const tol = dim * 2 ** -23 * (Math.abs(ref.distance) + 1); // wasm128 vs AVX2 summation order
        assert.ok(Math.abs(h.distance - ref.distance) <= tol, `${name} query ${qi} rank ${i}`);
        const tied = [native[qi][i - 1], native[qi][i + 1]].some((o) => o && Math.abs(o.distance - ref.distance) <= 2 * tol);
        if (!tied) assert.equal(h.id, ref.id, `${name} query ${qi} rank ${i}`);
      }));
      files++;
    }
    assert.ok(files >= 8, `${files} corpus files queried`);
  });

  test('errors: exit codes and messages as natively', async () => {
    const missing = await wasiRun(dir, ['status', '/data/none.rvf']);
    const native = rvf(['status', join(dir, 'none.rvf')]);
    assert.equal(missing.status, native.status);
    assert.notEqual(missing.status, 0);
    const usage = await wasiRun(dir, ['query', '/data/w.rvf']);
    assert.equal(usage.status, 2);
    // outside the preopened folder there is nothing to open
    assert.notEqual((await wasiRun(dir, ['status', '/etc/passwd'])).status, 0);
  });
});

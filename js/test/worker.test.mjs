// worker.test.mjs: the package off the main thread (issue 6: "works in Node >= 18, browsers and
// Web Workers").
//   worker_threads: one worker per module form of the package, src/index.js and the esbuild
//     bundle dist/rvf.mjs (when built), both at once, each in its own thread (worker/node-worker.mjs):
//     it creates a store, inserts, indexes, compacts, queries and posts the answers and the
//     exported file back (ArrayBuffer transferred); the main thread opens the file and gets the
//     same answers, bit for bit, and the native rvf CLI gets the same ids.
//   Chromium: Debian's chromium, headless, driven by playwright-core, loads a page from nginx
//     (js/test/nginx.mjs) that starts worker/web-worker.mjs as a module Web Worker; the worker
//     imports the bundle, opens a store built by the native CLI with RvfDatabase.openProgressive
//     and queries it. Checked: the build the loader picked (SIMD in Chromium; the fallback when
//     forced with {simd: false}) and which .wasm nginx served; the first request for the store is
//     `Range: bytes=-4096`, every answer 206, nginx's log agrees with the package's counters;
//     progress events reached the page; the first (Layer A) answer gives true distances; exact,
//     HNSW (ef 64) and filtered answers equal the CLI's; no error in the worker or the page.
//     Skipped (with the reason) when chromium, nginx, playwright-core, the bundle or the CLI is
//     missing.
// Environment (ctest sets them): RVF_WASM_DIR (the builds and rvf.mjs), RVF_CLI, RVF_TMP.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { after, before, describe, test } from 'node:test';

import { RvfDatabase, loadRvfWasm } from '../src/index.js';
import { simdProbe } from '../src/loader.js';
import { cliPath, haveCli, rng, rvfOk, tmpDir, wasmDir } from './helpers.mjs';
import { NGINX, haveNginx, startNginx } from './nginx.mjs';

const N = 2000;
const DIM = 32;
const K = 10;
const EF = 64;
const GROUP = 3; // the filter: field 1 (id % 7) == GROUP
const CHROMIUM = process.env.RVF_CHROMIUM ?? '/usr/bin/chromium';
const bundle = join(wasmDir, 'rvf.mjs');
const haveBundle = existsSync(bundle);

/** N clustered vectors (seeded), ids 0..N-1, and 5 queries near cluster centres; f32 values. */
function dataset(seed) {
  const r = rng(seed);
  const centers = Array.from({ length: 24 }, () => Array.from({ length: DIM }, () => r.float() * 8));
  const vectors = new Float32Array(N * DIM);
  for (let i = 0; i < N; i++) for (let d = 0; d < DIM; d++) vectors[i * DIM + d] = centers[i % 24][d] + r.normal();
  const queries = Array.from({ length: 5 }, (_, q) => Array.from({ length: DIM }, (_, d) => Math.fround(centers[(q * 5) % 24][d] + r.normal())));
  return { ids: Array.from({ length: N }, (_, i) => i), vectors, queries };
}

/** Squared L2 distance of a query to vector `id` (double precision). */
function l2(q, vectors, id) {
  let s = 0;
  for (let d = 0; d < DIM; d++) s += (q[d] - vectors[id * DIM + d]) ** 2;
  return s;
}

/** The native CLI's answers for every query: [[{id, distance}]] (one JSON result set per line). */
function cliAnswers(path, queries, args = []) {
  const out = rvfOk(['query', path, '--stdin', '-k', String(K), '--json', '-q', '--field', 'grp=1', ...args],
    queries.map((q) => `[${q.map(String).join(',')}]`).join('\n') + '\n');
  const lines = out.trim().split('\n');
  assert.equal(lines.length, queries.length);
  return lines.map((l) => JSON.parse(l).results.map((h) => ({ id: Number(h.id), distance: h.distance })));
}

/** Same ids in the same order, distances within float32 rounding of the other implementation. */
function assertSameHits(got, want, what) {
  assert.deepEqual(got.map((h) => h.id), want.map((h) => h.id), `${what}: ids`);
  got.forEach((h, i) => assert.ok(Math.abs(h.distance - want[i].distance) <= 1e-5 * Math.max(1, Math.abs(want[i].distance)),
    `${what}: distance ${h.distance} vs ${want[i].distance}`));
}

/** Write the dataset as JSON Lines and build an indexed, compacted store with the native CLI. */
function cliStore(path, data) {
  const jsonl = `${path}.jsonl`;
  const lines = data.ids.map((id) => JSON.stringify({ id, vector: Array.from(data.vectors.subarray(id * DIM, (id + 1) * DIM)), meta: { grp: id % 7 } }));
  writeFileSync(jsonl, lines.join('\n') + '\n');
  rvfOk(['create', path, '--dim', String(DIM), '--metric', 'l2', '-q']);
  rvfOk(['ingest', path, jsonl, '--field', 'grp=1', '-q']);
  rvfOk(['index', path, '--m', '12', '--ef-construction', '80', '-q']);
  rvfOk(['compact', path, '-q']);
}

// ---- Node worker_threads -------------------------------------------------------------------
describe('Node worker_threads', () => {
  const data = dataset(7);
  const forms = [{ name: 'src/index.js', module: new URL('../src/index.js', import.meta.url).href, baseUrl: wasmDir }];
  if (haveBundle) forms.push({ name: 'dist/rvf.mjs (bundle)', module: pathToFileURL(bundle).href }); // its own folder
  const results = new Map();
  let main;

  before(async () => {
    main = await loadRvfWasm({ simd: true, baseUrl: wasmDir });
    // every worker at once: each thread instantiates its own module
    await Promise.all(forms.map((f) => new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./worker/node-worker.mjs', import.meta.url), {
        workerData: { module: f.module, baseUrl: f.baseUrl, dim: DIM, ids: data.ids, vectors: data.vectors, queries: data.queries, k: K, ef: EF },
      });
      let msg = null;
      worker.once('message', (m) => { msg = m; });
      worker.once('error', reject);
      worker.once('exit', (code) => (code === 0 && msg ? resolve(results.set(f.name, msg)) : reject(new Error(`${f.name}: worker exited ${code} ${msg ? '' : 'without a message'}`))));
    })));
  });

  if (!haveBundle) test('the bundle in a worker', { skip: `${bundle} is not built (the rvf_js_bundle target needs esbuild: npm ci)` }, () => {});

  for (const f of forms) {
    test(`${f.name}: a worker creates, queries and exports; the main thread opens the bytes and answers the same`, async () => {
      const r = results.get(f.name);
      assert.equal(r.error, undefined, `worker failed: ${JSON.stringify(r.error)}`);
      assert.equal(r.simd, true, 'Node >= 16 validates the SIMD probe in a worker too');
      assert.equal(r.variant, 'simd');
      assert.equal(r.kernel, 'wasm128');
      assert.equal(r.totalVectors, N);
      assert.ok(r.bytes instanceof Uint8Array && r.bytes.length > N * DIM * 4, `the file came back (${r.bytes?.length} bytes)`);
      assert.equal(r.answers.exact.length, data.queries.length);
      const db = await RvfDatabase.open(r.bytes, { wasm: main, readOnly: true });
      try {
        assert.equal((await db.status()).totalVectors, N);
        for (let i = 0; i < data.queries.length; i++) {
          const q = data.queries[i];
          const exact = await db.query(q, K);
          assert.equal(exact.length, K);
          assert.deepEqual(r.answers.exact[i], exact, `exact answer ${i}`);
          assert.deepEqual(r.answers.hnsw[i], await db.query(q, K, { ef: EF }), `HNSW answer ${i}`);
          assert.deepEqual(r.answers.filtered[i], await db.query(q, K, { filter: ['==', 1, GROUP] }), `filtered answer ${i}`);
          assert.ok(r.answers.filtered[i].every((h) => h.id % 7 === GROUP), 'the filter holds');
          // true distances of the stored vectors
          for (const h of exact) assert.ok(Math.abs(h.distance - l2(q, data.vectors, h.id)) <= 1e-4 * Math.max(1, h.distance), `distance of ${h.id}`);
        }
      } finally {
        db.close();
      }
      if (!haveCli) return;
      const file = join(tmpDir('worker-node'), 'from-worker.rvf');
      writeFileSync(file, r.bytes);
      cliAnswers(file, data.queries).forEach((want, i) => assertSameHits(r.answers.exact[i], want, `CLI exact ${i}`));
      cliAnswers(file, data.queries, ['--filter', `grp == ${GROUP}`]).forEach((want, i) => assertSameHits(r.answers.filtered[i], want, `CLI filtered ${i}`));
    });
  }
});

// ---- Chromium: a module Web Worker ---------------------------------------------------------
let playwright = null;
try {
  playwright = createRequire(import.meta.url)('playwright-core');
} catch {
  // reported by the skip below
}
const browserSkip = !existsSync(CHROMIUM) ? `${CHROMIUM} is not installed (scripts/install-deps.sh installs chromium)`
  : !haveNginx ? `${NGINX} is not installed (scripts/install-deps.sh installs nginx)`
  : !playwright ? 'playwright-core is not installed (npm ci at the repository root)'
  : !haveBundle ? `${bundle} is not built (the rvf_js_bundle target needs esbuild: npm ci)`
  : !haveCli ? `no native rvf CLI at ${cliPath}`
  : false;
if (browserSkip) console.log(`SKIP Chromium Web Worker: ${browserSkip}`);

describe('Chromium module Web Worker, progressive open from nginx', { skip: browserSkip }, () => {
  const data = dataset(8);
  const STORE = 'data/w.rvf';
  let nginx, browser, page, cli, runs = 0;
  const pageErrors = [];

  before(async () => {
    const dir = tmpDir('worker-browser');
    const www = join(dir, 'www');
    for (const d of ['dist', 'data']) mkdirSync(join(www, d), { recursive: true });
    cliStore(join(www, STORE), data);
    cli = {
      exact: cliAnswers(join(www, STORE), data.queries),
      hnsw: cliAnswers(join(www, STORE), data.queries, ['--ef', String(EF)]),
      filtered: cliAnswers(join(www, STORE), data.queries, ['--filter', `grp == ${GROUP}`]),
    };
    // the package as a site serves it: the bundle beside its builds, in a folder named dist
    for (const f of ['rvf.mjs', 'rvf-simd.mjs', 'rvf-simd.wasm', 'rvf-fallback.mjs', 'rvf-fallback.wasm']) copyFileSync(join(wasmDir, f), join(www, 'dist', f));
    for (const f of ['index.html', 'web-worker.mjs']) copyFileSync(fileURLToPath(new URL(`./worker/${f}`, import.meta.url)), join(www, f));
    nginx = await startNginx({ root: www, prefix: join(dir, 'nginx') });
    browser = await playwright.chromium.launch({ // a fresh temporary profile
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    await page.goto(`${nginx.base}index.html`);
    await page.waitForSelector('body[data-state=ready]', { state: 'attached', timeout: 20000 });
  });

  after(async () => {
    await browser?.close();
    await nginx?.stop();
  });

  /** Run the worker once; returns {loaded, progress, answers, log (nginx entries of this run)}. */
  async function runWorker(simd) {
    const from = nginx.mark();
    // a fresh URL per run: the browser's HTTP cache must not answer the range requests
    const url = `${nginx.base}${STORE}?run=${++runs}`;
    const params = { bundle: `${nginx.base}dist/rvf.mjs`, url, queries: data.queries, k: K, ef: EF, filter: ['==', 1, GROUP], simd };
    const messages = await Promise.race([
      page.evaluate((p) => window.runWorker(p), params),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the worker did not answer in 60 s')), 60000).unref()),
    ]);
    const error = messages.find((m) => m.type === 'error');
    assert.equal(error, undefined, `the worker failed: ${JSON.stringify(error)}`);
    const loaded = messages.filter((m) => m.type === 'loaded');
    const answers = messages.filter((m) => m.type === 'answers');
    assert.equal(loaded.length, 1);
    assert.equal(answers.length, 1);
    assert.equal(messages.at(-1), answers[0], 'answers come last');
    return { loaded: loaded[0], progress: messages.filter((m) => m.type === 'progress').map((m) => m.progress), answers: answers[0], log: nginx.log(from) };
  }

  function checkRun({ progress, answers: a, log }, variant) {
    const store = log.filter((e) => e.path === `/${STORE}`);
    assert.ok(store.length >= 3, `requests for the store: ${JSON.stringify(store)}`);
    assert.equal(store[0].range, 'bytes=-4096', 'the first request is the root: the last 4 KB');
    assert.equal(store[0].bytes, 4096);
    for (const e of store) assert.equal(e.status, 206, `range ${e.range} answered 206`);
    for (const e of log) assert.ok(e.status < 400, `${e.path}: HTTP ${e.status}`);
    // the package's counters, the progress events and nginx agree
    assert.equal(a.network.requests, store.length);
    // (a multipart answer of load(): the counters count its parts' payload, nginx its framing too)
    const payload = (e) => {
      if (!e.range.includes(',')) return e.bytes;
      const n = e.range.slice(6).split(',').reduce((t, r) => t + Number(r.split('-')[1]) + 1 - Number(r.split('-')[0]), 0);
      assert.ok(e.bytes > n, `multipart ${e.range}: ${e.bytes} bytes sent for ${n} of payload`);
      return n;
    };
    assert.equal(a.network.bytesFetched, store.reduce((t, e) => t + payload(e), 0));
    assert.equal(a.network.phases.root.requests, 1);
    const phases = [...new Set(progress.map((p) => p.phase))];
    assert.deepEqual(phases.slice(0, 4), ['root', 'level1', 'hotset', 'ready'], `progress phases ${phases}`);
    assert.ok(phases.includes('load'), 'exact queries loaded the rest');
    assert.equal(progress.find((p) => p.phase === 'ready').recall, 'layer-a');
    assert.equal(progress.at(-1).bytesFetched, a.network.bytesFetched);
    assert.equal(a.status.totalVectors, N);
    assert.equal(a.status.loadState, 'full');
    assert.equal(a.variant, variant);
    // the first answer: before the load, from Layer A and the partitions it probed; true distances
    assert.notEqual(a.firstState, 'full');
    assert.equal(a.first.length, K);
    assert.equal(new Set(a.first.map((h) => h.id)).size, K);
    for (let i = 0; i < K; i++) {
      const h = a.first[i];
      assert.ok(i === 0 || h.distance >= a.first[i - 1].distance, 'ascending distances');
      assert.ok(Math.abs(h.distance - l2(data.queries[0], data.vectors, h.id)) <= 1e-4 * Math.max(1, h.distance), `first answer: distance of ${h.id}`);
    }
    const overlap = a.first.filter((h) => cli.exact[0].some((x) => x.id === h.id)).length;
    assert.ok(overlap >= 7, `the Layer A answer shares ${overlap} >= 7 of ${K} with the exact one`);
    // after the load: the CLI's answers on the same file
    for (let i = 0; i < data.queries.length; i++) {
      assertSameHits(a.exact[i], cli.exact[i], `exact ${i}`);
      assert.deepEqual(a.hnsw[i].map((h) => h.id), cli.hnsw[i].map((h) => h.id), `HNSW ef ${EF} ${i}`);
      assertSameHits(a.filtered[i], cli.filtered[i], `filtered ${i}`);
    }
    return { overlap, requests: store.length, bytes: a.network.bytesFetched };
  }

  test('the SIMD build is selected in Chromium; openProgressive in the worker answers as the CLI does', async () => {
    assert.equal(await page.evaluate((probe) => WebAssembly.validate(new Uint8Array(probe)), Array.from(simdProbe())), true,
      'Chromium validates the SIMD probe');
    const t = Date.now();
    const run = await runWorker('auto');
    assert.deepEqual(run.loaded, { type: 'loaded', variant: 'simd', kernel: 'wasm128', simd: true });
    const paths = run.log.map((e) => e.path);
    assert.ok(paths.includes('/web-worker.mjs') && paths.includes('/dist/rvf.mjs'), 'the worker and the bundle came from nginx');
    assert.ok(paths.includes('/dist/rvf-simd.wasm') && paths.includes('/dist/rvf-simd.mjs'), 'the SIMD build was fetched');
    assert.ok(!paths.some((p) => p.includes('rvf-fallback')), 'the fallback build was not fetched');
    const r = checkRun(run, 'simd');
    console.log(`SIMD in a Web Worker: ${Date.now() - t} ms, ${r.requests} range requests, ${r.bytes} bytes; Layer A answer ${r.overlap}/${K} of the exact top ${K}`);
    assert.deepEqual(pageErrors, [], 'no error in the page');
  });

  test('{simd: false} forces the fallback build in Chromium, with the same answers', async () => {
    const run = await runWorker(false);
    assert.deepEqual(run.loaded, { type: 'loaded', variant: 'fallback', kernel: 'scalar', simd: true });
    const paths = run.log.map((e) => e.path);
    assert.ok(paths.includes('/dist/rvf-fallback.wasm') && paths.includes('/dist/rvf-fallback.mjs'), 'the fallback build was fetched');
    assert.ok(!paths.some((p) => p.includes('rvf-simd')), 'the SIMD build was not fetched again');
    checkRun(run, 'fallback');
    assert.deepEqual(pageErrors, [], 'no error in the page');
  });
});

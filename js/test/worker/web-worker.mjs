// web-worker.mjs: the browser half of worker.test.mjs, run as a module Web Worker
// (new Worker(url, {type: 'module'})) on a page served by nginx. The page posts
// {bundle, url, queries, k, ef, filter, simd}; the worker imports the package's bundle, loads a
// build (simd 'auto' or false: the loader's option), opens the store at `url` with
// RvfDatabase.openProgressive and posts to the page, in order:
//   {type: 'loaded', variant, kernel, simd}          the build the loader picked
//   {type: 'progress', progress}                     every onProgress event
//   {type: 'answers', first, firstState, exact, hnsw, filtered, network, status}
//   {type: 'error', name, code, message, stack}      instead, on any failure
// first: the answer to queries[0] with ef before anything else is read (Layer A); exact (which
// loads the whole store), hnsw (ef, after the load) and filtered for every query.
// Imported outside a worker (`node --test test/` runs every .mjs under test/), it does nothing.
const inWorker = typeof self === 'object' && typeof importScripts === 'function' && typeof postMessage === 'function';

async function run(d) {
  const rvf = await import(d.bundle);
  // init(): the module RvfDatabase uses when given no `wasm` option; the bundle finds the
  // builds next to itself (no baseUrl)
  const w = await rvf.init(d.simd === 'auto' ? {} : { simd: d.simd });
  postMessage({ type: 'loaded', variant: w.variant, kernel: w.kernel, simd: rvf.simdSupported() });
  const db = await rvf.RvfDatabase.openProgressive(d.url, {
    onProgress: (progress) => postMessage({ type: 'progress', progress }),
  });
  try {
    const firstState = (await db.status()).loadState;
    const first = await db.query(d.queries[0], d.k, { ef: d.ef });
    const out = { exact: [], hnsw: [], filtered: [] };
    for (const q of d.queries) out.exact.push(await db.query(q, d.k));
    for (const q of d.queries) out.hnsw.push(await db.query(q, d.k, { ef: d.ef }));
    for (const q of d.queries) out.filtered.push(await db.query(q, d.k, { filter: d.filter }));
    const status = await db.status();
    postMessage({ type: 'answers', first, firstState, ...out, network: db.network, status, variant: db.variant });
  } finally {
    await db.close();
  }
}

if (inWorker) {
  self.onmessage = (ev) => {
    run(ev.data).catch((e) =>
      postMessage({ type: 'error', name: e?.name, code: e?.code, message: String(e?.message ?? e), stack: String(e?.stack ?? '') }),
    );
  };
}

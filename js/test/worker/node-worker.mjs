// node-worker.mjs: the worker_threads half of worker.test.mjs. It imports the package (the
// module workerData.module names: src/index.js or the bundle dist/rvf.mjs), loads a build,
// creates a store from workerData's vectors, indexes and compacts it, answers the queries
// (exact, HNSW, filtered) and posts the answers and the exported file back, the file's
// ArrayBuffer transferred. Any failure is posted as {error}. Imported outside a worker (`node
// --test test/` runs every .mjs under test/), it does nothing.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

async function run(d) {
  const rvf = await import(d.module);
  // init(): the module every RvfDatabase call of this thread uses when given no `wasm` option
  const w = await rvf.init(d.baseUrl === undefined ? {} : { baseUrl: d.baseUrl });
  const db = await rvf.RvfDatabase.create({ dimension: d.dim });
  await db.insertBatch(d.ids, new Float32Array(d.vectors), d.ids.map((id) => ({ 1: id % 7 })));
  await db.buildIndex({ m: 12, efConstruction: 80 });
  await db.compact();
  const answers = { exact: [], hnsw: [], filtered: [] };
  for (const q of d.queries) {
    answers.exact.push(await db.query(q, d.k));
    answers.hnsw.push(await db.query(q, d.k, { ef: d.ef }));
    answers.filtered.push(await db.query(q, d.k, { filter: ['==', 1, 3] }));
  }
  const status = await db.status();
  const bytes = await db.exportBytes();
  db.close();
  return { variant: w.variant, kernel: w.kernel, simd: rvf.simdSupported(), answers, totalVectors: status.totalVectors, bytes };
}

if (!isMainThread && parentPort && workerData?.module) {
  run(workerData).then(
    (r) => parentPort.postMessage(r, [r.bytes.buffer]),
    (e) => parentPort.postMessage({ error: { name: e?.name, code: e?.code, message: String(e?.message ?? e), stack: e?.stack } }),
  );
}

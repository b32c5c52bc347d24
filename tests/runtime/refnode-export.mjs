// refnode-export.mjs: files written by rvf_ref_export (through tests/runtime/tool_refexport) open
// in @ruvector/rvf-node 0.2.3 with the right count, dimension, metric and file id, and answer
// queries exactly as our exact scan does.
//
// usage: node refnode-export.mjs path/to/tool_refexport
// Exit 77 (SKIP) when the native rvf-node binding cannot be loaded.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tool = process.argv[2];
if (!tool) {
  console.error('usage: node refnode-export.mjs TOOL_REFEXPORT');
  process.exit(2);
}

let RvfDatabase;
try {
  const pkg = (await import('@ruvector/rvf-node')).default;
  RvfDatabase = pkg.RvfDatabase;
  if (typeof RvfDatabase?.openReadonly !== 'function') throw new Error('no RvfDatabase.openReadonly');
} catch (e) {
  console.log(`SKIP: @ruvector/rvf-node cannot be loaded (${e.message})`);
  process.exit(77);
}

const dir = process.env.RVF_TMP || join(tmpdir(), `refnode-export-${process.pid}`);
mkdirSync(dir, { recursive: true });

const REL = 1e-5;
const ABS = 1e-6;
let checks = 0;
let failed = 0;
function check(cond, what) {
  checks++;
  if (!cond) {
    failed++;
    console.error(`FAIL ${what}`);
  }
}
const near = (a, b) => Math.abs(a - b) <= ABS + REL * Math.max(Math.abs(a), Math.abs(b));

const cases = [
  { n: 500, dim: 16, metric: 'l2', seed: 1 },
  { n: 300, dim: 32, metric: 'cosine', seed: 2 },
  { n: 200, dim: 8, metric: 'inner_product', seed: 3 },
];

for (const c of cases) {
  const name = `n${c.n}_dim${c.dim}_${c.metric}`;
  const path = join(dir, `${name}.rvf`);
  rmSync(path, { force: true });
  const want = JSON.parse(
    execFileSync(tool, [String(c.n), String(c.dim), c.metric, String(c.seed), path], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }),
  );
  const db = RvfDatabase.openReadonly(path);
  try {
    const st = db.status();
    check(st.totalVectors === c.n, `${name}: totalVectors ${st.totalVectors} != ${c.n}`);
    check(db.dimension() === c.dim, `${name}: dimension ${db.dimension()} != ${c.dim}`);
    check(db.metric() === c.metric, `${name}: metric ${db.metric()} != ${c.metric}`);
    check(db.fileId() === want.fileId, `${name}: fileId ${db.fileId()} != ${want.fileId}`);
    const segs = db.segments();
    check(
      segs.length === 2 && segs[0].segType === 'manifest' && segs[1].segType === 'vec',
      `${name}: segments ${JSON.stringify(segs)}`,
    );
    want.queries.forEach((q, qi) => {
      const got = db.query(Float32Array.from(q.vector), 10);
      check(got.length === q.answers.length, `${name} q${qi}: ${got.length} results`);
      q.answers.forEach((a, i) => {
        const g = got[i] || {};
        check(g.id === a.id, `${name} q${qi} rank ${i}: id ${g.id} != ${a.id}`);
        check(near(g.distance, a.distance), `${name} q${qi} rank ${i}: distance ${g.distance} != ${a.distance}`);
      });
    });
  } finally {
    db.close();
  }
}

console.log(`${checks} checks, ${failed} failed`);
process.exit(failed ? 1 : 0);

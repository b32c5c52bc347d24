#!/usr/bin/env node
// bundle.mjs: the esbuild bundle of the npm package: src/index.js and everything it imports in
// one ES module, OUT/rvf.mjs (platform neutral: Node >= 18, browsers, workers), with its types
// OUT/rvf.d.mts. The WebAssembly builds are not embedded: the bundle sits in the same folder as
// rvf-{simd,fallback}.{mjs,wasm} and the loader finds them next to itself (RVF_BUNDLED is
// defined here, so the loader resolves './' against the bundle's own URL, in any folder), so a browser downloads only the build it runs, compiles it
// while streaming and caches it apart from the JavaScript. Node built-ins are imported lazily
// (file paths, Node 18's crypto) and stay external.
// Usage: node js/scripts/bundle.mjs OUT_DIR   (esbuild from the root's node_modules, npm ci)
import { writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node js/scripts/bundle.mjs OUT_DIR');
  process.exit(2);
}
let esbuild;
try {
  esbuild = createRequire(resolve(here, '../../package.json'))('esbuild');
} catch (e) {
  console.error(`esbuild is not installed (run \`npm ci\` at the repository root, or make deps): ${e.message}`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  entryPoints: [resolve(here, '../src/index.js')],
  outfile: join(out, 'rvf.mjs'),
  bundle: true,
  format: 'esm',
  define: { RVF_BUNDLED: 'true' },
  platform: 'neutral',
  target: ['es2022'],
  external: ['node:*'],
  legalComments: 'none',
  banner: { js: '// rvf: RVF (RuVector Format) vector stores in WebAssembly; bundled by esbuild from js/src. Loads rvf-simd.* or rvf-fallback.* from this folder.' },
  logLevel: 'warning',
  metafile: true,
});
if (result.errors.length) process.exit(1);
// the bundle's types are the package's (src/index.d.ts, gen/*.d.mts ship with it)
writeFileSync(join(out, 'rvf.d.mts'), "// Types of rvf.mjs, the bundle of src/index.js.\nexport * from '../src/index.js';\n");
const bytes = Object.values(result.metafile.outputs).reduce((t, o) => t + o.bytes, 0);
console.log(`bundle ${join(out, 'rvf.mjs')}: ${bytes} bytes from ${Object.keys(result.metafile.inputs).length} modules`);

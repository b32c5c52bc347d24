#!/usr/bin/env node
// size.mjs: the sizes of the Emscripten builds in a dist folder, raw and gzip -9 (what a server
// sends), one line per file and a total per build.
// Usage: node js/scripts/size.mjs DIST_DIR
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node js/scripts/size.mjs DIST_DIR');
  process.exit(2);
}
const fmt = (n) => n.toLocaleString('en-US').padStart(9);
let missing = 0;
for (const build of ['simd', 'fallback']) {
  let raw = 0, gz = 0;
  for (const ext of ['wasm', 'mjs']) {
    const file = join(dir, `rvf-${build}.${ext}`);
    if (!existsSync(file)) {
      console.error(`missing ${file}`);
      missing++;
      continue;
    }
    const bytes = readFileSync(file);
    const z = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length;
    raw += bytes.length;
    gz += z;
    console.log(`${`rvf-${build}.${ext}`.padEnd(18)} ${fmt(bytes.length)} bytes  ${fmt(z)} gzip`);
  }
  console.log(`${`${build} total`.padEnd(18)} ${fmt(raw)} bytes  ${fmt(gz)} gzip`);
}
process.exit(missing ? 1 : 0);

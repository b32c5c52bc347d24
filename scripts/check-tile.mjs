#!/usr/bin/env node
// check-tile.mjs: the tile microkernel's CI gate (RVF-BRIEF §11.1, STYLE.md habit 2).
// Prints the module's size, sections, per-function code sizes and exports, and FAILS (exit 1) if
//   - the file is 8192 bytes or more (after wasm-opt -Oz),
//   - the exports are not exactly the names of exports.txt plus `memory`,
//   - the import section is not empty (the freestanding proof: built -ffreestanding -nostdlib, the
//     module needs nothing from its host), or it does not instantiate with an empty import object.
// Usage: node scripts/check-tile.mjs build/kernel/rvf_tile.wasm kernel/tile/exports.txt [--pre rvf_tile.pre.wasm]
import { readFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';

const LIMIT = 8192;
const TARGET = 5632; // ~5.5 KB, the docs' budget
const args = process.argv.slice(2);
const prePath = args.includes('--pre') ? args[args.indexOf('--pre') + 1] : null;
const [wasmPath, exportsPath] = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--pre');
if (!wasmPath || !exportsPath) {
  console.error('usage: node scripts/check-tile.mjs rvf_tile.wasm exports.txt [--pre rvf_tile.pre.wasm]');
  process.exit(2);
}

const bytes = readFileSync(wasmPath);
const failures = [];
const fail = (msg) => failures.push(msg);

// ---- sections (id, size) and the code section's function bodies, read from the binary ----
const SECTION = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export',
  'start', 'element', 'code', 'data', 'datacount'];
let pos = 8;
const leb = () => {
  let v = 0, shift = 0, b;
  do {
    b = bytes[pos++];
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return v;
};
const sections = [];
let bodies = [];
while (pos < bytes.length) {
  const id = bytes[pos++], size = leb(), start = pos;
  let name = SECTION[id] ?? `id ${id}`;
  if (id === 0) {
    const n = leb();
    name = `custom "${bytes.subarray(pos, pos + n).toString()}"`;
  }
  if (id === 10) {
    pos = start;
    const count = leb();
    bodies = Array.from({ length: count }, () => {
      const s = leb();
      pos += s;
      return s;
    });
  }
  sections.push({ name, size });
  pos = start + size;
}

const module = new WebAssembly.Module(bytes);
const imports = WebAssembly.Module.imports(module);
const exports = WebAssembly.Module.exports(module);
const wanted = readFileSync(exportsPath, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

// Function indices of the exports, for the per-function listing (no imports: index = body index).
const funcNames = new Map();
{
  pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++], size = leb(), start = pos;
    if (id === 7) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        const len = leb(), name = bytes.subarray(pos, pos + len).toString();
        pos += len;
        const kind = bytes[pos++], index = leb();
        if (kind === 0) funcNames.set(index, name);
      }
    }
    pos = start + size;
  }
}

console.log(`${basename(wasmPath)}: ${bytes.length} bytes (limit < ${LIMIT}, target ~${TARGET}, ${LIMIT - bytes.length} to spare)`);
if (prePath && existsSync(prePath)) console.log(`  before wasm-opt -Oz: ${readFileSync(prePath).length} bytes (${basename(prePath)})`);
console.log(`  sections: ${sections.map((s) => `${s.name} ${s.size}`).join(', ')}`);
console.log(`  code: ${bodies.length} functions, ${bodies.reduce((a, b) => a + b, 0)} bytes of bodies`);
bodies.forEach((s, i) => console.log(`    func ${String(i).padStart(2)} ${String(s).padStart(5)} B  ${funcNames.get(i) ?? '(internal)'}`));
console.log(`  exports (${exports.length}): ${exports.map((e) => `${e.name}${e.kind === 'function' ? '' : ` [${e.kind}]`}`).join(' ')}`);
console.log(`  imports (${imports.length}): ${imports.length ? imports.map((i) => `${i.module}.${i.name} [${i.kind}]`).join(' ') : 'none'}`);

if (bytes.length >= LIMIT) fail(`size ${bytes.length} >= ${LIMIT} bytes`);
if (imports.length) fail(`the module imports ${imports.length} item(s); the tile must be freestanding`);
const expected = new Set([...wanted, 'memory']);
const got = new Set(exports.map((e) => e.name));
for (const n of expected) if (!got.has(n)) fail(`missing export ${n}`);
for (const n of got) if (!expected.has(n)) fail(`unexpected export ${n}`);
if (wanted.length !== 14) fail(`exports.txt lists ${wanted.length} functions, the tile ABI has 14`);
for (const e of exports) {
  if (e.name === 'memory' && e.kind !== 'memory') fail('`memory` is not a memory');
  if (e.name !== 'memory' && e.kind !== 'function') fail(`${e.name} is a ${e.kind}, not a function`);
}
try {
  const inst = new WebAssembly.Instance(module, {});
  if (!(inst.exports.memory instanceof WebAssembly.Memory)) fail('no exported memory after instantiation');
  else console.log(`  instantiates with no imports; initial memory ${inst.exports.memory.buffer.byteLength / 65536} pages (the host owns everything above)`);
} catch (err) {
  fail(`does not instantiate with an empty import object: ${err.message}`);
}

if (failures.length) {
  for (const f of failures) console.log(`FAIL: ${f}`);
  process.exit(1);
}
console.log(`ok: ${bytes.length} < ${LIMIT} bytes, exactly the 14 tile exports + memory, no imports`);

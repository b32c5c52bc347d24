#!/usr/bin/env node
// run-wasi.mjs: run rvf-wasi.wasm (the rvf program for WASI, js/wasi/wasi.cmake) under Node's
// node:wasi, one command per process, stdin/stdout/stderr inherited, the exit status passed on.
// Usage: node js/wasi/run-wasi.mjs RVF_WASI_WASM [--dir HOST=GUEST]... -- COMMAND ARGS...
//   e.g. node js/wasi/run-wasi.mjs build/js/wasi/rvf-wasi.wasm --dir /tmp/stores=/data -- \
//          query /data/docs.rvf --vector '[0.1, 0.2]' -k 5
// Only the --dir folders are visible to the module (WASI preopens). One command per process:
// Node 20's node:wasi crashes (SIGSEGV) when a second instance in the same process reads a
// multi-megabyte file after a first one did, so the tests spawn this runner per command.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

process.removeAllListeners('warning'); // node:wasi's ExperimentalWarning
const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (argv.length < 2 || sep < 1) {
  console.error('usage: run-wasi.mjs RVF_WASI_WASM [--dir HOST=GUEST]... -- COMMAND ARGS...');
  process.exit(2);
}
const preopens = {};
for (let i = 1; i < sep; i++) {
  const m = argv[i] === '--dir' ? /^(.+)=(\/.*)$/.exec(argv[i + 1] ?? '') : null;
  if (!m) {
    console.error(`run-wasi.mjs: bad option ${argv[i]} (expected --dir HOST=GUEST)`);
    process.exit(2);
  }
  preopens[m[2]] = m[1];
  i++;
}
const wasi = new WASI({
  version: 'preview1',
  args: ['rvf', ...argv.slice(sep + 1)],
  env: { HOSTNAME: process.env.HOSTNAME ?? 'wasi' },
  preopens,
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(argv[0]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);

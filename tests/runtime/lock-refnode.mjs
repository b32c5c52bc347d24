// lock-refnode.mjs: our writer lock against the reference runtime (@ruvector/rvf-node).
// Usage: node lock-refnode.mjs <tool_lock>. Each side must refuse the other's live lock, respect
// its release, and take over the other's crashed lock once it is stale (same host, pid dead,
// older than 30 s), which proves both read each other's lock files and agree on the hostname.
// Exits 77 (SKIP) when @ruvector/rvf-node cannot be loaded.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const tool = process.argv[2];
if (!tool) {
    console.error('usage: node lock-refnode.mjs <tool_lock>');
    process.exit(2);
}

let RvfDatabase, modPath;
try {
    modPath = createRequire(import.meta.url).resolve('@ruvector/rvf-node');
    const pkg = (await import('@ruvector/rvf-node')).default;
    RvfDatabase = pkg.RvfDatabase;
    if (typeof RvfDatabase?.create !== 'function') throw new Error('no RvfDatabase export');
} catch (e) {
    console.log(`SKIP: @ruvector/rvf-node cannot be loaded (${e.message})`);
    process.exit(77);
}

let checks = 0, failed = 0;
function check(cond, msg) {
    checks++;
    if (!cond) {
        failed++;
        console.error(`FAIL: ${msg}`);
    }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
});
function crc32(buf) {
    let c = 0xffffffff;
    for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
}

// The lock file's fields (RVF-BRIEF §9.2), checked against the layout both sides write.
function readLock(lockPath, who) {
    const b = fs.readFileSync(lockPath);
    check(b.length === 104, `${who}: lock is 104 bytes (got ${b.length})`);
    check(b.subarray(0, 4).toString('latin1') === 'FLVR', `${who}: magic bytes 46 4C 56 52`);
    const host = b.subarray(8, 72);
    const nul = host.indexOf(0);
    check(nul > 0 && nul <= 62, `${who}: hostname NUL-terminated, 1..62 chars`);
    check(b.readUInt32LE(0x60) === 1, `${who}: lock_version 1`);
    check(b.readUInt32LE(0x64) === crc32(b.subarray(0, 0x64)), `${who}: CRC-32/IEEE of 0x00-0x63`);
    return {
        bytes: b,
        pid: b.readUInt32LE(4),
        host: host.subarray(0, nul < 0 ? 64 : nul).toString('latin1'),
        ts: b.readBigUInt64LE(0x48),
    };
}

// Moves a lock's timestamp 31 s back (past the same-host threshold), keeping its CRC valid.
function ageLock(lockPath) {
    const b = fs.readFileSync(lockPath);
    b.writeBigUInt64LE(b.readBigUInt64LE(0x48) - 31_000_000_000n, 0x48);
    b.writeUInt32LE(crc32(b.subarray(0, 0x64)), 0x64);
    fs.writeFileSync(lockPath, b);
}

function lockHeldError(fn) {
    try {
        fn().close();
        return 'opened';
    } catch (e) {
        return /0x0300|LockHeld/.test(String(e.message)) ? 'held' : `other error: ${e.message}`;
    }
}

// Starts tool_lock and resolves once it printed LOCKED (or rejects with its output).
function startTool(store) {
    const child = spawn(tool, [store], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const locked = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`tool_lock: no LOCKED in 10 s: ${out}`)), 10000);
        child.stdout.on('data', (d) => {
            out += d;
            if (out.includes('LOCKED\n')) {
                clearTimeout(timer);
                resolve();
            }
        });
        exited.then((code) => {
            clearTimeout(timer);
            reject(new Error(`tool_lock exited ${code}: ${out}`));
        });
    });
    return { child, locked, exited, output: () => out };
}

function runTool(store) {
    const r = spawnSync(tool, [store], { input: '\n', timeout: 10000, encoding: 'utf8' });
    return { status: r.status, out: r.stdout };
}

const tmp = process.env.RVF_TMP || fs.mkdtempSync(path.join(os.tmpdir(), 'rvf-lock-'));
fs.mkdirSync(tmp, { recursive: true });
const store = path.join(tmp, 'refnode.rvf');
const lockPath = `${store}.lock`;
for (const f of [store, lockPath]) fs.rmSync(f, { force: true });

let running = null;
try {
    // (a) a store written by the reference; its lock while open has the shared layout
    {
        const db = RvfDatabase.create(store, { dimension: 4, metric: 'l2' });
        db.ingestBatch(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), [1, 2]);
        const ref = readLock(lockPath, 'rvf-node');
        check(ref.pid === process.pid, 'rvf-node: pid field is the node process');
        db.close();
        check(!fs.existsSync(lockPath), 'rvf-node close() removes its lock');
    }

    // (b) while tool_lock holds our lock: the reference refuses to write, still reads
    running = startTool(store);
    await running.locked;
    const ours = readLock(lockPath, 'tool_lock');
    check(ours.pid === running.child.pid, 'tool_lock: pid field is the tool process');
    check(lockHeldError(() => RvfDatabase.open(store)) === 'held', 'rvf-node open() -> LockHeld 0x0300');
    {
        const ro = RvfDatabase.openReadonly(store);
        check(ro.status().totalVectors === 2, 'rvf-node openReadonly() next to our writer');
        ro.close();
    }
    check(fs.readFileSync(lockPath).equals(ours.bytes), 'rvf-node left our lock untouched');

    // (c) after our release the reference opens for writing
    running.child.stdin.end('\n');
    const code = await running.exited;
    check(code === 0, `tool_lock releases cleanly (exit ${code}: ${running.output().trim()})`);
    running = null;
    check(!fs.existsSync(lockPath), 'tool_lock release removes its lock');
    let db = RvfDatabase.open(store);

    // (d) while the reference holds its lock, ours is refused and leaves it in place
    const refLock = fs.readFileSync(lockPath);
    let r = runTool(store);
    check(r.status === 3, `tool_lock vs rvf-node writer -> LOCK_HELD (exit ${r.status}: ${r.out})`);
    check(fs.readFileSync(lockPath).equals(refLock), 'tool_lock left the reference lock untouched');
    db.close();
    check(!fs.existsSync(lockPath), 'rvf-node close() after our refusal removes its lock');

    // (e) a crashed reference writer: fresh -> held; 31 s old with its pid dead -> taken over
    const crash = spawn(
        process.execPath,
        ['-e', "const{RvfDatabase}=require(process.argv[1]);RvfDatabase.open(process.argv[2]);" +
            "console.log('OPEN');setInterval(()=>{},1000)", modPath, store],
        { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
        crash.stdout.on('data', (d) => String(d).includes('OPEN') && resolve());
        crash.on('exit', (c) => reject(new Error(`writer child exited ${c}`)));
    });
    const crashedLock = readLock(lockPath, 'rvf-node child');
    check(crashedLock.pid === crash.pid, 'rvf-node child: pid field');
    crash.removeAllListeners('exit');
    const crashExit = new Promise((resolve) => crash.on('exit', resolve));
    crash.kill('SIGKILL');
    await crashExit;
    r = runTool(store);
    check(r.status === 3, `fresh lock of a dead reference writer -> LOCK_HELD (exit ${r.status})`);
    ageLock(lockPath);
    r = runTool(store);
    check(r.status === 0 && r.out.includes('LOCKED') && r.out.includes('RELEASED 0'),
          `31 s old lock of a dead reference writer (host "${crashedLock.host}") -> taken over ` +
          `(exit ${r.status}: ${r.out})`);
    check(!fs.existsSync(lockPath), 'lock gone after tool_lock took over and released');

    // (f) a crashed tool_lock: the reference takes over once our lock is stale
    running = startTool(store);
    await running.locked;
    const toolLock = readLock(lockPath, 'tool_lock');
    running.child.kill('SIGKILL');
    await running.exited;
    running = null;
    check(lockHeldError(() => RvfDatabase.open(store)) === 'held',
          'fresh lock of a dead tool_lock -> rvf-node LockHeld');
    ageLock(lockPath);
    check(lockHeldError(() => RvfDatabase.open(store)) === 'opened',
          `31 s old lock of a dead tool_lock (host "${toolLock.host}") -> rvf-node takes over`);
    check(!fs.existsSync(lockPath), 'rvf-node removed the lock it took over on close');
} catch (e) {
    failed++;
    console.error(`FAIL: ${e.stack || e}`);
} finally {
    if (running) running.child.kill('SIGKILL');
}

console.log(`${checks} checks, ${failed} failed`);
process.exit(failed ? 1 : 0);

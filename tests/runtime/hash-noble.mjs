// Differential test: the C SHAKE-256 (via tool_hash) against @noble/hashes.
// Usage: node tests/runtime/hash-noble.mjs <path to tool_hash>
// Part 1 checks the tool's own deterministic cases (lengths 0..2000, every length up to three
// blocks, block edges, outputs up to 500 bytes, half absorbed/squeezed in pieces); part 2 sends
// inputs generated here and compares the tool's answers. Exits 1 on any mismatch.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { shake256 } from '@noble/hashes/sha3.js';

const tool = process.argv[2];
if (!tool) {
    console.error('usage: node hash-noble.mjs <tool_hash>');
    process.exit(2);
}
const toHex = (u) => (u.length ? Buffer.from(u).toString('hex') : '-');
const fromHex = (h) => (h === '-' ? new Uint8Array(0) : Uint8Array.from(Buffer.from(h, 'hex')));
const expect = (input, outLen) => toHex(shake256(input, { dkLen: outLen }));

let matched = 0;
let failed = 0;
const fail = (what, inHex, outLen, got, want) => {
    if (failed++ < 5)
        console.error(`MISMATCH ${what}: in ${inHex.slice(0, 64)} (${inHex.length / 2} B) ` +
                      `outLen ${outLen}\n  got  ${got.slice(0, 96)}\n  want ${want.slice(0, 96)}`);
};

const GEN = 1200;
const genLines = execFileSync(tool, ['--gen', String(GEN)], { maxBuffer: 1 << 28 })
    .toString().trim().split('\n');
if (genLines.length !== GEN) {
    console.error(`tool_hash --gen ${GEN} printed ${genLines.length} lines`);
    process.exit(1);
}
for (const line of genLines) {
    const [inHex, outLenStr, outHex] = line.split(' ');
    const outLen = Number(outLenStr);
    const want = expect(fromHex(inHex), outLen);
    if (outHex === want) matched++;
    else fail('gen', inHex, outLen, outHex, want);
}

// Our own inputs: random bytes and lengths, plus structured ones (all 0x00 / 0xFF / 0xA3).
const cases = [];
for (let i = 0; i < 300; i++) {
    const n = i < 60 ? [0, 1, 135, 136, 137, 271, 272, 273][i % 8] + (i >> 3) * 136
                     : randomBytes(2).readUInt16LE() % 2001;
    const fill = i % 3 === 0 ? null : [0x00, 0xff, 0xa3][(i >> 1) % 3];
    const input = fill === null ? randomBytes(n) : new Uint8Array(n).fill(fill);
    cases.push([Uint8Array.from(input), randomBytes(2).readUInt16LE() % 501]);
}
const stdin = cases.map(([input, outLen]) => `${toHex(input)} ${outLen}`).join('\n') + '\n';
const outLines = execFileSync(tool, ['--stdin'], { input: stdin, maxBuffer: 1 << 28 })
    .toString().trim().split('\n');
if (outLines.length !== cases.length) {
    console.error(`tool_hash --stdin answered ${outLines.length} of ${cases.length} lines`);
    process.exit(1);
}
cases.forEach(([input, outLen], i) => {
    const want = expect(input, outLen);
    if (outLines[i] === want) matched++;
    else fail('stdin', toHex(input), outLen, outLines[i], want);
});

const total = GEN + cases.length;
console.log(`SHAKE-256 vs @noble/hashes: ${matched}/${total} matched`);
process.exit(failed || matched !== total ? 1 : 0);

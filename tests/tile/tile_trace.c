/* tile_trace.c: the native half of the tile differential test (tests/wasm/tile-diff.mjs replays).
 *
 * Runs seeded random call sequences on the native tile library (rvf_tile.c built by the host C
 * compiler) and writes a trace: how each input buffer was filled, each call with its arguments
 * and result, and the output bytes after it. Node replays the trace against rvf_tile.wasm and
 * compares. Unlike the reference-compatibility test, every input is fair game: the Fixes,
 * extended mode, errors, NaN/Inf/subnormal halves, configurations that make the tile read past
 * its areas, top-K ties. Only traps (accesses outside memory) are left out.
 *
 * Trace lines (addresses relative to the host area, which is `memory` above the module's own):
 *   S n                        a new sequence: fresh module / rvf_tile_reset()
 *   W addr len kind seed       fill [addr, addr + len) with generator `kind` (fill() below, and
 *                              the same code in tile-diff.mjs)
 *   C name ret arg...          a call and its result (i64 arguments and results in decimal)
 *   X addr hex                 explicit input bytes
 *   O addr len f|b hex         the bytes at addr after that call (f: f32 values, NaN == NaN)
 * Usage: tile_trace OUT.trace [sequences] [seed] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_kernel.h"
#include "rvf_tile_abi.h"

#define MEM_SIZE (4u << 20) /* the host area: tile-diff.mjs grows memory by exactly this */
static uint8_t mem[MEM_SIZE];
static FILE *out;
static uint32_t rng; /* the sequence generator (xorshift32) */

static uint32_t xs(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}
static uint32_t rnd(void)
{
    return xs(&rng);
}
static uint32_t below(uint32_t n)
{
    return n ? rnd() % n : 0;
}
static int32_t range(int32_t lo, int32_t hi)
{
    return lo + (int32_t)below((uint32_t)(hi - lo + 1));
}

/* Input generators. Kept to integer arithmetic so JavaScript reproduces them exactly. */
static void fill(uint32_t addr, uint32_t len, char kind, uint32_t seed)
{
    uint32_t s = seed | 1u;
    uint8_t *p = mem + addr;
    for (uint32_t i = 0; i < len;) {
        uint32_t r = xs(&s);
        switch (kind) {
        case 'h': /* fp16, |x| in [2^-5, 2^3), random sign */
        case 'H': /* the same, one in 16 an arbitrary pattern (Inf, NaN, subnormal, ...) */ {
            uint32_t v = ((r & 1u) << 15) | ((10u + ((r >> 1) & 7u)) << 10) | ((r >> 4) & 0x3FFu);
            if (kind == 'H' && (r >> 28) == 0)
                v = (r >> 14) & 0xFFFFu;
            p[i++] = (uint8_t)v;
            if (i < len)
                p[i++] = (uint8_t)(v >> 8);
            break;
        }
        case 'f': /* f32, |x| in [2^-7, 2), random sign */
        case 'T': /* top-K distances: few distinct values (ties), one in 64 a NaN */ {
            uint32_t v = ((r & 1u) << 31) | ((120u + ((r >> 1) & 7u)) << 23) | (r >> 9);
            if (kind == 'T')
                v = (r & 63u) == 0 ? 0x7FC00000u
                                   : ((124u + ((r >> 1) & 3u)) << 23) | (((r >> 3) & 3u) << 21);
            for (int b = 0; b < 4 && i < len; b++)
                p[i++] = (uint8_t)(v >> (8 * b));
            break;
        }
        case 'c': /* 0xCD: output areas, so a write shows */
            p[i++] = 0xCD;
            break;
        default: /* 'b': bytes */
            for (int b = 0; b < 4 && i < len; b++)
                p[i++] = (uint8_t)(r >> (8 * b));
            break;
        }
    }
}

static void emit_fill(uint32_t addr, uint32_t len, char kind)
{
    uint32_t seed = rnd();
    fill(addr, len, kind, seed);
    fprintf(out, "W %u %u %c %u\n", addr, len, kind, seed);
}

/* explicit bytes: X addr hex */
static void emit_bytes(uint32_t addr, uint32_t len)
{
    fprintf(out, "X %u ", addr);
    for (uint32_t i = 0; i < len; i++)
        fprintf(out, "%02x", mem[addr + i]);
    fputc('\n', out);
}

static void emit_out(uint32_t addr, uint32_t len, char type)
{
    fprintf(out, "O %u %u %c ", addr, len, type);
    for (uint32_t i = 0; i < len; i++)
        fprintf(out, "%02x", mem[addr + i]);
    fputc('\n', out);
}

/* host areas */
enum {
    A_CFG = 0x100,
    A_Q = 0x1000,
    A_BLK = 0x2000,
    A_OUT = 0x40000,
    A_IDS = 0x80000,
    A_SQ = 0x90000,
    A_CB = 0xA0000,
    A_CODES = 0xC0000,
    A_LIST = 0x100000,
    A_BYTES = 0x110000
};

static int32_t cur_dim;

static void call_init(void)
{
    uint8_t *c = mem + A_CFG;
    emit_fill(A_CFG, 64, 'b');
    uint32_t dim = below(4) ? (uint32_t)range(0, 400) : rnd() % 50000;
    uint32_t dtype = below(8) ? below(3) : rnd();
    rvfk_st_u32(c + RVF_TILE_CFG_DIM, dim);
    rvfk_st_u32(c + RVF_TILE_CFG_COUNT, below(3) ? below(200) : rnd() % 80000);
    rvfk_st_u32(c + RVF_TILE_CFG_DTYPE, dtype);
    rvfk_st_u32(c + RVF_TILE_CFG_PQ_M, below(3) ? below(64) : rnd());
    rvfk_st_u32(c + RVF_TILE_CFG_PQ_K, below(3) ? below(300) : rnd());
    emit_bytes(A_CFG, 64);
    int32_t ptr = below(10) ? A_CFG : (int32_t)MEM_SIZE - range(60, 70);
    int32_t r = rvf_init(ptr);
    fprintf(out, "C rvf_init %d %d\n", r, ptr);
    if (r == 0 && ptr == A_CFG)
        cur_dim = dim > 400 ? 0 : (int32_t)dim;
}

static void call_query(void)
{
    int32_t dim = below(10) ? range(-3, 400) : (below(2) ? range(0, 96) : range(97, 384));
    if (dim > 0)
        emit_fill(A_Q, (uint32_t)dim * 2, below(4) ? 'h' : 'H');
    int32_t r = rvf_load_query(A_Q, dim);
    fprintf(out, "C rvf_load_query %d %d %d\n", r, A_Q, dim);
    if (r == 0)
        cur_dim = dim;
}

static void call_block(void)
{
    int32_t dtype = below(12) ? range(0, 2) : range(-1, 4);
    uint32_t elem = dtype == 1 ? 1u : dtype == 2 ? 4u : 2u;
    uint32_t rowb = (uint32_t)cur_dim * elem;
    int32_t maxc = rowb ? (int32_t)(32768 / rowb) : 500;
    int32_t count = below(10) ? range(-2, maxc + 2) : range(0, maxc < 300 ? maxc : 300);
    uint32_t n = count > 0 ? (uint32_t)count * rowb : 0;
    if (n > 40000)
        n = 40000;
    if (n)
        emit_fill(A_BLK, n, dtype == 0 ? (below(3) ? 'h' : 'H') : dtype == 2 ? 'f' : 'b');
    fprintf(out, "C rvf_load_block %d %d %d %d\n", rvf_load_block(A_BLK, count, dtype), A_BLK,
            count, dtype);
}

static void call_distances(void)
{
    int32_t metric = below(12) ? range(0, 3) : range(-1, 5);
    uint32_t count = rvfk_ld_u32(rvf_tile_region(0) + RVF_TILE_CFG_COUNT);
    uint32_t len = (count < 3000 ? count : 3000) * 4 + 8;
    emit_fill(A_OUT, len, 'c');
    fprintf(out, "C rvf_distances %d %d %d\n", rvf_distances(metric, A_OUT), metric, A_OUT);
    /* A configuration can stretch a Hamming query from data 0x40 over 0x1000, where
     * rvf_load_neighbors keeps the list's address: an absolute address, relative to the bound
     * array here and to the start of linear memory in the module, so those bits differ by
     * design. Such outputs are marked 'x' (not compared); every other output is. */
    const uint8_t *data = rvf_tile_region(0);
    uint64_t qbytes = (uint64_t)rvfk_ld_u32(data + RVF_TILE_CFG_DIM) * 4u; /* >= any dtype's row */
    int host_dependent = metric == RVF_TILE_METRIC_HAMMING &&
                         rvfk_ld_u32(data + RVF_TILE_NEIGHBOR_OFF) != 0 &&
                         RVF_TILE_QUERY_OFF + qbytes > RVF_TILE_NEIGHBOR_OFF;
    emit_out(A_OUT, len, host_dependent ? 'x' : 'f');
}

static void call_merge(void)
{
    int32_t k = below(10) ? range(-1, 18) : range(0, 16);
    int32_t count = below(15) ? range(0, 60) : -1;
    if (count > 0) {
        emit_fill(A_OUT, (uint32_t)count * 4, below(2) ? 'T' : 'f');
        emit_fill(A_IDS, (uint32_t)count * 8, 'b');
        if (below(2)) /* small ids: ties on (dist, id) too */
            for (int32_t i = 0; i < count; i++) {
                rvfk_st_u64(mem + A_IDS + 8 * (uint32_t)i, below(8));
                emit_bytes(A_IDS + 8 * (uint32_t)i, 8);
            }
    }
    fprintf(out, "C rvf_topk_merge %d %d %d %d %d\n", rvf_topk_merge(A_OUT, A_IDS, count, k), A_OUT,
            A_IDS, count, k);
}

static void call_read(void)
{
    emit_fill(A_OUT + 0x8000, 16 * 12 + 8, 'c');
    fprintf(out, "C rvf_topk_read %d %d\n", rvf_topk_read(A_OUT + 0x8000), A_OUT + 0x8000);
    emit_out(A_OUT + 0x8000, 16 * 12 + 8, 'b');
}

static void call_sq(void)
{
    int32_t dim = below(10) ? range(-2, 400) : (below(2) ? range(0, 128) : range(129, 384));
    if (dim > 0)
        emit_fill(A_SQ, (uint32_t)dim * 8, 'f');
    fprintf(out, "C rvf_load_sq_params %d %d %d\n", rvf_load_sq_params(A_SQ, dim), A_SQ, dim);
}

static void call_dequant(void)
{
    int32_t count = below(10) ? range(-2, 3000) : range(0, 800);
    uint32_t len = count > 0 ? (uint32_t)count * 2 + 8 : 8;
    if (count > 0)
        emit_fill(A_CODES, (uint32_t)count, 'b');
    emit_fill(A_OUT, len, 'c');
    fprintf(out, "C rvf_dequant_i8 %d %d %d %d\n", rvf_dequant_i8(A_CODES, A_OUT, count), A_CODES,
            A_OUT, count);
    emit_out(A_OUT, len, 'b'); /* f16 bit patterns: integer arithmetic after one f32 formula */
}

static void call_codebook(void)
{
    int32_t m = below(12) ? range(1, cur_dim > 1 ? cur_dim : 4) : range(-2, 3); /* up to 384 */
    int32_t sub = m > 0 ? cur_dim / m : 0;
    int32_t k = sub ? range(0, 16384 / (2 * m * sub) + 2) : range(-1, 5000);
    if (below(8) == 0)
        k = range(1, 5000);
    uint32_t n = (m > 0 && k > 0) ? (uint32_t)m * (uint32_t)k * (uint32_t)sub * 2 : 0;
    if (n > 17000)
        n = 17000;
    if (n)
        emit_fill(A_CB, n, below(4) ? 'h' : 'H');
    fprintf(out, "C rvf_load_pq_codebook %d %d %d %d\n", rvf_load_pq_codebook(A_CB, m, k), A_CB, m,
            k);
}

static void call_pq(void)
{
    int32_t count = below(12) ? range(0, 300) : range(-2, 5);
    uint32_t m = rvfk_ld_u32(rvf_tile_region(0) + RVF_TILE_CFG_PQ_M);
    if (m > 4096)
        count = count > 1 ? 1 : count;
    uint32_t n = count > 0 ? (uint32_t)count * m : 0;
    if (n > 200000)
        return;
    if (n)
        emit_fill(A_CODES, n, 'b');
    uint32_t len = count > 0 ? (uint32_t)count * 4 + 8 : 8;
    emit_fill(A_OUT, len, 'c');
    fprintf(out, "C rvf_pq_distances %d %d %d %d\n", rvf_pq_distances(A_CODES, count, A_OUT),
            A_CODES, count, A_OUT);
    emit_out(A_OUT, len, 'f');
}

static void call_greedy(void)
{
    uint32_t n = below(14);
    rvfk_st_u32(mem + A_LIST, n);
    static const float dists[] = {
        0.5f, 0.25f, 1.0f, 3.4028235e38f, __builtin_inff(), __builtin_nanf(""), -1.0f, 0.0f};
    for (uint32_t i = 0; i < n; i++) {
        rvfk_st_u64(mem + A_LIST + 4 + 12 * i,
                    below(2) ? below(5) : ((uint64_t)rnd() << 32 | rnd()));
        rvfk_st_f32(mem + A_LIST + 12 + 12 * i, dists[below(8)]);
    }
    emit_bytes(A_LIST, 4 + 12 * n);
    int32_t ptr = below(8) ? A_LIST : 0;
    int64_t node = (int64_t)rnd() - (int64_t)rnd();
    fprintf(out, "C rvf_load_neighbors %d %" PRId64 " %d %d\n", rvf_load_neighbors(node, 1, ptr),
            node, 1, ptr);
    int64_t cur = below(3) ? (int64_t)below(5) : -1;
    fprintf(out, "C rvf_greedy_step %" PRId64 " %" PRId64 " %d\n", rvf_greedy_step(cur, 0), cur, 0);
}

static void call_header(void)
{
    emit_fill(A_BYTES, 64, 'b');
    uint8_t *p = mem + A_BYTES;
    if (below(4)) {
        const uint8_t magic[5] = {0x53, 0x46, 0x56, 0x52, (uint8_t)(below(3) ? 1 : 2)};
        memcpy(p, magic, 5);
        emit_bytes(A_BYTES, 5);
    }
    fprintf(out, "C rvf_verify_header %d %d\n", rvf_verify_header(A_BYTES), A_BYTES);
}

static void call_crc(void)
{
    int32_t len = below(10) ? range(0, 5000) : range(-3, 0);
    if (len > 0)
        emit_fill(A_BYTES, (uint32_t)len, 'b');
    fprintf(out, "C rvf_crc32c %d %d %d\n", rvf_crc32c(A_BYTES, len), A_BYTES, len);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tile_trace OUT.trace [sequences] [seed]\n");
        return 2;
    }
    unsigned seqs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 300;
    rng = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 0x7EA7CE5u;
    if (!rng)
        rng = 1;
    out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 2;
    }
    rvf_tile_bind_memory(mem, MEM_SIZE);
    fprintf(out, "M %u\n", MEM_SIZE);
    void (*const calls[])(void) = {
        call_init,      call_query,     call_query, call_block,  call_block,  call_distances,
        call_distances, call_distances, call_merge, call_read,   call_sq,     call_dequant,
        call_codebook,  call_pq,        call_pq,    call_greedy, call_header, call_crc};
    unsigned ncalls = 0;
    for (unsigned s = 0; s < seqs; s++) {
        rvf_tile_reset();
        memset(mem, 0, MEM_SIZE);
        cur_dim = 0;
        fprintf(out, "S %u\n", s);
        unsigned n = 5 + below(40);
        for (unsigned c = 0; c < n; c++, ncalls++)
            calls[below(sizeof calls / sizeof calls[0])]();
    }
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 2;
    }
    printf("tile_trace: %u sequences, %u calls written to %s\n", seqs, ncalls, argv[1]);
    return 0;
}

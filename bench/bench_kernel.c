/* bench_kernel.c: nanoseconds per distance for each kernel variant this machine supports.
 *
 * Cases (the figures the foundation issue asks for): fp16 dim 384 (f32 query vs f16 rows, the
 * runtime's case, and f16 vs f16, the tile's), SQ8 ("i8") dim 384, f32 dim 128, Hamming over 384
 * bits, PQ ADC with 48 subspaces (k = 256). Each case scans a set of rows small enough for L2
 * (about 1 MB), repeated until 0.2 s have passed; the best of 5 runs is kept.
 * Usage: bench_kernel [--json]    (--json: one JSON object, for tools) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rvf_kernel.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (float)((rng * 0x2545F4914F6CDD1Dull) >> 40) / (float)(1 << 24) * 2.0f - 1.0f;
}

enum {
    CASE_F16_384,
    CASE_F16F16_384,
    CASE_SQ8_384,
    CASE_F32_128,
    CASE_HAM_384,
    CASE_PQ_48,
    NCASES
};
static const char *case_name[NCASES] = {
    "fp16 L2 dim 384 (f32 query)",
    "fp16 L2 dim 384 (f16 query)",
    "i8/SQ8 L2 dim 384",
    "f32 L2 dim 128",
    "Hamming 384 bits",
    "PQ ADC m=48 k=256",
};
static const char *case_key[NCASES] = {"fp16_384", "fp16f16_384", "i8_384",
                                       "f32_128",  "hamming_384", "pq_48"};

#define ROWS 1024
static float q32[384], rows32[ROWS * 128], mn[384], mx[384], table[48 * 256];
static uint16_t q16[384], rows16[ROWS * 384];
static uint8_t rows8[ROWS * 384], hq[48], hrows[ROWS * 48], pq[ROWS * 48];
static volatile float sink;

static double run_case(const rvfk_ops *o, int c)
{
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        long iters = 0;
        double t0 = now_ns(), t;
        float acc = 0;
        do {
            for (int i = 0; i < ROWS; i++) {
                switch (c) {
                case CASE_F16_384:
                    acc += o->dist_f32_f16(RVF_METRIC_L2, q32, rows16 + i * 384, 384);
                    break;
                case CASE_F16F16_384:
                    acc += o->dist_f16(RVF_METRIC_L2, q16, rows16 + i * 384, 384);
                    break;
                case CASE_SQ8_384:
                    acc += o->dist_f32_sq8(RVF_METRIC_L2, q32, rows8 + i * 384, mn, mx, 384);
                    break;
                case CASE_F32_128:
                    acc += o->dist_f32(RVF_METRIC_L2, q32, rows32 + i * 128, 128);
                    break;
                case CASE_HAM_384:
                    acc += (float)o->hamming(hq, hrows + i * 48, 48);
                    break;
                case CASE_PQ_48:
                    acc += o->pq_adc(table, pq + i * 48, 48, 256);
                    break;
                }
            }
            iters += ROWS;
            t = now_ns();
        } while (t - t0 < 0.2e9 / 5);
        sink = acc;
        double ns = (t - t0) / (double)iters;
        if (ns < best)
            best = ns;
    }
    return best;
}

int main(int argc, char **argv)
{
    int json = argc > 1 && !strcmp(argv[1], "--json");
    if (argc > 1 && !json) {
        fprintf(stderr, "usage: bench_kernel [--json]\n");
        return 2;
    }
    for (int d = 0; d < 384; d++) {
        q32[d] = frand();
        q16[d] = rvfk_f32_to_f16(q32[d]);
        mn[d] = -1.0f;
        mx[d] = 1.0f;
    }
    for (size_t i = 0; i < sizeof rows32 / sizeof rows32[0]; i++)
        rows32[i] = frand();
    for (size_t i = 0; i < sizeof rows16 / sizeof rows16[0]; i++)
        rows16[i] = rvfk_f32_to_f16(frand());
    for (size_t i = 0; i < sizeof rows8; i++)
        rows8[i] = (uint8_t)(frand() * 127.0f + 128.0f);
    for (size_t i = 0; i < sizeof hrows; i++)
        hrows[i] = (uint8_t)(frand() * 127.0f + 128.0f);
    for (size_t i = 0; i < sizeof hq; i++)
        hq[i] = (uint8_t)(frand() * 127.0f + 128.0f);
    for (size_t i = 0; i < sizeof pq; i++)
        pq[i] = (uint8_t)(frand() * 127.0f + 128.0f);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        table[i] = frand() + 1.0f;

    static const char *names[] = {"scalar", "sse4.1", "avx2", "wasm128"};
    const rvfk_ops *ops[4];
    double ns[4][NCASES];
    int nv = 0;
    for (int v = 0; v < 4; v++) {
        const rvfk_ops *o = rvfk_ops_get(names[v]);
        if (!o)
            continue;
        ops[nv] = o;
        for (int c = 0; c < NCASES; c++)
            ns[nv][c] = run_case(o, c);
        nv++;
    }
    if (json) {
        printf("{\"native\":{");
        for (int v = 0; v < nv; v++) {
            printf("%s\"%s\":{", v ? "," : "", ops[v]->name);
            for (int c = 0; c < NCASES; c++)
                printf("%s\"%s\":%.3f", c ? "," : "", case_key[c], ns[v][c]);
            printf("}");
        }
        printf("},\"best\":\"%s\"}\n", rvfk_ops_best()->name);
        return 0;
    }
    printf("native kernel, ns per distance (best of 5; lower is better); dispatch picks %s\n",
           rvfk_ops_best()->name);
    printf("%-30s", "case");
    for (int v = 0; v < nv; v++)
        printf("%10s", ops[v]->name);
    printf("%12s\n", "best/scalar");
    for (int c = 0; c < NCASES; c++) {
        printf("%-30s", case_name[c]);
        double b = ns[0][c];
        for (int v = 0; v < nv; v++) {
            printf("%10.2f", ns[v][c]);
            if (ns[v][c] < b)
                b = ns[v][c];
        }
        printf("%11.1fx\n", ns[0][c] / b);
    }
    return 0;
}

/* tool_refexport: writes deterministic vectors with rvf_ref_export and prints, as JSON, what a
 * reader of the file must answer: the file id and the exact top-10 (squared L2 / -dot / 1-cos,
 * ties by ascending id) of a few deterministic queries. refnode-export.mjs opens the file with
 * @ruvector/rvf-node and compares.
 *
 * usage: tool_refexport N DIM l2|inner_product|cosine SEED OUT.rvf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_internal.h"

#define NQUERIES 5
#define TOPK     10

/* xorshift64*, as tests/rvf_test.h (not included: a tool is no test). */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}
static float rng_unit(uint64_t *s) /* [-1, 1) */
{
    return (float)((double)(rng_next(s) >> 40) / (double)(1ULL << 23) - 1.0);
}

typedef struct hit {
    uint64_t id;
    float dist;
} hit;

static int cmp_hit(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int main(int argc, char **argv)
{
    static const char *const metrics[] = {"l2", "inner_product", "cosine"};
    if (argc != 6) {
        fprintf(stderr, "usage: %s N DIM l2|inner_product|cosine SEED OUT.rvf\n", argv[0]);
        return 2;
    }
    size_t n = strtoul(argv[1], NULL, 10);
    unsigned long dim = strtoul(argv[2], NULL, 10);
    int metric = -1;
    for (int m = 0; m < 3; m++)
        if (!strcmp(argv[3], metrics[m]))
            metric = m;
    if (n == 0 || dim == 0 || dim > 65535 || metric < 0) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    uint64_t rng = strtoull(argv[4], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;

    uint64_t *ids = malloc(n * sizeof *ids);
    float *rows = malloc(n * dim * sizeof *rows);
    float *q = malloc(NQUERIES * dim * sizeof *q);
    hit *h = malloc(n * sizeof *h);
    if (!ids || !rows || !q || !h)
        return 1;
    /* Ids unique, sparse and below 2^53 (exact as JS numbers). */
    for (size_t i = 0; i < n; i++) {
        ids[i] = 1 + i * 2654435761ULL;
        for (size_t d = 0; d < dim; d++)
            rows[i * dim + d] = rng_unit(&rng);
    }
    if (metric == RVF_METRIC_COSINE) /* the zero-norm rule: distance 1 */
        memset(rows + (n / 2) * dim, 0, dim * sizeof *rows);
    for (size_t i = 0; i < NQUERIES * dim; i++)
        q[i] = rng_unit(&rng);
    uint8_t file_id[16];
    for (int i = 0; i < 16; i += 8)
        rvfk_st_u64(file_id + i, rng_next(&rng) | 1);

    rvf_io *io;
    rvf_status st = rvf_io_file_open(argv[5], RVF_IO_CREATE | RVF_IO_WRITE, &io);
    if (st == RVF_OK) {
        st = rvf_ref_export(io, (uint16_t)dim, (uint8_t)metric, ids, rows, n, file_id);
        io->close(io);
    }
    if (st != RVF_OK) {
        fprintf(stderr, "%s: %s\n", argv[5], rvf_strerror(st));
        return 1;
    }

    printf("{\"n\":%zu,\"dim\":%lu,\"metric\":\"%s\",\"fileId\":\"", n, dim, metrics[metric]);
    for (int i = 0; i < 16; i++)
        printf("%02x", file_id[i]);
    printf("\",\"queries\":[");
    for (int qi = 0; qi < NQUERIES; qi++) {
        const float *qv = q + qi * dim;
        printf("%s{\"vector\":[", qi ? "," : "");
        for (size_t d = 0; d < dim; d++)
            printf("%s%.9g", d ? "," : "", (double)qv[d]);
        for (size_t i = 0; i < n; i++)
            h[i] = (hit){ids[i], rvfk_dist_f32((rvf_metric)metric, qv, rows + i * dim, dim)};
        qsort(h, n, sizeof *h, cmp_hit);
        printf("],\"answers\":[");
        for (size_t i = 0; i < TOPK && i < n; i++)
            printf("%s{\"id\":%llu,\"distance\":%.9g}", i ? "," : "", (unsigned long long)h[i].id,
                   (double)h[i].dist);
        printf("]}");
    }
    printf("]}\n");
    free(ids);
    free(rows);
    free(q);
    free(h);
    return 0;
}

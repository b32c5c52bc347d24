/* bench_groundtruth.c: exact k nearest neighbours by brute force, the ground truth of the HNSW
 * peer benchmark (bench-peers.mjs). Distances are squared L2 through rvfk_ops_best()->dist_f32
 * (the kernel every search of ours uses); ties are broken by the lower row id, so the answer is
 * a total order and does not depend on the scan order.
 *
 * Inputs are raw little-endian f32 row-major files. Outputs: --ids FILE gets int32 [nq][k] row
 * ids, --dists FILE gets f32 [nq][k] squared L2 distances, both in ascending (distance, id) order.
 *
 * Usage: bench_groundtruth --base F --query F --dim D --ids OUT --dists OUT
 *                          [--n N] [--nq Q] [--k K]
 * --n / --nq use only the first N base rows / Q queries (default: all rows of the files);
 * --k defaults to 100. Prints one JSON line with the counts, the time taken and the number of
 * queries whose k-th and (k+1)-th neighbours are tied, and the same at rank 10 (the recall@10
 * boundary). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rvf_kernel.h"

typedef struct gt_hit {
    float d;
    int32_t id;
} gt_hit;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Read the first `rows` rows of `dim` floats (rows 0 = all of the file); *rows_out gets the
 * count. NULL on error (message printed). */
static float *load_f32(const char *path, uint32_t dim, size_t rows, size_t *rows_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    float *v = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    size_t row_bytes = (size_t)dim * sizeof(float);
    if (len < 0 || (size_t)len % row_bytes || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "bench_groundtruth: %s is not a whole number of %u-float rows\n", path,
                dim);
        goto done;
    }
    size_t have = (size_t)len / row_bytes;
    if (rows == 0)
        rows = have;
    if (rows > have || rows == 0) {
        fprintf(stderr, "bench_groundtruth: %s has %zu rows, %zu asked\n", path, have, rows);
        goto done;
    }
    v = malloc(rows * row_bytes);
    if (!v || fread(v, row_bytes, rows, f) != rows) {
        fprintf(stderr, "bench_groundtruth: cannot read %s\n", path);
        free(v);
        v = NULL;
        goto done;
    }
    *rows_out = rows;
done:
    fclose(f);
    return v;
}

/* (d, id) ordering: the heap keeps the k best with the worst on top. */
static int worse(gt_hit a, gt_hit b)
{
    return a.d > b.d || (a.d == b.d && a.id > b.id);
}

static void sift_down(gt_hit *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(h[l], h[m]))
            m = l;
        if (r < n && worse(h[r], h[m]))
            m = r;
        if (m == i)
            return;
        gt_hit t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void sift_up(gt_hit *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(h[i], h[p]))
            return;
        gt_hit t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

static int cmp_hit(const void *a, const void *b)
{
    gt_hit x = *(const gt_hit *)a, y = *(const gt_hit *)b;
    return worse(x, y) - worse(y, x);
}

static int write_all(const char *path, const void *p, size_t size, size_t count)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    int bad = fwrite(p, size, count, f) != count;
    bad |= fclose(f) != 0;
    if (bad)
        fprintf(stderr, "bench_groundtruth: cannot write %s\n", path);
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *base_path = NULL, *query_path = NULL, *ids_path = NULL, *dists_path = NULL;
    uint32_t dim = 0;
    size_t n = 0, nq = 0, k = 100;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "bench_groundtruth: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--base"))
            base_path = v;
        else if (!strcmp(a, "--query"))
            query_path = v;
        else if (!strcmp(a, "--ids"))
            ids_path = v;
        else if (!strcmp(a, "--dists"))
            dists_path = v;
        else if (!strcmp(a, "--dim"))
            dim = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--n"))
            n = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--nq"))
            nq = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--k"))
            k = strtoull(v, NULL, 10);
        else {
            fprintf(stderr, "bench_groundtruth: unknown option %s\n", a);
            return 2;
        }
    }
    if (!base_path || !query_path || !ids_path || !dists_path || dim == 0 || k == 0) {
        fprintf(stderr, "usage: bench_groundtruth --base F --query F --dim D --ids OUT "
                        "--dists OUT [--n N] [--nq Q] [--k K]\n");
        return 2;
    }
    float *base = load_f32(base_path, dim, n, &n);
    float *qs = base ? load_f32(query_path, dim, nq, &nq) : NULL;
    if (!qs) {
        free(base);
        return 1;
    }
    if (k > n) {
        fprintf(stderr, "bench_groundtruth: k %zu > %zu base rows\n", k, n);
        free(base);
        free(qs);
        return 1;
    }
    const rvfk_ops *ops = rvfk_ops_best();
    gt_hit *heap = malloc((k + 1) * sizeof *heap);
    int32_t *ids = malloc(nq * k * sizeof *ids);
    float *dists = malloc(nq * k * sizeof *dists);
    int rc = 1;
    if (!heap || !ids || !dists) {
        fprintf(stderr, "bench_groundtruth: out of memory\n");
        goto out;
    }
    size_t ties = 0, ties10 = 0;
    double t0 = now_ms();
    for (size_t q = 0; q < nq; q++) {
        const float *qv = qs + q * dim;
        size_t len = 0;
        /* keeps k + 1 so a tie between the k-th and the (k+1)-th is visible */
        for (size_t i = 0; i < n; i++) {
            gt_hit c = {ops->dist_f32(RVF_METRIC_L2, qv, base + i * dim, dim), (int32_t)i};
            if (len < k + 1) {
                heap[len] = c;
                sift_up(heap, len++);
            } else if (worse(heap[0], c)) {
                heap[0] = c;
                sift_down(heap, len, 0);
            }
        }
        qsort(heap, len, sizeof *heap, cmp_hit);
        ties += len > k && heap[k].d == heap[k - 1].d;
        ties10 += len > 10 && heap[10].d == heap[9].d;
        for (size_t j = 0; j < k; j++) {
            ids[q * k + j] = heap[j].id;
            dists[q * k + j] = heap[j].d;
        }
    }
    double ms = now_ms() - t0;
    if (write_all(ids_path, ids, sizeof *ids, nq * k) ||
        write_all(dists_path, dists, sizeof *dists, nq * k))
        goto out;
    printf("{\"tool\":\"bench_groundtruth\",\"n\":%zu,\"nq\":%zu,\"dim\":%u,\"k\":%zu,"
           "\"kernel\":\"%s\",\"ms\":%.1f,\"queries_with_tie_at_rank_k\":%zu,"
           "\"queries_with_tie_at_rank_10\":%zu}\n",
           n, nq, dim, k, ops->name, ms, ties, ties10);
    rc = 0;
out:
    free(heap);
    free(ids);
    free(dists);
    free(base);
    free(qs);
    return rc;
}

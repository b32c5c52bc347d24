/* test_kmeans.c: the deterministic k-means of rvf_kmeans.h: argument checks, determinism,
 * recovery of well-separated Gaussian clusters, subsampling, strided rows, empty-cluster
 * re-seeding, ties. With RVF_KMEANS_BENCH=1 it also times k = 316 on 100k x 100 random rows
 * (printed, never asserted). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime; test programs build as strict C11 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rvf_kmeans.h"
#include "rvf_test.h"

/* Standard normal from two uniforms (Box-Muller). */
static float gauss(rvf_test_rng *r)
{
    double u1 = ((double)(rvf_test_next(r) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = (double)(rvf_test_next(r) >> 11) / 9007199254740992.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

#define GC   8   /* true clusters */
#define GD   16  /* dims */
#define GPER 500 /* points per cluster */
#define GN   (GC * GPER)

static float gmeans[GC * GD];
static float gdata[GN * GD];
static int glabel[GN];

/* Cluster c's mean: 10 * a random sign pattern, so means are >= 20 apart in some coordinate
 * (c differ in at least one sign: the patterns are distinct by construction), sigma 0.5. */
static void make_gaussians(void)
{
    rvf_test_rng r = {0x6b6d65616e73ULL};
    for (int c = 0; c < GC; c++)
        for (int d = 0; d < GD; d++)
            gmeans[c * GD + d] =
                (d < 3 ? ((c >> d) & 1) : (int)(rvf_test_next(&r) & 1)) ? 10.0f : -10.0f;
    /* Interleave the clusters so the row order says nothing about the labels. */
    for (int i = 0; i < GN; i++) {
        int c = (int)(rvf_test_next(&r) % GC);
        glabel[i] = c;
        for (int d = 0; d < GD; d++)
            gdata[i * GD + d] = gmeans[c * GD + d] + 0.5f * gauss(&r);
    }
}

static float l2(const float *a, const float *b, size_t dim)
{
    float s = 0.0f;
    for (size_t d = 0; d < dim; d++)
        s += (a[d] - b[d]) * (a[d] - b[d]);
    return s;
}

static void test_arguments(void)
{
    float rows[4 * 2] = {0, 0, 1, 1, 2, 2, 3, 3}, c[4 * 2];
    CHECK_EQ_INT(rvf_kmeans(NULL, 4, 2, 2, 2, NULL, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 2, 2, 2, NULL, NULL, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 0, 2, 2, NULL, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 2, 1, 2, NULL, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 2, 2, 0, NULL, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 2, 2, 5, NULL, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_kmeans(rows, 0, 2, 2, 1, NULL, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    rvf_kmeans_params p = {.tol = -1.0};
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 2, 2, 2, &p, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    p.tol = NAN;
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 2, 2, 2, &p, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    rows[5] = NAN;
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 2, 2, 2, NULL, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    rows[5] = INFINITY;
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 2, 2, 2, NULL, c, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    rows[5] = 2.0f;
    CHECK_EQ_INT(rvf_kmeans(rows, 4, 2, 2, 2, NULL, c, NULL, NULL), RVF_OK);
}

/* k == n: every row becomes a centroid (k-means++ never picks a row twice while d2 > 0). */
static void test_k_equals_n(void)
{
    float rows[5 * 3], c[5 * 3];
    uint32_t a[5];
    for (int i = 0; i < 15; i++)
        rows[i] = (float)(i * i % 7) - (float)i;
    rvf_kmeans_stats s;
    CHECK_EQ_INT(rvf_kmeans(rows, 5, 3, 3, 5, NULL, c, a, &s), RVF_OK);
    CHECK_EQ_INT(s.n_train, 5);
    CHECK_EQ_BITS((float)s.inertia, 0.0f);
    CHECK_EQ_INT(s.converged, 1);
    CHECK_EQ_INT(s.iterations, 2); /* the first always changes every label */
    for (int i = 0; i < 5; i++)
        CHECK_MEM(c + a[i] * 3, rows + i * 3, 3 * sizeof(float));
}

static void test_nearest_ties(void)
{
    float c[3 * 2] = {1, 0, -1, 0, 1, 0}; /* 0 and 2 equal; 1 at the same distance from v */
    float v[2] = {0, 0}, d = -1;
    CHECK_EQ_INT(rvf_kmeans_nearest(v, c, 3, 2, &d), 0);
    CHECK_EQ_BITS(d, 1.0f);
    float w[2] = {-0.5f, 0};
    CHECK_EQ_INT(rvf_kmeans_nearest(w, c, 3, 2, NULL), 1);
    float nanc[2 * 2] = {NAN, 0, 5, 5};
    CHECK_EQ_INT(rvf_kmeans_nearest(v, nanc, 2, 2, &d), 1); /* NaN never wins */
}

static void test_determinism(void)
{
    float c1[GC * GD], c2[GC * GD];
    uint32_t *a1 = malloc(GN * sizeof *a1), *a2 = malloc(GN * sizeof *a2);
    if (!a1 || !a2) {
        CHECK(0);
        free(a1);
        free(a2);
        return;
    }
    rvf_kmeans_params p = {.seed = 99, .max_iter = 7, .max_train = 1500};
    rvf_kmeans_stats s1, s2;
    CHECK_EQ_INT(rvf_kmeans(gdata, GN, GD, GD, GC, &p, c1, a1, &s1), RVF_OK);
    CHECK_EQ_INT(rvf_kmeans(gdata, GN, GD, GD, GC, &p, c2, a2, &s2), RVF_OK);
    CHECK_MEM(c1, c2, sizeof c1);
    CHECK_MEM(a1, a2, GN * sizeof *a1);
    CHECK_EQ_INT(s1.iterations, s2.iterations);
    CHECK_EQ_BITS((float)s1.inertia, (float)s2.inertia);
    /* A different seed samples other rows: the centroids differ in their bits. */
    p.seed = 100;
    CHECK_EQ_INT(rvf_kmeans(gdata, GN, GD, GD, GC, &p, c2, NULL, NULL), RVF_OK);
    CHECK(memcmp(c1, c2, sizeof c1) != 0);
    free(a1);
    free(a2);
}

/* Each true cluster gets exactly one centroid within `tol` of its mean, and every point is
 * labelled with its cluster's centroid. The mean of m points is off by about 0.5 * 4 / sqrt(m)
 * (sigma 0.5, 16 dims): 0.09 for m = 500, 0.28 for m = 50; the means are >= 20 apart. */
static void check_recovers(const float *c, const uint32_t *a, float tol, const char *what)
{
    int owner[GC], bad = 0;
    for (int t = 0; t < GC; t++) {
        owner[t] = -1;
        for (int j = 0; j < GC; j++)
            if (l2(c + j * GD, gmeans + t * GD, GD) < tol * tol) {
                bad += owner[t] != -1;
                owner[t] = j;
            }
        bad += owner[t] == -1;
    }
    for (int t = 0; t < GC; t++)
        for (int u = t + 1; u < GC; u++)
            bad += owner[t] == owner[u];
    int mislabelled = 0;
    for (int i = 0; i < GN && !bad; i++)
        mislabelled += (int)a[i] != owner[glabel[i]];
    if (bad || mislabelled)
        printf("  %s: %d centroid mismatches, %d mislabelled points\n", what, bad, mislabelled);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(mislabelled, 0);
}

static void test_quality(void)
{
    float c[GC * GD];
    uint32_t *a = malloc(GN * sizeof *a);
    if (!a) {
        CHECK(0);
        return;
    }
    for (uint64_t seed = 1; seed <= 5; seed++) {
        rvf_kmeans_params p = {.seed = seed, .max_train = UINT32_MAX};
        rvf_kmeans_stats s;
        CHECK_EQ_INT(rvf_kmeans(gdata, GN, GD, GD, GC, &p, c, a, &s), RVF_OK);
        CHECK_EQ_INT(s.n_train, GN);
        CHECK_EQ_INT(s.converged, 1);
        CHECK(s.iterations <= 5);
        /* E|x - mean|^2 = GD * 0.25 = 4 per point */
        CHECK_NEAR(s.inertia / GN, 4.0, 0.3, 0);
        check_recovers(c, a, 0.25f, "full");
    }
    /* Subsampled: 400 of 4000 rows train; all 4000 are still assigned. */
    rvf_kmeans_params p = {.seed = 7, .max_train = 400};
    rvf_kmeans_stats s;
    CHECK_EQ_INT(rvf_kmeans(gdata, GN, GD, GD, GC, &p, c, a, &s), RVF_OK);
    CHECK_EQ_INT(s.n_train, 400);
    check_recovers(c, a, 1.0f, "subsampled");
    /* The default training size is max(1024, 32 k). */
    p.max_train = 0;
    CHECK_EQ_INT(rvf_kmeans(gdata, GN, GD, GD, GC, &p, c, a, &s), RVF_OK);
    CHECK_EQ_INT(s.n_train, 1024);
    check_recovers(c, a, 0.6f, "default");
    free(a);
}

/* Rows read through a stride (a PQ subspace) train exactly as the same rows copied out. */
static void test_stride(void)
{
    enum { SD = 5, OFF = 3 };
    float *sub = malloc(GN * SD * sizeof(float));
    if (!sub) {
        CHECK(0);
        return;
    }
    for (int i = 0; i < GN; i++)
        memcpy(sub + i * SD, gdata + i * GD + OFF, SD * sizeof(float));
    float c1[6 * SD], c2[6 * SD];
    rvf_kmeans_params p = {.seed = 3, .max_train = 1000};
    CHECK_EQ_INT(rvf_kmeans(gdata + OFF, GN, SD, GD, 6, &p, c1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_kmeans(sub, GN, SD, SD, 6, &p, c2, NULL, NULL), RVF_OK);
    CHECK_MEM(c1, c2, sizeof c1);
    free(sub);
}

/* Fewer distinct points than k: seeding repeats a point, a duplicate centroid stays empty (ties
 * go to the lower index) and is re-seeded every iteration, so the run ends at max_iter; every
 * distinct point still ends at distance 0 from a centroid. */
static void test_empty_clusters(void)
{
    float rows[12 * 2], c[5 * 2];
    for (int i = 0; i < 12; i++) {
        rows[2 * i] = (float)(i % 3) * 4.0f;
        rows[2 * i + 1] = (float)(i % 3 == 1);
    }
    rvf_kmeans_params p = {.seed = 1, .max_iter = 6};
    rvf_kmeans_stats s;
    uint32_t a[12];
    CHECK_EQ_INT(rvf_kmeans(rows, 12, 2, 2, 5, &p, c, a, &s), RVF_OK);
    CHECK_EQ_INT(s.iterations, 6);
    CHECK_EQ_INT(s.converged, 0);
    CHECK(s.reseeded >= 6 * 2);
    CHECK_EQ_BITS((float)s.inertia, 0.0f);
    for (int i = 0; i < 12; i++)
        CHECK_EQ_BITS(l2(rows + 2 * i, c + a[i] * 2, 2), 0.0f);

    /* Two far outliers and a blob, k = 3: D^2 seeding gives each outlier its own centroid. */
    float r2[10 * 1] = {0, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 100, 200};
    float c3[3];
    uint32_t a3[10];
    CHECK_EQ_INT(rvf_kmeans(r2, 10, 1, 1, 3, NULL, c3, a3, &s), RVF_OK);
    int used[3] = {0, 0, 0};
    for (int i = 0; i < 10; i++)
        used[a3[i]]++;
    CHECK(used[0] && used[1] && used[2]);
    CHECK_EQ_INT(used[a3[8]], 1);
    CHECK_EQ_INT(used[a3[9]], 1);
    CHECK_EQ_INT(used[a3[0]], 8);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void bench(void)
{
    const size_t n = 100000, dim = 100;
    const uint32_t k = 316;
    float *x = malloc(n * dim * sizeof(float)), *c = malloc((size_t)k * dim * sizeof(float));
    uint32_t *a = malloc(n * sizeof *a);
    if (!x || !c || !a) {
        free(x);
        free(c);
        free(a);
        return;
    }
    rvf_test_rng r = {42};
    for (size_t i = 0; i < n * dim; i++)
        x[i] = rvf_test_unit(&r);
    rvf_kmeans_params p = {.seed = 1};
    rvf_kmeans_stats s;
    double t0 = now_s();
    rvf_status st = rvf_kmeans(x, n, dim, dim, k, &p, c, NULL, &s);
    double t1 = now_s();
    rvf_status st2 = rvf_kmeans(x, n, dim, dim, k, &p, c, a, NULL);
    double t2 = now_s();
    printf("  bench k=%u on %zux%zu (%s): status %d, train %.3f s (%u rows, %u iterations), "
           "train + assign all rows %.3f s\n",
           k, n, dim, rvfk_ops_best()->name, st | st2, t1 - t0, s.n_train, s.iterations, t2 - t1);
    free(x);
    free(c);
    free(a);
}

int main(void)
{
    make_gaussians();
    RVF_TEST_RUN(test_arguments);
    RVF_TEST_RUN(test_k_equals_n);
    RVF_TEST_RUN(test_nearest_ties);
    RVF_TEST_RUN(test_determinism);
    RVF_TEST_RUN(test_quality);
    RVF_TEST_RUN(test_stride);
    RVF_TEST_RUN(test_empty_clusters);
    const char *b = getenv("RVF_KMEANS_BENCH");
    if (b && *b == '1')
        bench();
    return rvf_test_finish();
}

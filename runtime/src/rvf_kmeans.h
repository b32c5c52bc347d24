/* rvf_kmeans.h: deterministic k-means over f32 rows (rvf_kmeans.c). Internal; used for the PQ
 * codebooks of QUANT_SEG (rvf_quant.c, one run per subspace) and for Layer-A centroids
 * (K ~ sqrt(N)). Distances are squared L2 through rvfk_ops_best()->dist_f32.
 *
 * The algorithm, fixed so that the same rows, k and params give the same centroids bit for bit on
 * one machine (the SIMD variant chosen by rvfk_ops_best() rounds differently from the scalar one,
 * so another CPU may give other bits):
 *
 *   1. Training set. n_train = min(n, max_train) rows chosen by selection sampling (Knuth's
 *      Algorithm S: row i is taken with probability still_needed / rows_left), driven by
 *      splitmix64 seeded with `seed`; taken rows keep their order and are copied contiguous.
 *   2. Seeding, k-means++: the first centroid is training row (rng % n_train); each next one is
 *      row i drawn with probability d2[i] / sum(d2), d2 = squared distance to the nearest
 *      centroid so far (the sum in double, in row order; a uniform row when the sum is 0).
 *   3. Lloyd iterations, at most max_iter: assign every training row to its nearest centroid
 *      (strict <, so ties go to the lower centroid index; a NaN distance never wins); then each
 *      centroid becomes the mean of its rows (summed in double in row order, rounded to f32).
 *      An empty cluster is re-seeded with the training row farthest from its own centroid (first
 *      such row), whose distance is then taken as 0 so the next empty cluster takes another row.
 *   4. Early stop after an iteration in which at most tol * n_train assignments changed (tol 0:
 *      none changed) and no cluster was empty.
 *   5. If `assign` is given, each of the n input rows (not only the training rows) gets the index
 *      of its nearest final centroid, by the rule of step 3.
 *
 * Cost: seeding and each iteration take k * n_train distance calls; step 5 takes k * n. Measured
 * for k = 316 on 100k x 100 uniform random rows with the defaults (10 112 training rows, 10
 * iterations; RelWithDebInfo, AVX2, 2-core VM): 0.25 s to train, 0.45 s including `assign` for
 * all 100k rows (0.44 s / 0.77 s while other jobs loaded the machine). Reproduce:
 * RVF_KMEANS_BENCH=1 tests/test_kmeans. */
#ifndef RVF_KMEANS_H
#define RVF_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "rvf_internal.h"

#define RVF_KMEANS_DEFAULT_ITER      10 /* max_iter 0 means this */
#define RVF_KMEANS_DEFAULT_PER_CLUST 32 /* max_train 0 means k * this rows (at least 1024) */

typedef struct rvf_kmeans_params {
    uint64_t seed;      /* RNG seed for sampling and seeding */
    uint32_t max_iter;  /* Lloyd iterations; 0 = RVF_KMEANS_DEFAULT_ITER */
    uint32_t max_train; /* rows trained on; 0 = max(1024, k * RVF_KMEANS_DEFAULT_PER_CLUST);
                           UINT32_MAX = all rows */
    double tol;         /* stop when changed assignments <= tol * n_train; 0 = only when none */
} rvf_kmeans_params;

typedef struct rvf_kmeans_stats {
    uint32_t n_train;    /* training rows used */
    uint32_t iterations; /* Lloyd iterations run (>= 1) */
    uint32_t reseeded;   /* empty clusters re-seeded, over all iterations */
    uint32_t converged;  /* 1 if stopped by the tol rule, 0 if by max_iter */
    double inertia;      /* sum of the training rows' squared distances in the last assignment */
} rvf_kmeans_stats;

/* Train k centroids on n rows of dim floats; row i starts at rows + i * stride (stride >= dim,
 * in floats). centroids receives k * dim floats (row-major, caller-owned). assign (may be NULL)
 * receives n centroid indices; stats (may be NULL) the figures above; params NULL = all
 * defaults with seed 0. INVALID_ARGUMENT: rows/centroids NULL, dim 0, stride < dim, k 0, k > n,
 * n > UINT32_MAX, tol negative or NaN, or a non-finite value in a training row; OUT_OF_MEMORY.
 * Allocates n_train * (4 * dim + 8) + k * (8 * dim + 4) bytes of scratch, freed before returning.
 * Rows outside the training set are only read by step 5 (a NaN there never wins a distance, so
 * such a row is assigned centroid 0). */
rvf_status rvf_kmeans(const float *rows, size_t n, size_t dim, size_t stride, uint32_t k,
                      const rvf_kmeans_params *params, float *centroids, uint32_t *assign,
                      rvf_kmeans_stats *stats);

/* Index of the nearest of k centroids (k * dim floats) to v by the rule of step 3, and its
 * squared distance in *d2 (may be NULL). k must be >= 1. */
uint32_t rvf_kmeans_nearest(const float *v, const float *centroids, uint32_t k, size_t dim,
                            float *d2);

#endif

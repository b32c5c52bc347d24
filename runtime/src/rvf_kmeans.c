/* rvf_kmeans.c: deterministic k-means (algorithm and contract in rvf_kmeans.h). */
#include "rvf_kmeans.h"

#include <math.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static double unit01(uint64_t *s)
{
    return (double)(splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

uint32_t rvf_kmeans_nearest(const float *v, const float *centroids, uint32_t k, size_t dim,
                            float *d2)
{
    float (*dist)(rvf_metric, const float *, const float *, size_t) = rvfk_ops_best()->dist_f32;
    uint32_t best = 0;
    float bd = INFINITY;
    for (uint32_t j = 0; j < k; j++) {
        float d = dist(RVF_METRIC_L2, v, centroids + (size_t)j * dim, dim);
        if (d < bd) {
            bd = d;
            best = j;
        }
    }
    if (d2)
        *d2 = bd;
    return best;
}

/* k-means++ seeding over the contiguous training rows t (nt x dim). d2 is scratch of nt. */
static void seed_plus_plus(const float *t, uint32_t nt, size_t dim, uint32_t k, uint64_t *rng,
                           float *c, float *d2)
{
    float (*dist)(rvf_metric, const float *, const float *, size_t) = rvfk_ops_best()->dist_f32;
    uint32_t first = (uint32_t)(splitmix64(rng) % nt);
    memcpy(c, t + (size_t)first * dim, dim * sizeof(float));
    for (uint32_t i = 0; i < nt; i++)
        d2[i] = dist(RVF_METRIC_L2, t + (size_t)i * dim, c, dim);
    for (uint32_t j = 1; j < k; j++) {
        double total = 0.0;
        for (uint32_t i = 0; i < nt; i++)
            total += d2[i];
        uint32_t pick = 0;
        if (total > 0.0 && isfinite(total)) {
            double r = unit01(rng) * total, cum = 0.0;
            pick = UINT32_MAX;
            uint32_t last = 0;
            for (uint32_t i = 0; i < nt; i++) {
                if (d2[i] <= 0.0f)
                    continue;
                last = i;
                cum += d2[i];
                if (cum > r) {
                    pick = i;
                    break;
                }
            }
            if (pick == UINT32_MAX) /* r landed in the rounding slack at the end */
                pick = last;
        } else {
            pick = (uint32_t)(splitmix64(rng) % nt);
        }
        float *cj = c + (size_t)j * dim;
        memcpy(cj, t + (size_t)pick * dim, dim * sizeof(float));
        for (uint32_t i = 0; i < nt; i++) {
            float d = dist(RVF_METRIC_L2, t + (size_t)i * dim, cj, dim);
            if (d < d2[i])
                d2[i] = d;
        }
    }
}

static uint32_t default_train(uint32_t k)
{
    uint64_t m = (uint64_t)k * RVF_KMEANS_DEFAULT_PER_CLUST;
    if (m < 1024)
        m = 1024;
    return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

rvf_status rvf_kmeans(const float *rows, size_t n, size_t dim, size_t stride, uint32_t k,
                      const rvf_kmeans_params *params, float *centroids, uint32_t *assign,
                      rvf_kmeans_stats *stats)
{
    static const rvf_kmeans_params defaults = {0};
    const rvf_kmeans_params *P = params ? params : &defaults;
    if (!rows || !centroids || dim == 0 || stride < dim || k == 0 || k > n ||
        (uint64_t)n > UINT32_MAX || !(P->tol >= 0.0))
        return RVF_ERR_INVALID_ARGUMENT;
    uint32_t max_iter = P->max_iter ? P->max_iter : RVF_KMEANS_DEFAULT_ITER;
    uint32_t max_train = P->max_train ? P->max_train : default_train(k);
    if (max_train < k)
        max_train = k;
    uint32_t nt = n < max_train ? (uint32_t)n : max_train;
    if ((size_t)nt > SIZE_MAX / sizeof(float) / dim || (size_t)k > SIZE_MAX / sizeof(double) / dim)
        return RVF_ERR_INVALID_ARGUMENT;

    float *t = rvf_malloc((size_t)nt * dim * sizeof(float));
    float *d2 = rvf_malloc((size_t)nt * sizeof(float));
    uint32_t *lab = rvf_malloc((size_t)nt * sizeof(uint32_t));
    double *sum = rvf_malloc((size_t)k * dim * sizeof(double));
    uint32_t *cnt = rvf_malloc((size_t)k * sizeof(uint32_t));
    rvf_kmeans_stats S = {.n_train = nt};
    uint64_t rng = P->seed;
    rvf_status st = RVF_OK;
    if (!t || !d2 || !lab || !sum || !cnt) {
        st = RVF_ERR_OUT_OF_MEMORY;
        goto done;
    }

    /* 1. training rows by selection sampling (ascending, exactly nt of them) */
    {
        uint32_t got = 0;
        for (size_t i = 0; i < n && got < nt; i++) {
            if (nt < n && unit01(&rng) * (double)(n - i) >= (double)(nt - got))
                continue;
            const float *src = rows + i * stride;
            for (size_t d = 0; d < dim; d++) {
                if (!isfinite(src[d])) {
                    st = RVF_ERR_INVALID_ARGUMENT;
                    goto done;
                }
            }
            memcpy(t + (size_t)got * dim, src, dim * sizeof(float));
            got++;
        }
    }

    /* 2. seeding */
    seed_plus_plus(t, nt, dim, k, &rng, centroids, d2);

    /* 3./4. Lloyd */
    for (uint32_t i = 0; i < nt; i++)
        lab[i] = UINT32_MAX;
    for (uint32_t it = 0; it < max_iter; it++) {
        uint32_t changed = 0;
        double inertia = 0.0;
        for (uint32_t i = 0; i < nt; i++) {
            float d;
            uint32_t j = rvf_kmeans_nearest(t + (size_t)i * dim, centroids, k, dim, &d);
            changed += j != lab[i];
            lab[i] = j;
            d2[i] = d;
            inertia += d;
        }
        S.iterations = it + 1;
        S.inertia = inertia;
        memset(sum, 0, (size_t)k * dim * sizeof(double));
        memset(cnt, 0, (size_t)k * sizeof(uint32_t));
        for (uint32_t i = 0; i < nt; i++) {
            double *s = sum + (size_t)lab[i] * dim;
            const float *x = t + (size_t)i * dim;
            for (size_t d = 0; d < dim; d++)
                s[d] += x[d];
            cnt[lab[i]]++;
        }
        uint32_t empty = 0;
        for (uint32_t j = 0; j < k; j++) {
            float *c = centroids + (size_t)j * dim;
            if (cnt[j]) {
                const double *s = sum + (size_t)j * dim;
                for (size_t d = 0; d < dim; d++)
                    c[d] = (float)(s[d] / cnt[j]);
                continue;
            }
            uint32_t far = 0;
            for (uint32_t i = 1; i < nt; i++)
                if (d2[i] > d2[far])
                    far = i;
            memcpy(c, t + (size_t)far * dim, dim * sizeof(float));
            d2[far] = 0.0f;
            empty++;
        }
        S.reseeded += empty;
        if (!empty && (double)changed <= P->tol * nt) {
            S.converged = 1;
            break;
        }
    }

    /* 5. every input row against the final centroids */
    if (assign)
        for (size_t i = 0; i < n; i++)
            assign[i] = rvf_kmeans_nearest(rows + i * stride, centroids, k, dim, NULL);
    if (stats)
        *stats = S;
done:
    rvf_free(t);
    rvf_free(d2);
    rvf_free(lab);
    rvf_free(sum);
    rvf_free(cnt);
    return st;
}

/* test_kernel_simd.c: every SIMD variant against the scalar reference (STYLE.md habit 10).
 *
 * For each variant rvfk_ops_get() returns on this machine ("scalar", "sse4.1", "avx2",
 * "wasm128"), every function of the table is compared with the scalar function on seeded random
 * inputs: dims 0..70 and 96..1536, pointers misaligned by 0..3 elements (byte functions by 0..7
 * bytes, odd ones included), the four metrics plus unknown ones, values of mixed magnitude, f16
 * subnormals, +-0, infinities and NaN. Buffers are allocated at their exact size, so a variant
 * that reads past the end is caught by ASan.
 *
 * What must agree exactly: Hamming counts, CRC32C, NaN-ness and infinities, and every distance
 * at dim 0 and 1 (no reassociation is possible there). Everything else is a reassociated f32
 * sum and is held to the worst-case bound of kernel/SIMD.md:
 *
 *     |simd - scalar| <= C * n * FLT_EPSILON * sum_i |t_i|   (+ n * 2^-149 for underflow)
 *
 * where t_i are the n terms of the sum (computed here in double) and C = 1: any summation order
 * of n terms, each rounded once, is within gamma_n = n*u/(1-n*u) * sum|t_i| of the exact sum
 * (u = FLT_EPSILON/2), so two orders are within 2*gamma_n ~ n*FLT_EPSILON. Cosine propagates
 * the three sums through 1 - dot/sqrt(na*nb); its bound is derived next to check_cosine(). */
#include "rvf_kernel.h"
#include "rvf_test.h"

#include <float.h>
#include <stdbool.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#define TOL_C         1.0 /* the constant of the bound above */
#define UNDERFLOW_ULP 0x1p-149

static const char *const variant_names[] = {"scalar", "sse4.1", "avx2", "wasm128"};
static const rvfk_ops *variants[4];
static int n_variants;

/* Per variant: comparisons made and the worst observed |diff| / bound (how tight the bound is). */
static long n_compared[4];
static double worst_ratio[4];
static int cur; /* index of the variant under test */

static const size_t extra_dims[] = {96, 100, 127, 128, 255, 256, 384, 768, 1000, 1536};

static size_t dim_at(size_t k) /* 0..70, then extra_dims; returns (size_t)-1 past the end */
{
    if (k <= 70)
        return k;
    k -= 71;
    return k < sizeof extra_dims / sizeof extra_dims[0] ? extra_dims[k] : (size_t)-1;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* ---- data ------------------------------------------------------------------------------------ */

enum mode { M_UNIFORM, M_MIXED, M_POSITIVE, M_FINITE_SPECIAL, M_NONFINITE, M_ZERO, M_COUNT };
static const char *const mode_names[] = {"uniform",        "mixed",     "positive",
                                         "finite-special", "nonfinite", "zero"};

static float gen_f32(rvf_test_rng *r, enum mode m)
{
    float u = rvf_test_unit(r);
    switch (m) {
    case M_UNIFORM:
        return u;
    case M_MIXED: /* magnitudes 2^-24 .. 2^12, both signs */
        return ldexpf(u, (int)(rvf_test_next(r) % 37) - 24);
    case M_POSITIVE:
        return fabsf(u) * 4.0f;
    case M_FINITE_SPECIAL: {
        uint64_t k = rvf_test_next(r) % 8;
        if (k == 0)
            return 0.0f;
        if (k == 1)
            return -0.0f;
        if (k == 2) /* f32 subnormal: its products underflow */
            return rvfk_bits_f32((uint32_t)(rvf_test_next(r) & 0x807FFFFFu));
        return ldexpf(u, (int)(rvf_test_next(r) % 37) - 24);
    }
    case M_NONFINITE: {
        uint64_t k = rvf_test_next(r) % 64;
        if (k == 0)
            return INFINITY;
        if (k == 1)
            return -INFINITY;
        if (k == 2)
            return NAN;
        return u;
    }
    default:
        return (rvf_test_next(r) & 1) ? -0.0f : 0.0f;
    }
}

static uint16_t gen_f16(rvf_test_rng *r, enum mode m)
{
    uint64_t k = rvf_test_next(r);
    switch (m) {
    case M_UNIFORM:
        return rvfk_f32_to_f16(rvf_test_unit(r) * 4.0f);
    case M_MIXED: /* 2^-30 .. 2^15: subnormal f16 below 2^-14, some underflow to 0 */
        return rvfk_f32_to_f16(ldexpf(rvf_test_unit(r), (int)(k % 46) - 30));
    case M_POSITIVE:
        return rvfk_f32_to_f16(fabsf(rvf_test_unit(r)) * 100.0f);
    case M_FINITE_SPECIAL: {
        uint16_t sign = (uint16_t)((k >> 8) & 0x8000u);
        switch (k % 8) {
        case 0:
            return 0x0000;
        case 1:
            return 0x8000;
        case 2:
        case 3: /* subnormal */
            return (uint16_t)(sign | ((k >> 16) % 0x3FF + 1));
        case 4:
            return (uint16_t)(sign | 0x7BFF); /* +-65504 */
        default:
            return rvfk_f32_to_f16(rvf_test_unit(r) * 8.0f);
        }
    }
    case M_NONFINITE: {
        static const uint16_t nf[] = {0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7C01, 0x7DFF, 0xFFFF};
        if (k % 48 < 7)
            return nf[k % 48];
        return rvfk_f32_to_f16(rvf_test_unit(r));
    }
    default:
        return (k & 1) ? 0x8000 : 0x0000;
    }
}

/* ---- comparison -------------------------------------------------------------------------------
 */

static bool same_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The outcome every variant must share: NaN-ness, infinities, and (at dim <= 1, or whenever the
 * terms are not all finite) the exact value. Returns true when that settled the comparison. */
static bool check_exact_cases(const char *what, size_t dim, int metric, float got, float ref,
                              bool exact, bool *ok)
{
    if (isnan(ref) || isnan(got)) {
        *ok = isnan(ref) && isnan(got);
        return true;
    }
    if (isinf(ref) || isinf(got)) {
        *ok = got == ref;
        return true;
    }
    if (exact) {
        *ok = same_bits(got, ref);
        return true;
    }
    (void)what;
    (void)dim;
    (void)metric;
    return false;
}

static void report(const char *what, size_t dim, int metric, const char *mode, bool ok, float got,
                   float ref, double bound)
{
    rvf_test_checks++;
    n_compared[cur]++;
    if (!ok)
        RVF_FAIL_AT("%s %s dim %zu metric %d data %s: got %.9g (0x%08x) ref %.9g (0x%08x) "
                    "diff %.3g bound %.3g",
                    variants[cur]->name, what, dim, metric, mode, (double)got, rvfk_f32_bits(got),
                    (double)ref, rvfk_f32_bits(ref), fabs((double)got - (double)ref), bound);
}

static void check_bound(const char *what, size_t dim, int metric, const char *mode, float got,
                        float ref, double bound, bool exact)
{
    bool ok;
    if (!check_exact_cases(what, dim, metric, got, ref, exact || !isfinite(bound), &ok)) {
        double diff = fabs((double)got - (double)ref);
        ok = diff <= bound;
        if (bound > 0 && diff / bound > worst_ratio[cur])
            worst_ratio[cur] = diff / bound;
        if (bound == 0 && diff != 0)
            ok = false;
    }
    report(what, dim, metric, mode, ok, got, ref, bound);
}

/* L2 and IP: x, y are the f32 values both sides work on (already widened). */
static double sum_bound(int metric, const float *x, const float *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        if (metric == RVF_METRIC_L2) {
            double d = (double)(x[i] - y[i]); /* the f32 difference, as both sides round it */
            s += d * d;
        } else {
            s += fabs((double)x[i] * (double)y[i]);
        }
    }
    return TOL_C * (double)n * FLT_EPSILON * s + (double)n * UNDERFLOW_ULP;
}

/* Cosine: r = 1 - dot / D, D = sqrt(na * nb). The sums carry |d dot| <= C n eps Sxy and
 * |d na| <= C n eps na (likewise nb), so |d(dot/D)| <= C n eps (Sxy/D + |q|), q = dot/D (the
 * halves of the two norm errors add up to one). The final na*nb, sqrt, divide and subtract round
 * in each variant: at most 2.5 eps |q| + eps |r| between two variants; 4 eps (|q| + |r|) covers
 * it. Near D = FLT_EPSILON the two variants may take different sides of the zero-norm rule, so
 * there either outcome is accepted. */
static void check_cosine(const char *what, size_t dim, const char *mode, const float *x,
                         const float *y, float got, float ref)
{
    double sxy = 0, na = 0, nb = 0, dot = 0;
    for (size_t i = 0; i < dim; i++) {
        double p = (double)x[i] * (double)y[i];
        dot += p;
        sxy += fabs(p);
        na += (double)x[i] * (double)x[i];
        nb += (double)y[i] * (double)y[i];
    }
    double d = sqrt(na * nb);
    bool finite = isfinite(sxy) && isfinite(na) && isfinite(nb);
    if (finite && d > 0.9 * FLT_EPSILON && d < 1.1 * FLT_EPSILON) {
        bool ok = (got == 1.0f || ref == 1.0f) || fabs((double)got - (double)ref) < 1e-3;
        report(what, dim, RVF_METRIC_COSINE, mode, ok, got, ref, 0);
        return;
    }
    double bound = INFINITY;
    if (finite && d >= FLT_EPSILON) {
        double q = fabs(dot) / d, r = fabs(1.0 - dot / d);
        bound = TOL_C * (double)dim * FLT_EPSILON * (sxy / d + q) + 4 * FLT_EPSILON * (q + r);
    } else if (finite) {
        bound = 0; /* both take the zero-norm rule: exactly 1.0 */
    }
    check_bound(what, dim, RVF_METRIC_COSINE, mode, got, ref, bound, dim <= 1);
}

static void check_metric(const char *what, int metric, size_t dim, const char *mode, const float *x,
                         const float *y, float got, float ref)
{
    switch (metric) {
    case RVF_METRIC_L2:
    case RVF_METRIC_IP:
        check_bound(what, dim, metric, mode, got, ref, sum_bound(metric, x, y, dim), dim <= 1);
        break;
    case RVF_METRIC_COSINE:
        check_cosine(what, dim, mode, x, y, got, ref);
        break;
    default: /* Hamming (an integer count, or NaN for mixed widths) and unknown metrics (NaN) */
        check_bound(what, dim, metric, mode, got, ref, 0, true);
        break;
    }
}

/* ---- the distance functions ------------------------------------------------------------------ */

static const int metrics[] = {
    RVF_METRIC_L2, RVF_METRIC_IP, RVF_METRIC_COSINE, RVF_METRIC_HAMMING, 4, 7};
#define N_METRICS (sizeof metrics / sizeof metrics[0])

static void test_distances_at(const rvfk_ops *o, rvf_test_rng *r, size_t dim, unsigned trial)
{
    enum mode md = (enum mode)(trial % M_COUNT);
    const char *mname = mode_names[md];
    size_t oa = trial % 4, ob = (trial * 3 + 1) % 4; /* element offsets: misaligned pointers */
    /* exact-size allocations (offset + dim), so over-reads are caught by ASan */
    float *abuf = xmalloc((oa + dim) * sizeof(float)), *a = abuf + oa;
    float *bbuf = xmalloc((ob + dim) * sizeof(float)), *b = bbuf + ob;
    uint16_t *hbuf = xmalloc((ob + dim) * 2), *h = hbuf + ob;
    uint16_t *gbuf = xmalloc((oa + dim) * 2), *g = gbuf + oa;
    size_t oc = 1 + 2 * (trial % 4); /* odd byte offsets for the codes */
    uint8_t *cbuf = xmalloc(oc + dim), *c = cbuf + oc;
    float *mnbuf = xmalloc((ob + dim) * sizeof(float)), *mn = mnbuf + ob;
    float *mxbuf = xmalloc((oa + dim) * sizeof(float)), *mx = mxbuf + oa;
    float *hx = xmalloc(dim * sizeof(float)), *gx = xmalloc(dim * sizeof(float));
    float *dec = xmalloc(dim * sizeof(float));

    for (size_t i = 0; i < dim; i++) {
        a[i] = gen_f32(r, md);
        b[i] = gen_f32(r, md);
        h[i] = gen_f16(r, md);
        g[i] = gen_f16(r, md);
        c[i] = (uint8_t)rvf_test_next(r);
        float lo = gen_f32(r, md == M_NONFINITE ? M_UNIFORM : md);
        mn[i] = lo;
        uint64_t k = rvf_test_next(r) % 8;
        mx[i] = k == 0 ? lo : lo + fabsf(rvf_test_unit(r)) * (k == 1 ? -1.0f : 3.0f);
    }
    rvfk_f16_to_f32_n(h, hx, dim);
    rvfk_f16_to_f32_n(g, gx, dim);
    rvfk_sq8_decode(c, mn, mx, dim, dec);

    for (size_t mi = 0; mi < N_METRICS; mi++) {
        rvf_metric m = (rvf_metric)metrics[mi];
        check_metric("dist_f32", metrics[mi], dim, mname, a, b, o->dist_f32(m, a, b, dim),
                     rvfk_dist_f32(m, a, b, dim));
        check_metric("dist_f32_f16", metrics[mi], dim, mname, a, hx, o->dist_f32_f16(m, a, h, dim),
                     rvfk_dist_f32_f16(m, a, h, dim));
        check_metric("dist_f16", metrics[mi], dim, mname, gx, hx, o->dist_f16(m, g, h, dim),
                     rvfk_dist_f16(m, g, h, dim));
        check_metric("dist_f32_sq8", metrics[mi], dim, mname, a, dec,
                     o->dist_f32_sq8(m, a, c, mn, mx, dim),
                     rvfk_dist_f32_sq8(m, a, c, mn, mx, dim));
    }
    free(abuf), free(bbuf), free(hbuf), free(gbuf), free(cbuf), free(mnbuf), free(mxbuf);
    free(hx), free(gx), free(dec);
}

static void test_distances(void)
{
    rvf_test_rng r = {0x5EED0001};
    for (size_t k = 0; dim_at(k) != (size_t)-1; k++) {
        size_t dim = dim_at(k);
        unsigned trials = dim <= 70 ? 2 * M_COUNT : M_COUNT;
        for (unsigned t = 0; t < trials; t++)
            test_distances_at(variants[cur], &r, dim, t);
    }
}

/* Vectors whose norms vanish, are tiny or are large: the zero-norm rule and scale invariance. */
static void test_cosine_edges(void)
{
    const rvfk_ops *o = variants[cur];
    const size_t dims[] = {1, 3, 8, 17, 100, 384};
    for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
        size_t dim = dims[di];
        float *x = xmalloc(dim * sizeof(float)), *y = xmalloc(dim * sizeof(float));
        uint16_t *hz = xmalloc(dim * 2);
        const float scales[] = {0.0f, 1e-20f, 1e-12f, 1e-3f, 1.0f, 1e6f, 1e12f};
        for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++) {
            rvf_test_rng r = {0xC0 + si};
            for (size_t i = 0; i < dim; i++) {
                x[i] = rvf_test_unit(&r) * scales[si];
                y[i] = rvf_test_unit(&r);
                hz[i] = (i & 1) ? 0x8000 : 0; /* +-0: zero norm */
            }
            check_metric("cosine_edge_f32", RVF_METRIC_COSINE, dim, "scaled", x, y,
                         o->dist_f32(RVF_METRIC_COSINE, x, y, dim),
                         rvfk_dist_f32(RVF_METRIC_COSINE, x, y, dim));
            float got = o->dist_f32_f16(RVF_METRIC_COSINE, x, hz, dim);
            check_bound("cosine_zero_f16", dim, RVF_METRIC_COSINE, "zero", got, 1.0f, 0, true);
            got = o->dist_f16(RVF_METRIC_COSINE, hz, hz, dim);
            check_bound("cosine_zero_f16f16", dim, RVF_METRIC_COSINE, "zero", got, 1.0f, 0, true);
        }
        free(x), free(y), free(hz);
    }
}

/* Every f16 value through each variant's f16 widening: -dot([.. 1 ..], [.. h ..]) over 9
 * elements is exactly -h in any summation order (all other terms are +0), so the results must be
 * bit-identical to the reference, NaN aside (a quiet and a signalling NaN are both NaN). */
static void test_f16_exhaustive(void)
{
    const rvfk_ops *o = variants[cur];
    float q[9];
    uint16_t v[9], one[9];
    long bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        size_t p = h % 9;
        for (size_t i = 0; i < 9; i++) {
            q[i] = i == p ? 1.0f : 0.0f;
            v[i] = i == p ? (uint16_t)h : 0;
            one[i] = i == p ? 0x3C00 : 0;
        }
        float ref = rvfk_dist_f32_f16(RVF_METRIC_IP, q, v, 9);
        float got1 = o->dist_f32_f16(RVF_METRIC_IP, q, v, 9);
        float got2 = o->dist_f16(RVF_METRIC_IP, one, v, 9);
        bool ok1 = isnan(ref) ? isnan(got1) : same_bits(got1, ref);
        bool ok2 = isnan(ref) ? isnan(got2) : same_bits(got2, ref);
        if ((!ok1 || !ok2) && bad++ < 5)
            RVF_FAIL_AT("%s f16 0x%04x: got %.9g / %.9g, want %.9g", o->name, h, (double)got1,
                        (double)got2, (double)ref);
    }
    rvf_test_checks++;
    n_compared[cur] += 0x10000;
    if (bad)
        RVF_FAIL_AT("%s: %ld of 65536 f16 values widened wrongly", o->name, bad);
}

/* Every SQ8 code through each variant's decode, with several (min, max) pairs: as above, a
 * one-hot query makes -dot exactly -decode(code), which must be bit-identical to the reference
 * (the variants may compute code / 255 without a division, but not differently). */
static void test_sq8_decode_exact(void)
{
    const rvfk_ops *o = variants[cur];
    rvf_test_rng r = {0x5EED0005};
    float q[9], mn[9], mx[9];
    uint8_t c[9];
    long bad = 0;
    for (int pair = 0; pair < 16; pair++) {
        float lo = pair == 0 ? 0.0f : rvf_test_unit(&r) * ldexpf(1.0f, pair - 8);
        float hi = pair == 0 ? 1.0f : lo + fabsf(rvf_test_unit(&r)) * ldexpf(1.0f, 8 - pair);
        for (uint32_t code = 0; code < 256; code++) {
            size_t p = code % 9;
            for (size_t i = 0; i < 9; i++) {
                q[i] = i == p ? 1.0f : 0.0f;
                c[i] = i == p ? (uint8_t)code : 0;
                mn[i] = i == p ? lo : 0.0f;
                mx[i] = i == p ? hi : 0.0f;
            }
            float ref = rvfk_dist_f32_sq8(RVF_METRIC_IP, q, c, mn, mx, 9);
            float got = o->dist_f32_sq8(RVF_METRIC_IP, q, c, mn, mx, 9);
            if (!same_bits(got, ref) && bad++ < 5)
                RVF_FAIL_AT("%s sq8 code %u min %.9g max %.9g: %.9g != %.9g", o->name, code,
                            (double)lo, (double)hi, (double)got, (double)ref);
        }
    }
    rvf_test_checks++;
    n_compared[cur] += 16 * 256;
    if (bad)
        RVF_FAIL_AT("%s: %ld SQ8 codes decoded differently", o->name, bad);
}

/* ---- the byte functions ---------------------------------------------------------------------- */

static void test_hamming(void)
{
    const rvfk_ops *o = variants[cur];
    rvf_test_rng r = {0x5EED0002};
    for (size_t k = 0;; k++) {
        size_t n = dim_at(k);
        if (n == (size_t)-1) {
            if (k > 81)
                break;
            n = 4099;
        }
        for (unsigned t = 0; t < 8; t++) {
            size_t oa = t, ob = (t * 5 + 3) % 8; /* byte offsets, odd ones included */
            uint8_t *ab = xmalloc(oa + n), *bb = xmalloc(ob + n), *a = ab + oa, *b = bb + ob;
            for (size_t i = 0; i < n; i++) {
                a[i] = (uint8_t)rvf_test_next(&r);
                b[i] = t == 7 ? (uint8_t)~a[i] : (uint8_t)rvf_test_next(&r); /* all bits differ */
            }
            rvf_test_checks++;
            n_compared[cur]++;
            uint32_t got = o->hamming(a, b, n), want = rvfk_hamming(a, b, n);
            if (got != want)
                RVF_FAIL_AT("%s hamming n %zu offsets %zu/%zu: %u != %u", o->name, n, oa, ob, got,
                            want);
            free(ab), free(bb);
        }
    }
}

static void test_crc32c(void)
{
    const rvfk_ops *o = variants[cur];
    rvf_test_rng r = {0x5EED0003};
    CHECK_EQ_U64(o->crc32c_update(0, "123456789", 9), 0xE3069283u);
    CHECK_EQ_U64(o->crc32c_update(0, "", 0), 0);
    for (size_t k = 0;; k++) {
        size_t n = dim_at(k);
        if (n == (size_t)-1) {
            if (k > 82)
                break;
            n = k == 81 ? 4099 : 65537;
        }
        for (unsigned t = 0; t < 8; t++) {
            size_t off = (t * 3) % 8;
            uint8_t *buf = xmalloc(off + n), *p = buf + off;
            for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t)rvf_test_next(&r);
            uint32_t init = (uint32_t)rvf_test_next(&r);
            uint32_t got = o->crc32c_update(init, p, n), want = rvfk_crc32c_update(init, p, n);
            rvf_test_checks++;
            n_compared[cur]++;
            if (got != want)
                RVF_FAIL_AT("%s crc32c n %zu offset %zu: 0x%08x != 0x%08x", o->name, n, off, got,
                            want);
            /* incremental: any split gives the one-shot value */
            size_t cut = n ? (size_t)(rvf_test_next(&r) % (n + 1)) : 0;
            CHECK_EQ_U64(o->crc32c_update(o->crc32c_update(init, p, cut), p + cut, n - cut), want);
            free(buf);
        }
    }
}

/* ---- PQ asymmetric distance ------------------------------------------------------------------ */

static void test_pq_adc(void)
{
    const rvfk_ops *o = variants[cur];
    rvf_test_rng r = {0x5EED0004};
    const size_t ks[] = {1, 3, 16, 255, 256, 300};
    for (size_t mi = 0; dim_at(mi) != (size_t)-1; mi++) {
        size_t m = dim_at(mi);
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
            size_t k = ks[ki];
            if (k == 300 && m > 100)
                continue;
            size_t off = (mi + ki) % 4;
            float *tbuf = xmalloc((off + m * k) * sizeof(float)), *table = tbuf + off;
            uint8_t *cbuf = xmalloc(1 + 2 * (ki % 4) + m), *codes = cbuf + 1 + 2 * (ki % 4);
            enum mode md = ki % 2 ? M_MIXED : M_UNIFORM;
            for (size_t i = 0; i < m * k; i++)
                table[i] = gen_f32(&r, md) * 10.0f;
            double s = 0;
            for (size_t i = 0; i < m; i++) {
                codes[i] = (uint8_t)rvf_test_next(&r);
                if (codes[i] < k)
                    s += fabs((double)table[i * k + codes[i]]);
            }
            double bound = TOL_C * (double)m * FLT_EPSILON * s + (double)m * UNDERFLOW_ULP;
            check_bound("pq_adc", m, (int)k, mode_names[md], o->pq_adc(table, codes, m, k),
                        rvfk_pq_adc(table, codes, m, k), bound, m <= 1);
            free(tbuf), free(cbuf);
        }
    }
}

/* ---- variants and dispatch ------------------------------------------------------------------- */

static void test_dispatch(void)
{
    CHECK(rvfk_ops_get("nonsense") == NULL);
    CHECK(rvfk_ops_get("") == NULL);
    CHECK(rvfk_ops_get("avx") == NULL);
    CHECK(rvfk_ops_get("scalar") == rvfk_ops_scalar());
    const rvfk_ops *best = rvfk_ops_best();
    CHECK(best != NULL);
    CHECK(best == rvfk_ops_best());
    bool listed = false;
    for (int i = 0; i < n_variants; i++)
        listed |= variants[i] == best;
    CHECK(listed);
    for (int i = 0; i < n_variants; i++) {
        const rvfk_ops *o = variants[i];
        CHECK(o->dist_f32 && o->dist_f32_f16 && o->dist_f16 && o->dist_f32_sq8 && o->hamming &&
              o->pq_adc && o->crc32c_update);
    }
    printf("best variant: %s\n", best ? best->name : "(none)");
#if defined(__x86_64__) && (!defined(RVF_SIMD) || RVF_SIMD)
    /* A suite that silently tests only scalar on a SIMD machine is a defect. */
    __builtin_cpu_init();
    bool has_sse = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
    unsigned eax, ebx, ecx, edx; /* F16C from CPUID: clang 14 has no "f16c" feature string */
    bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
    bool has_avx2 =
        has_sse && f16c && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    printf("cpu: sse4.2+popcnt %s, avx2+fma+f16c %s\n", has_sse ? "yes" : "no",
           has_avx2 ? "yes" : "no");
    CHECK((rvfk_ops_get("sse4.1") != NULL) == has_sse);
    CHECK((rvfk_ops_get("avx2") != NULL) == has_avx2);
    CHECK(best == rvfk_ops_get(has_avx2 ? "avx2" : has_sse ? "sse4.1" : "scalar"));
#endif
#if defined(__wasm_simd128__) && (!defined(RVF_SIMD) || RVF_SIMD)
    CHECK(rvfk_ops_get("wasm128") != NULL);
    CHECK(best == rvfk_ops_get("wasm128"));
#endif
#if defined(__wasm__) && !defined(__wasm_simd128__)
    CHECK(rvfk_ops_get("wasm128") == NULL);
    CHECK(best == rvfk_ops_scalar());
#endif
}

int main(void)
{
    for (size_t i = 0; i < sizeof variant_names / sizeof variant_names[0]; i++) {
        const rvfk_ops *o = rvfk_ops_get(variant_names[i]);
        printf("variant %-8s %s\n", variant_names[i], o ? "available: tested" : "not available");
        if (!o)
            continue;
        CHECK(strcmp(o->name, variant_names[i]) == 0);
        variants[n_variants++] = o;
    }
    RVF_TEST_RUN(test_dispatch);
    for (cur = 0; cur < n_variants; cur++) {
        printf("-- %s\n", variants[cur]->name);
        RVF_TEST_RUN(test_distances);
        RVF_TEST_RUN(test_cosine_edges);
        RVF_TEST_RUN(test_f16_exhaustive);
        RVF_TEST_RUN(test_sq8_decode_exact);
        RVF_TEST_RUN(test_hamming);
        RVF_TEST_RUN(test_crc32c);
        RVF_TEST_RUN(test_pq_adc);
    }
    printf("tolerance: |simd - scalar| <= %.1f * n * FLT_EPSILON * sum|terms| (+ n * 2^-149)\n",
           TOL_C);
    for (int i = 0; i < n_variants; i++)
        printf("variant %-8s %ld comparisons, worst |diff| / bound = %.4f\n", variants[i]->name,
               n_compared[i], worst_ratio[i]);
    return rvf_test_finish();
}

/* test_quant.c: scalar, product and binary quantizers and the QUANT_SEG codec (rvf_quant.h):
 * the §5.5 formulas at their edges, reconstruction error, distances and ADC tables against brute
 * force, PQ recall, byte layout and round trips, every rejection, truncation at every byte and
 * header bit flips (run under ASan). Also decodes any QUANT/SKETCH segment found in the
 * reference corpus ($RVF_SHARED/corpus; none are there today). */
#define _POSIX_C_SOURCE 200809L /* test programs build as strict C11 */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_quant.h"
#include "rvf_sketch.h"
#include "rvf_test.h"

static rvf_test_rng rng = {0x71756e74ULL};

/* The §5.5 encode written out literally, with libm's roundf. */
static uint8_t sq_literal(float v, float mn, float mx)
{
    float t = (v - mn) / (mx - mn);
    if (t < 0.0f)
        t = 0.0f;
    if (t > 1.0f)
        t = 1.0f;
    return (uint8_t)roundf(t * 255.0f);
}

/* ---- scalar ------------------------------------------------------------------------------- */

static void test_sq_train(void)
{
    enum { N = 300, D = 6, STRIDE = 8 };
    static float rows[N * STRIDE];
    for (int i = 0; i < N; i++) {
        for (int d = 0; d < STRIDE; d++)
            rows[i * STRIDE + d] = rvf_test_unit(&rng) * (float)(d + 1) + (float)d;
        rows[i * STRIDE + 2] = 3.0f;                         /* constant dimension */
        rows[i * STRIDE + 4] = i % 2 ? 1e-9f : 0.0f;         /* range below FLT_EPSILON */
        rows[i * STRIDE + 6] = rows[i * STRIDE + 7] = 1e30f; /* outside dim: ignored */
    }
    rvf_quant q;
    CHECK_EQ_INT(rvf_sq_train(rows, N, STRIDE, D, &q), RVF_OK);
    CHECK_EQ_INT(q.type, RVF_QUANT_SCALAR);
    CHECK_EQ_INT(q.tier, 0);
    CHECK_EQ_INT(q.dim, D);
    for (int d = 0; d < D; d++) {
        float mn = rows[d], mx = rows[d];
        for (int i = 1; i < N; i++) {
            mn = fminf(mn, rows[i * STRIDE + d]);
            mx = fmaxf(mx, rows[i * STRIDE + d]);
        }
        if (fabsf(mx - mn) < FLT_EPSILON)
            mx = mn + 1.0f;
        CHECK_EQ_BITS(q.min[d], mn);
        CHECK_EQ_BITS(q.max[d], mx);
    }
    CHECK_EQ_BITS(q.min[2], 3.0f);
    CHECK_EQ_BITS(q.max[2], 4.0f);
    CHECK_EQ_BITS(q.min[4], 0.0f);
    CHECK_EQ_BITS(q.max[4], 1.0f);
    /* The constant value encodes as 0 and decodes back exactly. */
    uint8_t codes[D];
    float back[D];
    rvf_sq_encode(&q, rows, codes);
    rvf_sq_decode(&q, codes, back);
    CHECK_EQ_INT(codes[2], 0);
    CHECK_EQ_BITS(back[2], 3.0f);
    rvf_quant_free(&q);
    CHECK(q.min == NULL && q.dim == 0);
    rvf_quant_free(&q);
    rvf_quant_free(NULL);

    CHECK_EQ_INT(rvf_sq_train(NULL, N, STRIDE, D, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sq_train(rows, N, STRIDE, D, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sq_train(rows, 0, STRIDE, D, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sq_train(rows, N, STRIDE, 0, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sq_train(rows, N, 5, D, &q), RVF_ERR_INVALID_ARGUMENT);
    float bad[2 * 2] = {0, 1, NAN, 2};
    CHECK_EQ_INT(rvf_sq_train(bad, 2, 2, 2, &q), RVF_ERR_INVALID_ARGUMENT);
    bad[2] = -INFINITY;
    CHECK_EQ_INT(rvf_sq_train(bad, 2, 2, 2, &q), RVF_ERR_INVALID_ARGUMENT);
    float huge[2] = {-3e38f, 3e38f}; /* max - min overflows */
    CHECK_EQ_INT(rvf_sq_train(huge, 2, 1, 1, &q), RVF_ERR_INVALID_ARGUMENT);
}

/* Find v in [0, 1] near target / 255 whose t * 255 (t = (v - 0) / (1 - 0), as §5.5 computes it)
 * is exactly target, a k + 0.5. Not every half has such a float; returns 0 then. */
static int exact_half(float target, float *v)
{
    float x = target / 255.0f;
    for (int i = 0; i < 64; i++)
        x = nextafterf(x, 0.0f);
    for (int i = 0; i < 128; i++, x = nextafterf(x, 1.0f))
        if ((x - 0.0f) / (1.0f - 0.0f) * 255.0f == target) {
            *v = x;
            return 1;
        }
    return 0;
}

static void test_sq_edges(void)
{
    float mn[3] = {-2.0f, 0.0f, 10.0f}, mx[3] = {2.0f, 1.0f, 10.0f + 255.0f};
    rvf_quant q = {.type = RVF_QUANT_SCALAR, .dim = 3, .min = mn, .max = mx};
    uint8_t c[3];
    float v[3] = {-2.0f, 0.0f, 10.0f}; /* min */
    rvf_sq_encode(&q, v, c);
    CHECK(c[0] == 0 && c[1] == 0 && c[2] == 0);
    float w[3] = {2.0f, 1.0f, 265.0f}; /* max */
    rvf_sq_encode(&q, w, c);
    CHECK(c[0] == 255 && c[1] == 255 && c[2] == 255);
    float below[3] = {-100.0f, -1e-30f, -INFINITY}, above[3] = {3.0f, 1.5f, INFINITY};
    rvf_sq_encode(&q, below, c);
    CHECK(c[0] == 0 && c[1] == 0 && c[2] == 0);
    rvf_sq_encode(&q, above, c);
    CHECK(c[0] == 255 && c[1] == 255 && c[2] == 255);
    float nanv[3] = {NAN, NAN, NAN};
    rvf_sq_encode(&q, nanv, c);
    CHECK(c[0] == 0 && c[1] == 0 && c[2] == 0);
    /* Midpoint of the range: t = 0.5, 127.5 rounds away from zero to 128. */
    float mid[3] = {0.0f, 0.5f, 137.5f};
    rvf_sq_encode(&q, mid, c);
    CHECK(c[0] == 128 && c[1] == 128 && c[2] == 128);
    /* Exact halves k + 0.5: half-to-even would give k for even k, §5.5 gives k + 1 always. */
    int found = 0, found_even = 0, wrong = 0;
    for (int k = 0; k < 255; k++) {
        float x;
        if (!exact_half((float)k + 0.5f, &x))
            continue;
        float in[3] = {-2.0f, x, 10.0f};
        rvf_sq_encode(&q, in, c);
        found++;
        found_even += k % 2 == 0;
        wrong += c[1] != k + 1 || c[1] != sq_literal(x, 0.0f, 1.0f);
    }
    printf("  SQ: %d exact k + 0.5 products found (%d with k even), all rounded up\n", found,
           found_even);
    CHECK(found_even >= 10);
    CHECK_EQ_INT(wrong, 0);
    /* Integer steps of dimension 2 (range 255): v = 10 + k encodes as k, decodes exactly. */
    for (int k = 0; k < 256; k++) {
        float in[3] = {0, 0, 10.0f + (float)k}, out[3];
        rvf_sq_encode(&q, in, c);
        CHECK_EQ_INT(c[2], k);
        rvf_sq_decode(&q, c, out);
        CHECK_NEAR(out[2], 10.0f + (float)k, 2e-5, 0);
    }
    /* Decode formula: q / 255 * (max - min) + min. */
    uint8_t codes[3] = {0, 255, 51};
    float out[3];
    rvf_sq_decode(&q, codes, out);
    CHECK_EQ_BITS(out[0], -2.0f);
    CHECK_EQ_BITS(out[1], 1.0f);
    CHECK_EQ_BITS(out[2], 51.0f / 255.0f * 255.0f + 10.0f);
    /* Random values against the literal formula. */
    int diff = 0;
    for (int i = 0; i < 20000; i++) {
        float in[3] = {rvf_test_unit(&rng) * 2.5f, rvf_test_unit(&rng) * 0.7f + 0.5f,
                       rvf_test_unit(&rng) * 140.0f + 137.0f};
        rvf_sq_encode(&q, in, c);
        for (int d = 0; d < 3; d++)
            diff += c[d] != sq_literal(in[d], mn[d], mx[d]);
    }
    CHECK_EQ_INT(diff, 0);
    CHECK_EQ_INT(rvf_sq_tile_i8(0), -128);
    CHECK_EQ_INT(rvf_sq_tile_i8(128), 0);
    CHECK_EQ_INT(rvf_sq_tile_i8(255), 127);
    CHECK_EQ_INT(rvf_sq_tile_i8(127), -1);
}

/* Reconstruction error per dimension stays below half a step: 0.5 / 255 = 0.196% of the
 * range (asserted < 0.5%, and < 0.5/255 plus rounding). */
static void test_sq_error(void)
{
    enum { N = 2000, D = 24 };
    static float rows[N * D];
    for (int i = 0; i < N; i++)
        for (int d = 0; d < D; d++)
            rows[i * D + d] =
                rvf_test_unit(&rng) * powf(3.0f, (float)(d % 7) - 3.0f) + (float)(d - 12) * 0.37f;
    rvf_quant q;
    CHECK_EQ_INT(rvf_sq_train(rows, N, D, D, &q), RVF_OK);
    if (!q.min)
        return;
    double worst = 0.0;
    for (int i = 0; i < N; i++) {
        uint8_t c[D];
        float back[D];
        rvf_sq_encode(&q, rows + i * D, c);
        rvf_sq_decode(&q, c, back);
        for (int d = 0; d < D; d++) {
            double e = fabs((double)back[d] - rows[i * D + d]) / ((double)q.max[d] - q.min[d]);
            if (e > worst)
                worst = e;
        }
    }
    printf("  SQ reconstruction: worst error %.4f%% of the dimension's range\n", worst * 100);
    CHECK(worst < 0.005);
    CHECK(worst < 0.5 / 255 + 1e-6);
    rvf_quant_free(&q);
}

static void test_sq_distances(void)
{
    enum { N = 200, D = 37 };
    static float rows[N * D];
    for (int i = 0; i < N * D; i++)
        rows[i] = rvf_test_unit(&rng) * 3.0f;
    rvf_quant q;
    CHECK_EQ_INT(rvf_sq_train(rows, N, D, D, &q), RVF_OK);
    if (!q.min)
        return;
    int bad = 0;
    for (int i = 0; i + 1 < N; i++) {
        uint8_t a[D], b[D];
        float da[D], db[D], query[D];
        rvf_sq_encode(&q, rows + i * D, a);
        rvf_sq_encode(&q, rows + (i + 1) * D, b);
        rvf_sq_decode(&q, a, da);
        rvf_sq_decode(&q, b, db);
        for (int d = 0; d < D; d++)
            query[d] = rvf_test_unit(&rng);
        /* Asymmetric: bit for bit the distance of the query to the decoded codes. */
        for (int m = 0; m <= 2; m++) {
            float got = rvf_sq_dist(&q, (rvf_metric)m, query, a);
            float want = rvfk_dist_f32((rvf_metric)m, query, da, D);
            bad += memcmp(&got, &want, sizeof got) != 0;
        }
        /* Quantized L2: the literal formula bit for bit, and the decoded L2 up to rounding. */
        float lit = 0.0f;
        for (int d = 0; d < D; d++) {
            float df = (float)a[d] - (float)b[d], r = q.max[d] - q.min[d];
            lit += df * df * (r * r) / 65025.0f;
        }
        float ql2 = rvf_sq_l2_codes(&q, a, b);
        bad += memcmp(&ql2, &lit, sizeof lit) != 0;
        CHECK_NEAR(ql2, rvfk_dist_f32(RVF_METRIC_L2, da, db, D), 1e-6, 1e-4);
    }
    CHECK_EQ_INT(bad, 0);
    uint8_t c[D] = {0};
    CHECK(isnan(rvf_sq_dist(&q, RVF_METRIC_HAMMING, rows, c)));
    CHECK(isnan(rvf_sq_dist(&q, (rvf_metric)9, rows, c)));
    CHECK_EQ_BITS(rvf_sq_l2_codes(&q, c, c), 0.0f);
    rvf_quant_free(&q);
    /* a finite range whose square overflows f32 (found by fuzz_quantseg): equal codes are still
     * at distance 0, not NaN (0 * inf) */
    float hmn[2] = {-1e30f, 0.0f}, hmx[2] = {1e30f, 1.0f};
    rvf_quant hq = {.type = RVF_QUANT_SCALAR, .dim = 2, .min = hmn, .max = hmx};
    uint8_t e1[2] = {7, 3}, e2[2] = {7, 4};
    CHECK_EQ_BITS(rvf_sq_l2_codes(&hq, e1, e1), 0.0f);
    CHECK(!isnan(rvf_sq_l2_codes(&hq, e1, e2)));
}

/* ---- PQ ----------------------------------------------------------------------------------- */

#define PD  32
#define PM  8
#define PK  16
#define PN  3000
#define PCL 24

static float pdata[PN * PD];

static void make_pq_data(void)
{
    static float centers[PCL * PD];
    for (int i = 0; i < PCL * PD; i++)
        centers[i] = rvf_test_unit(&rng) * 4.0f;
    for (int i = 0; i < PN; i++) {
        int c = (int)(rvf_test_next(&rng) % PCL);
        for (int d = 0; d < PD; d++)
            pdata[i * PD + d] = centers[c * PD + d] + rvf_test_unit(&rng) * 0.4f;
    }
}

static float dot(const float *a, const float *b, size_t n)
{
    float s = 0.0f;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static float sqdist(const float *a, const float *b, size_t n)
{
    float s = 0.0f;
    for (size_t i = 0; i < n; i++)
        s += (a[i] - b[i]) * (a[i] - b[i]);
    return s;
}

static void test_pq_train_args(void)
{
    rvf_quant q;
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, 5, PK, NULL, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, 0, PK, NULL, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, PM, 0, NULL, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, PM, 257, NULL, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_pq_train(pdata, 10, PD, PD, PM, PK, NULL, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD - 1, PD, PM, PK, NULL, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_pq_train(NULL, PN, PD, PD, PM, PK, NULL, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, PM, PK, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    /* K = 256 with M = dim (sub_dim 1) is the largest shape (a short training run). */
    rvf_kmeans_params km = {.max_train = 300, .max_iter = 2};
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, PD, 256, &km, &q), RVF_OK);
    CHECK_EQ_INT(q.pq_sub_dim, 1);
    rvf_quant_free(&q);
}

static void test_pq_tables(void)
{
    rvf_kmeans_params km = {.seed = 5};
    rvf_quant q, q2;
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, PM, PK, &km, &q), RVF_OK);
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, PM, PK, &km, &q2), RVF_OK);
    if (!q.codebook || !q2.codebook)
        return;
    CHECK_EQ_INT(q.type, RVF_QUANT_PQ);
    CHECK_EQ_INT(q.tier, 1);
    CHECK(q.pq_m == PM && q.pq_k == PK && q.pq_sub_dim == PD / PM && q.dim == PD);
    CHECK_MEM(q.codebook, q2.codebook, (size_t)PM * PK * (PD / PM) * sizeof(float));
    rvf_quant_free(&q2);
    const int sub = PD / PM;
    float table[PM * PK], ip[PM * PK], cosv[PM * PK];
    int bad_enc = 0, bad_tab = 0;
    for (int t = 0; t < 200; t++) {
        const float *v = pdata + (size_t)(rvf_test_next(&rng) % PN) * PD;
        float query[PD], rec[PD];
        for (int d = 0; d < PD; d++)
            query[d] = rvf_test_unit(&rng) * 4.0f;
        uint8_t code[PM];
        rvf_pq_encode(&q, v, code);
        CHECK_EQ_INT(rvf_pq_decode(&q, code, rec), RVF_OK);
        /* encode = nearest centroid per subspace, brute force (lowest index on ties) */
        for (int s = 0; s < PM; s++) {
            int best = 0;
            float bd = INFINITY;
            for (int c = 0; c < PK; c++) {
                float d = sqdist(v + s * sub, q.codebook + (s * PK + c) * sub, (size_t)sub);
                if (d < bd) {
                    bd = d;
                    best = c;
                }
            }
            bad_enc += code[s] != best;
        }
        CHECK_EQ_INT(rvf_pq_table(&q, RVF_METRIC_L2, query, table, PM * PK), RVF_OK);
        CHECK_EQ_INT(rvf_pq_table(&q, RVF_METRIC_IP, query, ip, PM * PK), RVF_OK);
        for (int s = 0; s < PM; s++)
            for (int c = 0; c < PK; c++) {
                const float *cen = q.codebook + (s * PK + c) * sub;
                bad_tab += fabsf(table[s * PK + c] - sqdist(query + s * sub, cen, (size_t)sub)) >
                           1e-4f * (1.0f + table[s * PK + c]);
                bad_tab += fabsf(ip[s * PK + c] + dot(query + s * sub, cen, (size_t)sub)) >
                           1e-4f * (1.0f + fabsf(ip[s * PK + c]));
            }
        /* ADC = squared distance to the reconstruction; IP ADC = -dot with it. */
        CHECK_NEAR(rvf_pq_adc(&q, table, code), sqdist(query, rec, PD), 1e-5, 1e-4);
        CHECK_NEAR(rvf_pq_adc(&q, ip, code), -dot(query, rec, PD), 1e-3, 1e-4);
        CHECK_NEAR(rvfk_ops_best()->pq_adc(table, code, PM, PK), sqdist(query, rec, PD), 1e-5,
                   1e-4);
        /* Cosine on unit vectors: 1 - q . x_hat. */
        float un[PD], n = sqrtf(dot(query, query, PD));
        for (int d = 0; d < PD; d++)
            un[d] = query[d] / n;
        CHECK_EQ_INT(rvf_pq_table(&q, RVF_METRIC_COSINE, un, cosv, PM * PK), RVF_OK);
        CHECK_NEAR(rvf_pq_adc(&q, cosv, code), 1.0f - dot(un, rec, PD), 1e-5, 1e-4);
    }
    CHECK_EQ_INT(bad_enc, 0);
    CHECK_EQ_INT(bad_tab, 0);
    CHECK_EQ_INT(rvf_pq_table(&q, RVF_METRIC_L2, pdata, table, PM * PK - 1),
                 RVF_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(rvf_pq_table(&q, RVF_METRIC_HAMMING, pdata, table, PM * PK),
                 RVF_ERR_METRIC_UNSUPPORTED);
    CHECK_EQ_INT(rvf_pq_table(&q, (rvf_metric)7, pdata, table, PM * PK),
                 RVF_ERR_METRIC_UNSUPPORTED);
    /* A code >= K: zeros for that subspace, INVALID_ARGUMENT; the ADC adds 0 for it. */
    uint8_t code[PM] = {0, 1, 2, PK, 3, 4, 5, 255};
    float rec[PD];
    CHECK_EQ_INT(rvf_pq_decode(&q, code, rec), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_BITS(rec[3 * sub], 0.0f);
    CHECK_EQ_BITS(rec[7 * sub + sub - 1], 0.0f);
    CHECK_EQ_BITS(rec[0], q.codebook[0]);
    CHECK_EQ_INT(rvf_pq_table(&q, RVF_METRIC_L2, pdata, table, PM * PK), RVF_OK);
    float want = 0.0f;
    for (int s = 0; s < PM; s++)
        if (code[s] < PK)
            want += table[s * PK + code[s]];
    CHECK_EQ_BITS(rvf_pq_adc(&q, table, code), want);
    rvf_quant_free(&q);
}

/* Recall sanity on clustered data with spread-out clusters (codes differ inside a cluster):
 * the exact nearest neighbour is in the ADC top 10 (ties by id) for most queries. */
static void test_pq_recall(void)
{
    enum { RN = 4000, RCL = 40, RK = 64, NQ = 100, TOP = 10 };
    static float data[RN * PD], centers[RCL * PD];
    for (int i = 0; i < RCL * PD; i++)
        centers[i] = rvf_test_unit(&rng) * 4.0f;
    for (int i = 0; i < RN; i++) {
        int c = (int)(rvf_test_next(&rng) % RCL);
        for (int d = 0; d < PD; d++)
            data[i * PD + d] =
                centers[c * PD + d] +
                (rvf_test_unit(&rng) + rvf_test_unit(&rng) + rvf_test_unit(&rng)) * 0.6f;
    }
    rvf_kmeans_params km = {.seed = 11};
    rvf_quant q;
    CHECK_EQ_INT(rvf_pq_train(data, RN, PD, PD, PM, RK, &km, &q), RVF_OK);
    uint8_t *codes = malloc((size_t)RN * PM);
    if (!codes || !q.codebook) {
        free(codes);
        rvf_quant_free(&q);
        return;
    }
    int distinct = 0;
    for (int i = 0; i < RN; i++) {
        rvf_pq_encode(&q, data + i * PD, codes + i * PM);
        distinct += i == 0 || memcmp(codes + i * PM, codes + (i - 1) * PM, PM) != 0;
    }
    int hit1 = 0, hit10 = 0;
    float table[PM * RK];
    for (int t = 0; t < NQ; t++) {
        float query[PD];
        const float *base = data + (size_t)(rvf_test_next(&rng) % RN) * PD;
        for (int d = 0; d < PD; d++)
            query[d] = base[d] + rvf_test_unit(&rng) * 0.3f;
        int nn = 0;
        float nd = INFINITY;
        for (int i = 0; i < RN; i++) {
            float d = sqdist(query, data + i * PD, PD);
            if (d < nd) {
                nd = d;
                nn = i;
            }
        }
        CHECK_EQ_INT(rvf_pq_table(&q, RVF_METRIC_L2, query, table, PM * RK), RVF_OK);
        float nn_adc = rvf_pq_adc(&q, table, codes + nn * PM);
        int rank = 0; /* rows ordered before the true neighbour by (ADC, id) */
        for (int i = 0; i < RN; i++) {
            float a = rvf_pq_adc(&q, table, codes + i * PM);
            rank += a < nn_adc || (a == nn_adc && i < nn);
        }
        hit1 += rank == 0;
        hit10 += rank < TOP;
    }
    printf("  PQ M=%d K=%d on %d clustered rows (%d distinct neighbouring codes): NN first %d%%, "
           "in ADC top-10 %d%%\n",
           PM, RK, RN, distinct, hit1 * 100 / NQ, hit10 * 100 / NQ);
    CHECK(distinct > RN / 2);
    CHECK(hit10 >= 80 * NQ / 100);
    free(codes);
    rvf_quant_free(&q);
}

/* ---- binary ------------------------------------------------------------------------------- */

static void test_binary(void)
{
    float v[13] = {0.0f,    -0.0f, -1.0f, 1e-30f, NAN,    -INFINITY, INFINITY,
                   -1e-30f, 5.0f,  -5.0f, 0.25f,  -0.25f, 3.0f};
    uint8_t code[2] = {0xAA, 0xAA};
    rvf_bin_encode(v, 13, code);
    /* bits: 1 1 0 1 0 0 1 0 | 1 0 1 0 1 (LSB first), unused high bits 0 */
    CHECK_EQ_INT(code[0], 0x4B);
    CHECK_EQ_INT(code[1], 0x15);
    float back[13];
    rvf_bin_decode(code, 13, back);
    for (int d = 0; d < 13; d++)
        CHECK_EQ_BITS(back[d], v[d] >= 0.0f ? 1.0f : -1.0f);
    CHECK_EQ_INT(rvf_bin_bytes(0), 0);
    CHECK_EQ_INT(rvf_bin_bytes(8), 1);
    CHECK_EQ_INT(rvf_bin_bytes(9), 2);
    /* Hamming == the number of sign disagreements == |decoded a - decoded b|^2 / 4. */
    enum { D = 77 };
    int bad = 0;
    for (int t = 0; t < 300; t++) {
        float a[D], b[D], da[D], db[D];
        uint8_t ca[(D + 7) / 8], cb[(D + 7) / 8];
        for (int d = 0; d < D; d++) {
            a[d] = rvf_test_unit(&rng);
            b[d] = t % 3 ? rvf_test_unit(&rng) : a[d];
        }
        rvf_bin_encode(a, D, ca);
        rvf_bin_encode(b, D, cb);
        uint32_t brute = 0;
        for (int d = 0; d < D; d++)
            brute += (a[d] >= 0.0f) != (b[d] >= 0.0f);
        rvf_bin_decode(ca, D, da);
        rvf_bin_decode(cb, D, db);
        uint32_t h = rvf_bin_hamming(ca, cb, D);
        bad += h != brute;
        bad += (float)h != sqdist(da, db, D) / 4.0f;
        bad += (ca[(D + 7) / 8 - 1] >> (D % 8)) != 0;
    }
    CHECK_EQ_INT(bad, 0);
    rvf_quant q;
    CHECK_EQ_INT(rvf_bin_init(13, &q), RVF_OK);
    CHECK(q.type == RVF_QUANT_BINARY && q.tier == 2 && q.dim == 13);
    CHECK_EQ_INT(rvf_bin_init(0, &q), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_bin_init(1, NULL), RVF_ERR_INVALID_ARGUMENT);
}

/* ---- QUANT_SEG codec ---------------------------------------------------------------------- */

static rvf_buf seg_sq, seg_pq, seg_bin; /* reference payloads, built by test_codec_layout */

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(u >> (8 * i));
}

/* Payloads written by hand (byte by byte) decode to the right values and are what the encoder
 * writes. */
static void test_codec_layout(void)
{
    /* scalar, dim 2, tier 0: min {-1, 0.5}, max {1, 2.5} */
    uint8_t sq[64 + 16] = {0x00, 0x00, 0x02, 0x00};
    put_f32(sq + 64, -1.0f);
    put_f32(sq + 68, 0.5f);
    put_f32(sq + 72, 1.0f);
    put_f32(sq + 76, 2.5f);
    rvf_quant q;
    CHECK_EQ_INT(rvf_quantseg_decode(sq, sizeof sq, 2, &q), RVF_OK);
    CHECK(q.type == 0 && q.tier == 0 && q.dim == 2 && q.min && q.max);
    if (q.min) {
        CHECK_EQ_BITS(q.min[0], -1.0f);
        CHECK_EQ_BITS(q.min[1], 0.5f);
        CHECK_EQ_BITS(q.max[0], 1.0f);
        CHECK_EQ_BITS(q.max[1], 2.5f);
    }
    rvf_buf_init(&seg_sq);
    CHECK_EQ_INT(rvf_quantseg_encode(&seg_sq, &q), RVF_OK);
    CHECK_EQ_INT(seg_sq.len, sizeof sq);
    CHECK_MEM(seg_sq.data, sq, sizeof sq);
    rvf_quant_free(&q);

    /* PQ, dim 4, M 2, K 3, sub_dim 2, tier 1: centroid (s, c) = {10 s + c, -(10 s + c) / 4} */
    uint8_t pq[70 + 2 * 3 * 2 * 4] = {0x01, 0x01, 0x04, 0x00};
    pq[64] = 2;
    pq[66] = 3;
    pq[68] = 2;
    for (int s = 0; s < 2; s++)
        for (int c = 0; c < 3; c++) {
            put_f32(pq + 70 + ((s * 3 + c) * 2) * 4, (float)(10 * s + c));
            put_f32(pq + 70 + ((s * 3 + c) * 2 + 1) * 4, -(float)(10 * s + c) / 4.0f);
        }
    CHECK_EQ_INT(rvf_quantseg_decode(pq, sizeof pq, 0, &q), RVF_OK);
    CHECK(q.type == 1 && q.tier == 1 && q.dim == 4 && q.pq_m == 2 && q.pq_k == 3 &&
          q.pq_sub_dim == 2 && q.codebook);
    if (q.codebook) {
        CHECK_EQ_BITS(q.codebook[(1 * 3 + 2) * 2], 12.0f);
        CHECK_EQ_BITS(q.codebook[(1 * 3 + 2) * 2 + 1], -3.0f);
        uint8_t code[2] = {2, 1};
        float rec[4];
        CHECK_EQ_INT(rvf_pq_decode(&q, code, rec), RVF_OK);
        CHECK(rec[0] == 2.0f && rec[1] == -0.5f && rec[2] == 11.0f && rec[3] == -2.75f);
    }
    rvf_buf_init(&seg_pq);
    CHECK_EQ_INT(rvf_quantseg_encode(&seg_pq, &q), RVF_OK);
    CHECK_EQ_INT(seg_pq.len, sizeof pq);
    CHECK_MEM(seg_pq.data, pq, sizeof pq);
    rvf_quant_free(&q);

    /* binary, dim 300, tier 2: header only */
    uint8_t bin[64] = {0x02, 0x02, 0x2C, 0x01};
    CHECK_EQ_INT(rvf_quantseg_decode(bin, sizeof bin, 300, &q), RVF_OK);
    CHECK(q.type == 2 && q.tier == 2 && q.dim == 300 && !q.min && !q.codebook);
    rvf_buf_init(&seg_bin);
    CHECK_EQ_INT(rvf_quantseg_encode(&seg_bin, &q), RVF_OK);
    CHECK_EQ_INT(seg_bin.len, 64);
    CHECK_MEM(seg_bin.data, bin, sizeof bin);
    rvf_quant_free(&q);
}

/* Trained quantizers: encode, decode, encode again gives the same bytes. */
static void test_codec_roundtrip(void)
{
    rvf_quant src[3];
    CHECK_EQ_INT(rvf_sq_train(pdata, PN, PD, PD, &src[0]), RVF_OK);
    rvf_kmeans_params km = {.seed = 2};
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, PM, PK, &km, &src[1]), RVF_OK);
    CHECK_EQ_INT(rvf_bin_init(PD, &src[2]), RVF_OK);
    const size_t want_len[3] = {64 + 8 * PD, 70 + 4 * (size_t)PM * PK * (PD / PM), 64};
    for (int t = 0; t < 3; t++) {
        rvf_buf a, b;
        rvf_buf_init(&a);
        rvf_buf_init(&b);
        rvf_buf_u8(&a, 0xEE); /* encoders append */
        CHECK_EQ_INT(rvf_quantseg_encode(&a, &src[t]), RVF_OK);
        CHECK_EQ_INT(a.len, 1 + want_len[t]);
        rvf_quant d;
        CHECK_EQ_INT(rvf_quantseg_decode(a.data + 1, a.len - 1, PD, &d), RVF_OK);
        CHECK_EQ_INT(d.type, src[t].type);
        CHECK_EQ_INT(d.tier, src[t].tier);
        CHECK_EQ_INT(d.dim, PD);
        if (t == 0 && d.min) {
            CHECK_MEM(d.min, src[t].min, PD * sizeof(float));
            CHECK_MEM(d.max, src[t].max, PD * sizeof(float));
        }
        if (t == 1 && d.codebook)
            CHECK_MEM(d.codebook, src[t].codebook, (size_t)PM * PK * (PD / PM) * sizeof(float));
        CHECK_EQ_INT(rvf_quantseg_encode(&b, &d), RVF_OK);
        CHECK_EQ_INT(b.len, a.len - 1);
        CHECK_MEM(b.data, a.data + 1, b.len);
        rvf_quant_free(&d);
        rvf_buf_free(&a);
        rvf_buf_free(&b);
        rvf_quant_free(&src[t]);
    }
}

static rvf_status dec(const uint8_t *p, size_t len, uint16_t expect)
{
    rvf_quant q;
    rvf_status st = rvf_quantseg_decode(p, len, expect, &q);
    if (st != RVF_OK && (q.min || q.max || q.codebook || q.dim))
        return 12345; /* *out must be zeroed on failure */
    rvf_quant_free(&q);
    return st;
}

static void test_codec_rejects(void)
{
    if (!seg_sq.len || !seg_pq.len || !seg_bin.len)
        return;
    uint8_t tmp[256];
    rvf_quant q;
    CHECK_EQ_INT(rvf_quantseg_decode(seg_sq.data, seg_sq.len, 0, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(dec(NULL, 64, 0), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(dec(NULL, 0, 0), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(dec(seg_sq.data, 63, 0), RVF_ERR_TRUNCATED_SEGMENT);
    /* quant_type: 3 (residual PQ) and unknown types */
    memcpy(tmp, seg_bin.data, 64);
    tmp[0] = 3;
    CHECK_EQ_INT(dec(tmp, 64, 0), RVF_ERR_ALGO_UNSUPPORTED);
    tmp[0] = 0xFF;
    CHECK_EQ_INT(dec(tmp, 64, 0), RVF_ERR_ALGO_UNSUPPORTED);
    /* tier, dim */
    memcpy(tmp, seg_bin.data, 64);
    tmp[1] = 3;
    CHECK_EQ_INT(dec(tmp, 64, 0), RVF_ERR_INVALID_MANIFEST);
    tmp[1] = 0; /* any tier 0..2 with any type */
    CHECK_EQ_INT(dec(tmp, 64, 0), RVF_OK);
    tmp[2] = tmp[3] = 0;
    CHECK_EQ_INT(dec(tmp, 64, 0), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(dec(seg_bin.data, 64, 299), RVF_ERR_DIMENSION_MISMATCH);
    CHECK_EQ_INT(dec(seg_sq.data, seg_sq.len, 3), RVF_ERR_DIMENSION_MISMATCH);
    /* Reserved header bytes are ignored. */
    memcpy(tmp, seg_sq.data, seg_sq.len);
    for (int i = 4; i < 64; i++)
        tmp[i] = (uint8_t)i;
    CHECK_EQ_INT(dec(tmp, seg_sq.len, 2), RVF_OK);
    /* Exact length: one byte short is truncated, one byte more is rejected. */
    const rvf_buf *segs[3] = {&seg_sq, &seg_pq, &seg_bin};
    for (int t = 0; t < 3; t++) {
        memcpy(tmp, segs[t]->data, segs[t]->len);
        tmp[segs[t]->len] = 0;
        CHECK_EQ_INT(dec(tmp, segs[t]->len + 1, 0), RVF_ERR_INVALID_MANIFEST);
        CHECK_EQ_INT(dec(tmp, segs[t]->len - (t < 2), 0),
                     t < 2 ? RVF_ERR_TRUNCATED_SEGMENT : RVF_OK);
    }
    /* scalar values: NaN, infinities, max < min, a range that overflows; max == min is valid */
    const float badv[][2] = {{NAN, 1.0f},      {0.0f, NAN},  {-INFINITY, 1.0f},
                             {0.0f, INFINITY}, {1.0f, 0.5f}, {-3e38f, 3e38f}};
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
        memcpy(tmp, seg_sq.data, seg_sq.len);
        put_f32(tmp + 64 + 4, badv[i][0]); /* min[1] */
        put_f32(tmp + 72 + 4, badv[i][1]); /* max[1] */
        CHECK_EQ_INT(dec(tmp, seg_sq.len, 0), RVF_ERR_INVALID_MANIFEST);
    }
    memcpy(tmp, seg_sq.data, seg_sq.len);
    put_f32(tmp + 64 + 4, 7.0f);
    put_f32(tmp + 72 + 4, 7.0f);
    CHECK_EQ_INT(rvf_quantseg_decode(tmp, seg_sq.len, 0, &q), RVF_OK);
    if (q.min) {
        uint8_t c[2] = {200, 255};
        float out[2];
        rvf_sq_decode(&q, c, out);
        CHECK_EQ_BITS(out[1], 7.0f);
    }
    rvf_quant_free(&q);
    /* PQ shape: M, K, sub_dim */
    const uint16_t shapes[][3] = {{0, 3, 2}, {2, 0, 2}, {2, 3, 0}, {2, 257, 2},
                                  {1, 3, 2}, {4, 3, 2}, {2, 3, 1}, {0xFFFF, 3, 0xFFFF}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        memcpy(tmp, seg_pq.data, seg_pq.len);
        rvfk_st_u16(tmp + 64, shapes[i][0]);
        rvfk_st_u16(tmp + 66, shapes[i][1]);
        rvfk_st_u16(tmp + 68, shapes[i][2]);
        CHECK_EQ_INT(dec(tmp, seg_pq.len, 0), RVF_ERR_INVALID_MANIFEST);
    }
    /* M 4, sub_dim 1 is another valid shape of dim 4 with the same 12 floats: accepted (the
     * format has no redundancy to tell); with K 6 the body is too short. */
    memcpy(tmp, seg_pq.data, seg_pq.len);
    rvfk_st_u16(tmp + 64, 4);
    rvfk_st_u16(tmp + 68, 1);
    CHECK_EQ_INT(dec(tmp, seg_pq.len, 0), RVF_OK);
    rvfk_st_u16(tmp + 66, 6);
    CHECK_EQ_INT(dec(tmp, seg_pq.len, 0), RVF_ERR_TRUNCATED_SEGMENT);
    /* K = 256 is allowed: the body is then too short */
    memcpy(tmp, seg_pq.data, seg_pq.len);
    rvfk_st_u16(tmp + 66, 256);
    CHECK_EQ_INT(dec(tmp, seg_pq.len, 0), RVF_ERR_TRUNCATED_SEGMENT);
    /* PQ header shorter than 70 bytes */
    CHECK_EQ_INT(dec(seg_pq.data, 69, 0), RVF_ERR_TRUNCATED_SEGMENT);
    /* non-finite centroids */
    const float badc[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 3; i++) {
        memcpy(tmp, seg_pq.data, seg_pq.len);
        put_f32(tmp + seg_pq.len - 4, badc[i]);
        CHECK_EQ_INT(dec(tmp, seg_pq.len, 0), RVF_ERR_INVALID_MANIFEST);
    }

    /* The encoder refuses what the decoder rejects, appending nothing. */
    float mn[2] = {0, 0}, mx[2] = {1, NAN}, cb[4] = {0, 1, 2, 3};
    const rvf_quant badq[] = {
        {.type = 3, .dim = 2},
        {.type = 9, .dim = 2},
        {.type = RVF_QUANT_BINARY, .tier = 3, .dim = 2},
        {.type = RVF_QUANT_BINARY, .dim = 0},
        {.type = RVF_QUANT_SCALAR, .dim = 2, .min = mn},
        {.type = RVF_QUANT_SCALAR, .dim = 2, .min = mn, .max = mx},
        {.type = RVF_QUANT_PQ, .dim = 2, .pq_m = 2, .pq_k = 2, .pq_sub_dim = 1},
        {.type = RVF_QUANT_PQ, .dim = 2, .pq_m = 1, .pq_k = 2, .pq_sub_dim = 1, .codebook = cb},
        {.type = RVF_QUANT_PQ, .dim = 2, .pq_m = 2, .pq_k = 257, .pq_sub_dim = 1, .codebook = cb},
    };
    rvf_buf b;
    rvf_buf_init(&b);
    for (size_t i = 0; i < sizeof badq / sizeof badq[0]; i++) {
        CHECK_EQ_INT(rvf_quantseg_encode(&b, &badq[i]), RVF_ERR_INVALID_ARGUMENT);
        CHECK_EQ_INT(b.len, 0);
    }
    const rvf_quant okq = {
        .type = RVF_QUANT_PQ, .dim = 2, .pq_m = 2, .pq_k = 2, .pq_sub_dim = 1, .codebook = cb};
    CHECK_EQ_INT(rvf_quantseg_encode(&b, &okq), RVF_OK);
    CHECK_EQ_INT(b.len, 70 + 16);
    CHECK_EQ_INT(rvf_quantseg_encode(NULL, &okq), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_quantseg_encode(&b, NULL), RVF_ERR_INVALID_ARGUMENT);
    rvf_buf_free(&b);
}

/* Every strict prefix is TRUNCATED_SEGMENT (the header fields are valid, so nothing else can
 * be said first); bit flips in the header and body give a listed status or a sane quantizer. */
static void test_codec_truncation_flips(void)
{
    rvf_quant src;
    rvf_kmeans_params km = {.seed = 4};
    CHECK_EQ_INT(rvf_pq_train(pdata, PN, PD, PD, 4, 8, &km, &src), RVF_OK);
    rvf_buf big;
    rvf_buf_init(&big);
    CHECK_EQ_INT(rvf_quantseg_encode(&big, &src), RVF_OK);
    rvf_quant_free(&src);
    const rvf_buf *segs[4] = {&seg_sq, &seg_pq, &seg_bin, &big};
    int bad = 0, accepted = 0, flips = 0;
    for (int t = 0; t < 4; t++) {
        const rvf_buf *s = segs[t];
        if (!s->len)
            continue;
        for (size_t len = 0; len < s->len; len++) {
            /* a heap copy of exactly len bytes, so ASan sees any read past it */
            uint8_t *cut = malloc(len ? len : 1);
            if (!cut)
                continue;
            memcpy(cut, s->data, len);
            bad += dec(cut, len, 0) != RVF_ERR_TRUNCATED_SEGMENT;
            free(cut);
        }
        uint8_t *tmp = malloc(s->len);
        if (!tmp)
            continue;
        size_t span = s->len < 96 ? s->len : 96; /* header, PQ shape, first values */
        for (size_t at = 0; at < span; at++)
            for (int v = 0; v < 14; v++) {
                /* the 8 single-bit flips, then whole-byte replacements */
                const uint8_t o = s->data[at];
                const uint8_t repl[6] = {
                    0x00, 0xFF, (uint8_t)~o, (uint8_t)(o + 1), (uint8_t)(o - 1), 0x80};
                memcpy(tmp, s->data, s->len);
                tmp[at] = v < 8 ? (uint8_t)(o ^ (1u << v)) : repl[v - 8];
                if (tmp[at] == o)
                    continue;
                rvf_quant q;
                rvf_status st = rvf_quantseg_decode(tmp, s->len, 0, &q);
                flips++;
                if (st == RVF_OK) {
                    accepted++;
                    /* an accepted quantizer re-encodes to the same bytes, reserved ones aside */
                    rvf_buf re;
                    rvf_buf_init(&re);
                    static const uint8_t zero[60];
                    bad += rvf_quantseg_encode(&re, &q) != RVF_OK || re.len != s->len ||
                           memcmp(re.data, tmp, 4) != 0 || memcmp(re.data + 4, zero, 60) != 0 ||
                           memcmp(re.data + 64, tmp + 64, s->len - 64) != 0;
                    rvf_buf_free(&re);
                    rvf_quant_free(&q);
                } else {
                    bad += st != RVF_ERR_TRUNCATED_SEGMENT && st != RVF_ERR_INVALID_MANIFEST &&
                           st != RVF_ERR_ALGO_UNSUPPORTED;
                }
            }
        free(tmp);
    }
    printf("  %d header/body byte changes: %d accepted (reserved bytes, values), rest rejected\n",
           flips, accepted);
    CHECK_EQ_INT(bad, 0);
    CHECK(accepted > 0 && accepted < flips);
    rvf_buf_free(&big);
}

/* ---- segments of the reference corpus ----------------------------------------------------- */

static int corpus_segments, corpus_files;

static void scan_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    corpus_files++;
    uint8_t h[64];
    long off = 0;
    while (fseek(f, off, SEEK_SET) == 0 && fread(h, 1, 64, f) == 64) {
        uint64_t plen = rvfk_ld_u64(h + 0x10);
        if (rvfk_ld_u32(h) == RVF_SEGMENT_MAGIC && h[4] == 1 &&
            (h[5] == RVF_SEG_QUANT || h[5] == RVF_SEG_SKETCH) && plen < (1u << 28)) {
            uint8_t *p = malloc(plen ? (size_t)plen : 1);
            if (p && fread(p, 1, (size_t)plen, f) == plen) {
                corpus_segments++;
                if (h[5] == RVF_SEG_QUANT) {
                    rvf_quant q;
                    rvf_status st = rvf_quantseg_decode(p, (size_t)plen, 0, &q);
                    printf("  %s @%ld: QUANT_SEG type %u dim %u: %s\n", path, off, q.type, q.dim,
                           rvf_strerror(st));
                    CHECK_EQ_INT(st, RVF_OK);
                    rvf_quant_free(&q);
                } else {
                    rvf_sketch s;
                    rvf_status st = rvf_sketchseg_decode(p, (size_t)plen, &s);
                    printf("  %s @%ld: SKETCH_SEG %ux%u: %s\n", path, off, s.width, s.depth,
                           rvf_strerror(st));
                    CHECK_EQ_INT(st, RVF_OK);
                    rvf_sketch_free(&s);
                }
            }
            free(p);
        }
        off += 64; /* segments start 64-aligned: every candidate header is looked at */
    }
    fclose(f);
}

static void test_corpus(void)
{
    const char *shared = getenv("RVF_SHARED");
    if (!shared || !*shared) {
        printf("  skipped: RVF_SHARED is not set (the reference corpus lives in ../shared)\n");
        return;
    }
    const char *sub[2] = {"reference-written", "upstream-examples"};
    for (int i = 0; i < 2; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/corpus/%s", shared, sub[i]);
        DIR *d = opendir(dir);
        if (!d) {
            printf("  skipped: %s is absent\n", dir);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (n > 4 && strcmp(e->d_name + n - 4, ".rvf") == 0) {
                char path[2048];
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                scan_file(path);
            }
        }
        closedir(d);
    }
    printf("  corpus: %d files scanned, %d QUANT/SKETCH segments decoded\n", corpus_files,
           corpus_segments);
}

int main(void)
{
    make_pq_data();
    RVF_TEST_RUN(test_sq_train);
    RVF_TEST_RUN(test_sq_edges);
    RVF_TEST_RUN(test_sq_error);
    RVF_TEST_RUN(test_sq_distances);
    RVF_TEST_RUN(test_pq_train_args);
    RVF_TEST_RUN(test_pq_tables);
    RVF_TEST_RUN(test_pq_recall);
    RVF_TEST_RUN(test_binary);
    RVF_TEST_RUN(test_codec_layout);
    RVF_TEST_RUN(test_codec_roundtrip);
    RVF_TEST_RUN(test_codec_rejects);
    RVF_TEST_RUN(test_codec_truncation_flips);
    RVF_TEST_RUN(test_corpus);
    rvf_buf_free(&seg_sq);
    rvf_buf_free(&seg_pq);
    rvf_buf_free(&seg_bin);
    return rvf_test_finish();
}

/* test_hnsw.c: the in-memory HNSW core (rvf_hnsw.c) against brute force on clustered data. */
#include "rvf.h"
#include "rvf_hnsw.h"
#include "rvf_test.h"

#define N     5000
#define DIM   32
#define NQ    200
#define K     10
#define EF_C  100
#define SEED  0x5EEDull
#define NOISE 0.5f /* per-dimension spread of a cluster, about half that of the centres */

static float data[N * DIM], queries[NQ * DIM];
static uint64_t rng_state = 0x243F6A8885A308D3ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static float unit(void) /* [0, 1) */
{
    return (float)(rnd() >> 40) / 16777216.0f;
}

/* 50 clusters; Irwin-Hall(4) noise is Gaussian enough and needs no libm. */
static void make_data(void)
{
    static float centers[50 * DIM];
    for (size_t i = 0; i < 50 * DIM; i++)
        centers[i] = unit() * 2.0f - 1.0f;
    for (int pass = 0; pass < 2; pass++) {
        float *dst = pass ? queries : data;
        size_t n = pass ? NQ : N;
        for (size_t i = 0; i < n; i++) {
            const float *c = centers + (rnd() % 50) * DIM;
            for (size_t j = 0; j < DIM; j++)
                dst[i * DIM + j] = c[j] + (unit() + unit() + unit() + unit() - 2.0f) * NOISE;
        }
    }
}

static bool even_only(void *ctx, uint32_t slot)
{
    (void)ctx;
    return slot % 2 == 0;
}

static bool tenth_only(void *ctx, uint32_t slot)
{
    (void)ctx;
    return slot % 10 == 0;
}

/* Exact top-k among slots [0, n) passing `filter`, by the scalar reference distance. */
static uint32_t brute(rvf_metric m, const float *q, uint32_t n, uint32_t k, rvf_hnsw_filter_fn f,
                      uint32_t *slots, float *dists)
{
    uint32_t got = 0;
    for (uint32_t s = 0; s < n; s++) {
        if (f && !f(NULL, s))
            continue;
        float d = rvfk_dist_f32(m, q, data + (size_t)s * DIM, DIM);
        if (got == k && !(d < dists[k - 1] || (d == dists[k - 1] && s < slots[k - 1])))
            continue;
        uint32_t i = got < k ? got++ : k - 1;
        for (; i > 0 && (d < dists[i - 1] || (d == dists[i - 1] && s < slots[i - 1])); i--) {
            dists[i] = dists[i - 1];
            slots[i] = slots[i - 1];
        }
        dists[i] = d;
        slots[i] = s;
    }
    return got;
}

static rvf_hnsw *build(rvf_metric m, uint64_t seed, uint32_t n)
{
    rvf_hnsw_params p = {.m = 16, .ef_construction = EF_C, .seed = seed};
    rvf_hnsw_source src = {.base = data, .stride = DIM};
    rvf_hnsw *h = NULL;
    CHECK_EQ_INT(rvf_hnsw_create(DIM, m, &p, &src, &h), RVF_OK);
    if (!h)
        return NULL;
    for (uint32_t s = 0; s < n; s++)
        if (rvf_hnsw_add(h, s) != RVF_OK) {
            CHECK(!"rvf_hnsw_add failed");
            break;
        }
    CHECK_EQ_INT(rvf_hnsw_count(h), n);
    return h;
}

static uint32_t truth[NQ][K], truth_n[NQ];

static void compute_truth(rvf_metric m, rvf_hnsw_filter_fn f)
{
    float d[K];
    for (uint32_t qi = 0; qi < NQ; qi++)
        truth_n[qi] = brute(m, queries + (size_t)qi * DIM, N, K, f, truth[qi], d);
}

/* Mean recall@K against truth[]; also checks each result list is sorted by (dist, slot),
 * eligible, and carries the true distance. */
static double recall(rvf_hnsw *h, rvf_metric m, uint32_t ef, rvf_hnsw_filter_fn f)
{
    uint32_t hit = 0, total = 0;
    for (uint32_t qi = 0; qi < NQ; qi++) {
        const float *q = queries + (size_t)qi * DIM;
        uint32_t gs[K], n = 0;
        float gd[K];
        CHECK_EQ_INT(rvf_hnsw_search(h, q, K, ef, f, NULL, gs, gd, &n), RVF_OK);
        CHECK_EQ_INT(n, K);
        for (uint32_t i = 0; i < n; i++) {
            CHECK(!f || f(NULL, gs[i]));
            CHECK_NEAR(gd[i], rvfk_dist_f32(m, q, data + (size_t)gs[i] * DIM, DIM), 1e-4, 1e-4);
            if (i)
                CHECK(gd[i - 1] < gd[i] || (gd[i - 1] == gd[i] && gs[i - 1] < gs[i]));
            for (uint32_t j = 0; j < truth_n[qi]; j++)
                hit += gs[i] == truth[qi][j];
        }
        total += truth_n[qi];
    }
    return (double)hit / total;
}

static void recall_filtered(rvf_hnsw *h, rvf_hnsw_filter_fn f, const char *name)
{
    compute_truth(RVF_METRIC_L2, f);
    double r = recall(h, RVF_METRIC_L2, 128, f);
    printf("  L2 filtered (%s) recall@%d ef=128: %.4f\n", name, K, r);
    CHECK(r >= 0.90);
}

/* With `filters`, the same index also answers filtered queries (saves a build under ASan). */
static void recall_curve(rvf_metric m, const char *name, bool filters)
{
    rvf_hnsw *h = build(m, SEED, N);
    if (!h)
        return;
    compute_truth(m, NULL);
    static const uint32_t efs[] = {16, 32, 64, 128};
    double prev = 0.0;
    for (size_t i = 0; i < 4; i++) {
        double r = recall(h, m, efs[i], NULL);
        printf("  %s recall@%d ef=%u: %.4f\n", name, K, efs[i], r);
        CHECK(r >= prev);
        if (efs[i] == 64)
            CHECK(r >= 0.95);
        prev = r;
    }
    if (filters) {
        recall_filtered(h, even_only, "even slots");
        /* 90% rejected: the walk must cross many ineligible nodes to fill the result set */
        recall_filtered(h, tenth_only, "every 10th slot");
    }
    rvf_hnsw_free(h);
}

/* L2 recall rises with ef; filtered searches return only eligible slots. */
static void test_recall_l2_and_filter(void)
{
    recall_curve(RVF_METRIC_L2, "L2", true);
}

static void test_recall_cosine(void)
{
    recall_curve(RVF_METRIC_COSINE, "cosine", false);
}

/* Quantized traversal: recall at ef 64 stays >= 0.95 and the distances returned are the exact
 * f32 ones (the final beam is re-ranked); rows added after enabling are encoded too. */
static void test_sq8(void)
{
    rvf_hnsw *h = build(RVF_METRIC_L2, SEED, N - 500);
    if (!h)
        return;
    CHECK(!rvf_hnsw_sq8(h));
    CHECK_EQ_INT(rvf_hnsw_enable_sq8(h), RVF_OK);
    CHECK(rvf_hnsw_sq8(h));
    CHECK_EQ_INT(rvf_hnsw_enable_sq8(h), RVF_OK); /* again: no-op */
    for (uint32_t s = N - 500; s < N; s++)
        CHECK_EQ_INT(rvf_hnsw_add(h, s), RVF_OK);
    compute_truth(RVF_METRIC_L2, NULL);
    double r = recall(h, RVF_METRIC_L2, 64, NULL);
    printf("  L2 recall@%d ef=64 walking 8-bit codes: %.4f\n", K, r);
    CHECK(r >= 0.95);
    rvf_hnsw_free(h);
    CHECK_EQ_INT(rvf_hnsw_enable_sq8(NULL), RVF_ERR_INVALID_ARGUMENT);
}

static void test_deterministic(void)
{
    rvf_hnsw *a = build(RVF_METRIC_L2, SEED, 1000), *b = build(RVF_METRIC_L2, SEED, 1000);
    rvf_hnsw *c = build(RVF_METRIC_L2, SEED + 1, 300); /* levels only */
    if (!a || !b || !c)
        goto out;
    uint32_t ea = 0, eb = 1, la = 0, lb = 1;
    CHECK(rvf_hnsw_entry(a, &ea, &la) && rvf_hnsw_entry(b, &eb, &lb));
    CHECK_EQ_INT(ea, eb);
    CHECK_EQ_INT(la, lb);
    CHECK_EQ_INT(rvf_hnsw_level(a, ea), (int32_t)la);
    bool same_levels = true, invariants = true;
    for (uint32_t s = 0; s < 1000; s++) {
        int32_t lv = rvf_hnsw_level(a, s);
        CHECK_EQ_INT(lv, rvf_hnsw_level(b, s));
        if (s < 300)
            same_levels &= lv == rvf_hnsw_level(c, s);
        invariants &= lv >= 0 && lv <= (int32_t)la;
        for (uint32_t l = 0; l <= (uint32_t)lv; l++) {
            uint32_t na, nb;
            const uint32_t *xa = rvf_hnsw_neighbors(a, s, l, &na);
            const uint32_t *xb = rvf_hnsw_neighbors(b, s, l, &nb);
            CHECK_EQ_INT(na, nb);
            if (na == nb && na)
                CHECK_MEM(xa, xb, na * sizeof *xa);
            invariants &= na <= (l ? 16u : 32u) && (s == ea || na > 0);
            for (uint32_t i = 0; i < na; i++)
                invariants &= xa[i] != s && rvf_hnsw_level(a, xa[i]) >= (int32_t)l;
        }
    }
    CHECK(invariants);
    CHECK(!same_levels);
    for (uint32_t qi = 0; qi < NQ; qi++) {
        uint32_t sa[K], sb[K], na, nb;
        float da[K], db[K];
        CHECK_EQ_INT(rvf_hnsw_search(a, queries + qi * DIM, K, 32, NULL, NULL, sa, da, &na), 0);
        CHECK_EQ_INT(rvf_hnsw_search(b, queries + qi * DIM, K, 32, NULL, NULL, sb, db, &nb), 0);
        CHECK_EQ_INT(na, nb);
        CHECK_MEM(sa, sb, sizeof sa);
        CHECK_MEM(da, db, sizeof da);
    }
out:
    rvf_hnsw_free(a);
    rvf_hnsw_free(b);
    rvf_hnsw_free(c);
}

/* A graph copied through the accessors and rvf_hnsw_put_node answers exactly like the original. */
static void test_put_node_round_trip(void)
{
    rvf_hnsw *a = build(RVF_METRIC_COSINE, SEED, 1000), *b = NULL;
    rvf_hnsw_params p = rvf_hnsw_get_params(a);
    CHECK_EQ_INT(p.m0, 32);
    CHECK_EQ_INT(p.ef_construction, EF_C);
    rvf_hnsw_source src = {.base = data, .stride = DIM};
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_COSINE, &p, &src, &b), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_set_entry(b, 0), RVF_ERR_NOT_FOUND);
    for (uint32_t s = 1000; s-- > 0;) { /* reverse order: links name slots not put yet */
        const uint32_t *lists[RVF_HNSW_MAX_LEVEL + 1];
        uint32_t counts[RVF_HNSW_MAX_LEVEL + 1];
        int32_t lv = rvf_hnsw_level(a, s);
        for (int32_t l = 0; l <= lv; l++)
            lists[l] = rvf_hnsw_neighbors(a, s, (uint32_t)l, &counts[l]);
        CHECK_EQ_INT(rvf_hnsw_put_node(b, s, (uint32_t)lv, lists, counts), RVF_OK);
    }
    uint32_t e, lv;
    CHECK(rvf_hnsw_entry(a, &e, &lv));
    CHECK(!rvf_hnsw_entry(b, NULL, NULL));
    CHECK_EQ_INT(rvf_hnsw_set_entry(b, e), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_count(b), 1000);
    CHECK_EQ_INT(rvf_hnsw_slot_limit(b), 1000);
    for (uint32_t qi = 0; qi < 50; qi++) {
        uint32_t sa[K], sb[K], na, nb;
        float da[K], db[K];
        CHECK_EQ_INT(rvf_hnsw_search(a, queries + qi * DIM, K, 40, NULL, NULL, sa, da, &na), 0);
        CHECK_EQ_INT(rvf_hnsw_search(b, queries + qi * DIM, K, 40, NULL, NULL, sb, db, &nb), 0);
        CHECK_EQ_INT(nb, K);
        CHECK_MEM(sa, sb, sizeof sa);
        CHECK_MEM(da, db, sizeof da);
    }
    /* rejections: present slot, over capacity, self-link */
    uint32_t big[33] = {0}, self = 5000, one = 1;
    const uint32_t *lb[1] = {big}, *ls[1] = {&self};
    uint32_t c33 = 33;
    CHECK_EQ_INT(rvf_hnsw_put_node(b, 3, 0, lb, &one), RVF_ERR_ALREADY_EXISTS);
    CHECK_EQ_INT(rvf_hnsw_put_node(b, 2000, 0, lb, &c33), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_put_node(b, 5000, 0, ls, &one), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_put_node(b, 5, 0, ls, &one), RVF_ERR_ALREADY_EXISTS);
    CHECK_EQ_INT(rvf_hnsw_count(b), 1000);
    rvf_hnsw_free(a);
    rvf_hnsw_free(b);
}

static const float *get_row(void *ctx, uint32_t slot)
{
    return (const float *)ctx + (size_t)slot * DIM;
}

/* Small graphs through the callback source: k > n returns all n, exactly the brute force order;
 * sparse slots; n = 0 and n = 1. */
static void test_small_and_edges(void)
{
    rvf_hnsw_source src = {.get = get_row, .ctx = data};
    rvf_hnsw *h = NULL;
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_IP, NULL, &src, &h), RVF_OK);
    if (!h)
        return;
    uint32_t s[64], n = 99, e;
    float d[64];
    /* n = 0 */
    CHECK_EQ_INT(rvf_hnsw_search(h, queries, K, 64, NULL, NULL, s, d, &n), RVF_OK);
    CHECK_EQ_INT(n, 0);
    CHECK(!rvf_hnsw_entry(h, &e, NULL));
    CHECK_EQ_INT(rvf_hnsw_slot_limit(h), 0);
    /* n = 1 at a sparse slot */
    CHECK_EQ_INT(rvf_hnsw_add(h, 40), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_search(h, queries, K, 0, NULL, NULL, s, d, &n), RVF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(s[0], 40);
    CHECK_EQ_BITS(d[0], rvfk_ops_best()->dist_f32(RVF_METRIC_IP, queries, data + 40 * DIM, DIM));
    CHECK_EQ_INT(rvf_hnsw_search(h, queries, 1, 8, even_only, NULL, s, d, &n), RVF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rvf_hnsw_search(h, queries, 0, 8, NULL, NULL, s, d, &n), RVF_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(rvf_hnsw_level(h, 39), -1);
    CHECK_EQ_INT(rvf_hnsw_slot_limit(h), 41);
    CHECK(rvf_hnsw_entry(h, &e, NULL) && e == 40);
    /* 30 slots (every third of 0..87 plus 40): k = 64 > n returns all, in brute-force order */
    for (uint32_t i = 0; i < 90; i += 3)
        CHECK_EQ_INT(rvf_hnsw_add(h, i), i == 40 ? RVF_ERR_ALREADY_EXISTS : RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_add(h, 40), RVF_ERR_ALREADY_EXISTS);
    CHECK_EQ_INT(rvf_hnsw_add(h, UINT32_MAX), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_count(h), 31);
    uint32_t cnt;
    CHECK(rvf_hnsw_neighbors(h, 41, 0, &cnt) == NULL && cnt == 0);
    CHECK(rvf_hnsw_neighbors(h, 40, 0, &cnt) != NULL && cnt > 0);
    CHECK(rvf_hnsw_neighbors(h, 40, RVF_HNSW_MAX_LEVEL + 1, &cnt) == NULL && cnt == 0);
    for (uint32_t qi = 0; qi < 20; qi++) {
        const float *q = queries + qi * DIM;
        CHECK_EQ_INT(rvf_hnsw_search(h, q, 64, 16, NULL, NULL, s, d, &n), RVF_OK);
        CHECK_EQ_INT(n, 31);
        /* exact reference over the same 31 slots */
        uint32_t rs[31], rn = 0;
        float rd[31];
        for (uint32_t i = 0; i < 90; i++) {
            if (i % 3 && i != 40)
                continue;
            float dv = rvfk_ops_best()->dist_f32(RVF_METRIC_IP, q, data + i * DIM, DIM);
            uint32_t j = rn++;
            for (; j > 0 && (dv < rd[j - 1] || (dv == rd[j - 1] && i < rs[j - 1])); j--) {
                rd[j] = rd[j - 1];
                rs[j] = rs[j - 1];
            }
            rd[j] = dv;
            rs[j] = i;
        }
        CHECK_MEM(s, rs, sizeof rs);
        CHECK_MEM(d, rd, sizeof rd);
        CHECK_EQ_INT(rvf_hnsw_search(h, q, 64, 16, even_only, NULL, s, NULL, &n), RVF_OK);
        CHECK_EQ_INT(n, 16); /* 0, 6, ..., 84 and 40 */
        for (uint32_t i = 0; i < n; i++)
            CHECK(s[i] % 2 == 0);
    }
    rvf_hnsw_free(h);
}

static void test_create_rejects(void)
{
    rvf_hnsw_source src = {.base = data, .stride = DIM}, bad = {.base = data, .stride = DIM - 1};
    rvf_hnsw_params m1 = {.m = 1}, m0lo = {.m = 16, .m0 = 8};
    rvf_hnsw *h = (rvf_hnsw *)&src;
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_HAMMING, NULL, &src, &h),
                 RVF_ERR_METRIC_UNSUPPORTED);
    CHECK(h == NULL);
    CHECK_EQ_INT(rvf_hnsw_create(DIM, (rvf_metric)9, NULL, &src, &h), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_create(0, RVF_METRIC_L2, NULL, &src, &h), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_L2, NULL, &bad, &h), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_L2, NULL, NULL, &h), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_L2, &m1, &src, &h), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_L2, &m0lo, &src, &h), RVF_ERR_INVALID_ARGUMENT);
    CHECK(h == NULL);
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_L2, NULL, &src, &h), RVF_OK);
    rvf_hnsw_params p = rvf_hnsw_get_params(h);
    CHECK_EQ_INT(p.m, 16);
    CHECK_EQ_INT(p.m0, 32);
    CHECK_EQ_INT(p.ef_construction, 200);
    CHECK_EQ_INT(rvf_hnsw_dim(h), DIM);
    CHECK_EQ_INT(rvf_hnsw_metric(h), RVF_METRIC_L2);
    CHECK_EQ_INT(rvf_hnsw_set_entry(h, 0), RVF_ERR_NOT_FOUND);
    rvf_hnsw_free(h);
    rvf_hnsw_free(NULL);
}

/* ---- rvf_hnsw_add_range --------------------------------------------------------------------- */
typedef struct progress_log {
    uint64_t calls, last_done, total;
    bool monotone;
} progress_log;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress_log *p = ctx;
    p->monotone &= done >= p->last_done && done <= total && (p->calls == 0 || total == p->total);
    p->calls++;
    p->last_done = done;
    p->total = total;
}

/* Same levels, lists and entry point in both graphs over slots [0, n). */
static void check_same_graph(rvf_hnsw *a, rvf_hnsw *b, uint32_t n)
{
    uint32_t ea = 0, eb = 1, la = 0, lb = 1;
    CHECK(rvf_hnsw_entry(a, &ea, &la) && rvf_hnsw_entry(b, &eb, &lb));
    CHECK_EQ_INT(ea, eb);
    CHECK_EQ_INT(la, lb);
    CHECK_EQ_INT(rvf_hnsw_count(a), rvf_hnsw_count(b));
    uint32_t diff = 0;
    for (uint32_t s = 0; s < n; s++) {
        int32_t lv = rvf_hnsw_level(a, s);
        diff += lv != rvf_hnsw_level(b, s);
        for (uint32_t l = 0; lv >= 0 && l <= (uint32_t)lv; l++) {
            uint32_t na, nb;
            const uint32_t *xa = rvf_hnsw_neighbors(a, s, l, &na);
            const uint32_t *xb = rvf_hnsw_neighbors(b, s, l, &nb);
            diff += na != nb || (na && memcmp(xa, xb, na * sizeof *xa) != 0);
        }
    }
    CHECK_EQ_INT(diff, 0);
}

/* threads 1 is rvf_hnsw_add in order: the same graph, bit for bit, in two ranges; progress ends
 * with done == total; bad ranges are rejected before any change. */
static void test_add_range_serial(void)
{
    rvf_hnsw *a = build(RVF_METRIC_L2, SEED, 2000), *b = NULL;
    rvf_hnsw_params p = {.m = 16, .ef_construction = EF_C, .seed = SEED};
    rvf_hnsw_source src = {.base = data, .stride = DIM};
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_L2, &p, &src, &b), RVF_OK);
    if (!a || !b)
        goto out;
    progress_log pl = {.monotone = true};
    CHECK_EQ_INT(rvf_hnsw_add_range(b, 0, 0, 1, on_progress, &pl), RVF_OK); /* count 0 */
    CHECK(pl.calls == 1 && pl.last_done == 0 && pl.total == 0);
    pl = (progress_log){.monotone = true};
    CHECK_EQ_INT(rvf_hnsw_add_range(b, 0, 700, 1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_add_range(b, 700, 1300, 0, on_progress, &pl), RVF_OK);
    CHECK(pl.monotone);
    CHECK_EQ_INT(pl.calls, 2); /* at 1024, then 1300 of 1300 */
    CHECK_EQ_U64(pl.last_done, 1300);
    CHECK_EQ_U64(pl.total, 1300);
    check_same_graph(a, b, 2000);
    /* the RNG moved the same way: the next insert draws the same level */
    CHECK_EQ_INT(rvf_hnsw_add(a, 2000), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_add_range(b, 2000, 1, 1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_level(a, 2000), rvf_hnsw_level(b, 2000));
    /* rejections, before any change: a present slot in the range, a range reaching UINT32_MAX */
    CHECK_EQ_INT(rvf_hnsw_add_range(b, 1990, 20, 2, NULL, NULL), RVF_ERR_ALREADY_EXISTS);
    CHECK_EQ_INT(rvf_hnsw_add_range(b, 1999, 20, 1, NULL, NULL), RVF_ERR_ALREADY_EXISTS);
    CHECK_EQ_INT(rvf_hnsw_add_range(b, UINT32_MAX, 1, 1, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_add_range(b, UINT32_MAX - 5, 6, 2, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_add_range(b, 1, UINT32_MAX, 2, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_add_range(NULL, 0, 1, 1, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hnsw_count(b), 2001);
    CHECK_EQ_INT(rvf_hnsw_slot_limit(b), 2001);
    check_same_graph(a, b, 2001);
out:
    rvf_hnsw_free(a);
    rvf_hnsw_free(b);
}

/* Invariants of a graph over slots [0, n): every node present, lists within capacity, no self or
 * duplicate links, links only to nodes on that layer, a bottom link for every node. Returns the
 * number of violations. */
static uint32_t graph_violations(rvf_hnsw *h, uint32_t n)
{
    uint32_t bad = 0, top = 0;
    CHECK(rvf_hnsw_entry(h, NULL, &top));
    for (uint32_t s = 0; s < n; s++) {
        int32_t lv = rvf_hnsw_level(h, s);
        bad += lv < 0 || lv > (int32_t)top;
        for (uint32_t l = 0; lv >= 0 && l <= (uint32_t)lv; l++) {
            uint32_t c;
            const uint32_t *x = rvf_hnsw_neighbors(h, s, l, &c);
            bad += c > (l ? 16u : 32u) || (l == 0 && c == 0);
            for (uint32_t i = 0; i < c; i++) {
                bad += x[i] == s || rvf_hnsw_level(h, x[i]) < (int32_t)l;
                for (uint32_t j = 0; j < i; j++)
                    bad += x[i] == x[j];
            }
        }
    }
    return bad;
}

/* threads 2 from an empty graph (L2, base+stride rows) and threads 4 after 500 serial inserts
 * (cosine, rows through the get callback, which then runs on several threads): recall@10 at ef 64
 * >= 0.95, valid lists, the levels of the serial build, the new nodes and every node that gained
 * a link to one dirty, progress ending at done == total. */
static void add_range_threads(rvf_metric m, uint32_t threads, uint32_t pre, bool callback)
{
    rvf_hnsw_params p = {.m = 16, .ef_construction = EF_C, .seed = SEED};
    /* ref: a serial build, only for its levels (they depend on seed and M, not on ef) */
    rvf_hnsw_params pr = {.m = 16, .ef_construction = 1, .seed = SEED};
    rvf_hnsw_source src = {.base = data, .stride = DIM}, cb = {.get = get_row, .ctx = data};
    rvf_hnsw *h = NULL, *ref = NULL;
    CHECK_EQ_INT(rvf_hnsw_create(DIM, m, &pr, &src, &ref), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_create(DIM, m, &p, callback ? &cb : &src, &h), RVF_OK);
    if (!h || !ref)
        goto out;
    for (uint32_t s = 0; s < pre; s++)
        CHECK_EQ_INT(rvf_hnsw_add(h, s), RVF_OK);
    rvf_hnsw_clear_dirty(h);
    progress_log pl = {.monotone = true};
    CHECK_EQ_INT(rvf_hnsw_add_range(h, pre, N - pre, threads, on_progress, &pl), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_add_range(ref, 0, N, 1, NULL, NULL), RVF_OK);
    CHECK(pl.monotone && pl.calls >= 1);
    CHECK_EQ_U64(pl.last_done, N - pre);
    CHECK_EQ_U64(pl.total, N - pre);
    CHECK_EQ_INT(rvf_hnsw_count(h), N);
    CHECK_EQ_INT(rvf_hnsw_slot_limit(h), N);
    CHECK_EQ_INT(graph_violations(h, N), 0);
    uint32_t top_h = 0, top_r = 1, same_level = 0, clean_new = 0, clean_linked = 0;
    CHECK(rvf_hnsw_entry(h, NULL, &top_h) && rvf_hnsw_entry(ref, NULL, &top_r));
    CHECK_EQ_INT(top_h, top_r);
    for (uint32_t s = 0; s < N; s++) {
        same_level += rvf_hnsw_level(h, s) == rvf_hnsw_level(ref, s);
        clean_new += s >= pre && !rvf_hnsw_is_dirty(h, s);
        for (int32_t l = 0; s < pre && l <= rvf_hnsw_level(h, s); l++) {
            uint32_t c;
            const uint32_t *x = rvf_hnsw_neighbors(h, s, (uint32_t)l, &c);
            for (uint32_t i = 0; i < c; i++)
                clean_linked += x[i] >= pre && !rvf_hnsw_is_dirty(h, s);
        }
    }
    CHECK_EQ_INT(same_level, N);
    CHECK_EQ_INT(clean_new, 0);
    CHECK_EQ_INT(clean_linked, 0);
    compute_truth(m, NULL);
    double r = recall(h, m, 64, NULL);
    printf("  %s, %u threads (%u inserted first): recall@%d ef=64 %.4f\n",
           m == RVF_METRIC_L2 ? "L2" : "cosine", threads, pre, K, r);
    CHECK(r >= 0.95);
out:
    rvf_hnsw_free(h);
    rvf_hnsw_free(ref);
}

static void test_add_range_threads(void)
{
    add_range_threads(RVF_METRIC_L2, 2, 0, false);
    add_range_threads(RVF_METRIC_COSINE, 4, 500, true);
}

static long alloc_budget;

static void *lim_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return alloc_budget-- > 0 ? malloc(n ? n : 1) : NULL;
}

static void *lim_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return alloc_budget-- > 0 ? realloc(p, n ? n : 1) : NULL;
}

static void lim_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

/* Every allocation failure point: add and search report OUT_OF_MEMORY or succeed, the index stays
 * searchable, nothing leaks (LeakSanitizer) and nothing crashes. */
static void test_out_of_memory(void)
{
    static const rvf_allocator lim = {lim_alloc, lim_realloc, lim_free, NULL};
    rvf_hnsw_params p = {.m = 4, .ef_construction = 16, .seed = 7};
    rvf_hnsw_source src = {.base = data, .stride = DIM};
    bool finished = false;
    int bad = 0;
    long budget = 0;
    for (; budget < 2000 && !finished; budget++) {
        alloc_budget = budget;
        rvf_set_allocator(&lim);
        rvf_hnsw *h = NULL;
        rvf_status st = rvf_hnsw_create(DIM, RVF_METRIC_L2, &p, &src, &h);
        bool oom = st != RVF_OK;
        bad += oom && st != RVF_ERR_OUT_OF_MEMORY;
        for (uint32_t s = 0; h && s < 60; s++) {
            st = rvf_hnsw_add(h, s);
            bad += st != RVF_OK && st != RVF_ERR_OUT_OF_MEMORY;
            oom |= st != RVF_OK;
        }
        uint32_t out[K], n = 0;
        if (h) {
            st = rvf_hnsw_search(h, queries, K, 16, even_only, NULL, out, NULL, &n);
            bad += st != RVF_OK && st != RVF_ERR_OUT_OF_MEMORY;
            oom |= st != RVF_OK;
        }
        rvf_set_allocator(NULL);
        if (h) { /* with memory back, the damaged index still answers with eligible slots */
            bad += rvf_hnsw_search(h, queries, K, 16, even_only, NULL, out, NULL, &n) != RVF_OK;
            for (uint32_t i = 0; i < n; i++)
                bad += out[i] % 2 != 0 || out[i] >= 60;
        }
        rvf_hnsw_free(h);
        finished = !oom;
    }
    printf("  out-of-memory sweep: %ld allocation failure points\n", budget - 1);
    CHECK(finished && budget > 15);
    CHECK_EQ_INT(bad, 0);
}

/* The threaded build under every allocation failure point: OK, or OUT_OF_MEMORY with either no
 * node added (setup) or all of them present; the index stays searchable; nothing leaks. The
 * counting allocator is not thread-safe, which add_range promises not to need. */
static void test_add_range_out_of_memory(void)
{
    static const rvf_allocator lim = {lim_alloc, lim_realloc, lim_free, NULL};
    rvf_hnsw_params p = {.m = 4, .ef_construction = 16, .seed = 7};
    rvf_hnsw_source src = {.base = data, .stride = DIM};
    bool finished = false;
    int bad = 0;
    long budget = 0;
    for (; budget < 2000 && !finished; budget++) {
        alloc_budget = budget;
        rvf_set_allocator(&lim);
        rvf_hnsw *h = NULL;
        rvf_status st = rvf_hnsw_create(DIM, RVF_METRIC_L2, &p, &src, &h);
        bool oom = st != RVF_OK;
        if (h && (st = rvf_hnsw_add(h, 0)) != RVF_OK) /* a non-empty start */
            oom = true;
        if (h && st == RVF_OK) {
            st = rvf_hnsw_add_range(h, 1, 99, 2, NULL, NULL);
            bad += st != RVF_OK && st != RVF_ERR_OUT_OF_MEMORY;
            bad += st != RVF_OK && rvf_hnsw_count(h) != 1 && rvf_hnsw_count(h) != 100;
            bad += st == RVF_OK && rvf_hnsw_count(h) != 100;
            oom |= st != RVF_OK;
        }
        rvf_set_allocator(NULL);
        if (h) {
            uint32_t out[K], n = 0;
            bad += rvf_hnsw_search(h, queries, K, 16, NULL, NULL, out, NULL, &n) != RVF_OK;
            for (uint32_t i = 0; i < n; i++)
                bad += out[i] >= 100;
        }
        rvf_hnsw_free(h);
        finished = !oom;
    }
    printf("  threaded out-of-memory sweep: %ld allocation failure points\n", budget - 1);
    CHECK(finished && budget > 10);
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    make_data();
    RVF_TEST_RUN(test_create_rejects);
    RVF_TEST_RUN(test_small_and_edges);
    RVF_TEST_RUN(test_recall_l2_and_filter);
    RVF_TEST_RUN(test_recall_cosine);
    RVF_TEST_RUN(test_sq8);
    RVF_TEST_RUN(test_deterministic);
    RVF_TEST_RUN(test_put_node_round_trip);
    RVF_TEST_RUN(test_out_of_memory);
    RVF_TEST_RUN(test_add_range_serial);
    RVF_TEST_RUN(test_add_range_threads);
    RVF_TEST_RUN(test_add_range_out_of_memory);
    return rvf_test_finish();
}

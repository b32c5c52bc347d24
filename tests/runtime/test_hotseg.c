/* test_hotseg.c: HOT_SEG codec, builder and search (rvf_hotseg.c): a hand-checked payload, round
 * trips (f16, SQ, f32, bf16), every rejection with its status, truncation at every byte, bit
 * flips (run under ASan), rank order and byte budgets, search recall and re-ranking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_hotseg.h"
#include "rvf_test.h"

#define N   2000
#define DIM 16
#define NQ  50
#define K   10

static float data[N * DIM], queries[NQ * DIM];
static rvf_test_rng rng = {0xB0BACAFEF00Dull};
static const rvf_hnsw_source src = {.base = data, .stride = DIM};
static rvf_hnsw *graph;
static rvf_quant sq;

static void setup(void)
{
    for (size_t i = 0; i < N * DIM; i++)
        data[i] = rvf_test_unit(&rng);
    for (size_t i = 0; i < NQ * DIM; i++)
        queries[i] = rvf_test_unit(&rng);
    rvf_hnsw_params p = {.m = 8, .ef_construction = 64, .seed = 11};
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_L2, &p, &src, &graph), RVF_OK);
    for (uint32_t s = 0; graph && s < N; s++)
        CHECK_EQ_INT(rvf_hnsw_add(graph, s), RVF_OK);
    CHECK_EQ_INT(rvf_sq_train(data, N, DIM, DIM, &sq), RVF_OK);
}

/* Two entries by hand: dim 4, f16, neighbor_m 2. */
static const uint8_t example[192] = {
    /* header: count 2, dim 4, dtype f16, neighbor_m 2 */
    0x02,
    0x00,
    0x00,
    0x00,
    0x04,
    0x00,
    0x01,
    0x02,
    0x00,
    [64] =
        /* entry id 7: 1, -2, 0.5, 0 (f16), 2 neighbours 3, 9 */
    0x07,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x00,
    0x3C,
    0x00,
    0xC0,
    0x00,
    0x38,
    0x00,
    0x00,
    0x02,
    0x00,
    0x03,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x09,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    [128] =
        /* entry id 3: 0, 0, 0, 1, no neighbours */
    0x03,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x3C,
    0x00,
    0x00};

static void test_example(void)
{
    CHECK_EQ_U64(rvf_hotseg_entry_size(384, RVF_HOT_F16, 16), 960); /* §5.4 example */
    CHECK_EQ_U64(rvf_hotseg_entry_size(4, RVF_HOT_F16, 2), 64);
    CHECK_EQ_U64(rvf_hotseg_entry_size(4, RVF_HOT_F32, 6), 128); /* 10 + 16 + 48 = 74 */
    CHECK_EQ_U64(rvf_hotseg_entry_size(4, 5, 0), 0);
    rvf_hotseg hs;
    CHECK_EQ_INT(rvf_hotseg_decode(example, sizeof example, 4, 10, &hs), RVF_OK);
    CHECK_EQ_INT(hs.count, 2);
    CHECK_EQ_INT(hs.dim, 4);
    CHECK_EQ_INT(hs.dtype, RVF_HOT_F16);
    CHECK_EQ_INT(hs.neighbor_m, 2);
    if (hs.count == 2) {
        CHECK_EQ_U64(hs.ids[0], 7);
        CHECK_EQ_U64(hs.ids[1], 3);
        CHECK_EQ_INT(((uint16_t *)hs.vectors)[1], 0xC000);
        CHECK_EQ_INT(((uint16_t *)hs.vectors)[7], 0x3C00);
        CHECK_EQ_INT(hs.nb_off[1], 2);
        CHECK_EQ_INT(hs.nb_off[2], 2);
        CHECK_EQ_U64(hs.nb[1], 9);
        CHECK_EQ_INT(rvf_hotseg_find(&hs, 3), 1);
        CHECK_EQ_INT(rvf_hotseg_find(&hs, 7), 0);
        CHECK_EQ_INT(rvf_hotseg_find(&hs, 4), -1);
        const float q[4] = {1, 0, 0, 0};
        CHECK_EQ_BITS(rvf_hotseg_dist(&hs, NULL, RVF_METRIC_L2, q, 0), 4.25f); /* 0+4+.25+0 */
        CHECK_EQ_BITS(rvf_hotseg_dist(&hs, NULL, RVF_METRIC_IP, q, 0), -1.0f);
        CHECK(isnan(rvf_hotseg_dist(&hs, NULL, RVF_METRIC_L2, q, 2)));
    }
    rvf_buf b;
    rvf_buf_init(&b);
    rvf_buf_u8(&b, 0xEE); /* padding is relative to where the payload starts */
    CHECK_EQ_INT(rvf_hotseg_encode(&b, &hs), RVF_OK);
    CHECK_EQ_U64(b.len, 1 + sizeof example);
    if (b.len == 1 + sizeof example)
        CHECK_MEM(b.data + 1, example, sizeof example);
    rvf_buf_free(&b);
    rvf_hotseg_free(&hs);
    /* The last entry's final pad may be cut; its content may not. Trailing bytes are ignored. */
    CHECK_EQ_INT(rvf_hotseg_decode(example, 128 + 18, 0, 0, &hs), RVF_OK);
    rvf_hotseg_free(&hs);
    CHECK_EQ_INT(rvf_hotseg_decode(example, 128 + 17, 0, 0, &hs), RVF_ERR_TRUNCATED_SEGMENT);
    uint8_t longer[256] = {0};
    memcpy(longer, example, sizeof example);
    longer[250] = 0x55;
    CHECK_EQ_INT(rvf_hotseg_decode(longer, sizeof longer, 0, 0, &hs), RVF_OK);
    rvf_hotseg_free(&hs);
    /* An empty segment is the header alone. */
    uint8_t empty[64] = {0, 0, 0, 0, 8, 0, RVF_HOT_SQ};
    CHECK_EQ_INT(rvf_hotseg_decode(empty, 64, 8, 0, &hs), RVF_OK);
    CHECK_EQ_INT(hs.count, 0);
    uint32_t n = 9;
    rvf_slot_hit hit[1];
    const float q8[8] = {0};
    CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_L2, q8, 1, NULL, hit, &n),
                 RVF_ERR_INVALID_ARGUMENT); /* SQ without its quantizer */
    rvf_hotseg_free(&hs);
}

static rvf_status patched(size_t at, uint8_t v, uint16_t expect_dim, uint64_t limit)
{
    uint8_t tmp[sizeof example];
    memcpy(tmp, example, sizeof tmp);
    tmp[at] = v;
    rvf_hotseg hs;
    rvf_status st = rvf_hotseg_decode(tmp, sizeof tmp, expect_dim, limit, &hs);
    if (st != RVF_OK)
        CHECK(hs.count == 0 && hs.ids == NULL);
    rvf_hotseg_free(&hs);
    return st;
}

static void test_rejections(void)
{
    rvf_hotseg hs;
    CHECK_EQ_INT(rvf_hotseg_decode(example, sizeof example, 0, 0, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hotseg_decode(NULL, 5, 0, 0, &hs), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hotseg_decode(NULL, 0, 0, 0, &hs), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(rvf_hotseg_decode(example, 63, 0, 0, &hs), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(patched(6, 5, 0, 0), RVF_ERR_INVALID_MANIFEST); /* i4: not element-addressable */
    CHECK_EQ_INT(patched(6, 0xFF, 0, 0), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(patched(4, 0, 0, 0), RVF_ERR_INVALID_MANIFEST);   /* dim 0 */
    CHECK_EQ_INT(patched(4, 4, 5, 0), RVF_ERR_DIMENSION_MISMATCH); /* expect 5 */
    CHECK_EQ_INT(patched(4, 5, 0, 0), RVF_ERR_INVALID_MANIFEST);   /* dim 5: count reads 3 > m */
    CHECK_EQ_INT(patched(4, 40, 0, 0), RVF_ERR_TRUNCATED_SEGMENT); /* dim 40: entry 2 runs past */
    CHECK_EQ_INT(patched(0, 3, 0, 0), RVF_ERR_TRUNCATED_SEGMENT);  /* a third entry */
    CHECK_EQ_INT(patched(6, RVF_HOT_F32, 0, 0), RVF_OK); /* 4-byte elements: counts read 0, fits */
    CHECK_EQ_INT(patched(6, RVF_HOT_I8, 0, 0), RVF_ERR_INVALID_MANIFEST); /* count 0x3800 */
    CHECK_EQ_INT(patched(7, 1, 0, 0), RVF_ERR_INVALID_MANIFEST);          /* 2 neighbours > m 1 */
    CHECK_EQ_INT(patched(64 + 16, 9, 0, 0), RVF_ERR_INVALID_MANIFEST);    /* count 9 > m */
    CHECK_EQ_INT(patched(64 + 16, 0, 0, 0), RVF_OK);                      /* 0 neighbours: fine */
    CHECK_EQ_INT(patched(64 + 18, 7, 0, 0), RVF_ERR_INVALID_MANIFEST);    /* self link */
    CHECK_EQ_INT(patched(64 + 26, 3, 0, 0), RVF_OK);                   /* neighbour 3 twice: fine */
    CHECK_EQ_INT(patched(128, 7, 0, 0), RVF_ERR_INVALID_MANIFEST);     /* id 7 twice: not */
    CHECK_EQ_INT(patched(64 + 3, 1, 0, 0), RVF_OK);                    /* id 2^24 + 7, no limit */
    CHECK_EQ_INT(patched(64 + 3, 1, 0, 10), RVF_ERR_INVALID_MANIFEST); /* above the limit */
    CHECK_EQ_INT(patched(64 + 4, 1, 0, 0), RVF_ERR_INVALID_MANIFEST);  /* id 2^32 + 7 */
    CHECK_EQ_INT(patched(64 + 7, 0x80, 0, 0), RVF_ERR_INVALID_MANIFEST); /* id >= 2^32 - 1 */
    CHECK_EQ_INT(patched(64 + 25, 0x80, 0, 0), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(patched(0x20, 0x99, 0, 0), RVF_OK); /* reserved header bytes are ignored */
    CHECK_EQ_INT(patched(100, 0x99, 0, 0), RVF_OK);  /* and pads */
    /* slot_limit bounds every id, neighbours included */
    CHECK_EQ_INT(patched(0x20, 0, 0, 10), RVF_OK);
    CHECK_EQ_INT(patched(0x20, 0, 0, 9), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(patched(0x20, 0, 0, 8), RVF_ERR_INVALID_MANIFEST);

    /* The encoder refuses what the decoder would. */
    CHECK_EQ_INT(rvf_hotseg_decode(example, sizeof example, 0, 0, &hs), RVF_OK);
    rvf_buf b;
    rvf_buf_init(&b);
    hs.nb[0] = 7; /* self */
    CHECK_EQ_INT(rvf_hotseg_encode(&b, &hs), RVF_ERR_INVALID_ARGUMENT);
    hs.nb[0] = 3;
    hs.ids[1] = 7; /* duplicate */
    CHECK_EQ_INT(rvf_hotseg_encode(&b, &hs), RVF_ERR_INVALID_ARGUMENT);
    hs.ids[1] = UINT32_MAX;
    CHECK_EQ_INT(rvf_hotseg_encode(&b, &hs), RVF_ERR_INVALID_ARGUMENT);
    hs.ids[1] = 3;
    hs.neighbor_m = 1;
    CHECK_EQ_INT(rvf_hotseg_encode(&b, &hs), RVF_ERR_INVALID_ARGUMENT);
    hs.neighbor_m = 2;
    hs.dtype = 6;
    CHECK_EQ_INT(rvf_hotseg_encode(&b, &hs), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_U64(b.len, 0);
    hs.dtype = RVF_HOT_F16;
    CHECK_EQ_INT(rvf_hotseg_encode(&b, &hs), RVF_OK);
    CHECK_EQ_U64(b.len, sizeof example);
    rvf_buf_free(&b);
    rvf_hotseg_free(&hs);
    rvf_hotseg_free(NULL);
}

static uint8_t *encode_copy(const rvf_hotseg *hs, size_t *len)
{
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_hotseg_encode(&b, hs), RVF_OK);
    *len = b.len;
    return b.data;
}

static void check_same(const rvf_hotseg *a, const rvf_hotseg *b)
{
    CHECK_EQ_INT(a->count, b->count);
    CHECK_EQ_INT(a->dim, b->dim);
    CHECK_EQ_INT(a->dtype, b->dtype);
    CHECK_EQ_INT(a->neighbor_m, b->neighbor_m);
    if (a->count != b->count || a->dim != b->dim || a->dtype != b->dtype)
        return;
    size_t es = a->dtype == RVF_HOT_F32 ? 4 : a->dtype <= RVF_HOT_BF16 ? 2 : 1;
    CHECK(memcmp(a->ids, b->ids, a->count * sizeof *a->ids) == 0);
    CHECK(memcmp(a->vectors, b->vectors, (size_t)a->count * a->dim * es) == 0);
    CHECK(memcmp(a->nb_off, b->nb_off, (a->count + 1) * sizeof *a->nb_off) == 0);
    CHECK(memcmp(a->nb, b->nb, a->nb_off[a->count] * sizeof *a->nb) == 0);
}

static void test_round_trip(void)
{
    static const uint8_t dtypes[] = {RVF_HOT_F16, RVF_HOT_SQ, RVF_HOT_F32, RVF_HOT_BF16};
    uint32_t slots[300];
    for (uint32_t i = 0; i < 300; i++)
        slots[i] = (i * 7919u) % N;
    for (size_t t = 0; t < 4; t++) {
        rvf_hotseg_params p = {.dtype = dtypes[t], .sq = &sq, .neighbor_m = 6};
        rvf_hotseg hs, d;
        CHECK_EQ_INT(rvf_hotseg_build(graph, &src, 0, slots, 300, &p, &hs), RVF_OK);
        CHECK_EQ_INT(hs.count, 300);
        CHECK_EQ_INT(hs.neighbor_m, 6);
        size_t len = 0;
        uint8_t *bytes = encode_copy(&hs, &len);
        size_t want = 64;
        for (uint32_t i = 0; i < hs.count; i++)
            want += rvf_hotseg_entry_size(DIM, dtypes[t], hs.nb_off[i + 1] - hs.nb_off[i]);
        CHECK_EQ_U64(len, want);
        CHECK_EQ_INT(rvf_hotseg_decode(bytes, len, DIM, N, &d), RVF_OK);
        check_same(&hs, &d);
        size_t len2 = 0;
        uint8_t *again = encode_copy(&d, &len2);
        CHECK_EQ_U64(len2, len);
        CHECK(len2 == len && memcmp(again, bytes, len) == 0);
        /* ids ascending, each stored neighbour a layer-0 link of the entry, at most m */
        int bad = 0;
        for (uint32_t i = 0; i < hs.count; i++) {
            bad += i && hs.ids[i] <= hs.ids[i - 1];
            uint32_t c = 0;
            const uint32_t *nb = rvf_hnsw_neighbors(graph, (uint32_t)hs.ids[i], 0, &c);
            uint32_t want_n = c < 6 ? c : 6;
            bad += hs.nb_off[i + 1] - hs.nb_off[i] != want_n;
            for (uint32_t j = hs.nb_off[i]; j < hs.nb_off[i + 1]; j++) {
                bool found = false;
                for (uint32_t x = 0; x < c; x++)
                    found |= nb[x] == hs.nb[j];
                bad += !found || (j > hs.nb_off[i] && hs.nb[j] <= hs.nb[j - 1]);
            }
        }
        CHECK_EQ_INT(bad, 0);
        if (dtypes[t] == RVF_HOT_F32) /* f32 keeps the rows exactly */
            CHECK(memcmp((float *)hs.vectors + 5 * DIM, data + (size_t)hs.ids[5] * DIM,
                         DIM * sizeof(float)) == 0);
        free(bytes);
        free(again);
        rvf_hotseg_free(&hs);
        rvf_hotseg_free(&d);
    }
    /* Duplicated slots collapse; no graph means no neighbours. */
    uint32_t dup[] = {5, 9, 5, 1};
    rvf_hotseg hs;
    CHECK_EQ_INT(rvf_hotseg_build(NULL, &src, DIM, dup, 4, NULL, &hs), RVF_OK);
    CHECK_EQ_INT(hs.count, 3);
    CHECK_EQ_INT(hs.neighbor_m, 0);
    if (hs.count == 3)
        CHECK(hs.ids[0] == 1 && hs.ids[1] == 5 && hs.ids[2] == 9 && hs.nb_off[3] == 0);
    rvf_hotseg_free(&hs);
    /* Builder argument checks. */
    rvf_hotseg_params bad_sq = {.dtype = RVF_HOT_SQ};
    CHECK_EQ_INT(rvf_hotseg_build(graph, &src, 0, dup, 4, &bad_sq, &hs), RVF_ERR_INVALID_ARGUMENT);
    rvf_hotseg_params i8 = {.dtype = RVF_HOT_I8};
    CHECK_EQ_INT(rvf_hotseg_build(graph, &src, 0, dup, 4, &i8, &hs), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_hotseg_build(graph, &src, DIM + 1, dup, 4, NULL, &hs),
                 RVF_ERR_INVALID_ARGUMENT);
    rvf_hotseg_params budget = {.dtype = RVF_HOT_F16, .byte_budget = 4096};
    CHECK_EQ_INT(rvf_hotseg_build(NULL, &src, DIM, dup, 4, &budget, &hs), RVF_ERR_INVALID_ARGUMENT);
    uint32_t max_slot = UINT32_MAX;
    CHECK_EQ_INT(rvf_hotseg_build(NULL, &src, DIM, &max_slot, 1, NULL, &hs),
                 RVF_ERR_INVALID_ARGUMENT);
}

static void test_rank_budget(void)
{
    uint32_t *order = malloc(N * sizeof *order), n = 0;
    if (!order)
        return;
    CHECK_EQ_INT(rvf_hotseg_rank(graph, order, N, &n), RVF_OK);
    CHECK_EQ_INT(n, N);
    uint32_t ep = 0, top = 0;
    rvf_hnsw_entry(graph, &ep, &top);
    CHECK_EQ_INT(rvf_hnsw_level(graph, order[0]), (int32_t)top);
    int bad = 0;
    for (uint32_t i = 1; i < n; i++)
        bad += rvf_hnsw_level(graph, order[i]) > rvf_hnsw_level(graph, order[i - 1]);
    CHECK_EQ_INT(bad, 0);
    /* Budget: slots first, then rank order; the payload never exceeds the budget and one more
     * entry would. */
    static const size_t budgets[] = {64, 1000, 20000, 100000, 10000000};
    for (size_t b = 0; b < 5; b++) {
        rvf_hotseg_params p = {.dtype = RVF_HOT_F16, .byte_budget = budgets[b]};
        uint32_t first[] = {1999, 1998};
        rvf_hotseg hs;
        CHECK_EQ_INT(rvf_hotseg_build(graph, &src, 0, first, 2, &p, &hs), RVF_OK);
        size_t len = 0;
        uint8_t *bytes = encode_copy(&hs, &len);
        CHECK(len <= budgets[b]);
        if (budgets[b] == 10000000) {
            CHECK_EQ_INT(hs.count, N);
        } else if (budgets[b] > 64) {
            CHECK(len + rvf_hotseg_entry_size(DIM, RVF_HOT_F16, 8) > budgets[b]);
            CHECK(rvf_hotseg_find(&hs, 1999) >= 0 && rvf_hotseg_find(&hs, 1998) >= 0);
            CHECK(rvf_hotseg_find(&hs, order[0]) >= 0);
        } else {
            CHECK_EQ_INT(hs.count, 0);
        }
        printf("budget %zu: %u entries, %zu bytes\n", budgets[b], hs.count, len);
        free(bytes);
        rvf_hotseg_free(&hs);
    }
    free(order);
}

static const float *row_cb(void *ctx, uint32_t slot)
{
    (void)ctx;
    return slot < N ? data + (size_t)slot * DIM : NULL;
}

static const float *even_rows(void *ctx, uint32_t slot)
{
    (void)ctx;
    return slot % 2 == 0 ? data + (size_t)slot * DIM : NULL;
}

static bool not_mult3(void *ctx, uint32_t slot)
{
    (void)ctx;
    return slot % 3 != 0;
}

/* Exact top-K by brute force over all rows (with an optional filter). */
static void brute(const float *q, bool (*filter)(void *, uint32_t), uint32_t *out)
{
    rvfk_hit st[K];
    rvfk_topk t;
    rvfk_topk_init(&t, st, K);
    for (uint32_t s = 0; s < N; s++)
        if (!filter || filter(NULL, s))
            rvfk_topk_push(&t, s, rvfk_dist_f32(RVF_METRIC_L2, q, data + (size_t)s * DIM, DIM));
    rvfk_hit r[K];
    uint32_t n = rvfk_topk_read(&t, r, K);
    for (uint32_t i = 0; i < n; i++)
        out[i] = (uint32_t)r[i].id;
}

static void test_search(void)
{
    uint32_t *all = malloc(N * sizeof *all);
    if (!all)
        return;
    for (uint32_t i = 0; i < N; i++)
        all[i] = i;
    static const uint8_t dtypes[] = {RVF_HOT_F16, RVF_HOT_SQ, RVF_HOT_BF16};
    for (size_t t = 0; t < 3; t++) {
        rvf_hotseg_params p = {.dtype = dtypes[t], .sq = &sq};
        rvf_hotseg hs;
        CHECK_EQ_INT(rvf_hotseg_build(graph, &src, 0, all, N, &p, &hs), RVF_OK);
        int hit_approx = 0, hit_exact = 0, hit_filter = 0, bad = 0;
        for (uint32_t qi = 0; qi < NQ; qi++) {
            const float *q = queries + (size_t)qi * DIM;
            uint32_t gt[K], gtf[K], n = 0;
            brute(q, NULL, gt);
            brute(q, not_mult3, gtf);
            rvf_slot_hit out[K];
            rvf_hotseg_query hq = {.sq = &sq};
            CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_L2, q, K, &hq, out, &n), RVF_OK);
            bad += n != K;
            for (uint32_t i = 0; i < n; i++) {
                bad += out[i].exact != 0 || out[i].id != out[i].slot;
                bad += i && (out[i].dist < out[i - 1].dist ||
                             (out[i].dist == out[i - 1].dist && out[i].id < out[i - 1].id));
                for (uint32_t j = 0; j < K; j++)
                    hit_approx += out[i].slot == gt[j];
            }
            hq.row = row_cb;
            CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_L2, q, K, &hq, out, &n), RVF_OK);
            for (uint32_t i = 0; i < n; i++) {
                bad += out[i].exact != 1;
                bad += out[i].dist != rvfk_ops_best()->dist_f32(
                                          RVF_METRIC_L2, q, data + (size_t)out[i].slot * DIM, DIM);
                for (uint32_t j = 0; j < K; j++)
                    hit_exact += out[i].slot == gt[j];
            }
            hq.filter = not_mult3;
            CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_L2, q, K, &hq, out, &n), RVF_OK);
            for (uint32_t i = 0; i < n; i++) {
                bad += out[i].slot % 3 == 0;
                for (uint32_t j = 0; j < K; j++)
                    hit_filter += out[i].slot == gtf[j];
            }
            /* only even rows resident: odd candidates keep their approximate distance */
            hq.filter = NULL;
            hq.row = even_rows;
            CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_L2, q, K, &hq, out, &n), RVF_OK);
            for (uint32_t i = 0; i < n; i++)
                bad += out[i].exact != (out[i].slot % 2 == 0);
        }
        CHECK_EQ_INT(bad, 0);
        double ra = hit_approx / (double)(NQ * K), re = hit_exact / (double)(NQ * K),
               rf = hit_filter / (double)(NQ * K);
        printf("hot %s over all %d rows: recall@10 approx %.3f, re-ranked %.3f, filtered %.3f\n",
               dtypes[t] == RVF_HOT_F16  ? "f16"
               : dtypes[t] == RVF_HOT_SQ ? "SQ"
                                         : "bf16",
               N, ra, re, rf);
        CHECK(ra >= 0.80);
        CHECK(re >= 0.99); /* re-rank of the 40 best approximate candidates */
        CHECK(rf >= 0.99);
        rvf_hotseg_free(&hs);
    }
    /* Ties break by vector id through slot_ids; k larger than the segment; k 0. */
    float same[4 * DIM];
    for (int i = 0; i < 4 * DIM; i++)
        same[i] = 0.5f;
    const rvf_hnsw_source s4 = {.base = same, .stride = DIM};
    uint32_t four[] = {0, 1, 2, 3};
    uint64_t ids[] = {40, 30, 20, 10};
    rvf_hotseg hs;
    CHECK_EQ_INT(rvf_hotseg_build(NULL, &s4, DIM, four, 4, NULL, &hs), RVF_OK);
    rvf_hotseg_query hq = {.slot_ids = ids};
    rvf_slot_hit out[8];
    uint32_t n = 0;
    CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_L2, queries, 8, &hq, out, &n), RVF_OK);
    CHECK_EQ_INT(n, 4);
    if (n == 4)
        CHECK(out[0].id == 10 && out[0].slot == 3 && out[3].id == 40 && out[3].slot == 0);
    CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_L2, queries, 0, &hq, NULL, &n), RVF_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_HAMMING, queries, 1, &hq, out, &n),
                 RVF_ERR_METRIC_UNSUPPORTED);
    CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_L2, queries, 1, &hq, NULL, &n),
                 RVF_ERR_INVALID_ARGUMENT);
    rvf_hotseg_free(&hs);
    free(all);
}

static void test_i8(void)
{
    /* i8 entries decode and search (raw values converted to f32). */
    uint8_t tmp[sizeof example];
    memcpy(tmp, example, sizeof tmp);
    tmp[6] = RVF_HOT_I8;
    tmp[64 + 8] = 0xFE; /* -2 */
    tmp[64 + 12] = 0;   /* with 1-byte elements the count sits at entry + 12: make it 0 */
    tmp[64 + 13] = 0;
    rvf_hotseg hs;
    CHECK_EQ_INT(rvf_hotseg_decode(tmp, sizeof tmp, 4, 0, &hs), RVF_OK);
    const float q[4] = {0, 0, 0, 0};
    if (hs.count == 2) {
        /* entry 7: bytes fe 3c 00 c0 -> -2, 60, 0, -64 */
        CHECK_EQ_BITS(rvf_hotseg_dist(&hs, NULL, RVF_METRIC_L2, q, 0), 4.0f + 3600.0f + 4096.0f);
        rvf_slot_hit out[2];
        uint32_t n = 0;
        CHECK_EQ_INT(rvf_hotseg_search(&hs, RVF_METRIC_L2, q, 2, NULL, out, &n), RVF_OK);
        CHECK_EQ_INT(n, 2);
        if (n == 2)
            CHECK(out[0].id == 3 && out[1].id == 7);
    }
    rvf_hotseg_free(&hs);
}

static uint8_t *sweep_payload(size_t *len)
{
    uint32_t slots[40];
    for (uint32_t i = 0; i < 40; i++)
        slots[i] = i * 37;
    rvf_hotseg_params p = {.dtype = RVF_HOT_SQ, .sq = &sq};
    rvf_hotseg hs;
    CHECK_EQ_INT(rvf_hotseg_build(graph, &src, 0, slots, 40, &p, &hs), RVF_OK);
    uint8_t *bytes = encode_copy(&hs, len);
    rvf_hotseg_free(&hs);
    return bytes;
}

static void test_truncation(void)
{
    size_t len = 0;
    uint8_t *bytes = sweep_payload(&len);
    if (!bytes)
        return;
    /* the last entry's content ends before the final pad */
    rvf_hotseg full;
    CHECK_EQ_INT(rvf_hotseg_decode(bytes, len, DIM, N, &full), RVF_OK);
    uint32_t last_nc = full.nb_off[full.count] - full.nb_off[full.count - 1];
    size_t content_end =
        len - rvf_hotseg_entry_size(DIM, RVF_HOT_SQ, last_nc) + 10 + DIM + 8 * (size_t)last_nc;
    rvf_hotseg_free(&full);
    int bad = 0;
    for (size_t l = 0; l <= len; l++) {
        uint8_t *cut = malloc(l ? l : 1); /* exact-size copy: ASan sees any overread */
        if (!cut)
            break;
        memcpy(cut, bytes, l);
        rvf_hotseg hs;
        rvf_status st = rvf_hotseg_decode(cut, l, DIM, N, &hs);
        bad += st != (l < content_end ? RVF_ERR_TRUNCATED_SEGMENT : RVF_OK);
        bad += st != RVF_OK && hs.ids != NULL;
        rvf_hotseg_free(&hs);
        free(cut);
    }
    printf("truncation: %zu prefixes checked (payload %zu bytes)\n", len + 1, len);
    CHECK_EQ_INT(bad, 0);
    free(bytes);
}

static void test_bit_flips(void)
{
    size_t len = 0;
    uint8_t *bytes = sweep_payload(&len);
    uint8_t *tmp = malloc(len);
    if (!bytes || !tmp) {
        free(bytes);
        free(tmp);
        return;
    }
    int bad = 0, accepted = 0;
    for (int i = 0; i < 3000; i++) {
        memcpy(tmp, bytes, len);
        size_t at = (size_t)(rvf_test_next(&rng) % (i % 2 ? len : 80));
        tmp[at] ^= (uint8_t)(1u << (rvf_test_next(&rng) % 8));
        rvf_hotseg hs;
        rvf_status st = rvf_hotseg_decode(tmp, len, 0, 0, &hs);
        bad += st != RVF_OK && st != RVF_ERR_TRUNCATED_SEGMENT && st != RVF_ERR_INVALID_MANIFEST;
        if (st == RVF_OK) {
            accepted++;
            rvf_slot_hit out[K];
            uint32_t n = 0;
            rvf_hotseg_query hq = {.sq = &sq};
            if (hs.dim == DIM && hs.count <= N)
                rvf_hotseg_search(&hs, RVF_METRIC_L2, queries, K, &hq, out, &n);
        }
        rvf_hotseg_free(&hs);
    }
    printf("bit flips: %d of 3000 still decode\n", accepted);
    CHECK_EQ_INT(bad, 0);
    free(bytes);
    free(tmp);
}

int main(void)
{
    setup();
    RVF_TEST_RUN(test_example);
    RVF_TEST_RUN(test_rejections);
    RVF_TEST_RUN(test_round_trip);
    RVF_TEST_RUN(test_rank_budget);
    RVF_TEST_RUN(test_search);
    RVF_TEST_RUN(test_i8);
    RVF_TEST_RUN(test_truncation);
    RVF_TEST_RUN(test_bit_flips);
    rvf_hnsw_free(graph);
    rvf_quant_free(&sq);
    return rvf_test_finish();
}

/* test_indexseg.c: INDEX_SEG codec (rvf_indexseg.c): the §5.2 worked example, HNSW round trips
 * (graph and search results identical), sparse slots, restart-index seeks, every rejection with
 * its status, truncation and byte flips (run under ASan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_indexseg.h"
#include "rvf_test.h"

#define N   3000
#define DIM 16
#define NQ  100
#define K   10

static float data[N * DIM], queries[NQ * DIM];
static rvf_test_rng rng = {0x9E3779B97F4A7C15ull};
static const rvf_hnsw_source src = {.base = data, .stride = DIM};
static rvf_buf big; /* payload of the full 3,000-node graph */
static rvf_hnsw *orig;

static void make_data(void)
{
    for (size_t i = 0; i < N * DIM; i++)
        data[i] = rvf_test_unit(&rng);
    for (size_t i = 0; i < NQ * DIM; i++)
        queries[i] = rvf_test_unit(&rng);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorted, duplicate-free copy of a node's list (the form the codec stores). */
static uint32_t sorted_list(const rvf_hnsw *h, uint32_t slot, uint32_t layer, uint32_t *out)
{
    uint32_t n, kept = 0;
    const uint32_t *nb = rvf_hnsw_neighbors(h, slot, layer, &n);
    if (n)
        memcpy(out, nb, n * sizeof *out);
    qsort(out, n, sizeof *out, cmp_u32);
    for (uint32_t i = 0; i < n; i++)
        if (!kept || out[i] != out[kept - 1])
            out[kept++] = out[i];
    return kept;
}

/* Same nodes, levels, entry, params and (as sets) neighbour lists. */
static void check_same_graph(const rvf_hnsw *a, const rvf_hnsw *b)
{
    static uint32_t la[RVF_HNSW_MAX_M];
    CHECK_EQ_INT(rvf_hnsw_count(a), rvf_hnsw_count(b));
    CHECK_EQ_INT(rvf_hnsw_slot_limit(a), rvf_hnsw_slot_limit(b));
    CHECK_EQ_INT(rvf_hnsw_metric(a), rvf_hnsw_metric(b));
    rvf_hnsw_params pa = rvf_hnsw_get_params(a), pb = rvf_hnsw_get_params(b);
    CHECK_EQ_INT(pa.m, pb.m);
    CHECK_EQ_INT(pa.m0, pb.m0);
    CHECK_EQ_INT(pa.ef_construction, pb.ef_construction);
    CHECK_EQ_U64(pa.seed, pb.seed);
    uint32_t ea = 0, eb = 0, va = 0, vb = 0;
    CHECK_EQ_INT(rvf_hnsw_entry(a, &ea, &va), rvf_hnsw_entry(b, &eb, &vb));
    CHECK_EQ_INT(ea, eb);
    CHECK_EQ_INT(va, vb);
    int bad = 0;
    for (uint32_t s = 0; s < rvf_hnsw_slot_limit(a); s++) {
        int32_t lv = rvf_hnsw_level(a, s);
        bad += lv != rvf_hnsw_level(b, s);
        for (int32_t l = 0; l <= lv; l++) {
            uint32_t na = sorted_list(a, s, (uint32_t)l, la);
            uint32_t nb;
            const uint32_t *pbl = rvf_hnsw_neighbors(b, s, (uint32_t)l, &nb);
            bad += na != nb || (na && memcmp(la, pbl, na * sizeof *la) != 0);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

static void check_same_search(rvf_hnsw *a, rvf_hnsw *b, uint32_t ef)
{
    int bad = 0;
    for (uint32_t q = 0; q < NQ; q++) {
        uint32_t sa[K], sb[K], na = 0, nb = 0;
        float da[K], db[K];
        CHECK_EQ_INT(rvf_hnsw_search(a, queries + q * DIM, K, ef, NULL, NULL, sa, da, &na), RVF_OK);
        CHECK_EQ_INT(rvf_hnsw_search(b, queries + q * DIM, K, ef, NULL, NULL, sb, db, &nb), RVF_OK);
        bad += na != K || nb != K || memcmp(sa, sb, sizeof sa) || memcmp(da, db, sizeof da);
    }
    CHECK_EQ_INT(bad, 0);
}

/* §5.2 worked example: HNSW, level C, M 16, ef 200, nodes 0: L0 {1,2}; 1: L0 {0,2}, L1 {2};
 * 2: L0 {0,1}; restart interval 2. */
static const uint8_t example_adj[] = {0x01, 0x02, 0x01, 0x02, 0x02, 0x02, 0x00,
                                      0x02, 0x01, 0x02, 0x01, 0x02, 0x00, 0x01};

static void example_payload(uint8_t out[192])
{
    static const uint8_t hdr[] = {0x00, 0x02, 0x10, 0x00, 0xc8, 0x00, 0x00, 0x00,
                                  0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t rst[] = {0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00};
    memset(out, 0, 192);
    memcpy(out, hdr, sizeof hdr);
    memcpy(out + 64, rst, sizeof rst);
    memcpy(out + 128, example_adj, sizeof example_adj);
}

static rvf_hnsw *example_graph(void)
{
    static const uint32_t n0[] = {1, 2}, n1[] = {2, 0}, n1u[] = {2}, n2[] = {1, 0};
    const uint32_t *l0[] = {n0}, *l1[] = {n1, n1u}, *l2[] = {n2};
    uint32_t c0[] = {2}, c1[] = {2, 1}, c2[] = {2};
    rvf_hnsw_params p = {.m = 16, .ef_construction = 200, .seed = 7};
    rvf_hnsw *h = NULL;
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_L2, &p, &src, &h), RVF_OK);
    if (!h)
        return NULL;
    CHECK_EQ_INT(rvf_hnsw_put_node(h, 0, 0, l0, c0), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_put_node(h, 1, 1, l1, c1), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_put_node(h, 2, 0, l2, c2), RVF_OK);
    CHECK_EQ_INT(rvf_hnsw_set_entry(h, 1), RVF_OK);
    return h;
}

static void test_worked_example(void)
{
    uint8_t want[192];
    example_payload(want);
    rvf_hnsw *h = example_graph();
    if (!h)
        return;
    rvf_buf b;
    rvf_buf_init(&b);
    rvf_buf_u8(&b, 0xAA); /* appends after existing bytes, padding relative to its start */
    CHECK_EQ_INT(rvf_indexseg_encode_ex(&b, h, 2, false), RVF_OK);
    CHECK_EQ_U64(b.len, 1 + 192);
    if (b.len == 193) {
        CHECK_MEM(b.data + 1, want, 0x18); /* §5.2 fields */
        CHECK_EQ_INT(b.data[1 + 0x18], 0); /* metric L2 */
        CHECK_EQ_INT(b.data[1 + 0x19], 1); /* extension present */
        CHECK_EQ_INT(rvfk_ld_u16(b.data + 1 + 0x1A), 32);
        CHECK_EQ_U64(rvfk_ld_u64(b.data + 1 + 0x20), 1);
        CHECK_EQ_U64(rvfk_ld_u64(b.data + 1 + 0x28), 7);
        CHECK_MEM(b.data + 1 + 64, want + 64, 128);
    }
    /* The reference bytes (no extension): M0 = 2M, entry derived as the top-layer node. */
    rvf_hnsw *d = NULL;
    CHECK_EQ_INT(rvf_indexseg_decode(want, sizeof want, DIM, N, &src, &d), RVF_OK);
    if (d) {
        rvf_hnsw_params p = rvf_hnsw_get_params(d);
        CHECK_EQ_INT(p.m, 16);
        CHECK_EQ_INT(p.m0, 32);
        CHECK_EQ_INT(p.ef_construction, 200);
        uint32_t e = 9, lv = 9;
        CHECK(rvf_hnsw_entry(d, &e, &lv));
        CHECK_EQ_INT(e, 1);
        CHECK_EQ_INT(lv, 1);
        uint32_t n;
        const uint32_t *nb = rvf_hnsw_neighbors(d, 1, 0, &n);
        CHECK_EQ_INT(n, 2);
        if (n == 2)
            CHECK(nb[0] == 0 && nb[1] == 2);
        rvf_hnsw_free(d);
    }
    /* Trailing bytes are tolerated; a bare payload without the final pad too. */
    CHECK_EQ_INT(rvf_indexseg_decode(want, 128 + sizeof example_adj, DIM, N, &src, &d), RVF_OK);
    rvf_hnsw_free(d);
    CHECK_EQ_INT(rvf_indexseg_decode(want, 128 + sizeof example_adj - 1, DIM, N, &src, &d),
                 RVF_ERR_TRUNCATED_SEGMENT);
    CHECK(d == NULL);
    rvf_buf_free(&b);
    rvf_hnsw_free(h);
}

static rvf_status decode_patched(const uint8_t *base, size_t len, size_t at, uint8_t v)
{
    uint8_t tmp[256];
    memcpy(tmp, base, len);
    tmp[at] = v;
    rvf_hnsw *d = NULL;
    rvf_status st = rvf_indexseg_decode(tmp, len, DIM, N, &src, &d);
    rvf_hnsw_free(d);
    return st;
}

static void test_rejections(void)
{
    uint8_t ex[192];
    example_payload(ex);
    const size_t A = 128;                                                     /* adjacency start */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x00, 1), RVF_ERR_INVALID_MANIFEST); /* IVF */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x01, 0), RVF_ERR_INVALID_MANIFEST); /* layer A */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x01, 3), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(decode_patched(ex, 192, 0x02, 1), RVF_ERR_INVALID_MANIFEST);    /* M 1 */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x03, 0x20), RVF_ERR_INVALID_MANIFEST); /* M > 4096 */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x0C, 1), RVF_ERR_INVALID_MANIFEST);    /* 2^32 nodes */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x14, 1), RVF_ERR_INVALID_MANIFEST);    /* base overflow */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x18, 3), RVF_ERR_METRIC_UNSUPPORTED);
    CHECK_EQ_INT(decode_patched(ex, 192, 0x18, 4), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(decode_patched(ex, 192, 0x19, 2), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(decode_patched(ex, 192, 0x40, 0), RVF_ERR_INVALID_MANIFEST); /* interval 0 */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x40, 1), RVF_ERR_INVALID_MANIFEST); /* count != 3 */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x44, 3), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(decode_patched(ex, 192, 0x48, 1), RVF_ERR_INVALID_MANIFEST); /* offset 0 != 0 */
    CHECK_EQ_INT(decode_patched(ex, 192, 0x4C, 0x0b), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(decode_patched(ex, 192, A + 0, 0x21), RVF_ERR_INVALID_MANIFEST); /* 33 layers */
    CHECK_EQ_INT(decode_patched(ex, 192, A + 1, 33), RVF_ERR_INVALID_MANIFEST);   /* > M0 */
    CHECK_EQ_INT(decode_patched(ex, 192, A + 8, 17), RVF_ERR_INVALID_MANIFEST);   /* > M */
    CHECK_EQ_INT(decode_patched(ex, 192, A + 2, 2), RVF_ERR_INVALID_MANIFEST);    /* unsorted */
    CHECK_EQ_INT(decode_patched(ex, 192, A + 2, 0), RVF_ERR_INVALID_MANIFEST);    /* self */
    CHECK_EQ_INT(decode_patched(ex, 192, A + 7, 0), RVF_ERR_INVALID_MANIFEST);    /* delta 0 */
    CHECK_EQ_INT(decode_patched(ex, 192, A + 7, 3), RVF_ERR_INVALID_MANIFEST);    /* id 3 */
    CHECK_EQ_INT(decode_patched(ex, 192, A + 13, 3), RVF_ERR_INVALID_MANIFEST);   /* id 3 */
    CHECK_EQ_INT(decode_patched(ex, 192, A + 9, 1), RVF_ERR_INVALID_MANIFEST);    /* self */
    CHECK_EQ_INT(decode_patched(ex, 192, A + 2, 0x80), RVF_ERR_INVALID_MANIFEST); /* varint */
    /* Entry point (extension) off the top layer, past the nodes, or set on an empty graph. */
    rvf_hnsw *h = example_graph();
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_indexseg_encode_ex(&b, h, 2, false), RVF_OK);
    if (b.len == 192) {
        CHECK_EQ_INT(decode_patched(b.data, 192, 0x20, 0), RVF_ERR_INVALID_MANIFEST);
        CHECK_EQ_INT(decode_patched(b.data, 192, 0x20, 3), RVF_ERR_INVALID_MANIFEST);
        CHECK_EQ_INT(decode_patched(b.data, 192, 0x1B, 0x20), RVF_ERR_INVALID_MANIFEST); /* M0 */
        CHECK_EQ_INT(decode_patched(b.data, 192, 0x1A, 15), RVF_ERR_INVALID_MANIFEST);   /* < M */
        CHECK_EQ_INT(decode_patched(b.data, 192, 0x1A, 16), RVF_OK);
    }
    rvf_hnsw_free(h);
    /* Empty graph: encodes to 128 bytes and back; a stray entry point is rejected. */
    b.len = 0;
    rvf_hnsw_create(DIM, RVF_METRIC_IP, NULL, &src, &h);
    CHECK_EQ_INT(rvf_indexseg_encode(&b, h), RVF_OK);
    CHECK_EQ_U64(b.len, 128);
    rvf_hnsw *d = NULL;
    CHECK_EQ_INT(rvf_indexseg_decode(b.data, b.len, DIM, N, &src, &d), RVF_OK);
    if (d) {
        CHECK_EQ_INT(rvf_hnsw_count(d), 0);
        CHECK_EQ_INT(rvf_hnsw_metric(d), RVF_METRIC_IP);
        rvf_hnsw_free(d);
    }
    if (b.len == 128)
        CHECK_EQ_INT(decode_patched(b.data, 128, 0x20, 0), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(rvf_indexseg_decode(NULL, 0, DIM, N, &src, &d), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(rvf_indexseg_decode(b.data, b.len, DIM, N, &src, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_indexseg_encode_ex(&b, h, 0, false), RVF_ERR_INVALID_ARGUMENT);
    rvf_hnsw_free(h);
    rvf_buf_free(&b);
}

static void test_slot_limit(void)
{
    /* Node ids beyond the rows the caller holds are refused before any allocation: a hostile
     * node_id_base of 2^40 must not make the decoder size its tables for 2^40 slots. */
    if (!big.len)
        return;
    rvf_hnsw *d = NULL;
    CHECK_EQ_INT(rvf_indexseg_decode(big.data, big.len, DIM, N - 1, &src, &d),
                 RVF_ERR_INVALID_MANIFEST);
    CHECK(d == NULL);
    CHECK_EQ_INT(rvf_indexseg_decode(big.data, big.len, DIM, N, &src, &d), RVF_OK);
    rvf_hnsw_free(d);
    uint8_t *tmp = malloc(big.len);
    if (!tmp)
        return;
    memcpy(tmp, big.data, big.len);
    rvfk_st_u64(tmp + 0x10, 1ull << 40);
    CHECK_EQ_INT(rvf_indexseg_decode(tmp, big.len, DIM, N, &src, &d), RVF_ERR_INVALID_MANIFEST);
    free(tmp);
}

static void test_round_trip(void)
{
    rvf_hnsw_params p = {.m = 16, .ef_construction = 100, .seed = 0x5EED};
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_L2, &p, &src, &orig), RVF_OK);
    if (!orig)
        return;
    for (uint32_t s = 0; s < N; s++)
        CHECK_EQ_INT(rvf_hnsw_add(orig, s), RVF_OK);
    rvf_buf_init(&big);
    CHECK_EQ_INT(rvf_indexseg_encode(&big, orig), RVF_OK);
    CHECK_EQ_U64(big.len % 64, 0);
    printf("INDEX_SEG payload: %zu bytes for %d vectors (%.2f bytes/vector, M 16)\n", big.len, N,
           (double)big.len / N);
    rvf_hnsw *d = NULL;
    CHECK_EQ_INT(rvf_indexseg_decode(big.data, big.len, DIM, N, &src, &d), RVF_OK);
    if (!d)
        return;
    check_same_graph(orig, d);
    check_same_search(orig, d, 16);
    check_same_search(orig, d, 64);
    /* Re-encoding the decoded graph is byte-identical. */
    rvf_buf again;
    rvf_buf_init(&again);
    CHECK_EQ_INT(rvf_indexseg_encode(&again, d), RVF_OK);
    CHECK_EQ_U64(again.len, big.len);
    if (again.len == big.len)
        CHECK(memcmp(again.data, big.data, big.len) == 0);
    /* Other restart intervals decode to the same graph. */
    static const uint32_t intervals[] = {1, 3, 1000, 5000};
    for (size_t i = 0; i < 4; i++) {
        again.len = 0;
        CHECK_EQ_INT(rvf_indexseg_encode_ex(&again, orig, intervals[i], false), RVF_OK);
        rvf_hnsw *e = NULL;
        CHECK_EQ_INT(rvf_indexseg_decode(again.data, again.len, DIM, N, &src, &e), RVF_OK);
        if (e)
            check_same_graph(orig, e);
        rvf_hnsw_free(e);
    }
    rvf_buf_free(&again);
    rvf_hnsw_free(d);
}

static void test_sparse(void)
{
    rvf_hnsw_params p = {.m = 8, .m0 = 12, .ef_construction = 64, .seed = 3};
    rvf_hnsw *h = NULL;
    CHECK_EQ_INT(rvf_hnsw_create(DIM, RVF_METRIC_COSINE, &p, &src, &h), RVF_OK);
    if (!h)
        return;
    for (uint32_t s = 5; s < N; s += (s % 7) + 1) /* gaps of 1..7 slots, slots 0..4 absent */
        CHECK_EQ_INT(rvf_hnsw_add(h, s), RVF_OK);
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_indexseg_encode_ex(&b, h, 16, false), RVF_OK);
    rvf_hnsw *d = NULL;
    CHECK_EQ_INT(rvf_indexseg_decode(b.data, b.len, DIM, N, &src, &d), RVF_OK);
    if (d) {
        check_same_graph(h, d);
        check_same_search(h, d, 32);
        CHECK_EQ_INT(rvf_hnsw_level(d, 0), -1);
        CHECK_EQ_INT(rvf_hnsw_level(d, 6), -1);
    }
    uint32_t nl = 9;
    CHECK_EQ_INT(rvf_indexseg_node(b.data, b.len, 6, NULL, NULL, &nl), RVF_OK);
    CHECK_EQ_INT(nl, 0);
    rvf_hnsw_free(d);
    rvf_hnsw_free(h);
    rvf_buf_free(&b);
}

typedef struct seek_ctx {
    const rvf_hnsw *h;
    uint32_t slot, calls;
    int bad;
} seek_ctx;

static void on_layer(void *ctx, uint32_t layer, const uint32_t *ids, uint32_t count)
{
    static uint32_t want[RVF_HNSW_MAX_M];
    seek_ctx *c = ctx;
    uint32_t n = sorted_list(c->h, c->slot, layer, want);
    c->bad += layer != c->calls++ || n != count || (n && memcmp(want, ids, n * sizeof *ids));
}

static void test_node_seek(void)
{
    if (!orig)
        return;
    int bad = 0;
    for (int i = 0; i < 500; i++) {
        uint32_t slot = (uint32_t)(rvf_test_next(&rng) % N), nl = 0;
        if (i < 3)
            slot = i == 0 ? 0 : i == 1 ? N - 1 : 64; /* restart boundaries */
        seek_ctx c = {orig, slot, 0, 0};
        rvf_status st = rvf_indexseg_node(big.data, big.len, slot, on_layer, &c, &nl);
        bad += st != RVF_OK || c.bad || nl != (uint32_t)rvf_hnsw_level(orig, slot) + 1 ||
               c.calls != nl;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(rvf_indexseg_node(big.data, big.len, N, NULL, NULL, NULL), RVF_ERR_NOT_FOUND);
    CHECK_EQ_INT(rvf_indexseg_node(big.data, 100, 5, NULL, NULL, NULL), RVF_ERR_TRUNCATED_SEGMENT);
}

static void test_truncation(void)
{
    if (!big.len)
        return;
    int bad = 0;
    for (size_t len = 0; len <= 512; len++) {
        rvf_hnsw *d = NULL;
        bad += rvf_indexseg_decode(big.data, len, DIM, N, &src, &d) != RVF_ERR_TRUNCATED_SEGMENT;
        bad += d != NULL;
    }
    CHECK_EQ_INT(bad, 0);
    /* The shortest accepted prefix ends inside the final pad; everything shorter is truncated. */
    size_t ok_from = big.len;
    for (;;) {
        rvf_hnsw *d = NULL;
        rvf_status st = rvf_indexseg_decode(big.data, ok_from - 1, DIM, N, &src, &d);
        rvf_hnsw_free(d);
        if (st != RVF_OK)
            break;
        ok_from--;
    }
    CHECK(big.len - ok_from < 64);
    for (int i = 0; i < 200; i++) {
        size_t len = 513 + (size_t)(rvf_test_next(&rng) % (big.len - 513));
        rvf_hnsw *d = NULL;
        rvf_status st = rvf_indexseg_decode(big.data, len, DIM, N, &src, &d);
        bad += st != (len < ok_from ? RVF_ERR_TRUNCATED_SEGMENT : RVF_OK);
        rvf_hnsw_free(d);
        uint32_t slot = (uint32_t)(rvf_test_next(&rng) % N);
        st = rvf_indexseg_node(big.data, len, slot, NULL, NULL, NULL);
        bad += st != RVF_OK && st != RVF_ERR_TRUNCATED_SEGMENT;
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_byte_flips(void)
{
    if (!big.len)
        return;
    uint8_t *tmp = malloc(big.len);
    if (!tmp)
        return;
    int bad = 0, accepted = 0;
    for (int i = 0; i < 2000; i++) {
        memcpy(tmp, big.data, big.len);
        /* Half the flips hit the header and restart table, the rest anywhere. */
        size_t at = (size_t)(rvf_test_next(&rng) % (i % 2 ? big.len : 512));
        tmp[at] ^= (uint8_t)(1u << (rvf_test_next(&rng) % 8));
        rvf_hnsw *d = NULL;
        rvf_status st = rvf_indexseg_decode(tmp, big.len, DIM, N, &src, &d);
        bad += st != RVF_OK && st != RVF_ERR_TRUNCATED_SEGMENT && st != RVF_ERR_INVALID_MANIFEST &&
               st != RVF_ERR_METRIC_UNSUPPORTED;
        if (d) {
            accepted++;
            uint32_t s[K], n = 0;
            rvf_hnsw_search(d, queries, K, 32, NULL, NULL, s, NULL, &n);
            rvf_hnsw_free(d);
        }
        st = rvf_indexseg_node(tmp, big.len, rvf_test_next(&rng) % N, NULL, NULL, NULL);
        bad += st != RVF_OK && st != RVF_ERR_TRUNCATED_SEGMENT && st != RVF_ERR_INVALID_MANIFEST &&
               st != RVF_ERR_METRIC_UNSUPPORTED && st != RVF_ERR_NOT_FOUND;
    }
    printf("byte flips: %d of 2000 still decode\n", accepted);
    CHECK_EQ_INT(bad, 0);
    free(tmp);
}

int main(void)
{
    make_data();
    RVF_TEST_RUN(test_worked_example);
    RVF_TEST_RUN(test_rejections);
    RVF_TEST_RUN(test_round_trip);
    RVF_TEST_RUN(test_slot_limit);
    RVF_TEST_RUN(test_sparse);
    RVF_TEST_RUN(test_node_seek);
    RVF_TEST_RUN(test_truncation);
    RVF_TEST_RUN(test_byte_flips);
    rvf_hnsw_free(orig);
    rvf_buf_free(&big);
    return rvf_test_finish();
}

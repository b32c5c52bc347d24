/* test_roaring.c: the DELETION_BITMAP TLV value (rvf_roaring.c): the FORMAT.md example byte for
 * byte, container choice, round trips and every rejection. */
#include "rvf_internal.h"
#include "rvf_test.h"

/* {42} u [1000, 2000): one run container. */
static const uint8_t example[48] = {
    0,    0,    0,    0,    0,    0,    0,    0,                /* mode SINGLE, pad */
    0x32, 0x33, 0x3a, 0x3b, 0x01, 0x00, 0x00, 0x00,             /* cookie, high_key_count 1 */
    0x00, 0x00, 0x00, 0x00, 0x03, 0x18, 0x00, 0x00, 0x00,       /* key 0, RUN, offset 24 */
    0,    0,    0,    0,    0,    0,    0,                      /* pad to 24 */
    0x02, 0x00, 0x2a, 0x00, 0x00, 0x00, 0xe8, 0x03, 0xe7, 0x03, /* runs {42,0} {1000,999} */
    0,    0,    0,    0,    0,    0};

static uint64_t *example_ids(size_t *n)
{
    uint64_t *v = malloc(1001 * sizeof *v);
    v[0] = 42;
    for (int i = 0; i < 1000; i++)
        v[1 + i] = 1000 + (uint64_t)i;
    *n = 1001;
    return v;
}

static void roundtrip(const uint64_t *ids, size_t n, rvf_buf *b)
{
    rvf_buf_init(b);
    CHECK_EQ_INT(rvf_delbitmap_encode(b, ids, n), RVF_OK);
    CHECK_EQ_INT(b->len % 8, 0);
    uint64_t *got = NULL;
    size_t m = 12345;
    CHECK_EQ_INT(rvf_delbitmap_decode(b->data, b->len, &got, &m), RVF_OK);
    CHECK_EQ_INT(m, n);
    CHECK(n == 0 ? got == NULL : memcmp(got, ids, n * sizeof *ids) == 0);
    rvf_free(got);
}

/* container type of key k */
static uint8_t ctype(const rvf_buf *b, size_t k)
{
    return b->data[8 + 8 + 9 * k + 4];
}

static void test_example(void)
{
    size_t n;
    uint64_t *ids = example_ids(&n);
    rvf_buf b;
    roundtrip(ids, n, &b);
    CHECK_EQ_INT(b.len, 48);
    CHECK_MEM(b.data, example, 48);
    rvf_buf_free(&b);
    /* the value can follow other bytes: offsets are relative to the bitmap */
    rvf_buf_init(&b);
    rvf_buf_put(&b, "abc", 3);
    CHECK_EQ_INT(rvf_delbitmap_encode(&b, ids, n), RVF_OK);
    CHECK_MEM(b.data + 3, example, 48);
    rvf_buf_free(&b);
    free(ids);
}

static void test_roundtrips(void)
{
    rvf_buf b;
    /* empty: mode, pad, cookie, count 0 */
    roundtrip(NULL, 0, &b);
    static const uint8_t empty[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0x32, 0x33, 0x3a, 0x3b, 0, 0, 0, 0};
    CHECK_EQ_INT(b.len, 16);
    CHECK_MEM(b.data, empty, 16);
    rvf_buf_free(&b);

    const uint64_t one = 0xABCDEF123456ull;
    roundtrip(&one, 1, &b);
    CHECK_EQ_INT(b.len, 8 + 24 + 8);
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_ARRAY); /* 4 bytes, a run would take 6 */
    CHECK_EQ_U64(rvfk_ld_u32(b.data + 16), 0xABCDEF12u);
    rvf_buf_free(&b);

    /* sparse across many high keys, up to 2^48 - 1 */
    rvf_test_rng r = {11};
    enum { S = 5000 };
    uint64_t *v = malloc(65536 * 2 * sizeof *v);
    uint64_t x = 0;
    for (size_t i = 0; i < S; i++) {
        x += 1 + (rvf_test_next(&r) >> 28) % ((1ull << 48) / (S + 1));
        v[i] = x;
    }
    v[S - 1] = (1ull << 48) - 1;
    roundtrip(v, S, &b);
    rvf_buf_free(&b);

    /* a dense random container (> 4096 values): bitmap */
    size_t n = 0;
    for (uint64_t i = 0; i < 65536; i++)
        if (rvf_test_next(&r) % 3 == 0)
            v[n++] = (7ull << 16) | i;
    CHECK(n > 4096);
    roundtrip(v, n, &b);
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_BITMAP);
    CHECK_EQ_INT(rvfk_ld_u16(b.data + 8 + 24), n);
    CHECK_EQ_INT(b.len, 8 + 24 + 2 + 8192 + 6);
    rvf_buf_free(&b);

    /* full container: must be a run {0, 65535}; next to a full key at the very top */
    for (uint64_t i = 0; i < 65536; i++) {
        v[i] = (3ull << 16) | i;
        v[65536 + i] = (((1ull << 32) - 1) << 16) | i;
    }
    roundtrip(v, 65536, &b);
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_RUN);
    static const uint8_t full_run[6] = {1, 0, 0, 0, 0xFF, 0xFF};
    CHECK_MEM(b.data + 8 + 24, full_run, 6);
    CHECK_EQ_INT(b.len, 40);
    rvf_buf_free(&b);
    roundtrip(v, 2 * 65536, &b);
    CHECK_EQ_INT(ctype(&b, 1), RVF_CONTAINER_RUN);
    rvf_buf_free(&b);

    /* the array/bitmap boundary: 4096 even values tie with a bitmap (8194 B) -> array;
     * 4097 -> bitmap */
    for (uint64_t i = 0; i < 4097; i++)
        v[i] = 2 * i;
    roundtrip(v, 4096, &b);
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_ARRAY);
    rvf_buf_free(&b);
    roundtrip(v, 4097, &b);
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_BITMAP);
    rvf_buf_free(&b);
    /* runs vs array: two values in one run (6 B) beat an array (6 B)? tie -> array */
    const uint64_t pair[2] = {10, 11}, three[3] = {10, 11, 12};
    roundtrip(pair, 2, &b);
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_ARRAY);
    rvf_buf_free(&b);
    roundtrip(three, 3, &b);
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_RUN);
    rvf_buf_free(&b);
    /* many short runs over 4096 values: bitmap when 2 + 4 * runs >= 8194 */
    n = 0;
    for (uint64_t i = 0; i < 2048; i++) {
        v[n++] = 4 * i;
        v[n++] = 4 * i + 1;
        v[n++] = 4 * i + 2;
    }
    roundtrip(v, n, &b); /* 2048 runs: 8194 B ties a bitmap -> bitmap */
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_BITMAP);
    rvf_buf_free(&b);
    roundtrip(v, n - 3, &b); /* 2047 runs: 8190 B -> run */
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_RUN);
    rvf_buf_free(&b);
    free(v);
}

static void test_encode_reject(void)
{
    rvf_buf b;
    rvf_buf_init(&b);
    const uint64_t big[2] = {1, 1ull << 48}, unsorted[2] = {5, 4}, dup[2] = {5, 5};
    CHECK_EQ_INT(rvf_delbitmap_encode(&b, big, 2), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_delbitmap_encode(&b, big + 1, 1), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_delbitmap_encode(&b, unsorted, 2), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_delbitmap_encode(&b, dup, 2), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(b.len, 0);
    rvf_buf_free(&b);
}

static void expect_bad(const uint8_t *p, size_t len, rvf_status want, const char *what)
{
    uint64_t *ids = (uint64_t *)(uintptr_t)1;
    size_t n = 99;
    rvf_status s = rvf_delbitmap_decode(p, len, &ids, &n);
    rvf_test_checks++;
    if (s != want)
        RVF_FAIL_AT("%s: status %d, want %d", what, (int)s, (int)want);
    CHECK(ids == NULL && n == 0);
}

static void test_decode_reject(void)
{
    uint8_t p[64];
#define MUT(stmt, want, what)                                                                      \
    do {                                                                                           \
        memcpy(p, example, 48);                                                                    \
        stmt;                                                                                      \
        expect_bad(p, 48, want, what);                                                             \
    } while (0)
    MUT(p[0] = 1, RVF_ERR_ALGO_UNSUPPORTED, "sharded");
    MUT(p[0] = 2, RVF_ERR_INVALID_MANIFEST, "mode 2");
    MUT(p[8] ^= 1, RVF_ERR_INVALID_MANIFEST, "cookie");
    MUT(rvfk_st_u32(p + 12, 4), RVF_ERR_INVALID_MANIFEST, "key count past the end");
    MUT(rvfk_st_u32(p + 12, 0xFFFFFFFFu), RVF_ERR_INVALID_MANIFEST, "key count huge");
    MUT(p[20] = 0, RVF_ERR_INVALID_MANIFEST, "container type 0");
    MUT(p[20] = 4, RVF_ERR_INVALID_MANIFEST, "container type 4");
    MUT(rvfk_st_u32(p + 21, 40), RVF_ERR_INVALID_MANIFEST, "offset past the end");
    MUT(rvfk_st_u32(p + 21, 0xFFFFFFF8u), RVF_ERR_INVALID_MANIFEST, "offset far past the end");
    MUT(rvfk_st_u32(p + 21, 28), RVF_ERR_INVALID_MANIFEST, "offset misaligned");
    MUT(rvfk_st_u32(p + 21, 16), RVF_ERR_INVALID_MANIFEST, "offset inside the key table");
    MUT(rvfk_st_u16(p + 32, 4), RVF_ERR_INVALID_MANIFEST, "run count past the end");
    MUT(rvfk_st_u16(p + 32, 0), RVF_ERR_INVALID_MANIFEST, "no runs");
    MUT(rvfk_st_u16(p + 38, 40), RVF_ERR_INVALID_MANIFEST, "overlapping runs");
    MUT(rvfk_st_u16(p + 34, 3000), RVF_ERR_INVALID_MANIFEST, "runs out of order");
    MUT(rvfk_st_u16(p + 40, 0xFC18), RVF_ERR_INVALID_MANIFEST, "run past 65535");
    /* arrays: same bytes read as an array of 2 values {42, 0} */
    MUT(p[20] = RVF_CONTAINER_ARRAY, RVF_ERR_INVALID_MANIFEST, "unsorted array");
    MUT((p[20] = RVF_CONTAINER_ARRAY, rvfk_st_u16(p + 36, 42)), RVF_ERR_INVALID_MANIFEST,
        "duplicate array value");
    MUT((p[20] = RVF_CONTAINER_ARRAY, rvfk_st_u16(p + 32, 0)), RVF_ERR_INVALID_MANIFEST,
        "empty array");
    MUT((p[20] = RVF_CONTAINER_ARRAY, rvfk_st_u16(p + 32, 4097)), RVF_ERR_INVALID_MANIFEST,
        "array cardinality > 4096");
    MUT(p[20] = RVF_CONTAINER_BITMAP, RVF_ERR_INVALID_MANIFEST, "bitmap past the end");
#undef MUT
    expect_bad(example, 7, RVF_ERR_INVALID_MANIFEST, "no mode");
    /* every cut before the end of the container data */
    for (size_t cut = 0; cut < 42; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        memcpy(c, example, cut);
        expect_bad(c, cut, RVF_ERR_INVALID_MANIFEST, "truncated");
        free(c);
    }
    uint64_t *ids;
    size_t n;
    CHECK_EQ_INT(rvf_delbitmap_decode(example, 42, &ids, &n), RVF_OK);
    CHECK_EQ_INT(n, 1001);
    rvf_free(ids);

    /* a valid array container {42, 50}, then variations */
    memcpy(p, example, 48);
    p[20] = RVF_CONTAINER_ARRAY;
    rvfk_st_u16(p + 36, 50);
    CHECK_EQ_INT(rvf_delbitmap_decode(p, 48, &ids, &n), RVF_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_U64(ids[1], 50);
    rvf_free(ids);

    /* keys out of order: two keys, the second not greater than the first */
    rvf_buf b;
    rvf_buf_init(&b);
    const uint64_t two[2] = {1, (5ull << 16) | 1};
    CHECK_EQ_INT(rvf_delbitmap_encode(&b, two, 2), RVF_OK);
    rvfk_st_u32(b.data + 16 + 9, 0);
    expect_bad(b.data, b.len, RVF_ERR_INVALID_MANIFEST, "equal keys");
    rvfk_st_u32(b.data + 16, 6);
    rvfk_st_u32(b.data + 16 + 9, 5);
    expect_bad(b.data, b.len, RVF_ERR_INVALID_MANIFEST, "descending keys");
    rvf_buf_free(&b);
}

static void test_bitmap_cardinality(void)
{
    /* 5000 values: a bitmap; cardinality 0 means recompute, any other wrong count is refused */
    uint64_t *v = malloc(5000 * sizeof *v);
    for (uint64_t i = 0; i < 5000; i++)
        v[i] = (9ull << 16) | (13 * i);
    rvf_buf b;
    roundtrip(v, 5000, &b);
    CHECK_EQ_INT(ctype(&b, 0), RVF_CONTAINER_BITMAP);
    uint64_t *ids;
    size_t n;
    rvfk_st_u16(b.data + 32, 0);
    CHECK_EQ_INT(rvf_delbitmap_decode(b.data, b.len, &ids, &n), RVF_OK);
    CHECK_EQ_INT(n, 5000);
    CHECK(memcmp(ids, v, 5000 * sizeof *v) == 0);
    rvf_free(ids);
    rvfk_st_u16(b.data + 32, 4999);
    expect_bad(b.data, b.len, RVF_ERR_INVALID_MANIFEST, "bitmap cardinality");
    /* an all-zero bitmap is an empty container: refused */
    memset(b.data + 34, 0, 8192);
    rvfk_st_u16(b.data + 32, 0);
    expect_bad(b.data, b.len, RVF_ERR_INVALID_MANIFEST, "empty bitmap");
    rvf_buf_free(&b);
    free(v);
}

int main(void)
{
    RVF_TEST_RUN(test_example);
    RVF_TEST_RUN(test_roundtrips);
    RVF_TEST_RUN(test_encode_reject);
    RVF_TEST_RUN(test_decode_reject);
    RVF_TEST_RUN(test_bitmap_cardinality);
    return rvf_test_finish();
}

/* test_codec.c: LEB128 varints, ZigZag and delta encoding with restart points (rvf_codec.c). */
#include "rvf_internal.h"
#include "rvf_test.h"

static void test_varint_known(void)
{
    static const struct {
        uint64_t v;
        size_t n;
        uint8_t b[10];
    } kat[] = {
        {0, 1, {0x00}},
        {127, 1, {0x7F}},
        {128, 2, {0x80, 0x01}},
        {16383, 2, {0xFF, 0x7F}},
        {16384, 3, {0x80, 0x80, 0x01}},
        {2097151, 3, {0xFF, 0xFF, 0x7F}},
        {2097152, 4, {0x80, 0x80, 0x80, 0x01}},
        {UINT64_MAX, 10, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}},
    };
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        uint8_t b[10];
        CHECK_EQ_INT(rvf_varint_put(b, kat[i].v), kat[i].n);
        CHECK_MEM(b, kat[i].b, kat[i].n);
        size_t pos = 0;
        uint64_t v = 1234;
        CHECK_EQ_INT(rvf_varint_get(kat[i].b, kat[i].n, &pos, &v), RVF_OK);
        CHECK_EQ_U64(v, kat[i].v);
        CHECK_EQ_INT(pos, kat[i].n);
        /* every strict prefix is truncated, and leaves pos alone */
        for (size_t cut = 0; cut < kat[i].n; cut++) {
            pos = 0;
            CHECK_EQ_INT(rvf_varint_get(kat[i].b, cut, &pos, &v), RVF_ERR_TRUNCATED_SEGMENT);
            CHECK_EQ_INT(pos, 0);
        }
        rvf_buf b2;
        rvf_buf_init(&b2);
        rvf_buf_u8(&b2, 0xAA);
        rvf_buf_varint(&b2, kat[i].v);
        CHECK_EQ_INT(b2.len, 1 + kat[i].n);
        CHECK_MEM(b2.data + 1, kat[i].b, kat[i].n);
        rvf_buf_free(&b2);
    }
}

static void test_varint_reject(void)
{
    uint64_t v;
    size_t pos;
    /* 11 bytes: ten continuation bytes then a terminator */
    const uint8_t eleven[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    pos = 0;
    CHECK_EQ_INT(rvf_varint_get(eleven, 11, &pos, &v), RVF_ERR_TRUNCATED_SEGMENT);
    /* a 10th byte of 2..0x7F would set bits beyond 63 */
    uint8_t ten[10] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    for (unsigned last = 2; last < 0x100; last++) {
        ten[9] = (uint8_t)last;
        pos = 0;
        CHECK_EQ_INT(rvf_varint_get(ten, 10, &pos, &v), RVF_ERR_TRUNCATED_SEGMENT);
    }
    ten[9] = 0x00; /* non-minimal, but in range */
    pos = 0;
    CHECK_EQ_INT(rvf_varint_get(ten, 10, &pos, &v), RVF_OK);
    CHECK_EQ_U64(v, UINT64_MAX >> 1);
    /* decoding continues at pos */
    const uint8_t two[] = {0x05, 0x80, 0x01};
    pos = 1;
    CHECK_EQ_INT(rvf_varint_get(two, 3, &pos, &v), RVF_OK);
    CHECK_EQ_U64(v, 128);
    CHECK_EQ_INT(pos, 3);
    CHECK_EQ_INT(rvf_varint_get(two, 3, &pos, &v), RVF_ERR_TRUNCATED_SEGMENT);
}

static void test_varint_roundtrip(void)
{
    rvf_test_rng r = {0x1234567};
    for (int i = 0; i < 20000; i++) {
        uint64_t x = rvf_test_next(&r) >> (rvf_test_next(&r) % 64), y = 0;
        uint8_t b[10];
        size_t n = rvf_varint_put(b, x), pos = 0;
        size_t bits = 64 - (size_t)(x ? __builtin_clzll(x) : 63);
        CHECK_EQ_INT(n, (bits + 6) / 7);
        CHECK_EQ_INT(rvf_varint_get(b, n, &pos, &y), RVF_OK);
        CHECK_EQ_U64(y, x);
    }
}

static void test_zigzag(void)
{
    static const struct {
        int64_t n;
        uint64_t z;
    } kat[] = {{0, 0},
               {-1, 1},
               {1, 2},
               {-2, 3},
               {2, 4},
               {INT64_MAX, UINT64_MAX - 1},
               {INT64_MIN, UINT64_MAX}};
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        CHECK_EQ_U64(rvf_zigzag(kat[i].n), kat[i].z);
        CHECK_EQ_INT(rvf_unzigzag(kat[i].z), kat[i].n);
    }
}

static void delta_roundtrip(const uint64_t *v, size_t n, uint32_t restart)
{
    rvf_buf b;
    rvf_buf_init(&b);
    rvf_buf_u8(&b, 0x77); /* decoding starts at pos, not 0 */
    CHECK_EQ_INT(rvf_delta_encode(&b, v, n, restart), RVF_OK);
    uint64_t *out = calloc(n + 1, sizeof *out);
    size_t pos = 1;
    CHECK_EQ_INT(rvf_delta_decode(b.data, b.len, &pos, out, n, restart), RVF_OK);
    CHECK_EQ_INT(pos, b.len);
    CHECK(n == 0 || memcmp(out, v, n * sizeof *v) == 0);
    /* the restart positions are absolute: decoding just one group from its start works */
    if (n > restart) {
        size_t p2 = 1;
        uint64_t skip;
        for (uint32_t i = 0; i < restart; i++)
            CHECK_EQ_INT(rvf_varint_get(b.data, b.len, &p2, &skip), RVF_OK);
        uint64_t first;
        size_t p3 = p2;
        CHECK_EQ_INT(rvf_varint_get(b.data, b.len, &p3, &first), RVF_OK);
        CHECK_EQ_U64(first, v[restart]);
    }
    /* every cut short of the end is truncated */
    for (size_t cut = 1; cut < b.len; cut += 1 + cut / 16) {
        pos = 1;
        CHECK_EQ_INT(rvf_delta_decode(b.data, cut, &pos, out, n, restart),
                     RVF_ERR_TRUNCATED_SEGMENT);
    }
    free(out);
    rvf_buf_free(&b);
}

static void test_delta(void)
{
    rvf_test_rng r = {42};
    static const uint32_t restarts[] = {1, 2, 3, 128};
    static const size_t sizes[] = {0, 1, 2, 127, 128, 129, 300, 1000};
    uint64_t *v = malloc(1000 * sizeof *v);
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        for (size_t ri = 0; ri < sizeof restarts / sizeof restarts[0]; ri++) {
            size_t n = sizes[si];
            uint64_t x = rvf_test_next(&r) >> (ri * 16);
            for (size_t i = 0; i < n; i++) {
                uint64_t step = rvf_test_next(&r) % 4 == 0 ? 0 : rvf_test_next(&r) % 1000;
                x = x > UINT64_MAX - step ? UINT64_MAX : x + step; /* duplicates included */
                v[i] = x;
            }
            delta_roundtrip(v, n, restarts[ri]);
        }
    }
    /* the extremes: 0 and UINT64_MAX in one group (a 10-byte delta) */
    uint64_t ext[] = {0, 0, UINT64_MAX, UINT64_MAX};
    delta_roundtrip(ext, 4, 128);
    delta_roundtrip(ext, 4, 1);
    free(v);
}

static void test_delta_reject(void)
{
    rvf_buf b;
    rvf_buf_init(&b);
    uint64_t unsorted[] = {1, 5, 4};
    CHECK_EQ_INT(rvf_delta_encode(&b, unsorted, 3, 128), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(b.len, 0); /* nothing written */
    uint64_t sorted[] = {1, 5, 6};
    CHECK_EQ_INT(rvf_delta_encode(&b, sorted, 3, 0), RVF_ERR_INVALID_ARGUMENT);
    rvf_buf_free(&b);

    uint64_t out[4];
    size_t pos = 0;
    /* restart 2: absolute 10, +1, absolute 5 (decreases) */
    const uint8_t dec[] = {10, 1, 5, 0};
    CHECK_EQ_INT(rvf_delta_decode(dec, 4, &pos, out, 4, 2), RVF_ERR_TRUNCATED_SEGMENT);
    pos = 0;
    CHECK_EQ_INT(rvf_delta_decode(dec, 4, &pos, out, 2, 2), RVF_OK);
    CHECK_EQ_U64(out[1], 11);
    /* UINT64_MAX then +1 overflows */
    const uint8_t ovf[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01};
    pos = 0;
    CHECK_EQ_INT(rvf_delta_decode(ovf, sizeof ovf, &pos, out, 2, 128), RVF_ERR_TRUNCATED_SEGMENT);
    pos = 0;
    CHECK_EQ_INT(rvf_delta_decode(ovf, sizeof ovf, &pos, out, 1, 128), RVF_OK);
    pos = 0;
    CHECK_EQ_INT(rvf_delta_decode(dec, 4, &pos, out, 1, 0), RVF_ERR_TRUNCATED_SEGMENT);
}

int main(void)
{
    RVF_TEST_RUN(test_varint_known);
    RVF_TEST_RUN(test_varint_reject);
    RVF_TEST_RUN(test_varint_roundtrip);
    RVF_TEST_RUN(test_zigzag);
    RVF_TEST_RUN(test_delta);
    RVF_TEST_RUN(test_delta_reject);
    return rvf_test_finish();
}

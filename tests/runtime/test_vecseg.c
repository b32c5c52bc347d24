/* test_vecseg.c: VEC_SEG columnar blocks (rvf_vecseg.c): the worked example byte for byte, round
 * trips over dtypes, dimensions, counts and block sizes, and every corruption the decoder must
 * report (CRC, truncation, bad directories). */
#include "rvf_internal.h"
#include "rvf_test.h"

/* FORMAT.md worked example: dim 2 f32, id 5 = (1, 2), id 7 = (3, 4). */
static const uint8_t example[128] = {0x01, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,        0x02,
                                     0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, [64] = 0x00, 0x00,
                                     0x80, 0x3f, 0x00, 0x00, 0x40, 0x40, 0x00, 0x00,        0x00,
                                     0x40, 0x00, 0x00, 0x80, 0x40, 0x01, 0x80, 0x00,        0x02,
                                     0x00, 0x00, 0x00, 0x05, 0x02, 0xb8, 0xad, 0x3e,        0x1d};

static void test_worked_example(void)
{
    const uint64_t ids[2] = {5, 7};
    const float rows[4] = {1, 2, 3, 4};
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ids, rows, 2, 2, 0, RVF_VEC_BLOCK_VECTORS), RVF_OK);
    CHECK_EQ_INT(b.len, 128);
    CHECK_MEM(b.data, example, 128);
    CHECK_EQ_U64(rvfk_crc32c(example + 64, 25), 0x1D3EADB8u);
    uint8_t h[16];
    static const uint8_t want[16] = {0xd1, 0x6f, 0xe3, 0xc4, 0xd5, 0x03, 0xc2, 0xac,
                                     0xef, 0x5a, 0xdb, 0x6f, 0xaa, 0x78, 0xcf, 0x85};
    rvf_xxh3_128(b.data, b.len, h);
    CHECK_MEM(h, want, 16);

    rvf_vec_block *blk;
    uint32_t nb;
    CHECK_EQ_INT(rvf_vecseg_blocks(example, 128, &blk, &nb), RVF_OK);
    CHECK_EQ_INT(nb, 1);
    CHECK_EQ_INT(blk[0].offset, 64);
    CHECK_EQ_INT(blk[0].count, 2);
    CHECK_EQ_INT(blk[0].dim, 2);
    CHECK_EQ_INT(blk[0].dtype, 0);
    CHECK_EQ_INT(blk[0].tier, 1);
    uint64_t got_ids[2];
    float got[4];
    CHECK_EQ_INT(rvf_vecseg_decode_block(example, 128, &blk[0], got_ids, got), RVF_OK);
    CHECK_EQ_U64(got_ids[0], 5);
    CHECK_EQ_U64(got_ids[1], 7);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_BITS(got[i], rows[i]);

    /* appending after existing bytes: padding is relative to the payload start */
    rvf_buf_free(&b);
    rvf_buf_put(&b, "xyz", 3);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ids, rows, 2, 2, 0, RVF_VEC_BLOCK_VECTORS), RVF_OK);
    CHECK_EQ_INT(b.len, 131);
    CHECK_MEM(b.data + 3, example, 128);
    free(blk);
    rvf_buf_free(&b);
}

static void make_ids(uint64_t *ids, size_t n, int mode, rvf_test_rng *r)
{
    if (mode == 0) { /* dense from 0 */
        for (size_t i = 0; i < n; i++)
            ids[i] = i;
    } else if (mode == 1) { /* sparse, gaps up to 2^40 */
        uint64_t x = rvf_test_next(r) >> 50;
        for (size_t i = 0; i < n; i++, x += 1 + (rvf_test_next(r) >> 24))
            ids[i] = x;
    } else { /* ending at UINT64_MAX */
        uint64_t x = UINT64_MAX;
        for (size_t i = n; i-- > 0; x -= 1 + rvf_test_next(r) % 100000)
            ids[i] = x;
    }
}

/* Decode the whole payload; returns the first non-OK status. */
static rvf_status decode_all(const uint8_t *p, size_t len, uint64_t *ids, uint8_t *rows,
                             uint32_t *total)
{
    rvf_vec_block *blk;
    uint32_t nb;
    rvf_status s = rvf_vecseg_blocks(p, len, &blk, &nb);
    *total = 0;
    for (uint32_t i = 0; s == RVF_OK && i < nb; i++) {
        size_t rb = (size_t)blk[i].dim * rvf_dtype_size(blk[i].dtype);
        s = rvf_vecseg_decode_block(p, len, &blk[i], ids + *total, rows + *total * rb);
        *total += blk[i].count;
    }
    rvf_free(blk);
    return s;
}

static void roundtrip(uint32_t n, uint16_t dim, uint8_t dtype, uint32_t bv, int mode,
                      rvf_test_rng *r)
{
    size_t es = rvf_dtype_size(dtype), rb = dim * es;
    uint64_t *ids = malloc(n * sizeof *ids), *got_ids = malloc(n * sizeof *ids);
    uint8_t *rows = malloc(n * rb), *got = malloc(n * rb);
    make_ids(ids, n, mode, r);
    for (size_t i = 0; i < n * rb; i++)
        rows[i] = (uint8_t)rvf_test_next(r);
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ids, rows, n, dim, dtype, bv), RVF_OK);
    CHECK_EQ_INT(b.len % 64, 0);
    rvf_vec_block *blk;
    uint32_t nb, total = 0;
    CHECK_EQ_INT(rvf_vecseg_blocks(b.data, b.len, &blk, &nb), RVF_OK);
    CHECK_EQ_INT(nb, (n + bv - 1) / bv);
    for (uint32_t i = 0; i < nb; i++) {
        CHECK_EQ_INT(blk[i].offset % 64, 0);
        CHECK_EQ_INT(blk[i].count, i + 1 < nb ? bv : n - bv * (nb - 1));
        CHECK_EQ_INT(blk[i].dim, dim);
        CHECK_EQ_INT(blk[i].dtype, dtype);
        CHECK_EQ_INT(blk[i].tier, 1);
    }
    /* column-major within the first block, little-endian elements */
    if (dtype == 0 && blk[0].count > 1) {
        uint32_t c = blk[0].count, x;
        memcpy(&x, rows + rb + (dim - 1) * es, 4); /* vector 1, last dimension */
        CHECK_EQ_U64(rvfk_ld_u32(b.data + blk[0].offset + ((size_t)(dim - 1) * c + 1) * 4), x);
    }
    rvf_free(blk);
    CHECK_EQ_INT(decode_all(b.data, b.len, got_ids, got, &total), RVF_OK);
    CHECK_EQ_INT(total, n);
    CHECK(memcmp(got_ids, ids, n * sizeof *ids) == 0);
    CHECK(memcmp(got, rows, n * rb) == 0);
    rvf_buf_free(&b);
    free(ids);
    free(got_ids);
    free(rows);
    free(got);
}

static void test_roundtrips(void)
{
    rvf_test_rng r = {99};
    static const uint16_t dims[] = {1, 3, 384};
    static const uint32_t counts[] = {1, 1023, 1024, 1025, 3000};
    static const uint32_t bvs[] = {1024, 7};
    int mode = 0;
    for (uint8_t dt = 0; dt <= 4; dt++)
        for (size_t d = 0; d < 3; d++)
            for (size_t c = 0; c < 5; c++)
                for (size_t k = 0; k < 2; k++)
                    roundtrip(counts[c], dims[d], dt, bvs[k], mode++ % 3, &r);
    roundtrip(5, 2, 0, 1, 2, &r); /* one vector per block */
}

static void test_f32_values(void)
{
    /* f32 and f16 elements survive bit for bit (NaN payloads, -0, denormals) */
    const float f[6] = {-0.0f, 1e-40f, NAN, -INFINITY, 3.5f, -2.25f};
    const uint16_t h[6] = {0x8000, 0x0001, 0x7E01, 0xFC00, 0x4300, 0xC080};
    const uint64_t ids[3] = {0, 1, UINT64_MAX};
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ids, f, 3, 2, 0, 2), RVF_OK);
    float gf[6];
    uint64_t gi[3];
    uint32_t total;
    CHECK_EQ_INT(decode_all(b.data, b.len, gi, (uint8_t *)gf, &total), RVF_OK);
    CHECK_EQ_INT(total, 3);
    for (int i = 0; i < 6; i++)
        CHECK_EQ_BITS(gf[i], f[i]);
    CHECK_EQ_U64(gi[2], UINT64_MAX);
    rvf_buf_free(&b);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ids, h, 3, 2, 1, 1024), RVF_OK);
    CHECK_EQ_U64(rvfk_ld_u16(b.data + 64), 0x8000); /* column 0: vectors 0,1,2 */
    CHECK_EQ_U64(rvfk_ld_u16(b.data + 66), 0x7E01);
    CHECK_EQ_U64(rvfk_ld_u16(b.data + 68), 0x4300);
    uint16_t gh[6];
    CHECK_EQ_INT(decode_all(b.data, b.len, gi, (uint8_t *)gh, &total), RVF_OK);
    CHECK(memcmp(gh, h, sizeof h) == 0);
    rvf_buf_free(&b);
}

static void test_code_dtypes(void)
{
    /* dtypes 0x05..0x08 are one code byte per column (dim = code bytes per vector) */
    CHECK_EQ_INT(rvf_dtype_size(5), 0);
    CHECK_EQ_INT(rvf_dtype_size(9), 0);
    const uint8_t codes[6] = {1, 2, 3, 4, 5, 6};
    const uint64_t ids[2] = {10, 20};
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ids, codes, 2, 3, 7, 1024), RVF_OK);
    static const uint8_t cols[6] = {1, 4, 2, 5, 3, 6};
    CHECK_MEM(b.data + 64, cols, 6);
    rvf_vec_block *blk;
    uint32_t nb;
    CHECK_EQ_INT(rvf_vecseg_blocks(b.data, b.len, &blk, &nb), RVF_OK);
    uint8_t got[6];
    uint64_t gi[2];
    CHECK_EQ_INT(rvf_vecseg_decode_block(b.data, b.len, &blk[0], gi, got), RVF_OK);
    CHECK_MEM(got, codes, 6);
    rvf_free(blk);
    rvf_buf_free(&b);
}

static void test_encode_reject(void)
{
    rvf_buf b;
    rvf_buf_init(&b);
    const float rows[6] = {0};
    const uint64_t unsorted[3] = {1, 3, 2}, dup[3] = {1, 2, 2}, ok[3] = {1, 2, 3};
    CHECK_EQ_INT(rvf_vecseg_encode(&b, unsorted, rows, 3, 2, 0, 1024), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, dup, rows, 3, 2, 0, 1024), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ok, rows, 3, 0, 0, 1024), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ok, rows, 3, 2, 9, 1024), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ok, rows, 3, 2, 0, 0), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(b.len, 0);
    /* no vectors: an empty directory, padded */
    CHECK_EQ_INT(rvf_vecseg_encode(&b, NULL, NULL, 0, 2, 0, 1024), RVF_OK);
    CHECK_EQ_INT(b.len, 64);
    rvf_vec_block *blk;
    uint32_t nb = 9;
    CHECK_EQ_INT(rvf_vecseg_blocks(b.data, b.len, &blk, &nb), RVF_OK);
    CHECK_EQ_INT(nb, 0);
    CHECK(blk == NULL);
    rvf_buf_free(&b);
}

/* Flip every bit of the CRC-covered bytes and the CRC of the block: always a checksum failure,
 * except when the encoding byte becomes 0 (raw) and raw ids would run past the payload, which
 * looks exactly like a truncated raw block. */
static void flip_all(uint8_t *p, size_t len, const rvf_vec_block *blk, size_t covered, void *ids,
                     void *rows)
{
    int bad = 0;
    size_t data = (size_t)blk->count * blk->dim * rvf_dtype_size(blk->dtype);
    bool raw_fits = blk->offset + data + 7 + 8 * (size_t)blk->count + 4 <= len;
    for (size_t i = blk->offset; i < blk->offset + covered + 4; i++) {
        for (int bit = 0; bit < 8; bit++) {
            p[i] ^= (uint8_t)(1u << bit);
            rvf_status s = rvf_vecseg_decode_block(p, len, blk, ids, rows);
            p[i] ^= (uint8_t)(1u << bit);
            rvf_status want = i == blk->offset + data && bit == 0 && !raw_fits
                                  ? RVF_ERR_TRUNCATED_SEGMENT
                                  : RVF_ERR_INVALID_CHECKSUM;
            if (s != want && bad++ < 5)
                RVF_FAIL_AT("flip byte %zu bit %d: status %d", i, bit, (int)s);
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(rvf_vecseg_decode_block(p, len, blk, ids, rows), RVF_OK);
}

static void test_corruption_crc(void)
{
    uint8_t p[128];
    memcpy(p, example, 128);
    rvf_vec_block blk = {64, 2, 2, 0, 1};
    uint64_t ids[2];
    float rows[4];
    flip_all(p, 128, &blk, 25, ids, rows);
    /* padding is outside the CRC */
    p[127] = 0xFF;
    CHECK_EQ_INT(rvf_vecseg_decode_block(p, 128, &blk, ids, rows), RVF_OK);

    /* a larger f16 payload: the first and the last block, the ids spanning restart points */
    rvf_test_rng r = {7};
    enum { N = 300, DIM = 3 };
    uint64_t vid[N];
    uint16_t vrow[N * DIM];
    make_ids(vid, N, 2, &r);
    for (size_t i = 0; i < N * DIM; i++)
        vrow[i] = (uint16_t)rvf_test_next(&r);
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, vid, vrow, N, DIM, 1, 140), RVF_OK);
    rvf_vec_block *bl;
    uint32_t nb;
    CHECK_EQ_INT(rvf_vecseg_blocks(b.data, b.len, &bl, &nb), RVF_OK);
    CHECK_EQ_INT(nb, 3);
    uint64_t gi[140];
    uint16_t gr[140 * DIM];
    for (uint32_t k = 0; k < nb; k += 2) {
        rvf_buf idb;
        rvf_buf_init(&idb);
        rvf_delta_encode(&idb, vid + 140 * k, bl[k].count, RVF_VEC_ID_RESTART);
        size_t covered = (size_t)bl[k].count * DIM * 2 + 7 + idb.len;
        CHECK_EQ_U64(rvfk_ld_u32(b.data + bl[k].offset + covered),
                     rvfk_crc32c(b.data + bl[k].offset, covered));
        flip_all(b.data, b.len, &bl[k], covered, gi, gr);
        rvf_buf_free(&idb);
    }
    rvf_free(bl);
    rvf_buf_free(&b);
}

static void test_raw_idmap_and_header_checks(void)
{
    /* A raw-id block (encoding 0), written by hand with a valid CRC. */
    uint8_t p[128] = {0};
    rvfk_st_u32(p, 1);
    rvfk_st_u32(p + 4, 64);
    rvfk_st_u32(p + 8, 2);
    rvfk_st_u16(p + 12, 1);
    p[15] = 1;
    uint8_t *b = p + 64;
    rvfk_st_f32(b, 1.5f);
    rvfk_st_f32(b + 4, -1.5f);
    b[8] = RVF_IDMAP_RAW;
    rvfk_st_u16(b + 9, 128);
    rvfk_st_u32(b + 11, 2);
    rvfk_st_u64(b + 15, 9);
    rvfk_st_u64(b + 23, UINT64_MAX);
    rvfk_st_u32(b + 31, rvfk_crc32c(b, 31));
    rvf_vec_block *blk;
    uint32_t nb;
    CHECK_EQ_INT(rvf_vecseg_blocks(p, 128, &blk, &nb), RVF_OK);
    uint64_t ids[2];
    float rows[2];
    CHECK_EQ_INT(rvf_vecseg_decode_block(p, 128, blk, ids, rows), RVF_OK);
    CHECK_EQ_U64(ids[0], 9);
    CHECK_EQ_U64(ids[1], UINT64_MAX);
    CHECK_EQ_BITS(rows[1], -1.5f);
    /* with a valid CRC, header fields that disagree are malformed */
    rvfk_st_u32(b + 11, 3); /* id_count != directory count */
    rvfk_st_u32(b + 31, rvfk_crc32c(b, 31));
    CHECK_EQ_INT(rvf_vecseg_decode_block(p, 128, blk, ids, rows), RVF_ERR_TRUNCATED_SEGMENT);
    rvfk_st_u32(b + 11, 2);
    b[8] = 2; /* unknown encoding: located as delta-varint, the CRC fails there */
    rvfk_st_u32(b + 31, rvfk_crc32c(b, 31));
    CHECK_EQ_INT(rvf_vecseg_decode_block(p, 128, blk, ids, rows), RVF_ERR_INVALID_CHECKSUM);
    b[8] =
        1; /* read as varints the ids are 09, 00 (9, +0): a valid CRC after them, duplicate ids */
    rvfk_st_u32(b + 17, rvfk_crc32c(b, 17));
    CHECK_EQ_INT(rvf_vecseg_decode_block(p, 128, blk, ids, rows), RVF_ERR_TRUNCATED_SEGMENT);
    b[8] = 2; /* unknown encoding with a CRC where delta-varint puts it: refused */
    rvfk_st_u32(b + 17, rvfk_crc32c(b, 17));
    CHECK_EQ_INT(rvf_vecseg_decode_block(p, 128, blk, ids, rows), RVF_ERR_TRUNCATED_SEGMENT);
    b[8] = 0;
    rvfk_st_u64(b + 23, UINT64_MAX);
    rvfk_st_u64(b + 15, UINT64_MAX); /* ids not ascending */
    rvfk_st_u32(b + 31, rvfk_crc32c(b, 31));
    CHECK_EQ_INT(rvf_vecseg_decode_block(p, 128, blk, ids, rows), RVF_ERR_TRUNCATED_SEGMENT);
    rvf_free(blk);

    /* delta-varint with restart 0 and a valid CRC */
    uint8_t q[128];
    memcpy(q, example, 128);
    rvfk_st_u16(q + 64 + 17, 0);
    rvfk_st_u32(q + 64 + 25, rvfk_crc32c(q + 64, 25));
    rvf_vec_block e = {64, 2, 2, 0, 1};
    float r4[4];
    CHECK_EQ_INT(rvf_vecseg_decode_block(q, 128, &e, ids, r4), RVF_ERR_TRUNCATED_SEGMENT);
    /* restart 1: both ids absolute (5, 2) decrease */
    rvfk_st_u16(q + 64 + 17, 1);
    rvfk_st_u32(q + 64 + 25, rvfk_crc32c(q + 64, 25));
    CHECK_EQ_INT(rvf_vecseg_decode_block(q, 128, &e, ids, r4), RVF_ERR_TRUNCATED_SEGMENT);
}

static void test_truncation(void)
{
    rvf_vec_block blk = {64, 2, 2, 0, 1};
    uint64_t ids[2];
    float rows[4];
    for (size_t cut = 0; cut < 128; cut++) {
        rvf_vec_block *bl = NULL;
        uint32_t nb;
        rvf_status s = rvf_vecseg_blocks(example, cut, &bl, &nb);
        CHECK_EQ_INT(s, cut < 64 + 29 ? RVF_ERR_TRUNCATED_SEGMENT : RVF_OK);
        CHECK_EQ_INT(rvf_vecseg_decode_block(example, cut, &blk, ids, rows),
                     cut < 64 + 29 ? RVF_ERR_TRUNCATED_SEGMENT : RVF_OK);
        rvf_free(bl);
    }

    /* multi-block: every cut before the last CRC's end fails with TRUNCATED, never reads past */
    rvf_test_rng r = {5};
    enum { N = 50, DIM = 5 };
    uint64_t vid[N], gi[N];
    uint8_t vr[N * DIM], gr[N * DIM];
    make_ids(vid, N, 1, &r);
    for (size_t i = 0; i < sizeof vr; i++)
        vr[i] = (uint8_t)rvf_test_next(&r);
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, vid, vr, N, DIM, 3, 16), RVF_OK);
    rvf_vec_block *bl;
    uint32_t nb, total;
    CHECK_EQ_INT(rvf_vecseg_blocks(b.data, b.len, &bl, &nb), RVF_OK);
    rvf_buf idb;
    rvf_buf_init(&idb);
    rvf_delta_encode(&idb, vid + 48, 2, RVF_VEC_ID_RESTART);
    size_t end = bl[nb - 1].offset + 2 * DIM + 7 + idb.len + 4;
    rvf_buf_free(&idb);
    rvf_free(bl);
    for (size_t cut = 0; cut <= b.len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size, so ASan sees any overread */
        memcpy(copy, b.data, cut);
        CHECK_EQ_INT(decode_all(copy, cut, gi, gr, &total),
                     cut < end ? RVF_ERR_TRUNCATED_SEGMENT : RVF_OK);
        free(copy);
    }
    rvf_buf_free(&b);
}

static void test_bad_directory(void)
{
    uint8_t p[128];
    rvf_vec_block *bl;
    uint32_t nb;
#define DIR_CASE(field_off, put, value)                                                            \
    do {                                                                                           \
        memcpy(p, example, 128);                                                                   \
        put(p + (field_off), value);                                                               \
        CHECK_EQ_INT(rvf_vecseg_blocks(p, 128, &bl, &nb), RVF_ERR_TRUNCATED_SEGMENT);              \
        CHECK(bl == NULL);                                                                         \
    } while (0)
    DIR_CASE(0, rvfk_st_u32, 0xFFFFFFFFu); /* block_count: directory past the end */
    DIR_CASE(0, rvfk_st_u32, 11u);         /* 4 + 12*11 = 136 > 128 */
    DIR_CASE(4, rvfk_st_u32, 65u);         /* offset not 64-aligned */
    DIR_CASE(4, rvfk_st_u32, 128u);        /* offset at the end */
    DIR_CASE(4, rvfk_st_u32, 0xFFFFFFC0u); /* offset far past the end */
    DIR_CASE(4, rvfk_st_u32, 0u);          /* offset inside the directory */
    DIR_CASE(8, rvfk_st_u32, 0xFFFFFFFFu); /* vector_count overflows the payload */
#undef DIR_CASE
    memcpy(p, example, 128);
    rvfk_st_u32(p + 8, 3);
    p[12] = 0xFF; /* dim 255: 3*255*4 bytes cannot fit */
    CHECK_EQ_INT(rvf_vecseg_blocks(p, 128, &bl, &nb), RVF_ERR_TRUNCATED_SEGMENT);
    memcpy(p, example, 128);
    rvfk_st_u16(p + 12, 0xFFFF);
    CHECK_EQ_INT(rvf_vecseg_blocks(p, 128, &bl, &nb), RVF_ERR_TRUNCATED_SEGMENT);
    memcpy(p, example, 128);
    p[14] = 9; /* unknown dtype */
    CHECK_EQ_INT(rvf_vecseg_blocks(p, 128, &bl, &nb), RVF_ERR_TRUNCATED_SEGMENT);
    rvf_vec_block e = {64, 2, 2, 9, 1};
    uint64_t ids[2];
    float rows[4];
    CHECK_EQ_INT(rvf_vecseg_decode_block(example, 128, &e, ids, rows), RVF_ERR_TRUNCATED_SEGMENT);
    e = (rvf_vec_block){192, 2, 2, 0, 1}; /* hand-made entry past the payload */
    CHECK_EQ_INT(rvf_vecseg_decode_block(example, 128, &e, ids, rows), RVF_ERR_TRUNCATED_SEGMENT);
    e = (rvf_vec_block){64, 0xFFFFFFFFu, 0xFFFF, 0, 1};
    CHECK_EQ_INT(rvf_vecseg_decode_block(example, 128, &e, ids, rows), RVF_ERR_TRUNCATED_SEGMENT);

    /* two blocks out of order / overlapping */
    const uint64_t vid[4] = {1, 2, 3, 4};
    const float vr[4] = {1, 2, 3, 4};
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, vid, vr, 4, 1, 0, 2), RVF_OK);
    CHECK_EQ_INT(rvf_vecseg_blocks(b.data, b.len, &bl, &nb), RVF_OK);
    CHECK_EQ_INT(nb, 2);
    rvf_free(bl);
    uint32_t off1 = rvfk_ld_u32(b.data + 4), off2 = rvfk_ld_u32(b.data + 16);
    rvfk_st_u32(b.data + 16, off1); /* second block on top of the first */
    CHECK_EQ_INT(rvf_vecseg_blocks(b.data, b.len, &bl, &nb), RVF_ERR_TRUNCATED_SEGMENT);
    rvfk_st_u32(b.data + 4, off2);
    rvfk_st_u32(b.data + 16, off1); /* swapped */
    CHECK_EQ_INT(rvf_vecseg_blocks(b.data, b.len, &bl, &nb), RVF_ERR_TRUNCATED_SEGMENT);
    rvf_buf_free(&b);
}

int main(void)
{
    RVF_TEST_RUN(test_worked_example);
    RVF_TEST_RUN(test_roundtrips);
    RVF_TEST_RUN(test_f32_values);
    RVF_TEST_RUN(test_code_dtypes);
    RVF_TEST_RUN(test_encode_reject);
    RVF_TEST_RUN(test_corruption_crc);
    RVF_TEST_RUN(test_raw_idmap_and_header_checks);
    RVF_TEST_RUN(test_truncation);
    RVF_TEST_RUN(test_bad_directory);
    return rvf_test_finish();
}

/* test_golden.c: golden files. The valid one is FORMAT.md's worked example (two f32 vectors,
 * dim 2), built here from the byte layouts and checked against the hashes the format document
 * gives; variants add what a v1 reader must skip (unknown TLV tag, unknown segment type,
 * version-2 segment). The invalid ones each break one rule and must be rejected with one precise
 * status (from open, or from the first query: read-only opens read data segments on first
 * use). Every file is also compared with its committed copy in tests/golden/ (regenerate with
 * RVF_GOLDEN_UPDATE=1 after a deliberate format change). */
#include "rvf_manifest.h"
#include "rvf_test.h"
#include "store_util.h"

typedef struct spec {
    const char *name;
    rvf_status want;     /* open status */
    int vec_flip;        /* flip a payload byte of the VEC after hashing */
    int vec_crc_break;   /* flip a block CRC byte, then re-hash (hash ok, CRC bad) */
    int dir_len_delta;   /* directory payload_length off by this */
    uint64_t dir_offset; /* nonzero: directory file_offset */
    uint16_t dim;        /* root dimension (0 = 2) */
    uint8_t dtype;       /* root base dtype */
    int root_magic_bad;  /* break the root magic (CRC kept valid) */
    int tlv_overflow;    /* SEGMENT_DIR length larger than L */
    int extras;          /* unknown TLV + unknown segment + version-2 segment */
    int truncate_by;     /* cut this many bytes off the end */
    int huge_payload;    /* VEC header and dir claim payload_length 2^32 */
} spec;

static uint8_t *make(const spec *sp, size_t *len)
{
    rvf_buf f, pl;
    rvf_buf_init(&f);
    rvf_buf_init(&pl);
    uint64_t ids[2] = {5, 7};
    float rows[4] = {1, 2, 3, 4};
    rvf_vecseg_encode(&pl, ids, rows, 2, 2, 0, 1024);
    if (sp->vec_crc_break)
        pl.data[64 + 16 + 7 + 2] ^= 0x01; /* the CRC follows 16 column bytes and 9 id bytes */
    rvf_dir_entry dir[4];
    rvf_seg_emit(&f, 0, RVF_SEG_VEC, 0, 1, RVF_HASH_XXH3_128, pl.data, pl.len, 1, &dir[0]);
    uint32_t ndir = 1;
    if (sp->vec_flip)
        f.data[64 + 64] ^= 0x40; /* first column value of the block */
    if (sp->extras) {
        static const uint8_t blob[40] = "future segment payload, kept verbatim";
        rvf_seg_emit(&f, 0, 0xF0, 0, 2, RVF_HASH_XXH3_128, blob, sizeof blob, 0, &dir[ndir++]);
        size_t at = f.len;
        rvf_seg_emit(&f, 0, RVF_SEG_VEC, 0, 3, RVF_HASH_XXH3_128, blob, sizeof blob, 0, NULL);
        f.data[at + 4] = 2; /* a version-2 segment: never listed by v1, skipped by scans */
    }
    dir[0].payload_length = (uint64_t)((int64_t)dir[0].payload_length + sp->dir_len_delta);
    if (sp->dir_offset)
        dir[0].file_offset = sp->dir_offset;
    if (sp->huge_payload) {
        rvfk_st_u64(f.data + 0x10, 1ull << 32);
        dir[0].payload_length = 1ull << 32;
    }
    /* the manifest, laid out by hand as in FORMAT.md's worked example */
    uint64_t moff = f.len;
    rvf_buf l1;
    rvf_buf_init(&l1);
    rvf_buf_u16(&l1, RVF_TAG_SEGMENT_DIR);
    rvf_buf_u32(&l1, (uint32_t)(ndir * 64 + (sp->tlv_overflow ? 4096 : 0)));
    rvf_buf_u16(&l1, 0);
    for (uint32_t i = 0; i < ndir; i++) {
        uint8_t *e = rvf_buf_append(&l1, 64);
        rvfk_st_u64(e, dir[i].segment_id);
        e[8] = dir[i].seg_type;
        e[9] = 1;
        rvfk_st_u64(e + 0x10, dir[i].file_offset);
        rvfk_st_u64(e + 0x18, dir[i].payload_length);
        rvfk_st_u32(e + 0x2C, dir[i].block_count);
        memcpy(e + 0x30, dir[i].content_hash, 16);
    }
    if (sp->extras) {
        rvf_buf_u16(&l1, 0x0099);
        rvf_buf_u32(&l1, 5);
        rvf_buf_u16(&l1, 0);
        rvf_buf_put(&l1, "hello", 5);
        rvf_buf_pad(&l1, 0, 8);
    }
    size_t L = l1.len;
    rvf_buf_pad(&l1, 0, 64);
    uint8_t *r = rvf_buf_append(&l1, 4096);
    rvfk_st_u32(r, RVF_ROOT_MAGIC ^ (sp->root_magic_bad ? 0x100u : 0));
    rvfk_st_u16(r + 4, 1);
    rvfk_st_u64(r + 8, moff + 64);
    rvfk_st_u64(r + 0x10, L);
    rvfk_st_u64(r + 0x18, 2);
    rvfk_st_u16(r + 0x20, sp->dim ? sp->dim : 2);
    r[0x22] = sp->dtype;
    rvfk_st_u32(r + 0x24, 1);
    rvfk_st_u32(r + 0xFFC, rvfk_crc32c(r, 0xFFC));
    rvf_seg_emit(&f, 0, RVF_SEG_MANIFEST, 0, sp->extras ? 4 : 2, RVF_HASH_XXH3_128, l1.data, l1.len,
                 0, NULL);
    rvf_buf_free(&l1);
    rvf_buf_free(&pl);
    *len = f.len - (size_t)sp->truncate_by;
    return f.data;
}

static void check_committed(const char *name, const uint8_t *b, size_t len)
{
    const char *src = getenv("RVF_SOURCE");
    if (!src)
        return;
    char path[700];
    snprintf(path, sizeof path, "%s/tests/golden/%s", src, name);
    if (getenv("RVF_GOLDEN_UPDATE")) {
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(b, 1, len, f);
            fclose(f);
        }
        return;
    }
    size_t clen = 0;
    uint8_t *c = read_file(path, &clen);
    CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "  missing %s (RVF_GOLDEN_UPDATE=1 writes it)\n", path);
        return;
    }
    CHECK_EQ_U64(clen, len);
    if (clen == len)
        CHECK_MEM(c, b, len);
    free(c);
}

static void test_worked_example(void)
{
    spec sp = {.name = "worked-example.rvf", .want = RVF_OK};
    size_t len;
    uint8_t *b = make(&sp, &len);
    CHECK_EQ_U64(len, 4480);
    static const uint8_t vec_hash[16] = {0xd1, 0x6f, 0xe3, 0xc4, 0xd5, 0x03, 0xc2, 0xac,
                                         0xef, 0x5a, 0xdb, 0x6f, 0xaa, 0x78, 0xcf, 0x85};
    static const uint8_t man_hash[16] = {0x54, 0x44, 0xbe, 0x81, 0x1e, 0x2e, 0x13, 0x5b,
                                         0xc7, 0x50, 0x0e, 0x71, 0xbb, 0x57, 0x4d, 0xee};
    CHECK_MEM(b + 0x28, vec_hash, 16);
    CHECK_MEM(b + 192 + 0x28, man_hash, 16);
    CHECK_EQ_U64(rvfk_ld_u32(b + len - 4), 0xC3993F72u);
    check_committed(sp.name, b, len);
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_open_view(b, len, &s), RVF_OK);
    float v[2];
    CHECK_EQ_INT(rvf_get_vector(s, 7, v, 2), RVF_OK);
    CHECK_EQ_BITS(v[0], 3.0f);
    CHECK_EQ_BITS(v[1], 4.0f);
    rvf_status_info st;
    rvf_status_get(s, &st);
    CHECK_EQ_INT(st.epoch, 1);
    CHECK_EQ_INT(st.live_vectors, 2);
    CHECK_EQ_INT(st.metric, RVF_METRIC_L2); /* no CAPABILITY_MANIFEST: L2 */
    /* booted from the tail: the root, Level 1 and the one VEC_SEG, nothing else */
    CHECK(st.bytes_read <= len);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
    free(b);
}

static void test_forward_compatible(void)
{
    spec sp = {.name = "forward-compatible.rvf", .want = RVF_OK};
    sp.extras = 1;
    size_t len;
    uint8_t *b = make(&sp, &len);
    check_committed(sp.name, b, len);
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_open_memory(b, len, &s), RVF_OK);
    rvf_status_info st;
    rvf_status_get(s, &st);
    CHECK_EQ_INT(st.live_vectors, 2);
    rvf_segment_info *sg;
    uint32_t n;
    rvf_segments(s, &sg, &n);
    CHECK_EQ_INT(n, 3); /* VEC, the unknown 0xF0, manifest */
    if (n == 3)
        CHECK_EQ_INT(sg[1].seg_type, 0xF0);
    rvf_release(sg);
    /* compaction copies the unknown segment byte for byte */
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    const uint8_t *img;
    size_t ilen;
    rvf_store_bytes(s, &img, &ilen);
    int found = 0;
    for (size_t o = 0; o + 128 <= ilen; o += 64)
        if (img[o + 5] == 0xF0 && memcmp(img + o, b + 192, 128) == 0)
            found = 1;
    CHECK(found);
    rvf_close(s);
    free(b);
}

static void test_invalid(void)
{
    spec cases[] = {
        {.name = "bad-root-magic.rvf", .want = RVF_ERR_MANIFEST_NOT_FOUND, .root_magic_bad = 1},
        {.name = "vec-hash-mismatch.rvf", .want = RVF_ERR_INVALID_CHECKSUM, .vec_flip = 1},
        {.name = "vec-block-crc.rvf", .want = RVF_ERR_INVALID_CHECKSUM, .vec_crc_break = 1},
        {.name = "dir-length-mismatch.rvf", .want = RVF_ERR_INVALID_MANIFEST, .dir_len_delta = 64},
        {.name = "dir-offset-past-eof.rvf",
         .want = RVF_ERR_TRUNCATED_SEGMENT,
         .dir_offset = 1 << 20},
        {.name = "dir-offset-not-segment.rvf", .want = RVF_ERR_INVALID_MAGIC, .dir_offset = 64},
        {.name = "dimension-zero.rvf", .want = RVF_ERR_INVALID_MANIFEST, .dim = 0xFFFF, .dtype = 7},
        {.name = "tlv-overflow.rvf", .want = RVF_ERR_MANIFEST_NOT_FOUND, .tlv_overflow = 1},
        {.name = "truncated-manifest.rvf", .want = RVF_ERR_MANIFEST_NOT_FOUND, .truncate_by = 100},
        {.name = "payload-too-large.rvf", .want = RVF_ERR_SEGMENT_TOO_LARGE, .huge_payload = 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *b = make(&cases[i], &len);
        check_committed(cases[i].name, b, len);
        /* the first failing call of open, then a query (read-only opens read the data
         * segments on first use) */
        rvf_store *s = NULL;
        rvf_status st = rvf_open_view(b, len, &s);
        if (st == RVF_OK) {
            float q[2] = {0, 0};
            rvf_hit h[1];
            uint32_t n;
            rvf_query_params p = {1, -1, NULL, 0, 0};
            st = rvf_query(s, q, 2, &p, h, &n);
        }
        if (st != cases[i].want)
            RVF_FAIL_AT("%s: got %s, want %s (%s)", cases[i].name, rvf_status_name(st),
                        rvf_status_name(cases[i].want), rvf_last_error_detail());
        rvf_test_checks++;
        rvf_close(s);
        free(b);
    }
}

int main(void)
{
    RVF_TEST_RUN(test_worked_example);
    RVF_TEST_RUN(test_forward_compatible);
    RVF_TEST_RUN(test_invalid);
    return rvf_test_finish();
}

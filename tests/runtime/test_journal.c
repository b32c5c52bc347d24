/* test_journal.c: JOURNAL_SEG (rvf_journal.c): exact bytes, round trip of every entry type,
 * unknown types skipped, truncation and rejections. */
#include "rvf_internal.h"
#include "rvf_test.h"

typedef struct {
    rvf_journal_entry e[16];
    uint8_t key[16][32], val[16][32];
    size_t n, stop_at;
} sink;

static rvf_status collect(void *ctx, const rvf_journal_entry *e)
{
    sink *s = ctx;
    if (s->n == s->stop_at)
        return RVF_ERR_KEY_NOT_FOUND; /* any status: it must come back unchanged */
    s->e[s->n] = *e;
    if (e->type == RVF_JOURNAL_UPDATE_METADATA) { /* copy: key/val point into the payload */
        memcpy(s->key[s->n], e->key, e->key_len);
        memcpy(s->val[s->n], e->val, e->val_len);
    }
    s->n++;
    return RVF_OK;
}

static const rvf_journal_entry entries[] = {
    {.type = RVF_JOURNAL_DELETE_VECTOR, .a = 7},
    {.type = RVF_JOURNAL_DELETE_RANGE, .a = 10, .b = 20},
    {.type = RVF_JOURNAL_UPDATE_METADATA,
     .a = 3,
     .key = (const uint8_t *)"color",
     .key_len = 5,
     .val = (const uint8_t *)"red",
     .val_len = 3},
    {.type = RVF_JOURNAL_MOVE_VECTOR, .a = 1, .b = 2, .c = UINT64_MAX},
    {.type = RVF_JOURNAL_REMAP_ID, .a = 100, .b = 200},
    {.type = RVF_JOURNAL_UPDATE_METADATA, .a = 4}, /* empty key and value */
    {.type = RVF_JOURNAL_DELETE_VECTOR, .a = 0x0102030405060708ull},
};
enum { NE = sizeof entries / sizeof entries[0] };
/* entry offsets: 64, 80 (12 -> 16), 104 (20 -> 24), 128 (24), 160 (28 -> 32), 184 (20 -> 24),
 * 200 (16), end 216 (12 -> 16) */
static const size_t entry_off[NE + 1] = {64, 80, 104, 128, 160, 184, 200, 216};

static void test_bytes_and_roundtrip(void)
{
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_journal_encode(&b, 9, 0x1122334455667788ull, entries, NE), RVF_OK);
    CHECK_EQ_INT(b.len, entry_off[NE]);
    uint8_t head[64] = {NE, 0, 0, 0, 9, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    CHECK_MEM(b.data, head, 64);
    static const uint8_t e0[16] = {1, 0, 8, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_MEM(b.data + 64, e0, 16);
    static const uint8_t e2[24] = {3, 0, 20,  0,   3,   0,   0,   0, 0, 0,   0,   0,
                                   5, 0, 'c', 'o', 'l', 'o', 'r', 3, 0, 'r', 'e', 'd'};
    CHECK_MEM(b.data + 104, e2, 24);
    for (size_t i = 0; i < NE; i++) {
        CHECK_EQ_INT(b.data[entry_off[i]], entries[i].type);
        CHECK_EQ_INT(rvfk_ld_u16(b.data + entry_off[i] + 2),
                     entries[i].type == RVF_JOURNAL_UPDATE_METADATA
                         ? 12u + entries[i].key_len + entries[i].val_len
                         : ((size_t[]){0, 8, 16, 0, 24, 16})[entries[i].type]);
    }

    sink s = {.stop_at = SIZE_MAX};
    uint32_t epoch = 0;
    uint64_t prev = 0;
    CHECK_EQ_INT(rvf_journal_decode(b.data, b.len, &epoch, &prev, collect, &s), RVF_OK);
    CHECK_EQ_INT(epoch, 9);
    CHECK_EQ_U64(prev, 0x1122334455667788ull);
    CHECK_EQ_INT(s.n, NE);
    for (size_t i = 0; i < NE && i < s.n; i++) {
        const rvf_journal_entry *w = &entries[i], *g = &s.e[i];
        CHECK_EQ_INT(g->type, w->type);
        CHECK_EQ_U64(g->a, w->a);
        CHECK_EQ_U64(g->b, w->b);
        CHECK_EQ_U64(g->c, w->c);
        CHECK_EQ_INT(g->key_len, w->key_len);
        CHECK_EQ_INT(g->val_len, w->val_len);
        if (w->type == RVF_JOURNAL_UPDATE_METADATA) {
            CHECK(g->key >= b.data && g->val <= b.data + b.len); /* into the payload */
            CHECK(memcmp(s.key[i], w->key ? w->key : (const uint8_t *)"", w->key_len) == 0);
            CHECK(memcmp(s.val[i], w->val ? w->val : (const uint8_t *)"", w->val_len) == 0);
        }
    }
    /* a callback error stops the walk and is returned */
    sink s2 = {.stop_at = 2};
    CHECK_EQ_INT(rvf_journal_decode(b.data, b.len, NULL, NULL, collect, &s2),
                 RVF_ERR_KEY_NOT_FOUND);
    CHECK_EQ_INT(s2.n, 2);
    /* no callback: validation only */
    CHECK_EQ_INT(rvf_journal_decode(b.data, b.len, NULL, NULL, NULL, NULL), RVF_OK);
    rvf_buf_free(&b);

    /* an empty journal is the header alone */
    CHECK_EQ_INT(rvf_journal_encode(&b, 1, 0, NULL, 0), RVF_OK);
    CHECK_EQ_INT(b.len, 64);
    s.n = 0;
    CHECK_EQ_INT(rvf_journal_decode(b.data, b.len, NULL, NULL, collect, &s), RVF_OK);
    CHECK_EQ_INT(s.n, 0);
    rvf_buf_free(&b);
}

static void test_unknown_and_extended(void)
{
    /* DELETE_VECTOR, unknown 0x7F (5 bytes), unknown 0x00 (0 bytes), DELETE_VECTOR with 4 extra
     * payload bytes, REMAP_ID */
    uint8_t p[160] = {0};
    rvfk_st_u32(p, 5);
    size_t o = 64;
    p[o] = 1;
    rvfk_st_u16(p + o + 2, 8);
    rvfk_st_u64(p + o + 4, 11);
    o += 16;
    p[o] = 0x7F;
    rvfk_st_u16(p + o + 2, 5);
    memset(p + o + 4, 0xEE, 5);
    o += 16;
    p[o] = 0x00;
    o += 8;
    p[o] = 1;
    rvfk_st_u16(p + o + 2, 12);
    rvfk_st_u64(p + o + 4, 12);
    o += 16;
    p[o] = 5;
    p[o + 1] = 0xAB; /* reserved: ignored */
    rvfk_st_u16(p + o + 2, 16);
    rvfk_st_u64(p + o + 4, 13);
    rvfk_st_u64(p + o + 12, 14);
    o += 24;
    sink s = {.stop_at = SIZE_MAX};
    CHECK_EQ_INT(rvf_journal_decode(p, o, NULL, NULL, collect, &s), RVF_OK);
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_U64(s.e[0].a, 11);
    CHECK_EQ_U64(s.e[1].a, 12);
    CHECK_EQ_INT(s.e[2].type, RVF_JOURNAL_REMAP_ID);
    CHECK_EQ_U64(s.e[2].b, 14);
    /* the last entry's padding may be missing; bytes after entry_count entries are ignored */
    s.n = 0;
    CHECK_EQ_INT(rvf_journal_decode(p, o - 4, NULL, NULL, collect, &s), RVF_OK);
    CHECK_EQ_INT(rvf_journal_decode(p, sizeof p, NULL, NULL, NULL, NULL), RVF_OK);
}

static void test_truncated(void)
{
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_journal_encode(&b, 1, 0, entries, NE), RVF_OK);
    size_t end = entry_off[NE] - 4; /* the last entry's padding is optional */
    for (size_t cut = 0; cut <= b.len; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        memcpy(c, b.data, cut);
        CHECK_EQ_INT(rvf_journal_decode(c, cut, NULL, NULL, NULL, NULL),
                     cut < end ? RVF_ERR_TRUNCATED_SEGMENT : RVF_OK);
        free(c);
    }
    /* entry_length shorter than the type needs */
    uint8_t *p = b.data;
    uint16_t keep = rvfk_ld_u16(p + 64 + 2);
    rvfk_st_u16(p + 64 + 2, 7);
    CHECK_EQ_INT(rvf_journal_decode(p, b.len, NULL, NULL, NULL, NULL), RVF_ERR_TRUNCATED_SEGMENT);
    rvfk_st_u16(p + 64 + 2, keep);
    /* entry_length past the payload */
    rvfk_st_u16(p + entry_off[NE - 1] + 2, 0xFFFF);
    CHECK_EQ_INT(rvf_journal_decode(p, b.len, NULL, NULL, NULL, NULL), RVF_ERR_TRUNCATED_SEGMENT);
    rvfk_st_u16(p + entry_off[NE - 1] + 2, 8);
    /* UPDATE_METADATA: key_len, then val_len, past entry_length */
    rvfk_st_u16(p + 104 + 12, 9);
    CHECK_EQ_INT(rvf_journal_decode(p, b.len, NULL, NULL, NULL, NULL), RVF_ERR_TRUNCATED_SEGMENT);
    rvfk_st_u16(p + 104 + 12, 5);
    rvfk_st_u16(p + 104 + 19, 4);
    CHECK_EQ_INT(rvf_journal_decode(p, b.len, NULL, NULL, NULL, NULL), RVF_ERR_TRUNCATED_SEGMENT);
    rvfk_st_u16(p + 104 + 19, 3);
    /* a stored DELETE_RANGE with start >= end is malformed */
    rvfk_st_u64(p + 80 + 12, 10);
    CHECK_EQ_INT(rvf_journal_decode(p, b.len, NULL, NULL, NULL, NULL), RVF_ERR_TRUNCATED_SEGMENT);
    rvfk_st_u64(p + 80 + 12, 20);
    CHECK_EQ_INT(rvf_journal_decode(p, b.len, NULL, NULL, NULL, NULL), RVF_OK);
    /* entry_count larger than the entries present */
    rvfk_st_u32(p, NE + 1);
    CHECK_EQ_INT(rvf_journal_decode(p, b.len, NULL, NULL, NULL, NULL), RVF_ERR_TRUNCATED_SEGMENT);
    rvf_buf_free(&b);
}

static void test_encode_reject(void)
{
    rvf_buf b;
    rvf_buf_init(&b);
    rvf_journal_entry e[2] = {{.type = RVF_JOURNAL_DELETE_VECTOR, .a = 1},
                              {.type = RVF_JOURNAL_DELETE_RANGE, .a = 5, .b = 5}};
    CHECK_EQ_INT(rvf_journal_encode(&b, 1, 0, e, 2), RVF_ERR_INVALID_ARGUMENT);
    e[1].a = 6;
    CHECK_EQ_INT(rvf_journal_encode(&b, 1, 0, e, 2), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(b.len, 0); /* nothing written */
    e[1] = (rvf_journal_entry){.type = 0x06};
    CHECK_EQ_INT(rvf_journal_encode(&b, 1, 0, e, 2), RVF_ERR_INVALID_ARGUMENT);
    e[1] = (rvf_journal_entry){.type = 0x00};
    CHECK_EQ_INT(rvf_journal_encode(&b, 1, 0, e, 2), RVF_ERR_INVALID_ARGUMENT);
    static uint8_t big[65535];
    e[1] = (rvf_journal_entry){.type = RVF_JOURNAL_UPDATE_METADATA,
                               .key = big,
                               .key_len = 65523,
                               .val = big,
                               .val_len = 1}; /* 12 + 65524 > 65535 */
    CHECK_EQ_INT(rvf_journal_encode(&b, 1, 0, e, 2), RVF_ERR_INVALID_ARGUMENT);
    e[1].val_len = 0; /* exactly 65535 */
    CHECK_EQ_INT(rvf_journal_encode(&b, 1, 0, e, 2), RVF_OK);
    sink s = {.stop_at = SIZE_MAX};
    CHECK_EQ_INT(rvf_journal_decode(b.data, b.len, NULL, NULL, NULL, &s), RVF_OK);
    rvf_buf_free(&b);
    e[1] = (rvf_journal_entry){.type = RVF_JOURNAL_UPDATE_METADATA, .key_len = 3};
    CHECK_EQ_INT(rvf_journal_encode(&b, 1, 0, e, 2), RVF_ERR_INVALID_ARGUMENT); /* NULL key */
    CHECK_EQ_INT(b.len, 0);
}

int main(void)
{
    RVF_TEST_RUN(test_bytes_and_roundtrip);
    RVF_TEST_RUN(test_unknown_and_extended);
    RVF_TEST_RUN(test_truncated);
    RVF_TEST_RUN(test_encode_reject);
    return rvf_test_finish();
}

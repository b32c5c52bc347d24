/* rvf_journal.c: JOURNAL_SEG (FORMAT.md "JOURNAL_SEG"). entry_length counts the entry's payload
 * (not its 4-byte head or padding), as in the reference runtime's journals. A known entry whose
 * payload is longer than its type needs is accepted and the rest ignored, so that fields can be
 * appended later; a shorter one is malformed. */
#include "rvf_internal.h"

/* Payload bytes of each fixed-size type (index = type); UPDATE_METADATA's is its minimum. */
static const uint8_t entry_size[6] = {0, 8, 16, 12, 24, 16};

static size_t payload_len(const rvf_journal_entry *e)
{
    return e->type == RVF_JOURNAL_UPDATE_METADATA ? 12u + e->key_len + e->val_len
                                                  : entry_size[e->type];
}

rvf_status rvf_journal_encode(rvf_buf *out, uint32_t epoch, uint64_t prev_journal_seg_id,
                              const rvf_journal_entry *e, size_t n)
{
    if (n > UINT32_MAX)
        return RVF_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n; i++) {
        if (e[i].type < RVF_JOURNAL_DELETE_VECTOR || e[i].type > RVF_JOURNAL_REMAP_ID ||
            (e[i].type == RVF_JOURNAL_DELETE_RANGE && e[i].a >= e[i].b) ||
            payload_len(&e[i]) > UINT16_MAX ||
            (e[i].type == RVF_JOURNAL_UPDATE_METADATA &&
             ((e[i].key_len && !e[i].key) || (e[i].val_len && !e[i].val))))
            return RVF_ERR_INVALID_ARGUMENT;
    }
    size_t start = out->len;
    uint8_t *h = rvf_buf_append(out, RVF_JOURNAL_HEADER_SIZE);
    if (h) {
        rvfk_st_u32(h, (uint32_t)n);
        rvfk_st_u32(h + 4, epoch);
        rvfk_st_u64(h + 8, prev_journal_seg_id);
    }
    for (size_t i = 0; i < n; i++) {
        const rvf_journal_entry *x = &e[i];
        rvf_buf_u8(out, x->type);
        rvf_buf_u8(out, 0);
        rvf_buf_u16(out, (uint16_t)payload_len(x));
        rvf_buf_u64(out, x->a);
        if (x->type == RVF_JOURNAL_UPDATE_METADATA) {
            rvf_buf_u16(out, x->key_len);
            rvf_buf_put(out, x->key, x->key_len);
            rvf_buf_u16(out, x->val_len);
            rvf_buf_put(out, x->val, x->val_len);
        } else if (x->type != RVF_JOURNAL_DELETE_VECTOR) {
            rvf_buf_u64(out, x->b);
            if (x->type == RVF_JOURNAL_MOVE_VECTOR)
                rvf_buf_u64(out, x->c);
        }
        rvf_buf_pad(out, start, 8);
    }
    return rvf_buf_status(out);
}

rvf_status rvf_journal_decode(const uint8_t *p, size_t len, uint32_t *epoch, uint64_t *prev,
                              rvf_status (*fn)(void *ctx, const rvf_journal_entry *e), void *ctx)
{
    if (len < RVF_JOURNAL_HEADER_SIZE)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint32_t count = rvfk_ld_u32(p);
    if (epoch)
        *epoch = rvfk_ld_u32(p + 4);
    if (prev)
        *prev = rvfk_ld_u64(p + 8);
    size_t pos = RVF_JOURNAL_HEADER_SIZE;
    for (uint32_t i = 0; i < count; i++) {
        if (len - pos < 4)
            return RVF_ERR_TRUNCATED_SEGMENT;
        uint8_t type = p[pos];
        size_t plen = rvfk_ld_u16(p + pos + 2);
        const uint8_t *q = p + pos + 4;
        if (plen > len - pos - 4)
            return RVF_ERR_TRUNCATED_SEGMENT;
        pos += 4 + plen;
        pos = (pos + 7) & ~(size_t)7;
        if (pos > len) /* the last entry's padding may be cut off */
            pos = len;
        if (type < RVF_JOURNAL_DELETE_VECTOR || type > RVF_JOURNAL_REMAP_ID)
            continue;
        if (plen < entry_size[type])
            return RVF_ERR_TRUNCATED_SEGMENT;
        rvf_journal_entry e = {.type = type, .a = rvfk_ld_u64(q)};
        if (type == RVF_JOURNAL_UPDATE_METADATA) {
            e.key_len = rvfk_ld_u16(q + 8);
            if (plen < 12u + e.key_len)
                return RVF_ERR_TRUNCATED_SEGMENT;
            e.key = q + 10;
            e.val_len = rvfk_ld_u16(q + 10 + e.key_len);
            if (plen < 12u + e.key_len + e.val_len)
                return RVF_ERR_TRUNCATED_SEGMENT;
            e.val = q + 12 + e.key_len;
        } else if (type != RVF_JOURNAL_DELETE_VECTOR) {
            e.b = rvfk_ld_u64(q + 8);
            if (type == RVF_JOURNAL_MOVE_VECTOR)
                e.c = rvfk_ld_u64(q + 16);
            if (type == RVF_JOURNAL_DELETE_RANGE && e.a >= e.b)
                return RVF_ERR_TRUNCATED_SEGMENT;
        }
        if (fn) {
            rvf_status s = fn(ctx, &e);
            if (s != RVF_OK)
                return s;
        }
    }
    return RVF_OK;
}

/* fuzz_journal.c: JOURNAL_SEG payloads (rvf_journal_decode). Input: a payload.
 * Checks: an UPDATE_METADATA key and value lie inside the payload, a DELETE_RANGE has
 * start < end, a walk without a callback gives the same status, and the known entries of an
 * accepted journal re-encoded (rvf_journal_encode) decode to the same entries, epoch and
 * previous-journal id. */
#include "fuzz.h"

typedef struct collect {
    const uint8_t *p;
    size_t len;
    rvf_journal_entry *e;
    size_t n, cap;
} collect;

static rvf_status on_entry(void *ctx, const rvf_journal_entry *e)
{
    collect *c = ctx;
    FUZZ_ASSERT(e->type >= RVF_JOURNAL_DELETE_VECTOR && e->type <= RVF_JOURNAL_REMAP_ID);
    if (e->type == RVF_JOURNAL_DELETE_RANGE)
        FUZZ_ASSERT(e->a < e->b);
    if (e->type == RVF_JOURNAL_UPDATE_METADATA) {
        const uint8_t *end = c->p + c->len;
        FUZZ_ASSERT(e->key >= c->p && e->key <= end && e->key_len <= (size_t)(end - e->key));
        FUZZ_ASSERT(e->val >= c->p && e->val <= end && e->val_len <= (size_t)(end - e->val));
    }
    if (c->n == c->cap) {
        c->cap = 2 * c->cap + 16;
        c->e = realloc(c->e, c->cap * sizeof *c->e);
        FUZZ_ASSERT(c->e != NULL);
    }
    c->e[c->n++] = *e;
    return RVF_OK;
}

static bool same_entry(const rvf_journal_entry *a, const rvf_journal_entry *b)
{
    if (a->type != b->type || a->a != b->a)
        return false;
    switch (a->type) {
    case RVF_JOURNAL_DELETE_VECTOR:
        return true;
    case RVF_JOURNAL_UPDATE_METADATA:
        return a->key_len == b->key_len && a->val_len == b->val_len &&
               memcmp(a->key, b->key, a->key_len) == 0 && memcmp(a->val, b->val, a->val_len) == 0;
    case RVF_JOURNAL_MOVE_VECTOR:
        return a->b == b->b && a->c == b->c;
    default:
        return a->b == b->b;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = fuzz_dup(data, size);
    uint32_t epoch = 0;
    uint64_t prev = 0;
    collect c = {.p = p, .len = size};
    rvf_status st = rvf_journal_decode(p, size, &epoch, &prev, on_entry, &c);
    FUZZ_ASSERT(st == RVF_OK || st == RVF_ERR_TRUNCATED_SEGMENT);
    FUZZ_ASSERT(rvf_journal_decode(p, size, NULL, NULL, NULL, NULL) == st);
    if (st == RVF_OK) {
        rvf_buf out;
        rvf_buf_init(&out);
        FUZZ_ASSERT(rvf_journal_encode(&out, epoch, prev, c.e, c.n) == RVF_OK);
        uint32_t epoch2 = 0;
        uint64_t prev2 = 0;
        collect d = {.p = out.data, .len = out.len};
        FUZZ_ASSERT(rvf_journal_decode(out.data, out.len, &epoch2, &prev2, on_entry, &d) == RVF_OK);
        FUZZ_ASSERT(epoch2 == epoch && prev2 == prev && d.n == c.n);
        for (size_t i = 0; i < c.n; i++)
            FUZZ_ASSERT(same_entry(&c.e[i], &d.e[i]));
        free(d.e);
        rvf_buf_free(&out);
    }
    free(c.e);
    free(p);
    return 0;
}

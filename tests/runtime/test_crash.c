/* test_crash.c: crash safety and corruption (FORMAT.md "Crash recovery").
 * 1. A multi-commit file truncated at every byte offset reopens as exactly the newest commit
 *    that fits, never an error (past the first commit) and never a mix.
 * 2. A writer reopening a file with a torn tail drops the orphan bytes and appends cleanly.
 * 3. Every single-bit flip of a small multi-segment file is detected (open fails and names the
 *    segment, open falls back and reports the skipped manifest, or verify fails: a reader meets
 *    the same error on first use of the segment) or is shown
 *    harmless (the store opens with exactly the original content). The rate is printed. */
#include "rvf_test.h"
#include "store_util.h"

enum { DIM = 4 };

typedef struct commit {
    size_t end;
    uint64_t digest;
} commit;

/* A store with n_commits commits of several kinds; returns its image (malloc'd). */
static uint8_t *build(commit *c, int *n_commits, size_t *len, int small)
{
    rvf_options o = rvf_options_default(DIM);
    rvf_store *s = NULL;
    rvf_create_memory(&o, &s);
    const uint8_t *img;
    int k = 0;
    rvf_store_bytes(s, &img, len);
    c[k++] = (commit){*len, state_digest(s)};
    rvf_test_rng r = {99};
    int batches = small ? 1 : 3;
    for (int b = 0; b < batches; b++) {
        float v[6 * DIM];
        uint64_t ids[6];
        rvf_value meta[6];
        uint32_t cnt[6];
        for (int i = 0; i < 6; i++) {
            for (int d = 0; d < DIM; d++)
                v[i * DIM + d] = rvf_test_unit(&r);
            ids[i] = (uint64_t)(b * 4 + i); /* overlapping ids: upserts */
            meta[i] = (rvf_value){3, RVF_VALUE_I64, {.i64 = -(int64_t)i * b}};
            cnt[i] = 1;
        }
        CHECK_EQ_INT(rvf_ingest(s, v, ids, 6, meta, cnt), RVF_OK);
        rvf_store_bytes(s, &img, len);
        c[k++] = (commit){*len, state_digest(s)};
        if (b == 1 || small) {
            uint64_t del[2] = {ids[0], ids[3]};
            CHECK_EQ_INT(rvf_delete(s, del, 2, NULL), RVF_OK);
            rvf_store_bytes(s, &img, len);
            c[k++] = (commit){*len, state_digest(s)};
        }
    }
    rvf_store_bytes(s, &img, len);
    uint8_t *copy = malloc(*len);
    memcpy(copy, img, *len);
    rvf_close(s);
    *n_commits = k;
    return copy;
}

static void test_truncate_every_byte(void)
{
    commit c[16];
    int nc = 0;
    size_t len = 0;
    uint8_t *img = build(c, &nc, &len, 0);
    long bad = 0, opened = 0;
    for (size_t L = 0; L <= len; L++) {
        rvf_store *s = NULL;
        rvf_status st = rvf_open_view(img, L, &s);
        int want = -1;
        for (int k = 0; k < nc; k++)
            if (c[k].end <= L)
                want = k;
        if (want < 0) {
            if (st != RVF_ERR_MANIFEST_NOT_FOUND && bad++ < 5)
                RVF_FAIL_AT("L=%zu: expected MANIFEST_NOT_FOUND, got %d", L, st);
            rvf_close(s);
            continue;
        }
        if (st != RVF_OK) {
            if (bad++ < 5)
                RVF_FAIL_AT("L=%zu: open failed %d (%s)", L, st, rvf_last_error_detail());
            continue;
        }
        opened++;
        if (state_digest(s) != c[want].digest && bad++ < 5)
            RVF_FAIL_AT("L=%zu: state is not commit %d", L, want);
        rvf_close(s);
    }
    rvf_test_checks++;
    printf("  truncation: %zu offsets, %d commits, %ld reopened as the expected commit, %ld bad\n",
           len + 1, nc, opened, bad);
    CHECK_EQ_INT(bad, 0);
    free(img);
}

static void test_writer_recovers_torn_tail(void)
{
    commit c[16];
    int nc = 0;
    size_t len = 0;
    uint8_t *img = build(c, &nc, &len, 0);
    const char *path = tmp_path("torn.rvf");
    /* cut in the middle of the last commit */
    size_t cut = c[nc - 2].end + (c[nc - 1].end - c[nc - 2].end) / 2;
    FILE *f = fopen(path, "wb");
    fwrite(img, 1, cut, f);
    fclose(f);
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    CHECK_EQ_U64(state_digest(s), c[nc - 2].digest);
    rvf_status_info st;
    rvf_status_get(s, &st);
    CHECK_EQ_U64(st.file_size, c[nc - 2].end); /* orphan bytes dropped before appending */
    float v[DIM] = {1, 2, 3, 4};
    uint64_t id = 1000;
    CHECK_EQ_INT(rvf_ingest(s, v, &id, 1, NULL, NULL), RVF_OK);
    uint64_t d = state_digest(s);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    CHECK_EQ_U64(state_digest(s), d);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
    free(img);
}

static void test_bit_flips(void)
{
    commit c[16];
    int nc = 0;
    size_t len = 0;
    uint8_t *img = build(c, &nc, &len, 1);
    uint64_t want = c[nc - 1].digest;
    uint8_t *buf = malloc(len);
    long failed_open = 0, fallback = 0, verify = 0, harmless = 0, silent = 0, unnamed = 0;
    for (size_t bit = 0; bit < len * 8; bit++) {
        memcpy(buf, img, len);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        rvf_store *s = NULL;
        rvf_status st = rvf_open_view(buf, len, &s);
        if (st != RVF_OK) {
            failed_open++;
            if (!strstr(rvf_last_error_detail(), "offset") &&
                !strstr(rvf_last_error_detail(), "manifest") && unnamed++ < 3)
                RVF_FAIL_AT("bit %zu: error without a segment: %s", bit, rvf_last_error_detail());
            continue;
        }
        rvf_status_info si;
        rvf_status_get(s, &si);
        uint64_t bad_off;
        if (si.recovered_from != UINT64_MAX) {
            fallback++;
            if (!strstr(rvf_last_error_detail(), "damaged") && unnamed++ < 3)
                RVF_FAIL_AT("bit %zu: fallback without a detail line", bit);
        } else if (rvf_verify(s, &bad_off) != RVF_OK)
            verify++;
        else if (state_digest(s) == want)
            harmless++;
        else if (silent++ < 5)
            RVF_FAIL_AT("bit %zu (byte 0x%zx) changed the content without detection", bit, bit / 8);
        rvf_close(s);
    }
    long detected = failed_open + fallback + verify;
    rvf_test_checks++;
    printf("  bit flips: %zu bits of a %zu-byte file with %d commits: %ld detected (%ld at open, "
           "%ld by manifest fallback, %ld by verify), %ld harmless (unhashed header fields, "
           "padding, superseded manifests), %ld undetected\n",
           len * 8, len, nc, detected, failed_open, fallback, verify, harmless, silent);
    printf("  detection rate over flips that change content: %.2f%%\n",
           100.0 * (double)detected / (double)(detected + silent ? detected + silent : 1));
    CHECK_EQ_INT(silent, 0);
    free(buf);
    free(img);
}

/* Random multi-byte damage (the bit-flip test's big brother): whatever open, query, filter,
 * metadata and verify return, they must not crash or read out of bounds (run under ASan). */
static void test_random_mutations(void)
{
    commit c[16];
    int nc = 0;
    size_t len = 0;
    uint8_t *img = build(c, &nc, &len, 0);
    uint8_t *buf = malloc(len);
    rvf_test_rng r = {2024};
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value lit = {0, RVF_VALUE_I64, {.i64 = -2}};
    rvf_filter_cmp(&f, 3, RVF_FILTER_LE, &lit);
    rvf_filter_finish(&f);
    long opened = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(buf, img, len);
        int k = 1 + (int)(rvf_test_next(&r) % 8);
        for (int j = 0; j < k; j++)
            buf[rvf_test_next(&r) % len] = (uint8_t)rvf_test_next(&r);
        size_t cut = rvf_test_next(&r) % 4 == 0 ? (size_t)(rvf_test_next(&r) % len) : len;
        rvf_store *s = NULL;
        if (rvf_open_view(buf, cut, &s) != RVF_OK)
            continue;
        opened++;
        float q[DIM] = {0.5f, -0.5f, 0.25f, 0};
        rvf_hit h[8];
        uint32_t n;
        rvf_query_params p = {8, -1, NULL, 0, 0};
        rvf_query(s, q, DIM, &p, h, &n);
        p.filter = f.bytes;
        p.filter_len = f.len;
        rvf_query(s, q, DIM, &p, h, &n);
        const rvf_value *fv;
        uint32_t nf;
        for (uint64_t id = 0; id < 14; id++)
            rvf_get_metadata(s, id, &fv, &nf);
        rvf_verify(s, NULL);
        rvf_close(s);
    }
    rvf_test_checks++;
    printf("  random damage: 3000 mutated files, %ld opened, no crash\n", opened);
    rvf_filter_free(&f);
    free(buf);
    free(img);
}

int main(void)
{
    RVF_TEST_RUN(test_truncate_every_byte);
    RVF_TEST_RUN(test_writer_recovers_torn_tail);
    RVF_TEST_RUN(test_bit_flips);
    RVF_TEST_RUN(test_random_mutations);
    return rvf_test_finish();
}

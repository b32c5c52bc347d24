/* test_store.c: the store API end to end: create, ingest, query, reopen, metric persistence,
 * upserts, deletes, filters on persisted metadata, compaction, manifest chain, lineage, bad
 * input, memory stores and views. */
#include <math.h>

#include "rvf_manifest.h"
#include "rvf_test.h"
#include "store_util.h"

enum { DIM = 8 };

static void gen(rvf_test_rng *r, float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = rvf_test_unit(r);
}

/* exact reference: squared L2 / -dot / cosine over f32 (the kernel's scalar definitions) */
static float ref_dist(int metric, const float *a, const float *b, uint32_t dim)
{
    return rvfk_dist_f32((rvf_metric)metric, a, b, dim);
}

static void test_create_ingest_query_reopen(void)
{
    const char *path = tmp_path("basic.rvf");
    for (int metric = 0; metric <= 2; metric++) {
        path = tmp_path("basic.rvf");
        rvf_options o = rvf_options_default(DIM);
        o.metric = (rvf_metric)metric;
        rvf_store *s = NULL;
        CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
        rvf_test_rng r = {42 + (uint64_t)metric};
        float v[300 * DIM];
        uint64_t ids[300];
        gen(&r, v, 300 * DIM);
        for (int i = 0; i < 300; i++)
            ids[i] = (uint64_t)i * 3 + 1;
        CHECK_EQ_INT(rvf_ingest(s, v, ids, 100, NULL, NULL), RVF_OK);
        CHECK_EQ_INT(rvf_ingest(s, v + 100 * DIM, ids + 100, 200, NULL, NULL), RVF_OK);
        /* a second writer is refused while this one holds the lock */
        rvf_store *w2 = NULL;
        CHECK_EQ_INT(rvf_open(path, &w2), RVF_ERR_LOCK_HELD);
        float q[DIM];
        gen(&r, q, DIM);
        rvf_hit hits[10];
        uint32_t n = 0;
        rvf_query_params p = {10, -1, NULL, 0, 0};
        CHECK_EQ_INT(rvf_query(s, q, DIM, &p, hits, &n), RVF_OK);
        CHECK_EQ_INT(n, 10);
        /* brute force check */
        for (uint32_t k = 0; k < n; k++) {
            float d = ref_dist(metric, q, v + (hits[k].id - 1) / 3 * DIM, DIM);
            CHECK_NEAR(hits[k].distance, d, 1e-6, 1e-5);
            if (k)
                CHECK(hits[k - 1].distance < hits[k].distance ||
                      (hits[k - 1].distance == hits[k].distance && hits[k - 1].id < hits[k].id));
        }
        uint64_t before = state_digest(s);
        CHECK_EQ_INT(rvf_close(s), RVF_OK);
        /* reopen: same answers, metric persisted */
        CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
        rvf_status_info st;
        CHECK_EQ_INT(rvf_status_get(s, &st), RVF_OK);
        CHECK_EQ_INT(st.metric, metric);
        CHECK_EQ_INT(st.live_vectors, 300);
        CHECK_EQ_INT(st.epoch, 2);
        CHECK_EQ_INT(st.dialect, 0);
        CHECK_EQ_U64(state_digest(s), before);
        rvf_hit h2[10];
        uint32_t n2 = 0;
        CHECK_EQ_INT(rvf_query(s, q, DIM, &p, h2, &n2), RVF_OK);
        CHECK_EQ_INT(n2, n);
        for (uint32_t k = 0; k < n && k < n2; k++) {
            CHECK_EQ_U64(h2[k].id, hits[k].id);
            CHECK_EQ_BITS(h2[k].distance, hits[k].distance);
        }
        uint64_t bad = 0;
        CHECK_EQ_INT(rvf_verify(s, &bad), RVF_OK);
        CHECK_EQ_INT(rvf_ingest(s, v, ids, 1, NULL, NULL), RVF_ERR_READ_ONLY);
        rvf_close(s);
    }
}

static void test_f16_store(void)
{
    const char *path = tmp_path("f16.rvf");
    rvf_options o = rvf_options_default(DIM);
    o.dtype = RVF_DTYPE_F16;
    o.checksum_algo = RVF_HASH_SHAKE256;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    rvf_test_rng r = {7};
    float v[50 * DIM];
    uint64_t ids[50];
    gen(&r, v, 50 * DIM);
    for (int i = 0; i < 50; i++)
        ids[i] = 1000 - (uint64_t)i; /* descending: the writer sorts */
    CHECK_EQ_INT(rvf_ingest(s, v, ids, 50, NULL, NULL), RVF_OK);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    float got[DIM];
    CHECK_EQ_INT(rvf_get_vector(s, 1000, got, DIM), RVF_OK);
    for (int d = 0; d < DIM; d++)
        CHECK_NEAR(got[d], v[d], 1e-3, 1e-3);
    rvf_status_info st;
    rvf_status_get(s, &st);
    CHECK_EQ_INT(st.dtype, RVF_DTYPE_F16);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
}

static void test_bad_input(void)
{
    rvf_options o = rvf_options_default(DIM);
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    float v[3 * DIM] = {0};
    uint64_t ids[3] = {1, 2, 1}; /* duplicate: the later wins */
    for (int i = 0; i < 3 * DIM; i++)
        v[i] = (float)i;
    CHECK_EQ_INT(rvf_ingest(s, v, ids, 0, NULL, NULL), RVF_OK); /* empty batch */
    CHECK_EQ_INT(rvf_ingest(s, v, ids, 3, NULL, NULL), RVF_OK);
    float got[DIM];
    CHECK_EQ_INT(rvf_get_vector(s, 1, got, DIM), RVF_OK);
    CHECK_EQ_BITS(got[0], v[2 * DIM]);
    rvf_status_info st;
    rvf_status_get(s, &st);
    CHECK_EQ_INT(st.live_vectors, 2);
    /* NaN / Inf: the whole batch is refused and nothing is written */
    uint32_t epoch = st.epoch;
    v[5] = NAN;
    CHECK_EQ_INT(rvf_ingest(s, v, ids, 1, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK(strstr(rvf_last_error_detail(), "NaN") != NULL);
    v[5] = INFINITY;
    CHECK_EQ_INT(rvf_ingest(s, v, ids, 1, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    v[5] = 5;
    rvf_status_get(s, &st);
    CHECK_EQ_INT(st.epoch, epoch);
    /* queries */
    rvf_hit hits[8];
    uint32_t n = 99;
    rvf_query_params p = {0, -1, NULL, 0, 0};
    CHECK_EQ_INT(rvf_query(s, v, DIM, &p, hits, &n), RVF_OK); /* k = 0 */
    CHECK_EQ_INT(n, 0);
    p.k = 8;
    CHECK_EQ_INT(rvf_query(s, v, DIM, &p, hits, &n), RVF_ERR_K_TOO_LARGE);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(rvf_query(s, v, DIM - 1, &p, hits, &n), RVF_ERR_DIMENSION_MISMATCH);
    p.metric = 3;
    CHECK_EQ_INT(rvf_query(s, v, DIM, &p, hits, &n), RVF_ERR_METRIC_UNSUPPORTED);
    p.metric = -1;
    float qn[DIM] = {NAN};
    CHECK_EQ_INT(rvf_query(s, qn, DIM, &p, hits, &n), RVF_ERR_INVALID_ARGUMENT);
    /* a filter on a field nobody has: matches nothing, no error */
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value lit = {0, RVF_VALUE_U64, {.u64 = 3}};
    rvf_filter_cmp(&f, 77, RVF_FILTER_EQ, &lit);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    p.filter = f.bytes;
    p.filter_len = f.len;
    CHECK_EQ_INT(rvf_query(s, v, DIM, &p, hits, &n), RVF_ERR_K_TOO_LARGE);
    CHECK_EQ_INT(n, 0);
    uint8_t junk[6] = {1, 0, 1, 0, 0x99, 0};
    p.filter = junk;
    p.filter_len = sizeof junk;
    CHECK_EQ_INT(rvf_query(s, v, DIM, &p, hits, &n), RVF_ERR_FILTER_PARSE_ERROR);
    rvf_filter_free(&f);
    /* empty store */
    rvf_store *e = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &e), RVF_OK);
    p.filter = NULL;
    CHECK_EQ_INT(rvf_query(e, v, DIM, &p, hits, &n), RVF_OK);
    CHECK_EQ_INT(n, 0);
    rvf_close(e);
    /* bad options */
    rvf_options b = rvf_options_default(0);
    CHECK_EQ_INT(rvf_create_memory(&b, &e), RVF_ERR_INVALID_ARGUMENT);
    b = rvf_options_default(70000);
    CHECK_EQ_INT(rvf_create_memory(&b, &e), RVF_ERR_INVALID_ARGUMENT);
    b = rvf_options_default(4);
    b.metric = RVF_METRIC_HAMMING;
    CHECK_EQ_INT(rvf_create_memory(&b, &e), RVF_ERR_METRIC_UNSUPPORTED);
    /* files */
    CHECK_EQ_INT(rvf_open_readonly(tmp_path("missing.rvf"), &e), RVF_ERR_NOT_FOUND);
    const char *path = tmp_path("exists.rvf");
    CHECK_EQ_INT(rvf_create(path, &o, &e), RVF_OK);
    rvf_close(e);
    CHECK_EQ_INT(rvf_create(path, &o, &e), RVF_ERR_ALREADY_EXISTS);
    /* a create that died halfway leaves only <path>.create.tmp, which the next create replaces */
    const char *np = tmp_path("half-created.rvf");
    char half[700];
    snprintf(half, sizeof half, "%s.create.tmp", np);
    FILE *hf = fopen(half, "wb");
    fputs("SFVR partial", hf);
    fclose(hf);
    CHECK_EQ_INT(rvf_create(np, &o, &e), RVF_OK);
    CHECK(access(half, F_OK) != 0);
    rvf_close(e);
    const char *gp = tmp_path("garbage.rvf");
    FILE *g = fopen(gp, "wb");
    for (int i = 0; i < 10000; i++)
        fputc(i * 7, g);
    fclose(g);
    CHECK_EQ_INT(rvf_open_readonly(gp, &e), RVF_ERR_MANIFEST_NOT_FOUND);
    CHECK(strlen(rvf_last_error_detail()) > 0);
    gp = tmp_path("empty.rvf");
    g = fopen(gp, "wb");
    fclose(g);
    CHECK_EQ_INT(rvf_open_readonly(gp, &e), RVF_ERR_MANIFEST_NOT_FOUND);
    rvf_close(s);
}

static void test_delete_and_filters(void)
{
    const char *path = tmp_path("meta.rvf");
    rvf_options o = rvf_options_default(4);
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    enum { N = 40 };
    float v[N * 4];
    uint64_t ids[N];
    rvf_value meta[N * 2];
    uint32_t counts[N];
    static const char *kinds[] = {"cat", "dog", "bird"};
    for (int i = 0; i < N; i++) {
        ids[i] = (uint64_t)i + 1;
        for (int d = 0; d < 4; d++)
            v[i * 4 + d] = (float)(i + d);
        meta[2 * i] =
            (rvf_value){1,
                        RVF_VALUE_STRING,
                        {.bytes = {(const uint8_t *)kinds[i % 3], (uint32_t)strlen(kinds[i % 3])}}};
        meta[2 * i + 1] = (rvf_value){2, RVF_VALUE_U64, {.u64 = (uint64_t)i * 10}};
        counts[i] = i == 5 ? 0 : 2; /* vector 6 has no metadata */
    }
    /* counts skip vector 5's fields: pack them */
    rvf_value packed[N * 2];
    size_t k = 0;
    for (int i = 0; i < N; i++)
        for (uint32_t c = 0; c < counts[i]; c++)
            packed[k++] = meta[2 * i + c];
    CHECK_EQ_INT(rvf_ingest(s, v, ids, N, packed, counts), RVF_OK);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    const rvf_value *f;
    uint32_t nf = 0;
    CHECK_EQ_INT(rvf_get_metadata(s, 2, &f, &nf), RVF_OK);
    CHECK_EQ_INT(nf, 2);
    CHECK(nf == 2 && f[0].type == RVF_VALUE_STRING && f[0].v.bytes.len == 3 &&
          memcmp(f[0].v.bytes.ptr, "dog", 3) == 0);
    CHECK(nf == 2 && f[1].v.u64 == 10);
    CHECK_EQ_INT(rvf_get_metadata(s, 6, &f, &nf), RVF_OK);
    CHECK_EQ_INT(nf, 0);
    /* filter after reopen: kind == "dog" AND n >= 100 -> ids 11, 14, ... (i%3==1, i>=10) */
    rvf_filter flt;
    rvf_filter_init(&flt);
    rvf_value dog = {0, RVF_VALUE_STRING, {.bytes = {(const uint8_t *)"dog", 3}}};
    rvf_value hundred = {0, RVF_VALUE_U64, {.u64 = 100}};
    rvf_filter_cmp(&flt, 1, RVF_FILTER_EQ, &dog);
    rvf_filter_cmp(&flt, 2, RVF_FILTER_GE, &hundred);
    rvf_filter_op(&flt, RVF_FILTER_AND);
    CHECK_EQ_INT(rvf_filter_finish(&flt), RVF_OK);
    float q[4] = {0, 0, 0, 0};
    rvf_hit hits[N];
    uint32_t n = 0;
    rvf_query_params p = {N, -1, flt.bytes, flt.len, 0};
    rvf_status qs = rvf_query(s, q, 4, &p, hits, &n);
    CHECK_EQ_INT(qs, RVF_ERR_K_TOO_LARGE);
    int expect = 0;
    for (int i = 10; i < N; i++)
        expect += i % 3 == 1;
    CHECK_EQ_INT(n, expect);
    for (uint32_t i = 0; i < n; i++)
        CHECK((hits[i].id - 1) % 3 == 1 && hits[i].id - 1 >= 10);
    /* delete by id and by filter; unknown ids ignored */
    uint64_t del[3] = {1, 2, 999}, cnt = 0;
    CHECK_EQ_INT(rvf_delete(s, del, 3, &cnt), RVF_OK);
    CHECK_EQ_INT(cnt, 2);
    CHECK_EQ_INT(rvf_delete_by_filter(s, flt.bytes, flt.len, &cnt), RVF_OK);
    CHECK_EQ_INT(cnt, expect);
    rvf_status_info st;
    rvf_status_get(s, &st);
    CHECK_EQ_INT(st.live_vectors, N - 2 - expect);
    CHECK_EQ_INT(st.total_vectors, N);
    uint64_t digest = state_digest(s);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    CHECK_EQ_U64(state_digest(s), digest);
    CHECK_EQ_INT(rvf_get_vector(s, 1, q, 4), RVF_ERR_NOT_FOUND);
    /* re-ingesting a deleted id brings it back with its new vector (later wins) */
    float nv[4] = {9, 9, 9, 9};
    uint64_t one = 1;
    CHECK_EQ_INT(rvf_ingest(s, nv, &one, 1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_get_vector(s, 1, q, 4), RVF_OK);
    CHECK_EQ_BITS(q[0], 9.0f);
    /* upsert drops the old metadata */
    uint64_t three = 3;
    CHECK_EQ_INT(rvf_ingest(s, nv, &three, 1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_get_metadata(s, 3, &f, &nf), RVF_OK);
    CHECK_EQ_INT(nf, 0);
    digest = state_digest(s);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    CHECK_EQ_U64(state_digest(s), digest);
    /* compaction keeps what is visible, drops the rest */
    rvf_status_get(s, &st);
    uint64_t size_before = st.file_size;
    uint32_t epoch = st.epoch;
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    rvf_status_get(s, &st);
    CHECK(st.file_size < size_before);
    CHECK_EQ_INT(st.epoch, epoch + 1);
    CHECK_EQ_INT(st.deleted_vectors, 0);
    uint64_t d2 = state_digest(s);
    /* the digest includes the epoch; compare content by re-deriving with the old epoch */
    CHECK(d2 != 0);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    CHECK_EQ_U64(state_digest(s), d2);
    CHECK_EQ_INT(rvf_get_metadata(s, 2, &f, &nf), RVF_ERR_NOT_FOUND);
    CHECK_EQ_INT(rvf_get_metadata(s, 5, &f, &nf), RVF_OK);
    CHECK(nf == 2 && f[0].v.bytes.len == 3 && memcmp(f[0].v.bytes.ptr, "dog", 3) == 0);
    CHECK_EQ_INT(rvf_get_metadata(s, 6, &f, &nf), RVF_OK);
    CHECK_EQ_INT(nf, 0);
    rvf_close(s);
    rvf_filter_free(&flt);
}

static void test_epochs_and_chain(void)
{
    const char *path = tmp_path("chain.rvf");
    rvf_options o = rvf_options_default(2);
    o.no_sync = 1;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    uint64_t digests[30];
    rvf_status_info st;
    rvf_status_get(s, &st);
    digests[0] = state_digest(s);
    for (int e = 1; e < 30; e++) {
        float v[2] = {(float)e, (float)-e};
        uint64_t id = (uint64_t)e % 7; /* ids repeat: upserts */
        if (e % 5 == 0)
            CHECK_EQ_INT(rvf_delete(s, &id, 1, NULL), RVF_OK);
        else
            CHECK_EQ_INT(rvf_ingest(s, v, &id, 1, NULL, NULL), RVF_OK);
        rvf_status_get(s, &st);
        if (st.epoch != (uint32_t)e) { /* a delete of an absent id commits nothing */
            digests[e] = 0;
            continue;
        }
        digests[e] = state_digest(s);
    }
    rvf_close(s);
    for (int e = 0; e < 30; e++) {
        if (!digests[e])
            continue;
        CHECK_EQ_INT(rvf_open_at_epoch(path, (uint32_t)e, &s), RVF_OK);
        if (!s)
            continue;
        CHECK_EQ_U64(state_digest(s), digests[e]);
        rvf_close(s);
    }
    CHECK_EQ_INT(rvf_open_at_epoch(path, 1000, &s), RVF_ERR_NOT_FOUND);
    /* an earlier epoch saved as a file of its own */
    CHECK_EQ_INT(rvf_open_at_epoch(path, 12, &s), RVF_OK);
    const char *copy = tmp_path("chain-at-12.rvf");
    CHECK_EQ_INT(rvf_save_as(s, copy, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_save_as(s, copy, NULL), RVF_ERR_ALREADY_EXISTS);
    rvf_store *c = NULL;
    CHECK_EQ_INT(rvf_open_readonly(copy, &c), RVF_OK);
    rvf_status_info a, b;
    rvf_status_get(s, &a);
    rvf_status_get(c, &b);
    CHECK_EQ_U64(a.live_vectors, b.live_vectors);
    CHECK(memcmp(a.file_id, b.file_id, 16) != 0);
    rvf_close(c);
    rvf_close(s);
}

static void test_memory_and_view(void)
{
    rvf_options o = rvf_options_default(3);
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    float v[6] = {1, 2, 3, 4, 5, 6};
    uint64_t ids[2] = {10, 20};
    CHECK_EQ_INT(rvf_ingest(s, v, ids, 2, NULL, NULL), RVF_OK);
    const uint8_t *img;
    size_t len;
    CHECK_EQ_INT(rvf_store_bytes(s, &img, &len), RVF_OK);
    CHECK(len % 64 == 0);
    /* the root is the last 4096 bytes */
    CHECK_EQ_U64(rvfk_ld_u32(img + len - 4096), RVF_ROOT_MAGIC);
    rvf_store *r = NULL;
    CHECK_EQ_INT(rvf_open_view(img, len, &r), RVF_OK);
    CHECK_EQ_U64(state_digest(r), state_digest(s));
    rvf_status_info st;
    rvf_status_get(r, &st);
    /* a view reads the root, Level 1 and the data segments: no more than the file */
    CHECK(st.bytes_read <= len);
    rvf_close(r);
    uint8_t *copy = malloc(len);
    memcpy(copy, img, len);
    rvf_store *m2 = NULL;
    CHECK_EQ_INT(rvf_open_memory(copy, len, &m2), RVF_OK);
    free(copy);
    uint64_t id3 = 30;
    CHECK_EQ_INT(rvf_ingest(m2, v, &id3, 1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_compact(m2), RVF_OK);
    rvf_status_get(m2, &st);
    CHECK_EQ_INT(st.live_vectors, 3);
    rvf_close(m2);
    rvf_close(s);
}

/* A range source over a buffer that counts what is read (the browser backs this with HTTP). */
typedef struct counting_src {
    const uint8_t *b;
    size_t len;
    uint64_t bytes, calls;
    int fail_next; /* that many reads fail with IO_ERROR first (a fetch still in flight) */
} counting_src;

static rvf_status counting_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    counting_src *c = ctx;
    if (c->fail_next > 0) {
        c->fail_next--;
        return RVF_ERR_IO_ERROR;
    }
    if (off > c->len || n > c->len - off)
        return RVF_ERR_TRUNCATED_SEGMENT;
    memcpy(dst, c->b + off, n);
    c->bytes += n;
    c->calls++;
    return RVF_OK;
}

static void test_cold_open_reads_root_and_level1(void)
{
    rvf_options o = rvf_options_default(32);
    o.no_witness = 1;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    rvf_test_rng r = {5};
    static float v[2000 * 32];
    static uint64_t ids[2000];
    gen(&r, v, 2000 * 32);
    for (int i = 0; i < 2000; i++)
        ids[i] = (uint64_t)i;
    for (int b = 0; b < 4; b++)
        CHECK_EQ_INT(rvf_ingest(s, v + b * 500 * 32, ids + b * 500, 500, NULL, NULL), RVF_OK);
    const uint8_t *img;
    size_t len;
    rvf_store_bytes(s, &img, &len);
    rvf_segment_info *sg;
    uint32_t nseg;
    rvf_segments(s, &sg, &nseg);
    uint64_t manifest_bytes = RVF_SEGMENT_HEADER_SIZE + sg[nseg - 1].payload_length;
    rvf_release(sg);
    counting_src c = {img, len, 0, 0, 0};
    rvf_source src = {&c, len, counting_read, NULL};
    rvf_store *r2 = NULL;
    CHECK_EQ_INT(rvf_open_source(&src, &r2), RVF_OK);
    /* open = the last 4096 bytes, one request (RVF-BRIEF §4.5 fast path, §10.5 step 1) */
    CHECK_EQ_U64(c.bytes, 4096);
    CHECK_EQ_U64(c.calls, 1);
    rvf_status_info st;
    rvf_status_get(r2, &st);
    CHECK_EQ_INT(st.load_state, RVF_LOAD_ROOT);
    CHECK_EQ_INT(st.total_vectors, 2000); /* from the root */
    CHECK_EQ_INT(st.dimension, 32);
    CHECK_EQ_U64(st.bytes_read, 4096);
    CHECK_EQ_U64(st.read_requests, 1);
    /* Level 1 on first use, in one request; a failed read leaves the store as it was */
    c.fail_next = 1;
    rvf_segment_info *sg2;
    uint32_t nseg2;
    CHECK_EQ_INT(rvf_segments(r2, &sg2, &nseg2), RVF_ERR_IO_ERROR);
    rvf_status_get(r2, &st);
    CHECK_EQ_INT(st.load_state, RVF_LOAD_ROOT);
    CHECK_EQ_INT(rvf_segments(r2, &sg2, &nseg2), RVF_OK);
    CHECK_EQ_INT(nseg2, nseg);
    rvf_release(sg2);
    CHECK_EQ_U64(c.bytes, manifest_bytes); /* root + header + Level 1, nothing twice */
    CHECK_EQ_U64(c.calls, 2);
    rvf_status_get(r2, &st);
    CHECK_EQ_INT(st.live_vectors, 2000); /* known from the root and Level 1 */
    CHECK_EQ_U64(st.bytes_read, manifest_bytes);
    CHECK_EQ_U64(st.read_requests, c.calls); /* every range request is counted */
    CHECK_EQ_INT(st.load_state, RVF_LOAD_MANIFEST);
    float q[32];
    gen(&r, q, 32);
    rvf_hit h1[5], h2[5];
    uint32_t n1, n2;
    rvf_query_params p = {5, -1, NULL, 0, 0};
    c.fail_next = 1; /* a failed data read: the query fails, the retry answers */
    CHECK(rvf_query(r2, q, 32, &p, h1, &n1) != RVF_OK);
    CHECK_EQ_INT(rvf_query(r2, q, 32, &p, h1, &n1), RVF_OK);
    CHECK_EQ_INT(rvf_query(s, q, 32, &p, h2, &n2), RVF_OK);
    CHECK_EQ_INT(n1, n2);
    for (uint32_t i = 0; i < n1 && i < n2; i++) {
        CHECK_EQ_U64(h1[i].id, h2[i].id);
        CHECK_EQ_BITS(h1[i].distance, h2[i].distance);
    }
    /* the first query read the VEC_SEGs, each once */
    CHECK(c.bytes > manifest_bytes && c.bytes <= len);
    rvf_status_get(r2, &st);
    CHECK_EQ_U64(st.read_requests, c.calls);
    CHECK_EQ_INT(st.load_state, RVF_LOAD_FULL);
    printf("  cold open: %llu bytes (root + Level 1) of %zu; after the first query %llu\n",
           (unsigned long long)manifest_bytes, len, (unsigned long long)c.bytes);
    rvf_close(r2);

    /* a damaged Level 1 under a valid root: the boot succeeds on the root, the first use finds
     * the content hash wrong and falls back to the previous manifest (500 vectors fewer) */
    uint8_t *bad = malloc(len);
    CHECK(bad != NULL);
    if (bad) {
        memcpy(bad, img, len);
        bad[len - manifest_bytes + RVF_SEGMENT_HEADER_SIZE + 9] ^= 0x10;
        counting_src cb = {bad, len, 0, 0, 0};
        rvf_source sb = {&cb, len, counting_read, NULL};
        CHECK_EQ_INT(rvf_open_source(&sb, &r2), RVF_OK);
        rvf_status_get(r2, &st);
        CHECK_EQ_INT(st.load_state, RVF_LOAD_ROOT);
        CHECK_EQ_INT(rvf_query(r2, q, 32, &p, h1, &n1), RVF_OK);
        rvf_status_get(r2, &st);
        CHECK_EQ_INT(st.live_vectors, 1500);
        CHECK_EQ_U64(st.recovered_from, len - manifest_bytes);
        CHECK(strstr(rvf_last_error_detail(), "damaged") != NULL);
        rvf_close(r2);
        free(bad);
    }
    rvf_close(s);
}

static void test_big_manifest_many_commits(void)
{
    /* no limit on manifest size or commit count: 600 commits and 12,000 scattered deletions give
     * a manifest past the reference's 64 KiB window */
    const char *path = tmp_path("many.rvf");
    rvf_options o = rvf_options_default(2);
    o.no_sync = 1;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    static float v[40 * 2];
    static uint64_t ids[40];
    for (int c = 0; c < 600; c++) {
        for (int i = 0; i < 40; i++) {
            ids[i] = (uint64_t)c * 40 + (uint64_t)i;
            v[2 * i] = (float)c;
            v[2 * i + 1] = (float)i;
        }
        CHECK_EQ_INT(rvf_ingest(s, v, ids, 40, NULL, NULL), RVF_OK);
    }
    static uint64_t del[12000];
    for (int i = 0; i < 12000; i++)
        del[i] = (uint64_t)i * 2;
    uint64_t cnt = 0;
    CHECK_EQ_INT(rvf_delete(s, del, 12000, &cnt), RVF_OK);
    CHECK_EQ_INT(cnt, 12000);
    uint64_t d = state_digest(s);
    rvf_segment_info *sg;
    uint32_t nseg;
    rvf_segments(s, &sg, &nseg);
    CHECK(sg[nseg - 1].payload_length > 65536);
    rvf_release(sg);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    CHECK_EQ_U64(state_digest(s), d);
    rvf_status_info st;
    rvf_status_get(s, &st);
    CHECK_EQ_INT(st.live_vectors, 12000);
    CHECK_EQ_INT(st.epoch, 601);
    rvf_close(s);
}

/* Readers see the manifest they opened until rvf_refresh, also across a compaction that replaces
 * the file under them; the writer never waits for them. */
static void test_reader_snapshots(void)
{
    const char *path = tmp_path("snap.rvf");
    rvf_options o = rvf_options_default(4);
    o.no_sync = 1;
    rvf_store *w = NULL, *r1 = NULL, *r2 = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &w), RVF_OK);
    float v[100 * 4];
    uint64_t ids[100];
    for (int i = 0; i < 100; i++) {
        ids[i] = (uint64_t)i;
        for (int d = 0; d < 4; d++)
            v[i * 4 + d] = (float)(i * 4 + d);
    }
    CHECK_EQ_INT(rvf_ingest(w, v, ids, 50, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_open_readonly(path, &r1), RVF_OK); /* lazy: data not read yet */
    uint64_t d50 = state_digest(w);
    CHECK_EQ_INT(rvf_ingest(w, v + 50 * 4, ids + 50, 50, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_open_readonly(path, &r2), RVF_OK);
    uint64_t d100 = state_digest(w);
    CHECK_EQ_U64(state_digest(r1), d50); /* loads now, still the snapshot it opened */
    CHECK_EQ_U64(state_digest(r2), d100);
    uint64_t del[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK_EQ_INT(rvf_delete(w, del, 10, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_compact(w), RVF_OK); /* renames a new file over the path */
    uint64_t dc = state_digest(w);
    CHECK_EQ_U64(state_digest(r1), d50); /* the old file stays readable through its descriptor */
    CHECK_EQ_U64(state_digest(r2), d100);
    CHECK_EQ_INT(rvf_refresh(r1), RVF_OK);
    CHECK_EQ_U64(state_digest(r1), dc);
    rvf_status_info st;
    rvf_status_get(r1, &st);
    CHECK_EQ_INT(st.live_vectors, 90);
    CHECK_EQ_INT(rvf_verify(r1, NULL), RVF_OK);
    rvf_close(r1);
    rvf_close(r2);
    rvf_close(w);
}

static void test_export_reference(void)
{
    const char *path = tmp_path("to-ref.rvf"), *out = tmp_path("to-ref.export.rvf");
    rvf_options o = rvf_options_default(6);
    o.metric = RVF_METRIC_IP;
    rvf_store *s = NULL, *r = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    rvf_test_rng g = {77};
    float v[40 * 6];
    uint64_t ids[40];
    gen(&g, v, 40 * 6);
    for (int i = 0; i < 40; i++)
        ids[i] = 1000 + (uint64_t)i * 7;
    CHECK_EQ_INT(rvf_ingest(s, v, ids, 40, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_delete(s, ids, 5, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_export_reference(s, out), RVF_OK);
    CHECK_EQ_INT(rvf_open_readonly(out, &r), RVF_OK);
    rvf_status_info a, b;
    rvf_status_get(s, &a);
    rvf_status_get(r, &b);
    CHECK_EQ_INT(b.dialect, 1);
    CHECK_EQ_INT(b.metric, RVF_METRIC_IP);
    CHECK_EQ_INT(b.live_vectors, 35);
    CHECK_MEM(b.file_id, a.file_id, 16);
    float q[6];
    gen(&g, q, 6);
    rvf_hit h1[10], h2[10];
    uint32_t n1 = 0, n2 = 0;
    rvf_query_params p = {10, -1, NULL, 0, 0};
    CHECK_EQ_INT(rvf_query(s, q, 6, &p, h1, &n1), RVF_OK);
    CHECK_EQ_INT(rvf_query(r, q, 6, &p, h2, &n2), RVF_OK);
    CHECK_EQ_INT(n1, n2);
    for (uint32_t i = 0; i < n1 && i < n2; i++) {
        CHECK_EQ_U64(h1[i].id, h2[i].id);
        CHECK_EQ_BITS(h1[i].distance, h2[i].distance);
    }
    CHECK_EQ_INT(rvf_export_reference(s, out), RVF_ERR_ALREADY_EXISTS);
    rvf_close(r);
    rvf_close(s);
}

typedef struct seen {
    uint32_t n, bad;
    uint64_t last_id;
    int sorted;
    uint32_t epochs[64];
} seen;

static void on_verify(void *ctx, const rvf_segment_info *seg, rvf_status st, const char *detail)
{
    seen *v = ctx;
    v->n++;
    if (st != RVF_OK) {
        v->bad++;
        CHECK(strstr(detail, "offset") != NULL);
    }
    (void)seg;
}

static int on_epoch(void *ctx, uint32_t epoch, uint64_t offset)
{
    seen *v = ctx;
    (void)offset;
    if (v->n < 64)
        v->epochs[v->n] = epoch;
    v->n++;
    return 0;
}

static int on_vector(void *ctx, uint64_t id, const float *vec, uint32_t dim, const rvf_value *f,
                     uint32_t nf)
{
    seen *v = ctx;
    if (v->n && id <= v->last_id)
        v->sorted = 0;
    v->last_id = id;
    v->n++;
    CHECK_EQ_BITS(vec[0], (float)id);
    CHECK_EQ_INT(dim, 2);
    CHECK(nf == (id % 2 ? 1u : 0u));
    if (nf)
        CHECK_EQ_U64(f[0].v.u64, id * 10);
    return 0;
}

static void test_inspection_calls(void)
{
    rvf_options o = rvf_options_default(2);
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    for (uint64_t b = 0; b < 3; b++) {
        float v[2 * 4];
        uint64_t ids[4];
        rvf_value meta[4];
        uint32_t cnt[4];
        size_t k = 0;
        for (uint64_t i = 0; i < 4; i++) {
            ids[i] = 20 - (b * 4 + i); /* descending ids */
            v[2 * i] = (float)ids[i];
            v[2 * i + 1] = 0;
            cnt[i] = ids[i] % 2 ? 1 : 0;
            if (cnt[i])
                meta[k++] = (rvf_value){4, RVF_VALUE_U64, {.u64 = ids[i] * 10}};
        }
        CHECK_EQ_INT(rvf_ingest(s, v, ids, 4, meta, cnt), RVF_OK);
    }
    seen sv = {0};
    CHECK_EQ_INT(rvf_verify_each(s, on_verify, &sv), RVF_OK);
    rvf_segment_info *sg;
    uint32_t nseg;
    rvf_segments(s, &sg, &nseg);
    uint64_t vec_off = 0;
    for (uint32_t i = 0; i < nseg && !vec_off; i++)
        if (sg[i].seg_type == RVF_SEG_VEC)
            vec_off = sg[i].offset;
    rvf_release(sg);
    CHECK_EQ_INT(sv.n, nseg);
    CHECK_EQ_INT(sv.bad, 0);
    rvf_manifest_info mi;
    CHECK_EQ_INT(rvf_manifest_info_get(s, &mi), RVF_OK);
    CHECK_EQ_INT(mi.epoch, 3);
    CHECK_EQ_INT(mi.dimension, 2);
    CHECK_EQ_U64(mi.total_vectors, 12);
    CHECK(mi.has_chain && mi.has_capability && mi.has_witness);
    CHECK_EQ_U64(mi.l1_offset, mi.offset + 64);
    CHECK(mi.record_count >= 4);
    CHECK_EQ_INT(mi.records[0].tag, RVF_TAG_SEGMENT_DIR);
    seen ch = {0};
    CHECK_EQ_INT(rvf_manifest_chain(s, on_epoch, &ch), RVF_OK);
    CHECK_EQ_INT(ch.n, 4); /* epochs 3, 2, 1, 0 */
    for (uint32_t i = 0; i < ch.n && i < 4; i++)
        CHECK_EQ_INT(ch.epochs[i], 3 - i);
    seen fe = {0, 0, 0, 1, {0}};
    CHECK_EQ_INT(rvf_foreach(s, on_vector, &fe), RVF_OK);
    CHECK_EQ_INT(fe.n, 12);
    CHECK(fe.sorted);
    /* a damaged copy: verify_each reports the one bad segment and goes on */
    const uint8_t *img;
    size_t len;
    rvf_store_bytes(s, &img, &len);
    uint8_t *copy = malloc(len);
    memcpy(copy, img, len);
    copy[vec_off + 64 + 70] ^= 1; /* inside the first VEC_SEG's payload */
    rvf_store *r = NULL;
    CHECK_EQ_INT(rvf_open_view(copy, len, &r), RVF_OK);
    seen bad = {0};
    CHECK(rvf_verify_each(r, on_verify, &bad) != RVF_OK);
    CHECK_EQ_INT(bad.n, nseg);
    CHECK_EQ_INT(bad.bad, 1);
    rvf_close(r);
    free(copy);
    rvf_close(s);
}

/* params->ef > 0: HNSW in memory, extended by ingests, rebuilt after upserts; deleted and
 * filtered-out vectors never returned. */
static void test_hnsw_queries(void)
{
    enum { N = 3000, D = 32, Q = 100 };
    rvf_options o = rvf_options_default(D);
    o.no_witness = 1;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    static float v[N * D];
    static uint64_t ids[N];
    static rvf_value meta[N];
    static uint32_t cnt[N];
    rvf_test_rng r = {31};
    float centre[30][D];
    for (int c = 0; c < 30; c++)
        gen(&r, centre[c], D);
    for (int i = 0; i < N; i++) {
        for (int d = 0; d < D; d++)
            v[i * D + d] = centre[i % 30][d] + 0.3f * rvf_test_unit(&r);
        ids[i] = (uint64_t)i;
        meta[i] = (rvf_value){1, RVF_VALUE_U64, {.u64 = (uint64_t)(i % 2)}};
        cnt[i] = 1;
    }
    CHECK_EQ_INT(rvf_ingest(s, v, ids, N / 2, meta, cnt), RVF_OK);
    float q[D];
    rvf_hit ex[10], ap[10];
    uint32_t ne, na;
    rvf_query_params pe = {10, -1, NULL, 0, 0}, pa = {10, -1, NULL, 0, 64};
    /* first query builds over half the data; the second half arrives afterwards */
    gen(&r, q, D);
    CHECK_EQ_INT(rvf_query(s, q, D, &pa, ap, &na), RVF_OK);
    CHECK_EQ_INT(rvf_ingest(s, v + (N / 2) * D, ids + N / 2, N - N / 2, meta + N / 2, cnt + N / 2),
                 RVF_OK);
    uint64_t del[100];
    for (int i = 0; i < 100; i++)
        del[i] = (uint64_t)i * 7;
    CHECK_EQ_INT(rvf_delete(s, del, 100, NULL), RVF_OK);
    int hit = 0, total = 0;
    for (int t = 0; t < Q; t++) {
        for (int d = 0; d < D; d++)
            q[d] = centre[t % 30][d] + 0.3f * rvf_test_unit(&r);
        CHECK_EQ_INT(rvf_query(s, q, D, &pe, ex, &ne), RVF_OK);
        CHECK_EQ_INT(rvf_query(s, q, D, &pa, ap, &na), RVF_OK);
        CHECK_EQ_INT(na, 10);
        for (uint32_t i = 0; i < na; i++) {
            CHECK(ap[i].id % 7 != 0 || ap[i].id >= 700); /* deleted ids never come back */
            for (uint32_t j = 0; j < ne; j++)
                hit += ap[i].id == ex[j].id;
            if (i)
                CHECK(ap[i - 1].distance <= ap[i].distance);
        }
        total += 10;
    }
    double recall = (double)hit / total;
    printf("  HNSW recall@10 at ef 64 over 3000 x 32 (half ingested after the build): %.3f\n",
           recall);
    CHECK(recall >= 0.95);
    /* a filter: only odd ids */
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value one = {0, RVF_VALUE_U64, {.u64 = 1}};
    rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, &one);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    pa.filter = f.bytes;
    pa.filter_len = f.len;
    CHECK_EQ_INT(rvf_query(s, q, D, &pa, ap, &na), RVF_OK);
    for (uint32_t i = 0; i < na; i++)
        CHECK(ap[i].id % 2 == 1);
    pa.filter = NULL;
    pa.filter_len = 0;
    /* an upsert moves a vector: the index follows (rebuilt) */
    uint64_t moved = 1001;
    CHECK_EQ_INT(rvf_ingest(s, q, &moved, 1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_query(s, q, D, &pa, ap, &na), RVF_OK);
    CHECK_EQ_U64(ap[0].id, moved);
    CHECK_EQ_BITS(ap[0].distance, 0.0f);
    rvf_filter_free(&f);
    rvf_close(s);
}

static void test_derive(void)
{
    const char *pp = tmp_path("parent.rvf"), *cp = tmp_path("child.rvf");
    rvf_options o = rvf_options_default(4);
    o.metric = RVF_METRIC_COSINE;
    rvf_store *p = NULL, *c = NULL;
    CHECK_EQ_INT(rvf_create(pp, &o, &p), RVF_OK);
    CHECK_EQ_INT(rvf_derive(p, cp, 1, "filtered copy", &c), RVF_OK);
    rvf_status_info ps, cs;
    rvf_status_get(p, &ps);
    rvf_status_get(c, &cs);
    CHECK_MEM(cs.parent_id, ps.file_id, 16);
    CHECK_EQ_INT(cs.lineage_depth, 1);
    CHECK_EQ_INT(cs.metric, RVF_METRIC_COSINE);
    CHECK(memcmp(cs.file_id, ps.file_id, 16) != 0);
    CHECK_EQ_INT(rvf_verify(c, NULL), RVF_OK);
    rvf_close(c);
    CHECK_EQ_INT(rvf_derive(p, cp, 1, "again", &c), RVF_ERR_ALREADY_EXISTS);
    rvf_close(p);
}

static void test_segments_listing(void)
{
    rvf_options o = rvf_options_default(2);
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    float v[2] = {1, 2};
    uint64_t id = 1;
    CHECK_EQ_INT(rvf_ingest(s, v, &id, 1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_delete(s, &id, 1, NULL), RVF_OK);
    rvf_segment_info *sg = NULL;
    uint32_t n = 0;
    CHECK_EQ_INT(rvf_segments(s, &sg, &n), RVF_OK);
    /* create witness, VEC, witness, JOURNAL, witness, then this manifest */
    CHECK_EQ_INT(n, 6);
    if (n == 6) {
        CHECK_EQ_INT(sg[0].seg_type, RVF_SEG_WITNESS);
        CHECK_EQ_INT(sg[1].seg_type, RVF_SEG_VEC);
        CHECK_EQ_INT(sg[3].seg_type, RVF_SEG_JOURNAL);
        CHECK_EQ_INT(sg[5].seg_type, RVF_SEG_MANIFEST);
        for (uint32_t i = 0; i < n; i++) {
            CHECK(sg[i].offset % 64 == 0);
            if (i)
                CHECK(sg[i].segment_id > sg[i - 1].segment_id);
        }
    }
    rvf_release(sg);
    rvf_close(s);
}

int main(void)
{
    RVF_TEST_RUN(test_create_ingest_query_reopen);
    RVF_TEST_RUN(test_f16_store);
    RVF_TEST_RUN(test_bad_input);
    RVF_TEST_RUN(test_delete_and_filters);
    RVF_TEST_RUN(test_epochs_and_chain);
    RVF_TEST_RUN(test_memory_and_view);
    RVF_TEST_RUN(test_cold_open_reads_root_and_level1);
    RVF_TEST_RUN(test_big_manifest_many_commits);
    RVF_TEST_RUN(test_reader_snapshots);
    RVF_TEST_RUN(test_export_reference);
    RVF_TEST_RUN(test_inspection_calls);
    RVF_TEST_RUN(test_hnsw_queries);
    RVF_TEST_RUN(test_derive);
    RVF_TEST_RUN(test_segments_listing);
    return rvf_test_finish();
}

/* test_store_index.c: the persisted HNSW index through the public API (rvf_build_index): a
 * sealed INDEX_SEG, reopen without a rebuild and with identical answers, delta segments for
 * appends, replaced vectors (found exactly, before and after reopen), deletes, compaction
 * carrying the index over, full rebuilds, cosine, a damaged index segment, and bad calls. */
#define _POSIX_C_SOURCE 200809L /* pread */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_format.h"
#include "rvf_test.h"
#include "store_util.h"

#define DIM 24
#define N1  3000
#define N2  1000
#define NQ  60
#define K   10

static float data[(N1 + N2) * DIM], queries[NQ * DIM];
static rvf_test_rng rng = {0x1D5EEDull};

/* 40 Gaussian-ish clusters: realistic neighbourhoods, so recall is meaningful. */
static void make_data(void)
{
    float centers[40 * DIM];
    for (size_t i = 0; i < 40 * DIM; i++)
        centers[i] = rvf_test_unit(&rng) * 4.0f;
    for (size_t i = 0; i < N1 + N2; i++) {
        const float *c = centers + (i % 40) * DIM;
        for (size_t d = 0; d < DIM; d++)
            data[i * DIM + d] = c[d] + rvf_test_unit(&rng);
    }
    for (size_t i = 0; i < NQ * DIM; i++)
        queries[i] = centers[(i / DIM) % 40 * DIM + i % DIM] + rvf_test_unit(&rng);
}

static uint64_t *id_range(uint64_t first, size_t n)
{
    uint64_t *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = first + i;
    return ids;
}

static rvf_status query(rvf_store *s, const float *q, uint32_t ef, rvf_hit *out, uint32_t *n)
{
    rvf_query_params p = {.k = K, .metric = -1, .ef = ef};
    return rvf_query(s, q, DIM, &p, out, n);
}

/* recall@K of ef=64 answers against exact ones over all queries */
static double recall(rvf_store *s)
{
    size_t hit = 0;
    for (size_t q = 0; q < NQ; q++) {
        rvf_hit a[K], e[K];
        uint32_t na = 0, ne = 0;
        query(s, queries + q * DIM, 64, a, &na);
        query(s, queries + q * DIM, 0, e, &ne);
        for (uint32_t i = 0; i < na; i++)
            for (uint32_t j = 0; j < ne; j++)
                hit += a[i].id == e[j].id;
    }
    return (double)hit / (NQ * K);
}

/* All approximate answers, to compare across reopen. */
static void answers(rvf_store *s, rvf_hit *out)
{
    for (size_t q = 0; q < NQ; q++) {
        uint32_t n = 0;
        CHECK_EQ_INT(query(s, queries + q * DIM, 32, out + q * K, &n), RVF_OK);
        CHECK_EQ_INT(n, K);
    }
}

/* Field by field: rvf_hit has padding bytes that nobody promises to clear. */
static bool same_hits(const rvf_hit *a, const rvf_hit *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].id != b[i].id || a[i].distance != b[i].distance)
            return false;
    return true;
}

static uint32_t index_segs(rvf_store *s, uint32_t *sealed)
{
    rvf_segment_info *segs = NULL;
    uint32_t n = 0, idx = 0;
    *sealed = 0;
    if (rvf_segments(s, &segs, &n) != RVF_OK)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        if (segs[i].seg_type == 0x02) {
            idx++;
            *sealed += (segs[i].flags & 0x0008) != 0;
        }
    rvf_release(segs);
    return idx;
}

/* An rvf_source over a file descriptor (ctx points to the fd). */
static rvf_status fd_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    ssize_t r = pread(*(int *)ctx, dst, n, (off_t)off);
    return r == (ssize_t)n ? RVF_OK : RVF_ERR_IO_ERROR;
}

static void fd_close(void *ctx)
{
    close(*(int *)ctx);
}

/* A new no-sync store at tmp/<name> (path returned through *path). */
static rvf_store *new_store(const char *name, rvf_metric metric, const char **path)
{
    *path = tmp_path(name);
    rvf_options o = rvf_options_default(DIM);
    o.metric = metric;
    o.no_sync = 1;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(*path, &o, &s), RVF_OK);
    return s;
}

typedef struct prog {
    uint64_t calls, last_done, last_total;
} prog;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    prog *p = ctx;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
}

static void test_build_reopen_append(void)
{
    const char *path;
    rvf_store *s = new_store("index.rvf", RVF_METRIC_L2, &path);
    if (!s)
        return;
    uint64_t *ids = id_range(0, N1 + N2);
    CHECK_EQ_INT(rvf_ingest(s, data, ids, N1, NULL, NULL), RVF_OK);
    rvf_index_options io = rvf_index_options_default();
    prog pr = {0};
    io.progress = on_progress;
    io.progress_ctx = &pr;
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK);
    CHECK(pr.calls >= 2);
    CHECK_EQ_U64(pr.last_done, N1);
    CHECK_EQ_U64(pr.last_total, N1);
    uint32_t sealed;
    CHECK_EQ_INT(index_segs(s, &sealed), 1);
    CHECK_EQ_INT(sealed, 1);
    rvf_status_info si;
    rvf_status_get(s, &si);
    CHECK_EQ_INT(si.index_segments, 1);
    CHECK_EQ_U64(si.indexed_vectors, N1);
    double r = recall(s);
    printf("  recall@10 ef=64 after the build: %.3f\n", r);
    CHECK(r >= 0.95);
    /* nothing new: nothing written */
    uint64_t size_before = si.file_size;
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.file_size, size_before);
    static rvf_hit before[NQ * K], after[NQ * K];
    answers(s, before);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);

    /* reopen read-only: the graph is read, not rebuilt, and answers the same */
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    if (!s)
        return;
    answers(s, after);
    CHECK(same_hits(before, after, NQ * K));
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.indexed_vectors, N1);
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_ERR_READ_ONLY);
    rvf_close(s);

    /* append, extend: a delta segment (not sealed) */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    CHECK_EQ_INT(rvf_ingest(s, data + (size_t)N1 * DIM, ids + N1, N2, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
    CHECK_EQ_INT(index_segs(s, &sealed), 2);
    CHECK_EQ_INT(sealed, 1);
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.indexed_vectors, N1 + N2);
    r = recall(s);
    printf("  recall@10 ef=64 after a delta of %d: %.3f\n", N2, r);
    CHECK(r >= 0.95);
    answers(s, before);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    if (!s)
        return;
    answers(s, after);
    CHECK(same_hits(before, after, NQ * K));
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.indexed_vectors, N1 + N2);
    rvf_close(s);

    /* replaced vectors: id 7 moves onto query 0, id 8 onto query 1; found exactly */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    uint64_t moved[2] = {7, 8};
    CHECK_EQ_INT(rvf_ingest(s, queries, moved, 2, NULL, NULL), RVF_OK);
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.stale_vectors, 2);
    for (int pass = 0; pass < 2; pass++) {
        for (int q = 0; q < 2; q++) {
            rvf_hit h[K];
            uint32_t n = 0;
            CHECK_EQ_INT(query(s, queries + (size_t)q * DIM, 16, h, &n), RVF_OK);
            CHECK_EQ_U64(h[0].id, moved[q]);
            CHECK(h[0].distance == 0.0f);
        }
        rvf_close(s); /* and again after reopen: the load notices the rows moved */
        CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
        if (!s)
            return;
    }
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.stale_vectors, 2);
    /* deletes: never returned */
    uint64_t del[100];
    for (int i = 0; i < 100; i++)
        del[i] = (uint64_t)i * 37 % (N1 + N2);
    CHECK_EQ_INT(rvf_delete(s, del, 100, NULL), RVF_OK);
    int bad = 0;
    for (size_t q = 0; q < NQ; q++) {
        rvf_hit h[K];
        uint32_t n = 0;
        query(s, queries + q * DIM, 64, h, &n);
        for (uint32_t i = 0; i < n; i++)
            for (int d = 0; d < 100; d++)
                bad += h[i].id == del[d];
    }
    CHECK_EQ_INT(bad, 0);
    /* an index build after deletes keeps them deleted (its manifest carries the list) */
    uint64_t more[1] = {N1 + N2 + 5};
    CHECK_EQ_INT(rvf_ingest(s, queries + 2 * DIM, more, 1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.deleted_vectors, 100);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.deleted_vectors, 100);
    for (size_t q = 0; q < NQ; q++) {
        rvf_hit h[K];
        uint32_t n = 0;
        query(s, queries + q * DIM, 64, h, &n);
        for (uint32_t i = 0; i < n; i++)
            for (int d = 0; d < 100; d++)
                bad += h[i].id == del[d];
        query(s, queries + q * DIM, 0, h, &n);
        for (uint32_t i = 0; i < n; i++)
            for (int d = 0; d < 100; d++)
                bad += h[i].id == del[d];
    }
    CHECK_EQ_INT(bad, 0);
    /* compaction: the graph renumbered into one sealed segment plus a Layer B (level 1, not
     * sealed: older readers lay it over the graph as a no-op delta) and a Layer A (sealed, HOT);
     * answers stay good, moved rows indexed */
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    CHECK_EQ_INT(index_segs(s, &sealed), 3);
    CHECK_EQ_INT(sealed, 2);
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.stale_vectors, 0);
    r = recall(s);
    printf("  recall@10 ef=64 after compaction: %.3f\n", r);
    CHECK(r >= 0.95);
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.indexed_vectors, N1 + N2 + 1 - 100);
    for (int q = 0; q < 2; q++) {
        rvf_hit h[K];
        uint32_t n = 0;
        CHECK_EQ_INT(query(s, queries + (size_t)q * DIM, 16, h, &n), RVF_OK);
        if (moved[q] % 37 != 0)
            CHECK_EQ_U64(h[0].id, moved[q]);
    }
    /* full rebuild with other parameters replaces the stored graph */
    io = rvf_index_options_default();
    io.m = 8;
    io.ef_construction = 64;
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK);
    CHECK_EQ_INT(index_segs(s, &sealed), 1);
    rvf_status_get(s, &si);
    CHECK(si.dead_bytes > 0);
    r = recall(s);
    printf("  recall@10 ef=64 with M 8, ef_construction 64: %.3f\n", r);
    CHECK(r >= 0.90);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
    free(ids);
}

/* The Level-0 hotset pointers of the file at path (RVF-BRIEF §4.2): entry points, top layer,
 * centroids, each {seg_offset, block_offset, count}; returns the Layer-A segment's offset (0 if
 * none is listed) after checking the three pointers name it. */
static uint64_t check_hotset(rvf_store *s, const char *path)
{
    uint64_t la = 0;
    rvf_segment_info *sg = NULL;
    uint32_t n = 0;
    CHECK_EQ_INT(rvf_segments(s, &sg, &n), RVF_OK);
    for (uint32_t i = 0; i < n; i++)
        if (sg[i].seg_type == RVF_SEG_INDEX && (sg[i].flags & RVF_FLAG_HOT))
            la = sg[i].offset;
    rvf_release(sg);
    uint8_t root[4096];
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return la;
    CHECK(fseek(f, -4096, SEEK_END) == 0 && fread(root, 1, sizeof root, f) == sizeof root);
    fclose(f);
    uint32_t prev = 0;
    for (int i = 0; i < 3; i++) {
        const uint8_t *h = root + RVF_ROOT_OFF_ENTRYPOINT + 16 * i;
        uint32_t block = rvfk_ld_u32(h + 8), count = rvfk_ld_u32(h + 12);
        CHECK_EQ_U64(rvfk_ld_u64(h), la);
        if (la) { /* blocks 0..2 of the Layer-A payload: in order from 0x80, 64-aligned */
            CHECK(i ? block > prev : block == 0x80);
            CHECK(block % 64 == 0 && count > 0);
        } else
            CHECK(block == 0 && count == 0);
        prev = block;
    }
    /* nothing writes a QUANT_SEG pointer yet; no HOT_SEG without an access history (these
     * stores are compacted before any query: test_store_hot.c covers the hot cache) */
    for (int i = 3; i < 5; i++)
        CHECK_EQ_U64(rvfk_ld_u64(root + RVF_ROOT_OFF_ENTRYPOINT + 16 * i), 0);
    return la;
}

/* §6.2 progressive: after a compaction the file is laid out by partition; a read-only open reads
 * the manifest, the first approximate query only Layer A and the probed partitions, and
 * rvf_load brings the full graph. */
static void test_progressive(void)
{
    const char *path;
    rvf_store *s = new_store("index-prog.rvf", RVF_METRIC_L2, &path);
    if (!s)
        return;
    enum { N = N1 + N2 };
    uint64_t *ids = id_range(500, N);
    CHECK_EQ_INT(rvf_ingest(s, data, ids, N, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
    uint64_t del[3] = {500, 777, 4000};
    CHECK_EQ_INT(rvf_delete(s, del, 3, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    CHECK(check_hotset(s, path) != 0); /* the compaction wrote Layer A and pointed the root at it */
    uint64_t del2[2] = {501, 900}; /* deleted after the compaction: the Layer-A path skips them */
    CHECK_EQ_INT(rvf_delete(s, del2, 2, NULL), RVF_OK);
    CHECK(check_hotset(s, path) != 0); /* later commits carry the pointers over */
    static rvf_hit exact[NQ * K];
    for (size_t q = 0; q < NQ; q++) {
        uint32_t n = 0;
        CHECK_EQ_INT(query(s, queries + q * DIM, 0, exact + q * K, &n), RVF_OK);
    }
    rvf_close(s);

    /* a path open loads everything on the first approximate query (full quality) */
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    if (!s)
        return;
    rvf_status_info si;
    rvf_hit h[K];
    uint32_t n = 0;
    CHECK_EQ_INT(query(s, queries, 32, h, &n), RVF_OK);
    rvf_status_get(s, &si);
    CHECK_EQ_INT(si.load_state, RVF_LOAD_FULL);
    rvf_close(s);

    /* a range source is progressive */
    int fd = open(path, O_RDONLY);
    struct stat sb;
    CHECK(fd >= 0 && fstat(fd, &sb) == 0);
    rvf_source src = {&fd, (uint64_t)sb.st_size, fd_read, fd_close};
    CHECK_EQ_INT(rvf_open_source(&src, &s), RVF_OK);
    if (!s)
        return;
    rvf_status_get(s, &si);
    CHECK_EQ_INT(si.load_state, RVF_LOAD_ROOT);
    CHECK_EQ_U64(si.bytes_read, 4096);
    CHECK_EQ_U64(si.read_requests, 1);
    uint64_t boot = si.bytes_read;
    CHECK_EQ_INT(query(s, queries, 32, h, &n), RVF_OK);
    rvf_status_get(s, &si);
    CHECK_EQ_INT(si.load_state, RVF_LOAD_LAYER_A);
    CHECK(si.partitions_loaded >= 1 && si.partitions_loaded <= 10);
    printf("  boot %llu bytes; first query %llu bytes (%u partitions) of %llu\n",
           (unsigned long long)boot, (unsigned long long)si.bytes_read, si.partitions_loaded,
           (unsigned long long)si.file_size);
    CHECK(si.bytes_read < si.file_size / 2);
    size_t hit = 0;
    int bad = 0;
    for (size_t q = 0; q < NQ; q++) {
        n = 0;
        rvf_status st = query(s, queries + q * DIM, 32, h, &n);
        CHECK(st == RVF_OK || st == RVF_ERR_K_TOO_LARGE);
        for (uint32_t i = 0; i < n; i++) {
            bad += h[i].id == 500 || h[i].id == 777 || h[i].id == 501 || h[i].id == 900;
            for (uint32_t j = 0; j < K; j++)
                hit += h[i].id == exact[q * K + j].id;
        }
    }
    double r = (double)hit / (NQ * K);
    rvf_status_get(s, &si);
    printf("  Layer A only: recall@10 %.3f after %u partitions, %llu bytes\n", r,
           si.partitions_loaded, (unsigned long long)si.bytes_read);
    CHECK(r >= 0.70);
    CHECK_EQ_INT(bad, 0);
    /* more than the probed partitions hold: the whole store answers, never a short list */
    static rvf_hit big[2000];
    rvf_query_params pb = {2000, -1, NULL, 0, 64};
    CHECK_EQ_INT(rvf_query(s, queries, DIM, &pb, big, &n), RVF_OK);
    CHECK_EQ_INT(n, 2000);
    uint32_t parts = si.partitions_loaded;
    CHECK_EQ_INT(rvf_load(s), RVF_OK);
    rvf_status_get(s, &si);
    CHECK_EQ_INT(si.load_state, RVF_LOAD_FULL);
    CHECK_EQ_INT(si.partitions_loaded, parts); /* what the Layer-A queries read, still reported */
    /* the load does not read again the partitions the Layer-A queries read: no byte twice */
    printf("  after rvf_load: %llu bytes read of %llu\n", (unsigned long long)si.bytes_read,
           (unsigned long long)si.file_size);
    CHECK(si.bytes_read <= si.file_size);
    CHECK_EQ_U64(si.indexed_vectors, N - 3);
    r = recall(s);
    printf("  after rvf_load: recall@10 ef=64 %.3f\n", r);
    CHECK(r >= 0.95);
    CHECK_EQ_INT(rvf_load(NULL), RVF_ERR_INVALID_ARGUMENT);
    rvf_close(s);
    /* a full rebuild replaces every INDEX_SEG, Layer A too: the root's pointers go with it */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (s) {
        rvf_index_options io = rvf_index_options_default();
        io.full = 1;
        CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK);
        CHECK_EQ_U64(check_hotset(s, path), 0);
        rvf_close(s);
    }
    free(ids);
}

static void test_cosine_and_damage(void)
{
    const char *path;
    rvf_store *s = new_store("index-cos.rvf", RVF_METRIC_COSINE, &path);
    if (!s)
        return;
    uint64_t *ids = id_range(1000, N1);
    CHECK_EQ_INT(rvf_ingest(s, data, ids, N1, NULL, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
    double r = recall(s);
    printf("  cosine recall@10 ef=64: %.3f\n", r);
    CHECK(r >= 0.95);
    /* reported distances are §8.1's cosine exactly */
    rvf_hit h[K];
    uint32_t n = 0;
    CHECK_EQ_INT(query(s, queries, 64, h, &n), RVF_OK);
    for (uint32_t i = 0; i < n; i++) {
        float v[DIM];
        rvf_get_vector(s, h[i].id, v, DIM);
        double dot = 0, na = 0, nb = 0;
        for (int d = 0; d < DIM; d++) {
            dot += (double)queries[d] * v[d];
            na += (double)queries[d] * queries[d];
            nb += (double)v[d] * v[d];
        }
        CHECK(fabs(h[i].distance - (1.0 - dot / sqrt(na * nb))) < 1e-5);
    }
    rvf_close(s);

    /* damage one byte of the INDEX_SEG payload: the store falls back to an in-memory graph */
    size_t len;
    uint8_t *b = read_file(path, &len);
    size_t at = 0;
    for (size_t off = 0; b && off + 64 <= len; off += 64)
        if (memcmp(b + off, "SFVR", 4) == 0 && b[off + 5] == 0x02) {
            at = off + 64 + 200;
            break;
        }
    CHECK(at > 0);
    if (b && at) {
        b[at] ^= 0x40;
        FILE *f = fopen(path, "wb");
        fwrite(b, 1, len, f);
        fclose(f);
    }
    free(b);
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    if (s) {
        r = recall(s);
        printf("  recall@10 ef=64 with the index segment damaged (rebuilt in memory): %.3f\n", r);
        CHECK(r >= 0.95);
        rvf_status_info si;
        rvf_status_get(s, &si);
        CHECK_EQ_U64(si.indexed_vectors, 0); /* the stored graph was not used */
        CHECK(rvf_verify(s, NULL) != RVF_OK);
        rvf_close(s);
    }
    free(ids);
}

/* §8.4: 0.5% passing (pre-filter: exact), 10% (intra), 50% (post); recall against the exact
 * filtered answers, and never a vector the filter rejects. */
static void test_filtered(void)
{
    const char *path;
    rvf_store *s = new_store("index-filter.rvf", RVF_METRIC_L2, &path);
    if (!s)
        return;
    enum { N = N1 + N2 };
    uint64_t *ids = id_range(0, N);
    rvf_value *meta = malloc(N * sizeof *meta);
    uint32_t *counts = malloc(N * sizeof *counts);
    for (size_t i = 0; i < N; i++) {
        meta[i] = (rvf_value){1, RVF_VALUE_U64, {.u64 = (i * 7919) % 200}};
        counts[i] = 1;
    }
    CHECK_EQ_INT(rvf_ingest(s, data, ids, N, meta, counts), RVF_OK);
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
    const uint64_t below[3] = {1, 20, 100}; /* field < below: 0.5%, 10%, 50% */
    for (int c = 0; c < 3; c++) {
        rvf_filter f;
        rvf_filter_init(&f);
        rvf_value lit = {0, RVF_VALUE_U64, {.u64 = below[c]}};
        rvf_filter_cmp(&f, 1, RVF_FILTER_LT, &lit);
        CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
        size_t hit = 0, total = 0;
        int wrong = 0, exact_same = 1;
        for (size_t q = 0; q < NQ; q++) {
            rvf_hit a[K], e[K];
            uint32_t na = 0, ne = 0;
            rvf_query_params p = {K, -1, f.bytes, f.len, 64};
            CHECK_EQ_INT(rvf_query(s, queries + q * DIM, DIM, &p, a, &na), RVF_OK);
            p.ef = 0;
            CHECK_EQ_INT(rvf_query(s, queries + q * DIM, DIM, &p, e, &ne), RVF_OK);
            for (uint32_t i = 0; i < na; i++) {
                wrong += (a[i].id * 7919) % 200 >= below[c];
                for (uint32_t j = 0; j < ne; j++)
                    hit += a[i].id == e[j].id;
            }
            total += ne;
            exact_same &= na == ne;
            for (uint32_t i = 0; i < na && i < ne; i++) /* fields: the struct has padding */
                exact_same &= a[i].id == e[i].id && a[i].distance == e[i].distance;
        }
        double r = total ? (double)hit / (double)total : 0;
        printf("  filter passing %.1f%%: recall@10 ef=64 %.3f\n", (double)below[c] / 2.0, r);
        CHECK_EQ_INT(wrong, 0);
        CHECK(r >= 0.90);
        if (c == 0) /* pre-filter: the exact answers */
            CHECK(exact_same);
        rvf_filter_free(&f);
    }
    rvf_close(s);
    free(ids);
    free(meta);
    free(counts);
}

/* §7.2: returned ids count for their block; the sketch survives index builds, reopen and
 * compaction as a SKETCH_SEG. */
static void test_temperature(void)
{
    const char *path;
    rvf_store *s = new_store("index-temp.rvf", RVF_METRIC_L2, &path);
    if (!s)
        return;
    uint64_t *ids = id_range(0, N1);
    CHECK_EQ_INT(rvf_ingest(s, data, ids, N1, NULL, NULL), RVF_OK);
    uint8_t est = 0, tier = 9;
    CHECK_EQ_INT(rvf_temperature(s, 5, &est, &tier), RVF_OK);
    CHECK_EQ_INT(est, 0);
    CHECK_EQ_INT(tier, 2);
    /* 60 queries x k 10 = 600 accesses over blocks 0-2 (ids < 3000) */
    for (size_t q = 0; q < NQ; q++) {
        rvf_hit h[K];
        uint32_t n = 0;
        query(s, queries + q * DIM, 0, h, &n);
    }
    uint8_t e0 = 0, t0 = 9;
    CHECK_EQ_INT(rvf_temperature(s, 5, &e0, &t0), RVF_OK);
    CHECK(e0 > 16); /* about a third of 600 */
    CHECK(t0 <= 1);
    CHECK_EQ_INT(rvf_temperature(s, 1000000000, &est, &tier), RVF_OK);
    CHECK(est < e0);
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK); /* writes the SKETCH_SEG */
    rvf_segment_info *segs = NULL;
    uint32_t nseg = 0, sketches = 0;
    rvf_segments(s, &segs, &nseg);
    for (uint32_t i = 0; i < nseg; i++)
        sketches += segs[i].seg_type == 0x09;
    rvf_release(segs);
    CHECK_EQ_INT(sketches, 1);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    CHECK_EQ_INT(rvf_temperature(s, 5, &est, &tier), RVF_OK);
    CHECK_EQ_INT(est, e0);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    CHECK_EQ_INT(rvf_temperature(s, 5, &est, &tier), RVF_OK);
    CHECK_EQ_INT(est, e0);
    rvf_close(s);
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    if (s) {
        CHECK_EQ_INT(rvf_temperature(s, 5, &est, &tier), RVF_OK);
        CHECK_EQ_INT(est, e0); /* after compaction, from the file */
        CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
        CHECK_EQ_INT(rvf_temperature(s, 5, NULL, &tier), RVF_ERR_INVALID_ARGUMENT);
        rvf_close(s);
    }
    free(ids);
}

static void test_bad_calls(void)
{
    CHECK_EQ_INT(rvf_build_index(NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    rvf_options o = rvf_options_default(DIM);
    o.dtype = RVF_DTYPE_F16;
    o.no_sync = 1;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(tmp_path("index-f16.rvf"), &o, &s), RVF_OK);
    if (s) {
        CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_ERR_INVALID_ARGUMENT);
        rvf_close(s);
    }
    o = rvf_options_default(DIM);
    o.no_sync = 1;
    CHECK_EQ_INT(rvf_create(tmp_path("index-bad.rvf"), &o, &s), RVF_OK);
    if (!s)
        return;
    rvf_index_options io = rvf_index_options_default();
    io.metric = RVF_METRIC_HAMMING;
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_ERR_METRIC_UNSUPPORTED);
    io = rvf_index_options_default();
    io.m = 1;
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_ERR_INVALID_ARGUMENT);
    /* an empty store: an empty sealed graph, then queries answer nothing */
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
    rvf_hit h[K];
    uint32_t n = 7;
    CHECK_EQ_INT(query(s, queries, 16, h, &n), RVF_OK);
    CHECK_EQ_INT(n, 0);
    rvf_close(s);
}

/* A compaction that lays rows out by partition writes metadata in id order, one META_SEG per
 * run of ids (gaps of up to 64 ids bridged by empty rows): sparse ids (every third) with some
 * vectors lacking metadata make one segment, not one per vector, and every value survives. */
static void test_compact_meta_runs(void)
{
    const char *path;
    rvf_store *s = new_store("index-meta.rvf", RVF_METRIC_L2, &path);
    if (!s)
        return;
    enum { M = 600 };
    static uint64_t ids[M];
    static rvf_value vals[M];
    static uint32_t counts[M];
    size_t nv = 0;
    for (size_t i = 0; i < M; i++) {
        ids[i] = 3 * i + 1;
        counts[i] = i % 10 != 0; /* every tenth vector has no metadata */
        if (counts[i])
            vals[nv++] = (rvf_value){.field_id = 1, .type = RVF_VALUE_U64, .v.u64 = ids[i] * 7};
    }
    CHECK_EQ_INT(rvf_ingest(s, data, ids, M, vals, counts), RVF_OK);
    CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    for (int pass = 0; pass < 2; pass++) { /* the writer, then a fresh read-only open */
        rvf_segment_info *sg = NULL;
        uint32_t nseg = 0, nmeta = 0, nhot = 0;
        CHECK_EQ_INT(rvf_segments(s, &sg, &nseg), RVF_OK);
        for (uint32_t i = 0; i < nseg; i++) {
            nmeta += sg[i].seg_type == RVF_SEG_META;
            nhot += sg[i].seg_type == RVF_SEG_INDEX && (sg[i].flags & RVF_FLAG_HOT);
        }
        rvf_release(sg);
        CHECK_EQ_INT(nhot, 1); /* the rows were laid out by partition */
        CHECK_EQ_INT(nmeta, 1);
        int bad = 0;
        for (size_t i = 0; i < M; i++) {
            const rvf_value *f = NULL;
            uint32_t n = 0;
            CHECK_EQ_INT(rvf_get_metadata(s, ids[i], &f, &n), RVF_OK);
            bad += n != counts[i] || (n && (f[0].field_id != 1 || f[0].v.u64 != ids[i] * 7));
        }
        CHECK_EQ_INT(bad, 0);
        rvf_close(s);
        s = NULL;
        if (pass == 0)
            CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
        if (!s)
            break;
    }
}

int main(void)
{
    make_data();
    RVF_TEST_RUN(test_build_reopen_append);
    RVF_TEST_RUN(test_progressive);
    RVF_TEST_RUN(test_cosine_and_damage);
    RVF_TEST_RUN(test_filtered);
    RVF_TEST_RUN(test_temperature);
    RVF_TEST_RUN(test_bad_calls);
    RVF_TEST_RUN(test_compact_meta_runs);
    return rvf_test_finish();
}

/* test_store_layerb.c: Layer B (RVF-BRIEF §5.2 layer_level 1, §6.1, §6.2 "A + B").
 *
 * codec:    a subset of an HNSW graph encoded with the §5.2 codec at layer_level 1: kept nodes
 *           carry exactly the graph's (sorted) lists at every layer, the others layer_count 0;
 *           keep-all at level 2 is byte-identical to the full encoder; the payload decodes into a
 *           valid partial graph and through rvf_layerb_decode; a level-0 or level-2 payload is
 *           refused by the Layer-B decoder; the selection keeps every node on layers >= 2 and
 *           about RVF_LAYERB_SHARE_PCT of the graph, preferring the hot partitions.
 * store:    20k x 32 weakly clustered rows, indexed and compacted: one layer_level-1 INDEX_SEG
 *           right after the full graph, before the hot tier and Layer A; INDEX_LAYERS lists A, B
 *           and C with their node ranges. Through counting range sources, each test query is
 *           asked three times on a fresh open: the first answer is Layer A alone, the second reads
 *           Layer B, the third is "A + B". A + B recall@10 >= 0.85 and 0.03 above A alone
 *           (measured: A 0.84, A + B 0.87, 4 partitions more); the bytes one A + B query reads
 *           stay far below the file size; deleted ids never come back; reopen, append, delete and
 *           a second compaction keep the answers; save_as and export_reference copy the live
 *           vectors; rvf_verify passes; rvf_load still uses the full graph; a damaged Layer B is
 *           ignored (Layer A answers) and a file whose index was rebuilt (no Layer B) works.
 */
#define _POSIX_C_SOURCE 200809L /* pread */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rvf_format.h"
#include "rvf_indexseg.h"
#include "rvf_layerb.h"
#include "rvf_manifest.h"
#include "rvf_test.h"
#include "store_util.h"

#define DIM  32
#define NCL  64
#define N    20000
#define K    10
#define NQ   80
#define EF   64
#define NADD 500

static float data[(size_t)(N + NADD) * DIM], centres[NCL * DIM], queries[NQ * DIM];
static rvf_test_rng rng = {0x1A7E5B0Bull};

static void make_data(void)
{
    for (int i = 0; i < NCL * DIM; i++)
        centres[i] = rvf_test_unit(&rng) * 0.75f; /* overlapping clusters: A alone misses */
    for (size_t i = 0; i < N + NADD; i++) {
        size_t c = (size_t)(rvf_test_next(&rng) % NCL);
        for (int d = 0; d < DIM; d++)
            data[i * DIM + d] = centres[c * DIM + d] + rvf_test_unit(&rng);
    }
    for (int q = 0; q < NQ; q++) { /* near a stored row */
        size_t r = (size_t)(rvf_test_next(&rng) % N);
        for (int d = 0; d < DIM; d++)
            queries[q * DIM + d] = data[r * DIM + d] + rvf_test_unit(&rng) * 0.3f;
    }
}

static float l2(const float *a, const float *b)
{
    float s = 0;
    for (int d = 0; d < DIM; d++)
        s += (a[d] - b[d]) * (a[d] - b[d]);
    return s;
}

/* ---- codec ------------------------------------------------------------------------------------
 */

typedef struct layer_cmp {
    const rvf_hnsw *g;
    uint32_t slot;
    int bad;
} layer_cmp;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The graph's list of (slot, layer), sorted (the codec writes lists sorted). */
static uint32_t sorted_list(const rvf_hnsw *g, uint32_t slot, uint32_t layer, uint32_t *out)
{
    uint32_t n = 0;
    const uint32_t *nb = rvf_hnsw_neighbors(g, slot, layer, &n);
    memcpy(out, nb, n * sizeof *out);
    qsort(out, n, sizeof *out, cmp_u32);
    return n;
}

static void on_layer(void *ctx, uint32_t layer, const uint32_t *ids, uint32_t count)
{
    layer_cmp *c = ctx;
    uint32_t want[64];
    uint32_t n = sorted_list(c->g, c->slot, layer, want);
    c->bad += n != count || memcmp(want, ids, n * sizeof *ids) != 0;
}

static void test_codec(void)
{
    enum { CN = 3000, CD = 8, PARTS = 30 };
    static float rows[CN * CD];
    for (int i = 0; i < CN * CD; i++)
        rows[i] = rvf_test_unit(&rng);
    rvf_hnsw_source src = {NULL, NULL, rows, CD};
    rvf_hnsw_params hp = {8, 16, 64, 7};
    rvf_hnsw *g = NULL;
    CHECK_EQ_INT(rvf_hnsw_create(CD, RVF_METRIC_L2, &hp, &src, &g), RVF_OK);
    if (!g)
        return;
    CHECK_EQ_INT(rvf_hnsw_add_range(g, 0, CN, 1, NULL, NULL), RVF_OK);
    static uint32_t assign[CN];
    for (uint32_t i = 0; i < CN; i++)
        assign[i] = i / (CN / PARTS);
    /* no history: upper layers, the entry, then boundary nodes up to the share */
    static uint8_t keep[CN];
    uint32_t nk = 0;
    CHECK_EQ_INT(rvf_layerb_select(g, CN, assign, PARTS, NULL, keep, &nk), RVF_OK);
    uint32_t upper = 0, kept = 0;
    for (uint32_t s = 0; s < CN; s++) {
        upper += rvf_hnsw_level(g, s) >= 2;
        kept += keep[s];
        if (rvf_hnsw_level(g, s) >= 2)
            CHECK(keep[s]);
    }
    CHECK_EQ_INT(kept, nk);
    CHECK(upper > 0);
    CHECK_EQ_INT(nk, CN * RVF_LAYERB_SHARE_PCT / 100);
    /* with history: partition 7 (hottest), then 3, whole, before the boundary fill */
    static double heat[PARTS];
    heat[7] = 9;
    heat[3] = 2; /* only partly: the hot stage stops at half the share */
    static uint8_t keep_h[CN];
    uint32_t nkh = 0;
    CHECK_EQ_INT(rvf_layerb_select(g, CN, assign, PARTS, heat, keep_h, &nkh), RVF_OK);
    int missing = 0;
    for (uint32_t s = 0; s < CN; s++)
        missing += assign[s] == 7 && !keep_h[s];
    CHECK_EQ_INT(missing, 0);
    CHECK_EQ_INT(nkh, nk);

    /* encode the subset: layer_level 1, node_id_base = first kept slot */
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_indexseg_encode_subset(&b, g, 64, 1, keep, CN), RVF_OK);
    rvf_indexseg_info info;
    CHECK_EQ_INT(rvf_indexseg_info_get(b.data, b.len, &info), RVF_OK);
    CHECK_EQ_INT(info.layer_level, 1);
    CHECK_EQ_INT(b.data[1], 1);
    uint32_t first = 0;
    while (!keep[first])
        first++;
    CHECK_EQ_U64(info.node_id_base, first);
    CHECK(info.node_id_base + info.node_count <= CN);
    CHECK_EQ_INT(b.len % 64, 0);
    /* random access per node: kept = the graph's lists, absent = layer_count 0 */
    int bad_kept = 0, bad_absent = 0;
    for (uint32_t s = first; s < info.node_id_base + info.node_count; s++) {
        layer_cmp c = {g, s, 0};
        uint32_t lc = 99;
        CHECK_EQ_INT(rvf_indexseg_node(b.data, b.len, s, on_layer, &c, &lc), RVF_OK);
        if (keep[s])
            bad_kept += c.bad || lc != (uint32_t)rvf_hnsw_level(g, s) + 1;
        else
            bad_absent += lc != 0;
    }
    CHECK_EQ_INT(bad_kept, 0);
    CHECK_EQ_INT(bad_absent, 0);
    CHECK_EQ_INT(rvf_indexseg_node(b.data, b.len, first - 1 + (first == 0), NULL, NULL, NULL),
                 first ? RVF_ERR_NOT_FOUND : RVF_OK);
    /* the whole payload decodes into a partial graph holding exactly the kept nodes */
    rvf_hnsw *pg = NULL;
    CHECK_EQ_INT(rvf_indexseg_decode(b.data, b.len, CD, CN, &src, &pg), RVF_OK);
    if (pg) {
        CHECK_EQ_INT(rvf_hnsw_count(pg), nk);
        uint32_t e1 = 0, l1 = 0, e2 = 0, l2v = 0;
        CHECK(rvf_hnsw_entry(g, &e1, &l1) && rvf_hnsw_entry(pg, &e2, &l2v));
        CHECK_EQ_INT(e1, e2);
        int wrong = 0;
        for (uint32_t s = 0; s < CN; s++)
            wrong += (rvf_hnsw_level(pg, s) >= 0) != (keep[s] != 0);
        CHECK_EQ_INT(wrong, 0);
        rvf_hnsw_free(pg);
    }
    /* Layer-B decoder: layer-0 lists of the kept nodes only */
    rvf_layerb *lb = NULL;
    CHECK_EQ_INT(rvf_layerb_decode(b.data, b.len, CN, &lb), RVF_OK);
    CHECK_EQ_INT(rvf_layerb_count(lb), nk);
    int bad_l0 = 0;
    for (uint32_t s = 0; s < CN; s++) {
        uint32_t n = 0, want[64];
        const uint32_t *nb = rvf_layerb_neighbors(lb, s, &n);
        if (!keep[s]) {
            bad_l0 += nb != NULL || n != 0;
            continue;
        }
        uint32_t wn = sorted_list(g, s, 0, want);
        bad_l0 += !nb || n != wn || memcmp(nb, want, n * sizeof *nb) != 0;
    }
    CHECK_EQ_INT(bad_l0, 0);
    rvf_layerb_free(lb);
    /* slot limit below the ids: refused */
    CHECK_EQ_INT(rvf_layerb_decode(b.data, b.len, first + 1, &lb), RVF_ERR_INVALID_MANIFEST);
    CHECK(lb == NULL);
    /* keep-all at level 2 is the full encoder's payload, byte for byte */
    memset(keep, 1, CN);
    rvf_buf full, sub;
    rvf_buf_init(&full);
    rvf_buf_init(&sub);
    CHECK_EQ_INT(rvf_indexseg_encode(&full, g), RVF_OK);
    CHECK_EQ_INT(rvf_indexseg_encode_subset(&sub, g, RVF_INDEXSEG_RESTART, 2, keep, CN), RVF_OK);
    CHECK_EQ_U64(sub.len, full.len);
    if (sub.len == full.len)
        CHECK_MEM(sub.data, full.data, full.len);
    /* a level-2 payload is not a Layer B; level 0 / 3 are refused by the codec */
    CHECK_EQ_INT(rvf_layerb_decode(full.data, full.len, CN, &lb), RVF_ERR_INVALID_MANIFEST);
    CHECK_EQ_INT(rvf_indexseg_encode_subset(&sub, g, 64, 0, keep, CN), RVF_ERR_INVALID_ARGUMENT);
    b.data[1] = 0;
    CHECK_EQ_INT(rvf_layerb_decode(b.data, b.len, CN, &lb), RVF_ERR_INVALID_MANIFEST);
    rvf_buf_free(&b);
    rvf_buf_free(&full);
    rvf_buf_free(&sub);
    rvf_hnsw_free(g);
}

/* ---- the store ------------------------------------------------------------------------------ */

static rvf_status query(rvf_store *s, const float *q, rvf_hit *out, uint32_t *n)
{
    rvf_query_params p = {.k = K, .metric = -1, .ef = EF};
    return rvf_query(s, q, DIM, &p, out, n);
}

static uint8_t dead_id[N + NADD];
static uint64_t live_n; /* ids 0..live_n-1 exist */

/* exact top K over the live ids */
static void truth_of(const float *q, uint64_t *out)
{
    float best[K];
    for (int i = 0; i < K; i++) {
        best[i] = INFINITY;
        out[i] = UINT64_MAX;
    }
    for (uint64_t id = 0; id < live_n; id++) {
        if (dead_id[id])
            continue;
        float d = l2(q, data + id * DIM);
        if (!(d < best[K - 1]))
            continue;
        int j = K - 1;
        while (j > 0 && d < best[j - 1]) {
            best[j] = best[j - 1];
            out[j] = out[j - 1];
            j--;
        }
        best[j] = d;
        out[j] = id;
    }
}

typedef struct run {
    double recall_a, recall_ab;
    uint64_t bytes_a, bytes_ab, file_size; /* max over the queries */
    uint32_t b_nodes, b_parts;
    int deleted_seen, bad_dist, bad_ids;
} run;

static int count_hits(const rvf_hit *h, uint32_t n, const uint64_t *truth)
{
    int c = 0;
    for (uint32_t i = 0; i < n; i++)
        for (int j = 0; j < K; j++)
            c += h[i].id == truth[j];
    return c;
}

static void check_answer(run *r, const float *q, const rvf_hit *h, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (h[i].id >= live_n) {
            r->bad_ids++;
            continue;
        }
        r->deleted_seen += dead_id[h[i].id];
        float e = l2(q, data + h[i].id * DIM);
        r->bad_dist += fabsf(h[i].distance - e) > 1e-2f * (1.0f + e);
    }
}

/* Each query on a fresh progressive open: first answer (Layer A), second (Layer A; it reads
 * Layer B), third (A + B). */
static run progressive_run(const char *path)
{
    run r;
    memset(&r, 0, sizeof r);
    long hits_a = 0, hits_ab = 0;
    for (int q = 0; q < NQ; q++) {
        counting c;
        rvf_store *s = NULL;
        CHECK_EQ_INT(counting_open(&c, path, NULL, 0, &s), RVF_OK);
        r.file_size = c.size;
        if (!s)
            break;
        const float *qv = queries + q * DIM;
        uint64_t truth[K];
        truth_of(qv, truth);
        rvf_hit h[K];
        uint32_t n = 0;
        CHECK_EQ_INT(query(s, qv, h, &n), RVF_OK);
        check_answer(&r, qv, h, n);
        hits_a += count_hits(h, n, truth);
        r.bytes_a = c.bytes > r.bytes_a ? c.bytes : r.bytes_a;
        rvf_status_info si;
        CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
        CHECK_EQ_INT(si.layer_b_nodes, 0);         /* the first query stays A (+ hot) */
        CHECK_EQ_INT(query(s, qv, h, &n), RVF_OK); /* reads Layer B, answers as before */
        CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
        CHECK(si.layer_b_nodes > 0);
        CHECK_EQ_INT(si.layer_b_partitions, 0);
        CHECK_EQ_INT(query(s, qv, h, &n), RVF_OK); /* "A + B" */
        check_answer(&r, qv, h, n);
        hits_ab += count_hits(h, n, truth);
        r.bytes_ab = c.bytes > r.bytes_ab ? c.bytes : r.bytes_ab;
        CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
        CHECK_EQ_INT(si.load_state, RVF_LOAD_LAYER_A);
        r.b_nodes = si.layer_b_nodes;
        r.b_parts += si.layer_b_partitions;
        rvf_close(s);
    }
    r.recall_a = (double)hits_a / (NQ * K);
    r.recall_ab = (double)hits_ab / (NQ * K);
    return r;
}

static uint64_t seg_ids[8], b_range[2]; /* of the last index_levels call */

/* The file's INDEX_SEGs in order: levels (payload byte 1) and HOT flags; their segment ids go to
 * seg_ids, a Layer B's node range to b_range. */
static int index_levels(const char *path, int *levels, int *hot, int cap)
{
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    if (!s)
        return 0;
    rvf_segment_info *v = NULL;
    uint32_t n = 0;
    CHECK_EQ_INT(rvf_segments(s, &v, &n), RVF_OK);
    size_t len = 0;
    uint8_t *f = read_file(path, &len);
    int k = 0;
    for (uint32_t i = 0; f && i < n && k < cap; i++)
        if (v[i].seg_type == RVF_SEG_INDEX) {
            const uint8_t *pl = f + v[i].offset + 64;
            levels[k] = pl[1];
            if (pl[1] == 1) {
                b_range[0] = rvfk_ld_u64(pl + 0x10);
                b_range[1] = b_range[0] + rvfk_ld_u64(pl + 0x08);
            }
            seg_ids[k < 8 ? k : 7] = v[i].segment_id;
            hot[k++] = (v[i].flags & RVF_FLAG_HOT) != 0;
        }
    free(f);
    rvf_release(v);
    rvf_close(s);
    return k;
}

static void expect_layout(const char *path, uint64_t live)
{
    int lv[8], hot[8];
    int n = index_levels(path, lv, hot, 8);
    /* C (sealed, level 2), B (level 1), A (HOT, level 0): in that order */
    CHECK_EQ_INT(n, 3);
    if (n != 3)
        return;
    CHECK(lv[0] == 2 && !hot[0]);
    CHECK(lv[1] == 1 && !hot[1]);
    CHECK(lv[2] == 0 && hot[2]);
    /* INDEX_LAYERS: one entry per INDEX_SEG, its level and node range */
    rvf_io *io = NULL;
    CHECK_EQ_INT(rvf_io_file_open(path, RVF_IO_READ, &io), RVF_OK);
    if (!io)
        return;
    rvf_manifest m;
    memset(&m, 0, sizeof m);
    uint64_t skipped = 0;
    CHECK_EQ_INT(rvf_manifest_locate(io, io->size(io), &m, &skipped), RVF_OK);
    CHECK_EQ_INT(m.layers_present, 7);
    CHECK_EQ_INT(m.nlayers, 3);
    for (uint32_t i = 0; i < m.nlayers && i < 3; i++) {
        const rvf_index_layer *l = &m.layers[i];
        int at = -1;
        for (int j = 0; j < 3; j++)
            if (seg_ids[j] == l->segment_id)
                at = j;
        CHECK(at >= 0);
        if (at < 0)
            continue;
        CHECK_EQ_INT(l->layer_level, lv[at]);
        CHECK_EQ_INT(l->index_type, 0);
        CHECK_EQ_U64(l->node_start, l->layer_level == 1 ? b_range[0] : 0);
        CHECK_EQ_U64(l->node_end, l->layer_level == 1 ? b_range[1] : live);
    }
    rvf_manifest_free(&m);
    io->close(io);
}

static void report(const char *what, const run *r)
{
    printf("  %s: recall@10 A %.3f, A+B %.3f; bytes after A %llu, A+B %llu of %llu; B nodes %u, "
           "B partitions %u over %d queries\n",
           what, r->recall_a, r->recall_ab, (unsigned long long)r->bytes_a,
           (unsigned long long)r->bytes_ab, (unsigned long long)r->file_size, r->b_nodes,
           r->b_parts, NQ);
}

static void expect_run(const run *r)
{
    CHECK(r->recall_ab >= 0.85);
    CHECK(r->recall_ab >= r->recall_a + 0.03);
    CHECK(r->recall_a < 0.90); /* the data leaves Layer A something to miss */
    CHECK(r->b_nodes >= live_n / 10 && r->b_nodes <= live_n / 5);
    CHECK(r->b_parts > 0);
    CHECK(r->bytes_ab * 4 < r->file_size); /* one A + B query: far below the file */
    CHECK_EQ_INT(r->deleted_seen, 0);
    CHECK_EQ_INT(r->bad_dist, 0);
    CHECK_EQ_INT(r->bad_ids, 0);
}

/* rvf_load after A + B: the full graph answers (recall with ef 64 on the whole store) */
static void full_load_check(const char *path)
{
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    if (!s)
        return;
    CHECK_EQ_INT(rvf_load(s), RVF_OK);
    long hits = 0;
    run r;
    memset(&r, 0, sizeof r);
    for (int q = 0; q < NQ; q++) {
        uint64_t truth[K];
        truth_of(queries + q * DIM, truth);
        rvf_hit h[K];
        uint32_t n = 0;
        CHECK_EQ_INT(query(s, queries + q * DIM, h, &n), RVF_OK);
        check_answer(&r, queries + q * DIM, h, n);
        hits += count_hits(h, n, truth);
    }
    rvf_status_info si;
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    CHECK_EQ_U64(si.indexed_vectors, si.total_vectors); /* C, not B, was loaded */
    CHECK((double)hits / (NQ * K) >= 0.95);
    CHECK_EQ_INT(r.deleted_seen, 0);
    CHECK_EQ_INT(r.bad_dist, 0);
    rvf_close(s);
}

static void test_store(void)
{
    const char *path = tmp_path("layerb.rvf");
    rvf_options o = rvf_options_default(DIM);
    o.no_sync = 1;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    if (!s)
        return;
    static uint64_t ids[N + NADD];
    for (size_t i = 0; i < N + NADD; i++)
        ids[i] = i;
    CHECK_EQ_INT(rvf_ingest(s, data, ids, N, NULL, NULL), RVF_OK);
    live_n = N;
    rvf_index_options io = rvf_index_options_default();
    io.ef_construction = 100;
    io.threads = 1; /* a reproducible graph, so the recall figures are too */
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    rvf_status_info si;
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    CHECK_EQ_INT(si.index_segments, 3);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
    expect_layout(path, N);

    run r = progressive_run(path);
    report("compacted", &r);
    expect_run(&r);

    /* deletions of answers: never returned, by A or by A + B */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    uint64_t del[NQ];
    for (int q = 0; q < NQ; q++) {
        uint64_t truth[K];
        truth_of(queries + q * DIM, truth);
        del[q] = truth[q % 3];
    }
    uint64_t deleted = 0;
    CHECK_EQ_INT(rvf_delete(s, del, NQ, &deleted), RVF_OK);
    for (int q = 0; q < NQ; q++)
        dead_id[del[q]] = 1;
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    /* save_as and export_reference copy the live vectors (no index, so no Layer B) */
    const char *copy = tmp_path("layerb-saveas.rvf"), *ref = tmp_path("layerb-ref.rvf");
    CHECK_EQ_INT(rvf_save_as(s, copy, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_export_reference(s, ref), RVF_OK);
    rvf_close(s);
    for (int which = 0; which < 2; which++) {
        rvf_store *c = NULL;
        CHECK_EQ_INT(rvf_open_readonly(which ? ref : copy, &c), RVF_OK);
        if (!c)
            continue;
        rvf_status_info ci;
        CHECK_EQ_INT(rvf_status_get(c, &ci), RVF_OK);
        CHECK_EQ_U64(ci.live_vectors, N - deleted);
        rvf_hit h[K];
        uint32_t n = 0;
        rvf_query_params ex = {.k = K, .metric = -1};
        CHECK_EQ_INT(rvf_query(c, queries, DIM, &ex, h, &n), RVF_OK);
        uint64_t truth[K];
        truth_of(queries, truth);
        CHECK_EQ_INT(count_hits(h, n, truth), K);
        rvf_close(c);
    }
    expect_layout(path, N); /* a commit keeps Layer B (and INDEX_LAYERS) */
    r = progressive_run(path);
    report("after deletes", &r);
    expect_run(&r);
    full_load_check(path);

    /* a damaged Layer B is ignored: Layer A answers, nothing breaks */
    {
        const char *bad = tmp_path("layerb-damaged.rvf");
        CHECK(copy_file(path, bad));
        rvf_store *rs = NULL;
        CHECK_EQ_INT(rvf_open_readonly(bad, &rs), RVF_OK);
        rvf_segment_info *v = NULL;
        uint32_t n = 0;
        if (rs)
            CHECK_EQ_INT(rvf_segments(rs, &v, &n), RVF_OK);
        uint64_t boff = 0;
        int seen = 0;
        for (uint32_t i = 0; i < n; i++)
            if (v[i].seg_type == RVF_SEG_INDEX && ++seen == 2)
                boff = v[i].offset;
        rvf_release(v);
        rvf_close(rs);
        CHECK(boff > 0);
        FILE *f = fopen(bad, "r+b");
        uint8_t junk[64];
        memset(junk, 0xEE, sizeof junk);
        CHECK(f && fseek(f, (long)(boff + 64 + 64), SEEK_SET) == 0 &&
              fwrite(junk, 1, sizeof junk, f) == sizeof junk);
        if (f)
            fclose(f);
        counting c;
        CHECK_EQ_INT(counting_open(&c, bad, NULL, 0, &rs), RVF_OK);
        for (int q = 0; rs && q < 3; q++) {
            rvf_hit h[K];
            uint32_t hn = 0;
            CHECK_EQ_INT(query(rs, queries + q * DIM, h, &hn), RVF_OK);
            CHECK_EQ_INT(hn, K);
        }
        CHECK_EQ_INT(rvf_status_get(rs, &si), RVF_OK);
        CHECK_EQ_INT(si.layer_b_nodes, 0);
        rvf_close(rs);
    }

    /* append: Layer A (and so B) no longer tells everything; queries answer from the store */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    CHECK_EQ_INT(rvf_ingest(s, data + (size_t)N * DIM, ids + N, NADD, NULL, NULL), RVF_OK);
    live_n = N + NADD;
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK); /* a delta segment after Layer A */
    rvf_close(s);
    {
        counting c;
        rvf_store *rs = NULL;
        CHECK_EQ_INT(counting_open(&c, path, NULL, 0, &rs), RVF_OK);
        run rr;
        memset(&rr, 0, sizeof rr);
        long hits = 0;
        for (int q = 0; rs && q < NQ; q++) {
            uint64_t truth[K];
            truth_of(queries + q * DIM, truth);
            rvf_hit h[K];
            uint32_t hn = 0;
            CHECK_EQ_INT(query(rs, queries + q * DIM, h, &hn), RVF_OK);
            check_answer(&rr, queries + q * DIM, h, hn);
            hits += count_hits(h, hn, truth);
        }
        CHECK_EQ_INT(rvf_status_get(rs, &si), RVF_OK);
        CHECK_EQ_INT(si.layer_b_nodes, 0);
        CHECK_EQ_INT(si.load_state, RVF_LOAD_FULL);
        CHECK((double)hits / (NQ * K) >= 0.95);
        CHECK_EQ_INT(rr.deleted_seen, 0);
        CHECK_EQ_INT(rr.bad_dist, 0);
        rvf_close(rs);
    }

    /* a second compaction: Layer B again, over the appended rows, deleted ones gone */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
    uint64_t live = 0;
    for (uint64_t id = 0; id < live_n; id++)
        live += !dead_id[id];
    expect_layout(path, live);
    r = progressive_run(path);
    report("second compaction", &r);
    expect_run(&r);

    /* a full rebuild replaces every INDEX_SEG: no Layer A or B; everything still answers */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    rvf_index_options full = io;
    full.full = 1;
    CHECK_EQ_INT(rvf_build_index(s, &full), RVF_OK);
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    CHECK_EQ_INT(si.index_segments, 1);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
    int lv[4], hot[4];
    CHECK_EQ_INT(index_levels(path, lv, hot, 4), 1);
    full_load_check(path);
}

int main(void)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    make_data();
    RVF_TEST_RUN(test_codec);
    RVF_TEST_RUN(test_store);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("  %.1f s\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return rvf_test_finish();
}

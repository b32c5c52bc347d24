/* test_manifest.c: the Level-1 records written beside the directory (rvf_manifest.c):
 * INDEX_LAYERS, TEMP_TIER_MAP, ACCESS_SKETCH_REF, PREFETCH_TABLE and the root's prefetch_map
 * pointer. Byte layouts checked by hand against RVF-BRIEF §4.2/§4.3, a round trip, entries for
 * segments left out of the directory dropped, malformed records rejected, and a store whose
 * index builds and compactions advance the sketch epoch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf.h"
#include "rvf_manifest.h"
#include "rvf_test.h"

#define AT 4096 /* the manifest's header offset in the test image */

static rvf_dir_entry entry(uint64_t id, uint8_t type, uint64_t off)
{
    rvf_dir_entry e;
    memset(&e, 0, sizeof e);
    e.segment_id = id;
    e.seg_type = type;
    e.file_offset = off;
    e.payload_length = 64;
    return e;
}

/* A manifest with every extra set; segment 9 (INDEX) and 8 (VEC) are not in the directory. */
static void build(rvf_manifest *m)
{
    memset(m, 0, sizeof *m);
    m->offset = AT;
    m->segment_id = 7;
    m->epoch = 3;
    m->dimension = 8;
    m->ndir = 4;
    m->dir = rvf_malloc(4 * sizeof *m->dir);
    m->dir[0] = entry(1, RVF_SEG_VEC, 64);
    m->dir[1] = entry(2, RVF_SEG_INDEX, 192);
    m->dir[2] = entry(3, RVF_SEG_SKETCH, 320);
    m->dir[3] = entry(4, RVF_SEG_INDEX, 448);
    m->layers_present = 0x05;
    m->centroid_epoch = 11;
    m->hot_cache_epoch = 12;
    m->nlayers = 3;
    m->layers = rvf_malloc(3 * sizeof *m->layers);
    m->layers[0] = (rvf_index_layer){2, 2, 0, 0, 1000};
    m->layers[1] = (rvf_index_layer){9, 1, 0, 0, 10};
    m->layers[2] = (rvf_index_layer){4, 0, 0, 0, 1000};
    m->ntiers = 2;
    m->tiers = rvf_malloc(2 * sizeof *m->tiers);
    m->tiers[0] = (rvf_tier_entry){8, 0, 2};
    m->tiers[1] = (rvf_tier_entry){1, 3, 1};
    m->has_sketch_ref = true;
    m->sketch_seg_offset = 320;
    m->sketch_block_size = 1024;
    m->sketch_epoch = 5;
    m->nprefetch = 2;
    m->prefetch = rvf_malloc(2 * sizeof *m->prefetch);
    m->prefetch[0] = (rvf_prefetch_entry){0, 500, 0, 2, 1};
    m->prefetch[1] = (rvf_prefetch_entry){500, 1000, 8192, 3, 0};
}

/* The TLV value of tag in the L1 records of a MANIFEST_SEG payload, NULL when absent. */
static const uint8_t *find_tlv(const uint8_t *l1, size_t L, uint16_t tag, uint32_t *len)
{
    for (size_t pos = 0; pos + 8 <= L;) {
        uint16_t t = (uint16_t)(l1[pos] | l1[pos + 1] << 8);
        uint32_t n = (uint32_t)l1[pos + 2] | (uint32_t)l1[pos + 3] << 8 |
                     (uint32_t)l1[pos + 4] << 16 | (uint32_t)l1[pos + 5] << 24;
        CHECK_EQ_INT(pos % 8, 0);
        if (t == tag) {
            *len = n;
            return l1 + pos + 8;
        }
        pos += 8 + n;
        pos += (8 - pos % 8) % 8;
    }
    return NULL;
}

static uint64_t ld64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_round_trip(void)
{
    rvf_manifest m;
    build(&m);
    rvf_buf out;
    rvf_buf_init(&out);
    rvf_buf_append(&out, AT); /* zeros before the manifest */
    memset(out.data, 0, AT);
    CHECK_EQ_INT(rvf_manifest_emit(&out, &m, RVF_HASH_XXH3_128), RVF_OK);
    /* emit dropped the entries of segments 9 and 8 */
    CHECK_EQ_INT(m.nlayers, 2);
    CHECK_EQ_INT(m.ntiers, 1);
    const uint8_t *l1 = out.data + AT + 64, *root = out.data + out.len - 4096;
    size_t L = (size_t)ld64(root + 0x10);
    CHECK_EQ_U64(ld64(root + 8), AT + 64);
    uint32_t len = 0;
    const uint8_t *v = find_tlv(l1, L, 0x0003, &len);
    CHECK(v && len == 16 + 2 * 32);
    if (v) {
        CHECK_EQ_INT(v[0], 0x05);
        CHECK_EQ_INT(ld32(v + 4), 2);
        CHECK_EQ_INT(ld32(v + 8), 11);
        CHECK_EQ_INT(ld32(v + 12), 12);
        CHECK_EQ_U64(ld64(v + 16), 2);
        CHECK_EQ_INT(v[24], 2);
        CHECK_EQ_U64(ld64(v + 16 + 24), 1000);
        CHECK_EQ_U64(ld64(v + 48), 4);
        CHECK_EQ_INT(v[56], 0);
    }
    v = find_tlv(l1, L, 0x0002, &len);
    CHECK(v && len == 8 + 16);
    if (v) {
        CHECK_EQ_INT(ld32(v), 1);
        CHECK_EQ_U64(ld64(v + 8), 1);
        CHECK_EQ_INT(ld32(v + 16), 3);
        CHECK_EQ_INT(v[20], 1);
    }
    v = find_tlv(l1, L, 0x0009, &len);
    CHECK(v && len == 16);
    if (v) {
        CHECK_EQ_U64(ld64(v), 320);
        CHECK_EQ_INT(ld32(v + 8), 1024);
        CHECK_EQ_INT(ld32(v + 12), 5);
    }
    v = find_tlv(l1, L, 0x000A, &len);
    CHECK(v && len == 8 + 2 * 32);
    if (v) {
        CHECK_EQ_INT(ld32(v), 2);
        /* the root's prefetch_map names the first entry, absolutely */
        CHECK_EQ_U64(ld64(root + 0x88), (uint64_t)(v + 8 - out.data));
        CHECK_EQ_INT(ld32(root + 0x90), 2);
        const uint8_t *e = out.data + ld64(root + 0x88) + 32;
        CHECK_EQ_U64(ld64(e), 500);
        CHECK_EQ_U64(ld64(e + 8), 1000);
        CHECK_EQ_U64(ld64(e + 16), 8192);
        CHECK_EQ_INT(ld32(e + 24), 3);
        CHECK_EQ_INT(ld32(e + 28), 0);
    }
    rvf_io *io = NULL;
    CHECK_EQ_INT(rvf_io_view(out.data, out.len, &io), RVF_OK);
    rvf_manifest r;
    CHECK_EQ_INT(rvf_manifest_read_at(io, AT, out.len, &r), RVF_OK);
    CHECK_EQ_INT(r.unknown_tags, 1); /* DIMENSION_CATALOG, which the reader skips */
    CHECK_EQ_INT(r.nlayers, 2);
    CHECK_EQ_INT(r.layers_present, 0x05);
    CHECK_EQ_INT(r.centroid_epoch, 11);
    CHECK_EQ_INT(r.hot_cache_epoch, 12);
    for (uint32_t i = 0; r.layers && i < 2; i++)
        CHECK(r.layers[i].segment_id == m.layers[i].segment_id &&
              r.layers[i].layer_level == m.layers[i].layer_level &&
              r.layers[i].index_type == m.layers[i].index_type &&
              r.layers[i].node_start == m.layers[i].node_start &&
              r.layers[i].node_end == m.layers[i].node_end);
    CHECK(r.ntiers == 1 && r.tiers && r.tiers[0].segment_id == 1 && r.tiers[0].block_index == 3 &&
          r.tiers[0].tier == 1);
    CHECK(r.has_sketch_ref && r.sketch_seg_offset == 320 && r.sketch_block_size == 1024 &&
          r.sketch_epoch == 5);
    CHECK(r.nprefetch == 2 && r.prefetch &&
          memcmp(r.prefetch, m.prefetch, 2 * sizeof *r.prefetch) == 0);
    CHECK_EQ_U64(r.prefetch_map_offset, m.prefetch_map_offset);
    CHECK_EQ_INT(r.prefetch_map_entries, 2);
    /* copy for the next commit: deep */
    rvf_manifest c = r;
    CHECK_EQ_INT(rvf_manifest_copy_extras(&c, &r), RVF_OK);
    CHECK(c.layers != r.layers && c.tiers != r.tiers && c.prefetch != r.prefetch);
    CHECK(memcmp(c.prefetch, r.prefetch, 2 * sizeof *c.prefetch) == 0);
    c.dir = NULL;
    c.deleted = NULL;
    rvf_manifest_free(&c);
    rvf_manifest_free(&r);
    io->close(io);
    rvf_manifest_free(&m);
    rvf_buf_free(&out);
}

/* A sketch reference to a segment that is not a listed SKETCH_SEG reads back as offset 0. */
static void test_stale_sketch_ref(void)
{
    rvf_manifest m;
    build(&m);
    m.sketch_seg_offset = 448; /* an INDEX_SEG */
    rvf_buf out;
    rvf_buf_init(&out);
    CHECK_EQ_INT(rvf_manifest_emit(&out, &m, RVF_HASH_XXH3_128), RVF_OK);
    CHECK(m.has_sketch_ref && m.sketch_seg_offset == 0);
    rvf_manifest_free(&m);
    rvf_buf_free(&out);
}

/* Record lengths that disagree with their counts: the manifest is rejected. */
static void test_malformed(void)
{
    static const uint16_t tags[] = {0x0003, 0x0002, 0x0009, 0x000A};
    for (int t = 0; t < 4; t++) {
        rvf_manifest m;
        build(&m);
        m.offset = 0;
        rvf_buf out;
        rvf_buf_init(&out);
        CHECK_EQ_INT(rvf_manifest_emit(&out, &m, RVF_HASH_XXH3_128), RVF_OK);
        uint8_t *l1 = out.data + 64;
        size_t L = (size_t)ld64(out.data + out.len - 4096 + 0x10);
        uint32_t len = 0;
        uint8_t *v = (uint8_t *)find_tlv(l1, L, tags[t], &len);
        CHECK(v != NULL);
        if (v) {
            if (tags[t] == 0x0009) /* shorter than its 16 bytes */
                v[-6] = 8;
            else /* one more entry than the record holds */
                v[tags[t] == 0x0003 ? 4 : 0]++;
            /* re-hash so that only the record is wrong */
            rvfk_seg_header h;
            rvfk_seg_header_decode(out.data, &h);
            rvf_content_hash(h.checksum_algo, out.data + 64, (size_t)h.payload_length,
                             h.content_hash);
            rvfk_seg_header_encode(&h, out.data);
            rvf_io *io = NULL;
            CHECK_EQ_INT(rvf_io_view(out.data, out.len, &io), RVF_OK);
            rvf_manifest r;
            CHECK_EQ_INT(rvf_manifest_read_at(io, 0, out.len, &r), RVF_ERR_INVALID_MANIFEST);
            io->close(io);
        }
        rvf_manifest_free(&m);
        rvf_buf_free(&out);
    }
}

/* A memory store of n vectors of dimension 16 in `clusters` clusters (every `every`-th dimension
 * carries the cluster, plus noise * unit noise), ids first + step * i, indexed and compacted.
 * *vectors (freed by the caller) receives the rows; NULL store on failure. */
static rvf_store *compacted_store(size_t n, uint64_t seed, uint64_t first, uint64_t step,
                                  size_t clusters, size_t every, float noise, float **vectors)
{
    enum { dim = 16 };
    float *v = malloc(sizeof(float) * n * dim);
    uint64_t *ids = malloc(sizeof(uint64_t) * n);
    rvf_test_rng rng = {seed};
    for (size_t i = 0; i < n; i++) {
        ids[i] = first + step * i;
        for (size_t d = 0; d < dim; d++)
            v[i * dim + d] =
                (float)((i % clusters) * (d % every == 0)) + noise * rvf_test_unit(&rng);
    }
    rvf_options o = {.dimension = dim};
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    if (s) {
        CHECK_EQ_INT(rvf_ingest(s, v, ids, n, NULL, NULL), RVF_OK);
        CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
        CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    }
    free(ids);
    *vectors = v;
    return s;
}

/* The newest manifest of a memory store's bytes (*bytes, *len: the image). */
static void store_manifest(rvf_store *s, const uint8_t **bytes, size_t *len, rvf_manifest *m)
{
    CHECK_EQ_INT(rvf_store_bytes(s, bytes, len), RVF_OK);
    rvf_io *io = NULL;
    uint64_t bad = 0;
    memset(m, 0, sizeof *m);
    CHECK_EQ_INT(rvf_io_view(*bytes, *len, &io), RVF_OK);
    if (io) {
        CHECK_EQ_INT(rvf_manifest_locate(io, *len, m, &bad), RVF_OK);
        io->close(io);
    }
}

/* Each SKETCH_SEG a store writes starts a sketch epoch; ACCESS_SKETCH_REF names it. */
static void test_store_sketch_epochs(void)
{
    enum { n = 300, dim = 8 };
    static float v[n * dim];
    rvf_test_rng rng = {42};
    for (size_t i = 0; i < n * dim; i++)
        v[i] = rvf_test_unit(&rng);
    rvf_options o = {.dimension = dim};
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    if (!s)
        return;
    uint64_t ids[n];
    for (uint64_t i = 0; i < n; i++)
        ids[i] = i;
    CHECK_EQ_INT(rvf_ingest(s, v, ids, n, NULL, NULL), RVF_OK);
    uint32_t want_epoch = 0;
    for (int round = 0; round < 3; round++) {
        rvf_query_params p = {.k = 5, .ef = 32};
        rvf_hit hits[5];
        uint32_t nh = 0;
        for (int q = 0; q < 10; q++)
            CHECK_EQ_INT(rvf_query(s, v + q * dim, dim, &p, hits, &nh), RVF_OK);
        if (round)
            CHECK_EQ_INT(rvf_compact(s), RVF_OK);
        else
            CHECK_EQ_INT(rvf_build_index(s, NULL), RVF_OK);
        want_epoch++;
        const uint8_t *bytes = NULL;
        size_t len = 0;
        rvf_manifest m;
        store_manifest(s, &bytes, &len, &m);
        CHECK(m.has_sketch_ref);
        CHECK_EQ_INT(m.sketch_epoch, want_epoch);
        CHECK_EQ_INT(m.sketch_block_size, 1024);
        bool listed = false;
        for (uint32_t i = 0; i < m.ndir; i++)
            listed |=
                m.dir[i].seg_type == RVF_SEG_SKETCH && m.dir[i].file_offset == m.sketch_seg_offset;
        CHECK(listed);
        rvf_manifest_free(&m);
    }
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
}

/* A compacted indexed store lists, per VEC_SEG run of nodes, the pages of its rows and of its
 * neighbour lists; the root's prefetch_map names the table. */
static void test_store_prefetch(void)
{
    enum { n = 3000, dim = 16 };
    float *v = NULL;
    rvf_store *s = compacted_store(n, 7, 10, 3, 30, 3, 0.1f, &v);
    if (!s) {
        free(v);
        return;
    }
    const uint8_t *bytes = NULL;
    size_t len = 0;
    rvf_manifest m;
    store_manifest(s, &bytes, &len, &m);
    const rvf_dir_entry *ix = NULL;
    uint32_t nvec = 0;
    for (uint32_t i = 0; i < m.ndir; i++) {
        nvec += m.dir[i].seg_type == RVF_SEG_VEC;
        if (m.dir[i].seg_type == RVF_SEG_INDEX && !(m.dir[i].flags & RVF_FLAG_HOT) && !ix)
            ix = &m.dir[i];
    }
    CHECK(ix != NULL && nvec > 1);
    CHECK_EQ_INT(m.nprefetch, 2 * nvec);
    CHECK_EQ_INT(m.prefetch_map_entries, m.nprefetch);
    CHECK(m.prefetch_map_offset && m.prefetch_map_offset + 32ull * m.nprefetch <= len);
    uint64_t next = 0, adj_end = 0;
    uint32_t vi = 0;
    for (uint32_t i = 0; ix && i + 1 < m.nprefetch; i += 2) {
        const rvf_prefetch_entry *pv = &m.prefetch[i], *pa = &m.prefetch[i + 1];
        /* the table's bytes in the file, where the root says */
        const uint8_t *raw = bytes + m.prefetch_map_offset + 32ull * i;
        CHECK_EQ_U64(ld64(raw), pv->node_start);
        CHECK_EQ_U64(ld64(raw + 16), pv->page_offset);
        /* runs tile the nodes in order */
        CHECK_EQ_U64(pv->node_start, next);
        CHECK(pv->node_end > pv->node_start);
        CHECK(pa->node_start == pv->node_start && pa->node_end == pv->node_end);
        next = pv->node_end;
        /* the rows' pages cover the vi-th VEC_SEG */
        const rvf_dir_entry *e = NULL;
        for (uint32_t d = 0, k = 0; d < m.ndir && !e; d++)
            if (m.dir[d].seg_type == RVF_SEG_VEC && k++ == vi)
                e = &m.dir[d];
        vi++;
        CHECK(e && pv->page_offset % 4096 == 0 && pv->page_offset <= e->file_offset &&
              pv->page_offset + 4096ull * pv->page_count >=
                  e->file_offset + 64 + e->payload_length);
        CHECK(pv->page_count <= (64 + e->payload_length) / 4096 + 2);
        CHECK_EQ_INT(pv->prefetch_ahead, 32); /* M0 of the default graph */
        /* the lists' pages lie in the INDEX_SEG and advance with the nodes */
        CHECK(pa->page_offset % 4096 == 0 && pa->page_offset + 4096 > ix->file_offset &&
              pa->page_offset < ix->file_offset + 64 + ix->payload_length);
        CHECK(pa->page_offset + 4096ull * pa->page_count >= adj_end);
        adj_end = pa->page_offset + 4096ull * pa->page_count;
    }
    CHECK_EQ_U64(next, n);
    if (ix)
        CHECK(adj_end >= ix->file_offset + 64 + ix->payload_length);
    rvf_manifest_free(&m);
    /* a plain commit keeps the table (its pages do not move) */
    float one[dim] = {0};
    uint64_t id = 1;
    CHECK_EQ_INT(rvf_ingest(s, one, &id, 1, NULL, NULL), RVF_OK);
    store_manifest(s, &bytes, &len, &m);
    CHECK_EQ_INT(m.nprefetch, 2 * nvec);
    CHECK(m.prefetch_map_offset > len - 4096 - 64 - 4096ull * 4);
    rvf_manifest_free(&m);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    free(v);
}

/* rvf_verify rejects a PREFETCH_TABLE whose pages lie past the end of the file. */
static void test_verify_prefetch_bounds(void)
{
    for (int bad = 0; bad < 2; bad++) {
        rvf_manifest m;
        memset(&m, 0, sizeof m);
        m.epoch = 1;
        m.dimension = 4;
        m.has_capability = true;
        m.nprefetch = 1;
        m.prefetch = rvf_malloc(sizeof *m.prefetch);
        m.prefetch[0] = (rvf_prefetch_entry){0, 1, 0, bad ? 3 : 1, 4};
        rvf_buf out;
        rvf_buf_init(&out);
        CHECK_EQ_INT(rvf_manifest_emit(&out, &m, RVF_HASH_XXH3_128), RVF_OK);
        rvf_store *s = NULL;
        CHECK_EQ_INT(rvf_open_view(out.data, out.len, &s), RVF_OK);
        if (s) {
            uint64_t at = 0;
            CHECK_EQ_INT(rvf_verify(s, &at), bad ? RVF_ERR_INVALID_MANIFEST : RVF_OK);
            if (bad)
                CHECK_EQ_U64(at, 0);
            rvf_close(s);
        }
        rvf_manifest_free(&m);
        rvf_buf_free(&out);
    }
}

/* A Layer B whose INDEX_LAYERS record is gone is still recognised (its header says layer_level
 * 1) and kept out of the graph: approximate answers equal those with the record. */
static void test_layerb_without_record(void)
{
    enum { n = 4000, dim = 16, nq = 20 };
    float *v = NULL;
    rvf_store *s = compacted_store(n, 99, 0, 1, 40, 5, 1.0f, &v), *t = NULL;
    if (!s) {
        free(v);
        return;
    }
    const uint8_t *bytes = NULL;
    size_t len = 0;
    rvf_manifest m;
    store_manifest(s, &bytes, &len, &m);
    CHECK(m.nlayers == 3 && (m.layers_present & 2));
    /* the same manifest again, appended, without INDEX_LAYERS */
    rvf_free(m.layers);
    m.layers = NULL;
    m.nlayers = 0;
    m.offset = len;
    m.epoch++;
    rvf_buf out;
    rvf_buf_init(&out);
    rvf_buf_put(&out, bytes, len);
    CHECK_EQ_INT(rvf_manifest_emit(&out, &m, RVF_HASH_XXH3_128), RVF_OK);
    rvf_manifest_free(&m);
    CHECK_EQ_INT(rvf_open_memory(out.data, out.len, &t), RVF_OK);
    if (t) {
        rvf_manifest_info mi;
        CHECK_EQ_INT(rvf_manifest_info_get(t, &mi), RVF_OK);
        CHECK_EQ_INT(mi.index_layers, 0);
        rvf_query_params p = {.k = 10, .metric = -1, .ef = 64};
        for (int q = 0; q < nq; q++) {
            rvf_hit a[10], b[10];
            uint32_t na = 0, nb = 0;
            CHECK_EQ_INT(rvf_query(s, v + (size_t)q * 97 * dim, dim, &p, a, &na), RVF_OK);
            CHECK_EQ_INT(rvf_query(t, v + (size_t)q * 97 * dim, dim, &p, b, &nb), RVF_OK);
            CHECK_EQ_INT(na, nb);
            for (uint32_t i = 0; i < na && i < nb; i++)
                CHECK_EQ_U64(a[i].id, b[i].id);
        }
        rvf_status_info si;
        CHECK_EQ_INT(rvf_status_get(t, &si), RVF_OK);
        CHECK_EQ_U64(si.indexed_vectors, n); /* the full graph, not Layer B's subset */
        rvf_close(t);
    }
    rvf_buf_free(&out);
    rvf_close(s);
    free(v);
}

int main(void)
{
    RVF_TEST_RUN(test_round_trip);
    RVF_TEST_RUN(test_stale_sketch_ref);
    RVF_TEST_RUN(test_malformed);
    RVF_TEST_RUN(test_store_sketch_epochs);
    RVF_TEST_RUN(test_store_prefetch);
    RVF_TEST_RUN(test_verify_prefetch_bounds);
    RVF_TEST_RUN(test_layerb_without_record);
    return rvf_test_finish();
}

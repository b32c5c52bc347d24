/* fuzz_manifest.c: the Level-0 root and the Level-1 TLV records (rvf_manifest.c:
 * rvf_manifest_locate, rvf_manifest_read_at; the DELETION_BITMAP value goes through the roaring
 * decoder). Input: one mode byte, then a file. Mode bit 0 set: the file's checksums are repaired
 * first (fuzz_fix_file), so a mutated root or Level 1 reaches the TLV parser.
 * Checks: locate gives the same status and manifest through a mapped view and through a
 * range-read source (the source takes the "root already in hand" path); every 64-aligned
 * MANIFEST_SEG header read with rvf_manifest_read_at gives a documented status; an accepted
 * manifest emitted again (rvf_manifest_emit) reads back with the same fields, directory and
 * deletions. */
#include "fuzz.h"
#include "rvf_manifest.h"

static void check_manifest(const rvf_manifest *m)
{
    FUZZ_ASSERT(m->offset % 64 == 0 && m->payload_length >= RVF_ROOT_SIZE);
    FUZZ_ASSERT(m->ndir == 0 || m->dir != NULL);
    FUZZ_ASSERT(m->ndeleted == 0 || m->deleted != NULL);
    for (size_t i = 1; i < m->ndeleted; i++)
        FUZZ_ASSERT(m->deleted[i - 1] < m->deleted[i]);
    if (m->ndeleted)
        FUZZ_ASSERT(m->deleted[m->ndeleted - 1] < (1ull << 48));
    FUZZ_ASSERT(m->nrecords >= m->unknown_tags);
}

static bool same_dir(const rvf_dir_entry *a, const rvf_dir_entry *b)
{
    return a->segment_id == b->segment_id && a->seg_type == b->seg_type && a->tier == b->tier &&
           a->flags == b->flags && a->file_offset == b->file_offset &&
           a->payload_length == b->payload_length && a->compressed_length == b->compressed_length &&
           a->shard_id == b->shard_id && a->compression == b->compression &&
           a->block_count == b->block_count && memcmp(a->content_hash, b->content_hash, 16) == 0;
}

/* Emit m again (at offset 0) and read it back: the known fields must survive. */
static void roundtrip(const rvf_manifest *m)
{
    rvf_manifest e = *m; /* shares dir and deleted; emit reads them and rewrites root only */
    e.offset = 0;
    rvf_buf out;
    rvf_buf_init(&out);
    rvf_status st = rvf_manifest_emit(&out, &e, RVF_HASH_XXH3_128);
    FUZZ_ASSERT(st == RVF_OK || st == RVF_ERR_OUT_OF_MEMORY);
    if (st == RVF_OK) {
        rvf_io *io = NULL;
        FUZZ_ASSERT(rvf_io_view(out.data, out.len, &io) == RVF_OK);
        rvf_manifest r;
        st = rvf_manifest_read_at(io, 0, out.len, &r);
        FUZZ_ASSERT(st == RVF_OK);
        FUZZ_ASSERT(r.epoch == m->epoch && r.dimension == m->dimension &&
                    r.base_dtype == m->base_dtype && r.profile_id == m->profile_id &&
                    r.total_vectors == m->total_vectors && r.created_ns == m->created_ns &&
                    r.modified_ns == m->modified_ns && r.lineage_depth == m->lineage_depth);
        FUZZ_ASSERT(memcmp(r.file_id, m->file_id, 16) == 0 &&
                    memcmp(r.parent_id, m->parent_id, 16) == 0 &&
                    memcmp(r.parent_hash, m->parent_hash, 32) == 0);
        FUZZ_ASSERT(r.ndir == m->ndir);
        for (uint32_t i = 0; i < r.ndir; i++)
            FUZZ_ASSERT(same_dir(&r.dir[i], &m->dir[i]));
        FUZZ_ASSERT(r.ndeleted == m->ndeleted);
        if (r.ndeleted)
            FUZZ_ASSERT(memcmp(r.deleted, m->deleted, r.ndeleted * sizeof *r.deleted) == 0);
        FUZZ_ASSERT(r.has_chain == m->has_chain);
        if (r.has_chain)
            FUZZ_ASSERT(r.prev_manifest_offset == m->prev_manifest_offset &&
                        r.prev_manifest_id == m->prev_manifest_id);
        FUZZ_ASSERT(r.has_capability && r.metric == m->metric &&
                    r.min_hw_profile == m->min_hw_profile);
        FUZZ_ASSERT(r.has_witness == m->has_witness);
        if (r.has_witness)
            FUZZ_ASSERT(r.witness_seg_offset == m->witness_seg_offset &&
                        r.witness_count == m->witness_count &&
                        memcmp(r.witness_head, m->witness_head, 32) == 0);
        FUZZ_ASSERT(r.dead_bytes == m->dead_bytes && r.last_compaction_ns == m->last_compaction_ns);
        /* the extras: INDEX_LAYERS, TEMP_TIER_MAP, ACCESS_SKETCH_REF, PREFETCH_TABLE */
        FUZZ_ASSERT(r.nlayers == m->nlayers && r.ntiers == m->ntiers &&
                    r.nprefetch == m->nprefetch && r.has_sketch_ref == m->has_sketch_ref);
        if (r.nlayers)
            FUZZ_ASSERT(r.layers_present == m->layers_present &&
                        r.centroid_epoch == m->centroid_epoch &&
                        r.hot_cache_epoch == m->hot_cache_epoch);
        for (uint32_t i = 0; i < r.nlayers; i++)
            FUZZ_ASSERT(r.layers[i].segment_id == m->layers[i].segment_id &&
                        r.layers[i].layer_level == m->layers[i].layer_level &&
                        r.layers[i].index_type == m->layers[i].index_type &&
                        r.layers[i].node_start == m->layers[i].node_start &&
                        r.layers[i].node_end == m->layers[i].node_end);
        for (uint32_t i = 0; i < r.ntiers; i++)
            FUZZ_ASSERT(r.tiers[i].segment_id == m->tiers[i].segment_id &&
                        r.tiers[i].block_index == m->tiers[i].block_index &&
                        r.tiers[i].tier == m->tiers[i].tier);
        if (r.has_sketch_ref)
            FUZZ_ASSERT(r.sketch_seg_offset == m->sketch_seg_offset &&
                        r.sketch_block_size == m->sketch_block_size &&
                        r.sketch_epoch == m->sketch_epoch);
        for (uint32_t i = 0; i < r.nprefetch; i++)
            FUZZ_ASSERT(memcmp(&r.prefetch[i], &m->prefetch[i], sizeof r.prefetch[i]) == 0);
        FUZZ_ASSERT(r.prefetch_map_entries == r.nprefetch);
        rvf_manifest_free(&r);
        io->close(io);
    }
    rvf_buf_free(&out);
}

static void run(const uint8_t *f, size_t len)
{
    rvf_io *view = NULL, *src = NULL;
    FUZZ_ASSERT(rvf_io_view(f, len, &view) == RVF_OK);
    src_ctx c = {f, len};
    rvf_source s = {.ctx = &c, .size = len, .read = src_read};
    FUZZ_ASSERT(rvf_io_source(&s, &src) == RVF_OK);

    rvf_manifest a, b;
    uint64_t bad_a, bad_b;
    rvf_status sa = rvf_manifest_locate(view, len, &a, &bad_a);
    rvf_status sb = rvf_manifest_locate(src, len, &b, &bad_b);
    FUZZ_ASSERT(fuzz_status_known(sa));
    FUZZ_ASSERT(sa == sb && bad_a == bad_b);
    if (sa == RVF_OK) {
        FUZZ_ASSERT(a.offset == b.offset && a.epoch == b.epoch && a.ndir == b.ndir &&
                    a.ndeleted == b.ndeleted && memcmp(a.root, b.root, RVF_ROOT_SIZE) == 0);
        check_manifest(&a);
        roundtrip(&a);
    }
    rvf_manifest_free(&a);
    rvf_manifest_free(&b);

    /* every manifest candidate, as the backward scan and rvf_open_at_epoch read them */
    int tried = 0;
    for (size_t o = 0; o + RVF_SEGMENT_HEADER_SIZE <= len && tried < 32; o += 64) {
        if (rvfk_ld_u32(f + o) != RVF_SEGMENT_MAGIC || f[o + 5] != RVF_SEG_MANIFEST)
            continue;
        tried++;
        rvf_manifest m;
        rvf_status st = rvf_manifest_read_at(view, o, len, &m);
        FUZZ_ASSERT(fuzz_status_known(st));
        if (st == RVF_OK) {
            FUZZ_ASSERT(m.offset == o);
            check_manifest(&m);
            rvf_manifest_free(&m);
        }
    }
    view->close(view);
    src->close(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t *f = fuzz_dup(data + 1, size - 1);
    if (data[0] & 1)
        fuzz_fix_file(f, size - 1);
    run(f, size - 1);
    free(f);
    return 0;
}

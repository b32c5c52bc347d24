/* rvf_store_inspect.c: reading a store without changing it: metadata and vectors by id, status,
 * the segment list, verification (rvf_verify, rvf_verify_each), manifest information and chain,
 * rvf_foreach. */
#include <stdio.h>
#include <string.h>

#include "rvf_store_impl.h"

/* ---- inspection ----------------------------------------------------------------------------- */
rvf_status rvf_get_metadata(rvf_store *s, uint64_t id, const rvf_value **fields, uint32_t *n)
{
    if (!s || !fields || !n)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status lst = rvf_store_ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    int64_t j = rvf_store_find_slot(s, id);
    if (j < 0 || s->dead[j])
        return RVF_ERR_NOT_FOUND;
    *fields = s->meta[j].fields;
    *n = s->meta[j].n;
    return RVF_OK;
}

rvf_status rvf_get_vector(rvf_store *s, uint64_t id, float *out, uint32_t dim)
{
    if (!s || !out)
        return RVF_ERR_INVALID_ARGUMENT;
    if (dim != s->dim)
        return RVF_ERR_DIMENSION_MISMATCH;
    rvf_status lst = rvf_store_ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    int64_t j = rvf_store_find_slot(s, id);
    if (j < 0 || s->dead[j])
        return RVF_ERR_NOT_FOUND;
    const uint8_t *r = s->rows + (size_t)j * s->row_bytes;
    for (uint32_t d = 0; d < dim; d++)
        out[d] = s->dtype == RVF_DTYPE_F32 ? rvfk_ld_f32(r + 4 * (size_t)d)
                                           : rvfk_f16_to_f32(rvfk_ld_u16(r + 2 * (size_t)d));
    return RVF_OK;
}

rvf_status rvf_status_get(rvf_store *s, rvf_status_info *o)
{
    if (!s || !o)
        return RVF_ERR_INVALID_ARGUMENT;
    memset(o, 0, sizeof *o);
    if (s->loaded) {
        o->live_vectors = s->n - s->ndead;
        o->total_vectors = s->n;
        o->deleted_vectors = s->ndead;
    } else { /* from the manifest alone: nothing beyond the root and Level 1 is read */
        o->total_vectors = s->man.total_vectors;
        o->deleted_vectors = s->man.ndeleted;
        o->live_vectors = s->man.total_vectors - s->man.ndeleted;
    }
    o->dimension = s->dim;
    o->metric = (rvf_metric)s->metric;
    o->dtype = (rvf_dtype)s->dtype;
    o->profile_id = s->profile_id;
    o->read_only = s->read_only;
    o->dialect = s->dialect;
    o->epoch = s->man.epoch;
    o->segment_count = s->man.ndir + (s->dialect ? 0 : 1);
    o->file_size = s->io->size(s->io);
    o->dead_bytes = s->man.dead_bytes;
    o->manifest_offset = s->man.offset;
    o->bytes_read = s->io->bytes_read;
    o->recovered_from = s->recovered_from;
    memcpy(o->file_id, s->man.file_id, 16);
    memcpy(o->parent_id, s->man.parent_id, 16);
    o->lineage_depth = s->man.lineage_depth;
    o->index_segments = rvf_store_index_seg_count(&s->man);
    o->indexed_vectors = s->hnsw && s->hnsw_persisted ? s->hnsw_n : 0;
    o->stale_vectors = s->nstale;
    o->read_requests = s->io->read_requests;
    o->load_state = s->loaded                        ? RVF_LOAD_FULL
                    : s->la                          ? RVF_LOAD_LAYER_A
                    : s->root_only || s->boot_failed ? RVF_LOAD_ROOT
                                                     : RVF_LOAD_MANIFEST;
    o->partitions_loaded = s->loaded ? s->la_read : s->la_loaded;
    o->hot_vectors = s->man.hotset[RVF_HOT_CACHE].count;
    o->layer_b_nodes = rvf_layerb_count(s->lb);
    o->layer_b_partitions = s->lb_read;
    return RVF_OK;
}

rvf_status rvf_segments(rvf_store *s, rvf_segment_info **segs, uint32_t *n)
{
    if (!s || !segs || !n)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = rvf_store_ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    uint32_t cnt = s->man.ndir + (s->dialect ? 0 : 1);
    rvf_segment_info *v = rvf_calloc((size_t)cnt + 1, sizeof *v);
    if (!v)
        return RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < s->man.ndir; i++) {
        const rvf_dir_entry *e = &s->man.dir[i];
        v[i] = (rvf_segment_info){e->segment_id, e->file_offset, e->payload_length, e->seg_type, 0,
                                  e->flags};
    }
    if (!s->dialect)
        v[s->man.ndir] = (rvf_segment_info){s->man.segment_id, s->man.offset, s->man.payload_length,
                                            RVF_SEG_MANIFEST,  s->algo,       0};
    *segs = v;
    *n = cnt;
    return RVF_OK;
}

/* One listed segment: header against the directory, content hash, then what the payload type
 * allows checking (VEC block CRCs, witness chain and head, journal, META and HOT_SEG structure). */
static rvf_status verify_segment(rvf_store *s, const rvf_dir_entry *e, uint64_t fsz)
{
    const uint8_t *p = NULL;
    bool owned = false;
    rvf_status st = rvf_seg_load(s->io, e, fsz, &p, &owned);
    size_t len = (size_t)e->payload_length;
    if (st == RVF_OK && e->seg_type == RVF_SEG_VEC) {
        rvf_vec_block *blk = NULL;
        uint32_t nb = 0;
        st = rvf_vecseg_blocks(p, len, &blk, &nb);
        for (uint32_t b = 0; b < nb && st == RVF_OK; b++) {
            size_t es = rvf_dtype_size(blk[b].dtype);
            uint64_t *ids = rvf_malloc((size_t)blk[b].count * 8 + 8);
            uint8_t *rows = rvf_malloc((size_t)blk[b].count * blk[b].dim * (es ? es : 1) + 1);
            st = ids && rows ? rvf_vecseg_decode_block(p, len, &blk[b], ids, rows)
                             : RVF_ERR_OUT_OF_MEMORY;
            if (st == RVF_OK) /* a quantized tier's block needs its QUANT_SEG */
                st = rvf_store_block_check(s, &blk[b]);
            rvf_free(ids);
            rvf_free(rows);
        }
        rvf_free(blk);
    } else if (st == RVF_OK && e->seg_type == RVF_SEG_WITNESS) {
        uint8_t head[32];
        st = rvf_witness_verify(p, len, NULL, head);
        /* the chain head recorded in the manifest must be the newest witness entry's hash */
        if (st == RVF_OK && s->man.has_witness && e->file_offset == s->man.witness_seg_offset &&
            !rvf_ct_equal(head, s->man.witness_head, 32))
            st = RVF_ERR_INVALID_CHECKSUM;
    } else if (st == RVF_OK && e->seg_type == RVF_SEG_JOURNAL) {
        uint32_t ep;
        uint64_t prev;
        st = rvf_journal_decode(p, len, &ep, &prev, NULL, NULL);
    } else if (st == RVF_OK && e->seg_type == RVF_SEG_META) {
        st = rvf_metaseg_decode(p, len, NULL, NULL);
    } else if (st == RVF_OK && e->seg_type == RVF_SEG_QUANT) {
        rvf_quant q;
        st = rvf_quantseg_decode(p, len, (uint16_t)s->dim, &q);
        rvf_quant_free(&q);
    } else if (st == RVF_OK && e->seg_type == RVF_SEG_HOT) {
        rvf_hotseg hs;
        st = rvf_hotseg_decode(p, len, 0, 0, &hs);
        rvf_hotseg_free(&hs);
    }
    if (owned && p)
        rvf_free((void *)p);
    return st;
}

/* A reference-dialect segment: magic and, where one is stored, the rotated-CRC content hash. */
static rvf_status verify_ref_segment(rvf_store *s, const rvf_dir_entry *e, uint64_t fsz)
{
    uint8_t hb[RVF_SEGMENT_HEADER_SIZE];
    if (e->file_offset > fsz || fsz - e->file_offset < sizeof hb)
        return RVF_ERR_TRUNCATED_SEGMENT;
    rvf_status st = s->io->read(s->io, e->file_offset, hb, sizeof hb);
    if (st != RVF_OK)
        return st;
    rvfk_seg_header h;
    rvfk_seg_header_decode(hb, &h);
    if (h.magic != RVF_SEGMENT_MAGIC)
        return RVF_ERR_INVALID_MAGIC;
    if (h.payload_length > fsz - e->file_offset - sizeof hb || h.payload_length >= (1ull << 32))
        return RVF_ERR_TRUNCATED_SEGMENT;
    static const uint8_t zero[16];
    if (memcmp(h.content_hash, zero, 16) == 0)
        return RVF_OK; /* "not set" in the reference's files */
    uint8_t *p = rvf_malloc((size_t)h.payload_length + 1), hash[16];
    if (!p)
        return RVF_ERR_OUT_OF_MEMORY;
    st = s->io->read(s->io, e->file_offset + sizeof hb, p, (size_t)h.payload_length);
    if (st == RVF_OK) {
        rvf_ref_content_hash(p, (size_t)h.payload_length, hash);
        if (!rvf_ct_equal(hash, h.content_hash, 16))
            st = RVF_ERR_INVALID_CHECKSUM;
    }
    rvf_free(p);
    return st;
}

rvf_status rvf_verify_each(rvf_store *s, rvf_verify_fn fn, void *ctx)
{
    rvf_store_detail[0] = 0;
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = rvf_store_ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    uint64_t fsz = s->io->size(s->io);
    rvf_status first = RVF_OK;
    char detail[256];
    for (uint32_t i = 0; i <= s->man.ndir; i++) {
        rvf_segment_info si;
        rvf_status st;
        if (i < s->man.ndir) {
            const rvf_dir_entry *e = &s->man.dir[i];
            si = (rvf_segment_info){
                e->segment_id, e->file_offset, e->payload_length, e->seg_type, 0, e->flags};
            st = s->dialect ? verify_ref_segment(s, e, fsz) : verify_segment(s, e, fsz);
        } else if (!s->dialect) { /* the manifest itself: content hash and root checksum */
            si = (rvf_segment_info){s->man.segment_id, s->man.offset, s->man.payload_length,
                                    RVF_SEG_MANIFEST,  s->algo,       0};
            rvf_manifest again;
            st = rvf_manifest_read_at(s->io, s->man.offset, fsz, &again);
            if (st == RVF_OK) {
                /* PREFETCH_TABLE pages must lie in the file (before this manifest's end) */
                for (uint32_t k = 0; k < again.nprefetch && st == RVF_OK; k++) {
                    const rvf_prefetch_entry *p = &again.prefetch[k];
                    if (p->page_offset >= fsz ||
                        p->page_count > (fsz - p->page_offset + 4095) / 4096)
                        st = RVF_ERR_INVALID_MANIFEST;
                }
                rvf_manifest_free(&again);
            }
        } else {
            break;
        }
        detail[0] = 0;
        if (st != RVF_OK)
            snprintf(detail, sizeof detail, "%s id %llu at offset %llu: %s",
                     rvf_store_seg_name(si.seg_type), (unsigned long long)si.segment_id,
                     (unsigned long long)si.offset, rvf_strerror(st));
        if (fn)
            fn(ctx, &si, st, detail);
        if (st != RVF_OK && first == RVF_OK) {
            first = st;
            snprintf(rvf_store_detail, sizeof rvf_store_detail, "%s", detail);
        }
    }
    return first;
}

typedef struct first_bad {
    uint64_t offset;
} first_bad;

static void note_first_bad(void *ctx, const rvf_segment_info *seg, rvf_status st, const char *d)
{
    first_bad *f = ctx;
    (void)d;
    if (st != RVF_OK && f->offset == UINT64_MAX)
        f->offset = seg->offset;
}

rvf_status rvf_verify(rvf_store *s, uint64_t *bad_offset)
{
    first_bad f = {UINT64_MAX};
    rvf_status st = rvf_verify_each(s, note_first_bad, &f);
    if (bad_offset)
        *bad_offset = f.offset;
    return st;
}

rvf_status rvf_manifest_info_get(rvf_store *s, rvf_manifest_info *o)
{
    if (!s || !o || s->dialect)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = rvf_store_ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    const rvf_manifest *m = &s->man;
    memset(o, 0, sizeof *o);
    o->offset = m->offset;
    o->segment_id = m->segment_id;
    o->payload_length = m->payload_length;
    o->l1_offset = rvfk_ld_u64(m->root + RVF_ROOT_OFF_L1_OFFSET);
    o->l1_length = rvfk_ld_u64(m->root + RVF_ROOT_OFF_L1_LENGTH);
    o->epoch = m->epoch;
    o->dimension = m->dimension;
    o->base_dtype = m->base_dtype;
    o->profile_id = m->profile_id;
    o->total_vectors = m->total_vectors;
    o->created_ns = m->created_ns;
    o->modified_ns = m->modified_ns;
    memcpy(o->file_id, m->file_id, 16);
    memcpy(o->parent_id, m->parent_id, 16);
    memcpy(o->parent_hash, m->parent_hash, 32);
    o->lineage_depth = m->lineage_depth;
    o->root_checksum = rvfk_ld_u32(m->root + RVF_ROOT_OFF_CHECKSUM);
    o->has_capability = m->has_capability;
    o->metric = m->metric;
    o->min_hw_profile = m->min_hw_profile;
    o->has_chain = m->has_chain;
    o->prev_manifest_offset = m->prev_manifest_offset;
    o->prev_manifest_id = m->prev_manifest_id;
    memcpy(o->checkpoint_hash, m->checkpoint_hash, 16);
    o->deleted_ids = m->ndeleted;
    o->has_witness = m->has_witness;
    o->witness_seg_offset = m->witness_seg_offset;
    o->witness_count = m->witness_count;
    memcpy(o->witness_head, m->witness_head, 32);
    o->dead_bytes = m->dead_bytes;
    o->last_compaction_ns = m->last_compaction_ns;
    /* the record list as stored (a writer's in-memory manifest was built, not parsed) */
    rvf_manifest disk;
    rvf_status st = rvf_manifest_read_at(s->io, m->offset, s->io->size(s->io), &disk);
    if (st != RVF_OK)
        return rvf_store_fail(st, "re-reading the manifest at offset %llu: %s",
                              (unsigned long long)m->offset, rvf_strerror(st));
    o->record_count = disk.nrecords;
    for (uint32_t i = 0; i < disk.nrecords && i < 64; i++) {
        o->records[i].tag = disk.rec_tag[i];
        o->records[i].length = disk.rec_len[i];
    }
    o->layers_present = disk.layers_present;
    o->index_layers = disk.nlayers;
    for (uint32_t i = 0; i < disk.ntiers; i++)
        if (disk.tiers[i].tier < 3)
            o->tier_blocks[disk.tiers[i].tier]++;
    o->has_sketch_ref = disk.has_sketch_ref;
    o->sketch_epoch = disk.sketch_epoch;
    o->sketch_seg_offset = disk.sketch_seg_offset;
    o->prefetch_entries = disk.nprefetch;
    o->prefetch_map_offset = disk.prefetch_map_offset;
    rvf_manifest_free(&disk);
    return RVF_OK;
}

rvf_status rvf_manifest_chain(rvf_store *s, int (*fn)(void *ctx, uint32_t epoch, uint64_t offset),
                              void *ctx)
{
    if (!s || !fn)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = rvf_store_ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    if (fn(ctx, s->man.epoch, s->man.offset) || s->dialect || !s->man.has_chain)
        return RVF_OK;
    uint64_t fsz = s->io->size(s->io), off = s->man.prev_manifest_offset;
    for (;;) {
        rvf_manifest m;
        rvf_status st = rvf_manifest_read_at(s->io, off, fsz, &m);
        if (st != RVF_OK)
            return rvf_store_fail(st, "manifest chain broken at offset %llu: %s",
                                  (unsigned long long)off, rvf_strerror(st));
        int stop = fn(ctx, m.epoch, off);
        bool more = m.has_chain && m.prev_manifest_id;
        off = m.prev_manifest_offset;
        rvf_manifest_free(&m);
        if (stop || !more)
            return RVF_OK;
    }
}

rvf_status rvf_foreach(rvf_store *s, rvf_foreach_fn fn, void *ctx)
{
    if (!s || !fn)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status st = rvf_store_ensure_loaded(s);
    if (st != RVF_OK)
        return st;
    size_t live = s->n - s->ndead, m = 0;
    sort_item *it = rvf_malloc((live + 1) * sizeof *it);
    float *v = rvf_malloc((size_t)s->dim * sizeof *v + 1);
    if (!it || !v) {
        rvf_free(it);
        rvf_free(v);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    for (size_t j = 0; j < s->n; j++)
        if (!s->dead[j])
            it[m++] = (sort_item){s->ids[j], (uint32_t)j};
    rvf_store_sort_items(it, m);
    for (size_t i = 0; i < m; i++) {
        const uint8_t *r = s->rows + (size_t)it[i].idx * s->row_bytes;
        for (uint32_t d = 0; d < s->dim; d++)
            v[d] = s->dtype == RVF_DTYPE_F32 ? rvfk_ld_f32(r + 4 * (size_t)d)
                                             : rvfk_f16_to_f32(rvfk_ld_u16(r + 2 * (size_t)d));
        const slot_meta *sm = &s->meta[it[i].idx];
        if (fn(ctx, it[i].id, v, s->dim, sm->fields, sm->n))
            break;
    }
    rvf_free(v);
    rvf_free(it);
    return RVF_OK;
}

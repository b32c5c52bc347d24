/* rvf_manifest.c: segment framing and the two-level manifest (FORMAT.md "Manifest system").
 * The root is always the last 4096 bytes of a MANIFEST_SEG whose payload is a multiple of 64,
 * so a manifest written last puts its root at EOF-4096 (the fast path). */
#include <string.h>

#include "rvf_manifest.h"

void rvf_manifest_free(rvf_manifest *m)
{
    rvf_free(m->dir);
    rvf_free(m->deleted);
    m->dir = NULL;
    m->deleted = NULL;
    m->ndir = 0;
    m->ndeleted = 0;
    rvf_free(m->layers);
    rvf_free(m->tiers);
    rvf_free(m->prefetch);
    rvf_manifest_clear_extras(m);
}

void rvf_manifest_clear_extras(rvf_manifest *m)
{
    m->layers = NULL;
    m->tiers = NULL;
    m->prefetch = NULL;
    m->nlayers = m->ntiers = m->nprefetch = 0;
    m->layers_present = 0;
    m->has_sketch_ref = false;
    m->sketch_seg_offset = 0;
    m->prefetch_map_offset = 0;
    m->prefetch_map_entries = 0;
}

static void *dup_array(const void *a, size_t n, size_t size, bool *fail)
{
    if (!n)
        return NULL;
    void *d = rvf_malloc(n * size);
    if (d)
        memcpy(d, a, n * size);
    else
        *fail = true;
    return d;
}

rvf_status rvf_manifest_copy_extras(rvf_manifest *dst, const rvf_manifest *src)
{
    bool fail = false;
    dst->layers = dup_array(src->layers, src->nlayers, sizeof *src->layers, &fail);
    dst->tiers = dup_array(src->tiers, src->ntiers, sizeof *src->tiers, &fail);
    dst->prefetch = dup_array(src->prefetch, src->nprefetch, sizeof *src->prefetch, &fail);
    if (!fail)
        return RVF_OK;
    rvf_free(dst->layers);
    rvf_free(dst->tiers);
    rvf_free(dst->prefetch);
    rvf_manifest_clear_extras(dst);
    return RVF_ERR_OUT_OF_MEMORY;
}

size_t rvf_seg_begin(rvf_buf *out)
{
    size_t at = out->len;
    rvf_buf_append(out, RVF_SEGMENT_HEADER_SIZE);
    return at;
}

void rvf_seg_end(rvf_buf *out, size_t at, uint64_t base, uint8_t type, uint16_t flags,
                 uint64_t segment_id, uint8_t algo, uint32_t block_count, rvf_dir_entry *e)
{
    if (out->oom)
        return;
    size_t len = out->len - at - RVF_SEGMENT_HEADER_SIZE;
    rvfk_seg_header h;
    memset(&h, 0, sizeof h);
    h.magic = RVF_SEGMENT_MAGIC;
    h.version = RVF_SEGMENT_VERSION;
    h.seg_type = type;
    h.flags = flags;
    h.segment_id = segment_id;
    h.payload_length = len;
    h.checksum_algo = algo;
    h.alignment_pad = (uint32_t)((64 - len % 64) % 64);
    rvf_content_hash(algo, out->data + at + RVF_SEGMENT_HEADER_SIZE, len, h.content_hash);
    rvfk_seg_header_encode(&h, out->data + at);
    rvf_buf_append(out, h.alignment_pad);
    if (e) {
        memset(e, 0, sizeof *e);
        e->segment_id = segment_id;
        e->seg_type = type;
        e->tier = 1;
        e->flags = flags;
        e->file_offset = base + at;
        e->payload_length = len;
        e->block_count = block_count;
        memcpy(e->content_hash, h.content_hash, 16);
    }
}

void rvf_seg_emit(rvf_buf *out, uint64_t base, uint8_t type, uint16_t flags, uint64_t segment_id,
                  uint8_t algo, const uint8_t *payload, size_t len, uint32_t block_count,
                  rvf_dir_entry *e)
{
    size_t at = rvf_seg_begin(out);
    rvf_buf_put(out, payload, len);
    rvf_seg_end(out, at, base, type, flags, segment_id, algo, block_count, e);
}

static void dir_entry_encode(uint8_t *p, const rvf_dir_entry *e)
{
    memset(p, 0, RVF_DIR_ENTRY_SIZE);
    rvfk_st_u64(p + RVF_DIR_OFF_SEGMENT_ID, e->segment_id);
    p[RVF_DIR_OFF_SEG_TYPE] = e->seg_type;
    p[RVF_DIR_OFF_TIER] = e->tier;
    rvfk_st_u16(p + RVF_DIR_OFF_FLAGS, e->flags);
    rvfk_st_u64(p + RVF_DIR_OFF_FILE_OFFSET, e->file_offset);
    rvfk_st_u64(p + RVF_DIR_OFF_PAYLOAD_LENGTH, e->payload_length);
    rvfk_st_u64(p + RVF_DIR_OFF_COMPRESSED_LENGTH, e->compressed_length);
    rvfk_st_u16(p + RVF_DIR_OFF_SHARD_ID, e->shard_id);
    rvfk_st_u16(p + RVF_DIR_OFF_COMPRESSION, e->compression);
    rvfk_st_u32(p + RVF_DIR_OFF_BLOCK_COUNT, e->block_count);
    memcpy(p + RVF_DIR_OFF_CONTENT_HASH, e->content_hash, 16);
}

static void dir_entry_decode(const uint8_t *p, rvf_dir_entry *e)
{
    e->segment_id = rvfk_ld_u64(p + RVF_DIR_OFF_SEGMENT_ID);
    e->seg_type = p[RVF_DIR_OFF_SEG_TYPE];
    e->tier = p[RVF_DIR_OFF_TIER];
    e->flags = rvfk_ld_u16(p + RVF_DIR_OFF_FLAGS);
    e->file_offset = rvfk_ld_u64(p + RVF_DIR_OFF_FILE_OFFSET);
    e->payload_length = rvfk_ld_u64(p + RVF_DIR_OFF_PAYLOAD_LENGTH);
    e->compressed_length = rvfk_ld_u64(p + RVF_DIR_OFF_COMPRESSED_LENGTH);
    e->shard_id = rvfk_ld_u16(p + RVF_DIR_OFF_SHARD_ID);
    e->compression = rvfk_ld_u16(p + RVF_DIR_OFF_COMPRESSION);
    e->block_count = rvfk_ld_u32(p + RVF_DIR_OFF_BLOCK_COUNT);
    memcpy(e->content_hash, p + RVF_DIR_OFF_CONTENT_HASH, 16);
}

/* TLV record: tag u16, length u32, pad u16, value, zero pad to 8 (relative to the L1 start). */
static uint8_t *tlv_begin(rvf_buf *b, uint16_t tag, size_t len)
{
    rvf_buf_u16(b, tag);
    rvf_buf_u32(b, (uint32_t)len);
    rvf_buf_u16(b, 0);
    return rvf_buf_append(b, len);
}

static void root_encode(rvf_manifest *m, uint64_t l1_off, uint64_t l1_len)
{
    uint8_t *r = m->root;
    memset(r, 0, RVF_ROOT_SIZE);
    rvfk_st_u32(r + RVF_ROOT_OFF_MAGIC, RVF_ROOT_MAGIC);
    rvfk_st_u16(r + RVF_ROOT_OFF_VERSION, 1);
    rvfk_st_u64(r + RVF_ROOT_OFF_L1_OFFSET, l1_off);
    rvfk_st_u64(r + RVF_ROOT_OFF_L1_LENGTH, l1_len);
    rvfk_st_u64(r + RVF_ROOT_OFF_TOTAL_VECTORS, m->total_vectors);
    rvfk_st_u16(r + RVF_ROOT_OFF_DIMENSION, m->dimension);
    r[RVF_ROOT_OFF_BASE_DTYPE] = m->base_dtype;
    r[RVF_ROOT_OFF_PROFILE_ID] = m->profile_id;
    rvfk_st_u32(r + RVF_ROOT_OFF_EPOCH, m->epoch);
    rvfk_st_u64(r + RVF_ROOT_OFF_CREATED_NS, m->created_ns);
    rvfk_st_u64(r + RVF_ROOT_OFF_MODIFIED_NS, m->modified_ns);
    memcpy(r + RVF_ROOT_OFF_FILE_ID, m->file_id, 16);
    memcpy(r + RVF_ROOT_OFF_PARENT_ID, m->parent_id, 16);
    memcpy(r + RVF_ROOT_OFF_PARENT_HASH, m->parent_hash, 32);
    rvfk_st_u32(r + RVF_ROOT_OFF_LINEAGE_DEPTH, m->lineage_depth);
    for (int i = 0; i < RVF_HOT_COUNT; i++) {
        uint8_t *h = r + RVF_ROOT_OFF_ENTRYPOINT + 16 * i;
        rvfk_st_u64(h, m->hotset[i].seg_offset);
        rvfk_st_u32(h + 8, m->hotset[i].block_offset);
        rvfk_st_u32(h + 12, m->hotset[i].count);
    }
    rvfk_st_u64(r + RVF_ROOT_OFF_PREFETCH_MAP, m->prefetch_map_offset);
    rvfk_st_u32(r + RVF_ROOT_OFF_PREFETCH_MAP + 8, m->prefetch_map_entries);
    rvfk_st_u32(r + RVF_ROOT_OFF_CHECKSUM, rvfk_crc32c(r, RVF_ROOT_OFF_CHECKSUM));
}

static bool root_valid(const uint8_t *r)
{
    return rvfk_ld_u32(r + RVF_ROOT_OFF_MAGIC) == RVF_ROOT_MAGIC &&
           rvfk_ld_u32(r + RVF_ROOT_OFF_CHECKSUM) == rvfk_crc32c(r, RVF_ROOT_OFF_CHECKSUM);
}

static void root_decode(rvf_manifest *m)
{
    const uint8_t *r = m->root;
    m->total_vectors = rvfk_ld_u64(r + RVF_ROOT_OFF_TOTAL_VECTORS);
    m->dimension = rvfk_ld_u16(r + RVF_ROOT_OFF_DIMENSION);
    m->base_dtype = r[RVF_ROOT_OFF_BASE_DTYPE];
    m->profile_id = r[RVF_ROOT_OFF_PROFILE_ID];
    m->epoch = rvfk_ld_u32(r + RVF_ROOT_OFF_EPOCH);
    m->created_ns = rvfk_ld_u64(r + RVF_ROOT_OFF_CREATED_NS);
    m->modified_ns = rvfk_ld_u64(r + RVF_ROOT_OFF_MODIFIED_NS);
    memcpy(m->file_id, r + RVF_ROOT_OFF_FILE_ID, 16);
    memcpy(m->parent_id, r + RVF_ROOT_OFF_PARENT_ID, 16);
    memcpy(m->parent_hash, r + RVF_ROOT_OFF_PARENT_HASH, 32);
    m->lineage_depth = rvfk_ld_u32(r + RVF_ROOT_OFF_LINEAGE_DEPTH);
    for (int i = 0; i < RVF_HOT_COUNT; i++) {
        const uint8_t *h = r + RVF_ROOT_OFF_ENTRYPOINT + 16 * i;
        m->hotset[i].seg_offset = rvfk_ld_u64(h);
        m->hotset[i].block_offset = rvfk_ld_u32(h + 8);
        m->hotset[i].count = rvfk_ld_u32(h + 12);
    }
    m->prefetch_map_offset = rvfk_ld_u64(r + RVF_ROOT_OFF_PREFETCH_MAP);
    m->prefetch_map_entries = rvfk_ld_u32(r + RVF_ROOT_OFF_PREFETCH_MAP + 8);
}

/* Zero the hotset pointers that do not name a segment of the directory of the right type:
 * Layer-A pointers need a HOT INDEX_SEG, quantdict a QUANT_SEG, hot_cache a HOT_SEG. */
static void hotset_check(rvf_manifest *m)
{
    static const uint8_t want[RVF_HOT_COUNT] = {RVF_SEG_INDEX, RVF_SEG_INDEX, RVF_SEG_INDEX,
                                                RVF_SEG_QUANT, RVF_SEG_HOT};
    for (int i = 0; i < RVF_HOT_COUNT; i++) {
        rvf_hotptr *h = &m->hotset[i];
        bool ok = false;
        for (uint32_t d = 0; d < m->ndir && !ok && h->seg_offset; d++) {
            const rvf_dir_entry *e = &m->dir[d];
            ok = e->file_offset == h->seg_offset && e->seg_type == want[i] &&
                 (want[i] != RVF_SEG_INDEX || (e->flags & RVF_FLAG_HOT)) &&
                 h->block_offset < e->payload_length;
        }
        if (!ok)
            memset(h, 0, sizeof *h);
    }
}

static bool dir_has(const rvf_manifest *m, uint64_t segment_id, uint8_t type)
{
    for (uint32_t d = 0; d < m->ndir; d++)
        if (m->dir[d].segment_id == segment_id)
            return !type || m->dir[d].seg_type == type;
    return false;
}

/* Drop the INDEX_LAYERS and TEMP_TIER_MAP entries whose segment left the directory (an INDEX_SEG,
 * a VEC_SEG), and the sketch reference unless it names a listed SKETCH_SEG. */
static void extras_check(rvf_manifest *m)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nlayers; i++)
        if (dir_has(m, m->layers[i].segment_id, RVF_SEG_INDEX))
            m->layers[k++] = m->layers[i];
    m->nlayers = k;
    if (!k)
        m->layers_present = 0;
    k = 0;
    for (uint32_t i = 0; i < m->ntiers; i++)
        if (dir_has(m, m->tiers[i].segment_id, RVF_SEG_VEC))
            m->tiers[k++] = m->tiers[i];
    m->ntiers = k;
    bool sk = false;
    for (uint32_t d = 0; d < m->ndir && m->has_sketch_ref && !sk; d++)
        sk = m->dir[d].file_offset == m->sketch_seg_offset && m->dir[d].seg_type == RVF_SEG_SKETCH;
    if (!sk)
        m->sketch_seg_offset = 0;
}

/* The extras' records; returns the offset within l1 of the first PREFETCH_TABLE entry (0 when
 * none is written). */
static size_t extras_emit(rvf_buf *l1, const rvf_manifest *m)
{
    rvf_buf_pad(l1, 0, 8);
    if (m->nlayers) {
        uint8_t *v = tlv_begin(l1, RVF_TAG_INDEX_LAYERS, 16 + (size_t)m->nlayers * 32);
        if (v) {
            v[0] = m->layers_present;
            rvfk_st_u32(v + 4, m->nlayers);
            rvfk_st_u32(v + 8, m->centroid_epoch);
            rvfk_st_u32(v + 12, m->hot_cache_epoch);
            for (uint32_t i = 0; i < m->nlayers; i++) {
                uint8_t *e = v + 16 + (size_t)i * 32;
                rvfk_st_u64(e, m->layers[i].segment_id);
                e[8] = m->layers[i].layer_level;
                e[9] = m->layers[i].index_type;
                rvfk_st_u64(e + 16, m->layers[i].node_start);
                rvfk_st_u64(e + 24, m->layers[i].node_end);
            }
        }
    }
    if (m->ntiers) {
        uint8_t *v = tlv_begin(l1, RVF_TAG_TEMP_TIER_MAP, 8 + (size_t)m->ntiers * 16);
        if (v) {
            rvfk_st_u32(v, m->ntiers);
            for (uint32_t i = 0; i < m->ntiers; i++) {
                uint8_t *e = v + 8 + (size_t)i * 16;
                rvfk_st_u64(e, m->tiers[i].segment_id);
                rvfk_st_u32(e + 8, m->tiers[i].block_index);
                e[12] = m->tiers[i].tier;
            }
        }
    }
    if (m->has_sketch_ref) {
        uint8_t *v = tlv_begin(l1, RVF_TAG_ACCESS_SKETCH_REF, 16);
        if (v) {
            rvfk_st_u64(v, m->sketch_seg_offset);
            rvfk_st_u32(v + 8, m->sketch_block_size);
            rvfk_st_u32(v + 12, m->sketch_epoch);
        }
    }
    size_t at = 0;
    if (m->nprefetch) {
        uint8_t *v = tlv_begin(l1, RVF_TAG_PREFETCH_TABLE, 8 + (size_t)m->nprefetch * 32);
        if (v) {
            at = l1->len - (size_t)m->nprefetch * 32;
            rvfk_st_u32(v, m->nprefetch);
            for (uint32_t i = 0; i < m->nprefetch; i++) {
                uint8_t *e = v + 8 + (size_t)i * 32;
                rvfk_st_u64(e, m->prefetch[i].node_start);
                rvfk_st_u64(e + 8, m->prefetch[i].node_end);
                rvfk_st_u64(e + 16, m->prefetch[i].page_offset);
                rvfk_st_u32(e + 24, m->prefetch[i].page_count);
                rvfk_st_u32(e + 28, m->prefetch[i].prefetch_ahead);
            }
        }
    }
    return at;
}

/* A record holding count u32 then entries of `size` bytes after a header of hdr bytes: count, or
 * UINT32_MAX when the lengths disagree. */
static uint32_t record_count(const uint8_t *v, uint32_t len, uint32_t hdr, uint32_t count_at,
                             uint32_t size)
{
    if (len < hdr)
        return UINT32_MAX;
    uint32_t n = rvfk_ld_u32(v + count_at);
    return (uint64_t)n * size <= len - hdr ? n : UINT32_MAX;
}

static rvf_status extras_parse(uint16_t tag, const uint8_t *v, uint32_t len, rvf_manifest *m)
{
    uint32_t n;
    switch (tag) {
    case RVF_TAG_INDEX_LAYERS:
        if ((n = record_count(v, len, 16, 4, 32)) == UINT32_MAX)
            return RVF_ERR_INVALID_MANIFEST;
        rvf_free(m->layers);
        m->layers = n ? rvf_malloc((size_t)n * sizeof *m->layers) : NULL;
        if (n && !m->layers)
            return RVF_ERR_OUT_OF_MEMORY;
        m->nlayers = n;
        m->layers_present = v[0];
        m->centroid_epoch = rvfk_ld_u32(v + 8);
        m->hot_cache_epoch = rvfk_ld_u32(v + 12);
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *e = v + 16 + (size_t)i * 32;
            m->layers[i] = (rvf_index_layer){rvfk_ld_u64(e), e[8], e[9], rvfk_ld_u64(e + 16),
                                             rvfk_ld_u64(e + 24)};
            if (m->layers[i].node_end < m->layers[i].node_start)
                return RVF_ERR_INVALID_MANIFEST;
        }
        return RVF_OK;
    case RVF_TAG_TEMP_TIER_MAP:
        if ((n = record_count(v, len, 8, 0, 16)) == UINT32_MAX)
            return RVF_ERR_INVALID_MANIFEST;
        rvf_free(m->tiers);
        m->tiers = n ? rvf_malloc((size_t)n * sizeof *m->tiers) : NULL;
        if (n && !m->tiers)
            return RVF_ERR_OUT_OF_MEMORY;
        m->ntiers = n;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *e = v + 8 + (size_t)i * 16;
            m->tiers[i] = (rvf_tier_entry){rvfk_ld_u64(e), rvfk_ld_u32(e + 8), e[12]};
        }
        return RVF_OK;
    case RVF_TAG_ACCESS_SKETCH_REF:
        if (len < 16)
            return RVF_ERR_INVALID_MANIFEST;
        m->has_sketch_ref = true;
        m->sketch_seg_offset = rvfk_ld_u64(v);
        m->sketch_block_size = rvfk_ld_u32(v + 8);
        m->sketch_epoch = rvfk_ld_u32(v + 12);
        return RVF_OK;
    case RVF_TAG_PREFETCH_TABLE:
        if ((n = record_count(v, len, 8, 0, 32)) == UINT32_MAX)
            return RVF_ERR_INVALID_MANIFEST;
        rvf_free(m->prefetch);
        m->prefetch = n ? rvf_malloc((size_t)n * sizeof *m->prefetch) : NULL;
        if (n && !m->prefetch)
            return RVF_ERR_OUT_OF_MEMORY;
        m->nprefetch = n;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *e = v + 8 + (size_t)i * 32;
            rvf_prefetch_entry *p = &m->prefetch[i];
            *p = (rvf_prefetch_entry){rvfk_ld_u64(e), rvfk_ld_u64(e + 8), rvfk_ld_u64(e + 16),
                                      rvfk_ld_u32(e + 24), rvfk_ld_u32(e + 28)};
            if (p->node_end < p->node_start || p->page_offset % 4096)
                return RVF_ERR_INVALID_MANIFEST;
        }
        return RVF_OK;
    default:
        return RVF_ERR_NOT_FOUND;
    }
}

rvf_status rvf_manifest_emit(rvf_buf *out, rvf_manifest *m, uint8_t algo)
{
    rvf_buf l1;
    rvf_buf_init(&l1);
    hotset_check(m);
    extras_check(m);
    /* SEGMENT_DIR: every live segment except this manifest */
    uint8_t *d = tlv_begin(&l1, RVF_TAG_SEGMENT_DIR, (size_t)m->ndir * RVF_DIR_ENTRY_SIZE);
    if (d)
        for (uint32_t i = 0; i < m->ndir; i++)
            dir_entry_encode(d + (size_t)i * RVF_DIR_ENTRY_SIZE, &m->dir[i]);
    uint8_t chk[16];
    rvf_shake256(d, d ? (size_t)m->ndir * RVF_DIR_ENTRY_SIZE : 0, chk, 16);
    rvf_buf_pad(&l1, 0, 8);
    if (m->has_chain) {
        uint8_t *c = tlv_begin(&l1, RVF_TAG_OVERLAY_CHAIN, RVF_OVERLAY_CHAIN_SIZE);
        if (c) {
            rvfk_st_u32(c, m->epoch);
            rvfk_st_u64(c + 8, m->prev_manifest_offset);
            rvfk_st_u64(c + 0x10, m->prev_manifest_id);
            memcpy(c + 0x18, chk, 16);
        }
        memcpy(m->checkpoint_hash, chk, 16);
    }
    uint8_t *cap = tlv_begin(&l1, RVF_TAG_CAPABILITY_MANIFEST, RVF_CAPABILITY_SIZE);
    if (cap) {
        cap[0] = m->min_hw_profile;
        cap[1] = m->metric;
    }
    if (m->ndeleted) {
        rvf_buf bm;
        rvf_buf_init(&bm);
        rvf_status st = rvf_delbitmap_encode(&bm, m->deleted, m->ndeleted);
        if (st == RVF_OK)
            st = rvf_buf_status(&bm);
        if (st != RVF_OK) {
            rvf_buf_free(&bm);
            rvf_buf_free(&l1);
            return st;
        }
        uint8_t *v = tlv_begin(&l1, RVF_TAG_DELETION_BITMAP, bm.len);
        if (v)
            memcpy(v, bm.data, bm.len);
        rvf_buf_free(&bm);
        rvf_buf_pad(&l1, 0, 8);
    }
    if (m->has_witness) {
        uint8_t *w = tlv_begin(&l1, RVF_TAG_WITNESS_CHAIN, RVF_WITNESS_CHAIN_SIZE);
        if (w) {
            rvfk_st_u64(w, m->witness_seg_offset);
            rvfk_st_u32(w + 8, m->witness_count);
            memcpy(w + 16, m->witness_head, 32);
        }
    }
    uint8_t *cs = tlv_begin(&l1, RVF_TAG_COMPACTION_STATE, RVF_COMPACTION_STATE_HEADER);
    if (cs) {
        rvfk_st_u64(cs + 8, m->last_compaction_ns);
        rvfk_st_u64(cs + 16, m->dead_bytes);
    }
    uint8_t *dc = tlv_begin(&l1, RVF_TAG_DIMENSION_CATALOG, 4 + 16);
    if (dc) {
        rvfk_st_u16(dc, 1);
        rvfk_st_u16(dc + 4, m->dimension);
        dc[6] = m->base_dtype;
        dc[7] = 0x01; /* primary */
        rvfk_st_u32(dc + 8,
                    (uint32_t)(m->total_vectors > UINT32_MAX ? UINT32_MAX : m->total_vectors));
    }
    size_t prefetch_at = extras_emit(&l1, m);
    rvf_buf_pad(&l1, 0, 8);
    rvf_status st = rvf_buf_status(&l1);
    if (st != RVF_OK) {
        rvf_buf_free(&l1);
        return st;
    }
    size_t L = l1.len, Z = (64 - L % 64) % 64;
    size_t plen = L + Z + RVF_ROOT_SIZE;
    uint64_t hdr_off = m->offset;
    m->prefetch_map_offset = prefetch_at ? hdr_off + RVF_SEGMENT_HEADER_SIZE + prefetch_at : 0;
    m->prefetch_map_entries = prefetch_at ? m->nprefetch : 0;
    root_encode(m, hdr_off + RVF_SEGMENT_HEADER_SIZE, L);
    rvf_buf_pad(&l1, 0, 64);
    rvf_buf_put(&l1, m->root, RVF_ROOT_SIZE);
    if ((st = rvf_buf_status(&l1)) == RVF_OK) {
        size_t before = out->len;
        rvf_seg_emit(out, hdr_off - before, RVF_SEG_MANIFEST,
                     m->lineage_depth || memcmp(m->file_id, (uint8_t[16]){0}, 16) != 0
                         ? RVF_FLAG_HAS_LINEAGE
                         : 0,
                     m->segment_id, algo, l1.data, plen, 0, NULL);
        m->payload_length = plen;
        st = rvf_buf_status(out);
    }
    rvf_buf_free(&l1);
    return st;
}

/* Parse the L1 TLV records (exactly L bytes). Unknown tags are skipped. */
static rvf_status l1_parse(const uint8_t *p, size_t L, rvf_manifest *m, uint64_t l1_off,
                           uint64_t pm_off, uint32_t pm_n)
{
    size_t pos = 0;
    while (pos < L) {
        if (L - pos < RVF_TLV_HEADER_SIZE)
            return RVF_ERR_INVALID_MANIFEST;
        uint16_t tag = rvfk_ld_u16(p + pos);
        uint32_t len = rvfk_ld_u32(p + pos + 2);
        pos += RVF_TLV_HEADER_SIZE;
        if (len > L - pos)
            return RVF_ERR_INVALID_MANIFEST;
        const uint8_t *v = p + pos;
        if (m->nrecords < 64) {
            m->rec_tag[m->nrecords] = tag;
            m->rec_len[m->nrecords] = len;
        }
        m->nrecords++;
        switch (tag) {
        case RVF_TAG_SEGMENT_DIR: {
            if (len % RVF_DIR_ENTRY_SIZE)
                return RVF_ERR_INVALID_MANIFEST;
            uint32_t n = len / RVF_DIR_ENTRY_SIZE;
            rvf_dir_entry *nd = rvf_realloc(m->dir, (m->ndir + (size_t)n) * sizeof *nd + 1);
            if (!nd)
                return RVF_ERR_OUT_OF_MEMORY;
            m->dir = nd;
            for (uint32_t i = 0; i < n; i++)
                dir_entry_decode(v + (size_t)i * RVF_DIR_ENTRY_SIZE, &m->dir[m->ndir + i]);
            m->ndir += n;
            break;
        }
        case RVF_TAG_OVERLAY_CHAIN:
            if (len < RVF_OVERLAY_CHAIN_SIZE)
                return RVF_ERR_INVALID_MANIFEST;
            m->has_chain = true;
            m->prev_manifest_offset = rvfk_ld_u64(v + 8);
            m->prev_manifest_id = rvfk_ld_u64(v + 0x10);
            memcpy(m->checkpoint_hash, v + 0x18, 16);
            break;
        case RVF_TAG_CAPABILITY_MANIFEST:
            if (len < RVF_CAPABILITY_SIZE)
                return RVF_ERR_INVALID_MANIFEST;
            m->has_capability = true;
            m->min_hw_profile = v[0];
            m->metric = v[1];
            break;
        case RVF_TAG_DELETION_BITMAP: {
            rvf_free(m->deleted);
            m->deleted = NULL;
            rvf_status st = rvf_delbitmap_decode(v, len, &m->deleted, &m->ndeleted);
            if (st != RVF_OK)
                return st;
            break;
        }
        case RVF_TAG_WITNESS_CHAIN:
            if (len < RVF_WITNESS_CHAIN_SIZE)
                return RVF_ERR_INVALID_MANIFEST;
            m->has_witness = true;
            m->witness_seg_offset = rvfk_ld_u64(v);
            m->witness_count = rvfk_ld_u32(v + 8);
            memcpy(m->witness_head, v + 16, 32);
            break;
        case RVF_TAG_COMPACTION_STATE:
            if (len < RVF_COMPACTION_STATE_HEADER)
                return RVF_ERR_INVALID_MANIFEST;
            m->last_compaction_ns = rvfk_ld_u64(v + 8);
            m->dead_bytes = rvfk_ld_u64(v + 16);
            break;
        default: {
            rvf_status st = extras_parse(tag, v, len, m);
            if (st == RVF_ERR_NOT_FOUND)
                m->unknown_tags++;
            else if (st != RVF_OK)
                return st;
            /* the root's prefetch_map pointer is kept when it names this table's entries */
            if (tag == RVF_TAG_PREFETCH_TABLE && pm_n == m->nprefetch && pm_n &&
                pm_off == l1_off + pos + 8) {
                m->prefetch_map_offset = pm_off;
                m->prefetch_map_entries = pm_n;
            }
            break;
        }
        }
        pos += len;
        pos += (8 - pos % 8) % 8;
    }
    return RVF_OK;
}

/* Validate a manifest whose header is at off and whose full payload is at pl. */
static rvf_status manifest_parse(const rvfk_seg_header *h, uint64_t off, const uint8_t *pl,
                                 rvf_manifest *m)
{
    uint64_t plen = h->payload_length;
    if (plen < RVF_ROOT_SIZE)
        return RVF_ERR_INVALID_MANIFEST;
    uint8_t hash[16];
    rvf_content_hash(h->checksum_algo, pl, (size_t)plen, hash);
    if (!rvf_ct_equal(hash, h->content_hash, 16))
        return RVF_ERR_INVALID_CHECKSUM;
    const uint8_t *r = pl + plen - RVF_ROOT_SIZE;
    if (!root_valid(r))
        return RVF_ERR_INVALID_MANIFEST;
    if (rvfk_ld_u64(r + RVF_ROOT_OFF_L1_OFFSET) != off + RVF_SEGMENT_HEADER_SIZE)
        return RVF_ERR_INVALID_MANIFEST;
    uint64_t L = rvfk_ld_u64(r + RVF_ROOT_OFF_L1_LENGTH);
    if (L > plen - RVF_ROOT_SIZE)
        return RVF_ERR_INVALID_MANIFEST;
    memset(m, 0, sizeof *m);
    memcpy(m->root, r, RVF_ROOT_SIZE);
    root_decode(m);
    m->offset = off;
    m->segment_id = h->segment_id;
    m->payload_length = plen;
    uint64_t pm_off = m->prefetch_map_offset;
    uint32_t pm_n = m->prefetch_map_entries;
    m->prefetch_map_offset = 0;
    m->prefetch_map_entries = 0;
    rvf_status st = l1_parse(pl, (size_t)L, m, off + RVF_SEGMENT_HEADER_SIZE, pm_off, pm_n);
    if (st != RVF_OK)
        rvf_manifest_free(m);
    else {
        hotset_check(m);
        extras_check(m);
    }
    return st;
}

static rvf_status read_header(rvf_io *io, uint64_t off, uint64_t file_size, rvfk_seg_header *h)
{
    uint8_t hb[RVF_SEGMENT_HEADER_SIZE];
    if (off > file_size || file_size - off < RVF_SEGMENT_HEADER_SIZE)
        return RVF_ERR_TRUNCATED_SEGMENT;
    rvf_status st = io->read(io, off, hb, sizeof hb);
    if (st != RVF_OK)
        return st;
    rvfk_seg_header_decode(hb, h);
    return RVF_OK;
}

/* Payload bytes [off, off+n): mapped when the backend can, else copied. */
static rvf_status read_span(rvf_io *io, uint64_t off, uint64_t n, const uint8_t **p, bool *owned)
{
    if (n > SIZE_MAX - 1)
        return RVF_ERR_SEGMENT_TOO_LARGE;
    if (io->map) {
        const uint8_t *m = io->map(io, off, (size_t)n);
        if (m) {
            io->bytes_read += n;
            io->read_requests++;
            *p = m;
            *owned = false;
            return RVF_OK;
        }
    }
    uint8_t *b = rvf_malloc((size_t)n + 1);
    if (!b)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_status st = io->read(io, off, b, (size_t)n);
    if (st != RVF_OK) {
        rvf_free(b);
        return st;
    }
    *p = b;
    *owned = true;
    return RVF_OK;
}

/* tail: the file's last 4096 bytes when the caller already read them (the fast path), else NULL */
static rvf_status manifest_read(rvf_io *io, uint64_t off, uint64_t file_size, rvf_manifest *m,
                                const uint8_t *tail)
{
    rvfk_seg_header h;
    rvf_status st = read_header(io, off, file_size, &h);
    if (st != RVF_OK)
        return st;
    if (h.magic != RVF_SEGMENT_MAGIC)
        return RVF_ERR_INVALID_MAGIC;
    if (h.version != RVF_SEGMENT_VERSION || h.seg_type != RVF_SEG_MANIFEST || off % 64)
        return RVF_ERR_INVALID_MANIFEST;
    if (h.payload_length >= (1ull << 32))
        return RVF_ERR_SEGMENT_TOO_LARGE;
    if (h.payload_length > file_size - off - RVF_SEGMENT_HEADER_SIZE)
        return RVF_ERR_TRUNCATED_SEGMENT;
    const uint8_t *pl = NULL;
    bool owned = false;
    uint64_t start = off + RVF_SEGMENT_HEADER_SIZE;
    bool at_eof = tail && start + h.payload_length == file_size;
    if (io->map && (pl = io->map(io, start, (size_t)h.payload_length)) != NULL) {
        /* mapped; the root bytes were already counted when the tail was read */
        io->bytes_read += h.payload_length - (at_eof ? RVF_ROOT_SIZE : 0);
    } else if (at_eof) { /* the root is already in hand: read Level 1 only */
        uint8_t *b = rvf_malloc((size_t)h.payload_length + 1);
        if (!b)
            return RVF_ERR_OUT_OF_MEMORY;
        st = io->read(io, start, b, (size_t)h.payload_length - RVF_ROOT_SIZE);
        memcpy(b + h.payload_length - RVF_ROOT_SIZE, tail, RVF_ROOT_SIZE);
        pl = b;
        owned = true;
        if (st != RVF_OK) {
            rvf_free(b);
            return st;
        }
    } else if ((st = read_span(io, start, h.payload_length, &pl, &owned)) != RVF_OK) {
        return st;
    }
    st = manifest_parse(&h, off, pl, m);
    if (owned)
        rvf_free((void *)pl);
    return st;
}

rvf_status rvf_manifest_read_at(rvf_io *io, uint64_t off, uint64_t file_size, rvf_manifest *m)
{
    return manifest_read(io, off, file_size, m, NULL);
}

rvf_status rvf_manifest_read_root(rvf_io *io, uint64_t file_size, rvf_manifest *m)
{
    memset(m, 0, sizeof *m);
    if (file_size < RVF_ROOT_SIZE + RVF_SEGMENT_HEADER_SIZE)
        return RVF_ERR_MANIFEST_NOT_FOUND;
    rvf_status st = io->read(io, file_size - RVF_ROOT_SIZE, m->root, RVF_ROOT_SIZE);
    if (st != RVF_OK)
        return st;
    uint64_t l1 = rvfk_ld_u64(m->root + RVF_ROOT_OFF_L1_OFFSET);
    uint64_t L = rvfk_ld_u64(m->root + RVF_ROOT_OFF_L1_LENGTH);
    /* the enclosing MANIFEST_SEG must end exactly at EOF: header + L1 + fill (0..56) + root */
    if (!root_valid(m->root) || l1 < RVF_SEGMENT_HEADER_SIZE || l1 % 64 ||
        l1 > file_size - RVF_ROOT_SIZE || L > file_size - RVF_ROOT_SIZE - l1 ||
        file_size - RVF_ROOT_SIZE - l1 - L > 56) {
        memset(m->root, 0, RVF_ROOT_SIZE);
        return RVF_ERR_MANIFEST_NOT_FOUND;
    }
    root_decode(m);
    m->offset = l1 - RVF_SEGMENT_HEADER_SIZE;
    m->payload_length = file_size - l1;
    return RVF_OK;
}

rvf_status rvf_manifest_complete(rvf_io *io, uint64_t file_size, rvf_manifest *m)
{
    /* one read: the segment header, Level 1 and the fill; the root is already in m->root */
    uint64_t off = m->offset, n = file_size - RVF_ROOT_SIZE - off;
    if (off + RVF_SEGMENT_HEADER_SIZE + m->payload_length != file_size ||
        m->payload_length >= (1ull << 32))
        return RVF_ERR_INVALID_MANIFEST;
    uint8_t *b = rvf_malloc((size_t)n + RVF_ROOT_SIZE);
    if (!b)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_status st = io->read(io, off, b, (size_t)n);
    if (st != RVF_OK) {
        rvf_free(b);
        return st;
    }
    memcpy(b + n, m->root, RVF_ROOT_SIZE);
    rvfk_seg_header h;
    rvfk_seg_header_decode(b, &h);
    rvf_manifest full;
    if (h.magic != RVF_SEGMENT_MAGIC)
        st = RVF_ERR_INVALID_MAGIC;
    else if (h.version != RVF_SEGMENT_VERSION || h.seg_type != RVF_SEG_MANIFEST ||
             h.payload_length != m->payload_length)
        st = RVF_ERR_INVALID_MANIFEST;
    else
        st = manifest_parse(&h, off, b + RVF_SEGMENT_HEADER_SIZE, &full);
    rvf_free(b);
    if (st != RVF_OK)
        return st;
    *m = full;
    return RVF_OK;
}

rvf_status rvf_manifest_locate(rvf_io *io, uint64_t file_size, rvf_manifest *m,
                               uint64_t *skipped_bad)
{
    *skipped_bad = UINT64_MAX;
    memset(m, 0, sizeof *m);
    /* fast path: the root is the last 4096 bytes */
    if (file_size >= RVF_ROOT_SIZE + RVF_SEGMENT_HEADER_SIZE) {
        uint8_t r[RVF_ROOT_SIZE];
        if (io->read(io, file_size - RVF_ROOT_SIZE, r, sizeof r) == RVF_OK && root_valid(r)) {
            uint64_t l1 = rvfk_ld_u64(r + RVF_ROOT_OFF_L1_OFFSET);
            if (l1 >= RVF_SEGMENT_HEADER_SIZE && l1 % 64 == 0 && l1 < file_size &&
                manifest_read(io, l1 - RVF_SEGMENT_HEADER_SIZE, file_size, m, r) == RVF_OK &&
                m->offset + RVF_SEGMENT_HEADER_SIZE + m->payload_length == file_size)
                return RVF_OK;
            rvf_manifest_free(m);
            memset(m, 0, sizeof *m);
            /* a valid root whose segment does not check out is damage, not a torn write */
            if (l1 >= RVF_SEGMENT_HEADER_SIZE && l1 < file_size)
                *skipped_bad = l1 - RVF_SEGMENT_HEADER_SIZE;
        }
    }
    /* slow path: 64-aligned candidates from the end, read in chunks */
    enum { CHUNK = 1 << 16 };
    uint8_t *buf = rvf_malloc(CHUNK);
    if (!buf)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_status result = RVF_ERR_MANIFEST_NOT_FOUND;
    int64_t hi = file_size >= 64 ? (int64_t)((file_size - 64) & ~(uint64_t)63) : -1;
    while (hi >= 0 && result == RVF_ERR_MANIFEST_NOT_FOUND) {
        uint64_t lo = (uint64_t)hi >= CHUNK - 64 ? (uint64_t)hi - (CHUNK - 64) : 0;
        if (io->read(io, lo, buf, (size_t)((uint64_t)hi - lo + 64)) != RVF_OK)
            break;
        for (int64_t o = hi; o >= (int64_t)lo; o -= 64) {
            const uint8_t *c = buf + ((uint64_t)o - lo);
            if (rvfk_ld_u32(c) != RVF_SEGMENT_MAGIC || c[4] != 1 || c[5] != RVF_SEG_MANIFEST)
                continue;
            rvf_status st = rvf_manifest_read_at(io, (uint64_t)o, file_size, m);
            if (st == RVF_OK) {
                result = RVF_OK;
                break;
            }
            if (st != RVF_ERR_TRUNCATED_SEGMENT && *skipped_bad == UINT64_MAX)
                *skipped_bad = (uint64_t)o;
        }
        hi = (int64_t)lo - 64;
    }
    rvf_free(buf);
    return result;
}

rvf_status rvf_seg_load(rvf_io *io, const rvf_dir_entry *e, uint64_t file_size,
                        const uint8_t **payload, bool *owned)
{
    rvfk_seg_header h;
    rvf_status st = read_header(io, e->file_offset, file_size, &h);
    if (st != RVF_OK)
        return st;
    if (h.magic != RVF_SEGMENT_MAGIC)
        return RVF_ERR_INVALID_MAGIC;
    if (h.seg_type != e->seg_type || h.segment_id != e->segment_id || h.flags != e->flags ||
        h.payload_length != e->payload_length || !rvf_ct_equal(h.content_hash, e->content_hash, 16))
        return RVF_ERR_INVALID_MANIFEST;
    if (h.version == 0) /* no writer uses 0: damage, never a newer version to skip */
        return RVF_ERR_INVALID_MANIFEST;
    if (h.version != RVF_SEGMENT_VERSION)
        return RVF_ERR_INVALID_VERSION;
    if (h.flags & (RVF_FLAG_COMPRESSED | RVF_FLAG_ENCRYPTED))
        return RVF_ERR_ALGO_UNSUPPORTED; /* v1 writes neither; never misread one as raw */
    if (h.payload_length >= (1ull << 32))
        return RVF_ERR_SEGMENT_TOO_LARGE;
    if (h.payload_length > file_size - e->file_offset - RVF_SEGMENT_HEADER_SIZE)
        return RVF_ERR_TRUNCATED_SEGMENT;
    st = read_span(io, e->file_offset + RVF_SEGMENT_HEADER_SIZE, h.payload_length, payload, owned);
    if (st != RVF_OK)
        return st;
    uint8_t hash[16];
    rvf_content_hash(h.checksum_algo, *payload, (size_t)h.payload_length, hash);
    if (!rvf_ct_equal(hash, h.content_hash, 16)) {
        if (*owned)
            rvf_free((void *)*payload);
        *payload = NULL;
        return RVF_ERR_INVALID_CHECKSUM;
    }
    return RVF_OK;
}

/* rvf_store_prefetch.c: the PREFETCH_TABLE a compaction writes (RVF-BRIEF §4.3 tag 0x000A, §8.3,
 * §8.5). A compacted file keeps vectors and the full graph (layer C) in node order (node ids are
 * slots: FORMAT.md), so each VEC_SEG is a run of nodes whose rows sit in contiguous pages, and
 * the same run's neighbour lists sit in contiguous pages of the INDEX_SEG. The table lists, per
 * run, the pages of its vectors and then the pages of its adjacency; a reader that walks the graph
 * over mapped or streamed bytes prefetches the pages of the runs it is about to enter. */
#include "rvf_store_impl.h"

#define PAGE 4096u

static rvf_prefetch_entry pages(uint64_t a, uint64_t b, uint64_t from, uint64_t to, uint32_t ahead)
{
    uint64_t first = from / PAGE, last = (to + PAGE - 1) / PAGE;
    return (rvf_prefetch_entry){a, b, first * PAGE, (uint32_t)(last - first), ahead};
}

/* The layer-C INDEX_SEG of the directory (sealed, not HOT, layer_level 2, base 0), or -1. */
static int64_t full_index(const rvf_manifest *nm, const uint8_t *img, size_t len)
{
    for (uint32_t i = 0; i < nm->ndir; i++) {
        const rvf_dir_entry *e = &nm->dir[i];
        if (e->seg_type != RVF_SEG_INDEX || (e->flags & RVF_FLAG_HOT) ||
            e->file_offset + RVF_SEGMENT_HEADER_SIZE > len ||
            e->payload_length > len - e->file_offset - RVF_SEGMENT_HEADER_SIZE)
            continue;
        rvf_indexseg_info info;
        const uint8_t *p = img + e->file_offset + RVF_SEGMENT_HEADER_SIZE;
        if (rvf_indexseg_info_get(p, (size_t)e->payload_length, &info) == RVF_OK &&
            info.layer_level == 2 && info.node_id_base == 0)
            return i;
    }
    return -1;
}

rvf_status rvf_store_prefetch_table(const uint8_t *img, size_t len, rvf_manifest *nm)
{
    int64_t ix = full_index(nm, img, len);
    if (ix < 0)
        return RVF_OK; /* no graph to walk: no table */
    const rvf_dir_entry *xe = &nm->dir[ix];
    const uint8_t *xp = img + xe->file_offset + RVF_SEGMENT_HEADER_SIZE;
    uint64_t xbase = xe->file_offset + RVF_SEGMENT_HEADER_SIZE;
    rvf_indexseg_info info;
    rvf_status st = rvf_indexseg_info_get(xp, (size_t)xe->payload_length, &info);
    if (st != RVF_OK)
        return st;
    /* restart index: interval, count, offsets relative to the adjacency area */
    uint32_t ri = rvfk_ld_u32(xp + 64), rc = rvfk_ld_u32(xp + 68);
    uint64_t adj = 64 + ((8 + 4 * (uint64_t)rc + 63) & ~(uint64_t)63);
    uint32_t nvec = 0;
    for (uint32_t i = 0; i < nm->ndir; i++)
        nvec += nm->dir[i].seg_type == RVF_SEG_VEC;
    rvf_prefetch_entry *t = rvf_malloc(((size_t)nvec * 2 + 1) * sizeof *t);
    if (!t)
        return RVF_ERR_OUT_OF_MEMORY;
    uint32_t n = 0, ahead = info.m0; /* the walk requests a whole list (up to M0 rows) */
    uint64_t slot = 0;
    for (uint32_t i = 0; i < nm->ndir; i++) {
        const rvf_dir_entry *e = &nm->dir[i];
        if (e->seg_type != RVF_SEG_VEC)
            continue;
        uint64_t po = e->file_offset + RVF_SEGMENT_HEADER_SIZE;
        if (po + 4 > len)
            break;
        uint32_t blocks = rvfk_ld_u32(img + po);
        uint64_t count = 0;
        for (uint32_t b = 0; b < blocks && po + 4 + 12 * (uint64_t)(b + 1) <= len; b++)
            count += rvfk_ld_u32(img + po + 4 + 12 * (uint64_t)b + 4);
        uint64_t a = slot, z = slot + count;
        slot = z;
        if (!count)
            continue;
        t[n++] = pages(a, z, e->file_offset, po + e->payload_length, ahead);
        if (a >= info.node_count || ri == 0)
            continue;
        uint64_t r0 = a / ri, r1 = (z + ri - 1) / ri;
        uint64_t from = xbase + adj + rvfk_ld_u32(xp + 72 + 4 * r0);
        uint64_t to =
            r1 < rc ? xbase + adj + rvfk_ld_u32(xp + 72 + 4 * r1) : xbase + xe->payload_length;
        if (to > from)
            t[n++] = pages(a, z, from, to, ahead);
    }
    rvf_free(nm->prefetch);
    nm->prefetch = t;
    nm->nprefetch = n;
    return RVF_OK;
}

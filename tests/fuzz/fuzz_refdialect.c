/* fuzz_refdialect.c: the reference runtime's dialect reader (rvf_refdialect.c: rvf_ref_detect,
 * rvf_ref_load: the byte-granular backward manifest scan, the compact manifest, the VEC records).
 * Input: a file. It is read twice, through a mapped view and through a range-read source (which
 * takes the chunked-read paths), and the two must agree: detection, status, manifest info, and
 * a digest of every callback (segments, vectors, deleted ids) in order. A load without sink and
 * without info gives the same status; vector callbacks get dim floats that can all be read. */
#include "fuzz.h"

typedef struct digest {
    uint64_t h, segments, vectors, deleted;
} digest;

static void mix(digest *d, uint64_t v)
{
    d->h = (d->h ^ v) * 0x100000001B3ull;
}

static rvf_status on_segment(void *ctx, const rvf_segment_info *s)
{
    digest *d = ctx;
    d->segments++;
    mix(d, s->segment_id);
    mix(d, s->offset);
    mix(d, s->payload_length);
    mix(d, s->seg_type);
    return RVF_OK;
}

static rvf_status on_vector(void *ctx, uint64_t id, const float *v, uint32_t dim)
{
    digest *d = ctx;
    FUZZ_ASSERT(v != NULL);
    d->vectors++;
    mix(d, id);
    mix(d, dim);
    for (uint32_t i = 0; i < dim; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], 4);
        mix(d, bits);
    }
    return RVF_OK;
}

static rvf_status on_deleted(void *ctx, uint64_t id)
{
    digest *d = ctx;
    d->deleted++;
    mix(d, id);
    return RVF_OK;
}

static rvf_status load(rvf_io *io, rvf_ref_info *info, digest *d)
{
    memset(d, 0, sizeof *d);
    memset(info, 0, sizeof *info);
    rvf_ref_sink sink = {d, on_segment, on_vector, on_deleted};
    rvf_status st = rvf_ref_load(io, info, &sink);
    FUZZ_ASSERT(fuzz_status_known(st));
    FUZZ_ASSERT(rvf_ref_load(io, NULL, NULL) == st);
    if (st == RVF_OK)
        FUZZ_ASSERT(d->segments == info->seg_count);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *f = fuzz_dup(data, size);
    rvf_io *view = NULL, *src = NULL;
    FUZZ_ASSERT(rvf_io_view(f, size, &view) == RVF_OK);
    src_ctx c = {f, size};
    rvf_source s = {.ctx = &c, .size = size, .read = src_read};
    FUZZ_ASSERT(rvf_io_source(&s, &src) == RVF_OK);

    bool da = rvf_ref_detect(view), db = rvf_ref_detect(src);
    FUZZ_ASSERT(da == db);
    rvf_ref_info ia, ib;
    digest ga, gb;
    rvf_status sa = load(view, &ia, &ga), sb = load(src, &ib, &gb);
    FUZZ_ASSERT(sa == sb);
    FUZZ_ASSERT(memcmp(&ga, &gb, sizeof ga) == 0);
    if (sa == RVF_OK) {
        FUZZ_ASSERT(ia.epoch == ib.epoch && ia.dimension == ib.dimension &&
                    ia.total_vectors == ib.total_vectors && ia.seg_count == ib.seg_count &&
                    ia.manifest_offset == ib.manifest_offset && ia.metric == ib.metric &&
                    ia.has_identity == ib.has_identity && ia.lineage_depth == ib.lineage_depth);
        FUZZ_ASSERT(ia.manifest_offset + RVF_SEGMENT_HEADER_SIZE <= size);
    }
    if (da)
        FUZZ_ASSERT(sa != RVF_ERR_MANIFEST_NOT_FOUND);
    view->close(view);
    src->close(src);
    free(f);
    return 0;
}

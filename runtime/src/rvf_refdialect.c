/* rvf_refdialect.c: files of the reference Rust runtime / @ruvector/rvf-node ("runtime dialect",
 * FORMAT.md errata): packed segments, rotated CRC-32/IEEE content hashes, a compact manifest
 * found by a byte-granular backward scan, row-major f32 VEC payloads. */
#include <string.h>

#include "rvf_internal.h"

#define REF_HDR         RVF_SEGMENT_HEADER_SIZE
#define REF_FIDI_SIZE   68u /* FileIdentity after the marker */
#define REF_SCAN_CHUNK  RVF_REF_SCAN_WINDOW
#define REF_WRITE_CHUNK (1u << 20)
_Static_assert(REF_WRITE_CHUNK >= 8 + 4 * 65535u, "a write chunk holds at least one record");

/* Bytes [off, off+n) of the file: zero-copy through io->map when possible, else a rvf_malloc'd
 * copy returned in *owned (free it with rvf_free). */
static rvf_status ref_fetch(rvf_io *io, uint64_t off, size_t n, const uint8_t **p, uint8_t **owned)
{
    static const uint8_t empty[1];
    *owned = NULL;
    if (n == 0) {
        *p = empty;
        return RVF_OK;
    }
    if (io->map) {
        const uint8_t *m = io->map(io, off, n);
        if (m) {
            *p = m;
            return RVF_OK;
        }
    }
    uint8_t *b = rvf_malloc(n);
    if (!b)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_status st = io->read(io, off, b, n);
    if (st != RVF_OK) {
        rvf_free(b);
        return st;
    }
    *p = b;
    *owned = b;
    return RVF_OK;
}

/* The reference's manifest acceptance rule (errata §4.2): nothing but the length and seg_count
 * is checked, so a candidate is decided by its first 18 payload bytes. */
static bool ref_manifest_fits(uint64_t len, uint32_t seg_count)
{
    return len >= RVF_REF_MANIFEST_HEADER &&
           seg_count <= (len - RVF_REF_MANIFEST_HEADER) / RVF_REF_DIR_ENTRY;
}

/* Is there a manifest candidate whose header starts at file offset pos? hdr holds at least the
 * first 0x18 header bytes. */
static rvf_status ref_candidate(rvf_io *io, uint64_t size, uint64_t pos, const uint8_t *hdr,
                                uint64_t *plen, bool *ok)
{
    *ok = false;
    if (rvfk_ld_u32(hdr) != RVF_SEGMENT_MAGIC || hdr[5] != RVF_SEG_MANIFEST)
        return RVF_OK;
    uint64_t len = rvfk_ld_u64(hdr + 0x10);
    /* len <= 256 MiB, so the sum cannot wrap */
    if (len > RVF_REF_MAX_PAYLOAD || pos + REF_HDR + len > size || len < RVF_REF_MANIFEST_HEADER)
        return RVF_OK;
    uint8_t count[4];
    rvf_status st = io->read(io, pos + REF_HDR + 14, count, sizeof count);
    if (st != RVF_OK)
        return st;
    *ok = ref_manifest_fits(len, rvfk_ld_u32(count));
    *plen = len;
    return RVF_OK;
}

/* The reference writes its rotated CRC-32 over every manifest payload but never checks it
 * (wire-as-implemented.md §1); we do, when it is set: a manifest that fails it is damage, and the
 * scan goes on to the previous one (reported like a native fallback). */
static rvf_status ref_manifest_hash_ok(rvf_io *io, uint64_t pos, const uint8_t *hdr, uint64_t len,
                                       bool *ok)
{
    static const uint8_t zero[16];
    *ok = true;
    if (memcmp(hdr + 0x28, zero, 16) == 0)
        return RVF_OK;
    const uint8_t *p;
    uint8_t *owned;
    rvf_status st = ref_fetch(io, pos + REF_HDR, (size_t)len, &p, &owned);
    if (st != RVF_OK)
        return st;
    uint8_t h[16];
    rvf_ref_content_hash(p, (size_t)len, h);
    *ok = memcmp(h, hdr + 0x28, 16) == 0;
    rvf_free(owned);
    return RVF_OK;
}

/* Newest manifest: every header position from size-64 down to 0, newest first. The reference
 * stops after the last 64 KiB (its files' manifests always sit there); going on costs nothing
 * for its files and lets us open stores whose tail outgrew the window. */
static rvf_status ref_find_manifest(rvf_io *io, uint64_t *moff, uint64_t *mlen, uint64_t *bad)
{
    *bad = UINT64_MAX;
    uint64_t size = io->size(io);
    if (size < REF_HDR)
        return RVF_ERR_MANIFEST_NOT_FOUND;
    uint8_t *buf = NULL;
    rvf_status st = RVF_ERR_MANIFEST_NOT_FOUND;
    uint64_t top = size - REF_HDR;
    for (;;) {
        uint64_t lo = top >= REF_SCAN_CHUNK - 1 ? top - (REF_SCAN_CHUNK - 1) : 0;
        size_t n = (size_t)(top - lo) + REF_HDR;
        const uint8_t *w = io->map ? io->map(io, lo, n) : NULL;
        if (!w) {
            if (!buf && !(buf = rvf_malloc(REF_SCAN_CHUNK - 1 + REF_HDR)))
                return RVF_ERR_OUT_OF_MEMORY;
            rvf_status rst = io->read(io, lo, buf, n);
            if (rst != RVF_OK) {
                st = rst;
                break;
            }
            w = buf;
        }
        bool found = false;
        for (uint64_t i = top - lo + 1; i-- > 0;) {
            if (w[i] != 0x53 || w[i + 5] != RVF_SEG_MANIFEST)
                continue;
            bool ok;
            rvf_status cst = ref_candidate(io, size, lo + i, w + i, mlen, &ok);
            if (cst != RVF_OK) {
                st = cst;
                found = true;
                break;
            }
            if (ok) { /* a well-formed candidate: its hash decides */
                if ((cst = ref_manifest_hash_ok(io, lo + i, w + i, *mlen, &ok)) != RVF_OK) {
                    st = cst;
                    found = true;
                    break;
                }
                if (!ok && *bad == UINT64_MAX)
                    *bad = lo + i;
            }
            if (ok) {
                *moff = lo + i;
                st = RVF_OK;
                found = true;
                break;
            }
        }
        if (found || lo == 0)
            break;
        top = lo - 1;
    }
    rvf_free(buf);
    return st;
}

bool rvf_ref_detect(rvf_io *io)
{
    uint64_t size = io->size(io);
    if (size >= RVF_ROOT_SIZE) {
        const uint8_t *root;
        uint8_t *owned;
        if (ref_fetch(io, size - RVF_ROOT_SIZE, RVF_ROOT_SIZE, &root, &owned) != RVF_OK)
            return false;
        bool ours =
            rvfk_ld_u32(root + RVF_ROOT_OFF_MAGIC) == RVF_ROOT_MAGIC &&
            rvfk_crc32c(root, RVF_ROOT_OFF_CHECKSUM) == rvfk_ld_u32(root + RVF_ROOT_OFF_CHECKSUM);
        rvf_free(owned);
        if (ours)
            return false;
    }
    uint64_t off, len, bad;
    return ref_find_manifest(io, &off, &len, &bad) == RVF_OK;
}

/* One VEC entry: header at off (magic, size, hash per read_segment_payload), then the row-major
 * payload. A payload shorter than its dim/count imply is skipped, as the reference does. */
static rvf_status ref_load_vec(rvf_io *io, uint64_t size, uint64_t off, const rvf_ref_sink *sink,
                               float **row, size_t *row_cap)
{
    if (off > size || size - off < REF_HDR)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint8_t hdr[REF_HDR];
    rvf_status st = io->read(io, off, hdr, REF_HDR);
    if (st != RVF_OK)
        return st;
    if (rvfk_ld_u32(hdr) != RVF_SEGMENT_MAGIC)
        return RVF_ERR_INVALID_MAGIC;
    uint64_t plen = rvfk_ld_u64(hdr + 0x10);
    if (plen > RVF_REF_MAX_PAYLOAD)
        return RVF_ERR_SEGMENT_TOO_LARGE;
    if (size - off - REF_HDR < plen)
        return RVF_ERR_TRUNCATED_SEGMENT;
    const uint8_t *p;
    uint8_t *owned;
    if ((st = ref_fetch(io, off + REF_HDR, (size_t)plen, &p, &owned)) != RVF_OK)
        return st;
    static const uint8_t zero[16];
    if (memcmp(hdr + 0x28, zero, 16) != 0) {
        uint8_t h[16];
        rvf_ref_content_hash(p, (size_t)plen, h);
        if (memcmp(h, hdr + 0x28, 16) != 0) {
            rvf_free(owned);
            return RVF_ERR_INVALID_CHECKSUM;
        }
    }
    if (plen < 6 || !sink || !sink->vector)
        goto done;
    uint32_t dim = rvfk_ld_u16(p), count = rvfk_ld_u32(p + 2);
    uint64_t rec = 8 + 4 * (uint64_t)dim;
    if (plen - 6 < rec * count) /* < 2^51, no wrap */
        goto done;
    if (dim + 1u > *row_cap || !*row) { /* +1: a dim-0 record still gets a valid pointer */
        float *r = rvf_realloc(*row, (dim + 1u) * sizeof(float));
        if (!r) {
            st = RVF_ERR_OUT_OF_MEMORY;
            goto done;
        }
        *row = r;
        *row_cap = dim + 1u;
    }
    for (uint32_t i = 0; i < count && st == RVF_OK; i++) {
        const uint8_t *r = p + 6 + (size_t)i * rec;
        for (uint32_t d = 0; d < dim; d++)
            (*row)[d] = rvfk_ld_f32(r + 8 + 4 * (size_t)d);
        st = sink->vector(sink->ctx, rvfk_ld_u64(r), *row, dim);
    }
done:
    rvf_free(owned);
    return st;
}

rvf_status rvf_ref_load(rvf_io *io, rvf_ref_info *info, const rvf_ref_sink *sink)
{
    uint64_t moff, mlen, bad;
    rvf_status st = ref_find_manifest(io, &moff, &mlen, &bad);
    if (st != RVF_OK)
        return st;
    const uint8_t *p;
    uint8_t *owned;
    if ((st = ref_fetch(io, moff + REF_HDR, (size_t)mlen, &p, &owned)) != RVF_OK)
        return st;

    rvf_ref_info in;
    memset(&in, 0, sizeof in);
    in.epoch = rvfk_ld_u32(p);
    in.dimension = rvfk_ld_u16(p + 4);
    in.total_vectors = rvfk_ld_u64(p + 6);
    in.seg_count = rvfk_ld_u32(p + 14);
    in.profile_id = p[18];
    in.metric = p[19];
    in.manifest_offset = moff;
    in.skipped_bad = bad;
    /* Tail per §4.2: del_count only if 4 bytes remain, ids until the payload ends, FIDI only if
     * marker + 68 bytes remain; anything else is ignored. */
    size_t pos = RVF_REF_MANIFEST_HEADER + (size_t)in.seg_count * RVF_REF_DIR_ENTRY;
    size_t del_pos = pos, ndel = 0;
    if (mlen - pos >= 4) {
        uint32_t del_count = rvfk_ld_u32(p + pos);
        del_pos = pos + 4;
        ndel = (mlen - del_pos) / 8;
        if (ndel > del_count)
            ndel = del_count;
        pos = del_pos + 8 * ndel;
    }
    if (mlen - pos >= 4 + REF_FIDI_SIZE && rvfk_ld_u32(p + pos) == RVF_REF_FIDI_MARKER) {
        const uint8_t *fi = p + pos + 4;
        in.has_identity = true;
        memcpy(in.file_id, fi, 16);
        memcpy(in.parent_id, fi + 16, 16);
        memcpy(in.parent_hash, fi + 32, 32);
        in.lineage_depth = rvfk_ld_u32(fi + 64);
    }
    if (info)
        *info = in;

    uint64_t size = io->size(io);
    float *row = NULL;
    size_t row_cap = 0;
    for (uint32_t i = 0; i < in.seg_count && st == RVF_OK; i++) {
        const uint8_t *e = p + RVF_REF_MANIFEST_HEADER + (size_t)i * RVF_REF_DIR_ENTRY;
        rvf_segment_info seg = {.segment_id = rvfk_ld_u64(e),
                                .offset = rvfk_ld_u64(e + 8),
                                .payload_length = rvfk_ld_u64(e + 16),
                                .seg_type = e[24]};
        if (sink && sink->segment)
            st = sink->segment(sink->ctx, &seg);
        /* INDEX (0x02, rvf-node 0.2.x HNSW graphs) and every other type are listed, not read. */
        if (st == RVF_OK && seg.seg_type == RVF_SEG_VEC)
            st = ref_load_vec(io, size, seg.offset, sink, &row, &row_cap);
    }
    rvf_free(row);
    if (sink && sink->deleted)
        for (size_t i = 0; i < ndel && st == RVF_OK; i++)
            st = sink->deleted(sink->ctx, rvfk_ld_u64(p + del_pos + 8 * i));
    rvf_free(owned);
    return st;
}

/* ---- writer ---------------------------------------------------------------------------------- */

/* The runtime column of the header table: version 1, flags, timestamp, checksum_algo,
 * compression and padding all 0; content hash = the CRC-32 of the payload in the rotated layout
 * of rvf_ref_content_hash (the VEC writer streams its payload, so it passes the CRC). */
static void ref_header(uint8_t hdr[REF_HDR], uint8_t type, uint64_t id, uint64_t len, uint32_t crc)
{
    rvfk_seg_header h;
    memset(&h, 0, sizeof h);
    h.magic = RVF_SEGMENT_MAGIC;
    h.version = RVF_SEGMENT_VERSION;
    h.seg_type = type;
    h.segment_id = id;
    h.payload_length = len;
    rvf_ref_hash_from_crc(crc, h.content_hash);
    rvfk_seg_header_encode(&h, hdr);
}

static rvf_status ref_write_segment(rvf_io *out, uint64_t *off, uint8_t type, uint64_t id,
                                    const uint8_t *payload, size_t len)
{
    uint8_t hdr[REF_HDR];
    ref_header(hdr, type, id, len, rvf_crc32_ieee_update(0, payload, len));
    rvf_status st = out->write(out, *off, hdr, REF_HDR);
    if (st == RVF_OK && len)
        st = out->write(out, *off + REF_HDR, payload, len);
    *off += REF_HDR + len;
    return st;
}

static void ref_manifest_payload(rvf_buf *b, uint32_t epoch, uint16_t dim, uint64_t total,
                                 uint8_t metric, const uint8_t *dir, uint32_t ndir,
                                 const uint8_t file_id[16])
{
    rvf_buf_u32(b, epoch);
    rvf_buf_u16(b, dim);
    rvf_buf_u64(b, total);
    rvf_buf_u32(b, ndir);
    rvf_buf_u8(b, 0); /* profile_id: hardware profile Generic */
    rvf_buf_u8(b, metric);
    rvf_buf_u16(b, 0);
    rvf_buf_put(b, dir, (size_t)ndir * RVF_REF_DIR_ENTRY);
    rvf_buf_u32(b, 0); /* no deletions */
    static const uint8_t zero[16];
    /* The reference writes the FIDI trailer iff file_id is non-zero. A root has zero parent id,
     * parent hash and depth. */
    if (memcmp(file_id, zero, 16) != 0) {
        rvf_buf_u32(b, RVF_REF_FIDI_MARKER);
        rvf_buf_put(b, file_id, 16);
        rvf_buf_append(b, REF_FIDI_SIZE - 16);
    }
}

static void ref_dir_entry(uint8_t *e, uint64_t id, uint64_t off, uint64_t len, uint8_t type)
{
    rvfk_st_u64(e, id);
    rvfk_st_u64(e + 8, off);
    rvfk_st_u64(e + 16, len);
    e[24] = type;
}

/* Serialises records [first, first+count) into chunks and hands each to fn. */
static rvf_status ref_vec_records(const uint64_t *ids, const float *rows, uint16_t dim,
                                  size_t first, size_t count, uint8_t *chunk, size_t per_chunk,
                                  rvf_status (*fn)(void *ctx, const uint8_t *p, size_t n),
                                  void *ctx)
{
    size_t rec = 8 + 4 * (size_t)dim;
    for (size_t done = 0; done < count;) {
        size_t m = count - done < per_chunk ? count - done : per_chunk;
        for (size_t i = 0; i < m; i++) {
            size_t v = first + done + i;
            uint8_t *r = chunk + i * rec;
            rvfk_st_u64(r, ids[v]);
            for (size_t d = 0; d < dim; d++)
                rvfk_st_f32(r + 8 + 4 * d, rows[v * dim + d]);
        }
        rvf_status st = fn(ctx, chunk, m * rec);
        if (st != RVF_OK)
            return st;
        done += m;
    }
    return RVF_OK;
}

typedef struct ref_sink_crc {
    uint32_t crc;
} ref_sink_crc;
static rvf_status ref_crc_fn(void *ctx, const uint8_t *p, size_t n)
{
    ref_sink_crc *c = ctx;
    c->crc = rvf_crc32_ieee_update(c->crc, p, n);
    return RVF_OK;
}
typedef struct ref_sink_write {
    rvf_io *out;
    uint64_t off;
} ref_sink_write;
static rvf_status ref_write_fn(void *ctx, const uint8_t *p, size_t n)
{
    ref_sink_write *w = ctx;
    rvf_status st = w->out->write(w->out, w->off, p, n);
    w->off += n;
    return st;
}

/* One VEC segment of `count` rows streamed in chunks: a first pass computes the CRC so the
 * header (with its hash) can be written before the payload at increasing offsets. */
static rvf_status ref_write_vec(rvf_io *out, uint64_t *off, uint64_t seg_id, uint16_t dim,
                                const uint64_t *ids, const float *rows, size_t first, size_t count,
                                uint8_t *chunk, size_t per_chunk)
{
    uint8_t head[6];
    rvfk_st_u16(head, dim);
    rvfk_st_u32(head + 2, (uint32_t)count);
    size_t plen = 6 + count * (8 + 4 * (size_t)dim);
    ref_sink_crc c = {rvf_crc32_ieee_update(0, head, sizeof head)};
    rvf_status st = ref_vec_records(ids, rows, dim, first, count, chunk, per_chunk, ref_crc_fn, &c);
    if (st != RVF_OK)
        return st;
    uint8_t hdr[REF_HDR];
    ref_header(hdr, RVF_SEG_VEC, seg_id, plen, c.crc);
    if ((st = out->write(out, *off, hdr, REF_HDR)) != RVF_OK ||
        (st = out->write(out, *off + REF_HDR, head, sizeof head)) != RVF_OK)
        return st;
    ref_sink_write w = {out, *off + REF_HDR + sizeof head};
    st = ref_vec_records(ids, rows, dim, first, count, chunk, per_chunk, ref_write_fn, &w);
    *off += REF_HDR + plen;
    return st;
}

/* What rvf-node 0.2.x writes for create() + one ingestBatch(), minus the ingest WITNESS segment:
 * witnesses are optional in the reference (WitnessConfig) and its boot never reads them. */
rvf_status rvf_ref_export(rvf_io *out, uint16_t dim, uint8_t metric, const uint64_t *ids,
                          const float *rows, size_t n, const uint8_t file_id[16])
{
    static const uint8_t zero_id[16];
    if (!out || !out->write || dim == 0 || metric > RVF_METRIC_COSINE || (n && (!ids || !rows)))
        return RVF_ERR_INVALID_ARGUMENT;
    if (!file_id)
        file_id = zero_id;
    size_t rec = 8 + 4 * (size_t)dim;
    size_t per_seg = (RVF_REF_MAX_PAYLOAD - 6) / rec; /* the reference refuses larger VECs */
    size_t nvec = n ? (n + per_seg - 1) / per_seg : 0;
    /* The directory lists the create-time manifest and the VECs, as the reference's does; the
     * whole manifest must stay inside the 64 KiB the reference scans. */
    size_t ndir = n ? nvec + 1 : 0;
    if (REF_HDR + RVF_REF_MANIFEST_HEADER + ndir * RVF_REF_DIR_ENTRY + 4 + 4 + REF_FIDI_SIZE >
        RVF_REF_SCAN_WINDOW)
        return RVF_ERR_SEGMENT_TOO_LARGE;

    rvf_buf m;
    rvf_buf_init(&m);
    ref_manifest_payload(&m, 0, dim, 0, metric, NULL, 0, file_id);
    rvf_status st = rvf_buf_status(&m);
    uint64_t off = 0;
    if (st == RVF_OK)
        st = ref_write_segment(out, &off, RVF_SEG_MANIFEST, 1, m.data, m.len);
    size_t m1_len = m.len;
    rvf_buf_free(&m);
    if (st != RVF_OK || n == 0)
        goto sync;

    size_t per_chunk = REF_WRITE_CHUNK / rec;
    uint8_t *chunk = rvf_malloc(per_chunk * rec);
    uint8_t *dir = rvf_malloc(ndir * RVF_REF_DIR_ENTRY);
    if (!chunk || !dir) {
        rvf_free(chunk);
        rvf_free(dir);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    ref_dir_entry(dir, 1, 0, m1_len, RVF_SEG_MANIFEST);
    for (size_t s = 0; s < nvec && st == RVF_OK; s++) {
        size_t first = s * per_seg, count = n - first < per_seg ? n - first : per_seg;
        uint64_t at = off;
        st = ref_write_vec(out, &off, 2 + s, dim, ids, rows, first, count, chunk, per_chunk);
        ref_dir_entry(dir + (s + 1) * RVF_REF_DIR_ENTRY, 2 + s, at, off - at - REF_HDR,
                      RVF_SEG_VEC);
    }
    rvf_free(chunk);
    /* Data durable before the manifest that makes it visible (the reference's two-fsync). */
    if (st == RVF_OK && out->sync)
        st = out->sync(out);
    if (st == RVF_OK) {
        rvf_buf_init(&m);
        ref_manifest_payload(&m, 1, dim, n, metric, dir, (uint32_t)ndir, file_id);
        st = rvf_buf_status(&m);
        if (st == RVF_OK)
            st = ref_write_segment(out, &off, RVF_SEG_MANIFEST, 2 + nvec, m.data, m.len);
        rvf_buf_free(&m);
    }
    rvf_free(dir);
sync:
    if (st == RVF_OK && out->sync)
        st = out->sync(out);
    return st;
}

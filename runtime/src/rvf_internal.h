/* rvf_internal.h: the runtime's internal contracts. Each section is implemented by the file named
 * in its heading; the store (rvf_store.c) composes them. Nothing here is public API.
 *
 * Conventions: encoders append to an rvf_buf (growable, allocation through rvf_malloc); decoders
 * read from (pointer, length) and never read past it; every function returns an rvf_status.
 * Truncated or malformed input gives RVF_ERR_TRUNCATED_SEGMENT (or the more precise status named
 * in the comment), never a crash. File bytes go through the rvfk_ld_* / rvfk_st_* helpers. */
#ifndef RVF_INTERNAL_H
#define RVF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rvf.h"
#include "rvf_format.h"

/* ---- rvf_alloc.c: the one allocator ------------------------------------------------------- */
void *rvf_malloc(size_t n);
void *rvf_calloc(size_t count, size_t size); /* zeroed; NULL on overflow */
void *rvf_realloc(void *p, size_t n);
void rvf_free(void *p);

/* Growable byte buffer. After any failed growth `oom` is set and further appends do nothing;
 * check rvf_buf_status() once at the end. */
typedef struct rvf_buf {
    uint8_t *data;
    size_t len, cap;
    bool oom;
} rvf_buf;
void rvf_buf_init(rvf_buf *b);
void rvf_buf_free(rvf_buf *b);
bool rvf_buf_reserve(rvf_buf *b, size_t extra);
uint8_t *rvf_buf_append(rvf_buf *b, size_t n); /* n zeroed bytes at the end, or NULL (oom) */
void rvf_buf_put(rvf_buf *b, const void *p, size_t n);
void rvf_buf_u8(rvf_buf *b, uint8_t v);
void rvf_buf_u16(rvf_buf *b, uint16_t v);
void rvf_buf_u32(rvf_buf *b, uint32_t v);
void rvf_buf_u64(rvf_buf *b, uint64_t v);
void rvf_buf_f32(rvf_buf *b, float v);
void rvf_buf_pad(rvf_buf *b, size_t start, size_t align); /* zero-fill until (len-start)%align==0 */
static inline rvf_status rvf_buf_status(const rvf_buf *b)
{
    return b->oom ? RVF_ERR_OUT_OF_MEMORY : RVF_OK;
}

/* ---- rvf_hash.c: content hashes and digests ------------------------------------------------ */
/* XXH3-128, seed 0, in the stored byte order u64_le(low64) || u64_le(high64). */
void rvf_xxh3_128(const void *data, size_t n, uint8_t out[16]);
/* SHAKE-256 (FIPS 202), incremental: init, update any number of times, then squeeze any number
 * of times to continue the output stream (squeeze(a) then squeeze(b) = the first a+b bytes).
 * update after the first squeeze is ignored. data may be NULL when n == 0. */
typedef struct rvf_shake256 {
    uint64_t st[25];
    size_t pos;
    bool squeezing;
} rvf_shake256_ctx;
void rvf_shake256_init(rvf_shake256_ctx *s);
void rvf_shake256_update(rvf_shake256_ctx *s, const void *data, size_t n);
void rvf_shake256_squeeze(rvf_shake256_ctx *s, uint8_t *out, size_t n);
void rvf_shake256(const void *data, size_t n, uint8_t *out, size_t outlen);
/* CRC-32/IEEE (zlib): the lock file and the reference runtime's content hash. */
uint32_t rvf_crc32_ieee_update(uint32_t crc, const void *data, size_t n); /* crc starts at 0 */
/* The segment content hash for checksum_algo (2 = SHAKE-256-128, anything else XXH3-128). */
void rvf_content_hash(uint8_t algo, const void *payload, size_t n, uint8_t out[16]);
/* The reference runtime's content hash: CRC-32/IEEE replicated with byte rotations 0/8/16/24. */
void rvf_ref_content_hash(const void *payload, size_t n, uint8_t out[16]);
/* The same layout from a CRC-32 already computed (streamed payloads). */
void rvf_ref_hash_from_crc(uint32_t crc, uint8_t out[16]);
/* The reference runtime's "simple_shake256_256" (fold32; not SHAKE). */
void rvf_fold32(const void *data, size_t n, uint8_t out[32]);
/* Constant-time comparison: true if equal. */
bool rvf_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* ---- rvf_codec.c: LEB128, ZigZag, delta encoding with restart points ------------------------ */
size_t rvf_varint_put(uint8_t out[10], uint64_t v); /* returns 1..10 */
void rvf_buf_varint(rvf_buf *b, uint64_t v);
/* Decode at *pos; advances it. More than 10 bytes, a 10th byte > 1, or running off the end:
 * RVF_ERR_TRUNCATED_SEGMENT. */
rvf_status rvf_varint_get(const uint8_t *p, size_t len, size_t *pos, uint64_t *v);
static inline uint64_t rvf_zigzag(int64_t n)
{
    return ((uint64_t)n << 1) ^ (uint64_t)(n >> 63);
}
static inline int64_t rvf_unzigzag(uint64_t z)
{
    return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}
/* Delta encoding (FORMAT.md): v must be non-decreasing (else RVF_ERR_INVALID_ARGUMENT);
 * restart >= 1. */
rvf_status rvf_delta_encode(rvf_buf *b, const uint64_t *v, size_t n, uint32_t restart);
/* Decode n values; a decoded sequence that decreases or overflows is RVF_ERR_TRUNCATED_SEGMENT. */
rvf_status rvf_delta_decode(const uint8_t *p, size_t len, size_t *pos, uint64_t *out, size_t n,
                            uint32_t restart);

/* ---- rvf_vecseg.c: VEC_SEG columnar blocks ------------------------------------------------- */
/* Encode n vectors (row-major, `dtype` elements of elem size rvf_dtype_size(dtype)) with ids
 * sorted ascending and unique, into blocks of up to block_vectors vectors (delta-varint ids,
 * restart 128, CRC32C per block, tier 1 = warm as in the worked example). Appends the whole
 * payload to out. Dtypes 5..8 (code bytes) take one byte per column, dim = code bytes per vector.
 * Unsorted/duplicate ids, dim 0, dtype > 8, block_vectors 0: RVF_ERR_INVALID_ARGUMENT (nothing
 * appended); a payload of 4 GiB or more: RVF_ERR_SEGMENT_TOO_LARGE. */
rvf_status rvf_vecseg_encode(rvf_buf *out, const uint64_t *ids, const void *rows, uint32_t n,
                             uint16_t dim, uint8_t dtype, uint32_t block_vectors);
typedef struct rvf_vec_block {
    uint32_t offset, count;
    uint16_t dim;
    uint8_t dtype, tier;
} rvf_vec_block;
/* Parse and check the block directory: *blocks (rvf_malloc'd, freed by the caller) and *n.
 * Offsets must be 64-aligned, in order, inside the payload (RVF_ERR_TRUNCATED_SEGMENT). */
rvf_status rvf_vecseg_blocks(const uint8_t *p, size_t len, rvf_vec_block **blocks, uint32_t *n);
/* Decode one block: verifies its CRC32C (RVF_ERR_INVALID_CHECKSUM), then writes count ids and
 * count rows (row-major, the block's dtype) into caller arrays sized from the block entry.
 * The CRC is located from the directory's count before any id-map field is believed, so a
 * flipped bit anywhere in the block is INVALID_CHECKSUM (one exception: an encoding byte turned
 * into 0 = raw whose raw ids would run past the payload reads as TRUNCATED). With a valid CRC, an
 * id_count other than the directory's, an unknown encoding, restart 0 or ids that are not
 * strictly ascending are RVF_ERR_TRUNCATED_SEGMENT. The ids array may be written on failure. */
rvf_status rvf_vecseg_decode_block(const uint8_t *p, size_t len, const rvf_vec_block *blk,
                                   uint64_t *ids, void *rows);
size_t rvf_dtype_size(uint8_t dtype); /* bytes per element for dtypes 0..4, else 0 */

/* ---- rvf_roaring.c: the deletion bitmap (RVF-Roaring, DELETION_BITMAP TLV value) ----------- */
/* Encode a sorted, unique id list (ids >= 2^48: RVF_ERR_INVALID_ARGUMENT) as the TLV value
 * (mode byte SINGLE, 7 pad bytes, bitmap). */
rvf_status rvf_delbitmap_encode(rvf_buf *out, const uint64_t *ids, size_t n);
/* Decode a TLV value into a sorted unique id list (*ids rvf_malloc'd; NULL when n == 0).
 * Malformed input: RVF_ERR_INVALID_MANIFEST (includes empty containers, container offsets that
 * are unaligned or point into the key table, a bitmap cardinality other than 0 = "recompute"
 * that differs from its popcount). SHARDED mode: RVF_ERR_ALGO_UNSUPPORTED. */
rvf_status rvf_delbitmap_decode(const uint8_t *p, size_t len, uint64_t **ids, size_t *n);

/* ---- rvf_journal.c: JOURNAL_SEG ------------------------------------------------------------ */
typedef struct rvf_journal_entry {
    uint8_t type;     /* RVF_JOURNAL_* */
    uint64_t a, b, c; /* DELETE_VECTOR a=id; DELETE_RANGE a=start b=end; MOVE a=id b=src c=dst;
                         REMAP a=old b=new; UPDATE_METADATA a=id */
    const uint8_t *key, *val; /* UPDATE_METADATA only (point into the payload when decoded) */
    uint16_t key_len, val_len;
} rvf_journal_entry;
rvf_status rvf_journal_encode(rvf_buf *out, uint32_t epoch, uint64_t prev_journal_seg_id,
                              const rvf_journal_entry *e, size_t n);
/* Calls fn for each entry in order (fn may be NULL; epoch, prev may be NULL); unknown entry types
 * are skipped by entry_length. A non-OK return from fn stops the walk and is returned. Known
 * entries shorter than their type needs, or a DELETE_RANGE with start >= end:
 * RVF_ERR_TRUNCATED_SEGMENT; longer ones are accepted (extra bytes ignored). Encoding rejects
 * unknown types, DELETE_RANGE start >= end, entries over 65535 payload bytes and NULL key/val
 * with nonzero length (RVF_ERR_INVALID_ARGUMENT, nothing appended). */
rvf_status rvf_journal_decode(const uint8_t *p, size_t len, uint32_t *epoch, uint64_t *prev,
                              rvf_status (*fn)(void *ctx, const rvf_journal_entry *e), void *ctx);

/* ---- rvf_witness.c: WITNESS_SEG 73-byte SHAKE-256 chain, lineage record --------------------- */
/* Append one entry to a chain held in out (out->len a multiple of 73): prev_hash = SHAKE-256-256
 * of the previous entry in out (zeros if out is empty). action_hash = SHAKE-256-256(action). */
void rvf_witness_append(rvf_buf *out, const void *action, size_t action_len, uint64_t ts_ns,
                        uint8_t witness_type);
/* Verify a payload: length % 73 (RVF_ERR_TRUNCATED_SEGMENT), each prev_hash, entry 0's being
 * zero as in rvf-crypto (RVF_ERR_INVALID_CHECKSUM). *count and head (SHAKE-256-256 of the last
 * entry; zeros for an empty payload) may be NULL and are written only on success. The last
 * entry's bytes 32..72 are covered by nothing but head: compare head with WITNESS_CHAIN's. */
rvf_status rvf_witness_verify(const uint8_t *p, size_t len, uint32_t *count, uint8_t head[32]);
/* The 128-byte LineageRecord of FORMAT.md "File identity". */
void rvf_lineage_record(uint8_t out[128], const uint8_t file_id[16], const uint8_t parent_id[16],
                        const uint8_t parent_hash[32], uint8_t derivation_type,
                        uint32_t mutation_count, uint64_t ts_ns, const char *description);

/* ---- rvf_meta.c: META_SEG; rvf_filter.c: filter evaluation ----------------------------------- */
typedef struct rvf_meta_row {
    const rvf_value *fields; /* nfields values, each field id at most once */
    uint32_t nfields;        /* 0: the vector has no metadata (all columns null) */
} rvf_meta_row;
/* One META_SEG for nrows consecutive ids id_start .. id_start+nrows-1. Columns: one per
 * (field id) seen in the rows, sorted by id, all NULLABLE; RVF_VALUE_NULL values are nulls. A field
 * id used with two different value types in one call or twice in a row, nrows == 0, an id range
 * past 2^64-1, a string/bytes value over 65535 bytes or a U32 value over 2^32-1:
 * RVF_ERR_INVALID_ARGUMENT; a column starting at 4 GiB or later: RVF_ERR_SEGMENT_TOO_LARGE (out is
 * left as it was). */
rvf_status rvf_metaseg_encode(rvf_buf *out, uint64_t id_start, uint32_t nrows,
                              const rvf_meta_row *rows);
/* A columnar META_SEG with no columns (field_count 0): every id of [*lo, *hi] has no metadata.
 * Its row range may span 2^32 - 1 ids in 64 bytes, so a reader applies it to the vectors it holds
 * instead of walking the rows (FUZZING.md, finding 2). False for any other segment. */
bool rvf_metaseg_no_columns(const uint8_t *p, size_t len, uint64_t *lo, uint64_t *hi);
/* Decode: fn(ctx, id, fields, n) per row (n == 0 included), with the row's non-null values
 * ordered by field id (strings point into p; ENUM labels come as STRING). The whole segment is
 * validated before the first call (RVF_ERR_TRUNCATED_SEGMENT; more than 2^32-1 rows is corrupt);
 * fn may be NULL (validate only); a non-OK return from fn stops the walk and is returned.
 * encoding != 1 or unknown field types: the segment is opaque, fn is never called, OK. */
rvf_status rvf_metaseg_decode(const uint8_t *p, size_t len,
                              rvf_status (*fn)(void *ctx, uint64_t id, const rvf_value *fields,
                                               uint32_t n),
                              void *ctx);
/* Evaluate a filter against one vector's fields (a field it lacks is NULL). *match receives the
 * result. The bytes get the same checks as rvf_filter_validate (RVF_ERR_FILTER_PARSE_ERROR). */
rvf_status rvf_filter_eval(const uint8_t *expr, size_t len, const rvf_value *fields, uint32_t n,
                           bool *match);

/* ---- rvf_io.c: byte stores --------------------------------------------------------------- */
typedef struct rvf_io rvf_io;
struct rvf_io {
    rvf_status (*read)(rvf_io *io, uint64_t off, void *dst, size_t n); /* exact, else TRUNCATED */
    rvf_status (*write)(rvf_io *io, uint64_t off, const void *src, size_t n); /* NULL: read-only */
    rvf_status (*sync)(rvf_io *io);                    /* durable (fsync); NULL = no-op */
    rvf_status (*truncate)(rvf_io *io, uint64_t size); /* NULL: read-only */
    uint64_t (*size)(rvf_io *io);
    /* Zero-copy access when the bytes are in memory, else NULL. */
    const uint8_t *(*map)(rvf_io *io, uint64_t off, size_t n);
    void (*close)(rvf_io *io);
    uint64_t bytes_read;    /* counted by read() and mapped loads */
    uint64_t read_requests; /* read() calls and mapped loads: the range requests a remote
                               source would serve */
};
/* POSIX file: flags RVF_IO_READ, RVF_IO_WRITE (O_RDWR), RVF_IO_CREATE (O_CREAT|O_EXCL, mode
 * 0644, implies write). ENOSPC/EDQUOT -> RVF_ERR_DISK_FULL, failed fsync -> RVF_ERR_FSYNC_FAILED,
 * else RVF_ERR_IO_ERROR; on open a missing file -> RVF_ERR_NOT_FOUND, an existing one with
 * CREATE -> RVF_ERR_ALREADY_EXISTS. Read-only handles have write, truncate and sync NULL. size()
 * asks fstat() at each call (the file grows under a reader); map() is always NULL. */
enum { RVF_IO_READ = 1, RVF_IO_WRITE = 2, RVF_IO_CREATE = 4 };
rvf_status rvf_io_file_open(const char *path, int flags, rvf_io **out);
/* Memory: a writable growable buffer (copy of bytes, may be NULL/0), or a read-only view over
 * the caller's bytes (zero-copy; they must outlive the handle). map() points into the buffer:
 * valid until the next write/truncate. Writing past the end zero-fills the gap. Memory and view
 * have sync NULL. rvf_io_memory_bytes: the current image of a memory/view handle, else NULL. */
rvf_status rvf_io_memory(const void *bytes, size_t len, rvf_io **out);
rvf_status rvf_io_view(const void *bytes, size_t len, rvf_io **out);
const uint8_t *rvf_io_memory_bytes(rvf_io *io, size_t *len);
/* A range-read source (rvf.h rvf_source), read-only, map NULL. The struct is copied; close()
 * calls src->close(ctx). On failure nothing is closed. Reads beyond src->size: TRUNCATED
 * (the callback is not called); otherwise the callback's status is returned as is. */
rvf_status rvf_io_source(const rvf_source *src, rvf_io **out);
/* fsync the directory containing path (after rename). A filesystem that cannot sync directories
 * (EINVAL) counts as success. */
rvf_status rvf_fsync_dir(const char *path);

/* ---- rvf_lock.c: the writer lock file <path>.lock (FORMAT.md "Writer lock") ------------------ */
typedef struct rvf_lock rvf_lock;
/* Acquire per the stale rules; RVF_ERR_LOCK_HELD when another live writer holds it. path is the
 * store's path; the lock is path + ".lock". Same host = the lock's hostname equals gethostname()
 * or the reference's spelling ($HOSTNAME, else /etc/hostname). A missing directory:
 * RVF_ERR_NOT_FOUND. */
rvf_status rvf_lock_acquire(const char *path, rvf_lock **out);
/* Unlink the lock if it still carries our writer_id; free. NULL allowed. A lock that is gone or
 * carries another writer_id (taken over as stale) is left alone: RVF_ERR_LOCK_STALE. */
rvf_status rvf_lock_release(rvf_lock *l);

/* ---- rvf_refdialect.c: the reference runtime's dialect ------------------------------------- */
/* What the reference's newest manifest says, plus callbacks for the data. */
typedef struct rvf_ref_info {
    uint32_t epoch;
    uint16_t dimension;
    uint8_t profile_id;
    uint8_t metric; /* manifest byte 19 (0.2.x); 0 (L2) in 0.1.x files */
    uint64_t total_vectors;
    uint64_t manifest_offset;
    uint64_t skipped_bad; /* a newer manifest whose content hash failed, else UINT64_MAX */
    uint32_t seg_count;
    bool has_identity;
    uint8_t file_id[16], parent_id[16], parent_hash[32];
    uint32_t lineage_depth;
} rvf_ref_info;
typedef struct rvf_ref_sink {
    void *ctx;
    /* every directory entry, in order (type, id, offset, payload_length) */
    rvf_status (*segment)(void *ctx, const rvf_segment_info *seg);
    /* every vector of every VEC entry in directory order; later calls for the same id win */
    rvf_status (*vector)(void *ctx, uint64_t id, const float *v, uint32_t dim);
    /* every deleted id of the manifest's list */
    rvf_status (*deleted)(void *ctx, uint64_t id);
} rvf_ref_sink;
/* True if the file's newest manifest is a reference-dialect manifest (no RVF root at the tail and
 * a parseable runtime manifest in the last 64 KiB, or further back). A file whose last 4096 bytes
 * are a root with a valid CRC32C is never the reference dialect. */
bool rvf_ref_detect(rvf_io *io);
/* Load per the reference's open algorithm (FORMAT.md errata), verifying VEC content hashes
 * (RVF_ERR_INVALID_CHECKSUM, naming no fallback), calling the sink. The newest manifest is the
 * first parseable candidate of a byte-granular backward scan of the whole file (the reference
 * stops after 64 KiB); none: RVF_ERR_MANIFEST_NOT_FOUND. *info (may be NULL) is filled before any
 * callback. Then, per directory entry in order: segment(), and for a VEC entry its vectors (the
 * VEC's own dim; a payload shorter than dim/count imply is skipped silently). A VEC entry whose
 * header is not "SFVR": RVF_ERR_INVALID_MAGIC; payload over 256 MiB: RVF_ERR_SEGMENT_TOO_LARGE;
 * header or payload past EOF: RVF_ERR_TRUNCATED_SEGMENT. Then deleted() per listed id. Other
 * segment types (INDEX included) are only listed. The sink and each callback may be NULL; a
 * callback's error stops the load and is returned. */
rvf_status rvf_ref_load(rvf_io *io, rvf_ref_info *info, const rvf_ref_sink *sink);
/* Write a reference-dialect file: manifest (seg 1, epoch 0), VEC (seg 2; more segments when the
 * rows exceed 256 MiB), manifest (epoch 1, directory = seg 1 + the VECs), with metric byte (0..2,
 * else RVF_ERR_INVALID_ARGUMENT), FIDI file identity (omitted when file_id is NULL or zero, as
 * the reference does), no deletions, no witness. rows: n x dim f32; n == 0 writes the create-time
 * manifest only. Writes at increasing offsets, syncs after the VECs and at the end. */
rvf_status rvf_ref_export(rvf_io *out, uint16_t dim, uint8_t metric, const uint64_t *ids,
                          const float *rows, size_t n, const uint8_t file_id[16]);

#endif /* RVF_INTERNAL_H */

/* test_bitflip_census.c: the bit-flip census (RVF-BRIEF §15.3 test 4, §15.6; RELIABILITY.md).
 * Representative files holding every segment type the store writes (VEC with several blocks, META,
 * JOURNAL, WITNESS, INDEX sealed and delta, the Layer-A HOT INDEX, SKETCH, the current and
 * superseded MANIFESTs; one f32/XXH3 file, one f16/SHAKE-256 file) are built in memory; every bit
 * of their segment headers, padding and small payloads, and of large payloads the first and last
 * 256 bytes plus a stride (every bit of everything with RVF_CENSUS_FULL=1, as `make test-long`
 * does), is flipped in turn and the image opened with rvf_open_view. Each flip is:
 *   detected  open fails naming the segment; or open falls back to the previous manifest (and
 *             the store is then exactly that commit's state); or rvf_verify_each fails on the
 *             flipped segment (and only on it: the other segments stay readable); for a
 *             superseded manifest, the manifest chain walk fails at it;
 *   harmless  the store opens with exactly the original content, metadata and answers (exact and
 *             HNSW), and verifies (unhashed header fields, superseded segments);
 *   undetected  anything else: content or answers differ silently. Must be zero.
 * Every flip inside a hashed region (the payload of a listed segment, or of a manifest on the
 * chain) must be detected. A flip that verify reports must not make queries return other content
 * than the original: a reader either answers as before or returns the error. A table per segment
 * type is printed (and appended to RVF_SUMMARY when set). When RVF_SHARED holds the reference
 * corpus, a reference-dialect file gets the same census (its format hashes what it hashes: the
 * table is informational there, but nothing may crash or read out of bounds, and flips in
 * segments with a stored hash must be detected). */
#include <time.h>

#include "rvf_test.h"
#include "store_util.h"

enum { NQ = 2, TOPK = 8 };

/* Census categories: one per segment kind, plus padding. */
enum {
    C_VEC,
    C_META,
    C_JOURNAL,
    C_WITNESS,
    C_INDEX_SEALED,
    C_INDEX_DELTA,
    C_INDEX_HOT,
    C_SKETCH,
    C_MANIFEST,
    C_MANIFEST_OLD,
    C_SUPERSEDED,
    C_OTHER,
    C_PAD,
    C_COUNT
};
static const char *const cat_name[C_COUNT] = {
    "VEC_SEG",         "META_SEG",          "JOURNAL_SEG", "WITNESS_SEG",      "INDEX_SEG sealed",
    "INDEX_SEG delta", "INDEX_SEG HOT (A)", "SKETCH_SEG",  "MANIFEST current", "MANIFEST on chain",
    "superseded data", "other (listed)",    "padding"};

enum { R_HEADER, R_PAYLOAD, R_PAD, R_COUNT };

typedef struct tally {
    long flips, open, fallback, verify, chain, version_skip, harmless, undetected, unnamed,
        use_silent;
    double cpu; /* seconds */
} tally;

typedef struct seg {
    uint64_t off, payload, span;
    uint8_t type;
    uint16_t flags;
    int listed, cat;
} seg;

typedef struct image {
    const char *name;
    uint8_t *bytes;
    size_t len;
    seg segs[512];
    int nseg;
    uint32_t dim;
    uint64_t digest;        /* the answers of the original */
    uint64_t epoch_dig[64]; /* state digest of each committed epoch (0: unknown) */
    int reference;          /* reference dialect: informational census */
} image;

/* ---- what a reader sees ------------------------------------------------------------------- */
static int digest_row(void *ctx, uint64_t id, const float *v, uint32_t dim, const rvf_value *f,
                      uint32_t nf)
{
    uint64_t *h = ctx;
    fnv(h, &id, 8);
    fnv(h, v, dim * sizeof *v);
    for (uint32_t i = 0; i < nf; i++) {
        fnv(h, &f[i].field_id, 2);
        fnv(h, &f[i].type, 1);
        if (f[i].type == RVF_VALUE_STRING || f[i].type == RVF_VALUE_BYTES)
            fnv(h, f[i].v.bytes.ptr, f[i].v.bytes.len);
        else
            fnv(h, &f[i].v.u64, 8);
    }
    return 0;
}

/* Digest of everything a reader can see: status counts, every live vector and its metadata, exact
 * and HNSW answers of NQ queries. *err receives 1 when a call failed (a reader met the damage). */
static uint64_t answers(rvf_store *s, int *err)
{
    uint64_t h = 0xcbf29ce484222325ull;
    *err = 0;
    rvf_status_info si;
    if (rvf_status_get(s, &si) != RVF_OK) {
        *err = 1;
        return 0;
    }
    fnv(&h, &si.live_vectors, 8);
    fnv(&h, &si.dimension, 4);
    fnv(&h, &si.metric, sizeof si.metric);
    if (rvf_foreach(s, digest_row, &h) != RVF_OK) {
        *err = 1;
        return h;
    }
    float q[512];
    rvf_test_rng r = {77};
    for (int k = 0; k < NQ; k++) {
        for (uint32_t d = 0; d < si.dimension && d < 512; d++)
            q[d] = rvf_test_unit(&r);
        for (uint32_t ef = 0; ef <= 24; ef += 24) {
            rvf_hit hits[TOPK];
            uint32_t n = 0;
            rvf_query_params p = {TOPK, -1, NULL, 0, ef};
            rvf_status st = rvf_query(s, q, si.dimension, &p, hits, &n);
            if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE) {
                *err = 1;
                return h;
            }
            fnv(&h, &n, 4);
            for (uint32_t i = 0; i < n; i++) { /* (not the struct: it has padding) */
                fnv(&h, &hits[i].id, 8);
                fnv(&h, &hits[i].distance, 4);
            }
        }
    }
    return h;
}

/* ---- building the representative files ---------------------------------------------------- */
static void snapshot_epoch(image *im, rvf_store *s)
{
    const uint8_t *b;
    size_t len;
    rvf_status_info si;
    rvf_status_get(s, &si);
    rvf_store_bytes(s, &b, &len);
    rvf_store *v = NULL;
    if (si.epoch < 64 && rvf_open_view(b, len, &v) == RVF_OK) {
        int err;
        im->epoch_dig[si.epoch] = answers(v, &err);
        if (err)
            im->epoch_dig[si.epoch] = 0;
    }
    rvf_close(v);
}

static void ingest(rvf_store *s, uint32_t dim, uint64_t first, uint32_t n, int with_meta,
                   uint64_t seed)
{
    float *v = malloc((size_t)n * dim * sizeof *v);
    uint64_t *ids = malloc(n * sizeof *ids);
    rvf_value *meta = malloc(2 * (size_t)n * sizeof *meta);
    uint32_t *cnt = malloc(n * sizeof *cnt);
    char(*text)[24] = malloc(n * sizeof *text);
    rvf_test_rng r = {seed};
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = first + i;
        for (uint32_t d = 0; d < dim; d++)
            v[(size_t)i * dim + d] = rvf_test_unit(&r);
        int len = snprintf(text[i], sizeof text[i], "row-%llu", (unsigned long long)ids[i]);
        meta[2 * i] = (rvf_value){1, RVF_VALUE_I64, {.i64 = (int64_t)(i % 7) - 3}};
        meta[2 * i + 1] =
            (rvf_value){2, RVF_VALUE_STRING, {.bytes = {(const uint8_t *)text[i], (uint32_t)len}}};
        cnt[i] = 2;
    }
    CHECK_EQ_INT(rvf_ingest(s, v, ids, n, meta, with_meta ? cnt : NULL), RVF_OK);
    free(v);
    free(ids);
    free(meta);
    free(cnt);
    free(text);
}

static void finish_image(image *im, rvf_store *s)
{
    const uint8_t *b;
    size_t len;
    rvf_store_bytes(s, &b, &len);
    im->bytes = malloc(len);
    memcpy(im->bytes, b, len);
    im->len = len;
}

/* f32, XXH3-128: every segment type the store writes. */
static void build_f32(image *im)
{
    memset(im, 0, sizeof *im);
    im->name = "f32 L2 XXH3 (indexed, compacted, appended)";
    im->dim = 8;
    rvf_options o = rvf_options_default(im->dim);
    o.block_vectors = 16; /* several VEC blocks (each with its CRC) per segment */
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    ingest(s, im->dim, 0, 60, 1, 1);
    ingest(s, im->dim, 60, 40, 0, 2);
    uint64_t del[3] = {5, 17, 70};
    CHECK_EQ_INT(rvf_delete(s, del, 3, NULL), RVF_OK);
    rvf_index_options io = rvf_index_options_default();
    io.m = 8;
    io.ef_construction = 40;
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK);
    int err;
    answers(s, &err); /* queries count accesses: the compaction writes a non-empty sketch */
    /* compaction of an indexed store of >= 64 vectors: partitions, sealed INDEX, Layer A */
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    snapshot_epoch(im, s);
    ingest(s, im->dim, 100, 24, 1, 3); /* VEC + META after the compaction */
    snapshot_epoch(im, s);
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK); /* delta INDEX_SEG + SKETCH */
    snapshot_epoch(im, s);
    uint64_t del2[4] = {3, 50, 101, 999};
    CHECK_EQ_INT(rvf_delete(s, del2, 4, NULL), RVF_OK); /* JOURNAL */
    snapshot_epoch(im, s);
    finish_image(im, s);
    rvf_close(s);
}

/* f16, SHAKE-256, cosine: the other hash and row encoding; several manifests, no index. */
static void build_f16(image *im)
{
    memset(im, 0, sizeof *im);
    im->name = "f16 cosine SHAKE-256 (three commits)";
    im->dim = 6;
    rvf_options o = rvf_options_default(im->dim);
    o.dtype = RVF_DTYPE_F16;
    o.metric = RVF_METRIC_COSINE;
    o.checksum_algo = 2;
    o.block_vectors = 8;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &s), RVF_OK);
    snapshot_epoch(im, s);
    ingest(s, im->dim, 0, 20, 1, 11);
    snapshot_epoch(im, s);
    uint64_t del[2] = {4, 9};
    CHECK_EQ_INT(rvf_delete(s, del, 2, NULL), RVF_OK);
    snapshot_epoch(im, s);
    ingest(s, im->dim, 15, 10, 0, 12);
    snapshot_epoch(im, s);
    finish_image(im, s);
    rvf_close(s);
}

static int load_reference(image *im, const char *file)
{
    memset(im, 0, sizeof *im);
    const char *shared = getenv("RVF_SHARED");
    if (!shared || !*shared)
        return 0;
    char path[600];
    snprintf(path, sizeof path, "%s/corpus/reference-written/%s", shared, file);
    im->bytes = read_file(path, &im->len);
    if (!im->bytes)
        return 0;
    im->name = file;
    im->reference = 1;
    return 1;
}

/* Walk the segments of an image (headers, spans) and classify them against what the current
 * manifest lists. */
static void map_segments(image *im)
{
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_open_view(im->bytes, im->len, &s), RVF_OK);
    if (!s)
        return;
    int err;
    im->digest = answers(s, &err);
    CHECK_EQ_INT(err, 0);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_segment_info *li = NULL;
    uint32_t nl = 0;
    rvf_segments(s, &li, &nl);
    rvf_status_info si;
    rvf_status_get(s, &si);
    if (!im->reference)
        im->dim = si.dimension;
    for (uint64_t off = 0; off + 64 <= im->len && im->nseg < 512;) {
        const uint8_t *h = im->bytes + off;
        uint32_t magic =
            (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        if (magic != 0x52564653u)
            break;
        uint64_t plen = 0;
        for (int i = 7; i >= 0; i--)
            plen = plen << 8 | h[0x10 + i];
        uint32_t pad = 0;
        for (int i = 3; i >= 0; i--)
            pad = pad << 8 | h[0x3C + i];
        seg *g = &im->segs[im->nseg++];
        g->off = off;
        g->payload = plen;
        g->type = h[5];
        g->flags = (uint16_t)(h[6] | h[7] << 8);
        g->span = 64 + plen + (im->reference ? 0 : pad); /* the reference does not pad */
        for (uint32_t i = 0; i < nl; i++)
            if (li[i].offset == off)
                g->listed = 1;
        off += g->span;
    }
    for (int i = 0; i < im->nseg; i++) {
        seg *g = &im->segs[i];
        if (g->type == 0x05)
            g->cat = g->off == si.manifest_offset || (im->reference && g->listed) ? C_MANIFEST
                                                                                  : C_MANIFEST_OLD;
        else if (!g->listed)
            g->cat = C_SUPERSEDED;
        else if (g->type == 0x01)
            g->cat = C_VEC;
        else if (g->type == 0x07)
            g->cat = C_META;
        else if (g->type == 0x04)
            g->cat = C_JOURNAL;
        else if (g->type == 0x0A)
            g->cat = C_WITNESS;
        else if (g->type == 0x09)
            g->cat = C_SKETCH;
        else if (g->type == 0x02)
            g->cat = g->flags & 0x40   ? C_INDEX_HOT
                     : g->flags & 0x08 ? C_INDEX_SEALED
                                       : C_INDEX_DELTA;
        else
            g->cat = C_OTHER;
    }
    rvf_release(li);
    rvf_close(s);
}

/* ---- the census ---------------------------------------------------------------------------- */
typedef struct verify_ctx {
    uint64_t bad[64];
    int nbad;
} verify_ctx;

static void on_verify(void *ctx, const rvf_segment_info *seg_, rvf_status st, const char *detail)
{
    (void)detail;
    verify_ctx *c = ctx;
    if (st != RVF_OK && c->nbad < 64)
        c->bad[c->nbad++] = seg_->offset;
}

static int chain_noop(void *ctx, uint32_t epoch, uint64_t off)
{
    (void)ctx;
    (void)epoch;
    (void)off;
    return 0;
}

static int names(const char *detail, const seg *g, const char *tname)
{
    char off[32];
    snprintf(off, sizeof off, "offset %llu", (unsigned long long)g->off);
    return strstr(detail, off) || strstr(detail, tname) || strstr(detail, "manifest");
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case 0x01:
        return "VEC_SEG";
    case 0x02:
        return "INDEX_SEG";
    case 0x04:
        return "JOURNAL_SEG";
    case 0x05:
        return "MANIFEST_SEG";
    case 0x07:
        return "META_SEG";
    case 0x09:
        return "SKETCH_SEG";
    case 0x0A:
        return "WITNESS_SEG";
    default:
        return "segment";
    }
}

typedef struct census {
    tally t[C_COUNT][R_COUNT];
    long hashed_flips, hashed_detected;
} census;

static int g_full;
static int g_reported[8];

/* A finding: a failure for our files; for a reference-dialect file (whose format does not hash
 * everything) a note, printed a few times per kind. */
#define FINDING(im, kind, ...)                                                                     \
    do {                                                                                           \
        if (!(im)->reference) {                                                                    \
            if (g_reported[kind]++ < 5) /* the totals are checked at the end */                    \
                RVF_FAIL_AT(__VA_ARGS__);                                                          \
        } else if (g_reported[kind]++ < 3) {                                                       \
            printf("  note: ");                                                                    \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

/* One flip of bit `bit` (of the whole image) inside segment g: classify, add to the tallies,
 * undo. */
static void flip_one(image *im, uint8_t *buf, const seg *g, int cat, int region, size_t bit,
                     census *c)
{
    tally *t = &c->t[cat][region];
    clock_t t0 = clock();
    size_t rel = bit / 8 - (size_t)g->off; /* byte offset inside the segment */
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    t->flips++;
    /* hashed: the payload of a listed segment or of a manifest on the chain */
    int hashed = region == R_PAYLOAD && (g->listed || cat == C_MANIFEST_OLD);
    int detected = 0, err = 0;
    rvf_store *s = NULL;
    rvf_status st = rvf_open_view(buf, im->len, &s);
    rvf_status_info si;
    verify_ctx vc;
    vc.nbad = 0;
    if (st != RVF_OK) {
        t->open++;
        detected = 1;
        if (!names(rvf_last_error_detail(), g, type_name(g->type))) {
            t->unnamed++;
            FINDING(im, 1,
                    "%s: bit %zu (%s at %llu, byte +%zu): open failed without naming the "
                    "segment: %s",
                    im->name, bit, type_name(g->type), (unsigned long long)g->off, rel,
                    rvf_last_error_detail());
        }
    } else if (rvf_status_get(s, &si) == RVF_OK && si.recovered_from != UINT64_MAX) {
        t->fallback++;
        detected = 1;
        if (si.recovered_from != g->off) {
            t->unnamed++;
            FINDING(im, 2,
                    "%s: bit %zu in the segment at %llu: fell back past the manifest at "
                    "%llu",
                    im->name, bit, (unsigned long long)g->off,
                    (unsigned long long)si.recovered_from);
        }
        /* the fallback is exactly the previous commit */
        uint64_t d = answers(s, &err);
        if (si.epoch < 64 && im->epoch_dig[si.epoch] && (err || d != im->epoch_dig[si.epoch])) {
            t->use_silent++;
            FINDING(im, 3, "%s: bit %zu: fell back to epoch %u, but not to its state", im->name,
                    bit, si.epoch);
        }
    } else if (rvf_verify_each(s, on_verify, &vc), vc.nbad) {
        t->verify++;
        detected = 1;
        int self = 0;
        for (int i = 0; i < vc.nbad; i++)
            self += vc.bad[i] == g->off;
        if (!self || vc.nbad > 1) { /* the other segments must stay readable */
            t->unnamed++;
            FINDING(im, 4,
                    "%s: bit %zu in the segment at %llu: verify flagged %d segment(s), "
                    "first at %llu",
                    im->name, bit, (unsigned long long)g->off, vc.nbad,
                    (unsigned long long)vc.bad[0]);
        }
        /* a reader meets the damage as an error, or answers as before: never other content;
           except that a segment whose version byte is not 1 is skipped, as RVF-BRIEF §9.3
           (S1-S4) requires of readers, and only verify reports it */
        uint64_t d = answers(s, &err);
        if (!err && d != im->digest) {
            if (region == R_HEADER && rel == 4 && !im->reference)
                t->version_skip++;
            else {
                t->use_silent++;
                FINDING(im, 5,
                        "%s: bit %zu (%s at %llu, byte +%zu): verify names it, but "
                        "queries answer other content without an error",
                        im->name, bit, type_name(g->type), (unsigned long long)g->off, rel);
            }
        }
    } else {
        uint64_t d = answers(s, &err);
        if (!err && d == im->digest) {
            if (cat == C_MANIFEST_OLD && rvf_manifest_chain(s, chain_noop, NULL) != RVF_OK) {
                t->chain++;
                detected = 1;
            } else
                t->harmless++;
        } else {
            t->undetected++;
            FINDING(im, 6,
                    "%s: bit %zu (%s at %llu, byte +%zu) changed what a reader sees, "
                    "undetected%s",
                    im->name, bit, type_name(g->type), (unsigned long long)g->off, rel,
                    err ? " (until a query failed)" : "");
        }
    }
    rvf_close(s);
    if (hashed) {
        c->hashed_flips++;
        c->hashed_detected += detected;
    }
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    t->cpu += (double)(clock() - t0) / CLOCKS_PER_SEC;
}

/* Flip the bits of [lo, hi) (byte offsets). With RVF_CENSUS_FULL every bit of every segment.
 * Otherwise the first segment of each kind is "thorough": every bit of its header and padding,
 * every bit of a payload up to 2 * g_edge bytes (64; 16 for graph INDEX_SEGs and under ASan), and
 * of a longer payload every bit of the first and last g_edge bytes plus one bit (rotating) every
 * g_stride bytes (13; 61 under ASan) in between; the other segments
 * get one bit (rotating) of every header and padding byte and of every 16th payload byte. */
static size_t g_edge = 64, g_stride = 13;

static void flip_range(image *im, uint8_t *buf, const seg *g, int cat, int region, size_t lo,
                       size_t hi, int thorough, census *c)
{
    size_t stride = thorough ? g_stride : region == R_PAYLOAD ? 16 : 1;
    /* a damaged graph makes every reader build one in memory: 10x the cost of other flips */
    size_t edge = cat == C_INDEX_SEALED || cat == C_INDEX_DELTA ? g_edge / 4 : g_edge;
    int whole = thorough && (region != R_PAYLOAD || hi - lo <= 2 * edge);
    for (size_t byte = lo; byte < hi; byte++) {
        int all = g_full || whole || (thorough && (byte < lo + edge || byte >= hi - edge));
        if (all) {
            for (int b = 0; b < 8; b++)
                flip_one(im, buf, g, cat, region, byte * 8 + (size_t)b, c);
        } else if ((byte - lo) % stride == 0)
            flip_one(im, buf, g, cat, region, byte * 8 + (byte / stride) % 8, c);
    }
}

static void print_table(const image *im, const census *c, FILE *to)
{
    fprintf(to, "census: %s, %zu bytes, %s\n", im->name, im->len,
            g_full ? "every bit" : "sampled (RELIABILITY.md; RVF_CENSUS_FULL=1 flips every bit)");
    fprintf(to, "  %-18s %-7s %7s %7s %8s %7s %6s %8s %8s %8s %7s %7s\n", "segment", "region",
            "flips", "open", "fallback", "verify", "chain", "ver-skip", "harmless", "UNDETECT",
            "unnamed", "us/flip");
    static const char *const rn[R_COUNT] = {"header", "payload", "padding"};
    for (int k = 0; k < C_COUNT; k++)
        for (int r = 0; r < R_COUNT; r++) {
            const tally *t = &c->t[k][r];
            if (!t->flips)
                continue;
            fprintf(to, "  %-18s %-7s %7ld %7ld %8ld %7ld %6ld %8ld %8ld %8ld %7ld %7.0f\n",
                    cat_name[k], rn[r], t->flips, t->open, t->fallback, t->verify, t->chain,
                    t->version_skip, t->harmless, t->undetected + t->use_silent, t->unnamed,
                    1e6 * t->cpu / (double)t->flips);
        }
    fprintf(to, "  hashed regions: %ld flips, %ld detected (%.2f%%)\n", c->hashed_flips,
            c->hashed_detected,
            c->hashed_flips ? 100.0 * (double)c->hashed_detected / (double)c->hashed_flips : 100.0);
}

static void run_census(image *im)
{
    map_segments(im);
    census *c = calloc(1, sizeof *c);
    uint8_t *buf = malloc(im->len);
    memcpy(buf, im->bytes, im->len);
    clock_t t0 = clock();
    int seen[C_COUNT] = {0};
    for (int i = 0; i < im->nseg; i++) {
        const seg *g = &im->segs[i];
        int cat = g->cat, th = g_full || seen[cat]++ == 0;
        size_t end = (size_t)(g->off + 64 + g->payload);
        if (end > im->len)
            end = im->len;
        flip_range(im, buf, g, cat, R_HEADER, (size_t)g->off, (size_t)g->off + 64, th, c);
        flip_range(im, buf, g, cat, R_PAYLOAD, (size_t)g->off + 64, end, th, c);
        size_t pend = (size_t)(g->off + g->span);
        if (pend > end)
            flip_range(im, buf, g, C_PAD, R_PAD, end, pend < im->len ? pend : im->len, th, c);
    }
    /* whatever follows the last segment (the reference's tail) */
    if (im->nseg) {
        const seg *g = &im->segs[im->nseg - 1];
        size_t tail = (size_t)(g->off + g->span);
        if (tail < im->len)
            flip_range(im, buf, g, C_OTHER, R_PAYLOAD, tail, im->len, 1, c);
    }
    CHECK_MEM(buf, im->bytes, im->len); /* every flip was undone */
    print_table(im, c, stdout);
    printf("  %.1f s cpu\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    const char *sp = getenv("RVF_SUMMARY");
    FILE *sf = sp && *sp ? fopen(sp, "a") : NULL;
    if (sf) {
        print_table(im, c, sf);
        fclose(sf);
    }
    long undetected = 0, unnamed = 0;
    for (int k = 0; k < C_COUNT; k++)
        for (int r = 0; r < R_COUNT; r++) {
            undetected += c->t[k][r].undetected + c->t[k][r].use_silent;
            unnamed += c->t[k][r].unnamed;
        }
    rvf_test_checks += 3;
    if (!im->reference) {
        if (c->hashed_detected != c->hashed_flips)
            RVF_FAIL_AT("%s: %ld of %ld flips in hashed regions went undetected", im->name,
                        c->hashed_flips - c->hashed_detected, c->hashed_flips);
        if (undetected)
            RVF_FAIL_AT("%s: %ld flips changed what a reader sees without detection", im->name,
                        undetected);
        if (unnamed)
            RVF_FAIL_AT("%s: %ld detected flips did not name their segment", im->name, unnamed);
    }
    free(buf);
    free(c);
}

static void test_census_f32(void)
{
    image im;
    build_f32(&im);
    run_census(&im);
    free(im.bytes);
}

static void test_census_f16(void)
{
    image im;
    build_f16(&im);
    run_census(&im);
    free(im.bytes);
}

static void test_census_reference(void)
{
    image im;
    if (!load_reference(&im, "small_dim4_l2.rvf")) {
        printf("  SKIP reference-dialect census: RVF_SHARED/corpus not present\n");
        return;
    }
    run_census(&im);
    free(im.bytes);
}

int main(void)
{
    const char *f = getenv("RVF_CENSUS_FULL");
    g_full = f && *f && *f != '0';
#if defined(__SANITIZE_ADDRESS__)
    /* under AddressSanitizer (`make test` runs the native suite there too) a lighter sample */
    g_edge = 16;
    g_stride = 61;
#endif
    RVF_TEST_RUN(test_census_f32);
    RVF_TEST_RUN(test_census_f16);
    RVF_TEST_RUN(test_census_reference);
    return rvf_test_finish();
}

/* test_refdialect.c: the reference runtime's dialect (rvf_refdialect.c). Every corpus file written
 * by @ruvector/rvf-node or the upstream examples loads, matches its JSON sidecar (dimension,
 * metric, live count, identity, directory, query answers) or the census of FORMAT.md's sources;
 * every rejection returns its precise status; rvf_ref_export writes the reference's bytes. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>

#include "rvf_internal.h"
#include "rvf_test.h"

/* ---- files and a recording io ---------------------------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc(n > 0 ? (size_t)n : 1);
    if (d && n > 0 && fread(d, 1, (size_t)n, f) != (size_t)n) {
        free(d);
        d = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return d;
}

/* In-memory io that checks the writer's discipline: appends only, counts syncs. */
typedef struct recio {
    rvf_io io;
    uint8_t *data;
    size_t len, cap;
    int syncs, non_append;
    size_t synced_len; /* length at the first sync */
} recio;

static rvf_status rec_read(rvf_io *io, uint64_t off, void *dst, size_t n)
{
    recio *r = (recio *)io;
    if (off > r->len || r->len - off < n)
        return RVF_ERR_TRUNCATED_SEGMENT;
    memcpy(dst, r->data + off, n);
    io->bytes_read += n;
    return RVF_OK;
}
static rvf_status rec_write(rvf_io *io, uint64_t off, const void *src, size_t n)
{
    recio *r = (recio *)io;
    if (off != r->len)
        r->non_append++;
    if (off + n > r->cap) {
        size_t cap = (size_t)(off + n) * 2;
        uint8_t *d = realloc(r->data, cap);
        if (!d)
            return RVF_ERR_OUT_OF_MEMORY;
        r->data = d;
        r->cap = cap;
    }
    memcpy(r->data + off, src, n);
    if (off + n > r->len)
        r->len = (size_t)(off + n);
    return RVF_OK;
}
static rvf_status rec_sync(rvf_io *io)
{
    recio *r = (recio *)io;
    if (!r->syncs++)
        r->synced_len = r->len;
    return RVF_OK;
}
static uint64_t rec_size(rvf_io *io)
{
    return ((recio *)io)->len;
}
static const uint8_t *rec_map(rvf_io *io, uint64_t off, size_t n)
{
    recio *r = (recio *)io;
    return off <= r->len && r->len - off >= n ? r->data + off : NULL;
}
/* A read-only io over bytes; with_map selects the zero-copy path of the loader. */
static void rec_init(recio *r, const void *bytes, size_t len, bool with_map)
{
    memset(r, 0, sizeof *r);
    r->io.read = rec_read;
    r->io.write = rec_write;
    r->io.sync = rec_sync;
    r->io.size = rec_size;
    r->io.map = with_map ? rec_map : NULL;
    if (len) {
        r->data = malloc(len);
        memcpy(r->data, bytes, len);
        r->len = r->cap = len;
    }
}

/* ---- a minimal JSON reader for the sidecars ------------------------------------------------- */

typedef struct jv {
    char t; /* o a s n b z */
    double num;
    char *str;
    size_t n;
    struct jv *items;
    char **keys;
} jv;

static void jskip(const char **s)
{
    while (**s == ' ' || **s == '\n' || **s == '\r' || **s == '\t')
        (*s)++;
}

static char *jstring(const char **s)
{
    size_t cap = 16, n = 0;
    char *out = malloc(cap);
    (*s)++; /* opening quote */
    while (**s && **s != '"') {
        char c = *(*s)++;
        if (c == '\\') {
            c = *(*s)++;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c == 'u') { /* only ASCII matters here */
                c = (char)strtol((char[]){(*s)[0], (*s)[1], (*s)[2], (*s)[3], 0}, NULL, 16);
                *s += 4;
            }
        }
        if (n + 2 > cap)
            out = realloc(out, cap *= 2);
        out[n++] = c;
    }
    if (**s)
        (*s)++;
    out[n] = 0;
    return out;
}

static bool jparse(const char **s, jv *v)
{
    memset(v, 0, sizeof *v);
    jskip(s);
    char c = **s;
    if (c == '{' || c == '[') {
        v->t = c == '{' ? 'o' : 'a';
        (*s)++;
        size_t cap = 0;
        for (;;) {
            jskip(s);
            if (**s == (c == '{' ? '}' : ']')) {
                (*s)++;
                return true;
            }
            if (v->n == cap) {
                cap = cap ? 2 * cap : 8;
                v->items = realloc(v->items, cap * sizeof *v->items);
                if (c == '{')
                    v->keys = realloc(v->keys, cap * sizeof *v->keys);
            }
            if (c == '{') {
                if (**s != '"')
                    return false;
                v->keys[v->n] = jstring(s);
                jskip(s);
                if (*(*s)++ != ':')
                    return false;
            }
            if (!jparse(s, &v->items[v->n++]))
                return false;
            jskip(s);
            if (**s == ',')
                (*s)++;
        }
    }
    if (c == '"') {
        v->t = 's';
        v->str = jstring(s);
        return true;
    }
    if (!strncmp(*s, "true", 4) || !strncmp(*s, "false", 5)) {
        v->t = 'b';
        v->num = **s == 't';
        *s += **s == 't' ? 4 : 5;
        return true;
    }
    if (!strncmp(*s, "null", 4)) {
        v->t = 'z';
        *s += 4;
        return true;
    }
    char *end;
    v->t = 'n';
    v->num = strtod(*s, &end);
    if (end == *s)
        return false;
    *s = end;
    return true;
}

static void jfree(jv *v)
{
    for (size_t i = 0; i < v->n; i++) {
        jfree(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

static const jv *jget(const jv *o, const char *key)
{
    if (!o || o->t != 'o')
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key))
            return &o->items[i];
    return NULL;
}
static double jnum(const jv *v, double dflt)
{
    return v && (v->t == 'n' || v->t == 'b') ? v->num : dflt;
}
/* A non-negative integer, or UINT64_MAX when absent (never a cast of a negative double). */
static uint64_t ju(const jv *v)
{
    return v && v->t == 'n' && v->num >= 0 && v->num < 1.8e19 ? (uint64_t)v->num : UINT64_MAX;
}
static const char *jstr(const jv *v)
{
    return v && v->t == 's' ? v->str : "";
}

/* ---- a sink that collects what the loader reports ------------------------------------------ */

typedef struct rec_vec {
    uint64_t id;
    size_t seq, off;
    uint32_t dim;
} rec_vec;

typedef struct coll {
    rvf_segment_info *segs;
    size_t nsegs;
    rec_vec *vecs;
    size_t nvecs;
    float *f;
    size_t nf;
    uint64_t *del;
    size_t ndel;
    size_t segs_cap, vecs_cap, f_cap, del_cap;
    int order_errors; /* a segment reported after the deletions, etc. */
    int stop_after;   /* >0: return an error from the stop_after-th vector call */
} coll;

/* Geometric growth: the corpus has 10^4 vectors, a realloc per vector is quadratic. */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    *cap = need * 2;
    p = realloc(p, *cap * size);
    if (!p)
        abort();
    return p;
}

static rvf_status coll_segment(void *ctx, const rvf_segment_info *s)
{
    coll *c = ctx;
    if (c->ndel)
        c->order_errors++;
    c->segs = grow(c->segs, &c->segs_cap, c->nsegs + 1, sizeof *c->segs);
    c->segs[c->nsegs++] = *s;
    return RVF_OK;
}
static rvf_status coll_vector(void *ctx, uint64_t id, const float *v, uint32_t dim)
{
    coll *c = ctx;
    if (c->ndel)
        c->order_errors++;
    if (c->stop_after && (int)c->nvecs + 1 == c->stop_after)
        return RVF_ERR_IO_ERROR;
    c->vecs = grow(c->vecs, &c->vecs_cap, c->nvecs + 1, sizeof *c->vecs);
    c->vecs[c->nvecs] = (rec_vec){id, c->nvecs, c->nf, dim};
    c->nvecs++;
    c->f = grow(c->f, &c->f_cap, c->nf + dim + 1, sizeof *c->f);
    memcpy(c->f + c->nf, v, dim * sizeof *v);
    c->nf += dim;
    return RVF_OK;
}
static rvf_status coll_deleted(void *ctx, uint64_t id)
{
    coll *c = ctx;
    c->del = grow(c->del, &c->del_cap, c->ndel + 1, sizeof *c->del);
    c->del[c->ndel++] = id;
    return RVF_OK;
}
static void coll_free(coll *c)
{
    free(c->segs);
    free(c->vecs);
    free(c->f);
    free(c->del);
    memset(c, 0, sizeof *c);
}
static rvf_ref_sink coll_sink(coll *c)
{
    return (rvf_ref_sink){c, coll_segment, coll_vector, coll_deleted};
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}
static int cmp_idseq(const void *a, const void *b)
{
    const rec_vec *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The reference's in-memory state: a later vector with the same id replaces the earlier one,
 * the manifest's deleted ids are removed. Returns the live records (sorted by id) and sets
 * *distinct to the number of distinct ids stored. */
static rec_vec *coll_live(coll *c, size_t *nlive, size_t *distinct)
{
    if (c->nvecs)
        qsort(c->vecs, c->nvecs, sizeof *c->vecs, cmp_idseq);
    if (c->ndel)
        qsort(c->del, c->ndel, sizeof *c->del, cmp_u64);
    rec_vec *live = malloc((c->nvecs + 1) * sizeof *live);
    size_t n = 0, d = 0;
    for (size_t i = 0; i < c->nvecs; i++) {
        if (i + 1 < c->nvecs && c->vecs[i + 1].id == c->vecs[i].id)
            continue;
        d++;
        if (!c->ndel || !bsearch(&c->vecs[i].id, c->del, c->ndel, sizeof *c->del, cmp_u64))
            live[n++] = c->vecs[i];
    }
    *nlive = n;
    *distinct = d;
    return live;
}

/* ---- segment walking and hash checks ------------------------------------------------------- */

/* Every segment header found by walking from offset 0 (the corpus files are packed); its
 * stored hash must be the reference's rotated CRC-32 (or not, where the sidecar's physical list
 * says so: the rvf-wasm export leaves hashes zero), and match the physical list when given.
 * Returns the number of segments, or -1 when the walk does not end exactly at EOF. */
static long walk_and_verify(const uint8_t *d, size_t len, const char *name, const jv *phys)
{
    long n = 0;
    size_t off = 0;
    while (off < len) {
        if (len - off < 64 || rvfk_ld_u32(d + off) != RVF_SEGMENT_MAGIC)
            return -1;
        uint64_t plen = rvfk_ld_u64(d + off + 0x10);
        if (plen > len - off - 64)
            return -1;
        uint8_t h[16];
        rvf_ref_content_hash(d + off + 64, (size_t)plen, h);
        bool want = true;
        if (phys) {
            const jv *e = (size_t)n < phys->n ? &phys->items[n] : NULL;
            want = jnum(jget(e, "content_hash_is_rotated_crc32_ieee"), 0) != 0;
            CHECK_EQ_U64(off, ju(jget(e, "offset")));
            CHECK_EQ_U64(plen, ju(jget(e, "payload_length")));
            CHECK_EQ_U64(d[off + 5], ju(jget(e, "type")));
            CHECK_EQ_U64(rvfk_ld_u64(d + off + 8), ju(jget(e, "seg_id")));
        }
        rvf_test_checks++;
        if ((memcmp(h, d + off + 0x28, 16) == 0) != want)
            RVF_FAIL_AT("%s: segment at %zu: content hash is%s the rotated CRC-32", name, off,
                        want ? " not" : "");
        off += 64 + (size_t)plen;
        n++;
    }
    return n;
}

static const char *seg_type_name(uint8_t t)
{
    switch (t) {
    case 0x01:
        return "vec";
    case 0x02:
        return "index";
    case 0x04:
        return "journal";
    case 0x05:
        return "manifest";
    case 0x0A:
        return "witness";
    case 0x0E:
        return "kernel";
    case 0x0F:
        return "ebpf";
    case 0x10:
        return "wasm";
    case 0x11:
        return "dashboard";
    case 0x20:
        return "cow_map";
    case 0x22:
        return "membership";
    default:
        return "?";
    }
}

static int metric_code(const char *name)
{
    if (!strcmp(name, "l2"))
        return 0;
    if (!strcmp(name, "inner_product"))
        return 1;
    if (!strcmp(name, "cosine"))
        return 2;
    return -1;
}

static void hex16(const uint8_t b[16], char out[33])
{
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Load through rvf_io_file_open (read path, no map) and through a view (map path); both must
 * report the same. Returns the status of the file load; *c and *info hold its result. */
static rvf_status load_both(const char *path, const uint8_t *bytes, size_t len, coll *c,
                            rvf_ref_info *info)
{
    rvf_io *io = NULL;
    rvf_status st = rvf_io_file_open(path, RVF_IO_READ, &io);
    CHECK_EQ_INT(st, RVF_OK);
    if (st != RVF_OK)
        return st;
    memset(info, 0xA5, sizeof *info);
    rvf_ref_sink sink = coll_sink(c);
    st = rvf_ref_load(io, info, &sink);
    io->close(io);

    recio m;
    rec_init(&m, bytes, len, true);
    coll c2 = {0};
    rvf_ref_info info2;
    memset(&info2, 0x5A, sizeof info2);
    rvf_ref_sink sink2 = coll_sink(&c2);
    CHECK_EQ_INT(rvf_ref_load(&m.io, &info2, &sink2), st);
    if (st == RVF_OK) {
        CHECK_EQ_INT(info->epoch, info2.epoch);
        CHECK_EQ_INT(info->dimension, info2.dimension);
        CHECK_EQ_INT(info->metric, info2.metric);
        CHECK_EQ_U64(info->total_vectors, info2.total_vectors);
        CHECK_EQ_U64(info->manifest_offset, info2.manifest_offset);
        CHECK_EQ_INT(info->seg_count, info2.seg_count);
        CHECK_MEM(info->file_id, info2.file_id, 16);
        CHECK_EQ_U64(c->nvecs, c2.nvecs);
        CHECK_EQ_U64(c->nf, c2.nf);
        CHECK_EQ_U64(c->nsegs, c2.nsegs);
        if (c->nf && c->nf == c2.nf)
            CHECK(!memcmp(c->f, c2.f, c->nf * sizeof(float)));
    }
    coll_free(&c2);
    free(m.data);
    return st;
}

/* ---- queries ------------------------------------------------------------------------------- */

typedef struct hit {
    uint64_t id;
    float dist;
} hit;
static int cmp_hit(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

#define DIST_ABS 1e-6
#define DIST_REL 1e-5

static void check_queries(const char *name, const jv *side, const coll *c, const rec_vec *live,
                          size_t nlive, uint32_t dim, int metric)
{
    const jv *qs = jget(jget(side, "queries"), "vectors");
    const jv *ans = jget(side, "reference_answers_after_reopen_readonly");
    if (!ans)
        ans = jget(side, "reference_answers_live");
    if (!qs || !ans)
        return;
    /* The reference answers dim128_n10000 with its HNSW graph (recall 0.95): there the exact
     * answers are the yardstick and the reference's may only be worse. */
    bool approx = jnum(jget(side, "recall_at_10_reopen_vs_exact"), 1) < 1;
    const jv *exact = jget(side, "exact_answers_f64");
    CHECK(!approx || exact);
    if (approx && !exact)
        return;
    size_t k = (size_t)jnum(jget(jget(side, "queries"), "k"), 10);
    CHECK_EQ_U64(qs->n, ans->n);
    hit *h = malloc((nlive + 1) * sizeof *h);
    float *q = malloc((dim + 1) * sizeof *q);
    for (size_t qi = 0; qi < qs->n && qi < ans->n; qi++) {
        CHECK_EQ_U64(qs->items[qi].n, dim);
        if (qs->items[qi].n != dim)
            continue;
        for (uint32_t d = 0; d < dim; d++)
            q[d] = (float)qs->items[qi].items[d].num;
        for (size_t i = 0; i < nlive; i++)
            h[i] = (hit){live[i].id, rvfk_dist_f32((rvf_metric)metric, q, c->f + live[i].off, dim)};
        qsort(h, nlive, sizeof *h, cmp_hit);
        size_t want = nlive < k ? nlive : k;
        const jv *ref = &ans->items[qi];
        const jv *yard = approx ? &exact->items[qi] : ref;
        CHECK_EQ_U64(yard->n, want);
        for (size_t i = 0; i < yard->n && i < want; i++) {
            uint64_t id = ju(jget(&yard->items[i], "id"));
            double dist = jnum(jget(&yard->items[i], "distance"), NAN);
            rvf_test_checks++;
            if (h[i].id != id)
                RVF_FAIL_AT("%s query %zu rank %zu: id %llu, reference %llu", name, qi, i,
                            (unsigned long long)h[i].id, (unsigned long long)id);
            CHECK_NEAR(h[i].dist, dist, DIST_ABS, DIST_REL);
            if (i > 0) { /* equal distances ordered by id, in the reference's answer too */
                double pd = jnum(jget(&yard->items[i - 1], "distance"), NAN);
                uint64_t pid = ju(jget(&yard->items[i - 1], "id"));
                CHECK(pd < dist || pid < id);
            }
        }
        if (approx) { /* every reference hit has our distance; it is never better than ours */
            for (size_t i = 0; i < ref->n; i++) {
                uint64_t id = ju(jget(&ref->items[i], "id"));
                double dist = jnum(jget(&ref->items[i], "distance"), NAN);
                size_t j = 0;
                while (j < nlive && h[j].id != id)
                    j++;
                CHECK(j < nlive);
                if (j < nlive)
                    CHECK_NEAR(h[j].dist, dist, DIST_ABS, DIST_REL);
                if (i < want)
                    CHECK(h[i].dist <= dist + DIST_ABS + DIST_REL * fabs(dist));
            }
        }
    }
    free(h);
    free(q);
}

/* ---- corpus: reference-written files with sidecars ----------------------------------------- */

static const char *shared_dir(void)
{
    const char *s = getenv("RVF_SHARED");
    struct stat sb;
    return s && stat(s, &sb) == 0 ? s : NULL;
}

static void check_sidecar_file(const char *dir, const char *name)
{
    char path[2048], jpath[2100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(jpath, sizeof jpath, "%s.json", path);
    size_t len = 0, jlen = 0;
    uint8_t *bytes = slurp(path, &len);
    char *json = (char *)slurp(jpath, &jlen);
    CHECK(bytes != NULL);
    if (!bytes) {
        free(json);
        return;
    }
    jv side = {0};
    if (json) {
        json = realloc(json, jlen + 1);
        json[jlen] = 0;
        const char *s = json;
        CHECK(jparse(&s, &side));
    }
    const jv *after = jget(&side, "reference_state_after_reopen");
    const jv *status = jget(after, "status");
    const jv *phys = jget(jget(&side, "physical"), "segments");

    coll c = {0};
    rvf_ref_info info;
    CHECK_EQ_INT(walk_and_verify(bytes, len, name, phys), phys ? (long)phys->n : -2);
    rvf_status st = load_both(path, bytes, len, &c, &info);
    rvf_io *io = NULL;
    if (rvf_io_file_open(path, RVF_IO_READ, &io) == RVF_OK) {
        CHECK_EQ_INT(rvf_ref_detect(io), jget(after, "open_error") == NULL);
        io->close(io);
    }
    if (jget(after, "open_error")) {
        /* the rvf-wasm export: its manifest is not the runtime's, the reference refuses it */
        CHECK_EQ_INT(st, RVF_ERR_MANIFEST_NOT_FOUND);
        goto out;
    }
    CHECK_EQ_INT(st, RVF_OK);
    if (st != RVF_OK) {
        fprintf(stderr, "  %s: %s\n", name, rvf_strerror(st));
        goto out;
    }
    CHECK_EQ_INT(c.order_errors, 0);
    CHECK_EQ_INT(info.dimension, jnum(jget(jget(&side, "options"), "dimension"), -1));
    CHECK_EQ_INT(info.dimension, jnum(jget(after, "dimension"), -1));
    CHECK_EQ_INT(info.metric, metric_code(jstr(jget(jget(&side, "options"), "metric"))));
    CHECK_EQ_INT(info.metric, metric_code(jstr(jget(after, "metric"))));
    CHECK_EQ_INT(info.epoch, jnum(jget(status, "currentEpoch"), -1));
    CHECK_EQ_INT(info.profile_id, jnum(jget(status, "profileId"), -1));
    CHECK(info.has_identity);
    char hex[33];
    hex16(info.file_id, hex);
    CHECK(!strcmp(hex, jstr(jget(after, "file_id"))));
    hex16(info.parent_id, hex);
    CHECK(!strcmp(hex, jstr(jget(after, "parent_id"))));
    CHECK_EQ_INT(info.lineage_depth, jnum(jget(after, "lineage_depth"), -1));

    size_t nlive, distinct;
    rec_vec *live = coll_live(&c, &nlive, &distinct);
    CHECK_EQ_U64(nlive, ju(jget(status, "totalVectors")));
    if (jget(&side, "live_ids_count"))
        CHECK_EQ_U64(nlive, ju(jget(&side, "live_ids_count")));
    CHECK_EQ_U64(info.total_vectors, distinct); /* distinct ids stored, deleted ones included */
    for (size_t i = 0; i < nlive; i++)
        CHECK_EQ_INT(live[i].dim, info.dimension);

    /* the directory is what segments() lists; the newest manifest is the last in the file */
    const jv *api = jget(after, "segments_api");
    CHECK_EQ_U64(info.seg_count, c.nsegs);
    CHECK_EQ_U64(c.nsegs, ju(jget(status, "totalSegments")));
    CHECK(api && api->n == c.nsegs);
    for (size_t i = 0; api && i < api->n && i < c.nsegs; i++) {
        const jv *e = &api->items[i];
        CHECK_EQ_U64(c.segs[i].segment_id, ju(jget(e, "id")));
        CHECK_EQ_U64(c.segs[i].offset, ju(jget(e, "offset")));
        CHECK_EQ_U64(c.segs[i].payload_length, ju(jget(e, "payloadLength")));
        CHECK(!strcmp(seg_type_name(c.segs[i].seg_type), jstr(jget(e, "segType"))));
    }
    uint64_t last_manifest = UINT64_MAX;
    for (size_t i = 0; phys && i < phys->n; i++)
        if (jnum(jget(&phys->items[i], "type"), -1) == RVF_SEG_MANIFEST)
            last_manifest = ju(jget(&phys->items[i], "offset"));
    CHECK_EQ_U64(info.manifest_offset, last_manifest);

    check_queries(name, &side, &c, live, nlive, info.dimension, info.metric);
    free(live);
out:
    coll_free(&c);
    jfree(&side);
    free(json);
    free(bytes);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.rvf names of a directory, sorted; NULL-terminated. */
static char **list_rvf(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    char **names = calloc(1, sizeof *names);
    if (!d)
        return names;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".rvf")) {
            names = realloc(names, (n + 2) * sizeof *names);
            names[n++] = strdup(e->d_name);
            names[n] = NULL;
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return names;
}
static void free_list(char **names)
{
    for (char **p = names; *p; p++)
        free(*p);
    free(names);
}

static void test_reference_written(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/corpus/reference-written", shared_dir());
    char **names = list_rvf(dir);
    int n = 0;
    for (char **p = names; *p; p++, n++)
        check_sidecar_file(dir, *p);
    CHECK(n >= 11);
    free_list(names);
}

/* ---- corpus: upstream examples (no sidecars; census of wire-as-implemented.md §18.1) --------- */

static const struct census {
    const char *name;
    size_t bytes;
    int segs, dim, live, depth;
} census[] = {
    {"access_control.rvf", 78444, 3, 128, 150, 0},
    {"agent_handoff_a.rvf", 31404, 3, 256, 30, 0},
    {"agent_handoff_b.rvf", 10764, 3, 256, 10, 1},
    {"agent_memory.rvf", 32118, 7, 256, 30, 0},
    {"basic_store.rvf", 154844, 3, 384, 100, 0},
    {"browser_wasm.rvf", 13644, 3, 64, 50, 0},
    {"claude_code_appliance_v1.rvf", 162, 1, 128, 0, 1},
    {"compacted.rvf", 78257, 2, 128, 150, 0},
    {"dedup_detector.rvf", 156444, 3, 128, 300, 0},
    {"ebpf_accelerator.rvf", 156514, 5, 384, 100, 0},
    {"edge_iot.rvf", 27644, 3, 32, 200, 0},
    {"embedding_cache.rvf", 772444, 3, 384, 500, 0},
    {"experience_replay.rvf", 26844, 3, 64, 100, 0},
    {"filtered_search.rvf", 260444, 3, 128, 500, 0},
    {"financial_signals.rvf", 206844, 3, 256, 200, 0},
    {"hyperbolic_taxonomy.rvf", 22884, 3, 64, 85, 0},
    {"legal_discovery.rvf", 924444, 3, 768, 300, 0},
    {"lineage_child.rvf", 26444, 3, 128, 50, 1},
    {"lineage_parent.rvf", 52444, 3, 128, 100, 0},
    {"linux_microkernel.rvf", 14370, 5, 64, 20, 0},
    {"mcp_in_rvf.rvf", 32010, 7, 128, 50, 0},
    {"medical_imaging.rvf", 308844, 3, 512, 150, 0},
    {"multimodal_fusion.rvf", 822844, 3, 512, 400, 0},
    {"network_sync_a.rvf", 52444, 3, 128, 100, 0},
    {"network_sync_b.rvf", 52444, 3, 128, 100, 0},
    {"network_telemetry.rvf", 16284, 3, 64, 60, 0},
    {"posix_fileops.rvf", 52444, 3, 128, 100, 0},
    {"postgres_bridge.rvf", 154844, 3, 384, 100, 0},
    {"progressive_index.rvf", 2600444, 3, 128, 5000, 0},
    {"quantization.rvf", 1544444, 3, 384, 1000, 0},
    {"rag_pipeline.rvf", 310044, 3, 256, 300, 0},
    {"reasoning_child.rvf", 8244, 3, 128, 15, 1},
    {"reasoning_grandchild.rvf", 162, 1, 128, 0, 2},
    {"reasoning_parent.rvf", 5644, 3, 128, 10, 0},
    {"recommendation.rvf", 104444, 3, 128, 200, 0},
    {"ruvbot.rvf", 52044, 3, 256, 50, 0},
    {"ruvllm_inference.rvf", 135612, 3, 64, 512, 0},
    {"sealed_engine.rvf", 212474, 7, 256, 200, 0},
    {"self_booting.rvf", 30994, 5, 128, 50, 0},
    {"semantic_search.rvf", 772444, 3, 384, 500, 0},
    {"serverless.rvf", 520444, 3, 128, 1000, 0},
    {"swarm_knowledge.rvf", 87728, 11, 256, 83, 0},
    {"tee_attestation.rvf", 103644, 3, 256, 100, 0},
    {"tool_cache.rvf", 26444, 3, 128, 50, 0},
    {"zero_knowledge.rvf", 52444, 3, 128, 100, 0},
};

static void test_upstream_examples(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/corpus/upstream-examples", shared_dir());
    char **names = list_rvf(dir);
    size_t n = 0;
    for (char **p = names; *p; p++, n++) {
        const struct census *cs = NULL;
        for (size_t i = 0; i < sizeof census / sizeof *census; i++)
            if (!strcmp(census[i].name, *p))
                cs = &census[i];
        rvf_test_checks++;
        if (!cs) {
            RVF_FAIL_AT("%s is not in the census", *p);
            continue;
        }
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, *p);
        size_t len = 0;
        uint8_t *bytes = slurp(path, &len);
        CHECK_EQ_U64(len, cs->bytes);
        CHECK_EQ_INT(walk_and_verify(bytes, len, *p, NULL), cs->segs);
        coll c = {0};
        rvf_ref_info info;
        rvf_status st = load_both(path, bytes, len, &c, &info);
        CHECK_EQ_INT(st, RVF_OK);
        if (st == RVF_OK) {
            size_t nlive, distinct;
            rec_vec *live = coll_live(&c, &nlive, &distinct);
            CHECK_EQ_INT(info.dimension, cs->dim);
            CHECK_EQ_U64(nlive, cs->live);
            CHECK_EQ_INT(info.lineage_depth, cs->depth);
            CHECK(info.has_identity);
            CHECK_EQ_INT(info.metric, 0); /* written before the metric byte existed */
            for (size_t i = 0; i < nlive; i++)
                CHECK_EQ_INT(live[i].dim, cs->dim);
            free(live);
        }
        coll_free(&c);
        free(bytes);
    }
    CHECK_EQ_U64(n, sizeof census / sizeof *census);
    free_list(names);
}

/* ---- hand-built files ---------------------------------------------------------------------- */

typedef struct fbuf {
    uint8_t *d;
    size_t n;
} fbuf;

static uint64_t fb_seg(fbuf *f, uint8_t type, uint64_t id, const uint8_t *p, size_t len)
{
    uint64_t at = f->n;
    f->d = realloc(f->d, f->n + 64 + len + 1);
    uint8_t *h = f->d + f->n;
    memset(h, 0, 64);
    rvfk_st_u32(h, RVF_SEGMENT_MAGIC);
    h[4] = 1;
    h[5] = type;
    rvfk_st_u64(h + 8, id);
    rvfk_st_u64(h + 0x10, len);
    rvf_ref_content_hash(p, len, h + 0x28);
    if (len)
        memcpy(h + 64, p, len);
    f->n += 64 + len;
    return at;
}
static void fb_bytes(fbuf *f, const void *p, size_t len)
{
    f->d = realloc(f->d, f->n + len + 1);
    memcpy(f->d + f->n, p, len);
    f->n += len;
}

static size_t vec_payload(uint8_t *out, uint16_t dim, uint32_t count, const uint64_t *ids,
                          const float *rows)
{
    rvfk_st_u16(out, dim);
    rvfk_st_u32(out + 2, count);
    size_t o = 6;
    for (uint32_t i = 0; i < count; i++) {
        rvfk_st_u64(out + o, ids[i]);
        o += 8;
        for (uint16_t d = 0; d < dim; d++, o += 4)
            rvfk_st_f32(out + o, rows[i * dim + d]);
    }
    return o;
}

typedef struct dirent25 {
    uint64_t id, off, len;
    uint8_t type;
} dirent25;

static size_t manifest_payload(uint8_t *out, uint32_t epoch, uint16_t dim, uint64_t total,
                               uint8_t metric, const dirent25 *dir, uint32_t ndir,
                               const uint64_t *del, uint32_t ndel, const uint8_t *file_id)
{
    memset(out, 0, 22);
    rvfk_st_u32(out, epoch);
    rvfk_st_u16(out + 4, dim);
    rvfk_st_u64(out + 6, total);
    rvfk_st_u32(out + 14, ndir);
    out[19] = metric;
    size_t o = 22;
    for (uint32_t i = 0; i < ndir; i++, o += 25) {
        rvfk_st_u64(out + o, dir[i].id);
        rvfk_st_u64(out + o + 8, dir[i].off);
        rvfk_st_u64(out + o + 16, dir[i].len);
        out[o + 24] = dir[i].type;
    }
    rvfk_st_u32(out + o, ndel);
    o += 4;
    for (uint32_t i = 0; i < ndel; i++, o += 8)
        rvfk_st_u64(out + o, del[i]);
    if (file_id) {
        rvfk_st_u32(out + o, 0x46494449u);
        memset(out + o + 4, 0, 68);
        memcpy(out + o + 4, file_id, 16);
        rvfk_st_u32(out + o + 4 + 64, 3); /* lineage depth */
        o += 72;
    }
    return o;
}

/* A store as the reference grows it: M1, V(a), M(epoch 1), V(b), M(epoch 2, one deletion),
 * with an unknown segment type and an INDEX between. Segment ids repeat on purpose. */
static const uint8_t test_fid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static fbuf build_store(uint64_t *m2_off, uint64_t *m3_off)
{
    fbuf f = {0};
    uint8_t p[4096];
    size_t n = manifest_payload(p, 0, 3, 0, 1, NULL, 0, NULL, 0, test_fid);
    uint64_t m1 = fb_seg(&f, RVF_SEG_MANIFEST, 1, p, n);
    const uint64_t ida[] = {10, 11, 12};
    const float ra[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    n = vec_payload(p, 3, 3, ida, ra);
    uint64_t v1 = fb_seg(&f, RVF_SEG_VEC, 2, p, n);
    size_t v1len = n;
    dirent25 dir[6] = {{1, m1, 98, RVF_SEG_MANIFEST}, {2, v1, v1len, RVF_SEG_VEC}};
    n = manifest_payload(p, 1, 3, 3, 1, dir, 2, NULL, 0, test_fid);
    *m2_off = fb_seg(&f, RVF_SEG_MANIFEST, 3, p, n);
    dir[2] = (dirent25){3, *m2_off, n, RVF_SEG_MANIFEST};
    const uint64_t idb[] = {11, 13}; /* 11 replaces the first batch's vector */
    const float rb[] = {-1, -2, -3, -4, -5, -6};
    n = vec_payload(p, 3, 2, idb, rb);
    uint64_t v2 = fb_seg(&f, RVF_SEG_VEC, 3, p, n); /* id 3 again */
    dir[3] = (dirent25){3, v2, n, RVF_SEG_VEC};
    const uint8_t blob[] = "opaque";
    dir[4] = (dirent25){9, fb_seg(&f, 0x77, 9, blob, sizeof blob), sizeof blob, 0x77};
    dir[5] = (dirent25){10, fb_seg(&f, RVF_SEG_INDEX, 10, blob, 3), 3, RVF_SEG_INDEX};
    const uint64_t del[] = {12};
    n = manifest_payload(p, 2, 3, 4, 1, dir, 6, del, 1, test_fid);
    *m3_off = fb_seg(&f, RVF_SEG_MANIFEST, 11, p, n);
    return f;
}

static rvf_status load_bytes(const uint8_t *d, size_t n, bool with_map, rvf_ref_info *info, coll *c)
{
    recio m;
    rec_init(&m, d, n, with_map);
    rvf_ref_sink sink = coll_sink(c);
    rvf_status st = rvf_ref_load(&m.io, info, &sink);
    free(m.data);
    return st;
}

static void test_synthetic_store(void)
{
    uint64_t m2, m3;
    fbuf f = build_store(&m2, &m3);
    for (int with_map = 0; with_map < 2; with_map++) {
        coll c = {0};
        rvf_ref_info info;
        CHECK_EQ_INT(load_bytes(f.d, f.n, with_map, &info, &c), RVF_OK);
        CHECK_EQ_INT(info.epoch, 2);
        CHECK_EQ_INT(info.dimension, 3);
        CHECK_EQ_INT(info.metric, 1);
        CHECK_EQ_U64(info.total_vectors, 4);
        CHECK_EQ_U64(info.manifest_offset, m3);
        CHECK_EQ_INT(info.seg_count, 6);
        CHECK(info.has_identity);
        CHECK_MEM(info.file_id, test_fid, 16);
        CHECK_EQ_INT(info.lineage_depth, 3);
        CHECK_EQ_U64(c.nsegs, 6);
        CHECK_EQ_INT(c.segs[4].seg_type, 0x77);
        CHECK_EQ_INT(c.segs[5].seg_type, RVF_SEG_INDEX);
        CHECK_EQ_U64(c.segs[3].segment_id, 3);
        /* every vector in directory order, duplicates included; then the deletions */
        CHECK_EQ_U64(c.nvecs, 5);
        const uint64_t order[] = {10, 11, 12, 11, 13};
        for (size_t i = 0; i < 5 && i < c.nvecs; i++)
            CHECK_EQ_U64(c.vecs[i].id, order[i]);
        CHECK_EQ_BITS(c.f[9], -1.0f);
        CHECK_EQ_U64(c.ndel, 1);
        CHECK_EQ_U64(c.del[0], 12);
        CHECK_EQ_INT(c.order_errors, 0);
        coll_free(&c);
    }
    /* the sink may be NULL, and so may each callback and info */
    recio m;
    rec_init(&m, f.d, f.n, false);
    CHECK_EQ_INT(rvf_ref_load(&m.io, NULL, NULL), RVF_OK);
    rvf_ref_sink empty = {0};
    CHECK_EQ_INT(rvf_ref_load(&m.io, NULL, &empty), RVF_OK);
    CHECK(rvf_ref_detect(&m.io));
    free(m.data);
    /* a sink error stops the load and is returned */
    coll c = {.stop_after = 2};
    CHECK_EQ_INT(load_bytes(f.d, f.n, true, NULL, &c), RVF_ERR_IO_ERROR);
    CHECK_EQ_U64(c.nvecs, 1);
    coll_free(&c);

    /* truncated in the newest manifest: the previous one wins (epoch 1, first batch only) */
    for (size_t cut = m3 + 1; cut < f.n; cut += 7) {
        coll c2 = {0};
        rvf_ref_info info;
        CHECK_EQ_INT(load_bytes(f.d, cut, true, &info, &c2), RVF_OK);
        CHECK_EQ_INT(info.epoch, 1);
        CHECK_EQ_U64(info.manifest_offset, m2);
        CHECK_EQ_U64(c2.nvecs, 3);
        CHECK_EQ_U64(c2.ndel, 0);
        coll_free(&c2);
    }
    /* trailing garbage / zero fill after the manifest is tolerated */
    fbuf g = {0};
    fb_bytes(&g, f.d, f.n);
    uint8_t junk[300];
    memset(junk, 0, sizeof junk);
    memcpy(junk + 100, "SFVR\x01\x05", 6); /* a header with a payload past EOF */
    rvfk_st_u64(junk + 100 + 0x10, 500);
    fb_bytes(&g, junk, sizeof junk);
    c = (coll){0};
    rvf_ref_info info;
    CHECK_EQ_INT(load_bytes(g.d, g.n, false, &info, &c), RVF_OK);
    CHECK_EQ_U64(info.manifest_offset, m3);
    coll_free(&c);
    free(g.d);
    free(f.d);
}

/* Manifest tails the reference tolerates: no del_count, no FIDI, extra bytes, a del_count larger
 * than the ids present, a FIDI marker without its 68 bytes; and the 0.1.x metric byte 0. */
static void test_manifest_tails(void)
{
    uint8_t p[512];
    struct {
        size_t len; /* payload length to keep */
        uint32_t ndel_claim;
        size_t want_ndel;
        bool fidi;
    } cases[] = {
        {22, 0, 0, false},                 /* header only */
        {22 + 4, 0, 0, false},             /* del_count 0, no FIDI */
        {22 + 4 + 16, 5, 2, false},        /* claims 5 ids, 2 present */
        {22 + 4 + 16 + 40, 2, 2, false},   /* FIDI marker without 68 bytes */
        {22 + 4 + 16 + 72, 2, 2, true},    /* complete */
        {22 + 4 + 16 + 72 + 9, 2, 2, true} /* extra bytes ignored */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const uint64_t del[] = {7, 9};
        size_t full = manifest_payload(p, 4, 2, 0, 0, NULL, 0, del, 2, test_fid);
        CHECK_EQ_U64(full, 22 + 4 + 16 + 72);
        rvfk_st_u32(p + 22, cases[k].ndel_claim);
        memset(p + full, 0xEE, 16);
        fbuf f = {0};
        fb_seg(&f, RVF_SEG_MANIFEST, 1, p, cases[k].len);
        coll c = {0};
        rvf_ref_info info;
        CHECK_EQ_INT(load_bytes(f.d, f.n, true, &info, &c), RVF_OK);
        CHECK_EQ_INT(info.epoch, 4);
        CHECK_EQ_INT(info.metric, 0);
        CHECK_EQ_U64(c.ndel, cases[k].want_ndel);
        CHECK_EQ_INT(info.has_identity, cases[k].fidi);
        if (!cases[k].fidi)
            CHECK_EQ_INT(info.lineage_depth, 0);
        coll_free(&c);
        free(f.d);
    }
    /* seg_count beyond what the payload holds: not a manifest */
    size_t n = manifest_payload(p, 1, 2, 0, 0, NULL, 0, NULL, 0, NULL);
    rvfk_st_u32(p + 14, 1);
    fbuf f = {0};
    fb_seg(&f, RVF_SEG_MANIFEST, 1, p, n);
    coll c = {0};
    CHECK_EQ_INT(load_bytes(f.d, f.n, true, NULL, &c), RVF_ERR_MANIFEST_NOT_FOUND);
    free(f.d);
}

static void test_not_found(void)
{
    coll c = {0};
    CHECK_EQ_INT(load_bytes(NULL, 0, true, NULL, &c), RVF_ERR_MANIFEST_NOT_FOUND);
    uint8_t g[200000];
    rvf_test_rng r = {42};
    for (size_t i = 0; i < sizeof g; i++)
        g[i] = (uint8_t)rvf_test_next(&r);
    CHECK_EQ_INT(load_bytes(g, 63, false, NULL, &c), RVF_ERR_MANIFEST_NOT_FOUND);
    CHECK_EQ_INT(load_bytes(g, sizeof g, false, NULL, &c), RVF_ERR_MANIFEST_NOT_FOUND);
    CHECK_EQ_INT(load_bytes(g, sizeof g, true, NULL, &c), RVF_ERR_MANIFEST_NOT_FOUND);
    /* a candidate with a payload over 256 MiB, past EOF, or of a non-manifest type is skipped */
    memset(g, 0, 64);
    memcpy(g, "SFVR\x01\x05", 6);
    rvfk_st_u64(g + 0x10, 268435457u);
    CHECK_EQ_INT(load_bytes(g, 200, true, NULL, &c), RVF_ERR_MANIFEST_NOT_FOUND);
    g[5] = 0x01;
    rvfk_st_u64(g + 0x10, 30);
    CHECK_EQ_INT(load_bytes(g, 200, true, NULL, &c), RVF_ERR_MANIFEST_NOT_FOUND);
    recio m;
    rec_init(&m, g, sizeof g, true);
    CHECK(!rvf_ref_detect(&m.io));
    free(m.data);
    CHECK_EQ_U64(c.nsegs + c.nvecs + c.ndel, 0);
}

/* A manifest more than 64 KiB before EOF: beyond the reference's window, still found. */
static void test_beyond_window(void)
{
    uint64_t m2, m3;
    fbuf f = build_store(&m2, &m3);
    uint8_t *zeros = calloc(1, 200000);
    fb_bytes(&f, zeros, 200000);
    free(zeros);
    for (int with_map = 0; with_map < 2; with_map++) {
        coll c = {0};
        rvf_ref_info info;
        CHECK_EQ_INT(load_bytes(f.d, f.n, with_map, &info, &c), RVF_OK);
        CHECK_EQ_U64(info.manifest_offset, m3);
        CHECK_EQ_U64(c.nvecs, 5);
        coll_free(&c);
    }
    free(f.d);
}

/* VEC entries: bad magic, truncated, oversized, hash mismatch, zero hash, short payload. */
static void test_vec_rejections(void)
{
    uint64_t m2, m3;
    fbuf f = build_store(&m2, &m3);
    uint64_t v1 = 162; /* the first VEC follows the 98-byte create manifest */
    coll c = {0};
    rvf_ref_info info;

    f.d[v1 + 64 + 10] ^= 0x40; /* a vector byte */
    CHECK_EQ_INT(load_bytes(f.d, f.n, true, &info, &c), RVF_ERR_INVALID_CHECKSUM);
    CHECK_EQ_INT(load_bytes(f.d, f.n, false, &info, &c), RVF_ERR_INVALID_CHECKSUM);
    uint8_t saved[16];
    memcpy(saved, f.d + v1 + 0x28, 16);
    memset(f.d + v1 + 0x28, 0, 16); /* a zero hash is "not set": accepted unchecked */
    coll_free(&c);
    CHECK_EQ_INT(load_bytes(f.d, f.n, true, &info, &c), RVF_OK);
    CHECK_EQ_U64(c.nvecs, 5);
    memcpy(f.d + v1 + 0x28, saved, 16);
    f.d[v1 + 64 + 10] ^= 0x40;
    coll_free(&c);

    f.d[v1] ^= 1;
    CHECK_EQ_INT(load_bytes(f.d, f.n, true, &info, &c), RVF_ERR_INVALID_MAGIC);
    f.d[v1] ^= 1;
    /* version and flags are not checked */
    f.d[v1 + 4] = 2;
    f.d[v1 + 6] = 0x01;
    CHECK_EQ_INT(load_bytes(f.d, f.n, true, &info, &c), RVF_OK);
    coll_free(&c);

    rvfk_st_u64(f.d + v1 + 0x10, 268435457u);
    CHECK_EQ_INT(load_bytes(f.d, f.n, true, &info, &c), RVF_ERR_SEGMENT_TOO_LARGE);
    rvfk_st_u64(f.d + v1 + 0x10, f.n); /* past EOF */
    CHECK_EQ_INT(load_bytes(f.d, f.n, true, &info, &c), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(load_bytes(f.d, f.n, false, &info, &c), RVF_ERR_TRUNCATED_SEGMENT);
    coll_free(&c);
    free(f.d);

    /* a directory entry pointing past EOF */
    uint8_t p[512];
    dirent25 dir[1] = {{2, 5000, 10, RVF_SEG_VEC}};
    f = (fbuf){0};
    size_t n = manifest_payload(p, 1, 3, 0, 0, dir, 1, NULL, 0, test_fid);
    fb_seg(&f, RVF_SEG_MANIFEST, 1, p, n);
    CHECK_EQ_INT(load_bytes(f.d, f.n, true, &info, &c), RVF_ERR_TRUNCATED_SEGMENT);
    dir[0].off = UINT64_MAX - 10;
    free(f.d);
    f = (fbuf){0};
    fb_seg(&f, RVF_SEG_MANIFEST, 1, p, manifest_payload(p, 1, 3, 0, 0, dir, 1, NULL, 0, NULL));
    CHECK_EQ_INT(load_bytes(f.d, f.n, false, &info, &c), RVF_ERR_TRUNCATED_SEGMENT);
    coll_free(&c);
    free(f.d);

    /* payloads shorter than dim/count imply are skipped silently, the next VEC still loads;
     * a VEC with its own dim (not the manifest's) is parsed with that dim */
    f = (fbuf){0};
    const uint64_t ids[] = {1, 2};
    const float rows[] = {1, 2, 3, 4, 5, 6, 7, 8};
    n = vec_payload(p, 4, 2, ids, rows);
    rvfk_st_u32(p + 2, 3); /* claims 3 records */
    dirent25 d3[4];
    d3[0] = (dirent25){1, fb_seg(&f, RVF_SEG_VEC, 1, p, n), n, RVF_SEG_VEC};
    d3[1] = (dirent25){2, fb_seg(&f, RVF_SEG_VEC, 2, p, 5), 5, RVF_SEG_VEC}; /* < 6 bytes */
    n = vec_payload(p, 2, 2, ids, rows);
    d3[2] = (dirent25){3, fb_seg(&f, RVF_SEG_VEC, 3, p, n), n, RVF_SEG_VEC};
    n = vec_payload(p, 0, 1, ids, rows); /* dim 0: an id with an empty vector */
    d3[3] = (dirent25){4, fb_seg(&f, RVF_SEG_VEC, 4, p, n), n, RVF_SEG_VEC};
    n = manifest_payload(p, 1, 4, 2, 0, d3, 4, NULL, 0, test_fid);
    fb_seg(&f, RVF_SEG_MANIFEST, 5, p, n);
    for (int with_map = 0; with_map < 2; with_map++) {
        c = (coll){0};
        CHECK_EQ_INT(load_bytes(f.d, f.n, with_map, &info, &c), RVF_OK);
        CHECK_EQ_U64(c.nvecs, 3);
        if (c.nvecs == 3) {
            CHECK_EQ_INT(c.vecs[0].dim, 2);
            CHECK_EQ_BITS(c.f[1], 2.0f);
            CHECK_EQ_INT(c.vecs[2].dim, 0);
        }
        coll_free(&c);
    }
    free(f.d);
}

/* Our own format's root at the tail: not the reference dialect (unless its CRC is wrong). */
static void test_detect(void)
{
    uint64_t m2, m3;
    fbuf f = build_store(&m2, &m3);
    uint8_t root[RVF_ROOT_SIZE];
    memset(root, 0, sizeof root);
    rvfk_st_u32(root, RVF_ROOT_MAGIC);
    rvfk_st_u32(root + RVF_ROOT_OFF_CHECKSUM, rvfk_crc32c(root, RVF_ROOT_OFF_CHECKSUM));
    fb_bytes(&f, root, sizeof root);
    recio m;
    for (int with_map = 0; with_map < 2; with_map++) {
        rec_init(&m, f.d, f.n, with_map);
        CHECK(!rvf_ref_detect(&m.io));
        free(m.data);
    }
    f.d[f.n - 1] ^= 1; /* bad root CRC: the runtime manifest before it is found */
    rec_init(&m, f.d, f.n, true);
    CHECK(rvf_ref_detect(&m.io));
    free(m.data);
    rec_init(&m, f.d, 4096, true); /* 4096 bytes starting with a segment are not a root */
    CHECK(rvf_ref_detect(&m.io));
    free(m.data);
    rec_init(&m, f.d, 40, true);
    CHECK(!rvf_ref_detect(&m.io));
    free(m.data);
    free(f.d);
}

/* ---- export ---------------------------------------------------------------------------------- */

static void fill(rvf_test_rng *r, uint64_t *ids, float *rows, size_t n, uint16_t dim)
{
    for (size_t i = 0; i < n; i++) {
        ids[i] = rvf_test_next(r);
        for (uint16_t d = 0; d < dim; d++)
            rows[i * dim + d] = rvf_test_unit(r);
    }
}

static void test_export_layout(void)
{
    enum { N = 37, DIM = 5 };
    uint64_t ids[N];
    float rows[N * DIM];
    rvf_test_rng r = {7};
    fill(&r, ids, rows, N, DIM);
    recio out;
    rec_init(&out, NULL, 0, true);
    CHECK_EQ_INT(rvf_ref_export(&out.io, DIM, 2, ids, rows, N, test_fid), RVF_OK);
    size_t vlen = 6 + N * (8 + 4 * DIM), mlen = 22 + 25 * 2 + 4 + 72;
    CHECK_EQ_U64(out.len, 162 + 64 + vlen + 64 + mlen);
    CHECK_EQ_INT(out.non_append, 0);
    CHECK_EQ_INT(out.syncs, 2);
    CHECK_EQ_U64(out.synced_len, 162 + 64 + vlen); /* data durable before the manifest */

    /* create-time manifest, byte for byte */
    uint8_t want[4096];
    fbuf f = {0};
    size_t n = manifest_payload(want, 0, DIM, 0, 2, NULL, 0, NULL, 0, test_fid);
    rvfk_st_u32(want + n - 4, 0); /* depth 0 for a root */
    fb_seg(&f, RVF_SEG_MANIFEST, 1, want, n);
    n = vec_payload(want, DIM, N, ids, rows);
    fb_seg(&f, RVF_SEG_VEC, 2, want, n);
    dirent25 dir[2] = {{1, 0, 98, RVF_SEG_MANIFEST}, {2, 162, vlen, RVF_SEG_VEC}};
    n = manifest_payload(want, 1, DIM, N, 2, dir, 2, NULL, 0, test_fid);
    rvfk_st_u32(want + n - 4, 0);
    fb_seg(&f, RVF_SEG_MANIFEST, 3, want, n);
    CHECK_EQ_U64(f.n, out.len);
    if (f.n == out.len)
        CHECK_MEM(out.data, f.d, f.n);
    free(f.d);

    coll c = {0};
    rvf_ref_info info;
    CHECK_EQ_INT(load_bytes(out.data, out.len, false, &info, &c), RVF_OK);
    CHECK_EQ_INT(info.epoch, 1);
    CHECK_EQ_INT(info.metric, 2);
    CHECK_EQ_U64(info.total_vectors, N);
    CHECK_EQ_U64(info.manifest_offset, 162 + 64 + vlen);
    CHECK_EQ_INT(info.lineage_depth, 0);
    CHECK_MEM(info.file_id, test_fid, 16);
    CHECK_EQ_U64(c.nvecs, N);
    for (size_t i = 0; i < c.nvecs; i++) {
        CHECK_EQ_U64(c.vecs[i].id, ids[i]);
        CHECK(!memcmp(c.f + c.vecs[i].off, rows + i * DIM, DIM * sizeof(float)));
    }
    coll_free(&c);
    CHECK_EQ_U64(info.skipped_bad, UINT64_MAX);

    /* a flipped bit in the newest manifest's payload fails its hash (which the reference writes
     * but never checks): the reader takes the create-time manifest and says so */
    uint64_t newest = 162 + 64 + vlen;
    out.data[newest + 64 + 30] ^= 0x04;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(load_bytes(out.data, out.len, false, &info, &c), RVF_OK);
    CHECK_EQ_INT(info.epoch, 0);
    CHECK_EQ_U64(info.manifest_offset, 0);
    CHECK_EQ_U64(info.skipped_bad, newest);
    CHECK_EQ_U64(c.nvecs, 0);
    coll_free(&c);
    rvf_store *st = NULL;
    CHECK_EQ_INT(rvf_open_view(out.data, out.len, &st), RVF_OK);
    if (st) {
        rvf_status_info si;
        CHECK_EQ_INT(rvf_status_get(st, &si), RVF_OK);
        CHECK_EQ_U64(si.recovered_from, newest);
        CHECK_EQ_U64(si.live_vectors, 0);
        CHECK(strstr(rvf_last_error_detail(), "fails its content hash") != NULL);
        rvf_close(st);
    }
    free(out.data);

    /* empty: exactly the 162-byte file create() leaves; a zero file id omits FIDI */
    rec_init(&out, NULL, 0, true);
    CHECK_EQ_INT(rvf_ref_export(&out.io, 8, 0, NULL, NULL, 0, test_fid), RVF_OK);
    CHECK_EQ_U64(out.len, 162);
    CHECK_EQ_INT(out.syncs, 1);
    free(out.data);
    rec_init(&out, NULL, 0, true);
    CHECK_EQ_INT(rvf_ref_export(&out.io, 8, 0, NULL, NULL, 0, NULL), RVF_OK);
    CHECK_EQ_U64(out.len, 64 + 26);
    CHECK_EQ_INT(load_bytes(out.data, out.len, true, &info, &c), RVF_OK);
    CHECK(!info.has_identity);
    free(out.data);

    /* bad arguments */
    rec_init(&out, NULL, 0, true);
    CHECK_EQ_INT(rvf_ref_export(&out.io, 0, 0, ids, rows, 1, test_fid), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_ref_export(&out.io, 4, 3, ids, rows, 1, test_fid), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_ref_export(&out.io, 4, 0, NULL, rows, 1, test_fid), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_ref_export(NULL, 4, 0, ids, rows, 1, test_fid), RVF_ERR_INVALID_ARGUMENT);
    out.io.write = NULL;
    CHECK_EQ_INT(rvf_ref_export(&out.io, 4, 0, ids, rows, 1, test_fid), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_U64(out.len, 0);
    free(out.data);
}

/* More than 256 MiB of rows: several VEC segments, each within the reference's limit. The rows
 * are calloc'd zero pages with a few marked values, so the test stays cheap. */
static void test_export_split(void)
{
    const uint16_t dim = 65535;
    const size_t rec = 8 + 4 * (size_t)dim, per = (268435456u - 6) / rec, n = per + 2;
    float *rows = calloc(n * dim, sizeof *rows);
    uint64_t *ids = calloc(n, sizeof *ids);
    if (!rows || !ids) {
        free(rows);
        free(ids);
        CHECK(!"out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = 1000 + i;
    rows[(per - 1) * dim + 7] = 1.5f;
    rows[per * dim + dim - 1] = -2.5f;
    recio out;
    rec_init(&out, NULL, 0, true);
    CHECK_EQ_INT(rvf_ref_export(&out.io, dim, 0, ids, rows, n, test_fid), RVF_OK);
    CHECK_EQ_INT(out.non_append, 0);
    coll c = {0};
    rvf_ref_info info;
    rvf_ref_sink sink = {&c, coll_segment, NULL, coll_deleted};
    CHECK_EQ_INT(rvf_ref_load(&out.io, &info, &sink), RVF_OK);
    CHECK_EQ_INT(info.seg_count, 3);
    CHECK_EQ_U64(info.total_vectors, n);
    if (c.nsegs == 3) {
        CHECK_EQ_INT(c.segs[1].seg_type, RVF_SEG_VEC);
        CHECK_EQ_INT(c.segs[2].seg_type, RVF_SEG_VEC);
        CHECK_EQ_U64(c.segs[1].payload_length, 6 + per * rec);
        CHECK_EQ_U64(c.segs[2].payload_length, 6 + 2 * rec);
        CHECK(c.segs[1].payload_length <= 268435456u);
        CHECK_EQ_U64(c.segs[2].offset, c.segs[1].offset + 64 + c.segs[1].payload_length);
        CHECK_EQ_U64(c.segs[2].segment_id, 3);
        const uint8_t *v2 = out.data + c.segs[2].offset + 64;
        CHECK_EQ_INT(rvfk_ld_u32(v2 + 2), 2);
        CHECK_EQ_U64(rvfk_ld_u64(v2 + 6), 1000 + per);
        CHECK_EQ_BITS(rvfk_ld_f32(v2 + 6 + 8 + 4 * (dim - 1)), -2.5f);
        const uint8_t *v1 = out.data + c.segs[1].offset + 64;
        CHECK_EQ_BITS(rvfk_ld_f32(v1 + 6 + (per - 1) * rec + 8 + 4 * 7), 1.5f);
    }
    coll_free(&c);
    free(out.data);
    free(rows);
    free(ids);
}

/* Against the reference's own bytes: the same ids, rows, metric and file id give exactly the
 * create-time manifest and first VEC segment that rvf-node wrote, and create() alone gives
 * exactly empty_dim8.rvf. */
static void test_export_matches_reference(void)
{
    const char *files[] = {"empty_dim8.rvf", "small_dim4_l2.rvf", "lineage_parent_dim2.rvf",
                           "cosine_dim32_n3000.rvf"};
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/corpus/reference-written/%s", shared_dir(), files[k]);
        size_t len = 0;
        uint8_t *ref = slurp(path, &len);
        CHECK(ref && len >= 162);
        if (!ref || len < 162) {
            free(ref);
            continue;
        }
        uint16_t dim = rvfk_ld_u16(ref + 64 + 4);
        uint8_t metric = ref[64 + 19];
        const uint8_t *fid = ref + 64 + 98 - 68;
        size_t n = 0, cmp_len = 162;
        uint64_t *ids = NULL;
        float *rows = NULL;
        if (len > 162) {
            const uint8_t *v = ref + 162 + 64;
            CHECK_EQ_INT(ref[162 + 5], RVF_SEG_VEC);
            CHECK_EQ_INT(rvfk_ld_u16(v), dim);
            n = rvfk_ld_u32(v + 2);
            ids = malloc(n * sizeof *ids);
            rows = malloc(n * dim * sizeof *rows);
            for (size_t i = 0; i < n; i++) {
                const uint8_t *r = v + 6 + i * (8 + 4 * (size_t)dim);
                ids[i] = rvfk_ld_u64(r);
                for (size_t d = 0; d < dim; d++)
                    rows[i * dim + d] = rvfk_ld_f32(r + 8 + 4 * d);
            }
            cmp_len = 162 + 64 + (size_t)rvfk_ld_u64(ref + 162 + 0x10);
        }
        recio out;
        rec_init(&out, NULL, 0, true);
        CHECK_EQ_INT(rvf_ref_export(&out.io, dim, metric, ids, rows, n, fid), RVF_OK);
        CHECK(out.len >= cmp_len);
        if (out.len >= cmp_len)
            CHECK_MEM(out.data, ref, cmp_len);
        if (n == 0)
            CHECK_EQ_U64(out.len, len);
        free(out.data);
        free(ids);
        free(rows);
        free(ref);
    }
}

/* The corpus file as the reference wrote it, with damage: a VEC byte, a truncated last
 * manifest, a tail that is not a store. */
static void test_corpus_damage(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/corpus/reference-written/small_dim4_l2.rvf", shared_dir());
    size_t len = 0;
    uint8_t *d = slurp(path, &len);
    CHECK(d != NULL);
    if (!d)
        return;
    coll c = {0};
    rvf_ref_info info;
    CHECK_EQ_INT(load_bytes(d, len, true, &info, &c), RVF_OK);
    uint64_t newest = info.manifest_offset;
    uint32_t epoch = info.epoch;
    size_t nvecs = c.nvecs;
    uint64_t v1len = c.segs[1].payload_length;
    coll_free(&c);

    d[162 + 64 + 20] ^= 0x01;
    CHECK_EQ_INT(load_bytes(d, len, true, &info, &c), RVF_ERR_INVALID_CHECKSUM);
    CHECK_EQ_INT(load_bytes(d, len, false, &info, &c), RVF_ERR_INVALID_CHECKSUM);
    d[162 + 64 + 20] ^= 0x01;
    coll_free(&c);

    CHECK_EQ_INT(load_bytes(d, len - 1, true, &info, &c), RVF_OK);
    CHECK(info.manifest_offset < newest);
    CHECK_EQ_INT(info.epoch, epoch - 1);
    CHECK(c.nvecs < nvecs);
    CHECK_EQ_U64(c.nvecs, (v1len - 6) / (8 + 4 * 4));
    coll_free(&c);
    free(d);
}

int main(void)
{
    RVF_TEST_RUN(test_synthetic_store);
    RVF_TEST_RUN(test_manifest_tails);
    RVF_TEST_RUN(test_not_found);
    RVF_TEST_RUN(test_beyond_window);
    RVF_TEST_RUN(test_vec_rejections);
    RVF_TEST_RUN(test_detect);
    RVF_TEST_RUN(test_export_layout);
    RVF_TEST_RUN(test_export_split);
    if (!shared_dir()) {
        printf("SKIP: RVF_SHARED not set or missing; corpus checks not run\n");
        rvf_test_finish();
        return rvf_test_failed ? 1 : 77;
    }
    RVF_TEST_RUN(test_export_matches_reference);
    RVF_TEST_RUN(test_corpus_damage);
    RVF_TEST_RUN(test_reference_written);
    RVF_TEST_RUN(test_upstream_examples);
    return rvf_test_finish();
}

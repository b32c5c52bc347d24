/* fuzz_seedgen.c: writes the seed inputs of every fuzz target (FUZZING.md), each a valid payload
 * or file made by our own encoders, plus the control bytes the target reads first. Usage:
 *   fuzz_seedgen OUT_DIR      writes OUT_DIR/<target>/<name> (folders must exist)
 * The committed corpora (tests/fuzz/corpus/<target>/) are these seeds minimised with libFuzzer's
 * -merge=1, plus the regression inputs of findings. Deterministic: same output on every run. */
#include <math.h>

#include "fuzz.h"
#include "rvf_hotseg.h"
#include "rvf_indexseg.h"
#include "rvf_layera.h"
#include "rvf_manifest.h"
#include "rvf_quant.h"
#include "rvf_sketch.h"

static const char *out_dir;
static int written;

#define OK(expr)                                                                                   \
    do {                                                                                           \
        rvf_status st_ = (expr);                                                                   \
        if (st_ != RVF_OK) {                                                                       \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr, rvf_strerror(st_));      \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* OUT_DIR/target/name = prefix (np bytes) || p (n bytes) */
static void put(const char *target, const char *name, const uint8_t *prefix, size_t np,
                const uint8_t *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (np && fwrite(prefix, 1, np, f) != np) || (n && fwrite(p, 1, n, f) != n) ||
        fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    written++;
}

static float rowv(uint32_t i, uint32_t d)
{
    return fuzz_row_value(i, d);
}

static float *make_rows(uint32_t n, uint32_t dim)
{
    float *r = malloc(((size_t)n * dim + 1) * sizeof *r);
    FUZZ_ASSERT(r != NULL);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < dim; d++)
            r[(size_t)i * dim + d] = rowv(i, d);
    return r;
}

/* ---- segment header, manifest, store: whole files ------------------------------------------ */

typedef struct store_spec {
    const char *name;
    uint32_t dim, n, commits;
    rvf_dtype dtype;
    rvf_metric metric;
    uint8_t algo;
    bool meta, del, index, compact;
} store_spec;

static void store_image(const store_spec *sp, rvf_buf *img)
{
    rvf_options o = rvf_options_default(sp->dim);
    o.dtype = sp->dtype;
    o.metric = sp->metric;
    o.checksum_algo = sp->algo;
    o.no_sync = 1;
    o.block_vectors = 16;
    rvf_store *s = NULL;
    OK(rvf_create_memory(&o, &s));
    float *rows = make_rows(sp->n, sp->dim);
    uint64_t *ids = malloc(((size_t)sp->n + 1) * sizeof *ids);
    rvf_value *meta = malloc(((size_t)sp->n * 3 + 1) * sizeof *meta);
    uint32_t *counts = malloc(((size_t)sp->n + 1) * sizeof *counts);
    FUZZ_ASSERT(ids && meta && counts);
    static const char *const words[] = {"a", "bb", "ccc"};
    size_t nm = 0;
    for (uint32_t i = 0; i < sp->n; i++) {
        ids[i] = 2 * (uint64_t)i + (i % 3 == 0);
        counts[i] = i % 4 == 3 ? 0 : 3;
        if (counts[i]) {
            const char *w = words[i % 3];
            meta[nm++] = (rvf_value){.field_id = 0,
                                     .type = RVF_VALUE_STRING,
                                     .v.bytes = {(const uint8_t *)w, (uint32_t)strlen(w)}};
            meta[nm++] = (rvf_value){.field_id = 1, .type = RVF_VALUE_U64, .v.u64 = i};
            meta[nm++] = (rvf_value){.field_id = 2, .type = RVF_VALUE_F64, .v.f64 = i * 0.5};
        }
    }
    uint32_t per = sp->commits ? (sp->n + sp->commits - 1) / sp->commits : sp->n;
    for (uint32_t a = 0, at = 0; a < sp->n; a += per) {
        uint32_t cnt = sp->n - a < per ? sp->n - a : per;
        size_t mcount = 0;
        for (uint32_t i = a; i < a + cnt; i++)
            mcount += counts[i];
        OK(rvf_ingest(s, rows + (size_t)a * sp->dim, ids + a, cnt, sp->meta ? meta + at : NULL,
                      sp->meta ? counts + a : NULL));
        at += (uint32_t)mcount;
    }
    if (sp->del) {
        const uint64_t gone[3] = {ids[1], ids[sp->n / 2], 999999};
        OK(rvf_delete(s, gone, 3, NULL));
    }
    if (sp->index) {
        rvf_index_options io = rvf_index_options_default();
        io.m = 4;
        io.ef_construction = 32;
        OK(rvf_build_index(s, &io));
        rvf_query_params qp = {.k = 3, .metric = -1, .ef = 8};
        rvf_hit hits[3];
        uint32_t nh;
        for (uint32_t i = 0; i < 4; i++)
            (void)rvf_query(s, rows + (size_t)i * sp->dim, sp->dim, &qp, hits, &nh);
        OK(rvf_build_index(s, &io)); /* nothing new: no segment; the sketch is stored on build */
    }
    if (sp->compact)
        OK(rvf_compact(s));
    const uint8_t *b;
    size_t len;
    OK(rvf_store_bytes(s, &b, &len));
    rvf_buf_init(img);
    rvf_buf_put(img, b, len);
    OK(rvf_close(s));
    free(rows);
    free(ids);
    free(meta);
    free(counts);
}

static void gen_files(void)
{
    static const store_spec specs[] = {
        {"empty", 3, 0, 0, RVF_DTYPE_F32, RVF_METRIC_L2, 1, false, false, false, false},
        {"f32-meta", 4, 24, 2, RVF_DTYPE_F32, RVF_METRIC_L2, 1, true, false, false, false},
        {"f32-deleted", 4, 24, 1, RVF_DTYPE_F32, RVF_METRIC_COSINE, 1, true, true, false, false},
        {"f16-shake", 5, 20, 1, RVF_DTYPE_F16, RVF_METRIC_IP, 2, false, true, false, false},
        {"index", 4, 80, 2, RVF_DTYPE_F32, RVF_METRIC_L2, 1, false, false, true, false},
        {"compacted", 4, 120, 3, RVF_DTYPE_F32, RVF_METRIC_L2, 1, true, true, true, true},
    };
    const uint8_t fix = 1, raw = 0;
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        rvf_buf img;
        store_image(&specs[i], &img);
        put("store", specs[i].name, NULL, 0, img.data, img.len);
        put("manifest", specs[i].name, &fix, 1, img.data, img.len);
        if (i < 2) {
            char name[64];
            snprintf(name, sizeof name, "%s-raw", specs[i].name);
            put("manifest", name, &raw, 1, img.data, img.len);
        }
        /* each segment of the file on its own, for the header target */
        for (size_t o = 0; i == 5 && o + 64 <= img.len; o += 64) {
            if (rvfk_ld_u32(img.data + o) != RVF_SEGMENT_MAGIC)
                continue;
            uint64_t plen = rvfk_ld_u64(img.data + o + 0x10);
            size_t span = 64 + (size_t)((plen + 63) & ~63ull);
            char name[64];
            snprintf(name, sizeof name, "seg-%02x-%zu", img.data[o + 5], o);
            if (span <= img.len - o && span <= 8192)
                put("seghdr", name, NULL, 0, img.data + o, span);
        }
        rvf_buf_free(&img);
    }
    /* the reference dialect: an empty file, vectors, vectors with identity */
    for (int v = 0; v < 3; v++) {
        rvf_io *io = NULL;
        OK(rvf_io_memory(NULL, 0, &io));
        float *rows = make_rows(6, 3);
        const uint64_t ids[6] = {1, 2, 3, 10, 11, 40};
        const uint8_t fid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        OK(rvf_ref_export(io, 3, (uint8_t)v, ids, rows, v ? 6 : 0, v == 2 ? fid : NULL));
        size_t len;
        const uint8_t *b = rvf_io_memory_bytes(io, &len);
        char name[32];
        snprintf(name, sizeof name, "ref-%d", v);
        put("refdialect", name, NULL, 0, b, len);
        put("store", name, NULL, 0, b, len);
        io->close(io);
        free(rows);
    }
}

/* ---- payload codecs ------------------------------------------------------------------------- */

static void gen_seghdr(void)
{
    const uint8_t payload[100] = {1, 2, 3};
    for (uint8_t algo = 1; algo <= 2; algo++) {
        rvf_buf b;
        rvf_buf_init(&b);
        rvf_seg_emit(&b, 0, RVF_SEG_META, 0, 7, algo, payload, algo == 1 ? sizeof payload : 0, 0,
                     NULL);
        put("seghdr", algo == 1 ? "meta-xxh3" : "empty-shake", NULL, 0, b.data, b.len);
        rvf_buf_free(&b);
    }
}

static void gen_vecseg(void)
{
    static const struct {
        uint8_t dtype;
        uint16_t dim;
        uint32_t n, block;
    } v[] = {{0, 3, 5, 16}, {1, 4, 3, 16}, {2, 2, 4, 16},    {3, 5, 2, 16}, {4, 8, 3, 16},
             {5, 4, 2, 16}, {8, 1, 3, 16}, {0, 2, 140, 200}, {0, 1, 9, 4}};
    const uint8_t fix = 1;
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        size_t es = v[i].dtype < 5 ? rvf_dtype_size(v[i].dtype) : 1;
        uint8_t *rows = malloc((size_t)v[i].n * v[i].dim * es);
        uint64_t *ids = malloc(v[i].n * sizeof *ids);
        FUZZ_ASSERT(rows && ids);
        for (size_t k = 0; k < (size_t)v[i].n * v[i].dim * es; k++)
            rows[k] = (uint8_t)(k * 37 + i);
        for (uint32_t k = 0; k < v[i].n; k++)
            ids[k] = 5 + 3 * (uint64_t)k + (k > 100 ? 1000000 : 0);
        if (v[i].dtype == 0) /* finite f32 values */
            for (size_t k = 0; k < (size_t)v[i].n * v[i].dim; k++) {
                float x = rowv((uint32_t)k, 0);
                memcpy(rows + 4 * k, &x, 4);
            }
        rvf_buf b;
        rvf_buf_init(&b);
        OK(rvf_vecseg_encode(&b, ids, rows, v[i].n, v[i].dim, v[i].dtype, v[i].block));
        char name[32];
        snprintf(name, sizeof name, "dtype%u-dim%u-n%u", v[i].dtype, v[i].dim, v[i].n);
        put("vecseg", name, &fix, 1, b.data, b.len);
        rvf_buf_free(&b);
        free(rows);
        free(ids);
    }
    /* a raw id map (encoding 0), written by hand: one block, 2 vectors of dim 1 f32 */
    uint8_t p[128] = {0};
    rvfk_st_u32(p, 1);
    rvfk_st_u32(p + 4, 64);
    rvfk_st_u32(p + 8, 2);
    rvfk_st_u16(p + 12, 1);
    p[14] = 0;
    p[15] = 1;
    uint8_t *b = p + 64;
    rvfk_st_f32(b, 1.5f);
    rvfk_st_f32(b + 4, -2.0f);
    b[8] = RVF_IDMAP_RAW;
    rvfk_st_u16(b + 9, 128);
    rvfk_st_u32(b + 11, 2);
    rvfk_st_u64(b + 15, 7);
    rvfk_st_u64(b + 23, 9);
    rvfk_st_u32(b + 31, rvfk_crc32c(b, 31));
    put("vecseg", "raw-idmap", &fix, 1, p, 64 + 35);
}

static void gen_metaseg(void)
{
    static const uint8_t blob[3] = {0, 0xFF, 7};
    rvf_value r0[] = {
        {.field_id = 1, .type = RVF_VALUE_U64, .v.u64 = 1ull << 40},
        {.field_id = 2, .type = RVF_VALUE_I64, .v.i64 = -5},
        {.field_id = 3, .type = RVF_VALUE_F64, .v.f64 = 2.25},
        {.field_id = 4, .type = RVF_VALUE_STRING, .v.bytes = {(const uint8_t *)"red", 3}},
        {.field_id = 5, .type = RVF_VALUE_BYTES, .v.bytes = {blob, 3}},
        {.field_id = 6, .type = RVF_VALUE_BOOL, .v.boolean = 1},
        {.field_id = 7, .type = RVF_VALUE_U32, .v.u64 = 70000},
        {.field_id = 8, .type = RVF_VALUE_F32, .v.f64 = 0.5},
    };
    rvf_value r1[] = {
        {.field_id = 1, .type = RVF_VALUE_U64, .v.u64 = 3},
        {.field_id = 4, .type = RVF_VALUE_STRING, .v.bytes = {(const uint8_t *)"blue", 4}},
        {.field_id = 6, .type = RVF_VALUE_BOOL, .v.boolean = 0},
        {.field_id = 8, .type = RVF_VALUE_NULL},
    };
    rvf_value r3[] = {
        {.field_id = 4, .type = RVF_VALUE_STRING, .v.bytes = {(const uint8_t *)"red", 3}}};
    const rvf_meta_row rows[4] = {{r0, 8}, {r1, 4}, {NULL, 0}, {r3, 1}};
    rvf_buf b;
    rvf_buf_init(&b);
    OK(rvf_metaseg_encode(&b, 100, 4, rows));
    put("metaseg", "all-types", NULL, 0, b.data, b.len);
    rvf_buf_free(&b);
    rvf_buf_init(&b);
    OK(rvf_metaseg_encode(&b, 0, 2, (const rvf_meta_row[]){{r3, 1}, {r3, 1}}));
    put("metaseg", "one-string", NULL, 0, b.data, b.len);
    rvf_buf_free(&b);
    rvf_buf_init(&b);
    OK(rvf_metaseg_encode(&b, 7, 3, (const rvf_meta_row[]){{NULL, 0}, {NULL, 0}, {NULL, 0}}));
    put("metaseg", "no-columns", NULL, 0, b.data, b.len);
    rvf_buf_free(&b);
}

static void gen_filter(void)
{
    /* fields: u64 #1 = 7, string #2 = "hello", f32 #3 = 1.5, bool #4 = 1, i64 #5 = -3 */
    uint8_t fields[80];
    size_t nf = 0;
    fields[nf++] = 5;
    const struct {
        uint8_t type;
        uint16_t id;
        uint64_t raw;
    } spec[5] = {{RVF_VALUE_U64, 1, 7},
                 {RVF_VALUE_STRING, 2, 5},
                 {RVF_VALUE_F32, 3, 0x3FC00000u},
                 {RVF_VALUE_BOOL, 4, 1},
                 {RVF_VALUE_I64, 5, (uint64_t)-3}};
    for (int i = 0; i < 5; i++) {
        fields[nf++] = spec[i].type;
        rvfk_st_u16(fields + nf, spec[i].id);
        rvfk_st_u64(fields + nf + 2, spec[i].raw);
        nf += 10;
        if (spec[i].type == RVF_VALUE_STRING) {
            static const uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};
            memcpy(fields + nf, hello, sizeof hello);
            nf += sizeof hello;
        }
    }
    rvf_value u7 = {.type = RVF_VALUE_U64, .v.u64 = 7}, u32 = {.type = RVF_VALUE_U32, .v.u64 = 9};
    rvf_value he = {.type = RVF_VALUE_STRING, .v.bytes = {(const uint8_t *)"he", 2}};
    rvf_value ll = {.type = RVF_VALUE_STRING, .v.bytes = {(const uint8_t *)"ll", 2}};
    rvf_value f = {.type = RVF_VALUE_F32, .v.f64 = 1.0},
              d = {.type = RVF_VALUE_F64, .v.f64 = -1e300};
    rvf_value t = {.type = RVF_VALUE_BOOL, .v.boolean = 1}, nul = {.type = RVF_VALUE_NULL};
    rvf_value neg = {.type = RVF_VALUE_I64, .v.i64 = -3};
    const rvf_value set[4] = {u7, he, nul, neg};
    for (int e = 0; e < 8; e++) {
        rvf_filter x;
        rvf_filter_init(&x);
        switch (e) {
        case 0:
            rvf_filter_cmp(&x, 1, RVF_FILTER_EQ, &u7);
            break;
        case 1:
            rvf_filter_cmp(&x, 2, RVF_FILTER_PREFIX, &he);
            rvf_filter_cmp(&x, 2, RVF_FILTER_CONTAINS, &ll);
            rvf_filter_op(&x, RVF_FILTER_AND);
            break;
        case 2:
            rvf_filter_range(&x, 3, &f, &u7);
            rvf_filter_op(&x, RVF_FILTER_NOT);
            break;
        case 3:
            rvf_filter_field(&x, 5);
            rvf_filter_in(&x, set, 4);
            break;
        case 4:
            rvf_filter_cmp(&x, 4, RVF_FILTER_NE, &t);
            rvf_filter_cmp(&x, 9, RVF_FILTER_EQ, &nul);
            rvf_filter_op(&x, RVF_FILTER_OR);
            break;
        case 5:
            rvf_filter_cmp(&x, 1, RVF_FILTER_GT, &d);
            rvf_filter_cmp(&x, 7, RVF_FILTER_LE, &u32);
            rvf_filter_op(&x, RVF_FILTER_OR);
            rvf_filter_cmp(&x, 5, RVF_FILTER_GE, &neg);
            rvf_filter_op(&x, RVF_FILTER_AND);
            break;
        case 6:
            rvf_filter_value(&x, &t);
            break;
        default: /* depth: ((((a and b) and c) ...)) */
            for (int k = 0; k < 6; k++) {
                rvf_filter_cmp(&x, (uint16_t)k, RVF_FILTER_LT, &u7);
                if (k)
                    rvf_filter_op(&x, RVF_FILTER_AND);
            }
            break;
        }
        OK(rvf_filter_finish(&x));
        char name[32];
        snprintf(name, sizeof name, "expr-%d", e);
        put("filter", name, fields, nf, x.bytes, x.len);
        rvf_filter_free(&x);
    }
}

static void gen_roaring(void)
{
    static uint64_t ids[70000];
    for (int v = 0; v < 5; v++) {
        size_t n = 0;
        switch (v) {
        case 0: /* array */
            for (uint64_t i = 0; i < 20; i++)
                ids[n++] = i * 17;
            break;
        case 1: /* dense: bitmap container */
            for (uint64_t i = 0; i < 6000; i++)
                ids[n++] = 70000 + i * 3;
            break;
        case 2: /* runs */
            for (uint64_t i = 0; i < 3000; i++)
                ids[n++] = (1ull << 20) + i;
            break;
        case 3: /* several keys, high ids */
            for (uint64_t i = 0; i < 8; i++)
                ids[n++] = (i << 32) + i;
            ids[n++] = (1ull << 48) - 1;
            break;
        default:
            ids[n++] = 0;
            break;
        }
        rvf_buf b;
        rvf_buf_init(&b);
        OK(rvf_delbitmap_encode(&b, ids, n));
        char name[32];
        snprintf(name, sizeof name, "bitmap-%d", v);
        put("roaring", name, NULL, 0, b.data, b.len);
        rvf_buf_free(&b);
    }
}

static void gen_journal(void)
{
    const rvf_journal_entry e[5] = {
        {.type = RVF_JOURNAL_DELETE_VECTOR, .a = 5},
        {.type = RVF_JOURNAL_DELETE_RANGE, .a = 10, .b = 20},
        {.type = RVF_JOURNAL_UPDATE_METADATA,
         .a = 3,
         .key = (const uint8_t *)"color",
         .key_len = 5,
         .val = (const uint8_t *)"red",
         .val_len = 3},
        {.type = RVF_JOURNAL_MOVE_VECTOR, .a = 1, .b = 2, .c = 3},
        {.type = RVF_JOURNAL_REMAP_ID, .a = 8, .b = 9},
    };
    rvf_buf b;
    rvf_buf_init(&b);
    OK(rvf_journal_encode(&b, 4, 77, e, 5));
    put("journal", "all-types", NULL, 0, b.data, b.len);
    rvf_buf_free(&b);
    rvf_buf_init(&b);
    OK(rvf_journal_encode(&b, 1, 0, NULL, 0));
    put("journal", "empty", NULL, 0, b.data, b.len);
    rvf_buf_free(&b);
}

static void gen_witness(void)
{
    for (int n = 0; n <= 3; n += 3) {
        rvf_buf b;
        rvf_buf_init(&b);
        for (int i = 0; i < n; i++)
            rvf_witness_append(&b, "ingest:n=5", 10, 1000 + (uint64_t)i, RVF_WITNESS_PROVENANCE);
        uint8_t lin[1 + 125] = {3};
        for (int i = 1; i < (int)sizeof lin; i++)
            lin[i] = (uint8_t)(i < 115 ? i * 7 : 'a' + i % 26);
        put("witness", n ? "chain-3" : "chain-0", lin, n ? 1 : sizeof lin, b.data, b.len);
        rvf_buf_free(&b);
    }
}

static rvf_hnsw *make_graph(const float *rows, uint32_t n, uint32_t dim, uint32_t m,
                            rvf_metric metric)
{
    rvf_hnsw_params p = {.m = m, .ef_construction = 32, .seed = 3};
    rvf_hnsw_source src = {.base = rows, .stride = dim};
    rvf_hnsw *h = NULL;
    OK(rvf_hnsw_create(dim, metric, &p, &src, &h));
    OK(rvf_hnsw_add_range(h, 0, n, 1, NULL, NULL));
    return h;
}

static void gen_indexseg(void)
{
    float *rows = make_rows(300, 8);
    for (int v = 0; v < 3; v++) {
        uint32_t n = v == 0 ? 40 : 300, dim = v == 2 ? 8 : 4;
        rvf_hnsw *h = make_graph(rows, n, dim, v == 1 ? 3 : 4, (rvf_metric)v);
        rvf_buf b;
        rvf_buf_init(&b);
        OK(rvf_indexseg_encode_ex(&b, h, v == 2 ? 5 : RVF_INDEXSEG_RESTART, false));
        uint8_t ctl[3] = {(uint8_t)(dim - 1), 0, 0};
        rvfk_st_u16(ctl + 1, (uint16_t)n);
        char name[32];
        snprintf(name, sizeof name, "graph-%u-%u", n, dim);
        put("indexseg", name, ctl, 3, b.data, b.len);
        rvf_buf_free(&b);
        if (v == 0) { /* a delta: the nodes a new insert dirtied */
            rvf_hnsw_clear_dirty(h);
            rvf_hnsw_free(h);
            h = make_graph(rows, n, dim, 4, RVF_METRIC_L2);
            rvf_hnsw_clear_dirty(h);
            OK(rvf_hnsw_add(h, n));
            rvf_buf_init(&b);
            OK(rvf_indexseg_encode_ex(&b, h, 4, true));
            rvfk_st_u16(ctl + 1, (uint16_t)(n + 1));
            put("indexseg", "delta", ctl, 3, b.data, b.len);
            rvf_buf_free(&b);
            /* a Layer B (layer_level 1): every third node from slot 5 and every upper node */
            uint8_t keep[64] = {0};
            for (uint32_t sl = 0; sl <= n; sl++)
                keep[sl] = (sl >= 5 && sl % 3 == 0) || rvf_hnsw_level(h, sl) >= 1;
            rvf_buf_init(&b);
            OK(rvf_indexseg_encode_subset(&b, h, 4, 1, keep, n + 1));
            put("indexseg", "layerb", ctl, 3, b.data, b.len);
            rvf_buf_free(&b);
        }
        rvf_hnsw_free(h);
    }
    free(rows);
}

static void gen_layera(void)
{
    const uint32_t n = 400, dim = 8;
    float *rows = make_rows(n, dim);
    rvf_hnsw *h = make_graph(rows, n, dim, 3, RVF_METRIC_L2);
    rvf_hnsw_source src = {.base = rows, .stride = dim};
    for (int v = 0; v < 2; v++) {
        rvf_layera_params lp = {.k = 6, .centroids_f32 = v == 1, .seed = 9};
        rvf_layera *a = NULL;
        OK(rvf_layera_build(h, &src, n, &lp, &a, NULL));
        rvf_buf b;
        rvf_buf_init(&b);
        OK(rvf_layera_encode(&b, a, NULL));
        uint8_t ctl[3] = {(uint8_t)(v ? 0x31 : 0x00), 0, 0};
        rvfk_st_u16(ctl + 1, (uint16_t)(n - 1));
        put("layera", v ? "f32-hot" : "f16", ctl, 3, b.data, b.len);
        rvf_buf_free(&b);
        rvf_layera_free(a);
    }
    rvf_hnsw_free(h);
    free(rows);
}

static void gen_hotseg(void)
{
    const uint32_t n = 60, dim = 6;
    float *rows = make_rows(n, dim);
    rvf_hnsw *h = make_graph(rows, n, dim, 4, RVF_METRIC_L2);
    rvf_hnsw_source src = {.base = rows, .stride = dim};
    rvf_quant sq;
    OK(rvf_sq_train(rows, n, dim, dim, &sq));
    const uint8_t dtypes[4] = {RVF_HOT_F16, RVF_HOT_F32, RVF_HOT_BF16, RVF_HOT_SQ};
    const uint32_t slots[5] = {0, 3, 9, 27, 59};
    for (int v = 0; v < 4; v++) {
        rvf_hotseg_params hp = {.dtype = dtypes[v], .sq = &sq, .neighbor_m = v == 1 ? 0 : 3};
        rvf_hotseg hs;
        OK(rvf_hotseg_build(v == 1 ? NULL : h, &src, v == 1 ? dim : 0, slots, 5, &hp, &hs));
        rvf_buf b;
        rvf_buf_init(&b);
        OK(rvf_hotseg_encode(&b, &hs));
        uint8_t ctl[3] = {(uint8_t)(v * 2 + (v & 1)), 60, 0};
        char name[32];
        snprintf(name, sizeof name, "dtype-%u", dtypes[v]);
        put("hotseg", name, ctl, 3, b.data, b.len);
        if (v == 0) { /* with the vector-id table a compaction writes */
            hs.vids = malloc(hs.count * sizeof *hs.vids);
            for (uint32_t i = 0; i < hs.count; i++)
                hs.vids[i] = 1000 + 7 * hs.ids[i];
            b.len = 0;
            OK(rvf_hotseg_encode(&b, &hs));
            put("hotseg", "id-table", ctl, 3, b.data, b.len);
            free(hs.vids);
            hs.vids = NULL;
        }
        rvf_buf_free(&b);
        rvf_hotseg_free(&hs);
    }
    /* i8 (the builder does not write it): one entry by hand, dim 3, one neighbour */
    uint8_t p[128] = {0};
    rvfk_st_u32(p, 1);
    rvfk_st_u16(p + 4, 3);
    p[6] = RVF_HOT_I8;
    rvfk_st_u16(p + 7, 2);
    rvfk_st_u64(p + 64, 4);
    p[72] = 0x7F;
    p[73] = 0x80;
    p[74] = 0x05;
    rvfk_st_u16(p + 75, 1);
    rvfk_st_u64(p + 77, 2);
    const uint8_t ctl[1] = {0x02};
    put("hotseg", "dtype-3", ctl, 1, p, 128);
    rvf_quant_free(&sq);
    rvf_hnsw_free(h);
    free(rows);
}

static void gen_quantseg(void)
{
    const uint32_t n = 40, dim = 8;
    float *rows = make_rows(n, dim);
    rvf_quant q[3];
    OK(rvf_sq_train(rows, n, dim, dim, &q[0]));
    OK(rvf_pq_train(rows, n, dim, dim, 4, 4, NULL, &q[1]));
    OK(rvf_bin_init(13, &q[2]));
    static const char *const names[3] = {"scalar", "pq", "binary"};
    for (int v = 0; v < 3; v++) {
        rvf_buf b;
        rvf_buf_init(&b);
        OK(rvf_quantseg_encode(&b, &q[v]));
        put("quantseg", names[v], NULL, 0, b.data, b.len);
        rvf_buf_free(&b);
        rvf_quant_free(&q[v]);
    }
    free(rows);
}

static void gen_sketchseg(void)
{
    for (int v = 0; v < 2; v++) {
        rvf_sketch s;
        OK(rvf_sketch_init(&s, v ? 64 : 8, v ? 4 : 2));
        for (uint64_t i = 0; i < 300; i++)
            rvf_sketch_add(&s, i % 7);
        rvf_buf b;
        rvf_buf_init(&b);
        OK(rvf_sketchseg_encode(&b, &s));
        put("sketchseg", v ? "64x4" : "8x2", NULL, 0, b.data, b.len);
        rvf_buf_free(&b);
        rvf_sketch_free(&s);
    }
}

/* Tiered stores (rvf_compact_ex): 120 vectors of dim 4 over 12 sketch blocks, indexed, two
 * epochs of queries near the first rows, each closed by a tiered compaction; cold SQ8, PQ,
 * binary. Quantized VEC blocks (dtypes 0x04, 0x06, 0x07), QUANT_SEGs and TEMP_TIER_MAP. */
static void gen_tiered(void)
{
    for (uint8_t cold = 0; cold < 3; cold++) {
        rvf_options o = rvf_options_default(4);
        o.no_sync = 1;
        o.block_vectors = 16;
        rvf_store *s = NULL;
        OK(rvf_create_memory(&o, &s));
        float rows[120 * 4];
        uint64_t ids[120];
        for (int i = 0; i < 120; i++) {
            ids[i] = (uint64_t)i * 100;
            for (int d = 0; d < 4; d++)
                rows[i * 4 + d] = (float)((i * 7 + d * 13) % 17) / 4.0f - 2.0f;
        }
        OK(rvf_ingest(s, rows, ids, 120, NULL, NULL));
        rvf_index_options io = rvf_index_options_default();
        io.m = 4;
        io.ef_construction = 32;
        OK(rvf_build_index(s, &io));
        rvf_query_params qp = {.k = 10, .metric = -1, .ef = 8};
        rvf_hit h[10];
        uint32_t nh;
        rvf_compact_options co = {1, cold};
        for (int e = 0; e < 2; e++) {
            for (int q = 0; q < 20; q++)
                (void)rvf_query(s, rows + (q % 5) * 4, 4, &qp, h, &nh);
            OK(rvf_compact_ex(s, &co));
        }
        const uint8_t *b;
        size_t len;
        OK(rvf_store_bytes(s, &b, &len));
        char name[32];
        snprintf(name, sizeof name, "tiered-%u", cold);
        put("store", name, NULL, 0, b, len);
        OK(rvf_close(s));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT_DIR (with one folder per fuzz target)\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    gen_files();
    gen_tiered();
    gen_seghdr();
    gen_vecseg();
    gen_metaseg();
    gen_filter();
    gen_roaring();
    gen_journal();
    gen_witness();
    gen_indexseg();
    gen_layera();
    gen_hotseg();
    gen_quantseg();
    gen_sketchseg();
    printf("%d seed files written to %s\n", written, out_dir);
    return 0;
}

/* bench_tiers.c: temperature tiers (rvf_compact_ex, FORMAT.md "Temperature tiers") against the
 * untiered compaction: file size, bytes per vector, recall@10 at ef 64 after a full load, and the
 * first approximate query of a progressive open (bytes read, recall). Prints figures; never a
 * timed test.
 *
 *   bench_tiers [--n N] [--dim D] [--clusters C] [--queries Q] [--cold sq8|pq|binary]
 *               [--threads T] [--path PREFIX]
 *               [--base F.f32 --query Q.f32 [--gt G.i32 --gt-k K]]   (real rows, --dim per row)
 *
 * 1. N vectors (C seeded Gaussian-like clusters, ids following the clusters; or --base) are
 *    ingested, indexed (M 16, ef_construction 200, T threads) and compacted once.
 * 2. Two sketch epochs: 2,000 ef-64 queries near rows of the first 3% of the ids, a compaction
 *    after the first (it writes the sketch: epoch 1); the file is then copied and both copies get
 *    the second epoch's queries; PREFIX.plain is compacted untiered, PREFIX.tiers with tiers
 *    (the skewed blocks hot in both epochs are promoted, the rest warm or cold).
 * 3. Ground truth: --gt when given, else the exact top-10 over the original rows (exact scan of
 *    the untiered file, which holds them bit for bit).
 * 4. Per file: size, bytes per vector, recall@10 (ef 64) of the Q queries after a full load, and
 *    through a counting range source (rvf_open_source): bytes read by the root boot plus the
 *    first query (also split by the segment type they fell in), the partitions it read, and
 *    the mean recall of the Q queries answered in that progressive state. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BENCH_NAME "bench_tiers"
#include "bench_util.h"

#define K 10

static float *read_rows(const char *path, uint32_t dim, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    *n = (size_t)len / (dim * sizeof(float));
    float *v = malloc(*n * dim * sizeof *v + 1);
    if (v && fread(v, dim * sizeof *v, *n, f) != *n) {
        free(v);
        v = NULL;
    }
    fclose(f);
    return v;
}

static double recall_of(const rvf_hit *got, uint32_t n, const uint64_t *truth)
{
    uint32_t hit = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < K; j++)
            hit += got[i].id == truth[j];
    return (double)hit / K;
}

/* one epoch of skewed queries: near rows of the first 3% of the ids */
static rvf_status warm(rvf_store *s, const float *rows, size_t n, uint32_t dim)
{
    float *q = malloc(dim * sizeof *q);
    rvf_hit h[K];
    uint32_t got = 0;
    rvf_status st = RVF_OK;
    rvf_query_params p = {.k = K, .metric = -1, .ef = 64};
    uint64_t r = 0x5EEDull;
    for (int i = 0; i < 2000 && st == RVF_OK; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        size_t row = (size_t)((r >> 33) % (n * 3 / 100 + 1));
        for (uint32_t d = 0; d < dim; d++)
            q[d] = rows[row * dim + d] + noise() * 0.01f;
        st = rvf_query(s, q, dim, &p, h, &got);
    }
    free(q);
    return st;
}

typedef struct result {
    uint64_t size, first_bytes, first_reads, hot;
    uint32_t first_parts;
    uint64_t hot_seg, layer_a, vec_bytes, vec_segs;
    uint64_t first_by_type[256]; /* the first query's bytes per segment type (0x05: manifest) */
    double recall_full, recall_first, first_ms;
} result;

static rvf_status measure(const char *path, const float *queries, uint32_t nq, uint32_t dim,
                          const uint64_t *truth, size_t n, result *r)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return RVF_ERR_IO_ERROR;
    r->size = (uint64_t)sb.st_size;
    (void)n;
    rvf_hit h[K];
    uint32_t got = 0;
    rvf_query_params p = {.k = K, .metric = -1, .ef = 64};
    /* progressive: the root boot and the first query, then the rest in that state */
    static counting c;
    memset(&c, 0, sizeof c);
    c.fd = open(path, O_RDONLY);
    c.log = true;
    rvf_source src = {&c, r->size, counting_read, counting_close};
    rvf_store *s = NULL;
    rvf_status st = rvf_open_source(&src, &s);
    double t0 = now_ms(), sum = 0;
    for (uint32_t i = 0; i < nq && st == RVF_OK; i++) {
        st = rvf_query(s, queries + (size_t)i * dim, dim, &p, h, &got);
        if (i == 0) {
            r->first_ms = now_ms() - t0;
            r->first_bytes = c.bytes;
            r->first_reads = c.calls;
            rvf_status_info fi;
            if (st == RVF_OK && rvf_status_get(s, &fi) == RVF_OK)
                r->first_parts = fi.partitions_loaded;
            c.log = false;
        }
        sum += recall_of(h, got, truth + (size_t)i * K);
    }
    r->recall_first = sum / nq;
    rvf_close(s);
    if (st != RVF_OK)
        return st;
    /* full load (a path open reads everything on first use) */
    st = rvf_open_readonly(path, &s);
    rvf_status_info si;
    if (st == RVF_OK && (st = rvf_status_get(s, &si)) == RVF_OK)
        r->hot = si.hot_vectors;
    rvf_segment_info *segs = NULL;
    uint32_t nseg = 0;
    if (st == RVF_OK && (st = rvf_segments(s, &segs, &nseg)) == RVF_OK) {
        for (uint32_t i = 0; i < nseg; i++) {
            uint64_t b = 64 + segs[i].payload_length;
            if (segs[i].seg_type == 0x08)
                r->hot_seg += b;
            else if (segs[i].seg_type == 0x02 && (segs[i].flags & 0x0040))
                r->layer_a += b;
            else if (segs[i].seg_type == 0x01) {
                r->vec_bytes += b;
                r->vec_segs++;
            }
        }
        for (uint32_t j = 0; j < c.nlog; j++) { /* what the first query's reads were */
            uint64_t a = c.off[j], z = c.off[j] + c.len[j], seen = 0;
            for (uint32_t i = 0; i < nseg; i++) {
                uint64_t sa = segs[i].offset,
                         sz = sa + 64 + ((segs[i].payload_length + 63) & ~63ull);
                uint64_t lo = a > sa ? a : sa, hi = z < sz ? z : sz;
                if (hi > lo) {
                    r->first_by_type[segs[i].seg_type] += hi - lo;
                    seen += hi - lo;
                }
            }
            r->first_by_type[0x05] += c.len[j] - seen; /* the root and Level 1 */
        }
        rvf_release(segs);
    }
    sum = 0;
    for (uint32_t i = 0; i < nq && st == RVF_OK; i++) {
        st = rvf_query(s, queries + (size_t)i * dim, dim, &p, h, &got);
        sum += recall_of(h, got, truth + (size_t)i * K);
    }
    r->recall_full = sum / nq;
    rvf_close(s);
    return st;
}

int main(int argc, char **argv)
{
    bench_seed(0x7155D00Dull);
    size_t n = 200000;
    uint32_t dim = 64, clusters = 256, nq = 200, threads = 2, gt_k = 0;
    const char *prefix = "/tmp/bench_tiers", *base = NULL, *qpath = NULL, *gtpath = NULL;
    rvf_compact_options co = {1, RVF_COLD_SQ8};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "usage: bench_tiers [--n N] [--dim D] [--clusters C] [--queries Q] "
                            "[--cold sq8|pq|binary] [--threads T] [--path PREFIX] "
                            "[--base F.f32 --query Q.f32 [--gt G.i32 --gt-k K]]\n");
            return 2;
        }
        i++;
        if (!strcmp(a, "--n"))
            n = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--dim"))
            dim = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--clusters"))
            clusters = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--queries"))
            nq = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--threads"))
            threads = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--path"))
            prefix = v;
        else if (!strcmp(a, "--base"))
            base = v;
        else if (!strcmp(a, "--query"))
            qpath = v;
        else if (!strcmp(a, "--gt"))
            gtpath = v;
        else if (!strcmp(a, "--gt-k"))
            gt_k = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--cold"))
            co.cold = !strcmp(v, "pq")       ? RVF_COLD_PQ
                      : !strcmp(v, "binary") ? RVF_COLD_BINARY
                                             : RVF_COLD_SQ8;
        else {
            fprintf(stderr, "bench_tiers: unknown option %s\n", a);
            return 2;
        }
    }
    float *rows = NULL, *queries = NULL;
    if (base) {
        size_t nqr = 0;
        rows = read_rows(base, dim, &n);
        queries = qpath ? read_rows(qpath, dim, &nqr) : NULL;
        if (!rows || !queries) {
            fprintf(stderr, "bench_tiers: --base and --query must both be readable\n");
            return 1;
        }
        nq = nq < nqr ? nq : (uint32_t)nqr;
    } else {
        float *cent = malloc((size_t)clusters * dim * sizeof *cent);
        rows = malloc(n * dim * sizeof *rows);
        queries = malloc((size_t)nq * dim * sizeof *queries);
        for (size_t i = 0; i < (size_t)clusters * dim; i++)
            cent[i] = unit() * 4.0f;
        for (size_t i = 0; i < n; i++) /* ids follow the clusters */
            for (uint32_t d = 0; d < dim; d++)
                rows[i * dim + d] = cent[(i * clusters / n) * dim + d] + noise();
        for (uint32_t i = 0; i < nq; i++) {
            uint32_t c = (uint32_t)((unit() + 1.0f) * 0.5f * clusters) % clusters;
            for (uint32_t d = 0; d < dim; d++)
                queries[(size_t)i * dim + d] = cent[(size_t)c * dim + d] + noise();
        }
        free(cent);
    }
    char p_base[512], p_plain[512], p_tiers[512];
    snprintf(p_base, sizeof p_base, "%s.base", prefix);
    snprintf(p_plain, sizeof p_plain, "%s.plain", prefix);
    snprintf(p_tiers, sizeof p_tiers, "%s.tiers", prefix);
    unlink(p_base);
    printf("bench_tiers: %zu x %u (%s), %u queries, cold %s\n", n, dim,
           base ? base : "generated clusters", nq,
           co.cold == RVF_COLD_PQ       ? "pq"
           : co.cold == RVF_COLD_BINARY ? "binary"
                                        : "sq8");
    /* 1. build */
    double t0 = now_ms();
    rvf_options o = rvf_options_default(dim);
    o.no_sync = 1;
    rvf_store *s = NULL;
    rvf_status st = rvf_create(p_base, &o, &s);
    uint64_t *ids = malloc(10000 * sizeof *ids);
    for (size_t a = 0; a < n && st == RVF_OK; a += 10000) {
        size_t m = n - a < 10000 ? n - a : 10000;
        for (size_t i = 0; i < m; i++)
            ids[i] = a + i;
        st = rvf_ingest(s, rows + a * dim, ids, m, NULL, NULL);
    }
    free(ids);
    rvf_index_options io = rvf_index_options_default();
    io.threads = threads;
    if (st == RVF_OK)
        st = rvf_build_index(s, &io);
    if (st == RVF_OK)
        st = rvf_compact(s);
    /* 2. epoch 1, then the copies and epoch 2 */
    if (st == RVF_OK)
        st = warm(s, rows, n, dim);
    if (st == RVF_OK)
        st = rvf_compact(s);
    if (s)
        rvf_close(s);
    if (st != RVF_OK)
        return die("build", st);
    printf("  built, indexed and warmed in %.1f s\n", (now_ms() - t0) / 1e3);
    if (copy_file(p_base, p_plain) || copy_file(p_base, p_tiers)) {
        fprintf(stderr, "bench_tiers: copying %s failed\n", p_base);
        return 1;
    }
    unlink(p_base);
    const char *paths[2] = {p_plain, p_tiers};
    for (int f = 0; f < 2; f++) {
        st = rvf_open(paths[f], &s);
        if (st == RVF_OK)
            st = warm(s, rows, n, dim);
        t0 = now_ms();
        if (st == RVF_OK)
            st = f ? rvf_compact_ex(s, &co) : rvf_compact(s);
        if (st == RVF_OK)
            printf("  %s compaction: %.1f s\n", f ? "tiered" : "untiered", (now_ms() - t0) / 1e3);
        if (s)
            rvf_close(s);
        if (st != RVF_OK)
            return die(paths[f], st);
    }
    /* 3. ground truth */
    uint64_t *truth = malloc((size_t)nq * K * sizeof *truth);
    if (gtpath && gt_k >= K) {
        FILE *g = fopen(gtpath, "rb");
        int32_t *row = malloc(gt_k * sizeof *row);
        for (uint32_t i = 0; g && i < nq; i++) {
            if (fread(row, sizeof *row, gt_k, g) != gt_k)
                return die("--gt", RVF_ERR_TRUNCATED_SEGMENT);
            for (int j = 0; j < K; j++)
                truth[(size_t)i * K + j] = (uint64_t)row[j];
        }
        if (g)
            fclose(g);
        free(row);
    } else {
        st = rvf_open_readonly(p_plain, &s);
        rvf_hit h[K];
        uint32_t got = 0;
        rvf_query_params p = {.k = K, .metric = -1, .ef = 0};
        for (uint32_t i = 0; i < nq && st == RVF_OK; i++) {
            st = rvf_query(s, queries + (size_t)i * dim, dim, &p, h, &got);
            for (uint32_t j = 0; j < K; j++)
                truth[(size_t)i * K + j] = j < got ? h[j].id : UINT64_MAX;
        }
        rvf_close(s);
        if (st != RVF_OK)
            return die("ground truth", st);
    }
    /* 4. measure */
    result r[2];
    memset(r, 0, sizeof r);
    for (int f = 0; f < 2; f++)
        if ((st = measure(paths[f], queries, nq, dim, truth, n, &r[f])) != RVF_OK)
            return die(paths[f], st);
    printf("  %-9s %12s %9s %11s %14s %8s %13s %9s\n", "file", "bytes", "B/vector", "recall@10",
           "first query B", "reads", "first recall", "hot");
    for (int f = 0; f < 2; f++)
        printf("  %-9s %12" PRIu64 " %9.1f %11.3f %14" PRIu64 " %8" PRIu64 " %13.3f %9" PRIu64 "\n",
               f ? "tiered" : "untiered", r[f].size, (double)r[f].size / (double)n,
               r[f].recall_full, r[f].first_bytes, r[f].first_reads, r[f].recall_first, r[f].hot);
    for (int f = 0; f < 2; f++)
        printf("  %-9s first query read %u partitions; Layer A %" PRIu64 " B, HOT_SEG %" PRIu64
               " B, %" PRIu64 " VEC_SEGs of %.0f B on average\n",
               f ? "tiered" : "untiered", r[f].first_parts, r[f].layer_a, r[f].hot_seg,
               r[f].vec_segs, r[f].vec_segs ? (double)r[f].vec_bytes / (double)r[f].vec_segs : 0.0);
    for (int f = 0; f < 2; f++)
        printf("  %-9s first query bytes: VEC %" PRIu64 ", INDEX %" PRIu64 ", HOT %" PRIu64
               ", QUANT %" PRIu64 ", SKETCH %" PRIu64 ", manifest %" PRIu64 "\n",
               f ? "tiered" : "untiered", r[f].first_by_type[0x01], r[f].first_by_type[0x02],
               r[f].first_by_type[0x08], r[f].first_by_type[0x06], r[f].first_by_type[0x09],
               r[f].first_by_type[0x05]);
    printf("  tiered / untiered: size %.3fx, first-query bytes %.3fx\n",
           (double)r[1].size / (double)r[0].size,
           (double)r[1].first_bytes / (double)r[0].first_bytes);
    unlink(p_plain);
    unlink(p_tiers);
    free(rows);
    free(queries);
    free(truth);
    return 0;
}

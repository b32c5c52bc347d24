/* bench_coldstart.c: the cold-start benchmark of RVF-BRIEF §15.1 at the scale this machine
 * allows (issue 5: >= 1M vectors, dim >= 96). It prints figures and the §15.7 report JSON; it
 * is never a timed test.
 *
 *   bench_coldstart [--n N] [--dim D] [--clusters C] [--queries Q] [--path FILE] [--reuse]
 *                   [--threads T] [--json OUT]     (T: index build threads, default 1)
 *                   [--base F.f32 --query Q.f32]   (real rows instead of the generator:
 *                                                   raw little-endian f32, --dim per row)
 *                   [--skew]                       (the hot tier, below)
 *
 * --skew (generated data only, rebuilds): ids follow the clusters (cluster c holds a contiguous
 * id range, as when a store is filled source by source), so the §7.2 sketch blocks (id / 1024)
 * have a temperature. After the index build the file is copied (FILE.nohist: no access history),
 * 300 ef-64 queries near the clusters inside two blocks in the middle of the id space warm the
 * sketch, and both files are compacted: FILE gets a HOT_SEG, the copy does not. The held-out
 * queries are near those hot clusters; the cold phase below runs on FILE, then the first query
 * and the Layer-A state are measured on the copy the same way for comparison.
 *
 * 1. Build (skipped with --reuse when FILE exists): N clustered vectors (C Gaussian-like
 *    clusters, seeded), ingested in batches of 10,000, rvf_build_index (M 16, ef_construction
 *    200), then rvf_compact, which lays the rows out by k-means partition and writes Layer A
 *    right before the manifest.
 * 2. Ground truth: exact top-10 of Q held-out queries (same clusters), by our exact scan.
 * 3. Cold: the file's pages are dropped (drop_caches when permitted, else posix_fadvise
 *    DONTNEED on the file), then the file is opened through a counting pread source:
 *    boot (the root alone: 4096 bytes, one read), the first query (Level 1, Layer A and the
 *    probed partitions: the "A only" state), then all Q queries on the same open: the second
 *    query reads Layer B (FORMAT.md "Layer B") and the later ones are the "A + B" state (§15.1
 *    "working quality", reached with the third answer); then rvf_load (everything and the graph),
 * the Q queries at ef 64 (steady state) and an ef sweep 16..256 on the full graph (§15.1 "full" >=
 * 0.95, "optimized" >= 0.98). The "A only" state over all Q queries is measured apart, each query
 * the first of a fresh open (the first query of an open never reads Layer B). Bytes and requests
 * are what the source served. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BENCH_NAME "bench_coldstart"
#include "bench_util.h"

/* the CPU's model name (/proc/cpuinfo), or "unknown" */
static void cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) != 0 || !colon)
            continue;
        colon++;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        size_t n = strcspn(colon, "\n");
        for (size_t i = 0; i < n; i++) /* JSON-safe */
            if (colon[i] == '"' || colon[i] == '\\')
                colon[i] = ' ';
        snprintf(out, cap, "%.*s", (int)n, colon);
        break;
    }
    if (f)
        fclose(f);
}

static void progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (done % 65536 < 1024 || done == total)
        fprintf(stderr, "\r  index: %" PRIu64 " / %" PRIu64 "   ", done, total);
    if (done == total)
        fputc('\n', stderr);
}

static double recall_of(const rvf_hit *got, uint32_t n, const rvf_hit *truth, uint32_t k)
{
    uint32_t hit = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < k; j++)
            hit += got[i].id == truth[j].id;
    return (double)hit / k;
}

static const char *drop_cache(const char *path)
{
    FILE *f = fopen("/proc/sys/vm/drop_caches", "w");
    if (f) {
        sync();
        bool ok = fputs("3\n", f) >= 0;
        ok &= fclose(f) == 0;
        if (ok)
            return "drop_caches";
    }
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        fdatasync(fd);
        int r = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
        if (r == 0)
            return "fadvise_dontneed";
    }
    return "none";
}

static float *queries_given; /* --query rows, else NULL */

/* --skew: the cluster of vector i (contiguous id ranges), and the clusters lying wholly inside
 * the two sketch blocks from id n/2 on (at least one: the cluster of the first such id). */
static uint32_t skew_cluster(uint32_t i, uint32_t n, uint32_t clusters)
{
    return (uint32_t)((uint64_t)i * clusters / n);
}

static uint32_t skew_hot(uint32_t n, uint32_t clusters, uint32_t *hot, uint32_t cap)
{
    uint32_t lo = n / 2 / 1024 * 1024, hi = lo + 2048 < n ? lo + 2048 : n, nh = 0;
    for (uint32_t c = skew_cluster(lo, n, clusters); c < clusters && nh < cap; c++) {
        uint32_t first = (uint32_t)(((uint64_t)c * n + clusters - 1) / clusters);
        uint32_t end = (uint32_t)(((uint64_t)(c + 1) * n + clusters - 1) / clusters);
        if (first >= hi)
            break;
        if (first >= lo && end <= hi)
            hot[nh++] = c;
    }
    if (!nh)
        hot[nh++] = skew_cluster(lo, n, clusters);
    return nh;
}

typedef struct cold_figures {
    double first_ms, first_recall, a_recall;
    uint64_t first_bytes, a_bytes;
    uint32_t a_parts, a_no_read; /* a_no_read: queries that read nothing */
} cold_figures;

/* The first query and the Layer-A state of a progressive open of path (the --skew comparison). */
static int cold_layer_a(const char *path, uint32_t dim, const float *queries, uint32_t nq,
                        const rvf_hit *truth, cold_figures *f)
{
    counting c = {.fd = open(path, O_RDONLY)};
    struct stat sb;
    if (c.fd < 0 || fstat(c.fd, &sb) != 0)
        return 1;
    rvf_source src = {&c, (uint64_t)sb.st_size, counting_read, NULL};
    rvf_store *s = NULL;
    rvf_status st = rvf_open_source(&src, &s);
    if (st != RVF_OK)
        return die("open_source (copy)", st);
    rvf_hit hits[10];
    uint32_t got = 0;
    rvf_query_params pa = {10, -1, NULL, 0, 64};
    double t0 = now_ms();
    st = rvf_query(s, queries, dim, &pa, hits, &got);
    f->first_ms = now_ms() - t0;
    if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
        return die("first query (copy)", st);
    f->first_recall = recall_of(hits, got, truth, 10);
    f->first_bytes = c.bytes;
    double sum = 0;
    for (uint32_t q = 0; q < nq; q++) {
        got = 0;
        uint64_t before = c.bytes;
        st = rvf_query(s, queries + (size_t)q * dim, dim, &pa, hits, &got);
        if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
            return die("Layer-A query (copy)", st);
        f->a_no_read += c.bytes == before;
        sum += recall_of(hits, got, truth + (size_t)q * 10, 10);
    }
    rvf_status_info si;
    rvf_status_get(s, &si);
    f->a_recall = sum / nq;
    f->a_bytes = c.bytes;
    f->a_parts = si.partitions_loaded;
    rvf_close(s);
    close(c.fd);
    return 0;
}

int main(int argc, char **argv)
{
    bench_seed(0x9E3779B97F4A7C15ull);
    uint32_t n = 1000000, dim = 96, clusters = 1000, nq = 100, threads = 1;
    const char *path = "out/bench-data/coldstart.rvf", *json = NULL, *base = NULL, *qfile = NULL;
    int reuse = 0, skew = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--reuse")) {
            reuse = 1;
            continue;
        }
        if (!strcmp(a, "--skew")) {
            skew = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "usage: bench_coldstart [--n N] [--dim D] [--clusters C] "
                            "[--queries Q] [--path FILE] [--reuse] [--threads T] [--json OUT] "
                            "[--skew]\n");
            return 2;
        }
        i++;
        if (!strcmp(a, "--n"))
            n = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--dim"))
            dim = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--clusters"))
            clusters = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--queries"))
            nq = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--threads"))
            threads = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--path"))
            path = v;
        else if (!strcmp(a, "--json"))
            json = v;
        else if (!strcmp(a, "--base"))
            base = v;
        else if (!strcmp(a, "--query"))
            qfile = v;
        else {
            fprintf(stderr, "bench_coldstart: unknown option %s\n", a);
            return 2;
        }
    }
    float *base_rows = NULL;
    if (base || qfile) { /* real data: n from the file, queries its first nq rows */
        struct stat bs, qs;
        FILE *bf = base ? fopen(base, "rb") : NULL, *qf = qfile ? fopen(qfile, "rb") : NULL;
        if (!bf || !qf || stat(base, &bs) || stat(qfile, &qs)) {
            fprintf(stderr, "bench_coldstart: --base and --query must both be readable\n");
            return 2;
        }
        n = (uint32_t)(bs.st_size / (off_t)(dim * sizeof(float)));
        if ((uint64_t)qs.st_size / (dim * sizeof(float)) < nq)
            nq = (uint32_t)(qs.st_size / (off_t)(dim * sizeof(float)));
        base_rows = malloc((size_t)n * dim * sizeof *base_rows);
        float *q = malloc((size_t)nq * dim * sizeof *q);
        if (!base_rows || !q || fread(base_rows, sizeof(float) * dim, n, bf) != n ||
            fread(q, sizeof(float) * dim, nq, qf) != nq) {
            fprintf(stderr, "bench_coldstart: reading %s / %s failed\n", base, qfile);
            return 1;
        }
        fclose(bf);
        fclose(qf);
        queries_given = q;
    }
    if (n < 1000 || dim < 2 || clusters < 1 || nq < 1) {
        fprintf(stderr, "bench_coldstart: need --n >= 1000, --dim >= 2, --clusters, --queries\n");
        return 2;
    }
    float *centres = malloc((size_t)clusters * dim * sizeof *centres);
    float *queries = malloc((size_t)nq * dim * sizeof *queries);
    if (!centres || !queries)
        return 1;
    for (size_t i = 0; i < (size_t)clusters * dim; i++)
        centres[i] = unit() * 2.0f;
    if (skew && (base_rows || reuse)) {
        fprintf(stderr, "bench_coldstart: --skew needs generated data and no --reuse\n");
        return 2;
    }
    uint32_t hot[64], nhot = skew ? skew_hot(n, clusters, hot, 64) : 0;
    char nohist[1100];
    snprintf(nohist, sizeof nohist, "%s.nohist", path);
    double build_ms = 0;
    struct stat sb;
    if (!reuse || stat(path, &sb) != 0) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "rm -f '%s' '%s.lock'", path, path);
        if (system(cmd) != 0)
            return 1;
        rvf_options o = rvf_options_default(dim);
        o.no_sync = 1;
        rvf_store *s = NULL;
        rvf_status st = rvf_create(path, &o, &s);
        if (st != RVF_OK)
            return die("create", st);
        enum { B = 10000 };
        float *v = malloc((size_t)B * dim * sizeof *v);
        uint64_t *ids = malloc(B * sizeof *ids);
        double t0 = now_ms();
        for (uint32_t a = 0; a < n && st == RVF_OK; a += B) {
            uint32_t cnt = n - a < B ? n - a : B;
            for (uint32_t i = 0; i < cnt; i++) {
                uint32_t cl =
                    skew ? skew_cluster(a + i, n, clusters) : (a + i) * 2654435761u % clusters;
                const float *c = centres + (size_t)cl * dim;
                for (uint32_t d = 0; d < dim; d++)
                    v[(size_t)i * dim + d] =
                        base_rows ? base_rows[(size_t)(a + i) * dim + d] : c[d] + noise();
                ids[i] = a + i;
            }
            st = rvf_ingest(s, v, ids, cnt, NULL, NULL);
        }
        free(v);
        free(ids);
        if (st != RVF_OK)
            return die("ingest", st);
        double t1 = now_ms();
        fprintf(stderr, "  ingest: %u vectors in %.1f s\n", n, (t1 - t0) / 1e3);
        rvf_index_options io = rvf_index_options_default();
        io.progress = progress;
        io.threads = threads;
        if ((st = rvf_build_index(s, &io)) != RVF_OK)
            return die("build_index", st);
        double t2 = now_ms();
        fprintf(stderr, "  index: %.1f s\n", (t2 - t1) / 1e3);
        if (skew) { /* the copy without history, then the skewed use that warms the sketch */
            rvf_close(s);
            s = NULL;
            if (copy_file(path, nohist) || (st = rvf_open(nohist, &s)) != RVF_OK ||
                (st = rvf_compact(s)) != RVF_OK)
                return die("copy and compact the copy", st);
            rvf_close(s);
            if ((st = rvf_open(path, &s)) != RVF_OK)
                return die("reopen", st);
            bench_seed(0x5EED5EED5EEDull);
            float *q = malloc((size_t)dim * sizeof *q);
            for (uint32_t w = 0; w < 300 && st == RVF_OK; w++) {
                const float *c = centres + (size_t)hot[w % nhot] * dim;
                for (uint32_t d = 0; d < dim; d++)
                    q[d] = c[d] + noise();
                rvf_hit h[10];
                uint32_t got = 0;
                rvf_query_params pw = {10, -1, NULL, 0, 64};
                st = rvf_query(s, q, dim, &pw, h, &got);
            }
            free(q);
            if (st != RVF_OK)
                return die("warm-up query", st);
            uint8_t est = 0, tier = 0;
            rvf_temperature(s, n / 2 / 1024 * 1024, &est, &tier);
            fprintf(stderr,
                    "  skew: 300 queries near %u clusters; block %u estimate %u (tier %u)\n", nhot,
                    n / 2 / 1024, est, tier);
            t2 = now_ms();
        }
        if ((st = rvf_compact(s)) != RVF_OK)
            return die("compact", st);
        fprintf(stderr, "  compact (partition layout + Layer A): %.1f s\n", (now_ms() - t2) / 1e3);
        build_ms = now_ms() - t0;
        rvf_close(s);
    }
    /* held-out queries from the same clusters (another stream of the generator) */
    bench_seed(0xC0FFEE123456789ull);
    if (queries_given)
        memcpy(queries, queries_given, (size_t)nq * dim * sizeof *queries);
    for (uint32_t q = 0; q < nq && !queries_given; q++) {
        const float *c = centres + (size_t)(skew ? hot[q % nhot] : q * 7919u % clusters) * dim;
        for (uint32_t d = 0; d < dim; d++)
            queries[(size_t)q * dim + d] = c[d] + noise();
    }
    /* ground truth by our exact scan */
    rvf_hit *truth = malloc((size_t)nq * 10 * sizeof *truth);
    rvf_store *g = NULL;
    rvf_status st = rvf_open_readonly(path, &g);
    if (st != RVF_OK)
        return die("open (ground truth)", st);
    double tg = now_ms();
    for (uint32_t q = 0; q < nq; q++) {
        rvf_query_params p = {10, -1, NULL, 0, 0};
        uint32_t got = 0;
        st = rvf_query(g, queries + (size_t)q * dim, dim, &p, truth + (size_t)q * 10, &got);
        if (st != RVF_OK)
            return die("exact query", st);
    }
    fprintf(stderr, "  ground truth: %u exact queries in %.1f s\n", nq, (now_ms() - tg) / 1e3);
    rvf_close(g);

    /* cold */
    const char *dropped = drop_cache(path);
    counting c = {.fd = open(path, O_RDONLY)};
    if (c.fd < 0 || fstat(c.fd, &sb) != 0) {
        perror(path);
        return 1;
    }
    rvf_source src = {&c, (uint64_t)sb.st_size, counting_read, NULL};
    rvf_store *s = NULL;
    double t0 = now_ms();
    if ((st = rvf_open_source(&src, &s)) != RVF_OK)
        return die("open_source", st);
    double boot_ms = now_ms() - t0;
    uint64_t boot_bytes = c.bytes, boot_reqs = c.calls;
    rvf_hit hits[10];
    uint32_t got = 0;
    rvf_query_params pa = {10, -1, NULL, 0, 64};
    t0 = now_ms();
    st = rvf_query(s, queries, dim, &pa, hits, &got);
    double first_ms = now_ms() - t0;
    if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
        return die("first query", st);
    double first_recall = recall_of(hits, got, truth, 10);
    uint64_t first_bytes = c.bytes, first_reqs = c.calls;
    rvf_status_info si;
    rvf_status_get(s, &si);
    uint32_t first_parts = si.partitions_loaded, hot_vectors = si.hot_vectors;
    /* the second query reads Layer B; working quality ("A + B") is reached with the third */
    double a_sum = 0, wq_ms = 0, wq_recall = 0;
    uint64_t wq_bytes = 0;
    uint32_t a_no_read = 0;
    t0 = now_ms();
    for (uint32_t q = 0; q < nq; q++) {
        got = 0;
        uint64_t before = c.bytes;
        st = rvf_query(s, queries + (size_t)q * dim, dim, &pa, hits, &got);
        a_no_read += c.bytes == before;
        if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
            return die("A + B query", st);
        a_sum += recall_of(hits, got, truth + (size_t)q * 10, 10);
        if (q == (nq > 1 ? 1u : 0u)) { /* the third answer of the open: the first A + B one */
            wq_ms = boot_ms + first_ms + (now_ms() - t0);
            wq_bytes = c.bytes;
            wq_recall = recall_of(hits, got, truth + (size_t)q * 10, 10);
        }
    }
    double a_ms = now_ms() - t0;
    rvf_status_get(s, &si);
    uint64_t a_bytes = c.bytes;
    uint32_t a_parts = si.partitions_loaded, b_nodes = si.layer_b_nodes,
             b_parts = si.layer_b_partitions;
    /* "A only": each query the first of a fresh open (page cache warm by now); then the same
     * query twice more on that open (the second reads Layer B, the third is "A + B") with
     * nothing resident but what the first one read */
    double ao_sum = 0, ao_ms = 0, ab1_sum = 0, ab1_ms = 0;
    uint64_t ao_bytes = 0, ab1_bytes = 0;
    for (uint32_t q = 0; q < nq; q++) {
        counting c1 = {.fd = open(path, O_RDONLY)};
        rvf_source s1 = {&c1, (uint64_t)sb.st_size, counting_read, NULL};
        rvf_store *o1 = NULL;
        if (c1.fd < 0 || (st = rvf_open_source(&s1, &o1)) != RVF_OK)
            return die("open_source (A only)", st);
        double tq = now_ms();
        got = 0;
        st = rvf_query(o1, queries + (size_t)q * dim, dim, &pa, hits, &got);
        ao_ms += now_ms() - tq;
        if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
            return die("A-only query", st);
        ao_sum += recall_of(hits, got, truth + (size_t)q * 10, 10);
        ao_bytes += c1.bytes;
        uint64_t before = c1.bytes;
        got = 0; /* the second query reads Layer B (and answers as the first) */
        st = rvf_query(o1, queries + (size_t)q * dim, dim, &pa, hits, &got);
        if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
            return die("second query (fresh open)", st);
        tq = now_ms();
        got = 0;
        st = rvf_query(o1, queries + (size_t)q * dim, dim, &pa, hits, &got);
        ab1_ms += now_ms() - tq;
        if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
            return die("A + B query (fresh open)", st);
        ab1_sum += recall_of(hits, got, truth + (size_t)q * 10, 10);
        ab1_bytes += c1.bytes - before;
        rvf_close(o1);
        close(c1.fd);
    }
    t0 = now_ms();
    if ((st = rvf_load(s)) != RVF_OK)
        return die("load", st);
    double load_ms = now_ms() - t0;
    uint64_t full_bytes = c.bytes;
    double f_sum = 0, *lat = malloc(nq * sizeof *lat);
    t0 = now_ms();
    for (uint32_t q = 0; q < nq; q++) {
        double tq = now_ms();
        got = 0;
        st = rvf_query(s, queries + (size_t)q * dim, dim, &pa, hits, &got);
        lat[q] = now_ms() - tq;
        if (st != RVF_OK)
            return die("full query", st);
        f_sum += recall_of(hits, got, truth + (size_t)q * 10, 10);
    }
    double f_ms = now_ms() - t0;
    for (uint32_t i = 1; i < nq; i++) /* insertion sort: nq is small */
        for (uint32_t j = i; j > 0 && lat[j - 1] > lat[j]; j--) {
            double t = lat[j];
            lat[j] = lat[j - 1];
            lat[j - 1] = t;
        }
    /* the ef sweep on the full graph: recall, QPS (each ef run twice, the second counted) */
    enum { NEF = 5 };
    static const uint32_t efs[NEF] = {16, 32, 64, 128, 256};
    double sw_recall[NEF], sw_qps[NEF];
    for (int e = 0; e < NEF; e++) {
        rvf_query_params pe = {10, -1, NULL, 0, efs[e]};
        double sum = 0, te = 0;
        for (int pass = 0; pass < 2; pass++) {
            sum = 0;
            te = now_ms();
            for (uint32_t q = 0; q < nq; q++) {
                got = 0;
                st = rvf_query(s, queries + (size_t)q * dim, dim, &pe, hits, &got);
                if (st != RVF_OK)
                    return die("ef sweep query", st);
                sum += recall_of(hits, got, truth + (size_t)q * 10, 10);
            }
            te = now_ms() - te;
        }
        sw_recall[e] = sum / nq;
        sw_qps[e] = nq / (te / 1e3);
    }
    rvf_close(s);

    printf("cold start, %u x %u f32, %s, file %.1f MB (page cache: %s)\n", n, dim,
           base ? base : "generated clusters", (double)sb.st_size / 1e6, dropped);
    if (build_ms > 0)
        printf("  build (ingest + index + compaction)   %.1f s\n", build_ms / 1e3);
    printf("  boot          %7.2f ms  %9" PRIu64 " bytes  %3" PRIu64 " reads\n", boot_ms,
           boot_bytes, boot_reqs);
    printf("  first query   %7.2f ms  %9" PRIu64 " bytes  %3" PRIu64
           " reads  recall@10 %.2f  (%u partitions)\n",
           first_ms, first_bytes, first_reqs, first_recall, first_parts);
    printf("  A only        %u queries, each the first of a fresh open: mean recall@10 %.3f, "
           "%.2f ms/query, %.2f MB read per query\n",
           nq, ao_sum / nq, ao_ms / nq, (double)ao_bytes / nq / 1e6);
    printf(
        "  A + B, fresh  the same query twice more on that open (the second reads Layer B): "
        "third answer mean recall@10 %.3f, %.2f ms/query, %.2f MB more per open (Layer B and its "
        "partitions)\n",
        ab1_sum / nq, ab1_ms / nq, (double)ab1_bytes / nq / 1e6);
    printf("  working (A+B) %7.2f ms  %9" PRIu64 " bytes from open to the first A + B answer "
           "(Layer B: %u nodes), recall@10 %.2f\n",
           wq_ms, wq_bytes, b_nodes, wq_recall);
    printf("  A + B state   %u queries: mean recall@10 %.3f, %.2f ms/query, %" PRIu64
           " bytes read (%u partitions, %u of them by Layer-B walks)\n",
           nq, a_sum / nq, a_ms / nq, a_bytes, a_parts, b_parts);
    if (skew) {
        cold_figures cf = {0};
        if (cold_layer_a(nohist, dim, queries, nq, truth, &cf))
            return 1;
        printf("  hot tier: HOT_SEG of %u vectors; queries near %u hot clusters; %u of %u "
               "Layer-A queries read nothing\n",
               hot_vectors, nhot, a_no_read, nq);
        printf("  no history    first query %7.2f ms  %9" PRIu64 " bytes  recall@10 %.2f; "
               "A + B state: mean recall@10 %.3f, %" PRIu64
               " bytes read (%u partitions), %u queries read nothing\n",
               cf.first_ms, cf.first_bytes, cf.first_recall, cf.a_recall, cf.a_bytes, cf.a_parts,
               cf.a_no_read);
    }
    printf("  full load     %7.1f ms  %9" PRIu64 " bytes\n", load_ms, full_bytes);
    printf("  full graph    ef 64: mean recall@10 %.3f, %.0f QPS, p50 %.3f ms, p99 %.3f ms\n",
           f_sum / nq, nq / (f_ms / 1e3), lat[nq / 2], lat[nq * 99 / 100]);
    printf("  ef sweep     ");
    int opt_ef = -1;
    for (int e = 0; e < NEF; e++) {
        printf(" ef %u: %.3f / %.0f QPS%s", efs[e], sw_recall[e], sw_qps[e],
               e + 1 < NEF ? ";" : "");
        if (opt_ef < 0 && sw_recall[e] >= 0.98)
            opt_ef = e;
    }
    printf(
        "\n  milestones    first query <= 4 MB & >= 0.70: %s; working A+B >= 0.85: %s; full ef 64 "
        ">= 0.95: %s; optimized >= 0.98: %s (ef %d)\n",
        first_bytes <= (4u << 20) && first_recall >= 0.70 ? "met" : "NOT met",
        a_sum / nq >= 0.85 ? "met" : "NOT met", f_sum / nq >= 0.95 ? "met" : "NOT met",
        opt_ef >= 0 ? "met" : "NOT met", opt_ef >= 0 ? (int)efs[opt_ef] : -1);
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    FILE *out = json ? fopen(json, "w") : stdout;
    if (!out)
        out = stdout;
    fprintf(out,
            "{\"test_name\":\"cold_start_%u\",\"dataset\":{\"vector_count\":%u,\"dimensions\":%u,"
            "\"dtype\":\"f32\",\"file_size_bytes\":%lld,\"clusters\":%u,\"queries\":%u},"
            "\"hardware\":{\"cpu\":\"%s\",\"simd\":\"%s\",\"page_cache\":\"%s\"},"
            "\"results\":{\"boot_ms\":%.3f,\"boot_bytes\":%" PRIu64 ",\"first_query_ms\":%.3f,"
            "\"first_query_recall_at_10\":%.3f,\"data_read_first_query_mb\":%.3f,"
            "\"a_only_recall_at_10\":%.3f,\"a_plus_b_fresh_recall_at_10\":%.3f,"
            "\"working_quality_ms\":%.3f,\"working_quality_recall_at_10\":%.3f,"
            "\"data_read_working_quality_mb\":%.3f,\"layer_b_nodes\":%u,"
            "\"a_plus_b_state_recall_at_10\":%.3f,\"data_read_a_plus_b_state_mb\":%.3f,"
            "\"full_quality_ms\":%.1f,\"full_quality_recall_at_10\":%.3f,"
            "\"steady_state_qps\":%.0f,\"steady_state_p50_ms\":%.3f,\"steady_state_p95_ms\":%.3f,"
            "\"steady_state_p99_ms\":%.3f,\"ef_sweep\":[",
            n, n, dim, (long long)sb.st_size, clusters, nq, cpu, rvfk_ops_best()->name, dropped,
            boot_ms, boot_bytes, first_ms, first_recall, (double)first_bytes / 1048576.0,
            ao_sum / nq, ab1_sum / nq, wq_ms, wq_recall, (double)wq_bytes / 1048576.0, b_nodes,
            a_sum / nq, (double)a_bytes / 1048576.0, load_ms, f_sum / nq, nq / (f_ms / 1e3),
            lat[nq / 2], lat[nq * 95 / 100], lat[nq * 99 / 100]);
    for (int e = 0; e < NEF; e++)
        fprintf(out, "%s{\"ef\":%u,\"recall_at_10\":%.3f,\"qps\":%.0f}", e ? "," : "", efs[e],
                sw_recall[e], sw_qps[e]);
    fprintf(out, "]}}\n");
    if (out != stdout)
        fclose(out);
    close(c.fd);
    free(lat);
    free(truth);
    free(centres);
    free(queries);
    free(queries_given);
    free(base_rows);
    return 0;
}

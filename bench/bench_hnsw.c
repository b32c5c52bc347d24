/* bench_hnsw.c: our in-memory HNSW (runtime/src/rvf_hnsw.c) on a real data set, the "ours" side
 * of the peer benchmark (bench-peers.mjs runs hnswlib-node, usearch and hnswlib-wasm on the same
 * files in the same run).
 *
 * Loads raw little-endian f32 base and query rows and the exact ground truth written by
 * bench_groundtruth (int32 ids and f32 squared L2 distances, --gt-k per query). Builds the graph
 * single-threaded from the contiguous base array (rvf_hnsw_source base + stride), inserting rows
 * 0..n-1 in order; then, for each ef, runs a warm-up pass over the first 100 queries and then all
 * queries one at a time (k 10 by default), each timed alone, in --repeat passes (default 5).
 * A query's time is its fastest over the passes (the machine is shared: other processes only add
 * whole scheduler slices to some queries); QPS = queries / the sum of those times. The build is
 * timed once, wall clock and process CPU time.
 *
 * Recall@k: a returned row counts when it is one of the exact first k, or is tied in distance
 * with the exact k-th (taken from the gt list; bench-peers.mjs counts the same way for the peers).
 * Memory: peak RSS is VmHWM of /proc/self/status at the end (it includes the loaded data; the
 * RSS after loading is printed too). File size: the raw f32 vectors plus the INDEX_SEG payload
 * (rvf_indexseg_encode) of the graph, i.e. what a store with this index holds besides headers.
 *
 * Usage: bench_hnsw --base F --query F --gt-ids F --gt-dists F --dim D [--n N] [--nq Q]
 *                   [--gt-k 100] [--k 10] [--metric l2|ip|cosine] [--m 16] [--efc 200]
 *                   [--ef 16,32,64,128,256] [--repeat 5] [--seed S] [--name NAME]
 * Output: JSON lines, one "build", one per ef, and a final "memory" line. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME "bench_hnsw"
#include "bench_util.h"
#include "rvf_hnsw.h"
#include "rvf_indexseg.h"

#define MAX_EFS    16
#define WARMUP_MAX 100

/* The first `rows` records of `rec_bytes` each (rows 0 = the whole file); NULL on error. */
static void *load_rows(const char *path, size_t rec_bytes, size_t rows, size_t *rows_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    void *v = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len < 0 || (size_t)len % rec_bytes || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "bench_hnsw: %s is not a whole number of %zu-byte rows\n", path, rec_bytes);
        goto done;
    }
    size_t have = (size_t)len / rec_bytes;
    if (rows == 0)
        rows = have;
    if (rows > have || rows == 0) {
        fprintf(stderr, "bench_hnsw: %s has %zu rows, %zu asked\n", path, have, rows);
        goto done;
    }
    v = malloc(rows * rec_bytes);
    if (!v || fread(v, rec_bytes, rows, f) != rows) {
        fprintf(stderr, "bench_hnsw: cannot read %s\n", path);
        free(v);
        v = NULL;
        goto done;
    }
    *rows_out = rows;
done:
    fclose(f);
    return v;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[160];
    long v = -1;
    size_t len = strlen(field);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, len) && line[len] == ':') {
            v = strtol(line + len + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Hits of `got` among the exact first k of gt row (ids, dists), counting rows tied with the k-th.
 */
static uint32_t hits_at_k(const uint32_t *got, uint32_t n_got, const int32_t *ids,
                          const float *dists, size_t gt_k, uint32_t k)
{
    size_t limit = k;
    while (limit < gt_k && dists[limit] == dists[k - 1])
        limit++;
    uint32_t hits = 0;
    for (uint32_t i = 0; i < n_got; i++)
        for (size_t j = 0; j < limit; j++)
            if ((uint32_t)ids[j] == got[i]) {
                hits++;
                break;
            }
    return hits;
}

static const char *metric_name(rvf_metric m)
{
    return m == RVF_METRIC_IP ? "ip" : m == RVF_METRIC_COSINE ? "cosine" : "l2";
}

int main(int argc, char **argv)
{
    const char *base_path = NULL, *query_path = NULL, *gt_ids_path = NULL, *gt_d_path = NULL;
    const char *name = "data";
    uint32_t dim = 0, k = 10, efs[MAX_EFS] = {16, 32, 64, 128, 256}, n_ef = 5, repeat = 5;
    size_t n = 0, nq = 0, gt_k = 100;
    rvf_metric metric = RVF_METRIC_L2;
    rvf_hnsw_params params = {.m = 16, .ef_construction = 200, .seed = 42};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "bench_hnsw: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--base"))
            base_path = v;
        else if (!strcmp(a, "--query"))
            query_path = v;
        else if (!strcmp(a, "--gt-ids"))
            gt_ids_path = v;
        else if (!strcmp(a, "--gt-dists"))
            gt_d_path = v;
        else if (!strcmp(a, "--name"))
            name = v;
        else if (!strcmp(a, "--dim"))
            dim = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--n"))
            n = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--nq"))
            nq = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--gt-k"))
            gt_k = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--k"))
            k = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--m"))
            params.m = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--efc"))
            params.ef_construction = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--repeat"))
            repeat = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--seed"))
            params.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--metric")) {
            if (!strcmp(v, "l2"))
                metric = RVF_METRIC_L2;
            else if (!strcmp(v, "ip"))
                metric = RVF_METRIC_IP;
            else if (!strcmp(v, "cosine"))
                metric = RVF_METRIC_COSINE;
            else {
                fprintf(stderr, "bench_hnsw: metric %s: l2, ip or cosine\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--ef")) {
            n_ef = 0;
            const char *p = v;
            while (*p && n_ef < MAX_EFS) {
                char *end;
                unsigned long x = strtoul(p, &end, 10);
                if (end == p || x == 0 || x > 1000000) {
                    fprintf(stderr, "bench_hnsw: bad --ef list %s\n", v);
                    return 2;
                }
                efs[n_ef++] = (uint32_t)x;
                p = *end == ',' ? end + 1 : end;
            }
        } else {
            fprintf(stderr, "bench_hnsw: unknown option %s\n", a);
            return 2;
        }
    }
    if (!base_path || !query_path || !gt_ids_path || !gt_d_path || dim == 0 || k == 0 || k > gt_k ||
        n_ef == 0 || repeat == 0) {
        fprintf(stderr, "usage: bench_hnsw --base F --query F --gt-ids F --gt-dists F --dim D "
                        "[--n N] [--nq Q] [--gt-k 100] [--k 10] [--metric l2|ip|cosine] "
                        "[--m 16] [--efc 200] [--ef 16,32,...] [--repeat 5] [--seed S] "
                        "[--name NAME]\n");
        return 2;
    }

    size_t nq_gt = 0, nq_gtd = 0;
    float *base = load_rows(base_path, (size_t)dim * sizeof(float), n, &n);
    float *qs = base ? load_rows(query_path, (size_t)dim * sizeof(float), nq, &nq) : NULL;
    int32_t *gt_ids = qs ? load_rows(gt_ids_path, gt_k * sizeof(int32_t), nq, &nq_gt) : NULL;
    float *gt_d = gt_ids ? load_rows(gt_d_path, gt_k * sizeof(float), nq, &nq_gtd) : NULL;
    uint32_t *out = malloc(k * sizeof *out);
    double *lat = malloc(nq * sizeof *lat);
    rvf_hnsw *h = NULL;
    rvf_buf seg;
    rvf_buf_init(&seg);
    int rc = 1;
    if (!gt_d || !out || !lat)
        goto done;
    for (size_t i = 0; i < nq * gt_k; i++)
        if (gt_ids[i] < 0 || (size_t)gt_ids[i] >= n) {
            fprintf(stderr, "bench_hnsw: gt id %d outside the %zu base rows (gt for another n?)\n",
                    gt_ids[i], n);
            goto done;
        }
    long rss_loaded = status_kb("VmRSS");

    rvf_hnsw_source src = {.base = base, .stride = dim};
    rvf_status st = rvf_hnsw_create(dim, metric, &params, &src, &h);
    double t0 = now_ms(), c0 = cpu_ms();
    for (size_t i = 0; st == RVF_OK && i < n; i++)
        st = rvf_hnsw_add(h, (uint32_t)i);
    double build_ms = now_ms() - t0, build_cpu_ms = cpu_ms() - c0;
    long peak_build = status_kb("VmHWM");
    if (st == RVF_OK)
        st = rvf_indexseg_encode(&seg, h);
    if (st != RVF_OK) {
        fprintf(stderr, "bench_hnsw: build: %s\n", rvf_strerror(st));
        goto done;
    }
    long rss_built = status_kb("VmRSS");
    uint64_t raw = (uint64_t)n * dim * sizeof(float), file = raw + seg.len;
    printf("{\"lib\":\"rvf\",\"phase\":\"build\",\"dataset\":\"%s\",\"n\":%zu,\"nq\":%zu,"
           "\"dim\":%u,\"metric\":\"%s\",\"m\":%u,\"ef_construction\":%u,\"threads\":1,"
           "\"kernel\":\"%s\",\"build_ms\":%.1f,\"build_cpu_ms\":%.1f,"
           "\"raw_bytes\":%llu,\"index_bytes\":%zu,\"file_bytes\":%llu,"
           "\"bytes_per_vector\":%.2f,\"raw_bytes_per_vector\":%u,\"file_over_raw\":%.4f,"
           "\"rss_loaded_kb\":%ld,\"rss_built_kb\":%ld,\"peak_build_kb\":%ld}\n",
           name, n, nq, dim, metric_name(metric), params.m, params.ef_construction,
           rvfk_ops_best()->name, build_ms, build_cpu_ms, (unsigned long long)raw, seg.len,
           (unsigned long long)file, (double)file / (double)n, dim * 4u, (double)file / (double)raw,
           rss_loaded, rss_built, peak_build);
    fflush(stdout);

    for (uint32_t e = 0; e < n_ef; e++) {
        uint32_t ef = efs[e], got = 0;
        size_t warm = nq < WARMUP_MAX ? nq : WARMUP_MAX;
        for (size_t q = 0; q < warm && st == RVF_OK; q++)
            st = rvf_hnsw_search(h, qs + q * dim, k, ef, NULL, NULL, out, NULL, &got);
        /* each query's fastest time over `repeat` passes: the machine is shared, and other
         * processes only add time (whole scheduler slices) to some queries of some passes */
        uint64_t hits = 0;
        for (uint32_t r = 0; r < repeat && st == RVF_OK; r++) {
            for (size_t q = 0; q < nq && st == RVF_OK; q++) {
                double a = now_ms();
                st = rvf_hnsw_search(h, qs + q * dim, k, ef, NULL, NULL, out, NULL, &got);
                double t = now_ms() - a;
                if (r == 0 || t < lat[q])
                    lat[q] = t;
                if (r == 0)
                    hits += hits_at_k(out, got, gt_ids + q * gt_k, gt_d + q * gt_k, gt_k, k);
            }
        }
        double total = 0;
        for (size_t q = 0; q < nq; q++)
            total += lat[q];
        if (st != RVF_OK) {
            fprintf(stderr, "bench_hnsw: search: %s\n", rvf_strerror(st));
            goto done;
        }
        qsort(lat, nq, sizeof *lat, cmp_double);
        printf("{\"lib\":\"rvf\",\"phase\":\"search\",\"dataset\":\"%s\",\"ef\":%u,\"k\":%u,"
               "\"queries\":%zu,\"repeat\":%u,\"qps\":%.1f,\"recall\":%.4f,"
               "\"mean_ms\":%.4f,\"p50_ms\":%.4f,\"p99_ms\":%.4f}\n",
               name, ef, k, nq, repeat, 1e3 * (double)nq / total,
               (double)hits / ((double)nq * (double)k), total / (double)nq, pct(lat, nq, 0.50),
               pct(lat, nq, 0.99));
        fflush(stdout);
    }
    printf("{\"lib\":\"rvf\",\"phase\":\"memory\",\"dataset\":\"%s\",\"peak_rss_kb\":%ld,"
           "\"rss_loaded_kb\":%ld}\n",
           name, status_kb("VmHWM"), rss_loaded);
    rc = 0;
done:
    rvf_buf_free(&seg);
    rvf_hnsw_free(h);
    free(out);
    free(lat);
    free(base);
    free(qs);
    free(gt_ids);
    free(gt_d);
    return rc;
}

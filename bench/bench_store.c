/* bench_store.c: the store end to end, the workload of the store issue: f32 vectors (default
 * 100k x 128, L2), ingested in batches of 1000 with an fsync per batch (default options), then a
 * cold read-only open, the first query, and exact-scan query latency (k = 10).
 *
 * The data come from mulberry32 (seed 42, queries seed 4242), element = (u >> 8) / 2^24 * 2 - 1,
 * which is exact in f32, so bench-store-ref.mjs feeds the reference the identical vectors.
 * "Cold" means the file's pages were dropped from the page cache (fdatasync, then
 * POSIX_FADV_DONTNEED) just before the open; the whole machine's cache is left alone.
 *
 * Usage: bench_store [--n N] [--dim D] [--batch B] [--queries Q] [--k K] [--dir DIR] [--json]
 *                    [--ids-out FILE] [--keep]
 *        bench_store --evict FILE   (drop FILE from the page cache; used by the Node driver)
 * --ids-out writes the top-k ids of every query (u64 LE, Q x k) for the driver's recall figures. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_store"
#include "bench_util.h"

enum { SEG_MANIFEST = 0x05 }; /* FORMAT.md segment types; bench/ uses public headers only */

static uint32_t mulberry32(uint32_t *state)
{
    uint32_t t = *state += 0x6D2B79F5u;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return t ^ (t >> 14);
}

static void gen(uint32_t seed, float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)((double)(mulberry32(&seed) >> 8) / 16777216.0 * 2.0 - 1.0);
}

static int evict(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    fdatasync(fd); /* dirty pages cannot be dropped */
    int r = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    return r;
}

/* read(2) bytes of this process so far (counts page-cache hits too); -1 if unavailable */
static long long proc_rchar(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    if (!f)
        return -1;
    char line[128];
    long long v = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "rchar: %lld", &v) == 1)
            break;
    fclose(f);
    return v;
}

static void cpu_name(char *out, size_t cap)
{
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (!strncmp(line, "model name", 10) && c) {
            c += 1 + (c[1] == ' ');
            c[strcspn(c, "\n\"\\")] = 0;
            snprintf(out, cap, "%s", c);
            break;
        }
    }
    fclose(f);
}

/* Brute force over the generated data: the answer an exact scan must give. The store may use a
 * SIMD kernel whose sums round differently, hence the relative tolerance. */
static int check_exact(const float *data, size_t n, uint32_t dim, const float *q, const rvf_hit *h,
                       uint32_t k)
{
    const float tol = 1e-5f;
    float worst = h[k - 1].distance * (1 - tol);
    uint32_t closer = 0;
    for (size_t i = 0; i < n; i++)
        closer += rvfk_dist_f32(RVF_METRIC_L2, q, data + i * dim, dim) < worst;
    for (uint32_t j = 0; j < k; j++) {
        if (h[j].id < 1 || h[j].id > n)
            return 0;
        float d = rvfk_dist_f32(RVF_METRIC_L2, q, data + (h[j].id - 1) * dim, dim);
        if (d > h[j].distance * (1 + tol) || d < h[j].distance * (1 - tol))
            return 0;
    }
    return closer <= k - 1;
}

int main(int argc, char **argv)
{
    size_t n = 100000, batch = 1000, nq = 1000;
    uint32_t dim = 128, k = 10, ef = 0;
    int json = 0, keep = 0;
    const char *dir = NULL, *ids_out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json"))
            json = 1;
        else if (!strcmp(a, "--keep"))
            keep = 1;
        else if (v && !strcmp(a, "--evict"))
            return evict(v) ? 1 : 0;
        else if (v && !strcmp(a, "--n") && ++i)
            n = strtoull(v, NULL, 10);
        else if (v && !strcmp(a, "--dim") && ++i)
            dim = (uint32_t)strtoul(v, NULL, 10);
        else if (v && !strcmp(a, "--batch") && ++i)
            batch = strtoull(v, NULL, 10);
        else if (v && !strcmp(a, "--queries") && ++i)
            nq = strtoull(v, NULL, 10);
        else if (v && !strcmp(a, "--ef") && ++i)
            ef = (uint32_t)strtoul(v, NULL, 10);
        else if (v && !strcmp(a, "--k") && ++i)
            k = (uint32_t)strtoul(v, NULL, 10);
        else if (v && !strcmp(a, "--dir") && ++i)
            dir = v;
        else if (v && !strcmp(a, "--ids-out") && ++i)
            ids_out = v;
        else {
            fprintf(stderr, "usage: bench_store [--n N] [--dim D] [--batch B] [--queries Q] "
                            "[--k K] [--ef EF] [--dir DIR] [--json] [--ids-out FILE] [--keep] | "
                            "--evict FILE\n");
            return 2;
        }
    }
    if (!n || !dim || dim > 65535 || !batch || !nq || !k || k > n) {
        fprintf(stderr, "bench_store: need n, dim (<= 65535), batch, queries >= 1, 1 <= k <= n\n");
        return 2;
    }
    /* default folder: next to the executable, i.e. under the build folder */
    char dbuf[4096], path[4200], lock[4300];
    if (!dir) {
        const char *slash = strrchr(argv[0], '/');
        int len = slash ? (int)(slash - argv[0]) : 1;
        snprintf(dbuf, sizeof dbuf, "%.*s/store-tmp", len, slash ? argv[0] : ".");
        dir = dbuf;
    }
    if (mkdir(dir, 0777) && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    snprintf(path, sizeof path, "%s/bench_store.rvf", dir);
    snprintf(lock, sizeof lock, "%s.lock", path);
    unlink(path);
    unlink(lock);

    float *data = malloc(n * dim * sizeof *data), *qs = malloc(nq * dim * sizeof *qs);
    uint64_t *ids = malloc(n * sizeof *ids), *out_ids = calloc(nq * k, sizeof *out_ids);
    rvf_hit *hits = malloc(k * sizeof *hits);
    double *lat = malloc(nq * sizeof *lat);
    if (!data || !qs || !ids || !out_ids || !hits || !lat) {
        fprintf(stderr, "bench_store: out of memory\n");
        return 1;
    }
    gen(42, data, n * dim);
    gen(4242, qs, nq * dim);
    for (size_t i = 0; i < n; i++)
        ids[i] = i + 1;

    /* ingest: one durable commit per batch (append, fsync, manifest, fsync) */
    rvf_options opt = rvf_options_default(dim);
    rvf_store *s = NULL;
    rvf_status st = rvf_create(path, &opt, &s);
    if (st != RVF_OK)
        return die("create", st);
    double t0 = now_ms();
    for (size_t i = 0; i < n; i += batch) {
        size_t m = n - i < batch ? n - i : batch;
        if ((st = rvf_ingest(s, data + i * dim, ids + i, m, NULL, NULL)) != RVF_OK)
            return die("ingest", st);
    }
    double ingest_ms = now_ms() - t0;
    rvf_segment_info *segs = NULL;
    uint32_t nseg = 0;
    if ((st = rvf_segments(s, &segs, &nseg)) != RVF_OK)
        return die("segments", st);
    /* root + Level 1 = the newest MANIFEST_SEG (header + payload: Level 1, fill, 4096-byte root) */
    uint64_t root_l1 = 0;
    for (uint32_t i = 0; i < nseg; i++)
        if (segs[i].seg_type == SEG_MANIFEST)
            root_l1 = 64 + segs[i].payload_length;
    rvf_release(segs);
    if ((st = rvf_close(s)) != RVF_OK)
        return die("close", st);

    /* cold open, then the first query */
    int evicted = evict(path) == 0;
    long long rc0 = proc_rchar();
    t0 = now_ms();
    if ((st = rvf_open_readonly(path, &s)) != RVF_OK)
        return die("open", st);
    double open_ms = now_ms() - t0;
    rvf_status_info info;
    rvf_status_get(s, &info);
    uint64_t read_open = info.bytes_read;
    long long rc1 = proc_rchar();
    rvf_query_params qp = {k, -1, NULL, 0, 0};
    uint32_t got = 0;
    double t1 = now_ms();
    if ((st = rvf_query(s, qs, dim, &qp, hits, &got)) != RVF_OK || got != k)
        return die("first query", st);
    double first_ms = now_ms() - t1, first_answer_ms = now_ms() - t0;
    rvf_status_get(s, &info);
    uint64_t read_first = info.bytes_read;
    int exact_ok = check_exact(data, n, dim, qs, hits, k);

    /* steady state: every query timed alone */
    double total = 0;
    for (size_t q = 0; q < nq; q++) {
        double a = now_ms();
        st = rvf_query(s, qs + q * dim, dim, &qp, hits, &got);
        lat[q] = now_ms() - a;
        total += lat[q];
        if (st != RVF_OK || got != k)
            return die("query", st);
        for (uint32_t j = 0; j < k; j++)
            out_ids[q * k + j] = hits[j].id;
    }
    /* --ef: the same queries through the in-memory HNSW (built by the first of them) */
    double hnsw_build_ms = 0, hnsw_total = 0, hnsw_recall = 0;
    if (ef) {
        rvf_query_params hp = {k, -1, NULL, 0, ef};
        double a = now_ms();
        if ((st = rvf_query(s, qs, dim, &hp, hits, &got)) != RVF_OK)
            return die("hnsw build", st);
        hnsw_build_ms = now_ms() - a;
        size_t found = 0;
        for (size_t q = 0; q < nq; q++) {
            a = now_ms();
            st = rvf_query(s, qs + q * dim, dim, &hp, hits, &got);
            hnsw_total += now_ms() - a;
            if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
                return die("hnsw query", st);
            for (uint32_t j = 0; j < got; j++)
                for (uint32_t e = 0; e < k; e++)
                    found += hits[j].id == out_ids[q * k + e];
        }
        hnsw_recall = (double)found / (double)(nq * k);
    }
    rvf_close(s);
    qsort(lat, nq, sizeof *lat, cmp_double);
    double mean = total / (double)nq, p50 = pct(lat, nq, 0.5), p95 = pct(lat, nq, 0.95),
           p99 = pct(lat, nq, 0.99), qps = 1e3 * (double)nq / total;
    double vps = (double)n / (ingest_ms / 1e3);
    uint64_t fsize = info.file_size;

    if (ids_out) {
        FILE *f = fopen(ids_out, "wb");
        uint8_t le[8];
        for (size_t i = 0; f && i < nq * k; i++) {
            for (int b = 0; b < 8; b++)
                le[b] = (uint8_t)(out_ids[i] >> (8 * b));
            fwrite(le, 1, 8, f);
        }
        if (!f || fclose(f)) {
            perror(ids_out);
            return 1;
        }
    }
    free(data);
    free(qs);
    free(ids);
    free(out_ids);
    free(hits);
    free(lat);
    if (!keep) {
        unlink(path);
        unlink(lock);
        rmdir(dir); /* only if empty */
    }

    char cpu[200];
    cpu_name(cpu, sizeof cpu);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (json) {
        printf("{\"test_name\":\"store_f32_%u_%zu\","
               "\"dataset\":{\"vector_count\":%zu,\"dimensions\":%u,\"dtype\":\"f32\","
               "\"metric\":\"l2\",\"file_size_bytes\":%llu},"
               "\"hardware\":{\"cpu\":\"%s\",\"simd\":\"%s\",\"cores\":%ld},"
               "\"results\":{\"ingest_batch\":%zu,\"ingest_fsync_per_batch\":true,"
               "\"ingest_ms\":%.1f,\"ingest_vectors_per_s\":%.0f,"
               "\"cold\":%s,\"boot_ms\":%.3f,\"first_query_ms\":%.3f,"
               "\"first_answer_ms\":%.3f,\"first_query_exact\":%s,"
               "\"data_read_open_bytes\":%llu,\"data_read_first_query_bytes\":%llu,"
               "\"rchar_open_bytes\":%lld,\"root_l1_bytes\":%llu,"
               "\"queries\":%zu,\"k\":%u,\"steady_state_qps\":%.1f,"
               "\"steady_state_mean_ms\":%.4f,\"steady_state_p50_ms\":%.4f,"
               "\"steady_state_p95_ms\":%.4f,\"steady_state_p99_ms\":%.4f}}\n",
               dim, n, n, dim, (unsigned long long)fsize, cpu, rvfk_ops_best()->name, cores, batch,
               ingest_ms, vps, evicted ? "true" : "false", open_ms, first_ms, first_answer_ms,
               exact_ok ? "true" : "false", (unsigned long long)read_open,
               (unsigned long long)read_first, rc0 >= 0 && rc1 >= 0 ? rc1 - rc0 : -1,
               (unsigned long long)root_l1, nq, k, qps, mean, p50, p95, p99);
        return exact_ok ? 0 : 1;
    }
    printf("store bench: %zu x %u f32 L2, batches of %zu with fsync, %ld cores, %s, kernel %s\n", n,
           dim, batch, cores, cpu, rvfk_ops_best()->name);
    printf("  ingest             %10.0f vectors/s  (%.1f ms)\n", vps, ingest_ms);
    printf("  file size          %10llu bytes\n", (unsigned long long)fsize);
    printf("  %s open     %10.3f ms\n", evicted ? "cold" : "warm", open_ms);
    printf("  first query        %10.3f ms  (first answer %.3f ms after open began; %s)\n",
           first_ms, first_answer_ms, exact_ok ? "exact: matches brute force" : "NOT EXACT");
    printf("  read before query  %10llu bytes  (%.1f%% of the file; after it: %llu)\n",
           (unsigned long long)read_open, 100.0 * (double)read_open / (double)fsize,
           (unsigned long long)read_first);
    printf("  root + Level 1     %10llu bytes  (%.3f%% of the file)\n", (unsigned long long)root_l1,
           100.0 * (double)root_l1 / (double)fsize);
    printf("  query k=%u, %zu q  mean %.3f  p50 %.3f  p95 %.3f  p99 %.3f ms, %.0f QPS\n", k, nq,
           mean, p50, p95, p99, qps);
    if (ef)
        printf(
            "  HNSW ef=%u         build %.0f ms (in memory, first query), mean %.3f ms, %.0f QPS, "
            "recall@%u %.3f vs exact\n",
            ef, hnsw_build_ms, hnsw_total / (double)nq, 1e3 * (double)nq / hnsw_total, k,
            hnsw_recall);
    return exact_ok ? 0 : 1;
}

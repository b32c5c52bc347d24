#define _POSIX_C_SOURCE 200809L
/* rvf_demo: `make demo`. Creates a sample store from a built-in generator (clustered vectors with
 * a "topic" and a "year" field), queries it with and without a filter, deletes, compacts,
 * reopens, and prints what happened. Uses the public API only (runtime/include/rvf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rvf.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t rng = 0x853c49e6748fea9bull;
static float unit(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (float)((double)((rng * 0x2545F4914F6CDD1Dull) >> 40) / (double)(1u << 23) - 1.0);
}

#define CHECKED(call)                                                                              \
    do {                                                                                           \
        rvf_status st_ = (call);                                                                   \
        if (st_ != RVF_OK && st_ != RVF_ERR_K_TOO_LARGE) {                                         \
            fprintf(stderr, "rvf_demo: %s: %s (%s)\n", #call, rvf_strerror(st_),                   \
                    rvf_last_error_detail());                                                      \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

enum { N = 20000, DIM = 64, BATCH = 2000, TOPICS = 8 };
static const char *topics[TOPICS] = {"news",  "sport", "science", "music",
                                     "films", "food",  "travel",  "code"};

static void print_hits(const char *title, const rvf_hit *h, uint32_t n, rvf_store *s)
{
    printf("  %s\n", title);
    for (uint32_t i = 0; i < n; i++) {
        const rvf_value *f;
        uint32_t nf = 0;
        rvf_get_metadata(s, h[i].id, &f, &nf);
        printf("    id %-6llu distance %.4f", (unsigned long long)h[i].id, (double)h[i].distance);
        for (uint32_t k = 0; k < nf; k++)
            if (f[k].type == RVF_VALUE_STRING)
                printf("  topic=%.*s", (int)f[k].v.bytes.len, (const char *)f[k].v.bytes.ptr);
            else if (f[k].type == RVF_VALUE_U64)
                printf("  year=%llu", (unsigned long long)f[k].v.u64);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "demo.rvf";
    char aux[1024];
    unlink(path);
    snprintf(aux, sizeof aux, "%s.lock", path);
    unlink(aux);
    /* the generator: TOPICS cluster centres; each vector = its centre + noise */
    static float centres[TOPICS][DIM];
    for (int t = 0; t < TOPICS; t++)
        for (int d = 0; d < DIM; d++)
            centres[t][d] = unit();
    static float vecs[BATCH * DIM];
    static uint64_t ids[BATCH];
    static rvf_value meta[BATCH * 2];
    static uint32_t counts[BATCH];

    rvf_options o = rvf_options_default(DIM);
    o.metric = RVF_METRIC_COSINE;
    rvf_store *s = NULL;
    printf("rvf demo: creating %s (%d vectors, dim %d, cosine, f32)\n", path, N, DIM);
    CHECKED(rvf_create(path, &o, &s));
    double t0 = now_ms();
    for (int b = 0; b < N / BATCH; b++) {
        for (int i = 0; i < BATCH; i++) {
            int id = b * BATCH + i, t = id % TOPICS;
            ids[i] = (uint64_t)id;
            for (int d = 0; d < DIM; d++)
                vecs[i * DIM + d] = centres[t][d] + 0.35f * unit();
            meta[2 * i] =
                (rvf_value){1,
                            RVF_VALUE_STRING,
                            {.bytes = {(const uint8_t *)topics[t], (uint32_t)strlen(topics[t])}}};
            meta[2 * i + 1] = (rvf_value){2, RVF_VALUE_U64, {.u64 = 2000 + (uint64_t)(id % 25)}};
            counts[i] = 2;
        }
        CHECKED(rvf_ingest(s, vecs, ids, BATCH, meta, counts));
        printf("\r  ingest: %d / %d vectors", (b + 1) * BATCH, N);
        fflush(stdout);
    }
    double t1 = now_ms();
    printf("\r  ingest: %d vectors in %d durable batches, %.0f ms (%.0f vectors/s)\n", N, N / BATCH,
           t1 - t0, N / ((t1 - t0) / 1e3));

    float q[DIM];
    for (int d = 0; d < DIM; d++)
        q[d] = centres[2][d] + 0.2f * unit();
    rvf_hit hits[5];
    uint32_t n = 0;
    rvf_query_params p = {5, -1, NULL, 0, 0};
    t0 = now_ms();
    CHECKED(rvf_query(s, q, DIM, &p, hits, &n));
    printf("  exact query over %d vectors: %.2f ms\n", N, now_ms() - t0);
    print_hits("top 5 near a 'science' point:", hits, n, s);

    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value music = {0, RVF_VALUE_STRING, {.bytes = {(const uint8_t *)"music", 5}}};
    rvf_value lo = {0, RVF_VALUE_U64, {.u64 = 2010}}, hi = {0, RVF_VALUE_U64, {.u64 = 2015}};
    rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, &music);
    rvf_filter_range(&f, 2, &lo, &hi);
    rvf_filter_op(&f, RVF_FILTER_AND);
    CHECKED(rvf_filter_finish(&f));
    p.filter = f.bytes;
    p.filter_len = f.len;
    CHECKED(rvf_query(s, q, DIM, &p, hits, &n));
    print_hits("top 5 with topic = \"music\" AND year in [2010, 2015):", hits, n, s);

    uint64_t deleted = 0;
    CHECKED(rvf_delete_by_filter(s, f.bytes, f.len, &deleted));
    printf("  deleted %llu vectors matching that filter\n", (unsigned long long)deleted);
    rvf_status_info st;
    CHECKED(rvf_status_get(s, &st));
    printf("  before compaction: %llu live, %llu deleted, %llu bytes, epoch %u\n",
           (unsigned long long)st.live_vectors, (unsigned long long)st.deleted_vectors,
           (unsigned long long)st.file_size, st.epoch);
    CHECKED(rvf_compact(s));
    CHECKED(rvf_status_get(s, &st));
    printf("  after compaction:  %llu live, %llu deleted, %llu bytes, epoch %u\n",
           (unsigned long long)st.live_vectors, (unsigned long long)st.deleted_vectors,
           (unsigned long long)st.file_size, st.epoch);
    CHECKED(rvf_close(s));

    t0 = now_ms();
    CHECKED(rvf_open_readonly(path, &s));
    double t_open = now_ms() - t0;
    CHECKED(rvf_query(s, q, DIM, &p, hits, &n));
    printf("  reopened read-only in %.2f ms; the same filtered query now finds %u (all deleted)\n",
           t_open, n);
    uint64_t bad = 0;
    CHECKED(rvf_verify(s, &bad));
    printf("  verify: every segment's hash, block CRC and the witness chain check out\n");
    rvf_filter_free(&f);
    CHECKED(rvf_close(s));
    printf("rvf demo: done (%s)\n", path);
    return 0;
}

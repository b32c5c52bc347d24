/* test_corpus_store.c: every reference-written and upstream example file opens through the
 * public store API (dialect auto-detected), read-only, and its answers equal an exact scan over
 * the vectors the reference-dialect reader delivers (test_refdialect checks those against the
 * reference's own answers in the sidecars). Writers are refused with READ_ONLY; compaction is
 * not offered; export writes a file rvf-node opens (refnode_export). */
#include <dirent.h>
#include <math.h>

#include "rvf_internal.h"
#include "rvf_test.h"
#include "store_util.h"

typedef struct loaded {
    uint64_t *ids;
    float *rows;
    size_t n, cap;
    uint32_t dim;
} loaded;

static rvf_status on_vec(void *ctx, uint64_t id, const float *v, uint32_t dim)
{
    loaded *l = ctx;
    if (dim != l->dim)
        return RVF_OK;
    for (size_t i = 0; i < l->n; i++)
        if (l->ids[i] == id) { /* later copies win */
            memcpy(l->rows + i * dim, v, dim * sizeof *v);
            return RVF_OK;
        }
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->ids = realloc(l->ids, l->cap * 8);
        l->rows = realloc(l->rows, l->cap * dim * sizeof(float));
    }
    l->ids[l->n] = id;
    memcpy(l->rows + l->n * dim, v, dim * sizeof *v);
    l->n++;
    return RVF_OK;
}

static rvf_status on_del(void *ctx, uint64_t id)
{
    loaded *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (l->ids[i] == id)
            l->ids[i] = UINT64_MAX; /* marked dead */
    return RVF_OK;
}

static int files_checked;

static void check_file(const char *path)
{
    rvf_store *s = NULL;
    rvf_status st = rvf_open_readonly(path, &s);
    if (st != RVF_OK) {
        RVF_FAIL_AT("%s: %s (%s)", path, rvf_strerror(st), rvf_last_error_detail());
        return;
    }
    files_checked++;
    rvf_status_info si;
    rvf_status_get(s, &si);
    CHECK_EQ_INT(si.dialect, 1);
    CHECK_EQ_INT(si.read_only, 1);
    rvf_io *io = NULL;
    CHECK_EQ_INT(rvf_io_file_open(path, RVF_IO_READ, &io), RVF_OK);
    loaded l = {0};
    l.dim = si.dimension;
    rvf_ref_info info;
    rvf_ref_sink sink = {&l, NULL, on_vec, on_del};
    CHECK_EQ_INT(rvf_ref_load(io, &info, &sink), RVF_OK);
    io->close(io);
    size_t live = 0;
    for (size_t i = 0; i < l.n; i++)
        live += l.ids[i] != UINT64_MAX;
    CHECK_EQ_U64(si.live_vectors, live);
    CHECK_EQ_INT(si.metric, info.metric <= 2 ? info.metric : 0);
    /* five queries: the stored vectors themselves, exact answers */
    for (size_t qi = 0; qi < 5 && qi < l.n; qi++) {
        const float *q = l.rows + qi * l.dim;
        uint32_t k = 10, n = 0;
        rvf_hit hits[10];
        rvf_query_params p = {k, -1, NULL, 0, 0};
        rvf_status qs = rvf_query(s, q, l.dim, &p, hits, &n);
        CHECK(qs == RVF_OK || qs == RVF_ERR_K_TOO_LARGE);
        CHECK_EQ_INT(n, live < k ? live : k);
        float worst = -INFINITY;
        for (uint32_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < l.n && l.ids[j] != hits[i].id)
                j++;
            CHECK(j < l.n);
            if (j < l.n)
                CHECK_NEAR(hits[i].distance,
                           rvfk_dist_f32((rvf_metric)si.metric, q, l.rows + j * l.dim, l.dim), 1e-6,
                           1e-5);
            worst = hits[i].distance;
        }
        /* nothing left out was closer than the k-th answer */
        for (size_t j = 0; j < l.n && n == k; j++) {
            int in_hits = 0;
            for (uint32_t i = 0; i < n; i++)
                in_hits |= hits[i].id == l.ids[j];
            if (l.ids[j] == UINT64_MAX || in_hits)
                continue;
            float d = rvfk_dist_f32((rvf_metric)si.metric, q, l.rows + j * l.dim, l.dim);
            if (d < worst - 1e-5f * (1 + fabsf(worst)))
                RVF_FAIL_AT("%s: id %llu (%g) beats the k-th answer (%g)", path,
                            (unsigned long long)l.ids[j], (double)d, (double)worst);
        }
    }
    /* conversion to RVF: the same live vectors and answers, now a writable RVF file */
    char conv[1100];
    snprintf(conv, sizeof conv, "%s.converted.rvf", path);
    unlink(conv);
    CHECK_EQ_INT(rvf_save_as(s, conv, NULL), RVF_OK);
    rvf_store *c = NULL;
    CHECK_EQ_INT(rvf_open(conv, &c), RVF_OK);
    if (c) {
        rvf_status_info ci;
        rvf_status_get(c, &ci);
        CHECK_EQ_INT(ci.dialect, 0);
        CHECK_EQ_U64(ci.live_vectors, live);
        CHECK_EQ_INT(ci.metric, si.metric);
        if (l.n) {
            rvf_hit h1[10], h2[10];
            uint32_t n1 = 0, n2 = 0;
            rvf_query_params p = {10, -1, NULL, 0, 0};
            rvf_query(s, l.rows, l.dim, &p, h1, &n1);
            rvf_query(c, l.rows, l.dim, &p, h2, &n2);
            CHECK_EQ_INT(n1, n2);
            for (uint32_t i = 0; i < n1 && i < n2; i++) {
                CHECK_EQ_U64(h1[i].id, h2[i].id);
                CHECK_EQ_BITS(h1[i].distance, h2[i].distance);
            }
        }
        CHECK_EQ_INT(rvf_verify(c, NULL), RVF_OK);
        rvf_close(c);
    }
    unlink(conv);
    uint64_t id0 = 1;
    free(l.ids);
    free(l.rows);
    rvf_close(s);
    /* a writer open succeeds but the store stays read-only */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (s) {
        float *v = calloc(si.dimension ? si.dimension : 1, sizeof *v);
        CHECK_EQ_INT(rvf_ingest(s, v, &id0, 1, NULL, NULL), RVF_ERR_READ_ONLY);
        free(v);
        rvf_close(s);
    }
}

static void scan_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[1024], copy[1024];
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".rvf") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        /* work on a copy: the corpus is read-only and a writer open creates a lock file */
        snprintf(copy, sizeof copy, "%s", tmp_path(e->d_name));
        size_t len = 0;
        uint8_t *b = read_file(path, &len);
        FILE *f = fopen(copy, "wb");
        if (!b || !f) {
            RVF_FAIL_AT("cannot copy %s", path);
            free(b);
            if (f)
                fclose(f);
            continue;
        }
        fwrite(b, 1, len, f);
        fclose(f);
        free(b);
        if (strstr(e->d_name,
                   "wasm_export")) { /* rvf-wasm's own layout: the reference refuses it too */
            rvf_store *s = NULL;
            CHECK_EQ_INT(rvf_open_readonly(copy, &s), RVF_ERR_MANIFEST_NOT_FOUND);
            continue;
        }
        check_file(copy);
    }
    closedir(d);
}

int main(void)
{
    const char *shared = getenv("RVF_SHARED");
    char dir[1024];
    if (!shared || !*shared) {
        printf("SKIP: RVF_SHARED is not set (the reference corpus lives in ../shared)\n");
        return 77;
    }
    snprintf(dir, sizeof dir, "%s/corpus/reference-written", shared);
    DIR *probe = opendir(dir);
    if (!probe) {
        printf("SKIP: %s is absent (a fresh clone has no ../shared)\n", dir);
        return 77;
    }
    closedir(probe);
    scan_dir(dir);
    snprintf(dir, sizeof dir, "%s/corpus/upstream-examples", shared);
    scan_dir(dir);
    printf("  %d corpus files opened through rvf_open_readonly and rvf_open\n", files_checked);
    CHECK(files_checked >= 40);
    return rvf_test_finish();
}

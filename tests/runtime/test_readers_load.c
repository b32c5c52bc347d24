#define _POSIX_C_SOURCE 200809L
/* test_readers_load.c: readers under load (RVF-BRIEF §9.1; RELIABILITY.md). One writer process
 * appends batches, deletes, builds the index and compacts (which renames a new file over the old
 * one) while three reader processes open the path read-only (or keep a handle and rvf_refresh it)
 * and query it continuously, for RVF_LOAD_SECONDS (default 6). Every writer operation commits
 * exactly one manifest, so epoch e is the state after operations 1..e of a deterministic sequence;
 * a reader that sees epoch e replays that sequence into a model and checks that the live count,
 * the exact top-k of a query, approximate (HNSW) answers (live ids at their exact distances),
 * rvf_get_vector of sampled ids and, now and then, the digest of every live vector are those of
 * epoch e: a consistent snapshot of a committed epoch. A reader never sees an error. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "rvf_test.h"
#include "store_util.h"

enum { DIM = 8, BATCH = 40, NDEL = 10, MAXIDS = 1 << 16, TOPK = 10, READERS = 3 };

typedef enum { W_INGEST, W_DELETE, W_INDEX, W_COMPACT } wop;

/* Operation k >= 1 (epoch k is the state after operations 1..k; epoch 0 is the empty store). */
static wop op_of(uint32_t k)
{
    static const wop cycle[6] = {W_COMPACT, W_INGEST, W_INGEST, W_DELETE, W_INDEX, W_INGEST};
    return k == 1 ? W_INGEST : cycle[k % 6];
}

static void row(uint64_t id, float *v)
{
    rvf_test_rng r = {(id + 1) * 0x9E3779B97F4A7C15ull};
    for (uint32_t d = 0; d < DIM; d++)
        v[d] = rvf_test_unit(&r);
}

typedef struct model {
    uint32_t epoch;
    uint64_t next_id, live;
    uint8_t alive[MAXIDS];
} model;

/* The ids operation k deletes: NDEL distinct live ids picked from the model (which the writer
 * keeps too, so both agree). */
static void delete_ids(const model *m, uint32_t k, uint64_t *ids, uint32_t *n)
{
    rvf_test_rng r = {(uint64_t)k * 0xD1B54A32D192ED03ull + 1};
    *n = 0;
    for (int tries = 0; tries < 1000 && *n < NDEL && m->live > NDEL; tries++) {
        uint64_t id = rvf_test_next(&r) % m->next_id;
        int dup = 0;
        for (uint32_t i = 0; i < *n; i++)
            dup |= ids[i] == id;
        if (m->alive[id] && !dup)
            ids[(*n)++] = id;
    }
}

/* Apply operation m->epoch + 1 to the model. */
static void model_step(model *m)
{
    uint32_t k = m->epoch + 1;
    wop o = op_of(k);
    if (o == W_INGEST) {
        for (uint32_t i = 0; i < BATCH && m->next_id < MAXIDS; i++) {
            m->alive[m->next_id++] = 1;
            m->live++;
        }
    } else if (o == W_DELETE) {
        uint64_t ids[NDEL];
        uint32_t n;
        delete_ids(m, k, ids, &n);
        for (uint32_t i = 0; i < n; i++) {
            m->alive[ids[i]] = 0;
            m->live--;
        }
    }
    m->epoch = k;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- writer -------------------------------------------------------------------------------- */
static int writer(const char *path, double deadline, int fd)
{
    static model m;
    rvf_store *s = NULL;
    rvf_status st = rvf_open(path, &s);
    if (st != RVF_OK) {
        fprintf(stderr, "writer: open: %s\n", rvf_strerror(st));
        return 2;
    }
    long ops = 0, compactions = 0;
    while (now_s() < deadline && m.next_id + BATCH < MAXIDS) {
        uint32_t k = m.epoch + 1;
        wop o = op_of(k);
        if (o == W_INGEST) {
            float v[BATCH * DIM];
            uint64_t ids[BATCH];
            for (uint32_t i = 0; i < BATCH; i++) {
                ids[i] = m.next_id + i;
                row(ids[i], v + i * DIM);
            }
            st = rvf_ingest(s, v, ids, BATCH, NULL, NULL);
        } else if (o == W_DELETE) {
            uint64_t ids[NDEL], deleted = 0;
            uint32_t n;
            delete_ids(&m, k, ids, &n);
            st = rvf_delete(s, ids, n, &deleted);
            if (st == RVF_OK && deleted != n)
                st = RVF_ERR_OK_PARTIAL; /* some ids were not deleted: the model is off */
        } else if (o == W_INDEX) {
            rvf_index_options io = rvf_index_options_default();
            io.m = 8;
            io.ef_construction = 40;
            st = rvf_build_index(s, &io);
        } else {
            st = rvf_compact(s);
            compactions++;
        }
        rvf_status_info si;
        if (st == RVF_OK)
            st = rvf_status_get(s, &si);
        if (st != RVF_OK || si.epoch != k) {
            fprintf(stderr, "writer: op %u: %s (%s), epoch %u\n", k, rvf_strerror(st),
                    rvf_last_error_detail(), st == RVF_OK ? si.epoch : 0);
            rvf_close(s);
            return 3;
        }
        model_step(&m);
        ops++;
    }
    rvf_close(s);
    char line[160];
    int len = snprintf(line, sizeof line, "  writer: %ld commits (%ld compactions), %llu ids\n",
                       ops, compactions, (unsigned long long)m.next_id);
    if (write(fd, line, (size_t)len) != len)
        return 4;
    return 0;
}

/* ---- reader -------------------------------------------------------------------------------- */
static float l2(const float *a, const float *b)
{
    float acc = 0;
    for (uint32_t d = 0; d < DIM; d++)
        acc += (a[d] - b[d]) * (a[d] - b[d]);
    return acc;
}

static int digest_row(void *ctx, uint64_t id, const float *v, uint32_t dim, const rvf_value *f,
                      uint32_t nf)
{
    (void)f;
    (void)nf;
    uint64_t *h = ctx;
    fnv(h, &id, 8);
    fnv(h, v, dim * sizeof *v);
    return 0;
}

/* One look at the store: everything must be epoch e's. */
static void check_snapshot(rvf_store *s, model *m, rvf_test_rng *r, int full, int who)
{
    rvf_status_info si;
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    if (si.epoch < m->epoch) { /* a later snapshot never goes back in time */
        RVF_FAIL_AT("reader %d: epoch %u after epoch %u", who, si.epoch, m->epoch);
        return;
    }
    while (m->epoch < si.epoch)
        model_step(m);
    if (si.live_vectors != m->live) {
        RVF_FAIL_AT("reader %d: epoch %u has %llu live vectors, the model says %llu", who, si.epoch,
                    (unsigned long long)si.live_vectors, (unsigned long long)m->live);
        return;
    }
    float q[DIM], v[DIM];
    for (uint32_t d = 0; d < DIM; d++)
        q[d] = rvf_test_unit(r);
    rvf_hit want[TOPK], got[TOPK];
    uint32_t nw = 0, n = 0;
    for (uint64_t id = 0; id < m->next_id; id++) {
        if (!m->alive[id])
            continue;
        row(id, v);
        rvf_hit h = {id, l2(q, v)};
        if (nw == TOPK && !(h.distance < want[TOPK - 1].distance))
            continue;
        uint32_t at = nw < TOPK ? nw++ : TOPK - 1;
        while (at > 0 && want[at - 1].distance > h.distance) {
            want[at] = want[at - 1];
            at--;
        }
        want[at] = h;
    }
    rvf_query_params p = {TOPK, -1, NULL, 0, 0};
    rvf_status st = rvf_query(s, q, DIM, &p, got, &n);
    CHECK(st == RVF_OK || (st == RVF_ERR_K_TOO_LARGE && nw < TOPK));
    CHECK_EQ_INT(n, nw);
    for (uint32_t i = 0; i < n && i < nw; i++)
        if (got[i].id != want[i].id) {
            RVF_FAIL_AT("reader %d: epoch %u: hit %u is %llu, expected %llu", who, si.epoch, i,
                        (unsigned long long)got[i].id, (unsigned long long)want[i].id);
            break;
        }
    if (si.index_segments) { /* approximate answers: live ids at their exact distances */
        p.ef = 32;
        st = rvf_query(s, q, DIM, &p, got, &n);
        CHECK(st == RVF_OK || st == RVF_ERR_K_TOO_LARGE);
        for (uint32_t i = 0; i < n; i++) {
            if (got[i].id >= m->next_id || !m->alive[got[i].id]) {
                RVF_FAIL_AT("reader %d: epoch %u: HNSW returned %llu, not live", who, si.epoch,
                            (unsigned long long)got[i].id);
                break;
            }
            row(got[i].id, v);
            CHECK_NEAR(got[i].distance, l2(q, v), 1e-6, 1e-5);
        }
    }
    for (int i = 0; i < 4 && m->next_id; i++) { /* point reads */
        uint64_t id = rvf_test_next(r) % m->next_id;
        float got_v[DIM];
        st = rvf_get_vector(s, id, got_v, DIM);
        if (m->alive[id]) {
            row(id, v);
            CHECK_EQ_INT(st, RVF_OK);
            CHECK_MEM(got_v, v, sizeof v);
        } else
            CHECK_EQ_INT(st, RVF_ERR_NOT_FOUND);
    }
    if (full) { /* every live vector */
        uint64_t h1 = 0xcbf29ce484222325ull, h2 = h1;
        CHECK_EQ_INT(rvf_foreach(s, digest_row, &h1), RVF_OK);
        for (uint64_t id = 0; id < m->next_id; id++)
            if (m->alive[id]) {
                row(id, v);
                digest_row(&h2, id, v, DIM, NULL, 0);
            }
        if (h1 != h2)
            RVF_FAIL_AT("reader %d: epoch %u: the live vectors differ from the model", who,
                        si.epoch);
    }
}

static int reader(const char *path, double deadline, int who, int fd)
{
    static model m;
    rvf_test_rng r = {(uint64_t)who * 7919 + 17};
    long looks = 0, reopen = 0, refresh = 0;
    uint32_t first = UINT32_MAX, last = 0, distinct = 0;
    rvf_store *s = NULL;
    while (now_s() < deadline && !rvf_test_failed) {
        /* reader 0 reopens the path every time, reader 1 refreshes one handle, reader 2 mixes */
        int use_refresh = who == 1 || (who == 2 && rvf_test_next(&r) % 2);
        rvf_status st;
        if (s && use_refresh) {
            st = rvf_refresh(s);
            refresh++;
        } else {
            rvf_close(s);
            s = NULL;
            st = rvf_open_readonly(path, &s);
            reopen++;
        }
        if (st != RVF_OK) {
            RVF_FAIL_AT("reader %d: %s: %s (%s)", who, use_refresh ? "refresh" : "open",
                        rvf_strerror(st), rvf_last_error_detail());
            break;
        }
        uint32_t before = m.epoch;
        check_snapshot(s, &m, &r, looks % 8 == 0, who);
        if (m.epoch != before || !looks)
            distinct++;
        if (first == UINT32_MAX)
            first = m.epoch;
        last = m.epoch;
        looks++;
    }
    rvf_close(s);
    char line[200];
    int len = snprintf(line, sizeof line,
                       "  reader %d: %ld snapshots checked (%ld opens, %ld refreshes), %u distinct "
                       "epochs from %u to %u, %d failures\n",
                       who, looks, reopen, refresh, distinct, first, last, rvf_test_failed);
    if (write(fd, line, (size_t)len) != len)
        return 4;
    return rvf_test_failed || looks == 0 ? 1 : 0;
}

static void test_readers_under_load(void)
{
    const char *path = tmp_path("readers-load.rvf");
    const char *secs_env = getenv("RVF_LOAD_SECONDS");
    double secs = secs_env && *secs_env ? atof(secs_env) : 6.0;
    rvf_options o = rvf_options_default(DIM);
    o.block_vectors = 64;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    rvf_close(s);
    int fds[2];
    if (pipe(fds) != 0)
        return;
    fflush(stdout);
    double deadline = now_s() + secs;
    pid_t pids[1 + READERS];
    for (int i = 0; i <= READERS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            close(fds[0]);
            _exit(i == 0 ? writer(path, deadline, fds[1]) : reader(path, deadline, i - 1, fds[1]));
        }
    }
    close(fds[1]);
    for (int i = 0; i <= READERS; i++) {
        int status = 0;
        waitpid(pids[i], &status, 0);
        rvf_test_checks++;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            RVF_FAIL_AT("%s %d failed (status 0x%x)", i ? "reader" : "writer", i - 1, status);
    }
    char buf[2048];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf - 1)) > 0) {
        buf[n] = 0;
        fputs(buf, stdout);
        const char *sp = getenv("RVF_SUMMARY");
        FILE *sf = sp && *sp ? fopen(sp, "a") : NULL;
        if (sf) {
            fputs(buf, sf);
            fclose(sf);
        }
    }
    close(fds[0]);
    /* the final file verifies */
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
}

int main(void)
{
    RVF_TEST_RUN(test_readers_under_load);
    return rvf_test_finish();
}

#define _POSIX_C_SOURCE 200809L
/* test_kill.c: crash campaigns (RVF-BRIEF §4.6, §15.3; RELIABILITY.md). For each scenario a child
 * process runs a deterministic sequence of store operations (ingest, delete, small metadata
 * commits, compaction, index builds: sealed, delta and full, and compactions of an indexed store,
 * which renumber the graph, run k-means and write a Layer-A HOT INDEX_SEG) and reports on a pipe
 * when each operation starts and when it returned OK (acknowledged = durable). The parent waits
 * for an operation of the scenario's target kind to start, sleeps a random fraction of that kind's
 * measured duration and kills the child with SIGKILL. It then reopens the file read-only and
 * checks that:
 *   - the store is exactly the model after every acknowledged operation, or after those plus the
 *     one in flight (which may have committed before its acknowledgement was written): every live
 *     id, its vector and its metadata; nothing else is visible, nothing is half there;
 *   - rvf_verify passes (every hash, block CRC, the witness chain);
 *   - exact top-k answers equal a brute force over the model; approximate (HNSW) answers name
 *     live ids at their exact distances; an acknowledged index build is still there.
 * The next child reopens the file for writing (which drops a torn tail and a leftover
 * <path>.compact.tmp) and continues where the file is. A dead writer's lock younger than 30 s still
 * blocks new writers (FORMAT.md "Writer lock"), so the parent removes it, as an operator would.
 *
 * RVF_KILL_ITER sets the kills per scenario (default 20; `make test-long` runs 100),
 * RVF_KILL_SEED the random seed (default: the time, printed), RVF_SUMMARY a file to which a
 * one-line summary per scenario is appended. */
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "rvf_test.h"
#include "store_util.h"

enum { DIM = 8, IDS = 4096, MAXN = 2000, TOPK = 10 };

typedef enum op_kind {
    OP_CREATE,
    OP_INGEST,
    OP_DELETE,
    OP_COMPACT,
    OP_INDEX,      /* rvf_build_index: sealed the first time, then delta */
    OP_INDEX_FULL, /* rvf_build_index with full = 1 */
    OP_KINDS
} op_kind;
static const char *const kind_name[OP_KINDS] = {"create",  "ingest", "delete",
                                                "compact", "index",  "index-full"};

typedef struct op {
    op_kind kind;
    uint32_t first, n, stride; /* INGEST: ids (first + i * stride) % IDS; DELETE: n ids */
    uint8_t meta;              /* INGEST: with metadata */
} op;

typedef enum scenario {
    SC_INGEST,
    SC_DELETE,
    SC_MANIFEST,
    SC_COMPACT,
    SC_INDEX,
    SC_COUNT
} scenario;
static const char *const sc_name[SC_COUNT] = {"ingest", "delete", "manifest", "compact", "index"};

/* Operation k of a scenario: a pure function, so parent and child agree without talking. */
static op scenario_op(scenario sc, uint32_t k)
{
    op o = {OP_CREATE, 0, 0, 1, 0};
    if (k == 0)
        return o;
    switch (sc) {
    case SC_INGEST: /* batches of 200; after ~20 the id space wraps and batches upsert */
        o = (op){OP_INGEST, ((k - 1) * 200) % IDS, 200, 1, 0};
        break;
    case SC_DELETE: /* one load with metadata, then deletes of 25 ids, every 6th op a re-ingest */
        if (k == 1)
            o = (op){OP_INGEST, 0, MAXN, 1, 1};
        else if (k % 6 == 0)
            o = (op){OP_INGEST, (k * 97) % IDS, 100, 1, 1};
        else
            o = (op){OP_DELETE, 0, 25, 1, 0};
        break;
    case SC_MANIFEST: /* tiny commits: the manifest dominates every commit */
        if (k % 4 == 0)
            o = (op){OP_DELETE, 0, 1, 1, 0};
        else
            o = (op){OP_INGEST, (k * 37) % IDS, 1 + k % 3, 101, 1};
        break;
    case SC_COMPACT: /* ingest, delete, compact */
        if (k % 3 == 1)
            o = (op){OP_INGEST, (k * 150) % IDS, 150, 1, (uint8_t)(k & 1)};
        else if (k % 3 == 2)
            o = (op){OP_DELETE, 0, 15, 1, 0};
        else
            o = (op){OP_COMPACT, 0, 0, 1, 0};
        break;
    case SC_INDEX: /* new rows + delta build, upserts (stale nodes) + build, compaction of the
                      indexed store, full rebuilds and deletes */
        switch (k % 6) {
        case 1:
            o = (op){OP_INGEST, ((k / 6) * 200) % 2048, 200, 1, 0};
            break;
        case 2:
        case 4:
            o = (op){OP_INDEX, 0, 0, 1, 0};
            break;
        case 3:
            o = (op){OP_INGEST, (k * 53) % IDS, 40, 7, 1};
            break;
        case 5:
            o = (op){OP_COMPACT, 0, 0, 1, 0};
            break;
        default:
            o = k % 12 == 0 ? (op){OP_INDEX_FULL, 0, 0, 1, 0} : (op){OP_DELETE, 0, 10, 1, 0};
        }
        break;
    default:
        break;
    }
    return o;
}

/* Which operations a kill aims at, by iteration. */
static op_kind scenario_target(scenario sc, int it)
{
    switch (sc) {
    case SC_INGEST:
        return OP_INGEST;
    case SC_DELETE:
        return OP_DELETE;
    case SC_MANIFEST:
        return it % 2 ? OP_DELETE : OP_INGEST;
    case SC_COMPACT:
        return OP_COMPACT;
    default:
        return it % 3 == 0 ? OP_COMPACT : it % 3 == 1 ? OP_INDEX : OP_INDEX_FULL;
    }
}

static uint64_t rng_seed(uint64_t a, uint64_t b)
{
    uint64_t s = (a + 1) * 0x9E3779B97F4A7C15ull ^ (b + 7) * 0xC2B2AE3D27D4EB4Full;
    return s ? s : 1;
}

/* The vector op k writes for id: a function of both. */
static void row_data(uint32_t id, uint32_t k, float *v)
{
    rvf_test_rng r = {rng_seed(id, k)};
    for (uint32_t d = 0; d < DIM; d++)
        v[d] = rvf_test_unit(&r);
}

/* Metadata op k writes for id: field 1 u64 k, field 2 a string naming both. */
static uint32_t meta_data(uint32_t id, uint32_t k, rvf_value *f, char *text, size_t cap)
{
    int len = snprintf(text, cap, "op%u-id%u%s", k, id, id % 3 ? "" : "-with-a-longer-tail");
    f[0] = (rvf_value){1, RVF_VALUE_U64, {.u64 = k}};
    f[1] = (rvf_value){2, RVF_VALUE_STRING, {.bytes = {(const uint8_t *)text, (uint32_t)len}}};
    return 2;
}

/* The ids a delete op names (some may be absent or dead already: ignored by the store). */
static void delete_ids(uint32_t k, uint32_t n, uint64_t *ids)
{
    rvf_test_rng r = {rng_seed(k, 0xDE1)};
    for (uint32_t i = 0; i < n; i++)
        ids[i] = rvf_test_next(&r) % IDS;
}

static void ingest_ids(const op *o, uint64_t *ids)
{
    for (uint32_t i = 0; i < o->n; i++)
        ids[i] = (o->first + (uint64_t)i * o->stride) % IDS;
}

/* ---- the model ----------------------------------------------------------------------------- */
typedef struct model {
    int64_t gen[IDS]; /* op that wrote the id's row, -1: never */
    uint8_t live[IDS], meta[IDS];
    int indexed; /* an index build was applied */
} model;

static void model_apply(model *m, uint32_t k, const op *o)
{
    uint64_t ids[MAXN];
    if (o->kind == OP_INGEST) {
        ingest_ids(o, ids);
        for (uint32_t i = 0; i < o->n; i++) {
            m->gen[ids[i]] = k;
            m->live[ids[i]] = 1;
            m->meta[ids[i]] = o->meta;
        }
    } else if (o->kind == OP_DELETE) {
        delete_ids(k, o->n, ids);
        for (uint32_t i = 0; i < o->n; i++)
            m->live[ids[i]] = 0;
    } else if (o->kind == OP_INDEX || o->kind == OP_INDEX_FULL)
        m->indexed = 1;
}

static void row_hash(uint64_t *h, uint64_t id, const float *v, const rvf_value *f, uint32_t nf)
{
    fnv(h, &id, 8);
    fnv(h, v, DIM * sizeof *v);
    fnv(h, &nf, 4);
    for (uint32_t i = 0; i < nf; i++) {
        fnv(h, &f[i].field_id, 2);
        fnv(h, &f[i].type, 1);
        if (f[i].type == RVF_VALUE_STRING || f[i].type == RVF_VALUE_BYTES)
            fnv(h, f[i].v.bytes.ptr, f[i].v.bytes.len);
        else
            fnv(h, &f[i].v.u64, 8);
    }
}

static uint64_t model_digest(const model *m, uint64_t *live)
{
    uint64_t h = 0xcbf29ce484222325ull;
    *live = 0;
    for (uint32_t id = 0; id < IDS; id++) {
        if (!m->live[id])
            continue;
        float v[DIM];
        rvf_value f[2];
        char text[64];
        uint32_t k = (uint32_t)m->gen[id];
        row_data(id, k, v);
        uint32_t nf = m->meta[id] ? meta_data(id, k, f, text, sizeof text) : 0;
        row_hash(&h, id, v, f, nf);
        ++*live;
    }
    return h;
}

static int digest_row(void *ctx, uint64_t id, const float *v, uint32_t dim, const rvf_value *f,
                      uint32_t nf)
{
    (void)dim;
    row_hash(ctx, id, v, f, nf);
    return 0;
}

static uint64_t store_digest(rvf_store *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    if (rvf_foreach(s, digest_row, &h) != RVF_OK)
        return 0;
    return h;
}

/* ---- the child ----------------------------------------------------------------------------- */
typedef struct msg {
    uint32_t k, done; /* done 0: started, 1: returned OK */
    uint64_t t_ns;
} msg;

/* CPU seconds of this process and its reaped children (the machine may be shared) */
static double cpu_seconds(void)
{
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    getrusage(RUSAGE_CHILDREN, &b);
    return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec) +
           (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec +
                    b.ru_stime.tv_usec) /
               1e6;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void tell(int fd, uint32_t k, uint32_t done)
{
    msg m = {k, done, mono_ns()};
    if (write(fd, &m, sizeof m) != sizeof m)
        _exit(4);
}

static void die(const char *what, rvf_status st)
{
    fprintf(stderr, "child: %s: %s (%s)\n", what, rvf_strerror(st), rvf_last_error_detail());
    _exit(3);
}

static void child(const char *path, scenario sc, uint32_t k, int fd)
{
    static float v[MAXN * DIM];
    static uint64_t ids[MAXN];
    static rvf_value meta[MAXN * 2];
    static uint32_t counts[MAXN];
    static char text[MAXN][64];
    rvf_store *s = NULL;
    rvf_status st;
    if (k > 0 && (st = rvf_open(path, &s)) != RVF_OK)
        die("open", st);
    for (;; k++) {
        op o = scenario_op(sc, k);
        tell(fd, k, 0);
        switch (o.kind) {
        case OP_CREATE: {
            rvf_options opt = rvf_options_default(DIM);
            opt.block_vectors = 64; /* several VEC blocks per segment */
            st = rvf_create(path, &opt, &s);
            break;
        }
        case OP_INGEST:
            ingest_ids(&o, ids);
            for (uint32_t i = 0; i < o.n; i++) {
                row_data((uint32_t)ids[i], k, v + (size_t)i * DIM);
                counts[i] = o.meta ? meta_data((uint32_t)ids[i], k, meta + 2 * i, text[i], 64) : 0;
            }
            st = rvf_ingest(s, v, ids, o.n, meta, o.meta ? counts : NULL);
            break;
        case OP_DELETE:
            delete_ids(k, o.n, ids);
            st = rvf_delete(s, ids, o.n, NULL);
            break;
        case OP_COMPACT:
            st = rvf_compact(s);
            break;
        default: {
            rvf_index_options io = rvf_index_options_default();
            io.m = 8;
            io.ef_construction = 32;
            io.full = o.kind == OP_INDEX_FULL;
            st = rvf_build_index(s, &io);
        }
        }
        if (st != RVF_OK)
            die(kind_name[o.kind], st);
        tell(fd, k, 1);
    }
}

/* ---- the parent ---------------------------------------------------------------------------- */
static float l2(const float *a, const float *b)
{
    float acc = 0;
    for (uint32_t d = 0; d < DIM; d++)
        acc += (a[d] - b[d]) * (a[d] - b[d]);
    return acc;
}

/* Exact answers equal a brute force over the model; HNSW answers are live ids at their exact
 * distances. */
static void check_answers(rvf_store *s, const model *m, uint32_t qseed, const char *where)
{
    float q[DIM];
    row_data(qseed, 0xFFFFFFu, q);
    rvf_hit want[TOPK];
    uint32_t nw = 0;
    for (uint32_t id = 0; id < IDS; id++) {
        if (!m->live[id])
            continue;
        float v[DIM];
        row_data(id, (uint32_t)m->gen[id], v);
        rvf_hit h = {id, l2(q, v)};
        uint32_t at = nw < TOPK ? nw++ : TOPK;
        if (at == TOPK && !(h.distance < want[TOPK - 1].distance))
            continue;
        if (at == TOPK)
            at = TOPK - 1;
        while (at > 0 && want[at - 1].distance > h.distance) {
            want[at] = want[at - 1];
            at--;
        }
        want[at] = h;
    }
    rvf_hit got[TOPK];
    uint32_t n = 0;
    rvf_query_params p = {TOPK, -1, NULL, 0, 0};
    rvf_status st = rvf_query(s, q, DIM, &p, got, &n);
    CHECK(st == RVF_OK || (st == RVF_ERR_K_TOO_LARGE && nw < TOPK));
    CHECK_EQ_INT(n, nw);
    for (uint32_t i = 0; i < n && i < nw; i++)
        if (got[i].id != want[i].id) {
            RVF_FAIL_AT("%s: exact answer %u is id %llu, brute force says %llu", where, i,
                        (unsigned long long)got[i].id, (unsigned long long)want[i].id);
            break;
        }
    if (!m->indexed) /* the graph a reader builds in memory is not the subject here */
        return;
    p.ef = 32;
    st = rvf_query(s, q, DIM, &p, got, &n);
    CHECK(st == RVF_OK || st == RVF_ERR_K_TOO_LARGE);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t id = got[i].id;
        float v[DIM];
        if (id >= IDS || !m->live[id]) {
            RVF_FAIL_AT("%s: HNSW returned id %llu, which is not live", where,
                        (unsigned long long)id);
            break;
        }
        row_data((uint32_t)id, (uint32_t)m->gen[id], v);
        CHECK_NEAR(got[i].distance, l2(q, v), 1e-6, 1e-5);
    }
}

typedef struct campaign {
    long kills, acked, inflight_committed, tmp_left, kill_in[OP_KINDS], start_fail;
    uint32_t ops;
} campaign;

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *e = getenv(name);
    return e && *e ? strtoull(e, NULL, 0) : dflt;
}

static void run_campaign(scenario sc, int iters, rvf_test_rng *rng, FILE *summary)
{
    char name[64], tmp[700], lock[700];
    snprintf(name, sizeof name, "kill-%s.rvf", sc_name[sc]);
    const char *path = tmp_path(name);
    snprintf(tmp, sizeof tmp, "%s.compact.tmp", path);
    snprintf(lock, sizeof lock, "%s.lock", path);
    static model m, m2;
    memset(&m, 0, sizeof m);
    for (uint32_t i = 0; i < IDS; i++)
        m.gen[i] = -1;
    uint32_t next = 0;            /* ops applied to the file (and to m) */
    uint64_t dur[OP_KINDS] = {0}; /* measured duration per kind (ns, running max-ish mean) */
    campaign c;
    memset(&c, 0, sizeof c);
    uint64_t t0 = mono_ns();
    double cpu0 = cpu_seconds();
    int failed0 = rvf_test_failed; /* stop this scenario at its first failure */
    for (int it = 0; it < iters && rvf_test_failed == failed0; it++) {
        op_kind target = scenario_target(sc, it);
        int fds[2];
        if (pipe(fds) != 0)
            return;
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            child(path, sc, next, fds[1]);
        }
        close(fds[1]);
        /* follow the child until an op of the target kind starts, then kill inside it */
        uint64_t started[2] = {0, 0}; /* k, time of the last start seen */
        int64_t last_ack = (int64_t)next - 1;
        int killed = 0;
        uint64_t kill_at = 0;
        /* let 0-2 ops of the target kind complete first, so the file grows and the campaign
           passes through many states */
        int skip = (int)(rvf_test_next(rng) % 3);
        while (!killed) {
            struct pollfd pf = {fds[0], POLLIN, 0};
            uint64_t now = mono_ns();
            int timeout = !kill_at ? 60000 : kill_at > now ? (int)((kill_at - now) / 1000000u) : 0;
            int r = poll(&pf, 1, timeout);
            if (r == 0) {
                if (!kill_at)
                    RVF_FAIL_AT("%s: no %s started within 60 s", sc_name[sc], kind_name[target]);
                kill(pid, SIGKILL);
                killed = 1;
                break;
            }
            msg mm;
            ssize_t got = read(fds[0], &mm, sizeof mm);
            if (got != (ssize_t)sizeof mm) { /* the child ended by itself: a failure */
                kill(pid, SIGKILL);
                killed = 1;
                break;
            }
            op_kind kind = scenario_op(sc, mm.k).kind;
            if (mm.done) {
                last_ack = mm.k;
                if (mm.k == started[0] && started[1]) {
                    uint64_t d = mm.t_ns - started[1];
                    dur[kind] = dur[kind] ? (dur[kind] * 3 + d) / 4 : d;
                }
            } else {
                started[0] = mm.k;
                started[1] = mm.t_ns;
                if (!kill_at && kind == target && skip-- == 0) {
                    /* a random moment inside the op (as long as it took last time; the first
                       time a guess), so both fsyncs and the manifest append are hit */
                    uint64_t span = dur[kind] ? dur[kind] + dur[kind] / 4 : 3000000u;
                    kill_at = mm.t_ns + rvf_test_next(rng) % span;
                }
            }
            if (kill_at && mono_ns() >= kill_at) {
                kill(pid, SIGKILL);
                killed = 1;
            }
        }
        int status = 0;
        waitpid(pid, &status, 0);
        if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
            RVF_FAIL_AT("%s iteration %d: the writer ended by itself (status 0x%x)", sc_name[sc],
                        it, status);
            close(fds[0]);
            break;
        }
        msg mm;
        while (read(fds[0], &mm, sizeof mm) == (ssize_t)sizeof mm)
            if (mm.done)
                last_ack = mm.k;
        close(fds[0]);
        unlink(lock);
        c.kills++;
        c.tmp_left += access(tmp, F_OK) == 0; /* killed inside a compaction */
        /* m: the model after every acknowledged op; m2: plus the one in flight */
        for (uint32_t k = next; (int64_t)k <= last_ack; k++) {
            op o = scenario_op(sc, k);
            model_apply(&m, k, &o);
        }
        c.acked += last_ack + 1 - (int64_t)next;
        uint32_t acked_end = (uint32_t)(last_ack + 1);
        op inflight = scenario_op(sc, acked_end);
        c.kill_in[inflight.kind]++;
        m2 = m;
        model_apply(&m2, acked_end, &inflight);
        uint64_t live1, live2;
        uint64_t d1 = model_digest(&m, &live1), d2 = model_digest(&m2, &live2);
        rvf_store *s = NULL;
        rvf_status st = rvf_open_readonly(path, &s);
        if (st == RVF_ERR_NOT_FOUND && acked_end == 0) { /* killed inside the create */
            c.start_fail++;
            next = 0;
            continue;
        }
        CHECK_EQ_INT(st, RVF_OK);
        if (st != RVF_OK) {
            fprintf(stderr, "  %s iteration %d: open: %s\n", sc_name[sc], it,
                    rvf_last_error_detail());
            break;
        }
        uint64_t ds = store_digest(s), live = live1;
        if (ds == d1 && acked_end > 0)
            next = acked_end;
        else if (ds == d2) {
            next = acked_end + 1;
            if (inflight.kind != OP_COMPACT && inflight.kind != OP_INDEX &&
                inflight.kind != OP_INDEX_FULL && d1 != d2)
                c.inflight_committed++;
            m = m2;
            live = live2;
        } else {
            RVF_FAIL_AT("%s iteration %d: the store is neither the state after the %u "
                        "acknowledged ops nor that plus the %s in flight",
                        sc_name[sc], it, acked_end, kind_name[inflight.kind]);
            rvf_close(s);
            break;
        }
        uint64_t bad = 0;
        st = rvf_verify(s, &bad);
        if (st != RVF_OK)
            RVF_FAIL_AT("%s iteration %d: verify: %s at offset %llu (%s)", sc_name[sc], it,
                        rvf_strerror(st), (unsigned long long)bad, rvf_last_error_detail());
        rvf_status_info si;
        CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
        CHECK_EQ_U64(si.live_vectors, live);
        if (m.indexed && si.index_segments == 0)
            RVF_FAIL_AT("%s iteration %d: an acknowledged index build is gone", sc_name[sc], it);
        char where[96];
        snprintf(where, sizeof where, "%s iteration %d", sc_name[sc], it);
        check_answers(s, &m, (uint32_t)it, where);
        rvf_close(s);
    }
    c.ops = next;
    double secs = (double)(mono_ns() - t0) / 1e9;
    char kills[160] = "";
    size_t at = 0;
    for (int k = 0; k < OP_KINDS; k++)
        if (c.kill_in[k])
            at += (size_t)snprintf(kills + at, sizeof kills - at, "%s%s %ld", at ? ", " : "",
                                   kind_name[k], c.kill_in[k]);
    char durs[160] = "";
    at = 0;
    for (int k = 0; k < OP_KINDS; k++)
        if (dur[k])
            at += (size_t)snprintf(durs + at, sizeof durs - at, "%s%s %.1f", at ? ", " : "",
                                   kind_name[k], (double)dur[k] / 1e6);
    char line[640];
    snprintf(line, sizeof line,
             "%-8s %3ld kills (in: %s); %u ops committed, %ld acknowledged, all present; %ld "
             "unacknowledged ops found committed; %ld kills left a compact.tmp; %ld before the "
             "file existed; op ms: %s; %.1f s (cpu %.1f s); %s",
             sc_name[sc], c.kills, kills, c.ops, c.acked, c.inflight_committed, c.tmp_left,
             c.start_fail, durs, secs, cpu_seconds() - cpu0,
             rvf_test_failed != failed0 ? "FAILED" : "ok");
    printf("  %s\n", line);
    if (summary)
        fprintf(summary, "%s\n", line);
    if (c.ops == 0) /* the file was never created */
        return;
    /* a writer's open removes a leftover temporary file */
    unlink(lock);
    rvf_store *w = NULL;
    CHECK_EQ_INT(rvf_open(path, &w), RVF_OK);
    CHECK(access(tmp, F_OK) != 0);
    rvf_close(w);
}

static int g_iters;
static rvf_test_rng g_rng;
static FILE *g_summary;

static void test_kill_ingest(void)
{
    run_campaign(SC_INGEST, g_iters, &g_rng, g_summary);
}

static void test_kill_delete(void)
{
    run_campaign(SC_DELETE, g_iters, &g_rng, g_summary);
}

static void test_kill_manifest(void)
{
    run_campaign(SC_MANIFEST, g_iters, &g_rng, g_summary);
}

static void test_kill_compact(void)
{
    run_campaign(SC_COMPACT, g_iters, &g_rng, g_summary);
}

static void test_kill_index(void)
{
    run_campaign(SC_INDEX, g_iters, &g_rng, g_summary);
}

int main(void)
{
    g_iters = (int)env_u64("RVF_KILL_ITER", 20);
    uint64_t seed = env_u64("RVF_KILL_SEED", 0);
    if (!seed)
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    g_rng.s = seed;
    printf("crash campaigns: %d kills per scenario, RVF_KILL_SEED=%llu\n", g_iters,
           (unsigned long long)seed);
    const char *sp = getenv("RVF_SUMMARY");
    if (sp && *sp) {
        g_summary = fopen(sp, "a");
        if (g_summary)
            fprintf(g_summary, "crash campaigns: %d kills per scenario, RVF_KILL_SEED=%llu\n",
                    g_iters, (unsigned long long)seed);
    }
    RVF_TEST_RUN(test_kill_ingest);
    RVF_TEST_RUN(test_kill_delete);
    RVF_TEST_RUN(test_kill_manifest);
    RVF_TEST_RUN(test_kill_compact);
    RVF_TEST_RUN(test_kill_index);
    if (g_summary) {
        fprintf(g_summary, "crash campaigns: %d checks, %d failed\n", rvf_test_checks,
                rvf_test_failed);
        fclose(g_summary);
    }
    return rvf_test_finish();
}

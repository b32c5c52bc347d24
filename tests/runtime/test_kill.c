#define _POSIX_C_SOURCE 200809L
/* test_kill.c: kill -9 during ingest, 20 times on the same file, then 20 times during a loop of
 * ingest + compaction (the compaction writes <path>.compact.tmp and renames it over the file). A
 * child process ingests batches and reports each batch on a pipe only after rvf_ingest returned OK
 * (acknowledged = durable). The parent kills it at a random moment, then checks that every
 * acknowledged batch is present and intact and that no batch is half there. The next child reopens
 * the file for writing, which drops any torn tail. A dead writer's lock younger than 30 s still
 * blocks new writers (FORMAT.md "Writer lock"), so the parent removes it, as an operator would. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "rvf_test.h"
#include "store_util.h"

enum { DIM = 16, BATCH = 200, ITER = 20 };

static void batch_data(uint32_t b, float *v, uint64_t *ids)
{
    rvf_test_rng r = {0x9E3779B97F4A7C15ull ^ b};
    for (uint32_t i = 0; i < BATCH; i++) {
        ids[i] = (uint64_t)b * BATCH + i;
        for (uint32_t d = 0; d < DIM; d++)
            v[i * DIM + d] = rvf_test_unit(&r);
    }
}

static void child(const char *path, uint32_t first, int fd, int compact)
{
    rvf_store *s = NULL;
    rvf_status st = first ? rvf_open(path, &s) : RVF_ERR_NOT_FOUND;
    if (!first) {
        rvf_options o = rvf_options_default(DIM);
        st = rvf_create(path, &o, &s);
    }
    if (st != RVF_OK) {
        fprintf(stderr, "child: open: %s (%s)\n", rvf_strerror(st), rvf_last_error_detail());
        _exit(2);
    }
    static float v[BATCH * DIM];
    uint64_t ids[BATCH];
    for (uint32_t b = first;; b++) {
        batch_data(b, v, ids);
        if (rvf_ingest(s, v, ids, BATCH, NULL, NULL) != RVF_OK)
            _exit(3);
        if (write(fd, &b, sizeof b) != sizeof b)
            _exit(4);
        if (compact && rvf_compact(s) != RVF_OK) /* rewrite + rename after every batch */
            _exit(5);
    }
}

static void kill_loop(const char *name, int compact)
{
    const char *path = tmp_path(name);
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s.compact.tmp", path);
    int tmp_left = 0;
    char lock[700];
    snprintf(lock, sizeof lock, "%s.lock", path);
    uint32_t next = 0;
    long acked_total = 0;
    srand((unsigned)time(NULL));
    for (int it = 0; it < ITER; it++) {
        int fds[2];
        if (pipe(fds) != 0)
            return;
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            child(path, next, fds[1], compact);
        }
        close(fds[1]);
        struct timespec ts = {0, (long)(20 + rand() % 130) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        int64_t last = -1;
        uint32_t b;
        while (read(fds[0], &b, sizeof b) == sizeof b)
            last = b;
        close(fds[0]);
        unlink(lock);
        tmp_left += access(tmp, F_OK) == 0; /* killed inside a compaction */
        rvf_store *s = NULL;
        rvf_status st = rvf_open_readonly(path, &s);
        if (st == RVF_ERR_NOT_FOUND && next == 0) /* killed before the file existed */
            continue;
        CHECK_EQ_INT(st, RVF_OK);
        if (st != RVF_OK) {
            fprintf(stderr, "  open: %s\n", rvf_last_error_detail());
            return;
        }
        /* every acknowledged batch present and intact; the first absent batch wholly absent */
        static float v[BATCH * DIM], got[DIM];
        uint64_t ids[BATCH];
        uint32_t present_end = next;
        for (;; present_end++) {
            batch_data(present_end, v, ids);
            int have = 0;
            for (uint32_t i = 0; i < BATCH; i++)
                if (rvf_get_vector(s, ids[i], got, DIM) == RVF_OK) {
                    have++;
                    if (memcmp(got, v + i * DIM, sizeof got) != 0)
                        RVF_FAIL_AT("batch %u id %llu: wrong vector", present_end,
                                    (unsigned long long)ids[i]);
                }
            if (have != 0 && have != BATCH)
                RVF_FAIL_AT("batch %u is half there (%d of %d)", present_end, have, BATCH);
            if (have != BATCH)
                break;
        }
        rvf_test_checks++;
        if (last >= 0 && present_end <= (uint32_t)last)
            RVF_FAIL_AT("iteration %d: batch %lld was acknowledged but is missing", it,
                        (long long)last);
        CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
        rvf_status_info si;
        rvf_status_get(s, &si);
        CHECK_EQ_U64(si.live_vectors, (uint64_t)present_end * BATCH);
        rvf_close(s);
        acked_total += last >= 0 ? (long)last - (long)next + 1 : 0;
        next = present_end;
    }
    printf("  %s: %d kills; %u batches of %d committed; %ld acknowledged, all present; %d kills "
           "left a %s behind\n",
           compact ? "ingest + compaction" : "ingest", ITER, next, BATCH, acked_total, tmp_left,
           "compact.tmp");
    /* a writer's open removes a leftover temporary file */
    rvf_store *w = NULL;
    CHECK_EQ_INT(rvf_open(path, &w), RVF_OK);
    CHECK(access(tmp, F_OK) != 0);
    rvf_close(w);
}

static void test_kill_during_ingest(void)
{
    kill_loop("kill.rvf", 0);
}

static void test_kill_during_compaction(void)
{
    kill_loop("kill-compact.rvf", 1);
}

int main(void)
{
    RVF_TEST_RUN(test_kill_during_ingest);
    RVF_TEST_RUN(test_kill_during_compaction);
    return rvf_test_finish();
}

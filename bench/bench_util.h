/* bench_util.h: helpers shared by the bench/ programs: a monotonic clock in milliseconds, the
 * seeded xorshift64 stream behind unit() and noise(), die() for a failed rvf_* call, a range
 * source that counts what it serves (rvf_open_source), copy_file(), and percentiles of sorted
 * timings. Everything is static, so each program gets its own copy (and its own random stream).
 *
 * The including file defines BENCH_NAME (the program's name, a string literal: die() prints it)
 * and _POSIX_C_SOURCE 200809L or _GNU_SOURCE (pread, clock_gettime) before any #include. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#ifndef BENCH_NAME
#error "define BENCH_NAME (the program's name) before including bench_util.h"
#endif

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "rvf.h"

static inline double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The state of unit() and noise(); bench_seed() starts the stream over. */
static inline uint64_t *bench_rng(void)
{
    static uint64_t state = 0x9E3779B97F4A7C15ull;
    return &state;
}

static inline void bench_seed(uint64_t seed)
{
    *bench_rng() = seed;
}

static inline float unit(void) /* [-1, 1) */
{
    uint64_t *r = bench_rng();
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;
    return (float)(*r >> 40) / 8388608.0f - 1.0f;
}

static inline float noise(void) /* Irwin-Hall(4), centred: close enough to a Gaussian */
{
    return (unit() + unit() + unit() + unit()) * 0.5f;
}

/* Prints "BENCH_NAME: what: message (detail)" to stderr; returns 1 (main's exit status). */
static inline int die(const char *what, rvf_status st)
{
    fprintf(stderr, BENCH_NAME ": %s: %s (%s)\n", what, rvf_strerror(st), rvf_last_error_detail());
    return 1;
}

/* A range source over an open file that counts the bytes and calls it serves: ctx of an
 * rvf_source {&c, size, counting_read, counting_close or NULL}. With log set, each read's offset
 * and length are recorded too (the first COUNTING_LOG of them). */
enum { COUNTING_LOG = 1024 };

typedef struct counting {
    int fd;
    uint64_t bytes, calls;
    bool log;
    uint32_t nlog;
    uint64_t off[COUNTING_LOG], len[COUNTING_LOG];
} counting;

static inline rvf_status counting_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    counting *c = ctx;
    c->calls++;
    if (c->log && c->nlog < COUNTING_LOG) {
        c->off[c->nlog] = off;
        c->len[c->nlog++] = n;
    }
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(c->fd, (char *)dst + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 ? RVF_ERR_TRUNCATED_SEGMENT : RVF_ERR_IO_ERROR;
        got += (size_t)r;
    }
    c->bytes += n;
    return RVF_OK;
}

static inline void counting_close(void *ctx)
{
    close(((counting *)ctx)->fd);
}

/* Copies the file from to the file to; 0 on success. */
static inline int copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    static char buf[1 << 20];
    size_t n;
    int bad = !a || !b;
    while (!bad && (n = fread(buf, 1, sizeof buf, a)) > 0)
        bad = fwrite(buf, 1, n, b) != n;
    if (a)
        fclose(a);
    if (b)
        bad |= fclose(b) != 0;
    return bad;
}

/* qsort order of doubles, ascending */
static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile (0..1) of n sorted values: the nearest rank. */
static inline double pct(const double *sorted, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

#endif

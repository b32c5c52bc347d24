/* tool_hash: SHAKE-256 outputs for the differential test against @noble/hashes
 * (hash-noble.mjs), and a throughput print.
 *
 *   tool_hash --gen N   N deterministic cases, one line each: <input hex> <outlen> <output hex>.
 *                       Odd cases absorb and squeeze in pseudo-random pieces.
 *   tool_hash --stdin   reads lines <input hex> <outlen>, prints <output hex> per line.
 *   tool_hash --bench   SHAKE-256 and XXH3-128 throughput in MB/s.
 * An empty byte string is written "-". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rvf_internal.h"

/* xorshift64*, as in rvf_test.h (not included: this is a tool, not a CHECK-based test). */
typedef struct {
    uint64_t s;
} rng;
static uint64_t rng_next(rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

enum { MAX_IN = 4096, MAX_OUT = 4096 };

static void put_hex(const uint8_t *p, size_t n)
{
    if (n == 0)
        putchar('-');
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
}

static size_t case_len(rng *r, unsigned i)
{
    /* Every length up to three blocks, then random ones, half of them next to a block edge. */
    if (i < 410)
        return i;
    uint64_t v = rng_next(r);
    if (v & 1)
        return (size_t)(v >> 8) % 2001;
    size_t edge = 136 * (1 + (size_t)(v >> 8) % 14);
    return edge - 1 + (size_t)(v >> 40) % 3;
}

static void shake_pieces(rng *r, const uint8_t *in, size_t n, uint8_t *out, size_t outlen)
{
    rvf_shake256_ctx s;
    rvf_shake256_init(&s);
    for (size_t done = 0; done < n;) {
        size_t k = (size_t)(rng_next(r) % 300);
        k = k > n - done ? n - done : k;
        rvf_shake256_update(&s, in + done, k);
        done += k;
    }
    for (size_t done = 0; done < outlen;) {
        size_t k = (size_t)(rng_next(r) % 200);
        k = k > outlen - done ? outlen - done : k;
        rvf_shake256_squeeze(&s, out + done, k);
        done += k;
    }
}

static int gen(unsigned count)
{
    static uint8_t in[MAX_IN], out[MAX_OUT];
    rng r = {0x9E3779B97F4A7C15ull};
    for (unsigned i = 0; i < count; i++) {
        size_t n = case_len(&r, i);
        size_t outlen = i < 410 ? (i * 37u) % 501 : (size_t)(rng_next(&r) % 501);
        for (size_t k = 0; k < n; k++)
            in[k] = (uint8_t)(rng_next(&r) >> 56);
        if (i & 1)
            shake_pieces(&r, in, n, out, outlen);
        else
            rvf_shake256(in, n, out, outlen);
        put_hex(in, n);
        printf(" %zu ", outlen);
        put_hex(out, outlen);
        putchar('\n');
    }
    return 0;
}

static int from_stdin(void)
{
    static char hex[2 * MAX_IN + 2];
    static uint8_t in[MAX_IN], out[MAX_OUT];
    size_t outlen;
    while (scanf("%8193s %zu", hex, &outlen) == 2) {
        size_t n = strcmp(hex, "-") == 0 ? 0 : strlen(hex) / 2;
        if (n > MAX_IN || outlen > MAX_OUT || (n && strlen(hex) != 2 * n)) {
            fprintf(stderr, "tool_hash: bad line\n");
            return 2;
        }
        for (size_t k = 0; k < n; k++) {
            unsigned v;
            if (sscanf(hex + 2 * k, "%2x", &v) != 1)
                return 2;
            in[k] = (uint8_t)v;
        }
        rvf_shake256(in, n, out, outlen);
        put_hex(out, outlen);
        putchar('\n');
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench(void)
{
    enum { CHUNK = 1 << 20, ROUNDS = 64 };
    uint8_t *buf = rvf_malloc(CHUNK), out[32];
    if (!buf)
        return 1;
    rng r = {1};
    for (size_t i = 0; i < CHUNK; i++)
        buf[i] = (uint8_t)rng_next(&r);
    rvf_shake256_ctx s;
    rvf_shake256_init(&s);
    double t0 = now_s();
    for (int i = 0; i < ROUNDS; i++)
        rvf_shake256_update(&s, buf, CHUNK);
    rvf_shake256_squeeze(&s, out, sizeof out);
    double t1 = now_s();
    unsigned sink = out[0];
    for (int i = 0; i < ROUNDS; i++) {
        rvf_xxh3_128(buf, CHUNK, out);
        sink += out[0];
    }
    double t2 = now_s();
    printf("SHAKE-256: %.1f MB/s\nXXH3-128:  %.1f MB/s\n(%u)\n", ROUNDS / (t1 - t0),
           ROUNDS / (t2 - t1), sink);
    rvf_free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--gen") == 0)
        return gen((unsigned)strtoul(argv[2], NULL, 10));
    if (argc == 2 && strcmp(argv[1], "--stdin") == 0)
        return from_stdin();
    if (argc == 2 && strcmp(argv[1], "--bench") == 0)
        return bench();
    fprintf(stderr, "usage: tool_hash --gen N | --stdin | --bench\n");
    return 2;
}

/* rvf_hash.c: the segment content hashes (XXH3-128 and SHAKE-256) and constant-time comparison.
 * Keccak-f[1600] is written from FIPS 202 (sections 3.2 and 6.2): lane (x, y) is st[x + 5y],
 * state bytes map to lanes little-endian, SHAKE-256 has rate 136 and domain suffix 0x1F. */
#include <string.h>

#include "rvf_internal.h"

#define XXH_INLINE_ALL
#include "xxhash.h"

void rvf_xxh3_128(const void *data, size_t n, uint8_t out[16])
{
    XXH128_hash_t h = XXH3_128bits(data, n);
    /* Rust's u128::to_le_bytes: low half first (the reverse of XXH128's canonical form). */
    rvfk_st_u64(out, h.low64);
    rvfk_st_u64(out + 8, h.high64);
}

enum { SHAKE256_RATE = 136 };

/* iota round constants RC[i] (FIPS 202 Algorithm 6, rc(t) LFSR bits at positions 2^j - 1). */
static const uint64_t keccak_rc[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808Aull, 0x8000000080008000ull,
    0x000000000000808Bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008Aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000Aull,
    0x000000008000808Bull, 0x800000000000008Bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800Aull, 0x800000008000000Aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

static inline uint64_t rotl64(uint64_t v, unsigned r)
{
    return r ? (v << r) | (v >> (64 - r)) : v;
}

/* The step mappings are unrolled with constant lane indices so the compiler keeps the state in
 * registers; loops over index tables ran about 6x slower. */
#define THETA_C(x) c[x] = a[x] ^ a[(x) + 5] ^ a[(x) + 10] ^ a[(x) + 15] ^ a[(x) + 20]
#define THETA_D(x)                                                                                 \
    d = c[((x) + 4) % 5] ^ rotl64(c[((x) + 1) % 5], 1);                                            \
    a[x] ^= d, a[(x) + 5] ^= d, a[(x) + 10] ^= d, a[(x) + 15] ^= d, a[(x) + 20] ^= d
/* rho then pi: lane (x, y) rotated by (t+1)(t+2)/2 mod 64 (the offset of its step t on the walk
 * (1,0) -> (y, 2x+3y)) moves to (y, 2x+3y mod 5). */
#define RHO_PI(x, y, r) b[(y) + 5 * ((2 * (x) + 3 * (y)) % 5)] = rotl64(a[(x) + 5 * (y)], r)
#define CHI(y)                                                                                     \
    a[y] = b[y] ^ (~b[(y) + 1] & b[(y) + 2]),                                                      \
    a[(y) + 1] = b[(y) + 1] ^ (~b[(y) + 2] & b[(y) + 3]),                                          \
    a[(y) + 2] = b[(y) + 2] ^ (~b[(y) + 3] & b[(y) + 4]),                                          \
    a[(y) + 3] = b[(y) + 3] ^ (~b[(y) + 4] & b[y]), a[(y) + 4] = b[(y) + 4] ^ (~b[y] & b[(y) + 1])

static void keccak_f1600(uint64_t st[25])
{
    uint64_t a[25], b[25], c[5], d;
    memcpy(a, st, sizeof a);
    for (int round = 0; round < 24; round++) {
        THETA_C(0), THETA_C(1), THETA_C(2), THETA_C(3), THETA_C(4);
        THETA_D(0);
        THETA_D(1);
        THETA_D(2);
        THETA_D(3);
        THETA_D(4);
        RHO_PI(0, 0, 0), RHO_PI(1, 0, 1), RHO_PI(2, 0, 62), RHO_PI(3, 0, 28), RHO_PI(4, 0, 27);
        RHO_PI(0, 1, 36), RHO_PI(1, 1, 44), RHO_PI(2, 1, 6), RHO_PI(3, 1, 55), RHO_PI(4, 1, 20);
        RHO_PI(0, 2, 3), RHO_PI(1, 2, 10), RHO_PI(2, 2, 43), RHO_PI(3, 2, 25), RHO_PI(4, 2, 39);
        RHO_PI(0, 3, 41), RHO_PI(1, 3, 45), RHO_PI(2, 3, 15), RHO_PI(3, 3, 21), RHO_PI(4, 3, 8);
        RHO_PI(0, 4, 18), RHO_PI(1, 4, 2), RHO_PI(2, 4, 61), RHO_PI(3, 4, 56), RHO_PI(4, 4, 14);
        CHI(0), CHI(5), CHI(10), CHI(15), CHI(20);
        a[0] ^= keccak_rc[round];
    }
    memcpy(st, a, sizeof a);
}

static inline void xor_byte(uint64_t st[25], size_t pos, uint8_t v)
{
    st[pos / 8] ^= (uint64_t)v << (8 * (pos % 8));
}

void rvf_shake256_init(rvf_shake256_ctx *s)
{
    memset(s, 0, sizeof *s);
}

void rvf_shake256_update(rvf_shake256_ctx *s, const void *data, size_t n)
{
    /* Absorbing after the first squeeze would silently fork the XOF stream; refuse it. */
    if (s->squeezing || n == 0)
        return;
    const uint8_t *p = data;
    while (n > 0 && s->pos != 0) {
        xor_byte(s->st, s->pos++, *p++);
        n--;
        if (s->pos == SHAKE256_RATE) {
            keccak_f1600(s->st);
            s->pos = 0;
        }
    }
    for (; n >= SHAKE256_RATE; n -= SHAKE256_RATE, p += SHAKE256_RATE) {
        for (size_t i = 0; i < SHAKE256_RATE / 8; i++)
            s->st[i] ^= rvfk_ld_u64(p + 8 * i);
        keccak_f1600(s->st);
    }
    for (; n > 0; n--)
        xor_byte(s->st, s->pos++, *p++);
}

void rvf_shake256_squeeze(rvf_shake256_ctx *s, uint8_t *out, size_t n)
{
    if (!s->squeezing) {
        /* pad10*1 after the SHAKE suffix bits 1111: 0x1F here, 0x80 in the rate's last byte
         * (both land in one byte, 0x9F, when pos == 135). */
        xor_byte(s->st, s->pos, 0x1F);
        xor_byte(s->st, SHAKE256_RATE - 1, 0x80);
        keccak_f1600(s->st);
        s->pos = 0;
        s->squeezing = true;
    }
    for (size_t i = 0; i < n; i++) {
        if (s->pos == SHAKE256_RATE) {
            keccak_f1600(s->st);
            s->pos = 0;
        }
        out[i] = (uint8_t)(s->st[s->pos / 8] >> (8 * (s->pos % 8)));
        s->pos++;
    }
}

void rvf_shake256(const void *data, size_t n, uint8_t *out, size_t outlen)
{
    rvf_shake256_ctx s;
    rvf_shake256_init(&s);
    rvf_shake256_update(&s, data, n);
    rvf_shake256_squeeze(&s, out, outlen);
}

void rvf_content_hash(uint8_t algo, const void *payload, size_t n, uint8_t out[16])
{
    if (algo == RVF_HASH_SHAKE256)
        rvf_shake256(payload, n, out, 16);
    else
        rvf_xxh3_128(payload, n, out);
}

bool rvf_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    /* volatile keeps the compiler from turning the loop into an early-exit memcmp. */
    volatile uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

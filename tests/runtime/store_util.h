/* store_util.h: helpers shared by the store tests (state digests, temp paths, file bytes and
 * copies; with _POSIX_C_SOURCE 200809L, a counting range source for progressive opens). */
#ifndef STORE_UTIL_H
#define STORE_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rvf.h"

static inline const char *tmp_dir(void)
{
    static char dir[512];
    if (!dir[0]) {
        const char *t = getenv("RVF_TMP");
        snprintf(dir, sizeof dir, "%s", t && *t ? t : "/tmp/rvf-test");
        char cmd[600];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot create %s\n", dir);
    }
    return dir;
}

/* A fresh path in the test's scratch folder (file, lock and temp removed). */
static inline const char *tmp_path(const char *name)
{
    static char p[4][600];
    static int k;
    char *out = p[k++ % 4];
    snprintf(out, 600, "%s/%s", tmp_dir(), name);
    char aux[700];
    unlink(out);
    snprintf(aux, sizeof aux, "%s.lock", out);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s.compact.tmp", out);
    unlink(aux);
    return out;
}

static inline uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Copies the file from to the file to; false when either cannot be read or written. */
static inline bool copy_file(const char *from, const char *to)
{
    size_t len = 0;
    uint8_t *b = read_file(from, &len);
    FILE *f = b ? fopen(to, "wb") : NULL;
    bool ok = f && fwrite(b, 1, len, f) == len;
    if (f)
        ok &= fclose(f) == 0;
    free(b);
    return ok;
}

static inline void fnv(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ull;
    }
}

static int cmp_hit_id(const void *a, const void *b)
{
    uint64_t x = ((const rvf_hit *)a)->id, y = ((const rvf_hit *)b)->id;
    return x < y ? -1 : x > y;
}

/* A digest of what a reader can see: live ids, their vectors and metadata, the epoch. */
static inline uint64_t state_digest(rvf_store *s)
{
    rvf_status_info st;
    if (rvf_status_get(s, &st) != RVF_OK)
        return 0;
    uint64_t h = 0xcbf29ce484222325ull;
    fnv(&h, &st.epoch, sizeof st.epoch);
    fnv(&h, &st.live_vectors, sizeof st.live_vectors);
    if (!st.live_vectors)
        return h;
    float *q = calloc(st.dimension, sizeof *q);
    rvf_hit *hits = malloc(st.live_vectors * sizeof *hits);
    uint32_t n = 0;
    rvf_query_params p = {(uint32_t)st.live_vectors, -1, NULL, 0, 0};
    rvf_query(s, q, st.dimension, &p, hits, &n);
    qsort(hits, n, sizeof *hits, cmp_hit_id);
    float *v = malloc(st.dimension * sizeof *v);
    for (uint32_t i = 0; i < n; i++) {
        fnv(&h, &hits[i].id, 8);
        rvf_get_vector(s, hits[i].id, v, st.dimension);
        fnv(&h, v, st.dimension * sizeof *v);
        const rvf_value *f;
        uint32_t nf = 0;
        if (rvf_get_metadata(s, hits[i].id, &f, &nf) == RVF_OK)
            for (uint32_t k = 0; k < nf; k++) {
                fnv(&h, &f[k].field_id, 2);
                fnv(&h, &f[k].type, 1);
                if (f[k].type == RVF_VALUE_STRING || f[k].type == RVF_VALUE_BYTES)
                    fnv(&h, f[k].v.bytes.ptr, f[k].v.bytes.len);
                else
                    fnv(&h, &f[k].v.u64, 8);
            }
    }
    free(v);
    free(hits);
    free(q);
    return h;
}

/* Needs pread: a test that uses it defines _POSIX_C_SOURCE 200809L before its includes. */
#if defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 200809L
#include <fcntl.h>

#include "rvf_format.h"

/* A range source over a file that counts the bytes it serves (the progressive open of
 * rvf_open_source). With segs set, reads that start inside a VEC_SEG also count in vec_bytes
 * (partition bytes). */
typedef struct counting {
    int fd;
    uint64_t size, bytes, vec_bytes;
    const rvf_segment_info *segs;
    uint32_t nsegs;
    rvf_source src;
} counting;

static inline rvf_status counting_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    counting *c = ctx;
    ssize_t r = pread(c->fd, dst, n, (off_t)off);
    if (r != (ssize_t)n)
        return RVF_ERR_IO_ERROR;
    c->bytes += n;
    for (uint32_t i = 0; i < c->nsegs; i++) {
        const rvf_segment_info *e = &c->segs[i];
        if (e->seg_type == RVF_SEG_VEC && off >= e->offset &&
            off < e->offset + 64 + e->payload_length)
            c->vec_bytes += n;
    }
    return RVF_OK;
}

static inline void counting_close(void *ctx)
{
    close(((counting *)ctx)->fd);
}

/* Opens path read-only through c (its counters zeroed; segs and nsegs as above, or NULL and 0);
 * rvf_close() closes the file. *out is NULL on failure. */
static inline rvf_status counting_open(counting *c, const char *path, const rvf_segment_info *segs,
                                       uint32_t nsegs, rvf_store **out)
{
    memset(c, 0, sizeof *c);
    *out = NULL;
    c->segs = segs;
    c->nsegs = nsegs;
    c->fd = open(path, O_RDONLY);
    struct stat sb;
    if (c->fd < 0 || fstat(c->fd, &sb) != 0) {
        if (c->fd >= 0)
            close(c->fd);
        return RVF_ERR_IO_ERROR;
    }
    c->size = (uint64_t)sb.st_size;
    c->src = (rvf_source){c, c->size, counting_read, counting_close};
    return rvf_open_source(&c->src, out);
}
#endif

#endif

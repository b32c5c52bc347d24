/* rvf_alloc.c: the one place the runtime allocates (STYLE.md habit 6), and the byte buffer. */
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "rvf_internal.h"

/* Vector tables are tens of MB that are written once, page by page. With transparent huge pages
 * in "madvise" mode, asking for them cuts the page faults of a 50 MB table from ~12,000 to ~25
 * (measured: a third of ingest and first-query time on a VM where a fault costs ~13 us). */
static void *big_hint(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    enum { HUGE = 2u << 20 };
    if (p && n >= 4 * (size_t)HUGE) {
        uintptr_t a = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
        uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE - 1);
        if (e > a)
            madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

static void *default_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return big_hint(malloc(n ? n : 1), n);
}
static void *default_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return big_hint(realloc(p, n ? n : 1), n);
}
static void default_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static rvf_allocator g_alloc = {default_alloc, default_realloc, default_free, NULL};

void rvf_set_allocator(const rvf_allocator *a)
{
    if (a && a->alloc && a->realloc && a->free)
        g_alloc = *a;
    else
        g_alloc = (rvf_allocator){default_alloc, default_realloc, default_free, NULL};
}

void *rvf_malloc(size_t n)
{
    return g_alloc.alloc(g_alloc.ctx, n);
}

void *rvf_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = rvf_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *rvf_realloc(void *p, size_t n)
{
    return g_alloc.realloc(g_alloc.ctx, p, n);
}

void rvf_free(void *p)
{
    if (p)
        g_alloc.free(g_alloc.ctx, p);
}

void rvf_release(void *p)
{
    rvf_free(p);
}

void rvf_buf_init(rvf_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

void rvf_buf_free(rvf_buf *b)
{
    rvf_free(b->data);
    rvf_buf_init(b);
}

bool rvf_buf_reserve(rvf_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra > SIZE_MAX - b->len) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *d = rvf_realloc(b->data, cap);
    if (!d) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

uint8_t *rvf_buf_append(rvf_buf *b, size_t n)
{
    if (!rvf_buf_reserve(b, n))
        return NULL;
    uint8_t *p = b->data + b->len;
    memset(p, 0, n);
    b->len += n;
    return p;
}

void rvf_buf_put(rvf_buf *b, const void *p, size_t n)
{
    uint8_t *d = rvf_buf_append(b, n);
    if (d && n)
        memcpy(d, p, n);
}

void rvf_buf_u8(rvf_buf *b, uint8_t v)
{
    uint8_t *d = rvf_buf_append(b, 1);
    if (d)
        d[0] = v;
}

void rvf_buf_u16(rvf_buf *b, uint16_t v)
{
    uint8_t *d = rvf_buf_append(b, 2);
    if (d)
        rvfk_st_u16(d, v);
}

void rvf_buf_u32(rvf_buf *b, uint32_t v)
{
    uint8_t *d = rvf_buf_append(b, 4);
    if (d)
        rvfk_st_u32(d, v);
}

void rvf_buf_u64(rvf_buf *b, uint64_t v)
{
    uint8_t *d = rvf_buf_append(b, 8);
    if (d)
        rvfk_st_u64(d, v);
}

void rvf_buf_f32(rvf_buf *b, float v)
{
    uint8_t *d = rvf_buf_append(b, 4);
    if (d)
        rvfk_st_f32(d, v);
}

void rvf_buf_pad(rvf_buf *b, size_t start, size_t align)
{
    size_t rel = b->len - start;
    size_t fill = (align - rel % align) % align;
    rvf_buf_append(b, fill);
}

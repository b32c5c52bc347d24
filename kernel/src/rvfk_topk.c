/* rvfk_topk.c: bounded top-K as a max-heap ordered by (dist, id) (RVF-BRIEF §8.2). */
#include "rvf_deps.h"
#include "rvf_kernel.h"

/* a is worse than b: larger distance, or equal distance and larger id. */
static inline bool rvfk_hit_worse(const rvfk_hit *a, const rvfk_hit *b)
{
    return a->dist > b->dist || (a->dist == b->dist && a->id > b->id);
}

void rvfk_topk_init(rvfk_topk *t, rvfk_hit *storage, uint32_t cap)
{
    t->heap = storage;
    t->cap = cap;
    t->size = 0;
}

static void rvfk_sift_down(rvfk_hit *h, uint32_t n, uint32_t i)
{
    rvfk_hit x = h[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && rvfk_hit_worse(&h[c + 1], &h[c]))
            c++;
        if (!rvfk_hit_worse(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

bool rvfk_topk_offer(rvfk_topk *t, uint32_t k, uint64_t id, float dist)
{
    if (dist != dist) /* NaN never enters */
        return false;
    if (k > t->cap)
        k = t->cap;
    rvfk_hit x = {id, dist};
    if (t->size < k) {
        uint32_t i = t->size++;
        while (i > 0) {
            uint32_t p = (i - 1) / 2;
            if (!rvfk_hit_worse(&x, &t->heap[p]))
                break;
            t->heap[i] = t->heap[p];
            i = p;
        }
        t->heap[i] = x;
        return true;
    }
    if (t->size == 0 || !rvfk_hit_worse(&t->heap[0], &x))
        return false;
    t->heap[0] = x;
    rvfk_sift_down(t->heap, t->size, 0);
    return true;
}

float rvfk_topk_bound(const rvfk_topk *t, uint32_t k)
{
    if (k > t->cap)
        k = t->cap;
    if (t->size < k || t->size == 0)
        return __builtin_inff();
    return t->heap[0].dist;
}

uint32_t rvfk_topk_read(const rvfk_topk *t, rvfk_hit *out, uint32_t out_cap)
{
    /* Insertion sort into out, keeping the best out_cap: K is small (tile: 16). For large K the
     * runtime sorts its own copy. */
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->size; i++) {
        rvfk_hit x = t->heap[i];
        uint32_t j = n < out_cap ? n : out_cap;
        if (j == out_cap && (j == 0 || !rvfk_hit_worse(&out[j - 1], &x)))
            continue;
        if (j == out_cap)
            j--; /* drop the current worst */
        while (j > 0 && rvfk_hit_worse(&out[j - 1], &x)) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = x;
        if (n < out_cap)
            n++;
    }
    return n;
}

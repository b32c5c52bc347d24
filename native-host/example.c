/* example.c: the RVF C API in one page. cc example.c $(pkg-config --cflags --libs rvf) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <rvf.h>

#define TRY(call)                                                                                  \
    if ((st = (call)) != RVF_OK)                                                                   \
    goto done

int main(void)
{
    char dir[] = "/tmp/rvf-example-XXXXXX", path[64];
    if (!mkdtemp(dir))
        return perror("mkdtemp"), 1;
    snprintf(path, sizeof path, "%s/demo.rvf", dir);
    rvf_status st;
    rvf_store *s = NULL;
    rvf_filter f; /* year >= 2020 */
    rvf_filter_init(&f);
    rvf_value since = {.type = RVF_VALUE_U64, .v.u64 = 2020};
    rvf_filter_cmp(&f, 0, RVF_FILTER_GE, &since);
    TRY(rvf_filter_finish(&f));
    rvf_options opt = rvf_options_default(4); /* 4 dimensions, squared L2 */
    TRY(rvf_create(path, &opt, &s));
    const float vecs[4][4] = {{0, 0, 0, 0}, {1, 0, 0, 0}, {0, 2, 0, 0}, {3, 3, 3, 3}};
    const uint64_t ids[4] = {10, 11, 12, 13};
    const uint32_t counts[4] = {1, 1, 1, 1}; /* one metadata field per vector: 0 = year */
    rvf_value meta[4];
    for (int i = 0; i < 4; i++)
        meta[i] = (rvf_value){.field_id = 0, .type = RVF_VALUE_U64, .v.u64 = 2018 + 2 * i};
    TRY(rvf_ingest(s, &vecs[0][0], ids, 4, meta, counts));
    const float q[4] = {0.4f, 0, 0, 0};
    rvf_query_params p = {.k = 2, .metric = -1, .filter = f.bytes, .filter_len = f.len, 0};
    rvf_hit hits[2];
    uint32_t n = 0;
    TRY(rvf_query(s, q, 4, &p, hits, &n));
    for (uint32_t i = 0; i < n; i++)
        printf("hit %u: id %llu distance %.2f\n", i, (unsigned long long)hits[i].id,
               (double)hits[i].distance);
    st = rvf_close(s); /* the handle is gone even when close fails */
    s = NULL;
    TRY(st);
    TRY(rvf_open_readonly(path, &s));
    rvf_status_info info;
    TRY(rvf_status_get(s, &info));
    printf("%llu live vectors, dimension %u, epoch %u\n", (unsigned long long)info.live_vectors,
           info.dimension, info.epoch);
done:
    if (st != RVF_OK)
        fprintf(stderr, "example: %s (%s)\n", rvf_strerror(st), rvf_last_error_detail());
    rvf_filter_free(&f);
    rvf_close(s);
    remove(path);
    rmdir(dir);
    return st == RVF_OK ? 0 : 1;
}

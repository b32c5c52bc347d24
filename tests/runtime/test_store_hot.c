/* test_store_hot.c: the hot tier end to end (RVF-BRIEF §5.4, §6.2 "A + hot", §7.1-§7.3). A
 * clustered store whose ids follow the clusters (cluster c = ids c*512 .. c*512+511, so sketch
 * block b = clusters 2b and 2b+1) is indexed, warmed with skewed queries (block 3 hot, block 7
 * warm, block 15 a little), and compacted: the compaction writes a HOT_SEG with exactly the blocks
 * the sketch ranks first (within 5% of the vectors), its vector-id table, the root's hot_cache
 * pointer and rvf_status_info.hot_vectors. A copy of the same store with no query history gets
 * no HOT_SEG. Both are opened through counting range sources: queries near the hot clusters answer
 * with recall@10 >= 0.9 from the hot cache while reading far fewer partition (VEC_SEG) bytes than
 * the copy, with correct vector ids and distances (f16 precision where the row is not resident),
 * never a deleted id (deleted before or after the compaction); rvf_load answers exactly; a
 * writable reopen verifies and a second compaction rebuilds the same hot set. */
#define _POSIX_C_SOURCE 200809L /* pread */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_format.h"
#include "rvf_hotseg.h"
#include "rvf_test.h"
#include "store_util.h"

#define DIM  16
#define CL   512 /* vectors per cluster */
#define NCL  80
#define N    (CL * NCL)
#define K    10
#define NHOT 24 /* test queries near the hot and warm clusters */
#define NCO  12 /* test queries near other clusters */
#define NQ   (NHOT + NCO)

static float data[(size_t)N * DIM], centres[NCL * DIM], queries[NQ * DIM];
static rvf_test_rng rng = {0x407CAC4Eull};

static void near_cluster(float *q, int c)
{
    for (int d = 0; d < DIM; d++)
        q[d] = centres[c * DIM + d] + rvf_test_unit(&rng) * 0.8f;
}

/* test query i: the hot blocks' clusters (6, 7, 14, 15) first, then clusters 30..41 */
static int query_cluster(int i)
{
    static const int hot[4] = {6, 7, 14, 15};
    return i < NHOT ? hot[i % 4] : 30 + (i - NHOT);
}

static void make_data(void)
{
    for (int i = 0; i < NCL * DIM; i++)
        centres[i] = rvf_test_unit(&rng) * 4.0f;
    for (size_t i = 0; i < N; i++)
        for (int d = 0; d < DIM; d++)
            data[i * DIM + d] = centres[(i / CL) * DIM + d] + rvf_test_unit(&rng);
    for (int i = 0; i < NQ; i++)
        near_cluster(queries + i * DIM, query_cluster(i));
}

static float l2(const float *a, const float *b)
{
    float s = 0;
    for (int d = 0; d < DIM; d++)
        s += (a[d] - b[d]) * (a[d] - b[d]);
    return s;
}

static rvf_status query(rvf_store *s, const float *q, uint32_t ef, rvf_hit *out, uint32_t *n)
{
    rvf_query_params p = {.k = K, .metric = -1, .ef = ef};
    return rvf_query(s, q, DIM, &p, out, n);
}

/* deleted before the compaction (gone from the file) and after it (the manifest's list) */
static const uint64_t del_before[2] = {3100, 3200}, del_after[2] = {3300, 7200};

static bool is_deleted(uint64_t id, bool after)
{
    return id == del_before[0] || id == del_before[1] ||
           (after && (id == del_after[0] || id == del_after[1]));
}

/* ---- the file: segments, root, HOT_SEG ---------------------------------------------------- */

typedef struct seg_list {
    rvf_segment_info *v;
    uint32_t n;
} seg_list;

static seg_list segments_of(const char *path)
{
    seg_list l = {NULL, 0};
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    if (s) {
        rvf_segment_info *v = NULL;
        CHECK_EQ_INT(rvf_segments(s, &v, &l.n), RVF_OK);
        l.v = malloc((l.n + 1) * sizeof *l.v);
        memcpy(l.v, v, l.n * sizeof *l.v);
        rvf_release(v);
        rvf_close(s);
    }
    return l;
}

/* The file's HOT_SEG: checks it is the only one, listed right before the Layer-A INDEX_SEG, and
 * that the root's hot_cache pointer is {its header offset, 0x40, its entry count}; decodes it into
 * *hs (count 0 and pointer zero when there is none). */
static void file_hot(const char *path, rvf_hotseg *hs)
{
    memset(hs, 0, sizeof *hs);
    seg_list l = segments_of(path);
    int at = -1, hots = 0;
    for (uint32_t i = 0; i < l.n; i++)
        if (l.v[i].seg_type == RVF_SEG_HOT) {
            at = (int)i;
            hots++;
        }
    size_t len = 0;
    uint8_t *f = read_file(path, &len);
    CHECK(f != NULL && len > 4096);
    if (!f)
        return;
    const uint8_t *hp = f + len - 4096 + RVF_ROOT_OFF_HOT_CACHE;
    if (at < 0) {
        CHECK_EQ_U64(rvfk_ld_u64(hp), 0);
        CHECK_EQ_U64(rvfk_ld_u32(hp + 12), 0);
    } else {
        CHECK_EQ_INT(hots, 1);
        const rvf_segment_info *e = &l.v[at];
        CHECK((uint32_t)at + 1 < l.n && l.v[at + 1].seg_type == RVF_SEG_INDEX &&
              (l.v[at + 1].flags & RVF_FLAG_HOT));
        CHECK_EQ_U64(rvfk_ld_u64(hp), e->offset);
        CHECK_EQ_U64(rvfk_ld_u32(hp + 8), RVF_HOTSEG_HEADER);
        CHECK_EQ_INT(rvf_hotseg_decode(f + e->offset + 64, (size_t)e->payload_length, DIM, 0, hs),
                     RVF_OK);
        CHECK_EQ_U64(rvfk_ld_u32(hp + 12), hs->count);
        CHECK(hs->vids != NULL);
        /* Layer A, the sketch and the hot cache: within the last 4 MB before the manifest */
        CHECK(len - e->offset < ((size_t)4 << 20));
    }
    free(f);
    free(l.v);
}

/* The hot set the sketch asks for: every live id of block 3, then block 7, then block 15's
 * lowest live ids, until 5% of the live vectors. */
static void expect_hot(const rvf_hotseg *hs, bool after)
{
    uint64_t live = N - 2 - (after ? 2 : 0), want = live / 20, n = 0;
    static uint64_t exp[N];
    static const uint64_t blocks[3] = {3, 7, 15};
    for (int b = 0; b < 3; b++)
        for (uint64_t id = blocks[b] * 1024; id < blocks[b] * 1024 + 1024 && n < want; id++)
            if (!is_deleted(id, after))
                exp[n++] = id;
    CHECK_EQ_U64(hs->count, want);
    int bad = 0;
    for (uint32_t i = 0; i < hs->count && i < want; i++) {
        bool found = false;
        for (uint64_t j = 0; j < n && !found; j++)
            found = exp[j] == hs->vids[i];
        bad += !found;
    }
    CHECK_EQ_INT(bad, 0);
}

typedef struct run_result {
    double recall_hot, recall_cold;
    uint64_t vec_hot, vec_cold, first_bytes;
    uint32_t parts_hot;
    int bad_ids, deleted_seen, bad_dist, inexact;
} run_result;

/* The NQ test queries through a progressive open of path (ef 32), against truth. progressive:
 * the file has a Layer A, so the queries answer before a load. */
static run_result progressive_run(const char *path, const rvf_hit *truth, bool progressive)
{
    run_result r;
    memset(&r, 0, sizeof r);
    seg_list l = segments_of(path);
    size_t hit_hot = 0, hit_cold = 0;
    /* two fresh opens: the hot queries, then the others (no partition read for one group helps
     * the other); rvf_load on the second */
    for (int pass = 0; pass < 2; pass++) {
        counting c; /* reads inside a VEC_SEG count as partition bytes */
        rvf_store *s = NULL;
        CHECK_EQ_INT(counting_open(&c, path, l.v, l.n, &s), RVF_OK);
        if (!s)
            break;
        int q0 = pass ? NHOT : 0, q1 = pass ? NQ : NHOT;
        for (int q = q0; q < q1; q++) {
            rvf_hit h[K];
            uint32_t n = 0;
            CHECK_EQ_INT(query(s, queries + q * DIM, 32, h, &n), RVF_OK);
            if (q == 0)
                r.first_bytes = c.bytes;
            for (uint32_t i = 0; i < n; i++) {
                if (h[i].id >= N) {
                    r.bad_ids++;
                    continue;
                }
                r.deleted_seen += is_deleted(h[i].id, true);
                /* the reported distance is the id's own: exact, or from its f16 vector */
                float e = l2(queries + q * DIM, data + h[i].id * DIM);
                r.bad_dist += fabsf(h[i].distance - e) > 1e-2f * (1.0f + e);
                r.inexact += fabsf(h[i].distance - e) > 1e-5f * (1.0f + e);
                for (int j = 0; j < K; j++)
                    *(pass ? &hit_cold : &hit_hot) += h[i].id == truth[q * K + j].id;
            }
        }
        rvf_status_info si;
        rvf_status_get(s, &si);
        CHECK_EQ_INT(si.load_state, progressive ? RVF_LOAD_LAYER_A : RVF_LOAD_FULL);
        *(pass ? &r.vec_cold : &r.vec_hot) = c.vec_bytes;
        if (!pass) {
            r.parts_hot = si.partitions_loaded;
            rvf_close(s);
            continue;
        }
        /* rvf_load: everything, exact answers again */
        CHECK_EQ_INT(rvf_load(s), RVF_OK);
        int off = 0;
        for (int q = 0; q < NQ; q++) {
            rvf_hit h[K];
            uint32_t n = 0;
            CHECK_EQ_INT(query(s, queries + q * DIM, 64, h, &n), RVF_OK);
            for (uint32_t i = 0; i < n; i++) {
                float e = l2(queries + q * DIM, data + h[i].id * DIM);
                off += fabsf(h[i].distance - e) > 1e-5f * (1.0f + e) || is_deleted(h[i].id, true);
            }
        }
        CHECK_EQ_INT(off, 0);
        rvf_close(s);
    }
    r.recall_hot = (double)hit_hot / (NHOT * K);
    r.recall_cold = (double)hit_cold / (NCO * K);
    free(l.v);
    return r;
}

static void test_hot_tier(void)
{
    const char *path = tmp_path("hot.rvf");
    char cold[600];
    snprintf(cold, sizeof cold, "%s", tmp_path("hot-nohistory.rvf"));
    rvf_options o = rvf_options_default(DIM);
    o.no_sync = 1;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    if (!s)
        return;
    static uint64_t ids[N];
    for (size_t i = 0; i < N; i++)
        ids[i] = i;
    CHECK_EQ_INT(rvf_ingest(s, data, ids, N, NULL, NULL), RVF_OK);
    rvf_index_options io = rvf_index_options_default();
    io.ef_construction = 64;
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK);
    rvf_close(s);
    CHECK(copy_file(path, cold)); /* the same store without an access history */

    /* skewed use: block 3 (clusters 6, 7) hot, block 7 (14, 15) warm, block 15 (30) a little */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    static const struct {
        int cluster, times;
    } use[] = {{6, 20}, {7, 20}, {14, 3}, {15, 3}, {30, 2}};
    for (size_t u = 0; u < sizeof use / sizeof *use; u++)
        for (int t = 0; t < use[u].times; t++) {
            float q[DIM];
            rvf_hit h[K];
            uint32_t n = 0;
            near_cluster(q, use[u].cluster);
            CHECK_EQ_INT(query(s, q, 0, h, &n), RVF_OK);
        }
    uint8_t est = 0, tier = 9;
    CHECK_EQ_INT(rvf_temperature(s, 3072, &est, &tier), RVF_OK);
    CHECK_EQ_INT(tier, 0);
    CHECK_EQ_INT(rvf_temperature(s, 7168, &est, &tier), RVF_OK);
    CHECK_EQ_INT(tier, 1);
    CHECK_EQ_INT(rvf_delete(s, del_before, 2, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    CHECK_EQ_INT(rvf_delete(s, del_after, 2, NULL), RVF_OK);
    rvf_status_info si;
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.hot_vectors, (N - 2) / 20);
    /* ground truth: exact answers of the store as it is now */
    static rvf_hit truth[NQ * K];
    for (int q = 0; q < NQ; q++) {
        uint32_t n = 0;
        CHECK_EQ_INT(query(s, queries + q * DIM, 0, truth + q * K, &n), RVF_OK);
        CHECK_EQ_INT(n, K);
    }
    rvf_close(s);
    rvf_hotseg hs;
    file_hot(path, &hs);
    expect_hot(&hs, false);
    rvf_hotseg_free(&hs);

    /* the copy: the same operations but no queries, so no HOT_SEG */
    CHECK_EQ_INT(rvf_open(cold, &s), RVF_OK);
    if (!s)
        return;
    CHECK_EQ_INT(rvf_delete(s, del_before, 2, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    CHECK_EQ_INT(rvf_delete(s, del_after, 2, NULL), RVF_OK);
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.hot_vectors, 0);
    rvf_close(s);
    file_hot(cold, &hs);
    CHECK_EQ_U64(hs.count, 0);

    run_result with = progressive_run(path, truth, true),
               without = progressive_run(cold, truth, true);
    printf("  hot queries: recall@10 %.3f with the hot tier (%llu partition bytes, %u "
           "partitions), %.3f without (%llu bytes, %u partitions)\n",
           with.recall_hot, (unsigned long long)with.vec_hot, with.parts_hot, without.recall_hot,
           (unsigned long long)without.vec_hot, without.parts_hot);
    printf("  other queries: recall@10 %.3f with (%llu bytes), %.3f without (%llu bytes); "
           "first query %llu bytes with, %llu without; %d hits at f16 precision\n",
           with.recall_cold, (unsigned long long)with.vec_cold, without.recall_cold,
           (unsigned long long)without.vec_cold, (unsigned long long)with.first_bytes,
           (unsigned long long)without.first_bytes, with.inexact);
    CHECK(with.recall_hot >= 0.9);
    CHECK(with.vec_hot * 4 < without.vec_hot); /* far fewer partition bytes */
    CHECK(with.first_bytes <= ((uint64_t)4 << 20));
    CHECK(with.inexact > 0); /* hot hits answered from f16 vectors, no row read */
    CHECK(with.recall_cold >= without.recall_cold - 0.02);
    CHECK(with.vec_cold <= without.vec_cold); /* hot partitions a cold query probes: not read */
    CHECK_EQ_INT(with.bad_ids + without.bad_ids, 0);
    CHECK_EQ_INT(with.deleted_seen + without.deleted_seen, 0);
    CHECK_EQ_INT(with.bad_dist + without.bad_dist, 0);
    CHECK_EQ_INT(without.inexact, 0);

    /* a writable reopen verifies; a second compaction rebuilds the hot set from the same sketch */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_status_get(s, &si);
    CHECK_EQ_U64(si.hot_vectors, (N - 2) / 20);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_close(s);
    file_hot(path, &hs);
    expect_hot(&hs, true);
    rvf_hotseg_free(&hs);
    /* a full index rebuild drops Layer A; the HOT_SEG stays listed but no reader uses it */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    if (!s)
        return;
    io.full = 1;
    CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK);
    rvf_close(s);
    run_result again = progressive_run(path, truth, false);
    CHECK(again.recall_hot >= 0.9);
    CHECK_EQ_INT(again.deleted_seen + again.bad_dist, 0);
    CHECK_EQ_INT(again.inexact, 0);
}

int main(void)
{
    make_data();
    RVF_TEST_RUN(test_hot_tier);
    return rvf_test_finish();
}

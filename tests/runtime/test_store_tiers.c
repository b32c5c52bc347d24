/* test_store_tiers.c: temperature tiers in the store (rvf_compact_ex; RVF-BRIEF §5.1, §5.5,
 * §7.1-§7.3; FORMAT.md "Temperature tiers"). A clustered store whose ids follow the clusters
 * (sketch block b = ids b*1024 .. b*1024+1023 sit around one far-away centre) is indexed and
 * queried in skewed epochs:
 *   epoch 1: blocks 0 and 1 hot -> tiered compaction: nothing promoted (hot in one epoch only),
 *            blocks 0 and 1 warm (SQ8), the rest cold; two QUANT_SEGs, the root's quantdict
 *            names the warm one, TEMP_TIER_MAP lists every block;
 *   epoch 2: blocks 0 and 2 hot (block 1 keeps its counts) -> blocks 0 and 1 promoted (f32 rows,
 *            exact, and exactly the HOT_SEG's entries), block 2 stays warm;
 *   epoch 3: block 3 only, until aging has halved the others to 63 (below HOT, above WARM):
 *            blocks 0 and 1 stay hot, block 2 becomes warm;
 *   epoch 4: more of block 3, until the others are at 15: blocks 0 and 1 are demoted (cold SQ8,
 *            out of the HOT_SEG), block 3 is promoted; values stay within SQ error throughout.
 * The same without an index (no partitions, no HOT_SEG: hot blocks are found in the file's tier-0
 * VEC blocks).
 * Then: recall@10 (ef 64) of an SQ8-tiered 5k store against the original vectors, its file size
 * against the untiered compaction, a reopen, appends, deletes and a second compaction that keep
 * the answers, verify; PQ and binary cold tiers (exact scans equal brute force over the decoded
 * vectors, the decoded values are really quantized); a progressive open of the tiered file reads
 * fewer bytes for its first query; a damaged QUANT_SEG is a clear error; tiers off writes no
 * QUANT_SEG and no TEMP_TIER_MAP. */
#define _POSIX_C_SOURCE 200809L /* pread */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_format.h"
#include "rvf_hotseg.h"
#include "rvf_internal.h"
#include "rvf_quant.h"
#include "rvf_store_impl.h"
#include "rvf_test.h"
#include "store_util.h"

#define DIM  32
#define NB   5 /* sketch blocks */
#define N    (NB * 1024)
#define K    10
#define NCEN 4 /* clusters per block */

static float data[(size_t)(N + 200) * DIM], centres[50 * DIM];
static rvf_test_rng rng = {0x7E5717E5ull};

static void make_data(void)
{
    for (int b = 0; b < NB; b++) {
        float far[DIM];
        for (int d = 0; d < DIM; d++)
            far[d] = rvf_test_unit(&rng) * 40.0f;
        for (int c = 0; c < NCEN; c++)
            for (int d = 0; d < DIM; d++)
                centres[(b * NCEN + c) * DIM + d] = far[d] + rvf_test_unit(&rng) * 3.0f;
    }
    for (size_t i = 0; i < N + 200; i++) {
        int c = (int)((i % N) / 256);
        for (int d = 0; d < DIM; d++)
            data[i * DIM + d] = centres[c * DIM + d] + rvf_test_unit(&rng);
    }
}

static float l2(const float *a, const float *b)
{
    float s = 0;
    for (int d = 0; d < DIM; d++)
        s += (a[d] - b[d]) * (a[d] - b[d]);
    return s;
}

static rvf_status query(rvf_store *s, const float *q, uint32_t k, uint32_t ef, rvf_hit *out,
                        uint32_t *n)
{
    rvf_query_params p = {.k = k, .metric = -1, .ef = ef};
    return rvf_query(s, q, DIM, &p, out, n);
}

/* A store of the first n vectors (ids 0..n-1), indexed when asked. */
static rvf_store *make_store(const char *path, size_t n, bool index)
{
    rvf_options o = rvf_options_default(DIM);
    o.no_sync = 1;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    uint64_t *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = i;
    CHECK_EQ_INT(rvf_ingest(s, data, ids, n, NULL, NULL), RVF_OK);
    free(ids);
    if (index) {
        rvf_index_options io = rvf_index_options_default();
        CHECK_EQ_INT(rvf_build_index(s, &io), RVF_OK);
    }
    return s;
}

/* `times` queries near the clusters of block b (k hits each). */
static void warm_block(rvf_store *s, int b, int times, uint32_t k)
{
    rvf_hit *h = malloc(k * sizeof *h);
    for (int t = 0; t < times; t++) {
        float q[DIM];
        const float *c = centres + (size_t)(b * NCEN + t % NCEN) * DIM;
        for (int d = 0; d < DIM; d++)
            q[d] = c[d] + rvf_test_unit(&rng) * 0.3f;
        uint32_t n = 0;
        CHECK_EQ_INT(query(s, q, k, k > 100 ? 0 : 64, h, &n), RVF_OK);
    }
    free(h);
}

/* ---- the file: per id its block's tier and dtype; QUANT_SEGs; HOT_SEG ---------------------- */
typedef struct file_view {
    uint8_t tier[N + 200], dtype[N + 200], seen[N + 200];
    uint32_t quant_segs, quant_types[4], quant_tiers[4];
    uint32_t vec_blocks, hot_count;
    struct {
        uint64_t seg;
        uint32_t index;
        uint8_t tier;
    } blocks[4096];
    uint64_t hot_vids[4096];
    uint64_t quantdict_off, quant_off[4];
    uint64_t size;
    bool mixed; /* a VEC block whose rows are not one id block's tier: never */
} file_view;
static file_view fv;

static void view_file(const char *path)
{
    memset(&fv, 0, sizeof fv);
    size_t len = 0;
    uint8_t *f = read_file(path, &len);
    CHECK(f != NULL);
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    rvf_segment_info *v = NULL;
    uint32_t n = 0;
    CHECK_EQ_INT(rvf_segments(s, &v, &n), RVF_OK);
    fv.size = len;
    fv.quantdict_off = rvfk_ld_u64(f + len - 4096 + RVF_ROOT_OFF_QUANTDICT);
    for (uint32_t i = 0; f && i < n; i++) {
        const uint8_t *p = f + v[i].offset + 64;
        size_t pl = (size_t)v[i].payload_length;
        if (v[i].seg_type == RVF_SEG_QUANT && fv.quant_segs < 4) {
            fv.quant_off[fv.quant_segs] = v[i].offset;
            fv.quant_types[fv.quant_segs] = p[0];
            fv.quant_tiers[fv.quant_segs++] = p[1];
        } else if (v[i].seg_type == RVF_SEG_HOT) {
            rvf_hotseg hs;
            CHECK_EQ_INT(rvf_hotseg_decode(p, pl, DIM, 0, &hs), RVF_OK);
            fv.hot_count = hs.count;
            for (uint32_t j = 0; hs.vids && j < hs.count && j < 4096; j++)
                fv.hot_vids[j] = hs.vids[j];
            rvf_hotseg_free(&hs);
        } else if (v[i].seg_type == RVF_SEG_VEC) {
            rvf_vec_block *blk = NULL;
            uint32_t nb = 0;
            CHECK_EQ_INT(rvf_vecseg_blocks(p, pl, &blk, &nb), RVF_OK);
            for (uint32_t b = 0; b < nb; b++) {
                uint64_t *ids = malloc(blk[b].count * 8 + 8);
                uint8_t *rows = malloc((size_t)blk[b].count * blk[b].dim * 4 + 4);
                CHECK_EQ_INT(rvf_vecseg_decode_block(p, pl, &blk[b], ids, rows), RVF_OK);
                if (fv.vec_blocks < 4096) {
                    fv.blocks[fv.vec_blocks].seg = v[i].segment_id;
                    fv.blocks[fv.vec_blocks].index = b;
                    fv.blocks[fv.vec_blocks].tier = blk[b].tier;
                }
                fv.vec_blocks++;
                for (uint32_t j = 0; j < blk[b].count; j++)
                    if (ids[j] < N + 200) {
                        fv.tier[ids[j]] = blk[b].tier;
                        fv.dtype[ids[j]] = blk[b].dtype;
                        fv.seen[ids[j]] = 1;
                    }
                free(ids);
                free(rows);
            }
            free(blk);
        }
    }
    rvf_release(v);
    rvf_close(s);
    free(f);
}

/* Every live id of sketch block b has this tier and dtype. */
static bool block_is(int b, uint8_t tier, uint8_t dtype)
{
    for (int i = b * 1024; i < (b + 1) * 1024; i++)
        if (fv.seen[i] && (fv.tier[i] != tier || fv.dtype[i] != dtype)) {
            printf("  id %d: tier %u dtype %u, expected %u / %u\n", i, fv.tier[i], fv.dtype[i],
                   tier, dtype);
            return false;
        }
    return true;
}

/* TEMP_TIER_MAP (read back by a fresh open) lists every VEC block of the file with its tier */
static void check_tier_map(const char *path)
{
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    if (!s)
        return;
    CHECK_EQ_INT(s->man.ntiers, fv.vec_blocks);
    uint32_t found = 0;
    for (uint32_t i = 0; i < fv.vec_blocks && i < 4096; i++)
        for (uint32_t j = 0; j < s->man.ntiers; j++)
            if (s->man.tiers[j].segment_id == fv.blocks[i].seg &&
                s->man.tiers[j].block_index == fv.blocks[i].index) {
                CHECK_EQ_INT(s->man.tiers[j].tier, fv.blocks[i].tier);
                found++;
            }
    CHECK_EQ_INT(found, fv.vec_blocks);
    /* ACCESS_SKETCH_REF names the current sketch and counts the epochs */
    CHECK(s->man.has_sketch_ref && s->man.sketch_epoch >= 1);
    rvf_close(s);
}

static bool has_record(rvf_store *s, uint16_t tag)
{
    rvf_manifest_info mi;
    if (rvf_manifest_info_get(s, &mi) != RVF_OK)
        return false;
    for (uint32_t i = 0; i < mi.record_count && i < 64; i++)
        if (mi.records[i].tag == tag)
            return true;
    return false;
}

/* max |decoded - original| / range of that dimension, over ids [lo, hi) */
static double sq_rel_error(rvf_store *s, uint64_t lo, uint64_t hi)
{
    float mn[DIM], mx[DIM];
    for (int d = 0; d < DIM; d++) {
        mn[d] = INFINITY;
        mx[d] = -INFINITY;
    }
    for (size_t i = 0; i < N; i++)
        for (int d = 0; d < DIM; d++) {
            mn[d] = fminf(mn[d], data[i * DIM + d]);
            mx[d] = fmaxf(mx[d], data[i * DIM + d]);
        }
    double worst = 0;
    for (uint64_t id = lo; id < hi; id++) {
        float v[DIM];
        if (rvf_get_vector(s, id, v, DIM) != RVF_OK) {
            CHECK(0);
            return 1;
        }
        for (int d = 0; d < DIM; d++) {
            double e = fabs(v[d] - data[id * DIM + d]) / (mx[d] - mn[d]);
            worst = e > worst ? e : worst;
        }
    }
    return worst;
}

static rvf_compact_options tiers(uint8_t cold)
{
    rvf_compact_options o = {1, cold};
    return o;
}

/* ---- promotion over two epochs, demotion ------------------------------------------------------
 */
static void epochs(bool index)
{
    const char *path = tmp_path(index ? "epochs.rvf" : "epochs-noindex.rvf");
    rvf_store *s = make_store(path, N, index);
    rvf_compact_options co = tiers(RVF_COLD_SQ8);
    uint8_t est = 0, tier = 9;

    /* epoch 1: blocks 0 and 1 hot */
    warm_block(s, 0, 40, K);
    warm_block(s, 1, 40, K);
    CHECK_EQ_INT(rvf_temperature(s, 5, &est, &tier), RVF_OK);
    CHECK_EQ_INT(tier, 0);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    view_file(path);
    CHECK(block_is(0, 1, 0x04) && block_is(1, 1, 0x04)); /* hot in one epoch: warm only */
    CHECK(block_is(2, 2, 0x04) && block_is(3, 2, 0x04) && block_is(4, 2, 0x04));
    CHECK_EQ_INT(fv.quant_segs, 2);
    CHECK(fv.quant_tiers[0] == 1 && fv.quant_types[0] == 0); /* warm SQ, then cold SQ */
    CHECK(fv.quant_tiers[1] == 2 && fv.quant_types[1] == 0);
    CHECK_EQ_U64(fv.quantdict_off, fv.quant_off[0]);
    CHECK(fv.size - fv.quant_off[0] < ((uint64_t)4 << 20)); /* §6.2 hot-set placement */
    CHECK_EQ_INT(fv.hot_count, 0);
    rvf_status_info si;
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    CHECK_EQ_INT(si.hot_vectors, 0);
    CHECK(has_record(s, RVF_TAG_TEMP_TIER_MAP));
    CHECK(sq_rel_error(s, 0, N) < 0.005);

    /* epoch 2: blocks 0 and 2 (block 1 keeps its count: hot at the end of both epochs) */
    warm_block(s, 0, 40, K);
    warm_block(s, 2, 40, K);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    view_file(path);
    CHECK(block_is(0, 0, 0x00) && block_is(1, 0, 0x00)); /* promoted: f32, tier 0 */
    CHECK(block_is(2, 1, 0x04));                         /* hot in one epoch: not promoted */
    check_tier_map(path);
    CHECK(block_is(3, 2, 0x04) && block_is(4, 2, 0x04));
    CHECK_EQ_INT(fv.hot_count, index ? 2048 : 0); /* the HOT_SEG holds exactly the hot tier */
    bool only_hot = true;
    for (uint32_t j = 0; j < fv.hot_count && j < 4096; j++)
        only_hot &= fv.hot_vids[j] < 2048;
    CHECK(only_hot);
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    CHECK_EQ_INT(si.hot_vectors, index ? 2048 : 0);
    /* promotion stores the rows it has (the warm tier's decoded values: eviction was
     * compression) at f32, exactly: a reopen gives the same values bit for bit */
    float before[DIM], after[DIM];
    CHECK_EQ_INT(rvf_get_vector(s, 700, before, DIM), RVF_OK);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    CHECK_EQ_INT(rvf_get_vector(s, 700, after, DIM), RVF_OK);
    CHECK_MEM(before, after, sizeof before);
    CHECK(sq_rel_error(s, 0, N) < 0.005);

    /* epoch 3: block 3 only, with big k (1,024 accesses a query), until aging (every 65,536
     * accesses) has halved the other blocks' 255 twice: 63, below HOT but above WARM. Blocks 0
     * and 1 stay hot (demotion waits for WARM_THRESHOLD); block 2 becomes warm */
    warm_block(s, 3, 130, 1024);
    CHECK_EQ_INT(rvf_temperature(s, 5, &est, &tier), RVF_OK);
    CHECK(est > 16 && est <= 128);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    view_file(path);
    CHECK(block_is(0, 0, 0x00) && block_is(1, 0, 0x00));
    CHECK(block_is(2, 1, 0x04) && block_is(3, 1, 0x04));
    CHECK_EQ_INT(fv.hot_count, index ? 2048 : 0);
    /* epoch 4: two more agings: blocks 0 and 1 at 15 <= WARM_THRESHOLD are demoted (cold SQ8,
     * out of the HOT_SEG); block 3, hot at the end of epochs 3 and 4, is promoted */
    warm_block(s, 3, 130, 1024);
    CHECK_EQ_INT(rvf_temperature(s, 5, &est, &tier), RVF_OK);
    CHECK(est <= 16);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    view_file(path);
    CHECK(block_is(0, 2, 0x04) && block_is(1, 2, 0x04)); /* demoted: re-quantized, cold */
    CHECK(block_is(2, 2, 0x04));
    CHECK(block_is(3, 0, 0x00) && block_is(4, 2, 0x04));
    CHECK_EQ_INT(fv.hot_count, index ? 1024 : 0);
    only_hot = true;
    for (uint32_t j = 0; j < fv.hot_count && j < 4096; j++)
        only_hot &= fv.hot_vids[j] / 1024 == 3;
    CHECK(only_hot);
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    CHECK_EQ_INT(si.hot_vectors, index ? 1024 : 0);
    CHECK(sq_rel_error(s, 0, N) < 0.005);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
}

static void test_epochs(void)
{
    epochs(true);
}

/* without an index: no partitions, no HOT_SEG; hot blocks are found in the tier-0 VEC blocks */
static void test_epochs_unindexed(void)
{
    epochs(false);
}

/* ---- recall, size, reopen / append / delete / second compaction ------------------------------ */
static double recall(rvf_store *s, int nq, const uint8_t *dead)
{
    int found = 0;
    rvf_test_rng r = {0x5EC0u};
    for (int qi = 0; qi < nq; qi++) {
        float q[DIM];
        size_t base = (rvf_test_next(&r) % N) * DIM;
        for (int d = 0; d < DIM; d++)
            q[d] = data[base + d] + rvf_test_unit(&r) * 0.5f;
        /* the truth: brute force over the original vectors */
        float bd[K];
        uint64_t bi[K];
        int nb = 0;
        for (size_t i = 0; i < N; i++) {
            if (dead && dead[i])
                continue;
            float dd = l2(q, data + i * DIM);
            if (nb == K && dd >= bd[K - 1])
                continue;
            int j = nb < K ? nb++ : K - 1;
            while (j > 0 && bd[j - 1] > dd) {
                bd[j] = bd[j - 1];
                bi[j] = bi[j - 1];
                j--;
            }
            bd[j] = dd;
            bi[j] = i;
        }
        rvf_hit h[K];
        uint32_t n = 0;
        CHECK_EQ_INT(query(s, q, K, 64, h, &n), RVF_OK);
        for (uint32_t a = 0; a < n; a++)
            for (int b = 0; b < nb; b++)
                found += h[a].id == bi[b];
    }
    return (double)found / (nq * K);
}

static void test_recall_size_lifecycle(void)
{
    /* a 5k set of 50 overlapping clusters (the epoch test's far-apart blocks stretch every
     * dimension's range, the worst case for one SQ8 range per dimension) */
    for (int c = 0; c < 50 * DIM; c++)
        centres[c] = rvf_test_unit(&rng) * 2.0f;
    for (size_t i = 0; i < N + 200; i++)
        for (int d = 0; d < DIM; d++)
            data[i * DIM + d] = centres[(i % 50) * DIM + d] + rvf_test_unit(&rng);
    const char *path = tmp_path("sq8.rvf");
    rvf_store *s = make_store(path, N, true);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    rvf_status_info si;
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    uint64_t untiered = si.file_size;
    double r0 = recall(s, 100, NULL);
    rvf_compact_options co = tiers(RVF_COLD_SQ8);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    double r1 = recall(s, 100, NULL), ratio = (double)si.file_size / (double)untiered;
    printf("  SQ8 tiers: %llu -> %llu bytes (%.3fx), recall@10 ef 64 %.3f (untiered %.3f)\n",
           (unsigned long long)untiered, (unsigned long long)si.file_size, ratio, r1, r0);
    CHECK(ratio < 0.5);
    CHECK(r1 >= 0.95);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);

    /* answers before and after a reopen: identical */
    enum { NQ = 20 };
    rvf_hit a[NQ][K], b[K];
    uint32_t na[NQ], nb = 0;
    for (int qi = 0; qi < NQ; qi++)
        CHECK_EQ_INT(query(s, data + (size_t)(qi * 251) * DIM, K, 64, a[qi], &na[qi]), RVF_OK);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    for (int qi = 0; qi < NQ; qi++) {
        CHECK_EQ_INT(query(s, data + (size_t)(qi * 251) * DIM, K, 64, b, &nb), RVF_OK);
        CHECK_EQ_INT(nb, na[qi]);
        CHECK_MEM(a[qi], b, nb * sizeof *b);
    }
    /* append 200 (exact: they are in fresh f32 blocks), delete 100 */
    uint64_t ids[200], del[100];
    for (int i = 0; i < 200; i++)
        ids[i] = N + (uint64_t)i;
    for (int i = 0; i < 100; i++)
        del[i] = (uint64_t)i * 37;
    CHECK_EQ_INT(rvf_ingest(s, data + (size_t)N * DIM, ids, 200, NULL, NULL), RVF_OK);
    uint64_t ndel = 0;
    CHECK_EQ_INT(rvf_delete(s, del, 100, &ndel), RVF_OK);
    CHECK_EQ_U64(ndel, 100);
    rvf_hit e1[NQ][K];
    uint32_t ne1[NQ];
    for (int qi = 0; qi < NQ; qi++)
        CHECK_EQ_INT(query(s, data + (size_t)(qi * 251) * DIM, K, 0, e1[qi], &ne1[qi]), RVF_OK);
    float v[DIM];
    CHECK_EQ_INT(rvf_get_vector(s, N + 7, v, DIM), RVF_OK);
    CHECK_MEM(v, data + (size_t)(N + 7) * DIM, sizeof v);
    CHECK_EQ_INT(rvf_get_vector(s, 37, v, DIM), RVF_ERR_NOT_FOUND);
    /* the second tiered compaction: the same exact-scan answers (ids), distances within the
     * re-quantization of the appended rows */
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    int same = 0, total = 0;
    for (int qi = 0; qi < NQ; qi++) {
        CHECK_EQ_INT(query(s, data + (size_t)(qi * 251) * DIM, K, 0, b, &nb), RVF_OK);
        CHECK_EQ_INT(nb, ne1[qi]);
        for (uint32_t x = 0; x < nb; x++) {
            total++;
            for (uint32_t y = 0; y < ne1[qi]; y++)
                same += b[x].id == e1[qi][y].id;
            CHECK(b[x].id % 37 != 0 || b[x].id >= 3700);
        }
    }
    printf("  after append, delete and a second compaction: %d of %d hits the same\n", same, total);
    CHECK(same >= total * 97 / 100);
    CHECK_EQ_INT(rvf_get_vector(s, 37, v, DIM), RVF_ERR_NOT_FOUND);
    uint8_t dead[N] = {0};
    for (int i = 0; i < 100; i++)
        dead[del[i]] = 1;
    double r2 = recall(s, 50, dead);
    CHECK(r2 >= 0.95);
    /* a plain compaction afterwards keeps the decoded values at f32 and drops the QUANT_SEGs */
    CHECK_EQ_INT(rvf_get_vector(s, 1, v, DIM), RVF_OK);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    float w[DIM];
    CHECK_EQ_INT(rvf_get_vector(s, 1, w, DIM), RVF_OK);
    CHECK_MEM(v, w, sizeof v);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    view_file(path);
    CHECK_EQ_INT(fv.quant_segs, 0);
    CHECK(block_is(0, 1, 0x00));
}

/* ---- PQ and binary cold tiers -----------------------------------------------------------------
 */
static void check_cold(uint8_t cold, uint8_t dtype, uint8_t qtype)
{
    const char *path = tmp_path(cold == RVF_COLD_PQ ? "pq.rvf" : "bin.rvf");
    rvf_store *s = make_store(path, N, false);
    rvf_compact_options co = tiers(cold);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    view_file(path);
    CHECK(block_is(0, 2, dtype) && block_is(4, 2, dtype)); /* no access history: all cold */
    CHECK_EQ_INT(fv.quant_segs, 1);
    CHECK(fv.quant_types[0] == qtype && fv.quant_tiers[0] == 2);
    CHECK_EQ_U64(fv.quantdict_off, fv.quant_off[0]);
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    float *dec = malloc((size_t)N * DIM * sizeof *dec);
    bool quantized = true, changed = false;
    for (size_t i = 0; i < N; i++) {
        CHECK_EQ_INT(rvf_get_vector(s, i, dec + i * DIM, DIM), RVF_OK);
        for (int d = 0; d < DIM; d++) {
            float x = dec[i * DIM + d];
            if (cold == RVF_COLD_BINARY)
                quantized &= x == 1.0f || x == -1.0f;
            changed |= x != data[i * DIM + d];
        }
    }
    if (cold == RVF_COLD_PQ) { /* subspace 0 takes at most 256 distinct sub-vectors */
        int distinct = 0;
        for (size_t i = 0; i < N && distinct <= 256; i++) {
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = memcmp(dec + i * DIM, dec + j * DIM, 4 * sizeof(float)) == 0;
            distinct += !seen;
        }
        quantized = distinct <= 256;
    }
    CHECK(quantized && changed);
    /* exact scans: the brute force over the decoded vectors, ids and distances */
    int agree = 0;
    for (int qi = 0; qi < 20; qi++) {
        const float *q = data + (size_t)(qi * 211 + 5) * DIM;
        rvf_hit h[K];
        uint32_t n = 0;
        CHECK_EQ_INT(query(s, q, K, 0, h, &n), RVF_OK);
        CHECK_EQ_INT(n, K);
        for (uint32_t j = 0; j < n; j++) {
            float want = l2(q, dec + h[j].id * DIM);
            CHECK_NEAR(h[j].distance, want, 1e-3, 1e-5);
        }
        /* nothing closer was left out (ties by id) */
        uint32_t closer = 0;
        for (size_t i = 0; i < N; i++) {
            float dd = l2(q, dec + i * DIM);
            closer += dd < h[n - 1].distance * (1 - 1e-6f);
        }
        agree += closer < n;
    }
    CHECK_EQ_INT(agree, 20);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    rvf_status_info si;
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    printf("  cold %s: %llu bytes for %d x %d f32 (%.1f bytes per vector)\n",
           cold == RVF_COLD_PQ ? "pq" : "binary", (unsigned long long)si.file_size, N, DIM,
           (double)si.file_size / N);
    free(dec);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
}

static void test_pq_binary(void)
{
    check_cold(RVF_COLD_PQ, 0x07, 1);
    check_cold(RVF_COLD_BINARY, 0x06, 2);
}

/* ---- progressive first query reads fewer bytes ------------------------------------------------
 */
static uint64_t first_query_bytes(const char *path, double *rec)
{
    counting c;
    rvf_store *s = NULL;
    CHECK_EQ_INT(counting_open(&c, path, NULL, 0, &s), RVF_OK);
    rvf_hit h[K];
    uint32_t n = 0;
    const float *q = data + (size_t)1234 * DIM;
    CHECK_EQ_INT(query(s, q, K, 64, h, &n), RVF_OK);
    uint64_t bytes = c.bytes;
    *rec = n && h[0].id == 1234 ? 1 : 0;
    rvf_close(s);
    return bytes;
}

static void test_progressive(void)
{
    const char *p1 = tmp_path("prog-plain.rvf"), *p2 = tmp_path("prog-tiers.rvf");
    rvf_store *s = make_store(p1, N, true);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    s = make_store(p2, N, true);
    rvf_compact_options co = tiers(RVF_COLD_SQ8);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    double h1 = 0, h2 = 0;
    uint64_t b1 = first_query_bytes(p1, &h1), b2 = first_query_bytes(p2, &h2);
    printf("  progressive first query: %llu bytes untiered, %llu tiered\n", (unsigned long long)b1,
           (unsigned long long)b2);
    CHECK(b2 < b1);
    CHECK(h1 == 1 && h2 == 1);
}

/* ---- damage, tiers off ------------------------------------------------------------------------
 */
static void test_damaged_quant(void)
{
    const char *path = tmp_path("damaged.rvf");
    rvf_store *s = make_store(path, 2048, false);
    rvf_compact_options co = tiers(RVF_COLD_SQ8);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    view_file(path);
    CHECK_EQ_INT(fv.quant_segs, 1);
    /* flip one byte of the QUANT_SEG's min array */
    int fd = open(path, O_RDWR);
    uint8_t x = 0;
    off_t at = (off_t)fv.quant_off[0] + 64 + 64 + 5;
    CHECK(pread(fd, &x, 1, at) == 1);
    x ^= 0x10;
    CHECK(pwrite(fd, &x, 1, at) == 1);
    close(fd);
    rvf_status st = rvf_open(path, &s);
    CHECK(st != RVF_OK);
    const char *why = rvf_last_error_detail();
    printf("  damaged QUANT_SEG: %s (%s)\n", rvf_strerror(st), why);
    CHECK(strstr(why, "QUANT_SEG") != NULL);
    if (st == RVF_OK)
        rvf_close(s);
    /* a read-only open defers the data: reading a vector fails the same way, verify names it */
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    float v[DIM];
    CHECK(rvf_get_vector(s, 3, v, DIM) != RVF_OK);
    uint64_t bad = 0;
    CHECK(rvf_verify(s, &bad) != RVF_OK);
    CHECK_EQ_U64(bad, fv.quant_off[0]);
    rvf_close(s);
}

/* A listed quantized block whose tier has no QUANT_SEG: INVALID_MANIFEST naming it, never
 * garbage. (A manifest that lists the blocks but not the QUANT_SEG is simulated on a lazy open:
 * the QUANT_SEG is taken out of the directory before the data is first read.) */
static void test_missing_quant(void)
{
    const char *path = tmp_path("missing.rvf");
    rvf_store *s = make_store(path, 2048, false);
    rvf_compact_options co = tiers(RVF_COLD_SQ8);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    uint32_t kept = 0, dropped = 0;
    for (uint32_t i = 0; i < s->man.ndir; i++) {
        if (s->man.dir[i].seg_type == RVF_SEG_QUANT)
            dropped++;
        else
            s->man.dir[kept++] = s->man.dir[i];
    }
    s->man.ndir = kept;
    CHECK_EQ_INT(dropped, 1);
    float v[DIM];
    CHECK_EQ_INT(rvf_get_vector(s, 3, v, DIM), RVF_ERR_INVALID_MANIFEST);
    printf("  missing QUANT_SEG: %s\n", rvf_last_error_detail());
    CHECK(strstr(rvf_last_error_detail(), "no QUANT_SEG of tier 2") != NULL);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_ERR_INVALID_MANIFEST);
    rvf_close(s);
}

/* f16 stores: tiers work the same (no partition layout); save_as and the reference export copy
 * the decoded values */
/* Ids 0, step, 2 step, ... below 3000 read the same vectors in s and in the file at path. */
static void check_same_vectors(rvf_store *s, const char *path, int step)
{
    rvf_store *c = NULL;
    CHECK_EQ_INT(rvf_open_readonly(path, &c), RVF_OK);
    for (int i = 0; i < 3000; i += step) {
        float a[DIM], b[DIM];
        CHECK_EQ_INT(rvf_get_vector(s, (uint64_t)i, a, DIM), RVF_OK);
        CHECK_EQ_INT(rvf_get_vector(c, (uint64_t)i, b, DIM), RVF_OK);
        CHECK_MEM(a, b, sizeof a);
    }
    rvf_close(c);
}

static void test_f16_save_as(void)
{
    const char *path = tmp_path("f16.rvf"), *copy = tmp_path("f16-copy.rvf"),
               *ref = tmp_path("f16-ref.rvf");
    rvf_options o = rvf_options_default(DIM);
    o.no_sync = 1;
    o.dtype = RVF_DTYPE_F16;
    rvf_store *s = NULL;
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    uint64_t ids[3000];
    for (int i = 0; i < 3000; i++)
        ids[i] = (uint64_t)i;
    CHECK_EQ_INT(rvf_ingest(s, data, ids, 3000, NULL, NULL), RVF_OK);
    rvf_status_info si;
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    uint64_t before = si.file_size;
    rvf_compact_options co = tiers(RVF_COLD_SQ8);
    CHECK_EQ_INT(rvf_compact_ex(s, &co), RVF_OK);
    CHECK_EQ_INT(rvf_status_get(s, &si), RVF_OK);
    CHECK(si.file_size * 10 < before * 7); /* 2 bytes -> 1 byte per dimension, plus ids */
    double worst = 0;
    for (int i = 0; i < 3000; i++) {
        float v[DIM];
        CHECK_EQ_INT(rvf_get_vector(s, (uint64_t)i, v, DIM), RVF_OK);
        for (int d = 0; d < DIM; d++) {
            double e = fabs(v[d] - data[(size_t)i * DIM + d]);
            worst = e > worst ? e : worst;
        }
    }
    CHECK(worst < 0.05); /* the range is ~6: SQ8 step 0.024, f16 rounding on top */
    CHECK_EQ_INT(rvf_save_as(s, copy, NULL), RVF_OK);
    check_same_vectors(s, copy, 97);
    /* the reference dialect gets the decoded values as f32 */
    CHECK_EQ_INT(rvf_export_reference(s, ref), RVF_OK);
    check_same_vectors(s, ref, 101);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
}

static void test_tiers_off(void)
{
    const char *p1 = tmp_path("off1.rvf"), *p2 = tmp_path("off2.rvf");
    rvf_store *a = make_store(p1, 3000, true), *b = make_store(p2, 3000, true);
    warm_block(a, 0, 30, K);
    warm_block(b, 0, 30, K);
    rvf_compact_options off = {0, 0};
    CHECK_EQ_INT(rvf_compact(a), RVF_OK);
    CHECK_EQ_INT(rvf_compact_ex(b, &off), RVF_OK);
    CHECK(!has_record(a, RVF_TAG_TEMP_TIER_MAP) && !has_record(b, RVF_TAG_TEMP_TIER_MAP));
    rvf_segment_info *va = NULL, *vb = NULL;
    uint32_t na = 0, nb = 0;
    CHECK_EQ_INT(rvf_segments(a, &va, &na), RVF_OK);
    CHECK_EQ_INT(rvf_segments(b, &vb, &nb), RVF_OK);
    CHECK_EQ_INT(na, nb);
    for (uint32_t i = 0; i < na && i < nb; i++) { /* the same layout, segment for segment */
        CHECK_EQ_INT(va[i].seg_type, vb[i].seg_type);
        CHECK_EQ_U64(va[i].offset, vb[i].offset);
        CHECK_EQ_U64(va[i].payload_length, vb[i].payload_length);
        CHECK(va[i].seg_type != RVF_SEG_QUANT);
    }
    rvf_release(va);
    rvf_release(vb);
    rvf_close(a);
    rvf_close(b);
    view_file(p2);
    CHECK(block_is(0, 1, 0x00) && block_is(2, 1, 0x00));
    CHECK_EQ_INT(fv.quant_segs, 0);
    rvf_compact_options bad = {2, 0};
    CHECK_EQ_INT(rvf_compact_ex(NULL, &bad), RVF_ERR_INVALID_ARGUMENT);
}

int main(void)
{
    make_data();
    RVF_TEST_RUN(test_tiers_off);
    RVF_TEST_RUN(test_epochs);
    RVF_TEST_RUN(test_epochs_unindexed);
    RVF_TEST_RUN(test_recall_size_lifecycle);
    RVF_TEST_RUN(test_pq_binary);
    RVF_TEST_RUN(test_progressive);
    RVF_TEST_RUN(test_damaged_quant);
    RVF_TEST_RUN(test_missing_quant);
    RVF_TEST_RUN(test_f16_save_as);
    return rvf_test_finish();
}

/* rvf_store_tiers.c: temperature tiers in the store (RVF-BRIEF §5.1, §5.5, §7.1-§7.3; FORMAT.md
 * "Temperature tiers"). A tiered compaction (rvf_compact_ex) sorts every 1024-id sketch block into
 * hot, warm or cold; hot rows stay at the store's dtype, warm rows become SQ8 codes and cold rows
 * the chosen quantizer's codes, each tier's quantizer in a QUANT_SEG. Readers decode quantized
 * blocks back to the store's dtype when they read them, so the table, the graph and every read
 * path above it see one kind of row. */
#include <stdlib.h>
#include <string.h>

#include "rvf_store_impl.h"

/* ---- reading --------------------------------------------------------------------------------- */
enum { DT_SQ = 0x04, DT_BIN = 0x06, DT_PQ = 0x07 };

int rvf_store_block_kind(const rvf_store *s, const rvf_vec_block *b)
{
    if (b->dim == s->dim && b->dtype == s->dtype)
        return 1;
    if (b->tier != 1 && b->tier != 2)
        return 0;
    if ((b->dtype == DT_SQ && b->dim == s->dim) ||
        (b->dtype == DT_BIN && b->dim == rvf_bin_bytes(s->dim)) || b->dtype == DT_PQ)
        return 2;
    return 0;
}

void rvf_store_tiers_drop(rvf_store *s)
{
    for (int t = 0; t < 3; t++) {
        rvf_quant_free(&s->tq[t]);
        s->tq_have[t] = false;
    }
    s->tq_key = 0;
}

/* The listed QUANT_SEGs, as one number (0 never: "nothing read yet"). */
static uint64_t tq_key_of(const rvf_manifest *m)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < m->ndir; i++)
        if (m->dir[i].seg_type == RVF_SEG_QUANT) {
            h = (h ^ m->dir[i].file_offset) * 0x100000001b3ull;
            h = (h ^ m->dir[i].segment_id) * 0x100000001b3ull;
        }
    return h | 1;
}

/* The quantizers of the listed QUANT_SEGs by tier (a later one of the same tier wins). */
static rvf_status tiers_ready(rvf_store *s)
{
    uint64_t key = tq_key_of(&s->man);
    if (key == s->tq_key)
        return RVF_OK;
    rvf_store_tiers_drop(s);
    for (uint32_t i = 0; i < s->man.ndir; i++) {
        const rvf_dir_entry *e = &s->man.dir[i];
        if (e->seg_type != RVF_SEG_QUANT)
            continue;
        const uint8_t *p;
        bool owned;
        rvf_quant q;
        rvf_status st = rvf_seg_load(s->io, e, s->io->size(s->io), &p, &owned);
        if (st == RVF_OK) {
            st = rvf_quantseg_decode(p, (size_t)e->payload_length, (uint16_t)s->dim, &q);
            if (owned)
                rvf_free((void *)p);
        }
        if (st != RVF_OK) {
            rvf_store_tiers_drop(s);
            return rvf_store_fail(st, "QUANT_SEG id %llu at offset %llu: %s",
                                  (unsigned long long)e->segment_id,
                                  (unsigned long long)e->file_offset, rvf_strerror(st));
        }
        rvf_quant_free(&s->tq[q.tier]);
        s->tq[q.tier] = q;
        s->tq_have[q.tier] = true;
    }
    s->tq_key = key;
    return RVF_OK;
}

/* The quantizer a kind-2 block needs, checked against the block. */
static rvf_status block_quant(rvf_store *s, const rvf_vec_block *b, const rvf_quant **out)
{
    rvf_status st = tiers_ready(s);
    if (st != RVF_OK)
        return st;
    if (!s->tq_have[b->tier])
        return rvf_store_fail(RVF_ERR_INVALID_MANIFEST,
                              "a VEC block of tier %u (dtype 0x%02x) but no QUANT_SEG of tier %u "
                              "is listed",
                              b->tier, b->dtype, b->tier);
    const rvf_quant *q = &s->tq[b->tier];
    bool ok = (b->dtype == DT_SQ && q->type == RVF_QUANT_SCALAR) ||
              (b->dtype == DT_BIN && q->type == RVF_QUANT_BINARY) ||
              (b->dtype == DT_PQ && q->type == RVF_QUANT_PQ && b->dim == q->pq_m);
    if (!ok)
        return rvf_store_fail(RVF_ERR_INVALID_MANIFEST,
                              "a VEC block of tier %u (dtype 0x%02x, %u code bytes) does not match "
                              "the tier's QUANT_SEG (quant_type %u)",
                              b->tier, b->dtype, b->dim, q->type);
    *out = q;
    return RVF_OK;
}

rvf_status rvf_store_block_check(rvf_store *s, const rvf_vec_block *b)
{
    const rvf_quant *q;
    if (rvf_store_block_kind(s, b) != 2 || tiers_ready(s) != RVF_OK)
        return RVF_OK; /* a damaged QUANT_SEG fails its own check, under its own offset */
    return block_quant(s, b, &q);
}

/* One f32 vector into row (the store's dtype). */
static void put_row(const rvf_store *s, const float *v, uint8_t *row)
{
    if (s->dtype == RVF_DTYPE_F32)
        memcpy(row, v, (size_t)s->dim * 4);
    else
        for (uint32_t d = 0; d < s->dim; d++) {
            uint16_t h = rvfk_f32_to_f16(v[d]);
            memcpy(row + 2 * (size_t)d, &h, 2);
        }
}

/* One row (the store's dtype) as f32. */
static void get_row(const rvf_store *s, const uint8_t *row, float *v)
{
    if (s->dtype == RVF_DTYPE_F32)
        memcpy(v, row, (size_t)s->dim * 4);
    else
        for (uint32_t d = 0; d < s->dim; d++) {
            uint16_t h;
            memcpy(&h, row + 2 * (size_t)d, 2);
            v[d] = rvfk_f16_to_f32(h);
        }
}

rvf_status rvf_store_block_read(rvf_store *s, const uint8_t *p, size_t len, const rvf_vec_block *b,
                                uint64_t *ids, uint8_t *rows)
{
    if (rvf_store_block_kind(s, b) == 1)
        return rvf_vecseg_decode_block(p, len, b, ids, rows);
    const rvf_quant *q = NULL;
    rvf_status st = block_quant(s, b, &q);
    if (st != RVF_OK || !q)
        return st != RVF_OK ? st : RVF_ERR_INVALID_MANIFEST;
    uint8_t *codes = rvf_malloc((size_t)b->count * b->dim + 1);
    float *v = rvf_malloc((size_t)s->dim * sizeof *v);
    st = codes && v ? rvf_vecseg_decode_block(p, len, b, ids, codes) : RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t k = 0; st == RVF_OK && k < b->count; k++) {
        const uint8_t *c = codes + (size_t)k * b->dim;
        if (q->type == RVF_QUANT_SCALAR)
            rvf_sq_decode(q, c, v);
        else if (q->type == RVF_QUANT_BINARY)
            rvf_bin_decode(c, s->dim, v);
        else if (rvf_pq_decode(q, c, v) != RVF_OK)
            st = rvf_store_fail(RVF_ERR_INVALID_MANIFEST,
                                "a PQ code of vector %u of a tier-%u block is >= K = %u", k,
                                b->tier, q->pq_k);
        put_row(s, v, rows + (size_t)k * s->row_bytes);
    }
    rvf_free(codes);
    rvf_free(v);
    return st;
}

/* ---- the plan ------------------------------------------------------------------------------- */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The previous epoch's sketch: the SKETCH_SEG the current manifest lists (written when the last
 * epoch ended). Absent or unreadable: *out stays zeroed (no block was hot). */
static rvf_status prev_sketch(rvf_store *s, rvf_sketch *out)
{
    memset(out, 0, sizeof *out);
    for (uint32_t i = s->man.ndir; i-- > 0;) {
        const rvf_dir_entry *e = &s->man.dir[i];
        if (e->seg_type != RVF_SEG_SKETCH)
            continue;
        const uint8_t *p;
        bool owned;
        rvf_status st = rvf_seg_load(s->io, e, s->io->size(s->io), &p, &owned);
        if (st == RVF_OK) {
            st = rvf_sketchseg_decode(p, (size_t)e->payload_length, out);
            if (owned)
                rvf_free((void *)p);
        }
        return st == RVF_ERR_IO_ERROR || st == RVF_ERR_OUT_OF_MEMORY ? st : RVF_OK;
    }
    return RVF_OK;
}

/* The sketch blocks the file holds hot: those of the ids in its tier-0 VEC blocks, sorted and
 * unique. TEMP_TIER_MAP names the segments that have such blocks; only those are read. */
static rvf_status hot_before(rvf_store *s, uint64_t **blocks, size_t *n)
{
    *blocks = NULL;
    *n = 0;
    const rvf_manifest *m = &s->man;
    uint64_t *out = NULL, *ids = NULL;
    uint8_t *rows = NULL;
    size_t cnt = 0, cap = 0, tmp_cap = 0;
    rvf_status st = RVF_OK;
    for (uint32_t d = 0; d < m->ndir && st == RVF_OK; d++) {
        const rvf_dir_entry *e = &m->dir[d];
        bool any = false;
        for (uint32_t t = 0; e->seg_type == RVF_SEG_VEC && t < m->ntiers && !any; t++)
            any = m->tiers[t].segment_id == e->segment_id && m->tiers[t].tier == 0;
        if (!any)
            continue;
        const uint8_t *p;
        bool owned;
        rvf_vec_block *blk = NULL;
        uint32_t nb = 0;
        st = rvf_seg_load(s->io, e, s->io->size(s->io), &p, &owned);
        if (st != RVF_OK)
            break;
        st = rvf_vecseg_blocks(p, (size_t)e->payload_length, &blk, &nb);
        for (uint32_t i = 0; i < nb && st == RVF_OK; i++) {
            if (blk[i].tier != 0 || rvf_store_block_kind(s, &blk[i]) != 1)
                continue;
            if (blk[i].count > tmp_cap) {
                rvf_free(ids);
                rvf_free(rows);
                tmp_cap = blk[i].count;
                ids = rvf_malloc(tmp_cap * sizeof *ids);
                rows = rvf_malloc(tmp_cap * s->row_bytes);
            }
            if (cnt + blk[i].count > cap) {
                cap = (cnt + blk[i].count) * 2;
                uint64_t *g = rvf_realloc(out, cap * sizeof *g);
                if (g)
                    out = g;
                else
                    st = RVF_ERR_OUT_OF_MEMORY;
            }
            if (st == RVF_OK && (!ids || !rows))
                st = RVF_ERR_OUT_OF_MEMORY;
            if (st == RVF_OK)
                st = rvf_vecseg_decode_block(p, (size_t)e->payload_length, &blk[i], ids, rows);
            for (uint32_t j = 0; st == RVF_OK && j < blk[i].count; j++)
                if (!cnt || out[cnt - 1] != ids[j] / RVF_SKETCH_BLOCK_SIZE)
                    out[cnt++] = ids[j] / RVF_SKETCH_BLOCK_SIZE;
        }
        rvf_free(blk);
        if (owned)
            rvf_free((void *)p);
    }
    rvf_free(ids);
    rvf_free(rows);
    if (st == RVF_OK && cnt) {
        qsort(out, cnt, sizeof *out, cmp_u64);
        size_t k = 0;
        for (size_t i = 0; i < cnt; i++)
            if (!k || out[k - 1] != out[i])
                out[k++] = out[i];
        *blocks = out;
        *n = k;
        return RVF_OK;
    }
    rvf_free(out);
    /* the file was read at load: a failure now is I/O or memory (else: no hysteresis, no harm) */
    return st == RVF_ERR_IO_ERROR || st == RVF_ERR_OUT_OF_MEMORY ? st : RVF_OK;
}

/* PQ shape: sub-vectors of 4 dimensions (else 2, else 1), up to 256 centroids. */
static uint16_t pq_sub_dim(uint32_t dim)
{
    return dim % 4 == 0 ? 4 : dim % 2 == 0 ? 2 : 1;
}

static rvf_status train(rvf_store *s, const sort_item *it, size_t m, uint8_t cold,
                        rvf_tier_plan *tp)
{
    uint16_t dim = (uint16_t)s->dim;
    float *all = rvf_malloc(m * dim * sizeof *all + 1);
    if (!all)
        return RVF_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < m; i++)
        get_row(s, s->rows + (size_t)it[i].idx * s->row_bytes, all + i * dim);
    rvf_status st = rvf_sq_train(all, m, dim, dim, &tp->q[1]);
    if (st == RVF_OK) {
        tp->q[1].tier = 1;
        if (cold == RVF_COLD_SQ8) {
            st = rvf_sq_train(all, m, dim, dim, &tp->q[2]);
        } else if (cold == RVF_COLD_BINARY) {
            st = rvf_bin_init(dim, &tp->q[2]);
        } else if (tp->count[2]) {
            rvf_kmeans_params km;
            memset(&km, 0, sizeof km);
            km.seed = 0x434F4C44ull; /* "COLD": the same file gives the same codebook */
            uint16_t sd = pq_sub_dim(dim), k = m < 256 ? (uint16_t)m : 256;
            st = rvf_pq_train(all, m, dim, dim, (uint16_t)(dim / sd), k, &km, &tp->q[2]);
        }
        tp->q[2].tier = 2;
    }
    rvf_free(all);
    return st;
}

rvf_status rvf_store_tiers_plan(rvf_store *s, const sort_item *it, size_t m, uint8_t cold,
                                rvf_tier_plan *tp)
{
    memset(tp, 0, sizeof *tp);
    tp->tier = rvf_malloc(s->n + 1);
    if (!tp->tier)
        return RVF_ERR_OUT_OF_MEMORY;
    memset(tp->tier, 2, s->n + 1);
    rvf_status st = rvf_store_sketch_ready(s);
    rvf_sketch prev;
    memset(&prev, 0, sizeof prev);
    uint64_t *was = NULL;
    size_t nwas = 0;
    if (st == RVF_OK)
        st = prev_sketch(s, &prev);
    if (st == RVF_OK)
        st = hot_before(s, &was, &nwas);
    for (size_t i = 0; st == RVF_OK && i < m; i++) {
        uint64_t b = it[i].id / RVF_SKETCH_BLOCK_SIZE;
        uint8_t cur = rvf_sketch_estimate(&s->sketch, b);
        uint8_t before = prev.counters ? rvf_sketch_estimate(&prev, b) : 0;
        uint8_t t;
        if (rvf_store_sorted_has(was, nwas,
                                 b)) /* hot until it falls to WARM_THRESHOLD (§7.3 demotion) */
            t = cur > RVF_SKETCH_WARM_THRESHOLD ? 0 : 2;
        else if (cur > RVF_SKETCH_HOT_THRESHOLD && before > RVF_SKETCH_HOT_THRESHOLD)
            t = 0; /* promotion: hot in two consecutive sketch epochs */
        else
            t = cur > RVF_SKETCH_WARM_THRESHOLD ? 1 : 2;
        tp->tier[it[i].idx] = t;
        tp->count[t]++;
    }
    rvf_sketch_free(&prev);
    rvf_free(was);
    if (st == RVF_OK && m)
        st = train(s, it, m, cold, tp);
    if (st != RVF_OK)
        rvf_store_tiers_plan_free(tp);
    return st;
}

void rvf_store_tiers_plan_free(rvf_tier_plan *tp)
{
    rvf_free(tp->tier);
    for (int t = 0; t < 3; t++)
        rvf_quant_free(&tp->q[t]);
    rvf_free(tp->map);
    memset(tp, 0, sizeof *tp);
}

rvf_status rvf_store_tiers_order(const rvf_tier_plan *tp, sort_item *it, const size_t *cuts,
                                 size_t nseg)
{
    size_t longest = 0;
    for (size_t k = 0; k < nseg; k++)
        if (cuts[k + 1] - cuts[k] > longest)
            longest = cuts[k + 1] - cuts[k];
    sort_item *tmp = rvf_malloc((longest + 1) * sizeof *tmp);
    if (!tmp)
        return RVF_ERR_OUT_OF_MEMORY;
    for (size_t k = 0; k < nseg; k++) {
        size_t n = 0;
        for (uint8_t t = 0; t < 3; t++)
            for (size_t i = cuts[k]; i < cuts[k + 1]; i++)
                if (tp->tier[it[i].idx] == t)
                    tmp[n++] = it[i];
        memcpy(it + cuts[k], tmp, n * sizeof *tmp);
    }
    rvf_free(tmp);
    return RVF_OK;
}

/* ---- writing -------------------------------------------------------------------------------- */
/* One tier's run of n rows as VEC blocks (a complete payload of its own) into out. */
static rvf_status encode_run(rvf_store *s, const rvf_quant *q, uint8_t t, rvf_buf *out,
                             const uint64_t *ids, const uint8_t *rows, size_t n)
{
    if (t == 0)
        return rvf_vecseg_encode(out, ids, rows, (uint32_t)n, (uint16_t)s->dim, s->dtype,
                                 s->block_vectors);
    size_t cb = q->type == RVF_QUANT_SCALAR ? s->dim
                : q->type == RVF_QUANT_PQ   ? q->pq_m
                                            : rvf_bin_bytes(s->dim);
    uint8_t dt = q->type == RVF_QUANT_SCALAR ? DT_SQ : q->type == RVF_QUANT_PQ ? DT_PQ : DT_BIN;
    uint8_t *codes = rvf_malloc(n * cb + 1);
    float *v = rvf_malloc((size_t)s->dim * sizeof *v);
    rvf_status st = codes && v ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    for (size_t k = 0; st == RVF_OK && k < n; k++) {
        get_row(s, rows + k * s->row_bytes, v);
        if (q->type == RVF_QUANT_SCALAR)
            rvf_sq_encode(q, v, codes + k * cb);
        else if (q->type == RVF_QUANT_PQ)
            rvf_pq_encode(q, v, codes + k * cb);
        else
            rvf_bin_encode(v, s->dim, codes + k * cb);
    }
    if (st == RVF_OK)
        st = rvf_vecseg_encode(out, ids, codes, (uint32_t)n, (uint16_t)cb, dt, s->block_vectors);
    rvf_free(codes);
    rvf_free(v);
    return st;
}

rvf_status rvf_store_tiers_encode(rvf_store *s, rvf_tier_plan *tp, rvf_buf *pl, const sort_item *it,
                                  const uint64_t *ids, const uint8_t *rows, size_t a, size_t cnt,
                                  uint64_t seg_id, uint32_t *nblocks)
{
    rvf_buf run[3];
    size_t r0[3], rn[3], i = a;
    rvf_status st = RVF_OK;
    uint32_t nb = 0;
    for (uint8_t t = 0; t < 3; t++) {
        rvf_buf_init(&run[t]);
        r0[t] = i;
        while (i < a + cnt && tp->tier[it[i].idx] == t)
            i++;
        rn[t] = i - r0[t];
    }
    if (i != a + cnt) /* not ordered by rvf_store_tiers_order */
        st = RVF_ERR_INVALID_ARGUMENT;
    for (uint8_t t = 0; st == RVF_OK && t < 3; t++)
        if (rn[t]) {
            st = encode_run(s, &tp->q[t], t, &run[t], ids + r0[t], rows + r0[t] * s->row_bytes,
                            rn[t]);
            if (st == RVF_OK)
                nb += rvfk_ld_u32(run[t].data);
        }
    /* one directory over the runs' blocks; the blocks move as they are (their CRCs cover only
     * their own bytes) and stay 64-aligned */
    size_t start = pl->len;
    if (st == RVF_OK && tp->nmap + (size_t)nb > tp->map_cap) {
        uint32_t cap = tp->map_cap * 2 + nb + 64;
        rvf_tier_entry *g = rvf_realloc(tp->map, (size_t)cap * sizeof *g);
        if (!g)
            st = RVF_ERR_OUT_OF_MEMORY;
        else {
            tp->map = g;
            tp->map_cap = cap;
        }
    }
    if (st == RVF_OK) {
        rvf_buf_u32(pl, nb);
        rvf_buf_append(pl, (size_t)nb * RVF_VEC_DIR_ENTRY_SIZE);
        rvf_buf_pad(pl, start, 64);
    }
    uint32_t bi = 0;
    for (uint8_t t = 0; st == RVF_OK && t < 3; t++) {
        if (!rn[t])
            continue;
        uint32_t n = rvfk_ld_u32(run[t].data);
        uint32_t first = rvfk_ld_u32(run[t].data + 4);
        size_t base = pl->len - start;
        rvf_buf_put(pl, run[t].data + first, run[t].len - first);
        if ((st = rvf_buf_status(pl)) != RVF_OK)
            break;
        for (uint32_t j = 0; j < n; j++, bi++) {
            const uint8_t *se = run[t].data + 4 + (size_t)j * RVF_VEC_DIR_ENTRY_SIZE;
            uint8_t *de = pl->data + start + 4 + (size_t)bi * RVF_VEC_DIR_ENTRY_SIZE;
            memcpy(de, se, RVF_VEC_DIR_ENTRY_SIZE);
            rvfk_st_u32(de, (uint32_t)(rvfk_ld_u32(se) - first + base));
            de[11] = t;
            tp->map[tp->nmap++] = (rvf_tier_entry){seg_id, bi, t};
        }
    }
    for (int t = 0; t < 3; t++)
        rvf_buf_free(&run[t]);
    if (st == RVF_OK && pl->len - start > UINT32_MAX)
        st = RVF_ERR_SEGMENT_TOO_LARGE;
    *nblocks = nb;
    return st;
}

rvf_status rvf_store_tiers_emit(rvf_store *s, rvf_tier_plan *tp, rvf_buf *img, uint64_t *seg_id,
                                rvf_manifest *nm)
{
    rvf_dir_entry *grown = rvf_realloc(nm->dir, ((size_t)nm->ndir + 5) * sizeof *grown);
    if (!grown)
        return RVF_ERR_OUT_OF_MEMORY;
    nm->dir = grown;
    rvf_buf pl;
    rvf_buf_init(&pl);
    rvf_status st = RVF_OK;
    for (int t = 1; st == RVF_OK && t < 3; t++) {
        if (!tp->count[t])
            continue;
        pl.len = 0;
        st = rvf_quantseg_encode(&pl, &tp->q[t]);
        if (st != RVF_OK)
            break;
        rvf_seg_emit(img, 0, RVF_SEG_QUANT, RVF_FLAG_SEALED | RVF_FLAG_HOT, (*seg_id)++, s->algo,
                     pl.data, pl.len, 0, &nm->dir[nm->ndir++]);
        if (!nm->hotset[RVF_HOT_QUANTDICT].seg_offset) /* the active one: warm's, else cold's */
            nm->hotset[RVF_HOT_QUANTDICT] =
                (rvf_hotptr){nm->dir[nm->ndir - 1].file_offset, 0, (uint32_t)pl.len};
    }
    rvf_buf_free(&pl);
    if (st == RVF_OK) {
        rvf_free(nm->tiers);
        nm->tiers = tp->map;
        nm->ntiers = tp->nmap;
        tp->map = NULL;
        tp->nmap = tp->map_cap = 0;
    }
    return st;
}

/* rvf_store_write.c: the store's mutations other than compaction (rvf_ingest, rvf_delete,
 * rvf_delete_by_filter; each one commit through rvf_store_commit) and the calls that write another
 * file from a store: rvf_derive, rvf_export_reference, rvf_save_as, rvf_embed_wasm. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rvf_store_impl.h"

/* ---- ingest --------------------------------------------------------------------------------- */
void rvf_store_sort_items(sort_item *a, size_t n)
{
    /* merge sort by (id, idx): stable and O(n log n) */
    if (n < 2)
        return;
    sort_item *tmp = rvf_malloc(n * sizeof *tmp);
    if (!tmp) { /* insertion sort fallback */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && a[j - 1].id > a[j].id; j--) {
                sort_item t = a[j];
                a[j] = a[j - 1];
                a[j - 1] = t;
            }
        return;
    }
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = a[j].id < a[i].id ? a[j++] : a[i++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof *a);
    }
    rvf_free(tmp);
}

rvf_status rvf_ingest(rvf_store *s, const float *vectors, const uint64_t *ids, size_t n,
                      const rvf_value *meta, const uint32_t *meta_counts)
{
    rvf_store_detail[0] = 0;
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return rvf_store_fail(RVF_ERR_READ_ONLY, s->dialect
                                                     ? "a reference-dialect file is read-only "
                                                       "(rvf_save_as converts it to RVF)"
                                                     : "the store is open read-only");
    if (n == 0)
        return RVF_OK;
    rvf_status lst = rvf_store_ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    if (!vectors || !ids || n > UINT32_MAX / 2)
        return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT, "vectors and ids are required");
    for (size_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < s->dim; d++)
            if (!isfinite(vectors[i * s->dim + d]))
                return rvf_store_fail(
                    RVF_ERR_INVALID_ARGUMENT,
                    "vector %zu (id %llu) has a NaN or infinite value at dimension %u; "
                    "the batch was not written",
                    i, (unsigned long long)ids[i], d);
    size_t *moff = NULL;
    if (meta_counts) {
        moff = rvf_malloc((n + 1) * sizeof *moff);
        if (!moff)
            return RVF_ERR_OUT_OF_MEMORY;
        moff[0] = 0;
        for (size_t i = 0; i < n; i++)
            moff[i + 1] = moff[i] + meta_counts[i];
        if (moff[n] && !meta) {
            rvf_free(moff);
            return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT,
                                  "meta_counts given without meta values");
        }
    }
    /* sort by id; for duplicate ids the last one of the batch wins. A batch already in strictly
     * ascending id order (the common case) is used in place: no sort, no copy. */
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = ids[i] > ids[i - 1];
    sort_item *it = rvf_malloc(n * sizeof *it);
    size_t m = 0;
    rvf_status st = it ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK) {
        for (size_t i = 0; i < n; i++)
            it[i] = (sort_item){ids[i], (uint32_t)i};
        if (!sorted)
            rvf_store_sort_items(it, n);
        for (size_t i = 0; i < n; i++) {
            if (m && it[m - 1].id == it[i].id)
                it[m - 1] = it[i];
            else
                it[m++] = it[i];
        }
    }
    bool in_place = sorted && s->dtype == RVF_DTYPE_F32 && rvfk_f32_bits(1.0f) == 0x3f800000u &&
                    *(const uint8_t *)&(const uint16_t){1} == 1; /* little-endian host */
    uint64_t *sids_buf = st == RVF_OK && !sorted ? rvf_malloc(m * sizeof *sids_buf) : NULL;
    uint8_t *rows_buf = st == RVF_OK && !in_place ? rvf_malloc(m * s->row_bytes + 1) : NULL;
    if (st == RVF_OK && ((!sorted && !sids_buf) || (!in_place && !rows_buf)))
        st = RVF_ERR_OUT_OF_MEMORY;
    const uint64_t *sids = sorted ? ids : sids_buf;
    const uint8_t *rows = in_place ? (const uint8_t *)vectors : rows_buf;
    for (size_t i = 0; st == RVF_OK && !sorted && i < m; i++)
        sids_buf[i] = it[i].id;
    for (size_t i = 0; st == RVF_OK && !in_place && i < m; i++) {
        const float *v = vectors + (size_t)it[i].idx * s->dim;
        uint8_t *r = rows_buf + i * s->row_bytes;
        if (s->dtype == RVF_DTYPE_F32)
            for (uint32_t d = 0; d < s->dim; d++)
                rvfk_st_f32(r + 4 * (size_t)d, v[d]);
        else
            for (uint32_t d = 0; d < s->dim; d++)
                rvfk_st_u16(r + 2 * (size_t)d, rvfk_f32_to_f16(v[d]));
    }
    /* encode: VEC_SEGs (split to stay far below 2^32 bytes), META_SEGs per run of ids, witness */
    rvf_buf data = s->scratch, pl;
    data.len = 0;
    s->scratch.data = NULL; /* taken; given back (with its capacity) at the end */
    rvf_buf_init(&s->scratch);
    rvf_buf_init(&pl);
    rvf_manifest nm;
    memset(&nm, 0, sizeof nm);
    size_t per_seg = ((size_t)1 << 30) / (s->row_bytes + 16);
    rvf_buf_reserve(&data, m * (s->row_bytes + 12) + 4096);
    size_t nseg = st == RVF_OK ? (m + per_seg - 1) / per_seg : 0;
    size_t nmeta_runs = 0;
    if (st == RVF_OK && moff && moff[n])
        for (size_t i = 0; i < m; i++)
            nmeta_runs += i == 0 || sids[i] != sids[i - 1] + 1;
    if (st == RVF_OK)
        st = rvf_store_manifest_next(s, &nm, (uint32_t)(nseg + nmeta_runs + 1));
    for (size_t k = 0; st == RVF_OK && k < nseg; k++) {
        size_t a = k * per_seg, cnt = m - a < per_seg ? m - a : per_seg;
        size_t at = rvf_seg_begin(&data);
        st = rvf_vecseg_encode(&data, sids + a, rows + a * s->row_bytes, (uint32_t)cnt,
                               (uint16_t)s->dim, s->dtype, s->block_vectors);
        if (st == RVF_OK && (st = rvf_buf_status(&data)) == RVF_OK) {
            uint32_t nb = (uint32_t)((cnt + s->block_vectors - 1) / s->block_vectors);
            rvf_seg_end(&data, at, s->end, RVF_SEG_VEC, 0, s->next_seg_id++, s->algo, nb,
                        &nm.dir[nm.ndir++]);
        }
    }
    rvf_meta_row *mrows = NULL;
    if (st == RVF_OK && nmeta_runs) {
        mrows = rvf_malloc(m * sizeof *mrows);
        if (!mrows)
            st = RVF_ERR_OUT_OF_MEMORY;
        for (size_t i = 0; st == RVF_OK && i < m; i++) {
            size_t src = it[i].idx;
            mrows[i].fields = meta + moff[src];
            mrows[i].nfields = meta_counts[src];
        }
        for (size_t a = 0; st == RVF_OK && a < m;) {
            size_t b = a + 1;
            while (b < m && sids[b] == sids[b - 1] + 1)
                b++;
            pl.len = 0;
            st = rvf_metaseg_encode(&pl, sids[a], (uint32_t)(b - a), mrows + a);
            if (st == RVF_OK && (st = rvf_buf_status(&pl)) == RVF_OK)
                rvf_seg_emit(&data, s->end, RVF_SEG_META, 0, s->next_seg_id++, s->algo, pl.data,
                             pl.len, 0, &nm.dir[nm.ndir++]);
            a = b;
        }
        if (st != RVF_OK && st != RVF_ERR_OUT_OF_MEMORY)
            st = rvf_store_fail(
                st, "metadata could not be encoded (a field id used with two types in one "
                    "batch, or a value over 65535 bytes)");
    }
    /* new counts: ids not yet in the table add to total; re-ingested deleted ids come back */
    uint64_t new_ids = 0;
    uint8_t *revive = st == RVF_OK && s->ndead ? rvf_calloc(s->n + 1, 1) : NULL;
    if (st == RVF_OK && s->ndead && !revive)
        st = RVF_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; st == RVF_OK && i < m; i++) {
        int64_t j = rvf_store_find_slot(s, sids[i]);
        if (j < 0)
            new_ids++;
        else if (revive && s->dead[j])
            revive[j] = 1;
    }
    if (st == RVF_OK) {
        char act[96];
        snprintf(act, sizeof act, "ingest:count=%zu,epoch=%u", m, nm.epoch);
        rvf_store_witness_emit(s, &data, s->end, &s->next_seg_id, &nm, RVF_WITNESS_COMPUTATION,
                               act);
        nm.total_vectors = s->man.total_vectors + new_ids;
        st = rvf_store_deleted_list(s, NULL, revive, &nm.deleted, &nm.ndeleted);
    }
    if (st == RVF_OK)
        st = rvf_buf_status(&data);
    if (st == RVF_OK)
        st = rvf_store_commit(s, &data, &nm);
    else
        rvf_manifest_free(&nm);
    /* apply to the table only after the commit */
    for (size_t i = 0; st == RVF_OK && i < m; i++) {
        size_t slot;
        st = rvf_store_table_upsert(s, sids[i], rows + i * s->row_bytes, &slot);
        if (st == RVF_OK && mrows)
            st = rvf_store_meta_set(&s->meta[slot], mrows[i].fields, mrows[i].nfields);
    }
    rvf_free(revive);
    rvf_free(mrows);
    rvf_buf_free(&pl);
    if (data.cap <= ((size_t)64 << 20)) /* keep up to 64 MiB of scratch for the next batch */
        s->scratch = data;
    else
        rvf_buf_free(&data);
    rvf_free(rows_buf);
    rvf_free(sids_buf);
    rvf_free(it);
    rvf_free(moff);
    return st;
}

/* ---- delete --------------------------------------------------------------------------------- */
static rvf_status delete_slots(rvf_store *s, uint8_t *kill, const uint64_t *req, size_t nreq,
                               uint64_t *deleted)
{
    size_t cnt = 0;
    for (size_t j = 0; j < s->n; j++)
        cnt += kill[j];
    if (deleted)
        *deleted = cnt;
    rvf_manifest nm;
    rvf_status st = rvf_store_manifest_next(s, &nm, 2);
    rvf_buf data, pl;
    rvf_buf_init(&data);
    rvf_buf_init(&pl);
    if (st == RVF_OK) {
        /* the journal records what was asked; the bitmap what took effect */
        size_t ne = req ? nreq : cnt;
        rvf_journal_entry *e = rvf_calloc(ne + 1, sizeof *e);
        if (!e)
            st = RVF_ERR_OUT_OF_MEMORY;
        size_t k = 0;
        for (size_t i = 0; st == RVF_OK && i < ne; i++)
            e[i].type = RVF_JOURNAL_DELETE_VECTOR;
        if (st == RVF_OK && req)
            for (size_t i = 0; i < nreq; i++)
                e[i].a = req[i];
        else if (st == RVF_OK)
            for (size_t j = 0; j < s->n; j++)
                if (kill[j])
                    e[k++].a = s->ids[j];
        if (st == RVF_OK)
            st = rvf_journal_encode(&pl, nm.epoch, 0, e, ne);
        rvf_free(e);
        if (st == RVF_OK && (st = rvf_buf_status(&pl)) == RVF_OK)
            rvf_seg_emit(&data, s->end, RVF_SEG_JOURNAL, 0, s->next_seg_id++, s->algo, pl.data,
                         pl.len, 0, &nm.dir[nm.ndir++]);
    }
    if (st == RVF_OK) {
        char act[96];
        snprintf(act, sizeof act, "delete:count=%zu,epoch=%u", cnt, nm.epoch);
        rvf_store_witness_emit(s, &data, s->end, &s->next_seg_id, &nm, RVF_WITNESS_COMPUTATION,
                               act);
        st = rvf_store_deleted_list(s, kill, NULL, &nm.deleted, &nm.ndeleted);
        if (st == RVF_OK)
            for (size_t i = 0; i < nm.ndeleted; i++)
                if (nm.deleted[i] >> 48)
                    st = rvf_store_fail(RVF_ERR_INVALID_ARGUMENT,
                                        "id %llu is 2^48 or more and cannot be deleted (FORMAT.md)",
                                        (unsigned long long)nm.deleted[i]);
    }
    if (st == RVF_OK)
        st = rvf_buf_status(&data);
    if (st == RVF_OK)
        st = rvf_store_commit(s, &data, &nm);
    else
        rvf_manifest_free(&nm);
    if (st == RVF_OK)
        for (size_t j = 0; j < s->n; j++)
            if (kill[j]) {
                s->dead[j] = 1;
                s->ndead++;
            }
    rvf_buf_free(&pl);
    rvf_buf_free(&data);
    return st;
}

rvf_status rvf_delete(rvf_store *s, const uint64_t *ids, size_t n, uint64_t *deleted)
{
    rvf_store_detail[0] = 0;
    if (deleted)
        *deleted = 0;
    if (!s || (n && !ids))
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return rvf_store_fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    if (n == 0)
        return RVF_OK;
    rvf_status lst = rvf_store_ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    uint8_t *kill = rvf_calloc(s->n + 1, 1);
    if (!kill)
        return RVF_ERR_OUT_OF_MEMORY;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t j = rvf_store_find_slot(s, ids[i]);
        if (j >= 0 && !s->dead[j] && !kill[j]) {
            kill[j] = 1;
            cnt++;
        }
    }
    rvf_status st = cnt ? delete_slots(s, kill, ids, n, deleted) : RVF_OK;
    rvf_free(kill);
    return st;
}

rvf_status rvf_delete_by_filter(rvf_store *s, const uint8_t *filter, size_t filter_len,
                                uint64_t *deleted)
{
    rvf_store_detail[0] = 0;
    if (deleted)
        *deleted = 0;
    if (!s || !filter)
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return rvf_store_fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    rvf_status st = rvf_filter_validate(filter, filter_len);
    if (st != RVF_OK)
        return rvf_store_fail(st, "the filter expression is malformed");
    if ((st = rvf_store_ensure_loaded(s)) != RVF_OK)
        return st;
    uint8_t *kill = rvf_calloc(s->n + 1, 1);
    if (!kill)
        return RVF_ERR_OUT_OF_MEMORY;
    size_t cnt = 0;
    for (size_t j = 0; j < s->n && st == RVF_OK; j++) {
        bool match = false;
        if (s->dead[j])
            continue;
        st = rvf_filter_eval(filter, filter_len, s->meta[j].fields, s->meta[j].n, &match);
        if (match) {
            kill[j] = 1;
            cnt++;
        }
    }
    if (st == RVF_OK && cnt)
        st = delete_slots(s, kill, NULL, 0, deleted);
    rvf_free(kill);
    return st;
}

/* ---- lineage and export ------------------------------------------------------------------- */
rvf_status rvf_derive(rvf_store *parent, const char *child_path, uint8_t derivation_type,
                      const char *description, rvf_store **child)
{
    rvf_store_detail[0] = 0;
    *child = NULL;
    if (!parent || !child_path)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = rvf_store_ensure_manifest(parent);
    if (mst != RVF_OK)
        return mst;
    if (parent->dialect)
        return rvf_store_fail(RVF_ERR_READ_ONLY,
                              "derive from a reference-dialect file is not supported");
    rvf_options o = rvf_options_default(parent->dim);
    o.metric = (rvf_metric)parent->metric;
    o.dtype = (rvf_dtype)parent->dtype;
    o.profile_id = parent->profile_id;
    o.checksum_algo = parent->algo;
    o.no_sync = parent->no_sync;
    o.block_vectors = parent->block_vectors;
    return rvf_store_create(child_path, &o, parent, derivation_type, description, child);
}

rvf_status rvf_export_reference(rvf_store *s, const char *path)
{
    rvf_store_detail[0] = 0;
    if (!s || !path)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = rvf_store_ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    if (s->dim > 65535)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status lst = rvf_store_ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    size_t live = s->n - s->ndead;
    uint64_t *ids = rvf_malloc((live + 1) * 8);
    float *rows = rvf_malloc((live * s->dim + 1) * sizeof(float));
    rvf_status st = ids && rows ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    size_t k = 0;
    for (size_t j = 0; st == RVF_OK && j < s->n; j++) {
        if (s->dead[j])
            continue;
        ids[k] = s->ids[j];
        st = rvf_get_vector(s, s->ids[j], rows + k * s->dim, s->dim);
        k++;
    }
    rvf_io *out = NULL;
    if (st == RVF_OK &&
        (st = rvf_io_file_open(path, RVF_IO_READ | RVF_IO_WRITE | RVF_IO_CREATE, &out)) != RVF_OK)
        st = rvf_store_fail(st, "creating %s: %s", path, rvf_strerror(st));
    if (st == RVF_OK)
        st = rvf_ref_export(out, (uint16_t)s->dim, s->metric, ids, rows, live, s->man.file_id);
    if (out)
        out->close(out);
    if (st != RVF_OK && out)
        unlink(path);
    rvf_free(ids);
    rvf_free(rows);
    return st;
}

rvf_status rvf_save_as(rvf_store *s, const char *path, const rvf_options *opt)
{
    rvf_store_detail[0] = 0;
    if (!s || !path)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = rvf_store_ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    rvf_options o = rvf_options_default(s->dim);
    o.metric = (rvf_metric)s->metric;
    o.dtype = (rvf_dtype)s->dtype;
    o.profile_id = s->profile_id;
    if (opt) {
        if (opt->dimension != s->dim)
            return rvf_store_fail(RVF_ERR_DIMENSION_MISMATCH,
                                  "options have dimension %u, the store %u", opt->dimension,
                                  s->dim);
        o = *opt;
    }
    rvf_status st = rvf_store_ensure_loaded(s);
    if (st != RVF_OK)
        return st;
    rvf_store *d = NULL;
    if ((st = rvf_create(path, &o, &d)) != RVF_OK)
        return st;
    /* in id order, in batches of up to 64k vectors, each with its metadata */
    size_t live = s->n - s->ndead;
    sort_item *it = rvf_malloc((live + 1) * sizeof *it);
    size_t m = 0;
    if (!it)
        st = RVF_ERR_OUT_OF_MEMORY;
    for (size_t j = 0; it && j < s->n; j++)
        if (!s->dead[j])
            it[m++] = (sort_item){s->ids[j], (uint32_t)j};
    if (it)
        rvf_store_sort_items(it, m);
    enum { CHUNK = 65536 };
    float *vec = st == RVF_OK ? rvf_malloc((size_t)CHUNK * s->dim * sizeof *vec + 1) : NULL;
    uint64_t *ids = st == RVF_OK ? rvf_malloc((size_t)CHUNK * sizeof *ids) : NULL;
    uint32_t *counts = st == RVF_OK ? rvf_malloc((size_t)CHUNK * sizeof *counts) : NULL;
    rvf_value *meta = NULL;
    if (st == RVF_OK && (!vec || !ids || !counts))
        st = RVF_ERR_OUT_OF_MEMORY;
    for (size_t a = 0; st == RVF_OK && a < m; a += CHUNK) {
        size_t cnt = m - a < CHUNK ? m - a : CHUNK, nmeta = 0;
        for (size_t i = 0; i < cnt; i++)
            nmeta += s->meta[it[a + i].idx].n;
        rvf_value *nm = rvf_realloc(meta, (nmeta + 1) * sizeof *nm);
        if (!nm) {
            st = RVF_ERR_OUT_OF_MEMORY;
            break;
        }
        meta = nm;
        size_t k = 0;
        for (size_t i = 0; i < cnt && st == RVF_OK; i++) {
            const slot_meta *sm = &s->meta[it[a + i].idx];
            ids[i] = it[a + i].id;
            counts[i] = sm->n;
            if (sm->n)
                memcpy(meta + k, sm->fields, sm->n * sizeof *meta);
            k += sm->n;
            st = rvf_get_vector(s, ids[i], vec + i * s->dim, s->dim);
        }
        if (st == RVF_OK)
            st = rvf_ingest(d, vec, ids, cnt, meta, counts);
    }
    rvf_free(meta);
    rvf_free(counts);
    rvf_free(ids);
    rvf_free(vec);
    rvf_free(it);
    rvf_status cst = rvf_close(d);
    if (st == RVF_OK)
        st = cst;
    if (st != RVF_OK)
        unlink(path);
    return st;
}

/* ---- embedded WebAssembly (FORMAT.md "WASM_SEG") ------------------------------------------- */
rvf_status rvf_embed_wasm(rvf_store *s, const uint8_t *bytecode, size_t len,
                          const rvf_wasm_options *opt, uint64_t *segment_id)
{
    rvf_store_detail[0] = 0;
    if (!s || !bytecode || !opt || len < 8 || len > UINT32_MAX - 64 ||
        memcmp(bytecode, "\0asm", 4) != 0)
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return rvf_store_fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    rvf_status st = rvf_store_ensure_loaded(s);
    if (st != RVF_OK)
        return st;
    uint8_t *pl = rvf_calloc(64 + len, 1);
    if (!pl)
        return RVF_ERR_OUT_OF_MEMORY;
    rvfk_st_u32(pl + 0x00, 0x5256574Du); /* wasm_magic */
    rvfk_st_u16(pl + 0x04, 1);           /* header_version */
    pl[0x06] = opt->role;
    pl[0x07] = opt->target;
    rvfk_st_u16(pl + 0x08, opt->required_features);
    rvfk_st_u16(pl + 0x0A, opt->export_count);
    rvfk_st_u32(pl + 0x0C, (uint32_t)len); /* bytecode_size; compressed_size 0, compression 0 */
    pl[0x15] = opt->min_memory_pages;
    pl[0x16] = opt->max_memory_pages;
    rvf_shake256(bytecode, len, pl + 0x18, 32);
    pl[0x38] = opt->bootstrap_priority;
    pl[0x39] = opt->interpreter_type;
    memcpy(pl + 64, bytecode, len);
    rvf_manifest nm;
    st = rvf_store_manifest_next(s, &nm, 1);
    rvf_buf data;
    rvf_buf_init(&data);
    uint64_t id = 0;
    if (st == RVF_OK) {
        id = s->next_seg_id++;
        rvf_seg_emit(&data, s->end, RVF_SEG_WASM, 0, id, s->algo, pl, 64 + len, 0,
                     &nm.dir[nm.ndir++]);
        st = rvf_buf_status(&data);
        if (st == RVF_OK)
            st = rvf_store_commit(s, &data, &nm);
        else
            rvf_manifest_free(&nm);
    }
    if (st == RVF_OK && segment_id)
        *segment_id = id;
    rvf_buf_free(&data);
    rvf_free(pl);
    return st;
}

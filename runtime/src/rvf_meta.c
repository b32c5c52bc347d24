/* rvf_meta.c: META_SEG (FORMAT.md "META_SEG"), column-oriented per-vector metadata.
 *
 * We write one NULLABLE column per field id, sorted by field id. The reader accepts any column
 * layout of the table (including enum columns and non-nullable columns) and validates the whole
 * segment before the first callback, so a malformed segment never half-applies. */
#include <stdlib.h>
#include <string.h>

#include "rvf_internal.h"

/* ---- shared -------------------------------------------------------------------------------- */

static int meta_field_type(uint8_t value_type)
{
    switch (value_type) {
    case RVF_VALUE_STRING:
        return RVF_FIELD_STRING;
    case RVF_VALUE_U32:
        return RVF_FIELD_U32;
    case RVF_VALUE_U64:
        return RVF_FIELD_U64;
    case RVF_VALUE_F32:
        return RVF_FIELD_F32;
    case RVF_VALUE_BOOL:
        return RVF_FIELD_BOOL;
    case RVF_VALUE_I64:
        return RVF_FIELD_I64;
    case RVF_VALUE_F64:
        return RVF_FIELD_F64;
    case RVF_VALUE_BYTES:
        return RVF_FIELD_BYTES;
    default:
        return -1;
    }
}

static size_t meta_width(uint8_t field_type)
{
    switch (field_type) {
    case RVF_FIELD_U32:
    case RVF_FIELD_F32:
        return 4;
    case RVF_FIELD_U64:
    case RVF_FIELD_I64:
    case RVF_FIELD_F64:
        return 8;
    default:
        return 0;
    }
}

static bool meta_is_dict(uint8_t field_type)
{
    return field_type == RVF_FIELD_STRING || field_type == RVF_FIELD_BYTES;
}

static int meta_bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c;
    return (an > bn) - (an < bn);
}

/* Null bitmap bytes including the pad to 8. */
static uint64_t meta_bitmap_size(uint64_t n)
{
    return ((n + 7) / 8 + 7) & ~(uint64_t)7;
}

/* ---- encoder ------------------------------------------------------------------------------- */

typedef struct meta_ent {
    uint16_t fid;
    uint32_t row;
    const rvf_value *v;
} meta_ent;

static int meta_ent_cmp(const void *a, const void *b)
{
    const meta_ent *x = a, *y = b;
    if (x->fid != y->fid)
        return x->fid < y->fid ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* A dictionary column's value and its index in the column's run of entries. */
typedef struct meta_ref {
    const rvf_value *v;
    size_t at;
} meta_ref;

static int meta_ref_cmp(const void *a, const void *b)
{
    const rvf_value *x = ((const meta_ref *)a)->v, *y = ((const meta_ref *)b)->v;
    return meta_bytes_cmp(x->v.bytes.ptr, x->v.bytes.len, y->v.bytes.ptr, y->v.bytes.len);
}

/* Bit r set for each entry's row; `values` selects the bool value instead of presence. */
static void meta_put_bits(rvf_buf *out, const meta_ent *e, size_t k, uint32_t n, bool values)
{
    uint8_t *d = rvf_buf_append(out, ((size_t)n + 7) / 8);
    if (!d)
        return;
    for (size_t i = 0; i < k; i++)
        if (!values || e[i].v->v.boolean)
            d[e[i].row / 8] |= (uint8_t)(1u << (e[i].row % 8));
}

static rvf_status meta_put_dict_column(rvf_buf *out, size_t start, const meta_ent *e, size_t k,
                                       uint32_t n)
{
    meta_ref *sorted = rvf_malloc(k * sizeof *sorted);
    uint32_t *codes = rvf_malloc(k * sizeof *codes);
    if (!sorted || !codes) {
        rvf_free(sorted);
        rvf_free(codes);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < k; i++)
        sorted[i] = (meta_ref){e[i].v, i};
    qsort(sorted, k, sizeof *sorted, meta_ref_cmp);

    /* The dictionary is in byte order: deterministic output whatever the row order. */
    size_t at = out->len;
    rvf_buf_u32(out, 0);
    uint32_t ndict = 0;
    for (size_t i = 0; i < k; i++) {
        const rvf_value *v = sorted[i].v;
        if (i == 0 || meta_ref_cmp(&sorted[i - 1], &sorted[i]) != 0) {
            rvf_buf_u16(out, (uint16_t)v->v.bytes.len);
            rvf_buf_put(out, v->v.bytes.ptr, v->v.bytes.len);
            ndict++;
        }
        codes[sorted[i].at] = ndict - 1;
    }
    if (!out->oom)
        rvfk_st_u32(out->data + at, ndict);
    rvf_buf_pad(out, start, 4);
    size_t c = 0;
    for (uint32_t r = 0; r < n; r++)
        rvf_buf_varint(out, c < k && e[c].row == r ? codes[c++] : RVF_META_CODE_NULL);
    rvf_free(sorted);
    rvf_free(codes);
    return RVF_OK;
}

static rvf_status meta_put_column(rvf_buf *out, size_t start, uint8_t ft, const meta_ent *e,
                                  size_t k, uint32_t n)
{
    if (meta_is_dict(ft))
        return meta_put_dict_column(out, start, e, k, n);
    meta_put_bits(out, e, k, n, false);
    rvf_buf_pad(out, start, 8);
    if (ft == RVF_FIELD_BOOL) {
        meta_put_bits(out, e, k, n, true);
        return RVF_OK;
    }
    size_t w = meta_width(ft);
    if ((uint64_t)n * w > SIZE_MAX)
        return RVF_ERR_OUT_OF_MEMORY;
    uint8_t *d = rvf_buf_append(out, (size_t)n * w);
    if (!d)
        return RVF_OK; /* out->oom reports it */
    for (size_t i = 0; i < k; i++) {
        const rvf_value *v = e[i].v;
        uint8_t *q = d + (size_t)e[i].row * w;
        switch (ft) {
        case RVF_FIELD_U32:
            rvfk_st_u32(q, (uint32_t)v->v.u64);
            break;
        case RVF_FIELD_F32:
            rvfk_st_f32(q, (float)v->v.f64);
            break;
        case RVF_FIELD_F64: {
            union {
                double d;
                uint64_t u;
            } c;
            c.d = v->v.f64;
            rvfk_st_u64(q, c.u);
            break;
        }
        case RVF_FIELD_I64:
            rvfk_st_u64(q, (uint64_t)v->v.i64);
            break;
        default:
            rvfk_st_u64(q, v->v.u64);
            break;
        }
    }
    return RVF_OK;
}

/* Collect every non-null value as (field, row), sorted; check types and duplicates. */
static rvf_status meta_collect(uint32_t nrows, const rvf_meta_row *rows, meta_ent **out_ents,
                               size_t *out_k, uint32_t *out_ncols)
{
    size_t total = 0;
    for (uint32_t r = 0; r < nrows; r++) {
        if (rows[r].nfields && !rows[r].fields)
            return RVF_ERR_INVALID_ARGUMENT;
        if (rows[r].nfields > SIZE_MAX / sizeof(meta_ent) - total)
            return RVF_ERR_OUT_OF_MEMORY;
        total += rows[r].nfields;
    }
    meta_ent *ents = rvf_malloc(total ? total * sizeof *ents : 1);
    if (!ents)
        return RVF_ERR_OUT_OF_MEMORY;
    size_t k = 0;
    for (uint32_t r = 0; r < nrows; r++) {
        for (uint32_t i = 0; i < rows[r].nfields; i++) {
            const rvf_value *v = &rows[r].fields[i];
            if (v->type == RVF_VALUE_NULL)
                continue;
            int ft = meta_field_type(v->type);
            bool bad = ft < 0 || (v->type == RVF_VALUE_U32 && v->v.u64 > UINT32_MAX);
            if (ft >= 0 && meta_is_dict((uint8_t)ft))
                bad = v->v.bytes.len > UINT16_MAX || (v->v.bytes.len && !v->v.bytes.ptr);
            if (bad) {
                rvf_free(ents);
                return RVF_ERR_INVALID_ARGUMENT;
            }
            ents[k++] = (meta_ent){v->field_id, r, v};
        }
    }
    qsort(ents, k, sizeof *ents, meta_ent_cmp);
    uint32_t ncols = 0;
    for (size_t i = 0; i < k; i++) {
        if (i == 0 || ents[i].fid != ents[i - 1].fid) {
            ncols++;
        } else if (ents[i].row == ents[i - 1].row || ents[i].v->type != ents[i - 1].v->type) {
            rvf_free(ents);
            return RVF_ERR_INVALID_ARGUMENT;
        }
    }
    if (ncols > UINT16_MAX) {
        rvf_free(ents);
        return RVF_ERR_INVALID_ARGUMENT;
    }
    *out_ents = ents;
    *out_k = k;
    *out_ncols = ncols;
    return RVF_OK;
}

rvf_status rvf_metaseg_encode(rvf_buf *out, uint64_t id_start, uint32_t nrows,
                              const rvf_meta_row *rows)
{
    if (!out || nrows == 0 || !rows || id_start > UINT64_MAX - (nrows - 1))
        return RVF_ERR_INVALID_ARGUMENT;
    meta_ent *ents;
    size_t k;
    uint32_t ncols;
    rvf_status st = meta_collect(nrows, rows, &ents, &k, &ncols);
    if (st != RVF_OK)
        return st;

    size_t start = out->len;
    uint8_t *h = rvf_buf_append(out, RVF_META_HEADER_SIZE);
    if (h) {
        rvfk_st_u32(h + RVF_META_OFF_SCHEMA_ID, 0);
        rvfk_st_u64(h + RVF_META_OFF_RANGE_START, id_start);
        rvfk_st_u64(h + RVF_META_OFF_RANGE_END, id_start + (nrows - 1));
        rvfk_st_u16(h + RVF_META_OFF_FIELD_COUNT, (uint16_t)ncols);
        h[RVF_META_OFF_ENCODING] = RVF_META_ENCODING_COLUMNS;
    }
    for (size_t i = 0; i < k; i++) {
        if (i && ents[i].fid == ents[i - 1].fid)
            continue;
        rvf_buf_u16(out, ents[i].fid);
        rvf_buf_u8(out, (uint8_t)meta_field_type(ents[i].v->type));
        rvf_buf_u8(out, RVF_FIELDF_NULLABLE);
        rvf_buf_u32(out, 0); /* field_offset, patched below */
    }
    rvf_buf_pad(out, start, 64);

    uint32_t col = 0;
    for (size_t i = 0; i < k && st == RVF_OK;) {
        size_t j = i + 1;
        while (j < k && ents[j].fid == ents[i].fid)
            j++;
        size_t off = out->len - start;
        if (out->oom)
            break;
        if (off > UINT32_MAX) {
            st = RVF_ERR_SEGMENT_TOO_LARGE;
            break;
        }
        rvfk_st_u32(out->data + start + RVF_META_HEADER_SIZE + (size_t)col * 8 + 4, (uint32_t)off);
        st = meta_put_column(out, start, (uint8_t)meta_field_type(ents[i].v->type), ents + i, j - i,
                             nrows);
        rvf_buf_pad(out, start, 64);
        col++;
        i = j;
    }
    rvf_free(ents);
    if (st == RVF_OK)
        st = rvf_buf_status(out);
    if (st != RVF_OK && !out->oom)
        out->len = start;
    return st;
}

/* ---- decoder ------------------------------------------------------------------------------- */

typedef struct meta_col {
    uint16_t fid;
    uint8_t type, flags;
    uint8_t bits;   /* enum: bits per code */
    size_t bitmap;  /* null bitmap offset, SIZE_MAX when the column has none */
    size_t data;    /* dense values, bool bits, enum codes or the first string code */
    size_t pos;     /* string/bytes: the next code */
    uint32_t ndict; /* string/bytes/enum dictionary entries */
    size_t *dict;   /* offsets of the entries' length prefixes */
} meta_col;

static int meta_col_cmp(const void *a, const void *b)
{
    const meta_col *x = a, *y = b;
    return (x->fid > y->fid) - (x->fid < y->fid);
}

/* Dictionary of `count` entries {len (lw bytes), bytes} at *pos; advances *pos. */
static rvf_status meta_parse_dict(const uint8_t *p, size_t len, size_t *pos, uint32_t count,
                                  size_t lw, meta_col *c)
{
    if (count > (len - *pos) / lw)
        return RVF_ERR_TRUNCATED_SEGMENT;
    c->ndict = count;
    c->dict = rvf_malloc(count ? count * sizeof *c->dict : 1);
    if (!c->dict)
        return RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < count; i++) {
        if (len - *pos < lw)
            return RVF_ERR_TRUNCATED_SEGMENT;
        size_t l = lw == 2 ? rvfk_ld_u16(p + *pos) : p[*pos];
        if (l > len - *pos - lw)
            return RVF_ERR_TRUNCATED_SEGMENT;
        c->dict[i] = *pos;
        *pos += lw + l;
    }
    return RVF_OK;
}

static rvf_status meta_parse_column(const uint8_t *p, size_t len, uint64_t n, size_t min_off,
                                    uint32_t off, meta_col *c)
{
    if (off % 64 || off < min_off || off > len)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint64_t pos = off, room = len;
    c->bitmap = SIZE_MAX;
    if ((c->flags & RVF_FIELDF_NULLABLE) && !meta_is_dict(c->type)) {
        c->bitmap = (size_t)pos;
        pos += meta_bitmap_size(n);
        if (pos > room)
            return RVF_ERR_TRUNCATED_SEGMENT;
    }
    uint64_t need;
    switch (c->type) {
    case RVF_FIELD_BOOL:
        need = (n + 7) / 8;
        break;
    case RVF_FIELD_ENUM: {
        size_t at = (size_t)pos;
        if (at >= len)
            return RVF_ERR_TRUNCATED_SEGMENT;
        uint8_t count = p[at++];
        rvf_status st = meta_parse_dict(p, len, &at, count, 1, c);
        if (st != RVF_OK)
            return st;
        if (at >= len)
            return RVF_ERR_TRUNCATED_SEGMENT;
        c->bits = p[at++];
        if (c->bits == 0 || c->bits > 8)
            return RVF_ERR_TRUNCATED_SEGMENT;
        pos = at;
        need = (n * c->bits + 7) / 8;
        break;
    }
    case RVF_FIELD_STRING:
    case RVF_FIELD_BYTES: {
        size_t at = (size_t)pos;
        if (len - at < 4)
            return RVF_ERR_TRUNCATED_SEGMENT;
        uint32_t count = rvfk_ld_u32(p + at);
        at += 4;
        rvf_status st = meta_parse_dict(p, len, &at, count, 2, c);
        if (st != RVF_OK)
            return st;
        pos = at + (4 - (at - off) % 4) % 4;
        need = 0; /* the codes are varints, bounded as they are read */
        break;
    }
    default:
        need = n * meta_width(c->type);
        break;
    }
    if (pos > room || need > room - pos)
        return RVF_ERR_TRUNCATED_SEGMENT;
    c->data = (size_t)pos;
    return RVF_OK;
}

static bool meta_bit(const uint8_t *p, size_t at, uint64_t i)
{
    return (p[at + (size_t)(i / 8)] >> (i % 8)) & 1;
}

static void meta_dict_value(const uint8_t *p, const meta_col *c, uint32_t code, rvf_value *v)
{
    size_t at = c->dict[code];
    bool wide = c->type != RVF_FIELD_ENUM;
    v->type = c->type == RVF_FIELD_BYTES ? RVF_VALUE_BYTES : RVF_VALUE_STRING;
    v->v.bytes.len = wide ? rvfk_ld_u16(p + at) : p[at];
    v->v.bytes.ptr = p + at + (wide ? 2 : 1);
}

/* Row r of column c into *v; *present false for a null slot. */
static rvf_status meta_cell(const uint8_t *p, size_t len, meta_col *c, uint64_t r, rvf_value *v,
                            bool *present)
{
    if (meta_is_dict(c->type)) {
        uint64_t code;
        rvf_status st = rvf_varint_get(p, len, &c->pos, &code);
        if (st != RVF_OK)
            return st;
        *present = !(code == RVF_META_CODE_NULL && (c->flags & RVF_FIELDF_NULLABLE));
        if (!*present)
            return RVF_OK;
        if (code >= c->ndict)
            return RVF_ERR_TRUNCATED_SEGMENT;
        meta_dict_value(p, c, (uint32_t)code, v);
        return RVF_OK;
    }
    *present = c->bitmap == SIZE_MAX || meta_bit(p, c->bitmap, r);
    if (!*present)
        return RVF_OK;
    const uint8_t *q = p + c->data + (size_t)(r * meta_width(c->type));
    switch (c->type) {
    case RVF_FIELD_BOOL:
        v->type = RVF_VALUE_BOOL;
        v->v.boolean = meta_bit(p, c->data, r);
        break;
    case RVF_FIELD_ENUM: {
        uint64_t bit = r * c->bits;
        uint32_t code = 0;
        for (unsigned b = 0; b < c->bits; b++)
            code |= (uint32_t)meta_bit(p, c->data, bit + b) << b;
        if (code >= c->ndict)
            return RVF_ERR_TRUNCATED_SEGMENT;
        meta_dict_value(p, c, code, v);
        break;
    }
    case RVF_FIELD_U32:
        v->type = RVF_VALUE_U32;
        v->v.u64 = rvfk_ld_u32(q);
        break;
    case RVF_FIELD_F32:
        v->type = RVF_VALUE_F32;
        v->v.f64 = rvfk_ld_f32(q);
        break;
    case RVF_FIELD_U64:
        v->type = RVF_VALUE_U64;
        v->v.u64 = rvfk_ld_u64(q);
        break;
    case RVF_FIELD_I64:
        v->type = RVF_VALUE_I64;
        v->v.i64 = (int64_t)rvfk_ld_u64(q);
        break;
    default: { /* F64 */
        union {
            uint64_t u;
            double d;
        } u;
        u.u = rvfk_ld_u64(q);
        v->type = RVF_VALUE_F64;
        v->v.f64 = u.d;
        break;
    }
    }
    return RVF_OK;
}

/* One pass over the rows; fn NULL only validates. */
static rvf_status meta_rows(const uint8_t *p, size_t len, meta_col *cols, uint16_t ncols,
                            uint64_t id_start, uint64_t n, rvf_value *vals,
                            rvf_status (*fn)(void *, uint64_t, const rvf_value *, uint32_t),
                            void *ctx)
{
    for (uint16_t c = 0; c < ncols; c++)
        cols[c].pos = cols[c].data;
    for (uint64_t r = 0; r < n; r++) {
        uint32_t k = 0;
        for (uint16_t c = 0; c < ncols; c++) {
            bool present;
            rvf_status st = meta_cell(p, len, &cols[c], r, &vals[k], &present);
            if (st != RVF_OK)
                return st;
            if (present)
                vals[k++].field_id = cols[c].fid;
        }
        if (fn) {
            rvf_status st = fn(ctx, id_start + r, vals, k);
            if (st != RVF_OK)
                return st;
        }
    }
    return RVF_OK;
}

bool rvf_metaseg_no_columns(const uint8_t *p, size_t len, uint64_t *lo, uint64_t *hi)
{
    if (!p || len < RVF_META_HEADER_SIZE || p[RVF_META_OFF_ENCODING] != RVF_META_ENCODING_COLUMNS ||
        rvfk_ld_u16(p + RVF_META_OFF_FIELD_COUNT) != 0)
        return false;
    *lo = rvfk_ld_u64(p + RVF_META_OFF_RANGE_START);
    *hi = rvfk_ld_u64(p + RVF_META_OFF_RANGE_END);
    return true;
}

rvf_status rvf_metaseg_decode(const uint8_t *p, size_t len,
                              rvf_status (*fn)(void *ctx, uint64_t id, const rvf_value *fields,
                                               uint32_t n),
                              void *ctx)
{
    if (!p || len < RVF_META_HEADER_SIZE)
        return RVF_ERR_TRUNCATED_SEGMENT;
    if (p[RVF_META_OFF_ENCODING] != RVF_META_ENCODING_COLUMNS)
        return RVF_OK; /* row-oriented (0) is undefined: opaque */
    uint64_t id_start = rvfk_ld_u64(p + RVF_META_OFF_RANGE_START);
    uint64_t id_end = rvfk_ld_u64(p + RVF_META_OFF_RANGE_END);
    /* A writer's row count is a u32; anything larger is corrupt rather than a real segment. */
    if (id_end < id_start || id_end - id_start >= UINT32_MAX)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint64_t n = id_end - id_start + 1;
    uint16_t ncols = rvfk_ld_u16(p + RVF_META_OFF_FIELD_COUNT);
    size_t dir_end = RVF_META_HEADER_SIZE + (size_t)ncols * RVF_META_FIELD_ENTRY_SIZE;
    if (dir_end > len)
        return RVF_ERR_TRUNCATED_SEGMENT;
    for (uint16_t c = 0; c < ncols; c++)
        if (p[RVF_META_HEADER_SIZE + (size_t)c * RVF_META_FIELD_ENTRY_SIZE + 2] > RVF_FIELD_BYTES)
            return RVF_OK; /* a field type we do not know: opaque */

    meta_col *cols = rvf_calloc(ncols ? ncols : 1, sizeof *cols);
    rvf_value *vals = rvf_calloc(ncols ? ncols : 1, sizeof *vals);
    rvf_status st = cols && vals ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    for (uint16_t c = 0; c < ncols && st == RVF_OK; c++) {
        const uint8_t *e = p + RVF_META_HEADER_SIZE + (size_t)c * RVF_META_FIELD_ENTRY_SIZE;
        cols[c].fid = rvfk_ld_u16(e);
        cols[c].type = e[2];
        cols[c].flags = e[3];
        st = meta_parse_column(p, len, n, dir_end, rvfk_ld_u32(e + 4), &cols[c]);
    }
    if (st == RVF_OK) {
        qsort(cols, ncols, sizeof *cols, meta_col_cmp);
        for (uint16_t c = 1; c < ncols; c++)
            if (cols[c].fid == cols[c - 1].fid)
                st = RVF_ERR_TRUNCATED_SEGMENT;
    }
    if (st == RVF_OK && ncols)
        st = meta_rows(p, len, cols, ncols, id_start, n, vals, NULL, NULL);
    if (st == RVF_OK && fn)
        st = meta_rows(p, len, cols, ncols, id_start, n, vals, fn, ctx);
    for (uint16_t c = 0; cols && c < ncols; c++)
        rvf_free(cols[c].dict);
    rvf_free(cols);
    rvf_free(vals);
    return st;
}

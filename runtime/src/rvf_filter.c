/* rvf_filter.c: the filter expression (FORMAT.md "Filter expression"): the rvf_filter_* builder,
 * validation and evaluation. Validation and evaluation are one parser, so every byte an evaluator
 * acts on has passed the same checks.
 *
 * Static typing: comparisons, IN_SET, PREFIX, CONTAINS, AND, OR and NOT produce booleans, and so
 * does LIT_BOOL. AND/OR/NOT accept only those, and the expression must leave exactly one of them;
 * a FIELD_REF is not statically boolean (the field may hold anything or be NULL). */
#include <string.h>

#include "rvf_internal.h"

/* ---- builder ------------------------------------------------------------------------------- */

void rvf_filter_init(rvf_filter *f)
{
    memset(f, 0, sizeof *f);
}

void rvf_filter_free(rvf_filter *f)
{
    if (!f)
        return;
    rvf_free(f->bytes);
    rvf_filter_init(f);
}

static void flt_fail(rvf_filter *f, rvf_status st)
{
    if (f->error == RVF_OK)
        f->error = st;
}

/* Append n bytes (header first), or NULL once the builder has failed. */
static uint8_t *flt_append(rvf_filter *f, size_t n)
{
    if (f->error != RVF_OK)
        return NULL;
    rvf_buf b = {f->bytes, f->len, f->cap, false};
    if (b.len == 0)
        rvf_buf_append(&b, RVF_FILTER_HEADER_SIZE);
    uint8_t *p = rvf_buf_append(&b, n);
    f->bytes = b.data;
    f->len = b.len;
    f->cap = b.cap;
    if (!p)
        flt_fail(f, RVF_ERR_OUT_OF_MEMORY);
    return p;
}

/* Account for one token popping `pop` and pushing `push`; keeps the header current. */
static void flt_node(rvf_filter *f, unsigned pop, unsigned push)
{
    if (f->error != RVF_OK)
        return;
    if (f->depth < pop || f->nodes == UINT16_MAX) {
        flt_fail(f, RVF_ERR_FILTER_PARSE_ERROR);
        return;
    }
    f->depth = (uint8_t)(f->depth - pop + push);
    if (f->depth > RVF_FILTER_MAX_DEPTH) {
        flt_fail(f, RVF_ERR_FILTER_PARSE_ERROR);
        return;
    }
    if (f->depth > f->max_depth)
        f->max_depth = f->depth;
    f->nodes++;
    rvfk_st_u16(f->bytes, f->nodes);
    f->bytes[2] = f->max_depth;
}

void rvf_filter_field(rvf_filter *f, uint16_t field_id)
{
    uint8_t *p = flt_append(f, 3);
    if (!p)
        return;
    p[0] = RVF_TOK_FIELD_REF;
    rvfk_st_u16(p + 1, field_id);
    flt_node(f, 0, 1);
}

/* One literal token (also the members of IN_SET). */
static void flt_literal(rvf_filter *f, const rvf_value *v)
{
    if (f->error != RVF_OK)
        return;
    if (!v) {
        flt_fail(f, RVF_ERR_INVALID_ARGUMENT);
        return;
    }
    uint8_t *p;
    switch (v->type) {
    case RVF_VALUE_NULL:
        if ((p = flt_append(f, 1)))
            p[0] = RVF_TOK_LIT_NULL;
        break;
    case RVF_VALUE_BOOL:
        if ((p = flt_append(f, 2))) {
            p[0] = RVF_TOK_LIT_BOOL;
            p[1] = v->v.boolean != 0;
        }
        break;
    case RVF_VALUE_U32:
        if (v->v.u64 > UINT32_MAX) {
            flt_fail(f, RVF_ERR_INVALID_ARGUMENT);
        } else if ((p = flt_append(f, 5))) {
            p[0] = RVF_TOK_LIT_U32;
            rvfk_st_u32(p + 1, (uint32_t)v->v.u64);
        }
        break;
    case RVF_VALUE_F32:
        if ((p = flt_append(f, 5))) {
            p[0] = RVF_TOK_LIT_F32;
            rvfk_st_f32(p + 1, (float)v->v.f64);
        }
        break;
    case RVF_VALUE_U64:
    case RVF_VALUE_I64:
        if ((p = flt_append(f, 9))) {
            p[0] = v->type == RVF_VALUE_U64 ? RVF_TOK_LIT_U64 : RVF_TOK_LIT_I64;
            rvfk_st_u64(p + 1, v->v.u64);
        }
        break;
    case RVF_VALUE_F64:
        if ((p = flt_append(f, 9))) {
            union {
                double d;
                uint64_t u;
            } c;
            c.d = v->v.f64;
            p[0] = RVF_TOK_LIT_F64;
            rvfk_st_u64(p + 1, c.u);
        }
        break;
    case RVF_VALUE_STRING:
    case RVF_VALUE_BYTES:
        if (v->v.bytes.len > UINT16_MAX || (v->v.bytes.len && !v->v.bytes.ptr)) {
            flt_fail(f, RVF_ERR_INVALID_ARGUMENT);
        } else if ((p = flt_append(f, 3 + (size_t)v->v.bytes.len))) {
            p[0] = RVF_TOK_LIT_STR;
            rvfk_st_u16(p + 1, (uint16_t)v->v.bytes.len);
            if (v->v.bytes.len)
                memcpy(p + 3, v->v.bytes.ptr, v->v.bytes.len);
        }
        break;
    default:
        flt_fail(f, RVF_ERR_INVALID_ARGUMENT);
        break;
    }
}

void rvf_filter_value(rvf_filter *f, const rvf_value *value)
{
    flt_literal(f, value);
    flt_node(f, 0, 1);
}

static bool flt_is_binary(uint8_t op)
{
    return (op >= RVF_FILTER_EQ && op <= RVF_FILTER_GE) || op == RVF_FILTER_PREFIX ||
           op == RVF_FILTER_CONTAINS || op == RVF_FILTER_AND || op == RVF_FILTER_OR;
}

void rvf_filter_op(rvf_filter *f, uint8_t op)
{
    if (!flt_is_binary(op) && op != RVF_FILTER_NOT) {
        flt_fail(f, RVF_ERR_INVALID_ARGUMENT); /* IN needs its set: rvf_filter_in */
        return;
    }
    unsigned pop = op == RVF_FILTER_NOT ? 1 : 2;
    if (f->error == RVF_OK && f->depth < pop) {
        flt_fail(f, RVF_ERR_FILTER_PARSE_ERROR);
        return;
    }
    uint8_t *p = flt_append(f, 1);
    if (!p)
        return;
    p[0] = op;
    flt_node(f, pop, 1);
}

void rvf_filter_in(rvf_filter *f, const rvf_value *set, uint16_t n)
{
    if (n && !set)
        flt_fail(f, RVF_ERR_INVALID_ARGUMENT);
    if (f->error == RVF_OK && f->depth < 1) {
        flt_fail(f, RVF_ERR_FILTER_PARSE_ERROR);
        return;
    }
    uint8_t *p = flt_append(f, 3);
    if (!p)
        return;
    p[0] = RVF_FILTER_IN;
    rvfk_st_u16(p + 1, n);
    for (uint16_t i = 0; i < n; i++)
        flt_literal(f, &set[i]);
    flt_node(f, 1, 1);
}

void rvf_filter_cmp(rvf_filter *f, uint16_t field_id, uint8_t op, const rvf_value *literal)
{
    if (!flt_is_binary(op) || op == RVF_FILTER_AND || op == RVF_FILTER_OR) {
        flt_fail(f, RVF_ERR_INVALID_ARGUMENT);
        return;
    }
    rvf_filter_field(f, field_id);
    rvf_filter_value(f, literal);
    rvf_filter_op(f, op);
}

void rvf_filter_range(rvf_filter *f, uint16_t field_id, const rvf_value *lo, const rvf_value *hi)
{
    rvf_filter_cmp(f, field_id, RVF_FILTER_GE, lo);
    rvf_filter_cmp(f, field_id, RVF_FILTER_LT, hi);
    rvf_filter_op(f, RVF_FILTER_AND);
}

rvf_status rvf_filter_finish(rvf_filter *f)
{
    if (f->error == RVF_OK && f->len == 0)
        flt_append(f, 0); /* an empty expression still gets its header, then fails validation */
    if (f->error != RVF_OK)
        return f->error;
    return rvf_filter_validate(f->bytes, f->len);
}

/* ---- parser / evaluator -------------------------------------------------------------------- */

typedef struct flt_slot {
    rvf_value v;
    bool boolean; /* statically boolean (see the top of the file) */
} flt_slot;

typedef struct flt_reader {
    const uint8_t *p;
    size_t len, pos;
} flt_reader;

static bool flt_take(flt_reader *r, size_t n, const uint8_t **out)
{
    if (r->len - r->pos < n)
        return false;
    *out = r->p + r->pos;
    r->pos += n;
    return true;
}

/* A literal token (type byte + payload) into *v. */
static bool flt_read_literal(flt_reader *r, rvf_value *v)
{
    const uint8_t *t, *q;
    if (!flt_take(r, 1, &t))
        return false;
    memset(v, 0, sizeof *v);
    switch (t[0]) {
    case RVF_TOK_LIT_U32:
        if (!flt_take(r, 4, &q))
            return false;
        v->type = RVF_VALUE_U32;
        v->v.u64 = rvfk_ld_u32(q);
        return true;
    case RVF_TOK_LIT_U64:
    case RVF_TOK_LIT_I64:
        if (!flt_take(r, 8, &q))
            return false;
        v->type = t[0] == RVF_TOK_LIT_U64 ? RVF_VALUE_U64 : RVF_VALUE_I64;
        v->v.u64 = rvfk_ld_u64(q);
        return true;
    case RVF_TOK_LIT_F32:
        if (!flt_take(r, 4, &q))
            return false;
        v->type = RVF_VALUE_F32;
        v->v.f64 = rvfk_ld_f32(q);
        return true;
    case RVF_TOK_LIT_F64: {
        union {
            uint64_t u;
            double d;
        } c;
        if (!flt_take(r, 8, &q))
            return false;
        c.u = rvfk_ld_u64(q);
        v->type = RVF_VALUE_F64;
        v->v.f64 = c.d;
        return true;
    }
    case RVF_TOK_LIT_STR:
        if (!flt_take(r, 2, &q))
            return false;
        v->type = RVF_VALUE_STRING;
        v->v.bytes.len = rvfk_ld_u16(q);
        return flt_take(r, v->v.bytes.len, &v->v.bytes.ptr);
    case RVF_TOK_LIT_BOOL:
        if (!flt_take(r, 1, &q) || q[0] > 1)
            return false;
        v->type = RVF_VALUE_BOOL;
        v->v.boolean = q[0];
        return true;
    case RVF_TOK_LIT_NULL:
        v->type = RVF_VALUE_NULL;
        return true;
    default:
        return false;
    }
}

static bool flt_is_int(uint8_t t)
{
    return t == RVF_VALUE_U64 || t == RVF_VALUE_U32 || t == RVF_VALUE_I64;
}
static bool flt_is_float(uint8_t t)
{
    return t == RVF_VALUE_F64 || t == RVF_VALUE_F32;
}
static bool flt_is_bytes(uint8_t t)
{
    return t == RVF_VALUE_STRING || t == RVF_VALUE_BYTES;
}

static double flt_as_f64(const rvf_value *v)
{
    if (flt_is_float(v->type))
        return v->v.f64;
    return v->type == RVF_VALUE_I64 ? (double)v->v.i64 : (double)v->v.u64;
}

/* Integers compare exactly: a negative i64 is below every unsigned value. */
static int flt_int_cmp(const rvf_value *a, const rvf_value *b)
{
    bool as = a->type == RVF_VALUE_I64, bs = b->type == RVF_VALUE_I64;
    if (as && bs)
        return (a->v.i64 > b->v.i64) - (a->v.i64 < b->v.i64);
    if (as && a->v.i64 < 0)
        return -1;
    if (bs && b->v.i64 < 0)
        return 1;
    return (a->v.u64 > b->v.u64) - (a->v.u64 < b->v.u64);
}

static bool flt_apply(uint8_t op, int c)
{
    switch (op) {
    case RVF_FILTER_EQ:
        return c == 0;
    case RVF_FILTER_NE:
        return c != 0;
    case RVF_FILTER_LT:
        return c < 0;
    case RVF_FILTER_LE:
        return c <= 0;
    case RVF_FILTER_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

/* a OP b under FORMAT.md's rules. Note where they differ from IEEE and from the reference's
 * in-memory filter: NaN makes every comparison false, NE included; so does a type mismatch (string
 * vs number, bool vs anything else); only NULL makes NE true against a non-NULL value. */
static bool flt_compare(uint8_t op, const rvf_value *a, const rvf_value *b)
{
    bool an = a->type == RVF_VALUE_NULL, bn = b->type == RVF_VALUE_NULL;
    if (an || bn) {
        if (op == RVF_FILTER_EQ)
            return an && bn;
        return op == RVF_FILTER_NE && an != bn;
    }
    if (flt_is_bytes(a->type) && flt_is_bytes(b->type)) {
        size_t al = a->v.bytes.len, bl = b->v.bytes.len, m = al < bl ? al : bl;
        int c = m ? memcmp(a->v.bytes.ptr, b->v.bytes.ptr, m) : 0;
        return flt_apply(op, c ? c : (al > bl) - (al < bl));
    }
    if (a->type == RVF_VALUE_BOOL && b->type == RVF_VALUE_BOOL) {
        if (op != RVF_FILTER_EQ && op != RVF_FILTER_NE)
            return false;
        return flt_apply(op, (a->v.boolean != 0) != (b->v.boolean != 0));
    }
    bool af = flt_is_float(a->type), bf = flt_is_float(b->type);
    if ((af || flt_is_int(a->type)) && (bf || flt_is_int(b->type))) {
        if (!af && !bf)
            return flt_apply(op, flt_int_cmp(a, b));
        double x = flt_as_f64(a), y = flt_as_f64(b);
        if (x != x || y != y)
            return false;
        return flt_apply(op, (x > y) - (x < y));
    }
    return false;
}

static bool flt_prefix(const rvf_value *a, const rvf_value *b)
{
    if (!flt_is_bytes(a->type) || !flt_is_bytes(b->type) || b->v.bytes.len > a->v.bytes.len)
        return false;
    return b->v.bytes.len == 0 || memcmp(a->v.bytes.ptr, b->v.bytes.ptr, b->v.bytes.len) == 0;
}

static bool flt_contains(const rvf_value *a, const rvf_value *b)
{
    if (!flt_is_bytes(a->type) || !flt_is_bytes(b->type) || b->v.bytes.len > a->v.bytes.len)
        return false;
    size_t m = b->v.bytes.len;
    if (m == 0)
        return true;
    for (size_t i = 0; i + m <= a->v.bytes.len; i++)
        if (a->v.bytes.ptr[i] == b->v.bytes.ptr[0] &&
            memcmp(a->v.bytes.ptr + i, b->v.bytes.ptr, m) == 0)
            return true;
    return false;
}

static void flt_set_bool(flt_slot *s, bool b)
{
    memset(&s->v, 0, sizeof s->v);
    s->v.type = RVF_VALUE_BOOL;
    s->v.v.boolean = b;
    s->boolean = true;
}

/* Parse an expression, evaluating it against `fields` when `eval`. */
static rvf_status flt_run(const uint8_t *expr, size_t len, bool eval, const rvf_value *fields,
                          uint32_t n, bool *match)
{
    if (!expr || len < RVF_FILTER_HEADER_SIZE)
        return RVF_ERR_FILTER_PARSE_ERROR;
    uint16_t nodes = rvfk_ld_u16(expr);
    uint8_t limit = expr[2];
    if (limit > RVF_FILTER_MAX_DEPTH)
        return RVF_ERR_FILTER_PARSE_ERROR;
    flt_slot st[RVF_FILTER_MAX_DEPTH];
    unsigned sp = 0;
    flt_reader r = {expr, len, RVF_FILTER_HEADER_SIZE};
    for (uint32_t i = 0; i < nodes; i++) {
        const uint8_t *t;
        if (!flt_take(&r, 1, &t))
            return RVF_ERR_FILTER_PARSE_ERROR;
        uint8_t tok = t[0];
        if (tok == RVF_TOK_FIELD_REF) {
            const uint8_t *q;
            if (sp >= limit || !flt_take(&r, 2, &q))
                return RVF_ERR_FILTER_PARSE_ERROR;
            uint16_t fid = rvfk_ld_u16(q);
            flt_slot *s = &st[sp++];
            memset(s, 0, sizeof *s);
            s->v.type = RVF_VALUE_NULL; /* a field the vector lacks is NULL */
            for (uint32_t j = 0; eval && j < n; j++)
                if (fields[j].field_id == fid) {
                    s->v = fields[j];
                    break;
                }
        } else if (tok >= RVF_TOK_LIT_U32 && tok <= RVF_TOK_LIT_F64) {
            r.pos--;
            if (sp >= limit || !flt_read_literal(&r, &st[sp].v))
                return RVF_ERR_FILTER_PARSE_ERROR;
            st[sp++].boolean = tok == RVF_TOK_LIT_BOOL;
        } else if ((tok >= RVF_FILTER_EQ && tok <= RVF_FILTER_GE) || tok == RVF_FILTER_PREFIX ||
                   tok == RVF_FILTER_CONTAINS) {
            if (sp < 2)
                return RVF_ERR_FILTER_PARSE_ERROR;
            sp--;
            bool b = false;
            if (eval) {
                const rvf_value *a = &st[sp - 1].v, *c = &st[sp].v;
                b = tok == RVF_FILTER_PREFIX     ? flt_prefix(a, c)
                    : tok == RVF_FILTER_CONTAINS ? flt_contains(a, c)
                                                 : flt_compare(tok, a, c);
            }
            flt_set_bool(&st[sp - 1], b);
        } else if (tok == RVF_FILTER_IN) {
            const uint8_t *q;
            if (sp < 1 || !flt_take(&r, 2, &q))
                return RVF_ERR_FILTER_PARSE_ERROR;
            uint16_t count = rvfk_ld_u16(q);
            bool b = false;
            for (uint16_t k = 0; k < count; k++) {
                rvf_value lit;
                if (!flt_read_literal(&r, &lit))
                    return RVF_ERR_FILTER_PARSE_ERROR;
                /* EQ gives exactly the IN_SET NULL rule: NULL matches only LIT_NULL. */
                b = b || (eval && flt_compare(RVF_FILTER_EQ, &st[sp - 1].v, &lit));
            }
            flt_set_bool(&st[sp - 1], b);
        } else if (tok == RVF_FILTER_AND || tok == RVF_FILTER_OR) {
            if (sp < 2 || !st[sp - 1].boolean || !st[sp - 2].boolean)
                return RVF_ERR_FILTER_PARSE_ERROR;
            sp--;
            bool x = st[sp - 1].v.v.boolean, y = st[sp].v.v.boolean;
            flt_set_bool(&st[sp - 1], tok == RVF_FILTER_AND ? x && y : x || y);
        } else if (tok == RVF_FILTER_NOT) {
            if (sp < 1 || !st[sp - 1].boolean)
                return RVF_ERR_FILTER_PARSE_ERROR;
            flt_set_bool(&st[sp - 1], !st[sp - 1].v.v.boolean);
        } else {
            return RVF_ERR_FILTER_PARSE_ERROR;
        }
    }
    if (r.pos != len || sp != 1 || !st[0].boolean)
        return RVF_ERR_FILTER_PARSE_ERROR;
    if (match)
        *match = st[0].v.v.boolean != 0;
    return RVF_OK;
}

rvf_status rvf_filter_validate(const uint8_t *bytes, size_t len)
{
    return flt_run(bytes, len, false, NULL, 0, NULL);
}

rvf_status rvf_filter_eval(const uint8_t *expr, size_t len, const rvf_value *fields, uint32_t n,
                           bool *match)
{
    if (n && !fields)
        return RVF_ERR_INVALID_ARGUMENT;
    return flt_run(expr, len, true, fields, n, match);
}

/* fuzz_filter.c: the filter expression decoder (rvf_filter_validate, rvf_filter_eval).
 * Input: one byte n (n % 8 fields), per field a type byte, a u16 field id and 8 value bytes
 * (string and bytes values: the first value byte % 32 is a length, that many input bytes follow),
 * then the encoded expression. Checks: validate and eval agree on the status (one parser, with
 * and without evaluation), eval gives the same answer twice and for the fields in reverse order
 * when field ids are distinct, statuses are FILTER_PARSE_ERROR or OK. */
#include "fuzz.h"

enum { MAX_FIELDS = 8 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size, 0};
    uint32_t nf = fuzz_u8(&in) % MAX_FIELDS;
    rvf_value f[MAX_FIELDS], rev[MAX_FIELDS];
    bool distinct = true;
    for (uint32_t i = 0; i < nf; i++) {
        memset(&f[i], 0, sizeof f[i]);
        f[i].type = (uint8_t)(fuzz_u8(&in) % 9);
        f[i].field_id = fuzz_u16(&in);
        uint64_t raw = fuzz_u64(&in);
        switch (f[i].type) {
        case RVF_VALUE_STRING:
        case RVF_VALUE_BYTES: {
            size_t l = (raw & 0xFF) % 32, avail = in.len - in.pos;
            l = l < avail ? l : avail;
            f[i].v.bytes.ptr = in.p + in.pos;
            f[i].v.bytes.len = (uint32_t)l;
            in.pos += l;
            break;
        }
        case RVF_VALUE_BOOL:
            f[i].v.boolean = (int)(raw & 1);
            break;
        case RVF_VALUE_F32: { /* a value an f32 field holds: widened from f32 */
            union {
                uint32_t u;
                float x;
            } c = {(uint32_t)raw};
            f[i].v.f64 = c.x;
            break;
        }
        case RVF_VALUE_F64:
            memcpy(&f[i].v.f64, &raw, sizeof raw);
            break;
        case RVF_VALUE_U32:
            f[i].v.u64 = (uint32_t)raw;
            break;
        default:
            f[i].v.u64 = raw;
            break;
        }
        for (uint32_t j = 0; j < i; j++)
            distinct = distinct && f[j].field_id != f[i].field_id;
    }
    for (uint32_t i = 0; i < nf; i++)
        rev[i] = f[nf - 1 - i];
    size_t len;
    const uint8_t *rest = fuzz_rest(&in, &len);
    uint8_t *expr = fuzz_dup(rest, len);

    rvf_status v = rvf_filter_validate(expr, len);
    FUZZ_ASSERT(v == RVF_OK || v == RVF_ERR_FILTER_PARSE_ERROR);
    bool m1 = false, m2 = false, m3 = false;
    rvf_status e1 = rvf_filter_eval(expr, len, nf ? f : NULL, nf, &m1);
    rvf_status e2 = rvf_filter_eval(expr, len, nf ? f : NULL, nf, &m2);
    FUZZ_ASSERT(e1 == v && e2 == v && m1 == m2);
    if (distinct) {
        rvf_status e3 = rvf_filter_eval(expr, len, nf ? rev : NULL, nf, &m3);
        FUZZ_ASSERT(e3 == v && m3 == m1);
    }
    free(expr);
    return 0;
}

/* fuzz_quantseg.c: QUANT_SEG payloads (rvf_quantseg_decode) and the quantizers they describe.
 * Input: the payload. Checks: the status order of rvf_quant.h (a payload accepted with its own
 * dimension expected, DIMENSION_MISMATCH with another); an accepted quantizer has the arrays
 * its type needs; re-encoding gives the payload back except the reserved header bytes; then the
 * quantizer is used: SQ encode / decode (finite values), SQ distances; PQ tables
 * for each metric, ADC, encode, decode (codes < K decode, a code >= K is INVALID_ARGUMENT);
 * binary encode / decode / Hamming (a code's distance to itself is 0). */
#include "fuzz.h"
#include "rvf_quant.h"

static void use_scalar(const rvf_quant *q, const float *v)
{
    uint8_t *codes = malloc(q->dim), *codes2 = malloc(q->dim);
    float *back = malloc(q->dim * sizeof *back);
    FUZZ_ASSERT(codes && codes2 && back);
    rvf_sq_encode(q, v, codes);
    rvf_sq_decode(q, codes, back);
    for (uint32_t d = 0; d < q->dim; d++)
        FUZZ_ASSERT(back[d] - back[d] == 0.0f); /* finite: min and max - min are */
    rvf_sq_encode(q, back, codes2);
    FUZZ_ASSERT(rvf_sq_l2_codes(q, codes, codes) == 0.0f);
    for (int m = 0; m < 4; m++)
        (void)rvf_sq_dist(q, (rvf_metric)m, v, codes);
    FUZZ_ASSERT(rvf_sq_dist(q, RVF_METRIC_HAMMING, v, codes) !=
                rvf_sq_dist(q, RVF_METRIC_HAMMING, v, codes)); /* NaN */
    free(codes);
    free(codes2);
    free(back);
}

static void use_pq(const rvf_quant *q, const float *v)
{
    size_t cap = (size_t)q->pq_m * q->pq_k;
    float *table = malloc(cap * sizeof *table), *back = malloc(q->dim * sizeof *back);
    uint8_t *codes = malloc(q->pq_m);
    FUZZ_ASSERT(table && back && codes);
    rvf_pq_encode(q, v, codes);
    for (uint32_t s = 0; s < q->pq_m; s++)
        FUZZ_ASSERT(codes[s] < q->pq_k);
    FUZZ_ASSERT(rvf_pq_decode(q, codes, back) == RVF_OK);
    for (int m = 0; m < 4; m++) {
        rvf_status st = rvf_pq_table(q, (rvf_metric)m, v, table, cap);
        FUZZ_ASSERT(st == (m == RVF_METRIC_HAMMING ? RVF_ERR_METRIC_UNSUPPORTED : RVF_OK));
        if (st == RVF_OK)
            (void)rvf_pq_adc(q, table, codes);
    }
    if (cap > 1)
        FUZZ_ASSERT(rvf_pq_table(q, RVF_METRIC_L2, v, table, cap - 1) == RVF_ERR_BUFFER_TOO_SMALL);
    if (q->pq_k < 256) {
        codes[0] = (uint8_t)q->pq_k;
        FUZZ_ASSERT(rvf_pq_decode(q, codes, back) == RVF_ERR_INVALID_ARGUMENT);
        for (uint32_t d = 0; d < q->pq_sub_dim; d++)
            FUZZ_ASSERT(back[d] == 0.0f);
    }
    free(table);
    free(back);
    free(codes);
}

static void use_binary(const rvf_quant *q, const float *v)
{
    size_t nb = rvf_bin_bytes(q->dim);
    uint8_t *code = malloc(nb), *code2 = malloc(nb);
    float *back = malloc(q->dim * sizeof *back);
    FUZZ_ASSERT(code && code2 && back);
    rvf_bin_encode(v, q->dim, code);
    if (q->dim % 8)
        FUZZ_ASSERT((code[nb - 1] >> (q->dim % 8)) == 0);
    rvf_bin_decode(code, q->dim, back);
    rvf_bin_encode(back, q->dim, code2);
    FUZZ_ASSERT(memcmp(code, code2, nb) == 0 && rvf_bin_hamming(code, code2, q->dim) == 0);
    free(code);
    free(code2);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = fuzz_dup(data, size);
    rvf_quant q;
    rvf_status st = rvf_quantseg_decode(p, size, 0, &q);
    FUZZ_ASSERT(fuzz_status_known(st));
    if (st != RVF_OK) {
        FUZZ_ASSERT(q.dim == 0 && q.min == NULL && q.codebook == NULL);
        free(p);
        return 0;
    }
    FUZZ_ASSERT(q.dim >= 1 && q.tier <= 2 && q.type <= RVF_QUANT_BINARY);
    FUZZ_ASSERT((q.type == RVF_QUANT_SCALAR) == (q.min != NULL && q.max != NULL));
    FUZZ_ASSERT((q.type == RVF_QUANT_PQ) == (q.codebook != NULL));
    rvf_quant x;
    FUZZ_ASSERT(rvf_quantseg_decode(p, size, q.dim, &x) == RVF_OK);
    rvf_quant_free(&x);
    if (q.dim < UINT16_MAX)
        FUZZ_ASSERT(rvf_quantseg_decode(p, size, (uint16_t)(q.dim + 1), &x) ==
                    RVF_ERR_DIMENSION_MISMATCH);

    rvf_buf out;
    rvf_buf_init(&out);
    FUZZ_ASSERT(rvf_quantseg_encode(&out, &q) == RVF_OK);
    memset(p + 4, 0, RVF_QUANTSEG_HEADER - 4); /* reserved: ignored by the reader */
    FUZZ_ASSERT(out.len == size && memcmp(out.data, p, size) == 0);
    rvf_buf_free(&out);

    float *v = malloc(q.dim * sizeof *v);
    FUZZ_ASSERT(v != NULL);
    for (uint32_t d = 0; d < q.dim; d++)
        v[d] = fuzz_row_value(d, 1) * 4.0f;
    if (q.type == RVF_QUANT_SCALAR)
        use_scalar(&q, v);
    else if (q.type == RVF_QUANT_PQ)
        use_pq(&q, v);
    else
        use_binary(&q, v);
    free(v);
    rvf_quant_free(&q);
    free(p);
    return 0;
}

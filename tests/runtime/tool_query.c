/* tool_query: opens a store read-only through the public API (dialect auto-detected) and prints
 * one JSON object: its status, its segment list and the top-K answers to a file of queries, so
 * refnode-gen.mjs can compare what this library reads with what @ruvector/rvf-node wrote.
 *
 * usage: tool_query FILE QUERIES.f32 K [--export OUT.rvf]
 *   QUERIES.f32: raw little-endian f32, `dimension` floats per query (may be empty).
 *   --export: also rvf_export_reference(store, OUT) and report its status.
 * Ids are printed as strings (u64 exact in JS), distances with %.9g (f32 round trip).
 * Exit 0 when the file opened (per-query statuses are in the output), 1 when it did not, 2 on a
 * usage or I/O error. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf.h"

static const char *status_name(rvf_status s)
{
    const char *n = rvf_status_name(s);
    return n ? n : "UNKNOWN";
}

static void put_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void put_hex(const uint8_t *b, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    putchar('"');
}

/* A non-finite distance would make the output invalid JSON; null keeps it parseable and fails
 * the comparison on the JS side. */
static void put_distance(float d)
{
    if (isfinite(d))
        printf("%.9g", (double)d);
    else
        fputs("null", stdout);
}

static const char *metric_name(rvf_metric m)
{
    switch (m) {
    case RVF_METRIC_L2:
        return "l2";
    case RVF_METRIC_IP:
        return "inner_product";
    case RVF_METRIC_COSINE:
        return "cosine";
    case RVF_METRIC_HAMMING:
        return "hamming";
    }
    return "unknown";
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *d = malloc(cap);
    while (d) {
        n += fread(d + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *g = realloc(d, cap *= 2);
        if (!g)
            free(d);
        d = g;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(d);
        return NULL;
    }
    *len = n;
    return d;
}

static void print_status(rvf_store *s, const rvf_status_info *si)
{
    printf("\"status\":{\"live_vectors\":%" PRIu64 ",\"total_vectors\":%" PRIu64
           ",\"deleted_vectors\":%" PRIu64 ",\"dimension\":%" PRIu32 ",\"metric\":\"%s\""
           ",\"epoch\":%" PRIu32 ",\"dialect\":%u,\"read_only\":%u,\"file_id\":",
           si->live_vectors, si->total_vectors, si->deleted_vectors, si->dimension,
           metric_name(si->metric), si->epoch, si->dialect, si->read_only);
    put_hex(si->file_id, sizeof si->file_id);
    fputs(",\"parent_id\":", stdout);
    put_hex(si->parent_id, sizeof si->parent_id);
    printf(",\"lineage_depth\":%" PRIu32 ",\"file_size\":%" PRIu64 ",\"manifest_offset\":%" PRIu64
           ",\"segments\":[",
           si->lineage_depth, si->file_size, si->manifest_offset);
    rvf_segment_info *segs = NULL;
    uint32_t nseg = 0;
    rvf_status st = rvf_segments(s, &segs, &nseg);
    for (uint32_t i = 0; st == RVF_OK && i < nseg; i++)
        printf("%s{\"type\":%u,\"id\":%" PRIu64 ",\"offset\":%" PRIu64
               ",\"payload_length\":%" PRIu64 "}",
               i ? "," : "", segs[i].seg_type, segs[i].segment_id, segs[i].offset,
               segs[i].payload_length);
    printf("],\"segments_status\":\"%s\"}", status_name(st));
    rvf_release(segs);
}

int main(int argc, char **argv)
{
    const char *export_path = NULL;
    if (argc == 6 && !strcmp(argv[4], "--export"))
        export_path = argv[5];
    else if (argc != 4) {
        fprintf(stderr, "usage: %s FILE QUERIES.f32 K [--export OUT.rvf]\n", argv[0]);
        return 2;
    }
    char *end;
    unsigned long k = strtoul(argv[3], &end, 10);
    if (*end || k > UINT32_MAX) {
        fprintf(stderr, "bad K: %s\n", argv[3]);
        return 2;
    }
    size_t qlen = 0;
    uint8_t *qbytes = slurp(argv[2], &qlen);
    if (!qbytes) {
        fprintf(stderr, "cannot read %s\n", argv[2]);
        return 2;
    }

    rvf_store *s = NULL;
    rvf_status st = rvf_open_readonly(argv[1], &s);
    if (st != RVF_OK) {
        printf("{\"error\":\"%s\",\"detail\":", status_name(st));
        put_json_string(rvf_last_error_detail());
        puts("}");
        free(qbytes);
        return 1;
    }
    rvf_status_info si;
    st = rvf_status_get(s, &si);
    if (st != RVF_OK || si.dimension == 0 || qlen % (4 * (size_t)si.dimension)) {
        fprintf(stderr, "status %s, dimension %" PRIu32 ", %zu query bytes\n", status_name(st),
                si.dimension, qlen);
        rvf_close(s);
        free(qbytes);
        return 2;
    }
    size_t dim = si.dimension, nq = qlen / (4 * dim);
    float *q = malloc(dim * sizeof *q);
    rvf_hit *hits = malloc((k ? k : 1) * sizeof *hits);
    if (!q || !hits) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }

    putchar('{');
    print_status(s, &si);
    fputs(",\"queries\":[", stdout);
    rvf_query_params params = {.k = (uint32_t)k, .metric = -1};
    for (size_t i = 0; i < nq; i++) {
        for (size_t d = 0; d < dim; d++)
            q[d] = rvfk_ld_f32(qbytes + (i * dim + d) * 4);
        uint32_t n = 0;
        st = rvf_query(s, q, (uint32_t)dim, &params, hits, &n);
        printf("%s{\"status\":\"%s\",\"hits\":[", i ? "," : "", status_name(st));
        for (uint32_t h = 0; h < n && h < k; h++) {
            printf("%s{\"id\":\"%" PRIu64 "\",\"distance\":", h ? "," : "", hits[h].id);
            put_distance(hits[h].distance);
            putchar('}');
        }
        fputs("]}", stdout);
    }
    putchar(']');
    if (export_path) {
        st = rvf_export_reference(s, export_path);
        printf(",\"export\":{\"status\":\"%s\",\"detail\":", status_name(st));
        put_json_string(st == RVF_OK ? "" : rvf_last_error_detail());
        putchar('}');
    }
    puts("}");
    rvf_close(s);
    free(hits);
    free(q);
    free(qbytes);
    return 0;
}

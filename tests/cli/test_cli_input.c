/* test_cli_input.c: the CLI's vector-file readers (native-host/cli_input.c): every format read
 * back with known values, batching, standard input, and each malformed input with its message. */
/* test programs build as strict C11: ask for POSIX explicitly */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_input.h"
#include "rvf_test.h"

static char g_tmp[512];

/* Write bytes to $RVF_TMP/name; returns the path (one of a few rotating buffers). */
static const char *put_file(const char *name, const void *bytes, size_t n)
{
    static char paths[4][600];
    static int k;
    char *p = paths[k++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", g_tmp, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(bytes, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", p);
        exit(1);
    }
    return p;
}

static const char *put_text(const char *name, const char *text)
{
    return put_file(name, text, strlen(text));
}

/* A .npy file: magic, version, header dict padded with spaces and '\n' to a multiple of 64. */
static size_t make_npy(uint8_t *out, int major, const char *dict, const void *data, size_t n)
{
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t hl = dl + 1;
    while ((pre + hl) % 64)
        hl++;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (uint8_t)major;
    out[7] = 0;
    if (major == 1) {
        out[8] = (uint8_t)hl;
        out[9] = (uint8_t)(hl >> 8);
    } else {
        for (int i = 0; i < 4; i++)
            out[8 + i] = (uint8_t)(hl >> (8 * i));
    }
    memcpy(out + pre, dict, dl);
    memset(out + pre + dl, ' ', hl - dl - 1);
    out[pre + hl - 1] = '\n';
    if (n)
        memcpy(out + pre + hl, data, n);
    return pre + hl + n;
}

static void put_le32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static void put_f32(uint8_t *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_le32(b, u);
}

static cli_input_options opts(const char *format, cli_ids_from ids, uint64_t first,
                              const cli_field_map *fields)
{
    cli_input_options o;
    memset(&o, 0, sizeof o);
    o.format = format;
    o.ids_from = ids;
    o.first_id = first;
    o.fields = fields;
    return o;
}

/* Open must fail with a message containing want. */
static void expect_open_err(const char *path, const cli_input_options *o, const char *want)
{
    char err[512] = "";
    cli_reader *r = (cli_reader *)1;
    int rc = cli_reader_open(path, o, &r, err, sizeof err);
    CHECK_EQ_INT(rc, -1);
    CHECK(r == NULL);
    if (!strstr(err, want))
        RVF_FAIL_AT("open %s: message \"%s\" lacks \"%s\"", path, err, want);
    rvf_test_checks++;
    if (rc == 0)
        cli_reader_close(r);
}

/* Open succeeds, reading fails with a message containing want (and repeats it). */
static void expect_read_err(const char *path, const cli_input_options *o, const char *want)
{
    char err[512] = "";
    cli_reader *r = NULL;
    if (cli_reader_open(path, o, &r, err, sizeof err) != 0) {
        RVF_FAIL_AT("open %s failed early: %s (wanted a read error \"%s\")", path, err, want);
        return;
    }
    cli_batch b;
    long n;
    int guard = 0;
    while ((n = cli_reader_next(r, 1000, &b, err, sizeof err)) > 0 && guard++ < 100) {
    }
    CHECK_EQ_INT(n, -1);
    rvf_test_checks++;
    if (!strstr(err, want))
        RVF_FAIL_AT("read %s: message \"%s\" lacks \"%s\"", path, err, want);
    char again[512] = "";
    CHECK_EQ_INT(cli_reader_next(r, 10, &b, again, sizeof again), -1);
    CHECK(strcmp(err, again) == 0);
    cli_reader_close(r);
}

/* Read a whole small file in one batch; returns the reader (caller closes) or NULL. */
static cli_reader *read_all(const char *path, const cli_input_options *o, cli_batch *b, long want)
{
    char err[512] = "";
    cli_reader *r = NULL;
    if (cli_reader_open(path, o, &r, err, sizeof err) != 0) {
        RVF_FAIL_AT("open %s: %s", path, err);
        return NULL;
    }
    long n = cli_reader_next(r, 1000, b, err, sizeof err);
    CHECK_EQ_INT(n, want);
    if (n < 0)
        fprintf(stderr, "    read %s: %s\n", path, err);
    return r;
}

static void expect_end(cli_reader *r)
{
    cli_batch b;
    char err[256] = "";
    CHECK_EQ_INT(cli_reader_next(r, 100, &b, err, sizeof err), 0);
    CHECK_EQ_INT(b.n, 0);
    CHECK_EQ_U64(cli_reader_bytes_done(r), cli_reader_bytes_total(r));
}

/* ---------------------------------------------------------------------------------------------
 * npy */

static void test_npy_f32(void)
{
    uint8_t data[12 * 4], file[256];
    for (int i = 0; i < 12; i++)
        put_f32(data + 4 * i, (float)i * 0.5f - 2.0f);
    size_t n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
                        data, sizeof data);
    const char *path = put_file("a.npy", file, n);
    cli_input_options o = opts(NULL, CLI_IDS_ROW, 100, NULL);
    cli_batch b;
    cli_reader *r = read_all(path, &o, &b, 3);
    if (!r)
        return;
    CHECK_EQ_INT(b.dim, 4);
    CHECK_EQ_INT(cli_reader_dim(r), 4);
    for (int i = 0; i < 12; i++)
        CHECK_EQ_BITS(b.vectors[i], (float)i * 0.5f - 2.0f);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_U64(b.ids[i], 100 + (uint64_t)i);
    CHECK(b.meta == NULL && b.meta_counts == NULL);
    CHECK_EQ_U64(cli_reader_bytes_total(r), n);
    expect_end(r);
    cli_reader_close(r);

    /* version 2.0 (u32 header length), 1-D shape = one vector, Python 2 'L' suffix, odd spacing */
    n = make_npy(file, 2, "{\"shape\":(4L,),\"fortran_order\":False,\"descr\":'<f4'}", data, 16);
    path = put_file("b.NPY", file, n);
    o = opts(NULL, CLI_IDS_ROW, 0, NULL);
    r = read_all(path, &o, &b, 1);
    if (!r)
        return;
    CHECK_EQ_INT(b.dim, 4);
    CHECK_EQ_BITS(b.vectors[3], -0.5f);
    CHECK_EQ_U64(b.ids[0], 0);
    expect_end(r);
    cli_reader_close(r);

    /* version 3.0, zero rows: nothing to read */
    n = make_npy(file, 3, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", NULL, 0);
    path = put_file("c.npy", file, n);
    r = read_all(path, &o, &b, 0);
    if (r) {
        CHECK_EQ_INT(b.dim, 4);
        cli_reader_close(r);
    }
}

static void test_npy_f16(void)
{
    /* 1.0, -2.0, 0.5, 65504, smallest subnormal, -0.0 */
    static const uint16_t h[6] = {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000};
    static const float want[6] = {1.0f, -2.0f, 0.5f, 65504.0f, 5.9604645e-8f, -0.0f};
    uint8_t data[12], file[256];
    for (int i = 0; i < 6; i++) {
        data[2 * i] = (uint8_t)h[i];
        data[2 * i + 1] = (uint8_t)(h[i] >> 8);
    }
    size_t n = make_npy(file, 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }",
                        data, sizeof data);
    const char *path = put_file("h.npy", file, n);
    cli_input_options o = opts("npy", CLI_IDS_FIELD, 0, NULL);
    cli_batch b;
    cli_reader *r = read_all(path, &o, &b, 2);
    if (!r)
        return;
    CHECK_EQ_INT(b.dim, 3);
    for (int i = 0; i < 6; i++)
        CHECK_EQ_BITS(b.vectors[i], want[i]);
    CHECK_EQ_U64(b.ids[1], 1);
    expect_end(r);
    cli_reader_close(r);
}

static void test_npy_batches(void)
{
    enum { ROWS = 1000, D = 5 };
    static uint8_t data[ROWS * D * 4], file[ROWS * D * 4 + 128];
    for (int i = 0; i < ROWS * D; i++)
        put_f32(data + 4 * i, (float)i);
    size_t n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 5), }",
                        data, sizeof data);
    const char *path = put_file("big.npy", file, n);
    cli_input_options o = opts(NULL, CLI_IDS_ROW, 7, NULL);
    char err[256];
    cli_reader *r = NULL;
    CHECK_EQ_INT(cli_reader_open(path, &o, &r, err, sizeof err), 0);
    if (!r)
        return;
    size_t total = 0, calls = 0;
    uint64_t last_done = cli_reader_bytes_done(r);
    cli_batch b;
    long got;
    while ((got = cli_reader_next(r, 64, &b, err, sizeof err)) > 0) {
        calls++;
        CHECK(got <= 64);
        CHECK(cli_reader_bytes_done(r) > last_done);
        last_done = cli_reader_bytes_done(r);
        for (long i = 0; i < got; i++) {
            CHECK_EQ_U64(b.ids[i], 7 + total + (size_t)i);
            CHECK_EQ_BITS(b.vectors[i * D + 2], (float)((total + (size_t)i) * D + 2));
        }
        total += (size_t)got;
    }
    CHECK_EQ_INT(got, 0);
    CHECK_EQ_INT(total, ROWS);
    CHECK_EQ_INT(calls, (ROWS + 63) / 64);
    CHECK_EQ_U64(cli_reader_bytes_done(r), n);
    CHECK_EQ_U64(cli_reader_bytes_total(r), n);
    cli_reader_close(r);
}

static void test_npy_errors(void)
{
    uint8_t data[64] = {0}, file[512];
    cli_input_options o = opts(NULL, CLI_IDS_ROW, 0, NULL);
    const char *path = put_file("t1.npy", "\x93NUM", 5);
    expect_open_err(path, &o, "truncated npy header (5 bytes)");

    size_t n =
        make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", data, 0);
    path = put_file("t2.npy", file, 30);
    expect_open_err(path, &o, "truncated npy header: it declares 118 bytes, only 20 follow");

    path = put_file("t3.npy", file, n); /* header only: the data is missing */
    expect_open_err(path, &o, "truncated data: shape (3, 4) of <f4 needs 48 bytes, the file has 0");
    n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", data, 47);
    path = put_file("t4.npy", file, n);
    expect_open_err(path, &o, "needs 48 bytes, the file has 47");
    n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", data, 52);
    path = put_file("t5.npy", file, n);
    expect_open_err(path, &o, "4 unexpected bytes after the data");

    n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }", data, 48);
    expect_open_err(put_file("f.npy", file, n), &o, "fortran_order arrays are not supported");
    n = make_npy(file, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 2), }", data, 48);
    expect_open_err(put_file("i8.npy", file, n), &o,
                    "dtype '<i8' is not supported (expected '<f4' float32 or '<f2' float16)");
    n = make_npy(file, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), }", data, 12);
    expect_open_err(put_file("u1.npy", file, n), &o, "dtype '|u1' is not supported");
    n = make_npy(file, 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3, 4), }", data, 48);
    expect_open_err(put_file("be.npy", file, n), &o, "dtype '>f4' is not supported");
    n = make_npy(file, 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }",
                 data, 12);
    expect_open_err(put_file("st.npy", file, n), &o, "structured dtypes are not supported");
    n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3), }", data,
                 48);
    expect_open_err(put_file("3d.npy", file, n), &o,
                    "shape has 3 dimensions; expected (n, dim) or (dim,)");
    n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data, 4);
    expect_open_err(put_file("0d.npy", file, n), &o, "shape has 0 dimensions");
    n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0), }", data, 0);
    expect_open_err(put_file("d0.npy", file, n), &o, "dimension 0 is out of range");
    n = make_npy(file, 1, "{'descr': '<f4', 'shape': (3, 4), }", data, 48);
    expect_open_err(put_file("nf.npy", file, n), &o, "npy header: missing 'fortran_order'");
    n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), 'x': 1}", data,
                 16);
    expect_open_err(put_file("xk.npy", file, n), &o, "npy header: unexpected key 'x'");
    n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, -4), }", data, 16);
    expect_open_err(put_file("neg.npy", file, n), &o, "'shape' holds something other than");
    n = make_npy(file, 1, "['descr']", data, 0);
    expect_open_err(put_file("nd.npy", file, n), &o, "expected a dictionary");

    n = make_npy(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }", data, 16);
    file[6] = 4;
    expect_open_err(put_file("v4.npy", file, n), &o, "npy version 4.0 is not supported");
    file[6] = 1;
    file[0] = 'x';
    expect_open_err(put_file("bm.npy", file, n), &o, "not a NumPy .npy file");
    expect_open_err(put_file("empty.npy", "", 0), &o, "truncated npy header (0 bytes)");
}

/* ---------------------------------------------------------------------------------------------
 * fvecs / bvecs */

static void test_vecs(void)
{
    uint8_t file[256];
    size_t n = 0;
    for (int rec = 0; rec < 3; rec++) {
        put_le32(file + n, 3);
        n += 4;
        for (int i = 0; i < 3; i++, n += 4)
            put_f32(file + n, (float)(rec * 10 + i) + 0.25f);
    }
    const char *path = put_file("a.fvecs", file, n);
    cli_input_options o = opts(NULL, CLI_IDS_ROW, 0, NULL);
    cli_batch b;
    cli_reader *r = read_all(path, &o, &b, 3);
    if (r) {
        CHECK_EQ_INT(b.dim, 3);
        CHECK_EQ_BITS(b.vectors[0], 0.25f);
        CHECK_EQ_BITS(b.vectors[5], 12.25f);
        CHECK_EQ_BITS(b.vectors[8], 22.25f);
        CHECK_EQ_U64(b.ids[2], 2);
        expect_end(r);
        cli_reader_close(r);
    }
    /* batches of 2 */
    char err[256];
    CHECK_EQ_INT(cli_reader_open(path, &o, &r, err, sizeof err), 0);
    if (r) {
        CHECK_EQ_INT(cli_reader_next(r, 2, &b, err, sizeof err), 2);
        CHECK_EQ_U64(cli_reader_bytes_done(r), 32);
        CHECK_EQ_INT(cli_reader_next(r, 2, &b, err, sizeof err), 1);
        CHECK_EQ_BITS(b.vectors[1], 21.25f);
        CHECK_EQ_U64(b.ids[0], 2);
        expect_end(r);
        cli_reader_close(r);
    }

    uint8_t bv[] = {4, 0, 0, 0, 0, 1, 128, 255, 4, 0, 0, 0, 7, 8, 9, 10};
    path = put_file("a.bvecs", bv, sizeof bv);
    o = opts(NULL, CLI_IDS_ROW, 50, NULL);
    r = read_all(path, &o, &b, 2);
    if (r) {
        CHECK_EQ_INT(b.dim, 4);
        CHECK_EQ_BITS(b.vectors[2], 128.0f);
        CHECK_EQ_BITS(b.vectors[3], 255.0f);
        CHECK_EQ_BITS(b.vectors[7], 10.0f);
        CHECK_EQ_U64(b.ids[1], 51);
        expect_end(r);
        cli_reader_close(r);
    }

    /* mismatched dimension in record 2 */
    put_le32(file + 32, 4);
    o = opts(NULL, CLI_IDS_ROW, 0, NULL);
    expect_read_err(put_file("mm.fvecs", file, n), &o,
                    "record 2 at byte offset 32: dimension 4 differs from the first record's 3");
    put_le32(file + 32, 3);
    expect_read_err(put_file("tr.fvecs", file, n - 4), &o,
                    "record 2 at byte offset 32: truncated (8 of 12 vector bytes)");
    expect_read_err(put_file("tr2.fvecs", file, 34), &o,
                    "record 2 at byte offset 32: truncated (2 of 4 dimension bytes)");
    put_le32(file, 0);
    expect_read_err(put_file("z.fvecs", file, n), &o,
                    "record 0 at byte offset 0: dimension 0 is out of range");
    put_le32(file, 0xffffffffu);
    expect_read_err(put_file("n.fvecs", file, n), &o, "dimension -1 is out of range");
    expect_read_err(put_file("t.bvecs", bv, 14), &o,
                    "t.bvecs: record 1 at byte offset 8: truncated (2 of 4 vector bytes)");
    expect_open_err(path, &(cli_input_options){NULL, CLI_IDS_COLUMN, 0, NULL},
                    "ids from a column need CSV or JSON Lines");
}

/* ---------------------------------------------------------------------------------------------
 * CSV */

static void test_csv(void)
{
    cli_input_options o = opts(NULL, CLI_IDS_ROW, 10, NULL);
    cli_batch b;
    cli_reader *r = read_all(put_text("a.csv", "1,2,3\n4.5, -6e-1 ,+7\n\n.5,5.,1E2"), &o, &b, 3);
    if (r) {
        static const float want[9] = {1, 2, 3, 4.5f, -0.6f, 7, 0.5f, 5, 100};
        CHECK_EQ_INT(b.dim, 3);
        for (int i = 0; i < 9; i++)
            CHECK_EQ_BITS(b.vectors[i], want[i]);
        CHECK_EQ_U64(b.ids[0], 10);
        CHECK_EQ_U64(b.ids[2], 12);
        expect_end(r);
        cli_reader_close(r);
    }
    /* header, CRLF, BOM */
    r = read_all(put_text("h.csv", "\xEF\xBB\xBF"
                                   "a,b\r\n1,2\r\n3,4\r\n"),
                 &o, &b, 2);
    if (r) {
        CHECK_EQ_INT(b.dim, 2);
        CHECK_EQ_BITS(b.vectors[3], 4.0f);
        CHECK_EQ_U64(b.ids[1], 11);
        expect_end(r);
        cli_reader_close(r);
    }
    /* ids from the first column */
    o = opts("csv", CLI_IDS_COLUMN, 0, NULL);
    r = read_all(put_text("id.txt", "id,x,y\n10,1,2\n18446744073709551615,3,4\n0,5,6\n"), &o, &b,
                 3);
    if (r) {
        CHECK_EQ_INT(b.dim, 2);
        CHECK_EQ_U64(b.ids[0], 10);
        CHECK_EQ_U64(b.ids[1], UINT64_MAX);
        CHECK_EQ_U64(b.ids[2], 0);
        CHECK_EQ_BITS(b.vectors[2], 3.0f);
        CHECK_EQ_BITS(b.vectors[5], 6.0f);
        expect_end(r);
        cli_reader_close(r);
    }
    /* an empty file is no vectors */
    o = opts(NULL, CLI_IDS_ROW, 0, NULL);
    r = read_all(put_text("e.csv", ""), &o, &b, 0);
    cli_reader_close(r);
}

static void test_csv_errors(void)
{
    cli_input_options o = opts(NULL, CLI_IDS_ROW, 0, NULL);
    expect_read_err(put_text("r.csv", "x,y,z\n1,2,3\n4,5\n"), &o,
                    "r.csv: line 3: 2 columns, expected 3 (as on line 2)");
    expect_read_err(put_text("r2.csv", "1,2\n4,5,6\n"), &o, "line 2: 3 columns, expected 2");
    expect_read_err(put_text("e.csv", "1,,3\n"), &o, "line 1, field 2: empty field");
    expect_read_err(put_text("e2.csv", "1,2,\n"), &o, "line 1, field 3: empty field");
    expect_read_err(put_text("t.csv", "1,abc,3\n"), &o, "line 1, field 2: 'abc' is not a number");
    expect_read_err(put_text("g.csv", "1,2\n1.5x,3\n"), &o,
                    "line 2, field 1: '1.5x' is not a number");
    expect_read_err(put_text("n.csv", "1,2\nnan,3\n"), &o,
                    "line 2, field 1: 'nan' is not a number");
    expect_read_err(put_text("i.csv", "1,2\n3,-inf\n"), &o, "'-inf' is not a number");
    expect_read_err(put_text("x.csv", "1,0x10\n"), &o, "'0x10' is not a number");
    expect_read_err(put_text("q.csv", "1,\"2\"\n"), &o, "'\"2\"' is not a number");
    expect_read_err(put_text("o.csv", "1,1e39\n"), &o, "1e39 is out of range for a 32-bit float");
    expect_read_err(put_file("z.csv", "1,2\n1,2\0,3\n", 10), &o, "line 2: contains a NUL byte");
    o = opts(NULL, CLI_IDS_COLUMN, 0, NULL);
    expect_read_err(put_text("id1.csv", "-1,2\n"), &o,
                    "line 1, field 1: id '-1' is not a non-negative integer");
    expect_read_err(put_text("id2.csv", "1.5,2\n"), &o, "id '1.5' is not a non-negative integer");
    expect_read_err(put_text("id3.csv", "18446744073709551616,2\n"), &o,
                    "id '18446744073709551616' exceeds 2^64-1");
    expect_read_err(put_text("id4.csv", "5\n"), &o, "line 1: no vector values after the id");
}

/* ---------------------------------------------------------------------------------------------
 * JSON Lines */

static void add_field(cli_field_map *m, const char *spec)
{
    char err[256] = "";
    if (cli_fields_add(m, spec, err, sizeof err) != 0)
        RVF_FAIL_AT("cli_fields_add(%s): %s", spec, err);
}

static int str_is(const rvf_value *v, const char *s)
{
    return v->type == RVF_VALUE_STRING && v->v.bytes.len == strlen(s) &&
           memcmp(v->v.bytes.ptr, s, v->v.bytes.len) == 0;
}

static void test_jsonl(void)
{
    cli_field_map m;
    cli_fields_init(&m);
    add_field(&m, "year=1");
    add_field(&m, "neg=2");
    add_field(&m, "score=3");
    add_field(&m, "lang=4");
    add_field(&m, "ok=5");
    add_field(&m, "no=6");
    add_field(&m, "gone=7");
    add_field(&m, "big=8");
    const char *text =
        "{\"id\": 7, \"vector\": [1, 2.5], \"meta\": {\"year\": 2021, \"neg\": -5, \"score\": "
        "0.25, \"lang\": \"en\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\", \"ok\": true, \"no\": false, "
        "\"gone\": null, \"#9\": \"x\xc3\xa9\", \"big\": 18446744073709551615}}\r\n"
        "\n"
        "  {\"vector\":[-1e-3,0]}  \n"
        "{\"vector\":[3,4],\"id\":18446744073709551615,\"meta\":{\"neg\":-9223372036854775808, "
        "\"score\": 1e300}}\n"
        "{\"meta\":null,\"vector\":[5,6]}\n";
    const char *path = put_text("a.jsonl", text);
    cli_input_options o = opts(NULL, CLI_IDS_FIELD, 100, &m);
    cli_batch b;
    cli_reader *r = read_all(path, &o, &b, 4);
    if (r && b.n == 4) {
        CHECK_EQ_INT(b.dim, 2);
        CHECK_EQ_BITS(b.vectors[1], 2.5f);
        CHECK_EQ_BITS(b.vectors[2], -1e-3f);
        CHECK_EQ_BITS(b.vectors[7], 6.0f);
        CHECK_EQ_U64(b.ids[0], 7);
        CHECK_EQ_U64(b.ids[1], 101); /* no "id": first_id + row number */
        CHECK_EQ_U64(b.ids[2], UINT64_MAX);
        CHECK_EQ_U64(b.ids[3], 103);
        CHECK(b.meta_counts != NULL);
        if (b.meta_counts) {
            CHECK_EQ_INT(b.meta_counts[0], 8); /* null is skipped */
            CHECK_EQ_INT(b.meta_counts[1], 0);
            CHECK_EQ_INT(b.meta_counts[2], 2);
            CHECK_EQ_INT(b.meta_counts[3], 0);
        }
        const rvf_value *v = b.meta;
        CHECK(v != NULL);
        if (v) {
            CHECK_EQ_INT(v[0].field_id, 1);
            CHECK_EQ_INT(v[0].type, RVF_VALUE_U64);
            CHECK_EQ_U64(v[0].v.u64, 2021);
            CHECK_EQ_INT(v[1].field_id, 2);
            CHECK_EQ_INT(v[1].type, RVF_VALUE_I64);
            CHECK_EQ_INT(v[1].v.i64, -5);
            CHECK_EQ_INT(v[2].field_id, 3);
            CHECK_EQ_INT(v[2].type, RVF_VALUE_F64);
            CHECK(v[2].v.f64 == 0.25);
            CHECK_EQ_INT(v[3].field_id, 4);
            CHECK(str_is(&v[3], "en\xc3\xa9\xf0\x9f\x98\x80\n\"\\/"));
            CHECK_EQ_INT(v[4].field_id, 5);
            CHECK_EQ_INT(v[4].type, RVF_VALUE_BOOL);
            CHECK_EQ_INT(v[4].v.boolean, 1);
            CHECK_EQ_INT(v[5].field_id, 6);
            CHECK_EQ_INT(v[5].type, RVF_VALUE_BOOL);
            CHECK_EQ_INT(v[5].v.boolean, 0);
            CHECK_EQ_INT(v[6].field_id, 9);
            CHECK(str_is(&v[6], "x\xc3\xa9"));
            CHECK_EQ_INT(v[7].field_id, 8);
            CHECK_EQ_INT(v[7].type, RVF_VALUE_U64);
            CHECK_EQ_U64(v[7].v.u64, UINT64_MAX);
            CHECK_EQ_INT(v[8].type, RVF_VALUE_I64);
            CHECK_EQ_INT(v[8].v.i64, INT64_MIN);
            CHECK_EQ_INT(v[9].type, RVF_VALUE_F64);
            CHECK(v[9].v.f64 == 1e300);
        }
        expect_end(r);
    }
    cli_reader_close(r);

    /* no metadata anywhere: meta_counts is NULL; ids from "id" are required under COLUMN */
    o = opts("ndjson", CLI_IDS_COLUMN, 0, NULL);
    r = read_all(put_text("b.data", "{\"id\":3,\"vector\":[1]}\n{\"vector\":[2],\"id\":1}\n"), &o,
                 &b, 2);
    if (r) {
        CHECK(b.meta_counts == NULL);
        CHECK_EQ_U64(b.ids[0], 3);
        CHECK_EQ_U64(b.ids[1], 1);
        cli_reader_close(r);
    }
    cli_fields_free(&m);
}

/* Strings stay valid for their own batch; each batch carries only its own metadata. */
static void test_jsonl_batches(void)
{
    char text[4096] = "";
    for (int i = 0; i < 7; i++) {
        char line[128];
        snprintf(line, sizeof line, "{\"vector\":[%d,%d.5],\"meta\":{\"#1\":\"s%d-%s\"}}\n", i, i,
                 i, i % 2 ? "odd" : "even");
        strcat(text, line);
    }
    const char *path = put_text("batch.jsonl", text);
    cli_input_options o = opts(NULL, CLI_IDS_ROW, 0, NULL);
    char err[256];
    cli_reader *r = NULL;
    CHECK_EQ_INT(cli_reader_open(path, &o, &r, err, sizeof err), 0);
    if (!r)
        return;
    cli_batch b;
    long got;
    int row = 0, calls = 0;
    while ((got = cli_reader_next(r, 3, &b, err, sizeof err)) > 0) {
        calls++;
        CHECK(b.meta_counts != NULL);
        for (long i = 0; i < got && b.meta_counts; i++, row++) {
            char want[32];
            snprintf(want, sizeof want, "s%d-%s", row, row % 2 ? "odd" : "even");
            CHECK_EQ_INT(b.meta_counts[i], 1);
            CHECK(str_is(&b.meta[i], want));
            CHECK_EQ_U64(b.ids[i], (uint64_t)row);
            CHECK_EQ_BITS(b.vectors[2 * i + 1], (float)row + 0.5f);
        }
    }
    CHECK_EQ_INT(got, 0);
    CHECK_EQ_INT(row, 7);
    CHECK_EQ_INT(calls, 3);
    CHECK_EQ_U64(cli_reader_bytes_done(r), strlen(text));
    cli_reader_close(r);

    /* CSV in batches too */
    path = put_text("batch.csv", "h\n1\n2\n3\n4\n5\n");
    CHECK_EQ_INT(cli_reader_open(path, &o, &r, err, sizeof err), 0);
    if (!r)
        return;
    long sizes[4];
    for (int i = 0; i < 4; i++) {
        sizes[i] = cli_reader_next(r, 2, &b, err, sizeof err);
        if (sizes[i] > 0)
            CHECK_EQ_BITS(b.vectors[0], (float)(2 * i + 1));
    }
    CHECK_EQ_INT(sizes[0], 2);
    CHECK_EQ_INT(sizes[1], 2);
    CHECK_EQ_INT(sizes[2], 1);
    CHECK_EQ_INT(sizes[3], 0);
    cli_reader_close(r);
}

static void test_jsonl_errors(void)
{
    cli_field_map m;
    cli_fields_init(&m);
    add_field(&m, "year=1");
    cli_input_options o = opts(NULL, CLI_IDS_FIELD, 0, &m);
    struct {
        const char *text, *want;
    } cases[] = {
        {"{\"vector\": [1 2]}", "e.jsonl: line 1, column 15: expected ',' or ']' after a vector "
                                "value, found '2'"},
        {"{\"id\": 1 \"vector\": [1]}", "line 1, column 10: expected ',' or '}', found '\"'"},
        {"{\"vector\": [1], \"meta\": {\"year\": 1 \"#2\": 2}}", "expected ',' or '}' after a "
                                                                 "meta value"},
        {"{\"vector\":[1],\"meta\":{\"#2\":\"a\\qb\"}}",
         "column 30: bad escape: backslash followed by 'q'"},
        {"{\"vector\":[1],\"meta\":{\"#2\":\"a\\u12G4\"}}", "bad \\u escape: expected 4 hex"},
        {"{\"vector\":[1],\"meta\":{\"#2\":\"\\udc00\"}}", "lone low surrogate"},
        {"{\"vector\":[1],\"meta\":{\"#2\":\"\\ud800x\"}}", "without a low one"},
        {"{\"vector\":[1],\"meta\":{\"#2\":\"a\xff\"}}", "invalid UTF-8"},
        {"{\"vector\":[1],\"meta\":{\"#2\":\"a\tb\"}}", "control character 0x09"},
        {"{\"vector\":[1],\"meta\":{\"#2\":\"abc}}", "unterminated string"},
        {"{\"vector\":[1]} x", "line 1, column 16: unexpected text after the object"},
        {"{\"vector\":[1]}{}", "unexpected text after the object"},
        {"{\"vector\":[1],}", "expected a key in quotes, found '}'"},
        {"{\"vector\":[1]", "expected ',' or '}', found the end of the line"},
        {"[1, 2]", "line 1, column 1: expected a JSON object '{', found '['"},
        {"{\"vector\":[1],\"foo\":2}",
         "unknown key 'foo' (expected \"id\", \"vector\" or \"meta\")"},
        {"{\"vector\":[1],\"vector\":[2]}", "key \"vector\" appears twice"},
        {"{\"id\":1}", "line 1: no \"vector\""},
        {"{\"vector\":[1],\"meta\":{\"xyz\":1}}",
         "line 1: unknown field 'xyz' (bind it with --field xyz=ID or write #ID)"},
        {"{\"vector\":[1],\"meta\":{\"year\":1,\"#1\":2}}", "field '#1' (#1) appears twice"},
        {"{\"vector\":[1],\"meta\":{\"#2\":[1]}}", "values must be numbers, strings, true, false"},
        {"{\"vector\":[1],\"meta\":{\"#2\":nan}}", "'nan' is not a number"},
        {"{\"vector\":[1],\"meta\":{\"#2\":-18446744073709551616}}",
         "out of the 64-bit integer range"},
        {"{\"vector\":[1],\"meta\":{\"#2\":-9223372036854775809}}",
         "out of the 64-bit integer range"},
        {"{\"vector\":[1],\"meta\":{\"#2\":1e999}}", "1e999 is out of range for a 64-bit float"},
        {"{\"vector\":[1],\"meta\":[]}", "expected an object for \"meta\""},
        {"{\"id\": -1, \"vector\": [1]}", "\"id\" must be a non-negative integer, found -1"},
        {"{\"id\": 1.5, \"vector\": [1]}", "\"id\" must be a non-negative integer, found 1.5"},
        {"{\"id\": 1e3, \"vector\": [1]}", "found 1e3"},
        {"{\"id\": \"7\", \"vector\": [1]}", "found a string"},
        {"{\"id\": 18446744073709551616, \"vector\": [1]}", "\"id\" 18446744073709551616 exceeds "
                                                            "2^64-1"},
        {"{\"id\": 01, \"vector\": [1]}", "leading zeros"},
        {"{\"vector\": [1, NaN]}", "column 16: 'NaN' is not a number"},
        {"{\"vector\": [Infinity]}", "'Infinity' is not a number"},
        {"{\"vector\": [1, \"2\"]}", "vector values must be numbers, found a string"},
        {"{\"vector\": [[1]]}", "vector values must be numbers, found an array"},
        {"{\"vector\": [true]}", "found a boolean"},
        {"{\"vector\": []}", "the vector is empty"},
        {"{\"vector\": [1,]}", "expected a value after ','"},
        {"{\"vector\": [1.]}", "expected a digit after '.'"},
        {"{\"vector\": [1e]}", "expected a digit in the exponent"},
        {"{\"vector\": [-]}", "expected a digit after '-'"},
        {"{\"vector\": [+1]}", "expected a value, found '+'"},
        {"{\"vector\": [3.5e38]}", "3.5e38 is out of range for a 32-bit float"},
        {"{\"vector\": 1}", "expected an array of numbers for \"vector\""},
        {"{vector: [1]}", "expected a key in quotes, found 'v'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_read_err(put_text("e.jsonl", cases[i].text), &o, cases[i].want);

    /* problems on later lines name that line */
    expect_read_err(put_text("l.jsonl", "{\"vector\":[1,2]}\n\n{\"vector\":[1,2,3]}\n"), &o,
                    "line 3: the vector has 3 values, expected 2 (as on line 1)");
    expect_read_err(put_text("u.jsonl", "{\"vector\":[1],\"meta\":{\"year\":1}}\n"
                                        "{\"vector\":[1],\"meta\":{\"xyz\":1}}\n"),
                    &o,
                    "u.jsonl: line 2: unknown field 'xyz' (bind it with --field xyz=ID or "
                    "write #ID)");
    o = opts(NULL, CLI_IDS_COLUMN, 0, &m);
    expect_read_err(put_text("c.jsonl", "{\"id\":1,\"vector\":[1]}\n{\"vector\":[1]}\n"), &o,
                    "line 2: no \"id\"");
    /* unbound names are unknown without a field map; "#N" works without one */
    o = opts(NULL, CLI_IDS_FIELD, 0, NULL);
    expect_read_err(put_text("nm.jsonl", "{\"vector\":[1],\"meta\":{\"#3\":1,\"year\":1}}\n"), &o,
                    "unknown field 'year'");
    cli_fields_free(&m);
}

/* ---------------------------------------------------------------------------------------------
 * cli_parse_vector_json, opening, stdin */

static void vec_err(const char *text, size_t cap, const char *want)
{
    float out[8];
    char err[256] = "";
    CHECK_EQ_INT(cli_parse_vector_json(text, out, cap, err, sizeof err), -1);
    rvf_test_checks++;
    if (!strstr(err, want))
        RVF_FAIL_AT("vector %s: message \"%s\" lacks \"%s\"", text, err, want);
}

static void test_vector_json(void)
{
    float out[8];
    char err[256] = "";
    CHECK_EQ_INT(cli_parse_vector_json("[1, 2.5, -3e-2]", out, 8, err, sizeof err), 3);
    CHECK_EQ_BITS(out[0], 1.0f);
    CHECK_EQ_BITS(out[1], 2.5f);
    CHECK_EQ_BITS(out[2], -3e-2f);
    CHECK_EQ_INT(cli_parse_vector_json(" \t[ 0 ]\n", out, 1, err, sizeof err), 1);
    CHECK_EQ_BITS(out[0], 0.0f);
    CHECK_EQ_INT(cli_parse_vector_json("[-0.0,1E+2,0.000001]", out, 3, err, sizeof err), 3);
    CHECK_EQ_BITS(out[0], -0.0f);
    CHECK_EQ_BITS(out[1], 100.0f);
    CHECK_EQ_BITS(out[2], 1e-6f);
    vec_err("[1 2]", 8, "column 4: expected ',' or ']' after a vector value, found '2'");
    vec_err("[]", 8, "column 2: the vector is empty");
    vec_err("[1,]", 8, "expected a value after ','");
    vec_err("[1] x", 8, "column 5: unexpected text after the vector");
    vec_err("[1,2,3]", 2, "column 6: the vector has more than 2 values");
    vec_err("[01]", 8, "leading zeros");
    vec_err("[inf]", 8, "'inf' is not a number");
    vec_err("[1, nan]", 8, "'nan' is not a number");
    vec_err("1,2", 8, "column 1: expected a vector like [0.5, 1, -2], found '1'");
    vec_err("", 8, "found the end of the text");
    vec_err("[1,", 8, "expected a value, found the end of the text");
    vec_err("[1e39]", 8, "1e39 is out of range for a 32-bit float");
    vec_err("[\"a\"]", 8, "found a string");
    vec_err("[0x10]", 8, "expected ',' or ']' after a vector value, found 'x'");
    CHECK_EQ_INT(cli_parse_vector_json(NULL, out, 8, err, sizeof err), -1);
}

static void test_open(void)
{
    cli_input_options o = opts(NULL, CLI_IDS_ROW, 0, NULL);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/does-not-exist.csv", g_tmp);
    expect_open_err(missing, &o, "cannot open");
    expect_open_err(missing, &o, "No such file");
    expect_open_err(put_text("x.txt", "1,2\n"), &o, "x.txt: cannot tell the format from the file");
    expect_open_err(put_text("noext", "1,2\n"), &o, "cannot tell the format");
    expect_open_err("-", &o, "reading standard input needs a format");
    o.format = "parquet";
    expect_open_err(put_text("y.csv", "1\n"), &o, "unknown input format 'parquet'");
    o.format = "CSV";
    char err[256];
    cli_reader *r = NULL;
    CHECK_EQ_INT(cli_reader_open(put_text("y.txt", "1\n"), &o, &r, err, sizeof err), 0);
    cli_reader_close(r);
    o.format = NULL;
    char dir[600];
    snprintf(dir, sizeof dir, "%s/adir.csv", g_tmp);
    mkdir(dir, 0755);
    expect_open_err(dir, &o, "is a directory");
    cli_reader_close(NULL);
}

static void test_stdin(void)
{
    const char *path = put_text("in.csv", "1,2\n3,4\n5,6\n");
    if (!freopen(path, "rb", stdin)) {
        fprintf(stderr, "    (stdin test skipped: %s)\n", strerror(errno));
        return;
    }
    cli_input_options o = opts("csv", CLI_IDS_ROW, 0, NULL);
    char err[256];
    cli_reader *r = NULL;
    CHECK_EQ_INT(cli_reader_open("-", &o, &r, err, sizeof err), 0);
    if (!r)
        return;
    cli_batch b;
    CHECK_EQ_INT(cli_reader_next(r, 2, &b, err, sizeof err), 2);
    CHECK_EQ_INT(cli_reader_next(r, 2, &b, err, sizeof err), 1);
    CHECK_EQ_BITS(b.vectors[1], 6.0f);
    CHECK_EQ_INT(cli_reader_next(r, 2, &b, err, sizeof err), 0);
    cli_reader_close(r); /* does not close stdin */
    CHECK(fileno(stdin) >= 0);

    path = put_text("in2.csv", "1,2\n3\n");
    if (!freopen(path, "rb", stdin))
        return;
    CHECK_EQ_INT(cli_reader_open("-", &o, &r, err, sizeof err), 0);
    if (!r)
        return;
    CHECK_EQ_INT(cli_reader_next(r, 10, &b, err, sizeof err), -1);
    CHECK(strstr(err, "<stdin>: line 2: 1 column, expected 2") != NULL);
    cli_reader_close(r);
}

int main(void)
{
    const char *t = getenv("RVF_TMP");
    snprintf(g_tmp, sizeof g_tmp, "%s", t && *t ? t : "/tmp/rvf-test_cli_input");
    if (mkdir(g_tmp, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s\n", g_tmp);
        return 1;
    }
    RVF_TEST_RUN(test_npy_f32);
    RVF_TEST_RUN(test_npy_f16);
    RVF_TEST_RUN(test_npy_batches);
    RVF_TEST_RUN(test_npy_errors);
    RVF_TEST_RUN(test_vecs);
    RVF_TEST_RUN(test_csv);
    RVF_TEST_RUN(test_csv_errors);
    RVF_TEST_RUN(test_jsonl);
    RVF_TEST_RUN(test_jsonl_batches);
    RVF_TEST_RUN(test_jsonl_errors);
    RVF_TEST_RUN(test_vector_json);
    RVF_TEST_RUN(test_open);
    RVF_TEST_RUN(test_stdin);
    return rvf_test_finish();
}

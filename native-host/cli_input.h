/* cli_input.h: vector files for `rvf ingest` and `rvf query --from` (native-host only).
 *
 * Formats (chosen by extension, or forced with a format name):
 *   npy    NumPy .npy v1/v2/v3, 2-D (or 1-D = one vector), C order, dtype <f4 or <f2 (also |u1/<i8
 *          rejected with a clear message); ids: row numbers unless given otherwise
 *   fvecs  repeated {int32 dim, dim x f32}        bvecs  repeated {int32 dim, dim x u8}
 *   csv    one vector per line, numbers separated by ',' (optional header line starting with a
 *          letter; with --ids-from column the first column is the id)
 *   jsonl  one JSON object per line: {"id": 12, "vector": [..], "meta": {"year": 2021, "#3": "x"}}
 *          ("id" optional; meta keys resolved through the field map: a bound name or "#N";
 *          values: integers (u64, or i64 when negative), numbers (f64), strings, true/false, null
 *          (skipped))
 * Every reader checks that all vectors have the same dimension (1..65535) and reports the line /
 * row / record and byte offset of the first problem. Messages are one line and start with the file
 * name ("<stdin>" for "-"), e.g. "data.jsonl: line 3, column 17: expected ',' or ']' after a vector
 * value, found '2'". Text numbers follow strtod's decimal syntax (CSV) or JSON's (JSONL); "nan",
 * "inf" and hex are refused, as are values that overflow f32. Binary NaN/Inf pass through (the
 * store refuses them). Blank lines and a UTF-8 BOM are ignored; CRLF line ends are accepted.
 * Files stream: a batch never holds more than `max` vectors, whatever the file size.
 */
#ifndef CLI_INPUT_H
#define CLI_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_filter.h"
#include "rvf.h"

/* Row numbers count delivered vectors from 0 (a CSV header or blank line is not a row). JSONL
 * takes "id" when present under both CLI_IDS_ROW and CLI_IDS_FIELD; CLI_IDS_COLUMN is refused at
 * open for npy/fvecs/bvecs. */
typedef enum cli_ids_from {
    CLI_IDS_ROW = 0,    /* id = first_id + row number (default) */
    CLI_IDS_COLUMN = 1, /* CSV: first column; JSONL: the "id" key (required) */
    CLI_IDS_FIELD = 2   /* JSONL: the "id" key when present, else row number */
} cli_ids_from;

typedef struct cli_input_options {
    const char *format;    /* "npy", "fvecs", "bvecs", "csv", "jsonl" ("ndjson") or NULL: by the
                              extension (.npy .fvecs .bvecs .csv .jsonl .ndjson, any case) */
    cli_ids_from ids_from; /* default CLI_IDS_ROW (JSONL: CLI_IDS_FIELD) */
    uint64_t first_id;     /* for CLI_IDS_ROW */
    const cli_field_map *fields; /* JSONL meta keys; NULL = only "#N" keys */
} cli_input_options;

/* One batch, owned by the reader, valid until the next call to cli_reader_next or close. */
typedef struct cli_batch {
    size_t n; /* vectors in this batch */
    uint32_t dim;
    const float *vectors;        /* n x dim */
    const uint64_t *ids;         /* n */
    const rvf_value *meta;       /* concatenated fields; strings point into the reader's buffers */
    const uint32_t *meta_counts; /* n entries, or NULL when no vector in the batch has metadata */
} cli_batch;

typedef struct cli_reader cli_reader;

/* path "-" reads standard input (format required). 0 on success, -1 with a message. npy headers
 * are read and checked here (dtype, order, shape, and the data length for regular files). */
int cli_reader_open(const char *path, const cli_input_options *opt, cli_reader **out, char *err,
                    size_t errlen);
/* Read up to max vectors (0 is taken as 1). Returns the count (0 at the end, with b->dim still
 * set when known), -1 with a message; after an error every call repeats it. */
long cli_reader_next(cli_reader *r, size_t max, cli_batch *b, char *err, size_t errlen);
/* The dimension seen so far: known after open for npy, after the first vector otherwise (else 0).
 */
uint32_t cli_reader_dim(const cli_reader *r);
/* For progress: bytes consumed and total bytes (0 when unknown, e.g. a pipe). */
uint64_t cli_reader_bytes_done(const cli_reader *r);
uint64_t cli_reader_bytes_total(const cli_reader *r);
/* Frees everything (batches included) and closes the file (never stdin). NULL is allowed. */
void cli_reader_close(cli_reader *r);

/* Parse one vector from JSON text "[0.1, 2, -3e-2]" into out (cap floats). Returns the dimension
 * (>= 1) or -1 with a message naming the column, e.g. "column 4: expected ',' or ']' after a
 * vector value, found '2'". */
long cli_parse_vector_json(const char *text, float *out, size_t cap, char *err, size_t errlen);

#endif

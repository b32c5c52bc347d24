/* rvf: the command line for RVF stores (create, ingest, query, delete, compact, status, inspect,
 * verify, dump, export, import). Public API only (runtime/include/rvf.h) plus the CLI helpers:
 * cli_input.h (vector files) and cli_filter.h (field names, filter syntax).
 *
 * Conventions: results go to stdout, messages to stderr, one line per error. Exit status 0 ok,
 * 1 the operation failed, 2 usage error, 3 verify found damage. A usage or input error never
 * touches the store: arguments, the filter and the input files are checked before the store is
 * opened for writing. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_filter.h"
#include "cli_input.h"
#include "rvf.h"

enum { RC_OK = 0, RC_FAIL = 1, RC_USAGE = 2, RC_DAMAGE = 3 };

static const char *g_cmd = "";
static int g_quiet, g_verbose;

/* ---------------------------------------------------------------------------------------------
 * Messages. */
static int fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "rvf: %s: ", g_cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return RC_FAIL;
}

static int usage(const char *fmt, ...)
{
    va_list ap;
    if (*g_cmd)
        fprintf(stderr, "rvf: %s: ", g_cmd);
    else
        fputs("rvf: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (*g_cmd)
        fprintf(stderr, "Try 'rvf %s --help'\n", g_cmd);
    else
        fputs("Try 'rvf --help'\n", stderr);
    return RC_USAGE;
}

/* The one positional argument PATH of most commands: a second one is a usage error. */
static int take_path(const char **path, const char *val)
{
    if (*path)
        return usage("unexpected argument '%s'", val);
    *path = val;
    return RC_OK;
}

/* --filter text to the format's encoding; a syntax error is a usage error (exit 2). */
static int compile_filter(const char *text, const cli_field_map *fields, rvf_filter *f)
{
    char err[512];
    if (cli_filter_compile(text, fields, f, err, sizeof err) != 0)
        return usage("%s", err);
    return RC_OK;
}

/* "rvf: CMD: <strerror> (<detail>)"; the path stands in for an empty detail. */
static int store_fail(rvf_status st, const char *path)
{
    const char *detail = rvf_last_error_detail();
    fprintf(stderr, "rvf: %s: %s (%s)\n", g_cmd, rvf_strerror(st),
            detail && *detail ? detail
            : path            ? path
                              : "");
    return RC_FAIL;
}

static void note(const char *fmt, ...)
{
    va_list ap;
    if (g_quiet)
        return;
    fprintf(stderr, "rvf: %s: note: ", g_cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---------------------------------------------------------------------------------------------
 * Option parsing: long options (--name VALUE, --name=VALUE), short ones (-k 5, -k5, -q), "--"
 * ends options, "-" is a positional argument (standard input). */
enum {
    O_HELP = 1,
    O_JSON,
    O_QUIET,
    O_VERBOSE,
    O_FIELD,
    O_DIM,
    O_METRIC,
    O_DTYPE,
    O_PROFILE,
    O_NO_WITNESS,
    O_FORMAT,
    O_BATCH,
    O_IDS_FROM,
    O_FIRST_ID,
    O_VECTOR,
    O_FROM,
    O_ROW,
    O_STDIN,
    O_K,
    O_FILTER,
    O_EF,
    O_IDS,
    O_DRY_RUN,
    O_LIMIT,
    O_DIALECT,
    O_M,
    O_EF_CONSTRUCTION,
    O_FULL,
    O_THREADS,
    O_WASM,
    O_PRIORITY,
    O_TIERS,
    O_COLD
};

typedef struct optdef {
    const char *name;
    char short_name;
    bool has_arg;
    int id;
} optdef;

typedef struct argstate {
    int argc;
    char **argv;
    int i;
    bool only_positional;
} argstate;

#define OPT_HELP                                                                                   \
    {                                                                                              \
        "help", 'h', false, O_HELP                                                                 \
    }
#define OPT_QUIET                                                                                  \
    {                                                                                              \
        "quiet", 'q', false, O_QUIET                                                               \
    }
#define OPT_JSON                                                                                   \
    {                                                                                              \
        "json", 0, false, O_JSON                                                                   \
    }
#define OPT_FIELD                                                                                  \
    {                                                                                              \
        "field", 0, true, O_FIELD                                                                  \
    }
#define OPT_END                                                                                    \
    {                                                                                              \
        NULL, 0, false, 0                                                                          \
    }

/* 1: an option (*id, *val); 0: a positional argument (*val); -1: the end; RC_USAGE: printed. */
static int next_arg(argstate *a, const optdef *defs, int *id, const char **val)
{
    if (a->i >= a->argc)
        return -1;
    char *arg = a->argv[a->i++];
    *val = NULL;
    if (a->only_positional || arg[0] != '-' || arg[1] == '\0') {
        *val = arg;
        return 0;
    }
    if (strcmp(arg, "--") == 0) {
        a->only_positional = true;
        return next_arg(a, defs, id, val);
    }
    const optdef *d = NULL;
    const char *inline_val = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (const optdef *p = defs; p->name; p++)
            if (strlen(p->name) == len && strncmp(p->name, name, len) == 0)
                d = p;
        if (!d) {
            usage("unknown option '--%.*s'", (int)len, name);
            return RC_USAGE;
        }
        if (eq) {
            if (!d->has_arg) {
                usage("option '--%s' takes no value", d->name);
                return RC_USAGE;
            }
            inline_val = eq + 1;
        }
    } else {
        for (const optdef *p = defs; p->name; p++)
            if (p->short_name && p->short_name == arg[1])
                d = p;
        if (!d) {
            usage("unknown option '-%c'", arg[1]);
            return RC_USAGE;
        }
        if (arg[2]) {
            if (!d->has_arg) {
                usage("unknown option '%s'", arg);
                return RC_USAGE;
            }
            inline_val = arg + 2;
        }
    }
    *id = d->id;
    if (d->has_arg) {
        if (inline_val)
            *val = inline_val;
        else if (a->i < a->argc)
            *val = a->argv[a->i++];
        else {
            usage("option '--%s' needs a value", d->name);
            return RC_USAGE;
        }
    }
    return 1;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (uint64_t)v;
    return true;
}

static int parse_num_opt(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!parse_u64(s, out) || *out < lo || *out > hi) {
        if (hi == UINT64_MAX)
            return usage("%s: '%s' is not a number >= %llu", opt, s, (unsigned long long)lo);
        return usage("%s: '%s' is not a number from %llu to %llu", opt, s, (unsigned long long)lo,
                     (unsigned long long)hi);
    }
    return RC_OK;
}

static int parse_metric(const char *s, int *out)
{
    if (strcmp(s, "l2") == 0)
        *out = RVF_METRIC_L2;
    else if (strcmp(s, "ip") == 0)
        *out = RVF_METRIC_IP;
    else if (strcmp(s, "cosine") == 0)
        *out = RVF_METRIC_COSINE;
    else
        return usage("--metric: '%s' is not one of l2, ip, cosine", s);
    return RC_OK;
}

static const char *metric_name(int m)
{
    switch (m) {
    case RVF_METRIC_L2:
        return "l2";
    case RVF_METRIC_IP:
        return "ip";
    case RVF_METRIC_COSINE:
        return "cosine";
    case RVF_METRIC_HAMMING:
        return "hamming";
    default:
        return "unknown";
    }
}

static const char *dtype_name(int d)
{
    return d == RVF_DTYPE_F32 ? "f32" : d == RVF_DTYPE_F16 ? "f16" : "unknown";
}

static const char *dialect_name(int d)
{
    return d == 0 ? "rvf" : "reference";
}

static int add_field(cli_field_map *m, const char *spec)
{
    char err[256];
    if (cli_fields_add(m, spec, err, sizeof err) != 0)
        return usage("--field: %s", err);
    return RC_OK;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A store path named on the command line must exist (a clearer message than the open's). */
static int check_store_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return fail("cannot open '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fail("cannot open '%s': it is a directory", path);
    return RC_OK;
}

static int open_readonly(const char *path, rvf_store **s)
{
    int rc = check_store_path(path);
    if (rc)
        return rc;
    rvf_status st = rvf_open_readonly(path, s);
    if (st != RVF_OK)
        return store_fail(st, path);
    return RC_OK;
}

/* Open for writing; a reference-dialect file opens read-only and is refused here. */
static int open_writable(const char *path, rvf_store **s)
{
    int rc = check_store_path(path);
    if (rc)
        return rc;
    rvf_status st = rvf_open(path, s);
    if (st != RVF_OK)
        return store_fail(st, path);
    rvf_status_info info;
    if (rvf_status_get(*s, &info) == RVF_OK && info.read_only) {
        rvf_close(*s);
        *s = NULL;
        return fail("%s: %s (a %s-dialect file; convert it with 'rvf import %s OUT.rvf')",
                    rvf_strerror(RVF_ERR_READ_ONLY), path, dialect_name(info.dialect), path);
    }
    return RC_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------------------------------
 * Printing values. Vector components (f32) use %.9g, which round-trips; f64 metadata uses %.17g
 * and always shows a '.' or an exponent so that `rvf ingest` reads it back as a float. */
static void json_string(FILE *o, const uint8_t *p, size_t n)
{
    fputc('"', o);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\')
            fprintf(o, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", o);
        else if (c == '\t')
            fputs("\\t", o);
        else if (c == '\r')
            fputs("\\r", o);
        else if (c < 0x20 || c == 0x7f)
            fprintf(o, "\\u%04x", c);
        else
            fputc(c, o);
    }
    fputc('"', o);
}

static void json_cstring(FILE *o, const char *s)
{
    json_string(o, (const uint8_t *)s, strlen(s));
}

static void json_f32(FILE *o, float v)
{
    if (!isfinite(v))
        fputs("null", o);
    else
        fprintf(o, "%.9g", (double)v);
}

static void json_f64(FILE *o, double v)
{
    if (!isfinite(v)) {
        fputs("null", o);
        return;
    }
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, o);
    if (!strpbrk(buf, ".eE"))
        fputs(".0", o);
}

static void json_value(FILE *o, const rvf_value *v)
{
    switch (v->type) {
    case RVF_VALUE_U64:
    case RVF_VALUE_U32:
        fprintf(o, "%" PRIu64, v->v.u64);
        break;
    case RVF_VALUE_I64:
        fprintf(o, "%" PRId64, v->v.i64);
        break;
    case RVF_VALUE_F64:
    case RVF_VALUE_F32:
        json_f64(o, v->v.f64);
        break;
    case RVF_VALUE_STRING:
        json_string(o, v->v.bytes.ptr, v->v.bytes.len);
        break;
    case RVF_VALUE_BYTES: /* JSON has no bytes: a hex string */
        fputs("\"0x", o);
        for (uint32_t i = 0; i < v->v.bytes.len; i++)
            fprintf(o, "%02x", v->v.bytes.ptr[i]);
        fputc('"', o);
        break;
    case RVF_VALUE_BOOL:
        fputs(v->v.boolean ? "true" : "false", o);
        break;
    default:
        fputs("null", o);
        break;
    }
}

static void field_key(char *buf, size_t cap, const cli_field_map *m, uint16_t id)
{
    const char *name = m ? cli_fields_name(m, id) : NULL;
    if (name)
        snprintf(buf, cap, "%s", name);
    else
        snprintf(buf, cap, "#%u", (unsigned)id);
}

static void json_meta(FILE *o, const cli_field_map *m, const rvf_value *f, uint32_t n)
{
    char key[80];
    fputc('{', o);
    for (uint32_t i = 0; i < n; i++) {
        field_key(key, sizeof key, m, f[i].field_id);
        if (i)
            fputc(',', o);
        json_cstring(o, key);
        fputc(':', o);
        json_value(o, &f[i]);
    }
    fputc('}', o);
}

/* Text form: name=value, strings quoted only when they would be ambiguous. */
static void text_meta(FILE *o, const cli_field_map *m, const rvf_value *f, uint32_t n)
{
    char key[80];
    for (uint32_t i = 0; i < n; i++) {
        field_key(key, sizeof key, m, f[i].field_id);
        fprintf(o, "%s%s=", i ? " " : "", key);
        if (f[i].type == RVF_VALUE_STRING) {
            bool plain = f[i].v.bytes.len > 0;
            for (uint32_t k = 0; k < f[i].v.bytes.len; k++) {
                uint8_t c = f[i].v.bytes.ptr[k];
                if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
                    plain = false;
            }
            if (plain)
                fwrite(f[i].v.bytes.ptr, 1, f[i].v.bytes.len, o);
            else
                json_string(o, f[i].v.bytes.ptr, f[i].v.bytes.len);
        } else if (f[i].type == RVF_VALUE_F64 || f[i].type == RVF_VALUE_F32) {
            fprintf(o, "%.9g", f[i].v.f64);
        } else {
            json_value(o, &f[i]);
        }
    }
}

static void hex(FILE *o, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(o, "%02x", p[i]);
}

/* ---------------------------------------------------------------------------------------------
 * Help texts. Every command lists its options, its exit status and examples. */
#define EXIT_TEXT "Exit status: 0 ok, 1 the operation failed, 2 usage error.\n"

static const char help_main[] =
    "Usage: rvf [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    "The RVF vector store on the command line.\n"
    "\n"
    "Commands:\n"
    "  create    create an empty store\n"
    "  ingest    add vectors from .npy, .fvecs, .bvecs, CSV or JSON Lines files\n"
    "  query     k nearest neighbours of a vector, with an optional metadata filter\n"
    "  delete    delete vectors by id or by filter\n"
    "  index     build or extend the HNSW index and store it in the file\n"
    "  compact   rewrite the store without deleted vectors and superseded segments\n"
    "  status    counts, dimension, metric, epoch, sizes\n"
    "  inspect   segments, manifest (Level 0 and Level 1) and manifest chain\n"
    "  verify    check every hash, block CRC, root checksum and the witness chain\n"
    "  dump      print vectors and metadata as JSON Lines (what ingest reads)\n"
    "  export    write a copy for @ruvector/rvf-node (--dialect runtime) or as RVF\n"
    "  import    convert a reference-dialect file to RVF\n"
    "  embed-kernel  store the tile microkernel in the file (WASM_SEG, self-bootstrap)\n"
    "  help      show the help of a command\n"
    "\n"
    "Common options: --field NAME=ID binds a metadata field name to its id (repeatable);\n"
    "--json prints machine-readable output; -q, --quiet prints nothing but errors.\n"
    "\n"
    "Exit status: 0 ok, 1 the operation failed, 2 usage error, 3 verify found damage.\n"
    "\n"
    "Examples:\n"
    "  rvf create docs.rvf --dim 384 --metric cosine\n"
    "  rvf ingest docs.rvf embeddings.npy --field year=1\n"
    "  rvf query docs.rvf --vector '[0.1, 0.2, ...]' -k 5 --field year=1 --filter 'year >= 2020'\n"
    "  rvf help ingest\n"
    "\n"
    "See rvf(1) for the filter syntax and the input formats.\n";

static const char help_create[] =
    "Usage: rvf create PATH --dim N [--metric l2|ip|cosine] [--dtype f32|f16] [--profile N]\n"
    "                  [--no-witness]\n"
    "\n"
    "Create an empty store at PATH, which must not exist.\n"
    "\n"
    "Options:\n"
    "  --dim N          vector dimension, 1 to 65535 (required)\n"
    "  --metric M       distance: l2 (squared Euclidean, default), ip (negated inner product),\n"
    "                   cosine (1 - cosine similarity)\n"
    "  --dtype T        stored element type: f32 (default) or f16 (vectors are given as f32)\n"
    "  --profile N      domain profile id, 0 to 255 (default 0, generic)\n"
    "  --no-witness     do not append a witness segment for this creation\n"
    "  -q, --quiet      print nothing on success\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf create docs.rvf --dim 384 --metric cosine\n"
    "  rvf create small.rvf --dim 4 --dtype f16 --no-witness\n";

static const char help_ingest[] =
    "Usage: rvf ingest PATH FILE... [--format F] [--batch N] [--ids-from row|column|field]\n"
    "                  [--first-id N] [--field NAME=ID]... [-q] [-v]\n"
    "\n"
    "Add the vectors of each FILE to the store at PATH, one durable commit per batch. The format\n"
    "comes from the extension (.npy, .fvecs, .bvecs, .csv, .jsonl/.ndjson) or --format. FILE '-'\n"
    "reads standard input (--format required). All files are opened and their first batch is\n"
    "read and checked (dimension, syntax) before anything is written. An error later in a file\n"
    "stops the run; the batches already committed stay committed and the message says how many.\n"
    "A progress bar (rate, ETA) is drawn on stderr when it is a terminal.\n"
    "\n"
    "Options:\n"
    "  --format F       npy, fvecs, bvecs, csv or jsonl (default: by extension)\n"
    "  --batch N        vectors per commit (default 10000)\n"
    "  --ids-from S     row: id = first id + row number across all files (default, except\n"
    "                   JSON Lines); column: CSV first column / JSON \"id\" (required);\n"
    "                   field: JSON \"id\" when present, else the row number (JSON Lines default)\n"
    "  --first-id N     the id of the first row (default 0)\n"
    "  --field NAME=ID  bind a metadata key of JSON Lines input to a field id (repeatable);\n"
    "                   keys may also be written \"#ID\"\n"
    "  -q, --quiet      print nothing on success\n"
    "  -v, --verbose    one line per file on stderr even when it is not a terminal\n"
    "  -h, --help       show this help\n"
    "\n"
    "Prints: ingested N vectors from M files in T s (R vectors/s); epoch E\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf ingest docs.rvf embeddings.npy\n"
    "  rvf ingest docs.rvf part1.jsonl part2.jsonl --field year=1 --field lang=2\n"
    "  rvf ingest docs.rvf data.csv --ids-from column --batch 50000\n";

static const char help_query[] =
    "Usage: rvf query PATH (--vector JSON | --from FILE --row N | --stdin) [-k K]\n"
    "                 [--filter EXPR] [--metric M] [--ef N] [--field NAME=ID]... [--json]\n"
    "\n"
    "The K nearest live vectors to a query vector (exact search), nearest first, with their\n"
    "metadata. Text output is a table (rank, id, distance, metadata as name=value, names from\n"
    "--field, else #ID); --json prints "
    "{\"results\":[{\"id\":\"..\",\"distance\":..,\"meta\":{..}}]}.\n"
    "Fewer than K eligible vectors is not an error (a note goes to stderr).\n"
    "\n"
    "Options:\n"
    "  --vector JSON    the query vector, e.g. '[0.1, 0.2, 0.3]'\n"
    "  --from FILE      read the query vector from a vector file (any ingest format) ...\n"
    "  --row N          ... at row N (0-based, default 0)\n"
    "  --stdin          one JSON vector per line on standard input, one result set per line\n"
    "                   (text: a table per query, separated by a blank line)\n"
    "  -k, --k K        number of results (default 10)\n"
    "  --filter EXPR    only vectors whose metadata match EXPR (see rvf(1), FILTER SYNTAX)\n"
    "  --metric M       l2, ip or cosine instead of the store's metric\n"
    "  --ef N           approximate search: HNSW with beam width N (graph built in memory on\n"
    "                   first use; f32 stores); without it the search is exact\n"
    "  --field NAME=ID  bind a field name for --filter and the output (repeatable)\n"
    "  --json           JSON output\n"
    "  -q, --quiet      no notes on stderr\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf query docs.rvf --vector '[0.1, 0.2, 0.3, 0.4]' -k 5\n"
    "  rvf query docs.rvf --from queries.npy --row 3 -k 10 --field year=1 \\\n"
    "      --filter 'year >= 2020 and #2 in (\"en\", \"de\")' --json\n"
    "  cat queries.jsonl | rvf query docs.rvf --stdin -k 3 --json\n";

static const char help_delete[] =
    "Usage: rvf delete PATH (--ids LIST | --filter EXPR) [--dry-run] [--field NAME=ID]... "
    "[--json]\n"
    "\n"
    "Delete vectors (soft delete; 'rvf compact' reclaims the space) and print how many live\n"
    "vectors were deleted. Unknown ids are ignored.\n"
    "\n"
    "Options:\n"
    "  --ids LIST       ids and ranges, e.g. 1,2,5-9 (ranges are inclusive)\n"
    "  --filter EXPR    every vector whose metadata match EXPR (see rvf(1), FILTER SYNTAX)\n"
    "  --dry-run        count what would be deleted; change nothing\n"
    "  --field NAME=ID  bind a field name for --filter (repeatable)\n"
    "  --json           print {\"deleted\":N,\"epoch\":E,\"dry_run\":false}\n"
    "  -q, --quiet      print nothing on success\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf delete docs.rvf --ids 1,2,5-9\n"
    "  rvf delete docs.rvf --field year=1 --filter 'year < 2000' --dry-run\n";

static const char help_index[] =
    "Usage: rvf index PATH [--m N] [--ef-construction N] [--metric M] [--full] [--threads N]\n"
    "                 [-q]\n"
    "\n"
    "Build or extend the store's HNSW index and write it into the file (INDEX_SEG),\n"
    "so later opens answer approximate queries (rvf query --ef) without rebuilding.\n"
    "The first run writes the whole graph as one sealed segment; later runs insert\n"
    "the vectors ingested since and append only the nodes that changed. Compaction\n"
    "carries the index over. Nothing new to index: nothing is written.\n"
    "\n"
    "Options:\n"
    "  --m N                links per node (layer 0: 2N), 2..2048 (default 16)\n"
    "  --ef-construction N  beam width while building (default 200); higher builds\n"
    "                       slower and gives better recall\n"
    "  --metric M           l2, ip or cosine (default: the store's metric)\n"
    "  --full               rebuild from scratch and replace the stored index\n"
    "  --threads N          build with N threads, 1..64 (default 1: the graph is then the\n"
    "                       same on every run)\n"
    "  -q, --quiet          print nothing on success\n"
    "  -h, --help           show this help\n"
    "\n"
    "A progress bar is drawn on stderr when it is a terminal.\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf index docs.rvf\n"
    "  rvf index docs.rvf --m 32 --ef-construction 400 --full\n"
    "  rvf query docs.rvf --vector 0.1,0.2,... -k 10 --ef 64\n";

static const char help_embed_kernel[] =
    "Usage: rvf embed-kernel PATH [--wasm FILE] [--priority N] [-q]\n"
    "\n"
    "Append the tile microkernel (kernel/tile, build/kernel/rvf_tile.wasm) to the store as a\n"
    "WASM_SEG (role Microkernel, target BareTile, SHAKE-256 bytecode hash), so a host can boot a\n"
    "tile from the file alone (tile-sim/hub.mjs --boot-from PATH). The module must be a\n"
    "WebAssembly binary under 8192 bytes (a tile's code memory). Prints the segment id.\n"
    "\n"
    "Options:\n"
    "  --wasm FILE      the module (default: $RVF_TILE_WASM)\n"
    "  --priority N     bootstrap_priority, 0..255 (default 0; lower is tried first)\n"
    "  -q, --quiet      print nothing on success\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf embed-kernel docs.rvf --wasm build/kernel/rvf_tile.wasm\n"
    "  node tile-sim/hub.mjs --boot-from docs.rvf --row 0 --k 5\n";

static const char help_compact[] =
    "Usage: rvf compact PATH [--tiers [--cold sq8|pq|binary]] [-q]\n"
    "\n"
    "Rewrite the store without deleted vectors and superseded segments (through\n"
    "PATH.compact.tmp and a rename; a crash leaves the old or the new file).\n"
    "\n"
    "With --tiers, every block of 1024 ids gets a temperature tier from the access\n"
    "sketch (queries count their hits): hot blocks (estimate > 128 in this and the\n"
    "previous sketch epoch) stay exact and go to the hot cache; warm blocks (> 16)\n"
    "are stored as 8-bit scalar codes; cold blocks with the --cold quantizer. Warm\n"
    "and cold vectors are LOSSY from then on: reads return the decoded values (SQ8:\n"
    "error <= 1/510 of each dimension's range; pq: 1 byte per 4 dimensions; binary:\n"
    "the sign only). A later compaction without --tiers keeps the decoded values.\n"
    "\n"
    "Options:\n"
    "  --tiers          hot / warm / cold temperature tiers (quantized warm and cold)\n"
    "  --cold Q         the cold tier's quantizer: sq8 (default), pq or binary\n"
    "  -q, --quiet      print nothing on success\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf compact docs.rvf\n"
    "  rvf delete docs.rvf --ids 1-1000 && rvf compact docs.rvf\n"
    "  rvf compact docs.rvf --tiers --cold pq\n";

static const char help_status[] =
    "Usage: rvf status PATH [--json]\n"
    "\n"
    "Print the store's counts (live, total, deleted), dimension, metric, dtype, profile, dialect,\n"
    "epoch, segment count, file size, dead bytes, manifest offset and file identity. Opens the\n"
    "file read-only.\n"
    "\n"
    "Options:\n"
    "  --json           one JSON object\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf status docs.rvf\n"
    "  rvf status docs.rvf --json\n";

static const char help_inspect[] =
    "Usage: rvf inspect PATH [--json]\n"
    "\n"
    "Print the segments the current manifest lists (offset, type, id, flags, payload length,\n"
    "hash status), the Level-0 root fields, the Level-1 records and the manifest chain (epoch,\n"
    "offset, newest first). For a reference-dialect file: its segments and status (it has no\n"
    "root and no Level 1). Opens the file read-only.\n"
    "\n"
    "Options:\n"
    "  --json           one JSON object\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf inspect docs.rvf\n"
    "  rvf inspect docs.rvf --json | jq '.segments[] | select(.type_name == \"VEC_SEG\")'\n";

static const char help_verify[] =
    "Usage: rvf verify PATH [--json] [-q]\n"
    "\n"
    "Check every segment the manifest lists (header against the directory, content hash, VEC\n"
    "block CRCs, JOURNAL and META structure), the witness chain and the root checksum. Prints\n"
    "one line per segment (OK, or the error and its detail) and a last line \"N segments, all\n"
    "verified\" or \"N segments, K failed\". A newer manifest that is damaged (open fell back to\n"
    "an older one) counts as a failure.\n"
    "\n"
    "Options:\n"
    "  --json           one JSON object\n"
    "  -q, --quiet      print only failures and the last line\n"
    "  -h, --help       show this help\n"
    "\n"
    "Exit status: 0 everything verified, 1 the file could not be read, 2 usage error,\n"
    "3 damage found.\n"
    "\n"
    "Examples:\n"
    "  rvf verify docs.rvf\n"
    "  rvf verify docs.rvf -q || echo damaged\n";

static const char help_dump[] =
    "Usage: rvf dump PATH [--limit N] [--field NAME=ID]...\n"
    "\n"
    "Print every live vector in ascending id order as JSON Lines:\n"
    "{\"id\":12,\"vector\":[..],\"meta\":{\"year\":2021}}, the format 'rvf ingest' reads back\n"
    "(metadata keys are bound names, else \"#ID\"; f32 metadata reads back as f64, bytes are\n"
    "printed as a \"0x..\" hex string).\n"
    "\n"
    "Options:\n"
    "  --limit N        stop after N vectors\n"
    "  --field NAME=ID  print field ID under NAME (repeatable)\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf dump docs.rvf --limit 3\n"
    "  rvf dump old.rvf > all.jsonl && rvf create new.rvf --dim 384 && rvf ingest new.rvf "
    "all.jsonl\n";

static const char help_export[] =
    "Usage: rvf export PATH OUT [--dialect runtime|rvf] [-q]\n"
    "\n"
    "Write the live vectors to a new file OUT (which must not exist).\n"
    "--dialect runtime (default) writes the reference runtime's dialect, which\n"
    "@ruvector/rvf-node opens (f32; metadata cannot be represented there and is dropped, with a\n"
    "note). --dialect rvf writes a compact RVF copy with metadata and a new file identity.\n"
    "\n"
    "Options:\n"
    "  --dialect D      runtime (default) or rvf\n"
    "  -q, --quiet      print nothing on success\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf export docs.rvf docs-node.rvf --dialect runtime\n"
    "  rvf export docs.rvf snapshot.rvf --dialect rvf\n";

static const char help_import[] =
    "Usage: rvf import REF OUT [-q]\n"
    "\n"
    "Convert REF, a file of the reference runtime's dialect (or any RVF file), to a new RVF file\n"
    "OUT (which must not exist) with the same vectors, dimension and metric.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet      print nothing on success\n"
    "  -h, --help       show this help\n"
    "\n" EXIT_TEXT "\n"
    "Examples:\n"
    "  rvf import from-node.rvf docs.rvf\n"
    "  rvf import from-node.rvf docs.rvf && rvf ingest docs.rvf more.npy\n";

static const char help_help[] = "Usage: rvf help [COMMAND]\n"
                                "\n"
                                "Show the help of COMMAND (the same as rvf COMMAND --help).\n"
                                "\n" EXIT_TEXT "\n"
                                "Examples:\n"
                                "  rvf help query\n"
                                "  rvf help\n";

/* ---------------------------------------------------------------------------------------------
 * create */
static int cmd_create(int argc, char **argv)
{
    static const optdef defs[] = {{"dim", 0, true, O_DIM},
                                  {"metric", 0, true, O_METRIC},
                                  {"dtype", 0, true, O_DTYPE},
                                  {"profile", 0, true, O_PROFILE},
                                  {"no-witness", 0, false, O_NO_WITNESS},
                                  OPT_QUIET,
                                  OPT_HELP,
                                  OPT_END};
    argstate a = {argc, argv, 0, false};
    const char *path = NULL, *val;
    uint64_t dim = 0, profile = 0;
    int metric = RVF_METRIC_L2, id = 0, r, rc;
    rvf_dtype dtype = RVF_DTYPE_F32;
    bool no_witness = false;
    while ((r = next_arg(&a, defs, &id, &val)) >= 0) {
        if (r == RC_USAGE)
            return RC_USAGE;
        if (r == 0) {
            if ((rc = take_path(&path, val)))
                return rc;
            continue;
        }
        switch (id) {
        case O_HELP:
            fputs(help_create, stdout);
            return RC_OK;
        case O_DIM:
            if ((rc = parse_num_opt("--dim", val, 1, 65535, &dim)))
                return rc;
            break;
        case O_METRIC:
            if ((rc = parse_metric(val, &metric)))
                return rc;
            break;
        case O_DTYPE:
            if (strcmp(val, "f32") == 0)
                dtype = RVF_DTYPE_F32;
            else if (strcmp(val, "f16") == 0)
                dtype = RVF_DTYPE_F16;
            else
                return usage("--dtype: '%s' is not one of f32, f16", val);
            break;
        case O_PROFILE:
            if ((rc = parse_num_opt("--profile", val, 0, 255, &profile)))
                return rc;
            break;
        case O_NO_WITNESS:
            no_witness = true;
            break;
        case O_QUIET:
            g_quiet = 1;
            break;
        }
    }
    if (r == RC_USAGE)
        return RC_USAGE;
    if (!path)
        return usage("missing PATH");
    if (!dim)
        return usage("missing --dim N");
    if (file_exists(path))
        return fail("'%s' already exists", path);
    rvf_options o = rvf_options_default((uint32_t)dim);
    o.metric = (rvf_metric)metric;
    o.dtype = dtype;
    o.profile_id = (uint8_t)profile;
    o.no_witness = no_witness ? 1 : 0;
    rvf_store *s = NULL;
    rvf_status st = rvf_create(path, &o, &s);
    if (st != RVF_OK)
        return store_fail(st, path);
    st = rvf_close(s);
    if (st != RVF_OK)
        return store_fail(st, path);
    if (!g_quiet)
        printf("created %s: dimension %llu, metric %s, dtype %s, profile %llu\n", path,
               (unsigned long long)dim, metric_name(metric), dtype_name(dtype),
               (unsigned long long)profile);
    return RC_OK;
}

/* ---------------------------------------------------------------------------------------------
 * ingest */
typedef struct in_file {
    const char *path;
    cli_reader *r;
    cli_batch first; /* read before the store is opened: the file's dimension and syntax */
    long first_n;
    cli_ids_from ids_from;
} in_file;

static const char *format_of(const char *path, const char *forced)
{
    if (forced)
        return forced;
    const char *dot = strrchr(path, '.');
    if (!dot)
        return "";
    if (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".ndjson") == 0 || strcmp(dot, ".json") == 0)
        return "jsonl";
    return dot + 1;
}

/* "FILE line 7: ..." when the reader's message (which starts "FILE: ") gives a position next,
 * else "FILE: ...". */
static void where(char *buf, size_t cap, const char *path, const char *err)
{
    size_t pl = strlen(path);
    if (strncmp(err, path, pl) == 0 && strncmp(err + pl, ": ", 2) == 0)
        err += pl + 2;
    bool pos = strncmp(err, "line ", 5) == 0 || strncmp(err, "row ", 4) == 0 ||
               strncmp(err, "record ", 7) == 0 || strncmp(err, "byte ", 5) == 0;
    snprintf(buf, cap, "%s%s%s", path, pos ? " " : ": ", err);
}

typedef struct progress {
    bool on;
    double start, last;
    uint64_t bytes_total; /* 0: unknown */
} progress;

static void progress_draw(progress *p, uint64_t vectors, uint64_t bytes_done, bool final)
{
    if (!p->on)
        return;
    double t = now_s();
    if (!final && t - p->last < 0.1)
        return;
    p->last = t;
    double el = t - p->start;
    double rate = el > 0 ? (double)vectors / el : 0;
    char eta[32] = "";
    char bar[32] = "";
    if (p->bytes_total) {
        double frac = (double)bytes_done / (double)p->bytes_total;
        if (frac > 1)
            frac = 1;
        int fill = (int)(frac * 20);
        for (int i = 0; i < 20; i++)
            bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
        bar[20] = '\0';
        if (frac > 0 && !final) {
            double left = el * (1 - frac) / frac;
            snprintf(eta, sizeof eta, "  ETA %d:%02d", (int)(left / 60), (int)left % 60);
        }
        fprintf(stderr, "\r[%s] %3d%%  %llu vectors  %.0f/s%s\033[K", bar, (int)(frac * 100),
                (unsigned long long)vectors, rate, eta);
    } else {
        fprintf(stderr, "\r%llu vectors  %.0f/s\033[K", (unsigned long long)vectors, rate);
    }
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

static int cmd_ingest(int argc, char **argv)
{
    static const optdef defs[] = {{"format", 0, true, O_FORMAT},
                                  {"batch", 0, true, O_BATCH},
                                  {"ids-from", 0, true, O_IDS_FROM},
                                  {"first-id", 0, true, O_FIRST_ID},
                                  OPT_FIELD,
                                  OPT_QUIET,
                                  {"verbose", 'v', false, O_VERBOSE},
                                  OPT_HELP,
                                  OPT_END};
    argstate a = {argc, argv, 0, false};
    const char *path = NULL, *val, *format = NULL;
    uint64_t batch = 10000, first_id = 0;
    int ids_from = -1, id = 0, r, rc = RC_OK;
    cli_field_map fields;
    cli_fields_init(&fields);
    in_file *files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    rvf_store *s = NULL;
    uint64_t *ids = NULL;
    if (!files)
        return fail("out of memory");
    while ((r = next_arg(&a, defs, &id, &val)) >= 0) {
        if (r == RC_USAGE) {
            rc = RC_USAGE;
            goto out;
        }
        if (r == 0) {
            if (!path)
                path = val;
            else
                files[nfiles++].path = val;
            continue;
        }
        switch (id) {
        case O_HELP:
            fputs(help_ingest, stdout);
            goto out;
        case O_FORMAT:
            if (strcmp(val, "npy") && strcmp(val, "fvecs") && strcmp(val, "bvecs") &&
                strcmp(val, "csv") && strcmp(val, "jsonl")) {
                rc = usage("--format: '%s' is not one of npy, fvecs, bvecs, csv, jsonl", val);
                goto out;
            }
            format = val;
            break;
        case O_BATCH:
            if ((rc = parse_num_opt("--batch", val, 1, 100000000, &batch)))
                goto out;
            break;
        case O_IDS_FROM:
            if (strcmp(val, "row") == 0)
                ids_from = CLI_IDS_ROW;
            else if (strcmp(val, "column") == 0)
                ids_from = CLI_IDS_COLUMN;
            else if (strcmp(val, "field") == 0)
                ids_from = CLI_IDS_FIELD;
            else {
                rc = usage("--ids-from: '%s' is not one of row, column, field", val);
                goto out;
            }
            break;
        case O_FIRST_ID:
            if ((rc = parse_num_opt("--first-id", val, 0, UINT64_MAX, &first_id)))
                goto out;
            break;
        case O_FIELD:
            if ((rc = add_field(&fields, val)))
                goto out;
            break;
        case O_QUIET:
            g_quiet = 1;
            break;
        case O_VERBOSE:
            g_verbose = 1;
            break;
        }
    }
    if (r == RC_USAGE) {
        rc = RC_USAGE;
        goto out;
    }
    if (!path) {
        rc = usage("missing PATH");
        goto out;
    }
    if (!nfiles) {
        rc = usage("missing FILE (the vectors to ingest)");
        goto out;
    }
    if ((rc = check_store_path(path)))
        goto out;

    /* Open every input and read its first batch before the store is touched. */
    char err[512], loc[1024];
    for (size_t i = 0; i < nfiles; i++) {
        in_file *f = &files[i];
        bool jsonl = strcmp(format_of(f->path, format), "jsonl") == 0;
        f->ids_from = ids_from >= 0 ? (cli_ids_from)ids_from : jsonl ? CLI_IDS_FIELD : CLI_IDS_ROW;
        cli_input_options io = {format, f->ids_from, first_id, &fields};
        err[0] = '\0';
        if (cli_reader_open(f->path, &io, &f->r, err, sizeof err) != 0) {
            f->r = NULL;
            rc = fail("%s", err[0] ? err : f->path);
            goto out;
        }
        f->first_n = cli_reader_next(f->r, (size_t)batch, &f->first, err, sizeof err);
        if (f->first_n < 0) {
            where(loc, sizeof loc, f->path, err);
            rc = fail("%s; nothing was committed", loc);
            goto out;
        }
    }
    if ((rc = open_writable(path, &s)))
        goto out;
    rvf_status_info info;
    rvf_status st = rvf_status_get(s, &info);
    if (st != RVF_OK) {
        rc = store_fail(st, path);
        goto out;
    }
    for (size_t i = 0; i < nfiles; i++)
        if (files[i].first_n > 0 && files[i].first.dim != info.dimension) {
            rc = fail("%s: the vectors have dimension %u, the store has dimension %u; nothing was "
                      "committed",
                      files[i].path, (unsigned)files[i].first.dim, (unsigned)info.dimension);
            goto out;
        }
    ids = malloc((size_t)batch * sizeof *ids);
    if (!ids) {
        rc = fail("out of memory");
        goto out;
    }

    progress pg = {isatty(2) && !g_quiet, now_s(), 0, 0};
    for (size_t i = 0; i < nfiles; i++) {
        uint64_t t = cli_reader_bytes_total(files[i].r);
        if (!t) {
            pg.bytes_total = 0;
            break;
        }
        pg.bytes_total += t;
    }
    uint64_t done = 0, row = first_id, bytes_before = 0;
    for (size_t i = 0; i < nfiles; i++) {
        in_file *f = &files[i];
        cli_batch b = f->first;
        long n = f->first_n;
        uint64_t file_done = 0;
        while (n > 0) {
            if (b.dim != info.dimension) { /* readers check this; a second line of defence */
                pg.on = pg.on ? (fputc('\n', stderr), false) : false;
                rc = fail("stopped at %s: dimension %u, the store has %u; the first %llu vectors "
                          "of this run were committed",
                          f->path, (unsigned)b.dim, (unsigned)info.dimension,
                          (unsigned long long)done);
                goto out;
            }
            const uint64_t *bid = b.ids;
            if (f->ids_from == CLI_IDS_ROW) {
                for (size_t k = 0; k < b.n; k++)
                    ids[k] = row + k;
                bid = ids;
            }
            st = rvf_ingest(s, b.vectors, bid, b.n, b.meta, b.meta_counts);
            if (st != RVF_OK) {
                char detail[512];
                snprintf(detail, sizeof detail, "%s", rvf_last_error_detail());
                if (pg.on)
                    fputc('\n', stderr);
                pg.on = false;
                rc = fail("stopped at %s (vectors %llu..%llu of the file): %s (%s); the first %llu "
                          "vectors of this run were committed",
                          f->path, (unsigned long long)file_done,
                          (unsigned long long)(file_done + b.n - 1), rvf_strerror(st),
                          detail[0] ? detail : path, (unsigned long long)done);
                goto out;
            }
            row += b.n;
            done += b.n;
            file_done += b.n;
            progress_draw(&pg, done, bytes_before + cli_reader_bytes_done(f->r), false);
            n = cli_reader_next(f->r, (size_t)batch, &b, err, sizeof err);
            if (n < 0) {
                if (pg.on)
                    fputc('\n', stderr);
                pg.on = false;
                where(loc, sizeof loc, f->path, err);
                rc = fail("stopped at %s; the first %llu vectors of this run were committed", loc,
                          (unsigned long long)done);
                goto out;
            }
        }
        bytes_before += cli_reader_bytes_total(f->r);
        if (g_verbose && !pg.on)
            fprintf(stderr, "rvf: ingest: %s: %llu vectors\n", f->path,
                    (unsigned long long)file_done);
    }
    progress_draw(&pg, done, pg.bytes_total, true);
    double el = now_s() - pg.start;
    st = rvf_status_get(s, &info);
    if (st != RVF_OK) {
        rc = store_fail(st, path);
        goto out;
    }
    if (!g_quiet)
        printf("ingested %llu vectors from %zu file%s in %.2f s (%.0f vectors/s); epoch %u\n",
               (unsigned long long)done, nfiles, nfiles == 1 ? "" : "s", el,
               el > 0 ? (double)done / el : 0.0, (unsigned)info.epoch);
out:
    if (s) {
        st = rvf_close(s);
        if (st != RVF_OK && rc == RC_OK)
            rc = store_fail(st, path);
    }
    for (size_t i = 0; i < nfiles; i++)
        if (files[i].r)
            cli_reader_close(files[i].r);
    free(files);
    free(ids);
    cli_fields_free(&fields);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * query */
enum { MAX_DIM = 65536 };

static void print_results(rvf_store *s, const rvf_hit *h, uint32_t n, const cli_field_map *fields,
                          bool json)
{
    if (json) {
        fputs("{\"results\":[", stdout);
        for (uint32_t i = 0; i < n; i++) {
            const rvf_value *f = NULL;
            uint32_t nf = 0;
            if (rvf_get_metadata(s, h[i].id, &f, &nf) != RVF_OK)
                nf = 0;
            printf("%s{\"id\":\"%" PRIu64 "\",\"distance\":", i ? "," : "", h[i].id);
            json_f32(stdout, h[i].distance);
            fputs(",\"meta\":", stdout);
            json_meta(stdout, fields, f, nf);
            fputc('}', stdout);
        }
        fputs("]}\n", stdout);
        return;
    }
    int idw = 2;
    for (uint32_t i = 0; i < n; i++) {
        char buf[24];
        int w = snprintf(buf, sizeof buf, "%" PRIu64, h[i].id);
        if (w > idw)
            idw = w;
    }
    printf("%4s  %-*s  %-15s  %s\n", "rank", idw, "id", "distance", "metadata");
    for (uint32_t i = 0; i < n; i++) {
        const rvf_value *f = NULL;
        uint32_t nf = 0;
        if (rvf_get_metadata(s, h[i].id, &f, &nf) != RVF_OK)
            nf = 0;
        printf("%4u  %*" PRIu64 "  %-15.9g  ", i + 1, idw, h[i].id, (double)h[i].distance);
        text_meta(stdout, fields, f, nf);
        fputc('\n', stdout);
    }
}

/* Read row `row` of a vector file into out; returns the dimension or -1 (message printed). */
static long vector_from_file(const char *file, uint64_t row, float *out, size_t cap)
{
    char err[512], loc[1024];
    cli_reader *r = NULL;
    cli_input_options io = {NULL, CLI_IDS_ROW, 0, NULL};
    if (cli_reader_open(file, &io, &r, err, sizeof err) != 0) {
        fail("%s", err);
        return -1;
    }
    uint64_t seen = 0;
    cli_batch b;
    long n, dim = -1;
    while ((n = cli_reader_next(r, 4096, &b, err, sizeof err)) > 0) {
        if (row < seen + (uint64_t)n) {
            if (b.dim > cap) {
                fail("%s: dimension %u is too large", file, (unsigned)b.dim);
                break;
            }
            memcpy(out, b.vectors + (size_t)(row - seen) * b.dim, (size_t)b.dim * sizeof(float));
            dim = (long)b.dim;
            break;
        }
        seen += (uint64_t)n;
    }
    if (n < 0) {
        where(loc, sizeof loc, file, err);
        fail("%s", loc);
    } else if (n == 0)
        fail("%s has %llu rows; there is no row %llu", file, (unsigned long long)seen,
             (unsigned long long)row);
    cli_reader_close(r);
    return dim;
}

static int run_query(rvf_store *s, const float *q, long dim, const rvf_query_params *p,
                     rvf_hit *hits, const cli_field_map *fields, bool json, uint32_t store_dim)
{
    if ((uint32_t)dim != store_dim)
        return fail("the query vector has dimension %ld, the store has dimension %u", dim,
                    (unsigned)store_dim);
    uint32_t n = 0;
    rvf_status st = rvf_query(s, q, (uint32_t)dim, p, hits, &n);
    if (st == RVF_ERR_K_TOO_LARGE)
        note("only %u vectors are eligible (k = %u)", (unsigned)n, (unsigned)p->k);
    else if (st != RVF_OK)
        return store_fail(st, NULL);
    print_results(s, hits, n, fields, json);
    return RC_OK;
}

static int cmd_query(int argc, char **argv)
{
    static const optdef defs[] = {{"vector", 0, true, O_VECTOR},
                                  {"from", 0, true, O_FROM},
                                  {"row", 0, true, O_ROW},
                                  {"stdin", 0, false, O_STDIN},
                                  {"k", 'k', true, O_K},
                                  {"filter", 0, true, O_FILTER},
                                  {"metric", 0, true, O_METRIC},
                                  {"ef", 0, true, O_EF},
                                  OPT_FIELD,
                                  OPT_JSON,
                                  OPT_QUIET,
                                  OPT_HELP,
                                  OPT_END};
    argstate a = {argc, argv, 0, false};
    const char *path = NULL, *val, *vector = NULL, *from = NULL, *filter_text = NULL;
    uint64_t row = 0, k = 10, ef = 0;
    int metric = -1, id = 0, r, rc = RC_OK, sources = 0;
    bool json = false, use_stdin = false, row_given = false;
    cli_field_map fields;
    rvf_filter filter;
    rvf_store *s = NULL;
    float *q = NULL;
    rvf_hit *hits = NULL;
    char *line = NULL;
    cli_fields_init(&fields);
    rvf_filter_init(&filter);
    while ((r = next_arg(&a, defs, &id, &val)) >= 0) {
        if (r == RC_USAGE) {
            rc = RC_USAGE;
            goto out;
        }
        if (r == 0) {
            if ((rc = take_path(&path, val)))
                goto out;
            continue;
        }
        switch (id) {
        case O_HELP:
            fputs(help_query, stdout);
            goto out;
        case O_VECTOR:
            vector = val;
            sources++;
            break;
        case O_FROM:
            from = val;
            sources++;
            break;
        case O_ROW:
            if ((rc = parse_num_opt("--row", val, 0, UINT64_MAX, &row)))
                goto out;
            row_given = true;
            break;
        case O_STDIN:
            use_stdin = true;
            sources++;
            break;
        case O_K:
            if ((rc = parse_num_opt("-k", val, 1, 1000000, &k)))
                goto out;
            break;
        case O_FILTER:
            filter_text = val;
            break;
        case O_METRIC:
            if ((rc = parse_metric(val, &metric)))
                goto out;
            break;
        case O_EF:
            if ((rc = parse_num_opt("--ef", val, 1, UINT32_MAX, &ef)))
                goto out;
            break;
        case O_FIELD:
            if ((rc = add_field(&fields, val)))
                goto out;
            break;
        case O_JSON:
            json = true;
            break;
        case O_QUIET:
            g_quiet = 1;
            break;
        }
    }
    if (r == RC_USAGE) {
        rc = RC_USAGE;
        goto out;
    }
    if (!path) {
        rc = usage("missing PATH");
        goto out;
    }
    if (sources != 1) {
        rc = usage(sources ? "give only one of --vector, --from, --stdin"
                           : "missing the query: --vector JSON, --from FILE --row N or --stdin");
        goto out;
    }
    if (row_given && !from) {
        rc = usage("--row goes with --from FILE");
        goto out;
    }
    if (filter_text && (rc = compile_filter(filter_text, &fields, &filter)))
        goto out;
    char err[512];
    q = malloc(MAX_DIM * sizeof *q);
    hits = malloc((size_t)k * sizeof *hits);
    if (!q || !hits) {
        rc = fail("out of memory");
        goto out;
    }
    long dim = 0;
    if (vector) {
        dim = cli_parse_vector_json(vector, q, MAX_DIM, err, sizeof err);
        if (dim < 0) {
            rc = usage("--vector: %s", err);
            goto out;
        }
    } else if (from) {
        dim = vector_from_file(from, row, q, MAX_DIM);
        if (dim < 0) {
            rc = RC_FAIL;
            goto out;
        }
    }
    if ((rc = open_readonly(path, &s)))
        goto out;
    rvf_status_info info;
    rvf_status st = rvf_status_get(s, &info);
    if (st != RVF_OK) {
        rc = store_fail(st, path);
        goto out;
    }
    rvf_query_params p = {(uint32_t)k, metric, filter_text ? filter.bytes : NULL,
                          filter_text ? filter.len : 0, (uint32_t)ef};
    if (!use_stdin) {
        rc = run_query(s, q, dim, &p, hits, &fields, json, info.dimension);
        goto out;
    }
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0, queries = 0;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            line[--len] = '\0';
        if (len == 0)
            continue;
        dim = cli_parse_vector_json(line, q, MAX_DIM, err, sizeof err);
        if (dim < 0) {
            rc = fail("standard input line %lu: %s", lineno, err);
            goto out;
        }
        if (queries++ && !json)
            fputc('\n', stdout);
        if ((rc = run_query(s, q, dim, &p, hits, &fields, json, info.dimension)))
            goto out;
        fflush(stdout);
    }
out:
    free(line);
    free(q);
    free(hits);
    rvf_close(s);
    rvf_filter_free(&filter);
    cli_fields_free(&fields);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * delete */
typedef struct idlist {
    uint64_t *v;
    size_t n, cap;
} idlist;

static bool idlist_push(idlist *l, uint64_t id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        uint64_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* "1,2,5-9": RC_OK or a usage error naming the bad item. */
static int parse_ids(const char *text, idlist *l)
{
    enum { MAX_IDS = 100000000 };
    const char *p = text;
    if (!*p)
        return usage("--ids: empty list");
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[64];
        if (len == 0 || len >= sizeof item)
            return usage("--ids: bad item '%.*s' in '%s' (expected N or N-M)", (int)len, p, text);
        memcpy(item, p, len);
        item[len] = '\0';
        char *dash = strchr(item, '-');
        uint64_t lo, hi;
        if (dash) {
            *dash = '\0';
            if (!parse_u64(item, &lo) || !parse_u64(dash + 1, &hi) || hi < lo)
                return usage("--ids: bad range '%.*s' in '%s' (expected N-M with N <= M)", (int)len,
                             p, text);
        } else if (!parse_u64(item, &lo))
            return usage("--ids: bad id '%s' in '%s'", item, text);
        else
            hi = lo;
        if (hi - lo >= MAX_IDS || l->n + (hi - lo) >= MAX_IDS)
            return usage("--ids: more than %d ids; use --filter or several runs", MAX_IDS);
        for (uint64_t id = lo;; id++) {
            if (!idlist_push(l, id))
                return fail("out of memory");
            if (id == hi)
                break;
        }
        if (!end)
            break;
        p = end + 1;
    }
    /* sorted and unique: a dry run counts each id once */
    qsort(l->v, l->n, sizeof *l->v, cmp_u64);
    size_t w = 0;
    for (size_t i = 0; i < l->n; i++)
        if (w == 0 || l->v[w - 1] != l->v[i])
            l->v[w++] = l->v[i];
    l->n = w;
    return RC_OK;
}

static int cmd_delete(int argc, char **argv)
{
    static const optdef defs[] = {{"ids", 0, true, O_IDS},
                                  {"filter", 0, true, O_FILTER},
                                  {"dry-run", 0, false, O_DRY_RUN},
                                  OPT_FIELD,
                                  OPT_JSON,
                                  OPT_QUIET,
                                  OPT_HELP,
                                  OPT_END};
    argstate a = {argc, argv, 0, false};
    const char *path = NULL, *val, *ids_text = NULL, *filter_text = NULL;
    int id = 0, r, rc = RC_OK;
    bool json = false, dry = false;
    cli_field_map fields;
    rvf_filter filter;
    idlist ids = {NULL, 0, 0};
    rvf_store *s = NULL;
    rvf_hit *hits = NULL;
    float *zero = NULL;
    cli_fields_init(&fields);
    rvf_filter_init(&filter);
    while ((r = next_arg(&a, defs, &id, &val)) >= 0) {
        if (r == RC_USAGE) {
            rc = RC_USAGE;
            goto out;
        }
        if (r == 0) {
            if ((rc = take_path(&path, val)))
                goto out;
            continue;
        }
        switch (id) {
        case O_HELP:
            fputs(help_delete, stdout);
            goto out;
        case O_IDS:
            ids_text = val;
            break;
        case O_FILTER:
            filter_text = val;
            break;
        case O_DRY_RUN:
            dry = true;
            break;
        case O_FIELD:
            if ((rc = add_field(&fields, val)))
                goto out;
            break;
        case O_JSON:
            json = true;
            break;
        case O_QUIET:
            g_quiet = 1;
            break;
        }
    }
    if (r == RC_USAGE) {
        rc = RC_USAGE;
        goto out;
    }
    if (!path) {
        rc = usage("missing PATH");
        goto out;
    }
    if (!ids_text == !filter_text) {
        rc = usage(ids_text ? "give --ids or --filter, not both"
                            : "missing --ids LIST or --filter EXPR");
        goto out;
    }
    if (filter_text && (rc = compile_filter(filter_text, &fields, &filter)))
        goto out;
    if (ids_text && (rc = parse_ids(ids_text, &ids)))
        goto out;
    uint64_t deleted = 0;
    rvf_status st;
    if (dry) {
        if ((rc = open_readonly(path, &s)))
            goto out;
        rvf_status_info info;
        if ((st = rvf_status_get(s, &info)) != RVF_OK) {
            rc = store_fail(st, path);
            goto out;
        }
        if (ids_text) {
            float *buf = malloc((size_t)info.dimension * sizeof *buf);
            if (!buf) {
                rc = fail("out of memory");
                goto out;
            }
            for (size_t i = 0; i < ids.n; i++)
                if (rvf_get_vector(s, ids.v[i], buf, info.dimension) == RVF_OK)
                    deleted++;
            free(buf);
        } else if (info.live_vectors) {
            uint32_t k = info.live_vectors > UINT32_MAX ? UINT32_MAX : (uint32_t)info.live_vectors;
            hits = malloc((size_t)k * sizeof *hits);
            zero = calloc(info.dimension, sizeof *zero);
            if (!hits || !zero) {
                rc = fail("out of memory");
                goto out;
            }
            rvf_query_params p = {k, -1, filter.bytes, filter.len, 0};
            uint32_t n = 0;
            st = rvf_query(s, zero, info.dimension, &p, hits, &n);
            if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE) {
                rc = store_fail(st, path);
                goto out;
            }
            deleted = n;
        }
        if (json)
            printf("{\"deleted\":%llu,\"epoch\":%u,\"dry_run\":true}\n",
                   (unsigned long long)deleted, (unsigned)info.epoch);
        else if (!g_quiet)
            printf("would delete %llu vectors (dry run; nothing changed)\n",
                   (unsigned long long)deleted);
        goto out;
    }
    if ((rc = open_writable(path, &s)))
        goto out;
    if (ids_text)
        st = rvf_delete(s, ids.v, ids.n, &deleted);
    else
        st = rvf_delete_by_filter(s, filter.bytes, filter.len, &deleted);
    if (st != RVF_OK) {
        rc = store_fail(st, path);
        goto out;
    }
    rvf_status_info info;
    if ((st = rvf_status_get(s, &info)) != RVF_OK) {
        rc = store_fail(st, path);
        goto out;
    }
    if (json)
        printf("{\"deleted\":%llu,\"epoch\":%u,\"dry_run\":false}\n", (unsigned long long)deleted,
               (unsigned)info.epoch);
    else if (!g_quiet)
        printf("deleted %llu vectors; epoch %u\n", (unsigned long long)deleted,
               (unsigned)info.epoch);
out:
    if (s) {
        st = rvf_close(s);
        if (st != RVF_OK && rc == RC_OK)
            rc = store_fail(st, path);
    }
    free(hits);
    free(zero);
    free(ids.v);
    rvf_filter_free(&filter);
    cli_fields_free(&fields);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Commands taking PATH and a few flags: compact, status, inspect, verify, dump. */
typedef struct simple_args {
    const char *path, *path2;
    bool json;
    uint64_t limit;
    bool has_limit;
    const char *dialect;
    cli_field_map fields;
    rvf_compact_options compact; /* compact: --tiers, --cold */
    bool cold_given;
} simple_args;

/* Parse PATH [PATH2] and the options in defs; help printed for --help (returns -1). */
static int parse_simple(int argc, char **argv, const optdef *defs, const char *help, int npaths,
                        simple_args *sa)
{
    argstate a = {argc, argv, 0, false};
    const char *val;
    int id = 0, r, rc;
    while ((r = next_arg(&a, defs, &id, &val)) >= 0) {
        if (r == RC_USAGE)
            return RC_USAGE;
        if (r == 0) {
            if (!sa->path)
                sa->path = val;
            else if (npaths > 1 && !sa->path2)
                sa->path2 = val;
            else
                return usage("unexpected argument '%s'", val);
            continue;
        }
        switch (id) {
        case O_HELP:
            fputs(help, stdout);
            return -1;
        case O_JSON:
            sa->json = true;
            break;
        case O_QUIET:
            g_quiet = 1;
            break;
        case O_LIMIT:
            if ((rc = parse_num_opt("--limit", val, 0, UINT64_MAX, &sa->limit)))
                return rc;
            sa->has_limit = true;
            break;
        case O_DIALECT:
            if (strcmp(val, "runtime") && strcmp(val, "rvf"))
                return usage("--dialect: '%s' is not one of runtime, rvf", val);
            sa->dialect = val;
            break;
        case O_FIELD:
            if ((rc = add_field(&sa->fields, val)))
                return rc;
            break;
        case O_TIERS:
            sa->compact.tiers = 1;
            break;
        case O_COLD:
            sa->cold_given = true;
            if (!strcmp(val, "sq8"))
                sa->compact.cold = RVF_COLD_SQ8;
            else if (!strcmp(val, "pq"))
                sa->compact.cold = RVF_COLD_PQ;
            else if (!strcmp(val, "binary"))
                sa->compact.cold = RVF_COLD_BINARY;
            else
                return usage("--cold: '%s' is not one of sq8, pq, binary", val);
            break;
        }
    }
    if (r == RC_USAGE)
        return RC_USAGE;
    if (!sa->path)
        return usage(npaths > 1 ? "missing PATH and OUT" : "missing PATH");
    if (npaths > 1 && !sa->path2)
        return usage("missing OUT");
    return RC_OK;
}

static void index_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress *p = ctx;
    p->bytes_total = total ? total : 1;
    progress_draw(p, done, total ? done : 1, done == total);
}

static int cmd_index(int argc, char **argv)
{
    static const optdef defs[] = {{"m", 0, true, O_M},
                                  {"ef-construction", 0, true, O_EF_CONSTRUCTION},
                                  {"metric", 0, true, O_METRIC},
                                  {"full", 0, false, O_FULL},
                                  {"threads", 0, true, O_THREADS},
                                  OPT_QUIET,
                                  OPT_HELP,
                                  OPT_END};
    argstate a = {argc, argv, 0, false};
    const char *val, *path = NULL;
    int id = 0, r, rc = RC_OK;
    rvf_index_options io = rvf_index_options_default();
    uint64_t num;
    while ((r = next_arg(&a, defs, &id, &val)) >= 0) {
        if (r == RC_USAGE)
            return RC_USAGE;
        if (r == 0) {
            if (path)
                return usage("unexpected argument '%s'", val);
            path = val;
            continue;
        }
        switch (id) {
        case O_HELP:
            fputs(help_index, stdout);
            return RC_OK;
        case O_QUIET:
            g_quiet = 1;
            break;
        case O_M:
            if ((rc = parse_num_opt("--m", val, 2, 2048, &num)))
                return rc;
            io.m = (uint32_t)num;
            break;
        case O_EF_CONSTRUCTION:
            if ((rc = parse_num_opt("--ef-construction", val, 1, 1000000, &num)))
                return rc;
            io.ef_construction = (uint32_t)num;
            break;
        case O_METRIC:
            if ((rc = parse_metric(val, &io.metric)))
                return rc;
            break;
        case O_FULL:
            io.full = 1;
            break;
        case O_THREADS:
            if ((rc = parse_num_opt("--threads", val, 1, 64, &num)))
                return rc;
            io.threads = (uint32_t)num;
            break;
        default:
            break;
        }
    }
    if (!path)
        return usage("PATH is required");
    rvf_store *s = NULL;
    if ((rc = open_writable(path, &s)))
        return rc;
    progress pg = {isatty(2) && !g_quiet, now_s(), 0, 0};
    io.progress = index_progress;
    io.progress_ctx = &pg;
    rvf_status_info before, after;
    double t0 = now_s();
    rvf_status st = rvf_status_get(s, &before);
    if (st == RVF_OK)
        st = rvf_build_index(s, &io);
    if (pg.on)
        fputc('\n', stderr);
    if (st == RVF_OK)
        st = rvf_status_get(s, &after);
    if (st != RVF_OK) {
        rc = store_fail(st, path);
        rvf_close(s);
        return rc;
    }
    if ((st = rvf_close(s)) != RVF_OK)
        return store_fail(st, path);
    if (!g_quiet) {
        if (after.file_size == before.file_size)
            printf("%s: the index already covers all %llu vectors; nothing written\n", path,
                   (unsigned long long)after.total_vectors);
        else
            printf("indexed %s: %llu vectors in %.2f s, %u index segment%s, +%llu bytes; "
                   "epoch %u\n",
                   path, (unsigned long long)after.indexed_vectors, now_s() - t0,
                   (unsigned)after.index_segments, after.index_segments == 1 ? "" : "s",
                   (unsigned long long)(after.file_size - before.file_size), (unsigned)after.epoch);
    }
    return RC_OK;
}

static int cmd_compact(int argc, char **argv)
{
    static const optdef defs[] = {
        {"tiers", 0, false, O_TIERS}, {"cold", 0, true, O_COLD}, OPT_QUIET, OPT_HELP, OPT_END};
    simple_args sa = {0};
    int rc = parse_simple(argc, argv, defs, help_compact, 1, &sa);
    if (rc)
        return rc < 0 ? RC_OK : rc;
    if (sa.cold_given && !sa.compact.tiers)
        return usage("--cold needs --tiers");
    rvf_store *s = NULL;
    if ((rc = open_writable(sa.path, &s)))
        return rc;
    rvf_status_info before, after;
    rvf_status st = rvf_status_get(s, &before);
    if (st == RVF_OK)
        st = rvf_compact_ex(s, &sa.compact);
    if (st == RVF_OK)
        st = rvf_status_get(s, &after);
    if (st != RVF_OK) {
        rc = store_fail(st, sa.path);
        rvf_close(s);
        return rc;
    }
    st = rvf_close(s);
    if (st != RVF_OK)
        return store_fail(st, sa.path);
    if (!g_quiet)
        printf("compacted %s: %llu -> %llu bytes, %llu live vectors; epoch %u\n", sa.path,
               (unsigned long long)before.file_size, (unsigned long long)after.file_size,
               (unsigned long long)after.live_vectors, (unsigned)after.epoch);
    return RC_OK;
}

static int cmd_status(int argc, char **argv)
{
    static const optdef defs[] = {OPT_JSON, OPT_QUIET, OPT_HELP, OPT_END};
    simple_args sa = {0};
    int rc = parse_simple(argc, argv, defs, help_status, 1, &sa);
    if (rc)
        return rc < 0 ? RC_OK : rc;
    rvf_store *s = NULL;
    if ((rc = open_readonly(sa.path, &s)))
        return rc;
    rvf_status_info i;
    rvf_status st = rvf_status_get(s, &i);
    rvf_close(s);
    if (st != RVF_OK)
        return store_fail(st, sa.path);
    bool recovered = i.recovered_from != UINT64_MAX;
    if (sa.json) {
        fputs("{\"path\":", stdout);
        json_cstring(stdout, sa.path);
        printf(
            ",\"dialect\":\"%s\",\"writable\":%s,\"live_vectors\":%" PRIu64
            ",\"total_vectors\":%" PRIu64 ",\"deleted_vectors\":%" PRIu64
            ",\"dimension\":%u,\"metric\":\"%s\",\"dtype\":\"%s\",\"profile_id\":%u"
            ",\"epoch\":%u,\"segment_count\":%u,\"file_size\":%" PRIu64 ",\"dead_bytes\":%" PRIu64
            ",\"manifest_offset\":%" PRIu64 ",\"bytes_read\":%" PRIu64 ",\"recovered_from\":",
            dialect_name(i.dialect), i.dialect ? "false" : "true", i.live_vectors, i.total_vectors,
            i.deleted_vectors, (unsigned)i.dimension, metric_name(i.metric), dtype_name(i.dtype),
            (unsigned)i.profile_id, (unsigned)i.epoch, (unsigned)i.segment_count, i.file_size,
            i.dead_bytes, i.manifest_offset, i.bytes_read);
        if (recovered)
            printf("%" PRIu64, i.recovered_from);
        else
            fputs("null", stdout);
        fputs(",\"file_id\":\"", stdout);
        hex(stdout, i.file_id, 16);
        fputs("\",\"parent_id\":\"", stdout);
        hex(stdout, i.parent_id, 16);
        printf("\",\"lineage_depth\":%u,\"index_segments\":%u,\"read_requests\":%" PRIu64 "}\n",
               (unsigned)i.lineage_depth, (unsigned)i.index_segments, i.read_requests);
        return RC_OK;
    }
    printf("path             %s\n", sa.path);
    printf("dialect          %s%s\n", dialect_name(i.dialect),
           i.dialect ? " (written by the reference runtime)" : "");
    printf("writable         %s\n",
           i.dialect ? "no (reference dialect; 'rvf import' converts it)" : "yes");
    printf("live vectors     %" PRIu64 "\n", i.live_vectors);
    printf("total vectors    %" PRIu64 " (distinct ids, including deleted)\n", i.total_vectors);
    printf("deleted vectors  %" PRIu64 "\n", i.deleted_vectors);
    printf("dimension        %u\n", (unsigned)i.dimension);
    printf("metric           %s\n", metric_name(i.metric));
    printf("dtype            %s\n", dtype_name(i.dtype));
    printf("profile          %u\n", (unsigned)i.profile_id);
    printf("epoch            %u\n", (unsigned)i.epoch);
    printf("segments         %u\n", (unsigned)i.segment_count);
    printf("index segments   %u%s\n", (unsigned)i.index_segments,
           i.index_segments ? "" : " (rvf index builds one; queries with --ef then load it)");
    printf("file size        %" PRIu64 " bytes\n", i.file_size);
    printf("dead bytes       %" PRIu64 " (reclaimed by rvf compact)\n", i.dead_bytes);
    printf("manifest offset  %" PRIu64 "\n", i.manifest_offset);
    printf("bytes read       %" PRIu64 " in %" PRIu64 " reads (to open)\n", i.bytes_read,
           i.read_requests);
    if (recovered)
        printf("recovered from   %" PRIu64 " (a damaged newer manifest was skipped)\n",
               i.recovered_from);
    else
        printf("recovered from   -\n");
    fputs("file id          ", stdout);
    hex(stdout, i.file_id, 16);
    fputs("\nparent id        ", stdout);
    hex(stdout, i.parent_id, 16);
    printf("\nlineage depth    %u\n", (unsigned)i.lineage_depth);
    return RC_OK;
}

/* ---------------------------------------------------------------------------------------------
 * inspect and verify */
static const char *seg_type_name(uint8_t t)
{
    static const char *names[] = {
        "INVALID",    "VEC_SEG",     "INDEX_SEG",  "OVERLAY_SEG", "JOURNAL_SEG", "MANIFEST_SEG",
        "QUANT_SEG",  "META_SEG",    "HOT_SEG",    "SKETCH_SEG",  "WITNESS_SEG", "PROFILE_SEG",
        "CRYPTO_SEG", "METAIDX_SEG", "KERNEL_SEG", "EBPF_SEG",    "WASM_SEG"};
    if (t < sizeof names / sizeof names[0])
        return names[t];
    switch (t) {
    case 0x11:
        return "DASHBOARD";
    case 0x20:
        return "COW_MAP";
    case 0x22:
        return "MEMBERSHIP";
    default:
        return NULL;
    }
}

static void seg_type_str(char *buf, size_t cap, uint8_t t)
{
    const char *n = seg_type_name(t);
    if (n)
        snprintf(buf, cap, "%s", n);
    else
        snprintf(buf, cap, "0x%02X", (unsigned)t);
}

static const char *flag_names[16] = {"COMPRESSED", "ENCRYPTED",  "SIGNED",   "SEALED",
                                     "PARTIAL",    "TOMBSTONE",  "HOT",      "OVERLAY",
                                     "SNAPSHOT",   "CHECKPOINT", "ATTESTED", "HAS_LINEAGE",
                                     "bit12",      "bit13",      "bit14",    "bit15"};

static void flags_str(char *buf, size_t cap, uint16_t f)
{
    size_t used = 0;
    buf[0] = '\0';
    if (!f) {
        snprintf(buf, cap, "-");
        return;
    }
    for (int b = 0; b < 16; b++)
        if (f & (1u << b)) {
            int w = snprintf(buf + used, cap - used, "%s%s", used ? "|" : "", flag_names[b]);
            if (w < 0 || (size_t)w >= cap - used)
                return;
            used += (size_t)w;
        }
}

static const char *tag_name(uint16_t t)
{
    static const char *names[] = {NULL,
                                  "SEGMENT_DIR",
                                  "TEMP_TIER_MAP",
                                  "INDEX_LAYERS",
                                  "OVERLAY_CHAIN",
                                  "COMPACTION_STATE",
                                  "SHARD_REFS",
                                  "CAPABILITY_MANIFEST",
                                  "PROFILE_CONFIG",
                                  "ACCESS_SKETCH_REF",
                                  "PREFETCH_TABLE",
                                  "ID_RESTART_POINTS",
                                  "WITNESS_CHAIN",
                                  "KEY_DIRECTORY",
                                  "DELETION_BITMAP",
                                  "METADATA_INDEX_DIR",
                                  "DIMENSION_CATALOG"};
    if (t < sizeof names / sizeof names[0] && names[t])
        return names[t];
    return "unknown";
}

typedef struct seg_report {
    rvf_segment_info seg;
    rvf_status st;
    char detail[256];
} seg_report;

typedef struct report {
    seg_report *v;
    size_t n, cap;
    bool oom;
} report;

static void report_fn(void *ctx, const rvf_segment_info *seg, rvf_status st, const char *detail)
{
    report *r = ctx;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        seg_report *v = realloc(r->v, cap * sizeof *v);
        if (!v) {
            r->oom = true;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    seg_report *e = &r->v[r->n++];
    e->seg = *seg;
    e->st = st;
    snprintf(e->detail, sizeof e->detail, "%s", detail ? detail : "");
}

typedef struct chain_list {
    uint32_t *epoch;
    uint64_t *offset;
    size_t n, cap;
} chain_list;

static int chain_fn(void *ctx, uint32_t epoch, uint64_t offset)
{
    chain_list *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        uint32_t *e = realloc(c->epoch, cap * sizeof *e);
        if (e)
            c->epoch = e;
        uint64_t *o = realloc(c->offset, cap * sizeof *o);
        if (o)
            c->offset = o;
        if (!e || !o)
            return 1;
        c->cap = cap;
    }
    c->epoch[c->n] = epoch;
    c->offset[c->n] = offset;
    c->n++;
    return 0;
}

static const seg_report *find_report(const report *r, uint64_t offset)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].seg.offset == offset)
            return &r->v[i];
    return NULL;
}

static void json_hex_field(const char *name, const uint8_t *p, size_t n)
{
    printf(",\"%s\":\"", name);
    hex(stdout, p, n);
    fputc('"', stdout);
}

static int cmd_inspect(int argc, char **argv)
{
    static const optdef defs[] = {OPT_JSON, OPT_QUIET, OPT_HELP, OPT_END};
    simple_args sa = {0};
    int rc = parse_simple(argc, argv, defs, help_inspect, 1, &sa);
    if (rc)
        return rc < 0 ? RC_OK : rc;
    rvf_store *s = NULL;
    if ((rc = open_readonly(sa.path, &s)))
        return rc;
    rvf_status_info info;
    rvf_segment_info *segs = NULL;
    uint32_t nsegs = 0;
    report rep = {NULL, 0, 0, false};
    chain_list chain = {NULL, NULL, 0, 0};
    rvf_manifest_info *mi = calloc(1, sizeof *mi);
    rvf_status st = rvf_status_get(s, &info);
    if (st == RVF_OK)
        st = rvf_segments(s, &segs, &nsegs);
    if (st != RVF_OK || !mi) {
        rc = mi ? store_fail(st, sa.path) : fail("out of memory");
        goto out;
    }
    rvf_verify_each(s, report_fn, &rep); /* failures are shown per segment */
    rvf_status mst = rvf_manifest_info_get(s, mi);
    char mdetail[256];
    snprintf(mdetail, sizeof mdetail, "%s", rvf_last_error_detail());
    rvf_status cst = rvf_manifest_chain(s, chain_fn, &chain);
    char type[32], flags[200];

    if (sa.json) {
        fputs("{\"path\":", stdout);
        json_cstring(stdout, sa.path);
        printf(",\"dialect\":\"%s\",\"writable\":%s,\"epoch\":%u,\"live_vectors\":%" PRIu64
               ",\"dimension\":%u,\"metric\":\"%s\",\"file_size\":%" PRIu64 ",\"segments\":[",
               dialect_name(info.dialect), info.dialect ? "false" : "true", (unsigned)info.epoch,
               info.live_vectors, (unsigned)info.dimension, metric_name(info.metric),
               info.file_size);
        for (uint32_t i = 0; i < nsegs; i++) {
            const rvf_segment_info *g = &segs[i];
            const seg_report *sr = find_report(&rep, g->offset);
            seg_type_str(type, sizeof type, g->seg_type);
            printf("%s{\"offset\":%" PRIu64 ",\"type\":%u,\"type_name\":\"%s\",\"id\":%" PRIu64
                   ",\"flags\":%u,\"flag_names\":[",
                   i ? "," : "", g->offset, (unsigned)g->seg_type, type, g->segment_id,
                   (unsigned)g->flags);
            for (int b = 0, k = 0; b < 16; b++)
                if (g->flags & (1u << b))
                    printf("%s\"%s\"", k++ ? "," : "", flag_names[b]);
            printf("],\"payload_length\":%" PRIu64 ",\"checksum_algo\":%u,\"hash\":",
                   g->payload_length, (unsigned)g->checksum_algo);
            if (!sr)
                fputs("null", stdout);
            else if (sr->st == RVF_OK)
                fputs("\"ok\"", stdout);
            else {
                fputc('{', stdout);
                printf("\"status\":%d,\"error\":", (int)sr->st);
                json_cstring(stdout, rvf_strerror(sr->st));
                fputs(",\"detail\":", stdout);
                json_cstring(stdout, sr->detail);
                fputc('}', stdout);
            }
            fputc('}', stdout);
        }
        fputc(']', stdout);
        if (mst == RVF_OK) {
            printf(",\"level0\":{\"offset\":%" PRIu64 ",\"segment_id\":%" PRIu64
                   ",\"payload_length\":%" PRIu64 ",\"l1_offset\":%" PRIu64
                   ",\"l1_length\":%" PRIu64 ",\"epoch\":%u,\"dimension\":%u,\"base_dtype\":%u"
                   ",\"profile_id\":%u,\"total_vectors\":%" PRIu64 ",\"created_ns\":%" PRIu64
                   ",\"modified_ns\":%" PRIu64,
                   mi->offset, mi->segment_id, mi->payload_length, mi->l1_offset, mi->l1_length,
                   (unsigned)mi->epoch, (unsigned)mi->dimension, (unsigned)mi->base_dtype,
                   (unsigned)mi->profile_id, mi->total_vectors, mi->created_ns, mi->modified_ns);
            json_hex_field("file_id", mi->file_id, 16);
            json_hex_field("parent_id", mi->parent_id, 16);
            json_hex_field("parent_hash", mi->parent_hash, 32);
            printf(",\"lineage_depth\":%u,\"root_checksum\":%u,\"has_capability\":%s,\"metric\":%u"
                   ",\"min_hw_profile\":%u,\"has_chain\":%s,\"prev_manifest_offset\":%" PRIu64
                   ",\"prev_manifest_id\":%" PRIu64,
                   (unsigned)mi->lineage_depth, (unsigned)mi->root_checksum,
                   mi->has_capability ? "true" : "false", (unsigned)mi->metric,
                   (unsigned)mi->min_hw_profile, mi->has_chain ? "true" : "false",
                   mi->prev_manifest_offset, mi->prev_manifest_id);
            json_hex_field("checkpoint_hash", mi->checkpoint_hash, 16);
            printf(",\"deleted_ids\":%" PRIu64 ",\"has_witness\":%s,\"witness_seg_offset\":%" PRIu64
                   ",\"witness_count\":%u",
                   mi->deleted_ids, mi->has_witness ? "true" : "false", mi->witness_seg_offset,
                   (unsigned)mi->witness_count);
            json_hex_field("witness_head", mi->witness_head, 32);
            printf(",\"dead_bytes\":%" PRIu64 ",\"last_compaction_ns\":%" PRIu64
                   ",\"layers_present\":%u,\"index_layers\":%u,\"tier_blocks\":[%u,%u,%u]"
                   ",\"sketch_epoch\":%u,\"sketch_seg_offset\":%" PRIu64
                   ",\"prefetch_entries\":%u,\"prefetch_map_offset\":%" PRIu64 "}",
                   mi->dead_bytes, mi->last_compaction_ns, (unsigned)mi->layers_present,
                   (unsigned)mi->index_layers, (unsigned)mi->tier_blocks[0],
                   (unsigned)mi->tier_blocks[1], (unsigned)mi->tier_blocks[2],
                   (unsigned)mi->sketch_epoch, mi->sketch_seg_offset,
                   (unsigned)mi->prefetch_entries, mi->prefetch_map_offset);
            printf(",\"level1\":[");
            uint32_t nr = mi->record_count < 64 ? mi->record_count : 64;
            for (uint32_t i = 0; i < nr; i++)
                printf("%s{\"tag\":%u,\"name\":\"%s\",\"length\":%u}", i ? "," : "",
                       (unsigned)mi->records[i].tag, tag_name(mi->records[i].tag),
                       (unsigned)mi->records[i].length);
            printf("],\"level1_records\":%u", (unsigned)mi->record_count);
        } else {
            fputs(",\"level0\":null,\"level1\":null", stdout);
        }
        fputs(",\"chain\":", stdout);
        if (cst == RVF_OK) {
            fputc('[', stdout);
            for (size_t i = 0; i < chain.n; i++)
                printf("%s{\"epoch\":%u,\"offset\":%" PRIu64 "}", i ? "," : "",
                       (unsigned)chain.epoch[i], chain.offset[i]);
            fputc(']', stdout);
        } else
            fputs("null", stdout);
        fputs("}\n", stdout);
        goto out;
    }

    printf("%s: %s dialect%s, epoch %u, %" PRIu64 " live vectors, dimension %u, %s, %" PRIu64
           " bytes\n",
           sa.path, dialect_name(info.dialect), info.dialect ? " (read-only)" : "",
           (unsigned)info.epoch, info.live_vectors, (unsigned)info.dimension,
           metric_name(info.metric), info.file_size);
    printf("\nSegments (%u)\n", (unsigned)nsegs);
    printf("  %-12s  %-13s  %8s  %-20s  %12s  %s\n", "offset", "type", "id", "flags", "payload",
           "hash");
    for (uint32_t i = 0; i < nsegs; i++) {
        const rvf_segment_info *g = &segs[i];
        const seg_report *sr = find_report(&rep, g->offset);
        seg_type_str(type, sizeof type, g->seg_type);
        flags_str(flags, sizeof flags, g->flags);
        printf("  %-12" PRIu64 "  %-13s  %8" PRIu64 "  %-20s  %12" PRIu64 "  ", g->offset, type,
               g->segment_id, flags, g->payload_length);
        if (!sr)
            fputs("-\n", stdout);
        else if (sr->st == RVF_OK)
            fputs("ok\n", stdout);
        else
            printf("FAILED: %s%s%s\n", rvf_strerror(sr->st), sr->detail[0] ? ": " : "", sr->detail);
    }
    if (mst == RVF_OK) {
        printf("\nLevel 0 (root of the manifest at %" PRIu64 ", segment id %" PRIu64
               ", payload %" PRIu64 " bytes)\n",
               mi->offset, mi->segment_id, mi->payload_length);
        printf("  epoch                 %u\n", (unsigned)mi->epoch);
        printf("  dimension             %u\n", (unsigned)mi->dimension);
        printf("  base dtype            %u (%s)\n", (unsigned)mi->base_dtype,
               dtype_name(mi->base_dtype));
        printf("  profile id            %u\n", (unsigned)mi->profile_id);
        printf("  total vectors         %" PRIu64 "\n", mi->total_vectors);
        printf("  created ns            %" PRIu64 "\n", mi->created_ns);
        printf("  modified ns           %" PRIu64 "\n", mi->modified_ns);
        printf("  level 1               offset %" PRIu64 ", %" PRIu64 " bytes\n", mi->l1_offset,
               mi->l1_length);
        fputs("  file id               ", stdout);
        hex(stdout, mi->file_id, 16);
        fputs("\n  parent id             ", stdout);
        hex(stdout, mi->parent_id, 16);
        fputs("\n  parent hash           ", stdout);
        hex(stdout, mi->parent_hash, 32);
        printf("\n  lineage depth         %u\n", (unsigned)mi->lineage_depth);
        printf("  root checksum         0x%08x\n", (unsigned)mi->root_checksum);
        if (mi->has_capability)
            printf("  capability            metric %u (%s), min hw profile %u\n",
                   (unsigned)mi->metric, metric_name(mi->metric), (unsigned)mi->min_hw_profile);
        else
            printf("  capability            -\n");
        if (mi->has_chain) {
            printf("  previous manifest     offset %" PRIu64 ", id %" PRIu64 "\n",
                   mi->prev_manifest_offset, mi->prev_manifest_id);
            fputs("  checkpoint hash       ", stdout);
            hex(stdout, mi->checkpoint_hash, 16);
            fputc('\n', stdout);
        } else
            printf("  previous manifest     - (the first of its chain)\n");
        printf("  deleted ids           %" PRIu64 "\n", mi->deleted_ids);
        if (mi->has_witness) {
            printf("  witness               %u entries, segment at %" PRIu64 "\n",
                   (unsigned)mi->witness_count, mi->witness_seg_offset);
            fputs("  witness head          ", stdout);
            hex(stdout, mi->witness_head, 32);
            fputc('\n', stdout);
        } else
            printf("  witness               -\n");
        printf("  dead bytes            %" PRIu64 "\n", mi->dead_bytes);
        printf("  last compaction ns    %" PRIu64 "\n", mi->last_compaction_ns);
        if (mi->index_layers)
            printf("  index layers          %u INDEX_SEGs:%s%s%s\n", (unsigned)mi->index_layers,
                   mi->layers_present & 1 ? " A" : "", mi->layers_present & 2 ? " B" : "",
                   mi->layers_present & 4 ? " C" : "");
        if (mi->tier_blocks[0] + mi->tier_blocks[1] + mi->tier_blocks[2])
            printf("  tier map              %u hot, %u warm, %u cold blocks\n",
                   (unsigned)mi->tier_blocks[0], (unsigned)mi->tier_blocks[1],
                   (unsigned)mi->tier_blocks[2]);
        if (mi->has_sketch_ref)
            printf("  access sketch         epoch %u, segment at %" PRIu64 "\n",
                   (unsigned)mi->sketch_epoch, mi->sketch_seg_offset);
        if (mi->prefetch_entries)
            printf("  prefetch table        %u entries at %" PRIu64 "\n",
                   (unsigned)mi->prefetch_entries, mi->prefetch_map_offset);
        printf("\nLevel 1 (%u records)\n", (unsigned)mi->record_count);
        printf("  %-6s  %-20s  %10s\n", "tag", "name", "length");
        uint32_t nr = mi->record_count < 64 ? mi->record_count : 64;
        for (uint32_t i = 0; i < nr; i++)
            printf("  0x%04X  %-20s  %10u\n", (unsigned)mi->records[i].tag,
                   tag_name(mi->records[i].tag), (unsigned)mi->records[i].length);
        if (mi->record_count > nr)
            printf("  ... %u more\n", (unsigned)(mi->record_count - nr));
    } else if (info.dialect != 0) {
        printf("\nLevel 0 and Level 1: none (the reference dialect has a 22-byte manifest header "
               "and a directory, no root and no TLV records)\n");
    } else {
        printf("\nLevel 0 and Level 1: not available: %s%s%s\n", rvf_strerror(mst),
               mdetail[0] ? ": " : "", mdetail);
    }
    if (cst == RVF_OK) {
        printf("\nManifest chain (%zu, newest first)\n", chain.n);
        printf("  %-8s  %s\n", "epoch", "offset");
        for (size_t i = 0; i < chain.n; i++)
            printf("  %-8u  %" PRIu64 "\n", (unsigned)chain.epoch[i], chain.offset[i]);
    } else {
        printf("\nManifest chain: not available: %s\n", rvf_strerror(cst));
    }
out:
    rvf_release(segs);
    free(rep.v);
    free(chain.epoch);
    free(chain.offset);
    free(mi);
    rvf_close(s);
    return rc;
}

static bool is_damage(rvf_status st)
{
    switch (st) {
    case RVF_ERR_INVALID_MAGIC:
    case RVF_ERR_INVALID_VERSION:
    case RVF_ERR_INVALID_CHECKSUM:
    case RVF_ERR_INVALID_SIGNATURE:
    case RVF_ERR_TRUNCATED_SEGMENT:
    case RVF_ERR_INVALID_MANIFEST:
    case RVF_ERR_MANIFEST_NOT_FOUND:
    case RVF_ERR_ALIGNMENT_ERROR:
    case RVF_ERR_DIMENSION_MISMATCH:
        return true;
    default:
        return false;
    }
}

static int cmd_verify(int argc, char **argv)
{
    static const optdef defs[] = {OPT_JSON, OPT_QUIET, OPT_HELP, OPT_END};
    simple_args sa = {0};
    int rc = parse_simple(argc, argv, defs, help_verify, 1, &sa);
    if (rc)
        return rc < 0 ? RC_OK : rc;
    if ((rc = check_store_path(sa.path)))
        return rc;
    rvf_store *s = NULL;
    rvf_status st = rvf_open_readonly(sa.path, &s);
    if (st != RVF_OK) {
        const char *d = rvf_last_error_detail();
        if (sa.json) {
            printf("{\"path\":");
            json_cstring(stdout, sa.path);
            printf(",\"opened\":false,\"error\":");
            json_cstring(stdout, rvf_strerror(st));
            printf(",\"detail\":");
            json_cstring(stdout, d ? d : "");
            printf(",\"segments\":[],\"failed\":1}\n");
        }
        fprintf(stderr, "rvf: verify: cannot open %s: %s (%s)\n", sa.path, rvf_strerror(st),
                d && *d ? d : "no detail");
        return is_damage(st) ? RC_DAMAGE : RC_FAIL;
    }
    rvf_status_info info;
    report rep = {NULL, 0, 0, false};
    st = rvf_status_get(s, &info);
    if (st != RVF_OK) {
        rvf_close(s);
        return store_fail(st, sa.path);
    }
    rvf_status vst = rvf_verify_each(s, report_fn, &rep);
    char vdetail[256];
    snprintf(vdetail, sizeof vdetail, "%s", rvf_last_error_detail());
    rvf_close(s);
    if (rep.oom) {
        free(rep.v);
        return fail("out of memory");
    }
    size_t failed = 0;
    for (size_t i = 0; i < rep.n; i++)
        failed += rep.v[i].st != RVF_OK;
    bool recovered = info.recovered_from != UINT64_MAX;
    /* a failure not attributed to a listed segment (e.g. the call itself) */
    bool unattributed = vst != RVF_OK && failed == 0;
    size_t total_failed = failed + recovered + unattributed;
    char type[32];
    if (sa.json) {
        fputs("{\"path\":", stdout);
        json_cstring(stdout, sa.path);
        printf(",\"opened\":true,\"dialect\":\"%s\",\"segments\":[", dialect_name(info.dialect));
        for (size_t i = 0; i < rep.n; i++) {
            const seg_report *e = &rep.v[i];
            seg_type_str(type, sizeof type, e->seg.seg_type);
            printf("%s{\"offset\":%" PRIu64 ",\"type_name\":\"%s\",\"id\":%" PRIu64 ",\"ok\":%s",
                   i ? "," : "", e->seg.offset, type, e->seg.segment_id,
                   e->st == RVF_OK ? "true" : "false");
            if (e->st != RVF_OK) {
                printf(",\"status\":%d,\"error\":", (int)e->st);
                json_cstring(stdout, rvf_strerror(e->st));
                fputs(",\"detail\":", stdout);
                json_cstring(stdout, e->detail);
            }
            fputc('}', stdout);
        }
        printf("],\"recovered_from\":");
        if (recovered)
            printf("%" PRIu64, info.recovered_from);
        else
            fputs("null", stdout);
        if (unattributed) {
            fputs(",\"error\":", stdout);
            json_cstring(stdout, rvf_strerror(vst));
            fputs(",\"detail\":", stdout);
            json_cstring(stdout, vdetail);
        }
        printf(",\"count\":%zu,\"failed\":%zu}\n", rep.n, total_failed);
    } else {
        for (size_t i = 0; i < rep.n; i++) {
            const seg_report *e = &rep.v[i];
            if (g_quiet && e->st == RVF_OK)
                continue;
            seg_type_str(type, sizeof type, e->seg.seg_type);
            printf("  %-12" PRIu64 "  %-13s  id %-8" PRIu64 "  ", e->seg.offset, type,
                   e->seg.segment_id);
            if (e->st == RVF_OK)
                fputs("OK\n", stdout);
            else
                printf("FAILED: %s%s%s\n", rvf_strerror(e->st), e->detail[0] ? ": " : "",
                       e->detail);
        }
        if (recovered)
            printf("  newest manifest at %" PRIu64 " is damaged; opened the previous one (epoch "
                   "%u)\n",
                   info.recovered_from, (unsigned)info.epoch);
        if (unattributed)
            printf("  FAILED: %s%s%s\n", rvf_strerror(vst), vdetail[0] ? ": " : "", vdetail);
        if (total_failed == 0)
            printf("%zu segments, all verified\n", rep.n);
        else
            printf("%zu segments, %zu failed\n", rep.n, total_failed);
    }
    free(rep.v);
    return total_failed ? RC_DAMAGE : RC_OK;
}

/* ---------------------------------------------------------------------------------------------
 * dump */
typedef struct dump_ctx {
    const cli_field_map *fields;
    uint64_t limit, count;
    bool has_limit;
} dump_ctx;

static int dump_fn(void *ctx, uint64_t id, const float *vector, uint32_t dim,
                   const rvf_value *fields, uint32_t nfields)
{
    dump_ctx *d = ctx;
    if (d->has_limit && d->count >= d->limit)
        return 1;
    printf("{\"id\":%" PRIu64 ",\"vector\":[", id);
    for (uint32_t i = 0; i < dim; i++) {
        if (i)
            fputc(',', stdout);
        json_f32(stdout, vector[i]);
    }
    fputc(']', stdout);
    if (nfields) {
        fputs(",\"meta\":", stdout);
        json_meta(stdout, d->fields, fields, nfields);
    }
    fputs("}\n", stdout);
    d->count++;
    return ferror(stdout) ? 1 : 0;
}

static int cmd_dump(int argc, char **argv)
{
    static const optdef defs[] = {
        {"limit", 0, true, O_LIMIT}, OPT_FIELD, OPT_QUIET, OPT_HELP, OPT_END};
    simple_args sa = {0};
    cli_fields_init(&sa.fields);
    int rc = parse_simple(argc, argv, defs, help_dump, 1, &sa);
    rvf_store *s = NULL;
    if (rc) {
        cli_fields_free(&sa.fields);
        return rc < 0 ? RC_OK : rc;
    }
    if ((rc = open_readonly(sa.path, &s))) {
        cli_fields_free(&sa.fields);
        return rc;
    }
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    dump_ctx d = {&sa.fields, sa.limit, 0, sa.has_limit};
    rvf_status st = rvf_foreach(s, dump_fn, &d);
    if (st != RVF_OK)
        rc = store_fail(st, sa.path);
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = fail("writing standard output: %s", strerror(errno));
    rvf_close(s);
    cli_fields_free(&sa.fields);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * export and import */
static int has_meta_fn(void *ctx, uint64_t id, const float *vector, uint32_t dim,
                       const rvf_value *fields, uint32_t nfields)
{
    (void)id;
    (void)vector;
    (void)dim;
    (void)fields;
    if (nfields) {
        *(bool *)ctx = true;
        return 1;
    }
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    static const optdef defs[] = {{"dialect", 0, true, O_DIALECT}, OPT_QUIET, OPT_HELP, OPT_END};
    simple_args sa = {0};
    sa.dialect = "runtime";
    int rc = parse_simple(argc, argv, defs, help_export, 2, &sa);
    if (rc)
        return rc < 0 ? RC_OK : rc;
    if (file_exists(sa.path2))
        return fail("'%s' already exists", sa.path2);
    rvf_store *s = NULL;
    if ((rc = open_readonly(sa.path, &s)))
        return rc;
    bool runtime = strcmp(sa.dialect, "runtime") == 0;
    bool meta = false;
    if (runtime)
        rvf_foreach(s, has_meta_fn, &meta);
    rvf_status st = runtime ? rvf_export_reference(s, sa.path2) : rvf_save_as(s, sa.path2, NULL);
    rvf_status_info info;
    if (st == RVF_OK)
        st = rvf_status_get(s, &info);
    if (st != RVF_OK) {
        rc = store_fail(st, sa.path2);
        rvf_close(s);
        return rc;
    }
    rvf_close(s);
    if (meta)
        note("metadata cannot be represented in the runtime dialect and was not exported");
    if (!g_quiet)
        printf("exported %" PRIu64 " vectors to %s (%s dialect)\n", info.live_vectors, sa.path2,
               runtime ? "reference runtime" : "rvf");
    return RC_OK;
}

static int cmd_import(int argc, char **argv)
{
    static const optdef defs[] = {OPT_QUIET, OPT_HELP, OPT_END};
    simple_args sa = {0};
    int rc = parse_simple(argc, argv, defs, help_import, 2, &sa);
    if (rc)
        return rc < 0 ? RC_OK : rc;
    if (file_exists(sa.path2))
        return fail("'%s' already exists", sa.path2);
    rvf_store *s = NULL;
    if ((rc = open_readonly(sa.path, &s)))
        return rc;
    rvf_status_info info;
    rvf_status st = rvf_status_get(s, &info);
    if (st == RVF_OK)
        st = rvf_save_as(s, sa.path2, NULL);
    if (st != RVF_OK) {
        rc = store_fail(st, sa.path2);
        rvf_close(s);
        return rc;
    }
    rvf_close(s);
    if (!g_quiet)
        printf("imported %" PRIu64 " vectors (dimension %u, %s) from %s (%s dialect) into %s\n",
               info.live_vectors, (unsigned)info.dimension, metric_name(info.metric), sa.path,
               dialect_name(info.dialect), sa.path2);
    return RC_OK;
}

/* ---------------------------------------------------------------------------------------------
 * main */
typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} command;

/* The LEB128 u32 at *p (< end), advancing *p; false when it runs past end. */
static bool wasm_leb(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 35 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;
        *v |= (uint32_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return true;
    }
    return false;
}

/* Header fields read from the module itself: exported functions (section 7) and the first
 * memory's minimum pages (section 5). False for a malformed section list. */
static bool wasm_scan(const uint8_t *b, size_t n, rvf_wasm_options *o)
{
    const uint8_t *p = b + 8, *end = b + n;
    while (p < end) {
        uint8_t sec = *p++;
        uint32_t len, cnt, v;
        if (!wasm_leb(&p, end, &len) || len > (size_t)(end - p))
            return false;
        const uint8_t *q = p, *qe = p + len;
        if (sec == 7 && wasm_leb(&q, qe, &cnt)) {
            for (uint32_t i = 0; i < cnt; i++) {
                uint32_t nl;
                if (!wasm_leb(&q, qe, &nl) || nl >= (size_t)(qe - q))
                    return false;
                q += nl;
                uint8_t kind = *q++;
                if (!wasm_leb(&q, qe, &v))
                    return false;
                o->export_count = (uint16_t)(o->export_count + (kind == 0));
            }
        } else if (sec == 5 && wasm_leb(&q, qe, &cnt) && cnt && q < qe) {
            q++; /* limits flags */
            if (wasm_leb(&q, qe, &v))
                o->min_memory_pages = (uint8_t)(v > 255 ? 255 : v);
        }
        p += len;
    }
    return true;
}

static int cmd_embed_kernel(int argc, char **argv)
{
    static const optdef defs[] = {
        {"wasm", 0, true, O_WASM}, {"priority", 0, true, O_PRIORITY}, OPT_QUIET, OPT_HELP, OPT_END};
    argstate a = {argc, argv, 0, false};
    const char *val, *path = NULL, *wasm = getenv("RVF_TILE_WASM");
    int id = 0, r, rc;
    uint64_t prio = 0;
    while ((r = next_arg(&a, defs, &id, &val)) >= 0) {
        if (r == RC_USAGE)
            return RC_USAGE;
        if (r == 0) {
            if (path)
                return usage("unexpected argument '%s'", val);
            path = val;
        } else if (id == O_HELP) {
            fputs(help_embed_kernel, stdout);
            return RC_OK;
        } else if (id == O_QUIET) {
            g_quiet = 1;
        } else if (id == O_WASM) {
            wasm = val;
        } else if (id == O_PRIORITY) {
            if ((rc = parse_num_opt("--priority", val, 0, 255, &prio)))
                return rc;
        }
    }
    if (r == RC_USAGE)
        return RC_USAGE;
    if (!path)
        return usage("missing PATH");
    if (!wasm || !*wasm)
        return usage("missing --wasm FILE (or set RVF_TILE_WASM)");
    FILE *f = fopen(wasm, "rb");
    if (!f)
        return fail("%s: %s", wasm, strerror(errno));
    uint8_t buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    bool err = ferror(f) != 0;
    fclose(f);
    if (err)
        return fail("%s: read error", wasm);
    if (n >= sizeof buf)
        return fail("%s: a tile microkernel must be under %zu bytes (a tile's code memory)", wasm,
                    sizeof buf);
    rvf_wasm_options o = {0};
    o.role = 0;                        /* Microkernel */
    o.target = 4;                      /* BareTile: run through the hub-tile protocol */
    o.required_features = 0x01 | 0x02; /* built -msimd128 -mbulk-memory (kernel/tile/tile.cmake) */
    o.bootstrap_priority = (uint8_t)prio;
    if (n < 8 || memcmp(buf, "\0asm\1\0\0\0", 8) != 0 || !wasm_scan(buf, n, &o))
        return fail("%s: not a WebAssembly module", wasm);
    rvf_store *s = NULL;
    if ((rc = open_writable(path, &s)))
        return rc;
    uint64_t seg = 0;
    rvf_status st = rvf_embed_wasm(s, buf, n, &o, &seg);
    if (st != RVF_OK) {
        rc = store_fail(st, path);
        rvf_close(s);
        return rc;
    }
    if ((st = rvf_close(s)) != RVF_OK)
        return store_fail(st, path);
    if (!g_quiet)
        printf("embedded %s (%zu bytes, %u exports) in %s as WASM_SEG %" PRIu64 "\n", wasm, n,
               (unsigned)o.export_count, path, seg);
    return RC_OK;
}

static int cmd_help(int argc, char **argv);

static const command commands[] = {
    {"create", cmd_create, help_create},
    {"ingest", cmd_ingest, help_ingest},
    {"query", cmd_query, help_query},
    {"delete", cmd_delete, help_delete},
    {"compact", cmd_compact, help_compact},
    {"status", cmd_status, help_status},
    {"index", cmd_index, help_index},
    {"inspect", cmd_inspect, help_inspect},
    {"verify", cmd_verify, help_verify},
    {"dump", cmd_dump, help_dump},
    {"export", cmd_export, help_export},
    {"import", cmd_import, help_import},
    {"embed-kernel", cmd_embed_kernel, help_embed_kernel},
    {"help", cmd_help, help_help},
};

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    if (argc == 0) {
        fputs(help_main, stdout);
        return RC_OK;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(help_help, stdout);
        return RC_OK;
    }
    if (argc > 1)
        return usage("unexpected argument '%s'", argv[1]);
    const command *c = find_command(argv[0]);
    if (!c) {
        g_cmd = "";
        return usage("unknown command '%s'", argv[0]);
    }
    fputs(c->help, stdout);
    return RC_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage("missing COMMAND");
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("rvf %d.%d.%d (format version %d)\n", RVF_VERSION_MAJOR, RVF_VERSION_MINOR,
               RVF_VERSION_PATCH, RVF_FORMAT_VERSION);
        return RC_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        fputs(help_main, stdout);
        return RC_OK;
    }
    if (name[0] == '-')
        return usage("unknown option '%s'", name);
    const command *c = find_command(name);
    if (!c)
        return usage("unknown command '%s'", name);
    g_cmd = c->name;
    int rc = c->fn(argc - 2, argv + 2);
    if (fflush(stdout) != 0 && rc == RC_OK)
        rc = fail("writing standard output: %s", strerror(errno));
    return rc;
}

/* test_format_tables.c: FORMAT.md's tables must agree with the code (rvf_format.h, rvf.h,
 * rvf_kernel.h, rvf_status.def), so the document cannot drift (STYLE.md habit 7). FORMAT.md is
 * read from $RVF_SOURCE/FORMAT.md (the test harness sets RVF_SOURCE to the source tree).
 *
 * How FORMAT.md's tables are made machine-checkable:
 * - A table is found by its heading: the first Markdown table after the line "#... <heading>"
 *   (any number of '#', exact text), before the next heading.
 * - A checked table has a value column holding one number (0x.. hex or decimal) and a name column.
 *   Names compare case-insensitively with backticks ignored. A row whose value cell is not a single
 *   number (a list or range such as "0x0E, 0x0F" or "12-15") is prose and skipped.
 * - The expected rows are the lists below, taken from the code. Every listed name must appear in
 *   exactly one row, with the same number. In a strict table every numeric row must also be listed,
 *   unless its name starts with "reserved" or "pad".
 * - Byte layouts have the columns | Offset | Size | Type | Field | ... and must be contiguous: the
 *   first row at the structure's start, each next row at offset + size, the last ending exactly at
 *   the structure's size.
 * - Worked examples are fenced hex blocks under their heading: whitespace-separated hex byte
 *   strings, "00*n" for n zero bytes, "#" starts a comment. They must equal what the encoders
 *   produce.
 * Each failure names the table, the row and both numbers. */
#include <ctype.h>

#include "rvf_hotseg.h"
#include "rvf_internal.h"
#include "rvf_test.h"

static char doc[1 << 18];
static int quiet_problems; /* > 0 while the checker checks itself: count, do not fail */

#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (quiet_problems) {                                                                      \
            if (!(cond))                                                                           \
                quiet_problems++;                                                                  \
        } else {                                                                                   \
            rvf_test_checks++;                                                                     \
            if (!(cond))                                                                           \
                RVF_FAIL_AT(__VA_ARGS__);                                                          \
        }                                                                                          \
    } while (0)

typedef struct doc_const {
    const char *name; /* as FORMAT.md writes it */
    long long value;
    const char *cname; /* the constant, for messages */
    int optional;      /* may be absent from the document */
} doc_const;

#define K(docname, c)                                                                              \
    {                                                                                              \
        docname, (long long)(c), #c, 0                                                             \
    }

typedef struct doc_table {
    const char *heading;
    int value_col, name_col;
    const doc_const *c;
    size_t nc;
    int strict;
    int bit_col; /* >= 0: that column holds log2 of the value (flags) */
    long long layout_start,
        size; /* size > 0: a byte layout (value col 0, size col 1, name col 3) */
} doc_table;

/* ---- the document -------------------------------------------------------------------------- */

static int load_doc(void)
{
    const char *src = getenv("RVF_SOURCE");
    char path[4096];
    snprintf(path, sizeof path, "%s/FORMAT.md", src ? src : ".");
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 0;
    }
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    int whole = feof(f) != 0;
    fclose(f);
    doc[n] = 0;
    if (!whole)
        fprintf(stderr, "%s is larger than %zu bytes\n", path, sizeof doc - 1);
    return whole;
}

static const char *next_line(const char *p)
{
    const char *nl = strchr(p, '\n');
    return nl ? nl + 1 : NULL;
}

/* The first table line under the heading, or NULL. */
static const char *find_table(const char *text, const char *heading)
{
    size_t hl = strlen(heading);
    for (const char *p = text; p; p = next_line(p)) {
        if (*p != '#')
            continue;
        const char *h = p;
        while (*h == '#')
            h++;
        if (*h != ' ' || strncmp(h + 1, heading, hl) != 0 || (h[1 + hl] != '\n' && h[1 + hl]))
            continue;
        for (const char *q = next_line(p); q; q = next_line(q)) {
            if (*q == '#')
                return NULL;
            if (*q == '|')
                return q;
        }
        return NULL;
    }
    return NULL;
}

enum { MAX_CELLS = 8, CELL = 256 };

/* Split "| a | b |" into trimmed cells; returns the count. */
static int split_row(const char *line, char cells[MAX_CELLS][CELL])
{
    int n = 0;
    const char *p = line + 1;
    while (*p && *p != '\n' && n < MAX_CELLS) {
        const char *end = p;
        while (*end && *end != '|' && *end != '\n')
            end++;
        if (*end != '|')
            break;
        while (p < end && *p == ' ')
            p++;
        const char *e = end;
        while (e > p && e[-1] == ' ')
            e--;
        size_t len = (size_t)(e - p) < CELL - 1 ? (size_t)(e - p) : CELL - 1;
        memcpy(cells[n], p, len);
        cells[n][len] = 0;
        n++;
        p = end + 1;
    }
    return n;
}

static int parse_num(const char *cell, long long *v)
{
    if (!isdigit((unsigned char)cell[0]))
        return 0;
    char *end;
    unsigned long long u = strtoull(cell, &end, 0);
    if (*end)
        return 0;
    *v = (long long)u;
    return 1;
}

static void normalize(const char *in, char *out)
{
    size_t j = 0;
    for (size_t i = 0; in[i] && j < CELL - 1; i++)
        if (in[i] != '`')
            out[j++] = (char)toupper((unsigned char)in[i]);
    out[j] = 0;
}

static int same_name(const char *a, const char *b)
{
    char na[CELL], nb[CELL];
    normalize(a, na);
    normalize(b, nb);
    return !strcmp(na, nb);
}

/* ---- the checker ---------------------------------------------------------------------------- */

static void check_table(const char *text, const doc_table *t)
{
    const char *line = find_table(text, t->heading);
    EXPECT(line != NULL, "FORMAT.md has no table under the heading \"%s\"", t->heading);
    if (!line)
        return;
    int seen[128] = {0};
    long long next = t->layout_start;
    int numeric_rows = 0, row = 0;
    for (; line && *line == '|'; line = next_line(line), row++) {
        if (row < 2)
            continue; /* header and separator */
        char cells[MAX_CELLS][CELL];
        int n = split_row(line, cells);
        int vc = t->size ? 0 : t->value_col, nc = t->size ? 3 : t->name_col;
        long long v, size = 0, bit;
        if (n <= vc || n <= nc || !parse_num(cells[vc], &v)) {
            EXPECT(!t->size, "%s: layout row %d has no offset: %.60s", t->heading, row, line);
            continue;
        }
        numeric_rows++;
        const char *name = cells[nc];
        if (t->size) {
            EXPECT(parse_num(cells[1], &size), "%s: row %s has no size", t->heading, name);
            EXPECT(v == next, "%s: row %s at 0x%llx, but the previous row ends at 0x%llx",
                   t->heading, name, (unsigned long long)v, (unsigned long long)next);
            next = v + size;
        }
        if (t->bit_col >= 0)
            EXPECT(n > t->bit_col && parse_num(cells[t->bit_col], &bit) && bit < 63 &&
                       (1ll << bit) == v,
                   "%s: row %s: bit column does not match mask 0x%llx", t->heading, name,
                   (unsigned long long)v);
        size_t k = 0;
        while (k < t->nc && !same_name(t->c[k].name, name))
            k++;
        if (k < t->nc) {
            EXPECT(!seen[k], "%s: %s has two rows", t->heading, name);
            seen[k] = 1;
            EXPECT(v == t->c[k].value, "%s: row %s says 0x%llx (%lld), but %s = 0x%llx (%lld)",
                   t->heading, name, (unsigned long long)v, v, t->c[k].cname,
                   (unsigned long long)t->c[k].value, t->c[k].value);
        } else if (t->strict) {
            char nn[CELL];
            normalize(name, nn);
            EXPECT(!strncmp(nn, "RESERVED", 8) || !strncmp(nn, "PAD", 3),
                   "%s: row %s (0x%llx) names no constant of the code", t->heading, name,
                   (unsigned long long)v);
        }
    }
    EXPECT(numeric_rows > 0, "%s: the table has no rows", t->heading);
    if (t->size)
        EXPECT(next == t->layout_start + t->size,
               "%s: the rows end at 0x%llx, the structure at 0x%llx", t->heading,
               (unsigned long long)next, (unsigned long long)(t->layout_start + t->size));
    for (size_t k = 0; k < t->nc && k < 128; k++)
        EXPECT(seen[k] || t->c[k].optional, "%s: no row for %s (%s = 0x%llx)", t->heading,
               t->c[k].name, t->c[k].cname, (unsigned long long)t->c[k].value);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TABLE(h, vcol, ncol, list, strict)                                                         \
    {                                                                                              \
        h, vcol, ncol, list, N(list), strict, -1, 0, 0                                             \
    }
#define LAYOUT(h, list, strict, start, sz)                                                         \
    {                                                                                              \
        h, 0, 3, list, N(list), strict, -1, start, sz                                              \
    }
#define PLAIN_LAYOUT(h, start, sz)                                                                 \
    {                                                                                              \
        h, 0, 3, NULL, 0, 0, -1, start, sz                                                         \
    }

/* ---- the expected rows ---------------------------------------------------------------------- */

static const doc_const status_codes[] = {
#define X(name, value, msg)                                                                        \
    {#name, -(long long)(value), "RVF_ERR_" #name, -(long long)(value) >= 0xF000},
#include "rvf_status.def"
#undef X
};

static const doc_const magics[] = {
    K("SEGMENT", RVF_SEGMENT_MAGIC), K("ROOT", RVF_ROOT_MAGIC),
    K("LOCK", RVF_LOCK_MAGIC),       K("ROARING_COOKIE", RVF_ROARING_COOKIE),
    K("FIDI", RVF_REF_FIDI_MARKER),
};

static const doc_const sizes[] = {
    K("SEGMENT_HEADER", RVF_SEGMENT_HEADER_SIZE),
    K("ROOT", RVF_ROOT_SIZE),
    K("TLV_HEADER", RVF_TLV_HEADER_SIZE),
    K("DIR_ENTRY", RVF_DIR_ENTRY_SIZE),
    K("OVERLAY_CHAIN", RVF_OVERLAY_CHAIN_SIZE),
    K("CAPABILITY_MANIFEST", RVF_CAPABILITY_SIZE),
    K("WITNESS_CHAIN", RVF_WITNESS_CHAIN_SIZE),
    K("COMPACTION_STATE_HEADER", RVF_COMPACTION_STATE_HEADER),
    K("VEC_DIR_ENTRY", RVF_VEC_DIR_ENTRY_SIZE),
    K("VEC_ID_RESTART", RVF_VEC_ID_RESTART),
    K("VEC_BLOCK_VECTORS", RVF_VEC_BLOCK_VECTORS),
    K("JOURNAL_HEADER", RVF_JOURNAL_HEADER_SIZE),
    K("META_HEADER", RVF_META_HEADER_SIZE),
    K("META_FIELD_ENTRY", RVF_META_FIELD_ENTRY_SIZE),
    K("FILTER_HEADER", RVF_FILTER_HEADER_SIZE),
    K("FILTER_MAX_DEPTH", RVF_FILTER_MAX_DEPTH),
    K("META_ENCODING_COLUMNS", RVF_META_ENCODING_COLUMNS),
    K("META_CODE_NULL", RVF_META_CODE_NULL),
    K("WITNESS_ENTRY", RVF_WITNESS_ENTRY_SIZE),
    K("LINEAGE_RECORD", RVF_LINEAGE_RECORD_SIZE),
    K("LOCK", RVF_LOCK_SIZE),
    K("REF_MANIFEST_HEADER", RVF_REF_MANIFEST_HEADER),
    K("REF_DIR_ENTRY", RVF_REF_DIR_ENTRY),
    K("REF_SCAN_WINDOW", RVF_REF_SCAN_WINDOW),
    K("REF_MAX_PAYLOAD", RVF_REF_MAX_PAYLOAD),
};

static const doc_const flags[] = {
    K("COMPRESSED", RVF_FLAG_COMPRESSED),
    K("ENCRYPTED", RVF_FLAG_ENCRYPTED),
    K("SIGNED", RVF_FLAG_SIGNED),
    K("SEALED", RVF_FLAG_SEALED),
    K("PARTIAL", RVF_FLAG_PARTIAL),
    K("TOMBSTONE", RVF_FLAG_TOMBSTONE),
    K("HOT", RVF_FLAG_HOT),
    K("OVERLAY", RVF_FLAG_OVERLAY),
    K("SNAPSHOT", RVF_FLAG_SNAPSHOT),
    K("CHECKPOINT", RVF_FLAG_CHECKPOINT),
    K("ATTESTED", RVF_FLAG_ATTESTED),
    K("HAS_LINEAGE", RVF_FLAG_HAS_LINEAGE),
};

static const doc_const seg_types[] = {
    K("INVALID", RVF_SEG_INVALID),     K("VEC_SEG", RVF_SEG_VEC),
    K("INDEX_SEG", RVF_SEG_INDEX),     K("OVERLAY_SEG", RVF_SEG_OVERLAY),
    K("JOURNAL_SEG", RVF_SEG_JOURNAL), K("MANIFEST_SEG", RVF_SEG_MANIFEST),
    K("QUANT_SEG", RVF_SEG_QUANT),     K("META_SEG", RVF_SEG_META),
    K("HOT_SEG", RVF_SEG_HOT),         K("SKETCH_SEG", RVF_SEG_SKETCH),
    K("WITNESS_SEG", RVF_SEG_WITNESS), K("PROFILE_SEG", RVF_SEG_PROFILE),
    K("CRYPTO_SEG", RVF_SEG_CRYPTO),   K("METAIDX_SEG", RVF_SEG_METAIDX),
    K("KERNEL_SEG", RVF_SEG_KERNEL),   K("EBPF_SEG", RVF_SEG_EBPF),
    K("WASM_SEG", RVF_SEG_WASM),
};

static const doc_const hash_algos[] = {
    K("XXH3_128", RVF_HASH_XXH3_128),
    K("SHAKE256", RVF_HASH_SHAKE256),
};

static const doc_const root_fields[] = {
    K("magic", RVF_ROOT_OFF_MAGIC),
    K("version", RVF_ROOT_OFF_VERSION),
    K("flags", RVF_ROOT_OFF_FLAGS),
    K("l1_manifest_offset", RVF_ROOT_OFF_L1_OFFSET),
    K("l1_manifest_length", RVF_ROOT_OFF_L1_LENGTH),
    K("total_vector_count", RVF_ROOT_OFF_TOTAL_VECTORS),
    K("dimension", RVF_ROOT_OFF_DIMENSION),
    K("base_dtype", RVF_ROOT_OFF_BASE_DTYPE),
    K("profile_id", RVF_ROOT_OFF_PROFILE_ID),
    K("epoch", RVF_ROOT_OFF_EPOCH),
    K("created_ns", RVF_ROOT_OFF_CREATED_NS),
    K("modified_ns", RVF_ROOT_OFF_MODIFIED_NS),
    K("entrypoint", RVF_ROOT_OFF_ENTRYPOINT),
    K("toplayer", RVF_ROOT_OFF_TOPLAYER),
    K("centroid", RVF_ROOT_OFF_CENTROID),
    K("quantdict", RVF_ROOT_OFF_QUANTDICT),
    K("hot_cache", RVF_ROOT_OFF_HOT_CACHE),
    K("prefetch_map", RVF_ROOT_OFF_PREFETCH_MAP),
    K("sig_algo", RVF_ROOT_OFF_SIG_ALGO),
    K("sig_length", RVF_ROOT_OFF_SIG_LENGTH),
    K("signature", RVF_ROOT_OFF_SIGNATURE),
    K("file_id", RVF_ROOT_OFF_FILE_ID),
    K("parent_id", RVF_ROOT_OFF_PARENT_ID),
    K("parent_hash", RVF_ROOT_OFF_PARENT_HASH),
    K("lineage_depth", RVF_ROOT_OFF_LINEAGE_DEPTH),
    K("reserved", RVF_ROOT_OFF_RESERVED),
    K("root_checksum", RVF_ROOT_OFF_CHECKSUM),
};

static const doc_const tlv_tags[] = {
    K("SEGMENT_DIR", RVF_TAG_SEGMENT_DIR),
    K("TEMP_TIER_MAP", RVF_TAG_TEMP_TIER_MAP),
    K("INDEX_LAYERS", RVF_TAG_INDEX_LAYERS),
    K("OVERLAY_CHAIN", RVF_TAG_OVERLAY_CHAIN),
    K("COMPACTION_STATE", RVF_TAG_COMPACTION_STATE),
    K("SHARD_REFS", RVF_TAG_SHARD_REFS),
    K("CAPABILITY_MANIFEST", RVF_TAG_CAPABILITY_MANIFEST),
    K("PROFILE_CONFIG", RVF_TAG_PROFILE_CONFIG),
    K("ACCESS_SKETCH_REF", RVF_TAG_ACCESS_SKETCH_REF),
    K("PREFETCH_TABLE", RVF_TAG_PREFETCH_TABLE),
    K("ID_RESTART_POINTS", RVF_TAG_ID_RESTART_POINTS),
    K("WITNESS_CHAIN", RVF_TAG_WITNESS_CHAIN),
    K("KEY_DIRECTORY", RVF_TAG_KEY_DIRECTORY),
    K("DELETION_BITMAP", RVF_TAG_DELETION_BITMAP),
    K("METADATA_INDEX_DIR", RVF_TAG_METADATA_INDEX_DIR),
    K("DIMENSION_CATALOG", RVF_TAG_DIMENSION_CATALOG),
};

static const doc_const dir_fields[] = {
    K("segment_id", RVF_DIR_OFF_SEGMENT_ID),
    K("seg_type", RVF_DIR_OFF_SEG_TYPE),
    K("tier", RVF_DIR_OFF_TIER),
    K("flags", RVF_DIR_OFF_FLAGS),
    K("file_offset", RVF_DIR_OFF_FILE_OFFSET),
    K("payload_length", RVF_DIR_OFF_PAYLOAD_LENGTH),
    K("compressed_length", RVF_DIR_OFF_COMPRESSED_LENGTH),
    K("shard_id", RVF_DIR_OFF_SHARD_ID),
    K("compression", RVF_DIR_OFF_COMPRESSION),
    K("block_count", RVF_DIR_OFF_BLOCK_COUNT),
    K("content_hash", RVF_DIR_OFF_CONTENT_HASH),
};

static const doc_const metrics[] = {
    K("L2", RVF_METRIC_L2),
    K("IP", RVF_METRIC_IP),
    K("COSINE", RVF_METRIC_COSINE),
    K("HAMMING", RVF_METRIC_HAMMING),
};

static const doc_const idmaps[] = {
    K("RAW", RVF_IDMAP_RAW),
    K("DELTA_VARINT", RVF_IDMAP_DELTA_VARINT),
};

/* rvf.h names only the dtypes a store writes; the other rows are checked for shape only. */
static const doc_const dtypes[] = {
    K("F32", RVF_DTYPE_F32),
    K("F16", RVF_DTYPE_F16),
};

static const doc_const journal_types[] = {
    K("DELETE_VECTOR", RVF_JOURNAL_DELETE_VECTOR),
    K("DELETE_RANGE", RVF_JOURNAL_DELETE_RANGE),
    K("UPDATE_METADATA", RVF_JOURNAL_UPDATE_METADATA),
    K("MOVE_VECTOR", RVF_JOURNAL_MOVE_VECTOR),
    K("REMAP_ID", RVF_JOURNAL_REMAP_ID),
};

static const doc_const hot_fields[] = {
    K("vector_count", RVF_HOTSEG_OFF_COUNT),
    K("dim", RVF_HOTSEG_OFF_DIM),
    K("dtype", RVF_HOTSEG_OFF_DTYPE),
    K("neighbor_m", RVF_HOTSEG_OFF_NEIGHBOR_M),
    K("id_table_offset", RVF_HOTSEG_OFF_ID_TABLE),
};

static const doc_const meta_fields[] = {
    K("schema_id", RVF_META_OFF_SCHEMA_ID),
    K("vector_id_range_start", RVF_META_OFF_RANGE_START),
    K("vector_id_range_end", RVF_META_OFF_RANGE_END),
    K("field_count", RVF_META_OFF_FIELD_COUNT),
    K("encoding", RVF_META_OFF_ENCODING),
};

static const doc_const field_types[] = {
    K("STRING", RVF_FIELD_STRING), K("U32", RVF_FIELD_U32),   K("U64", RVF_FIELD_U64),
    K("F32", RVF_FIELD_F32),       K("ENUM", RVF_FIELD_ENUM), K("BOOL", RVF_FIELD_BOOL),
    K("I64", RVF_FIELD_I64),       K("F64", RVF_FIELD_F64),   K("BYTES", RVF_FIELD_BYTES),
};

static const doc_const field_flags[] = {
    K("INDEXED", RVF_FIELDF_INDEXED),
    K("SORTED", RVF_FIELDF_SORTED),
    K("NULLABLE", RVF_FIELDF_NULLABLE),
    K("STORED", RVF_FIELDF_STORED),
};

static const doc_const filter_tokens[] = {
    K("FIELD_REF", RVF_TOK_FIELD_REF), K("LIT_U32", RVF_TOK_LIT_U32),
    K("LIT_U64", RVF_TOK_LIT_U64),     K("LIT_F32", RVF_TOK_LIT_F32),
    K("LIT_STR", RVF_TOK_LIT_STR),     K("LIT_BOOL", RVF_TOK_LIT_BOOL),
    K("LIT_NULL", RVF_TOK_LIT_NULL),   K("LIT_I64", RVF_TOK_LIT_I64),
    K("LIT_F64", RVF_TOK_LIT_F64),     K("CMP_EQ", RVF_FILTER_EQ),
    K("CMP_NE", RVF_FILTER_NE),        K("CMP_LT", RVF_FILTER_LT),
    K("CMP_LE", RVF_FILTER_LE),        K("CMP_GT", RVF_FILTER_GT),
    K("CMP_GE", RVF_FILTER_GE),        K("IN_SET", RVF_FILTER_IN),
    K("PREFIX", RVF_FILTER_PREFIX),    K("CONTAINS", RVF_FILTER_CONTAINS),
    K("AND", RVF_FILTER_AND),          K("OR", RVF_FILTER_OR),
    K("NOT", RVF_FILTER_NOT),
};

static const doc_const containers[] = {
    K("ARRAY", RVF_CONTAINER_ARRAY),
    K("BITMAP", RVF_CONTAINER_BITMAP),
    K("RUN", RVF_CONTAINER_RUN),
};

/* Codes 0x03-0x08 and 0x0A-0x0D have no constant (never written). */
static const doc_const witness_types[] = {
    K("PROVENANCE", RVF_WITNESS_PROVENANCE),
    K("COMPUTATION", RVF_WITNESS_COMPUTATION),
    K("DERIVATION", RVF_WITNESS_DERIVATION),
};

/* The 0.2.x metric byte of a reference manifest sits at payload offset 19 (npm-packages.md). */
static const doc_const ref_manifest_fields[] = {
    {"metric", 19, "reference metric byte offset", 0},
    {"seg_count", 14, "reference seg_count offset", 0},
};

static const doc_table tables[] = {
    TABLE("Status codes", 0, 1, status_codes, 1),
    TABLE("Magic numbers", 0, 2, magics, 1),
    TABLE("Fixed sizes and limits", 0, 1, sizes, 1),
    PLAIN_LAYOUT("Segment header (64 bytes)", 0, RVF_SEGMENT_HEADER_SIZE),
    {"Flags (u16)", 1, 2, flags, N(flags), 1, 0, 0, 0},
    TABLE("Segment types", 0, 1, seg_types, 1),
    TABLE("Content hash", 0, 1, hash_algos, 1),
    LAYOUT("Level-0 root (4096 bytes)", root_fields, 1, 0, RVF_ROOT_SIZE),
    PLAIN_LAYOUT("Hotset pointer (16 bytes)", 0, 16),
    PLAIN_LAYOUT("Reserved by the reference (root 0xF44-0xF83)", RVF_ROOT_OFF_LINEAGE_DEPTH + 4,
                 RVF_ROOT_OFF_RESERVED - RVF_ROOT_OFF_LINEAGE_DEPTH - 4),
    PLAIN_LAYOUT("TLV record header (8 bytes)", 0, RVF_TLV_HEADER_SIZE),
    TABLE("TLV tags", 0, 1, tlv_tags, 1),
    LAYOUT("SEGMENT_DIR entry (64 bytes)", dir_fields, 1, 0, RVF_DIR_ENTRY_SIZE),
    PLAIN_LAYOUT("OVERLAY_CHAIN (40 bytes)", 0, RVF_OVERLAY_CHAIN_SIZE),
    PLAIN_LAYOUT("CAPABILITY_MANIFEST (8 bytes)", 0, RVF_CAPABILITY_SIZE),
    TABLE("Metrics", 0, 1, metrics, 1),
    PLAIN_LAYOUT("WITNESS_CHAIN (48 bytes)", 0, RVF_WITNESS_CHAIN_SIZE),
    PLAIN_LAYOUT("COMPACTION_STATE (24 bytes + entries)", 0, RVF_COMPACTION_STATE_HEADER),
    PLAIN_LAYOUT("DIMENSION_CATALOG entry (16 bytes)", 0, 16),
    PLAIN_LAYOUT("VEC block directory entry (12 bytes)", 0, RVF_VEC_DIR_ENTRY_SIZE),
    PLAIN_LAYOUT("ID map header (7 bytes)", 0, 7),
    TABLE("ID map encodings", 0, 1, idmaps, 1),
    TABLE("VEC dtypes", 0, 1, dtypes, 0),
    LAYOUT("HOT_SEG header (64 bytes)", hot_fields, 1, 0, RVF_HOTSEG_HEADER),
    PLAIN_LAYOUT("Journal header (64 bytes)", 0, RVF_JOURNAL_HEADER_SIZE),
    TABLE("Journal entry types", 0, 1, journal_types, 1),
    LAYOUT("Meta header (64 bytes)", meta_fields, 1, 0, RVF_META_HEADER_SIZE),
    PLAIN_LAYOUT("Field directory entry (8 bytes)", 0, RVF_META_FIELD_ENTRY_SIZE),
    TABLE("Field types", 0, 1, field_types, 1),
    TABLE("Field flags", 0, 1, field_flags, 1),
    PLAIN_LAYOUT("Filter header (4 bytes)", 0, RVF_FILTER_HEADER_SIZE),
    TABLE("Filter tokens", 0, 1, filter_tokens, 1),
    TABLE("Deletion bitmap", 0, 1, containers, 1),
    PLAIN_LAYOUT("Witness entry (73 bytes)", 0, RVF_WITNESS_ENTRY_SIZE),
    TABLE("Witness types", 0, 1, witness_types, 0),
    PLAIN_LAYOUT("LineageRecord (128 bytes)", 0, RVF_LINEAGE_RECORD_SIZE),
    PLAIN_LAYOUT("Lock file (104 bytes)", 0, RVF_LOCK_SIZE),
    LAYOUT("Reference manifest header (22 bytes)", ref_manifest_fields, 0, 0,
           RVF_REF_MANIFEST_HEADER),
    PLAIN_LAYOUT("Reference directory entry (25 bytes)", 0, RVF_REF_DIR_ENTRY),
    PLAIN_LAYOUT("Reference FileIdentity (68 bytes)", 0, 68),
    PLAIN_LAYOUT("Reference VEC payload", 0, 6),
};

/* ---- cases ------------------------------------------------------------------------------------
 */

static void test_tables(void)
{
    for (size_t i = 0; i < N(tables); i++)
        check_table(doc, &tables[i]);
}

/* Every status of rvf_status.def is a distinct number; the table check above pairs them with the
 * document both ways (implementation statuses >= 0xF000 may be left out of the document). */
static void test_status_list(void)
{
    for (size_t i = 0; i < N(status_codes); i++)
        for (size_t j = i + 1; j < N(status_codes); j++)
            EXPECT(status_codes[i].value != status_codes[j].value, "%s and %s share 0x%llx",
                   status_codes[i].cname, status_codes[j].cname,
                   (unsigned long long)status_codes[i].value);
}

static int parse_hex_bytes(const char *cell, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = cell; *p;) {
        if (*p == ' ' || *p == '`') {
            p++;
            continue;
        }
        unsigned v;
        if (n == cap || !isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
            sscanf(p, "%2x", &v) != 1)
            return -1;
        out[n++] = (uint8_t)v;
        p += 2;
    }
    return (int)n;
}

/* `"abc"` -> abc */
static int parse_input(const char *cell, char *out, size_t cap)
{
    const char *a = strchr(cell, '"'), *b = a ? strrchr(cell, '"') : NULL;
    if (!a || b == a || (size_t)(b - a - 1) >= cap)
        return -1;
    memcpy(out, a + 1, (size_t)(b - a - 1));
    out[b - a - 1] = 0;
    return (int)(b - a - 1);
}

typedef void (*vector_check)(const char *input, size_t n, char cells[MAX_CELLS][CELL], int ncells);

static int walk_vectors(const char *heading, vector_check fn)
{
    const char *line = find_table(doc, heading);
    EXPECT(line != NULL, "FORMAT.md has no table under \"%s\"", heading);
    int rows = 0;
    for (int row = 0; line && *line == '|'; line = next_line(line), row++) {
        char cells[MAX_CELLS][CELL], input[64];
        int n = split_row(line, cells), len;
        if (row < 2)
            continue;
        len = n > 0 ? parse_input(cells[0], input, sizeof input) : -1;
        EXPECT(len >= 0, "%s: row %d has no quoted input", heading, row);
        if (len < 0)
            continue;
        fn(input, (size_t)len, cells, n);
        rows++;
    }
    return rows;
}

static void crc32c_vector(const char *input, size_t n, char cells[MAX_CELLS][CELL], int ncells)
{
    long long v = -1;
    EXPECT(ncells > 3 && parse_num(cells[3], &v) && (uint32_t)v == rvfk_crc32c(input, n),
           "Test vectors: CRC32C of \"%s\" is 0x%08X, FORMAT.md says %s", input,
           rvfk_crc32c(input, n), ncells > 3 ? cells[3] : "nothing");
}

static void ref_hash_vector(const char *input, size_t n, char cells[MAX_CELLS][CELL], int ncells)
{
    long long v = -1;
    uint32_t crc = rvf_crc32_ieee_update(0, input, n);
    EXPECT(ncells > 2 && parse_num(cells[1], &v) && (uint32_t)v == crc,
           "reference hash: CRC-32 of \"%s\" is 0x%08X", input, crc);
    uint8_t want[16], got[16];
    rvf_ref_content_hash(input, n, want);
    EXPECT(ncells > 2 && parse_hex_bytes(cells[2], got, sizeof got) == 16 && !memcmp(got, want, 16),
           "reference hash of \"%s\" differs from FORMAT.md", input);
}

static void fold32_vector(const char *input, size_t n, char cells[MAX_CELLS][CELL], int ncells)
{
    uint8_t want[32], got[32];
    rvf_fold32(input, n, want);
    EXPECT(ncells > 1 && parse_hex_bytes(cells[1], got, sizeof got) == 32 && !memcmp(got, want, 32),
           "fold32 of \"%s\" differs from FORMAT.md", input);
}

static void xxh3_shake_vector(const char *input, size_t n, char cells[MAX_CELLS][CELL], int ncells)
{
    uint8_t want[16], got[16];
    rvf_xxh3_128(input, n, want);
    EXPECT(ncells > 2 && parse_hex_bytes(cells[1], got, 16) == 16 && !memcmp(got, want, 16),
           "Test vectors: XXH3-128 of \"%s\" differs from FORMAT.md", input);
    rvf_shake256(input, n, want, 16);
    EXPECT(ncells > 2 && parse_hex_bytes(cells[2], got, 16) == 16 && !memcmp(got, want, 16),
           "Test vectors: SHAKE-256 of \"%s\" differs from FORMAT.md", input);
}

static void test_vectors(void)
{
    CHECK_EQ_INT(walk_vectors("Test vectors", crc32c_vector), 3);
    CHECK_EQ_INT(walk_vectors("Test vectors", xxh3_shake_vector), 3);
    CHECK_EQ_INT(walk_vectors("Reference content hash", ref_hash_vector), 3);
    CHECK_EQ_INT(walk_vectors("fold32", fold32_vector), 1);
}

/* The fenced hex block under the heading, or -1. */
static long read_example(const char *heading, uint8_t *out, size_t cap)
{
    size_t hl = strlen(heading);
    const char *p = doc;
    for (; p; p = next_line(p))
        if (*p == '#' && strstr(p, heading) == p + strspn(p, "#") + 1 &&
            p[strspn(p, "#") + 1 + hl] == '\n')
            break;
    while (p && strncmp(p, "```", 3) != 0)
        p = next_line(p);
    if (!p)
        return -1;
    size_t n = 0;
    for (p = next_line(p); p && strncmp(p, "```", 3) != 0; p = next_line(p)) {
        const char *end = strchr(p, '\n'), *hash = memchr(p, '#', end ? (size_t)(end - p) : 0);
        if (hash)
            end = hash;
        for (const char *q = p; q < end;) {
            if (*q == ' ') {
                q++;
                continue;
            }
            size_t len = strcspn(q, " #\n");
            unsigned zeros;
            int used;
            if (sscanf(q, "00*%u%n", &zeros, &used) == 1 && (size_t)used == len) {
                if (zeros > cap - n)
                    return -1;
                memset(out + n, 0, zeros);
                n += zeros;
            } else {
                char tok[160];
                if (len % 2 || len >= sizeof tok)
                    return -1;
                memcpy(tok, q, len);
                tok[len] = 0;
                int got = parse_hex_bytes(tok, out + n, cap - n);
                if (got < 0)
                    return -1;
                n += (size_t)got;
            }
            q += len;
        }
    }
    return p ? (long)n : -1;
}

static void test_examples(void)
{
    uint8_t want[256];
    rvf_buf b;

    /* VEC_SEG: payload bytes and content hash */
    long n = read_example("VEC_SEG example", want, sizeof want);
    CHECK_EQ_INT(n, 128);
    const uint64_t ids[2] = {5, 7};
    uint8_t rows[16];
    const float v[4] = {1, 2, 3, 4};
    for (int i = 0; i < 4; i++)
        rvfk_st_f32(rows + 4 * i, v[i]);
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_vecseg_encode(&b, ids, rows, 2, 2, RVF_DTYPE_F32, RVF_VEC_BLOCK_VECTORS),
                 RVF_OK);
    CHECK_EQ_INT(b.len, n);
    if (n > 0 && b.len == (size_t)n)
        CHECK_MEM(b.data, want, (size_t)n);
    uint8_t h[16], doc_h[16];
    rvf_xxh3_128(want, n > 0 ? (size_t)n : 0, h);
    CHECK(parse_hex_bytes("d16fe3c4d503c2acef5adb6faa78cf85", doc_h, 16) == 16);
    CHECK(strstr(doc, "`d16fe3c4d503c2acef5adb6faa78cf85`") != NULL);
    CHECK_MEM(h, doc_h, 16);
    rvf_buf_free(&b);

    /* Deletion bitmap: {42} and [1000, 2000) */
    n = read_example("Deletion bitmap example", want, sizeof want);
    CHECK_EQ_INT(n, 48);
    uint64_t del[1001];
    del[0] = 42;
    for (int i = 0; i < 1000; i++)
        del[1 + i] = 1000 + (uint64_t)i;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_delbitmap_encode(&b, del, 1001), RVF_OK);
    CHECK_EQ_INT(b.len, n);
    if (n > 0 && b.len == (size_t)n)
        CHECK_MEM(b.data, want, (size_t)n);
    rvf_buf_free(&b);

    /* Filter: built with the public builder */
    n = read_example("Filter example", want, sizeof want);
    CHECK_EQ_INT(n, 32);
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value lit = {0, RVF_VALUE_STRING, {0}};
    lit.v.bytes.ptr = (const uint8_t *)"E. coli";
    lit.v.bytes.len = 7;
    rvf_filter_cmp(&f, 0, RVF_FILTER_EQ, &lit);
    lit.type = RVF_VALUE_U64;
    lit.v.u64 = 1000;
    rvf_filter_cmp(&f, 3, RVF_FILTER_GE, &lit);
    rvf_filter_op(&f, RVF_FILTER_AND);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    CHECK_EQ_INT(f.len, n);
    if (n > 0 && f.len == (size_t)n)
        CHECK_MEM(f.bytes, want, (size_t)n);
    CHECK_EQ_INT(rvf_filter_validate(want, n > 0 ? (size_t)n : 0), RVF_OK);
    rvf_filter_free(&f);

    /* Witness chain of two entries */
    n = read_example("Witness example", want, sizeof want);
    CHECK_EQ_INT(n, 2 * RVF_WITNESS_ENTRY_SIZE);
    rvf_buf_init(&b);
    rvf_witness_append(&b, "a", 1, 1, RVF_WITNESS_PROVENANCE);
    rvf_witness_append(&b, "a", 1, 1, RVF_WITNESS_PROVENANCE);
    CHECK_EQ_INT(b.len, n);
    if (n > 0 && b.len == (size_t)n)
        CHECK_MEM(b.data, want, (size_t)n);
    uint32_t count = 0;
    CHECK_EQ_INT(rvf_witness_verify(want, n > 0 ? (size_t)n : 0, &count, NULL), RVF_OK);
    CHECK_EQ_INT(count, 2);
    rvf_buf_free(&b);
}

/* The byte columns of the magic table are the little-endian bytes of the value. */
static void test_magic_bytes(void)
{
    const char *line = find_table(doc, "Magic numbers");
    CHECK(line != NULL);
    for (int row = 0; line && *line == '|'; line = next_line(line), row++) {
        char cells[MAX_CELLS][CELL];
        long long v;
        uint8_t b[8];
        if (row < 2 || split_row(line, cells) < 3 || !parse_num(cells[0], &v))
            continue;
        EXPECT(parse_hex_bytes(cells[1], b, sizeof b) == 4 && rvfk_ld_u32(b) == (uint32_t)v,
               "Magic numbers: %s: bytes \"%s\" are not 0x%08llX little-endian", cells[2], cells[1],
               (unsigned long long)v);
    }
}

/* The integrity-code table's check values. */
static void test_integrity_codes(void)
{
    const char *line = find_table(doc, "Integrity codes");
    CHECK(line != NULL);
    int found = 0;
    for (int row = 0; line && *line == '|'; line = next_line(line), row++) {
        char cells[MAX_CELLS][CELL];
        long long v;
        if (row < 2 || split_row(line, cells) < 4 || !parse_num(cells[3], &v))
            continue;
        uint32_t want = !strcmp(cells[0], "CRC32C") ? rvfk_crc32c("123456789", 9)
                                                    : rvf_crc32_ieee_update(0, "123456789", 9);
        EXPECT((uint32_t)v == want, "Integrity codes: %s check value is 0x%08X, FORMAT.md says %s",
               cells[0], want, cells[3]);
        found++;
    }
    CHECK_EQ_INT(found, 2);
}

/* The checker must notice a wrong number, a missing row, an extra row and a gap. */
static void test_checker_catches_drift(void)
{
    static const doc_const c[] = {{"a", 0, "A", 0}, {"b", 4, "B", 0}, {"c", 8, "C", 0}};
    static const doc_table t = {"T", 0, 3, c, 3, 1, -1, 0, 12};
    static const struct {
        const char *text;
        int problems;
    } cases[] = {
        {"# T\n\n| O | S | T | F |\n|---|---|---|---|\n| 0x00 | 4 | u32 | a |\n| 0x04 | 4 | u32 | "
         "b "
         "|\n| 0x08 | 4 | u32 | c |\n",
         0},
        {"# T\n\n| O | S | T | F |\n|---|---|---|---|\n| 0x00 | 4 | u32 | a |\n| 0x04 | 4 | u32 | "
         "b "
         "|\n| 0x09 | 3 | u32 | c |\n",
         2}, /* c at a wrong offset: not contiguous, value differs */
        {"# T\n\n| O | S | T | F |\n|---|---|---|---|\n| 0x00 | 4 | u32 | a |\n| 0x04 | 8 | u32 | "
         "b "
         "|\n",
         1}, /* c missing */
        {"# T\n\n| O | S | T | F |\n|---|---|---|---|\n| 0x00 | 4 | u32 | a |\n| 0x04 | 2 | u32 | "
         "b "
         "|\n| 0x06 | 2 | u16 | x |\n| 0x08 | 4 | u32 | c |\n",
         1}, /* x names no constant */
        {"# T\n\n| O | S | T | F |\n|---|---|---|---|\n| 0x00 | 4 | u32 | a |\n| 0x04 | 4 | u32 | "
         "b "
         "|\n| 0x08 | 4 | u32 | c |\n| 0x0C | 4 | u32 | reserved |\n",
         1},                               /* runs past the structure */
        {"# U\n\n| O | S | T | F |\n", 1}, /* no such heading */
    };
    for (size_t i = 0; i < N(cases); i++) {
        quiet_problems = 1;
        check_table(cases[i].text, &t);
        int found = quiet_problems - 1;
        quiet_problems = 0;
        CHECK_EQ_INT(found, cases[i].problems);
    }
}

int main(void)
{
    if (!load_doc())
        return 1;
    RVF_TEST_RUN(test_checker_catches_drift);
    RVF_TEST_RUN(test_tables);
    RVF_TEST_RUN(test_status_list);
    RVF_TEST_RUN(test_magic_bytes);
    RVF_TEST_RUN(test_integrity_codes);
    RVF_TEST_RUN(test_vectors);
    RVF_TEST_RUN(test_examples);
    return rvf_test_finish();
}

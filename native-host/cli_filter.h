/* cli_filter.h: metadata field names and the command line's filter syntax (native-host only).
 *
 * The format stores metadata by field id (u16). On the command line a field is named either by
 * its id, "#7", or by a name bound to an id with --field NAME=ID (repeatable). Names are
 * [A-Za-z_][A-Za-z0-9_.-]*, case-sensitive.
 *
 * Filter syntax (compiled to the format's postfix encoding, FORMAT.md "Filter expression"):
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | "(" expr ")" | cmp
 *   cmp     := field OP literal | field "in" "(" literal ("," literal)* ")"
 *            | field "between" literal "and" literal          (half-open: lo <= x < hi)
 *            | field "prefix" string | field "contains" string
 *            | field "is" ["not"] "null"
 *   OP      := "=" | "==" | "!=" | "<" | "<=" | ">" | ">="
 *   literal := integer (-> u64, or i64 when negative) | number with "." or exponent (-> f64)
 *            | "double" or 'single' quoted string (backslash escapes \" \' \\ \n \t) | true | false
 * | null Keywords are case-insensitive. Example: year >= 2020 and lang in ("en", "de") and not #9
 * is null
 */
#ifndef CLI_FILTER_H
#define CLI_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "rvf.h"

typedef struct cli_field {
    char name[64];
    uint16_t id;
} cli_field;

typedef struct cli_field_map {
    cli_field *fields;
    size_t n, cap;
} cli_field_map;

void cli_fields_init(cli_field_map *m);
void cli_fields_free(cli_field_map *m);
/* Parse "NAME=ID" and add it; 0 on success, -1 with a message in err (bad name, id > 65535,
 * name bound twice to different ids). */
int cli_fields_add(cli_field_map *m, const char *spec, char *err, size_t errlen);
/* Resolve "#7" or a bound name (len bytes of text). 0 and *id on success, -1 if unknown. */
int cli_fields_resolve(const cli_field_map *m, const char *text, size_t len, uint16_t *id);
/* The name bound to id, or NULL. */
const char *cli_fields_name(const cli_field_map *m, uint16_t id);

/* Compile text into f (initialised by the caller with rvf_filter_init). 0 on success; -1 with a
 * one-line message in err that names the column (1-based) and shows the offending token, e.g.
 * "filter: column 9: expected a value after '>=', found ')'". */
int cli_filter_compile(const char *text, const cli_field_map *fields, rvf_filter *f, char *err,
                       size_t errlen);

#endif

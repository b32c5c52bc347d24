/* cli_filter.h: metadata field names and the command line's filter syntax (native-host only).
 *
 * Field names. The format stores metadata by field id (u16). On the command line a field is named
 * either by its id, "#7", or by a name bound to an id with --field NAME=ID (repeatable). Names are
 * [A-Za-z_][A-Za-z0-9_.-]*, at most 63 bytes, case-sensitive. A name may equal a keyword of the
 * syntax below; where a field is expected the bound name wins, except "not", which is always the
 * operator (write such a field as "#ID").
 *
 * Filter syntax (compiled to the format's postfix encoding, FORMAT.md "Filter expression"):
 *   expr    := or
 *   or      := and ("or" and)*                                  (left-associative)
 *   and     := not ("and" not)*                                 (left-associative)
 *   not     := "not" not | "(" expr ")" | cmp
 *   cmp     := field OP literal
 *            | field "in" "(" [literal ("," literal)*] ")"      (at most 65535 literals)
 *            | field "between" literal "and" literal            (half-open: lo <= x < hi)
 *            | field "prefix" string | field "contains" string  (bytewise)
 *            | field "is" ["not"] "null"
 *   field   := NAME | "#" digits                                (0..65535)
 *   OP      := "=" | "==" | "!=" | "<" | "<=" | ">" | ">="
 *   literal := integer          -> u64 (0..18446744073709551615), or i64 when negative
 *            | number with "." or an exponent ("1.5", "2e3", "-0.25") -> f64
 *            | "double" or 'single' quoted string -> UTF-8 bytes as written; escapes
 *              \" \' \\ \n \t \r \xHH (HH two hex digits: any byte)
 *            | true | false | null
 * Keywords (and or not in between prefix contains is null true false) are case-insensitive.
 * Precedence: not > and > or; parentheses group. Encodings: "is null" is field, LIT_NULL, CMP_EQ
 * ("= null" gives the same bytes); "is not null" uses CMP_NE; "between" is FIELD_REF, lo, CMP_GE,
 * FIELD_REF, hi, CMP_LT, AND. The format's evaluation stack holds 16 values: an expression whose
 * nesting needs more is refused (so is one of more than 65535 tokens).
 * Semantics (FORMAT.md): a field a vector lacks is null; "x != 5" is true where x is null, every
 * other comparison with null is false; numbers compare by value across u64/i64/f64; strings
 * bytewise; a comparison between a string and a number (or a bool and anything but a bool) is
 * false, "!=" included. "string" above means a quoted literal.
 *
 * Example: year >= 2020 and lang in ("en", "de") and not #9 is null
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

/* Bindings NAME -> id. Zero-initialised (cli_fields_init) it is empty and usable; fields is
 * allocated by cli_fields_add and released by cli_fields_free. */
typedef struct cli_field_map {
    cli_field *fields;
    size_t n, cap;
} cli_field_map;

void cli_fields_init(cli_field_map *m);
void cli_fields_free(cli_field_map *m);
/* Parse "NAME=ID" (as given to --field) and add it; 0 on success, -1 with a one-line message in
 * err: no '=', a bad name, an id that is not an integer 0..65535, or a name already bound to a
 * different id (binding the same name to the same id again is allowed; several names may share
 * one id). */
int cli_fields_add(cli_field_map *m, const char *spec, char *err, size_t errlen);
/* Resolve "#7" or a bound name (len bytes of text, not necessarily NUL-terminated). 0 and *id on
 * success, -1 if unknown or malformed. */
int cli_fields_resolve(const cli_field_map *m, const char *text, size_t len, uint16_t *id);
/* The first name bound to id, or NULL. Valid until the next change of the map. */
const char *cli_fields_name(const cli_field_map *m, uint16_t id);

/* Compile text into f (initialised by the caller with rvf_filter_init; the caller frees it with
 * rvf_filter_free whatever the result). 0 on success: f->bytes / f->len hold an expression that
 * rvf_filter_validate accepts. -1 with a one-line message in err that names the column (1-based,
 * counted in characters) and shows the offending token, e.g.
 *   "filter: column 9: expected a value after '>=', found ')'"
 *   "filter: column 1: unknown field name (bind it with --field yeer=ID, or write #ID), found
 *    'yeer'"
 *   "filter: column 30: expression nests too deeply (the format allows a stack of 16), found 'b'"
 * ("found end of input" when the text ended early). */
int cli_filter_compile(const char *text, const cli_field_map *fields, rvf_filter *f, char *err,
                       size_t errlen);

/* Render an encoded filter (bytes of len bytes, e.g. from cli_filter_compile or a file) back to
 * the text syntax, for `rvf inspect` and --explain: infix, fields by bound name (else "#ID"),
 * "and" inside "or" and every operand of "not" parenthesised, a GE/LT/AND pair on one field shown
 * as "between", LIT_NULL comparisons as "is [not] null". For any expression cli_filter_compile
 * produced, compiling the text again gives identical bytes. Shapes the syntax cannot write
 * (f32/u32 literals, non-negative i64, NaN or infinite floats, field-to-field comparisons) are
 * shown readably but may not compile back to the same bytes.
 * Returns the length of the full text (excluding the NUL), like snprintf: out (outlen > 0) receives
 * it, truncated and NUL-terminated when outlen is not larger. Returns -1 when bytes are not a
 * valid filter expression (rvf_filter_validate) or memory ran out; out then holds a message. */
int cli_filter_describe(const uint8_t *bytes, size_t len, const cli_field_map *fields, char *out,
                        size_t outlen);

#endif

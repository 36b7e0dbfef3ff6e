// The JSON-lines fast path: one JSON document validated (and its top-level members located) in C, 16 bytes
// at a time inside strings. It only ever says "valid" for text the Swift scanner (Sources/Files/JSONScanner.swift)
// accepts; on anything else it says "not sure" and the Swift scanner reads the document again, so every
// error message and every corner case stays the Swift scanner's.
#ifndef STRATA_CJSON_H
#define STRATA_CJSON_H

#include <stddef.h>
#include <stdint.h>

/// One member of the top-level object: the key between its quotes, the value's text (a string's with its quotes,
/// a container's from its opening to its closing bracket) and the value's kind (as Swift's JSONKind: 0 null,
/// 1 true, 2 false, 3 number, 4 string, 5 array, 6 object).
typedef struct {
  int64_t key_start, key_end, value_start, value_end;
  int32_t kind;
  int32_t key_escaped;
} strata_json_member;

/// Checks that bytes p[0 ..< n] are exactly one JSON document (RFC 8259 grammar; strings are not checked for
/// UTF-8; at most 1000 nested containers) with optional space, tab, CR or LF around it. Returns the kind of the
/// document (0 ... 6, as above) and its span in *start, *end; or -1 when the text is not valid or, with
/// `members` not NULL, when the top-level object has more than `capacity` members — in both cases the caller
/// scans again the slow way. With `members`, the top-level object's members are stored there, in order, and
/// their number in *count (0 for a document that is not an object).
int strata_json_scan(const uint8_t *p, size_t n, int64_t *start, int64_t *end, strata_json_member *members,
                     size_t capacity, size_t *count);

/// For each of `columns` keys (column c's key is keys[offsets[c] ..< offsets[c + 1]], unescaped bytes), the
/// index of the first of the `count` members whose key is those bytes, or -1: found[c]. Returns 1 (it stops
/// looking once every column is found); returns 0 when a member's key holds an escape before that (then found
/// is incomplete and the caller decodes keys the slow way).
int strata_json_match_keys(const uint8_t *p, const strata_json_member *members, size_t count, const uint8_t *keys,
                           const intptr_t *offsets, size_t columns, intptr_t *found);

/// The SQL value of a simple member value at p[start ..< end] of `kind` (as above), the way the Swift readers
/// make it (JSONDocumentReader.value(ofMember:), JSONValueColumn.append): null, true → integer 1, false →
/// integer 0, a number → an integer when it is one that fits 64 bits, else a double when Clinger's exact
/// fast path gives it (≤ 19 digits, mantissa ≤ 2^53, exponent within ±22), a string without escapes and
/// with ASCII bytes only → its body as text, and — with `unwrap_wrappers` — an object that is exactly
/// {"$numberLong": "<integer>"} or {"$numberInt": "<integer>"} → that integer. With `as_real`, integers
/// are given as doubles. Returns 1 and sets *type (0 null, 1 integer, 2 real, 3 text), *bits (the integer,
/// or the double's bit pattern) and the text's span; returns 0 for anything else (the caller asks Swift).
int strata_json_simple_value(const uint8_t *p, int64_t start, int64_t end, int kind, int unwrap_wrappers,
                             int as_real, int *type, int64_t *bits, int64_t *text_start, int64_t *text_end);

/// What strata_json_read_rows reads and where it puts it. Inputs: the used columns' keys (as for
/// strata_json_match_keys), per column whether integers are wanted as doubles (`as_real`), and
/// `unwrap_wrappers` (as for strata_json_simple_value). Outputs, for up to `row_capacity` rows, column-major
/// (column c's value of row i at [c * row_capacity + i]): the value's type and bits, and a text's span in the
/// bytes given; per row, the index of its line among the lines read by the call. `members` is scratch with room
/// for `columns` members (the wanted member of each column, found while scanning).
typedef struct {
  const uint8_t *keys;
  const intptr_t *key_offsets;
  size_t columns;
  const uint8_t *as_real;
  int unwrap_wrappers;
  size_t row_capacity;
  uint8_t *types;
  int64_t *bits, *text_start, *text_end;
  int64_t *line_index;
  strata_json_member *members;
  /// With `render_document`, each row's document text (strata_json_render_unwrapped) is also written to
  /// text[text_used ...] (text_used grows; a row whose text does not fit in text_capacity, or that the
  /// renderer leaves to Swift, is left to the caller) and its span there to document_start/document_end.
  int render_document;
  uint8_t *text;
  size_t text_capacity, text_used;
  int64_t *document_start, *document_end;
  /// Whether lines are read with a learnt shape when they match it (see Sources/CJSON/json_shape.h; the rows
  /// are the same either way), and that shape (NULL at first; freed by strata_json_rows_release).
  int use_shapes;
  void *shape;
  /// Rows read through the shape so far (grows; for tests and measurements).
  size_t shape_rows;
} strata_json_rows;

/// Frees what strata_json_read_rows allocated in *r (its shape).
void strata_json_rows_release(strata_json_rows *r);

/// The rows of JSON-lines text p[0 ..< n] in one call, for a typed scan: reads the complete ('\n'-terminated)
/// lines that start before byte `limit`, skipping blank ones, and for each document stores its used columns'
/// simple values (strata_json_simple_value of the first member with the column's key, as
/// strata_json_match_keys finds it; NULL when absent). The document is validated as strata_json_scan does,
/// in the same pass that finds the members and the line's end. It stops before the first line it is not sure
/// of — one strata_json_scan would doubt, a top-level key with an escape, a value that is not simple — after
/// `row_capacity` rows, and at the first line without its '\n' (the caller reads that line its own way).
/// Returns the rows stored; *bytes_read is where the lines it read end (the start of the next line),
/// *lines_read how many lines that is (blank ones too).
size_t strata_json_read_rows(const uint8_t *p, size_t n, size_t limit, strata_json_rows *r, size_t *bytes_read,
                             size_t *lines_read);

/// The document p[start ..< end] (validated, scanned without unwrapping) with its MongoDB Extended JSON wrappers
/// unwrapped, as the Swift scanner renders it (Sources/Files/ExtendedJSON.swift): {"$oid": "…"} → the string,
/// {"$numberLong"|"$numberInt": "<integer>"} → the integer, {"$date": {"$numberLong": "<ms>"}},
/// {"$date": <ms>} and {"$date": "YYYY-MM-DDTHH:MM:SS.fffZ"} → "YYYY-MM-DD HH:MM:SS.fff" (UTC); other objects,
/// `$` or not, are walked as written. Writes at most `capacity` bytes to `out` and their number to *length and
/// returns 1; returns 0 when not sure (a wrapper of another kind or form — other date texts, $numberDouble,
/// $numberDecimal, wrappers whose value does not fit the rule — or no room): the caller renders the Swift way.
int strata_json_render_unwrapped(const uint8_t *p, int64_t start, int64_t end, uint8_t *out, size_t capacity,
                                 size_t *length);

#endif

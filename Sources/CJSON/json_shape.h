// A line's shape, for strata_json_read_rows: private to CJSON.
//
// JSON-lines files nearly always repeat one layout: the same keys in the same order, the same nesting, the same
// punctuation and spacing — only the strings' and numbers' contents change (mongoexport, logging handlers,
// pandas' to_json). A shape is that layout, learnt from a line the full scan has just accepted: the line cut
// into *literals* (every byte that is not inside a string value or a number: brackets, commas, colons,
// whitespace, keys with their quotes, true/false/null) and *slots* between them (each one string value with its
// quotes, or one number). A later line is read with the shape by comparing each literal's bytes and scanning
// each slot with the scanner's own string or number rule.
//
// Why that is the full scan's verdict, not a guess: a line that matches has the learnt line's token sequence
// exactly, except that each string or number token is another valid string or number token. The grammar never
// looks inside a scalar token, so the line is valid exactly as the learnt one was (same depth, same keys, same
// structure), and its top-level members (the wanted columns' values) sit at the same tokens: their spans follow
// from where the literals fall. A line that does not match is scanned in full, as without shapes.
#ifndef STRATA_JSON_SHAPE_H
#define STRATA_JSON_SHAPE_H

#include "CJSON.h"

/// A learnt shape (opaque; owned by strata_json_rows.shape).
typedef struct json_shape json_shape;

/// Reads the line at line[0 ..< n] (n: the bytes available, more than the line) with the shape when one is ready
/// and in use (see json_shape.c for when it is not; shape may be NULL). On a match returns the document's kind,
/// sets *start and *end to its span and, with want, want->members (kind and value span; kind -1: absent; the key
/// span is not kept); the caller still checks what follows the document. Else -1 (also
/// when the shape was learnt for another number of wanted columns).
int json_shape_read(json_shape *shape, const uint8_t *line, ptrdiff_t n, int64_t *start, int64_t *end,
                    const strata_json_rows *want);

/// After the full scan accepted a line json_shape_read did not read (kind: the document's kind): learns the
/// line's shape when it is time to (allocating *shape on first use).
void json_shape_scanned(json_shape **shape, int kind, const uint8_t *line, ptrdiff_t doc_start, ptrdiff_t doc_end,
                        const strata_json_rows *want);

void json_shape_free(json_shape *shape);

#endif

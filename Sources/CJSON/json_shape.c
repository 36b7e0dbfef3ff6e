// See json_shape.h: learning a line's shape and reading later lines with it.
#include "json_shape.h"
#include "json_text.h"

#include <stdlib.h>
#include <string.h>

// Beyond these a line is read by the full scan only (a shape this large would save little per byte).
enum { MAX_SLOTS = 96, MAX_LITERAL_BYTES = 3072 };

// Where a wanted column's value starts and ends: `offset` bytes into segment `segment` (segment 2s is literal s,
// 2s + 1 is slot s), or kind -1 when the column's key is not a top-level key.
typedef struct {
  int32_t kind;
  uint16_t start_segment, end_segment;
  uint32_t start_offset, end_offset;
} shape_member;

struct json_shape {
  int ready;
  // When to learn, and when to stop trying for a while (see json_shape_read).
  uint32_t hits, misses_in_row, strikes, cooldown, tries, failures;
  size_t slots;  // literals: slots + 1
  size_t columns;
  int64_t doc_start;
  uint8_t slot_kind[MAX_SLOTS];  // K_STRING or K_NUMBER
  uint16_t literal_start[MAX_SLOTS + 1], literal_length[MAX_SLOTS + 1];
  uint8_t bytes[MAX_LITERAL_BYTES + 16];  // + 16: literals are compared 16 bytes at a time
  size_t member_capacity;
  shape_member *members;
};

void json_shape_free(json_shape *shape) {
  if (!shape) return;
  free(shape->members);
  free(shape);
}

// The segment holding line position `at` (segment starts strictly increase: literals and slots are never empty).
static int locate(const ptrdiff_t *segment_start, size_t segments, ptrdiff_t at, uint16_t *segment,
                  uint32_t *offset) {
  size_t g = segments;
  while (g > 0 && segment_start[g - 1] > at) g--;
  if (g == 0 || at - segment_start[g - 1] > UINT32_MAX) return 0;
  *segment = (uint16_t)(g - 1);
  *offset = (uint32_t)(at - segment_start[g - 1]);
  return 1;
}

// Learns the shape of the document line[doc_start ..< doc_end], which the full scan has just accepted (a
// top-level object; its wanted columns' members in want->members, want may be NULL), reusing *shape_ref's memory
// or allocating it. 1, or 0 when the line does not suit a shape (too many slots or literal bytes, memory): the
// shape is then not ready.
static int json_shape_learn(json_shape **shape_ref, const uint8_t *line, ptrdiff_t doc_start, ptrdiff_t doc_end,
                     const strata_json_rows *want) {
  json_shape *s = *shape_ref;
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s) return 0;
    *shape_ref = s;
  }
  s->ready = 0;
  const size_t columns = want ? want->columns : 0;
  if (columns > s->member_capacity) {
    shape_member *m = realloc(s->members, columns * sizeof *m);
    if (!m) return 0;
    s->members = m;
    s->member_capacity = columns;
  }
  ptrdiff_t segment_start[2 * MAX_SLOTS + 1];
  size_t slots = 0, used = 0;
  ptrdiff_t literal = 0;  // the current literal's start: leading whitespace belongs to the first
  ptrdiff_t i = doc_start;
  while (i < doc_end) {
    const uint8_t c = line[i];
    ptrdiff_t j;
    uint8_t kind;
    if (c == '"') {
      int escaped = 0;
      j = scan_string(line, doc_end, i, &escaped);
      if (j < 0) return 0;
      ptrdiff_t k = j;
      while (k < doc_end && is_space(line[k])) k++;
      if (k < doc_end && line[k] == ':') {  // a key: part of the literal
        i = j;
        continue;
      }
      kind = K_STRING;
    } else if (c == '-' || is_digit(c)) {
      j = scan_number(line, doc_end, i);
      if (j < 0) return 0;
      kind = K_NUMBER;
    } else {
      i++;
      continue;
    }
    const ptrdiff_t length = i - literal;
    if (slots == MAX_SLOTS || length <= 0 || length > (ptrdiff_t)(MAX_LITERAL_BYTES - used)) return 0;
    memcpy(s->bytes + used, line + literal, (size_t)length);
    s->literal_start[slots] = (uint16_t)used;
    s->literal_length[slots] = (uint16_t)length;
    used += (size_t)length;
    segment_start[2 * slots] = literal;
    segment_start[2 * slots + 1] = i;
    s->slot_kind[slots++] = kind;
    literal = i = j;
  }
  const ptrdiff_t length = doc_end - literal;
  if (length <= 0 || length > (ptrdiff_t)(MAX_LITERAL_BYTES - used)) return 0;
  memcpy(s->bytes + used, line + literal, (size_t)length);
  s->literal_start[slots] = (uint16_t)used;
  s->literal_length[slots] = (uint16_t)length;
  segment_start[2 * slots] = literal;
  for (size_t c = 0; c < columns; c++) {
    const strata_json_member *m = &want->members[c];
    shape_member *sm = &s->members[c];
    sm->kind = m->kind;
    if (m->kind < 0) continue;
    if (!locate(segment_start, 2 * slots + 1, m->value_start, &sm->start_segment, &sm->start_offset) ||
        !locate(segment_start, 2 * slots + 1, m->value_end, &sm->end_segment, &sm->end_offset))
      return 0;
  }
  s->slots = slots;
  s->columns = columns;
  s->doc_start = doc_start;
  s->ready = 1;
  return 1;
}

// a[0 ..< length] == b[0 ..< length]; `available` bytes can be read at a, at least `length`; b has 16 bytes of
// room past any literal.
static inline int same_literal(const uint8_t *a, const uint8_t *b, size_t length, size_t available) {
#if defined(__SSE2__)
  if (available >= 16) {
    if (length <= 16) {
      unsigned differ = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)a),
                                                                   _mm_loadu_si128((const __m128i *)b)));
      return (differ & ((1u << length) - 1)) == 0;
    }
    size_t k = 0;
    for (; k + 16 <= length; k += 16) {
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(a + k)),
                                           _mm_loadu_si128((const __m128i *)(b + k)))) != 0xFFFF)
        return 0;
    }
    if (k < length) {
      k = length - 16;
      return _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(a + k)),
                                              _mm_loadu_si128((const __m128i *)(b + k)))) == 0xFFFF;
    }
    return 1;
  }
#endif
  (void)available;
  return memcmp(a, b, length) == 0;
}

// Reads the line at line[0 ..< n] (n: the bytes available, more than the line) with the shape: on a match, the
// document's kind, its span in *start and *end and, with want, want->members (kind and value span; kind -1:
// absent; the key span is not kept); the caller still checks what follows the document. Else -1.
static int json_shape_match(const json_shape *s, const uint8_t *line, ptrdiff_t n, int64_t *start, int64_t *end,
                     const strata_json_rows *want) {
  ptrdiff_t segment_start[2 * MAX_SLOTS + 1];
  ptrdiff_t at = 0;
  for (size_t k = 0;; k++) {
    const size_t length = s->literal_length[k];
    if ((ptrdiff_t)length > n - at) return -1;
    if (!same_literal(line + at, s->bytes + s->literal_start[k], length, (size_t)(n - at))) return -1;
    segment_start[2 * k] = at;
    at += (ptrdiff_t)length;
    if (k == s->slots) break;
    segment_start[2 * k + 1] = at;
    if (at >= n) return -1;
    ptrdiff_t j;
    if (s->slot_kind[k] == K_STRING) {
      if (line[at] != '"') return -1;
      int escaped = 0;
      j = scan_string(line, n, at, &escaped);
    } else {
      j = scan_number(line, n, at);
    }
    if (j < 0) return -1;
    at = j;
  }
  *start = s->doc_start;
  *end = at;
  if (want) {
    for (size_t c = 0; c < s->columns; c++) {
      const shape_member *sm = &s->members[c];
      strata_json_member *m = &want->members[c];
      m->kind = sm->kind;
      if (sm->kind < 0) continue;
      m->value_start = segment_start[sm->start_segment] + sm->start_offset;
      m->value_end = segment_start[sm->end_segment] + sm->end_offset;
      m->key_start = m->key_end = 0;  // not tracked (strata_json_read_rows reads the value only)
      m->key_escaped = 0;
    }
  }
  return K_OBJECT;
}

// ---- when to use a shape ----
//
// A file whose lines do not share one layout must not pay for shapes: a line the shape misses is scanned in full
// after the failed match, and learning costs a second pass over a line. So: a shape is relearnt only after two
// misses in a row (one odd line does not replace a good shape), and dropped after two lines that are not objects
// (which have none); a shape that read fewer than 64 lines before it
// was replaced, or a line that cannot be learnt, is a strike, and four strikes, or more than a quarter of
// 1,024 tries missed, stop shapes for the next 8,192 lines.
enum { LASTING = 64, STRIKES = 4, WINDOW = 1024, COOLDOWN = 8192 };

int json_shape_read(json_shape *s, const uint8_t *line, ptrdiff_t n, int64_t *start, int64_t *end,
                    const strata_json_rows *want) {
  if (!s) return -1;
  if (s->cooldown) {
    s->cooldown--;
    return -1;
  }
  // A shape is learnt for one set of wanted columns: a reader whose set differs does not use it.
  if (!s->ready || s->columns != (want ? want->columns : 0)) return -1;
  int kind = json_shape_match(s, line, n, start, end, want);
  if (kind >= 0) {
    if (s->hits < UINT32_MAX) s->hits++;
    if (s->hits == LASTING) s->strikes = 0;
    s->misses_in_row = 0;
  } else {
    s->misses_in_row++;
    s->failures++;
  }
  if (++s->tries == WINDOW) {
    if (s->failures > WINDOW / 4) {
      s->ready = 0;
      s->cooldown = COOLDOWN;
    }
    s->tries = s->failures = 0;
  }
  return kind;
}

void json_shape_scanned(json_shape **shape_ref, int kind, const uint8_t *line, ptrdiff_t doc_start,
                        ptrdiff_t doc_end, const strata_json_rows *want) {
  json_shape *s = *shape_ref;
  if (kind != K_OBJECT) {
    // Lines that are not objects have no shape: after two, stop trying the shape on each until an object comes.
    if (s && s->ready && s->misses_in_row >= 2) {
      s->ready = 0;
      // A shape dropped before it lasted is a strike, as one replaced: objects between runs of other documents
      // would otherwise be learnt again and again without ever being read through a shape.
      if (s->hits < LASTING && ++s->strikes >= STRIKES) {
        s->strikes = 0;
        s->cooldown = COOLDOWN;
      }
    }
    return;
  }
  if (s && (s->cooldown || (s->ready && s->misses_in_row < 2))) return;
  if (s && s->ready && s->hits < LASTING) s->strikes++;
  if (s && s->strikes >= STRIKES) {
    s->ready = 0;
    s->strikes = 0;
    s->cooldown = COOLDOWN;
    return;
  }
  if (!json_shape_learn(shape_ref, line, doc_start, doc_end, want) && *shape_ref) (*shape_ref)->strikes++;
  if ((s = *shape_ref)) s->hits = s->misses_in_row = 0;
}

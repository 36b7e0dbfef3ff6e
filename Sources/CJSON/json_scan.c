// See include/CJSON.h. The grammar is the Swift scanner's, rule for rule (Sources/Files/JSONScanner.swift):
// numbers -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, strings of bytes >= 0x20 but '"' and '\' with the
// escapes \" \\ \/ \b \f \n \r \t \uXXXX, the three literals, and at most 1000 open containers (an empty
// container at depth 1000 is refused too, as there). Any doubt returns -1: the Swift scanner decides.
#include "json_shape.h"
#include "json_text.h"

enum { MAX_DEPTH = 1000 };

// Whitespace inside one line of a JSON-lines file: a '\n' there ends the line (the document is cut).
static inline ptrdiff_t skip_line_space(const uint8_t *p, ptrdiff_t n, ptrdiff_t i) {
  while (i < n && (p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D)) i++;
  return i;
}

// Keys are short: a byte loop beats a call to memcmp here.
static inline int same_bytes(const uint8_t *a, const uint8_t *b, intptr_t n) {
  for (intptr_t k = 0; k < n; k++) if (a[k] != b[k]) return 0;
  return 1;
}

// The column whose key is key[0 ..< length] (column c's key is keys[offsets[c] ..< offsets[c + 1]]), or -1.
// Documents usually repeat one key order: columns are tried from *hint, which moves past a match.
static inline intptr_t column_of_key(const uint8_t *key, intptr_t length, const uint8_t *keys,
                                     const intptr_t *offsets, size_t columns, size_t *hint) {
  size_t c = *hint < columns ? *hint : 0;
  for (size_t tried = 0; tried < columns; tried++) {
    intptr_t s = offsets[c];
    if (offsets[c + 1] - s == length && same_bytes(keys + s, key, length)) {
      *hint = c + 1;
      return (intptr_t)c;
    }
    if (++c == columns) c = 0;
  }
  return -1;
}

// The wanted column whose key is p[ks ..< ke] (unescaped) and which has no value yet, or -1. `lengths` has
// bit L set when some wanted key is L bytes long (bit 63: 63 or more), so most keys that are not wanted cost
// one test.
static inline intptr_t wanted_column(const uint8_t *p, ptrdiff_t ks, ptrdiff_t ke, const strata_json_rows *want,
                                     uint64_t lengths, size_t *hint) {
  const intptr_t length = ke - ks;
  if (!((lengths >> (length < 63 ? length : 63)) & 1)) return -1;
  intptr_t c = column_of_key(p + ks, length, want->keys, want->key_offsets, want->columns, hint);
  return c >= 0 && want->members[c].kind < 0 ? c : -1;
}

// The scan of strata_json_scan. With `line_mode`, p[0 ..< n] may hold more than one line: '\n' is not
// whitespace, and after the document there must be whitespace up to a '\n', whose index goes to *line_end
// (so the caller needs no separate search for the line's end).
static inline __attribute__((always_inline)) int scan_document(const uint8_t *p, ptrdiff_t n, const int line_mode,
                                                               int64_t *start, int64_t *end,
                                                               strata_json_member *members, size_t capacity,
                                                               size_t *count, ptrdiff_t *line_end,
                                                               const strata_json_rows *want) {
#define skip_space(p, n, i) (line_mode ? skip_line_space(p, n, i) : skip_space(p, n, i))
  // One bit per open container: 1 for an object.
  uint64_t stack[(MAX_DEPTH + 63) / 64];
  ptrdiff_t depth = 0;
  size_t found = 0;
  int top_kind = K_NULL;
  int64_t key_start = 0, key_end = 0, member_value_start = 0;
  // With `want`: the column of the current top-level key (-1: not wanted, or already found), how many columns
  // are still missing, and the column after the last one found (documents repeat one key order).
  intptr_t key_column = -1;
  size_t wanted_left = want ? want->columns : 0;
  size_t hint = 0;
  uint64_t key_lengths = 0;
  if (want) {
    for (size_t c = 0; c < want->columns; c++) {
      want->members[c].kind = -1;
      intptr_t length = want->key_offsets[c + 1] - want->key_offsets[c];
      key_lengths |= (uint64_t)1 << (length < 63 ? length : 63);
    }
  }
  int key_escaped = 0;
  ptrdiff_t i = skip_space(p, n, 0);
  if (count) *count = 0;
  if (i >= n) return -1;
  const ptrdiff_t doc_start = i;

#define IN_OBJECT() ((stack[(depth - 1) >> 6] >> ((depth - 1) & 63)) & 1)
#define PUSH(is_object)                                                            \
  do {                                                                             \
    uint64_t bit = (uint64_t)1 << (depth & 63);                                    \
    if (is_object) stack[depth >> 6] |= bit; else stack[depth >> 6] &= ~bit;       \
    depth++;                                                                       \
  } while (0)
// Reads `"key" :` and leaves i at the value.
#define READ_KEY()                                                                 \
  do {                                                                             \
    i = skip_space(p, n, i);                                                       \
    if (i >= n || p[i] != '"') return -1;                                          \
    int esc = 0;                                                                   \
    ptrdiff_t ks = i + 1;                                                          \
    i = scan_string(p, n, i, &esc);                                                \
    if (i < 0) return -1;                                                          \
    if (depth == 1) {                                                              \
      key_start = ks; key_end = i - 1; key_escaped = esc;                          \
      if (want) {                                                                  \
        if (esc) return -1; /* the caller decodes such keys */                     \
        key_column = wanted_left ? wanted_column(p, ks, i - 1, want, key_lengths, &hint) : -1; \
      }                                                                            \
    }                                                                              \
    i = skip_space(p, n, i);                                                       \
    if (i >= n || p[i] != ':') return -1;                                          \
    i = skip_space(p, n, i + 1);                                                   \
    if (depth == 1) member_value_start = i;                                        \
  } while (0)
#define ADD_MEMBER(vs, ve, k)                                                      \
  do {                                                                             \
    if (members) {                                                                 \
      if (found >= capacity) return -1;                                            \
      strata_json_member *m = &members[found++];                                   \
      m->key_start = key_start; m->key_end = key_end;                              \
      m->value_start = (vs); m->value_end = (ve);                                  \
      m->kind = (k); m->key_escaped = key_escaped;                                 \
    }                                                                              \
    if (want && key_column >= 0) {                                                 \
      strata_json_member *m = &want->members[key_column];                          \
      m->key_start = key_start; m->key_end = key_end;                              \
      m->value_start = (vs); m->value_end = (ve);                                  \
      m->kind = (k); m->key_escaped = 0;                                           \
      wanted_left--;                                                               \
    }                                                                              \
  } while (0)

  for (;;) {
    // Expecting a value.
    i = skip_space(p, n, i);
    if (i >= n) return -1;
    ptrdiff_t value_start = i;
    int k;
    uint8_t c = p[i];
    if (c == '"') {  // the most common value
      int esc = 0;
      i = scan_string(p, n, i, &esc);
      if (i < 0) return -1;
      k = K_STRING;
    } else if (c == '{' || c == '[') {
      if (depth >= MAX_DEPTH) return -1;
      i = skip_space(p, n, i + 1);
      if (i >= n) return -1;
      if (p[i] == (c == '{' ? '}' : ']')) {
        i++;
        k = c == '{' ? K_OBJECT : K_ARRAY;
      } else {
        PUSH(c == '{');
        if (depth == 1) top_kind = c == '{' ? K_OBJECT : K_ARRAY;
        if (c == '{') READ_KEY();
        continue;
      }
    } else if (c == '-' || is_digit(c)) {
      i = scan_number(p, n, i);
      if (i < 0) return -1;
      k = K_NUMBER;
    } else if (c == 't') {
      if (i + 4 > n || p[i + 1] != 'r' || p[i + 2] != 'u' || p[i + 3] != 'e') return -1;
      i += 4; k = K_TRUE;
    } else if (c == 'f') {
      if (i + 5 > n || p[i + 1] != 'a' || p[i + 2] != 'l' || p[i + 3] != 's' || p[i + 4] != 'e') return -1;
      i += 5; k = K_FALSE;
    } else if (c == 'n') {
      if (i + 4 > n || p[i + 1] != 'u' || p[i + 2] != 'l' || p[i + 3] != 'l') return -1;
      i += 4; k = K_NULL;
    } else {
      return -1;
    }
    if (depth == 0) { top_kind = k; goto done; }
    if (depth == 1 && IN_OBJECT()) ADD_MEMBER(value_start, i, k);
    // After a value: ',' or a closing bracket, as many times as containers close.
    for (;;) {
      i = skip_space(p, n, i);
      if (i >= n) return -1;
      int in_object = (int)IN_OBJECT();
      c = p[i];
      if (c == ',') {
        i++;
        if (in_object) READ_KEY();
        break;
      }
      if (c != (in_object ? '}' : ']')) return -1;
      i++;
      depth--;
      if (depth == 0) goto done;
      if (depth == 1 && IN_OBJECT()) ADD_MEMBER(member_value_start, i, in_object ? K_OBJECT : K_ARRAY);
    }
  }
done:
  *start = doc_start;
  *end = i;
  if (line_mode) {
    i = skip_space(p, n, i);
    if (i >= n || p[i] != '\n') return -1;
    *line_end = i;
  } else if (skip_space(p, n, i) != n) {
    return -1;
  }
  if (count) *count = found;
  return top_kind;
#undef IN_OBJECT
#undef PUSH
#undef READ_KEY
#undef ADD_MEMBER
#undef skip_space
}

int strata_json_scan(const uint8_t *p, size_t size, int64_t *start, int64_t *end, strata_json_member *members,
                     size_t capacity, size_t *count) {
  return scan_document(p, (ptrdiff_t)size, 0, start, end, members, capacity, count, NULL, NULL);
}

// ---- simple values (see CJSON.h) ----

enum { V_NULL = 0, V_INTEGER = 1, V_REAL = 2, V_TEXT = 3 };

static const double exact_tens[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Swift's exactDecimal, rule for rule: Clinger's fast path or nothing.
static int exact_decimal(const uint8_t *p, ptrdiff_t n, double *out) {
  if (n <= 0 || n >= 40) return 0;
  ptrdiff_t k = 0;
  int negative = p[0] == '-';
  if (negative) k = 1;
  uint64_t mantissa = 0;
  int digits = 0, scale = 0, saw = 0;
  while (k < n && (unsigned)(p[k] - '0') < 10) { mantissa = mantissa * 10 + (uint64_t)(p[k] - '0'); digits++; saw = 1; k++; }
  if (!saw) return 0;
  if (k < n && p[k] == '.') {
    k++;
    int fraction = 0;
    while (k < n && (unsigned)(p[k] - '0') < 10) {
      mantissa = mantissa * 10 + (uint64_t)(p[k] - '0'); digits++; scale--; fraction = 1; k++;
    }
    if (!fraction) return 0;
  }
  if (k < n && (p[k] == 'e' || p[k] == 'E')) {
    k++;
    int exp_negative = 0;
    if (k < n && (p[k] == '+' || p[k] == '-')) { exp_negative = p[k] == '-'; k++; }
    int e = 0, exp_digits = 0;
    while (k < n && (unsigned)(p[k] - '0') < 10) {
      if (e >= 1000) return 0;
      e = e * 10 + (p[k] - '0'); exp_digits++; k++;
    }
    if (!exp_digits) return 0;
    scale += exp_negative ? -e : e;
  }
  if (k != n || digits > 19 || mantissa > ((uint64_t)1 << 53) || scale < -22 || scale > 22) return 0;
  double d = (double)mantissa;
  if (scale < 0) d /= exact_tens[-scale]; else if (scale > 0) d *= exact_tens[scale];
  *out = negative ? -d : d;
  return 1;
}

static int number_value(const uint8_t *p, ptrdiff_t n, int as_real, int *type, int64_t *bits) {
  int64_t i;
  double d;
  // The common short numbers in one pass, with the results the two parsers below give: an integer of at
  // most 18 digits (it fits), or digits '.' digits of at most 15 digits in all (the mantissa is below 2^53,
  // the divisor 10^1 ... 10^15 exact: Clinger's fast path, as exact_decimal computes it).
  {
    ptrdiff_t k = p[0] == '-';
    const ptrdiff_t first = k;
    uint64_t m = 0;
    while (k < n && is_digit(p[k])) m = m * 10 + (uint64_t)(p[k++] - '0');
    const ptrdiff_t whole = k - first;
    if (k == n && whole >= 1 && whole <= 18) {
      int64_t v = p[0] == '-' ? -(int64_t)m : (int64_t)m;
      if (as_real) { d = (double)v; *type = V_REAL; __builtin_memcpy(bits, &d, 8); }
      else { *type = V_INTEGER; *bits = v; }
      return 1;
    }
    if (k < n && p[k] == '.' && whole >= 1) {
      k++;
      const ptrdiff_t fraction_start = k;
      while (k < n && is_digit(p[k])) m = m * 10 + (uint64_t)(p[k++] - '0');
      const ptrdiff_t fraction = k - fraction_start;
      if (k == n && fraction >= 1 && whole + fraction <= 15) {
        d = (double)m / exact_tens[fraction];
        if (p[0] == '-') d = -d;
        *type = V_REAL; __builtin_memcpy(bits, &d, 8);
        return 1;
      }
    }
  }
  if (parse_int64(p, n, &i)) {
    if (as_real) { d = (double)i; *type = V_REAL; __builtin_memcpy(bits, &d, 8); }
    else { *type = V_INTEGER; *bits = i; }
    return 1;
  }
  if (exact_decimal(p, n, &d)) { *type = V_REAL; __builtin_memcpy(bits, &d, 8); return 1; }
  return 0;
}

int strata_json_simple_value(const uint8_t *p, int64_t start, int64_t end, int kind, int unwrap_wrappers,
                             int as_real, int *type, int64_t *bits, int64_t *text_start, int64_t *text_end) {
  *bits = 0;
  *text_start = *text_end = 0;
  switch (kind) {
  case K_NULL: *type = V_NULL; return 1;
  case K_TRUE: case K_FALSE: {
    int64_t v = kind == K_TRUE;
    if (as_real) { double d = (double)v; *type = V_REAL; __builtin_memcpy(bits, &d, 8); }
    else { *type = V_INTEGER; *bits = v; }
    return 1;
  }
  case K_NUMBER:
    return number_value(p + start, (ptrdiff_t)(end - start), as_real, type, bits);
  case K_STRING: {
    if (end - start < 2) return 0;
    for (int64_t k = start + 1; k < end - 1; k++) if (p[k] == '\\' || p[k] >= 0x80) return 0;
    *type = V_TEXT; *text_start = start + 1; *text_end = end - 1;
    return 1;
  }
  case K_OBJECT: {
    // Exactly {"$numberLong": "<integer>"} or {"$numberInt": "<integer>"}, spaces allowed where JSON allows them
    // (the text is already validated, so only the shape is checked here).
    if (!unwrap_wrappers) return 0;
    // mongoexport's own spelling, without spaces, first: {"$numberLong":"<digits>"}.
    if (end - start >= 19 && __builtin_memcmp(p + start, "{\"$numberLong\":\"", 16) == 0 && p[end - 2] == '"' &&
        p[end - 1] == '}') {
      const uint8_t *digits = p + start + 16;
      const ptrdiff_t count = (ptrdiff_t)(end - start) - 18;
      int64_t v;
      if (is_json_integer(digits, count) && parse_int64(digits, count, &v)) {
        if (as_real) { double d = (double)v; *type = V_REAL; __builtin_memcpy(bits, &d, 8); }
        else { *type = V_INTEGER; *bits = v; }
        return 1;
      }
    }
    ptrdiff_t n = (ptrdiff_t)end, i = skip_space(p, n, (ptrdiff_t)start + 1);
    static const char long_key[] = "\"$numberLong\"", int_key[] = "\"$numberInt\"";
    if (i + 12 <= n && __builtin_memcmp(p + i, int_key, 12) == 0) i += 12;
    else if (i + 13 <= n && __builtin_memcmp(p + i, long_key, 13) == 0) i += 13;
    else return 0;
    i = skip_space(p, n, i);
    if (i >= n || p[i] != ':') return 0;
    i = skip_space(p, n, i + 1);
    if (i >= n || p[i] != '"') return 0;
    ptrdiff_t vs = i + 1, ve = vs;
    while (ve < n && p[ve] != '"') {
      if (p[ve] == '\\') return 0;
      ve++;
    }
    if (ve >= n || ve == vs || !is_json_integer(p + vs, ve - vs)) return 0;
    i = skip_space(p, n, ve + 1);
    if (i != n - 1 || p[i] != '}') return 0;
    int64_t v;
    if (!parse_int64(p + vs, ve - vs, &v)) return 0;
    if (as_real) { double d = (double)v; *type = V_REAL; __builtin_memcpy(bits, &d, 8); }
    else { *type = V_INTEGER; *bits = v; }
    return 1;
  }
  default:
    return 0;
  }
}

int strata_json_match_keys(const uint8_t *p, const strata_json_member *members, size_t count, const uint8_t *keys,
                           const intptr_t *offsets, size_t columns, intptr_t *found) {
  for (size_t c = 0; c < columns; c++) found[c] = -1;
  size_t hint = 0, filled = 0;
  for (size_t m = 0; m < count && filled < columns; m++) {
    if (members[m].key_escaped) return 0;
    intptr_t c = column_of_key(p + members[m].key_start, (intptr_t)(members[m].key_end - members[m].key_start),
                               keys, offsets, columns, &hint);
    if (c >= 0 && found[c] < 0) { found[c] = (intptr_t)m; filled++; }
  }
  return 1;
}

// ---- whole rows (see CJSON.h) ----

void strata_json_rows_release(strata_json_rows *r) {
  json_shape_free(r->shape);
  r->shape = NULL;
}

size_t strata_json_read_rows(const uint8_t *p, size_t n, size_t limit, strata_json_rows *r, size_t *bytes_read,
                             size_t *lines_read) {
  size_t at = 0, lines = 0, rows = 0;
  const size_t columns = r->columns;
  const int use_shapes = r->use_shapes;
  while (rows < r->row_capacity && at < limit && at < n) {
    size_t k = skip_line_space(p, (ptrdiff_t)n, (ptrdiff_t)at);
    if (k >= n) break;  // the last line is not complete: the caller reads more first
    if (p[k] == '\n') {  // a blank line: counted, no row
      lines++;
      at = k + 1;
      continue;
    }
    // The document's offsets are the line's (as the Swift reader, given the line alone, has them); stored
    // text spans are made p's. The scan finds the line's end.
    const uint8_t *line = p + at;
    int64_t start, end;
    ptrdiff_t newline = 0;
    size_t count = 0;
    const strata_json_rows *want = columns ? r : NULL;
    int kind = use_shapes ? json_shape_read(r->shape, line, (ptrdiff_t)(n - at), &start, &end, want) : -1;
    const int via_shape = kind >= 0;
    if (via_shape) {
      // The shape covers the document; what follows it is checked as scan_document's line mode does.
      ptrdiff_t k = skip_line_space(line, (ptrdiff_t)(n - at), (ptrdiff_t)end);
      if (k >= (ptrdiff_t)(n - at) || line[k] != '\n') break;
      newline = k;
    } else {
      kind = scan_document(line, (ptrdiff_t)(n - at), 1, &start, &end, NULL, 0, &count, &newline, want);
      if (kind < 0) break;
      if (use_shapes) json_shape_scanned((json_shape **)&r->shape, kind, line, start, end, want);
    }
    const size_t line_end = at + (size_t)newline;
    size_t c = 0;
    for (; c < columns; c++) {
      const size_t slot = c * r->row_capacity + rows;
      const strata_json_member *member = &r->members[c];
      if (member->kind < 0) {  // absent (a document that is not an object has no members)
        r->types[slot] = 0; r->bits[slot] = 0; r->text_start[slot] = r->text_end[slot] = 0;
        continue;
      }
      int type;
      int64_t bits, ts, te;
      if (!strata_json_simple_value(line, member->value_start, member->value_end, member->kind, r->unwrap_wrappers,
                                    r->as_real[c], &type, &bits, &ts, &te))
        break;
      r->types[slot] = (uint8_t)type; r->bits[slot] = bits;
      r->text_start[slot] = ts + (int64_t)at; r->text_end[slot] = te + (int64_t)at;
    }
    if (c < columns) break;  // a value the caller makes the long way: the line is left to it
    if (r->render_document) {
      size_t length = 0;
      if (!strata_json_render_unwrapped(line, start, end, r->text + r->text_used, r->text_capacity - r->text_used,
                                        &length))
        break;
      r->document_start[rows] = (int64_t)r->text_used;
      r->document_end[rows] = (int64_t)(r->text_used + length);
      r->text_used += length;
    }
    r->line_index[rows] = (int64_t)lines;
    if (via_shape) r->shape_rows++;
    rows++;
    lines++;
    at = line_end + 1;
  }
  *bytes_read = at;
  *lines_read = lines;
  return rows;
}

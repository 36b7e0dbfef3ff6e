// The JSON text pieces both CJSON files use (json_scan.c validates and reads values, json_unwrap.c renders
// validated documents): private to CJSON. The grammar is the Swift scanner's (Sources/Files/JSONScanner.swift).
#ifndef STRATA_JSON_TEXT_H
#define STRATA_JSON_TEXT_H

#include "CJSON.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// The kinds of JSON values, as Swift's JSONKind and strata_json_member.kind.
enum { K_NULL, K_TRUE, K_FALSE, K_NUMBER, K_STRING, K_ARRAY, K_OBJECT };

static inline int is_space(uint8_t c) { return c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09; }
static inline int is_digit(uint8_t c) { return (uint8_t)(c - '0') < 10; }
static inline int is_hex(uint8_t c) {
  return (uint8_t)(c - '0') < 10 || (uint8_t)((c | 0x20) - 'a') < 6;
}

// At the opening quote; returns the index just past the closing quote, or -1. *escaped is set when the
// string holds an escape.
// Inlined: called for every key and string value; as a call it cost ~5% of a scan (standalone, 1 GB).
static inline __attribute__((always_inline)) ptrdiff_t scan_string(const uint8_t *p, ptrdiff_t n, ptrdiff_t i, int *escaped) {
  i++;
  for (;;) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), bias = _mm_set1_epi8((char)0x80);
    const __m128i limit = _mm_set1_epi8((char)(0x20 ^ 0x80));
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
      // Unsigned c < 0x20 as a signed compare of c ^ 0x80 with 0x20 ^ 0x80.
      __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                                  _mm_cmplt_epi8(_mm_xor_si128(v, bias), limit));
      int mask = _mm_movemask_epi8(stop);
      if (mask) { i += __builtin_ctz((unsigned)mask); goto found; }
      i += 16;
    }
#endif
    while (i < n && p[i] != '"' && p[i] != '\\' && p[i] >= 0x20) i++;
    if (i >= n) return -1;
#if defined(__SSE2__)
  found:
#endif
    if (p[i] == '"') return i + 1;
    if (p[i] < 0x20) return -1;
    *escaped = 1;
    if (i + 1 >= n) return -1;
    switch (p[i + 1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
      i += 2;
      break;
    case 'u':
      if (i + 5 >= n) return -1;
      if (!is_hex(p[i + 2]) || !is_hex(p[i + 3]) || !is_hex(p[i + 4]) || !is_hex(p[i + 5])) return -1;
      i += 6;
      break;
    default:
      return -1;
    }
  }
}

// At a number's first byte (any byte: -1 when it starts no number); returns the index just past it, or -1.
static inline __attribute__((always_inline)) ptrdiff_t scan_number(const uint8_t *p, ptrdiff_t n, ptrdiff_t i) {
  if (p[i] == '-') i++;
  if (i >= n) return -1;
  if (p[i] == '0') {
    i++;
  } else if (is_digit(p[i])) {
    while (i < n && is_digit(p[i])) i++;
  } else {
    return -1;
  }
  if (i < n && p[i] == '.') {
    i++;
    if (i >= n || !is_digit(p[i])) return -1;
    while (i < n && is_digit(p[i])) i++;
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-')) i++;
    if (i >= n || !is_digit(p[i])) return -1;
    while (i < n && is_digit(p[i])) i++;
  }
  if (i < n && is_digit(p[i])) return -1;  // a leading zero
  return i;
}

static inline ptrdiff_t skip_space(const uint8_t *p, ptrdiff_t n, ptrdiff_t i) {
  while (i < n && is_space(p[i])) i++;
  return i;
}

// A JSON integer literal's digits (already checked to be digits with an optional '-') as int64; 0 when it does
// not fit (Swift's parseJSONInteger). Up to 18 digits cannot overflow: no checks per digit there.
static inline int parse_int64(const uint8_t *p, ptrdiff_t n, int64_t *out) {
  ptrdiff_t k = 0;
  int negative = 0;
  if (k < n && p[k] == '-') { negative = 1; k++; }
  if (k >= n) return 0;
  if (n - k <= 18) {
    uint64_t u = 0;
    for (; k < n; k++) {
      unsigned d = (unsigned)(p[k] - '0');
      if (d >= 10) return 0;
      u = u * 10 + d;
    }
    *out = negative ? -(int64_t)u : (int64_t)u;
    return 1;
  }
  int64_t v = 0;
  for (; k < n; k++) {
    unsigned d = (unsigned)(p[k] - '0');
    if (d >= 10) return 0;
    if (__builtin_mul_overflow(v, 10, &v)) return 0;
    if (negative ? __builtin_sub_overflow(v, (int64_t)d, &v) : __builtin_add_overflow(v, (int64_t)d, &v)) return 0;
  }
  *out = v;
  return 1;
}

// JSON's integer grammar: -?(0|[1-9][0-9]*).
static inline int is_json_integer(const uint8_t *p, ptrdiff_t n) {
  ptrdiff_t k = 0;
  if (k < n && p[k] == '-') k++;
  if (k >= n) return 0;
  if (p[k] == '0') return k + 1 == n;
  for (; k < n; k++) if (!is_digit(p[k])) return 0;
  return 1;
}

#endif

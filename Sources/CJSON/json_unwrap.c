// See include/CJSON.h (strata_json_render_unwrapped). The rules are Sources/Files/ExtendedJSON.swift's and the
// Swift scanner's wrapper detection (JSONScanner.swift, Scan.wrapper); this file renders the common wrappers —
// the ones mongoexport writes for ids, dates and 64-bit integers — and says "not sure" about every other form,
// which the Swift path then renders. It never has to reject: its input was validated.
#include "json_text.h"

#include <string.h>

enum { W_NONE, W_OID, W_DATE, W_LONG, W_INT, W_OTHER };

// The wrapper named p[0 ..< n] (without quotes): W_NONE for a name that is none (the object is ordinary),
// W_OTHER for one this file leaves to Swift.
static int wrapper_named(const uint8_t *p, size_t n) {
  switch (n) {
  case 4: return memcmp(p, "$oid", 4) == 0 ? W_OID : W_NONE;
  case 5: return memcmp(p, "$date", 5) == 0 ? W_DATE : W_NONE;
  case 10: return memcmp(p, "$numberInt", 10) == 0 ? W_INT : W_NONE;
  case 11: return memcmp(p, "$numberLong", 11) == 0 ? W_LONG : W_NONE;
  case 13: return memcmp(p, "$numberDouble", 13) == 0 ? W_OTHER : W_NONE;
  case 14: return memcmp(p, "$numberDecimal", 14) == 0 ? W_OTHER : W_NONE;
  default: return W_NONE;
  }
}

// At `{`: reads `"$name" :` and returns the wrapper, leaving *at on the value; W_NONE when the first key is not
// a wrapper's name (as in Swift, a name with an escape or of more than 16 bytes is none: the object is ordinary).
static int read_wrapper_key(const uint8_t *p, ptrdiff_t n, ptrdiff_t open, ptrdiff_t *at) {
  ptrdiff_t i = skip_space(p, n, open + 1);
  if (i + 1 >= n || p[i] != '"' || p[i + 1] != '$') return W_NONE;
  ptrdiff_t ks = i + 1, j = ks;
  while (j < n && p[j] != '"' && p[j] != '\\' && j - ks < 16) j++;
  if (j >= n || p[j] != '"') return W_NONE;
  int w = wrapper_named(p + ks, (size_t)(j - ks));
  if (w == W_NONE) return W_NONE;
  i = skip_space(p, n, j + 1);
  if (i >= n || p[i] != ':') return W_OTHER;
  *at = skip_space(p, n, i + 1);
  return w;
}

// At an opening quote of validated text: the index just past the closing quote, or -1 (never, for such text).
static inline ptrdiff_t string_end(const uint8_t *p, ptrdiff_t n, ptrdiff_t i) {
  int escaped;
  return scan_string(p, n, i, &escaped);
}

// {"$numberLong": "<integer>"} or {"$numberInt": "<integer>"} at `open`: its integer text's span and the index
// past its '}'; 0 when it is not exactly that. (JSON's integer grammar only: a number too long for 64 bits
// still is one, and is copied as written.)
static int integer_wrapper(const uint8_t *p, ptrdiff_t n, ptrdiff_t open, ptrdiff_t *ds, ptrdiff_t *de,
                           ptrdiff_t *after) {
  ptrdiff_t i;
  int w = read_wrapper_key(p, n, open, &i);
  if (w != W_LONG && w != W_INT) return 0;
  if (i >= n || p[i] != '"') return 0;
  ptrdiff_t e = string_end(p, n, i);
  if (e - i < 3) return 0;
  ptrdiff_t close = skip_space(p, n, e);
  if (close >= n || p[close] != '}') return 0;
  if (!is_json_integer(p + i + 1, e - 1 - (i + 1))) return 0;
  *ds = i + 1; *de = e - 1; *after = close + 1;
  return 1;
}

// Days since 1970-01-01 as a civil date (Howard Hinnant's algorithm, as StrataCommon's civilFromDays).
static void civil_from_days(int64_t z0, int64_t *year, int *month, int *day) {
  int64_t z = z0 + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *day = (int)(doy - (153 * mp + 2) / 5 + 1);
  *month = (int)(mp < 10 ? mp + 3 : mp - 9);
  *year = *month <= 2 ? y + 1 : y;
}

// Days since 1970-01-01 of a civil date (the inverse, as StrataCommon's daysFromCivil).
static int64_t days_from_civil(int64_t year, int month, int day) {
  int64_t y = month <= 2 ? year - 1 : year;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (month + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Milliseconds since 1970 of exactly "YYYY-MM-DDTHH:MM:SS.fffZ" — the form mongoexport's relaxed mode writes
// for every date — with the checks ExtendedJSON.epochMilliseconds and CivilDateTime apply (a real day of its
// month, hour 0-23, minute 0-59, second 0-60); 0 for any other text, which the Swift reader then handles.
static int iso_milliseconds(const uint8_t *s, ptrdiff_t n, int64_t *ms) {
  if (n != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
      s[23] != 'Z')
    return 0;
  static const uint8_t at[17] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22};
  int v[17];
  for (int k = 0; k < 17; k++) {
    if (!is_digit(s[at[k]])) return 0;
    v[k] = s[at[k]] - '0';
  }
  int year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], month = v[4] * 10 + v[5], day = v[6] * 10 + v[7];
  int hour = v[8] * 10 + v[9], minute = v[10] * 10 + v[11], second = v[12] * 10 + v[13];
  int millis = v[14] * 100 + v[15] * 10 + v[16];
  static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return 0;
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > month_days[month - 1] + (month == 2 && leap)) return 0;
  *ms = (days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second) * 1000 + millis;
  return 1;
}

// "YYYY-MM-DD HH:MM:SS.fff" with its quotes (25 bytes) for years 1 ... 9999, as ExtendedJSON.appendDate.
static int format_date(int64_t ms, uint8_t *out) {
  if (ms < -62135596800000LL || ms >= 253402300800000LL) return 0;
  int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int frac = (int)(ms - s * 1000);
  int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
  int rem = (int)(s - days * 86400);
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  int h = rem / 3600, mi = rem % 3600 / 60, sec = rem % 60;
  int yy = (int)y;
  // Two digits at a time from a table: the divisions are what this costs otherwise.
  static const char pairs[201] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  uint8_t t[25];
  t[0] = '"';
  memcpy(t + 1, pairs + 2 * (yy / 100), 2);
  memcpy(t + 3, pairs + 2 * (yy % 100), 2);
  t[5] = '-';
  memcpy(t + 6, pairs + 2 * m, 2);
  t[8] = '-';
  memcpy(t + 9, pairs + 2 * d, 2);
  t[11] = ' ';
  memcpy(t + 12, pairs + 2 * h, 2);
  t[14] = ':';
  memcpy(t + 15, pairs + 2 * mi, 2);
  t[17] = ':';
  memcpy(t + 18, pairs + 2 * sec, 2);
  t[20] = '.';
  t[21] = (uint8_t)('0' + frac / 100);
  memcpy(t + 22, pairs + 2 * (frac % 100), 2);
  t[24] = '"';
  memcpy(out, t, sizeof t);
  return 1;
}

// Room check for the output.
#define PUT(src, len)                                                              \
  do {                                                                             \
    size_t put_len = (len);                                                        \
    if (o + put_len > capacity) return 0;                                          \
    memcpy(out + o, (src), put_len);                                               \
    o += put_len;                                                                  \
  } while (0)

int strata_json_render_unwrapped(const uint8_t *p, int64_t start, int64_t end, uint8_t *out, size_t capacity,
                                 size_t *length) {
  const ptrdiff_t n = (ptrdiff_t)end, first = (ptrdiff_t)start;
  ptrdiff_t i = first, copied = i;
  size_t o = 0;
  while (i < n) {
    // Wrappers are found by their '$', never reading strings: in validated text, a quote just before a '$'
    // with '{' before it (spaces aside) is unescaped (no backslash touches it) and can only open a string — a
    // closing quote is never followed by '$' — so the '{' is structural and the string is that object's first
    // key, the only place a wrapper's name can be. Every other '$' is text or a later key. The walk jumps
    // from '$' to '$' (memchr).
    const uint8_t *dollar = memchr(p + i, '$', (size_t)(n - i));
    if (!dollar) break;
    const ptrdiff_t d = dollar - p;
    i = d + 1;
    if (d < first + 2 || p[d - 1] != '"') continue;
    ptrdiff_t k = d - 1;
    while (k > first && is_space(p[k - 1])) k--;
    if (k == first || p[k - 1] != '{') continue;
    const ptrdiff_t open = k - 1;
    ptrdiff_t v;
    int w = read_wrapper_key(p, n, open, &v);
    if (w == W_OTHER) return 0;
    if (w == W_NONE) continue;  // an ordinary object: its members are walked in turn
    ptrdiff_t value_start = 0, value_end = 0, after = 0;
    uint8_t date[25];
    int is_date = 0;
    if (w == W_OID) {
      if (v >= n || p[v] != '"') return 0;
      ptrdiff_t e = string_end(p, n, v);
      if (e < 0) return 0;
      ptrdiff_t close = skip_space(p, n, e);
      if (close >= n || p[close] != '}') return 0;
      value_start = v; value_end = e; after = close + 1;
    } else if (w == W_LONG || w == W_INT) {
      if (!integer_wrapper(p, n, open, &value_start, &value_end, &after)) return 0;
    } else {  // W_DATE: {"$numberLong": "<ms>"} (or $numberInt) inside, a bare integer, or ISO text
      ptrdiff_t ds, de, close;
      if (v < n && p[v] == '{') {
        ptrdiff_t inner_after;
        if (!integer_wrapper(p, n, v, &ds, &de, &inner_after)) return 0;
        close = skip_space(p, n, inner_after);
      } else if (v < n && (p[v] == '-' || is_digit(p[v]))) {
        ds = v;
        de = v;
        while (de < n && (is_digit(p[de]) || p[de] == '-' || p[de] == '+' || p[de] == '.' || p[de] == 'e' || p[de] == 'E')) de++;
        close = skip_space(p, n, de);
      } else if (v < n && p[v] == '"') {
        ptrdiff_t e = string_end(p, n, v);
        if (e < 0) return 0;
        ds = v + 1;
        de = e - 1;
        close = skip_space(p, n, e);
      } else {
        return 0;
      }
      if (close >= n || p[close] != '}') return 0;
      int64_t ms;
      const int parsed = p[v] == '"' ? iso_milliseconds(p + ds, de - ds, &ms)
                                     : is_json_integer(p + ds, de - ds) && parse_int64(p + ds, de - ds, &ms);
      if (!parsed || !format_date(ms, date)) return 0;
      is_date = 1;
      after = close + 1;
    }
    PUT(p + copied, (size_t)(open - copied));
    if (is_date) PUT(date, sizeof date);
    else PUT(p + value_start, (size_t)(value_end - value_start));
    copied = i = after;
  }
  PUT(p + copied, (size_t)(n - copied));
  *length = o;
  return 1;
}

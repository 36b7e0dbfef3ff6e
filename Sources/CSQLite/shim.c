// Holds the api-routines pointer that SQLite hands to the init function. See include/CSQLite.h.
#include "CSQLite.h"

const sqlite3_api_routines *strata_sqlite3_api = 0;
int strata_sqlite3_version = 0;

int strata_set_api(const sqlite3_api_routines *api) {
  // Every connection of one SQLite library gets the same table; a second init finds it stored already.
  // The version is stored (idempotently) by every init of the winning library, so none sees it unset.
  const sqlite3_api_routines *expected = 0;
  if (__atomic_compare_exchange_n(&strata_sqlite3_api, &expected, api, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
      expected == api) {
    __atomic_store_n(&strata_sqlite3_version, api ? api->libversion_number() : 0, __ATOMIC_RELEASE);
    return 0;
  }
  return 1;
}

// The same rules as StrataCommon's isValidUTF8 (shortest forms only, no surrogates, at most U+10FFFF), for text
// a batch hands to SQLite from C; ASCII is skipped eight bytes at a time.
int strata_utf8_is_valid(const uint8_t *p, int64_t n) {
  int64_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {
      uint64_t w;
      __builtin_memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) return 1;
    uint8_t c = p[i];
    if (c < 0x80) { i++; continue; }
    int need;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) { need = 2; lo = 0xA0; }
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) need = 2;
    else if (c == 0xED) { need = 2; hi = 0x9F; }
    else if (c == 0xF0) { need = 3; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) { need = 3; hi = 0x8F; }
    else return 0;
    if (i + need >= n) return 0;
    if (p[i + 1] < lo || p[i + 1] > hi) return 0;
    if (need >= 2 && (p[i + 2] & 0xC0) != 0x80) return 0;
    if (need >= 3 && (p[i + 3] & 0xC0) != 0x80) return 0;
    i += need + 1;
  }
  return 1;
}

int strata_vtab_next(sqlite3_vtab_cursor *c) {
  if (strata_run_next(c) || strata_batch_next(c)) return SQLITE_OK;
  return strata_own_cursor(c)->swift_next(c);
}

int strata_vtab_eof(sqlite3_vtab_cursor *c) {
  if (strata_run_is_active(c) || strata_batch_is_active(c)) return 0;
  return strata_own_cursor(c)->swift_eof(c);
}

int strata_vtab_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int i) {
  if (strata_run_column(c, ctx, i) || strata_batch_column_result(c, ctx, i)) return SQLITE_OK;
  return strata_own_cursor(c)->swift_column(c, ctx, i);
}

int strata_vtab_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *out) {
  strata_vtab_cursor *s = strata_own_cursor(c);
  if (s->run_active) { *out = s->run_rowid; return SQLITE_OK; }
  if (s->batch_active) { *out = strata_batch_rowid(c); return SQLITE_OK; }
  return s->swift_rowid(c, out);
}

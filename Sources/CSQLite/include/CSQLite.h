// The C face of SQLite for Swift: every call the extension makes goes through the
// `sqlite3_api_routines` table SQLite hands to `sqlite3_strata_init`, never through a linked libsqlite3.
//
// Why this file exists: the rerouting macros of <sqlite3ext.h> (`#define sqlite3_step sqlite3_api->step`)
// do not import into Swift, Swift cannot call C variadics (`vtab_config`, `mprintf`), and Swift 6 rejects
// reading a C global `var`. So we include the header with SQLITE_CORE defined (types and the routines struct,
// no macros) and wrap each routine we use in a `static inline` function that calls through the table.
// Entries that only exist in newer SQLite versions are guarded by the host's version number, because an older
// host hands us a shorter table.
#ifndef STRATA_CSQLITE_H
#define STRATA_CSQLITE_H

#define SQLITE_CORE 1
#include <sqlite3ext.h>
#include <stddef.h>
#include <stdint.h>

// The table, set once by the init function (the same pointer for every connection of one process).
extern const sqlite3_api_routines *strata_sqlite3_api;
extern int strata_sqlite3_version;
/// Stores the table on first use. Returns 0, or 1 when a different table is already stored: a second SQLite
/// library in the same process (Python's sqlite3 beside apsw or pysqlite3) is loading us, and one table
/// serves every connection, so that load must be refused rather than call into the wrong library.
int strata_set_api(const sqlite3_api_routines *api);
// Connections opened on several threads each run the init, storing the same pointer: atomic accesses keep
// that benign race defined (and ThreadSanitizer quiet); on x86-64 and arm64 they are plain loads.
static inline const sqlite3_api_routines *strata_api_table(void) {
  return __atomic_load_n(&strata_sqlite3_api, __ATOMIC_ACQUIRE);
}
static inline int strata_api_ready(void) { return strata_api_table() != 0; }
static inline int strata_libversion_number(void) { return __atomic_load_n(&strata_sqlite3_version, __ATOMIC_RELAXED); }
#define STRATA_API strata_api_table()

// Our own vtab and cursor records: SQLite's base struct first, then a retained Swift object.
typedef struct strata_vtab { sqlite3_vtab base; void *swiftTable; } strata_vtab;
// The cursor record also holds a *run*: rows that are all alike (one column holding the same static text, or
// NULL, every other column NULL), which the module's xNext/xEof/xColumn/xRowid hand out here without calling
// Swift — read_log's rows for `GROUP BY level` are millions of such rows. run_left counts the rows after the
// current one; run_active stays set on the run's last row until the next call into Swift.
// A *batch* is the general case: the rest of a block of rows whose values sit in arrays the cursor keeps
// alive and unchanged until its next xNext (a Parquet row group's decoded columns). xNext steps through it in C;
// xColumn answers the columns it has arrays for in C and asks Swift, with the row's offset, for the others.
enum {
  STRATA_BATCH_SWIFT = 0,   // answered by the cursor's Swift code
  STRATA_BATCH_INT64 = 1,   // values: int64_t
  STRATA_BATCH_INT32 = 2,   // values: int32_t
  STRATA_BATCH_DOUBLE = 3,  // values: double
  STRATA_BATCH_FLOAT = 4,   // values: float
  STRATA_BATCH_BOOL = 5,    // values: uint8_t, 0 or 1
  STRATA_BATCH_TEXT = 6,    // pool + starts + lengths; UTF-8 checked (invalid text goes to Swift, which repairs)
  STRATA_BATCH_VARIANT = 7, // types[v]: 0 NULL, 1 integer (values), 2 real (values' bits), 3 text (pool + starts + lengths)
};
typedef struct strata_batch_column {
  int kind;
  const void *values;
  /// Row (from the batch's first) -> value index, negative for NULL; NULL when every row has a value.
  const int32_t *map;
  const uint8_t *pool;
  const intptr_t *starts;
  const int32_t *lengths;
  const uint8_t *types;
} strata_batch_column;

typedef struct strata_vtab_cursor {
  sqlite3_vtab_cursor base;
  void *swiftCursor;
  int run_active;
  int run_column;
  int64_t run_left;
  int64_t run_rowid;
  const char *run_text;
  int run_length;
  int batch_active;
  int batch_columns;
  int64_t batch_row;   // offset of the current row in the batch
  int64_t batch_rows;
  int64_t batch_rowid;  // the batch's first rowid
  int64_t batch_first;  // what the cursor calls the batch's first row (added to every array index)
  const strata_batch_column *batch_column;
  // The module's Swift callbacks (set by xOpen), for what the C ones (strata_vtab_next ...) do not answer.
  int (*swift_next)(sqlite3_vtab_cursor *);
  int (*swift_eof)(sqlite3_vtab_cursor *);
  int (*swift_column)(sqlite3_vtab_cursor *, sqlite3_context *, int);
  int (*swift_rowid)(sqlite3_vtab_cursor *, sqlite3_int64 *);
} strata_vtab_cursor;

static inline strata_vtab_cursor *strata_own_cursor(sqlite3_vtab_cursor *c) { return (strata_vtab_cursor *)c; }
/// Moves to the run's next row: 1 when it did, 0 when the run is over (then Swift's xNext runs).
static inline int strata_run_next(sqlite3_vtab_cursor *c) {
  strata_vtab_cursor *s = strata_own_cursor(c);
  if (!s->run_active) return 0;
  if (s->run_left <= 0) { s->run_active = 0; return 0; }
  s->run_left--;
  s->run_rowid++;
  return 1;
}
static inline int strata_run_is_active(sqlite3_vtab_cursor *c) { return strata_own_cursor(c)->run_active; }
/// The current run row's column `i`: 1 when answered.
static inline int strata_run_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int i) {
  strata_vtab_cursor *s = strata_own_cursor(c);
  if (!s->run_active) return 0;
  if (i == s->run_column && s->run_text) STRATA_API->result_text(ctx, s->run_text, s->run_length, SQLITE_STATIC);
  else STRATA_API->result_null(ctx);
  return 1;
}
static inline void strata_run_clear(sqlite3_vtab_cursor *c) {
  strata_vtab_cursor *s = strata_own_cursor(c);
  s->run_active = 0;
  s->run_left = 0;
}
static inline void strata_run_start(sqlite3_vtab_cursor *c, int64_t rows, int column, const char *text, int length,
                                    int64_t first_rowid) {
  strata_vtab_cursor *s = strata_own_cursor(c);
  s->run_active = rows > 0;
  s->run_left = rows > 0 ? rows - 1 : 0;
  s->run_column = column;
  s->run_text = text;
  s->run_length = length;
  s->run_rowid = first_rowid;
}

/// Moves to the batch's next row: 1 when it did, 0 when the batch is over (then Swift's xNext runs).
static inline int strata_batch_next(sqlite3_vtab_cursor *c) {
  strata_vtab_cursor *s = strata_own_cursor(c);
  if (!s->batch_active) return 0;
  if (s->batch_row + 1 >= s->batch_rows) { s->batch_active = 0; return 0; }
  s->batch_row++;
  return 1;
}
static inline int strata_batch_is_active(sqlite3_vtab_cursor *c) { return strata_own_cursor(c)->batch_active; }
static inline int64_t strata_batch_offset(sqlite3_vtab_cursor *c) { return strata_own_cursor(c)->batch_row; }
static inline int64_t strata_batch_rowid(sqlite3_vtab_cursor *c) {
  strata_vtab_cursor *s = strata_own_cursor(c);
  return s->batch_rowid + s->batch_row;
}
static inline void strata_batch_clear(sqlite3_vtab_cursor *c) { strata_own_cursor(c)->batch_active = 0; }
static inline void strata_batch_start(sqlite3_vtab_cursor *c, int64_t rows, int64_t first_row, int64_t first_rowid,
                                      const strata_batch_column *columns, int count) {
  strata_vtab_cursor *s = strata_own_cursor(c);
  s->batch_active = rows > 0;
  s->batch_row = 0;
  s->batch_rows = rows;
  s->batch_first = first_row;
  s->batch_rowid = first_rowid;
  s->batch_column = columns;
  s->batch_columns = count;
}
int strata_utf8_is_valid(const uint8_t *p, int64_t n);
/// The current batch row's column `i`: 1 when answered here, 0 when Swift must answer it.
static inline int strata_batch_column_result(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int i) {
  strata_vtab_cursor *s = strata_own_cursor(c);
  if (!s->batch_active || i < 0 || i >= s->batch_columns) return 0;
  const strata_batch_column *col = &s->batch_column[i];
  if (col->kind == STRATA_BATCH_SWIFT) return 0;
  int64_t r = s->batch_first + s->batch_row;
  int64_t v = col->map ? (int64_t)col->map[r] : r;
  if (v < 0) { STRATA_API->result_null(ctx); return 1; }
  switch (col->kind) {
  case STRATA_BATCH_INT64: STRATA_API->result_int64(ctx, ((const int64_t *)col->values)[v]); return 1;
  case STRATA_BATCH_INT32: STRATA_API->result_int64(ctx, ((const int32_t *)col->values)[v]); return 1;
  case STRATA_BATCH_DOUBLE: STRATA_API->result_double(ctx, ((const double *)col->values)[v]); return 1;
  case STRATA_BATCH_FLOAT: STRATA_API->result_double(ctx, ((const float *)col->values)[v]); return 1;
  case STRATA_BATCH_BOOL: STRATA_API->result_int64(ctx, ((const uint8_t *)col->values)[v]); return 1;
  case STRATA_BATCH_TEXT: {
    const uint8_t *p = col->pool + col->starts[v];
    int32_t n = col->lengths[v];
    if (!strata_utf8_is_valid(p, n)) return 0;
    STRATA_API->result_text(ctx, (const char *)p, n, SQLITE_TRANSIENT);
    return 1;
  }
  case STRATA_BATCH_VARIANT: {
    int64_t bits = ((const int64_t *)col->values)[v];
    switch (col->types[v]) {
    case 1: STRATA_API->result_int64(ctx, bits); return 1;
    case 2: { double d; __builtin_memcpy(&d, &bits, sizeof d); STRATA_API->result_double(ctx, d); return 1; }
    case 3: {
      const uint8_t *p = col->pool + col->starts[v];
      int32_t n = col->lengths[v];
      if (!strata_utf8_is_valid(p, n)) return 0;
      STRATA_API->result_text(ctx, (const char *)p, n, SQLITE_TRANSIENT);
      return 1;
    }
    default: STRATA_API->result_null(ctx); return 1;
    }
  }
  default: return 0;
  }
}

// A destructor value SQLite understands as "copy the bytes now".
static inline sqlite3_destructor_type strata_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type strata_static(void) { return SQLITE_STATIC; }

// ---- memory and strings -------------------------------------------------------------------------------
static inline void *strata_malloc64(sqlite3_uint64 n) { return STRATA_API->malloc64(n); }
static inline void strata_free(void *p) { STRATA_API->free(p); }
/// A copy of `text` in SQLite's allocator, for `*pzErrMsg` and `zErrMsg`.
static inline char *strata_mprintf_text(const char *text) { return STRATA_API->mprintf("%s", text); }
/// The same through a given table (a host whose table we refused still needs its own allocator).
static inline char *strata_mprintf_with(const sqlite3_api_routines *api, const char *text) {
  return api->mprintf("%s", text);
}

// ---- functions -----------------------------------------------------------------------------------------
typedef void (*strata_xfunc)(sqlite3_context *, int, sqlite3_value **);
typedef void (*strata_xfinal)(sqlite3_context *);
typedef void (*strata_xdestroy)(void *);
static inline int strata_create_function_v2(sqlite3 *db, const char *name, int nArg, int flags, void *app,
                                            strata_xfunc xFunc, strata_xfunc xStep, strata_xfinal xFinal,
                                            strata_xdestroy xDestroy) {
  return STRATA_API->create_function_v2(db, name, nArg, flags, app, xFunc, xStep, xFinal, xDestroy);
}
static inline void *strata_user_data(sqlite3_context *c) { return STRATA_API->user_data(c); }
static inline sqlite3 *strata_context_db_handle(sqlite3_context *c) { return STRATA_API->context_db_handle(c); }
static inline void *strata_aggregate_context(sqlite3_context *c, int n) { return STRATA_API->aggregate_context(c, n); }
static inline void *strata_get_auxdata(sqlite3_context *c, int n) { return STRATA_API->get_auxdata(c, n); }
static inline void strata_set_auxdata(sqlite3_context *c, int n, void *p, strata_xdestroy d) { STRATA_API->set_auxdata(c, n, p, d); }

// ---- values --------------------------------------------------------------------------------------------
static inline int strata_value_type(sqlite3_value *v) { return STRATA_API->value_type(v); }
static inline sqlite3_int64 strata_value_int64(sqlite3_value *v) { return STRATA_API->value_int64(v); }
static inline double strata_value_double(sqlite3_value *v) { return STRATA_API->value_double(v); }
static inline const unsigned char *strata_value_text(sqlite3_value *v) { return STRATA_API->value_text(v); }
static inline const void *strata_value_blob(sqlite3_value *v) { return STRATA_API->value_blob(v); }
static inline int strata_value_bytes(sqlite3_value *v) { return STRATA_API->value_bytes(v); }
static inline unsigned int strata_value_subtype(sqlite3_value *v) { return STRATA_API->value_subtype(v); }

// ---- results -------------------------------------------------------------------------------------------
static inline void strata_result_null(sqlite3_context *c) { STRATA_API->result_null(c); }
static inline void strata_result_int64(sqlite3_context *c, sqlite3_int64 v) { STRATA_API->result_int64(c, v); }
static inline void strata_result_double(sqlite3_context *c, double v) { STRATA_API->result_double(c, v); }
static inline void strata_result_text(sqlite3_context *c, const char *s, int n) {
  STRATA_API->result_text(c, s, n, SQLITE_TRANSIENT);
}
/// Text that lives as long as the extension (a literal): SQLite keeps the pointer, no copy per row.
static inline void strata_result_text_static(sqlite3_context *c, const char *s, int n) {
  STRATA_API->result_text(c, s, n, SQLITE_STATIC);
}
static inline void strata_result_blob(sqlite3_context *c, const void *p, int n) {
  STRATA_API->result_blob(c, p, n, SQLITE_TRANSIENT);
}
/// Hands SQLite a buffer from `strata_malloc64`; SQLite frees it (no copy).
static inline void strata_result_blob_owned(sqlite3_context *c, void *p, int n) {
  STRATA_API->result_blob(c, p, n, STRATA_API->free);
}
static inline void strata_result_zeroblob(sqlite3_context *c, int n) { STRATA_API->result_zeroblob(c, n); }
static inline void strata_result_value(sqlite3_context *c, sqlite3_value *v) { STRATA_API->result_value(c, v); }
static inline void strata_result_error(sqlite3_context *c, const char *msg) { STRATA_API->result_error(c, msg, -1); }
static inline void strata_result_error_code(sqlite3_context *c, int code) { STRATA_API->result_error_code(c, code); }
static inline void strata_result_error_nomem(sqlite3_context *c) { STRATA_API->result_error_nomem(c); }
static inline void strata_result_error_toobig(sqlite3_context *c) { STRATA_API->result_error_toobig(c); }
static inline void strata_result_subtype(sqlite3_context *c, unsigned int t) { STRATA_API->result_subtype(c, t); }

// ---- virtual tables ------------------------------------------------------------------------------------
static inline int strata_create_module_v2(sqlite3 *db, const char *name, const sqlite3_module *m, void *aux,
                                          strata_xdestroy d) {
  return STRATA_API->create_module_v2(db, name, m, aux, d);
}
static inline int strata_declare_vtab(sqlite3 *db, const char *sql) { return STRATA_API->declare_vtab(db, sql); }
static inline int strata_vtab_config_directonly(sqlite3 *db) {
  return STRATA_API->vtab_config(db, SQLITE_VTAB_DIRECTONLY);
}
static inline int strata_vtab_config_innocuous(sqlite3 *db) {
  return STRATA_API->vtab_config(db, SQLITE_VTAB_INNOCUOUS);
}
/// `sqlite3_vtab_in` (3.38+): 1 when constraint `i` is an IN the table may take as one list. 0 on older hosts.
static inline int strata_vtab_in(sqlite3_index_info *info, int i, int handle) {
  return strata_libversion_number() >= 3038000 ? STRATA_API->vtab_in(info, i, handle) : 0;
}
static inline int strata_vtab_in_first(sqlite3_value *list, sqlite3_value **out) {
  return strata_libversion_number() >= 3038000 ? STRATA_API->vtab_in_first(list, out) : SQLITE_MISUSE;
}
static inline int strata_vtab_in_next(sqlite3_value *list, sqlite3_value **out) {
  return strata_libversion_number() >= 3038000 ? STRATA_API->vtab_in_next(list, out) : SQLITE_MISUSE;
}
/// `sqlite3_vtab_rhs_value` (3.38+): the constant right-hand side of constraint `i`, if known at plan time.
static inline int strata_vtab_rhs_value(sqlite3_index_info *info, int i, sqlite3_value **out) {
  return strata_libversion_number() >= 3038000 ? STRATA_API->vtab_rhs_value(info, i, out) : SQLITE_NOTFOUND;
}

// ---- connections and statements (used to read tables named in arguments, and by the CLI) ---------------
static inline int strata_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st, const char **tail) {
  return STRATA_API->prepare_v2(db, sql, n, st, tail);
}
static inline int strata_step(sqlite3_stmt *s) { return STRATA_API->step(s); }
static inline int strata_reset(sqlite3_stmt *s) { return STRATA_API->reset(s); }
static inline int strata_finalize(sqlite3_stmt *s) { return STRATA_API->finalize(s); }
static inline int strata_clear_bindings(sqlite3_stmt *s) { return STRATA_API->clear_bindings(s); }
static inline int strata_bind_null(sqlite3_stmt *s, int i) { return STRATA_API->bind_null(s, i); }
static inline int strata_bind_int64(sqlite3_stmt *s, int i, sqlite3_int64 v) { return STRATA_API->bind_int64(s, i, v); }
static inline int strata_bind_double(sqlite3_stmt *s, int i, double v) { return STRATA_API->bind_double(s, i, v); }
static inline int strata_bind_text(sqlite3_stmt *s, int i, const char *t, int n) {
  return STRATA_API->bind_text(s, i, t, n, SQLITE_TRANSIENT);
}
static inline int strata_bind_blob(sqlite3_stmt *s, int i, const void *p, int n) {
  return STRATA_API->bind_blob(s, i, p, n, SQLITE_TRANSIENT);
}
static inline int strata_bind_zeroblob(sqlite3_stmt *s, int i, int n) { return STRATA_API->bind_zeroblob(s, i, n); }
static inline int strata_bind_value(sqlite3_stmt *s, int i, const sqlite3_value *v) { return STRATA_API->bind_value(s, i, v); }
static inline int strata_bind_parameter_count(sqlite3_stmt *s) { return STRATA_API->bind_parameter_count(s); }
static inline const char *strata_bind_parameter_name(sqlite3_stmt *s, int i) { return STRATA_API->bind_parameter_name(s, i); }
static inline int strata_column_count(sqlite3_stmt *s) { return STRATA_API->column_count(s); }
static inline int strata_data_count(sqlite3_stmt *s) { return STRATA_API->data_count(s); }
static inline const char *strata_column_name(sqlite3_stmt *s, int i) { return STRATA_API->column_name(s, i); }
static inline const char *strata_column_decltype(sqlite3_stmt *s, int i) { return STRATA_API->column_decltype(s, i); }
static inline int strata_column_type(sqlite3_stmt *s, int i) { return STRATA_API->column_type(s, i); }
static inline sqlite3_int64 strata_column_int64(sqlite3_stmt *s, int i) { return STRATA_API->column_int64(s, i); }
static inline double strata_column_double(sqlite3_stmt *s, int i) { return STRATA_API->column_double(s, i); }
static inline const unsigned char *strata_column_text(sqlite3_stmt *s, int i) { return STRATA_API->column_text(s, i); }
static inline const void *strata_column_blob(sqlite3_stmt *s, int i) { return STRATA_API->column_blob(s, i); }
static inline int strata_column_bytes(sqlite3_stmt *s, int i) { return STRATA_API->column_bytes(s, i); }
static inline sqlite3_value *strata_column_value(sqlite3_stmt *s, int i) { return STRATA_API->column_value(s, i); }
static inline int strata_stmt_readonly(sqlite3_stmt *s) { return STRATA_API->stmt_readonly(s); }
static inline int strata_stmt_busy(sqlite3_stmt *s) { return STRATA_API->stmt_busy(s); }
static inline const char *strata_sql(sqlite3_stmt *s) { return STRATA_API->sql(s); }
static inline sqlite3 *strata_db_handle(sqlite3_stmt *s) { return STRATA_API->db_handle(s); }
static inline const char *strata_errmsg(sqlite3 *db) { return STRATA_API->errmsg(db); }
static inline int strata_errcode(sqlite3 *db) { return STRATA_API->errcode(db); }
static inline int strata_extended_errcode(sqlite3 *db) { return STRATA_API->extended_errcode(db); }
static inline const char *strata_errstr(int rc) { return STRATA_API->errstr(rc); }
static inline int strata_changes(sqlite3 *db) { return STRATA_API->changes(db); }
static inline int strata_total_changes(sqlite3 *db) { return STRATA_API->total_changes(db); }
static inline sqlite3_int64 strata_last_insert_rowid(sqlite3 *db) { return STRATA_API->last_insert_rowid(db); }
static inline int strata_get_autocommit(sqlite3 *db) { return STRATA_API->get_autocommit(db); }
static inline void strata_interrupt(sqlite3 *db) { STRATA_API->interruptx(db); }
/// `sqlite3_is_interrupted` (3.41+) sits right after `value_encoding`, the last member our 3.40 header knows.
typedef struct strata_api_routines_341 {
  sqlite3_api_routines base;
  int (*is_interrupted)(sqlite3 *);
} strata_api_routines_341;
/// Whether an interrupt is pending on `db`. From 3.41 a flag read. Before, `sqlite3_prepare` itself refuses
/// with SQLITE_INTERRUPT while one is pending (checked on 3.40.1), so compiling a trivial statement asks the
/// same question at the cost of a few microseconds — callers rate-limit it.
static inline int strata_is_interrupted(sqlite3 *db) {
  if (strata_libversion_number() >= 3041000) {
    return ((const strata_api_routines_341 *)(const void *)STRATA_API)->is_interrupted(db);
  }
  sqlite3_stmt *s = 0;
  int rc = STRATA_API->prepare_v2(db, "SELECT 1", -1, &s, 0);
  if (s) STRATA_API->finalize(s);
  return rc == SQLITE_INTERRUPT;
}
static inline int strata_is_interrupted_raw(void *db) { return strata_is_interrupted((sqlite3 *)db); }
static inline int strata_busy_timeout(sqlite3 *db, int ms) { return STRATA_API->busy_timeout(db, ms); }
static inline const char *strata_db_filename(sqlite3 *db, const char *schema) { return STRATA_API->db_filename(db, schema); }
static inline int strata_exec(sqlite3 *db, const char *sql) { return STRATA_API->exec(db, sql, 0, 0, 0); }
typedef int (*strata_xprogress)(void *);
static inline void strata_progress_handler(sqlite3 *db, int n, strata_xprogress f, void *p) {
  STRATA_API->progress_handler(db, n, f, p);
}
static inline int strata_limit(sqlite3 *db, int id, int v) { return STRATA_API->limit(db, id, v); }
static inline int strata_complete(const char *sql) { return STRATA_API->complete(sql); }
static inline const char *strata_libversion(void) { return STRATA_API->libversion(); }
// Transaction hooks and the statement trace (knn_match's cache watches commits, rollbacks and ROLLBACK TO).
typedef int (*strata_xcommit)(void *);
typedef void (*strata_xrollback)(void *);
typedef int (*strata_xtrace)(unsigned, void *, void *, void *);
static inline void *strata_commit_hook(sqlite3 *db, strata_xcommit f, void *p) { return STRATA_API->commit_hook(db, f, p); }
static inline void *strata_rollback_hook(sqlite3 *db, strata_xrollback f, void *p) { return STRATA_API->rollback_hook(db, f, p); }
static inline int strata_trace_statements(sqlite3 *db, strata_xtrace f, void *p) {
  return STRATA_API->trace_v2(db, f ? SQLITE_TRACE_STMT : 0, f, p);
}
static inline sqlite3_stmt *strata_next_stmt(sqlite3 *db, sqlite3_stmt *s) { return STRATA_API->next_stmt(db, s); }
static inline int strata_table_column_metadata(sqlite3 *db, const char *schema, const char *table, const char *col,
                                               const char **type, const char **coll, int *notnull, int *pk, int *autoinc) {
  return STRATA_API->table_column_metadata(db, schema, table, col, type, coll, notnull, pk, autoinc);
}


/// The module's xNext, xEof, xColumn and xRowid: a run's or a batch's rows are answered here in C, anything else
/// by the cursor's Swift callbacks. SQLite calls these once per row (per value for xColumn), so a scan of
/// millions of batched rows never enters Swift for them (shim.c).
int strata_vtab_next(sqlite3_vtab_cursor *c);
int strata_vtab_eof(sqlite3_vtab_cursor *c);
int strata_vtab_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int i);
int strata_vtab_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *out);

#endif

// The one init function and the registration table: every SQL function and module Strata adds is
// registered from `registerAll`, domain by domain. The loadable library's `sqlite3_strata_init` and the
// `strata` CLI's `sqlite3_auto_extension` both call `Strata.initialize`; there is no second path.
import CSQLite
import SQLiteKit
import StrataCommon
import VectorsSQL
import LogsSQL
import CronSQL
import FilesSQL
import ParquetSQL

public enum Strata {
    public static let version = "0.1.0"
    /// SQLITE_DIRECTONLY/INNOCUOUS and `sqlite3_vtab_config(DIRECTONLY)` need 3.31.
    public static let minimumSQLiteVersion: Int32 = 3_031_000

    /// Sets the api-routines table and registers everything on `db`. Returns an SQLite result code; on
    /// failure `*pzErrMsg` holds a message allocated with SQLite's allocator (of the host's library — even
    /// when we refuse it, its own table is at hand).
    /// `readsFiles: false` is the safe mode: nothing that opens a file is registered (vector, cron schedule
    /// and message-shape functions remain). STRATA_ALLOWED_DIRS, read here, confines file readers for good.
    public static func initialize(_ db: OpaquePointer?,
                                  _ pzErrMsg: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                  _ api: UnsafePointer<sqlite3_api_routines>?,
                                  readsFiles: Bool = true) -> Int32 {
        guard let db, let api else { return SQLITE_ERROR }
        guard strata_set_api(api) == 0 else {
            let mine = strata_libversion_number()
            let theirs = api.pointee.libversion_number?() ?? 0
            pzErrMsg?.pointee = strata_mprintf_with(api, "strata: already loaded into another SQLite library in this process (SQLite \(dotted(mine))); this one is SQLite \(dotted(theirs)). Load Strata through one SQLite library per process (e.g. only Python's sqlite3, or only apsw).")
            return SQLITE_ERROR
        }
        Interruption.install(probe: { strata_is_interrupted_raw($0) },
                             minimumInterval: strata_libversion_number() >= 3_041_000 ? 0 : 0.02)
        FileAccess.restrictFromEnvironment()
        guard strata_libversion_number() >= minimumSQLiteVersion else {
            pzErrMsg?.pointee = strata_mprintf_text(
                "strata: needs SQLite 3.31.0 or later (this host has \(strata_libversion_number()))")
            return SQLITE_ERROR
        }
        do {
            try registerAll(on: Connection(handle: db, allowsFileReaders: readsFiles, surface: SQLSurface()))
            return SQLITE_OK
        } catch {
            pzErrMsg?.pointee = strata_mprintf_text("strata: \(SQLError.from(error).message)")
            return SQLITE_ERROR
        }
    }

    static let versionDeclaration = SQLDeclaration(
        "strata_version", kind: .scalar, safety: .pure, parameters: [], returns: "Strata's version")

    /// The registration table, one line per domain. Each domain declares its own names (SQLDeclaration) and
    /// registers them; `strata_help` lists what was registered.
    static func registerAll(on db: Connection) throws {
        try db.register(versionDeclaration) { ctx, _ in ctx.result(version) }
        if db.allowsFileReaders { try db.installFileTableTrust() }  // strata_trust_file_tables
        try VectorFunctions.register(on: db, fileCorpora: db.allowsFileReaders ? ["npy": NpyCorpus.open(path:), "npz": NpyCorpus.open(path:), "parquet": ParquetCorpus.open(path:)] : [:])  // vec_*, distances, vec_avg, knn_match (+ .npy/.npz/.parquet corpora)
        try LogTables.register(on: db)         // read_log, log_file, log_formats
        try CronTables.register(on: db)        // crontab, cron_next/prev/schedule/describe, cron_history, cron_runs
        try FileReaders.register(on: db)       // read_jsonl, jsonl, read_csv, csv_file, read_npy, read_npz
        try ParquetReaders.register(on: db)    // read_parquet, parquet_file
        try SeriesTable.register(on: db)       // generate_series, unless the host SQLite has its own
        if let surface = db.surface { try HelpTable.register(on: db, surface: surface) }  // strata_help
    }

    /// 3040001 → "3.40.1".
    static func dotted(_ n: Int32) -> String { "\(n / 1_000_000).\(n / 1000 % 1000).\(n % 1000)" }
}

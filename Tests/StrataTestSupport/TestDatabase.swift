// Opens real SQLite connections for unit tests, with Strata (and any extra test-only registrations)
// installed the same way the CLI installs them: through sqlite3_auto_extension and Strata.initialize.
import CSQLite
import SQLiteKit
import StrataExtension

private let strataAutoInit: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                            UnsafePointer<sqlite3_api_routines>?) -> Int32 = { db, err, api in
    Strata.initialize(db, err, api)
}

private let registerOnce: Void = {
    _ = sqlite3_auto_extension(unsafeBitCast(strataAutoInit, to: (@convention(c) () -> Void).self))
}()

/// One connection for one test. Closed on deinit.
public final class TestDatabase {
    public let connection: Connection
    private let handle: OpaquePointer

    /// `serialized` false opens the connection in multi-thread mode (SQLITE_OPEN_NOMUTEX): the caller
    /// promises to use it from one thread at a time, as the `strata` CLI does.
    public init(path: String = ":memory:", serialized: Bool = true) throws {
        _ = registerOnce
        var db: OpaquePointer?
        let mode = serialized ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | mode, nil)
        guard rc == SQLITE_OK, let db else {
            // SQLite's own message (an auto-extension's failure is reported there) and the code, for a flaky
            // failure seen once under load in ThreadTests.
            let why = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "no message"
            if let db { sqlite3_close(db) }
            throw SQLError("cannot open \(path) (rc \(rc): \(why))", code: rc)
        }
        // Threads opening one WAL database at once (ThreadTests) can meet a lock held for a moment (WAL index
        // recovery, the last connection's checkpoint): wait for it, as an application would, not fail.
        sqlite3_busy_timeout(db, 10_000)
        handle = db
        connection = Connection(handle: db)
    }

    deinit { sqlite3_close_v2(handle) }

    /// All rows of `sql` as owned values.
    public func rows(_ sql: String, _ bindings: [SQLValue] = []) throws -> [[SQLValue]] {
        let st = try connection.prepare(sql)
        try st.bind(bindings)
        var out: [[SQLValue]] = []
        while try st.step() { out.append((0..<st.columnCount).map { st.value(at: $0) }) }
        return out
    }

    /// The single value of a one-row, one-column query.
    public func value(_ sql: String, _ bindings: [SQLValue] = []) throws -> SQLValue {
        try rows(sql, bindings).first?.first ?? .null
    }

    /// The error message `sql` fails with, or nil when it succeeds.
    public func error(_ sql: String, _ bindings: [SQLValue] = []) -> String? {
        do { _ = try rows(sql, bindings); return nil } catch { return SQLError.from(error).message }
    }

    public func execute(_ sql: String) throws { try connection.execute(sql) }
}

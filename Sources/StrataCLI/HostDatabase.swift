// The CLI side of the one code path: the `strata` binary links the system libsqlite3, registers
// Strata.initialize with sqlite3_auto_extension before opening anything, and from then on talks to SQLite
// through the same SQLiteKit (api-routines table) the loadable extension uses.
import CSQLite
import SQLiteKit
import StrataExtension

private let strataAutoInit: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                            UnsafePointer<sqlite3_api_routines>?) -> Int32 = { db, err, api in
    Strata.initialize(db, err, api)
}

/// An open database owned by the CLI.
final class HostDatabase {
    let connection: Connection
    private let handle: OpaquePointer

    init(path: String, readOnly: Bool = false) throws {
        _ = sqlite3_auto_extension(unsafeBitCast(strataAutoInit, to: (@convention(c) () -> Void).self))
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_URI
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open database"
            if let db { sqlite3_close(db) }
            throw SQLError("\(path): \(message)", code: rc)
        }
        handle = db
        connection = Connection(handle: db)
        // A busy database is waited for rather than failing at once (cron jobs overlap with writers).
        connection.setBusyTimeout(milliseconds: 5_000)
    }

    deinit { sqlite3_close_v2(handle) }
}

// The CLI side of the one code path: the `strata` binary links the system libsqlite3, registers
// Strata.initialize with sqlite3_auto_extension before opening anything, and from then on talks to SQLite
// through the same SQLiteKit (api-routines table) the loadable extension uses. This is the only file that
// calls sqlite3_* directly: opening and closing connections and loading other extensions.
import CSQLite
import SQLiteKit
import StrataCLIKit
import StrataExtension

/// Set while opening the bare connection that lists SQLite's own functions (for `.functions`).
nonisolated(unsafe) private var skipStrata = false

private let strataAutoInit: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                            UnsafePointer<sqlite3_api_routines>?) -> Int32 = { db, err, api in
    if skipStrata {
        if let api { strata_set_api(api) }
        return SQLITE_OK
    }
    return Strata.initialize(db, err, api)
}

private let registerOnce: Void = {
    _ = sqlite3_auto_extension(unsafeBitCast(strataAutoInit, to: (@convention(c) () -> Void).self))
}()

final class HostDatabase: DatabaseHost {
    private var builtins: Set<String>?

    func open(path: String, readOnly: Bool) throws -> Connection {
        _ = registerOnce
        var db: OpaquePointer?
        // NOMUTEX: the CLI uses each connection from one thread (sqlite3_interrupt needs no mutex), and a
        // serialized connection would lock a mutex on every sqlite3_column_* call of a million-row export.
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_URI
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open database"
            if let db { sqlite3_close(db) }
            throw SQLError("\(path): \(message)", code: rc)
        }
        // A busy database is waited for rather than failing at once (cron jobs overlap with writers).
        sqlite3_busy_timeout(db, 5_000)
        return Connection(handle: db)
    }

    func close(_ connection: Connection) {
        sqlite3_close_v2(connection.handle)
    }

    func loadExtension(_ connection: Connection, path: String, entryPoint: String?) throws {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        if base.hasPrefix("libstrata") {
            throw SQLError("\(path): Strata is built into this shell; .load is for other extensions")
        }
        sqlite3_enable_load_extension(connection.handle, 1)
        defer { sqlite3_enable_load_extension(connection.handle, 0) }
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_load_extension(connection.handle, path, entryPoint, &error)
        guard rc == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "cannot load \(path)"
            sqlite3_free(error)
            throw SQLError(message, code: rc)
        }
    }

    func builtinFunctionNames() -> Set<String> {
        if let builtins { return builtins }
        _ = registerOnce
        skipStrata = true
        defer { skipStrata = false }
        var db: OpaquePointer?
        guard sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let db else {
            if let db { sqlite3_close(db) }
            return []
        }
        defer { sqlite3_close(db) }
        var names = Set<String>()
        let c = Connection(handle: db)
        if let st = try? c.prepare("SELECT name FROM pragma_function_list UNION SELECT name FROM pragma_module_list") {
            while (try? st.step()) == true { names.insert(st.text(at: 0)) }
        }
        builtins = names
        return names
    }
}

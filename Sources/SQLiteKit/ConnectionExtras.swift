// Connection helpers a host program (the strata CLI) needs beyond what extension code uses: a progress
// handler as a Swift closure (for Ctrl-C, --timeout and the progress line) and SQLite's own statement
// completeness test. Both go through the api-routines table like the rest of the kit.
import CSQLite

/// Keeps a progress closure alive while SQLite holds a pointer to it; clears the handler when released.
public final class ProgressHandler {
    let body: () -> Bool
    private let connection: Connection

    fileprivate init(connection: Connection, body: @escaping () -> Bool) {
        self.connection = connection
        self.body = body
    }

    /// Removes the handler from the connection. Also done on deinit.
    public func cancel() { strata_progress_handler(connection.handle, 0, nil, nil) }

    deinit { cancel() }
}

extension Connection {
    /// Calls `body` about every `instructions` virtual-machine steps while a statement runs; when it returns
    /// true the running statement stops with SQLITE_INTERRUPT. Keep the returned object alive as long as the
    /// handler should stay installed (one handler per connection, as in SQLite).
    public func setProgressHandler(every instructions: Int32, _ body: @escaping () -> Bool) -> ProgressHandler {
        let handler = ProgressHandler(connection: self, body: body)
        let context = Unmanaged.passUnretained(handler).toOpaque()
        strata_progress_handler(handle, max(1, instructions), { p in
            guard let p else { return 0 }
            return Unmanaged<ProgressHandler>.fromOpaque(p).takeUnretainedValue().body() ? 1 : 0
        }, context)
        return handler
    }

    /// SQLite's `sqlite3_complete`: true when `sql` ends with a complete statement (a `;` outside strings,
    /// comments and trigger bodies). Needs the api table, i.e. a connection opened with Strata initialized.
    public static func isCompleteStatement(_ sql: String) -> Bool {
        strata_api_ready() != 0 && strata_complete(sql) != 0
    }

    /// The file name of a schema's database ("" for in-memory and temporary databases).
    public func fileName(schema: String = "main") -> String {
        strata_db_filename(handle, schema).map { String(cString: $0) } ?? ""
    }

    /// SQLite's version string, e.g. "3.40.1".
    public static var libraryVersion: String {
        strata_api_ready() != 0 ? strata_libversion().map { String(cString: $0) } ?? "" : ""
    }
}

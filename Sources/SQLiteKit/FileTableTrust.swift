// Which file-reading virtual tables a connection may connect to.
//
// Why: a database file is data someone else may have written. Rows put straight into its `sqlite_master` can
// declare `CREATE VIRTUAL TABLE aws USING log_file('~/.aws/credentials', …)`; SQLite connects such a table when
// it is first used (xConnect), and DIRECTONLY does not help — it stops views and triggers, not a planted table
// queried directly (Datasette's index page counts its rows). So a creatable module that reads files connects
// only to a table this connection created itself (xCreate: the user ran CREATE VIRTUAL TABLE), or to tables of
// a database file the user trusted explicitly with `SELECT strata_trust_file_tables('main')` (DIRECTONLY, so no
// schema can call it). The state lives as long as the connection: it is released with the function's
// user data when SQLite closes the connection.
import CSQLite
import StrataCommon
import Glibc

public final class FileTableTrust {
    /// A table, identified by its database file (or schema name for in-memory ones) and name.
    public struct Key: Hashable {
        var database: String
        var table: String
    }

    private var created: Set<Key> = []
    private var trustedDatabases: Set<String> = []

    nonisolated(unsafe) private static var byConnection: [OpaquePointer: FileTableTrust] = [:]
    private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()

    private static func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return try body()
    }

    /// A database as trust sees it: its file's path, or `:schema` for in-memory and temporary ones.
    static func databaseIdentity(db: OpaquePointer, schema: String) -> String {
        if let f = strata_db_filename(db, schema), f.pointee != 0 { return String(cString: f) }
        return ":" + schema.lowercased()
    }

    /// Decides whether a file-reading table may connect. `creating` is xCreate (a CREATE VIRTUAL TABLE this
    /// connection runs): always admitted and remembered. Throws the refusal, naming how to trust the file.
    static func admit(db: OpaquePointer, schema: String, table: String, creating: Bool) throws -> Key {
        let key = Key(database: databaseIdentity(db: db, schema: schema), table: table.lowercased())
        let allowed: Bool = withLock {
            guard let trust = byConnection[db] else { return creating }
            if creating { trust.created.insert(key); return true }
            return trust.created.contains(key) || trust.trustedDatabases.contains(key.database)
        }
        guard allowed else {
            throw SQLError("""
                table \(schema).\(table) reads files and was not created by this connection; a database file \
                can declare such a table to read its opener's files. If you trust this database, run \
                SELECT strata_trust_file_tables('\(schema)') (or start strata with --trust-file-tables)
                """)
        }
        return key
    }

    static func forget(db: OpaquePointer, _ key: Key) {
        withLock { _ = byConnection[db]?.created.remove(key) }
    }

    /// Sets up trust for a connection and registers `strata_trust_file_tables([schema])`.
    static func install(on connection: Connection) throws {
        let trust = FileTableTrust()
        let db = connection.handle
        withLock { byConnection[db] = trust }
        try connection.register(declaration, { ctx, args in
            let schema = args.count == 1 && !args[0].isNull ? args[0].text : "main"
            guard strata_db_filename(db, schema) != nil || schema.lowercased() == "temp" else {
                throw SQLError("no database called '\(schema)' is attached")
            }
            let id = databaseIdentity(db: db, schema: schema)
            _ = withLock { trust.trustedDatabases.insert(id) }
            ctx.result(id)
        }, onRelease: {
            withLock { if byConnection[db] === trust { byConnection[db] = nil } }
        })
    }

    static let declaration = SQLDeclaration(
        "strata_trust_file_tables", kind: .scalar, safety: .directOnly,
        parameters: [.optional("schema", "the attached database whose file tables to trust (default 'main')")],
        returns: "the trusted database's file name; its log_file/jsonl/csv_file tables may now read their files")
}

extension Connection {
    /// Registers the trust function and starts admitting file-reading tables created on this connection.
    public func installFileTableTrust() throws { try FileTableTrust.install(on: self) }
}

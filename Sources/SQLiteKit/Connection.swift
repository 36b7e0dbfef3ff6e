// A non-owning handle on a database connection, and prepared statements, both through the api-routines table.
// Virtual tables use these to read the tables named in their arguments (knn_match) and the CLI to run SQL.
import CSQLite

public struct Connection {
    public let handle: OpaquePointer
    /// False on a connection loaded through the safe entry point: modules that read files are not registered.
    public var allowsFileReaders: Bool
    /// Collects the declarations registered through this value (the extension's init), for `strata_help`.
    public var surface: SQLSurface?

    public init(handle: OpaquePointer) {
        self.handle = handle
        self.allowsFileReaders = true
    }

    public init(handle: OpaquePointer, allowsFileReaders: Bool, surface: SQLSurface? = nil) {
        self.handle = handle
        self.allowsFileReaders = allowsFileReaders
        self.surface = surface
    }

    public var errorMessage: String { strata_errmsg(handle).map { String(cString: $0) } ?? "unknown error" }
    public var totalChanges: Int64 { Int64(strata_total_changes(handle)) }
    public var isAutocommit: Bool { strata_get_autocommit(handle) != 0 }

    /// Prepares one statement. Throws with SQLite's message when it does not compile.
    public func prepare(_ sql: String) throws -> Statement {
        var stmt: OpaquePointer?
        let rc = strata_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK else { throw SQLError(errorMessage, code: rc) }
        guard let stmt else { throw SQLError("empty statement") }
        return Statement(handle: stmt, connection: self)
    }

    /// Runs every statement in `sql`, discarding rows.
    public func execute(_ sql: String) throws {
        let rc = strata_exec(handle, sql)
        guard rc == SQLITE_OK else { throw SQLError(errorMessage, code: rc) }
    }

    /// The first column of the first row of `sql`, or nil when it returns no row.
    public func scalar(_ sql: String, _ bindings: [SQLValue] = []) throws -> SQLValue? {
        let st = try prepare(sql)
        try st.bind(bindings)
        guard try st.step() else { return nil }
        return st.value(at: 0)
    }

    public func interrupt() { strata_interrupt(handle) }

    public func setBusyTimeout(milliseconds: Int32) { _ = strata_busy_timeout(handle, milliseconds) }
}

/// A prepared statement; finalized when released.
public final class Statement {
    public let handle: OpaquePointer
    public let connection: Connection

    init(handle: OpaquePointer, connection: Connection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { strata_finalize(handle) }

    public var columnCount: Int { Int(strata_column_count(handle)) }
    public var isReadOnly: Bool { strata_stmt_readonly(handle) != 0 }
    public var parameterCount: Int { Int(strata_bind_parameter_count(handle)) }
    public var sql: String { strata_sql(handle).map { String(cString: $0) } ?? "" }

    public func parameterName(_ index: Int) -> String? {
        strata_bind_parameter_name(handle, Int32(index)).map { String(cString: $0) }
    }

    public func columnName(_ index: Int) -> String {
        strata_column_name(handle, Int32(index)).map { String(cString: $0) } ?? ""
    }

    /// Advances; true when a row is ready, false when done. Throws SQLite's message on failure.
    @discardableResult
    public func step() throws -> Bool {
        let rc = strata_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw SQLError(connection.errorMessage, code: rc)
    }

    public func reset() { strata_reset(handle) }

    /// Binds values to parameters 1...n.
    public func bind(_ values: [SQLValue]) throws {
        for (i, v) in values.enumerated() { try bind(v, at: i + 1) }
    }

    public func bind(_ value: SQLValue, at index: Int) throws {
        let i = Int32(truncatingIfNeeded: index)
        let rc: Int32
        switch value {
        case .null: rc = strata_bind_null(handle, i)
        case .integer(let v): rc = strata_bind_int64(handle, i, v)
        case .real(let v): rc = strata_bind_double(handle, i, v)
        case .text(let s):
            var s = s
            rc = s.withUTF8 { b in
                guard b.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
                guard let p = b.baseAddress, !b.isEmpty else { return strata_bind_text(handle, i, "", 0) }
                return p.withMemoryRebound(to: CChar.self, capacity: b.count) { strata_bind_text(handle, i, $0, Int32(b.count)) }
            }
        case .blob(let b):
            rc = b.withUnsafeBytes { raw in
                guard raw.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
                // A NULL pointer would bind SQL NULL; an empty BLOB is a zero-length zeroblob.
                guard let p = raw.baseAddress, !raw.isEmpty else { return strata_bind_zeroblob(handle, i, 0) }
                return strata_bind_blob(handle, i, p, Int32(raw.count))
            }
        }
        guard rc == SQLITE_OK else { throw SQLError(connection.errorMessage, code: rc) }
    }

    public func bind(_ argument: SQLArgument, at index: Int) throws {
        let rc = strata_bind_value(handle, Int32(truncatingIfNeeded: index), argument.raw)
        guard rc == SQLITE_OK else { throw SQLError(connection.errorMessage, code: rc) }
    }

    public func type(at index: Int) -> SQLType { SQLType(rawValue: strata_column_type(handle, Int32(index))) ?? .null }
    public func int64(at index: Int) -> Int64 { strata_column_int64(handle, Int32(index)) }
    public func double(at index: Int) -> Double { strata_column_double(handle, Int32(index)) }

    public func text(at index: Int) -> String {
        let p = strata_column_text(handle, Int32(index))
        let n = Int(strata_column_bytes(handle, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: p, count: p == nil ? 0 : n), as: UTF8.self)
    }

    /// The column's bytes without a copy; valid inside `body` only.
    public func withBlobBytes<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let p = strata_column_blob(handle, Int32(index))
        let n = Int(strata_column_bytes(handle, Int32(index)))
        return try body(UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : n))
    }

    /// The column as a borrowed value (valid until the next step).
    public func argument(at index: Int) -> SQLArgument? {
        strata_column_value(handle, Int32(index)).map { SQLArgument(raw: $0) }
    }

    public func value(at index: Int) -> SQLValue {
        switch type(at: index) {
        case .null: return .null
        case .integer: return .integer(int64(at: index))
        case .real: return .real(double(at: index))
        case .text: return .text(text(at: index))
        case .blob: return .blob(withBlobBytes(at: index) { Array($0) })
        }
    }
}

/// A name safe in SQL text: `"name"` with inner quotes doubled (schemas, tables and columns from arguments).
public func quotedIdentifier(_ name: String) -> String {
    "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
}

extension Connection {
    /// Prepares the first statement of `sql` starting at byte `offset`. Returns nil for a tail of only
    /// whitespace or comments, and the byte offset just past what was consumed.
    public func prepareNext(_ sql: UnsafeBufferPointer<CChar>, from offset: Int) throws -> (statement: Statement?, next: Int) {
        guard let base = sql.baseAddress, offset < sql.count else { return (nil, sql.count) }
        var stmt: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let start = base + offset
        let rc = strata_prepare_v2(handle, start, Int32(clamping: sql.count - offset), &stmt, &tail)
        let next = tail.map { $0 - base } ?? sql.count
        guard rc == SQLITE_OK else { throw SQLError(errorMessage, code: rc) }
        return (stmt.map { Statement(handle: $0, connection: self) }, max(next, offset + 1))
    }
}

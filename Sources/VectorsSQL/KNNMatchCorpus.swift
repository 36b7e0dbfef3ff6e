// knn_match's view of the database: resolving 'schema.table.column' names the way SQLite resolves table
// names, streaming a column as a `CorpusSource`, the cache's validity stamp, and turning a filter expression
// into the set of matching rowids. Everything goes through SQLiteKit statements on the calling connection.
import SQLiteKit
import Vectors

/// A column named in knn_match's arguments, resolved to the schema that holds its table.
struct ResolvedColumn {
    var schema: String
    var table: String
    var column: String
    /// As the user wrote it (for messages).
    var display: String

    /// The cache key: case-folded, since SQLite names are case-insensitive.
    var key: String { "\(schema).\(table).\(column)".asciiLowercased }

    var quotedTable: String { "\(quoteIdentifier(schema)).\(quoteIdentifier(table))" }
}

/// `name` as written in SQL: bare when it is a plain identifier, else double-quoted.
func quoteIdentifierIfNeeded(_ s: String) -> String {
    let plain = !s.isEmpty && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
        && !(s.utf8.first.map { $0 >= 48 && $0 <= 57 } ?? true)
    return plain ? s : quoteIdentifier(s)
}

/// `"name"` with embedded double quotes doubled.
func quoteIdentifier(_ s: String) -> String { "\"" + s.replacingAll("\"", with: "\"\"") + "\"" }

extension String {
    var asciiLowercased: String {
        String(decoding: utf8.map { $0 >= 65 && $0 <= 90 ? $0 &+ 32 : $0 }, as: UTF8.self)
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

/// Splits `a.b.c` into parts; a part may be double-quoted (`"my.table".col`, `""` inside for a quote).
/// Nil when the text is not dot-separated names.
func splitQualifiedName(_ text: String) -> [String]? {
    var parts: [String] = []
    var chars = Array(text.trimmingSpaces)[...]
    while true {
        var part = ""
        if chars.first == "\"" {
            chars = chars.dropFirst()
            var closed = false
            while let c = chars.first {
                chars = chars.dropFirst()
                if c == "\"" {
                    if chars.first == "\"" { part.append("\""); chars = chars.dropFirst() } else { closed = true; break }
                } else {
                    part.append(c)
                }
            }
            guard closed else { return nil }
        } else {
            while let c = chars.first, c != "." { part.append(c); chars = chars.dropFirst() }
            part = part.trimmingSpaces
        }
        guard !part.isEmpty else { return nil }
        parts.append(part)
        guard let next = chars.first else { break }
        guard next == "." else { return nil }
        chars = chars.dropFirst()
    }
    return parts
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension Connection {
    /// Schemas in the order SQLite searches an unqualified table name: temp, main, then attached ones.
    func schemaSearchOrder() throws -> [String] {
        let st = try prepare("PRAGMA database_list")
        var names: [String] = []
        while try st.step() { names.append(st.text(at: 1)) }
        let rest = names.filter { $0 != "main" && $0 != "temp" }
        return ["temp", "main"] + rest
    }

    /// Resolves `'table.column'` or `'schema.table.column'`; `role` names the argument in errors.
    func resolveColumn(_ spec: String, role: String) throws -> ResolvedColumn {
        guard let parts = splitQualifiedName(spec), parts.count == 2 || parts.count == 3 else {
            throw SQLError("\(role) must be 'table.column' or 'schema.table.column', got '\(spec)'")
        }
        let table = parts[parts.count - 2], column = parts[parts.count - 1]
        let schemas: [String]
        if parts.count == 3 {
            let all = try schemaSearchOrder()
            guard let s = all.first(where: { $0.asciiLowercased == parts[0].asciiLowercased }) else {
                throw SQLError("no such database: \(parts[0])")
            }
            schemas = [s]
        } else {
            schemas = try schemaSearchOrder()
        }
        for schema in schemas {
            let st = try prepare("PRAGMA \(quoteIdentifier(schema)).table_xinfo(\(quoteIdentifier(table)))")
            var columns: [String] = []
            while try st.step() { columns.append(st.text(at: 1)) }
            guard !columns.isEmpty else { continue }
            guard let found = columns.first(where: { $0.asciiLowercased == column.asciiLowercased }) else {
                throw SQLError("no such column: \(table).\(column)")
            }
            return ResolvedColumn(schema: schema, table: table, column: found, display: spec.trimmingSpaces)
        }
        throw SQLError("no such table: \(parts.count == 3 ? "\(parts[0]).\(table)" : table)")
    }

    /// What must be unchanged for a cached corpus to be current: this connection's change counter (any write
    /// it made, to any table), and the schema's data version (commits by other connections) and schema
    /// version (DROP/CREATE/ALTER).
    func corpusStamp(schema: String) throws -> CorpusCache.Stamp {
        let q = quoteIdentifier(schema)
        func pragma(_ name: String) throws -> Int64 {
            guard case .integer(let v)? = try scalar("PRAGMA \(q).\(name)") else { return -1 }
            return v
        }
        return [totalChanges, try pragma("data_version"), try pragma("schema_version")]
    }
}

/// Streams `SELECT rowid, column FROM table ORDER BY rowid` as vectors (float32 BLOBs or JSON text).
struct TableColumnSource: BadRowReporting {
    let connection: Connection
    let column: ResolvedColumn

    func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        try forEachRow(body, bad: nil)
    }

    func forEachRow(_ body: (Int64, VectorView?) throws -> Void, bad: (Int64, String) throws -> Void) throws {
        try withoutActuallyEscaping(bad) { bad in try forEachRow(body, bad: Optional(bad)) }
    }

    private func forEachRow(_ body: (Int64, VectorView?) throws -> Void, bad: ((Int64, String) throws -> Void)?) throws {
        let reader = try ColumnReader(connection, column)
        // The shell's progress line: rows come in rowid order, so the last rowid against max(rowid) says how
        // far packing has come without counting the table first.
        let progress = ScanProgress.begin("knn_match \(column.display)", total: ScanProgress.isEnabled ? maxRowid() : 0,
                                          unit: .rows)
        guard progress != 0 else {
            _ = try reader.read(limit: .max, body, bad: bad)
            return
        }
        defer { ScanProgress.end(progress) }
        var rows = 0
        _ = try reader.read(limit: .max, { id, vector in
            rows &+= 1
            if rows & 0xFFF == 0 { ScanProgress.advance(progress, to: id) }
            try body(id, vector)
        }, bad: bad)
    }

    private func maxRowid() -> Int64 {
        guard let st = try? connection.prepare("SELECT max(rowid) FROM \(column.quotedTable)"),
              (try? st.step()) == true, st.type(at: 0) == .integer else { return 0 }
        return st.int64(at: 0)
    }
}

/// An open scan of a column, read in pieces: a batch's query vectors are packed one block at a time, so
/// memory stays bounded by the block, whatever the size of the query table.
final class ColumnReader {
    private let statement: Statement
    private let column: ResolvedColumn
    private(set) var exhausted = false

    /// `byRowid`: reads one row at a time, the one `seek(rowid:)` names (knn_index rescoring its candidates).
    init(_ connection: Connection, _ column: ResolvedColumn, byRowid: Bool = false) throws {
        self.column = column
        let sql = "SELECT rowid, \(quoteIdentifier(column.column)) FROM \(column.quotedTable) "
            + (byRowid ? "WHERE rowid = ?1" : "ORDER BY rowid")
        do { statement = try connection.prepare(sql) } catch {
            // The code goes along: an interruption that lands on this prepare must still read as one.
            let e = SQLError.from(error)
            throw SQLError("cannot read \(column.display): \(e.message)", code: e.code)
        }
    }

    /// Positions a `byRowid` reader on one row: the next `read` hands over that row (or nothing).
    func seek(rowid: Int64) throws {
        statement.reset()
        try statement.bind(.integer(rowid), at: 1)
        exhausted = false
    }

    /// Hands rows to `body` until `limit` non-NULL vectors were read or the table ends (then `exhausted`).
    /// A row that cannot be read as a vector goes to `bad` with the reason when given, else is an error.
    @discardableResult
    func read(limit: Int, _ body: (Int64, VectorView?) throws -> Void,
              bad: ((Int64, String) throws -> Void)? = nil) throws -> Int {
        var vectors = 0
        let st = statement
        let name = column.display
        while vectors < limit {
            guard try st.step() else {
                exhausted = true
                break
            }
            // Two calls into the connection per row (each takes its mutex in a serialized build); the vector is
            // then read through sqlite3_column_value's value. SQLite calls such a value "unprotected" (the
            // value_* calls do not take the mutex), which is sound here: every read of a corpus happens inside
            // the statement SQLite is stepping (knn_match's xFilter, knn_index's xCreate/xUpdate), so this
            // thread holds the connection's mutex throughout. A NULL rowid reads as 0.
            let id = st.int64(at: 0)
            guard id != 0 || st.type(at: 0) == .integer else {
                throw SQLError("\(column.display) has no rowids (a view? knn_match reads tables)")
            }
            guard let value = st.argument(at: 1) else {
                try body(id, nil)
                continue
            }
            switch value.type {
            case .null:
                try body(id, nil)
                continue
            case .blob:
                try value.withBlobBytes { bytes in
                    // Length checks here; NaN/Inf are found by the engine while it computes norms (or by
                    // CheckedSource, which also names a float64 blob).
                    let problem: String?
                    if bytes.count % 4 != 0 || bytes.isEmpty || bytes.count / 4 > Vector.maxDimensions {
                        problem = VectorDiagnosis.diagnose(bytes) ?? VectorError.empty.description
                    } else {
                        problem = nil
                    }
                    guard problem == nil, let base = bytes.baseAddress else {
                        let reason = problem ?? VectorError.empty.description
                        if let bad { return try bad(id, reason) }
                        throw KNNError.badRow(corpus: name, id: id, reason: reason)
                    }
                    try body(id, VectorView(unchecked: base, count: bytes.count / 4))
                }
            case .text:
                let values: [Float]
                do {
                    var text = st.text(at: 1)
                    values = try text.withUTF8 { try parseJSONVector($0) }
                } catch let e as VectorError {
                    if let bad { try bad(id, e.description); continue }
                    throw KNNError.badRow(corpus: name, id: id, reason: e.description)
                }
                try values.withVectorView { try body(id, $0) }
            case .integer, .real:
                let reason = VectorError.wrongType(st.type(at: 1).sqlName).description
                if let bad { try bad(id, reason); continue }
                throw KNNError.badRow(corpus: name, id: id, reason: reason)
            }
            vectors &+= 1
        }
        return vectors
    }
}

/// The next `limit` vectors of a `ColumnReader`, as a source to pack.
struct ColumnReaderBlock: CorpusSource {
    let reader: ColumnReader
    let limit: Int

    /// At most `limit` rows: packing reserves room for that many, not for a whole table.
    var rowCountHint: Int? { limit }

    func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        try reader.read(limit: limit, body)
    }
}

/// A compiled filter: `SELECT rowid FROM table WHERE (expression)`, checked to be one read-only statement.
struct CompiledFilter {
    let statement: Statement

    init(_ connection: Connection, table: ResolvedColumn, expression: String) throws {
        guard !expression.trimmingSpaces.isEmpty else { throw SQLError("invalid filter: empty expression") }
        // A ')' that closes more than it opened would end our WHERE clause early (`1) UNION SELECT (2`).
        guard parenthesesStayOpen(expression) else { throw SQLError("invalid filter: must be a single expression") }
        // The newline keeps a trailing `--` comment from swallowing the closing parenthesis.
        let sql = "SELECT rowid FROM \(table.quotedTable) WHERE (\(expression)\n)"
        let utf8 = Array(sql.utf8CString)
        let first: Statement?
        let next: Int
        do {
            (first, next) = try utf8.withUnsafeBufferPointer { buf in
                try connection.prepareNext(buf, from: 0)
            }
        } catch {
            var message = SQLError.from(error).message
            // SQLite reports an expression that stops short at the ')' we closed it with: say so in the
            // user's terms, since they typed no ')'.
            if message == "near \")\": syntax error", !expression.contains(")") {
                message = "syntax error at the end of '\(expression)'"
            }
            throw SQLError("invalid filter: \(message)")
        }
        guard let first else { throw SQLError("invalid filter: empty expression") }
        // The text after the statement (the NUL terminator aside) must hold no second statement.
        let rest: Statement?
        do {
            rest = try utf8.withUnsafeBufferPointer { buf in
                try connection.prepareNext(UnsafeBufferPointer(rebasing: buf[..<max(0, buf.count - 1)]), from: next).statement
            }
        } catch {
            throw SQLError("invalid filter: must be a single expression")
        }
        guard rest == nil, first.isReadOnly, first.columnCount == 1 else {
            throw SQLError("invalid filter: must be a single expression")
        }
        statement = first
    }

    /// The rowids of matching rows.
    func rowids() throws -> [Int64] {
        statement.reset()
        var out: [Int64] = []
        while try statement.step() {
            if statement.type(at: 0) != .null { out.append(statement.int64(at: 0)) }
        }
        return out
    }
}

/// Whether no `)` in `sql` (outside strings, quoted names and comments) closes a parenthesis it did not open.
func parenthesesStayOpen(_ sql: String) -> Bool {
    let b = Array(sql.utf8)
    var depth = 0
    var i = 0
    while i < b.count {
        let c = b[i]
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "["):
            let close = c == UInt8(ascii: "[") ? UInt8(ascii: "]") : c
            i += 1
            while i < b.count {
                if b[i] == close {
                    // A doubled quote is an escaped quote inside the token ([...] has no escape).
                    if close != UInt8(ascii: "]"), i + 1 < b.count, b[i + 1] == close { i += 2; continue }
                    break
                }
                i += 1
            }
        case UInt8(ascii: "-") where i + 1 < b.count && b[i + 1] == UInt8(ascii: "-"):
            while i < b.count, b[i] != 0x0A { i += 1 }
        case UInt8(ascii: "/") where i + 1 < b.count && b[i + 1] == UInt8(ascii: "*"):
            i += 2
            while i + 1 < b.count, !(b[i] == UInt8(ascii: "*") && b[i + 1] == UInt8(ascii: "/")) { i += 1 }
            i += 1
        case UInt8(ascii: "("):
            depth += 1
        case UInt8(ascii: ")"):
            depth -= 1
            if depth < 0 { return false }
        default:
            break
        }
        i += 1
    }
    return true
}

/// Where knn_match's `corpus_id` comes from: the corpus table's own id column (looked up by rowid for the k
/// rows returned, never for the whole table), or a file's companion array of ids (row i's id for row i).
enum CorpusIDLookup {
    case none
    case column(Statement)
    case file(CorpusKeys)

    init(_ db: Connection, reference: CorpusReference, ids: String) throws {
        switch reference {
        case .column(let c):
            // A column of the corpus's own table; `ids => 'doc_id'` or a quoted name (`'"doc id"'`).
            let name = splitQualifiedName(ids).flatMap { $0.count == 1 ? $0[0] : nil } ?? ids
            let st = try db.prepare("PRAGMA \(quoteIdentifier(c.schema)).table_xinfo(\(quoteIdentifier(c.table)))")
            var found: String? = nil
            while try st.step() {
                if found == nil, st.text(at: 1).asciiLowercased == name.asciiLowercased { found = st.text(at: 1) }
            }
            guard let found else { throw SQLError("ids: no such column: \(c.table).\(name)") }
            self = .column(try db.prepare(
                "SELECT \(quoteIdentifier(found)) FROM \(c.quotedTable) WHERE rowid = ?1"))
        case .file(let path, let opener):
            let file = try opener(path)
            guard let open = file.openIDs else { throw SQLError("ids: \(reference.display) has no companion ids") }
            let keys = try open(ids)
            if let rows = file.source.rowCountHint, rows != keys.count {
                throw SQLError("ids \(keys.name) has \(keys.count) rows, the corpus \(reference.display) has \(rows)")
            }
            self = .file(keys)
        }
    }

    /// The id of the corpus row with rowid (or row index) `id`.
    func value(for id: Int64) throws -> SQLValue {
        switch self {
        case .none:
            return .null
        case .column(let st):
            st.reset()
            try st.bind(.integer(id), at: 1)
            return try st.step() ? st.value(at: 0) : .null
        case .file(let keys):
            guard id >= 0, id < Int64(keys.count) else { return .null }
            switch try keys.key(Int(id)) {
            case .integer(let v): return .integer(v)
            case .real(let v): return .real(v)
            case .text(let v): return .text(v)
            case .blob(let v): return .blob(v)
            }
        }
    }
}

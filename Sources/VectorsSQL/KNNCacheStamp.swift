// When knn_match may reuse a packed table corpus: the cache key (which database file, which table and column,
// each name part quoted so `docs."meta.emb"` and `"docs.meta".emb` differ) and the validity stamp.
//
// The stamp is everything that moves when the rows can have changed:
//   total_changes()            this connection's INSERT/UPDATE/DELETE (any table — conservative)
//   PRAGMA data_version        commits by other connections and processes
//   PRAGMA schema_version      DROP/CREATE/ALTER
//   TransactionWatch.generation  commits (an incremental BLOB write moves no counter), ROLLBACK and
//                              ROLLBACK TO (which move none either), ATTACH/DETACH and deserialize()
// so a corpus packed inside an open transaction is reused by later queries of that transaction, and a
// rollback of either kind makes the next query pack again. What the stamp cannot see is not cached:
//   - a virtual-table corpus (csv_file, jsonl, ...): its rows come from a file or code, not pages;
//   - while an incremental BLOB handle is open (its writes move nothing until it is closed);
//   - inside a transaction when the statement trace is not ours any more (a program set its own trace
//     callback after loading Strata: a ROLLBACK TO would then go unseen).
import SQLiteKit
import Vectors

/// How a table corpus is cached for one query.
struct ColumnCachePolicy {
    /// The cache key's name part: database file, schema, table, column.
    var key: String
    /// As EXPLAIN QUERY PLAN looks it up: `main.docs.embedding`, lowercased.
    var label: String
    var stamp: CorpusCache.Stamp
    /// Whether a cached copy may serve this query and a new pack be stored.
    var cacheable: Bool
}

extension KNNMatchTable {
    func cachePolicy(for column: ResolvedColumn) throws -> ColumnCachePolicy {
        let db = connection
        let file = db.databaseFile(schema: column.schema)
        let key = "table\u{0}" + file + "\u{0}" + [column.schema, column.table, column.column]
            .map { quoteIdentifier($0.asciiLowercased) }.joined(separator: ".")
        let label = "\(column.schema).\(column.table).\(column.column)".asciiLowercased
        let create = try db.createSQL(schema: column.schema, table: column.table)
        let isVirtual = create?.trimmingSpaces.asciiLowercased.hasPrefix("create virtual") ?? false
        if isVirtual, let create, let what = sqliteVecElementType(create, column: column.column) {
            // A vec0 column's values carry the subtype, but it is lost on the way through ORDER BY rowid.
            throw SQLError(SQLiteVecSubtype.refusal("\(column.display) holds \(what)"))
        }
        var cacheable = !isVirtual
        if watch.hasOpenBlobHandle { cacheable = false }
        // Our own statement started since the last look: the trace still counts, unless it was replaced.
        let traced = watch.statements != statementsSeen
        if !db.isAutocommit, !traced { cacheable = false }
        let stamp = try db.corpusStamp(schema: column.schema) + [Int64(truncatingIfNeeded: watch.generation)]
        statementsSeen = watch.statements
        return ColumnCachePolicy(key: key, label: label, stamp: stamp, cacheable: cacheable)
    }
}

extension Connection {
    /// The file behind `schema` ("" for in-memory and temporary databases).
    /// (`sqlite3_db_filename`, not `pragma_database_list`: SQLite 3.40 crashes preparing that table-valued
    /// pragma after `sqlite3_deserialize` replaced main.)
    func databaseFile(schema: String) -> String { fileName(schema: schema) }

    /// The CREATE statement of `table` in `schema` (nil when it has none: a view's is not asked for).
    func createSQL(schema: String, table: String) throws -> String? {
        let master = schema.asciiLowercased == "temp" ? "sqlite_temp_master" : "sqlite_master"
        let sql = "SELECT sql FROM \(quoteIdentifier(schema)).\(master) WHERE type = 'table' AND name = ?1 COLLATE NOCASE"
        guard case .text(let create)? = try scalar(sql, [.text(table)]) else { return nil }
        return create
    }
}

/// For a sqlite-vec `vec0` table, what `column` holds when it is not float32: `e int8[16]` → an int8 vector,
/// `e bit[64]` → a bit vector. Nil for float32 columns and other modules.
func sqliteVecElementType(_ create: String, column: String) -> String? {
    let lower = create.asciiLowercased
    // CREATE VIRTUAL TABLE name USING module(arguments)
    guard let open = lower.firstIndex(of: "(") else { return nil }
    let head = lower[..<open].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
    guard head.count >= 2, head[head.count - 2] == "using", head[head.count - 1] == "vec0" else { return nil }
    let body = lower[lower.index(after: open)...].dropLast(lower.hasSuffix(")") ? 1 : 0)
    for part in body.split(separator: ",") {
        let words = part.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard words.count >= 2 else { continue }
        var name = String(words[0])
        if name.count >= 2, let f = name.first, "\"`[".contains(f) { name = String(name.dropFirst().dropLast()) }
        guard name == column.asciiLowercased else { continue }
        if words[1].hasPrefix("int8") { return SQLiteVecSubtype.foreign(SQLiteVecSubtype.int8) }
        if words[1].hasPrefix("bit") { return SQLiteVecSubtype.foreign(SQLiteVecSubtype.bit) }
        return nil
    }
    return nil
}

// `strata_help`: the declarations a connection registered, as a table — what `.functions` prints, what the
// documentation's surface tables are generated from, and what a user can query (`SELECT help FROM
// strata_help WHERE name LIKE 'cron%'`). It lists exactly what this connection has: the safe entry point's
// connections show no file readers.
import StrataCommon

public enum HelpTable {
    public static let declaration = SQLDeclaration(
        "strata_help", kind: .tableFunction, safety: .pure, parameters: [],
        columns: [
            SQLColumn("name", "TEXT", "the SQL name"),
            SQLColumn("kind", "TEXT", "function, aggregate, table function or virtual table"),
            SQLColumn("safety", "TEXT", "pure (usable anywhere) or directOnly (top-level SQL only)"),
            SQLColumn("reads_files", "INTEGER", "1 when it opens files its arguments name"),
            SQLColumn("signature", "TEXT", "name(parameters), optional ones in brackets"),
            SQLColumn("help", "TEXT", "the one-line help"),
            SQLColumn("parameters", "TEXT", "JSON array of {name, doc, required}"),
            SQLColumn("columns", "TEXT", "JSON array of {name, type, doc} (tables)"),
            SQLColumn("notes", "TEXT", "further notes"),
        ],
        returns: "every SQL name Strata registered on this connection")

    /// Registers `strata_help` listing `surface` (itself included).
    public static func register(on db: Connection, surface: SQLSurface) throws {
        var db = db
        db.surface = surface
        try db.register(declaration) { _, _ in Table(rows: surface.declarations.map(row)) }
    }

    static func row(_ d: SQLDeclaration) -> [SQLValue] {
        let params = d.parameters.map {
            "{\"name\":\(jsonStringLiteral($0.name)),\"doc\":\(jsonStringLiteral($0.doc)),\"required\":\($0.required)}"
        }
        let cols = d.columns.map {
            "{\"name\":\(jsonStringLiteral($0.name)),\"type\":\(jsonStringLiteral($0.hidden ? ($0.type + " HIDDEN").trimmingWhitespace() : $0.type)),\"doc\":\(jsonStringLiteral($0.doc))}"
        }
        return [.text(d.name), .text(d.kind.rawValue), .text(d.safety.rawValue), .integer(d.readsFiles ? 1 : 0),
                .text(d.signature), .text(d.helpLine), .text("[" + params.joined(separator: ",") + "]"),
                .text("[" + cols.joined(separator: ",") + "]"), .text(d.notes)]
    }

    final class Table: VirtualTable {
        let rows: [[SQLValue]]
        init(rows: [[SQLValue]]) { self.rows = rows }
        var declaration: String { HelpTable.declaration.tableSignature.declaration }
        func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
            info.estimatedCost = 10
            info.estimatedRows = Int64(rows.count)
            return .ok
        }
        func openCursor() throws -> VirtualTableCursor { Cursor(rows: rows) }
    }

    final class Cursor: VirtualTableCursor {
        let rows: [[SQLValue]]
        var i = 0
        init(rows: [[SQLValue]]) { self.rows = rows }
        func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws { i = 0 }
        func next() throws { i += 1 }
        var isAtEnd: Bool { i >= rows.count }
        func column(_ c: Int32, context: SQLContext) throws {
            guard i < rows.count, c >= 0, Int(c) < rows[i].count else { return context.resultNull() }
            context.result(rows[i][Int(c)])
        }
        func rowid() throws -> Int64 { Int64(i) }
    }
}

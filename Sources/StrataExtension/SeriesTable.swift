// generate_series(start, stop [, step]): the integers from start to stop, as the table-valued function the
// sqlite3 shell has (ext/misc/series.c) — filling the hours or days a GROUP BY left out, numbering rows —
// for every client, not just that shell. Registered only where the host SQLite has none of its own (newer
// libraries and the sqlite3 shell bring one, and theirs stays). Pure: no file, no table, so innocuous.
// One difference: stop is required (sqlite3's defaults to 4294967295, four billion rows for a forgotten
// argument, which a view over it would count for minutes).
import SQLiteKit

final class SeriesTable: DeclaredTable {
    static let sql = SQLDeclaration(
        "generate_series", kind: .tableFunction, safety: .pure,
        parameters: [
            .required("start", "the first value (an integer)"),
            .required("stop", "the last value, included"),
            .optional("step", "the distance between values (default 1; a negative step counts down from stop)"),
        ],
        columns: [SQLColumn("value", "INTEGER", "start, start + step, ... up to stop")],
        returns: "the integers from start to stop, step apart, as sqlite3's generate_series")

    /// Registers it unless the connection has a generate_series already (checked with `PRAGMA module_list`;
    /// a host without that pragma gets ours). The PRAGMA form, not `SELECT ... FROM pragma_module_list`: a SELECT
    /// reads the schema, which in a WAL database another connection may hold locked for a moment, and the
    /// failure — though ignored here — stays the connection's error code, which sqlite3_open_v2 returns after
    /// running auto-extensions: the open itself failed with "database is locked" (ThreadTests, 1 run in 10).
    static func register(on db: Connection) throws {
        if let st = try? db.prepare("PRAGMA module_list") {
            while (try? st.step()) == true {
                if st.text(at: 0) == "generate_series" { return }
            }
        }
        try db.register(sql) { _, _ in SeriesTable() }
    }

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        try TablePlan.fullScan(info, Self.sql, cost: 1000, rows: 1000)
    }

    func openCursor() throws -> VirtualTableCursor { SeriesCursor() }
}

final class SeriesCursor: VirtualTableCursor {
    private var start: Int64 = 0, stop: Int64 = 0, step: Int64 = 1
    private var arguments: [SQLValue] = [.null, .null, .null]
    private var current: Int64 = 0
    private var index: Int64 = 0
    private var done = true
    /// Counting down (a negative step): from the last value at or below stop to start.
    private var descending = false

    func filter(indexNumber: Int32, indexString: String?, arguments args: SQLArguments) throws {
        let a = TableArguments(SeriesTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: args)
        arguments = ["start", "stop", "step"].map { a.value($0)?.value ?? .null }
        index = 0
        // A NULL start is no series (as sqlite3's returns no rows for NULL arguments).
        guard let s = a.value("start") else { done = true; return }
        start = s.int64
        guard let e = a.value("stop") else { done = true; return }
        stop = e.int64
        if a.isGiven("step") {
            guard let p = a.value("step") else { done = true; return }
            step = p.int64
        } else {
            step = 1
        }
        if step == 0 { step = 1 }
        descending = step < 0
        if descending { step = step == Int64.min ? Int64.max : -step }
        done = start > stop
        guard !done else { return }
        if descending {
            // The last value start + k·step that is <= stop.
            let span = UInt64(bitPattern: stop &- start)
            current = start &+ Int64(bitPattern: span - span % UInt64(step))
        } else {
            current = start
        }
        arguments[2] = .integer(descending ? -step : step)
    }

    func next() throws {
        index += 1
        if descending {
            let (v, overflow) = current.subtractingReportingOverflow(step)
            if overflow || v < start { done = true } else { current = v }
        } else {
            let (v, overflow) = current.addingReportingOverflow(step)
            if overflow || v > stop { done = true } else { current = v }
        }
    }

    var isAtEnd: Bool { done }

    func column(_ i: Int32, context: SQLContext) throws {
        switch i {
        case 0: context.result(.integer(current))
        case 1...3: context.result(arguments[Int(i) - 1])
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { index + 1 }
}

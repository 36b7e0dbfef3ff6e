// Parquet files as rows. `CREATE VIRTUAL TABLE t USING parquet_file('data/*.parquet')` declares one typed
// column per top-level field of the first file's schema, plus HIDDEN `path` and `row`; only the columns a
// query uses are decoded, and row groups whose statistics rule out a constraint are skipped (EXPLAIN QUERY
// PLAN names the constraints used). `read_parquet(files)` is the table-valued form: SQLite fixes a table
// function's columns before it sees its argument, so each row comes as one JSON object (`record`).
import CSQLite
import Files
import Parquet
import SQLiteKit
import StrataCommon

public enum ParquetReaders {
    public static func register(on db: Connection) throws {
        try db.register(ReadParquetTable.sql) { _, _ in ReadParquetTable() }
        try db.register(ParquetFileTable.sql) { _, args in try ParquetFileTable(args) }
    }
}

/// Any error of the Parquet core as an SQL error (the kit puts the SQL name in front).
func parquetSQLError(_ error: Error) -> SQLError {
    switch error {
    case let e as SQLError: return e
    case let e as MessageError: return SQLError(e.message)
    default: return SQLError(String(describing: error))
    }
}

func translatingParquet<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch { throw parquetSQLError(error) }
}

// MARK: - read_parquet

final class ReadParquetTable: DeclaredTable {
    static let sql = SQLDeclaration(
        "read_parquet", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: [.required("files", "Parquet files: a path or glob")],
        columns: [SQLColumn("path", "TEXT", "the file the row came from"),
                  SQLColumn("row", "INTEGER", "row number in its file (0-based)"),
                  SQLColumn("record", "TEXT", "the row as a JSON object keyed by column name")],
        returns: "one row per Parquet row (typed columns: CREATE VIRTUAL TABLE t USING parquet_file(...))")

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        guard let binding = try Self.sql.tableSignature.bindParameters(info) else { return .unusable }
        // Bit 0 of the flags: the record is not read (count(*), path, row).
        let recordUsed = info.columnsUsed & (1 << 2) != 0
        TablePlan(parameterMask: binding.mask, flags: recordUsed ? 0 : TablePlan.flagBit(0),
                  readable: recordUsed ? "" : "rows only").write(to: info)
        info.estimatedCost = 1_000_000
        info.estimatedRows = 100_000
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { ReadParquetCursor() }
}

final class ReadParquetCursor: VirtualTableCursor {
    private var scan = ParquetScan(paths: [], used: [], prune: [], expected: nil)
    private var json: [UInt8] = []

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let plan = TablePlan(indexNumber: indexNumber, indexString: indexString)
        let args = TableArguments(ReadParquetTable.sql, plan: plan, arguments: arguments)
        let paths = try args.paths("files")
        scan = ParquetScan(paths: paths, used: plan.has(flag: 0) ? [] : nil, prune: [], expected: nil)
        try translatingParquet { try scan.start() }
    }

    func next() throws { try translatingParquet { try scan.next() } }
    var isAtEnd: Bool { scan.isAtEnd }

    func column(_ index: Int32, context: SQLContext) throws {
        guard let f = scan.file else { return context.resultNull() }
        switch index {
        case 0: context.result(f.path)
        case 1: context.result(scan.rowInFile)
        case 2:
            json.removeAll(keepingCapacity: true)
            json.append(UInt8(ascii: "{"))
            try translatingParquet {
                for (i, node) in f.schema.fields.enumerated() {
                    if i > 0 { json.append(UInt8(ascii: ",")) }
                    appendJSONString(node.name, to: &json)
                    json.append(UInt8(ascii: ":"))
                    try appendFieldJSON(try scan.field(i), row: scan.row, into: &json)
                }
            }
            json.append(UInt8(ascii: "}"))
            json.withUnsafeBufferPointer { context.result(repairingUTF8: $0) }
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { scan.rowid }
}

// MARK: - parquet_file (creatable)

final class ParquetFileTable: VirtualTable {
    static let sql = SQLDeclaration(
        "parquet_file", kind: .virtualTable, safety: .directOnly, readsFiles: true,
        parameters: [.required("files", "Parquet files: a path or glob (every file with the first one's columns)")],
        returns: "one typed column per top-level field, plus HIDDEN path, row")

    let paths: [String]
    let fields: [(name: String, type: String)]
    let kinds: [LeafKind?]
    let names: [String]
    let pathColumn: String, rowColumn: String

    init(_ args: ModuleArguments) throws {
        guard let first = args.arguments.first, !first.isEmpty, args.arguments.count == 1 else {
            throw SQLError("usage: CREATE VIRTUAL TABLE t USING parquet_file('file.parquet')")
        }
        let paths = try translatingParquet { try Glob.expand(first) }
        let f = try translatingParquet { try ParquetFile(path: paths[0]) }
        self.paths = paths
        fields = f.schema.fields.map { ($0.name, $0.sqlType) }
        kinds = f.schema.fields.map { $0.shape == .primitive ? LeafKind($0.element) : nil }
        names = uniqueColumnNames(fields.map(\.name))
        pathColumn = systemColumnName("path", avoiding: names)
        rowColumn = systemColumnName("row", avoiding: names)
    }

    var declaration: String {
        var defs = zip(names, fields).map { quotedIdentifier($0) + ($1.type.isEmpty ? "" : " " + $1.type) }
        defs += [quotedIdentifier(pathColumn) + " TEXT HIDDEN", quotedIdentifier(rowColumn) + " INTEGER HIDDEN"]
        return "CREATE TABLE x(" + defs.joined(separator: ", ") + ")"
    }

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        // Codes (letters): the used columns (or `all`), a separator, then (column, operator) per pushed
        // constraint; a column number is two letters (base 26).
        var codes: [UInt8] = []
        let n = fields.count
        let usedMask = info.columnsUsed
        var usedNames: [String] = []
        if n > ParquetPlanCodes.maxColumn || usedMask & (1 << 63) != 0 && n >= 63 {
            codes += ParquetPlanCodes.pair(ParquetPlanCodes.all)
            usedNames = ["all"]
        } else {
            for i in 0..<n where usedMask & (1 << UInt64(i)) != 0 {
                codes += ParquetPlanCodes.pair(i)
                usedNames.append(names[i])
            }
        }
        codes += ParquetPlanCodes.pair(ParquetPlanCodes.separator)
        var next: Int32 = 1
        var pushed: [String] = []
        for c in info.constraints where c.isUsable && c.column >= 0 && Int(c.column) < min(n, ParquetPlanCodes.maxColumn) {
            let col = Int(c.column)
            guard kinds[col] != nil else { continue }
            var op: PruneOp
            switch c.op {
            case .eq: op = .eq
            case .lt: op = .lt
            case .le: op = .le
            case .gt: op = .gt
            case .ge: op = .ge
            default: continue
            }
            // Text bounds compare as bytes: only under BINARY collation.
            if fields[col].type == "TEXT" || fields[col].type == "BLOB" {
                guard let api = strata_api_table(), let coll = api.pointee.vtab_collation?(info.raw, Int32(c.index)),
                      String(cString: coll).uppercased() == "BINARY" else { continue }
            }
            if op == .eq, info.isInList(c), info.takeInListAtOnce(c) { op = .in }
            info.use(c, argumentIndex: next, omit: false)
            next += 1
            codes += ParquetPlanCodes.pair(col)
            codes.append(op.rawValue)
            pushed.append(names[col] + op.symbol + (op == .in ? " (...)" : "?"))
        }
        var readable = "columns: " + (usedNames.isEmpty ? "none" : usedNames.joined(separator: ", "))
        if !pushed.isEmpty { readable += "; row groups pruned by statistics on " + pushed.joined(separator: " AND ") }
        TablePlan(parameterMask: 0, pushdowns: codes, readable: readable).write(to: info)
        info.estimatedCost = pushed.isEmpty ? 1_000_000 : 100_000
        info.estimatedRows = pushed.isEmpty ? 100_000 : 10_000
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { ParquetFileCursor(self) }
}

/// The plan codes of parquet_file: TablePlan carries letters (0–25 each), so a column number is two.
enum ParquetPlanCodes {
    static let maxColumn = 673
    static let all = 675
    static let separator = 674

    static func pair(_ n: Int) -> [UInt8] { [UInt8(n / 26), UInt8(n % 26)] }
    static func number(_ codes: [UInt8], _ k: Int) -> Int { Int(codes[k]) * 26 + Int(codes[k + 1]) }
}

final class ParquetFileCursor: RowBatchCursor {
    let table: ParquetFileTable
    private var scan = ParquetScan(paths: [], used: [], prune: [], expected: nil)
    /// The hot state, kept here rather than in the scan so a row step touches no other object.
    private var row = 0
    private var groupRows = 0
    private var serial = -1
    private var atEnd = true
    private let fast: UnsafeMutablePointer<FastColumn>
    /// Each timestamp column's last day as text (FastColumn.timestamp).
    private let days: UnsafeMutablePointer<DayPrefix>
    private let fieldCount: Int
    /// The pushed comparisons, and those of them the cursor evaluates on the current group (RowFilter).
    private var terms: [PruneTerm] = []
    private var filters: [RowFilter] = []
    /// The row group's plain columns for SQLite's C loop (see takeRowBatch); the hidden path/row stay in Swift.
    private let batch: BatchColumns
    /// The row the batch handed out last started at (-1: none is out).
    private var batchStart = -1

    init(_ t: ParquetFileTable) {
        table = t
        fieldCount = t.fields.count
        batch = BatchColumns(count: t.fields.count + 2)
        fast = .allocate(capacity: max(fieldCount, 1))
        fast.initialize(repeating: .unloaded, count: max(fieldCount, 1))
        days = .allocate(capacity: max(fieldCount, 1))
        days.initialize(repeating: DayPrefix(), count: max(fieldCount, 1))
    }

    deinit {
        fast.deinitialize(count: max(fieldCount, 1))
        fast.deallocate()
        days.deinitialize(count: max(fieldCount, 1))
        days.deallocate()
    }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let plan = TablePlan(indexNumber: indexNumber, indexString: indexString)
        var used: Set<Int>? = []
        var terms: [PruneTerm] = []
        var k = 0
        let codes = plan.pushdowns
        while k + 1 < codes.count {
            let c = ParquetPlanCodes.number(codes, k)
            k += 2
            if c == ParquetPlanCodes.separator { break }
            if c == ParquetPlanCodes.all { used = nil } else { used?.insert(c) }
        }
        var arg = 0
        while k + 2 < codes.count, arg < arguments.count {
            let col = ParquetPlanCodes.number(codes, k)
            guard let op = PruneOp(rawValue: codes[k + 2]) else { break }
            let a = arguments[arg]
            let values: [SQLValue] = op == .in ? (a.inListValues() ?? []) : [a.value]
            // An IN list that could not be read prunes nothing.
            if !(op == .in && values.isEmpty) { terms.append(PruneTerm(field: col, op: op, values: values)) }
            arg += 1
            k += 3
        }
        scan = ParquetScan(paths: table.paths, used: used, prune: terms, expected: table.fields)
        self.terms = terms
        batchStart = -1
        try translatingParquet { try scan.start() }
        refresh()
        if !filters.isEmpty, !atEnd { skipRejected() }
        if !atEnd, row >= groupRows { try nextGroup() }
    }

    /// Re-derives the hot state after the scan entered a new row group.
    private func refresh() {
        row = 0
        atEnd = scan.isAtEnd
        groupRows = atEnd ? 0 : scan.groupRows
        serial = scan.groupSerial
        for i in 0..<fieldCount {
            fast[i] = scan.loadedField(i).map { FastColumn($0, day: days + i) } ?? .unloaded
            batch.set(i, fast[i].batchSource)
        }
        filters = terms.compactMap { t in t.field < fieldCount ? RowFilter(t, column: fast[t.field]) : nil }
    }

    func next() throws {
        // SQLite's C loop stepped through the batch: this is a move past its last row, the group's last.
        if batchStart >= 0 { row = groupRows - 1; batchStart = -1 }
        row += 1
        if !filters.isEmpty, row < groupRows { skipRejected() }
        if row >= groupRows { try nextGroup() }
    }

    /// On to the next row group with a row the filters accept (or the end).
    private func nextGroup() throws {
        repeat {
            try translatingParquet { try scan.finishGroup(rowsSeen: groupRows) }
            refresh()
            if !filters.isEmpty, !atEnd { skipRejected() }
        } while !atEnd && row >= groupRows
    }

    /// Moves `row` to the first row from here that every filter accepts (`groupRows` when none is left).
    private func skipRejected() {
        var r = row
        var agreeing = 0
        var k = 0
        while r < groupRows, agreeing < filters.count {
            let f = filters[k]
            let next = f.firstAccepted(fast[f.field], from: r, to: groupRows)
            if next == r { agreeing += 1 } else { r = next; agreeing = 1 }
            k = k + 1 == filters.count ? 0 : k + 1
        }
        row = r
    }

    var isAtEnd: Bool { atEnd }

    /// The rest of the row group, stepped in C, when no row filter must see each row.
    func takeRowBatch() -> RowBatch? {
        guard filters.isEmpty, !atEnd, groupRows - row > 1 else { return nil }
        batchStart = row
        return RowBatch(rows: Int64(groupRows - row), firstRow: Int64(row), firstRowid: scan.rowid + Int64(row),
                        columns: batch)
    }

    func column(_ index: Int32, batchOffset: Int64, context: SQLContext) throws {
        if batchStart >= 0 { row = batchStart + Int(batchOffset) }
        try column(index, context: context)
    }

    func column(_ index: Int32, context: SQLContext) throws {
        let i = Int(index)
        if i < fieldCount {
            if fast[i].result(row: row, context: context) { return }
            let r = row
            return try translatingParquet {
                let f = try scan.field(i)
                if case .unloaded = fast[i] {
                    fast[i] = FastColumn(f, day: days + i)
                    if fast[i].result(row: r, context: context) { return }
                }
                try resultField(f, row: r, context: context)
            }
        }
        guard let f = scan.file else { return context.resultNull() }
        switch i - fieldCount {
        case 0: context.result(f.path)
        case 1: context.result(scan.groupStart + row)
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { scan.rowid + Int64(row) }
}

// Test-only virtual tables that exercise the kit the way the real modules will: a table-valued function
// with required and optional HIDDEN arguments, constraint pushdown, ORDER BY, LIMIT, and a creatable module.
import SQLiteKit

/// `kit_series(start, stop [, step])` → `value`: integers from start to stop. Pushes down `value > x`
/// and LIMIT, consumes `ORDER BY value` ascending, and records what the planner offered.
final class SeriesTable: VirtualTable {
    static let signature = TableFunctionSignature(
        name: "kit_series",
        columns: ["value INTEGER -- the current integer"],
        parameters: [.init("start"), .init("stop"), .init("step", required: false)])

    /// Flags in idxNum above the parameter mask.
    static let lowerBoundFlag: Int32 = 1 << 8
    static let limitFlag: Int32 = 1 << 9

    var declaration: String { Self.signature.declaration }
    var lastOffered: [IndexConstraint] = []

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        lastOffered = info.constraints
        guard let binding = try Self.signature.bindParameters(info) else { return .unusable }
        var idxNum = binding.mask
        var next = binding.nextArgumentIndex
        var plan = ["args"]
        if let lower = info.constraints.first(where: { $0.column == 0 && $0.op == .gt && $0.isUsable }) {
            info.use(lower, argumentIndex: next, omit: true)
            next += 1
            idxNum |= Self.lowerBoundFlag
            plan.append("value>?")
        }
        if let limit = info.constraints.first(where: { $0.op == .limit && $0.isUsable }) {
            info.use(limit, argumentIndex: next, omit: true)
            next += 1
            idxNum |= Self.limitFlag
            plan.append("limit")
        }
        if info.orderBy.count == 1, info.orderBy[0].column == 0, !info.orderBy[0].descending {
            info.orderByConsumed = true
            plan.append("ordered")
        }
        info.indexNumber = idxNum
        info.setIndexString(plan.joined(separator: ","))
        info.estimatedCost = 10
        info.estimatedRows = 100
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { SeriesCursor() }
}

final class SeriesCursor: VirtualTableCursor {
    var current: Int64 = 0
    var stop: Int64 = 0
    var step: Int64 = 1
    var remaining = Int64.max

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let values = SeriesTable.signature.parameterValues(mask: indexNumber & 0xFF, arguments: arguments)
        guard let start = values[0], let stop = values[1] else { throw SQLError("start and stop are required") }
        guard start.type == .integer, stop.type == .integer else {
            throw SQLError("start and stop must be integers")
        }
        current = start.int64
        self.stop = stop.int64
        step = values[2]?.int64 ?? 1
        guard step > 0 else { throw SQLError("step must be positive") }
        var next = values.compactMap { $0 }.count
        if indexNumber & SeriesTable.lowerBoundFlag != 0 {
            let lower = arguments[next].int64
            next += 1
            if lower >= current { current = lower == Int64.max ? Int64.max : lower + 1 }
            if lower == Int64.max { remaining = 0 }
        }
        remaining = Int64.max
        if indexNumber & SeriesTable.limitFlag != 0 { remaining = max(0, arguments[next].int64) }
    }

    func next() throws {
        let (v, overflow) = current.addingReportingOverflow(step)
        current = overflow ? stop &+ 1 : v
        if overflow { remaining = 0 }
        remaining -= 1
    }

    var isAtEnd: Bool { current > stop || remaining <= 0 }

    func column(_ index: Int32, context: SQLContext) throws {
        if index == 0 { context.result(current) } else { context.resultNull() }
    }

    func rowid() throws -> Int64 { current }
}

/// `CREATE VIRTUAL TABLE t USING kit_args(...)`: one row per module argument, to check argument parsing.
final class ArgsTable: VirtualTable {
    let arguments: [String]
    let raw: [String]
    init(_ a: ModuleArguments) { arguments = a.arguments; raw = a.rawArguments }

    var declaration: String { "CREATE TABLE x(arg TEXT, raw TEXT)" }

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        info.estimatedCost = Double(arguments.count)
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { ArgsCursor(self) }
}

final class ArgsCursor: VirtualTableCursor {
    let table: ArgsTable
    var i = 0
    init(_ t: ArgsTable) { table = t }
    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws { i = 0 }
    func next() throws { i += 1 }
    var isAtEnd: Bool { i >= table.arguments.count }
    func column(_ index: Int32, context: SQLContext) throws {
        if index == 0 { context.result(table.arguments[i]) } else { context.result(table.raw[i]) }
    }
    func rowid() throws -> Int64 { Int64(i) }
}

/// A module whose cursor fails, to check that errors reach SQL with the module's name.
final class FailingTable: VirtualTable {
    var declaration: String { "CREATE TABLE x(a)" }
    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome { .ok }
    func openCursor() throws -> VirtualTableCursor { FailingCursor() }
}

final class FailingCursor: VirtualTableCursor {
    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        throw SQLError("cannot read /nonexistent: No such file or directory")
    }
    func next() throws {}
    var isAtEnd: Bool { true }
    func column(_ index: Int32, context: SQLContext) throws {}
    func rowid() throws -> Int64 { 0 }
}

/// `kit_sum(x)`: an Int64 sum with overflow reported as an error, to exercise aggregates.
final class CheckedSum: AggregateFunction {
    var total: Int64 = 0
    var seen = false
    init() {}
    func step(_ arguments: SQLArguments) throws {
        guard !arguments[0].isNull else { return }
        let (v, overflow) = total.addingReportingOverflow(arguments[0].int64)
        guard !overflow else { throw SQLError("integer overflow") }
        total = v
        seen = true
    }
    func finish(_ context: SQLContext) throws {
        seen ? context.result(total) : context.resultNull()
    }
}

extension Connection {
    /// Installs the test-only functions and modules.
    func registerKitTestModules(seriesProbe: SeriesProbe? = nil) throws {
        try createFunction("kit_echo", argumentCount: 1, flags: .pure) { ctx, args in ctx.result(args[0].value) }
        try createFunction("kit_type", argumentCount: 1, flags: .pure) { ctx, args in
            ctx.result("\(args[0].type)")
        }
        try createFunction("kit_fail", argumentCount: -1, flags: .pure) { _, args in
            throw SQLError(args.count > 0 ? args[0].text : "bad input")
        }
        try createAggregate("kit_sum", argumentCount: 1, flags: .pure, state: CheckedSum.self)
        try createModule(VirtualTableModule(name: "kit_series", kind: .eponymousOnly, directOnly: false,
                                            innocuous: true) { _, _ in
            let t = SeriesTable()
            seriesProbe?.table = t
            return t
        })
        try createModule(VirtualTableModule(name: "kit_private_series", kind: .eponymousOnly, directOnly: true) { _, _ in
            SeriesTable()
        })
        try createModule(VirtualTableModule(name: "kit_args", kind: .creatable, directOnly: false) { _, a in
            ArgsTable(a)
        })
        try createModule(VirtualTableModule(name: "kit_failing", kind: .eponymousOnly, directOnly: false) { _, _ in
            FailingTable()
        })
        try createModule(VirtualTableModule(name: "kit_batches", kind: .creatable, directOnly: false) { _, a in
            try BatchesTable(a)
        })
    }
}

/// `CREATE VIRTUAL TABLE t USING kit_batches(rows, block[, failAt])`: rows 0 ..< rows handed out in batches of
/// `block` rows — `i` (int64), `half` (double, NULL on every third row, through a row -> value map) and `label`
/// (text; every fifth row's bytes are not UTF-8, which C leaves to Swift) answered from arrays in C, `tag` always
/// by Swift for the row C reached. `next()` throws on entering row `failAt`.
final class BatchesTable: VirtualTable {
    let rows: Int
    let block: Int
    let failAt: Int
    init(_ a: ModuleArguments) throws {
        guard a.arguments.count >= 2, let r = Int(a.arguments[0]), let b = Int(a.arguments[1]), r >= 0, b > 0 else {
            throw SQLError("usage: kit_batches(rows, block[, failAt])")
        }
        rows = r
        block = b
        failAt = a.arguments.count > 2 ? Int(a.arguments[2]) ?? -1 : -1
    }
    var declaration: String { "CREATE TABLE x(i INTEGER, half REAL, label TEXT, tag TEXT)" }
    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        info.estimatedCost = Double(rows)
        return .ok
    }
    func openCursor() throws -> VirtualTableCursor { BatchesCursor(self) }

    static func label(_ i: Int) -> [UInt8] { i % 5 == 0 ? [0x62, 0xFF, 0x61, 0x64] : Array("row \(i)".utf8) }
}

final class BatchesCursor: RowBatchCursor {
    let table: BatchesTable
    var row = 0
    /// Row at which the batch handed out last starts (-1: none).
    var batchStart = -1
    // One block's arrays, rebuilt per block (kept alive until the next `next()`).
    var ints: [Int64] = []
    var halves: [Double] = []
    var halfMap: [Int32] = []
    var pool: [UInt8] = []
    var starts: [Int] = []
    var lengths: [Int32] = []
    let columns = BatchColumns(count: 4)
    var blockStart = 0

    init(_ t: BatchesTable) { table = t }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        row = 0
        batchStart = -1
        try enter()
    }

    func next() throws {
        if batchStart >= 0 { row = min(table.rows, blockStart + table.block) - 1; batchStart = -1 }
        row += 1
        try enter()
    }

    private func enter() throws {
        if row == table.failAt { throw SQLError("cannot read row \(row)") }
        if row < table.rows, row % table.block == 0 || row == 0 { fill(from: row - row % table.block) }
    }

    private func fill(from start: Int) {
        blockStart = start
        let end = min(table.rows, start + table.block)
        ints = (start..<end).map { Int64($0) }
        halves = []
        halfMap = []
        pool = []
        starts = []
        lengths = []
        for i in start..<end {
            if i % 3 == 0 { halfMap.append(-1) } else { halfMap.append(Int32(halves.count)); halves.append(Double(i) / 2) }
            let l = BatchesTable.label(i)
            starts.append(pool.count)
            lengths.append(Int32(l.count))
            pool += l
        }
        if pool.isEmpty { pool = [0] }
        if halves.isEmpty { halves = [0] }
    }

    func takeRowBatch() -> RowBatch? {
        guard row < table.rows else { return nil }
        let end = min(table.rows, blockStart + table.block)
        guard end - row > 1 else { return nil }
        ints.withUnsafeBufferPointer { columns.set(0, .int64($0.baseAddress!, map: nil)) }
        halves.withUnsafeBufferPointer { v in
            halfMap.withUnsafeBufferPointer { m in columns.set(1, .double(v.baseAddress!, map: m.baseAddress!)) }
        }
        pool.withUnsafeBufferPointer { p in
            starts.withUnsafeBufferPointer { s in
                lengths.withUnsafeBufferPointer { l in
                    columns.set(2, .text(pool: p.baseAddress!, starts: s.baseAddress!, lengths: l.baseAddress!, map: nil))
                }
            }
        }
        columns.set(3, .swift)
        batchStart = row
        return RowBatch(rows: Int64(end - row), firstRow: Int64(row - blockStart), firstRowid: Int64(row) + 1000,
                        columns: columns)
    }

    var isAtEnd: Bool { row >= table.rows }

    func column(_ index: Int32, batchOffset: Int64, context: SQLContext) throws {
        row = batchStart + Int(batchOffset)
        try column(index, context: context)
    }

    func column(_ index: Int32, context: SQLContext) throws {
        switch index {
        case 0: context.result(Int64(row))
        case 1: row % 3 == 0 ? context.resultNull() : context.result(Double(row) / 2)
        case 2: BatchesTable.label(row).withUnsafeBufferPointer { context.result(repairingUTF8: $0) }
        default: context.result("tag \(row)")
        }
    }

    func rowid() throws -> Int64 { Int64(row) + 1000 }
}

/// Lets a test see the table instance SQLite created.
final class SeriesProbe {
    var table: SeriesTable?
}

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
    }
}

/// Lets a test see the table instance SQLite created.
final class SeriesProbe {
    var table: SeriesTable?
}

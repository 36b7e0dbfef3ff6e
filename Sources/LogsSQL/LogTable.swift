// The virtual table behind read_log and log_file, and its planning: which constraints the scan can use.
//   ts  =, >, >=, <, <=   → binary search over byte offsets (plain files whose times are in order)
//   ts_utc =, >, >=, <, <= → the same search on `ts`, over the bound's dates widened by three days either way (a
//                            record's offset from UTC is under 26 hours, so no record that can match is skipped)
//   level = / IN          → tested on the parsed head, before a row is built
//   path =                → files pruned before they are opened
// None is omitted: the scan's tests are exact for text values and conservative otherwise (levels and paths
// compare without regard to case), and SQLite re-checks with the real collation on the few rows that pass.
// The plan (`EXPLAIN QUERY PLAN`) lists what was pushed down; `filter` reads its codes (TablePlan).
import Logs
import SQLiteKit

final class LogTable: VirtualTable {
    enum Source {
        /// read_log: files, format and datefmt are HIDDEN-column arguments of each query.
        case arguments
        /// log_file: fixed at CREATE VIRTUAL TABLE.
        case fixed(LogSource)
    }

    let source: Source
    let name: String

    init(source: Source, name: String) {
        self.source = source
        self.name = name
    }

    var declaration: String {
        switch source {
        case .arguments: return LogSchema.readLog.tableSignature.declaration
        case .fixed: return LogSchema.fixedDeclaration
        }
    }

    /// One pushed-down constraint: its code in the plan (see TablePlan) and its text for EXPLAIN.
    enum Pushdown: UInt8, CaseIterable {
        case tsEq, tsGt, tsGe, tsLt, tsLe, levelEq, levelIn, pathEq
        case tsUTCEq, tsUTCGt, tsUTCGe, tsUTCLt, tsUTCLe

        /// A time bound's operator, and whether it bounds ts_utc (true) or ts; nil for the other pushdowns.
        var timeBound: (TimeBoundOperator, Bool)? {
            switch self {
            case .tsEq: return (.eq, false)
            case .tsGt: return (.gt, false)
            case .tsGe: return (.ge, false)
            case .tsLt: return (.lt, false)
            case .tsLe: return (.le, false)
            case .tsUTCEq: return (.eq, true)
            case .tsUTCGt: return (.gt, true)
            case .tsUTCGe: return (.ge, true)
            case .tsUTCLt: return (.lt, true)
            case .tsUTCLe: return (.le, true)
            case .levelEq, .levelIn, .pathEq: return nil
            }
        }

        var text: String {
            switch self {
            case .tsEq: return "ts=?"
            case .tsGt: return "ts>?"
            case .tsGe: return "ts>=?"
            case .tsLt: return "ts<?"
            case .tsLe: return "ts<=?"
            case .levelEq: return "level=?"
            case .levelIn: return "level IN (?)"
            case .pathEq: return "path=?"
            case .tsUTCEq: return "ts_utc=?"
            case .tsUTCGt: return "ts_utc>?"
            case .tsUTCGe: return "ts_utc>=?"
            case .tsUTCLt: return "ts_utc<?"
            case .tsUTCLe: return "ts_utc<=?"
            }
        }
    }

    static let maxPushdowns = 16
    /// Plan flags: rows grouped by level, ascending or descending.
    static let countAscendingFlag: Int32 = TablePlan.flagBit(0)
    static let countDescendingFlag: Int32 = TablePlan.flagBit(1)

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        var next: Int32 = 1
        var mask: Int32 = 0
        if case .arguments = source {
            guard let binding = try LogSchema.readLog.tableSignature.bindParameters(info) else { return .unusable }
            next = binding.nextArgumentIndex
            mask = binding.mask
        }
        var pushed: [Pushdown] = []
        var lower = false, upper = false, level = false, path = false
        for c in info.constraints where c.isUsable && pushed.count < Self.maxPushdowns {
            let p: Pushdown?
            switch (LogColumn(rawValue: c.column), c.op) {
            case (.ts?, .eq): p = .tsEq; lower = true; upper = true
            case (.ts?, .gt): p = .tsGt; lower = true
            case (.ts?, .ge): p = .tsGe; lower = true
            case (.ts?, .lt): p = .tsLt; upper = true
            case (.ts?, .le): p = .tsLe; upper = true
            case (.level?, .eq):
                p = info.isInList(c) && info.takeInListAtOnce(c) ? .levelIn : .levelEq
                level = true
            case (.path?, .eq): p = .pathEq; path = true
            case (.tsUTC?, .eq): p = .tsUTCEq; lower = true; upper = true
            case (.tsUTC?, .gt): p = .tsUTCGt; lower = true
            case (.tsUTC?, .ge): p = .tsUTCGe; lower = true
            case (.tsUTC?, .lt): p = .tsUTCLt; upper = true
            case (.tsUTC?, .le): p = .tsUTCLe; upper = true
            default: p = nil
            }
            guard let p else { continue }
            info.use(c, argumentIndex: next, omit: false)
            next += 1
            pushed.append(p)
        }
        // Only `level` read (and the arguments), rows wanted in level order: count first, then hand over the
        // rows grouped (GROUP BY level without a sorter).
        let hidden: UInt64 = ((1 << UInt64(LogSchema.parameters.count)) - 1) << UInt64(LogSchema.columns.count)
        let onlyLevel = info.columnsUsed & ~(hidden | 1 << UInt64(LogColumn.level.rawValue)) == 0
        let order = info.orderBy
        if onlyLevel, order.count == 1, order[0].column == LogColumn.level.rawValue {
            mask |= order[0].descending ? Self.countDescendingFlag : Self.countAscendingFlag
            info.orderByConsumed = true
        }
        var text = pushed.isEmpty ? "scan" : (lower || upper ? "search " : "scan ") + pushed.map(\.text).joined(separator: " AND ")
        if mask & (Self.countAscendingFlag | Self.countDescendingFlag) != 0 { text += " (grouped by level)" }
        TablePlan(parameterMask: mask & 0xFF, flags: mask & ~0xFF, pushdowns: pushed.map(\.rawValue), readable: text)
            .write(to: info)
        // A full read of an unknown amount of text; a bounded time window reads a sliver of it.
        var rows: Double = 1_000_000
        if lower && upper { rows /= 1000 } else if lower || upper { rows /= 4 }
        if level { rows /= 5 }
        if path { rows /= 10 }
        info.estimatedRows = Int64(max(1, rows))
        info.estimatedCost = rows * 10 + (level ? 0 : 1)
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { LogCursor(table: self) }

}

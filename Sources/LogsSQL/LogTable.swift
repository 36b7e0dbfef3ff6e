// The virtual table behind read_log and log_file, and its planning: which constraints the scan can use.
//   ts  =, >, >=, <, <=   → binary search over byte offsets (plain files whose times are in order)
//   level = / IN          → tested on the parsed head, before a row is built
//   path =                → files pruned before they are opened
// None is omitted: the scan's tests are exact for text values and conservative otherwise (levels and paths
// compare without regard to case), and SQLite re-checks with the real collation on the few rows that pass.
// The plan string (`EXPLAIN QUERY PLAN`) lists what was pushed down, and `filter` reads it back.
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
        case .arguments: return LogSchema.signature.declaration
        case .fixed: return LogSchema.fixedDeclaration
        }
    }

    /// One pushed-down constraint, as written in the plan string.
    enum Pushdown: String, CaseIterable {
        case tsEq = "ts=?", tsGt = "ts>?", tsGe = "ts>=?", tsLt = "ts<?", tsLe = "ts<=?"
        case levelEq = "level=?", levelIn = "level IN (?)", pathEq = "path=?"
    }

    static let maxPushdowns = 16
    /// idxNum flags above the parameter mask: rows grouped by level, ascending or descending.
    static let countAscendingFlag: Int32 = 1 << 8
    static let countDescendingFlag: Int32 = 1 << 9

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        var next: Int32 = 1
        var mask: Int32 = 0
        if case .arguments = source {
            guard let binding = try LogSchema.signature.bindParameters(info) else { return .unusable }
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
            default: p = nil
            }
            guard let p else { continue }
            info.use(c, argumentIndex: next, omit: false)
            next += 1
            pushed.append(p)
        }
        // Only `level` read (and the arguments), rows wanted in level order: count first, then hand over the
        // rows grouped (GROUP BY level without a sorter).
        let hidden: UInt64 = 0b111 << 10
        let onlyLevel = info.columnsUsed & ~(hidden | 1 << UInt64(LogColumn.level.rawValue)) == 0
        let order = info.orderBy
        if onlyLevel, order.count == 1, order[0].column == LogColumn.level.rawValue {
            mask |= order[0].descending ? Self.countDescendingFlag : Self.countAscendingFlag
            info.orderByConsumed = true
        }
        info.indexNumber = mask
        var plan = pushed.isEmpty ? "scan" : (lower || upper ? "search " : "scan ") + pushed.map(\.rawValue).joined(separator: " AND ")
        if mask & (Self.countAscendingFlag | Self.countDescendingFlag) != 0 { plan += " (grouped by level)" }
        info.setIndexString(plan)
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

    /// The pushdowns written by `bestIndex`, read back from the plan string.
    static func pushdowns(from plan: String?) -> [Pushdown] {
        guard var p = plan else { return [] }
        if p.hasSuffix(" (grouped by level)") { p = String(p.dropLast(" (grouped by level)".count)) }
        for prefix in ["search ", "scan"] where p.hasPrefix(prefix) { p = String(p.dropFirst(prefix.count)) }
        guard !p.isEmpty else { return [] }
        var out: [Pushdown] = []
        var rest = Substring(p)
        while !rest.isEmpty {
            let token: Substring
            if let r = rest.firstRange(of: " AND ") { token = rest[..<r.lowerBound]; rest = rest[r.upperBound...] }
            else { token = rest; rest = "" }
            if let d = Pushdown(rawValue: String(token)) { out.append(d) }
        }
        return out
    }
}

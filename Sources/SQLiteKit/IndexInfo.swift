// The planner's view for `xBestIndex`: constraints with their operators, ORDER BY, columns used, and the
// outputs a table sets (argument positions, omit flags, cost, rows, idxNum/idxStr, ordered output, IN lists).
import CSQLite

/// Operators SQLite may offer on a constraint.
public enum ConstraintOperator: Equatable, Sendable {
    case eq, gt, le, lt, ge, match, like, glob, regexp, ne, isNot, isNotNull, isNull, `is`, limit, offset
    case function(UInt8)

    init(_ raw: UInt8) {
        switch Int32(raw) {
        case SQLITE_INDEX_CONSTRAINT_EQ: self = .eq
        case SQLITE_INDEX_CONSTRAINT_GT: self = .gt
        case SQLITE_INDEX_CONSTRAINT_LE: self = .le
        case SQLITE_INDEX_CONSTRAINT_LT: self = .lt
        case SQLITE_INDEX_CONSTRAINT_GE: self = .ge
        case SQLITE_INDEX_CONSTRAINT_MATCH: self = .match
        case SQLITE_INDEX_CONSTRAINT_LIKE: self = .like
        case SQLITE_INDEX_CONSTRAINT_GLOB: self = .glob
        case SQLITE_INDEX_CONSTRAINT_REGEXP: self = .regexp
        case SQLITE_INDEX_CONSTRAINT_NE: self = .ne
        case SQLITE_INDEX_CONSTRAINT_ISNOT: self = .isNot
        case SQLITE_INDEX_CONSTRAINT_ISNOTNULL: self = .isNotNull
        case SQLITE_INDEX_CONSTRAINT_ISNULL: self = .isNull
        case SQLITE_INDEX_CONSTRAINT_IS: self = .is
        case SQLITE_INDEX_CONSTRAINT_LIMIT: self = .limit
        case SQLITE_INDEX_CONSTRAINT_OFFSET: self = .offset
        default: self = .function(raw)
        }
    }
}

public struct IndexConstraint: Sendable {
    /// Position in SQLite's constraint array (what `use` and `rightHandValue` take).
    public let index: Int
    /// The column; -1 is the rowid.
    public let column: Int32
    public let op: ConstraintOperator
    public let isUsable: Bool
}

public struct OrderTerm: Sendable {
    public let column: Int32
    public let descending: Bool
}

/// A view of one `sqlite3_index_info`, valid during one `bestIndex` call. Setters write straight through.
public struct IndexInfo {
    public let raw: UnsafeMutablePointer<sqlite3_index_info>

    public init(raw: UnsafeMutablePointer<sqlite3_index_info>) { self.raw = raw }

    public var constraints: [IndexConstraint] {
        let n = Int(raw.pointee.nConstraint)
        guard n > 0, let c = raw.pointee.aConstraint else { return [] }
        return (0..<n).map {
            IndexConstraint(index: $0, column: c[$0].iColumn, op: ConstraintOperator(c[$0].op), isUsable: c[$0].usable != 0)
        }
    }

    public var orderBy: [OrderTerm] {
        let n = Int(raw.pointee.nOrderBy)
        guard n > 0, let o = raw.pointee.aOrderBy else { return [] }
        return (0..<n).map { OrderTerm(column: o[$0].iColumn, descending: o[$0].desc != 0) }
    }

    /// Bit i set when column i (i < 63) is read; bit 63 covers every later column.
    public var columnsUsed: UInt64 { raw.pointee.colUsed }

    /// Hands constraint `c`'s right-hand value to `xFilter` as argument `argumentIndex` (1-based), and tells
    /// SQLite whether it may skip re-checking the constraint (`omit`) because the table guarantees it.
    public func use(_ c: IndexConstraint, argumentIndex: Int32, omit: Bool) {
        guard c.index >= 0, c.index < Int(raw.pointee.nConstraint), let u = raw.pointee.aConstraintUsage else { return }
        u[c.index].argvIndex = argumentIndex
        u[c.index].omit = omit ? 1 : 0
    }

    public var indexNumber: Int32 {
        get { raw.pointee.idxNum }
        nonmutating set { raw.pointee.idxNum = newValue }
    }

    /// A plan string for `xFilter` and `EXPLAIN QUERY PLAN` (shown as `VIRTUAL TABLE INDEX n:STRING`).
    public func setIndexString(_ s: String) {
        if raw.pointee.needToFreeIdxStr != 0, let old = raw.pointee.idxStr { strata_free(old) }
        raw.pointee.idxStr = strata_mprintf_text(s)
        raw.pointee.needToFreeIdxStr = raw.pointee.idxStr == nil ? 0 : 1
    }

    public var estimatedCost: Double {
        get { raw.pointee.estimatedCost }
        nonmutating set { raw.pointee.estimatedCost = newValue }
    }

    public var estimatedRows: Int64 {
        get { raw.pointee.estimatedRows }
        nonmutating set { raw.pointee.estimatedRows = newValue }
    }

    /// Set when the cursor yields rows already in the ORDER BY order.
    public var orderByConsumed: Bool {
        get { raw.pointee.orderByConsumed != 0 }
        nonmutating set { raw.pointee.orderByConsumed = newValue ? 1 : 0 }
    }

    /// The constant right-hand side of a constraint when the planner knows it (SQLite 3.38+), else nil.
    public func rightHandValue(_ c: IndexConstraint) -> SQLArgument? {
        var v: OpaquePointer?
        guard strata_vtab_rhs_value(raw, Int32(c.index), &v) == SQLITE_OK, let v else { return nil }
        return SQLArgument(raw: v)
    }

    /// Whether an `=` constraint is really `IN (...)` that may be taken as one list (SQLite 3.38+).
    public func isInList(_ c: IndexConstraint) -> Bool { strata_vtab_in(raw, Int32(c.index), -1) != 0 }

    /// Asks for the whole IN list in one `xFilter` call; read it with `SQLArgument.inListValues()`.
    /// Returns false on hosts that cannot do that (then the value arrives one element per `xFilter`).
    @discardableResult
    public func takeInListAtOnce(_ c: IndexConstraint) -> Bool { strata_vtab_in(raw, Int32(c.index), 1) != 0 }
}

extension SQLArgument {
    /// The elements of an IN list handed over with `takeInListAtOnce`. Nil when this value is not such a list.
    public func inListValues() -> [SQLValue]? {
        var out: [SQLValue] = []
        var v: OpaquePointer?
        var rc = strata_vtab_in_first(raw, &v)
        guard rc == SQLITE_OK || rc == SQLITE_DONE else { return nil }
        while rc == SQLITE_OK, let cur = v {
            out.append(SQLArgument(raw: cur).value)
            rc = strata_vtab_in_next(raw, &v)
        }
        return rc == SQLITE_DONE ? out : nil
    }
}

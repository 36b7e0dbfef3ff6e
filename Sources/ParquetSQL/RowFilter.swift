// Comparisons on a numeric column evaluated inside parquet_file: the cursor steps over the rows a pushed
// `col > 0.999` (=, <, <=, >, >=) rejects, so they never go through SQLite's row-at-a-time virtual table
// calls — a selective filter then costs a loop over the decoded values. SQLite still checks every row it is
// handed (the constraint is not omitted), so a filter here only has to be conservative: it rejects a row
// only when SQLite's own comparison of the value the column gives (FastColumn: INTEGER or REAL) with the
// argument is certainly false — a NULL (or NaN, which the column gives as NULL) value, or a number on the
// wrong side. Text or blob arguments, IN lists and columns of other kinds are left to SQLite.
import SQLiteKit

struct RowFilter {
    let field: Int
    let test: Test

    enum Test {
        /// Values as REAL (double and float columns) against a double.
        case real(PruneOp, Double)
        /// Values as INTEGER (int64 and int32 columns) against an integer.
        case integer(PruneOp, Int64)
        /// Only NULL is rejected (an integer column against a bound beyond every Int64).
        case nonNull
        /// Every row is rejected (an integer column equal to a fraction, or beyond the bound's side).
        case none
    }

    /// The filter for `term` on a column whose values the cursor reads as `column`; nil when this is not a
    /// comparison it can decide exactly as SQLite would.
    init?(_ term: PruneTerm, column: FastColumn) {
        guard term.op != .in, term.values.count == 1, let value = term.values.first else { return nil }
        field = term.field
        let op = term.op
        switch column {
        case .double, .float:
            switch value {
            case .real(let b) where !b.isNaN: test = .real(op, b)
            // An integer compared with a REAL: exact as a double up to 2^53.
            case .integer(let a) where a.magnitude <= 1 << 53: test = .real(op, Double(a))
            default: return nil
            }
        case .int64, .int32:
            switch value {
            case .integer(let a): test = .integer(op, a)
            case .real(let b) where !b.isNaN: test = RowFilter.integerTest(op, b)
            default: return nil
            }
        default: return nil
        }
    }

    /// An integer column against a double: the same test against an integer (exact; see compareIntDouble).
    private static func integerTest(_ op: PruneOp, _ b: Double) -> Test {
        if b >= 0x1p63 { return op == .lt || op == .le ? .nonNull : .none }   // every integer is below b
        if b < -0x1p63 { return op == .gt || op == .ge ? .nonNull : .none }   // every integer is above b
        let f = b.rounded(.down)
        let i = Int64(f)  // within [-2^63, 2^63): exact
        if f == b { return .integer(op, i) }
        // b lies strictly between i and i + 1.
        switch op {
        case .eq, .in: return .none
        case .gt, .ge: return .integer(.gt, i)
        case .lt, .le: return .integer(.le, i)
        }
    }

    /// The first row in `from ..< end` the filter does not reject (`end` when it rejects them all).
    func firstAccepted(_ column: FastColumn, from: Int, to end: Int) -> Int {
        var r = from
        @inline(__always) func scan(_ map: UnsafePointer<Int32>?, _ keep: (Int) -> Bool) {
            if let map {
                while r < end {
                    let i = Int(map[r])
                    if i >= 0, keep(i) { return }
                    r += 1
                }
            } else {
                while r < end, !keep(r) { r += 1 }
            }
        }
        switch (test, column) {
        case (.real(let op, let b), .double(let v, let m)):
            switch op {
            case .gt: scan(m) { v[$0] > b }
            case .ge: scan(m) { v[$0] >= b }
            case .lt: scan(m) { v[$0] < b }
            case .le: scan(m) { v[$0] <= b }
            case .eq, .in: scan(m) { v[$0] == b }
            }
        case (.real(let op, let b), .float(let v, let m)):
            switch op {
            case .gt: scan(m) { Double(v[$0]) > b }
            case .ge: scan(m) { Double(v[$0]) >= b }
            case .lt: scan(m) { Double(v[$0]) < b }
            case .le: scan(m) { Double(v[$0]) <= b }
            case .eq, .in: scan(m) { Double(v[$0]) == b }
            }
        case (.integer(let op, let a), .int64(let v, let m)):
            switch op {
            case .gt: scan(m) { v[$0] > a }
            case .ge: scan(m) { v[$0] >= a }
            case .lt: scan(m) { v[$0] < a }
            case .le: scan(m) { v[$0] <= a }
            case .eq, .in: scan(m) { v[$0] == a }
            }
        case (.integer(let op, let a), .int32(let v, let m)):
            switch op {
            case .gt: scan(m) { Int64(v[$0]) > a }
            case .ge: scan(m) { Int64(v[$0]) >= a }
            case .lt: scan(m) { Int64(v[$0]) < a }
            case .le: scan(m) { Int64(v[$0]) <= a }
            case .eq, .in: scan(m) { Int64(v[$0]) == a }
            }
        case (.nonNull, .int64(_, let m)), (.nonNull, .int32(_, let m)):
            scan(m) { _ in true }
        case (.none, .int64), (.none, .int32):
            r = end
        default:
            break  // a column this filter was not made for: reject nothing
        }
        return r
    }
}

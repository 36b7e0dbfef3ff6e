// Row-group pruning: a constraint on a column (=, <, <=, >, >=, and IN lists; BETWEEN arrives as >= and <=)
// skips a row group whose statistics prove no row can match. Only comparisons SQLite would make the same way
// are used: numbers against numeric bounds, text against text bounds under BINARY collation (and only for
// kinds whose text sorts like their values), blobs against blob bounds. Anything else reads the group;
// SQLite re-checks every constraint on the rows read, so pruning never changes an answer, only the work.
import Parquet
import SQLiteKit

enum PruneOp: UInt8 {
    case eq = 0, lt, le, gt, ge, `in`

    var symbol: String {
        switch self {
        case .eq: return "="
        case .lt: return "<"
        case .le: return "<="
        case .gt: return ">"
        case .ge: return ">="
        case .in: return " IN"
        }
    }
}

struct PruneTerm {
    var field: Int
    var op: PruneOp
    /// The constraint's value (several for IN).
    var values: [SQLValue]
}

/// SQLite's order between a bound and a value of the same storage class; nil when they are not comparable
/// the way SQLite would compare the column's values with it.
func compareBound(_ bound: LeafValue, _ v: SQLValue) -> Int? {
    switch (bound, v) {
    case (.integer(let a), .integer(let b)): return a < b ? -1 : a > b ? 1 : 0
    case (.integer(let a), .real(let b)): return compareIntDouble(a, b)
    case (.real(let a), .integer(let b)): return compareIntDouble(b, a).map { -$0 }
    case (.real(let a), .real(let b)):
        guard !a.isNaN, !b.isNaN else { return nil }
        return a < b ? -1 : a > b ? 1 : 0
    case (.text(let a), .text(let b)): return compareBytes(Array(a.utf8), Array(b.utf8))
    case (.blob(let a), .blob(let b)): return compareBytes(a, b)
    default: return nil
    }
}

private func compareIntDouble(_ a: Int64, _ b: Double) -> Int? {
    guard !b.isNaN else { return nil }
    // Beyond Int64's range (2^63 itself included: Int64(2^63) would trap) every integer is below or above.
    if b >= 0x1p63 { return -1 }
    if b < -0x1p63 { return 1 }
    let da = Double(a)
    if da < b { return -1 }
    if da > b { return 1 }
    // Equal as doubles: compare exactly through the integer part.
    let ib = Int64(b.rounded(.towardZero))
    if a != ib { return a < ib ? -1 : 1 }
    let frac = b - Double(ib)
    return frac > 0 ? -1 : frac < 0 ? 1 : 0
}

private func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
    let n = min(a.count, b.count)
    for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
    return a.count < b.count ? -1 : a.count > b.count ? 1 : 0
}

/// Whether bounds of this kind order like the values SQLite sees (text kinds must sort as text).
func boundsAreComparable(_ kind: LeafKind, _ b: ChunkBounds) -> Bool {
    switch kind {
    case .date, .timestamp, .int96Timestamp:
        // ISO text sorts like time for years 0000–9999 (four digits, no sign).
        for v in [b.min, b.max] {
            guard case .text(let t) = v else { return false }
            let u = Array(t.utf8)
            guard u.count >= 10, u[4] == UInt8(ascii: "-"), u[0] != UInt8(ascii: "-") else { return false }
        }
        return true
    case .decimal(_, let p): return p <= 15
    case .uint64:
        if case .integer = b.min, case .integer = b.max { return true }
        return false
    default: return true
    }
}

/// Whether `term` proves that no row of a group with these bounds can match.
func excludes(_ term: PruneTerm, bounds: ChunkBounds) -> Bool {
    func outside(_ v: SQLValue) -> Bool {
        if case .null = v { return true }  // a comparison with NULL is never true
        guard let lo = compareBound(bounds.min, v), let hi = compareBound(bounds.max, v) else { return false }
        switch term.op {
        case .eq, .in: return lo > 0 || hi < 0
        case .lt: return lo >= 0
        case .le: return lo > 0
        case .gt: return hi <= 0
        case .ge: return hi < 0
        }
    }
    if term.op == .in { return !term.values.isEmpty && term.values.allSatisfy(outside) }
    guard let v = term.values.first else { return false }
    return outside(v)
}

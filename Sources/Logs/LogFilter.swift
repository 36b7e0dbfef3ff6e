// What a query asks of the records, checked in the scan before any column is built: level names, a `ts` range
// (compared as the `ts` text, exactly as SQLite compares it), and the files to read.
import StrataCommon

public enum TimeBoundOperator: String, Sendable {
    case eq = "=", gt = ">", ge = ">=", lt = "<", le = "<="
}

public struct TimeBound: Sendable {
    public var op: TimeBoundOperator
    public var text: [UInt8]
    public init(_ op: TimeBoundOperator, _ text: String) { self.op = op; self.text = Array(text.utf8) }
}

public struct LogFilter: Sendable {
    /// Allowed levels (normalised names), nil = any. Names are compared without regard to case, so SQLite's own
    /// re-check decides for collations; a level outside the five names matches records that wrote it.
    public var levels: [[String]] = []
    /// Each bound must hold. A record without a time fails any bound.
    public var timeBounds: [TimeBound] = []
    /// Each list must contain the file's path (compared without regard to case).
    public var paths: [[String]] = []
    /// A constraint that no row can meet (a NULL compared with `=`).
    public var isEmpty = false

    public init() {}

    public var hasTimeBounds: Bool { !timeBounds.isEmpty }

    /// Level sets compiled for the scan: a bit per normalised level and upper-cased other names.
    struct CompiledLevels {
        var mask: UInt8
        var others: [[UInt8]]
    }

    func compiledLevels() -> [CompiledLevels] {
        levels.map { names in
            var mask: UInt8 = 0
            var others: [[UInt8]] = []
            for n in names {
                let level = LogLevel.recognise(n)
                if let canonical = level.nameText, canonical.uppercased() == n.uppercased() {
                    mask |= 1 << level.rawValue
                } else {
                    others.append(Array(n.uppercased().utf8))
                }
            }
            return CompiledLevels(mask: mask, others: others)
        }
    }

    public func acceptsPath(_ path: String) -> Bool {
        paths.allSatisfy { list in list.contains { $0.lowercased() == path.lowercased() } }
    }

    /// The largest lower bound and the smallest upper bound, for the binary search.
    var lowerBound: TimeBound? {
        var best: TimeBound? = nil
        for b in timeBounds where b.op == .gt || b.op == .ge || b.op == .eq {
            if let cur = best {
                let c = compareText(b.text, cur.text)
                if c > 0 || (c == 0 && b.op == .gt) { best = TimeBound(b.op == .eq ? .ge : b.op, b.text) }
            } else {
                best = TimeBound(b.op == .eq ? .ge : b.op, b.text)
            }
        }
        return best
    }

    var upperBound: TimeBound? {
        var best: TimeBound? = nil
        for b in timeBounds where b.op == .lt || b.op == .le || b.op == .eq {
            if let cur = best {
                let c = compareText(b.text, cur.text)
                if c < 0 || (c == 0 && b.op == .lt) { best = TimeBound(b.op == .eq ? .le : b.op, b.text) }
            } else {
                best = TimeBound(b.op == .eq ? .le : b.op, b.text)
            }
        }
        return best
    }
}

extension TimeBound {
    init(_ op: TimeBoundOperator, _ text: [UInt8]) { self.op = op; self.text = text }

    /// Whether a record's `ts` text satisfies this bound.
    @inline(__always)
    func holds(_ ts: UnsafeBufferPointer<UInt8>) -> Bool {
        let c = text.withUnsafeBufferPointer { compareBytes(ts, $0) }
        switch op {
        case .eq: return c == 0
        case .gt: return c > 0
        case .ge: return c >= 0
        case .lt: return c < 0
        case .le: return c <= 0
        }
    }
}

/// SQLite's BINARY collation: memcmp over the shorter length, then the shorter string first.
@inline(__always)
func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let n = min(a.count, b.count)
    for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}

func compareText(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in compareBytes(x, y) } }
}

extension TimeBound {
    /// Bounds on `ts` (the wall clock as written) implied by a bound on `ts_utc`: a record's offset from UTC is
    /// under 24 hours when written in the line and under 26 from a zone file or TZ rule (what TimeZoneInfo
    /// accepts), so its `ts` lies within 26 hours of its `ts_utc`; the bound's date moved three days outward and
    /// compared as text keeps every record that can match (SQLite re-checks `ts_utc` exactly). None when the
    /// bound does not start with a plain `YYYY-MM-DD` date (then nothing is skipped).
    public static func localBounds(forUTC op: TimeBoundOperator, _ text: String) -> [TimeBound] {
        let b = Array(text.utf8.prefix(10))
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return [] }
        func number(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10),
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m) else { return [] }
        let day = daysFromCivil(year: y, month: m, day: d)
        func dateText(_ days: Int64) -> [UInt8]? {
            let c = civilFromDays(days)
            guard (0...9999).contains(c.year) else { return nil }
            let t = zeroPadded(c.year, 4) + "-" + zeroPadded(c.month, 2) + "-" + zeroPadded(c.day, 2)
            return Array(t.utf8)
        }
        var out: [TimeBound] = []
        if op == .gt || op == .ge || op == .eq, let t = dateText(day - 3) { out.append(TimeBound(.ge, t)) }
        if op == .lt || op == .le || op == .eq, let t = dateText(day + 3) { out.append(TimeBound(.lt, t)) }
        return out
    }
}

private func zeroPadded(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

// What a query asks of the records, checked in the scan before any column is built: level names, a `ts` range
// (compared as the `ts` text, exactly as SQLite compares it), and the files to read.

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

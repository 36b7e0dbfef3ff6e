// Binary search over byte offsets for `ts` ranges on a plain file: probe an offset, skip to the next line the
// format reads as a head with a time, compare its `ts` text. A one-hour window of a 500 MB file costs a few
// hundred small preads instead of reading 500 MB. The search relies on time never going back, so that is
// checked first: up to 1024 probes spread evenly over the file must be in time order (a local-time log over a
// DST fall-back, where the clock repeats an hour, fails this and is scanned), and every probe of the search is
// checked too. A step back smaller than the spacing of the probes can hide between two of them; the caller
// reads two spacings beyond each end of the window, so a record displaced by such a step is still read.
import Glibc
import StrataCommon

final class TimeSearch {
    let stream: FileStream
    let parser: LineParser
    /// `parser.continuesRepeatedPrefix`: a head behind the same prefix as the line before it starts no record.
    private let repeats: Bool
    private var head = RecordHead()
    private var window: [UInt8]
    private var probes: [(offset: Int64, time: LogTime)] = []
    /// How far one probe may walk looking for a head (past a long traceback); beyond it the search gives up.
    static let maxProbeWalk: Int64 = 8 << 20
    static let windowSize = 4 << 10
    /// The order check: at most this many probes, at least this far apart.
    static let maxOrderProbes = 1024
    static let minProbeSpacing: Int64 = 16 << 10

    init(stream: FileStream, parser: LineParser) {
        self.stream = stream
        self.parser = parser
        repeats = parser.continuesRepeatedPrefix
        window = [UInt8](repeating: 0, count: Self.windowSize)
    }

    struct GaveUp: Error {}

    /// The first line start at or after `offset` that the format reads as a head with a time (or any head,
    /// when `anyHead`).
    func probe(_ offset: Int64, anyHead: Bool = false) throws -> (offset: Int64, time: LogTime)? {
        let size = stream.sizeAtOpen
        guard offset < size else { return nil }
        var lineStart = offset
        if offset > 0 {
            // The line containing offset-1 ends somewhere at or after offset-1; the next line starts after it.
            guard let nl = try findNewline(from: offset - 1, limit: offset - 1 + Self.maxProbeWalk) else { return nil }
            lineStart = nl + 1
        }
        while lineStart < size {
            guard lineStart - offset <= Self.maxProbeWalk else { throw GaveUp() }
            let n = try window.withUnsafeMutableBytes { try stream.read(at: lineStart, into: $0) }
            guard n > 0 else { return nil }
            var prefix: [UInt8]? = nil
            let found: (Int64, LogTime)?? = window.withUnsafeBufferPointer { w in
                let w = sub(w, 0, n)
                let nl = findByte(w, 0x0A, from: 0)
                var e = nl ?? n  // a line longer than the window: its first bytes are parsed
                if e > 0, w[e - 1] == 0x0D { e -= 1 }
                if parser.parseHead(sub(w, 0, e), into: &head), anyHead || head.hasTime {
                    if repeats, lineStart > 0, let k = LineParser.prefixLength(head) { prefix = Array(sub(w, 0, k)) }
                    return .some((lineStart, head.time))
                }
                return nl == nil ? .some(nil) : nil
            }
            if let p = prefix, let f = found, let (o, _) = f, try previousLineHasPrefix(p, before: o) {
                // A later line of a record that repeats its prefix on every line (PyTorch): no record starts here.
                guard let nl = try findNewline(from: o, limit: o + Self.maxProbeWalk) else { return nil }
                lineStart = nl + 1
                continue
            }
            if let f = found {
                if let (o, t) = f {
                    if !anyHead { probes.append((o, t)) }
                    return (o, t)
                }
                // The line runs past the window: skip to its end.
                guard let nl = try findNewline(from: lineStart, limit: lineStart + Self.maxProbeWalk) else { return nil }
                lineStart = nl + 1
                continue
            }
            // Advance to the next line inside the window.
            let nl: Int = window.withUnsafeBufferPointer { findByte(sub($0, 0, n), 0x0A, from: 0) ?? n }
            lineStart += Int64(nl + 1)
        }
        return nil
    }

    /// Whether the line before the one at `offset` reads as a head with exactly `prefix` before its message.
    /// A previous line longer than the window is taken as not (its start is out of sight).
    private func previousLineHasPrefix(_ prefix: [UInt8], before offset: Int64) throws -> Bool {
        guard offset > 0 else { return false }
        let from = max(0, offset - Int64(Self.windowSize))
        let want = Int(offset - from)
        let n = try window.withUnsafeMutableBytes { try stream.read(at: from, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
        guard n == want else { return false }
        return window.withUnsafeBufferPointer { w in
            // w[n - 1] is the previous line's `\n`.
            var e = n - 1
            var s = e
            while s > 0, w[s - 1] != 0x0A { s -= 1 }
            guard s > 0 || from == 0 else { return false }
            if e > s, w[e - 1] == 0x0D { e -= 1 }
            let line = sub(w, s, e)
            guard line.count >= prefix.count, parser.parseHead(line, into: &head),
                  LineParser.prefixLength(head) == prefix.count else { return false }
            return prefix.withUnsafeBufferPointer { p in
                guard let a = p.baseAddress, let b = line.baseAddress else { return prefix.isEmpty }
                return memcmp(a, b, prefix.count) == 0
            }
        }
    }

    private func findNewline(from: Int64, limit: Int64) throws -> Int64? {
        var pos = from
        while pos < stream.sizeAtOpen {
            guard pos <= limit else { throw GaveUp() }
            let n = try window.withUnsafeMutableBytes { try stream.read(at: pos, into: $0) }
            guard n > 0 else { return nil }
            if let k = window.withUnsafeBufferPointer({ findByte(sub($0, 0, n), 0x0A, from: 0) }) { return pos + Int64(k) }
            pos += Int64(n)
        }
        return nil
    }

    /// The smallest line-start offset whose record (and every later one, in an ordered file) has
    /// `isPast(ts)`; the file size when none has.
    func firstOffset(where isPast: (UnsafeBufferPointer<UInt8>) -> Bool) throws -> Int64 {
        var lo: Int64 = 0
        var hi = stream.sizeAtOpen
        var text = [UInt8](repeating: 0, count: LogTime.textLength)
        func past(_ t: LogTime) -> Bool {
            text.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return false }
                t.write(to: base)
                return isPast(UnsafeBufferPointer(p))
            }
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            guard let r = try probe(mid) else { hi = mid; continue }
            if past(r.time) { hi = mid } else { lo = r.offset + 1 }
        }
        return try probe(lo)?.offset ?? stream.sizeAtOpen
    }

    /// The distance between two probes of the order check.
    var probeSpacing: Int64 {
        let n = max(1, min(Int64(Self.maxOrderProbes), stream.sizeAtOpen / Self.minProbeSpacing))
        return max(1, stream.sizeAtOpen / n)
    }

    /// Probes evenly spread over the file, in time order? (Before any search: a file that fails is scanned.)
    func spreadProbesAreOrdered() throws -> Bool {
        let step = probeSpacing
        var last: LogTime? = nil
        var offset: Int64 = 0
        while offset < stream.sizeAtOpen {
            if Interruption.isRequested() { throw LogScanError(Interruption.message) }
            if let p = try probe(offset) {
                if let l = last, p.time < l { return false }
                last = p.time
                // A probe that walked past the next spread point (a long traceback) continues from there.
                offset = max(offset + step, p.offset + 1)
            } else {
                break
            }
        }
        return true
    }

    /// The first head with a time at or after `offset` (its line start), or the file's size.
    func headOffset(atOrAfter offset: Int64) throws -> Int64 {
        try probe(max(0, offset))?.offset ?? stream.sizeAtOpen
    }

    /// Probes the first and last records too, then checks that every probe so far is in time order.
    func probesAreOrdered() throws -> Bool {
        _ = try probe(0)
        _ = try probe(max(0, stream.sizeAtOpen - Int64(Self.windowSize) * 4))
        let sorted = probes.sorted { $0.offset < $1.offset }
        for i in sorted.indices.dropFirst() where sorted[i].time < sorted[i - 1].time { return false }
        return true
    }
}

/// Newlines in the first `length` bytes of a plain file (for line numbers after a binary search).
func countNewlines(_ stream: FileStream, upTo length: Int64) throws -> Int {
    var buf = [UInt8](repeating: 0, count: 1 << 20)
    var pos: Int64 = 0
    var count = 0
    while pos < length {
        let want = Int(min(Int64(buf.count), length - pos))
        let n = try buf.withUnsafeMutableBytes { try stream.read(at: pos, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
        guard n > 0 else { break }
        count += buf.withUnsafeBufferPointer { countByte(0x0A, sub($0, 0, n)) }
        pos += Int64(n)
    }
    return count
}

/// Occurrences of `c`: glibc's vectorised memchr hops from one to the next (log lines are long enough
/// for that to beat a byte-wise count).
func countByte(_ c: UInt8, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    guard let base = b.baseAddress else { return 0 }
    var i = 0
    var n = 0
    while i < b.count, let p = memchr(base + i, Int32(c), b.count - i) {
        n += 1
        i = base.distance(to: p.assumingMemoryBound(to: UInt8.self)) + 1
    }
    return n
}

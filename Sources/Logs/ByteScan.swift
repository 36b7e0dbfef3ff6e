// Small, bounds-checked byte helpers the hand-written parsers share: digits, literals, searches.
// Every index is checked against the buffer's count: input bytes never decide whether we read out of range.
import Glibc

typealias Bytes = UnsafeBufferPointer<UInt8>

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
@inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
@inline(__always) func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

/// Exactly `n` digits at `i`; nil when any is not a digit or the buffer is too short.
@inline(__always)
func fixedDigits(_ b: Bytes, _ i: Int, _ n: Int) -> Int? {
    guard i >= 0, n > 0, i + n <= b.count else { return nil }
    var v = 0
    for k in i..<(i + n) {
        let d = b[k] &- 0x30
        guard d < 10 else { return nil }
        v = v * 10 + Int(d)
    }
    return v
}

/// One or more digits at `i` (at most `maxDigits`): (value, end).
@inline(__always)
func someDigits(_ b: Bytes, _ i: Int, maxDigits: Int = 18) -> (value: Int64, end: Int)? {
    var j = i
    var v: Int64 = 0
    while j < b.count, j - i < maxDigits {
        let d = b[j] &- 0x30
        guard d < 10 else { break }
        // 19 digits can exceed Int64: a number that does not fit is no number (nil), never a trap.
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(Int64(d))
        guard !o1, !o2 else { return nil }
        v = s
        j += 1
    }
    return j > i ? (v, j) : nil
}

/// A fraction's digits at `i` as nanoseconds (extra digits beyond 9 are read and dropped): (nanos, end).
@inline(__always)
func fractionDigits(_ b: Bytes, _ i: Int) -> (nanos: Int, end: Int)? {
    var j = i
    var v = 0
    var n = 0
    while j < b.count, isDigit(b[j]) {
        if n < 9 { v = v * 10 + Int(b[j] &- 0x30); n += 1 }
        j += 1
    }
    guard j > i else { return nil }
    for _ in n..<9 { v *= 10 }
    return (v, j)
}

/// Whether `lit` occurs at `i`.
@inline(__always)
func hasLiteral(_ b: Bytes, _ i: Int, _ lit: Bytes) -> Bool {
    guard i >= 0, lit.count <= b.count - i else { return false }
    guard let bp = b.baseAddress, let lp = lit.baseAddress else { return lit.isEmpty }
    if lit.count > 16 { return memcmp(bp + i, lp, lit.count) == 0 }
    for k in 0..<lit.count where bp[i + k] != lp[k] { return false }
    return true
}

/// First occurrence of `lit` at or after `from` (and before `limit`), or nil.
@inline(__always)
func findLiteral(_ b: Bytes, _ lit: Bytes, from: Int, limit: Int? = nil) -> Int? {
    let end = min(limit ?? b.count, b.count)
    guard let first = lit.first else { return from <= end ? from : nil }
    guard let base = b.baseAddress, from >= 0 else { return nil }
    // Separators are usually a few bytes away: look there, eight bytes at a time, before calling memchr.
    var i = from
    let near = min(end - lit.count + 1, from + 32)
    while i < near {
        guard let at = firstByte(first, base, i, near) else { break }
        if lit.count == 1 || hasLiteral(b, at, lit) { return at }
        i = at + 1
    }
    if near < from + 32 { return nil }
    i = max(i, near)
    while i + lit.count <= end {
        guard let p = memchr(base + i, Int32(first), end - i) else { return nil }
        let at = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
        if at + lit.count > end { return nil }
        if lit.count == 1 || hasLiteral(b, at, lit) { return at }
        i = at + 1
    }
    return nil
}

/// Last occurrence of `lit` starting at or after `from`, or nil.
func findLastLiteral(_ b: Bytes, _ lit: Bytes, from: Int, before: Int? = nil) -> Int? {
    let end = min(before ?? b.count, b.count)
    guard !lit.isEmpty, from >= 0 else { return nil }
    var i = end - lit.count
    while i >= from {
        if hasLiteral(b, i, lit) { return i }
        i -= 1
    }
    return nil
}

/// Index of the first byte equal to `c` at or after `from`.
@inline(__always)
func findByte(_ b: Bytes, _ c: UInt8, from: Int) -> Int? {
    guard let base = b.baseAddress, from >= 0, from < b.count else { return nil }
    guard let p = memchr(base + from, Int32(c), b.count - from) else { return nil }
    return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
}

@inline(__always)
func sub(_ b: Bytes, _ s: Int, _ e: Int) -> Bytes {
    guard s >= 0, e <= b.count, s <= e, let base = b.baseAddress else { return Bytes(start: nil, count: 0) }
    return Bytes(start: base + s, count: e - s)
}

/// Three-letter English month abbreviation (any case) at `i` → 1...12.
func monthAbbreviation(_ b: Bytes, _ i: Int) -> Int? {
    guard i >= 0, i + 3 <= b.count else { return nil }
    let k = (UInt32(lower(b[i])) << 16) | (UInt32(lower(b[i + 1])) << 8) | UInt32(lower(b[i + 2]))
    for (m, name) in monthKeys.enumerated() where name == k { return m + 1 }
    return nil
}

let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                  "october", "november", "december"]
let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
private let monthKeys: [UInt32] = monthNames.map { name in
    let u = Array(name.utf8)
    return (UInt32(u[0]) << 16) | (UInt32(u[1]) << 8) | UInt32(u[2])
}

/// Full or abbreviated name from `names` (any case) at `i`: (index, end). Full names are tried first.
func nameAt(_ b: Bytes, _ i: Int, _ names: [String], allowFull: Bool, allowShort: Bool) -> (Int, Int)? {
    for (k, name) in names.enumerated() {
        let u = Array(name.utf8)
        if allowFull, matchesLowercased(b, i, u) { return (k, i + u.count) }
    }
    if allowShort {
        for (k, name) in names.enumerated() {
            let u = Array(name.utf8.prefix(3))
            if matchesLowercased(b, i, u) { return (k, i + 3) }
        }
    }
    return nil
}

private func matchesLowercased(_ b: Bytes, _ i: Int, _ u: [UInt8]) -> Bool {
    guard i >= 0, i + u.count <= b.count else { return false }
    for k in 0..<u.count where lower(b[i + k]) != u[k] { return false }
    return true
}

/// First index in `from..<to` holding `c`, eight bytes per step (SWAR: the lowest flagged byte is exact).
@inline(__always)
func firstByte(_ c: UInt8, _ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
    var i = from
    let pattern = UInt64(c) &* 0x0101_0101_0101_0101
    while i &+ 8 <= to {
        let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) ^ pattern
        let t = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
        if t != 0 { return i &+ t.trailingZeroBitCount >> 3 }
        i &+= 8
    }
    while i < to {
        if base[i] == c { return i }
        i &+= 1
    }
    return nil
}

/// First index in `from..<to` holding `c` or `d`, eight bytes per step (as `firstByte`).
@inline(__always)
func firstOfTwoBytes(_ c: UInt8, _ d: UInt8, _ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
    let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
    let pc = UInt64(c) &* ones, pd = UInt64(d) &* ones
    var i = from
    while i &+ 8 <= to {
        let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
        let a = x ^ pc, b = x ^ pd
        let t = ((a &- ones) & ~a | (b &- ones) & ~b) & highs
        if t != 0 { return i &+ t.trailingZeroBitCount >> 3 }
        i &+= 8
    }
    while i < to {
        if base[i] == c || base[i] == d { return i }
        i &+= 1
    }
    return nil
}

/// Whether `from..<to` holds a space, eight bytes per step.
@inline(__always)
func hasSpace(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
    firstByte(0x20, base, from, to) != nil
}

// Timestamps in the shapes logs write them: ISO-8601 and Python's default `asctime` (`2026-11-20 02:00:01,123`),
// epoch numbers (seconds, milliseconds, micro- or nanoseconds), and RFC 3164's `Nov 20 02:00:01`.
// Offsets (`Z`, `+01:00`) are kept in `LogTime.utcOffsetMinutes` (for `ts_utc`); `ts` stays the wall-clock time
// as the log wrote it. Epoch numbers are UTC (offset 0).

/// `YYYY-MM-DD[ T]HH:MM:SS[(.|,)fraction][Z|±HH[:]MM]` at `i`. `requireT`: only the `T` separator.
/// Returns the time and the index after it (after the zone when one is there).
@inline(__always)
func parseISOTime(_ b: Bytes, _ i: Int, requireT: Bool = false, allowZone: Bool = true,
                  allowNoSeconds: Bool = false) -> (LogTime, Int)? {
    guard i >= 0, i + 16 <= b.count, let base = b.baseAddress else { return nil }
    let p = base + i
    // All digit positions of `YYYY-MM-DD HH:MM` checked at once.
    @inline(__always) func d(_ k: Int) -> UInt8 { p[k] &- 0x30 }
    let y0 = d(0), y1 = d(1), y2 = d(2), y3 = d(3), m0 = d(5), m1 = d(6), d0 = d(8), d1 = d(9)
    let h0 = d(11), h1 = d(12), n0 = d(14), n1 = d(15)
    guard y0 < 10, y1 < 10, y2 < 10, y3 < 10, m0 < 10, m1 < 10, d0 < 10, d1 < 10, h0 < 10, h1 < 10, n0 < 10,
          n1 < 10, p[4] == 0x2D, p[7] == 0x2D, p[13] == 0x3A else { return nil }
    let sep = p[10]
    guard sep == 0x54 || (!requireT && sep == 0x20) else { return nil }
    let y = Int(y0) * 1000 + Int(y1) * 100 + Int(y2) * 10 + Int(y3)
    let mo = Int(m0) * 10 + Int(m1), dd = Int(d0) * 10 + Int(d1), h = Int(h0) * 10 + Int(h1), mi = Int(n0) * 10 + Int(n1)
    // The usual shape `:SS,mmm` / `:SS.mmm` followed by a non-digit: no loops.
    if i + 23 <= b.count, p[16] == 0x3A, p[19] == 0x2C || p[19] == 0x2E, i + 23 == b.count || !isDigit(p[23]) {
        let s0 = d(17), s1 = d(18), f0 = d(20), f1 = d(21), f2 = d(22)
        if s0 < 10, s1 < 10, f0 < 10, f1 < 10, f2 < 10, i + 23 == b.count || (p[23] != 0x5A && p[23] != 0x2B && p[23] != 0x2D) {
            let sec = Int(s0) * 10 + Int(s1)
            let ms = Int(f0) * 100 + Int(f1) * 10 + Int(f2)
            guard mo >= 1, mo <= 12, dd >= 1, dd <= 31, h <= 23, mi <= 59, sec <= 60 else { return nil }
            if dd > 28, dd > daysIn(y, mo) { return nil }
            return (LogTime(year: y, month: mo, day: dd, hour: h, minute: mi, second: sec, nanosecond: ms * 1_000_000), i + 23)
        }
    }
    var j = i + 16
    var s = 0
    if j < b.count, b[j] == 0x3A {
        guard let sec = fixedDigits(b, j + 1, 2) else { return nil }
        s = sec
        j += 3
    } else if !allowNoSeconds {
        return nil
    }
    var nanos = 0
    if j + 1 < b.count, b[j] == 0x2E || b[j] == 0x2C, isDigit(b[j + 1]) {
        guard let f = fractionDigits(b, j + 1) else { return nil }
        nanos = f.nanos
        j = f.end
    }
    var offset = LogTime.noOffset
    if allowZone, j < b.count {
        if b[j] == 0x5A {
            j += 1
            offset = 0
        } else if (b[j] == 0x2B || b[j] == 0x2D), let oh = fixedDigits(b, j + 1, 2) {
            var om = 0
            let sign = b[j] == 0x2D ? -1 : 1
            if j + 3 < b.count, b[j + 3] == 0x3A, let m = fixedDigits(b, j + 4, 2) { om = m; j += 6 }
            else if let m = fixedDigits(b, j + 3, 2) { om = m; j += 5 }
            else { j += 3 }
            if oh <= 23, om <= 59 { offset = Int16(sign * (oh * 60 + om)) }
        }
    }
    var t = LogTime(year: y, month: mo, day: dd, hour: h, minute: mi, second: s, nanosecond: nanos)
    guard t.isValid else { return nil }
    t.utcOffsetMinutes = offset
    return (t, j)
}

/// A zone strftime wrote after a time, at `j`: `%z` (`+0100`, `-05:00`, `Z`) or `%Z` — `UTC`/`GMT`/`UT`
/// (offset 0), a tzdata numeric abbreviation (`+03`, `-0330`), or letters (`anyLetters`: any run of them, as
/// an explicit `%Z` allows; else only `knownZoneAbbreviations`, so a word that may be a logger name is not
/// taken for a zone). Letters other than UTC's names give no offset: `IST` and `CST` each name several zones.
/// Returns the offset (`LogTime.noOffset` when unknown) and the index after the zone.
func parseZone(_ b: Bytes, _ j: Int, anyLetters: Bool) -> (offset: Int16, end: Int)? {
    guard j < b.count else { return nil }
    let c = b[j]
    if c == 0x2B || c == 0x2D {
        guard let oh = fixedDigits(b, j + 1, 2), oh <= 23 else { return nil }
        let sign = c == 0x2D ? -1 : 1
        var e = j + 3, om = 0
        if e + 2 < b.count, b[e] == 0x3A, let m = fixedDigits(b, e + 1, 2) { om = m; e += 3 }
        else if let m = fixedDigits(b, e, 2) { om = m; e += 2 }
        guard om <= 59, e == b.count || !isDigit(b[e]) else { return nil }
        return (Int16(sign * (oh * 60 + om)), e)
    }
    var e = j
    while e < b.count, e - j < 6, (b[e] | 0x20) >= 0x61, (b[e] | 0x20) <= 0x7A { e += 1 }
    guard e > j, e == b.count || !isASCIILetter(b[e]) else { return nil }
    let word = sub(b, j, e)
    if sameBytes(word, "UTC") || sameBytes(word, "GMT") || sameBytes(word, "UT") || sameBytes(word, "Z") {
        return (0, e)
    }
    guard anyLetters || knownZoneAbbreviations.contains(where: { sameBytes(word, $0) }) else { return nil }
    return (LogTime.noOffset, e)
}

@inline(__always) private func isASCIILetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

/// `b` is exactly the ASCII text `s` (case-sensitive: strftime writes zone names in capitals).
private func sameBytes(_ b: Bytes, _ s: StaticString) -> Bool {
    guard b.count == s.utf8CodeUnitCount else { return false }
    let p = s.utf8Start
    for k in 0..<b.count where b[k] != p[k] { return false }
    return true
}

/// Letter abbreviations tzdata gives the zones logs are commonly written in (what `%Z` prints there). A word
/// after the time that is not one of them stays text (a logger name, a level).
let knownZoneAbbreviations: [StaticString] = [
    "WET", "WEST", "CET", "CEST", "MET", "MEST", "EET", "EEST", "MSK", "BST", "IST", "IDT", "SAST", "CAT", "EAT",
    "WAT", "PKT", "HKT", "SGT", "PHT", "WIB", "WITA", "WIT", "JST", "KST", "AWST", "ACST", "ACDT", "AEST", "AEDT",
    "NZST", "NZDT", "HST", "HDT", "AKST", "AKDT", "PST", "PDT", "MST", "MDT", "CST", "CDT", "EST", "EDT", "AST",
    "ADT", "NST", "NDT", "CHST", "SST",
]

/// Python's default `asctime` (or an ISO time) at `i`, with the zone a `datefmt` such as
/// `%Y-%m-%d %H:%M:%S %z` or `... %Z` wrote after it (` -0500`, ` UTC`, ` CET`) taken as part of the time:
/// numeric offsets and `knownZoneAbbreviations` only, so the word after a time is a zone exactly when no logger
/// would plausibly be named that way. Returns the time (with the zone's offset, when it gives one) and its end.
@inline(__always)
func parseDefaultAsctime(_ b: Bytes, _ i: Int) -> (LogTime, Int)? {
    guard let (t, end) = parseISOTime(b, i) else { return nil }
    guard !t.hasOffset, end + 1 < b.count, b[end] == 0x20 else { return (t, end) }
    let c = b[end + 1]
    guard c == 0x2B || c == 0x2D || (c >= 0x41 && c <= 0x5A),
          let z = parseZone(b, end + 1, anyLetters: false) else { return (t, end) }
    var zoned = t
    zoned.utcOffsetMinutes = z.offset
    return (zoned, z.end)
}

/// An epoch number (integer or decimal) at `i`, scaled by its size: < 1e11 seconds, < 1e14 milliseconds,
/// < 1e17 microseconds, else nanoseconds. Returns the time and the end index.
func parseEpochNumber(_ b: Bytes, _ i: Int) -> (LogTime, Int)? {
    guard let whole = someDigits(b, i, maxDigits: 19) else { return nil }  // nanoseconds need 19; overflow gives nil
    var j = whole.end
    var fracNanos = 0
    if j + 1 < b.count, b[j] == 0x2E, isDigit(b[j + 1]), let f = fractionDigits(b, j + 1) {
        fracNanos = f.nanos
        j = f.end
    }
    guard let t = epochTime(whole: whole.value, fractionNanos: fracNanos) else { return nil }
    return (t, j)
}

/// Whole units plus a fraction (in nanoseconds of one unit), unit chosen by magnitude.
func epochTime(whole: Int64, fractionNanos: Int) -> LogTime? {
    var t = epochTimeFields(whole: whole, fractionNanos: fractionNanos)
    t?.utcOffsetMinutes = 0
    return t
}

private func epochTimeFields(whole: Int64, fractionNanos: Int) -> LogTime? {
    let v = whole
    if v < 100_000_000_000 {
        return LogTime(epochSeconds: v, nanosecond: Int64(fractionNanos))
    } else if v < 100_000_000_000_000 {
        return LogTime(epochSeconds: v / 1000, nanosecond: (v % 1000) * 1_000_000 + Int64(fractionNanos / 1000))
    } else if v < 100_000_000_000_000_000 {
        return LogTime(epochSeconds: v / 1_000_000, nanosecond: (v % 1_000_000) * 1000 + Int64(fractionNanos / 1_000_000))
    } else {
        return LogTime(epochSeconds: v / 1_000_000_000, nanosecond: v % 1_000_000_000)
    }
}

/// A double epoch value (JSON numbers with exponents), scaled like `epochTime`.
func epochTime(double v: Double) -> LogTime? {
    guard v.isFinite, v >= 0, v < 9.2e18 else { return nil }
    var seconds = v
    if v >= 1e17 { seconds = v / 1e9 } else if v >= 1e14 { seconds = v / 1e6 } else if v >= 1e11 { seconds = v / 1e3 }
    let whole = seconds.rounded(.down)
    let nanos = Int64(((seconds - whole) * 1e9).rounded(.down))
    var t = LogTime(epochSeconds: Int64(whole), nanosecond: max(0, min(999_999_999, nanos)))
    t?.utcOffsetMinutes = 0
    return t
}

/// RFC 3164 `Mmm dd HH:MM:SS` (day space- or zero-padded, optional fraction) at `i`, year from `ref`.
func parseBSDTime(_ b: Bytes, _ i: Int, _ ref: YearReference) -> (LogTime, Int)? {
    guard i >= 0, i + 15 <= b.count, let mo = monthAbbreviation(b, i), b[i + 3] == 0x20 else { return nil }
    let d: Int
    if b[i + 4] == 0x20, isDigit(b[i + 5]) { d = Int(b[i + 5] &- 0x30) }
    else if let dd = fixedDigits(b, i + 4, 2) { d = dd } else { return nil }
    guard b[i + 6] == 0x20, let h = fixedDigits(b, i + 7, 2), b[i + 9] == 0x3A, let mi = fixedDigits(b, i + 10, 2),
          b[i + 12] == 0x3A, let s = fixedDigits(b, i + 13, 2) else { return nil }
    var j = i + 15
    var nanos = 0
    if j + 1 < b.count, b[j] == 0x2E, let f = fractionDigits(b, j + 1) { nanos = f.nanos; j = f.end }
    let t = LogTime(year: ref.year(forMonth: mo, day: d), month: mo, day: d, hour: h, minute: mi, second: s,
                    nanosecond: nanos)
    guard t.isValid else { return nil }
    return (t, j)
}

/// Any of the shapes above filling a whole value (JSON time strings, regex `ts` groups without a datefmt).
public func parseAnyTime(_ b: UnsafeBufferPointer<UInt8>, reference: YearReference) -> LogTime? {
    var s = 0, e = b.count
    while s < e, isSpace(b[s]) { s += 1 }
    while e > s, isSpace(b[e - 1]) { e -= 1 }
    let v = sub(b, s, e)
    if let (t, end) = parseISOTime(v, 0, allowNoSeconds: true), end == v.count { return t }
    if v.count == 10, let y = fixedDigits(v, 0, 4), v[4] == 0x2D, let m = fixedDigits(v, 5, 2), v[7] == 0x2D,
       let d = fixedDigits(v, 8, 2) {
        let t = LogTime(year: y, month: m, day: d)
        return t.isValid ? t : nil
    }
    if let (t, end) = parseBSDTime(v, 0, reference), end == v.count { return t }
    if let (t, end) = parseEpochNumber(v, 0), end == v.count { return t }
    return nil
}

@inline(__always) func daysIn(_ y: Int, _ m: Int) -> Int {
    switch m {
    case 4, 6, 9, 11: return 30
    case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
    default: return 31
    }
}

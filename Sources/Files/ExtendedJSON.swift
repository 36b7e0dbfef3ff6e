// MongoDB Extended JSON (v2, relaxed and canonical, as `mongoexport` writes it) turned into plain values:
//   {"$oid": "6553…"}                          → "6553…"                    (hex text)
//   {"$date": "2026-11-14T00:30:00.000Z"}      → "2026-11-14 00:30:00.000"  (UTC, our ISO text convention)
//   {"$date": {"$numberLong": "1763080200000"}} and legacy {"$date": 1763080200000} → the same ISO text
//   {"$numberLong": "15"}, {"$numberInt": "15"} → 15
//   {"$numberDouble": "1.5"}, {"$numberDecimal": "1.5"} → 1.5 ("Infinity" → 9e999, which SQLite reads as
//   infinity; "NaN" → null)
// Any other `$` object (`$binary`, `$timestamp`, `$regularExpression`, ...) is left as written.
import Glibc
import StrataCommon

public enum ExtendedJSON {
    enum Wrapper: Equatable {
        case oid, date, numberLong, numberInt, numberDouble, numberDecimal

        init?(_ key: UnsafeBufferPointer<UInt8>) {
            // Each wrapper name has its own length: one comparison decides (this runs at every `{"$`).
            let name: StaticString, w: Wrapper
            switch key.count {
            case 4: (name, w) = ("$oid", .oid)
            case 5: (name, w) = ("$date", .date)
            case 10: (name, w) = ("$numberInt", .numberInt)
            case 11: (name, w) = ("$numberLong", .numberLong)
            case 13: (name, w) = ("$numberDouble", .numberDouble)
            case 14: (name, w) = ("$numberDecimal", .numberDecimal)
            default: return nil
            }
            guard let base = key.baseAddress, sameBytes(name.utf8Start, base, key.count) else { return nil }
            self = w
        }
    }

    /// What replaces a wrapper whose value is at `span` of `b` (a string with its quotes, or a number), or
    /// nil when the value does not have the wrapper's form (then the object is left as written).
    static func replacement(for w: Wrapper, value b: UnsafeBufferPointer<UInt8>, span: JSONSpan,
                            kind: JSONKind) -> (JSONKind, JSONReplacement.Form)? {
        let value = UnsafeBufferPointer(rebasing: b[span.start..<span.end])
        let inner = JSONSpan(span.start + 1, span.end - 1)
        let innerBytes = span.count >= 2 ? UnsafeBufferPointer(rebasing: b[inner.start..<inner.end]) : value
        switch w {
        case .oid:
            guard kind == .string else { return nil }
            return (.string, .verbatim(span))
        case .numberLong, .numberInt:
            guard kind == .string, span.count >= 3, isJSONInteger(innerBytes) else { return nil }
            return (.number, .verbatim(inner))
        case .numberDouble, .numberDecimal:
            if kind == .number { return (.number, .verbatim(span)) }
            guard kind == .string, span.count >= 2 else { return nil }
            if isJSONNumber(innerBytes) { return (.number, .verbatim(inner)) }
            switch String(decoding: innerBytes, as: UTF8.self) {
            case "Infinity", "+Infinity": return (.number, .special("9e999"))
            case "-Infinity": return (.number, .special("-9e999"))
            case "NaN", "-NaN": return (.null, .special("null"))
            default: return nil
            }
        case .date:
            let ms: Int64?
            if kind == .number {
                ms = parseJSONInteger(value)
            } else if kind == .string, span.count >= 2 {
                ms = epochMilliseconds(dateString: innerBytes)
            } else {
                ms = nil
            }
            guard let ms, ms >= minDate, ms < maxDate else { return nil }
            return (.string, .date(ms))
        }
    }

    /// 0001-01-01 and 10000-01-01 in milliseconds since 1970: the dates written as text.
    static let minDate: Int64 = -62_135_596_800_000
    static let maxDate: Int64 = 253_402_300_800_000

    /// Appends `"YYYY-MM-DD HH:MM:SS.fff"` (with quotes) for years 1...9999; false (appending nothing) outside.
    static func appendDate(epochMilliseconds ms: Int64, to out: inout [UInt8]) -> Bool {
        guard ms >= minDate, ms < maxDate else { return false }
        let s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let frac = Int(ms - s * 1000)
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        let rem = Int(s - days * 86_400)
        let (y, m, day) = civilFromDays(days)
        let h = rem / 3600, mi = rem % 3600 / 60, sec = rem % 60
        @inline(__always) func g(_ v: Int) -> UInt8 { UInt8(truncatingIfNeeded: 48 + v) }
        let text: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                   UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0x22, g(y / 1000), g(y / 100 % 10), g(y / 10 % 10), g(y % 10), 0x2D, g(m / 10), g(m % 10), 0x2D,
             g(day / 10), g(day % 10), 0x20, g(h / 10), g(h % 10), 0x3A, g(mi / 10), g(mi % 10), 0x3A,
             g(sec / 10), g(sec % 10), 0x2E, g(frac / 100), g(frac / 10 % 10), g(frac % 10), 0x22)
        withUnsafeBytes(of: text) { out.append(contentsOf: $0) }
        return true
    }

    /// `YYYY-MM-DD HH:MM:SS.fff` (UTC) of milliseconds since 1970, for years 1...9999.
    public static func isoText(epochMilliseconds ms: Int64) -> String? {
        var out: [UInt8] = []
        guard appendDate(epochMilliseconds: ms, to: &out) else { return nil }
        return String(decoding: out.dropFirst().dropLast(), as: UTF8.self)
    }

    /// An ISO-8601 date string (`2026-11-14T00:30:00.000Z`, `...+01:00`, `...+0100`, or without a zone)
    /// converted to UTC `YYYY-MM-DD HH:MM:SS.fff`; nil when it is not such text.
    public static func isoText(dateString b: UnsafeBufferPointer<UInt8>) -> String? {
        epochMilliseconds(dateString: b).flatMap { isoText(epochMilliseconds: $0) }
    }

    /// Milliseconds since 1970 (UTC) of an ISO-8601 date string; nil when it is not one.
    static func epochMilliseconds(dateString b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var count = b.count
        var offsetSeconds = 0
        guard count >= 10 else { return nil }
        if b[count - 1] == UInt8(ascii: "Z") || b[count - 1] == UInt8(ascii: "z") {
            count -= 1
        } else if count > 16 {
            // A numeric offset: ±HH:MM, ±HHMM or ±HH after the time.
            var k = count - 1
            while k > 10, isDigit(b[k]) || b[k] == UInt8(ascii: ":") { k -= 1 }
            if k > 10, b[k] == UInt8(ascii: "+") || b[k] == UInt8(ascii: "-") {
                var digits: [Int] = []
                for c in b[(k + 1)..<count] where isDigit(c) { digits.append(Int(c - 48)) }
                guard digits.count == 4 || digits.count == 2 else { return nil }
                let h = digits[0] * 10 + digits[1]
                let m = digits.count == 4 ? digits[2] * 10 + digits[3] : 0
                guard h < 24, m < 60 else { return nil }
                offsetSeconds = (h * 3600 + m * 60) * (b[k] == UInt8(ascii: "-") ? -1 : 1)
                count = k
            }
        }
        guard let dt = CivilDateTime.parse(bytes: UnsafeBufferPointer(rebasing: b[0..<count])) else { return nil }
        let utc = dt.epochSeconds - Int64(offsetSeconds)
        return utc * 1000 + Int64(dt.nanosecond / 1_000_000)
    }
}

/// Whether `count` bytes at `a` and `b` are equal: an inline loop, cheaper than a memcmp call for keys.
@inline(__always) func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var k = 0
    while k + 8 <= count {
        if UnsafeRawPointer(a + k).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + k).loadUnaligned(as: UInt64.self) {
            return false
        }
        k += 8
    }
    while k < count {
        if a[k] != b[k] { return false }
        k += 1
    }
    return true
}

/// `-?[0-9]+` without leading zeros (JSON's integer grammar).
func isJSONInteger(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    var k = 0
    if k < b.count, b[k] == UInt8(ascii: "-") { k += 1 }
    guard k < b.count else { return false }
    if b[k] == UInt8(ascii: "0") { return k + 1 == b.count }
    while k < b.count { guard isDigit(b[k]) else { return false }; k += 1 }
    return true
}

/// The whole of `b` is one JSON number.
public func isJSONNumber(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    var k = 0
    let n = b.count
    if k < n, b[k] == UInt8(ascii: "-") { k += 1 }
    guard k < n else { return false }
    if b[k] == UInt8(ascii: "0") {
        k += 1
    } else if isDigit(b[k]) {
        while k < n, isDigit(b[k]) { k += 1 }
    } else {
        return false
    }
    if k < n, b[k] == UInt8(ascii: ".") {
        k += 1
        guard k < n, isDigit(b[k]) else { return false }
        while k < n, isDigit(b[k]) { k += 1 }
    }
    if k < n, b[k] == UInt8(ascii: "e") || b[k] == UInt8(ascii: "E") {
        k += 1
        if k < n, b[k] == UInt8(ascii: "+") || b[k] == UInt8(ascii: "-") { k += 1 }
        guard k < n, isDigit(b[k]) else { return false }
        while k < n, isDigit(b[k]) { k += 1 }
    }
    return k == n
}

// MongoDB Extended JSON (v2, relaxed and canonical, as `mongoexport` writes it) turned into plain values:
//   {"$oid": "6553…"}                          → "6553…"                    (hex text)
//   {"$date": "2026-11-14T00:30:00.000Z"}      → "2026-11-14 00:30:00.000"  (UTC, our ISO text convention)
//   {"$date": {"$numberLong": "1763080200000"}} and legacy {"$date": 1763080200000} → the same ISO text
//   {"$numberLong": "15"}, {"$numberInt": "15"} → 15
//   {"$numberDouble": "1.5"}, {"$numberDecimal": "1.5"} → 1.5 ("Infinity" → 9e999, which SQLite reads as
//   infinity; "NaN" → null)
// Any other `$` object (`$binary`, `$timestamp`, `$regularExpression`, ...) is left as written.
import StrataCommon

public enum ExtendedJSON {
    enum Wrapper: Equatable {
        case oid, date, numberLong, numberInt, numberDouble, numberDecimal

        init?(_ key: UnsafeBufferPointer<UInt8>) {
            switch String(decoding: key, as: UTF8.self) {
            case "$oid": self = .oid
            case "$date": self = .date
            case "$numberLong": self = .numberLong
            case "$numberInt": self = .numberInt
            case "$numberDouble": self = .numberDouble
            case "$numberDecimal": self = .numberDecimal
            default: return nil
            }
        }
    }

    /// The JSON text replacing a wrapper whose value is `value` (a string with its quotes, or a number), or
    /// nil when the value does not have the wrapper's form (then the object is left as written).
    static func replacement(for w: Wrapper, value: UnsafeBufferPointer<UInt8>,
                            kind: JSONKind) -> (text: [UInt8], kind: JSONKind)? {
        switch w {
        case .oid:
            guard kind == .string else { return nil }
            return (Array(value), .string)
        case .numberLong, .numberInt:
            guard kind == .string, value.count >= 3 else { return nil }
            let inner = UnsafeBufferPointer(rebasing: value[1..<(value.count - 1)])
            guard isJSONInteger(inner) else { return nil }
            return (Array(inner), .number)
        case .numberDouble, .numberDecimal:
            guard kind == .string, value.count >= 2 else { return kind == .number ? (Array(value), .number) : nil }
            let inner = UnsafeBufferPointer(rebasing: value[1..<(value.count - 1)])
            switch String(decoding: inner, as: UTF8.self) {
            case "Infinity", "+Infinity": return (Array("9e999".utf8), .number)
            case "-Infinity": return (Array("-9e999".utf8), .number)
            case "NaN", "-NaN": return (Array("null".utf8), .null)
            default:
                guard isJSONNumber(inner) else { return nil }
                return (Array(inner), .number)
            }
        case .date:
            let text: String?
            if kind == .number {
                text = parseJSONInteger(value).flatMap(isoText(epochMilliseconds:))
            } else if kind == .string, value.count >= 2 {
                text = isoText(dateString: UnsafeBufferPointer(rebasing: value[1..<(value.count - 1)]))
            } else {
                text = nil
            }
            guard let text else { return nil }
            return (Array(("\"" + text + "\"").utf8), .string)
        }
    }

    /// `YYYY-MM-DD HH:MM:SS.fff` (UTC) of milliseconds since 1970, for years 1...9999.
    public static func isoText(epochMilliseconds ms: Int64) -> String? {
        // 253402300800000 = 10000-01-01; -62135596800000 = 0001-01-01.
        guard ms >= -62_135_596_800_000, ms < 253_402_300_800_000 else { return nil }
        let s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let frac = Int(ms - s * 1000)
        return CivilDateTime(epochSeconds: s, nanosecond: frac * 1_000_000).isoMillis
    }

    /// An ISO-8601 date string (`2026-11-14T00:30:00.000Z`, `...+01:00`, `...+0100`, or without a zone)
    /// converted to UTC `YYYY-MM-DD HH:MM:SS.fff`; nil when it is not such text.
    public static func isoText(dateString b: UnsafeBufferPointer<UInt8>) -> String? {
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
                let digits = b[(k + 1)..<count].filter(isDigit)
                guard digits.count == 4 || digits.count == 2 else { return nil }
                let h = Int(digits[0] - 48) * 10 + Int(digits[1] - 48)
                let m = digits.count == 4 ? Int(digits[2] - 48) * 10 + Int(digits[3] - 48) : 0
                guard h < 24, m < 60 else { return nil }
                offsetSeconds = (h * 3600 + m * 60) * (b[k] == UInt8(ascii: "-") ? -1 : 1)
                count = k
            }
        }
        guard let dt = CivilDateTime.parse(bytes: UnsafeBufferPointer(rebasing: b[0..<count])) else { return nil }
        let utc = dt.epochSeconds - Int64(offsetSeconds)
        let out = CivilDateTime(epochSeconds: utc, nanosecond: dt.nanosecond)
        guard out.year >= 1, out.year <= 9999 else { return nil }
        return out.isoMillis
    }
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

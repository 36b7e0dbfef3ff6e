// What a leaf column's values mean, from its physical and logical type, and how each becomes an SQL-ready
// value: integers, reals, text (strings, dates, times, timestamps as ISO-8601 text, wide decimals, UUIDs) or
// bytes. The SQL binding and the JSON of nested values both go through `value(_:_:)`.
import StrataCommon

public enum LeafKind: Equatable, Sendable {
    case boolean, int32, int64, uint32, uint64, float, double, float16
    case string, bytes, uuid
    /// Decimal with `scale`; REAL when `precision` ≤ 15 (exact to the digit), TEXT otherwise.
    case decimal(scale: Int, precision: Int)
    case date
    case time(TimeUnit)
    case timestamp(TimeUnit)
    /// Legacy INT96 (Impala, Spark): nanoseconds of the day and a Julian day.
    case int96Timestamp
    /// A type this reader cannot turn into a value: reading it is an error naming the type.
    case unsupported(String)

    public init(_ e: SchemaElement) {
        guard let t = e.type else { self = .unsupported("group"); return }
        switch (t, e.logical) {
        case (.boolean, _): self = .boolean
        case (.int32, .decimal(let s, let p)), (.int64, .decimal(let s, let p)),
             (.fixedLenByteArray, .decimal(let s, let p)), (.byteArray, .decimal(let s, let p)):
            self = .decimal(scale: s, precision: p)
        case (.int32, .date): self = .date
        case (.int32, .time(_, let u)), (.int64, .time(_, let u)): self = .time(u)
        case (.int64, .timestamp(_, let u)), (.int96, .timestamp(_, let u)): self = t == .int96 ? .int96Timestamp : .timestamp(u)
        case (.int32, .integer(_, false)): self = .uint32
        case (.int64, .integer(_, false)): self = .uint64
        case (.int32, _): self = .int32
        case (.int64, _): self = .int64
        case (.int96, _): self = .int96Timestamp
        case (.float, _): self = .float
        case (.double, _): self = .double
        case (.fixedLenByteArray, .float16): self = e.typeLength == 2 ? .float16 : .unsupported("FLOAT16 of \(e.typeLength) bytes")
        case (.fixedLenByteArray, .uuid): self = e.typeLength == 16 ? .uuid : .unsupported("UUID of \(e.typeLength) bytes")
        case (.byteArray, .string), (.byteArray, .json), (.byteArray, .enumeration),
             (.fixedLenByteArray, .string): self = .string
        case (_, .interval): self = .bytes
        case (.byteArray, _), (.fixedLenByteArray, _): self = .bytes
        }
        if case .decimal(let s, let p) = self, s < 0 || p < 1 || s > p || p > 76 {
            self = .unsupported("DECIMAL(\(p), \(s))")
        }
    }

    /// The declared SQL type of a column of this kind.
    public var sqlType: String {
        switch self {
        case .boolean, .int32, .int64, .uint32: return "INTEGER"
        case .uint64: return "INTEGER"
        case .float, .double, .float16: return "REAL"
        case .decimal(_, let p): return p <= 15 ? "REAL" : "TEXT"
        case .string, .uuid, .date, .time, .timestamp, .int96Timestamp: return "TEXT"
        case .bytes: return "BLOB"
        case .unsupported: return ""
        }
    }
}

/// One value ready for SQL (or JSON).
public enum LeafValue: Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension LeafKind {
    /// Value `i` (an index into the chunk's stored, non-null values) as an SQL-ready value.
    public func value(_ c: ColumnChunkData, _ i: Int) throws -> LeafValue {
        switch self {
        case .boolean: return .integer(Int64(c.bools[i]))
        case .int32: return .integer(Int64(c.int32s[i]))
        case .int64: return .integer(c.int64s[i])
        case .uint32: return .integer(Int64(UInt32(bitPattern: c.int32s[i])))
        case .uint64:
            let v = UInt64(bitPattern: c.int64s[i])
            return v <= UInt64(Int64.max) ? .integer(Int64(v)) : .text(String(v))
        case .float: return .real(Double(c.floats[i]))
        case .double: return .real(c.doubles[i])
        case .float16: return .real(c.withBytes(i) { Double(halfToFloat(UInt16($0[0]) | UInt16($0[1]) << 8)) })
        case .string: return .text(c.withBytes(i) { String(decoding: $0, as: UTF8.self) })
        case .bytes: return .blob(c.bytes(i))
        case .uuid: return .text(c.withBytes(i) { uuidText($0) })
        case .date: return .text(ISOText.date(days: Int64(c.int32s[i])))
        case .time(let u):
            let v = c.type == .int32 ? Int64(c.int32s[i]) : c.int64s[i]
            return .text(ISOText.time(v, unit: u))
        case .timestamp(let u): return .text(ISOText.timestamp(c.int64s[i], unit: u))
        case .int96Timestamp:
            return .text(c.withBytes(i) { b in
                var nanos: Int64 = 0
                for k in 0..<8 { nanos |= Int64(b[k]) << Int64(8 * k) }
                var julian: Int64 = 0
                for k in 0..<4 { julian |= Int64(b[8 + k]) << Int64(8 * k) }
                let days = julian - 2_440_588
                return ISOText.timestamp(days &* 86_400_000_000_000 &+ nanos, unit: .nanos)
            })
        case .decimal(let scale, let precision):
            switch c.type {
            case .int32: return Decimal.value(Int64(c.int32s[i]), scale: scale, precision: precision)
            case .int64: return Decimal.value(c.int64s[i], scale: scale, precision: precision)
            default: return c.withBytes(i) { Decimal.value(bigEndian: $0, scale: scale, precision: precision) }
            }
        case .unsupported(let what):
            throw ParquetError("values of type \(what) are not supported")
        }
    }
}

func halfToFloat(_ h: UInt16) -> Float {
    Float(Float16(bitPattern: h))
}

func uuidText(_ b: UnsafeRawBufferPointer) -> String {
    let hex = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(36)
    for k in 0..<b.count {
        if k == 4 || k == 6 || k == 8 || k == 10 { out.append(UInt8(ascii: "-")) }
        out.append(hex[Int(b[k] >> 4)])
        out.append(hex[Int(b[k] & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Decimal values: REAL up to 15 digits of precision, exact text beyond.
enum Decimal {
    static let powers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { a, _ in a * 10 } }

    static func value(_ unscaled: Int64, scale: Int, precision: Int) -> LeafValue {
        if precision <= 15 {
            let v = Double(unscaled)
            return .real(scale < powers.count ? v / powers[scale] : v / pow10(scale))
        }
        return .text(text(negative: unscaled < 0, magnitude: String(unscaled.magnitude), scale: scale))
    }

    static func pow10(_ k: Int) -> Double { (0..<k).reduce(1.0) { a, _ in a * 10 } }

    /// A big-endian two's-complement unscaled value.
    static func value(bigEndian b: UnsafeRawBufferPointer, scale: Int, precision: Int) -> LeafValue {
        guard !b.isEmpty else { return .null }
        let negative = b[0] & 0x80 != 0
        var mag = Array(b)
        if negative {
            // Two's complement → magnitude.
            for k in mag.indices { mag[k] = ~mag[k] }
            var k = mag.count - 1
            while k >= 0 {
                let (s, o) = mag[k].addingReportingOverflow(1)
                mag[k] = s
                if !o { break }
                k -= 1
            }
        }
        // Repeated division by 10 of the big-endian magnitude.
        var digits: [UInt8] = []
        var start = 0
        while start < mag.count, mag[start] == 0 { start += 1 }
        while start < mag.count {
            var rem = 0
            for k in start..<mag.count {
                let cur = rem << 8 | Int(mag[k])
                mag[k] = UInt8(cur / 10)
                rem = cur % 10
            }
            digits.append(UInt8(ascii: "0") + UInt8(rem))
            while start < mag.count, mag[start] == 0 { start += 1 }
        }
        if digits.isEmpty { digits = [UInt8(ascii: "0")] }
        let magnitude = String(decoding: digits.reversed(), as: UTF8.self)
        if precision <= 15, let v = Double(magnitude) {
            return .real((negative ? -v : v) / (scale < powers.count ? powers[scale] : pow10(scale)))
        }
        return .text(text(negative: negative, magnitude: magnitude, scale: scale))
    }

    static func text(negative: Bool, magnitude: String, scale: Int) -> String {
        var m = Array(magnitude.utf8)
        if scale > 0 {
            if m.count <= scale { m = Array(repeating: UInt8(ascii: "0"), count: scale - m.count + 1) + m }
            m.insert(UInt8(ascii: "."), at: m.count - scale)
        }
        return (negative && magnitude != "0" ? "-" : "") + String(decoding: m, as: UTF8.self)
    }
}

/// ISO-8601 text as the other readers give it: `YYYY-MM-DD`, `HH:MM:SS.fff…`, `YYYY-MM-DD HH:MM:SS.fff…`
/// with as many fraction digits as the unit has (3, 6 or 9). Timestamps are UTC (isAdjustedToUTC) or
/// wall-clock time (not adjusted) exactly as stored: no time zone is applied either way.
public enum ISOText {
    static func digits(_ u: TimeUnit) -> Int { u == .millis ? 3 : u == .micros ? 6 : 9 }
    static func perSecond(_ u: TimeUnit) -> Int64 { u == .millis ? 1_000 : u == .micros ? 1_000_000 : 1_000_000_000 }

    public static func date(days: Int64) -> String {
        let (y, m, d) = civilFromDays(days)
        var out: [UInt8] = []
        out.reserveCapacity(10)
        appendDate(y, m, d, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func timestamp(_ v: Int64, unit: TimeUnit) -> String {
        let per = perSecond(unit)
        var seconds = v / per
        var frac = v % per
        if frac < 0 { frac += per; seconds -= 1 }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rem = Int(seconds - days * 86_400)
        let (y, m, d) = civilFromDays(days)
        var out: [UInt8] = []
        out.reserveCapacity(30)
        appendDate(y, m, d, to: &out)
        out.append(UInt8(ascii: " "))
        appendClock(rem, frac: frac, digits: digits(unit), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func time(_ v: Int64, unit: TimeUnit) -> String {
        let per = perSecond(unit)
        var seconds = v / per
        var frac = v % per
        if frac < 0 { frac += per; seconds -= 1 }
        var out: [UInt8] = []
        out.reserveCapacity(18)
        let s = Int(((seconds % 86_400) + 86_400) % 86_400)
        appendClock(s, frac: frac, digits: digits(unit), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendNumber(_ v: Int, width: Int, to out: inout [UInt8]) {
        var buf: [UInt8] = []
        var x = v.magnitude
        repeat { buf.append(UInt8(ascii: "0") + UInt8(x % 10)); x /= 10 } while x > 0
        while buf.count < width { buf.append(UInt8(ascii: "0")) }
        if v < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: buf.reversed())
    }

    static func appendDate(_ y: Int, _ m: Int, _ d: Int, to out: inout [UInt8]) {
        appendNumber(y, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendNumber(m, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendNumber(d, width: 2, to: &out)
    }

    static func appendClock(_ s: Int, frac: Int64, digits: Int, to out: inout [UInt8]) {
        appendNumber(s / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendNumber(s % 3600 / 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendNumber(s % 60, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendNumber(Int(frac), width: digits, to: &out)
    }
}

// MARK: - Allocation-free ISO text (the per-row path of date, time and timestamp columns)

/// The date text ("YYYY-MM-DD ") of the last day a timestamp column wrote (`ISOText.write(timestamp:…day:)`).
public struct DayPrefix {
    var day = Int64.min
    var length = 0
    var text: (UInt64, UInt64, UInt64) = (0, 0, 0)

    public init() {}
}

extension ISOText {
    /// Bytes `write` may produce at most.
    public static let maxLength = 40

    @inline(__always)
    static func put(_ v: Int, width: Int, _ out: UnsafeMutablePointer<UInt8>, _ n: inout Int) {
        var x = v
        var k = width - 1
        while k >= 0 {
            out[n + k] = UInt8(truncatingIfNeeded: 48 + x % 10)
            x /= 10
            k -= 1
        }
        n += width
    }

    @inline(__always)
    static func putYear(_ y: Int, _ out: UnsafeMutablePointer<UInt8>, _ n: inout Int) {
        if y >= 0 && y <= 9999 { return put(y, width: 4, out, &n) }
        // Outside four digits: the general path's text (sign and all digits).
        var s: [UInt8] = []
        appendNumber(y, width: 4, to: &s)
        for b in s { out[n] = b; n += 1 }
    }

    /// Writes a timestamp's text (as `timestamp(_:unit:)` gives it) into `out`, which has `maxLength` bytes.
    public static func write(timestamp v: Int64, unit: TimeUnit, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var none = DayPrefix()
        return write(timestamp: v, unit: unit, into: out, day: &none)
    }

    /// The same, reusing the date text of the previous call while timestamps stay on one day (a column's
    /// rows usually do: the calendar arithmetic is then done once a day, not once a row).
    public static func write(timestamp v: Int64, unit: TimeUnit, into out: UnsafeMutablePointer<UInt8>, day cache: inout DayPrefix) -> Int {
        let per = perSecond(unit)
        var seconds = v / per
        var frac = v % per
        if frac < 0 { frac += per; seconds -= 1 }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rem = Int(seconds - days * 86_400)
        var n = 0
        if days == cache.day {
            n = cache.length
            withUnsafeBytes(of: &cache.text) { t in
                if let b = t.baseAddress { out.update(from: b.assumingMemoryBound(to: UInt8.self), count: n) }
            }
        } else {
            let (y, m, d) = civilFromDays(days)
            putYear(y, out, &n)
            out[n] = 45; n += 1
            put(m, width: 2, out, &n)
            out[n] = 45; n += 1
            put(d, width: 2, out, &n)
            out[n] = 32; n += 1
            if n <= MemoryLayout.size(ofValue: cache.text) {
                cache.day = days
                cache.length = n
                withUnsafeMutableBytes(of: &cache.text) { t in t.copyMemory(from: UnsafeRawBufferPointer(start: out, count: n)) }
            }
        }
        writeClock(rem, frac: frac, digits: digits(unit), out, &n)
        return n
    }

    public static func write(date days: Int64, into out: UnsafeMutablePointer<UInt8>) -> Int {
        let (y, m, d) = civilFromDays(days)
        var n = 0
        putYear(y, out, &n)
        out[n] = 45; n += 1
        put(m, width: 2, out, &n)
        out[n] = 45; n += 1
        put(d, width: 2, out, &n)
        return n
    }

    @inline(__always)
    static func writeClock(_ s: Int, frac: Int64, digits: Int, _ out: UnsafeMutablePointer<UInt8>, _ n: inout Int) {
        put(s / 3600, width: 2, out, &n)
        out[n] = 58; n += 1
        put(s % 3600 / 60, width: 2, out, &n)
        out[n] = 58; n += 1
        put(s % 60, width: 2, out, &n)
        out[n] = 46; n += 1
        put(Int(frac), width: digits, out, &n)
    }
}

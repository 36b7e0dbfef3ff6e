// Typed, borrowed views of the `sqlite3_value`s SQLite hands to functions and virtual tables, and an owned
// `SQLValue` for binding and returning. Borrowed views are valid only during the call that received them.
import CSQLite

/// SQLite's fundamental datatypes.
public enum SQLType: Int32, Sendable {
    case integer = 1, real = 2, text = 3, blob = 4, null = 5

    /// As SQL's typeof() says it.
    public var name: String {
        switch self {
        case .integer: return "integer"
        case .real: return "real"
        case .text: return "text"
        case .blob: return "blob"
        case .null: return "null"
        }
    }
}

/// One borrowed argument value (`sqlite3_value *`).
public struct SQLArgument {
    public let raw: OpaquePointer

    public init(raw: OpaquePointer) { self.raw = raw }

    public var type: SQLType { SQLType(rawValue: strata_value_type(raw)) ?? .null }
    public var isNull: Bool { type == .null }
    /// The value as a 64-bit integer, with SQLite's conversions (text "12" → 12, real 1.9 → 1).
    public var int64: Int64 { strata_value_int64(raw) }
    public var double: Double { strata_value_double(raw) }

    /// The value as UTF-8 text, with SQLite's conversions. Invalid UTF-8 is repaired, not trapped on.
    public var text: String {
        withTextBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The text bytes without a copy (no trailing NUL). Valid inside `body` only.
    public func withTextBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let p = strata_value_text(raw)
        let n = Int(strata_value_bytes(raw))
        return try body(UnsafeBufferPointer(start: p, count: p == nil ? 0 : n))
    }

    /// The blob bytes without a copy. Valid inside `body` only. Text values give their UTF-8 bytes.
    public func withBlobBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let p = strata_value_blob(raw)
        let n = Int(strata_value_bytes(raw))
        return try body(UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : n))
    }

    public var blob: [UInt8] { withBlobBytes { Array($0) } }

    /// The value copied out as an owned `SQLValue`.
    public var value: SQLValue {
        switch type {
        case .null: return .null
        case .integer: return .integer(int64)
        case .real: return .real(double)
        case .text: return .text(text)
        case .blob: return .blob(blob)
        }
    }
}

/// The arguments of one call (`argc`, `argv`).
public struct SQLArguments: RandomAccessCollection {
    public let count: Int
    private let argv: UnsafeMutablePointer<OpaquePointer?>?

    public init(count: Int32, argv: UnsafeMutablePointer<OpaquePointer?>?) {
        self.count = argv == nil ? 0 : Swift.max(0, Int(count))
        self.argv = argv
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    /// The argument at `index`. Callers index within `0..<count`; the kit checks argument counts before calling.
    public subscript(index: Int) -> SQLArgument {
        // SQLite never passes a NULL pointer inside argv; fall back to argv[0]'s slot shape defensively.
        SQLArgument(raw: argv.unsafelyUnwrapped[index].unsafelyUnwrapped)
    }

    /// The argument at `index`, or nil when fewer were given.
    public func optional(_ index: Int) -> SQLArgument? {
        index >= 0 && index < count ? self[index] : nil
    }
}

/// An owned SQL value.
public enum SQLValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .blob(let v): return "x'" + v.map { String($0, radix: 16).leftPadded(to: 2) }.joined() + "'"
        }
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

// A reader of Thrift's compact protocol, the encoding of Parquet's footer (FileMetaData) and page headers.
// Only what Parquet uses: structs of fields (ids by delta or explicit), integers as zigzag varints, doubles,
// binaries, lists, maps (skipped), booleans in the field header. Every read is bounds-checked; nesting is
// limited so a hostile footer cannot exhaust the stack.

import StrataCommon

/// Compact-protocol type codes.
enum ThriftType: UInt8 {
    case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
    case binary = 8, list = 9, set = 10, map = 11, structure = 12
}

struct ThriftReader {
    let base: UnsafePointer<UInt8>
    let end: Int
    var position: Int
    /// Nesting of structs and containers entered, refused past `maxDepth`.
    var depth = 0
    static let maxDepth = 64
    /// Bytes the lists read so far take decoded. An element can be one byte (an empty struct) yet decode to a
    /// hundred, so a 200 MB footer of empty schema elements would take ~18 GB: checked against the memory budget.
    var listBytes = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>, position: Int = 0) {
        // An empty buffer still needs a pointer; reads are refused by the bounds checks.
        base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
        end = buffer.count
        self.position = position
    }

    var remaining: Int { end - position }

    mutating func byte() throws -> UInt8 {
        guard position < end else { throw DecodeError("thrift data ends early") }
        let b = base[position]
        position += 1
        return b
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw DecodeError("thrift varint too long") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func zigzag() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func i32() throws -> Int32 {
        let v = try zigzag()
        guard let r = Int32(exactly: v) else { throw DecodeError("thrift i32 out of range") }
        return r
    }

    mutating func double() throws -> Double {
        guard remaining >= 8 else { throw DecodeError("thrift data ends early") }
        var bits: UInt64 = 0
        for k in 0..<8 { bits |= UInt64(base[position + k]) << (8 * UInt64(k)) }
        position += 8
        return Double(bitPattern: bits)
    }

    mutating func binary() throws -> [UInt8] {
        let n = try varint()
        guard n <= UInt64(remaining) else { throw DecodeError("thrift binary of \(n) bytes runs past the end") }
        let out = Array(UnsafeBufferPointer(start: base + position, count: Int(n)))
        position += Int(n)
        return out
    }

    mutating func string() throws -> String { String(decoding: try binary(), as: UTF8.self) }

    /// A list or set header: element type and count. The count is checked against the bytes left (each
    /// element takes at least one byte, booleans included), so no huge allocation follows a lying header.
    mutating func listHeader() throws -> (ThriftType, Int) {
        let h = try byte()
        var n = UInt64(h >> 4)
        if n == 15 { n = try varint() }
        guard let t = ThriftType(rawValue: h & 0x0F) else { throw DecodeError("thrift list of unknown type \(h & 0x0F)") }
        guard n <= UInt64(remaining) else { throw DecodeError("thrift list of \(n) elements runs past the end") }
        return (t, Int(n))
    }

    /// Reads the fields of a struct, calling `field(id, type)` for each; `field` must consume the value
    /// (or call `skip`). Booleans come as `.boolTrue`/`.boolFalse` with nothing more to read.
    mutating func readStruct(_ field: (inout ThriftReader, Int16, ThriftType) throws -> Void) throws {
        depth += 1
        guard depth <= ThriftReader.maxDepth else { throw DecodeError("thrift structs nested too deeply") }
        var last: Int16 = 0
        while true {
            let h = try byte()
            if h == 0 { break }
            guard let t = ThriftType(rawValue: h & 0x0F) else { throw DecodeError("thrift field of unknown type \(h & 0x0F)") }
            let delta = Int16(h >> 4)
            let id: Int16
            if delta != 0 {
                id = last &+ delta
            } else {
                let v = try zigzag()
                guard let i = Int16(exactly: v) else { throw DecodeError("thrift field id out of range") }
                id = i
            }
            last = id
            try field(&self, id, t)
        }
        depth -= 1
    }

    /// Skips one value of type `t`.
    mutating func skip(_ t: ThriftType) throws {
        switch t {
        case .stop: throw DecodeError("thrift stop where a value was expected")
        case .boolTrue, .boolFalse: return
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double: _ = try double()
        case .binary:
            let n = try varint()
            guard n <= UInt64(remaining) else { throw DecodeError("thrift binary runs past the end") }
            position += Int(n)
        case .list, .set:
            let (et, n) = try listHeader()
            depth += 1
            guard depth <= ThriftReader.maxDepth else { throw DecodeError("thrift lists nested too deeply") }
            for _ in 0..<n {
                if et == .boolTrue || et == .boolFalse { _ = try byte() } else { try skip(et) }
            }
            depth -= 1
        case .map:
            let n = try varint()
            guard n <= UInt64(remaining) else { throw DecodeError("thrift map runs past the end") }
            if n == 0 { return }
            let kv = try byte()
            guard let kt = ThriftType(rawValue: kv >> 4), let vt = ThriftType(rawValue: kv & 0x0F) else {
                throw DecodeError("thrift map of unknown types")
            }
            depth += 1
            guard depth <= ThriftReader.maxDepth else { throw DecodeError("thrift maps nested too deeply") }
            for _ in 0..<n {
                if kt == .boolTrue || kt == .boolFalse { _ = try byte() } else { try skip(kt) }
                if vt == .boolTrue || vt == .boolFalse { _ = try byte() } else { try skip(vt) }
            }
            depth -= 1
        case .structure:
            try readStruct { r, _, ft in try r.skip(ft) }
        }
    }

    /// A value expected to be an integer field (i8/i16/i32/i64 all travel as varints, bytes as one byte).
    mutating func int(_ t: ThriftType) throws -> Int64 {
        switch t {
        case .byte: return Int64(Int8(bitPattern: try byte()))
        case .i16, .i32, .i64: return try zigzag()
        default:
            try skip(t)
            throw DecodeError("thrift field has type \(t) where an integer was expected")
        }
    }

    mutating func bool(_ t: ThriftType) throws -> Bool {
        switch t {
        case .boolTrue: return true
        case .boolFalse: return false
        default: throw DecodeError("thrift field has type \(t) where a boolean was expected")
        }
    }

    /// A list whose elements are read by `element`.
    mutating func list<T>(_ t: ThriftType, _ element: (inout ThriftReader, ThriftType) throws -> T) throws -> [T] {
        guard t == .list || t == .set else { throw DecodeError("thrift field has type \(t) where a list was expected") }
        let (et, n) = try listHeader()
        listBytes &+= n &* MemoryLayout<T>.stride  // n ≤ the footer's bytes (≤ 256 MiB): no overflow
        do { try MemoryBudget.check(listBytes, for: "the footer's metadata") } catch { throw DecodeError(error.message) }
        var out: [T] = []
        out.reserveCapacity(n)
        depth += 1
        guard depth <= ThriftReader.maxDepth else { throw DecodeError("thrift lists nested too deeply") }
        for _ in 0..<n { out.append(try element(&self, et)) }
        depth -= 1
        return out
    }
}

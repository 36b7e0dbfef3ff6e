// The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0): magic, version, and the Python dict
// literal `{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 384), }`. Plain numeric dtypes and
// fixed-width strings (`<U8` UTF-32, `|S8` bytes — how `np.savez(ids=np.array(["doc_1", …]))` stores ids) are
// accepted; object arrays (which `np.load` would unpickle), structured, complex and datetime dtypes are
// refused with the reason. The header is parsed as text, never evaluated.

public enum NpyElementType: String, Sendable {
    case float16, float32, float64
    case int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool
    /// `U<n>`: n UTF-32 code units per element, padded with NULs. `S<n>`: n bytes, padded with NULs.
    case unicode, bytes

    public var isFloat: Bool { self == .float16 || self == .float32 || self == .float64 }
    public var isString: Bool { self == .unicode || self == .bytes }
    public var isSignedInteger: Bool { [.int8, .int16, .int32, .int64].contains(self) }
}

public struct NpyDType: Equatable, Sendable {
    public var type: NpyElementType
    public var itemSize: Int
    public var bigEndian: Bool
    /// As written in the header, e.g. `<f4`.
    public var descr: String

    /// Parses a simple dtype string (`<f4`, `>i8`, `|u1`, `|b1`, `=f8`).
    public init(descr: String) throws {
        self.descr = descr
        let u = Array(descr.utf8)
        guard u.count >= 2 else { throw FilesError("unsupported dtype '\(descr)'") }
        var k = 0
        var big = false
        switch u[0] {
        case UInt8(ascii: "<"), UInt8(ascii: "="), UInt8(ascii: "|"): k = 1
        case UInt8(ascii: ">"): big = true; k = 1
        default: break
        }
        guard k < u.count else { throw FilesError("unsupported dtype '\(descr)'") }
        let kind = u[k]
        let sizeText = String(decoding: u[(k + 1)...], as: UTF8.self)
        switch kind {
        case UInt8(ascii: "O"):
            throw FilesError("object arrays are not supported (dtype '\(descr)'; Strata never unpickles; "
                             + "save strings with a fixed-width dtype: np.array(ids, dtype=str))")
        case UInt8(ascii: "V"):
            throw FilesError("structured or void dtypes are not supported (dtype '\(descr)')")
        case UInt8(ascii: "U"), UInt8(ascii: "S"), UInt8(ascii: "a"):
            // A width of 0 (`<U0`) has no bytes per element: nothing to read, and a divisor of zero later.
            guard let n = Int(sizeText), n >= 1, n <= 1 << 24 else { throw FilesError("unsupported dtype '\(descr)'") }
            type = kind == UInt8(ascii: "U") ? .unicode : .bytes
            itemSize = kind == UInt8(ascii: "U") ? n &* 4 : n
            bigEndian = big && kind == UInt8(ascii: "U")
            return
        case UInt8(ascii: "c"):
            throw FilesError("complex dtypes are not supported (dtype '\(descr)')")
        case UInt8(ascii: "M"), UInt8(ascii: "m"):
            throw FilesError("datetime dtypes are not supported (dtype '\(descr)')")
        default: break
        }
        guard let size = Int(sizeText) else { throw FilesError("unsupported dtype '\(descr)'") }
        let t: NpyElementType?
        switch (kind, size) {
        case (UInt8(ascii: "f"), 2): t = .float16
        case (UInt8(ascii: "f"), 4): t = .float32
        case (UInt8(ascii: "f"), 8): t = .float64
        case (UInt8(ascii: "i"), 1): t = .int8
        case (UInt8(ascii: "i"), 2): t = .int16
        case (UInt8(ascii: "i"), 4): t = .int32
        case (UInt8(ascii: "i"), 8): t = .int64
        case (UInt8(ascii: "u"), 1): t = .uint8
        case (UInt8(ascii: "u"), 2): t = .uint16
        case (UInt8(ascii: "u"), 4): t = .uint32
        case (UInt8(ascii: "u"), 8): t = .uint64
        case (UInt8(ascii: "b"), 1): t = .bool
        default: t = nil
        }
        guard let t else { throw FilesError("unsupported dtype '\(descr)'") }
        type = t
        itemSize = size
        bigEndian = big && size > 1
    }
}

public struct NpyHeader: Equatable, Sendable {
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    /// Longer headers are refused (NumPy itself limits them to 10 kB when loading by default).
    public static let maxHeaderLength = 1 << 20

    public var major: Int
    public var minor: Int
    public var dtype: NpyDType
    public var fortranOrder: Bool
    public var shape: [Int]
    /// Byte offset of the data from the start of the `.npy` bytes.
    public var dataOffset: Int
    /// Number of elements (product of the shape) and of data bytes.
    public var elementCount: Int
    public var dataByteCount: Int

    /// Bytes needed to know the header length.
    public static let prefixLength = 12

    /// Parses the header from the first bytes of a `.npy` (at least `headerLength(prefix)` of them).
    /// Throws `FilesError` naming what is wrong.
    public static func parse(_ b: UnsafeRawBufferPointer) throws -> NpyHeader {
        let (major, minor, offset) = try headerLength(b)
        guard b.count >= offset else { throw FilesError("bad header: truncated (the file ends inside the header)") }
        let textBytes = UnsafeRawBufferPointer(rebasing: b[(major == 1 ? 10 : 12)..<offset])
        let text = String(decoding: textBytes, as: UTF8.self)
        var p = DictParser(Array(textBytes))
        let dict: [String: PyValue]
        do { dict = try p.parseDict() } catch let e as FilesError {
            throw FilesError("bad header: \(e.message) in \(text.trimmingWhitespace())")
        }
        guard let descrValue = dict["descr"] else { throw FilesError("bad header: no 'descr'") }
        guard case .string(let descr) = descrValue else {
            if case .list = descrValue { throw FilesError("structured dtypes are not supported") }
            throw FilesError("bad header: 'descr' is not a string")
        }
        let dtype = try NpyDType(descr: descr)
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw FilesError("bad header: 'fortran_order' is missing or not True/False")
        }
        guard case .tuple(let dims)? = dict["shape"] else { throw FilesError("bad header: 'shape' is missing or not a tuple") }
        guard dims.count <= 32 else { throw FilesError("bad header: more than 32 dimensions") }
        var count = 1
        for d in dims {
            guard d >= 0 else { throw FilesError("bad header: negative dimension in shape") }
            let (m, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { throw FilesError("bad header: shape is too large") }
            count = m
        }
        let (bytes, o) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard !o else { throw FilesError("bad header: shape is too large") }
        return NpyHeader(major: major, minor: minor, dtype: dtype, fortranOrder: fortran, shape: dims,
                         dataOffset: offset, elementCount: count, dataByteCount: bytes)
    }

    /// Version and the data offset, from the first `prefixLength` bytes.
    public static func headerLength(_ b: UnsafeRawBufferPointer) throws -> (major: Int, minor: Int, dataOffset: Int) {
        guard b.count >= 10 else {
            if b.count >= 6, !b[0..<6].elementsEqual(magic) { throw FilesError("not a .npy file (bad magic)") }
            throw FilesError("not a .npy file (too short)")
        }
        guard b[0..<6].elementsEqual(magic) else { throw FilesError("not a .npy file (bad magic)") }
        let major = Int(b[6]), minor = Int(b[7])
        switch major {
        case 1:
            let len = Int(b[8]) | Int(b[9]) << 8
            return (major, minor, 10 + len)
        case 2, 3:
            guard b.count >= 12 else { throw FilesError("bad header: truncated") }
            let len = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            guard len <= maxHeaderLength else { throw FilesError("bad header: header length \(len) is too large") }
            return (major, minor, 12 + len)
        default:
            throw FilesError("unsupported .npy format version \(major).\(minor)")
        }
    }

    /// `(1000, 384) float32` for messages.
    public var shapeText: String {
        "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    }
}

/// The few Python literals a header holds.
enum PyValue: Equatable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case tuple([Int])
    case list
    case none
}

/// A parser for the header's dict literal: string keys; string, True/False/None, integer, tuple-of-integers
/// values; a list (structured dtype) is recognised and skipped so it can be reported.
struct DictParser {
    let b: [UInt8]
    var i = 0
    init(_ b: [UInt8]) { self.b = b }

    mutating func space() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x09 || b[i] == 0x0D { i += 1 } }

    mutating func expect(_ c: Character) throws {
        space()
        guard i < b.count, b[i] == c.asciiValue else { throw FilesError("expected '\(c)'") }
        i += 1
    }

    mutating func parseDict() throws -> [String: PyValue] {
        try expect("{")
        var out: [String: PyValue] = [:]
        while true {
            space()
            guard i < b.count else { throw FilesError("unterminated dict") }
            if b[i] == UInt8(ascii: "}") { i += 1; break }
            let key = try string()
            try expect(":")
            out[key] = try value(depth: 0)
            space()
            guard i < b.count else { throw FilesError("unterminated dict") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; break }
            throw FilesError("expected ',' or '}'")
        }
        return out
    }

    mutating func string() throws -> String {
        space()
        guard i < b.count, b[i] == 0x27 || b[i] == 0x22 else { throw FilesError("expected a quoted string") }
        let q = b[i]
        i += 1
        let s = i
        while i < b.count, b[i] != q {
            if b[i] == 0x5C { i += 1 }
            i += 1
        }
        guard i < b.count else { throw FilesError("unterminated string") }
        let text = String(decoding: b[s..<i], as: UTF8.self)
        i += 1
        return text
    }

    mutating func integer() throws -> Int {
        space()
        var neg = false
        if i < b.count, b[i] == UInt8(ascii: "-") { neg = true; i += 1 }
        let s = i
        var v = 0
        while i < b.count, isDigit(b[i]) {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(b[i] - 0x30))
            guard !o1, !o2 else { throw FilesError("integer too large") }
            v = a
            i += 1
        }
        guard i > s else { throw FilesError("expected an integer") }
        if i < b.count, b[i] == UInt8(ascii: "L") { i += 1 }  // Python 2 long
        return neg ? -v : v
    }

    mutating func value(depth: Int) throws -> PyValue {
        guard depth < 16 else { throw FilesError("nesting too deep") }
        space()
        guard i < b.count else { throw FilesError("expected a value") }
        switch b[i] {
        case 0x27, 0x22: return .string(try string())
        case UInt8(ascii: "("):
            i += 1
            var dims: [Int] = []
            while true {
                space()
                guard i < b.count else { throw FilesError("unterminated tuple") }
                if b[i] == UInt8(ascii: ")") { i += 1; break }
                dims.append(try integer())
                space()
                guard i < b.count else { throw FilesError("unterminated tuple") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: ")") { i += 1; break }
                throw FilesError("expected ',' or ')' in the shape")
            }
            return .tuple(dims)
        case UInt8(ascii: "["):
            // A structured dtype's field list: skip it, bracket-balanced.
            var level = 0
            while i < b.count {
                if b[i] == 0x27 || b[i] == 0x22 { _ = try string(); continue }
                if b[i] == UInt8(ascii: "[") || b[i] == UInt8(ascii: "(") { level += 1 }
                if b[i] == UInt8(ascii: "]") || b[i] == UInt8(ascii: ")") { level -= 1 }
                i += 1
                if level == 0 { return .list }
            }
            throw FilesError("unterminated list")
        case UInt8(ascii: "T"): try word("True"); return .bool(true)
        case UInt8(ascii: "F"): try word("False"); return .bool(false)
        case UInt8(ascii: "N"): try word("None"); return .none
        default: return .int(try integer())
        }
    }

    mutating func word(_ w: String) throws {
        let u = Array(w.utf8)
        guard i + u.count <= b.count, b[i..<(i + u.count)].elementsEqual(u) else { throw FilesError("expected \(w)") }
        i += u.count
    }
}

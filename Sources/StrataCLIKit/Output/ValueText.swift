// How one SQL value becomes text in each kind of output: SQLite's own number format for people (`%!.15g`),
// exact round-trip numbers for JSON, a short preview for vectors (float32 BLOBs) instead of binary noise, and
// the escaping each format needs. Pure functions, shared by every renderer.
import Glibc
import SQLiteKit
import StrataCommon

public enum ValueText {
    /// SQLite's `%!.15g`: 15 significant digits, and a `.0` on integral values so reals stay recognisable.
    /// Built from Swift's shortest round-trip digits (no varargs printf per value: a million-row export
    /// would spend most of its time there); only a 16th/17th digit pair on a rounding boundary asks printf.
    public static func real(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "Inf" }
        if d == 0 { return "0.0" }  // SQLite prints -0.0 as 0.0 too
        // Subnormals carry fewer than 15 digits of precision: their shortest form is not their %.15g.
        if abs(d) < Double.leastNormalMagnitude { return printfReal(d) }
        guard var (digits, exponent) = decimalDigits(abs(d)) else { return printfReal(d) }
        if digits.count > 15 {
            let tail = Int(digits[15]) * 10 + (digits.count > 16 ? Int(digits[16]) : 0)
            if (49...51).contains(tail) { return printfReal(d) }  // too close to call from the shortest form
            var head = Array(digits[0..<15])
            if tail >= 50 {
                var i = 14
                while i >= 0 {
                    if head[i] == 9 { head[i] = 0; i -= 1 } else { head[i] += 1; break }
                }
                if i < 0 { head.insert(1, at: 0); head.removeLast(); exponent += 1 }
            }
            digits = head
        }
        while digits.count > 1, digits.last == 0 { digits.removeLast() }
        var out = d < 0 ? "-" : ""
        let zero = UInt8(ascii: "0")
        func text(_ ds: ArraySlice<UInt8>) -> String { String(decoding: ds.map { $0 + zero }, as: UTF8.self) }
        if exponent < -4 || exponent >= 15 {
            out += text(digits[0..<1]) + "." + (digits.count > 1 ? text(digits[1...]) : "0")
            let e = abs(exponent)
            out += (exponent < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)
        } else if exponent >= 0 {
            let intCount = exponent + 1
            if digits.count <= intCount {
                out += text(digits[...]) + String(repeating: "0", count: intCount - digits.count) + ".0"
            } else {
                out += text(digits[0..<intCount]) + "." + text(digits[intCount...])
            }
        } else {
            out += "0." + String(repeating: "0", count: -exponent - 1) + text(digits[...])
        }
        return out
    }

    /// The significant decimal digits of a positive finite double's shortest round-trip form, and the
    /// power of ten of the first digit.
    static func decimalDigits(_ d: Double) -> (digits: [UInt8], exponent: Int)? {
        let s = Array(d.description.utf8)
        var digits: [UInt8] = []
        var pointAt: Int?
        var i = 0
        while i < s.count, s[i] != UInt8(ascii: "e") {
            let c = s[i]
            if c == UInt8(ascii: ".") { pointAt = digits.count } else if c >= 48 && c <= 57 { digits.append(c - 48) } else { return nil }
            i += 1
        }
        var exp10 = 0
        if i < s.count {
            var j = i + 1
            var negative = false
            if j < s.count, s[j] == UInt8(ascii: "-") || s[j] == UInt8(ascii: "+") { negative = s[j] == UInt8(ascii: "-"); j += 1 }
            var e = 0
            while j < s.count { guard s[j] >= 48 && s[j] <= 57, e < 10_000 else { return nil }; e = e * 10 + Int(s[j] - 48); j += 1 }
            exp10 = negative ? -e : e
        }
        var point = pointAt ?? digits.count
        while let f = digits.first, f == 0, digits.count > 1 { digits.removeFirst(); point -= 1 }
        while digits.count > 1, digits.last == 0 { digits.removeLast() }
        guard !digits.isEmpty, digits.first != 0 else { return nil }
        return (digits, point - 1 + exp10)
    }

    /// printf's own `%.15g` (the slow path), with SQLite's `.0`.
    static func printfReal(_ d: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 40)
        let n = withVaList([d]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%.15g", args) }
        }
        guard n > 0 else { return d.description }
        var s = String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if !s.contains(".") {
            if let e = s.firstIndex(of: "e") { s.insert(contentsOf: ".0", at: e) } else { s += ".0" }
        }
        return s
    }

    /// The value as a person reads it in a table: numbers as SQLite prints them, vectors previewed.
    public static func display(_ v: SQLValue, null: String = "") -> String {
        switch v {
        case .null: return null
        case .integer(let i): return String(i)
        case .real(let d): return real(d)
        case .text(let s): return s
        case .blob(let b): return blobPreview(b)
        }
    }

    /// The value as data for csv/tsv: full precision for vectors (a JSON array), hex for other BLOBs.
    public static func data(_ v: SQLValue, null: String = "") -> String {
        switch v {
        case .blob(let b):
            if let floats = vector(b) { return jsonArray(floats) }
            return hex(b)
        default: return display(v, null: null)
        }
    }

    /// The value as a JSON value: numbers exact, vectors as arrays, other BLOBs as hex strings.
    public static func json(_ v: SQLValue) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? d.description : "null"
        case .text(let s): return jsonString(s)
        case .blob(let b):
            if let floats = vector(b) { return jsonArray(floats) }
            return jsonString(hex(b))
        }
    }

    public static func isNumeric(_ v: SQLValue) -> Bool {
        switch v {
        case .integer, .real: return true
        default: return false
        }
    }

    public static func number(_ v: SQLValue) -> Double? {
        switch v {
        case .integer(let i): return Double(i)
        case .real(let d): return d.isFinite ? d : nil
        default: return nil
        }
    }

    // MARK: vectors and BLOBs

    /// The floats of a BLOB that looks like a float32 vector: a whole number of 4-byte values, all finite and
    /// of moderate size (random bytes rarely decode that way throughout). Nil for any other BLOB.
    public static func vector(_ b: [UInt8]) -> [Float]? {
        guard !b.isEmpty, b.count % 4 == 0 else { return nil }
        let n = b.count / 4
        var floats: [Float] = []
        floats.reserveCapacity(n)
        var ok = true
        b.withUnsafeBytes { raw in
            for i in 0..<n {
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                let f = Float(bitPattern: bits)
                if !f.isFinite || (f != 0 && (abs(f) < 1e-30 || abs(f) > 1e30)) { ok = false; return }
                floats.append(f)
            }
        }
        return ok ? floats : nil
    }

    /// `[0.1234, -0.03, 0.5, … 384 dims]` for vectors; `x'0102…' (n bytes)` for other BLOBs.
    public static func blobPreview(_ b: [UInt8]) -> String {
        if let floats = vector(b) {
            let n = floats.count
            let shown = floats.prefix(n <= 4 ? 4 : 3).map { short($0) }
            return "[" + shown.joined(separator: ", ") + (n > 4 ? ", … \(n) dims]" : "]")
        }
        let head = hexDigits(b.prefix(16))
        return "x'" + head + (b.count > 16 ? "…' (\(b.count) bytes)" : "'")
    }

    /// Four significant digits: enough to recognise a vector at a glance.
    static func short(_ f: Float) -> String {
        if f == 0 { return "0" }
        var buffer = [CChar](repeating: 0, count: 32)
        let n = withVaList([Double(f)]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%.4g", args) }
        }
        guard n > 0 else { return f.description }
        return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func jsonArray(_ floats: [Float]) -> String {
        "[" + floats.map { $0.description }.joined(separator: ",") + "]"
    }

    public static func hex(_ b: [UInt8]) -> String { "x'" + hexDigits(b[...]) + "'" }

    static func hexDigits(_ b: ArraySlice<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count * 2)
        for byte in b {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: escaping

    /// RFC 4180: quote fields holding the separator, quotes or line breaks.
    public static func csvField(_ s: String, separator: Character = ",") -> String {
        let sep = separator.asciiValue ?? UInt8(ascii: ",")
        guard s.utf8.contains(where: { $0 == sep || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        var out = "\""
        for c in s { if c == "\"" { out += "\"\"" } else { out.append(c) } }
        return out + "\""
    }

    /// TSV (as PostgreSQL's text format): tab, newline, carriage return and backslash escaped.
    public static func tsvField(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x5C }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A JSON string literal. JSON itself escapes only C0 controls; DEL and the C1 controls (U+009B is CSI to
    /// some terminals) are written as `\u00XX` too: the same string to every JSON reader, and nothing a
    /// terminal acts on.
    public static func jsonString(_ s: String) -> String {
        let literal = jsonStringLiteral(s)
        // U+0080–U+009F are 0xC2 0x80–0x9F in UTF-8.
        guard literal.utf8.contains(where: { $0 == 0x7F || $0 == 0xC2 }) else { return literal }
        var out = String.UnicodeScalarView()
        let digits = Array("0123456789abcdef".unicodeScalars)
        for u in literal.unicodeScalars {
            if (0x7F...0x9F).contains(u.value) {
                out.append(contentsOf: "\\u00".unicodeScalars)
                out.append(digits[Int(u.value >> 4)])
                out.append(digits[Int(u.value & 0xF)])
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    public static func html(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A Markdown table cell: pipes escaped, line breaks as <br>.
    public static func markdownCell(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "|": out += "\\|"
            case "\n", "\r\n": out += "<br>"
            case "\r": break
            case "\t": out += " "
            default: out.append(c)
            }
        }
        return out
    }
}

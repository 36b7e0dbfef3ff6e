// Small JSON text helpers shared by the readers: decoding a string literal, writing one (the serializer of
// the CSV `row` objects), and reading a number literal as an integer or a double.

/// The decoded contents of a JSON string literal `"..."` (quotes included in `literal`). Lone surrogates
/// become U+FFFD; the literal is assumed to have passed `JSONScanner`.
public func decodeJSONString(_ literal: UnsafeBufferPointer<UInt8>) -> String {
    guard literal.count >= 2 else { return "" }
    let body = UnsafeBufferPointer(rebasing: literal[1..<(literal.count - 1)])
    return decodeJSONStringBody(body)
}

/// Decodes the bytes between the quotes of a JSON string.
public func decodeJSONStringBody(_ body: UnsafeBufferPointer<UInt8>) -> String {
    guard body.contains(0x5C) else { return String(decoding: body, as: UTF8.self) }
    var out: [UInt8] = []
    out.reserveCapacity(body.count)
    var k = 0
    let n = body.count
    func hex4(_ at: Int) -> UInt32? {
        guard at + 4 <= n else { return nil }
        var v: UInt32 = 0
        for j in at..<(at + 4) {
            guard let h = hexValue(body[j]) else { return nil }
            v = v << 4 | UInt32(h)
        }
        return v
    }
    func append(scalar: UInt32) {
        let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        out.append(contentsOf: String(Character(s)).utf8)
    }
    while k < n {
        let c = body[k]
        guard c == 0x5C, k + 1 < n else { out.append(c); k += 1; continue }
        let e = body[k + 1]
        k += 2
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            guard let u = hex4(k) else { out.append(contentsOf: "\u{FFFD}".utf8); continue }
            k += 4
            if u >= 0xD800, u < 0xDC00 {
                // A high surrogate: expect \uDC00-\uDFFF next.
                if k + 6 <= n, body[k] == 0x5C, body[k + 1] == UInt8(ascii: "u"), let lo = hex4(k + 2),
                   lo >= 0xDC00, lo < 0xE000 {
                    k += 6
                    append(scalar: 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00))
                } else {
                    append(scalar: 0xFFFD)
                }
            } else {
                append(scalar: u)  // a lone low surrogate is not a scalar → U+FFFD
            }
        default: out.append(e)  // \" \\ \/
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Appends `s` as a JSON string literal (with quotes).
public func appendJSONString(_ s: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    out.append(0x22)
    var run = 0
    for (k, c) in s.enumerated() {
        if c == 0x22 || c == 0x5C || c < 0x20 {
            if run < k { out.append(contentsOf: s[run..<k]) }
            run = k + 1
            out.append(0x5C)
            switch c {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            default: out.append(contentsOf: ("u00" + hex2(c)).utf8)
            }
        }
    }
    if run < s.count { out.append(contentsOf: s[run...]) }
    out.append(0x22)
}

public func appendJSONString(_ s: String, to out: inout [UInt8]) {
    var s = s
    s.withUTF8 { appendJSONString($0, to: &out) }
}

/// A JSON integer literal as Int64, nil when it has a fraction/exponent or does not fit.
public func parseJSONInteger(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
    var k = 0
    var negative = false
    if k < b.count, b[k] == UInt8(ascii: "-") { negative = true; k += 1 }
    guard k < b.count else { return nil }
    var v: Int64 = 0
    while k < b.count {
        let d = b[k] &- 0x30
        guard d < 10 else { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
        guard !o1, !o2 else { return nil }
        v = s
        k += 1
    }
    return v
}

/// A numeric literal (JSON number, or looser text such as `1.`/`+2`/`inf` when `strict` is false) as Double.
public func parseDouble(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
    guard !b.isEmpty, b.count < 400 else { return nil }
    return Double(String(decoding: b, as: UTF8.self))
}

/// A number literal as the SQL value it should become: an integer when it is one that fits, else a double.
public enum JSONNumberValue: Equatable {
    case integer(Int64)
    case real(Double)
}

public func parseJSONNumber(_ b: UnsafeBufferPointer<UInt8>) -> JSONNumberValue? {
    if let i = parseJSONInteger(b) { return .integer(i) }
    return parseDouble(b).map { .real($0) }
}

// Small JSON text helpers shared by the readers: decoding a string literal, writing one (the serializer of
// the CSV `row` objects), and reading a number literal as an integer or a double.

import StrataCommon

/// The decoded contents of a JSON string literal `"..."` (quotes included in `literal`). Lone surrogates
/// become U+FFFD; the literal is assumed to have passed `JSONScanner`.
public func decodeJSONString(_ literal: UnsafeBufferPointer<UInt8>) -> String {
    guard literal.count >= 2 else { return "" }
    let body = UnsafeBufferPointer(rebasing: literal[1..<(literal.count - 1)])
    return decodeJSONStringBody(body)
}

/// Decodes the bytes between the quotes of a JSON string.
public func decodeJSONStringBody(_ body: UnsafeBufferPointer<UInt8>) -> String { JSONString.decode(body) }

/// Appends `s` as a JSON string literal (with quotes).
public func appendJSONString(_ s: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) { JSONString.appendQuoted(s, to: &out) }

public func appendJSONString(_ s: String, to out: inout [UInt8]) { JSONString.appendQuoted(s, to: &out) }

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

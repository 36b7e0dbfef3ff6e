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
    if let d = exactDecimal(b) { return .real(d) }
    return parseDouble(b).map { .real($0) }
}

/// Powers of ten a Double holds exactly.
private let exactPowersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                                          1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

/// Initializes the number tables on the calling thread. Swift initializes a global on first use through
/// swift_once, which ThreadSanitizer cannot see into: worker threads that met `exactPowersOfTen` first reported
/// a race with each other. JSONLinesParallelScan.prepareWorkerGlobals calls this before it starts its workers.
func prepareNumberTables() { _ = exactPowersOfTen.count }

/// `-?digits[.digits][e±digits]` whose digits fit in 2^53 and whose decimal exponent is at most 22 either way:
/// the mantissa and the power of ten are both exact Doubles, so one multiplication or division rounds
/// correctly (Clinger's fast path), the same value strtod gives. nil for anything else (strtod decides then).
func exactDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
    let n = b.count
    guard n > 0, n < 40, let p = b.baseAddress else { return nil }
    var k = 0
    let negative = p[0] == UInt8(ascii: "-")
    if negative { k = 1 }
    var mantissa: UInt64 = 0
    var digits = 0
    var scale = 0
    var sawDigit = false
    while k < n, p[k] &- 0x30 < 10 {
        mantissa = mantissa &* 10 &+ UInt64(p[k] &- 0x30)
        digits += 1
        sawDigit = true
        k += 1
    }
    guard sawDigit else { return nil }
    if k < n, p[k] == UInt8(ascii: ".") {
        k += 1
        var fraction = false
        while k < n, p[k] &- 0x30 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(p[k] &- 0x30)
            digits += 1
            scale -= 1
            fraction = true
            k += 1
        }
        guard fraction else { return nil }
    }
    if k < n, p[k] == UInt8(ascii: "e") || p[k] == UInt8(ascii: "E") {
        k += 1
        var expNegative = false
        if k < n, p[k] == UInt8(ascii: "+") || p[k] == UInt8(ascii: "-") { expNegative = p[k] == UInt8(ascii: "-"); k += 1 }
        var e = 0
        var expDigits = 0
        while k < n, p[k] &- 0x30 < 10 {
            guard e < 1000 else { return nil }
            e = e * 10 + Int(p[k] &- 0x30)
            expDigits += 1
            k += 1
        }
        guard expDigits > 0 else { return nil }
        scale += expNegative ? -e : e
    }
    // 19 digits cannot overflow UInt64; the mantissa must also be exact as a Double.
    guard k == n, digits <= 19, mantissa <= 1 << 53, scale >= -22, scale <= 22 else { return nil }
    var d = Double(mantissa)
    if scale < 0 { d /= exactPowersOfTen[-scale] } else if scale > 0 { d *= exactPowersOfTen[scale] }
    return negative ? -d : d
}

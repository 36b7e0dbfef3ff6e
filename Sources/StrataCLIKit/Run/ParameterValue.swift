// Values given on the command line (`--param name=value`), in report headers (`-- @param name = value`) and
// with `.param set`: a canonical integer binds as INTEGER, a decimal number as REAL, `NULL` as NULL, a value
// in single quotes as the TEXT between them, anything else (dates, names, paths) as TEXT.
import Glibc
import SQLiteKit

public enum ParameterValue {
    public static func parse(_ raw: String) -> SQLValue {
        let s = raw
        if s.count >= 2, s.hasPrefix("'"), s.hasSuffix("'") {
            var out = ""
            var previousQuote = false
            for c in s.dropFirst().dropLast() {
                if c == "'" && previousQuote { previousQuote = false; continue }  // '' stands for '
                previousQuote = c == "'"
                out.append(c)
            }
            return .text(out)
        }
        if s.uppercased() == "NULL" { return .null }
        if let i = canonicalInteger(s) { return .integer(i) }
        if let d = decimal(s) { return .real(d) }
        return .text(s)
    }

    /// `-12`, `0`, `345` (no leading zeros or plus sign, so zip codes and ids like `007` stay text).
    static func canonicalInteger(_ s: String) -> Int64? {
        var digits = Substring(s)
        if digits.hasPrefix("-") { digits = digits.dropFirst() }
        guard let first = digits.first, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if first == "0" && digits.count > 1 { return nil }
        return Int64(s)
    }

    /// `1.5`, `-0.25`, `1e-3`: digits with a point or an exponent (not `inf`, `nan` or hex).
    static func decimal(_ s: String) -> Double? {
        let allowed = s.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E") }
        guard allowed, s.contains(where: { $0.isNumber }), s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        guard let d = Double(s), d.isFinite else { return nil }
        return d
    }

    /// Splits `name=value` (the value may contain `=`); a leading `:`, `@` or `$` on the name is dropped.
    public static func assignment(_ text: String) -> (name: String, value: String)? {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        var name = String(text[..<eq])
        while let l = name.last, l == " " { name.removeLast() }
        if let f = name.first, f == ":" || f == "@" || f == "$" { name.removeFirst() }
        guard !name.isEmpty else { return nil }
        var value = String(text[text.index(after: eq)...])
        while let f = value.first, f == " " { value.removeFirst() }
        return (name, value)
    }
}

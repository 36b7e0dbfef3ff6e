// JSON string literals, read and written in one place for every domain: the log readers' JSON lines, the
// journal export of cron history, the file readers' documents and CSV `row` objects, the CLI's JSON output.
// Decoding never fails: a bad escape or a lone surrogate becomes U+FFFD, as SQLite's json functions and
// Python's `errors="replace"` would show it.

public enum JSONString {
    /// Decodes the bytes between the quotes of a JSON string and appends them to `out` as UTF-8.
    public static func decode(_ body: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 0
        let n = body.count
        while i < n {
            let c = body[i]
            guard c == 0x5C, i + 1 < n else { out.append(c); i += 1; continue }
            let e = body[i + 1]
            i += 2
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard var cp = hex4(body, i) else { appendScalar(0xFFFD, &out); continue }
                i += 4
                if cp >= 0xD800, cp < 0xDC00 {
                    if i + 6 <= n, body[i] == 0x5C, body[i + 1] == 0x75, let lo = hex4(body, i + 2), lo >= 0xDC00, lo < 0xE000 {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        i += 6
                    } else {
                        cp = 0xFFFD
                    }
                } else if cp >= 0xDC00, cp < 0xE000 {
                    cp = 0xFFFD
                }
                appendScalar(cp, &out)
            default:
                appendScalar(0xFFFD, &out)
            }
        }
    }

    /// The decoded text between the quotes of a JSON string.
    public static func decode(_ body: UnsafeBufferPointer<UInt8>) -> String {
        guard body.contains(0x5C) else { return String(decoding: body, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        decode(body, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The index just past the closing quote of the string starting at `start` (a `"`), or nil when the
    /// string is not closed.
    public static func end(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start + 1
        while i < b.count {
            switch b[i] {
            case 0x22: return i + 1
            case 0x5C: i += 2
            default: i += 1
            }
        }
        return nil
    }

    /// Appends `s` as a JSON string literal (quotes added; `"`, `\` and control characters escaped).
    public static func appendQuoted(_ s: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(0x22)
        var run = 0
        for k in 0..<s.count {
            let c = s[k]
            guard c == 0x22 || c == 0x5C || c < 0x20 else { continue }
            if run < k { out.append(contentsOf: s[run..<k]) }
            run = k + 1
            out.append(0x5C)
            switch c {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x0A: out.append(0x6E)
            case 0x0D: out.append(0x72)
            case 0x09: out.append(0x74)
            case 0x08: out.append(0x62)
            case 0x0C: out.append(0x66)
            default: out.append(contentsOf: [0x75, 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 15)]])
            }
        }
        if run < s.count { out.append(contentsOf: s[run...]) }
        out.append(0x22)
    }

    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendQuoted($0, to: &out) }
    }

    /// `s` as a JSON string literal.
    public static func literal(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex4(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32? {
        guard i + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for k in i..<(i + 4) {
            let c = b[k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    static func appendScalar(_ cp: UInt32, _ out: inout [UInt8]) {
        let s = Unicode.Scalar(cp) ?? "\u{FFFD}"
        var buf: [UInt8] = []
        UTF8.encode(s) { buf.append($0) }
        out.append(contentsOf: buf)
    }
}

/// `s` as a JSON string literal (kept for the callers that build small JSON by hand).
public func jsonStringLiteral(_ s: String) -> String { JSONString.literal(s) }

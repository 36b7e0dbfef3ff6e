// Logs that servers and the package manager write, read by hand:
//   combined  nginx/Apache/gunicorn access logs (the Common Log Format, optionally with referer and user agent):
//             `203.0.113.7 - alice [20/Nov/2026:02:00:01 +0000] "GET /v1/models HTTP/1.1" 200 512 "-" "curl/8.4"`
//             message = the request line; fields = nginx's variable names (status and sizes as numbers).
//   dpkg      `/var/log/dpkg.log`: `2026-11-20 02:00:01 status installed libc6:amd64 2.36-9`
//             fields.action = the first word (startup, status, install, upgrade, remove, purge, configure,
//             trigproc, conffile); message = the rest.
// Neither has a level (NULL).

public final class AccessLogLineParser: LineParser {
    let reference: YearReference
    static let names = ["remote_addr", "remote_user", "status", "body_bytes_sent", "http_referer", "http_user_agent", "ident"]
    override public var fieldNames: [String] { Self.names }

    public init(reference: YearReference) { self.reference = reference }

    override public func parseHead(_ b: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        guard let s1 = findByte(b, 0x20, from: 0), s1 > 0, let s2 = findByte(b, 0x20, from: s1 + 1), s2 > s1 + 1,
              let s3 = findByte(b, 0x20, from: s2 + 1), s3 > s2 + 1, s3 + 1 < b.count, b[s3 + 1] == 0x5B else { return false }
        // [20/Nov/2026:02:00:01 +0000]
        let ts = s3 + 2
        guard ts + 26 <= b.count, let d = fixedDigits(b, ts, 2), b[ts + 2] == 0x2F, let mo = monthAbbreviation(b, ts + 3),
              b[ts + 6] == 0x2F, let y = fixedDigits(b, ts + 7, 4), b[ts + 11] == 0x3A, let h = fixedDigits(b, ts + 12, 2),
              b[ts + 14] == 0x3A, let mi = fixedDigits(b, ts + 15, 2), b[ts + 17] == 0x3A, let s = fixedDigits(b, ts + 18, 2)
        else { return false }
        var i = ts + 20
        var nanos = 0
        if i + 1 < b.count, b[i] == 0x2E, let f = fractionDigits(b, i + 1) { nanos = f.nanos; i = f.end }
        guard i + 7 <= b.count, b[i] == 0x20, b[i + 1] == 0x2B || b[i + 1] == 0x2D, fixedDigits(b, i + 2, 4) != nil,
              b[i + 6] == 0x5D else { return false }
        let t = LogTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s, nanosecond: nanos)
        guard t.isValid else { return false }
        i += 7
        // "request" status bytes
        guard i + 1 < b.count, b[i] == 0x20, let req = quoted(b, i + 1), req.end < b.count, b[req.end] == 0x20,
              let status = fixedDigits(b, req.end + 1, 3), req.end + 4 < b.count, b[req.end + 4] == 0x20 else { return false }
        _ = status
        let bs = req.end + 5
        var be = bs
        while be < b.count, b[be] != 0x20 { be += 1 }
        guard be > bs, be - bs == 1 && b[bs] == 0x2D || sub(b, bs, be).allSatisfy(isDigit) else { return false }
        head.time = t
        head.hasTime = true
        head.message = Span(req.start, req.stop)
        head.extras.append(ExtraField(name: .fixed(0), value: Span(0, s1), kind: .text))
        if !(s2 - s1 == 2 && b[s1 + 1] == 0x2D) { head.extras.append(ExtraField(name: .fixed(6), value: Span(s1 + 1, s2), kind: .text)) }
        head.extras.append(ExtraField(name: .fixed(1), value: Span(s2 + 1, s3), kind: .text))
        head.extras.append(ExtraField(name: .fixed(2), value: Span(req.end + 1, req.end + 4), kind: .number))
        head.extras.append(ExtraField(name: .fixed(3), value: Span(bs, be), kind: b[bs] == 0x2D ? .text : .number))
        // "referer" "user agent" (combined), when there.
        if be + 1 < b.count, b[be] == 0x20, let ref = quoted(b, be + 1) {
            head.extras.append(ExtraField(name: .fixed(4), value: Span(ref.start, ref.stop), kind: .text))
            if ref.end + 1 < b.count, b[ref.end] == 0x20, let ua = quoted(b, ref.end + 1) {
                head.extras.append(ExtraField(name: .fixed(5), value: Span(ua.start, ua.stop), kind: .text))
            }
        }
        return true
    }

    /// `"..."` at `i` with `\"` escapes: the inside and the index after the closing quote.
    private func quoted(_ b: Bytes, _ i: Int) -> (start: Int, stop: Int, end: Int)? {
        guard i < b.count, b[i] == 0x22 else { return nil }
        var j = i + 1
        while j < b.count, b[j] != 0x22 { j += b[j] == 0x5C ? 2 : 1 }
        guard j < b.count else { return nil }
        return (i + 1, j, j + 1)
    }
}

public final class DpkgLineParser: LineParser {
    let reference: YearReference
    static let names = ["action"]
    override public var fieldNames: [String] { Self.names }
    static let actions: [StaticString] = ["startup", "status", "install", "upgrade", "remove", "purge", "configure",
                                          "trigproc", "conffile"]

    public init(reference: YearReference) { self.reference = reference }

    override public func parseHead(_ b: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        guard b.count > 20, b[10] == 0x20, let (t, te) = parseISOTime(b, 0, allowZone: false), te == 19, b[19] == 0x20
        else { return false }
        let a = 20
        var e = a
        while e < b.count, b[e] != 0x20 { e += 1 }
        let word = sub(b, a, e)
        guard Self.actions.contains(where: { w in w.utf8CodeUnitCount == word.count && hasPrefix(word, w) }) else { return false }
        head.time = t
        head.hasTime = true
        head.extras.append(ExtraField(name: .fixed(0), value: Span(a, e), kind: .text))
        head.message = Span(min(b.count, e + 1), b.count)
        return true
    }
}

/// The fallback for text no format fits: every line is a record. A time at the start (ISO-8601, `Nov 20
/// 02:00:01`, either inside `[...]`) makes `ts`; a level name among the first words (in capitals, or any case
/// inside brackets: `ERROR`, `[warn]`) makes `level`; the message is the line after them.
public final class PlainLineParser: LineParser {
    let reference: YearReference

    public init(reference: YearReference) { self.reference = reference }

    override public func parseHead(_ b: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        var i = 0
        var bracket = false
        if i < b.count, b[i] == 0x5B { bracket = true; i += 1 }
        if let (t, e) = parseISOTime(b, i) ?? parseBSDTime(b, i, reference) {
            head.time = t
            head.hasTime = true
            i = e
            if bracket, i < b.count, b[i] == 0x5D { i += 1 }
        } else {
            i = 0
        }
        while i < b.count, isSpace(b[i]) { i += 1 }
        // A level word among the next three.
        var k = i
        for _ in 0..<3 {
            guard k < b.count else { break }
            var e = k
            while e < b.count, b[e] != 0x20 { e += 1 }
            var s = k, f = e
            var wrapped = false
            while s < f, b[s] == 0x5B || b[s] == 0x28 || b[s] == 0x3C { s += 1; wrapped = true }
            while f > s, b[f - 1] == 0x5D || b[f - 1] == 0x29 || b[f - 1] == 0x3E || b[f - 1] == 0x3A || b[f - 1] == 0x2C {
                if b[f - 1] != 0x3A && b[f - 1] != 0x2C { wrapped = true }
                f -= 1
            }
            let word = sub(b, s, f)
            let lv = LogLevel.recognise(word)
            if lv != .other, lv != .none, wrapped || (word.count > 1 && word.allSatisfy({ !($0 >= 0x61 && $0 <= 0x7A) })) {
                head.level = lv
                head.levelText = Span(s, f)
                i = e
                while i < b.count, b[i] == 0x20 || b[i] == 0x2D || b[i] == 0x7C || b[i] == 0x3A { i += 1 }
                break
            }
            k = e
            while k < b.count, b[k] == 0x20 { k += 1 }
        }
        // `INFO:name:message` (Python's basicConfig default): a level before the first colon.
        if head.level == .none, let colon = findByte(sub(b, 0, min(b.count, i + 12)), 0x3A, from: i), colon > i {
            let word = sub(b, i, colon)
            let lv = LogLevel.recognise(word)
            if lv != .other, lv != .none, word.count > 1, word.allSatisfy({ !($0 >= 0x61 && $0 <= 0x7A) }) {
                head.level = lv
                head.levelText = Span(i, colon)
                i = colon + 1
                while i < b.count, b[i] == 0x20 { i += 1 }
            }
        }
        head.message = Span(min(i, b.count), b.count)
        return true
    }
}

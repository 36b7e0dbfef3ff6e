// syslog in its three file shapes, read by hand over bytes:
//   RFC 3164      `[<PRI>]Nov 20 02:00:01 host prog[pid]: msg` (no year: taken from the file, see YearReference)
//   rsyslog ISO   `2026-11-20T02:00:01.123456+00:00 host prog[pid]: msg` (RSYSLOG_FileFormat)
//   RFC 5424      `<PRI>1 2026-11-20T02:00:01.123Z host app procid msgid [sd] msg`
// The level comes from PRI's severity when the line has one (files written by rsyslog usually do not: then NULL).

public enum SyslogFlavor: String, Sendable, CaseIterable {
    case rfc3164
    case iso = "rsyslog"
    case rfc5424
}

public final class SyslogLineParser: LineParser {
    public let flavor: SyslogFlavor
    let reference: YearReference
    static let names = ["host", "facility", "msgid", "structured_data", "procid"]
    override public var fieldNames: [String] { Self.names }
    static let host = 0, facility = 1, msgid = 2, sd = 3, procid = 4

    public init(_ flavor: SyslogFlavor, reference: YearReference) {
        self.flavor = flavor
        self.reference = reference
    }

    override public func parseHead(_ line: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        switch flavor {
        case .rfc3164: return parse3164(line, &head)
        case .iso: return parseISO(line, &head)
        case .rfc5424: return parse5424(line, &head)
        }
    }

    /// `<PRI>` at the start: (pri, index after it). Nil when absent or malformed.
    private func priority(_ b: Bytes) -> (Int, Int)? {
        guard b.count > 2, b[0] == 0x3C, let d = someDigits(b, 1, maxDigits: 3), d.end < b.count, b[d.end] == 0x3E,
              d.value <= 191 else { return nil }
        return (Int(d.value), d.end + 1)
    }

    private func applyPriority(_ pri: Int, _ b: Bytes, _ head: inout RecordHead) {
        head.level = LogLevel.fromSyslogSeverity(pri & 7)
        head.extras.append(ExtraField(name: .fixed(Self.facility), integer: Int64(pri >> 3)))
    }

    private func parse3164(_ b: Bytes, _ head: inout RecordHead) -> Bool {
        var i = 0
        var pri: Int? = nil
        if let (p, e) = priority(b) { pri = p; i = e }
        guard let (t, end) = parseBSDTime(b, i, reference), end < b.count, b[end] == 0x20 else { return false }
        head.time = t
        head.hasTime = true
        if let pri { applyPriority(pri, b, &head) }
        return hostAndTag(b, end + 1, &head)
    }

    private func parseISO(_ b: Bytes, _ head: inout RecordHead) -> Bool {
        var i = 0
        var pri: Int? = nil
        if let (p, e) = priority(b) { pri = p; i = e }
        guard let (t, end) = parseISOTime(b, i, requireT: true), end < b.count, b[end] == 0x20 else { return false }
        head.time = t
        head.hasTime = true
        if let pri { applyPriority(pri, b, &head) }
        return hostAndTag(b, end + 1, &head)
    }

    /// `host tag[pid]: message` from `i`. The header must be plausible, or the line is no syslog record: the host
    /// is a host name or address (not a level word such as `INFO`, not `[info`), the tag a program name ending in
    /// `:` or `[pid]:` followed by a space or the end (so `https://...` is no tag).
    private func hostAndTag(_ b: Bytes, _ i: Int, _ head: inout RecordHead) -> Bool {
        guard let hostEnd = findByte(b, 0x20, from: i), hostEnd > i, isHostName(b, i, hostEnd) else { return false }
        head.extras.append(ExtraField(name: .fixed(Self.host), value: Span(i, hostEnd), kind: .text))
        let t = hostEnd + 1
        var j = t
        var letters = false
        while j < b.count, b[j] != 0x3A, b[j] != 0x5B, b[j] != 0x20 {
            let c = b[j]
            if (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A { letters = true }
            else if !(isDigit(c) || c == 0x5F || c == 0x2D || c == 0x2E || c == 0x2F || c == 0x40 || c >= 0x80) { return false }
            j += 1
        }
        guard j > t, j < b.count, letters else { return false }
        var msgStart: Int
        if b[j] == 0x3A {
            msgStart = j + 1
        } else if b[j] == 0x5B, let close = findByte(b, 0x5D, from: j + 1), close + 1 < b.count, b[close + 1] == 0x3A,
                  let v = someDigits(b, j + 1, maxDigits: 18), v.end == close {
            head.pid = v.value
            head.hasPid = true
            msgStart = close + 2
        } else {
            return false
        }
        guard msgStart == b.count || b[msgStart] == 0x20 else { return false }
        head.logger = Span(t, j)
        if msgStart < b.count { msgStart += 1 }
        head.message = Span(msgStart, b.count)
        return true
    }

    /// A host name or IPv4 address (letters, digits, `.`, `-`, `_`), or an IPv6 address; never a level word.
    private func isHostName(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
        var colons = 0
        var alnum = false
        for k in s..<e {
            let c = b[k]
            if (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || isDigit(c) { alnum = true }
            else if c == 0x3A { colons += 1 }
            else if !(c == 0x2E || c == 0x2D || c == 0x5F) { return false }
        }
        guard alnum else { return false }
        if colons > 0 {
            // IPv6: hex digits and colons (and dots for a mapped IPv4 tail).
            guard colons >= 2 else { return false }
            for k in s..<e where !(isDigit(b[k]) || ((b[k] | 0x20) >= 0x61 && (b[k] | 0x20) <= 0x66) || b[k] == 0x3A || b[k] == 0x2E) {
                return false
            }
            return true
        }
        return LogLevel.recognise(sub(b, s, e)) == .other
    }

    private func parse5424(_ b: Bytes, _ head: inout RecordHead) -> Bool {
        guard let (pri, e) = priority(b), e + 1 < b.count, b[e] == 0x31, b[e + 1] == 0x20 else { return false }
        var i = e + 2
        // TIMESTAMP or "-"
        if i < b.count, b[i] == 0x2D {
            i += 1
        } else {
            guard let (t, end) = parseISOTime(b, i, requireT: true) else { return false }
            head.time = t
            head.hasTime = true
            i = end
        }
        applyPriority(pri, b, &head)
        func token(_ i: inout Int) -> Span? {
            guard i < b.count, b[i] == 0x20 else { return nil }
            i += 1
            let s = i
            while i < b.count, b[i] != 0x20 { i += 1 }
            guard i > s else { return nil }
            return i == s + 1 && b[s] == 0x2D ? .absent : Span(s, i)
        }
        guard let host = token(&i), let app = token(&i), let proc = token(&i), let msgid = token(&i) else { return false }
        if host.isPresent { head.extras.append(ExtraField(name: .fixed(Self.host), value: host, kind: .text)) }
        if app.isPresent { head.logger = app }
        if proc.isPresent {
            let p = sub(b, Int(proc.start), Int(proc.end))
            if let v = someDigits(p, 0, maxDigits: 18), v.end == p.count { head.pid = v.value; head.hasPid = true }
            else { head.extras.append(ExtraField(name: .fixed(Self.procid), value: proc, kind: .text)) }
        }
        if msgid.isPresent { head.extras.append(ExtraField(name: .fixed(Self.msgid), value: msgid, kind: .text)) }
        // STRUCTURED-DATA: "-" or [id k="v"...]... with \] \" \\ escapes inside values.
        guard i < b.count, b[i] == 0x20 else { return false }
        i += 1
        let sdStart = i
        if i < b.count, b[i] == 0x2D {
            i += 1
        } else {
            guard i < b.count, b[i] == 0x5B else { return false }
            while i < b.count, b[i] == 0x5B {
                i += 1
                var inQuote = false
                while i < b.count {
                    let c = b[i]
                    if inQuote {
                        if c == 0x5C { i += 2; continue }
                        if c == 0x22 { inQuote = false }
                    } else if c == 0x22 {
                        inQuote = true
                    } else if c == 0x5D {
                        break
                    }
                    i += 1
                }
                guard i < b.count else { return false }
                i += 1
            }
            head.extras.append(ExtraField(name: .fixed(Self.sd), value: Span(sdStart, i), kind: .text))
        }
        var m = i
        if m < b.count {
            guard b[m] == 0x20 else { return false }
            m += 1
            // A UTF-8 byte-order mark may open the message.
            if m + 3 <= b.count, b[m] == 0xEF, b[m + 1] == 0xBB, b[m + 2] == 0xBF { m += 3 }
        }
        head.message = Span(m, b.count)
        return true
    }
}

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

    /// `host tag[pid]: message` from `i`. A line whose tag has no colon keeps the rest as the message.
    private func hostAndTag(_ b: Bytes, _ i: Int, _ head: inout RecordHead) -> Bool {
        guard let hostEnd = findByte(b, 0x20, from: i), hostEnd > i else {
            // `time host` and nothing else.
            guard i < b.count else { return false }
            head.extras.append(ExtraField(name: .fixed(Self.host), value: Span(i, b.count), kind: .text))
            head.message = Span(b.count, b.count)
            return true
        }
        head.extras.append(ExtraField(name: .fixed(Self.host), value: Span(i, hostEnd), kind: .text))
        let t = hostEnd + 1
        var j = t
        while j < b.count, b[j] != 0x3A, b[j] != 0x5B, b[j] != 0x20 { j += 1 }
        var msgStart = t
        if j > t, j < b.count {
            if b[j] == 0x3A {
                head.logger = Span(t, j)
                msgStart = j + 1
            } else if b[j] == 0x5B, let close = findByte(b, 0x5D, from: j + 1), close + 1 < b.count + 1,
                      close + 1 <= b.count, close + 1 == b.count || b[close + 1] == 0x3A {
                head.logger = Span(t, j)
                if let v = someDigits(b, j + 1, maxDigits: 18), v.end == close { head.pid = v.value; head.hasPid = true }
                msgStart = min(b.count, close + 2)
            }
        }
        if msgStart < b.count, b[msgStart] == 0x20, msgStart != t { msgStart += 1 }
        head.message = Span(msgStart, b.count)
        return true
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

// JSON lines with no format file: each line that is a JSON object starts a record. Common keys become columns
// — time (`ts`, `time`, `timestamp`, `@timestamp`, `asctime`, `datetime`, `created`: ISO text or epoch seconds /
// milliseconds), level (`level`, `levelname`, `severity`, `loglevel`, `lvl`, or a numeric `levelno`), message
// (`message`, `msg`, structlog's `event`, docker's `log`), logger (`logger`, `name`, `logger_name`), pid (`pid`,
// `process`) — and every other member lands in `fields` with its JSON value copied as written (nested objects
// and arrays included). Key names are matched in any case.
// Shapes some writers nest: `journalctl -o json` (`__REALTIME_TIMESTAMP` in microseconds, `PRIORITY` a syslog
// severity, `SYSLOG_IDENTIFIER`, `_PID` and `MESSAGE`, all as strings); loguru's `serialize=True` (`{"text": ...,
// "record": {...}}`: the record's members are read as the line's, its `level`, `time` and `process` objects by
// their `name`, `repr` and `id`); docker's json-file driver (`log` holds the line with its `\n`, dropped).

import StrataCommon

enum JSONRole { case time, level, levelNumber, syslogPriority, message, logger, pid }

/// Recognised keys: lower-case ASCII.
private let roleNames: [(String, JSONRole)] = [
    ("ts", .time), ("time", .time), ("timestamp", .time), ("@timestamp", .time), ("asctime", .time),
    ("datetime", .time), ("created", .time),
    ("level", .level), ("levelname", .level), ("severity", .level), ("loglevel", .level), ("lvl", .level),
    ("levelno", .levelNumber),
    ("message", .message), ("msg", .message), ("event", .message), ("log", .message),
    ("logger", .logger), ("name", .logger), ("logger_name", .logger),
    ("pid", .pid), ("process", .pid),
    // journald's fields as `journalctl -o json` writes them.
    ("__realtime_timestamp", .time), ("priority", .syslogPriority), ("syslog_identifier", .logger), ("_pid", .pid),
]
private let longestRoleKey = roleNames.map { $0.0.utf8.count }.max() ?? 0
private let roleKeys: [(key: [UInt8], role: JSONRole)] = roleNames.map { (Array($0.0.utf8), $0.1) }

public final class JSONLineParser: LineParser {
    let reference: YearReference

    public init(reference: YearReference) { self.reference = reference }

    override public func parseHead(_ line: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        let b = line
        let i = JSON.skipSpace(b, 0)
        guard i < b.count, b[i] == 0x7B else { return false }
        var seen: UInt8 = 0  // bit per role already taken
        guard let end = object(b, i, &seen, &head, nested: false) else { return false }
        return JSON.skipSpace(b, end) == b.count
    }

    /// Reads the members of the object at `i` into `head`; returns the index after it, nil when it is no object.
    /// `nested`: loguru's `record` object, whose members are read as the line's own (once, not deeper).
    private func object(_ b: Bytes, _ start: Int, _ seen: inout UInt8, _ head: inout RecordHead, nested: Bool) -> Int? {
        var i = JSON.skipSpace(b, start + 1)
        if i < b.count, b[i] == 0x7D { return i + 1 }
        var sawText = false
        while true {
            guard let key = JSON.string(b, i) else { return nil }
            i = JSON.skipSpace(b, key.end)
            guard i < b.count, b[i] == 0x3A else { return nil }
            i = JSON.skipSpace(b, i + 1)
            guard let value = JSON.value(b, i) else { return nil }
            let vs = Span(i, value.end)
            if !nested, sawText, value.kind == .object, isKey(b, key, "record") {
                // loguru's serialize=True: {"text": "<formatted line>", "record": {...}}.
                guard object(b, i, &seen, &head, nested: true) != nil else { return nil }
            } else if !assign(b, key, value.kind, vs, &seen, &head) {
                head.extras.append(ExtraField(name: .key(Span(key.contentStart, key.contentEnd)), value: vs, kind: .jsonValue))
            }
            if !nested, isKey(b, key, "text") { sawText = true }
            i = JSON.skipSpace(b, value.end)
            guard i < b.count else { return nil }
            if b[i] == 0x2C { i = JSON.skipSpace(b, i + 1); continue }
            guard b[i] == 0x7D else { return nil }
            return i + 1
        }
    }

    /// Whether `key` is `name` (lower-case ASCII), in any case.
    private func isKey(_ b: Bytes, _ key: JSON.StringToken, _ name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        guard !key.hasEscapes, key.contentEnd - key.contentStart == n else { return false }
        for k in 0..<n where lower(b[key.contentStart + k]) != name.utf8Start[k] { return false }
        return true
    }

    /// The value of member `name` of the object spanning `v`, with its kind.
    private func member(_ b: Bytes, _ v: Span, _ name: StaticString) -> (span: Span, kind: JSON.Kind)? {
        var i = JSON.skipSpace(b, Int(v.start) + 1)
        while i < Int(v.end) {
            guard let key = JSON.string(b, i) else { return nil }
            i = JSON.skipSpace(b, key.end)
            guard i < b.count, b[i] == 0x3A else { return nil }
            i = JSON.skipSpace(b, i + 1)
            guard let value = JSON.value(b, i) else { return nil }
            if isKey(b, key, name) { return (Span(i, value.end), value.kind) }
            i = JSON.skipSpace(b, value.end)
            guard i < b.count, b[i] == 0x2C else { return nil }
            i = JSON.skipSpace(b, i + 1)
        }
        return nil
    }

    /// Puts a member into its column; false when it belongs in `fields`.
    private func assign(_ b: Bytes, _ key: JSON.StringToken, _ kind: JSON.Kind, _ v: Span, _ seen: inout UInt8,
                        _ head: inout RecordHead) -> Bool {
        guard !key.hasEscapes, key.contentEnd - key.contentStart <= longestRoleKey, let role = roleOf(b, key) else { return false }
        // loguru's objects: level {"name": ...}, time {"repr": ...}, process {"id": ...}.
        if kind == .object {
            let inner: StaticString
            switch role {
            case .level: inner = "name"
            case .time: inner = "repr"
            case .pid: inner = "id"
            default: return false
            }
            guard let m = member(b, v, inner), m.kind != .object else { return false }
            return assign(b, key, m.kind, m.span, &seen, &head)
        }
        let bit: UInt8
        switch role {
        case .time: bit = 1
        case .level, .levelNumber, .syslogPriority: bit = 2
        case .message: bit = 4
        case .logger: bit = 8
        case .pid: bit = 16
        }
        guard seen & bit == 0 else { return false }
        let inner = Span(Int(v.start) + 1, Int(v.end) - 1)
        switch role {
        case .time:
            if kind == .string {
                let text = sub(b, Int(inner.start), Int(inner.end))
                // journald's __REALTIME_TIMESTAMP: epoch microseconds as a string.
                if !text.isEmpty, text.allSatisfy(isDigit), let t = JSON.epoch(text) {
                    head.time = t
                } else {
                    guard let t = parseAnyTime(text, reference: reference) else { return false }
                    head.time = t
                }
            } else if kind == .number {
                guard let t = JSON.epoch(sub(b, Int(v.start), Int(v.end))) else { return false }
                head.time = t
            } else {
                return false
            }
            head.hasTime = true
        case .level:
            if kind == .string {
                head.level = LogLevel.recognise(sub(b, Int(inner.start), Int(inner.end)))
                head.levelText = inner
                head.levelKind = .jsonString
            } else if kind == .number, let n = someDigits(b, Int(v.start)), n.end == Int(v.end) {
                head.level = LogLevel.fromPythonNumber(n.value)
                head.levelText = v
            } else {
                return false
            }
        case .levelNumber:
            guard kind == .number, let n = someDigits(b, Int(v.start)), n.end == Int(v.end) else { return false }
            head.level = LogLevel.fromPythonNumber(n.value)
            head.levelText = v
        case .syslogPriority:
            // journald's PRIORITY: a syslog severity 0...7, written as a string.
            let digits = kind == .string ? inner : v
            guard kind == .string || kind == .number, digits.count == 1, isDigit(b[Int(digits.start)]),
                  b[Int(digits.start)] <= 0x37 else { return false }
            head.level = LogLevel.fromSyslogSeverity(Int(b[Int(digits.start)] - 0x30))
            head.levelText = digits
        case .message:
            if kind == .string {
                // docker's `log` holds the line with its end: `...\n` (and `\r\n`) dropped.
                var e = Int(inner.end)
                while e - 2 >= Int(inner.start), b[e - 2] == 0x5C, b[e - 1] == 0x6E || b[e - 1] == 0x72,
                      !escapedBackslash(b, Int(inner.start), e - 2) { e -= 2 }
                head.message = Span(Int(inner.start), e)
                head.messageKind = .jsonString
            } else {
                head.message = v
                head.messageKind = .text
            }
        case .logger:
            guard kind == .string else { return false }
            head.logger = inner
            head.loggerKind = .jsonString
        case .pid:
            // A number, or digits in a string (journald's `_PID`).
            let digits = kind == .string ? inner : v
            guard kind == .number || kind == .string, let n = someDigits(b, Int(digits.start), maxDigits: 18),
                  n.end == Int(digits.end) else { return false }
            head.pid = n.value
            head.hasPid = true
        }
        seen |= bit
        return true
    }

    /// Whether the backslash at `at` is itself escaped (preceded by an odd run of backslashes after `from`).
    private func escapedBackslash(_ b: Bytes, _ from: Int, _ at: Int) -> Bool {
        var k = at - 1
        var run = 0
        while k >= from, b[k] == 0x5C { run += 1; k -= 1 }
        return run % 2 == 1
    }

    private func roleOf(_ b: Bytes, _ key: JSON.StringToken) -> JSONRole? {
        let n = key.contentEnd - key.contentStart
        outer: for entry in roleKeys where entry.key.count == n {
            for k in 0..<n where lower(b[key.contentStart + k]) != entry.key[k] { continue outer }
            return entry.role
        }
        return nil
    }
}

/// A small JSON scanner over bytes: enough to find members and skip values, with nesting bounded.
public enum JSON {
    public enum Kind { case string, number, object, array, literal }

    public struct StringToken {
        /// Index of the opening quote.
        var start: Int { contentStart - 1 }
        var contentStart: Int
        var contentEnd: Int
        /// Index after the closing quote.
        var end: Int
        var hasEscapes: Bool
    }

    static let maxDepth = 512

    @inline(__always)
    static func skipSpace(_ b: Bytes, _ i: Int) -> Int {
        var j = i
        while j < b.count, b[j] == 0x20 || b[j] == 0x09 || b[j] == 0x0A || b[j] == 0x0D { j += 1 }
        return j
    }

    /// A string literal starting at `i` (which must be a quote).
    static func string(_ b: Bytes, _ i: Int) -> StringToken? {
        guard i < b.count, b[i] == 0x22 else { return nil }
        var j = i + 1
        var esc = false
        while j < b.count {
            let c = b[j]
            if c == 0x22 { return StringToken(contentStart: i + 1, contentEnd: j, end: j + 1, hasEscapes: esc) }
            if c == 0x5C { esc = true; j += 2; continue }
            if c < 0x20 { return nil }
            j += 1
        }
        return nil
    }

    /// Any value at `i`: its end and kind. Objects and arrays are skipped by bracket counting (strings respected).
    static func value(_ b: Bytes, _ i: Int) -> (end: Int, kind: Kind)? {
        guard i < b.count else { return nil }
        let c = b[i]
        switch c {
        case 0x22:
            guard let s = string(b, i) else { return nil }
            return (s.end, .string)
        case 0x7B, 0x5B:
            var depth = 0
            var j = i
            while j < b.count {
                let d = b[j]
                if d == 0x22 {
                    guard let s = string(b, j) else { return nil }
                    j = s.end
                    continue
                }
                if d == 0x7B || d == 0x5B {
                    depth += 1
                    guard depth <= maxDepth else { return nil }
                } else if d == 0x7D || d == 0x5D {
                    depth -= 1
                    if depth == 0 { return (j + 1, c == 0x7B ? .object : .array) }
                }
                j += 1
            }
            return nil
        case 0x74: return literal(b, i, "true")
        case 0x66: return literal(b, i, "false")
        case 0x6E: return literal(b, i, "null")
        default:
            var j = i
            if j < b.count, b[j] == 0x2D { j += 1 }
            let d = j
            while j < b.count, isDigit(b[j]) { j += 1 }
            guard j > d else { return nil }
            if j < b.count, b[j] == 0x2E {
                j += 1
                let f = j
                while j < b.count, isDigit(b[j]) { j += 1 }
                guard j > f else { return nil }
            }
            if j < b.count, b[j] | 0x20 == 0x65 {
                j += 1
                if j < b.count, b[j] == 0x2B || b[j] == 0x2D { j += 1 }
                let e = j
                while j < b.count, isDigit(b[j]) { j += 1 }
                guard j > e else { return nil }
            }
            return (j, .number)
        }
    }

    private static func literal(_ b: Bytes, _ i: Int, _ word: StaticString) -> (end: Int, kind: Kind)? {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return nil }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return nil }
        return (i + n, .literal)
    }

    /// An epoch number (JSON syntax) as a time.
    static func epoch(_ b: Bytes) -> LogTime? {
        if let (t, end) = parseEpochNumber(b, 0), end == b.count { return t }
        guard let d = Double(String(decoding: b, as: UTF8.self)) else { return nil }
        return epochTime(double: d)
    }

    /// Decodes the inside of a JSON string (escapes resolved; bad escapes become U+FFFD) and appends it.
    public static func unescape(_ b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        JSONString.decode(b, into: &out)
    }

    /// Appends `b` as a JSON string literal (quotes and escapes added).
    public static func appendQuoted(_ b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        JSONString.appendQuoted(b, to: &out)
    }
}

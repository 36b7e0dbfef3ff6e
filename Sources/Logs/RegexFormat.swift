// `regex:<pattern>` formats for everything else: a line that the pattern matches (searched anywhere in the
// line — anchor it with `^` to be strict) starts a record. Named groups map to columns by name:
// ts/time/timestamp/asctime/datetime → ts (read with `datefmt` when given, else ISO, `Nov 20 02:00:01` or epoch),
// level/levelname/severity/lvl → level, logger/name → logger, pid/process → pid, message/msg → message;
// every other named group goes to `fields`. The pattern runs on LinearRegex (Python `re` syntax, linear
// time in the line whatever the pattern: no backreferences or lookaround); the built-in formats are hand-written.

import StrataCommon

enum RegexRole { case time, level, logger, pid, message, field(Int) }

public final class RegexFormat: @unchecked Sendable {
    public let source: String
    /// Compiled once per statement, shared by the parsers of every file (each has its own matcher).
    let regex: LinearRegex
    public let groupNames: [String]
    public let fieldNames: [String]
    let roles: [RegexRole]
    let datefmt: StrftimeFormat?

    public init(_ pattern: String, datefmt: String? = nil) throws(LogFormatError) {
        source = pattern
        // Only named groups are recorded (slot pair k ↔ names[k]): unnamed groups cost nothing at match time.
        regex = try LinearRegex(pattern, keep: .named)
        self.datefmt = try datefmt.map { f throws(LogFormatError) in try StrftimeFormat(f) }
        let names = regex.names.map(\.name)
        guard !names.isEmpty else {
            throw LogFormatError("regex '\(pattern)' has no named groups (use (?<message>...), (?<ts>...), (?<level>...))")
        }
        groupNames = names
        var fields: [String] = []
        var roles: [RegexRole] = []
        for n in names {
            switch n.lowercased() {
            case "ts", "time", "timestamp", "asctime", "datetime": roles.append(.time)
            case "level", "levelname", "severity", "lvl": roles.append(.level)
            case "logger", "name": roles.append(.logger)
            case "pid", "process": roles.append(.pid)
            case "message", "msg": roles.append(.message)
            default: roles.append(.field(fields.count)); fields.append(n)
            }
        }
        self.roles = roles
        fieldNames = fields
    }
}

public final class RegexLineParser: LineParser {
    let format: RegexFormat
    let reference: YearReference
    override public var fieldNames: [String] { format.fieldNames }

    let matcher: LinearRegexMatcher

    public init(_ format: RegexFormat, reference: YearReference) {
        self.format = format
        self.reference = reference
        matcher = LinearRegexMatcher(format.regex)
    }

    override public func parseHead(_ line: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        // Matching runs on valid UTF-8: a line with invalid bytes is repaired as String would (U+FFFD), and
        // spans then point into the repaired copy.
        if isValidUTF8(line) {
            guard matcher.search(line) else { return false }
            fill(&head, line)
            return true
        }
        let bytes = Array(String(decoding: line, as: UTF8.self).utf8)
        let found = bytes.withUnsafeBufferPointer { b -> Bool in
            guard matcher.search(b) else { return false }
            fill(&head, b)
            return true
        }
        if found { head.alternate = bytes }
        return found
    }

    private func fill(_ head: inout RecordHead, _ line: Bytes) {
        let slots = matcher.slots
        for k in 0..<format.roles.count where 2 * k + 1 < slots.count {
            let a = slots[2 * k], e = slots[2 * k + 1]
            guard a >= 0, e >= a, e <= line.count else { continue }
            let span = Span(a, e)
            let v = sub(line, a, e)
            switch format.roles[k] {
            case .time:
                if let f = format.datefmt {
                    if let (t, end) = f.match(v, 0, reference), end == v.count { head.time = t; head.hasTime = true }
                } else if let t = parseAnyTime(v, reference: reference) {
                    head.time = t; head.hasTime = true
                }
            case .level:
                head.level = LogLevel.recognise(v)
                head.levelText = span
            case .logger:
                head.logger = span
            case .pid:
                if let d = someDigits(v, 0, maxDigits: 18), d.end == v.count { head.pid = d.value; head.hasPid = true }
            case .message:
                head.message = span
            case .field(let i):
                head.extras.append(ExtraField(name: .fixed(i), value: span, kind: .text))
            }
        }
    }
}

// `regex:<pattern>` formats for everything else: a line that the pattern matches (Swift's Regex, searched
// anywhere in the line — anchor it with `^` to be strict) starts a record. Named groups map to columns by name:
// ts/time/timestamp/asctime/datetime → ts (read with `datefmt` when given, else ISO, `Nov 20 02:00:01` or epoch),
// level/levelname/severity/lvl → level, logger/name → logger, pid/process → pid, message/msg → message;
// every other named group goes to `fields`. Regex is only used here: the built-in formats are hand-written.

import StrataCommon

enum RegexRole { case time, level, logger, pid, message, field(Int) }

public final class RegexFormat: @unchecked Sendable {
    public let source: String
    let regex: Regex<AnyRegexOutput>
    public let groupNames: [String]
    public let fieldNames: [String]
    let roles: [RegexRole]
    let datefmt: StrftimeFormat?

    public init(_ pattern: String, datefmt: String? = nil) throws(LogFormatError) {
        source = pattern
        do {
            regex = try Regex(pattern)
        } catch {
            throw LogFormatError("regex '\(pattern)' is not valid: \(error)")
        }
        self.datefmt = try datefmt.map { f throws(LogFormatError) in try StrftimeFormat(f) }
        // Group names, in pattern order: `(?<name>`, `(?P<name>` and `(?'name'`.
        var names: [String] = []
        let u = Array(pattern.utf8)
        var i = 0
        while i + 3 < u.count {
            if u[i] == 0x5C { i += 2; continue }
            if u[i] == 0x28, u[i + 1] == 0x3F {
                var j = i + 2
                if j < u.count, u[j] == 0x50 { j += 1 }
                if j < u.count, u[j] == 0x3C || u[j] == 0x27, j + 1 < u.count, u[j + 1] != 0x3D, u[j + 1] != 0x21 {
                    let close: UInt8 = u[j] == 0x3C ? 0x3E : 0x27
                    if let e = u[(j + 1)...].firstIndex(of: close) {
                        names.append(String(decoding: u[(j + 1)..<e], as: UTF8.self))
                    }
                }
            }
            i += 1
        }
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

    public init(_ format: RegexFormat, reference: YearReference) {
        self.format = format
        self.reference = reference
    }

    override public func parseHead(_ line: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        let valid = isValidUTF8(line)
        let s = String(decoding: line, as: UTF8.self)
        guard let m = try? format.regex.firstMatch(in: s) else { return false }
        var bytes: [UInt8] = []
        if !valid {
            bytes = Array(s.utf8)
            head.alternate = bytes
        }
        for (k, name) in format.groupNames.enumerated() {
            guard let el = m.output[name], let r = el.range else { continue }
            let a = s.utf8.distance(from: s.startIndex, to: r.lowerBound)
            let e = s.utf8.distance(from: s.startIndex, to: r.upperBound)
            let span = Span(a, e)
            func value(_ body: (Bytes) -> Void) {
                if valid { body(sub(line, a, e)) } else { bytes.withUnsafeBufferPointer { body(sub($0, a, e)) } }
            }
            switch format.roles[k] {
            case .time:
                value { v in
                    if let f = format.datefmt, let (t, end) = f.match(v, 0, reference), end == v.count {
                        head.time = t; head.hasTime = true
                    } else if format.datefmt == nil, let t = parseAnyTime(v, reference: reference) {
                        head.time = t; head.hasTime = true
                    }
                }
            case .level:
                value { v in head.level = LogLevel.recognise(v) }
                head.levelText = span
            case .logger:
                head.logger = span
            case .pid:
                value { v in
                    if let d = someDigits(v, 0, maxDigits: 18), d.end == v.count { head.pid = d.value; head.hasPid = true }
                }
            case .message:
                head.message = span
            case .field(let i):
                head.extras.append(ExtraField(name: .fixed(i), value: span, kind: .text))
            }
        }
        return true
    }
}

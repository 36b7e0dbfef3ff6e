// Crontab files as the daemons read them, one line at a time: comments and blank lines skipped,
// `NAME = value` environment lines (Vixie's load_env, quotes allowed), and entries — five fields or an
// `@` shortcut, a user field in system crontabs (`/etc/crontab`, `/etc/cron.d/*`), then the command.
// A line the daemon would reject becomes an entry with `error` set and its line number, so one typo
// does not hide the rest of the file.
import StrataCommon

public enum CrontabKind: String, Sendable {
    /// `crontab -l` output or a spool file: no user field.
    case user
    /// `/etc/crontab` and `/etc/cron.d` files: a user field after the schedule.
    case system

    /// System format for `/etc/crontab` and files in a `cron.d` folder (`/etc/cron.d/x`, a relative `cron.d/x`);
    /// user format otherwise.
    public static func guess(path: String) -> CrontabKind {
        if path == "/etc/crontab" || path.hasSuffix("/etc/crontab") || path == "etc/crontab"
            || path.contains("/cron.d/") || path.hasPrefix("cron.d/") {
            return .system
        }
        return .user
    }

    /// The owner of a spool crontab (`/var/spool/cron/crontabs/alice`, `/var/spool/cron/alice`), else nil.
    public static func spoolUser(path: String) -> String? {
        for prefix in ["/var/spool/cron/crontabs/", "/var/spool/cron/"] where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            if !rest.isEmpty, !rest.contains("/") { return String(rest) }
        }
        return nil
    }
}

public struct CrontabEntry: Sendable {
    public var line: Int
    public var schedule: CronSchedule?
    public var user: String?
    /// The command before the first unescaped `%`, with `\%` turned into `%`.
    public var command: String?
    /// The command exactly as the daemon stores it (`e->cmd`: in system crontabs everything after the one
    /// blank that ends the user field), including any `%` part.
    public var rawCommand: String?
    /// The command as the daemons write it into `CMD (...)` lines: `rawCommand` cut at the first unescaped
    /// `%` (they cut it before logging), through their `mkprints` (control characters as `^X`, DEL as `^?`,
    /// bytes above 0x7E as `\ooo`). Runs are matched on this text.
    public var loggedCommand: String? { rawCommand.map { mkprints(splitPercent($0).command) } }
    /// What the job reads on stdin (text after the first `%`, later `%`s as newlines), or nil.
    public var stdin: String?
    /// The file stdout is redirected to with `>` or `>>`, as written.
    public var logPath: String?
    /// Environment assignments in effect at this line, in the order first set.
    public var env: [(name: String, value: String)]
    /// Why the daemon would reject this line; the other fields are then nil.
    public var error: String?

    /// The environment as a JSON object text.
    public var envJSON: String {
        "{" + env.map { jsonStringLiteral($0.name) + ":" + jsonStringLiteral($0.value) }.joined(separator: ",") + "}"
    }
}

/// Reads a crontab line by line; environment lines change the state, entry lines come back as entries.
public struct CrontabParser {
    public let kind: CrontabKind
    public let defaultUser: String?
    public private(set) var env: [(name: String, value: String)] = []

    public init(kind: CrontabKind, defaultUser: String? = nil) {
        self.kind = kind
        self.defaultUser = defaultUser
    }

    /// The entry on this line, or nil for comments, blank lines and environment lines.
    public mutating func parse(line bytes: UnsafeBufferPointer<UInt8>, number: Int) -> CrontabEntry? {
        let text = String(decoding: bytes, as: UTF8.self)
        return parse(line: text, number: number)
    }

    public mutating func parse(line text: String, number: Int) -> CrontabEntry? {
        let u = Array(text.utf8)
        var i = 0
        while i < u.count, isBlank(u[i]) { i += 1 }
        if i == u.count || u[i] == 0x23 { return nil }  // blank or `#` comment
        if let (name, value) = environmentAssignment(u) {
            if let k = env.firstIndex(where: { $0.name == name }) { env[k].value = value } else {
                env.append((name, value))
            }
            return nil
        }
        var entry = CrontabEntry(line: number, env: env)
        do {
            try parseEntry(u, from: i, into: &entry)
        } catch let e as CronError {
            entry = CrontabEntry(line: number, env: env, error: e.message)
        } catch {
            entry = CrontabEntry(line: number, env: env, error: "\(error)")
        }
        return entry
    }

    private func parseEntry(_ u: [UInt8], from start: Int, into e: inout CrontabEntry) throws {
        var i = start
        func word() -> String {
            let s = i
            while i < u.count, !isBlank(u[i]) { i += 1 }
            let w = String(decoding: u[s..<i], as: UTF8.self)
            while i < u.count, isBlank(u[i]) { i += 1 }
            return w
        }
        // cronie's `-` prefix: do not log this job's runs.
        if u[i] == 0x2D, i + 1 < u.count, !isDigit(u[i + 1]) { i += 1 }
        let schedule: CronSchedule
        var exact: Int?
        if u[i] == 0x40 {  // @shortcut
            schedule = try CronSchedule(parsing: word())
        } else {
            var fields: [String] = []
            for _ in 0..<5 {
                guard i < u.count else {
                    throw CronError("line ends after \(fields.count) of the 5 schedule fields")
                }
                fields.append(word())
            }
            schedule = try CronSchedule(fields: fields, text: fields.joined(separator: " "))
        }
        if kind == .system {
            guard i < u.count else { throw CronError("missing user and command after the schedule") }
            // The daemon's command starts after the single blank that ends the user name.
            let s = i
            while i < u.count, !isBlank(u[i]) { i += 1 }
            e.user = String(decoding: u[s..<i], as: UTF8.self)
            if i < u.count { i += 1 }
            exact = i
            while i < u.count, isBlank(u[i]) { i += 1 }
        } else {
            e.user = defaultUser
        }
        guard i < u.count else { throw CronError("missing command after the schedule") }
        // The daemons refuse a command starting with `*` ("a common typo": a sixth schedule field).
        if u[i] == 0x2A { throw CronError("command starts with '*' (a sixth schedule field?)") }
        let raw = String(decoding: u[i...], as: UTF8.self)
        let (command, stdin) = splitPercent(raw)
        e.schedule = schedule
        e.rawCommand = String(decoding: u[min(exact ?? i, i)...], as: UTF8.self)
        e.command = command
        e.stdin = stdin
        e.logPath = stdoutRedirection(command)
    }
}

@inline(__always) func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

/// `NAME=value` as Vixie's load_env reads it: optional quotes around name and value, blanks around `=`,
/// trailing blanks of an unquoted value dropped. Nil when the line is not an assignment.
func environmentAssignment(_ u: [UInt8]) -> (String, String)? {
    var i = 0
    while i < u.count, isBlank(u[i]) { i += 1 }
    guard i < u.count else { return nil }
    var name: [UInt8] = []
    if u[i] == 0x22 || u[i] == 0x27 {
        let q = u[i]
        i += 1
        while i < u.count, u[i] != q { name.append(u[i]); i += 1 }
        guard i < u.count else { return nil }
        i += 1
    } else {
        while i < u.count, u[i] != 0x3D, !isBlank(u[i]) { name.append(u[i]); i += 1 }
    }
    guard !name.isEmpty else { return nil }
    while i < u.count, isBlank(u[i]) { i += 1 }
    guard i < u.count, u[i] == 0x3D else { return nil }
    i += 1
    while i < u.count, isBlank(u[i]) { i += 1 }
    var value: [UInt8] = []
    if i < u.count, u[i] == 0x22 || u[i] == 0x27 {
        let q = u[i]
        i += 1
        while i < u.count, u[i] != q { value.append(u[i]); i += 1 }
        guard i < u.count else { return nil }  // unterminated quote: not an assignment
        i += 1
        while i < u.count, isBlank(u[i]) { i += 1 }
        guard i == u.count else { return nil }
    } else {
        value = Array(u[i...])
        while let last = value.last, isBlank(last) { value.removeLast() }
    }
    return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
}

/// The daemons' `%` rule: the command ends at the first unescaped `%` (`\%` becomes `%`); the rest is
/// stdin, where `%` becomes a newline, `\%` a `%`, and a final newline is added.
public func splitPercent(_ raw: String) -> (command: String, stdin: String?) {
    let u = Array(raw.utf8)
    var cmd: [UInt8] = []
    var escaped = false
    var i = 0
    var split = false
    while i < u.count {
        let c = u[i]
        if escaped {
            if c == 0x25 { _ = cmd.popLast() }  // drop the backslash before %
            cmd.append(c)
            escaped = false
        } else if c == 0x5C {
            cmd.append(c)
            escaped = true
        } else if c == 0x25 {
            split = true
            i += 1
            break
        } else {
            cmd.append(c)
        }
        i += 1
    }
    let command = String(decoding: cmd, as: UTF8.self)
    guard split else { return (command, nil) }
    var input: [UInt8] = []
    escaped = false
    var needNewline = false
    while i < u.count {
        var c = u[i]
        i += 1
        if escaped {
            if c != 0x25 { input.append(0x5C) }
        } else if c == 0x25 {
            c = 0x0A
        }
        escaped = c == 0x5C
        if !escaped {
            input.append(c)
            needNewline = c != 0x0A
        }
    }
    if escaped { input.append(0x5C) }
    if needNewline { input.append(0x0A) }
    return (command, String(decoding: input, as: UTF8.self))
}

/// The target of the last stdout redirection (`>`, `>>`, `1>`, `1>>`, `&>`, `&>>`, `>|`) outside quotes,
/// unquoted, as written. `2>`, `>&2` and `2>&1` are not stdout files.
public func stdoutRedirection(_ command: String) -> String? {
    let u = Array(command.utf8)
    var result: String?
    var i = 0
    var quote: UInt8 = 0
    while i < u.count {
        let c = u[i]
        if quote != 0 {
            if c == quote { quote = 0 } else if c == 0x5C, quote == 0x22 { i += 1 }
            i += 1
            continue
        }
        if c == 0x5C { i += 2; continue }
        if c == 0x27 || c == 0x22 { quote = c; i += 1; continue }
        guard c == 0x3E else { i += 1; continue }  // >
        // Which descriptor: a digit right before `>` that starts a word, or `&` (both stdout and stderr).
        var fdIsStdout = true
        if i > 0, isDigit(u[i - 1]) {
            var s = i - 1
            while s > 0, isDigit(u[s - 1]) { s -= 1 }
            let wordStart = s == 0 || isBlank(u[s - 1]) || u[s - 1] == 0x3B || u[s - 1] == 0x7C || u[s - 1] == 0x26
            if wordStart { fdIsStdout = String(decoding: u[s..<i], as: UTF8.self) == "1" }
        }
        i += 1
        if i < u.count, u[i] == 0x3E { i += 1 }         // >>
        if i < u.count, u[i] == 0x7C { i += 1 }         // >|
        if i < u.count, u[i] == 0x26 { i += 1; continue } // >&N duplicates a descriptor: no file
        while i < u.count, isBlank(u[i]) { i += 1 }
        var target: [UInt8] = []
        var q: UInt8 = 0
        while i < u.count {
            let t = u[i]
            if q != 0 {
                if t == q { q = 0 } else { target.append(t) }
                i += 1
                continue
            }
            if t == 0x27 || t == 0x22 { q = t; i += 1; continue }
            if t == 0x5C, i + 1 < u.count { target.append(u[i + 1]); i += 2; continue }
            // `$(date +%F)` and `` `date +%F` `` are part of the word, blanks and all.
            if t == 0x24, i + 1 < u.count, u[i + 1] == 0x28 {
                var depth = 0, k = i + 1
                while k < u.count {
                    if u[k] == 0x28 { depth += 1 } else if u[k] == 0x29 { depth -= 1; if depth == 0 { break } }
                    k += 1
                }
                if k < u.count { target.append(contentsOf: u[i...k]); i = k + 1; continue }
            }
            if t == 0x60, let k = u[(i + 1)...].firstIndex(of: 0x60) {
                target.append(contentsOf: u[i...k]); i = k + 1; continue
            }
            if isBlank(t) || t == 0x3B || t == 0x7C || t == 0x26 || t == 0x3C || t == 0x3E || t == 0x29 { break }
            target.append(t)
            i += 1
        }
        if fdIsStdout, !target.isEmpty { result = String(decoding: target, as: UTF8.self) }
    }
    return result
}

/// The daemons' `mkprints`: how a command appears in their log lines.
public func mkprints(_ s: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count)
    for c in s.utf8 {
        if c < 0x20 {
            out.append(0x5E); out.append(c + 0x40)
        } else if c < 0x7F {
            out.append(c)
        } else if c == 0x7F {
            out.append(0x5E); out.append(0x3F)
        } else {
            out.append(0x5C)
            out.append(0x30 + (c >> 6)); out.append(0x30 + ((c >> 3) & 7)); out.append(0x30 + (c & 7))
        }
    }
    return String(decoding: out, as: UTF8.self)
}


// The file a run's output went to, from its entry's `>`/`>>` target as written: the shell's date substitutions
// (`$(date +%F)`, `` `date +%Y%m%d` ``, `$(date -I)`) expanded for the run's start (or its fire time), `~/`,
// `$HOME/` and relative paths put under the job's home (cron starts every job in `HOME`: the crontab's HOME=
// line, else the user's passwd entry). A substitution that is not a plain date format is kept as written, and a
// relative path whose home is not known here is left relative (read from the current directory, as every path
// argument is), each with a note saying so.
import StrataCommon

public struct ResolvedLogPath: Sendable, Equatable {
    /// The path, or nil for `/dev/null` (no log).
    public var path: String?
    /// Why the path may not be the file the run wrote (a substitution kept raw, an unknown home).
    public var note: String?
}

/// `home` is the job user's home directory when known.
public func resolveLogPath(_ raw: String, at t: CivilDateTime, home: String?) -> ResolvedLogPath {
    if raw == "/dev/null" { return ResolvedLogPath(path: nil, note: nil) }
    var note: String?
    var out = ""
    let u = Array(raw.utf8)
    var i = 0
    var literal: [UInt8] = []
    func flush() { out += String(decoding: literal, as: UTF8.self); literal.removeAll() }
    while i < u.count {
        // $(...) or `...`
        var inner: [UInt8]?
        var next = i
        if u[i] == 0x24, i + 1 < u.count, u[i + 1] == 0x28 {
            var depth = 0, k = i + 1
            while k < u.count {
                if u[k] == 0x28 { depth += 1 } else if u[k] == 0x29 { depth -= 1; if depth == 0 { break } }
                k += 1
            }
            if k < u.count { inner = Array(u[(i + 2)..<k]); next = k + 1 }
        } else if u[i] == 0x60, let k = u[(i + 1)...].firstIndex(of: 0x60) {
            inner = Array(u[(i + 1)..<k]); next = k + 1
        }
        if let inner {
            let text = String(decoding: inner, as: UTF8.self)
            if let format = dateFormat(text) {
                flush()
                out += strftime(format, t)
            } else {
                literal.append(contentsOf: u[i..<next])
                note = "its log path has a substitution that is not a date format (\(String(decoding: u[i..<next], as: UTF8.self))): kept as written"
            }
            i = next
            continue
        }
        literal.append(u[i])
        i += 1
    }
    flush()
    // ~/x, $HOME/x, ${HOME}/x and relative paths are under the user's home.
    var rest: Substring? = nil
    for prefix in ["~/", "$HOME/", "${HOME}/"] where out.hasPrefix(prefix) { rest = out.dropFirst(prefix.count) }
    if rest == nil, !out.hasPrefix("/"), !out.hasPrefix("$"), !out.hasPrefix("~") { rest = Substring(out) }
    if let rest {
        if let home {
            out = (home.hasSuffix("/") ? home : home + "/") + rest
        } else {
            note = (note.map { $0 + "; " } ?? "") + "its log path is relative to a home not known here: read from the "
                + "current directory"
        }
    }
    return ResolvedLogPath(path: out, note: note)
}

/// The strftime format of a `date` command that only formats the current time: `date +FMT`, `date '+FMT'`,
/// `date "+FMT"`, `date -I`/`--iso-8601`[`=date`], with any path before `date`; nil for anything else.
func dateFormat(_ command: String) -> String? {
    var words: [String] = []
    var current = ""
    var quote: Character? = nil
    var quoted = false
    for c in command {
        if let q = quote {
            if c == q { quote = nil } else { current.append(c) }
            continue
        }
        if c == "'" || c == "\"" { quote = c; quoted = true; continue }
        if c == " " || c == "\t" {
            if !current.isEmpty || quoted { words.append(current) }
            current = ""; quoted = false
            continue
        }
        if c == "\\" { continue }  // `+\%F` after cron's own unescaping still has no meaning for date
        current.append(c)
    }
    guard quote == nil else { return nil }
    if !current.isEmpty || quoted { words.append(current) }
    guard let first = words.first, first == "date" || first.hasSuffix("/date") else { return nil }
    let args = words.dropFirst()
    if args.isEmpty { return nil }
    if args.count == 1, let a = args.first {
        if a.hasPrefix("+") { return String(a.dropFirst()) }
        if a == "-I" || a == "-Idate" || a == "--iso-8601" || a == "--iso-8601=date" { return "%F" }
    }
    return nil
}

private let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                          "October", "November", "December"]
private let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

/// GNU date's common conversions in the C locale; an unknown one is kept as written.
func strftime(_ format: String, _ t: CivilDateTime) -> String {
    func pad(_ v: Int, _ width: Int, _ fill: Character = "0") -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: fill, count: width - s.count) + s
    }
    let days = daysFromCivil(year: t.year, month: t.month, day: t.day)
    let weekday = weekdayFromDays(days)  // 0 = Sunday
    let dayOfYear = Int(days - daysFromCivil(year: t.year, month: 1, day: 1)) + 1
    var out = ""
    var it = format.makeIterator()
    while let c = it.next() {
        guard c == "%" else { out.append(c); continue }
        guard let d = it.next() else { out.append("%"); break }
        switch d {
        case "Y": out += pad(t.year, 4)
        case "C": out += pad(t.year / 100, 2)
        case "y": out += pad(t.year % 100, 2)
        case "m": out += pad(t.month, 2)
        case "d": out += pad(t.day, 2)
        case "e": out += pad(t.day, 2, " ")
        case "H": out += pad(t.hour, 2)
        case "I": out += pad((t.hour + 11) % 12 + 1, 2)
        case "M": out += pad(t.minute, 2)
        case "S": out += pad(t.second, 2)
        case "F": out += "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))"
        case "T": out += "\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))"
        case "R": out += "\(pad(t.hour, 2)):\(pad(t.minute, 2))"
        case "D": out += "\(pad(t.month, 2))/\(pad(t.day, 2))/\(pad(t.year % 100, 2))"
        case "j": out += pad(dayOfYear, 3)
        case "u": out += String(weekday == 0 ? 7 : weekday)
        case "w": out += String(weekday)
        case "b", "h": out += String(monthNames[t.month - 1].prefix(3))
        case "B": out += monthNames[t.month - 1]
        case "a": out += String(dayNames[weekday].prefix(3))
        case "A": out += dayNames[weekday]
        case "p": out += t.hour < 12 ? "AM" : "PM"
        case "s": out += String(t.epochSeconds)
        case "%": out += "%"
        default: out += "%" + String(d)
        }
    }
    return out
}

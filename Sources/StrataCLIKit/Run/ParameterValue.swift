// Values given on the command line (`--param name=value`), in report headers (`-- @param name = value`) and
// with `.param set`: a canonical integer binds as INTEGER, a decimal number as REAL, `NULL` as NULL, a value
// in single quotes as the TEXT between them, a relative date (`now`, `today`, `yesterday 18:00`, `-7 days`)
// as the local time it names in ISO text, anything else (dates, names, paths) as TEXT.
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
        if let t = relativeTime(s) { return .text(t) }
        return .text(s)
    }

    /// A relative date as local ISO text `YYYY-MM-DD HH:MM:SS`, or nil when `s` is not one. The grammar:
    /// an optional base — `now`, `today`, `yesterday`, `tomorrow` (the last three at midnight) — with an
    /// optional time of day `HH:MM[:SS]`, then any number of `±N unit` steps (`-7 days`, `+1 week`,
    /// `-6 hours`; `N unit ago` too), units being seconds, minutes, hours, days, weeks, months and years.
    /// Steps alone count from now. Hours and smaller are elapsed time; days and larger keep the wall clock.
    public static func relativeTime(_ s: String, now: Int = Int(time(nil))) -> String? {
        let words = s.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty, words.count <= 16 else { return nil }
        var t = time_t(now)
        var tm = Glibc.tm()
        guard localtime_r(&t, &tm) != nil else { return nil }
        func midnight(_ dayOffset: Int32) {
            tm.tm_mday += dayOffset
            tm.tm_hour = 0; tm.tm_min = 0; tm.tm_sec = 0
        }
        var i = 0
        switch words[0] {
        case "now": i = 1
        case "today": midnight(0); i = 1
        case "yesterday": midnight(-1); i = 1
        case "tomorrow": midnight(1); i = 1
        default: break
        }
        if i == 1, i < words.count, let clock = timeOfDay(words[i]) {
            (tm.tm_hour, tm.tm_min, tm.tm_sec) = clock
            i += 1
        }
        guard normalize(&tm) else { return nil }
        var stepped = false
        while i < words.count {
            // `-7 days`, `-7days`, `+1 week`, `3 hours ago`
            var number = words[i]
            var unitWord: String
            if let split = number.firstIndex(where: { $0.isLetter }) {
                unitWord = String(number[split...])
                number = String(number[..<split])
                i += 1
            } else {
                guard i + 1 < words.count else { return nil }
                unitWord = words[i + 1]
                i += 2
            }
            var sign = 1
            if number.hasPrefix("+") { number.removeFirst() } else if number.hasPrefix("-") { number.removeFirst(); sign = -1 }
            guard !number.isEmpty, number.count <= 6, let n = Int(number), let unit = unitSeconds(unitWord) else { return nil }
            if i < words.count, words[i] == "ago" { sign = -sign; i += 1 }
            let amount = Int32(sign * n)
            switch unit {
            case .clock(let seconds):
                var epoch = mktime(&tm)
                guard epoch != -1 || tm.tm_year == 69 else { return nil }
                epoch += time_t(Int(amount) * seconds)
                guard localtime_r(&epoch, &tm) != nil else { return nil }
            case .days(let d): tm.tm_mday += amount * d
            case .months(let m): tm.tm_mon += amount * m
            }
            guard normalize(&tm) else { return nil }
            stepped = true
        }
        guard stepped || ["now", "today", "yesterday", "tomorrow"].contains(words[0]) else { return nil }
        let year = Int(tm.tm_year) + 1900
        guard (1...9999).contains(year) else { return nil }
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let y = String(year)
        return String(repeating: "0", count: 4 - y.count) + y + "-" + two(tm.tm_mon + 1) + "-" + two(tm.tm_mday)
            + " " + two(tm.tm_hour) + ":" + two(tm.tm_min) + ":" + two(tm.tm_sec)
    }

    enum Step { case clock(Int), days(Int32), months(Int32) }

    static func unitSeconds(_ word: String) -> Step? {
        switch word {
        case "s", "sec", "secs", "second", "seconds": return .clock(1)
        case "m", "min", "mins", "minute", "minutes": return .clock(60)
        case "h", "hr", "hrs", "hour", "hours": return .clock(3600)
        case "d", "day", "days": return .days(1)
        case "w", "week", "weeks": return .days(7)
        case "month", "months": return .months(1)
        case "y", "year", "years": return .months(12)
        default: return nil
        }
    }

    /// `HH:MM` or `HH:MM:SS`.
    static func timeOfDay(_ w: String) -> (Int32, Int32, Int32)? {
        let parts = w.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3,
              parts.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let h = Int32(parts[0]), let m = Int32(parts[1]), h < 24, m < 60 else { return nil }
        let sec = parts.count == 3 ? Int32(parts[2]) ?? 99 : 0
        guard sec < 60 else { return nil }
        return (h, m, sec)
    }

    /// Normalises out-of-range fields (day 0, month 13) as the local calendar has them.
    static func normalize(_ tm: inout Glibc.tm) -> Bool {
        tm.tm_isdst = -1
        let year = tm.tm_year
        guard year > -1900, year < 8100 else { return false }
        return mktime(&tm) != -1 || tm.tm_year == 69
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

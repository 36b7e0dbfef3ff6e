// Plain-English descriptions of schedules (`0 2 * * *` → "At 02:00 every day"), built from the fields as
// written so the words follow the text, and from the daemon's day rule: when either day field starts with
// `*` both must match ("… if it is Monday"); otherwise either may ("… and on Monday").

extension CronSchedule {
    public var englishDescription: String {
        if isReboot { return "At system startup (@reboot)" }
        guard fields.count == 5 else { return text }
        let (mi, hr, dom, mon, dow) = (fields[0], fields[1], fields[2], fields[3], fields[4])
        var out: String
        var fixedTimes = false
        let minuteValues = singleValues(mi), hourValues = singleValues(hr)
        if let ms = minuteValues, let hs = hourValues, ms.count * hs.count <= 6 {
            var times: [String] = []
            for h in hs { for m in ms { times.append(twoDigits(h) + ":" + twoDigits(m)) } }
            out = "At " + joinedList(times)
            fixedTimes = true
        } else if mi == "*" && hr == "*" {
            out = "Every minute"
        } else if hr == "*", let n = starStep(mi), 60 % n == 0 {
            out = "Every \(n) minutes"
        } else if mi == "0", hr == "*" {
            out = "Every hour at minute 0"
        } else if mi == "0", let n = starStep(hr), 24 % n == 0 {
            out = "Every \(n) hours at minute 0"
        } else {
            let minutePart = mi == "*" ? "every minute" : phrase(mi, .minute)
            let hourPart = hr == "*" ? "every hour" : phrase(hr, .hour)
            out = "At " + minutePart + " past " + hourPart
        }

        let domAll = dom == "*", dowAll = dow == "*"
        if domAll && dowAll {
            if fixedTimes { out += " every day" }
        } else if dowAll {
            out += " on " + phrase(dom, .dayOfMonth)
        } else if domAll {
            out += " on " + phrase(dow, .dayOfWeek)
        } else if domStar || dowStar {
            out += " on " + phrase(dom, .dayOfMonth) + " if it is " + phrase(dow, .dayOfWeek)
        } else {
            out += " on " + phrase(dom, .dayOfMonth) + " and on " + phrase(dow, .dayOfWeek)
        }
        if mon != "*" { out += " in " + phrase(mon, .month) }
        return out
    }
}

private let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                          "October", "November", "December"]
private let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

private func twoDigits(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

private func joinedList(_ items: [String]) -> String {
    guard items.count > 1, let last = items.last else { return items.first ?? "" }
    return items.dropLast().joined(separator: ", ") + " and " + last
}

private func ordinal(_ n: Int) -> String {
    let suffix: String
    switch (n % 10, n % 100) {
    case (_, 11...13): suffix = "th"
    case (1, _): suffix = "st"
    case (2, _): suffix = "nd"
    case (3, _): suffix = "rd"
    default: suffix = "th"
    }
    return "\(n)\(suffix)"
}

/// The step of a `*/n` field.
private func starStep(_ f: String) -> Int? {
    guard f.hasPrefix("*/") else { return nil }
    return Int(f.dropFirst(2))
}

/// The numbers of a field that is a plain list of numbers (no ranges, steps, names or `*`).
private func singleValues(_ f: String) -> [Int]? {
    var out: [Int] = []
    for part in f.split(separator: ",", omittingEmptySubsequences: false) {
        guard let v = Int(part) else { return nil }
        out.append(v)
    }
    return out.isEmpty ? nil : out
}

/// A value as words: month and weekday names, else the number.
private func valueName(_ s: Substring, _ field: CronField) -> String {
    let v: Int?
    if let n = Int(s) { v = n } else {
        let lower = s.lowercased()
        if let k = field.names.firstIndex(of: lower) { v = k + (field == .month ? 1 : 0) } else { v = nil }
    }
    guard let n = v else { return String(s) }
    switch field {
    case .month where (1...12).contains(n): return monthNames[n - 1]
    case .dayOfWeek where (0...7).contains(n): return weekdayNames[n]
    default: return String(n)
    }
}

/// One field as a phrase: "day-of-month 1 and 15", "Monday through Friday", "every 2nd day-of-month".
private func phrase(_ f: String, _ field: CronField) -> String {
    let unit: String
    switch field {
    case .minute: unit = "minute"
    case .hour: unit = "hour"
    case .dayOfMonth: unit = "day-of-month"
    case .month: unit = "month"
    case .dayOfWeek: unit = "day-of-week"
    }
    let named = field == .month || field == .dayOfWeek
    var parts: [String] = []
    for item in f.split(separator: ",") {
        let pieces = item.split(separator: "/", maxSplits: 1)
        let base = pieces.first ?? item
        let step = pieces.count > 1 ? Int(pieces[1]) : nil
        var text: String
        if base == "*" {
            text = step.map { "every \(ordinal($0)) \(unit)" } ?? "every \(unit)"
        } else if let dash = base.firstIndex(of: "-") {
            let a = valueName(base[..<dash], field), b = valueName(base[base.index(after: dash)...], field)
            if let s = step, s > 1 {
                text = "every \(ordinal(s)) \(unit) from \(a) through \(b)"
            } else {
                text = named ? "\(a) through \(b)" : "every \(unit) from \(a) through \(b)"
            }
        } else {
            text = named ? valueName(base, field) : "\(unit) \(valueName(base, field))"
        }
        parts.append(text)
    }
    // "minute 5, minute 10" reads better as "minute 5 and 10".
    if !named, parts.count > 1, parts.allSatisfy({ $0.hasPrefix(unit + " ") }) {
        return unit + " " + joinedList(parts.map { String($0.dropFirst(unit.count + 1)) })
    }
    return joinedList(parts)
}

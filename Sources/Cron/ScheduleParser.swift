// Parses schedule text the way the Vixie/Debian and cronie daemons do (`entry.c`: get_list/get_range/
// get_number): lists of `*`, numbers, three-letter names, `a-b` ranges and `/step`; `*` may carry a step;
// a range must not run backwards; a step must be at least 1; day-of-week 7 is Sunday. Forms the daemons
// refuse are errors here too (`5/10`, `mon-sun`, `5-2`), even where croniter accepts them.

public enum CronField: Int, CaseIterable, Sendable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    public var name: String {
        switch self {
        case .minute: return "minute"
        case .hour: return "hour"
        case .dayOfMonth: return "day-of-month"
        case .month: return "month"
        case .dayOfWeek: return "day-of-week"
        }
    }

    var bounds: (low: Int, high: Int) {
        switch self {
        case .minute: return (0, 59)
        case .hour: return (0, 23)
        case .dayOfMonth: return (1, 31)
        case .month: return (1, 12)
        case .dayOfWeek: return (0, 7)
        }
    }

    var names: [String] {
        switch self {
        case .month: return ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        case .dayOfWeek: return ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        default: return []
        }
    }
}

extension CronSchedule {
    /// Parses five whitespace-separated fields or an `@` shortcut. `@reboot` parses (it has no fire times).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCronWhitespace()
        if trimmed.hasPrefix("@") {
            if trimmed == "@reboot" {
                self.init(minutes: 0, hours: 0, daysOfMonth: 0, months: 0, daysOfWeek: 0, domStar: false,
                          dowStar: false, isReboot: true, text: trimmed, fields: [])
                return
            }
            guard let expansion = cronShortcuts[trimmed] else {
                throw CronError("invalid schedule '\(trimmed)': unknown shortcut (expected @reboot, @yearly, "
                                + "@annually, @monthly, @weekly, @daily, @midnight or @hourly)")
            }
            try self.init(fields: expansion.split(separator: " ").map(String.init), text: trimmed)
            return
        }
        let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError("invalid schedule '\(trimmed)': expected 5 fields (minute hour day-of-month month "
                            + "day-of-week) or an @ shortcut, got \(fields.count)")
        }
        try self.init(fields: fields, text: trimmed)
    }

    /// Parses five fields already split; `text` is what error messages and the `schedule` column show.
    public init(fields: [String], text: String) throws {
        guard fields.count == 5 else { throw CronError("invalid schedule '\(text)': expected 5 fields") }
        var sets = [UInt64](repeating: 0, count: 5)
        for field in CronField.allCases {
            do {
                sets[field.rawValue] = try parseCronField(fields[field.rawValue], field)
            } catch let e as CronError {
                throw CronError("invalid schedule '\(text)': \(field.name) field '\(fields[field.rawValue])': \(e.message)")
            }
        }
        var dow = sets[4]
        if dow & (1 << 7) != 0 { dow = (dow | 1) & ~(1 << 7) }
        self.init(minutes: sets[0], hours: sets[1], daysOfMonth: sets[2], months: sets[3], daysOfWeek: dow,
                  domStar: fields[2].hasPrefix("*"), dowStar: fields[4].hasPrefix("*"), isReboot: false,
                  text: text, fields: fields)
    }
}

/// One field's bit set. Throws a message without the field name (the caller adds it).
func parseCronField(_ text: String, _ field: CronField) throws -> UInt64 {
    let (low, high) = field.bounds
    var bits: UInt64 = 0
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty else { throw CronError("empty") }
    var i = 0

    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

    /// A number or (for month and weekday) a three-letter name. Numbers are capped so huge ones cannot overflow.
    func value(allowNames: Bool) throws -> Int {
        guard i < bytes.count else { throw CronError("a number is missing at the end") }
        if isDigit(bytes[i]) {
            var v = 0
            while i < bytes.count, isDigit(bytes[i]) {
                v = min(v * 10 + Int(bytes[i] - 0x30), 1_000_000)
                i += 1
            }
            return v
        }
        if allowNames, isAlpha(bytes[i]) {
            let start = i
            while i < bytes.count, isAlpha(bytes[i]) { i += 1 }
            let word = String(decoding: bytes[start..<i], as: UTF8.self).lowercased()
            if let k = field.names.firstIndex(of: word) { return k + (field == .month ? 1 : 0) }
            throw CronError("unknown name '\(word)'")
        }
        let c = String(decoding: [bytes[i]], as: UTF8.self)
        throw CronError(field.names.isEmpty ? "expected a number or '*' at '\(c)'"
                                            : "expected a number, a name or '*' at '\(c)'")
    }

    func checkRange(_ v: Int) throws {
        guard v >= low, v <= high else { throw CronError("\(v) is out of range \(low)-\(high)") }
    }

    while true {
        var first: Int, last: Int, step = 1
        if i < bytes.count, bytes[i] == 0x2A {  // *
            first = low; last = high
            i += 1
            if i < bytes.count, bytes[i] == 0x2F {  // */step
                i += 1
                guard i < bytes.count, isDigit(bytes[i]) else { throw CronError("a step must be a number") }
                step = try value(allowNames: false)
            }
        } else {
            first = try value(allowNames: true)
            try checkRange(first)
            last = first
            if i < bytes.count, bytes[i] == 0x2D {  // a-b
                i += 1
                last = try value(allowNames: true)
                try checkRange(last)
                guard first <= last else { throw CronError("range \(first)-\(last) runs backwards") }
                if i < bytes.count, bytes[i] == 0x2F {
                    i += 1
                    guard i < bytes.count, isDigit(bytes[i]) else { throw CronError("a step must be a number") }
                    step = try value(allowNames: false)
                }
            } else if i < bytes.count, bytes[i] == 0x2F {
                throw CronError("a step needs a range or '*' before it (write \(first)-\(high)/...)")
            }
        }
        guard step >= 1 else { throw CronError("a step of 0 never advances") }
        var v = first
        while v <= last {
            bits |= 1 << UInt64(v)
            v += step
        }
        if i == bytes.count { return bits }
        guard bytes[i] == 0x2C else {  // ,
            throw CronError("unexpected '\(String(decoding: [bytes[i]], as: UTF8.self))'")
        }
        i += 1
        guard i < bytes.count else { throw CronError("a list must not end with ','") }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs, CR and LF.
    func trimmingCronWhitespace() -> String { trimming { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" } }
}

// An IANA time zone read from the system's TZif files (/usr/share/zoneinfo, RFC 8536), without Foundation:
// the UTC offset at any instant and the transitions where it changes — what a reader of local wall-clock
// times needs to know about daylight saving. Times past the file's last transition follow its footer, a POSIX
// TZ rule (`EST5EDT,M3.2.0,M11.1.0`), which is also accepted on its own as a zone (as `TZ` may hold one).
//
// Why not the allow-list of FileAccess: zone data is the system's, as libc's localtime reads it, and a name is
// only ever looked up under the zone directory after checking it is a zone name (letters, digits, `/_+-.`, no
// `..` part, not absolute), so no path from SQL can reach a user's file through it.
import Glibc

public struct TimeZoneError: MessageError, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

public struct TimeZoneInfo: Sendable, Equatable {
    /// A change of UTC offset: from `at` (UTC seconds) on, local time is UTC + `after` seconds.
    public struct Transition: Sendable, Equatable {
        public var at: Int64
        public var before: Int
        public var after: Int
        /// Whether the offset from `at` on is daylight saving time.
        public var isDST: Bool
    }

    /// The zone's name as given (`America/New_York`, a POSIX rule, or `UTC`).
    public let name: String
    /// Transitions from the file's table that change the offset, in time order.
    let table: [Transition]
    /// The offset before the first transition (the file's first local time type).
    let initialOffset: Int
    /// The rule after the table's last transition (nil: the last offset holds forever).
    let rule: PosixZoneRule?

    public static let utc = TimeZoneInfo(name: "UTC", table: [], initialOffset: 0, rule: nil)

    init(name: String, table: [Transition], initialOffset: Int, rule: PosixZoneRule?) {
        self.name = name; self.table = table; self.initialOffset = initialOffset; self.rule = rule
    }

    /// The zone directory (glibc's default; `TZDIR` is not consulted, so SQL sees one zone database).
    public static let zoneDirectory = "/usr/share/zoneinfo"

    /// A zone by IANA name (`Europe/London`), `UTC`, or a POSIX TZ rule (`CET-1CEST,M3.5.0,M10.5.0/3`); a leading
    /// `:` (as in `TZ=:Europe/London`) is dropped.
    public static func named(_ text: String) throws(TimeZoneError) -> TimeZoneInfo {
        var name = text
        if name.hasPrefix(":") { name.removeFirst() }
        if name.isEmpty { throw TimeZoneError("an empty time zone name") }
        if name == "UTC" || name == "Etc/UTC" || name == "GMT" || name == "Z" { return .utc }
        if isZoneName(name) {
            let path = zoneDirectory + "/" + name
            var st = stat()
            if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG {
                return try TimeZoneInfo(tzif: readSmallFile(path), name: name)
            }
        }
        // Not a file: a POSIX rule needs a digit (an offset) after its name.
        if name.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }), let rule = PosixZoneRule(name) {
            return TimeZoneInfo(name: name, table: [], initialOffset: rule.standardOffset, rule: rule)
        }
        throw TimeZoneError("unknown time zone '\(text)' (an IANA name such as 'Europe/London', found under "
                            + "\(zoneDirectory), or a POSIX TZ rule)")
    }

    /// This machine's zone as libc's localtime finds it: the `TZ` environment variable when set and not empty,
    /// else /etc/localtime (its name taken from where the link points, else /etc/timezone).
    public static func local() throws(TimeZoneError) -> TimeZoneInfo {
        if let v = getenv("TZ"), v.pointee != 0 { return try named(String(cString: v)) }
        let path = "/etc/localtime"
        var st = stat()
        guard stat(path, &st) == 0 else { return .utc }  // glibc's default without the file: UTC
        var name = "localtime"
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buf, buf.count - 1)
        if n > 0 {
            let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // `/usr/share/zoneinfo/Europe/London` (or a relative `../usr/share/zoneinfo/...`): the part after zoneinfo/.
            let parts = target.split(separator: "/").map(String.init)
            if let k = parts.lastIndex(of: "zoneinfo"), k + 1 < parts.count {
                name = parts[(k + 1)...].joined(separator: "/")
            }
        } else if let text = try? readSmallFile("/etc/timezone") {
            let line = String(decoding: text.prefix { $0 != 0x0A }, as: UTF8.self)
            if isZoneName(line) { name = line }
        }
        if name == "UTC" || name == "Etc/UTC" { return .utc }
        return try TimeZoneInfo(tzif: readSmallFile(path), name: name)
    }

    /// Whether a text may name a file under the zone directory.
    static func isZoneName(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 255, !s.hasPrefix("/") else { return false }
        for part in s.split(separator: "/", omittingEmptySubsequences: false) {
            if part.isEmpty || part == "." || part == ".." { return false }
        }
        return s.utf8.allSatisfy { c in
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                || c == 0x2F || c == 0x5F || c == 0x2B || c == 0x2D || c == 0x2E
        }
    }

    /// A zone file's bytes (they are a few kilobytes; more than 1 MiB is not a zone file).
    static func readSmallFile(_ path: String) throws(TimeZoneError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw TimeZoneError("cannot read time zone file '\(path)'") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size <= 1 << 20 else {
            throw TimeZoneError("'\(path)' is not a time zone file")
        }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while out.count <= 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base, raw.count)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Parses TZif data (versions 1 to 4; the 64-bit block when present).
    public init(tzif b: [UInt8], name: String) throws(TimeZoneError) {
        let bad = TimeZoneError("'\(name)' is not a valid TZif time zone file")
        func u32(_ i: Int) throws(TimeZoneError) -> Int {
            guard i >= 0, i + 4 <= b.count else { throw bad }
            return Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
        }
        func i32(_ i: Int) throws(TimeZoneError) -> Int { Int(Int32(truncatingIfNeeded: try u32(i))) }
        func i64(_ i: Int) throws(TimeZoneError) -> Int64 {
            Int64(bitPattern: UInt64(try u32(i)) << 32 | UInt64(try u32(i + 4)))
        }
        guard b.count >= 44, b[0] == 0x54, b[1] == 0x5A, b[2] == 0x69, b[3] == 0x66 else { throw bad }
        let version = b[4]
        // Counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
        func counts(_ at: Int) throws(TimeZoneError) -> [Int] {
            var c: [Int] = []
            for k in 0..<6 { c.append(try u32(at + 20 + 4 * k)) }
            guard c.allSatisfy({ $0 <= 1 << 20 }) else { throw bad }
            return c
        }
        var header = 0
        var c = try counts(0)
        var timeSize = 4
        if version >= 0x32 {
            // Skip the 32-bit block to the 64-bit one.
            let v1 = 44 + c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]
            header = v1
            guard header + 44 <= b.count else { throw bad }
            c = try counts(header)
            timeSize = 8
        }
        let (isut, isstd, leap, timecnt, typecnt, charcnt) = (c[0], c[1], c[2], c[3], c[4], c[5])
        guard typecnt >= 1 else { throw bad }
        let timesAt = header + 44
        let indexAt = timesAt + timecnt * timeSize
        let typesAt = indexAt + timecnt
        let end = typesAt + typecnt * 6 + charcnt + leap * (timeSize + 4) + isstd + isut
        guard end <= b.count else { throw bad }
        var offsets: [Int] = [], dst: [Bool] = []
        for k in 0..<typecnt {
            let off = try i32(typesAt + 6 * k)
            guard abs(off) < 26 * 3600 else { throw bad }
            offsets.append(off)
            dst.append(b[typesAt + 6 * k + 4] != 0)
        }
        var table: [Transition] = []
        var current = offsets[0]
        for k in 0..<timecnt {
            let at = timeSize == 8 ? try i64(timesAt + 8 * k) : Int64(try i32(timesAt + 4 * k))
            let type = Int(b[indexAt + k])
            guard type < typecnt else { throw bad }
            if offsets[type] != current {
                table.append(Transition(at: at, before: current, after: offsets[type], isDST: dst[type]))
                current = offsets[type]
            }
        }
        var rule: PosixZoneRule? = nil
        if version >= 0x32, end < b.count, b[end] == 0x0A {
            let footer = b[(end + 1)...].prefix { $0 != 0x0A }
            let text = String(decoding: footer, as: UTF8.self)
            if !text.isEmpty { rule = PosixZoneRule(text) }
        }
        self.init(name: name, table: table, initialOffset: offsets[0], rule: rule)
    }

    /// Whether the offset ever changes (UTC and fixed offsets never do: their wall clock is naive time).
    public var changesOffset: Bool { !table.isEmpty || (rule?.hasDST ?? false) }

    /// Seconds east of UTC at instant `t` (UTC seconds).
    public func offset(at t: Int64) -> Int {
        if let last = lastTransition(atOrBefore: t) { return last.after }
        return table.first?.before ?? rule?.standardOffset ?? initialOffset
    }

    /// The first change of offset strictly after `t`.
    public func nextTransition(after t: Int64) -> Transition? {
        // The table: binary search for the first entry after t.
        var lo = 0, hi = table.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if table[mid].at <= t { lo = mid + 1 } else { hi = mid }
        }
        if lo < table.count { return table[lo] }
        guard let rule, rule.hasDST else { return nil }
        let from = max(t, table.last?.at ?? Int64.min)
        let year = yearOf(from)
        for y in (year - 1)...(year + 2) {
            for tr in rule.transitions(year: y) where tr.at > from && tr.before != tr.after {
                return tr
            }
        }
        return nil
    }

    /// The last change of offset at or before `t`.
    public func lastTransition(atOrBefore t: Int64) -> Transition? {
        if let rule, rule.hasDST, t > (table.last?.at ?? Int64.min) {
            let year = yearOf(t)
            for y in stride(from: year + 1, through: year - 2, by: -1) {
                for tr in rule.transitions(year: y).reversed() where tr.at <= t && tr.before != tr.after {
                    if let last = table.last, tr.at <= last.at { break }
                    return tr
                }
            }
        }
        var lo = 0, hi = table.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if table[mid].at <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 ? table[lo - 1] : nil
    }

    /// The instants a wall-clock time (its seconds since 1970 read as UTC) occurs at, in order: one, two when the
    /// clocks show it twice, none when they skip it.
    public func occurrences(ofWall wall: Int64) -> [Int64] {
        // Candidates: the offsets in effect within a day of the time.
        let near = wall - Int64(offset(at: wall))
        var out: [Int64] = []
        for probe in [near - 86_400, near, near + 86_400] {
            let off = Int64(offset(at: probe))
            let t = wall - off
            if Int64(offset(at: t)) == off, !out.contains(t) { out.append(t) }
        }
        return out.sorted()
    }

    /// The instant of a wall-clock time (its seconds since 1970 read as UTC): the earlier one when the clocks
    /// show it twice; for a time they skip, the instant they jumped (`skipped` true).
    public func instant(ofWall wall: Int64) -> (instant: Int64, skipped: Bool) {
        let near = wall - Int64(offset(at: wall))
        if let first = occurrences(ofWall: wall).first { return (first, false) }
        // Skipped: the transition whose gap holds the wall time.
        var from = near - 86_400 * 2
        while let tr = nextTransition(after: from), tr.at <= near + 86_400 * 2 {
            if tr.after > tr.before, wall >= tr.at + Int64(tr.before), wall < tr.at + Int64(tr.after) {
                return (tr.at, true)
            }
            from = tr.at
        }
        return (near, true)
    }

    /// The year of an instant (clamped to years 1...9999, where schedules live).
    func yearOf(_ t: Int64) -> Int { CivilDateTime(epochSeconds: max(-62_135_596_800, min(t, 253_402_300_799))).year }
}

/// A POSIX TZ rule: `std offset [dst [offset] [,start[/time],end[/time]]]` (offsets west of UTC positive, as
/// POSIX writes them; names alphabetic or `<+03>`).
struct PosixZoneRule: Sendable, Equatable {
    /// Seconds east of UTC (the opposite sign of the text).
    var standardOffset: Int
    var dstOffset: Int
    var hasDST: Bool
    enum Day: Sendable, Equatable { case julianNoLeap(Int), zeroBased(Int), monthWeekDay(Int, Int, Int) }
    var start = Day.monthWeekDay(3, 2, 0), startTime = 7200
    var end = Day.monthWeekDay(11, 1, 0), endTime = 7200

    init?(_ text: String) {
        var s = Array(text.utf8)[...]
        func name() -> Bool {
            if s.first == 0x3C {  // <...>
                guard let close = s.firstIndex(of: 0x3E) else { return false }
                s = s[(close + 1)...]
                return true
            }
            let n = s.prefix { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }.count
            guard n >= 3 else { return false }
            s = s.dropFirst(n)
            return true
        }
        func number() -> Int? {
            let digits = s.prefix { $0 >= 0x30 && $0 <= 0x39 }
            guard !digits.isEmpty, digits.count <= 4 else { return nil }
            s = s.dropFirst(digits.count)
            return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        // [+-]hh[:mm[:ss]] in seconds.
        func time() -> Int? {
            var sign = 1
            if s.first == 0x2B { s = s.dropFirst() } else if s.first == 0x2D { sign = -1; s = s.dropFirst() }
            guard let h = number(), h <= 167 else { return nil }
            var total = h * 3600
            for unit in [60, 1] {
                guard s.first == 0x3A else { break }
                s = s.dropFirst()
                guard let v = number(), v < 60 else { return nil }
                total += v * unit
            }
            return sign * total
        }
        func day() -> Day? {
            if s.first == 0x4A {
                s = s.dropFirst()
                guard let n = number(), (1...365).contains(n) else { return nil }
                return .julianNoLeap(n)
            }
            if s.first == 0x4D {
                s = s.dropFirst()
                guard let m = number(), (1...12).contains(m), s.first == 0x2E else { return nil }
                s = s.dropFirst()
                guard let w = number(), (1...5).contains(w), s.first == 0x2E else { return nil }
                s = s.dropFirst()
                guard let d = number(), (0...6).contains(d) else { return nil }
                return .monthWeekDay(m, w, d)
            }
            guard let n = number(), (0...365).contains(n) else { return nil }
            return .zeroBased(n)
        }
        // Offsets are at most 24:59:59 either way (rule times may go to 167 hours).
        guard name(), let std = time(), abs(std) < 25 * 3600 else { return nil }
        standardOffset = -std
        dstOffset = standardOffset + 3600
        hasDST = false
        if s.isEmpty { return }
        guard name() else { return nil }
        hasDST = true
        if let f = s.first, f != 0x2C {
            guard let d = time(), abs(d) < 25 * 3600 else { return nil }
            dstOffset = -d
        }
        if s.isEmpty { return }
        guard s.first == 0x2C else { return nil }
        s = s.dropFirst()
        guard let a = day() else { return nil }
        start = a
        if s.first == 0x2F { s = s.dropFirst(); guard let t = time() else { return nil }; startTime = t }
        guard s.first == 0x2C else { return nil }
        s = s.dropFirst()
        guard let b = day() else { return nil }
        end = b
        if s.first == 0x2F { s = s.dropFirst(); guard let t = time() else { return nil }; endTime = t }
        guard s.isEmpty else { return nil }
    }

    /// Days since 1970 of a rule day in `year`.
    func dayNumber(_ d: Day, year: Int) -> Int64 {
        let jan1 = daysFromCivil(year: year, month: 1, day: 1)
        switch d {
        case .julianNoLeap(let n):
            // Feb 29 is never counted: day 60 is always March 1.
            let leap = isLeapYear(year)
            return jan1 + Int64(n - 1) + (leap && n >= 60 ? 1 : 0)
        case .zeroBased(let n):
            return jan1 + Int64(n)
        case .monthWeekDay(let m, let w, let wd):
            let first = daysFromCivil(year: year, month: m, day: 1)
            var day = first + Int64((wd - weekdayFromDays(first) + 7) % 7) + Int64(7 * (w - 1))
            let last = first + Int64(daysInMonth(year: year, month: m) - 1)
            while day > last { day -= 7 }
            return day
        }
    }

    /// The year's two transitions, in time order.
    func transitions(year: Int) -> [TimeZoneInfo.Transition] {
        guard hasDST else { return [] }
        // The start is given in standard time, the end in daylight time.
        let on = dayNumber(start, year: year) * 86_400 + Int64(startTime) - Int64(standardOffset)
        let off = dayNumber(end, year: year) * 86_400 + Int64(endTime) - Int64(dstOffset)
        let a = TimeZoneInfo.Transition(at: on, before: standardOffset, after: dstOffset, isDST: true)
        let b = TimeZoneInfo.Transition(at: off, before: dstOffset, after: standardOffset, isDST: false)
        return on <= off ? [a, b] : [b, a]
    }
}

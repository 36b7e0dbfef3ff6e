// The time stamp of any syslog line, cron's or not: the first and last lines of a history bound the span it
// covers, and a fire time outside that span is unknown to it, not missed (a rotated-away log is no evidence).
import StrataCommon

extension CronLogParser {
    /// The stamp of an RFC 3164 or ISO syslog line; nil for other lines (journal JSON exports are bounded by
    /// their cron lines instead).
    public func lineTime(_ b: UnsafeBufferPointer<UInt8>) -> CivilDateTime? {
        guard b.count >= 15, b[0] != 0x7B else { return nil }
        if b[3] == 0x20, b[6] == 0x20, b[9] == 0x3A, b[12] == 0x3A {
            guard let t = rfc3164Stamp(b) else { return nil }
            let placed = placeInYear(t)
            return placed.isValid ? placed : nil
        }
        guard b.count >= 19, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x20 else { return nil }
        var e = 11
        while e < b.count, b[e] != 0x20 { e += 1 }
        guard let t = CivilDateTime.parse(bytes: UnsafeBufferPointer(rebasing: b[0..<e])), t.isValid else { return nil }
        return t
    }
}

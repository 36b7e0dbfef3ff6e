// A wall-clock time in 16 bytes, for the large arrays cron_runs builds (a session or run per cron line of a week's
// syslog): CivilDateTime holds seven Ints (56 bytes, 64 as an optional), and growing arrays of records with three
// or four of them — the memory copied and the fresh pages faulted in — was a fifth of cron_runs' time.
import StrataCommon

/// A CivilDateTime packed exactly: every field kept as it was (a leap second's :60 too), so `civil` gives back the
/// same value and `<` orders as CivilDateTime's `<` does. It holds years -8388608...8388607 and the other fields
/// from 0 to 255 (nanoseconds to 4294967295) — every time a log line can carry (the readers keep valid dates of
/// years -9999...9999); `init?` is nil for any other.
@frozen public struct PackedTime: Comparable, Hashable, Sendable {
    // (year + 2^23) << 40 | month << 32 | day << 24 | hour << 16 | minute << 8 | second: fields in their order of
    // significance, so comparing the integers compares the times.
    @usableFromInline var fields: UInt64
    @usableFromInline var nano: UInt32

    @usableFromInline static let yearBias = 1 << 23

    @inlinable public init?(_ t: CivilDateTime) {
        guard t.year >= -Self.yearBias, t.year < Self.yearBias,
              (0...255).contains(t.month), (0...255).contains(t.day), (0...255).contains(t.hour),
              (0...255).contains(t.minute), (0...255).contains(t.second),
              t.nanosecond >= 0, t.nanosecond <= Int(UInt32.max) else { return nil }
        fields = UInt64(t.year + Self.yearBias) << 40 | UInt64(t.month) << 32 | UInt64(t.day) << 24
            | UInt64(t.hour) << 16 | UInt64(t.minute) << 8 | UInt64(t.second)
        nano = UInt32(t.nanosecond)
    }

    @inlinable public var civil: CivilDateTime {
        CivilDateTime(year: Int(fields >> 40) - Self.yearBias, month: Int(fields >> 32 & 0xFF),
                      day: Int(fields >> 24 & 0xFF), hour: Int(fields >> 16 & 0xFF), minute: Int(fields >> 8 & 0xFF),
                      second: Int(fields & 0xFF), nanosecond: Int(nano))
    }

    @inlinable public var epochSeconds: Int64 { civil.epochSeconds }
    @inlinable public var nanosecond: Int { Int(nano) }

    @inlinable public static func < (a: PackedTime, b: PackedTime) -> Bool {
        a.fields != b.fields ? a.fields < b.fields : a.nano < b.nano
    }
}

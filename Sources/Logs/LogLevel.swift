// Log levels normalised to Python's five names, from whatever a log wrote: Python level names and numbers,
// syslog severities (numeric and named), common aliases (WARN, FATAL, err, notice, trace...) and the one-letter
// levels of glog, klog and tornado (I, W, E, F, D, C).
// Unknown names are kept as written (`LogLevel.other`), so nothing is silently relabelled.

public enum LogLevel: UInt8, Sendable, CaseIterable {
    /// The format has no level, or the record has none.
    case none = 0
    case debug, info, warning, error, critical
    /// A name that is none of the above (kept as written in the record).
    case other

    /// The normalised SQL text; nil for `.none` and `.other`.
    public var name: StaticString? {
        switch self {
        case .debug: return "DEBUG"
        case .info: return "INFO"
        case .warning: return "WARNING"
        case .error: return "ERROR"
        case .critical: return "CRITICAL"
        case .none, .other: return nil
        }
    }

    public var nameText: String? { name.map { $0.description } }

    /// Python's numeric levels (10 DEBUG ... 50 CRITICAL); values between round down, as `logging` names them.
    public static func fromPythonNumber(_ n: Int64) -> LogLevel {
        switch n {
        case ..<10: return .debug   // NOTSET and custom low levels read as debug-ish
        case 10..<20: return .debug
        case 20..<30: return .info
        case 30..<40: return .warning
        case 40..<50: return .error
        default: return .critical
        }
    }

    /// A syslog severity 0...7 (RFC 5424 §6.2.1).
    public static func fromSyslogSeverity(_ s: Int) -> LogLevel {
        switch s {
        case 0, 1, 2: return .critical   // emerg, alert, crit
        case 3: return .error
        case 4: return .warning
        case 5, 6: return .info          // notice, info
        case 7: return .debug
        default: return .none
        }
    }

    /// Recognises a level name (ASCII, any case). Returns `.other` for names it does not know and `.none`
    /// for empty text.
    public static func recognise(_ b: UnsafeBufferPointer<UInt8>) -> LogLevel {
        let n = b.count
        guard n > 0 else { return .none }
        guard n <= 11 else { return .other }
        // Pack the upper-cased letters into an integer: one comparison per known name.
        var key: UInt64 = 0
        // Names already in upper case (the usual) need no folding.
        if n <= 8, let base = b.baseAddress {
            for i in 0..<n { key |= UInt64(base[i]) << (8 &* UInt64(i)) }
            let known = knownUpper(key)
            if known != .other { return known }
            key = 0
        }
        var tail: UInt64 = 0  // bytes 9...11 for the long names
        for i in 0..<n {
            var c = b[i]
            if c >= 0x61 && c <= 0x7A { c -= 0x20 }
            if i < 8 { key |= UInt64(c) << (8 * UInt64(i)) } else { tail |= UInt64(c) << (8 * UInt64(i - 8)) }
        }
        if n > 8 {
            if n == 9 && key == pack("EMERGENC") && tail == 0x59 { return .critical }          // EMERGENCY
            if n == 11 && key == pack("INFORMAT") && tail == pack("ION") { return .info }      // INFORMATION
            return .other
        }
        return knownUpper(key)
    }

    /// Known names as packed little-endian integers (the bytes of the name, upper case).
    @inline(__always)
    static func knownUpper(_ key: UInt64) -> LogLevel {
        switch key {
        case 0x4F464E49 /* INFO */, 0x454349544F4E /* NOTICE */, 0x464E49 /* INF */, 0x4D524F464E49 /* INFORM */,
             0x49 /* I */:
            return .info
        case 0x4755424544 /* DEBUG */, 0x4543415254 /* TRACE */, 0x474244 /* DBG */, 0x45534F42524556 /* VERBOSE */,
             0x454E4946 /* FINE */, 0x52454E4946 /* FINER */, 0x5453454E4946 /* FINEST */, 0x435254 /* TRC */,
             0x44 /* D */, 0x55424544 /* DEBU */:
            return .debug
        case 0x474E494E524157 /* WARNING */, 0x4E524157 /* WARN */, 0x4E5257 /* WRN */, 0x57 /* W */:
            return .warning
        case 0x524F525245 /* ERROR */, 0x525245 /* ERR */, 0x455245564553 /* SEVERE */, 0x4F525245 /* ERRO */,
             0x45 /* E */:
            return .error
        case 0x4C41434954495243 /* CRITICAL */, 0x54495243 /* CRIT */, 0x4C41544146 /* FATAL */, 0x4752454D45 /* EMERG */,
             0x5452454C41 /* ALERT */, 0x43494E4150 /* PANIC */, 0x545243 /* CRT */, 0x4C5446 /* FTL */,
             0x46 /* F */, 0x43 /* C */:
            return .critical
        default:
            return .other
        }
    }

    /// A one-letter level as glog/absl (`I1120 ...`) and tornado/Jupyter (`[I 2026-...`) write it: I, W, E, F, D,
    /// C and T (trace). Nil for any other byte.
    public static func fromLetter(_ c: UInt8) -> LogLevel? {
        switch c {
        case UInt8(ascii: "D"), UInt8(ascii: "T"): return .debug
        case UInt8(ascii: "I"): return .info
        case UInt8(ascii: "W"): return .warning
        case UInt8(ascii: "E"): return .error
        case UInt8(ascii: "F"), UInt8(ascii: "C"): return .critical
        default: return nil
        }
    }

    /// A level name cut short by a format's precision (`%(levelname).1s` → `I`, `.4s` → `WARN`, `DEBU`): the
    /// name among DEBUG, INFO, WARNING, ERROR, CRITICAL (and FATAL) that starts with it. Nil when none does.
    public static func fromTruncated(_ b: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        if b.count == 1 { return fromLetter(b[0]) }
        let names: [(StaticString, LogLevel)] = [("DEBUG", .debug), ("INFO", .info), ("WARNING", .warning),
                                                  ("ERROR", .error), ("CRITICAL", .critical), ("FATAL", .critical)]
        outer: for (name, level) in names where b.count <= name.utf8CodeUnitCount {
            let p = name.utf8Start
            for i in 0..<b.count where (b[i] >= 0x61 && b[i] <= 0x7A ? b[i] - 0x20 : b[i]) != p[i] { continue outer }
            return level
        }
        return nil
    }

    /// Whether `b` can be a level name a logger wrote: a known name (any case), Python's `Level N` for an unnamed
    /// level, or a custom name in upper case (`SUCCESS`, `AUDIT`: letters, digits and `_`, 2 to 16 bytes, a letter
    /// first). `ValueError`, `https` or `[info` are not, so a traceback line never reads as a record.
    public static func isLevelLike(_ b: UnsafeBufferPointer<UInt8>, _ level: LogLevel) -> Bool {
        if level != .other { return level != .none }
        let n = b.count
        if n >= 7, n <= 11, b[0] == UInt8(ascii: "L"), b[1] == UInt8(ascii: "e"), b[2] == UInt8(ascii: "v"),
           b[3] == UInt8(ascii: "e"), b[4] == UInt8(ascii: "l"), b[5] == 0x20 {
            for i in 6..<n where !(b[i] >= 0x30 && b[i] <= 0x39) { return false }
            return true
        }
        guard n >= 2, n <= 16, b[0] >= 0x41, b[0] <= 0x5A else { return false }
        for c in b where !((c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F) { return false }
        return true
    }

    public static func recognise(_ s: String) -> LogLevel {
        var t = s
        return t.withUTF8 { recognise($0) }
    }
}

/// Packs up to 8 ASCII bytes little-endian, the same way `recognise` packs its input.
@inline(__always)
func pack(_ s: StaticString) -> UInt64 {
    var key: UInt64 = 0
    let n = min(8, s.utf8CodeUnitCount)
    let p = s.utf8Start
    for i in 0..<n { key |= UInt64(p[i]) << (8 * UInt64(i)) }
    return key
}

// What a format reads from the first line of a record: the time, the level, and where the logger, pid,
// message and other fields lie in that line (byte spans, not copies: a column is only built when SQL asks).

/// A byte range in the head line (or in `RecordHead.alternate` when set). `start < 0` means absent.
public struct Span: Equatable, Sendable {
    public var start: Int32
    public var end: Int32
    public init(_ start: Int, _ end: Int) {
        self.start = Int32(truncatingIfNeeded: start)
        self.end = Int32(truncatingIfNeeded: end)
    }
    public static let absent = Span(-1, -1)
    @inline(__always) public var isPresent: Bool { start >= 0 && end >= start }
    public var count: Int { isPresent ? Int(end - start) : 0 }
}

/// How a span's bytes are to be read.
public enum ValueKind: UInt8, Sendable {
    /// Plain text.
    case text
    /// The inside of a JSON string literal, escapes still in place.
    case jsonString
    /// A whole JSON value (number, object, array, true/false/null), copied into `fields` as is.
    case jsonValue
    /// Text known to be a JSON number (an integer or decimal the format matched).
    case number
    /// Not a span: the value is `ExtraField.integer`.
    case integer
}

/// A field name: one of the format's fixed names (`LineParser.fieldNames[i]`) or a JSON key in the line.
public enum FieldName: Equatable, Sendable {
    case fixed(Int)
    /// The inside of a JSON key string, escapes still in place.
    case key(Span)
}

public struct ExtraField: Equatable, Sendable {
    public var name: FieldName
    public var value: Span
    public var kind: ValueKind
    /// The value when `kind == .integer`.
    public var integer: Int64 = 0
    public init(name: FieldName, value: Span, kind: ValueKind) { self.name = name; self.value = value; self.kind = kind }
    public init(name: FieldName, integer: Int64) {
        self.name = name; self.value = .absent; self.kind = .integer; self.integer = integer
    }
}

public struct RecordHead {
    public var time = LogTime.zero
    public var hasTime = false
    public var level = LogLevel.none
    /// The level as written, for `.other` levels (and for reporting).
    public var levelText = Span.absent
    public var levelKind = ValueKind.text
    public var logger = Span.absent
    public var loggerKind = ValueKind.text
    public var pid: Int64 = 0
    public var hasPid = false
    public var message = Span.absent
    public var messageKind = ValueKind.text
    public var extras: [ExtraField] = []
    /// When set, spans point into these bytes instead of the head line (a parser that had to repair the line).
    public var alternate: [UInt8]? = nil

    public init() {}

    @inline(__always)
    public mutating func reset() {
        hasTime = false
        level = .none
        levelText = .absent
        levelKind = .text
        logger = .absent
        loggerKind = .text
        hasPid = false
        message = .absent
        messageKind = .text
        if !extras.isEmpty { extras.removeAll(keepingCapacity: true) }
        if alternate != nil { alternate = nil }
    }
}

/// A log format compiled for one file: decides whether a line starts a record and reads its head.
/// A class rather than a protocol so the per-line call is a plain virtual call with no reference counting.
public class LineParser {
    public init() {}

    /// Reads `line` (no line end) as the first line of a record into `head`; false when the line does not fit
    /// (it is then a continuation of the record before it).
    public func parseHead(_ line: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool { false }

    /// Names for `FieldName.fixed(i)`.
    public var fieldNames: [String] { [] }

    /// Whether a line that follows a line ending in `\r\n` continues its record whatever it holds (vLLM writes
    /// multi-line records so, each line repeating the prefix).
    public var continuesAfterCRLF: Bool { false }

    /// Whether a line that reads as a head with exactly the current record's prefix (every byte before its
    /// message) continues that record. PyTorch's TorchLogsFormatter writes every line of a multi-line message —
    /// its traceback too — behind the full prefix, whose time has microseconds and which names the process and
    /// the source line: two records of one process from one line in the same microsecond do not happen.
    public var continuesRepeatedPrefix: Bool { false }

    /// Where the message of a head this parser read starts when its prefix can be compared byte for byte (the
    /// head's spans point into the line), else nil.
    @inline(__always) static func prefixLength(_ h: RecordHead) -> Int? {
        guard h.alternate == nil, h.message.isPresent else { return nil }
        return Int(h.message.start)
    }
}

// docker's json-file logging driver: one JSON object per line of a container's output,
// `{"log":"2026-11-20 02:00:01,123 - app - INFO - started\n","stream":"stderr","time":"2026-11-20T02:00:01.1234Z"}`.
// When the inner lines are themselves log lines, the format is `docker:<inner format>`: each object's `log` is
// unescaped and read with the inner format, so a record's traceback (one object per line) is its continuation
// lines, as in the application's own file. `ts` is the application's time when its line has one, else docker's
// `time`; `stream` goes to `fields`. Without a log format inside, `jsonl` reads such a file (`log` → message).

public final class DockerLineParser: LineParser {
    let inner: LineParser
    let reference: YearReference
    override public var fieldNames: [String] { inner.fieldNames }

    public init(inner: LineParser, reference: YearReference) {
        self.inner = inner
        self.reference = reference
    }

    override public func parseHead(_ line: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        guard let obj = DockerLine.read(line, reference: reference) else {
            head.reset()
            return false
        }
        var text = obj.log
        if text.withUnsafeBufferPointer({ HeadFinder.hasEscape($0) }) {
            text = text.withUnsafeBufferPointer { HeadFinder.stripEscapes($0) }
        }
        guard text.withUnsafeBufferPointer({ inner.parseHead($0, into: &head) }) else { return false }
        // An inner parser that made its own copy of the line (rich's repeated time) points its spans there.
        if let own = head.alternate { text = own }
        if !head.hasTime, let t = obj.time {
            head.time = t
            head.hasTime = true
        }
        if let s = obj.stream {
            // `stream` and its value after the inner line, in the same copy the spans point into.
            let k = text.count
            text.append(contentsOf: Array("stream".utf8))
            text.append(contentsOf: s)
            head.extras.append(ExtraField(name: .key(Span(k, k + 6)), value: Span(k + 6, k + 6 + s.count), kind: .text))
        }
        head.alternate = text
        return true
    }
}

/// The members of one json-file line.
enum DockerLine {
    struct Object {
        /// `log`, unescaped, without its line end.
        var log: [UInt8]
        var stream: [UInt8]?
        var time: LogTime?
    }

    /// Reads `{"log": "...", "stream": "...", "time": "..."}` (any member order, others ignored); nil when the
    /// line is no JSON object or has no `log` string.
    static func read(_ b: UnsafeBufferPointer<UInt8>, reference: YearReference) -> Object? {
        var i = JSON.skipSpace(b, 0)
        guard i < b.count, b[i] == 0x7B else { return nil }
        i = JSON.skipSpace(b, i + 1)
        var log: [UInt8]? = nil
        var stream: [UInt8]? = nil
        var time: LogTime? = nil
        while i < b.count, b[i] != 0x7D {
            guard let key = JSON.string(b, i) else { return nil }
            i = JSON.skipSpace(b, key.end)
            guard i < b.count, b[i] == 0x3A else { return nil }
            i = JSON.skipSpace(b, i + 1)
            guard let value = JSON.value(b, i) else { return nil }
            let k = sub(b, key.contentStart, key.contentEnd)
            if value.kind == .string {
                let body = sub(b, i + 1, value.end - 1)
                if equals(k, "log") {
                    var out: [UInt8] = []
                    JSON.unescape(body, into: &out)
                    while let last = out.last, last == 0x0A || last == 0x0D { out.removeLast() }
                    log = out
                } else if equals(k, "stream") {
                    stream = Array(body)
                } else if equals(k, "time") {
                    time = parseAnyTime(body, reference: reference)
                }
            }
            i = JSON.skipSpace(b, value.end)
            if i < b.count, b[i] == 0x2C { i = JSON.skipSpace(b, i + 1) }
        }
        guard i < b.count, JSON.skipSpace(b, i + 1) == b.count, let l = log else { return nil }
        return Object(log: l, stream: stream, time: time)
    }

    private static func equals(_ b: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        b.count == s.utf8CodeUnitCount && hasPrefix(b, s)
    }

    /// The inner lines of `lines` when most of them are json-file objects (nil otherwise), one after the other
    /// with `\n` between, for detection to choose the inner format.
    static func innerText(_ lines: [UnsafeBufferPointer<UInt8>], reference: YearReference) -> [UInt8]? {
        var out: [UInt8] = []
        var n = 0
        for l in lines {
            guard let o = read(l, reference: reference) else { continue }
            n += 1
            out.append(contentsOf: o.log)
            out.append(0x0A)
        }
        return n * 2 > lines.count ? out : nil
    }
}

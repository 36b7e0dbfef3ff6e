// A validating JSON scanner over bytes in memory, built for throughput: it checks one value against RFC 8259
// without building a tree, remembers where the top-level object's members are (for column extraction), and
// notes MongoDB Extended JSON wrappers (`{"$oid": ...}`, `{"$date": ...}`, `{"$numberLong": ...}`) as
// replacements to splice in when the text is rendered. A document with nothing to unwrap is handed out as
// its own bytes, untouched. Nesting is tracked on a heap stack, so deep input cannot overflow the call stack.
//
// Speed notes: the position lives in a `Lexer` struct held in a local variable (no class-property access,
// so no dynamic exclusivity checks in the hot loops), and replacement texts share one byte arena (no
// allocation per wrapper).
//
// A whole document scanned without unwrapping (the JSON-lines tables and read_jsonl: wrappers are unwrapped
// lazily) first goes through the C fast path (Sources/CJSON), which validates it and locates the top-level
// members 16 bytes at a time inside strings; it only ever accepts what this scanner accepts, and anything it
// doubts (an error, an object of more than 256 members) is scanned again here, so messages are this scanner's.
// STRATA_JSON_SCAN=swift turns the fast path off (for comparisons).
import CJSON
import Glibc

/// What kind of value a span holds.
public enum JSONKind: UInt8, Sendable {
    case null, `true`, `false`, number, string, array, object
}

/// A half-open byte range `start..<end` in the scanned buffer.
public struct JSONSpan: Equatable, Sendable {
    public var start: Int
    public var end: Int
    public init(_ start: Int, _ end: Int) { self.start = start; self.end = end }
    public var count: Int { end - start }
}

/// One member of the top-level object.
public struct JSONMember: Sendable {
    /// The key's bytes between the quotes (escapes not decoded).
    public var key: JSONSpan
    public var keyHasEscapes: Bool
    /// The value's text (a string's span includes its quotes).
    public var value: JSONSpan
    /// The value's kind after unwrapping (`{"$numberLong": "5"}` is a number).
    public var kind: JSONKind
    /// Index into `replacements` when the whole value is an Extended JSON wrapper, else -1.
    public var replacement: Int
}

/// An Extended JSON wrapper found at `span`, rendered as `form` (valid JSON of `kind`). The text is only
/// produced when a document or value is rendered, so a scan that just counts or filters pays nothing for it.
public struct JSONReplacement: Sendable {
    public var span: JSONSpan
    public var kind: JSONKind
    public var form: Form

    public enum Form: Sendable {
        /// These bytes of the scanned buffer, as they are (`"6553…"` of an `$oid`, `15` of a `$numberLong`).
        case verbatim(JSONSpan)
        /// A date: `"YYYY-MM-DD HH:MM:SS.fff"` of these milliseconds since 1970.
        case date(Int64)
        /// `9e999`, `-9e999` or `null` for `$numberDouble` Infinity, -Infinity and NaN.
        case special(StaticString)
    }
}

public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public var message: String
    /// Byte offset of the problem in the scanned buffer.
    public var offset: Int
    /// The buffer ended inside the value, and it was not the final buffer: more input may complete it.
    public var incomplete: Bool
    public var description: String { message }
}

/// The read position over one buffer, with the token readers.
struct Lexer {
    let p: UnsafePointer<UInt8>
    let n: Int
    var i: Int
    let isFinal: Bool

    @inline(__always) mutating func skipSpace() {
        while i < n {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    func error(_ what: String) -> JSONSyntaxError {
        JSONSyntaxError(message: "\(what) at column \(i + 1)", offset: i, incomplete: false)
    }

    func eof(_ expected: String, at: Int? = nil) -> JSONSyntaxError {
        if !isFinal { return JSONSyntaxError(message: "incomplete", offset: i, incomplete: true) }
        return JSONSyntaxError(message: "unexpected end of input, expected \(expected)", offset: at ?? i, incomplete: false)
    }

    var incomplete: JSONSyntaxError { JSONSyntaxError(message: "incomplete", offset: i, incomplete: true) }

    /// Reads a string starting at the opening quote; returns whether it holds escapes.
    mutating func string() throws -> Bool {
        let open = i
        i += 1
        var escaped = false
        while true {
            // Fast run over ordinary bytes: eight at a time while eight remain (a word holds a stop byte when
            // one of its bytes is '"', '\\' or below 0x20; the lowest flagged byte is always a real one).
            while i + 8 <= n {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let q = w ^ (ones &* 0x22), bs = w ^ (ones &* 0x5C)
                let stop = ((q &- ones) & ~q | (bs &- ones) & ~bs | (w &- ones &* 0x20) & ~w) & highs
                if stop != 0 { i += stop.trailingZeroBitCount >> 3; break }
                i += 8
            }
            while i < n {
                let c = p[i]
                if c == 0x22 || c == 0x5C || c < 0x20 { break }
                i += 1
            }
            guard i < n else { throw eof("the end of the string that starts at column \(open + 1)", at: open) }
            let c = p[i]
            if c == 0x22 { i += 1; return escaped }
            if c < 0x20 { throw error("control character in a string (escape it as \\u00\(hex2(c)))") }
            escaped = true
            guard i + 1 < n else { throw eof("an escape") }
            switch p[i + 1] {
            case 0x22, 0x5C, 0x2F, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                i += 2
            case UInt8(ascii: "u"):
                guard i + 5 < n else { throw eof("four hex digits") }
                for k in 2...5 where hexValue(p[i + k]) == nil {
                    i += k
                    throw error("bad \\u escape")
                }
                i += 6
            default:
                i += 1
                throw error("bad escape '\\\(printable(p[i]))'")
            }
        }
    }

    mutating func number() throws {
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n else { throw eof("a digit") }
        if p[i] == UInt8(ascii: "0") {
            i += 1
        } else if isDigit(p[i]) {
            while i < n, isDigit(p[i]) { i += 1 }
        } else {
            throw error("expected a digit")
        }
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n else { throw eof("a digit") }
            guard isDigit(p[i]) else { throw error("expected a digit after '.'") }
            while i < n, isDigit(p[i]) { i += 1 }
        }
        if i < n, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard i < n else { throw eof("an exponent") }
            guard isDigit(p[i]) else { throw error("expected exponent digits") }
            while i < n, isDigit(p[i]) { i += 1 }
        }
        // A number running into the end of a partial buffer may continue in the next one.
        if i == n, !isFinal { throw incomplete }
        if i < n, isDigit(p[i]) { throw error("leading zero in a number") }
    }

    mutating func literal(_ word: StaticString) throws {
        let len = word.utf8CodeUnitCount
        let w = word.utf8Start
        for k in 0..<len {
            guard i + k < n else { throw eof("'\(word)'") }
            guard p[i + k] == w[k] else {
                i += k
                throw error("unexpected '\(printable(p[i]))' (expected '\(word)')")
            }
        }
        i += len
    }
}

public final class JSONScanner {
    /// Deeper nesting is an error (SQLite's own JSON functions stop at 1000 too).
    public static let maxDepth = 1000

    /// Recognise MongoDB Extended JSON wrappers and record replacements for them.
    public var unwrapExtendedJSON: Bool
    /// Record the members of a top-level object in `members`.
    public var collectMembers: Bool

    /// Members of the last scanned top-level object (when `collectMembers`).
    public var members: [JSONMember] { materializeFastMembers(); return st.members }
    /// Calls `body` with the members, without copying the array.
    public func withMembers<R>(_ body: (UnsafeBufferPointer<JSONMember>) throws -> R) rethrows -> R {
        materializeFastMembers()
        return try st.members.withUnsafeBufferPointer(body)
    }

    /// Member `i` of the last scanned top-level object.
    public func member(_ i: Int) -> JSONMember? {
        if fastMemberCount >= 0 { return i >= 0 && i < fastMemberCount ? fastMember(i) : nil }
        return i >= 0 && i < st.members.count ? st.members[i] : nil
    }

    /// The number of members of the last scanned top-level object.
    public var memberCount: Int { fastMemberCount >= 0 ? fastMemberCount : st.members.count }

    /// The members as the C fast path left them (valid until the next scan), with their count; nil when the
    /// last scan was the Swift one.
    var fastMemberTable: (UnsafePointer<strata_json_member>, Int)? {
        fastMemberCount >= 0 ? (UnsafePointer(fastMembers), fastMemberCount) : nil
    }

    /// Replacement `i` of the last scan (no copy of the array).
    public func replacement(_ i: Int) -> JSONReplacement? {
        i >= 0 && i < st.replacements.count ? st.replacements[i] : nil
    }

    /// When the value at `span` of `bytes` is exactly one Extended JSON wrapper, its replacement (the
    /// lazy unwrapping of one member's value; the last scan's state is left alone).
    public func wrapper(at span: JSONSpan, in bytes: UnsafeBufferPointer<UInt8>) -> JSONReplacement? {
        guard let base = bytes.baseAddress, span.start >= 0, span.start < span.end, span.end <= bytes.count,
              base[span.start] == UInt8(ascii: "{") else { return nil }
        var lx = Lexer(p: base, n: span.end, i: span.start, isFinal: true)
        guard let r = try? st.wrapper(&lx), lx.i == span.end else { return nil }
        return r
    }

    /// Extended JSON wrappers of the last scanned value, in document order.
    public var replacements: [JSONReplacement] { st.replacements }
    /// Kind of the last scanned top-level value.
    public private(set) var kind: JSONKind = .null

    private var st = Scan()

    /// Room for the C fast path's members (a document with more goes the Swift way).
    private static let fastMemberCapacity = 256
    private let fastMembers: UnsafeMutablePointer<strata_json_member>
    /// Whether the C fast path is used (read once: STRATA_JSON_SCAN=swift turns it off).
    public static let fastPathEnabled: Bool = {
        guard let v = getenv("STRATA_JSON_SCAN") else { return true }
        return String(cString: v) != "swift"
    }()

    /// Whether this scanner uses the C fast path (tests and the fuzz target turn it off to compare).
    var fastPathAllowed = JSONScanner.fastPathEnabled

    public init(unwrapExtendedJSON: Bool = true, collectMembers: Bool = false) {
        self.unwrapExtendedJSON = unwrapExtendedJSON
        self.collectMembers = collectMembers
        fastMembers = .allocate(capacity: JSONScanner.fastMemberCapacity)
    }

    deinit { fastMembers.deallocate() }

    /// Members the C fast path found in the last document and that are not yet in `st.members` (converted on
    /// first need: a typed scan reads a few of them through `member(_:)` and never needs the array); -1 when
    /// the last scan was the Swift one.
    private var fastMemberCount = -1

    /// The C fast path for a whole document scanned without unwrapping; nil when it is not sure (then the
    /// Swift scan runs and decides).
    private func fastScan(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONSpan? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            fastMemberCount = -1
            st.members.removeAll(keepingCapacity: true)
            return nil
        }
        var start: Int64 = 0, end: Int64 = 0
        var count = 0
        let k = strata_json_scan(base, bytes.count, &start, &end, collectMembers ? fastMembers : nil,
                                 JSONScanner.fastMemberCapacity, &count)
        guard k >= 0, let top = JSONKind(rawValue: UInt8(truncatingIfNeeded: k)) else {
            // The C side may have overwritten the table: the last document's members are gone either way.
            fastMemberCount = -1
            st.members.removeAll(keepingCapacity: true)
            return nil
        }
        st.members.removeAll(keepingCapacity: true)
        st.replacements.removeAll(keepingCapacity: true)
        fastMemberCount = min(count, JSONScanner.fastMemberCapacity)
        kind = top
        return JSONSpan(Int(start), Int(end))
    }

    @inline(__always)
    private func fastMember(_ j: Int) -> JSONMember {
        let m = fastMembers[j]
        return JSONMember(key: JSONSpan(Int(m.key_start), Int(m.key_end)), keyHasEscapes: m.key_escaped != 0,
                          value: JSONSpan(Int(m.value_start), Int(m.value_end)),
                          kind: JSONKind(rawValue: UInt8(truncatingIfNeeded: m.kind)) ?? .null, replacement: -1)
    }

    /// Moves the fast path's members into `st.members` (once per document).
    private func materializeFastMembers() {
        guard fastMemberCount >= 0 else { return }
        for j in 0..<fastMemberCount { st.members.append(fastMember(j)) }
        fastMemberCount = -1
    }

    /// Calls `body` with replacement `r`'s text; `bytes` is the buffer that was scanned.
    public func withText<R>(of r: JSONReplacement, in bytes: UnsafeBufferPointer<UInt8>,
                            _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if case .verbatim(let v) = r.form { return try body(UnsafeBufferPointer(rebasing: bytes[v.start..<v.end])) }
        var out: [UInt8] = []
        appendText(of: r, from: bytes, to: &out)
        return try out.withUnsafeBufferPointer { try body($0) }
    }

    func appendText(of r: JSONReplacement, from bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        switch r.form {
        case .verbatim(let v): out.append(contentsOf: bytes[v.start..<v.end])
        case .date(let ms): _ = ExtendedJSON.appendDate(epochMilliseconds: ms, to: &out)
        case .special(let t): out.append(contentsOf: UnsafeBufferPointer(start: t.utf8Start, count: t.utf8CodeUnitCount))
        }
    }

    /// Scans exactly one JSON document filling `bytes`, with optional whitespace around it.
    public func scanDocument(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONSpan {
        if !unwrapExtendedJSON, fastPathAllowed, let span = fastScan(bytes) { return span }
        return try scanDocumentInSwift(bytes)
    }

    /// The C fast path alone (nil: not sure), for the tests and the fuzz target that compare it with the
    /// Swift scan. Only meaningful without unwrapping.
    func scanDocumentFast(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONSpan? { fastScan(bytes) }

    /// `scanDocument` without the fast path.
    func scanDocumentInSwift(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONSpan {
        let span = try scanValue(bytes, from: 0, isFinal: true)
        var j = span.end
        while j < bytes.count, isSpace(bytes[j]) { j += 1 }
        if j < bytes.count {
            throw JSONSyntaxError(message: "unexpected '\(printable(bytes[j]))' after the document at column \(j + 1)",
                                  offset: j, incomplete: false)
        }
        return span
    }

    /// Scans one value starting at `from` (leading whitespace skipped) and returns its span.
    /// With `isFinal` false, running out of bytes throws an error marked `incomplete`.
    public func scanValue(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, isFinal: Bool) throws -> JSONSpan {
        guard let base = bytes.baseAddress, from < bytes.count else {
            fastMemberCount = -1
            st.members.removeAll(keepingCapacity: true)
            st.replacements.removeAll(keepingCapacity: true)
            throw JSONSyntaxError(message: "empty document", offset: from, incomplete: !isFinal)
        }
        var lx = Lexer(p: base, n: bytes.count, i: from, isFinal: isFinal)
        fastMemberCount = -1
        st.members.removeAll(keepingCapacity: true)
        st.replacements.removeAll(keepingCapacity: true)
        st.stack.removeAll(keepingCapacity: true)
        lx.skipSpace()
        let start = lx.i
        kind = try st.run(&lx, unwrap: unwrapExtendedJSON, collect: collectMembers)
        return JSONSpan(start, lx.i)
    }

    // MARK: - rendering

    /// The text of `span` with the replacements inside it applied: the document as SQL should see it.
    /// Calls `body` with the original bytes when nothing inside needs replacing.
    public func withRendered<R>(_ bytes: UnsafeBufferPointer<UInt8>, _ span: JSONSpan,
                                _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let reps = st.replacements
        var any = false
        for r in reps where r.span.start >= span.start && r.span.end <= span.end { any = true; break }
        if !any { return try body(UnsafeBufferPointer(rebasing: bytes[span.start..<span.end])) }
        var out: [UInt8] = []
        out.reserveCapacity(span.count)
        var at = span.start
        for r in reps where r.span.start >= at && r.span.end <= span.end {
            out.append(contentsOf: bytes[at..<r.span.start])
            appendText(of: r, from: bytes, to: &out)
            at = r.span.end
        }
        out.append(contentsOf: bytes[at..<span.end])
        return try out.withUnsafeBufferPointer { try body($0) }
    }
}

/// The state of one scan: what it records, and the state machine.
private struct Scan {
    var members: [JSONMember] = []
    var replacements: [JSONReplacement] = []
    var stack: [Bool] = []

    /// Scans one value at `lx.i`; returns the kind of the top-level value.
    mutating func run(_ lx: inout Lexer, unwrap: Bool, collect: Bool) throws -> JSONKind {
        var topKey = JSONSpan(0, 0)
        var topKeyEscaped = false
        var memberValueStart = 0
        var topKind = JSONKind.null
        var expectingValue = true   // else: after a value
        while true {
            if expectingValue {
                lx.skipSpace()
                guard lx.i < lx.n else { throw lx.eof("a value") }
                let valueStart = lx.i
                let c = lx.p[lx.i]
                var k: JSONKind
                var repl = -1
                switch c {
                case UInt8(ascii: "{"):
                    if unwrap, let r = try wrapper(&lx) {
                        replacements.append(r)
                        repl = replacements.count - 1
                        k = r.kind
                    } else {
                        guard stack.count < JSONScanner.maxDepth else { throw lx.error("nesting deeper than \(JSONScanner.maxDepth)") }
                        lx.i += 1
                        lx.skipSpace()
                        guard lx.i < lx.n else { throw lx.eof("a key or '}'") }
                        if lx.p[lx.i] == UInt8(ascii: "}") {
                            lx.i += 1
                            k = .object
                        } else {
                            stack.append(true)
                            if stack.count == 1 { topKind = .object }
                            try key(&lx, &topKey, &topKeyEscaped, &memberValueStart)
                            continue
                        }
                    }
                case UInt8(ascii: "["):
                    guard stack.count < JSONScanner.maxDepth else { throw lx.error("nesting deeper than \(JSONScanner.maxDepth)") }
                    lx.i += 1
                    lx.skipSpace()
                    guard lx.i < lx.n else { throw lx.eof("a value or ']'") }
                    if lx.p[lx.i] == UInt8(ascii: "]") {
                        lx.i += 1
                        k = .array
                    } else {
                        stack.append(false)
                        if stack.count == 1 { topKind = .array }
                        continue
                    }
                case UInt8(ascii: "\""):
                    _ = try lx.string()
                    k = .string
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    try lx.number()
                    k = .number
                case UInt8(ascii: "t"):
                    try lx.literal("true"); k = .true
                case UInt8(ascii: "f"):
                    try lx.literal("false"); k = .false
                case UInt8(ascii: "n"):
                    try lx.literal("null"); k = .null
                default:
                    throw lx.error("unexpected '\(printable(c))'")
                }
                // A scalar (or empty container, or unwrapped wrapper) is complete.
                if stack.isEmpty { return k }
                if collect, stack.count == 1, stack[0] {
                    members.append(JSONMember(key: topKey, keyHasEscapes: topKeyEscaped,
                                              value: JSONSpan(valueStart, lx.i), kind: k, replacement: repl))
                }
                expectingValue = false
            } else {
                lx.skipSpace()
                guard lx.i < lx.n else { throw lx.eof("',' or a closing bracket") }
                let c = lx.p[lx.i]
                let inObject = stack[stack.count - 1]
                if c == UInt8(ascii: ",") {
                    lx.i += 1
                    if inObject { try key(&lx, &topKey, &topKeyEscaped, &memberValueStart) }
                    expectingValue = true
                } else if c == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    lx.i += 1
                    stack.removeLast()
                    if stack.isEmpty { return topKind }
                    if collect, stack.count == 1, stack[0] {
                        // A container value of the top-level object just closed.
                        members.append(JSONMember(key: topKey, keyHasEscapes: topKeyEscaped,
                                                  value: JSONSpan(memberValueStart, lx.i),
                                                  kind: inObject ? .object : .array, replacement: -1))
                    }
                } else {
                    throw lx.error(inObject ? "expected ',' or '}'" : "expected ',' or ']'")
                }
            }
        }
    }

    /// Reads `"key" :` and leaves the position at the value (recording top-level keys and value starts).
    private mutating func key(_ lx: inout Lexer, _ topKey: inout JSONSpan, _ topKeyEscaped: inout Bool,
                              _ memberValueStart: inout Int) throws {
        lx.skipSpace()
        guard lx.i < lx.n else { throw lx.eof("a key") }
        guard lx.p[lx.i] == UInt8(ascii: "\"") else { throw lx.error("expected a string key") }
        let ks = lx.i + 1
        let escaped = try lx.string()
        if stack.count == 1 {
            topKey = JSONSpan(ks, lx.i - 1)
            topKeyEscaped = escaped
        }
        lx.skipSpace()
        guard lx.i < lx.n else { throw lx.eof("':'") }
        guard lx.p[lx.i] == UInt8(ascii: ":") else { throw lx.error("expected ':'") }
        lx.i += 1
        lx.skipSpace()
        if stack.count == 1 { memberValueStart = lx.i }
    }

    /// At `{`: when this object is exactly one known Extended JSON wrapper, consumes it and returns the
    /// replacement; otherwise leaves the position unchanged and returns nil (the ordinary scan then reads
    /// it, and reports any syntax error at its place).
    func wrapper(_ lx: inout Lexer) throws -> JSONReplacement? {
        let open = lx.i
        lx.i += 1
        lx.skipSpace()
        guard lx.i + 1 < lx.n, lx.p[lx.i] == 0x22, lx.p[lx.i + 1] == UInt8(ascii: "$") else {
            if lx.i + 1 >= lx.n, !lx.isFinal { throw lx.incomplete }
            lx.i = open
            return nil
        }
        let ks = lx.i + 1
        var j = ks
        while j < lx.n, lx.p[j] != 0x22, lx.p[j] != 0x5C, j - ks < 16 { j += 1 }
        if j >= lx.n, !lx.isFinal { throw lx.incomplete }
        guard j < lx.n, lx.p[j] == 0x22,
              let w = ExtendedJSON.Wrapper(UnsafeBufferPointer(start: lx.p + ks, count: j - ks)) else { lx.i = open; return nil }
        lx.i = j + 1
        lx.skipSpace()
        guard lx.i < lx.n, lx.p[lx.i] == UInt8(ascii: ":") else {
            if lx.i >= lx.n, !lx.isFinal { throw lx.incomplete }
            lx.i = open
            return nil
        }
        lx.i += 1
        lx.skipSpace()
        guard lx.i < lx.n else {
            if !lx.isFinal { throw lx.incomplete }
            lx.i = open
            return nil
        }
        let vs = lx.i
        var valueKind = JSONKind.string
        var nested: JSONReplacement?
        do {
            switch lx.p[lx.i] {
            case 0x22:
                _ = try lx.string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try lx.number()
                valueKind = .number
            case UInt8(ascii: "{") where w == .date:
                // {"$date": {"$numberLong": "1700000000000"}}
                guard let r = try wrapper(&lx), r.kind == .number else { lx.i = open; return nil }
                nested = r
                valueKind = .number
            default:
                lx.i = open
                return nil
            }
        } catch let e as JSONSyntaxError {
            if e.incomplete { throw e }
            lx.i = open
            return nil
        }
        let ve = lx.i
        lx.skipSpace()
        guard lx.i < lx.n, lx.p[lx.i] == UInt8(ascii: "}") else {
            if lx.i >= lx.n, !lx.isFinal { throw lx.incomplete }
            lx.i = open
            return nil
        }
        lx.i += 1
        var value = JSONSpan(vs, ve)
        if let nested, case .verbatim(let digits) = nested.form { value = digits }
        guard let (kind, form) = ExtendedJSON.replacement(for: w, value: UnsafeBufferPointer(start: lx.p, count: lx.n),
                                                          span: value, kind: valueKind) else {
            lx.i = open
            return nil
        }
        return JSONReplacement(span: JSONSpan(open, lx.i), kind: kind, form: form)
    }
}

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
@inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

@inline(__always) func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x41...0x46: return c - 0x41 + 10
    case 0x61...0x66: return c - 0x61 + 10
    default: return nil
    }
}

func hex2(_ c: UInt8) -> String {
    let d = Array("0123456789abcdef".utf8)
    return String(decoding: [d[Int(c >> 4)], d[Int(c & 15)]], as: UTF8.self)
}

/// A byte as it may be shown in a message.
func printable(_ c: UInt8) -> String {
    c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + hex2(c)
}

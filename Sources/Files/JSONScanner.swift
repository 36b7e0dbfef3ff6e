// A validating JSON scanner over bytes in memory, built for throughput: it checks one value against RFC 8259
// without building a tree, remembers where the top-level object's members are (for column extraction), and
// notes MongoDB Extended JSON wrappers (`{"$oid": ...}`, `{"$date": ...}`, `{"$numberLong": ...}`) as
// replacements to splice in when the text is rendered. A document with nothing to unwrap is handed out as
// its own bytes, untouched. Nesting is tracked on a heap stack, so deep input cannot overflow the call stack.

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

/// An Extended JSON wrapper found at `span`, to be rendered as `text` (valid JSON of `kind`).
public struct JSONReplacement: Sendable {
    public var span: JSONSpan
    public var text: [UInt8]
    public var kind: JSONKind
}

public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public var message: String
    /// Byte offset of the problem in the scanned buffer.
    public var offset: Int
    /// The buffer ended inside the value, and it was not the final buffer: more input may complete it.
    public var incomplete: Bool
    public var description: String { message }
}

public final class JSONScanner {
    /// Deeper nesting is an error (SQLite's own JSON functions stop at 1000 too).
    public static let maxDepth = 1000

    /// Recognise MongoDB Extended JSON wrappers and record replacements for them.
    public var unwrapExtendedJSON: Bool
    /// Record the members of a top-level object in `members`.
    public var collectMembers: Bool

    public private(set) var members: [JSONMember] = []
    public private(set) var replacements: [JSONReplacement] = []
    /// Kind of the last scanned top-level value.
    public private(set) var kind: JSONKind = .null

    private var stack: [UInt8] = []     // 0 = array, 1 = object
    private var p: UnsafePointer<UInt8> = UnsafePointer(bitPattern: 1).unsafelyUnwrapped
    private var n = 0
    private var i = 0
    private var isFinal = true

    public init(unwrapExtendedJSON: Bool = true, collectMembers: Bool = false) {
        self.unwrapExtendedJSON = unwrapExtendedJSON
        self.collectMembers = collectMembers
        stack.reserveCapacity(64)
    }

    /// Scans exactly one JSON document filling `bytes`, with optional whitespace around it.
    public func scanDocument(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONSpan {
        let end = try scanValue(bytes, from: 0, isFinal: true)
        var j = end.end
        while j < bytes.count, isSpace(bytes[j]) { j += 1 }
        if j < bytes.count {
            throw JSONSyntaxError(message: "unexpected '\(printable(bytes[j]))' after the document at column \(j + 1)",
                                  offset: j, incomplete: false)
        }
        return end
    }

    /// Scans one value starting at `from` (leading whitespace skipped) and returns its span.
    /// With `isFinal` false, running out of bytes throws an error marked `incomplete`.
    public func scanValue(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, isFinal: Bool) throws -> JSONSpan {
        members.removeAll(keepingCapacity: true)
        replacements.removeAll(keepingCapacity: true)
        stack.removeAll(keepingCapacity: true)
        guard let base = bytes.baseAddress, from < bytes.count else {
            throw JSONSyntaxError(message: "empty document", offset: from, incomplete: !isFinal)
        }
        p = base
        n = bytes.count
        i = from
        self.isFinal = isFinal
        skipSpace()
        let start = i
        try scan()
        return JSONSpan(start, i)
    }

    // MARK: - the state machine

    private func scan() throws {
        var topKey = JSONSpan(0, 0)
        var topKeyEscaped = false
        var valueStart = 0
        var expectingValue = true   // else: after a value
        kind = .null
        while true {
            if expectingValue {
                skipSpace()
                guard i < n else { throw eof("a value") }
                valueStart = i
                let c = p[i]
                var k: JSONKind
                var repl = -1
                switch c {
                case UInt8(ascii: "{"):
                    if unwrapExtendedJSON, let r = try wrapper() {
                        replacements.append(r)
                        repl = replacements.count - 1
                        k = r.kind
                    } else {
                        guard stack.count < JSONScanner.maxDepth else { throw error("nesting deeper than \(JSONScanner.maxDepth)") }
                        i += 1
                        skipSpace()
                        guard i < n else { throw eof("a key or '}'") }
                        if p[i] == UInt8(ascii: "}") {
                            i += 1
                            k = .object
                        } else {
                            stack.append(1)
                            if stack.count == 1 { kind = .object }
                            try key(&topKey, &topKeyEscaped)
                            continue
                        }
                    }
                case UInt8(ascii: "["):
                    guard stack.count < JSONScanner.maxDepth else { throw error("nesting deeper than \(JSONScanner.maxDepth)") }
                    i += 1
                    skipSpace()
                    guard i < n else { throw eof("a value or ']'") }
                    if p[i] == UInt8(ascii: "]") {
                        i += 1
                        k = .array
                    } else {
                        stack.append(0)
                        if stack.count == 1 { kind = .array }
                        continue
                    }
                case UInt8(ascii: "\""):
                    _ = try string()
                    k = .string
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    try number()
                    k = .number
                case UInt8(ascii: "t"):
                    try literal("true"); k = .true
                case UInt8(ascii: "f"):
                    try literal("false"); k = .false
                case UInt8(ascii: "n"):
                    try literal("null"); k = .null
                default:
                    throw error("unexpected '\(printable(c))'")
                }
                // A scalar (or empty container, or unwrapped wrapper) is complete.
                if stack.isEmpty { kind = k; return }
                if collectMembers, stack.count == 1, stack[0] == 1 {
                    members.append(JSONMember(key: topKey, keyHasEscapes: topKeyEscaped,
                                              value: JSONSpan(valueStart, i), kind: k, replacement: repl))
                }
                expectingValue = false
            } else {
                skipSpace()
                guard i < n else { throw eof("',' or a closing bracket") }
                let c = p[i]
                let inObject = stack[stack.count - 1] == 1
                if c == UInt8(ascii: ",") {
                    i += 1
                    if inObject { try key(&topKey, &topKeyEscaped) }
                    expectingValue = true
                } else if c == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    stack.removeLast()
                    if stack.isEmpty { return }
                    if collectMembers, stack.count == 1, stack[0] == 1 {
                        // A container value of the top-level object just closed: find where it began.
                        members.append(JSONMember(key: topKey, keyHasEscapes: topKeyEscaped,
                                                  value: JSONSpan(containerStart, i),
                                                  kind: inObject ? .object : .array, replacement: -1))
                    }
                } else {
                    throw error(inObject ? "expected ',' or '}'" : "expected ',' or ']'")
                }
            }
        }
    }

    /// Start of the container value currently being read as a top-level member (set in `key`/values).
    private var containerStart: Int {
        // The member's value span starts right after its ':' (and whitespace); recorded in `memberValueStart`.
        memberValueStart
    }
    private var memberValueStart = 0

    /// Reads `"key" :` and leaves `i` at the value (recording the value start for top-level members).
    private func key(_ topKey: inout JSONSpan, _ topKeyEscaped: inout Bool) throws {
        skipSpace()
        guard i < n else { throw eof("a key") }
        guard p[i] == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let ks = i + 1
        let escaped = try string()
        if stack.count == 1 {
            topKey = JSONSpan(ks, i - 1)
            topKeyEscaped = escaped
        }
        skipSpace()
        guard i < n else { throw eof("':'") }
        guard p[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
        i += 1
        skipSpace()
        if stack.count == 1 { memberValueStart = i }
    }

    // MARK: - tokens

    @inline(__always) private func skipSpace() {
        while i < n {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    /// Reads a string starting at the opening quote; returns whether it holds escapes.
    private func string() throws -> Bool {
        let open = i
        i += 1
        var escaped = false
        while true {
            // Fast run over ordinary bytes.
            while i < n {
                let c = p[i]
                if c == 0x22 || c == 0x5C || c < 0x20 { break }
                i += 1
            }
            guard i < n else { throw eof("the end of the string that starts at column \(open + 1)", at: open) }
            let c = p[i]
            if c == 0x22 { i += 1; return escaped }
            if c < 0x20 { throw error("control character in a string (escape it as \\u00\(hex2(c)))") }
            // Backslash escape.
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

    private func number() throws {
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
        if i == n, !isFinal { throw JSONSyntaxError(message: "incomplete number", offset: i, incomplete: true) }
        if i < n, isDigit(p[i]) { throw error("leading zero in a number") }
    }

    private func literal(_ word: StaticString) throws {
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

    // MARK: - Extended JSON

    /// At `{`: when this object is exactly one known Extended JSON wrapper, consumes it and returns the
    /// replacement; otherwise leaves `i` unchanged and returns nil (the ordinary scan then reads it, and
    /// reports any syntax error at its place).
    private func wrapper() throws -> JSONReplacement? {
        let open = i
        func incomplete() -> JSONSyntaxError {
            JSONSyntaxError(message: "incomplete object", offset: i, incomplete: true)
        }
        i += 1
        skipSpace()
        guard i + 1 < n else {
            if !isFinal { throw incomplete() }
            i = open; return nil
        }
        guard p[i] == 0x22, p[i + 1] == UInt8(ascii: "$") else { i = open; return nil }
        let ks = i + 1
        var j = ks
        while j < n, p[j] != 0x22, p[j] != 0x5C, j - ks < 16 { j += 1 }
        if j >= n, !isFinal { throw incomplete() }
        guard j < n, p[j] == 0x22,
              let w = ExtendedJSON.Wrapper(UnsafeBufferPointer(start: p + ks, count: j - ks)) else { i = open; return nil }
        i = j + 1
        skipSpace()
        guard i < n, p[i] == UInt8(ascii: ":") else {
            if i >= n, !isFinal { throw incomplete() }
            i = open; return nil
        }
        i += 1
        skipSpace()
        guard i < n else {
            if !isFinal { throw incomplete() }
            i = open; return nil
        }
        let vs = i
        var valueKind = JSONKind.string
        var nested: JSONReplacement?
        do {
            switch p[i] {
            case 0x22:
                _ = try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number()
                valueKind = .number
            case UInt8(ascii: "{") where w == .date:
                // {"$date": {"$numberLong": "1700000000000"}}
                guard let r = try wrapper(), r.kind == .number else { i = open; return nil }
                nested = r
                valueKind = .number
            default:
                i = open; return nil
            }
        } catch let e as JSONSyntaxError {
            if e.incomplete { throw e }
            i = open; return nil
        }
        let ve = i
        skipSpace()
        guard i < n, p[i] == UInt8(ascii: "}") else {
            if i >= n, !isFinal { throw incomplete() }
            i = open; return nil
        }
        i += 1
        let out: (text: [UInt8], kind: JSONKind)?
        if let nested {
            out = nested.text.withUnsafeBufferPointer { ExtendedJSON.replacement(for: w, value: $0, kind: valueKind) }
        } else {
            out = ExtendedJSON.replacement(for: w, value: UnsafeBufferPointer(start: p + vs, count: ve - vs), kind: valueKind)
        }
        guard let out else { i = open; return nil }
        return JSONReplacement(span: JSONSpan(open, i), text: out.text, kind: out.kind)
    }

    // MARK: - errors

    private func error(_ what: String) -> JSONSyntaxError {
        JSONSyntaxError(message: "\(what) at column \(i + 1)", offset: i, incomplete: false)
    }

    private func eof(_ expected: String, at: Int? = nil) -> JSONSyntaxError {
        if !isFinal { return JSONSyntaxError(message: "incomplete", offset: i, incomplete: true) }
        return JSONSyntaxError(message: "unexpected end of input, expected \(expected)", offset: at ?? i, incomplete: false)
    }

    // MARK: - rendering

    /// The text of `span` with the replacements inside it applied: the document as SQL should see it.
    /// Calls `body` with the original bytes when nothing inside needs replacing.
    public func withRendered<R>(_ bytes: UnsafeBufferPointer<UInt8>, _ span: JSONSpan,
                                _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let inside = replacements.filter { $0.span.start >= span.start && $0.span.end <= span.end }
        if inside.isEmpty {
            return try body(UnsafeBufferPointer(rebasing: bytes[span.start..<span.end]))
        }
        var out: [UInt8] = []
        out.reserveCapacity(span.count)
        var at = span.start
        for r in inside where r.span.start >= at {
            out.append(contentsOf: bytes[at..<r.span.start])
            out.append(contentsOf: r.text)
            at = r.span.end
        }
        out.append(contentsOf: bytes[at..<span.end])
        return try out.withUnsafeBufferPointer { try body($0) }
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

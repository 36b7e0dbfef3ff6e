// An RFC 4180 CSV reader over a plain or gzip file: quoted fields with delimiters, doubled quotes and
// newlines inside; CRLF, LF or CR record ends; a UTF-8 BOM; any one-byte delimiter (TSV is `\t`). Lenient
// where Python's csv module is: text after a closing quote is kept, a quote inside an unquoted field is a
// literal. Empty lines are skipped. Memory holds one record at a time.
import StrataCommon

public struct CSVOptions: Equatable, Sendable {
    public var delimiter: UInt8 = UInt8(ascii: ",")
    public var quote: UInt8 = UInt8(ascii: "\"")
    /// The first record names the columns.
    public var header = true
    public init() {}

    /// The default for a path: tab for `.tsv`/`.tab` files (also gzip-compressed), comma otherwise.
    public static func defaults(forPath path: String) -> CSVOptions {
        var o = CSVOptions()
        let p = path.lowercased()
        if p.hasSuffix(".tsv") || p.hasSuffix(".tab") || p.hasSuffix(".tsv.gz") || p.hasSuffix(".tab.gz") {
            o.delimiter = 0x09
        }
        return o
    }
}

public final class CSVReader {
    public let path: String
    public let options: CSVOptions
    private let buffer: StreamBuffer
    private var nextLine = 1
    private var first = true

    /// Field bytes of the current record, back to back, with end offsets and quoted flags.
    private var fieldBytes: [UInt8] = []
    private var fieldEnds: [Int] = []
    private var quoted: [Bool] = []
    /// The line where the current record starts (1-based).
    public private(set) var line = 0

    public init(path: String, options: CSVOptions) throws {
        self.path = path
        self.options = options
        do {
            buffer = StreamBuffer(stream: try FileStream(path: path))
        } catch {
            throw FilesError(error)
        }
        fieldBytes.reserveCapacity(4096)
    }

    public var fieldCount: Int { fieldEnds.count }

    public func withField<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard k >= 0, k < fieldEnds.count else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        let s = k == 0 ? 0 : fieldEnds[k - 1]
        return try fieldBytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[s..<fieldEnds[k]])) }
    }

    public func field(_ k: Int) -> String { withField(k) { String(decoding: $0, as: UTF8.self) } }

    /// Whether field `k` was written in quotes (a quoted empty field is an empty string, an unquoted one null).
    public func isQuoted(_ k: Int) -> Bool { k >= 0 && k < quoted.count ? quoted[k] : false }

    /// All fields of the current record as strings.
    public var fields: [String] { (0..<fieldCount).map(field) }

    /// Advances to the next non-empty record; false at the end of the file.
    public func next() throws -> Bool {
        do {
            while true {
                if first {
                    first = false
                    while buffer.bytes.count < 3, try buffer.fill(what: "") {}
                    let b = buffer.bytes
                    if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { buffer.start += 3 }
                }
                if buffer.bytes.isEmpty, !(try buffer.fill(what: "record at line \(nextLine) of '\(path)'")) { return false }
                switch try parseRecord() {
                case .needMore:
                    if !(try buffer.fill(what: "the record at line \(nextLine) of '\(path)'")) {
                        // The last record ends at the end of the file; parse again as final.
                        continue
                    }
                case .record(let consumed, let newlines):
                    buffer.start += consumed
                    line = nextLine
                    nextLine += newlines
                    if fieldEnds.count == 1, fieldEnds[0] == 0, !quoted[0] { continue }  // an empty line
                    return true
                }
            }
        } catch let e as FileError {
            throw FilesError(e)
        }
    }

    private enum Parse { case needMore, record(consumed: Int, newlines: Int) }

    /// Parses one record from the unconsumed bytes into the field arrays.
    private func parseRecord() throws -> Parse {
        fieldBytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        quoted.removeAll(keepingCapacity: true)
        let b = buffer.bytes
        let n = b.count
        let eof = buffer.isAtEOF
        let d = options.delimiter, q = options.quote
        var k = 0
        var newlines = 0
        while true {
            // One field.
            var wasQuoted = false
            if k < n, b[k] == q {
                wasQuoted = true
                k += 1
                while true {
                    var e = k
                    while e < n, b[e] != q { e += 1 }
                    guard e < n else {
                        if eof { throw FilesError("'\(path)' line \(nextLine): unterminated quoted field") }
                        return .needMore
                    }
                    let part = UnsafeBufferPointer(rebasing: b[k..<e])
                    newlines += countNewlines(part)
                    fieldBytes.append(contentsOf: part)
                    k = e + 1
                    if k < n, b[k] == q { fieldBytes.append(q); k += 1; continue }
                    if k >= n, !eof { return .needMore }
                    break
                }
            }
            // Unquoted text (or text after a closing quote).
            let s = k
            while k < n {
                let c = b[k]
                if c == d || c == 0x0A || c == 0x0D { break }
                k += 1
            }
            if k > s { fieldBytes.append(contentsOf: b[s..<k]) }
            fieldEnds.append(fieldBytes.count)
            quoted.append(wasQuoted)
            guard k < n else {
                if !eof { return .needMore }
                return .record(consumed: k, newlines: newlines + 1)
            }
            let c = b[k]
            if c == d { k += 1; continue }
            if c == 0x0A { return .record(consumed: k + 1, newlines: newlines + 1) }
            // CR: swallow a following LF.
            if k + 1 >= n, !eof { return .needMore }
            if k + 1 < n, b[k + 1] == 0x0A { return .record(consumed: k + 2, newlines: newlines + 1) }
            return .record(consumed: k + 1, newlines: newlines + 1)
        }
    }
}

/// Options given as `key=value` pairs (`header=false, delimiter=';'`; values may be quoted) or as a JSON
/// object (`{"header": false, "delimiter": ";"}`), lower-cased keys.
public func parseOptionList(_ text: String) throws -> [(key: String, value: String)] {
    let t = text.trimmingWhitespace()
    if t.isEmpty { return [] }
    if t.hasPrefix("{") { return try parseJSONOptions(t) }
    // key=value pairs separated by ',' or ';'. A value is quoted, or runs to the next separator; an empty
    // unquoted value followed by a separator takes that separator itself (`delimiter=;`, `delimiter=,`).
    var out: [(key: String, value: String)] = []
    let chars = Array(t)
    var k = 0
    func isSep(_ c: Character) -> Bool { c == "," || c == ";" }
    while k < chars.count {
        while k < chars.count, isSep(chars[k]) || chars[k].isWhitespace { k += 1 }
        guard k < chars.count else { break }
        var key = ""
        while k < chars.count, chars[k] != "=" , !isSep(chars[k]) { key.append(chars[k]); k += 1 }
        guard k < chars.count, chars[k] == "=" else { throw FilesError("option '\(key.trimmingWhitespace())' is not key=value") }
        k += 1
        while k < chars.count, chars[k] == " " { k += 1 }
        var value = ""
        if k < chars.count, chars[k] == "'" || chars[k] == "\"" {
            let q = chars[k]
            k += 1
            while k < chars.count {
                if chars[k] == q {
                    if k + 1 < chars.count, chars[k + 1] == q { value.append(q); k += 2; continue }
                    break
                }
                value.append(chars[k])
                k += 1
            }
            guard k < chars.count else { throw FilesError("unterminated quote in options") }
            k += 1
        } else if k < chars.count, isSep(chars[k]) {
            value = String(chars[k])
            k += 1
        } else {
            while k < chars.count, !isSep(chars[k]) { value.append(chars[k]); k += 1 }
            value = value.trimmingWhitespace()
        }
        out.append((key.trimmingWhitespace().lowercased(), value))
    }
    return out
}

private func parseJSONOptions(_ t: String) throws -> [(key: String, value: String)] {
    var t = t
    return try t.withUTF8 { b -> [(key: String, value: String)] in
        let sc = JSONScanner(unwrapExtendedJSON: false, collectMembers: true)
        do { _ = try sc.scanDocument(b) } catch let e as JSONSyntaxError {
            throw FilesError("options are not valid JSON: \(e.message)")
        }
        guard sc.kind == .object else { throw FilesError("options must be a JSON object") }
        return sc.members.map { m in
            let key = decodeJSONStringBody(UnsafeBufferPointer(rebasing: b[m.key.start..<m.key.end])).lowercased()
            let raw = UnsafeBufferPointer(rebasing: b[m.value.start..<m.value.end])
            let value = m.kind == .string ? decodeJSONString(raw) : String(decoding: raw, as: UTF8.self)
            return (key, value)
        }
    }
}

/// A boolean option value.
public func parseBoolOption(_ name: String, _ v: String) throws -> Bool {
    switch v.lowercased() {
    case "1", "true", "yes", "on": return true
    case "0", "false", "no", "off": return false
    default: throw FilesError("\(name) must be true or false, not '\(v)'")
    }
}

/// A one-byte delimiter or quote option: a character, `\t`, or `tab`.
public func parseByteOption(_ name: String, _ v: String) throws -> UInt8 {
    switch v.lowercased() {
    case "\\t", "tab", "\t": return 0x09
    default:
        let u = Array(v.utf8)
        guard u.count == 1, u[0] != 0x0A, u[0] != 0x0D else {
            throw FilesError("\(name) must be one ASCII character (or '\\t'), not '\(v)'")
        }
        return u[0]
    }
}

extension CSVOptions {
    /// Applies `header`, `delimiter` (`sep`) and `quote` options; other keys are left to the caller.
    public mutating func apply(_ key: String, _ value: String) throws -> Bool {
        switch key {
        case "header": header = try parseBoolOption(key, value)
        case "delimiter", "delim", "sep": delimiter = try parseByteOption(key, value)
        case "quote": quote = try parseByteOption(key, value)
        default: return false
        }
        guard delimiter != quote else { throw FilesError("delimiter and quote must differ") }
        return true
    }
}



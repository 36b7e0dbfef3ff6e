// The columns of a JSON-lines table: top-level keys of the first documents (in first-seen order) with
// inferred types, and per document the lookup from column to member and the member's SQL value.

public struct JSONColumn: Sendable {
    /// The key as it appears in documents (decoded).
    public var key: String
    /// The SQL column name (unique without case).
    public var name: String
    public var type: ColumnType
}

public enum JSONColumns {
    /// Documents sampled for column inference.
    public static let defaultSampleSize = 100

    /// Columns from up to `sample` documents of `paths` (in order, across files).
    public static func infer(paths: [String], sample: Int = defaultSampleSize) throws -> [JSONColumn] {
        var keys: [String] = []
        var index: [String: Int] = [:]
        var tallies: [TypeTally] = []
        var seen = 0
        outer: for path in paths {
            let reader = try JSONDocumentReader(path: path, collectMembers: true)
            while seen < sample, try reader.next() {
                seen += 1
                for m in reader.scanner.members {
                    let key = keyString(reader.buffer, m)
                    let k: Int
                    if let existing = index[key] { k = existing } else {
                        k = keys.count
                        index[key] = k
                        keys.append(key)
                        tallies.append(TypeTally())
                    }
                    tally(&tallies[k], reader, m)
                }
            }
            if seen >= sample { break outer }
        }
        let names = uniqueColumnNames(keys)
        return keys.indices.map { JSONColumn(key: keys[$0], name: names[$0], type: tallies[$0].type) }
    }

    static func keyString(_ b: UnsafeBufferPointer<UInt8>, _ m: JSONMember) -> String {
        let raw = UnsafeBufferPointer(rebasing: b[m.key.start..<m.key.end])
        return m.keyHasEscapes ? decodeJSONStringBody(raw) : String(decoding: raw, as: UTF8.self)
    }

    private static func tally(_ t: inout TypeTally, _ r: JSONDocumentReader, _ m: JSONMember) {
        switch m.kind {
        case .null: break
        case .true, .false: t.addInteger()
        case .string: t.addText()
        case .object, .array: t.addNested()
        case .number:
            let isInteger: Bool
            if m.replacement >= 0 {
                isInteger = r.scanner.withText(of: r.scanner.replacements[m.replacement]) { parseJSONInteger($0) != nil }
            } else {
                isInteger = parseJSONInteger(UnsafeBufferPointer(rebasing: r.buffer[m.value.start..<m.value.end])) != nil
            }
            isInteger ? t.addInteger() : t.addReal()
        }
    }
}

/// Maps the current document's members to columns (first occurrence of a key wins, as with SQLite's `->>`).
public final class JSONColumnMatcher {
    public let columns: [JSONColumn]
    private let keyBytes: [[UInt8]]
    /// Member index per column for the current document, -1 when absent.
    public private(set) var memberOfColumn: [Int]

    public init(columns: [JSONColumn]) {
        self.columns = columns
        keyBytes = columns.map { Array($0.key.utf8) }
        memberOfColumn = Array(repeating: -1, count: columns.count)
    }

    public func match(_ reader: JSONDocumentReader) {
        for c in memberOfColumn.indices { memberOfColumn[c] = -1 }
        let members = reader.scanner.members
        let b = reader.buffer
        var hint = 0
        for (mi, m) in members.enumerated() {
            let c = find(m, in: b, hint: hint)
            if c >= 0 {
                if memberOfColumn[c] < 0 { memberOfColumn[c] = mi }
                hint = c + 1
            }
        }
    }

    private func find(_ m: JSONMember, in b: UnsafeBufferPointer<UInt8>, hint: Int) -> Int {
        let raw = UnsafeBufferPointer(rebasing: b[m.key.start..<m.key.end])
        if m.keyHasEscapes {
            let key = decodeJSONStringBody(raw)
            return columns.firstIndex { $0.key == key } ?? -1
        }
        let n = keyBytes.count
        guard n > 0 else { return -1 }
        // Documents usually repeat one key order: try the expected column first.
        for step in 0..<n {
            let c = (hint + step) % n
            let k = keyBytes[c]
            if k.count == raw.count, k.withUnsafeBufferPointer({ $0.elementsEqual(raw) }) { return c }
        }
        return -1
    }
}

/// The SQL value of one member: what a column holds.
public enum JSONMemberValue {
    case null
    case integer(Int64)
    case real(Double)
    /// Decoded string contents.
    case text(String)
    /// JSON text of an object or array (Extended JSON inside unwrapped).
    case json(String)
}

extension JSONDocumentReader {
    /// The value of member `mi` of the current document.
    public func value(ofMember mi: Int) -> JSONMemberValue {
        let members = scanner.members
        guard mi >= 0, mi < members.count else { return .null }
        let m = members[mi]
        if m.replacement >= 0, m.replacement < scanner.replacements.count {
            let r = scanner.replacements[m.replacement]
            return scanner.withText(of: r) { scalarValue(kind: r.kind, text: $0) }
        }
        switch m.kind {
        case .object, .array:
            return .json(scanner.withRendered(buffer, m.value) { String(decoding: $0, as: UTF8.self) })
        default:
            return scalarValue(kind: m.kind, text: UnsafeBufferPointer(rebasing: buffer[m.value.start..<m.value.end]))
        }
    }

    private func scalarValue(kind: JSONKind, text: UnsafeBufferPointer<UInt8>) -> JSONMemberValue {
        switch kind {
        case .null: return .null
        case .true: return .integer(1)
        case .false: return .integer(0)
        case .string: return .text(decodeJSONString(text))
        case .number:
            switch parseJSONNumber(text) {
            case .integer(let i)?: return .integer(i)
            case .real(let d)?: return .real(d)
            case nil: return .null
            }
        case .object, .array: return .json(String(decoding: text, as: UTF8.self))
        }
    }
}

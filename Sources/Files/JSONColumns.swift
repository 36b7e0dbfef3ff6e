// The columns of a JSON-lines table: top-level keys of the first documents (in first-seen order) with
// inferred types, and per document the lookup from column to member and the member's SQL value.
import CJSON
import Glibc

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
                isInteger = r.scanner.withText(of: r.scanner.replacements[m.replacement], in: r.buffer) { parseJSONInteger($0) != nil }
            } else {
                isInteger = parseJSONInteger(UnsafeBufferPointer(rebasing: r.buffer[m.value.start..<m.value.end])) != nil
            }
            isInteger ? t.addInteger() : t.addReal()
        }
    }
}

/// Keys as one raw byte buffer with offsets — key k is bytes[offsets[k] ..< offsets[k + 1]] — the form CJSON's
/// matchers take (strata_json_match_keys, strata_json_read_rows).
final class PackedKeys {
    let count: Int
    let bytes: UnsafeMutablePointer<UInt8>
    let offsets: UnsafeMutablePointer<Int>

    init(_ keys: [String]) {
        count = keys.count
        let all = keys.flatMap { Array($0.utf8) }
        bytes = .allocate(capacity: max(all.count, 1))
        bytes.initialize(from: all, count: all.count)
        offsets = .allocate(capacity: count + 1)
        var at = 0
        for (k, key) in keys.enumerated() {
            offsets[k] = at
            at += key.utf8.count
        }
        offsets[count] = at
    }

    deinit {
        bytes.deallocate()
        offsets.deallocate()
    }
}

/// Maps the current document's members to columns (first occurrence of a key wins, as with SQLite's `->>`).
/// Keys and the per-row result live in raw buffers: this runs once per row, so it avoids array copies.
public final class JSONColumnMatcher {
    public let columns: [JSONColumn]
    private let count: Int
    private let keys: PackedKeys
    private let found: UnsafeMutablePointer<Int>         // member index per column, -1 when absent

    public init(columns: [JSONColumn]) {
        self.columns = columns
        count = columns.count
        keys = PackedKeys(columns.map(\.key))
        found = .allocate(capacity: max(count, 1))
        found.initialize(repeating: -1, count: max(count, 1))
    }

    deinit {
        found.deallocate()
    }

    /// The member index of column `c` in the last matched document, -1 when the key is absent.
    public func memberIndex(column c: Int) -> Int { c >= 0 && c < count ? found[c] : -1 }

    public func match(_ reader: JSONDocumentReader) {
        for c in 0..<count { found[c] = -1 }
        guard count > 0 else { return }
        let b = reader.buffer
        guard let base = b.baseAddress else { return }
        // Members straight from the C fast path: matched there unless a key holds an escape.
        if let (table, n) = reader.scanner.fastMemberTable,
           strata_json_match_keys(base, table, n, keys.bytes, keys.offsets, count, found) == 1 {
            return
        }
        for c in 0..<count { found[c] = -1 }
        var hint = 0
        reader.scanner.withMembers { members in
            for mi in 0..<members.count {
                let m = members[mi]
                let c: Int
                if m.keyHasEscapes {
                    let key = decodeJSONStringBody(UnsafeBufferPointer(rebasing: b[m.key.start..<m.key.end]))
                    c = columns.firstIndex { $0.key == key } ?? -1
                } else {
                    c = find(base + m.key.start, m.key.count, hint: hint)
                }
                if c >= 0 {
                    if found[c] < 0 { found[c] = mi }
                    hint = c + 1
                }
            }
        }
    }

    private func find(_ key: UnsafePointer<UInt8>, _ length: Int, hint: Int) -> Int {
        // Documents usually repeat one key order: try the expected column first.
        var c = hint >= count ? 0 : hint
        for _ in 0..<count {
            let s = keys.offsets[c]
            if keys.offsets[c + 1] - s == length, sameBytes(keys.bytes + s, key, length) { return c }
            c += 1
            if c == count { c = 0 }
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
        guard let m = scanner.member(mi) else { return .null }
        if m.replacement >= 0, let r = scanner.replacement(m.replacement) {
            return scanner.withText(of: r, in: buffer) { scalarValue(kind: r.kind, text: $0) }
        }
        if (m.kind == .object || m.kind == .array), unwrapsOnDemand {
            // Scanned without unwrapping: the value may be a wrapper, or hold some.
            if let r = scanner.wrapper(at: m.value, in: buffer) {
                return scanner.withText(of: r, in: buffer) { scalarValue(kind: r.kind, text: $0) }
            }
            let raw = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[m.value.start..<m.value.end])
            if let rawBase = raw.baseAddress, memchr(rawBase, 0x24, raw.count) == nil {
                return .json(String(decoding: UnsafeBufferPointer(rebasing: buffer[m.value.start..<m.value.end]), as: UTF8.self))
            }
            guard let s = unwrappedScan(of: m.value) else {
                return .json(String(decoding: UnsafeBufferPointer(rebasing: buffer[m.value.start..<m.value.end]), as: UTF8.self))
            }
            let u = valueUnwrapper
            if let r = u.replacement(0), r.span == s {
                return u.withText(of: r, in: buffer) { scalarValue(kind: r.kind, text: $0) }
            }
            return .json(u.withRendered(buffer, s) { String(decoding: $0, as: UTF8.self) })
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

// Column names and types inferred from the first records of a file (JSON documents' top-level keys, CSV
// header fields): what `CREATE VIRTUAL TABLE ... USING jsonl(...)` / `csv_file(...)` declare. The rule is
// the same for both: INTEGER when every non-null sample value is an integer, REAL when all are numbers,
// TEXT when all are text, JSON for nested values, and no declared type (values as they come) when mixed.

public enum ColumnType: String, Sendable {
    case integer = "INTEGER"
    case real = "REAL"
    case text = "TEXT"
    /// JSON text of an object or array.
    case json = "JSON"
    /// Mixed or never seen: no declared type.
    case any = ""
}

/// The kinds of values seen in one column's sample.
public struct TypeTally: Sendable {
    public private(set) var integers = 0
    public private(set) var reals = 0
    public private(set) var texts = 0
    public private(set) var nested = 0

    public init() {}

    public mutating func addInteger() { integers += 1 }
    public mutating func addReal() { reals += 1 }
    public mutating func addText() { texts += 1 }
    public mutating func addNested() { nested += 1 }

    public var type: ColumnType {
        let kinds = (integers + reals > 0 ? 1 : 0) + (texts > 0 ? 1 : 0) + (nested > 0 ? 1 : 0)
        if kinds != 1 { return .any }
        if nested > 0 { return .json }
        if texts > 0 { return .text }
        return reals > 0 ? .real : .integer
    }

    /// Tallies one CSV field's text: integer, real, or text (empty fields are nulls and not counted).
    public mutating func add(csvField b: UnsafeBufferPointer<UInt8>) {
        guard !b.isEmpty else { return }
        switch csvNumber(b) {
        case .integer?: addInteger()
        case .real?: addReal()
        case nil: addText()
        }
    }
}

/// A CSV field's text as a number: JSON's number grammar (so `007`, `1,5`, `NaN` stay text), integers that
/// fit in 64 bits as integers.
public func csvNumber(_ b: UnsafeBufferPointer<UInt8>) -> JSONNumberValue? {
    guard isJSONNumber(b) else { return nil }
    return parseJSONNumber(b)
}

/// Unique SQL column names: empty names become `c<position>`, later duplicates (compared without case, as
/// SQLite does) get `_2`, `_3`, ...; `reserved` names (the table's own columns) are avoided too.
public func uniqueColumnNames(_ names: [String], reserved: Set<String> = []) -> [String] {
    var seen = Set(reserved.map { $0.lowercased() })
    var out: [String] = []
    for (k, raw) in names.enumerated() {
        let base = raw.isEmpty ? "c\(k + 1)" : raw
        var name = base
        var n = 2
        while seen.contains(name.lowercased()) {
            name = "\(base)_\(n)"
            n += 1
        }
        seen.insert(name.lowercased())
        out.append(name)
    }
    return out
}

/// Names for the table's own columns (`doc`, `path`, `line`) that do not collide with data columns:
/// a leading underscore is added until the name is free.
public func systemColumnName(_ base: String, avoiding taken: [String]) -> String {
    let lower = Set(taken.map { $0.lowercased() })
    var name = base
    while lower.contains(name.lowercased()) { name = "_" + name }
    return name
}

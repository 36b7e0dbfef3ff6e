// The walk behind both Parquet tables: file after file, row group after row group (skipping the groups the
// statistics rule out), row after row. Only the fields a query uses are decoded, one row group at a time —
// memory stays at one row group's used columns whatever the file size.
import Parquet
import SQLiteKit
import StrataCommon

final class ParquetScan {
    let paths: [String]
    /// Top-level fields to decode (nil: all of them).
    let used: Set<Int>?
    let prune: [PruneTerm]
    /// The schema every file must have (the creatable table's columns), or nil for read_parquet.
    let expected: [(name: String, type: String)]?

    private(set) var file: ParquetFile?
    private var fileIndex = -1
    private(set) var group = -1
    private(set) var row = 0
    private(set) var groupRows = 0
    /// Row number in the file of the group's first row.
    private(set) var groupStart = 0
    private(set) var isAtEnd = false
    private(set) var rowid: Int64 = 0
    private var fields: [FieldColumns?] = []
    private(set) var prunedGroups = 0
    /// Counts the row groups entered, so a cursor knows when to refresh what it derived from one.
    private(set) var groupSerial = 0

    init(paths: [String], used: Set<Int>?, prune: [PruneTerm], expected: [(name: String, type: String)]?) {
        self.paths = paths
        self.used = used
        self.prune = prune
        self.expected = expected
    }

    var path: String { file?.path ?? "" }
    var rowInFile: Int { groupStart + row }

    func start() throws {
        fileIndex = -1
        group = -1
        isAtEnd = false
        try openNextGroup()
    }

    func next() throws {
        rowid += 1
        row += 1
        if row >= groupRows { try openNextGroup() }
    }

    /// Moves past the current group's rows at once: a cursor that counted `rows` rows itself calls this
    /// when it reaches the end of the group.
    func finishGroup(rowsSeen rows: Int) throws {
        rowid += Int64(rows)
        try openNextGroup()
    }

    /// The decoded field when it is loaded (no decoding here).
    func loadedField(_ i: Int) -> FieldColumns? { i < fields.count ? fields[i] : nil }

    /// Field `i` of the current row group, decoded on first use.
    func field(_ i: Int) throws -> FieldColumns {
        if let f = fields[i] { return f }
        guard let file else { throw SQLError("no current row group") }
        let f = try file.readField(group: group, field: i)
        fields[i] = f
        return f
    }

    private func openNextGroup() throws {
        while true {
            try Interruption.check()
            if let f = file {
                if group >= 0 { groupStart += f.rowCount(ofGroup: group) }
                group += 1
                while group < f.rowGroupCount, try isPruned(f, group) {
                    prunedGroups += 1
                    groupStart += f.rowCount(ofGroup: group)
                    group += 1
                }
                if group < f.rowGroupCount {
                    groupSerial += 1
                    groupRows = f.rowCount(ofGroup: group)
                    row = 0
                    // The previous group's chunks lend their memory to this one (no cursor points into them
                    // any more: ParquetFileCursor rebuilds its pointers after every group change).
                    for case let old? in fields { f.recycle(old) }
                    fields = Array(repeating: nil, count: f.schema.fields.count)
                    if groupRows == 0 { continue }
                    if let used { for i in used where i < fields.count { fields[i] = try f.readField(group: group, field: i) } }
                    return
                }
            }
            fields = []
            file = nil
            fileIndex += 1
            guard fileIndex < paths.count else {
                isAtEnd = true
                return
            }
            let f = try ParquetFile(path: paths[fileIndex])
            if let expected { try checkSchema(f, expected) }
            file = f
            group = -1
            groupStart = 0
        }
    }

    private func checkSchema(_ f: ParquetFile, _ expected: [(name: String, type: String)]) throws {
        let have = f.schema.fields.map { ($0.name, $0.sqlType) }
        guard have.count == expected.count, zip(have, expected).allSatisfy({ $0.0 == $1.name && $0.1 == $1.type }) else {
            let a = expected.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
            let b = have.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            throw SQLError("'\(f.path)' has columns (\(b)), unlike the table's (\(a))")
        }
    }

    private func isPruned(_ f: ParquetFile, _ g: Int) throws -> Bool {
        for term in prune {
            guard term.field < f.schema.fields.count else { continue }
            let node = f.schema.fields[term.field]
            guard node.shape == .primitive else { continue }
            let leaf = node.leafIndex
            // A group whose values are all NULL matches no comparison.
            if let n = f.nullCount(group: g, leaf: leaf), n == Int64(f.rowCount(ofGroup: g)), n > 0 { return true }
            guard let b = f.bounds(group: g, leaf: leaf), boundsAreComparable(LeafKind(node.element), b) else { continue }
            if excludes(term, bounds: b) { return true }
        }
        return false
    }
}

// JSON documents as rows. `read_jsonl(files)` yields each document's file, line and text;
// `CREATE VIRTUAL TABLE t USING jsonl('file.jsonl' [, sample=N])` declares one column per top-level key
// found in the first N documents (types inferred), plus HIDDEN `doc`, `path` and `line`.
import Files
import SQLiteKit
import StrataCommon

/// The documents of several files in order.
typealias JSONFilesWalker = FilesWalker<JSONDocumentReader>

extension FilesWalker where Reader == JSONDocumentReader {
    convenience init(paths: [String], collectMembers: Bool) {
        // Wrappers are unwrapped when a value or document text is asked for: a count or a few plain
        // columns pay nothing for them (the cursors switch to unwrapping in the scan once text is read).
        self.init(paths: paths) { try JSONDocumentReader(path: $0, collectMembers: collectMembers, unwrapLazily: true) }
    }
}

// MARK: - read_jsonl

final class ReadJSONLTable: DeclaredTable {
    static let sql = RecordReaderDeclaration.function(
        "read_jsonl", files: "JSON-lines or JSON-array files", options: nil,
        record: SQLColumn("doc", "TEXT", "the document as JSON text, MongoDB Extended JSON unwrapped"),
        returns: "one row per JSON document")

    /// The creatable form: columns come from the documents' keys.
    static let creatable = RecordReaderDeclaration.table(
        "jsonl", files: "JSON-lines or JSON-array files",
        options: "sample=N: documents read to infer the columns (default 100)",
        returns: "one typed column per top-level key (inferred), plus HIDDEN doc, path, line")

    func openCursor() throws -> VirtualTableCursor { ReadJSONLCursor() }
}

final class ReadJSONLCursor: VirtualTableCursor {
    private var walker = JSONFilesWalker(paths: [], collectMembers: false)

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let args = TableArguments(ReadJSONLTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: arguments)
        walker = JSONFilesWalker(paths: try args.paths("files"), collectMembers: false)
        try walker.advance()
    }

    func next() throws { try walker.advance() }
    var isAtEnd: Bool { walker.isAtEnd }

    func column(_ index: Int32, context: SQLContext) throws {
        guard let r = walker.reader else { return context.resultNull() }
        switch index {
        case 0: context.result(r.path)
        case 1: context.result(r.line)
        case 2:
            r.withDocumentText { context.result(repairingUTF8: $0) }
            // The text is wanted: unwrap during the one scan from the next document on.
            if r.unwrapsLazily { r.unwrapsLazily = false }
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { walker.rowid }
}

// MARK: - jsonl (creatable)

final class JSONLTable: VirtualTable {
    let paths: [String]
    let columns: [JSONColumn]
    let docColumn: String, pathColumn: String, lineColumn: String

    init(_ args: ModuleArguments) throws {
        guard let first = args.arguments.first, !first.isEmpty else {
            throw SQLError("usage: CREATE VIRTUAL TABLE t USING jsonl('file.jsonl' [, sample=N])")
        }
        var sample = JSONColumns.defaultSampleSize
        for raw in args.rawArguments.dropFirst() {
            for (key, value) in try parseOptionList(raw) {
                switch key {
                case "sample":
                    guard let n = Int(value), n > 0, n <= 1_000_000 else {
                        throw SQLError("sample must be a number of documents from 1 to 1000000, not '\(value)'")
                    }
                    sample = n
                default:
                    throw SQLError("unknown option '\(key)' (options: sample)")
                }
            }
        }
        let paths = try Glob.expand(first)
        // Columns are found by reading the files once, rows by reading them again: a pipe has no second read.
        for p in paths where FileAccess.isStream(p) {
            throw SQLError("'\(p)' is a pipe or device: a jsonl table reads its files more than once; use read_jsonl('\(p)') for a stream")
        }
        let cols = try JSONColumns.infer(paths: paths, sample: sample)
        self.paths = paths
        columns = cols
        let names = cols.map(\.name)
        docColumn = systemColumnName("doc", avoiding: names)
        pathColumn = systemColumnName("path", avoiding: names)
        lineColumn = systemColumnName("line", avoiding: names)
    }

    var declaration: String {
        // With no keys found (an empty file, or documents that are not objects) `doc` is the visible column.
        inferredSchema(columns.map { ($0.name, $0.type) },
                       own: [(docColumn, "TEXT", !columns.isEmpty), (pathColumn, "TEXT", true), (lineColumn, "INTEGER", true)])
    }

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome { wholeFilesPlan(info) }

    func openCursor() throws -> VirtualTableCursor { JSONLCursor(self) }
}

final class JSONLCursor: VirtualTableCursor {
    let table: JSONLTable
    let matcher: JSONColumnMatcher
    private var walker: JSONFilesWalker
    private var matched = false

    init(_ t: JSONLTable) {
        table = t
        matcher = JSONColumnMatcher(columns: t.columns)
        walker = JSONFilesWalker(paths: t.paths, collectMembers: true)
    }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        walker = JSONFilesWalker(paths: table.paths, collectMembers: true)
        try walker.advance()
        matched = false
    }

    func next() throws {
        try walker.advance()
        matched = false
    }

    var isAtEnd: Bool { walker.isAtEnd }

    func column(_ index: Int32, context: SQLContext) throws {
        guard let r = walker.reader else { return context.resultNull() }
        let n = table.columns.count
        let i = Int(index)
        if i < n {
            if !matched { matcher.match(r); matched = true }
            let type = table.columns[i].type
            switch r.value(ofMember: matcher.memberIndex(column: i)) {
            case .null: context.resultNull()
            case .integer(let v): type == .real ? context.result(Double(v)) : context.result(v)
            case .real(let v): context.result(v)
            case .text(let s): context.result(s)
            case .json(let s): context.result(s)
            }
            return
        }
        switch i - n {
        case 0:
            r.withDocumentText { context.result(repairingUTF8: $0) }
            if r.unwrapsLazily { r.unwrapsLazily = false }
        case 1: context.result(r.path)
        case 2: context.result(r.line)
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { walker.rowid }
}

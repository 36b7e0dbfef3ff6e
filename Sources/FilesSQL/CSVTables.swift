// CSV records as rows. `read_csv(files [, options])` yields each record's file, line and a JSON object
// keyed by the header; `CREATE VIRTUAL TABLE t USING csv_file('f.csv' [, header=..., delimiter=...,
// quote=..., sample=N])` declares one column per header field with types inferred from the first N records.
//
// Values: an unquoted empty field is NULL, a quoted empty field ("") is ''. In `row`, unquoted fields that
// are JSON numbers become numbers; everything else is a string.
import Files
import SQLiteKit
import StrataCommon

/// Options of both readers (`sample` only for csv_file).
struct CSVSettings {
    var options: CSVOptions
    var sample = 100

    init(path: String, optionTexts: [String], allowSample: Bool) throws {
        options = CSVOptions.defaults(forPath: path)
        for text in optionTexts {
            for (key, value) in try parseOptionList(text) {
                if try options.apply(key, value) { continue }
                if allowSample, key == "sample" {
                    guard let n = Int(value), n > 0, n <= 1_000_000 else {
                        throw SQLError("sample must be a number of records from 1 to 1000000, not '\(value)'")
                    }
                    sample = n
                    continue
                }
                throw SQLError("unknown option '\(key)' (options: header, delimiter, quote\(allowSample ? ", sample" : ""))")
            }
        }
    }
}

/// Walks the records of several files; each file's header (when there is one) names its fields.
final class CSVFilesWalker {
    /// The current file's header names, set as each file is opened.
    private final class Header { var names: [String] = [] }
    private let header = Header()
    private let files: FilesWalker<CSVReader>

    init(paths: [String], settings: CSVSettings) {
        let header = self.header
        files = FilesWalker(paths: paths) { path in
            let r = try CSVReader(path: path, options: settings.options)
            header.names = []
            if settings.options.header, try r.next() { header.names = uniqueColumnNames(r.fields) }
            return r
        }
    }

    var reader: CSVReader? { files.reader }
    var isAtEnd: Bool { files.isAtEnd }
    var rowid: Int64 { files.rowid }
    var names: [String] { header.names }
    func advance() throws { try files.advance() }

    /// The key of field `k`: the header's name, or `c<k+1>` past the header (or without one).
    func name(_ k: Int) -> String { k < header.names.count ? header.names[k] : "c\(k + 1)" }
}

// MARK: - read_csv

final class ReadCSVTable: DeclaredTable {
    static let sql = RecordReaderDeclaration.function(
        "read_csv", files: "CSV/TSV files",
        options: .optional("options", "'header=false, delimiter=;, quote=\"' or a JSON object"),
        record: SQLColumn("row", "TEXT", "the record as a JSON object keyed by the header"),
        returns: "one row per CSV record")

    /// The creatable form: typed columns from the header.
    static let creatable = RecordReaderDeclaration.table(
        "csv_file", files: "CSV/TSV files",
        options: "header=, delimiter=, quote=, sample=N (records read to infer types, default 100)",
        returns: "one typed column per header field, plus HIDDEN path, line")

    func openCursor() throws -> VirtualTableCursor { ReadCSVCursor() }
}

final class ReadCSVCursor: VirtualTableCursor {
    private var walker: CSVFilesWalker?
    private var json: [UInt8] = []

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let args = TableArguments(ReadCSVTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: arguments)
        let paths = try args.paths("files")
        var texts: [String] = []
        if let o = args.value("options") {
            guard o.type == .text else { throw SQLError("options must be text: 'header=false, delimiter=;' or a JSON object") }
            texts.append(o.text)
        }
        let settings = try CSVSettings(path: paths.first ?? "", optionTexts: texts, allowSample: false)
        let w = CSVFilesWalker(paths: paths, settings: settings)
        walker = w
        try w.advance()
    }

    func next() throws { try walker?.advance() }
    var isAtEnd: Bool { walker?.isAtEnd ?? true }

    func column(_ index: Int32, context: SQLContext) throws {
        guard let w = walker, let r = w.reader else { return context.resultNull() }
        switch index {
        case 0: context.result(r.path)
        case 1: context.result(r.line)
        case 2:
            json.removeAll(keepingCapacity: true)
            json.append(UInt8(ascii: "{"))
            let count = max(r.fieldCount, w.names.count)
            for k in 0..<count {
                if k > 0 { json.append(UInt8(ascii: ",")) }
                appendJSONString(w.name(k), to: &json)
                json.append(UInt8(ascii: ":"))
                if k >= r.fieldCount { json.append(contentsOf: "null".utf8); continue }
                let quoted = r.isQuoted(k)
                r.withField(k) { f in
                    if quoted { appendJSONString(f, to: &json) }
                    else if f.isEmpty { json.append(contentsOf: "null".utf8) }
                    else if isJSONNumber(f) { json.append(contentsOf: f) }
                    else { appendJSONString(f, to: &json) }
                }
            }
            json.append(UInt8(ascii: "}"))
            json.withUnsafeBufferPointer { context.result(repairingUTF8: $0) }
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { walker?.rowid ?? 0 }
}

// MARK: - csv_file (creatable)

final class CSVFileTable: VirtualTable {
    let paths: [String]
    let settings: CSVSettings
    let names: [String]
    let types: [ColumnType]
    let pathColumn: String, lineColumn: String

    init(_ args: ModuleArguments) throws {
        guard let first = args.arguments.first, !first.isEmpty else {
            throw SQLError("usage: CREATE VIRTUAL TABLE t USING csv_file('file.csv' [, header=true, delimiter=',', quote='\"', sample=100])")
        }
        let paths = try Glob.expand(first)
        // Columns are found by reading the files once, rows by reading them again: a pipe has no second read.
        for p in paths where FileAccess.isStream(p) {
            throw SQLError("'\(p)' is a pipe or device: a csv_file table reads its files more than once; use read_csv('\(p)') for a stream")
        }
        let settings = try CSVSettings(path: first, optionTexts: Array(args.rawArguments.dropFirst()), allowSample: true)
        self.paths = paths
        self.settings = settings
        // Names from the first file's header (or c1...), types from its first `sample` records.
        let r = try CSVReader(path: paths[0], options: settings.options)
        var header: [String] = []
        var tallies: [TypeTally] = []
        var seen = 0
        if settings.options.header, try r.next() { header = r.fields }
        let sample = settings.sample
        tallies = Array(repeating: TypeTally(), count: header.count)
        while seen < sample, try r.next() {
            seen += 1
            if r.fieldCount > tallies.count { tallies += Array(repeating: TypeTally(), count: r.fieldCount - tallies.count) }
            for k in 0..<r.fieldCount {
                r.withField(k) { tallies[k].add(csvField: $0) }
            }
        }
        var rawNames = header
        while rawNames.count < tallies.count { rawNames.append("") }
        guard !rawNames.isEmpty else { throw SQLError("'\(paths[0])' has no columns (empty file)") }
        names = uniqueColumnNames(rawNames)
        types = tallies.map { $0.type == .any && $0.integers + $0.reals + $0.texts == 0 ? .text : $0.type }
        pathColumn = systemColumnName("path", avoiding: names)
        lineColumn = systemColumnName("line", avoiding: names)
    }

    var declaration: String {
        inferredSchema(names.indices.map { (names[$0], types[$0]) },
                       own: [(pathColumn, "TEXT", true), (lineColumn, "INTEGER", true)])
    }

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome { wholeFilesPlan(info) }

    func openCursor() throws -> VirtualTableCursor { CSVFileCursor(self) }
}

final class CSVFileCursor: VirtualTableCursor {
    let table: CSVFileTable
    private var walker: CSVFilesWalker

    init(_ t: CSVFileTable) {
        table = t
        walker = CSVFilesWalker(paths: t.paths, settings: t.settings)
    }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        walker = CSVFilesWalker(paths: table.paths, settings: table.settings)
        try walker.advance()
    }

    func next() throws { try walker.advance() }
    var isAtEnd: Bool { walker.isAtEnd }

    func column(_ index: Int32, context: SQLContext) throws {
        guard let r = walker.reader else { return context.resultNull() }
        let n = table.names.count
        let k = Int(index)
        if k < n {
            // Fields by position; a short record's missing fields are NULL.
            guard k < r.fieldCount else { return context.resultNull() }
            let quoted = r.isQuoted(k)
            let type = table.types[k]
            r.withField(k) { f in
                if f.isEmpty { return quoted ? context.result("") : context.resultNull() }
                switch type {
                case .integer, .real, .any:
                    switch csvNumber(f) {
                    case .integer(let v)?: type == .real ? context.result(Double(v)) : context.result(v)
                    case .real(let v)?: context.result(v)
                    case nil: context.result(repairingUTF8: f)
                    }
                default:
                    context.result(repairingUTF8: f)
                }
            }
            return
        }
        switch k - n {
        case 0: context.result(r.path)
        case 1: context.result(r.line)
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { walker.rowid }
}

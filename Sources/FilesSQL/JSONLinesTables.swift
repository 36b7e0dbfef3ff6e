// JSON documents as rows. `read_jsonl(files)` yields each document's file, line and text;
// `CREATE VIRTUAL TABLE t USING jsonl('file.jsonl' [, sample=N])` declares one column per top-level key
// found in the first N documents (types inferred), plus HIDDEN `doc`, `path` and `line`.
import Files
import Glibc
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

    /// Plan flag: the statement does not read `doc` (column 2): blocks read on threads need not render it.
    static let withoutDocFlag: Int32 = 1 << TablePlan.flagShift

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        let outcome = try TablePlan.fullScan(info, Self.sql)
        if outcome == .ok, info.columnsUsed & (1 << 2) == 0 { info.indexNumber |= Self.withoutDocFlag }
        return outcome
    }

    func openCursor() throws -> VirtualTableCursor { ReadJSONLCursor() }
}

final class ReadJSONLCursor: RowBatchCursor {
    private var walker = JSONFilesWalker(paths: [], collectMembers: false)
    /// Plain files of two blocks or more are read on worker threads, a block at a time (each document's text
    /// rendered there when the statement reads `doc`).
    private var blocks: JSONBlockRows?

    deinit { blocks?.close() }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        blocks?.close()
        blocks = nil
        let args = TableArguments(ReadJSONLTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: arguments)
        let paths = try args.paths("files")
        if JSONBlockRows.suits(paths) {
            let withDoc = indexNumber & ReadJSONLTable.withoutDocFlag == 0
            let scan = JSONLinesParallelScan(paths: paths, columns: [], used: [], document: withDoc)
            if scan.isRunning {
                let b = JSONBlockRows(scan, columnCount: 3, lineColumn: 1)
                if withDoc { b.columnOf[2] = 0 }
                blocks = b
                try b.start()
                return
            }
            scan.close()
        }
        walker = JSONFilesWalker(paths: paths, collectMembers: false)
        try walker.advance()
    }

    func next() throws {
        if let blocks { return try blocks.next() }
        try walker.advance()
    }
    var isAtEnd: Bool { blocks?.isAtEnd ?? walker.isAtEnd }

    func takeRowBatch() -> RowBatch? { blocks?.takeRowBatch() }

    func column(_ index: Int32, batchOffset: Int64, context: SQLContext) throws {
        blocks?.moveInBatch(batchOffset)
        try column(index, context: context)
    }

    func column(_ index: Int32, context: SQLContext) throws {
        if let b = blocks {
            switch index {
            case 0: b.path.map { context.result($0) } ?? context.resultNull()
            case 1: b.line.map { context.result($0) } ?? context.resultNull()
            case 2: if let k = b.columnOf[2] { b.value(k, context: context) } else { context.resultNull() }
            default: context.resultNull()
            }
            return
        }
        guard let r = walker.reader else { return context.resultNull() }
        switch index {
        case 0: context.result(r.path)
        case 1: context.result(r.line)
        case 2:
            r.withDocumentText { context.result(repairingUTF8: $0) }
            // The text is wanted: once the C renderer leaves a document to Swift, unwrap during the one scan
            // from the next document on (else the C scan and renderer are faster).
            if r.unwrapsLazily, !r.lastRenderWasFast { r.unwrapsLazily = false }
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { blocks?.rowid ?? walker.rowid }
}

/// The rows of a JSONLinesParallelScan, block after block, for a cursor: stepping, the rowid, the current row's
/// line and path, and each block's rest as a batch for SQLite's C loop (typed columns as arrays, by the
/// positions `columnOf`; the line column as integers; anything else left to the cursor).
final class JSONBlockRows {
    let scan: JSONLinesParallelScan
    let columnCount: Int
    let lineColumn: Int
    /// Table column -> index among the block's value columns (absent: not read on threads).
    var columnOf: [Int: Int] = [:]
    private(set) var block: JSONValueBlock?
    private(set) var row = 0
    private var rowsBefore: Int64 = 0
    private var batchStart = -1
    private let batch: BatchColumns

    init(_ scan: JSONLinesParallelScan, columnCount: Int, lineColumn: Int) {
        self.scan = scan
        self.columnCount = columnCount
        self.lineColumn = lineColumn
        batch = BatchColumns(count: columnCount)
    }

    /// Plain JSON-lines files of at least two blocks in all.
    static func suits(_ paths: [String]) -> Bool {
        var bytes: Int64 = 0
        for p in paths {
            guard JSONDocumentReader.isPlainJSONLines(path: p) else { return false }
            var st = stat()
            if stat(p, &st) == 0 { bytes += Int64(st.st_size) }
        }
        return bytes >= 2 * Int64(JSONLinesParallelScan.blockBytes)
    }

    func close() { scan.close() }

    func start() throws {
        block = nil
        rowsBefore = 0
        try nextBlock()
    }

    /// On to the first row of the next block that has one (a block's rows come before its error).
    private func nextBlock() throws {
        while true {
            if let b = block {
                rowsBefore += Int64(b.rows)
                if let e = b.error { block = nil; throw e }
            }
            block = try scan.nextBlock()
            row = 0
            guard let b = block else { return }
            if b.rows > 0 { return }
        }
    }

    func next() throws {
        // SQLite's C loop stepped through the batch: this is a move past the block's last row.
        if batchStart >= 0, let b = block { row = b.rows - 1; batchStart = -1 }
        row += 1
        if let b = block, row >= b.rows { try nextBlock() }
    }

    var isAtEnd: Bool { block == nil }
    var rowid: Int64 { rowsBefore + Int64(row) + 1 }
    var path: String? { block?.path }
    var line: Int64? { block.map { $0.lines[row] } }

    func moveInBatch(_ offset: Int64) {
        if batchStart >= 0 { row = batchStart + Int(offset) }
    }

    func takeRowBatch() -> RowBatch? {
        guard let b = block, b.rows - row > 1 else { return nil }
        for i in 0..<columnCount {
            if i == lineColumn {
                batch.set(i, .int64(BatchColumns.address(of: b.lines), map: nil))
            } else if let k = columnOf[i], k < b.columns.count {
                let c = b.columns[k]
                batch.set(i, .variant(types: BatchColumns.address(of: c.types), values: BatchColumns.address(of: c.values),
                                      pool: BatchColumns.address(of: c.pool), starts: BatchColumns.address(of: c.starts),
                                      lengths: BatchColumns.address(of: c.lengths)))
            } else {
                batch.set(i, .swift)
            }
        }
        batchStart = row
        return RowBatch(rows: Int64(b.rows - row), firstRow: Int64(row), firstRowid: rowid, columns: batch)
    }


    /// Column `k` of the block's values, for the current row.
    func value(_ k: Int, context: SQLContext) {
        guard let b = block, k < b.columns.count, row < b.rows else { return context.resultNull() }
        let c = b.columns[k]
        switch c.types[row] {
        case JSONValueColumn.integer: context.result(c.values[row])
        case JSONValueColumn.real: context.result(Double(bitPattern: UInt64(bitPattern: c.values[row])))
        case JSONValueColumn.text:
            c.pool.withUnsafeBufferPointer { p in
                context.result(repairingUTF8: UnsafeBufferPointer(rebasing: p[c.starts[row] ..< c.starts[row] + Int(c.lengths[row])]))
            }
        default: context.resultNull()
        }
    }
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

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        // The columns the statement reads, for the cursor's choice of a scan on several threads.
        info.setIndexString("columns:\(info.columnsUsed)")
        return wholeFilesPlan(info)
    }

    func openCursor() throws -> VirtualTableCursor { JSONLCursor(self) }

    /// Whether a scan reading `columnsUsed` (SQLite's colUsed) goes on several threads: over plain JSON-lines
    /// files of at least two blocks in all, when SQLite can say exactly which columns it reads (with more than
    /// 62 columns the last bit stands for all the rest, and the one-thread scan serves them).
    func runsOnThreads(columnsUsed: UInt64) -> Bool {
        guard columns.count < 62 || columnsUsed & (1 << 63) == 0 else { return false }
        return JSONBlockRows.suits(paths)
    }

    /// The bit of colUsed for `doc`.
    var docBit: UInt64 { columns.count < 63 ? 1 << UInt64(columns.count) : 1 << 63 }
}

final class JSONLCursor: RowBatchCursor {
    let table: JSONLTable
    let matcher: JSONColumnMatcher
    private var walker: JSONFilesWalker
    private var matched = false
    /// Plain files of two blocks or more are read on worker threads, a block at a time.
    private var blocks: JSONBlockRows?

    init(_ t: JSONLTable) {
        table = t
        matcher = JSONColumnMatcher(columns: t.columns)
        walker = JSONFilesWalker(paths: t.paths, collectMembers: true)
    }

    deinit { blocks?.close() }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        blocks?.close()
        blocks = nil
        matched = false
        var used: UInt64 = .max
        if let s = indexString, s.hasPrefix("columns:"), let u = UInt64(s.dropFirst(8)) { used = u }
        if table.runsOnThreads(columnsUsed: used) {
            let n = table.columns.count
            let wanted = (0..<n).filter { used & (1 << UInt64(min($0, 63))) != 0 }
            let withDoc = used & table.docBit != 0
            let scan = JSONLinesParallelScan(paths: table.paths, columns: table.columns, used: wanted, document: withDoc)
            if scan.isRunning {
                let b = JSONBlockRows(scan, columnCount: n + 3, lineColumn: n + 2)
                for (k, c) in wanted.enumerated() { b.columnOf[c] = k }
                if withDoc { b.columnOf[n] = wanted.count }
                blocks = b
                try b.start()
                return
            }
            scan.close()
        }
        walker = JSONFilesWalker(paths: table.paths, collectMembers: true)
        try walker.advance()
    }

    func next() throws {
        if let blocks { return try blocks.next() }
        try walker.advance()
        matched = false
    }

    var isAtEnd: Bool { blocks?.isAtEnd ?? walker.isAtEnd }

    func takeRowBatch() -> RowBatch? { blocks?.takeRowBatch() }

    func column(_ index: Int32, batchOffset: Int64, context: SQLContext) throws {
        blocks?.moveInBatch(batchOffset)
        try column(index, context: context)
    }

    func column(_ index: Int32, context: SQLContext) throws {
        let n = table.columns.count
        let i = Int(index)
        if let b = blocks {
            if i < n {
                if let k = b.columnOf[i] { b.value(k, context: context) } else { context.resultNull() }
                return
            }
            switch i - n {
            case 0: if let k = b.columnOf[i] { b.value(k, context: context) } else { context.resultNull() }
            case 1: b.path.map { context.result($0) } ?? context.resultNull()
            case 2: b.line.map { context.result($0) } ?? context.resultNull()
            default: context.resultNull()
            }
            return
        }
        guard let r = walker.reader else { return context.resultNull() }
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
            if r.unwrapsLazily, !r.lastRenderWasFast { r.unwrapsLazily = false }
        case 1: context.result(r.path)
        case 2: context.result(r.line)
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { blocks?.rowid ?? walker.rowid }
}

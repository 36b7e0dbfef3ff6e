// log_formats(files [, format [, datefmt]]): for each file, the format read_log uses — detected (`auto`) or
// given — with how many of the first lines it read as record heads. A file nothing fits shows NULL format.
import Logs
import SQLiteKit
import StrataCommon

final class LogFormatsTable: DeclaredTable {
    static let sql = SQLDeclaration(
        "log_formats", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: LogSchema.parameters,
        columns: [
            SQLColumn("path", "TEXT", "the file"),
            SQLColumn("format", "TEXT", "the format read_log uses for it (pass it back as read_log's format), NULL when none fits"),
            SQLColumn("kind", "TEXT", "python, rfc3164, rsyslog, rfc5424, jsonl or regex"),
            SQLColumn("sampled_lines", "INTEGER", "non-empty lines looked at (the first 200 at most)"),
            SQLColumn("matched_lines", "INTEGER", "how many of them start a record in that format"),
        ],
        returns: "the format read_log uses for each file")

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome { try TablePlan.fullScan(info, Self.sql, cost: 100, rows: 10) }

    func openCursor() throws -> VirtualTableCursor { LogFormatsCursor() }
}

final class LogFormatsCursor: VirtualTableCursor {
    struct Row { var path: String; var format: String?; var kind: String?; var sampled: Int; var matched: Int }
    var rows: [Row] = []
    var i = 0

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        rows = []
        i = 0
        let args = TableArguments(LogFormatsTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: arguments)
        let spec: LogFormatSpec
        do {
            spec = try LogFormatSpec.parse(try args.text("format"), datefmt: try args.text("datefmt"))
        } catch let e as LogFormatError {
            throw SQLError(e.message)
        }
        let paths = try args.paths("files")
        for p in paths {
            do {
                let stream = try FileStream(path: p)
                let reader = RecordReader(stream: stream)
                let sample = try reader.sample(minimum: 64 << 10)
                let complete = !stream.isCompressed && Int64(sample.count) >= stream.sizeAtOpen
                let ref = yearReference(modificationTime: stream.modificationTime)
                if let c = FormatDetector.detect(sample, spec: spec, reference: ref, isComplete: complete) {
                    rows.append(Row(path: p, format: c.format, kind: c.kind, sampled: c.sampledLines, matched: c.matchedLines))
                } else {
                    rows.append(Row(path: p, format: nil, kind: nil, sampled: min(FormatDetector.sampleLines, 1), matched: 0))
                }
            } catch {
                throw SQLError(error.message)
            }
        }
    }

    func next() throws { i += 1 }
    var isAtEnd: Bool { i >= rows.count }
    func rowid() throws -> Int64 { Int64(i) }

    func column(_ index: Int32, context: SQLContext) throws {
        guard i < rows.count else { return context.resultNull() }
        let r = rows[i]
        switch index {
        case 0: context.result(r.path)
        case 1: r.format.map { context.result($0) } ?? context.resultNull()
        case 2: r.kind.map { context.result($0) } ?? context.resultNull()
        case 3: context.result(r.sampled)
        case 4: context.result(r.matched)
        default: context.resultNull()
        }
    }
}

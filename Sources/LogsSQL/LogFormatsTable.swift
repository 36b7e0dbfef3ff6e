// log_formats(files [, format [, datefmt]]): for each file, the format read_log uses — detected (`auto`) or
// given — with its datefmt, how many of the sampled lines it read as record heads, and a warning when the fit is
// poor or no known format fits (the file is then read one row per line). Passing `format` and `datefmt` back to
// read_log gives the same rows. A file that is not text shows NULL format and says so.
import Logs
import SQLiteKit
import StrataCommon

final class LogFormatsTable: DeclaredTable {
    static let sql = SQLDeclaration(
        "log_formats", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: LogSchema.parameters,
        columns: [
            SQLColumn("path", "TEXT", "the file"),
            SQLColumn("format", "TEXT", "the format read_log uses for it (pass it back as read_log's format), NULL when none does"),
            SQLColumn("datefmt", "TEXT", "the datefmt that goes with the format (pass it back too), NULL for ISO-8601 times"),
            SQLColumn("kind", "TEXT", "python, rfc3164, rsyslog, rfc5424, jsonl, regex, docker (json-file objects around log lines), or a named format (glog, structlog, rich, combined, dpkg, vllm, lines)"),
            SQLColumn("sampled_lines", "INTEGER", "non-empty lines looked at (the first 200; up to 1,200 spread over the file when few of them fit)"),
            SQLColumn("matched_lines", "INTEGER", "how many of them start a record in that format"),
            SQLColumn("warning", "TEXT", "why the rows may not be what you expect (a poor fit, plain lines, not text), NULL when the fit is good"),
        ],
        returns: "the format read_log uses for each file")

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome { try TablePlan.fullScan(info, Self.sql, cost: 100, rows: 10) }

    func openCursor() throws -> VirtualTableCursor { LogFormatsCursor() }
}

final class LogFormatsCursor: VirtualTableCursor {
    struct Row {
        var path: String
        var format: String?
        var datefmt: String?
        var kind: String?
        var sampled: Int
        var matched: Int
        var warning: String?
    }
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
                let ref = yearReference(modificationTime: stream.modificationTime)
                switch try FormatDetector.detect(reader, spec: spec, reference: ref) {
                case .chosen(let c):
                    // A sample cut short by damage (a truncated .gz) says so; damage further on shows as read_log's
                    // problem row.
                    let warning = [c.warning, reader.damageAhead].compactMap { $0 }.joined(separator: "; ")
                    rows.append(Row(path: p, format: c.format, datefmt: c.datefmt, kind: c.kind, sampled: c.sampledLines,
                                    matched: c.matchedLines, warning: warning.isEmpty ? nil : warning))
                case .noFit(let sampled):
                    rows.append(Row(path: p, format: nil, datefmt: nil, kind: nil, sampled: sampled, matched: 0,
                                    warning: "no sampled line fits the format \(spec.description)"))
                case .notText(let why):
                    rows.append(Row(path: p, format: nil, datefmt: nil, kind: nil, sampled: 0, matched: 0, warning: why))
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
        func text(_ v: String?) { v.map { context.result($0) } ?? context.resultNull() }
        switch index {
        case 0: context.result(r.path)
        case 1: text(r.format)
        case 2: text(r.datefmt)
        case 3: text(r.kind)
        case 4: context.result(r.sampled)
        case 5: context.result(r.matched)
        case 6: text(r.warning)
        default: context.resultNull()
        }
    }
}

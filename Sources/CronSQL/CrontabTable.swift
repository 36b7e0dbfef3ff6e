// crontab(path [, kind]): the entries of crontab files (a path or a glob). `kind` is 'user' (no user field)
// or 'system' (a user field, as in /etc/crontab and /etc/cron.d); by default /etc/crontab and files in a
// cron.d folder are system crontabs and everything else a user crontab. A malformed line is a row with
// `error` set (its other entry columns NULL), so one typo does not hide the rest. Reads files: DIRECTONLY.
import Cron
import SQLiteKit
import StrataCommon

struct CrontabRow {
    var path: String
    var entry: CrontabEntry
}

/// Reads every entry of every file a pattern names. Shared by crontab() and cron_runs().
func readCrontabs(pattern: String, kind: CrontabKind?, name: String) throws -> [CrontabRow] {
    let paths: [String]
    do { paths = try Glob.expand(pattern) } catch { throw SQLError("\(name): \(error.message)") }
    var rows: [CrontabRow] = []
    for path in paths {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch { throw SQLError("\(name): \(error.message)") }
        var parser = CrontabParser(kind: kind ?? CrontabKind.guess(path: path),
                                   defaultUser: CrontabKind.spoolUser(path: path))
        do {
            while let line = try reader.next() {
                if let e = parser.parse(line: line.bytes, number: line.number) { rows.append(CrontabRow(path: path, entry: e)) }
            }
        } catch { throw SQLError("\(name): \(error.message)") }
    }
    return rows
}

func crontabKind(_ a: SQLArgument?, name: String) throws -> CrontabKind? {
    guard let a, a.type != .null else { return nil }
    guard let k = CrontabKind(rawValue: a.text.lowercased()) else {
        throw SQLError("\(name): kind must be 'user' or 'system', not '\(a.text)'")
    }
    return k
}

final class CrontabTable: VirtualTable {
    static let signature = TableFunctionSignature(
        name: "crontab",
        columns: [
            "path TEXT -- the crontab file",
            "line INTEGER -- 1-based line number",
            "schedule TEXT -- the five fields or @shortcut as written",
            "minute TEXT -- minute field (a shortcut's expansion)",
            "hour TEXT -- hour field",
            "day_of_month TEXT -- day-of-month field",
            "month TEXT -- month field",
            "day_of_week TEXT -- day-of-week field",
            "user TEXT -- the user field of system crontabs; the owner of a spool crontab; else NULL",
            "command TEXT -- the command before the first unescaped %",
            "stdin TEXT -- text after the first %, with later % as newlines (NULL without %)",
            "log_path TEXT -- file stdout is redirected to with > or >>, as written",
            "env TEXT -- JSON object of the environment lines in effect",
            "error TEXT -- why the daemon would reject this line (other entry columns are NULL)",
        ],
        parameters: [.init("pattern"), .init("kind", required: false)])

    var declaration: String { Self.signature.declaration }

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        guard let binding = try Self.signature.bindParameters(info) else { return .unusable }
        info.indexNumber = binding.mask
        info.estimatedCost = 100
        info.estimatedRows = 50
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { CrontabCursor() }
}

final class CrontabCursor: VirtualTableCursor {
    private var rows: [CrontabRow] = []
    private var i = 0

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let values = CrontabTable.signature.parameterValues(mask: indexNumber & 0xFF, arguments: arguments)
        rows = []
        i = 0
        guard let p = values[0], p.type != .null else { return }
        rows = try readCrontabs(pattern: p.text, kind: try crontabKind(values[1], name: "crontab"), name: "crontab")
    }

    func next() throws { i += 1 }
    var isAtEnd: Bool { i >= rows.count }

    func column(_ c: Int32, context: SQLContext) throws {
        guard i < rows.count else { return context.resultNull() }
        let r = rows[i]
        let e = r.entry
        func text(_ s: String?) { if let s { context.result(s) } else { context.resultNull() } }
        func field(_ k: Int) { text(e.schedule.flatMap { k < $0.fields.count ? $0.fields[k] : nil }) }
        switch c {
        case 0: context.result(r.path)
        case 1: context.result(e.line)
        case 2: text(e.schedule?.text)
        case 3, 4, 5, 6, 7: field(Int(c) - 3)
        case 8: text(e.user)
        case 9: text(e.command)
        case 10: text(e.stdin)
        case 11: text(e.logPath)
        case 12: context.result(e.envJSON)
        case 13: text(e.error)
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { Int64(i) }
}

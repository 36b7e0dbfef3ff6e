// crontab([files [, kind]]): the entries of crontab files (a path, a glob or a {a,b} list; without files, the
// machine's: /etc/crontab, /etc/cron.d/* and the user spools). `kind` is 'user' (no user field) or 'system' (a
// user field, as in /etc/crontab and /etc/cron.d); by default /etc/crontab and files in a cron.d folder
// (`/etc/cron.d/x`, a relative `cron.d/x`) are system crontabs and everything else a user crontab. A malformed line is a row with
// `error` set (its other entry columns NULL), so one typo does not hide the rest. Reads files: DIRECTONLY.
import Cron
import SQLiteKit
import StrataCommon

struct CrontabRow {
    var path: String
    var entry: CrontabEntry
}

/// Reads every entry of every file. Shared by crontab() and cron_runs() (the kit names the table in errors).
func readCrontabs(paths: [String], kind: CrontabKind?) throws -> [CrontabRow] {
    var rows: [CrontabRow] = []
    for path in paths {
        let reader = try LineReader(path: path)
        var parser = CrontabParser(kind: kind ?? CrontabKind.guess(path: path),
                                   defaultUser: CrontabKind.spoolUser(path: path))
        while let line = try reader.next() {
            if let e = parser.parse(line: line.bytes, number: line.number) { rows.append(CrontabRow(path: path, entry: e)) }
        }
    }
    return rows
}

func crontabKind(_ a: SQLArgument?) throws -> CrontabKind? {
    guard let a else { return nil }
    guard let k = CrontabKind(rawValue: a.text.lowercased()) else {
        throw SQLError("kind must be 'user' or 'system', not '\(a.text)'")
    }
    return k
}

final class CrontabTable: DeclaredTable {
    static let sql = SQLDeclaration(
        "crontab", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: [
            .optional("files", "crontab files: a path, glob or {a,b} list; default \(CronDefaults.crontabs)"),
            .optional("kind", "'user' (no user field) or 'system' (a user field); by default /etc/crontab and cron.d files are system crontabs"),
        ],
        columns: [
            SQLColumn("path", "TEXT", "the crontab file"),
            SQLColumn("line", "INTEGER", "1-based line number"),
            SQLColumn("schedule", "TEXT", "the five fields or @shortcut as written"),
            SQLColumn("minute", "TEXT", "minute field (a shortcut's expansion)"),
            SQLColumn("hour", "TEXT", "hour field"),
            SQLColumn("day_of_month", "TEXT", "day-of-month field"),
            SQLColumn("month", "TEXT", "month field"),
            SQLColumn("day_of_week", "TEXT", "day-of-week field"),
            SQLColumn("user", "TEXT", "the user field of system crontabs; the owner of a spool crontab; else NULL"),
            SQLColumn("command", "TEXT", "the command before the first unescaped %"),
            SQLColumn("stdin", "TEXT", "text after the first %, with later % as newlines (NULL without %)"),
            SQLColumn("log_path", "TEXT", "file stdout is redirected to with > or >>, as written"),
            SQLColumn("env", "TEXT", "JSON object of the environment lines in effect"),
            SQLColumn("error", "TEXT", "why the daemon would reject this line (other entry columns are NULL)"),
        ],
        returns: "crontab entries with schedule and command")

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome { try TablePlan.fullScan(info, Self.sql, cost: 100, rows: 50) }

    func openCursor() throws -> VirtualTableCursor { CrontabCursor() }
}

final class CrontabCursor: VirtualTableCursor {
    private var rows: [CrontabRow] = []
    private var i = 0

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let args = TableArguments(CrontabTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: arguments)
        rows = []
        i = 0
        rows = try readCrontabs(paths: try pathsArgument(args, "files", default: CronDefaults.crontabs),
                                kind: try crontabKind(args.value("kind")))
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

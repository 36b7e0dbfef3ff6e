// The command line: `strata [OPTIONS] [DB] [SQL...]` and `strata run REPORT.sql [OPTIONS]`. Hand-written
// rather than swift-argument-parser: sqlite3 habits need single-dash spellings (`-csv`, `-header`), the
// first positional is either a database or the `run` subcommand, and the parser pulled Foundation into a
// binary that cron starts every minute (start-up time is a budget here).
import Glibc

public struct UsageError: Error, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

public struct Options: Equatable {
    public enum Command: Equatable {
        /// Run SQL arguments, or stdin, or the interactive shell.
        case sql
        /// `strata run REPORT.sql`.
        case report(String)
        case help
        case version
    }

    public var command: Command = .sql
    public var database: String?
    public var sql: [String] = []
    public var mode: OutputMode?
    /// `--npy FILE`: the file npy mode writes.
    public var npyPath: String?
    public var reportFormat: ReportFormat?
    public var headers: Bool?
    public var separator: String?
    public var nullText: String?
    public var parameters: [Assignment] = []
    public var output: String?
    public var bail = false
    public var timeout: Double?
    public var lock: String?
    public var busyTimeout: Int32 = 5_000
    public var readOnly = false
    /// Let the command-line database's file tables (log_file, jsonl, csv_file) read their files.
    public var trustFileTables = false
    /// Commands (dot commands or SQL) run before the rest (`--cmd`).
    public var commands: [String] = []
    /// nil: decide by whether stdin is a terminal.
    public var interactive: Bool?

    public struct Assignment: Equatable {
        public var name: String
        public var value: String
    }

    public init() {}

    public static func parse(_ arguments: [String]) throws -> Options {
        var o = Options()
        var positional: [String] = []
        var i = 0
        var onlyPositional = false
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if onlyPositional || !arg.hasPrefix("-") || arg == "-" {
                positional.append(arg)
                continue
            }
            if arg == "--" { onlyPositional = true; continue }
            // --name=value, --name value, -name value (sqlite3's spelling)
            var name = arg.hasPrefix("--") ? String(arg.dropFirst(2)) : String(arg.dropFirst())
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            func value() throws -> String {
                if let v = inlineValue { return v }
                guard i < arguments.count else { throw UsageError("option \(arg) needs a value") }
                i += 1
                return arguments[i - 1]
            }
            if name == "npy" {
                o.mode = .npy
                o.npyPath = try value()
                continue
            }
            if let m = OutputMode(rawValue: name) ?? (name == "tabs" ? .tsv : (name == "column" ? .table : nil)) {
                o.mode = m
                continue
            }
            switch name {
            case "mode":
                let v = try value()
                guard let m = OutputMode(name: v) else { throw UsageError("unknown mode '\(v)' (modes: \(OutputMode.names))") }
                guard m != .npy || o.npyPath != nil else { throw UsageError("npy output needs a file: --npy FILE") }
                o.mode = m
            case "format":
                let v = try value()
                if let f = ReportFormat(name: v) { o.reportFormat = f }
                if let m = OutputMode(name: v) { o.mode = m } else if v.lowercased() == "text" { o.mode = .box }
                if ReportFormat(name: v) == nil && OutputMode(name: v) == nil {
                    throw UsageError("unknown format '\(v)' (reports: \(ReportFormat.names); output modes: \(OutputMode.names))")
                }
            case "header", "headers": o.headers = true
            case "no-header", "no-headers", "noheader": o.headers = false
            case "separator": o.separator = try value()
            case "null", "nullvalue": o.nullText = try value()
            case "param", "p":
                let v = try value()
                guard let (n, val) = ParameterValue.assignment(v) else { throw UsageError("--param needs NAME=VALUE, not '\(v)'") }
                o.parameters.append(Assignment(name: n, value: val))
            case "output", "o": o.output = try value()
            case "bail": o.bail = true
            case "timeout":
                let v = try value()
                guard let t = Double(v), t.isFinite, t > 0 else { throw UsageError("--timeout needs a number of seconds > 0, not '\(v)'") }
                o.timeout = t
            case "lock": o.lock = try value()
            case "busy-timeout":
                let v = try value()
                guard let ms = Int32(v), ms >= 0 else { throw UsageError("--busy-timeout needs milliseconds >= 0, not '\(v)'") }
                o.busyTimeout = ms
            case "db": o.database = try value()
            case "readonly", "read-only": o.readOnly = true
            case "trust-file-tables": o.trustFileTables = true
            case "cmd": o.commands.append(try value())
            case "interactive", "i": o.interactive = true
            case "batch": o.interactive = false
            case "version", "V": o.command = .version
            case "help", "h": o.command = .help
            default: throw UsageError("unknown option \(arg) (see strata --help)")
            }
        }
        if o.command == .help || o.command == .version { return o }
        if positional.first == "run" {
            guard positional.count >= 2 else { throw UsageError("run needs a report file: strata run REPORT.sql") }
            o.command = .report(positional[1])
            if positional.count > 2 {
                throw UsageError("unexpected argument '\(positional[2])' after the report (give the database with --db)")
            }
            return o
        }
        if let first = positional.first {
            if o.database != nil || looksLikeSQL(first) {
                o.sql = positional  // `strata "select 1"` runs on :memory: (as duckdb does), creating no file
            } else {
                o.database = first
                o.sql = Array(positional.dropFirst())
            }
        }
        return o
    }

    /// Statement keywords a first argument may start with to be taken as SQL rather than a database name.
    static let statementKeywords: Set<String> = [
        "SELECT", "WITH", "VALUES", "CREATE", "INSERT", "UPDATE", "DELETE", "REPLACE", "PRAGMA", "EXPLAIN",
        "ATTACH", "DETACH", "DROP", "ALTER", "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE",
        "ANALYZE", "VACUUM", "REINDEX",
    ]

    /// Whether a first positional argument is SQL, not a database: it starts with a statement keyword followed
    /// by a space, `(`, `;`, `*` or its end, and no file of that name exists (`strata select` with a database
    /// file named `select` still opens it). A dot command (`.tables`) is not taken as SQL.
    public static func looksLikeSQL(_ arg: String, fileExists: (String) -> Bool = Options.fileExists) -> Bool {
        var text = Substring(arg)
        while let f = text.first, f == " " || f == "\t" || f == "\n" || f == "\r" { text.removeFirst() }
        let word = text.prefix { $0.isASCII && $0.isLetter }
        guard statementKeywords.contains(word.uppercased()) else { return false }
        let after = text.dropFirst(word.count).first
        guard after == nil || after == " " || after == "\t" || after == "\n" || after == "(" || after == ";" || after == "*" else { return false }
        // A lone keyword (`strata select`) is SQL only when there is no such file.
        return !fileExists(arg)
    }

    public static func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static let help = """
        strata — SQLite with Strata's vector, log, cron and file functions.

        Usage:
          strata [OPTIONS] [DB] [SQL...]        run SQL (arguments, or stdin), or the shell on a terminal
          strata run REPORT.sql [OPTIONS]       run a report file

        Output (shell and batch):
          --box --table --csv --tsv --json --jsonl --markdown --html --line --list --bar
          --npy FILE             the first column into FILE as np.save would (np.load reads it)
          --mode MODE            the same by name
          --header/--no-header   column names on or off
          --separator SEP        column separator of list mode (default |)
          --null TEXT            text for NULL

        Reports:
          --db DB                database to run against (default: in memory)
          --param NAME=VALUE     binds :NAME (repeatable; also for plain SQL); relative dates
                                 such as yesterday, 'today 06:00', '-6 hours' bind as ISO text
          --format FORMAT        text, markdown, html, csv, json (default: from --output's
                                 extension, else text)

        Batch and cron:
          --output FILE          write to FILE atomically (temp file + rename on success; a
                                 symlink's target is replaced, a FIFO or device written directly)
          --bail                 stop at the first failing statement
          --timeout SECONDS      interrupt a run that takes longer (exit 124 at most 5 s later)
          --lock FILE            exit 75 at once if another run holds FILE
          --busy-timeout MS      wait this long for a locked database (default 5000)
          --readonly             open the database read-only
          --trust-file-tables    let DB's log_file/jsonl/csv_file tables read their files (a
                                 database you did not write could read yours; see README, Security)
          --cmd COMMAND          run a dot command or SQL first (repeatable)

        Exit status: 0 ok, 1 a statement failed, 2 usage error, 75 locked, 124 timed out,
        130 interrupted (SIGINT), 143 terminated (SIGTERM).
        sqlite3 spellings work too (-csv, -header, -bail, -cmd, -separator, -nullvalue).
        A database file named `run` is given as ./run; SQL as the first argument
        (strata "select 1") runs on :memory:.

        """
}

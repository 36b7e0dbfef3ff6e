// `strata [DB] [SQL ...]`: runs the SQL arguments (or SQL read from stdin) against DB with every Strata
// function loaded, printing results like sqlite3 does. Exit status 1 when any statement fails.
import ArgumentParser
import Glibc
import SQLiteKit

@main
struct StrataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "SQLite with Strata's vector, log, cron and file functions loaded.",
        discussion: """
            Runs each SQL argument in order, or the SQL on standard input when none is given.
            Output is a box table on a terminal and sqlite3's list format otherwise.
            """)

    @Argument(help: "Database file (default: an in-memory database).")
    var database: String = ":memory:"

    @Argument(help: "SQL to run, one or more statements per argument.")
    var sql: [String] = []

    @Flag(help: "Output format (default: --box on a terminal, --list otherwise).")
    var mode: OutputMode?

    @Flag(inversion: .prefixedNo, help: "Print column names in list mode.")
    var header = false

    @Option(help: "Separator between columns in list mode.")
    var separator = "|"

    @Flag(help: "Stop at the first failing statement.")
    var bail = false

    @Flag(name: .customLong("version"), help: "Print the version and exit.")
    var showVersion = false

    func run() throws {
        if showVersion {
            print("strata \(StrataVersion.current)")
            return
        }
        let db: HostDatabase
        do {
            db = try HostDatabase(path: database)
        } catch {
            printError("strata: \(SQLError.from(error).message)")
            throw ExitCode(1)
        }
        let script: String
        if sql.isEmpty {
            var lines: [String] = []
            while let line = readLine(strippingNewline: false) { lines.append(line) }
            script = lines.joined()
        } else {
            script = sql.joined(separator: ";\n")
        }
        let renderer = Renderer(mode: mode ?? (isatty(1) != 0 ? .box : .list),
                                separator: separator, showHeaders: header)
        var out = StandardOutput()
        let failures = StatementRunner(connection: db.connection).run(script, bail: bail) { result in
            renderer.render(result, into: &out)
        } onError: { e in
            // Keep stdout and stderr in order for a reader watching both.
            out.flush()
            printError(sql.isEmpty ? "strata: stdin:\(e.line): \(e.message)" : "strata: \(e.message)")
        }
        out.flush()
        if failures > 0 { throw ExitCode(1) }
    }
}

extension OutputMode: EnumerableFlag {}

/// Buffered standard output: one write per 64 KiB rather than per row.
struct StandardOutput: TextSink {
    private var buffer: [UInt8] = []

    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        var done = 0
        buffer.withUnsafeBytes { b in
            while done < b.count {
                let n = Glibc.write(1, b.baseAddress.map { $0 + done }, b.count - done)
                if n <= 0 { if errno == EINTR { continue }; return }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

func printError(_ message: String) {
    fputs(message + "\n", stderr)
}

enum StrataVersion {
    static var current: String { "0.1.0" }
}

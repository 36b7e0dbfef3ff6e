// The program: parses the command line and runs one of its three uses — the interactive shell, a batch
// run of SQL (arguments or stdin), or a report — with the cron guarantees around them: --lock before
// anything runs, --timeout (with a watchdog that ends a run whose statement does not stop), --output
// replaced atomically only on success (its temporary file removed on any catchable signal), and a documented
// exit status.
import Glibc
import SQLiteKit

/// What the executable provides: database opening (HostDatabase) and a line editor for the shell.
public struct Environment {
    public var host: DatabaseHost
    /// A libedit reader for the interactive shell, given the session (for completion).
    public var makeLineEditor: (Session) -> LineReader
    public var stdinIsTerminal = Terminal.isTerminal(0)
    public var stdoutIsTerminal = Terminal.isTerminal(1)
    public var stderrIsTerminal = Terminal.isTerminal(2)
    public var terminalWidth: () -> Int? = { Terminal.width(1) }

    public init(host: DatabaseHost, makeLineEditor: @escaping (Session) -> LineReader) {
        self.host = host
        self.makeLineEditor = makeLineEditor
    }
}

public enum App {
    public static func main(_ arguments: [String], environment env: Environment) -> Int32 {
        let options: Options
        do {
            options = try Options.parse(arguments)
        } catch {
            printError("strata: " + ((error as? UsageError)?.message ?? "\(error)"))
            return ExitStatus.usage.rawValue
        }
        switch options.command {
        case .help:
            writeOut(Options.help)
            return 0
        case .version:
            writeOut("strata \(StrataCLIVersion.current)\n")
            return 0
        case .report(let path):
            SignalCleanup.install()
            return runReport(path, options, env)
        case .sql:
            SignalCleanup.install()
            return runSQL(options, env)
        }
    }

    static func writeOut(_ s: String) {
        let out = TextOutput.standardOutput()
        out.write(s)
        out.flush()
    }

    // MARK: shared set-up

    /// Takes the --lock, opens the database; prints the reason and returns a status on failure.
    static func prepare(_ options: Options, _ env: Environment) -> Result<(RunLock?, Connection), ExitFailure> {
        var lock: RunLock?
        if let path = options.lock {
            do {
                lock = try RunLock(path: path)
            } catch RunLock.Failure.held(let pid) {
                printError("strata: \(path): another run holds the lock\(pid.map { " (pid \($0))" } ?? ""); not starting")
                return .failure(ExitFailure(status: .locked))
            } catch {
                let reason: String
                if case RunLock.Failure.cannotOpen(let m) = error { reason = m } else { reason = "\(error)" }
                printError("strata: \(path): cannot open lock file: \(reason)")
                return .failure(ExitFailure(status: .failure))
            }
        }
        do {
            let c = try env.host.open(path: options.database ?? ":memory:", readOnly: options.readOnly)
            // Waiting for a locked database counts against --timeout too (the progress handler that enforces
            // it does not run while SQLite sleeps in its busy handler).
            var busy = options.busyTimeout
            if let t = options.timeout { busy = min(busy, Int32(clamping: Int64(min(t * 1000, 2e9)))) }
            c.setBusyTimeout(milliseconds: busy)
            if options.trustFileTables { _ = try c.scalar("SELECT strata_trust_file_tables('main')") }
            return .success((lock, c))
        } catch {
            printError("strata: " + SQLError.from(error).message)
            return .failure(ExitFailure(status: .failure))
        }
    }

    struct ExitFailure: Error { var status: ExitStatus }

    /// What a run holds while it runs: the --lock, the database, and where its output goes.
    struct OpenRun {
        var lock: RunLock?
        var connection: Connection
        var output: TextOutput
        var file: AtomicFile?
    }

    /// Takes the lock, opens the database, then the output (in that order, so a locked-out run touches no file).
    static func openRun(_ options: Options, _ env: Environment) -> Result<OpenRun, ExitFailure> {
        prepare(options, env).flatMap { lock, connection in
            openOutput(options.output).map { OpenRun(lock: lock, connection: connection, output: $0.0, file: $0.1) }
        }
    }

    /// Opens --output as an atomic file, or stdout.
    static func openOutput(_ path: String?) -> Result<(TextOutput, AtomicFile?), ExitFailure> {
        guard let path else { return .success((TextOutput.standardOutput(), nil)) }
        do {
            let file = try AtomicFile(path: path)
            return .success((TextOutput(.descriptor(file.descriptor)), file))
        } catch {
            printError("strata: " + ((error as? FileError)?.message ?? "\(error)"))
            return .failure(ExitFailure(status: .failure))
        }
    }

    /// The status of a finished run, and the --output file committed or discarded accordingly.
    static func finish(failures: Int, timedOut: Bool, output: TextOutput, file: AtomicFile?,
                       watchdog: StopWatchdog? = nil) -> Int32 {
        // From here on the run ends by itself: the watchdog must not cut a commit in half.
        watchdog?.stop()
        output.flush()
        var status: ExitStatus = failures > 0 ? .failure : .success
        if output.failed != 0 {
            printError("strata: cannot write output: \(errorText(output.failed))")
            status = .failure
        }
        if timedOut { status = .timedOut }
        else if Interruption.pending > 0 {
            status = Interruption.signal == SIGTERM ? .terminated : .interrupted
            // A signal between two statements stops the run without failing a statement: say why here.
            if failures == 0 { printError("strata: interrupted") }
        }
        if let file {
            if status == .success {
                do { try file.commit() } catch {
                    printError("strata: " + ((error as? FileError)?.message ?? "\(error)"))
                    status = .failure
                }
            } else if file.isDirect {
                file.discard()  // a FIFO or device: what was written is gone already
            } else {
                file.discard()
                printError("strata: \(file.path): not written (the run failed; the previous file is unchanged)")
            }
        }
        return status.rawValue
    }

    // MARK: SQL: arguments, stdin or the shell

    static func runSQL(_ options: Options, _ env: Environment) -> Int32 {
        let interactive = options.interactive ?? (options.sql.isEmpty && env.stdinIsTerminal)
        let run: OpenRun
        switch openRun(options, env) {
        case .success(let r): run = r
        case .failure(let f): return f.status.rawValue
        }
        defer { withExtendedLifetime(run.lock) {} }
        let connection = run.connection
        let toTerminal = options.output == nil && env.stdoutIsTerminal
        let sessionDeadline = options.timeout.map { monotonicSeconds() + $0 }
        var settings = OutputSettings(mode: options.mode ?? (toTerminal ? .box : .list))
        settings.headers = options.headers
        if let s = options.separator { settings.separator = s } else if settings.mode == .csv { settings.separator = "," }
        if let n = options.nullText { settings.nullText = n }
        settings.npyPath = options.npyPath
        settings.width = toTerminal ? env.terminalWidth() : nil
        settings.color = toTerminal && getenv("NO_COLOR") == nil

        Interruption.install(terminate: !interactive)
        let watchdog = interactive ? nil : StopWatchdog(deadline: sessionDeadline, timeoutSeconds: options.timeout,
                                                        connection: connection)
        defer { watchdog?.stop() }
        let session = Session(host: env.host, connection: connection, settings: settings, output: run.output)
        session.bail = options.bail
        if toTerminal { session.terminalWidth = env.terminalWidth }
        session.readOnly = options.readOnly
        session.showProgress = env.stderrIsTerminal
        session.timeoutSeconds = options.timeout
        session.deadline = sessionDeadline
        for p in options.parameters { session.parameters[p.name] = ParameterValue.parse(p.value) }

        func stop() -> Bool {
            session.quitRequested || session.timedOut || Interruption.pending > 0 || (options.bail && session.failures > 0)
        }
        for command in options.commands where !stop() {
            runOne(command, session)
        }
        if !options.sql.isEmpty {
            for sql in options.sql where !stop() { runOne(sql, session) }
        } else if interactive && !stop() {
            let editor = env.makeLineEditor(session)
            session.showProgress = env.stderrIsTerminal
            run.output.write("strata \(StrataCLIVersion.current) (SQLite \(Connection.libraryVersion)) — .help for help, Ctrl-D to exit\n")
            run.output.flush()
            session.process(editor, source: nil)
            run.output.flush()
            if let code = session.exitCode { return code }
            return 0
        } else if !stop() {
            session.process(DescriptorLineReader(descriptor: 0), source: "stdin")
        }
        if let code = session.exitCode, code != 0 {
            _ = finish(failures: 1, timedOut: false, output: run.output, file: run.file, watchdog: watchdog)
            return code
        }
        return finish(failures: session.failures, timedOut: session.timedOut, output: run.output, file: run.file,
                      watchdog: watchdog)
    }

    /// One SQL argument or --cmd: a dot command when it starts with `.`, else SQL.
    static func runOne(_ text: String, _ session: Session) {
        let trimmed = text.drop { $0 == " " || $0 == "\t" || $0 == "\n" }
        if trimmed.hasPrefix(".") {
            if !session.dotCommand(String(trimmed), source: nil, line: 1) { session.countFailure() }
            session.output.flush()
        } else {
            session.runSQL(text, source: nil)
        }
    }

    // MARK: reports

    static func runReport(_ path: String, _ options: Options, _ env: Environment) -> Int32 {
        // Format: --format, else a report-capable --mode flag, else --output's extension, else text.
        var format = options.reportFormat
        if format == nil, let m = options.mode {
            switch m {
            case .box, .table: format = .text
            case .markdown: format = .markdown
            case .html: format = .html
            case .csv: format = .csv
            case .json: format = .json
            default:
                printError("strata: --\(m.rawValue) is not a report format (formats: \(ReportFormat.names))")
                return ExitStatus.usage.rawValue
            }
        }
        if format == nil, let o = options.output { format = ReportFormat(fileName: o) }
        let reportFormat = format ?? .text

        let text: String
        switch readFile(path) {
        case .success(let t): text = t
        case .failure(let e):
            printError("strata: \(path): \(e.message)")
            return ExitStatus.failure.rawValue
        }
        let report = Report(path: path, sql: text)
        let values: [String: SQLValue]
        let sql: String
        do {
            values = try report.resolve(given: options.parameters.map { ($0.name, $0.value) })
            sql = try report.preparedSQL(values: values)
        } catch {
            printError("strata: \(path): " + ((error as? Report.ResolveError)?.message ?? "\(error)"))
            return ExitStatus.usage.rawValue
        }

        let run: OpenRun
        switch openRun(options, env) {
        case .success(let r): run = r
        case .failure(let f): return f.status.rawValue
        }
        defer { withExtendedLifetime(run.lock) {} }
        let connection = run.connection

        Interruption.install(terminate: true)
        let deadline = options.timeout.map { monotonicSeconds() + $0 }
        let watchdog = StopWatchdog(deadline: deadline, timeoutSeconds: options.timeout, connection: connection)
        defer { watchdog?.stop() }
        let runner = StatementRunner(connection: connection)
        runner.parameters = values
        runner.bail = options.bail
        let control = RunControl(connection: connection, deadline: deadline,
                                 timeoutSeconds: options.timeout, progress: env.stderrIsTerminal ? ProgressLine() : nil)
        runner.control = control
        runner.onError = { e in printError("strata: " + e.located) }
        let collector = ReportCollector()
        let failures = runner.run(sql, source: path, observer: collector)
        watchdog?.stop()  // the statements are done; rendering is not cut short
        var doc = collector.document
        doc.source = path
        doc.parameters = report.knownNames.map { ($0, values[$0] ?? .null) }
        let toTerminal = options.output == nil && env.stdoutIsTerminal
        var rendered = reportFormat.render(doc, width: toTerminal ? env.terminalWidth() : nil)
        // No escape sequence from a value reaches a terminal, in any format (see ResultPrinter).
        if run.output.isTerminal { rendered = TextWidth.visibleControls(rendered) }
        run.output.write(rendered)
        let timedOut = control.wasTimedOut
        withExtendedLifetime(control) {}
        return finish(failures: failures, timedOut: timedOut, output: run.output, file: run.file, watchdog: watchdog)
    }

    /// The whole file as text.
    static func readFile(_ path: String) -> Result<String, FileError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FileError("cannot open: \(errorText(errno))")) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return .failure(FileError("cannot read: \(errorText(errno))")) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk.prefix(n))
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }
}

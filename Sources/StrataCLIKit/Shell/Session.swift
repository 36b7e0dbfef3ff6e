// One shell session: the open database, the output settings, parameters and redirections, and the loop
// that reads lines (from a person at a terminal, a pipe, or a .read file), runs dot commands at once and
// SQL when a statement is complete. Batch runs of stdin use the same loop without prompts.
import Glibc
import SQLiteKit

public final class Session {
    public let host: DatabaseHost
    public private(set) var connection: Connection
    public var settings: OutputSettings
    public let standardOutput: TextOutput
    /// Where results go now: stdout, or a `.output`/`.once` file.
    public private(set) var output: TextOutput
    private(set) var redirected = false
    private var onceOnly = false
    public var timer = false
    public var bail = false
    public var parameters: [String: SQLValue] = [:]
    /// Absolute monotonic deadline of the whole run (--timeout) and its length for messages.
    public var deadline: Double?
    public var timeoutSeconds: Double?
    /// Shows the progress line for long statements (terminal stderr only).
    public var showProgress = false
    public private(set) var failures = 0
    public private(set) var quitRequested = false
    public var exitCode: Int32?
    /// Set when a run stopped because of --timeout.
    public private(set) var timedOut = false
    /// Where `strata: ...` messages go (stderr; tests capture them).
    public var reportError: (String) -> Void = { printError($0) }
    public var readOnly = false
    /// The terminal's current width, asked before each statement (the window may have been resized).
    public var terminalWidth: (() -> Int?)?
    var completionCache: (version: Int64, names: CompletionNames)?

    public init(host: DatabaseHost, connection: Connection, settings: OutputSettings, output: TextOutput) {
        self.host = host
        self.connection = connection
        self.settings = settings
        self.standardOutput = output
        self.output = output
    }

    // MARK: the loop

    /// Reads and runs everything `reader` gives. `source` names it in error messages ("stdin", a file).
    /// Returns when input ends, on `.quit`, or (non-interactive) on --bail after a failure or an interrupt.
    public func process(_ reader: LineReader, source: String?) {
        var buffer = ""
        var bufferLine = 0
        var lineNumber = 0
        let interactive = reader.isInteractive
        while !quitRequested {
            let input = reader.read(prompt: buffer.isEmpty ? "strata> " : "   ...> ")
            switch input {
            case .end:
                // Batch input may end without a final `;`; at a terminal, Ctrl-D drops an unfinished statement.
                if !interactive && !SQLScanner.isTriviaOnly(buffer) {
                    runSQL(buffer, source: source, firstLine: bufferLine)
                }
                return
            case .interrupted:
                buffer = ""
                if !interactive { return }
                Interruption.clear()
                continue
            case .line(let line):
                lineNumber += 1
                if buffer.isEmpty {
                    let trimmed = line.drop { $0 == " " || $0 == "\t" }
                    if trimmed.isEmpty { continue }
                    if trimmed.hasPrefix(".") {
                        reader.remember(line)
                        let ok = dotCommand(String(trimmed), source: source, line: lineNumber)
                        if !ok {
                            failures += 1
                            if bail && !interactive { return }
                        }
                        output.flush()
                        continue
                    }
                    bufferLine = lineNumber
                }
                buffer += line + "\n"
                if line.contains(";") && SQLScanner.isComplete(buffer) {
                    if interactive { reader.remember(String(buffer.dropLast())) }
                    let failed = runSQL(buffer, source: source, firstLine: bufferLine)
                    buffer = ""
                    if !interactive && (failed > 0 && bail || stoppedByInterrupt) { return }
                    if interactive { Interruption.clear() }
                }
            }
        }
    }

    private var stoppedByInterrupt: Bool { Interruption.pending > 0 || timedOut }

    /// Runs SQL text now; returns how many statements failed.
    @discardableResult
    public func runSQL(_ sql: String, source: String?, firstLine: Int = 1) -> Int {
        let runner = StatementRunner(connection: connection)
        runner.parameters = parameters
        runner.bail = bail
        let control = RunControl(connection: connection, deadline: deadline, timeoutSeconds: timeoutSeconds,
                                 progress: showProgress ? ProgressLine() : nil)
        runner.control = control
        runner.onError = { [unowned self] e in
            self.output.flush()
            self.reportError("strata: " + e.located)
        }
        var shown = settings
        if redirected {
            shown.color = false  // a file gets neither colours nor cut values
            shown.width = nil
        } else if let width = terminalWidth {
            shown.width = width()
        }
        let printer = ResultPrinter(settings: shown, output: output)
        let before = timer ? Self.times() : nil
        var failed = runner.run(sql, source: source, firstLine: firstLine, observer: PrinterObserver(printer))
        for e in printer.errors {
            output.flush()
            reportError("strata: " + e)
            failed += 1
        }
        if control.wasTimedOut { timedOut = true }
        failures += failed
        if let before {
            let after = Self.times()
            output.write("Run Time: real \(Self.f3(after.real - before.real)) user \(Self.f3(after.user - before.user)) sys \(Self.f3(after.sys - before.sys))\n")
        }
        output.flush()
        if output.failed != 0 {
            reportError("strata: cannot write output: \(errorText(output.failed))")
            failures += 1
        }
        if onceOnly { endRedirection() }
        return failed
    }

    /// Runs a report's SQL with `values` bound, into `observer` (`.report`); returns how many statements failed.
    func runCollecting(_ sql: String, source: String, values: [String: SQLValue], observer: ResultObserver) -> Int {
        let runner = StatementRunner(connection: connection)
        runner.parameters = values
        runner.bail = bail
        let control = RunControl(connection: connection, deadline: deadline, timeoutSeconds: timeoutSeconds,
                                 progress: showProgress ? ProgressLine() : nil)
        runner.control = control
        runner.onError = { [unowned self] e in
            self.output.flush()
            self.reportError("strata: " + e.located)
        }
        let failed = runner.run(sql, source: source, observer: observer)
        if control.wasTimedOut { timedOut = true }
        failures += failed
        return failed
    }

    // MARK: output redirection

    func redirect(to path: String, once: Bool) -> Bool {
        endRedirection()
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            reportError("strata: \(path): cannot open: \(errorText(errno))")
            return false
        }
        output.flush()
        output = TextOutput(.descriptor(fd))
        redirected = true
        onceOnly = once
        return true
    }

    func endRedirection() {
        guard redirected else { return }
        output.flush()
        if case .descriptor(let fd) = output.target { close(fd) }
        output = standardOutput
        redirected = false
        onceOnly = false
    }

    /// Replaces the connection (`.open`).
    func replaceConnection(with c: Connection) {
        host.close(connection)
        connection = c
        completionCache = nil
    }

    func requestQuit(code: Int32?) {
        quitRequested = true
        exitCode = code
    }

    func countFailure() { failures += 1 }

    // MARK: timing

    static func times() -> (real: Double, user: Double, sys: Double) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return (monotonicSeconds(), s(usage.ru_utime), s(usage.ru_stime))
    }

    static func f3(_ x: Double) -> String {
        let ms = Int((max(0, x) * 1000).rounded())
        let frac = String(ms % 1000)
        return "\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }
}

/// Adapts a ResultPrinter to the runner's observer (headings are for reports; the shell ignores them).
final class PrinterObserver: ResultObserver {
    let printer: ResultPrinter
    init(_ printer: ResultPrinter) { self.printer = printer }
    func heading(_ heading: SQLScanner.Heading) {}
    func begin(columns: [String]) { printer.begin(columns: columns) }
    func row(_ values: [SQLValue]) { printer.row(values) }
    func end() { printer.end() }
    func abandon() { printer.abandon() }
}

extension SQLScanner {
    public static func isTriviaOnly(_ text: String) -> Bool {
        let b = Array(text.utf8)
        return skipTrivia(b, from: 0).end >= b.count
    }
}

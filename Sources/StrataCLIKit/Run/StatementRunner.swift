// Runs SQL text statement by statement for the shell, batch runs and reports alike: binds named
// parameters, streams each result to an observer, reports each failure with the line it started on, and
// stops on --bail, Ctrl-C or --timeout. Comment headings (`-- # Title`) before a statement reach the observer
// first, which is how reports get their sections.
import SQLiteKit

/// Receives what a script produces, in order.
public protocol ResultObserver: AnyObject {
    func heading(_ heading: SQLScanner.Heading)
    func begin(columns: [String])
    func row(_ values: [SQLValue])
    func end()
    /// The statement failed after `begin` (possibly after some rows).
    func abandon()
}

extension ResultObserver {
    public func abandon() { end() }
}

/// One failed statement: where it started and SQLite's message.
public struct ScriptError: Error, Equatable {
    /// The file (or "stdin"); nil for SQL given as an argument.
    public var source: String?
    public var line: Int
    public var message: String

    public init(source: String?, line: Int, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, or the message alone for SQL given on the command line.
    public var located: String { source.map { "\($0):\(line): \(message)" } ?? message }
}

public final class StatementRunner {
    public var connection: Connection
    /// Values for named parameters, by name without the `:`/`@`/`$` (or the full `?NNN`).
    public var parameters: [String: SQLValue] = [:]
    public var bail = false
    public var control: RunControl?
    /// Called for every failed statement as it happens.
    public var onError: (ScriptError) -> Void = { _ in }
    /// Set when a run ended early: --bail after a failure, Ctrl-C or --timeout.
    public private(set) var stopped = false

    public init(connection: Connection) { self.connection = connection }

    /// Runs every statement of `sql`; `firstLine` is the line of `sql`'s first character in its source.
    /// Returns the number of statements that failed.
    @discardableResult
    public func run(_ sql: String, source: String?, firstLine: Int = 1, observer: ResultObserver) -> Int {
        stopped = false
        let bytes = Array(sql.utf8)
        var cText = Array(sql.utf8CString)
        cText.removeLast()  // the NUL; lengths are passed explicitly
        var newlines: [Int] = []
        for (i, c) in bytes.enumerated() where c == 0x0A { newlines.append(i) }
        func line(at offset: Int) -> Int {
            var lo = 0, hi = newlines.count
            while lo < hi { let mid = (lo + hi) / 2; if newlines[mid] < offset { lo = mid + 1 } else { hi = mid } }
            return firstLine + lo
        }

        var failures = 0
        cText.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < bytes.count {
                if control?.shouldStop == true { stopped = true; return }
                let (start, headings) = SQLScanner.skipTrivia(bytes, from: offset)
                for h in headings { observer.heading(h) }
                guard start < bytes.count else { return }
                let where_ = line(at: start)
                let statement: Statement?
                do {
                    let prepared = try connection.prepareNext(buffer, from: start)
                    statement = prepared.statement
                    offset = prepared.next
                } catch {
                    failures += 1
                    report(error, line: where_, source: source)
                    if bail || control?.shouldStop == true { stopped = true; return }
                    offset = SQLScanner.statementEnd(bytes, from: start).end
                    continue
                }
                guard let statement else { continue }
                do {
                    try execute(statement, observer: observer)
                } catch {
                    failures += 1
                    report(error, line: where_, source: source)
                    if bail || control?.shouldStop == true { stopped = true; return }
                }
            }
        }
        return failures
    }

    private func report(_ error: Error, line: Int, source: String?) {
        let e = SQLError.from(error)
        var message = e.message
        if e.code & 0xFF == 9, let reason = control?.stopReason { message = reason }  // SQLITE_INTERRUPT
        onError(ScriptError(source: source, line: line, message: message))
    }

    private func execute(_ st: Statement, observer: ResultObserver) throws {
        try bindParameters(st)
        let n = st.columnCount
        control?.statementStarted()
        defer { control?.statementFinished() }
        if n == 0 {
            while try st.step() {}
            return
        }
        observer.begin(columns: (0..<n).map { st.columnName($0) })
        do {
            while try st.step() {
                control?.rowProduced()
                observer.row((0..<n).map { st.value(at: $0) })
            }
        } catch {
            observer.abandon()
            throw error
        }
        observer.end()
    }

    private func bindParameters(_ st: Statement) throws {
        let count = st.parameterCount
        guard count > 0, !parameters.isEmpty else { return }
        for i in 1...count {
            guard let name = st.parameterName(i) else { continue }
            let bare = name.first.map { ":@$".contains($0) } == true ? String(name.dropFirst()) : name
            if let v = parameters[bare] ?? parameters[name] { try st.bind(v, at: i) }
        }
    }
}

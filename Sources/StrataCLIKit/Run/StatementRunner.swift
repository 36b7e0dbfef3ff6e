// Runs SQL text statement by statement for the shell, batch runs and reports alike: binds named
// parameters, streams each result to an observer, reports each failure with the line it started on, and
// stops on --bail, Ctrl-C or --timeout. Comment headings (`-- # Title`, parameters in them filled in) and
// `-- @chart` directives before a statement reach the observer first, which is how reports get their sections.
// A statement with a parameter that has no value fails, naming it (a NULL nobody chose is never bound).
import SQLiteKit

/// Receives what a script produces, in order.
public protocol ResultObserver: AnyObject {
    func heading(_ heading: SQLScanner.Heading)
    func begin(columns: [String])
    func row(_ values: [SQLValue])
    func end()
    /// The statement failed after `begin` (possibly after some rows).
    func abandon()
    /// A `-- @chart` directive: how to draw the results that follow (until the next heading).
    func chart(_ choice: SQLScanner.ChartChoice)
}

extension ResultObserver {
    public func abandon() { end() }
    public func chart(_ choice: SQLScanner.ChartChoice) {}
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
                let trivia = SQLScanner.scanTrivia(bytes, from: offset)
                let start = trivia.end
                for h in trivia.headings { observer.heading(filled(h)) }
                if let c = trivia.chart { observer.chart(c) }
                if let bad = trivia.badChart {
                    failures += 1
                    onError(ScriptError(source: source, line: line(at: max(offset, start - 1)),
                                        message: "unknown chart '\(bad)' (-- @chart none, bar or line)"))
                }
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
        guard count > 0 else { return }
        var unbound: [String] = []
        for i in 1...count {
            // A nameless slot is an anonymous `?` or a gap before a `?NNN`: left NULL, as sqlite3 leaves it.
            guard let name = st.parameterName(i) else { continue }
            let bare = name.first.map { ":@$".contains($0) } == true ? String(name.dropFirst()) : name
            if let v = parameters[bare] ?? parameters[name] { try st.bind(v, at: i) } else { unbound.append(name) }
        }
        guard !unbound.isEmpty else { return }
        let plain = unbound.map { $0.first.map { ":@$?".contains($0) } == true ? String($0.dropFirst()) : $0 }
        throw SQLError((unbound.count == 1 ? "no value for parameter " : "no values for parameters ")
                       + unbound.joined(separator: ", ") + " (give " + plain.map { "--param \($0)=VALUE" }.joined(separator: " ")
                       + ", or in the shell .param set \(plain[0]) VALUE)")
    }

    /// A heading with the parameters it names (`(lang = :lang)`) replaced by their values.
    func filled(_ h: SQLScanner.Heading) -> SQLScanner.Heading {
        guard !parameters.isEmpty, h.text.contains(where: { $0 == ":" || $0 == "@" || $0 == "$" }) else { return h }
        let b = Array(h.text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == 0x3A || c == 0x40 || c == 0x24 {
                var k = i + 1
                while k < b.count, SQLScanner.isIdentifierByte(b[k]), b[k] != 0x24 { k += 1 }
                let name = String(decoding: b[(i + 1)..<k], as: UTF8.self)
                if k > i + 1, let v = parameters[name] {
                    out += Array(ValueText.display(v, null: "NULL").utf8)
                    i = k
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return SQLScanner.Heading(level: h.level, text: String(decoding: out, as: UTF8.self))
    }
}

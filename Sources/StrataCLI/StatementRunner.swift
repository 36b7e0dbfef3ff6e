// Runs a script of SQL statements one at a time, handing each result set to a callback, and reports the
// first failing statement with its line number. Shared by one-shot arguments, stdin and (later) the shell.
import SQLiteKit

struct ScriptError: Error {
    var line: Int
    var message: String
}

struct StatementRunner {
    let connection: Connection

    /// Runs every statement of `sql`. Calls `onResult` for each statement that returns columns and
    /// `onError` for each failure, as they happen. With `bail`, stops at the first failure.
    /// Returns the number of failed statements.
    @discardableResult
    func run(_ sql: String, bail: Bool, onResult: (ResultSet) -> Void, onError: (ScriptError) -> Void) -> Int {
        var failures = 0
        var text = Array(sql.utf8CString)
        text.removeLast()  // the NUL; lengths are passed explicitly
        text.withUnsafeBufferPointer { buf in
            var offset = 0
            while offset < buf.count {
                let line = lineNumber(buf, at: firstNonSpace(buf, from: offset))
                let statement: Statement?
                do {
                    let prepared = try connection.prepareNext(buf, from: offset)
                    statement = prepared.statement
                    offset = prepared.next
                } catch {
                    failures += 1
                    onError(ScriptError(line: line, message: SQLError.from(error).message))
                    if bail { return }
                    // Skip past the statement that does not compile: to the next ';' outside quotes.
                    offset = skipStatement(buf, from: offset)
                    continue
                }
                guard let statement else { continue }
                do {
                    let result = try collect(statement)
                    if !result.columns.isEmpty { onResult(result) }
                } catch {
                    failures += 1
                    onError(ScriptError(line: line, message: SQLError.from(error).message))
                    if bail { return }
                }
            }
        }
        return failures
    }

    private func collect(_ st: Statement) throws -> ResultSet {
        let n = st.columnCount
        var rows: [[SQLValue]] = []
        while try st.step() { rows.append((0..<n).map { st.value(at: $0) }) }
        return ResultSet(columns: (0..<n).map { st.columnName($0) }, rows: rows)
    }

    private func firstNonSpace(_ b: UnsafeBufferPointer<CChar>, from i: Int) -> Int {
        var j = i
        while j < b.count, b[j] == 0x20 || b[j] == 0x0A || b[j] == 0x09 || b[j] == 0x0D { j += 1 }
        return j
    }

    private func lineNumber(_ b: UnsafeBufferPointer<CChar>, at i: Int) -> Int {
        var n = 1
        for j in 0..<min(i, b.count) where b[j] == 0x0A { n += 1 }
        return n
    }

    private func skipStatement(_ b: UnsafeBufferPointer<CChar>, from i: Int) -> Int {
        var j = i
        var quote: CChar = 0
        while j < b.count {
            let c = b[j]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == 0x27 || c == 0x22 || c == 0x60 {
                quote = c
            } else if c == 0x3B {
                return j + 1
            }
            j += 1
        }
        return b.count
    }
}

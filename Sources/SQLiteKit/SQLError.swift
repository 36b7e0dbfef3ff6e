// The one error type of the kit: what a Swift function, a virtual table or a statement throws, and what
// becomes `sqlite3_result_error` / `zErrMsg` at the C boundary, prefixed with the SQL-visible name.
import CSQLite
import StrataCommon

public struct SQLError: Error, CustomStringConvertible, Equatable {
    /// An SQLite result code (`SQLITE_ERROR` unless a more specific one applies, such as `SQLITE_TOOBIG`).
    public var code: Int32
    public var message: String

    public init(_ message: String, code: Int32 = SQLITE_ERROR) {
        self.message = message
        self.code = code
    }

    public var description: String { message }

    /// The message as SQL should show it: `name: message`, unless it already starts with that prefix.
    public func prefixed(with name: String) -> String {
        message.hasPrefix(name + ":") ? message : "\(name): \(message)"
    }

    /// Any thrown error as an `SQLError`, so foreign errors still reach SQL as text instead of a trap.
    public static func from(_ error: any Error) -> SQLError {
        if let e = error as? SQLError { return e }
        if let e = error as? MessageError { return SQLError(e.message) }
        return SQLError(String(describing: error))
    }
}

// Why a file could not be read, in words that name the path. Domains wrap it in their SQL name
// (`read_log: cannot open 'app.log': No such file or directory`).
import Glibc

/// An error that is nothing but a message for the user: every domain's core throws one (the SQL binding
/// puts the SQL-visible name in front; SQLiteKit's `SQLError.from` reads `message`).
public protocol MessageError: Error, CustomStringConvertible {
    var message: String { get }
}

extension MessageError {
    public var description: String { message }
}

public struct FileError: MessageError, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }

    /// `cannot <verb> '<path>': <strerror(errno)>`, read from the current `errno`.
    public static func system(_ verb: String, _ path: String, errno code: Int32 = errno) -> FileError {
        let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return FileError("cannot \(verb) '\(path)': \(reason)")
    }
}

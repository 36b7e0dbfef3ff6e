// Why a file could not be read, in words that name the path. Domains wrap it in their SQL name
// (`read_log: cannot open 'app.log': No such file or directory`).
import Glibc

public struct FileError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// `cannot <verb> '<path>': <strerror(errno)>`, read from the current `errno`.
    public static func system(_ verb: String, _ path: String, errno code: Int32 = errno) -> FileError {
        let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return FileError("cannot \(verb) '\(path)': \(reason)")
    }
}

// What the shell needs from the program around it, kept behind protocols so the shell logic is testable
// without a terminal: opening databases (only the CLI's HostDatabase may), and reading lines (libedit on a
// terminal, plain reads from a pipe or a file).
import SQLiteKit

public protocol DatabaseHost: AnyObject {
    /// Opens a database with Strata registered; the connection stays open until `close`.
    func open(path: String, readOnly: Bool) throws -> Connection
    func close(_ connection: Connection)
    /// `.load FILE [ENTRY]`: loads another SQLite extension into `connection`.
    func loadExtension(_ connection: Connection, path: String, entryPoint: String?) throws
    /// Names of the functions a connection has without Strata (to tell Strata's own apart).
    func builtinFunctionNames() -> Set<String>
}

public enum LineInput: Equatable {
    case line(String)
    /// Ctrl-C at the prompt: drop what was typed so far.
    case interrupted
    case end
}

public protocol LineReader: AnyObject {
    func read(prompt: String) -> LineInput
    /// Whether lines come from a person at a terminal (prompts, history, no stop on error).
    var isInteractive: Bool { get }
    func remember(_ entry: String)
}

/// Lines of a file descriptor (stdin in a pipe, a `.read` file), read in 64 KiB blocks.
public final class DescriptorLineReader: LineReader {
    private let fd: Int32
    private let closeWhenDone: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    public init(descriptor: Int32, closeWhenDone: Bool = false) {
        fd = descriptor
        self.closeWhenDone = closeWhenDone
    }

    deinit { if closeWhenDone { _ = SystemCalls.close(fd) } }

    public var isInteractive: Bool { false }
    public func remember(_ entry: String) {}

    public func read(prompt: String) -> LineInput {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[start..<nl], as: UTF8.self)
                start = nl + 1
                if start > 1 << 16 { buffer.removeFirst(start); start = 0 }
                return .line(line)
            }
            if atEnd {
                guard start < buffer.count else { return .end }
                let line = String(decoding: buffer[start...], as: UTF8.self)
                start = buffer.count
                return .line(line)
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { SystemCalls.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if SystemCalls.lastError == SystemCalls.EINTR_ {
                    if Interruption.pending > 0 { return .interrupted }
                    continue
                }
                atEnd = true
            } else if n == 0 {
                atEnd = true
            } else {
                buffer.append(contentsOf: chunk.prefix(n))
            }
        }
    }
}

/// Lines of a text already in memory (a `.read` file whose parameters were checked first).
public final class MemoryLineReader: LineReader {
    private var lines: [Substring]
    private var next = 0

    public init(_ text: String) {
        var l = text.split(separator: "\n", omittingEmptySubsequences: false)
        if l.last == "" { l.removeLast() }
        lines = l
    }

    public var isInteractive: Bool { false }
    public func remember(_ entry: String) {}

    public func read(prompt: String) -> LineInput {
        if Interruption.pending > 0 { return .interrupted }
        guard next < lines.count else { return .end }
        next += 1
        return .line(String(lines[next - 1]))
    }
}

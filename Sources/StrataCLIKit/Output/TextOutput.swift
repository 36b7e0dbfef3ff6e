// Where rendered text goes: a file descriptor (stdout, an --output temp file, a .output file) with one
// write per 64 KiB, or memory (reports are rendered whole; tests read what was written).
import Glibc

public final class TextOutput {
    public enum Target { case descriptor(Int32), memory }

    public let target: Target
    /// Whether the text lands on a terminal, which acts on escape sequences: values are then written with
    /// their control characters made visible (ResultPrinter).
    public let isTerminal: Bool
    private var buffer: [UInt8] = []
    /// Set when a write to the descriptor failed (disk full, closed pipe): the run must not report success.
    public private(set) var failed: Int32 = 0

    /// `isTerminal` nil: asked of the descriptor (isatty); a memory target is no terminal.
    public init(_ target: Target, isTerminal: Bool? = nil) {
        self.target = target
        if let isTerminal {
            self.isTerminal = isTerminal
        } else if case .descriptor(let fd) = target {
            self.isTerminal = isatty(fd) != 0
        } else {
            self.isTerminal = false
        }
        buffer.reserveCapacity(1 << 16)
    }

    public static func standardOutput() -> TextOutput { TextOutput(.descriptor(1)) }

    public func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if case .descriptor = target, buffer.count >= 1 << 16 { flush() }
    }

    /// Everything written so far (memory target) or still buffered.
    public var text: String { String(decoding: buffer, as: UTF8.self) }

    public func flush() {
        guard case .descriptor(let fd) = target, !buffer.isEmpty else { return }
        var done = 0
        buffer.withUnsafeBytes { b in
            while done < b.count {
                let n = Glibc.write(fd, b.baseAddress.map { $0 + done }, b.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failed = errno == 0 ? EIO : errno; return }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Writes a line to standard error at once (unbuffered), as `strata: ...` messages are.
public func printError(_ message: String) {
    var line = Array((message + "\n").utf8)
    line.withUnsafeMutableBytes { b in
        var done = 0
        while done < b.count {
            let n = Glibc.write(2, b.baseAddress.map { $0 + done }, b.count - done)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
    }
}

// Where rendered text goes: a file descriptor (stdout, an --output temp file, a .output file) with one
// write per 64 KiB, or memory (reports are rendered whole; tests read what was written).
import Glibc

public final class TextOutput {
    public enum Target { case descriptor(Int32), memory }

    public let target: Target
    private var buffer: [UInt8] = []
    /// Set when a write to the descriptor failed (disk full, closed pipe): the run must not report success.
    public private(set) var failed: Int32 = 0

    public init(_ target: Target) {
        self.target = target
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

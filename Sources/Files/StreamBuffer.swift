// A growable window over a `FileStream` for parsers whose units span lines (CSV records with quoted
// newlines, elements of a JSON array file): the unconsumed bytes stay in memory, nothing else does.
import Glibc
import StrataCommon

final class StreamBuffer {
    let stream: FileStream
    let maxUnitSize: Int
    private(set) var storage: UnsafeMutableRawBufferPointer
    /// First unconsumed byte and one past the last valid byte.
    var start = 0
    private(set) var end = 0
    private(set) var isAtEOF = false

    init(stream: FileStream, maxUnitSize: Int = 64 << 20) {
        self.stream = stream
        self.maxUnitSize = maxUnitSize
        storage = .allocate(byteCount: 1 << 18, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// The unconsumed bytes (valid until the next `fill`).
    var bytes: UnsafeBufferPointer<UInt8> {
        guard let b = storage.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: b.assumingMemoryBound(to: UInt8.self) + start, count: end - start)
    }

    /// Reads more bytes after the unconsumed ones (moving them to the front, growing up to `maxUnitSize`).
    /// Returns false at the end of the file. `what` names the unit in the too-long error.
    func fill(what: @autoclosure () -> String) throws -> Bool {
        guard !isAtEOF else { return false }
        if start > 0 {
            if end > start, let b = storage.baseAddress { memmove(b, b + start, end - start) }
            end -= start
            start = 0
        }
        if end == storage.count {
            guard storage.count < maxUnitSize else {
                throw FilesError("\(what()) is longer than \(maxUnitSize) bytes")
            }
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(storage.count * 2, maxUnitSize), alignment: 16)
            if let s = storage.baseAddress, let d = bigger.baseAddress { memcpy(d, s, end) }
            storage.deallocate()
            storage = bigger
        }
        let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...]))
        if n == 0 { isAtEOF = true; return false }
        end += n
        return true
    }
}

/// An error of the Files core: a message that names the file and the reason; the SQL binding puts the
/// function's name in front.
public struct FilesError: MessageError, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

extension FilesError {
    init(_ e: FileError) { self.init(e.message) }
}

/// Counts newlines in a byte range.
func countNewlines(_ b: UnsafeBufferPointer<UInt8>) -> Int {
    guard let base = b.baseAddress else { return 0 }
    var n = 0
    var p = UnsafeRawPointer(base)
    var left = b.count
    while left > 0, let q = memchr(p, 0x0A, left) {
        n += 1
        let step = UnsafeRawPointer(q) - p + 1
        p += step
        left -= step
    }
    return n
}

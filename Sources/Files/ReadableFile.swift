// A file opened for positioned reads (pread), and a window over a byte range of it that serves an array's
// rows. Deliberately not mmap: a file rewritten while it is read (np.save truncates before writing) would
// make touching a mapped page raise SIGBUS inside the host process; with pread a shrunken file is an
// ordinary error. Memory stays at one window (256 KiB growing to 8 MiB on sequential reads, or one row
// if larger), whatever the file size.
import Glibc
import StrataCommon

public final class ReadableFile {
    public let path: String
    /// Size when opened.
    public let size: Int
    /// Identity and version when opened: device, inode, size, mtime and ctime (seconds, nanoseconds). Equal
    /// stamps mean the same file, not rewritten since — up to the file system's timestamp granularity (see
    /// `lastChange`).
    public let stamp: [Int64]
    /// mtime when opened, in seconds since the epoch: a write within the timestamp granularity after this
    /// moment could leave the stamp unchanged; a write later than that changes it.
    public let modified: Double
    private let fd: Int32

    public init(path: String) throws {
        self.path = path
        let opened: FileAccess.Opened
        do { opened = try FileAccess.open(path) } catch { throw FilesError(error.message) }
        let fd = opened.descriptor
        let st = opened.info
        guard opened.kind == .regular else {
            close(fd)
            throw FilesError("cannot read '\(path)': not a regular file (a pipe or device); this reader needs a file it can seek in")
        }
        self.fd = fd
        size = Int(st.st_size)
        func w<T: BinaryInteger>(_ v: T) -> Int64 { Int64(truncatingIfNeeded: v) }
        stamp = [w(st.st_dev), w(st.st_ino), w(st.st_size), w(st.st_mtim.tv_sec), w(st.st_mtim.tv_nsec),
                 w(st.st_ctim.tv_sec), w(st.st_ctim.tv_nsec)]
        modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
    }

    deinit { close(fd) }

    /// Fills `buffer` from `offset`; throws when the file ends first (it shrank since it was opened).
    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        guard let base = buffer.baseAddress else { return }
        if Interruption.isRequested() { throw FilesError(Interruption.message) }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FilesError(systemMessage("read", path))
            }
            if n == 0 { throw FilesError("'\(path)' is shorter than when it was opened (changed while being read)") }
            done += n
        }
    }

    /// `count` bytes at `offset` as an array (for headers and directories).
    public func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw FilesError("read past the end of '\(path)'")
        }
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try read(at: offset, into: $0) }
        return out
    }
}

/// `count` data bytes starting at file offset `origin`, read through a window. The window grows to a row
/// when rows are larger; that allocation is checked against the memory budget and fails with an error.
final class FileWindowData: NpyDataSource {
    let file: ReadableFile
    let origin: Int
    let count: Int
    private var window: UnsafeMutableRawPointer
    private var capacity = 256 << 10
    private var windowStart = 0
    private var windowEnd = 0
    static let maxWindow = 8 << 20

    init(file: ReadableFile, origin: Int, count: Int) throws {
        self.file = file
        self.origin = origin
        self.count = count
        do { window = try MemoryBudget.allocate(capacity, for: "a read window") } catch { throw FilesError(error.message) }
    }

    deinit { free(window) }

    var isRandomAccess: Bool { true }

    func bytes(at offset: Int, count n: Int) throws -> UnsafeRawPointer {
        guard offset >= 0, n >= 0, offset <= count, n <= count - offset else {
            throw FilesError("read past the end of the data")
        }
        if offset >= windowStart, offset + n <= windowEnd { return UnsafeRawPointer(window + (offset - windowStart)) }
        // Sequential reading widens the window; a jump keeps it as is.
        if offset == windowEnd, capacity < FileWindowData.maxWindow { try grow(to: min(capacity * 2, FileWindowData.maxWindow)) }
        if n > capacity { try grow(to: n) }
        let len = min(capacity, count - offset)
        windowStart = offset
        windowEnd = offset
        try file.read(at: origin + offset, into: UnsafeMutableRawBufferPointer(start: window, count: len))
        windowEnd = offset + len
        return UnsafeRawPointer(window)
    }

    func copy(at offset: Int, count n: Int, into destination: UnsafeMutableRawPointer) throws {
        guard offset >= 0, n >= 0, offset <= count, n <= count - offset else {
            throw FilesError("read past the end of the data")
        }
        if offset >= windowStart, offset + n <= windowEnd {
            destination.copyMemory(from: window + (offset - windowStart), byteCount: n)
            return
        }
        try file.read(at: origin + offset, into: UnsafeMutableRawBufferPointer(start: destination, count: n))
    }

    private func grow(to size: Int) throws {
        let bigger: UnsafeMutableRawPointer
        do { bigger = try MemoryBudget.allocate(size, for: "a read window of one row") } catch { throw FilesError(error.message) }
        free(window)
        window = bigger
        capacity = size
        windowStart = 0
        windowEnd = 0
    }
}

func systemMessage(_ verb: String, _ path: String) -> String {
    let code = errno
    let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    return "cannot \(verb) '\(path)': \(reason)"
}

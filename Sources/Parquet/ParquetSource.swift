// The file under a ParquetFile, opened through FileAccess (the allow-list, no blocking on FIFOs) and read
// with positioned reads. Not mapped: a file rewritten while it is read would fault the host on a mapped page;
// with pread a shrunken file is an ordinary error.
import Glibc
import StrataCommon

final class ParquetSource {
    let path: String
    let size: Int
    /// Device, inode, size, mtime and ctime when opened (knn_match's cache key for file corpora).
    let stamp: [Int64]
    let modified: Double
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        let opened: FileAccess.Opened
        do { opened = try FileAccess.open(path) } catch { throw ParquetError(error.message) }
        guard opened.kind == .regular else {
            close(opened.descriptor)
            throw ParquetError("cannot read '\(path)': not a regular file (a pipe or device); Parquet is read from its end")
        }
        fd = opened.descriptor
        let st = opened.info
        size = Int(st.st_size)
        func w<T: BinaryInteger>(_ v: T) -> Int64 { Int64(truncatingIfNeeded: v) }
        stamp = [w(st.st_dev), w(st.st_ino), w(st.st_size), w(st.st_mtim.tv_sec), w(st.st_mtim.tv_nsec),
                 w(st.st_ctim.tv_sec), w(st.st_ctim.tv_nsec)]
        modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
    }

    deinit { close(fd) }

    /// `count` bytes at `offset`; an error when they lie outside the file or it shrank since it was opened.
    func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        try read(at: offset, count: count, into: &out)
        return out
    }

    /// The same into a buffer kept from one call to the next (its memory is reused: no fresh pages to fault
    /// in and zero for every column chunk).
    func read(at offset: Int, count: Int, into out: inout [UInt8]) throws {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw ParquetError("read past the end of '\(path)'")
        }
        if out.count > count { out.removeLast(out.count - count) } else if out.count < count {
            out.append(contentsOf: repeatElement(0, count: count - out.count))
        }
        try out.withUnsafeMutableBytes { buf in
            guard let base = buf.baseAddress else { return }
            var done = 0
            while done < count {
                if Interruption.isRequested() { throw ParquetError(Interruption.message) }
                let n = pread(fd, base + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = strerror(errno).map { String(cString: $0) } ?? "error \(errno)"
                    throw ParquetError("cannot read '\(path)': \(reason)")
                }
                if n == 0 { throw ParquetError("'\(path)' is shorter than when it was opened (changed while being read)") }
                done += n
            }
        }
    }
}

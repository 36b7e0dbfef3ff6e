// A file read front to back in chunks, gzip-compressed or plain (decided by the magic bytes, so rotated
// `app.log.2.gz` files read like any other). Memory stays at one chunk whatever the file size.
import CZlib
import Glibc

public final class FileStream {
    public let path: String
    public let isCompressed: Bool
    /// The file's size on disk when opened (compressed size for gzip); reads stop there for plain files,
    /// so a file being appended to is read up to what it held at open.
    public let sizeAtOpen: Int64
    public let modificationTime: Int64

    private var fd: Int32 = -1
    private var gz: gzFile?
    private var consumed: Int64 = 0

    public init(path: String) throws(FileError) {
        self.path = path
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = FileError.system("stat", path)
            Glibc.close(fd)
            throw e
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            Glibc.close(fd)
            throw FileError("cannot read '\(path)': is a directory")
        }
        sizeAtOpen = Int64(st.st_size)
        modificationTime = Int64(st.st_mtim.tv_sec)
        var magic: (UInt8, UInt8) = (0, 0)
        let n = withUnsafeMutableBytes(of: &magic) { pread(fd, $0.baseAddress, 2, 0) }
        isCompressed = n == 2 && magic.0 == 0x1F && magic.1 == 0x8B
        if isCompressed {
            // zlib takes ownership of the descriptor.
            guard let g = gzdopen(fd, "rb") else {
                Glibc.close(fd)
                throw FileError("cannot read '\(path)': gzip stream could not be opened")
            }
            gzbuffer(g, 1 << 17)
            gz = g
        } else {
            self.fd = fd
        }
    }

    deinit {
        if let gz { gzclose(gz) }
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end. Throws on I/O errors and corrupt gzip data.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if let gz {
            let n = gzread(gz, base, UInt32(clamping: buffer.count))
            if n < 0 {
                var code: Int32 = 0
                let msg = gzerror(gz, &code).map { String(cString: $0) } ?? "error"
                throw FileError("cannot read '\(path)': corrupt gzip data (\(msg))")
            }
            if n == 0 {
                // zlib reports a stream cut short as Z_BUF_ERROR ("unexpected end of file") at the end.
                var code: Int32 = 0
                _ = gzerror(gz, &code)
                if code != Z_OK { throw FileError("cannot read '\(path)': truncated or corrupt gzip data") }
            }
            return Int(n)
        }
        let remaining = sizeAtOpen - consumed
        guard remaining > 0 else { return 0 }
        let want = Int(min(Int64(buffer.count), remaining))
        while true {
            let n = Glibc.read(fd, base, want)
            if n < 0 {
                if errno == EINTR { continue }
                throw .system("read", path)
            }
            consumed += Int64(n)
            return n
        }
    }

    /// Positions a plain file's next read at `offset` (for binary search over sorted logs).
    /// Not available for gzip streams.
    public func seek(to offset: Int64) throws(FileError) {
        guard gz == nil else { throw FileError("cannot seek in compressed '\(path)'") }
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw .system("seek", path) }
        consumed = offset
    }

    /// Reads `count` bytes at `offset` of a plain file without moving the stream.
    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        guard gz == nil else { throw FileError("cannot seek in compressed '\(path)'") }
        guard let base = buffer.baseAddress, buffer.count > 0, offset < sizeAtOpen else { return 0 }
        let want = Int(min(Int64(buffer.count), sizeAtOpen - offset))
        while true {
            let n = pread(fd, base, want, off_t(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw .system("read", path)
            }
            return n
        }
    }
}

// A file read front to back in chunks, gzip-compressed or plain (decided by the magic bytes, so rotated
// `app.log.2.gz` files read like any other). Memory stays at one chunk whatever the file size.
// A pipe, FIFO or character device (`crontab -l | strata …`, `<(journalctl …)`, /dev/stdin) is read as a
// stream to its end, polling so that interruption stops a silent writer's reader. Every chunk checks for
// interruption, so a gzip bomb under a single aggregate cannot outlive Ctrl-C.
import CZlib
import Glibc

public final class FileStream {
    public let path: String
    public let isCompressed: Bool
    /// A pipe, FIFO or device: read to its end, no size known, no seeking.
    public let isStream: Bool
    /// The file's size on disk when opened (compressed size for gzip); reads stop there for plain files,
    /// so a file being appended to is read up to what it held at open. `Int64.max` for a stream.
    public let sizeAtOpen: Int64
    /// Seeks and positioned reads (binary search over time, a second counting thread) are possible.
    public var isSeekable: Bool { !isCompressed && !isStream }
    public let modificationTime: Int64

    private var fd: Int32 = -1
    private var gz: gzFile?
    private var consumed: Int64 = 0
    /// Bytes read ahead (`peek`, a stream's gzip magic), served before anything else.
    private var pending: [UInt8] = []

    public init(path: String) throws(FileError) {
        self.path = path
        let opened = try FileAccess.open(path)
        let fd = opened.descriptor
        modificationTime = Int64(opened.info.st_mtim.tv_sec)
        if opened.kind == .stream {
            isStream = true
            isCompressed = false
            sizeAtOpen = .max
            self.fd = fd
            var head = [UInt8](repeating: 0, count: 2)
            var got = 0
            do {
                while got < 2 {
                    let n = try head.withUnsafeMutableBytes { b throws(FileError) -> Int in
                        guard let base = b.baseAddress else { return 0 }
                        return try FileAccess.readStream(fd, base + got, 2 - got, path: path)
                    }
                    if n == 0 { break }
                    got += n
                }
            } catch let e as FileError {
                Glibc.close(fd)
                self.fd = -1
                throw e
            } catch {
                Glibc.close(fd)
                self.fd = -1
                throw FileError("cannot read '\(path)': \(error)")
            }
            pending = Array(head[0..<got])
            if got == 2, head[0] == 0x1F, head[1] == 0x8B {
                Glibc.close(fd)
                self.fd = -1
                throw FileError("cannot read '\(path)': gzip data from a pipe is not supported (decompress it first, e.g. with zcat)")
            }
            return
        }
        isStream = false
        sizeAtOpen = Int64(opened.info.st_size)
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
        if !pending.isEmpty {
            let n = min(pending.count, buffer.count)
            pending.withUnsafeBytes { src in
                if let from = src.baseAddress { base.copyMemory(from: from, byteCount: n) }
            }
            pending.removeFirst(n)
            return n
        }
        return try readMore(into: buffer)
    }

    /// The first bytes still to be read (at least `count`, unless the file ends first), without consuming
    /// them: a pipe can be sniffed (JSON array or lines?) and then read from its start by one reader.
    public func peek(_ count: Int) throws(FileError) -> [UInt8] {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { chunk.deallocate() }
        while pending.count < count {
            let n = try readMore(into: chunk)
            if n == 0 { break }
            pending += chunk[0..<n]
        }
        return pending
    }

    private func readMore(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if Interruption.isRequested() { throw FileError(Interruption.message) }
        if isStream { return try FileAccess.readStream(fd, base, buffer.count, path: path) }
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
        guard gz == nil, !isStream else { throw FileError("cannot seek in compressed or streamed '\(path)'") }
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw .system("seek", path) }
        consumed = offset
    }

    /// Reads `count` bytes at `offset` of a plain file without moving the stream.
    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        guard gz == nil, !isStream else { throw FileError("cannot seek in compressed or streamed '\(path)'") }
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

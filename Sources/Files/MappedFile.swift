// A whole file mapped read-only into memory (mmap), so a multi-gigabyte `.npy` is read through the page
// cache without a heap copy. Unmapped when released. An empty file maps to an empty buffer.
//
// Caveat (as for every mmap reader, numpy's `mmap_mode` included): if another process truncates the file
// while it is being read, touching the vanished pages raises SIGBUS. Files are checked against their
// declared size when opened.
import Glibc

public final class MappedFile {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?
    private let length: Int

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FilesError(systemMessage("open", path)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FilesError(systemMessage("stat", path)) }
        guard (st.st_mode & S_IFMT) != S_IFDIR else { throw FilesError("cannot read '\(path)': is a directory") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FilesError("cannot map '\(path)': not a regular file") }
        let size = Int(st.st_size)
        length = size
        if size == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw FilesError(systemMessage("map", path)) }
        _ = madvise(p, size, MADV_SEQUENTIAL)
        mapping = p
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let mapping { munmap(mapping, length) }
    }
}

func systemMessage(_ verb: String, _ path: String) -> String {
    let code = errno
    let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    return "cannot \(verb) '\(path)': \(reason)"
}

// `--output FILE` for cron: the output goes to a temporary file in the same folder, which is renamed over
// FILE only when the whole run succeeded. A reader sees the old file or the new one, never half a report;
// a failed or interrupted run leaves the old file as it was.
import Glibc

public struct FileError: Error, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

public final class AtomicFile {
    public let path: String
    public private(set) var temporaryPath: String
    public let descriptor: Int32
    private var done = false

    /// Creates the temporary file `.NAME.strata-XXXXXX` beside `path`.
    public init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw FileError("\(path): not a file name") }
        var template = Array((folder + "." + name + ".strata-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { b -> Int32 in
            guard let p = b.baseAddress else { return -1 }
            let fd = mkstemp(p)
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return fd
        }
        guard fd >= 0 else { throw FileError("\(path): cannot create a temporary file beside it: \(errorText(errno))") }
        descriptor = fd
        temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The finished file gets the old file's permissions, or the usual 0666 less the umask.
        var st = stat()
        if stat(path, &st) == 0 {
            fchmod(fd, st.st_mode & 0o7777)
        } else {
            let mask = umask(0)
            umask(mask)
            fchmod(fd, 0o666 & ~mask)
        }
    }

    /// Flushes to disk and renames over the target.
    public func commit() throws {
        guard !done else { return }
        done = true
        if fsync(descriptor) != 0 && errno != EINVAL {
            let e = errno
            close(descriptor)
            unlink(temporaryPath)
            throw FileError("\(path): cannot write: \(errorText(e))")
        }
        close(descriptor)
        guard rename(temporaryPath, path) == 0 else {
            let e = errno
            unlink(temporaryPath)
            throw FileError("\(path): cannot replace: \(errorText(e))")
        }
    }

    /// Removes the temporary file; the target is untouched.
    public func discard() {
        guard !done else { return }
        done = true
        close(descriptor)
        unlink(temporaryPath)
    }

    deinit { discard() }
}

public func errorText(_ code: Int32) -> String {
    strerror(code).map { String(cString: $0) } ?? "error \(code)"
}

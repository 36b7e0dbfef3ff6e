// `--lock FILE`: an exclusive flock(2) held for the life of the process, so a cron job that overruns its
// interval does not start a second copy of itself. The lock file keeps the holder's pid for the message; it
// is never deleted (deleting a lock file races with the next run taking it). The kernel releases the lock
// when the process ends, however it ends.
import Glibc

public final class RunLock {
    public enum Failure: Error, Equatable {
        /// Another process holds the lock; its pid when the file says.
        case held(pid: Int32?)
        case cannotOpen(String)
    }

    private let descriptor: Int32

    public init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure.cannotOpen(errorText(errno)) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            let pid = Self.readPid(fd)
            close(fd)
            if e == EWOULDBLOCK || e == EAGAIN { throw Failure.held(pid: pid) }
            throw Failure.cannotOpen(errorText(e))
        }
        descriptor = fd
        _ = ftruncate(fd, 0)
        var text = Array("\(getpid())\n".utf8)
        _ = text.withUnsafeMutableBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer.prefix(n), as: UTF8.self).trimmingSpaces()
        let digits = text.prefix { $0.isNumber }
        return Int32(digits)
    }

    deinit { close(descriptor) }
}

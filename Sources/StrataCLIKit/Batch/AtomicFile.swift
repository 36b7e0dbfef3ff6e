// `--output FILE` for cron: the output goes to a temporary file in the same folder, which is renamed over
// FILE only when the whole run succeeded. A reader sees the old file or the new one, never half a report;
// a failed or interrupted run leaves the old file as it was.
//
// What FILE is decides how it is written:
// - a regular file, or nothing yet: the atomic replace above;
// - a symbolic link: followed (every hop), and the file it points to is replaced (the temporary file is made
//   beside that file), so the link stays a link;
// - anything else that can be written — a FIFO, a terminal, `/dev/null`, another device: opened and written
//   directly, with no temporary file and no rename (renaming over `/dev/null` would replace the system's one);
// - `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: the process's own descriptor N, as it is
//   (its offset and append mode kept);
// - a directory: an error.
// The temporary file's name is registered with `TemporaryFiles` so a signal that ends the process removes it.
import Glibc
import Synchronization

public struct FileError: Error, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

public final class AtomicFile {
    /// The path as given (for messages).
    public let path: String
    /// Where the output lands: the file replaced (symbolic links followed), or the file written directly.
    public let target: String
    /// The temporary file, nil when the target is written directly.
    public private(set) var temporaryPath: String?
    public let descriptor: Int32
    /// True when the target is not replaced but written as it is (a FIFO, a device, a descriptor).
    public var isDirect: Bool { temporaryPath == nil }
    private var done = false
    private var slot: Int?

    /// How a path is written: what `init` decided after following symbolic links.
    public enum Destination: Equatable {
        /// A regular file or none yet: replaced atomically through a temporary file beside it.
        case replace(String)
        /// A FIFO, a character or block device: opened for writing as it is.
        case direct(String)
        /// The process's own open descriptor (`/dev/stdout`, `/dev/fd/N`).
        case descriptor(Int32)
    }

    /// Follows symbolic links from `path` and says how to write what it ends at.
    public static func destination(of path: String) throws -> Destination {
        guard !path.isEmpty else { throw FileError("\(path): not a file name") }
        var p = path
        for _ in 0..<40 {
            if let n = ownDescriptor(p) { return .descriptor(n) }
            var st = stat()
            if lstat(p, &st) != 0 {
                let e = errno
                if e == ENOENT { return .replace(p) }
                throw FileError("\(path): \(errorText(e))")
            }
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                return .replace(p)
            case S_IFDIR:
                throw FileError("\(path): is a directory")
            case S_IFLNK:
                guard let link = readLink(p) else { throw FileError("\(path): cannot read the link: \(errorText(errno))") }
                if !link.hasPrefix("/") {
                    // procfs links to pipes and sockets read `pipe:[123]`: no path to follow; open the link.
                    if p.hasPrefix("/proc/") { return .direct(p) }
                    p = directory(of: p) + link
                } else {
                    p = link
                }
            default:
                return .direct(p)
            }
        }
        throw FileError("\(path): \(errorText(ELOOP))")
    }

    /// N for `/dev/fd/N`, `/proc/self/fd/N`, `/proc/thread-self/fd/N` and `/proc/PID/fd/N` of this process.
    static func ownDescriptor(_ p: String) -> Int32? {
        let parts = p.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.first == "", let last = parts.last, let n = Int32(last), n >= 0 else { return nil }
        if parts.count == 4, parts[1] == "dev", parts[2] == "fd" { return n }
        if parts.count == 5, parts[1] == "proc", parts[3] == "fd",
           parts[2] == "self" || parts[2] == "thread-self" || parts[2] == Substring(String(getpid())) {
            return n
        }
        return nil
    }

    /// `path`'s folder with its trailing slash ("" for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    static func readLink(_ p: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = buffer.withUnsafeMutableBufferPointer { b -> Int in
            guard let base = b.baseAddress else { return -1 }
            return readlink(p, base, b.count - 1)
        }
        guard n >= 0 else { return nil }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Opens the output: a temporary file `.NAME.strata-XXXXXX` beside the (link-resolved) target, or the
    /// target itself when it is not a regular file.
    public init(path: String) throws {
        self.path = path
        switch try Self.destination(of: path) {
        case .descriptor(let n):
            let fd = fcntl(n, F_DUPFD_CLOEXEC, 0)
            guard fd >= 0 else { throw FileError("\(path): cannot write: \(errorText(errno))") }
            target = path
            descriptor = fd
            temporaryPath = nil
        case .direct(let p):
            var fd: Int32
            repeat { fd = open(p, O_WRONLY | O_NOCTTY | O_CLOEXEC) } while fd < 0 && errno == EINTR
            guard fd >= 0 else { throw FileError("\(path): cannot open for writing: \(errorText(errno))") }
            target = p
            descriptor = fd
            temporaryPath = nil
        case .replace(let p):
            target = p
            let folder = Self.directory(of: p)
            let name = String(p.dropFirst(folder.count))
            guard !name.isEmpty else { throw FileError("\(path): not a file name") }
            var template = Array((folder + "." + name + ".strata-XXXXXX").utf8CString)
            var registered: Int?
            // Signals wait while the file is created and registered: one arriving between the two would end
            // the process with the file on disk and nobody knowing its name.
            var all = sigset_t()
            var saved = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, &saved)
            defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
            let fd = template.withUnsafeMutableBufferPointer { b -> Int32 in
                guard let base = b.baseAddress else { return -1 }
                let fd = mkstemp(base)
                // Registered at once, so a signal from here on removes it.
                if fd >= 0 {
                    registered = TemporaryFiles.register(base)
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                }
                return fd
            }
            slot = registered
            guard fd >= 0 else {
                throw FileError("\(path): cannot create a temporary file beside \(p == path ? "it" : p): \(errorText(errno))")
            }
            descriptor = fd
            temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // The finished file gets the old file's permissions, or the usual 0666 less the umask.
            var st = stat()
            if stat(p, &st) == 0 {
                fchmod(fd, st.st_mode & 0o7777)
            } else {
                let mask = umask(0)
                umask(mask)
                fchmod(fd, 0o666 & ~mask)
            }
        }
    }

    /// Flushes to disk and renames over the target (a direct target is only closed).
    public func commit() throws {
        guard !done else { return }
        done = true
        guard let temporaryPath else {
            if close(descriptor) != 0 && errno != EINTR { throw FileError("\(path): cannot write: \(errorText(errno))") }
            return
        }
        defer { TemporaryFiles.unregister(slot) }
        if fsync(descriptor) != 0 && errno != EINVAL {
            let e = errno
            close(descriptor)
            unlink(temporaryPath)
            throw FileError("\(path): cannot write: \(errorText(e))")
        }
        close(descriptor)
        guard rename(temporaryPath, target) == 0 else {
            let e = errno
            unlink(temporaryPath)
            throw FileError("\(path): cannot replace: \(errorText(e))")
        }
    }

    /// Removes the temporary file; the target is untouched (a direct target keeps what was written).
    public func discard() {
        guard !done else { return }
        done = true
        close(descriptor)
        if let temporaryPath {
            unlink(temporaryPath)
            TemporaryFiles.unregister(slot)
        }
    }

    deinit { discard() }
}

/// The temporary files a signal handler must remove before the process dies: a few slots holding C strings,
/// read with atomic loads and removed with unlink(2), both async-signal-safe. A registered string is never
/// freed (a handler on another thread may be reading it); one small string per `--output` run.
public enum TemporaryFiles {
    static let slot0 = Atomic<UnsafeMutablePointer<CChar>?>(nil)
    static let slot1 = Atomic<UnsafeMutablePointer<CChar>?>(nil)
    static let slot2 = Atomic<UnsafeMutablePointer<CChar>?>(nil)
    static let slot3 = Atomic<UnsafeMutablePointer<CChar>?>(nil)
    static let count = 4

    @inline(__always)
    static func slot<R>(_ i: Int, _ body: (borrowing Atomic<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        switch i {
        case 0: return body(slot0)
        case 1: return body(slot1)
        case 2: return body(slot2)
        default: return body(slot3)
        }
    }

    /// Copies `path` and records it in a free slot; the slot's number, or nil when all are taken (the file is
    /// then only removed by the normal paths).
    static func register(_ path: UnsafePointer<CChar>) -> Int? {
        guard let copy = strdup(path) else { return nil }
        for i in 0..<count {
            let (stored, _) = slot(i) { $0.compareExchange(expected: nil, desired: copy, ordering: .acquiringAndReleasing) }
            if stored { return i }
        }
        free(copy)
        return nil
    }

    static func unregister(_ i: Int?) {
        guard let i else { return }
        if let p = slot(i, { $0.exchange(nil, ordering: .acquiringAndReleasing) }) { retire(p) }
    }

    /// Strings taken out of the slots stay allocated (a handler may still be reading one) and reachable, so
    /// LeakSanitizer does not count them: one small string per `--output` run.
    nonisolated(unsafe) static var retired: [UnsafeMutablePointer<CChar>] = []
    static let retiredLock = Mutex<Void>(())

    static func retire(_ p: UnsafeMutablePointer<CChar>) {
        retiredLock.withLock { _ in retired.append(p) }
    }

    /// The registered paths (tests).
    static var paths: [String] {
        (0..<count).compactMap { i in slot(i) { $0.load(ordering: .acquiring) }.map { String(cString: $0) } }
    }

    /// Unlinks every registered temporary file. Async-signal-safe.
    public static func removeAll() {
        for i in 0..<count {
            if let p = slot(i, { $0.exchange(nil, ordering: .acquiringAndReleasing) }) { unlink(p) }
        }
    }

    /// The same outside a signal handler (tests, normal exits): the strings are retired, not lost.
    static func removeAllAndRetire() {
        for i in 0..<count {
            if let p = slot(i, { $0.exchange(nil, ordering: .acquiringAndReleasing) }) {
                unlink(p)
                retire(p)
            }
        }
    }
}

public func errorText(_ code: Int32) -> String {
    strerror(code).map { String(cString: $0) } ?? "error \(code)"
}

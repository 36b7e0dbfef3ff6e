// Where file readers may read, and the one way every reader opens a file.
//
// Why one opener: a path from SQL can name anything — a FIFO whose open() blocks forever, a device, a
// directory, a file outside the directories a server operator allowed. `FileAccess.open` opens without
// blocking, checks the allow-list against the file the descriptor really refers to (after symlinks, so a
// link cannot lead out), and says what kind of file it is, so a pipe is read as a stream and a directory is a
// clear error. The allow-list is set when the extension loads (from STRATA_ALLOWED_DIRS) and can only be
// narrowed afterwards, never from SQL.
import Glibc

public enum FileAccess {
    /// What was opened.
    public enum Kind: Equatable { case regular, stream }

    public struct Opened {
        public var descriptor: Int32
        public var kind: Kind
        public var info: stat
    }

    nonisolated(unsafe) private static var roots: [[UInt8]]?
    private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()

    /// The allowed directories (resolved), or nil when every path may be read.
    public static var allowedDirectories: [String]? {
        pthread_mutex_lock(lock); defer { pthread_mutex_unlock(lock) }
        return roots.map { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Confines every later open to files under `directories` (each resolved with realpath; one that does not
    /// exist allows nothing). A second call narrows: only directories allowed by both remain.
    public static func restrict(to directories: [String]) {
        var resolved: [[UInt8]] = []
        for d in directories where !d.isEmpty {
            guard let r = realpath(d, nil) else { continue }
            var bytes = Array(String(cString: r).utf8)
            free(r)
            if bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
            resolved.append(bytes)
        }
        pthread_mutex_lock(lock); defer { pthread_mutex_unlock(lock) }
        if let old = roots {
            roots = resolved.filter { r in old.contains { r.starts(with: $0) } }
        } else {
            roots = resolved
        }
    }

    /// `STRATA_ALLOWED_DIRS` (colon-separated) when set: called by the extension's init.
    public static func restrictFromEnvironment() {
        guard let v = getenv("STRATA_ALLOWED_DIRS") else { return }
        restrict(to: String(cString: v).split(separator: ":").map(String.init))
    }

    /// Whether the file behind `descriptor` lies under an allowed directory.
    static func isAllowed(descriptor: Int32) -> Bool {
        pthread_mutex_lock(lock)
        let allowed = roots
        pthread_mutex_unlock(lock)
        guard let allowed else { return true }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/fd/\(descriptor)", &buf, buf.count - 1)
        guard n > 0 else { return false }
        let target = buf[0..<n].map { UInt8(bitPattern: $0) }
        return allowed.contains { target.starts(with: $0) }
    }

    /// Whether `path` (resolved with realpath) lies under an allowed directory. Glob expansion uses it so
    /// that names outside the allowed directories are never reported, not even as refusals.
    public static func isAllowed(path: String) -> Bool {
        pthread_mutex_lock(lock)
        let allowed = roots
        pthread_mutex_unlock(lock)
        guard let allowed else { return true }
        guard let r = realpath(path, nil) else { return false }
        let target = Array(String(cString: r).utf8)
        free(r)
        return allowed.contains { target.starts(with: $0) }
    }

    /// Whether `path` is a pipe, FIFO or character device (after symlinks): tables that read their files twice
    /// (columns first, rows later) refuse one, since its bytes can be read only once. A missing path is not a
    /// stream (opening it reports what is wrong).
    public static func isStream(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        let kind = st.st_mode & S_IFMT
        return kind == S_IFIFO || kind == S_IFCHR
    }

    /// Opens `path` for reading without blocking (a FIFO with no writer yet does not hang the host).
    /// Regular files come back in blocking mode; pipes, FIFOs and character devices as `.stream`, still
    /// non-blocking (read them with `readStream`). Directories and sockets are errors naming the path.
    public static func open(_ path: String) throws(FileError) -> Opened {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw .system("open", path) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = FileError.system("stat", path)
            Glibc.close(fd)
            throw e
        }
        guard isAllowed(descriptor: fd) else {
            Glibc.close(fd)
            throw FileError("cannot read '\(path)': outside the directories this extension may read (STRATA_ALLOWED_DIRS)")
        }
        let kind: Kind
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            kind = .regular
            let flags = fcntl(fd, F_GETFL)
            if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        case S_IFIFO, S_IFCHR:
            kind = .stream
        case S_IFDIR:
            Glibc.close(fd)
            throw FileError("cannot read '\(path)': is a directory")
        default:
            Glibc.close(fd)
            throw FileError("cannot read '\(path)': not a regular file, pipe or device")
        }
        return Opened(descriptor: fd, kind: kind, info: st)
    }

    /// Reads from a non-blocking stream descriptor, waiting in short polls so that an interrupted statement
    /// stops within a fraction of a second even when the writer is silent. 0 at the end of the stream.
    /// Polls before reading: a FIFO that no writer has opened yet reads as end-of-file, but polls as "nothing
    /// yet", so the reader waits for its writer (interruptibly) instead of seeing an empty file.
    public static func readStream(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int,
                                  path: String) throws(FileError) -> Int {
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, 100)
            if ready < 0, errno != EINTR { throw .system("poll", path) }
            if ready <= 0 {
                if Interruption.isRequested() { throw FileError(Interruption.message) }
                continue
            }
            let n = Glibc.read(fd, base, count)
            if n >= 0 { return n }
            let e = errno
            guard e == EINTR || e == EAGAIN || e == EWOULDBLOCK else { throw .system("read", path, errno: e) }
            if Interruption.isRequested() { throw FileError(Interruption.message) }
        }
    }
}

// The cron guarantees on plain files and clocks: where `--output` writes (links followed, FIFOs and devices
// written directly, directories refused), the temporary files a signal handler removes, and the watchdog's
// decisions for a statement that does not stop.
import Glibc
import Testing
@testable import StrataCLIKit

/// A fresh folder under /tmp, removed (with what the test left in it) at the end.
private final class Folder {
    let path: String
    init() throws {
        var template = Array("/tmp/strata-batch-tests.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { b in b.baseAddress.flatMap { mkdtemp($0) } }
        guard made != nil else { throw FileError("mkdtemp: \(errorText(errno))") }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func write(_ name: String, _ text: String) {
        let fd = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func read(_ name: String) -> String? {
        let fd = open(path + "/" + name, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return n < 0 ? nil : String(decoding: bytes.prefix(n), as: UTF8.self)
    }

    func names() -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out.sorted()
    }

    func isLink(_ name: String) -> Bool {
        var st = stat()
        return lstat(path + "/" + name, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK
    }

    deinit {
        for name in names() { unlink(path + "/" + name); rmdir(path + "/" + name) }
        rmdir(path)
    }
}

@Suite(.serialized) struct BatchTests {
    @Test func destinationFollowsLinksToTheFileTheyNameFor() throws {
        let f = try Folder()
        f.write("real.txt", "OLD\n")
        #expect(symlink("real.txt", f.path + "/link") == 0)
        #expect(symlink(f.path + "/link", f.path + "/hop") == 0)  // absolute, to a link
        #expect(symlink("missing.txt", f.path + "/dangling") == 0)
        #expect(try AtomicFile.destination(of: f.path + "/real.txt") == .replace(f.path + "/real.txt"))
        #expect(try AtomicFile.destination(of: f.path + "/link") == .replace(f.path + "/real.txt"))
        #expect(try AtomicFile.destination(of: f.path + "/hop") == .replace(f.path + "/real.txt"))
        #expect(try AtomicFile.destination(of: f.path + "/dangling") == .replace(f.path + "/missing.txt"))
        #expect(try AtomicFile.destination(of: f.path + "/new.txt") == .replace(f.path + "/new.txt"))
    }

    @Test func destinationWritesDevicesAndFIFOsDirectly() throws {
        let f = try Folder()
        #expect(mkfifo(f.path + "/fifo", 0o600) == 0)
        #expect(try AtomicFile.destination(of: f.path + "/fifo") == .direct(f.path + "/fifo"))
        #expect(try AtomicFile.destination(of: "/dev/null") == .direct("/dev/null"))
        #expect(symlink("/dev/null", f.path + "/null") == 0)
        #expect(try AtomicFile.destination(of: f.path + "/null") == .direct("/dev/null"))
        // The process's own descriptors, whatever they are open on.
        #expect(try AtomicFile.destination(of: "/dev/stdout") == .descriptor(1))
        #expect(try AtomicFile.destination(of: "/dev/stderr") == .descriptor(2))
        #expect(try AtomicFile.destination(of: "/dev/fd/7") == .descriptor(7))
        #expect(try AtomicFile.destination(of: "/proc/self/fd/3") == .descriptor(3))
        #expect(try AtomicFile.destination(of: "/proc/\(getpid())/fd/4") == .descriptor(4))
    }

    @Test func destinationRefusesDirectoriesAndLoops() throws {
        let f = try Folder()
        #expect(mkdir(f.path + "/dir", 0o755) == 0)
        #expect(symlink("dir", f.path + "/to-dir") == 0)
        #expect(symlink("loop-b", f.path + "/loop-a") == 0)
        #expect(symlink("loop-a", f.path + "/loop-b") == 0)
        #expect(throws: FileError("\(f.path)/dir: is a directory")) { try AtomicFile.destination(of: f.path + "/dir") }
        #expect(throws: FileError("\(f.path)/to-dir: is a directory")) { try AtomicFile.destination(of: f.path + "/to-dir") }
        #expect(throws: FileError("\(f.path)/loop-a: \(errorText(ELOOP))")) { try AtomicFile.destination(of: f.path + "/loop-a") }
        #expect(throws: FileError("\(f.path)/dir/: is a directory")) { try AtomicFile.destination(of: f.path + "/dir/") }
        #expect(throws: (any Error).self) { try AtomicFile(path: f.path + "/dir") }
        rmdir(f.path + "/dir")
    }

    @Test func commitThroughALinkReplacesItsTargetAndKeepsTheLink() throws {
        let f = try Folder()
        #expect(mkdir(f.path + "/real", 0o755) == 0)
        f.write("real/report.txt", "OLD\n")
        #expect(symlink("real/report.txt", f.path + "/report.txt") == 0)
        let file = try AtomicFile(path: f.path + "/report.txt")
        #expect(file.target == f.path + "/real/report.txt")
        #expect(file.temporaryPath?.hasPrefix(f.path + "/real/.report.txt.strata-") == true)
        let out = TextOutput(.descriptor(file.descriptor))
        out.write("new\n")
        out.flush()
        try file.commit()
        #expect(f.isLink("report.txt"))
        #expect(f.read("report.txt") == "new\n")
        #expect(f.read("real/report.txt") == "new\n")
        #expect(f.names() == ["real", "report.txt"])
        unlink(f.path + "/real/report.txt")
        rmdir(f.path + "/real")
    }

    @Test func aFIFOIsWrittenAsItIs() throws {
        let f = try Folder()
        #expect(mkfifo(f.path + "/fifo", 0o600) == 0)
        // A reader first, so opening for writing does not wait.
        let reader = open(f.path + "/fifo", O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let file = try AtomicFile(path: f.path + "/fifo")
        #expect(file.isDirect)
        #expect(TemporaryFiles.paths.isEmpty)
        let out = TextOutput(.descriptor(file.descriptor))
        out.write("through\n")
        out.flush()
        try file.commit()
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(reader, $0.baseAddress, $0.count) }
        #expect(n == 8)
        #expect(String(decoding: bytes.prefix(max(0, n)), as: UTF8.self) == "through\n")
        var st = stat()
        #expect(lstat(f.path + "/fifo", &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
        #expect(f.names() == ["fifo"])
    }

    @Test func temporaryFilesAreRegisteredUntilCommittedOrRemoved() throws {
        let f = try Folder()
        let a = try AtomicFile(path: f.path + "/a.txt")
        let b = try AtomicFile(path: f.path + "/b.txt")
        let temps = [a.temporaryPath, b.temporaryPath].compactMap { $0 }
        #expect(temps.count == 2)
        #expect(Set(TemporaryFiles.paths) == Set(temps))
        try a.commit()
        #expect(TemporaryFiles.paths == temps.filter { $0 != a.temporaryPath })
        // What a signal handler does: every registered temporary file is gone.
        TemporaryFiles.removeAllAndRetire()
        #expect(TemporaryFiles.paths.isEmpty)
        #expect(f.names() == ["a.txt"])
        b.discard()
    }

    // MARK: the watchdog's decisions

    @Test func timeoutInterruptsAtTheDeadlineAndEndsTheProcessAfterTheGrace() {
        var p = StopPolicy(deadline: 100, grace: 5)
        #expect(p.step(now: 40, signal: nil) == .wait(60))
        #expect(p.step(now: 100, signal: nil) == .interrupt)
        #expect(p.status == .timedOut)
        #expect(p.step(now: 100, signal: nil) == .wait(5))
        #expect(p.step(now: 103, signal: nil) == .wait(2))
        #expect(p.step(now: 105, signal: nil) == .exit(.timedOut))
    }

    @Test func aSignalGivesTheStatementTheGraceToo() {
        var p = StopPolicy(deadline: nil, grace: 5)
        #expect(p.step(now: 1, signal: nil) == .wait(nil))
        #expect(p.step(now: 2, signal: SIGTERM) == .wait(5))
        #expect(p.step(now: 6.5, signal: SIGTERM) == .wait(0.5))
        #expect(p.step(now: 7, signal: SIGTERM) == .exit(.terminated))
        var q = StopPolicy(deadline: 100, grace: 5)
        #expect(q.step(now: 10, signal: SIGINT) == .wait(5))
        #expect(q.step(now: 15, signal: SIGINT) == .exit(.interrupted))
    }

    @Test func theFirstStopDecidesTheStatus() {
        // SIGTERM after the deadline: still the timeout's grace and status.
        var p = StopPolicy(deadline: 10, grace: 5)
        #expect(p.step(now: 10, signal: nil) == .interrupt)
        #expect(p.step(now: 12, signal: SIGTERM) == .wait(3))
        #expect(p.step(now: 15, signal: SIGTERM) == .exit(.timedOut))
        // A signal before the deadline: the deadline still interrupts, the signal's grace runs on.
        var q = StopPolicy(deadline: 10, grace: 5)
        #expect(q.step(now: 8, signal: SIGTERM) == .wait(2))
        #expect(q.step(now: 10, signal: SIGTERM) == .interrupt)
        #expect(q.step(now: 10, signal: SIGTERM) == .wait(3))
        #expect(q.step(now: 13, signal: SIGTERM) == .exit(.terminated))
    }
}

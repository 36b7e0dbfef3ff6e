// The few Glibc calls the shell logic makes, named so they do not clash with the shell's own methods
// (`read`, `close`).
import Glibc

enum SystemCalls {
    static func read(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { Glibc.read(fd, p, n) }
    static func close(_ fd: Int32) -> Int32 { Glibc.close(fd) }
    static var lastError: Int32 { errno }
    static let EINTR_ = EINTR
}

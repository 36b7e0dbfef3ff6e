// libFuzzer target: glob patterns (Sources/StrataCommon/Glob.swift) and the wildcard matcher on their own.
// The input's first line is a pattern expanded inside a small fixed tree (".." components removed so the walk
// stays there); the rest are names matched against it. Expansion must end in paths or a FileError — never
// a crash, a hang, or a path outside the tree; the matcher must agree with itself on a literal pattern.
import Glibc

private let root: String = {
    let dir = "/tmp/strata-fuzz-glob-\(getpid())"
    for d in ["", "/a", "/a/b", "/a/b/c", "/.h", "/x y", "/[d]", "/é"] { mkdir(dir + d, 0o755) }
    for f in ["/a/1.log", "/a/2.log", "/a/b/3.txt", "/a/b/c/.4", "/x y/5*", "/[d]/6?", "/é/7", "/8"] {
        if let fp = fopen(dir + f, "w") { fclose(fp) }
    }
    mkfifo(dir + "/a/fifo.log", 0o644)
    return dir
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGlob(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let all = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = all.split(separator: 0x0A, omittingEmptySubsequences: false)
    guard let first = lines.first else { return 0 }
    let components = first.split(separator: UInt8(ascii: "/")).filter { !$0.elementsEqual([0x2E, 0x2E]) }
    let pattern = root + "/" + components.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    if let paths = try? Glob.expand(pattern) {
        for p in paths {
            precondition(p.hasPrefix(root), "\(p) outside the tree for \(pattern)")
        }
        precondition(paths == paths.sorted(), "not in name order")
    }
    let patternBytes = Array(first)
    for name in lines.dropFirst() {
        _ = WildcardMatcher.matches(patternBytes, Array(name))
        // A name without wildcard characters matches itself exactly (unless it starts with '.', which
        // a literal '.' still matches).
        let n = Array(name)
        if !n.contains(where: { $0 == 0x2A || $0 == 0x3F || $0 == 0x5B || $0 == 0x5C }) {
            precondition(WildcardMatcher.matches(n, n), "literal \(n) does not match itself")
        }
    }
    return 0
}

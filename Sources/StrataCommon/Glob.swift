// File names from a path or a glob (`logs/*.log`, `app.log*`), resolved against the process's current
// directory as sqlite3 does, sorted by name. A pattern matching nothing is an error naming it.
import Glibc

public enum Glob {
    /// The most files one pattern may expand to (a guard against `/**`-style accidents).
    public static let maxFiles = 10_000

    public static func hasMagic(_ pattern: String) -> Bool {
        pattern.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// The matching paths in name order. A plain path is returned as is (opening it reports if it is missing).
    public static func expand(_ pattern: String) throws(FileError) -> [String] {
        guard !pattern.isEmpty else { throw FileError("empty path") }
        guard hasMagic(pattern) else { return [pattern] }
        var g = glob_t()
        defer { globfree(&g) }
        let rc = Glibc.glob(pattern, 0, nil, &g)
        if rc == GLOB_NOMATCH { throw FileError("no files match '\(pattern)'") }
        guard rc == 0 else { throw FileError("cannot expand '\(pattern)' (glob error \(rc))") }
        let n = Int(g.gl_pathc)
        guard n <= maxFiles else { throw FileError("'\(pattern)' matches \(n) files (limit \(maxFiles))") }
        var out: [String] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out.sorted()
    }
}

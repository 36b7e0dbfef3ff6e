// File names from a path or a glob (`logs/*.log`, `app.log*`, `/var/log/*/cron*`), resolved against the
// process's current directory as sqlite3 does, sorted by name. A pattern matching nothing is an error naming it.
// Braces give alternatives (`{/etc/crontab,/etc/cron.d/*}`, `/var/log/{syslog,auth.log}*`), expanded first as
// the shell does (nested, `\{` literal, no `{1..3}` ranges); the alternatives' matches are merged, an
// alternative that matches nothing is skipped, and only a pattern whose alternatives all match nothing is an error.
//
// Why not glibc's glob(): it recurses once per path component (a 3,000-component pattern overflows the
// stack of the host process), its fnmatch is exponential on `*a*a*a…`, and it expands every match before
// anyone can count them (`/*/*/*/*/*/*/*/*` listed 48 M paths before the file limit was checked). This walk is
// iterative, matches names with a linear-time wildcard matcher, applies its limits while walking, and stops
// when the statement is interrupted.
import Glibc

public enum Glob {
    /// The most files one pattern may expand to (a guard against `/*/*`-style accidents).
    public static let maxFiles = 10_000
    /// The longest pattern accepted (PATH_MAX).
    public static let maxPatternLength = 4096
    /// The most path components a pattern may have.
    public static let maxComponents = 128
    /// The most directory entries one expansion may look at.
    public static let maxEntriesVisited = 1_000_000

    public static func hasMagic(_ pattern: String) -> Bool {
        pattern.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    /// The matching paths in name order. A plain path is returned as is (opening it reports if it is missing,
    /// and a pipe named this way is read as a stream). Matches that are not regular files (directories, FIFOs,
    /// devices, sockets) are skipped: a glob only ever yields files that can be read to their end.
    public static func expand(_ pattern: String) throws(FileError) -> [String] {
        guard !pattern.isEmpty else { throw FileError("empty path") }
        let bytes = Array(pattern.utf8)
        guard bytes.count <= maxPatternLength else {
            throw FileError("path or pattern is \(bytes.count) bytes long (limit \(maxPatternLength))")
        }
        guard !bytes.contains(0) else { throw FileError("path contains a NUL byte") }
        let alternatives = try braceAlternatives(bytes)
        guard alternatives.count > 1 || alternatives.first != bytes else {
            return try expandOne(pattern)
        }
        // Each alternative on its own; the union in name order. Missing plain paths and empty globs are skipped.
        var all = Set<String>()
        for alt in alternatives {
            let p = String(decoding: alt, as: UTF8.self)
            if !hasMagic(p) {
                if statMode(alt) != nil, statMode(alt) != S_IFDIR, FileAccess.isAllowed(path: p) { all.insert(p) }
                continue
            }
            do {
                for m in try expandOne(p) { all.insert(m) }
            } catch let e where e.message.hasPrefix("no files match") {
                continue
            }
            try checkCount(all.count, pattern)
        }
        guard !all.isEmpty else { throw FileError("no files match '\(short(pattern))'") }
        return all.sorted()
    }

    /// The most patterns one brace expansion may produce.
    public static let maxAlternatives = 1024

    /// The patterns a pattern's braces stand for, in the shell's order (`a{b,c}d` → `abd`, `acd`); the pattern
    /// itself when it has no brace with a comma at its top level.
    public static func braceAlternatives(_ pattern: [UInt8]) throws(FileError) -> [[UInt8]] {
        var done: [[UInt8]] = []
        var work: [[UInt8]] = [pattern]
        while let p = work.popLast() {
            try checkInterrupted()
            guard let (open, close, commas) = firstBraceGroup(p) else {
                done.append(p)
                continue
            }
            let head = Array(p[..<open]), tail = Array(p[(close + 1)...])
            var bounds = [open] + commas + [close]
            // Alternatives pushed in reverse so they come off the stack in the shell's order.
            var parts: [[UInt8]] = []
            for k in 0..<(bounds.count - 1) { parts.append(head + p[(bounds[k] + 1)..<bounds[k + 1]] + tail) }
            bounds.removeAll()
            work.append(contentsOf: parts.reversed())
            guard done.count + work.count <= maxAlternatives else {
                throw FileError("braces in '\(short(String(decoding: pattern, as: UTF8.self)))' give more than \(maxAlternatives) patterns (limit \(maxAlternatives))")
            }
        }
        return done
    }

    /// The first `{...}` with a comma at its own level: positions of `{`, `}` and the commas. Backslash escapes.
    static func firstBraceGroup(_ p: [UInt8]) -> (Int, Int, [Int])? {
        var i = 0
        while i < p.count {
            let c = p[i]
            if c == UInt8(ascii: "\\") { i += 2; continue }
            if c == UInt8(ascii: "{") {
                var depth = 0, k = i, commas: [Int] = []
                while k < p.count {
                    let d = p[k]
                    if d == UInt8(ascii: "\\") { k += 2; continue }
                    if d == UInt8(ascii: "{") { depth += 1 }
                    else if d == UInt8(ascii: "}") {
                        depth -= 1
                        if depth == 0 { break }
                    } else if d == UInt8(ascii: ","), depth == 1 { commas.append(k) }
                    k += 1
                }
                if k < p.count, !commas.isEmpty { return (i, k, commas) }
                // Unclosed, or no comma: literal `{`; look for a group after it.
            }
            i += 1
        }
        return nil
    }

    static func expandOne(_ pattern: String) throws(FileError) -> [String] {
        let bytes = Array(pattern.utf8)
        guard hasMagic(pattern) else { return [pattern] }

        let components = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map(Array.init)
        guard components.count <= maxComponents else {
            throw FileError("pattern '\(short(pattern))' has \(components.count) path components (limit \(maxComponents))")
        }
        let absolute = bytes.first == UInt8(ascii: "/")

        // Depth-first, one explicit stack; each item is a directory prefix (as typed) and the next component.
        struct Item { var prefix: [UInt8]; var index: Int }
        var stack = [Item(prefix: absolute ? [UInt8(ascii: "/")] : [], index: 0)]
        var matches: [String] = []
        var visited = 0
        while let item = stack.popLast() {
            try checkInterrupted()
            let comp = components[item.index]
            let last = item.index == components.count - 1
            if !componentHasMagic(comp) {
                // A literal component: no listing, just extend the prefix (existence is checked at the end).
                let path = join(item.prefix, comp)
                if last {
                    if isRegularFile(path) { matches.append(String(decoding: path, as: UTF8.self)) }
                } else if isDirectory(path) {
                    stack.append(Item(prefix: path, index: item.index + 1))
                }
                try checkCount(matches.count, pattern)
                continue
            }
            let dirPath = item.prefix.isEmpty ? [UInt8(ascii: ".")] : item.prefix
            guard let dir = withCPath(dirPath, { opendir($0) }) ?? nil else { continue }
            defer { closedir(dir) }
            var found: [[UInt8]] = []
            while let entry = readdir(dir) {
                visited += 1
                if visited & 255 == 0 { try checkInterrupted() }
                guard visited <= maxEntriesVisited else {
                    throw FileError("pattern '\(short(pattern))' looked at \(maxEntriesVisited) directory entries without finishing (narrow it)")
                }
                let name = DirectoryEntry.nameBytes(entry)
                if name == [0x2E] || name == [0x2E, 0x2E] { continue }
                guard WildcardMatcher.matches(comp, name) else { continue }
                found.append(name)
            }
            // Children are pushed in reverse name order so the walk (and the output) goes in name order.
            found.sort { $0.lexicographicallyPrecedes($1) }
            if last {
                for name in found {
                    let path = join(item.prefix, name)
                    if isRegularFile(path) {
                        matches.append(String(decoding: path, as: UTF8.self))
                        try checkCount(matches.count, pattern)
                    }
                }
            } else {
                for name in found.reversed() {
                    let path = join(item.prefix, name)
                    if isDirectory(path) { stack.append(Item(prefix: path, index: item.index + 1)) }
                }
            }
        }
        // With STRATA_ALLOWED_DIRS set, matches outside it do not exist for the caller.
        if FileAccess.allowedDirectories != nil { matches = matches.filter { FileAccess.isAllowed(path: $0) } }
        guard !matches.isEmpty else { throw FileError("no files match '\(short(pattern))'") }
        return matches.sorted()
    }

    static func checkCount(_ n: Int, _ pattern: String) throws(FileError) {
        guard n <= maxFiles else { throw FileError("'\(short(pattern))' matches more than \(maxFiles) files (limit \(maxFiles))") }
    }

    static func checkInterrupted() throws(FileError) {
        if Interruption.isRequested() { throw FileError(Interruption.message) }
    }

    /// Long patterns are cut in messages (the error should not be bigger than the pattern's mistake).
    static func short(_ s: String) -> String {
        s.utf8.count <= 200 ? s : String(decoding: s.utf8.prefix(200), as: UTF8.self) + "…"
    }

    static func componentHasMagic(_ c: [UInt8]) -> Bool {
        c.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    static func join(_ prefix: [UInt8], _ name: [UInt8]) -> [UInt8] {
        if prefix.isEmpty { return name }
        if prefix.last == UInt8(ascii: "/") { return prefix + name }
        return prefix + [UInt8(ascii: "/")] + name
    }

    static func statMode(_ path: [UInt8]) -> mode_t? {
        var st = stat()
        let rc = withCPath(path) { stat($0, &st) } ?? -1
        return rc == 0 ? st.st_mode & S_IFMT : nil
    }

    /// Calls `body` with `path` as a NUL-terminated C string (names are bytes, not necessarily UTF-8).
    static func withCPath<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R? {
        var c = path
        c.append(0)
        return c.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return nil }
            return base.withMemoryRebound(to: CChar.self, capacity: b.count) { body($0) }
        }
    }

    static func isRegularFile(_ path: [UInt8]) -> Bool { statMode(path) == S_IFREG }
    static func isDirectory(_ path: [UInt8]) -> Bool { statMode(path) == S_IFDIR }
}

/// Shell wildcard matching of one path component: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`/`[^x]`, `\x` (as glibc's
/// glob without GLOB_NOESCAPE). `?` and brackets match one character: names are compared as UTF-8 characters
/// (a byte that is not valid UTF-8 stands for itself). A leading `.` in a name is only matched by a literal
/// `.` (as the shell and glob() do). Linear-time per star: on a mismatch it backtracks only to the last `*`
/// (the classic two-pointer algorithm), so `*a*a*a*…` cannot blow up.
public enum WildcardMatcher {
    public static func matches(_ patternBytes: [UInt8], _ nameBytes: [UInt8]) -> Bool {
        let pattern = characters(patternBytes)
        let name = characters(nameBytes)
        if name.first == 0x2E, pattern.first != 0x2E { return false }
        var p = 0, n = 0
        var starP = -1, starN = 0
        while n < name.count {
            if p < pattern.count {
                if pattern[p] == 0x2A {
                    starP = p; starN = n; p += 1
                    continue
                }
                if let width = single(pattern, p, name[n]) {
                    p += width; n += 1
                    continue
                }
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starN += 1
            n = starN
        }
        while p < pattern.count, pattern[p] == 0x2A { p += 1 }
        return p == pattern.count
    }

    /// UTF-8 decoded to scalar values; an invalid byte b becomes 0x110000 + b (never equal to a real character).
    static func characters(_ bytes: [UInt8]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var len = 0
            var v: UInt32 = 0
            if b < 0x80 { len = 1; v = UInt32(b) }
            else if b & 0xE0 == 0xC0 { len = 2; v = UInt32(b & 0x1F) }
            else if b & 0xF0 == 0xE0 { len = 3; v = UInt32(b & 0x0F) }
            else if b & 0xF8 == 0xF0 { len = 4; v = UInt32(b & 0x07) }
            var ok = len > 0 && i + len <= bytes.count
            if ok, len > 1 {
                for k in 1..<len {
                    let c = bytes[i + k]
                    guard c & 0xC0 == 0x80 else { ok = false; break }
                    v = v << 6 | UInt32(c & 0x3F)
                }
            }
            if ok {
                out.append(v)
                i += len
            } else {
                out.append(0x110000 + UInt32(b))
                i += 1
            }
        }
        return out
    }

    /// If the pattern element at `p` matches character `c`, the element's width in the pattern; else nil.
    static func single(_ pattern: [UInt32], _ p: Int, _ c: UInt32) -> Int? {
        let e = pattern[p]
        switch e {
        case 0x3F:  // ?
            return 1
        case 0x5C:  // backslash
            guard p + 1 < pattern.count else { return c == e ? 1 : nil }
            return pattern[p + 1] == c ? 2 : nil
        case 0x5B:  // [
            guard let (matched, width) = bracket(pattern, p, c) else { return c == e ? 1 : nil }
            return matched ? width : nil
        default:
            return e == c ? 1 : nil
        }
    }

    /// A bracket expression at `p`: whether `c` is in it, and its width. Nil when the bracket is unclosed
    /// (then `[` is literal, as in glob()).
    static func bracket(_ pattern: [UInt32], _ p: Int, _ c: UInt32) -> (Bool, Int)? {
        var i = p + 1
        var negate = false
        if i < pattern.count, pattern[i] == 0x21 || pattern[i] == 0x5E { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < pattern.count {
            var lo = pattern[i]
            if lo == 0x5D, !first { return (matched != negate, i + 1 - p) }
            first = false
            if lo == 0x5C, i + 1 < pattern.count { i += 1; lo = pattern[i] }
            if i + 2 < pattern.count, pattern[i + 1] == 0x2D, pattern[i + 2] != 0x5D {
                var hi = pattern[i + 2]
                var skip = 3
                if hi == 0x5C, i + 3 < pattern.count { hi = pattern[i + 3]; skip = 4 }
                if lo <= c && c <= hi { matched = true }
                i += skip
            } else {
                if lo == c { matched = true }
                i += 1
            }
        }
        return nil
    }
}

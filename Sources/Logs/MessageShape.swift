// A log message's shape: the message with its variable parts replaced by `#`, so that messages written by
// one logging call group together in an error digest ("fetched 812 documents from doc_2980" and "fetched 9
// documents from doc_17" have one shape). Pure; exposed to SQL as log_shape(message).
//
// The rules are about what varies in any log, not about one data set (they are measured on loghub's 16
// labelled systems side by side with Drain3, Benchmarks/peers/log_shape.py):
// - a token holding a digit is a value: numbers, ids with digits (doc_2980, user-17, blk_-123), UUIDs in any
//   case, hex hashes and git SHAs, IPs and ports, versions, durations (12ms), timestamps, rank prefixes;
//   tokens are split at spaces and at = : , ; ( ) [ ] { } < > | — not at . - _ / which stay inside ids;
// - a file path (a token starting with `/`, `~/` or `./`, or with two or more `/`) is a value; a route after an
//   HTTP method keeps its segments without digits, so `GET /api/v1/users/17` and `GET /api/v1/orders/9` stay
//   apart while the ids fold;
// - a list of values (`# # #`, `#, #, #`) is one value, so a message listing 3 or 30 block ids has one shape;
// - `key=value`: the value is folded even without a digit (user=alice);
// - host names (a dotted name ending in a common top-level domain: suggestion.baidu.com, db.internal) and
//   addresses with `@` are values; so is the word after `user` (user names), and month and weekday names
//   next to a folded number (a date inside the message);
// - quoted text ('…' or "…") is folded whole, except a quoted HTTP request line ("GET /x HTTP/1.1"), whose
//   parts go through the rules above (the method and the route's fixed words are kept);
// - runs of whitespace become one space, so alignment padding does not split a shape.

public enum MessageShape {
    public static func of(_ message: String) -> String {
        var out: [UInt8] = []
        let b = Array(message.utf8)
        out.reserveCapacity(b.count)
        shape(b[...], into: &out, insideQuote: false)
        return String(decoding: out, as: UTF8.self)
    }

    static let httpMethods: [[UInt8]] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"]
        .map { Array($0.utf8) }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    /// Characters that end a token (and are kept as they are).
    @inline(__always) static func isDelimiter(_ c: UInt8) -> Bool {
        switch c {
        case 0x3D, 0x3A, 0x2C, 0x3B, 0x28, 0x29, 0x5B, 0x5D, 0x7B, 0x7D, 0x3C, 0x3E, 0x7C: return true  // = : , ; ( ) [ ] { } < > |
        default: return isSpace(c)
        }
    }

    static let topLevelDomains: Set<[UInt8]> = Set(["com", "net", "org", "edu", "gov", "io", "ai", "dev", "app", "cn",
        "uk", "de", "jp", "fr", "ru", "hk", "in", "br", "au", "ca", "nl", "us", "eu", "co", "me", "info", "biz",
        "local", "internal", "lan", "localdomain", "cloud"].map { Array($0.utf8) })
    static let calendarWords: Set<[UInt8]> = Set(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
        "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun"].map { Array($0.utf8) })
    static let userWords: Set<[UInt8]> = Set(["user", "username", "login"].map { Array($0.utf8) })

    static func lowercased(_ t: ArraySlice<UInt8>) -> [UInt8] { t.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }

    static func shape(_ b: ArraySlice<UInt8>, into out: inout [UInt8], insideQuote: Bool) {
        var i = b.startIndex
        var lastWasSpace = false
        var previousWord: [UInt8] = []
        while i < b.endIndex {
            let c = b[i]
            if isSpace(c) {
                if !lastWasSpace { out.append(0x20) }
                lastWasSpace = true
                i += 1
                continue
            }
            lastWasSpace = false
            // A quoted value: folded, unless it is an HTTP request line.
            if (c == 0x27 || c == 0x22), !insideQuote, let close = b[(i + 1)...].firstIndex(of: c) {
                let inner = b[(i + 1)..<close]
                out.append(c)
                if startsWithHTTPMethod(inner) {
                    shape(inner, into: &out, insideQuote: true)
                } else {
                    out.append(0x23)
                }
                out.append(c)
                i = close + 1
                continue
            }
            if isDelimiter(c) {
                out.append(c)
                i += 1
                // key=value: the value goes whatever it holds (up to the next delimiter or space).
                if c == 0x3D, i < b.endIndex, !isDelimiter(b[i]), b[i] != 0x27, b[i] != 0x22 {
                    var j = i
                    while j < b.endIndex, !isDelimiter(b[j]) { j += 1 }
                    out.append(0x23)
                    i = j
                }
                continue
            }
            var j = i
            // `:` between digits stays inside the token (12:00:01 is one value).
            while j < b.endIndex, !isDelimiter(b[j]) || (b[j] == 0x3A && j > i && isDigit(b[j - 1])
                                                         && j + 1 < b.endIndex && isDigit(b[j + 1])) { j += 1 }
            let t = b[i..<j]
            let lower = lowercased(t)
            if userWords.contains(previousWord), !userWords.contains(lower) {
                out.append(0x23)
            } else if calendarWords.contains(lower), nextToNumber(b, i, j) {
                out.append(0x23)
            } else {
                token(t, into: &out, isRoute: httpMethods.contains(previousWord.map { $0 & ~0x20 }))
            }
            collapseValueList(&out)
            previousWord = lower
            i = j
        }
    }

    /// Whether the word at i..<j has a number (a token starting with a digit) right before or after it, or
    /// another calendar word followed by one.
    static func nextToNumber(_ b: ArraySlice<UInt8>, _ i: Int, _ j: Int) -> Bool {
        var k = j
        while k < b.endIndex, isSpace(b[k]) { k += 1 }
        if k < b.endIndex, isDigit(b[k]) { return true }
        // Or another calendar word that is (Sun Jul 3).
        var e = k
        while e < b.endIndex, !isDelimiter(b[e]) { e += 1 }
        if e > k, e < b.endIndex || e == b.endIndex, calendarWords.contains(lowercased(b[k..<e])) {
            var n = e
            while n < b.endIndex, isSpace(b[n]) { n += 1 }
            if n < b.endIndex, isDigit(b[n]) { return true }
        }
        var p = i - 1
        while p >= b.startIndex, isSpace(b[p]) { p -= 1 }
        return p >= b.startIndex && isDigit(b[p])
    }

    static func startsWithHTTPMethod(_ s: ArraySlice<UInt8>) -> Bool {
        httpMethods.contains { m in
            s.count > m.count && s.starts(with: m) && s[s.startIndex + m.count] == 0x20
        }
    }

    /// One token: folded when it holds a digit; a path keeps its digit-free segments.
    static func token(_ t: ArraySlice<UInt8>, into out: inout [UInt8], isRoute: Bool) {
        if t.contains(0x40) || isHostName(t) { out.append(0x23); return }
        if !isRoute, isFilePath(t) { out.append(0x23); return }
        guard t.contains(where: isDigit) else { out.append(contentsOf: t); return }
        guard t.contains(0x2F) else { out.append(0x23); return }
        var first = true
        for segment in t.split(separator: 0x2F, omittingEmptySubsequences: false) {
            if !first { out.append(0x2F) }
            first = false
            if segment.contains(where: isDigit) { out.append(0x23) } else { out.append(contentsOf: segment) }
        }
    }

    static func isFilePath(_ t: ArraySlice<UInt8>) -> Bool {
        guard let f = t.first else { return false }
        if f == 0x2F || ((f == 0x7E || f == 0x2E) && t.dropFirst().first == 0x2F) { return true }
        return t.lazy.filter { $0 == 0x2F }.count >= 2
    }

    /// `# #` or `#, #` at the end of `out` becomes `#`.
    static func collapseValueList(_ out: inout [UInt8]) {
        guard out.last == 0x23 else { return }
        var k = out.count - 2
        while k >= 0, out[k] == 0x20 || out[k] == 0x2C { k -= 1 }
        guard k >= 0, k < out.count - 2, out[k] == 0x23, k == 0 || isDelimiter(out[k - 1]) || out[k - 1] == 0x20 else { return }
        out.removeLast(out.count - 1 - k)
    }

    /// `a.b.tld` with a common top-level domain (not `org.apache.Foo`: a Java class ends in its class name).
    static func isHostName(_ t: ArraySlice<UInt8>) -> Bool {
        guard let dot = t.lastIndex(of: 0x2E), dot > t.startIndex, t[t.startIndex..<dot].contains(where: { $0 != 0x2E }) else {
            return false
        }
        return topLevelDomains.contains(lowercased(t[(dot + 1)...]))
    }
}

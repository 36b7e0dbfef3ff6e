// A small SQL lexer, enough to cut a script into statements the way SQLite reads them: strings, quoted
// names, `--` and `/* */` comments, parameters, and CREATE TRIGGER bodies whose inner `;` do not end the
// statement. It finds where a statement ends after one fails to compile, tells the shell when a typed
// statement is complete, lists the `:name` parameters a report uses, and reads `-- # Heading` comments and
// `-- @chart none|bar|line` directives.

public enum SQLScanner {
    public enum Kind: Equatable { case word, parameter, string, identifier, semicolon, other }

    public struct Token: Equatable {
        public var kind: Kind
        public var start: Int
        public var end: Int
    }

    /// A `-- # Title` / `-- ## Section` comment line.
    public struct Heading: Equatable, Sendable {
        public var level: Int
        public var text: String
        public init(level: Int, text: String) { self.level = level; self.text = text }
    }

    /// How a report draws the results after a `-- @chart KIND` comment (until the next heading).
    public enum ChartChoice: String, Equatable, Sendable {
        /// A table only.
        case none
        /// Bars: horizontal per row, or columns over time when the first column is a time.
        case bar
        /// A line over time (or over the rows in order).
        case line
    }

    /// What the comments before a statement hold.
    public struct Trivia {
        public var end: Int
        public var headings: [Heading] = []
        /// The last `-- @chart` directive, if any.
        public var chart: ChartChoice?
        /// A `-- @chart` directive with an unknown kind, as written.
        public var badChart: String?
    }

    static func isIdentifierByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80 || c == 0x24
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C || c == 0x0B }

    /// The end of the whitespace and comments starting at `i`, and the heading comments among them.
    public static func skipTrivia(_ b: [UInt8], from i: Int) -> (end: Int, headings: [Heading]) {
        let t = scanTrivia(b, from: i)
        return (t.end, t.headings)
    }

    /// The whitespace and comments starting at `i`: where they end, their headings and chart directives.
    public static func scanTrivia(_ b: [UInt8], from i: Int) -> Trivia {
        var j = i
        var headings: [Heading] = []
        var chart: ChartChoice?
        var badChart: String?
        while j < b.count {
            let c = b[j]
            if isSpace(c) { j += 1; continue }
            if c == 0x2D, j + 1 < b.count, b[j + 1] == 0x2D {  // --
                var k = j + 2
                while k < b.count, b[k] != 0x0A { k += 1 }
                if let h = heading(b[(j + 2)..<k]) {
                    headings.append(h)
                } else if let word = directive("@chart", b[(j + 2)..<k]) {
                    if let c = ChartChoice(rawValue: word.lowercased()) { chart = c; badChart = nil } else { badChart = word }
                }
                j = k
                continue
            }
            if c == 0x2F, j + 1 < b.count, b[j + 1] == 0x2A {  // /*
                var k = j + 2
                while k + 1 < b.count, !(b[k] == 0x2A && b[k + 1] == 0x2F) { k += 1 }
                j = min(b.count, k + 2)
                continue
            }
            break
        }
        return Trivia(end: j, headings: headings, chart: chart, badChart: badChart)
    }

    /// The word after `-- @NAME` (the bytes after the `--`), or nil when the comment is not that directive.
    static func directive(_ name: String, _ comment: ArraySlice<UInt8>) -> String? {
        var text = Substring(String(decoding: comment, as: UTF8.self))
        while let f = text.first, f == " " || f == "\t" { text.removeFirst() }
        guard text.hasPrefix(name) else { return nil }
        text = text.dropFirst(name.count)
        guard let f = text.first, f == " " || f == "\t" else { return text.isEmpty ? "" : nil }
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).first.map(String.init) ?? ""
    }

    /// `# Title` after a `--` (the bytes following it): level = number of `#`.
    static func heading(_ comment: ArraySlice<UInt8>) -> Heading? {
        var k = comment.startIndex
        while k < comment.endIndex, comment[k] == 0x20 || comment[k] == 0x09 { k += 1 }
        var level = 0
        while k < comment.endIndex, comment[k] == 0x23 { level += 1; k += 1 }
        guard (1...6).contains(level), k < comment.endIndex, comment[k] == 0x20 || comment[k] == 0x09 else { return nil }
        var text = String(decoding: comment[k...], as: UTF8.self)
        while let f = text.first, f == " " || f == "\t" { text.removeFirst() }
        while let l = text.last, l == " " || l == "\t" || l == "\r" { text.removeLast() }
        return text.isEmpty ? nil : Heading(level: level, text: text)
    }

    /// The next token at or after `i` (trivia skipped), or nil at the end.
    public static func nextToken(_ b: [UInt8], from i: Int) -> Token? {
        let start = skipTrivia(b, from: i).end
        guard start < b.count else { return nil }
        let c = b[start]
        func closing(_ q: UInt8, doubled: Bool) -> Int {
            var k = start + 1
            while k < b.count {
                if b[k] == q {
                    if doubled, k + 1 < b.count, b[k + 1] == q { k += 2; continue }
                    return k + 1
                }
                k += 1
            }
            return b.count
        }
        switch c {
        case 0x27: return Token(kind: .string, start: start, end: closing(0x27, doubled: true))
        case 0x22, 0x60: return Token(kind: .identifier, start: start, end: closing(c, doubled: true))
        case 0x5B: return Token(kind: .identifier, start: start, end: closing(0x5D, doubled: false))
        case 0x3B: return Token(kind: .semicolon, start: start, end: start + 1)
        case 0x3A, 0x40, 0x24:  // : @ $
            var k = start + 1
            while k < b.count, isIdentifierByte(b[k]) { k += 1 }
            return Token(kind: k > start + 1 ? .parameter : .other, start: start, end: k)
        default:
            if isIdentifierByte(c) {
                var k = start + 1
                while k < b.count, isIdentifierByte(b[k]) { k += 1 }
                return Token(kind: .word, start: start, end: k)
            }
            // One UTF-8 scalar of punctuation.
            return Token(kind: .other, start: start, end: start + 1)
        }
    }

    static func word(_ b: [UInt8], _ t: Token) -> String {
        String(decoding: b[t.start..<t.end], as: UTF8.self).uppercased()
    }

    /// Where the statement starting at `i` ends: just past its `;`, or the end of the text. The second value
    /// says whether a `;` ended it.
    public static func statementEnd(_ b: [UInt8], from i: Int) -> (end: Int, terminated: Bool) {
        var position = i
        var leading: [String] = []   // the first words, to recognise CREATE [TEMP] TRIGGER
        var inTrigger = false
        var previousWord = ""
        while let t = nextToken(b, from: position) {
            position = t.end
            switch t.kind {
            case .semicolon:
                if !inTrigger || previousWord == "END" { return (t.end, true) }
                previousWord = ""
            case .word:
                let w = word(b, t)
                if leading.count < 3 {
                    leading.append(w)
                    if leading.first == "CREATE" && w == "TRIGGER" { inTrigger = true }
                    if leading.count == 2, leading[0] == "CREATE", w != "TEMP", w != "TEMPORARY", w != "TRIGGER" {
                        leading.append("")  // not a trigger; stop looking
                    }
                }
                previousWord = w
            default:
                if leading.count < 3 { leading.append("") }
                previousWord = ""
            }
        }
        return (b.count, false)
    }

    /// Whether `text` holds one or more statements and ends with a complete one (what sqlite3_complete says),
    /// so the shell knows to run what was typed.
    public static func isComplete(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var position = 0
        var sawStatement = false
        while true {
            let start = skipTrivia(b, from: position).end
            if start >= b.count { return sawStatement }
            let (end, terminated) = statementEnd(b, from: start)
            if !terminated { return false }
            sawStatement = true
            position = end
        }
    }

    /// The names of the named parameters (`:name`, `@name`, `$name`) in `text`, without their prefix,
    /// in order of first use.
    public static func parameterNames(_ text: String) -> [String] {
        let b = Array(text.utf8)
        var names: [String] = []
        var position = 0
        while let t = nextToken(b, from: position) {
            position = t.end
            if t.kind == .parameter {
                let name = String(decoding: b[(t.start + 1)..<t.end], as: UTF8.self)
                if !names.contains(name) { names.append(name) }
            }
        }
        return names
    }
}

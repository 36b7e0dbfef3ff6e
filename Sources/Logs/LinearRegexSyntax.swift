// The pattern language of `regex:` formats, parsed into a small tree that LinearRegex compiles to a program.
// The syntax is Python's `re` (what people paste from their logging code), with a few PCRE spellings that the
// earlier Swift-Regex implementation also took: `(?<name>...)`, `(?'name'...)`, POSIX classes `[[:alpha:]]`,
// `\z`, `\e`. Constructs that need backtracking (backreferences, lookaround, atomic groups, possessive
// quantifiers, recursion, conditionals) are refused with an error that says so: the matcher runs in linear time.
//
// Every error is an `RegexSyntaxError`; nothing here traps on pattern bytes, and nesting is bounded so no
// recursion (parse, compile, tree teardown) can run deep.

struct RegexSyntaxError: Error, Equatable {
    enum Kind: Equatable { case invalid, unsupported, tooLarge }
    var kind: Kind
    var message: String
}

struct RegexFlags: Equatable {
    var fold = false       // i
    var multiline = false  // m
    var dotAll = false     // s
    var verbose = false    // x
    var ascii = false      // a
}

enum RegexAssertion: Int32 {
    case startText, startLine, endText, endTextOrFinalNewline, endLine
    case wordBoundary, notWordBoundary, asciiWordBoundary, asciiNotWordBoundary
}

/// `\d`, `\w`, `\s` (and the POSIX classes built from them) as items of a class.
enum RegexBuiltin: UInt8 { case digit, word, space }

struct RegexClass {
    /// Inclusive scalar ranges, in the order written (merged when compiled).
    var ranges: [(UInt32, UInt32)] = []
    var builtins: [(RegexBuiltin, Bool)] = []  // (kind, negated)
    var negated = false
    var fold = false
    var ascii = false
}

indirect enum RegexNode {
    case empty
    case char(UInt32, fold: Bool)
    case any(dotAll: Bool)
    case set(Int)
    case assertion(RegexAssertion)
    case group(RegexNode, capture: Int?)
    case concat([RegexNode])
    case alt([RegexNode])
    case repeated(RegexNode, min: Int, max: Int?, greedy: Bool)
}

struct RegexParser {
    static let maxNesting = 200
    static let maxCount = 100_000

    let p: [UInt8]
    var i = 0
    var flags = RegexFlags()
    var groupCount = 0
    var names: [(name: String, group: Int)] = []
    var classes: [RegexClass] = []

    init(_ pattern: String) { p = Array(pattern.utf8) }

    static let linear = "(Strata's regex matcher runs in linear time)"

    func invalid(_ what: String, at pos: Int? = nil) -> RegexSyntaxError {
        RegexSyntaxError(kind: .invalid, message: "\(what) at position \(pos ?? i)")
    }
    func unsupported(_ what: String) -> RegexSyntaxError {
        RegexSyntaxError(kind: .unsupported, message: "\(what) \(what.hasSuffix("s") ? "are" : "is") not supported \(Self.linear)")
    }

    mutating func parse() throws(RegexSyntaxError) -> RegexNode {
        let node = try parseAlternation(depth: 0)
        if i < p.count { throw invalid("unbalanced parenthesis") }
        return node
    }

    // MARK: - structure

    private mutating func parseAlternation(depth: Int) throws(RegexSyntaxError) -> RegexNode {
        var branches: [RegexNode] = []
        var items: [RegexNode] = []
        func seal(_ items: [RegexNode]) -> RegexNode { items.isEmpty ? .empty : items.count == 1 ? items[0] : .concat(items) }
        while true {
            skipVerbose()
            guard i < p.count else { break }
            let c = p[i]
            if c == 0x7C { branches.append(seal(items)); items = []; i += 1; continue }  // |
            if c == 0x29 { break }                                                          // )
            let start = i
            guard var atom = try parseAtom(depth: depth) else { continue }
            skipVerbose()
            if let q = try parseQuantifier() {
                if case .assertion = atom { throw invalid("nothing to repeat", at: start) }
                atom = .repeated(atom, min: q.min, max: q.max, greedy: q.greedy)
                skipVerbose()
                if i < p.count, p[i] == 0x2A || p[i] == 0x2B || p[i] == 0x3F || (p[i] == 0x7B && braceQuantifierAhead()) {
                    throw invalid("multiple repeat")
                }
            }
            items.append(atom)
        }
        branches.append(seal(items))
        return branches.count == 1 ? branches[0] : .alt(branches)
    }

    private mutating func skipVerbose() {
        guard flags.verbose else { return }
        while i < p.count {
            let c = p[i]
            if c == 0x20 || (c >= 0x09 && c <= 0x0D) { i += 1; continue }
            if c == 0x23 {  // # comment to the end of the line
                while i < p.count, p[i] != 0x0A { i += 1 }
                continue
            }
            break
        }
    }

    /// `*`, `+`, `?`, `{n}`, `{n,}`, `{,m}`, `{n,m}`, each optionally lazy (`?`). `+` after one is possessive.
    private mutating func parseQuantifier() throws(RegexSyntaxError) -> (min: Int, max: Int?, greedy: Bool)? {
        guard i < p.count else { return nil }
        var q: (min: Int, max: Int?, greedy: Bool)
        switch p[i] {
        case 0x2A: q = (0, nil, true); i += 1
        case 0x2B: q = (1, nil, true); i += 1
        case 0x3F: q = (0, 1, true); i += 1
        case 0x7B:
            guard let b = try braceQuantifier() else { return nil }
            q = (b.0, b.1, true)
        default: return nil
        }
        if i < p.count, p[i] == 0x3F { q.greedy = false; i += 1 }
        else if i < p.count, p[i] == 0x2B { throw unsupported("possessive quantifiers") }
        return q
    }

    private func braceQuantifierAhead() -> Bool {
        var copy = self
        return (try? copy.braceQuantifier()) != nil
    }

    /// Python's rule: `{` starts a quantifier only when `\d*(,\d*)?}` follows; otherwise it is a literal.
    private mutating func braceQuantifier() throws(RegexSyntaxError) -> (Int, Int?)? {
        let here = i
        var j = i + 1
        func number(_ from: Int, _ to: Int) throws(RegexSyntaxError) -> Int? {
            guard to > from else { return nil }
            var v = 0
            for k in from..<to {
                v = v * 10 + Int(p[k] - 0x30)
                if v > Self.maxCount { throw invalid("repetition count too large (at most \(Self.maxCount))", at: from) }
            }
            return v
        }
        if j < p.count, p[j] == 0x7D { return nil }  // `{}` is two literals
        let loStart = j
        while j < p.count, isDigit(p[j]) { j += 1 }
        let loEnd = j
        var hiStart = loStart, hiEnd = loEnd
        if j < p.count, p[j] == 0x2C {
            j += 1
            hiStart = j
            while j < p.count, isDigit(p[j]) { j += 1 }
            hiEnd = j
        }
        guard j < p.count, p[j] == 0x7D else { return nil }
        let lo = try number(loStart, loEnd) ?? 0
        let hi = try number(hiStart, hiEnd)
        if let hi, hi < lo { throw invalid("min repeat greater than max repeat", at: here) }
        i = j + 1
        return (lo, hi)
    }

    /// One atom; nil for things that match nothing and take no quantifier (`(?i)`, `(?#...)`).
    private mutating func parseAtom(depth: Int) throws(RegexSyntaxError) -> RegexNode? {
        let c = p[i]
        switch c {
        case 0x28: return try parseGroup(depth: depth)
        case 0x5B: return .set(try parseClass())
        case 0x2E: i += 1; return .any(dotAll: flags.dotAll)
        case 0x5E: i += 1; return .assertion(flags.multiline ? .startLine : .startText)
        case 0x24: i += 1; return .assertion(flags.multiline ? .endLine : .endTextOrFinalNewline)
        case 0x5C: return try parseEscape()
        case 0x2A, 0x2B, 0x3F: throw invalid("nothing to repeat")
        case 0x7B:
            if braceQuantifierAhead() { throw invalid("nothing to repeat") }
            i += 1
            return literal(0x7B)
        default:
            let (v, n) = decodePattern(i)
            i += n
            return literal(v)
        }
    }

    private func literal(_ c: UInt32) -> RegexNode {
        .char(c, fold: flags.fold && hasCaseVariant(c, ascii: flags.ascii))
    }

    private mutating func parseGroup(depth: Int) throws(RegexSyntaxError) -> RegexNode? {
        let open = i
        guard depth < Self.maxNesting else { throw invalid("groups nested too deeply (at most \(Self.maxNesting))") }
        i += 1
        var capture: Int? = nil
        let saved = flags
        if i < p.count, p[i] == 0x3F {  // (?
            i += 1
            guard i < p.count else { throw invalid("unexpected end of pattern") }
            let k = p[i]
            switch k {
            case 0x3A: i += 1  // (?:
            case 0x50:  // (?P<name>, (?P=name), (?P>name)
                i += 1
                if i < p.count, p[i] == 0x3C { i += 1; capture = try groupName(close: 0x3E) }
                else if i < p.count, p[i] == 0x3D { throw unsupported("backreferences") }
                else if i < p.count, p[i] == 0x3E { throw unsupported("recursion and subroutine calls") }
                else { throw invalid("unknown extension ?P") }
            case 0x3C:  // (?<name>, (?<=, (?<!
                if i + 1 < p.count, p[i + 1] == 0x3D || p[i + 1] == 0x21 { throw unsupported("lookbehind assertions") }
                i += 1
                capture = try groupName(close: 0x3E)
            case 0x27: i += 1; capture = try groupName(close: 0x27)
            case 0x3D, 0x21: throw unsupported("lookahead assertions")
            case 0x3E: throw unsupported("atomic groups")
            case 0x28: throw unsupported("conditional groups")
            case 0x52, 0x26, 0x2B, 0x30...0x39: throw unsupported("recursion and subroutine calls")
            case 0x7C: throw invalid("branch reset groups (?|...) are not supported")
            case 0x23:  // (?#comment)
                while i < p.count, p[i] != 0x29 { i += 1 }
                guard i < p.count else { throw invalid("missing ), unterminated comment", at: open) }
                i += 1
                return nil
            default:
                if k == 0x2D, i + 1 < p.count, isDigit(p[i + 1]) { throw unsupported("recursion and subroutine calls") }
                // Inline flags: (?aimsx) for the rest of the enclosing group, (?aimsx-imsx:...) for a group.
                var on = true
                var sawOff = false
                while i < p.count, p[i] != 0x29, p[i] != 0x3A {
                    let f = p[i]
                    switch f {
                    case 0x69: flags.fold = on
                    case 0x6D: flags.multiline = on
                    case 0x73: flags.dotAll = on
                    case 0x78: flags.verbose = on
                    case 0x61: flags.ascii = on
                    case 0x75: flags.ascii = false
                    case 0x2D where on && !sawOff: on = false; sawOff = true
                    case 0x4C: throw invalid("bad inline flag: the L (locale) flag needs a bytes pattern")
                    default:
                        let (v, _) = decodePattern(i)
                        throw invalid("unknown extension or flag ?\(String(Character(Unicode.Scalar(v) ?? "?")))")
                    }
                    i += 1
                }
                guard i < p.count else { throw invalid("missing -, : or )", at: open) }
                if p[i] == 0x29 {
                    if sawOff { throw invalid("missing :") }
                    i += 1
                    return nil  // flags stay on for the rest of the enclosing group
                }
                i += 1  // ':'
            }
        } else {
            groupCount += 1
            capture = groupCount
        }
        let body = try parseAlternation(depth: depth + 1)
        guard i < p.count, p[i] == 0x29 else { throw invalid("missing ), unterminated subpattern", at: open) }
        i += 1
        flags = saved
        return .group(body, capture: capture)
    }

    private mutating func groupName(close: UInt8) throws(RegexSyntaxError) -> Int {
        let start = i
        while i < p.count, p[i] != close { i += 1 }
        guard i < p.count else { throw invalid("missing \(close == 0x3E ? ">" : "'"), unterminated name", at: start) }
        let name = String(decoding: p[start..<i], as: UTF8.self)
        i += 1
        var first = true
        for s in name.unicodeScalars {
            let v = s.value
            let ok = v == 0x5F || (v < 0x80 ? (isASCIILetter(v) || (!first && v >= 0x30 && v <= 0x39)) : unicodeIsWord(v))
            if !ok || (first && v >= 0x80 && s.properties.numericType != nil) {
                throw invalid("bad character in group name '\(name)'", at: start)
            }
            first = false
        }
        if name.isEmpty { throw invalid("missing group name", at: start) }
        if let old = names.first(where: { $0.name == name }) {
            throw invalid("redefinition of group name '\(name)' (was group \(old.group))", at: start)
        }
        groupCount += 1
        names.append((name, groupCount))
        return groupCount
    }

    // MARK: - escapes

    /// An escape outside a class: a character, a class (`\d`...), or an assertion.
    private mutating func parseEscape() throws(RegexSyntaxError) -> RegexNode {
        guard i + 1 < p.count else { throw invalid("bad escape (end of pattern)") }
        let c = p[i + 1]
        switch c {
        case 0x64, 0x44, 0x77, 0x57, 0x73, 0x53:  // d D w W s S
            i += 2
            return .set(builtinClass(c))
        case 0x62: i += 2; return .assertion(flags.ascii ? .asciiWordBoundary : .wordBoundary)
        case 0x42: i += 2; return .assertion(flags.ascii ? .asciiNotWordBoundary : .notWordBoundary)
        case 0x41: i += 2; return .assertion(.startText)
        case 0x5A, 0x7A: i += 2; return .assertion(.endText)
        case 0x31...0x39:
            // Python: three octal digits are a character; otherwise a group reference.
            if i + 3 < p.count, c <= 0x37, isOctal(p[i + 2]), isOctal(p[i + 3]) {
                let v = UInt32(c - 0x30) * 64 + UInt32(p[i + 2] - 0x30) * 8 + UInt32(p[i + 3] - 0x30)
                guard v <= 0o377 else { throw invalid("octal escape value outside of range 0-0o377") }
                i += 4
                return literal(v)
            }
            throw unsupported("backreferences")
        case 0x6B, 0x67:  // \k<name> \g{1}
            if i + 2 < p.count, p[i + 2] == 0x3C || p[i + 2] == 0x7B || p[i + 2] == 0x27 || isDigit(p[i + 2]) || p[i + 2] == 0x2D {
                throw unsupported("backreferences")
            }
            throw invalid("bad escape \\\(Character(Unicode.Scalar(c)))")
        default:
            return literal(try escapedScalar(inClass: false))
        }
    }

    /// `\n`, `\x41`, `\u00e9`, `\0`, `\.`...: the character an escape stands for (`i` at the backslash).
    private mutating func escapedScalar(inClass: Bool) throws(RegexSyntaxError) -> UInt32 {
        let start = i
        guard i + 1 < p.count else { throw invalid("bad escape (end of pattern)") }
        let c = p[i + 1]
        i += 2
        switch c {
        case 0x6E: return 0x0A  // n
        case 0x74: return 0x09  // t
        case 0x72: return 0x0D  // r
        case 0x66: return 0x0C  // f
        case 0x76: return 0x0B  // v
        case 0x61: return 0x07  // a
        case 0x65: return 0x1B  // e (PCRE; Python refuses it)
        case 0x62 where inClass: return 0x08  // \b in a class is a backspace
        case 0x30...0x37:
            // \0 and up to two more octal digits; in a class, any 1-3 octal digits.
            guard c == 0x30 || inClass else { throw unsupported("backreferences") }
            var v = UInt32(c - 0x30)
            var k = 0
            while k < 2, i < p.count, isOctal(p[i]) { v = v * 8 + UInt32(p[i] - 0x30); i += 1; k += 1 }
            guard v <= 0o377 else { throw invalid("octal escape value outside of range 0-0o377", at: start) }
            return v
        case 0x78, 0x75, 0x55:  // \xhh \uhhhh \Uhhhhhhhh
            let n = c == 0x78 ? 2 : c == 0x75 ? 4 : 8
            var v: UInt32 = 0
            for _ in 0..<n {
                guard i < p.count, let d = hexValue(p[i]) else {
                    throw invalid("incomplete escape \\\(Character(Unicode.Scalar(c)))", at: start)
                }
                v = v &* 16 &+ d
                i += 1
            }
            guard v <= 0x10FFFF, Unicode.Scalar(v) != nil || v < 0x80 else {
                throw invalid("bad escape: U+\(String(v, radix: 16)) is not a character", at: start)
            }
            return v
        case 0x4E: throw invalid("named characters \\N{...} are not supported", at: start)
        case 0x70, 0x50: throw invalid("Unicode property classes \\p{...} are not supported", at: start)
        case 0x47: throw unsupported("\\G (match continuation)")
        case 0x4B: throw unsupported("\\K (match reset)")
        default:
            if c < 0x80 {
                if isASCIILetter(UInt32(c)) || isDigit(c) {
                    throw invalid("bad escape \\\(Character(Unicode.Scalar(c)))", at: start)
                }
                return UInt32(c)
            }
            i -= 1  // an escaped non-ASCII character is itself
            let (v, n) = decodePattern(i)
            i += n
            return v
        }
    }

    private mutating func builtinClass(_ c: UInt8) -> Int {
        var cls = RegexClass()
        cls.ascii = flags.ascii
        let kind: RegexBuiltin = (c | 0x20) == 0x64 ? .digit : (c | 0x20) == 0x77 ? .word : .space
        cls.builtins = [(kind, c < 0x60)]
        classes.append(cls)
        return classes.count - 1
    }

    // MARK: - classes

    private enum ClassItem { case scalar(UInt32), builtin(RegexBuiltin, Bool), posix([(UInt32, UInt32)], [(RegexBuiltin, Bool)], Bool) }

    private mutating func parseClass() throws(RegexSyntaxError) -> Int {
        let open = i
        i += 1
        var cls = RegexClass()
        cls.fold = flags.fold
        cls.ascii = flags.ascii
        if i < p.count, p[i] == 0x5E { cls.negated = true; i += 1 }
        var first = true
        while true {
            guard i < p.count else { throw invalid("unterminated character set", at: open) }
            if p[i] == 0x5D, !first { i += 1; break }
            first = false
            let itemStart = i
            let item = try classItem()
            if case .scalar(let lo) = item, i + 1 < p.count, p[i] == 0x2D, p[i + 1] != 0x5D {
                i += 1
                let hiItem = try classItem()
                guard case .scalar(let hi) = hiItem else { throw invalid("bad character range", at: itemStart) }
                guard hi >= lo else { throw invalid("bad character range", at: itemStart) }
                cls.ranges.append((lo, hi))
                continue
            }
            switch item {
            case .scalar(let v): cls.ranges.append((v, v))
            case .builtin(let k, let neg):
                if i + 1 < p.count, p[i] == 0x2D, p[i + 1] != 0x5D { throw invalid("bad character range", at: itemStart) }
                cls.builtins.append((k, neg))
            case .posix(let ranges, let builtins, let negated):
                if negated {
                    // [:^alpha:] — the complement, as ranges over all scalars.
                    var lo: UInt32 = 0
                    for (a, b) in ranges.sorted(by: { $0.0 < $1.0 }) {
                        if a > lo { cls.ranges.append((lo, a - 1)) }
                        lo = max(lo, b + 1)
                    }
                    cls.ranges.append((lo, 0x10FFFF))
                    cls.builtins += builtins.map { ($0.0, !$0.1) }
                } else {
                    cls.ranges += ranges
                    cls.builtins += builtins
                }
            }
        }
        classes.append(cls)
        return classes.count - 1
    }

    private mutating func classItem() throws(RegexSyntaxError) -> ClassItem {
        let c = p[i]
        if c == 0x5C {
            guard i + 1 < p.count else { throw invalid("bad escape (end of pattern)") }
            let e = p[i + 1]
            switch e {
            case 0x64, 0x44, 0x77, 0x57, 0x73, 0x53:
                i += 2
                let kind: RegexBuiltin = (e | 0x20) == 0x64 ? .digit : (e | 0x20) == 0x77 ? .word : .space
                return .builtin(kind, e < 0x60)
            case 0x38, 0x39, 0x41, 0x42, 0x5A, 0x7A:
                throw invalid("bad escape \\\(Character(Unicode.Scalar(e))) in a character set")
            default:
                return .scalar(try escapedScalar(inClass: true))
            }
        }
        if c == 0x5B, i + 1 < p.count, p[i + 1] == 0x3A, let posix = posixClass() { return posix }
        let (v, n) = decodePattern(i)
        i += n
        return .scalar(v)
    }

    /// `[:name:]` inside a class (ASCII meanings), as PCRE and the earlier implementation read it.
    private mutating func posixClass() -> ClassItem? {
        var j = i + 2
        var negated = false
        if j < p.count, p[j] == 0x5E { negated = true; j += 1 }
        let nameStart = j
        while j < p.count, p[j] >= 0x61, p[j] <= 0x7A { j += 1 }
        guard j + 1 < p.count, p[j] == 0x3A, p[j + 1] == 0x5D else { return nil }
        let name = String(decoding: p[nameStart..<j], as: UTF8.self)
        let r: [(UInt32, UInt32)]
        var b: [(RegexBuiltin, Bool)] = []
        switch name {
        case "alpha": r = [(0x41, 0x5A), (0x61, 0x7A)]
        case "digit": r = [(0x30, 0x39)]
        case "alnum": r = [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)]
        case "upper": r = [(0x41, 0x5A)]
        case "lower": r = [(0x61, 0x7A)]
        case "space": r = [(0x09, 0x0D), (0x20, 0x20)]
        case "blank": r = [(0x09, 0x09), (0x20, 0x20)]
        case "punct": r = [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)]
        case "print": r = [(0x20, 0x7E)]
        case "graph": r = [(0x21, 0x7E)]
        case "cntrl": r = [(0x00, 0x1F), (0x7F, 0x7F)]
        case "xdigit": r = [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)]
        case "ascii": r = [(0x00, 0x7F)]
        case "word": r = []; b = [(.word, false)]
        default: return nil
        }
        i = j + 2
        return .posix(r, b, negated)
    }

    // MARK: - bytes

    /// The scalar at `k` of the pattern (valid UTF-8: it came from a String) and its length.
    private func decodePattern(_ k: Int) -> (UInt32, Int) {
        p.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress, k < b.count else { return (0xFFFD, 1) }
            return decodeScalar(base, k, b.count)
        }
    }
}

@inline(__always) private func isOctal(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x37 }
@inline(__always) func isASCIILetter(_ v: UInt32) -> Bool { (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A }
private func hexValue(_ c: UInt8) -> UInt32? {
    switch c {
    case 0x30...0x39: return UInt32(c - 0x30)
    case 0x41...0x46: return UInt32(c - 0x41 + 10)
    case 0x61...0x66: return UInt32(c - 0x61 + 10)
    default: return nil
    }
}

// MARK: - character predicates shared by the parser and the matcher

/// One scalar at `i` (< n) of UTF-8 bytes: (value, length). A byte that does not start a valid sequence is
/// U+FFFD of length 1, so any bytes can be matched (RegexFormat repairs lines first, as String does).
@inline(__always)
func decodeScalar(_ t: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (UInt32, Int) {
    let b0 = t[i]
    if b0 < 0x80 { return (UInt32(b0), 1) }
    return decodeMultibyte(t, i, n)
}

@inline(never)
func decodeMultibyte(_ t: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (UInt32, Int) {
    let b0 = UInt32(t[i])
    let need: Int
    var v: UInt32
    let minimum: UInt32
    switch b0 {
    case 0xC2...0xDF: need = 1; v = b0 & 0x1F; minimum = 0x80
    case 0xE0...0xEF: need = 2; v = b0 & 0x0F; minimum = 0x800
    case 0xF0...0xF4: need = 3; v = b0 & 0x07; minimum = 0x10000
    default: return (0xFFFD, 1)
    }
    guard i + need < n else { return (0xFFFD, 1) }
    for k in 1...need {
        let c = t[i + k]
        guard c & 0xC0 == 0x80 else { return (0xFFFD, 1) }
        v = (v << 6) | UInt32(c & 0x3F)
    }
    guard v >= minimum, v <= 0x10FFFF, v < 0xD800 || v > 0xDFFF else { return (0xFFFD, 1) }
    return (v, need + 1)
}

/// The scalar that ends at `i` (i > 0).
func scalarBefore(_ t: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> UInt32 {
    let b = t[i - 1]
    if b < 0x80 { return UInt32(b) }
    var k = 2
    while k <= 4, i - k >= 0 {
        let q = i - k
        if t[q] & 0xC0 != 0x80 {
            let (v, len) = decodeScalar(t, q, n)
            return q + len == i ? v : 0xFFFD
        }
        k += 1
    }
    return 0xFFFD
}

/// Whether `i` starts a scalar (decoding from the start of the text would stop there).
func isScalarBoundary(_ t: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Bool {
    guard i > 0, i < n, t[i] & 0xC0 == 0x80 else { return true }
    var k = 1
    while k <= 3, i - k >= 0 {
        let q = i - k
        if t[q] < 0x80 { return true }
        if t[q] & 0xC0 != 0x80 {
            let (_, len) = decodeScalar(t, q, n)
            return q + len <= i
        }
        k += 1
    }
    return true
}

@inline(__always)
func asciiIsWord(_ c: UInt32) -> Bool { isASCIILetter(c) || (c >= 0x30 && c <= 0x39) || c == 0x5F }

/// Python's `\w` for str patterns: letters and numbers (categories L*, N*) and `_` (no combining marks).
func unicodeIsWord(_ c: UInt32) -> Bool {
    if c < 0x80 { return asciiIsWord(c) }
    guard let s = Unicode.Scalar(c) else { return false }
    switch s.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
         .decimalNumber, .letterNumber, .otherNumber:
        return true
    default:
        return false
    }
}

func builtinMatches(_ kind: RegexBuiltin, _ c: UInt32, ascii: Bool) -> Bool {
    switch kind {
    case .digit:
        if c < 0x80 { return c >= 0x30 && c <= 0x39 }
        guard !ascii, let s = Unicode.Scalar(c) else { return false }
        return s.properties.generalCategory == .decimalNumber
    case .word:
        if c < 0x80 { return asciiIsWord(c) }
        return !ascii && unicodeIsWord(c)
    case .space:
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        guard !ascii, let s = Unicode.Scalar(c) else { return false }
        return s.properties.isWhitespace
    }
}

/// Single-scalar lower and upper case mappings (the scalar itself when the mapping is not one scalar).
func simpleLower(_ c: UInt32) -> UInt32 {
    if c < 0x80 { return isASCIILetter(c) ? c | 0x20 : c }
    guard let s = Unicode.Scalar(c) else { return c }
    let m = s.properties.lowercaseMapping.unicodeScalars
    return m.count == 1 ? (m.first?.value ?? c) : c
}

func simpleUpper(_ c: UInt32) -> UInt32 {
    if c < 0x80 { return isASCIILetter(c) ? c & ~0x20 : c }
    guard let s = Unicode.Scalar(c) else { return c }
    let m = s.properties.uppercaseMapping.unicodeScalars
    return m.count == 1 ? (m.first?.value ?? c) : c
}

/// The case-folding key: characters that `(?i)` treats as equal have the same key (`ſ`, `s`, `S` → `s`).
func foldKey(_ c: UInt32) -> UInt32 {
    if c < 0x80 { return isASCIILetter(c) ? c | 0x20 : c }
    return simpleLower(simpleUpper(c))
}

/// Characters with the same fold key as `key` that its plain lower/upper mappings do not reach (Python's
/// `re` treats them as equal under IGNORECASE): Kelvin sign, long s, dotless/dotted i, final sigma, micro.
func extraFoldPartners(_ key: UInt32) -> [UInt32] {
    switch key {
    case 0x6B: return [0x212A]
    case 0x73: return [0x17F]
    case 0x69: return [0x131, 0x130]
    case 0x3C3: return [0x3C2]
    case 0x3BC: return [0xB5]
    case 0xE5: return [0x212B]
    default: return []
    }
}

func hasCaseVariant(_ c: UInt32, ascii: Bool) -> Bool {
    if c < 0x80 || ascii { return c < 0x80 && isASCIILetter(c) }
    return simpleLower(c) != c || simpleUpper(c) != c
}

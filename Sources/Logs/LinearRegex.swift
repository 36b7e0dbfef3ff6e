// A regular-expression matcher whose cost is bounded by (program size × line length), whatever the pattern:
// `regex:` formats run inside other people's processes (a Python kernel, DBeaver), where a backtracking
// engine on a pattern like `^(?<ts>\S+) (?<message>(\w+\s?)*)$` would hang the host on a 40-byte line.
//
// The pattern (LinearRegexSyntax.swift) compiles to a Thompson-NFA program that two matchers run, with the
// same answers (leftmost-first, as Perl, Python and RE2 choose: the earliest start, then alternatives and
// quantifiers in priority order, greedy by default):
//   • a bounded backtracker (RE2's "BitState"): depth-first in priority order, but each (instruction,
//     position) pair is visited at most once — a bitmap of (instructions that are joins) × (line length + 1)
//     bits. Fast on the lines logs have; used while the bitmap stays under `backtrackLimitBits`.
//   • a Pike VM: all threads in lock step over the line, one per instruction, capture slots per thread;
//     used for long lines. O(program × line) time, O(program × slots) memory.
// Text is UTF-8 bytes; the matchers step one scalar at a time (`.`, `[^x]`, `\S` take a whole character).
// A byte that does not start a valid sequence counts as one U+FFFD character (RegexFormat repairs lines
// the way String does before matching, so spans always fall on character boundaries).
//
// Character meanings follow Python's `re` on str patterns: `\d` is a Unicode decimal digit, `\w` a letter or
// number (categories L*, N*) or `_`, `\s` Unicode White_Space (Python also counts \x1c-\x1f; we do not), `\b`
// the edge of `\w`; `(?a)` makes all of them ASCII. `(?i)` folds case with single-scalar mappings. `^`/`$`
// are the text's start and end (`$` also before a final \n) unless `(?m)`; `.` skips \n unless `(?s)`.
//
// Loops whose body can match the empty string stop after an empty iteration, as in Python (see
// compileNullableRepeat), so spans and captures agree with `re` there too: Tests/fixtures/regex/cases.json
// holds ~2,900 cases from `re.search` (log regexes, edge cases, random patterns) that both matchers pass;
// make_cases.py makes bigger samples (≈300,000 cases checked so far, none differing).
//
// Where we differ from Python's `re`, on purpose or as a known limit:
//   • accepted, though Python refuses them: `(?<name>…)` and `(?'name'…)`, POSIX classes `[[:alpha:]]`
//     (Python reads `[[:alpha:]]` as a set of characters), `\e`, `\z`, inline flags after the start (they
//     apply to the end of the enclosing group);
//   • `\s` does not match \x1c-\x1f; `\B` matches in an empty text; `(?i)` does not equate U+0130 with i;
//   • refused: backreferences, lookaround, atomic groups, possessive quantifiers, recursion, conditionals
//     (each needs backtracking), `\N{…}`, `\p{…}`, repetition counts above 100,000.
// Sizes are bounded when compiling: at most `maxInstructions` instructions after counted repetitions are
// expanded (`(a{1000}){1000}` is an error, not a gigabyte), and slots × instructions for the Pike VM.

public final class LinearRegex: @unchecked Sendable {
    /// Which groups a match records.
    public enum Keep: Sendable {
        /// Group 0 (the whole match) and every capturing group, in number order.
        case all
        /// Only named groups, in pattern order (what RegexFormat needs: fewer slots, faster matching).
        case named
    }

    public static let maxInstructions = 100_000
    static let maxSlotCells = 2_000_000
    /// Largest visited-bitmap the backtracker uses (bits); longer lines go to the Pike VM.
    static let backtrackLimitBits = 1 << 22

    public let pattern: String
    /// Number of capturing groups (not counting group 0).
    public let groupCount: Int
    /// Named groups in pattern order, with their group numbers.
    public let names: [(name: String, group: Int)]
    /// The group number recorded in slot pair k (slots 2k and 2k+1).
    public let kept: [Int]

    let insts: [RegexInst]
    let classes: [CompiledClass]
    /// Every match starts at the beginning of the text.
    let anchored: Bool
    /// Bytes every match starts with (empty: none known).
    let prefix: [UInt8]
    /// Bytes a match can start with (nil: any, or the pattern can match the empty string).
    let firstBytes: [Bool]?
    /// The backtracker's visited-bit index of each instruction, −1 for those that need none: an instruction
    /// with one way in is reached at most once per position when its predecessor is, so only joins (two or
    /// more ways in) are marked — half the bitmap traffic on a `.*`, and longer lines fit the bitmap.
    let visitIndex: [Int32]
    let visitCount: Int

    var slotCount: Int { kept.count * 2 }

    public init(_ pattern: String, keep: Keep = .all) throws(LogFormatError) {
        self.pattern = pattern
        var parser = RegexParser(pattern)
        let tree: RegexNode
        do throws(RegexSyntaxError) {
            tree = try parser.parse()
        } catch {
            throw Self.formatError(pattern, error)
        }
        groupCount = parser.groupCount
        names = parser.names
        switch keep {
        case .all: kept = Array(0...parser.groupCount)
        case .named: kept = parser.names.map(\.group)
        }
        var slotOf = [Int](repeating: -1, count: parser.groupCount + 1)
        for (k, g) in kept.enumerated() { slotOf[g] = k }
        var compiler = RegexCompiler(slotOf: slotOf)
        do throws(RegexSyntaxError) {
            try compiler.compile(slotOf[0] >= 0 ? .group(tree, capture: 0) : tree)
            _ = try compiler.emit(RegexInst(op: .match))
            if compiler.insts.count * kept.count * 2 > Self.maxSlotCells {
                throw RegexSyntaxError(kind: .tooLarge, message: "\(compiler.insts.count) instructions × \(kept.count) "
                                       + "groups (at most \(Self.maxSlotCells / 2) instructions × groups)")
            }
        } catch {
            throw Self.formatError(pattern, error)
        }
        insts = compiler.insts
        classes = parser.classes.map(CompiledClass.init)
        anchored = isAnchored(tree)
        let pre = literalPrefix(tree).bytes
        prefix = Array(pre.prefix(64))
        firstBytes = startBytes(insts, classes)
        var ways = [Int](repeating: 0, count: insts.count)
        if !insts.isEmpty { ways[0] = 1 }  // the search enters at 0
        for (pc, ins) in insts.enumerated() {
            var targets: [Int32] = []
            switch ins.op {
            case .char, .charFold, .any, .anyAll, .set: targets = [ins.b]
            case .split, .star: targets = [ins.a, ins.b]
            case .jmp: targets = [ins.a]
            case .save, .assert: targets = [Int32(pc + 1)]
            case .match: break
            }
            for t in targets where t >= 0 && Int(t) < insts.count { ways[Int(t)] += 1 }
        }
        var index = [Int32](repeating: -1, count: insts.count)
        var count = 0
        for pc in 0..<insts.count where ways[pc] > 1 { index[pc] = Int32(count); count += 1 }
        visitIndex = index
        visitCount = count
    }

    static func formatError(_ pattern: String, _ e: RegexSyntaxError) -> LogFormatError {
        switch e.kind {
        case .invalid: return LogFormatError("regex '\(pattern)' is not valid: \(e.message)")
        case .unsupported: return LogFormatError("regex '\(pattern)': \(e.message)")
        case .tooLarge: return LogFormatError("regex '\(pattern)' is too large: \(e.message)")
        }
    }
}

// MARK: - program

enum RegexOp: UInt8 {
    // Consuming one scalar, then on to instruction b:
    case char      // a: scalar
    case charFold  // a: fold key of the scalar; matches text with the same key
    case any       // anything but \n
    case anyAll
    case set       // a: class index
    // Not consuming:
    case match
    case split     // a first (preferred), then b
    /// A greedy star over one character matcher: split(a, b) where a (= this + 1) is that consuming
    /// instruction and its next is this one. The backtracker runs the loop directly (see runStar).
    case star
    case jmp       // a
    case save      // a: slot; then the next instruction
    case assert    // a: RegexAssertion raw value; then the next instruction

    var consumes: Bool { rawValue <= RegexOp.set.rawValue }
}

struct RegexInst {
    var op: RegexOp
    var a: Int32 = 0
    var b: Int32 = 0
}

struct CompiledClass {
    /// Membership of the 128 ASCII characters, negation and case folding included.
    var low: UInt64 = 0
    var high: UInt64 = 0
    var ranges: [(UInt32, UInt32)]
    var builtins: [(RegexBuiltin, Bool)]
    var negated: Bool
    var fold: Bool
    var ascii: Bool
    /// Whether a non-ASCII character (or an invalid byte) can match.
    var mayMatchNonASCII: Bool

    init(_ c: RegexClass) {
        var r = c.ranges.sorted { $0.0 < $1.0 }
        var merged: [(UInt32, UInt32)] = []
        for x in r {
            if let last = merged.last, x.0 <= last.1 &+ 1 { merged[merged.count - 1].1 = max(last.1, x.1) } else { merged.append(x) }
        }
        r = merged
        ranges = r
        builtins = c.builtins
        negated = c.negated
        fold = c.fold
        ascii = c.ascii
        mayMatchNonASCII = true
        for b in 0..<128 where slowMatches(UInt32(b)) {
            if b < 64 { low |= 1 << UInt64(b) } else { high |= 1 << UInt64(b - 64) }
        }
        // Positive classes of ASCII ranges and ASCII-only builtins cannot match beyond ASCII (folding to an
        // ASCII letter from elsewhere — the Kelvin sign — is the one exception, kept when folding).
        if !negated, !(fold && !ascii), r.allSatisfy({ $0.1 < 0x80 }),
           builtins.allSatisfy({ !$0.1 && ascii }) {
            mayMatchNonASCII = false
        }
    }

    @inline(__always) func matchesASCII(_ c: UInt8) -> Bool {
        c < 64 ? low & (1 << UInt64(c)) != 0 : high & (1 << UInt64(c &- 64)) != 0
    }

    func raw(_ c: UInt32) -> Bool {
        for (lo, hi) in ranges {
            if c < lo { break }
            if c <= hi { return true }
        }
        for (k, neg) in builtins where builtinMatches(k, c, ascii: ascii) != neg { return true }
        return false
    }

    func slowMatches(_ c: UInt32) -> Bool {
        var m = raw(c)
        if !m, fold {
            if ascii {
                if c < 0x80, isASCIILetter(c) { m = raw(c ^ 0x20) }
            } else {
                let l = simpleLower(c), u = simpleUpper(c), k = foldKey(c)
                m = (l != c && raw(l)) || (u != c && raw(u)) || (k != c && raw(k))
                    || extraFoldPartners(k).contains(where: { $0 != c && raw($0) })
            }
        }
        return m != negated
    }
}

struct RegexCompiler {
    var insts: [RegexInst] = []
    /// Repetition copies: bounds compile time even for `(?:(?:){60000}){60000}`, which emits nothing.
    var work = 0
    /// Instructions this compiler may emit (a fragment compiler gets what its parent has left).
    var limit = LinearRegex.maxInstructions
    let slotOf: [Int]

    init(slotOf: [Int]) { self.slotOf = slotOf }

    /// One copy of a repeated body.
    mutating func tick() throws(RegexSyntaxError) {
        work += 1
        if work > 10 * LinearRegex.maxInstructions {
            throw RegexSyntaxError(kind: .tooLarge, message: "more than \(10 * LinearRegex.maxInstructions) repetition copies")
        }
    }

    mutating func emit(_ i: RegexInst) throws(RegexSyntaxError) -> Int {
        if insts.count >= limit {
            throw RegexSyntaxError(kind: .tooLarge, message: "more than \(LinearRegex.maxInstructions) instructions once "
                                   + "counted repetitions {n,m} are expanded")
        }
        var i = i
        if i.op.consumes { i.b = Int32(insts.count + 1) }
        insts.append(i)
        return insts.count - 1
    }

    mutating func compile(_ node: RegexNode) throws(RegexSyntaxError) {
        switch node {
        case .empty: break
        case .char(let c, let fold):
            if fold { _ = try emit(RegexInst(op: .charFold, a: Int32(foldKey(c)))) }
            else { _ = try emit(RegexInst(op: .char, a: Int32(c))) }
        case .any(let all): _ = try emit(RegexInst(op: all ? .anyAll : .any))
        case .set(let k): _ = try emit(RegexInst(op: .set, a: Int32(k)))
        case .assertion(let a): _ = try emit(RegexInst(op: .assert, a: a.rawValue))
        case .group(let body, let capture):
            let slot = capture.map { $0 < slotOf.count ? slotOf[$0] : -1 } ?? -1
            if slot >= 0 { _ = try emit(RegexInst(op: .save, a: Int32(2 * slot))) }
            try compile(body)
            if slot >= 0 { _ = try emit(RegexInst(op: .save, a: Int32(2 * slot + 1))) }
        case .concat(let items):
            for x in items { try compile(x) }
        case .alt(let branches):
            var jumps: [Int] = []
            for (k, b) in branches.enumerated() {
                if k < branches.count - 1 {
                    let sp = try emit(RegexInst(op: .split))
                    insts[sp].a = Int32(sp + 1)
                    try compile(b)
                    jumps.append(try emit(RegexInst(op: .jmp)))
                    insts[sp].b = Int32(insts.count)
                } else {
                    try compile(b)
                }
            }
            for j in jumps { insts[j].a = Int32(insts.count) }
        case .repeated(let body, let min, let max, let greedy):
            if canMatchEmpty(body) {
                try compileNullableRepeat(body, min, max, greedy)
            } else {
                try compileRepeat(body, min, max, greedy)
            }
        }
    }

    private mutating func setSplit(_ sp: Int, preferred: Int, other: Int, greedy: Bool) {
        insts[sp].a = Int32(greedy ? preferred : other)
        insts[sp].b = Int32(greedy ? other : preferred)
    }

    /// A body that cannot match the empty string: every iteration moves on, so plain loops.
    private mutating func compileRepeat(_ body: RegexNode, _ min: Int, _ max: Int?, _ greedy: Bool) throws(RegexSyntaxError) {
        if let max {
            for _ in 0..<min { try tick(); try compile(body) }
            guard max > min else { return }
            // x{0,k}: split(x, end) x split(x, end) x ... end — each optional copy may be skipped.
            var splits: [Int] = []
            for _ in min..<max {
                try tick()
                let sp = try emit(RegexInst(op: .split))
                splits.append(sp)
                try compile(body)
            }
            let end = insts.count
            for sp in splits { setSplit(sp, preferred: sp + 1, other: end, greedy: greedy) }
        } else if greedy, isOneCharacter(body) {
            // x{n,} = x^n x*, the star as one `star` instruction: star(x, end) x(next: star) end.
            for _ in 0..<min { try tick(); try compile(body) }
            let sp = try emit(RegexInst(op: .star))
            try compile(body)
            insts[sp + 1].b = Int32(sp)
            insts[sp].a = Int32(sp + 1)
            insts[sp].b = Int32(sp + 2)
        } else if min > 0 {
            // x{n,} = x^(n-1) x+ ; x+ = L: x split(L, end).
            for _ in 0..<(min - 1) { try tick(); try compile(body) }
            let loop = insts.count
            try compile(body)
            let sp = try emit(RegexInst(op: .split))
            setSplit(sp, preferred: loop, other: sp + 1, greedy: greedy)
        } else {
            // x* = L: split(x, end) x jmp L
            let sp = try emit(RegexInst(op: .split))
            try compile(body)
            let back = try emit(RegexInst(op: .jmp, a: Int32(sp)))
            setSplit(sp, preferred: sp + 1, other: back + 1, greedy: greedy)
        }
    }

    /// A body that can match the empty string. Python's `re` stops a loop after an iteration that matched
    /// nothing (and keeps that iteration's captures): (a|)* on "aab" leaves group 1 = (2, 2), and
    /// (?:(x)??y??)*.z tries the tail before a longer iteration. Each optional iteration is compiled twice —
    /// copy A while nothing has been consumed, copy B once something has (a consuming instruction of A goes
    /// on in B) — and leaving A ends the loop while leaving B may loop again. This is that rule in the
    /// automaton's states, so the matchers follow Python's order and no path returns to a state without
    /// consuming. It costs twice the body (nested nullable loops multiply; the instruction limit holds).
    private mutating func compileNullableRepeat(_ body: RegexNode, _ min: Int, _ max: Int?, _ greedy: Bool) throws(RegexSyntaxError) {
        for _ in 0..<min { try tick(); try compile(body) }  // iterations below the minimum: no check
        if let max, max <= min { return }
        let frag = try fragment(body)
        if let max {
            var splits: [Int] = []
            var emptyExits: [Int] = []
            for _ in min..<max {
                try tick()
                let sp = try emit(RegexInst(op: .split))
                splits.append(sp)
                let (aEnd, bEnd) = try emitTwoCopies(frag)
                emptyExits.append(aEnd)
                insts[bEnd].a = Int32(bEnd + 1)  // on to the next optional iteration (or the end)
            }
            let end = insts.count
            for sp in splits { setSplit(sp, preferred: sp + 1, other: end, greedy: greedy) }
            for j in emptyExits { insts[j].a = Int32(end) }
        } else {
            let sp = try emit(RegexInst(op: .split))
            let (aEnd, bEnd) = try emitTwoCopies(frag)
            insts[bEnd].a = Int32(sp)
            let end = insts.count
            insts[aEnd].a = Int32(end)
            setSplit(sp, preferred: sp + 1, other: end, greedy: greedy)
        }
    }

    /// The body compiled on its own (targets relative to 0, its end at `count`), sharing the limits.
    private mutating func fragment(_ body: RegexNode) throws(RegexSyntaxError) -> [RegexInst] {
        var sub = RegexCompiler(slotOf: slotOf)
        sub.limit = limit - insts.count
        sub.work = work
        try sub.compile(body)
        work = sub.work
        return sub.insts
    }

    /// Copy A, `jmp` (A's end), copy B, `jmp` (B's end); returns the two jumps for the caller to aim.
    private mutating func emitTwoCopies(_ frag: [RegexInst]) throws(RegexSyntaxError) -> (Int, Int) {
        let aBase = insts.count
        let bBase = aBase + frag.count + 1
        let aEnd = try emitCopy(frag, base: aBase, consumedBase: bBase)
        let bEnd = try emitCopy(frag, base: bBase, consumedBase: bBase)
        return (aEnd, bEnd)
    }

    private mutating func emitCopy(_ frag: [RegexInst], base: Int, consumedBase: Int) throws(RegexSyntaxError) -> Int {
        for ins in frag {
            var x = ins
            switch x.op {
            case .split, .star: x.a += Int32(base); x.b += Int32(base)
            case .jmp: x.a += Int32(base)
            default: break
            }
            let at = try emit(x)
            if x.op.consumes { insts[at].b = Int32(consumedBase) + ins.b }
        }
        return try emit(RegexInst(op: .jmp))
    }
}

/// A node that compiles to exactly one consuming instruction.
private func isOneCharacter(_ n: RegexNode) -> Bool {
    switch n {
    case .char, .any, .set: return true
    default: return false
    }
}

private func canMatchEmpty(_ n: RegexNode) -> Bool {
    switch n {
    case .empty, .assertion: return true
    case .char, .any, .set: return false
    case .group(let b, _): return canMatchEmpty(b)
    case .concat(let items): return items.allSatisfy(canMatchEmpty)
    case .alt(let branches): return branches.contains(where: canMatchEmpty)
    case .repeated(let b, let min, _, _): return min == 0 || canMatchEmpty(b)
    }
}

// MARK: - analysis for the search loop

private func isAnchored(_ n: RegexNode) -> Bool {
    switch n {
    case .assertion(let a): return a == .startText
    case .group(let b, _): return isAnchored(b)
    case .concat(let items): return items.first.map(isAnchored) ?? false
    case .alt(let bs): return !bs.isEmpty && bs.allSatisfy(isAnchored)
    case .repeated(let b, let min, _, _): return min > 0 && isAnchored(b)
    default: return false
    }
}

/// The bytes every match of `n` starts with; `complete` when `n` matches exactly those bytes (after
/// zero-width conditions), so what follows it extends the prefix.
private func literalPrefix(_ n: RegexNode) -> (bytes: [UInt8], complete: Bool) {
    switch n {
    case .empty, .assertion: return ([], true)
    case .char(let c, let fold):
        // U+FFFD also stands for any byte that is not UTF-8: no fixed bytes.
        guard !fold, c != 0xFFFD, let s = Unicode.Scalar(c) else { return ([], false) }
        return (Array(String(Character(s)).utf8), true)
    case .group(let b, _): return literalPrefix(b)
    case .concat(let items):
        var out: [UInt8] = []
        for x in items {
            let (b, complete) = literalPrefix(x)
            out += b
            if !complete || out.count >= 64 { return (out, false) }
        }
        return (out, true)
    case .repeated(let b, let min, let max, _):
        guard min > 0 else { return ([], false) }
        let (bytes, complete) = literalPrefix(b)
        guard complete else { return (bytes, false) }
        var out: [UInt8] = []
        for _ in 0..<min where out.count < 64 { out += bytes }
        return (out, max == min && out.count < 64)
    default: return ([], false)
    }
}

/// The set of first bytes of a match, from the instructions reachable from the start without consuming.
private func startBytes(_ insts: [RegexInst], _ classes: [CompiledClass]) -> [Bool]? {
    var set = [Bool](repeating: false, count: 256)
    var seen = [Bool](repeating: false, count: insts.count)
    var stack = [0]
    func addNonASCII() { for b in 0x80..<256 { set[b] = true } }
    func addScalar(_ c: UInt32) {
        if c < 0x80 { set[Int(c)] = true; return }
        if c == 0xFFFD { addNonASCII(); return }  // also what a byte that is not UTF-8 reads as
        guard let s = Unicode.Scalar(c), let b = String(Character(s)).utf8.first else { return }
        set[Int(b)] = true
    }
    while let pc = stack.popLast() {
        guard pc >= 0, pc < insts.count, !seen[pc] else { continue }
        seen[pc] = true
        let ins = insts[pc]
        switch ins.op {
        case .match: return nil
        case .char: addScalar(UInt32(ins.a))
        case .charFold:
            let c = UInt32(ins.a)
            addScalar(c); addScalar(simpleUpper(c))
            if c >= 0x80 || c == 0x6B || c == 0x73 { addNonASCII() }  // Kelvin sign, long s, other folds
        case .any, .anyAll:
            for b in 0..<256 where ins.op == .anyAll || b != 0x0A { set[b] = true }
        case .set:
            let k = Int(ins.a)
            guard k < classes.count else { return nil }
            for b in 0..<128 where classes[k].matchesASCII(UInt8(b)) { set[b] = true }
            if classes[k].mayMatchNonASCII { addNonASCII() }
        case .split, .star: stack.append(Int(ins.b)); stack.append(Int(ins.a))
        case .jmp: stack.append(Int(ins.a))
        case .save, .assert: stack.append(pc + 1)
        }
    }
    return set.allSatisfy({ $0 }) ? nil : set
}

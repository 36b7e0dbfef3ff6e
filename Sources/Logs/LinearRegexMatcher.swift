// Running a LinearRegex over a line: the bounded backtracker for short lines, the Pike VM for long ones (see
// LinearRegex.swift). A matcher holds the scratch memory of one thread of use (one per RegexLineParser); the
// compiled LinearRegex is shared and read-only.
//
// Every instruction index comes from the compiler (targets are < insts.count by construction) and every text
// index is checked against the line's length before it is read; the fuzz target `regex_format` runs both
// matchers under ASan on arbitrary patterns and bytes and checks that they agree.
import Glibc

public final class LinearRegexMatcher {
    public enum Engine: Sendable { case auto, backtrack, pike }

    public let regex: LinearRegex
    /// After a successful search: start and end byte offsets per kept group (slots 2k, 2k+1), −1 when the
    /// group took no part in the match.
    public private(set) var slots: [Int]

    private let nslots: Int
    private let classBits: [UInt64]       // 2 per class: ASCII membership
    private let classNonASCII: [Bool]
    private var caps: UnsafeMutablePointer<Int>
    private var jobs = ScratchStack()
    private var visited: UnsafeMutablePointer<UInt64>? = nil
    private var visitedWords = 0
    private var pikeLists: (PikeList, PikeList)? = nil
    private let empty: UnsafeMutablePointer<UInt8>

    public init(_ regex: LinearRegex) {
        self.regex = regex
        nslots = regex.slotCount
        slots = [Int](repeating: -1, count: regex.slotCount)
        var bits: [UInt64] = []
        for c in regex.classes { bits.append(c.low); bits.append(c.high) }
        classBits = bits
        classNonASCII = regex.classes.map(\.mayMatchNonASCII)
        caps = .allocate(capacity: max(regex.slotCount, 1))
        caps.initialize(repeating: -1, count: max(regex.slotCount, 1))
        empty = .allocate(capacity: 1)
        empty.initialize(to: 0)
    }

    deinit {
        caps.deallocate()
        empty.deallocate()
        visited?.deallocate()
        jobs.free()
        if let (a, b) = pikeLists { a.free(); b.free() }
    }

    /// Searches `text` for the leftmost-first match; true when found (spans in `slots`).
    @discardableResult
    public func search(_ text: UnsafeBufferPointer<UInt8>, engine: Engine = .auto) -> Bool {
        let n = text.count
        let t = text.baseAddress.map { UnsafePointer($0) } ?? UnsafePointer(empty)
        let useBacktrack: Bool
        switch engine {
        case .backtrack: useBacktrack = true
        case .pike: useBacktrack = false
        case .auto:
            let (bits, overflow) = max(regex.visitCount, 1).multipliedReportingOverflow(by: n + 1)
            useBacktrack = !overflow && bits <= LinearRegex.backtrackLimitBits
        }
        for s in 0..<nslots { caps[s] = -1 }
        let found = useBacktrack ? backtrack(t, n) : pike(t, n)
        for s in 0..<nslots { slots[s] = found ? caps[s] : -1 }
        return found
    }

    /// Convenience for tests and tools: (start, end) byte spans per kept group, nil when there is no match.
    public func firstMatch(_ s: String, engine: Engine = .auto) -> [(Int, Int)]? {
        var s = s
        let found = s.withUTF8 { search($0, engine: engine) }
        guard found else { return nil }
        return (0..<(nslots / 2)).map { (slots[2 * $0], slots[2 * $0 + 1]) }
    }

    // MARK: - one scalar

    /// Bytes the consuming instruction takes at `pos` (0: it does not match there).
    @inline(__always)
    private func consume(_ ins: RegexInst, _ t: UnsafePointer<UInt8>, _ pos: Int, _ n: Int,
                         _ bits: UnsafeBufferPointer<UInt64>) -> Int {
        guard pos < n else { return 0 }
        let b = t[pos]
        switch ins.op {
        case .char:
            let a = UInt32(truncatingIfNeeded: ins.a)
            if b < 0x80 { return UInt32(b) == a ? 1 : 0 }
            if a < 0x80 { return 0 }
            let (c, len) = decodeMultibyte(t, pos, n)
            return c == a ? len : 0
        case .charFold:
            let a = UInt32(truncatingIfNeeded: ins.a)
            if b < 0x80 { return UInt32(b >= 0x41 && b <= 0x5A ? b | 0x20 : b) == a ? 1 : 0 }
            let (c, len) = decodeMultibyte(t, pos, n)
            return foldKey(c) == a ? len : 0
        case .any:
            if b < 0x80 { return b != 0x0A ? 1 : 0 }
            return decodeMultibyte(t, pos, n).1
        case .anyAll:
            if b < 0x80 { return 1 }
            return decodeMultibyte(t, pos, n).1
        case .set:
            let k = Int(ins.a)
            guard k >= 0, 2 * k + 1 < bits.count else { return 0 }
            if b < 0x80 {
                let w = b < 64 ? bits[2 * k] : bits[2 * k + 1]
                return w & (1 << UInt64(b & 63)) != 0 ? 1 : 0
            }
            guard classNonASCII[k] else { return 0 }
            let (c, len) = decodeMultibyte(t, pos, n)
            return regex.classes[k].slowMatches(c) ? len : 0
        default:
            return 0
        }
    }

    private func holds(_ raw: Int32, _ t: UnsafePointer<UInt8>, _ pos: Int, _ n: Int) -> Bool {
        guard let a = RegexAssertion(rawValue: raw) else { return false }
        switch a {
        case .startText: return pos == 0
        case .startLine: return pos == 0 || (pos <= n && t[pos - 1] == 0x0A)
        case .endText: return pos == n
        case .endTextOrFinalNewline: return pos == n || (pos == n - 1 && t[pos] == 0x0A)
        case .endLine: return pos == n || (pos < n && t[pos] == 0x0A)
        case .wordBoundary, .notWordBoundary, .asciiWordBoundary, .asciiNotWordBoundary:
            let ascii = a == .asciiWordBoundary || a == .asciiNotWordBoundary
            func word(_ c: UInt32) -> Bool { ascii ? c < 0x80 && asciiIsWord(c) : unicodeIsWord(c) }
            let before = pos > 0 && pos <= n && word(scalarBefore(t, pos, n))
            let after = pos < n && word(decodeScalar(t, pos, n).0)
            return (before != after) == (a == .wordBoundary || a == .asciiWordBoundary)
        }
    }

    // MARK: - where matches can start

    private var canSkip: Bool { !regex.anchored && (!regex.prefix.isEmpty || regex.firstBytes != nil) }

    /// The first position ≥ p where a match could start, nil when none can.
    private func nextStart(_ t: UnsafePointer<UInt8>, _ n: Int, from p: Int) -> Int? {
        if !regex.prefix.isEmpty {
            return regex.prefix.withUnsafeBufferPointer { lit in
                findLiteral(UnsafeBufferPointer(start: t, count: n), lit, from: p)
            }
        }
        guard let first = regex.firstBytes else { return p }
        return first.withUnsafeBufferPointer { fb in
            var q = p
            while q < n {
                if fb[Int(t[q])], isScalarBoundary(t, q, n) { return q }
                q += 1
            }
            return nil
        }
    }

    // MARK: - bounded backtracker

    private func backtrack(_ t: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let width = regex.visitCount  // bits per position: position-major, so one step stays in a cache line
        let words = (width * (n + 1) + 63) / 64 + 1
        if visitedWords < words {
            visited?.deallocate()
            visited = .allocate(capacity: words)
            visitedWords = words
        }
        guard let vis = visited else { return false }
        vis.initialize(repeating: 0, count: words)
        let skip = canSkip
        return regex.insts.withUnsafeBufferPointer { insts in
            classBits.withUnsafeBufferPointer { bits in
                regex.visitIndex.withUnsafeBufferPointer { visitIndex in
                var p = 0
                while true {
                    if skip {
                        guard let q = nextStart(t, n, from: p) else { return false }
                        p = q
                    }
                    if tryAt(p, t, n, insts, bits, vis, width, visitIndex) { return true }
                    if regex.anchored || p >= n { return false }
                    p += decodeScalar(t, p, n).1
                }
                }
            }
        }
    }

    private func tryAt(_ start: Int, _ t: UnsafePointer<UInt8>, _ n: Int, _ insts: UnsafeBufferPointer<RegexInst>,
                       _ bits: UnsafeBufferPointer<UInt64>, _ vis: UnsafeMutablePointer<UInt64>, _ width: Int,
                       _ visitIndex: UnsafeBufferPointer<Int32>) -> Bool {
        var stack = jobs
        defer { jobs = stack }
        stack.count = 0
        stack.push(Job(pc: 0, slot: -1, pos: start))
        while let j = stack.pop() {
            if j.slot >= 0 { caps[Int(j.slot)] = j.pos; continue }
            var pc = Int(j.pc)
            var pos = j.pos
            if j.slot == -2, pos > j.low {
                // The next exit of a star: one character shorter.
                var q = pos - 1
                while q > j.low, t[q] & 0xC0 == 0x80, !isScalarBoundary(t, q, n) { q -= 1 }
                stack.push(Job(pc: j.pc, slot: -2, pos: q, low: j.low))
            }
            thread: while pc < insts.count {
                let v = Int(visitIndex[pc])
                if v >= 0 {
                    let bit = pos &* width &+ v
                    let mask: UInt64 = 1 << UInt64(bit & 63)
                    if vis[bit >> 6] & mask != 0 { break }
                    vis[bit >> 6] |= mask
                }
                let ins = insts[pc]
                switch ins.op {
                case .char, .charFold, .any, .anyAll, .set:
                    let len = consume(ins, t, pos, n, bits)
                    if len == 0 { break thread }
                    pc = Int(ins.b)
                    pos += len
                case .split:
                    stack.push(Job(pc: ins.b, slot: -1, pos: pos))
                    pc = Int(ins.a)
                case .star:
                    // What the loop star → x → star … would do, without the dispatch: take characters while x
                    // matches, marking (star, position) as visited (stopping at one already visited: all after it
                    // was explored), then try the exit from the longest run down.
                    let body = insts[Int(ins.a)]
                    guard Int(body.b) == pc else {
                        // In the "nothing consumed yet" copy of a nullable loop's body, x goes on to the
                        // other copy's star: not a self-loop, so a plain split.
                        stack.push(Job(pc: ins.b, slot: -1, pos: pos))
                        pc = Int(ins.a)
                        continue thread
                    }
                    let v = Int(visitIndex[pc])
                    var end = pos
                    while true {
                        let len = consume(body, t, end, n, bits)
                        if len == 0 { break }
                        if v >= 0 {
                            let bit = (end + len) &* width &+ v
                            let mask: UInt64 = 1 << UInt64(bit & 63)
                            if vis[bit >> 6] & mask != 0 { break }
                            vis[bit >> 6] |= mask
                        }
                        end += len
                    }
                    if end > pos { stack.push(Job(pc: ins.b, slot: -2, pos: end, low: pos)); break thread }
                    pc = Int(ins.b)
                case .jmp:
                    pc = Int(ins.a)
                case .save:
                    let s = Int(ins.a)
                    stack.push(Job(pc: 0, slot: ins.a, pos: caps[s]))
                    caps[s] = pos
                    pc += 1
                case .assert:
                    if !holds(ins.a, t, pos, n) { break thread }
                    pc += 1
                case .match:
                    return true
                }
            }
        }
        return false
    }

    // MARK: - Pike VM

    private func pike(_ t: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let count = regex.insts.count
        if pikeLists == nil { pikeLists = (PikeList(count, nslots), PikeList(count, nslots)) }
        guard var (clist, nlist) = pikeLists else { return false }
        let ns = nslots
        let skip = canSkip
        let cur = caps
        let result = UnsafeMutablePointer<Int>.allocate(capacity: max(ns, 1))
        defer { result.deallocate() }
        var matched = false
        let found: Bool = regex.insts.withUnsafeBufferPointer { insts in
            classBits.withUnsafeBufferPointer { bits in
                clist.count = 0
                var pos = 0
                while true {
                    if !matched, pos == 0 || !regex.anchored {
                        if clist.count == 0, skip {
                            guard let q = nextStart(t, n, from: pos) else { break }
                            pos = q
                        }
                        for s in 0..<ns { cur[s] = -1 }
                        addThread(&clist, 0, pos, t, n, insts, cur)
                    }
                    if clist.count == 0 { break }
                    let atEnd = pos >= n
                    nlist.count = 0
                    for d in 0..<clist.count {
                        let pc = Int(clist.dense[d])
                        let ins = insts[pc]
                        if ins.op == .match {
                            for s in 0..<ns { result[s] = clist.slots[d * ns + s] }
                            matched = true
                            break  // lower-priority threads are cut
                        }
                        guard !atEnd, ins.op.consumes else { continue }
                        let len = consume(ins, t, pos, n, bits)
                        if len > 0 {
                            for s in 0..<ns { cur[s] = clist.slots[d * ns + s] }
                            addThread(&nlist, Int(ins.b), pos + len, t, n, insts, cur)
                        }
                    }
                    if atEnd { break }
                    swap(&clist, &nlist)
                    pos += decodeScalar(t, pos, n).1
                }
                return matched
            }
        }
        pikeLists = (clist, nlist)
        if found { for s in 0..<ns { caps[s] = result[s] } }
        return found
    }

    /// Adds the thread at `pc0` and everything it reaches without consuming, in priority order; `cur` holds
    /// its capture slots (restored on the way back).
    private func addThread(_ list: inout PikeList, _ pc0: Int, _ pos: Int, _ t: UnsafePointer<UInt8>, _ n: Int,
                           _ insts: UnsafeBufferPointer<RegexInst>, _ cur: UnsafeMutablePointer<Int>) {
        var stack = jobs
        defer { jobs = stack }
        stack.count = 0
        stack.push(Job(pc: Int32(pc0), slot: -1, pos: 0))
        let ns = nslots
        while let j = stack.pop() {
            if j.slot >= 0 { cur[Int(j.slot)] = j.pos; continue }
            var pc = Int(j.pc)
            thread: while pc < insts.count {
                guard let d = list.insert(pc) else { break }
                let ins = insts[pc]
                switch ins.op {
                case .split, .star:
                    stack.push(Job(pc: ins.b, slot: -1, pos: 0))
                    pc = Int(ins.a)
                case .jmp:
                    pc = Int(ins.a)
                case .save:
                    let s = Int(ins.a)
                    stack.push(Job(pc: 0, slot: ins.a, pos: cur[s]))
                    cur[s] = pos
                    pc += 1
                case .assert:
                    if !holds(ins.a, t, pos, n) { break thread }
                    pc += 1
                default:
                    for s in 0..<ns { list.slots[d * ns + s] = cur[s] }
                    break thread
                }
            }
        }
    }
}

// MARK: - scratch memory

struct Job {
    var pc: Int32
    /// ≥ 0: restore this capture slot to `pos` (undo of a save); −1: explore `pc` at `pos`; −2: explore `pc`
    /// at every character boundary from `pos` down to `low` (the exits of a star, longest first).
    var slot: Int32
    var pos: Int
    var low: Int = 0
}

/// A growable stack the matcher owns (freed by its deinit): no copy-on-write or exclusivity checks in the loop.
struct ScratchStack {
    var base: UnsafeMutablePointer<Job>
    var capacity: Int
    var count = 0

    init() {
        capacity = 64
        base = .allocate(capacity: capacity)
    }

    func free() { base.deallocate() }

    @inline(__always) mutating func push(_ j: Job) {
        if count == capacity { grow() }
        (base + count).initialize(to: j)
        count += 1
    }

    @inline(__always) mutating func pop() -> Job? {
        guard count > 0 else { return nil }
        count -= 1
        return base[count]
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Job>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}

/// A sparse set of instruction indices (insertion order = thread priority) with capture slots per entry.
struct PikeList {
    let sparse: UnsafeMutablePointer<Int32>
    let dense: UnsafeMutablePointer<Int32>
    let slots: UnsafeMutablePointer<Int>
    let size: Int
    var count = 0

    init(_ size: Int, _ nslots: Int) {
        self.size = size
        sparse = .allocate(capacity: max(size, 1))
        sparse.initialize(repeating: 0, count: max(size, 1))
        dense = .allocate(capacity: max(size, 1))
        dense.initialize(repeating: 0, count: max(size, 1))
        slots = .allocate(capacity: max(size * nslots, 1))
        slots.initialize(repeating: -1, count: max(size * nslots, 1))
    }

    func free() { sparse.deallocate(); dense.deallocate(); slots.deallocate() }

    /// The new entry's index, nil when `pc` is already in the set.
    @inline(__always) mutating func insert(_ pc: Int) -> Int? {
        guard pc >= 0, pc < size else { return nil }
        let d = Int(sparse[pc])
        if d < count, dense[d] == Int32(pc) { return nil }
        sparse[pc] = Int32(count)
        dense[count] = Int32(pc)
        count += 1
        return count - 1
    }
}

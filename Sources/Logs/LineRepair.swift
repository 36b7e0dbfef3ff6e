// What `>> job.log 2>&1` puts into a line besides the record: colour escapes (colorlog, rich, uvicorn on a
// terminal), progress bars drawn with `\r` (tqdm writes its bar and then, on the same line, the next log record),
// and NUL runs (blocks a crash left unwritten before the next write). A line the format does not read as it
// stands is looked at again: without its escapes, and at each place a record could start after a `\r`, a NUL run
// or a finished progress bar. Lines without such bytes (nearly all) cost one failed parse, as before.
import Glibc

public enum HeadFinder {
    /// The most places in one line `find` tries after a progress bar.
    static let maxTries = 64

    /// Whether `b` holds a byte below 0x20 other than tab (ESC, NUL, CR...): eight bytes per step.
    @inline(__always)
    public static func hasControl(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return false }
        var i = 0
        let n = b.count
        while i &+ 8 <= n {
            let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            // High bit set in each byte < 0x20 (for bytes < 0x80; bytes >= 0x80 are masked by ~x).
            let t = (x &- 0x2020_2020_2020_2020) & ~x & 0x8080_8080_8080_8080
            if t != 0 {
                for k in 0..<8 where base[i + k] < 0x20 && base[i + k] != 0x09 { return true }
            }
            i &+= 8
        }
        while i < n {
            if base[i] < 0x20 && base[i] != 0x09 { return true }
            i &+= 1
        }
        return false
    }

    /// Reads `line` as a head with `parser`; when it does not fit and holds control bytes, tries it without colour
    /// escapes and from each place a record could start inside it. Returns where the head starts in `line` (0:
    /// the whole line), or nil. When the head was read from a copy without escapes, `head.alternate` holds it.
    public static func find(_ parser: LineParser, _ line: UnsafeBufferPointer<UInt8>, _ head: inout RecordHead) -> Int? {
        if parser.parseHead(line, into: &head) { return 0 }
        guard hasControl(line) else { return nil }
        return findInside(parser, line, &head)
    }

    /// The slow part of `find`, for a line that holds control bytes and did not fit as it stands.
    public static func findInside(_ parser: LineParser, _ line: UnsafeBufferPointer<UInt8>, _ head: inout RecordHead) -> Int? {
        if tryStripped(parser, line, &head) { return 0 }
        // Places after `\r` and after NUL runs; a head is looked for in the last piece (what a terminal shows).
        var last = 0
        var i = 0
        var sawCR = false
        // Each try reads (and may copy) the rest of the line: bounded, or a line of many short NUL runs costs
        // its length squared (a 200 kB one held format detection for minutes).
        var nulTries = 0
        while i < line.count {
            let c = line[i]
            if c == 0x0D {
                last = i + 1
                sawCR = true
            } else if c == 0 {
                var j = i
                while j < line.count, line[j] == 0 { j += 1 }
                last = j
                i = j
                if last < line.count, nulTries < maxTries {
                    nulTries += 1
                    if tryAt(parser, line, last, &head) { return last }
                }
                continue
            }
            i += 1
        }
        guard last > 0 || sawCR, last <= line.count else { return nil }
        if last > 0, last < line.count, tryAt(parser, line, last, &head) { return last }
        guard sawCR else { return nil }
        // tqdm draws `\r 40%|████  | 2/5 [00:00<00:01, 3.2it/s]` and a record written meanwhile follows the bar
        // on the same line, right after its `]` or after a space: try at each such place of the last piece.
        var tries = 0
        var k = last
        while k < line.count, tries < maxTries {
            let c = line[k]
            k += 1
            guard c == 0x20 || c == 0x5D else { continue }
            while k < line.count, line[k] == 0x20 { k += 1 }
            guard k < line.count else { break }
            tries += 1
            if tryAt(parser, line, k, &head) { return k }
        }
        return nil
    }

    @inline(__always)
    private static func tryAt(_ parser: LineParser, _ line: Bytes, _ at: Int, _ head: inout RecordHead) -> Bool {
        let piece = sub(line, at, line.count)
        if parser.parseHead(piece, into: &head) { return true }
        return tryStripped(parser, piece, &head)
    }

    /// Parses `b` without its colour escapes when it has any.
    private static func tryStripped(_ parser: LineParser, _ b: Bytes, _ head: inout RecordHead) -> Bool {
        guard let base = b.baseAddress, memchr(base, 0x1B, b.count) != nil else { return false }
        let clean = stripEscapes(b)
        guard clean.count < b.count else { return false }
        let ok = clean.withUnsafeBufferPointer { parser.parseHead($0, into: &head) }
        // (A parser that made its own copy of the clean line already points its spans there.)
        if ok, head.alternate == nil { head.alternate = clean }
        return ok
    }

    /// `b` without terminal escape sequences: CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL` or `ESC \`) and
    /// two-byte escapes.
    public static func stripEscapes(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            let c = b[i]
            guard c == 0x1B, i + 1 < b.count else {
                out.append(c)
                i += 1
                continue
            }
            let k = b[i + 1]
            if k == 0x5B {  // CSI: parameters and intermediates, then a final byte 0x40...0x7E
                var j = i + 2
                while j < b.count, b[j] >= 0x20, b[j] <= 0x3F { j += 1 }
                while j < b.count, b[j] >= 0x20, b[j] <= 0x2F { j += 1 }
                i = j < b.count && b[j] >= 0x40 && b[j] <= 0x7E ? j + 1 : j
            } else if k == 0x5D {  // OSC: up to BEL or ESC backslash
                var j = i + 2
                while j < b.count, b[j] != 0x07, !(b[j] == 0x1B && j + 1 < b.count && b[j + 1] == 0x5C) { j += 1 }
                i = j < b.count ? (b[j] == 0x07 ? j + 1 : j + 2) : j
            } else {
                i += 2
            }
        }
        return out
    }

    /// Whether `b` holds an escape byte.
    @inline(__always)
    public static func hasEscape(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return false }
        return memchr(base, 0x1B, b.count) != nil
    }
}

/// A UTF-8 byte-order mark at the start of `b`: its length (3) or 0.
@inline(__always)
func byteOrderMark(_ b: Bytes) -> Int {
    b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
}

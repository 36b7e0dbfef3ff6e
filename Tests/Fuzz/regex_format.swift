// libFuzzer target: `regex:` formats. The input is a pattern, a newline, then a line of arbitrary bytes.
// Whatever the pattern, compiling accepts or throws; an accepted pattern runs on both matchers (the bounded
// backtracker and the Pike VM), which must agree on whether and where it matches, with every span inside
// the line and on character boundaries; then the format's parser reads the line. Never a crash or a hang:
// the matchers are linear in the line, so libFuzzer's -timeout catches a regression to exponential time.
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegexFormat(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let all = UnsafeBufferPointer(start: data, count: size)
    let cut = all.firstIndex(of: 0x0A) ?? size
    let pattern = String(decoding: UnsafeBufferPointer(rebasing: all[0..<cut]), as: UTF8.self)
    let line = UnsafeBufferPointer(rebasing: all[min(cut + 1, size)...])
    guard let re = try? LinearRegex(pattern) else { return 0 }
    // Linear, but a 100,000-instruction program on a 4 KB line is still 400M steps for the Pike VM: keep
    // each input fast enough that a slow one means a bug.
    guard re.insts.count * (line.count + 1) <= 4_000_000 else { return 0 }

    let m = LinearRegexMatcher(re)
    let a = m.search(line, engine: .backtrack)
    let slotsA = m.slots
    let b = m.search(line, engine: .pike)
    if a != b || slotsA != m.slots {
        print("matchers disagree on \(pattern.debugDescription): backtrack \(a) \(slotsA), pike \(b) \(m.slots)")
        abort()
    }
    if a, let base = line.baseAddress {
        for k in stride(from: 0, to: slotsA.count, by: 2) {
            let s = slotsA[k], e = slotsA[k + 1]
            if s == -1 && e == -1 { continue }
            if s < 0 || e < s || e > line.count
                || !isScalarBoundary(base, s, line.count) || !isScalarBoundary(base, e, line.count) {
                print("bad span \(s)..<\(e) of \(line.count) bytes for \(pattern.debugDescription)")
                abort()
            }
        }
        if slotsA[0] != 0 && re.anchored { print("anchored match at \(slotsA[0])"); abort() }
    }

    if let f = try? RegexFormat(pattern) {
        let parser = RegexLineParser(f, reference: YearReference(year: 2026, month: 11))
        var head = RecordHead()
        if parser.parseHead(line, into: &head) {
            let bytes = head.alternate?.count ?? line.count
            for s in [head.levelText, head.logger, head.message] + head.extras.map(\.value) where s.isPresent {
                if Int(s.end) > bytes { print("span \(s) beyond \(bytes) bytes"); abort() }
            }
        }
    }
    return 0
}

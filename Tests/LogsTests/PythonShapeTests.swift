// PythonSimpleShape, the straight-line matcher of the common format shape, against the generic matcher on the
// same format: a colour placeholder in front (which matches nothing) keeps a format off the shape, so the two
// parsers differ only in the path they take. Lines are real-looking records and damaged variants of them.
import Testing
@testable import Logs

private let reference = YearReference(year: 2026, month: 11)

@Suite struct PythonShapeTests {
    static let formats: [(String, String?)] = [
        ("%(asctime)s [%(levelname)s] %(name)s: %(message)s", nil),
        ("%(asctime)s - %(name)s - %(levelname)s - %(message)s", nil),
        ("%(asctime)s %(levelname)s %(name)s: %(message)s", nil),
        ("%(asctime)s:%(levelname)s:%(message)s", nil),
        ("%(asctime)s | %(levelname)s | %(message)s", nil),
        ("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"),
        ("%(asctime)s - %(levelname)s - %(name)s - %(message)s", "%m/%d/%Y %H:%M:%S"),
        // A literal after the level that starts with a capital: not the one-pass level reading.
        ("%(asctime)s %(levelname)sR %(name)s: %(message)s", nil),
    ]

    static let lines = [
        "2026-11-20 02:00:01,123 [ERROR] trainer: CUDA out of memory: tried [2] GiB",
        "2026-11-20T02:00:01+0000 INFO __main__: Starting run: 7",
        "2026-11-20T02:00:01-05:00 ERROR https: x",
        "11/20/2026 02:00:01 - WARNING - transformers.trainer - saving - step 5",
        "2026-11-20 02:00:01,123 [INFO] trainer.data: loaded 5 files",
        "2026-11-20 02:00:01,123 - ml.ingest - WARNING - retrying - 2 of 5",
        "2026-11-20 02:00:01,123 CRITICAL api.http: down: 503",
        "2026-11-20 02:00:01,123 - - - ERROR - x",
        "2026-11-20 02:00:01,123:DEBUG:step 3: ok",
        "2026-11-20 02:00:01,123 | INFO | started | 3",
        "2026-11-20 02:00:01,123 -0500 [INFO] a: zone before",
        "2026-11-20 02:00:01,123 UTC [WARN] b: zone name",
        "2026-11-20 02:00:01,123 [Level 5] c: custom",
        "2026-11-20 02:00:01,123 [ info ] d: spaces",
        "2026-11-20 02:00:01,123 [NOTALEVEL!] e: x",
        "2026-11-20 02:00:01,123 [ERROR] : no logger",
        "2026-11-20 02:00:01,123 [ERROR] two words: x",
        "2026-02-30 02:00:01,123 [ERROR] f: no such day",
        "2026-11-20 02:00:01,123",
        // Edges of the one-pass readings of a level and a logger name.
        "2026-11-20 02:00:01,123 [INFO] a: b",
        "2026-11-20 02:00:01,123 [CRITICAL] _: x",
        "2026-11-20 02:00:01,123 [WARNINGS] w: x",
        "2026-11-20 02:00:01,123 [DEBUG]] x: y",
        "2026-11-20 02:00:01,123 [ERROR] \u{E9}.\u{FC}: x",
        "2026-11-20 02:00:01,123 [INFO] a:b: c",
        "2026-11-20 02:00:01,123 - a.b - INFO - c",
        "2026-11-20 02:00:01,123 ERRORR a: x",
        "2026-11-20 02:00:01,123 INFOR b: y",
        // The time of day read on a date seen on the line before (the date is not read again).
        "2026-11-20 02:00:01.123 [INFO] a: dot",
        "2026-11-20T02:00:01,123 [INFO] a: T",
        "2026-11-20 24:00:01,123 [INFO] a: no such hour",
        "2026-11-20 02:00:01,1234 [INFO] a: four digits",
        "2026-11-20 02:00:01,123Z [INFO] a: zone",
        "2026-11-20 02:00:01,123 CET [INFO] a: zone name",
        "2026-11-20 02:00:01,123 Trainer: capital logger",
        "ValueError: invalid literal for int() with base 10: 'x'",
        "  File \"x.py\", line 3, in f",
        "",
    ]

    @Test func shapeUsedOnlyWhereExpected() throws {
        for (f, d) in Self.formats {
            #expect(PythonLineParser(try PythonFormat(f, datefmt: d), reference: reference).shape != nil)
            #expect(PythonLineParser(try PythonFormat("%(reset)s" + f, datefmt: d), reference: reference).shape == nil)
        }
        #expect(PythonLineParser(try PythonFormat("%(asctime)s %(levelname)-8s %(message)s"), reference: reference).shape == nil)
        // A time of day without a date goes to `fields`: not the shape.
        #expect(PythonLineParser(try PythonFormat("%(asctime)s %(message)s", datefmt: "%H:%M:%S"),
                                 reference: reference).shape == nil)
    }

    @Test func sameHeadsAsTheGenericMatcher() throws {
        let alphabet: [UInt8] = Array("[]: -|,.0A\tZ+IRN_".utf8)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ n: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(n))
        }
        var compared = 0
        for (f, d) in Self.formats {
            let shaped = PythonLineParser(try PythonFormat(f, datefmt: d), reference: reference)
            let generic = PythonLineParser(try PythonFormat("%(reset)s" + f, datefmt: d), reference: reference)
            for line in Self.lines {
                let base = Array(line.utf8)
                for k in 0..<150 {
                    var b = base
                    // The line as it is, then one to three edits: a byte replaced, removed or inserted.
                    if k > 0 {
                        for _ in 0...random(3) {
                            let at = b.isEmpty ? 0 : random(b.count)
                            switch random(3) {
                            case 0 where !b.isEmpty: b[at] = alphabet[random(alphabet.count)]
                            case 1 where !b.isEmpty: b.remove(at: at)
                            default: b.insert(alphabet[random(alphabet.count)], at: at)
                            }
                        }
                    }
                    var h1 = RecordHead(), h2 = RecordHead()
                    let (ok1, ok2) = b.withUnsafeBufferPointer { p in
                        (shaped.parseHead(p, into: &h1), generic.parseHead(p, into: &h2))
                    }
                    let shown = String(decoding: b, as: UTF8.self)
                    #expect(ok1 == ok2, "\(f) on \(shown)")
                    guard ok1, ok2 else { continue }
                    #expect(h1.time == h2.time && h1.hasTime == h2.hasTime && h1.time.utcOffsetMinutes == h2.time.utcOffsetMinutes,
                            "\(f) on \(shown)")
                    #expect(h1.level == h2.level && h1.levelText == h2.levelText, "\(f) on \(shown)")
                    #expect(h1.logger == h2.logger && h1.message == h2.message, "\(f) on \(shown)")
                    #expect(h1.extras == h2.extras, "\(f) on \(shown)")
                    compared += 1
                }
            }
        }
        #expect(compared > 400)  // heads both read (the rest: lines both refused, also compared)
    }
}

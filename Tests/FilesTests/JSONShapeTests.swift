import CJSON
import Foundation
import Testing
import StrataTestSupport
@testable import Files

/// Lines read with a learnt shape (Sources/CJSON/json_shape.c) against the same lines read by the full scan
/// (strata_json_read_rows with shapes off, itself tied to the Swift path by JSONRowReaderTests): the same rows,
/// bytes and lines consumed, values, text spans and rendered documents — for every single-byte replacement,
/// deletion and insertion in a line that follows the line a shape was learnt from, and across long files whose
/// layout changes (relearning, strikes, cool-down).
@Suite struct JSONShapeTests {
    /// Wanted columns: a reader wants the first few. The first four are scalars (or $numberLong wrappers) in
    /// every layout below, where present; the others are containers in some.
    static let keys = ["score", "n", "label", "latency_ms", "a", "b", "s", "key", "missing", "_id"]
    static let asReal: [UInt8] = [1, 0, 0, 1, 0, 1, 0, 0, 1, 0]

    /// What one strata_json_read_rows call gives.
    struct Outcome: Equatable {
        var rows = 0, bytes = 0, lines = 0
        var types: [UInt8] = [], bits: [Int64] = [], spans: [Int64] = [], lineIndex: [Int64] = []
        var documents: [[UInt8]] = []
    }

    /// strata_json_read_rows over successive calls, one struct for all (so a shape lasts across calls).
    final class Reader {
        static let capacity = 64
        var keys: PackedKeys
        let columns = JSONShapeTests.keys.count
        var r = strata_json_rows()
        let asReal = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
        let types: UnsafeMutablePointer<UInt8>
        let bits, textStart, textEnd, lineIndex, documentStart, documentEnd: UnsafeMutablePointer<Int64>
        let members: UnsafeMutablePointer<strata_json_member>
        let text = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)

        init(shapes: Bool, columns used: Int, render: Bool, keys wanted: [String] = JSONShapeTests.keys) {
            keys = PackedKeys(wanted)
            let slots = columns * Reader.capacity
            types = .allocate(capacity: slots)
            bits = .allocate(capacity: slots)
            textStart = .allocate(capacity: slots)
            textEnd = .allocate(capacity: slots)
            lineIndex = .allocate(capacity: Reader.capacity)
            documentStart = .allocate(capacity: Reader.capacity)
            documentEnd = .allocate(capacity: Reader.capacity)
            members = .allocate(capacity: columns)
            for k in 0..<columns { asReal[k] = JSONShapeTests.asReal[k] }
            r.keys = UnsafePointer(keys.bytes)
            r.key_offsets = UnsafePointer(keys.offsets)
            r.columns = used
            r.as_real = UnsafePointer(asReal)
            r.unwrap_wrappers = 1
            r.row_capacity = Reader.capacity
            r.types = types
            r.bits = bits
            r.text_start = textStart
            r.text_end = textEnd
            r.line_index = lineIndex
            r.members = members
            r.render_document = render ? 1 : 0
            r.text = text
            r.text_capacity = 1 << 16
            r.document_start = documentStart
            r.document_end = documentEnd
            r.use_shapes = shapes ? 1 : 0
        }

        deinit {
            strata_json_rows_release(&r)
            for p in [bits, textStart, textEnd, lineIndex, documentStart, documentEnd] { p.deallocate() }
            types.deallocate(); members.deallocate(); asReal.deallocate(); text.deallocate()
        }

        func read(_ bytes: [UInt8], from start: Int = 0) -> Outcome {
            var o = Outcome()
            r.text_used = 0
            bytes.withUnsafeBufferPointer { b in
                guard let base = b.baseAddress, start < b.count else { return }
                var used = 0, lines = 0
                o.rows = strata_json_read_rows(base + start, b.count - start, b.count - start, &r, &used, &lines)
                o.bytes = used
                o.lines = lines
            }
            for c in 0..<Int(r.columns) {
                for i in 0..<o.rows {
                    let s = c * Reader.capacity + i
                    o.types.append(types[s]); o.bits.append(bits[s])
                    o.spans.append(textStart[s]); o.spans.append(textEnd[s])
                }
            }
            o.lineIndex = (0..<o.rows).map { lineIndex[$0] }
            if r.render_document != 0 {
                o.documents = (0..<o.rows).map {
                    Array(UnsafeBufferPointer(start: text + Int(documentStart[$0]),
                                              count: Int(documentEnd[$0] - documentStart[$0])))
                }
            }
            return o
        }
    }

    // Lines of a few layouts, with random scalar contents.
    static let numbers = ["0", "-0", "7", "-12", "3.25", "1e9", "-2.5E-3", "123456789012345678901234", "0.4524", "1E+2"]
    static let strings = ["\"\"", "\"x\"", "\"caf\\u00e9\"", "\"a\\\"b\"", "\"tab\\tx\"", "\"\u{e9}t\u{e9}\"",
                          "\"" + String(repeating: "abcdefghij", count: 4) + "\"", "\"\\\\\"", "\"v1\""]

    // Values strata_json_read_rows makes itself (the others leave the line to the caller).
    static let simpleNumbers = ["0", "7", "-12", "3.25", "0.4524", "1e9"]
    static let simpleStrings = ["\"\"", "\"x\"", "\"v1\"", "\"" + String(repeating: "abcdefghij", count: 4) + "\""]

    static func layout(_ k: Int, _ r: inout SeededRandom, simple: Bool = false) -> String {
        func n() -> String { r.pick(simple ? simpleNumbers : numbers) }
        func s() -> String { r.pick(simple ? simpleStrings : strings) }
        switch k {
        case 0:
            return "{\"_id\":{\"$oid\":\"6553000000000000000000\(r.int(90) + 10)\"},\"model_version\":\(s()),\"score\":\(n())," +
                "\"label\":\(s()),\"ts\":{\"$date\":{\"$numberLong\":\"\(1_763_080_260_000 + r.int(1000))\"}}," +
                "\"latency_ms\":{\"$numberLong\":\"\(r.int(500))\"},\"features\":{\"len\":\(n()),\"lang\":\(s())}}"
        case 1:
            return "  {\"a\" : \(n()) , \"b\":[\(n()),\(s()),{\"c\":null}], \"score\": \(n()), \"t\":true}  \r"
        case 2:
            return "{\"n\":{\"$numberLong\":\"-\(r.int(99))\"},\"s\":\(s()),\"e\":\(s()),\"key\":\(n())}"
        case 3:
            return "{\"key\":[],\"b\":{},\"a\":[[[\(n())]]],\"s\":\(s())}"
        case 4:
            return "{\"a\":\(n()),\"a\":\(s()),\"b\":\(n()),\"label\":\(s())}"
        case 5:
            return "{\"x\":\(s()),\"y\":\(n()),\"z\":[\(n()),\(n()),\(n())],\"score\":\(n())}"
        case 6:
            return "[\(n()),\(s())]"
        default:
            return "{\"a\":\(s())}"
        }
    }

    static let layouts = 8
    static let replacements: [UInt8] = [0x22, 0x5C, 0x2C, 0x3A, 0x7D, 0x5D, 0x7B, 0x5B, 0x20, 0x09, 0x30, 0x2D, 0x65,
                                        0x2E, 0x78, 0x01, 0xC3, 0x6E, 0x0D, 0x31, 0x0A]

    /// Reads `text` with shapes on and off (fresh readers) and compares.
    func compare(_ text: [UInt8], columns: Int, render: Bool, _ note: @autoclosure () -> String) -> Bool {
        let a = Reader(shapes: true, columns: columns, render: render).read(text)
        let b = Reader(shapes: false, columns: columns, render: render).read(text)
        if a != b {
            Issue.record("shapes on \(a.rows) rows / \(a.bytes) bytes, off \(b.rows) / \(b.bytes): \(note())")
            return false
        }
        return true
    }

    @Test func everyEditOfAShapedLineIsReadAsTheFullScanReadsIt() {
        var rng = SeededRandom(state: 15)
        var failures = 0, compared = 0
        for k in 0..<Self.layouts {
            for round in 0..<2 {
                let first = Array(Self.layout(k, &rng).utf8), after = Array(Self.layout(k, &rng).utf8)
                let line = Array(Self.layout(k, &rng).utf8)
                let columns = round == 0 ? Self.keys.count : 3
                var edits: [[UInt8]] = [line]
                for i in 0..<line.count {
                    for b in Self.replacements where b != line[i] {
                        var m = line; m[i] = b; edits.append(m)
                    }
                    var d = line; d.remove(at: i); edits.append(d)
                    for b: UInt8 in [0x20, 0x31, 0x22] { var ins = line; ins.insert(b, at: i); edits.append(ins) }
                }
                for (e, m) in edits.enumerated() where failures < 10 {
                    let text = first + [0x0A] + m + [0x0A] + after + [0x0A]
                    compared += 1
                    if !compare(text, columns: columns, render: e % 4 == 0,
                                "layout \(k), edit \(e): \(String(decoding: m, as: UTF8.self))") { failures += 1 }
                }
            }
        }
        #expect(compared > 20_000)
    }

    /// The unedited lines of each layout: read through the shape (so the edits above went through it too).
    @Test func aLayoutsLinesAreReadThroughItsShape() {
        var rng = SeededRandom(state: 16)
        for k in 0..<Self.layouts {
            let text = (0..<40).map { _ in Self.layout(k, &rng, simple: true) }.joined(separator: "\n") + "\n"
            let reader = Reader(shapes: true, columns: 4, render: false)
            let o = reader.read(Array(text.utf8))
            #expect(compare(Array(text.utf8), columns: 4, render: true, "layout \(k)"))
            if k == 6 {
                #expect(reader.r.shape_rows == 0, "a top-level array learns no shape")
            } else {
                // Every line after the first (from which the shape is learnt).
                #expect(o.rows == 40 && reader.r.shape_rows == 39, "layout \(k): \(reader.r.shape_rows) of \(o.rows)")
            }
        }
    }

    /// Long files whose layout changes — in runs, alternating, at random, with broken and blank lines — read
    /// call after call with one reader (the shape, its strikes and cool-down carry over): the same as the full
    /// scan. A line left to the caller is skipped here, as the caller reads it.
    @Test func changingLayoutsAcrossCallsAreReadAsTheFullScanReadsThem() {
        var rng = SeededRandom(state: 17)
        for pattern in 0..<5 {
            var lines: [String] = []
            for i in 0..<30_000 {
                let k: Int
                switch pattern {
                case 0: k = (i / 500) % Self.layouts            // runs
                case 1: k = i % 2 == 0 ? 0 : 2                  // alternating
                case 2: k = rng.int(Self.layouts)               // random
                case 3: k = rng.int(20) == 0 ? rng.int(Self.layouts) : 5  // mostly one, odd lines between
                default: k = i % 3 == 0 ? 2 : 6                 // an object between two arrays
                }
                var l = Self.layout(k, &rng, simple: pattern == 0 || pattern == 3)
                if rng.int(200) == 0 { l = String(l.dropLast(3)) }  // broken
                if rng.int(300) == 0 { l = "" }
                lines.append(l)
            }
            let text = Array((lines.joined(separator: "\n") + "\n").utf8)
            let columns = pattern == 0 || pattern == 3 ? 4 : Self.keys.count
            let on = Reader(shapes: true, columns: columns, render: false)
            let off = Reader(shapes: false, columns: columns, render: false)
            var at = 0, calls = 0, same = true
            while at < text.count && same {
                let a = on.read(text, from: at), b = off.read(text, from: at)
                calls += 1
                if a != b {
                    Issue.record("pattern \(pattern): call \(calls) at byte \(at) differs")
                    same = false
                }
                at += a.bytes
                if a.rows < Reader.capacity, at < text.count {  // a line for the caller: skip it
                    at = (text[at...].firstIndex(of: 0x0A) ?? text.count - 1) + 1
                }
            }
            #expect(same && calls > 400, "pattern \(pattern): \(calls) calls")
            if pattern == 0 || pattern == 3 {
                #expect(on.r.shape_rows > 15_000, "pattern \(pattern): \(on.r.shape_rows) rows through shapes")
            }
        }
    }

    /// A shape is learnt for one set of wanted columns: the same reader asked for others does not use it.
    @Test func aShapeIsNotUsedForOtherColumns() {
        var rng = SeededRandom(state: 18)
        let text = Array(((0..<100).map { _ in Self.layout(0, &rng, simple: true) }.joined(separator: "\n") + "\n").utf8)
        let reader = Reader(shapes: true, columns: 4, render: false)
        let half = text.count / 2
        let cut = (text[half...].firstIndex(of: 0x0A) ?? half) + 1
        let first = reader.read(Array(text[..<cut]))
        #expect(first.rows > 40 && reader.r.shape_rows == first.rows - 1)
        // Other keys: a shape used for them would give the first reader's columns' values.
        let other = ["label", "latency_ms"]
        reader.keys = PackedKeys(other)
        reader.r.keys = UnsafePointer(reader.keys.bytes)
        reader.r.key_offsets = UnsafePointer(reader.keys.offsets)
        reader.r.columns = 2
        let rest = reader.read(text, from: cut)
        let off = Reader(shapes: false, columns: 2, render: false, keys: other).read(text, from: cut)
        #expect(rest == off && rest.rows > 40)
    }
}

import Foundation
import Testing
import StrataTestSupport
@testable import Files

/// The C fast path (Sources/CJSON) against the Swift scanner it stands in for: whenever the fast path accepts a
/// document, the Swift scanner accepts it too, with the same span, kind and top-level members; every valid
/// document below 257 members is accepted by the fast path (else it would only be slow, not wrong, but the
/// speed claim rests on it). Inputs: generated documents and byte-level mutations of them (flips, cuts,
/// insertions of the characters the grammar turns on), plus hand-picked corner cases.
@Suite struct JSONFastPathTests {

    static let strings = ["", "a", "key", "model_version", "héllo", "tab\\there", "q\\\"uote", "\\u00e9\\uD83D",
                          "sixteen chars ok", "a string longer than sixteen bytes, to cross a vector", "\\\\", "\\/",
                          "{\\\"$oid\\\":1}", "$numberLong", String(repeating: "x", count: 40)]
    static let numbers = ["0", "-0", "1", "-1", "12.5", "0.001", "1e10", "1E-7", "-2.5e+3", "123456789012345678901234",
                          "3.14159", "0e0"]

    func value(_ r: inout SeededRandom, depth: Int) -> String {
        switch r.int(depth > 4 ? 5 : 8) {
        case 0: return "\"" + r.pick(Self.strings) + "\""
        case 1: return r.pick(Self.numbers)
        case 2: return r.pick(["true", "false", "null"])
        case 3: return r.pick(["{\"$numberLong\":\"112\"}", "{\"$oid\":\"6553\"}", "{\"$date\":{\"$numberLong\":\"17\"}}"])
        case 4: return r.pick(["{}", "[]", "{ }", "[ ]"])
        case 5, 6: return object(&r, depth: depth + 1)
        default:
            let n = r.int(5)
            return "[" + (0..<n).map { _ in value(&r, depth: depth + 1) }.joined(separator: r.pick([",", ", ", " ,"])) + "]"
        }
    }

    func object(_ r: inout SeededRandom, depth: Int) -> String {
        let n = r.int(9)
        let members = (0..<n).map { _ in
            "\"" + r.pick(Self.strings) + "\"" + r.pick([":", " : ", ":\t"]) + value(&r, depth: depth)
        }
        return "{" + members.joined(separator: r.pick([",", ", ", ",\r\n"])) + "}"
    }

    /// Same verdict where the fast path gives one: fast accepting implies Swift accepting the same way.
    func compare(_ bytes: [UInt8], _ note: String) -> (fast: Bool, swift: Bool) {
        let fastScanner = JSONScanner(unwrapExtendedJSON: false, collectMembers: true)
        let swiftScanner = JSONScanner(unwrapExtendedJSON: false, collectMembers: true)
        return bytes.withUnsafeBufferPointer { b in
            let fast = fastScanner.scanDocumentFast(b)
            let slow = try? swiftScanner.scanDocumentInSwift(b)
            if let fast {
                #expect(slow == fast, "span differs: \(note)")
                #expect(fastScanner.kind == swiftScanner.kind, "kind differs: \(note)")
                let fm = fastScanner.members, sm = swiftScanner.members
                #expect(fm.count == sm.count, "member count differs: \(note)")
                for (a, s) in zip(fm, sm) {
                    #expect(a.key == s.key && a.keyHasEscapes == s.keyHasEscapes && a.value == s.value && a.kind == s.kind,
                            "member differs: \(note)")
                }
            }
            return (fast != nil, slow != nil)
        }
    }

    @Test func generatedDocumentsAreAcceptedAlike() {
        var r = SeededRandom(state: 18)
        for i in 0..<3000 {
            let doc = r.int(10) == 0 ? value(&r, depth: 0) : object(&r, depth: 0)
            let padded = r.pick(["", " ", "\t", "\r\n "]) + doc + r.pick(["", " ", "\r", "\n"])
            let (fast, swift) = compare(Array(padded.utf8), "doc \(i): \(padded)")
            #expect(swift, "generated document rejected by Swift: \(padded)")
            #expect(fast, "valid document not taken by the fast path: \(padded)")
        }
    }

    @Test func mutatedDocumentsNeverPassTheFastPathAlone() {
        var r = SeededRandom(state: 77)
        let specials: [UInt8] = Array("{}[]\",:\\ \t\r\n0-.eE+tfnu".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xFF]
        var fastOnly = 0, disagreements = 0, valid = 0
        for i in 0..<20000 {
            var b = Array(object(&r, depth: 0).utf8)
            for _ in 0..<(1 + r.int(3)) {
                guard !b.isEmpty else { break }
                let at = r.int(b.count)
                switch r.int(4) {
                case 0: b[at] = r.pick(specials)
                case 1: b.insert(r.pick(specials), at: at)
                case 2: b.remove(at: at)
                default: b = Array(b[..<at])
                }
            }
            let (fast, swift) = compare(b, "mutation \(i): \(String(decoding: b, as: UTF8.self))")
            if fast && !swift { fastOnly += 1 }
            if fast != swift { disagreements += 1 }
            if swift { valid += 1 }
        }
        // Both verdicts are well represented (mutations inside strings keep a document valid).
        #expect(valid > 1000 && valid < 19000, "valid \(valid) of 20000")
        #expect(fastOnly == 0)
        // Rejections the fast path leaves to Swift that Swift accepts (only >256 members could cause one here).
        #expect(disagreements == 0)
    }

    @Test func cornerCases() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        let tooDeep = String(repeating: "[", count: 1001) + String(repeating: "]", count: 1001)
        let emptyTooDeep = String(repeating: "[", count: 1000) + "[]" + String(repeating: "]", count: 1000)
        let manyMembers = "{" + (0..<300).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        let cases: [(String, Bool)] = [
            ("{}", true), ("[]", true), ("1", true), ("\"s\"", true), ("null", true), (" true ", true),
            ("01", false), ("-", false), ("1.", false), ("1e", false), (".5", false), ("+1", false), ("1 2", false),
            ("{\"a\":1,}", false), ("[1,]", false), ("{\"a\" 1}", false), ("{1:2}", false), ("\"a", false),
            ("\"\\x\"", false), ("\"\\u12g4\"", false), ("\"tab\there\"", false), ("nul", false), ("tru", false),
            ("", false), ("   ", false), ("{\"a\":1}}", false), ("[1]]", false), ("NaN", false), ("Infinity", false),
            (deep, true), (tooDeep, false), (emptyTooDeep, false), ("\"\u{7F}\u{80}\"", true), ("{\"k\":\"v\"} x", false),
        ]
        for (text, valid) in cases {
            let (fast, swift) = compare(Array(text.utf8), text)
            #expect(swift == valid, "Swift on \(text.prefix(40))")
            #expect(fast == valid, "fast path on \(text.prefix(40))")
        }
        // More than 256 members: the fast path steps aside, Swift takes it.
        let (fast, swift) = compare(Array(manyMembers.utf8), "300 members")
        #expect(!fast && swift)
        // Every split point of a document with a string crossing 16-byte blocks, an escape at each offset.
        let base = "{\"key\":\"0123456789abcdef0123456789\\n456789abcdef\",\"n\":[1,2]}"
        let bytes = Array(base.utf8)
        for cut in 0...bytes.count {
            let (f, s) = compare(Array(bytes[..<cut]), "cut \(cut)")
            #expect(f == s && s == (cut == bytes.count), "cut \(cut)")
        }
    }
}

/// CJSON's simple values against the Swift path they shortcut: for every member of many documents, and with
/// the column read as REAL or not, the value appended the short way equals the value `value(ofMember:)` makes.
@Suite struct JSONSimpleValueTests {
    static let values = [
        "null", "true", "false", "0", "-0", "7", "-12", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "-9223372036854775809", "12345678901234567890123", "0.5", "-0.25", "1e3", "1E-3",
        "2.5e+10", "0.1", "123456789.123456789", "9007199254740993", "1e22", "1e23", "5e-324", "1.7976931348623157e308",
        "4.35", "\"\"", "\"plain\"", "\"with space and digits 123\"", "\"caf\u{e9}\"", "\"esc\\n\"", "\"\\u0041\"",
        "\"\u{7F}\"", "{}", "[]", "[1,2]", "{\"a\":1}",
        "{\"$numberLong\":\"112\"}", "{\"$numberLong\": \"-5\"}", "{ \"$numberInt\" : \"42\" }", "{\"$numberLong\":\"\"}",
        "{\"$numberLong\":\"01\"}", "{\"$numberLong\":\"1.5\"}", "{\"$numberLong\":\"99999999999999999999\"}",
        "{\"$numberLong\":5}", "{\"$numberLong\":\"\\u0031\"}", "{\"$numberInt\":\"7\",\"x\":1}", "{\"$numberDouble\":\"2.5\"}",
        "{\"$date\":{\"$numberLong\":\"1700000000000\"}}", "{\"$oid\":\"6553\"}", "{\"$numberlong\":\"3\"}",
    ]

    @Test func simpleValuesEqualTheSwiftPath() throws {
        let path = "/tmp/strata-simple-values-\(getpid()).jsonl"
        var lines: [String] = []
        for (i, v) in Self.values.enumerated() {
            lines.append("{\"id\":\(i),\"v\":\(v),\"w\":[\(v)],\"k\\u0041\":\(v)}")
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        var simple = 0
        for asReal in [false, true] {
            let r = try JSONDocumentReader(path: path, collectMembers: true, unwrapLazily: true)
            while try r.next() {
                for mi in -1..<r.scanner.members.count {
                    var short = JSONValueColumn(), long = JSONValueColumn()
                    if short.appendSimple(r, member: mi, asReal: asReal) { simple += 1 } else { continue }
                    long.append(r.value(ofMember: mi), asReal: asReal)
                    let note = "line \(r.line) member \(mi) asReal \(asReal)"
                    #expect(short.types == long.types, "\(note)")
                    #expect(short.values == long.values, "\(note)")
                    #expect(short.lengths == long.lengths && short.pool == long.pool, "\(note)")
                }
            }
        }
        // Most values here are simple; the rest (escapes, non-ASCII, wrappers of other shapes) go the long way.
        #expect(simple > Self.values.count * 4)
    }

    @Test func generatedDocumentsGiveTheSameColumns() throws {
        let gen = JSONFastPathTests()
        var rng = SeededRandom(state: 5)
        let path = "/tmp/strata-simple-generated-\(getpid()).jsonl"
        // One document a line: the generator may put CR LF between members.
        try (0..<2000).map { _ in gen.object(&rng, depth: 0).replacingOccurrences(of: "\r\n", with: " ") }
            .joined(separator: "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        var simple = 0, checked = 0
        for asReal in [false, true] {
            let r = try JSONDocumentReader(path: path, collectMembers: true, unwrapLazily: true)
            while try r.next() {
                for mi in 0..<r.scanner.members.count {
                    var short = JSONValueColumn(), long = JSONValueColumn()
                    checked += 1
                    if short.appendSimple(r, member: mi, asReal: asReal) { simple += 1 } else { continue }
                    long.append(r.value(ofMember: mi), asReal: asReal)
                    #expect(short.types == long.types && short.values == long.values && short.pool == long.pool,
                            "line \(r.line) member \(mi) asReal \(asReal)")
                }
            }
        }
        #expect(simple > checked / 4, "\(simple) simple of \(checked)")
    }
}

/// The C key matcher against the definition: column c's member is the first whose decoded key equals the
/// column's key (documents with escaped keys go to the Swift matcher; both must give that answer).
@Suite struct JSONKeyMatchTests {
    @Test func firstMemberWithTheKeyWins() throws {
        let gen = JSONFastPathTests()
        var rng = SeededRandom(state: 9)
        let path = "/tmp/strata-key-match-\(getpid()).jsonl"
        var docs = (0..<1500).map { _ in gen.object(&rng, depth: 0).replacingOccurrences(of: "\r\n", with: " ") }
        docs += ["{\"a\":1,\"a\":2,\"b\":3}", "{\"\\u0061\":1,\"a\":2}", "{\"b\":1}", "{}", "[1]", "{\"key\":{\"key\":1}}"]
        try docs.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let keys = ["a", "b", "key", "model_version", "héllo", "tab\there", "q\"uote", "", "missing"]
        let matcher = JSONColumnMatcher(columns: keys.enumerated().map { JSONColumn(key: $1, name: "c\($0)", type: .text) })
        let r = try JSONDocumentReader(path: path, collectMembers: true, unwrapLazily: true)
        var documents = 0, matched = 0
        while try r.next() {
            documents += 1
            matcher.match(r)
            let members = r.scanner.members
            for (c, key) in keys.enumerated() {
                let expected = members.firstIndex { m in
                    decodeJSONStringBody(UnsafeBufferPointer(rebasing: r.buffer[m.key.start..<m.key.end])) == key
                } ?? -1
                #expect(matcher.memberIndex(column: c) == expected, "line \(r.line) key \(key)")
                if expected >= 0 { matched += 1 }
            }
        }
        #expect(documents == docs.count && matched > 1000)
    }
}

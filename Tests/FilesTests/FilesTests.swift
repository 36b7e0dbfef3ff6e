// Unit tests of the Files core on plain values: the JSON scanner and Extended JSON, the CSV reader and its
// options, .npy headers and conversions, the zip reader, and the .npy writer (checked against np.load when
// a Python with NumPy is at hand). Mutation tests feed broken input to every parser: errors, never traps.
import Foundation
import Testing
@testable import Files
import SQLiteKit

func scan(_ text: String, members: Bool = true) throws -> (JSONScanner, [UInt8], JSONSpan) {
    let bytes = Array(text.utf8)
    let s = JSONScanner(unwrapExtendedJSON: true, collectMembers: members)
    let span = try bytes.withUnsafeBufferPointer { try s.scanDocument($0) }
    return (s, bytes, span)
}

func rendered(_ text: String) throws -> String {
    let (s, bytes, span) = try scan(text)
    return bytes.withUnsafeBufferPointer { b in s.withRendered(b, span) { String(decoding: $0, as: UTF8.self) } }
}

func scanError(_ text: String) -> String? {
    do { _ = try scan(text); return nil } catch { return (error as? JSONSyntaxError)?.message ?? "\(error)" }
}

@Suite struct JSONScannerTests {
    @Test func acceptsValidJSON() throws {
        for t in ["{}", "[]", "0", "-0.5e+10", "\"\\u00e9\\ud83d\\ude00\"", "true", " null ", "[1,[2,[3,{}]]]",
                  "{\"a\":{\"b\":[1,2,{\"c\":null}]},\"d\":\"x\"}", "1E5", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]"] {
            #expect(throws: Never.self) { _ = try scan(t) }
            // Foundation agrees it is JSON.
            #expect((try? JSONSerialization.jsonObject(with: Data(t.utf8), options: .fragmentsAllowed)) != nil)
        }
    }

    @Test func rejectsInvalidJSONWithPlaces() {
        #expect(scanError("{\"a\": 1,}") == "expected a string key at column 9")
        #expect(scanError("[1 2]") == "expected ',' or ']' at column 4")
        #expect(scanError("{\"a\" 1}") == "expected ':' at column 6")
        #expect(scanError("01") == "leading zero in a number at column 2")
        #expect(scanError("\"a\tb\"") == "control character in a string (escape it as \\u0009) at column 3")
        #expect(scanError("\"\\x\"") == "bad escape '\\x' at column 3")
        #expect(scanError("[1] x") == "unexpected 'x' after the document at column 5")
        #expect(scanError("[") == "unexpected end of input, expected a value or ']'")
        #expect(scanError("nul") == "unexpected end of input, expected 'null'")
        #expect(scanError("1.") == "unexpected end of input, expected a digit")
        #expect(scanError(String(repeating: "[", count: 1001) + String(repeating: "]", count: 1001))
                == "nesting deeper than 1000 at column 1001")
        for t in ["{", "{\"a\"", "[1,", "\"abc", "tru", "-", "1e", "{\"a\":[}"] {
            #expect(scanError(t) != nil)
            #expect((try? JSONSerialization.jsonObject(with: Data(t.utf8), options: .fragmentsAllowed)) == nil)
        }
    }

    @Test func collectsTopLevelMembers() throws {
        let (s, bytes, _) = try scan("{\"a\": 1, \"b\\n\": [1, {\"x\": 2}], \"c\": {\"d\": \"e\"}, \"e\": \"s\"}")
        let keys = s.members.map { JSONColumns.keyString(bytes.withUnsafeBufferPointer { $0 }, $0) }
        #expect(keys == ["a", "b\n", "c", "e"])
        #expect(s.members.map(\.kind) == [.number, .array, .object, .string])
        let texts = s.members.map { String(decoding: bytes[$0.value.start..<$0.value.end], as: UTF8.self) }
        #expect(texts == ["1", "[1, {\"x\": 2}]", "{\"d\": \"e\"}", "\"s\""])
    }

    @Test func unwrapsExtendedJSON() throws {
        #expect(try rendered("{\"_id\": {\"$oid\": \"6553abc\"}, \"n\": {\"$numberLong\": \"-42\"}}")
                == "{\"_id\": \"6553abc\", \"n\": -42}")
        #expect(try rendered("[{\"$date\": \"2026-11-14T00:30:00.123Z\"}, {\"$date\": {\"$numberLong\": \"0\"}}]")
                == "[\"2026-11-14 00:30:00.123\", \"1970-01-01 00:00:00.000\"]")
        #expect(try rendered("{\"d\": { \"$date\" : \"2026-11-14T05:30:00+05:30\" } }") == "{\"d\": \"2026-11-14 00:00:00.000\" }")
        #expect(try rendered("{\"x\": {\"$numberDouble\": \"1.5e3\"}, \"y\": {\"$numberDecimal\": \"NaN\"}}")
                == "{\"x\": 1.5e3, \"y\": null}")
        // Not the wrapper form: left alone.
        for t in ["{\"$oid\": 1}", "{\"$numberLong\": \"1.5\"}", "{\"$date\": \"yesterday\"}", "{\"$oid\": \"a\", \"b\": 1}",
                  "{\"$regex\": \"a\"}", "{\"$date\": [1]}"] {
            #expect(try rendered(t) == t)
        }
        let (s, bytes, _) = try scan("{\"a\": {\"$numberInt\": \"7\"}, \"b\": {\"$date\": 86400000}}")
        #expect(s.members.map(\.kind) == [.number, .string])
        #expect(s.replacements.map { r in bytes.withUnsafeBufferPointer { b in s.withText(of: r, in: b) { String(decoding: $0, as: UTF8.self) } } } == ["7", "\"1970-01-02 00:00:00.000\""])
    }

    @Test func dateTextMatchesFoundation() {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let out = DateFormatter()
        out.timeZone = TimeZone(identifier: "UTC")
        out.locale = Locale(identifier: "en_US_POSIX")
        out.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        // From 1590 on: Foundation's calendar is Julian before 1582, ours (like MongoDB's) proleptic Gregorian.
        var ms: Int64 = -11_990_000_000_000
        while ms < 250_000_000_000_000 {
            let d = Date(timeIntervalSince1970: Double(ms) / 1000)
            #expect(ExtendedJSON.isoText(epochMilliseconds: ms) == out.string(from: d))
            for tz in ["+01:00", "-07:30", "Z"] {
                f.timeZone = tz == "Z" ? TimeZone(identifier: "UTC") : TimeZone(identifier: tz == "+01:00" ? "GMT+0100" : "GMT-0730")
                var s = f.string(from: d)
                let converted = s.withUTF8 { ExtendedJSON.isoText(dateString: $0) }
                #expect(converted == out.string(from: d), "\(s)")
            }
            ms += 987_654_321_987
        }
        #expect(ExtendedJSON.isoText(epochMilliseconds: 253_402_300_800_000) == nil)
    }

    @Test func incompleteInputIsReportedAsSuch() {
        let s = JSONScanner()
        for t in ["{\"a\": [1, 2", "{\"$date\": {\"$numberLong\": \"12", "123", "\"abc", "{\"$oid\""] {
            let b = Array(t.utf8)
            do {
                _ = try b.withUnsafeBufferPointer { try s.scanValue($0, from: 0, isFinal: false) }
                Issue.record("\(t) scanned as complete")
            } catch let e as JSONSyntaxError {
                #expect(e.incomplete, "\(t)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func decodesStrings() {
        func dec(_ s: String) -> String { Array(s.utf8).withUnsafeBufferPointer { decodeJSONString($0) } }
        #expect(dec("\"a\\\"b\\\\c\\/d\\n\"") == "a\"b\\c/d\n")
        #expect(dec("\"\\ud83d\\ude00 \\u00e9\"") == "😀 é")
        #expect(dec("\"\\ud83d x\"") == "\u{FFFD} x")
        #expect(dec("\"\\ude00\"") == "\u{FFFD}")
        var out: [UInt8] = []
        appendJSONString("q\"\\\n\u{1}é", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\"q\\\"\\\\\\n\\u0001é\"")
        #expect(Array("12345678901234567890".utf8).withUnsafeBufferPointer { parseJSONNumber($0) } == .real(12345678901234567890))
        #expect(Array("-9223372036854775808".utf8).withUnsafeBufferPointer { parseJSONNumber($0) } == .integer(Int64.min))
    }

    /// The exact-decimal fast path (Clinger) must give strtod's Double, bit for bit, or decline.
    @Test func fastDecimalsAgreeWithStrtod() {
        var rng = SystemRandomNumberGenerator()
        var texts = ["0.1", "-0.0", "0.30000000000000004", "1e22", "1e23", "9007199254740993.0", "123456789012345678.9",
                     "4.9e-324", "1.7976931348623157e308", "1.5e-22", "2.5E+10", "1.", ".5", "1e", "-", "00.5", "1.0e-23"]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...20, using: &rng)
            var s = Bool.random(using: &rng) ? "-" : ""
            let whole = Int.random(in: 1...digits, using: &rng)
            s += String(Int.random(in: 1...9, using: &rng))
            for _ in 1..<whole { s += String(Int.random(in: 0...9, using: &rng)) }
            if whole < digits { s += "."; for _ in whole..<digits { s += String(Int.random(in: 0...9, using: &rng)) } }
            if Bool.random(using: &rng) { s += "e" + String(Int.random(in: -30...30, using: &rng)) }
            texts.append(s)
        }
        for t in texts {
            let fast = Array(t.utf8).withUnsafeBufferPointer { exactDecimal($0) }
            guard let fast else { continue }
            let slow = t.withCString { strtod($0, nil) }
            #expect(fast.bitPattern == slow.bitPattern, "\(t): \(fast) vs strtod \(slow)")
        }
    }

    @Test func mutatedDocumentsNeverTrap() {
        var rng = SystemRandomNumberGenerator()
        let seed = Array("{\"_id\":{\"$oid\":\"65\"},\"t\":{\"$date\":{\"$numberLong\":\"17\"}},\"a\":[1,-2.5e3,\"\\u00e9\",null,true]}".utf8)
        let s = JSONScanner(unwrapExtendedJSON: true, collectMembers: true)
        let alphabet = Array("{}[]\":,\\$ue0-1.".utf8)
        for _ in 0..<20_000 {
            var b = seed
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let k = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: b[k] = alphabet.randomElement(using: &rng) ?? 0
                case 1: b.remove(at: k)
                default: b.insert(alphabet.randomElement(using: &rng) ?? 0, at: k)
                }
                if b.isEmpty { b = [0x7B] }
            }
            _ = try? b.withUnsafeBufferPointer { buf -> Int in
                let span = try s.scanDocument(buf)
                return s.withRendered(buf, span) { $0.count }
            }
        }
    }
}

func tempFile(_ name: String, _ contents: [UInt8]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-files-tests-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    // Unique per call: tests run in parallel and must not rewrite each other's files.
    let url = dir.appendingPathComponent(UUID().uuidString + "-" + name)
    try Data(contents).write(to: url)
    return url.path
}

func tempFile(_ name: String, _ text: String) throws -> String { try tempFile(name, Array(text.utf8)) }

@Suite struct DocumentReaderTests {
    @Test func readsLinesAndArrays() throws {
        let lines = try tempFile("a.jsonl", "\u{FEFF}{\"a\":1}\r\n\n  \n[2]\n\"x\"")
        let r = try JSONDocumentReader(path: lines)
        var got: [(Int, String)] = []
        while try r.next() { got.append((r.line, r.withDocumentText { String(decoding: $0, as: UTF8.self) })) }
        #expect(got.map(\.0) == [1, 4, 5])
        #expect(got.map(\.1) == ["{\"a\":1}", "[2]", "\"x\""])
        #expect(!r.isArrayFile)

        let arr = try tempFile("a.json", "\n [ {\"a\": {\"$numberLong\": \"5\"}},\n\n 2 ,\"s\", [\n1]\n]\n")
        let ar = try JSONDocumentReader(path: arr)
        got = []
        while try ar.next() { got.append((ar.line, ar.withDocumentText { String(decoding: $0, as: UTF8.self) })) }
        #expect(ar.isArrayFile)
        #expect(got.map(\.0) == [2, 4, 4, 4])
        #expect(got.map(\.1) == ["{\"a\": 5}", "2", "\"s\"", "[\n1]"])
    }

    @Test func arrayDocumentsSpanningBufferRefills() throws {
        // Documents larger than the first buffer (256 KiB), so scanning restarts after refills.
        let big = String(repeating: "x", count: 300_000)
        let text = "[" + (0..<5).map { "{\"k\": \($0), \"s\": \"\(big)\", \"d\": {\"$date\": \"2020-01-01T00:00:00Z\"}}" }
            .joined(separator: ",\n") + "]"
        let r = try JSONDocumentReader(path: try tempFile("big.json", text), collectMembers: true)
        var n = 0
        while try r.next() {
            #expect(r.line == n + 1)
            #expect(r.value(ofMember: 0) == .integer(Int64(n)))
            #expect(r.value(ofMember: 2) == .text("2020-01-01 00:00:00.000"))
            n += 1
        }
        #expect(n == 5)
    }

    @Test func arrayErrors() throws {
        for (text, message) in [("[1, 2", "line 1: unexpected end of file inside the JSON array"),
                                ("[1 2]", "line 1: expected ',' or ']' between documents"),
                                ("[1]\n[2]", "line 2: unexpected '[' after the JSON array"),
                                ("[1,\n{\"a\" 1}]", "line 2: expected ':'")] {
            let path = try tempFile("e.json", text)
            let r = try JSONDocumentReader(path: path)
            do {
                while try r.next() {}
                Issue.record("no error for \(text)")
            } catch let e as FilesError {
                #expect(e.message == "'\(path)' \(message)")
            }
        }
    }

    @Test func infersColumns() throws {
        let path = try tempFile("c.jsonl", """
            {"id": 1, "x": 1.5, "s": "a", "o": {"k": 1}, "b": true, "n": null, "m": 1}
            {"id": 2, "x": 2, "s": "b", "o": [1], "b": false, "n": null, "m": "one", "ID": 3}
            """)
        let cols = try JSONColumns.infer(paths: [path])
        #expect(cols.map(\.name) == ["id", "x", "s", "o", "b", "n", "m", "ID_2"])
        #expect(cols.map(\.type) == [.integer, .real, .text, .json, .integer, .any, .any, .integer])
    }
}

extension JSONMemberValue: Equatable {
    public static func == (a: JSONMemberValue, b: JSONMemberValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.integer(x), .integer(y)): return x == y
        case let (.real(x), .real(y)): return x == y
        case let (.text(x), .text(y)), let (.json(x), .json(y)): return x == y
        default: return false
        }
    }
}

@Suite struct CSVTests {
    func records(_ text: String, _ options: CSVOptions = CSVOptions()) throws -> [(Int, [String], [Bool])] {
        let r = try CSVReader(path: try tempFile("t.csv", text), options: options)
        var out: [(Int, [String], [Bool])] = []
        while try r.next() { out.append((r.line, r.fields, (0..<r.fieldCount).map(r.isQuoted))) }
        return out
    }

    @Test func rfc4180() throws {
        let got = try records("\u{FEFF}a,b,c\r\n1,\"x, \"\"y\"\"\",\"multi\r\nline\"\r\n\r\n,\"\",z\rlast,row,\"q\"tail")
        #expect(got.map(\.0) == [1, 2, 5, 6])
        #expect(got.map(\.1) == [["a", "b", "c"], ["1", "x, \"y\"", "multi\r\nline"], ["", "", "z"], ["last", "row", "qtail"]])
        #expect(got[2].2 == [false, true, false])
    }

    @Test func tsvAndOtherQuotes() throws {
        var o = CSVOptions.defaults(forPath: "x.TSV")
        #expect(o.delimiter == 0x09)
        #expect(try records("a\tb\n'x\ty'\t2\n", { o.quote = 0x27; return o }()).map(\.1) == [["a", "b"], ["x\ty", "2"]])
    }

    @Test func unterminatedQuote() throws {
        #expect(throws: FilesError.self) { _ = try records("a\n\"open\n\n") }
    }

    @Test func options() throws {
        func parse(_ s: String) throws -> [String] { try parseOptionList(s).map { "\($0.key)=\($0.value)" } }
        #expect(try parse("header=false, delimiter=;") == ["header=false", "delimiter=;"])
        #expect(try parse("delimiter=,;header=0") == ["delimiter=,", "header=0"])
        #expect(try parse("Delimiter='|' , quote=\"'\"") == ["delimiter=|", "quote='"])
        #expect(try parse("quote=''''") == ["quote='"])
        #expect(try parse("{\"delimiter\": \"\\t\", \"header\": false}") == ["delimiter=\t", "header=false"])
        #expect(throws: FilesError.self) { _ = try parseOptionList("header") }
        #expect(throws: FilesError.self) { _ = try parseOptionList("{\"a\": ") }
        var o = CSVOptions()
        #expect(try o.apply("delimiter", "tab") && o.delimiter == 0x09)
        #expect(throws: FilesError.self) { _ = try o.apply("quote", "\t") }
    }

    @Test func columnNamesAndTypes() {
        #expect(uniqueColumnNames(["a", "A", "", "a_2", "a"]) == ["a", "A_2", "c3", "a_2_2", "a_3"])
        #expect(quotedIdentifier("we\"ird") == "\"we\"\"ird\"")
        var t = TypeTally()
        for s in ["1", "-2", "", "3"] { Array(s.utf8).withUnsafeBufferPointer { t.add(csvField: $0) } }
        #expect(t.type == .integer)
        Array("2.5".utf8).withUnsafeBufferPointer { t.add(csvField: $0) }
        #expect(t.type == .real)
        Array("007".utf8).withUnsafeBufferPointer { t.add(csvField: $0) }
        #expect(t.type == .any)
    }

    @Test func mutatedCSVNeverTraps() throws {
        let seed = Array("a,b,\"c\"\r\n1,\"x\"\"y\",\n\"multi\nline\",2,3\n".utf8)
        let alphabet = Array(",\"\r\na".utf8)
        for _ in 0..<500 {
            var b = seed
            for _ in 0..<3 { b[Int.random(in: 0..<b.count)] = alphabet.randomElement() ?? 0 }
            let path = try tempFile("m.csv", b)
            if let r = try? CSVReader(path: path, options: CSVOptions()) { while (try? r.next()) == true {} }
        }
    }
}

@Suite struct NpyTests {
    func npy(_ header: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
        var dict = Array(header.utf8)
        let lengthBytes = version == 1 ? 2 : 4
        while (8 + lengthBytes + dict.count + 1) % 64 != 0 { dict.append(0x20) }
        dict.append(0x0A)
        var out = NpyHeader.magic + [version, 0]
        for k in 0..<lengthBytes { out.append(UInt8((dict.count >> (8 * k)) & 0xFF)) }
        return out + dict + data
    }

    func array(_ bytes: [UInt8]) throws -> NpyArray {
        try NpyArray(path: try tempFile("t.npy", bytes))
    }

    func message(_ bytes: [UInt8]) -> String? {
        do { _ = try array(bytes); return nil } catch { return (error as? FilesError)?.message }
    }

    @Test func parsesHeaders() throws {
        let data: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]  // 1.0, 2.0 little-endian f4
        for v: UInt8 in [1, 2, 3] {
            let a = try array(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", data: data, version: v))
            #expect(a.header.major == Int(v))
            #expect(a.shape == [2, 1] && a.rowCount == 2 && a.rowWidth == 1 && a.rowsAreFloat32)
            var out: [Float] = [0]
            try a.readRow(1, into: &out)
            #expect(out == [2])
        }
        let a = try array(npy("{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \">i2\"}", data: [0xFF, 0xFE, 0, 7]))
        #expect(try a.value(0) == .integer(-2) && a.value(1) == .integer(7))
        #expect(!a.hasVectorRows)
    }

    @Test func refusesWhatItCannotRead() {
        #expect(message(npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", data: Array(repeating: 0, count: 8)))
                == "object arrays are not supported (dtype '|O'; Strata never unpickles; "
                + "save strings with a fixed-width dtype: np.array(ids, dtype=str))")
        // Fixed-width strings are read (issue 15): UTF-32 `<U`, NUL padding dropped; `<U0` has no bytes at all.
        let u = try? array(npy("{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }",
                               data: [0x61, 0, 0, 0, 0x62, 0, 0, 0, 0, 0, 0, 0, 0xFC, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
        #expect((try? u?.value(0)) == .text("ab"))
        #expect((try? u?.value(1)) == .text("ü"))
        #expect(message(npy("{'descr': '<U0', 'fortran_order': False, 'shape': (2,), }")) == "unsupported dtype '<U0'")
        #expect(message(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"))
                == "structured dtypes are not supported")
        #expect(message(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: [0, 0, 0]))
                == "data is truncated: shape (2,) of <f4 needs 8 bytes, the file holds 3 after the header")
        #expect(message(npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }"))
                == "bad header: 'fortran_order' is missing or not True/False")
        #expect(message(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 2), }"))
                == "bad header: shape is too large")
        #expect(message(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))
                == "bad header: negative dimension in shape")
        #expect(message(npy("{'descr': '<f16', 'fortran_order': False, 'shape': (1,), }")) == "unsupported dtype '<f16'")
        #expect(message(Array("\u{93}NUMPY".utf8)) == "not a .npy file (bad magic)")
        #expect(message(NpyHeader.magic + [1, 0, 0xFF, 0xFF, 0x7B]) == "bad header: truncated (the file ends inside the header)")
        #expect(message([]) == "not a .npy file (too short)")
    }

    @Test func halfPrecisionMatchesFloat16() {
        for bits in 0...UInt16.max {
            let ours = halfToFloat(bits)
            let reference = Float(Float16(bitPattern: bits))
            #expect(ours.bitPattern == reference.bitPattern || (ours.isNaN && reference.isNaN))
        }
    }

    @Test func fortranOrderOfThreeAxes() throws {
        // shape (2, 2, 3) in Fortran order: element (i, j, k) at i + 2*j + 4*k.
        var data: [UInt8] = []
        for k in 0..<12 { data.append(UInt8(k)) }
        let a = try array(npy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2, 3), }", data: data))
        var row = [Float](repeating: -1, count: 6)
        try a.readRow(1, into: &row)
        // C order within the row: (j, k) = (0,0) (0,1) (0,2) (1,0) (1,1) (1,2) → 1 + 2j + 4k
        #expect(row == [1, 5, 9, 3, 7, 11])
    }

    @Test func mutatedHeadersNeverTrap() throws {
        let good = npy("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }", data: Array(repeating: 1, count: 48))
        for _ in 0..<2000 {
            var b = good
            for _ in 0..<2 { b[Int.random(in: 0..<(b.count - 48))] = UInt8.random(in: 0...255) }
            if let a = try? array(b), a.rowWidth < 1000 {
                var out = [Float](repeating: 0, count: max(1, a.rowWidth))
                for i in 0..<min(a.rowCount, 4) {
                    if a.hasVectorRows { try? a.readRow(i, into: &out) } else { _ = try? a.value(i) }
                }
            }
        }
    }
}

@Suite struct WriterAndArchiveTests {
    @Test func writerRoundTrips() throws {
        let path = try tempFile("w.npy", [])
        let w = try NpyWriter(path: path, kind: .float32Rows)
        let rows: [[Float]] = (0..<1000).map { i in (0..<7).map { Float(i) * 0.5 - Float($0) } }
        for r in rows { try r.withUnsafeBufferPointer { try w.append(row: $0) } }
        #expect(throws: FilesError.self) { try [Float](repeating: 0, count: 3).withUnsafeBufferPointer { try w.append(row: $0) } }
        try w.finish()
        let a = try NpyArray(path: path)
        #expect(a.shape == [1000, 7] && a.header.dataOffset == 128)
        var out = [Float](repeating: 0, count: 7)
        for i in [0, 1, 999] {
            try a.readRow(i, into: &out)
            #expect(out == rows[i])
        }
        let v = try NpyWriter(path: path, kind: .int64Values)
        for x: Int64 in [Int64.min, -1, 0, Int64.max] { try v.append(value: x) }
        try v.finish()
        let b = try NpyArray(path: path)
        #expect(try (0..<4).map { try b.value($0) } == [.integer(Int64.min), .integer(-1), .integer(0), .integer(Int64.max)])
    }

    /// A Python with NumPy, if this machine has one (STRATA_PYTHON, the repository's venv, or the system's).
    static var python: String? {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [ProcessInfo.processInfo.environment["STRATA_PYTHON"],
                          repo.appendingPathComponent(".build-venv/bin/python").path, "/usr/bin/python3"].compactMap { $0 }
        return candidates.first { path in
            guard FileManager.default.isExecutableFile(atPath: path) else { return false }
            return (try? run(path, ["-c", "import numpy"]))?.status == 0
        }
    }

    /// Runs a program through popen (Foundation's Process leaks a weak reference per run, which
    /// LeakSanitizer in `make sanitize` reports), with stderr folded into the output.
    static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let command = ([exe] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            .joined(separator: " ")
        guard let f = popen(command + " 2>&1", "r") else { throw FilesError("cannot run \(exe)") }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        let status = pclose(f)
        return ((status >> 8) & 0xFF, String(decoding: output, as: UTF8.self))
    }

    @Test(.enabled(if: python != nil)) func numpyLoadsWhatTheWriterWrites() throws {
        let py = try #require(Self.python)
        let vecs = try tempFile("vecs.npy", [])
        let w = try NpyWriter(path: vecs, kind: .float32Rows)
        for i in 0..<300 { try (0..<5).map { Float(i * 5 + $0) / 3 }.withUnsafeBufferPointer { try w.append(row: $0) } }
        try w.finish()
        let vals = try tempFile("vals.npy", [])
        let v = try NpyWriter(path: vals, kind: .float64Values)
        for x in [0.1, -2.5, Double.infinity] { try v.append(value: x) }
        try v.finish()
        let empty = try tempFile("empty.npy", [])
        try NpyWriter(path: empty, kind: .float32Rows, rowWidth: 384).finish()
        let script = """
            import numpy as np, sys
            a = np.load(sys.argv[1]); b = np.load(sys.argv[2]); e = np.load(sys.argv[3])
            assert a.dtype == np.float32 and a.shape == (300, 5), (a.dtype, a.shape)
            assert (a == (np.arange(1500, dtype=np.float32) / np.float32(3)).reshape(300, 5)).all()
            assert b.dtype == np.float64 and list(b) == [0.1, -2.5, float('inf')]
            assert e.shape == (0, 384) and e.dtype == np.float32
            with open(sys.argv[1], 'rb') as f:
                assert np.lib.format.read_magic(f) == (1, 0)
            print('ok')
            """
        let r = try Self.run(py, ["-c", script, vecs, vals, empty])
        #expect(r.status == 0, "\(r.output)")
    }

    @Test func zipDirectoryRejectsGarbage() throws {
        var bytes = Array("PK\u{05}\u{06}".utf8) + [UInt8](repeating: 0, count: 18)
        bytes[10] = 5  // five entries, but the directory is empty
        #expect(throws: FilesError.self) { _ = try NpzArchive(path: try tempFile("g.npz", bytes)) }
        #expect(throws: FilesError.self) { _ = try NpzArchive(path: try tempFile("h.npz", "hello")) }
    }
}

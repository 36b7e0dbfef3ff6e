import Foundation
import Testing
import StrataTestSupport
@testable import Files

/// The bulk C path of the typed scan (strata_json_read_rows through JSONRowReader) against the line-at-a-time
/// path it shortcuts: the same block read both ways gives the same rows, line numbers, values (types, bits,
/// text bytes), line count and error. Inputs mix what the bulk path takes with everything it must leave to the
/// other path: broken lines, blank and whitespace-only lines, CR LF, a byte-order mark, keys with escapes,
/// duplicate keys, non-object documents, values that are not simple, lines longer than the line reader's
/// buffer, a last line without its newline — across several buffer refills and in blocks cut mid-file.
@Suite struct JSONRowReaderTests {
    static let keys = ["a", "b", "key", "model_version", "score", "n", "héllo", "q\"uote", "missing", "tab\there"]

    /// One line: usually a generated document, sometimes one of the lines the bulk path must leave alone.
    func line(_ r: inout SeededRandom, _ gen: JSONFastPathTests, broken: Bool) -> String {
        switch r.int(40) {
        case 0: return ""
        case 1: return "  \t "
        case 2 where broken: return "{\"a\":1,\"b\":"           // broken
        case 3: return "{\"a\":1}\r"                           // CR LF ending
        case 4: return "{\"\\u0061\":5,\"a\":6}"               // escaped key first
        case 5: return "{\"a\":1,\"a\":2,\"b\":\"x\",\"b\":3}"   // duplicate keys: the first wins
        case 6: return "[1,2,{\"a\":3}]"                       // not an object
        case 7: return "  {\"score\": 0.25 , \"n\" : {\"$numberLong\" : \"-9\"} }  "
        case 8: return "{\"a\":\"caf\u{e9}\",\"b\":\"esc\\n\",\"key\":{\"$date\":{\"$numberLong\":\"17\"}}}"
        case 9 where broken: return "{\"a\":1} x"               // trailing garbage
        case 10: return "{\"score\":1e400,\"n\":123456789012345678901234}"
        default:
            var doc = gen.object(&r, depth: 0).replacingOccurrences(of: "\r\n", with: " ")
            // Give the wanted keys values often enough.
            if r.int(2) == 0 {
                let v = ["1", "-2.5", "0.4524", "\"text\"", "true", "null", "{\"$numberLong\":\"112\"}", "[1]",
                         "12345678901234567.5", "1e5"]
                doc = "{\"" + r.pick(["a", "b", "score", "n", "key"]) + "\":" + r.pick(v) + (doc == "{}" ? "}" : "," + doc.dropFirst())
            }
            return doc
        }
    }

    func makeFile(seed: UInt64, lines count: Int, bom: Bool, finalNewline: Bool, broken: Bool) throws -> (String, [String]) {
        let gen = JSONFastPathTests()
        var rng = SeededRandom(state: seed)
        var lines = (0..<count).map { _ in line(&rng, gen, broken: broken) }
        // One line longer than the line reader's 256 KB buffer.
        lines[count / 2] = "{\"a\":\"" + String(repeating: "y", count: 300_000) + "\",\"score\":2}"
        let path = "/tmp/strata-row-reader-\(getpid())-\(seed).jsonl"
        var text = (bom ? "\u{FEFF}" : "") + lines.joined(separator: "\n")
        if finalNewline { text += "\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, lines)
    }

    /// Reads `range` of `path` both ways and compares everything the block keeps.
    /// With `document`, the blocks also carry each document's text (C-rendered in bulk, Swift-rendered in the
    /// line-at-a-time read).
    func compareBlock(_ path: String, range: Range<Int64>, columns: [JSONColumn], used: [Int],
                      document: Bool = false) -> Int {
        let matcher = JSONColumnMatcher(columns: columns)
        let count = used.count + (document ? 1 : 0)
        let bulk = JSONValueBlock(path: path, fileIndex: 0, range: range, columnCount: count)
        let single = JSONValueBlock(path: path, fileIndex: 0, range: range, columnCount: count)
        bulk.fill(matcher: matcher, used: used, document: document, fastRows: true)
        single.fill(matcher: matcher, used: used, document: document, fastRows: false)
        let note = "\(path) \(range) used \(used) document \(document)"
        #expect(bulk.rows == single.rows, "rows: \(note)")
        #expect(bulk.lines == single.lines, "line numbers: \(note)")
        #expect(bulk.lineCount == single.lineCount, "line count: \(note)")
        #expect(String(describing: bulk.error) == String(describing: single.error), "error: \(note)")
        for k in 0..<count {
            let a = bulk.columns[k], b = single.columns[k]
            #expect(a.types == b.types && a.values == b.values, "values of column \(k): \(note)")
            #expect(a.lengths == b.lengths, "text lengths of column \(k): \(note)")
            let textsA = a.types.indices.map { Array(a.pool[a.starts[$0]..<a.starts[$0] + Int(a.lengths[$0])]) }
            let textsB = b.types.indices.map { Array(b.pool[b.starts[$0]..<b.starts[$0] + Int(b.lengths[$0])]) }
            #expect(textsA == textsB, "texts of column \(k): \(note)")
        }
        return bulk.rows
    }

    @Test func bulkRowsEqualLineAtATimeRows() throws {
        for (seed, bom, finalNewline, broken) in [(UInt64(1), false, true, false), (2, true, false, false),
                                                  (3, false, false, true), (4, true, true, true)] {
            let (path, lines) = try makeFile(seed: seed, lines: 6000, bom: bom, finalNewline: finalNewline, broken: broken)
            defer { unlink(path) }
            let size = Int64((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
            let columns = Self.keys.enumerated().map { i, key in
                JSONColumn(key: key, name: "c\(i)", type: i % 3 == 0 ? .real : (i % 3 == 1 ? .integer : .text))
            }
            // Whole file with several column sets, including none and all.
            var rows = 0
            for used in [[], [0], [4, 5], [1, 0, 2], Array(columns.indices), [9, 7, 6, 8]] {
                rows = max(rows, compareBlock(path, range: 0..<size, columns: columns, used: used))
            }
            // Each document's text too (read_jsonl's doc, the jsonl table's hidden doc).
            for used in [[], [4, 5]] {
                _ = compareBlock(path, range: 0..<size, columns: columns, used: used, document: true)
            }
            #expect(broken || rows == lines.filter { !$0.allSatisfy(\.isWhitespace) }.count, "every document read (\(rows))")
            // Blocks that start mid-file, at line starts (the first broken line ends a block's rows).
            var offsets: [Int64] = [0]
            for l in lines { offsets.append(offsets[offsets.count - 1] + Int64(l.utf8.count) + 1) }
            if bom { offsets = offsets.map { $0 + 3 }; offsets[0] = 0 }
            for (a, b) in [(10, 400), (401, 3500), (3000, 3010), (5990, 6000)] {
                let end = min(offsets[b], size)
                _ = compareBlock(path, range: offsets[a]..<end, columns: columns, used: [0, 4, 5, 2], document: a == 401)
            }
        }
    }

    /// A file of documents the bulk path takes throughout: every row comes from it, across many buffer refills.
    @Test func cleanFileIsReadInBulk() throws {
        let path = "/tmp/strata-row-reader-clean-\(getpid()).jsonl"
        defer { unlink(path) }
        let text = (0..<20_000).map { i in
            "{\"_id\":{\"$oid\":\"6553\"},\"score\":0.\(i % 9973),\"label\":\"l\(i % 7)\",\"n\":{\"$numberLong\":\"\(i)\"}," +
                "\"ts\":{\"$date\":{\"$numberLong\":\"\(1_763_080_260_000 + i * 86_399_999)\"}}}"
        }.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let columns = [JSONColumn(key: "score", name: "score", type: .real), JSONColumn(key: "label", name: "label", type: .text),
                       JSONColumn(key: "n", name: "n", type: .integer)]
        let rows = compareBlock(path, range: 0..<Int64(text.utf8.count), columns: columns, used: [0, 1, 2])
        #expect(rows == 20_000)
        #expect(compareBlock(path, range: 0..<Int64(text.utf8.count), columns: columns, used: [1], document: true) == 20_000)
        let reader = JSONRowReader(keys: ["score", "label", "n"], asReal: [true, false, false], unwrapWrappers: true)
        let r = try JSONDocumentReader(path: path, range: 0..<Int64(text.utf8.count), linesBefore: 0,
                                       collectMembers: true, unwrapLazily: true)
        var lines: [Int64] = []
        var out = Array(repeating: JSONValueColumn(), count: 3)
        var bulk = 0, single = 0
        // The file's first line is left to the line-at-a-time path (a byte-order mark may open it), and so is
        // the line cut by the end of each 256 KB buffer (read once the buffer is refilled).
        #expect(try r.next())
        while true {
            bulk += reader.read(r, lines: &lines, into: &out, blockBytes: text.utf8.count)
            guard try r.next() else { break }
            single += 1
        }
        #expect(bulk + single == 19_999 && single <= text.utf8.count / (256 << 10) + 1, "\(bulk) in bulk, \(single) not")
        #expect(lines.first == 2 && lines.count == bulk)
        #expect(out[2].values.count == bulk && out[2].values.last == 19_999 || lines.last != 20_000)
        #expect(out[1].types.allSatisfy { $0 == JSONValueColumn.text } && out[0].types.allSatisfy { $0 == JSONValueColumn.real })
    }
}

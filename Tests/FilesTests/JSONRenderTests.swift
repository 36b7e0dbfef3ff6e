import Foundation
import Testing
import StrataTestSupport
@testable import Files

/// The C renderer of unwrapped document text (CJSON's strata_json_render_unwrapped) against the Swift scanner's
/// rendering it shortcuts: whenever C renders a document, the text is byte for byte the Swift one. Inputs: every
/// wrapper form ExtendedJSON.swift knows, well-formed and not (C must leave what it does not render to Swift),
/// wrappers nested, in arrays, at the top level, with spaces, `$` keys that are not wrappers, and text that
/// looks like a wrapper inside strings; then generated documents.
@Suite struct JSONRenderTests {
    static let wrappers = [
        "{\"$oid\":\"6553a1\"}", "{ \"$oid\" : \"6553\\\"a\" }", "{\"$oid\":5}", "{\"$oid\":\"a\",\"b\":1}",
        "{\"$numberLong\":\"112\"}", "{\"$numberLong\":\"-0\"}", "{\"$numberLong\":\"01\"}", "{\"$numberLong\":5}",
        "{\"$numberLong\":\"9223372036854775808\"}", "{\"$numberLong\":\"\"}", "{\"$numberLong\":\"1.5\"}",
        "{\"$numberInt\":\"-7\"}", "{\"$numberInt\" :\"42\" }", "{\"$numberLong\":\"\\u0031\"}",
        "{\"$date\":{\"$numberLong\":\"1763080260000\"}}", "{\"$date\": { \"$numberLong\" : \"-1\" } }",
        "{\"$date\":{\"$numberInt\":\"0\"}}", "{\"$date\":{\"$numberDouble\":\"5\"}}",
        "{\"$date\":{\"$numberLong\":\"99999999999999999999\"}}", "{\"$date\":1763080200000}", "{\"$date\":-1}",
        "{\"$date\":1.5}", "{\"$date\":1e3}", "{\"$date\":\"2026-11-14T00:30:00.000Z\"}", "{\"$date\":\"2026-11-14T01:30:00+01:00\"}",
        "{\"$date\":-62135596800000}", "{\"$date\":-62135596800001}", "{\"$date\":253402300799999}",
        "{\"$date\":253402300800000}", "{\"$date\":{\"$numberLong\":\"-9223372036854775808\"}}", "{\"$date\":null}",
        "{\"$numberDouble\":\"1.5\"}", "{\"$numberDouble\":\"Infinity\"}", "{\"$numberDecimal\":\"NaN\"}",
        "{\"$numberDouble\":2.5}", "{\"$foo\":{\"$oid\":\"x\"}}", "{\"$oidd\":\"x\"}", "{\"\\u0024oid\":\"x\"}",
        "{\"a\":1,\"$oid\":\"x\"}", "{\"$\":1}", "{\"$numberLongXXXXXXXXXXXX\":\"1\"}", "{}", "[]",
        "\"{\\\"$oid\\\":\\\"x\\\"}\"", "\"$oid\"", "\"price $5\"", "[\"$oid\",{\"$oid\":\"y\"}]", "{\"a\":\"$x\"}",
        "\"\\\\\"", "{\"$date\":{\"$numberLong\":\"0\",\"x\":1}}",
    ] + [
        // Date texts: mongoexport's relaxed form (rendered in C) and its neighbours (most left to Swift).
        "2024-02-29T12:00:00.000Z", "2026-02-29T12:00:00.000Z", "1900-02-29T00:00:00.000Z", "2000-02-29T00:00:00.000Z",
        "2026-11-14T23:59:60.000Z", "2026-11-14T23:59:61.000Z", "0000-01-01T00:00:00.000Z", "0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
        "1969-12-31T23:59:59.999Z", "2026-11-14t00:30:00.000Z", "2026-11-14T00:30:00.000z", "2026-11-14T00:30:00Z",
        "2026-11-14T00:30:00.123456Z", "2026-13-01T00:00:00.000Z", "2026-11-14T24:00:00.000Z", "2026-11-31T00:00:00.000Z",
        "2026-11-14T00:30:00.000+01:00", "2026-11-14 00:30:00.000Z", "2026-11-14T00:60:00.000Z", "2026-1a-14T00:30:00.000Z",
    ].map { "{\"$date\":\"\($0)\"}" }

    /// Every document of `path` rendered both ways; returns how many C rendered (each equal to Swift's text).
    func compare(_ path: String) throws -> (rendered: Int, documents: Int) {
        let fast = try JSONDocumentReader(path: path, unwrapLazily: true)
        let slow = try JSONDocumentReader(path: path, unwrapLazily: true)
        slow.renderFast = false
        var rendered = 0, documents = 0
        while try fast.next() {
            #expect(try slow.next())
            documents += 1
            let swiftText = slow.withDocumentText { Array($0) }
            if let c = fast.renderedInC() {
                rendered += 1
                #expect(Array(c) == swiftText, "line \(fast.line): C \(String(decoding: c, as: UTF8.self)) vs Swift \(String(decoding: swiftText, as: UTF8.self))")
            }
            #expect(fast.withDocumentText { Array($0) } == swiftText, "line \(fast.line)")
        }
        return (rendered, documents)
    }

    @Test func everyWrapperFormRendersAsSwiftDoes() throws {
        let path = "/tmp/strata-render-\(getpid()).jsonl"
        defer { unlink(path) }
        var lines: [String] = []
        for (i, w) in Self.wrappers.enumerated() {
            lines.append(w)
            lines.append("{\"id\":\(i),\"v\":\(w),\"list\":[1,\(w),{\"in\":\(w)}]}")
            lines.append("  {\"_id\":{\"$oid\":\"6553\"},\"w\":\(w)}  ")
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let (rendered, documents) = try compare(path)
        #expect(documents == lines.count)
        // Many forms here are left to Swift (other date texts, $numberDouble, ...); C still renders a third or more.
        #expect(rendered > documents / 3, "\(rendered) of \(documents) rendered in C")
    }

    @Test func generatedDocumentsRenderAsSwiftDoes() throws {
        let gen = JSONFastPathTests()
        var rng = SeededRandom(state: 21)
        let path = "/tmp/strata-render-generated-\(getpid()).jsonl"
        defer { unlink(path) }
        let docs = (0..<3000).map { _ -> String in
            var d = gen.object(&rng, depth: 0).replacingOccurrences(of: "\r\n", with: " ")
            if rng.int(2) == 0 { d = "{\"w\":" + rng.pick(Self.wrappers) + (d == "{}" ? "}" : "," + d.dropFirst()) }
            return d
        }
        try docs.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let (rendered, documents) = try compare(path)
        #expect(documents == docs.count && rendered > documents / 2, "\(rendered) of \(documents) rendered in C")
    }
}

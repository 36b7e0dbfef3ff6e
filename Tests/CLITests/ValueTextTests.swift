// Value formatting against SQLite itself: reals as `printf('%!.15g')` prints them, vectors previewed.
import SQLiteKit
import StrataTestSupport
import Testing
@testable import StrataCLIKit

@Suite struct ValueTextTests {
    @Test func realsPrintAsSQLiteDoes() throws {
        let db = try TestDatabase()
        let values: [Double] = [0.1 + 0.2, 1, -1, 2.5, 1e20, 1.5e-7, 123456789012345678, 3.141592653589793, -0.0, 1e300, 100, 0.001]
        for v in values {
            guard case .text(let expected) = try db.value("SELECT printf('%!.15g', ?)", [.real(v)]) else {
                Issue.record("printf gave no text"); continue
            }
            #expect(ValueText.real(v) == expected, "\(v)")
        }
    }

    @Test func manyRealsPrintAsPrintfDoes() {
        // Random doubles of every magnitude, and the 16-17 digit results of arithmetic, against glibc's
        // printf("%.15g"), which rounds correctly. (SQLite's own printf converts through long double and can
        // differ in the 15th digit for rare values, e.g. -3.69139078010559e-181 prints ...558e-181; the
        // ordinary values of realsPrintAsSQLiteDoes match it exactly.)
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [1e15, 1e14, 999999999999999.9, 0.0001, 0.00001, 123456789012345.6, 9.9999999999999999e-5,
                                0.1 * 3, 1.0 / 3, 2.0 / 3, 100.0 / 7, 1e-300, 5e-324, .greatestFiniteMagnitude]
        for _ in 0..<3000 {
            let bits = generator.next() as UInt64
            let d = Double(bitPattern: bits)
            if d.isFinite { values.append(d) }
            values.append(Double(Int.random(in: -1_000_000...1_000_000)) / Double(Int.random(in: 1...1000)))
        }
        for v in values {
            #expect(ValueText.real(v) == ValueText.printfReal(v), "\(v)")
        }
    }

    @Test func sqliteShellPrintsTheSameAsList() throws {
        // The text SQLite itself gives a real column (CAST AS TEXT) agrees for ordinary values.
        let db = try TestDatabase()
        for v in [0.5, 2.25, 1234.5, -7.75] {
            guard case .text(let expected) = try db.value("SELECT CAST(? AS TEXT)", [.real(v)]) else { continue }
            #expect(ValueText.real(v) == expected)
        }
    }

    @Test func vectorsPreview() throws {
        let db = try TestDatabase()
        guard case .blob(let b) = try db.value("SELECT vec_f32('[0.12345, -0.5, 2, 4, 8]')") else {
            Issue.record("no blob"); return
        }
        #expect(ValueText.vector(b)?.count == 5)
        #expect(ValueText.blobPreview(b) == "[0.1235, -0.5, 2, … 5 dims]")
        #expect(ValueText.json(.blob(b)) == "[0.12345,-0.5,2.0,4.0,8.0]")
        #expect(ValueText.blobPreview([1, 2, 3]) == "x'010203'")
        // NaN bytes are not a vector.
        #expect(ValueText.vector([0, 0, 0xC0, 0x7F]) == nil)
    }

    @Test func escaping() {
        #expect(ValueText.csvField("a,b") == "\"a,b\"")
        #expect(ValueText.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ValueText.csvField("plain text") == "plain text")
        #expect(ValueText.tsvField("a\tb\nc\\") == "a\\tb\\nc\\\\")
        #expect(ValueText.jsonString("q\"\u{1}\n") == "\"q\\\"\\u0001\\n\"")
        #expect(ValueText.html("<a href='x'>&</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;")
        #expect(ValueText.markdownCell("a|b\nc") == "a\\|b<br>c")
    }

    @Test func widths() {
        #expect(TextWidth.of("abc") == 3)
        #expect(TextWidth.of("日本") == 4)
        #expect(TextWidth.of("e\u{301}") == 1)
        #expect(TextWidth.truncate("abcdefgh", to: 5) == "abcd…")
        #expect(TextWidth.truncate("日本語です", to: 5) == "日本…")
        #expect(TextWidth.truncate("abc", to: 5) == "abc")
        #expect(TextWidth.singleLine("a\nb\tc") == "a↵b c")
        #expect(TextWidth.singleLine("x\u{1B}[2J\u{9B}1m\u{7F}") == "x·[2J·1m·")
        #expect(TextWidth.visibleControls("a\r\nb\tc\u{1B}\u{85}é") == "a\nb\tc··é")
        #expect(ValueText.jsonString("\u{7F}\u{9B}°") == "\"\\u007f\\u009b°\"")
    }
}

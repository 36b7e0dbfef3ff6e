// Renderers on plain values: grid fitting to a terminal, bar lengths in eighths, the chart column choice.
import SQLiteKit
import Testing
@testable import StrataCLIKit

@Suite struct RenderTests {
    @Test func fitCutsTheWidestColumnsFirst() {
        #expect(Grid.fit([5, 30, 10], into: 100) == [5, 30, 10])
        let fitted = Grid.fit([5, 30, 10], into: 30)
        #expect(fitted.reduce(0, +) <= 30)
        #expect(fitted[0] == 5)
        #expect(fitted == [5, 15, 10])
        #expect(Grid.fit([50, 50], into: 2) == [4, 4])  // never below 4 cells
    }

    @Test func boxTruncatesToTheTerminal() {
        let r = ResultSet(columns: ["id", "text"], rows: [[.integer(1), .text(String(repeating: "x", count: 200))]])
        let out = Grid.render(r, settings: OutputSettings(mode: .box, width: 40), style: .box)
        for line in out.split(separator: "\n") { #expect(TextWidth.of(String(line)) <= 40) }
        #expect(out.contains("…"))
        let wide = Grid.render(r, settings: OutputSettings(mode: .box), style: .box)
        #expect(!wide.contains("…"))
    }

    @Test func barsAreMeasuredInEighths() {
        #expect(BarChart.bar(1, width: 4) == "████")
        #expect(BarChart.bar(0.5, width: 4) == "██")
        #expect(BarChart.bar(1.0 / 32, width: 4) == "▏")
        #expect(BarChart.bar(3.0 / 32, width: 4) == "▍")
        #expect(BarChart.bar(0, width: 4) == "")
        #expect(BarChart.bar(.nan, width: 4) == "")
        #expect(BarChart.bar(1e-9, width: 4) == "▏")  // visible though tiny
    }

    @Test func chartColumnIsTheLastNumberThatIsNotAnID() {
        let r = ResultSet(columns: ["hour", "count", "example_id"],
                          rows: [[.integer(1), .integer(5), .integer(77)], [.integer(2), .integer(9), .integer(78)]])
        #expect(BarChart.barColumn(r) == 1)
        #expect(BarChart.isChartable(r))
        let text = ResultSet(columns: ["a"], rows: [[.text("x")], [.text("y")]])
        #expect(BarChart.barColumn(text) == nil)
        let one = ResultSet(columns: ["n"], rows: [[.integer(3)]])
        #expect(!BarChart.isChartable(one))
        let wide = ResultSet(columns: ["a", "b", "c", "n"], rows: [[.text("x"), .text("y"), .text("z"), .integer(1)],
                                                                   [.text("x"), .text("y"), .text("z"), .integer(2)]])
        #expect(BarChart.barColumn(wide) == 3)
        #expect(!BarChart.isChartable(wide))
    }

    @Test func barLengthsFollowTheValues() {
        let r = ResultSet(columns: ["level", "n"], rows: [[.text("ERROR"), .integer(10)], [.text("INFO"), .integer(40)]])
        let out = BarChart.render(r, settings: OutputSettings(mode: .bar, headers: false))
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let blocks = lines.map { $0.filter { $0 == "█" }.count }
        #expect(blocks == [10, 40])
    }

    @Test func jsonModeIsOneArray() {
        let r = ResultSet(columns: ["a", "b"], rows: [[.integer(1), .null], [.real(0.5), .text("x")]])
        #expect(ResultPrinter.render(r, settings: OutputSettings(mode: .json)) == "[{\"a\":1,\"b\":null},\n{\"a\":0.5,\"b\":\"x\"}]\n")
        #expect(ResultPrinter.render(ResultSet(columns: ["a"], rows: []), settings: OutputSettings(mode: .json)) == "[]\n")
    }

    /// A value that would retitle the window (OSC), clear the screen (ESC [2J) and colour text (C1 CSI).
    static let hostile = "a\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31mz\r\nnext\tcol"

    /// Everything a mode writes for one hostile value and column name, to a terminal or not.
    static func rendered(_ mode: OutputMode, terminal: Bool) -> String {
        let out = TextOutput(.memory, isTerminal: terminal)
        let p = ResultPrinter(settings: OutputSettings(mode: mode, headers: true), output: out)
        p.begin(columns: ["v\u{1B}[1m"])
        p.row([.text(hostile)])
        p.end()
        return out.text
    }

    static func hasTerminalControls(_ s: String) -> Bool {
        s.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || (0x7F...0x9F).contains($0.value) }
    }

    @Test func noModeWritesControlCharactersToATerminal() {
        for mode in OutputMode.allCases {
            let text = Self.rendered(mode, terminal: true)
            #expect(!Self.hasTerminalControls(text), "\(mode): \(text.debugDescription)")
        }
        #expect(Self.rendered(.list, terminal: true) == "v·[1m\na·]0;pwned··[2J·31mz\nnext\tcol\n")
        #expect(Self.rendered(.line, terminal: true) == "v·[1m = a·]0;pwned··[2J·31mz\nnext\tcol\n")
        #expect(Self.rendered(.box, terminal: true).contains("a·]0;pwned··[2J·31mz↵next col"))
    }

    @Test func filesAndPipesGetValuesAsTheyAre() {
        #expect(Self.rendered(.list, terminal: false) == "v\u{1B}[1m\n" + Self.hostile + "\n")
        #expect(Self.rendered(.line, terminal: false) == "v\u{1B}[1m = " + Self.hostile + "\n")
        // JSON escapes controls everywhere; DEL and C1 too, which reads back as the same string.
        #expect(Self.rendered(.jsonl, terminal: false)
                == "{\"v\\u001b[1m\":\"a\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31mz\\r\\nnext\\tcol\"}\n")
    }

    @Test func planTree() {
        let tree = Session.planTree([(2, 0, "SCAN t"), (5, 0, "SEARCH u USING INDEX i (k=?)"), (7, 5, "LIST SUBQUERY")])
        #expect(tree == "├── SCAN t\n└── SEARCH u USING INDEX i (k=?)\n    └── LIST SUBQUERY\n")
    }
}

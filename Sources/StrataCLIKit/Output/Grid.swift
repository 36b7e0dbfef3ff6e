// Box (`┌─┬─┐`) and ASCII (`+---+`) tables: columns as wide as their widest value, numbers right-aligned,
// and on a terminal the widest columns cut with `…` so a row never wraps.
import SQLiteKit

public enum Grid {
    public enum Style { case box, ascii }

    struct Glyphs {
        var h, v, tl, tm, tr, ml, mm, mr, bl, bm, br: String
        static let box = Glyphs(h: "─", v: "│", tl: "┌", tm: "┬", tr: "┐", ml: "├", mm: "┼", mr: "┤", bl: "└", bm: "┴", br: "┘")
        static let ascii = Glyphs(h: "-", v: "|", tl: "+", tm: "+", tr: "+", ml: "+", mm: "+", mr: "+", bl: "+", bm: "+", br: "+")
    }

    public static func render(_ r: ResultSet, settings: OutputSettings, style: Style) -> String {
        let g = style == .box ? Glyphs.box : Glyphs.ascii
        let n = r.columns.count
        guard n > 0 else { return "" }
        let cells = r.rows.map { row in
            (0..<n).map { j in TextWidth.singleLine(j < row.count ? ValueText.display(row[j], null: settings.nullText) : "") }
        }
        let header = r.columns.map { TextWidth.singleLine($0) }
        let numeric = numericColumns(r)
        var widths = header.map { settings.showHeaders ? TextWidth.of($0) : 0 }
        for row in cells { for j in 0..<n { widths[j] = max(widths[j], TextWidth.of(row[j])) } }
        if let total = settings.width {
            widths = fit(widths, into: total - (3 * n + 1))
        }
        func rule(_ l: String, _ m: String, _ rr: String) -> String {
            l + widths.map { String(repeating: g.h, count: $0 + 2) }.joined(separator: m) + rr + "\n"
        }
        func line(_ values: [String], alignNumbers: Bool, header: Bool = false) -> String {
            var s = g.v
            for j in 0..<n {
                let v = TextWidth.truncate(values[j], to: widths[j])
                let cell = TextWidth.pad(v, to: widths[j], right: alignNumbers && numeric[j])
                s += " " + (header ? settings.bold(cell) : cell) + " " + g.v
            }
            return s + "\n"
        }
        var out = rule(g.tl, g.tm, g.tr)
        if settings.showHeaders {
            out += line(header, alignNumbers: true, header: true)
            out += rule(g.ml, g.mm, g.mr)
        }
        for row in cells { out += line(row, alignNumbers: true) }
        out += rule(g.bl, g.bm, g.br)
        return out
    }

    /// Columns whose non-NULL values are all numbers (and there is at least one): right-aligned.
    public static func numericColumns(_ r: ResultSet) -> [Bool] {
        (0..<r.columns.count).map { j in
            var seen = false
            for row in r.rows where j < row.count {
                switch row[j] {
                case .null: continue
                case .integer, .real: seen = true
                default: return false
                }
            }
            return seen
        }
    }

    /// Column widths that sum to at most `available`: the widest columns are cut to one common cap (water
    /// filling), never below 4 cells so a cut value still shows something before its `…`.
    public static func fit(_ widths: [Int], into available: Int) -> [Int] {
        let sum = widths.reduce(0, +)
        guard sum > available, !widths.isEmpty else { return widths }
        let floor = 4
        var lo = floor, hi = widths.max() ?? floor
        if widths.reduce(0, { $0 + min($1, lo) }) > available { return widths.map { min($0, lo) } }
        // Largest cap whose total fits.
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if widths.reduce(0, { $0 + min($1, mid) }) <= available { lo = mid } else { hi = mid - 1 }
        }
        return widths.map { min($0, lo) }
    }
}

// Terminal cell widths of text, for aligning columns and truncating wide values to the terminal:
// one cell per character, two for East Asian wide characters and emoji, none for combining marks.

public enum TextWidth {
    public static func of(_ s: String) -> Int {
        var w = 0
        for u in s.unicodeScalars { w += width(u) }
        return w
    }

    static func width(_ u: Unicode.Scalar) -> Int {
        let v = u.value
        if v == 0x200B || (0x0300...0x036F).contains(v) || (0xFE00...0xFE0F).contains(v) || (0x200C...0x200F).contains(v) {
            return 0
        }
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
            || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v) {
            return 2
        }
        return 1
    }

    /// `s` cut to at most `width` cells, ending in `…` when something was cut.
    public static func truncate(_ s: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        if of(s) <= width { return s }
        var out = String.UnicodeScalarView()
        var used = 0
        for u in s.unicodeScalars {
            let w = Self.width(u)
            if used + w > width - 1 { break }
            out.append(u)
            used += w
        }
        return String(out) + "…"
    }

    /// `s` padded with spaces to `width` cells, on the right (left-aligned) or on the left.
    public static func pad(_ s: String, to width: Int, right: Bool = false) -> String {
        let n = max(0, width - of(s))
        if n == 0 { return s }
        let spaces = String(repeating: " ", count: n)
        return right ? spaces + s : s + spaces
    }

    /// C0 controls, DEL and C1 controls (U+0080–U+009F: U+009B is CSI to some terminals).
    @inline(__always)
    static func isControl(_ v: UInt32) -> Bool { v < 0x20 || (0x7F...0x9F).contains(v) }

    /// Line breaks and tabs inside a grid cell would break the grid; other control characters (ESC of an
    /// escape sequence) are shown as `·`.
    public static func singleLine(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { isControl($0.value) }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u {
            case "\n": out.append("↵")
            case "\r": continue
            case "\t": out.append(" ")
            default:
                if isControl(u.value) { out.append("·") } else { out.append(u) }
            }
        }
        return String(out)
    }

    /// Text for a terminal in the line-oriented modes (list, line, csv, ...): line breaks and tabs kept,
    /// carriage returns dropped (as in grids: no overwriting the line), every other control character shown
    /// as `·`, so ESC, CSI (U+009B) and with them OSC and clear-screen sequences never reach the terminal.
    public static func visibleControls(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { isControl($0.value) && $0 != "\n" && $0 != "\t" }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u {
            case "\n", "\t": out.append(u)
            case "\r": continue
            default:
                if isControl(u.value) { out.append("·") } else { out.append(u) }
            }
        }
        return String(out)
    }
}

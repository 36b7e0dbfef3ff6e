// Output renderers shared by every way the CLI prints results: each takes column names and rows of
// owned values and writes text. Vectors (float32 BLOBs) print as a short preview, not binary noise.
import SQLiteKit

enum OutputMode: String, CaseIterable {
    case box, csv, json, list
}

/// One finished result set.
struct ResultSet {
    var columns: [String]
    var rows: [[SQLValue]]
}

protocol TextSink {
    mutating func write(_ s: String)
}

struct Renderer {
    var mode: OutputMode
    var separator = "|"
    var showHeaders = false
    var nullText = ""

    func render(_ r: ResultSet, into out: inout some TextSink) {
        switch mode {
        case .list: renderList(r, &out)
        case .csv: renderCSV(r, &out)
        case .json: renderJSON(r, &out)
        case .box: renderBox(r, &out)
        }
    }

    private func renderList(_ r: ResultSet, _ out: inout some TextSink) {
        if showHeaders { out.write(r.columns.joined(separator: separator) + "\n") }
        for row in r.rows { out.write(row.map { plain($0) }.joined(separator: separator) + "\n") }
    }

    private func renderCSV(_ r: ResultSet, _ out: inout some TextSink) {
        out.write(r.columns.map(csvQuote).joined(separator: ",") + "\r\n")
        for row in r.rows { out.write(row.map { csvQuote(plain($0)) }.joined(separator: ",") + "\r\n") }
    }

    private func renderJSON(_ r: ResultSet, _ out: inout some TextSink) {
        out.write("[")
        for (i, row) in r.rows.enumerated() {
            out.write(i == 0 ? "{" : ",\n{")
            for (j, v) in row.enumerated() {
                if j > 0 { out.write(",") }
                out.write(jsonString(j < r.columns.count ? r.columns[j] : "") + ":" + jsonValue(v))
            }
            out.write("}")
        }
        out.write("]\n")
    }

    private func renderBox(_ r: ResultSet, _ out: inout some TextSink) {
        let cells = r.rows.map { $0.map { display($0) } }
        var widths = r.columns.map { displayWidth($0) }
        for row in cells {
            for (j, c) in row.enumerated() where j < widths.count { widths[j] = max(widths[j], displayWidth(c)) }
        }
        func line(_ l: String, _ m: String, _ rr: String) -> String {
            l + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: m) + rr + "\n"
        }
        func row(_ values: [String], numeric: [Bool]) -> String {
            var s = "│"
            for (j, w) in widths.enumerated() {
                let v = j < values.count ? values[j] : ""
                let pad = String(repeating: " ", count: max(0, w - displayWidth(v)))
                s += " " + ((j < numeric.count && numeric[j]) ? pad + v : v + pad) + " │"
            }
            return s + "\n"
        }
        out.write(line("┌", "┬", "┐"))
        out.write(row(r.columns, numeric: []))
        out.write(line("├", "┼", "┤"))
        for (i, values) in cells.enumerated() {
            let numeric = r.rows[i].map { v -> Bool in
                if case .integer = v { return true }
                if case .real = v { return true }
                return false
            }
            out.write(row(values, numeric: numeric))
        }
        out.write(line("└", "┴", "┘"))
    }

    /// The value as list/CSV text (SQLite's own conversions; BLOBs as their bytes would be noise → preview).
    func plain(_ v: SQLValue) -> String {
        switch v {
        case .null: return nullText
        case .integer(let i): return String(i)
        case .real(let d): return formatReal(d)
        case .text(let s): return s
        case .blob(let b): return blobPreview(b)
        }
    }

    func display(_ v: SQLValue) -> String {
        switch v {
        case .text(let s): return s.replacingControlCharacters()
        default: return plain(v)
        }
    }

    func jsonValue(_ v: SQLValue) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? formatReal(d) : "null"
        case .text(let s): return jsonString(s)
        case .blob(let b): return jsonString(blobPreview(b))
        }
    }
}

/// SQLite prints reals with up to 15 significant digits (`%!.15g`); Swift's shortest round-trip form is close
/// and never lossy, and integral values keep their `.0` as SQLite shows them.
func formatReal(_ d: Double) -> String {
    d.description
}

/// `[0.12, -0.03, … 384 dims]` for BLOBs that are float32 vectors; `x'0102…' (n bytes)` for other BLOBs.
func blobPreview(_ b: [UInt8]) -> String {
    if !b.isEmpty, b.count % 4 == 0 {
        let n = b.count / 4
        let floats: [Float] = b.withUnsafeBytes { raw in
            (0..<n).map { i -> Float in
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                return Float(bitPattern: bits)
            }
        }
        // Random bytes rarely decode to moderate finite floats throughout; treat those as vectors.
        if floats.allSatisfy({ $0.isFinite && ($0 == 0 || (abs($0) > 1e-30 && abs($0) < 1e30)) }) {
            let shown = floats.prefix(n <= 4 ? 4 : 3).map { short($0) }
            return "[" + shown.joined(separator: ", ") + (n > 4 ? ", … \(n) dims]" : "]")
        }
    }
    let hex = b.prefix(16).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    return "x'" + hex + (b.count > 16 ? "…' (\(b.count) bytes)" : "'")
}

private func short(_ f: Float) -> String {
    // Four significant digits are enough to recognise a vector at a glance.
    let d = Double(f)
    if d == 0 { return "0" }
    let scaled = (d * 10_000).rounded() / 10_000
    return abs(d) >= 0.0001 ? scaled.description : f.description
}

func csvQuote(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    var out = "\""
    for c in s { out += c == "\"" ? "\"\"" : String(c) }
    return out + "\""
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}

/// Terminal columns a string takes: one per scalar, two for wide East Asian and emoji ranges, zero for marks.
func displayWidth(_ s: String) -> Int {
    var w = 0
    for u in s.unicodeScalars {
        let v = u.value
        if v == 0x200B || (0x0300...0x036F).contains(v) || (0xFE00...0xFE0F).contains(v) { continue }
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0x1F300...0x1FAFF).contains(v)
            || (0x20000...0x3FFFD).contains(v) {
            w += 2
        } else {
            w += 1
        }
    }
    return w
}

extension String {
    /// Newlines and tabs inside a box cell would break the grid.
    func replacingControlCharacters() -> String {
        String(unicodeScalars.map { $0 == "\n" ? "↵" : ($0 == "\t" ? " " : Character($0)) })
    }
}

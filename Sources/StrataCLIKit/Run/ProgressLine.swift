// The progress line a statement running longer than about a second shows on a terminal's stderr: elapsed
// time, rows produced, and for virtual tables that know their total (log files, .npy, knn) how far their
// scan has come. Redrawn at most ten times a second and erased when the statement ends or prints a row.
import Glibc
import SQLiteKit

public final class ProgressLine {
    private let fd: Int32
    private var started = 0.0
    private var lastDraw = 0.0
    private var lastRowAt = 0.0
    private var rows: Int64 = 0
    private var shown = false
    private var frame = 0

    public init(fd: Int32 = 2) {
        self.fd = fd
        ScanProgress.isEnabled = true
    }

    func start(now: Double) {
        started = now
        lastRowAt = now
        lastDraw = 0
        rows = 0
    }

    func rowProduced() {
        rows &+= 1
        if shown {
            clear()
            lastRowAt = monotonicSeconds()
        } else if rows & 0x3FF == 0 {
            lastRowAt = monotonicSeconds()
        }
    }

    func update(now: Double) {
        guard now - started >= 1.0, now - lastRowAt >= 1.0, now - lastDraw >= 0.1 else { return }
        lastDraw = now
        let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        frame = (frame + 1) % spinner.count
        var text = spinner[frame] + " " + Self.elapsed(now - started)
        if rows > 0 { text += " · " + Self.grouped(rows) + " rows" }
        for scan in ScanProgress.active.prefix(2) {
            text += " · " + scan.label + " " + Self.describe(scan)
        }
        text += "  (Ctrl-C cancels)"
        write("\r\u{1B}[K" + text)
        shown = true
    }

    func finish() { if shown { clear() } }

    private func clear() {
        write("\r\u{1B}[K")
        shown = false
    }

    private func write(_ s: String) {
        var bytes = Array(s.utf8)
        bytes.withUnsafeMutableBytes { b in _ = Glibc.write(fd, b.baseAddress, b.count) }
    }

    static func elapsed(_ s: Double) -> String {
        guard s.isFinite, s >= 0, s < 1e9 else { return "?" }
        return s < 60 ? oneDecimal(s) + " s" : "\(Int(s) / 60) min \(Int(s) % 60) s"
    }

    static func grouped(_ n: Int64) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }

    static func oneDecimal(_ x: Double) -> String {
        guard x.isFinite, x < 1e12 else { return "?" }
        let tenths = Int((x * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func describe(_ scan: ScanProgress.Scan) -> String {
        func amount(_ v: Int64) -> String {
            guard scan.unit == .bytes else { return grouped(v) }
            let d = Double(v)
            if d >= Double(1 << 30) { return oneDecimal(d / Double(1 << 30)) + " GB" }
            if d >= Double(1 << 20) { return "\(Int(d / Double(1 << 20))) MB" }
            if d >= Double(1 << 10) { return "\(Int(d / Double(1 << 10))) KB" }
            return "\(v) B"
        }
        if scan.total > 0 {
            let pct = Int(Double(scan.done) / Double(scan.total) * 100)
            return "\(min(100, max(0, pct)))% (\(amount(scan.done)) of \(amount(scan.total)))"
        }
        return amount(scan.done) + (scan.unit == .rows ? " rows" : "")
    }
}

// `.mode npy FILE` / `--npy FILE`: a result's first column written to FILE as `np.save` writes an array, so
// `np.load(FILE)` reads it. Vectors (float32 BLOBs, or JSON array text) become the rows of a 2-D `<f4` array;
// numbers a 1-D array, `<i8` when the first is an INTEGER, else `<f8`. Each result set rewrites the file (the
// last result of a run is what stays); rows are streamed through `Files.NpyWriter`, whose header is fixed up
// at the end. Values that fit no array (a NULL vector, text that is not a vector, a REAL in an integer
// column) stop the file with an error naming the row, never a silently different array.
import Files
import SQLiteKit

final class NpyOutput {
    let path: String
    private var writer: NpyWriter?
    /// NULLs before the first number (written as NaN once the array is known to be float64).
    private var leadingNulls = 0
    private var row = 0
    private(set) var failure: String?

    init(path: String) { self.path = path }

    /// Takes the first column of one result row.
    func add(_ value: SQLValue) {
        guard failure == nil else { return }
        row += 1
        do { try write(value) } catch { failure = "npy: row \(row): \(SQLError.from(error).message)" }
    }

    private func open(_ kind: NpyWriter.Kind) throws -> NpyWriter {
        let w = try NpyWriter(path: path, kind: kind)
        writer = w
        return w
    }

    private func write(_ value: SQLValue) throws {
        switch value {
        case .null:
            guard let w = writer else { leadingNulls += 1; return }
            guard w.kind == .float64Values else {
                throw SQLError(w.kind == .int64Values ? "NULL in an INTEGER column (CAST it AS REAL to write NaN)"
                                                      : "NULL where a vector was expected (filter NULLs out)")
            }
            try w.append(value: Double.nan)
        case .integer(let i):
            let w = try writer ?? open(leadingNulls > 0 ? .float64Values : .int64Values)
            try flushLeadingNulls(w)
            guard w.kind != .float32Rows else { throw SQLError("a number where a vector was expected") }
            try w.append(value: i)
        case .real(let d):
            let w = try writer ?? open(.float64Values)
            try flushLeadingNulls(w)
            guard w.kind == .float64Values else {
                throw SQLError(w.kind == .int64Values ? "a REAL after INTEGERs (CAST the column AS REAL)"
                                                      : "a number where a vector was expected")
            }
            try w.append(value: d)
        case .blob(let b):
            guard leadingNulls == 0 else { throw SQLError("a vector after NULLs (filter NULLs out)") }
            let w = try writer ?? open(.float32Rows)
            guard w.kind == .float32Rows else { throw SQLError("a BLOB where a number was expected") }
            guard !b.isEmpty, b.count % 4 == 0 else {
                throw SQLError("a BLOB of \(b.count) bytes is not a float32 vector")
            }
            try b.withUnsafeBytes { try w.append(rowBytes: $0) }
        case .text(let t):
            guard let values = Self.jsonVector(t) else {
                throw SQLError("text that is not a JSON array of numbers: '\(t.prefix(40))'")
            }
            guard leadingNulls == 0 else { throw SQLError("a vector after NULLs (filter NULLs out)") }
            let w = try writer ?? open(.float32Rows)
            guard w.kind == .float32Rows else { throw SQLError("text where a number was expected") }
            try values.withUnsafeBufferPointer { try w.append(row: $0) }
        }
    }

    private func flushLeadingNulls(_ w: NpyWriter) throws {
        guard leadingNulls > 0 else { return }
        guard w.kind == .float64Values else { throw SQLError("NULL where a vector was expected") }
        for _ in 0..<leadingNulls { try w.append(value: Double.nan) }
        leadingNulls = 0
    }

    /// Closes the file; a result with no rows (or only NULLs) is a 1-D float64 array of them. Returns the
    /// error that stopped it, if any.
    func finish() -> String? {
        do {
            if writer == nil, failure == nil {
                let w = try open(.float64Values)
                for _ in 0..<leadingNulls { try w.append(value: Double.nan) }
            }
            try writer?.finish()
        } catch {
            if failure == nil { failure = "npy: \(SQLError.from(error).message)" }
        }
        return failure
    }

    /// `[0.1, 2, -3e-2]` as float32 values (rounded to nearest, as `np.float32` does); nil for anything else.
    static func jsonVector(_ text: String) -> [Float]? {
        var s = Substring(text)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        guard s.first == "[", s.last == "]" else { return nil }
        let inner = s.dropFirst().dropLast()
        if inner.allSatisfy(\.isWhitespace) { return nil }
        var out: [Float] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            let p = part.trimmingWhitespaceSubstring()
            guard !p.isEmpty, p.allSatisfy({ "0123456789+-.eE".contains($0) }), let d = Double(p) else { return nil }
            let f = Float(d)
            guard f.isFinite else { return nil }
            out.append(f)
        }
        return out
    }
}

private extension Substring {
    func trimmingWhitespaceSubstring() -> Substring {
        var s = self
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}

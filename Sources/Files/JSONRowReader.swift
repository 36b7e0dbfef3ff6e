// The typed JSON-lines scan's fast path for whole runs of lines: one C call (strata_json_read_rows) validates
// each line's document, finds the used columns' members and makes their simple values, for every line of the
// line reader's buffer it is sure of; the block then copies the values into its columns in bulk. A line it is
// not sure of is left where it is, and the block reads it the ordinary way (JSONDocumentReader.next and
// value(ofMember:)), so rows, values, line numbers and error messages are the ones the Swift path gives.
// Per row this saves the Swift reader's per-line work (line splitting, the scanner's member table, one
// call per column), about a sixth of a typed scan's CPU.
import CJSON
import Glibc

final class JSONRowReader {
    /// Rows per C call: the outputs stay in the cache and a text's bytes are copied before the buffer moves.
    static let rowCapacity = 1024

    private let columns: Int
    private var rows = strata_json_rows()
    private let keys: PackedKeys
    private let asReal: UnsafeMutablePointer<UInt8>
    private let types: UnsafeMutablePointer<UInt8>
    private let bits: UnsafeMutablePointer<Int64>
    private let textStart: UnsafeMutablePointer<Int64>
    private let textEnd: UnsafeMutablePointer<Int64>
    private let lineIndex: UnsafeMutablePointer<Int64>
    private let members: UnsafeMutablePointer<strata_json_member>
    /// With a document column: the rendered texts of one call, and each row's span in them.
    private let renderDocument: Bool
    static let textCapacity = 1 << 20
    /// Whether lines are read with a learnt shape when they match it (Sources/CJSON/json_shape.h; the rows are
    /// the same either way). Read once: STRATA_JSON_SHAPES=0 turns shapes off, for comparisons.
    static let shapesEnabled: Bool = {
        guard let v = getenv("STRATA_JSON_SHAPES") else { return true }
        return String(cString: v) != "0"
    }()
    private let text: UnsafeMutablePointer<UInt8>?
    private let documentStart: UnsafeMutablePointer<Int64>?
    private let documentEnd: UnsafeMutablePointer<Int64>?

    /// `keys` are the used columns' keys (decoded), `asReal` whether each column wants integers as doubles;
    /// `unwrapWrappers` as for strata_json_simple_value (the document is scanned without unwrapping). With
    /// `renderDocument`, one more column (after the keys') gets each document's unwrapped text.
    init(keys: [String], asReal: [Bool], unwrapWrappers: Bool, renderDocument: Bool = false,
         shapes: Bool = JSONRowReader.shapesEnabled) {
        columns = keys.count
        self.keys = PackedKeys(keys)
        self.asReal = .allocate(capacity: max(columns, 1))
        for k in 0..<columns { self.asReal[k] = asReal[k] ? 1 : 0 }
        let slots = max(columns, 1) * JSONRowReader.rowCapacity
        types = .allocate(capacity: slots)
        bits = .allocate(capacity: slots)
        textStart = .allocate(capacity: slots)
        textEnd = .allocate(capacity: slots)
        lineIndex = .allocate(capacity: JSONRowReader.rowCapacity)
        members = .allocate(capacity: max(columns, 1))
        rows.keys = UnsafePointer(self.keys.bytes)
        rows.key_offsets = UnsafePointer(self.keys.offsets)
        rows.columns = columns
        rows.as_real = UnsafePointer(self.asReal)
        rows.unwrap_wrappers = unwrapWrappers ? 1 : 0
        rows.row_capacity = JSONRowReader.rowCapacity
        rows.types = types
        rows.bits = bits
        rows.text_start = textStart
        rows.text_end = textEnd
        rows.line_index = lineIndex
        rows.members = members
        rows.use_shapes = shapes ? 1 : 0
        self.renderDocument = renderDocument
        if renderDocument {
            text = .allocate(capacity: JSONRowReader.textCapacity)
            documentStart = .allocate(capacity: JSONRowReader.rowCapacity)
            documentEnd = .allocate(capacity: JSONRowReader.rowCapacity)
            rows.render_document = 1
            rows.text = text
            rows.text_capacity = JSONRowReader.textCapacity
            rows.document_start = documentStart
            rows.document_end = documentEnd
        } else {
            text = nil
            documentStart = nil
            documentEnd = nil
        }
    }

    deinit {
        strata_json_rows_release(&rows)
        asReal.deallocate()
        types.deallocate()
        bits.deallocate()
        textStart.deallocate()
        textEnd.deallocate()
        lineIndex.deallocate()
        members.deallocate()
        text?.deallocate()
        documentStart?.deallocate()
        documentEnd?.deallocate()
    }

    /// Reads every row of `reader`'s buffered lines the C path is sure of, appending their line numbers to
    /// `lines` and their values to `out` (one per used column); the number of rows read. Stops at the first
    /// line left to the caller (none read when it is the first). `blockBytes` (the block's size) sizes the
    /// arrays.
    func read(_ reader: JSONDocumentReader, lines: inout [Int64], into out: inout [JSONValueColumn],
              blockBytes: Int) -> Int {
        var total = 0
        while true {
            var stored = 0
            reader.consumeBufferedLines { bytes, limit, lineBefore in
                guard let base = bytes.baseAddress, limit > 0 else { return (0, 0) }
                var used = 0, lineCount = 0
                rows.text_used = 0
                stored = strata_json_read_rows(base, bytes.count, limit, &rows, &used, &lineCount)
                if lines.count <= 1, stored > 0 {  // the block's first C call (its first line may be read apart)
                    reserve(&lines, &out, blockBytes: blockBytes, bytesPerRow: max(1, used / stored))
                }
                for r in 0..<stored { lines.append(Int64(lineBefore) + lineIndex[r] + 1) }
                for c in 0..<columns {
                    let at = c * JSONRowReader.rowCapacity
                    out[c].appendRows(types: types + at, bits: bits + at, textStart: textStart + at,
                                      textEnd: textEnd + at, count: stored, bytes: base)
                }
                if renderDocument, let text, let documentStart, let documentEnd {
                    out[columns].appendTexts(starts: documentStart, ends: documentEnd, count: stored, bytes: text)
                }
                return (used, lineCount)
            }
            total += stored
            // A full batch may be followed by more; anything less stopped at a line for the caller.
            if stored < JSONRowReader.rowCapacity { return total }
        }
    }

    /// Room for the block's rows, estimated from its first rows' length, so the arrays are not copied as they
    /// grow (a few percent of a scan). At most twice the block's bytes are reserved in all: a block whose first
    /// lines are much shorter than the rest just grows its arrays later.
    private func reserve(_ lines: inout [Int64], _ out: inout [JSONValueColumn], blockBytes: Int, bytesPerRow: Int) {
        let estimate = blockBytes / bytesPerRow + blockBytes / bytesPerRow / 8 + 16
        let bytesPerReservedRow = 8 + columns * (1 + 8 + 8 + 4)
        let rows = min(estimate, 2 * blockBytes / bytesPerReservedRow)
        lines.reserveCapacity(rows)
        for c in 0..<out.count { out[c].reserve(rows) }
    }
}

extension JSONValueColumn {
    /// Appends `count` texts, row r's at bytes[starts[r] ..< ends[r]].
    mutating func appendTexts(starts s: UnsafePointer<Int64>, ends e: UnsafePointer<Int64>, count: Int,
                              bytes: UnsafePointer<UInt8>) {
        guard count > 0 else { return }
        types.append(contentsOf: repeatElement(JSONValueColumn.text, count: count))
        values.append(contentsOf: repeatElement(0, count: count))
        for r in 0..<count {
            starts.append(pool.count)
            let length = Int(e[r] &- s[r])
            pool.append(contentsOf: UnsafeBufferPointer(start: bytes + Int(s[r]), count: length))
            lengths.append(Int32(clamping: length))
        }
    }

    /// Appends one row's text.
    mutating func appendText(_ t: UnsafeBufferPointer<UInt8>) {
        types.append(JSONValueColumn.text)
        values.append(0)
        starts.append(pool.count)
        pool.append(contentsOf: t)
        lengths.append(Int32(clamping: t.count))
    }

    mutating func reserve(_ rows: Int) {
        types.reserveCapacity(rows)
        values.reserveCapacity(rows)
        starts.reserveCapacity(rows)
        lengths.reserveCapacity(rows)
    }

    /// Appends `count` rows made by strata_json_read_rows (a text's bytes are copied from `bytes`).
    mutating func appendRows(types t: UnsafePointer<UInt8>, bits b: UnsafePointer<Int64>,
                             textStart: UnsafePointer<Int64>, textEnd: UnsafePointer<Int64>, count: Int,
                             bytes: UnsafePointer<UInt8>) {
        guard count > 0 else { return }
        types.append(contentsOf: UnsafeBufferPointer(start: t, count: count))
        values.append(contentsOf: UnsafeBufferPointer(start: b, count: count))
        starts.reserveCapacity(starts.count + count)
        lengths.reserveCapacity(lengths.count + count)
        for r in 0..<count {
            starts.append(pool.count)
            if t[r] == JSONValueColumn.text {
                let s = Int(textStart[r]), length = Int(textEnd[r] &- textStart[r])
                pool.append(contentsOf: UnsafeBufferPointer(start: bytes + s, count: length))
                lengths.append(Int32(clamping: length))
            } else {
                lengths.append(0)
            }
        }
    }
}

// The fast path for a vector column (a list of FLOAT, e.g. a knn_match corpus): rows handed over straight
// from the column chunk's pages, without the per-float level arrays and value copy of the general reader.
// A fixed_size_list<float32> is stored as a LIST with one definition and one repetition level per float
// (384 of each per row of a 384-d embedding); when every definition level of a page is the maximum — every
// list present, every element present — the levels say only where rows start. They are walked as the
// RLE/bit-packed hybrid's runs (a run of "present" or "same row" levels costs nothing per float), and the
// page's PLAIN floats (or BYTE_STREAM_SPLIT ones, gathered back) are handed over where they lie.
// Anything else — a NULL or empty list, a NULL element, dictionary-encoded floats, an unknown encoding, a
// damaged or inconsistent page — stops the fast path; the caller reads the rest of the row group through
// `readField`, which gives the usual value, skip or error (naming file, row group, column and page).
import StrataCommon

extension ParquetFile {
    /// Hands rows of vector field `field` of row group `group` to `body` — the row's index in the group and
    /// its floats (borrowed for the call; possibly unaligned) — in order, from row 0. Returns how many rows it
    /// handed over and whether that was the whole group, checked against the chunk's value count. When it is
    /// not complete (see above) the caller reads the group with `readField`, which reports what stopped the
    /// fast path or gives the remaining rows; rows before `rows` were already handed over.
    /// Only `body`'s errors are thrown.
    public func forEachPresentVector(group: Int, field: Int, _ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws -> (rows: Int, complete: Bool) {
        var scan = PresentVectorScan(file: self, group: group, field: field)
        var bodyError: Error? = nil
        let complete = scan.run { row, floats in
            do { try body(row, floats); return true } catch { bodyError = error; return false }
        }
        if let bodyError { throw bodyError }
        return (scan.handed, complete)
    }
}

/// A window of a column chunk's bytes and a decompressed page.
struct VectorBuffers {
    var window: [UInt8] = []
    var page: [UInt8] = []
}

/// Why the fast path stopped: the general reader takes over from the next row.
private struct Stop: Error {}

private struct PresentVectorScan {
    let file: ParquetFile
    let group: Int
    let field: Int
    /// Rows handed over so far (all rows of the pages before the current one).
    var handed = 0
    /// Level index of each row start in the current page (reused from page to page).
    var rowStarts: [Int] = []
    /// Unpacked bit-packed levels (at most one run of 8 × 2^31 groups is never expanded at once: in blocks).
    var unpacked = [UInt8](repeating: 0, count: 512)
    /// BYTE_STREAM_SPLIT floats gathered back into order.
    var gathered: [UInt8] = []
    /// Bytes of the column chunk read at once.
    static let window = 4 << 20

    init(file: ParquetFile, group: Int, field: Int) {
        self.file = file
        self.group = group
        self.field = field
    }

    /// True when the whole group was handed over; `emit` returns false to stop (its error is the caller's).
    mutating func run(_ emit: (Int, UnsafeRawBufferPointer) -> Bool) -> Bool {
        do { return try scan(emit) } catch { return false }
    }

    private mutating func scan(_ emit: (Int, UnsafeRawBufferPointer) -> Bool) throws -> Bool {
        guard group >= 0, group < file.metadata.rowGroups.count, field >= 0, field < file.schema.fields.count else { throw Stop() }
        let node = file.schema.fields[field]
        guard node.shape == .vector, node.leaves.count == 1 else { throw Stop() }
        let leafIndex = node.leaves.lowerBound
        let columns = file.metadata.rowGroups[group].columns
        guard leafIndex >= 0, leafIndex < columns.count, leafIndex < file.schema.leaves.count else { throw Stop() }
        let leaf = file.schema.leaves[leafIndex]
        let meta = columns[leafIndex]
        let maxDef = leaf.definitionLevel, maxRep = leaf.repetitionLevel
        guard leaf.element.type == .float, meta.type == .float, maxRep == 1, maxDef >= 1, maxDef <= 255,
              meta.externalFile?.isEmpty ?? true, let codec = meta.codec else { throw Stop() }
        let groupRows = file.rowCount(ofGroup: group)
        var start = meta.dataPageOffset
        if let d = meta.dictionaryPageOffset, d > 0, d < start { start = d }
        let size = meta.compressedSize
        guard start >= 4, size >= 0, start <= Int64(file.file.size), size <= Int64(file.file.size) - start,
              meta.valueCount >= 0, meta.valueCount <= Int64(Int32.max) * 64 else { throw Stop() }
        let expected = Int(meta.valueCount)
        let chunkStart = Int(start), chunkSize = Int(size)
        var levels = 0
        // The chunk is read a window of pages at a time (a buffer that stays in cache, not a row group's worth).
        let kept = file.takeVectorBuffers()
        var window = kept.window, pageBuffer = kept.page
        defer { file.keepVectorBuffers(VectorBuffers(window: window, page: pageBuffer)) }
        var winStart = 0, winCount = 0
        /// Makes the window hold chunk bytes `pos ..< pos + n` (n ≤ what is left of the chunk).
        func ensure(_ pos: Int, _ n: Int) throws {
            if pos >= winStart, pos + n <= winStart + winCount { return }
            let want = min(chunkSize - pos, max(n, PresentVectorScan.window))
            guard want >= n else { throw Stop() }
            try MemoryBudget.check(want, for: "column chunk \(leaf.path.joined(separator: "."))")
            try file.file.read(at: chunkStart + pos, count: want, into: &window)
            winStart = pos
            winCount = want
        }
        var pos = 0
        while levels < expected {
            guard pos < chunkSize, !Interruption.isRequested() else { throw Stop() }
            // A page header is small (a few dozen bytes; statistics of a float column add a few more).
            try ensure(pos, min(chunkSize - pos, 64 << 10))
            let (h, headerLength) = try window.withUnsafeBufferPointer { w in
                var r = ThriftReader(UnsafeBufferPointer(rebasing: w[(pos - winStart)...]))
                return (try PageHeader.decode(&r), r.position)
            }
            let bodyStart = pos + headerLength
            guard h.compressedSize <= chunkSize - bodyStart else { throw Stop() }
            try ensure(bodyStart, h.compressedSize)
            pos = bodyStart + h.compressedSize
            let at = bodyStart - winStart
            let pageLevels = try window.withUnsafeBytes { w -> Int in
                let body = UnsafeRawBufferPointer(rebasing: w[at ..< at + h.compressedSize])
                let count = h.valueCount
                guard count <= expected - levels else { throw Stop() }
                switch PageType(rawValue: h.type) {
                case .data:
                    guard h.repetitionEncoding == Encoding.rle.rawValue, h.definitionEncoding == Encoding.rle.rawValue else { throw Stop() }
                    func levelsThenValues(_ page: UnsafeRawBufferPointer) throws {
                        var c = ByteCursor(page)
                        let rep = try c.take(Int(try c.le32()))
                        let def = try c.take(Int(try c.le32()))
                        try self.page(rep: rep, def: def, values: UnsafeRawBufferPointer(rebasing: page[c.position...]), count: count,
                                      encoding: h.encoding, maxDef: maxDef, groupRows: groupRows, emit)
                    }
                    if codec == .uncompressed {
                        guard body.count == h.uncompressedSize else { throw Stop() }
                        try levelsThenValues(body)
                    } else {
                        try PageCodec.decompress(codec, body, size: h.uncompressedSize, into: &pageBuffer)
                        try pageBuffer.withUnsafeBytes { try levelsThenValues($0) }
                    }
                case .dataV2:
                    guard h.repetitionLength <= body.count, h.definitionLength <= body.count - h.repetitionLength else { throw Stop() }
                    let levelBytes = h.repetitionLength + h.definitionLength
                    let rep = UnsafeRawBufferPointer(rebasing: body[0 ..< h.repetitionLength])
                    let def = UnsafeRawBufferPointer(rebasing: body[h.repetitionLength ..< levelBytes])
                    let packed = UnsafeRawBufferPointer(rebasing: body[levelBytes...])
                    guard h.uncompressedSize >= levelBytes else { throw Stop() }
                    if h.isCompressed && codec != .uncompressed {
                        try PageCodec.decompress(codec, packed, size: h.uncompressedSize - levelBytes, into: &pageBuffer)
                        try pageBuffer.withUnsafeBytes {
                            try page(rep: rep, def: def, values: $0, count: count, encoding: h.encoding, maxDef: maxDef, groupRows: groupRows, emit)
                        }
                    } else {
                        try page(rep: rep, def: def, values: packed, count: count, encoding: h.encoding, maxDef: maxDef, groupRows: groupRows, emit)
                    }
                case .index, nil:
                    return 0  // no values (as the general reader)
                case .dictionary:
                    throw Stop()  // dictionary-encoded floats: the general reader
                }
                return count
            }
            levels += pageLevels
        }
        // Levels past the chunk's count, or fewer rows than the group's: the general reader reports it.
        return levels == expected && handed == groupRows
    }

    /// Every definition level of the page is `maxDef` (a present element of a present list), else Stop.
    private mutating func allPresent(_ bytes: UnsafeRawBufferPointer, count: Int, maxDef: Int) throws {
        var runs = LevelRuns(bytes, width: bitWidth(maxDef))
        var done = 0
        let top = UInt8(maxDef)
        while done < count {
            switch try runs.next(limit: count - done) {
            case .repeated(let v, let n):
                guard v == UInt64(maxDef) else { throw Stop() }
                done += n
            case .packed(let n):
                var k = 0
                while k < n {
                    let m = min(n - k, unpacked.count)
                    try unpacked.withUnsafeMutableBufferPointer { u in
                        guard let base = u.baseAddress else { throw Stop() }
                        runs.unpack(m, into: base)
                        for i in 0..<m where base[i] != top { throw Stop() }
                    }
                    k += m
                }
                done += n
            }
        }
    }

    /// `rowStarts` = the level indices where the page's repetition levels are 0 (levels are 0 or 1); Stop
    /// past `most` rows (what is left of the group: a lying run never grows the array beyond it).
    private mutating func findRowStarts(_ bytes: UnsafeRawBufferPointer, count: Int, most: Int) throws {
        rowStarts.removeAll(keepingCapacity: true)
        var runs = LevelRuns(bytes, width: 1)
        var done = 0
        while done < count {
            switch try runs.next(limit: count - done) {
            case .repeated(let v, let n):
                if v == 0 {
                    guard n <= most - rowStarts.count else { throw Stop() }
                    for i in done ..< done + n { rowStarts.append(i) }  // rows of one element
                } else if v != 1 {
                    throw Stop()
                }
                done += n
            case .packed(let n):
                var k = 0
                while k < n {
                    let m = min(n - k, unpacked.count)
                    let at = done + k
                    try unpacked.withUnsafeMutableBufferPointer { u in
                        guard let base = u.baseAddress else { throw Stop() }
                        runs.unpack(m, into: base)
                        for i in 0..<m where base[i] == 0 { rowStarts.append(at + i) }
                    }
                    guard rowStarts.count <= most else { throw Stop() }
                    k += m
                }
                done += n
            }
        }
    }

    /// One data page: its rows handed over when every level is present, else Stop.
    private mutating func page(rep: UnsafeRawBufferPointer, def: UnsafeRawBufferPointer, values: UnsafeRawBufferPointer, count: Int,
                               encoding: Int64, maxDef: Int, groupRows: Int, _ emit: (Int, UnsafeRawBufferPointer) -> Bool) throws {
        try allPresent(def, count: count, maxDef: maxDef)
        try findRowStarts(rep, count: count, most: groupRows - handed)
        // A page starts a row (as the general reader requires).
        guard count == 0 || rowStarts.first == 0 else { throw Stop() }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 4)
        guard !overflow, bytes <= values.count else { throw Stop() }
        switch Encoding(rawValue: encoding) {
        case .plain:
            try handOver(values, count: count, emit)
        case .byteStreamSplit:
            if gathered.count < bytes { gathered = [UInt8](repeating: 0, count: bytes) }
            try gathered.withUnsafeMutableBytes { g in
                guard let base = g.baseAddress else { return }  // a page of 0 values
                try byteStreamSplit(values, count: count, width: 4, into: base)
            }
            let floats = gathered
            try floats.withUnsafeBytes { try handOver($0, count: count, emit) }
        default:
            throw Stop()
        }
    }

    /// The rows of a page whose floats (in order) are `floats`.
    private mutating func handOver(_ floats: UnsafeRawBufferPointer, count: Int, _ emit: (Int, UnsafeRawBufferPointer) -> Bool) throws {
        let n = rowStarts.count
        for i in 0..<n {
            let a = rowStarts[i], b = i + 1 < n ? rowStarts[i + 1] : count
            guard emit(handed, UnsafeRawBufferPointer(rebasing: floats[a * 4 ..< b * 4])) else { throw Stop() }
            handed += 1
        }
    }
}

/// The RLE/bit-packed hybrid as runs: a repeated value with its length, or a bit-packed run read in blocks.
private struct LevelRuns {
    var cursor: ByteCursor
    let width: Int
    /// The bit-packed run being read: where its next value lies (a bit offset from its start) and its end.
    private var packedBase = 0
    private var packedBytes = 0
    private var packedBit = 0

    enum Run { case repeated(UInt64, Int), packed(Int) }

    init(_ bytes: UnsafeRawBufferPointer, width: Int) {
        cursor = ByteCursor(bytes)
        self.width = width
    }

    /// The next run, at most `limit` levels long (the rest of the page); Stop on anything malformed.
    mutating func next(limit: Int) throws -> Run {
        let header = try cursor.uleb()
        if header & 1 == 0 {
            let run = header >> 1
            guard run > 0 else { throw Stop() }
            let raw = try cursor.take((width + 7) / 8)
            var v: UInt64 = 0
            for k in 0..<raw.count { v |= UInt64(raw[k]) << UInt64(8 * k) }
            return .repeated(v, Int(min(run, UInt64(limit))))
        }
        let groups = header >> 1
        guard groups > 0, groups <= UInt64(Int32.max) else { throw Stop() }
        let n = min(Int(groups) * 8, limit)
        let full = Int(groups) * width
        guard (n * width + 7) / 8 <= cursor.remaining else { throw Stop() }
        packedBase = cursor.position
        packedBytes = min(full, cursor.remaining)
        packedBit = 0
        cursor.position += packedBytes
        return .packed(n)
    }

    /// The next `m` values of the current bit-packed run (checked by `next` to lie within it).
    mutating func unpack(_ m: Int, into out: UnsafeMutablePointer<UInt8>) {
        let byte = packedBit >> 3
        // Blocks are multiples of 8 values, so every block starts on a byte boundary.
        unpackBits(cursor.base + packedBase + byte, available: packedBytes - byte, width: width, count: m, into: out)
        packedBit += m * width
    }
}

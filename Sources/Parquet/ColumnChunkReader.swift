// Reads one column chunk: its bytes from the file in one positioned read, then page by page — header,
// decompression, levels, values — into a `ColumnChunkData`. Dictionary pages are kept for the data pages
// that follow; a chunk may switch from dictionary to plain pages midway (writers fall back when the
// dictionary grows too large). Every failure names the file, row group, column and page.
import StrataCommon

struct ColumnChunkReader {
    let leaf: SchemaNode
    let meta: ColumnChunkMeta
    let location: ParquetLocation

    var maxDef: Int { leaf.definitionLevel }
    var maxRep: Int { leaf.repetitionLevel }

    /// The dictionary of the chunk, decoded like values (BYTE_ARRAY spans point into the output pool).
    private var dictionary: ColumnChunkData?
    private var pageBuffer: [UInt8] = []
    private var indexBuffer: [UInt32] = []

    init(leaf: SchemaNode, meta: ColumnChunkMeta, location: ParquetLocation) {
        self.leaf = leaf
        self.meta = meta
        self.location = location
    }

    /// Decodes the chunk, into `reuse` when given (a chunk of the same column from an earlier row group that
    /// nothing refers to any more), reading the file through `scratch`.
    mutating func read(_ file: ParquetSource, scratch bytes: inout [UInt8], reuse: ColumnChunkData? = nil) throws -> ColumnChunkData {
        guard let type = leaf.element.type else { throw location.error("is not a leaf column") }
        guard meta.type == type else {
            throw location.error("chunk has physical type \(meta.type.name), the schema says \(type.name)")
        }
        if let f = meta.externalFile, !f.isEmpty {
            throw location.error("column data lives in another file ('\(f)'), which this reader does not follow")
        }
        guard let codec = meta.codec else { throw location.error("unknown compression codec \(meta.codecCode)") }
        var start = meta.dataPageOffset
        if let d = meta.dictionaryPageOffset, d > 0, d < start { start = d }
        let size = meta.compressedSize
        guard start >= 4, size >= 0, start <= Int64(file.size), size <= Int64(file.size) - start else {
            throw location.error("column chunk at offset \(start) of \(size) bytes lies outside the file (\(file.size) bytes)")
        }
        guard meta.valueCount >= 0, meta.valueCount <= Int64(Int32.max) * 64 else {
            throw location.error("column chunk claims \(meta.valueCount) values")
        }
        let out: ColumnChunkData
        if let r = reuse, r.type == type, r.width == (type == .int96 ? 12 : leaf.element.typeLength),
           r.maxDefinition == maxDef, r.maxRepetition == maxRep {
            r.reset()
            out = r
        } else {
            out = ColumnChunkData(type: type, width: leaf.element.typeLength, maxDefinition: maxDef, maxRepetition: maxRep)
        }
        do {
            try MemoryBudget.check(Int(size), for: "column chunk \(leaf.path.joined(separator: "."))")
            try file.read(at: Int(start), count: Int(size), into: &bytes)
        } catch { throw location.error(errorText(error)) }
        let expected = Int(meta.valueCount)
        reserve(out, levels: expected)
        try bytes.withUnsafeBytes { buf in
            var pos = 0
            var page = 0
            while out.levelCount < expected {
                let here = ParquetLocation(path: location.path, rowGroup: location.rowGroup, column: location.column, page: page)
                guard pos < buf.count else {
                    throw here.error("column chunk ends after \(out.levelCount) of its \(expected) values")
                }
                if Interruption.isRequested() { throw here.error(Interruption.message) }
                var r = ThriftReader(buf.bindMemory(to: UInt8.self), position: pos)
                let header: PageHeader
                do { header = try PageHeader.decode(&r) } catch let e as DecodeError {
                    throw here.error("bad page header: \(e.reason)")
                }
                let bodyStart = r.position
                guard header.compressedSize <= buf.count - bodyStart else {
                    throw here.error("page of \(header.compressedSize) bytes runs past the end of the column chunk")
                }
                let body = UnsafeRawBufferPointer(rebasing: buf[bodyStart ..< bodyStart + header.compressedSize])
                do {
                    try decodePage(header, body: body, codec: codec, into: out)
                } catch let e as DecodeError {
                    throw here.error(e.reason)
                }
                guard out.levelCount <= expected else {
                    throw here.error("pages hold more values (\(out.levelCount)) than the column chunk's \(expected)")
                }
                pos = bodyStart + header.compressedSize
                page += 1
            }
        }
        return out
    }

    private func reserve(_ out: ColumnChunkData, levels: Int) {
        let n = min(levels, 1 << 24)
        if maxDef > 0 { out.definitionLevels.reserveCapacity(n) }
        if maxRep > 0 { out.repetitionLevels.reserveCapacity(n) }
        switch out.type {
        case .int32: out.int32s.reserveCapacity(n)
        case .int64: out.int64s.reserveCapacity(n)
        case .float: out.floats.reserveCapacity(n)
        case .double: out.doubles.reserveCapacity(n)
        case .boolean: out.bools.reserveCapacity(n)
        case .byteArray: out.starts.reserveCapacity(n); out.lengths.reserveCapacity(n)
        default: break
        }
    }

    private mutating func decodePage(_ h: PageHeader, body: UnsafeRawBufferPointer, codec: Codec, into out: ColumnChunkData) throws {
        switch PageType(rawValue: h.type) {
        case .dictionary:
            guard dictionary == nil else { throw DecodeError("a second dictionary page") }
            try PageCodec.decompress(codec, body, size: h.uncompressedSize, into: &pageBuffer)
            guard h.encoding == Encoding.plain.rawValue || h.encoding == Encoding.plainDictionary.rawValue else {
                throw DecodeError("dictionary page encoding \(encodingName(h.encoding)) is not PLAIN")
            }
            let dict = ColumnChunkData(type: out.type, width: out.width, maxDefinition: 0, maxRepetition: 0)
            try pageBuffer.withUnsafeBytes { p in
                var c = ByteCursor(p)
                // BYTE_ARRAY dictionary bytes go to the output's pool, so data pages refer to them without copying.
                try decodePlain(&c, count: h.valueCount, into: dict, pool: out)
            }
            dictionary = dict
        case .data:
            // An uncompressed page is decoded where it lies in the chunk's bytes (no copy).
            let buffer: [UInt8]
            if codec == .uncompressed {
                guard body.count == h.uncompressedSize else {
                    throw DecodeError("uncompressed page of \(body.count) bytes, the header says \(h.uncompressedSize)")
                }
                buffer = []
            } else {
                try PageCodec.decompress(codec, body, size: h.uncompressedSize, into: &pageBuffer)
                buffer = pageBuffer
            }
            try buffer.withUnsafeBytes { decompressed in
                let p = codec == .uncompressed ? body : decompressed
                var c = ByteCursor(p)
                var repLevels: UnsafeRawBufferPointer? = nil, defLevels: UnsafeRawBufferPointer? = nil
                if maxRep > 0 {
                    guard h.repetitionEncoding == Encoding.rle.rawValue else {
                        throw DecodeError("repetition levels encoded \(encodingName(h.repetitionEncoding)) (only RLE is supported)")
                    }
                    let n = Int(try c.le32())
                    repLevels = try c.take(n)
                }
                if maxDef > 0 {
                    guard h.definitionEncoding == Encoding.rle.rawValue else {
                        throw DecodeError("definition levels encoded \(encodingName(h.definitionEncoding)) (only RLE is supported)")
                    }
                    let n = Int(try c.le32())
                    defLevels = try c.take(n)
                }
                let nonNull = try decodeLevels(count: h.valueCount, rep: repLevels, def: defLevels, into: out)
                let values = UnsafeRawBufferPointer(rebasing: p[c.position...])
                try decodeValues(values, encoding: h.encoding, count: nonNull, into: out)
            }
        case .dataV2:
            guard h.repetitionLength <= body.count, h.definitionLength <= body.count - h.repetitionLength else {
                throw DecodeError("level lengths (\(h.repetitionLength) + \(h.definitionLength)) exceed the page (\(body.count) bytes)")
            }
            let rep = UnsafeRawBufferPointer(rebasing: body[0 ..< h.repetitionLength])
            let def = UnsafeRawBufferPointer(rebasing: body[h.repetitionLength ..< h.repetitionLength + h.definitionLength])
            let nonNull = try decodeLevels(count: h.valueCount, rep: maxRep > 0 ? rep : nil, def: maxDef > 0 ? def : nil, into: out)
            guard h.valueCount - nonNull == h.nullCount || maxRep > 0 else {
                throw DecodeError("page says \(h.nullCount) nulls, its levels hold \(h.valueCount - nonNull)")
            }
            let levelBytes = h.repetitionLength + h.definitionLength
            let packed = UnsafeRawBufferPointer(rebasing: body[levelBytes...])
            guard h.uncompressedSize >= levelBytes else { throw DecodeError("uncompressed size smaller than the levels") }
            if h.isCompressed && codec != .uncompressed {
                try PageCodec.decompress(codec, packed, size: h.uncompressedSize - levelBytes, into: &pageBuffer)
                let buffer = pageBuffer
                try buffer.withUnsafeBytes { try decodeValues($0, encoding: h.encoding, count: nonNull, into: out) }
            } else {
                try decodeValues(packed, encoding: h.encoding, count: nonNull, into: out)
            }
        case .index, nil:
            return  // index pages and unknown page types carry no values
        }
    }

    /// Appends the page's levels; returns how many of its values are non-null (defined to the leaf).
    private func decodeLevels(count: Int, rep: UnsafeRawBufferPointer?, def: UnsafeRawBufferPointer?, into out: ColumnChunkData) throws -> Int {
        try MemoryBudgetCheck.values(count, bytesEach: 2)
        if let rep {
            var d = HybridDecoder(rep, width: bitWidth(maxRep))
            let old = out.repetitionLevels.count
            out.repetitionLevels.append(contentsOf: repeatElement(0, count: count))
            try out.repetitionLevels.withUnsafeMutableBufferPointer {
                guard let base = $0.baseAddress else { return }  // no levels: a page of 0 values
                try d.decode(count: count, into: base + old, limit: UInt8(maxRep + 1))
            }
            if count > 0, out.repetitionLevels[old] != 0 { throw DecodeError("page starts in the middle of a row (repetition level not 0)") }
        }
        var nonNull = count
        if let def {
            var d = HybridDecoder(def, width: bitWidth(maxDef))
            let old = out.definitionLevels.count
            out.definitionLevels.append(contentsOf: repeatElement(0, count: count))
            let top = UInt8(maxDef)
            nonNull = try out.definitionLevels.withUnsafeMutableBufferPointer { b in
                guard let base = b.baseAddress else { return 0 }  // no levels: a page of 0 values
                let p = base + old
                try d.decode(count: count, into: p, limit: UInt8(maxDef + 1))
                var n = 0
                for i in 0..<count where p[i] == top { n += 1 }
                return n
            }
        }
        out.levelCount += count
        return nonNull
    }

    private func encodingName(_ e: Int64) -> String { Encoding(rawValue: e)?.name ?? "#\(e)" }

    private mutating func decodeValues(_ data: UnsafeRawBufferPointer, encoding: Int64, count: Int, into out: ColumnChunkData) throws {
        let before = out.valueCount
        try decodeEncodedValues(data, encoding: encoding, count: count, into: out)
        // PLAIN and dictionary pages count their values as they store them; the other encodings here.
        if out.valueCount == before { out.valueCount += count }
        guard out.valueCount == before + count else { throw DecodeError("page stored \(out.valueCount - before) values, its levels say \(count)") }
    }

    private mutating func decodeEncodedValues(_ data: UnsafeRawBufferPointer, encoding: Int64, count: Int, into out: ColumnChunkData) throws {
        guard let e = Encoding(rawValue: encoding) else { throw DecodeError("unsupported encoding #\(encoding)") }
        var c = ByteCursor(data)
        switch e {
        case .plain:
            try decodePlain(&c, count: count, into: out, pool: out)
        case .plainDictionary, .rleDictionary:
            guard let dict = dictionary else { throw DecodeError("\(e.name) page without a dictionary page") }
            try decodeDictionary(&c, count: count, dictionary: dict, into: out)
        case .rle:
            guard out.type == .boolean else { throw DecodeError("RLE values for \(out.type.name) (only BOOLEAN)") }
            let n = Int(try c.le32())
            var d = HybridDecoder(try c.take(n), width: 1)
            let old = out.bools.count
            out.bools.append(contentsOf: repeatElement(0, count: count))
            try out.bools.withUnsafeMutableBufferPointer {
                guard let base = $0.baseAddress else { return }  // a page of 0 values
                try d.decode(count: count, into: base + old, limit: 2)
            }
        case .deltaBinaryPacked:
            guard out.type == .int32 || out.type == .int64 else { throw DecodeError("DELTA_BINARY_PACKED for \(out.type.name)") }
            var d = try DeltaBinaryDecoder(&c)
            guard d.total == count else { throw DecodeError("DELTA_BINARY_PACKED holds \(d.total) values, the levels say \(count)") }
            let values = try d.decodeAll()
            if out.type == .int64 { out.int64s.append(contentsOf: values) }
            else { out.int32s.append(contentsOf: values.lazy.map { Int32(truncatingIfNeeded: $0) }) }
        case .deltaLengthByteArray:
            guard out.type == .byteArray else { throw DecodeError("DELTA_LENGTH_BYTE_ARRAY for \(out.type.name)") }
            var d = try DeltaBinaryDecoder(&c)
            guard d.total == count else { throw DecodeError("DELTA_LENGTH_BYTE_ARRAY holds \(d.total) lengths, the levels say \(count)") }
            let lengths = try d.decodeAll()
            c = d.cursor
            var total = 0
            for l in lengths {
                guard l >= 0, l <= Int64(c.remaining) else { throw DecodeError("DELTA_LENGTH_BYTE_ARRAY length \(l) out of range") }
                total += Int(l)
                guard total <= c.remaining else { throw DecodeError("DELTA_LENGTH_BYTE_ARRAY values run past the page") }
            }
            let bytes = try c.take(total)
            var at = out.pool.count
            out.pool.append(contentsOf: bytes)
            for l in lengths {
                out.starts.append(at)
                out.lengths.append(Int32(l))
                at += Int(l)
            }
        case .deltaByteArray:
            guard out.type == .byteArray || out.type == .fixedLenByteArray else { throw DecodeError("DELTA_BYTE_ARRAY for \(out.type.name)") }
            var p = try DeltaBinaryDecoder(&c)
            guard p.total == count else { throw DecodeError("DELTA_BYTE_ARRAY holds \(p.total) prefixes, the levels say \(count)") }
            let prefixes = try p.decodeAll()
            c = p.cursor
            var s = try DeltaBinaryDecoder(&c)
            guard s.total == count else { throw DecodeError("DELTA_BYTE_ARRAY holds \(s.total) suffixes, the levels say \(count)") }
            let suffixes = try s.decodeAll()
            c = s.cursor
            var previousStart = 0, previousLength = 0
            // The previous value of the page (the first value's prefix must be 0).
            for i in 0..<count {
                let pre = prefixes[i], suf = suffixes[i]
                guard pre >= 0, pre <= Int64(previousLength), suf >= 0, suf <= Int64(c.remaining) else {
                    throw DecodeError("DELTA_BYTE_ARRAY value \(i): prefix \(pre) / suffix \(suf) out of range")
                }
                let start = out.pool.count
                if pre > 0 {
                    out.pool.reserveCapacity(start + Int(pre) + Int(suf))
                    for k in 0..<Int(pre) { out.pool.append(out.pool[previousStart + k]) }
                }
                out.pool.append(contentsOf: try c.take(Int(suf)))
                let length = Int(pre + suf)
                if out.type == .byteArray {
                    guard length <= Int(Int32.max) else { throw DecodeError("value too long") }
                    out.starts.append(start)
                    out.lengths.append(Int32(length))
                } else if length != out.width {
                    throw DecodeError("DELTA_BYTE_ARRAY value \(i) has \(length) bytes, the column's width is \(out.width)")
                }
                previousStart = start
                previousLength = length
            }
        case .byteStreamSplit:
            let width: Int
            switch out.type {
            case .float, .int32: width = 4
            case .double, .int64: width = 8
            case .fixedLenByteArray: width = out.width
            default: throw DecodeError("BYTE_STREAM_SPLIT for \(out.type.name)")
            }
            try MemoryBudgetCheck.values(count, bytesEach: width)
            var tmp = [UInt8](repeating: 0, count: count * width)
            try tmp.withUnsafeMutableBytes {
                guard let base = $0.baseAddress else { return }  // a page of 0 values
                try byteStreamSplit(data, count: count, width: width, into: base)
            }
            var tc = ByteCursor(UnsafeRawBufferPointer(start: nil, count: 0))
            try tmp.withUnsafeBytes { b in
                tc = ByteCursor(b)
                try decodePlain(&tc, count: count, into: out, pool: out)
            }
        case .bitPacked:
            throw DecodeError("values encoded BIT_PACKED (deprecated) are not supported")
        }
    }

    /// PLAIN values appended to `out` (BYTE_ARRAY bytes into `pool`'s pool).
    private func decodePlain(_ c: inout ByteCursor, count: Int, into out: ColumnChunkData, pool: ColumnChunkData) throws {
        guard count >= 0 else { throw DecodeError("negative value count") }
        func fixed(_ size: Int) throws -> UnsafeRawPointer {
            let (n, o) = count.multipliedReportingOverflow(by: size)
            guard !o, n <= c.remaining else { throw DecodeError("PLAIN data holds \(c.remaining) bytes, \(count) values need \(n)") }
            let p = try c.take(n)
            return p.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        }
        switch out.type {
        case .int32: out.int32s.appendRaw(try fixed(4), count: count)
        case .int64: out.int64s.appendRaw(try fixed(8), count: count)
        case .float: out.floats.appendRaw(try fixed(4), count: count)
        case .double: out.doubles.appendRaw(try fixed(8), count: count)
        case .int96, .fixedLenByteArray:
            let p = try fixed(out.width)
            out.pool.append(contentsOf: UnsafeRawBufferPointer(start: p, count: count * out.width))
        case .boolean:
            let n = (count + 7) / 8
            let raw = try c.take(n)
            let old = out.bools.count
            out.bools.append(contentsOf: repeatElement(0, count: count))
            out.bools.withUnsafeMutableBufferPointer { b in
                for i in 0..<count { b[old + i] = (raw[i >> 3] >> UInt8(i & 7)) & 1 }
            }
        case .byteArray:
            // One copy of the page's value region; spans skip the 4-byte length prefixes.
            let regionStart = c.position
            var lengths: [Int32] = []
            try MemoryBudgetCheck.values(count, bytesEach: 12)
            lengths.reserveCapacity(count)
            for _ in 0..<count {
                let l = try c.le32()
                guard l <= UInt32(c.remaining) else { throw DecodeError("BYTE_ARRAY value of \(l) bytes runs past the page") }
                c.position += Int(l)
                lengths.append(Int32(l))
            }
            let base = pool.pool.count
            pool.pool.append(contentsOf: UnsafeRawBufferPointer(start: c.base + regionStart, count: c.position - regionStart))
            var at = base
            for l in lengths {
                out.starts.append(at + 4)
                out.lengths.append(l)
                at += 4 + Int(l)
            }
        }
        out.valueCount += count
    }

    /// Dictionary indices (bit width byte, then the hybrid) gathered from the dictionary.
    private mutating func decodeDictionary(_ c: inout ByteCursor, count: Int, dictionary dict: ColumnChunkData, into out: ColumnChunkData) throws {
        guard count > 0 else { return }
        let width = Int(try c.byte())
        guard width <= 32 else { throw DecodeError("dictionary index bit width \(width)") }
        let size = dict.valueCount
        guard size > 0 else { throw DecodeError("dictionary indices into an empty dictionary") }
        try MemoryBudgetCheck.values(count, bytesEach: 4)
        if indexBuffer.count < count { indexBuffer = [UInt32](repeating: 0, count: count) }
        var d = HybridDecoder(UnsafeRawBufferPointer(start: c.base + c.position, count: c.remaining), width: width)
        try indexBuffer.withUnsafeMutableBufferPointer {
            guard let base = $0.baseAddress else { return }  // a page of 0 values
            try d.decode(count: count, into: base, limit: UInt32(size))
        }
        try indexBuffer.withUnsafeBufferPointer { ib in
            let idx = UnsafeBufferPointer(rebasing: ib[0..<count])
            switch out.type {
            case .int32: dict.int32s.withUnsafeBufferPointer { d in out.int32s.append(contentsOf: idx.lazy.map { d[Int($0)] }) }
            case .int64: dict.int64s.withUnsafeBufferPointer { d in out.int64s.append(contentsOf: idx.lazy.map { d[Int($0)] }) }
            case .float: dict.floats.withUnsafeBufferPointer { d in out.floats.append(contentsOf: idx.lazy.map { d[Int($0)] }) }
            case .double: dict.doubles.withUnsafeBufferPointer { d in out.doubles.append(contentsOf: idx.lazy.map { d[Int($0)] }) }
            case .boolean: dict.bools.withUnsafeBufferPointer { d in out.bools.append(contentsOf: idx.lazy.map { d[Int($0)] }) }
            case .byteArray:
                dict.starts.withUnsafeBufferPointer { s in out.starts.append(contentsOf: idx.lazy.map { s[Int($0)] }) }
                dict.lengths.withUnsafeBufferPointer { l in out.lengths.append(contentsOf: idx.lazy.map { l[Int($0)] }) }
            case .int96, .fixedLenByteArray:
                let w = out.width
                try MemoryBudgetCheck.values(count, bytesEach: w)
                out.pool.reserveCapacity(out.pool.count + count * w)
                dict.pool.withUnsafeBufferPointer { p in
                    for i in idx { out.pool.append(contentsOf: UnsafeBufferPointer(rebasing: p[Int(i) * w ..< (Int(i) + 1) * w])) }
                }
            }
        }
        out.valueCount += count
    }
}

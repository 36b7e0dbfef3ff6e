// A column chunk's min/max statistics as SQL-ready values, when they can be trusted for pruning row groups:
// min_value/max_value (ordered by the logical type) for every kind but INT96 and FLOAT16; the deprecated
// min/max (signed byte order) only for signed numbers, whose order they got right. NaN bounds are not used.

public struct ChunkBounds {
    public var min: LeafValue
    public var max: LeafValue
    public var nullCount: Int64?
}

extension ParquetFile {
    /// The bounds of leaf `leaf` in row group `group`, or nil when there are none usable.
    public func bounds(group: Int, leaf: Int) -> ChunkBounds? {
        let node = schema.leaves[leaf]
        guard let s = metadata.rowGroups[group].columns[leaf].statistics, let lo = s.min, let hi = s.max,
              let type = node.element.type else { return nil }
        let kind = LeafKind(node.element)
        switch kind {
        case .int96Timestamp, .float16, .unsupported: return nil
        case .uint32, .uint64, .string, .bytes, .uuid: if !s.ordered { return nil }
        case .decimal: if !s.ordered && type != .int32 && type != .int64 { return nil }
        default: break
        }
        guard let a = ParquetFile.statValue(lo, type: type, width: node.element.typeLength, kind: kind),
              let b = ParquetFile.statValue(hi, type: type, width: node.element.typeLength, kind: kind) else { return nil }
        for v in [a, b] { if case .real(let d) = v, d.isNaN { return nil } }
        return ChunkBounds(min: a, max: b, nullCount: s.nullCount)
    }

    /// The null count of leaf `leaf` in row group `group`, when the statistics have one.
    public func nullCount(group: Int, leaf: Int) -> Int64? {
        metadata.rowGroups[group].columns[leaf].statistics?.nullCount
    }

    static func statValue(_ bytes: [UInt8], type: PhysicalType, width: Int, kind: LeafKind) -> LeafValue? {
        let c = ColumnChunkData(type: type, width: width, maxDefinition: 0, maxRepetition: 0)
        func le(_ n: Int) -> UInt64? {
            guard bytes.count == n else { return nil }
            var v: UInt64 = 0
            for k in 0..<n { v |= UInt64(bytes[k]) << UInt64(8 * k) }
            return v
        }
        switch type {
        case .boolean: guard let v = le(1) else { return nil }; c.bools = [UInt8(v & 1)]
        case .int32: guard let v = le(4) else { return nil }; c.int32s = [Int32(truncatingIfNeeded: v)]
        case .int64: guard let v = le(8) else { return nil }; c.int64s = [Int64(bitPattern: v)]
        case .float: guard let v = le(4) else { return nil }; c.floats = [Float(bitPattern: UInt32(v))]
        case .double: guard let v = le(8) else { return nil }; c.doubles = [Double(bitPattern: v)]
        case .int96: return nil
        case .fixedLenByteArray:
            guard bytes.count == width else { return nil }
            c.pool = bytes
        case .byteArray:
            c.pool = bytes
            c.starts = [0]
            c.lengths = [Int32(clamping: bytes.count)]
        }
        c.valueCount = 1
        let v = try? kind.value(c, 0)
        // A string bound cut inside a character would compare wrongly once repaired: not used.
        if case .text(let t)? = v, kind == .string, Array(t.utf8) != bytes { return nil }
        return v
    }
}

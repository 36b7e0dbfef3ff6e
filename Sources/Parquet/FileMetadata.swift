// Parquet's footer as Swift values: the schema elements, row groups, column chunks and their statistics,
// decoded from Thrift (field numbers from parquet-format's parquet.thrift). Fields Strata does not use are
// skipped; required fields that are missing are errors.

public enum PhysicalType: Int32, Sendable {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7

    public var name: String {
        switch self {
        case .boolean: return "BOOLEAN"
        case .int32: return "INT32"
        case .int64: return "INT64"
        case .int96: return "INT96"
        case .float: return "FLOAT"
        case .double: return "DOUBLE"
        case .byteArray: return "BYTE_ARRAY"
        case .fixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY"
        }
    }
}

public enum Repetition: Int32, Sendable { case required = 0, optional = 1, repeated = 2 }

public enum TimeUnit: Sendable, Equatable { case millis, micros, nanos }

/// The logical type, from `logicalType` or else the legacy `converted_type`.
public enum LogicalType: Sendable, Equatable {
    case none
    case string, json, bson, enumeration, uuid, float16
    case map, list
    case decimal(scale: Int, precision: Int)
    case date
    case time(utc: Bool, unit: TimeUnit)
    case timestamp(utc: Bool, unit: TimeUnit)
    case integer(bits: Int, signed: Bool)
    case unknown
    case interval
}

public struct SchemaElement: Sendable {
    public var type: PhysicalType?
    public var typeLength: Int = 0
    public var repetition: Repetition = .required
    public var name: String = ""
    public var childCount: Int = 0
    public var logical: LogicalType = .none
    var convertedType: Int32?
    var scale = 0
    var precision = 0
}

public struct Statistics: Sendable {
    public var min: [UInt8]?
    public var max: [UInt8]?
    public var nullCount: Int64?
    /// Whether min/max come from the newer min_value/max_value fields (ordered by the logical type); the
    /// deprecated min/max are signed-byte ordered and trusted only for numbers.
    public var ordered = false
}

public enum Codec: Int32, Sendable {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7
    public var name: String {
        switch self {
        case .uncompressed: return "UNCOMPRESSED"
        case .snappy: return "SNAPPY"
        case .gzip: return "GZIP"
        case .lzo: return "LZO"
        case .brotli: return "BROTLI"
        case .lz4: return "LZ4"
        case .zstd: return "ZSTD"
        case .lz4Raw: return "LZ4_RAW"
        }
    }
}

public struct ColumnChunkMeta: Sendable {
    public var type: PhysicalType = .int32
    public var path: [String] = []
    /// Nil for a codec number parquet-format does not define (`codecCode` keeps it for the message).
    public var codec: Codec? = .uncompressed
    public var codecCode: Int64 = 0
    public var valueCount: Int64 = 0
    public var compressedSize: Int64 = 0
    public var uncompressedSize: Int64 = 0
    public var dataPageOffset: Int64 = 0
    public var dictionaryPageOffset: Int64?
    public var statistics: Statistics?
    /// Set when the chunk lives in another file (`file_path`), which Strata does not follow.
    public var externalFile: String?
}

public struct RowGroupMeta: Sendable {
    public var columns: [ColumnChunkMeta] = []
    public var rowCount: Int64 = 0
}

public struct FileMetadata: Sendable {
    public var version: Int32 = 0
    public var schema: [SchemaElement] = []
    public var rowCount: Int64 = 0
    public var rowGroups: [RowGroupMeta] = []
    public var createdBy: String?
    public var keyValues: [(String, String?)] = []
}

// MARK: - Decoding

extension FileMetadata {
    static func decode(_ r: inout ThriftReader) throws -> FileMetadata {
        var m = FileMetadata()
        var sawSchema = false, sawRows = false, sawGroups = false
        try r.readStruct { r, id, t in
            switch id {
            case 1: m.version = Int32(truncatingIfNeeded: try r.int(t))
            case 2: m.schema = try r.list(t) { r, et in try SchemaElement.decode(&r, et) }; sawSchema = true
            case 3: m.rowCount = try r.int(t); sawRows = true
            case 4: m.rowGroups = try r.list(t) { r, et in try RowGroupMeta.decode(&r, et) }; sawGroups = true
            case 5:
                m.keyValues = try r.list(t) { r, et in
                    guard et == .structure else { throw DecodeError("key_value_metadata is not a list of structs") }
                    var k = "", v: String? = nil
                    try r.readStruct { r, id, t in
                        switch (id, t) {
                        case (1, .binary): k = try r.string()
                        case (2, .binary): v = try r.string()
                        default: try r.skip(t)
                        }
                    }
                    return (k, v)
                }
            case 6 where t == .binary: m.createdBy = try r.string()
            default: try r.skip(t)
            }
        }
        guard sawSchema, sawRows, sawGroups else { throw DecodeError("footer lacks its schema, row count or row groups") }
        return m
    }
}

extension SchemaElement {
    static func decode(_ r: inout ThriftReader, _ t: ThriftType) throws -> SchemaElement {
        guard t == .structure else { throw DecodeError("schema element is not a struct") }
        var e = SchemaElement()
        var logical: LogicalType?
        try r.readStruct { r, id, t in
            switch id {
            case 1:
                let v = try r.int(t)
                guard let p = Int32(exactly: v).flatMap(PhysicalType.init(rawValue:)) else {
                    throw DecodeError("unknown physical type \(v)")
                }
                e.type = p
            case 2: e.typeLength = Int(clamping: try r.int(t))
            case 3:
                let v = try r.int(t)
                guard let rep = Int32(exactly: v).flatMap(Repetition.init(rawValue:)) else {
                    throw DecodeError("unknown repetition \(v)")
                }
                e.repetition = rep
            case 4 where t == .binary: e.name = try r.string()
            case 5: e.childCount = Int(clamping: try r.int(t))
            case 6: e.convertedType = Int32(truncatingIfNeeded: try r.int(t))
            case 7: e.scale = Int(clamping: try r.int(t))
            case 8: e.precision = Int(clamping: try r.int(t))
            case 10 where t == .structure: logical = try decodeLogicalType(&r)
            default: try r.skip(t)
            }
        }
        if let logical, logical != .none {
            e.logical = logical
        } else if let c = e.convertedType {
            e.logical = convertedLogicalType(c, scale: e.scale, precision: e.precision)
        }
        return e
    }

    /// The legacy converted_type as a logical type.
    static func convertedLogicalType(_ c: Int32, scale: Int, precision: Int) -> LogicalType {
        switch c {
        case 0: return .string
        case 1, 2: return .map
        case 3: return .list
        case 4: return .enumeration
        case 5: return .decimal(scale: scale, precision: precision)
        case 6: return .date
        case 7: return .time(utc: true, unit: .millis)
        case 8: return .time(utc: true, unit: .micros)
        case 9: return .timestamp(utc: true, unit: .millis)
        case 10: return .timestamp(utc: true, unit: .micros)
        case 11: return .integer(bits: 8, signed: false)
        case 12: return .integer(bits: 16, signed: false)
        case 13: return .integer(bits: 32, signed: false)
        case 14: return .integer(bits: 64, signed: false)
        case 15: return .integer(bits: 8, signed: true)
        case 16: return .integer(bits: 16, signed: true)
        case 17: return .integer(bits: 32, signed: true)
        case 18: return .integer(bits: 64, signed: true)
        case 19: return .json
        case 20: return .bson
        case 21: return .interval
        default: return .none
        }
    }

    static func decodeLogicalType(_ r: inout ThriftReader) throws -> LogicalType {
        var out = LogicalType.none
        try r.readStruct { r, id, t in
            guard t == .structure else { return try r.skip(t) }
            switch id {
            case 1: out = .string; try r.skip(t)
            case 2: out = .map; try r.skip(t)
            case 3: out = .list; try r.skip(t)
            case 4: out = .enumeration; try r.skip(t)
            case 5:
                var scale = 0, precision = 0
                try r.readStruct { r, id, t in
                    switch id {
                    case 1: scale = Int(clamping: try r.int(t))
                    case 2: precision = Int(clamping: try r.int(t))
                    default: try r.skip(t)
                    }
                }
                out = .decimal(scale: scale, precision: precision)
            case 6: out = .date; try r.skip(t)
            case 7, 8:
                var utc = false
                var unit = TimeUnit.millis
                try r.readStruct { r, fid, ft in
                    switch fid {
                    case 1: utc = try r.bool(ft)
                    case 2 where ft == .structure: unit = try decodeTimeUnit(&r)
                    default: try r.skip(ft)
                    }
                }
                out = id == 7 ? .time(utc: utc, unit: unit) : .timestamp(utc: utc, unit: unit)
            case 10:
                var bits = 64, signed = true
                try r.readStruct { r, fid, ft in
                    switch fid {
                    case 1: bits = Int(clamping: try r.int(ft))
                    case 2: signed = try r.bool(ft)
                    default: try r.skip(ft)
                    }
                }
                out = .integer(bits: bits, signed: signed)
            case 11: out = .unknown; try r.skip(t)
            case 12: out = .json; try r.skip(t)
            case 13: out = .bson; try r.skip(t)
            case 14: out = .uuid; try r.skip(t)
            case 15: out = .float16; try r.skip(t)
            default: try r.skip(t)
            }
        }
        return out
    }

    static func decodeTimeUnit(_ r: inout ThriftReader) throws -> TimeUnit {
        var unit = TimeUnit.millis
        try r.readStruct { r, id, t in
            switch id {
            case 1: unit = .millis
            case 2: unit = .micros
            case 3: unit = .nanos
            default: break
            }
            try r.skip(t)
        }
        return unit
    }
}

extension RowGroupMeta {
    static func decode(_ r: inout ThriftReader, _ t: ThriftType) throws -> RowGroupMeta {
        guard t == .structure else { throw DecodeError("row group is not a struct") }
        var g = RowGroupMeta()
        try r.readStruct { r, id, t in
            switch id {
            case 1: g.columns = try r.list(t) { r, et in try ColumnChunkMeta.decode(&r, et) }
            case 3: g.rowCount = try r.int(t)
            default: try r.skip(t)
            }
        }
        guard g.rowCount >= 0 else { throw DecodeError("row group has a negative row count") }
        // Every row has at least one level (value, NULL or empty list) in every column chunk, so a row count
        // above a chunk's value count is corrupt; checked here, it never sizes an allocation (rows + 1 starts).
        if let fewest = g.columns.lazy.map(\.valueCount).min(), g.rowCount > fewest {
            throw DecodeError("row group claims \(g.rowCount) rows but a column chunk holds \(fewest) values")
        }
        return g
    }
}

extension ColumnChunkMeta {
    static func decode(_ r: inout ThriftReader, _ t: ThriftType) throws -> ColumnChunkMeta {
        guard t == .structure else { throw DecodeError("column chunk is not a struct") }
        var c = ColumnChunkMeta()
        var sawMeta = false
        try r.readStruct { r, id, t in
            switch id {
            case 1 where t == .binary: c.externalFile = try r.string()
            case 3 where t == .structure:
                sawMeta = true
                try r.readStruct { r, id, t in
                    switch id {
                    case 1:
                        let v = try r.int(t)
                        guard let p = Int32(exactly: v).flatMap(PhysicalType.init(rawValue:)) else {
                            throw DecodeError("unknown physical type \(v)")
                        }
                        c.type = p
                    case 3: c.path = try r.list(t) { r, et in
                        guard et == .binary else { throw DecodeError("path_in_schema is not a list of strings") }
                        return try r.string()
                    }
                    case 4:
                        let v = try r.int(t)
                        c.codecCode = v
                        c.codec = Int32(exactly: v).flatMap(Codec.init(rawValue:))
                    case 5: c.valueCount = try r.int(t)
                    case 6: c.uncompressedSize = try r.int(t)
                    case 7: c.compressedSize = try r.int(t)
                    case 9: c.dataPageOffset = try r.int(t)
                    case 11: c.dictionaryPageOffset = try r.int(t)
                    case 12 where t == .structure: c.statistics = try Statistics.decode(&r)
                    default: try r.skip(t)
                    }
                }
            default: try r.skip(t)
            }
        }
        guard sawMeta else { throw DecodeError("column chunk has no metadata") }
        return c
    }
}

extension Statistics {
    static func decode(_ r: inout ThriftReader) throws -> Statistics {
        var s = Statistics()
        var oldMin: [UInt8]?, oldMax: [UInt8]?, newMin: [UInt8]?, newMax: [UInt8]?
        try r.readStruct { r, id, t in
            switch (id, t) {
            case (1, .binary): oldMax = try r.binary()
            case (2, .binary): oldMin = try r.binary()
            case (3, _): s.nullCount = try r.int(t)
            case (5, .binary): newMax = try r.binary()
            case (6, .binary): newMin = try r.binary()
            default: try r.skip(t)
            }
        }
        if newMin != nil || newMax != nil {
            s.min = newMin
            s.max = newMax
            s.ordered = true
        } else {
            s.min = oldMin
            s.max = oldMax
        }
        return s
    }
}

// A page's header (Thrift): its kind, sizes, value count and encodings, v1 and v2 data pages and
// dictionary pages.

enum PageType: Int64 { case data = 0, index = 1, dictionary = 2, dataV2 = 3 }

enum Encoding: Int64 {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5
    case deltaLengthByteArray = 6, deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9

    var name: String {
        switch self {
        case .plain: return "PLAIN"
        case .plainDictionary: return "PLAIN_DICTIONARY"
        case .rle: return "RLE"
        case .bitPacked: return "BIT_PACKED"
        case .deltaBinaryPacked: return "DELTA_BINARY_PACKED"
        case .deltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY"
        case .deltaByteArray: return "DELTA_BYTE_ARRAY"
        case .rleDictionary: return "RLE_DICTIONARY"
        case .byteStreamSplit: return "BYTE_STREAM_SPLIT"
        }
    }
}

struct PageHeader {
    var type: Int64 = -1
    var uncompressedSize = 0
    var compressedSize = 0
    var valueCount = 0
    var encoding: Int64 = 0
    var definitionEncoding: Int64 = 3
    var repetitionEncoding: Int64 = 3
    // v2
    var nullCount = 0
    var rowCount = 0
    var definitionLength = 0
    var repetitionLength = 0
    var isCompressed = true

    static func decode(_ r: inout ThriftReader) throws -> PageHeader {
        var h = PageHeader()
        var sawType = false, sawSizes = 0
        func size(_ r: inout ThriftReader, _ t: ThriftType, _ what: String) throws -> Int {
            let v = try r.int(t)
            guard v >= 0, v <= Int64(Int32.max) else { throw DecodeError("page header has \(what) \(v)") }
            return Int(v)
        }
        try r.readStruct { r, id, t in
            switch id {
            case 1: h.type = try r.int(t); sawType = true
            case 2: h.uncompressedSize = try size(&r, t, "uncompressed size"); sawSizes += 1
            case 3: h.compressedSize = try size(&r, t, "compressed size"); sawSizes += 1
            case 5 where t == .structure:
                try r.readStruct { r, id, t in
                    switch id {
                    case 1: h.valueCount = try size(&r, t, "value count")
                    case 2: h.encoding = try r.int(t)
                    case 3: h.definitionEncoding = try r.int(t)
                    case 4: h.repetitionEncoding = try r.int(t)
                    default: try r.skip(t)
                    }
                }
            case 7 where t == .structure:
                try r.readStruct { r, id, t in
                    switch id {
                    case 1: h.valueCount = try size(&r, t, "value count")
                    case 2: h.encoding = try r.int(t)
                    default: try r.skip(t)
                    }
                }
            case 8 where t == .structure:
                try r.readStruct { r, id, t in
                    switch id {
                    case 1: h.valueCount = try size(&r, t, "value count")
                    case 2: h.nullCount = try size(&r, t, "null count")
                    case 3: h.rowCount = try size(&r, t, "row count")
                    case 4: h.encoding = try r.int(t)
                    case 5: h.definitionLength = try size(&r, t, "definition levels length")
                    case 6: h.repetitionLength = try size(&r, t, "repetition levels length")
                    case 7: h.isCompressed = try r.bool(t)
                    default: try r.skip(t)
                    }
                }
            default: try r.skip(t)
            }
        }
        guard sawType, sawSizes == 2 else { throw DecodeError("page header lacks its type or sizes") }
        return h
    }
}

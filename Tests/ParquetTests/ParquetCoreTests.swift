// The Parquet core's decoders on hand-made bytes (values worked out from the specification, parquet-format's
// Encodings.md and the Thrift compact protocol spec): hybrid RLE/bit-packing, DELTA_BINARY_PACKED, byte
// stream split, Thrift field ids and lists, ISO text. Files written by real writers are in
// Tests/integration/test_parquet.py.
import Testing
@testable import Parquet

@Suite struct ParquetCoreTests {
    @Test func hybridRunsAndBitPacking() throws {
        // Encodings.md's example: values 0..7 bit-packed with width 3 → header (1 group << 1 | 1) = 0x03,
        // then 0b10001000, 0b11000110, 0b11111010. Followed by an RLE run of five 4s (header 5 << 1 = 0x0A).
        let bytes: [UInt8] = [0x03, 0x88, 0xC6, 0xFA, 0x0A, 0x04]
        var out = [UInt32](repeating: 99, count: 13)
        try bytes.withUnsafeBytes { b in
            var d = HybridDecoder(b, width: 3)
            try out.withUnsafeMutableBufferPointer { try d.decode(count: 13, into: $0.baseAddress!) }
        }
        #expect(out == [0, 1, 2, 3, 4, 5, 6, 7, 4, 4, 4, 4, 4])
    }

    @Test func hybridRefusesRunsPastTheEndAndValuesOverTheLimit() {
        let cut: [UInt8] = [0x03, 0x88]
        var out = [UInt32](repeating: 0, count: 8)
        #expect(throws: DecodeError.self) {
            try cut.withUnsafeBytes { b in
                var d = HybridDecoder(b, width: 3)
                try out.withUnsafeMutableBufferPointer { try d.decode(count: 8, into: $0.baseAddress!) }
            }
        }
        let rle: [UInt8] = [0x02, 0x07]
        #expect(throws: DecodeError.self) {
            try rle.withUnsafeBytes { b in
                var d = HybridDecoder(b, width: 3)
                try out.withUnsafeMutableBufferPointer { try d.decode(count: 1, into: $0.baseAddress!, limit: 5) }
            }
        }
    }

    @Test func deltaBinaryPacked() throws {
        // Encodings.md's example 1: 1, 2, 3, 4, 5 → block 128, 4 miniblocks, 5 values, first 1 (zigzag 2),
        // min delta 1 (zigzag 2), widths 0 0 0 0.
        let bytes: [UInt8] = [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00]
        let values: [Int64] = try bytes.withUnsafeBytes { b in
            var c = ByteCursor(b)
            var d = try DeltaBinaryDecoder(&c)
            return try d.decodeAll()
        }
        #expect(values == [1, 2, 3, 4, 5])
    }

    @Test func byteStreamSplitGathersBytes() throws {
        let data: [UInt8] = [1, 5, 2, 6, 3, 7, 4, 8]  // two 4-byte values, byte k of each together
        var out = [UInt8](repeating: 0, count: 8)
        try data.withUnsafeBytes { d in try out.withUnsafeMutableBytes { try byteStreamSplit(d, count: 2, width: 4, into: $0.baseAddress!) } }
        #expect(out == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func thriftFieldsListsAndSkips() throws {
        // struct { 1: i32 = -3 (zigzag 5), 3: list<i32> [1, 2], 16 (long form): binary "ab" } STOP
        let bytes: [UInt8] = [0x15, 0x05, 0x29, 0x25, 0x02, 0x04, 0x08, 0x20, 0x02, 0x61, 0x62, 0x00]
        var seen: [Int16] = []
        var first: Int64 = 0
        var list: [Int64] = []
        try bytes.withUnsafeBufferPointer { b in
            var r = ThriftReader(b)
            try r.readStruct { r, id, t in
                seen.append(id)
                switch id {
                case 1: first = try r.int(t)
                case 3: list = try r.list(t) { r, et in try r.int(et) }
                default: try r.skip(t)
                }
            }
        }
        #expect(seen == [1, 3, 16])
        #expect(first == -3)
        #expect(list == [1, 2])
    }

    @Test func thriftRefusesHugeListsAndDeepNesting() {
        let huge: [UInt8] = [0xF5, 0xFF, 0xFF, 0xFF, 0x0F]  // list of 2^32-1 i32s in 5 bytes
        #expect(throws: DecodeError.self) {
            try huge.withUnsafeBufferPointer { b in
                var r = ThriftReader(b)
                _ = try r.list(.list) { r, et in try r.int(et) }
            }
        }
        let deep = [UInt8](repeating: 0x1C, count: 200)  // struct in struct in struct ...
        #expect(throws: DecodeError.self) {
            try deep.withUnsafeBufferPointer { b in
                var r = ThriftReader(b)
                try r.skip(.structure)
            }
        }
    }

    @Test func isoText() {
        #expect(ISOText.date(days: 0) == "1970-01-01")
        #expect(ISOText.date(days: -1) == "1969-12-31")
        #expect(ISOText.timestamp(-1, unit: .millis) == "1969-12-31 23:59:59.999")
        #expect(ISOText.timestamp(1_700_000_000_123_456, unit: .micros) == "2023-11-14 22:13:20.123456")
        #expect(ISOText.time(3_723_000_000_004, unit: .nanos) == "01:02:03.000000004")
    }

    @Test func decimalsFromBigEndianBytes() {
        let v: [UInt8] = [0xFF, 0xFF, 0xFE, 0x0C]  // -500 unscaled
        #expect(v.withUnsafeBytes { Decimal.value(bigEndian: $0, scale: 2, precision: 20) } == .text("-5.00"))
        #expect(v.withUnsafeBytes { Decimal.value(bigEndian: $0, scale: 3, precision: 9) } == .real(-0.5))
        #expect(Decimal.value(7, scale: 4, precision: 20) == .text("0.0007"))
    }
}

@Suite struct ISOWriterTests {
    /// The allocation-free writer gives the same text as the general formatter, across units, signs and eras.
    @Test func writerMatchesFormatter() {
        var buf = [UInt8](repeating: 0, count: ISOText.maxLength)
        let values: [Int64] = [0, -1, 1, 1_700_000_000_123_456, -62_135_596_800_000_000, 253_402_300_799_999_999,
                               86_399_999, -86_400_001, 951_782_400_000_000_007]
        for v in values {
            for unit in [TimeUnit.millis, .micros, .nanos] {
                let n = buf.withUnsafeMutableBufferPointer { ISOText.write(timestamp: v, unit: unit, into: $0.baseAddress!) }
                #expect(String(decoding: buf[0..<n], as: UTF8.self) == ISOText.timestamp(v, unit: unit))
            }
            let d = v % 3_000_000
            let n = buf.withUnsafeMutableBufferPointer { ISOText.write(date: d, into: $0.baseAddress!) }
            #expect(String(decoding: buf[0..<n], as: UTF8.self) == ISOText.date(days: d))
        }
    }
}

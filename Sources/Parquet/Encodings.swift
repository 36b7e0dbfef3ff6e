// Parquet's value and level encodings, decoded from a page's bytes: the RLE/bit-packed hybrid (levels,
// dictionary indices, RLE booleans), DELTA_BINARY_PACKED, and BYTE_STREAM_SPLIT. Every read is checked
// against the end of the page; a count in a header never drives an allocation larger than the page allows.

/// A position in a page's bytes.
struct ByteCursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var position: Int

    init(_ b: UnsafeRawBufferPointer, position: Int = 0) {
        base = (b.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!).assumingMemoryBound(to: UInt8.self)
        end = b.count
        self.position = position
    }

    var remaining: Int { end - position }

    mutating func byte() throws -> UInt8 {
        guard position < end else { throw DecodeError("page data ends early") }
        defer { position += 1 }
        return base[position]
    }

    mutating func uleb() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw DecodeError("varint too long") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func zigzag() throws -> Int64 {
        let v = try uleb()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func le32() throws -> UInt32 {
        guard remaining >= 4 else { throw DecodeError("page data ends early") }
        defer { position += 4 }
        return UInt32(base[position]) | UInt32(base[position + 1]) << 8 | UInt32(base[position + 2]) << 16 | UInt32(base[position + 3]) << 24
    }

    /// The next `n` bytes, consumed.
    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else { throw DecodeError("page data ends early (\(n) bytes wanted, \(remaining) left)") }
        defer { position += n }
        return UnsafeRawBufferPointer(start: base + position, count: n)
    }
}

/// Reads `count` values of `width` bits packed LSB-first starting at `base` (which has `available` bytes).
@inline(__always)
func unpackBits<T: FixedWidthInteger>(_ base: UnsafePointer<UInt8>, available: Int, width: Int, count: Int,
                                      into out: UnsafeMutablePointer<T>) {
    if width == 0 {
        out.initialize(repeating: 0, count: count)
        return
    }
    let mask: UInt64 = width >= 64 ? ~0 : (1 << UInt64(width)) &- 1
    var bit = 0
    for i in 0..<count {
        let byteIndex = bit >> 3
        let shift = UInt64(bit & 7)
        var word: UInt64
        if byteIndex + 8 <= available {
            word = UnsafeRawPointer(base + byteIndex).loadUnaligned(as: UInt64.self)
        } else {
            word = 0
            var k = 0
            while byteIndex + k < available, k < 8 {
                word |= UInt64(base[byteIndex + k]) << UInt64(8 * k)
                k += 1
            }
        }
        var v = word >> shift
        // Widths above 56 bits can spill into a ninth byte.
        if width + Int(shift) > 64, byteIndex + 8 < available {
            v |= UInt64(base[byteIndex + 8]) << (64 - shift)
        }
        out[i] = T(truncatingIfNeeded: v & mask)
        bit += width
    }
}

/// The RLE / bit-packed hybrid (definition and repetition levels, dictionary indices, RLE booleans).
struct HybridDecoder {
    var cursor: ByteCursor
    let width: Int

    init(_ bytes: UnsafeRawBufferPointer, width: Int) {
        cursor = ByteCursor(bytes)
        self.width = width
    }

    /// Decodes exactly `count` values; each checked below `limit` when given (levels, dictionary indices).
    mutating func decode<T: FixedWidthInteger>(count: Int, into out: UnsafeMutablePointer<T>, limit: T? = nil) throws {
        guard width >= 0, width <= 32 else { throw DecodeError("bit width \(width) out of range") }
        var done = 0
        let valueBytes = (width + 7) / 8
        while done < count {
            let header = try cursor.uleb()
            if header & 1 == 0 {
                let run = header >> 1
                guard run > 0 else { throw DecodeError("RLE run of length 0") }
                var v: UInt64 = 0
                let raw = try cursor.take(valueBytes)
                for k in 0..<valueBytes { v |= UInt64(raw[k]) << UInt64(8 * k) }
                let value = T(truncatingIfNeeded: v)
                if let limit, value >= limit || v > UInt64(UInt32.max) { throw DecodeError("value \(v) out of range (limit \(limit))") }
                let n = Int(min(run, UInt64(count - done)))
                (out + done).update(repeating: value, count: n)
                done += n
            } else {
                let groups = header >> 1
                guard groups > 0, groups <= UInt64(Int32.max) else { throw DecodeError("bit-packed run of \(groups) groups") }
                let values = Int(groups) * 8
                let n = min(values, count - done)
                // The run's full length; a last run cut short is accepted as long as the values needed are there.
                let fullBytes = Int(groups) * width
                let neededBytes = (n * width + 7) / 8
                guard neededBytes <= cursor.remaining else { throw DecodeError("bit-packed run runs past the end of the data") }
                unpackBits(cursor.base + cursor.position, available: min(fullBytes, cursor.remaining), width: width,
                           count: n, into: out + done)
                if let limit {
                    for k in done..<(done + n) where out[k] >= limit {
                        throw DecodeError("value \(out[k]) out of range (limit \(limit))")
                    }
                }
                cursor.position += min(fullBytes, cursor.remaining)
                done += n
            }
        }
    }
}

/// Bits needed to store values up to `maxValue`.
func bitWidth(_ maxValue: Int) -> Int {
    maxValue <= 0 ? 0 : Int.bitWidth - maxValue.leadingZeroBitCount
}

/// DELTA_BINARY_PACKED: blocks of bit-packed deltas from a running value (wrapping arithmetic, as written).
struct DeltaBinaryDecoder {
    var cursor: ByteCursor
    let blockSize: Int
    let miniblocks: Int
    let total: Int
    var last: Int64

    init(_ cursor: inout ByteCursor) throws {
        let bs = try cursor.uleb(), mb = try cursor.uleb(), total = try cursor.uleb()
        guard bs > 0, bs % 128 == 0, bs <= 1 << 20, mb > 0, mb <= bs, bs % mb == 0, (bs / mb) % 32 == 0 else {
            throw DecodeError("DELTA_BINARY_PACKED header is invalid (block \(bs), miniblocks \(mb))")
        }
        guard total <= UInt64(Int32.max) else { throw DecodeError("DELTA_BINARY_PACKED claims \(total) values") }
        blockSize = Int(bs)
        miniblocks = Int(mb)
        self.total = Int(total)
        last = try cursor.zigzag()
        self.cursor = cursor
    }

    /// Decodes all `total` values into `out` (which holds at least `total`); leaves `cursor` after the data.
    mutating func decode(into out: UnsafeMutablePointer<Int64>) throws {
        guard total > 0 else { return }
        out[0] = last
        var done = 1
        let perMini = blockSize / miniblocks
        var widths = [Int](repeating: 0, count: miniblocks)
        var scratch = [UInt64](repeating: 0, count: perMini)
        while done < total {
            let minDelta = try cursor.zigzag()
            let w = try cursor.take(miniblocks)
            for k in 0..<miniblocks {
                widths[k] = Int(w[k])
            }
            for k in 0..<miniblocks where done < total {
                let width = widths[k]
                guard width <= 64 else { throw DecodeError("DELTA_BINARY_PACKED miniblock bit width \(width)") }
                let bytes = perMini * width / 8
                let n = min(perMini, total - done)
                let needed = (n * width + 7) / 8
                guard needed <= cursor.remaining else { throw DecodeError("DELTA_BINARY_PACKED data ends early") }
                scratch.withUnsafeMutableBufferPointer { s in
                    guard let base = s.baseAddress else { return }
                    unpackBits(cursor.base + cursor.position, available: min(bytes, cursor.remaining), width: width,
                               count: n, into: base)
                }
                for i in 0..<n {
                    last = last &+ minDelta &+ Int64(bitPattern: scratch[i])
                    out[done + i] = last
                }
                cursor.position += min(bytes, cursor.remaining)
                done += n
            }
        }
    }

    /// Decodes `total` values as an array (lengths and prefixes).
    mutating func decodeAll() throws -> [Int64] {
        // Each value needs at least some bytes unless widths are 0; bound by what a block can hold.
        try MemoryBudgetCheck.values(total, bytesEach: 8)
        var out = [Int64](repeating: 0, count: total)
        try out.withUnsafeMutableBufferPointer {
            guard let base = $0.baseAddress else { return }  // total 0: nothing to decode
            try decode(into: base)
        }
        return out
    }
}

/// BYTE_STREAM_SPLIT: byte k of every value stored together; gathered back into `count` values of `width` bytes.
func byteStreamSplit(_ data: UnsafeRawBufferPointer, count: Int, width: Int, into out: UnsafeMutableRawPointer) throws {
    guard count >= 0, width > 0 else { return }
    let (total, overflow) = count.multipliedReportingOverflow(by: width)
    guard !overflow, total <= data.count else {
        throw DecodeError("BYTE_STREAM_SPLIT data holds \(data.count) bytes, \(count) values of \(width) bytes need \(total)")
    }
    guard let src = data.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
    let dst = out.assumingMemoryBound(to: UInt8.self)
    for k in 0..<width {
        let stream = src + k * count
        var p = dst + k
        for i in 0..<count {
            p.pointee = stream[i]
            p += width
        }
    }
}

// The vector format: little-endian float32 (the bytes of sqlite-vec and `numpy.float32.tobytes()`), viewed
// in place without copying. Memory from SQLite may be unaligned, so every read is an unaligned load.

public enum Vector {
    /// The most dimensions any function accepts; larger inputs are errors, not allocations.
    public static let maxDimensions = 65_536
}

/// A read-only view of `count` float32 values at `base` (not necessarily 4-byte aligned).
public struct VectorView {
    public let base: UnsafeRawPointer
    public let count: Int

    /// Validates a float32 BLOB: a positive multiple of 4 bytes, at most `maxDimensions`, all values finite.
    public init(blob: UnsafeRawBufferPointer) throws(VectorError) {
        guard blob.count % 4 == 0 else { throw .blobLength(blob.count) }
        guard blob.count > 0, let base = blob.baseAddress else { throw .empty }
        let n = blob.count / 4
        guard n <= Vector.maxDimensions else { throw .tooManyDimensions(n) }
        if let bad = firstNonFinite(base, n) { throw .nonFinite(index: bad) }
        self.base = base
        self.count = n
    }

    /// A view of validated values (from `parseJSONVector` or our own buffers).
    public init(unchecked base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    @inline(__always)
    public subscript(i: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)))
    }

    public func toArray() -> [Float] { (0..<count).map { self[$0] } }
}

private let emptyVectorStorage = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 4, alignment: 4))

/// Index of the first NaN or infinity, checking the exponent bits of the raw float32 words.
/// `(w & 0x7F80_0000) + 0x0080_0000` carries into bit 31 exactly when the exponent is all ones, so a block is
/// checked with adds and ORs that vectorise (SIMD mask reductions measured ~10x slower here).
func firstNonFinite(_ base: UnsafeRawPointer, _ n: Int) -> Int? {
    let exponent: UInt32 = 0x7F80_0000
    @inline(__always) func word(_ i: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
    }
    var i = 0
    while i < n {
        let blockEnd = min(n, i &+ 64)
        var flags: UInt32 = 0
        for j in i..<blockEnd { flags |= (word(j) & exponent) &+ 0x0080_0000 }
        if flags & 0x8000_0000 != 0 {
            for j in i..<blockEnd where word(j) & exponent == exponent { return j }
        }
        i = blockEnd
    }
    return nil
}

extension Array where Element == Float {
    /// Runs `body` with a view of the array's storage.
    public func withVectorView<R>(_ body: (VectorView) throws -> R) rethrows -> R {
        try withUnsafeBytes { raw in
            // An empty array may have no storage; point at a constant instead (count 0 is never read).
            try body(VectorView(unchecked: raw.baseAddress ?? emptyVectorStorage, count: count))
        }
    }

    /// The little-endian float32 bytes.
    public var float32Bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: count * 4)
        out.withUnsafeMutableBytes { dst in
            for (i, v) in enumerated() { dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        return out
    }
}

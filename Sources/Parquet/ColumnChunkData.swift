// One column chunk (one leaf column of one row group), decoded: its definition and repetition levels and
// its non-null values in typed arrays. This is the unit of memory the reader holds: one row group's used
// columns at a time. BYTE_ARRAY values are spans into one byte pool (dictionary values are stored once and
// referenced by every row that uses them).
import StrataCommon

public final class ColumnChunkData {
    public let type: PhysicalType
    /// Bytes per value of FIXED_LEN_BYTE_ARRAY (its length) and INT96 (12).
    public let width: Int
    public let maxDefinition: Int
    public let maxRepetition: Int

    public internal(set) var int32s: [Int32] = []
    public internal(set) var int64s: [Int64] = []
    public internal(set) var floats: [Float] = []
    public internal(set) var doubles: [Double] = []
    /// BOOLEAN values, 0 or 1.
    public internal(set) var bools: [UInt8] = []
    /// FIXED_LEN_BYTE_ARRAY and INT96 values back to back (`width` each); BYTE_ARRAY bytes (see `starts`).
    public internal(set) var pool: [UInt8] = []
    /// BYTE_ARRAY value i is `pool[starts[i] ..< starts[i] + lengths[i]]`.
    public internal(set) var starts: [Int] = []
    public internal(set) var lengths: [Int32] = []

    /// One per level (empty when the column is required / not repeated).
    public internal(set) var definitionLevels: [UInt8] = []
    public internal(set) var repetitionLevels: [UInt8] = []
    /// Levels (values including nulls and empty lists).
    public internal(set) var levelCount = 0
    /// Non-null values stored.
    public internal(set) var valueCount = 0

    init(type: PhysicalType, width: Int, maxDefinition: Int, maxRepetition: Int) {
        self.type = type
        self.width = type == .int96 ? 12 : width
        self.maxDefinition = maxDefinition
        self.maxRepetition = maxRepetition
    }

    /// Value i's bytes (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96), borrowed for the call.
    @inline(__always)
    public func withBytes<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try pool.withUnsafeBytes { p in
            if type == .byteArray {
                return try body(UnsafeRawBufferPointer(rebasing: p[starts[i] ..< starts[i] + Int(lengths[i])]))
            }
            return try body(UnsafeRawBufferPointer(rebasing: p[i * width ..< (i + 1) * width]))
        }
    }

    public func bytes(_ i: Int) -> [UInt8] { withBytes(i) { Array($0) } }

    /// Empties the chunk for another of the same column, keeping the arrays' memory.
    func reset() {
        int32s.removeAll(keepingCapacity: true)
        int64s.removeAll(keepingCapacity: true)
        floats.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        bools.removeAll(keepingCapacity: true)
        pool.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        definitionLevels.removeAll(keepingCapacity: true)
        repetitionLevels.removeAll(keepingCapacity: true)
        levelCount = 0
        valueCount = 0
    }
}

/// Memory checks before allocations sized by a file's counts.
enum MemoryBudgetCheck {
    static func values(_ count: Int, bytesEach: Int) throws {
        let (n, o) = count.multipliedReportingOverflow(by: bytesEach)
        guard !o else { throw DecodeError("\(count) values are too many") }
        do { try MemoryBudget.check(n, for: "\(count) decoded values") } catch { throw DecodeError(error.message) }
    }
}

extension Array where Element: FixedWidthInteger {
    /// Appends `count` little-endian values copied from possibly unaligned memory.
    @inline(__always)
    mutating func appendRaw(_ src: UnsafeRawPointer, count: Int) {
        guard count > 0 else { return }
        let old = self.count
        append(contentsOf: repeatElement(0, count: count))
        withUnsafeMutableBytes { d in
            (d.baseAddress! + old * MemoryLayout<Element>.stride).copyMemory(from: src, byteCount: count * MemoryLayout<Element>.stride)
        }
    }
}

extension Array where Element: BinaryFloatingPoint {
    @inline(__always)
    mutating func appendRaw(_ src: UnsafeRawPointer, count: Int) {
        guard count > 0 else { return }
        let old = self.count
        append(contentsOf: repeatElement(0, count: count))
        withUnsafeMutableBytes { d in
            (d.baseAddress! + old * MemoryLayout<Element>.stride).copyMemory(from: src, byteCount: count * MemoryLayout<Element>.stride)
        }
    }
}

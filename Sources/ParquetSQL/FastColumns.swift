// The per-row hot path of parquet_file: for each plain column of the loaded row group, raw pointers to its
// decoded values (and its row → value map when it has NULLs), so a column call is a switch and a load — no
// reference counting, no lookups. The pointers point into the arrays of the row group's `ColumnChunkData`,
// which the scan keeps alive and never mutates while the group is current; they are rebuilt per group.
import Parquet
import SQLiteKit

enum FastColumn {
    /// Not decoded yet (a column the plan did not list): fetched on first use.
    case unloaded
    /// Nested, vector or a kind needing conversion: through `resultField`.
    case slow
    case int64(UnsafePointer<Int64>, UnsafePointer<Int32>?)
    case int32(UnsafePointer<Int32>, UnsafePointer<Int32>?)
    case double(UnsafePointer<Double>, UnsafePointer<Int32>?)
    case float(UnsafePointer<Float>, UnsafePointer<Int32>?)
    case bool(UnsafePointer<UInt8>, UnsafePointer<Int32>?)
    /// With the cursor's date text of the column's last day (see DayPrefix).
    case timestamp(UnsafePointer<Int64>, UnsafePointer<Int32>?, TimeUnit, UnsafeMutablePointer<DayPrefix>)
    case date(UnsafePointer<Int32>, UnsafePointer<Int32>?)
    /// BYTE_ARRAY strings: pool, starts, lengths.
    case string(UnsafePointer<UInt8>, UnsafePointer<Int>, UnsafePointer<Int32>, UnsafePointer<Int32>?)


    init(_ f: FieldColumns, day: UnsafeMutablePointer<DayPrefix>) {
        guard f.field.shape == .primitive, let leaf = f.leaves.first else { self = .slow; return }
        let d = leaf.data
        let map = leaf.rowValue.map { BatchColumns.address(of: $0) }
        switch leaf.kind {
        case .int64: self = .int64(BatchColumns.address(of: d.int64s), map)
        case .int32: self = .int32(BatchColumns.address(of: d.int32s), map)
        case .double: self = .double(BatchColumns.address(of: d.doubles), map)
        case .float: self = .float(BatchColumns.address(of: d.floats), map)
        case .boolean: self = .bool(BatchColumns.address(of: d.bools), map)
        case .timestamp(let unit) where d.type == .int64: self = .timestamp(BatchColumns.address(of: d.int64s), map, unit, day)
        case .date where d.type == .int32: self = .date(BatchColumns.address(of: d.int32s), map)
        case .string where d.type == .byteArray:
            self = .string(BatchColumns.address(of: d.pool), BatchColumns.address(of: d.starts), BatchColumns.address(of: d.lengths), map)
        default: self = .slow
        }
    }

    /// Where SQLite's C loop reads this column in a batch (timestamps and dates are formatted in Swift).
    var batchSource: BatchColumns.Source {
        switch self {
        case .int64(let v, let m): return .int64(v, map: m)
        case .int32(let v, let m): return .int32(v, map: m)
        case .double(let v, let m): return .double(v, map: m)
        case .float(let v, let m): return .float(v, map: m)
        case .bool(let v, let m): return .bool(v, map: m)
        case .string(let pool, let starts, let lengths, let m): return .text(pool: pool, starts: starts, lengths: lengths, map: m)
        case .unloaded, .slow, .timestamp, .date: return .swift
        }
    }

    /// Sets row `row`'s value; false when this column needs the slow path.
    @inline(__always)
    func result(row: Int, context: SQLContext) -> Bool {
        @inline(__always) func index(_ map: UnsafePointer<Int32>?) -> Int { map.map { Int($0[row]) } ?? row }
        switch self {
        case .unloaded, .slow: return false
        case .int64(let v, let m): let i = index(m); i < 0 ? context.resultNull() : context.result(v[i])
        case .int32(let v, let m): let i = index(m); i < 0 ? context.resultNull() : context.result(Int64(v[i]))
        case .double(let v, let m): let i = index(m); i < 0 ? context.resultNull() : context.result(v[i])
        case .float(let v, let m): let i = index(m); i < 0 ? context.resultNull() : context.result(Double(v[i]))
        case .bool(let v, let m): let i = index(m); i < 0 ? context.resultNull() : context.result(Int64(v[i]))
        case .timestamp(let v, let m, let unit, let day):
            let i = index(m)
            if i < 0 { context.resultNull(); return true }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ISOText.maxLength) { buf in
                guard let p = buf.baseAddress else { return context.resultNull() }  // (a constant, non-zero capacity)
                let n = ISOText.write(timestamp: v[i], unit: unit, into: p, day: &day.pointee)
                context.result(utf8: UnsafeBufferPointer(start: p, count: n))
            }
        case .date(let v, let m):
            let i = index(m)
            if i < 0 { context.resultNull(); return true }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ISOText.maxLength) { buf in
                guard let p = buf.baseAddress else { return context.resultNull() }
                let n = ISOText.write(date: Int64(v[i]), into: p)
                context.result(utf8: UnsafeBufferPointer(start: p, count: n))
            }
        case .string(let pool, let starts, let lengths, let m):
            let i = index(m)
            if i < 0 { context.resultNull() } else {
                context.result(repairingUTF8: UnsafeBufferPointer(start: pool + starts[i], count: Int(lengths[i])))
            }
        }
        return true
    }
}

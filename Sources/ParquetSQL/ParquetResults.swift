// One field of one row as an SQL result (typed fast paths for plain columns, a float32 BLOB for vectors,
// JSON text for nested values) or as JSON inside read_parquet's record.
import Files
import Parquet
import SQLiteKit

private var nestedBuffer: [UInt8] = []

func resultField(_ f: FieldColumns, row: Int, context: SQLContext) throws {
    switch f.field.shape {
    case .primitive:
        let leaf = f.leaves[0]
        let i = leaf.valueIndex(row: row)
        if i < 0 { return context.resultNull() }
        let d = leaf.data
        switch leaf.kind {
        case .int64: context.result(d.int64s[i])
        case .int32: context.result(Int64(d.int32s[i]))
        case .double: context.result(d.doubles[i])
        case .float: context.result(Double(d.floats[i]))
        case .boolean: context.result(Int64(d.bools[i]))
        case .string: d.withBytes(i) { context.result(repairingUTF8: $0.bindMemory(to: UInt8.self)) }
        case .bytes: d.withBytes(i) { context.result(blob: $0) }
        default:
            switch try leaf.kind.value(d, i) {
            case .null: context.resultNull()
            case .integer(let v): context.result(v)
            case .real(let v): context.result(v)
            case .text(let s): context.result(s)
            case .blob(let b): context.result(blob: b)
            }
        }
    case .vector:
        try f.withVector(row: row) { v in
            guard let v else { return context.resultNull() }
            context.result(blob: UnsafeRawBufferPointer(v))
        }
    case .json:
        var out: [UInt8] = []
        swap(&out, &nestedBuffer)
        defer { swap(&out, &nestedBuffer) }
        out.removeAll(keepingCapacity: true)
        guard try f.json(row: row, into: &out) else { return context.resultNull() }
        out.withUnsafeBufferPointer { context.result(repairingUTF8: $0) }
    }
}

/// The field as a JSON value (read_parquet's record).
func appendFieldJSON(_ f: FieldColumns, row: Int, into out: inout [UInt8]) throws {
    switch f.field.shape {
    case .primitive:
        let leaf = f.leaves[0]
        let i = leaf.valueIndex(row: row)
        if i < 0 { return out.append(contentsOf: "null".utf8) }
        appendJSON(try leaf.kind.value(leaf.data, i), to: &out)
    case .vector:
        try f.withVector(row: row) { v in
            guard let v else { return out.append(contentsOf: "null".utf8) }
            out.append(UInt8(ascii: "["))
            for (k, x) in v.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                appendJSON(.real(Double(x)), to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    case .json:
        if try !f.json(row: row, into: &out) { out.append(contentsOf: "null".utf8) }
    }
}

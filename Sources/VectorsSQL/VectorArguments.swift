// Reading SQL arguments as vectors: a float32 BLOB viewed in place, or JSON array text parsed once per
// statement when it is a constant (cached with sqlite3_set_auxdata).
import SQLiteKit
import Vectors

/// A parsed JSON vector kept alive for the rest of a statement.
final class ParsedVector {
    let values: [Float]
    init(_ values: [Float]) { self.values = values }
}

extension SQLType {
    var sqlName: String {
        switch self {
        case .integer: return "integer"
        case .real: return "real"
        case .text: return "text"
        case .blob: return "blob"
        case .null: return "NULL"
        }
    }
}

/// Runs `body` with argument `index` as a vector. Returns nil (without calling `body`) for NULL.
/// Decoding errors name the argument position: `argument 2: empty vector`.
func withVector<R>(_ args: SQLArguments, _ index: Int, _ context: SQLContext,
                   _ body: (VectorView) throws -> R) throws -> R? {
    let arg = args[index]
    do {
        switch arg.type {
        case .null:
            return nil
        case .blob:
            return try arg.withBlobBytes { bytes in try body(try VectorView(blob: bytes)) }
        case .text:
            if let cached = context.auxiliaryObject(forArgument: Int32(index)) as? ParsedVector {
                return try cached.values.withVectorView(body)
            }
            let parsed = ParsedVector(try arg.withTextBytes { try parseJSONVector($0) })
            context.setAuxiliaryObject(parsed, forArgument: Int32(index))
            return try parsed.values.withVectorView(body)
        case .integer, .real:
            throw VectorError.wrongType(arg.type.sqlName)
        }
    } catch let e as VectorError {
        switch e {
        case .dimensionMismatch: throw SQLError(e.description)
        default: throw SQLError(args.count > 1 ? "argument \(index + 1): \(e)" : e.description)
        }
    }
}

/// Both arguments as vectors; nil when either is NULL.
func withVectorPair<R>(_ args: SQLArguments, _ context: SQLContext,
                       _ body: (VectorView, VectorView) throws -> R) throws -> R? {
    let r: R?? = try withVector(args, 0, context) { a in
        try withVector(args, 1, context) { b in try body(a, b) }
    }
    return r ?? nil
}

extension SQLContext {
    /// A float32 BLOB result written straight into SQLite's buffer.
    func result(vector values: [Float]) {
        resultBlob(count: values.count * 4) { dst in
            for (i, v) in values.enumerated() {
                dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
    }

    func result(_ optional: Double?) {
        if let v = optional { result(v) } else { resultNull() }
    }
}

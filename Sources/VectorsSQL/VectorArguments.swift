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

/// `vec_check(v [, dims])`'s answer: what is wrong with argument 0 as a vector (with `dims` dimensions when
/// argument 1 is given), or nil when it is valid or NULL. The words are `VectorDiagnosis`'s, the same as
/// knn_match's bad-row errors. Only a bad `dims` argument is an error.
func vectorProblem(_ args: SQLArguments) throws -> String? {
    let expected = try dimsArgument(args)
    let arg = args[0]
    switch arg.type {
    case .null:
        return nil
    case .blob:
        return arg.withBlobBytes { VectorDiagnosis.diagnose($0, expected: expected) }
    case .text:
        do {
            let values = try arg.withTextBytes { try parseJSONVector($0) }
            return values.float32Bytes.withUnsafeBytes { VectorDiagnosis.diagnose($0, expected: expected) }
        } catch let e as VectorError {
            return e.description
        }
    case .integer, .real:
        return VectorError.wrongType(arg.type.sqlName).description
    }
}

/// `vec_valid(v [, dims])`: the vector as a float32 BLOB when `vec_check` finds nothing wrong, else NULL —
/// so `vec_norm(vec_valid(e))` is NULL for a bad row instead of an error, with no CASE guard.
func resultValidVector(_ args: SQLArguments, _ context: SQLContext) throws {
    guard args[0].type != .null, try vectorProblem(args) == nil else { return context.resultNull() }
    if args[0].type == .blob { return context.result(args[0]) }
    let values = try args[0].withTextBytes { try parseJSONVector($0) }
    context.result(vector: values)
}

private func dimsArgument(_ args: SQLArguments) throws -> Int? {
    guard args.count > 1, args[1].type != .null else { return nil }
    guard args[1].type == .integer, args[1].int64 >= 1, args[1].int64 <= Int64(Vector.maxDimensions) else {
        throw SQLError("dims must be an integer between 1 and \(Vector.maxDimensions)")
    }
    return Int(args[1].int64)
}

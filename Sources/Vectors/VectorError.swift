// Why a value is not a usable vector, in words an SQL user can act on. The SQL binding puts the function's
// name in front (`cosine_distance: dimension mismatch (384 vs 768)`).

public enum VectorError: Error, Equatable, CustomStringConvertible {
    case blobLength(Int)
    case empty
    case tooManyDimensions(Int)
    case nonFinite(index: Int)
    case invalidJSON(String, offset: Int)
    case dimensionMismatch(Int, Int)
    case wrongType(String)

    public var description: String {
        switch self {
        case .blobLength(let n):
            return "vector blob length \(n) is not a multiple of 4 (expected little-endian float32)"
        case .empty:
            return "empty vector"
        case .tooManyDimensions(let n):
            return "too many dimensions (\(n) > \(Vector.maxDimensions))"
        case .nonFinite(let i):
            return "non-finite value (NaN or Inf) at index \(i)"
        case .invalidJSON(let why, let offset):
            return "invalid JSON vector: \(why) at offset \(offset)"
        case .dimensionMismatch(let a, let b):
            return "dimension mismatch (\(a) vs \(b))"
        case .wrongType(let t):
            return "expected a vector (float32 BLOB or JSON array text), got \(t)"
        }
    }
}

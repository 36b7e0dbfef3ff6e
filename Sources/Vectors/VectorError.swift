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

/// What is wrong with a vector's bytes, in one place: knn_match's bad-row errors and `vec_check` both say
/// it with these words, so a data-quality query finds exactly the rows a search complains about.
public enum VectorDiagnosis {
    /// The problem with `bytes` as a little-endian float32 vector (with `expected` dimensions when given),
    /// or nil when it is a valid vector. A blob that is really float64 (`np.float64(...).tobytes()`, the
    /// usual mistake) is named as such: see `float64Hint`.
    public static func diagnose(_ bytes: UnsafeRawBufferPointer, expected: Int? = nil) -> String? {
        guard bytes.count % 4 == 0 else {
            return VectorError.blobLength(bytes.count).description + float64Hint(bytes, expected: expected)
        }
        guard bytes.count > 0, let base = bytes.baseAddress else { return VectorError.empty.description }
        let n = bytes.count / 4
        guard n <= Vector.maxDimensions else { return VectorError.tooManyDimensions(n).description }
        if let expected, n != expected {
            return "\(n) dimensions, expected \(expected)" + float64Hint(bytes, expected: expected)
        }
        if let bad = firstNonFinite(base, n) {
            return VectorError.nonFinite(index: bad).description + float64Hint(bytes, expected: expected)
        }
        return nil
    }

    /// ` — float64 bytes? …` when `bytes` read better as float64 than as float32: as float64 every value is
    /// finite and below 1e12 (and there are `expected` of them, when known), and either some float32 reading
    /// is NaN/infinite or the binary exponents spread less as float64 than as float32. Misread data spreads
    /// wide either way — a float64's low half is mantissa bits, giving float32s anywhere from 1e-38 to 1e38,
    /// and a float32 pair read as one float64 multiplies the exponents' spread by 8 — so a float32 row of
    /// twice the dimensions is not mistaken for float64, and `astype(np.float64)` data (low bits zero) is found.
    public static func float64Hint(_ bytes: UnsafeRawBufferPointer, expected: Int?) -> String {
        guard bytes.count >= 16, bytes.count % 8 == 0 else { return "" }
        let n = bytes.count / 8
        if let expected, n != expected { return "" }
        var as64 = ExponentSpread(), as32 = ExponentSpread()
        var nonFinite32 = false
        for i in 0..<n {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))
            let v = Double(bitPattern: word)
            guard v.isFinite, v.magnitude < 1e12 else { return "" }
            if v != 0 { as64.add(Int(v.exponent)) }
            for half in [UInt32(truncatingIfNeeded: word), UInt32(truncatingIfNeeded: word >> 32)] {
                let f = Float(bitPattern: half)
                if !f.isFinite { nonFinite32 = true } else if f != 0 { as32.add(Int(f.exponent)) }
            }
        }
        guard as64.count >= 2, nonFinite32 || as64.variance < as32.variance else { return "" }
        return " — float64 bytes? its \(bytes.count) bytes read as float64 are \(n) finite values; store "
            + "float32 (np.asarray(v, dtype=np.float32).tobytes())"
    }
}

/// The variance of binary exponents, for `VectorDiagnosis.float64Hint`.
struct ExponentSpread {
    private(set) var count = 0
    private var sum = 0.0
    private var squares = 0.0

    mutating func add(_ e: Int) {
        count &+= 1
        sum += Double(e)
        squares += Double(e) * Double(e)
    }

    var variance: Double {
        guard count > 1 else { return 0 }
        let mean = sum / Double(count)
        return max(0, squares / Double(count) - mean * mean)
    }
}

// The vector SQL surface, registered in one place with its flags. Every function here is pure
// (DETERMINISTIC | INNOCUOUS), so it works in views, indexes and generated columns with trusted_schema=OFF.
// NULL in → NULL out. Cosine with a zero vector is NULL (the angle is undefined); see README.
//
// Beside sqlite-vec (docs/knn.md): the names both define (vec_f32, vec_to_json, vec_normalize) are registered
// only when the connection has no function of that name yet, so whichever order the two are loaded in,
// sqlite-vec's answers stay sqlite-vec's (loaded after Strata, it replaces ours; loaded before, we leave it
// alone). Our float32 results carry sqlite-vec's float32 subtype (223), and sqlite-vec's int8 (225) and bit
// (224) vectors are refused with an error that says what they are, never read as float32.
import SQLiteKit
import StrataCommon
import Vectors

public enum VectorFunctions {
    /// `fileCorpora`: openers for knn_match corpus arguments that name a file, keyed by lowercase extension
    /// (`["npy": ...]`); the file readers provide them, the extension's registration passes them in.
    public static func register(on db: Connection, fileCorpora: [String: FileCorpusOpener] = [:]) throws {
        _ = cacheFitted
        // Commits, rollbacks and savepoint rollbacks, for knn_match's cache; released when the connection closes.
        _ = TransactionWatch.of(db)
        try db.register(Declarations.knnCacheClear, { ctx, _ in
            KNNListCache.shared.removeAll()  // knn_index lists held in memory too
            ctx.result(CorpusCache.shared.removeAll(owner: nil))
        }, onRelease: { TransactionWatch.release(db) })
        let sqliteVecNames = ["vec_f32", "vec_to_json", "vec_normalize"].filter { db.hasFunction($0) }
        if !sqliteVecNames.contains("vec_f32") {
            try db.register(Declarations.vecF32) { ctx, args in
                try requireFloat32(args)
                // A BLOB already in the right format is returned as is; JSON is converted.
                if args[0].type == .blob, try withVector(args, 0, ctx, { _ in true }) == true {
                    ctx.result(args[0])
                    return ctx.resultSubtype(SQLiteVecSubtype.float32)
                }
                guard let v = try withVector(args, 0, ctx, { $0.toArray() }) else { return ctx.resultNull() }
                ctx.result(float32: v)
            }
        }
        if !sqliteVecNames.contains("vec_to_json") {
            try db.register(Declarations.vecToJSON) { ctx, args in
                try requireFloat32(args)
                guard let s = try withVector(args, 0, ctx, formatJSONVector) else { return ctx.resultNull() }
                ctx.result(s)
            }
        }
        try db.register(Declarations.vecDims) { ctx, args in
            try requireFloat32(args)
            guard let n = try withVector(args, 0, ctx, { $0.count }) else { return ctx.resultNull() }
            ctx.result(n)
        }
        try db.register(Declarations.vecNorm) { ctx, args in
            try requireFloat32(args)
            ctx.result(try withVector(args, 0, ctx, norm))
        }
        if !sqliteVecNames.contains("vec_normalize") {
            try db.register(Declarations.vecNormalize) { ctx, args in
                try requireFloat32(args)
                guard let v = try withVector(args, 0, ctx, normalized), let v else { return ctx.resultNull() }
                ctx.result(float32: v)
            }
        }
        try db.register(Declarations.cosineDistance) { ctx, args in
            try requireFloat32(args)
            ctx.result(try withVectorPair(args, ctx) { try cosineDistance($0, $1) } ?? nil)
        }
        try db.register(Declarations.cosineSimilarity) { ctx, args in
            try requireFloat32(args)
            ctx.result(try withVectorPair(args, ctx) { try cosineSimilarity($0, $1) } ?? nil)
        }
        try db.register(Declarations.l2Distance) { ctx, args in
            try requireFloat32(args)
            ctx.result(try withVectorPair(args, ctx) { try l2Distance($0, $1) })
        }
        try db.register(Declarations.innerProduct) { ctx, args in
            try requireFloat32(args)
            ctx.result(try withVectorPair(args, ctx) { try innerProduct($0, $1) })
        }
        try db.register(Declarations.vecCheck) { ctx, args in
            // For data-quality queries: the problem as text (knn_match's words), or NULL for a valid vector.
            if args[0].type == .blob, let what = SQLiteVecSubtype.foreign(args[0].subtype) {
                return ctx.result("\(what), not float32")
            }
            if let problem = try vectorProblem(args) { ctx.result(problem) } else { ctx.resultNull() }
        }
        try db.register(Declarations.vecValid) { ctx, args in
            if args[0].type == .blob, SQLiteVecSubtype.foreign(args[0].subtype) != nil { return ctx.resultNull() }
            try resultValidVector(args, ctx)
            ctx.resultSubtype(SQLiteVecSubtype.float32)
        }
        try db.register(Declarations.vecAvg, aggregate: VectorMean.self)
        // knn_match: eponymous, DIRECTONLY (reads the tables and files its arguments name)
        try db.register(KNNMatchTable.sql) { db, _ in KNNMatchTable(connection: db, fileCorpora: fileCorpora) }
        // knn_index: creatable, DIRECTONLY (reads the corpus table it names), writable for its commands
        try db.register(KNNIndexTable.sql, writable: true) { db, args in try KNNIndexTable(connection: db, arguments: args) }
    }

    /// Once per process: the corpus cache's default cap follows this process's memory limit.
    private static let cacheFitted: Void = CorpusCache.shared.fitDefault(toProcessMemory: MemoryBudget.processLimit())
}

/// The vector functions' declarations (see SQLDeclaration): one place for names, parameters and help.
enum Declarations {
    static let vector = SQLParameter.required("vector", "a float32 BLOB (little-endian) or a JSON array")
    static let a = SQLParameter.required("a", "a vector: float32 BLOB or JSON array")
    static let b = SQLParameter.required("b", "a vector of the same dimensions")

    static func unary(_ name: String, _ returns: String) -> SQLDeclaration {
        SQLDeclaration(name, kind: .scalar, safety: .pure, parameters: [vector], returns: returns)
    }
    static func binary(_ name: String, _ returns: String) -> SQLDeclaration {
        SQLDeclaration(name, kind: .scalar, safety: .pure, parameters: [a, b], returns: returns)
    }

    static let vecF32 = SQLDeclaration(
        "vec_f32", kind: .scalar, safety: .pure,
        parameters: [.required("json_or_blob", "a JSON array of numbers or a float32 BLOB")],
        returns: "float32 vector BLOB")
    static let vecToJSON = unary("vec_to_json", "JSON array text")
    static let vecDims = unary("vec_dims", "number of dimensions")
    static let vecNorm = unary("vec_norm", "Euclidean length")
    static let vecNormalize = unary("vec_normalize", "unit-length vector (NULL for a zero vector)")
    static let dims = SQLParameter.optional("dims", "the dimensions it must have (a float64 blob of 2×dims is named as such)")
    static let vecCheck = SQLDeclaration(
        "vec_check", kind: .scalar, safety: .pure, parameters: [vector, dims],
        returns: "what is wrong with the vector as text (knn_match's words), or NULL when it is valid (never an error)")
    static let vecValid = SQLDeclaration(
        "vec_valid", kind: .scalar, safety: .pure, parameters: [vector, dims],
        returns: "the vector as a float32 BLOB when vec_check finds nothing wrong, else NULL (never an error)")
    static let cosineDistance = binary("cosine_distance", "1 − cosine similarity (NULL when either is a zero vector)")
    static let cosineSimilarity = binary("cosine_similarity", "cosine of the angle between a and b")
    static let l2Distance = binary("l2_distance", "Euclidean distance")
    static let innerProduct = binary("inner_product", "dot product")
    static let knnCacheClear = SQLDeclaration(
        "knn_cache_clear", kind: .scalar, safety: .directOnly, parameters: [],
        returns: "drops every packed corpus knn_match cached in this process, so the next query reads its corpus again; returns how many")
    static let vecAvg = SQLDeclaration(
        "vec_avg", kind: .aggregate, safety: .pure, parameters: [vector],
        returns: "aggregate: element-wise mean of the group's vectors (centroid)")
}

/// `vec_avg(v)`: the element-wise mean of the non-NULL vectors of a group; NULL for none.
final class VectorMean: AggregateFunction {
    private var accumulator = MeanAccumulator()

    init() {}

    func step(_ arguments: SQLArguments) throws {
        try requireFloat32(arguments)
        let arg = arguments[0]
        switch arg.type {
        case .null:
            return
        case .blob:
            try arg.withBlobBytes { bytes in
                do { try accumulator.add(try VectorView(blob: bytes)) } catch let e as VectorError { throw SQLError(e.description) }
            }
        case .text:
            do {
                let v = try arg.withTextBytes { try parseJSONVector($0) }
                try v.withVectorView { view in try accumulator.add(view) }
            } catch let e as VectorError { throw SQLError(e.description) }
        case .integer, .real:
            throw SQLError(VectorError.wrongType(arg.type.sqlName).description)
        }
    }

    func finish(_ context: SQLContext) throws {
        guard let mean = accumulator.mean else { return context.resultNull() }
        context.result(float32: mean)
    }
}

/// sqlite-vec's subtypes for its vector BLOBs (sqlite-vec.c: SQLITE_VEC_ELEMENT_TYPE_*).
enum SQLiteVecSubtype {
    static let float32: UInt32 = 223
    static let bit: UInt32 = 224
    static let int8: UInt32 = 225

    /// What a BLOB with this subtype holds, when it is not float32: for messages.
    static func foreign(_ subtype: UInt32) -> String? {
        switch subtype {
        case int8: return "an int8 vector (sqlite-vec's vec_int8, subtype 225)"
        case bit: return "a bit vector (sqlite-vec's vec_bit, subtype 224)"
        default: return nil
        }
    }

    static func refusal(_ what: String) -> String {
        "\(what); Strata's vector functions read float32 vectors only — compare these with sqlite-vec's "
            + "vec_distance_l2, vec_distance_cosine or vec_distance_hamming"
    }
}

/// Refuses sqlite-vec's int8 and bit vectors: their bytes would otherwise be read as float32.
func requireFloat32(_ args: SQLArguments) throws {
    for (i, a) in args.enumerated() where a.type == .blob {
        guard let what = SQLiteVecSubtype.foreign(a.subtype) else { continue }
        throw SQLError(SQLiteVecSubtype.refusal(args.count > 1 ? "argument \(i + 1) is \(what)" : "the argument is \(what)"))
    }
}

extension SQLContext {
    /// A float32 vector result, marked with sqlite-vec's float32 subtype.
    func result(float32 values: [Float]) {
        result(vector: values)
        resultSubtype(SQLiteVecSubtype.float32)
    }
}

extension Connection {
    /// Whether a function of this name exists on the connection (any number of arguments): compiling a call
    /// fails with "no such function" only when none does.
    func hasFunction(_ name: String) -> Bool {
        do {
            _ = try prepare("SELECT \(quoteIdentifier(name))()")
            return true
        } catch {
            return !SQLError.from(error).message.contains("no such function")
        }
    }
}

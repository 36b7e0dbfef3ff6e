// The vector SQL surface, registered in one place with its flags. Every function here is pure
// (DETERMINISTIC | INNOCUOUS), so it works in views, indexes and generated columns with trusted_schema=OFF.
// NULL in → NULL out. Cosine with a zero vector is NULL (the angle is undefined); see README.
import SQLiteKit
import Vectors

public enum VectorFunctions {
    /// `fileCorpora`: openers for knn_match corpus arguments that name a file, keyed by lowercase extension
    /// (`["npy": ...]`); the file readers provide them, the extension's registration passes them in.
    public static func register(on db: Connection, fileCorpora: [String: FileCorpusOpener] = [:]) throws {
        try db.createFunction("vec_f32", argumentCount: 1, flags: .pure) { ctx, args in
            // A BLOB already in the right format is returned as is; JSON is converted.
            if args[0].type == .blob, try withVector(args, 0, ctx, { _ in true }) == true {
                return ctx.result(args[0])
            }
            guard let v = try withVector(args, 0, ctx, { $0.toArray() }) else { return ctx.resultNull() }
            ctx.result(vector: v)
        }
        try db.createFunction("vec_to_json", argumentCount: 1, flags: .pure) { ctx, args in
            guard let s = try withVector(args, 0, ctx, formatJSONVector) else { return ctx.resultNull() }
            ctx.result(s)
        }
        try db.createFunction("vec_dims", argumentCount: 1, flags: .pure) { ctx, args in
            guard let n = try withVector(args, 0, ctx, { $0.count }) else { return ctx.resultNull() }
            ctx.result(n)
        }
        try db.createFunction("vec_norm", argumentCount: 1, flags: .pure) { ctx, args in
            ctx.result(try withVector(args, 0, ctx, norm))
        }
        try db.createFunction("vec_normalize", argumentCount: 1, flags: .pure) { ctx, args in
            guard let v = try withVector(args, 0, ctx, normalized), let v else { return ctx.resultNull() }
            ctx.result(vector: v)
        }
        try db.createFunction("cosine_distance", argumentCount: 2, flags: .pure) { ctx, args in
            ctx.result(try withVectorPair(args, ctx) { try cosineDistance($0, $1) } ?? nil)
        }
        try db.createFunction("cosine_similarity", argumentCount: 2, flags: .pure) { ctx, args in
            ctx.result(try withVectorPair(args, ctx) { try cosineSimilarity($0, $1) } ?? nil)
        }
        try db.createFunction("l2_distance", argumentCount: 2, flags: .pure) { ctx, args in
            ctx.result(try withVectorPair(args, ctx) { try l2Distance($0, $1) })
        }
        try db.createFunction("inner_product", argumentCount: 2, flags: .pure) { ctx, args in
            ctx.result(try withVectorPair(args, ctx) { try innerProduct($0, $1) })
        }
        try db.createFunction("vec_check", argumentCount: 1, flags: .pure) { ctx, args in
            // For data-quality queries: the problem as text, or NULL for a valid vector. Never an error.
            do {
                _ = try withVector(args, 0, ctx) { $0.count }
                ctx.resultNull()
            } catch {
                ctx.result(SQLError.from(error).message)
            }
        }
        try db.createAggregate("vec_avg", argumentCount: 1, flags: .pure, state: VectorMean.self)
        // knn_match: eponymous, DIRECTONLY (reads the tables and files its arguments name)
        try db.createModule(KNNMatchTable.module(fileCorpora: fileCorpora))
    }
}

/// `vec_avg(v)`: the element-wise mean of the non-NULL vectors of a group; NULL for none.
final class VectorMean: AggregateFunction {
    private var accumulator = MeanAccumulator()

    init() {}

    func step(_ arguments: SQLArguments) throws {
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
        context.result(vector: mean)
    }
}

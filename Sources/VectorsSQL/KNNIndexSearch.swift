// knn_match through a knn_index: finding the index of a corpus column, and one query's search — the nearest
// lists' int8 codes scanned for candidates (rows pending since the last merge skipped there), then the
// candidates and every pending row scored exactly from the corpus table itself. A row deleted since the
// lists were written is never returned (it is no longer in the corpus to be scored); a row inserted or
// updated is pending and scored exactly, so it is never missed.
//
// With a filter, the matching rowids come from SQLite first. When they are few (fewer than the rows the
// widened probe would scan, weighted by what a row costs each way), they are scored exactly — today's path,
// without packing the corpus; otherwise lists are probed skipping rows the filter rejects, widening the
// probes by 1/selectivity and going on until enough candidates were found, so k rows come back whenever k
// rows match.
import SQLiteKit
import StrataCommon
import Vectors

struct KNNIndexHandle {
    let names: KNNIndexNames
    let meta: KNNIndexMeta
}

enum KNNIndexSearch {
    /// Candidates rescored exactly per query: enough that int8 rounding rarely reorders the true top k out.
    static func candidates(k: Int) -> Int { max(k &* 4, 40) }

    /// Scoring one row exactly (a B-tree lookup and a float64 distance) costs about this many int8 code rows
    /// scanned in a list; the filtered path scores the matching rows exactly below that crossover.
    static let exactRowCost = 16

    /// The knn_index tables of `column`'s schema that index that table and column, any metric.
    static func indexes(_ db: Connection, for column: ResolvedColumn) throws -> [KNNIndexHandle] {
        let st = try db.prepare("SELECT name FROM \(quoteIdentifier(column.schema)).sqlite_schema "
                                + "WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%knn_index%'")
        var names: [String] = []
        while try st.step() { names.append(st.text(at: 0)) }
        var out: [KNNIndexHandle] = []
        for name in names {
            let n = KNNIndexNames(schema: column.schema, name: name)
            guard let meta = try? KNNIndexMeta.read(db, n) else { continue }
            if meta.table.asciiLowercased == column.table.asciiLowercased,
               meta.column.asciiLowercased == column.column.asciiLowercased {
                out.append(KNNIndexHandle(names: n, meta: meta))
            }
        }
        return out
    }

    /// The k nearest rows of the indexed column to `query`; `skipped` counts bad rows left out (skip_bad).
    /// `cachedExact`: exact search over the given rowids through knn_match's packed corpus when it is cached
    /// and current (nil when it is not): far cheaper than reading the rows one by one.
    static func search(_ db: Connection, _ index: KNNIndexHandle, column: ResolvedColumn, query: [Float], k: Int,
                       probes wanted: Int?, filter: CompiledFilter?, skipBad: Bool,
                       cachedExact: ([Int64]) throws -> (found: [Neighbor], skipped: Int64)?) throws -> (found: [Neighbor], skipped: Int64) {
        let meta = index.meta
        guard query.count == meta.dimensions else {
            throw SQLError(KNNError.queryDimensions(found: query.count, expected: meta.dimensions).description)
        }
        let model = try KNNModelCache.shared.model(db, index.names, meta)
        var pending = Set<Int64>()
        let ps = try db.prepare("SELECT id FROM \(index.names.pending)")
        while try ps.step() { pending.insert(ps.int64(at: 0)) }
        let allowedIDs = try filter?.rowids()
        let allowed = allowedIDs.map { Set($0) }

        let reader = try ColumnReader(db, column, byRowid: true)
        var skipped: Int64 = 0
        return try query.withVectorView { qv in
            var top = ExactRescorer(query: qv, metric: meta.metric, k: k)
            func score(_ id: Int64) throws {
                try reader.seek(rowid: id)
                try reader.read(limit: 1, { _, v in
                    guard let v else { return }
                    var problem: String? = nil
                    if v.count != meta.dimensions {
                        problem = "has \(v.count) dimensions, expected \(meta.dimensions)"
                    } else if let bad = v.nonFiniteReason {
                        problem = bad
                    }
                    if let problem {
                        if skipBad { skipped &+= 1; return }
                        throw SQLError("rowid \(id) of \(column.display)\(problem.hasPrefix("has ") ? " " : ": ")\(problem)"
                                       + " (skip_bad => 1 leaves such rows out)")
                    }
                    top.offer(id: id, v)
                }, bad: { rowid, reason in
                    if skipBad { skipped &+= 1; return }
                    throw SQLError("rowid \(rowid) of \(column.display): \(reason) (skip_bad => 1 leaves such rows out)")
                })
            }

            let lists = max(1, meta.lists)
            let probes = max(1, min(lists, wanted ?? meta.probes))
            var effective = probes
            if let allowedIDs {
                // Widen by 1/selectivity: about as many matching rows are scanned as without a filter.
                let share = Double(max(1, allowedIDs.count)) / Double(max(1, meta.rows &+ pending.count))
                effective = min(lists, Int((Double(probes) / min(1, share)).rounded(.up)))
                let scanEstimate = Double(effective) * Double(meta.rows) / Double(lists)
                let few = Double(allowedIDs.count) * Double(exactRowCost) <= scanEstimate
                // Probing half the lists or more reads more code bytes than gathering the matching rows of a
                // packed corpus: with one cached and current, exact search is cheaper (measured at 10%, 1M).
                if few || effective &* 2 >= lists, let done = try cachedExact(allowedIDs) { return done }
                if few {
                    for (i, id) in allowedIDs.sorted().enumerated() {
                        if i & 1023 == 0, Interruption.isRequested() { throw Interruption.Interrupted() }
                        try score(id)
                    }
                    return (top.sorted(), skipped)
                }
            }
            let wantedCandidates = candidates(k: k)
            guard var scan = IVFScan(model: model, query: qv, candidates: wantedCandidates) else { return ([], 0) }
            let order = model.probeOrder(scan.query)
            // Called from the scanning threads: it reads copies, never this function's variables.
            let pendingRows = pending
            let keep: @Sendable (Int64) -> Bool
            if let allowed {
                keep = { !pendingRows.contains($0) && allowed.contains($0) }
            } else if pendingRows.isEmpty {
                keep = { _ in true }
            } else {
                keep = { !pendingRows.contains($0) }
            }
            // The first `effective` lists at once, then one more at a time while too few candidates were found.
            var next = 0
            while next < order.count {
                if next >= effective, scan.candidateCount >= wantedCandidates { break }
                if Interruption.isRequested() { throw Interruption.Interrupted() }
                let end = next >= effective ? next &+ 1 : min(order.count, effective)
                scan.scan(lists: try KNNListCache.shared.lists(db, index.names, meta, order[next..<end]), keep: keep)
                next = end
            }
            for id in scan.candidates() { try score(id) }
            for id in pending.sorted() where allowed?.contains(id) ?? true { try score(id) }
            return (top.sorted(), skipped)
        }
    }

    /// EXPLAIN QUERY PLAN's words for a search through `index`.
    static func plan(_ index: KNNIndexHandle, probes: Int?, k: Int?) -> String {
        let m = index.meta
        let p = max(1, min(m.lists, probes ?? m.probes))
        let rescore = k.map { String(candidates(k: $0)) } ?? "4k"
        return "via knn_index \(index.names.name) (IVF, \(m.lists) lists, probes=\(p), int8 codes, "
            + "\(rescore) candidates rescored exactly, pending rows scored exactly)"
    }
}

// knn_match(corpus, query, k [, metric [, filter]]): exact k-nearest-neighbour search as an eponymous
// table-valued function. This file is the SQL face only: it parses the arguments, decides how the query
// reaches its corpus — the packed corpus from the cache (KNNCache.swift), packed now, or, for a single query on
// a corpus not cached and not used before, the rows streamed past it (KNNStreamSearch.swift) — evaluates the
// filter into a row set, and runs `KNNEngine`.
// A corpus or query argument ending in a registered file extension (`.npy`) names a file, read through the
// `FileCorpusOpener` the extension's registration passed in. DIRECTONLY: it reads tables and files named in
// its arguments.
import SQLiteKit
import StrataCommon
import Vectors

final class KNNMatchTable: VirtualTable {
    static let sql = SQLDeclaration(
        "knn_match", kind: .tableFunction, safety: .directOnly,
        parameters: [
            .required("corpus", "'table.column' or 'schema.table.column' of float32 vectors, a .npy file, or 'f.npz:member'"),
            .required("query", "a vector (BLOB, JSON array, or a 1-D .npy/.npz member), or 'table.column' / a 2-D file for a batch"),
            .required("k", "how many neighbours per query (1 to 100000)"),
            .optional("metric", "cosine (default), l2 or dot"),
            .optional("filter", "an SQL expression over the corpus table's columns (WHERE clause text)"),
            .optional("ids", "the corpus table's id column, or the .npz member / .npy file of ids, returned as corpus_id"),
            .optional("skip_bad", "1: leave out corpus rows that are not valid vectors (count in skipped) instead of failing"),
            .optional("exact", "1: exact search even when a knn_index covers the corpus column (default 0: use the index)"),
            .optional("probes", "lists a knn_index search scans (more: better recall, slower); default the index's"),
        ],
        columns: [
            SQLColumn("query_id", "INTEGER", "rowid of the query row (batch; row index for a file); NULL for a single query vector"),
            SQLColumn("corpus_rowid", "INTEGER", "rowid of the corpus row (0-based row index for a file) — not your own id column"),
            SQLColumn("distance", "REAL", "cosine: 1 - cos; l2: Euclidean; dot: -(inner product). Smaller is closer"),
            SQLColumn("rank", "INTEGER", "1..k by distance per query, ties broken by the smaller corpus_rowid"),
            SQLColumn("corpus_id", "", "the row's value of the ids argument (your id: text or integer); NULL without ids"),
            SQLColumn("id", "INTEGER", "corpus_rowid under its former name (kept for queries written before corpus_rowid)",
                      hidden: true),
            SQLColumn("skipped", "INTEGER", "corpus rows left out as not valid vectors (skip_bad => 1); 0 otherwise",
                      hidden: true),
        ],
        returns: "the k nearest corpus rows to each query")
    static let signature = sql.tableSignature

    let connection: Connection
    /// This connection's token in the process-wide corpus cache.
    let owner: Int
    /// Openers for arguments that name files, keyed by lowercase extension without the dot.
    let fileCorpora: [String: FileCorpusOpener]
    /// Commits, rollbacks and savepoint rollbacks on this connection (see KNNCacheStamp.swift).
    let watch: TransactionWatch
    /// The watch's statement count at the last cache decision: unchanged means no statement started since.
    var statementsSeen: UInt64 = 0
    /// knn_match calls running on this connection: a filter may call knn_match, whose filter may call it...
    var depth = 0
    static let maxDepth = 4

    init(connection: Connection, fileCorpora: [String: FileCorpusOpener]) {
        self.connection = connection
        self.owner = CorpusCache.shared.makeOwner()
        self.fileCorpora = fileCorpora
        self.watch = TransactionWatch.of(connection)
    }

    /// The opener when `spec` names a file: it ends in `.<extension>` (any case) of a registered opener.
    /// A column literally called `npy` is written quoted (`'t."npy"'`), which ends in a quote.
    /// An archive's member is written after a colon: `'run.npz:embeddings'`.
    func fileOpener(for spec: String) -> FileCorpusOpener? {
        let lower = spec.asciiLowercased
        for (ext, opener) in fileCorpora where lower.utf8.count > ext.utf8.count &+ 1 && lower.hasSuffix("." + ext) {
            return opener
        }
        // A Parquet file's column is written the same way: `'emb.parquet:embedding'`.
        for (ext, opener) in fileCorpora where (ext == "npz" || ext == "parquet") && lower.contains("." + ext + ":") { return opener }
        return nil
    }

    var declaration: String { Self.signature.declaration }

    func disconnect() { CorpusCache.shared.removeAll(owner: owner) }

    func openCursor() throws -> VirtualTableCursor { KNNMatchCursor(table: self) }

    // MARK: planning

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        guard let binding = try Self.signature.bindParameters(info) else { return .unusable }
        info.indexNumber = binding.mask
        // Values the planner already knows (literals), to describe the plan in EXPLAIN QUERY PLAN.
        let first = Self.signature.firstParameterColumn
        var known: [SQLValue?] = Array(repeating: nil, count: Self.signature.parameters.count)
        for c in info.constraints where c.isUsable && c.op == .eq && c.column >= first {
            let i = Int(c.column - first)
            if i < known.count, known[i] == nil, let v = info.rightHandValue(c) { known[i] = v.value }
        }
        let given = { (i: Int) in binding.mask & (1 << Int32(i)) != 0 }

        var plan: [String] = []
        if case .text(let spec)? = known[0] {
            if fileOpener(for: spec) != nil {
                let cached = CorpusCache.shared.contains(.init(owner: owner, name: CorpusReference.fileKey(spec)))
                plan.append("corpus file '\(spec)' (\(cached ? "cached" : "not cached"))")
            } else {
                plan.append("corpus \(spec) (\(isCached(spec) ? "cached" : "not cached"))")
            }
        } else {
            plan.append("corpus ?")
        }
        var single = false
        switch known[1] {
        case .blob?: plan.append("single query vector"); single = true
        case .text(let t)?:
            if t.trimmingSpaces.hasPrefix("[") {
                plan.append("single query vector"); single = true
            } else if fileOpener(for: t) != nil {
                plan.append("batch of queries from file '\(t)' (\(KNNEngine.batchMethod))")
            } else {
                plan.append("batch of queries from \(t) (\(KNNEngine.batchMethod))")
            }
        default: plan.append("query ?")
        }
        if case .integer(let k)? = known[2] { plan.append("k=\(k)") } else { plan.append("k=?") }
        if !given(3) { plan.append("metric cosine") } else if case .text(let m)? = known[3] {
            plan.append("metric \(m)")
        } else {
            plan.append("metric ?")
        }
        // A knn_index on the corpus column, for a single query vector or a query table, with the index's metric.
        var tableBatch = false
        if case .text(let t)? = known[1], !t.trimmingSpaces.hasPrefix("["), fileOpener(for: t) == nil { tableBatch = true }
        if single || tableBatch, case .text(let spec)? = known[0], fileOpener(for: spec) == nil {
            var exact = false
            if given(7) {
                if case .integer(let e)? = known[7] { exact = e != 0 } else if case .text(let t)? = known[7] {
                    exact = ["1", "true", "yes"].contains(t.asciiLowercased)
                } else { exact = known[7] == nil }
            }
            var metric = "cosine"
            if given(3) { if case .text(let m)? = known[3] { metric = m.asciiLowercased } else { metric = "?" } }
            if !exact, let column = try? connection.resolveColumn(spec, role: "corpus"),
               let index = (try? KNNIndexSearch.indexes(connection, for: column))?.first(where: { $0.meta.metric.rawValue == metric }) {
                var probes: Int? = nil
                if case .integer(let p)? = known[8] { probes = Int(clamping: p) }
                var k: Int? = nil
                if case .integer(let kk)? = known[2] { k = Int(clamping: kk) }
                plan[0] = "corpus \(spec) " + KNNIndexSearch.plan(index, probes: probes, k: k)
                if tableBatch, case .text(let t)? = known[1] { plan[1] = "batch of queries from \(t) (one index search each)" }
            } else if exact {
                plan[0] += ", exact search (no knn_index)"
            }
        }
        if !given(4) { plan.append("no filter") } else if case .text(let f)? = known[4] {
            plan.append("filter (\(f))")
        } else {
            plan.append("filter ?")
        }
        info.setIndexString(plan.joined(separator: ", "))

        info.orderByConsumed = Self.consumes(info.orderBy, single: single)
        if case .integer(let k)? = known[2], k > 0 { info.estimatedRows = min(k, Int64(KNNEngine.maxK)) } else {
            info.estimatedRows = 10
        }
        info.estimatedCost = 1000
        return .ok
    }

    /// Rows come out by query_id (ascending rowids of the query table; all NULL for one vector), then by rank,
    /// which is (distance, id) order. Any ORDER BY that is a prefix of that order needs no sort.
    static func consumes(_ orderBy: [OrderTerm], single: Bool) -> Bool {
        guard !orderBy.isEmpty, orderBy.allSatisfy({ !$0.descending }) else { return false }
        var cols = orderBy.map(\.column)
        if cols.first == 0 { cols.removeFirst() } else if !single { return false }
        return cols.isEmpty || cols == [3] || cols == [2] || cols == [2, 1] || cols == [2, signature.firstHiddenColumn]
    }

    /// Whether a plan-time corpus name has a cached matrix (freshness is checked when the query runs).
    private func isCached(_ spec: String) -> Bool {
        guard let parts = splitQualifiedName(spec), parts.count == 2 || parts.count == 3 else { return false }
        let names = parts.count == 3 ? [parts.joined(separator: ".")]
                                     : ["main." + parts.joined(separator: "."), "temp." + parts.joined(separator: ".")]
        return names.contains { CorpusCache.shared.contains(owner: owner, label: $0.asciiLowercased) }
    }

    // MARK: data

    /// How one query reaches its corpus: a packed matrix (cached, or packed now and cached when it may be), or
    /// the rows streamed past a single query (`KNNEngine.streamSearch`) without packing them.
    enum CorpusAccess {
        case packed(CorpusMatrix, Scores?)
        /// `record`: what `noteStreamed` keeps once the stream has been read (nil: nothing may be cached).
        case stream(CorpusSource, record: StreamRecord?)
    }

    /// A streamed corpus's cache key and stamp, taken before its rows were read.
    struct StreamRecord {
        var key: String
        var stamp: CorpusCache.Stamp
    }

    /// Corpora a single query streamed, with the stamp it saw and the bytes they would take packed: the next
    /// single query that sees the same stamp packs and caches the corpus (it is being used again); one that
    /// sees another stamp streams again. Per connection, bounded.
    private var streamed: [String: (stamp: CorpusCache.Stamp, bytes: Int)] = [:]
    static let maxStreamedRecords = 256

    /// The packed corpus, from the cache when nothing can have changed since it was built. When it has to be
    /// packed and `scoring` is given, the rows are scored against it on the way (`scores`, for that query).
    /// Packing is held to the process's memory budget and stops when the statement is interrupted; only a
    /// complete corpus is ever cached.
    ///
    /// With `mayStream` (a single query vector), a corpus that is not cached is streamed instead of packed
    /// unless this connection streamed it before with the same stamp and it would fit the cache: a corpus used
    /// once — a report, a cron job, the query after each write — is never copied into fresh memory, and a
    /// corpus too large to pack (or to cache) is still searched, a row at a time.
    func corpusAccess(for reference: CorpusReference, scoring: [Float]? = nil, mayStream: Bool) throws -> CorpusAccess {
        var key = CorpusCache.Key(owner: owner, name: reference.cacheKey)
        var label: String? = nil
        let source: CorpusSource
        let stamp: CorpusCache.Stamp
        let keep: Bool
        switch reference {
        case .column(let column):
            // Stamped so that a rollback (whole or to a savepoint) is seen: see KNNCacheStamp.swift.
            let policy = try cachePolicy(for: column)
            key.name = policy.key
            label = policy.label
            stamp = policy.stamp
            source = TableColumnSource(connection: connection, column: column)
            keep = policy.cacheable
        case .file(let path, let opener):
            let file = try opener(path)
            stamp = file.stamp
            source = file.source
            keep = file.isSettled
        }
        if keep, let m = CorpusCache.shared.lookup(key, stamp: stamp) { return .packed(m, nil) }
        if mayStream {
            let seen = streamed[key.name]
            let usedAgain = keep && seen?.stamp == stamp && (seen?.bytes ?? .max) <= CorpusCache.shared.limit
            if !usedAgain { return .stream(source, record: keep ? StreamRecord(key: key.name, stamp: stamp) : nil) }
        }
        let name = reference.display
        func pack() throws -> (CorpusMatrix, Scores?) {
            // Bad rows are set aside with their diagnosis (corpus.badRows), not thrown: see `checkBadRows`.
            try CorpusMatrix.packingChecked(source, name: name, scoring: scoring, limits: KNNMatchTable.packingLimits())
        }
        var packed: (CorpusMatrix, Scores?)
        do {
            packed = try pack()
        } catch KNNError.corpusTooLarge where mayStream && !Interruption.isRequested() {
            // Too large to pack now: a single query does not need it packed.
            return .stream(source, record: nil)
        } catch KNNError.corpusTooLarge where CorpusCache.shared.byteCount > 0 && !Interruption.isRequested() {
            // Cached corpora hold memory this one may need: drop them and try once more.
            CorpusCache.shared.removeAll()
            do { packed = try pack() } catch { throw explained(error, reference) }
        } catch {
            throw explained(error, reference)
        }
        // Never cache what an interruption may have cut short.
        if Interruption.isRequested() { throw Interruption.Interrupted() }
        if keep { CorpusCache.shared.store(key, stamp: stamp, matrix: packed.0, label: label) }
        streamed[key.name] = nil
        return .packed(packed.0, packed.1)
    }

    /// Notes that a single query streamed a corpus (see `streamed`): `rows` valid rows of `dimensions`.
    func noteStreamed(_ record: StreamRecord?, rows: Int, dimensions: Int) {
        guard let record else { return }
        if streamed.count >= Self.maxStreamedRecords { streamed.removeAll() }
        streamed[record.key] = (record.stamp, CorpusMatrix.packedBytes(rows: rows, dimensions: dimensions))
    }

    /// The packed corpus (a batch, or a query through a knn_index's exact path): from the cache or packed now.
    func corpus(for reference: CorpusReference) throws -> CorpusMatrix {
        guard case .packed(let m, _) = try corpusAccess(for: reference, mayStream: false) else {
            throw SQLError("internal: a batch's corpus was not packed")
        }
        return m
    }

    /// The limits for packing: the memory this process may take now, and the statement's interruption.
    static func packingLimits() -> KNNLimits {
        let budget = MemoryBudget.available()
        return KNNLimits(memory: budget.bytes, memorySource: budget.source, isInterrupted: { Interruption.isRequested() })
    }

    /// The limits for scoring: the statement's interruption only.
    static let scoringLimits = KNNLimits(isInterrupted: { Interruption.isRequested() })

    /// A packing error in words: an interruption as SQLite's own, a corpus too large with sizes a person
    /// reads (for a table, the row count it would need, counted only now that it failed).
    private func explained(_ error: Error, _ reference: CorpusReference) -> Error {
        if Interruption.isRequested() { return Interruption.Interrupted() }
        guard case KNNError.corpusTooLarge(let corpus, let rows, let d, let bytes, let known, let limit, let source) = error else {
            return error
        }
        if !known, case .column(let column) = reference,
           case .integer(let count)? = try? connection.scalar("SELECT count(*) FROM \(column.quotedTable)"),
           Int(count) >= rows {
            let total = Int(count)
            return SQLError(describe(.corpusTooLarge(corpus: corpus, rows: total, dimensions: d,
                                                     bytes: CorpusMatrix.packedBytes(rows: total, dimensions: d),
                                                     rowsKnown: true, limit: limit, source: source)))
        }
        return SQLError(describe(.corpusTooLarge(corpus: corpus, rows: rows, dimensions: d, bytes: bytes, rowsKnown: known,
                                                 limit: limit, source: source)))
    }
}

/// What a corpus argument names: a table column, or a file read through an opener.
enum CorpusReference {
    case column(ResolvedColumn)
    case file(path: String, opener: FileCorpusOpener)

    /// The cache key. A file's starts with a NUL byte, which no SQLite schema name can hold, so it never
    /// meets a column's `schema.table.column`; paths are case-sensitive and kept as written (the stamp holds
    /// device and inode, so the same relative path from another directory is a different entry's miss).
    var cacheKey: String {
        switch self {
        case .column(let c): return c.key
        case .file(let path, _): return Self.fileKey(path)
        }
    }

    static func fileKey(_ path: String) -> String { "\u{0}file:" + path }

    /// As messages name it: `docs.embedding`, or `'x.npy'`.
    var display: String {
        switch self {
        case .column(let c): return c.display
        case .file(let path, _): return "'\(path)'"
        }
    }

    var isFile: Bool { if case .file = self { return true } else { return false } }
}

final class KNNMatchCursor: VirtualTableCursor {
    let table: KNNMatchTable

    // The rows ready to return.
    private var queryIDs: [Int64?] = []
    private var neighbors: [Neighbor] = []
    private var ranks: [Int] = []
    /// The `ids` argument's value for each neighbour (NULL without it).
    private var corpusIDs: [SQLValue] = []
    /// Where corpus_id comes from, for this statement.
    private var idLookup = CorpusIDLookup.none
    /// Bad corpus rows left out (skip_bad) for the current results.
    private var skipped: Int64 = 0
    private var position = 0
    private var rowNumber: Int64 = 1

    /// A batch still being computed, block by block of query rows read from the query table.
    private struct Batch {
        var corpus: CorpusMatrix
        /// Query rows still in a table, read a block at a time; or
        var reader: ColumnReader?
        /// all query rows packed at once (a file), served a block at a time from `nextQuery`.
        var queries: CorpusMatrix?
        var nextQuery = 0
        var name: String
        var k: Int
        var metric: Metric
        var subset: [Int32]?
    }
    private var batch: Batch?

    /// A query table answered through a knn_index, one search per query row, a block of rows at a time.
    private struct IndexBatch {
        var reader: ColumnReader
        var name: String
        var search: ([Float]) throws -> (found: [Neighbor], skipped: Int64)
    }
    private var indexBatch: IndexBatch?

    private func fillFromIndexBatch() throws {
        while position >= neighbors.count, let b = indexBatch {
            queryIDs = []; neighbors = []; ranks = []; corpusIDs = []; position = 0
            var rows: [(Int64, [Float])] = []
            _ = try knnErrors {
                try b.reader.read(limit: 256, { id, v in
                    guard let v else { return }  // a NULL query row has no neighbours, as in exact batches
                    if let bad = v.nonFiniteReason { throw SQLError("rowid \(id) of \(b.name) (query): \(bad)") }
                    rows.append((id, v.toArray()))
                })
            }
            for (id, v) in rows {
                let (found, bad) = try b.search(v)
                skipped = max(skipped, bad)
                try append(queryID: id, found)
            }
            if b.reader.exhausted { indexBatch = nil }
        }
    }

    init(table: KNNMatchTable) { self.table = table }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        queryIDs = []; neighbors = []; ranks = []; corpusIDs = []; position = 0; rowNumber = 1; batch = nil
        indexBatch = nil
        idLookup = .none; skipped = 0
        // idxNum is the whole parameter mask (knn_match sets no plan flags; TablePlan keeps 8 parameters, it has 9).
        let values = KNNMatchTable.signature.parameterValues(mask: indexNumber, arguments: arguments)
        let db = table.connection
        // A filter that calls knn_match whose filter calls knn_match... (one read from a table can name itself)
        // would recurse until the stack ran out: a few levels are plenty for any real query.
        guard table.depth < KNNMatchTable.maxDepth else {
            throw SQLError("nested too deeply (a filter calls knn_match, whose filter calls knn_match, "
                           + "\(KNNMatchTable.maxDepth) levels)")
        }
        table.depth &+= 1
        defer { table.depth &-= 1 }

        guard let corpusArg = values[0], corpusArg.type == .text else {
            throw SQLError("corpus must be 'table.column' or 'schema.table.column', got \(describe(values[0]))")
        }
        let k = try parseK(values[2])
        let metric = try parseMetric(values[3])
        let idsName = try parseIDs(values[5])
        let skipBad = try parseFlag(values[6], name: "skip_bad")
        let exact = try parseFlag(values[7], name: "exact")
        let probes = try parseProbes(values[8])
        let reference: CorpusReference
        if let opener = table.fileOpener(for: corpusArg.text) {
            // A 1-D array is one vector: a query, not a corpus.
            reference = .file(path: corpusArg.text, opener: { path in
                let file = try opener(path)
                if let shape = file.singleVectorShape {
                    throw SQLError("'\(path)': needs a 2-D array (rows × dimensions), got shape \(shape)")
                }
                return file
            })
        } else {
            reference = .column(try db.resolveColumn(corpusArg.text, role: "corpus"))
        }
        if let idsName { idLookup = try CorpusIDLookup(db, reference: reference, ids: idsName) }
        let filter: CompiledFilter?
        if let f = values[4], f.type != .null {
            guard case .column(let column) = reference else {
                throw SQLError("a filter needs a table corpus; \(reference.display) is a file")
            }
            filter = try CompiledFilter(db, table: column, expression: f.text)
        } else {
            filter = nil
        }

        enum Query { case none, vector([Float]), table(ResolvedColumn), file(path: String, opener: FileCorpusOpener) }
        let query: Query
        switch values[1]?.type ?? .null {
        case .null:
            query = .none
        case .blob:
            if let what = values[1].flatMap({ SQLiteVecSubtype.foreign($0.subtype) }) {
                throw SQLError(SQLiteVecSubtype.refusal("query is \(what)"))
            }
            query = .vector(try values[1].map { arg in
                try arg.withBlobBytes { bytes in try vectorError { try VectorView(blob: bytes).toArray() } }
            } ?? [])
        case .text:
            let text = values[1]?.text ?? ""
            if text.trimmingSpaces.hasPrefix("[") {
                query = .vector(try vectorError { try values[1]?.withTextBytes { try parseJSONVector($0) } ?? [] })
            } else if let opener = table.fileOpener(for: text) {
                // A 1-D array (`np.save(f, q)`) is one query vector; a 2-D one a batch.
                let file = try opener(text)
                if file.singleVectorShape != nil {
                    var values: [Float] = []
                    try file.source.forEachRow { _, v in if let v { values = v.toArray() } }
                    query = .vector(try vectorError { try values.float32Bytes.withUnsafeBytes { try VectorView(blob: $0).toArray() } })
                } else {
                    query = .file(path: text, opener: opener)
                }
            } else {
                query = .table(try db.resolveColumn(text, role: "query"))
            }
        case .integer, .real:
            throw SQLError("query must be a vector (float32 BLOB or JSON array text) or 'table.column', got "
                           + (values[1]?.type.sqlName ?? "NULL"))
        }
        if case .none = query { return }

        // A single vector, or a query table's vectors one by one, on a column with a knn_index of this metric
        // go through the index.
        var viaIndex = false
        switch query {
        case .vector, .table: viaIndex = !exact
        default: break
        }
        if viaIndex, case .column(let column) = reference,
           let index = try KNNIndexSearch.indexes(db, for: column).first(where: { $0.meta.metric == metric }) {
            let table = self.table
            let run: ([Float]) throws -> (found: [Neighbor], skipped: Int64) = { [unowned self] v in
              try KNNIndexSearch.search(db, index, column: column, query: v, k: k, probes: probes,
                                        filter: filter, skipBad: skipBad, cachedExact: { ids in
                // A small filtered set with the corpus already packed and current: today's exact path.
                let policy = try table.cachePolicy(for: column)
                guard policy.cacheable,
                      let m = CorpusCache.shared.lookup(.init(owner: table.owner, name: policy.key), stamp: policy.stamp)
                else { return nil }
                let bad = try checkBadRows(m.badRows, rows: m.rows, dimensions: m.dimensions, reference,
                                           filtered: ids, skip: skipBad)
                let found = try knnErrors {
                    try v.withVectorView {
                        try KNNEngine.search(m, query: $0, k: k, metric: metric, rows: m.rowIndices(ofIDs: ids),
                                             limits: KNNMatchTable.scoringLimits)
                    }
                }
                return (found, bad)
              })
            }
            if case .table(let q) = query {
                indexBatch = IndexBatch(reader: try ColumnReader(db, q), name: q.display, search: run)
                try fillFromIndexBatch()
            } else if case .vector(let v) = query {
                let (found, bad) = try run(v)
                skipped = bad
                try append(queryID: nil, found)
            }
            return
        }

        // A single vector without a filter is scored while the corpus is packed, if it has to be.
        var scoring: [Float]? = nil
        var single: [Float]? = nil
        if case .vector(let v) = query {
            single = v
            if filter == nil { scoring = v.withVectorView { KNNEngine.scoringVector($0, metric: metric) } }
        }
        let access = try knnErrors(reference) {
            try table.corpusAccess(for: reference, scoring: scoring, mayStream: single != nil)
        }
        let filtered = try filter.map { try $0.rowids() }
        guard case .packed(let corpus, let scores) = access else {
            // Not cached and not used before: one pass over the rows, nothing packed (KNNStreamSearch.swift).
            guard case .stream(let source, let record) = access, let v = single else { return }
            let result = try knnErrors(reference) {
                try v.withVectorView {
                    try KNNEngine.streamSearch(source, name: reference.display, query: $0, k: k, metric: metric,
                                               ids: filtered, limits: KNNMatchTable.scoringLimits)
                }
            }
            if Interruption.isRequested() { throw Interruption.Interrupted() }
            table.noteStreamed(record, rows: result.rows, dimensions: result.dimensions)
            skipped = try checkBadRows(result.badRows, rows: result.rows, dimensions: result.dimensions, reference,
                                       filtered: filtered, skip: skipBad)
            try append(queryID: nil, result.neighbors)
            return
        }
        skipped = try checkBadRows(corpus.badRows, rows: corpus.rows, dimensions: corpus.dimensions, reference,
                                   filtered: filtered, skip: skipBad)
        let subset = filtered.map { corpus.rowIndices(ofIDs: $0) }

        switch query {
        case .none:
            return
        case .vector(let v):
            let found = try knnErrors {
                try v.withVectorView {
                    try KNNEngine.search(corpus, query: $0, k: k, metric: metric, rows: subset, precomputed: scores,
                                         limits: KNNMatchTable.scoringLimits)
                }
            }
            try append(queryID: nil, found)
        case .table(let q):
            batch = Batch(corpus: corpus, reader: try ColumnReader(db, q), name: q.display, k: k, metric: metric,
                          subset: subset)
            try fillFromBatch()
        case .file(let path, let opener):
            // A query file is packed whole (rows × dimensions × 4 bytes), then computed a block at a time.
            let q = CorpusReference.file(path: path, opener: opener)
            let queries = try knnErrors(q) {
                try CorpusMatrix(source: try opener(path).source, name: q.display, limits: KNNMatchTable.packingLimits())
            }
            batch = Batch(corpus: corpus, queries: queries, name: q.display, k: k, metric: metric, subset: subset)
            try fillFromBatch()
        }
    }

    /// Reads and computes query blocks until some rows are ready or the query table is exhausted.
    private func fillFromBatch() throws {
        while position >= neighbors.count, let b = batch {
            let blockSize = KNNEngine.queryBlockSize(k: b.k)
            let queries: CorpusMatrix
            let range: Range<Int>
            let finished: Bool
            if let reader = b.reader {
                let expected = b.corpus.rows > 0 ? b.corpus.dimensions : nil
                let block = ColumnReaderBlock(reader: reader, limit: blockSize)
                queries = try knnErrors {
                    try CorpusMatrix(source: block, name: b.name, dimensions: expected, limits: KNNMatchTable.scoringLimits)
                }
                range = 0..<queries.rows
                finished = reader.exhausted
            } else if let all = b.queries {
                queries = all
                let end = b.nextQuery &+ min(blockSize, all.rows &- b.nextQuery)
                range = b.nextQuery..<end
                batch?.nextQuery = end
                finished = end >= all.rows
            } else {
                batch = nil
                break
            }
            let results = try knnErrors {
                try KNNEngine.searchBatch(b.corpus, queries: queries, range: range, k: b.k,
                                          metric: b.metric, rows: b.subset, limits: KNNMatchTable.scoringLimits)
            }
            queryIDs = []; neighbors = []; ranks = []; corpusIDs = []; position = 0
            for (i, found) in results.enumerated() where range.lowerBound &+ i < queries.rows {
                try append(queryID: queries.id(at: range.lowerBound &+ i), found)
            }
            if finished { batch = nil }
        }
    }

    /// Bad corpus rows that could be answers — every one without a filter, those the filter matches with
    /// one — fail the query, naming the first and why (the words of vec_check); with `skip` they are left out
    /// and counted (the hidden `skipped` column). Rows the filter excludes never matter.
    private func checkBadRows(_ bad: BadRows, rows: Int, dimensions: Int, _ reference: CorpusReference,
                              filtered: [Int64]?, skip: Bool) throws -> Int64 {
        guard !bad.isEmpty else { return 0 }
        let hits = filtered.map { bad.positions(in: $0) } ?? Array(0..<bad.count)
        guard let first = hits.first else { return 0 }
        if skip { return Int64(hits.count) }
        let row = reference.isFile ? "row \(bad.ids[first]) of \(reference.display)" : "rowid \(bad.ids[first]) of \(reference.display)"
        let others = hits.count > 1 ? "\(hits.count) bad rows in all; " : ""
        var check = ""
        if case .column(let c) = reference {
            let dims = rows > 0 ? ", \(dimensions)" : ""
            check = ", vec_check(\(quoteIdentifierIfNeeded(c.column))\(dims)) lists them"
        }
        throw SQLError("\(row): \(bad.reason(at: first)) (\(others)skip_bad => 1 leaves them out\(check))")
    }

    private func append(queryID: Int64?, _ found: [Neighbor]) throws {
        for (i, n) in found.enumerated() {
            queryIDs.append(queryID)
            neighbors.append(n)
            ranks.append(i &+ 1)
            corpusIDs.append(try idLookup.value(for: n.id))
        }
    }

    func next() throws {
        position &+= 1
        rowNumber &+= 1
        if position >= neighbors.count { try fillFromIndexBatch(); try fillFromBatch() }
    }

    var isAtEnd: Bool { position >= neighbors.count }

    func column(_ index: Int32, context: SQLContext) throws {
        guard position < neighbors.count else { return context.resultNull() }
        switch index {
        case 0:
            if let q = queryIDs[position] { context.result(q) } else { context.resultNull() }
        case 1: context.result(neighbors[position].id)
        case 2: context.result(neighbors[position].distance)
        case 3: context.result(ranks[position])
        case 4: context.result(corpusIDs[position])
        case KNNMatchTable.signature.firstHiddenColumn: context.result(neighbors[position].id)
        case KNNMatchTable.signature.firstHiddenColumn &+ 1: context.result(skipped)
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { rowNumber }
}

// MARK: - argument parsing

private func describe(_ a: SQLArgument?) -> String {
    guard let a else { return "NULL" }
    switch a.type {
    case .null: return "NULL"
    case .integer: return String(a.int64)
    case .real: return String(a.double)
    case .text: return "'\(a.text)'"
    case .blob: return "a blob"
    }
}

private func parseK(_ a: SQLArgument?) throws -> Int {
    let maxK = KNNEngine.maxK
    let bad = SQLError("k must be an integer between 1 and \(maxK), got \(describe(a))")
    guard let a else { throw bad }
    switch a.type {
    case .integer:
        let v = a.int64
        guard v >= 1, v <= Int64(maxK) else { throw bad }
        return Int(v)
    case .real:
        let v = a.double
        guard v >= 1, v <= Double(maxK), v == v.rounded() else { throw bad }
        return Int(v)
    default:
        throw bad
    }
}

private func parseIDs(_ a: SQLArgument?) throws -> String? {
    guard let a, a.type != .null else { return nil }
    guard a.type == .text, !a.text.trimmingSpaces.isEmpty else {
        throw SQLError("ids must name the corpus table's id column, or the .npz member / .npy file of ids, got \(describe(a))")
    }
    return a.text.trimmingSpaces
}

private func parseFlag(_ a: SQLArgument?, name: String) throws -> Bool {
    guard let a, a.type != .null else { return false }
    if a.type == .integer, a.int64 == 0 || a.int64 == 1 { return a.int64 == 1 }
    if a.type == .text {
        switch a.text.trimmingSpaces.asciiLowercased {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: break
        }
    }
    throw SQLError("\(name) must be 0 or 1 (true/false), got \(describe(a))")
}

private func parseProbes(_ a: SQLArgument?) throws -> Int? {
    guard let a, a.type != .null else { return nil }
    guard a.type == .integer, a.int64 >= 1, a.int64 <= 65_536 else {
        throw SQLError("probes must be an integer from 1 to 65536, got \(describe(a))")
    }
    return Int(a.int64)
}

private func parseMetric(_ a: SQLArgument?) throws -> Metric {
    guard let a, a.type != .null else { return .cosine }
    let names = "(expected 'cosine', 'l2' or 'dot')"
    guard a.type == .text else { throw SQLError("unknown metric \(describe(a)) \(names)") }
    guard let m = Metric(rawValue: a.text.trimmingSpaces.asciiLowercased) else {
        throw SQLError("unknown metric '\(a.text)' \(names)")
    }
    return m
}

/// Vector decoding errors of the query argument as SQL errors (`query: empty vector`).
private func vectorError<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as VectorError { throw SQLError("query: \(e)") }
}

/// An engine error in words (sizes as people read them).
func describe(_ e: KNNError) -> String {
    guard case .corpusTooLarge(let corpus, let rows, let d, let bytes, let known, let limit, let source) = e else {
        return e.description
    }
    let size = known ? MemoryBudget.format(bytes) : "more than " + MemoryBudget.format(bytes)
    let count = known ? "\(rows) rows" : "over \(rows) rows"
    return "corpus \(corpus) needs \(size) packed (\(count) × \(d) dimensions); this process may use "
        + "\(MemoryBudget.format(limit)) (\(source)); raise the limit or set STRATA_MEMORY_LIMIT"
}

/// Engine errors as SQL errors (an interruption as SQLite's own).
private func knnErrors<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as KNNError {
        if e == .interrupted || Interruption.isRequested() { throw Interruption.Interrupted() }
        throw SQLError(describe(e))
    }
}

/// Engine errors as SQL errors; a file's rows are named by index (`row 7 of 'x.npy'`), not rowid.
private func knnErrors<R>(_ reference: CorpusReference, _ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as KNNError {
        if e == .interrupted || Interruption.isRequested() { throw Interruption.Interrupted() }
        if reference.isFile, case .badRow(let corpus, let id, let reason) = e {
            throw SQLError("row \(id) of \(corpus): \(reason)")
        }
        throw SQLError(describe(e))
    }
}

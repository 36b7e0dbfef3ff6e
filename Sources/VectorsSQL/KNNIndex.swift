// CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding [, metric=cosine] [, lists=N] [, probes=P]):
// an approximate (IVF, int8 codes, exact rescoring) index over a corpus column, kept in ordinary tables of
// the same database (KNNIndexStore.swift). xCreate builds it inside the CREATE statement's transaction;
// knn_match uses it for single-vector queries on that column (KNNIndexSearch.swift). Reading the index table
// lists its lists; `INSERT INTO docs_idx(command) VALUES ('merge')` folds pending rows into the lists and
// `'rebuild'` trains it again. It reads only tables of its own database, never files.
import SQLiteKit
import StrataCommon
import Vectors

final class KNNIndexTable: VirtualTable {
    static let sql = SQLDeclaration(
        "knn_index", kind: .virtualTable, safety: .directOnly,
        parameters: [
            .required("table", "the corpus table (in the index's own schema)"),
            .required("column", "its vector column (float32 BLOBs or JSON arrays)"),
            .optional("metric", "metric=cosine (default), l2 or dot: knn_match queries with this metric use the index"),
            .optional("lists", "lists=N: inverted lists (k-means centroids); default about √rows"),
            .optional("probes", "probes=P: lists a query scans by default; default a tenth of the lists, at least 8"),
        ],
        columns: [
            SQLColumn("list", "INTEGER", "the list number (0-based)"),
            SQLColumn("rows", "INTEGER", "corpus rows stored in the list"),
            SQLColumn("command", "", "INSERT INTO idx(command) VALUES ('merge') folds pending rows into the lists; 'rebuild' trains again",
                      hidden: true),
        ],
        returns: "an approximate index that knn_match uses for single-vector queries on that column")

    let connection: Connection
    let names: KNNIndexNames

    init(connection: Connection, arguments: ModuleArguments) throws {
        self.connection = connection
        names = KNNIndexNames(schema: arguments.schemaName, name: arguments.tableName)
        if arguments.isCreate {
            let options = try KNNIndexOptions(arguments.arguments)
            let column = try Self.resolveCorpus(connection, schema: names.schema, options.table, options.column)
            try Self.build(connection, names, column, metric: options.metric, lists: options.lists,
                           probes: options.probes)
        } else {
            _ = try KNNIndexMeta.read(connection, names)
        }
    }

    /// A tenth of the lists, at least 8. Measured (Benchmarks/peers/ann.py): √lists gave recall@10 0.83 on
    /// overlapping clusters at 200k × 384; a tenth gave ≥ 0.93 there and 1.0 on separated clusters, and with
    /// the lists in memory scanning a tenth of the codes stays far below exact search.
    static func defaultProbes(lists: Int) -> Int {
        min(lists, max(8, (lists &+ 9) / 10))
    }

    /// The corpus column, in the index's schema (its triggers must live there).
    static func resolveCorpus(_ db: Connection, schema: String, _ table: String, _ column: String) throws -> ResolvedColumn {
        let st = try db.prepare("PRAGMA \(quoteIdentifier(schema)).table_xinfo(\(quoteIdentifier(table)))")
        var columns: [String] = []
        while try st.step() { columns.append(st.text(at: 1)) }
        guard !columns.isEmpty else { throw SQLError("no such table: \(schema).\(table)") }
        guard let found = columns.first(where: { $0.asciiLowercased == column.asciiLowercased }) else {
            throw SQLError("no such column: \(table).\(column)")
        }
        let kind = try db.scalar("SELECT type FROM \(quoteIdentifier(schema)).sqlite_schema WHERE lower(name) = lower(?1)",
                                 [.text(table)])
        guard case .text("table")? = kind else { throw SQLError("\(table) is not a table (knn_index indexes a table's column)") }
        let real = try db.scalar("SELECT name FROM \(quoteIdentifier(schema)).sqlite_schema WHERE lower(name) = lower(?1)",
                                 [.text(table)])
        let name: String
        if case .text(let t)? = real { name = t } else { name = table }
        return ResolvedColumn(schema: schema, table: name, column: found, display: "\(name).\(found)")
    }

    /// Builds the index and writes its tables (`replacing`: the contents of the existing ones, once the new model
    /// is known). The corpus is packed (bad rows are an error naming the first), trained and put in lists; a corpus
    /// larger than the memory budget is read several times instead (IVFStreamingBuild) and its lists written a
    /// group at a time — the same index, in bounded memory. `probes` nil: the default for the lists.
    static func build(_ db: Connection, _ names: KNNIndexNames, _ column: ResolvedColumn, metric: Metric, lists: Int?,
                      probes: Int?, replacing: Bool = false) throws {
        let limits = KNNMatchTable.packingLimits()
        let source = TableColumnSource(connection: db, column: column)
        let corpus: CorpusMatrix
        do {
            corpus = try CorpusMatrix.packingChecked(source, name: column.display, scoring: nil, limits: limits).corpus
        } catch KNNError.corpusTooLarge where !Interruption.isRequested() {
            try buildStreaming(db, names, column, source, metric: metric, lists: lists, probes: probes,
                               replacing: replacing, limits: limits)
            return
        } catch let e as KNNError {
            if e == .interrupted || Interruption.isRequested() { throw Interruption.Interrupted() }
            throw SQLError(describe(e))
        }
        try refuseBadRows(corpus.badRows, column)
        guard corpus.rows > 0 else { throw SQLError("\(column.display) has no vectors to index") }
        let built: (model: IVFModel, lists: [IVFList])
        do {
            built = try IVFBuild.build(corpus, metric: metric, lists: lists ?? IVFBuild.defaultLists(rows: corpus.rows),
                                       limits: KNNMatchTable.scoringLimits)
        } catch KNNError.interrupted {
            throw Interruption.Interrupted()
        }
        let p = probes ?? defaultProbes(lists: built.model.lists)
        if replacing {
            try db.replaceKNNIndex(names, model: built.model, lists: built.lists, probes: p)
        } else {
            try db.writeKNNIndex(names, corpus: column, model: built.model, lists: built.lists, probes: p)
        }
    }

    /// The build for a corpus that does not fit the memory budget: the meta first, then the lists a group at a
    /// time as they are made (in the building statement's transaction, as every write of the build).
    private static func buildStreaming(_ db: Connection, _ names: KNNIndexNames, _ column: ResolvedColumn,
                                       _ source: TableColumnSource, metric: Metric, lists: Int?, probes: Int?,
                                       replacing: Bool, limits: KNNLimits) throws {
        do {
            let trained = try IVFStreamingBuild.train(source, metric: metric, lists: lists, budget: limits.memory,
                                                      limits: limits)
            try refuseBadRows(trained.badRows, column)
            guard trained.vectors > 0 else { throw SQLError("\(column.display) has no vectors to index") }
            let p = probes ?? defaultProbes(lists: trained.model.lists)
            if replacing {
                try db.replaceKNNIndex(names, model: trained.model, lists: [], probes: p)
            } else {
                try db.writeKNNIndex(names, corpus: column, model: trained.model, lists: [], probes: p)
            }
            var rows: Int64 = 0
            try IVFStreamingBuild.fill(source, trained, budget: limits.memory, limits: limits) { group in
                try db.writeLists(names, group)
                for (_, list) in group { rows &+= Int64(list.count) }
            }
            try db.execute("UPDATE \(names.meta) SET value = \(rows) WHERE key = 'rows'")
        } catch let e as KNNError {
            if e == .interrupted || Interruption.isRequested() { throw Interruption.Interrupted() }
            throw SQLError(e == .sourceChanged ? "\(column.display) changed while the index was built" : describe(e))
        }
    }

    private static func refuseBadRows(_ bad: BadRows, _ column: ResolvedColumn) throws {
        guard !bad.isEmpty else { return }
        let n = bad.count
        throw SQLError("rowid \(bad.ids[0]) of \(column.display): \(bad.reason(at: 0))"
                       + (n > 1 ? " (\(n) bad rows in all)" : "") + "; fix or delete them, or set them to NULL (not indexed)")
    }

    /// The lists as rows, and the hidden `command` column that INSERT writes (no parameter columns: the
    /// module's arguments are given once, in CREATE VIRTUAL TABLE).
    var declaration: String {
        "CREATE TABLE x(" + Self.sql.columns.map { "\($0.name) \($0.type)\($0.hidden ? " HIDDEN" : "") -- \($0.doc)\n" }
            .joined(separator: ", ") + ")"
    }

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        info.estimatedCost = 1000
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { KNNIndexCursor(table: self) }

    func destroy() throws { try connection.dropKNNIndex(names) }

    func update(_ values: SQLArguments) throws {
        // INSERT: argv[0] NULL, argv[1] the new rowid, then one value per declared column (list, rows, command).
        guard values.count == 5, values[0].isNull else {
            throw SQLError("\(names.name) takes commands only: INSERT INTO \(names.name)(command) VALUES ('merge') or ('rebuild')")
        }
        let command = values[4].type == .text ? values[4].text.trimmingSpaces.asciiLowercased : ""
        switch command {
        case "merge": try merge()
        case "rebuild": try rebuild()
        default:
            throw SQLError("unknown command \(values[4].isNull ? "NULL" : "'\(values[4].text)'") (expected 'merge' or 'rebuild')")
        }
    }

    /// Pending rows leave the lists they were in and join the list of their nearest centroid (if they still
    /// exist with a vector); the pending table is emptied. Centroids and ranges stay as trained.
    func merge() throws {
        let db = connection
        let meta = try KNNIndexMeta.read(db, names)
        let model = try KNNModelCache.shared.model(db, names, meta)
        var pending = Set<Int64>()
        let ps = try db.prepare("SELECT id FROM \(names.pending)")
        while try ps.step() { pending.insert(ps.int64(at: 0)) }
        guard !pending.isEmpty else { return }
        let column = try Self.resolveCorpus(db, schema: names.schema, meta.table, meta.column)
        var changed: [Int: IVFList] = [:]
        let ls = try db.prepare("SELECT list, ids, terms, codes FROM \(names.lists)")
        while try ls.step() {
            if Interruption.isRequested() { throw Interruption.Interrupted() }
            let ids = ls.withBlobBytes(at: 1) { [Int64](littleEndianBytes: $0) }
            guard ids.contains(where: pending.contains) else { continue }
            var list = IVFList(ids: ids, terms: ls.withBlobBytes(at: 2) { [Float](littleEndianBytes: $0) },
                               codes: ls.withBlobBytes(at: 3) { Array($0.bindMemory(to: UInt8.self)) })
            guard list.terms.count == ids.count, list.codes.count == ids.count &* meta.dimensions else {
                throw SQLError("\(names.name)_lists is damaged (list \(ls.int64(at: 0))); run 'rebuild'")
            }
            list.remove(pending, dimensions: meta.dimensions)
            changed[Int(ls.int64(at: 0))] = list
        }
        let reader = try ColumnReader(db, column, byRowid: true)
        func load(_ l: Int) throws -> IVFList {
            if let c = changed[l] { return c }
            let st = try db.prepare("SELECT ids, terms, codes FROM \(names.lists) WHERE list = ?1")
            try st.bind(.integer(Int64(l)), at: 1)
            guard try st.step() else { return IVFList() }
            return IVFList(ids: st.withBlobBytes(at: 0) { [Int64](littleEndianBytes: $0) },
                           terms: st.withBlobBytes(at: 1) { [Float](littleEndianBytes: $0) },
                           codes: st.withBlobBytes(at: 2) { Array($0.bindMemory(to: UInt8.self)) })
        }
        for id in pending.sorted() {
            if Interruption.isRequested() { throw Interruption.Interrupted() }
            try reader.seek(rowid: id)
            var x: [Float]? = nil
            try reader.read(limit: 1, { _, v in
                guard let v else { return }
                guard v.count == meta.dimensions else {
                    throw SQLError("rowid \(id) of \(column.display) has \(v.count) dimensions, the index \(meta.dimensions)")
                }
                if let bad = v.nonFiniteReason { throw SQLError("rowid \(id) of \(column.display): \(bad)") }
                x = model.transformed(v)
            }, bad: { rowid, reason in throw SQLError("rowid \(rowid) of \(column.display): \(reason)") })
            guard let x else { continue }  // deleted, NULL, or all zero under cosine
            let l = model.nearestList(x)
            var list = try load(l)
            list.append(id: id, transformed: x, model: model)
            changed[l] = list
        }
        try db.writeLists(names, changed.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        try db.execute("DELETE FROM \(names.pending)")
        // The rows the lists hold, counted from their ids (8 bytes each), not from `n`: a damaged or hand-edited
        // table's n can be anything, and a total(n) beyond Int64 trapped in the conversion.
        let rows = try db.scalar("SELECT total(length(ids) / 8) FROM \(names.lists)")
        var total: Int64 = 0
        if case .real(let r)? = rows, r >= 0, r <= Double(CorpusMatrix.maxRows) { total = Int64(r) }
        try db.execute("UPDATE \(names.meta) SET value = \(total) WHERE key = 'rows'")
        try db.execute("UPDATE \(names.meta) SET value = \(newGeneration()) WHERE key = 'generation'")
    }

    /// Trains the index again from the corpus as it is now (same metric, lists and probes).
    func rebuild() throws {
        let db = connection
        let meta = try KNNIndexMeta.read(db, names)
        let column = try Self.resolveCorpus(db, schema: names.schema, meta.table, meta.column)
        try Self.build(db, names, column, metric: meta.metric, lists: meta.lists, probes: meta.probes, replacing: true)
    }
}

/// `knn_index(table, column, metric=..., lists=..., probes=...)` parsed.
struct KNNIndexOptions {
    var table: String
    var column: String
    var metric: Metric = .cosine
    var lists: Int?
    var probes: Int?

    init(_ arguments: [String]) throws {
        let positional = arguments.filter { !$0.contains("=") }
        let named = arguments.filter { $0.contains("=") }
        guard positional.count == 2 else {
            throw SQLError("expected knn_index(table, column [, metric=cosine|l2|dot] [, lists=N] [, probes=P]), got \(positional.count) names")
        }
        table = positional[0]
        column = positional[1]
        for option in named {
            let parts = option.split(separator: "=", maxSplits: 1).map { unquoteModuleArgument(String($0)) }
            let key = (parts.first ?? "").asciiLowercased, value = parts.count > 1 ? parts[1] : ""
            switch key {
            case "metric":
                guard let m = Metric(rawValue: value.asciiLowercased) else {
                    throw SQLError("unknown metric '\(value)' (expected 'cosine', 'l2' or 'dot')")
                }
                metric = m
            case "lists":
                guard let n = Int(value), n >= 1, n <= 65_536 else { throw SQLError("lists must be an integer from 1 to 65536, got '\(value)'") }
                lists = n
            case "probes":
                guard let n = Int(value), n >= 1, n <= 65_536 else { throw SQLError("probes must be an integer from 1 to 65536, got '\(value)'") }
                probes = n
            default:
                throw SQLError("unknown option '\(key)' (expected metric, lists or probes)")
            }
        }
    }
}

final class KNNIndexCursor: VirtualTableCursor {
    let table: KNNIndexTable
    private var rows: [(Int64, Int64)] = []
    private var position = 0

    init(table: KNNIndexTable) { self.table = table }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        rows = []; position = 0
        let st = try table.connection.prepare("SELECT list, n FROM \(table.names.lists) ORDER BY list")
        while try st.step() { rows.append((st.int64(at: 0), st.int64(at: 1))) }
    }

    func next() throws { position &+= 1 }
    var isAtEnd: Bool { position >= rows.count }

    func column(_ index: Int32, context: SQLContext) throws {
        guard position < rows.count else { return context.resultNull() }
        switch index {
        case 0: context.result(rows[position].0)
        case 1: context.result(rows[position].1)
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { position < rows.count ? rows[position].0 : 0 }
}

// Where a knn_index keeps its data: ordinary tables of the database holding the corpus, so WAL, backups,
// `.dump` and replication see normal pages, and a build or merge is part of the caller's transaction (a
// process killed half-way leaves the previous state, never half an index).
//
//   <index>_meta(key, value)          table, column, metric, dimensions, lists, probes, generation,
//                                     centroids, quantizer ranges (float32 BLOBs)
//   <index>_lists(list, n, ids, terms, codes)   one row per inverted list: n rows' ids (int64 LE), terms
//                                     (float32 LE: |x|² for l2) and int8 codes (n × dimensions bytes)
//   <index>_pending(id)               corpus rowids inserted, updated or deleted since the lists were written
//
// Three plain-SQL triggers on the corpus table fill `<index>_pending`, so a writer that has not loaded Strata
// still keeps the index correct. Queries score pending rows exactly from the corpus and skip them in the lists.
import Glibc
import SQLiteKit
import StrataCommon
import Vectors

/// The names of one index's tables and triggers, quoted for SQL.
struct KNNIndexNames {
    let schema: String
    let name: String

    var qSchema: String { quoteIdentifier(schema) }
    var meta: String { "\(qSchema).\(quoteIdentifier(name + "_meta"))" }
    var lists: String { "\(qSchema).\(quoteIdentifier(name + "_lists"))" }
    var pending: String { "\(qSchema).\(quoteIdentifier(name + "_pending"))" }
    /// Shadow table names as a trigger body writes them (a trigger's tables are in its own schema).
    var pendingBare: String { quoteIdentifier(name + "_pending") }
    func trigger(_ what: String) -> String { "\(qSchema).\(quoteIdentifier(name + "_" + what))" }
    static let triggerKinds = ["insert", "update", "delete"]
}

/// What `<index>_meta` says about an index.
struct KNNIndexMeta {
    var table: String
    var column: String
    var metric: Metric
    var dimensions: Int
    var lists: Int
    var probes: Int
    /// Random at every build and merge: what a cached model is checked against.
    var generation: Int64
    /// Rows in the lists.
    var rows: Int

    static func read(_ db: Connection, _ names: KNNIndexNames) throws -> KNNIndexMeta {
        let st = try db.prepare("SELECT key, value FROM \(names.meta) WHERE key IN "
                                + "('table','column','metric','dimensions','lists','probes','generation','rows')")
        var text: [String: String] = [:]
        var ints: [String: Int64] = [:]
        while try st.step() {
            let key = st.text(at: 0)
            if st.type(at: 1) == .integer { ints[key] = st.int64(at: 1) } else { text[key] = st.text(at: 1) }
        }
        guard let table = text["table"], let column = text["column"], let m = text["metric"].flatMap(Metric.init(rawValue:)),
              let d = ints["dimensions"], let lists = ints["lists"], let probes = ints["probes"],
              let generation = ints["generation"], let rows = ints["rows"],
              d >= 0, d <= Int64(Vector.maxDimensions), lists >= 1, lists <= 65_536, probes >= 1,  // lists: what CREATE allows (a rebuild trains that many)
              // No more rows than a corpus can have: a filtered search widens its probes by rows / matches.
              rows >= 0, rows <= Int64(CorpusMatrix.maxRows) else {
            throw SQLError("\(names.name): \(names.name)_meta is damaged (missing or invalid keys); drop and create the index again")
        }
        return KNNIndexMeta(table: table, column: column, metric: m, dimensions: Int(d), lists: Int(lists),
                            probes: Int(min(probes, lists)), generation: generation, rows: Int(rows))
    }

    /// The centroids and quantizer ranges (float32 BLOBs in `<index>_meta`).
    func model(_ db: Connection, _ names: KNNIndexNames) throws -> IVFModel {
        let st = try db.prepare("SELECT key, value FROM \(names.meta) WHERE key IN ('centroids','minimums','scales')")
        var blobs: [String: [Float]] = [:]
        while try st.step() {
            let key = st.text(at: 0)
            blobs[key] = st.type(at: 1) == .blob ? st.withBlobBytes(at: 1) { [Float](littleEndianBytes: $0) } : []
        }
        guard let c = blobs["centroids"], let mins = blobs["minimums"], let scales = blobs["scales"],
              c.count == lists &* dimensions, mins.count == dimensions, scales.count == dimensions else {
            throw SQLError("\(names.name): \(names.name)_meta is damaged (centroids or ranges); drop and create the index again")
        }
        return IVFModel(metric: metric, dimensions: dimensions, centroids: c,
                        quantizer: ScalarQuantizer(minimums: mins, scales: scales))
    }
}

/// Models (centroids and ranges) by index and generation: read once, not at every query. A generation is
/// random per build and merge, so a cached model is never taken for another build's.
final class KNNModelCache: @unchecked Sendable {
    static let shared = KNNModelCache()
    private let lock = Lock()
    private var models: [String: IVFModel] = [:]

    func model(_ db: Connection, _ names: KNNIndexNames, _ meta: KNNIndexMeta) throws -> IVFModel {
        let key = "\(meta.generation):\(names.schema).\(names.name)".asciiLowercased
        if let m = lock.withLock({ models[key] }) { return m }
        let m = try meta.model(db, names)
        lock.withLock {
            if models.count >= 64 { models.removeAll() }  // a handful of indexes in practice
            models[key] = m
        }
        return m
    }
}

/// A plain mutex (pthread), for the model cache.
final class Lock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { mutex.initialize(to: pthread_mutex_t()); pthread_mutex_init(mutex, nil) }
    deinit { pthread_mutex_destroy(mutex); mutex.deallocate() }
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A random generation number (never 0).
func newGeneration() -> Int64 {
    var g: Int64 = 0
    while g == 0 { g = Int64.random(in: Int64.min...Int64.max) }
    return g
}

extension Connection {
    /// Writes a complete index: meta, lists, an empty pending table, and the corpus table's triggers.
    func writeKNNIndex(_ names: KNNIndexNames, corpus: ResolvedColumn, model: IVFModel, lists: [IVFList],
                       probes: Int) throws {
        let exists = try prepare("SELECT name FROM \(names.qSchema).sqlite_schema WHERE lower(name) IN (?1, ?2, ?3, ?4, ?5, ?6)")
        let wanted = ["_meta", "_lists", "_pending"].map { names.name + $0 } + Self.triggerNames(names)
        for (i, w) in wanted.enumerated() { try exists.bind(.text(w.asciiLowercased), at: i &+ 1) }
        if try exists.step() { throw SQLError("cannot create the index's table or trigger \(exists.text(at: 0)): it exists already") }
        try execute("CREATE TABLE \(names.meta)(key TEXT PRIMARY KEY, value) WITHOUT ROWID")
        try execute("CREATE TABLE \(names.lists)(list INTEGER PRIMARY KEY, n INTEGER NOT NULL, ids BLOB, terms BLOB, codes BLOB)")
        try execute("CREATE TABLE \(names.pending)(id INTEGER PRIMARY KEY)")
        try writeKNNMeta(names, [("version", .integer(1)), ("table", .text(corpus.table)), ("column", .text(corpus.column))])
        try writeKNNModel(names, model, probes: probes, lists: lists)

        // Plain SQL, no Strata function: a writer without the extension loaded keeps the index correct.
        let t = quoteIdentifier(corpus.table), c = quoteIdentifier(corpus.column), p = names.pendingBare
        try execute("CREATE TRIGGER \(names.trigger("insert")) AFTER INSERT ON \(t) BEGIN "
                    + "INSERT OR IGNORE INTO \(p)(id) VALUES (new.rowid); END")
        try execute("CREATE TRIGGER \(names.trigger("update")) AFTER UPDATE ON \(t) "
                    + "WHEN old.rowid IS NOT new.rowid OR old.\(c) IS NOT new.\(c) BEGIN "
                    + "INSERT OR IGNORE INTO \(p)(id) VALUES (old.rowid); "
                    + "INSERT OR IGNORE INTO \(p)(id) VALUES (new.rowid); END")
        try execute("CREATE TRIGGER \(names.trigger("delete")) AFTER DELETE ON \(t) BEGIN "
                    + "INSERT OR IGNORE INTO \(p)(id) VALUES (old.rowid); END")
    }

    /// Replaces a built index's contents with a new model and lists, in place: 'rebuild' runs inside an INSERT
    /// on the index, and SQLite refuses to drop a table while a statement runs ("database table is locked").
    /// The tables and triggers stay; pending rows are dropped (the lists hold the corpus as it is now).
    func replaceKNNIndex(_ names: KNNIndexNames, model: IVFModel, lists: [IVFList], probes: Int) throws {
        try execute("DELETE FROM \(names.lists)")
        try execute("DELETE FROM \(names.pending)")
        try writeKNNModel(names, model, probes: probes, lists: lists)
    }

    /// The meta keys of a model (a new generation) and its lists.
    private func writeKNNModel(_ names: KNNIndexNames, _ model: IVFModel, probes: Int, lists: [IVFList]) throws {
        try writeKNNMeta(names, [
            ("metric", .text(model.metric.rawValue)),
            ("dimensions", .integer(Int64(model.dimensions))),
            ("lists", .integer(Int64(model.lists))),
            ("probes", .integer(Int64(max(1, min(probes, model.lists))))),
            ("generation", .integer(newGeneration())),
            ("rows", .integer(Int64(lists.reduce(0) { $0 &+ $1.count }))),
            ("centroids", .blob(model.centroids.littleEndianBytes)),
            ("minimums", .blob(model.quantizer.minimums.littleEndianBytes)),
            ("scales", .blob(model.quantizer.scales.littleEndianBytes)),
        ])
        try writeLists(names, lists.enumerated().map { ($0.offset, $0.element) })
    }

    private func writeKNNMeta(_ names: KNNIndexNames, _ values: [(String, SQLValue)]) throws {
        let meta = try prepare("INSERT OR REPLACE INTO \(names.meta)(key, value) VALUES (?1, ?2)")
        for (key, value) in values {
            meta.reset()
            try meta.bind(.text(key), at: 1)
            try meta.bind(value, at: 2)
            _ = try meta.step()
        }
    }

    static func triggerNames(_ names: KNNIndexNames) -> [String] {
        KNNIndexNames.triggerKinds.map { names.name + "_" + $0 }
    }

    /// Replaces the given lists' rows.
    func writeLists(_ names: KNNIndexNames, _ lists: [(Int, IVFList)]) throws {
        let st = try prepare("INSERT OR REPLACE INTO \(names.lists)(list, n, ids, terms, codes) VALUES (?1, ?2, ?3, ?4, ?5)")
        for (i, list) in lists {
            if Interruption.isRequested() { throw Interruption.Interrupted() }
            st.reset()
            try st.bind(.integer(Int64(i)), at: 1)
            try st.bind(.integer(Int64(list.count)), at: 2)
            try st.bind(.blob(list.ids.littleEndianBytes), at: 3)
            try st.bind(.blob(list.terms.littleEndianBytes), at: 4)
            try st.bind(.blob(list.codes), at: 5)
            _ = try st.step()
        }
    }

    /// Drops the index's tables and triggers (DROP TABLE of the index).
    func dropKNNIndex(_ names: KNNIndexNames) throws {
        for trigger in KNNIndexNames.triggerKinds { try execute("DROP TRIGGER IF EXISTS \(names.trigger(trigger))") }
        try execute("DROP TABLE IF EXISTS \(names.pending)")
        try execute("DROP TABLE IF EXISTS \(names.lists)")
        try execute("DROP TABLE IF EXISTS \(names.meta)")
    }
}

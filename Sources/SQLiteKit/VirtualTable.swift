// The virtual-table protocols: a table that plans (`bestIndex`) and opens cursors, and a cursor that filters,
// steps and yields columns. `ModuleAdapter.swift` turns them into an `sqlite3_module`.
import CSQLite

/// What `xConnect`/`xCreate` receive: `CREATE VIRTUAL TABLE schema.table USING module(arguments...)`.
/// For an eponymous table-valued function, `tableName == moduleName` and `arguments` is empty.
public struct ModuleArguments {
    public var moduleName: String
    public var schemaName: String
    public var tableName: String
    /// The module arguments as written, with surrounding quotes removed from quoted ones.
    public var arguments: [String]
    /// The same, exactly as written (quotes kept), for modules that parse `key=value` themselves.
    public var rawArguments: [String]
    /// True in xCreate (`CREATE VIRTUAL TABLE` runs now), false in xConnect (the table exists already).
    public var isCreate: Bool = false
}

/// How a table answers one candidate plan.
public enum PlanOutcome {
    /// The plan in `IndexInfo` is usable.
    case ok
    /// This combination of usable constraints cannot be served (`SQLITE_CONSTRAINT`): SQLite tries another.
    case unusable
}

/// One virtual table instance (per connection and table).
public protocol VirtualTable: AnyObject {
    /// The `CREATE TABLE x(...)` statement declared to SQLite. HIDDEN columns are table-valued-function arguments.
    var declaration: String { get }
    /// Chooses a plan: marks constraints it uses, sets cost, rows, `indexNumber`/`indexString`.
    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome
    func openCursor() throws -> VirtualTableCursor
    /// Called when SQLite drops the table object (disconnect or destroy).
    func disconnect()
    /// Called by `DROP TABLE` before `disconnect`: a table that keeps data in tables of its own drops them.
    func destroy() throws
    /// INSERT/UPDATE/DELETE on a writable module's table (xUpdate): `values` as SQLite passes them
    /// (old rowid, new rowid, then one value per declared column, hidden ones included).
    func update(_ values: SQLArguments) throws
}

extension VirtualTable {
    public func disconnect() {}
    public func destroy() throws {}
    public func update(_ values: SQLArguments) throws { throw SQLError("table may not be modified") }
}

/// A scan over a virtual table.
public protocol VirtualTableCursor: AnyObject {
    /// Starts (or restarts) the scan with the plan chosen in `bestIndex` and the values of the used constraints.
    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws
    func next() throws
    var isAtEnd: Bool { get }
    /// Sets column `index`'s value on `context` for the current row.
    func column(_ index: Int32, context: SQLContext) throws
    func rowid() throws -> Int64
}

/// Rows that are all alike — `column` holding `text` (nil: NULL), every other column NULL — `rows` of them
/// starting with the current row, rowids counting up from `firstRowid`. The module's C callbacks hand them out
/// without calling the cursor (CSQLite.h, strata_vtab_cursor): millions of grouped rows cost SQLite's loop only.
public struct RowRun {
    public var rows: Int64
    public var column: Int32
    public var text: StaticString?
    public var firstRowid: Int64

    public init(rows: Int64, column: Int32, text: StaticString?, firstRowid: Int64) {
        self.rows = rows
        self.column = column
        self.text = text
        self.firstRowid = firstRowid
    }
}

/// A cursor that can hand out runs of identical rows. Asked after `filter` and after every `next`; after a run
/// of n rows, the cursor's `next()` is next called when SQLite moves past the run's last row, so the cursor
/// must count the n - 1 rows it did not see itself.
public protocol RowRunCursor: VirtualTableCursor {
    func takeRowRun() -> RowRun?
}

/// The rest of a block of rows whose column values sit in arrays (see `BatchColumns`): `rows` rows from the
/// current one, which the module's C callbacks step through without calling the cursor (CSQLite.h, batches).
/// Array indexes are `firstRow` + the row's offset in the batch; rowids count up from `firstRowid`.
public struct RowBatch {
    public var rows: Int64
    public var firstRow: Int64
    public var firstRowid: Int64
    public var columns: BatchColumns

    public init(rows: Int64, firstRow: Int64, firstRowid: Int64, columns: BatchColumns) {
        self.rows = rows
        self.firstRow = firstRow
        self.firstRowid = firstRowid
        self.columns = columns
    }
}

/// A cursor that can hand out batches. Asked after `filter` and after every `next`. The arrays a batch points
/// into must stay alive and unchanged until the cursor's next `next()` or `filter`, which is called when SQLite
/// moves past the batch's last row: the cursor then continues from that row.
public protocol RowBatchCursor: VirtualTableCursor {
    func takeRowBatch() -> RowBatch?
    /// Column `index` of the batch row `offset` rows after its first, for a column the batch leaves to Swift.
    func column(_ index: Int32, batchOffset: Int64, context: SQLContext) throws
}

/// Which columns a batch answers in C, and from which arrays; one per cursor, rewritten per batch. Columns left
/// `.swift` are answered by the cursor's `column(_:batchOffset:context:)`.
public final class BatchColumns {
    public enum Source {
        case swift
        case int64(UnsafePointer<Int64>, map: UnsafePointer<Int32>?)
        case int32(UnsafePointer<Int32>, map: UnsafePointer<Int32>?)
        case double(UnsafePointer<Double>, map: UnsafePointer<Int32>?)
        case float(UnsafePointer<Float>, map: UnsafePointer<Int32>?)
        case bool(UnsafePointer<UInt8>, map: UnsafePointer<Int32>?)
        /// UTF-8 text: value k is pool[starts[k] ..< starts[k] + lengths[k]] (invalid UTF-8 goes to Swift).
        case text(pool: UnsafePointer<UInt8>, starts: UnsafePointer<Int>, lengths: UnsafePointer<Int32>,
                  map: UnsafePointer<Int32>?)
        /// A type per row — 0 NULL, 1 integer (`values`), 2 real (`values` holds its bit pattern), 3 text (as
        /// `.text`) — for columns whose rows differ in type.
        case variant(types: UnsafePointer<UInt8>, values: UnsafePointer<Int64>, pool: UnsafePointer<UInt8>,
                     starts: UnsafePointer<Int>, lengths: UnsafePointer<Int32>)
    }

    let storage: UnsafeMutablePointer<strata_batch_column>
    public let count: Int

    public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: strata_batch_column(), count: max(count, 1))
    }

    deinit {
        storage.deinitialize(count: max(count, 1))
        storage.deallocate()
    }

    public func set(_ i: Int, _ source: Source) {
        guard i >= 0, i < count else { return }
        var c = strata_batch_column()
        switch source {
        case .swift: c.kind = Int32(STRATA_BATCH_SWIFT)
        case .int64(let p, let m): c.kind = Int32(STRATA_BATCH_INT64); c.values = UnsafeRawPointer(p); c.map = m
        case .int32(let p, let m): c.kind = Int32(STRATA_BATCH_INT32); c.values = UnsafeRawPointer(p); c.map = m
        case .double(let p, let m): c.kind = Int32(STRATA_BATCH_DOUBLE); c.values = UnsafeRawPointer(p); c.map = m
        case .float(let p, let m): c.kind = Int32(STRATA_BATCH_FLOAT); c.values = UnsafeRawPointer(p); c.map = m
        case .bool(let p, let m): c.kind = Int32(STRATA_BATCH_BOOL); c.values = UnsafeRawPointer(p); c.map = m
        case .text(let pool, let starts, let lengths, let m):
            c.kind = Int32(STRATA_BATCH_TEXT)
            c.pool = pool
            c.starts = UnsafeRawPointer(starts).assumingMemoryBound(to: Int.self)
            c.lengths = lengths
            c.map = m
        case .variant(let types, let values, let pool, let starts, let lengths):
            c.kind = Int32(STRATA_BATCH_VARIANT)
            c.types = types
            c.values = UnsafeRawPointer(values)
            c.pool = pool
            c.starts = UnsafeRawPointer(starts).assumingMemoryBound(to: Int.self)
            c.lengths = lengths
        }
        storage[i] = c
    }
}

extension BatchColumns {
    /// The storage address of an array its owner keeps alive and unchanged while a batch points into it (Swift
    /// hands out no stable address otherwise). An empty array may have no storage: it gets a shared zeroed
    /// block, never read, since no row has a value in an empty array.
    public static func address<T>(of a: [T]) -> UnsafePointer<T> {
        if let p = a.withUnsafeBufferPointer({ $0.baseAddress }) { return p }
        return UnsafePointer<T>(OpaquePointer(emptyArrayStorage))
    }
}

/// What `BatchColumns.address(of:)` gives for an empty array: 64 zero bytes, aligned for any element type.
private let emptyArrayStorage: UnsafeMutableRawPointer = {
    let p = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
    p.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
    return p
}()

/// A module: its SQL name, how it may be used, and how to build a table.
public struct VirtualTableModule {
    public enum Kind {
        /// A table-valued function only (`SELECT * FROM name(args)`); `CREATE VIRTUAL TABLE` is refused.
        case eponymousOnly
        /// Only through `CREATE VIRTUAL TABLE t USING name(args)`.
        case creatable
    }

    public var name: String
    public var kind: Kind
    /// Reads files or tables named in arguments: refused inside views, triggers and schema (`SQLITE_VTAB_DIRECTONLY`).
    public var directOnly: Bool
    /// Pure: allowed in views and triggers even with `trusted_schema=OFF` (`SQLITE_VTAB_INNOCUOUS`).
    public var innocuous: Bool
    /// Opens files named in its arguments. Not registered at all on a connection without file readers (the
    /// safe entry point); a creatable one connects only to tables this connection created or trusts (see
    /// `FileTableTrust`), so a table planted in someone else's database file cannot read the opener's files.
    public var readsFiles: Bool
    /// Accepts INSERT/UPDATE/DELETE (xUpdate calls `VirtualTable.update`); else SQLite refuses them itself.
    public var writable: Bool
    public var connect: (Connection, ModuleArguments) throws -> VirtualTable

    public init(name: String, kind: Kind, directOnly: Bool, innocuous: Bool = false, readsFiles: Bool = false,
                writable: Bool = false, connect: @escaping (Connection, ModuleArguments) throws -> VirtualTable) {
        self.name = name
        self.writable = writable
        self.kind = kind
        self.directOnly = directOnly
        self.innocuous = innocuous
        self.readsFiles = readsFiles
        self.connect = connect
    }
}

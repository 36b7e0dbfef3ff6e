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

// Every SQL name Strata adds, declared once as data: its kind, its flags, its parameters and columns with a
// line of documentation each, and a help line. From that one value come the registration (argument counts,
// SQLite flags, the table's CREATE TABLE with HIDDEN parameter columns), the messages that name a parameter
// (`read_log: missing argument 'path'`), the shell's `.functions` help and the documentation tables (both
// read the `strata_help` table, which lists exactly what a connection registered).
import CSQLite

/// What a name may touch. Exactly one of the two: a name is either a pure computation over its arguments or
/// it reads something its arguments name.
public enum SQLSafety: String, Sendable {
    /// DETERMINISTIC | INNOCUOUS: same inputs, same output, no side effects — usable in views, indexes,
    /// generated columns and CHECK constraints even with `trusted_schema=OFF`.
    case pure
    /// DIRECTONLY: reads files or tables named in its arguments — top-level SQL only, never from a schema.
    case directOnly
}

public struct SQLParameter: Sendable, Equatable {
    public var name: String
    public var doc: String
    public var required: Bool

    public static func required(_ name: String, _ doc: String) -> SQLParameter {
        SQLParameter(name: name, doc: doc, required: true)
    }
    public static func optional(_ name: String, _ doc: String) -> SQLParameter {
        SQLParameter(name: name, doc: doc, required: false)
    }
}

public struct SQLColumn: Sendable, Equatable {
    public var name: String
    /// The declared type (`TEXT`, `INTEGER`, `REAL`, `BLOB`, or empty for any).
    public var type: String
    public var doc: String
    /// Left out of `SELECT *` (a table function declares it after its parameters; see TableFunctionSignature).
    public var hidden: Bool

    public init(_ name: String, _ type: String, _ doc: String, hidden: Bool = false) {
        self.name = name
        self.type = type
        self.doc = doc
        self.hidden = hidden
    }
}

public struct SQLDeclaration: Sendable {
    public enum Kind: String, Sendable {
        case scalar = "function"
        case aggregate = "aggregate"
        /// `SELECT * FROM name(args)` (eponymous only).
        case tableFunction = "table function"
        /// `CREATE VIRTUAL TABLE t USING name(args)`.
        case virtualTable = "virtual table"
    }

    public var name: String
    public var kind: Kind
    public var safety: SQLSafety
    /// Opens files its arguments name: left out of the safe entry point, and refused in a schema the
    /// connection did not write (see FileTableTrust).
    public var readsFiles: Bool
    public var parameters: [SQLParameter]
    /// Output columns of a table (empty for functions, and for tables whose columns come from their file).
    public var columns: [SQLColumn]
    /// What a function returns, or what a table's rows are, in a few words.
    public var returns: String
    /// Notes for the documentation beyond the help line (may be empty).
    public var notes: String

    public init(_ name: String, kind: Kind, safety: SQLSafety, readsFiles: Bool = false,
                parameters: [SQLParameter], columns: [SQLColumn] = [], returns: String, notes: String = "") {
        self.name = name
        self.kind = kind
        self.safety = safety
        self.readsFiles = readsFiles
        self.parameters = parameters
        self.columns = columns
        self.returns = returns
        self.notes = notes
    }

    public var requiredCount: Int { parameters.filter(\.required).count }

    /// `read_log(path [, format [, datefmt]])`.
    public var signature: String {
        var text = ""
        var optionalDepth = 0
        for (i, p) in parameters.enumerated() {
            let sep = i == 0 ? "" : ", "
            if p.required {
                text += sep + p.name
            } else {
                text += (i == 0 ? "[" : " [") + sep + p.name
                optionalDepth += 1
            }
        }
        text += String(repeating: "]", count: optionalDepth)
        return "\(name)(\(text))"
    }

    /// The one-line help: `vec_dims(vector) → number of dimensions`.
    public var helpLine: String {
        switch kind {
        case .scalar, .aggregate: return "\(signature) → \(returns)"
        case .tableFunction: return "\(signature) → table: \(returns)"
        case .virtualTable: return "CREATE VIRTUAL TABLE t USING \(signature) → \(returns)"
        }
    }

    /// The SQLite function flags.
    public var functionFlags: FunctionFlags {
        switch safety {
        case .pure: return .pure
        case .directOnly: return .directOnly
        }
    }

    /// `CREATE TABLE x(...)` for a table: the columns with their docs as comments (SQLite keeps comments in a
    /// declaration, so `PRAGMA table_xinfo`'s source shows them), then one HIDDEN column per parameter.
    public var tableSignature: TableFunctionSignature {
        TableFunctionSignature(
            name: name,
            columns: columns.filter { !$0.hidden }.map { "\($0.name) \($0.type) -- \($0.doc)" },
            // A parameter named like an output column (log_formats' `format`) gets `_arg` on its HIDDEN column;
            // messages and help keep the parameter's own name.
            parameters: parameters.map { p in
                .init(columns.contains { $0.name == p.name } ? p.name + "_arg" : p.name, required: p.required)
            },
            hiddenColumns: columns.filter(\.hidden).map { "\($0.name) \($0.type) HIDDEN -- \($0.doc)" })
    }
}

extension Connection {
    /// Registers a scalar function under its declaration: one registration per accepted argument count.
    /// `onRelease` runs once, when SQLite drops the function (the connection closes).
    public func register(_ d: SQLDeclaration, _ body: @escaping ScalarFunction,
                         onRelease: (() -> Void)? = nil) throws {
        guard d.kind == .scalar else { throw SQLError("\(d.name) is not declared as a scalar function") }
        if d.readsFiles, !allowsFileReaders { return }
        for n in d.requiredCount...d.parameters.count {
            try createFunction(d.name, argumentCount: Int32(n), flags: d.functionFlags, body,
                               onRelease: n == d.requiredCount ? onRelease : nil)
        }
        surface?.append(d)
    }

    /// Registers an aggregate function under its declaration.
    public func register<State: AggregateFunction>(_ d: SQLDeclaration, aggregate: State.Type) throws {
        guard d.kind == .aggregate else { throw SQLError("\(d.name) is not declared as an aggregate") }
        if d.readsFiles, !allowsFileReaders { return }
        for n in d.requiredCount...d.parameters.count {
            try createAggregate(d.name, argumentCount: Int32(n), flags: d.functionFlags, state: aggregate)
        }
        surface?.append(d)
    }

    /// Registers a table-valued function or a creatable virtual table under its declaration.
    public func register(_ d: SQLDeclaration, writable: Bool = false,
                         connect: @escaping (Connection, ModuleArguments) throws -> VirtualTable) throws {
        guard d.kind == .tableFunction || d.kind == .virtualTable else {
            throw SQLError("\(d.name) is not declared as a table")
        }
        if d.readsFiles, !allowsFileReaders { return }
        try createModule(VirtualTableModule(
            name: d.name, kind: d.kind == .tableFunction ? .eponymousOnly : .creatable,
            directOnly: d.safety == .directOnly, innocuous: d.safety == .pure, readsFiles: d.readsFiles,
            writable: writable, connect: connect))
        surface?.append(d)
    }
}

/// The declarations registered on one connection, in registration order (for `strata_help`).
public final class SQLSurface {
    public private(set) var declarations: [SQLDeclaration] = []
    public init() {}
    func append(_ d: SQLDeclaration) { declarations.append(d) }
}

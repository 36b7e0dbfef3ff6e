// Table-valued functions: output columns plus HIDDEN parameter columns. `SELECT * FROM f(a, b)` makes SQLite
// offer `a` and `b` as `=` constraints on the hidden columns, in order; this helper turns those into a
// declaration, a plan, and the argument values in `xFilter`.
import CSQLite

/// A required table-function argument absent from one planner call (see `bindParameters`).
public struct MissingArgument: Error {
    public var message: String
    /// The plan number that marks such a plan: xFilter reports `message` (kept in idxStr) for it.
    public static let indexNumber: Int32 = -0x4D49_5353  // "MISS"
}

public struct TableFunctionSignature: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        public var required: Bool
        public init(_ name: String, required: Bool = true) { self.name = name; self.required = required }
    }

    /// The SQL-visible name, used in error messages.
    public var name: String
    /// Output column definitions as they go in `CREATE TABLE`, e.g. `"distance REAL"`. A trailing
    /// `-- comment` documents the column in the schema (SQLite keeps comments in declarations).
    public var columns: [String]
    public var parameters: [Parameter]
    /// HIDDEN output columns, declared after the parameters: SQLite maps `f(a, b)` to the HIDDEN columns in
    /// order, so an output column that `SELECT *` leaves out must come after them.
    public var hiddenColumns: [String]

    public init(name: String, columns: [String], parameters: [Parameter], hiddenColumns: [String] = []) {
        self.name = name
        self.columns = columns
        self.parameters = parameters
        self.hiddenColumns = hiddenColumns
    }

    /// Index of the first parameter column.
    public var firstParameterColumn: Int32 { Int32(columns.count) }

    /// Index of the first HIDDEN output column (after the parameters).
    public var firstHiddenColumn: Int32 { Int32(columns.count + parameters.count) }

    public var declaration: String {
        // Each column is `definition [-- comment]`; a comment must end its line, so the comma goes before it.
        func split(_ col: String) -> (definition: String, comment: String?) {
            guard let r = col.range(of: "--") else { return (col.trimmingWhitespace(), nil) }
            return (col[..<r.lowerBound].trimmingWhitespace(), String(col[r.lowerBound...]))
        }
        var defs = columns.map(split)
        defs += parameters.map { ("\"\($0.name)\" HIDDEN", nil) }
        defs += hiddenColumns.map(split)
        let lines = defs.enumerated().map { i, d in
            "  " + d.definition + (i < defs.count - 1 ? "," : "") + (d.comment.map { "  " + $0 } ?? "")
        }
        return "CREATE TABLE x(\n" + lines.joined(separator: "\n") + "\n)"
    }

    /// Which parameters a plan binds and where the table's own pushdowns may start.
    public struct Binding: Sendable {
        /// Bit i set when parameter i is bound (argument positions follow parameter order).
        public var mask: Int32
        /// The next free 1-based `argvIndex` after the parameters.
        public var nextArgumentIndex: Int32
    }

    /// Marks the `=` constraints on parameter columns as arguments 1...n, in parameter order.
    /// Returns nil when a required parameter is present but not usable in this plan (SQLite will try another).
    /// Throws `MissingArgument` when a required parameter has no constraint at all in this call. That is not
    /// yet an error: SQLite also plans OR-branches (`WHERE a = 1 OR b IS NULL`) with only the branch's own
    /// terms, so the module adapter turns it into a prohibitively expensive plan that fails with the message
    /// only if it is the one executed (the user really left the argument out).
    public func bindParameters(_ info: IndexInfo) throws -> Binding? {
        let all = info.constraints
        var mask: Int32 = 0
        var chosen: [Int: IndexConstraint] = [:]
        var unusableRequired = false
        for (i, p) in parameters.enumerated() {
            let col = firstParameterColumn + Int32(i)
            let onColumn = all.filter { $0.column == col && $0.op == .eq }
            if let usable = onColumn.first(where: { $0.isUsable }) {
                chosen[i] = usable
                mask |= 1 << Int32(i)
            } else if p.required {
                if onColumn.isEmpty { throw MissingArgument(message: missingMessage(i)) }
                unusableRequired = true
            }
        }
        if unusableRequired { return nil }
        var next: Int32 = 1
        for i in parameters.indices {
            if let c = chosen[i] {
                info.use(c, argumentIndex: next, omit: true)
                next += 1
            }
        }
        return Binding(mask: mask, nextArgumentIndex: next)
    }

    private func missingMessage(_ i: Int) -> String {
        let names = parameters.map { $0.required ? $0.name : "[\($0.name)]" }.joined(separator: ", ")
        return "missing argument '\(parameters[i].name)' (usage: \(name)(\(names)))"
    }

    /// The parameter values in `xFilter`, by parameter position (nil when not given), from a binding's mask.
    public func parameterValues(mask: Int32, arguments: SQLArguments) -> [SQLArgument?] {
        var out: [SQLArgument?] = []
        var next = 0
        for i in parameters.indices {
            if mask & (1 << Int32(i)) != 0, next < arguments.count {
                out.append(arguments[next])
                next += 1
            } else {
                out.append(nil)
            }
        }
        return out
    }
}

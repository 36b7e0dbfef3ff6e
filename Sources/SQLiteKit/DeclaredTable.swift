// What every table-valued function shares, written once: its schema from its declaration, the default plan
// (bind the arguments, scan), reading arguments by parameter name with the messages users see, expanding a
// path or glob argument, and a plan format for tables that push constraints down — a readable text for
// EXPLAIN QUERY PLAN followed by a compact code list xFilter decodes (never prose parsed back).
import CSQLite
import StrataCommon

/// A virtual table whose columns and parameters come from an `SQLDeclaration`.
public protocol DeclaredTable: VirtualTable {
    static var sql: SQLDeclaration { get }
}

extension DeclaredTable {
    public var declaration: String { Self.sql.tableSignature.declaration }

    /// The plain plan: arguments bound, everything else left to SQLite, one full read.
    public func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        try TablePlan.fullScan(info, Self.sql)
    }
}

/// How a plan is carried from xBestIndex to xFilter. `idxNum`: bits 0–7 say which parameters are bound
/// (argument order), bits 8–30 are the table's flags. `idxStr`: `readable {codes}` — the codes (one letter
/// each, `a` + code) name the pushed-down constraints in argument order, after the parameters.
public struct TablePlan: Equatable {
    public var parameterMask: Int32
    public var flags: Int32
    public var pushdowns: [UInt8]
    public var readable: String

    public static let flagShift: Int32 = 8

    public init(parameterMask: Int32, flags: Int32 = 0, pushdowns: [UInt8] = [], readable: String = "") {
        self.parameterMask = parameterMask
        self.flags = flags
        self.pushdowns = pushdowns
        self.readable = readable
    }

    /// A plan's flags as stored in idxNum (`flag` is 0-based, below 23).
    public static func flagBit(_ flag: Int32) -> Int32 { 1 << (flag + flagShift) }

    public func write(to info: IndexInfo) {
        info.indexNumber = parameterMask & 0xFF | flags
        if !pushdowns.isEmpty || !readable.isEmpty {
            let codes = String(decoding: pushdowns.map { 0x61 &+ $0 }, as: UTF8.self)
            info.setIndexString(pushdowns.isEmpty ? readable : "\(readable) {\(codes)}")
        }
    }

    public init(indexNumber: Int32, indexString: String?) {
        parameterMask = indexNumber & 0xFF
        flags = indexNumber & ~0xFF
        pushdowns = []
        readable = indexString ?? ""
        guard let s = indexString, s.hasSuffix("}"), let open = s.utf8.lastIndex(of: UInt8(ascii: "{")) else { return }
        let codes = s.utf8[s.utf8.index(after: open)..<s.utf8.index(before: s.utf8.endIndex)]
        pushdowns = codes.map { $0 &- 0x61 }
        readable = String(s[..<open]).trimmingWhitespace()
    }

    public func has(flag: Int32) -> Bool { flags & Self.flagBit(flag) != 0 }

    /// Binds the declaration's parameters and plans one full read.
    public static func fullScan(_ info: IndexInfo, _ d: SQLDeclaration,
                                cost: Double = 1_000_000, rows: Int64 = 100_000) throws -> PlanOutcome {
        guard let binding = try d.tableSignature.bindParameters(info) else { return .unusable }
        info.indexNumber = binding.mask
        info.estimatedCost = cost
        info.estimatedRows = rows
        return .ok
    }
}

/// A table function's arguments in xFilter, by parameter name.
public struct TableArguments {
    public let declaration: SQLDeclaration
    private let values: [SQLArgument?]
    /// Arguments after the parameters: the values of pushed-down constraints, in plan order.
    public let pushed: [SQLArgument]

    public init(_ d: SQLDeclaration, plan: TablePlan, arguments: SQLArguments) {
        declaration = d
        values = d.tableSignature.parameterValues(mask: plan.parameterMask, arguments: arguments)
        let bound = values.compactMap { $0 }.count
        pushed = bound < arguments.count ? (bound..<arguments.count).map { arguments[$0] } : []
    }

    /// From xFilter's plan values directly.
    public init(_ d: SQLDeclaration, indexNumber: Int32, indexString: String?, arguments: SQLArguments) {
        self.init(d, plan: TablePlan(indexNumber: indexNumber, indexString: indexString), arguments: arguments)
    }

    private func index(_ name: String) -> Int? { declaration.parameters.firstIndex { $0.name == name } }

    /// The argument, or nil when it was not given or is NULL.
    public func value(_ name: String) -> SQLArgument? {
        guard let i = index(name), let v = values[i], v.type != .null else { return nil }
        return v
    }

    /// Whether the argument was given at all (NULL included).
    public func isGiven(_ name: String) -> Bool { index(name).map { values[$0] != nil } ?? false }

    /// A text argument; nil when absent or NULL; an error naming the parameter when it is not text.
    public func text(_ name: String) throws -> String? {
        guard let v = value(name) else { return nil }
        guard v.type == .text else { throw SQLError("'\(name)' must be text, not \(v.type.name)") }
        return v.text
    }

    /// A required text argument: NULL is an error naming it (a NULL path is a mistake, not an empty table).
    public func requiredText(_ name: String) throws -> String {
        guard let t = try text(name) else { throw SQLError("'\(name)' is NULL (usage: \(declaration.signature))") }
        return t
    }

    /// The files a path-or-glob argument names, in name order.
    public func paths(_ name: String) throws -> [String] {
        let pattern = try requiredText(name)
        do { return try Glob.expand(pattern) } catch { throw SQLError(error.message) }
    }
}

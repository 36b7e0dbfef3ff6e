// A `.sql` report file: its SQL, the parameters its header declares (`-- @param name = default`, or
// `-- @param name` for one without a default) and the named parameters its statements use. Resolving the
// values given on the command line against those finds every missing or misspelt name before anything runs.
import SQLiteKit
import StrataCommon

public struct Report {
    public struct Parameter: Equatable {
        public var name: String
        /// The default as written (typed like a --param value), or nil when the report requires a value.
        public var defaultValue: String?
        public var line: Int
    }

    public var path: String
    public var sql: String
    public var declared: [Parameter]
    /// Named parameters the statements use, in order of first use.
    public var used: [String]

    public init(path: String, sql: String) {
        self.path = path
        self.sql = sql
        self.declared = Self.declarations(sql)
        self.used = SQLScanner.parameterNames(sql)
    }

    /// `-- @param name = value` lines anywhere in the file (by convention in the header).
    static func declarations(_ sql: String) -> [Parameter] {
        var out: [Parameter] = []
        var lineNumber = 0
        for rawLine in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            while let f = line.first, f == " " || f == "\t" { line.removeFirst() }
            guard line.hasPrefix("--") else { continue }
            line = line.dropFirst(2)
            while let f = line.first, f == " " || f == "\t" { line.removeFirst() }
            guard line.hasPrefix("@param"), line.dropFirst(6).first.map({ $0 == " " || $0 == "\t" }) == true else { continue }
            var rest = String(line.dropFirst(6))
            while let l = rest.last, l == " " || l == "\t" || l == "\r" { rest.removeLast() }
            if let (name, value) = ParameterValue.assignment(rest) {
                out.append(Parameter(name: name.trimmingSpaces(), defaultValue: value, line: lineNumber))
            } else {
                var name = rest.trimmingSpaces()
                if let f = name.first, f == ":" || f == "@" || f == "$" { name.removeFirst() }
                if !name.isEmpty, !name.contains(" ") { out.append(Parameter(name: name, defaultValue: nil, line: lineNumber)) }
            }
        }
        return out
    }

    public enum ResolveError: Error, Equatable {
        case missing([String])
        case unknown([String], known: [String])

        public var message: String {
            switch self {
            case .missing(let names):
                return "missing parameter\(names.count == 1 ? "" : "s") "
                    + names.map { $0 }.joined(separator: ", ")
                    + " (give " + names.map { "--param \($0)=VALUE" }.joined(separator: " ") + ")"
            case .unknown(let names, let known):
                return "unknown parameter\(names.count == 1 ? "" : "s") " + names.joined(separator: ", ")
                    + (known.isEmpty ? " (the report takes none)" : " (the report takes " + known.joined(separator: ", ") + ")")
            }
        }
    }

    /// All parameter names the report knows: declared ones first, then those only used.
    public var knownNames: [String] {
        var names = declared.map(\.name)
        for u in used where !names.contains(u) { names.append(u) }
        return names
    }

    /// The value of every parameter: given on the command line, else the declared default. Throws listing
    /// every parameter that has neither, or every given name the report does not know.
    public func resolve(given: [(name: String, value: String)]) throws -> [String: SQLValue] {
        let known = knownNames
        let unknown = given.map(\.name).filter { !known.contains($0) }
        if !unknown.isEmpty { throw ResolveError.unknown(unknown, known: known) }
        var values: [String: SQLValue] = [:]
        for p in declared { if let d = p.defaultValue { values[p.name] = ParameterValue.parse(d) } }
        for g in given { values[g.name] = ParameterValue.parse(g.value) }
        let missing = known.filter { values[$0] == nil }
        if !missing.isEmpty { throw ResolveError.missing(missing) }
        return values
    }
}

extension String {
    func trimmingSpaces() -> String { trimming { $0 == " " || $0 == "\t" || $0 == "\r" } }
}

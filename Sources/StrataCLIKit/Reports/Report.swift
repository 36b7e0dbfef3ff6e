// A `.sql` report file: its SQL, the parameters its header declares (`-- @param name = default`, or
// `-- @param name` for one without a default) and the named parameters its statements use. Resolving the
// values given on the command line against those finds every missing or misspelt name before anything runs.
// A parameter declared `(identifier)` — `-- @param docs_table = embeddings (identifier)` — names a table or
// column: SQL cannot bind a name, so its value is written into the SQL as a quoted identifier (`"embeddings"`,
// `"main"."embeddings"`; NULL as the literal NULL, for a column the data lacks), never as raw text.
import SQLiteKit
import StrataCommon
public struct Report {
    public struct Parameter: Equatable {
        public var name: String
        /// The default as written (typed like a --param value), or nil when the report requires a value.
        public var defaultValue: String?
        public var line: Int
        /// Declared `(identifier)`: a table or column name substituted into the SQL, quoted.
        public var isIdentifier = false
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
            let marker = "(identifier)"
            var identifier = false
            if rest.hasSuffix(marker) {
                identifier = true
                rest = String(rest.dropLast(marker.count)).trimmingSpaces()
            }
            if let (name, value) = ParameterValue.assignment(rest) {
                out.append(Parameter(name: name.trimmingSpaces(), defaultValue: value, line: lineNumber, isIdentifier: identifier))
            } else {
                var name = rest.trimmingSpaces()
                if let f = name.first, f == ":" || f == "@" || f == "$" { name.removeFirst() }
                if !name.isEmpty, !name.contains(" ") {
                    out.append(Parameter(name: name, defaultValue: nil, line: lineNumber, isIdentifier: identifier))
                }
            }
        }
        return out
    }

    public enum ResolveError: Error, Equatable {
        case missing([String])
        case unknown([String], known: [String])
        case badIdentifier(String, reason: String)

        public var message: String {
            switch self {
            case .missing(let names):
                return "missing parameter\(names.count == 1 ? "" : "s") "
                    + names.map { $0 }.joined(separator: ", ")
                    + " (give " + names.map { "--param \($0)=VALUE" }.joined(separator: " ") + ")"
            case .unknown(let names, let known):
                return "unknown parameter\(names.count == 1 ? "" : "s") " + names.joined(separator: ", ")
                    + (known.isEmpty ? " (the report takes none)" : " (the report takes " + known.joined(separator: ", ") + ")")
            case .badIdentifier(let name, let reason):
                return "parameter \(name) names a table or column: \(reason)"
            }
        }
    }

    /// All parameter names the report knows: declared ones first, then those only used.
    public var knownNames: [String] {
        var names = declared.map(\.name)
        for u in used where !names.contains(u) { names.append(u) }
        return names
    }

    /// The value of every parameter: given (on the command line, or `.report`'s arguments), else set in the
    /// session (`.param set`), else the declared default. Throws listing every parameter that has none, or
    /// every given name the report does not know. Identifier parameters keep their text as written (a name is
    /// not a number or a date).
    public func resolve(given: [(name: String, value: String)],
                        ambient: [String: SQLValue] = [:]) throws -> [String: SQLValue] {
        let known = knownNames
        let unknown = given.map(\.name).filter { !known.contains($0) }
        if !unknown.isEmpty { throw ResolveError.unknown(unknown, known: known) }
        let identifiers = Set(declared.filter(\.isIdentifier).map(\.name))
        func parse(_ name: String, _ raw: String) -> SQLValue {
            identifiers.contains(name) ? Self.identifierValue(raw) : ParameterValue.parse(raw)
        }
        var values: [String: SQLValue] = [:]
        for p in declared { if let d = p.defaultValue { values[p.name] = parse(p.name, d) } }
        for name in known { if let v = ambient[name] { values[name] = v } }
        for g in given { values[g.name] = parse(g.name, g.value) }
        let missing = known.filter { values[$0] == nil }
        if !missing.isEmpty { throw ResolveError.missing(missing) }
        return values
    }

    /// An identifier parameter's value: `NULL` is NULL, `'x'` the text inside, anything else as written.
    static func identifierValue(_ raw: String) -> SQLValue {
        if raw.uppercased() == "NULL" { return .null }
        if raw.count >= 2, raw.hasPrefix("'"), raw.hasSuffix("'") { return ParameterValue.parse(raw) }
        return .text(raw)
    }

    /// The report's SQL with every identifier parameter written in as a quoted name. Only parameter tokens
    /// are replaced (never text inside strings or comments), and line numbers stay as they were.
    public func preparedSQL(values: [String: SQLValue]) throws -> String {
        let identifiers = Set(declared.filter(\.isIdentifier).map(\.name))
        guard !identifiers.isEmpty else { return sql }
        let b = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count + 64)
        var copied = 0
        var position = 0
        var previous: SQLScanner.Token?
        while let t = SQLScanner.nextToken(b, from: position) {
            position = t.end
            defer { previous = t }
            guard t.kind == .parameter else { continue }
            let name = String(decoding: b[(t.start + 1)..<t.end], as: UTF8.self)
            guard identifiers.contains(name) else { continue }
            // `d.:table`: the report names the schema, so the value must not name another.
            let afterDot = previous.map { $0.kind == .other && $0.end == t.start && b[$0.start] == 0x2E } ?? false
            let quoted = try Self.quotedIdentifier(name, values[name] ?? .null, schemaAllowed: !afterDot)
            out += b[copied..<t.start]
            out += Array(quoted.utf8)
            copied = t.end
        }
        out += b[copied...]
        return String(decoding: out, as: UTF8.self)
    }

    /// `name` → `"name"`, `schema.name` → `"schema"."name"`, `"a.b"` (double-quoted) → `"a.b"`, NULL → NULL.
    static func quotedIdentifier(_ parameter: String, _ value: SQLValue, schemaAllowed: Bool) throws -> String {
        let text: String
        switch value {
        case .null: return "NULL"
        case .text(let t): text = t
        case .integer, .real: text = ValueText.display(value)
        case .blob: throw ResolveError.badIdentifier(parameter, reason: "a name is text, not a blob")
        }
        func quote(_ s: Substring) -> String { "\"" + s.replacingAll("\"", with: "\"\"") + "\"" }
        guard !text.isEmpty, !text.contains(where: { $0.isASCII && $0.asciiValue! < 0x20 }) else {
            throw ResolveError.badIdentifier(parameter, reason: "the name is empty or holds a control character")
        }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") {
            return quote(text.dropFirst().dropLast())
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts.contains(where: \.isEmpty) else {
            throw ResolveError.badIdentifier(parameter, reason: "'\(text)' is not NAME or SCHEMA.NAME (quote a name holding dots: '\"a.b\"')")
        }
        if parts.count == 2 && !schemaAllowed {
            throw ResolveError.badIdentifier(parameter, reason: "the report gives the schema itself; give the name alone, not '\(text)'")
        }
        return parts.map(quote).joined(separator: ".")
    }
}

extension Substring {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

extension String {
    func trimmingSpaces() -> String { trimming { $0 == " " || $0 == "\t" || $0 == "\r" } }
}

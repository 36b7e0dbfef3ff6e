// The shell's dot commands, compatible with sqlite3 where they overlap (.tables, .schema, .mode, .read,
// .output, .param, ...), plus .functions (Strata's SQL surface with one line of help each) and .explain
// (the query plan of a statement as a tree).
import Glibc
import SQLiteKit

extension Session {
    static let helpText = """
        .bail on|off             stop at the first error (batch input)
        .databases               attached databases
        .exit ?CODE?             exit (also .quit)
        .explain SQL             the query plan of SQL, as a tree
        .functions ?PATTERN?     Strata's functions and table functions, with help
        .headers on|off          column names on or off
        .help                    this list
        .indexes ?TABLE?         indexes (of TABLE)
        .load FILE ?ENTRY?       load another SQLite extension
        .mode MODE               box table csv tsv json jsonl markdown html line list bar
        .mode npy FILE           the first column of each result into FILE, as np.save would
        .nullvalue TEXT          text shown for NULL
        .once FILE               send the next result to FILE
        .open FILE               close this database and open FILE
        .output ?FILE?           send results to FILE, or back to the screen
        .param set NAME VALUE    bind :NAME (also: list, unset NAME, clear)
        .quit                    exit
        .read FILE               run the SQL and dot commands in FILE (its @param defaults apply)
        .report FILE ?NAME=VALUE ...?  run a report: headings, tables and charts
        .schema ?PATTERN?        CREATE statements (of matching tables)
        .separator SEP           column separator of list mode
        .show                    current settings
        .tables ?PATTERN?        tables and views (matching a LIKE pattern)
        .timeout MS              wait up to MS for a locked database
        .timer on|off            time each statement

        """

    /// Runs one dot command; false when it failed (the error is already reported).
    func dotCommand(_ line: String, source: String?, line lineNumber: Int) -> Bool {
        let args = Self.splitArguments(String(line.dropFirst()))
        guard let name = args.first else { return fail("empty dot command", source, lineNumber) }
        let rest = Array(args.dropFirst())
        func on(_ i: Int) -> Bool? {
            guard i < rest.count else { return nil }
            switch rest[i].lowercased() {
            case "on", "yes", "true", "1": return true
            case "off", "no", "false", "0": return false
            default: return nil
            }
        }
        switch name {
        case "help":
            output.write(Self.helpText)
        case "quit", "exit", "q":
            requestQuit(code: rest.first.flatMap { Int32($0) })
        case "bail":
            guard let v = on(0) else { return fail("usage: .bail on|off", source, lineNumber) }
            bail = v
        case "headers", "header":
            guard let v = on(0) else { return fail("usage: .headers on|off", source, lineNumber) }
            settings.headers = v
        case "timer":
            guard let v = on(0) else { return fail("usage: .timer on|off", source, lineNumber) }
            timer = v
        case "mode":
            guard let m = rest.first.flatMap({ OutputMode(name: $0) }) else {
                if rest.isEmpty { output.write("current output mode: \(settings.mode.rawValue)\n"); return true }
                return fail("unknown mode '\(rest[0])' (modes: \(OutputMode.names))", source, lineNumber)
            }
            if m == .npy {
                guard rest.count >= 2 else { return fail("usage: .mode npy FILE (np.load reads what it writes)", source, lineNumber) }
                settings.npyPath = rest[1]
            }
            settings.mode = m
            if m == .csv && rest.count < 2 { settings.separator = "," }
            if m == .list && settings.separator == "," { settings.separator = "|" }
        case "separator":
            guard let s = rest.first else { return fail("usage: .separator SEP", source, lineNumber) }
            settings.separator = Self.unescape(s)
        case "nullvalue":
            settings.nullText = rest.first ?? ""
        case "show":
            output.write("""
                     mode: \(settings.mode.rawValue)
                  headers: \(settings.showHeaders ? "on" : "off")
                separator: "\(settings.separator)"
                nullvalue: "\(settings.nullText)"
                    timer: \(timer ? "on" : "off")
                     bail: \(bail ? "on" : "off")
                 database: \(connection.fileName().isEmpty ? ":memory:" : connection.fileName())

                """)
        case "timeout":
            guard let ms = rest.first.flatMap({ Int32($0) }), ms >= 0 else { return fail("usage: .timeout MS", source, lineNumber) }
            connection.setBusyTimeout(milliseconds: ms)
        case "tables":
            return tables(pattern: rest.first, source, lineNumber)
        case "schema":
            return schema(pattern: rest.first, source, lineNumber)
        case "indexes", "indices":
            return query("""
                SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name LIKE :p ORDER BY name
                """, ["p": .text(rest.first ?? "%")], mode: .list, source, lineNumber)
        case "databases":
            return query("SELECT name, file FROM pragma_database_list ORDER BY seq", [:], mode: .list, source, lineNumber, separator: ": ")
        case "functions":
            return functions(pattern: rest.first, source, lineNumber)
        case "explain":
            let sql = line.drop { $0 == " " }.dropFirst(".explain".count)
            return explain(String(sql), source, lineNumber)
        case "read":
            guard let path = rest.first else { return fail("usage: .read FILE", source, lineNumber) }
            return readFile(path, source, lineNumber)
        case "report":
            guard let path = rest.first else { return fail("usage: .report FILE ?NAME=VALUE ...?", source, lineNumber) }
            return report(path, arguments: Array(rest.dropFirst()), source, lineNumber)
        case "output":
            if let path = rest.first { return redirect(to: path, once: false) }
            endRedirection()
        case "once":
            guard let path = rest.first else { return fail("usage: .once FILE", source, lineNumber) }
            return redirect(to: path, once: true)
        case "open":
            let readOnlyFlag = rest.contains("--readonly")
            guard let path = rest.first(where: { !$0.hasPrefix("--") }) else { return fail("usage: .open FILE", source, lineNumber) }
            do {
                let c = try host.open(path: path, readOnly: readOnlyFlag || readOnly)
                replaceConnection(with: c)
            } catch {
                return fail(SQLError.from(error).message, source, lineNumber)
            }
        case "load":
            guard let path = rest.first else { return fail("usage: .load FILE ?ENTRY?", source, lineNumber) }
            do {
                try host.loadExtension(connection, path: path, entryPoint: rest.count > 1 ? rest[1] : nil)
                completionCache = nil
            } catch {
                return fail(SQLError.from(error).message, source, lineNumber)
            }
        case "param", "parameter":
            return param(rest, source, lineNumber)
        default:
            return fail("unknown command .\(name) (see .help)", source, lineNumber)
        }
        return true
    }

    /// `.read FILE`: runs its SQL and dot commands. A file that declares `-- @param`s gets their defaults for
    /// names the session has not set (for this run only) and its identifier parameters written in; a name used
    /// with no value anywhere stops it before anything runs, naming every such parameter.
    private func readFile(_ path: String, _ source: String?, _ lineNumber: Int) -> Bool {
        let text: String
        switch App.readFile(path) {
        case .success(let t): text = t
        case .failure(let e): return fail("\(path): \(e.message)", source, lineNumber)
        }
        // SQL lines only: dot commands are not SQL, and `.param set NAME` there provides NAME.
        var sqlLines: [Substring] = []
        var setInFile = Set<String>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix(".") {
                let words = Self.splitArguments(String(trimmed.dropFirst()))
                if words.count >= 2, words[0] == "param" || words[0] == "parameter", words[1] == "set", words.count >= 3 {
                    var name = words[2]
                    if let f = name.first, f == ":" || f == "@" || f == "$" { name.removeFirst() }
                    setInFile.insert(name)
                }
                sqlLines.append("")
            } else {
                sqlLines.append(line)
            }
        }
        var report = Report(path: path, sql: sqlLines.joined(separator: "\n"))
        report.used = report.used.filter { !setInFile.contains($0) && !($0.first?.isNumber ?? false) }
        let values: [String: SQLValue]
        do {
            values = try report.resolve(given: [], ambient: parameters)
        } catch {
            return fail("\(path): " + ((error as? Report.ResolveError)?.message ?? "\(error)"), source, lineNumber)
        }
        var toRun = text
        if report.declared.contains(where: \.isIdentifier) {
            do {
                toRun = try Report(path: path, sql: text).preparedSQL(values: values)
            } catch {
                return fail("\(path): " + ((error as? Report.ResolveError)?.message ?? "\(error)"), source, lineNumber)
            }
        }
        let saved = parameters
        for (k, v) in values where parameters[k] == nil { parameters[k] = v }
        let before = failures
        process(MemoryLineReader(toRun), source: path)
        // Defaults applied for this file only; what the file set with .param set stays, as in sqlite3.
        for (k, _) in values where saved[k] == nil && !setInFile.contains(k) { parameters[k] = nil }
        return failures == before
    }

    /// `.report FILE [NAME=VALUE ...]`: runs a report as `strata run` does — values given here, else set with
    /// `.param set`, else the report's defaults; unknown or missing names stop it — and prints it: text with
    /// charts, or markdown, html, csv or json when that is the output mode.
    private func report(_ path: String, arguments: [String], _ source: String?, _ lineNumber: Int) -> Bool {
        var given: [(name: String, value: String)] = []
        for a in arguments {
            guard let (n, v) = ParameterValue.assignment(a) else {
                return fail("usage: .report FILE ?NAME=VALUE ...? ('\(a)' is not NAME=VALUE)", source, lineNumber)
            }
            given.append((n, v))
        }
        let text: String
        switch App.readFile(path) {
        case .success(let t): text = t
        case .failure(let e): return fail("\(path): \(e.message)", source, lineNumber)
        }
        let report = Report(path: path, sql: text)
        let values: [String: SQLValue]
        let sql: String
        do {
            values = try report.resolve(given: given, ambient: parameters)
            sql = try report.preparedSQL(values: values)
        } catch {
            return fail("\(path): " + ((error as? Report.ResolveError)?.message ?? "\(error)"), source, lineNumber)
        }
        let format: ReportFormat
        switch settings.mode {
        case .markdown: format = .markdown
        case .html: format = .html
        case .csv: format = .csv
        case .json, .jsonl: format = .json
        default: format = .text
        }
        let collector = ReportCollector()
        let failed = runCollecting(sql, source: path, values: values, observer: collector)
        var doc = collector.document
        doc.source = path
        doc.parameters = report.knownNames.map { ($0, values[$0] ?? .null) }
        var rendered = format.render(doc, width: redirected ? nil : terminalWidth?())
        if output.isTerminal { rendered = TextWidth.visibleControls(rendered) }
        output.write(rendered)
        output.flush()
        return failed == 0
    }

    private func fail(_ message: String, _ source: String?, _ line: Int) -> Bool {
        output.flush()
        reportError("strata: " + ScriptError(source: source, line: line, message: message).located)
        return false
    }

    /// Runs a query for a dot command and prints it in `mode`.
    private func query(_ sql: String, _ bindings: [String: SQLValue], mode: OutputMode, _ source: String?, _ line: Int,
                       separator: String = "|") -> Bool {
        do {
            let st = try connection.prepare(sql)
            for i in 0..<st.parameterCount {
                if let n = st.parameterName(i + 1), let v = bindings[String(n.dropFirst())] { try st.bind(v, at: i + 1) }
            }
            var s = settings
            s.mode = mode
            s.headers = mode == .list ? false : true
            s.separator = separator
            let printer = ResultPrinter(settings: s, output: output)
            printer.begin(columns: (0..<st.columnCount).map { st.columnName($0) })
            while try st.step() { printer.row((0..<st.columnCount).map { st.value(at: $0) }) }
            printer.end()
            return true
        } catch {
            return fail(SQLError.from(error).message, source, line)
        }
    }

    private func rows(_ sql: String, _ bindings: [SQLValue] = []) throws -> [[SQLValue]] {
        let st = try connection.prepare(sql)
        try st.bind(bindings)
        var out: [[SQLValue]] = []
        while try st.step() { out.append((0..<st.columnCount).map { st.value(at: $0) }) }
        return out
    }

    private func tables(pattern: String?, _ source: String?, _ line: Int) -> Bool {
        do {
            var names: [String] = []
            for db in try rows("SELECT name FROM pragma_database_list ORDER BY seq") {
                guard case .text(let schema) = db.first ?? .null else { continue }
                let quoted = "\"" + schema.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
                let found = try rows("SELECT name FROM \(quoted).sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' AND name LIKE ?1 ORDER BY name",
                                     [.text(pattern ?? "%")])
                for r in found {
                    if case .text(let n) = r.first ?? .null { names.append(schema == "main" ? n : schema + "." + n) }
                }
            }
            output.write(Self.columns(names, width: settings.width ?? 80))
            return true
        } catch {
            return fail(SQLError.from(error).message, source, line)
        }
    }

    /// Names laid out in columns, as sqlite3's .tables does.
    static func columns(_ names: [String], width: Int) -> String {
        guard !names.isEmpty else { return "" }
        let w = (names.map { TextWidth.of($0) }.max() ?? 0) + 2
        let perLine = max(1, width / max(1, w))
        let lines = (names.count + perLine - 1) / perLine
        var out = ""
        for i in 0..<lines {
            var s = ""
            var j = i
            while j < names.count {
                s += TextWidth.pad(names[j], to: w)
                j += lines
            }
            while s.hasSuffix(" ") { s.removeLast() }
            out += s + "\n"
        }
        return out
    }

    private func schema(pattern: String?, _ source: String?, _ line: Int) -> Bool {
        do {
            let found = try rows("""
                SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND (tbl_name LIKE ?1 OR name LIKE ?1)
                ORDER BY tbl_name, type DESC, name
                """, [.text(pattern ?? "%")])
            for r in found { if case .text(let sql) = r.first ?? .null { output.write(sql + ";\n") } }
            return true
        } catch {
            return fail(SQLError.from(error).message, source, line)
        }
    }

    /// Strata's SQL surface (from `strata_help`, where each name is declared once), plus any other name SQLite
    /// itself does not have (another extension's), without help.
    private func functions(pattern: String?, _ source: String?, _ line: Int) -> Bool {
        do {
            let builtin = host.builtinFunctionNames()
            var entries: [String: (kind: String, help: String)] = [:]
            for r in try rows("SELECT DISTINCT name, type FROM pragma_function_list") {
                guard case .text(let n) = r[0], !builtin.contains(n) else { continue }
                if case .text(let t) = r[1] { entries[n] = (t == "a" ? "aggregate" : (t == "w" ? "window" : "function"), "") }
            }
            for r in try rows("SELECT name FROM pragma_module_list") {
                guard case .text(let n) = r[0], !builtin.contains(n) else { continue }
                entries[n] = ("table", "")
            }
            if entries["strata_help"] != nil {
                for r in try rows("SELECT name, kind, help FROM strata_help") {
                    guard case .text(let n) = r[0], case .text(let k) = r[1], case .text(let h) = r[2] else { continue }
                    entries[n] = (k, h)
                }
            }
            let like = pattern.map { $0.lowercased() }
            let names = entries.keys.sorted().filter { n in like.map { Self.like(n, $0) } ?? true }
            let r = ResultSet(columns: ["name", "kind", "help"],
                              rows: names.map { [.text($0), .text(entries[$0]?.kind ?? ""), .text(entries[$0]?.help ?? "")] })
            var s = settings
            s.mode = settings.mode == .list ? .list : .box
            s.headers = true
            output.write(ResultPrinter.render(r, settings: s))
            return true
        } catch {
            return fail(SQLError.from(error).message, source, line)
        }
    }

    /// A LIKE-style match with `%` and `_`, or a plain substring when the pattern has neither.
    static func like(_ s: String, _ pattern: String) -> Bool {
        if !pattern.contains("%") && !pattern.contains("_") { return s.contains(pattern) }
        let a = Array(s), p = Array(pattern)
        func m(_ i: Int, _ j: Int) -> Bool {
            if j == p.count { return i == a.count }
            if p[j] == "%" { return (i...a.count).contains { m($0, j + 1) } }
            return i < a.count && (p[j] == "_" || p[j] == a[i]) && m(i + 1, j + 1)
        }
        return m(0, 0)
    }

    /// `EXPLAIN QUERY PLAN` drawn as a tree.
    private func explain(_ sql: String, _ source: String?, _ line: Int) -> Bool {
        let text = sql.trimmingSpaces()
        guard !text.isEmpty else { return fail("usage: .explain SQL", source, line) }
        do {
            let st = try connection.prepare("EXPLAIN QUERY PLAN " + text)
            var nodes: [(id: Int64, parent: Int64, detail: String)] = []
            while try st.step() {
                nodes.append((st.int64(at: 0), st.int64(at: 1), st.text(at: 3)))
            }
            output.write("QUERY PLAN\n" + Self.planTree(nodes))
            return true
        } catch {
            return fail(SQLError.from(error).message, source, line)
        }
    }

    static func planTree(_ nodes: [(id: Int64, parent: Int64, detail: String)]) -> String {
        var out = ""
        func draw(_ parent: Int64, _ indent: String) {
            let children = nodes.filter { $0.parent == parent }
            for (i, c) in children.enumerated() {
                let last = i == children.count - 1
                out += indent + (last ? "└── " : "├── ") + c.detail + "\n"
                if c.id != parent { draw(c.id, indent + (last ? "    " : "│   ")) }
            }
        }
        draw(0, "")
        return out
    }

    private func param(_ args: [String], _ source: String?, _ line: Int) -> Bool {
        switch args.first ?? "list" {
        case "set":
            guard args.count >= 3 else { return fail("usage: .param set NAME VALUE", source, line) }
            var name = args[1]
            if let f = name.first, f == ":" || f == "@" || f == "$" { name.removeFirst() }
            parameters[name] = ParameterValue.parse(args[2...].joined(separator: " "))
        case "unset":
            guard args.count >= 2 else { return fail("usage: .param unset NAME", source, line) }
            var name = args[1]
            if let f = name.first, f == ":" || f == "@" || f == "$" { name.removeFirst() }
            parameters[name] = nil
        case "clear", "init":
            parameters = [:]
        case "list":
            for (k, v) in parameters.sorted(by: { $0.key < $1.key }) {
                let shown: String
                switch v {
                case .text(let t): shown = "'" + t.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
                case .null: shown = "NULL"
                default: shown = ValueText.display(v)
                }
                output.write(":\(k) = \(shown)\n")
            }
        default:
            return fail("usage: .param set|unset|list|clear", source, line)
        }
        return true
    }

    /// Splits a dot command's arguments on spaces; single or double quotes group words.
    static func splitArguments(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for c in s {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { out.append(current); current = ""; inWord = false }
            } else {
                current.append(c)
                inWord = true
            }
        }
        if inWord { out.append(current) }
        return out
    }

    /// `\t`, `\n` and `\\` in .separator arguments.
    static func unescape(_ s: String) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                switch c {
                case "t": out.append("\t")
                case "n": out.append("\n")
                default: out.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}

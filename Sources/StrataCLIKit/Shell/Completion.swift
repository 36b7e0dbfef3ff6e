// Tab completion for the shell: dot commands and their arguments at the start of a line, and in SQL the
// keywords, table and column names of the open database (refreshed when its schema changes) and every
// function name, Strata's included; file names after `.read`/`.open`/... and inside a quoted string in SQL
// (`read_log('/var/lo` ⇥), directories ending in `/` so completion can go on into them. Pure string work over
// a snapshot of names and a directory lister, so it is unit-testable.
import SQLiteKit

public struct CompletionNames: Sendable {
    public var tables: [String] = []
    /// Column names by lower-cased table name.
    public var columns: [String: [String]] = [:]
    public var functions: [String] = []
    /// The entries of a directory (name, is a directory), or nil when it cannot be read.
    public var listDirectory: @Sendable (String) -> [(name: String, isDirectory: Bool)]? = { _ in nil }
    public init() {}
}

public enum Completion {
    public static let dotCommands = ["bail", "databases", "exit", "explain", "functions", "headers", "help", "indexes",
                                     "load", "mode", "nullvalue", "once", "open", "output", "param", "quit", "read",
                                     "report", "schema", "separator", "show", "tables", "timeout", "timer"]

    /// Candidates for `word`, the text being completed; `before` is the line up to the word.
    /// Nil means "complete a file name" (after .open, .read, .load, .output, .once, .report).
    public static func candidates(before: String, word: String, names: CompletionNames) -> [String]? {
        let trimmed = before.drop { $0 == " " || $0 == "\t" }
        if trimmed.hasPrefix(".") || (trimmed.isEmpty && word.hasPrefix(".")) {
            return dotCandidates(before: String(trimmed), word: word)
        }
        // Inside a string literal: a path (`read_log('logs/` ⇥), the string closed after a file.
        if before.filter({ $0 == "'" }).count % 2 == 1 {
            return files(word, names: names, closing: "'")
        }
        // table.column
        if let dot = word.lastIndex(of: ".") {
            let table = word[..<dot].lowercased().trimmingCharacters("\"")
            let prefix = String(word[word.index(after: dot)...])
            let cols = names.columns[table] ?? []
            return cols.filter { $0.lowercased().hasPrefix(prefix.lowercased()) }.map { String(word[...dot]) + $0 }.sorted()
        }
        let lowerWord = word.lowercased()
        guard !lowerWord.isEmpty else { return [] }
        var out: [String] = []
        var seen = Set<String>()
        func add(_ s: String) {
            if s.lowercased().hasPrefix(lowerWord), seen.insert(s.lowercased()).inserted { out.append(s) }
        }
        let upper = word.first.map { $0.isUppercase } ?? false
        for k in SQLKeywords.all { add(upper ? k : k.lowercased()) }
        for t in names.tables { add(t) }
        // Columns of tables named in the line first, then all columns.
        let mentioned = Set(words(before).map { $0.lowercased() })
        for (t, cols) in names.columns.sorted(by: { $0.key < $1.key }) where mentioned.contains(t) { cols.forEach(add) }
        for (_, cols) in names.columns.sorted(by: { $0.key < $1.key }) { cols.forEach(add) }
        for f in names.functions { add(f + "(") }
        return out.sorted { $0.lowercased() < $1.lowercased() }
    }

    static func dotCandidates(before: String, word: String) -> [String]? {
        let parts = before.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if parts.isEmpty {
            let w = word.hasPrefix(".") ? String(word.dropFirst()) : word
            return dotCommands.filter { $0.hasPrefix(w) }.map { "." + $0 }
        }
        let command = String(parts[0].dropFirst())
        switch command {
        case "mode": return OutputMode.allCases.map(\.rawValue).filter { $0.hasPrefix(word) }
        case "headers", "timer", "bail": return ["on", "off"].filter { $0.hasPrefix(word) }
        case "param": return parts.count == 1 ? ["set", "list", "clear", "unset"].filter { $0.hasPrefix(word) } : []
        case "open", "read", "load", "output", "once": return nil
        case "report": return parts.count == 1 ? nil : []
        default: return []
        }
    }

    /// Paths starting with `word`: entries of its directory, directories with a `/` (completion goes on into
    /// them), files followed by `closing`. Hidden entries only when the name being typed starts with a dot.
    public static func files(_ word: String, names: CompletionNames, closing: String = "") -> [String] {
        let slash = word.lastIndex(of: "/")
        let directory = slash.map { String(word[...$0]) } ?? ""
        let partial = slash.map { String(word[word.index(after: $0)...]) } ?? word
        guard let entries = names.listDirectory(directory.isEmpty ? "." : directory) else { return [] }
        return entries
            .filter { $0.name != "." && $0.name != ".." && $0.name.hasPrefix(partial) && (partial.hasPrefix(".") || !$0.name.hasPrefix(".")) }
            .map { directory + $0.name + ($0.isDirectory ? "/" : closing) }
            .sorted()
    }

    static func words(_ s: String) -> [String] {
        s.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init)
    }
}

extension String {
    func trimmingCharacters(_ c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s)
    }
}

/// SQLite's keywords, for completion.
public enum SQLKeywords {
    public static let all: [String] = """
        ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BY \
        CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE \
        CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP \
        EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM \
        FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT \
        INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING \
        NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY \
        RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK \
        ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION \
        UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT
        """.split(separator: " ").map(String.init)
}

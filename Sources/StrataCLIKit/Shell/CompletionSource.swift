// Where completion gets its names: the open database's tables and columns (all attached schemas) and its
// function names, read once and again only when the schema changes.
import SQLiteKit

extension Session {
    /// Completion candidates for `word`, with `before` the line up to it; nil asks for file names.
    public func complete(before: String, word: String) -> [String]? {
        Completion.candidates(before: before, word: word, names: completionNames())
    }

    func completionNames() -> CompletionNames {
        let version: Int64
        if case .integer(let v)? = try? connection.scalar("PRAGMA schema_version") { version = v } else { version = -1 }
        if let cached = completionCache, cached.version == version { return cached.names }
        var names = CompletionNames()
        if let st = try? connection.prepare("""
            SELECT m.name, p.name FROM sqlite_schema AS m LEFT JOIN pragma_table_info(m.name) AS p
            WHERE m.type IN ('table', 'view') ORDER BY m.name, p.cid
            """) {
            while (try? st.step()) == true {
                let table = st.text(at: 0)
                if names.tables.last != table { names.tables.append(table) }
                if st.type(at: 1) != .null { names.columns[table.lowercased(), default: []].append(st.text(at: 1)) }
            }
        }
        if let st = try? connection.prepare("SELECT DISTINCT name FROM pragma_function_list UNION SELECT name FROM pragma_module_list ORDER BY 1") {
            while (try? st.step()) == true { names.functions.append(st.text(at: 0)) }
        }
        completionCache = (version, names)
        return names
    }
}

// The Files readers through SQL in a real SQLite connection (Strata registered as the CLI registers it):
// rows, declared columns, pushdown, flags and error messages. NumPy-made files are in the integration tests.
import Foundation
import SQLiteKit
import StrataTestSupport
import Testing
@testable import Files

@Suite struct FilesSQLTests {
    func quoted(_ path: String) -> String { "'" + path.replacingOccurrences(of: "'", with: "''") + "'" }

    @Test func readNpyOfWriterOutput() throws {
        let path = try tempFile("v.npy", [])
        let w = try NpyWriter(path: path, kind: .float32Rows)
        for i in 0..<50 { try [Float(i), -Float(i), 0.5].withUnsafeBufferPointer { try w.append(row: $0) } }
        try w.finish()
        let db = try TestDatabase()
        #expect(try db.value("select count(*) from read_npy(\(quoted(path)))") == .integer(50))
        #expect(try db.value("select vec_to_json(vector) from read_npy(\(quoted(path))) where i = 7") == .text("[7.0,-7.0,0.5]"))
        #expect(try db.rows("select i from read_npy(\(quoted(path))) where i between 10 and 12") ==
                [[.integer(10)], [.integer(11)], [.integer(12)]])
        #expect(try db.value("select value from read_npy(\(quoted(path))) limit 1") == .null)
        let plan = try db.rows("explain query plan select * from read_npy(\(quoted(path))) where i >= 3 and i < 5")
        #expect(plan.contains { $0.last?.description.contains("i>=? AND i<?") == true })
    }

    @Test func jsonlAndCsvThroughSQL() throws {
        let jl = try tempFile("p.jsonl", "{\"_id\": {\"$oid\": \"ab\"}, \"n\": {\"$numberLong\": \"9007199254740993\"}, \"x\": 1.5}\n{\"x\": 2}\n")
        let db = try TestDatabase()
        #expect(try db.rows("select line, doc ->> '$._id', doc ->> '$.n' from read_jsonl(\(quoted(jl)))") ==
                [[.integer(1), .text("ab"), .integer(9_007_199_254_740_993)], [.integer(2), .null, .null]])
        try db.execute("create virtual table p using jsonl(\(quoted(jl)))")
        #expect(try db.rows("select name, type from pragma_table_info('p')") ==
                [[.text("_id"), .text("TEXT")], [.text("n"), .text("INTEGER")], [.text("x"), .text("REAL")]])
        #expect(try db.rows("select n, x from p") == [[.integer(9_007_199_254_740_993), .real(1.5)], [.null, .real(2)]])

        let csv = try tempFile("r.csv", "a,b\r\n1,\"x\"\"y\"\r\n,\"\"\r\n")
        #expect(try db.rows("select line, row from read_csv(\(quoted(csv)))") ==
                [[.integer(2), .text("{\"a\":1,\"b\":\"x\\\"y\"}")], [.integer(3), .text("{\"a\":null,\"b\":\"\"}")]])
        try db.execute("create virtual table r using csv_file(\(quoted(csv)), header=true)")
        #expect(try db.rows("select a, b from r") == [[.integer(1), .text("x\"y")], [.null, .text("")]])
    }

    @Test func errorsNameTheReader() throws {
        let db = try TestDatabase()
        #expect(db.error("select * from read_npy('/nonexistent/x.npy')") == "read_npy: cannot open '/nonexistent/x.npy': No such file or directory")
        #expect(db.error("select * from read_jsonl('/nonexistent/*.jsonl')") == "read_jsonl: no files match '/nonexistent/*.jsonl'")
        #expect(db.error("select * from read_csv()")?.hasPrefix("read_csv: missing argument 'files'") == true)
        #expect(db.error("select * from read_npz(null)") == "read_npz: path must be a file path (text)")
        #expect(db.error("create virtual table x using jsonl()") == "jsonl: usage: CREATE VIRTUAL TABLE t USING jsonl('file.jsonl' [, sample=N])")
        #expect(db.error("create virtual table read_npy using read_npy('x')")?.contains("read_npy") == true)
        let bad = try tempFile("b.jsonl", "{\"a\": 1}\n{oops}\n")
        #expect(db.error("select count(*) from read_jsonl(\(quoted(bad)))") == "read_jsonl: '\(bad)' line 2: expected a string key at column 2")
    }

    @Test func readersAreDirectOnly() throws {
        let path = try tempFile("d.jsonl", "{\"a\": 1}\n")
        let db = try TestDatabase()
        try db.execute("create view v as select * from read_jsonl(\(quoted(path)))")
        #expect(db.error("select * from v")?.contains("unsafe use of") == true)
    }
}

// SQLScanner against SQLite's own sqlite3_complete (the oracle), and its parameter and heading scans.
import SQLiteKit
import StrataTestSupport
import Testing
@testable import StrataCLIKit

@Suite struct ScannerTests {
    static let samples = [
        "select 1;", "select 1", "select ';'", "select ';';", "select 1; -- trailing comment", "select 1 -- ;",
        "/* ; */ select 1", "/* ; */ select 1;", "select \"a;b\" from t;", "select [x;y];", "select `q;`;",
        "create trigger t after insert on x begin select 1; end;", "create trigger t after insert on x begin select 1;",
        "create temp trigger t after insert on x begin insert into y values(1); select 2; end;",
        "create table t(a); create trigger q before delete on t begin select 1;",
        "select 'it''s';", "select 'unterminated;", "select 1;\n  \n", ";", "  ", "", "-- only a comment",
        "select 1; select 2", "select 1; select 2;", "create table trigger_log(x);", "select * from a /* x ; */;",
    ]

    @Test func completenessMatchesSQLite() throws {
        _ = try TestDatabase()  // sets the api table that Connection.isCompleteStatement calls through
        for sql in Self.samples {
            #expect(SQLScanner.isComplete(sql) == Connection.isCompleteStatement(sql), "\(sql)")
        }
    }

    @Test func statementEndSkipsTriggerBodies() {
        let sql = Array("create trigger t after insert on x begin select 1; select 2; end; select 3;".utf8)
        let (end, terminated) = SQLScanner.statementEnd(sql, from: 0)
        #expect(terminated)
        #expect(String(decoding: sql[..<end], as: UTF8.self).hasSuffix("end;"))
    }

    @Test func parameterNamesSkipStringsAndComments() {
        let sql = "select :a, @b, $c, ':x', \":y\" -- :z\n /* :w */ , :a, ?1, ? from t where k = :d_2;"
        #expect(SQLScanner.parameterNames(sql) == ["a", "b", "c", "d_2"])
    }

    @Test func headingsComeFromCommentLines() {
        let sql = Array("-- # Title\n-- plain comment\n--## Section two  \n-- #not a heading\n select 1".utf8)
        let (end, headings) = SQLScanner.skipTrivia(sql, from: 0)
        #expect(headings == [.init(level: 1, text: "Title"), .init(level: 2, text: "Section two")])
        #expect(String(decoding: sql[end...], as: UTF8.self) == "select 1")
    }
}

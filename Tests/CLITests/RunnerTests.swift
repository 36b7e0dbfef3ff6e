// The statement runner on a real connection: line numbers of failures, --bail, parameters, report
// headings, and the completion candidates the shell offers.
import SQLiteKit
import StrataTestSupport
import Testing
@testable import StrataCLIKit

final class Recorder: ResultObserver {
    var events: [String] = []
    func heading(_ h: SQLScanner.Heading) { events.append("h\(h.level) \(h.text)") }
    func begin(columns: [String]) { events.append("begin " + columns.joined(separator: ",")) }
    func row(_ values: [SQLValue]) { events.append("row " + values.map(\.description).joined(separator: ",")) }
    func end() { events.append("end") }
}

@Suite struct RunnerTests {
    @Test func failuresCarryTheirLine() throws {
        let db = try TestDatabase()
        let runner = StatementRunner(connection: db.connection)
        var errors: [ScriptError] = []
        runner.onError = { errors.append($0) }
        let rec = Recorder()
        let sql = "select 1;\n\nselect nope;\n-- comment\n  selec 2;\nselect 3;"
        let failures = runner.run(sql, source: "x.sql", observer: rec)
        #expect(failures == 2)
        #expect(errors.map(\.line) == [3, 5])
        #expect(errors[0].located == "x.sql:3: no such column: nope")
        #expect(rec.events.filter { $0.hasPrefix("row") } == ["row 1", "row 3"])
    }

    @Test func bailStopsAtTheFirstFailure() throws {
        let db = try TestDatabase()
        let runner = StatementRunner(connection: db.connection)
        runner.bail = true
        let rec = Recorder()
        #expect(runner.run("select 1; select nope; select 3;", source: nil, observer: rec) == 1)
        #expect(runner.stopped)
        #expect(rec.events.filter { $0.hasPrefix("row") } == ["row 1"])
    }

    @Test func parametersBindByName() throws {
        let db = try TestDatabase()
        let runner = StatementRunner(connection: db.connection)
        runner.parameters = ["a": .integer(2), "b": .text("x"), "c": .null, "?5": .real(1.5)]
        let rec = Recorder()
        runner.run("select :a * 10, @b, $c, ?5;", source: nil, observer: rec)
        #expect(rec.events.contains("row 20,x,NULL,1.5"))
    }

    @Test func unboundParametersAreAnErrorNamingThem() throws {
        let db = try TestDatabase()
        let runner = StatementRunner(connection: db.connection)
        runner.parameters = ["a": .integer(2)]
        var errors: [ScriptError] = []
        runner.onError = { errors.append($0) }
        let rec = Recorder()
        #expect(runner.run("select :a, :lang, @since;", source: nil, observer: rec) == 1)
        #expect(errors.map(\.message) == ["no values for parameters :lang, @since (give --param lang=VALUE --param since=VALUE, or in the shell .param set lang VALUE)"])
        #expect(rec.events.isEmpty)
    }

    @Test func headingsShowParameterValuesAndChartsReachTheObserver() throws {
        final class Charts: ResultObserver {
            var events: [String] = []
            func heading(_ h: SQLScanner.Heading) { events.append(h.text) }
            func begin(columns: [String]) {}
            func row(_ values: [SQLValue]) {}
            func end() { events.append("end") }
            func chart(_ c: SQLScanner.ChartChoice) { events.append("chart \(c.rawValue)") }
        }
        let db = try TestDatabase()
        let runner = StatementRunner(connection: db.connection)
        runner.parameters = ["lang": .text("en"), "n": .integer(3)]
        let rec = Charts()
        runner.run("""
            -- ## Scores (lang = :lang, top :n, :unknown stays)
            -- @chart line
            select 1;
            """, source: nil, observer: rec)
        #expect(rec.events == ["Scores (lang = en, top 3, :unknown stays)", "chart line", "end"])
    }

    @Test func headingsPrecedeTheirResults() throws {
        let db = try TestDatabase()
        let rec = Recorder()
        StatementRunner(connection: db.connection).run("""
            -- # Title
            create temp table t(x);
            -- ## Counts
            select count(*) as n from t;
            """, source: nil, observer: rec)
        #expect(rec.events == ["h1 Title", "h2 Counts", "begin n", "row 0", "end"])
    }

    @Test func progressHandlerInterrupts() throws {
        let db = try TestDatabase()
        let runner = StatementRunner(connection: db.connection)
        let control = RunControl(connection: db.connection, deadline: monotonicSeconds() + 0.2, timeoutSeconds: 0.2, progress: nil)
        runner.control = control
        var errors: [ScriptError] = []
        runner.onError = { errors.append($0) }
        let failures = runner.run("with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r;",
                                  source: nil, observer: Recorder())
        #expect(failures == 1)
        #expect(control.wasTimedOut)
        #expect(errors.first?.message.hasPrefix("interrupted: --timeout") == true)
    }

    @Test func completionOffersNamesOfTheDatabase() {
        var names = CompletionNames()
        names.tables = ["events", "jobs"]
        names.columns = ["events": ["level", "message"], "jobs": ["name"]]
        names.functions = ["vec_norm", "vec_dims", "lower"]
        #expect(Completion.candidates(before: "select * from ", word: "ev", names: names) == ["events"])
        #expect(Completion.candidates(before: "", word: "sel", names: names) == ["select"])
        #expect(Completion.candidates(before: "", word: "SEL", names: names) == ["SELECT"])
        #expect(Completion.candidates(before: "select ", word: "vec_", names: names) == ["vec_dims(", "vec_norm("])
        #expect(Completion.candidates(before: "select ", word: "events.l", names: names) == ["events.level"])
        #expect(Completion.candidates(before: "", word: ".ta", names: names) == [".tables"])
        #expect(Completion.candidates(before: ".mode ", word: "j", names: names) == ["json", "jsonl"])
        #expect(Completion.candidates(before: ".open ", word: "x", names: names) == nil)
    }

    @Test func pathsCompleteInQuotesAndDirectoriesEndInASlash() {
        var names = CompletionNames()
        names.listDirectory = { path in
            switch path {
            case ".": return [("sql", true), ("README.md", false), (".git", true)]
            case "sql/": return [("demo", true), ("errors.sql", false), ("drift.sql", false)]
            default: return nil
            }
        }
        #expect(Completion.files("sq", names: names) == ["sql/"])
        #expect(Completion.files("sql/d", names: names) == ["sql/demo/", "sql/drift.sql"])
        #expect(Completion.files("", names: names) == ["README.md", "sql/"])
        #expect(Completion.files(".g", names: names) == [".git/"])
        #expect(Completion.candidates(before: "select * from read_log('", word: "sql/e", names: names) == ["sql/errors.sql'"])
        #expect(Completion.candidates(before: "select * from read_log('", word: "sql/de", names: names) == ["sql/demo/"])
        #expect(Completion.candidates(before: "select 'a', '", word: "nope/", names: names) == [])
        #expect(Completion.candidates(before: ".report ", word: "sql", names: names) == nil)
        #expect(Completion.candidates(before: ".report sql/errors.sql ", word: "x", names: names) == [])
    }
}

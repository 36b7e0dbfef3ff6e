// The command line: sqlite3-style spellings, the `run` subcommand beside `strata DB SQL`, and report
// parameters resolved against a report's header.
import Glibc
import SQLiteKit
import Testing
@testable import StrataCLIKit

@Suite struct OptionsTests {
    @Test func databaseAndSQL() throws {
        let o = try Options.parse(["-csv", "-header", "data.db", "select 1", "select 2"])
        #expect(o.mode == .csv)
        #expect(o.headers == true)
        #expect(o.database == "data.db")
        #expect(o.sql == ["select 1", "select 2"])
        #expect(o.command == .sql)
    }

    @Test func runSubcommandAndADatabaseNamedRun() throws {
        let r = try Options.parse(["run", "daily.sql", "--db", "x.db", "--param", "since=2026-11-01", "--format=html"])
        #expect(r.command == .report("daily.sql"))
        #expect(r.database == "x.db")
        #expect(r.parameters == [.init(name: "since", value: "2026-11-01")])
        #expect(r.reportFormat == .html)
        let d = try Options.parse(["./run", "select 1"])
        #expect(d.command == .sql)
        #expect(d.database == "./run")
        #expect(throws: UsageError.self) { try Options.parse(["run"]) }
    }

    @Test func badValuesAreUsageErrors() {
        #expect(throws: UsageError.self) { try Options.parse(["--timeout", "soon"]) }
        #expect(throws: UsageError.self) { try Options.parse(["--mode", "fancy"]) }
        #expect(throws: UsageError.self) { try Options.parse(["--param", "novalue"]) }
        #expect(throws: UsageError.self) { try Options.parse(["--frobnicate"]) }
        #expect(throws: UsageError.self) { try Options.parse(["--output"]) }
    }

    @Test func parameterValuesAreTyped() {
        #expect(ParameterValue.parse("42") == .integer(42))
        #expect(ParameterValue.parse("-7") == .integer(-7))
        #expect(ParameterValue.parse("007") == .text("007"))
        #expect(ParameterValue.parse("2.5") == .real(2.5))
        #expect(ParameterValue.parse("1e3") == .real(1000))
        #expect(ParameterValue.parse("2026-11-01") == .text("2026-11-01"))
        #expect(ParameterValue.parse("'42'") == .text("42"))
        #expect(ParameterValue.parse("'it''s'") == .text("it's"))
        #expect(ParameterValue.parse("null") == .null)
        #expect(ParameterValue.parse("inf") == .text("inf"))
        #expect(ParameterValue.parse("99999999999999999999") == .text("99999999999999999999"))
    }

    @Test func reportParameters() throws {
        let sql = """
            -- @param since = 2026-11-01
            -- @param level
            -- @param  limit=10
            select * from t where ts >= :since and level = :level and x = :other limit :limit;
            """
        let r = Report(path: "r.sql", sql: sql)
        #expect(r.declared.map(\.name) == ["since", "level", "limit"])
        #expect(r.declared.map(\.defaultValue) == ["2026-11-01", nil, "10"])
        #expect(throws: Report.ResolveError.missing(["level", "other"])) { try r.resolve(given: []) }
        #expect(throws: Report.ResolveError.unknown(["levle"], known: ["since", "level", "limit", "other"])) {
            try r.resolve(given: [("levle", "x")])
        }
        let values = try r.resolve(given: [("level", "ERROR"), ("other", "5"), ("limit", "3")])
        #expect(values == ["since": .text("2026-11-01"), "level": .text("ERROR"), "other": .integer(5), "limit": .integer(3)])
    }

    @Test func relativeDatesBecomeLocalISOText() {
        setenv("TZ", "UTC", 1)
        tzset()
        let now = 1_795_497_600  // 2026-11-24 05:20:00 UTC
        #expect(ParameterValue.relativeTime("now", now: now) == "2026-11-24 05:20:00")
        #expect(ParameterValue.relativeTime("today", now: now) == "2026-11-24 00:00:00")
        #expect(ParameterValue.relativeTime("yesterday", now: now) == "2026-11-23 00:00:00")
        #expect(ParameterValue.relativeTime("yesterday 18:00", now: now) == "2026-11-23 18:00:00")
        #expect(ParameterValue.relativeTime("-7 days", now: now) == "2026-11-17 05:20:00")
        #expect(ParameterValue.relativeTime("-6 hours", now: now) == "2026-11-23 23:20:00")
        #expect(ParameterValue.relativeTime("today -1 week", now: now) == "2026-11-17 00:00:00")
        #expect(ParameterValue.relativeTime("3 days ago", now: now) == "2026-11-21 05:20:00")
        #expect(ParameterValue.relativeTime("+1 month", now: now) == "2026-12-24 05:20:00")
        for text in ["", "later", "-7", "7 parsecs", "today 25:00", "now now", "/var/log/x.log", "2026-11-01"] {
            #expect(ParameterValue.relativeTime(text, now: now) == nil, "\(text)")
        }
        #expect(ParameterValue.parse("'today'") == .text("today"))
        #expect(ParameterValue.parse("-7") == .integer(-7))
    }

    @Test func identifierParametersAreQuotedNames() throws {
        let sql = """
            -- @param docs = documents (identifier)
            -- @param col = title (identifier)
            -- @param week = NULL (identifier)
            select :col, :week from :docs join d.:docs on 1 where ':col' = 'x'; -- :docs
            """
        let r = Report(path: "r.sql", sql: sql)
        #expect(r.declared.map(\.isIdentifier) == [true, true, true])
        var values = try r.resolve(given: [])
        #expect(values["docs"] == .text("documents") && values["week"] == .null)
        #expect(try r.preparedSQL(values: values).hasSuffix(
            #"select "title", NULL from "documents" join d."documents" on 1 where ':col' = 'x'; -- :docs"#))
        values = try r.resolve(given: [("docs", "x\"; drop table t; --"), ("col", "main.t")])
        #expect(try r.preparedSQL(values: values).contains(#"select "main"."t", NULL from "x""; drop table t; --" join"#))
        values = try r.resolve(given: [("docs", "main.t")])
        #expect(throws: Report.ResolveError.self) { try r.preparedSQL(values: values) }  // after `d.`
        values = try r.resolve(given: [("col", "a..b")])
        #expect(throws: Report.ResolveError.self) { try r.preparedSQL(values: values) }
    }

    @Test func sqlAsTheFirstArgumentRunsInMemory() throws {
        #expect(try Options.parse(["select 1"]).database == nil)
        #expect(try Options.parse(["select 1"]).sql == ["select 1"])
        #expect(try Options.parse(["  WITH x AS (select 1) select * from x"]).database == nil)
        #expect(try Options.parse(["data.db", "select 1"]).database == "data.db")
        #expect(Options.looksLikeSQL("select", fileExists: { _ in true }) == false)
        #expect(Options.looksLikeSQL("select", fileExists: { _ in false }))
        #expect(!Options.looksLikeSQL("selection.db", fileExists: { _ in false }))
        #expect(!Options.looksLikeSQL(".tables", fileExists: { _ in false }))
    }

    @Test func dotCommandArguments() {
        #expect(Session.splitArguments("param set name 'two words'") == ["param", "set", "name", "two words"])
        #expect(Session.splitArguments("once \"\"") == ["once", ""])
        #expect(Session.unescape("\\t") == "\t")
        #expect(Session.like("vec_norm", "vec%"))
        #expect(!Session.like("cron_next", "vec%"))
        #expect(Session.like("cron_next", "next"))
    }
}

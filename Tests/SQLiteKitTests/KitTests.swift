// The SQLite kit, exercised through real SQLite connections with the test-only modules.
import SQLiteKit
import StrataTestSupport
import Testing

private func database(_ probe: SeriesProbe? = nil) throws -> TestDatabase {
    let db = try TestDatabase()
    try db.connection.registerKitTestModules(seriesProbe: probe)
    return db
}

@Suite struct ScalarFunctionTests {
    @Test func valuesRoundTripWithTheirTypes() throws {
        let db = try database()
        #expect(try db.value("select kit_echo(1099511627776)") == .integer(1 << 40))
        #expect(try db.value("select kit_echo(-9223372036854775808)") == .integer(Int64.min))
        #expect(try db.value("select kit_echo(2.5)") == .real(2.5))
        #expect(try db.value("select kit_echo('héllo')") == .text("héllo"))
        #expect(try db.value("select kit_echo(x'00ff10')") == .blob([0, 255, 16]))
        #expect(try db.value("select kit_echo(x'')") == .blob([]))
        #expect(try db.value("select kit_echo('')") == .text(""))
        #expect(try db.value("select kit_echo(null)") == .null)
        #expect(try db.value("select kit_type(?)", [.integer(Int64.max)]) == .text("integer"))
    }

    @Test func thrownErrorsArePrefixedWithTheFunctionName() throws {
        let db = try database()
        #expect(db.error("select kit_fail('dimension mismatch (3 vs 4)')") == "kit_fail: dimension mismatch (3 vs 4)")
        // An error that already names the function is not prefixed twice.
        #expect(db.error("select kit_fail('kit_fail: already named')") == "kit_fail: already named")
    }

    @Test func pureFunctionsWorkInViewsWithUntrustedSchema() throws {
        let db = try database()
        try db.execute("pragma trusted_schema=off; create view v as select kit_echo(41) + 1 as x")
        #expect(try db.value("select x from v") == .integer(42))
    }
}

@Suite struct AggregateTests {
    @Test func sumsBeyondThirtyTwoBits() throws {
        let db = try database()
        let v = try db.value("select kit_sum(x) from (select 4294967296 x union all select 4294967296 union all select null)")
        #expect(v == .integer(8_589_934_592))
    }

    @Test func emptyGroupFinishesAFreshState() throws {
        let db = try database()
        #expect(try db.value("select kit_sum(x) from (select 1 x) where x > 5") == .null)
    }

    @Test func stepErrorsReachSQL() throws {
        let db = try database()
        let e = db.error("select kit_sum(x) from (select 9223372036854775807 x union all select 1)")
        #expect(e == "kit_sum: integer overflow")
    }

    @Test func groupsAreIndependent() throws {
        let db = try database()
        let rows = try db.rows("""
            select g, kit_sum(x) from (select 1 g, 10 x union all select 1, 5 union all select 2, 7) group by g order by g
            """)
        #expect(rows == [[.integer(1), .integer(15)], [.integer(2), .integer(7)]])
    }
}

@Suite struct VirtualTableTests {
    @Test func tableValuedFunctionTakesHiddenArguments() throws {
        let db = try database()
        #expect(try db.rows("select value from kit_series(1, 4)").map { $0[0] } == [1, 2, 3, 4].map { .integer($0) })
        #expect(try db.rows("select value from kit_series(0, 10, 5)").map { $0[0] } == [0, 5, 10].map { .integer($0) })
        // Arguments beyond 32 bits.
        let big = Int64(1) << 40
        #expect(try db.rows("select value from kit_series(?, ?)", [.integer(big), .integer(big + 1)]).count == 2)
    }

    @Test func missingRequiredArgumentIsANamedError() throws {
        let db = try database()
        let e = db.error("select * from kit_series(1)")
        #expect(e == "kit_series: missing argument 'stop' (usage: kit_series(start, stop, [step]))")
    }

    @Test func orBranchesPlannedWithoutTheArgumentsAreNotErrors() throws {
        // SQLite plans each OR branch with that branch's terms only: the arguments are absent there, and
        // that must make an unattractive plan, not fail the statement.
        let db = try database()
        #expect(try db.rows("select value from kit_series(1, 6) where value = 2 or value > 4 or value is null")
                    .map { $0[0] } == [2, 5, 6].map { .integer($0) })
        let e = db.error("select * from kit_series(1) where value = 2 or value is null")
        #expect(e == "kit_series: missing argument 'stop' (usage: kit_series(start, stop, [step]))")
    }

    @Test func argumentsFromAnotherTableUseAJoinPlan() throws {
        let db = try database()
        try db.execute("create table t(n); insert into t values (2), (3)")
        let rows = try db.rows("select t.n, s.value from t, kit_series(1, t.n) s order by 1, 2")
        #expect(rows.count == 5)
        #expect(rows.last == [.integer(3), .integer(3)])
    }

    @Test func filterErrorsCarryTheModuleName() throws {
        let db = try database()
        #expect(db.error("select * from kit_series(1, 'x')") == "kit_series: start and stop must be integers")
        #expect(db.error("select * from kit_failing") == "kit_failing: cannot read /nonexistent: No such file or directory")
    }

    @Test func constraintsLimitAndOrderArePushedDown() throws {
        let probe = SeriesProbe()
        let db = try database(probe)
        let rows = try db.rows("select value from kit_series(1, 1000000) where value > 10 order by value limit 3")
        #expect(rows.map { $0[0] } == [11, 12, 13].map { .integer($0) })
        let plan = try db.rows("explain query plan select value from kit_series(1, 1000000) where value > 10 order by value limit 3")
        let detail = plan.map { $0.last?.description ?? "" }.joined(separator: "\n")
        #expect(detail.contains("args,value>?"))
        #expect(detail.contains("ordered"))
        #expect(!detail.contains("TEMP B-TREE"))  // ORDER BY consumed: no sort step
        let offered = probe.table?.lastOffered ?? []
        #expect(offered.contains { $0.op == .gt && $0.column == 0 })
    }

    @Test func descendingOrderIsSortedBySQLite() throws {
        let db = try database()
        let rows = try db.rows("select value from kit_series(1, 3) order by value desc")
        #expect(rows.map { $0[0] } == [3, 2, 1].map { .integer($0) })
    }

    @Test func directOnlyModulesAreRefusedInViews() throws {
        let db = try database()
        try db.execute("create view pv as select * from kit_private_series(1, 3)")
        for trusted in ["on", "off"] {
            try db.execute("pragma trusted_schema=\(trusted)")
            let e = db.error("select * from pv") ?? ""
            #expect(e.contains("unsafe use of virtual table"), "trusted_schema=\(trusted): \(e)")
        }
        // Top-level SQL may still use it.
        #expect(try db.rows("select * from kit_private_series(1, 3)").count == 3)
    }

    @Test func innocuousModulesWorkInViewsWithUntrustedSchema() throws {
        let db = try database()
        try db.execute("pragma trusted_schema=off; create view sv as select * from kit_series(1, 3)")
        #expect(try db.rows("select * from sv").count == 3)
    }

    @Test func creatableModuleReceivesUnquotedArguments() throws {
        let db = try database()
        try db.execute(#"create virtual table a using kit_args('a b', "c""d", plain, 'it''s')"#)
        let rows = try db.rows("select arg, raw from a")
        #expect(rows.map { $0[0] } == [.text("a b"), .text("c\"d"), .text("plain"), .text("it's")])
        #expect(rows[0][1] == .text("'a b'"))
        // A creatable-only module is not also a table-valued function.
        #expect(db.error("select * from kit_args") != nil)
        // And an eponymous-only one cannot be created.
        #expect(db.error("create virtual table s using kit_series") != nil)
    }

    @Test func declarationDocumentsColumnsAndHidesParameters() {
        let sig = TableFunctionSignature(name: "f", columns: ["a INTEGER -- first", "b TEXT"],
                                         parameters: [.init("p")])
        #expect(sig.declaration == "CREATE TABLE x(\n  a INTEGER,  -- first\n  b TEXT,\n  \"p\" HIDDEN\n)")
    }
}

@Suite struct StatementTests {
    @Test func prepareNextWalksAScript() throws {
        let db = try database()
        var text = Array("select 1; -- comment\n select 'two';  ".utf8CString)
        text.removeLast()
        var values: [SQLValue] = []
        try text.withUnsafeBufferPointer { buf in
            var offset = 0
            while offset < buf.count {
                let (st, next) = try db.connection.prepareNext(buf, from: offset)
                offset = next
                if let st, try st.step() { values.append(st.value(at: 0)) }
            }
        }
        #expect(values == [.integer(1), .text("two")])
    }

    @Test func compileErrorsThrowSQLitesMessage() throws {
        let db = try database()
        #expect(throws: SQLError.self) { try db.connection.prepare("selec 1") }
    }
}

/// Batches: rows stepped and answered by the module's C callbacks from the cursor's arrays, with the columns C
/// leaves alone answered by Swift for the row C reached (CSQLite.h, strata_batch_*).
@Suite struct RowBatchTests {
    /// What every row must read, computed here rather than by the cursor.
    private func expected(_ i: Int) -> [SQLValue] {
        let label = i % 5 == 0 ? "b\u{FFFD}ad" : "row \(i)"
        return [.integer(Int64(1000 + i)), .integer(Int64(i)), i % 3 == 0 ? .null : .real(Double(i) / 2),
                .text(label), .text("tag \(i)")]
    }

    @Test(arguments: [(0, 4), (1, 4), (7, 1), (10, 3), (1000, 64), (1000, 1000), (999, 2)])
    func everyColumnOfEveryRowAgrees(rows: Int, block: Int) throws {
        let db = try database()
        try db.execute("create virtual table t using kit_batches(\(rows), \(block))")
        let got = try db.rows("select rowid, i, half, label, tag from t")
        #expect(got.count == rows)
        for (i, r) in got.enumerated() where r != expected(i) {
            Issue.record("row \(i): \(r) != \(expected(i))")
            break
        }
        // Only the C columns, and no column at all.
        #expect(try db.value("select count(*) from t") == .integer(Int64(rows)))
        let sum = (0..<rows).reduce(Int64(0)) { $0 + Int64($1) }
        #expect(try db.value("select total(i) from t") == .real(Double(sum)))
    }

    @Test func aCursorLeftInsideABatchStartsAgain() throws {
        let db = try database()
        try db.execute("create virtual table t using kit_batches(300, 50)")
        // The inner scan stops after 3 rows, inside a batch, and is restarted for every outer row.
        let got = try db.rows("""
            select a.i, (select group_concat(i, ',') from (select i from t b where b.i + 0 >= a.i % 97 limit 3))
            from t a where a.i < 120
            """)
        #expect(got.count == 120)
        for r in got {
            guard case .integer(let a) = r[0] else { Issue.record("bad row \(r)"); continue }
            let o = Int(a) % 97
            #expect(r[1] == .text("\(o),\(o + 1),\(o + 2)"))
        }
    }

    @Test func anErrorAtABatchBoundaryStopsTheStatement() throws {
        let db = try database()
        try db.execute("create virtual table t using kit_batches(100, 10, 40)")
        #expect(db.error("select count(*) from t") == "kit_batches: cannot read row 40")
        #expect(db.error("select sum(i), max(label) from t") == "kit_batches: cannot read row 40")
    }
}

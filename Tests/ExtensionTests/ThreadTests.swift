// Threads, each with its own connection, running knn_match, read_log and the vector functions at once, in
// SQLite's multi-thread (NOMUTEX) and serialized (FULLMUTEX) modes. Every answer must equal the one computed
// alone first. `make sanitize` runs this under ThreadSanitizer, which is where it earns its keep: the
// extension's shared state (the api-table pointer, the knn corpus cache, registration) is touched by all.
import Dispatch
import Foundation
import SQLiteKit
import StrataTestSupport
import Testing

private let queries = [
    "SELECT group_concat(id || ':' || round(distance, 6)) FROM knn_match('c.e', vec_f32('[0.5,-1,2,0.25]'), 5)",
    "SELECT group_concat(id) FROM knn_match('c.e', vec_f32('[1,1,1,1]'), 3, 'l2', 'id % 3 = 0')",
    "SELECT count(*), sum(level = 'ERROR'), max(ts) FROM read_log(:log)",
    "SELECT round(sum(cosine_distance(e, '[1,0,0,1]')), 9), vec_to_json(vec_avg(e)) FROM c",
    "SELECT count(*) FROM cron_schedule('*/5 * * * *', '2026-11-20', '2026-11-21')",
]

private func makeFixtures(_ name: String) throws -> (db: String, log: String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-threads-\(getpid())-\(name)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let log = dir.appendingPathComponent("app.log").path
    var text = ""
    for i in 0..<2000 {
        let level = i % 7 == 0 ? "ERROR" : "INFO"
        text += "2026-11-20 02:\(String(format: "%02d", i / 60 % 60)):\(String(format: "%02d", i % 60)),000 [\(level)] job: step \(i)\n"
        if level == "ERROR" { text += "Traceback (most recent call last):\n  boom\n" }
    }
    try text.write(toFile: log, atomically: true, encoding: .utf8)
    let db = dir.appendingPathComponent("t.db").path
    try? FileManager.default.removeItem(atPath: db)
    let setup = try TestDatabase(path: db)
    try setup.execute("PRAGMA journal_mode=WAL; CREATE TABLE c(id INTEGER PRIMARY KEY, e BLOB)")
    var values: [String] = []
    for i in 0..<3000 {
        // Deterministic, distinct vectors (no ties in distance).
        let v = (0..<4).map { k in sin(Double(i * 4 + k) * 0.37) + Double(k) * 0.01 }
        values.append("(vec_f32('[\(v.map { String($0) }.joined(separator: ","))]'))")
    }
    try setup.execute("BEGIN; INSERT INTO c(e) VALUES " + values.joined(separator: ",") + "; COMMIT")
    return (db, log)
}

private func answers(_ t: TestDatabase, log: String) throws -> [[[SQLValue]]] {
    try queries.map { q in
        let st = try t.connection.prepare(q)
        if q.contains(":log") { try st.bind([.text(log)]) }
        var rows: [[SQLValue]] = []
        while try st.step() { rows.append((0..<st.columnCount).map { st.value(at: $0) }) }
        return rows
    }
}

@Suite struct ThreadTests {
    @Test(arguments: [false, true]) func ownConnectionsAgree(serialized: Bool) throws {
        let (db, log) = try makeFixtures(serialized ? "serialized" : "multithread")
        let expected = try answers(TestDatabase(path: db, serialized: serialized), log: log)
        #expect(expected[0].count == 1 && expected[2].first?.first == .integer(2000))
        let failures = NSLock()
        nonisolated(unsafe) var failed: [String] = []
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            do {
                let t = try TestDatabase(path: db, serialized: serialized)
                for i in 0..<6 {
                    let got = try answers(t, log: log)
                    if got != expected { failures.withLock { failed.append("thread \(k) round \(i): \(got)") } }
                }
            } catch {
                failures.withLock { failed.append("thread \(k): \(error)") }
            }
        }
        #expect(failed == [])
    }
}

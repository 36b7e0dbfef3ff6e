// What SQLite's counters cannot tell a cache: a per-connection generation that moves whenever this
// connection's view of its data may have changed without `total_changes()` or `PRAGMA data_version` moving —
// a COMMIT of an incremental BLOB write (commit hook), a ROLLBACK (rollback hook, also for implicit ones after
// an error), and, seen in the statement trace, `ROLLBACK TO` a savepoint, ATTACH and DETACH (also the
// ATTACH that `sqlite3_deserialize` runs). knn_match's cache stamps packed corpora with it, so a packed corpus
// can be reused inside an open transaction and is never reused after a rollback.
//
// SQLite has one slot each for the commit hook, the rollback hook and the trace callback. A program that sets
// its own afterwards replaces ours: the trace then stops counting statements, which `isTracing` detects (the
// caller's own statement must have been counted), and the cache stops trusting anything inside a transaction.
import CSQLite
import Glibc

public final class TransactionWatch: @unchecked Sendable {
    /// Moves on every commit, rollback, ROLLBACK TO, ATTACH and DETACH (and on any statement without SQL text).
    public private(set) var generation: UInt64 = 0
    /// Statements started on the connection (the trace's count).
    public private(set) var statements: UInt64 = 0

    private let handle: OpaquePointer

    private static let lock = WatchLock()
    nonisolated(unsafe) private static var watches: [UnsafeMutableRawPointer: TransactionWatch] = [:]

    private init(handle: OpaquePointer) { self.handle = handle }

    /// The watch of `connection`, installing the hooks on first use.
    public static func of(_ connection: Connection) -> TransactionWatch {
        let key = UnsafeMutableRawPointer(connection.handle)
        return lock.locked {
            if let w = watches[key] { return w }
            let w = TransactionWatch(handle: connection.handle)
            watches[key] = w
            w.install()
            return w
        }
    }

    /// Forgets `connection`'s watch (it is closing) and removes the hooks.
    public static func release(_ connection: Connection) {
        let key = UnsafeMutableRawPointer(connection.handle)
        lock.locked {
            guard let w = watches.removeValue(forKey: key) else { return }
            w.uninstall()
        }
    }

    private func install() {
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = strata_commit_hook(handle, { p in
            if let p { Unmanaged<TransactionWatch>.fromOpaque(p).takeUnretainedValue().generation &+= 1 }
            return 0
        }, me)
        _ = strata_rollback_hook(handle, { p in
            if let p { Unmanaged<TransactionWatch>.fromOpaque(p).takeUnretainedValue().generation &+= 1 }
        }, me)
        _ = strata_trace_statements(handle, { _, p, stmt, _ in
            guard let p else { return 0 }
            let w = Unmanaged<TransactionWatch>.fromOpaque(p).takeUnretainedValue()
            w.statements &+= 1
            let sql = stmt.flatMap { strata_sql(OpaquePointer($0)) }
            if sql.map({ TransactionWatch.mayChangeView($0) }) ?? true { w.generation &+= 1 }
            return 0
        }, me)
    }

    private func uninstall() {
        _ = strata_commit_hook(handle, nil, nil)
        _ = strata_rollback_hook(handle, nil, nil)
        _ = strata_trace_statements(handle, nil, nil)
    }

    /// Whether a statement starting with this text can change what the connection sees without the change
    /// counters moving: ROLLBACK (to a savepoint or whole), ATTACH, DETACH. Leading spaces and comments skipped.
    static func mayChangeView(_ sql: UnsafePointer<CChar>) -> Bool {
        var p = UnsafeRawPointer(sql).assumingMemoryBound(to: UInt8.self)
        while true {
            let c = p.pointee
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C { p += 1; continue }
            if c == UInt8(ascii: "-"), p[1] == UInt8(ascii: "-") {
                while p.pointee != 0, p.pointee != 0x0A { p += 1 }
                continue
            }
            if c == UInt8(ascii: "/"), p[1] == UInt8(ascii: "*") {
                p += 2
                while p.pointee != 0, !(p.pointee == UInt8(ascii: "*") && p[1] == UInt8(ascii: "/")) { p += 1 }
                if p.pointee != 0 { p += 2 }
                continue
            }
            break
        }
        func starts(_ word: StaticString) -> Bool {
            let w = word.utf8Start
            for i in 0..<word.utf8CodeUnitCount {
                let c = p[i]
                guard c != 0, c | 0x20 == w[i] | 0x20 else { return false }
            }
            let next = p[word.utf8CodeUnitCount]
            return !((next >= 0x41 && next <= 0x5A) || (next >= 0x61 && next <= 0x7A) || next == UInt8(ascii: "_"))
        }
        return starts("rollback") || starts("attach") || starts("detach")
    }

    /// Whether an incremental BLOB handle is open on the connection (a statement without SQL text that is
    /// running): its writes move no counter until it is closed and committed.
    public var hasOpenBlobHandle: Bool {
        var s = strata_next_stmt(handle, nil)
        while let st = s {
            if strata_sql(st) == nil, strata_stmt_busy(st) != 0 { return true }
            s = strata_next_stmt(handle, st)
        }
        return false
    }
}

/// A pthread mutex that does not move (heap-allocated).
final class WatchLock: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        m = .allocate(capacity: 1)
        m.initialize(to: pthread_mutex_t())
        pthread_mutex_init(m, nil)
    }
    deinit { pthread_mutex_destroy(m); m.deallocate() }
    func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return try body()
    }
}

extension SQLArgument {
    /// The value's subtype (`sqlite3_value_subtype`): sqlite-vec marks its vectors 223 (float32), 225 (int8),
    /// 224 (bit).
    public var subtype: UInt32 { strata_value_subtype(raw) }
}

extension SQLContext {
    /// Marks the result with a subtype (`sqlite3_result_subtype`).
    public func resultSubtype(_ subtype: UInt32) { strata_result_subtype(raw, subtype) }
}

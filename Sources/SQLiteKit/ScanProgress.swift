// How far a long scan has come, for the strata shell's progress line. A virtual table that knows its total
// (bytes of a log file, rows of an .npy, vectors of a knn search) opens a scan, advances it as it reads and
// ends it when its cursor closes; the CLI reads the table from a progress handler on the same thread.
// Off unless the host turns it on: in libstrata.so loaded into a multi-threaded host every call is a no-op
// (a read of a flag nobody writes), so there is no shared mutable state to race on. The strata CLI turns it
// on; it runs SQL on one thread and reads the registry from that thread, inside SQLite's progress handler.
public enum ScanProgress {
    /// Set once at start-up by a single-threaded host that shows progress (the strata CLI).
    nonisolated(unsafe) public static var isEnabled = false

    public enum Unit: Sendable { case bytes, rows }

    public struct Scan: Sendable {
        /// What is being read, e.g. a file name or "knn_match".
        public var label: String
        public var done: Int64
        /// 0 when unknown.
        public var total: Int64
        public var unit: Unit
    }

    nonisolated(unsafe) private static var scans: [Int: Scan] = [:]
    nonisolated(unsafe) private static var nextID = 1

    /// Starts tracking a scan; returns the id to advance and end it with.
    public static func begin(_ label: String, total: Int64, unit: Unit) -> Int {
        guard isEnabled else { return 0 }
        let id = nextID
        nextID &+= 1
        scans[id] = Scan(label: label, done: 0, total: max(0, total), unit: unit)
        return id
    }

    public static func advance(_ id: Int, to done: Int64) {
        guard isEnabled, id != 0 else { return }
        scans[id]?.done = done
    }

    public static func end(_ id: Int) {
        guard isEnabled, id != 0 else { return }
        scans[id] = nil
    }

    /// The running scans, oldest first.
    public static var active: [Scan] {
        guard isEnabled else { return [] }
        return scans.sorted { $0.key < $1.key }.map(\.value)
    }
}

// Counts of records per level over a whole scan, for queries that read nothing but `level` (`SELECT level,
// count(*) ... GROUP BY level`): the scan runs in one tight loop with no SQL per record, and the rows are then
// handed to SQLite already grouped in level order, so SQLite neither sorts millions of rows nor asks for any
// other column. The rows are the same multiset the plain scan gives; only their order differs.
import Glibc
import StrataCommon

public struct LevelCounts: Equatable {
    /// Records whose level is NULL (no level in the format, or lines before the first record).
    public var null = 0
    /// Per normalised level, by `LogLevel.rawValue`.
    public var known = [Int](repeating: 0, count: 8)
    /// Levels outside the five names, keyed by their text as written.
    public var other: [[UInt8]: Int] = [:]

    public init() {}

    public var total: Int { null + known.reduce(0, +) + other.values.reduce(0, +) }

    public mutating func add(_ o: LevelCounts) {
        null += o.null
        for i in known.indices { known[i] += o.known[i] }
        for (k, v) in o.other { other[k, default: 0] += v }
    }

    /// (level text or nil, count) in SQLite's BINARY order (NULL first), skipping empty groups.
    public func groups(descending: Bool) -> [(text: [UInt8]?, count: Int)] {
        var named: [([UInt8], Int)] = []
        for level in LogLevel.allCases {
            guard let name = level.nameText, known[Int(level.rawValue)] > 0 else { continue }
            named.append((Array(name.utf8), known[Int(level.rawValue)]))
        }
        for (k, v) in other where v > 0 { named.append((k, v)) }
        named.sort { $0.0.lexicographicallyPrecedes($1.0) }
        var out: [(text: [UInt8]?, count: Int)] = []
        if null > 0 { out.append((nil, null)) }
        out += named.map { (text: Optional($0.0), count: $0.1) }
        return descending ? out.reversed() : out
    }
}

extension LogScanner {
    /// Runs the whole scan (with its filter) and counts the records per level. A big plain file with no time
    /// constraint is counted by two threads, one per half.
    public func countLevels() throws -> LevelCounts {
        var counts = LevelCounts()
        while try next() {
            guard let r = reader else { continue }
            if let c = choice, let split = try parallelSplit(r, c) {
                // This thread reads up to `split`; another one counts from there to the end.
                parallelCounts += 1
                let job = CountJob(path: path, from: split, parser: c.makeParser())
                let thread = job.start()
                defer { job.stop.raise(); job.join(thread) }
                tally(r, &counts)
                counts.add(try LogScanner.tally(r, until: split))
                skipRestOfFile()
                try job.wait(thread)
                if let e = job.error { throw e }
                counts.add(job.counts)
                continue
            }
            tally(r, &counts)
        }
        return counts
    }

    private func tally(_ r: RecordReader, _ counts: inout LevelCounts) {
        var one = LevelCounts()
        LogScanner.add(r, &one)
        counts.add(one)
    }

    /// Counts from the reader's current record (included) while records start before `until`.
    static func tally(_ r: RecordReader, until: Int64) throws -> LevelCounts {
        var counts = LevelCounts()
        var known = (0, 0, 0, 0, 0, 0, 0, 0)
        while try r.next(), r.recordOffset < until {
            if r.isHeadless { counts.null += 1; continue }
            let head = r.current
            switch head.pointee.level {
            case .none: counts.null += 1
            case .debug: known.1 += 1
            case .info: known.2 += 1
            case .warning: known.3 += 1
            case .error: known.4 += 1
            case .critical: known.5 += 1
            case .other:
                add(r, &counts)
            }
        }
        counts.known[1] += known.1
        counts.known[2] += known.2
        counts.known[3] += known.3
        counts.known[4] += known.4
        counts.known[5] += known.5
        return counts
    }

    /// Adds the current record to `counts`.
    static func add(_ r: RecordReader, _ counts: inout LevelCounts) {
        if r.isHeadless { counts.null += 1; return }
        let head = r.current
        switch head.pointee.level {
        case .none: counts.null += 1
        case .other:
                let text: [UInt8] = LogScanner.withHeadBytes(r) { b in
                    let s = head.pointee.levelText
                    guard s.isPresent, Int(s.end) <= b.count else { return [] }
                    if head.pointee.levelKind == .jsonString {
                        var out: [UInt8] = []
                        JSON.unescape(sub(b, Int(s.start), Int(s.end)), into: &out)
                        return out
                    }
                    return Array(sub(b, Int(s.start), Int(s.end)))
                }
                counts.other[text, default: 0] += 1
        default:
            counts.known[Int(head.pointee.level.rawValue)] += 1
        }
    }
}

/// The second half of a file, counted on another thread with its own stream, reader and parser.
final class CountJob {
    let path: String
    let from: Int64
    let parser: LineParser
    var counts = LevelCounts()
    var error: (any Error)?
    private var joined = false
    /// Raised by the starting thread when its statement is interrupted (only it may ask the connection).
    let stop = Interruption.SharedFlag()
    /// Raised by the job when it has finished.
    let finished = Interruption.SharedFlag()

    init(path: String, from: Int64, parser: LineParser) {
        self.path = path
        self.from = from
        self.parser = parser
    }

    /// On the worker thread: follows `stop` (the worker has no connection to ask) and says when it is done.
    func runOnWorker() {
        let scope = Interruption.enter(following: stop)
        defer {
            Interruption.leave(scope)
            finished.raise()
        }
        run()
    }

    func run() {
        do {
            let r = RecordReader(stream: try FileStream(path: path), parser: parser)
            try r.seek(to: from)
            counts = try LogScanner.tally(r, until: .max)
        } catch {
            self.error = error
        }
    }

    /// Starts the thread; nil when it cannot be started (then `join` runs the job here).
    func start() -> pthread_t? {
        var tid = pthread_t()
        let box = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&tid, nil, { arg in
            guard let arg else { return nil }
            let job = Unmanaged<CountJob>.fromOpaque(arg).takeRetainedValue()
            job.runOnWorker()
            Interruption.endWorkerThread()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<CountJob>.fromOpaque(box).release()
            return nil
        }
        return tid
    }

    /// Joins the job, polling for interruption meanwhile (the joining thread is the one that can see it).
    func wait(_ thread: pthread_t?) throws {
        if thread != nil {
            while !finished.isRaised {
                if Interruption.isRequested() {
                    stop.raise()
                    break
                }
                usleep(5_000)
            }
        }
        join(thread)
        if Interruption.wasObserved { throw LogScanError(Interruption.message) }
    }

    func join(_ thread: pthread_t?) {
        guard !joined else { return }
        joined = true
        if let thread { pthread_join(thread, nil) } else { run() }
    }
}

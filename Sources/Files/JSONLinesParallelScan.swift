// A JSON-lines scan on several threads, for the jsonl table reading whole plain files: the files are cut
// into blocks of whole lines (a few MB each; a block ends at the first line end past its size, found by
// reading just there, in order under a lock), worker threads validate and read the blocks' documents with the
// ordinary JSONDocumentReader and turn the used columns (and, when asked, each document's text) into arrays;
// the caller takes the blocks back in file
// order. At most two blocks per worker exist at once, so memory stays flat whatever the file size.
// A worker does not know how many lines come before its block: it numbers them from the block's start and
// counts them, and `nextBlock` adds the lines of the blocks before. A block whose reading failed is read once
// more there, with the right first line number, so the error message is the one-thread scan's exactly (the
// rows before it are the same); rows and errors come out as a one-thread scan gives them.
import Glibc
import CJSON
import StrataCommon

/// One column's values for the rows of a block.
public struct JSONValueColumn {
    public static let null: UInt8 = 0, integer: UInt8 = 1, real: UInt8 = 2, text: UInt8 = 3
    /// Per row: `null`, `integer`, `real` or `text`.
    public var types: [UInt8] = []
    /// Per row: the integer, or the real's bit pattern (0 otherwise).
    public var values: [Int64] = []
    /// Per row: the UTF-8 text at `pool[starts[r] ..< starts[r] + lengths[r]]` (empty otherwise).
    public var pool: [UInt8] = []
    public var starts: [Int] = []
    public var lengths: [Int32] = []

    /// Appends one row's value straight from the document bytes when it is simple (CJSON's
    /// strata_json_simple_value: literals, numbers with an exact value, ASCII strings without escapes,
    /// `$numberLong`/`$numberInt` wrappers read lazily); false, appending nothing, for anything else — the
    /// caller then appends `value(ofMember:)`, which makes the same value the longer way.
    mutating func appendSimple(_ r: JSONDocumentReader, member mi: Int, asReal: Bool) -> Bool {
        guard mi >= 0 else {
            appendFixed(JSONValueColumn.null, 0)
            return true
        }
        guard let m = r.scanner.member(mi), m.replacement < 0, let base = r.buffer.baseAddress else { return false }
        var type: Int32 = 0
        var bits: Int64 = 0, ts: Int64 = 0, te: Int64 = 0
        guard strata_json_simple_value(base, Int64(m.value.start), Int64(m.value.end), Int32(m.kind.rawValue),
                                       r.unwrapsOnDemand ? 1 : 0, asReal ? 1 : 0, &type, &bits, &ts, &te) == 1
        else { return false }
        if type == Int32(JSONValueColumn.text) {
            types.append(JSONValueColumn.text)
            values.append(0)
            starts.append(pool.count)
            pool.append(contentsOf: UnsafeBufferPointer(start: base + Int(ts), count: Int(te &- ts)))
            lengths.append(Int32(clamping: te &- ts))
        } else {
            appendFixed(UInt8(truncatingIfNeeded: type), bits)
        }
        return true
    }

    @inline(__always)
    private mutating func appendFixed(_ type: UInt8, _ bits: Int64) {
        types.append(type)
        values.append(bits)
        starts.append(pool.count)
        lengths.append(0)
    }

    mutating func append(_ v: JSONMemberValue, asReal: Bool) {
        var type = JSONValueColumn.null
        var bits: Int64 = 0
        var text: String?
        switch v {
        case .null: break
        case .integer(let i):
            if asReal { type = JSONValueColumn.real; bits = Int64(bitPattern: Double(i).bitPattern) } else { type = JSONValueColumn.integer; bits = i }
        case .real(let d): type = JSONValueColumn.real; bits = Int64(bitPattern: d.bitPattern)
        case .text(let s), .json(let s): type = JSONValueColumn.text; text = s
        }
        types.append(type)
        values.append(bits)
        starts.append(pool.count)
        if var t = text {
            t.withUTF8 { pool.append(contentsOf: $0) }
            lengths.append(Int32(clamping: pool.count - starts[starts.count - 1]))
        } else {
            lengths.append(0)
        }
    }
}

/// The rows of one block: their line numbers and the used columns' values.
public final class JSONValueBlock {
    public let path: String
    public private(set) var rows = 0
    public private(set) var lines: [Int64] = []
    public private(set) var columns: [JSONValueColumn]
    /// The error met after `rows` rows (the block's remaining lines are not read).
    public private(set) var error: (any Error)?
    /// The block's bytes in its file, and the number of lines (blank ones too) they hold.
    let range: Range<Int64>
    private(set) var lineCount = 0
    /// Which file of the scan the block belongs to.
    let fileIndex: Int

    init(path: String, fileIndex: Int, range: Range<Int64>, columnCount: Int) {
        self.path = path
        self.fileIndex = fileIndex
        self.range = range
        columns = Array(repeating: JSONValueColumn(), count: columnCount)
    }

    /// Line numbers from the file's start, now that the lines before the block are known.
    func numberLines(after linesBefore: Int) {
        guard linesBefore != 0 else { return }
        let base = Int64(linesBefore)
        for k in lines.indices { lines[k] += base }
    }

    /// Numbers the block's error from the file's start: the block is read again with the lines before it known,
    /// so the message is the one-thread scan's (same reader, same text). Kept as it is if the read does not fail
    /// again (the file changed meanwhile), and for errors that name no line (an interruption).
    func numberError(after linesBefore: Int) {
        guard error is FilesError else { return }
        do {
            let r = try JSONDocumentReader(path: path, range: range, linesBefore: linesBefore,
                                           collectMembers: false, unwrapLazily: true)
            while try r.next() {}
        } catch {
            self.error = error
        }
    }

    /// Reads the block's documents: `used` are the columns to keep (indexes into `matcher.columns`). `fastRows`
    /// reads runs of lines through the C path (JSONRowReader); the tests compare both ways.
    /// With `document`, the block's last column holds each document's text (Extended JSON unwrapped).
    func fill(matcher: JSONColumnMatcher, used: [Int], document: Bool = false,
              fastRows: Bool = JSONScanner.fastPathEnabled) {
        do {
            let r = try JSONDocumentReader(path: path, range: range, linesBefore: 0,
                                           collectMembers: !used.isEmpty, unwrapLazily: true)
            r.renderFast = fastRows
            defer { lineCount = r.lastLineNumber }
            // Only the used columns are looked for (the matcher stops once it has them all).
            let usedMatcher = JSONColumnMatcher(columns: used.map { matcher.columns[$0] })
            let asReals = used.map { matcher.columns[$0].type == .real }
            // Runs of lines the C path is sure of are read in bulk; each line it leaves is read below.
            let rowReader = fastRows
                ? JSONRowReader(keys: usedMatcher.columns.map(\.key), asReal: asReals,
                                unwrapWrappers: r.unwrapsExtendedJSON && r.unwrapsLazily, renderDocument: document)
                : nil
            while true {
                if let rowReader { rows += rowReader.read(r, lines: &lines, into: &columns, blockBytes: Int(range.count)) }
                guard try r.next() else { break }
                lines.append(Int64(r.line))
                if !used.isEmpty {
                    usedMatcher.match(r)
                    for k in used.indices {
                        let mi = usedMatcher.memberIndex(column: k), asReal = asReals[k]
                        if !JSONScanner.fastPathEnabled || !columns[k].appendSimple(r, member: mi, asReal: asReal) {
                            columns[k].append(r.value(ofMember: mi), asReal: asReal)
                        }
                    }
                }
                if document { r.withDocumentText { columns[used.count].appendText($0) } }
                rows += 1
            }
        } catch {
            self.error = error
        }
    }

    init(path: String, fileIndex: Int, error: any Error) {
        self.path = path
        self.fileIndex = fileIndex
        range = 0..<0
        columns = []
        self.error = error
    }
}

public final class JSONLinesParallelScan {
    /// Bytes of file per block (a block ends at the first line end after this many bytes): 4 MiB.
    /// Test hook, read once: STRATA_JSONL_BLOCK_BYTES sets it (at least 64 KiB, at most 1 GiB), so the
    /// integration tests (Tests/integration/conftest.py) get several blocks and the worker threads from files
    /// an eighth the size — under ThreadSanitizer and AddressSanitizer the 14–28 MB files the 4 MiB blocks need
    /// took minutes. Files smaller than two blocks stay on one thread (JSONBlockRows.suits), so it moves that
    /// threshold too. Not meant for users: the default is what the scan was measured with (docs/files.md).
    public static let blockBytes: Int = {
        let standard = 4 << 20
        guard let raw = getenv("STRATA_JSONL_BLOCK_BYTES"), let n = Int(String(cString: raw)) else { return standard }
        return min(max(n, 64 << 10), 1 << 30)
    }()
    /// Worker threads: one per core, at most four (a block's reading is the work; the caller's thread only hands
    /// rows to SQLite).
    /// Initializes, on the calling thread, every lazy global a worker may meet first. Swift initializes a global
    /// on first use through swift_once, which ThreadSanitizer cannot see into: two workers meeting one together
    /// were reported as a race (the number tables in one CI run, `Interruption.message` of an interrupted scan in
    /// another).
    static func prepareWorkerGlobals() {
        prepareNumberTables()
        _ = Interruption.message.utf8.count
        _ = JSONScanner.fastPathEnabled
        _ = JSONRowReader.rowCapacity + JSONRowReader.textCapacity
        _ = JSONRowReader.shapesEnabled
        _ = JSONLinesParallelScan.blockBytes
    }

    public static var defaultThreadCount: Int { max(1, min(4, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    private let paths: [String]
    private let columns: [JSONColumn]
    private let used: [Int]
    /// Whether blocks carry each document's text, as a last column after the used ones.
    private let document: Bool
    private let blockBytes: Int

    // Shared state, under `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var fileIndex = 0
    private var stream: FileStream?
    private var offset: Int64 = 0
    private var nextToCut = 0
    private var nextToTake = 0
    private var cuttingDone = false
    private var stopped = false
    private var finished: [Int: JSONValueBlock] = [:]
    /// The caller's side: the file of the last block taken and the lines of that file before the next one.
    private var takenFile = -1
    private var takenLines = 0
    private var blocksInFlight: Int { nextToCut - nextToTake }
    /// Blocks cut but not yet taken back, at most: two per worker.
    private let maxBlocksAhead: Int

    private let stop = Interruption.SharedFlag()
    private var threads: [pthread_t] = []

    /// Starts `threadCount` workers over `paths` (plain JSON-lines files), keeping `used` columns of `columns`
    /// and, with `document`, each document's text (Extended JSON unwrapped) in one more column after them.
    public init(paths: [String], columns: [JSONColumn], used: [Int], document: Bool = false,
                threadCount: Int = JSONLinesParallelScan.defaultThreadCount,
                blockBytes: Int = JSONLinesParallelScan.blockBytes) {
        maxBlocksAhead = 2 * max(1, threadCount)
        self.paths = paths
        self.columns = columns
        self.used = used
        self.document = document
        self.blockBytes = max(1 << 10, blockBytes)
        mutex.initialize(to: pthread_mutex_t())
        cond.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        JSONLinesParallelScan.prepareWorkerGlobals()
        for _ in 0..<max(1, threadCount) {
            var tid = pthread_t()
            let box = Unmanaged.passRetained(self).toOpaque()
            let rc = pthread_create(&tid, nil, { arg in
                guard let arg else { return nil }
                let scan = Unmanaged<JSONLinesParallelScan>.fromOpaque(arg).takeRetainedValue()
                scan.work()
                Interruption.endWorkerThread()
                return nil
            }, box)
            if rc == 0 { threads.append(tid) } else { Unmanaged<JSONLinesParallelScan>.fromOpaque(box).release() }
        }
    }

    /// Whether workers run (none could be started: the caller reads the files itself).
    public var isRunning: Bool { !threads.isEmpty }

    deinit {
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(cond)
        mutex.deallocate()
        cond.deallocate()
    }

    /// Stops the workers and waits for them. Must be called before the scan is dropped (the workers hold it).
    public func close() {
        stop.raise()
        pthread_mutex_lock(mutex)
        stopped = true
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
        for t in threads { pthread_join(t, nil) }
        threads = []
        stream = nil
    }

    /// The next block in file order, nil after the last. Waits for the workers, checking for interruption.
    public func nextBlock() throws -> JSONValueBlock? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let b = finished.removeValue(forKey: nextToTake) {
                nextToTake += 1
                pthread_cond_broadcast(cond)
                pthread_mutex_unlock(mutex)
                defer { pthread_mutex_lock(mutex) }
                return try numbered(b)
            }
            if cuttingDone && nextToTake >= nextToCut { return nil }
            pthread_mutex_unlock(mutex)
            let interrupted = Interruption.isRequested()
            pthread_mutex_lock(mutex)
            if interrupted {
                stop.raise()
                throw Interruption.Interrupted()
            }
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            deadline.tv_nsec += 5_000_000
            if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
            _ = pthread_cond_timedwait(cond, mutex, &deadline)
        }
    }

    /// Gives the block's lines (and its error's) their numbers from the file's start.
    private func numbered(_ b: JSONValueBlock) throws -> JSONValueBlock {
        if b.fileIndex != takenFile {
            takenFile = b.fileIndex
            takenLines = 0
        }
        b.numberLines(after: takenLines)
        b.numberError(after: takenLines)
        takenLines += b.lineCount
        return b
    }

    // MARK: - workers

    private struct Cut {
        var sequence: Int
        var path: String
        var fileIndex: Int
        var range: Range<Int64>
        var error: (any Error)?
    }

    private func work() {
        let scope = Interruption.enter(following: stop)
        defer { Interruption.leave(scope) }
        let matcher = JSONColumnMatcher(columns: columns)
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while let cut = nextCut(&scratch) {
            let block: JSONValueBlock
            if let e = cut.error {
                block = JSONValueBlock(path: cut.path, fileIndex: cut.fileIndex, error: e)
            } else {
                block = JSONValueBlock(path: cut.path, fileIndex: cut.fileIndex, range: cut.range,
                                       columnCount: used.count + (document ? 1 : 0))
                block.fill(matcher: matcher, used: used, document: document)
            }
            pthread_mutex_lock(mutex)
            finished[cut.sequence] = block
            pthread_cond_broadcast(cond)
            pthread_mutex_unlock(mutex)
        }
    }

    /// Cuts the next block (in order, under the lock): nil when every file is cut or the scan stopped.
    private func nextCut(_ scratch: inout [UInt8]) -> Cut? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !stopped, !cuttingDone, blocksInFlight >= maxBlocksAhead {
            pthread_cond_wait(cond, mutex)
        }
        if stopped || cuttingDone || stop.isRaised { return nil }
        while fileIndex < paths.count {
            let path = paths[fileIndex]
            do {
                if stream == nil {
                    stream = try FileStream(path: path)
                    offset = 0
                }
                guard let s = stream else { break }
                guard offset < s.sizeAtOpen else {
                    stream = nil
                    fileIndex += 1
                    continue
                }
                let start = offset
                let end = try cutEnd(s, from: start, &scratch)
                let cut = Cut(sequence: nextToCut, path: path, fileIndex: fileIndex, range: start..<end, error: nil)
                nextToCut += 1
                offset = end
                return cut
            } catch {
                // The error goes out in order, as the last block.
                let cut = Cut(sequence: nextToCut, path: path, fileIndex: fileIndex, range: 0..<0, error: error)
                nextToCut += 1
                cuttingDone = true
                stream = nil
                return cut
            }
        }
        cuttingDone = true
        pthread_cond_broadcast(cond)
        return nil
    }

    /// The end of the block that starts at `start`: just past the first line end at or after
    /// `start + blockBytes - 1`, or the file's end. Reads only from there on.
    private func cutEnd(_ s: FileStream, from start: Int64, _ scratch: inout [UInt8]) throws -> Int64 {
        let size = s.sizeAtOpen
        var at = start + Int64(blockBytes) - 1
        while at < size {
            try Interruption.check()
            let n = try scratch.withUnsafeMutableBytes { try s.read(at: at, into: $0) }
            guard n > 0 else { break }
            let k: Int? = scratch.withUnsafeBytes { raw in
                guard let base = raw.baseAddress, let p = memchr(base, 0x0A, n) else { return nil }
                return base.distance(to: UnsafeRawPointer(p))
            }
            if let k { return at + Int64(k) + 1 }
            at += Int64(n)
        }
        return size
    }
}

// The scan behind read_log/log_file: files in name order, each with its format (detected or given), records
// filtered by level and time before anything else is built, and `ts` ranges answered by binary search on plain
// files (gzip streams cannot seek: they are scanned). The scan verifies the order it relies on: probes of the
// search must be in time order, and so must every record read in the window; when they are not, the rest of the
// file is scanned too (rows then come out of file order, never missing).
import Glibc
import StrataCommon

public struct LogScanError: MessageError {
    public var message: String
    public init(_ message: String) { self.message = message }
}

public final class LogScanner {
    public let files: [String]
    public let spec: LogFormatSpec
    public let filter: LogFilter

    @exclusivity(unchecked) public private(set) var fileIndex = -1
    public private(set) var path = ""
    public private(set) var reader: RecordReader? {
        didSet { fastReader = reader }
    }
    /// `reader` for the loop, without reference counting per record.
    private unowned(unsafe) var fastReader: RecordReader?
    public private(set) var choice: FormatChoice?

    /// Statistics, for tests and EXPLAIN-minded users: records split, files searched by time.
    @exclusivity(unchecked) public private(set) var recordsRead = 0
    public private(set) var binarySearches = 0
    public private(set) var orderFallbacks = 0
    /// Files whose levels were counted by two threads.
    public internal(set) var parallelCounts = 0

    private struct Segment { var from: Int64; var to: Int64 }
    private var segments: [Segment] = []
    @exclusivity(unchecked) private var segment = Segment(from: 0, to: .max)
    @exclusivity(unchecked) private var windowed = false
    @exclusivity(unchecked) private var disorder = false
    @exclusivity(unchecked) private var lastTime: LogTime? = nil
    private var lineBase: Int? = 0
    private let levelSets: [LogFilter.CompiledLevels]
    private let hasLevelFilter: Bool
    private let hasTimeFilter: Bool
    /// A single level set of normalised names only: one mask test per record.
    private let simpleLevelMask: UInt8?
    @exclusivity(unchecked) private var tsText = [UInt8](repeating: 0, count: LogTime.textLength)
    private var upperBound: TimeBound?
    private var lowerBound: TimeBound?
    @exclusivity(unchecked) private var finished = false

    public init(files: [String], spec: LogFormatSpec, filter: LogFilter) {
        self.files = files
        self.spec = spec
        self.filter = filter
        levelSets = filter.compiledLevels()
        hasLevelFilter = !levelSets.isEmpty
        hasTimeFilter = !filter.timeBounds.isEmpty
        simpleLevelMask = levelSets.count == 1 && levelSets[0].others.isEmpty ? levelSets[0].mask : nil
        upperBound = filter.upperBound
        lowerBound = filter.lowerBound
        finished = filter.isEmpty
    }

    /// Advances to the next record that passes the filter; false when every file is done.
    public func next() throws -> Bool {
        var n = 0
        defer { recordsRead &+= n }
        while !finished {
            guard let r = fastReader else {
                try openNextFile()
                continue
            }
            guard try r.next(), r.recordOffset < segment.to else {
                try nextSegment()
                continue
            }
            n &+= 1
            if zone != nil { placeInZone(r) }
            if accepts(r) { return true }
        }
        return false
    }

    @inline(__always)
    private func accepts(_ r: RecordReader) -> Bool {
        if hasLevelFilter {
            if r.isHeadless { return false }
            if let mask = simpleLevelMask {
                if mask & (1 << r.current.pointee.level.rawValue) == 0 { return false }
            } else {
                for set in levelSets where !levelMatches(set, r) { return false }
            }
        }
        if hasTimeFilter {
            guard !r.isHeadless, r.current.pointee.hasTime else { return false }
            let t = r.current.pointee.time
            if windowed, !disorder {
                if let last = lastTime, t < last {
                    disorder = true
                    noteDisorder()
                }
                lastTime = t
            }
            return tsText.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return false }
                t.write(to: base)
                let ts = UnsafeBufferPointer(p)
                for b in filter.timeBounds where !b.holds(ts) { return false }
                return true
            }
        }
        return true
    }

    @inline(__always)
    private func levelMatches(_ set: LogFilter.CompiledLevels, _ r: RecordReader) -> Bool {
        let level = r.current.pointee.level
        if level != .other { return set.mask & (1 << level.rawValue) != 0 }
        guard !set.others.isEmpty else { return false }
        var text: [UInt8] = []
        withHeadBytes(r) { b in
            let s = r.current.pointee.levelText
            guard s.isPresent, Int(s.end) <= b.count else { return }
            text = sub(b, Int(s.start), Int(s.end)).map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        }
        return set.others.contains(text)
    }

    /// The bytes the head's spans point into: the first line, or the parser's repaired copy.
    public func withHeadBytes<R>(_ r: RecordReader, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        Self.withHeadBytes(r, body)
    }

    static func withHeadBytes<R>(_ r: RecordReader, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let alt = r.current.pointee.alternate { return alt.withUnsafeBufferPointer(body) }
        return body(sub(r.record, 0, r.firstLineLength))
    }

    // MARK: - local times in a zone (the tz argument)

    /// The zone of times written without an offset; nil: such times have no UTC.
    public var zone: TimeZoneInfo?
    /// The current record's time in UTC by `zone` (nil without a zone, a time, or when the line has an offset).
    @exclusivity(unchecked) public private(set) var zoneUTC: LogTime? = nil
    /// The UTC seconds of the record before, in this file and segment: decides a repeated hour's reading.
    @exclusivity(unchecked) private var lastUTC: Int64? = nil

    /// Works out `zoneUTC` for every record read (filtered out or not), so a wall-clock time the zone shows twice
    /// (the hour after a fall-back) is read as the later instant when the record before it was already past the
    /// earlier one by more than half the difference — the clock went back — and as the earlier one otherwise.
    private func placeInZone(_ r: RecordReader) {
        zoneUTC = nil
        guard let z = zone, !r.isHeadless, r.current.pointee.hasTime else { return }
        let t = r.current.pointee.time
        if t.hasOffset {
            lastUTC = t.wallEpochSeconds - Int64(t.utcOffsetMinutes) * 60
            return
        }
        let wall = t.wallEpochSeconds
        let utc: Int64
        switch z.instants(ofWall: wall) {
        case .one(let u): utc = u
        case .two(let early, let late):
            if let last = lastUTC, last > early + (late - early) / 2 { utc = late } else { utc = early }
        case .skipped(let u): utc = u
        }
        lastUTC = utc
        zoneUTC = LogTime(epochSeconds: utc, nanosecond: Int64(t.nanosecond))
    }

    /// Files at least this big are counted by two threads (when nothing but the level is asked for).
    public var parallelCountThreshold: Int64 = 64 << 20

    /// Where a second thread should start counting the current file: the first record head after its middle.
    /// Nil when the file is small, compressed, or the scan has filters to apply record by record.
    func parallelSplit(_ r: RecordReader, _ c: FormatChoice) throws -> Int64? {
        guard !hasLevelFilter, !hasTimeFilter, r.stream.isSeekable, segments.isEmpty, segment.from == 0,
              r.stream.sizeAtOpen >= parallelCountThreshold, r.recordOffset == 0 || r.relativeLine <= 1 else { return nil }
        let search = TimeSearch(stream: r.stream, parser: c.makeParser())
        guard let split = try? search.probe(r.stream.sizeAtOpen / 2, anyHead: true)?.offset,
              split > r.recordOffset else { return nil }
        return split
    }

    /// Leaves the current file (its rest is being read elsewhere).
    func skipRestOfFile() {
        reader = nil
        segments = []
    }

    /// Line number of the current record's first line (counts the lines before a searched window on demand).
    public func lineNumber() throws -> Int {
        guard let r = reader else { return 0 }
        if lineBase == nil {
            lineBase = try countNewlines(r.stream, upTo: segment.from)
        }
        return (lineBase ?? 0) + r.relativeLine
    }

    // MARK: - files and segments

    private func openNextFile() throws {
        reader = nil
        choice = nil
        fileIndex += 1
        guard fileIndex < files.count else { finished = true; return }
        let p = files[fileIndex]
        path = p
        guard filter.acceptsPath(p) else { return try openNextFile() }
        let stream = try FileStream(path: p)
        let reference = yearReference(modificationTime: stream.modificationTime)
        let r = RecordReader(stream: stream)
        let c: FormatChoice
        switch try FormatDetector.detect(r, spec: spec, reference: reference) {
        case .chosen(let chosen):
            c = chosen
        case .noFit(let sampled):
            let why = "no line among the \(sampled) sampled of '\(p)' fits the format \(spec.description)"
            // One file: an error. One of a glob: a row of its own, so the others are still read.
            guard files.count > 1 else { throw LogScanError(why) }
            r.reportOnly(why)
            reader = r
            segments = []
            segment = Segment(from: 0, to: .max)
            lineBase = 0
            windowed = false
            return
        case .notText(let why):
            // Reported as a row of its own, so the other files of a glob are still read.
            r.reportOnly("'\(p)' is \(why)")
            reader = r
            segments = []
            segment = Segment(from: 0, to: .max)
            lineBase = 0
            windowed = false
            return
        }
        r.parser = c.parser
        choice = c
        reader = r
        lastUTC = nil
        segments = []
        windowed = false
        disorder = false
        lastTime = nil
        lineBase = 0
        segment = Segment(from: 0, to: .max)
        if filter.hasTimeBounds, stream.isSeekable, lowerBound != nil || upperBound != nil {
            let search = TimeSearch(stream: stream, parser: c.makeParser())
            do {
                guard try search.spreadProbesAreOrdered() else {
                    // Time goes back somewhere (a DST fall-back, merged files): the whole file is read.
                    orderFallbacks += 1
                    return
                }
                var from: Int64 = 0
                var to = Int64.max
                if let lb = lowerBound {
                    from = try search.firstOffset { lb.holds($0) }
                }
                if let ub = upperBound {
                    to = try search.firstOffset { !ub.holds($0) }
                }
                if try search.probesAreOrdered() {
                    binarySearches += 1
                    windowed = true
                    // Two probe spacings of slack at each end: a step back in time smaller than the spacing is
                    // read (the bounds are checked per record anyway).
                    let slack = 2 * search.probeSpacing
                    if from > 0 { from = try search.headOffset(atOrAfter: from - slack) }
                    if to < stream.sizeAtOpen {
                        let t = try search.headOffset(atOrAfter: to + slack)
                        to = t >= stream.sizeAtOpen ? .max : t
                    }
                    segment = Segment(from: from, to: max(from, to))
                    if from > 0 {
                        try r.seek(to: from)
                        lineBase = nil
                    }
                } else {
                    orderFallbacks += 1
                }
            } catch is TimeSearch.GaveUp {
                orderFallbacks += 1
            }
        }
    }

    /// The window turned out unordered: the rest of the file after it and the part before it are read too.
    private func noteDisorder() {
        orderFallbacks += 1
        if segment.to != .max { segments.append(Segment(from: segment.to, to: .max)) }
        if segment.from > 0 { segments.append(Segment(from: 0, to: segment.from)) }
        windowed = false
    }

    private func nextSegment() throws {
        guard let r = reader, !segments.isEmpty else {
            reader = nil
            return
        }
        let previousEnd = segment.to
        segment = segments.removeFirst()
        // The record before a segment that continues the last one is the one just read: keep it (a repeated hour's
        // reading depends on it).
        if segment.from != previousEnd { lastUTC = nil }
        try r.seek(to: segment.from)
        lineBase = segment.from == 0 ? 0 : nil
    }
}

/// The year and month of a file's modification time in local time (the reference for year-less timestamps).
public func yearReference(modificationTime: Int64) -> YearReference {
    var t = time_t(modificationTime)
    var parts = tm()
    guard localtime_r(&t, &parts) != nil else {
        let c = CivilDateTime(epochSeconds: modificationTime)
        return YearReference(year: c.year, month: c.month)
    }
    return YearReference(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1)
}

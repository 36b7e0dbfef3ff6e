// How a file's format is chosen: `auto` tries every known format on a sample of the file's lines and keeps the
// one that reads the most lines as record heads; among those, the most specific (the one that fills the most
// columns); among those, the first listed. The sample is the first 200 non-empty lines; when few of them fit (a
// job log that opens with pip's output), it grows to the rest of the first 64 KB and to windows spread over the
// whole file, so records after any number of other lines are found. A format given explicitly is sampled the
// same way. A text file that no format fits is read one row per line (`lines`); one that is not text at all is
// reported, not read. The parser the choice makes is the one a query that passes the reported format (and
// datefmt) back gets, so both read the same rows.
import Glibc
import StrataCommon

/// What was chosen for one file, and how well it fit the sampled lines.
public struct FormatChoice {
    /// The format as text that `read_log` accepts back (a Python format string, `rfc3164`, `jsonl`, `regex:...`).
    public var format: String
    /// The datefmt that goes with it (Python formats whose `%(asctime)s` is not ISO-8601), else nil.
    public var datefmt: String?
    /// python, rfc3164, rsyslog, rfc5424, jsonl, regex, docker or the named format's name.
    public var kind: String
    public var sampledLines: Int
    public var matchedLines: Int
    /// Why the result may not be what you expect (a poor fit, plain lines), nil when the fit is good.
    public var warning: String?
    public var parser: LineParser
    /// Another parser of the same format, for a second thread or a search (parsers may keep state).
    public var makeParser: () -> LineParser
}

/// A candidate format: how to name it and how to build its parser.
struct Candidate {
    var format: String
    var datefmt: String?
    var kind: String
    var make: (YearReference) -> LineParser
}

/// The outcome of looking at a file.
public enum Detection {
    case chosen(FormatChoice)
    /// An explicit format that no sampled line fits.
    case noFit(sampled: Int)
    /// Not a text file (`auto`): the reason.
    case notText(String)
}

public enum FormatDetector {
    /// The Python formats `auto` tries, with the datefmt each needs (nil: Python's default `asctime`, or any
    /// ISO-8601 time with `T`, offsets or `Z`). Library defaults come first: they are the most specific.
    public static let pythonFormats: [(format: String, datefmt: String?)] = [
        // loguru's default sink, written as the Python format that reads it.
        ("%(asctime)s | %(levelname)-8s | %(name)s:%(funcName)s:%(lineno)d - %(message)s", nil),
        // DeepSpeed (deepspeed/utils/logging.py).
        ("[%(asctime)s] [%(levelname)s] [%(filename)s:%(lineno)d:%(funcName)s] %(message)s", nil),
        // Airflow 2 task logs (log_format with the TimezoneAware formatter: ISO time with offset).
        ("[%(asctime)s] {%(filename)s:%(lineno)d} %(levelname)s - %(message)s", nil),
        // Celery workers (worker_log_format; task lines read with it too, their `task[id]:` in the message).
        ("[%(asctime)s: %(levelname)s/%(processName)s] %(message)s", nil),
        // Ray (ray_constants.LOGGER_FORMAT).
        ("%(asctime)s\t%(levelname)s %(filename)s:%(lineno)s -- %(message)s", nil),
        // W&B debug.log and debug-internal.log.
        ("%(asctime)s %(levelname)-7s %(threadName)-10s:%(process)d [%(filename)s:%(funcName)s():%(lineno)s] %(message)s", nil),
        // Jupyter Server (ServerApp.log_format, tornado's LogFormatter).
        ("%(color)s[%(levelname)1.1s %(asctime)s.%(msecs).03d %(name)s]%(end_color)s %(message)s", "%Y-%m-%d %H:%M:%S"),
        // tornado's LogFormatter default.
        ("%(color)s[%(levelname)1.1s %(asctime)s %(module)s:%(lineno)d]%(end_color)s %(message)s", "%y%m%d %H:%M:%S"),
        // gunicorn's error log.
        ("%(asctime)s [%(process)d] [%(levelname)s] %(message)s", "[%Y-%m-%d %H:%M:%S %z]"),
        // nginx's error log.
        ("%(asctime)s [%(levelname)s] %(process)d#%(thread)d: %(message)s", "%Y/%m/%d %H:%M:%S"),
        // Hugging Face examples (run_*.py: basicConfig with this datefmt).
        ("%(asctime)s - %(levelname)s - %(name)s - %(message)s", "%m/%d/%Y %H:%M:%S"),
        // MLflow's loggers (mlflow/utils/logging_utils.py: LOGGING_LINE_FORMAT, LOGGING_DATETIME_FORMAT).
        ("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y/%m/%d %H:%M:%S"),
        // Hugging Face transformers (transformers/utils/logging.py): enable_explicit_format(), which the
        // examples' run_*.py call, and TRANSFORMERS_VERBOSITY=detail.
        ("[%(levelname)s|%(filename)s:%(lineno)s] %(asctime)s >> %(message)s", nil),
        ("%(levelname)s [%(name)s:%(lineno)s] %(asctime)s %(message)s", nil),
        // Hydra's default job_logging (hydra/conf/hydra/job_logging/default.yaml): outputs/DATE/TIME/JOB.log.
        ("[%(asctime)s][%(name)s][%(levelname)s] - %(message)s", nil),
        // Optuna's default handler (optuna/logging.py: _create_default_formatter, a colorlog ColoredFormatter).
        ("%(log_color)s[%(levelname)1.1s %(asctime)s]%(reset)s %(message)s", nil),
        // Spark's log4j2 console pattern (conf/log4j2.properties.template, and the defaults bundled in
        // spark-core): `%d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex`.
        ("%(asctime)s %(levelname)s %(name)s: %(message)s", "%y/%m/%d %H:%M:%S"),
        // Prefect's console (prefect/logging/logging.yml, formatters.standard; flow and task run loggers write
        // `Flow run 'name' - ` in place of the logger's name): a time of day, no date.
        ("%(asctime)s.%(msecs)03d | %(levelname)-7s | %(name)s - %(message)s", "%H:%M:%S"),
        ("%(asctime)s.%(msecs)03d | %(levelname)-7s | %(message)s", "%H:%M:%S"),
        // uvicorn (default and access formatters).
        ("%(levelprefix)s %(message)s", nil),
        // apt's history.log: a block per run, `Start-Date:` first.
        ("Start-Date: %(asctime)s", "%Y-%m-%d  %H:%M:%S"),
        // Python logging's cookbook and common basicConfig formats.
        ("%(asctime)s [%(levelname)s] %(name)s: %(message)s", nil),
        ("%(asctime)s - %(name)s - %(levelname)s - %(message)s", nil),
        ("%(asctime)s - %(levelname)s - %(name)s - %(message)s", nil),
        ("%(asctime)s - %(levelname)s - %(message)s", nil),
        ("%(asctime)s [%(levelname)s] %(name)s - %(message)s", nil),
        ("%(asctime)s [%(levelname)s] %(message)s", nil),
        ("[%(asctime)s] [%(levelname)s] %(name)s: %(message)s", nil),
        ("[%(asctime)s] %(levelname)s %(name)s: %(message)s", nil),
        ("[%(asctime)s] %(levelname)s in %(module)s: %(message)s", nil),
        ("%(asctime)s %(levelname)s %(name)s: %(message)s", nil),
        ("%(asctime)s %(levelname)s [%(name)s] %(message)s", nil),
        ("%(asctime)s %(name)s %(levelname)s %(message)s", nil),
        ("%(asctime)s | %(levelname)s | %(name)s | %(message)s", nil),
        ("%(asctime)s | %(levelname)s | %(message)s", nil),
        ("%(asctime)s:%(levelname)s:%(name)s:%(message)s", nil),
        ("%(asctime)s %(levelname)s: %(message)s", nil),
        ("%(asctime)s %(levelname)s %(message)s", nil),
        ("%(levelname)s:%(name)s:%(message)s", nil),
        ("%(levelname)s %(asctime)s %(name)s: %(message)s", nil),
        ("%(levelname)s: %(message)s", nil),
    ]

    /// Named formats `auto` tries (before the Python formats: each is narrower than any of them).
    static let autoNamed: [NamedFormat] = [.glog, .tensorflow, .structlog, .rich, .combined, .dpkg, .vllm]

    static func candidates(for spec: LogFormatSpec) -> [Candidate] {
        let syslog = SyslogFlavor.allCases.map { f in
            Candidate(format: f.rawValue, kind: f.rawValue, make: { SyslogLineParser(f, reference: $0) })
        }
        func named(_ n: NamedFormat) -> Candidate {
            Candidate(format: n.rawValue, kind: n.rawValue, make: { n.makeParser(reference: $0) })
        }
        switch spec {
        case .syslog(nil):
            return syslog
        case .auto:
            var out = [Candidate(format: "jsonl", kind: "jsonl", make: { JSONLineParser(reference: $0) })]
            out += syslog
            out += autoNamed.map(named)
            for (f, d) in pythonFormats {
                guard let compiled = try? PythonFormat(f, datefmt: d) else { continue }
                out.append(Candidate(format: f, datefmt: d, kind: "python",
                                     make: { PythonLineParser(compiled, reference: $0) }))
            }
            return out
        case .syslog(let f?):
            return [Candidate(format: f.rawValue, kind: f.rawValue, make: { SyslogLineParser(f, reference: $0) })]
        case .jsonl:
            return [Candidate(format: "jsonl", kind: "jsonl", make: { JSONLineParser(reference: $0) })]
        case .python(let p):
            return [Candidate(format: p.source, datefmt: p.datefmt?.source, kind: "python",
                              make: { PythonLineParser(p, reference: $0) })]
        case .regex(let r):
            return [Candidate(format: "regex:" + r.source, datefmt: r.datefmt?.source, kind: "regex",
                              make: { RegexLineParser(r, reference: $0) })]
        case .named(let n):
            return [named(n)]
        case .docker(let inner):
            return candidates(for: inner).map(docker)
        }
    }

    /// `c` inside docker's json-file objects.
    static func docker(_ c: Candidate) -> Candidate {
        Candidate(format: "docker:" + c.format, datefmt: c.datefmt, kind: "docker",
                  make: { DockerLineParser(inner: c.make($0), reference: $0) })
    }

    /// When `auto` finds docker's json-file objects, the format of the lines inside them, if one fits them.
    static func dockerInner(_ lines: [UnsafeBufferPointer<UInt8>], _ all: [Candidate],
                            reference: YearReference) -> (Candidate, Score)? {
        guard var text = DockerLine.innerText(lines, reference: reference) else { return nil }
        let inner = all.filter { $0.kind != "jsonl" }
        return text.withUnsafeMutableBufferPointer { m -> (Candidate, Score)? in
            let b = UnsafeBufferPointer(m)
            let innerLines = splitLines(b, keepFirst: true, keepLast: true)
            let s = evaluate(inner, innerLines, spec: .auto, reference: reference)
            // As for the file itself: a format without times that explains fewer lines than it leaves is too weak.
            guard s.evidence > 0, !(s.timed * 2 < s.evidence && s.evidence < s.unexplained) else { return nil }
            return (docker(inner[s.index]), s)
        }
    }

    /// The first lines `detect` looks at.
    public static let sampleLines = 200
    /// How much of the file's start is sampled, and the windows looked at when its first lines fit poorly.
    static let headBytes = 64 << 10
    static let windowCount = 8
    static let windowBytes = 16 << 10
    /// The most lines one evaluation reads.
    static let maxLines = 1200

    /// Chooses the format of the file `reader` is at the start of (nothing is consumed).
    public static func detect(_ reader: RecordReader, spec: LogFormatSpec,
                              reference: YearReference) throws(FileError) -> Detection {
        let stream = reader.stream
        var head = try reader.sample(minimum: headBytes)
        let complete = !stream.isCompressed && Int64(head.count) >= stream.sizeAtOpen
        let bom = byteOrderMark(head)
        if case .auto = spec, let why = notText(sub(head, bom, head.count)) { return .notText(why) }
        let all = candidates(for: spec)
        var headLines = splitLines(sub(head, bom, head.count), keepFirst: true, keepLast: complete)
        var sampled = Array(headLines.prefix(sampleLines))
        var best = evaluate(all, sampled, spec: spec, reference: reference)
        // Few of the first lines fit: look further (the rest of the first window, then windows over the file, or
        // for a stream the next megabyte, which stays in the reader's buffer for the scan).
        var extra: [UInt8] = []
        if best.evidence * 10 < sampled.count || best.evidence == 0 {
            if stream.isSeekable && !stream.isCompressed {
                if stream.sizeAtOpen > Int64(head.count) { extra = try windows(stream, after: Int64(head.count)) }
            } else if !complete {
                let first = head.count
                head = try reader.sample(minimum: 1 << 20)
                headLines = splitLines(sub(head, bom, head.count), keepFirst: true, keepLast: false)
                if head.count > first {
                    // Lines past the first window, at most half the evaluation.
                    let rest = headLines.filter { p in
                        guard let b = p.baseAddress, let h = head.baseAddress else { return false }
                        return h.distance(to: b) >= first
                    }
                    for l in rest.suffix(maxLines / 2) { extra.append(contentsOf: l); extra.append(0x0A) }
                    headLines = headLines.filter { p in
                        guard let b = p.baseAddress, let h = head.baseAddress else { return false }
                        return h.distance(to: b) < first
                    }
                }
            }
            extra.withUnsafeBufferPointer { e in
                let further = splitLines(e, keepFirst: true, keepLast: false)
                let more = spread(headLines, first: maxLines / 4, total: further.isEmpty ? maxLines : maxLines / 2) + further
                let wider = evaluate(all, more, spec: spec, reference: reference)
                if wider.evidence > best.evidence {
                    best = wider
                    sampled = more
                }
            }
        }
        let nonEmpty = sampled.count
        let isAuto: Bool
        if case .auto = spec { isAuto = true } else { isAuto = false }
        // A format without times that fits fewer lines than it leaves unexplained is too weak a reading (pip's
        // `ERROR: ...` among prints): `auto` reads such a file one row per line instead.
        let weak = isAuto && best.evidence > 0 && best.timed * 2 < best.evidence && best.evidence < best.unexplained
        if best.evidence == 0 || weak {
            guard isAuto else { return .noFit(sampled: nonEmpty) }
            let lines = NamedFormat.lines
            let why = weak ? "poor fit for every known format (the best, '\(all[best.index].format)', reads \(best.matched) of \(nonEmpty) sampled lines): one row per line"
                : "no known format fits: one row per line"
            return .chosen(FormatChoice(format: lines.rawValue, kind: lines.rawValue, sampledLines: nonEmpty,
                                        matchedLines: 0, warning: nonEmpty == 0 ? nil : why,
                                        parser: lines.makeParser(reference: reference),
                                        makeParser: { lines.makeParser(reference: reference) }))
        }
        var c = all[best.index]
        if isAuto, c.kind == "jsonl", let (d, inner) = dockerInner(sampled, all, reference: reference) {
            // What is reported is how the inner lines fit.
            c = d
            best.matched = inner.matched
            best.unexplained = inner.unexplained
        }
        return .chosen(FormatChoice(format: c.format, datefmt: c.datefmt, kind: c.kind, sampledLines: nonEmpty,
                                    matchedLines: best.matched, warning: warning(best, nonEmpty),
                                    parser: c.make(reference), makeParser: { c.make(reference) }))
    }

    struct Score {
        var index = 0
        /// Lines read as heads whose level (if any) is a known name: what the choice goes by.
        var evidence = 0
        /// Lines read as heads (custom level names such as loguru's `SUCCESS` included): what is reported.
        var matched = 0
        var specificity = 0
        /// Evidence lines with a time.
        var timed = 0
        /// Sampled lines that neither start a record nor look like continuation lines (indented, tracebacks).
        var unexplained = 0
    }

    /// Lines a first pass reads with every candidate when the sample is large.
    static let probeLines = 120

    /// Reads `lines` with every candidate: the one with the most heads, then the most columns filled, wins. A large
    /// sample is first probed with every candidate on lines spread over it; only those that read at least a
    /// quarter as many heads as the best there read the whole sample (a file's winner reads the most heads
    /// everywhere, so it is never left out, and detection stays cheap on 1,200 lines).
    static func evaluate(_ all: [Candidate], _ lines: [UnsafeBufferPointer<UInt8>], spec: LogFormatSpec,
                         reference: YearReference) -> Score {
        let auto: Bool
        if case .auto = spec { auto = true } else { auto = false }
        var chosen = Array(all.indices)
        if all.count > 4, lines.count > 2 * probeLines {
            let step = lines.count / probeLines
            let probe = stride(from: 0, to: lines.count, by: step).map { lines[$0] }
            let scores = chosen.map { score(all[$0], $0, probe, auto: auto, reference: reference) }
            let top = scores.map(\.evidence).max() ?? 0
            if top > 0 { chosen = chosen.filter { scores[$0].evidence * 4 >= top } }
        }
        var best = Score()
        for i in chosen {
            let s = score(all[i], i, lines, auto: auto, reference: reference)
            if s.evidence > best.evidence || (s.evidence == best.evidence && s.specificity > best.specificity) {
                best = s
            }
        }
        if best.evidence == 0 { best.unexplained = lines.filter { !looksLikeContinuation($0) }.count }
        return best
    }

    /// How candidate `c` (number `i`) reads `lines`.
    static func score(_ c: Candidate, _ i: Int, _ lines: [UnsafeBufferPointer<UInt8>], auto: Bool,
                      reference: YearReference) -> Score {
        let parser = c.make(reference)
        var head = RecordHead()
        var s = Score(index: i)
        var unexplained = 0
        // A format whose records repeat their prefix on every line (PyTorch): such a line is no record's head.
        let repeats = parser.continuesRepeatedPrefix
        var previous = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        for l in lines {
            guard let at = HeadFinder.find(parser, l, &head) else {
                if !looksLikeContinuation(l) { unexplained += 1 }
                previous = UnsafeBufferPointer(start: nil, count: 0)
                continue
            }
            if repeats {
                let prefix = at == 0 ? LineParser.prefixLength(head).map { sub(l, 0, min($0, l.count)) } : nil
                defer { previous = prefix ?? UnsafeBufferPointer(start: nil, count: 0) }
                if let p = prefix, let a = p.baseAddress, let b = previous.baseAddress, p.count == previous.count,
                   memcmp(a, b, p.count) == 0 { continue }
            }
            s.matched += 1
            // `auto` counts a line as evidence only when its level is a known name: a custom capitalised word
            // may be a level, but is no evidence for a format.
            if auto, head.level == .other { continue }
            s.evidence += 1
            s.specificity += specificity(head)
            if head.hasTime { s.timed += 1 }
        }
        s.unexplained = unexplained
        return s
    }

    /// How many columns a head fills: time, level, logger, pid and each other field.
    static func specificity(_ h: RecordHead) -> Int {
        (h.hasTime ? 1 : 0) + (h.level != .none ? 1 : 0) + (h.logger.isPresent ? 1 : 0) + (h.hasPid ? 1 : 0)
            + h.extras.count
    }

    static func warning(_ s: Score, _ sampled: Int) -> String? {
        guard s.unexplained > s.matched else { return nil }
        return "poor fit: \(s.matched) of \(sampled) sampled lines start records and \(s.unexplained) others are neither records nor continuation lines"
    }

    /// Indented lines, tracebacks (headers, chain lines, the exception line, rich's box drawing) and blank
    /// lines: what follows a record's first line.
    static func looksLikeContinuation(_ l: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let c = l.first else { return true }
        if c == 0x20 || c == 0x09 { return true }
        // Box drawing (U+2500...U+257F): rich's tracebacks and tables.
        if c == 0xE2, l.count > 1, l[1] == 0x94 || l[1] == 0x95 { return true }
        return isTracebackHeader(l) || isChainLine(l) || ExceptionLine.parse(l) != nil
    }

    /// The reason a sample is no text: more than 10% control bytes (NUL runs, left by a crash, aside).
    static func notText(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        var control = 0
        var other = 0
        for c in b {
            if c == 0 { continue }
            if (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D && c != 0x1B) || c == 0x7F { control += 1 } else { other += 1 }
        }
        guard control * 10 > control + other else { return nil }
        return "not a text file (\(control) control bytes among the first \(control + other))"
    }

    /// Non-empty lines of `b` (line ends and a final `\r` dropped). `keepFirst`: the first piece is a whole line
    /// (else it is skipped: a window starts mid-line); `keepLast`: so is the last piece after the final `\n`.
    static func splitLines(_ b: UnsafeBufferPointer<UInt8>, keepFirst: Bool, keepLast: Bool) -> [UnsafeBufferPointer<UInt8>] {
        var out: [UnsafeBufferPointer<UInt8>] = []
        var i = 0
        if !keepFirst {
            guard let nl = findByte(b, 0x0A, from: 0) else { return [] }
            i = nl + 1
        }
        while i < b.count {
            guard let nl = findByte(b, 0x0A, from: i) else {
                // The last piece: a whole line only when the sample holds the file's end; still worth a try when
                // nothing else is there (one very long first line).
                if keepLast || out.isEmpty { append(sub(b, i, b.count)) }
                break
            }
            var e = nl
            if e > i, b[e - 1] == 0x0D { e -= 1 }
            append(sub(b, i, e))
            i = nl + 1
        }
        func append(_ l: UnsafeBufferPointer<UInt8>) {
            if l.contains(where: { !isSpace($0) }) { out.append(l) }
        }
        return out
    }

    /// At most `total` of `lines`: the first `first`, then runs of consecutive lines spread evenly over the rest,
    /// the last run ending at the last line (a head that holds the whole file may have its records at the end).
    static func spread(_ lines: [UnsafeBufferPointer<UInt8>], first: Int, total: Int) -> [UnsafeBufferPointer<UInt8>] {
        guard lines.count > total, total > first else { return Array(lines.prefix(total)) }
        var out = Array(lines.prefix(first))
        let rest = lines.count - first
        let runs = windowCount + 1
        let per = max(1, (total - first) / runs)
        var next = first
        for k in 0..<runs {
            let start = max(next, k == runs - 1 ? lines.count - per : first + rest * k / runs)
            let end = min(lines.count, start + per)
            if start < end { out += lines[start..<end] }
            next = end
        }
        return out
    }

    /// Lines from windows spread evenly over the rest of a plain file (and its last bytes), copied one after the
    /// other, each with its `\n`.
    static func windows(_ stream: FileStream, after: Int64) throws(FileError) -> [UInt8] {
        let size = stream.sizeAtOpen
        var offsets: [Int64] = []
        let span = size - after
        for k in 0..<windowCount { offsets.append(after + span * Int64(k) / Int64(windowCount)) }
        offsets.append(max(after, size - Int64(windowBytes)))
        var out: [UInt8] = []
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: windowBytes, alignment: 16)
        defer { buf.deallocate() }
        for o in offsets {
            let n = try stream.read(at: o, into: buf)
            guard n > 0 else { continue }
            let p = UnsafeBufferPointer(start: buf.baseAddress?.assumingMemoryBound(to: UInt8.self), count: n)
            let lines = splitLines(p, keepFirst: false, keepLast: o + Int64(n) >= size)
            for l in lines.prefix(maxLines / (2 * (windowCount + 1))) { out.append(contentsOf: l); out.append(0x0A) }
        }
        return out
    }
}

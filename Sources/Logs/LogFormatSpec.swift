// The `format` argument of read_log/log_file: `auto` (default), a Python logging format string verbatim,
// `syslog` (any of its three shapes) or one of `rfc3164`/`rsyslog`/`rfc5424`, `jsonl`, or `regex:<pattern>`.
// Parsed once per statement; a parser per file is made from it (the year reference is per file).

public enum LogFormatSpec: @unchecked Sendable {
    case auto
    case python(PythonFormat)
    /// nil: detect which syslog shape per file.
    case syslog(SyslogFlavor?)
    case jsonl
    case regex(RegexFormat)

    public static let usage = "auto, a Python logging format such as '%(asctime)s [%(levelname)s] %(name)s: %(message)s', syslog, rfc3164, rsyslog, rfc5424, jsonl or regex:<pattern with named groups>"

    /// Reads a format argument. `datefmt` applies to Python formats and regex `ts` groups.
    public static func parse(_ text: String?, datefmt: String? = nil) throws(LogFormatError) -> LogFormatSpec {
        let t = text ?? "auto"
        if t.hasPrefix("regex:") { return .regex(try RegexFormat(String(t.dropFirst(6)), datefmt: datefmt)) }
        switch t.lowercased() {
        case "", "auto": return .auto
        case "jsonl", "json", "ndjson", "json-lines", "jsonlines": return .jsonl
        case "syslog": return .syslog(nil)
        case "rfc3164", "syslog-rfc3164", "bsd": return .syslog(.rfc3164)
        case "rsyslog", "syslog-iso", "rfc3339", "iso": return .syslog(.iso)
        case "rfc5424", "syslog-rfc5424": return .syslog(.rfc5424)
        default: break
        }
        if t.contains("%(") || (t.contains("{") && t.contains("}")) {
            return .python(try PythonFormat(t, datefmt: datefmt))
        }
        throw LogFormatError("unknown format '\(t)' (expected \(usage))")
    }
}

/// What was chosen for one file, and how well it fit the first lines.
public struct FormatChoice {
    /// The format as text that `read_log` accepts back (a Python format string, `rfc3164`, `jsonl`, `regex:...`).
    public var format: String
    /// python, rfc3164, rsyslog, rfc5424, jsonl or regex.
    public var kind: String
    public var sampledLines: Int
    public var matchedLines: Int
    public var parser: LineParser
    /// Another parser of the same format, for a second thread.
    public var makeParser: () -> LineParser
}

/// A candidate format: how to name it and how to build its parser.
struct Candidate {
    var format: String
    var kind: String
    var make: (YearReference) -> LineParser
}

public enum FormatDetector {
    /// The Python formats `auto` tries, most specific first (ties go to the earlier one).
    public static let pythonFormats = [
        "%(asctime)s [%(levelname)s] %(name)s: %(message)s",
        "%(asctime)s - %(name)s - %(levelname)s - %(message)s",
        "%(asctime)s - %(levelname)s - %(name)s - %(message)s",
        "%(asctime)s - %(levelname)s - %(message)s",
        "%(asctime)s [%(levelname)s] %(name)s - %(message)s",
        "%(asctime)s [%(levelname)s] %(message)s",
        "[%(asctime)s] [%(levelname)s] %(name)s: %(message)s",
        "[%(asctime)s] %(levelname)s %(name)s: %(message)s",
        "[%(asctime)s] %(levelname)s in %(module)s: %(message)s",
        "%(asctime)s %(levelname)s %(name)s: %(message)s",
        "%(asctime)s %(levelname)s [%(name)s] %(message)s",
        "%(asctime)s %(name)s %(levelname)s %(message)s",
        "%(asctime)s | %(levelname)s | %(name)s | %(message)s",
        "%(asctime)s | %(levelname)s | %(message)s",
        "%(asctime)s:%(levelname)s:%(name)s:%(message)s",
        "%(asctime)s %(levelname)s: %(message)s",
        "%(asctime)s %(levelname)s %(message)s",
        "%(levelname)s:%(name)s:%(message)s",
        "%(levelname)s %(asctime)s %(name)s: %(message)s",
        "%(levelname)s: %(message)s",
    ]

    static func candidates(for spec: LogFormatSpec) -> [Candidate] {
        let syslog = SyslogFlavor.allCases.map { f in
            Candidate(format: f.rawValue, kind: f.rawValue, make: { SyslogLineParser(f, reference: $0) })
        }
        switch spec {
        case .syslog(nil):
            return syslog
        case .auto:
            var out = [Candidate(format: "jsonl", kind: "jsonl", make: { JSONLineParser(reference: $0) })]
            out += syslog
            for f in pythonFormats {
                guard let compiled = try? PythonFormat(f) else { continue }
                out.append(Candidate(format: f, kind: "python",
                                     make: { PythonLineParser(compiled, reference: $0, strict: true) }))
            }
            return out
        case .syslog(let f?):
            return [Candidate(format: f.rawValue, kind: f.rawValue, make: { SyslogLineParser(f, reference: $0) })]
        case .jsonl:
            return [Candidate(format: "jsonl", kind: "jsonl", make: { JSONLineParser(reference: $0) })]
        case .python(let p):
            return [Candidate(format: p.source, kind: "python", make: { PythonLineParser(p, reference: $0) })]
        case .regex(let r):
            return [Candidate(format: "regex:" + r.source, kind: "regex", make: { RegexLineParser(r, reference: $0) })]
        }
    }

    /// The most lines `detect` looks at.
    public static let sampleLines = 200

    /// Chooses the format for a file from its first bytes. Nil when no line of the sample fits any candidate
    /// (an empty sample gives the first candidate, with zero lines).
    public static func detect(_ sample: UnsafeBufferPointer<UInt8>, spec: LogFormatSpec,
                              reference: YearReference, isComplete: Bool) -> FormatChoice? {
        let all = candidates(for: spec)
        var lines: [UnsafeBufferPointer<UInt8>] = []
        var i = 0
        while i < sample.count, lines.count < sampleLines {
            guard let nl = findByte(sample, 0x0A, from: i) else {
                // The last, unterminated piece: a whole line only when the sample holds the whole file;
                // otherwise still worth a try when nothing else is there (one very long first line).
                if isComplete || lines.isEmpty { lines.append(sub(sample, i, sample.count)) }
                break
            }
            var e = nl
            if e > i, sample[e - 1] == 0x0D { e -= 1 }
            lines.append(sub(sample, i, e))
            i = nl + 1
        }
        let nonEmpty = lines.filter { l in l.contains { !isSpace($0) } }
        var best: (Candidate, LineParser, Int)? = nil
        var head = RecordHead()
        for c in all {
            let parser = c.make(reference)
            var n = 0
            for l in nonEmpty where parser.parseHead(l, into: &head) { n += 1 }
            if n > (best?.2 ?? 0) { best = (c, parser, n) }
        }
        if let (c, p, n) = best {
            return FormatChoice(format: c.format, kind: c.kind, sampledLines: nonEmpty.count, matchedLines: n, parser: p,
                                makeParser: { c.make(reference) })
        }
        guard nonEmpty.isEmpty, let c = all.first else { return nil }
        return FormatChoice(format: c.format, kind: c.kind, sampledLines: 0, matchedLines: 0, parser: c.make(reference),
                            makeParser: { c.make(reference) })
    }
}

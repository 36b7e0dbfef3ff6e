// The `format` argument of read_log/log_file: `auto` (default), a Python logging format string verbatim,
// `syslog` (any of its three shapes) or one of `rfc3164`/`rsyslog`/`rfc5424`, `jsonl`, `regex:<pattern>`, or a
// named format for output no format string describes (`glog`, `structlog`, `rich`, `combined`, `dpkg`, `vllm`,
// `lines`), or `docker:<format>` for docker's json-file driver around lines in that format. Parsed once per statement; a parser per file is made from it (the year reference is per file).
// Which format `auto` picks, and how, is FormatDetection.swift.

public indirect enum LogFormatSpec: @unchecked Sendable {
    case auto
    case python(PythonFormat)
    /// nil: detect which syslog shape per file.
    case syslog(SyslogFlavor?)
    case jsonl
    case regex(RegexFormat)
    case named(NamedFormat)
    /// docker's json-file driver, each object's `log` read with the inner format.
    case docker(LogFormatSpec)

    public static let usage = "auto, a Python logging format such as '%(asctime)s [%(levelname)s] %(name)s: %(message)s', syslog, rfc3164, rsyslog, rfc5424, jsonl, glog, structlog, rich, combined, dpkg, vllm, lines, regex:<pattern with named groups> or docker:<one of these>"

    /// Reads a format argument. `datefmt` applies to Python formats and regex `ts` groups.
    public static func parse(_ text: String?, datefmt: String? = nil) throws(LogFormatError) -> LogFormatSpec {
        let t = text ?? "auto"
        if t.hasPrefix("regex:") { return .regex(try RegexFormat(String(t.dropFirst(6)), datefmt: datefmt)) }
        if t.hasPrefix("docker:") {
            let inner = try parse(String(t.dropFirst(7)), datefmt: datefmt)
            switch inner {
            case .auto, .docker, .jsonl:
                throw LogFormatError("format '\(t)': docker: takes a line format after it (such as docker:%(asctime)s %(message)s)")
            default:
                return .docker(inner)
            }
        }
        switch t.lowercased() {
        case "", "auto": return .auto
        case "jsonl", "json", "ndjson", "json-lines", "jsonlines": return .jsonl
        case "syslog": return .syslog(nil)
        case "rfc3164", "syslog-rfc3164", "bsd": return .syslog(.rfc3164)
        case "rsyslog", "syslog-iso", "rfc3339", "iso": return .syslog(.iso)
        case "rfc5424", "syslog-rfc5424": return .syslog(.rfc5424)
        default: break
        }
        if let n = NamedFormat(name: t) { return .named(n) }
        if t.contains("%(") || (t.contains("{") && t.contains("}")) {
            return .python(try PythonFormat(t, datefmt: datefmt))
        }
        throw LogFormatError("unknown format '\(t)' (expected \(usage))")
    }

    /// The format as text for messages.
    public var description: String {
        switch self {
        case .auto: return "auto"
        case .python(let p): return "'\(p.source)'"
        case .syslog(let f): return f?.rawValue ?? "syslog"
        case .jsonl: return "jsonl"
        case .regex(let r): return "'regex:\(r.source)'"
        case .named(let n): return n.rawValue
        case .docker(let inner): return "docker:" + inner.description
        }
    }
}

/// Formats with a name instead of a format string: hand-written parsers for output that no Python format string
/// describes (or describes only in part).
public enum NamedFormat: String, CaseIterable, Sendable {
    /// absl-py and glog (TensorFlow, JAX): `I1120 02:00:01.123456 12345 file.py:42] msg`.
    case glog
    /// TensorFlow's and XLA's C++ logging (tsl): `2026-11-20 02:00:01.123456: I tensorflow/core/x.cc:182] msg`.
    case tensorflow
    /// structlog's ConsoleRenderer: `2026-11-20 02:00:01 [info     ] event   key=value`.
    case structlog
    /// rich's RichHandler written to a file: `[11/20/26 02:00:01] INFO     msg     file.py:42`.
    case rich
    /// The combined access log of nginx, Apache and gunicorn: `1.2.3.4 - - [20/Nov/2026:02:00:01 +0000] "GET / ..." 200 ...`.
    case combined
    /// dpkg's `/var/log/dpkg.log`: `2026-11-20 02:00:01 status installed libc6:amd64 2.36-9`.
    case dpkg
    /// vLLM: `INFO 11-20 02:00:01 [engine.py:42] msg` (no year), every line of a multi-line record prefixed.
    case vllm
    /// One row per line, with a time and a level where recognisable: what `auto` falls back to.
    case lines

    public init?(name: String) {
        switch name.lowercased() {
        case "glog", "absl": self = .glog
        case "tensorflow", "tsl", "xla": self = .tensorflow
        case "structlog": self = .structlog
        case "rich": self = .rich
        case "combined", "clf", "access", "nginx-access": self = .combined
        case "dpkg": self = .dpkg
        case "vllm": self = .vllm
        case "lines", "text", "plain": self = .lines
        default: return nil
        }
    }

    public func makeParser(reference: YearReference) -> LineParser {
        switch self {
        case .glog: return GlogLineParser(reference: reference)
        case .tensorflow: return TSLLineParser(reference: reference)
        case .structlog: return StructlogLineParser(reference: reference)
        case .rich: return RichLineParser(reference: reference)
        case .combined: return AccessLogLineParser(reference: reference)
        case .dpkg: return DpkgLineParser(reference: reference)
        case .vllm: return VLLMLineParser(reference: reference)
        case .lines: return PlainLineParser(reference: reference)
        }
    }
}

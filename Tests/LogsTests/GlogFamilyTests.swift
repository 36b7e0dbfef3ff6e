// glog's family of line prefixes: absl/glog, PyTorch's TorchLogsFormatter (`[rankN]:` first, every line of a
// multi-line message behind the same prefix) and TensorFlow's C++ logging (`tensorflow`). The real writers'
// output is checked against their own records in Tests/integration/test_log_formats_real.py; these pin the edges:
// near-misses that are no heads, and records whose lines repeat their prefix met by a reader, a binary search and
// the two-thread count.
import Foundation
import StrataCommon
import Testing
@testable import Logs

private let ref = YearReference(year: 2026, month: 11)

private func head(_ parser: LineParser, _ line: String) -> RecordHead? {
    var h = RecordHead()
    var s = line
    let ok = s.withUTF8 { parser.parseHead($0, into: &h) }
    return ok ? h : nil
}

private func text(_ line: String, _ span: Span) -> String? {
    guard span.isPresent else { return nil }
    let u = Array(line.utf8)
    return String(decoding: u[Int(span.start)..<Int(span.end)], as: UTF8.self)
}

private func fields(_ parser: LineParser, _ line: String, _ h: RecordHead) -> [String: String] {
    var out: [String: String] = [:]
    for e in h.extras {
        guard case .fixed(let i) = e.name else { continue }
        out[parser.fieldNames[i]] = text(line, e.value)
    }
    return out
}

private func tempFile(_ contents: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-glog-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent("t.log")
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

@Suite struct GlogFamilyTests {
    @Test func tensorflowHeads() throws {
        let p = TSLLineParser(reference: ref)
        let line = "2026-11-20 02:00:01.123456: W tensorflow/core/platform/cpu_feature_guard.cc:182] To enable AVX512"
        let h = try #require(head(p, line))
        #expect(h.level == .warning && h.time.text == "2026-11-20 02:00:01.123")
        #expect(text(line, h.message) == "To enable AVX512")
        #expect(fields(p, line, h) == ["filename": "tensorflow/core/platform/cpu_feature_guard.cc", "lineno": "182"])
        let tid = "2026-11-20 02:00:01.000001: F   12345 external/local_xla/xla/service/service.cc:168] abort"
        let t = try #require(head(p, tid))
        #expect(t.level == .critical && fields(p, tid, t)["thread"] == "12345" && text(tid, t.message) == "abort")
        for miss in ["2026-11-20 02:00:01.123456: X a.cc:1] bad letter",
                     "2026-11-20 02:00:01.123456 I a.cc:1] no colon after the time",
                     "2026-11-20 02:00:01.123456: I a.cc] no line number",
                     "2026-11-20 02:00:01.123456: I a b.cc:1] a space in the file",
                     "2026-11-20 02:00:01,123 - trainer - INFO - Python's default",
                     "2026-13-20 02:00:01.123456: I a.cc:1] month 13"] {
            #expect(head(p, miss) == nil, "\(miss)")
        }
    }

    @Test func torchHeads() throws {
        let p = GlogLineParser(reference: ref)
        let line = "[rank3]:C1120 02:00:01.123000 4242 torch/distributed/run.py:792] worker failed"
        let h = try #require(head(p, line))
        #expect(h.level == .critical && h.time.text == "2026-11-20 02:00:01.123")
        #expect(fields(p, line, h) == ["rank": "3", "thread": "4242", "filename": "torch/distributed/run.py", "lineno": "792"])
        #expect(text(line, h.message) == "worker failed")
        let v = try #require(head(p, "V1120 02:00:01.123000 4242 torch/_dynamo/guards.py:1] debug"))
        #expect(v.level == .debug)
        for miss in ["[rank]:I1120 02:00:01.123000 4242 run.py:1] no rank number",
                     "[rankx3]:I1120 02:00:01.123000 4242 run.py:1] not a rank",
                     "[rank3] I1120 02:00:01.123000 4242 run.py:1] no colon",
                     "[rank3]:X1120 02:00:01.123000 4242 run.py:1] bad letter"] {
            #expect(head(p, miss) == nil, "\(miss)")
        }
    }

    /// A torch-style file: record i at 30 s steps, every third one a three-line message (a traceback's shape)
    /// whose lines all repeat its prefix; two records from one source line a second apart stay two.
    static func torchLog(_ n: Int) -> (text: String, lines: Int) {
        var text = ""
        var lines = 0
        for i in 0..<n {
            let t = LogTime(epochSeconds: 1_795_000_000 + Int64(i) * 30)!.text
            let day = t.prefix(10).replacingOccurrences(of: "-", with: "")
            let prefix = "[rank0]:\(i % 10 == 0 ? "E" : "I")\(day) \(t.dropFirst(11))000 4242 train.py:42]"
            text += "\(prefix) record \(i)\n"
            lines += 1
            if i % 3 == 0 {
                text += "\(prefix) Traceback (most recent call last):\n\(prefix)   File \"train.py\", line 42\n"
                lines += 2
            }
        }
        return (text, lines)
    }

    @Test func repeatedPrefixesStayOneRecord() throws {
        let path = try tempFile(Self.torchLog(30).text)
        let r = RecordReader(stream: try FileStream(path: path), parser: GlogLineParser(reference: ref))
        var got: [(Int, String)] = []
        while try r.next() { got.append((r.lineCount, String(decoding: r.record, as: UTF8.self))) }
        #expect(got.count == 30)
        #expect(got.map(\.0) == (0..<30).map { $0 % 3 == 0 ? 3 : 1 })
        #expect(got[3].1.hasSuffix("train.py:42]   File \"train.py\", line 42"))
    }

    @Test func detectionCountsRecordsNotRepeatedLines() throws {
        let path = try tempFile(Self.torchLog(30).text)
        let r = RecordReader(stream: try FileStream(path: path))
        guard case .chosen(let c) = try FormatDetector.detect(r, spec: .auto, reference: ref) else {
            Issue.record("no format chosen")
            return
        }
        #expect(c.kind == "glog")
        #expect(c.sampledLines == 50 && c.matchedLines == 30)
    }

    @Test func probesLandOnRecordStarts() throws {
        let text = Self.torchLog(300).text
        let path = try tempFile(text)
        let search = TimeSearch(stream: try FileStream(path: path), parser: GlogLineParser(reference: ref))
        // Line starts, and which of them start records (a line whose prefix differs from the line before).
        var lineStarts: [Int64] = []
        var recordStarts: Set<Int64> = []
        var offset: Int64 = 0
        var previousPrefix = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let prefix = String(line[..<(line.range(of: "] ")?.lowerBound ?? line.endIndex)])
            lineStarts.append(offset)
            if prefix != previousPrefix { recordStarts.insert(offset) }
            previousPrefix = prefix
            offset += Int64(line.utf8.count + 1)
        }
        #expect(recordStarts.count == 300)
        // A probe at any line, one of a record's repeated lines too, finds a record's first line.
        var missed: [Int64] = []
        for o in lineStarts {
            let found = try #require(try search.probe(o, anyHead: true)).offset
            if !recordStarts.contains(found) { missed.append(o) }
        }
        #expect(missed.isEmpty, "probes at \(missed.prefix(5)) found a repeated line")
    }

    @Test func binarySearchAndTwoThreadCountSkipRepeatedLines() throws {
        let n = 20_000
        let path = try tempFile(Self.torchLog(n).text)
        let lo = LogTime(epochSeconds: 1_795_000_000 + 10_000 * 30)!.text
        let hi = LogTime(epochSeconds: 1_795_000_000 + 10_120 * 30)!.text
        var f = LogFilter()
        f.timeBounds = [TimeBound(.ge, lo), TimeBound(.lt, hi)]
        let s = LogScanner(files: [path], spec: .named(.glog), filter: f)
        var messages: [String] = []
        while try s.next() {
            let r = try #require(s.reader)
            let m = r.head.message
            messages.append(String(decoding: r.record[Int(m.start)..<r.firstLineLength], as: UTF8.self))
        }
        #expect(messages == (10_000..<10_120).map { "record \($0)" })
        #expect(s.binarySearches == 1)
        // Split in the middle for a second thread: at a record's first line, never one of its repeated lines.
        let parallel = LogScanner(files: [path], spec: .named(.glog), filter: LogFilter())
        parallel.parallelCountThreshold = 0
        let a = try parallel.countLevels()
        #expect(parallel.parallelCounts == 1)
        var got: [String: Int] = [:]
        for g in a.groups(descending: false) { got[g.text.map { String(decoding: $0, as: UTF8.self) } ?? ""] = g.count }
        #expect(got == ["ERROR": n / 10, "INFO": n - n / 10])
    }
}

// absl's lines before absl::InitializeLog() (TensorFlow 2.17+, JAX, XLA, PyTorch/XLA) put the Unix time in the
// seconds field under a zero date; the line is copied from pytorch/xla#6890's log. The time is that instant, UTC.
@Test func abslLinesBeforeInitializationCarryTheUnixTime() throws {
    let p = GlogLineParser(reference: ref)
    let line = "I0000 00:00:1712267574.801377  681831 pjrt_api.cc:100] GetPjrtApi was found for tpu"
    let h = try #require(head(p, line))
    #expect(h.time == LogTime(year: 2024, month: 4, day: 4, hour: 21, minute: 52, second: 54, nanosecond: 801_377_000))
    #expect(h.time.utcOffsetMinutes == 0)
    #expect(h.level == .info)
    #expect(fields(p, line, h) == ["thread": "681831", "filename": "pjrt_api.cc", "lineno": "100"])
    #expect(text(line, h.message) == "GetPjrtApi was found for tpu")
    // Near misses: a zero date with a clock, too few digits for a Unix time, hours that are not zero.
    #expect(head(p, "I0000 00:00:12.801377  681831 pjrt_api.cc:100] m") == nil)
    #expect(head(p, "I0000 01:00:1712267574.801377  681831 pjrt_api.cc:100] m") == nil)
    #expect(head(p, "I0000 00:00:01.801377  681831 pjrt_api.cc:100] m") == nil)
}

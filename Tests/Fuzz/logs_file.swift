// libFuzzer target: a log file read record by record, every column touched the way LogsSQL's cursor does.
// An input starting with "!" carries a format on its first line (a Python logging format, "regex:...",
// "syslog", "jsonl", ...), so format strings are fuzzed too; otherwise the format is detected ("auto").
import Glibc

private let path = "/tmp/strata-fuzz-logs-\(getpid()).log"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let all = UnsafeBufferPointer(start: data, count: size)
    var body = all[...]
    var formatText: String? = nil
    if size > 0, all[0] == UInt8(ascii: "!") {
        let end = all.firstIndex(of: 0x0A) ?? size
        formatText = String(decoding: all[1..<end], as: UTF8.self)
        body = all[min(end + 1, size)...]
    }
    guard let spec = try? LogFormatSpec.parse(formatText) else { return 0 }
    guard let f = fopen(path, "wb") else { return 0 }
    _ = UnsafeBufferPointer(rebasing: body).baseAddress.map { fwrite($0, 1, body.count, f) }
    fclose(f)

    let scanner = LogScanner(files: [path], spec: spec, filter: LogFilter())
    var ts = [UInt8](repeating: 0, count: LogTime.textLength)
    var records = 0
    while records < 10_000, (try? scanner.next()) == true, let r = scanner.reader {
        records += 1
        _ = try? scanner.lineNumber()
        let head = r.current.pointee
        if head.hasTime { ts.withUnsafeMutableBufferPointer { p in p.baseAddress.map { head.time.write(to: $0) } } }
        var spans = [head.levelText, head.logger, head.message]
        spans += head.extras.map(\.value)
        scanner.withHeadBytes(r) { b in
            for s in spans where s.isPresent {
                // A span outside the record's bytes is a scanner bug: the cursor would return NULL and hide it.
                precondition(Int(s.end) <= b.count, "span \(s) beyond \(b.count) bytes")
                var sum: UInt8 = 0
                for byte in b[Int(s.start)..<Int(s.end)] { sum &+= byte }
                _ = sum
            }
        }
        _ = r.record.count &+ r.firstLineLength &+ r.lineCount
    }
    return 0
}

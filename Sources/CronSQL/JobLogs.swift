// The evidence in a job's own log (its `>>`/`>` target): ERROR/CRITICAL records and uncaught tracebacks written
// while a run went, read with the Logs core (format detected as read_log detects it) and tied to runs by
// Cron's LogEvidence rules. CronSQL depends on Logs' public scanner for this rather than leaving the join to SQL
// (`read_log(r.log_path)` in a report): then `cron_runs`' own status is `failed` on that evidence for every
// query, the whole-second/millisecond comparison is made once, correctly, and each log is read once per query
// however many runs wrote to it.
import Cron
import Glibc
import Logs
import StrataCommon

enum JobLogs {
    /// The most bytes of a log's end read for a traceback when its format cannot be told (plain output).
    static let tailBytes = 64 << 10

    /// Findings per run id for one log file, and a note when the file could not be read.
    /// `zone` is the wall clock the logs are written in (cron_runs' tz): the file's modification time is read in it.
    static func evidence(path: String, runs: [JobLogRun], zone: TimeZoneInfo) -> (found: [Int: String], problem: String?) {
        guard !runs.isEmpty else { return ([:], nil) }
        let stream: FileStream
        do { stream = try FileStream(path: path) } catch { return ([:], "its log \(path) cannot be read: \(error.message)") }
        let modified = localTime(stream.modificationTime, zone)
        guard let first = runs.map(\.start).min(), let last = runs.map(\.until).max() else { return ([:], nil) }
        let from = first.epochSeconds - 86_400, until = last.epochSeconds + 1
        var records: [JobLogRecord] = []
        var sawLater = false
        do {
            let scanner = LogScanner(files: [path], spec: .auto, filter: LogFilter())
            var lastTime: CivilDateTime?
            var steps = 0
            while try scanner.next() {
                steps &+= 1
                if steps & 4095 == 0, Interruption.isRequested() { return ([:], nil) }
                guard let r = scanner.reader else { continue }
                if r.isHeadless {
                    // A traceback no record owns (the interpreter's report of an uncaught exception): it follows
                    // the last timed record.
                    guard let t = lastTime, t.epochSeconds >= from,
                          let tb = tracebackException(r.record) else { continue }
                    records.append(JobLogRecord(time: t, failureLevel: nil, message: "", traceback: tb))
                    continue
                }
                let head = r.current.pointee
                guard head.hasTime else { continue }
                let t = civil(head.time)
                lastTime = t
                if t.epochSeconds < from { continue }
                if t.epochSeconds >= until {
                    // One record past the runs: it bounds a traceback before it.
                    records.append(JobLogRecord(time: t, failureLevel: nil, message: "", traceback: nil))
                    sawLater = true
                    break
                }
                let level: String? = head.level == .error ? "ERROR" : head.level == .critical ? "CRITICAL" : nil
                let continuation = UnsafeBufferPointer(rebasing: r.record[min(r.firstLineLength, r.record.count)...])
                // A WARNING with exc_info owns a handled exception's traceback: not a failure.
                let tb = level == nil && head.level == .warning ? nil : tracebackException(continuation)
                guard level != nil || tb != nil else {
                    records.append(JobLogRecord(time: t, failureLevel: nil, message: "", traceback: nil))
                    continue
                }
                let message = scanner.withHeadBytes(r) { b -> String in
                    let m = head.message
                    guard m.isPresent, Int(m.end) <= b.count else { return "" }
                    return String(decoding: UnsafeBufferPointer(rebasing: b[Int(m.start)..<Int(m.end)]), as: UTF8.self)
                }
                records.append(JobLogRecord(time: t, failureLevel: level, message: message, traceback: tb))
            }
        } catch let e as LogScanError where e.message.hasPrefix("cannot detect") {
            // Plain output (no timestamps): only a traceback at its very end can be placed, by the file's time.
            if let tb = trailingTraceback(stream) {
                records = [JobLogRecord(time: modified, failureLevel: nil, message: "", traceback: tb)]
            }
        } catch {
            return ([:], "its log \(path) cannot be read: \((error as? MessageError)?.message ?? "\(error)")")
        }
        return (LogEvidence.attribute(records: records, fileEnd: sawLater ? nil : modified, runs: runs), nil)
    }

    /// The exception line when the file ends with a Python traceback.
    static func trailingTraceback(_ stream: FileStream) -> String? {
        guard stream.isSeekable else { return nil }
        let size = stream.sizeAtOpen
        let count = Int(min(Int64(tailBytes), size))
        guard count > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = (try? bytes.withUnsafeMutableBytes { try stream.read(at: size - Int64(count), into: $0) }) ?? 0
        guard n > 0 else { return nil }
        return bytes.withUnsafeBufferPointer { b -> String? in
            let tail = UnsafeBufferPointer(rebasing: b[0..<n])
            // The last "Traceback" header, and nothing but its lines after it.
            var start: Int? = nil
            var from = 0
            while let k = find(tail, from, "Traceback (most recent call last):") { start = k; from = k + 1 }
            guard let s = start, let line = tracebackException(UnsafeBufferPointer(rebasing: tail[s...])) else { return nil }
            // The exception line must be the file's last non-empty line.
            var end = tail.count
            while end > 0, tail[end - 1] == 0x0A || tail[end - 1] == 0x0D || tail[end - 1] == 0x20 { end -= 1 }
            let lastLine = String(decoding: UnsafeBufferPointer(rebasing: tail[s..<end]), as: UTF8.self)
            return lastLine.hasSuffix(line) ? line : nil
        }
    }

    static func find(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ s: StaticString) -> Int? {
        let n = s.utf8CodeUnitCount
        guard let base = b.baseAddress else { return nil }
        var i = from
        while i + n <= b.count {
            if memcmp(base + i, s.utf8Start, n) == 0 { return i }
            i += 1
        }
        return nil
    }

    static func civil(_ t: LogTime) -> CivilDateTime {
        CivilDateTime(year: Int(t.year), month: Int(t.month), day: Int(t.day), hour: Int(t.hour), minute: Int(t.minute),
                      second: Int(min(t.second, 59)), nanosecond: Int(t.nanosecond))
    }

    /// Unix seconds as the wall clock of the zone syslog and the job logs are written in.
    static func localTime(_ s: Int64, _ zone: TimeZoneInfo) -> CivilDateTime {
        CivilDateTime(epochSeconds: s + Int64(zone.offset(at: s)))
    }
}

/// The home directory of a user on this machine (`getpwnam`), or nil.
func homeDirectory(of user: String) -> String? {
    var pwd = passwd()
    var result: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 4096)
    let rc = getpwnam_r(user, &pwd, &buffer, buffer.count, &result)
    guard rc == 0, result != nil, let dir = pwd.pw_dir else { return nil }
    return String(cString: dir)
}

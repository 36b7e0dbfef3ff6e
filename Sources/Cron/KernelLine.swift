// Kernel lines that end a job's process, read beside cron's own lines because they are the only record of
// how a job died when the daemon logs no exit status (Debian's default level, cronie):
//
//   kernel: [ 5215.603654] Memory cgroup out of memory: Killed process 10484 (python3) total-vm:79752kB, ...
//   kernel: Out of memory: Killed process 1234 (python) total-vm:...          (older: "Killed process 1234 (x)")
//   kernel: [ 5156.224376] python3[9193]: segfault at 0 ip 00007f8dc48b1ad8 sp ... error 4 in libc.so.6[...]
//   kernel: traps: python3[9193] general protection fault ip:... sp:... error:0 in ...
//
// from syslog, kern.log or a journal export (SYSLOG_IDENTIFIER kernel). `job_pid` is the killed process and
// `command` its name (the kernel's 15-byte `comm`). RunBuilder ties them to runs.
import StrataCommon

extension CronLogParser {
    /// The record of a kernel line that reports a killed or crashed process; nil for any other kernel line.
    /// `from` is the index just after the `kernel` tag.
    func kernelRecord(_ b: UnsafeBufferPointer<UInt8>, from tagEnd: Int, ts: CivilDateTime,
                      host: Range<Int>?) -> CronLogRecord? {
        let n = b.count
        var i = tagEnd
        guard i < n, b[i] == 0x3A else { return nil }  // kernel:
        i += 1
        while i < n, b[i] == 0x20 { i += 1 }
        var record = CronLogRecord(ts: ts, host: host, pid: nil, user: nil, kind: .other, word: nil, command: nil,
                                   jobPid: nil, exitStatus: nil, message: i..<n, decoded: nil)
        guard parseKernelMessage(b, from: i, into: &record) else { return nil }
        return record
    }

    /// Fills kind, job pid and process name from a kernel message; false when it reports no killed process.
    func parseKernelMessage(_ b: UnsafeBufferPointer<UInt8>, from start: Int, into r: inout CronLogRecord) -> Bool {
        let n = b.count
        var i = start
        // "[ 5215.603654] " (the kernel's own clock, when rsyslog keeps it).
        if i < n, b[i] == 0x5B {
            var k = i + 1
            while k < n, b[k] == 0x20 || isDigit(b[k]) || b[k] == 0x2E { k += 1 }
            if k < n, b[k] == 0x5D {
                i = k + 1
                while i < n, b[i] == 0x20 { i += 1 }
            }
        }
        r.message = i..<n
        guard n - i >= 12 else { return false }
        if let k = find(b, from: i, "Killed process ") {
            var p = k, pid = 0, digits = 0
            while p < n, isDigit(b[p]), digits < 10 { pid = pid * 10 + Int(b[p] - 0x30); digits += 1; p += 1 }
            guard digits > 0 else { return false }
            r.kind = .oomKill
            r.jobPid = pid
            if p + 1 < n, b[p] == 0x20, b[p + 1] == 0x28 {
                let s = p + 2
                var e = s
                while e < n, b[e] != 0x29 { e += 1 }
                if e < n { r.command = s..<e }
            }
            return true
        }
        // "name[pid]: segfault at ..." or "traps: name[pid] general protection fault ...".
        var nameStart = i
        let isTrap = startsWith(b, i, "traps: ")
        if isTrap { nameStart = i + 7 }
        var k = nameStart
        while k < n, b[k] != 0x5B, k - nameStart < 64 { k += 1 }
        guard k < n, b[k] == 0x5B, k > nameStart else { return false }
        let nameEnd = k
        k += 1
        var pid = 0, digits = 0
        while k < n, isDigit(b[k]), digits < 10 { pid = pid * 10 + Int(b[k] - 0x30); digits += 1; k += 1 }
        guard digits > 0, k < n, b[k] == 0x5D else { return false }
        k += 1
        if isTrap {
            guard k < n, b[k] == 0x20 else { return false }
            r.kind = .trap
        } else {
            guard startsWith(b, k, ": segfault at ") else { return false }
            r.kind = .segfault
        }
        r.jobPid = pid
        r.command = nameStart..<nameEnd
        return true
    }
}

/// `kernel`, the tag of the kernel's lines in syslog files.
func isKernelTag(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    end - start == 6 && startsWith(b, start, "kernel")
}

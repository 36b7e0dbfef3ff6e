// libFuzzer target: cron's syslog and journal lines (RFC 3164, ISO, journal JSON): a record or nil.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCronSyslog(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let all = UnsafeBufferPointer(start: data, count: size)
    let parser = CronLogParser(modificationTime: 1_795_300_000)
    var start = 0, number = 0
    for i in 0...size where i == size || all[i] == 0x0A {
        number += 1
        let line = UnsafeBufferPointer(rebasing: all[start..<i])
        if let r = parser.parse(line) { _ = r.owned(line: number, bytes: line) }
        start = i + 1
    }
    return 0
}

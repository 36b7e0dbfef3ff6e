// libFuzzer target: crontab lines in both formats (user and system), with environment lines in between.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCrontab(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let all = UnsafeBufferPointer(start: data, count: size)
    for kind in [CrontabKind.user, .system] {
        var parser = CrontabParser(kind: kind, defaultUser: "ml")
        var start = 0, number = 0
        for i in 0...size where i == size || all[i] == 0x0A {
            number += 1
            _ = parser.parse(line: UnsafeBufferPointer(rebasing: all[start..<i]), number: number)
            start = i + 1
        }
    }
    return 0
}

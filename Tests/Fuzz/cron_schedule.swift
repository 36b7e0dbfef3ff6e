// libFuzzer target: the schedule parser, next/previous search and the English description. Whatever the
// text, parsing accepts or throws; an accepted schedule's next fire time after t is > t and matches.
import Glibc
import StrataCommon

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCronSchedule(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let s = try? CronSchedule(parsing: text) else { return 0 }
    _ = s.englishDescription
    let t = CivilDateTime(year: 2024, month: 2, day: 28, hour: 23, minute: 59)
    if let n = s.next(after: t) {
        if !(n.civil > t) || !s.matches(n.civil) { print("bad next \(n) for \(text)"); abort() }
    }
    if let p = s.previous(before: t) {
        if !(p.civil < t) || !s.matches(p.civil) { print("bad previous \(p) for \(text)"); abort() }
    }
    return 0
}

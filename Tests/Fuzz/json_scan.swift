// libFuzzer target: the JSON-lines fast path (Sources/CJSON) against the Swift scanner it stands in for.
// Whenever the fast path accepts the bytes as one document, the Swift scanner must accept them with the same
// span, kind and top-level members; a difference stops the fuzzer (a silent wrong row in the tables).
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONScan(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let fast = JSONScanner(unwrapExtendedJSON: false, collectMembers: true)
    let slow = JSONScanner(unwrapExtendedJSON: false, collectMembers: true)
    guard let span = fast.scanDocumentFast(bytes) else { return 0 }
    guard let s = try? slow.scanDocumentInSwift(bytes) else { fatalError("fast path accepted what Swift rejects") }
    if s != span || fast.kind != slow.kind || fast.members.count != slow.members.count {
        fatalError("fast path and Swift disagree on span, kind or member count")
    }
    for (a, b) in zip(fast.members, slow.members)
    where a.key != b.key || a.keyHasEscapes != b.keyHasEscapes || a.value != b.value || a.kind != b.kind {
        fatalError("fast path and Swift disagree on a member")
    }
    return 0
}

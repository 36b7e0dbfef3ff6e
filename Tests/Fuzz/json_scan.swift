// libFuzzer target: the JSON-lines fast path (Sources/CJSON) against the Swift scanner it stands in for.
// Whenever the fast path accepts the bytes as one document, the Swift scanner must accept them with the same
// span, kind and top-level members; and the values a typed table takes from those members the short way (CJSON's
// simple values and key matcher) must equal the Swift path's. A difference stops the fuzzer (a silent wrong row).
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
    if !fast.members.isEmpty, memchr(data, 0x0A, size) == nil { compareValues(bytes) }
    return 0
}

private let path = "/tmp/strata-fuzz-json-scan-\(getpid()).jsonl"

/// The values a typed table takes from the document's members, the short way (CJSON's simple values and key
/// matcher) and the Swift way, for a REAL column and for any other: they must be equal.
private func compareValues(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let f = fopen(path, "wb") else { return }
    if let p = bytes.baseAddress { _ = fwrite(p, 1, bytes.count, f) }
    fclose(f)
    guard let r = try? JSONDocumentReader(path: path, collectMembers: true, unwrapLazily: true),
          (try? r.next()) == true else { return }
    for asReal in [false, true] {
        for mi in 0..<r.scanner.memberCount {
            var short = JSONValueColumn(), long = JSONValueColumn()
            guard short.appendSimple(r, member: mi, asReal: asReal) else { continue }
            long.append(r.value(ofMember: mi), asReal: asReal)
            if short.types != long.types || short.values != long.values || short.pool != long.pool {
                fatalError("simple value differs from the Swift path (member \(mi), asReal \(asReal))")
            }
        }
    }
    // The key matcher, on members from the fast path and from the Swift scan: the same member for each column.
    let keys = r.scanner.members.prefix(8).map {
        decodeJSONStringBody(UnsafeBufferPointer(rebasing: r.buffer[$0.key.start..<$0.key.end]))
    } + ["missing"]
    let columns = keys.enumerated().map { JSONColumn(key: $1, name: "c\($0)", type: .text) }
    let fastMatcher = JSONColumnMatcher(columns: columns), swiftMatcher = JSONColumnMatcher(columns: columns)
    guard let fastReader = try? JSONDocumentReader(path: path, collectMembers: true, unwrapLazily: true),
          let swiftReader = try? JSONDocumentReader(path: path, collectMembers: true, unwrapLazily: true) else { return }
    swiftReader.scanner.fastPathAllowed = false
    guard (try? fastReader.next()) == true, (try? swiftReader.next()) == true else { fatalError("second read failed") }
    fastMatcher.match(fastReader)
    swiftMatcher.match(swiftReader)
    for c in keys.indices where fastMatcher.memberIndex(column: c) != swiftMatcher.memberIndex(column: c) {
        fatalError("key matcher differs for column \(c)")
    }
}

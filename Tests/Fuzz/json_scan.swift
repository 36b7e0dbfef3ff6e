// libFuzzer target: the JSON-lines fast path (Sources/CJSON) against the Swift scanner it stands in for.
// Whenever the fast path accepts the bytes as one document, the Swift scanner must accept them with the same
// span, kind and top-level members; and the values a typed table takes from those members the short way (CJSON's
// simple values and key matcher) must equal the Swift path's, and so must the document's unwrapped text wherever
// C renders it. A difference stops the fuzzer (a silent wrong row).
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONScan(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    compareBulkRows(bytes)
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
    // The document's text: C's rendering, when it gives one, equals Swift's.
    if let slow = try? JSONDocumentReader(path: path, collectMembers: true, unwrapLazily: true),
       (try? slow.next()) == true {
        slow.renderFast = false
        if let c = r.renderedInC(), !slow.withDocumentText({ $0.elementsEqual(c) }) {
            fatalError("C rendering of the unwrapped document differs from Swift's")
        }
    }
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

private let blockPath = "/tmp/strata-fuzz-json-rows-\(getpid()).jsonl"
private let blockColumns = ["a", "b", "score", "n", "$numberLong", "key", "x"].enumerated().map {
    JSONColumn(key: $1, name: "c\($0)", type: $0 % 2 == 0 ? .real : .text)
}

/// The bytes as lines of a JSON-lines file (after one plain first line: the file's first line is never read in
/// bulk), read by a typed scan in bulk (strata_json_read_rows) and a line at a time: rows, line numbers, values,
/// line count and error must all be equal.
private func compareBulkRows(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let f = fopen(blockPath, "wb") else { return }
    _ = fputs("{}\n", f)
    if let p = bytes.baseAddress { _ = fwrite(p, 1, bytes.count, f) }
    fclose(f)
    let matcher = JSONColumnMatcher(columns: blockColumns)
    let used = Array(blockColumns.indices)
    let range: Range<Int64> = 0..<Int64(bytes.count + 3)
    let bulk = JSONValueBlock(path: blockPath, fileIndex: 0, range: range, columnCount: used.count)
    let single = JSONValueBlock(path: blockPath, fileIndex: 0, range: range, columnCount: used.count)
    bulk.fill(matcher: matcher, used: used, fastRows: true)
    single.fill(matcher: matcher, used: used, fastRows: false)
    if bulk.rows != single.rows || bulk.lines != single.lines || bulk.lineCount != single.lineCount {
        fatalError("bulk rows differ from line-at-a-time rows (rows, line numbers or line count)")
    }
    if String(describing: bulk.error) != String(describing: single.error) { fatalError("bulk rows: another error") }
    for k in used.indices {
        let a = bulk.columns[k], b = single.columns[k]
        if a.types != b.types || a.values != b.values || a.lengths != b.lengths { fatalError("bulk rows: values differ") }
        for r in a.types.indices where a.pool[a.starts[r]..<a.starts[r] + Int(a.lengths[r])]
            != b.pool[b.starts[r]..<b.starts[r] + Int(b.lengths[r])] {
            fatalError("bulk rows: texts differ")
        }
    }
}

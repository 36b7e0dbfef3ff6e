// libFuzzer target: the same bytes read as a .npy array, a .npz archive, JSON lines and CSV — every
// row and value the SQL readers would produce. Each must end in values or a thrown error, never a trap.
import Glibc

private let base = "/tmp/strata-fuzz-files-\(getpid())"

private func write(_ bytes: UnsafeBufferPointer<UInt8>, to path: String) -> Bool {
    guard let f = fopen(path, "wb") else { return false }
    defer { fclose(f) }
    guard let p = bytes.baseAddress else { return true }
    return fwrite(p, 1, bytes.count, f) == bytes.count
}

private func readNpy(_ a: NpyArray) {
    let width = a.rowWidth
    guard width >= 0, width <= 1 << 16 else { return }
    var row = [Float](repeating: 0, count: max(width, 1))
    for i in 0..<min(a.rowCount, 1000) {
        if a.hasVectorRows {
            row.withUnsafeMutableBufferPointer { p in _ = try? a.readRow(i, into: p.baseAddress!) }
            _ = try? a.float32RowBytes(i)
        } else {
            _ = try? a.value(i)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFileReaders(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let all = UnsafeBufferPointer(start: data, count: size)

    let npy = base + ".npy"
    if write(all, to: npy), let a = try? NpyArray(path: npy) { readNpy(a) }

    let npz = base + ".npz"
    if write(all, to: npz), let z = try? NpzArchive(path: npz) {
        for i in 0..<min(z.entries.count, 16) {
            if let a = try? z.array(at: i) { readNpy(a) }
        }
    }

    let jsonl = base + ".jsonl"
    if write(all, to: jsonl), let r = try? JSONDocumentReader(path: jsonl, collectMembers: true) {
        var n = 0
        while n < 10_000, (try? r.next()) == true {
            n += 1
            r.withDocumentText { t in _ = t.count }
        }
    }

    let csv = base + ".csv"
    if write(all, to: csv), let r = try? CSVReader(path: csv, options: CSVOptions.defaults(forPath: csv)) {
        var n = 0
        while n < 10_000, (try? r.next()) == true {
            n += 1
            for k in 0..<r.fieldCount { _ = r.field(k); _ = r.isQuoted(k) }
        }
    }
    return 0
}

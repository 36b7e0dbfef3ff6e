// libFuzzer target: bytes read as a Parquet file — footer, schema, every row group's every field decoded and
// every row turned into its SQL value, vector or JSON, as parquet_file and read_parquet would, and vector
// fields also through knn_match's direct page path (forEachPresentVector). Each input
// must end in values or a thrown error, never a trap. Seeds: Tests/Fuzz/corpus/parquet_file/ (small files
// pyarrow wrote with different encodings, codecs and page versions; Tests/Fuzz/corpus/make_parquet_seeds.py).
import Glibc

private let path = "/tmp/strata-fuzz-parquet-\(getpid()).parquet"

private func write(_ bytes: UnsafeBufferPointer<UInt8>, to path: String) -> Bool {
    guard let f = fopen(path, "wb") else { return false }
    defer { fclose(f) }
    guard let p = bytes.baseAddress else { return true }
    return fwrite(p, 1, bytes.count, f) == bytes.count
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParquetFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard write(UnsafeBufferPointer(start: data, count: size), to: path), let file = try? ParquetFile(path: path) else { return 0 }
    var json: [UInt8] = []
    for g in 0..<min(file.rowGroupCount, 8) {
        for leaf in file.schema.leaves.indices { _ = file.bounds(group: g, leaf: leaf) }
        for i in file.schema.fields.indices {
            if file.schema.fields[i].shape == .vector {
                // knn_match's path: straight from the pages while every list and element is present.
                var floats = 0
                _ = try? file.forEachPresentVector(group: g, field: i) { _, v in floats &+= v.count }
            }
            guard let f = try? file.readField(group: g, field: i) else { continue }
            for row in 0..<min(f.rows, 2000) {
                switch f.field.shape {
                case .primitive:
                    let leaf = f.leaves[0]
                    let k = leaf.valueIndex(row: row)
                    if k >= 0 { _ = try? leaf.kind.value(leaf.data, k) }
                case .vector:
                    _ = try? f.withVector(row: row) { $0?.count ?? -1 }
                case .json:
                    json.removeAll(keepingCapacity: true)
                    _ = try? f.json(row: row, into: &json)
                }
            }
        }
    }
    return 0
}

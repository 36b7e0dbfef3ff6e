// libFuzzer target: BLOB decoding and every kernel. Splits the input in two BLOBs; decoding must accept or
// throw, and kernels on accepted pairs must return (finite inputs give finite or NaN-free sums).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVectorsBlob(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let all = UnsafeRawBufferPointer(start: data, count: size)
    let half = size / 2
    let a = UnsafeRawBufferPointer(rebasing: all[0..<half]), b = UnsafeRawBufferPointer(rebasing: all[half...])
    guard let va = try? VectorView(blob: a) else { return 0 }
    _ = norm(va)
    _ = normalized(va)
    var mean = MeanAccumulator()
    try? mean.add(va)
    guard let vb = try? VectorView(blob: b) else { return 0 }
    _ = try? cosineDistance(va, vb)
    _ = try? l2Distance(va, vb)
    _ = try? innerProduct(va, vb)
    try? mean.add(vb)
    _ = mean.mean
    return 0
}

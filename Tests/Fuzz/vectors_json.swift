// libFuzzer target: the JSON vector parser and printer. Whatever the bytes, parsing returns a vector or a
// VectorError; a parsed vector prints and parses back to the same values. Built by scripts/fuzz.sh.
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVectorsJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let v = try? parseJSONVector(bytes) else { return 0 }
    var text = v.withVectorView(formatJSONVector)
    let back = text.withUTF8 { try? parseJSONVector($0) }
    if back != v {
        // Report the broken invariant to libFuzzer the way it expects: by crashing the harness (never the library).
        print("round trip changed \(v) into \(String(describing: back))")
        abort()
    }
    return 0
}

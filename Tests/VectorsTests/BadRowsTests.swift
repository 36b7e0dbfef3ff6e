// Bad corpus rows on plain values (issue 15): VectorDiagnosis' words and its float64 hint, and packing that
// sets bad rows aside (CheckedSource, packingChecked) instead of failing, including a float64 row first.
import Testing
import StrataTestSupport
@testable import Vectors

struct BadRowsTests {
    func bytes(_ v: [Float]) -> [UInt8] { v.float32Bytes }
    func bytes64(_ v: [Double]) -> [UInt8] {
        v.flatMap { d in withUnsafeBytes(of: d.bitPattern.littleEndian) { Array($0) } }
    }

    @Test func diagnosesTheUsualProblems() {
        #expect(bytes([1, 2, 3]).withUnsafeBytes { VectorDiagnosis.diagnose($0, expected: 3) } == nil)
        #expect(bytes([1, 2]).withUnsafeBytes { VectorDiagnosis.diagnose($0, expected: 3) } == "2 dimensions, expected 3")
        #expect([UInt8](repeating: 0, count: 5).withUnsafeBytes { VectorDiagnosis.diagnose($0) }
                == "vector blob length 5 is not a multiple of 4 (expected little-endian float32)")
        #expect(bytes([1, .nan, 3]).withUnsafeBytes { VectorDiagnosis.diagnose($0) } == "non-finite value (NaN or Inf) at index 1")
        #expect([UInt8]().withUnsafeBytes { VectorDiagnosis.diagnose($0) } == "empty vector")
    }

    @Test func namesFloat64ButNotWideFloat32() {
        var r = SeededRandom(state: 15)
        for d in [8, 64, 384] {
            let f64 = bytes64((0..<d).map { _ in Double(r.float()) * 3 + 0.001 * Double(r.float()) })
            let reason = f64.withUnsafeBytes { VectorDiagnosis.diagnose($0, expected: d) } ?? ""
            #expect(reason.hasPrefix("\(2 * d) dimensions, expected \(d) — float64 bytes?"))
            let wide = bytes(r.vector(2 * d))
            #expect(wide.withUnsafeBytes { VectorDiagnosis.diagnose($0, expected: d) } == "\(2 * d) dimensions, expected \(d)")
        }
    }

    @Test func packingSetsBadRowsAsideAndAFloat64FirstRowDoesNotSetTheDimensions() throws {
        var r = SeededRandom(state: 7)
        let good = (0..<20).map { _ in r.vector(8) }
        // Row 1 is float64 bytes of an 8-dimension vector (16 float32 words), row 5 holds a NaN.
        let first = bytes64(good[0].map(Double.init))
        var vectors: [[Float]?] = good
        vectors[0] = first.withUnsafeBytes { b in (0..<(b.count / 4)).map { Float(bitPattern: b.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) } }
        vectors[4]?[2] = .nan
        let source = InMemoryCorpus(vectors: vectors)
        let (m, _) = try CorpusMatrix.packingChecked(source, name: "t.e", scoring: nil, limits: .none)
        #expect(m.dimensions == 8)
        #expect(m.rows == 18)
        #expect(m.badRows.ids == [1, 5])
        #expect(m.badRows.reason(at: 0).hasPrefix("16 dimensions, expected 8"))
        #expect(m.badRows.reason(at: 1) == "non-finite value (NaN or Inf) at index 2")
        #expect(m.badRows.positions(in: [2, 3, 5]) == [1])
        #expect(m.badRows.positions(in: [2, 3]).isEmpty)
    }
}

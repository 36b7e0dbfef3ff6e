// The pure vector core: codecs and kernels on plain Swift values, no database.
import Testing
@testable import Vectors

private func view<R>(_ v: [Float], _ body: (VectorView) throws -> R) rethrows -> R { try v.withVectorView(body) }

@Suite struct CodecTests {
    @Test func blobDecodingValidates() throws {
        #expect(throws: VectorError.blobLength(3)) { try [UInt8](repeating: 0, count: 3).withUnsafeBytes { try VectorView(blob: $0) } }
        #expect(throws: VectorError.empty) { try [UInt8]().withUnsafeBytes { try VectorView(blob: $0) } }
        let nan: [UInt8] = [0, 0, 0x80, 0x3f, 0, 0, 0xc0, 0x7f]
        #expect(throws: VectorError.nonFinite(index: 1)) { try nan.withUnsafeBytes { try VectorView(blob: $0) } }
        let tooBig = [UInt8](repeating: 0, count: (Vector.maxDimensions + 1) * 4)
        #expect(throws: VectorError.tooManyDimensions(Vector.maxDimensions + 1)) {
            try tooBig.withUnsafeBytes { try VectorView(blob: $0) }
        }
        let atLimit = [UInt8](repeating: 0, count: Vector.maxDimensions * 4)
        #expect(try atLimit.withUnsafeBytes { try VectorView(blob: $0).count } == Vector.maxDimensions)
    }

    @Test func nonFiniteIsFoundInEveryPosition() throws {
        for n in [1, 7, 8, 9, 17, 33] {
            for bad in 0..<n {
                var v = [Float](repeating: 1, count: n)
                v[bad] = bad % 2 == 0 ? .infinity : -.nan
                let bytes = v.float32Bytes
                #expect(throws: VectorError.nonFinite(index: bad)) { try bytes.withUnsafeBytes { try VectorView(blob: $0) } }
            }
        }
    }

    @Test func unalignedBlobsDecode() throws {
        let v: [Float] = (0..<19).map { Float($0) * 0.5 - 3 }
        let bytes = [0xAA] + v.float32Bytes
        let decoded = try bytes.withUnsafeBytes { raw in
            try VectorView(blob: UnsafeRawBufferPointer(rebasing: raw[1...])).toArray()
        }
        #expect(decoded == v)
    }

    @Test func jsonParsesLikeNumPy() throws {
        func parse(_ s: String) throws -> [Float] {
            var s = s
            return try s.withUTF8 { try parseJSONVector($0) }
        }
        #expect(try parse("[0.1, 2, -3e-2]") == [0.1, 2, -0.03])
        #expect(try parse(" [ 1 ,2 ] ") == [1, 2])
        #expect(try parse("[-0, 1E2, 1.5e+1]") == [0, 100, 15])
        // Double first, then float32, as np.float32(json.loads(...)) does.
        #expect(try parse("[0.100000001490116119384765625]") == [Float(0.100000001490116119384765625 as Double)])
        #expect(throws: VectorError.empty) { try parse("[]") }
        #expect(throws: VectorError.invalidJSON("expected '['", offset: 0)) { try parse("1, 2") }
        #expect(throws: VectorError.invalidJSON("nested value (vectors are flat arrays of numbers)", offset: 1)) { try parse("[[1]]") }
        #expect(throws: VectorError.invalidJSON("expected a number", offset: 1)) { try parse("[\"1\"]") }
        #expect(throws: VectorError.invalidJSON("expected a number", offset: 1)) { try parse("[NaN]") }
        #expect(throws: VectorError.invalidJSON("expected a number", offset: 1)) { try parse("[.5]") }
        #expect(throws: VectorError.invalidJSON("expected a number", offset: 3)) { try parse("[1,]") }
        #expect(throws: VectorError.invalidJSON("unterminated array", offset: 3)) { try parse("[1 ") }
        #expect(throws: VectorError.invalidJSON("expected ',' or ']'", offset: 3)) { try parse("[1 2]") }
        #expect(throws: VectorError.invalidJSON("unexpected text after ']'", offset: 4)) { try parse("[1] x") }
        #expect(throws: VectorError.nonFinite(index: 1)) { try parse("[1, 1e39]") }
    }

    @Test func jsonRoundTripsExactly() throws {
        let v: [Float] = [0.1, -2.5e-8, 3.4028235e38, 1, 0, 123456.79]
        let text = view(v, formatJSONVector)
        var t = text
        #expect(try t.withUTF8 { try parseJSONVector($0) } == v)
    }
}

@Suite struct KernelTests {
    /// A small deterministic generator (the tests must not depend on a seed we cannot reproduce).
    struct LCG { var s: UInt64; mutating func next() -> Float { s = s &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: s >> 11) % 2000 - 1000) / 333 } }

    @Test func kernelsMatchAPlainFloat64Loop() {
        var g = LCG(s: 7)
        for n in [1, 2, 15, 16, 17, 31, 33, 128, 384, 385] {
            let a = (0..<n).map { _ in g.next() }, b = (0..<n).map { _ in g.next() }
            var d = 0.0, na = 0.0, nb = 0.0, l2 = 0.0
            for i in 0..<n {
                d += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i])
                l2 += (Double(a[i]) - Double(b[i])) * (Double(a[i]) - Double(b[i]))
            }
            view(a) { va in view(b) { vb in
                let s = pairSums(va, vb)
                #expect(abs(s.dot - d) <= 1e-9 * max(1, abs(d)))
                #expect(abs(s.normA - na) <= 1e-9 * na)
                #expect(abs(s.normB - nb) <= 1e-9 * nb)
                #expect(abs(dot(va, vb) - d) <= 1e-9 * max(1, abs(d)))
                #expect(abs(squaredL2(va, vb) - l2) <= 1e-9 * max(1, l2))
                #expect(abs(squaredNorm(va) - na) <= 1e-9 * na)
            } }
        }
    }

    @Test func metricsHandleEdgeCases() throws {
        try view([1, 0]) { a throws in try view([0, 1]) { b throws in
            #expect(try cosineDistance(a, b) == 1)
            #expect(try cosineSimilarity(a, a) == 1)
            #expect(try l2Distance(a, b) == 2.0.squareRoot())
            #expect(try innerProduct(a, b) == 0)
        } }
        try view([0, 0]) { z throws in try view([1, 1]) { b throws in
            #expect(try cosineDistance(z, b) == nil)
            #expect(normalized(z) == nil)
        } }
        try view([1, 2, 3]) { a throws in try view([1, 2]) { b throws in
            #expect(throws: VectorError.dimensionMismatch(3, 2)) { try cosineDistance(a, b) }
            #expect(throws: VectorError.dimensionMismatch(3, 2)) { try l2Distance(a, b) }
        } }
        // Parallel vectors: rounding must not push the distance below 0.
        try view([0.1, 0.2, 0.3]) { a throws in try view([0.2, 0.4, 0.6]) { b throws in
            let d = try cosineDistance(a, b) ?? -1
            #expect(d >= 0 && d < 1e-12)
        } }
    }

    @Test func meanAccumulatorAveragesAndRejectsMismatch() throws {
        var m = MeanAccumulator()
        #expect(m.mean == nil)
        try view([1, 2]) { try m.add($0) }
        try view([3, 6]) { try m.add($0) }
        #expect(m.mean == [2, 4])
        #expect(throws: VectorError.dimensionMismatch(2, 3)) { try view([1, 2, 3]) { try m.add($0) } }
    }
}

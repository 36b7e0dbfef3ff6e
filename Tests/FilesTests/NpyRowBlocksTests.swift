// NpyRowBlocks (the block reader knn_match packs .npy corpora with) against NpyArray's row reader, over C and
// Fortran order, float32 and big-endian float64, with blocks of one row, several rows and the whole file.
import Testing
@testable import Files

extension NpyTests {
    func blockRows(_ path: String, maxBytes: Int) throws -> (firsts: [Int], rows: [[Float]]) {
        let b = try NpyRowBlocks(path: path)
        var firsts: [Int] = [], rows: [[Float]] = []
        try b.forEachBlock(maxBytes: maxBytes) { first, count, values in
            firsts.append(first)
            for r in 0..<count { rows.append(Array(UnsafeBufferPointer(start: values + r * b.dimensions, count: b.dimensions))) }
        }
        return (firsts, rows)
    }

    @Test func rowBlocksMatchRowReads() throws {
        // A 5 × 3 matrix, element (i, j) = 10·i + j, in four layouts.
        let values = (0..<5).map { i in (0..<3).map { j in Double(10 * i + j) } }
        func f4(_ v: Double) -> [UInt8] { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { Array($0) } }
        func f8be(_ v: Double) -> [UInt8] { withUnsafeBytes(of: v.bitPattern.bigEndian) { Array($0) } }
        let cOrder = values.flatMap { $0 }
        let fOrder = (0..<3).flatMap { j in values.map { $0[j] } }
        let files = [
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }", data: cOrder.flatMap(f4)),
            npy("{'descr': '<f4', 'fortran_order': True, 'shape': (5, 3), }", data: fOrder.flatMap(f4)),
            npy("{'descr': '>f8', 'fortran_order': False, 'shape': (5, 3), }", data: cOrder.flatMap(f8be)),
            npy("{'descr': '>f8', 'fortran_order': True, 'shape': (5, 3), }", data: fOrder.flatMap(f8be)),
        ]
        let expected = values.map { $0.map(Float.init) }
        for bytes in files {
            let path = try tempFile("b.npy", bytes)
            let a = try NpyArray(path: path)
            let viaRows: [[Float]] = try (0..<5).map { i in
                var row = [Float](repeating: 0, count: 3)
                try row.withUnsafeMutableBufferPointer { try a.readRow(i, into: $0.baseAddress!) }
                return row
            }
            #expect(viaRows == expected)
            #expect(try blockRows(path, maxBytes: 1).firsts == [0, 1, 2, 3, 4])      // one row a block
            #expect(try blockRows(path, maxBytes: 24).firsts == [0, 2, 4])          // two rows a block
            for maxBytes in [1, 24, 1 << 20] { #expect(try blockRows(path, maxBytes: maxBytes).rows == expected) }
        }
    }

    @Test func rowBlocksRefuseOtherShapesAndShortFiles() throws {
        func blocksMessage(_ bytes: [UInt8]) -> String? {
            do { _ = try NpyRowBlocks(path: try tempFile("e.npy", bytes)); return nil } catch {
                return (error as? FilesError)?.message
            }
        }
        #expect(blocksMessage(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: Array(repeating: 0, count: 8)))
                == "needs a 2-D array (rows × dimensions), got shape (2,)")
        #expect(blocksMessage(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", data: Array(repeating: 0, count: 15)))
                == "data is truncated: shape (2, 2) of <f4 needs 16 bytes, the file holds 15 after the header")
        #expect(try blockRows(try tempFile("z.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }")),
                              maxBytes: 64).rows.isEmpty)
    }
}

// Fortran-ordered arrays read without a copy of the whole array (FortranRowBlocks: rows transposed a block at a
// time, in every block size, with column slices read one at a time or in groups), against C-order values
// computed here and against NumPy; and MemoryBudget's pure parts: the budget from readings, cgroup files
// (v1 and v2) and sizes in text.
import Foundation
import Testing
@testable import Files
@testable import StrataCommon

extension NpyTests {
    /// `shape` with element value 1000·i + 100·a + 10·b + c for index (i, a, b, c), laid out in Fortran order.
    func fortranNpy(_ shape: [Int], descr: String = "<f4") -> (bytes: [UInt8], rows: [[Float]]) {
        let count = shape.reduce(1, *)
        var fortran = [Float](repeating: 0, count: count)
        var rows: [[Float]] = Array(repeating: [], count: shape[0])
        // Walk indices in C order; the Fortran offset is Σ index[a] · Π shape[..<a].
        var index = [Int](repeating: 0, count: shape.count)
        for _ in 0..<count {
            var value = 0, weight = 1
            for a in stride(from: shape.count - 1, through: 0, by: -1) {
                value += index[a] * (a == 0 ? 1000 : weight)
                if a > 0 { weight *= 10 }
            }
            var offset = 0, stride = 1
            for a in 0..<shape.count { offset += index[a] * stride; stride *= shape[a] }
            fortran[offset] = Float(value)
            rows[index[0]].append(Float(value))
            var a = shape.count - 1
            while a >= 0 {
                index[a] += 1
                if index[a] < shape[a] { break }
                index[a] = 0
                a -= 1
            }
        }
        let data: [UInt8]
        if descr == "<f4" {
            data = fortran.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
        } else {
            data = fortran.flatMap { withUnsafeBytes(of: Double($0).bitPattern.bigEndian) { Array($0) } }
        }
        let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        return (npy("{'descr': '\(descr)', 'fortran_order': True, 'shape': \(shapeText), }", data: data), rows)
    }

    func readAll(_ a: NpyArray, order: [Int]? = nil) throws -> [[Float]] {
        var out = [[Float]](repeating: [], count: a.rowCount)
        for i in order ?? Array(0..<a.rowCount) {
            var row = [Float](repeating: .nan, count: a.rowWidth)
            try row.withUnsafeMutableBufferPointer { try a.readRow(i, into: $0.baseAddress!) }
            out[i] = row
        }
        return out
    }

    @Test func fortranRowsFromFileMatchCOrder() throws {
        for shape in [[5, 3], [7, 2, 3], [4, 3, 2, 2], [1, 6], [6, 1], [3, 1, 4]] {
            for descr in ["<f4", ">f8"] {
                let (bytes, rows) = fortranNpy(shape, descr: descr)
                let a = try array(bytes)
                #expect(try readAll(a) == rows, "\(shape) \(descr)")
                // Random access: backwards and jumping between blocks.
                #expect(try readAll(a, order: Array((0..<shape[0]).reversed())) == rows, "\(shape) \(descr) reversed")
            }
        }
    }

    @Test func fortranBlocksInEveryBlockSize() throws {
        // Blocks of 1, 2, 3 and all rows; column slices grouped (short columns) and one per read.
        let (bytes, rows) = fortranNpy([9, 2, 3])
        let path = try tempFile("f.npy", bytes)
        let file = try ReadableFile(path: path)
        let h = try NpyArray(path: path).header
        for blockBytes in [1, 24 * 2, 24 * 3, 1 << 20] {
            let data = try FileWindowData(file: file, origin: h.dataOffset, count: h.dataByteCount)
            let blocks = try FortranRowBlocks(source: data, header: h, rows: 9, width: 6, blockBytes: blockBytes)
            var got: [[Float]] = []
            var first = 0
            while first < 9 {
                let (f, count, values) = try blocks.load(from: first)
                #expect(f == first)
                for r in 0..<count { got.append(Array(UnsafeBufferPointer(start: values + r * 6, count: 6))) }
                first += count
            }
            #expect(got == rows, "blockBytes \(blockBytes)")
        }
    }

    @Test func fortranRowBlocksForCorpora() throws {
        let (bytes, rows) = fortranNpy([11, 4], descr: ">f8")
        let path = try tempFile("fc.npy", bytes)
        for maxBytes in [1, 32, 100, 1 << 20] {
            #expect(try blockRows(path, maxBytes: maxBytes).rows == rows)
        }
    }

    @Test(.enabled(if: WriterAndArchiveTests.python != nil)) func fortranArraysAgainstNumPy() throws {
        let py = try #require(WriterAndArchiveTests.python)
        let dir = try tempFile("np-marker", []) + "-dir"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Each array in Fortran order as .npy, in a stored and in a compressed .npz, and its rows in C order as
        // float32 (what read_npy hands out), written by NumPy.
        let script = """
            import numpy as np, sys
            d = sys.argv[1]
            rng = np.random.default_rng(7)
            arrays = {
                "a": rng.standard_normal((300, 70)).astype("<f4"),
                "b": rng.standard_normal((40, 5, 6)).astype(">f8"),
                "c": rng.integers(-1000, 1000, (150000, 3)).astype("<i2"),
                "d": rng.standard_normal((3, 200000)).astype("<f2"),
            }
            for name, x in arrays.items():
                f = np.asfortranarray(x)
                assert f.flags.f_contiguous and not f.flags.c_contiguous
                np.save(f"{d}/{name}.npy", f)
                np.savez(f"{d}/{name}_s.npz", x=f)
                np.savez_compressed(f"{d}/{name}_z.npz", x=f)
                np.ascontiguousarray(x.reshape(x.shape[0], -1), dtype="<f4").tofile(f"{d}/{name}.f32")
            print("ok")
            """
        let r = try WriterAndArchiveTests.run(py, ["-c", script, dir])
        try #require(r.status == 0, "\(r.output)")
        for name in ["a", "b", "c", "d"] {
            let expected = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).f32"))
            let fromNpy = try NpyArray(path: "\(dir)/\(name).npy")
            let stored = try NpzArchive(path: "\(dir)/\(name)_s.npz").array(at: 0)
            let compressed = try NpzArchive(path: "\(dir)/\(name)_z.npz").array(at: 0)
            for a in [fromNpy, stored, compressed] {
                var got = Data(capacity: expected.count)
                var row = [Float](repeating: 0, count: a.rowWidth)
                for i in 0..<a.rowCount {
                    try row.withUnsafeMutableBufferPointer { try a.readRow(i, into: $0.baseAddress!) }
                    row.withUnsafeBytes { got.append(contentsOf: $0) }
                }
                #expect(got == expected, "\(a.name)")
            }
        }
    }
}

@Suite struct MemoryBudgetTests {
    typealias R = MemoryBudget.Readings

    @Test func smallestLimitWinsAndNamesItself() {
        let gib = 1 << 30
        // Of what remains under a limit, an eighth (at least 16 MiB) stays with the rest of the process.
        func share(_ remaining: Int) -> Int { remaining - max(16 << 20, remaining / 8) }
        var r = R(cgroups: [.init(limit: 4 * gib, used: 3 * gib, name: "cgroup memory.max")],
                  addressSpaceLimit: 8 * gib, addressSpaceUsed: 2 * gib, availableMemory: 20 * gib)
        #expect(MemoryBudget.limit(r) == .init(bytes: share(gib), source: "cgroup memory.max"))
        r.addressSpaceUsed = 7 * gib + gib / 2
        #expect(MemoryBudget.limit(r) == .init(bytes: share(gib / 2), source: "RLIMIT_AS, ulimit -v"))
        r.availableMemory = gib / 4
        #expect(MemoryBudget.limit(r) == .init(bytes: share(gib / 4), source: "available memory"))
        #expect(share(gib / 4) == 224 << 20)
        // Nearly nothing left, or over the limit already: nothing more, never negative.
        r.availableMemory = 10 << 20
        #expect(MemoryBudget.limit(r).bytes == 0)
        r.cgroups[0].used = 5 * gib
        #expect(MemoryBudget.limit(r) == .init(bytes: 0, source: "cgroup memory.max"))
        // The override replaces every detected limit, margin included.
        r.override = 3 * gib
        #expect(MemoryBudget.limit(r) == .init(bytes: 3 * gib, source: "STRATA_MEMORY_LIMIT"))
        #expect(MemoryBudget.limit(R()) == .unlimited)
        #expect(MemoryBudget.processLimit(R(cgroups: [.init(limit: 2 * gib, used: gib, name: "x")]), physicalMemory: 8 * gib) == 2 * gib)
        #expect(MemoryBudget.processLimit(R(), physicalMemory: 8 * gib) == 8 * gib)
    }

    @Test func sizesInText() {
        #expect(MemoryBudget.parseSize("1048576") == 1 << 20)
        #expect(MemoryBudget.parseSize("512K") == 512 << 10)
        #expect(MemoryBudget.parseSize(" 2g ") == 2 << 30)
        #expect(MemoryBudget.parseSize("1.5GiB") == 3 << 29)
        #expect(MemoryBudget.parseSize("300 MB") == 300 << 20)
        #expect(MemoryBudget.parseSize("0") == 0)
        for bad in ["", "x", "-1", "12Q", "1e400", "G"] { #expect(MemoryBudget.parseSize(bad) == nil, "\(bad)") }
        #expect(MemoryBudget.format(512) == "512 bytes")
        #expect(MemoryBudget.format(3 << 10) == "3.0 KiB")
        #expect(MemoryBudget.format(3_328_599_655) == "3.1 GiB")
        #expect(MemoryBudget.format(Int.max) == "unlimited")
    }

    @Test func refusalsNameWhatAndLimit() {
        let r = MemoryBudget.Refusal(what: "reading it", needed: 2 << 30,
                                     limit: .init(bytes: 1 << 29, source: "RLIMIT_AS, ulimit -v"))
        #expect(r.message == "reading it needs 2.0 GiB; this process may use 512.0 MiB (RLIMIT_AS, ulimit -v); "
                + "raise the limit or set STRATA_MEMORY_LIMIT")
        #expect(MemoryBudget.Refusal(what: "x", needed: 10, limit: nil).message
                == "x needs 10 bytes, and that much memory could not be allocated")
        // malloc refusing is an error, not a trap.
        #expect(throws: MemoryBudget.Refusal.self) { _ = try MemoryBudget.allocate(Int.max / 2, for: "a test") }
        #expect(throws: MemoryBudget.Refusal.self) { _ = try MemoryBudget.allocate(-1, for: "a test") }
    }

    func files(_ map: [String: String]) -> MemoryBudget.FileReader { { map[$0] } }

    @Test func cgroupV2LimitsUpTheHierarchy() {
        let r = R.read(files([
            "/proc/self/cgroup": "0::/user.slice/app.scope\n",
            "/proc/self/mountinfo": "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
            "/sys/fs/cgroup/user.slice/app.scope/memory.max": "max\n",
            "/sys/fs/cgroup/user.slice/memory.max": "4294967296\n",
            "/sys/fs/cgroup/user.slice/memory.current": "3221225472\n",
            "/sys/fs/cgroup/user.slice/memory.stat": "anon 1000\nfile 1073741824\nfile_mapped 5\n",
            "/proc/self/statm": "1000 200 10 1 0 50 0\n",
            "/proc/meminfo": "MemTotal: 100 kB\nMemAvailable:   2048 kB\n",
        ]))
        // 4 GiB limit, 3 GiB charged of which 1 GiB page cache: 2 GiB may still be taken.
        #expect(r.cgroups == [.init(limit: 4 << 30, used: 2 << 30, name: "cgroup memory.max")])
        #expect(r.availableMemory == 2 << 20)
        #expect(r.addressSpaceUsed >= 1000 * 4096)
    }

    @Test func cgroupV2InANamespaceAndV1() {
        // A container: the process sits at "/" of its own cgroup namespace; the mount shows that cgroup.
        let v2 = R.read(files([
            "/proc/self/cgroup": "0::/\n",
            "/proc/self/mountinfo": "1 0 0:26 / /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n",
            "/sys/fs/cgroup/memory.max": "536870912\n",
            "/sys/fs/cgroup/memory.current": "104857600\n",
        ]))
        #expect(v2.cgroups == [.init(limit: 512 << 20, used: 100 << 20, name: "cgroup memory.max")])
        // v1: hierarchical_memory_limit (an ancestor's) is smaller than the group's own; cache is reclaimable.
        let v1 = R.read(files([
            "/proc/self/cgroup": "4:memory:/jobs/7\n1:cpu:/\n0::/\n",
            "/proc/self/mountinfo": "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
            "/sys/fs/cgroup/memory/jobs/7/memory.limit_in_bytes": "9223372036854771712\n",
            "/sys/fs/cgroup/memory/jobs/7/memory.usage_in_bytes": "700000000\n",
            "/sys/fs/cgroup/memory/jobs/7/memory.stat": "cache 5\nrss 9\nhierarchical_memory_limit 1000000000\ntotal_cache 200000000\n",
        ]))
        #expect(v1.cgroups == [.init(limit: 1_000_000_000, used: 500_000_000, name: "cgroup memory.limit_in_bytes")])
        // No limit anywhere: nothing listed.
        let none = R.read(files([
            "/proc/self/cgroup": "4:memory:/\n",
            "/proc/self/mountinfo": "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
            "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
        ]))
        #expect(none.cgroups.isEmpty)
    }

    @Test func thisMachineHasABudget() {
        let l = MemoryBudget.available()
        #expect(l.bytes > 0)
        #expect(!l.source.isEmpty)
    }
}

// The central directory of a zip archive in memory (what `np.savez` writes): member names, methods, sizes
// and where each member's data starts, Zip64 included (NumPy forces Zip64 headers on its members).
// Every offset read from the file is bounds-checked before use.

public struct ZipEntry: Equatable, Sendable {
    public var name: String
    /// 0 stored, 8 deflated.
    public var method: Int
    public var flags: Int
    public var crc32: UInt32
    public var compressedSize: Int
    public var uncompressedSize: Int
    public var localHeaderOffset: Int
}

enum ZipDirectory {
    static let eocdSignature: UInt32 = 0x0605_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let zip64EOCDSignature: UInt32 = 0x0606_4B50
    static let centralSignature: UInt32 = 0x0201_4B50
    static let localSignature: UInt32 = 0x0403_4B50
    static let maxEntries = 100_000

    static func u16(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int? {
        guard at >= 0, at <= b.count - 2 else { return nil }
        return Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
    }

    static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32? {
        guard at >= 0, at <= b.count - 4 else { return nil }
        return UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    static func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int? {
        guard at >= 0, at <= b.count - 8 else { return nil }
        return Int(exactly: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
    }

    /// Largest central directory read into memory.
    static let maxDirectorySize = 64 << 20

    /// The members listed in the central directory, in order.
    static func entries(_ file: ReadableFile) throws -> [ZipEntry] {
        let bad = FilesError("not a zip archive (no end-of-central-directory record)")
        guard file.size >= 22 else { throw bad }
        // The end record lies in the last 64 KiB + 22 bytes (its comment is at most 65535 bytes).
        let tailLength = min(file.size, 22 + 65_535)
        let tailOffset = file.size - tailLength
        let tailBytes = try file.bytes(at: tailOffset, count: tailLength)
        let (count, cdOffset, cdSize): (Int, Int, Int) = try tailBytes.withUnsafeBytes { b in
            var eocd = -1
            var k = b.count - 22
            while k >= 0 {
                if u32(b, k) == eocdSignature { eocd = k; break }
                k -= 1
            }
            guard eocd >= 0, let count = u16(b, eocd + 10), let size32 = u32(b, eocd + 12),
                  let offset32 = u32(b, eocd + 16) else { throw bad }
            if count == 0xFFFF || size32 == 0xFFFF_FFFF || offset32 == 0xFFFF_FFFF {
                // Zip64: the locator sits just before the classic record and points at the Zip64 record.
                guard u32(b, eocd - 20) == zip64LocatorSignature, let z = u64(b, eocd - 12) else {
                    throw FilesError("bad zip archive: broken Zip64 end record")
                }
                let rec = try file.bytes(at: z, count: 56)
                return try rec.withUnsafeBytes { r in
                    guard u32(r, 0) == zip64EOCDSignature, let c = u64(r, 32), let s = u64(r, 40), let o = u64(r, 48) else {
                        throw FilesError("bad zip archive: broken Zip64 end record")
                    }
                    return (c, o, s)
                }
            }
            return (count, Int(offset32), Int(size32))
        }
        guard count <= maxEntries else { throw FilesError("zip archive lists \(count) members (limit \(maxEntries))") }
        guard cdOffset >= 0, cdSize >= 0, cdOffset <= file.size, cdSize <= file.size - cdOffset else {
            throw FilesError("bad zip archive: central directory lies outside the file")
        }
        guard cdSize <= maxDirectorySize else { throw FilesError("zip central directory is too large (\(cdSize) bytes)") }
        let directory = try file.bytes(at: cdOffset, count: cdSize)
        return try directory.withUnsafeBytes { try parseEntries($0, count: count) }
    }

    static func parseEntries(_ b: UnsafeRawBufferPointer, count: Int) throws -> [ZipEntry] {
        var out: [ZipEntry] = []
        var p = 0
        for _ in 0..<count {
            guard u32(b, p) == centralSignature, let flags = u16(b, p + 8), let method = u16(b, p + 10),
                  let crc = u32(b, p + 16), let csize = u32(b, p + 20), let usize = u32(b, p + 24),
                  let nameLen = u16(b, p + 28), let extraLen = u16(b, p + 30), let commentLen = u16(b, p + 32),
                  let local = u32(b, p + 42), p + 46 + nameLen + extraLen <= b.count
            else { throw FilesError("bad zip archive: broken central directory entry") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[(p + 46)..<(p + 46 + nameLen)]), as: UTF8.self)
            var e = ZipEntry(name: name, method: method, flags: flags, crc32: crc, compressedSize: Int(csize),
                             uncompressedSize: Int(usize), localHeaderOffset: Int(local))
            // Zip64 extra field: the 64-bit values of the fields that read 0xFFFFFFFF, in this order.
            var x = p + 46 + nameLen
            let xEnd = x + extraLen
            while x + 4 <= xEnd, let id = u16(b, x), let len = u16(b, x + 2) {
                if id == 1 {
                    var f = x + 4
                    if usize == 0xFFFF_FFFF, let v = u64(b, f) { e.uncompressedSize = v; f += 8 }
                    if csize == 0xFFFF_FFFF, let v = u64(b, f) { e.compressedSize = v; f += 8 }
                    if local == 0xFFFF_FFFF, let v = u64(b, f) { e.localHeaderOffset = v; f += 8 }
                }
                x += 4 + len
            }
            out.append(e)
            p += 46 + nameLen + extraLen + commentLen
        }
        return out
    }

    /// Where member `e`'s data lies in the archive.
    static func dataRange(_ e: ZipEntry, in file: ReadableFile) throws -> Range<Int> {
        let h = e.localHeaderOffset
        guard h >= 0, h <= file.size - 30 else { throw FilesError("bad zip archive: no local header for '\(e.name)'") }
        let header = try file.bytes(at: h, count: 30)
        let (nameLen, extraLen) = try header.withUnsafeBytes { b -> (Int, Int) in
            guard u32(b, 0) == localSignature, let n = u16(b, 26), let x = u16(b, 28) else {
                throw FilesError("bad zip archive: no local header for '\(e.name)'")
            }
            return (n, x)
        }
        let start = h + 30 + nameLen + extraLen
        guard start <= file.size, e.compressedSize >= 0, e.compressedSize <= file.size - start else {
            throw FilesError("member '\(e.name)' is truncated")
        }
        return start..<(start + e.compressedSize)
    }
}

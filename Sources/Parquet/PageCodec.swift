// Page decompression: each codec inflates one page into a buffer of the size the page header promises, and
// anything else (a short or long result, a library error) is an error, never a partial page.
// SNAPPY, GZIP, ZSTD, LZ4_RAW and Hadoop-framed LZ4 through Debian's libraries; LZO and BROTLI are refused.
import CLZ4
import CSnappy
import CZlib
import CZstd
import StrataCommon

enum PageCodec {
    /// Inflates `source` (compressed with `codec`) into `out`, which is resized to exactly `size` bytes.
    static func decompress(_ codec: Codec, _ source: UnsafeRawBufferPointer, size: Int, into out: inout [UInt8]) throws {
        guard size >= 0 else { throw DecodeError("negative uncompressed page size") }
        // The size is the header's word (up to 2 GiB from a page of a few bytes): within the memory budget first,
        // so a lying header is an error rather than an allocation that aborts the host under a memory limit.
        if size > out.count {
            do { try MemoryBudget.check(size, for: "a page's uncompressed bytes") } catch { throw DecodeError(error.message) }
        }
        if out.count != size {
            out.removeAll(keepingCapacity: true)
            out.append(contentsOf: repeatElement(0, count: size))
        }
        if size == 0 && codec == .uncompressed { return }
        let src = source.baseAddress?.assumingMemoryBound(to: UInt8.self)
        try out.withUnsafeMutableBytes { dst in
            guard let d = dst.baseAddress else {
                // An empty page: only a codec's empty stream is accepted, checked by the library below.
                if source.isEmpty || codec != .uncompressed { return }
                throw DecodeError("page has data but an uncompressed size of 0")
            }
            switch codec {
            case .uncompressed:
                guard source.count == size, let s = source.baseAddress else {
                    throw DecodeError("uncompressed page of \(source.count) bytes, the header says \(size)")
                }
                d.copyMemory(from: s, byteCount: size)
            case .snappy:
                guard let s = src else { throw DecodeError("empty SNAPPY page") }
                var length = 0
                guard snappy_uncompressed_length(UnsafeRawPointer(s).assumingMemoryBound(to: CChar.self), source.count, &length) == SNAPPY_OK,
                      length == size else {
                    throw DecodeError("SNAPPY page does not inflate to the \(size) bytes its header says")
                }
                var n = size
                guard snappy_uncompress(UnsafeRawPointer(s).assumingMemoryBound(to: CChar.self), source.count,
                                        d.assumingMemoryBound(to: CChar.self), &n) == SNAPPY_OK, n == size else {
                    throw DecodeError("corrupt SNAPPY page")
                }
            case .gzip:
                try inflateGzip(source, into: UnsafeMutableRawBufferPointer(start: d, count: size))
            case .zstd:
                guard let s = source.baseAddress else { throw DecodeError("empty ZSTD page") }
                let n = ZSTD_decompress(d, size, s, source.count)
                guard ZSTD_isError(n) == 0 else {
                    throw DecodeError("corrupt ZSTD page (\(String(cString: ZSTD_getErrorName(n))))")
                }
                guard n == size else { throw DecodeError("ZSTD page inflates to \(n) bytes, the header says \(size)") }
            case .lz4Raw:
                try lz4Block(source, into: UnsafeMutableRawBufferPointer(start: d, count: size), what: "LZ4_RAW")
            case .lz4:
                // Hadoop's framing (what parquet-mr wrote), else a bare block (what older Arrow wrote).
                if (try? hadoopLZ4(source, into: UnsafeMutableRawBufferPointer(start: d, count: size))) == nil {
                    try lz4Block(source, into: UnsafeMutableRawBufferPointer(start: d, count: size), what: "LZ4")
                }
            case .lzo, .brotli:
                throw DecodeError("compression codec \(codec.name) is not supported (supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4, LZ4_RAW)")
            }
        }
    }

    static func lz4Block(_ source: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, what: String) throws {
        guard let s = source.baseAddress, let d = out.baseAddress, source.count <= Int(Int32.max), out.count <= Int(Int32.max) else {
            throw DecodeError("\(what) page too large or empty")
        }
        let n = LZ4_decompress_safe(s.assumingMemoryBound(to: CChar.self), d.assumingMemoryBound(to: CChar.self),
                                    Int32(source.count), Int32(out.count))
        guard n >= 0 else { throw DecodeError("corrupt \(what) page") }
        guard Int(n) == out.count else { throw DecodeError("\(what) page inflates to \(n) bytes, the header says \(out.count)") }
    }

    /// Hadoop's LZ4 framing: blocks of [big-endian uncompressed size][big-endian compressed size][LZ4 block].
    static func hadoopLZ4(_ source: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws {
        func be32(_ at: Int) -> Int {
            Int(source[at]) << 24 | Int(source[at + 1]) << 16 | Int(source[at + 2]) << 8 | Int(source[at + 3])
        }
        var i = 0, o = 0
        while i < source.count {
            guard source.count - i >= 8 else { throw DecodeError("LZ4 frame header cut short") }
            let raw = be32(i), packed = be32(i + 4)
            i += 8
            guard packed <= source.count - i, raw <= out.count - o else { throw DecodeError("LZ4 frame sizes run past the page") }
            try lz4Block(UnsafeRawBufferPointer(rebasing: source[i..<(i + packed)]),
                         into: UnsafeMutableRawBufferPointer(rebasing: out[o..<(o + raw)]), what: "LZ4")
            i += packed
            o += raw
        }
        guard o == out.count else { throw DecodeError("LZ4 frames inflate to \(o) bytes, the header says \(out.count)") }
    }

    /// A gzip (or zlib) stream inflated in one call into a buffer of the promised size.
    static func inflateGzip(_ source: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, MAX_WBITS + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DecodeError("cannot start a GZIP inflater")
        }
        defer { inflateEnd(&stream) }
        guard source.count <= Int(UInt32.max), out.count <= Int(UInt32.max) else { throw DecodeError("GZIP page too large") }
        stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(source.count)
        stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(out.count)
        let rc = inflate(&stream, Z_FINISH)
        guard rc == Z_STREAM_END else {
            throw DecodeError(rc == Z_BUF_ERROR || rc == Z_OK ? "GZIP page inflates to more than the \(out.count) bytes its header says"
                                                              : "corrupt GZIP page")
        }
        guard Int(stream.total_out) == out.count else {
            throw DecodeError("GZIP page inflates to \(stream.total_out) bytes, the header says \(out.count)")
        }
    }
}

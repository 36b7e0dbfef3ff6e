// A Parquet file opened for reading: magic bytes at both ends, the footer's length and Thrift metadata, the
// schema tree, and one call to read a leaf column of a row group. The file is read with positioned reads
// (never mapped: a file rewritten underneath would fault the host); only what a query needs is read.
import StrataCommon

public final class ParquetFile {
    public let path: String
    public let metadata: FileMetadata
    public let schema: ParquetSchema
    let file: ParquetSource

    /// Footers larger than this are refused before being read.
    static let maxFooter = 256 << 20

    public init(path: String) throws {
        self.path = path
        let where_ = ParquetLocation(path: path)
        file = try ParquetSource(path: path)
        guard file.size >= 12 else {
            throw where_.error("not a Parquet file (\(file.size) bytes; a Parquet file has at least 12)")
        }
        let head: [UInt8], tail: [UInt8]
        do {
            head = try file.bytes(at: 0, count: 4)
            tail = try file.bytes(at: file.size - 8, count: 8)
        } catch { throw where_.error(errorText(error)) }
        let magic: [UInt8] = Array("PAR1".utf8)
        if Array(tail[4...]) == Array("PARE".utf8) {
            throw where_.error("encrypted Parquet files (PARE) are not supported")
        }
        guard head == magic else { throw where_.error("not a Parquet file (does not start with PAR1)") }
        guard Array(tail[4...]) == magic else { throw where_.error("truncated or not a Parquet file (does not end with PAR1)") }
        let footerLength = Int(tail[0]) | Int(tail[1]) << 8 | Int(tail[2]) << 16 | Int(tail[3]) << 24
        guard footerLength > 0, footerLength <= file.size - 12 else {
            throw where_.error("footer length \(footerLength) does not fit in the file (\(file.size) bytes): truncated or corrupt")
        }
        guard footerLength <= ParquetFile.maxFooter else { throw where_.error("footer of \(footerLength) bytes is too large") }
        let footer: [UInt8]
        do { footer = try file.bytes(at: file.size - 8 - footerLength, count: footerLength) } catch { throw where_.error(errorText(error)) }
        do {
            metadata = try footer.withUnsafeBufferPointer { b in
                var r = ThriftReader(b)
                return try FileMetadata.decode(&r)
            }
            schema = try ParquetSchema(metadata.schema)
        } catch let e as DecodeError {
            throw where_.error("corrupt footer: \(e.reason)")
        }
        // The groups' row counts add up without overflow, so row numbers summed over groups (pruned ones are
        // counted, never read) cannot trap.
        var total: Int64 = 0
        for (g, group) in metadata.rowGroups.enumerated() {
            guard group.columns.count == schema.leaves.count else {
                throw ParquetLocation(path: path, rowGroup: g).error("has \(group.columns.count) column chunks, the schema \(schema.leaves.count) leaf columns")
            }
            let (sum, overflow) = total.addingReportingOverflow(group.rowCount)
            guard !overflow, group.rowCount >= 0 else {
                throw ParquetLocation(path: path, rowGroup: g).error("claims \(group.rowCount) rows; with the groups before it that is more than 2^63 (corrupt footer)")
            }
            total = sum
        }
    }

    public var rowGroupCount: Int { metadata.rowGroups.count }

    public func rowCount(ofGroup g: Int) -> Int { Int(clamping: metadata.rowGroups[g].rowCount) }

    /// The column chunk bytes of the last read (kept: its memory serves the next chunk; at most the largest
    /// chunk read, which a row group's decoded values exceed anyway).
    private var scratch: [UInt8] = []
    /// The vector fast path's buffers (`forEachPresentVector`), kept for the next row group.
    private var vectorBuffers = VectorBuffers()

    func takeVectorBuffers() -> VectorBuffers {
        defer { vectorBuffers = VectorBuffers() }
        return vectorBuffers
    }

    func keepVectorBuffers(_ b: VectorBuffers) { vectorBuffers = b }
    /// Decoded chunks handed back by `recycle`, by leaf: the next group's chunk of that leaf reuses their memory.
    private var recycled: [Int: ColumnChunkData] = [:]

    /// Decodes leaf column `leaf` of row group `group`.
    public func readColumn(group: Int, leaf: Int) throws -> ColumnChunkData {
        let node = schema.leaves[leaf]
        let meta = metadata.rowGroups[group].columns[leaf]
        var reader = ColumnChunkReader(leaf: node, meta: meta,
                                       location: ParquetLocation(path: path, rowGroup: group, column: node.path.joined(separator: ".")))
        let reuse = recycled.removeValue(forKey: leaf)
        return try reader.read(file, scratch: &scratch, reuse: reuse)
    }

    /// Hands back a field's decoded chunks when the caller is done with them: reading the same field of the
    /// next row group reuses their memory instead of faulting in fresh pages. The caller must drop every
    /// reference (and pointer) into `f` before reading on — the chunks are overwritten.
    public func recycle(_ f: FieldColumns) {
        for leaf in f.leaves where leaf.node.leafIndex >= 0 {
            recycled[leaf.node.leafIndex] = leaf.data
        }
    }

    /// The file's identity (device, inode, size, times) when opened.
    public var stamp: [Int64] { file.stamp }
    public var modified: Double { file.modified }
}

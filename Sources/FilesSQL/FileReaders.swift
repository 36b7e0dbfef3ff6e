// The SQL surface of the Files domain, registered in one place with its flags. Every reader opens files
// named in its arguments, so every one is DIRECTONLY: refused inside views, triggers and schema.
import SQLiteKit

public enum FileReaders {
    public static func register(on db: Connection) throws {
        // JSON lines / JSON array files (plain or gzip), MongoDB Extended JSON unwrapped.
        try db.register(ReadJSONLTable.sql) { _, _ in ReadJSONLTable() }
        try db.register(ReadJSONLTable.creatable) { _, args in try JSONLTable(args) }
        // CSV / TSV (RFC 4180).
        try db.register(ReadCSVTable.sql) { _, _ in ReadCSVTable() }
        try db.register(ReadCSVTable.creatable) { _, args in try CSVFileTable(args) }
        // NumPy .npy and .npz (np.save / np.savez / np.savez_compressed).
        try db.register(ReadNpyTable.npy) { _, _ in ReadNpyTable(signature: ReadNpyTable.npySignature) }
        try db.register(ReadNpyTable.npz) { _, _ in ReadNpyTable(signature: ReadNpyTable.npzSignature) }
    }
}

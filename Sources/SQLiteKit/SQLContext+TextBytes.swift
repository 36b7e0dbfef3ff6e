// A text result straight from UTF-8 bytes the caller already has (a slice of a line buffer, a small stack
// buffer), copied once by SQLite: no Swift String in between. Cron history columns and fire times use it.
import CSQLite

extension SQLContext {
    /// A TEXT result of `bytes` (UTF-8, copied by SQLite).
    public func result(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= Int(Int32.max) else { return strata_result_error_toobig(raw) }
        guard let p = bytes.baseAddress, !bytes.isEmpty else { return strata_result_text(raw, "", 0) }
        p.withMemoryRebound(to: CChar.self, capacity: bytes.count) { strata_result_text(raw, $0, Int32(bytes.count)) }
    }
}

// Text results straight from bytes (a slice of a read buffer), without building a Swift String first:
// the hot path of file-backed virtual tables. SQLite copies the bytes (SQLITE_TRANSIENT).
import CSQLite
import StrataCommon

extension SQLContext {
    /// A TEXT result from UTF-8 bytes the caller has checked. Copied by SQLite.
    public func result(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= Int(Int32.max) else { return strata_result_error_toobig(raw) }
        guard let p = bytes.baseAddress, !bytes.isEmpty else { return strata_result_text(raw, "", 0) }
        p.withMemoryRebound(to: CChar.self, capacity: bytes.count) { strata_result_text(raw, $0, Int32(bytes.count)) }
    }

    /// A TEXT result from bytes read from a file, which may not be valid UTF-8: invalid sequences become
    /// U+FFFD (checked first, so valid text — nearly all of it — is passed on without a copy in Swift).
    public func result(repairingUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        if isValidUTF8(bytes) { result(utf8: bytes) } else { result(repairedText(bytes)) }
    }

    /// A TEXT result from a string literal, handed to SQLite as SQLITE_STATIC (no copy at all: the literal
    /// lives in the extension's image, which SQLite unloads only when the connection closes).
    public func result(static text: StaticString) {
        guard text.hasPointerRepresentation, text.utf8CodeUnitCount > 0 else {
            return result(text.description)
        }
        text.utf8Start.withMemoryRebound(to: CChar.self, capacity: text.utf8CodeUnitCount) {
            strata_result_text_static(raw, $0, Int32(text.utf8CodeUnitCount))
        }
    }
}

// A directory entry's name, read without copying `struct dirent`.
//
// Why: glibc allocates each entry readdir returns only as long as its name needs (d_reclen), not
// sizeof(dirent). Reading `entry.pointee.d_name` copies the whole 256-byte array — past the end of the
// buffer for the last entries of a block (AddressSanitizer: heap-buffer-overflow, a crash in a host with a
// guard page there). The name is read in place up to its NUL, which the kernel always writes.
import Glibc

public enum DirectoryEntry {
    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19

    /// The entry's name as bytes (no NUL).
    public static func nameBytes(_ entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
        let p = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
        let n = strnlen(p, 256)
        return Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(p), count: n))
    }

    /// The entry's name as text (invalid UTF-8 repaired).
    public static func name(_ entry: UnsafeMutablePointer<dirent>) -> String {
        String(decoding: nameBytes(entry), as: UTF8.self)
    }
}

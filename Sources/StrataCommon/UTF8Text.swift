// UTF-8 checks for text handed to SQL: log files may hold invalid bytes (a binary blob, a truncated write,
// Latin-1). Valid text passes through untouched; invalid sequences are replaced by U+FFFD, never fatal.

/// Whether `b` is valid UTF-8 (ASCII runs checked eight bytes at a time).
public func isValidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = b.baseAddress else { return true }
    let n = b.count
    var i = 0
    while i < n {
        // Fast path: skip ASCII eight bytes at a time.
        while i + 8 <= n {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            if w & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        guard i < n else { return true }
        let c = base[i]
        if c < 0x80 { i += 1; continue }
        let need: Int
        var lowest: UInt8 = 0x80, highest: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lowest = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: need = 2
        case 0xED: need = 2; highest = 0x9F
        case 0xF0: need = 3; lowest = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; highest = 0x8F
        default: return false
        }
        guard i + need < n else { return false }
        let c1 = base[i + 1]
        guard c1 >= lowest, c1 <= highest else { return false }
        if need >= 2 { guard base[i + 2] & 0xC0 == 0x80 else { return false } }
        if need >= 3 { guard base[i + 3] & 0xC0 == 0x80 else { return false } }
        i += need + 1
    }
    return true
}

/// `b` as a String, invalid sequences replaced by U+FFFD.
public func repairedText(_ b: UnsafeBufferPointer<UInt8>) -> String {
    String(decoding: b, as: UTF8.self)
}

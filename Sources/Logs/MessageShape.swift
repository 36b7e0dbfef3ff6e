// A log message's shape: the message with its variable parts (numbers, hex ids, quoted values) replaced by
// placeholders, so "fetched 812 new documents" and "fetched 1,204 new documents" group together in an
// error digest. Pure; exposed to SQL as log_shape(message).

public enum MessageShape {
    /// Digit runs starting a word (with `,` `.` `:` `-` `_` separators inside, as in 1,204 / 0.93 / 02:00 / 2026-11-20) → `#`;
    /// hexadecimal tokens of 8+ characters or with a 0x prefix → `#`; '…' and "…" quoted text → `'…'`.
    public static func of(_ message: String) -> String {
        let b = Array(message.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
        func isWord(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x5F || c >= 0x80 }
        while i < b.count {
            let c = b[i]
            let atWordStart = i == 0 || !isWord(b[i - 1])
            if c == 0x27 || c == 0x22, let close = b[(i + 1)...].firstIndex(of: c) {
                out += [0x27, 0xE2, 0x80, 0xA6, 0x27]  // '…'
                i = close + 1
                continue
            }
            if atWordStart {
                // A hex token: 0x…, or 8+ hex characters containing a digit (ids, hashes).
                var j = i
                if c == 0x30, i + 1 < b.count, b[i + 1] | 0x20 == 0x78 { j = i + 2 }
                let hexStart = j
                var sawDigit = false
                while j < b.count, isHex(b[j]) { sawDigit = sawDigit || isDigit(b[j]); j += 1 }
                let prefixed = hexStart == i + 2
                if (prefixed && j > hexStart) || (j - hexStart >= 8 && sawDigit), j == b.count || !isWord(b[j]) {
                    out.append(0x23)
                    i = j
                    continue
                }
            }
            if isDigit(c), atWordStart {
                var j = i
                while j < b.count {
                    if isDigit(b[j]) { j += 1; continue }
                    let sep = b[j]
                    if (sep == 0x2C || sep == 0x2E || sep == 0x3A || sep == 0x2D || sep == 0x5F),
                       j + 1 < b.count, isDigit(b[j + 1]) { j += 1; continue }
                    break
                }
                out.append(0x23)
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

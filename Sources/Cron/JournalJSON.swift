// The one JSON shape cron history needs: a flat object per line as `journalctl -o json` writes it, whose
// string values we decode (escapes included) and whose other values (numbers, byte arrays, nested
// objects) we skip. Anything that is not such an object gives nil, never a trap.

import StrataCommon

/// The string members of a JSON object, keyed by name; nil when the text is not one JSON object.
func decodeFlatJSONObject(_ b: UnsafeBufferPointer<UInt8>) -> [String: [UInt8]]? {
    var i = 0
    let n = b.count
    func ws() { while i < n, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 } }

    func string() -> [UInt8]? {
        guard i < n, b[i] == 0x22, let e = JSONString.end(b, from: i) else { return nil }
        var out: [UInt8] = []
        JSONString.decode(UnsafeBufferPointer(rebasing: b[(i + 1)..<(e - 1)]), into: &out)
        i = e
        return out
    }

    /// Skips any JSON value (used for non-string members).
    func skipValue(depth: Int) -> Bool {
        guard depth < 64 else { return false }
        ws()
        guard i < n else { return false }
        switch b[i] {
        case 0x22: return string() != nil
        case 0x7B, 0x5B:
            let close: UInt8 = b[i] == 0x7B ? 0x7D : 0x5D
            let isObject = b[i] == 0x7B
            i += 1
            ws()
            if i < n, b[i] == close { i += 1; return true }
            while true {
                if isObject {
                    ws()
                    guard string() != nil else { return false }
                    ws()
                    guard i < n, b[i] == 0x3A else { return false }
                    i += 1
                }
                guard skipValue(depth: depth + 1) else { return false }
                ws()
                guard i < n else { return false }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == close { i += 1; return true }
                return false
            }
        default:
            // true, false, null, numbers.
            let s = i
            while i < n, b[i] != 0x2C, b[i] != 0x7D, b[i] != 0x5D, b[i] != 0x20 { i += 1 }
            return i > s
        }
    }

    ws()
    guard i < n, b[i] == 0x7B else { return nil }
    i += 1
    var out: [String: [UInt8]] = [:]
    ws()
    if i < n, b[i] == 0x7D { return out }
    while true {
        ws()
        guard let key = string() else { return nil }
        ws()
        guard i < n, b[i] == 0x3A else { return nil }
        i += 1
        ws()
        if i < n, b[i] == 0x22 {
            guard let v = string() else { return nil }
            out[String(decoding: key, as: UTF8.self)] = v
        } else {
            guard skipValue(depth: 0) else { return nil }
        }
        ws()
        guard i < n else { return nil }
        if b[i] == 0x2C { i += 1; continue }
        if b[i] == 0x7D { return out }
        return nil
    }
}

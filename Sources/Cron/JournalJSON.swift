// The one JSON shape cron history needs: a flat object per line as `journalctl -o json` writes it, whose
// string values we decode (escapes included) and whose other values (numbers, byte arrays, nested
// objects) we skip. Anything that is not such an object gives nil, never a trap.

/// The string members of a JSON object, keyed by name; nil when the text is not one JSON object.
func decodeFlatJSONObject(_ b: UnsafeBufferPointer<UInt8>) -> [String: [UInt8]]? {
    var i = 0
    let n = b.count
    func ws() { while i < n, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 } }

    func string() -> [UInt8]? {
        guard i < n, b[i] == 0x22 else { return nil }
        i += 1
        var out: [UInt8] = []
        while i < n {
            let c = b[i]
            if c == 0x22 { i += 1; return out }
            if c == 0x5C {
                guard i + 1 < n else { return nil }
                let e = b[i + 1]
                i += 2
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    guard var scalar = hex4() else { return nil }
                    // A surrogate pair.
                    if scalar >= 0xD800, scalar < 0xDC00, i + 1 < n, b[i] == 0x5C, b[i + 1] == 0x75 {
                        i += 2
                        guard let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: return nil
                }
                continue
            }
            out.append(c)
            i += 1
        }
        return nil
    }

    func hex4() -> UInt32? {
        guard i + 4 <= n else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: return nil
            }
            v = v << 4 | d
            i += 1
        }
        return v
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

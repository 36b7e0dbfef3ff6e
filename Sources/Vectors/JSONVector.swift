// Vectors written as JSON array text (`'[0.1, 2, -3e-2]'`): a strict, allocation-light parser and the
// shortest round-trip printer. Numbers parse as Double and round to Float, as `np.float32(json.loads(s))` does.

/// Parses a flat JSON array of finite numbers.
public func parseJSONVector(_ bytes: UnsafeBufferPointer<UInt8>) throws(VectorError) -> [Float] {
    var i = 0
    let n = bytes.count
    @inline(__always) func skipSpace() {
        while i < n, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }
    skipSpace()
    guard i < n, bytes[i] == UInt8(ascii: "[") else { throw .invalidJSON("expected '['", offset: i) }
    i += 1
    var out: [Float] = []
    skipSpace()
    if i < n, bytes[i] == UInt8(ascii: "]") {
        i += 1
        skipSpace()
        guard i == n else { throw .invalidJSON("unexpected text after ']'", offset: i) }
        throw .empty
    }
    while true {
        skipSpace()
        let start = i
        guard let end = scanJSONNumber(bytes, from: i) else {
            if i < n, bytes[i] == UInt8(ascii: "[") || bytes[i] == UInt8(ascii: "{") {
                throw .invalidJSON("nested value (vectors are flat arrays of numbers)", offset: i)
            }
            throw .invalidJSON("expected a number", offset: i)
        }
        guard out.count < Vector.maxDimensions else { throw .tooManyDimensions(out.count + 1) }
        let d = parseDouble(bytes, start, end)
        let f = Float(d)
        guard f.isFinite else { throw .nonFinite(index: out.count) }
        out.append(f)
        i = end
        skipSpace()
        guard i < n else { throw .invalidJSON("unterminated array", offset: i) }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        if bytes[i] == UInt8(ascii: "]") { i += 1; break }
        throw .invalidJSON("expected ',' or ']'", offset: i)
    }
    skipSpace()
    guard i == n else { throw .invalidJSON("unexpected text after ']'", offset: i) }
    return out
}

/// The end of a JSON number starting at `i` (RFC 8259 grammar), or nil when none starts there.
func scanJSONNumber(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
    var i = start
    let n = b.count
    @inline(__always) func isDigit(_ j: Int) -> Bool { j < n && b[j] >= 0x30 && b[j] <= 0x39 }
    if i < n, b[i] == UInt8(ascii: "-") { i += 1 }
    guard isDigit(i) else { return nil }
    if b[i] == 0x30 { i += 1 } else { while isDigit(i) { i += 1 } }
    if i < n, b[i] == UInt8(ascii: ".") {
        i += 1
        guard isDigit(i) else { return nil }
        while isDigit(i) { i += 1 }
    }
    if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
        i += 1
        if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return nil }
        while isDigit(i) { i += 1 }
    }
    return i
}

/// Correctly rounded decimal → Double via the standard library (locale-independent, unlike `strtod`).
private func parseDouble(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double {
    // Fast path for short integers, the common case in hand-written vectors.
    if end - start <= 9 {
        var neg = false
        var j = start
        if b[j] == UInt8(ascii: "-") { neg = true; j += 1 }
        var v = 0
        var allDigits = j < end
        while j < end {
            let c = b[j]
            guard c >= 0x30 && c <= 0x39 else { allDigits = false; break }
            v = v &* 10 &+ Int(c &- 0x30)
            j += 1
        }
        if allDigits { return neg ? -Double(v) : Double(v) }
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    return Double(text) ?? .nan
}

/// `[0.1,2.0,-0.03]`: each value printed as the shortest decimal that reads back as the same Float.
public func formatJSONVector(_ v: VectorView) -> String {
    var s = "["
    s.reserveCapacity(v.count * 10 + 2)
    for i in 0..<v.count {
        if i > 0 { s += "," }
        s += v[i].description
    }
    s += "]"
    return s
}

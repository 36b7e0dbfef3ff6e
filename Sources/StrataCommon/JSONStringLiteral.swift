// A Swift string as a JSON string literal, for the few places that write small JSON by hand (crontab env
// objects, the CLI's json/jsonl output and report documents). Control characters are \u-escaped; everything
// else is kept as UTF-8, as SQLite's json functions do.

public func jsonStringLiteral(_ s: String) -> String {
    var out = "\""
    for ch in s.unicodeScalars {
        switch ch {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if ch.value < 0x20 {
                let hex = String(ch.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(ch)
            }
        }
    }
    return out + "\""
}

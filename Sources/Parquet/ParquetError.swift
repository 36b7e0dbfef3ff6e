// What went wrong reading a Parquet file, in words that name where: the file, and as far as known the row
// group, column and page. The SQL binding puts the function's name in front.
import StrataCommon

public struct ParquetError: MessageError, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// Where in a file a problem was met; `describe` prefixes a reason with it.
public struct ParquetLocation {
    public var path: String
    public var rowGroup: Int? = nil
    public var column: String? = nil
    public var page: Int? = nil

    public init(path: String, rowGroup: Int? = nil, column: String? = nil, page: Int? = nil) {
        self.path = path
        self.rowGroup = rowGroup
        self.column = column
        self.page = page
    }

    public func error(_ reason: String) -> ParquetError {
        var s = "'\(path)'"
        if let rowGroup { s += " row group \(rowGroup)" }
        if let column { s += " column \(column)" }
        if let page { s += " page \(page)" }
        return ParquetError(s + ": " + reason)
    }
}

/// A failure inside a decoder, before it knows where it is; the caller adds the location.
struct DecodeError: MessageError {
    var reason: String
    init(_ reason: String) { self.reason = reason }
    var message: String { reason }
}

/// An error's message (MessageError's text, else its description).
func errorText(_ e: Error) -> String {
    if let m = e as? MessageError { return m.message }
    if let d = e as? DecodeError { return d.reason }
    return String(describing: e)
}

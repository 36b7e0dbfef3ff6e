// Trimming, one implementation for every module: by Unicode scalar, so "\r\n" (one Character) and a lone
// "\r" trim alike, and without Foundation.

extension StringProtocol {
    /// Without leading and trailing scalars for which `isTrimmed` holds.
    public func trimming(_ isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isTrimmed(scalars[start]) { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard isTrimmed(scalars[before]) else { break }
            end = before
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return String(out)
    }

    /// Without leading and trailing white space (Unicode's White_Space: spaces, tabs, line ends, NBSP…).
    public func trimmingWhitespace() -> String { trimming { $0.properties.isWhitespace } }

    /// Without leading and trailing spaces and tabs only (a crontab's or a log's field separators).
    public func trimmingBlanks() -> String { trimming { $0 == " " || $0 == "\t" } }
}

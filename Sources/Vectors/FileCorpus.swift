// A corpus stored in a file (a `.npy` matrix), as knn_match's file readers hand it over: a `CorpusSource`
// for the packer plus what decides whether a packed copy can be reused. The readers live in another domain
// (Files); they reach knn_match through `FileCorpusOpener`s wired in by the extension's registration, so
// neither domain imports the other.

public struct FileCorpus {
    /// The rows, identified by their 0-based row index.
    public var source: CorpusSource
    /// Identity and version of the file when opened (device, inode, size, times): a packed copy made under
    /// an equal stamp is reused.
    public var stamp: [Int64]
    /// False when the file changed so recently that a further change could keep the same stamp (timestamp
    /// granularity): the packed copy then serves one query and is not cached.
    public var isSettled: Bool

    public init(source: CorpusSource, stamp: [Int64], isSettled: Bool) {
        self.source = source
        self.stamp = stamp
        self.isSettled = isSettled
    }
}

/// Opens the file at `path` (as given, relative to the current directory) as a corpus. Errors carry the
/// reason and the path; the SQL binding puts the function's name in front.
public typealias FileCorpusOpener = (_ path: String) throws -> FileCorpus

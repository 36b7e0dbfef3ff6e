// A corpus stored in a file (a `.npy` matrix, an `.npz` member), as knn_match's file readers hand it over: a
// `CorpusSource` for the packer plus what decides whether a packed copy can be reused, and how to read the
// user's own ids for its rows from a companion array. The readers live in another domain (Files); they reach
// knn_match through `FileCorpusOpener`s wired in by the extension's registration, so neither domain imports
// the other.

public struct FileCorpus {
    /// The rows, identified by their 0-based row index.
    public var source: CorpusSource
    /// Identity and version of the file when opened (device, inode, size, times): a packed copy made under
    /// an equal stamp is reused.
    public var stamp: [Int64]
    /// False when the file changed so recently that a further change could keep the same stamp (timestamp
    /// granularity): the packed copy then serves one query and is not cached.
    public var isSettled: Bool
    /// The shape as NumPy prints it (`(384,)`) when the array is 1-D: one vector, which a query argument
    /// takes as a single query and a corpus argument refuses. Nil for a 2-D array (rows × dimensions).
    public var singleVectorShape: String?
    /// Opens the ids for this corpus's rows named by knn_match's `ids` argument (a member of the same `.npz`,
    /// or another file); nil when the reader has no notion of companion ids.
    public var openIDs: ((_ name: String) throws -> CorpusKeys)?

    public init(source: CorpusSource, stamp: [Int64], isSettled: Bool, singleVectorShape: String? = nil,
                openIDs: ((String) throws -> CorpusKeys)? = nil) {
        self.source = source
        self.stamp = stamp
        self.isSettled = isSettled
        self.singleVectorShape = singleVectorShape
        self.openIDs = openIDs
    }
}

/// Opens the file at `path` (as given, relative to the current directory; `archive.npz:member` for an
/// archive's member) as a corpus. Errors carry the reason and the path; the SQL binding puts the function's
/// name in front.
public typealias FileCorpusOpener = (_ path: String) throws -> FileCorpus

/// A user's id for a corpus row (`ids=np.array(["doc_1", …])`): what knn_match returns as `corpus_id`.
public enum CorpusKey: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// The ids of a file corpus's rows, row i's at `key(i)`; `count` must equal the corpus's row count.
public struct CorpusKeys {
    public let count: Int
    /// Where they come from, for messages (`'run.npz:ids'`).
    public let name: String
    public let key: (Int) throws -> CorpusKey

    public init(count: Int, name: String, key: @escaping (Int) throws -> CorpusKey) {
        self.count = count
        self.name = name
        self.key = key
    }
}

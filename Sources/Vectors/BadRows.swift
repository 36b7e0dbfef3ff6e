// Corpus rows that are not usable vectors (a float64 blob, NaN, the wrong length), kept aside while packing
// instead of failing the whole corpus: knn_match then fails only when a bad row could be an answer — no
// filter, or a filter that matches it — and with `skip_bad` leaves them out and says how many. The words
// come from `VectorDiagnosis`, the same as `vec_check`'s.

/// The bad rows of a packed corpus, in the order the source gave them (ascending rowids for a table).
public struct BadRows: Sendable {
    public private(set) var ids: [Int64] = []
    /// Reasons for the first `maxReasons` bad rows; later ones say where to look instead.
    private var reasons: [String] = []
    static let maxReasons = 10_000

    public init() {}

    public var count: Int { ids.count }
    public var isEmpty: Bool { ids.isEmpty }

    mutating func append(_ id: Int64, _ reason: String) {
        ids.append(id)
        if reasons.count < BadRows.maxReasons { reasons.append(reason) }
    }

    /// Why bad row number `i` (0 ≤ i < count) is bad.
    public func reason(at i: Int) -> String {
        i < reasons.count ? reasons[i] : "not a valid vector (vec_check says why)"
    }

    /// Positions (into `ids`) of the bad rows whose id is in `selected`, in `ids` order.
    public func positions(in selected: [Int64]) -> [Int] {
        guard !ids.isEmpty else { return [] }
        let set = Set(selected)
        return ids.indices.filter { set.contains(ids[$0]) }
    }
}

/// A source whose bad rows are diagnosed and set aside instead of handed to the packer. The first valid
/// row sets the dimensions (or `dimensions` when given). A source that can report rows it could not even
/// read as vectors (`BadRowReporting`) has those set aside too.
public final class CheckedSource: CorpusSource {
    let base: CorpusSource
    public private(set) var dimensions: Int?
    public private(set) var bad = BadRows()
    /// Bad rows per dimension count, for rows of the wrong length that are otherwise valid.
    private(set) var mismatched: [Int: Int] = [:]
    public private(set) var kept = 0
    /// Rows of the expected length go to the packer unscanned: it finds NaN and infinity in the same pass
    /// that copies the row and hands such rows back through `setAside` (one pass over each row, not two).
    var packerChecksValues = false

    public init(_ base: CorpusSource, dimensions: Int? = nil) {
        self.base = base
        self.dimensions = dimensions
    }

    /// A row the packer found not finite: recorded with `VectorDiagnosis`'s words, as if found here.
    func setAside(_ id: Int64, _ v: VectorView) {
        let bytes = UnsafeRawBufferPointer(start: v.base, count: v.count &* 4)
        bad.append(id, VectorDiagnosis.diagnose(bytes, expected: dimensions) ?? VectorError.nonFinite(index: 0).description)
        kept &-= 1
    }

    public var rowCountHint: Int? { base.rowCountHint }

    public func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        bad = BadRows()
        mismatched = [:]
        kept = 0
        let each: (Int64, VectorView?) throws -> Void = { [self] id, v in
            guard let v else { return try body(id, nil) }
            if packerChecksValues, let d = dimensions, v.count == d {
                kept &+= 1
                return try body(id, v)
            }
            let bytes = UnsafeRawBufferPointer(start: v.base, count: v.count &* 4)
            if dimensions == nil, VectorDiagnosis.diagnose(bytes) == nil { dimensions = v.count }
            if let reason = VectorDiagnosis.diagnose(bytes, expected: dimensions) {
                if let d = dimensions, v.count != d { mismatched[v.count, default: 0] &+= 1 }
                bad.append(id, reason)
                return
            }
            kept &+= 1
            try body(id, v)
        }
        if let reporting = base as? BadRowReporting {
            try reporting.forEachRow(each, bad: { [self] id, reason in bad.append(id, reason) })
        } else {
            try base.forEachRow(each)
        }
    }

    /// When more rows share another length than were kept, the first row probably was the odd one (a
    /// float64 blob first in the table): that length, to pack again with. Nil otherwise.
    public var betterDimensions: Int? {
        guard let (d, n) = mismatched.max(by: { $0.value < $1.value }), n > kept else { return nil }
        return d
    }
}

/// A source that can name rows it cannot read as vectors at all (a blob whose length is not a multiple of 4,
/// a number, malformed JSON) instead of throwing, so they can be set aside like other bad rows.
public protocol BadRowReporting: CorpusSource {
    func forEachRow(_ body: (Int64, VectorView?) throws -> Void, bad: (Int64, String) throws -> Void) throws
}

extension CorpusMatrix {
    /// Packs `source` with its bad rows set aside (recorded in `badRows`), scoring each kept row against
    /// `scoring` on the way when given (see `packing`).
    public static func packingChecked(_ source: CorpusSource, name: String, scoring: [Float]?, limits: KNNLimits)
        throws -> (corpus: CorpusMatrix, scores: Scores?) {
        var checked = CheckedSource(source)
        var packed = try pack(checked, name: name, scoring: scoring, limits: limits)
        if let d = checked.betterDimensions {
            checked = CheckedSource(source, dimensions: d)
            packed = try pack(checked, name: name, scoring: scoring, limits: limits)
        }
        packed.corpus.badRows = checked.bad
        return packed
    }

    private static func pack(_ checked: CheckedSource, name: String, scoring: [Float]?, limits: KNNLimits)
        throws -> (corpus: CorpusMatrix, scores: Scores?) {
        checked.packerChecksValues = true
        return try packing(checked, name: name, scoring: scoring, limits: limits, setAside: checked.setAside)
    }
}

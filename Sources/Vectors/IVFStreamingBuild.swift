// Building knn_index's lists without packing the corpus, for a column larger than the memory budget (issue 19:
// "memory bounded when the index is larger than RAM"). The source is read several times, and must hand over the
// same rows in the same order each time (a table inside the building statement's transaction does):
//
//   1. every row checked (as packing checks them), counted, and the quantizer's ranges learned;
//   2. the training sample, evenly strided over the indexable rows (IVFBuild.build runs these same passes over a
//      packed corpus, with no budget: with the same sample, both make the same index);
//   3. each row's list found (a block of rows against the centroids at a time) and, when the lists' codes fit
//      the budget, written in the same pass; else one more pass per group of lists that fits, each group
//      handed to `emit` and dropped.
//
// Memory: the sample (at most half the budget), one group of lists, one block of rows and a list number per row
// (4 bytes, against 4 × dimensions for the packed row).

public enum IVFStreamingBuild {
    /// What the first two passes learned.
    public struct Trained {
        public let model: IVFModel
        /// Rows that are vectors (packing would keep them), and those of them an index holds (cosine: not zero).
        public let vectors: Int
        public let indexable: Int
        /// Rows that are not usable vectors: the index is not built when there are any (the binding says which).
        public let badRows: BadRows
        /// The dimensions the rows were checked against.
        let dimensions: Int
    }

    /// Bytes one indexed row takes in its list: codes, id and row term.
    static func listBytes(dimensions d: Int) -> Int { d &+ 12 }

    /// Passes 1 and 2 and the k-means training. `lists` nil: about √rows.
    public static func train(_ source: CorpusSource, metric: Metric, lists wanted: Int?, budget: Int,
                             limits: KNNLimits) throws -> Trained {
        // 1. Checked as packing checks: when more rows share another length than the first row's, that length.
        var checked = CheckedSource(source)
        var scan = try firstPass(checked, metric: metric, limits: limits)
        if let d = checked.betterDimensions {
            checked = CheckedSource(source, dimensions: d)
            scan = try firstPass(checked, metric: metric, limits: limits)
        }
        let d = checked.dimensions ?? 0
        let vectors = checked.kept, n = scan.indexable
        let empty = Trained(
            model: IVFModel(metric: metric, dimensions: d, centroids: [Float](repeating: 0, count: d),
                            quantizer: ScalarQuantizer(minimums: [Float](repeating: 0, count: d),
                                                       scales: [Float](repeating: 0, count: d))),
            vectors: vectors, indexable: n, badRows: checked.bad, dimensions: d)
        guard checked.bad.isEmpty, n > 0, d > 0 else { return empty }
        let lists = max(1, min(wanted ?? IVFBuild.defaultLists(rows: vectors), n))

        // 2. The sample: IVFBuild.build's rows (index ⌊s · n / count⌋ among the indexable rows), at most half
        // the budget — but never fewer than 16 rows a list (fewer trains poor centroids: recall fell below 0.95 at
        // 4 a list), which a budget too small for that exceeds by what those rows take.
        let cap = max(lists &* 16, budget / 2 / max(1, d &* 4))
        let sampleCount = min(n, lists &* IVFBuild.samplePerList, cap)
        // Raw memory, not arrays: a captured array written element by element inside the source's closure paid a
        // dynamic exclusivity check per element (the packed build took 9 s where its own loop took 6).
        let sample = UnsafeMutableBufferPointer<Float>.allocate(capacity: sampleCount &* d)
        sample.initialize(repeating: 0)
        defer { sample.deallocate() }
        let stride = Double(n) / Double(sampleCount)
        let model0 = IVFModel(metric: metric, dimensions: d, centroids: [], quantizer: scan.quantizer)
        var scratch = [Float](repeating: 0, count: d)
        var j = 0, s = 0, next = 0, seen = 0
        try checked.forEachRow { _, v in
            guard let v, v.count == d else { return }
            seen &+= 1
            if seen & 0xFFFF == 0, limits.isInterrupted() { throw KNNError.interrupted }
            guard s < sampleCount, model0.transform(v, into: &scratch) else { return }
            if j == next {
                _ = UnsafeMutableBufferPointer(rebasing: sample[(s &* d)..<((s &+ 1) &* d)]).update(fromContentsOf: scratch)
                s &+= 1
                next = min(n &- 1, Int(Double(s) * stride))
            }
            j &+= 1
        }
        guard s == sampleCount else { throw KNNError.sourceChanged }
        guard let sampleBase = sample.baseAddress else { return empty }
        let centroids = try KMeans.train(sampleBase, rows: sampleCount, dimensions: d, lists: lists,
                                         iterations: IVFBuild.iterations, seed: IVFBuild.seed, limits: limits)
        let model = IVFModel(metric: metric, dimensions: d, centroids: centroids, quantizer: scan.quantizer)
        return Trained(model: model, vectors: vectors, indexable: n, badRows: checked.bad, dimensions: d)
    }

    private static func firstPass(_ checked: CheckedSource, metric: Metric, limits: KNNLimits) throws
        -> (indexable: Int, quantizer: ScalarQuantizer) {
        let probe = IVFModel(metric: metric, dimensions: 0, centroids: [], quantizer: ScalarQuantizer(minimums: [], scales: []))
        var trainer: ScalarQuantizer.Trainer? = nil
        var scratch: [Float] = []
        var n = 0, seen = 0
        try checked.forEachRow { _, v in
            guard let v else { return }
            seen &+= 1
            if seen & 0xFFFF == 0, limits.isInterrupted() { throw KNNError.interrupted }
            if trainer == nil {
                trainer = ScalarQuantizer.Trainer(dimensions: v.count)
                scratch = [Float](repeating: 0, count: v.count)
            }
            guard v.count == scratch.count, probe.transform(v, into: &scratch) else { return }
            n &+= 1
            scratch.withUnsafeBufferPointer { if let b = $0.baseAddress { trainer?.observe(b) } }
        }
        return (n, trainer?.quantizer ?? ScalarQuantizer(minimums: [], scales: []))
    }

    /// Pass 3 and, when the lists do not fit `budget / 2` at once, one pass per group of lists. `emit` gets each
    /// group's lists (number, list) in list order; every list is emitted once, empty ones too.
    /// `minimumGroup`: a group may take this much whatever the budget (smaller only in tests, for many groups).
    public static func fill(_ source: CorpusSource, _ trained: Trained, budget: Int, limits: KNNLimits,
                            minimumGroup: Int = 1 << 20, emit: ([(Int, IVFList)]) throws -> Void) throws {
        let model = trained.model, d = trained.dimensions, k = model.lists, n = trained.indexable
        guard n > 0, d > 0, trained.badRows.isEmpty else {
            try emit([(0, IVFList())])
            return
        }
        let checked = CheckedSource(source, dimensions: d)
        let groupBudget = max(budget / 2, minimumGroup)
        let perRow = listBytes(dimensions: d)
        let oneGroup = n <= groupBudget / perRow
        var assignment = [Int32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: k)
        var whole = oneGroup ? [IVFList](repeating: IVFList(), count: k) : []

        // Rows into lists a block at a time (KMeans.assign scores a block against every centroid).
        let block = KMeans.blockRows
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: block &* d)  // raw: see `train`
        buffer.initialize(repeating: 0)
        defer { buffer.deallocate() }
        var ids = [Int64](repeating: 0, count: block)
        var blockAssignment = [Int32](repeating: 0, count: block)
        var distances = [Float](repeating: 0, count: block)
        var scratch = [Float](repeating: 0, count: d)
        var filled = 0, j = 0
        func flush() throws {
            guard filled > 0 else { return }
            if limits.isInterrupted() { throw KNNError.interrupted }
            guard let base = buffer.baseAddress else { return }
            try KMeans.assign(base, rows: filled, dimensions: d, centroids: model.centroids, lists: k,
                              into: &blockAssignment, distances: &distances, limits: limits)
            for r in 0..<filled {
                let l = Int(blockAssignment[r])
                guard j < n, l >= 0, l < k else { throw KNNError.sourceChanged }
                assignment[j] = blockAssignment[r]
                counts[l] &+= 1
                if oneGroup {
                    whole[l].append(id: ids[r], transformed: Array(buffer[(r &* d)..<((r &+ 1) &* d)]), model: model)
                }
                j &+= 1
            }
            filled = 0
        }
        try checked.forEachRow { id, v in
            guard let v, v.count == d, model.transform(v, into: &scratch) else { return }
            _ = UnsafeMutableBufferPointer(rebasing: buffer[(filled &* d)..<((filled &+ 1) &* d)]).update(fromContentsOf: scratch)
            ids[filled] = id
            filled &+= 1
            if filled == block { try flush() }
        }
        try flush()
        guard j == n else { throw KNNError.sourceChanged }
        if oneGroup {
            try emit(whole.enumerated().map { ($0.offset, $0.element) })
            return
        }
        whole = []

        // Groups of consecutive lists whose rows fit the budget (a list larger than it is a group alone).
        var lo = 0
        while lo < k {
            var hi = lo, rows = 0
            while hi < k, hi == lo || (rows &+ counts[hi]) &* perRow <= groupBudget { rows &+= counts[hi]; hi &+= 1 }
            var group = (lo..<hi).map { l -> IVFList in
                var list = IVFList()
                list.ids.reserveCapacity(counts[l])
                list.terms.reserveCapacity(counts[l])
                list.codes.reserveCapacity(counts[l] &* d)
                return list
            }
            var r = 0, seen = 0
            try checked.forEachRow { id, v in
                guard let v, v.count == d else { return }
                seen &+= 1
                if seen & 0xFFFF == 0, limits.isInterrupted() { throw KNNError.interrupted }
                guard model.transform(v, into: &scratch) else { return }
                guard r < n else { throw KNNError.sourceChanged }
                let l = Int(assignment[r])
                r &+= 1
                guard l >= lo, l < hi else { return }
                group[l &- lo].append(id: id, transformed: scratch, model: model)
            }
            guard r == n else { throw KNNError.sourceChanged }
            try emit(group.enumerated().map { (lo &+ $0.offset, $0.element) })
            lo = hi
        }
    }
}

// Top-k selection without sorting N: a bounded max-heap keeps the k best items seen so far, its root is the
// threshold a new item must beat, so almost every item of a large scan costs one comparison. Two flavours:
// `TopK` over exact (distance, id) results, and `CandidateHeap` over float32 scores in the engine's hot loop.

/// One result: a corpus id and its distance to the query (smaller is closer).
public struct Neighbor: Equatable, Sendable, CustomStringConvertible {
    public var id: Int64
    public var distance: Double

    public init(id: Int64, distance: Double) {
        self.id = id
        self.distance = distance
    }

    /// Result order: by distance, ties broken by the smaller id.
    @inline(__always)
    public static func precedes(_ a: Neighbor, _ b: Neighbor) -> Bool {
        a.distance < b.distance || (a.distance == b.distance && a.id < b.id)
    }

    public var description: String { "(\(id), \(distance))" }
}

/// The k smallest neighbours (by distance, then id) of a stream. NaN distances are never kept.
public struct TopK {
    public let k: Int
    /// A max-heap under `Neighbor.precedes`: the root is the worst kept item.
    private var heap: [Neighbor] = []

    public init(k: Int) {
        self.k = max(0, k)
        heap.reserveCapacity(min(self.k, 1 << 16))
    }

    public var count: Int { heap.count }

    public mutating func insert(_ n: Neighbor) {
        guard k > 0, !n.distance.isNaN else { return }
        if heap.count < k {
            heap.append(n)
            siftUp(heap.count &- 1)
        } else if Neighbor.precedes(n, heap[0]) {
            heap[0] = n
            siftDown(0)
        }
    }

    /// The kept items, best first.
    public func sorted() -> [Neighbor] { heap.sorted(by: Neighbor.precedes) }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i &- 1) / 2
            guard Neighbor.precedes(heap[parent], heap[i]) else { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 &* i &+ 1
            guard l < n else { break }
            let r = l &+ 1
            let worse = r < n && Neighbor.precedes(heap[l], heap[r]) ? r : l
            guard Neighbor.precedes(heap[i], heap[worse]) else { break }
            heap.swapAt(i, worse)
            i = worse
        }
    }
}

/// The `capacity` smallest (key, row) pairs of a float32 score stream; ties in key broken by smaller row.
/// `threshold` is +∞ until full, then the worst kept key: a key that is not below it cannot enter
/// (a key equal to it enters only with a smaller row, handled in `offer`). NaN keys never enter.
struct CandidateHeap {
    let capacity: Int
    private(set) var keys: [Float]
    private(set) var rows: [Int32]
    private(set) var count = 0
    private(set) var threshold: Float = .infinity

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        keys = [Float](repeating: 0, count: self.capacity)
        rows = [Int32](repeating: 0, count: self.capacity)
    }

    @inline(__always)
    private static func worse(_ ka: Float, _ ra: Int32, _ kb: Float, _ rb: Int32) -> Bool {
        ka > kb || (ka == kb && ra > rb)
    }

    /// Offers one item; the caller has usually checked `key <= threshold` already.
    @inline(__always)
    mutating func offer(_ key: Float, _ row: Int32) {
        guard key <= threshold else { return }  // also rejects NaN
        if count < capacity {
            keys.withUnsafeMutableBufferPointer { k in
                rows.withUnsafeMutableBufferPointer { r in
                    var i = count
                    while i > 0 {
                        let parent = (i &- 1) >> 1
                        guard Self.worse(key, row, k[parent], r[parent]) else { break }
                        k[i] = k[parent]; r[i] = r[parent]
                        i = parent
                    }
                    k[i] = key; r[i] = row
                }
            }
            count &+= 1
            if count == capacity { threshold = keys[0] }
            return
        }
        guard Self.worse(keys[0], rows[0], key, row) else { return }
        keys.withUnsafeMutableBufferPointer { k in
            rows.withUnsafeMutableBufferPointer { r in
                let n = count
                var i = 0
                while true {
                    let l = 2 &* i &+ 1
                    guard l < n else { break }
                    let rr = l &+ 1
                    let child = rr < n && Self.worse(k[rr], r[rr], k[l], r[l]) ? rr : l
                    guard Self.worse(k[child], r[child], key, row) else { break }
                    k[i] = k[child]; r[i] = r[child]
                    i = child
                }
                k[i] = key; r[i] = row
            }
        }
        threshold = keys[0]
    }

    /// The kept items, best first.
    func sortedItems() -> [(key: Float, row: Int32)] {
        (0..<count).map { (keys[$0], rows[$0]) }.sorted { ($0.key, $0.row) < ($1.key, $1.row) }
    }

    mutating func removeAll() {
        count = 0
        threshold = .infinity
    }
}

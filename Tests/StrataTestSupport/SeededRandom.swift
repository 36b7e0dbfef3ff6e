/// A small deterministic generator (SplitMix64) for tests: same seed, same inputs, on every machine.
public struct SeededRandom {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    /// 0 ..< n (0 when n ≤ 1).
    public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    public mutating func vector(_ d: Int) -> [Float] { (0..<d).map { _ in float() } }
    public mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
}

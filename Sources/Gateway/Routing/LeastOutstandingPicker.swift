/// Picks the backend with the fewest outstanding requests relative to its weight (Envoy's
/// LEAST_REQUEST): the score is `(outstanding + 1) / weight`, so at equal weights the least
/// loaded wins and a slow-starting backend (weight 0.1 to 1) gets a proportionally smaller share.
///
/// Up to `fullScanLimit` usable candidates are all compared; above it two distinct usable ones
/// are drawn at random and the better is taken (power of two choices), which avoids every gateway
/// herding onto the same momentarily idle backend. Ties are broken by the caller's seeded
/// generator, uniformly among the tied. A candidate with no weight, a weight that is not a finite
/// positive number, or as many requests in flight as its cap is never picked.
public struct LeastOutstandingPicker: Sendable, Hashable {
    /// One backend the picker may choose.
    public struct Candidate: Sendable, Hashable {
        /// The caller's identifier for the backend (a health-table index, a ring position, …).
        public var backend: Int
        /// Requests (streams) in flight to it now.
        public var outstanding: Int
        /// Its slow-start weight in `0...1` (0 = not eligible).
        public var weight: Double
        /// The most requests it may have in flight.
        public var cap: Int

        public init(backend: Int, outstanding: Int, weight: Double = 1, cap: Int = .max) {
            self.backend = backend
            self.outstanding = outstanding
            self.weight = weight
            self.cap = cap
        }

        /// Whether it may be picked.
        public var isUsable: Bool {
            weight > 0 && weight.isFinite && outstanding < cap
        }
    }

    /// The default candidate count up to which every candidate is compared.
    public static let defaultFullScanLimit = 16

    /// Candidate counts up to this are scanned fully; above it, power of two choices.
    public var fullScanLimit: Int

    public init(fullScanLimit: Int = LeastOutstandingPicker.defaultFullScanLimit) {
        self.fullScanLimit = fullScanLimit
    }

    /// The chosen candidate, or nil when none is usable.
    public func pick<Generator: RandomNumberGenerator>(
        from candidates: [Candidate],
        using generator: inout Generator
    ) -> Candidate? {
        var usable = 0
        for candidate in candidates where candidate.isUsable { usable += 1 }
        guard usable > 0 else { return nil }
        if usable <= max(fullScanLimit, 2) {
            return fullScan(candidates, using: &generator)
        }
        let first = Int.random(in: 0..<usable, using: &generator)
        var second = Int.random(in: 0..<(usable - 1), using: &generator)
        if second >= first { second += 1 }
        guard let a = usableCandidate(candidates, rank: first), let b = usableCandidate(candidates, rank: second)
        else { return nil }
        switch Self.compare(a, b) {
        case .less: return a
        case .greater: return b
        case .equal: return Bool.random(using: &generator) ? a : b
        }
    }

    private func fullScan<Generator: RandomNumberGenerator>(
        _ candidates: [Candidate],
        using generator: inout Generator
    ) -> Candidate? {
        var best: Candidate?
        var ties = 0
        for candidate in candidates where candidate.isUsable {
            guard let current = best else {
                best = candidate
                ties = 1
                continue
            }
            switch Self.compare(candidate, current) {
            case .less:
                best = candidate
                ties = 1
            case .equal:
                // Reservoir sampling: the k-th tied candidate replaces the pick with probability 1/k.
                ties += 1
                if Int.random(in: 0..<ties, using: &generator) == 0 { best = candidate }
            case .greater:
                break
            }
        }
        return best
    }

    /// The `rank`-th usable candidate (0-based) in the given order.
    private func usableCandidate(_ candidates: [Candidate], rank: Int) -> Candidate? {
        var seen = 0
        for candidate in candidates where candidate.isUsable {
            if seen == rank { return candidate }
            seen += 1
        }
        return nil
    }

    private enum Ordering {
        case less, equal, greater
    }

    /// Compares `(outstanding + 1) / weight` without dividing: `(a + 1) · wb` against `(b + 1) · wa`.
    private static func compare(_ a: Candidate, _ b: Candidate) -> Ordering {
        let left = (Double(max(a.outstanding, 0)) + 1) * b.weight
        let right = (Double(max(b.outstanding, 0)) + 1) * a.weight
        if left < right { return .less }
        if left > right { return .greater }
        return .equal
    }
}

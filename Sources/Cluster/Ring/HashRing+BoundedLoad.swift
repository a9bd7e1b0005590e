/// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam, SODA 2018).
///
/// Every member has capacity `⌈c · (total + 1) / n⌉`, where `total + 1` counts the load already
/// placed plus the request being placed now, as in the paper. A request goes to the first member
/// in its key's ring order whose load is below its capacity, so no member ends above `c` times
/// the average (up to the rounding of one request) while keys still stick to their owners when
/// load is even. Because `n · ⌈c · (total + 1) / n⌉ ≥ total + 1` for any `c ≥ 1`, some member
/// always has room: the answer is nil only for an empty ring.
extension HashRing {
    /// The default balance parameter: members may carry up to 25 % more than the average.
    public static let defaultLoadBound = 1.25

    /// The capacity every member has when `totalLoad` is already placed and one more request is
    /// being placed; `c` below 1 (or not a number) is treated as 1.
    public func capacity(totalLoad: Int, c: Double = HashRing.defaultLoadBound) -> Int {
        guard !members.isEmpty else { return 0 }
        let factor = c.isNaN ? 1 : max(c, 1)
        let average = (Double(max(totalLoad, 0)) + 1) / Double(members.count)
        let bound = (factor * average).rounded(.up)
        return bound >= Double(Int.max) ? Int.max : Int(bound)
    }

    /// The index of the first member in the key hash's ring order whose load is below capacity.
    ///
    /// `load(i)` is the current load (for example outstanding requests) of `members[i]`; it is
    /// called twice per member and must not change in between for the bound to hold exactly.
    public func ownerIndex(
        forKeyHash keyHash: UInt64,
        c: Double = HashRing.defaultLoadBound,
        load: (Int) -> Int
    ) -> Int? {
        guard !members.isEmpty else { return nil }
        var total = 0
        for index in members.indices {
            let memberLoad = max(load(index), 0)
            total = total > Int.max - memberLoad ? Int.max : total + memberLoad
        }
        let limit = capacity(totalLoad: total, c: c)
        var best: Int?
        var bestScore: UInt64 = 0
        for index in members.indices where load(index) < limit {
            let candidate = score(keyHash: keyHash, memberIndex: index)
            if best == nil || candidate > bestScore {
                best = index
                bestScore = candidate
            }
        }
        return best
    }

    /// The member to send `key` to under bounded loads; members missing from `loads` count as 0.
    public func owner(for key: String, loads: [String: Int], c: Double = HashRing.defaultLoadBound) -> String? {
        ownerIndex(forKeyHash: Self.keyHash(key), c: c) { loads[members[$0], default: 0] }.map { members[$0] }
    }

    /// The member to send a byte key to under bounded loads; members missing from `loads` count as 0.
    public func owner(
        for key: some Collection<UInt8>,
        loads: [String: Int],
        c: Double = HashRing.defaultLoadBound
    ) -> String? {
        ownerIndex(forKeyHash: Self.keyHash(key), c: c) { loads[members[$0], default: 0] }.map { members[$0] }
    }
}

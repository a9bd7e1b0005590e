public import Cluster

/// Decides where a request's inputs go at one instant: consistent hashing with bounded loads over
/// the backends serving the model, least outstanding requests among a key's owners.
///
/// For each input text the routing key `HashRing.keyHash(model:text:)` names `replicas` owners
/// (the first backends in the key's ring order). An owner qualifies when it is eligible (see
/// `HealthTable`), below its in-flight cap and below the bounded-load capacity
/// `⌈c · (total + 1) / n⌉`, where `total` is the outstanding requests of the `n` eligible
/// backends serving the model. Among qualifying owners the least loaded relative to its weight
/// wins (`LeastOutstandingPicker`); a text whose owners all fail to qualify walks the rest of its
/// ring order to the first backend that does, and, if none does (every one at its cap or over
/// the bound), goes to the least loaded usable backend.
///
/// Many inputs are split by backend: each new sub-request counts as one more outstanding request
/// on its backend while the rest are planned, and a text whose qualifying owners include a
/// backend already in the plan joins that sub-request, so texts sharing an owner travel together.
/// A value built per request from a table snapshot: planning takes no lock and does no I/O.
public struct RoutePlanner: Sendable {
    /// The health snapshot routed against.
    public let table: HealthTable
    /// The instant the plan is for (the same origin as the table's times).
    public let now: Duration
    /// Owners per key (R, default 2).
    public var replicas: Int
    /// The bounded-load factor c (default 1.25).
    public var loadBound: Double
    /// Chooses among qualifying owners.
    public var picker: LeastOutstandingPicker

    public init(
        table: HealthTable,
        now: Duration,
        replicas: Int = 2,
        loadBound: Double = HashRing.defaultLoadBound,
        picker: LeastOutstandingPicker = LeastOutstandingPicker()
    ) {
        self.table = table
        self.now = now
        self.replicas = replicas
        self.loadBound = loadBound
        self.picker = picker
    }

    /// Plans a request for `model` with the given input texts. `outstanding(i)` is the number of
    /// requests in flight to the backend at table index `i` (read once per backend per plan);
    /// backends in `excluding` (already tried) are not used.
    public func plan<Generator: RandomNumberGenerator>(
        model: String,
        texts: [String],
        excluding: Set<Int> = [],
        outstanding: (Int) -> Int,
        using generator: inout Generator
    ) throws(RoutingError) -> RoutePlan {
        try plan(
            model: model,
            texts: texts,
            positions: texts.indices,
            excluding: excluding,
            outstanding: outstanding,
            using: &generator
        )
    }

    /// Plans a request reading in-flight counts from `counters`.
    public func plan<Generator: RandomNumberGenerator>(
        model: String,
        texts: [String],
        excluding: Set<Int> = [],
        counters: OutstandingCounters,
        using generator: inout Generator
    ) throws(RoutingError) -> RoutePlan {
        try plan(model: model, texts: texts, excluding: excluding, outstanding: counters.outstanding, using: &generator)
    }

    /// Plans the retry of a failed sub-request: the group's inputs (by their original indices into
    /// `texts`) are routed again, avoiding the group's backend and every backend in `excluding`.
    public func replan<Generator: RandomNumberGenerator>(
        _ group: RoutePlan.Group,
        model: String,
        texts: [String],
        excluding: Set<Int> = [],
        outstanding: (Int) -> Int,
        using generator: inout Generator
    ) throws(RoutingError) -> RoutePlan {
        try plan(
            model: model,
            texts: texts,
            positions: group.inputIndices.filter { texts.indices.contains($0) },
            excluding: excluding.union([group.backend]),
            outstanding: outstanding,
            using: &generator
        )
    }

    // MARK: Planning

    /// A ring member's routing state during one plan.
    private struct RingMember {
        var backend: Int
        var eligible: Bool
        var weight: Double
        var cap: Int
        var load: Int
        /// The position of its group in the plan, once it has one.
        var group: Int?

        var usable: Bool { eligible && load < cap }
    }

    private func plan<Generator: RandomNumberGenerator>(
        model: String,
        texts: [String],
        positions: some Collection<Int>,
        excluding: Set<Int>,
        outstanding: (Int) -> Int,
        using generator: inout Generator
    ) throws(RoutingError) -> RoutePlan {
        guard let modelRing = table.ring(for: model), !modelRing.ring.isEmpty else {
            throw .modelNotServed(model)
        }
        var members = modelRing.backendIndices.map { backend in
            let eligible = !excluding.contains(backend) && table.isEligible(backend, at: now)
            return RingMember(
                backend: backend,
                eligible: eligible,
                weight: eligible ? table.weight(backend, at: now) : 0,
                cap: eligible ? table.inFlightCap(backend, at: now) : 0,
                load: eligible ? max(outstanding(backend), 0) : 0,
                group: nil
            )
        }
        // Panic routing (Envoy's term), in two steps. Nothing is usable, but members gossip
        // accuses (suspect, or recently declared dead) whose checks still pass may be falsely
        // accused by a slow gossip view; failing that, live ready members whose checks fail may
        // only be too starved to answer a check in time. Sending to them beats failing every
        // request; a failure is retried elsewhere as usual. Both steps ignore slow start: with
        // nowhere else to go, a ramp would only refuse requests.
        let fallbacks: [(Int) -> Bool] = [
            { table.isPanicEligible($0, at: now) },
            { table.isLastResort($0, at: now) },
        ]
        // Eligible members that are all at their caps mean overload (429), not an outage (503), even
        // when the fallbacks below find nothing more.
        let saturated = members.contains(where: \.eligible)
        for fallback in fallbacks where !members.contains(where: \.usable) {
            members = modelRing.backendIndices.map { backend in
                let eligible = !excluding.contains(backend) && fallback(backend)
                return RingMember(
                    backend: backend,
                    eligible: eligible,
                    weight: eligible ? 1 : 0,
                    cap: eligible ? table.policy.maxInFlightPerBackend : 0,
                    load: eligible ? max(outstanding(backend), 0) : 0,
                    group: nil
                )
            }
        }
        let eligibleCount = members.reduce(0) { $0 + ($1.eligible ? 1 : 0) }
        guard members.contains(where: \.usable) else {
            throw saturated ? .saturated(model) : .noHealthyBackend(model)
        }
        var totalLoad = members.reduce(0) { $0 &+ $1.load }
        var groups: [RoutePlan.Group] = []
        for position in positions {
            let keyHash = HashRing.keyHash(model: model, text: texts[position])
            let capacity = boundedCapacity(totalLoad: totalLoad, eligibleCount: eligibleCount)
            guard
                let chosen = choose(
                    keyHash: keyHash,
                    ring: modelRing.ring,
                    members: members,
                    capacity: capacity,
                    using: &generator
                )
            else { throw .saturated(model) }
            if let group = members[chosen].group {
                groups[group].inputIndices.append(position)
                continue
            }
            members[chosen].group = groups.count
            members[chosen].load += 1
            totalLoad &+= 1
            let backend = members[chosen].backend
            let descriptor = table[backend]?.descriptor
            groups.append(
                RoutePlan.Group(
                    backend: backend,
                    backendName: descriptor?.name ?? modelRing.ring.members[chosen],
                    httpAddress: descriptor?.httpAddress ?? "",
                    inFlightCap: members[chosen].cap,
                    inputIndices: [position]
                )
            )
        }
        return RoutePlan(groups: groups)
    }

    /// The bounded-load capacity `⌈c · (total + 1) / n⌉` over the eligible backends.
    private func boundedCapacity(totalLoad: Int, eligibleCount: Int) -> Int {
        guard eligibleCount > 0 else { return 0 }
        let factor = loadBound.isNaN ? 1 : max(loadBound, 1)
        let bound = (factor * (Double(max(totalLoad, 0)) + 1) / Double(eligibleCount)).rounded(.up)
        return bound >= Double(Int.max) ? Int.max : Int(bound)
    }

    /// The ring position of the backend for one key.
    private func choose<Generator: RandomNumberGenerator>(
        keyHash: UInt64,
        ring: HashRing,
        members: [RingMember],
        capacity: Int,
        using generator: inout Generator
    ) -> Int? {
        let owners = ring.ownerIndices(forKeyHash: keyHash, count: max(replicas, 1))
        let qualifying = owners.filter { members[$0].usable && members[$0].load < capacity }
        if !qualifying.isEmpty {
            let joined = qualifying.filter { members[$0].group != nil }
            return pick(among: joined.isEmpty ? qualifying : joined, members: members, using: &generator)
        }
        let order = ring.ownerIndices(forKeyHash: keyHash, count: ring.count)
        if let walked = order.first(where: { members[$0].usable && members[$0].load < capacity }) {
            return walked
        }
        return pick(among: Array(members.indices), members: members, using: &generator)
    }

    private func pick<Generator: RandomNumberGenerator>(
        among positions: [Int],
        members: [RingMember],
        using generator: inout Generator
    ) -> Int? {
        if positions.count == 1, let only = positions.first { return members[only].usable ? only : nil }
        let candidates = positions.map { position in
            LeastOutstandingPicker.Candidate(
                backend: position,
                outstanding: members[position].load,
                weight: members[position].weight,
                cap: members[position].cap
            )
        }
        return picker.pick(from: candidates, using: &generator)?.backend
    }
}

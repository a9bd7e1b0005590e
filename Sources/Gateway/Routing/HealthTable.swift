public import Cluster

/// The health of every backend the gateway knows, indexed by a stable backend index, plus the
/// fleet-level decisions: the outlier ejection cap and one hash ring per model.
///
/// A pure value the control plane mutates (gossip syncs, check results, request outcomes) and
/// publishes as a snapshot; routing reads a copy without locks. Backend indices are stable for as
/// long as a backend stays in the membership, so `OutstandingCounters` can be indexed by them;
/// the index of a backend that left the membership is reused for a later one (its in-flight
/// count, if any requests to it are still finishing, stays paired and drains to zero).
public struct HealthTable: Sendable {
    /// The rules every backend follows.
    public let policy: HealthPolicy
    /// The most backends the table tracks (the size of the `OutstandingCounters` it indexes);
    /// members beyond it are not routed to.
    public let capacity: Int
    /// The backends by index; nil marks a free index.
    public private(set) var backends: [BackendHealth?]
    /// One ring per model over the backends that list it.
    public private(set) var rings: [String: ModelRing]
    private var indexByName: [String: Int]
    private var freeIndices: [Int]
    /// Backends seen in the first sync are not slow-started: the gateway is just starting, not the
    /// backend recovering.
    private var hasSynced: Bool

    public init(policy: HealthPolicy = HealthPolicy(), capacity: Int = 1024) {
        self.policy = policy
        self.capacity = max(capacity, 0)
        self.backends = []
        self.rings = [:]
        self.indexByName = [:]
        self.freeIndices = []
        self.hasSynced = false
    }

    /// The backend at `index`, if the index is in use.
    public subscript(index: Int) -> BackendHealth? {
        backends.indices.contains(index) ? backends[index] : nil
    }

    /// The index of the backend called `name`.
    public func index(of name: String) -> Int? {
        indexByName[name]
    }

    /// The number of backends tracked.
    public var count: Int { indexByName.count }

    /// The ring of the backends serving `model`, nil when none does.
    public func ring(for model: String) -> ModelRing? {
        rings[model]
    }

    /// Takes in the membership: every node member becomes or updates a backend, gateways and
    /// members with unreadable metadata are ignored, and backends no longer in it are forgotten.
    public mutating func sync(with snapshot: MembershipSnapshot, now: Duration) {
        sync(snapshot.members.compactMap(BackendDescriptor.init(member:)), now: now)
    }

    /// Takes in the full list of backends gossip knows (see `sync(with:now:)`).
    public mutating func sync(_ descriptors: [BackendDescriptor], now: Duration) {
        var latest: [String: BackendDescriptor] = [:]
        for descriptor in descriptors { latest[descriptor.name] = descriptor }
        for (name, index) in indexByName where latest[name] == nil {
            backends[index] = nil
            indexByName[name] = nil
            freeIndices.append(index)
        }
        // Lowest free index first, and new names in name order, so the layout is deterministic.
        freeIndices.sort(by: >)
        for name in latest.keys.sorted() {
            guard let descriptor = latest[name] else { continue }
            if let index = indexByName[name], backends[index] != nil {
                backends[index]?.updateGossip(descriptor, policy: policy, now: now)
                continue
            }
            let index: Int
            if let free = freeIndices.popLast() {
                index = free
            } else if backends.count < capacity {
                index = backends.count
                backends.append(nil)
            } else {
                continue
            }
            backends[index] = BackendHealth(descriptor, policy: policy, now: now, slowStart: hasSynced)
            indexByName[name] = index
        }
        hasSynced = true
        rebuildRings()
    }

    // MARK: Active checks

    /// The indices of the backends whose check is due at `now`, in index order: live members, and
    /// members declared dead while their checks still pass (`BackendHealth.isWatched`); a dead
    /// member whose checks failed, or a member that left, is not checked.
    public func checksDue(at now: Duration) -> [Int] {
        backends.indices.filter { index in
            guard let backend = backends[index] else { return false }
            return backend.isWatched && backend.nextCheckAt <= now
        }
    }

    /// The earliest time a check is due, nil when nothing is to be checked: the checker sleeps
    /// until then (or until the next membership change).
    public var nextCheckTime: Duration? {
        backends.lazy.compactMap { $0 }.filter(\.isWatched).map(\.nextCheckAt).min()
    }

    /// Records an active check of the backend at `index` made at `now`; returns when its next
    /// check is due, nil for an unknown index.
    @discardableResult
    public mutating func recordCheck(_ index: Int, succeeded: Bool, now: Duration) -> Duration? {
        guard self[index] != nil else { return nil }
        return backends[index]?.recordCheck(succeeded: succeeded, policy: policy, now: now)
    }

    // MARK: Passive outlier detection

    /// How many live backends (alive or suspect) are ejected at `now`.
    public func ejectedCount(at now: Duration) -> Int {
        backends.reduce(0) { count, backend in
            guard let backend, backend.wantsChecks, backend.isEjected(at: now) else { return count }
            return count + 1
        }
    }

    /// How many backends may be ejected at once: the policy's share of the live backends, rounded
    /// down.
    public var maxEjected: Int {
        let live = backends.reduce(0) { $0 + ($1?.wantsChecks == true ? 1 : 0) }
        return live * policy.effectiveMaxEjectionPercent / 100
    }

    /// Records the outcome of a request to the backend at `index`: a success ends its failure
    /// streak, a failure that completes a streak ejects it unless that would put more than the
    /// allowed share of backends out. Returns whether the backend was ejected now.
    @discardableResult
    public mutating func recordOutcome(_ index: Int, succeeded: Bool, now: Duration) -> Bool {
        guard self[index] != nil else { return false }
        if succeeded {
            backends[index]?.recordSuccess()
            return false
        }
        let mayEject = ejectedCount(at: now) < maxEjected
        return backends[index]?.recordFailure(policy: policy, now: now, mayEject: mayEject) ?? false
    }

    /// Records how a request to the backend at `index` ended: nil for a success; a failure only
    /// counts toward ejection when `countsTowardEjection` says so (a 429 or a draining 503 neither
    /// ends nor extends a failure streak). Returns whether the backend was ejected now.
    @discardableResult
    public mutating func recordOutcome(_ index: Int, failure: BackendFailure?, now: Duration) -> Bool {
        guard let failure else { return recordOutcome(index, succeeded: true, now: now) }
        guard failure.countsTowardEjection else { return false }
        return recordOutcome(index, succeeded: false, now: now)
    }

    /// Whether `recordOutcome(_:failure:now:)` would change anything: a success only ends a failure
    /// streak, so one for a backend without a streak (the common case) changes nothing, nor does a
    /// failure that does not count toward ejection. Lets the per-request path skip the write (and
    /// the copy of the table that publishing it costs).
    public func outcomeChangesState(_ index: Int, failure: BackendFailure?) -> Bool {
        guard backends.indices.contains(index) else { return false }
        guard let failure else { return (backends[index]?.consecutiveFailures ?? 0) > 0 }
        return failure.countsTowardEjection
    }

    // MARK: Routing views

    /// Whether the backend at `index` may take a new request at `now`.
    public func isEligible(_ index: Int, at now: Duration) -> Bool {
        self[index]?.isEligible(at: now) ?? false
    }

    /// Whether the backend at `index` may take requests when nothing is eligible (see
    /// `BackendHealth.isPanicEligible`).
    public func isPanicEligible(_ index: Int, at now: Duration) -> Bool {
        self[index]?.isPanicEligible(at: now) ?? false
    }

    /// Whether the backend at `index` may take requests when nothing is eligible or
    /// panic-eligible (see `BackendHealth.isLastResort`).
    public func isLastResort(_ index: Int, at now: Duration) -> Bool {
        self[index]?.isLastResort(at: now) ?? false
    }

    /// The slow-start weight of the backend at `index` (0 when not eligible).
    public func weight(_ index: Int, at now: Duration) -> Double {
        self[index]?.weight(at: now, policy: policy) ?? 0
    }

    /// The in-flight cap of the backend at `index` (0 when not eligible).
    public func inFlightCap(_ index: Int, at now: Duration) -> Int {
        self[index]?.inFlightCap(at: now, policy: policy) ?? 0
    }

    /// Whether any backend serving `model` is eligible at `now` (the gateway's `/ready`).
    public func hasEligibleBackend(for model: String? = nil, at now: Duration) -> Bool {
        backends.contains { backend in
            guard let backend, backend.isEligible(at: now) else { return false }
            return model.map { backend.descriptor.models.contains($0) } ?? true
        }
    }

    private mutating func rebuildRings() {
        var byModel: [String: [(name: String, index: Int)]] = [:]
        for (name, index) in indexByName {
            guard let backend = backends[index] else { continue }
            for model in Set(backend.descriptor.models) {
                byModel[model, default: []].append((name, index))
            }
        }
        var newRings: [String: ModelRing] = [:]
        for (model, members) in byModel { newRings[model] = ModelRing(backends: members) }
        rings = newRings
    }
}

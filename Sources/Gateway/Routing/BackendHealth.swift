import Cluster

/// One backend's health as the gateway sees it: gossip, active checks, passive ejection and slow
/// start fused into "may it take a new request now, and how much".
///
/// A pure value: time comes in as `Duration` since the caller's origin (the same origin for every
/// call), nothing is read from a clock. Ejection ends lazily: a backend whose `ejectedUntil` has
/// passed is eligible again without any event, and its slow start is measured from that instant.
///
/// Active checks follow HAProxy's health counter, `checkHealth` in `0...rise+fall-1`; the checks
/// call a backend up while it is at least `rise`. A success adds one and, on reaching `rise`,
/// jumps to the ceiling (fully up); a failure takes one away and, on dropping below `rise`, falls
/// to 0 (fully down). So an up backend goes down after `fall` consecutive failures and a down
/// backend comes up after `rise` consecutive successes.
///
/// Start state (HAProxy's `init-state up`): a backend that gossip reports ready, when first seen
/// or when it becomes ready again after being starting, draining, suspect, dead or left, has its
/// counter raised to `rise`: it takes requests at once and the first failed check takes it down.
/// The node declares itself ready only once its model is loaded and it answers `/ready`, so
/// waiting `rise` check intervals would only delay a rolling restart. A backend gossip does not
/// report ready starts fully down and needs `rise` successes (or a ready from gossip).
public struct BackendHealth: Sendable, Hashable {
    /// The gossip view of the backend.
    public private(set) var descriptor: BackendDescriptor
    /// HAProxy's health counter (see the type's documentation).
    public private(set) var checkHealth: Int
    /// When the next active check is due.
    public private(set) var nextCheckAt: Duration
    /// Request failures since the last success (passive outlier detection).
    public private(set) var consecutiveFailures: Int
    /// The ejection multiplier: how many times it was ejected, decayed by one for every base
    /// ejection time spent without an ejection (Envoy), and never above the step that reaches
    /// `maxEjectionTime`.
    public private(set) var ejectionCount: Int
    /// The end of the latest ejection (kept after it passes: slow start and decay start there).
    public private(set) var ejectedUntil: Duration?
    /// When the backend last became available (gossip ready and checks up) after having been
    /// unavailable; nil when it is not available or was available from the start (no slow start).
    public private(set) var slowStartOrigin: Duration?
    /// The policy's `rise` as of the latest event, so `checksUp` needs no policy argument.
    private var checkRise: Int
    /// Set while the backend is unavailable only because gossip accuses it (see
    /// `isAccusedButServing`) and it was warm before: clearing the accusation resumes its weight
    /// where it was instead of starting a new slow start.
    private var staysWarm = false

    /// A backend first seen at `now`. `slowStart` says whether becoming available now counts as
    /// a recovery (a backend that joins a running gateway ramps up; one known at start-up not).
    public init(_ descriptor: BackendDescriptor, policy: HealthPolicy, now: Duration, slowStart: Bool) {
        self.descriptor = descriptor
        self.checkRise = policy.effectiveRise
        self.checkHealth = descriptor.gossipReady ? policy.effectiveRise : 0
        self.nextCheckAt = now
        self.consecutiveFailures = 0
        self.ejectionCount = 0
        self.ejectedUntil = nil
        self.slowStartOrigin = descriptor.gossipReady && slowStart ? now : nil
    }

    public var name: String { descriptor.name }

    /// The active checks' verdict.
    public var checksUp: Bool { checkHealth >= checkRise }

    /// Gossip ready and checks up: everything but ejection, which ends by itself.
    public var isAvailable: Bool { descriptor.gossipReady && checksUp }

    /// Whether passive outlier detection keeps the backend out at `now`.
    public func isEjected(at now: Duration) -> Bool {
        guard let ejectedUntil else { return false }
        return now < ejectedUntil
    }

    /// Whether the backend may be sent a new request at `now`.
    public func isEligible(at now: Duration) -> Bool {
        isAvailable && !isEjected(at: now)
    }

    /// Gossip accuses the backend (suspect, or declared dead) while it still says it is ready and
    /// passes its active checks. It may well be falsely accused: a paused or CPU-starved process,
    /// or a starved gateway, misses gossip deadlines long before it stops serving.
    public var isAccusedButServing: Bool {
        let accused = descriptor.memberState == .suspect || descriptor.memberState == .dead
        return accused && descriptor.servingState == .ready && checksUp
    }

    /// An accused backend that still serves (`isAccusedButServing`) and is not ejected: the router
    /// falls back to such backends when no backend is eligible (panic routing, Envoy's panic
    /// threshold). Sending to them beats failing every request; a real failure is retried elsewhere.
    public func isPanicEligible(at now: Duration) -> Bool {
        isAccusedButServing && !isEjected(at: now)
    }

    /// The router's last resort when no backend is eligible or panic-eligible: gossip counts it
    /// live (alive or suspect) and it says it is ready, whatever its active checks say, unless it
    /// is ejected. On a starved machine a check times out long before the backend stops serving;
    /// with nowhere else to go, trying it beats an immediate 503 (a failure is retried as usual).
    public func isLastResort(at now: Duration) -> Bool {
        descriptor.memberState.isLive && descriptor.servingState == .ready && !isEjected(at: now)
    }

    /// Whether gossip counts the backend as live (alive or suspect): the ejection cap's fleet.
    public var wantsChecks: Bool { descriptor.memberState.isLive }

    /// Whether active checks keep running and the directory keeps the backend's connection pool:
    /// while gossip counts it live, and after gossip declared it dead for as long as its checks
    /// still pass. Those checks tell a falsely accused backend (still a panic-routing candidate)
    /// from a gone one: `fall` failures in a row take it down, and then it is no longer watched.
    public var isWatched: Bool {
        descriptor.memberState.isLive || (descriptor.memberState == .dead && checksUp)
    }

    /// The slow-start weight at `now`: 0 when not eligible, else a linear ramp from 0.1 at the
    /// moment it became eligible again (available, or its ejection ended) to 1 after `slowStart`.
    public func weight(at now: Duration, policy: HealthPolicy) -> Double {
        guard isEligible(at: now) else { return 0 }
        var origin = slowStartOrigin
        if let ejectedUntil, ejectedUntil <= now, origin.map({ ejectedUntil > $0 }) ?? true {
            origin = ejectedUntil
        }
        guard let origin, policy.slowStart > .zero else { return 1 }
        let elapsed = now - origin
        guard elapsed < policy.slowStart else { return 1 }
        let fraction = max(elapsed / policy.slowStart, 0)
        let initial = HealthPolicy.slowStartInitialWeight
        return initial + (1 - initial) * fraction
    }

    /// The most requests it may have in flight at `now`: the slow-start share of the policy's cap
    /// (rounded to the nearest whole request), at least 1 while eligible, 0 when not.
    public func inFlightCap(at now: Duration, policy: HealthPolicy) -> Int {
        let weight = weight(at: now, policy: policy)
        guard weight > 0 else { return 0 }
        let cap = (weight * Double(policy.effectiveMaxInFlight)).rounded()
        return max(Int(cap), 1)
    }

    /// The status shown to people: draining/starting from gossip, else up or down.
    public func status(at now: Duration) -> BackendStatus {
        if descriptor.memberState == .alive {
            switch descriptor.servingState {
            case .draining: return .draining
            case .starting: return .starting
            case .ready: break
            }
        }
        return isEligible(at: now) ? .up : .down
    }

    // MARK: Events

    /// Takes in a new gossip view. Suspect, dead, left, draining or starting make the backend
    /// ineligible at once, whatever the checks say; becoming ready again raises the check counter
    /// to `rise` (see the type's documentation) and asks for a check now.
    public mutating func updateGossip(_ newDescriptor: BackendDescriptor, policy: HealthPolicy, now: Duration) {
        let wasAvailable = isAvailable
        let wasReady = descriptor.gossipReady
        descriptor = newDescriptor
        checkRise = policy.effectiveRise
        if !wasReady && newDescriptor.gossipReady {
            checkHealth = max(checkHealth, policy.effectiveRise)
            nextCheckAt = now
        }
        noteAvailability(wasAvailable: wasAvailable, now: now)
    }

    /// Records the result of an active check made at `now` and schedules the next one: the normal
    /// interval when fully up, the fast interval while down or transitioning. Returns that time.
    @discardableResult
    public mutating func recordCheck(succeeded: Bool, policy: HealthPolicy, now: Duration) -> Duration {
        let wasAvailable = isAvailable
        let ceiling = policy.maxCheckHealth
        let rise = policy.effectiveRise
        checkRise = rise
        checkHealth = min(checkHealth, ceiling)
        if succeeded {
            if checkHealth < ceiling {
                checkHealth += 1
                if checkHealth >= rise { checkHealth = ceiling }
            }
        } else if checkHealth > 0 {
            checkHealth -= 1
            if checkHealth < rise { checkHealth = 0 }
        }
        let interval = checkHealth == ceiling ? policy.effectiveCheckInterval : policy.effectiveFastCheckInterval
        nextCheckAt = now + interval
        noteAvailability(wasAvailable: wasAvailable, now: now)
        return nextCheckAt
    }

    /// Records a request that succeeded: the failure streak ends.
    public mutating func recordSuccess() {
        consecutiveFailures = 0
    }

    /// Records a request failure at `now`; ejects the backend when the streak reaches the
    /// policy's threshold and `mayEject` (the fleet's percentage cap) allows. Failures of requests
    /// that were in flight while it is already ejected are ignored. Returns whether it was ejected.
    @discardableResult
    public mutating func recordFailure(policy: HealthPolicy, now: Duration, mayEject: Bool) -> Bool {
        guard policy.ejectionEnabled, !isEjected(at: now) else { return false }
        consecutiveFailures += 1
        guard consecutiveFailures >= policy.consecutiveFailures, mayEject else { return false }
        if let previousEnd = ejectedUntil, now > previousEnd {
            let quietSteps = ((now - previousEnd) / policy.baseEjectionTime).rounded(.down)
            ejectionCount = quietSteps >= Double(ejectionCount) ? 0 : ejectionCount - Int(quietSteps)
        }
        ejectionCount = min(ejectionCount + 1, policy.maxEjectionSteps)
        ejectedUntil = now + policy.ejectionDuration(count: ejectionCount)
        consecutiveFailures = 0
        return true
    }

    // MARK: Private

    /// Slow start begins when the backend becomes available again, unless it was unavailable
    /// only because gossip accused it while it kept serving: a process that answered its checks
    /// throughout (and may have been panic-routed to) has nothing to warm up, and a fresh ramp at
    /// 10 % of the in-flight cap would turn a refuted false suspicion into refused requests.
    private mutating func noteAvailability(wasAvailable: Bool, now: Duration) {
        if !wasAvailable && isAvailable {
            if !staysWarm { slowStartOrigin = now }
            staysWarm = false
        } else if !isAvailable {
            staysWarm = isAccusedButServing && (wasAvailable || staysWarm)
            if !staysWarm { slowStartOrigin = nil }
        }
    }
}

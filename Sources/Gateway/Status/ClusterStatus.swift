public import Cluster

/// The `/cluster` document (`murmur status --json`): every member as this process sees it.
///
/// `{"local":…,"members":[{"name","role","state","incarnation","http","gossip","health",
/// "in_flight","queue_depth","cache_hit_rate","models","version","started_at","uptime_s"}…],
/// "summary":{…},"hints":[…]}`; health is `up`, `down`, `draining` or `starting`. A gateway passes its own
/// health-check verdicts to override what gossip says, and its `GatewayView` adds per-member
/// `requests_per_s`, `p50_ms`, `p99_ms`, `ring_share` (and `ring_shares` per model), plus the
/// top-level `gateway` figures and recent `events`. A node knows none of those and leaves them out.
public struct ClusterStatus: Sendable {
    /// What the local process knows about one member's health beyond gossip (e.g. failing checks).
    public enum HealthOverride: Sendable {
        case down
        case ejected
    }

    /// What only a gateway knows: the traffic it routed, its rings and the events it followed.
    public struct GatewayView: Sendable {
        /// Client requests the gateway answered over the last ten seconds.
        public var traffic: TrafficSummary
        /// Client requests in flight now.
        public var inFlight: Int
        /// Sub-requests sent to each backend over the last ten seconds, by member name.
        public var backends: [String: TrafficSummary]
        /// Each member's share of each of its models' rings: `[member: [model: share]]`.
        public var ringShares: [String: [String: Double]]
        /// Recent events, newest first.
        public var events: [ClusterEvent]

        public init(
            traffic: TrafficSummary,
            inFlight: Int,
            backends: [String: TrafficSummary] = [:],
            ringShares: [String: [String: Double]] = [:],
            events: [ClusterEvent] = []
        ) {
            self.traffic = traffic
            self.inFlight = inFlight
            self.backends = backends
            self.ringShares = ringShares
            self.events = events
        }
    }

    public var snapshot: MembershipSnapshot
    public var healthOverrides: [String: HealthOverride]
    /// Wall-clock time of the document, seconds since the Unix epoch (uptimes count to it).
    public var now: Double
    /// Set on a gateway.
    public var gateway: GatewayView?
    /// What the hints compare load against.
    public var limits: SaturationLimits

    public init(
        snapshot: MembershipSnapshot,
        healthOverrides: [String: HealthOverride] = [:],
        now: Double = UnixTime.now(),
        gateway: GatewayView? = nil,
        limits: SaturationLimits = SaturationLimits()
    ) {
        self.snapshot = snapshot
        self.healthOverrides = healthOverrides
        self.now = now
        self.gateway = gateway
        self.limits = limits
    }

    /// The health word for `member`: dead or left members are down; otherwise the serving state
    /// from its metadata, unless a local verdict says down.
    public func health(of member: Member) -> String {
        guard member.state.isLive else { return "down" }
        if healthOverrides[member.name] != nil { return "down" }
        switch member.decodedMetadata?.servingState {
        case .ready?: return "up"
        case .draining?: return "draining"
        case .starting?: return "starting"
        case nil: return "down"
        }
    }

    /// One row per member, in name order.
    public var members: [MemberStatus] {
        snapshot.members.map { member in
            let metadata = member.decodedMetadata
            let startedAt = metadata?.startedAtMilliseconds.map { Double($0) / 1000 }
            let isNode = metadata?.role == .node
            return MemberStatus(
                name: member.name,
                role: metadata?.role.rawValue,
                state: member.state.description,
                incarnation: member.incarnation,
                http: metadata?.httpAddress,
                gossip: member.endpoint.description,
                health: health(of: member),
                inFlight: metadata?.load.inFlight ?? 0,
                queueDepth: metadata?.load.queueDepth ?? 0,
                cacheHitRate: metadata.flatMap {
                    MemberStatus.cacheHitRate(lookups: $0.load.cacheLookups, hits: $0.load.cacheHits)
                },
                cacheLookups: metadata?.load.cacheLookups ?? 0,
                models: metadata?.models ?? [],
                version: metadata?.softwareVersion,
                startedAt: startedAt,
                uptimeSeconds: member.state.isLive ? startedAt.map { max(now - $0, 0) } : nil,
                traffic: gateway?.backends[member.name],
                ringShares: isNode ? gateway?.ringShares[member.name] ?? [:] : [:]
            )
        }
    }

    /// The counts behind the verdict line.
    public var summary: ClusterSummary { ClusterSummary(members: members) }

    /// Advice for an operator, most severe first.
    public var hints: [StatusHint] {
        StatusHint.hints(members: members, gateway: gateway?.traffic, limits: limits)
    }
}

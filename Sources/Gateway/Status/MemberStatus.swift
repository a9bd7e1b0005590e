/// One member's row of the `/cluster` document and of the status page.
public struct MemberStatus: Sendable, Hashable {
    public var name: String
    /// `node` or `gateway`; nil when its metadata is unreadable.
    public var role: String?
    /// The gossip state: `alive`, `suspect`, `dead` or `left`.
    public var state: String
    public var incarnation: UInt64
    public var http: String?
    public var gossip: String
    /// `up`, `down`, `draining` or `starting`.
    public var health: String
    public var inFlight: Int
    public var queueDepth: Int
    /// The share (0…1) of the member's recent embedding-cache lookups that hit; nil when it made
    /// fewer than `MemberStatus.minimumCacheLookups` lookups (a rate over 3 lookups means little),
    /// has no cache, or runs a version that does not report it.
    public var cacheHitRate: Double? = nil
    /// The lookups `cacheHitRate` is taken over (since the member's previous load publication).
    public var cacheLookups: Int = 0
    public var models: [String]
    public var version: String?
    /// Process start, seconds since the Unix epoch; nil when the member did not say.
    public var startedAt: Double?
    /// Seconds since `startedAt`, for a live member; nil otherwise.
    public var uptimeSeconds: Double?
    /// What the gateway saw of the requests it sent this member (gateway documents only).
    public var traffic: TrafficSummary?
    /// This member's share of each of its models' rings (gateway documents only).
    public var ringShares: [String: Double]

    /// The mean share over the member's models' rings; nil when it is in no ring.
    public var ringShare: Double? {
        guard !ringShares.isEmpty else { return nil }
        return ringShares.values.reduce(0, +) / Double(ringShares.count)
    }

    public var isNode: Bool { role == "node" }

    /// Fewer lookups than this give no hit rate.
    public static let minimumCacheLookups = 20

    /// The hit rate over `lookups` lookups with `hits` hits, or nil below `minimumCacheLookups`.
    public static func cacheHitRate(lookups: Int, hits: Int) -> Double? {
        guard lookups >= minimumCacheLookups else { return nil }
        return Double(min(max(hits, 0), lookups)) / Double(lookups)
    }
}

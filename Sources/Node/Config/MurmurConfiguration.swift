/// Every setting of a `murmur node` or `murmur gateway`, validated once at start and then frozen.
///
/// Built by `ConfigurationLoader` from defaults, `cluster.conf`, `MURMUR_<SECTION>_<KEY>` variables
/// and flags; a value that reaches this type is already in range and consistent with the others, so
/// consumers use it without re-checking. The stored defaults are the documented ones (the shipped
/// `cluster.conf` is tested to load into exactly `MurmurConfiguration()`).
struct MurmurConfiguration: Hashable, Sendable {
    /// `[cluster]`: identity and encryption shared by every member.
    var cluster = ClusterSettings()
    /// `[gossip]`: this member's gossip addresses and the SWIM protocol's tunables.
    var gossip = GossipSettings()
    /// `[node]`: the replica role (HTTP address, models, batching, cache).
    var node = NodeSettings()
    /// `[gateway]`: the load balancer role (listeners, limits, routing, health, retries).
    var gateway = GatewaySettings()
    /// `[admin]`: access to the admin endpoints.
    var admin = AdminSettings()

    init() {}
}

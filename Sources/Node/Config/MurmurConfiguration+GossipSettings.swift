import Cluster

extension MurmurConfiguration {
    /// `[gossip]`: where this member gossips and how the SWIM + Lifeguard protocol is tuned.
    struct GossipSettings: Hashable, Sendable {
        /// The UDP (and push-pull TCP) address to bind; port 0 picks a free port.
        var bind = Endpoint(host: "127.0.0.1", port: 7946)
        /// The address other members should use, when it differs from `bind` (NAT, 0.0.0.0 binds).
        var advertise: Endpoint?
        var probeInterval: Duration = .seconds(1)
        var probeTimeout: Duration = .milliseconds(500)
        var indirectChecks = 3
        var gossipInterval: Duration = .milliseconds(200)
        var gossipFanout = 3
        var retransmitMultiplier = 4
        var suspicionMultiplier = 1.0
        var suspicionMaxTimeoutMultiplier = 6.0
        var minSuspicionTimeout: Duration = SWIMSettings().minSuspicionTimeout
        var pushPullInterval: Duration = .seconds(30)
        var gossipToTheDead: Duration = .seconds(30)
        var deadNodeReclaim: Duration = .seconds(30)
        var deadMemberRetention: Duration = .seconds(24 * 3600)
        var leavePropagation: Duration = .seconds(1)

        /// The address this member announces: `advertise`, else `bind`.
        var advertisedAddress: Endpoint { advertise ?? bind }

        /// The SWIM core's settings: the keys above, everything else at `SWIMSettings`' defaults.
        func swimSettings() -> SWIMSettings {
            var settings = SWIMSettings()
            settings.probeInterval = probeInterval
            settings.probeTimeout = probeTimeout
            settings.indirectProbeCount = indirectChecks
            settings.gossipInterval = gossipInterval
            settings.gossipFanout = gossipFanout
            settings.retransmitMultiplier = retransmitMultiplier
            settings.suspicionMultiplier = suspicionMultiplier
            settings.suspicionMaxTimeoutMultiplier = suspicionMaxTimeoutMultiplier
            settings.minSuspicionTimeout = minSuspicionTimeout
            settings.pushPullInterval = pushPullInterval
            settings.gossipToTheDeadTime = gossipToTheDead
            settings.deadNodeReclaimTime = deadNodeReclaim
            settings.deadMemberRetention = deadMemberRetention
            settings.leavePropagationTime = leavePropagation
            return settings
        }
    }
}

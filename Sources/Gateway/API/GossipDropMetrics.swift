public import Cluster

/// The gossip packets and push-pull frames a member refused, by reason, as Prometheus text: what an
/// operator watches to see traffic without the cluster's key (`wrong_key`, `unencrypted`), another
/// cluster on the same ports (`bad_label`), or a reader falling behind (`backlog_full`).
public struct GossipDropMetrics: Sendable {
    /// Dropped UDP packets.
    public var datagrams: DropCounts
    /// Dropped push-pull (TCP) frames.
    public var pushPull: DropCounts

    public init(datagrams: DropCounts, pushPull: DropCounts) {
        self.datagrams = datagrams
        self.pushPull = pushPull
    }

    /// The counts of a running membership's transport.
    public init(_ membership: Membership) {
        self.init(datagrams: membership.transport.datagramDrops, pushPull: membership.transport.pushPullDrops)
    }

    public var exposition: String {
        var out = PrometheusText()
        out.family(
            "murmur_gossip_dropped_total",
            kind: .counter,
            help: "Gossip packets (udp) and push-pull frames (tcp) refused, by reason."
        )
        for (transport, counts) in [("udp", datagrams), ("tcp", pushPull)] {
            let reasons: [(String, Int)] = [
                ("oversized", counts.oversized), ("truncated", counts.truncated),
                ("unknown_version", counts.unknownVersion), ("bad_label", counts.badLabel),
                ("wrong_key", counts.wrongKey), ("unencrypted", counts.unencrypted),
                ("encrypted_without_keys", counts.encryptedWithoutKeys), ("backlog_full", counts.backlogFull),
            ]
            for (reason, value) in reasons {
                out.sample(
                    "murmur_gossip_dropped_total", labels: ["transport": transport, "reason": reason], value: value)
            }
        }
        return out.text
    }
}

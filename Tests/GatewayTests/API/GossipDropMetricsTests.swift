import Cluster
import Testing

@testable import Gateway

/// Gossip refusals as Prometheus counters: one sample per transport and reason, with the counts given.
@Suite struct GossipDropMetricsTests {
    @Test func everyReasonOfBothTransportsIsOneCounterSample() {
        var udp = DropCounts()
        udp.wrongKey = 7
        udp.unencrypted = 3
        var tcp = DropCounts()
        tcp.oversized = 2
        let lines = GossipDropMetrics(datagrams: udp, pushPull: tcp).exposition.split(separator: "\n").map(String.init)
        #expect(lines.contains("# TYPE murmur_gossip_dropped_total counter"))
        #expect(lines.contains(#"murmur_gossip_dropped_total{transport="udp",reason="wrong_key"} 7"#))
        #expect(lines.contains(#"murmur_gossip_dropped_total{transport="udp",reason="unencrypted"} 3"#))
        #expect(lines.contains(#"murmur_gossip_dropped_total{transport="tcp",reason="oversized"} 2"#))
        #expect(lines.contains(#"murmur_gossip_dropped_total{transport="tcp",reason="wrong_key"} 0"#))
        #expect(lines.filter { $0.hasPrefix("murmur_gossip_dropped_total{") }.count == 16)
    }
}

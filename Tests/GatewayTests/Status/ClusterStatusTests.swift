import Cluster
import Foundation
import Testing

@testable import Gateway

@Suite struct ClusterStatusTests {
    static func member(_ name: String, state: MemberState, metadata: MemberMetadata?) throws -> Member {
        Member(
            name: name,
            endpoint: Endpoint(host: "127.0.0.1", port: 7946),
            state: state,
            incarnation: 3,
            metadata: try metadata?.encoded() ?? [],
            stateChangedAt: .zero
        )
    }

    @Test func documentHasTheContractFieldsAndHealthWords() throws {
        let ready = MemberMetadata(
            role: .node,
            httpAddress: "127.0.0.1:9000",
            models: ["all-MiniLM-L6-v2"],
            servingState: .ready,
            load: .init(inFlight: 4, queueDepth: 2)
        )
        var draining = ready
        draining.servingState = .draining
        let gateway = MemberMetadata(role: .gateway, httpAddress: "127.0.0.1:8080", models: [], servingState: .ready)
        let members = [
            try Self.member("gw", state: .alive, metadata: gateway),
            try Self.member("n1", state: .alive, metadata: ready),
            try Self.member("n2", state: .alive, metadata: draining),
            try Self.member("n3", state: .dead, metadata: ready),
            try Self.member("n4", state: .alive, metadata: ready),
            try Self.member("odd", state: .suspect, metadata: nil),
        ]
        let status = ClusterStatus(
            snapshot: MembershipSnapshot(localName: "gw", members: members, takenAt: .zero),
            healthOverrides: ["n4": .down]
        )
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.encoded())) as? [String: Any])
        #expect(object["local"] as? String == "gw")
        let rows = try #require(object["members"] as? [[String: Any]])
        #expect(rows.count == 6)
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) })
        for key in ["name", "role", "state", "incarnation", "http", "gossip", "health", "in_flight", "models"] {
            #expect(rows.allSatisfy { $0.keys.contains(key) }, "\(key)")
        }
        #expect(byName["gw"]?["role"] as? String == "gateway")
        #expect(byName["n1"]?["health"] as? String == "up")
        #expect(byName["n1"]?["in_flight"] as? Int == 4)
        #expect(byName["n1"]?["models"] as? [String] == ["all-MiniLM-L6-v2"])
        #expect(byName["n1"]?["gossip"] as? String == "127.0.0.1:7946")
        #expect(byName["n2"]?["health"] as? String == "draining")
        #expect(byName["n3"]?["health"] as? String == "down")
        #expect(byName["n3"]?["state"] as? String == "dead")
        #expect(byName["n4"]?["health"] as? String == "down")
        #expect(byName["odd"]?["role"] is NSNull)
        #expect(byName["odd"]?["health"] as? String == "down")
    }

    static func gatewayStatus() throws -> ClusterStatus {
        let node = MemberMetadata(
            role: .node, httpAddress: "127.0.0.1:9000", models: ["synthetic"], servingState: .ready,
            load: .init(inFlight: 2, queueDepth: 1, cacheLookups: 200, cacheHits: 187),
            startedAtMilliseconds: 1_700_000_000_000
        )
        var old = node
        old.startedAtMilliseconds = nil
        old.load = .init(inFlight: 2, queueDepth: 1)
        let gateway = MemberMetadata(
            role: .gateway, httpAddress: "127.0.0.1:8080", servingState: .ready,
            startedAtMilliseconds: 1_700_000_000_500)
        let members = [
            try member("gateway", state: .alive, metadata: gateway),
            try member("node-0", state: .alive, metadata: node),
            try member("node-1", state: .suspect, metadata: node),
            try member("node-2", state: .dead, metadata: node),
            try member("node-3", state: .alive, metadata: old),
        ]
        return ClusterStatus(
            snapshot: MembershipSnapshot(localName: "gateway", members: members, takenAt: .zero),
            now: 1_700_000_100.25,
            gateway: ClusterStatus.GatewayView(
                traffic: TrafficSummary(
                    requests: 50, failures: 1, requestsPerSecond: 5, errorsPerSecond: 0.1, p50Milliseconds: 1.5,
                    p99Milliseconds: 9.25),
                inFlight: 3,
                backends: [
                    "node-0": TrafficSummary(
                        requests: 30, failures: 0, requestsPerSecond: 3, errorsPerSecond: 0, p50Milliseconds: 1.25,
                        p99Milliseconds: 4),
                    "node-3": TrafficSummary(requests: 0, failures: 0, requestsPerSecond: 0, errorsPerSecond: 0),
                ],
                ringShares: [
                    "node-0": ["synthetic": 0.25], "node-1": ["synthetic": 0.25], "node-2": ["synthetic": 0.25],
                    "node-3": ["synthetic": 0.25],
                ],
                events: [
                    ClusterEvent(at: 1_700_000_090.5, member: "node-2", kind: .dead),
                    ClusterEvent(at: 1_700_000_001, member: "node-0", kind: .joined),
                ]
            )
        )
    }

    @Test func gatewayDocumentHasEveryAddedField() throws {
        let status = try Self.gatewayStatus()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.encoded())) as? [String: Any])
        let rows = try #require(object["members"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) })
        for key in ["started_at", "uptime_s", "requests_per_s", "p50_ms", "p99_ms", "ring_share", "cache_hit_rate"] {
            #expect(rows.allSatisfy { $0.keys.contains(key) }, "\(key)")
        }
        let node0 = try #require(byName["node-0"])
        #expect(node0["started_at"] as? Double == 1_700_000_000)
        #expect(node0["uptime_s"] as? Double == 100.25)
        #expect(node0["requests_per_s"] as? Double == 3)
        #expect(node0["p50_ms"] as? Double == 1.25)
        #expect(node0["p99_ms"] as? Double == 4)
        #expect(node0["ring_share"] as? Double == 0.25)
        #expect((node0["ring_shares"] as? [String: Double]) == ["synthetic": 0.25])
        #expect(node0["cache_hit_rate"] as? Double == 0.935)
        // No counters (an older node, or no cache) and a gateway: null, not 0.
        #expect(byName["node-3"]?["cache_hit_rate"] is NSNull)
        #expect(byName["gateway"]?["cache_hit_rate"] is NSNull)
        // A node this gateway sent nothing to (recently), one that sent no start time, a dead one.
        #expect(byName["node-3"]?["requests_per_s"] is NSNull)
        #expect(byName["node-3"]?["p99_ms"] is NSNull)
        #expect(byName["node-3"]?["started_at"] is NSNull)
        #expect(byName["node-3"]?["uptime_s"] is NSNull)
        #expect(byName["node-2"]?["uptime_s"] is NSNull)
        #expect(byName["node-2"]?["started_at"] as? Double == 1_700_000_000)
        #expect(byName["gateway"]?["ring_share"] is NSNull)
        #expect(byName["gateway"]?["uptime_s"] as? Double == 99.75)

        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["nodes"] as? Int == 4)
        #expect(summary["ready"] as? Int == 2)
        #expect(summary["suspect"] as? Int == 1)
        #expect(summary["down"] as? Int == 1)
        #expect(summary["draining"] as? Int == 0)
        #expect(summary["verdict"] as? String == "2/4 nodes ready, 1 suspect, 1 down")

        let gateway = try #require(object["gateway"] as? [String: Any])
        #expect(gateway["requests_per_s"] as? Double == 5)
        #expect(gateway["p50_ms"] as? Double == 1.5)
        #expect(gateway["p99_ms"] as? Double == 9.25)
        #expect(gateway["in_flight"] as? Int == 3)
        #expect(gateway["errors_per_s"] as? Double == 0.1)

        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.map { $0["kind"] as? String } == ["dead", "joined"])
        #expect(events.first?["member"] as? String == "node-2")
        #expect(events.first?["at"] as? Double == 1_700_000_090.5)

        let hints = try #require(object["hints"] as? [[String: Any]])
        #expect(hints.first?["severity"] as? String == "critical")
        #expect(hints.contains { $0["member"] as? String == "node-1" && $0["severity"] as? String == "warning" })
        #expect(hints.contains { $0["member"] is NSNull })
    }

    /// What NodeAssembly builds: `ClusterStatus(snapshot:).encoded()` — start times and uptimes,
    /// summary and hints, none of the gateway's own figures.
    @Test func nodeDocumentLeavesOutWhatOnlyAGatewayKnows() throws {
        let metadata = MemberMetadata(role: .node, httpAddress: "127.0.0.1:9000", models: ["m"], servingState: .ready)
        let snapshot = MembershipSnapshot(
            localName: "node-0", members: [try Self.member("node-0", state: .alive, metadata: metadata)], takenAt: .zero
        )
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(ClusterStatus(snapshot: snapshot).encoded())) as? [String: Any])
        let row = try #require((object["members"] as? [[String: Any]])?.first)
        let startedAt = try #require(row["started_at"] as? Double)
        #expect(abs(startedAt - Double(MemberMetadata.processStartedAtMilliseconds) / 1000) < 0.001)
        let uptime = try #require(row["uptime_s"] as? Double)
        #expect(uptime >= 0 && uptime < 3_600)
        for key in ["requests_per_s", "p50_ms", "p99_ms", "ring_share"] { #expect(row[key] == nil, "\(key)") }
        #expect(object["gateway"] == nil && object["events"] == nil)
        #expect((object["summary"] as? [String: Any])?["ready"] as? Int == 1)
        #expect((object["hints"] as? [Any])?.count == 1)  // only one healthy node
    }

    /// The rate comes from the member's gossiped counters, and only over enough lookups.
    @Test func cacheHitRateNeedsEnoughLookups() throws {
        func rate(lookups: Int, hits: Int) throws -> Any? {
            let metadata = MemberMetadata(
                role: .node, httpAddress: "127.0.0.1:9000", models: ["m"], servingState: .ready,
                load: .init(cacheLookups: lookups, cacheHits: hits))
            let snapshot = MembershipSnapshot(
                localName: "n", members: [try Self.member("n", state: .alive, metadata: metadata)], takenAt: .zero)
            let status = ClusterStatus(snapshot: snapshot)
            #expect(status.members.first?.cacheLookups == lookups)
            let object = try JSONSerialization.jsonObject(with: Data(status.encoded())) as? [String: Any]
            return (object?["members"] as? [[String: Any]])?.first?["cache_hit_rate"]
        }
        #expect(try rate(lookups: 0, hits: 0) is NSNull)
        #expect(try rate(lookups: MemberStatus.minimumCacheLookups - 1, hits: 3) is NSNull)
        #expect(try rate(lookups: 40, hits: 10) as? Double == 0.25)
        #expect(try rate(lookups: 3_000, hits: 3_000) as? Double == 1)
        #expect(try rate(lookups: 3_000, hits: 0) as? Double == 0)
        #expect(try rate(lookups: 3, hits: 1) is NSNull)
    }

    @Test func namesThatNeedEscapingStayValidJSON() throws {
        let metadata = MemberMetadata(
            role: .node, httpAddress: "h\"1</script>", models: ["a\nb"], servingState: .ready)
        let snapshot = MembershipSnapshot(
            localName: "x\u{1}", members: [try Self.member("n\"\\", state: .alive, metadata: metadata)], takenAt: .zero)
        var status = ClusterStatus(snapshot: snapshot, now: .nan)
        status.gateway = ClusterStatus.GatewayView(
            traffic: TrafficSummary(requests: 0, failures: 0, requestsPerSecond: .infinity, errorsPerSecond: 0),
            inFlight: 0,
            events: [ClusterEvent(at: 1, member: "n\"\\", kind: .joined)]
        )
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.encoded())) as? [String: Any])
        #expect((object["members"] as? [[String: Any]])?.first?["name"] as? String == "n\"\\")
        #expect((object["gateway"] as? [String: Any])?["requests_per_s"] is NSNull)
        #expect(object["generated_at"] is NSNull)
    }
}

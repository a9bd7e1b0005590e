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
}

import Cluster
import Testing

@testable import Gateway

@Suite struct ClusterEventLogTests {
    static func member(
        _ name: String,
        _ state: MemberState = .alive,
        serving: MemberMetadata.ServingState? = .ready,
        startedAt: Int64? = 1_000_000
    ) throws -> Member {
        let metadata = try serving.map {
            try MemberMetadata(
                role: .node, httpAddress: "127.0.0.1:9000", models: ["synthetic"], servingState: $0,
                startedAtMilliseconds: startedAt
            ).encoded()
        }
        return Member(
            name: name,
            endpoint: Endpoint(host: "127.0.0.1", port: 7946),
            state: state,
            incarnation: 1,
            metadata: metadata ?? [],
            stateChangedAt: .zero
        )
    }

    static func kinds(_ log: ClusterEventLog) -> [String] {
        log.events.reversed().map { "\($0.member):\($0.kind.rawValue)" }
    }

    /// Table of (event, member as it is after it) → events logged, in order.
    @Test func eventsFollowGossipAndServingState() throws {
        var log = ClusterEventLog()
        let steps: [(MembershipEvent.Kind, Member, [String])] = [
            (.joined, try Self.member("n1", serving: .starting), ["n1:joined"]),
            (.metadataUpdated, try Self.member("n1", serving: .starting), []),
            (.metadataUpdated, try Self.member("n1", serving: .ready), ["n1:ready"]),
            (.suspect, try Self.member("n1", .suspect), ["n1:suspect"]),
            (.alive, try Self.member("n1"), ["n1:alive"]),
            (.metadataUpdated, try Self.member("n1", serving: .draining), ["n1:draining"]),
            (.left, try Self.member("n1", .left, serving: .draining), ["n1:left"]),
            // The same name back from a new process: restarted, and its serving state.
            (.alive, try Self.member("n1", serving: .starting, startedAt: 2_000_000), ["n1:restarted", "n1:starting"]),
            (.metadataUpdated, try Self.member("n1", serving: .ready, startedAt: 2_000_000), ["n1:ready"]),
            (.dead, try Self.member("n1", .dead, startedAt: 2_000_000), ["n1:dead"]),
            // Unreadable metadata: the gossip event still counts, the serving state is kept.
            (.joined, try Self.member("odd", serving: nil), ["odd:joined"]),
            // A member seen before under the same start time joins again: joined, not restarted.
            (.joined, try Self.member("n2", startedAt: nil), ["n2:joined"]),
            (.metadataUpdated, try Self.member("n2", startedAt: 5), []),
        ]
        var expected: [String] = []
        for (index, (kind, member, logged)) in steps.enumerated() {
            log.observe(MembershipEvent(kind: kind, member: member), at: Double(index))
            expected += logged
            #expect(Self.kinds(log) == expected, "step \(index)")
        }
        #expect(log.events.first?.at == Double(steps.count - 2))
    }

    @Test func theFirstSnapshotIsReportedAsJoins() throws {
        var log = ClusterEventLog()
        let snapshot = MembershipSnapshot(
            localName: "gw",
            members: [try Self.member("a"), try Self.member("b")],
            takenAt: .zero
        )
        log.observe(snapshot: snapshot, at: 42)
        log.observe(snapshot: snapshot, at: 43)
        #expect(Self.kinds(log) == ["a:joined", "b:joined"])
        #expect(log.events.allSatisfy { $0.at == 42 })
    }

    @Test func keepsTheNewestHundredNewestFirst() throws {
        var log = ClusterEventLog()
        let alive = try Self.member("n")
        let suspect = try Self.member("n", .suspect)
        for index in 0..<250 {
            log.observe(MembershipEvent(kind: index % 2 == 0 ? .suspect : .alive, member: index % 2 == 0 ? suspect : alive), at: Double(index))
        }
        #expect(log.events.count == 100)
        #expect(log.events.first?.at == 249)
        #expect(log.events.last?.at == 150)
        #expect(zip(log.events, log.events.dropFirst()).allSatisfy { $0.at > $1.at })
        #expect(ClusterEventLog(capacity: 0).capacity == 1)
    }
}

@Suite struct RingSharesTests {
    @Test func sharesSumToOneAndAreEvenForRendezvousHashing() throws {
        for count in [1, 2, 3, 7] {
            let ring = HashRing(members: (0..<count).map { "node-\($0)" })
            let shares = RingShares.estimate(ring)
            #expect(shares.count == count)
            #expect(abs(shares.values.reduce(0, +) - 1) < 1e-9)
            for share in shares.values {
                #expect(abs(share - 1 / Double(count)) < 0.03, "\(count) members: \(share)")
            }
            #expect(RingShares.estimate(ring) == shares)
        }
        #expect(RingShares.estimate(HashRing(members: [String]())).isEmpty)
    }

    /// The estimate matches where real keys go: place 20,000 texts and compare.
    @Test func estimateMatchesRealKeys() {
        let ring = HashRing(members: ["alpha", "beta", "gamma", "delta"])
        let shares = RingShares.estimate(ring)
        var counts: [String: Int] = [:]
        for index in 0..<20_000 {
            let key = HashRing.keyHash(model: "synthetic", text: "sentence number \(index)")
            if let owner = ring.ownerIndex(forKeyHash: key) { counts[ring.members[owner], default: 0] += 1 }
        }
        for (member, share) in shares {
            #expect(abs(share - Double(counts[member, default: 0]) / 20_000) < 0.02, "\(member)")
        }
    }

    @Test func perMemberPerModel() {
        let rings = [
            "a": ModelRing(backends: [(name: "n1", index: 0), (name: "n2", index: 1)]),
            "b": ModelRing(backends: [(name: "n2", index: 1)]),
        ]
        let shares = RingShares.estimate(rings: rings)
        #expect(shares["n2"]?["b"] == 1)
        #expect(shares["n1"]?["b"] == nil)
        #expect(abs((shares["n1"]?["a"] ?? 0) + (shares["n2"]?["a"] ?? 0) - 1) < 1e-9)
    }
}

import Cluster
import Testing

@testable import Gateway

@Suite struct HealthTableTests {
    private static let policy = HealthPolicy(
        consecutiveFailures: 2,
        baseEjectionTime: .seconds(10),
        maxEjectionPercent: 50,
        slowStart: .seconds(10)
    )

    private static func node(
        _ name: String,
        models: [String] = ["synthetic"],
        _ state: MemberState = .alive,
        _ serving: MemberMetadata.ServingState = .ready
    ) -> BackendDescriptor {
        BackendDescriptor(
            name: name,
            httpAddress: "127.0.0.1:\(9000 + name.utf8.count)",
            models: models,
            memberState: state,
            servingState: serving
        )
    }

    private static func eject(_ index: Int, in table: inout HealthTable, at now: Duration) -> Bool {
        _ = table.recordOutcome(index, succeeded: false, now: now)
        return table.recordOutcome(index, succeeded: false, now: now)
    }

    @Test func indicesAreAssignedInNameOrderAndStayStable() {
        var table = HealthTable(policy: Self.policy, capacity: 8)
        table.sync([Self.node("c"), Self.node("a"), Self.node("b")], now: .zero)
        #expect(table.index(of: "a") == 0)
        #expect(table.index(of: "b") == 1)
        #expect(table.index(of: "c") == 2)
        table.sync([Self.node("b"), Self.node("c", .suspect), Self.node("a")], now: .seconds(1))
        #expect(table.index(of: "a") == 0)
        #expect(table.index(of: "c") == 2)
        #expect(table[2]?.descriptor.memberState == .suspect)
        #expect(table.count == 3)
    }

    @Test func removedBackendsFreeTheirIndexForTheNextJoiner() {
        var table = HealthTable(policy: Self.policy, capacity: 3)
        table.sync([Self.node("a"), Self.node("b"), Self.node("c")], now: .zero)
        table.sync([Self.node("a"), Self.node("c")], now: .seconds(1))
        #expect(table.index(of: "b") == nil)
        #expect(table[1] == nil)
        table.sync([Self.node("a"), Self.node("c"), Self.node("d"), Self.node("e")], now: .seconds(2))
        // Capacity 3: d takes b's index, e does not fit and is not routed to.
        #expect(table.index(of: "d") == 1)
        #expect(table.index(of: "e") == nil)
        #expect(table.ring(for: "synthetic")?.ring.members == ["a", "c", "d"])
    }

    @Test func onlyBackendsArrivingAfterTheFirstSyncSlowStart() {
        var table = HealthTable(policy: Self.policy)
        table.sync([Self.node("a")], now: .seconds(1))
        #expect(table.weight(0, at: .seconds(1)) == 1)
        table.sync([Self.node("a"), Self.node("b")], now: .seconds(2))
        let b = table.index(of: "b") ?? -1
        #expect(table.weight(b, at: .seconds(2)) == 0.1)
        #expect(abs(table.weight(b, at: .seconds(7)) - 0.55) < 1e-9)
        #expect(table.inFlightCap(b, at: .seconds(2)) == 102)
        #expect(table.inFlightCap(0, at: .seconds(2)) == 1024)
    }

    @Test func syncReadsNodeMembersFromGossipMetadata() throws {
        func member(_ name: String, _ metadata: [UInt8], _ state: MemberState = .alive) -> Member {
            Member(
                name: name,
                endpoint: Endpoint(host: "127.0.0.1", port: 7946),
                state: state,
                incarnation: 1,
                metadata: metadata,
                stateChangedAt: .zero
            )
        }
        let node = try MemberMetadata(
            role: .node,
            httpAddress: "127.0.0.1:9001",
            models: ["all-MiniLM-L6-v2"],
            servingState: .ready
        ).encoded()
        let draining = try MemberMetadata(role: .node, httpAddress: "127.0.0.1:9002", servingState: .draining)
            .encoded()
        let gateway = try MemberMetadata(role: .gateway, httpAddress: "127.0.0.1:8080").encoded()
        let snapshot = MembershipSnapshot(
            localName: "gw",
            members: [
                member("gw", gateway), member("n1", node), member("n2", draining), member("n3", [0xFF, 0x00]),
            ],
            takenAt: .zero
        )
        var table = HealthTable(policy: Self.policy)
        table.sync(with: snapshot, now: .zero)
        #expect(table.count == 2)
        let n1 = try #require(table.index(of: "n1"))
        #expect(table[n1]?.descriptor.httpAddress == "127.0.0.1:9001")
        #expect(table.isEligible(n1, at: .zero))
        let n2 = try #require(table.index(of: "n2"))
        #expect(!table.isEligible(n2, at: .zero))
        #expect(table[n2]?.status(at: .zero) == .draining)
        #expect(table.ring(for: "all-MiniLM-L6-v2")?.ring.members == ["n1"])
        #expect(table.hasEligibleBackend(at: .zero))
        #expect(!table.hasEligibleBackend(for: "synthetic", at: .zero))
    }

    @Test func checksAreDueForLiveBackendsOnly() {
        var table = HealthTable(policy: Self.policy)
        table.sync([Self.node("a"), Self.node("b", .dead), Self.node("c", .suspect)], now: .seconds(1))
        #expect(table.checksDue(at: .seconds(1)) == [0, 2])
        #expect(table.nextCheckTime == .seconds(1))
        #expect(table.recordCheck(0, succeeded: true, now: .seconds(1)) == .seconds(3))
        #expect(table.recordCheck(2, succeeded: false, now: .seconds(1)) == .milliseconds(1500))
        #expect(table.recordCheck(42, succeeded: true, now: .seconds(1)) == nil)
        #expect(table.checksDue(at: .seconds(1)).isEmpty)
        #expect(table.nextCheckTime == .milliseconds(1500))
        #expect(table.checksDue(at: .seconds(2)) == [2])
        #expect(table.checksDue(at: .seconds(3)) == [0, 2])
    }

    @Test func aMemberDeclaredDeadStaysCheckedWhileItsChecksPass() {
        var table = HealthTable(policy: Self.policy)
        table.sync([Self.node("a"), Self.node("b")], now: .zero)
        #expect(table.recordCheck(1, succeeded: true, now: .zero) == .seconds(2))
        table.sync([Self.node("a"), Self.node("b", .dead)], now: .seconds(1))
        // Still in the table, still checked, not eligible, and not counted as live for ejection.
        #expect(table.count == 2)
        #expect(table.checksDue(at: .seconds(2)) == [0, 1])
        #expect(!table.isEligible(1, at: .seconds(2)))
        #expect(table.isPanicEligible(1, at: .seconds(2)))
        #expect(table.maxEjected == 0)
        // fall = 3 failures take it down: then it is no longer checked.
        var now = Duration.seconds(2)
        for _ in 0..<3 {
            now = table.recordCheck(1, succeeded: false, now: now) ?? now
        }
        #expect(!table.isPanicEligible(1, at: now))
        #expect(table.checksDue(at: now + .seconds(60)) == [0])
        // It refutes and comes back: checked again (init-state up), eligible again.
        table.sync([Self.node("a"), Self.node("b")], now: now + .seconds(1))
        #expect(table.checksDue(at: now + .seconds(1)) == [0, 1])
        #expect(table.isEligible(1, at: now + .seconds(1)))
    }

    @Test func atMostTheAllowedShareOfBackendsIsEjected() {
        var table = HealthTable(policy: Self.policy)
        table.sync(["a", "b", "c", "d", "e"].map { Self.node($0) } + [Self.node("f", .dead)], now: .zero)
        // Five live backends, 50 %: two may be out at once (f is dead and does not count).
        #expect(table.maxEjected == 2)
        #expect(Self.eject(0, in: &table, at: .seconds(1)))
        #expect(Self.eject(1, in: &table, at: .seconds(2)))
        #expect(!Self.eject(2, in: &table, at: .seconds(3)))
        #expect(table.ejectedCount(at: .seconds(3)) == 2)
        #expect(table.isEligible(2, at: .seconds(3)))
        // a's ejection ends at 11 s: c's next failure may now eject it.
        #expect(table.recordOutcome(2, succeeded: false, now: .seconds(10)) == false)
        #expect(table.recordOutcome(2, succeeded: false, now: .seconds(11)) == true)
        #expect(table.ejectedCount(at: .seconds(11)) == 2)
        #expect(!table.isEligible(2, at: .seconds(11)))
        #expect(table.isEligible(0, at: .seconds(11)))
    }

    @Test func aSingleBackendIsNeverEjected() {
        var table = HealthTable(policy: Self.policy)
        table.sync([Self.node("a")], now: .zero)
        #expect(table.maxEjected == 0)
        for second in 0..<20 { #expect(table.recordOutcome(0, succeeded: false, now: .seconds(second)) == false) }
        #expect(table.isEligible(0, at: .seconds(20)))
    }

    @Test func successesKeepABackendIn() {
        var table = HealthTable(policy: Self.policy)
        table.sync([Self.node("a"), Self.node("b")], now: .zero)
        for second in 0..<20 {
            #expect(table.recordOutcome(0, succeeded: false, now: .seconds(second)) == false)
            #expect(table.recordOutcome(0, succeeded: true, now: .seconds(second)) == false)
        }
        #expect(table.recordOutcome(99, succeeded: false, now: .zero) == false)
    }

    @Test func onlyFailuresThatCountExtendTheStreak() {
        var table = HealthTable(policy: Self.policy)
        table.sync([Self.node("a"), Self.node("b")], now: .zero)
        #expect(table.recordOutcome(0, failure: .timeout, now: .seconds(1)) == false)
        // Overload and draining neither end nor extend the streak.
        #expect(table.recordOutcome(0, failure: .status(429), now: .seconds(1)) == false)
        #expect(table.recordOutcome(0, failure: .status(503), now: .seconds(1)) == false)
        #expect(table[0]?.consecutiveFailures == 1)
        #expect(table.recordOutcome(0, failure: .connectFailed, now: .seconds(1)) == true)
        #expect(table.recordOutcome(1, failure: .timeout, now: .seconds(2)) == false)
        #expect(table.recordOutcome(1, failure: nil, now: .seconds(2)) == false)
        #expect(table[1]?.consecutiveFailures == 0)
    }

    @Test func onlyOutcomesThatChangeSomethingAskForAWrite() {
        var table = HealthTable(policy: Self.policy)
        table.sync([Self.node("a"), Self.node("b")], now: .zero)
        // A success without a streak, overload and draining change nothing.
        #expect(!table.outcomeChangesState(0, failure: nil))
        #expect(!table.outcomeChangesState(0, failure: .status(429)))
        #expect(!table.outcomeChangesState(0, failure: .status(503)))
        #expect(!table.outcomeChangesState(7, failure: .timeout))
        #expect(table.outcomeChangesState(0, failure: .timeout))
        let before = table
        table.recordOutcome(0, failure: nil, now: .seconds(1))
        #expect(table[0] == before[0])
        // Once a streak has begun, the success that ends it is a change.
        table.recordOutcome(0, failure: .timeout, now: .seconds(1))
        #expect(table.outcomeChangesState(0, failure: nil))
        table.recordOutcome(0, failure: nil, now: .seconds(2))
        #expect(!table.outcomeChangesState(0, failure: nil))
    }

    @Test func ringsFollowTheModelsEachBackendServes() {
        var table = HealthTable(policy: Self.policy)
        table.sync(
            [
                Self.node("a", models: ["m1", "m2"]), Self.node("b", models: ["m2"], .alive, .draining),
                Self.node("c", models: ["m1", "m1"]),
            ],
            now: .zero
        )
        #expect(table.ring(for: "m1")?.ring.members == ["a", "c"])
        #expect(table.ring(for: "m1")?.backendIndices == [0, 2])
        // The ring keeps unhealthy members so keys keep their owners across a short outage.
        #expect(table.ring(for: "m2")?.ring.members == ["a", "b"])
        #expect(table.ring(for: "m3") == nil)
        table.sync([Self.node("a", models: ["m1"])], now: .seconds(1))
        #expect(table.ring(for: "m2") == nil)
        #expect(table.ring(for: "m1")?.backendIndices == [0])
    }
}

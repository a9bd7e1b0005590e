import Testing

@testable import Cluster

@Suite struct SuspicionTests {
    /// (confirmations, expected k, min s, max s, timeout s), in the spirit of memberlist's suspicion_test.
    static let table: [(Int, Int, Int, Int, Duration)] = [
        (0, 3, 2, 30, .seconds(30)),
        (1, 3, 2, 30, .milliseconds(16_000)),
        (2, 3, 2, 30, .milliseconds(7_810)),
        (3, 3, 2, 30, .seconds(2)),
        (4, 3, 2, 30, .seconds(2)),
        (0, 2, 8, 48, .seconds(48)),
        (1, 2, 8, 48, .milliseconds(22_762)),
        (2, 2, 8, 48, .seconds(8)),
        (0, 0, 2, 12, .seconds(2)),
        (5, 0, 2, 12, .seconds(2)),
    ]

    @Test func timeoutTable() {
        for (confirmations, expected, minimum, maximum, timeout) in Self.table {
            let computed = Suspicion.timeout(
                confirmations: confirmations,
                expected: expected,
                minimum: .seconds(minimum),
                maximum: .seconds(maximum)
            )
            #expect(computed == timeout, "c=\(confirmations) k=\(expected) min=\(minimum) max=\(maximum)")
        }
    }

    @Test func boundsFollowClusterSizeAndMultiplier() {
        var settings = SWIMSettings()
        settings.suspicionMultiplier = 4
        #expect(settings.suspicionTimeoutBounds(clusterSize: 1) == (.seconds(4), .seconds(24)))
        #expect(settings.suspicionTimeoutBounds(clusterSize: 10) == (.seconds(4), .seconds(24)))
        #expect(settings.suspicionTimeoutBounds(clusterSize: 100) == (.seconds(8), .seconds(48)))
        #expect(settings.suspicionTimeoutBounds(clusterSize: 1000) == (.seconds(12), .seconds(72)))
        #expect(settings.expectedSuspicionConfirmations == 2)
        var unfloored = SWIMSettings()
        unfloored.minSuspicionTimeout = .zero
        #expect(unfloored.suspicionTimeoutBounds(clusterSize: 5) == (.seconds(1), .seconds(6)))
        #expect(unfloored.suspicionTimeoutBounds(clusterSize: 100) == (.seconds(2), .seconds(12)))
        #expect(unfloored.expectedSuspicionConfirmations == 0)
        // The default floor: no suspicion ends within 3 s, whatever the probe interval.
        let defaults = SWIMSettings()
        #expect(defaults.suspicionTimeoutBounds(clusterSize: 5) == (.seconds(3), .seconds(6)))
        #expect(defaults.suspicionTimeoutBounds(clusterSize: 100) == (.seconds(3), .seconds(12)))
        var fast = SWIMSettings()
        fast.probeInterval = .milliseconds(200)
        fast.probeTimeout = .milliseconds(100)
        #expect(fast.suspicionTimeoutBounds(clusterSize: 4) == (.seconds(3), .seconds(3)))
    }

    func confirmed(_ suspicion: inout Suspicion, _ accuser: String) -> Bool {
        suspicion.confirm(from: accuser)
    }

    @Test func confirmationsFromDistinctMembersShortenTheTimeout() {
        let start = Duration.seconds(100)
        var suspicion = Suspicion(
            incarnation: 3,
            from: "a",
            startedAt: start,
            minimum: .seconds(2),
            maximum: .seconds(30),
            expectedConfirmations: 3
        )
        #expect(suspicion.deadline == start + .seconds(30))
        #expect(!confirmed(&suspicion, "a"))
        #expect(confirmed(&suspicion, "b"))
        #expect(suspicion.deadline == start + .seconds(16))
        #expect(!confirmed(&suspicion, "b"))
        #expect(confirmed(&suspicion, "c"))
        #expect(confirmed(&suspicion, "d"))
        #expect(suspicion.deadline == start + .seconds(2))
        // Beyond k confirmations nothing changes (and nothing is re-gossiped).
        #expect(!confirmed(&suspicion, "e"))
        #expect(suspicion.confirmations == 3)
    }

    @Test func aPostponedDeadlineSurvivesLaterConfirmations() {
        let start = Duration.seconds(100)
        var suspicion = Suspicion(
            incarnation: 3,
            from: "a",
            startedAt: start,
            minimum: .seconds(2),
            maximum: .seconds(30),
            expectedConfirmations: 3
        )
        suspicion.postpone(until: start + .seconds(10))
        #expect(suspicion.deadline == start + .seconds(30))
        #expect(confirmed(&suspicion, "b"))
        #expect(confirmed(&suspicion, "c"))
        #expect(confirmed(&suspicion, "d"))
        #expect(suspicion.deadline == start + .seconds(10))
        suspicion.postpone(until: start + .seconds(5))
        #expect(suspicion.deadline == start + .seconds(10))
    }

    @Test func rechecksAreSpreadOverTheTimeout() {
        let start = Duration.seconds(10)
        var suspicion = Suspicion(
            incarnation: 0,
            from: "a",
            startedAt: start,
            minimum: .seconds(2),
            maximum: .seconds(12),
            expectedConfirmations: 0
        )
        #expect(suspicion.recheckDue == start + .milliseconds(600))
        suspicion.recordRecheck(sequence: 1)
        #expect(suspicion.recheckDue == start + .milliseconds(1100))
        suspicion.recordRecheck(sequence: 2)
        #expect(suspicion.recheckDue == start + .milliseconds(1600))
        suspicion.recordRecheck(sequence: 3)
        #expect(suspicion.recheckDue == nil)
    }

    @Test func confirmationsInTheCoreRegossipAndShortenTheTimer() throws {
        var settings = SWIMSettings()
        settings.suspicionMultiplier = 4
        var instance = try SWIMTestSupport.instance(knowing: 5, settings: settings)
        instance.nextProbeAt = SWIMTestSupport.origin + .seconds(3600)
        let now = SWIMTestSupport.origin
        func suspect(from accuser: String) -> SWIMPacket {
            SWIMPacket(messages: [.suspect(SWIMMessage.Suspect(name: "x1", incarnation: 1, from: accuser))])
        }
        _ = instance.onPacket(suspect(from: "x2"), from: SWIMTestSupport.endpoint(3), now: now)
        // N = 6: min = 4 × 1 s, max = 24 s, k = 2.
        #expect(instance.suspicions["x1"]?.deadline == now + .seconds(24))
        instance.broadcasts = BroadcastQueue()
        _ = instance.onPacket(suspect(from: "x3"), from: SWIMTestSupport.endpoint(4), now: now + .seconds(1))
        #expect(instance.broadcasts.count == 1)
        #expect(instance.suspicions["x1"]?.deadline == now + .milliseconds(11_381))
        _ = instance.onPacket(suspect(from: "x4"), from: SWIMTestSupport.endpoint(5), now: now + .seconds(2))
        #expect(instance.suspicions["x1"]?.deadline == now + .seconds(4))
        let fired = instance.onTick(now: now + .seconds(4))
        #expect(SWIMTestSupport.events(fired).map(\.kind) == [.dead])
    }
}

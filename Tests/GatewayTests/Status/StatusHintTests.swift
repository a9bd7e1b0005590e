import Testing

@testable import Gateway

@Suite struct StatusHintTests {
    static func node(
        _ name: String,
        _ state: String = "alive",
        _ health: String = "up",
        inFlight: Int = 0,
        queue: Int = 0,
        cache: (lookups: Int, hits: Int) = (0, 0),
        version: String = "1.0"
    ) -> MemberStatus {
        MemberStatus(
            name: name, role: "node", state: state, incarnation: 1, http: "h:1", gossip: "g:1", health: health,
            inFlight: inFlight, queueDepth: queue,
            cacheHitRate: MemberStatus.cacheHitRate(lookups: cache.lookups, hits: cache.hits),
            cacheLookups: cache.lookups, models: ["m"], version: version, startedAt: nil,
            uptimeSeconds: nil, traffic: nil, ringShares: [:]
        )
    }

    static let gatewayMember = MemberStatus(
        name: "gw", role: "gateway", state: "alive", incarnation: 1, http: "h:2", gossip: "g:2", health: "up",
        inFlight: 0, queueDepth: 0, models: [], version: "1.0", startedAt: nil, uptimeSeconds: nil, traffic: nil,
        ringShares: [:]
    )

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var members: [MemberStatus]
        var gateway: TrafficSummary? = nil
        /// (severity, member, a phrase the message contains), most severe first.
        var expected: [(StatusHint.Severity, String?, String)]
        var testDescription: String { name }
    }

    static let limits = SaturationLimits(maxQueuedTexts: 100, maxInFlightPerBackend: 50)

    static let cases: [Case] = [
        Case(name: "healthy", members: [gatewayMember, node("n1"), node("n2"), node("n3")], expected: []),
        Case(
            name: "no node", members: [gatewayMember],
            expected: [(.critical, nil, "No node has joined")]),
        Case(
            name: "none healthy", members: [node("n1", "dead", "down"), node("n2", "alive", "down")],
            expected: [
                (.critical, nil, "No healthy node"), (.critical, "n1", "n1 is dead"),
                (.warning, "n2", "failing health checks"),
            ]),
        Case(
            name: "one healthy", members: [node("n1"), node("n2", "suspect", "up")],
            expected: [(.warning, "n1", "no redundancy"), (.warning, "n2", "n2 is suspect")]),
        Case(
            name: "draining and starting",
            members: [
                node("n1"), node("n2"), node("n3", "alive", "draining"),
                node("n4", "alive", "starting"), node("n5", "left", "down"),
            ],
            expected: [
                (.info, "n3", "POST /admin/resume"), (.info, "n4", "starting"), (.info, "n5", "left the cluster"),
            ]),
        Case(
            name: "queue near and at the limit",
            members: [node("n1", queue: 80), node("n2", queue: 100), node("n3", queue: 79)],
            expected: [(.critical, "n2", "raise node.max_queued_texts"), (.warning, "n1", "80% of its limit of 100")]),
        Case(
            name: "in-flight near the cap", members: [node("n1", inFlight: 45), node("n2")],
            expected: [(.warning, "n1", "45 requests in flight")]),
        Case(
            name: "dead nodes carry no load hints",
            members: [node("n1"), node("n2"), node("n3", "dead", "down", queue: 500)],
            expected: [(.critical, "n3", "is dead")]),
        Case(
            name: "gateway errors", members: [node("n1"), node("n2")],
            gateway: TrafficSummary(requests: 100, failures: 2, requestsPerSecond: 10, errorsPerSecond: 0.2),
            expected: [(.warning, nil, "2% of requests failed")]),
        Case(
            name: "many gateway errors", members: [node("n1"), node("n2")],
            gateway: TrafficSummary(requests: 200, failures: 25, requestsPerSecond: 20, errorsPerSecond: 2.5),
            expected: [(.critical, nil, "12.5% of requests failed")]),
        Case(
            name: "busy queue, new texts",
            members: [node("n1", queue: 50, cache: (400, 40)), node("n2", queue: 70, cache: (100, 19))],
            expected: [
                (.warning, "n1", "most texts are new, so caching cannot absorb this load; add a node"),
                (.warning, "n2", "70 texts queued (70% of its limit) and only 19% of its recent cache lookups hit"),
            ]),
        Case(
            name: "busy queue the cache relieves, or a low rate without a queue",
            members: [
                node("n1", queue: 60, cache: (400, 80)), node("n2", queue: 49, cache: (400, 0)),
                node("n3", queue: 90, cache: (19, 0)),
            ],
            expected: [(.warning, "n3", "90% of its limit of 100")]),
        Case(
            name: "queue at the limit and a cold cache",
            members: [node("n1", queue: 100, cache: (1_000, 10)), node("n2")],
            expected: [
                (.critical, "n1", "raise node.max_queued_texts"), (.warning, "n1", "1% of its recent cache lookups"),
            ]),
        Case(
            name: "a cache that never hits",
            members: [node("n1", cache: (1_000, 0)), node("n2", cache: (999, 0)), node("n3", cache: (5_000, 1))],
            expected: [(.info, "n1", "none of its last 1000 texts in its embedding cache")]),
        Case(
            name: "busy and never hitting",
            members: [node("n1", queue: 50, cache: (2_000, 0)), node("n2")],
            expected: [(.warning, "n1", "0% of its recent cache lookups hit"), (.info, "n1", "cache_max_entries = 0")]),
        Case(
            name: "dead nodes carry no cache hints",
            members: [node("n1"), node("n2"), node("n3", "dead", "down", queue: 60, cache: (5_000, 0))],
            expected: [(.critical, "n3", "is dead")]),
        Case(
            name: "mixed versions", members: [node("n1", version: "1.0"), node("n2", version: "1.1")],
            expected: [(.info, nil, "1.0, 1.1")]),
    ]

    @Test func hitRateNeedsEnoughLookups() {
        #expect(MemberStatus.cacheHitRate(lookups: 0, hits: 0) == nil)
        #expect(MemberStatus.cacheHitRate(lookups: MemberStatus.minimumCacheLookups - 1, hits: 5) == nil)
        #expect(MemberStatus.cacheHitRate(lookups: MemberStatus.minimumCacheLookups, hits: 5) == 0.25)
        #expect(MemberStatus.cacheHitRate(lookups: 40, hits: 40) == 1)
        // Counts that cannot be true are clamped rather than giving a rate outside 0…1.
        #expect(MemberStatus.cacheHitRate(lookups: 40, hits: 50) == 1)
        #expect(MemberStatus.cacheHitRate(lookups: 40, hits: -1) == 0)
    }

    @Test(arguments: cases) func hints(for testCase: Case) {
        let hints = StatusHint.hints(members: testCase.members, gateway: testCase.gateway, limits: Self.limits)
        #expect(hints.count == testCase.expected.count, "\(hints.map(\.message))")
        for (hint, expected) in zip(hints, testCase.expected) {
            #expect(hint.severity == expected.0, "\(hint.message)")
            #expect(hint.member == expected.1, "\(hint.message)")
            #expect(hint.message.contains(expected.2), "\(hint.message)")
        }
    }
}

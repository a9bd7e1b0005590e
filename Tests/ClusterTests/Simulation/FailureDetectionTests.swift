import Testing

@testable import Cluster

@Suite struct FailureDetectionTests {
    /// Crashes one member of a converged cluster of `size` and returns the time until every other
    /// member marked it dead, the first such time, and how many members wrongly marked someone dead.
    static func crashDetection(
        size: Int,
        seed: UInt64,
        suspicionMultiplier: Double
    ) throws -> (first: Duration, all: Duration?, falseDeaths: Int) {
        var settings = SWIMSettings()
        settings.suspicionMultiplier = suspicionMultiplier
        var simulator = ClusterSimulator(seed: seed, settings: settings)
        try simulator.addConvergedCluster(count: size)
        simulator.run(for: .seconds(5))
        let victim = Int(simulator.random.next() % UInt64(size))
        let victimName = simulator.nodes[victim].instance.localName
        let crashedAt = simulator.now
        simulator.crash(victim)
        let others = (0..<size).filter { $0 != victim }
        let everyoneKnows = simulator.run(
            until: { sim in others.allSatisfy { sim.state(of: victimName, seenBy: $0) == .dead } },
            limit: .seconds(120)
        )
        #expect(simulator.oversizedPackets == 0)
        let deaths = simulator.events.filter { $0.event.kind == .dead }
        let falseDeaths = deaths.filter { $0.event.member.name != victimName }.count
        let victimDeaths = deaths.filter { $0.event.member.name == victimName }.map { $0.time - crashedAt }
        let first = victimDeaths.min() ?? .zero
        return (first, everyoneKnows ? victimDeaths.max() : nil, falseDeaths)
    }

    @Test(arguments: [5, 10, 50, 100])
    func crashedMemberIsDeadEverywhereWithinSixAndAHalfSeconds(size: Int) throws {
        let defaults = SWIMSettings()
        var line = "crash detection N=\(size):"
        for multiplier in [defaults.suspicionMultiplier, 4] {
            let result = try Self.crashDetection(size: size, seed: UInt64(size) * 7919, suspicionMultiplier: multiplier)
            let bounds = SWIMSettings.with(suspicionMultiplier: multiplier).suspicionTimeoutBounds(clusterSize: size)
            line += " | multiplier \(multiplier): suspicion min \(bounds.min) max \(bounds.max),"
            line += " first dead after \(result.first), everyone after \(result.all.map { "\($0)" } ?? "never")"
            #expect(result.falseDeaths == 0)
            if multiplier == defaults.suspicionMultiplier {
                let all = try #require(result.all, "not every member marked the crashed member dead")
                // Was 6 s before the 3 s suspicion floor (`minSuspicionTimeout`), which adds up to
                // 1–2 s so that members paused for about 3 s are not declared dead (N = 50: 6.02 s).
                #expect(all <= .milliseconds(6500), "N=\(size): took \(all)")
            }
        }
        print(line)
    }
}

extension SWIMSettings {
    static func with(suspicionMultiplier: Double) -> SWIMSettings {
        var settings = SWIMSettings()
        settings.suspicionMultiplier = suspicionMultiplier
        return settings
    }
}

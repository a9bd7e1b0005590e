import Testing

@testable import Cluster

@Suite struct FalsePositiveTests {
    /// Runs a healthy cluster at `lossRate` for `duration`; returns (suspicions raised, false deaths, LHM max).
    static func lossyRun(
        size: Int,
        lossRate: Double,
        duration: Duration,
        seed: UInt64,
        suspicionMultiplier: Double
    ) throws -> (suspicions: Int, falseDeaths: Int, refutations: UInt64, oversizedPackets: Int) {
        var settings = SWIMSettings()
        settings.suspicionMultiplier = suspicionMultiplier
        var simulator = ClusterSimulator(seed: seed, settings: settings, network: NetworkConditions(lossRate: lossRate))
        try simulator.addConvergedCluster(count: size)
        simulator.run(for: duration)
        let suspicions = simulator.events.filter { $0.event.kind == .suspect }.count
        let deaths = simulator.events.filter { $0.event.kind == .dead }.count
        let refutations = simulator.nodes.reduce(0) { $0 + $1.instance.incarnation }
        return (suspicions, deaths, refutations, simulator.oversizedPackets)
    }

    @Test(arguments: [SWIMSettings().suspicionMultiplier, 4])
    func noFalseDeathOverTenMinutesAtTenPercentLoss(suspicionMultiplier: Double) async throws {
        // Ten simulated minutes take seconds of CPU: on a thread of its own, not the cooperative pool.
        let result = try await OwnThread.run {
            try Self.lossyRun(
                size: 50,
                lossRate: 0.10,
                duration: .seconds(600),
                seed: 42,
                suspicionMultiplier: suspicionMultiplier
            )
        }
        print(
            "false positives N=50 10% loss 600 s, suspicion multiplier \(suspicionMultiplier): "
                + "\(result.suspicions) suspect events, \(result.refutations) refutations, \(result.falseDeaths) dead events"
        )
        #expect(result.falseDeaths == 0)
        #expect(result.oversizedPackets == 0)
    }
}

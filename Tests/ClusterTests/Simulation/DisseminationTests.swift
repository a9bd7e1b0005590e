import Testing

@testable import Cluster

/// The simulations run on threads of their own (`OwnThread`): seconds of CPU on the test runner's
/// cooperative pool would stall every other suite's tasks.
@Suite struct DisseminationTests {
    private struct JoinRun: Sendable {
        var everyone: Bool
        var times: [Duration]
        var joinerView: Int
        var largestPacket: Int
        var oversizedPackets: Int
    }

    @Test func joinReachesAThousandMembersQuickly() async throws {
        let run = try await OwnThread.run { try Self.join() }
        let times = run.times
        #expect(run.everyone, "only \(times.count) of 1000 members learned of the join")
        func quantile(_ share: Double) -> Duration {
            times[min(times.count - 1, Int((Double(1000) * share).rounded(.up)) - 1)]
        }
        print(
            "join N=1000: 50% \(quantile(0.5)), 99% \(quantile(0.99)), 99.99% \(quantile(0.9999)), "
                + "100% \(times.last ?? .zero); the joiner sees \(run.joinerView) live members; largest packet \(run.largestPacket) B"
        )
        #expect(times.count == 1000)
        #expect(quantile(0.9999) <= .milliseconds(2600))
        #expect(run.joinerView == 1001)
        #expect(run.oversizedPackets == 0)
    }

    private static func join() throws -> JoinRun {
        var simulator = ClusterSimulator(seed: 1000)
        try simulator.addConvergedCluster(count: 1000)
        simulator.run(for: .seconds(3))
        let joiner = try simulator.addNode(name: "newcomer")
        let joinedAt = simulator.now
        simulator.join(joiner, seeds: [17])
        let everyone = simulator.run(
            until: { sim in
                sim.events.lazy.filter { $0.event.kind == .joined && $0.event.member.name == "newcomer" }.count >= 1000
            },
            checkingEvery: .milliseconds(50),
            limit: .seconds(30)
        )
        let times = simulator.events
            .filter { $0.event.kind == .joined && $0.event.member.name == "newcomer" && $0.observer != joiner }
            .map { $0.time - joinedAt }
            .sorted()
        return JoinRun(
            everyone: everyone,
            times: times,
            joinerView: simulator.nodes[joiner].instance.clusterSize,
            largestPacket: simulator.largestPacket,
            oversizedPackets: simulator.oversizedPackets
        )
    }

    private struct Traffic: Sendable {
        var packets: Double
        var messages: Double
        var bytes: Double
        var largestPacket: Int
        var oversizedPackets: Int
    }

    @Test(arguments: [10, 100, 1000])
    func packetsStayWithinBudgetAndTrafficPerMemberIsFlat(size: Int) async throws {
        let traffic = try await OwnThread.run { try Self.traffic(size: size) }
        print(
            "traffic N=\(size): per member per probe period \(traffic.packets) packets, \(traffic.messages) messages, "
                + "\(Int(traffic.bytes)) bytes; largest packet \(traffic.largestPacket) B"
        )
        #expect(traffic.oversizedPackets == 0)
        #expect(traffic.largestPacket <= 1400)
        // A probe (ping + ack) per member per period, plus the ping-req/acks of the odd failed probe:
        // independent of N.
        #expect(traffic.packets > 1.5 && traffic.packets < 3.5)
        #expect(traffic.messages > 1.5 && traffic.messages < 4)
    }

    private static func traffic(size: Int) throws -> Traffic {
        var simulator = ClusterSimulator(seed: UInt64(size))
        try simulator.addConvergedCluster(count: size)
        simulator.recordsEvents = false
        // Some churn so packets carry piggybacked updates: a crash and a metadata change.
        simulator.run(for: .seconds(2))
        simulator.crash(size - 1)
        try simulator.updateMetadata(0, to: Array(repeating: 7, count: 512))
        simulator.run(for: .seconds(10))
        simulator.resetTrafficCounters()
        let window = 10
        simulator.run(for: .seconds(window))
        let running = simulator.runningNodes
        let sent = running.map { simulator.nodes[$0].sent }
        let perMemberPerSecond = { (total: Int) in Double(total) / Double(running.count) / Double(window) }
        return Traffic(
            packets: perMemberPerSecond(sent.reduce(0) { $0 + $1.packets }),
            messages: perMemberPerSecond(sent.reduce(0) { $0 + $1.messages }),
            bytes: perMemberPerSecond(sent.reduce(0) { $0 + $1.bytes }),
            largestPacket: simulator.largestPacket,
            oversizedPackets: simulator.oversizedPackets
        )
    }
}

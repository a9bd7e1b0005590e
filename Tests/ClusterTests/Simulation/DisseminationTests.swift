import Testing

@testable import Cluster

@Suite struct DisseminationTests {
    @Test func joinReachesAThousandMembersQuickly() throws {
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
        #expect(everyone, "only \(times.count) of 1000 members learned of the join")
        func quantile(_ share: Double) -> Duration {
            times[min(times.count - 1, Int((Double(1000) * share).rounded(.up)) - 1)]
        }
        let joinerView = simulator.nodes[joiner].instance.clusterSize
        print(
            "join N=1000: 50% \(quantile(0.5)), 99% \(quantile(0.99)), 99.99% \(quantile(0.9999)), "
                + "100% \(times.last ?? .zero); the joiner sees \(joinerView) live members; largest packet \(simulator.largestPacket) B"
        )
        #expect(times.count == 1000)
        #expect(quantile(0.9999) <= .milliseconds(2600))
        #expect(joinerView == 1001)
        #expect(simulator.oversizedPackets == 0)
    }

    @Test(arguments: [10, 100, 1000])
    func packetsStayWithinBudgetAndTrafficPerMemberIsFlat(size: Int) throws {
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
        let traffic = running.map { simulator.nodes[$0].sent }
        let messages = Double(traffic.reduce(0) { $0 + $1.messages }) / Double(running.count) / Double(window)
        let packets = Double(traffic.reduce(0) { $0 + $1.packets }) / Double(running.count) / Double(window)
        let bytes = Double(traffic.reduce(0) { $0 + $1.bytes }) / Double(running.count) / Double(window)
        print(
            "traffic N=\(size): per member per probe period \(packets) packets, \(messages) messages, "
                + "\(Int(bytes)) bytes; largest packet \(simulator.largestPacket) B"
        )
        #expect(simulator.oversizedPackets == 0)
        #expect(simulator.largestPacket <= 1400)
        // A probe (ping + ack) per member per period, plus the ping-req/acks of the odd failed probe:
        // independent of N.
        #expect(packets > 1.5 && packets < 3.5)
        #expect(messages > 1.5 && messages < 4)
    }
}

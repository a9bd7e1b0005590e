import Testing

@testable import Cluster

@Suite struct PartitionAndLifecycleTests {
    func allSee(_ simulator: ClusterSimulator, _ observers: [Int], _ subjects: [Int], as state: MemberState) -> Bool {
        observers.allSatisfy { observer in
            subjects.allSatisfy { subject in
                observer == subject
                    || simulator.state(of: simulator.nodes[subject].instance.localName, seenBy: observer) == state
            }
        }
    }

    @Test func twoWayPartitionHealsWithinOnePushPullInterval() throws {
        var simulator = ClusterSimulator(seed: 2020)
        let everyone = try simulator.addConvergedCluster(count: 20)
        simulator.recordsEvents = false
        simulator.run(for: .seconds(5))
        let left = Array(everyone[..<10])
        let right = Array(everyone[10...])
        simulator.partition([left, right])
        let splitAt = simulator.now
        let bothSidesDeclared = simulator.run(
            until: { sim in allSee(sim, left, right, as: .dead) && allSee(sim, right, left, as: .dead) },
            checkingEvery: .milliseconds(100),
            limit: .seconds(120)
        )
        #expect(bothSidesDeclared, "the sides did not declare each other dead")
        let declaredAfter = simulator.now - splitAt
        // Stay apart a while longer, past the gossip-to-the-dead window, so only push-pull can heal it.
        simulator.run(for: .seconds(60))
        #expect(allSee(simulator, left, left, as: .alive) && allSee(simulator, right, right, as: .alive))
        simulator.healPartition()
        let healedAt = simulator.now
        let interval = simulator.settings.pushPullPeriod(clusterSize: 20)
        let whole = simulator.run(
            until: { sim in allSee(sim, everyone, everyone, as: .alive) },
            checkingEvery: .milliseconds(100),
            limit: interval * 3
        )
        let healedAfter = simulator.now - healedAt
        print(
            "partition N=20: sides declared each other dead after \(declaredAfter); whole again \(healedAfter) after healing (push-pull interval \(interval))"
        )
        #expect(whole)
        #expect(healedAfter <= interval)
    }

    @Test func gracefulLeaveIsLeftEverywhereAndARestartReclaimsTheName() throws {
        var simulator = ClusterSimulator(seed: 77)
        let everyone = try simulator.addConvergedCluster(count: 12)
        simulator.run(for: .seconds(3))
        let leaver = everyone[4]
        let name = simulator.nodes[leaver].instance.localName
        let others = everyone.filter { $0 != leaver }
        simulator.leave(leaver)
        let everyoneKnows = simulator.run(
            until: { sim in others.allSatisfy { sim.state(of: name, seenBy: $0) == .left } },
            limit: .seconds(10)
        )
        #expect(everyoneKnows)
        simulator.run(for: .seconds(5))
        #expect(simulator.nodes[leaver].status == .stopped)
        #expect(others.allSatisfy { simulator.state(of: name, seenBy: $0) == .left })
        #expect(!simulator.events.contains { $0.event.kind == .dead })
        let leftIncarnation = try #require(simulator.nodes[others[0]].instance.member(named: name)?.incarnation)

        // The same name comes back from a fresh process (incarnation 0) at the same endpoint.
        try simulator.restart(leaver, seeds: [others[0]])
        let back = simulator.run(
            until: { sim in others.allSatisfy { sim.state(of: name, seenBy: $0) == .alive } },
            limit: .seconds(10)
        )
        #expect(back)
        #expect(simulator.nodes[leaver].instance.incarnation > leftIncarnation)
        #expect(simulator.nodes[leaver].instance.clusterSize == 12)

        // A crashed member's name is taken by a process at a new endpoint after the reclaim time.
        let crashed = everyone[7]
        let crashedName = simulator.nodes[crashed].instance.localName
        simulator.crash(crashed)
        _ = simulator.run(
            until: { sim in
                others.filter { $0 != crashed }.allSatisfy { sim.state(of: crashedName, seenBy: $0) == .dead }
            },
            limit: .seconds(20)
        )
        simulator.run(for: simulator.settings.deadNodeReclaimTime)
        let newEndpoint = Endpoint(host: "10.9.9.9", port: 7000)
        try simulator.restart(crashed, atNewEndpoint: newEndpoint, seeds: [others[0]])
        let reclaimed = simulator.run(
            until: { sim in
                everyone.filter { $0 != crashed }.allSatisfy {
                    sim.nodes[$0].instance.member(named: crashedName).map {
                        $0.state == .alive && $0.endpoint == newEndpoint
                    } == true
                }
            },
            limit: .seconds(10)
        )
        print("leave: left everywhere, restart and reclaim at a new endpoint \(reclaimed ? "succeeded" : "failed")")
        #expect(reclaimed)
    }

    @Test func sameSeedSameRun() throws {
        func run(seed: UInt64) throws -> (TrafficCounters, [ClusterSimulator.RecordedEvent], Int) {
            var simulator = ClusterSimulator(seed: seed, network: NetworkConditions(lossRate: 0.05))
            try simulator.addConvergedCluster(count: 15)
            simulator.run(for: .seconds(5))
            simulator.crash(3)
            simulator.partition([[0, 1, 2]])
            simulator.run(for: .seconds(20))
            simulator.healPartition()
            simulator.run(for: .seconds(20))
            return (simulator.totalTraffic, simulator.events, simulator.eventsProcessed)
        }
        let first = try run(seed: 9)
        let second = try run(seed: 9)
        let other = try run(seed: 10)
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
        #expect(first.2 == second.2)
        #expect(first.1 != other.1)
    }

    @Test func pausedMemberIsSuspectedAndRefutesAfterAShortPause() throws {
        var simulator = ClusterSimulator(seed: 5)
        let everyone = try simulator.addConvergedCluster(count: 10)
        simulator.run(for: .seconds(3))
        simulator.pause(2)
        simulator.run(for: .milliseconds(1500))
        simulator.resume(2)
        simulator.run(for: .seconds(10))
        let name = simulator.nodes[2].instance.localName
        let states = everyone.filter { $0 != 2 }.map { simulator.state(of: name, seenBy: $0) }
        print("pause 1.5 s: \(simulator.events.filter { $0.event.member.name == name }.map(\.event.kind))")
        #expect(states.allSatisfy { $0 == .alive })
    }
}

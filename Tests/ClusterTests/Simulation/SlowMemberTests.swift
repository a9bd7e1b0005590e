import Testing

@testable import Cluster

/// Members that are slow but alive: frozen for a few seconds (SIGSTOP, a long GC or VM pause) or
/// starved of CPU. They may be suspected, but must never be declared dead, and a starved member
/// must not declare healthy members dead.
@Suite struct SlowMemberTests {
    /// The end-to-end tests' gossip timings (`Tests/EndToEnd/cluster.py`).
    static var endToEndSettings: SWIMSettings {
        var settings = SWIMSettings()
        settings.probeInterval = .milliseconds(200)
        settings.probeTimeout = .milliseconds(100)
        settings.gossipInterval = .milliseconds(50)
        return settings
    }

    enum Freeze: String, CaseIterable, Sendable {
        /// SIGSTOP: packets wait in the socket buffer; overdue timers fire before they are read.
        case stall
        /// The socket is gone meanwhile: packets sent to it are lost.
        case pause
    }

    struct Timings: Sendable, CustomStringConvertible {
        var name: String
        var settings: SWIMSettings
        var description: String { name }
    }

    static let timings = [
        Timings(name: "end-to-end timings", settings: endToEndSettings),
        Timings(name: "defaults", settings: SWIMSettings()),
    ]

    @Test(arguments: timings, [4, 10])
    func frozenMemberIsSuspectedAndReadmittedWithoutBeingDeclaredDead(timings: Timings, size: Int) throws {
        for freeze in Freeze.allCases {
            var simulator = ClusterSimulator(seed: UInt64(size) * 31 + 7, settings: timings.settings)
            let everyone = try simulator.addConvergedCluster(count: size)
            simulator.run(for: .seconds(5))
            let victim = 1
            let name = simulator.nodes[victim].instance.localName
            let frozenAt = simulator.now
            switch freeze {
            case .stall:
                simulator.stall(victim, for: .seconds(3))
                simulator.run(for: .seconds(3))
            case .pause:
                simulator.pause(victim)
                simulator.run(for: .seconds(3))
                simulator.resume(victim)
            }
            simulator.run(for: .seconds(10))
            let about = simulator.events.filter { $0.event.member.name == name && $0.time >= frozenAt }
            let kinds = Set(about.map(\.event.kind))
            let deaths = simulator.events.filter { $0.event.kind == .dead }
            print(
                "\(timings), N=\(size), \(freeze) 3 s: events about it \(about.map(\.event.kind)), deaths \(deaths.count)"
            )
            #expect(kinds.contains(.suspect), "\(timings), N=\(size), \(freeze): never suspected")
            #expect(
                deaths.isEmpty,
                "\(timings), N=\(size), \(freeze): \(deaths.map { ($0.observer, $0.event.member.name) })")
            for observer in everyone {
                for member in everyone where member != observer {
                    let memberName = simulator.nodes[member].instance.localName
                    #expect(simulator.state(of: memberName, seenBy: observer) == .alive)
                }
            }
        }
    }

    @Test(arguments: timings)
    func starvedMemberAccusesNobodyFalselyAndIsNeverDeclaredDead(timings: Timings) throws {
        var simulator = ClusterSimulator(seed: 1234, settings: timings.settings)
        let everyone = try simulator.addConvergedCluster(count: 4)
        simulator.run(for: .seconds(5))
        let starved = 2
        // The process gets 2 ms of CPU every 2.5 probe timeouts (250 ms with the end-to-end
        // timings): answers arrive while it is descheduled, and its timers fire before it reads them.
        let period = timings.settings.probeTimeout * 5 / 2
        simulator.starve(starved, .init(running: .milliseconds(2), period: period))
        var highestHealth = 0
        for _ in 0..<60 {
            simulator.run(for: .seconds(1))
            highestHealth = max(highestHealth, simulator.nodes[starved].instance.localHealth.score)
        }
        simulator.starve(starved, nil)
        simulator.run(for: .seconds(20))
        let deaths = simulator.events.filter { $0.event.kind == .dead }
        let suspicions = simulator.events.filter { $0.event.kind == .suspect }
        let starvedName = simulator.nodes[starved].instance.localName
        let accused = suspicions.filter { $0.observer == starved }.count
        let ofStarved = suspicions.filter { $0.event.member.name == starvedName }.count
        print(
            "\(timings), starved member for 60 s: \(suspicions.count) suspect events (\(ofStarved) of it, "
                + "\(accused) seen by it), \(deaths.count) dead events, its local health up to \(highestHealth)"
        )
        #expect(deaths.isEmpty, "\(deaths.map { ($0.observer, $0.event.member.name) })")
        // The healthy members answer in time: any suspicion of them is a false accusation by the
        // starved member, which judged a probe before reading its answer.
        let falseAccusations = suspicions.filter { $0.event.member.name != starvedName }
        #expect(falseAccusations.isEmpty, "\(falseAccusations.map { ($0.observer, $0.event.member.name) })")
        #expect(highestHealth > 0, "a member missing its own deadlines must doubt itself")
        for observer in everyone {
            for member in everyone where member != observer {
                let memberName = simulator.nodes[member].instance.localName
                #expect(simulator.state(of: memberName, seenBy: observer) == .alive)
            }
        }
    }

    @Test func stalledAndStarvedMembersRunLaterButLoseNothing() throws {
        var simulator = ClusterSimulator(seed: 3, settings: Self.endToEndSettings)
        try simulator.addConvergedCluster(count: 3)
        simulator.run(for: .seconds(1))
        simulator.stall(0, for: .seconds(2))
        let sentBefore = simulator.nodes[0].sent.packets
        simulator.run(for: .milliseconds(1999))
        // Frozen: it sent nothing, and nothing it was sent was lost.
        #expect(simulator.nodes[0].sent.packets == sentBefore)
        #expect(simulator.packetsLost == 0)
        simulator.run(for: .milliseconds(100))
        #expect(simulator.nodes[0].sent.packets > sentBefore)
        let starvation = ClusterSimulator.Starvation(running: .milliseconds(20), period: .milliseconds(250))
        #expect(starvation.runTime(atOrAfter: 10_000_000) == 10_000_000)
        #expect(starvation.runTime(atOrAfter: 20_000_000) == 250_000_000)
        #expect(starvation.runTime(atOrAfter: 260_000_000) == 260_000_000)
    }
}

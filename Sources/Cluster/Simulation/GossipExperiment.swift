/// A scripted simulator run that measures the gossip layer at one cluster size and loss rate: what
/// it costs in steady state, how fast news of a join spreads, how fast a crash is detected
/// everywhere, and how often live members are wrongly suspected or declared dead.
///
/// The script: a converged cluster of `members` (push-pull timers spread over one period, as in a
/// cluster that has been up for a while) runs for `steadyDuration` with its traffic counted; then
/// a new member joins through one random seed; once everyone knows it, a random member crashes.
/// The whole run is on virtual time. It is reproduced exactly from `seed` only with
/// `SWIFT_DETERMINISTIC_HASHING=1` in the environment: the protocol core iterates dictionaries
/// (pending relays, suspicions, members in a push-pull), whose order Swift seeds per process and
/// per dictionary, and at a loss rate above zero that order changes which packet goes first.
public struct GossipExperiment: Hashable, Sendable {
    public var members: Int
    public var lossRate: Double
    public var steadyDuration: Duration
    public var seed: UInt64
    public var settings: SWIMSettings
    /// How long the join and the crash phases may take before they are reported as unfinished.
    public var phaseLimit: Duration = .seconds(120)

    public init(
        members: Int,
        lossRate: Double = 0,
        steadyDuration: Duration = .seconds(60),
        seed: UInt64 = 1,
        settings: SWIMSettings = SWIMSettings()
    ) {
        self.members = members
        self.lossRate = lossRate
        self.steadyDuration = steadyDuration
        self.seed = seed
        self.settings = settings
    }

    /// Virtual time between checks of a phase's end condition (event times are exact regardless).
    static let step: Duration = .milliseconds(100)
    /// Members start probing at random phases within one probe interval: traffic is counted after this.
    static let settleTime: Duration = .seconds(2)

    /// Runs the script and returns what it measured.
    public func run() throws(SWIMError) -> GossipExperimentReport {
        guard members >= 2 else { throw SWIMError(message: "an experiment needs at least 2 members, not \(members)") }
        guard lossRate >= 0 && lossRate < 1 else {
            throw SWIMError(message: "loss rate must be at least 0 and below 1, not \(lossRate)")
        }
        var simulator = ClusterSimulator(
            seed: seed, settings: settings, network: NetworkConditions(lossRate: lossRate))
        let original = try simulator.addConvergedCluster(count: members)
        simulator.spreadPushPullSchedules()
        var tally = FalsePositiveTally()

        simulator.run(for: Self.settleTime)
        tally.record(simulator.takeRecordedEvents(), crashed: nil)
        simulator.resetTrafficCounters()
        let windowStart = simulator.now
        let windowEnd = windowStart + steadyDuration
        while simulator.now < windowEnd {
            simulator.run(until: min(simulator.now + .seconds(1), windowEnd))
            tally.record(simulator.takeRecordedEvents(), crashed: nil)
        }
        let traffic = GossipExperimentReport.Traffic(
            simulator.totalTraffic, members: members, seconds: (windowEnd - windowStart).seconds,
            largestPacket: simulator.largestPacket, oversizedPackets: simulator.oversizedPackets)

        // A join spreading from one member.
        let newcomerName = "newcomer-\(seed)"
        let newcomer = try simulator.addNode(name: newcomerName)
        let seedMember = original[Int(simulator.random.next() % UInt64(members))]
        let joinedAt = simulator.now
        simulator.join(newcomer, seeds: [seedMember])
        var learned = [Duration?](repeating: nil, count: simulator.nodes.count)
        var learnedCount = 0
        let joinDeadline = simulator.now + phaseLimit
        while learnedCount < members && simulator.now < joinDeadline {
            simulator.run(for: Self.step)
            let events = simulator.takeRecordedEvents()
            tally.record(events, crashed: nil)
            for recorded in events
            where recorded.event.kind == .joined && recorded.event.member.name == newcomerName
                && recorded.observer != newcomer && learned[recorded.observer] == nil
            {
                learned[recorded.observer] = recorded.time - joinedAt
                learnedCount += 1
            }
        }
        let spread = GossipExperimentReport.Spread(delays: learned.compactMap { $0 }, of: members)

        // A crash, detected by everyone else (the newcomer included).
        let victim = original[Int(simulator.random.next() % UInt64(members))]
        let victimName = simulator.nodes[victim].instance.localName
        let crashedAt = simulator.now
        simulator.crash(victim)
        let observers = members
        var firstSuspicion: Duration?
        var deadAt = [Bool](repeating: false, count: simulator.nodes.count)
        var deadCount = 0
        var lastDeath: Duration?
        let crashDeadline = simulator.now + phaseLimit
        while deadCount < observers && simulator.now < crashDeadline {
            simulator.run(for: Self.step)
            let events = simulator.takeRecordedEvents()
            tally.record(events, crashed: victimName)
            for recorded in events where recorded.event.member.name == victimName {
                if recorded.event.kind == .suspect && firstSuspicion == nil {
                    firstSuspicion = recorded.time - crashedAt
                }
                if recorded.event.kind == .dead && !deadAt[recorded.observer] {
                    deadAt[recorded.observer] = true
                    deadCount += 1
                    lastDeath = recorded.time - crashedAt
                }
            }
        }
        let detection = GossipExperimentReport.Detection(
            firstSuspectedAfter: firstSuspicion?.seconds,
            deadEverywhereAfter: deadCount == observers ? lastDeath?.seconds : nil,
            deadAt: deadCount,
            of: observers
        )

        return GossipExperimentReport(
            members: members,
            lossRate: lossRate,
            seed: seed,
            steadySeconds: steadyDuration.seconds,
            join: spread,
            crash: detection,
            traffic: traffic,
            falseSuspicions: tally.suspicions.count,
            falseSuspectEvents: tally.suspectEvents,
            falseDeaths: tally.deaths.count,
            falseDeadEvents: tally.deadEvents,
            simulatedSeconds: simulator.now.seconds,
            eventsProcessed: simulator.eventsProcessed
        )
    }
}

/// Suspicions and deaths of members that were alive all along.
struct FalsePositiveTally {
    struct Accusation: Hashable {
        var name: String
        var incarnation: UInt64
    }

    /// Distinct wrong suspicions (a member at one incarnation), however many members raised them.
    var suspicions: Set<Accusation> = []
    /// Suspect events about live members, counted on every member that raised or heard them.
    var suspectEvents = 0
    /// Members wrongly declared dead by at least one member.
    var deaths: Set<String> = []
    var deadEvents = 0

    mutating func record(_ events: [ClusterSimulator.RecordedEvent], crashed: String?) {
        for recorded in events where recorded.event.member.name != crashed {
            let member = recorded.event.member
            switch recorded.event.kind {
            case .suspect:
                suspectEvents += 1
                suspicions.insert(Accusation(name: member.name, incarnation: member.incarnation))
            case .dead:
                deadEvents += 1
                deaths.insert(member.name)
            case .joined, .alive, .left, .metadataUpdated:
                break
            }
        }
    }
}

extension Duration {
    /// The duration in seconds as a real number (for reports).
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

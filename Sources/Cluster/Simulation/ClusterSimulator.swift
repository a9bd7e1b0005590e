/// A deterministic discrete-event simulation of many SWIM members in one process.
///
/// Virtual time only advances through the event queue; one seeded generator drives the network
/// (latency, loss) and seeds every member, so the same seed and the same calls give the same run.
/// Every UDP packet goes through the real codec: members emit encoded bytes and decode what they
/// receive, and the simulator records the largest packet it carried.
public struct ClusterSimulator {
    public enum Status: Hashable, Sendable {
        case running
        /// Stopped abruptly: sends nothing, receives nothing, timers do not fire.
        case crashed
        /// Frozen with its socket closed: inbound packets are lost until `resume`.
        case paused
        /// Finished a graceful leave.
        case stopped
    }

    /// One simulated member.
    public struct Node {
        public internal(set) var instance: SWIMInstance
        public internal(set) var status: Status = .running
        /// Members in different groups cannot reach each other (partition).
        public internal(set) var group = 0
        public internal(set) var sent = TrafficCounters()
        /// While running, the process gets no CPU until then (see `stall(_:for:)`), in nanoseconds.
        public internal(set) var stalledUntil: Int64?
        /// While running, the process is starved (see `starve(_:runningFor:every:)`).
        public internal(set) var starvation: Starvation?
        var scheduledWake: Int64?
    }

    /// A CPU-starved process: it runs only during the first `running` of every `period` (windows
    /// aligned to virtual time zero) and is descheduled for the rest.
    public struct Starvation: Hashable, Sendable {
        public var running: Duration
        public var period: Duration

        public init(running: Duration, period: Duration) {
            self.running = running
            self.period = period
        }

        /// The first instant at or after `time` (nanoseconds) at which the process runs.
        func runTime(atOrAfter time: Int64) -> Int64 {
            let period = max(self.period.nanoseconds, 1)
            let running = min(max(self.running.nanoseconds, 1), period)
            let offset = time % period
            return offset < running ? time : time - offset + period
        }
    }

    /// A membership event observed by one member.
    public struct RecordedEvent: Hashable, Sendable {
        public var time: Duration
        public var observer: Int
        public var event: MembershipEvent
    }

    enum Event {
        case wake(node: Int)
        case deliver(to: Int, from: Endpoint, bytes: [UInt8])
        case pushPullRequest(from: Int, to: Int, bytes: [UInt8])
        case pushPullResponse(to: Int, from: Endpoint, bytes: [UInt8])
    }

    public internal(set) var nodes: [Node] = []
    public var network: NetworkConditions
    public var settings: SWIMSettings
    /// When true, every membership event is appended to `events`.
    public var recordsEvents = true
    public internal(set) var events: [RecordedEvent] = []
    public private(set) var now: Duration = .zero
    /// The largest UDP packet carried so far, in bytes.
    public private(set) var largestPacket = 0
    /// Packets that exceeded `settings.packetBudget` (must stay zero).
    public private(set) var oversizedPackets = 0
    public private(set) var packetsLost = 0
    public private(set) var eventsProcessed = 0

    var queue = EventQueue<Event>()
    var random: SplitMix64
    var indexByEndpoint: [Endpoint: Int] = [:]

    public init(seed: UInt64, settings: SWIMSettings = SWIMSettings(), network: NetworkConditions = NetworkConditions())
    {
        self.random = SplitMix64(seed: seed)
        self.settings = settings
        self.network = network
    }

    /// The gossip endpoint of the `index`-th member (a distinct fake address per member).
    public static func endpoint(for index: Int) -> Endpoint {
        Endpoint(host: "10.\(index / 65_536 % 256).\(index / 256 % 256).\(index % 256)", port: 7946)
    }

    /// Adds a running member that knows nobody yet; returns its index.
    @discardableResult
    public mutating func addNode(name: String? = nil, metadata: [UInt8] = []) throws(SWIMError) -> Int {
        let index = nodes.count
        let endpoint = Self.endpoint(for: index)
        let instance = try SWIMInstance(
            settings: settings,
            name: name ?? "node-\(index)",
            endpoint: endpoint,
            metadata: metadata,
            seed: random.next(),
            now: now
        )
        nodes.append(Node(instance: instance))
        indexByEndpoint[endpoint] = index
        scheduleWake(index, at: now)
        return index
    }

    /// Adds `count` members that already know each other as alive (no join traffic), as if the
    /// cluster had converged long ago. Returns their indices.
    @discardableResult
    public mutating func addConvergedCluster(count: Int) throws(SWIMError) -> [Int] {
        let indices = try (0..<count).map { _ throws(SWIMError) in try addNode() }
        let everyone = indices.map { nodes[$0].instance.localMember }.map { member in
            var member = member
            member.stateChangedAt = now
            return member
        }
        for index in indices {
            // Sized up front: growing 5000 dictionaries of 5000 members step by step was a third
            // of a 5000-member run.
            nodes[index].instance.members.reserveCapacity(nodes[index].instance.members.count + count)
            nodes[index].instance.probeOrder.reserveCapacity(nodes[index].instance.probeOrder.count + count)
            nodes[index].instance.installConvergedMembers(everyone)
        }
        return indices
    }

    public mutating func join(_ index: Int, seeds: [Int]) {
        let endpoints = seeds.map { nodes[$0].instance.localEndpoint }
        let directives = nodes[index].instance.onJoin(seeds: endpoints, now: now)
        carryOut(directives, from: index)
    }

    public mutating func leave(_ index: Int) {
        let directives = nodes[index].instance.onLeave(now: now)
        carryOut(directives, from: index)
    }

    public mutating func updateMetadata(_ index: Int, to metadata: [UInt8]) throws(SWIMError) {
        let directives = try nodes[index].instance.onMetadataChange(metadata, now: now)
        carryOut(directives, from: index)
    }

    public mutating func crash(_ index: Int) {
        nodes[index].status = .crashed
    }

    public mutating func pause(_ index: Int) {
        nodes[index].status = .paused
    }

    public mutating func resume(_ index: Int) {
        guard nodes[index].status == .paused else { return }
        nodes[index].status = .running
        nodes[index].scheduledWake = nil
        scheduleWake(index, at: now)
    }

    /// Freezes a running member for `duration` as SIGSTOP does: its socket stays open, so packets
    /// sent to it wait in its receive buffer. When it runs again its overdue timers fire first and
    /// only then does it read what arrived meanwhile (the worst order for a member judging others).
    public mutating func stall(_ index: Int, for duration: Duration) {
        nodes[index].stalledUntil = (now + duration).nanoseconds
    }

    /// Starves a running member of CPU from now on (nil ends it): like a stall, every timer and
    /// packet that comes due while it is descheduled waits for its next running slice, timers first.
    public mutating func starve(_ index: Int, _ starvation: Starvation?) {
        nodes[index].starvation = starvation
    }

    /// Replaces a crashed or stopped member by a fresh process with the same name (incarnation 0),
    /// optionally at a new endpoint, and joins it through `seeds`.
    public mutating func restart(_ index: Int, atNewEndpoint newEndpoint: Endpoint? = nil, seeds: [Int])
        throws(SWIMError)
    {
        let old = nodes[index].instance
        let endpoint = newEndpoint ?? old.localEndpoint
        let instance = try SWIMInstance(
            settings: settings,
            name: old.localName,
            endpoint: endpoint,
            metadata: old.metadata,
            seed: random.next(),
            now: now
        )
        if endpoint != old.localEndpoint {
            indexByEndpoint[old.localEndpoint] = nil
            indexByEndpoint[endpoint] = index
        }
        nodes[index].instance = instance
        nodes[index].status = .running
        nodes[index].scheduledWake = nil
        scheduleWake(index, at: now)
        join(index, seeds: seeds)
    }

    /// Splits the members into groups that cannot reach each other; unlisted members join group 0.
    public mutating func partition(_ groups: [[Int]]) {
        for index in nodes.indices { nodes[index].group = 0 }
        for (group, members) in groups.enumerated() {
            for index in members { nodes[index].group = group }
        }
    }

    public mutating func healPartition() {
        for index in nodes.indices { nodes[index].group = 0 }
    }

    /// Resets every member's traffic counters (to measure a steady-state window).
    public mutating func resetTrafficCounters() {
        for index in nodes.indices { nodes[index].sent = TrafficCounters() }
    }

    /// Runs until virtual time `end`, processing every event due by then.
    public mutating func run(until end: Duration) {
        let endNanos = end.nanoseconds
        while let time = queue.nextTime, time <= endNanos, let (_, event) = queue.popFirst() {
            now = .nanoseconds(time)
            eventsProcessed += 1
            process(event, at: time)
        }
        now = end
    }

    public mutating func run(for duration: Duration) {
        run(until: now + duration)
    }

    /// Runs in steps of `step` until `condition` holds or `limit` passes; returns whether it held.
    public mutating func run(
        until condition: (ClusterSimulator) -> Bool,
        checkingEvery step: Duration = .milliseconds(10),
        limit: Duration
    ) -> Bool {
        let deadline = now + limit
        while now < deadline {
            if condition(self) { return true }
            run(until: min(now + step, deadline))
        }
        return condition(self)
    }

    /// What member `observer` believes about the member named `name`.
    public func state(of name: String, seenBy observer: Int) -> MemberState? {
        nodes[observer].instance.member(named: name)?.state
    }

    /// Indices of members that are running (not crashed, paused or stopped).
    public var runningNodes: [Int] {
        nodes.indices.filter { nodes[$0].status == .running }
    }

    /// The sum of every member's traffic.
    public var totalTraffic: TrafficCounters {
        nodes.reduce(TrafficCounters()) { $0 + $1.sent }
    }

    // MARK: - Event processing

    /// When member `index` next gets CPU at or after `time`: now unless it is stalled or starved.
    private func runTime(of index: Int, atOrAfter time: Int64) -> Int64 {
        var runAt = time
        if let until = nodes[index].stalledUntil, until > runAt { runAt = until }
        if let starvation = nodes[index].starvation { runAt = starvation.runTime(atOrAfter: runAt) }
        return runAt
    }

    /// The member an event is processed by.
    private static func recipient(of event: Event) -> Int {
        switch event {
        case .wake(let index), .deliver(let index, _, _), .pushPullResponse(let index, _, _): index
        case .pushPullRequest(_, let index, _): index
        }
    }

    private mutating func process(_ event: Event, at time: Int64) {
        let recipient = Self.recipient(of: event)
        let runAt = runTime(of: recipient, atOrAfter: time)
        if runAt > time {
            // Descheduled: the event waits. Timers are put first, packets just after them.
            if case .wake = event {
                guard nodes[recipient].scheduledWake == time else { return }
                nodes[recipient].scheduledWake = runAt
                queue.schedule(event, at: runAt)
            } else {
                queue.schedule(event, at: runAt + 1)
            }
            return
        }
        switch event {
        case .wake(let index):
            guard nodes[index].scheduledWake == time else { return }
            nodes[index].scheduledWake = nil
            guard nodes[index].status == .running else { return }
            let directives = nodes[index].instance.onTick(now: now)
            carryOut(directives, from: index)
        case .deliver(let index, let source, let bytes):
            guard nodes[index].status == .running else {
                packetsLost += 1
                return
            }
            let directives = nodes[index].instance.onDatagram(bytes, from: source, now: now)
            carryOut(directives, from: index)
        case .pushPullRequest(let initiator, let index, let bytes):
            guard nodes[index].status == .running, nodes[index].group == nodes[initiator].group else { return }
            let answer = nodes[index].instance.onPushPullRequest(
                bytes, now: now)
            carryOut(answer.directives, from: index)
            if let reply = answer.reply {
                nodes[index].sent.pushPullBytes += reply.count
                let source = nodes[index].instance.localEndpoint
                queue.schedule(.pushPullResponse(to: initiator, from: source, bytes: reply), at: time + drawLatency())
            }
        case .pushPullResponse(let index, let source, let bytes):
            guard nodes[index].status == .running else { return }
            if let peer = indexByEndpoint[source], nodes[peer].group != nodes[index].group { return }
            let directives = nodes[index].instance.onPushPullResponse(bytes, from: source, now: now)
            carryOut(directives, from: index)
        }
    }

    /// Carries out a member's directives: packets onto the simulated network, push-pulls, wake-ups.
    mutating func carryOut(_ directives: [SWIMDirective], from index: Int) {
        let nowNanos = now.nanoseconds
        for directive in directives {
            switch directive {
            case .send(let bytes, let destination):
                recordSend(bytes, from: index)
                guard let target = indexByEndpoint[destination] else { continue }
                if nodes[target].group != nodes[index].group {
                    packetsLost += 1
                    continue
                }
                if network.lossRate > 0 && random.nextUnitInterval() < network.lossRate {
                    packetsLost += 1
                    continue
                }
                let source = nodes[index].instance.localEndpoint
                queue.schedule(.deliver(to: target, from: source, bytes: bytes), at: nowNanos + drawLatency())
            case .startPushPull(let destination, let isJoin):
                nodes[index].sent.pushPulls += 1
                guard let target = indexByEndpoint[destination], target != index else { continue }
                let bytes = nodes[index].instance.pushPullRequest(join: isJoin)
                nodes[index].sent.pushPullBytes += bytes.count
                queue.schedule(.pushPullRequest(from: index, to: target, bytes: bytes), at: nowNanos + drawLatency())
            case .event(let event):
                if recordsEvents {
                    events.append(RecordedEvent(time: now, observer: index, event: event))
                }
            case .leaveFinished:
                nodes[index].status = .stopped
            case .wakeUp(let at):
                scheduleWake(index, at: at)
            }
        }
    }

    private mutating func recordSend(_ bytes: [UInt8], from index: Int) {
        largestPacket = max(largestPacket, bytes.count)
        if bytes.count > settings.packetBudget { oversizedPackets += 1 }
        nodes[index].sent.packets += 1
        nodes[index].sent.bytes += bytes.count
        var header = ByteReader(bytes, from: 1)
        nodes[index].sent.messages += Int((try? header.readVarint("message count")) ?? 0)
    }

    private mutating func scheduleWake(_ index: Int, at time: Duration) {
        let nanos = max(time.nanoseconds, now.nanoseconds)
        if let scheduled = nodes[index].scheduledWake, scheduled <= nanos { return }
        nodes[index].scheduledWake = nanos
        queue.schedule(.wake(node: index), at: nanos)
    }

    private mutating func drawLatency() -> Int64 {
        let low = network.latency.lowerBound.nanoseconds
        let high = network.latency.upperBound.nanoseconds
        guard high > low else { return low }
        return low + Int64(random.next() % UInt64(high - low + 1))
    }
}

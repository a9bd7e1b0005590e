/// The SWIM + Lifeguard membership protocol as a pure value: no I/O, no clock, no global randomness.
///
/// Every input is a `mutating func on…(…, now:) -> [SWIMDirective]`; time is always passed in (any
/// monotonic origin) and randomness comes from the seeded generator given at creation, so the same
/// inputs reproduce the same outputs. The last directive of every input is `.wakeUp(at:)`: the shell
/// calls `onTick(now:)` at that time (or earlier; extra ticks are harmless).
///
/// Shell contract (the shell owns the only copy, e.g. inside one actor or a `Mutex`):
/// - create: `try SWIMInstance(settings:name:endpoint:metadata:seed:now:)`, then `onJoin(seeds:now:)`.
/// - UDP datagram in (after decryption) → `onDatagram(_:from:now:)`; `.send(bytes:to:)` out (seal and send).
/// - `.wakeUp(at:)` → sleep until then and call `onTick(now:)`.
/// - `.startPushPull(with:join:)` → TCP: send `pushPullRequest(join:)`, read the answer, feed it to
///   `onPushPullResponse(_:from:now:)`. An inbound TCP push-pull → `onPushPullRequest(_:now:)`,
///   write back its `reply` (close the connection if it is nil).
/// - `onMetadataChange(_:now:)` to publish new metadata; `onLeave(now:)` then stop on `.leaveFinished`.
/// - `.event` → publish `snapshot(now:)` for hot-path readers and notify subscribers.
///
/// Beyond memberlist, two small additions make short suspicion timeouts safe on lossy networks:
/// a member that receives an accusation older than what it knows answers the sender with the newer
/// alive (see `onPacket`), and a suspecting member re-pings the suspect, carrying the suspicion, at
/// 30, 55 and 80 % of the timeout (see `Suspicion.recheckFractions`).
public struct SWIMInstance: Sendable {
    public let settings: SWIMSettings
    public let localName: String
    public let localEndpoint: Endpoint
    /// The local member's incarnation; only this member increases it.
    public internal(set) var incarnation: UInt64 = 0
    public internal(set) var metadata: [UInt8]
    public internal(set) var localHealth: LocalHealth
    public internal(set) var droppedPackets = DroppedPacketCounts()

    var random: SplitMix64
    /// Every other known member, including dead and left ones until `deadMemberRetention` passes.
    var members: [String: Member] = [:]
    /// Names of `members` in probe order; reshuffled every round.
    var probeOrder: [String] = []
    var probeIndex = 0
    /// Other members currently alive or suspect.
    var liveCount = 0
    var suspicions: [String: Suspicion] = [:]
    var broadcasts = BroadcastQueue()
    var sequence: UInt32
    var probe: ProbeInFlight?
    /// Probes we run for others (ping-req), keyed by our own ping's sequence number.
    var relays: [UInt32: Relay] = [:]
    var nextProbeAt: Duration
    var nextGossipAt: Duration
    var nextPushPullAt: Duration
    var seeds: [Endpoint] = []
    var join: JoinAttempt?
    var leave: LeaveProgress = .none
    /// While a packet is processed: newer alive messages for members the sender holds stale
    /// suspicions or deaths about; they go straight back to the sender (see `onPacket`).
    var corrections: [SWIMMessage]?

    struct ProbeInFlight: Sendable {
        let target: String
        let targetEndpoint: Endpoint
        let sequence: UInt32
        let directDeadline: Duration
        let endDeadline: Duration
        var indirectSent = false
        var helpers = 0
        var nacks = 0
    }

    struct Relay: Sendable {
        let requester: Endpoint
        let requesterSequence: UInt32
        let wantsNack: Bool
        let nackAt: Duration
        let expiresAt: Duration
        var nackSent = false
    }

    struct JoinAttempt: Sendable {
        var retryAt: Duration
        var backoff: Duration
    }

    enum LeaveProgress: Sendable {
        case none
        case leaving(until: Duration)
        case finished
    }

    /// Creates the local member. `seed` drives every random choice (probe order, helpers, gossip peers).
    public init(
        settings: SWIMSettings = SWIMSettings(),
        name: String,
        endpoint: Endpoint,
        metadata: [UInt8] = [],
        seed: UInt64,
        now: Duration
    ) throws(SWIMError) {
        try self.init(
            settings: settings,
            name: name,
            endpoint: endpoint,
            metadata: metadata,
            random: SplitMix64(seed: seed),
            now: now
        )
    }

    /// Creates the local member with a given generator (e.g. seeded from the process's entropy by the shell).
    public init(
        settings: SWIMSettings = SWIMSettings(),
        name: String,
        endpoint: Endpoint,
        metadata: [UInt8] = [],
        random: SplitMix64,
        now: Duration
    ) throws(SWIMError) {
        do {
            try settings.validate()
        } catch {
            throw SWIMError(message: "invalid gossip settings: \(error.message)")
        }
        guard !name.isEmpty, name.utf8.count <= WireFormat.maxNameLength else {
            throw SWIMError(message: "member name must be 1…\(WireFormat.maxNameLength) bytes of UTF-8")
        }
        guard !endpoint.host.isEmpty, endpoint.host.utf8.count <= WireFormat.maxHostLength else {
            throw SWIMError(message: "gossip host must be 1…\(WireFormat.maxHostLength) bytes")
        }
        guard metadata.count <= settings.maxMetadataSize else {
            throw SWIMError(message: "metadata is \(metadata.count) bytes, the limit is \(settings.maxMetadataSize)")
        }
        self.settings = settings
        self.localName = name
        self.localEndpoint = endpoint
        self.metadata = metadata
        self.localHealth = LocalHealth(maximum: settings.maxLocalHealthMultiplier)
        var random = random
        self.sequence = UInt32(truncatingIfNeeded: random.next())
        // Random phases keep members that start together from probing and syncing in lockstep.
        self.nextProbeAt = now + settings.probeInterval.scaled(by: random.nextUnitInterval())
        self.nextGossipAt = now + settings.gossipInterval.scaled(by: random.nextUnitInterval())
        self.nextPushPullAt = now + settings.pushPullInterval.scaled(by: 0.5 + random.nextUnitInterval())
        self.random = random
    }

    /// Whether a graceful leave has started (the member still answers until it finishes).
    public var hasLeft: Bool {
        if case .none = leave { return false }
        return true
    }

    /// Live members including the local one: the N in every formula.
    public var clusterSize: Int { liveCount + 1 }

    /// The local member as other members should see it.
    public var localMember: Member {
        Member(
            name: localName,
            endpoint: localEndpoint,
            state: hasLeft ? .left : .alive,
            incarnation: incarnation,
            metadata: metadata,
            stateChangedAt: .zero
        )
    }

    /// What the local node knows about `name` (the local member included).
    public func member(named name: String) -> Member? {
        name == localName ? localMember : members[name]
    }

    /// An immutable copy of the membership for readers on other threads.
    public func snapshot(now: Duration) -> MembershipSnapshot {
        var all = Array(members.values)
        all.append(localMember)
        all.sort { $0.name < $1.name }
        return MembershipSnapshot(localName: localName, members: all, takenAt: now)
    }

    // MARK: - Inputs

    /// A UDP datagram (already decrypted) from `source`. Undecodable input is counted and ignored.
    public mutating func onDatagram(_ bytes: [UInt8], from source: Endpoint, now: Duration) -> [SWIMDirective] {
        let packet: SWIMPacket
        do {
            packet = try SWIMPacket(decoding: bytes, maxSize: max(settings.maxPacketSize, 65_507))
        } catch {
            droppedPackets.undecodable[error.code, default: 0] += 1
            var directives: [SWIMDirective] = []
            directives.append(.wakeUp(at: nextWakeUp(now: now)))
            return directives
        }
        return onPacket(packet, from: source, now: now)
    }

    /// A decoded packet from `source`.
    public mutating func onPacket(_ packet: SWIMPacket, from source: Endpoint, now: Duration) -> [SWIMDirective] {
        var directives: [SWIMDirective] = []
        alignGossipSchedule(now: now, firingDue: false)
        if case .finished = leave {
            droppedPackets.afterLeave += 1
        } else {
            corrections = []
            for message in packet.messages {
                handle(message, from: source, now: now, into: &directives)
            }
            // The sender gossips an accusation we already know to be refuted. Retransmission
            // limits mean a refutation can miss a member on a lossy network, and with short
            // suspicion timeouts that member would declare a live member dead; answering the
            // stale update directly closes that gap at the cost of one packet per stale sender.
            if let pending = corrections, !pending.isEmpty {
                send(Array(pending.prefix(8)), to: source, into: &directives)
            }
            corrections = nil
        }
        directives.append(.wakeUp(at: nextWakeUp(now: now)))
        return directives
    }

    /// Timers: probe deadlines, suspicion timeouts, gossip, push-pull, join retries, leave completion.
    public mutating func onTick(now: Duration) -> [SWIMDirective] {
        var directives: [SWIMDirective] = []
        alignGossipSchedule(now: now, firingDue: true)
        switch leave {
        case .finished:
            break
        case .leaving(let until):
            runRelays(now: now, into: &directives)
            runGossip(now: now, into: &directives)
            if now >= until {
                leave = .finished
                directives.append(.leaveFinished)
            }
        case .none:
            deferJudgement(now: now, into: &directives)
            runProbe(now: now, into: &directives)
            runRelays(now: now, into: &directives)
            runSuspicions(now: now, into: &directives)
            if probe == nil && now >= nextProbeAt {
                startProbe(now: now, into: &directives)
            }
            runGossip(now: now, into: &directives)
            runPushPull(now: now, into: &directives)
            runJoinRetry(now: now, into: &directives)
        }
        directives.append(.wakeUp(at: nextWakeUp(now: now)))
        return directives
    }

    /// Publishes new metadata: bumps the incarnation and gossips an alive message, as memberlist does.
    public mutating func onMetadataChange(_ newMetadata: [UInt8], now: Duration) throws(SWIMError) -> [SWIMDirective] {
        guard newMetadata.count <= settings.maxMetadataSize else {
            throw SWIMError(message: "metadata is \(newMetadata.count) bytes, the limit is \(settings.maxMetadataSize)")
        }
        var directives: [SWIMDirective] = []
        alignGossipSchedule(now: now, firingDue: false)
        metadata = newMetadata
        incarnation += 1
        broadcasts.enqueue(.alive(localAlive))
        directives.append(.event(MembershipEvent(kind: .metadataUpdated, member: localMember)))
        directives.append(.wakeUp(at: nextWakeUp(now: now)))
        return directives
    }

    /// Starts a graceful leave: gossips `left` about ourselves, stops probing and syncing, keeps
    /// answering pings for `leavePropagationTime`, then emits `.leaveFinished`.
    public mutating func onLeave(now: Duration) -> [SWIMDirective] {
        var directives: [SWIMDirective] = []
        if case .none = leave {
            leave = .leaving(until: now + settings.leavePropagationTime)
            probe = nil
            join = nil
            broadcasts.enqueue(.dead(SWIMMessage.Dead(name: localName, incarnation: incarnation, from: localName)))
            directives.append(.event(MembershipEvent(kind: .left, member: localMember)))
            nextGossipAt = now
            runGossip(now: now, into: &directives)
        }
        directives.append(.wakeUp(at: nextWakeUp(now: now)))
        return directives
    }

    var localAlive: SWIMMessage.Alive {
        SWIMMessage.Alive(name: localName, incarnation: incarnation, endpoint: localEndpoint, metadata: metadata)
    }

    var localSource: SWIMMessage.Source {
        SWIMMessage.Source(name: localName, endpoint: localEndpoint)
    }

    /// The earliest time any timer is due.
    func nextWakeUp(now: Duration) -> Duration {
        var earliest = now + settings.probeInterval * 60
        func consider(_ time: Duration) {
            if time < earliest { earliest = time }
        }
        switch leave {
        case .finished:
            return earliest
        case .leaving(let until):
            consider(until)
        case .none:
            consider(nextProbeAt)
            consider(nextPushPullAt)
            if let probe {
                consider(probe.indirectSent ? probe.endDeadline : probe.directDeadline)
            }
            if let join { consider(join.retryAt) }
            for suspicion in suspicions.values {
                consider(suspicion.deadline)
                if let due = suspicion.recheckDue { consider(due) }
            }
        }
        if !broadcasts.isEmpty { consider(nextGossipAt) }
        for relay in relays.values {
            consider(relay.wantsNack && !relay.nackSent ? relay.nackAt : relay.expiresAt)
        }
        return max(earliest, now)
    }

    mutating func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    /// Installs an already-converged membership without events or broadcasts (simulator warm start).
    mutating func installConvergedMembers(_ converged: [Member]) {
        for member in converged where member.name != localName && members[member.name] == nil {
            members[member.name] = member
            probeOrder.append(member.name)
            if member.state.isLive { liveCount += 1 }
        }
        probeOrder.shuffle(using: &random)
        probeIndex = 0
    }
}

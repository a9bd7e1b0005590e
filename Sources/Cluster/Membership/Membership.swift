public import NIOCore
public import NIOPosix
import Synchronization

/// A process's membership in the cluster: the SWIM core (`SWIMInstance`) running on the NIO gossip
/// transport, seen by the rest of the program as an immutable snapshot and a stream of events.
///
/// Every input to the core (a packet, a push-pull, a timer) takes one short lock, computes the
/// core's directives, and carries them out after the lock is released: no actor hop per packet and
/// no lock held across I/O. Readers on a hot path call `snapshot`, which copies an immutable value
/// under its own lock. The owner runs `run()` in a task (for example as a service in a
/// `ServiceGroup`) and ends it with `leave()` (graceful) or `shutdown()` (as if crashed).
public final class Membership: Sendable {
    /// The protocol state and what the shell keeps beside it.
    private struct State {
        var instance: SWIMInstance
        var nextWakeUp: Duration
    }

    /// A peer's socket address as last resolved; names are looked up again once `expires` passes.
    private struct ResolvedAddress {
        var address: SocketAddress
        var expires: ContinuousClock.Instant?
    }

    /// Directives to carry out once the state lock is released.
    private struct Work {
        var sends: [(bytes: [UInt8], to: Endpoint)] = []
        var pushPulls: [(endpoint: Endpoint, join: Bool)] = []
        var events: [MembershipEvent] = []
        var snapshot: MembershipSnapshot?
        var leaveFinished = false
    }

    /// A request to exchange full state with a peer, handed from the core to `run()`'s task group.
    private struct PushPullRequest: Sendable {
        var endpoint: Endpoint
        var join: Bool
    }

    /// The advertised name of this member.
    public let name: String
    /// Where peers reach this member's gossip sockets.
    public let advertisedEndpoint: Endpoint
    /// The sockets.
    public let transport: GossipTransport

    private let state: Mutex<State>
    /// Where to send UDP packets for each peer endpoint. Kept apart from `state`: a name is
    /// resolved with no lock held, and only the result is stored here.
    private let addresses = Mutex<[Endpoint: ResolvedAddress]>([:])
    private let resolver: HostResolver
    private let published: Mutex<MembershipSnapshot>
    private let subscribers = Mutex<[Int: AsyncStream<MembershipEvent>.Continuation]>([:])
    private let nextSubscriber = Atomic<Int>(0)
    private let leaveWaiters = Mutex<(finished: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    private let unresolvableSends = Atomic<Int>(0)
    private let pushPullRequests: AsyncStream<PushPullRequest>
    private let pushPullContinuation: AsyncStream<PushPullRequest>.Continuation
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// Binds the sockets and prepares the protocol; gossip starts with `run()`.
    public static func bind(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Membership {
        try configuration.settings.validate()
        let sealer = try PacketSealer(keyring: configuration.keyring, label: configuration.label)
        let transport = try await GossipTransport.bind(
            configuration: .init(
                bindAddress: configuration.bindAddress, advertiseAddress: configuration.advertiseAddress),
            sealer: sealer,
            eventLoopGroup: eventLoopGroup
        )
        var settings = configuration.settings
        settings.maxPacketSize = transport.configuration.maxPacketSize
        settings.packetOverhead = sealer.overhead
        let seed = configuration.randomSeed ?? UInt64.random(in: .min ... .max)
        do {
            return try Membership(configuration: configuration, settings: settings, transport: transport, seed: seed)
        } catch {
            await transport.close()
            throw error
        }
    }

    private init(configuration: Configuration, settings: SWIMSettings, transport: GossipTransport, seed: UInt64) throws
    {
        self.name = configuration.name
        self.transport = transport
        self.advertisedEndpoint = transport.advertisedAddress
        self.origin = clock.now
        let instance = try SWIMInstance(
            settings: settings,
            name: configuration.name,
            endpoint: transport.advertisedAddress,
            metadata: configuration.metadata,
            seed: seed,
            now: .zero
        )
        self.state = Mutex(State(instance: instance, nextWakeUp: .zero))
        self.published = Mutex(instance.snapshot(now: .zero))
        (pushPullRequests, pushPullContinuation) = AsyncStream.makeStream(of: PushPullRequest.self)
        self.initialSeeds = configuration.seeds
        self.resolver = configuration.resolver
    }

    /// How long a peer's resolved name is used for UDP sends before it is looked up again (IP
    /// literals never expire). Seeds are not cached at all: every join attempt resolves them.
    static let resolvedNameLifetime: Duration = .seconds(30)

    private let initialSeeds: [Endpoint]

    // MARK: - Reading

    /// The membership as last changed: immutable, cheap to read on a hot path.
    public var snapshot: MembershipSnapshot { published.withLock { $0 } }

    /// A new stream of membership events from now on (one per call; ends at shutdown).
    public func events() -> AsyncStream<MembershipEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: MembershipEvent.self, bufferingPolicy: .bufferingNewest(1024))
        let id = nextSubscriber.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Protocol-level drops (undecodable, unexpected, conflicting), sends to unresolvable hosts, and the
    /// transport's drops (foreign, undecryptable, oversized) are counted separately.
    public var droppedPackets: DroppedPacketCounts { state.withLock { $0.instance.droppedPackets } }

    /// The Lifeguard local health multiplier (0 = healthy).
    public var localHealth: Int { state.withLock { $0.instance.localHealth.score } }

    /// Our current incarnation number.
    public var incarnation: UInt64 { state.withLock { $0.instance.incarnation } }

    /// Sends and push-pulls that were skipped because the peer's host could not be resolved.
    public var unresolvableSendCount: Int { unresolvableSends.load(ordering: .relaxed) }

    // MARK: - Control

    /// Joins through more seeds (the configured ones are joined when `run()` starts).
    public func join(seeds: [Endpoint]) {
        input { instance, now in instance.onJoin(seeds: seeds, now: now) }
    }

    /// Publishes new metadata (bumps our incarnation and gossips it like a state change).
    public func updateMetadata(_ metadata: [UInt8]) throws(SWIMError) {
        var failure: SWIMError?
        input { instance, now in
            do throws(SWIMError) {
                return try instance.onMetadataChange(metadata, now: now)
            } catch {
                failure = error
                return []
            }
        }
        if let failure { throw failure }
    }

    /// Rotates gossip keys while running, without losing members: install the new key everywhere
    /// (a keyring with the old key first), then use it (the new key first), then remove the old one.
    /// Switching between plaintext and encrypted gossip is refused: it changes the packet budget the
    /// protocol was started with, so it takes a rolling restart.
    public func replaceKeyring(_ keyring: Keyring) throws(GossipSecurityError) {
        guard keyring.isEmpty == transport.sealer.keyring.isEmpty else {
            throw .modeChange(
                keyring.isEmpty
                    ? "cannot turn gossip encryption off while running; restart with the new keys"
                    : "cannot turn gossip encryption on while running; restart with the new keys"
            )
        }
        transport.replaceKeyring(keyring)
    }

    /// Leaves gracefully: gossips `left` for the core's propagation time, then shuts down.
    public func leave() async {
        input { instance, now in instance.onLeave(now: now) }
        await withCheckedContinuation { continuation in
            let done = leaveWaiters.withLock { waiters in
                if waiters.finished { return true }
                waiters.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
        await shutdown()
    }

    /// Stops at once, without telling anyone (peers will detect it as a failure): closes the
    /// sockets, ends the event streams, and lets `run()` return.
    public func shutdown() async {
        pushPullContinuation.finish()
        await transport.close()
        let continuations = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
        finishLeave()
    }

    // MARK: - Running

    /// Runs gossip until `shutdown()` or `leave()`: receives packets, serves and starts push-pulls, and
    /// fires the protocol's timers. Joins the configured seeds first.
    public func run() async throws {
        join(seeds: initialSeeds)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                for await packet in self.transport.packets {
                    guard let sender = Endpoint(packet.sender) else { continue }
                    self.input { instance, now in instance.onDatagram(packet.payload, from: sender, now: now) }
                }
            }
            group.addTask {
                try await self.transport.run { request in
                    var reply: [UInt8]?
                    self.input { instance, now in
                        let answer = instance.onPushPullRequest(request, now: now)
                        reply = answer.reply
                        return answer.directives
                    }
                    return reply
                }
            }
            group.addTask { await self.runTimers() }
            for await request in pushPullRequests {
                group.addTask { await self.pushPull(request) }
            }
            group.cancelAll()
        }
    }

    /// Fires the core's timers. The core names its next wake-up after every input; this loop sleeps
    /// towards it in slices of at most 20 ms, so an earlier wake-up set by a packet meanwhile is
    /// honoured within that slice without a second wake-up channel.
    private func runTimers() async {
        while !Task.isCancelled {
            let now = elapsed()
            let deadline = state.withLock { $0.nextWakeUp }
            if deadline <= now {
                input { instance, now in instance.onTick(now: now) }
                continue
            }
            let slice = min(deadline - now, .milliseconds(20))
            do {
                try await clock.sleep(for: slice)
            } catch {
                return
            }
        }
    }

    /// One push-pull the core asked for, with every address its endpoint resolves to right now
    /// except our own (a seed name, e.g. a Kubernetes headless service, resolves to every member
    /// including this one). The name is looked up afresh on every call, so a join retry or a
    /// rejoin through the seeds sees the current addresses, and on a thread-pool thread, so DNS
    /// never holds up an event loop or the state lock.
    private func pushPull(_ request: PushPullRequest) async {
        let resolver = resolver
        let endpoint = request.endpoint
        let resolved: [SocketAddress]
        if let literal = HostResolver.literalAddress(of: endpoint) {
            // An address needs no lookup, so no trip through the thread pool.
            resolved = [literal]
        } else {
            do {
                resolved = try await NIOThreadPool.singleton.runIfActive { try resolver.resolve(endpoint) }
            } catch {
                // No addresses yet (e.g. no pod is ready behind the service): the core retries a join
                // with back-off, and resolves again then.
                unresolvableSends.add(1, ordering: .relaxed)
                return
            }
        }
        let own = advertisedEndpoint
        let peers = resolved.filter { Endpoint($0) != own && $0 != transport.localAddress }
        guard !peers.isEmpty else { return }
        let payload = state.withLock { $0.instance.pushPullRequest(join: request.join) }
        await withDiscardingTaskGroup { group in
            for address in peers {
                group.addTask {
                    do {
                        let reply = try await self.transport.exchange(with: address, payload: payload)
                        self.input { instance, now in instance.onPushPullResponse(reply, from: endpoint, now: now) }
                    } catch {
                        // A seed or peer that is down: the core retries joins with back-off and picks
                        // other partners for periodic push-pulls; the transport counts the failure.
                    }
                }
            }
        }
    }

    // MARK: - Carrying out directives

    /// Feeds one input to the core under the lock, then carries out its directives outside it.
    private func input(_ body: (inout SWIMInstance, Duration) -> [SWIMDirective]) {
        let now = elapsed()
        let work = state.withLock { state -> Work in
            let directives = body(&state.instance, now)
            return Self.plan(directives, state: &state, now: now)
        }
        perform(work)
    }

    private static func plan(_ directives: [SWIMDirective], state: inout State, now: Duration) -> Work {
        var work = Work()
        for directive in directives {
            switch directive {
            case .send(let bytes, let endpoint):
                work.sends.append((bytes, endpoint))
            case .startPushPull(let endpoint, let join):
                work.pushPulls.append((endpoint, join))
            case .event(let event):
                work.events.append(event)
            case .leaveFinished:
                work.leaveFinished = true
            case .wakeUp(let at):
                state.nextWakeUp = at
            }
        }
        if !work.events.isEmpty {
            work.snapshot = state.instance.snapshot(now: now)
        }
        return work
    }

    /// The UDP address of a peer: cached; a name not yet (or no longer) cached is resolved here,
    /// with no lock held (it blocks on DNS, at most once per `resolvedNameLifetime` per name).
    private func address(of endpoint: Endpoint) -> SocketAddress? {
        let now = clock.now
        if let known = addresses.withLock({ $0[endpoint] }), known.expires.map({ now < $0 }) ?? true {
            return known.address
        }
        guard let address = try? resolver.resolve(endpoint).first else { return nil }
        let expires = HostResolver.literalAddress(of: endpoint) == nil ? now + Self.resolvedNameLifetime : nil
        addresses.withLock { cache in
            if cache.count > 4096 { cache.removeAll(keepingCapacity: true) }
            cache[endpoint] = ResolvedAddress(address: address, expires: expires)
        }
        return address
    }

    private func perform(_ work: Work) {
        for (bytes, endpoint) in work.sends {
            guard let address = address(of: endpoint) else {
                unresolvableSends.add(1, ordering: .relaxed)
                continue
            }
            // Fire and forget: a failed send is a lost packet, which SWIM is built to tolerate; the
            // transport counts it.
            try? transport.send(bytes, to: address)
        }
        for (endpoint, join) in work.pushPulls {
            pushPullContinuation.yield(PushPullRequest(endpoint: endpoint, join: join))
        }
        if let snapshot = work.snapshot {
            published.withLock { $0 = snapshot }
            let continuations = subscribers.withLock { Array($0.values) }
            for event in work.events {
                for continuation in continuations { continuation.yield(event) }
            }
        }
        if work.leaveFinished { finishLeave() }
    }

    private func finishLeave() {
        let waiters = leaveWaiters.withLock { state in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func elapsed() -> Duration { clock.now - origin }
}

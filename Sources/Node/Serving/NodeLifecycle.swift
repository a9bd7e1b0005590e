import Cluster
import Gateway
import Logging
import Model
import Synchronization

/// Owns a replica's life cycle — ready, draining, and the way out (a stop, or a restart that ends
/// in a new process image) — and answers the admin endpoints (`AdminControl`).
///
/// Control plane only: the embeddings path never calls it; it reads `NodeReadiness` (atomics) that
/// this actor flips. While the node is draining it republishes its load in gossip every
/// `drainingLoadInterval` so peers watch `in_flight` fall to 0; while ready, at most every
/// `readyLoadInterval` (the figure is informational, gateways route on their own counts). The load
/// carries the embedding cache's lookups and hits since the previous publication, so the status
/// page shows a hit rate over the last few seconds rather than over the node's life.
actor NodeLifecycle: AdminControl {
    /// Why the node stops serving.
    enum StopReason: Sendable, Hashable {
        /// SIGTERM/SIGINT: drain, then exit.
        case shutdown
        /// `POST /admin/restart`: drain, then re-execute the binary.
        case restart
    }

    let membership: Membership
    let readiness: NodeReadiness
    let metadata: MemberMetadata
    let batchers: [DynamicBatcher]
    /// The cache the node's embedders share, or nil when the node runs without one.
    let cache: EmbeddingCache?
    let drainTimeout: Duration
    let logger: Logger

    /// Gateways need a moment to hear `draining` before the node stops taking requests.
    static let minimumDrainTime: Duration = .seconds(1)
    /// How often the load summary in gossip may change while the node is ready.
    static let readyLoadInterval: Duration = .seconds(5)
    /// How often it may change while the node drains (peers wait for `in_flight` to reach 0).
    static let drainingLoadInterval: Duration = .milliseconds(250)

    private let clock = ContinuousClock()
    private var state: AdminState = .ready
    private var started = false
    /// Set before leaving gossip: a metadata update after that would gossip us alive again.
    private var leaving = false
    private var drainStartedAt: ContinuousClock.Instant?
    private var lastLoad: MemberMetadata.Load?
    private var lastLoadAt: ContinuousClock.Instant?
    private var cacheWindow = CacheCounterWindow()
    private nonisolated let stopRequests: AsyncStream<StopReason>
    private nonisolated let stopContinuation: AsyncStream<StopReason>.Continuation
    private nonisolated let shutdownRequested = Atomic<Bool>(false)

    init(
        membership: Membership,
        readiness: NodeReadiness,
        metadata: MemberMetadata,
        batchers: [DynamicBatcher],
        cache: EmbeddingCache? = nil,
        drainTimeout: Duration,
        logger: Logger
    ) {
        self.membership = membership
        self.readiness = readiness
        self.metadata = metadata
        self.batchers = batchers
        self.cache = cache
        self.drainTimeout = drainTimeout
        self.logger = logger
        (stopRequests, stopContinuation) = AsyncStream.makeStream(of: StopReason.self, bufferingPolicy: .unbounded)
    }

    /// What the admin endpoints report now.
    var currentState: AdminState { state }

    /// Whether a SIGTERM/SIGINT arrived (it wins over a restart in progress: the node exits).
    nonisolated var isShutdownRequested: Bool { shutdownRequested.load(ordering: .acquiring) }

    /// Marks the node ready and says so in gossip, unless a drain already arrived meanwhile.
    func start() {
        guard !started else { return }
        started = true
        guard state == .ready else { return }
        readiness.set(.ready)
        publish(.ready)
    }

    /// A graceful shutdown signal: callable from any thread, at any time, more than once.
    nonisolated func requestShutdown() {
        shutdownRequested.store(true, ordering: .releasing)
        stopContinuation.yield(.shutdown)
    }

    /// Waits for the first reason to stop: a shutdown signal or an admin restart.
    nonisolated func nextStopRequest() async -> StopReason {
        for await reason in stopRequests { return reason }
        return .shutdown
    }

    func perform(_ action: AdminAction) throws(APIError) -> AdminState {
        switch action {
        case .drain:
            if state == .ready {
                state = .draining
                beginDrain()
            }
        case .resume:
            switch state {
            case .ready, .draining:
                if state == .draining {
                    logger.info("resuming", metadata: ["in_flight": "\(readiness.embeddingsInFlight)"])
                }
                state = .ready
                drainStartedAt = nil
                readiness.set(.ready)
                publish(.ready)
            case .restarting, .stopping:
                throw APIError.conflict("This node is \(state.rawValue) and cannot resume; wait until it is back.")
            }
        case .restart:
            switch state {
            case .ready, .draining:
                state = .restarting
                beginDrain()
                stopContinuation.yield(.restart)
            case .restarting:
                break
            case .stopping:
                throw APIError.conflict("This node is stopping and cannot restart.")
            }
        }
        return state
    }

    /// Drains and stops serving: waits (at least `minimumDrainTime` since the drain began, at most
    /// `drainTimeout`) for in-flight embeddings, shuts `server` down gracefully (two-phase GOAWAY)
    /// and waits for `serverClosed`, leaves gossip (which closes its sockets), and stops the
    /// batchers. Returns the gossip addresses of the members that were live, for a restart to
    /// rejoin through. (The server is a parameter because it is built after this actor: its
    /// responder calls this actor for admin actions.)
    func stop(
        for reason: StopReason, server: HTTPServer, serverClosed: @Sendable () async -> Void
    ) async -> [Endpoint] {
        state = reason == .shutdown ? .stopping : .restarting
        beginDrain()
        let drainStarted = drainStartedAt ?? clock.now
        while clock.now - drainStarted < drainTimeout {
            if clock.now - drainStarted >= Self.minimumDrainTime && readiness.embeddingsInFlight == 0 { break }
            try? await clock.sleep(for: .milliseconds(20))
        }
        logger.info(
            "closing the HTTP server",
            metadata: ["reason": "\(reason)", "in_flight": "\(readiness.embeddingsInFlight)"])
        server.shutdown()
        await serverClosed()
        leaving = true
        let peers = membership.snapshot.liveMembers.filter { $0.name != membership.name }.map(\.endpoint)
        await membership.leave()
        for batcher in batchers { batcher.shutdown() }
        logger.info("drained", metadata: ["after": "\(clock.now - drainStarted)"])
        return peers
    }

    /// Republishes the load summary when it changed and its interval passed; the service calls this
    /// every `drainingLoadInterval`.
    func publishLoadIfDue() {
        guard started else { return }
        let load = currentLoad(cacheStats: cache?.stats)
        guard load != lastLoad else { return }
        let interval = state == .ready ? Self.readyLoadInterval : Self.drainingLoadInterval
        if let lastLoadAt, clock.now - lastLoadAt < interval { return }
        publish(state == .ready ? .ready : .draining)
    }

    private func beginDrain() {
        guard drainStartedAt == nil else { return }
        drainStartedAt = clock.now
        logger.info(
            "draining", metadata: ["state": "\(state.rawValue)", "in_flight": "\(readiness.embeddingsInFlight)"])
        readiness.set(.draining)
        publish(.draining)
    }

    private func publish(_ servingState: MemberMetadata.ServingState) {
        guard !leaving else { return }
        var updated = metadata
        updated.servingState = servingState
        // One read of the cache's counters both fills the load and starts the next window, so no
        // lookup falls between two windows.
        let cacheStats = cache?.stats
        let load = currentLoad(cacheStats: cacheStats)
        updated.load = load
        do {
            try membership.updateMetadata(try updated.encoded())
            lastLoad = load
            lastLoadAt = clock.now
            if let cacheStats { cacheWindow.advance(hits: cacheStats.hits, misses: cacheStats.misses) }
        } catch {
            logger.error("cannot publish metadata", metadata: ["error": "\(error)"])
        }
    }

    private func currentLoad(cacheStats: EmbeddingCache.Stats?) -> MemberMetadata.Load {
        let queued = batchers.reduce(0) { $0 + $1.stats.queuedTexts }
        let counters =
            cacheStats.map { cacheWindow.counters(hits: $0.hits, misses: $0.misses) } ?? (lookups: 0, hits: 0)
        return MemberMetadata.Load(
            inFlight: readiness.embeddingsInFlight, queueDepth: queued,
            cacheLookups: counters.lookups, cacheHits: counters.hits)
    }
}

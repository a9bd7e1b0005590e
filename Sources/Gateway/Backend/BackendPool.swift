public import NIOCore
import NIOHTTP2
import NIOPosix
import Synchronization

/// A small pool of prior-knowledge h2c connections to one backend node, multiplexing many concurrent
/// requests per connection.
///
/// Decisions are made by a pure ``BackendPoolStateMachine`` under a `Mutex`; the I/O it asks for
/// (connect, open a stream, close, resume a waiter) happens after the lock is released. A request
/// takes the lock once to lease a stream; the stream's close is counted atomically and folded in
/// later, and takes the lock only when someone is waiting for that stream (or a draining connection
/// waits for its last one). No actor is involved.
///
/// The pool honours the peer's SETTINGS_MAX_CONCURRENT_STREAMS (requests beyond it wait in a bounded
/// queue, or open another connection up to ``Configuration/maximumConnections``) and GOAWAY (the
/// connection takes no new streams, streams above the last-stream-id fail as not processed, the rest
/// complete, and the next request opens a replacement). Failed connects back off exponentially with
/// jitter; while backing off with no connection, requests fail at once as not processed so the router
/// can go elsewhere.
public final class BackendPool: Sendable {
    typealias Waiter = CheckedContinuation<Result<BackendConnection, BackendError>, Never>
    typealias Machine = BackendPoolStateMachine<BackendConnection, Waiter>

    /// Counts for metrics and tests.
    public struct Counters: Hashable, Sendable {
        /// Established connections (taking streams or draining).
        public var openConnections: Int
        /// Connections being opened.
        public var connectingConnections: Int
        /// Streams in flight.
        public var activeStreams: Int
        /// Requests waiting for a free stream.
        public var queuedRequests: Int
        /// Connection attempts started since the pool was made.
        public var connectAttempts: Int
        /// Connection attempts that failed since the pool was made.
        public var connectFailures: Int
    }

    private struct LockedState {
        var machine: Machine
        /// Channels of connections that are connected but not yet ready, to close on shutdown.
        var connectingChannels: [BackendConnectionID: any Channel] = [:]
        var waiterTimer: Scheduled<Void>?
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Work decided under the lock and carried out after it is released.
    private struct Effects {
        var resumes: [(Waiter, Result<BackendConnection, BackendError>)] = []
        var connect: [BackendConnectionID] = []
        var close: [any Channel] = []
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The backend's HTTP address.
    public let address: SocketAddress
    /// Sent as `:authority`.
    public let authority: String
    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let state: Mutex<LockedState>
    /// Published after every locked decision: whether a stream close must take the lock at once.
    private let streamClosesNeedLock = Atomic<Bool>(false)
    private let waiterIDs = Atomic<UInt64>(0)

    /// - Parameters:
    ///   - address: the node's HTTP address (prior-knowledge h2c).
    ///   - authority: the `:authority` to send; by default the address as `host:port`.
    ///   - random: the source of back-off jitter (inject a seeded generator for reproducible runs).
    public init(
        address: SocketAddress,
        authority: String? = nil,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup,
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.address = address
        self.authority = authority ?? Self.authority(of: address)
        self.configuration = configuration
        self.group = eventLoopGroup
        self.state = Mutex(LockedState(machine: Machine(configuration: configuration, random: random)))
    }

    /// Sends one request and returns the complete response.
    ///
    /// Throws a ``BackendError`` whose classification says whether the backend may have processed
    /// the request. Cancelling the calling task fails the request with ``BackendError/Code/cancelled``
    /// and resets its stream (RST_STREAM CANCEL).
    public func send(_ request: BackendRequest) async throws(BackendError) -> BackendResponse {
        let connection = try await acquireStream(deadline: request.deadline)
        return try await execute(request, on: connection)
    }

    /// Current counts, taken under the lock.
    public var counters: Counters {
        transact { locked, _, _ in
            let counts = locked.machine.counts
            return Counters(
                openConnections: counts.ready + counts.draining,
                connectingConnections: counts.connecting,
                activeStreams: counts.activeStreams,
                queuedRequests: counts.queued,
                connectAttempts: counts.connectsStarted,
                connectFailures: counts.connectFailures
            )
        }
    }

    /// Stops taking requests and returns when every connection is closed: queued requests fail with
    /// ``BackendError/Code/shutdown``, requests in flight finish (each within its own deadline).
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            transact { locked, _, effects in
                if locked.machine.isShutDown {
                    effects.shutdownWaiters.append(continuation)
                } else {
                    locked.shutdownWaiters.append(continuation)
                    apply(locked.machine.shutdown(), to: &locked, effects: &effects)
                }
            }
        }
    }

    // MARK: Leasing

    private func acquireStream(deadline: NIODeadline) async throws(BackendError) -> BackendConnection {
        if Task.isCancelled { throw Self.cancelledWhileWaiting }
        let attempt = transact { locked, now, effects -> Machine.LeaseAttempt in
            if deadline <= now { return .failed(Self.expiredBeforeSending) }
            let attempt = locked.machine.tryLease(now: now)
            if case .leased(_, let connect?) = attempt { effects.connect.append(connect) }
            return attempt
        }
        switch attempt {
        case .leased(let connection, _):
            return connection
        case .failed(let error):
            throw error
        case .mustWait:
            return try await waitForStream(deadline: deadline).get()
        }
    }

    private func waitForStream(deadline: NIODeadline) async -> Result<BackendConnection, BackendError> {
        let id = waiterIDs.wrappingAdd(1, ordering: .relaxed).newValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Waiter) in
                transact { locked, now, effects in
                    // A cancellation that came before this point found nothing to remove: honour it here.
                    if Task.isCancelled {
                        effects.resumes.append((continuation, .failure(Self.cancelledWhileWaiting)))
                        return
                    }
                    switch locked.machine.enqueue(continuation, id: id, deadline: deadline, now: now) {
                    case .leased(let connection, let connect):
                        effects.resumes.append((continuation, .success(connection)))
                        if let connect { effects.connect.append(connect) }
                    case .failed(let error):
                        effects.resumes.append((continuation, .failure(error)))
                    case .queued(let connect, let armTimer):
                        if let connect { effects.connect.append(connect) }
                        if let armTimer { arm(timerAt: armTimer, in: &locked) }
                    }
                }
            }
        } onCancel: {
            transact { locked, _, effects in
                if let waiter = locked.machine.cancelWaiter(id) {
                    effects.resumes.append((waiter, .failure(Self.cancelledWhileWaiting)))
                }
            }
        }
    }

    private func arm(timerAt deadline: NIODeadline, in locked: inout LockedState) {
        locked.waiterTimer?.cancel()
        locked.waiterTimer = group.any().scheduleTask(deadline: deadline) { [self] in
            transact { locked, now, effects in
                locked.waiterTimer = nil
                apply(locked.machine.expireWaiters(now: now), to: &locked, effects: &effects)
            }
        }
    }

    // MARK: Streams

    private func execute(_ request: BackendRequest, on connection: BackendConnection) async throws(BackendError)
        -> BackendResponse
    {
        let eventLoop = connection.channel.eventLoop
        let promise = eventLoop.makePromise(of: BackendResponse.self)
        let result: Result<BackendResponse, any Error> = await withTaskCancellationHandler {
            eventLoop.execute { [self] in openStream(request, on: connection, promise: promise) }
            do {
                return .success(try await promise.futureResult.get())
            } catch {
                return .failure(error)
            }
        } onCancel: {
            promise.fail(
                BackendError(
                    code: .cancelled, classification: .maybeProcessed, message: "the caller cancelled the request")
            )
        }
        switch result {
        case .success(let response):
            return response
        case .failure(let error as BackendError):
            throw error
        case .failure(let error):
            throw BackendError(code: .connectionClosed, classification: .maybeProcessed, message: "\(error)")
        }
    }

    /// Runs on the connection's event loop.
    private func openStream(
        _ request: BackendRequest,
        on connection: BackendConnection,
        promise: EventLoopPromise<BackendResponse>
    ) {
        let streamPromise = connection.channel.eventLoop.makePromise(of: (any Channel).self)
        let frames = connection.frames
        let authority = authority
        let maximumResponseBytes = configuration.maximumResponseBytes
        connection.multiplexer.createStreamChannel(promise: streamPromise) { stream in
            stream.eventLoop.makeCompletedFuture {
                let handler = BackendStreamHandler(
                    request: request,
                    authority: authority,
                    promise: promise,
                    connection: frames.value,
                    maximumResponseBytes: maximumResponseBytes
                )
                try stream.pipeline.syncOperations.addHandler(handler)
            }
        }
        streamPromise.futureResult.whenComplete { [self] result in
            switch result {
            case .success(let stream):
                stream.closeFuture.whenComplete { [self] _ in streamClosed(on: connection) }
            case .failure(let error):
                promise.fail(
                    BackendError(
                        code: .connectionClosed,
                        classification: .notProcessed,
                        message: "could not open a stream: \(error)"
                    )
                )
                streamClosed(on: connection)
            }
        }
    }

    /// Counts a closed stream without the lock unless the state machine asked to hear at once.
    ///
    /// Why no close is lost: a locked decision that starts wanting close events stores `true` and then
    /// folds the counters again (both sequentially consistent), while this increments the counter and
    /// then loads the flag. Either the load sees `true`, or the increment came before the store and
    /// the second fold sees it.
    private func streamClosed(on connection: BackendConnection) {
        connection.closedStreams.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if streamClosesNeedLock.load(ordering: .sequentiallyConsistent) {
            transact { _, _, _ in }
        }
    }

    // MARK: Connections

    private func connect(_ id: BackendConnectionID) {
        let settingsTimeout = configuration.connectTimeout
        let window = configuration.streamWindowBytes
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .enablePush, value: 0),
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
            HTTP2Setting(parameter: .initialWindowSize, value: window),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 16),
        ]
        connection.targetWindowSize = min(Int(Int32.max), window * 16)
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = window
        let connectionConfiguration = connection
        let streamConfiguration = stream
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    // One write per event-loop tick for all the streams sent in it (see FlushCoalescer).
                    try sync.addHandler(FlushCoalescer())
                    let multiplexer = try sync.configureHTTP2Pipeline(
                        mode: .client,
                        connectionConfiguration: connectionConfiguration,
                        streamConfiguration: streamConfiguration
                    ) { pushed in
                        // Push is disabled in our SETTINGS; a peer that pushes anyway gets the stream refused.
                        pushed.close()
                    }
                    try sync.addHandler(
                        BackendConnectionHandler(
                            id: id,
                            pool: self,
                            multiplexer: multiplexer,
                            settingsTimeout: settingsTimeout
                        )
                    )
                }
            }
        bootstrap.connect(to: address).whenComplete { [self] result in
            switch result {
            case .success(let channel):
                // The close future, not channelInactive: a channel closed before it was ever active
                // (abandoned at shutdown) gets no channelInactive past the HTTP/2 handler.
                channel.closeFuture.whenComplete { [self] _ in connectionClosed(id) }
                transact { locked, _, effects in
                    if locked.machine.isShuttingDown {
                        effects.close.append(channel)
                    } else if !channel.isActive {
                        // Closed already: the close future's report removes it.
                    } else {
                        locked.connectingChannels[id] = channel
                    }
                }
            case .failure(let error):
                connectFailed(id, reason: "\(error)")
            }
        }
    }

    func connectionReady(_ connection: BackendConnection, maxStreams: Int) {
        transact { locked, now, effects in
            locked.connectingChannels[connection.id] = nil
            let actions = locked.machine.connectionReady(
                connection.id,
                handle: connection,
                maxStreams: maxStreams,
                now: now
            )
            apply(actions, to: &locked, effects: &effects)
        }
    }

    func maxStreamsChanged(_ id: BackendConnectionID, to maxStreams: Int) {
        transact { locked, now, effects in
            apply(locked.machine.maxStreamsChanged(id, to: maxStreams, now: now), to: &locked, effects: &effects)
        }
    }

    func goAwayReceived(_ id: BackendConnectionID) {
        transact { locked, now, effects in
            apply(locked.machine.goAwayReceived(id, now: now), to: &locked, effects: &effects)
        }
    }

    func connectFailed(_ id: BackendConnectionID, reason: String) {
        transact { locked, now, effects in
            locked.connectingChannels[id] = nil
            apply(locked.machine.connectFailed(id, reason: reason, now: now), to: &locked, effects: &effects)
        }
    }

    func connectionClosed(_ id: BackendConnectionID) {
        transact { locked, now, effects in
            locked.connectingChannels[id] = nil
            apply(locked.machine.connectionClosed(id, now: now), to: &locked, effects: &effects)
        }
    }

    // MARK: Locking

    /// Runs `body` under the lock with stream closes folded in, publishes whether closes must take the
    /// lock, and carries out the resulting effects after unlocking.
    @discardableResult
    private func transact<Outcome: Sendable>(_ body: (inout LockedState, NIODeadline, inout Effects) -> Outcome)
        -> Outcome
    {
        let now = NIODeadline.now()
        var effects = Effects()
        let result = state.withLock { locked in
            fold(&locked, now: now, effects: &effects)
            let result = body(&locked, now, &effects)
            while true {
                let wanted = locked.machine.wantsStreamCloseEvents
                streamClosesNeedLock.store(wanted, ordering: .sequentiallyConsistent)
                guard wanted, fold(&locked, now: now, effects: &effects) else { break }
            }
            return result
        }
        run(effects)
        return result
    }

    /// Feeds counted stream closes to the state machine; true if there were any.
    @discardableResult
    private func fold(_ locked: inout LockedState, now: NIODeadline, effects: inout Effects) -> Bool {
        var folded = false
        var index = 0
        while index < locked.machine.connections.count {
            let connection = locked.machine.connections[index]
            index += 1
            guard let handle = connection.handle else { continue }
            let count = handle.closedStreams.exchange(0, ordering: .sequentiallyConsistent)
            guard count > 0 else { continue }
            folded = true
            apply(locked.machine.streamsClosed(connection.id, count: count, now: now), to: &locked, effects: &effects)
        }
        return folded
    }

    private func apply(_ actions: Machine.Actions, to locked: inout LockedState, effects: inout Effects) {
        for (waiter, connection) in actions.leases { effects.resumes.append((waiter, .success(connection))) }
        for (waiter, error) in actions.failures { effects.resumes.append((waiter, .failure(error))) }
        effects.connect += actions.connect
        for connection in actions.close { effects.close.append(connection.channel) }
        for id in actions.abandon {
            if let channel = locked.connectingChannels.removeValue(forKey: id) { effects.close.append(channel) }
        }
        if let deadline = actions.armTimer { arm(timerAt: deadline, in: &locked) }
        if actions.shutdownComplete {
            locked.waiterTimer?.cancel()
            locked.waiterTimer = nil
            effects.shutdownWaiters += locked.shutdownWaiters
            locked.shutdownWaiters = []
        }
    }

    private func run(_ effects: Effects) {
        for (waiter, result) in effects.resumes { waiter.resume(returning: result) }
        for id in effects.connect { connect(id) }
        for channel in effects.close { channel.close(mode: .all, promise: nil) }
        for waiter in effects.shutdownWaiters { waiter.resume() }
    }

    // MARK: Constants

    private static let cancelledWhileWaiting = BackendError(
        code: .cancelled,
        classification: .notProcessed,
        message: "the caller cancelled the request before it was sent"
    )

    private static let expiredBeforeSending = BackendError(
        code: .timedOut,
        classification: .notProcessed,
        message: "the deadline passed before the request could be sent"
    )

    private static func authority(of address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "localhost" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

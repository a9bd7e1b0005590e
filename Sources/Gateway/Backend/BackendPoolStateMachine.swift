import DequeModule
import NIOCore

/// Identifies one connection of a pool, in the order the pool opened them.
struct BackendConnectionID: Hashable, Sendable, CustomStringConvertible {
    let value: Int

    var description: String { "connection \(value)" }
}

/// Identifies one request waiting in a pool's queue.
typealias BackendWaiterID = UInt64

/// The decisions of a ``BackendPool``: which connection carries the next stream, when to open,
/// retire or close a connection, who waits and who fails. Pure: no I/O, no clock and no locks of its
/// own (the pool holds it in a `Mutex` and carries the returned actions out after unlocking); time
/// comes in as arguments and randomness from the injected generator.
///
/// `Handle` is what a ready connection is used through (the pool's connection object; a plain value
/// in tests) and `Waiter` is what a queued request is resumed through.
struct BackendPoolStateMachine<Handle, Waiter> {
    /// Lifecycle of one connection.
    enum ConnectionState {
        /// TCP connect and the wait for the peer's first SETTINGS.
        case connecting
        /// Takes new streams up to `maxStreams`.
        case ready(handle: Handle, maxStreams: Int)
        /// Takes no new streams (GOAWAY received, lifetime used up, or pool shutting down); closed
        /// once its last stream ends.
        case draining(handle: Handle)
    }

    struct Connection {
        let id: BackendConnectionID
        var state: ConnectionState
        var activeStreams = 0
        var streamsOpened = 0

        /// The handle of an established (ready or draining) connection.
        var handle: Handle? {
            switch state {
            case .connecting: nil
            case .ready(let handle, _), .draining(let handle): handle
            }
        }
    }

    /// The outcome of trying to take a stream without waiting.
    enum LeaseAttempt {
        /// Use this connection (its stream count already includes the request); open `connect` too.
        case leased(Handle, connect: BackendConnectionID?)
        case failed(BackendError)
        /// No free stream now: the caller has to queue.
        case mustWait
    }

    /// The outcome of queueing a request.
    enum EnqueueResult {
        case leased(Handle, connect: BackendConnectionID?)
        case failed(BackendError)
        /// Queued; open `connect` if given and arm the deadline timer for `armTimer` if given.
        case queued(connect: BackendConnectionID?, armTimer: NIODeadline?)
    }

    /// What the pool must carry out after an event.
    struct Actions {
        var leases: [(Waiter, Handle)] = []
        var failures: [(Waiter, BackendError)] = []
        var connect: [BackendConnectionID] = []
        var close: [Handle] = []
        /// Connections still connecting that must be abandoned (pool shutting down).
        var abandon: [BackendConnectionID] = []
        var armTimer: NIODeadline?
        /// The pool has shut down and holds no connection any more.
        var shutdownComplete = false

        mutating func append(_ other: Actions) {
            leases += other.leases
            failures += other.failures
            connect += other.connect
            close += other.close
            abandon += other.abandon
            if let deadline = other.armTimer { armTimer = armTimer.map { min($0, deadline) } ?? deadline }
            shutdownComplete = shutdownComplete || other.shutdownComplete
        }
    }

    /// Counts for metrics and tests.
    struct Counts: Hashable, Sendable {
        var connecting = 0
        var ready = 0
        var draining = 0
        var activeStreams = 0
        var queued = 0
        var connectsStarted = 0
        var connectFailures = 0
    }

    private struct QueuedRequest {
        let id: BackendWaiterID
        let deadline: NIODeadline
        let waiter: Waiter
    }

    let configuration: BackendPool.Configuration
    private(set) var connections: [Connection] = []
    private var queue: Deque<QueuedRequest> = []
    private var nextConnectionID = 0
    private var consecutiveFailures = 0
    private var backoffUntil: NIODeadline?
    private var lastConnectError: String?
    private var armedTimer: NIODeadline?
    private var random: any RandomNumberGenerator & Sendable
    private var connectsStarted = 0
    private var connectFailures = 0
    private(set) var isShuttingDown = false

    init(configuration: BackendPool.Configuration, random: any RandomNumberGenerator & Sendable) {
        self.configuration = configuration
        self.random = random
    }

    // MARK: Requests

    /// Takes a stream on a ready connection if one has room; never queues.
    mutating func tryLease(now: NIODeadline) -> LeaseAttempt {
        if let failure = unavailability(now: now) { return .failed(failure) }
        guard let index = indexWithRoom() else { return .mustWait }
        let wasBusy = connections[index].activeStreams > 0
        let handle = lease(at: index)
        return .leased(handle, connect: wasBusy ? startConnectionIfUseful(now: now) : nil)
    }

    /// Takes a stream if one is free, else queues `waiter` as `id` until `deadline`. Ids are the
    /// caller's (so that a cancellation handler knows the id before the request is queued) and unique.
    mutating func enqueue(_ waiter: Waiter, id: BackendWaiterID, deadline: NIODeadline, now: NIODeadline)
        -> EnqueueResult
    {
        switch tryLease(now: now) {
        case .leased(let handle, let connect):
            return .leased(handle, connect: connect)
        case .failed(let error):
            return .failed(error)
        case .mustWait:
            break
        }
        guard queue.count < configuration.maximumQueuedRequests else {
            return .failed(
                BackendError(
                    code: .poolExhausted,
                    classification: .notProcessed,
                    message: "all \(streamCapacity) streams are busy and \(queue.count) requests already wait"
                )
            )
        }
        queue.append(QueuedRequest(id: id, deadline: deadline, waiter: waiter))
        let connect = startConnectionIfUseful(now: now)
        var armTimer: NIODeadline?
        if armedTimer.map({ deadline < $0 }) ?? true {
            armedTimer = deadline
            armTimer = deadline
        }
        return .queued(connect: connect, armTimer: armTimer)
    }

    /// Removes a queued request whose caller was cancelled; nil when it is no longer queued.
    mutating func cancelWaiter(_ id: BackendWaiterID) -> Waiter? {
        guard let index = queue.firstIndex(where: { $0.id == id }) else { return nil }
        return queue.remove(at: index).waiter
    }

    /// Fails queued requests whose deadline has passed and says when to look again.
    mutating func expireWaiters(now: NIODeadline) -> Actions {
        var actions = Actions()
        armedTimer = nil
        var kept: Deque<QueuedRequest> = []
        for request in queue {
            if request.deadline <= now {
                let error = BackendError(
                    code: .timedOut,
                    classification: .notProcessed,
                    message: "the deadline passed while waiting for a free stream; the request was never sent"
                )
                actions.failures.append((request.waiter, error))
            } else {
                kept.append(request)
                if armedTimer.map({ request.deadline < $0 }) ?? true { armedTimer = request.deadline }
            }
        }
        queue = kept
        actions.armTimer = armedTimer
        return actions
    }

    // MARK: Connection events

    /// The connection is up and the peer's SETTINGS allow `maxStreams` concurrent streams.
    mutating func connectionReady(_ id: BackendConnectionID, handle: Handle, maxStreams: Int, now: NIODeadline)
        -> Actions
    {
        var actions = Actions()
        guard let index = index(of: id) else {
            // Given up on already (abandoned at shutdown): nothing will use it.
            actions.close.append(handle)
            return actions
        }
        guard case .connecting = connections[index].state else { return actions }
        consecutiveFailures = 0
        backoffUntil = nil
        lastConnectError = nil
        if isShuttingDown {
            connections[index].state = .draining(handle: handle)
            actions.close.append(handle)
            return actions
        }
        connections[index].state = .ready(handle: handle, maxStreams: clampStreams(maxStreams))
        dispatch(into: &actions, now: now)
        return actions
    }

    /// The peer changed SETTINGS_MAX_CONCURRENT_STREAMS.
    mutating func maxStreamsChanged(_ id: BackendConnectionID, to maxStreams: Int, now: NIODeadline) -> Actions {
        var actions = Actions()
        guard let index = index(of: id), case .ready(let handle, _) = connections[index].state else { return actions }
        connections[index].state = .ready(handle: handle, maxStreams: clampStreams(maxStreams))
        dispatch(into: &actions, now: now)
        return actions
    }

    /// `count` streams of the connection have closed.
    mutating func streamsClosed(_ id: BackendConnectionID, count: Int, now: NIODeadline) -> Actions {
        var actions = Actions()
        guard count > 0, let index = index(of: id) else { return actions }
        connections[index].activeStreams = max(0, connections[index].activeStreams - count)
        closeIfIdleAndDraining(at: index, into: &actions)
        dispatch(into: &actions, now: now)
        return actions
    }

    /// The peer sent GOAWAY: no new streams on this connection; the open ones finish.
    mutating func goAwayReceived(_ id: BackendConnectionID, now: NIODeadline) -> Actions {
        var actions = Actions()
        guard let index = index(of: id) else { return actions }
        switch connections[index].state {
        case .ready(let handle, _):
            connections[index].state = .draining(handle: handle)
            closeIfIdleAndDraining(at: index, into: &actions)
        case .connecting, .draining:
            break
        }
        dispatch(into: &actions, now: now)
        return actions
    }

    /// Connecting failed (refused, timed out, closed before SETTINGS).
    mutating func connectFailed(_ id: BackendConnectionID, reason: String, now: NIODeadline) -> Actions {
        var actions = Actions()
        guard let index = index(of: id) else { return actions }
        connections.remove(at: index)
        consecutiveFailures += 1
        connectFailures += 1
        lastConnectError = reason
        let delay = configuration.backoff.delay(afterFailures: consecutiveFailures, using: &random)
        backoffUntil = now + delay
        if !hasUsableConnection {
            let error = connectError(reason: reason, now: now)
            while let request = queue.popFirst() { actions.failures.append((request.waiter, error)) }
        }
        finishShutdownIfDone(into: &actions)
        return actions
    }

    /// A connection that had been ready closed (the peer closed it, it failed, or the pool closed it).
    mutating func connectionClosed(_ id: BackendConnectionID, now: NIODeadline) -> Actions {
        guard let index = index(of: id) else { return Actions() }
        if case .connecting = connections[index].state {
            return connectFailed(id, reason: "the backend closed the connection before its HTTP/2 SETTINGS", now: now)
        }
        var actions = Actions()
        connections.remove(at: index)
        dispatch(into: &actions, now: now)
        finishShutdownIfDone(into: &actions)
        return actions
    }

    // MARK: Shutdown

    /// Stops taking requests: queued ones fail, idle connections close, busy ones close when their
    /// streams end, connections still connecting are abandoned.
    mutating func shutdown() -> Actions {
        var actions = Actions()
        guard !isShuttingDown else { return actions }
        isShuttingDown = true
        let error = BackendError(
            code: .shutdown,
            classification: .notProcessed,
            message: "the backend pool is shutting down"
        )
        while let request = queue.popFirst() { actions.failures.append((request.waiter, error)) }
        for index in connections.indices {
            switch connections[index].state {
            case .connecting:
                actions.abandon.append(connections[index].id)
            case .ready(let handle, _):
                connections[index].state = .draining(handle: handle)
                closeIfIdleAndDraining(at: index, into: &actions)
            case .draining:
                break
            }
        }
        finishShutdownIfDone(into: &actions)
        return actions
    }

    // MARK: Observing

    /// Whether stream closes must be reported under the lock at once: someone waits for a stream, or a
    /// draining connection must close when its last stream ends. Otherwise they can be counted and
    /// folded in on the next lease.
    var wantsStreamCloseEvents: Bool {
        if !queue.isEmpty { return true }
        return connections.contains { connection in
            if case .draining = connection.state { return connection.activeStreams > 0 }
            return false
        }
    }

    /// True once shutdown was asked for and every connection is gone.
    var isShutDown: Bool { isShuttingDown && connections.isEmpty }

    var counts: Counts {
        var counts = Counts()
        for connection in connections {
            switch connection.state {
            case .connecting: counts.connecting += 1
            case .ready: counts.ready += 1
            case .draining: counts.draining += 1
            }
            counts.activeStreams += connection.activeStreams
        }
        counts.queued = queue.count
        counts.connectsStarted = connectsStarted
        counts.connectFailures = connectFailures
        return counts
    }

    // MARK: Private

    private func index(of id: BackendConnectionID) -> Int? {
        connections.firstIndex { $0.id == id }
    }

    private var anyConnecting: Bool {
        connections.contains { if case .connecting = $0.state { true } else { false } }
    }

    /// Connecting or ready: the connections that count against the pool size.
    private var usableCount: Int {
        connections.count { if case .draining = $0.state { false } else { true } }
    }

    private var hasUsableConnection: Bool { usableCount > 0 }

    private var streamCapacity: Int {
        connections.reduce(0) { sum, connection in
            if case .ready(_, let maxStreams) = connection.state { return sum + maxStreams }
            return sum
        }
    }

    private func clampStreams(_ peerLimit: Int) -> Int {
        max(0, min(peerLimit, configuration.maximumStreamsPerConnection))
    }

    /// Why a request cannot be served at all right now, if it cannot.
    private func unavailability(now: NIODeadline) -> BackendError? {
        if isShuttingDown {
            return BackendError(
                code: .shutdown, classification: .notProcessed, message: "the backend pool is shut down")
        }
        if !hasUsableConnection, let until = backoffUntil, now < until {
            return connectError(reason: lastConnectError ?? "connecting failed", now: now)
        }
        return nil
    }

    private func connectError(reason: String, now: NIODeadline) -> BackendError {
        var message = "cannot connect to the backend (\(consecutiveFailures) failed attempts): \(reason)"
        if let until = backoffUntil, now < until {
            message += "; next attempt in \((until - now).nanoseconds / 1_000_000) ms"
        }
        return BackendError(code: .connectFailed, classification: .notProcessed, message: message)
    }

    /// The ready connection with the fewest streams that still has room.
    private func indexWithRoom() -> Int? {
        var best: Int?
        for index in connections.indices {
            guard case .ready(_, let maxStreams) = connections[index].state,
                connections[index].activeStreams < maxStreams
            else { continue }
            if let current = best, connections[current].activeStreams <= connections[index].activeStreams { continue }
            best = index
        }
        return best
    }

    private mutating func lease(at index: Int) -> Handle {
        connections[index].activeStreams += 1
        connections[index].streamsOpened += 1
        switch connections[index].state {
        case .ready(let handle, _):
            if connections[index].streamsOpened >= configuration.maximumStreamsPerConnectionLifetime {
                connections[index].state = .draining(handle: handle)
            }
            return handle
        case .draining(let handle):
            return handle
        case .connecting:
            preconditionFailure("indexWithRoom only returns ready connections")
        }
    }

    /// Opens another connection when there is demand, room in the pool and no back-off in force.
    private mutating func startConnectionIfUseful(now: NIODeadline) -> BackendConnectionID? {
        guard !isShuttingDown, usableCount < configuration.maximumConnections, !anyConnecting else {
            return nil
        }
        if let until = backoffUntil, now < until { return nil }
        nextConnectionID += 1
        connectsStarted += 1
        let id = BackendConnectionID(value: nextConnectionID)
        connections.append(Connection(id: id, state: .connecting))
        return id
    }

    /// Hands free streams to queued requests in arrival order, then opens a connection if some still wait.
    private mutating func dispatch(into actions: inout Actions, now: NIODeadline) {
        while !queue.isEmpty, let index = indexWithRoom() {
            let request = queue.removeFirst()
            actions.leases.append((request.waiter, lease(at: index)))
        }
        if !queue.isEmpty {
            if let id = startConnectionIfUseful(now: now) {
                actions.connect.append(id)
            } else if !hasUsableConnection, !isShuttingDown {
                let error = connectError(reason: lastConnectError ?? "no connection to the backend", now: now)
                while let request = queue.popFirst() { actions.failures.append((request.waiter, error)) }
            }
        }
    }

    private mutating func closeIfIdleAndDraining(at index: Int, into actions: inout Actions) {
        guard case .draining(let handle) = connections[index].state, connections[index].activeStreams == 0 else {
            return
        }
        actions.close.append(handle)
    }

    private func finishShutdownIfDone(into actions: inout Actions) {
        if isShuttingDown && connections.isEmpty { actions.shutdownComplete = true }
    }
}

extension BackendPoolStateMachine.LeaseAttempt: Sendable where Handle: Sendable {}

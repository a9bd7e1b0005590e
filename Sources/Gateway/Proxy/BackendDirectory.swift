public import Cluster
public import NIOCore
import NIOHTTP1
import Synchronization

/// The gateway's view of its backends: the health table (gossip state, active checks, passive
/// ejection, slow start), one HTTP/2 connection pool per backend node, and the live in-flight
/// counters the router reads.
///
/// Control-plane changes (membership events, check results, request outcomes) take one short lock
/// and publish a fresh copy of the table; a request reads that copy and the atomic counters, never
/// waiting on the control plane and never holding a lock across I/O.
public final class BackendDirectory: Sendable {
    private struct State {
        var table: HealthTable
        /// Pools by backend name, with the HTTP address they connect to.
        var pools: [String: (address: String, pool: BackendPool)] = [:]
    }

    /// Settings for the pools and the checks.
    public struct Configuration: Sendable {
        public var policy: HealthPolicy
        public var capacity: Int
        public var pool: BackendPool.Configuration
        public var checkTimeout: Duration

        public init(
            policy: HealthPolicy = HealthPolicy(),
            capacity: Int = 1024,
            pool: BackendPool.Configuration = BackendPool.Configuration(),
            checkTimeout: Duration = .seconds(1)
        ) {
            self.policy = policy
            self.capacity = capacity
            self.pool = pool
            self.checkTimeout = checkTimeout
        }
    }

    public let configuration: Configuration
    /// Requests in flight per backend index, and retries in flight.
    public let counters: OutstandingCounters

    private let state: Mutex<State>
    private let published: Mutex<HealthTable>
    private let eventLoopGroup: any EventLoopGroup
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    /// Wall-clock time for event stamps, seconds since the Unix epoch.
    private let wallClock: @Sendable () -> Double
    private let eventLog = Mutex(ClusterEventLog())
    /// Ring shares as of the rings they were estimated from: re-estimated only when those change.
    private let shares = Mutex<(rings: [String: ModelRing], byMember: [String: [String: Double]])>(([:], [:]))

    public init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup,
        wallClock: @escaping @Sendable () -> Double = UnixTime.now
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.wallClock = wallClock
        self.counters = OutstandingCounters(capacity: configuration.capacity)
        let table = HealthTable(policy: configuration.policy, capacity: configuration.capacity)
        self.state = Mutex(State(table: table))
        self.published = Mutex(table)
        self.origin = clock.now
    }

    /// Time since the directory started: the clock the health table runs on.
    public func now() -> Duration { clock.now - origin }

    /// The health table as of the last change (a copy: cheap, immutable for the caller).
    public var table: HealthTable { published.withLock { $0 } }

    /// Recent membership and serving-state changes, newest first (at most 100).
    public var recentEvents: [ClusterEvent] { eventLog.withLock { $0.events } }

    /// Each backend's estimated share of each of its models' rings: `[member: [model: share]]`.
    public var ringShares: [String: [String: Double]] { shares.withLock { $0.byMember } }

    /// The pool for a backend, if it is known.
    public func pool(named name: String) -> BackendPool? {
        state.withLock { $0.pools[name]?.pool }
    }

    /// Takes in a new membership snapshot: new backends get a pool, gone ones (or ones whose HTTP
    /// address changed) have theirs shut down. A member declared dead keeps its pool while its
    /// checks still pass (`BackendHealth.isWatched`): it may be falsely accused, and panic routing
    /// may still need it.
    public func sync(with snapshot: MembershipSnapshot) async {
        let now = now()
        // Under the lock: update the table, retire pools whose backend is gone or moved, and list the
        // addresses that need a pool. Resolving them (DNS for names) happens after it is released.
        let (retired, missing) = state.withLock { state -> ([BackendPool], [String: String]) in
            state.table.sync(with: snapshot, now: now)
            var retired: [BackendPool] = []
            var wanted: [String: String] = [:]
            for backend in state.table.backends.compactMap({ $0 }) where backend.isWatched {
                wanted[backend.name] = backend.descriptor.httpAddress
            }
            for (name, entry) in state.pools where wanted[name] != entry.address {
                retired.append(entry.pool)
                state.pools[name] = nil
            }
            publish(state.table)
            return (retired, wanted.filter { state.pools[$0.key] == nil })
        }
        updateRingShares()
        var created: [String: (address: String, pool: BackendPool)] = [:]
        for (name, address) in missing {
            guard let socketAddress = try? Endpoint(parsing: address).resolve() else { continue }
            created[name] = (
                address,
                BackendPool(address: socketAddress, configuration: configuration.pool, eventLoopGroup: eventLoopGroup)
            )
        }
        let unused = state.withLock { state -> [BackendPool] in
            var unused: [BackendPool] = []
            for (name, entry) in created {
                // Another sync may have raced us here: keep the first pool for an address.
                if state.pools[name] == nil {
                    state.pools[name] = entry
                } else {
                    unused.append(entry.pool)
                }
            }
            return unused
        }
        for pool in retired + unused { await pool.shutdown() }
    }

    /// Records how a request to backend `index` went (nil failure = success); passive ejection.
    /// An outcome that changes nothing (a success without a failure streak before it: nearly every
    /// request) neither writes the table nor publishes a copy of it.
    public func recordOutcome(_ index: Int, failure: BackendFailure?) {
        let now = now()
        state.withLock { state in
            guard state.table.outcomeChangesState(index, failure: failure) else { return }
            _ = state.table.recordOutcome(index, failure: failure, now: now)
            publish(state.table)
        }
    }

    /// Follows membership: an initial sync, then one per event, until the stream ends; every event
    /// also goes into the recent-events log.
    public func follow(_ membership: Membership) async {
        let events = membership.events()
        let initial = membership.snapshot
        eventLog.withLock { $0.observe(snapshot: initial, at: wallClock()) }
        await sync(with: initial)
        for await event in events {
            eventLog.withLock { $0.observe(event, at: wallClock()) }
            await sync(with: membership.snapshot)
        }
    }

    /// Re-estimates ring shares when the table's rings differ from the ones last estimated.
    private func updateRingShares() {
        let rings = table.rings
        guard shares.withLock({ $0.rings != rings }) else { return }
        // Estimated outside the lock (a few milliseconds at most); a racing sync publishes its own.
        let byMember = RingShares.estimate(rings: rings)
        shares.withLock { shares in
            if table.rings == rings { shares = (rings, byMember) }
        }
    }

    /// Runs active health checks (`GET /ready` on each backend, HAProxy's rise/fall) until cancelled.
    public func runHealthChecks() async {
        while !Task.isCancelled {
            let now = now()
            let (due, next) = state.withLock { state in
                (state.table.checksDue(at: now), state.table.nextCheckTime)
            }
            if !due.isEmpty {
                await withTaskGroup(of: Void.self) { group in
                    for index in due {
                        group.addTask { await self.check(index) }
                    }
                }
                continue
            }
            let wait = next.map { max(.milliseconds(5), min($0 - now, .milliseconds(250))) } ?? .milliseconds(250)
            do {
                try await clock.sleep(for: wait)
            } catch {
                return
            }
        }
    }

    private func check(_ index: Int) async {
        let name = table[index]?.name
        var succeeded = false
        if let name, let pool = pool(named: name) {
            let request = BackendRequest(
                method: .GET,
                path: "/ready",
                deadline: .now() + TimeAmount(configuration.checkTimeout)
            )
            if let response = try? await pool.send(request) {
                succeeded = response.status == .ok
            }
        }
        let now = now()
        state.withLock { state in
            // The backend may have been replaced while the check ran: only record for the same name.
            guard state.table[index]?.name == name else { return }
            _ = state.table.recordCheck(index, succeeded: succeeded, now: now)
            publish(state.table)
        }
    }

    /// Shuts every pool down.
    public func shutdown() async {
        let pools = state.withLock { state in
            defer { state.pools.removeAll() }
            return state.pools.values.map(\.pool)
        }
        for pool in pools { await pool.shutdown() }
    }

    private func publish(_ table: HealthTable) {
        published.withLock { $0 = table }
    }
}

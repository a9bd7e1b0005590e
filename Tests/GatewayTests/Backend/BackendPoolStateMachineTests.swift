import NIOCore
import Testing

@testable import Gateway

/// The pool's decisions without sockets: handles are names, waiters are numbers, time is explicit.
@Suite struct BackendPoolStateMachineTests {
    typealias Machine = BackendPoolStateMachine<String, Int>

    private static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private static let far = start + .seconds(60)

    private static func machine(_ configure: (inout BackendPool.Configuration) -> Void = { _ in }) -> Machine {
        var configuration = BackendPool.Configuration()
        configuration.backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 0)
        configure(&configuration)
        return Machine(configuration: configuration, random: SeededRandom(seed: 7))
    }

    /// Queues waiter `waiter` and returns the connection it asked to open, failing the test otherwise.
    private static func queue(_ machine: inout Machine, _ waiter: Int, now: NIODeadline = start) -> BackendConnectionID?
    {
        switch machine.enqueue(waiter, id: UInt64(waiter), deadline: far, now: now) {
        case .queued(let connect, _): return connect
        case .leased, .failed:
            Issue.record("waiter \(waiter) was not queued")
            return nil
        }
    }

    @Test func firstRequestOpensAConnectionAndWaitsForItsSettings() throws {
        var machine = Self.machine()
        guard case .mustWait = machine.tryLease(now: Self.start) else {
            Issue.record("an empty pool cannot lease")
            return
        }
        let id = try #require(Self.queue(&machine, 1))
        #expect(machine.counts.connecting == 1)
        let actions = machine.connectionReady(id, handle: "A", maxStreams: 10, now: Self.start)
        #expect(actions.leases.map(\.0) == [1])
        #expect(actions.leases.map(\.1) == ["A"])
        #expect(machine.counts.activeStreams == 1)
        #expect(machine.counts.ready == 1)
    }

    @Test func aSecondConnectionOpensOnlyWhenTheFirstCarriesStreams() throws {
        var machine = Self.machine()
        let first = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(first, handle: "A", maxStreams: 10, now: Self.start)
        _ = machine.streamsClosed(first, count: 1, now: Self.start)
        // Idle connection: a lone request uses it and opens nothing.
        guard case .leased("A", connect: nil) = machine.tryLease(now: Self.start) else {
            Issue.record("an idle ready connection should be leased without growing the pool")
            return
        }
        // Busy connection: the next request still uses it but the pool grows to spread load.
        guard case .leased("A", connect: .some(let second)) = machine.tryLease(now: Self.start) else {
            Issue.record("a busy connection should trigger a second one")
            return
        }
        _ = machine.connectionReady(second, handle: "B", maxStreams: 10, now: Self.start)
        // The least busy connection takes the next stream; the pool is at its size of 2.
        guard case .leased("B", connect: nil) = machine.tryLease(now: Self.start) else {
            Issue.record("the idle second connection should take the next stream")
            return
        }
        #expect(machine.counts.ready == 2)
        #expect(machine.counts.activeStreams == 3)
    }

    @Test func peerStreamLimitQueuesRequestsInOrder() throws {
        var machine = Self.machine { $0.maximumConnections = 1 }
        let id = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(id, handle: "A", maxStreams: 2, now: Self.start)
        guard case .leased = machine.tryLease(now: Self.start) else {
            Issue.record("the second stream fits the limit")
            return
        }
        guard case .mustWait = machine.tryLease(now: Self.start) else {
            Issue.record("a third stream is over the peer's limit of 2")
            return
        }
        #expect(Self.queue(&machine, 2) == nil)
        #expect(Self.queue(&machine, 3) == nil)
        #expect(machine.counts.queued == 2)
        #expect(machine.wantsStreamCloseEvents)
        let actions = machine.streamsClosed(id, count: 1, now: Self.start)
        #expect(actions.leases.map(\.0) == [2])
        let more = machine.streamsClosed(id, count: 2, now: Self.start)
        #expect(more.leases.map(\.0) == [3])
        #expect(machine.counts.activeStreams == 1)
        #expect(!machine.wantsStreamCloseEvents)
    }

    @Test func lowerLimitFromLaterSettingsIsHonoured() throws {
        var machine = Self.machine { $0.maximumConnections = 1 }
        let id = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(id, handle: "A", maxStreams: 10, now: Self.start)
        _ = machine.maxStreamsChanged(id, to: 1, now: Self.start)
        guard case .mustWait = machine.tryLease(now: Self.start) else {
            Issue.record("the lowered limit of 1 is already used")
            return
        }
        #expect(Self.queue(&machine, 2) == nil)
        let actions = machine.maxStreamsChanged(id, to: 5, now: Self.start)
        #expect(actions.leases.map(\.0) == [2])
    }

    @Test func configuredStreamCapAppliesWhenThePeerSetsNoLimit() throws {
        var machine = Self.machine {
            $0.maximumConnections = 1
            $0.maximumStreamsPerConnection = 3
        }
        let id = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(id, handle: "A", maxStreams: Int.max, now: Self.start)
        for _ in 0..<2 {
            guard case .leased = machine.tryLease(now: Self.start) else {
                Issue.record("streams 2 and 3 fit the cap")
                return
            }
        }
        guard case .mustWait = machine.tryLease(now: Self.start) else {
            Issue.record("stream 4 is over the configured cap")
            return
        }
    }

    @Test func fullQueueFailsAsPoolExhaustedAndNotProcessed() throws {
        var machine = Self.machine {
            $0.maximumConnections = 1
            $0.maximumQueuedRequests = 2
        }
        let id = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(id, handle: "A", maxStreams: 1, now: Self.start)
        _ = Self.queue(&machine, 2)
        _ = Self.queue(&machine, 3)
        guard case .failed(let error) = machine.enqueue(4, id: 4, deadline: Self.far, now: Self.start) else {
            Issue.record("the third waiter is over the queue bound")
            return
        }
        #expect(error.code == .poolExhausted)
        #expect(error.classification == .notProcessed)
    }

    @Test func goAwayDrainsTheConnectionAndTheNextRequestOpensAReplacement() throws {
        var machine = Self.machine { $0.maximumConnections = 1 }
        let first = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(first, handle: "A", maxStreams: 10, now: Self.start)
        let goAway = machine.goAwayReceived(first, now: Self.start)
        #expect(goAway.close.isEmpty, "a connection with a stream in flight stays open to finish it")
        #expect(machine.counts.draining == 1)
        guard case .mustWait = machine.tryLease(now: Self.start) else {
            Issue.record("a draining connection takes no new stream")
            return
        }
        let replacement = try #require(Self.queue(&machine, 2))
        #expect(replacement != first)
        let closed = machine.streamsClosed(first, count: 1, now: Self.start)
        #expect(closed.close == ["A"])
        let ready = machine.connectionReady(replacement, handle: "B", maxStreams: 10, now: Self.start)
        #expect(ready.leases.map(\.1) == ["B"])
        _ = machine.connectionClosed(first, now: Self.start)
        #expect(machine.counts.draining == 0)
    }

    @Test func connectionIsRetiredAfterItsStreamLifetime() throws {
        var machine = Self.machine {
            $0.maximumConnections = 1
            $0.maximumStreamsPerConnectionLifetime = 2
        }
        let id = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(id, handle: "A", maxStreams: 10, now: Self.start)
        guard case .leased("A", _) = machine.tryLease(now: Self.start) else {
            Issue.record("the second stream is within the lifetime")
            return
        }
        #expect(machine.counts.draining == 1)
        guard case .mustWait = machine.tryLease(now: Self.start) else {
            Issue.record("a retired connection takes no new stream")
            return
        }
        let actions = machine.streamsClosed(id, count: 2, now: Self.start)
        #expect(actions.close == ["A"])
    }

    @Test func failedConnectFailsWaitersAndBacksOffExponentially() throws {
        var machine = Self.machine()
        let first = try #require(Self.queue(&machine, 1))
        _ = Self.queue(&machine, 2)
        let failed = machine.connectFailed(first, reason: "connection refused", now: Self.start)
        #expect(failed.failures.map(\.0) == [1, 2])
        #expect(failed.failures.allSatisfy { $0.1.code == .connectFailed && $0.1.classification == .notProcessed })

        // During the first back-off (100 ms without jitter) requests fail at once.
        guard case .failed(let error) = machine.tryLease(now: Self.start + .milliseconds(99)) else {
            Issue.record("requests fail fast while backing off")
            return
        }
        #expect(error.code == .connectFailed)
        #expect(error.message.contains("connection refused"))

        // After it, a request tries again; a second failure doubles the wait.
        let afterFirst = Self.start + .milliseconds(100)
        let second = try #require(Self.queue(&machine, 3, now: afterFirst))
        _ = machine.connectFailed(second, reason: "connection refused", now: afterFirst)
        guard case .failed = machine.tryLease(now: afterFirst + .milliseconds(199)) else {
            Issue.record("the second back-off lasts 200 ms")
            return
        }
        let afterSecond = afterFirst + .milliseconds(200)
        let third = try #require(Self.queue(&machine, 4, now: afterSecond))
        let ready = machine.connectionReady(third, handle: "A", maxStreams: 10, now: afterSecond)
        #expect(ready.leases.map(\.0) == [4])
        #expect(machine.counts.connectFailures == 2)

        // Success resets the back-off: the next failure waits the initial 100 ms again.
        _ = machine.connectionClosed(third, now: afterSecond)
        let fourth = try #require(Self.queue(&machine, 5, now: afterSecond))
        _ = machine.connectFailed(fourth, reason: "connection refused", now: afterSecond)
        guard case .mustWait = machine.tryLease(now: afterSecond + .milliseconds(100)) else {
            Issue.record("after a success the back-off starts over")
            return
        }
    }

    @Test func failedSecondConnectKeepsWaitersForTheFirst() throws {
        var machine = Self.machine()
        let first = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(first, handle: "A", maxStreams: 1, now: Self.start)
        let second = try #require(Self.queue(&machine, 2))
        let failed = machine.connectFailed(second, reason: "connection refused", now: Self.start)
        #expect(failed.failures.isEmpty)
        let freed = machine.streamsClosed(first, count: 1, now: Self.start)
        #expect(freed.leases.map(\.0) == [2])
    }

    @Test func closeBeforeSettingsCountsAsAFailedConnect() throws {
        var machine = Self.machine()
        let id = try #require(Self.queue(&machine, 1))
        let actions = machine.connectionClosed(id, now: Self.start)
        #expect(actions.failures.map(\.1.code) == [.connectFailed])
        #expect(machine.counts.connectFailures == 1)
    }

    @Test func waitersExpireAtTheirDeadlineAsNotProcessed() throws {
        var machine = Self.machine { $0.maximumConnections = 1 }
        let id = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(id, handle: "A", maxStreams: 1, now: Self.start)
        let soon = Self.start + .milliseconds(10)
        let later = Self.start + .milliseconds(20)
        guard case .queued(_, armTimer: soon) = machine.enqueue(2, id: 2, deadline: soon, now: Self.start) else {
            Issue.record("the first deadline arms the timer")
            return
        }
        guard case .queued(_, armTimer: nil) = machine.enqueue(3, id: 3, deadline: later, now: Self.start) else {
            Issue.record("a later deadline needs no earlier timer")
            return
        }
        let expired = machine.expireWaiters(now: soon)
        #expect(expired.failures.map(\.0) == [2])
        #expect(expired.failures.first?.1.code == .timedOut)
        #expect(expired.failures.first?.1.classification == .notProcessed)
        #expect(expired.armTimer == later)
        #expect(machine.counts.queued == 1)
    }

    @Test func cancelledWaiterLeavesTheQueue() throws {
        var machine = Self.machine { $0.maximumConnections = 1 }
        _ = Self.queue(&machine, 1)
        _ = Self.queue(&machine, 2)
        #expect(machine.cancelWaiter(1) == 1)
        #expect(machine.cancelWaiter(1) == nil)
        #expect(machine.counts.queued == 1)
    }

    @Test func shutdownFailsWaitersAbandonsConnectsAndDrainsBusyConnections() throws {
        var machine = Self.machine()
        let first = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(first, handle: "A", maxStreams: 1, now: Self.start)
        let second = try #require(Self.queue(&machine, 2))

        let actions = machine.shutdown()
        #expect(actions.failures.map(\.0) == [2])
        #expect(actions.failures.first?.1.code == .shutdown)
        #expect(actions.abandon == [second])
        #expect(actions.close.isEmpty, "the busy connection finishes its stream first")
        #expect(!actions.shutdownComplete)
        guard case .failed(let error) = machine.tryLease(now: Self.start) else {
            Issue.record("a shut-down pool takes no request")
            return
        }
        #expect(error.code == .shutdown)

        _ = machine.connectionClosed(second, now: Self.start)
        let drained = machine.streamsClosed(first, count: 1, now: Self.start)
        #expect(drained.close == ["A"])
        let done = machine.connectionClosed(first, now: Self.start)
        #expect(done.shutdownComplete)
        #expect(machine.isShutDown)
    }

    @Test func shutdownClosesIdleConnectionsAtOnce() throws {
        var machine = Self.machine()
        let id = try #require(Self.queue(&machine, 1))
        _ = machine.connectionReady(id, handle: "A", maxStreams: 10, now: Self.start)
        _ = machine.streamsClosed(id, count: 1, now: Self.start)
        #expect(machine.shutdown().close == ["A"])
        #expect(machine.connectionClosed(id, now: Self.start).shutdownComplete)
    }

    @Test func backoffDoublesUpToTheMaximumAndJitterOnlyShortens() {
        var random = SeededRandom(seed: 1)
        let exact = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 0)
        let delays = (1...6).map { exact.delay(afterFailures: $0, using: &random).nanoseconds / 1_000_000 }
        #expect(delays == [100, 200, 400, 800, 1000, 1000])

        let jittered = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 0.5)
        var seen = Set<Int64>()
        for _ in 0..<200 {
            let delay = jittered.delay(afterFailures: 2, using: &random).nanoseconds
            #expect(delay > 100_000_000 && delay <= 200_000_000)
            seen.insert(delay)
        }
        #expect(seen.count > 100, "jitter spreads the delays")
    }
}

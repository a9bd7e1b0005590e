import Gateway
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a benchmark: `concurrency` HTTP/2 connections (by default one ``BackendPool`` of one connection
/// each, so each connection carries exactly its share of streams), `streamsPerConnection` tasks per
/// connection, each sending one request at a time. The tasks keep their own ``BenchTally`` and take request numbers
/// from one atomic counter; nothing else is shared on the hot path.
///
/// Like any client honouring GOAWAY, a request the server refused without processing it (a stream
/// above a GOAWAY's last-stream-id, REFUSED_STREAM, a connection closed before any byte of the
/// answer) is sent again (``shouldResend(after:attempt:)``); the pool has stopped using that
/// connection and opens a new one. So a server restarting gracefully costs no failed request.
struct BenchRunner {
    let parameters: BenchParameters
    let bodies: RequestBodies
    let address: SocketAddress

    /// The texts and tokens answered so far in a phase, for the live progress line (only kept on a
    /// terminal).
    final class Progress: Sendable {
        let texts = Atomic<Int>(0)
        let tokens = Atomic<Int>(0)
    }

    /// Hands out request numbers 0, 1, 2, … to the tasks of a phase.
    final class Tickets: Sendable {
        private let next = Atomic<Int>(0)

        func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
    }

    /// Sends of one request at most: a server refusing every stream is reported, not retried forever.
    static let maximumSends = 8

    /// Whether a request whose `attempt`-th send (1 for the first) failed with `error` is sent again:
    /// only when the server certainly did not process it and said so by GOAWAY or REFUSED_STREAM,
    /// or closed the connection before answering, and sends remain.
    static func shouldResend(after error: BackendError, attempt: Int) -> Bool {
        guard attempt < maximumSends, error.isSafeToRetry else { return false }
        return error.code == .goAway || error.code == .refusedStream || error.code == .connectionClosed
    }

    /// The warm-up (if any), then the measured run.
    func run() async -> BenchSummary {
        let group = MultiThreadedEventLoopGroup.singleton
        var configuration = BackendPool.Configuration()
        configuration.maximumConnections = 1
        configuration.maximumStreamsPerConnection = parameters.streamsPerConnection
        configuration.maximumQueuedRequests = parameters.streamsPerConnection
        configuration.connectTimeout = .nanoseconds(
            min(Int64(10_000_000_000), Self.nanoseconds(parameters.timeout)))
        let authority = parameters.target.authority
        let pools: [BackendPool]
        if parameters.sharesOnePool {
            configuration.maximumConnections = parameters.concurrency
            configuration.maximumQueuedRequests = parameters.streams
            pools = [
                BackendPool(
                    address: address, authority: authority, configuration: configuration, eventLoopGroup: group)
            ]
        } else {
            pools = (0..<parameters.concurrency).map { _ in
                BackendPool(
                    address: address, authority: authority, configuration: configuration, eventLoopGroup: group)
            }
        }
        let showsProgress = isatty(2) == 1
        if parameters.warmup > .zero {
            _ = await phase(
                stop: .duration(parameters.warmup), pools: pools, progress: showsProgress ? Progress() : nil,
                verb: "warming up:")
        }
        let (tally, elapsed) = await phase(
            stop: parameters.stop, pools: pools, progress: showsProgress ? Progress() : nil, verb: "answered")
        for pool in pools { await pool.shutdown() }
        return BenchSummary(parameters: parameters, tally: tally, elapsedNanoseconds: elapsed)
    }

    /// One timed stretch of load; returns the merged tally and the time to the last answer.
    private func phase(stop: BenchParameters.Stop, pools: [BackendPool], progress: Progress?, verb: String) async
        -> (BenchTally, Int64)
    {
        let start = NIODeadline.now()
        let timetable = parameters.timetable
        let plan: WorkerPlan
        switch (stop, timetable) {
        case (.requests(let count), _):
            plan = WorkerPlan(start: start, timetable: timetable, ticketLimit: count, closedLoopEnd: nil)
        case (.duration(let duration), let timetable?):
            let count = timetable.ticketCount(forNanoseconds: Self.nanoseconds(duration))
            plan = WorkerPlan(start: start, timetable: timetable, ticketLimit: count, closedLoopEnd: nil)
        case (.duration(let duration), nil):
            let end = start + .nanoseconds(Self.nanoseconds(duration))
            plan = WorkerPlan(start: start, timetable: nil, ticketLimit: nil, closedLoopEnd: end)
        }
        let tickets = Tickets()
        let workerCount = parameters.streams
        let merged = await withTaskGroup(of: BenchTally?.self) { group in
            for worker in 0..<workerCount {
                let pool = pools[worker % pools.count]
                group.addTask {
                    await work(plan: plan, pool: pool, tickets: tickets, progress: progress)
                }
            }
            if let progress {
                group.addTask {
                    await Self.showProgress(progress, verb: verb)
                    return nil
                }
            }
            var merged = BenchTally()
            var finished = 0
            for await tally in group {
                guard let tally else { continue }
                merged.merge(tally)
                finished += 1
                if finished == workerCount { group.cancelAll() }
            }
            return merged
        }
        return (merged, merged.lastCompletionOffset)
    }

    /// What every task of a phase shares, decided before the first request.
    private struct WorkerPlan: Sendable {
        var start: NIODeadline
        var timetable: OpenLoopTimetable?
        /// Requests in the phase; nil for a closed loop that runs until ``closedLoopEnd``.
        var ticketLimit: Int?
        var closedLoopEnd: NIODeadline?
    }

    /// One stream's loop: take the next request number, wait for its due time (open loop), send,
    /// classify the answer, repeat.
    private func work(plan: WorkerPlan, pool: BackendPool, tickets: Tickets, progress: Progress?) async
        -> BenchTally
    {
        var tally = BenchTally()
        let timeout = TimeAmount.nanoseconds(Self.nanoseconds(parameters.timeout))
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let inputs = parameters.inputsPerRequest
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        var request = BackendRequest(
            method: .POST, path: parameters.target.path, headers: headers, deadline: .now())
        while !Task.isCancelled {
            let ticket = tickets.take()
            if let limit = plan.ticketLimit, ticket >= limit { break }
            let due: NIODeadline
            if let timetable = plan.timetable {
                due = plan.start + .nanoseconds(timetable.dueOffset(ofTicket: ticket))
                if due > .now() {
                    // A timer on the event loops that already run the connections' I/O.
                    try? await eventLoop.scheduleTask(deadline: due) {}.futureResult.get()
                }
            } else {
                due = .now()
                if let end = plan.closedLoopEnd, due >= end { break }
            }
            let sent = NIODeadline.now()
            if let timetable = plan.timetable,
                timetable.isLate(ticket: ticket, sentOffset: (sent - plan.start).nanoseconds)
            {
                tally.lateSends += 1
            }
            request.body = bodies.body(forTicket: ticket)
            request.deadline = sent + timeout
            do {
                let response = try await send(request, on: pool, tally: &tally)
                let answered = NIODeadline.now()
                tally.recordCompletion(atOffset: (answered - plan.start).nanoseconds)
                let status = Int(response.status.code)
                tally.recordStatus(status)
                if let failure = BenchFailure(status: status) {
                    tally.recordFailure(failure)
                    continue
                }
                let outcome = response.body.withUnsafeReadableBytes {
                    EmbeddingsAnswerScan.scan($0, expectedRows: inputs)
                }
                guard case .valid(let tokens) = outcome else {
                    tally.recordFailure(.badBody)
                    continue
                }
                tally.recordSuccess(latencyNanoseconds: (answered - due).nanoseconds, texts: inputs, tokens: tokens)
                if let progress {
                    progress.texts.wrappingAdd(inputs, ordering: .relaxed)
                    progress.tokens.wrappingAdd(tokens, ordering: .relaxed)
                }
            } catch {
                tally.recordCompletion(atOffset: (NIODeadline.now() - plan.start).nanoseconds)
                let failure = BenchFailure(error)
                tally.recordFailure(failure)
                if failure == .connect && plan.timetable == nil {
                    // A closed loop against a server that is not there would otherwise spin through
                    // failures as fast as the CPU allows; the pool backs off its connects anyway.
                    try? await eventLoop.scheduleTask(in: .milliseconds(10)) {}.futureResult.get()
                }
            }
        }
        return tally
    }

    /// Sends `request`, again while ``shouldResend(after:attempt:)`` says so and its deadline has
    /// not passed; counts each repeat in `tally`.
    private func send(_ request: BackendRequest, on pool: BackendPool, tally: inout BenchTally)
        async throws(BackendError)
        -> BackendResponse
    {
        var attempt = 1
        while true {
            do {
                return try await pool.send(request)
            } catch {
                guard Self.shouldResend(after: error, attempt: attempt), NIODeadline.now() < request.deadline else {
                    throw error
                }
                attempt += 1
                tally.resends += 1
            }
        }
    }

    /// Redraws the progress line until cancelled, then clears it.
    private static func showProgress(_ progress: Progress, verb: String) async {
        var line = ProgressLine(verb: verb, clock: ContinuousClock())
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(250))
            } catch {
                break
            }
            line.update(
                texts: progress.texts.load(ordering: .relaxed), tokens: progress.tokens.load(ordering: .relaxed))
        }
        line.finish()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}

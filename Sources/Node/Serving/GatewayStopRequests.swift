import Synchronization

/// Where a gateway's reasons to stop serving meet: SIGTERM/SIGINT (stop and exit) and SIGHUP
/// (restart in place). The first request begins the drain; a shutdown that arrives while a restart
/// drains wins, so the gateway exits instead of re-executing. Callable from any thread.
final class GatewayStopRequests: Sendable {
    /// Why the gateway stops serving.
    enum Reason: Sendable, Hashable {
        /// SIGTERM/SIGINT: drain, close the listeners, exit.
        case shutdown
        /// SIGHUP: drain, keep the listeners open, re-execute the binary on them.
        case restart
    }

    private let requests: AsyncStream<Reason>
    private let continuation: AsyncStream<Reason>.Continuation
    private let anyRequest = Atomic<Bool>(false)
    private let shutdownRequested = Atomic<Bool>(false)

    init() {
        (requests, continuation) = AsyncStream.makeStream(of: Reason.self, bufferingPolicy: .unbounded)
    }

    /// Records a request; repeated ones are harmless.
    func request(_ reason: Reason) {
        if reason == .shutdown { shutdownRequested.store(true, ordering: .releasing) }
        anyRequest.store(true, ordering: .releasing)
        continuation.yield(reason)
    }

    /// Whether any request arrived (a start-up wait gives up on it).
    var isRequested: Bool { anyRequest.load(ordering: .acquiring) }

    /// Whether a shutdown arrived: it overrides a restart in progress.
    var isShutdownRequested: Bool { shutdownRequested.load(ordering: .acquiring) }

    /// Waits for the first request; a cancelled wait counts as a shutdown.
    func next() async -> Reason {
        for await reason in requests { return reason }
        return .shutdown
    }

    /// What to do once drained, given the first request: restart only when no shutdown arrived
    /// meanwhile.
    func outcome(of first: Reason) -> Reason {
        first == .restart && !isShutdownRequested ? .restart : .shutdown
    }
}

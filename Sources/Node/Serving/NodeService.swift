import Cluster
import Gateway
import Logging
import Model
import ServiceLifecycle

/// A running replica. Serves until a graceful shutdown (SIGTERM/SIGINT), then drains: stops being
/// ready and gossips `draining` so gateways send nothing new, lets in-flight requests finish (up to
/// the drain timeout), closes the HTTP server, leaves the cluster (`left`, not `dead`), and stops
/// the model threads.
struct NodeService: Service {
    let membership: Membership
    let server: HTTPServer
    let readiness: NodeReadiness
    let metadata: MemberMetadata
    let batchers: [DynamicBatcher]
    let drainTimeout: Duration
    let logger: Logger

    /// Gateways need a moment to hear `draining` before the node stops taking requests.
    static let minimumDrainTime: Duration = .seconds(1)
    /// How often the load summary in gossip metadata may change.
    static let loadPublishInterval: Duration = .seconds(5)

    func run() async throws {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await membership.run() }
                group.addTask { try await server.run() }
                group.addTask { await publishLoad() }
                readiness.set(.ready)
                publish(.ready)

                try? await gracefulShutdown()
                await drain()
                group.cancelAll()
            }
        } catch is CancellationError {
            // The drain finished and cancelled what was left running: a clean stop.
        }
    }

    private func drain() async {
        logger.info("draining", metadata: ["in_flight": "\(server.inFlightRequests)"])
        readiness.set(.draining)
        publish(.draining)
        let clock = ContinuousClock()
        let started = clock.now
        while clock.now - started < drainTimeout {
            if clock.now - started >= Self.minimumDrainTime && server.inFlightRequests == 0 { break }
            try? await clock.sleep(for: .milliseconds(20))
        }
        server.shutdown()
        await membership.leave()
        for batcher in batchers { batcher.shutdown() }
        logger.info("drained", metadata: ["after": "\(clock.now - started)"])
    }

    private func publish(_ state: MemberMetadata.ServingState) {
        var updated = metadata
        updated.servingState = state
        updated.load = currentLoad()
        do {
            try membership.updateMetadata(try updated.encoded())
        } catch {
            logger.error("cannot publish metadata", metadata: ["error": "\(error)"])
        }
    }

    private func currentLoad() -> MemberMetadata.Load {
        let queued = batchers.reduce(0) { $0 + $1.stats.queuedTexts }
        return MemberMetadata.Load(inFlight: server.inFlightRequests, queueDepth: queued)
    }

    /// Refreshes the load summary in gossip when it changed, at most every few seconds: it is
    /// informational (status pages); gateways route on their own live in-flight counts.
    private func publishLoad() async {
        var last = MemberMetadata.Load()
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: Self.loadPublishInterval)
            } catch {
                return
            }
            let load = currentLoad()
            guard load != last, readiness.state == .ready else { continue }
            last = load
            publish(.ready)
        }
    }
}

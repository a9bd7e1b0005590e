import Cluster
import Gateway
import Logging
import Model
import ServiceLifecycle

/// A running replica. Serves until a graceful shutdown (SIGTERM/SIGINT) or an admin restart, then
/// drains (see `NodeLifecycle.stop`): stops being ready and gossips `draining` so gateways send
/// nothing new, lets in-flight requests finish (up to the drain timeout), closes the HTTP server,
/// leaves the cluster (`left`, not `dead`), and stops the model threads. A shutdown then returns; a
/// restart replaces the process with the binary found at the path it was started from, with the
/// same arguments and environment plus the peers to rejoin through (`RestartHandOff`).
struct NodeService: Service {
    let lifecycle: NodeLifecycle
    let membership: Membership
    let server: HTTPServer
    let image: ProcessImage
    let logger: Logger

    func run() async throws {
        let (serverClosed, serverClosedContinuation) = AsyncStream.makeStream(of: Void.self)
        var stop: (reason: NodeLifecycle.StopReason, peers: [Endpoint]) = (.shutdown, [])
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { try await membership.run() }
                    group.addTask {
                        defer { serverClosedContinuation.finish() }
                        try await server.run()
                    }
                    group.addTask { await publishLoad() }
                    await lifecycle.start()
                    let reason = await lifecycle.nextStopRequest()
                    let peers = await lifecycle.stop(for: reason, server: server) {
                        for await _ in serverClosed {}
                    }
                    stop = (reason, peers)
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                lifecycle.requestShutdown()
            }
        } catch is CancellationError {
            // The drain finished and cancelled what was left running: a clean stop.
        }
        guard stop.reason == .restart, !lifecycle.isShutdownRequested else { return }
        let environment = RestartHandOff.environment(ProcessImage.currentEnvironment(), rejoiningThrough: stop.peers)
        logger.info("restarting", metadata: ["executable": "\(image.path)", "peers": "\(stop.peers.count)"])
        let failure = image.execute(environment: environment)
        logger.error("restart failed", metadata: ["error": "\(failure.message)"])
        throw failure
    }

    /// Lets the life cycle refresh the load summary in gossip (it decides how often it changes).
    private func publishLoad() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: NodeLifecycle.drainingLoadInterval)
            } catch {
                return
            }
            await lifecycle.publishLoadIfDue()
        }
    }
}

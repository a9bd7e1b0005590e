import Cluster
import Gateway
import Logging
import ServiceLifecycle

/// A running gateway. On SIGTERM/SIGINT it stops accepting (HTTP/2 clients get a two-phase GOAWAY
/// and finish what they sent), waits for in-flight requests, leaves the cluster and closes its
/// backend pools.
struct GatewayService: Service {
    let membership: Membership
    let directory: BackendDirectory
    let servers: [HTTPServer]
    let logger: Logger

    func run() async throws {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await membership.run() }
                group.addTask { await directory.follow(membership) }
                group.addTask { await directory.runHealthChecks() }
                for server in servers {
                    group.addTask { try await server.run() }
                }
                try? await gracefulShutdown()
                logger.info("shutting down", metadata: ["in_flight": "\(servers.map(\.inFlightRequests).reduce(0, +))"])
                for server in servers { server.shutdown() }
                let clock = ContinuousClock()
                let started = clock.now
                while servers.contains(where: { $0.inFlightRequests > 0 }) && clock.now - started < .seconds(30) {
                    try? await clock.sleep(for: .milliseconds(20))
                }
                await membership.leave()
                await directory.shutdown()
                group.cancelAll()
            }
        } catch is CancellationError {
            // Everything drained and the rest was cancelled: a clean stop.
        }
    }
}

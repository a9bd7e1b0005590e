import Cluster
import Gateway
import Logging
import ServiceLifecycle

/// A running gateway, until SIGTERM/SIGINT (stop) or SIGHUP (restart in place).
///
/// Both drain the same way: stop accepting (HTTP/2 clients get a two-phase GOAWAY and finish what
/// they sent; HTTP/1 responses carry `Connection: close`), wait for in-flight requests and open
/// connections (at most the shutdown grace period), leave the cluster and close the backend pools.
/// A stop closes the listeners and returns. A restart leaves the listening sockets open (new
/// connections wait in the kernel's accept backlog) and replaces the process with the binary
/// found at the path it was started from, same pid, arguments and environment, plus the sockets
/// (`ListenerHandOff`) and the live peers to rejoin through (`RestartHandOff`). The new image
/// re-reads its configuration, serves on the inherited sockets, and accepts once it knows a ready
/// backend (`acceptsAtStart` false), at most `backendWait` after starting.
struct GatewayService: Service {
    let membership: Membership
    let directory: BackendDirectory
    let server: HTTPServer
    let image: ProcessImage
    let stops: GatewayStopRequests
    let restartSignals: AsyncStream<Void>
    /// False when the server was bound with accepting paused (a restarted image).
    let acceptsAtStart: Bool
    let logger: Logger

    /// Longest a restarted image keeps queued connections waiting for a ready backend; after it,
    /// they are served anyway (and answered 503 while no backend is ready).
    static let backendWait: Duration = .seconds(10)

    func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { try await membership.run() }
                    group.addTask { await directory.follow(membership) }
                    group.addTask { await directory.runHealthChecks() }
                    group.addTask { try await server.run() }
                    group.addTask {
                        for await _ in restartSignals { stops.request(.restart) }
                    }
                    if !acceptsAtStart { await acceptOnceBackendReady() }
                    let first = await stops.next()
                    let peers = await drain(keepingListeners: first == .restart)
                    if stops.outcome(of: first) == .restart {
                        throw restart(rejoiningThrough: peers)
                    }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                stops.request(.shutdown)
            }
        } catch is CancellationError {
            // Everything drained and the rest was cancelled: a clean stop.
        }
    }

    /// Waits (at most `backendWait`, or until a stop is requested) for a ready backend, then
    /// accepts the connections queued meanwhile.
    private func acceptOnceBackendReady() async {
        let clock = ContinuousClock()
        let started = clock.now
        while !directory.table.hasEligibleBackend(at: directory.now()) && !stops.isRequested
            && clock.now - started < Self.backendWait
        {
            try? await clock.sleep(for: .milliseconds(10))
        }
        await server.resumeAccepting()
        logger.info(
            "accepting",
            metadata: [
                "after": "\(clock.now - started)",
                "ready_backend": "\(directory.table.hasEligibleBackend(at: directory.now()))",
            ])
    }

    /// Stops serving gracefully and leaves the cluster; returns the gossip addresses of the members
    /// that were live, for a restart to rejoin through.
    private func drain(keepingListeners: Bool) async -> [Endpoint] {
        logger.info(
            keepingListeners ? "restarting: draining" : "shutting down",
            metadata: ["in_flight": "\(server.inFlightRequests)", "connections": "\(server.openConnections)"])
        if keepingListeners { await server.pauseAccepting() }
        server.shutdown(closingListeners: !keepingListeners)
        let clock = ContinuousClock()
        let started = clock.now
        let grace = Duration.nanoseconds(server.configuration.shutdownGracePeriod.nanoseconds)
        while server.inFlightRequests > 0 || server.openConnections > 0, clock.now - started < grace {
            try? await clock.sleep(for: .milliseconds(10))
        }
        let peers = membership.snapshot.liveMembers.filter { $0.name != membership.name }.map(\.endpoint)
        await membership.leave()
        await directory.shutdown()
        logger.info("drained", metadata: ["after": "\(clock.now - started)", "open_connections": "\(server.openConnections)"])
        return peers
    }

    /// Re-executes the binary on the listening sockets; returns only when that fails, with the
    /// error to end the process with.
    private func restart(rejoiningThrough peers: [Endpoint]) -> CLIError {
        var sockets: [ListenerHandOff.Listener: CInt] = [:]
        sockets[.plain] = ListeningSocket.descriptor(listeningOn: server.localAddress)
        if let address = server.tlsLocalAddress {
            sockets[.tls] = ListeningSocket.descriptor(listeningOn: address)
        }
        var environment = RestartHandOff.environment(ProcessImage.currentEnvironment(), rejoiningThrough: peers)
        environment = ListenerHandOff.environment(environment, handingOver: sockets)
        logger.info(
            "restarting",
            metadata: [
                "executable": "\(image.path)", "peers": "\(peers.count)",
                "\(ListenerHandOff.variable)": "\(ListenerHandOff.value(for: sockets) ?? "")",
            ])
        let failure = image.execute(environment: environment, keepingOpen: Array(sockets.values))
        logger.error("restart failed", metadata: ["error": "\(failure.message)"])
        return failure
    }
}

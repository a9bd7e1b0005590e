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

    /// How long connections may stay open once no request is in flight. A client answers the first
    /// GOAWAY's PING within a round trip and its connection then closes; one still open after this
    /// is stalled, and waiting the whole grace period for it would keep the connections queued for
    /// the next image waiting too (clients give up connecting after a few seconds).
    static let idleConnectionWait: Duration = .seconds(5)

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
                    var sockets: [ListenerHandOff.Listener: CInt] = [:]
                    if first == .restart {
                        await server.pauseAccepting()
                        sockets = listeningSockets()
                    }
                    let peers = await drain(keepingListeners: first == .restart)
                    if stops.outcome(of: first) == .restart {
                        throw restart(on: sockets, rejoiningThrough: peers)
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
        server.shutdown(closingListeners: !keepingListeners)
        let clock = ContinuousClock()
        let started = clock.now
        let grace = Duration.nanoseconds(server.configuration.shutdownGracePeriod.nanoseconds)
        // Connections, not only requests: an HTTP/2 client that has not yet answered the first
        // GOAWAY's PING may still open streams the server must serve; once it has, the connection
        // closes by itself (HTTP/1 ones close when idle). Cutting it earlier could cost a request.
        var idleSince: ContinuousClock.Instant?
        while clock.now - started < grace {
            if server.inFlightRequests > 0 {
                idleSince = nil
            } else {
                let since = idleSince ?? clock.now
                idleSince = since
                if server.openConnections == 0 || clock.now - since >= Self.idleConnectionWait { break }
            }
            try? await clock.sleep(for: .milliseconds(10))
        }
        let peers = membership.snapshot.liveMembers.filter { $0.name != membership.name }.map(\.endpoint)
        await membership.leave()
        await directory.shutdown()
        logger.info(
            "drained", metadata: ["after": "\(clock.now - started)", "open_connections": "\(server.openConnections)"])
        return peers
    }

    /// Duplicates of the server's listening sockets, taken while the server still owns them: the
    /// duplicates keep the sockets open through the drain, however the server's own descriptors end.
    private func listeningSockets() -> [ListenerHandOff.Listener: CInt] {
        var sockets: [ListenerHandOff.Listener: CInt] = [:]
        sockets[.plain] = ListeningSocket.descriptor(listeningOn: server.localAddress).flatMap(
            ListeningSocket.duplicate)
        if let address = server.tlsLocalAddress {
            sockets[.tls] = ListeningSocket.descriptor(listeningOn: address).flatMap(ListeningSocket.duplicate)
        }
        if sockets.isEmpty { logger.warning("found no listening socket to hand over; the new image binds afresh") }
        return sockets
    }

    /// Re-executes the binary on the listening sockets; returns only when that fails, with the
    /// error to end the process with.
    private func restart(
        on sockets: [ListenerHandOff.Listener: CInt], rejoiningThrough peers: [Endpoint]
    ) -> CLIError {
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

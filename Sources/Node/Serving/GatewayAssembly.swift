import Cluster
import Foundation
import Gateway
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds a gateway from its configuration — gossip membership, backend directory (pools, checks,
/// ejection), router, HTTP server (plus TLS when configured) — and runs it as one `ServiceGroup`.
///
/// After a restart in place (SIGHUP, see `GatewayService`) it also rejoins gossip through the
/// members that were live (`RestartHandOff`) and serves on the listening sockets the previous image
/// handed over (`ListenerHandOff`, checked by `ListenerAdoption`), accepting only once a backend is
/// ready.
struct GatewayAssembly {
    let configuration: MurmurConfiguration

    func run() async throws {
        // Before anything else: a SIGHUP from now on is a restart request, not the end of the process.
        let restartSignals = RestartSignal.arrivals()
        let image = ProcessImage.current
        let logger = Logger.process(label: "murmur.gateway")
        let environment = ProcessInfo.processInfo.environment
        var configuration = self.configuration
        for seed in RestartHandOff.seeds(in: environment) where !configuration.cluster.seeds.contains(seed) {
            configuration.cluster.seeds.append(seed)
        }
        let gateway = configuration.gateway
        let metadata = MemberMetadata(
            role: .gateway,
            httpAddress: NodeAssembly.advertisedHTTP(gateway.listen, gossip: configuration.gossip.advertisedAddress)
                .description,
            models: [],
            servingState: .ready
        )
        let membership = try await configuration.bindMembership(name: configuration.gatewayName(), metadata: metadata)
        var pool = BackendPool.Configuration()
        pool.maximumConnections = gateway.connectionsPerBackend
        let directory = BackendDirectory(
            configuration: .init(
                policy: configuration.healthPolicy(),
                pool: pool,
                checkTimeout: gateway.healthCheckTimeout
            ),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton
        )
        let responder = GatewayResponder(
            configuration: .init(
                replicas: gateway.replicas,
                loadBound: gateway.loadFactor,
                maxInputs: gateway.maxInputs,
                requestTimeout: gateway.requestTimeout,
                retry: RetryPolicy(
                    maxAttempts: gateway.retries + 1,
                    budget: RetryBudget(
                        percent: Double(gateway.retryBudgetPercent),
                        minConcurrency: gateway.retryBudgetMinPerSecond
                    )
                ),
                maxQueuedTexts: configuration.node.batching.maxQueuedTexts
            ),
            directory: directory,
            membership: membership
        )
        let serverConfiguration = configuration.httpServerConfiguration(listen: gateway.listen, withTLS: true)
        let adoption = ListenerAdoption(
            handedOver: environment[ListenerHandOff.variable], configuration: serverConfiguration,
            inspect: ListeningSocket.init(inspecting:))
        for problem in adoption.problems {
            logger.warning("not using an inherited listening socket", metadata: ["reason": "\(problem)"])
        }
        for descriptor in adoption.unused { close(descriptor) }
        let inherits = !adoption.adopted.isEmpty
        let server: HTTPServer
        do {
            server = try await HTTPServer.bind(
                configuration: serverConfiguration,
                responder: responder,
                logger: logger,
                plaintextSocket: adoption.adopted[.plain],
                tlsSocket: adoption.adopted[.tls],
                acceptingAtOnce: !inherits
            )
        } catch {
            await membership.shutdown()
            throw CLIError("cannot serve HTTP on \(gateway.listen): \(error)", exitCode: 1)
        }
        logger.info(
            "gateway ready",
            metadata: [
                "name": "\(membership.name)", "listen": "\(gateway.listen)",
                "gossip": "\(membership.advertisedEndpoint)",
                "inherited_sockets": "\(ListenerHandOff.value(for: adoption.adopted) ?? "none")",
            ]
        )
        let service = GatewayService(
            membership: membership, directory: directory, server: server, image: image,
            stops: GatewayStopRequests(), restartSignals: restartSignals, acceptsAtStart: !inherits, logger: logger)
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

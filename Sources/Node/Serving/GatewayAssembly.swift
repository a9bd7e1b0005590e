import Cluster
import Gateway
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Builds a gateway from its configuration — gossip membership, backend directory (pools, checks,
/// ejection), router, HTTP server (plus TLS when configured) — and runs it as one `ServiceGroup`.
struct GatewayAssembly {
    let configuration: MurmurConfiguration

    func run() async throws {
        let logger = Logger.process(label: "murmur.gateway")
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
        var servers: [HTTPServer] = []
        do {
            servers.append(
                try await HTTPServer.bind(
                    configuration: configuration.httpServerConfiguration(listen: gateway.listen, withTLS: true),
                    responder: responder,
                    logger: logger
                )
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
            ]
        )
        let service = GatewayService(membership: membership, directory: directory, servers: servers, logger: logger)
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

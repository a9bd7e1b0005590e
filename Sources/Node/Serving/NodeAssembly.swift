import Cluster
import Foundation
import Gateway
import Logging
import Model
import ServiceLifecycle

/// Builds a replica from its configuration — models, batchers, cache, gossip membership, life cycle,
/// HTTP server with the admin endpoints — and runs it as one `ServiceGroup` that drains and leaves
/// gracefully on SIGTERM or SIGINT, or re-executes `image` after `POST /admin/restart`.
struct NodeAssembly {
    let configuration: MurmurConfiguration
    /// The program to re-execute on restart: this process as it was started.
    var image: ProcessImage = .current

    func run() async throws {
        let logger = Logger.process(label: "murmur.node")
        let node = configuration.node

        var embedders: [String: Embedder] = [:]
        var batchers: [DynamicBatcher] = []
        let cache = EmbeddingCache(maxEntries: node.cacheMaxEntries, maxBytes: node.cacheMaxBytes)
        for configured in node.models {
            let model: any EmbeddingModel
            switch configured {
            case .miniLM:
                let sentenceModel: SentenceEmbeddingModel
                do {
                    sentenceModel = try SentenceEmbeddingModel(
                        directory: node.modelDirectory, threads: node.threads, precision: node.precision)
                } catch {
                    let hint =
                        error.isLoadFailure
                        ? " (run 'make model', or set node.model_dir / MURMUR_MODEL_DIR)"
                        : " (node.precision / MURMUR_NODE_PRECISION)"
                    throw CLIError(error.message + hint)
                }
                logger.info("model \(sentenceModel.name): precision \(sentenceModel.encoder.precisionReason)")
                model = sentenceModel
            case .synthetic:
                model = SyntheticModel(latency: node.syntheticLatency)
            }
            let batcher = DynamicBatcher(model: model, configuration: node.batching)
            batchers.append(batcher)
            embedders[model.name] = Embedder(model: model, batcher: batcher, cache: cache)
        }

        let readiness = NodeReadiness(.starting)
        let httpAddress = Self.advertisedHTTP(node.http, gossip: configuration.gossip.advertisedAddress)
        let metadata = MemberMetadata(
            role: .node,
            httpAddress: httpAddress.description,
            models: embedders.keys.sorted(),
            servingState: .starting
        )
        let membership = try await configuration.bindMembership(name: configuration.nodeName(), metadata: metadata)
        let lifecycle = NodeLifecycle(
            membership: membership,
            readiness: readiness,
            metadata: metadata,
            batchers: batchers,
            cache: cache,
            drainTimeout: node.drainTimeout,
            logger: logger
        )
        let responder = NodeResponder(
            embedders: embedders,
            readiness: readiness,
            maxInputs: configuration.gateway.maxInputs,
            clusterStatus: { ClusterStatus(snapshot: membership.snapshot).encoded() },
            adminAuthorization: AdminAuthorization(token: configuration.admin.token),
            adminControl: lifecycle,
            gossipDrops: { GossipDropMetrics(membership) }
        )
        let server: HTTPServer
        do {
            server = try await HTTPServer.bind(
                configuration: configuration.httpServerConfiguration(listen: node.http),
                responder: responder,
                logger: logger
            )
        } catch {
            await membership.shutdown()
            throw CLIError("cannot serve HTTP on \(node.http): \(error)", exitCode: 1)
        }
        logger.info(
            "node ready",
            metadata: [
                "name": "\(membership.name)", "http": "\(httpAddress)", "gossip": "\(membership.advertisedEndpoint)",
                "models": "\(embedders.keys.sorted().joined(separator: ","))",
            ]
        )
        let service = NodeService(
            lifecycle: lifecycle, membership: membership, server: server, image: image, logger: logger)
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    /// The HTTP address peers should use: the listen address, or the gossip advertise host with the
    /// HTTP port when listening on a wildcard address.
    static func advertisedHTTP(_ listen: Endpoint, gossip: Endpoint) -> Endpoint {
        let wildcard = ["0.0.0.0", "::", ""]
        return wildcard.contains(listen.host) ? Endpoint(host: gossip.host, port: listen.port) : listen
    }
}

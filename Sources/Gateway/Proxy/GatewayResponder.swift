public import Cluster
import Model
import NIOCore
import NIOHTTP1

/// The gateway's public API: the same routes as a node, with `POST /v1/embeddings` routed to the
/// nodes — split by the ring owners of each input, sent to the least-loaded healthy owner over
/// HTTP/2, retried elsewhere when a backend fails before processing (or within the retry budget
/// when it may have), and gathered back in input order.
///
/// Per request: one copy of the published health table, atomic in-flight counters, no actor hop
/// and no lock held across I/O.
public struct GatewayResponder: HTTPResponder {
    /// Routing and retry settings.
    public struct Configuration: Sendable {
        public var replicas: Int
        public var loadBound: Double
        public var maxInputs: Int
        public var requestTimeout: Duration
        public var retry: RetryPolicy
        /// The nodes' queue limit (`node.max_queued_texts`), for the status hints.
        public var maxQueuedTexts: Int

        public init(
            replicas: Int = 2,
            loadBound: Double = 1.25,
            maxInputs: Int = EmbeddingsRequest.defaultMaxInputs,
            requestTimeout: Duration = .seconds(30),
            retry: RetryPolicy = RetryPolicy(),
            maxQueuedTexts: Int = SaturationLimits().maxQueuedTexts
        ) {
            self.replicas = replicas
            self.loadBound = loadBound
            self.maxInputs = maxInputs
            self.requestTimeout = requestTimeout
            self.retry = retry
            self.maxQueuedTexts = maxQueuedTexts
        }
    }

    public let configuration: Configuration
    public let directory: BackendDirectory
    public let membership: Membership
    public let metrics: NodeMetrics
    /// Gateway-only counters (retries).
    public let statistics = GatewayStatistics()

    public init(
        configuration: Configuration,
        directory: BackendDirectory,
        membership: Membership,
        metrics: NodeMetrics = NodeMetrics()
    ) {
        self.configuration = configuration
        self.directory = directory
        self.membership = membership
        self.metrics = metrics
    }

    enum Route: String {
        case embeddings = "/v1/embeddings"
        case models = "/v1/models"
        case health = "/health"
        case ready = "/ready"
        case metrics = "/metrics"
        case cluster = "/cluster"
        case statusPage = "/"

        var methods: [HTTPMethod] {
            switch self {
            case .embeddings: [.POST]
            case .statusPage: [.GET, .HEAD]
            default: [.GET]
            }
        }
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let started = ContinuousClock.now
        metrics.start()
        guard let route = Route(rawValue: String(request.path)) else {
            return finish("other", APIError.notFound(path: String(request.path)).response)
        }
        guard route.methods.contains(request.method) else {
            var response = APIError.methodNotAllowed(request.method, path: request.path, allowed: route.methods)
                .response
            response.headers.add(name: "Allow", value: route.methods.map(\.rawValue).joined(separator: ", "))
            return finish(route.rawValue, response)
        }
        switch route {
        case .embeddings:
            let (response, served) = await embeddings(request)
            let code = Int(response.status.code)
            statistics.recordClientRequest(
                at: directory.now(),
                latency: started.duration(to: .now),
                failed: code >= 500 || code == 429
            )
            metrics.finish(
                route: route.rawValue,
                status: Int(response.status.code),
                served: served,
                latency: started.duration(to: .now)
            )
            return response
        case .models:
            return finish(route.rawValue, NodeResponder.json(.ok, ModelList(names: servedModels()).encoded()))
        case .health:
            return finish(route.rawValue, NodeResponder.json(.ok, Array(#"{"status":"ok"}"#.utf8)))
        case .ready:
            guard directory.table.hasEligibleBackend(at: directory.now()) else {
                return finish(route.rawValue, APIError.unavailable("No healthy backend node.").response)
            }
            return finish(route.rawValue, NodeResponder.json(.ok, Array(#"{"status":"ready"}"#.utf8)))
        case .metrics:
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            let text =
                metrics.exposition(embedders: [])
                + statistics.exposition(
                    table: directory.table,
                    now: directory.now(),
                    counters: directory.counters,
                    membership: membership.snapshot
                )
                + GossipDropMetrics(membership).exposition
            return finish(route.rawValue, HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: text)))
        case .cluster:
            return finish(route.rawValue, NodeResponder.json(.ok, clusterStatus().encoded()))
        case .statusPage:
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
            headers.add(name: "Cache-Control", value: "no-store")
            // HEAD: the same head without the page (the wire layer sets content-length from the body).
            let body = request.method == .HEAD ? ByteBuffer() : ByteBuffer(bytes: StatusPage.render(clusterStatus()))
            return finish(route.rawValue, HTTPResponse(status: .ok, headers: headers, body: body))
        }
    }

    private func finish(_ route: String, _ response: HTTPResponse) -> HTTPResponse {
        metrics.finish(route: route, status: Int(response.status.code), served: nil, latency: nil)
        return response
    }

    /// Models some eligible backend serves.
    func servedModels() -> [String] {
        let table = directory.table
        let now = directory.now()
        var names = Set<String>()
        for (index, backend) in table.backends.enumerated() {
            guard let backend, table.isEligible(index, at: now) else { continue }
            names.formUnion(backend.descriptor.models)
        }
        return names.sorted()
    }

    /// The `/cluster` document with this gateway's health verdicts, traffic, ring shares and recent
    /// events folded in.
    public func clusterStatus() -> ClusterStatus {
        let table = directory.table
        let now = directory.now()
        var overrides: [String: ClusterStatus.HealthOverride] = [:]
        for backend in table.backends.compactMap({ $0 }) {
            if backend.isEjected(at: now) {
                overrides[backend.name] = .ejected
            } else if backend.descriptor.memberState.isLive && !backend.checksUp {
                overrides[backend.name] = .down
            }
        }
        let traffic = statistics.trafficSummaries(at: now)
        return ClusterStatus(
            snapshot: membership.snapshot,
            healthOverrides: overrides,
            gateway: ClusterStatus.GatewayView(
                traffic: traffic.gateway,
                inFlight: directory.counters.activeRequests,
                backends: traffic.backends,
                ringShares: directory.ringShares,
                events: directory.recentEvents
            ),
            limits: SaturationLimits(
                maxQueuedTexts: configuration.maxQueuedTexts,
                maxInFlightPerBackend: directory.configuration.policy.maxInFlightPerBackend
            )
        )
    }

    // MARK: - Embeddings

    private static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]

    private func embeddings(_ request: HTTPRequest) async -> (HTTPResponse, (model: String, texts: Int, tokens: Int)?) {
        do throws(APIError) {
            try NodeResponder.checkContentType(request.headers)
            let decoded = try EmbeddingsRequest.decode(request.body, maxInputs: configuration.maxInputs)
            let forwarder = Forwarder(
                configuration: configuration,
                directory: directory,
                request: decoded,
                body: request.body,
                statistics: statistics
            )
            switch try await forwarder.run() {
            case .passedThrough(let body):
                let tokens = EmbeddingsResponse.promptTokens(in: body) ?? 0
                return (
                    HTTPResponse(status: .ok, headers: Self.jsonHeaders, body: body),
                    (decoded.model, decoded.input.count, tokens)
                )
            case .gathered(let response):
                let body = response.encoded(format: decoded.encodingFormat)
                return (NodeResponder.json(.ok, body), (decoded.model, response.count, response.promptTokens))
            }
        } catch {
            return (error.response, nil)
        }
    }
}

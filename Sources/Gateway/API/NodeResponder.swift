public import Model
import NIOCore
import NIOHTTP1

/// A node's HTTP API: `POST /v1/embeddings`, `GET /v1/models`, `/health`, `/ready`, `/metrics`,
/// `/cluster`, and the admin endpoints `POST /admin/drain|resume|restart`.
///
/// Immutable once built: routing a request reads constants and atomics (readiness and the
/// embeddings in flight), and the only lock it takes is the metrics store's, once, when the answer
/// is ready. Only admin requests reach the control plane (`AdminControl`, possibly an actor), after
/// their bearer token is checked. Every error is an OpenAI-shaped JSON body with the status
/// DESIGN.md gives it. A draining node answers new embeddings requests with 503 `draining`, which a
/// gateway retries on another node since nothing was processed.
public struct NodeResponder: HTTPResponder {
    /// The embedder serving each model, by the name clients ask for.
    public let embedders: [String: Embedder]
    /// The node's serving state, flipped by its owner.
    public let readiness: NodeReadiness
    /// The request metrics (`GET /metrics` adds the batchers' and caches' stats).
    public let metrics: NodeMetrics
    /// Most inputs per request; more is 413.
    public let maxInputs: Int
    /// Produces the body of `GET /cluster` (the `murmur status --json` document).
    public let clusterStatus: @Sendable () async -> [UInt8]
    /// Who may use the admin endpoints (disabled when there is no control to call).
    public let adminAuthorization: AdminAuthorization
    /// Carries out admin actions; nil disables the admin endpoints.
    public let adminControl: (any AdminControl)?

    /// The node's gossip drop counts for `/metrics` (none when the node runs without gossip).
    public let gossipDrops: @Sendable () -> GossipDropMetrics?
    private let modelList: [UInt8]

    public init(
        embedders: [String: Embedder],
        readiness: NodeReadiness,
        metrics: NodeMetrics = NodeMetrics(),
        maxInputs: Int = EmbeddingsRequest.defaultMaxInputs,
        clusterStatus: @escaping @Sendable () async -> [UInt8],
        adminAuthorization: AdminAuthorization = AdminAuthorization(token: nil),
        adminControl: (any AdminControl)? = nil,
        gossipDrops: @escaping @Sendable () -> GossipDropMetrics? = { nil }
    ) {
        self.embedders = embedders
        self.readiness = readiness
        self.metrics = metrics
        self.maxInputs = maxInputs
        self.clusterStatus = clusterStatus
        self.adminAuthorization = adminControl == nil ? AdminAuthorization(token: nil) : adminAuthorization
        self.adminControl = adminControl
        self.gossipDrops = gossipDrops
        self.modelList = ModelList(names: embedders.keys.sorted()).encoded()
    }

    /// The routes this responder serves, and the method each accepts.
    enum Route: String, CaseIterable {
        case embeddings = "/v1/embeddings"
        case models = "/v1/models"
        case health = "/health"
        case ready = "/ready"
        case metrics = "/metrics"
        case cluster = "/cluster"
        case drain = "/admin/drain"
        case resume = "/admin/resume"
        case restart = "/admin/restart"

        var method: HTTPMethod {
            switch self {
            case .embeddings, .drain, .resume, .restart: .POST
            case .models, .health, .ready, .metrics, .cluster: .GET
            }
        }
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let started = ContinuousClock.now
        metrics.start()
        guard let route = Route(rawValue: String(request.path)) else {
            let response = APIError.notFound(path: String(request.path)).response
            metrics.finish(route: "other", status: Int(response.status.code), served: nil, latency: nil)
            return response
        }
        guard request.method == route.method else {
            var response = APIError.methodNotAllowed(request.method, path: request.path, allowed: [route.method])
                .response
            response.headers.add(name: "Allow", value: route.method.rawValue)
            metrics.finish(route: route.rawValue, status: Int(response.status.code), served: nil, latency: nil)
            return response
        }
        switch route {
        case .embeddings:
            guard readiness.state != .draining else {
                // Nothing is processed, so a gateway retries it elsewhere; in-flight work finishes.
                let response = APIError.notReady(.draining).response
                metrics.finish(route: route.rawValue, status: Int(response.status.code), served: nil, latency: nil)
                return response
            }
            readiness.embeddingStarted()
            defer { readiness.embeddingFinished() }
            let (response, served) = await embeddings(request)
            metrics.finish(
                route: route.rawValue, status: Int(response.status.code), served: served,
                latency: started.duration(to: .now))
            return response
        case .models:
            return finish(route, Self.json(.ok, modelList))
        case .health:
            return finish(route, Self.json(.ok, Array(#"{"status":"ok"}"#.utf8)))
        case .ready:
            let state = readiness.state
            guard state == .ready else { return finish(route, APIError.notReady(state).response) }
            return finish(route, Self.json(.ok, Array(#"{"status":"ready"}"#.utf8)))
        case .metrics:
            // The answer counts itself only from the next scrape on: it is rendered before it is counted.
            let text = metrics.exposition(embedders: Array(embedders.values)) + (gossipDrops()?.exposition ?? "")
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            return finish(route, HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: text)))
        case .cluster:
            return finish(route, Self.json(.ok, await clusterStatus()))
        case .drain:
            return finish(route, await admin(.drain, request))
        case .resume:
            return finish(route, await admin(.resume, request))
        case .restart:
            return finish(route, await admin(.restart, request))
        }
    }

    /// Answers an admin route: 401/403 unless the bearer token is right, then the action's state and
    /// the embeddings still in flight (`{"state":…,"in_flight":N}`; 202 for a restart, which
    /// finishes after this answer).
    private func admin(_ action: AdminAction, _ request: HTTPRequest) async -> HTTPResponse {
        let decision = adminAuthorization.decide(
            authorizationHeaders: request.headers[canonicalForm: "Authorization"].map(String.init))
        switch decision {
        case .disabled:
            return APIError.adminDisabled.response
        case .missingCredentials:
            var response = APIError.unauthorized(
                "The admin endpoints require an 'Authorization: Bearer <token>' header with the node's admin token."
            ).response
            response.headers.add(name: "WWW-Authenticate", value: "Bearer")
            return response
        case .wrongToken:
            return APIError.forbidden("The admin token is not valid for this node.", code: "invalid_token").response
        case .allowed:
            break
        }
        // Unreachable without a control (the authorization is disabled then), but never a crash.
        guard let adminControl else { return APIError.adminDisabled.response }
        do throws(APIError) {
            let state = try await adminControl.perform(action)
            var body: [UInt8] = Array(#"{"state":"#.utf8)
            JSONString.append(state.rawValue, to: &body)
            body.append(contentsOf: #","in_flight":\#(readiness.embeddingsInFlight)}"#.utf8)
            return Self.json(action == .restart ? .accepted : .ok, body)
        } catch {
            return error.response
        }
    }

    private func finish(_ route: Route, _ response: HTTPResponse) -> HTTPResponse {
        metrics.finish(route: route.rawValue, status: Int(response.status.code), served: nil, latency: nil)
        return response
    }

    /// Answers `POST /v1/embeddings`, and what it served for the metrics.
    private func embeddings(_ request: HTTPRequest) async -> (HTTPResponse, (model: String, texts: Int, tokens: Int)?) {
        do throws(APIError) {
            try Self.checkContentType(request.headers)
            let decoded = try EmbeddingsRequest.decode(request.body, maxInputs: maxInputs)
            guard let embedder = embedders[decoded.model] else { throw APIError.modelNotFound(decoded.model) }
            if let dimensions = decoded.dimensions, dimensions != embedder.model.dimension {
                throw APIError.badRequest(
                    "The model '\(decoded.model)' only returns \(embedder.model.dimension) dimensions; "
                        + "'dimensions' \(dimensions) is not supported.", param: "dimensions")
            }
            let result: EmbeddingResult
            do throws(ModelError) {
                switch decoded.input {
                case .texts(let texts): result = try await embedder.embed(texts)
                case .tokens(let tokens): result = try await embedder.embed(tokens: tokens)
                }
            } catch {
                throw APIError.from(error)
            }
            let body = EmbeddingsResponse(model: decoded.model, result: result).encoded(format: decoded.encodingFormat)
            return (Self.json(.ok, body), (decoded.model, result.count, result.promptTokens))
        } catch {
            return (error.response, nil)
        }
    }

    /// Accepts `application/json` with any parameters, or no Content-Type at all (as OpenAI does).
    static func checkContentType(_ headers: HTTPHeaders) throws(APIError) {
        guard let value = headers.first(name: "Content-Type") else { return }
        // What nearly every client sends, compared without building new strings.
        if value.utf8.elementsEqual("application/json".utf8) { return }
        let mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = mediaType.drop(while: { $0 == " " || $0 == "\t" }).reversed()
            .drop(while: { $0 == " " || $0 == "\t" }).reversed()
        guard String(trimmed).lowercased() == "application/json" else {
            throw APIError.unsupportedMediaType(value)
        }
    }

    static func json(_ status: HTTPResponseStatus, _ body: [UInt8]) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: status, headers: headers, body: ByteBuffer(bytes: body))
    }
}

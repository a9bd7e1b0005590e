public import Model
import NIOCore
import NIOHTTP1

/// A node's public HTTP API: `POST /v1/embeddings`, `GET /v1/models`, `/health`, `/ready`,
/// `/metrics` and `/cluster`.
///
/// Immutable once built: routing a request reads constants and one atomic (readiness), and the
/// only lock it takes is the metrics store's, once, when the answer is ready. Every error is an
/// OpenAI-shaped JSON body with the status DESIGN.md gives it.
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

    private let modelList: [UInt8]

    public init(
        embedders: [String: Embedder],
        readiness: NodeReadiness,
        metrics: NodeMetrics = NodeMetrics(),
        maxInputs: Int = EmbeddingsRequest.defaultMaxInputs,
        clusterStatus: @escaping @Sendable () async -> [UInt8]
    ) {
        self.embedders = embedders
        self.readiness = readiness
        self.metrics = metrics
        self.maxInputs = maxInputs
        self.clusterStatus = clusterStatus
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

        var method: HTTPMethod {
            self == .embeddings ? .POST : .GET
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
            let text = metrics.exposition(embedders: Array(embedders.values))
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            return finish(route, HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: text)))
        case .cluster:
            return finish(route, Self.json(.ok, await clusterStatus()))
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

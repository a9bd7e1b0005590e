import Cluster
import NIOCore
import NIOHTTP1

/// Carries one embeddings request through the cluster: plan, send each group, retry failed groups
/// on other backends, gather.
struct Forwarder {
    let configuration: GatewayResponder.Configuration
    let directory: BackendDirectory
    let request: EmbeddingsRequest
    let statistics: GatewayStatistics

    /// The routing key of each input: the text itself, or the token ids written out.
    private var keys: [String] {
        switch request.input {
        case .texts(let texts): texts
        case .tokens(let tokens): tokens.map { "ids:" + $0.map(String.init).joined(separator: ",") }
        }
    }

    /// A finished group: the input indices it carried and their vectors.
    private struct Part: Sendable {
        var inputIndices: [Int]
        /// Row-major, `inputIndices.count × dimension`, as the backend sent them.
        var vectors: [Float]
        var promptTokens: Int
        var dimension: Int
    }

    /// Where one input's vector is: which part, which row of it.
    private struct RowLocation {
        var part: Int
        var row: Int
    }

    func run() async throws(APIError) -> EmbeddingsResponse {
        let keys = self.keys
        let counters = directory.counters
        counters.beginRequest()
        defer { counters.endRequest() }
        var generator = SystemRandomNumberGenerator()
        let plan: RoutePlan
        do {
            plan = try planner().plan(model: request.model, texts: keys, counters: counters, using: &generator)
        } catch {
            throw Self.apiError(error, model: request.model)
        }
        let parts: [Part]
        do {
            parts = try await withThrowingTaskGroup(of: Part.self) { group in
                for planned in plan.groups {
                    group.addTask { try await self.send(planned, keys: keys) }
                }
                var parts: [Part] = []
                for try await part in group { parts.append(part) }
                return parts
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.unavailable("The request was cancelled.")
        }
        // Gather row locations (no per-row arrays), then copy each row once into the answer.
        let locations: [RowLocation]
        do {
            locations = try RoutePlan.gather(
                parts.enumerated().map { index, part in
                    (part.inputIndices, part.inputIndices.indices.map { RowLocation(part: index, row: $0) })
                },
                inputCount: keys.count
            )
        } catch {
            throw Self.apiError(error, model: request.model)
        }
        let dimension = parts.first?.dimension ?? 0
        guard parts.allSatisfy({ $0.dimension == dimension }) else {
            throw APIError(
                status: 502,
                type: "server_error",
                code: "bad_gateway",
                message: "Backends answered with embeddings of different dimensions."
            )
        }
        var flat: [Float] = []
        flat.reserveCapacity(locations.count * dimension)
        for location in locations {
            let start = location.row * dimension
            flat.append(contentsOf: parts[location.part].vectors[start..<start + dimension])
        }
        return EmbeddingsResponse(
            model: request.model,
            vectors: flat,
            dimension: dimension,
            promptTokens: parts.reduce(0) { $0 + $1.promptTokens }
        )
    }

    private func planner() -> RoutePlanner {
        RoutePlanner(
            table: directory.table,
            now: directory.now(),
            replicas: configuration.replicas,
            loadBound: configuration.loadBound
        )
    }

    /// Sends one group, retrying on other backends as the retry policy allows.
    private func send(_ first: RoutePlan.Group, keys: [String]) async throws(APIError) -> Part {
        var group = first
        var tried: Set<Int> = []
        var attempts = 0
        var overloadRetries = 0
        var holdsRetrySlot = false
        let counters = directory.counters
        defer { if holdsRetrySlot { counters.endRetry() } }
        while true {
            attempts += 1
            tried.insert(group.backend)
            let outcome = await attempt(group)
            switch outcome {
            case .success(let part):
                return part
            case .failure(let failure, let clientError):
                let decision = configuration.retry.decide(
                    after: failure,
                    attempts: attempts,
                    overloadRetries: overloadRetries
                )
                guard case .retry(let needsBudget) = decision else {
                    throw clientError
                }
                if holdsRetrySlot {
                    counters.endRetry()
                    holdsRetrySlot = false
                }
                guard counters.tryBeginRetry(budget: configuration.retry.budget, needsBudget: needsBudget) else {
                    throw clientError
                }
                holdsRetrySlot = true
                statistics.recordRetry()
                if case .status(429) = failure { overloadRetries += 1 }
                var generator = SystemRandomNumberGenerator()
                let replanned: RoutePlan
                do {
                    replanned = try planner().replan(
                        group,
                        model: request.model,
                        texts: keys,
                        excluding: tried,
                        outstanding: counters.outstanding,
                        using: &generator
                    )
                } catch {
                    throw clientError
                }
                // A retry goes to one backend: the least-loaded eligible one for the first input.
                guard let next = replanned.groups.first else { throw clientError }
                group = RoutePlan.Group(
                    backend: next.backend,
                    backendName: next.backendName,
                    httpAddress: next.httpAddress,
                    inFlightCap: next.inFlightCap,
                    inputIndices: group.inputIndices
                )
            }
        }
    }

    private enum Outcome {
        case success(Part)
        /// How it failed (for retry and ejection) and what the client sees if it is not retried.
        case failure(BackendFailure, APIError)
    }

    private func attempt(_ group: RoutePlan.Group) async -> Outcome {
        guard let pool = directory.pool(named: group.backendName) else {
            return .failure(.connectFailed, .unavailable("No connection to backend \(group.backendName)."))
        }
        let counters = directory.counters
        // Admission: a backend at its in-flight cap is overloaded, not failing: try another owner once
        // (the retry policy's 429 rule), then answer 429 with Retry-After rather than queue without end.
        guard counters.tryBegin(group.backend, cap: group.inFlightCap) else {
            return .failure(.status(429), .overloaded())
        }
        defer { counters.end(group.backend) }
        let body = subRequest(group.inputIndices).encoded()
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        let backendRequest = BackendRequest(
            method: .POST,
            path: "/v1/embeddings",
            headers: headers,
            body: ByteBuffer(bytes: body),
            deadline: .now() + TimeAmount(configuration.requestTimeout)
        )
        let sent = ContinuousClock.now
        let response: BackendResponse
        do {
            response = try await pool.send(backendRequest)
        } catch {
            let failure = Self.failure(of: error)
            observe(group, sent: sent, failed: true)
            directory.recordOutcome(group.backend, failure: failure)
            if case .status(429) = failure { return .failure(failure, .overloaded()) }
            return .failure(failure, .unavailable("Backend \(group.backendName) failed: \(error.message)."))
        }
        guard response.status == .ok else {
            let code = Int(response.status.code)
            observe(group, sent: sent, failed: true)
            directory.recordOutcome(group.backend, failure: .status(code))
            return .failure(.status(code), Self.passThrough(response))
        }
        do throws(APIError) {
            let decoded = try EmbeddingsResponse.decode(response.body)
            guard decoded.count == group.inputIndices.count, decoded.dimension > 0 else {
                throw APIError(
                    status: 502,
                    type: "server_error",
                    code: "bad_gateway",
                    message:
                        "Backend \(group.backendName) returned \(decoded.count) embeddings for \(group.inputIndices.count) inputs."
                )
            }
            observe(group, sent: sent, failed: false)
            directory.recordOutcome(group.backend, failure: nil)
            return .success(
                Part(
                    inputIndices: group.inputIndices,
                    vectors: decoded.vectors,
                    promptTokens: decoded.promptTokens,
                    dimension: decoded.dimension
                )
            )
        } catch {
            observe(group, sent: sent, failed: true)
            directory.recordOutcome(group.backend, failure: .status(502))
            return .failure(.status(502), error)
        }
    }

    /// Feeds the status page's per-backend window: one short lock, no allocation.
    private func observe(_ group: RoutePlan.Group, sent: ContinuousClock.Instant, failed: Bool) {
        statistics.recordBackendRequest(
            index: group.backend,
            name: group.backendName,
            at: directory.now(),
            latency: sent.duration(to: .now),
            failed: failed
        )
    }

    private func subRequest(_ indices: [Int]) -> EmbeddingsRequest {
        let input: EmbeddingsRequest.Input
        switch request.input {
        case .texts(let texts): input = .texts(indices.map { texts[$0] })
        case .tokens(let tokens): input = .tokens(indices.map { tokens[$0] })
        }
        return EmbeddingsRequest(input: input, model: request.model, encodingFormat: .base64)
    }

    static func failure(of error: BackendError) -> BackendFailure {
        switch error.code {
        case .refusedStream: return .refusedStream
        case .goAway: return .goAwayUnprocessed
        case .timedOut: return .timeout
        case .poolExhausted: return .status(429)  // every stream busy and the wait queue full: overload
        case .connectFailed, .shutdown: return .connectFailed
        default: return error.classification == .notProcessed ? .resetBeforeResponse : .resetAfterHeaders
        }
    }

    /// A backend's own error answer (4xx from a node), given to the client as it is.
    static func passThrough(_ response: BackendResponse) -> APIError {
        let code = Int(response.status.code)
        var message = "Backend answered \(code)."
        if let value = try? JSONParser.parse(response.body), case .string(let text)? = value["error"]?["message"] {
            message = text
        }
        var error = APIError(
            status: code, type: code >= 500 ? "server_error" : "invalid_request_error", message: message)
        if code == 429 || code == 503 { error.retryAfterSeconds = 1 }
        return error
    }

    static func apiError(_ error: RoutingError, model: String) -> APIError {
        switch error.code {
        case .modelNotServed: return .modelNotFound(model)
        case .noHealthyBackend: return .unavailable("No healthy backend serves '\(model)' right now.")
        default: return APIError(status: 502, type: "server_error", code: "bad_gateway", message: error.message)
        }
    }
}

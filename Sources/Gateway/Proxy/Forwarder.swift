import Cluster
import NIOCore
import NIOHTTP1

/// Carries one embeddings request through the cluster: plan, send each group, retry failed groups
/// on other backends, gather.
///
/// When the plan has a single group (one input, or every input on the same backend) the client's
/// body goes to the backend as it arrived and the backend's answer comes back as it is: the node
/// honours `encoding_format`, `dimensions` and `user` itself and echoes the requested model, so
/// the gateway neither re-encodes the request nor parses and re-formats hundreds of numbers per
/// input. Requests split over several backends are re-encoded per group (base64 embeddings, the
/// cheapest to carry) and gathered in input order.
struct Forwarder {
    let configuration: GatewayResponder.Configuration
    let directory: BackendDirectory
    let request: EmbeddingsRequest
    /// The client's request body as it arrived, sent on unchanged for a single-group plan.
    let body: ByteBuffer
    let statistics: GatewayStatistics

    /// What the client gets back.
    enum Answer {
        /// One backend answered the whole request: its body, passed on byte for byte.
        case passedThrough(ByteBuffer)
        /// Several backends answered parts, gathered in input order.
        case gathered(EmbeddingsResponse)
    }

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

    /// The headers of every sub-request.
    private static let backendHeaders: HTTPHeaders = ["content-type": "application/json"]

    func run() async throws(APIError) -> Answer {
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
        if plan.groups.count == 1, let only = plan.groups.first {
            // No task group for one sub-request: it runs in the caller's task.
            let whole = body
            let answer = try await send(
                only, keys: keys, body: { _ in whole }, accept: { _, response in response.body })
            return .passedThrough(answer)
        }
        let parts: [Part]
        do {
            parts = try await withThrowingTaskGroup(of: Part.self) { group in
                for planned in plan.groups {
                    group.addTask {
                        try await self.send(planned, keys: keys, body: self.subRequestBody, accept: Self.part)
                    }
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
        return .gathered(try gather(parts, inputCount: keys.count))
    }

    /// Puts the parts' rows back in input order.
    private func gather(_ parts: [Part], inputCount: Int) throws(APIError) -> EmbeddingsResponse {
        // Gather row locations (no per-row arrays), then copy each row once into the answer.
        let locations: [RowLocation]
        do {
            locations = try RoutePlan.gather(
                parts.enumerated().map { index, part in
                    (part.inputIndices, part.inputIndices.indices.map { RowLocation(part: index, row: $0) })
                },
                inputCount: inputCount
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

    /// Sends one group, retrying on other backends as the retry policy allows. `body` gives the
    /// request body for a group's inputs; `accept` turns a backend's 200 answer into the result, or
    /// throws a 502 for an answer that does not fit (which counts as that backend failing).
    private func send<Value: Sendable>(
        _ first: RoutePlan.Group,
        keys: [String],
        body: ([Int]) -> ByteBuffer,
        accept: (RoutePlan.Group, BackendResponse) throws(APIError) -> Value
    ) async throws(APIError) -> Value {
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
            let outcome = await attempt(group, body: body(group.inputIndices), accept: accept)
            switch outcome {
            case .success(let value):
                return value
            case .cancelled(let clientError):
                throw clientError
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

    private enum Outcome<Value> {
        case success(Value)
        /// How it failed (for retry and ejection) and what the client sees if it is not retried.
        case failure(BackendFailure, APIError)
        /// The client went away (our task was cancelled) before the answer came: says nothing about
        /// the backend, and nobody is left to retry for.
        case cancelled(APIError)
    }

    private func attempt<Value>(
        _ group: RoutePlan.Group,
        body: ByteBuffer,
        accept: (RoutePlan.Group, BackendResponse) throws(APIError) -> Value
    ) async -> Outcome<Value> {
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
        let backendRequest = BackendRequest(
            method: .POST,
            path: "/v1/embeddings",
            headers: Self.backendHeaders,
            body: body,
            deadline: .now() + TimeAmount(configuration.requestTimeout)
        )
        let sent = ContinuousClock.now
        let response: BackendResponse
        do {
            response = try await pool.send(backendRequest)
        } catch {
            // A client that disconnects mid-request cancels its sub-requests; counted as backend
            // failures, five such clients in a row ejected a healthy node.
            if error.code == .cancelled { return .cancelled(.unavailable("The request was cancelled.")) }
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
            let value = try accept(group, response)
            observe(group, sent: sent, failed: false)
            directory.recordOutcome(group.backend, failure: nil)
            return .success(value)
        } catch {
            observe(group, sent: sent, failed: true)
            directory.recordOutcome(group.backend, failure: .status(502))
            return .failure(.status(502), error)
        }
    }

    /// Decodes a backend's answer to a split request's group, checking it has one row per input.
    private static func part(_ group: RoutePlan.Group, _ response: BackendResponse) throws(APIError) -> Part {
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
        return Part(
            inputIndices: group.inputIndices,
            vectors: decoded.vectors,
            promptTokens: decoded.promptTokens,
            dimension: decoded.dimension
        )
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

    /// The body of a split request's group: its inputs, embeddings asked for in base64.
    private func subRequestBody(_ indices: [Int]) -> ByteBuffer {
        let input: EmbeddingsRequest.Input
        switch request.input {
        case .texts(let texts): input = .texts(indices.map { texts[$0] })
        case .tokens(let tokens): input = .tokens(indices.map { tokens[$0] })
        }
        let subRequest = EmbeddingsRequest(
            input: input, model: request.model, encodingFormat: .base64, dimensions: request.dimensions)
        return ByteBuffer(bytes: subRequest.encoded())
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
        case .saturated: return .overloaded()
        default: return APIError(status: 502, type: "server_error", code: "bad_gateway", message: error.message)
        }
    }
}

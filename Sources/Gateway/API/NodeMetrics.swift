import Synchronization

/// The node's request metrics: requests by route and status, texts and tokens served per model,
/// and a latency histogram of `POST /v1/embeddings`. Each finished request takes one short lock;
/// the in-flight gauge is an atomic. Batcher and cache figures are read from their own stats when
/// the exposition is rendered, so they cost the request path nothing.
public final class NodeMetrics: Sendable {
    /// Upper bounds, in seconds, of the latency histogram's buckets (`+Inf` is implied).
    public static let latencyBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// What a request counts under.
    struct RequestKey: Hashable {
        var route: String
        var status: Int
    }

    /// Texts and tokens answered for one model, cache hits included.
    struct Served: Hashable {
        var texts = 0
        var tokens = 0
    }

    struct State {
        var requests: [RequestKey: Int] = [:]
        var served: [String: Served] = [:]
        /// Non-cumulative counts per bucket; the last is `+Inf`.
        var latencyCounts = [Int](repeating: 0, count: NodeMetrics.latencyBuckets.count + 1)
        var latencySum = 0.0
    }

    private let state = Mutex(State())
    private let inFlight = Atomic<Int>(0)

    public init() {}

    /// Requests being answered now.
    public var requestsInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// Marks a request as started; pair with `finish`.
    func start() {
        inFlight.add(1, ordering: .relaxed)
    }

    /// Counts a finished request: its route (a fixed label, never the raw path), status, the
    /// embeddings it answered (if any) and, for embeddings, how long it took.
    func finish(route: String, status: Int, served: (model: String, texts: Int, tokens: Int)?, latency: Duration?) {
        inFlight.subtract(1, ordering: .relaxed)
        let seconds = latency.map { Double($0.components.seconds) + Double($0.components.attoseconds) * 1e-18 }
        let bucket = seconds.map { value in
            Self.latencyBuckets.firstIndex(where: { value <= $0 }) ?? Self.latencyBuckets.count
        }
        state.withLock { state in
            state.requests[RequestKey(route: route, status: status), default: 0] += 1
            if let served {
                state.served[served.model, default: Served()].texts += served.texts
                state.served[served.model, default: Served()].tokens += served.tokens
            }
            if let seconds, let bucket {
                state.latencyCounts[bucket] += 1
                state.latencySum += seconds
            }
        }
    }

    /// A copy of the counters.
    func snapshot() -> State {
        state.withLock { $0 }
    }
}

/// Envoy's retry budget: retries in flight may not exceed `percent` of the requests in flight,
/// with a floor of `minConcurrency` so a quiet gateway can still retry.
///
/// It bounds the extra load retries add when a whole tier is failing (a retry storm) while never
/// blocking the few retries a single failing backend causes.
public struct RetryBudget: Sendable, Hashable {
    /// The share of active requests that may be retries at once (Envoy's default 20).
    public var percent: Double
    /// Retries allowed in flight whatever the request count (Envoy's default 3).
    public var minConcurrency: Int

    public init(percent: Double = 20, minConcurrency: Int = 3) {
        self.percent = percent
        self.minConcurrency = minConcurrency
    }

    /// The most retries that may be in flight while `activeRequests` requests are:
    /// `max(minConcurrency, ⌊percent · activeRequests / 100⌋)`.
    public func limit(activeRequests: Int) -> Int {
        let share = percent.isFinite ? min(max(percent, 0), 100) : 0
        let byShare = (share * Double(max(activeRequests, 0)) / 100).rounded(.down)
        return max(max(minConcurrency, 0), byShare >= Double(Int.max) ? Int.max : Int(byShare))
    }

    /// Whether one more retry may start while `activeRetries` retries and `activeRequests`
    /// requests are in flight.
    public func allowsRetry(activeRequests: Int, activeRetries: Int) -> Bool {
        activeRetries < limit(activeRequests: activeRequests)
    }
}

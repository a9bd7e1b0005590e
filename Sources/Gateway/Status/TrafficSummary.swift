/// What a `RequestWindow` saw: counts, rates and latency percentiles over its last ten seconds.
public struct TrafficSummary: Sendable, Hashable {
    /// Requests that ended in the window.
    public var requests: Int
    /// Of those, the ones that were not served (errors, timeouts, overload).
    public var failures: Int
    public var requestsPerSecond: Double
    public var errorsPerSecond: Double
    /// Median latency in milliseconds; nil when the window saw no request.
    public var p50Milliseconds: Double?
    /// 99th-percentile latency in milliseconds; nil when the window saw no request.
    public var p99Milliseconds: Double?

    public init(
        requests: Int,
        failures: Int,
        requestsPerSecond: Double,
        errorsPerSecond: Double,
        p50Milliseconds: Double? = nil,
        p99Milliseconds: Double? = nil
    ) {
        self.requests = requests
        self.failures = failures
        self.requestsPerSecond = requestsPerSecond
        self.errorsPerSecond = errorsPerSecond
        self.p50Milliseconds = p50Milliseconds
        self.p99Milliseconds = p99Milliseconds
    }
}

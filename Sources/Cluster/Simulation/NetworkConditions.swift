/// The simulated network between members: per-packet latency and loss. Partitions and crashes are
/// operations on the simulator, not conditions.
public struct NetworkConditions: Hashable, Sendable {
    /// One-way delay, drawn uniformly from this range for every packet and push-pull leg.
    public var latency: ClosedRange<Duration>
    /// Probability that a UDP packet is lost (push-pull over TCP is reliable unless partitioned).
    public var lossRate: Double

    public init(latency: ClosedRange<Duration> = .milliseconds(1) ... .milliseconds(5), lossRate: Double = 0) {
        self.latency = latency
        self.lossRate = lossRate
    }
}

public import NIOCore

/// Exponential back-off with jitter between connection attempts after failures.
///
/// After `n` consecutive failures the next attempt waits `min(maximum, initial · 2^(n-1))`, shortened
/// by a random share of up to `jitter` so that a gateway's pools do not reconnect in lockstep.
public struct ReconnectBackoff: Hashable, Sendable {
    public var initial: TimeAmount
    public var maximum: TimeAmount
    /// Share of the delay removed at random, in `0...1`.
    public var jitter: Double

    public init(initial: TimeAmount = .milliseconds(100), maximum: TimeAmount = .seconds(10), jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The delay after `failures` consecutive failures (at least 1), using `random` for the jitter.
    public func delay(afterFailures failures: Int, using random: inout some RandomNumberGenerator) -> TimeAmount {
        let initialNanos = max(0, initial.nanoseconds)
        let maximumNanos = max(initialNanos, maximum.nanoseconds)
        var nanos = initialNanos
        var doublings = max(0, failures - 1)
        while doublings > 0 && nanos < maximumNanos {
            nanos = nanos > maximumNanos / 2 ? maximumNanos : nanos * 2
            doublings -= 1
        }
        nanos = min(nanos, maximumNanos)
        let share = min(1, max(0, jitter))
        guard share > 0, nanos > 0 else { return .nanoseconds(nanos) }
        let cut = Double(nanos) * share * Double.random(in: 0..<1, using: &random)
        return .nanoseconds(nanos - Int64(cut))
    }
}

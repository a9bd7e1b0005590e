/// The configured limits the status hints compare load against.
public struct SaturationLimits: Sendable, Hashable {
    /// A node's queue holds at most this many texts before it answers 429 (`node.max_queued_texts`).
    public var maxQueuedTexts: Int
    /// The gateway sends at most this many requests at once to one node.
    public var maxInFlightPerBackend: Int
    /// A load at or above this fraction of its limit is reported (default 0.8).
    public var warningFraction: Double

    public init(maxQueuedTexts: Int = 8_192, maxInFlightPerBackend: Int = 1_024, warningFraction: Double = 0.8) {
        self.maxQueuedTexts = maxQueuedTexts
        self.maxInFlightPerBackend = maxInFlightPerBackend
        self.warningFraction = warningFraction
    }
}

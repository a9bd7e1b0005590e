/// Counts of inputs the core discarded, by reason.
public struct DroppedPacketCounts: Hashable, Sendable {
    /// Undecodable packets and push-pull states, by codec error.
    public var undecodable: [WireError.Code: Int] = [:]
    /// Pings addressed to another member name (e.g. a restarted process reusing an endpoint).
    public var wrongTarget = 0
    /// Acks and nacks for no probe in flight (late or forged).
    public var unexpectedAnswer = 0
    /// Alive messages that claim a known live member's name from another endpoint.
    public var endpointConflict = 0
    /// Pings or packets received after a graceful leave finished.
    public var afterLeave = 0

    public init() {}

    public var total: Int {
        undecodable.values.reduce(0, +) + wrongTarget + unexpectedAnswer + endpointConflict + afterLeave
    }
}

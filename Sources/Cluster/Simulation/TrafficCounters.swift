/// What one simulated member sent.
public struct TrafficCounters: Hashable, Sendable {
    public var packets = 0
    public var messages = 0
    public var bytes = 0
    public var pushPulls = 0

    public init() {}

    static func + (lhs: TrafficCounters, rhs: TrafficCounters) -> TrafficCounters {
        TrafficCounters(
            packets: lhs.packets + rhs.packets,
            messages: lhs.messages + rhs.messages,
            bytes: lhs.bytes + rhs.bytes,
            pushPulls: lhs.pushPulls + rhs.pushPulls
        )
    }

    init(packets: Int, messages: Int, bytes: Int, pushPulls: Int) {
        self.packets = packets
        self.messages = messages
        self.bytes = bytes
        self.pushPulls = pushPulls
    }
}

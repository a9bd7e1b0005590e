/// What one simulated member sent.
public struct TrafficCounters: Hashable, Sendable {
    /// UDP packets, the SWIM messages they carried, and their bytes (codec output, before sealing).
    public var packets = 0
    public var messages = 0
    public var bytes = 0
    /// Push-pull exchanges started, and the full-state bytes written over TCP (requests and replies).
    public var pushPulls = 0
    public var pushPullBytes = 0

    public init() {}

    static func + (lhs: TrafficCounters, rhs: TrafficCounters) -> TrafficCounters {
        TrafficCounters(
            packets: lhs.packets + rhs.packets,
            messages: lhs.messages + rhs.messages,
            bytes: lhs.bytes + rhs.bytes,
            pushPulls: lhs.pushPulls + rhs.pushPulls,
            pushPullBytes: lhs.pushPullBytes + rhs.pushPullBytes
        )
    }

    init(packets: Int, messages: Int, bytes: Int, pushPulls: Int, pushPullBytes: Int) {
        self.packets = packets
        self.messages = messages
        self.bytes = bytes
        self.pushPulls = pushPulls
        self.pushPullBytes = pushPullBytes
    }
}

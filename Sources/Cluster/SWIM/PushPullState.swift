/// The full membership state exchanged in a push-pull (anti-entropy) sync over TCP.
///
/// It can exceed the UDP packet size; the TCP shell length-frames it and the codec caps it at
/// `WireFormat.maxPushPullSize`.
public struct PushPullState: Hashable, Sendable {
    /// Whether the sender is joining (the exchange was started by `onJoin`).
    public var isJoin: Bool
    public var members: [Entry]

    /// One member's state as the sender sees it.
    public struct Entry: Hashable, Sendable {
        public var name: String
        public var endpoint: Endpoint
        public var state: MemberState
        public var incarnation: UInt64
        public var metadata: [UInt8]

        public init(name: String, endpoint: Endpoint, state: MemberState, incarnation: UInt64, metadata: [UInt8]) {
            self.name = name
            self.endpoint = endpoint
            self.state = state
            self.incarnation = incarnation
            self.metadata = metadata
        }
    }

    public init(isJoin: Bool, members: [Entry]) {
        self.isJoin = isJoin
        self.members = members
    }
}

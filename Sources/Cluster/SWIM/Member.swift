/// One member of the cluster as seen by the local node: an immutable value for snapshots and events.
public struct Member: Hashable, Sendable {
    /// The unique member name; it identifies the member across restarts.
    public var name: String
    public var endpoint: Endpoint
    public var state: MemberState
    /// The member's incarnation: only the member itself increases it (to refute or to publish metadata).
    public var incarnation: UInt64
    /// Opaque metadata bytes owned by the member (at most `SWIMSettings.maxMetadataSize`).
    public var metadata: [UInt8]
    /// When the local node last saw this member change state (the core's time origin).
    public var stateChangedAt: Duration

    public init(
        name: String,
        endpoint: Endpoint,
        state: MemberState,
        incarnation: UInt64,
        metadata: [UInt8],
        stateChangedAt: Duration
    ) {
        self.name = name
        self.endpoint = endpoint
        self.state = state
        self.incarnation = incarnation
        self.metadata = metadata
        self.stateChangedAt = stateChangedAt
    }
}

public import Cluster

/// What gossip says about one serving node: the input the health table fuses with its checks.
public struct BackendDescriptor: Sendable, Hashable {
    /// The member name; it identifies the backend across restarts.
    public var name: String
    /// Where its HTTP API listens, as `host:port`.
    public var httpAddress: String
    /// The models it serves.
    public var models: [String]
    /// Its SWIM state as seen locally.
    public var memberState: MemberState
    /// Whether it says it takes new work.
    public var servingState: MemberMetadata.ServingState

    public init(
        name: String,
        httpAddress: String,
        models: [String],
        memberState: MemberState = .alive,
        servingState: MemberMetadata.ServingState = .ready
    ) {
        self.name = name
        self.httpAddress = httpAddress
        self.models = models
        self.memberState = memberState
        self.servingState = servingState
    }

    /// The backend a member stands for, or nil when it is a gateway or its metadata cannot be
    /// decoded (a member that does not say where it listens cannot be sent requests).
    public init?(member: Member) {
        guard let metadata = try? MemberMetadata(decoding: member.metadata), metadata.role == .node else {
            return nil
        }
        self.init(
            name: member.name,
            httpAddress: metadata.httpAddress,
            models: metadata.models,
            memberState: member.state,
            servingState: metadata.servingState
        )
    }

    /// Gossip's verdict alone: alive (not suspect, dead or left) and serving.
    public var gossipReady: Bool { memberState == .alive && servingState == .ready }
}

/// What the SWIM core asks its shell to do after an input. The shell carries directives out in order.
public enum SWIMDirective: Hashable, Sendable {
    /// Send these encoded packet bytes (at most `settings.packetBudget`) over UDP; the shell seals them.
    case send(bytes: [UInt8], to: Endpoint)
    /// Open a TCP push-pull with `endpoint`: send `pushPullRequest(join:)`'s bytes, hand the answer to
    /// `onPushPullResponse(_:from:now:)`.
    case startPushPull(with: Endpoint, join: Bool)
    /// The membership changed; publish a new snapshot and tell subscribers.
    case event(MembershipEvent)
    /// A graceful leave has had its propagation time; the shell may stop the member now.
    case leaveFinished
    /// Call `onTick(now:)` no later than this time (every input returns one, last).
    case wakeUp(at: Duration)
}

/// A change of one member's state, as the local node observed it.
public struct MembershipEvent: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// A member was seen for the first time (or again after it was forgotten).
        case joined
        case suspect
        /// A suspect, dead or left member is alive again (it refuted, recovered or restarted).
        case alive
        case dead
        case left
        /// The member published new metadata (without a state change).
        case metadataUpdated
    }

    public var kind: Kind
    /// The member as it is after the change.
    public var member: Member

    public init(kind: Kind, member: Member) {
        self.kind = kind
        self.member = member
    }
}

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

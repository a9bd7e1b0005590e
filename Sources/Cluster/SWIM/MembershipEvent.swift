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

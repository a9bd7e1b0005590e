/// One entry of the status page's recent events: what happened to which member, and when.
public struct ClusterEvent: Sendable, Hashable {
    /// What happened. Gossip states (`joined`, `alive`, `suspect`, `dead`, `left`), serving-state
    /// changes a member announced (`draining`, `ready`, `starting`), and `restarted`: the same name
    /// came back with a new process start time.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case joined
        case alive
        case suspect
        case dead
        case left
        case draining
        case ready
        case starting
        case restarted
    }

    /// Wall-clock time, in seconds since the Unix epoch.
    public var at: Double
    public var member: String
    public var kind: Kind

    public init(at: Double, member: String, kind: Kind) {
        self.at = at
        self.member = member
        self.kind = kind
    }
}

/// The SWIM state of a member as seen by one node.
///
/// `left` is a `dead` that the member declared about itself (a graceful leave), so consumers can
/// tell a planned departure from a failure.
public enum MemberState: UInt8, Sendable, Hashable, CustomStringConvertible {
    case alive = 0
    case suspect = 1
    case dead = 2
    case left = 3

    /// Whether the member is believed to be running (alive or merely suspected).
    public var isLive: Bool { self == .alive || self == .suspect }

    public var description: String {
        switch self {
        case .alive: "alive"
        case .suspect: "suspect"
        case .dead: "dead"
        case .left: "left"
        }
    }
}

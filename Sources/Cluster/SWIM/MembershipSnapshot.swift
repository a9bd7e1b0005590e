/// An immutable view of the membership at one instant, cheap to share with hot-path readers.
///
/// The shell publishes a new snapshot (e.g. in a `Mutex` or an atomic reference) after events.
public struct MembershipSnapshot: Hashable, Sendable {
    /// The local member's name.
    public let localName: String
    /// Every known member, the local one included, sorted by name.
    public let members: [Member]
    /// The core's time when the snapshot was taken.
    public let takenAt: Duration
    /// Position of each member in `members`, so lookups by name on the hot path are O(1).
    private let positions: [String: Int]

    public init(localName: String, members: [Member], takenAt: Duration) {
        self.localName = localName
        self.members = members
        self.takenAt = takenAt
        var positions: [String: Int] = [:]
        positions.reserveCapacity(members.count)
        for (position, member) in members.enumerated() { positions[member.name] = position }
        self.positions = positions
    }

    public func member(named name: String) -> Member? {
        positions[name].map { members[$0] }
    }

    /// Members believed to be running (alive or suspect), the local one included.
    public var liveMembers: [Member] { members.filter { $0.state.isLive } }

    public func count(in state: MemberState) -> Int {
        members.reduce(0) { $0 + ($1.state == state ? 1 : 0) }
    }
}

public import Cluster

/// The last `capacity` membership and serving-state changes, newest first: a pure value fed with
/// the membership event stream (and the first snapshot), so it is tested without gossip.
///
/// It remembers each member's last serving state and process start time to turn metadata updates
/// into `draining`/`ready`/`starting`, and a return under a new start time into `restarted`.
public struct ClusterEventLog: Sendable {
    private struct Known: Sendable {
        var servingState: MemberMetadata.ServingState?
        var startedAtMilliseconds: Int64?
    }

    /// The most events kept.
    public let capacity: Int
    /// Oldest first; `events` reverses it.
    private var entries: [ClusterEvent] = []
    private var known: [String: Known] = [:]

    public init(capacity: Int = 100) {
        self.capacity = max(capacity, 1)
    }

    /// The kept events, newest first.
    public var events: [ClusterEvent] { entries.reversed() }

    /// Takes in the members already known when following starts: each is reported as joined.
    public mutating func observe(snapshot: MembershipSnapshot, at time: Double) {
        for member in snapshot.members where known[member.name] == nil {
            observe(MembershipEvent(kind: .joined, member: member), at: time)
        }
    }

    /// Takes in one membership event observed at `time` (unix seconds).
    public mutating func observe(_ event: MembershipEvent, at time: Double) {
        let name = event.member.name
        let metadata = event.member.decodedMetadata
        let previous = known[name]
        let restarted =
            previous?.startedAtMilliseconds != nil && metadata?.startedAtMilliseconds != nil
            && previous?.startedAtMilliseconds != metadata?.startedAtMilliseconds
        switch event.kind {
        case .joined: append(restarted ? .restarted : .joined, name, time)
        case .alive: append(restarted ? .restarted : .alive, name, time)
        case .suspect: append(.suspect, name, time)
        case .dead: append(.dead, name, time)
        case .left: append(.left, name, time)
        case .metadataUpdated: if restarted { append(.restarted, name, time) }
        }
        if let state = metadata?.servingState, let previous, previous.servingState != state {
            switch state {
            case .draining: append(.draining, name, time)
            case .ready: append(.ready, name, time)
            case .starting: append(.starting, name, time)
            }
        }
        known[name] = Known(
            servingState: metadata?.servingState ?? previous?.servingState,
            startedAtMilliseconds: metadata?.startedAtMilliseconds ?? previous?.startedAtMilliseconds
        )
    }

    private mutating func append(_ kind: ClusterEvent.Kind, _ member: String, _ time: Double) {
        entries.append(ClusterEvent(at: time, member: member, kind: kind))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }
}

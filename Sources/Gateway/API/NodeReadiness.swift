public import Cluster
import Synchronization

/// The node's serving state, flipped by whoever owns the node's life cycle (`starting` until the
/// models are loaded, `ready`, then `draining` on the way out) and read without a lock by
/// `GET /ready` on every request.
public final class NodeReadiness: Sendable {
    private let raw: Atomic<UInt8>

    public init(_ state: MemberMetadata.ServingState = .starting) {
        raw = Atomic(Self.code(state))
    }

    /// The current state.
    public var state: MemberMetadata.ServingState {
        switch raw.load(ordering: .acquiring) {
        case 1: .ready
        case 2: .draining
        default: .starting
        }
    }

    /// Makes `state` the current state.
    public func set(_ state: MemberMetadata.ServingState) {
        raw.store(Self.code(state), ordering: .releasing)
    }

    private static func code(_ state: MemberMetadata.ServingState) -> UInt8 {
        switch state {
        case .starting: 0
        case .ready: 1
        case .draining: 2
        }
    }
}

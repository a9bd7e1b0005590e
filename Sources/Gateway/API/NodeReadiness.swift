public import Cluster
import Synchronization

/// The node's serving state, flipped by whoever owns the node's life cycle (`starting` until the
/// models are loaded, `ready`, then `draining` on the way out) and read without a lock by
/// `GET /ready` on every request; beside it, how many `POST /v1/embeddings` requests are being
/// answered, which is what a drain waits for (admin, health and metrics requests are not counted,
/// so polling the drain does not hold it up).
public final class NodeReadiness: Sendable {
    private let raw: Atomic<UInt8>
    private let embeddings = Atomic<Int>(0)

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

    /// `POST /v1/embeddings` requests between being routed and being answered.
    public var embeddingsInFlight: Int { embeddings.load(ordering: .relaxed) }

    /// Counts an embeddings request as started; pair with `embeddingFinished()`.
    public func embeddingStarted() {
        embeddings.add(1, ordering: .relaxed)
    }

    /// Counts an embeddings request as answered.
    public func embeddingFinished() {
        embeddings.subtract(1, ordering: .relaxed)
    }

    private static func code(_ state: MemberMetadata.ServingState) -> UInt8 {
        switch state {
        case .starting: 0
        case .ready: 1
        case .draining: 2
        }
    }
}

/// The control plane behind a node's admin endpoints: whoever owns the node's life cycle.
///
/// Called only after the request is authorized, and only for admin requests (never on the
/// embeddings path), so an implementation may be an actor.
public protocol AdminControl: Sendable {
    /// Starts `action` and returns the state the node is in afterwards. Draining and resuming take
    /// effect before this returns; a restart is only begun (it ends in a new process image).
    /// Throws an `APIError` when the action conflicts with what the node is doing, e.g. resuming
    /// while it restarts or stops.
    func perform(_ action: AdminAction) async throws(APIError) -> AdminState
}

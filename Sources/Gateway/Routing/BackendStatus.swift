/// A backend's health as `/cluster` and `murmur status` show it (`up`, `down`, `draining`,
/// `starting`).
public enum BackendStatus: String, Sendable, Hashable, CaseIterable {
    /// Eligible for new requests.
    case up
    /// Not eligible: gossip says suspect/dead/left, checks failed, or passive errors ejected it.
    case down
    /// The node is finishing in-flight work and takes nothing new.
    case draining
    /// The node is up but not ready yet (loading its model).
    case starting
}

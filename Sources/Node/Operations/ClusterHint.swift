/// Advice the gateway attaches to its `/cluster` document, e.g. "node-2 has been suspect for 40 s".
struct ClusterHint: Hashable, Sendable {
    /// `info`, `warning` or `critical` (kept as sent).
    var severity: String
    /// The member the hint is about, if any.
    var member: String?
    var message: String
}

/// Where a node's life cycle stands, as the admin endpoints report it in `{"state":…}`.
public enum AdminState: String, Sendable, Hashable, CaseIterable {
    /// Serving: takes new work.
    case ready
    /// Takes no new work and is finishing what it has (`POST /admin/drain`).
    case draining
    /// Draining on its way to re-executing itself (`POST /admin/restart`).
    case restarting
    /// Draining on its way out (SIGTERM or SIGINT).
    case stopping
}

/// An operation the node admin endpoints offer, one per path.
public enum AdminAction: String, Sendable, Hashable, CaseIterable {
    /// `POST /admin/drain`: stop taking new work and let in-flight requests finish.
    case drain
    /// `POST /admin/resume`: undo a drain.
    case resume
    /// `POST /admin/restart`: drain, close, leave the cluster and re-execute the binary.
    case restart

    /// The path the action is served on.
    public var path: String { "/admin/\(rawValue)" }
}

/// One of a node's admin endpoints (`POST /admin/<command>`, Bearer token required).
enum AdminCommand: String, Hashable, Sendable, CaseIterable {
    /// Stop taking new work and report the requests still in flight (idempotent: repeat to poll).
    case drain
    /// Undo a drain.
    case resume
    /// Drain, close, and re-exec the same binary with the same arguments (answers 202 first).
    case restart

    var path: String { "/admin/\(rawValue)" }
}

/// Why a request to a murmur HTTP port got no usable answer.
struct ClusterRequestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, short enough to follow "cannot reach … at http://host:port: ", e.g.
    /// `connection refused`, `no answer within 5s`.
    var reason: String
    /// False when the request certainly never reached the server (nothing was sent); true when it
    /// may have been acted on even though no answer arrived.
    var mayHaveBeenProcessed: Bool

    init(reason: String, mayHaveBeenProcessed: Bool) {
        self.reason = reason
        self.mayHaveBeenProcessed = mayHaveBeenProcessed
    }

    var description: String { reason }
}

/// `murmur up` options that cannot describe a cluster (the CLI reports the message and exits 2).
struct ClusterPlanError: Error, Hashable, Sendable, CustomStringConvertible {
    /// One line naming the problem and the flag to change, e.g. `--base-port 9000 … overlaps --gateway-port`.
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}

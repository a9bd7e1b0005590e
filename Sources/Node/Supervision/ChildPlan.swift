import Cluster

/// One process `murmur up` runs: what it is called, how it is started and where it logs.
struct ChildPlan: Hashable, Sendable {
    enum Role: String, Hashable, Sendable {
        case node
        case gateway
    }

    /// The member name (`node-<i>` or `gateway`), also the log file's name.
    let name: String
    let role: Role
    /// The arguments after the executable, e.g. `["node", "--name", "node-0", …]`.
    let arguments: [String]
    /// Where it serves HTTP (the node API, or the gateway's public port).
    let http: Endpoint
    /// Where it gossips (UDP and TCP on one port).
    let gossip: Endpoint
    /// Its log file: stdout and stderr are appended there.
    let logPath: String
}

import Cluster

/// The processes `murmur up` runs, derived from its options: node `i` (0-based) is `node-<i>` with
/// HTTP on `basePort + i` and gossip on `gossipBasePort + i`; the gateway listens on `gatewayPort`
/// and gossips on `gossipBasePort + nodes`. Everything binds to loopback, every node seeds from every
/// node's gossip address, and the gateway seeds from the same list.
///
/// Building a plan checks the options: at least one node, a model a node can serve, every port in
/// range and no port used twice (gossip ports are taken for both UDP and TCP, so they may not equal
/// an HTTP port either).
struct ClusterPlan: Hashable, Sendable {
    /// `murmur up`'s flags, as given.
    struct Options: Hashable, Sendable {
        var nodes = 3
        var model = "all-MiniLM-L6-v2"
        var gatewayPort = 8080
        var basePort = 9000
        var gossipBasePort = 7946
        var runDirectory = ".murmur"
        /// `--config`, passed on to every child.
        var configPath: String?
    }

    /// The most nodes one `murmur up` runs: they all share one machine.
    static let maximumNodes = 64
    static let host = "127.0.0.1"

    let options: Options
    /// The nodes in index order, then the gateway.
    let children: [ChildPlan]

    var nodes: [ChildPlan] { children.filter { $0.role == .node } }
    var gateway: ChildPlan? { children.first { $0.role == .gateway } }
    var logDirectory: String { Self.joined(options.runDirectory, "logs") }
    var adminTokenPath: String { Self.joined(options.runDirectory, "admin-token") }
    /// The URL clients use.
    var gatewayURL: String { "http://\(Self.host):\(options.gatewayPort)" }

    init(options: Options) throws(ClusterPlanError) {
        try Self.validate(options)
        self.options = options
        let count = options.nodes
        let gossipSeeds = (0..<count).map { "\(Self.host):\(options.gossipBasePort + $0)" }.joined(separator: ",")
        let logDirectory = Self.joined(options.runDirectory, "logs")
        let configArguments = options.configPath.map { ["--config", $0] } ?? []
        var children: [ChildPlan] = []
        for index in 0..<count {
            let name = "node-\(index)"
            let http = Endpoint(host: Self.host, port: UInt16(options.basePort + index))
            let gossip = Endpoint(host: Self.host, port: UInt16(options.gossipBasePort + index))
            children.append(
                ChildPlan(
                    name: name,
                    role: .node,
                    arguments: ["node", "--name", name, "--http", "\(http)", "--gossip", "\(gossip)"]
                        + ["--seeds", gossipSeeds, "--model", options.model] + configArguments,
                    http: http,
                    gossip: gossip,
                    logPath: Self.joined(logDirectory, "\(name).log")
                )
            )
        }
        let listen = Endpoint(host: Self.host, port: UInt16(options.gatewayPort))
        let gatewayGossip = Endpoint(host: Self.host, port: UInt16(options.gossipBasePort + count))
        children.append(
            ChildPlan(
                name: "gateway",
                role: .gateway,
                arguments: ["gateway", "--name", "gateway", "--listen", "\(listen)", "--gossip", "\(gatewayGossip)"]
                    + ["--seeds", gossipSeeds] + configArguments,
                http: listen,
                gossip: gatewayGossip,
                logPath: Self.joined(logDirectory, "gateway.log")
            )
        )
        self.children = children
    }

    private static func validate(_ options: Options) throws(ClusterPlanError) {
        guard (1...maximumNodes).contains(options.nodes) else {
            throw ClusterPlanError("--nodes \(options.nodes): expected 1 to \(maximumNodes)")
        }
        guard ConfiguredModel(rawValue: options.model) != nil else {
            let known = ConfiguredModel.allCases.map(\.rawValue).joined(separator: " or ")
            throw ClusterPlanError("--model \(options.model): unknown model (expected \(known))")
        }
        guard !options.runDirectory.isEmpty else {
            throw ClusterPlanError("--run-dir: expected a directory path")
        }
        let count = options.nodes
        let ranges: [(flag: String, value: Int, ports: ClosedRange<Int>)] = [
            ("--gateway-port", options.gatewayPort, options.gatewayPort...options.gatewayPort),
            ("--base-port", options.basePort, options.basePort...(options.basePort + count - 1)),
            ("--gossip-base-port", options.gossipBasePort, options.gossipBasePort...(options.gossipBasePort + count)),
        ]
        for range in ranges where range.ports.lowerBound < 1 || range.ports.upperBound > 65535 {
            throw ClusterPlanError(
                "\(range.flag) \(range.value): ports \(describe(range.ports)) must lie within 1-65535 (--nodes \(count))"
            )
        }
        for (index, first) in ranges.enumerated() {
            for second in ranges[(index + 1)...] where first.ports.overlaps(second.ports) {
                throw ClusterPlanError(
                    "\(first.flag) \(first.value) (ports \(describe(first.ports))) overlaps \(second.flag) "
                        + "\(second.value) (ports \(describe(second.ports))) with --nodes \(count)"
                )
            }
        }
    }

    private static func describe(_ ports: ClosedRange<Int>) -> String {
        ports.count == 1 ? "\(ports.lowerBound)" : "\(ports.lowerBound)-\(ports.upperBound)"
    }

    static func joined(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// The order in which `murmur up` stops its children: every node at once (each drains: it stops being
/// ready, lets the gateway route around it, finishes its requests and leaves gossip), then the gateway,
/// which must stay up while the nodes drain so clients keep being served until the end.
///
/// Each stage sends SIGTERM to its children, waits up to its grace period for them to exit, then sends
/// SIGKILL to the ones still running.
struct ShutdownPlan: Hashable, Sendable {
    struct Stage: Hashable, Sendable {
        /// The children stopped together in this stage.
        let names: [String]
        /// How long they get between SIGTERM and SIGKILL.
        let grace: Duration
    }

    /// Time on top of a child's own drain limit for leaving gossip and closing down.
    static let margin: Duration = .seconds(5)

    let stages: [Stage]

    /// - Parameters:
    ///   - nodeDrainTimeout: the nodes' `[node] drain_timeout`.
    ///   - gatewayDrainTimeout: how long the gateway waits for its in-flight requests when stopping.
    init(plan: ClusterPlan, nodeDrainTimeout: Duration, gatewayDrainTimeout: Duration) {
        var stages: [Stage] = []
        let nodes = plan.nodes.map(\.name)
        if !nodes.isEmpty { stages.append(Stage(names: nodes, grace: nodeDrainTimeout + Self.margin)) }
        if let gateway = plan.gateway {
            stages.append(Stage(names: [gateway.name], grace: gatewayDrainTimeout + Self.margin))
        }
        self.stages = stages
    }
}

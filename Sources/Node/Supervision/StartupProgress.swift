/// What `murmur up` prints while the cluster comes up: one progress line that changes as children get
/// ready, then a summary with one aligned line per member.
struct StartupProgress: Hashable, Sendable {
    let plan: ClusterPlan
    private(set) var phases: [String: ChildPhase]

    init(plan: ClusterPlan) {
        self.plan = plan
        self.phases = Dictionary(uniqueKeysWithValues: plan.children.map { ($0.name, ChildPhase.starting) })
    }

    /// Records a child's phase; returns whether anything changed (only then is the line redrawn).
    @discardableResult
    mutating func set(_ name: String, _ phase: ChildPhase) -> Bool {
        guard phases[name] != nil, phases[name] != phase else { return false }
        phases[name] = phase
        return true
    }

    func phase(of name: String) -> ChildPhase? { phases[name] }

    /// Every child is ready or given up on: time for the summary.
    var isSettled: Bool { plan.children.allSatisfy { phases[$0.name]?.isSettled ?? false } }

    /// `starting: node-0 loading, node-1 ready, gateway starting`.
    var line: String {
        let parts = plan.children.map { child in
            "\(child.name) \((phases[child.name] ?? .starting).label(for: child.role))"
        }
        return "starting: " + parts.joined(separator: ", ")
    }

    /// The summary: the gateway URL, then per member its phase, addresses, pid and log.
    ///
    /// - Parameter pids: the running children's process ids (a child without one shows `-`).
    func summary(pids: [String: Int32]) -> [String] {
        let names = plan.children.map(\.name)
        let nameWidth = max("gateway".count, names.map(\.count).max() ?? 0)
        let labels = plan.children.map { (phases[$0.name] ?? .starting).label(for: $0.role) }
        let labelWidth = labels.map(\.count).max() ?? 0
        var lines = ["gateway".padded(to: nameWidth) + "  " + plan.gatewayURL]
        for (child, label) in zip(plan.children, labels) {
            let pid = pids[child.name].map(String.init) ?? "-"
            lines.append(
                child.name.padded(to: nameWidth) + "  " + label.padded(to: labelWidth)
                    + "  http \(child.http)  gossip \(child.gossip)  pid \(pid)  log \(child.logPath)"
            )
        }
        return lines
    }
}

extension String {
    fileprivate func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

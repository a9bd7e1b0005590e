@testable import Node

/// A node member for fixed `/cluster` documents.
func nodeMember(
    _ name: String, port: Int, state: ClusterMember.State = .alive, health: ClusterMember.Health = .up,
    incarnation: Int = 1, startedAt: Double? = 1_000
) -> ClusterMember {
    var member = ClusterMember(name: name)
    member.role = "node"
    member.state = state
    member.health = health
    member.incarnation = incarnation
    member.http = "127.0.0.1:\(port)"
    member.gossip = "127.0.0.1:\(port + 1000)"
    member.inFlight = 0
    member.models = ["synthetic"]
    member.version = "0.1.0"
    member.startedAt = startedAt
    return member
}

/// A gateway member for fixed `/cluster` documents.
func gatewayMember() -> ClusterMember {
    var member = ClusterMember(name: "gateway")
    member.role = "gateway"
    member.state = .alive
    member.health = .up
    member.incarnation = 1
    member.http = "127.0.0.1:8080"
    return member
}

/// A cluster of nodes `node-0`… (HTTP ports 9000…) behind a gateway, all alive and up, which tests
/// change member by member.
struct FakeCluster {
    var members: [String: ClusterMember] = [:]

    init(nodes: Int) {
        for index in 0..<nodes {
            members["node-\(index)"] = nodeMember("node-\(index)", port: 9000 + index)
        }
    }

    var document: ClusterDocument {
        ClusterDocument(local: "gateway", members: [gatewayMember()] + members.values.sorted { $0.name < $1.name })
    }

    /// The node after a restart: a new process with a later start and a higher incarnation.
    mutating func restart(_ name: String, startedAt: Double = 2_000) {
        guard var member = members[name] else { return }
        member.startedAt = startedAt
        member.incarnation = (member.incarnation ?? 0) + 5
        member.health = .up
        member.state = .alive
        members[name] = member
    }

    mutating func set(_ name: String, health: ClusterMember.Health) {
        members[name]?.health = health
    }
}

/// Drives a ``RollingRestart`` with scripted observations, collecting every printed line.
struct RestartDriver {
    var machine: RollingRestart
    var lines: [String] = []
    /// Admin requests answered or failed so far, as `drain node-0`.
    var calls: [String] = []
    var step: RollingRestart.Step?
    var now: Duration = .zero

    init(batch: Int = 1, drainTimeout: Duration = .seconds(30), restartTimeout: Duration = .seconds(120)) {
        var configuration = RollingRestart.Configuration()
        configuration.batchSize = batch
        configuration.drainTimeout = drainTimeout
        configuration.restartTimeout = restartTimeout
        configuration.pollInterval = .milliseconds(250)
        machine = RollingRestart(configuration: configuration)
    }

    var action: RollingRestart.Action? { step?.action }

    private mutating func record(_ next: RollingRestart.Step) {
        lines += next.lines
        step = next
    }

    /// Moves the clock to when the current action is due.
    private mutating func advanceToAction() {
        switch action {
        case .fetchCluster(let at)?, .admin(_, _, let at)?: now = max(now, at)
        default: break
        }
    }

    mutating func begin(_ document: ClusterDocument) {
        record(machine.begin(with: document, now: now))
    }

    /// The admin request due now, as (command, node name), or nil when the action is something else.
    var pendingAdmin: (AdminCommand, String)? {
        if case .admin(let command, let target, _)? = action { return (command, target.name) }
        return nil
    }

    /// The admin request due now, as `drain node-0`.
    var pending: String? { pendingAdmin.map { "\($0.0.rawValue) \($0.1)" } }

    var wantsCluster: Bool {
        if case .fetchCluster? = action { return true }
        return false
    }

    var outcome: RollingRestart.Outcome? {
        if case .finish(let outcome)? = action { return outcome }
        return nil
    }

    mutating func answer(_ reply: AdminReply, after delay: Duration = .milliseconds(5)) {
        if let (command, name) = pendingAdmin { calls.append("\(command.rawValue) \(name)") }
        advanceToAction()
        now += delay
        record(machine.adminAnswered(reply, now: now))
    }

    mutating func fail(_ error: ClusterRequestError, after delay: Duration = .milliseconds(5)) {
        if let (command, name) = pendingAdmin { calls.append("\(command.rawValue) \(name)") }
        advanceToAction()
        now += delay
        record(machine.adminFailed(error, now: now))
    }

    mutating func observe(_ document: ClusterDocument, after delay: Duration = .milliseconds(5)) {
        advanceToAction()
        now += delay
        record(machine.clusterObserved(document, now: now))
    }

    mutating func gatewayDown(_ reason: String = "connection refused", after delay: Duration = .milliseconds(5)) {
        advanceToAction()
        now += delay
        record(machine.clusterUnreachable(reason: reason, now: now))
    }

    /// Plays a cooperative cluster until the run finishes (or `limit` steps pass): drains answer
    /// with `inFlight(name)` requests (then zero), the gateway reflects drains at once, a restarted
    /// node is back on the next look.
    mutating func runCooperatively(
        _ cluster: inout FakeCluster, inFlight: (String, Int) -> Int = { _, _ in 0 }, limit: Int = 1_000
    ) {
        var drainCalls: [String: Int] = [:]
        var restarted: Set<String> = []
        for _ in 0..<limit {
            switch action {
            case .admin(.drain, let target, _)?:
                drainCalls[target.name, default: 0] += 1
                if cluster.members[target.name]?.health == .up { cluster.set(target.name, health: .draining) }
                answer(
                    AdminReply(
                        status: 200, state: "draining", inFlight: inFlight(target.name, drainCalls[target.name]!)))
            case .admin(.restart, let target, _)?:
                restarted.insert(target.name)
                cluster.set(target.name, health: .down)
                answer(AdminReply(status: 202, state: "restarting", inFlight: 0))
            case .admin(.resume, _, _)?:
                return
            case .fetchCluster?:
                for name in restarted { cluster.restart(name) }
                restarted = []
                observe(cluster.document)
            case .finish?, nil:
                return
            }
        }
    }
}

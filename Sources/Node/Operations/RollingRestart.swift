/// `murmur rolling-restart` as a pure state machine: the shell reports what it observed (a
/// `/cluster` document, an admin answer, a failure) with the time, and gets back lines to print and
/// the one next thing to do. Nothing here does I/O or reads a clock, so every path — refusals,
/// timeouts, a node that never returns, an unreachable gateway — is tested with plain values.
///
/// For each batch of nodes, in name order: `POST /admin/drain` on each until none has requests in
/// flight and the gateway no longer counts any as up (or the drain timeout passes), then
/// `POST /admin/restart` on each, then poll the gateway's `/cluster` until each is alive, up and a
/// new process (a newer `started_at`, or a higher incarnation where `started_at` is unknown).
/// Exactly one request is outstanding at a time.
struct RollingRestart: Sendable {
    struct Configuration: Hashable, Sendable {
        /// Nodes restarted together.
        var batchSize = 1
        /// How long to wait for a node's in-flight requests to finish before restarting it anyway.
        var drainTimeout: Duration = .seconds(30)
        /// How long a node may take from the restart request to being back, alive and up.
        var restartTimeout: Duration = .seconds(120)
        /// The pause between two polls of the same thing.
        var pollInterval: Duration = .milliseconds(250)
        /// The host the gateway was reached at, used for nodes that publish a wildcard HTTP host.
        var gatewayHost = "127.0.0.1"

        init() {}
    }

    /// A node to restart.
    struct Target: Hashable, Sendable {
        var name: String
        var address: HTTPAddress
        /// 1-based position in the whole run, for `[2/3]`.
        var position: Int
    }

    /// What the shell does next; `at` is a time on the same scale as the `now` passed in (the shell
    /// waits until then first).
    enum Action: Hashable, Sendable {
        /// `GET /cluster` from the gateway, then report it with `clusterObserved` or `clusterUnreachable`.
        case fetchCluster(at: Duration)
        /// `POST /admin/<command>` to the target, then report it with `adminAnswered` or `adminFailed`.
        case admin(AdminCommand, Target, at: Duration)
        /// Stop: print the outcome and exit (0 when completed, 1 when stopped).
        case finish(Outcome)
    }

    enum Outcome: Hashable, Sendable {
        /// Every node was restarted; the summary line.
        case completed(String)
        /// The run refused to start or stopped part-way; one line saying why.
        case stopped(String)
    }

    /// Progress lines to print, and the next action.
    struct Step: Hashable, Sendable {
        var lines: [String]
        var action: Action
    }

    /// What identifies a node's process before the restart, to tell the new process from the old.
    struct ProcessMark: Hashable, Sendable {
        var incarnation: Int?
        var startedAt: Double?
    }

    enum Phase: Hashable, Sendable {
        case notStarted
        /// Waiting for the nodes outside the batch to be up before draining it.
        case settling
        case draining
        case restarting
        case awaitingReturn
        case finished
    }

    let configuration: Configuration

    // The state below is internal so the event methods in RollingRestart+Events.swift can keep it
    // and tests can read it; only the `begin`/`cluster…`/`admin…` event methods change it.

    var phase = Phase.notStarted
    var batches: [[Target]] = []
    var batchIndex = 0
    /// Nodes back after their restart so far.
    var restartedCount = 0
    var targetCount: Int { batches.reduce(0) { $0 + $1.count } }
    var batch: [Target] { batchIndex < batches.count ? batches[batchIndex] : [] }

    var startedAt: Duration = .zero
    /// When waiting for the rest of the cluster before the current batch began.
    var settleStartedAt: Duration = .zero
    /// Admin requests still to send in this round, and the one awaiting its answer.
    var queue: [Target] = []
    var outstanding: (command: AdminCommand, target: Target)?
    /// Draining: when it began, the latest in-flight counts, and whether the gateway has stopped
    /// counting every node of the batch as up.
    var drainStartedAt: Duration = .zero
    var inFlight: [String: Int] = [:]
    var gatewaySawDrain = false
    /// Restarting: each node's process before, when its restart was sent, and who is back.
    var baseline: [String: ProcessMark] = [:]
    var restartSentAt: [String: Duration] = [:]
    var returned: Set<String> = []
    var lastSeen: [String: ClusterMember] = [:]
    /// Since when, and why, the gateway has not answered (nil while it answers).
    var gatewayOutage: (since: Duration, reason: String)?

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Starts from the gateway's first `/cluster` document: checks the run is safe, plans the
    /// batches and drains the first.
    mutating func begin(with document: ClusterDocument, now: Duration) -> Step {
        guard phase == .notStarted else { return stop("internal error: the rolling restart was started twice") }
        startedAt = now
        let nodes = document.nodes
        let healthy = nodes.filter { $0.state == .alive && $0.health == .up }
        guard healthy.count >= 2 else {
            return stop(
                "refusing to restart: \(healthy.count) of \(nodes.count) nodes \(healthy.count == 1 ? "is" : "are") "
                    + "healthy (alive, health up); a rolling restart needs at least two so one keeps serving")
        }
        guard configuration.batchSize < healthy.count else {
            return stop(
                "refusing to restart: --batch \(configuration.batchSize) would take down all \(healthy.count) "
                    + "healthy nodes at once; use a batch smaller than \(healthy.count)")
        }
        var lines: [String] = []
        var targets: [Target] = []
        for node in nodes {
            if node.state == .dead || node.state == .left {
                lines.append("skipping \(node.name.terminalSafe): \(node.state?.description ?? "gone")")
                continue
            }
            guard let http = node.http else {
                return stop("cannot restart \(node.name.terminalSafe): it publishes no HTTP address")
            }
            let address: HTTPAddress
            do {
                address = try HTTPAddress(member: http, fallbackHost: configuration.gatewayHost)
            } catch {
                return stop("cannot restart \(node.name.terminalSafe): \(error.message)")
            }
            targets.append(Target(name: node.name, address: address, position: targets.count + 1))
        }
        let size = max(1, configuration.batchSize)
        batches = stride(from: 0, to: targets.count, by: size).map {
            Array(targets[$0..<min($0 + size, targets.count)])
        }
        let how = size == 1 ? "one at a time" : "in batches of \(size)"
        lines.append(
            "restarting \(targets.count) nodes \(how): "
                + targets.map { $0.name.terminalSafe }.joined(separator: ", "))
        var step = beginBatch(document: document, now: now)
        step.lines.insert(contentsOf: lines, at: 0)
        return step
    }

    /// Starts the current batch: drains it at once when every other node is up, else first waits
    /// (at most the restart timeout) for the ones that are suspect, starting or down to recover, so
    /// a batch is never taken out while the rest of the cluster is short. Nodes an operator drained
    /// are not waited for.
    mutating func beginBatch(document: ClusterDocument, now: Duration) -> Step {
        let waitingFor = unsettledNodes(in: document)
        guard !waitingFor.isEmpty else { return drainBatch(document: document, now: now) }
        phase = .settling
        settleStartedAt = now
        let names = waitingFor.map {
            "\($0.name.terminalSafe) (\($0.state?.description ?? "unknown"), "
                + "health \($0.health?.description ?? "unknown"))"
        }
        return Step(
            lines: [
                "waiting for \(names.joined(separator: ", ")) to be up before draining "
                    + batch.map { $0.name.terminalSafe }.joined(separator: ", ")
            ],
            action: .fetchCluster(at: now + configuration.pollInterval))
    }

    /// Nodes outside the batch that are running but not alive and up (drained ones excepted).
    func unsettledNodes(in document: ClusterDocument) -> [ClusterMember] {
        let names = Set(batch.map(\.name))
        return document.nodes.filter { node in
            guard !names.contains(node.name), node.state == .alive || node.state == .suspect else { return false }
            guard node.health != .draining else { return false }
            return !(node.state == .alive && node.health == .up)
        }
    }

    /// Drains the current batch (some node outside it is up: for the first batch the refusal rule
    /// ensures it, for later ones the previous batch is back up in this very document).
    mutating func drainBatch(document: ClusterDocument, now: Duration) -> Step {
        var lines: [String] = []
        for target in batch {
            let member = document.member(named: target.name)
            baseline[target.name] = ProcessMark(incarnation: member?.incarnation, startedAt: member?.startedAt)
            if member?.health == .draining {
                lines.append("\(label(target))  was already draining")
            }
        }
        phase = .draining
        drainStartedAt = now
        inFlight = [:]
        gatewaySawDrain = false
        queue = batch
        var step = sendNext(.drain, at: now)
        step.lines.insert(contentsOf: lines, at: 0)
        return step
    }

    // MARK: Shared pieces

    /// `[2/3] node-1` (the name made safe for a terminal).
    func label(_ target: Target) -> String {
        "[\(target.position)/\(targetCount)] \(target.name.terminalSafe)"
    }

    /// Sends `command` to the next target in the queue at `time`.
    mutating func sendNext(_ command: AdminCommand, at time: Duration) -> Step {
        guard !queue.isEmpty else { return stop("internal error: no node left to send \(command.path) to") }
        let target = queue.removeFirst()
        outstanding = (command, target)
        return Step(lines: [], action: .admin(command, target, at: time))
    }

    /// Ends the run with `message`, naming how far it got when some nodes were already restarted.
    mutating func stop(_ message: String, lines: [String] = []) -> Step {
        let progress =
            phase == .notStarted
            ? ""
            : "rolling restart stopped after restarting \(restartedCount) of \(targetCount) nodes: "
        // Nodes this run drained but did not get to restart would stay out of service: say so.
        var leftDraining: [String] = []
        if phase == .draining || phase == .restarting {
            leftDraining = batch.filter { inFlight[$0.name] != nil && restartSentAt[$0.name] == nil }
                .map { $0.name.terminalSafe }
        }
        let note =
            leftDraining.isEmpty
            ? ""
            : "; left draining: \(leftDraining.joined(separator: ", ")) (POST /admin/resume puts a node back in service)"
        phase = .finished
        outstanding = nil
        return Step(lines: lines, action: .finish(.stopped(progress + message + note)))
    }
}

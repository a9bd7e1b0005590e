#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The state of one `murmur up` run and its reaction to each event; owned by ``Supervisor/run()``'s
/// loop, so it needs no lock. Decisions come from the pure types; this carries them out.
struct SupervisorLoop {
    private struct Child {
        let plan: ChildPlan
        var pid: pid_t?
        var startedAt: Duration = .zero
        var history: CrashHistory
        /// Starts after the first: a child that becomes ready again is announced as back.
        var restarts = 0
        var probe: Task<Void, Never>?
        var restartTimer: Task<Void, Never>?
    }

    private let supervisor: Supervisor
    private let continuation: AsyncStream<SupervisorEvent>.Continuation
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private var random = SystemRandomNumberGenerator()
    private var console = ConsoleOutput()
    private var children: [String: Child] = [:]
    private var progress: StartupProgress
    private var summaryPrinted = false
    /// Set once a stop began: the shutdown stage in progress and the status to exit with.
    private var stopping: (stage: Int, status: Int32)?
    private var stageTimer: Task<Void, Never>?
    /// Set when the run is over.
    private(set) var finishedStatus: Int32?

    init(supervisor: Supervisor, continuation: AsyncStream<SupervisorEvent>.Continuation) {
        self.supervisor = supervisor
        self.continuation = continuation
        self.origin = clock.now
        self.progress = StartupProgress(plan: supervisor.plan)
        for child in supervisor.plan.children {
            children[child.name] = Child(plan: child, history: CrashHistory(policy: supervisor.policy))
        }
    }

    private var now: Duration { clock.now - origin }

    /// Starts every child: the nodes first, then the gateway.
    mutating func start() async {
        let plan = supervisor.plan
        let model = plan.options.model
        console.print(
            "murmur up: \(plan.nodes.count) node\(plan.nodes.count == 1 ? "" : "s") (\(model)) and a gateway; "
                + "logs in \(plan.logDirectory)/"
        )
        for child in plan.children { await spawn(child.name) }
        console.progress(progress.line)
    }

    mutating func handle(_ event: SupervisorEvent) async {
        switch event {
        case .exited(let pid, let status):
            guard let name = children.first(where: { $0.value.pid == pid })?.key else { return }
            childExited(name, reason: status.description)
        case .probed(let name, let pid, let phase):
            guard children[name]?.pid == pid else { return }
            probed(name, pid: pid, phase: phase)
        case .restartDue(let name):
            guard stopping == nil, let child = children[name], child.pid == nil,
                !child.history.isCrashLooping
            else { return }
            children[name]?.restarts += 1
            await spawn(name)
        case .stopRequested(let signal):
            if stopping == nil {
                beginStop(reason: "signal \(signal)", status: 0)
            } else {
                console.print("signal \(signal) again: killing every child now")
                for child in children.values { if let pid = child.pid { kill(pid, SIGKILL) } }
            }
        case .graceExpired(let stage):
            guard let stopping, stopping.stage == stage, stage < supervisor.shutdownPlan.stages.count else { return }
            let grace = supervisor.shutdownPlan.stages[stage].grace
            for name in supervisor.shutdownPlan.stages[stage].names {
                guard let pid = children[name]?.pid else { continue }
                console.print("\(name) did not stop within \(grace.shortText); killing it")
                kill(pid, SIGKILL)
            }
        }
    }

    /// Cancels every task the loop started (probes, restart and grace timers).
    mutating func cancelTasks() {
        for name in children.keys {
            children[name]?.probe?.cancel()
            children[name]?.restartTimer?.cancel()
        }
        stageTimer?.cancel()
    }

    // MARK: - Children

    private mutating func spawn(_ name: String) async {
        guard let plan = children[name]?.plan else { return }
        let time = now
        do {
            let pid = try await supervisor.spawningThread.launch(
                executable: supervisor.executable,
                arguments: plan.arguments,
                environment: supervisor.environment,
                logPath: plan.logPath,
                banner: "=== murmur up: starting \(name) (run time \(time.shortText)) ==="
            )
            children[name]?.pid = pid
            children[name]?.startedAt = time
            setPhase(name, .starting)
            startProbe(name, pid: pid, port: Int(plan.http.port))
        } catch {
            console.print("\(name): \(error)")
            childExited(name, reason: "not started")
        }
    }

    private mutating func startProbe(_ name: String, pid: pid_t, port: Int) {
        let continuation = self.continuation
        children[name]?.probe = Task {
            guard let probe = try? ReadinessProbe(port: port) else { return }
            var last = ChildPhase.starting
            while !Task.isCancelled {
                let phase = await probe.check()
                if phase != last {
                    last = phase
                    continuation.yield(.probed(name: name, pid: pid, phase: phase))
                }
                if phase == .ready { break }
                try? await Task.sleep(for: Supervisor.probeInterval)
            }
            await probe.shutdown()
        }
    }

    private mutating func probed(_ name: String, pid: pid_t, phase: ChildPhase) {
        setPhase(name, phase)
        if phase == .ready, let child = children[name], child.restarts > 0 {
            console.print("\(name) back (pid \(pid))")
        }
        printSummaryIfSettled()
    }

    private mutating func childExited(_ name: String, reason: String) {
        guard var child = children[name] else { return }
        child.pid = nil
        child.probe?.cancel()
        child.probe = nil
        if let stopping {
            children[name] = child
            console.print("\(name) stopped (\(reason))")
            continueStop(from: stopping.stage)
            return
        }
        let decision = child.history.recordExit(at: now, uptime: now - child.startedAt, using: &random)
        children[name] = child
        switch decision {
        case .restart(let delay, _):
            console.print("\(name) exited (\(reason)); restarting in \(delay.shortText)")
            setPhase(name, .restarting)
            let continuation = self.continuation
            children[name]?.restartTimer = Task {
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return
                }
                continuation.yield(.restartDue(name: name))
            }
        case .crashLooping(let crashes, let window):
            var message =
                "\(name) is crash-looping: it exited \(crashes) times within \(window.shortText) "
                + "(last: \(reason)); not restarting it. See \(child.plan.logPath)"
            if let last = LogTail.lastLine(of: child.plan.logPath) { message += "; it ends: \(last)" }
            console.print(message)
            setPhase(name, .crashLooping)
            if supervisor.plan.nodes.allSatisfy({ children[$0.name]?.history.isCrashLooping ?? true }) {
                beginStop(reason: "every node is crash-looping", status: 1)
                return
            }
            printSummaryIfSettled()
        }
    }

    private mutating func setPhase(_ name: String, _ phase: ChildPhase) {
        guard progress.set(name, phase), !summaryPrinted, stopping == nil else { return }
        console.progress(progress.line)
    }

    private mutating func printSummaryIfSettled() {
        guard !summaryPrinted, stopping == nil, progress.isSettled else { return }
        summaryPrinted = true
        console.endProgress()
        let pids = children.compactMapValues(\.pid)
        for line in progress.summary(pids: pids) { console.print(line) }
        console.print(supervisor.tokenNote)
        console.print("Ctrl-C stops the cluster (nodes drain first, the gateway last)")
    }

    // MARK: - Stopping

    private mutating func beginStop(reason: String, status: Int32) {
        stopping = (stage: 0, status: status)
        console.endProgress()
        console.print("stopping (\(reason)): nodes first, then the gateway")
        for name in children.keys {
            children[name]?.probe?.cancel()
            children[name]?.restartTimer?.cancel()
        }
        startStage(0)
    }

    /// Starts the first stage from `index` that still has running children; finishes the run when
    /// none is left.
    private mutating func startStage(_ index: Int) {
        let stages = supervisor.shutdownPlan.stages
        var index = index
        while index < stages.count {
            let running = stages[index].names.compactMap { name in children[name]?.pid.map { (name, $0) } }
            if !running.isEmpty {
                stopping?.stage = index
                for (_, pid) in running { kill(pid, SIGTERM) }
                let grace = stages[index].grace
                let continuation = self.continuation
                let stage = index
                stageTimer?.cancel()
                stageTimer = Task {
                    do {
                        try await Task.sleep(for: grace)
                    } catch {
                        return
                    }
                    continuation.yield(.graceExpired(stage: stage))
                }
                return
            }
            index += 1
        }
        stopping?.stage = stages.count
        finish()
    }

    private mutating func continueStop(from stage: Int) {
        let stages = supervisor.shutdownPlan.stages
        guard stage < stages.count else {
            finish()
            return
        }
        if stages[stage].names.allSatisfy({ children[$0]?.pid == nil }) {
            startStage(stage + 1)
        }
    }

    /// Ends the run once no child is left (one outside the plan's stages would be a bug; still wait).
    private mutating func finish() {
        guard children.values.allSatisfy({ $0.pid == nil }) else { return }
        stageTimer?.cancel()
        console.print("stopped")
        finishedStatus = stopping?.status ?? 0
    }
}

extension RollingRestart {
    /// The gateway answered `/cluster`.
    mutating func clusterObserved(_ document: ClusterDocument, now: Duration) -> Step {
        var lines: [String] = []
        if let outage = gatewayOutage {
            lines.append("gateway reachable again after \((now - outage.since).elapsedText)")
            gatewayOutage = nil
        }
        var step: Step
        switch phase {
        case .settling:
            if unsettledNodes(in: document).isEmpty {
                step = drainBatch(document: document, now: now)
            } else if now - settleStartedAt >= configuration.restartTimeout {
                step = drainBatch(document: document, now: now)
                let names = unsettledNodes(in: document).map { $0.name.terminalSafe }.joined(separator: ", ")
                step.lines.insert(
                    "\(names) still not up after \(configuration.restartTimeout.configurationText); going on", at: 0)
            } else {
                step = Step(lines: [], action: .fetchCluster(at: now + configuration.pollInterval))
            }
        case .draining:
            let batchNames = Set(batch.map(\.name))
            gatewaySawDrain = document.members.allSatisfy { member in
                !batchNames.contains(member.name) || member.state != .alive || member.health != .up
            }
            step = drainGatewayChecked(now: now)
        case .awaitingReturn:
            step = checkReturns(document, now: now)
        case .notStarted, .restarting, .finished:
            step = stop("internal error: a /cluster document arrived while none was awaited")
        }
        step.lines.insert(contentsOf: lines, at: 0)
        return step
    }

    /// The gateway could not be reached, or did not answer with a cluster document.
    mutating func clusterUnreachable(reason: String, now: Duration) -> Step {
        var lines: [String] = []
        if gatewayOutage == nil {
            gatewayOutage = (now, reason)
            lines.append("gateway unreachable (\(reason.terminalSafe)); retrying")
        } else {
            gatewayOutage?.reason = reason
        }
        var step: Step
        switch phase {
        case .settling:
            if now - settleStartedAt >= configuration.restartTimeout {
                let since = gatewayOutage.map { (now - $0.since).elapsedText } ?? "0.0s"
                step = stop(
                    "cannot check the cluster before draining \(batch.map { $0.name.terminalSafe }.joined(separator: ", ")): "
                        + "the gateway has not answered for \(since) (\(reason.terminalSafe))")
            } else {
                step = Step(lines: [], action: .fetchCluster(at: now + configuration.pollInterval))
            }
        case .draining:
            step = drainGatewayChecked(now: now)
        case .awaitingReturn:
            if let late = batch.first(where: { !returned.contains($0.name) && isOverdue($0, now: now) }) {
                let since = gatewayOutage.map { (now - $0.since).elapsedText } ?? "0.0s"
                step = stop(
                    "\(late.name.terminalSafe) did not come back within "
                        + "\(configuration.restartTimeout.configurationText): the gateway has not answered for "
                        + "\(since) (\(reason.terminalSafe))")
            } else {
                step = Step(lines: [], action: .fetchCluster(at: now + configuration.pollInterval))
            }
        case .notStarted, .restarting, .finished:
            step = stop("internal error: a gateway failure arrived while no /cluster request was made")
        }
        step.lines.insert(contentsOf: lines, at: 0)
        return step
    }

    /// A node answered an admin request (any HTTP status).
    mutating func adminAnswered(_ reply: AdminReply, now: Duration) -> Step {
        guard let pending = outstanding else {
            return stop("internal error: an admin answer arrived while none was awaited")
        }
        let (command, target) = (pending.command, pending.target)
        outstanding = nil
        if reply.status == 401 || reply.status == 403 {
            let detail = reply.errorMessage.map { ": \($0.terminalSafe)" } ?? ""
            return stop(
                "\(target.name.terminalSafe) refused the admin token (\(reply.status)\(detail)); the token is wrong: "
                    + "pass the cluster's token with --token or MURMUR_ADMIN_TOKEN")
        }
        guard reply.isSuccess else {
            let detail = reply.errorMessage.map { ": \($0.terminalSafe)" } ?? ""
            return stop(
                "\(target.name.terminalSafe) at \(target.address) answered POST \(command.path) with "
                    + "\(reply.status)\(detail)")
        }
        switch (phase, command) {
        case (.draining, .drain):
            inFlight[target.name] = max(0, reply.inFlight ?? 0)
            return queue.isEmpty ? drainRoundFinished(now: now) : sendNext(.drain, at: now)
        case (.restarting, .restart):
            return restartAccepted(target, note: nil, now: now)
        default:
            return stop("internal error: an answer to POST \(command.path) arrived in phase \(phase)")
        }
    }

    /// An admin request got no answer.
    mutating func adminFailed(_ error: ClusterRequestError, now: Duration) -> Step {
        guard let pending = outstanding else {
            return stop("internal error: an admin failure arrived while no admin request was made")
        }
        let (command, target) = (pending.command, pending.target)
        outstanding = nil
        // A restart request the node may have acted on before the connection went away is followed
        // up like an accepted one: the restart timeout catches it if nothing happened.
        if phase == .restarting, command == .restart, error.mayHaveBeenProcessed {
            return restartAccepted(target, note: "its answer was lost: \(error.reason)", now: now)
        }
        return stop(
            "cannot reach \(target.name.terminalSafe) at \(target.address) for POST \(command.path): "
                + error.reason.terminalSafe)
    }

    // MARK: Draining

    /// Every node of the batch answered this round of drain requests: finish the drain, ask the
    /// gateway whether it still routes to the batch, or poll the nodes again.
    mutating func drainRoundFinished(now: Duration) -> Step {
        let busy = batch.contains { (inFlight[$0.name] ?? 1) > 0 }
        if !busy && gatewaySawDrain { return restartBatch(now: now, timedOut: false) }
        if now - drainStartedAt >= configuration.drainTimeout { return restartBatch(now: now, timedOut: true) }
        if !gatewaySawDrain { return Step(lines: [], action: .fetchCluster(at: now)) }
        queue = batch
        return sendNext(.drain, at: now + configuration.pollInterval)
    }

    /// The gateway was asked (answered or not) whether it still counts the batch as up: poll the
    /// nodes again, at once when it has stopped routing to them (to see whether anything is left).
    mutating func drainGatewayChecked(now: Duration) -> Step {
        if now - drainStartedAt >= configuration.drainTimeout { return restartBatch(now: now, timedOut: true) }
        queue = batch
        return sendNext(.drain, at: gatewaySawDrain ? now : now + configuration.pollInterval)
    }

    /// Ends the drain of the batch and asks each node to restart.
    mutating func restartBatch(now: Duration, timedOut: Bool) -> Step {
        var lines: [String] = []
        let elapsed = (now - drainStartedAt).elapsedText
        for target in batch {
            let count = inFlight[target.name]
            if timedOut {
                let figure = count.map { "in-flight \($0)" } ?? "in-flight unknown"
                let gateway = gatewaySawDrain ? "" : ", the gateway still counts the batch as up"
                lines.append(
                    "\(label(target))  drain timed out after \(configuration.drainTimeout.configurationText) "
                        + "(\(figure)\(gateway)); restarting anyway")
            } else {
                lines.append("\(label(target))  drained (in-flight \(count ?? 0)) \(elapsed)")
            }
        }
        phase = .restarting
        queue = batch
        var step = sendNext(.restart, at: now)
        step.lines.insert(contentsOf: lines, at: 0)
        return step
    }

    // MARK: Restarting

    /// A node accepted its restart (or may have): note the time, then restart the next or start
    /// watching the gateway.
    mutating func restartAccepted(_ target: Target, note: String?, now: Duration) -> Step {
        restartSentAt[target.name] = now
        let line = "\(label(target))  restarting" + (note.map { " (\($0.terminalSafe))" } ?? "")
        if !queue.isEmpty {
            var step = sendNext(.restart, at: now)
            step.lines.insert(line, at: 0)
            return step
        }
        phase = .awaitingReturn
        returned = []
        lastSeen = [:]
        return Step(lines: [line], action: .fetchCluster(at: now + configuration.pollInterval))
    }

    /// Whether `member` is the node back as a new process: alive, up, and a newer `started_at` (or a
    /// higher incarnation when either document lacks `started_at`).
    static func isBack(_ member: ClusterMember, since before: ProcessMark) -> Bool {
        guard member.state == .alive, member.health == .up else { return false }
        if let was = before.startedAt, let now = member.startedAt { return now > was }
        guard let was = before.incarnation, let now = member.incarnation else { return false }
        return now > was
    }

    func isOverdue(_ target: Target, now: Duration) -> Bool {
        guard let sent = restartSentAt[target.name] else { return false }
        return now - sent >= configuration.restartTimeout
    }

    /// Notes who is back; moves to the next batch when all are, stops when one is overdue.
    mutating func checkReturns(_ document: ClusterDocument, now: Duration) -> Step {
        var lines: [String] = []
        for target in batch where !returned.contains(target.name) {
            guard let member = document.member(named: target.name) else {
                lastSeen[target.name] = nil
                continue
            }
            lastSeen[target.name] = member
            let before = baseline[target.name] ?? ProcessMark()
            guard Self.isBack(member, since: before) else { continue }
            returned.insert(target.name)
            restartedCount += 1
            let incarnations =
                "incarnation \(before.incarnation.map(String.init) ?? "?") → "
                + (member.incarnation.map(String.init) ?? "?")
            let elapsed = restartSentAt[target.name].map { (now - $0).elapsedText } ?? "?"
            lines.append("\(label(target))  back: alive, up, \(incarnations), \(elapsed)")
        }
        if returned.count == batch.count {
            var step = nextBatch(document: document, now: now)
            step.lines.insert(contentsOf: lines, at: 0)
            return step
        }
        if let late = batch.first(where: { !returned.contains($0.name) && isOverdue($0, now: now) }) {
            return stop(
                "\(late.name.terminalSafe) did not come back within "
                    + "\(configuration.restartTimeout.configurationText): \(whatIsWrong(with: late))",
                lines: lines)
        }
        return Step(lines: lines, action: .fetchCluster(at: now + configuration.pollInterval))
    }

    /// How the gateway last saw a node that is not back.
    func whatIsWrong(with target: Target) -> String {
        guard let member = lastSeen[target.name] else { return "the gateway does not list it" }
        let before = baseline[target.name] ?? ProcessMark()
        let state = member.state?.description ?? "unknown"
        let health = member.health?.description ?? "unknown"
        if member.state == .alive && member.health == .up {
            return "it is alive and up but still the process from before the restart "
                + "(started_at \(member.startedAt.map { StatusTable.decimal($0, places: 0) } ?? "unknown"), "
                + "incarnation \(member.incarnation.map(String.init) ?? "unknown"), was "
                + "\(before.incarnation.map(String.init) ?? "unknown"))"
        }
        return "the gateway sees it \(state.terminalSafe), health \(health.terminalSafe)"
    }

    /// Starts the next batch, or completes the run.
    mutating func nextBatch(document: ClusterDocument, now: Duration) -> Step {
        batchIndex += 1
        guard batchIndex < batches.count else {
            phase = .finished
            let noun = restartedCount == 1 ? "node" : "nodes"
            return Step(
                lines: [],
                action: .finish(
                    .completed(
                        "rolling restart complete: \(restartedCount) \(noun) restarted in "
                            + (now - startedAt).elapsedText)))
        }
        return beginBatch(document: document, now: now)
    }
}

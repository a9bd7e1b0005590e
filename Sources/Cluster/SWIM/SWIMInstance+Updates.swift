/// Membership updates and SWIM precedence:
/// alive(i) beats suspect/dead/left(j) iff i > j; suspect(i) beats alive(j) iff i ≥ j;
/// dead/left(i) beats alive/suspect(j) iff i ≥ j; nothing but a newer alive overrides dead or left.
extension SWIMInstance {
    mutating func applyAlive(_ alive: SWIMMessage.Alive, now: Duration, into directives: inout [SWIMDirective]) {
        if alive.name == localName {
            guard !hasLeft, alive.incarnation >= incarnation else { return }
            if alive.incarnation == incarnation && alive.endpoint == localEndpoint && alive.metadata == metadata {
                return
            }
            // Someone holds a newer or different version of us (e.g. from before a restart).
            refute(accusedIncarnation: alive.incarnation)
            return
        }
        guard alive.metadata.count <= WireFormat.maxMetadataSize else { return }
        guard var member = members[alive.name] else {
            let member = Member(
                name: alive.name,
                endpoint: alive.endpoint,
                state: .alive,
                incarnation: alive.incarnation,
                metadata: alive.metadata,
                stateChangedAt: now
            )
            insertMember(member)
            broadcasts.enqueue(.alive(alive))
            directives.append(.event(MembershipEvent(kind: .joined, member: member)))
            return
        }
        if member.endpoint != alive.endpoint {
            // A live member's name cannot move; a dead one's can after the reclaim time.
            let reclaimable = !member.state.isLive && now - member.stateChangedAt >= settings.deadNodeReclaimTime
            guard reclaimable else {
                droppedPackets.endpointConflict += 1
                return
            }
        } else if alive.incarnation <= member.incarnation {
            return
        }
        let previous = member
        member.incarnation = alive.incarnation
        member.endpoint = alive.endpoint
        member.metadata = alive.metadata
        setState(of: &member, to: .alive, now: now)
        members[member.name] = member
        broadcasts.enqueue(.alive(alive))
        if previous.state != .alive {
            directives.append(.event(MembershipEvent(kind: .alive, member: member)))
        } else if previous.metadata != member.metadata || previous.endpoint != member.endpoint {
            directives.append(.event(MembershipEvent(kind: .metadataUpdated, member: member)))
        }
    }

    mutating func applySuspect(_ suspect: SWIMMessage.Suspect, now: Duration, into directives: inout [SWIMDirective]) {
        if suspect.name == localName {
            guard !hasLeft else { return }
            guard suspect.incarnation >= incarnation else {
                noteCorrection(.alive(localAlive))
                return
            }
            refute(accusedIncarnation: suspect.incarnation)
            return
        }
        guard var member = members[suspect.name] else { return }
        guard suspect.incarnation >= member.incarnation else {
            noteStale(member)
            return
        }
        switch member.state {
        case .dead, .left:
            return
        case .suspect:
            if suspicions[member.name]?.confirm(from: suspect.from) == true {
                broadcasts.enqueue(.suspect(suspect))
            }
        case .alive:
            member.incarnation = suspect.incarnation
            setState(of: &member, to: .suspect, now: now)
            members[member.name] = member
            let size = clusterSize
            // Lifeguard: a member that doubts its own timeliness waits longer before declaring death.
            let bounds = settings.suspicionTimeoutBounds(clusterSize: size)
            // With too few other members, confirmations cannot arrive; do not wait for them.
            var expected = settings.expectedSuspicionConfirmations
            if size - 2 < expected { expected = 0 }
            suspicions[member.name] = Suspicion(
                incarnation: suspect.incarnation,
                from: suspect.from,
                startedAt: now,
                minimum: localHealth.scale(bounds.min),
                maximum: localHealth.scale(bounds.max),
                expectedConfirmations: expected
            )
            broadcasts.enqueue(.suspect(suspect))
            directives.append(.event(MembershipEvent(kind: .suspect, member: member)))
        }
    }

    mutating func applyDead(_ dead: SWIMMessage.Dead, now: Duration, into directives: inout [SWIMDirective]) {
        if dead.name == localName {
            guard !hasLeft else { return }
            guard dead.incarnation >= incarnation else {
                noteCorrection(.alive(localAlive))
                return
            }
            refute(accusedIncarnation: dead.incarnation)
            return
        }
        guard var member = members[dead.name] else { return }
        guard dead.incarnation >= member.incarnation else {
            noteStale(member)
            return
        }
        guard member.state.isLive else { return }
        member.incarnation = dead.incarnation
        setState(of: &member, to: dead.isLeave ? .left : .dead, now: now)
        members[member.name] = member
        broadcasts.enqueue(.dead(dead))
        directives.append(.event(MembershipEvent(kind: dead.isLeave ? .left : .dead, member: member)))
    }

    /// Declares suspects dead when their suspicion timer runs out.
    mutating func runSuspicions(now: Duration, into directives: inout [SWIMDirective]) {
        guard !suspicions.isEmpty else { return }
        for (name, suspicion) in suspicions {
            if now >= suspicion.deadline {
                suspicions[name] = nil
                guard let member = members[name], member.state == .suspect, member.incarnation == suspicion.incarnation
                else { continue }
                let dead = SWIMMessage.Dead(name: name, incarnation: member.incarnation, from: localName)
                applyDead(dead, now: now, into: &directives)
            } else if let due = suspicion.recheckDue, now >= due {
                let sequence = nextSequence()
                suspicions[name]?.recordRecheck(sequence: sequence)
                guard let member = members[name] else { continue }
                send(pingMessages(to: name, sequence: sequence), to: member.endpoint, into: &directives)
            }
        }
    }

    /// Records that the packet being processed carried an accusation older than our alive `member`.
    private mutating func noteStale(_ member: Member) {
        guard member.state == .alive else { return }
        let alive = SWIMMessage.Alive(
            name: member.name,
            incarnation: member.incarnation,
            endpoint: member.endpoint,
            metadata: member.metadata
        )
        noteCorrection(.alive(alive))
    }

    private mutating func noteCorrection(_ message: SWIMMessage) {
        guard corrections != nil, corrections?.contains(where: { $0.subject == message.subject }) == false else {
            return
        }
        corrections?.append(message)
    }

    /// Answers a suspicion or death claim about ourselves with a higher incarnation (+1 LHM: being
    /// suspected hints that we are slow to answer).
    mutating func refute(accusedIncarnation: UInt64) {
        incarnation = max(incarnation + 1, accusedIncarnation &+ 1)
        localHealth.apply(1)
        broadcasts.enqueue(.alive(localAlive))
    }

    /// Moves a member between states, keeping `liveCount` and the suspicion table consistent.
    mutating func setState(of member: inout Member, to state: MemberState, now: Duration) {
        if member.state.isLive != state.isLive {
            liveCount += state.isLive ? 1 : -1
        }
        if state != .suspect { suspicions[member.name] = nil }
        if member.state != state { member.stateChangedAt = now }
        member.state = state
    }

    /// Adds a newly learned member at a random position of the probe order (memberlist's trick, so
    /// new members are not all probed at the same point of everyone's round).
    mutating func insertMember(_ member: Member) {
        members[member.name] = member
        if member.state.isLive { liveCount += 1 }
        probeOrder.append(member.name)
        let last = probeOrder.count - 1
        let position = Int(random.next() % UInt64(probeOrder.count))
        probeOrder.swapAt(position, last)
    }
}

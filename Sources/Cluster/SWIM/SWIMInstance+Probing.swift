extension SWIMInstance {
    /// Dispatches one message of a received packet.
    mutating func handle(
        _ message: SWIMMessage, from source: Endpoint, now: Duration, into directives: inout [SWIMDirective]
    ) {
        switch message {
        case .ping(let ping):
            guard ping.target == localName else {
                droppedPackets.wrongTarget += 1
                return
            }
            send([.ack(sequence: ping.sequence)], to: ping.source.endpoint, into: &directives)
        case .ack(let sequence):
            handleAck(sequence, now: now, into: &directives)
        case .nack(let sequence):
            if probe?.sequence == sequence {
                probe?.nacks += 1
            } else {
                droppedPackets.unexpectedAnswer += 1
            }
        case .pingRequest(let request):
            relayProbe(request, now: now, into: &directives)
        case .alive(let alive):
            applyAlive(alive, now: now, into: &directives)
        case .suspect(let suspect):
            applySuspect(suspect, now: now, into: &directives)
        case .dead(let dead):
            applyDead(dead, now: now, into: &directives)
        }
    }

    private mutating func handleAck(_ sequence: UInt32, now: Duration, into directives: inout [SWIMDirective]) {
        if let current = probe, current.sequence == sequence {
            localHealth.apply(-1)
            probe = nil
        } else if let relay = relays.removeValue(forKey: sequence) {
            send([.ack(sequence: relay.requesterSequence)], to: relay.requester, into: &directives)
        } else if suspicions.values.contains(where: { $0.recheckSequences.contains(sequence) }) {
            // The answer to a re-ping of a suspect: only its incarnation (piggybacked) can clear it.
            return
        } else {
            droppedPackets.unexpectedAnswer += 1
        }
    }

    /// As a ping-req helper: probe the target and relay its ack, or nack if it stays silent.
    private mutating func relayProbe(
        _ request: SWIMMessage.PingRequest,
        now: Duration,
        into directives: inout [SWIMDirective]
    ) {
        let sequence = nextSequence()
        relays[sequence] = Relay(
            requester: request.source.endpoint,
            requesterSequence: request.sequence,
            wantsNack: request.wantsNack,
            nackAt: now + settings.probeTimeout.scaled(by: settings.nackFraction),
            expiresAt: now + settings.probeTimeout
        )
        send(pingMessages(to: request.target, sequence: sequence), to: request.targetEndpoint, into: &directives)
    }

    /// A ping, plus the target's suspicion when we suspect it (Lifeguard's buddy system: the
    /// suspect hears of it at once and can refute).
    func pingMessages(to target: String, sequence: UInt32) -> [SWIMMessage] {
        var messages: [SWIMMessage] = [.ping(SWIMMessage.Ping(sequence: sequence, target: target, source: localSource))]
        if let member = members[target], member.state == .suspect {
            messages.append(
                .suspect(SWIMMessage.Suspect(name: target, incarnation: member.incarnation, from: localName)))
        }
        return messages
    }

    /// Starts probing the next member in the shuffled round-robin order.
    mutating func startProbe(now: Duration, into directives: inout [SWIMDirective]) {
        let interval = localHealth.scale(settings.probeInterval)
        nextProbeAt = now + interval
        guard let target = nextProbeTarget(now: now), let member = members[target] else { return }
        let sequence = nextSequence()
        probe = ProbeInFlight(
            target: target,
            targetEndpoint: member.endpoint,
            sequence: sequence,
            directDeadline: now + localHealth.scale(settings.probeTimeout),
            endDeadline: now + interval
        )
        send(pingMessages(to: target, sequence: sequence), to: member.endpoint, into: &directives)
    }

    private mutating func nextProbeTarget(now: Duration) -> String? {
        var checked = 0
        while checked <= probeOrder.count {
            if probeIndex >= probeOrder.count {
                startProbeRound(now: now)
                if probeOrder.isEmpty { return nil }
            }
            let name = probeOrder[probeIndex]
            probeIndex += 1
            checked += 1
            if let member = members[name], member.state.isLive { return name }
        }
        return nil
    }

    /// A new round: forget members dead for longer than the retention, then reshuffle.
    private mutating func startProbeRound(now: Duration) {
        let retention = settings.deadMemberRetention
        probeOrder.removeAll { name in
            guard let member = members[name] else { return true }
            if !member.state.isLive && now - member.stateChangedAt > retention {
                members[name] = nil
                return true
            }
            return false
        }
        probeOrder.shuffle(using: &random)
        probeIndex = 0
    }

    /// Probe deadlines: indirect probes after the direct timeout, suspicion at the end of the period.
    mutating func runProbe(now: Duration, into directives: inout [SWIMDirective]) {
        guard var current = probe else { return }
        if !current.indirectSent && now >= current.directDeadline {
            current.indirectSent = true
            let helpers = randomMembers(count: settings.indirectProbeCount, now: now, excluding: current.target) {
                $0.state == .alive
            }
            current.helpers = helpers.count
            for helper in helpers {
                let request = SWIMMessage.PingRequest(
                    sequence: current.sequence,
                    target: current.target,
                    targetEndpoint: current.targetEndpoint,
                    source: localSource,
                    wantsNack: true
                )
                send([.pingRequest(request)], to: helper.endpoint, into: &directives)
            }
            probe = current
        }
        guard now >= current.endDeadline else { return }
        probe = nil
        // Lifeguard: a failed probe and missing nacks both suggest the problem may be local.
        var penalty = 1
        if current.helpers > 0 && current.nacks < current.helpers { penalty += 1 }
        localHealth.apply(penalty)
        if let member = members[current.target], member.state.isLive {
            let suspicion = SWIMMessage.Suspect(name: member.name, incarnation: member.incarnation, from: localName)
            applySuspect(suspicion, now: now, into: &directives)
        }
    }

    /// Ping-req helper timers: nack at `nackFraction` of the probe timeout, forget at the timeout.
    mutating func runRelays(now: Duration, into directives: inout [SWIMDirective]) {
        guard !relays.isEmpty else { return }
        for (sequence, relay) in relays {
            if now >= relay.expiresAt {
                if relay.wantsNack && !relay.nackSent {
                    send([.nack(sequence: relay.requesterSequence)], to: relay.requester, into: &directives)
                }
                relays[sequence] = nil
            } else if relay.wantsNack && !relay.nackSent && now >= relay.nackAt {
                relays[sequence]?.nackSent = true
                send([.nack(sequence: relay.requesterSequence)], to: relay.requester, into: &directives)
            }
        }
    }

    /// Up to `count` distinct random members matching `include`, never the local one or `excluded`.
    mutating func randomMembers(
        count: Int,
        now: Duration,
        excluding excluded: String?,
        where include: (Member) -> Bool
    ) -> [Member] {
        var generator = random
        let chosen = Self.pickRandom(
            from: probeOrder,
            members: members,
            count: count,
            excluding: excluded,
            using: &generator,
            where: include
        )
        random = generator
        return chosen
    }

    static func pickRandom(
        from names: [String],
        members: [String: Member],
        count: Int,
        excluding excluded: String?,
        using generator: inout SplitMix64,
        where include: (Member) -> Bool
    ) -> [Member] {
        guard count > 0, !names.isEmpty else { return [] }
        var chosen: [Member] = []
        var chosenNames = Set<String>()
        // Stop as soon as enough are chosen: the draws are the same, but a loop over all 3·N
        // attempts cost O(N) per gossip round (the simulator's hot spot at N = 1000).
        var attempts = 0
        while chosen.count < count && attempts < 3 * names.count {
            attempts += 1
            let name = names[Int(generator.next() % UInt64(names.count))]
            guard name != excluded, !chosenNames.contains(name), let member = members[name], include(member) else {
                continue
            }
            chosenNames.insert(name)
            chosen.append(member)
        }
        return chosen
    }
}

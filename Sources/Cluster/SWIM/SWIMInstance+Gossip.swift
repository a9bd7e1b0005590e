extension SWIMInstance {
    /// Retransmissions per update at the current cluster size.
    var retransmitLimit: Int { settings.retransmitLimit(clusterSize: clusterSize) }

    /// Encodes `primary` followed by as many queued updates as fit in the packet budget (a compound
    /// packet) and emits it. Piggybacking on every packet is what spreads updates in SWIM.
    mutating func send(_ primary: [SWIMMessage], to endpoint: Endpoint, into directives: inout [SWIMDirective]) {
        let framed = primary.map { $0.encoded() }
        let used = WireFormat.packetHeaderSize + framed.reduce(0) { $0 + $1.count }
        let piggyback = broadcasts.take(
            budget: settings.packetBudget - used,
            limit: retransmitLimit,
            maxCount: WireFormat.maxMessagesPerPacket - framed.count
        )
        directives.append(.send(bytes: SWIMPacket.encode(framedMessages: framed + piggyback), to: endpoint))
    }

    /// Keeps gossip on the member's fixed 200 ms grid while it had nothing to send (no timer was
    /// armed then), so news is gossiped at the next grid tick rather than the instant it arrives.
    /// `firingDue` leaves a tick that is due now in place (for `onTick`).
    mutating func alignGossipSchedule(now: Duration, firingDue: Bool) {
        guard nextGossipAt < now else { return }
        let interval = settings.gossipInterval
        let periods = (now - nextGossipAt).nanoseconds / interval.nanoseconds
        nextGossipAt += interval * periods
        if !firingDue && nextGossipAt < now { nextGossipAt += interval }
    }

    /// Every gossip interval: piggyback-only packets to `gossipFanout` random members, including
    /// members that died recently (so a wrongly declared member learns of it and refutes).
    mutating func runGossip(now: Duration, into directives: inout [SWIMDirective]) {
        guard now >= nextGossipAt else { return }
        nextGossipAt += settings.gossipInterval
        if nextGossipAt <= now { nextGossipAt = now + settings.gossipInterval }
        guard !broadcasts.isEmpty else { return }
        let deadWindow = settings.gossipToTheDeadTime
        let targets = randomMembers(count: settings.gossipFanout, now: now, excluding: nil) { member in
            member.state.isLive || now - member.stateChangedAt < deadWindow
        }
        for target in targets {
            let updates = broadcasts.take(
                budget: settings.packetBudget - WireFormat.packetHeaderSize,
                limit: retransmitLimit,
                maxCount: WireFormat.maxMessagesPerPacket
            )
            if updates.isEmpty { break }
            directives.append(.send(bytes: SWIMPacket.encode(framedMessages: updates), to: target.endpoint))
        }
    }
}

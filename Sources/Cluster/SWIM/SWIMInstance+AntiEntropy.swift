/// Joining, push-pull (full state) synchronisation and merging a remote state.
extension SWIMInstance {
    /// The shell's answer to an inbound push-pull: the bytes to write back (nil if the request was
    /// undecodable: close the connection) and the directives from merging the request.
    public struct PushPullAnswer: Sendable {
        public var reply: [UInt8]?
        public var directives: [SWIMDirective]
    }

    /// Joins through seed endpoints: a push-pull with each (ourselves skipped), retried with
    /// exponential back-off until one answers. With no seeds the member starts a cluster alone.
    public mutating func onJoin(seeds newSeeds: [Endpoint], now: Duration) -> [SWIMDirective] {
        var directives: [SWIMDirective] = []
        var unique: [Endpoint] = []
        for seed in newSeeds where seed != localEndpoint && !unique.contains(seed) {
            unique.append(seed)
        }
        seeds = unique
        if !unique.isEmpty && !hasLeft {
            join = JoinAttempt(retryAt: now + settings.joinRetryInitial, backoff: settings.joinRetryInitial)
            for seed in unique {
                directives.append(.startPushPull(with: seed, join: true))
            }
        }
        directives.append(.wakeUp(at: nextWakeUp(now: now)))
        return directives
    }

    /// Whether a join is still waiting for a seed to answer.
    public var isJoining: Bool { join != nil }

    /// The encoded local state to send as a push-pull request (or reply).
    public func pushPullRequest(join isJoin: Bool) -> [UInt8] {
        var entries: [PushPullState.Entry] = []
        entries.reserveCapacity(members.count + 1)
        let me = localMember
        entries.append(
            PushPullState.Entry(
                name: me.name,
                endpoint: me.endpoint,
                state: me.state,
                incarnation: me.incarnation,
                metadata: me.metadata
            )
        )
        for member in members.values {
            entries.append(
                PushPullState.Entry(
                    name: member.name,
                    endpoint: member.endpoint,
                    state: member.state,
                    incarnation: member.incarnation,
                    metadata: member.metadata
                )
            )
        }
        return PushPullState(isJoin: isJoin, members: entries).encoded()
    }

    /// An inbound push-pull: merge the remote state first, then reply with ours, so the reply already
    /// carries our refutation of anything the remote believed about us (this speeds up healing).
    public mutating func onPushPullRequest(_ bytes: [UInt8], now: Duration) -> PushPullAnswer {
        var directives: [SWIMDirective] = []
        alignGossipSchedule(now: now, firingDue: false)
        guard let state = decodePushPull(bytes) else {
            directives.append(.wakeUp(at: nextWakeUp(now: now)))
            return PushPullAnswer(reply: nil, directives: directives)
        }
        merge(state, now: now, into: &directives)
        directives.append(.wakeUp(at: nextWakeUp(now: now)))
        return PushPullAnswer(reply: pushPullRequest(join: false), directives: directives)
    }

    /// The answer to a push-pull we started. Any answer completes a pending join.
    public mutating func onPushPullResponse(_ bytes: [UInt8], from source: Endpoint, now: Duration) -> [SWIMDirective] {
        var directives: [SWIMDirective] = []
        alignGossipSchedule(now: now, firingDue: false)
        if let state = decodePushPull(bytes) {
            join = nil
            merge(state, now: now, into: &directives)
        }
        directives.append(.wakeUp(at: nextWakeUp(now: now)))
        return directives
    }

    private mutating func decodePushPull(_ bytes: [UInt8]) -> PushPullState? {
        if case .finished = leave {
            droppedPackets.afterLeave += 1
            return nil
        }
        do {
            return try PushPullState(decoding: bytes)
        } catch {
            droppedPackets.undecodable[error.code, default: 0] += 1
            return nil
        }
    }

    /// Merges a remote state (memberlist's mergeState): a remote `dead` only makes the member suspect
    /// here, so it can still refute; a remote `left` is taken as is.
    mutating func merge(_ state: PushPullState, now: Duration, into directives: inout [SWIMDirective]) {
        for entry in state.members {
            switch entry.state {
            case .alive:
                let alive = SWIMMessage.Alive(
                    name: entry.name,
                    incarnation: entry.incarnation,
                    endpoint: entry.endpoint,
                    metadata: entry.metadata
                )
                applyAlive(alive, now: now, into: &directives)
            case .left:
                applyDead(
                    SWIMMessage.Dead(name: entry.name, incarnation: entry.incarnation, from: entry.name), now: now,
                    into: &directives)
            case .dead, .suspect:
                let suspect = SWIMMessage.Suspect(name: entry.name, incarnation: entry.incarnation, from: localName)
                applySuspect(suspect, now: now, into: &directives)
            }
        }
    }

    /// Periodic anti-entropy: one live partner, plus one retained dead member (so partitions heal
    /// after both sides declared each other dead), plus a seed when no member is live.
    mutating func runPushPull(now: Duration, into directives: inout [SWIMDirective]) {
        guard now >= nextPushPullAt else { return }
        nextPushPullAt = now + settings.pushPullPeriod(clusterSize: clusterSize)
        if let partner = randomMembers(count: 1, now: now, excluding: nil, where: { $0.state == .alive }).first {
            directives.append(.startPushPull(with: partner.endpoint, join: false))
        }
        if let lost = randomMembers(count: 1, now: now, excluding: nil, where: { $0.state == .dead }).first {
            directives.append(.startPushPull(with: lost.endpoint, join: false))
        }
        if liveCount == 0 && !seeds.isEmpty {
            let seed = seeds[Int(random.next() % UInt64(seeds.count))]
            directives.append(.startPushPull(with: seed, join: false))
        }
    }

    /// Retries the join with every seed, doubling the wait each time (capped).
    mutating func runJoinRetry(now: Duration, into directives: inout [SWIMDirective]) {
        guard var attempt = join, now >= attempt.retryAt else { return }
        attempt.backoff = min(attempt.backoff * 2, settings.joinRetryMax)
        attempt.retryAt = now + attempt.backoff
        join = attempt
        for seed in seeds {
            directives.append(.startPushPull(with: seed, join: true))
        }
    }
}

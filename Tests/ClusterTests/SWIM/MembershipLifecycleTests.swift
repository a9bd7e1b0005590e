import Testing

@testable import Cluster

@Suite struct MembershipLifecycleTests {
    typealias Support = SWIMTestSupport

    func pushPulls(_ directives: [SWIMDirective]) -> [Endpoint] {
        directives.compactMap { directive in
            if case .startPushPull(let endpoint, _) = directive { return endpoint }
            return nil
        }
    }

    @Test func settingsDefaultsAndValidation() throws {
        let defaults = SWIMSettings()
        try defaults.validate()
        #expect(defaults.probeInterval == .seconds(1))
        #expect(defaults.probeTimeout == .milliseconds(500))
        #expect(defaults.indirectProbeCount == 3)
        #expect(defaults.gossipInterval == .milliseconds(200))
        #expect(defaults.gossipFanout == 3)
        #expect(defaults.pushPullInterval == .seconds(30))
        #expect(defaults.packetBudget == 1400)
        #expect(defaults.pushPullPeriod(clusterSize: 32) == .seconds(30))
        #expect(defaults.pushPullPeriod(clusterSize: 64) == .seconds(60))
        #expect(defaults.pushPullPeriod(clusterSize: 1000) == .seconds(180))
        var bad = defaults
        bad.probeTimeout = .seconds(2)
        #expect(throws: SWIMError.self) { try bad.validate() }
        bad = defaults
        bad.packetOverhead = 900
        #expect(throws: SWIMError.self) { try bad.validate() }
        bad = defaults
        bad.gossipFanout = 0
        #expect(throws: SWIMError.self) { try bad.validate() }
        #expect(throws: SWIMError.self) {
            try SWIMInstance(settings: bad, name: "a", endpoint: Support.endpoint(1), seed: 1, now: .zero)
        }
        #expect(throws: SWIMError.self) {
            try SWIMInstance(name: "", endpoint: Support.endpoint(1), seed: 1, now: .zero)
        }
        #expect(throws: SWIMError.self) {
            try SWIMInstance(
                name: "a", endpoint: Support.endpoint(1), metadata: Array(repeating: 0, count: 513), seed: 1, now: .zero
            )
        }
    }

    @Test func joinSkipsItselfAndRetriesWithBackOffUntilASeedAnswers() throws {
        var instance = try Support.instance()
        let now = Support.origin
        let seeds = [Support.endpoint(1), Support.endpoint(2), Support.endpoint(3), Support.endpoint(2)]
        #expect(pushPulls(instance.onJoin(seeds: seeds, now: now)) == [Support.endpoint(2), Support.endpoint(3)])
        #expect(instance.isJoining)
        #expect(pushPulls(instance.onTick(now: now + .milliseconds(999))).isEmpty)
        #expect(pushPulls(instance.onTick(now: now + .seconds(1))).count == 2)
        // Next retry after 2 s, then 4 s.
        #expect(pushPulls(instance.onTick(now: now + .milliseconds(2999))).isEmpty)
        #expect(pushPulls(instance.onTick(now: now + .seconds(3))).count == 2)
        #expect(pushPulls(instance.onTick(now: now + .milliseconds(6999))).isEmpty)
        #expect(pushPulls(instance.onTick(now: now + .seconds(7))).count == 2)
        // An answer completes the join and brings the members in.
        let state = PushPullState(
            isJoin: false,
            members: [
                PushPullState.Entry(
                    name: "seed", endpoint: Support.endpoint(2), state: .alive, incarnation: 4, metadata: [9])
            ]
        )
        let directives = instance.onPushPullResponse(state.encoded(), from: Support.endpoint(2), now: now + .seconds(8))
        #expect(!instance.isJoining)
        #expect(Support.events(directives).map(\.kind) == [.joined])
        #expect(instance.member(named: "seed")?.metadata == [9])
        #expect(pushPulls(instance.onTick(now: now + .seconds(20))).allSatisfy { $0 != Support.endpoint(3) })
    }

    @Test func pushPullMergeRules() throws {
        var instance = try Support.instance(knowing: 3)
        let now = Support.origin
        let remote = PushPullState(
            isJoin: false,
            members: [
                PushPullState.Entry(
                    name: "x1", endpoint: Support.endpoint(2), state: .dead, incarnation: 1, metadata: []),
                PushPullState.Entry(
                    name: "x2", endpoint: Support.endpoint(3), state: .left, incarnation: 1, metadata: []),
                PushPullState.Entry(
                    name: "me", endpoint: Support.endpoint(1), state: .dead, incarnation: 0, metadata: []),
                PushPullState.Entry(
                    name: "fresh", endpoint: Support.endpoint(8), state: .alive, incarnation: 2, metadata: [1]),
                PushPullState.Entry(
                    name: "ghost", endpoint: Support.endpoint(9), state: .dead, incarnation: 2, metadata: []),
            ]
        )
        let answer = instance.onPushPullRequest(remote.encoded(), now: now)
        // A remote "dead" only makes the member suspect here; "left" is taken as is.
        #expect(instance.member(named: "x1")?.state == .suspect)
        #expect(instance.member(named: "x2")?.state == .left)
        #expect(instance.member(named: "fresh")?.state == .alive)
        #expect(instance.member(named: "ghost") == nil)
        // The claim that we are dead is refuted, and the reply already says so.
        #expect(instance.incarnation == 1)
        let reply = try PushPullState(decoding: try #require(answer.reply))
        #expect(reply.members.contains { $0.name == "me" && $0.state == .alive && $0.incarnation == 1 })
        #expect(reply.members.count == 5)
        #expect(Set(Support.events(answer.directives).map(\.kind)) == [.suspect, .left, .joined])
    }

    @Test func leaveGossipsLeftKeepsAnsweringThenFinishes() throws {
        var instance = try Support.instance(knowing: 4)
        let now = Support.origin
        let directives = instance.onLeave(now: now)
        #expect(Support.events(directives).map(\.kind) == [.left])
        let sent = try Support.sentPackets(directives)
        #expect(!sent.isEmpty)
        #expect(
            sent.allSatisfy {
                $0.packet.messages.contains(.dead(SWIMMessage.Dead(name: "me", incarnation: 0, from: "me")))
            })
        #expect(instance.snapshot(now: now).member(named: "me")?.state == .left)
        // Accusations are no longer refuted while leaving, and pings are still answered.
        let suspect = SWIMMessage.suspect(SWIMMessage.Suspect(name: "me", incarnation: 0, from: "x1"))
        let ping = SWIMMessage.ping(
            SWIMMessage.Ping(sequence: 1, target: "me", source: .init(name: "x1", endpoint: Support.endpoint(2))))
        let answered = try Support.sentPackets(
            instance.onPacket(
                SWIMPacket(messages: [suspect, ping]), from: Support.endpoint(2), now: now + .milliseconds(100)))
        #expect(instance.incarnation == 0)
        #expect(answered.contains { $0.packet.messages.first == .ack(sequence: 1) })
        // No probing while leaving.
        let ticks = try Support.sentPackets(instance.onTick(now: now + .milliseconds(900)))
        #expect(!ticks.contains { if case .ping = $0.packet.messages.first { true } else { false } })
        let finished = instance.onTick(now: now + .seconds(1))
        #expect(finished.contains(.leaveFinished))
        _ = instance.onPacket(SWIMPacket(messages: [ping]), from: Support.endpoint(2), now: now + .seconds(2))
        #expect(instance.droppedPackets.afterLeave == 1)
    }

    @Test func metadataChangeBumpsIncarnationAndGossipsAlive() throws {
        var instance = try Support.instance(knowing: 2)
        let directives = try instance.onMetadataChange([1, 2, 3], now: Support.origin)
        #expect(instance.incarnation == 1)
        #expect(Support.events(directives).map(\.kind) == [.metadataUpdated])
        #expect(instance.broadcasts.transmits(of: "me") == 0)
        #expect(throws: SWIMError.self) {
            try instance.onMetadataChange(Array(repeating: 0, count: 513), now: Support.origin)
        }
        #expect(instance.metadata == [1, 2, 3])
    }

    @Test func snapshotListsEveryoneSortedWithStateAndMetadata() throws {
        var instance = try Support.instance(knowing: 3)
        _ = instance.onPacket(
            SWIMPacket(messages: [.dead(SWIMMessage.Dead(name: "x2", incarnation: 1, from: "x1"))]),
            from: Support.endpoint(2),
            now: Support.origin + .seconds(5)
        )
        let snapshot = instance.snapshot(now: Support.origin + .seconds(6))
        #expect(snapshot.members.map(\.name) == ["me", "x1", "x2", "x3"])
        #expect(snapshot.member(named: "x2")?.state == .dead)
        #expect(snapshot.member(named: "x2")?.stateChangedAt == Support.origin + .seconds(5))
        #expect(snapshot.liveMembers.count == 3)
        #expect(snapshot.count(in: .dead) == 1)
        #expect(snapshot.localName == "me")
    }

    @Test func deadMembersAreForgottenAfterTheRetentionAndTriedForPushPullUntilThen() throws {
        var settings = SWIMSettings()
        settings.deadMemberRetention = .seconds(100)
        var instance = try Support.instance(knowing: 2, settings: settings)
        let now = Support.origin
        _ = instance.onPacket(
            SWIMPacket(messages: [.dead(SWIMMessage.Dead(name: "x2", incarnation: 1, from: "x1"))]),
            from: Support.endpoint(2),
            now: now
        )
        // The periodic push-pull goes to the live member and to the dead one.
        var partners: [Endpoint] = []
        var time = now
        while time < now + .seconds(46) {
            partners += pushPulls(instance.onTick(now: time))
            _ = instance.onPacket(
                SWIMPacket(messages: [.ack(sequence: instance.probe?.sequence ?? 0)]), from: Support.endpoint(2),
                now: time)
            time += .milliseconds(100)
        }
        #expect(Set(partners) == [Support.endpoint(2), Support.endpoint(3)])
        // Past the retention, a new probe round forgets it.
        while time < now + .seconds(105) {
            _ = instance.onTick(now: time)
            _ = instance.onPacket(
                SWIMPacket(messages: [.ack(sequence: instance.probe?.sequence ?? 0)]), from: Support.endpoint(2),
                now: time)
            time += .milliseconds(500)
        }
        #expect(instance.member(named: "x2") == nil)
        #expect(instance.member(named: "x1")?.state == .alive)
    }
}

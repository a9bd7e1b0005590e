import Testing

@testable import Cluster

@Suite struct LifeguardTests {
    typealias Support = SWIMTestSupport

    /// Starts a probe at `now` (the first one is due within one probe interval; tick at
    /// `instance.nextProbeAt`, as the shell does, or the late start counts as a stall) and returns its ping.
    func startProbe(_ instance: inout SWIMInstance, at now: Duration) throws -> (to: Endpoint, ping: SWIMMessage.Ping) {
        let packets = try Support.sentPackets(instance.onTick(now: now))
        let first = try #require(packets.first)
        guard case .ping(let ping) = first.packet.messages.first else {
            Issue.record("expected a ping, got \(first.packet.messages)")
            throw SWIMError(message: "no ping")
        }
        return (first.to, ping)
    }

    @Test func failedProbeGoesIndirectThenSuspectsAndRaisesHealthByTwoWithoutNacks() throws {
        var instance = try Support.instance(knowing: 4)
        let start = instance.nextProbeAt
        let (target, ping) = try startProbe(&instance, at: start)
        // Direct timeout: ping-req to k = 3 helpers, never the target.
        let indirect = try Support.sentPackets(instance.onTick(now: start + .milliseconds(500)))
        #expect(indirect.count == 3)
        #expect(!indirect.contains { $0.to == target })
        for packet in indirect {
            guard case .pingRequest(let request) = packet.packet.messages.first else {
                Issue.record("expected ping-req")
                continue
            }
            #expect(request.sequence == ping.sequence)
            #expect(request.target == ping.target)
            #expect(request.wantsNack)
        }
        let end = instance.onTick(now: start + .seconds(1))
        #expect(Support.events(end).map(\.kind) == [.suspect])
        #expect(instance.member(named: ping.target)?.state == .suspect)
        // +1 failed probe, +1 for missing nacks.
        #expect(instance.localHealth.score == 2)
    }

    @Test func nacksFromEveryHelperMeanOnlyTheProbePenalty() throws {
        var instance = try Support.instance(knowing: 4)
        let start = instance.nextProbeAt
        let (_, ping) = try startProbe(&instance, at: start)
        _ = instance.onTick(now: start + .milliseconds(500))
        for helper in 0..<3 {
            _ = instance.onPacket(
                SWIMPacket(messages: [.nack(sequence: ping.sequence)]), from: Support.endpoint(helper),
                now: start + .milliseconds(950))
        }
        _ = instance.onTick(now: start + .seconds(1))
        #expect(instance.localHealth.score == 1)
    }

    @Test func successfulProbeLowersHealthAndHealthScalesTheProbeInterval() throws {
        var instance = try Support.instance(knowing: 4)
        // Two refutations put the score at 2.
        for incarnation in 0..<2 {
            let suspect = SWIMMessage.suspect(
                SWIMMessage.Suspect(name: "me", incarnation: UInt64(incarnation), from: "x1"))
            _ = instance.onPacket(SWIMPacket(messages: [suspect]), from: Support.endpoint(2), now: Support.origin)
        }
        #expect(instance.localHealth.score == 2)
        instance.broadcasts = BroadcastQueue()
        let start = instance.nextProbeAt
        let (_, ping) = try startProbe(&instance, at: start)
        // Timeouts are scaled ×3: no indirect probe at 500 ms, but at 1500 ms.
        #expect(try Support.sentPackets(instance.onTick(now: start + .milliseconds(500))).isEmpty)
        let acked = instance.onPacket(
            SWIMPacket(messages: [.ack(sequence: ping.sequence)]), from: Support.endpoint(2),
            now: start + .milliseconds(600))
        #expect(instance.localHealth.score == 1)
        #expect(instance.probe == nil)
        // The next probe was scheduled three intervals after this one started.
        #expect(instance.nextProbeAt == start + .seconds(3))
        #expect(Support.wakeUp(acked).map { $0 <= start + .seconds(3) } == true)
        #expect(try Support.sentPackets(instance.onTick(now: start + .milliseconds(2999))).isEmpty)
        #expect(try !Support.sentPackets(instance.onTick(now: start + .seconds(3))).isEmpty)
    }

    @Test func healthIsClampedToItsMaximum() {
        var health = LocalHealth(maximum: 8)
        for _ in 0..<20 { health.apply(1) }
        #expect(health.score == 8)
        #expect(health.scale(.seconds(1)) == .seconds(9))
        for _ in 0..<20 { health.apply(-1) }
        #expect(health.score == 0)
        #expect(health.scale(.milliseconds(500)) == .milliseconds(500))
    }

    @Test func helperRelaysAckOrSendsNackAtEightyPercentOfTheTimeout() throws {
        var helper = try Support.instance(knowing: 3)
        let now = Support.origin
        helper.nextProbeAt = now + .seconds(3600)
        let request = SWIMMessage.PingRequest(
            sequence: 77,
            target: "x2",
            targetEndpoint: Support.endpoint(3),
            source: .init(name: "x1", endpoint: Support.endpoint(2)),
            wantsNack: true
        )
        let forwarded = try Support.sentPackets(
            helper.onPacket(SWIMPacket(messages: [.pingRequest(request)]), from: Support.endpoint(2), now: now))
        #expect(forwarded.count == 1)
        #expect(forwarded.first?.to == Support.endpoint(3))
        guard case .ping(let ping) = forwarded.first?.packet.messages.first else {
            Issue.record("helper did not ping the target")
            return
        }
        #expect(ping.target == "x2")
        #expect(ping.source.name == "me")
        // Before 80 % of 500 ms: nothing; at 400 ms: a nack to the requester with its sequence.
        #expect(
            try Support.sentPackets(helper.onTick(now: now + .milliseconds(399))).allSatisfy {
                $0.to != Support.endpoint(2)
            })
        let nack = try Support.sentPackets(helper.onTick(now: now + .milliseconds(400)))
        #expect(nack.map(\.to) == [Support.endpoint(2)])
        #expect(nack.first?.packet.messages.first == .nack(sequence: 77))
        // A late ack is still relayed before the timeout.
        let relayed = try Support.sentPackets(
            helper.onPacket(
                SWIMPacket(messages: [.ack(sequence: ping.sequence)]), from: Support.endpoint(3),
                now: now + .milliseconds(450))
        )
        #expect(relayed.map(\.to) == [Support.endpoint(2)])
        #expect(relayed.first?.packet.messages.first == .ack(sequence: 77))
    }

    @Test func helperWithATimelyAckSendsNoNack() throws {
        var helper = try Support.instance(knowing: 3)
        let now = Support.origin
        helper.nextProbeAt = now + .seconds(3600)
        let request = SWIMMessage.PingRequest(
            sequence: 5,
            target: "x2",
            targetEndpoint: Support.endpoint(3),
            source: .init(name: "x1", endpoint: Support.endpoint(2)),
            wantsNack: true
        )
        let forwarded = try Support.sentPackets(
            helper.onPacket(SWIMPacket(messages: [.pingRequest(request)]), from: Support.endpoint(2), now: now))
        guard case .ping(let ping) = forwarded.first?.packet.messages.first else {
            Issue.record("helper did not ping the target")
            return
        }
        _ = helper.onPacket(
            SWIMPacket(messages: [.ack(sequence: ping.sequence)]), from: Support.endpoint(3),
            now: now + .milliseconds(10))
        let later = try Support.sentPackets(helper.onTick(now: now + .milliseconds(600)))
        #expect(!later.contains { $0.packet.messages.contains(.nack(sequence: 5)) })
        #expect(helper.relays.isEmpty)
    }

    @Test func pingToASuspectCarriesTheSuspicion() throws {
        var settings = SWIMSettings()
        settings.suspicionMultiplier = 4
        var instance = try Support.instance(knowing: 1, settings: settings)
        let suspect = SWIMMessage.Suspect(name: "x1", incarnation: 1, from: "someone")
        _ = instance.onPacket(SWIMPacket(messages: [.suspect(suspect)]), from: Support.endpoint(9), now: Support.origin)
        instance.broadcasts = BroadcastQueue()
        let packets = try Support.sentPackets(instance.onTick(now: Support.origin + .seconds(1)))
        let probe = try #require(packets.first)
        #expect(probe.to == Support.endpoint(2))
        #expect(probe.packet.messages.contains(.suspect(SWIMMessage.Suspect(name: "x1", incarnation: 1, from: "me"))))
    }

    @Test func pingForAnotherNameIsNotAcked() throws {
        var instance = try Support.instance(knowing: 1)
        let ping = SWIMMessage.ping(
            SWIMMessage.Ping(sequence: 1, target: "old-name", source: .init(name: "x1", endpoint: Support.endpoint(2))))
        let directives = instance.onPacket(SWIMPacket(messages: [ping]), from: Support.endpoint(2), now: Support.origin)
        #expect(try Support.sentPackets(directives).isEmpty)
        #expect(instance.droppedPackets.wrongTarget == 1)
    }

    @Test func suspectIsDeclaredDeadWhenItsTimerRunsOutUnlessRefuted() throws {
        var settings = SWIMSettings()
        settings.suspicionMultiplier = 1
        settings.minSuspicionTimeout = .zero
        var instance = try Support.instance(knowing: 3, settings: settings)
        let now = Support.origin
        instance.nextProbeAt = now + .seconds(3600)
        let suspect = SWIMMessage.Suspect(name: "x1", incarnation: 1, from: "x2")
        _ = instance.onPacket(SWIMPacket(messages: [.suspect(suspect)]), from: Support.endpoint(3), now: now)
        // N = 4: min = 1 × max(1, log10 4) × 1 s = 1 s, no confirmations expected.
        #expect(instance.suspicions["x1"]?.deadline == now + .seconds(1))
        #expect(
            instance.onTick(now: now + .milliseconds(999)).allSatisfy { if case .event = $0 { false } else { true } })
        let fired = instance.onTick(now: now + .seconds(1))
        #expect(Support.events(fired).map(\.kind) == [.dead])
        // A second suspect is refuted in time and survives.
        let other = SWIMMessage.Suspect(name: "x2", incarnation: 1, from: "x3")
        _ = instance.onPacket(
            SWIMPacket(messages: [.suspect(other)]), from: Support.endpoint(4), now: now + .seconds(2))
        _ = instance.onPacket(
            SWIMPacket(messages: [.alive(Support.alive("x2", incarnation: 2, host: 3))]),
            from: Support.endpoint(3),
            now: now + .milliseconds(2500)
        )
        _ = instance.onTick(now: now + .seconds(10))
        #expect(instance.member(named: "x2")?.state == .alive)
    }
}

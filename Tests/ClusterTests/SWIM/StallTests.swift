import Testing

@testable import Cluster

/// The local member's own stalls (timers firing late: SIGSTOP, pauses, a starved CPU) raise its
/// local health multiplier and defer judging others instead of blaming them.
@Suite struct StallTests {
    typealias Support = SWIMTestSupport

    static func ping(in directives: [SWIMDirective]) throws -> (to: Endpoint, ping: SWIMMessage.Ping)? {
        for sent in try Support.sentPackets(directives) {
            if case .ping(let ping) = sent.packet.messages.first { return (sent.to, ping) }
        }
        return nil
    }

    @Test func probeDeadlinePassedDuringAStallProbesAgainInsteadOfSuspecting() throws {
        var instance = try Support.instance(knowing: 4)
        let start = instance.nextProbeAt
        let first = try #require(try Self.ping(in: instance.onTick(now: start)))
        // The direct deadline (500 ms) passes while the process is stopped; it runs again 1.4 s in.
        let late = instance.onTick(now: start + .milliseconds(1400))
        #expect(instance.localHealth.score == 1)
        #expect(Support.events(late).isEmpty)
        let packets = try Support.sentPackets(late)
        #expect(!packets.contains { if case .pingRequest = $0.packet.messages.first { true } else { false } })
        let again = try #require(try Self.ping(in: late))
        #expect(again.to == first.to)
        #expect(again.ping.sequence == first.ping.sequence)
        #expect(instance.member(named: first.ping.target)?.state == .alive)
        // The ack that waited unread is read next: the probe succeeded after all.
        _ = instance.onPacket(
            SWIMPacket(messages: [.ack(sequence: first.ping.sequence)]), from: first.to,
            now: start + .milliseconds(1401))
        #expect(instance.probe == nil)
        #expect(instance.localHealth.score == 0)
        #expect(instance.member(named: first.ping.target)?.state == .alive)
    }

    @Test func aRestartedProbeStillSuspectsAMemberThatStaysSilent() throws {
        var instance = try Support.instance(knowing: 4)
        let start = instance.nextProbeAt
        let first = try #require(try Self.ping(in: instance.onTick(now: start)))
        let resumed = start + .milliseconds(1400)
        _ = instance.onTick(now: resumed)
        // Score 1: timeouts ×2. Indirect probes at +1 s, suspicion at +2 s, both on time.
        #expect(try Support.sentPackets(instance.onTick(now: resumed + .milliseconds(999))).isEmpty)
        let indirect = try Support.sentPackets(instance.onTick(now: resumed + .seconds(1)))
        #expect(indirect.count == 3)
        let end = instance.onTick(now: resumed + .seconds(2))
        #expect(Support.events(end).map(\.kind) == [.suspect])
        #expect(instance.member(named: first.ping.target)?.state == .suspect)
    }

    @Test func aTickWithinTheToleranceIsNoStall() throws {
        var instance = try Support.instance(knowing: 4)
        let start = instance.nextProbeAt
        _ = instance.onTick(now: start + .milliseconds(249))
        #expect(instance.localHealth.score == 0)
        #expect(instance.stallTolerance == .milliseconds(250))
        // Indirect probes 250 ms late: still on time (half the 500 ms probe timeout).
        let indirect = try Support.sentPackets(instance.onTick(now: start + .milliseconds(999)))
        #expect(indirect.count == 3)
        #expect(instance.localHealth.score == 0)
    }

    @Test func aProbeThatStartsLateCountsAsAStall() throws {
        var instance = try Support.instance(knowing: 4)
        let due = instance.nextProbeAt
        let started = instance.onTick(now: due + .milliseconds(800))
        #expect(try Self.ping(in: started) != nil)
        #expect(instance.localHealth.score == 1)
        // The tolerance grew with the score: 500 ms late is no longer a stall.
        #expect(instance.stallTolerance == .milliseconds(500))
    }

    @Test func suspicionThatRanOutDuringAStallWaitsForTheUnreadRefutation() throws {
        var settings = SWIMSettings()
        settings.minSuspicionTimeout = .zero
        var instance = try Support.instance(knowing: 3, settings: settings)
        let now = Support.origin
        instance.nextProbeAt = now + .seconds(3600)
        let suspect = SWIMMessage.Suspect(name: "x1", incarnation: 1, from: "x2")
        _ = instance.onPacket(SWIMPacket(messages: [.suspect(suspect)]), from: Support.endpoint(3), now: now)
        #expect(instance.suspicions["x1"]?.deadline == now + .seconds(1))
        // Stopped from 0.5 s to 3 s: the 1 s deadline passed meanwhile. Not dead yet.
        let late = instance.onTick(now: now + .seconds(3))
        #expect(Support.events(late).isEmpty)
        #expect(instance.localHealth.score == 1)
        #expect(instance.suspicions["x1"]?.deadline == now + .seconds(4))
        // The refutation that arrived while it was stopped is read now.
        _ = instance.onPacket(
            SWIMPacket(messages: [.alive(Support.alive("x1", incarnation: 2, host: 2))]),
            from: Support.endpoint(2),
            now: now + .milliseconds(3001)
        )
        #expect(instance.member(named: "x1")?.state == .alive)
        #expect(Support.events(instance.onTick(now: now + .seconds(10))).isEmpty)
    }

    @Test func suspicionWithoutARefutationStillEndsInDeathAfterTheStall() throws {
        var settings = SWIMSettings()
        settings.minSuspicionTimeout = .zero
        var instance = try Support.instance(knowing: 3, settings: settings)
        let now = Support.origin
        instance.nextProbeAt = now + .seconds(3600)
        let suspect = SWIMMessage.Suspect(name: "x1", incarnation: 1, from: "x2")
        _ = instance.onPacket(SWIMPacket(messages: [.suspect(suspect)]), from: Support.endpoint(3), now: now)
        _ = instance.onTick(now: now + .seconds(3))
        #expect(Support.events(instance.onTick(now: now + .milliseconds(3999))).isEmpty)
        #expect(Support.events(instance.onTick(now: now + .seconds(4))).map(\.kind) == [.dead])
    }

    @Test func localHealthScalesTheSuspicionTimeout() throws {
        var instance = try Support.instance(knowing: 3)
        let now = Support.origin
        instance.nextProbeAt = now + .seconds(3600)
        // Two refutations of suspicions about itself: score 2, timeouts ×3.
        for incarnation in 0..<2 {
            let aboutMe = SWIMMessage.Suspect(name: "me", incarnation: UInt64(incarnation), from: "x1")
            _ = instance.onPacket(SWIMPacket(messages: [.suspect(aboutMe)]), from: Support.endpoint(2), now: now)
        }
        #expect(instance.localHealth.score == 2)
        let suspect = SWIMMessage.Suspect(name: "x1", incarnation: 1, from: "x2")
        _ = instance.onPacket(SWIMPacket(messages: [.suspect(suspect)]), from: Support.endpoint(3), now: now)
        // N = 4: the 3 s floor, ×3.
        #expect(instance.suspicions["x1"]?.deadline == now + .seconds(9))
    }
}

import Testing

@testable import Cluster

@Suite struct PrecedenceTests {
    typealias Support = SWIMTestSupport

    enum Update: CustomStringConvertible {
        case alive(UInt64), suspect(UInt64), dead(UInt64), left(UInt64)

        var message: SWIMMessage {
            switch self {
            case .alive(let i): .alive(Support.alive("x1", incarnation: i, host: 2))
            case .suspect(let i): .suspect(SWIMMessage.Suspect(name: "x1", incarnation: i, from: "x2"))
            case .dead(let i): .dead(SWIMMessage.Dead(name: "x1", incarnation: i, from: "x2"))
            case .left(let i): .dead(SWIMMessage.Dead(name: "x1", incarnation: i, from: "x1"))
            }
        }

        var description: String { "\(message)" }
    }

    /// An instance that sees x1 in `state` at incarnation 5 (x2 and x3 exist so suspicions are real).
    func instance(with state: MemberState) throws -> SWIMInstance {
        var instance = try Support.instance(knowing: 3)
        let setUp: [Update] =
            switch state {
            case .alive: [.alive(5)]
            case .suspect: [.alive(5), .suspect(5)]
            case .dead: [.alive(5), .dead(5)]
            case .left: [.alive(5), .left(5)]
            }
        for update in setUp {
            _ = instance.onPacket(
                SWIMPacket(messages: [update.message]), from: Support.endpoint(3), now: Support.origin)
        }
        #expect(instance.member(named: "x1")?.state == state)
        #expect(instance.member(named: "x1")?.incarnation == 5)
        return instance
    }

    /// (current state at incarnation 5, incoming update, expected state, expected incarnation)
    static let table: [(MemberState, Update, MemberState, UInt64)] = [
        (.alive, .alive(4), .alive, 5), (.alive, .alive(5), .alive, 5), (.alive, .alive(6), .alive, 6),
        (.alive, .suspect(4), .alive, 5), (.alive, .suspect(5), .suspect, 5), (.alive, .suspect(6), .suspect, 6),
        (.alive, .dead(4), .alive, 5), (.alive, .dead(5), .dead, 5), (.alive, .dead(6), .dead, 6),
        (.alive, .left(4), .alive, 5), (.alive, .left(5), .left, 5), (.alive, .left(6), .left, 6),
        (.suspect, .alive(4), .suspect, 5), (.suspect, .alive(5), .suspect, 5), (.suspect, .alive(6), .alive, 6),
        (.suspect, .suspect(4), .suspect, 5), (.suspect, .suspect(6), .suspect, 5),
        (.suspect, .dead(4), .suspect, 5), (.suspect, .dead(5), .dead, 5), (.suspect, .dead(6), .dead, 6),
        (.suspect, .left(5), .left, 5), (.suspect, .left(6), .left, 6),
        (.dead, .alive(4), .dead, 5), (.dead, .alive(5), .dead, 5), (.dead, .alive(6), .alive, 6),
        (.dead, .suspect(5), .dead, 5), (.dead, .suspect(6), .dead, 5),
        (.dead, .dead(6), .dead, 5), (.dead, .left(6), .dead, 5),
        (.left, .alive(5), .left, 5), (.left, .alive(6), .alive, 6),
        (.left, .suspect(6), .left, 5), (.left, .dead(6), .left, 5),
    ]

    @Test func everyPrecedenceRule() throws {
        for (current, update, expectedState, expectedIncarnation) in Self.table {
            var instance = try instance(with: current)
            _ = instance.onPacket(
                SWIMPacket(messages: [update.message]), from: Support.endpoint(3), now: Support.origin)
            let member = try #require(instance.member(named: "x1"))
            #expect(member.state == expectedState, "\(current) then \(update)")
            #expect(member.incarnation == expectedIncarnation, "\(current) then \(update)")
        }
    }

    @Test func transitionsEmitOneEventEach() throws {
        var instance = try Support.instance(knowing: 3)
        let origin = Support.origin
        var directives = instance.onPacket(
            SWIMPacket(messages: [.alive(Support.alive("new", incarnation: 0, host: 9))]),
            from: Support.endpoint(9),
            now: origin
        )
        #expect(Support.events(directives).map(\.kind) == [.joined])
        directives = instance.onPacket(
            SWIMPacket(messages: [PrecedenceTests.Update.suspect(1).message]), from: Support.endpoint(3), now: origin)
        #expect(Support.events(directives).map(\.kind) == [.suspect])
        directives = instance.onPacket(
            SWIMPacket(messages: [PrecedenceTests.Update.alive(2).message]), from: Support.endpoint(3), now: origin)
        #expect(Support.events(directives).map(\.kind) == [.alive])
        directives = instance.onPacket(
            SWIMPacket(messages: [.alive(Support.alive("x1", incarnation: 3, host: 2, metadata: [1, 2]))]),
            from: Support.endpoint(3),
            now: origin
        )
        #expect(Support.events(directives).map(\.kind) == [.metadataUpdated])
        #expect(instance.member(named: "x1")?.metadata == [1, 2])
        directives = instance.onPacket(
            SWIMPacket(messages: [PrecedenceTests.Update.dead(3).message]), from: Support.endpoint(3), now: origin)
        #expect(Support.events(directives).map(\.kind) == [.dead])
        directives = instance.onPacket(
            SWIMPacket(messages: [PrecedenceTests.Update.alive(4).message]), from: Support.endpoint(3), now: origin)
        #expect(Support.events(directives).map(\.kind) == [.alive])
        directives = instance.onPacket(
            SWIMPacket(messages: [PrecedenceTests.Update.left(4).message]), from: Support.endpoint(3), now: origin)
        #expect(Support.events(directives).map(\.kind) == [.left])
        #expect(instance.clusterSize == 4)
    }

    @Test func refutesSuspicionDeathAndStaleAliveAboutItself() throws {
        var instance = try Support.instance(knowing: 2)
        let origin = Support.origin
        let suspect = SWIMMessage.suspect(SWIMMessage.Suspect(name: "me", incarnation: 0, from: "x1"))
        _ = instance.onPacket(SWIMPacket(messages: [suspect]), from: Support.endpoint(2), now: origin)
        #expect(instance.incarnation == 1)
        #expect(instance.localHealth.score == 1)
        // An older accusation is already refuted.
        _ = instance.onPacket(SWIMPacket(messages: [suspect]), from: Support.endpoint(2), now: origin)
        #expect(instance.incarnation == 1)
        let dead = SWIMMessage.dead(SWIMMessage.Dead(name: "me", incarnation: 4, from: "x1"))
        _ = instance.onPacket(SWIMPacket(messages: [dead]), from: Support.endpoint(2), now: origin)
        #expect(instance.incarnation == 5)
        // Someone remembers a newer incarnation of us (we restarted): jump above it.
        let stale = SWIMMessage.alive(
            SWIMMessage.Alive(name: "me", incarnation: 9, endpoint: Support.endpoint(1), metadata: []))
        _ = instance.onPacket(SWIMPacket(messages: [stale]), from: Support.endpoint(2), now: origin)
        #expect(instance.incarnation == 10)
        #expect(instance.localHealth.score == 3)
        // The refutation goes out piggybacked on the next packet.
        let ping = SWIMMessage.ping(
            SWIMMessage.Ping(sequence: 3, target: "me", source: .init(name: "x1", endpoint: Support.endpoint(2))))
        let directives = instance.onPacket(SWIMPacket(messages: [ping]), from: Support.endpoint(2), now: origin)
        let packets = try Support.sentPackets(directives)
        #expect(packets.count == 1)
        #expect(packets.first?.packet.messages.first == .ack(sequence: 3))
        #expect(
            packets.first?.packet.messages.contains(
                .alive(SWIMMessage.Alive(name: "me", incarnation: 10, endpoint: Support.endpoint(1), metadata: [])))
                == true
        )
    }

    @Test func endpointOfALiveMemberCannotBeTakenButADeadOneCanAfterReclaimTime() throws {
        var settings = SWIMSettings()
        settings.deadNodeReclaimTime = .seconds(10)
        var instance = try Support.instance(knowing: 2, settings: settings)
        let origin = Support.origin
        let impostor = SWIMMessage.alive(Support.alive("x1", incarnation: 7, host: 50))
        _ = instance.onPacket(SWIMPacket(messages: [impostor]), from: Support.endpoint(50), now: origin)
        #expect(instance.member(named: "x1")?.endpoint == Support.endpoint(2))
        #expect(instance.droppedPackets.endpointConflict == 1)
        _ = instance.onPacket(
            SWIMPacket(messages: [PrecedenceTests.Update.dead(1).message]), from: Support.endpoint(3), now: origin)
        _ = instance.onPacket(SWIMPacket(messages: [impostor]), from: Support.endpoint(50), now: origin + .seconds(5))
        #expect(instance.member(named: "x1")?.state == .dead)
        #expect(instance.droppedPackets.endpointConflict == 2)
        let reclaim = SWIMMessage.alive(Support.alive("x1", incarnation: 0, host: 50))
        let directives = instance.onPacket(
            SWIMPacket(messages: [reclaim]), from: Support.endpoint(50), now: origin + .seconds(11))
        #expect(instance.member(named: "x1")?.state == .alive)
        #expect(instance.member(named: "x1")?.endpoint == Support.endpoint(50))
        #expect(Support.events(directives).map(\.kind) == [.alive])
    }

    @Test func staleAccusationsAreAnsweredWithTheNewerAliveToTheSender() throws {
        var instance = try Support.instance(knowing: 3)
        let origin = Support.origin
        _ = instance.onPacket(SWIMPacket(messages: [Update.alive(4).message]), from: Support.endpoint(3), now: origin)
        instance.broadcasts = BroadcastQueue()
        let stale: [SWIMMessage] = [
            Update.suspect(2).message,
            .dead(SWIMMessage.Dead(name: "me", incarnation: 0, from: "x2")),
        ]
        _ = instance.onPacket(
            SWIMPacket(messages: [.suspect(SWIMMessage.Suspect(name: "me", incarnation: 0, from: "x2"))]),
            from: Support.endpoint(3),
            now: origin
        )
        #expect(instance.incarnation == 1)
        instance.broadcasts = BroadcastQueue()
        let directives = instance.onPacket(SWIMPacket(messages: stale), from: Support.endpoint(4), now: origin)
        let replies = try Support.sentPackets(directives)
        #expect(replies.count == 1)
        #expect(replies.first?.to == Support.endpoint(4))
        let messages = replies.first?.packet.messages ?? []
        #expect(messages.contains(.alive(Support.alive("x1", incarnation: 4, host: 2))))
        #expect(
            messages.contains(
                .alive(SWIMMessage.Alive(name: "me", incarnation: 1, endpoint: Support.endpoint(1), metadata: []))
            )
        )
        #expect(instance.member(named: "x1")?.state == .alive)
        #expect(instance.incarnation == 1)
    }
}

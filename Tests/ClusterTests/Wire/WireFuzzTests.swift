import Testing

@testable import Cluster

/// Seeded fuzzing: random and mutated packets must never crash the decoder or the core, and an
/// undecodable packet must leave the core's state exactly as it was.
@Suite struct WireFuzzTests {
    static func validPackets() -> [[UInt8]] {
        var packets = WireCodecTests.everyKind.map { SWIMPacket(messages: [$0]).encoded() }
        packets.append(SWIMPacket(messages: WireCodecTests.everyKind).encoded())
        let ping = SWIMMessage.ping(
            SWIMMessage.Ping(
                sequence: 9, target: "me", source: .init(name: "x1", endpoint: SWIMTestSupport.endpoint(2)))
        )
        packets.append(
            SWIMPacket(messages: [ping, .alive(SWIMTestSupport.alive("x2", incarnation: 3, host: 3))]).encoded()
        )
        return packets
    }

    /// The parts of the core's state an input could change.
    struct Fingerprint: Equatable {
        let members: [String: Member]
        let incarnation: UInt64
        let health: Int
        let broadcasts: Int
        let relays: Int
        let probeSequence: UInt32?
        let nacks: Int?

        init(_ instance: SWIMInstance) {
            members = instance.members
            incarnation = instance.incarnation
            health = instance.localHealth.score
            broadcasts = instance.broadcasts.count
            relays = instance.relays.count
            probeSequence = instance.probe?.sequence
            nacks = instance.probe?.nacks
        }
    }

    @Test func randomAndMutatedPacketsNeverCrashOrChangeStateWhenUndecodable() throws {
        var random = SplitMix64(seed: 0xF00D)
        let valid = Self.validPackets()
        var instance = try SWIMTestSupport.instance(knowing: 3)
        let now = SWIMTestSupport.origin
        var undecodable = 0
        var decodable = 0
        let iterations = 100_000
        var dropped = 0
        for iteration in 0..<iterations {
            // Decodable mutants add members with random names; a fresh instance now and then keeps
            // the state (and the cost of comparing it) small.
            if iteration % 500 == 0 {
                dropped += instance.droppedPackets.undecodable.values.reduce(0, +)
                instance = try SWIMTestSupport.instance(knowing: 3, seed: UInt64(iteration))
            }
            var bytes: [UInt8]
            switch iteration % 4 {
            case 0:
                // Pure noise, sometimes with a valid version byte.
                let length = Int(random.next() % 96)
                bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if !bytes.isEmpty && random.next() % 2 == 0 { bytes[0] = WireFormat.version }
            case 1:
                // A valid packet with a few bytes flipped.
                bytes = valid[Int(random.next() % UInt64(valid.count))]
                for _ in 0...(random.next() % 3) {
                    let position = Int(random.next() % UInt64(bytes.count))
                    bytes[position] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
            case 2:
                // A valid packet cut short or extended.
                bytes = valid[Int(random.next() % UInt64(valid.count))]
                if random.next() % 2 == 0 {
                    bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
                } else {
                    bytes += (0...(random.next() % 8)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                }
            default:
                // A valid packet with a length or count byte replaced by a large value.
                bytes = valid[Int(random.next() % UInt64(valid.count))]
                let position = 1 + Int(random.next() % UInt64(max(1, bytes.count - 1)))
                if position < bytes.count { bytes[position] = [0x7F, 0x80, 0xFF, 0x00][Int(random.next() % 4)] }
            }
            let isDecodable = (try? SWIMPacket(decoding: bytes)) != nil
            if isDecodable {
                decodable += 1
                _ = instance.onDatagram(bytes, from: SWIMTestSupport.endpoint(2), now: now)
            } else {
                undecodable += 1
                let before = Fingerprint(instance)
                let directives = instance.onDatagram(bytes, from: SWIMTestSupport.endpoint(2), now: now)
                guard directives.count == 1, case .wakeUp = directives[0] else {
                    Issue.record("undecodable input produced \(directives)")
                    break
                }
                if Fingerprint(instance) != before {
                    Issue.record("undecodable packet \(bytes) changed the state")
                    break
                }
            }
        }
        dropped += instance.droppedPackets.undecodable.values.reduce(0, +)
        print(
            "wire fuzz: \(iterations) packets, \(undecodable) rejected and counted as dropped, \(decodable) decodable")
        #expect(dropped == undecodable)
        #expect(undecodable > iterations / 2)
    }

    @Test func randomAndMutatedPushPullStatesNeverCrashOrChangeStateWhenUndecodable() throws {
        var random = SplitMix64(seed: 0xBEEF)
        let valid = PushPullState(
            isJoin: false,
            members: (0..<4).map {
                PushPullState.Entry(
                    name: "x\($0)", endpoint: SWIMTestSupport.endpoint($0 + 2), state: .alive, incarnation: 9,
                    metadata: [1, 2])
            }
        ).encoded()
        var instance = try SWIMTestSupport.instance(knowing: 3)
        let now = SWIMTestSupport.origin
        for _ in 0..<20_000 {
            var bytes = valid
            for _ in 0...(random.next() % 4) {
                bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            if random.next() % 3 == 0 { bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count)))) }
            if (try? PushPullState(decoding: bytes)) == nil {
                let before = Fingerprint(instance)
                let answer = instance.onPushPullRequest(bytes, now: now)
                #expect(answer.reply == nil)
                if Fingerprint(instance) != before {
                    Issue.record("undecodable push-pull \(bytes) changed the state")
                    break
                }
            } else {
                _ = instance.onPushPullRequest(bytes, now: now)
            }
        }
    }
}

import Testing

@testable import Cluster

@Suite struct DisseminationQueueTests {
    func alive(_ name: String, _ incarnation: UInt64, metadata: Int = 0) -> SWIMMessage {
        .alive(
            SWIMMessage.Alive(
                name: name, incarnation: incarnation, endpoint: SWIMTestSupport.endpoint(2),
                metadata: Array(repeating: 1, count: metadata)))
    }

    @Test func retransmitLimitGrowsWithLog10OfClusterSize() {
        let settings = SWIMSettings()
        #expect(settings.retransmitLimit(clusterSize: 1) == 4)
        #expect(settings.retransmitLimit(clusterSize: 9) == 4)
        #expect(settings.retransmitLimit(clusterSize: 10) == 8)
        #expect(settings.retransmitLimit(clusterSize: 99) == 8)
        #expect(settings.retransmitLimit(clusterSize: 100) == 12)
        #expect(settings.retransmitLimit(clusterSize: 1000) == 16)
    }

    @Test func eachUpdateIsSentExactlyLimitTimes() {
        var queue = BroadcastQueue()
        queue.enqueue(alive("a", 1))
        var sent = 0
        while !queue.take(budget: 1400, limit: 5).isEmpty { sent += 1 }
        #expect(sent == 5)
        #expect(queue.isEmpty)
    }

    @Test func leastTransmittedThenNewestFirstAndNewerReplacesOlder() {
        var queue = BroadcastQueue()
        queue.enqueue(alive("old", 1))
        _ = queue.take(budget: 1400, limit: 10)
        queue.enqueue(alive("b", 1))
        queue.enqueue(alive("c", 1))
        // Room for exactly one message: the newest of the never-sent ones.
        let one = alive("c", 1).encoded().count
        #expect(queue.take(budget: one, limit: 10) == [alive("c", 1).encoded()])
        #expect(queue.take(budget: one, limit: 10) == [alive("b", 1).encoded()])
        #expect(queue.transmits(of: "old") == 1)
        queue.enqueue(.suspect(SWIMMessage.Suspect(name: "b", incarnation: 1, from: "z")))
        #expect(queue.count == 3)
        #expect(queue.transmits(of: "b") == 0)
        let all = queue.take(budget: 1400, limit: 10)
        #expect(all.contains(SWIMMessage.suspect(SWIMMessage.Suspect(name: "b", incarnation: 1, from: "z")).encoded()))
        #expect(!all.contains(alive("b", 1).encoded()))
    }

    @Test func compoundPacketsFillTheBudgetAndNeverExceedIt() throws {
        for overhead in [0, 100, 300] {
            var settings = SWIMSettings()
            settings.packetOverhead = overhead
            var instance = try SWIMTestSupport.instance(knowing: 3, settings: settings)
            for index in 0..<60 {
                instance.broadcasts.enqueue(alive("member-\(index)", 1, metadata: 300 + index))
            }
            var received = Set<String>()
            var packets = 0
            for round in 0..<400 where !instance.broadcasts.isEmpty {
                let ping = SWIMMessage.ping(
                    SWIMMessage.Ping(
                        sequence: UInt32(round), target: "me",
                        source: .init(name: "x1", endpoint: SWIMTestSupport.endpoint(2))))
                let directives = instance.onPacket(
                    SWIMPacket(messages: [ping]), from: SWIMTestSupport.endpoint(2), now: SWIMTestSupport.origin)
                for directive in directives {
                    guard case .send(let bytes, _) = directive else { continue }
                    #expect(bytes.count <= 1400 - overhead)
                    packets += 1
                    let packet = try SWIMPacket(decoding: bytes)
                    for case .alive(let alive) in packet.messages { received.insert(alive.name) }
                }
            }
            #expect(received.count == 60)
            // Each ~330–400 byte update fits two or three to a packet, 4 transmissions each (N = 4).
            #expect(packets < 60 * 4)
        }
    }

    @Test func aPacketNeverCarriesMoreThan255Messages() {
        var queue = BroadcastQueue()
        for index in 0..<400 {
            queue.enqueue(.suspect(SWIMMessage.Suspect(name: "\(index)", incarnation: 0, from: "z")))
        }
        #expect(queue.take(budget: 60_000, limit: 3, maxCount: 254).count == 254)
    }
}

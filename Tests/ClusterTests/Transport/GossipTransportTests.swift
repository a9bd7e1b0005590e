import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Cluster

/// Real sockets on loopback, port 0. All transports of a test share one event loop, so writes
/// issued one after another leave in that order and a receiver sees them in that order: a good
/// packet sent after a bad one proves the bad one was already read (and counted).
@Suite struct GossipTransportTests {
    static let label = "murmur-transport-test"
    static let key = KeyringTests.base64Key(size: 32, fill: 0x11)
    static let otherKey = KeyringTests.base64Key(size: 32, fill: 0x22)

    static func sealer(keys: [String] = [key], label: String = label) throws -> PacketSealer {
        try PacketSealer(keyring: Keyring(base64Keys: keys), label: label)
    }

    static func bind(
        _ sealer: PacketSealer,
        host: String = "127.0.0.1",
        group: any EventLoopGroup
    ) async throws -> GossipTransport {
        try await GossipTransport.bind(
            configuration: .init(bindAddress: Endpoint(host: host, port: 0)),
            sealer: sealer,
            eventLoopGroup: group
        )
    }

    /// Runs `body` with two transports serving push-pull (the handler echoes with a prefix), then
    /// closes them and checks that `run` returned and the packet streams ended.
    static func withPair(
        host: String = "127.0.0.1",
        first: PacketSealer,
        second: PacketSealer,
        _ body: (GossipTransport, GossipTransport) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let a = try await bind(first, host: host, group: group)
        let b = try await bind(second, host: host, group: group)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for transport in [a, b] {
                tasks.addTask { try await transport.run { Array("reply:".utf8) + $0 } }
            }
            do {
                try await body(a, b)
            } catch {
                await a.close()
                await b.close()
                throw error
            }
            await a.close()
            await b.close()
            // Both `run` calls must return once closed: nothing is left running.
            try await tasks.waitForAll()
        }
        for transport in [a, b] {
            var remaining = 0
            for await _ in transport.packets { remaining += 1 }
            #expect(remaining >= 0)
        }
        try await group.shutdownGracefully()
    }

    static func next(_ transport: GossipTransport) async throws -> ReceivedPacket {
        var iterator = transport.packets.makeAsyncIterator()
        return try #require(await iterator.next())
    }

    @Test func exchangesPacketsAndPushPull() async throws {
        try await Self.withPair(first: Self.sealer(), second: Self.sealer()) { a, b in
            #expect(a.advertisedAddress == Endpoint(host: "127.0.0.1", port: UInt16(a.localAddress.port!)))
            try a.send(Array("ping".utf8), to: b.localAddress)
            let ping = try await Self.next(b)
            #expect(ping.payload == Array("ping".utf8))
            #expect(ping.sender == a.localAddress)
            try b.send(Array("ack".utf8), to: a.advertisedAddress)
            #expect(try await Self.next(a).payload == Array("ack".utf8))

            let reply = try await a.exchange(with: b.localAddress, payload: Array("state".utf8))
            #expect(reply == Array("reply:state".utf8))
            // A multi-megabyte state exchange crosses many TCP segments both ways.
            let large = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
            #expect(try await b.exchange(with: a.advertisedAddress, payload: large) == Array("reply:".utf8) + large)
            #expect(a.datagramDrops.total == 0 && b.datagramDrops.total == 0)
            #expect(a.pushPullDrops.total == 0 && b.pushPullDrops.total == 0)
        }
    }

    @Test func packetsAreBudgetedToTheMaximumSize() async throws {
        try await Self.withPair(first: Self.sealer(), second: Self.sealer()) { a, b in
            #expect(a.maxPayloadSize == 1400 - a.sealer.overhead)
            try a.send([UInt8](repeating: 7, count: a.maxPayloadSize), to: b.localAddress)
            #expect(try await Self.next(b).payload.count == a.maxPayloadSize)
            #expect {
                try a.send([UInt8](repeating: 7, count: a.maxPayloadSize + 1), to: b.localAddress)
            } throws: { ($0 as? TransportError)?.isTooLarge == true }
        }
    }

    @Test(arguments: [("another key", [otherKey], label), ("another label", [key], "another-cluster")])
    func foreignSendersGetNothingThrough(name: String, keys: [String], label: String) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let receiver = try await Self.bind(Self.sealer(), group: group)
        let friend = try await Self.bind(Self.sealer(), group: group)
        let stranger = try await Self.bind(Self.sealer(keys: keys, label: label), group: group)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await receiver.run { $0 } }
            try stranger.send(Array("intruder".utf8), to: receiver.localAddress)
            try friend.send(Array("friend".utf8), to: receiver.localAddress)
            #expect(try await Self.next(receiver).payload == Array("friend".utf8))
            let expectedReason: PacketOpenError.Reason = label == Self.label ? .wrongKey : .badLabel
            #expect(receiver.datagramDrops[expectedReason] == 1, "\(name)")
            #expect(receiver.datagramDrops.total == 1, "\(name)")

            await #expect {
                _ = try await stranger.exchange(with: receiver.localAddress, payload: [1, 2, 3])
            } throws: { ($0 as? TransportError)?.isNoReply == true }
            #expect(receiver.pushPullDrops[expectedReason] == 1, "\(name)")
            for transport in [receiver, friend, stranger] { await transport.close() }
            try await tasks.waitForAll()
        }
        try await group.shutdownGracefully()
    }

    @Test func oversizedAndGarbageDatagramsAreCountedAndDropped() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let receiver = try await Self.bind(Self.sealer(), group: group)
        let friend = try await Self.bind(Self.sealer(), group: group)
        let raw = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let garbage: [[UInt8]] = [
            [UInt8](repeating: 2, count: 1_401),
            [UInt8](repeating: 2, count: 9_000),
            [0xff, 0, 1, 2],
            [2],
            [1, 21] + Array(Self.label.utf8) + [1, 2, 3],
            [2, 21] + Array(Self.label.utf8) + [UInt8](repeating: 0, count: 40),
        ]
        for datagram in garbage {
            let envelope = AddressedEnvelope(remoteAddress: receiver.localAddress, data: ByteBuffer(bytes: datagram))
            try await raw.writeAndFlush(envelope).get()
        }
        try friend.send(Array("after the garbage".utf8), to: receiver.localAddress)
        #expect(try await Self.next(receiver).payload == Array("after the garbage".utf8))
        let drops = receiver.datagramDrops
        #expect(drops.oversized == 2)
        #expect(drops.unknownVersion == 1)
        #expect(drops.truncated == 1)
        #expect(drops.unencrypted == 1)
        #expect(drops.wrongKey == 1)
        #expect(drops.total == garbage.count)
        try await raw.close().get()
        await receiver.close()
        await friend.close()
        try await group.shutdownGracefully()
    }

    @Test func oversizedPushPullFrameIsRefused() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let receiver = try await Self.bind(Self.sealer(), group: group)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await receiver.run { $0 } }
            let client = try await ClientBootstrap(group: group).connect(to: receiver.localAddress) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
            try await client.executeThenClose { inbound, outbound in
                var header = ByteBuffer()
                header.writeInteger(UInt32(9 * 1024 * 1024))
                try await outbound.write(header)
                // The listener refuses before reading the body and closes: the stream ends.
                for try await _ in inbound {}
            }
            #expect(receiver.pushPullDrops.oversized == 1)
            await receiver.close()
            try await tasks.waitForAll()
        }
        try await group.shutdownGracefully()
    }

    @Test func keyRotationOnLiveTransports() async throws {
        try await Self.withPair(first: Self.sealer(), second: Self.sealer()) { a, b in
            var rotated = try Keyring(base64Keys: [Self.key])
            try rotated.install(base64Key: Self.otherKey)
            b.replaceKeyring(rotated)
            try rotated.use(base64Key: Self.otherKey)
            b.replaceKeyring(rotated)
            // b now encrypts with the new key, which a does not have yet.
            try b.send([1], to: a.localAddress)
            try a.send([2], to: b.localAddress)
            #expect(try await Self.next(b).payload == [2])
            a.replaceKeyring(rotated)
            try b.send([3], to: a.localAddress)
            #expect(try await Self.next(a).payload == [3])
            #expect(a.datagramDrops.wrongKey == 1)
            #expect(try await a.exchange(with: b.localAddress, payload: [4]) == Array("reply:".utf8) + [4])
        }
    }

    @Test func ipv6Loopback() async throws {
        let probe = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try await DatagramBootstrap(group: probe).bind(host: "::1", port: 0).get()
            try await channel.close().get()
            try await probe.shutdownGracefully()
        } catch {
            try await probe.shutdownGracefully()
            print("skipping the IPv6 transport case: cannot bind ::1 on this machine (\(error))")
            return
        }
        try await Self.withPair(host: "::1", first: Self.sealer(), second: Self.sealer()) { a, b in
            #expect(a.localAddress.ipAddress == "::1")
            #expect(a.advertisedAddress.description.hasPrefix("[::1]:"))
            try a.send(Array("v6".utf8), to: b.advertisedAddress)
            let packet = try await Self.next(b)
            #expect(packet.payload == Array("v6".utf8))
            #expect(packet.sender == a.localAddress)
            #expect(try await a.exchange(with: b.advertisedAddress, payload: [6]) == Array("reply:".utf8) + [6])
        }
    }

    @Test func bindingAWildcardNeedsAnAdvertiseAddress() async throws {
        await #expect {
            _ = try await GossipTransport.bind(
                configuration: .init(bindAddress: Endpoint(host: "0.0.0.0", port: 0)),
                sealer: Self.sealer()
            )
        } throws: { ($0 as? TransportError)?.isInvalidAddress == true }
        let transport = try await GossipTransport.bind(
            configuration: .init(
                bindAddress: Endpoint(host: "0.0.0.0", port: 0),
                advertiseAddress: Endpoint(host: "127.0.0.1", port: 0)
            ),
            sealer: Self.sealer()
        )
        #expect(transport.advertisedAddress == Endpoint(host: "127.0.0.1", port: UInt16(transport.localAddress.port!)))
        await transport.close()
        // Closed before it ever served: run returns at once instead of waiting for connections.
        try await transport.run { $0 }
        #expect { try transport.send([1], to: transport.localAddress) } throws: {
            ($0 as? TransportError)?.isClosed == true
        }
    }

    @Test func slowPeerTimesOutTheExchange() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var impatient = GossipTransport.Configuration(bindAddress: Endpoint(host: "127.0.0.1", port: 0))
        impatient.ioTimeout = .milliseconds(50)
        let a = try await GossipTransport.bind(configuration: impatient, sealer: Self.sealer(), eventLoopGroup: group)
        let b = try await Self.bind(Self.sealer(), group: group)
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            // b's handler does not answer until the test releases it, after a has given up.
            tasks.addTask {
                try await b.run { payload in
                    for await _ in release { break }
                    return payload
                }
            }
            await #expect {
                _ = try await a.exchange(with: b.localAddress, payload: [1])
            } throws: { ($0 as? TransportError)?.isTimeout == true }
            releaser.finish()
            await a.close()
            await b.close()
            try await tasks.waitForAll()
        }
        try await group.shutdownGracefully()
    }

    @Test func closedPeerIsAConnectFailure() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let a = try await Self.bind(Self.sealer(), group: group)
        let b = try await Self.bind(Self.sealer(), group: group)
        let address = b.localAddress
        await b.close()
        await #expect {
            _ = try await a.exchange(with: address, payload: [1])
        } throws: { ($0 as? TransportError)?.isConnectFailure == true }
        await a.close()
        try await group.shutdownGracefully()
    }
}

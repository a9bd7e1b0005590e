import NIOCore
import Testing

@testable import Cluster

/// A send error NIO does not treat as recoverable closes the UDP channel. Found with an iptables
/// DROP on a member's outgoing gossip (EPERM on every send): the socket closed, and after the rule
/// was removed the member stayed deaf and mute, declared dead by everyone for good. Here the error
/// is EACCES, from a broadcast without SO_BROADCAST: same path in NIO, no firewall needed.
@Suite struct GossipTransportSendErrorTests {
    @Test func aSendErrorThatClosesTheSocketIsFollowedByANewSocketOnTheSamePort() async throws {
        let sealer = try GossipTransportTests.sealer()
        try await GossipTransportTests.withPair(first: sealer, second: sealer) { a, b in
            let port = try #require(b.localAddress.port)
            try a.send([0], to: SocketAddress(ipAddress: "255.255.255.255", port: port))
            // The failed write's promise and the new socket's bind complete in either order.
            let reopened = try await MembershipTests.eventually(within: 10) {
                a.datagramSocketReopens == 1 && a.sendFailures == 1
            }
            #expect(reopened, "reopens \(a.datagramSocketReopens), send failures \(a.sendFailures)")

            // Gossip goes on both ways, from the same address peers know.
            try a.send(Array("after".utf8), to: b.localAddress)
            let packet = try await GossipTransportTests.next(b)
            #expect(packet.payload == Array("after".utf8))
            #expect(packet.sender == a.localAddress)
            try b.send(Array("back".utf8), to: a.advertisedAddress)
            #expect(try await GossipTransportTests.next(a).payload == Array("back".utf8))
            #expect(a.datagramSocketReopens == 1)
        }
    }

    @Test func repeatedSendErrorsKeepReopeningUntilSendsSucceedAgain() async throws {
        let sealer = try GossipTransportTests.sealer()
        try await GossipTransportTests.withPair(first: sealer, second: sealer) { a, b in
            let broadcast = try SocketAddress(ipAddress: "255.255.255.255", port: try #require(b.localAddress.port))
            for round in 1...3 {
                try a.send([UInt8(round)], to: broadcast)
                let reopened = try await MembershipTests.eventually(within: 10) { a.datagramSocketReopens == round }
                #expect(reopened, "round \(round)")
            }
            try a.send(Array("still here".utf8), to: b.localAddress)
            #expect(try await GossipTransportTests.next(b).payload == Array("still here".utf8))
        }
    }
}

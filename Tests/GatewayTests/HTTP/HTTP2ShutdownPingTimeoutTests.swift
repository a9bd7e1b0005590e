import NIOCore
import NIOEmbedded
import NIOHTTP2
import Testing

@testable import Gateway

/// The deadline for the PING that follows a first GOAWAY, on virtual time.
@Suite struct HTTP2ShutdownPingTimeoutTests {
    static func connectedChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(HTTP2ShutdownPingTimeout(timeout: .seconds(5)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return channel
    }

    static func sendGoAwayAndPing(_ channel: EmbeddedChannel) throws {
        try channel.writeOutbound(
            HTTP2Frame(
                streamID: .rootStream, payload: .goAway(lastStreamID: .maxID, errorCode: .noError, opaqueData: nil))
        )
        try channel.writeOutbound(
            HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: 7), ack: false)))
    }

    @Test func aPeerThatNeverAcknowledgesIsClosedAfterTheTimeout() throws {
        let channel = try Self.connectedChannel()
        try Self.sendGoAwayAndPing(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func anAcknowledgementHandsTheShutdownBackToTheManager() throws {
        let channel = try Self.connectedChannel()
        try Self.sendGoAwayAndPing(channel)
        try channel.writeInbound(
            HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: 7), ack: true)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(600))
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test func otherFramesNeitherStartNorStopTheDeadline() throws {
        let channel = try Self.connectedChannel()
        try channel.writeOutbound(
            HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: 1), ack: true)))
        try channel.writeInbound(
            HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: 2), ack: false)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(600))
        #expect(channel.isActive)
        try Self.sendGoAwayAndPing(channel)
        try channel.writeInbound(
            HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: 3), ack: false)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(!channel.isActive)
    }
}

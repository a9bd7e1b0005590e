import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

@Suite struct HTTP2PrefaceSnifferTests {
    /// Collects what the sniffer passes on once it has configured the pipeline.
    final class Sink: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var received = ByteBuffer()
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.writeBuffer(&buffer)
        }
    }

    static func sniff(
        _ chunks: [String]
    ) throws -> (detected: HTTP2PrefaceSniffer<String>.DetectedProtocol?, sink: Sink, channel: EmbeddedChannel) {
        let channel = EmbeddedChannel()
        let sink = Sink()
        var detected: HTTP2PrefaceSniffer<String>.DetectedProtocol?
        let sniffer = HTTP2PrefaceSniffer<String>(eventLoop: channel.eventLoop) { protocolFound, channel in
            detected = protocolFound
            try channel.pipeline.syncOperations.addHandler(sink)
            return "configured"
        }
        try channel.pipeline.syncOperations.addHandler(sniffer)
        for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
        return (detected, sink, channel)
    }

    @Test func http1IsDecidedAtTheFirstDifferingByte() throws {
        let (detected, sink, _) = try Self.sniff(["G"])
        #expect(detected == .http1)
        #expect(String(buffer: sink.received) == "G")
    }

    @Test func aPartialPrefaceWaitsAndIsReplayedWhole() throws {
        let (waiting, _, _) = try Self.sniff(["PRI * HTTP/2.0\r\n"])
        #expect(waiting == nil)
        let preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
        let (detected, sink, channel) = try Self.sniff(["PRI * HTTP/2.0\r\n", "\r\nSM\r\n\r\n", "frames"])
        #expect(detected == .http2)
        #expect(String(buffer: sink.received) == preface + "frames")
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.handler(type: HTTP2PrefaceSniffer<String>.self)
        }
    }

    @Test func aRequestStartingLikeThePrefaceIsHTTP1() throws {
        let (detected, sink, _) = try Self.sniff(["PRI * HTTP/1.1\r\n"])
        #expect(detected == .http1)
        #expect(String(buffer: sink.received) == "PRI * HTTP/1.1\r\n")
    }

    @Test func closingBeforeDecidingFailsTheResult() throws {
        let channel = EmbeddedChannel()
        let sniffer = HTTP2PrefaceSniffer<String>(eventLoop: channel.eventLoop) { _, _ in "never" }
        try channel.pipeline.syncOperations.addHandler(sniffer)
        try channel.writeInbound(ByteBuffer(string: "PRI"))
        _ = try? channel.finish()
        #expect(throws: (any Error).self) { try sniffer.result.wait() }
    }
}

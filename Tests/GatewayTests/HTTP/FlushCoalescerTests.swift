import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

/// Counts the flushes that reach the socket side of the pipeline.
private final class FlushCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    var flushes = 0

    func flush(context: ChannelHandlerContext) {
        flushes += 1
        context.flush()
    }
}

@Suite struct FlushCoalescerTests {
    @Test func theFlushesOfOneTickLeaveAsOneAfterIt() throws {
        let counter = FlushCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(FlushCoalescer())
        for text in ["a", "b", "c"] {
            channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
        }
        #expect(counter.flushes == 0)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        channel.embeddedEventLoop.run()
        #expect(counter.flushes == 1)
        // Every write arrives, in order.
        for text in ["a", "b", "c"] {
            #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: text))
        }
        // A later tick flushes again.
        channel.writeAndFlush(ByteBuffer(string: "d"), promise: nil)
        channel.embeddedEventLoop.run()
        #expect(counter.flushes == 2)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "d"))
        _ = try channel.finish()
    }
}

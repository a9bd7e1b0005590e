import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import Gateway

/// The guard on virtual time: timeouts and graceful close without sockets or sleeps.
@Suite struct HTTPRequestGuardTests {
    static func connectedChannel(
        idle: TimeAmount? = .seconds(60),
        body: TimeAmount = .seconds(30),
        stall: TimeAmount = .seconds(60),
        withholding: WithheldWrites? = nil
    ) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        if let withholding { try channel.pipeline.syncOperations.addHandler(withholding) }
        try channel.pipeline.syncOperations.addHandler(
            HTTPRequestGuard(idleTimeout: idle, bodyTimeout: body, stallTimeout: stall)
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return channel
    }

    /// Stands for a client that never takes its response (TCP or HTTP/2 flow control): writes are
    /// held here and their promises stay pending until `release()`.
    final class WithheldWrites: ChannelOutboundHandler {
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart
        private var held: [(NIOAny, EventLoopPromise<Void>?)] = []

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            held.append((data, promise))
        }

        func flush(context: ChannelHandlerContext) {}

        /// What was never written fails, as a socket that closes fails its pending writes.
        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            let parts = held
            held = []
            for (_, promise) in parts { promise?.fail(ChannelError.ioOnClosedChannel) }
            context.close(mode: mode, promise: promise)
        }

        func release(context: ChannelHandlerContext) {
            let parts = held
            held = []
            for (data, promise) in parts { context.write(data, promise: promise) }
            context.flush()
        }
    }

    static func respondAndClose(_ channel: EmbeddedChannel) {
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "connection", value: "close")
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
    }

    static func head(_ uri: String = "/") -> HTTPServerRequestPart {
        .head(HTTPRequestHead(version: .http1_1, method: .POST, uri: uri))
    }

    static func respond(_ channel: EmbeddedChannel) throws {
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
    }

    @Test func idleConnectionIsClosedAfterTheIdleTimeout() throws {
        let channel = try Self.connectedChannel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aRequestBeingAnsweredIsNeverIdle() throws {
        let channel = try Self.connectedChannel()
        try channel.writeInbound(Self.head())
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(600))
        #expect(channel.isActive)
        try Self.respond(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(!channel.isActive)
    }

    @Test func aBodyThatStopsArrivingGets408ThenClose() throws {
        let channel = try Self.connectedChannel(body: .seconds(5))
        try channel.writeInbound(Self.head())
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "partial")))
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        guard case .head(let head) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("expected a response head")
            return
        }
        #expect(head.status.code == 408)
        #expect(head.headers["connection"] == ["close"])
        guard case .body(.byteBuffer(let body)) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("expected a response body")
            return
        }
        #expect(String(buffer: body).contains(#""code":"request_timeout""#))
        #expect(!channel.isActive)
    }

    @Test func quiescingMidRequestClosesAfterTheResponseWithConnectionClose() throws {
        let channel = try Self.connectedChannel()
        try channel.writeInbound(Self.head())
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(channel.isActive)
        try Self.respond(channel)
        guard case .head(let head) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("expected a response head")
            return
        }
        #expect(head.headers["connection"] == ["close"])
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    @Test func quiescingAnIdleConnectionClosesIt() throws {
        let channel = try Self.connectedChannel()
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!channel.isActive)
    }

    @Test func aParseErrorAfterAPipelinedRequestWaitsForItsAnswer() throws {
        let channel = try Self.connectedChannel()
        try channel.writeInbound(Self.head("/first"))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        channel.pipeline.fireErrorCaught(HTTPParserError.invalidHeaderToken)
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
        try Self.respond(channel)
        var statuses: [UInt] = []
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            if case .head(let head) = part { statuses.append(head.status.code) }
        }
        #expect(statuses == [200, 400])
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    @Test func aLastResponseTheClientNeverTakesIsAbandonedAfterTheStallTimeout() throws {
        let withholding = WithheldWrites()
        let channel = try Self.connectedChannel(stall: .seconds(5), withholding: withholding)
        try channel.writeInbound(Self.head())
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        Self.respondAndClose(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aLastResponseThatGetsOutClosesAtOnceAndArmsNoStallTimer() throws {
        let withholding = WithheldWrites()
        let channel = try Self.connectedChannel(stall: .seconds(5), withholding: withholding)
        try channel.writeInbound(Self.head())
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        Self.respondAndClose(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        #expect(channel.isActive)
        let context = try channel.pipeline.syncOperations.context(handler: withholding)
        withholding.release(context: context)
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
        var statuses: [UInt] = []
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            if case .head(let head) = part { statuses.append(head.status.code) }
        }
        #expect(statuses == [200])
    }

    @Test func aResponseThatKeepsMovingIsNotCutOff() throws {
        let withholding = WithheldWrites()
        let channel = try Self.connectedChannel(stall: .seconds(5), withholding: withholding)
        try channel.writeInbound(Self.head())
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        Self.respondAndClose(channel)
        for _ in 0..<4 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(4))
            channel.pipeline.fireChannelWritabilityChanged()
        }
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(!channel.isActive)
    }

    @Test func aClientThatStopsReadingIsClosedAfterTheStallTimeoutEvenWithRequestsInFlight() throws {
        let channel = try Self.connectedChannel(stall: .seconds(5))
        try channel.writeInbound(Self.head("/first"))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        try channel.writeInbound(Self.head("/second"))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func outputThatDrainsInTimeEndsTheStall() throws {
        let channel = try Self.connectedChannel(stall: .seconds(5))
        try channel.writeInbound(Self.head())
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.advanceTime(by: .seconds(600))
        #expect(channel.isActive)
    }
}

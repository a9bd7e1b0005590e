import NIOCore

/// The first handler on a plaintext connection: it holds the first bytes until they either spell
/// HTTP/2's 24-byte connection preface (prior-knowledge h2c) or stop matching it (HTTP/1.1), then
/// lets `configure` build the matching pipeline behind it, replays the held bytes into that
/// pipeline and removes itself. HTTP/1.1 is decided at the first byte that differs, so an HTTP/1
/// request never waits for 24 bytes.
final class HTTP2PrefaceSniffer<Output: Sendable>: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Which protocol the first bytes announced.
    enum DetectedProtocol: Sendable {
        case http1
        case http2
    }

    static var preface: [UInt8] { Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) }

    /// Completed with `configure`'s output once the protocol is known, failed when the connection
    /// closes first or `configure` throws.
    let result: EventLoopFuture<Output>

    private let promise: EventLoopPromise<Output>
    private let configure: (DetectedProtocol, any Channel) throws -> Output
    private var held: ByteBuffer?
    private var decided = false

    /// - Parameter configure: adds the protocol's handlers at the end of the pipeline (on the event
    ///   loop, synchronously) and returns what the server serves the connection with.
    init(eventLoop: any EventLoop, configure: @escaping (DetectedProtocol, any Channel) throws -> Output) {
        self.promise = eventLoop.makePromise(of: Output.self)
        self.result = promise.futureResult
        self.configure = configure
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !decided else {
            context.fireChannelRead(data)
            return
        }
        if var existing = held {
            held = nil
            existing.writeBuffer(&bytes)
            held = existing
        } else {
            held = bytes
        }
        guard let detected = detect() else { return }
        decide(detected, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !decided {
            decided = true
            promise.fail(ChannelError.eof)
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if !decided {
            decided = true
            promise.fail(ChannelError.ioOnClosedChannel)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A connection that has not said which protocol it speaks has no request in flight.
        if event is ChannelShouldQuiesceEvent, !decided {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func detect() -> DetectedProtocol? {
        guard let held else { return nil }
        let preface = Self.preface
        let count = min(held.readableBytes, preface.count)
        guard let prefix = held.getBytes(at: held.readerIndex, length: count) else { return nil }
        if prefix != Array(preface[..<count]) { return .http1 }
        return count == preface.count ? .http2 : nil
    }

    private func decide(_ detected: DetectedProtocol, context: ChannelHandlerContext) {
        decided = true
        let output: Output
        do {
            output = try configure(detected, context.channel)
        } catch {
            promise.fail(error)
            context.close(promise: nil)
            return
        }
        promise.succeed(output)
        if let held {
            self.held = nil
            context.fireChannelRead(wrapInboundOut(held))
            context.fireChannelReadComplete()
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

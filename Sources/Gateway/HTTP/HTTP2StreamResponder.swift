import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// Serves the one request of an HTTP/2 stream from inside the stream's pipeline, as its only
/// handler: no async channel, no task group, no HTTP/1 translation. It turns the stream's frames
/// into request parts for `HTTPRequestAssembler` (body limit, `100-continue`), starts one
/// unstructured task that calls the responder, and writes the response back on the stream's event
/// loop as HEADERS and DATA frames.
///
/// Request headers become what the HTTP/1 view of the request would carry: `:authority` becomes
/// `host` (when the client sent no `host`), and a request without `:authority`, which RFC 9113
/// allows and HAProxy's h2 health checks send, is served with `host: localhost`. A request without
/// `:method`, `:scheme` or `:path` resets the stream.
///
/// A body that stops arriving is answered with 408 `requestBodyTimeout` after the read that brought
/// the head. When the response goes out before the request's end has arrived (413, 408), the stream
/// is reset once the response's last byte is written; otherwise it closes by itself when both sides
/// have ended, so a response waiting behind flow control is never cut short. When the stream
/// closes before the response is written (the client reset it, or the connection went away), the
/// task is cancelled and a response that arrives afterwards is discarded. A response that makes no
/// progress for `stallTimeout` (a client holding its window at zero) is abandoned: the stream is reset.
final class HTTP2StreamResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    /// What the server gives every stream of every connection.
    struct Settings: Sendable {
        var responder: any HTTPResponder
        var counter: HTTPRequestCounter
        var maxBodyBytes: Int
        var bodyTimeout: TimeAmount
        /// A response that makes no progress this long (the client keeps its flow-control window
        /// shut) is abandoned and the stream reset, so a zero-window client cannot pin it for ever.
        var stallTimeout: TimeAmount
    }

    private enum State {
        /// Waiting for the request's HEADERS.
        case awaitingHead
        /// Head seen; body frames (or trailers) until END_STREAM.
        case receivingBody
        /// The responder is working on the request in this task.
        case responding(Task<Void, Never>)
        /// The response (or a refusal) has been written, or the stream has closed.
        case done
    }

    private static let http2: HTTPVersion = .init(major: 2, minor: 0)

    private let settings: Settings
    private let remoteAddress: SocketAddress?
    private var assembler: HTTPRequestAssembler
    private var state = State.awaitingHead
    /// True while this stream's request is included in the server's in-flight count.
    private var counted = false
    /// True once the client's END_STREAM arrived: the stream then closes by itself after ours.
    private var requestEnded = false
    private var bodyTimer: Scheduled<Void>?
    /// Armed while the response is being written; re-armed whenever the stream becomes writable again.
    private var stallTimer: Scheduled<Void>?
    /// True from the response's write until its last byte is out.
    private var writing = false

    /// - Parameter remoteAddress: the client's address, read once per connection rather than per stream.
    init(settings: Settings, remoteAddress: SocketAddress?) {
        self.settings = settings
        self.remoteAddress = remoteAddress
        self.assembler = HTTPRequestAssembler(maxBodyBytes: settings.maxBodyBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if headers.endStream { requestEnded = true }
            switch state {
            case .awaitingHead:
                guard let head = Self.requestHead(from: headers.headers) else {
                    // Not a request anyone could answer; resetting the stream is what the HTTP/2
                    // codec did before.
                    state = .done
                    context.close(promise: nil)
                    return
                }
                counted = true
                settings.counter.started()
                state = .receivingBody
                guard receive(.head(head), context: context) else { return }
                if headers.endStream { _ = receive(.end(nil), context: context) }
            case .receivingBody:
                // Trailers end the request; nothing here reads them.
                _ = receive(.end(nil), context: context)
            case .responding, .done:
                return
            }
        case .data(let data):
            if data.endStream { requestEnded = true }
            guard case .receivingBody = state, case .byteBuffer(let bytes) = data.data else { return }
            if bytes.readableBytes > 0 {
                guard receive(.body(bytes), context: context) else { return }
            }
            if data.endStream { _ = receive(.end(nil), context: context) }
        default:
            return
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Armed at the end of the read that brought the head, and only if the body is still
        // incomplete then: most requests arrive whole in one read and never schedule a timer.
        if case .receivingBody = state, bodyTimer == nil {
            let stream = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            bodyTimer = context.eventLoop.scheduleTask(in: settings.bodyTimeout) {
                let (handler, context) = stream.value
                handler.bodyTimedOut(context: context)
            }
        }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The client opened its window and bytes moved: the response is making progress.
        if stallTimer != nil, context.channel.isWritable { armStallTimer(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .responding(let task) = state { task.cancel() }
        state = .done
        cancelBodyTimer()
        cancelStallTimer()
        uncount()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelBodyTimer()
        cancelStallTimer()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A stream error (a bad frame, a reset while writing) leaves nothing on it to answer.
        context.close(promise: nil)
    }

    /// Feeds one part to the assembler and carries out its action; false when the request is over
    /// (refused or handed to the responder) and later parts are to be ignored.
    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) -> Bool {
        switch assembler.receive(part) {
        case .readMore:
            return true
        case .sendContinue:
            var headers = HPACKHeaders()
            headers.add(name: ":status", value: "100")
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
            return true
        case .reject(let error, _):
            write(error.response, context: context)
            return false
        case .complete(let head, let body):
            cancelBodyTimer()
            let request = HTTPRequest(
                method: head.method,
                target: head.uri,
                headers: head.headers,
                body: body,
                wireProtocol: .http2,
                remoteAddress: remoteAddress
            )
            respond(to: request, context: context)
            return false
        }
    }

    private func respond(to request: HTTPRequest, context: ChannelHandlerContext) {
        let responder = settings.responder
        let eventLoop = context.eventLoop
        let stream = NIOLoopBound((self, context), eventLoop: eventLoop)
        let task = Task {
            let response = await responder.respond(to: request)
            // With NIO's loop as the global executor the task may already run on the stream's loop.
            if eventLoop.inEventLoop {
                let (handler, context) = stream.value
                handler.finish(with: response, context: context)
            } else {
                eventLoop.execute {
                    let (handler, context) = stream.value
                    handler.finish(with: response, context: context)
                }
            }
        }
        state = .responding(task)
    }

    private func finish(with response: HTTPResponse, context: ChannelHandlerContext) {
        // The stream closed while the responder worked: its answer has nowhere to go.
        guard case .responding = state else { return }
        write(response, context: context)
    }

    private func bodyTimedOut(context: ChannelHandlerContext) {
        bodyTimer = nil
        guard case .receivingBody = state else { return }
        let error = APIError(
            status: 408,
            type: "invalid_request_error",
            code: "request_timeout",
            message: "The request body did not arrive within \(settings.bodyTimeout.nanoseconds / 1_000_000_000) s."
        )
        write(error.response, context: context)
    }

    /// Writes the whole response and flushes. A stream whose request has not ended is reset once the
    /// response's last byte is out, so the client stops sending a body nobody will read.
    private func write(_ response: HTTPResponse, context: ChannelHandlerContext) {
        state = .done
        cancelBodyTimer()
        let headers = HTTPWireResponse.http2Headers(for: response)
        let hasBody = response.body.readableBytes > 0
        let last: HTTP2Frame.FramePayload
        if hasBody {
            context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
            last = .data(.init(data: .byteBuffer(response.body), endStream: true))
        } else {
            last = .headers(.init(headers: headers, endStream: true))
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(last), promise: written)
        uncount()
        // A response held back by flow control arms the stall timer until its last byte is out (a
        // write that is already done completes the callback inline, before the check below).
        writing = true
        let resetWhenWritten = !requestEnded
        let stream = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in
            let (handler, context) = stream.value
            handler.writing = false
            handler.cancelStallTimer()
            if resetWhenWritten { context.close(promise: nil) }
        }
        if writing { armStallTimer(context: context) }
    }

    private func armStallTimer(context: ChannelHandlerContext) {
        stallTimer?.cancel()
        let stream = NIOLoopBound(context, eventLoop: context.eventLoop)
        stallTimer = context.eventLoop.scheduleTask(in: settings.stallTimeout) {
            // Closing a stream with a response still queued resets it (RST_STREAM CANCEL).
            stream.value.close(promise: nil)
        }
    }

    private func cancelStallTimer() {
        stallTimer?.cancel()
        stallTimer = nil
    }

    private func cancelBodyTimer() {
        bodyTimer?.cancel()
        bodyTimer = nil
    }

    private func uncount() {
        guard counted else { return }
        counted = false
        settings.counter.finished()
    }

    /// The request head as an HTTP/1 server would see it, or nil when a required pseudo-header is
    /// missing. (NIO's HTTP/2 handler has already checked the block's form: pseudo-headers first,
    /// lowercase names, no connection-specific fields.)
    static func requestHead(from block: HPACKHeaders) -> HTTPRequestHead? {
        var method: String?
        var path: String?
        var scheme = false
        var authority: String?
        var hasHost = false
        var regular: [(String, String)] = []
        regular.reserveCapacity(block.count)
        for (name, value, _) in block {
            if name.utf8.first == UInt8(ascii: ":") {
                switch name {
                case ":method": method = value
                case ":path": path = value
                case ":scheme": scheme = true
                case ":authority": authority = value
                default: break
                }
            } else {
                if name == "host" { hasHost = true }
                regular.append((name, value))
            }
        }
        guard let method, let path, scheme else { return nil }
        if !hasHost { regular.insert(("host", authority ?? "localhost"), at: 0) }
        return HTTPRequestHead(
            version: http2,
            method: HTTPMethod(rawValue: method),
            uri: path,
            headers: HTTPHeaders(regular)
        )
    }
}

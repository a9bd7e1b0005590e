import NIOCore
import NIOHTTP1

/// Sits just before the server's async side on an HTTP/1 connection (HTTP/2 streams are served by
/// `HTTP2StreamResponder`, which enforces the same limits itself) and enforces what must hold even
/// while nobody reads: the idle timeout between requests, the deadline for receiving a request's body
/// (408), an OpenAI-shaped 400/431 and close for bytes the HTTP/1 parser rejects, and graceful
/// shutdown (`Connection: close` on the response in flight, then close). A connection whose response
/// ends it is closed only once that response's last byte has been written, so nothing queued behind
/// TCP is lost.
///
/// Output that makes no progress for `stallTimeout` is abandoned and the connection closed, so its
/// buffers are freed. Output is stalled while the channel stays unwritable (a client that stops
/// reading, perhaps pipelining requests all the while) or while a last response waits for its final
/// bytes to leave.
///
/// HTTP/1 pipelining is safe without NIO's pipelining handler because the async side answers one
/// request at a time, in order; the guard counts requests and responses so an error it answers
/// itself never interleaves with a response being written. Leaving reads running while a request
/// is processed is what lets the server notice a client that hangs up and cancel its request.
/// Runs on the event loop, so its timers cost no task and no lock.
final class HTTPRequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Deadline {
        case idle
        case body
    }

    private let idleTimeout: TimeAmount?
    private let bodyTimeout: TimeAmount
    private let stallTimeout: TimeAmount
    /// Whether a response's last part is waiting to reach the wire before the channel closes.
    private var drainingLastResponse = false
    private var timer: Scheduled<Void>?
    /// Armed while output is stalled; separate from `timer` because a request can be arriving (or
    /// the connection idle) while earlier output is stuck.
    private var stallTimer: Scheduled<Void>?
    private var requestVersion: HTTPVersion = .http1_1
    /// Requests whose head arrived and whose response has not ended.
    private var unanswered = 0
    private var receivingBody = false
    private var responseInProgress = false
    private var quiescing = false
    private var closeAfterResponse = false
    /// An error found while an earlier request was still being answered: sent after that answer.
    private var deferredError: APIError?

    /// - Parameters:
    ///   - idleTimeout: close after this long without a request in flight; nil leaves it to others.
    ///   - bodyTimeout: answer 408 and close when a request's end has not arrived this long after the read that brought its head.
    ///   - stallTimeout: close when queued output has not moved for this long.
    init(idleTimeout: TimeAmount?, bodyTimeout: TimeAmount, stallTimeout: TimeAmount) {
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.stallTimeout = stallTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startIdleTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        cancelStallTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        cancelStallTimer()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestVersion = head.version
            unanswered += 1
            receivingBody = true
            // The body deadline is armed at the end of this read, and only if the body is still
            // incomplete then: most requests (every small HTTP/2 one) arrive whole in one read and
            // so never schedule and cancel a timer.
            cancelTimer()
        case .body:
            break
        case .end:
            receivingBody = false
            cancelTimer()
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if receivingBody, timer == nil { schedule(.body, in: bodyTimeout, context: context) }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            responseInProgress = true
            if quiescing, head.version.major < 2 {
                head.headers.replaceOrAdd(name: "connection", value: "close")
                closeAfterResponse = true
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
            // An HTTP/2 stream carries one request; an HTTP/1 response without keep-alive is the last.
            if head.version.major >= 2 || !head.isKeepAlive { closeAfterResponse = true }
        case .head, .body:
            break
        case .end:
            responseInProgress = false
            unanswered = max(0, unanswered - 1)
            if closeAfterResponse {
                writeThenClose(data, promise: promise, context: context)
                return
            }
            if let deferredError {
                self.deferredError = nil
                context.write(data, promise: promise)
                respondAndClose(with: deferredError, context: context)
                return
            }
            if unanswered == 0, !receivingBody { startIdleTimer(context: context) }
        }
        context.write(data, promise: promise)
    }

    /// Becoming unwritable starts the stall deadline; becoming writable again means queued bytes went
    /// out, which ends it, or restarts it while a last response is still on its way out.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable || drainingLastResponse {
            startStallTimer(context: context)
        } else {
            cancelStallTimer()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        if unanswered == 0 { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        cancelTimer()
        let apiError: APIError
        if case .headerOverflow = parserError {
            apiError = APIError(
                status: 431,
                type: "invalid_request_error",
                code: "headers_too_large",
                message: "The request's header fields are larger than the server accepts."
            )
        } else {
            apiError = .badRequest("The request is not valid HTTP/1.1 (\(parserError)).", code: "malformed_request")
        }
        let currentRequestCounted = receivingBody
        receivingBody = false
        answerOrDefer(apiError, currentRequestCounted: currentRequestCounted, context: context)
    }

    private func bodyTimedOut(context: ChannelHandlerContext) {
        guard receivingBody else { return }
        receivingBody = false
        let apiError = APIError(
            status: 408,
            type: "invalid_request_error",
            code: "request_timeout",
            message: "The request body did not arrive within \(bodyTimeout.nanoseconds / 1_000_000_000) s."
        )
        answerOrDefer(apiError, currentRequestCounted: true, context: context)
    }

    /// Answers with `error` and closes, unless an earlier request is still being answered, in which
    /// case the error follows that answer.
    private func answerOrDefer(_ error: APIError, currentRequestCounted: Bool, context: ChannelHandlerContext) {
        let earlierRequests = unanswered - (currentRequestCounted ? 1 : 0)
        if responseInProgress || earlierRequests > 0 {
            if deferredError == nil { deferredError = error }
            return
        }
        respondAndClose(with: error, context: context)
    }

    private func respondAndClose(with error: APIError, context: ChannelHandlerContext) {
        let parts = HTTPWireResponse.parts(
            for: error.response,
            version: requestVersion,
            closeConnection: true
        )
        responseInProgress = true
        closeAfterResponse = true
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1 {
                writeThenClose(wrapOutboundOut(part), promise: nil, context: context)
            } else {
                context.write(wrapOutboundOut(part), promise: nil)
            }
        }
    }

    private func writeThenClose(_ data: NIOAny, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        cancelTimer()
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.cascade(to: promise)
        drainingLastResponse = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in
            let (handler, context) = loopBound.value
            handler.drainingLastResponse = false
            handler.cancelStallTimer()
            context.close(promise: nil)
        }
        context.writeAndFlush(data, promise: written)
        // Most responses are on the wire by now; only one held back by flow control arms a timer.
        if drainingLastResponse, stallTimer == nil { startStallTimer(context: context) }
    }

    private func startStallTimer(context: ChannelHandlerContext) {
        cancelStallTimer()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        stallTimer = context.eventLoop.scheduleTask(in: stallTimeout) {
            let (handler, context) = loopBound.value
            handler.stallTimer = nil
            context.close(promise: nil)
        }
    }

    private func cancelStallTimer() {
        stallTimer?.cancel()
        stallTimer = nil
    }

    private func startIdleTimer(context: ChannelHandlerContext) {
        guard let idleTimeout else { return }
        schedule(.idle, in: idleTimeout, context: context)
    }

    private func schedule(_ deadline: Deadline, in delay: TimeAmount, context: ChannelHandlerContext) {
        cancelTimer()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            switch deadline {
            case .idle: context.close(promise: nil)
            case .body: handler.bodyTimedOut(context: context)
            }
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// Carries one request on one HTTP/2 stream: writes the request, gathers the response, and fails
/// with a classified ``BackendError`` on reset, close, deadline or a bad response.
///
/// The response promise is the single outcome: whoever completes it first wins (the caller's
/// cancellation fails it from outside). When it fails while the stream is open, the stream channel is
/// closed, which resets the stream with RST_STREAM CANCEL.
final class BackendStreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    /// HTTP/1.1 connection-specific headers that HTTP/2 forbids (RFC 9113 §8.2.2); `host` becomes `:authority`.
    private static let droppedHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host",
    ]

    private let request: BackendRequest
    private let authority: String
    private let promise: EventLoopPromise<BackendResponse>
    private let connection: BackendConnectionHandler
    private let maximumResponseBytes: Int
    private var finished = false
    private var requestWritten = false
    private var responseStarted = false
    private var head: (status: HTTPResponseStatus, headers: HTTPHeaders)?
    private var body = ByteBuffer()
    private var streamID: HTTP2StreamID?
    private var deadlineTimer: Scheduled<Void>?

    init(
        request: BackendRequest,
        authority: String,
        promise: EventLoopPromise<BackendResponse>,
        connection: BackendConnectionHandler,
        maximumResponseBytes: Int
    ) {
        self.request = request
        self.authority = authority
        self.promise = promise
        self.connection = connection
        self.maximumResponseBytes = maximumResponseBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadlineTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: request.deadline) { [self] in
            let classification: BackendError.Classification = requestWritten ? .maybeProcessed : .notProcessed
            fail(
                BackendError(
                    code: .timedOut, classification: classification, message: "no complete response before the deadline"
                ))
        }
        let channel = context.channel
        // Registered after the timer so that a promise failed already (the caller cancelled before
        // the stream existed) cancels it at once.
        promise.futureResult.assumeIsolated().whenFailure { [self] _ in
            finished = true
            deadlineTimer?.cancel()
            channel.close(promise: nil)
        }
        if context.channel.isActive { writeRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        writeRequest(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            responseStarted = true
            if head == nil {
                guard let text = frame.headers.first(name: ":status"), let code = Int(text), (100...999).contains(code)
                else {
                    return fail(invalidResponse("the response has no valid :status"))
                }
                if code < 200 {
                    // Informational responses precede the real one.
                    if frame.endStream { fail(invalidResponse("the stream ended after an informational response")) }
                    return
                }
                var headers = HTTPHeaders()
                for (name, value, _) in frame.headers where !name.hasPrefix(":") {
                    headers.add(name: name, value: value)
                }
                head = (HTTPResponseStatus(statusCode: code), headers)
            }
            // A second HEADERS frame carries trailers, which nothing here needs.
            if frame.endStream { succeed() }
        case .data(let frame):
            responseStarted = true
            guard head != nil else { return fail(invalidResponse("DATA arrived before the response headers")) }
            if case .byteBuffer(var bytes) = frame.data, bytes.readableBytes > 0 {
                guard body.readableBytes + bytes.readableBytes <= maximumResponseBytes else {
                    return fail(invalidResponse("the response body exceeds \(maximumResponseBytes) bytes"))
                }
                if body.readableBytes == 0 { body = bytes } else { body.writeBuffer(&bytes) }
            }
            if frame.endStream { succeed() }
        case .rstStream(let code):
            fail(resetError(code))
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            if goAwayExcludesStream(context: context) {
                fail(goAwayError())
            } else {
                fail(
                    BackendError(
                        code: .connectionClosed,
                        classification: responseStarted ? .maybeProcessed : .notProcessed,
                        message: responseStarted
                            ? "the connection closed in the middle of the response"
                            : "the connection closed before any byte of the response"
                    )
                )
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !finished else { return }
        if let closed = error as? NIOHTTP2Errors.StreamClosed {
            fail(resetError(closed.errorCode, context: context))
        } else if error is NIOHTTP2Errors.CreatedStreamAfterGoaway || goAwayExcludesStream(context: context) {
            fail(goAwayError())
        } else {
            fail(
                BackendError(
                    code: .connectionClosed,
                    classification: requestWritten && responseStarted ? .maybeProcessed : .notProcessed,
                    message: "the stream failed: \(error)"
                )
            )
        }
    }

    // MARK: Private

    private func writeRequest(context: ChannelHandlerContext) {
        guard !requestWritten, !finished else { return }
        requestWritten = true
        var headers = HPACKHeaders()
        headers.reserveCapacity(request.headers.count + 5)
        headers.add(name: ":method", value: request.method.rawValue)
        headers.add(name: ":scheme", value: "http")
        headers.add(name: ":authority", value: authority)
        headers.add(name: ":path", value: request.path.isEmpty ? "/" : request.path)
        var hasContentLength = false
        for (name, value) in request.headers {
            let lowered = name.lowercased()
            if Self.droppedHeaders.contains(lowered) { continue }
            if lowered == "te" && value.lowercased() != "trailers" { continue }
            if lowered == "content-length" { hasContentLength = true }
            headers.add(name: lowered, value: value)
        }
        let hasBody = request.body.readableBytes > 0
        if hasBody && !hasContentLength {
            headers.add(name: "content-length", value: String(request.body.readableBytes))
        }

        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenFailure { [self] error in
            guard !finished else { return }
            // A RST_STREAM that arrives while the request is still being written fails the pending
            // writes with `StreamClosed` *before* the stream's `errorCaught` sees it (NIOHTTP2 fails
            // pending writes first), so the reset's code must be classified here too, or a
            // REFUSED_STREAM would be reported as a connection failure.
            if let closed = error as? NIOHTTP2Errors.StreamClosed {
                fail(resetError(closed.errorCode))
            } else if error is NIOHTTP2Errors.CreatedStreamAfterGoaway || goAwayExcludesStream(context: nil) {
                fail(goAwayError())
            } else {
                fail(
                    BackendError(
                        code: .connectionClosed, classification: .notProcessed, message: "sending failed: \(error)"))
            }
        }
        let headersFrame = HTTP2Frame.FramePayload.headers(.init(headers: headers, endStream: !hasBody))
        context.write(wrapOutboundOut(headersFrame), promise: hasBody ? nil : written)
        if hasBody {
            let dataFrame = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(request.body), endStream: true))
            context.write(wrapOutboundOut(dataFrame), promise: written)
        }
        context.flush()
        streamID = try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)
    }

    private func succeed() {
        guard !finished, let head else { return }
        finished = true
        deadlineTimer?.cancel()
        promise.succeed(BackendResponse(status: head.status, headers: head.headers, body: body))
    }

    /// Fails the request; the promise's failure callback then closes (resets) the stream.
    private func fail(_ error: BackendError) {
        guard !finished else { return }
        promise.fail(error)
    }

    private func invalidResponse(_ message: String) -> BackendError {
        BackendError(code: .invalidResponse, classification: .maybeProcessed, message: message)
    }

    private func goAwayError() -> BackendError {
        BackendError(
            code: .goAway,
            classification: .notProcessed,
            message: "the backend sent GOAWAY before processing this stream"
        )
    }

    private func resetError(_ code: HTTP2ErrorCode, context: ChannelHandlerContext? = nil) -> BackendError {
        if code == .refusedStream {
            return BackendError(
                code: .refusedStream,
                classification: .notProcessed,
                message: "the backend refused the stream (REFUSED_STREAM)"
            )
        }
        if goAwayExcludesStream(context: context) { return goAwayError() }
        return BackendError(
            code: .streamReset,
            classification: requestWritten ? .maybeProcessed : .notProcessed,
            message: "the backend reset the stream (\(code))"
        )
    }

    /// True when a GOAWAY said this stream was never processed: its id is above the last-stream-id,
    /// or it never got an id at all.
    private func goAwayExcludesStream(context: ChannelHandlerContext?) -> Bool {
        guard let last = connection.goAwayLastStreamID else { return false }
        if streamID == nil, let context {
            streamID = try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)
        }
        guard let streamID else { return true }
        return streamID > last
    }
}

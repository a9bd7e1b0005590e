import NIOCore
import NIOHPACK
import NIOHTTP2

/// Supplies `:authority` on HTTP/2 requests that omit it (RFC 9113 allows that when there is no
/// authority to convey; HAProxy's h2 health checks do), from the `host` header or `localhost`.
/// NIO's HTTP/2-to-HTTP/1 codec requires the pseudo-header and would otherwise reset the stream.
final class HTTP2MissingAuthorityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var payload = unwrapInboundIn(data)
        if case .headers(var headers) = payload, !headers.headers.contains(name: ":authority") {
            let authority = headers.headers.first(name: "host") ?? "localhost"
            var rebuilt = HPACKHeaders()
            rebuilt.reserveCapacity(headers.headers.count + 1)
            // Pseudo-headers stay first, as HTTP/2 requires.
            for (name, value, indexing) in headers.headers where name.hasPrefix(":") {
                rebuilt.add(name: name, value: value, indexing: indexing)
            }
            rebuilt.add(name: ":authority", value: authority)
            for (name, value, indexing) in headers.headers where !name.hasPrefix(":") {
                rebuilt.add(name: name, value: value, indexing: indexing)
            }
            headers.headers = rebuilt
            payload = .headers(headers)
        }
        context.fireChannelRead(wrapInboundOut(payload))
    }
}

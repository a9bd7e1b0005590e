import NIOCore
import NIOHTTP2

/// Closes an HTTP/2 connection whose peer does not acknowledge, within `timeout`, the PING that
/// follows the server's first GOAWAY.
///
/// NIOHTTP2's connection manager shuts a connection down (when it has been idle, or when the server
/// drains) in two steps: a GOAWAY naming the largest stream ID plus a PING, then, once the PING is
/// acknowledged, the real GOAWAY and a close (or its grace timer while streams finish). Without the
/// acknowledgement it waits for ever, so a client stuck in the middle of a frame (an HTTP/2
/// slowloris) or one that never reads held its connection open indefinitely. After the ACK the
/// manager's own timers apply and this handler does nothing more.
///
/// Sits between `NIOHTTP2Handler` and the connection manager, where the manager's frames pass on
/// their way out and the peer's on their way in. The protocol errors `NIOHTTP2Handler` answers with
/// a GOAWAY of its own close the connection there and never reach this handler.
final class HTTP2ShutdownPingTimeout: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var acknowledged = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if deadline == nil, !acknowledged, case .goAway = unwrapOutboundIn(data).payload {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                loopBound.value.close(promise: nil)
            }
        }
        context.write(data, promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if deadline != nil, case .ping(_, ack: true) = unwrapInboundIn(data).payload {
            cancelDeadline()
            acknowledged = true
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}

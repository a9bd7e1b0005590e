import NIOCore

/// The UDP channel's only handler: hands every datagram to the inbox and ends the packet stream
/// when the socket closes.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let inbox: PacketInbox

    init(inbox: PacketInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        inbox.receive(envelope.data, from: envelope.remoteAddress)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP read error (for example ICMP port unreachable surfacing as ECONNREFUSED) concerns
        // one datagram, not the socket: keep the channel open.
    }
}
